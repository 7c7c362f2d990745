//! Prints the JSON verdict of every corpus case (each browser, each step of a sequence with its
//! own cache), of the HAR fixtures' exchanges and of a fixed set of generated exchanges, one a
//! line, so a refactoring can be checked byte for byte: `verdict_dump > before.jsonl`.

use std::io::Write as _;

use corslab_engine::exchange::{Answer, CredentialsMode, Hop, RedirectMode, Request, RequestMode, SameSite};
use corslab_engine::header::Header;
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange, PreflightCache, explain, explain_with};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

fn main() {
    let out = std::io::stdout();
    let mut out = out.lock();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data");
    let mut files: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let steps: Vec<(u64, &Value)> = match case.get("sequence").and_then(Value::as_array) {
                Some(seq) => seq.iter().map(|s| (s["at"].as_u64().unwrap_or(0), &s["exchange"])).collect(),
                None => vec![(0, &case["exchange"])],
            };
            for browser in ["chromium", "firefox"] {
                let mut cache = PreflightCache::new();
                for (at, exchange) in &steps {
                    let mut exchange = (*exchange).clone();
                    exchange.as_object_mut().unwrap().insert("browser".into(), browser.into());
                    let Ok(parsed) = Exchange::from_json(&exchange.to_string()) else {
                        writeln!(out, "unparsable").unwrap();
                        continue;
                    };
                    let verdict = explain_with(&parsed, &mut cache, *at);
                    writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
                    let verdict = explain(&parsed);
                    writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
                }
            }
        }
    }
    for har in ["chromium.har", "firefox.har"] {
        let text = std::fs::read_to_string(format!("{data}/har/{har}")).unwrap();
        let har = corslab_engine::har::Har::from_json(&text).unwrap();
        for found in corslab_engine::har::exchanges(&har).unwrap() {
            let steps: Vec<_> = found.assumed_steps().collect();
            writeln!(out, "{}", serde_json::to_string(&steps).unwrap()).unwrap();
            writeln!(out, "{}", serde_json::to_string(&explain(&found.exchange)).unwrap()).unwrap();
        }
    }
    let typical = Exchange::from_json(include_str!("typical-exchange.json")).unwrap();
    writeln!(out, "{}", serde_json::to_string(&explain(&typical)).unwrap()).unwrap();

    let n: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(30_000);
    let mut runner =
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let strategy = exchange();
    let mut cache = PreflightCache::new();
    for i in 0..n {
        let exchange = strategy.new_tree(&mut runner).unwrap().current();
        let verdict = explain(&exchange);
        writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
        // A long-lived cache too, so cached preflights are covered.
        let verdict = explain_with(&exchange, &mut cache, (i / 4) as u64);
        writeln!(out, "{}", serde_json::to_string(&verdict).unwrap()).unwrap();
    }
}

fn exchange() -> impl Strategy<Value = Exchange> {
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

fn answer() -> impl Strategy<Value = Answer> {
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
