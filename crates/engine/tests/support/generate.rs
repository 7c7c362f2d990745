//! Generated exchanges, for the engine's property tests (`tests/properties.rs`) and the
//! `verdict_dump` example: pages, URLs, methods, request headers, modes, cookies and answers
//! drawn from values that reach every rule, malformed ones included. Each includes this file
//! with `#[path]`.

use corslab_engine::exchange::{Answer, CredentialsMode, Hop, RedirectMode, Request, RequestMode, SameSite};
use corslab_engine::header::Header;
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange};
use proptest::prelude::*;

/// Any exchange, with up to one redirect.
pub fn exchange() -> impl Strategy<Value = Exchange> {
    let origins = prop_oneof![
        Just("http://blog.fintrack.localhost:8080"),
        Just("http://evil.localhost"),
        Just("null"),
        Just("https://evil.example"),
        Just("http://api.fintrack.localhost:8080"),
        Just("http://127.0.0.1:8080"),
        Just("https://a.b.example.co.uk"),
    ];
    let urls = prop_oneof![
        Just("http://api.fintrack.localhost:8080/me"),
        Just("http://127.0.0.1:8080/x"),
        Just("https://api.example.com/v1"),
        Just("http://192.168.0.1/"),
        Just("ftp://api.fintrack.localhost/x"),
        Just("http://blog.fintrack.localhost:8080/me/x"),
        Just("https://c.example.co.uk/p"),
    ];
    let methods = prop_oneof![
        Just("GET"),
        Just("post"),
        Just("PUT"),
        Just("patch"),
        Just("TRACE"),
        Just("DELETE"),
        Just("head")
    ];
    let request_headers = proptest::collection::vec(
        (
            prop_oneof![
                Just("Content-Type"),
                Just("X-Csrf"),
                Just("x-csrf"),
                Just("Authorization"),
                Just("Accept"),
                Just("Cookie"),
                Just("Range"),
                Just("Accept-Language"),
                Just("X-HTTP-Method-Override"),
                Just("Sec-Foo"),
                Just("X-B"),
            ],
            prop_oneof![
                Just("text/plain"),
                Just("application/json"),
                Just("Application/JSON; charset=utf-8"),
                Just("bytes=0-"),
                Just("bytes=-5"),
                Just("1"),
                Just("*/*"),
                Just("en-GB, fr;q=0.5"),
                Just("a\"b"),
                Just("TRACE"),
            ],
        ),
        0..5,
    );
    (
        (origins.clone(), proptest::option::of(origins), urls, methods, request_headers),
        (
            prop_oneof![Just(RequestMode::Cors), Just(RequestMode::NoCors), Just(RequestMode::SameOrigin)],
            prop_oneof![
                Just(CredentialsMode::Omit),
                Just(CredentialsMode::SameOrigin),
                Just(CredentialsMode::Include)
            ],
            prop_oneof![Just(RedirectMode::Follow), Just(RedirectMode::Error), Just(RedirectMode::Manual)],
            any::<bool>(),
        ),
        (
            proptest::option::of(answer()),
            answer(),
            proptest::option::of((proptest::option::of(answer()), answer())),
        ),
        proptest::collection::vec(
            (
                prop_oneof![
                    Just(None),
                    Just(Some(SameSite::Lax)),
                    Just(Some(SameSite::None)),
                    Just(Some(SameSite::Strict))
                ],
                any::<bool>(),
                prop_oneof![
                    Just(None),
                    Just(Some("fintrack.localhost")),
                    Just(Some("http://evil.localhost"))
                ],
            ),
            0..3,
        ),
    )
        .prop_map(
            |(
                (page, top, url, method, headers),
                (mode, credentials, redirect, firefox),
                (preflight, response, next),
                jar,
            )| Exchange {
                browser: if firefox { Browser::Firefox } else { Browser::Chromium },
                page: Origin::parse(page).unwrap(),
                top_level: top.map(|t| Origin::parse(t).unwrap()),
                settings: Default::default(),
                request: Request {
                    method: Method::new(method).unwrap(),
                    url: url.parse().unwrap(),
                    headers: headers.iter().map(|(n, v)| Header::new(n, v).unwrap()).collect(),
                    mode,
                    credentials,
                    redirect,
                },
                cookies: jar
                    .into_iter()
                    .enumerate()
                    .map(|(i, (same_site, secure, partition))| corslab_engine::exchange::Cookie {
                        name: format!("c{i}"),
                        host: "api.fintrack.localhost".into(),
                        domain: None,
                        path: "/".into(),
                        same_site,
                        secure,
                        http_only: false,
                        partition: partition.map(str::to_owned),
                        age_s: 0,
                    })
                    .collect(),
                preflight,
                response,
                next: next.map(|(preflight, response)| Box::new(Hop { preflight, response, next: None })),
            },
        )
}

/// Any answer: a status and up to five CORS, redirect and caching headers.
pub fn answer() -> impl Strategy<Value = Answer> {
    let header = prop_oneof![
        Just(("Access-Control-Allow-Origin", "*")),
        Just(("Access-Control-Allow-Origin", "http://blog.fintrack.localhost:8080")),
        Just(("access-control-allow-origin", "http://blog.fintrack.localhost:8080")),
        Just(("Access-Control-Allow-Origin", "null")),
        Just(("Access-Control-Allow-Origin", "http://a, http://b")),
        Just(("Access-Control-Allow-Origin", "NULL")),
        Just(("Access-Control-Allow-Credentials", "true")),
        Just(("Access-Control-Allow-Credentials", "True")),
        Just(("Access-Control-Allow-Methods", "PUT, *")),
        Just(("Access-Control-Allow-Methods", "PUT")),
        Just(("Access-Control-Allow-Methods", "patch,DELETE")),
        Just(("Access-Control-Allow-Methods", "bad method")),
        Just(("Access-Control-Allow-Headers", "x-csrf, content-type")),
        Just(("Access-Control-Allow-Headers", "content-type,x-csrf")),
        Just(("Access-Control-Allow-Headers", "authorization")),
        Just(("Access-Control-Allow-Headers", "*")),
        Just(("Access-Control-Allow-Headers", "bad header")),
        Just(("Access-Control-Allow-Headers", "\"x-csrf\"")),
        Just(("Access-Control-Expose-Headers", "*")),
        Just(("Access-Control-Expose-Headers", "X-Total, vary")),
        Just(("Access-Control-Max-Age", "99999999999999999999999")),
        Just(("Access-Control-Max-Age", "600")),
        Just(("Access-Control-Max-Age", "-1")),
        Just(("Access-Control-Allow-Private-Network", "true")),
        Just(("Location", "http://partner.localhost/x")),
        Just(("Location", "http://u:p@partner.localhost/x")),
        Just(("Location", "/relative")),
        Just(("Location", "http://api.fintrack.localhost:8080/me/next")),
        Just(("Location", "http://[")),
        Just(("Vary", "Origin")),
        Just(("Vary", "Accept, *")),
        Just(("Set-Cookie", "a=1")),
        Just(("Content-Type", "application/json")),
        Just(("X-Total", "3")),
    ];
    (
        prop_oneof![Just(200u16), Just(204), Just(302), Just(303), Just(307), Just(404), Just(500)],
        proptest::collection::vec(header, 0..7),
    )
        .prop_map(|(status, headers)| Answer {
            status,
            headers: headers.iter().map(|(n, v)| Header::new(n, v).unwrap()).collect(),
        })
}
