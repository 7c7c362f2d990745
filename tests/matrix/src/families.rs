//! The scenario families and the covering arrays that generate them. Each family holds a few
//! factors fixed and crosses the rest pairwise (with the triples that matter added in full), so
//! together they reach every rule the engine implements without the full product:
//!
//! - `policy`: the sixteen policies from every position, with the request kinds, credentials
//!   modes and session cookies crossed pairwise.
//! - `request`: methods, script-set headers, `Content-Type`s, credentials and modes (`no-cors`,
//!   `same-origin`) against permissive policies: what is preflighted, dropped or thrown.
//! - `response`: scripted `Access-Control-Allow-Origin`, `-Credentials` and `-Expose-Headers`
//!   shapes and statuses on simple requests.
//! - `preflight-status` and `preflight-shape`: scripted preflight statuses (2xx, redirects,
//!   errors) and header shapes (unparsable lists, `*`, case) on preflighted requests.
//! - `redirect`: same-origin, cross-origin and credentialed redirects of every status, crossed in
//!   full with the request kind, under several policies and redirect modes.
//! - `cookies`: every session cookie choice in every third-party setting from every kind of
//!   position, in full.
//! - `scheme`: `ftp:`, `ws:`, `file:`, `data:`, `blob:` and `about:` URLs in every mode.
//! - `redirect-limit`: 20 and 21 redirects in a row.
//! - `cache-partition`: the same origin under two top-level sites, one preflight cache each.
//! - `cache-expiry`: a second fetch two seconds after the first, past one cache lifetime.
//! - `cache-update`: a second preflight to the same URL answers with another
//!   `Access-Control-Max-Age`: what is left of what the first one cached?
//! - `repeated-headers`: a safelisted header set more than once, up to past the 1024-byte total.
//! - `expose-shapes`: `Access-Control-Expose-Headers` repeated, loose, invalid, or with `*`.
//! - `authorization`: `Authorization` under `Access-Control-Allow-Headers: *`, which the spec
//!   never lets it through and the browsers still do without credentials.
//! - `cache`: a preflighted fetch and then another to the same URL, in full over the preflight's
//!   `Access-Control-Max-Age` and what the second fetch changes: is its preflight cached?

use corslab_engine::exchange::{CredentialsMode, RedirectMode, RequestMode};
use corslab_lab::hosts::{PARTNER, SIBLING as SIBLING_HOST};
use corslab_lab::policy::PolicyId;

use crate::cover::{Factor, Row, Strength, cover};
use crate::scenario::{
    Acac, Acao, Allow, Asking, Cookie, Expose, Fetch, Location, MaxAge, Position, Scenario, Setup, Shape,
    Target, ThirdParty,
};

/// Every scenario of every family, ids unique, in generation order.
pub fn all() -> Vec<Scenario> {
    let mut out = Vec::new();
    out.extend(policy());
    out.extend(request());
    out.extend(response());
    out.extend(preflight_status());
    out.extend(preflight_shape());
    out.extend(redirect());
    out.extend(cookies());
    out.extend(cache());
    out.extend(authorization());
    out.extend(schemes());
    out.extend(redirect_limit());
    out.extend(cache_partition());
    out.extend(cache_expiry());
    out.extend(cache_update());
    out.extend(repeated_headers());
    out.extend(expose_shapes());
    out.extend(header_values());
    out.extend(redirect_targets());
    out.extend(allow_shapes());
    out.extend(redirect_request_modes());
    out.extend(nocors_redirect_modes());
    out.extend(location_lines());
    out.extend(trailing_dot());
    out.extend(redirect_cookies());
    out.extend(url_credentials());
    out.extend(redirect_requests());
    out.extend(credentials_shapes());
    out.extend(method_spellings());
    out.extend(bad_ports());
    out.extend(other_3xx());
    out.extend(https_pages());
    out.extend(redirect_to_https());
    out.extend(mixed_content());
    out.extend(local_network());
    out
}

/// The request kinds the families pick from: a method, the headers a script sets and a body.
pub const KINDS: [&str; 12] = [
    "get",
    "head",
    "get-csrf",
    "get-auth",
    "post-text",
    "post-form",
    "post-json",
    "put-json",
    "delete-auth",
    "patch-json",
    "nocors-get",
    "nocors-post",
];

/// The fetch of a request kind with `credentials`.
pub fn kind(name: &str, credentials: CredentialsMode) -> Fetch {
    let fetch = |method: &str| Fetch::new(method, credentials);
    match name {
        "head" => fetch("HEAD"),
        "get-csrf" => fetch("GET").header("X-Csrf", "1"),
        "get-auth" => fetch("GET").header("Authorization", "Bearer t0k3n"),
        "post-text" => fetch("POST").header("Content-Type", "text/plain").body(FORM_BODY),
        "post-form" => {
            fetch("POST").header("Content-Type", "application/x-www-form-urlencoded").body(FORM_BODY)
        }
        "post-json" => fetch("POST").header("Content-Type", "application/json").body(JSON_BODY),
        "put-json" => fetch("PUT").header("Content-Type", "application/json").body(JSON_BODY),
        "put-json-csrf" => {
            fetch("PUT").header("Content-Type", "application/json").header("X-Csrf", "1").body(JSON_BODY)
        }
        "delete-auth" => fetch("DELETE").header("Authorization", "Bearer t0k3n"),
        "patch-json" => fetch("patch").header("Content-Type", "application/json").body(JSON_BODY),
        "nocors-get" => Fetch { mode: RequestMode::NoCors, ..fetch("GET") },
        "nocors-post" => Fetch {
            mode: RequestMode::NoCors,
            ..fetch("POST").header("Content-Type", "text/plain").body(FORM_BODY)
        },
        _ => fetch("GET"),
    }
}

/// The FinTrack endpoint a method goes to. `DELETE` goes to the balance (and gets `405`) rather
/// than to `/me/sessions`, which would sign out the session the later scenarios rely on.
pub fn endpoint(method: &str) -> &'static str {
    match method {
        "POST" => "/me/transfer",
        "PUT" => "/me/email",
        _ => "/me/balance",
    }
}

const FORM_BODY: &str = "to=LAB-0000-0001&amount=0.01&memo=matrix";
const JSON_BODY: &str = r#"{"email":"matrix@example.com","to":"LAB-0000-0001","amount":"0.01"}"#;

const CREDENTIALS: [(&str, CredentialsMode); 3] = [
    ("include", CredentialsMode::Include),
    ("same-origin", CredentialsMode::SameOrigin),
    ("omit", CredentialsMode::Omit),
];

fn policy() -> Vec<Scenario> {
    let kinds = ["get", "get-csrf", "post-text", "put-json", "nocors-get", "post-json"];
    let factors = [
        factor("policy", PolicyId::ALL.len()),
        factor("position", Position::ALL.len()),
        factor("kind", kinds.len()),
        factor("credentials", CREDENTIALS.len()),
        factor("cookie", Cookie::ALL.len()),
    ];
    rows(&factors, &Strength::default())
        .into_iter()
        .map(|r| {
            let policy = PolicyId::ALL[r[0]];
            let position = Position::ALL[r[1]];
            let (credentials_slug, credentials) = CREDENTIALS[r[3]];
            // The third-party setting changes cookies only, which the cookie family crosses in full.
            let setup = Setup { third_party: ThirdParty::Default, cookie: Cookie::ALL[r[4]], position };
            let fetch = kind(kinds[r[2]], credentials);
            let target = Target::Api { policy, path: endpoint(&fetch.method).to_owned() };
            let id = id(
                "policy",
                &[policy.id(), position.slug(), kinds[r[2]], credentials_slug, setup.cookie.slug()],
            );
            Scenario::new(id, "policy", setup, fetch, target)
        })
        .collect()
}

fn request() -> Vec<Scenario> {
    let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "OPTIONS", "CONNECT"];
    let header_sets: [(&str, &[(&str, &str)]); 10] = [
        ("no-headers", &[]),
        ("x-csrf", &[("X-Csrf", "1")]),
        ("authorization", &[("Authorization", "Bearer t0k3n")]),
        ("content-language", &[("Content-Language", "en")]),
        ("accept", &[("Accept", "application/json")]),
        ("accept-language-unsafe", &[("Accept-Language", "de\"ch")]),
        ("range", &[("Range", "bytes=0-9")]),
        ("forbidden", &[("Cookie", "evil=1"), ("Sec-Matrix", "1"), ("Origin", "http://evil.localhost")]),
        ("two-custom", &[("X-B", "2"), ("X-A", "1")]),
        ("long-accept", &[("Accept", LONG_ACCEPT)]),
    ];
    let content_types = [
        ("no-type", None),
        ("text-plain", Some("text/plain")),
        ("text-plain-charset", Some("text/plain;charset=UTF-8")),
        ("form", Some("application/x-www-form-urlencoded")),
        ("multipart", Some("multipart/form-data; boundary=matrix")),
        ("json", Some("application/json")),
        ("quoted-charset", Some("text/plain; charset=\"utf-8\"")),
    ];
    let modes = [
        ("cors", RequestMode::Cors),
        ("no-cors", RequestMode::NoCors),
        ("same-origin-mode", RequestMode::SameOrigin),
    ];
    let policies = [
        PolicyId::MirrorEverything,
        PolicyId::Wildcard,
        PolicyId::AllowHeadersWildcard,
        PolicyId::ReflectAnyOrigin,
    ];
    let positions = [
        Position::SameOrigin,
        Position::Sibling,
        Position::Partner,
        Position::Attacker,
        Position::NullUnderAttacker,
    ];
    let factors = [
        factor("method", methods.len()),
        factor("headers", header_sets.len()),
        factor("content-type", content_types.len()),
        factor("credentials", CREDENTIALS.len()),
        factor("mode", modes.len()),
        factor("policy", policies.len()),
        factor("position", positions.len()),
    ];
    rows(&factors, &Strength::default())
        .into_iter()
        .map(|r| {
            let method = methods[r[0]];
            let (headers_slug, headers) = header_sets[r[1]];
            let (type_slug, content_type) = content_types[r[2]];
            let (credentials_slug, credentials) = CREDENTIALS[r[3]];
            let (mode_slug, mode) = modes[r[4]];
            let policy = policies[r[5]];
            let position = positions[r[6]];
            let mut fetch = Fetch { mode, ..Fetch::new(method, credentials) };
            for (name, value) in headers {
                fetch = fetch.header(name, value);
            }
            if let Some(content_type) = content_type {
                fetch = fetch.header("Content-Type", content_type);
            }
            if !matches!(method, "GET" | "HEAD") {
                let body = if content_type == Some("application/json") { JSON_BODY } else { FORM_BODY };
                fetch = fetch.body(body);
            }
            let target = Target::Api { policy, path: endpoint(method).to_owned() };
            let id = id(
                "request",
                &[method, headers_slug, type_slug, credentials_slug, mode_slug, policy.id(), position.slug()],
            );
            Scenario::new(id, "request", Setup::everyday(position), fetch, target)
        })
        .collect()
}

/// A safelisted name whose value is over 128 bytes, which makes it unsafe.
const LONG_ACCEPT: &str = "application/json, text/plain, text/html, application/xml, image/png, image/webp, \
                           text/csv, application/pdf, application/octet-stream, */*";

const ACAO: [(&str, Acao); 13] = [
    ("acao-exact", Acao::Exact),
    ("acao-missing", Acao::Missing),
    ("acao-star", Acao::Star),
    ("acao-null", Acao::Null),
    ("acao-trailing-slash", Acao::TrailingSlash),
    ("acao-upper-case", Acao::UpperCase),
    ("acao-no-port", Acao::NoPort),
    ("acao-https", Acao::Https),
    ("acao-list", Acao::List),
    ("acao-repeated", Acao::Repeated),
    ("acao-empty", Acao::Empty),
    ("acao-padded", Acao::Padded),
    ("acao-other", Acao::Other),
];

const ACAC: [(&str, Acac); 4] = [
    ("acac-true", Acac::True),
    ("acac-missing", Acac::Missing),
    ("acac-title-case", Acac::TitleCase),
    ("acac-false", Acac::False),
];

fn response() -> Vec<Scenario> {
    let exposes =
        [("expose-none", Expose::None), ("expose-star", Expose::Star), ("expose-list", Expose::List)];
    let statuses = [200, 404, 500];
    let kinds = ["get", "post-text"];
    let positions = [
        Position::SameOrigin,
        Position::Sibling,
        Position::Partner,
        Position::Attacker,
        Position::NullUnderAttacker,
        Position::PrefixLookalike,
    ];
    let factors = [
        factor("acao", ACAO.len()),
        factor("acac", ACAC.len()),
        factor("expose", exposes.len()),
        factor("status", statuses.len()),
        factor("credentials", CREDENTIALS.len()),
        factor("kind", kinds.len()),
        factor("position", positions.len()),
    ];
    rows(&factors, &Strength::default())
        .into_iter()
        .map(|r| {
            let (acao_slug, acao) = ACAO[r[0]];
            let (acac_slug, acac) = ACAC[r[1]];
            let (expose_slug, expose) = exposes[r[2]];
            let status = statuses[r[3]];
            let (credentials_slug, credentials) = CREDENTIALS[r[4]];
            let position = positions[r[6]];
            let shape = Shape { status, acao, acac, expose, ..Shape::READABLE };
            let status = format!("status-{status}");
            let id = id(
                "response",
                &[acao_slug, acac_slug, expose_slug, &status, credentials_slug, kinds[r[5]], position.slug()],
            );
            Scenario::new(
                id,
                "response",
                Setup::everyday(position),
                kind(kinds[r[5]], credentials),
                Target::scripted(None, shape),
            )
        })
        .collect()
}

/// Preflighted kinds: each needs a preflight for a different reason.
const PREFLIGHTED: [&str; 5] = ["put-json", "get-csrf", "delete-auth", "patch-json", "post-json"];

const PREFLIGHT_POSITIONS: [Position; 3] =
    [Position::Sibling, Position::Attacker, Position::NullUnderAttacker];

fn preflight_status() -> Vec<Scenario> {
    let statuses = [204, 200, 206, 299, 301, 302, 303, 307, 308, 400, 404, 500];
    let factors = [
        factor("status", statuses.len()),
        factor("kind", PREFLIGHTED.len()),
        factor("credentials", 2),
        factor("position", PREFLIGHT_POSITIONS.len()),
    ];
    rows(&factors, &Strength::default())
        .into_iter()
        .map(|r| {
            let status = statuses[r[0]];
            let (credentials_slug, credentials) = CREDENTIALS[[0, 2][r[2]]];
            let position = PREFLIGHT_POSITIONS[r[3]];
            let preflight = Shape { status, ..Shape::PREFLIGHT_OK };
            let status = format!("status-{status}");
            let id = id("preflight-status", &[&status, PREFLIGHTED[r[1]], credentials_slug, position.slug()]);
            Scenario::new(
                id,
                "preflight-status",
                Setup::everyday(position),
                kind(PREFLIGHTED[r[1]], credentials),
                Target::scripted(Some(preflight), Shape::READABLE),
            )
        })
        .collect()
}

fn preflight_shape() -> Vec<Scenario> {
    let acao = [ACAO[0], ACAO[1], ACAO[2], ACAO[3], ACAO[4], ACAO[8], ACAO[12]];
    let acac = [ACAC[0], ACAC[1], ACAC[2]];
    let allow = [
        ("exact", Allow::Exact),
        ("missing", Allow::Missing),
        ("star", Allow::Star),
        ("lower", Allow::Lower),
        ("other", Allow::Other),
        ("invalid", Allow::Invalid),
    ];
    let factors = [
        factor("acao", acao.len()),
        factor("acac", acac.len()),
        factor("acam", allow.len()),
        factor("acah", allow.len()),
        factor("kind", PREFLIGHTED.len()),
        factor("credentials", 2),
        factor("position", PREFLIGHT_POSITIONS.len()),
    ];
    rows(&factors, &Strength::default())
        .into_iter()
        .map(|r| {
            let (acao_slug, acao) = acao[r[0]];
            let (acac_slug, acac) = acac[r[1]];
            let (acam_slug, acam) = allow[r[2]];
            let (acah_slug, acah) = allow[r[3]];
            let (credentials_slug, credentials) = CREDENTIALS[[0, 2][r[5]]];
            let position = PREFLIGHT_POSITIONS[r[6]];
            let preflight = Shape { acao, acac, acam, acah, ..Shape::PREFLIGHT_OK };
            let acam_slug = format!("acam-{acam_slug}");
            let acah_slug = format!("acah-{acah_slug}");
            let id = id(
                "preflight-shape",
                &[
                    acao_slug,
                    acac_slug,
                    &acam_slug,
                    &acah_slug,
                    PREFLIGHTED[r[4]],
                    credentials_slug,
                    position.slug(),
                ],
            );
            Scenario::new(
                id,
                "preflight-shape",
                Setup::everyday(position),
                kind(PREFLIGHTED[r[4]], credentials),
                Target::scripted(Some(preflight), Shape::READABLE),
            )
        })
        .collect()
}

fn redirect() -> Vec<Scenario> {
    let tos = ["same", "cross", "credentialed"];
    let statuses = [301, 302, 303, 307, 308];
    let kinds = ["get", "post-text", "put-json", "get-csrf"];
    let policies = [
        PolicyId::ReflectAnyOrigin,
        PolicyId::NullTrusted,
        PolicyId::Wildcard,
        PolicyId::MirrorEverything,
        PolicyId::StrictAllowlist,
    ];
    let modes =
        [("follow", RedirectMode::Follow), ("error", RedirectMode::Error), ("manual", RedirectMode::Manual)];
    let positions = [Position::SameOrigin, Position::Sibling, Position::Attacker, Position::Partner];
    let factors = [
        factor("to", tos.len()),
        factor("status", statuses.len()),
        factor("kind", kinds.len()),
        factor("policy", policies.len()),
        factor("redirect", modes.len()),
        factor("credentials", CREDENTIALS.len()),
        factor("position", positions.len()),
    ];
    // Which status turns which method into what, across origins: the interaction that matters.
    let strength = Strength { groups: vec![vec![0, 1, 2]] };
    rows(&factors, &strength)
        .into_iter()
        .map(|r| {
            let to = tos[r[0]];
            let status = statuses[r[1]];
            let policy = policies[r[3]];
            let (mode_slug, mode) = modes[r[4]];
            let (credentials_slug, credentials) = CREDENTIALS[r[5]];
            let position = positions[r[6]];
            let fetch = Fetch { redirect: mode, ..kind(kinds[r[2]], credentials) };
            let id = id(
                "redirect",
                &[
                    to,
                    &status.to_string(),
                    kinds[r[2]],
                    policy.id(),
                    mode_slug,
                    credentials_slug,
                    position.slug(),
                ],
            );
            Scenario::new(
                id,
                "redirect",
                Setup::everyday(position),
                fetch,
                Target::Redirect { policy, to: to.to_owned(), status, hops: 1 },
            )
        })
        .collect()
}

fn cookies() -> Vec<Scenario> {
    let positions = [
        Position::SameOrigin,
        Position::Dashboard,
        Position::Sibling,
        Position::OtherPort,
        Position::Attacker,
        Position::Partner,
        Position::NullUnderSibling,
        Position::NullUnderAttacker,
        Position::AttackerUnderSibling,
        Position::SiblingUnderAttacker,
        Position::HttpsSibling,
        Position::HttpsPartner,
    ];
    let kinds = ["get", "post-text", "nocors-get", "put-json"];
    let credentials = [CREDENTIALS[0], CREDENTIALS[1]];
    let factors = [
        factor("cookie", Cookie::ALL.len()),
        factor("third-party", ThirdParty::ALL.len()),
        factor("position", positions.len()),
        factor("kind", kinds.len()),
        factor("credentials", credentials.len()),
    ];
    // Whether a cookie goes depends on its attributes, the setting and the site relation together.
    let strength = Strength { groups: vec![vec![0, 1, 2]] };
    rows(&factors, &strength)
        .into_iter()
        .map(|r| {
            let position = positions[r[2]];
            let setup = Setup { cookie: Cookie::ALL[r[0]], third_party: ThirdParty::ALL[r[1]], position };
            let (credentials_slug, credentials) = credentials[r[4]];
            let fetch = kind(kinds[r[3]], credentials);
            let target =
                Target::Api { policy: PolicyId::ReflectAnyOrigin, path: endpoint(&fetch.method).to_owned() };
            let id = id(
                "cookies",
                &[
                    setup.cookie.slug(),
                    setup.third_party.slug(),
                    position.slug(),
                    kinds[r[3]],
                    credentials_slug,
                ],
            );
            Scenario::new(id, "cookies", setup, fetch, target)
        })
        .collect()
}

fn authorization() -> Vec<Scenario> {
    let mut out = Vec::new();
    for (credentials_slug, credentials) in [CREDENTIALS[0], CREDENTIALS[2]] {
        for (method, kind) in [("DELETE", "delete-auth"), ("GET", "get-auth")] {
            for position in [Position::Sibling, Position::Partner, Position::NullUnderAttacker] {
                let preflight = Shape { acah: Allow::Star, ..Shape::PREFLIGHT_OK };
                out.push(everyday(
                    "authorization",
                    &["acah-star", kind, credentials_slug],
                    position,
                    Fetch::new(method, credentials).header("Authorization", "Bearer t0k3n"),
                    Target::scripted(Some(preflight), Shape::READABLE),
                ));
            }
        }
    }
    out
}

/// URLs of other schemes than HTTP(S), which the lab cannot serve: what `fetch` does with them
/// in each mode. Only the page on the API's own host has a policy that lets it connect to them.
fn schemes() -> Vec<Scenario> {
    let elsewhere = |url: &str| Target::Elsewhere { url: url.to_owned() };
    let targets = [
        ("ftp", elsewhere("ftp://api.fintrack.localhost/x?run={run}")),
        ("ws", elsewhere("ws://api.fintrack.localhost/x?run={run}")),
        ("file", elsewhere("file:///etc/hostname?run={run}")),
        ("data", elsewhere("data:text/plain,run={run}")),
        (
            "blob-unknown",
            elsewhere("blob:http://api.fintrack.localhost/00000000-0000-0000-0000-000000000000?run={run}"),
        ),
        ("blob-own", Target::OwnBlob),
        ("about", elsewhere("about:blank?run={run}")),
    ];
    let modes = [
        ("cors", RequestMode::Cors),
        ("no-cors", RequestMode::NoCors),
        ("same-origin-mode", RequestMode::SameOrigin),
    ];
    let position = Position::SameOrigin;
    let mut out = Vec::new();
    for (slug, target) in targets {
        for (mode_slug, mode) in modes {
            out.push(everyday(
                "scheme",
                &[slug, mode_slug],
                position,
                Fetch { mode, ..Fetch::new("GET", CredentialsMode::Include) },
                target.clone(),
            ));
        }
    }
    out
}

/// What a redirect changes in the request: `Authorization` dropped across origins (so no new
/// preflight for it), a HEAD kept by a 303, and cookies under `credentials: same-origin` once
/// the request has left its origin.
fn redirect_requests() -> Vec<Scenario> {
    let kinds = [
        ("get-auth", kind("get-auth", CredentialsMode::Include), [302, 303]),
        ("head", kind("head", CredentialsMode::Include), [302, 303]),
        ("get-same-origin-credentials", kind("get", CredentialsMode::SameOrigin), [302, 303]),
        // Preflighted, then redirected with its method and body kept: the second preflight,
        // after a redirect to another origin tainted the request's origin, carries `null` in
        // Chromium and the page's origin in Firefox.
        ("put-json", kind("put-json", CredentialsMode::Include), [307, 308]),
    ];
    let mut out = Vec::new();
    for (kind_slug, fetch, statuses) in kinds {
        for to in ["same", "cross"] {
            for status in statuses {
                for position in [Position::SameOrigin, Position::Partner] {
                    out.push(everyday(
                        "redirect-requests",
                        &[kind_slug, to, &status.to_string()],
                        position,
                        fetch.clone(),
                        Target::Redirect {
                            policy: PolicyId::MirrorEverything,
                            to: to.to_owned(),
                            status,
                            hops: 1,
                        },
                    ));
                }
            }
        }
    }
    out
}

/// `Access-Control-Allow-Credentials` and `-Allow-Origin` repeated or padded, on the response
/// and on the preflight, for a credentialed read.
fn credentials_shapes() -> Vec<Scenario> {
    let shapes = [
        ("acac-repeated", Shape { acac: Acac::Repeated, ..Shape::READABLE }),
        ("acac-padded", Shape { acac: Acac::Padded, ..Shape::READABLE }),
        ("acao-repeated", Shape { acao: Acao::Repeated, ..Shape::READABLE }),
        ("acao-padded", Shape { acao: Acao::Padded, ..Shape::READABLE }),
    ];
    let mut out = Vec::new();
    for (slug, shape) in shapes {
        for (kind_slug, on_preflight) in [("get", false), ("put-json", true)] {
            let target = if on_preflight {
                let preflight = Shape { acao: shape.acao, acac: shape.acac, ..Shape::PREFLIGHT_OK };
                Target::scripted(Some(preflight), Shape::READABLE)
            } else {
                Target::scripted(None, shape)
            };
            let position = Position::Partner;
            out.push(everyday(
                "credentials-shapes",
                &[slug, kind_slug],
                position,
                kind(kind_slug, CredentialsMode::Include),
                target,
            ));
        }
    }
    out
}

/// Methods spelled in other cases, forbidden ones in any case, and tokens of other shapes:
/// which `fetch()` normalizes, which it refuses, and which go out as written.
fn method_spellings() -> Vec<Scenario> {
    let methods = ["post", "Delete", "options", "trace", "Track", "connect", "M-SEARCH", "custom"];
    let mut out = Vec::new();
    for method in methods {
        for (mode_slug, mode) in [("cors", RequestMode::Cors), ("no-cors", RequestMode::NoCors)] {
            let position = Position::Partner;
            let mut fetch = Fetch { mode, ..Fetch::new(method, CredentialsMode::Omit) };
            if method.eq_ignore_ascii_case("post") {
                fetch = fetch.header("Content-Type", "text/plain").body(FORM_BODY);
            }
            out.push(everyday("method-spellings", &[method, mode_slug], position, fetch, mirrored_get()));
        }
    }
    out
}

/// URLs with a user name or password in them, which the `Request` constructor refuses.
fn url_credentials() -> Vec<Scenario> {
    let urls = [
        ("user-and-password", "http://user:pass@api.fintrack.localhost:{port}/me/balance?run={run}"),
        ("user", "http://user@api.fintrack.localhost:{port}/me/balance?run={run}"),
        ("password", "http://:pass@api.fintrack.localhost:{port}/me/balance?run={run}"),
    ];
    let mut out = Vec::new();
    for (slug, url) in urls {
        for (mode_slug, mode) in [("cors", RequestMode::Cors), ("no-cors", RequestMode::NoCors)] {
            for position in [Position::SameOrigin, Position::Partner] {
                out.push(everyday(
                    "url-credentials",
                    &[slug, mode_slug],
                    position,
                    Fetch { mode, ..Fetch::new("GET", CredentialsMode::Include) },
                    Target::Elsewhere { url: url.to_owned() },
                ));
            }
        }
    }
    out
}

/// Ports of the bad-port list, where the lab listens for the run: the ones Chromium's own list
/// leaves out (4190, 6679) and three it keeps, read in cors and no-cors mode from another site,
/// directly and (for one of each kind) through a redirect from the API's own port.
fn bad_ports() -> Vec<Scenario> {
    let mut out = Vec::new();
    for port in BAD_PORTS {
        for (kind_slug, mode) in [("get", RequestMode::Cors), ("nocors-get", RequestMode::NoCors)] {
            let fetch = Fetch { mode, ..Fetch::new("GET", CredentialsMode::Include) };
            let policy = PolicyId::ReflectAnyOrigin;
            let port_slug = port.to_string();
            let direct = Target::BadPort { port, policy };
            out.push(everyday(
                "bad-port",
                &[&port_slug, kind_slug],
                Position::Partner,
                fetch.clone(),
                direct,
            ));
            if [4190, 10080].contains(&port) {
                let to = format!("port-{port}");
                let redirect = Target::Redirect { policy, to, status: 302, hops: 1 };
                let levels = [port_slug.as_str(), "redirect", kind_slug];
                out.push(everyday("bad-port", &levels, Position::Partner, fetch, redirect));
            }
        }
    }
    out
}

/// The bad ports the `bad-port` family fetches.
const BAD_PORTS: [u16; 5] = [4190, 6566, 6679, 6697, 10080];

/// 3xx statuses that are not redirect statuses (300, 304, 305, 306), each with a `Location`:
/// fetch hands them to the script as they are, whatever the redirect mode, and never goes
/// where they point.
fn other_3xx() -> Vec<Scenario> {
    let kinds = [
        ("get", RequestMode::Cors, RedirectMode::Follow),
        ("get-manual", RequestMode::Cors, RedirectMode::Manual),
        ("nocors-get", RequestMode::NoCors, RedirectMode::Follow),
    ];
    let mut out = Vec::new();
    for status in [300, 304, 305, 306] {
        for (kind_slug, mode, redirect) in kinds {
            let fetch = Fetch { mode, redirect, ..Fetch::new("GET", CredentialsMode::Omit) };
            let target = Target::scripted(None, Shape { status, ..Shape::READABLE });
            out.push(everyday(
                "other-3xx",
                &[&status.to_string(), kind_slug],
                Position::Partner,
                fetch,
                target,
            ));
        }
    }
    out
}

/// Twenty redirects in a row are followed; a twenty-first is a network error.
fn redirect_limit() -> Vec<Scenario> {
    let mut out = Vec::new();
    for hops in [20, 21] {
        for (kind_slug, mode) in [("get", RequestMode::Cors), ("nocors-get", RequestMode::NoCors)] {
            for position in [Position::SameOrigin, Position::Sibling] {
                let hops_slug = format!("hops-{hops}");
                let target = Target::Redirect {
                    policy: PolicyId::ReflectAnyOrigin,
                    to: "same".to_owned(),
                    status: 302,
                    hops,
                };
                out.push(everyday(
                    "redirect-limit",
                    &[&hops_slug, kind_slug],
                    position,
                    Fetch { mode, ..Fetch::new("GET", CredentialsMode::Include) },
                    target,
                ));
            }
        }
    }
    out
}

/// The giveaway's page fetches a URL, then a giveaway page under another top-level site fetches
/// it again: the preflight cache is partitioned by top-level site, so it asks again.
fn cache_partition() -> Vec<Scenario> {
    let put = Fetch::new("PUT", CredentialsMode::Omit).header("X-Lab", "1").body("x");
    let preflight = Shape { max_age: MaxAge::TenMinutes, ..Shape::PREFLIGHT_OK };
    let (top, framed) = (Position::Attacker, Position::AttackerUnderSibling);
    [(top, framed), (framed, top), (top, top), (framed, framed)]
        .into_iter()
        .map(|(from, position)| Scenario {
            before: vec![put.clone()],
            before_from: (from != position).then_some(from),
            ..everyday(
                "cache-partition",
                &[from.slug()],
                position,
                put.clone(),
                Target::scripted(Some(preflight), Shape::READABLE),
            )
        })
        .collect()
}

/// A preflight answer ages: two seconds later, one cached for a second is gone and one cached
/// for the default five seconds is still there.
fn cache_expiry() -> Vec<Scenario> {
    let put = Fetch::new("PUT", CredentialsMode::Omit).header("X-Lab", "1").body("x");
    [("max-age-1", MaxAge::OneSecond), ("max-age-missing", MaxAge::Missing)]
        .into_iter()
        .map(|(slug, max_age)| Scenario {
            before: vec![put.clone()],
            pause_s: 2,
            ..Scenario::new(
                id("cache-expiry", &[slug, "after-2s", Position::Partner.slug()]),
                "cache-expiry",
                Setup::everyday(Position::Partner),
                put.clone(),
                Target::scripted(Some(Shape { max_age, ..Shape::PREFLIGHT_OK }), Shape::READABLE),
            )
        })
        .collect()
}

/// A PUT setting `X-Lab` caches its preflight for ten minutes; a PUT setting `X-Late` to the
/// same URL gets a preflight answer with another `Access-Control-Max-Age`; then the first PUT
/// again. The spec updates the lifetime of the method entry both preflights share (so `0`
/// expires it); a browser may instead replace the whole answer, or leave the cache alone.
fn cache_update() -> Vec<Scenario> {
    let put = |header: &str| Fetch::new("PUT", CredentialsMode::Omit).header(header, "1").body("x");
    let first = Shape { max_age: MaxAge::TenMinutes, ..Shape::PREFLIGHT_OK };
    let max_ages = [
        ("max-age-0", MaxAge::Zero),
        ("max-age-negative", MaxAge::Negative),
        ("max-age-invalid", MaxAge::Invalid),
        ("max-age-missing", MaxAge::Missing),
        ("max-age-600", MaxAge::TenMinutes),
    ];
    let positions = [Position::Partner, Position::Sibling];
    let mut out = Vec::new();
    for (slug, max_age) in max_ages {
        for position in positions {
            let asking =
                Asking { header: "X-Late".to_owned(), answer: Shape { max_age, ..Shape::PREFLIGHT_OK } };
            out.push(Scenario {
                before: vec![put("X-Lab"), put("X-Late")],
                ..everyday(
                    "cache-update",
                    &["second-preflight", slug],
                    position,
                    put("X-Lab"),
                    Target::Scripted {
                        preflight: Some(first),
                        asking: Some(asking),
                        response: Shape::READABLE,
                    },
                )
            });
        }
    }
    out
}

/// A safelisted header set more than once: the spec checks each value on its own (128 bytes
/// each, 1024 in all), while a browser may combine them into one value first.
fn repeated_headers() -> Vec<Scenario> {
    let value = |c: char, n: usize| c.to_string().repeat(n);
    let sets: [(&str, Vec<(String, String)>); 5] = [
        ("two-short", vec![("Accept".into(), value('a', 50)), ("Accept".into(), value('b', 50))]),
        ("two-long", vec![("Accept".into(), value('a', 100)), ("Accept".into(), value('b', 100))]),
        ("nine-long", (0..9).map(|_| ("Accept".to_owned(), value('a', 120))).collect()),
        // Nine different names of 128 bytes, four of them Chromium's client hints: past the
        // 1024-byte total only where those count (Chromium); the spec and Firefox preflight the
        // hints themselves.
        (
            "nine-names-past-total",
            [
                ("Accept", 'a'),
                ("Accept-Language", 'a'),
                ("Content-Language", 'a'),
                ("Intervention", 'a'),
                ("DPR", '1'),
                ("Downlink", '1'),
                ("Width", '1'),
                ("Viewport-Width", '1'),
                ("RTT", '1'),
            ]
            .into_iter()
            .map(|(name, c)| (name.to_owned(), value(c, 128)))
            .collect(),
        ),
        (
            "eight-names-at-total",
            [("Accept", 'a'), ("Accept-Language", 'a'), ("Content-Language", 'a'), ("Intervention", 'a')]
                .into_iter()
                .chain([("DPR", '1'), ("Downlink", '1'), ("Width", '1'), ("RTT", '1')])
                .map(|(name, c)| (name.to_owned(), value(c, 128)))
                .collect(),
        ),
    ];
    let mut out = Vec::new();
    for (slug, headers) in sets {
        for position in [Position::Partner, Position::Sibling] {
            let mut fetch = Fetch::new("GET", CredentialsMode::Omit);
            for (name, value) in &headers {
                fetch = fetch.header(name, value);
            }
            out.push(everyday("repeated-headers", &[slug], position, fetch, mirrored_get()));
        }
    }
    // Each `text/plain` is safelisted; the two combined (`text/plain, text/plain`) are no MIME
    // type. Not signed in, the transfer is refused: nothing moves.
    for position in [Position::Partner, Position::Sibling] {
        let fetch = Fetch::new("POST", CredentialsMode::Omit)
            .header("Content-Type", "text/plain")
            .header("Content-Type", "text/plain")
            .body(FORM_BODY);
        let target = Target::Api { policy: PolicyId::MirrorEverything, path: endpoint("POST").to_owned() };
        out.push(everyday("repeated-headers", &["two-content-types"], position, fetch, target));
    }
    out
}

/// `Access-Control-Expose-Headers` written in the ways a list header can be: repeated, loose,
/// broken by a bad item, or mixing a name with `*`.
fn expose_shapes() -> Vec<Scenario> {
    let shapes = [
        ("repeated", Expose::Repeated),
        ("loose", Expose::Loose),
        ("invalid", Expose::Invalid),
        ("name-and-star", Expose::NameAndStar),
    ];
    let mut out = Vec::new();
    for (slug, expose) in shapes {
        for (credentials_slug, credentials) in [CREDENTIALS[0], CREDENTIALS[2]] {
            let position = Position::Partner;
            out.push(everyday(
                "expose-shapes",
                &[slug, credentials_slug],
                position,
                Fetch::new("GET", credentials),
                Target::scripted(None, Shape { expose, ..Shape::READABLE }),
            ));
        }
    }
    out
}

/// `Location` on a readable 200: once, twice alike, twice different. The browsers' HTTP layer
/// refuses two different values on any response, before CORS is asked.
fn location_lines() -> Vec<Scenario> {
    let shapes =
        [("once", Location::Once), ("repeated", Location::Repeated), ("differing", Location::Differing)];
    let mut out = Vec::new();
    for (slug, location) in shapes {
        for (kind_slug, mode) in [("get", RequestMode::Cors), ("nocors-get", RequestMode::NoCors)] {
            let fetch = Fetch { mode, ..Fetch::new("GET", CredentialsMode::Include) };
            out.push(everyday(
                "location-lines",
                &[slug, kind_slug],
                Position::Partner,
                fetch,
                Target::scripted(None, Shape { location, ..Shape::READABLE }),
            ));
        }
    }
    out
}

/// The blog written with a trailing dot (`blog.fintrack.localhost.`) fetching the API: the URL
/// Standard keeps the dot in the registrable domain, so the two are different sites and only a
/// cross-site cookie can ride along, when third-party cookies are allowed.
fn trailing_dot() -> Vec<Scenario> {
    let position = Position::SiblingTrailingDot;
    let mut out = Vec::new();
    for third_party in [ThirdParty::Default, ThirdParty::Allowed] {
        for kind_slug in ["get", "post-text", "put-json", "nocors-get"] {
            let fetch = kind(kind_slug, CredentialsMode::Include);
            let target =
                Target::Api { policy: PolicyId::ReflectAnyOrigin, path: endpoint(&fetch.method).to_owned() };
            let setup = Setup { third_party, ..Setup::everyday(position) };
            let id = id("trailing-dot", &[third_party.slug(), kind_slug, position.slug()]);
            out.push(Scenario::new(id, "trailing-dot", setup, fetch, target));
        }
    }
    out
}

/// Pages on https origins (the lab's https port, under a certificate the browsers are told to
/// accept) fetching the API over plain http: the blog, whose registrable domain is the API's
/// under another scheme (one site or two, by the browser), and the partner, cross-site. A
/// `no-cors` POST shows the `Origin` a downgrade from https to http gets. Then the API over
/// https, from the blog and the partner on either scheme.
fn https_pages() -> Vec<Scenario> {
    let mut out = Vec::new();
    let policy = PolicyId::ReflectAnyOrigin;
    for position in Position::HTTPS {
        for third_party in [ThirdParty::Default, ThirdParty::Allowed] {
            for kind_slug in ["get", "post-text", "put-json", "nocors-get", "nocors-post"] {
                let fetch = kind(kind_slug, CredentialsMode::Include);
                let target = Target::Api { policy, path: endpoint(&fetch.method).to_owned() };
                let setup = Setup { third_party, ..Setup::everyday(position) };
                let id = id("https-pages", &[third_party.slug(), kind_slug, position.slug()]);
                out.push(Scenario::new(id, "https-pages", setup, fetch, target));
            }
        }
    }
    let positions = [Position::Sibling, Position::Partner, Position::HttpsSibling, Position::HttpsPartner];
    for position in positions {
        for kind_slug in ["get", "nocors-get", "nocors-post"] {
            let fetch = kind(kind_slug, CredentialsMode::Include);
            let levels = ["https-api", kind_slug];
            out.push(everyday("https-pages", &levels, position, fetch, Target::SecureApi { policy }));
        }
    }
    out
}

/// An API that redirects plain http to https, as many do: the hop is another origin, so a CORS
/// request's origin is tainted to `null` there, a preflighted one is preflighted again, and the
/// cookies and `Sec-Fetch-Site` follow each browser's idea of a site.
fn redirect_to_https() -> Vec<Scenario> {
    let mut out = Vec::new();
    for status in [302, 307] {
        for kind_slug in ["get", "nocors-get", "put-json"] {
            for position in [Position::SameOrigin, Position::Sibling, Position::Partner] {
                let fetch = kind(kind_slug, CredentialsMode::Include);
                let to = "https".to_owned();
                let target = Target::Redirect { policy: PolicyId::ReflectAnyOrigin, to, status, hops: 1 };
                let levels = [status.to_string(), kind_slug.to_owned()];
                let levels: Vec<&str> = levels.iter().map(String::as_str).collect();
                out.push(everyday("redirect-https", &levels, position, fetch, target));
            }
        }
    }
    out
}

/// Plain-http URLs on names that are not potentially trustworthy (the browsers resolve them to
/// loopback for the run), fetched from an https page, which mixed content forbids, and from an
/// http one, where nothing stands in the way. A `.local` name is also a local-network name.
fn mixed_content() -> Vec<Scenario> {
    let mut out = Vec::new();
    for name in crate::scenario::UNTRUSTWORTHY_NAMES {
        let url = format!("http://{name}:{{port}}/me/balance?policy=reflect-any-origin&run={{run}}");
        for kind_slug in ["get", "nocors-get"] {
            for position in [Position::HttpsPartner, Position::Partner] {
                let fetch = kind(kind_slug, CredentialsMode::Omit);
                let target = Target::Elsewhere { url: url.clone() };
                out.push(everyday("mixed-content", &[name, kind_slug], position, fetch, target));
            }
        }
    }
    out
}

/// A page on a public address (which the browsers are told the lab's public ports are) fetching
/// the loopback lab: Local Network Access stops it before anything is sent. Over https the
/// page may ask for the permission: headless Chromium refuses at once, Firefox holds each fetch
/// for a prompt no one answers (the page gives up waiting). Over plain http outside
/// `localhost` it is no secure context: Chromium refuses outright, Firefox asks all the same.
fn local_network() -> Vec<Scenario> {
    let mut out = Vec::new();
    for position in [Position::Public, Position::PublicHttps] {
        for kind_slug in ["get", "nocors-get", "put-json"] {
            let fetch = kind(kind_slug, CredentialsMode::Include);
            let target =
                Target::Api { policy: PolicyId::ReflectAnyOrigin, path: endpoint(&fetch.method).to_owned() };
            out.push(everyday("local-network", &[kind_slug], position, fetch, target));
        }
    }
    out
}

/// Values at the edges of the CORS-safelisted request-header rules: `Range` forms, MIME types
/// that parse or not, unsafe bytes, the language byte set and the 128-byte limit. A value that
/// is not safelisted makes a GET need a preflight, which the mirroring policy then allows.
fn header_values() -> Vec<Scenario> {
    let long = |n: usize| "a".repeat(n);
    let values: [(&str, &str, String); 47] = [
        ("range-open", "Range", "bytes=0-".into()),
        ("range-suffix", "Range", "bytes=-500".into()),
        ("range-reversed", "Range", "bytes=10-5".into()),
        ("range-two", "Range", "bytes=0-1,3-4".into()),
        ("range-inner-space", "Range", "bytes= 0-9".into()),
        ("range-upper-case", "Range", "Bytes=0-9".into()),
        ("range-huge", "Range", "bytes=99999999999999999999-".into()),
        ("range-other-unit", "Range", "items=0-9".into()),
        ("type-trailing-semicolon", "Content-Type", "text/plain;".into()),
        ("type-upper-case", "Content-Type", "TEXT/PLAIN".into()),
        ("type-list", "Content-Type", "text/plain, application/json".into()),
        ("type-extra-slash", "Content-Type", "text/plain/x".into()),
        ("type-bare-parameter", "Content-Type", "text/plain; charset".into()),
        ("type-unsafe-byte", "Content-Type", "text/plain; a=\"(\"".into()),
        ("type-bare-multipart", "Content-Type", "multipart/form-data".into()),
        ("type-open-quote", "Content-Type", "text/plain; charset=\"utf-8".into()),
        ("type-empty", "Content-Type", String::new()),
        ("type-no-subtype", "Content-Type", "text/".into()),
        ("accept-unsafe-byte", "Accept", "text/html(x)".into()),
        ("accept-128", "Accept", long(128)),
        ("accept-129", "Accept", long(129)),
        ("accept-language-underscore", "Accept-Language", "en_US".into()),
        ("accept-language-empty", "Accept-Language", String::new()),
        ("type-padded", "Content-Type", " text/plain\t".into()),
        ("accept-padded", "Accept", "\tapplication/json ".into()),
        // Latin-1 characters are one byte each on the wire.
        ("accept-latin1-1", "Accept", "\u{e9}".into()),
        ("accept-latin1-64", "Accept", "\u{e9}".repeat(64)),
        ("accept-latin1-65", "Accept", "\u{e9}".repeat(65)),
        ("accept-latin1-128", "Accept", "\u{e9}".repeat(128)),
        ("accept-latin1-129", "Accept", "\u{e9}".repeat(129)),
        ("content-language-latin1", "Content-Language", "fran\u{e7}ais".into()),
        ("type-latin1-parameter", "Content-Type", "text/plain; name=\u{e9}t\u{e9}".into()),
        ("accept-language-quality", "Accept-Language", "en-GB,en;q=0.9".into()),
        ("content-language-star", "Content-Language", "*".into()),
        ("content-language-slash", "Content-Language", "en/gb".into()),
        // Names Chromium adds to the safelist (client hints, `Intervention`), each with its own
        // value rule; the spec and Firefox safelist none of them.
        ("dpr", "DPR", "2".into()),
        ("dpr-not-a-number", "DPR", "abc".into()),
        ("width", "Width", "1280".into()),
        ("ect", "ECT", "4g".into()),
        ("ect-unknown", "ECT", "5g".into()),
        ("save-data", "Save-Data", "ON".into()),
        ("intervention", "Intervention", "<https://example.com/x>".into()),
        // Chromium drops a script's `User-Agent` (forbidden in its network stack); the spec lets
        // a script set it, and it needs a preflight.
        ("user-agent", "User-Agent", "corslab".into()),
        // A method-override header naming a forbidden method is forbidden itself; the value is
        // split into items as a list header, quotes kept together, or (Firefox) on every comma.
        ("method-override-trace", "X-HTTP-Method-Override", "TRACE".into()),
        ("method-override-quoted-trace", "X-HTTP-Method-Override", "\"a,TRACE\"".into()),
        ("method-override-open-quote", "X-HTTP-Method-Override", "x\"y, TRACE".into()),
        // A quoted string that escapes a quote: the item runs to the closing quote, TRACE inside.
        ("method-override-escaped-quote", "X-HTTP-Method-Override", "\"a\\\",TRACE,\"".into()),
    ];
    values
        .into_iter()
        .map(|(slug, name, value)| {
            let position = Position::Partner;
            everyday(
                "header-values",
                &[slug],
                position,
                Fetch::new("GET", CredentialsMode::Omit).header(name, &value),
                mirrored_get(),
            )
        })
        .collect()
}

/// `Access-Control-Allow-Methods` and `-Headers` written in the ways a list header can be:
/// repeated, loose with empty items, with a trailing comma, with `*` after a name, quoted, or
/// upper-cased (which a `patch` does not match: methods compare byte for byte).
fn allow_shapes() -> Vec<Scenario> {
    let shapes = [
        ("repeated", Allow::Repeated),
        ("loose", Allow::Loose),
        ("trailing-comma", Allow::TrailingComma),
        ("and-star", Allow::AndStar),
        ("quoted", Allow::Quoted),
        ("upper", Allow::Upper),
    ];
    let mut out = Vec::new();
    for (slug, allow) in shapes {
        // A PUT or a `patch` asks for its method alone; a GET with a custom header for the
        // header alone; a JSON PUT with a custom header for two headers, which a shape lists
        // together (`"content-type,x-csrf"` when quoted).
        let kinds =
            [("acam", "put-json"), ("acam", "patch-json"), ("acah", "get-csrf"), ("acah", "put-json-csrf")];
        for (header, kind) in kinds {
            for (credentials_slug, credentials) in [CREDENTIALS[0], CREDENTIALS[2]] {
                let preflight = if header == "acam" {
                    Shape { acam: allow, ..Shape::PREFLIGHT_OK }
                } else {
                    Shape { acah: allow, ..Shape::PREFLIGHT_OK }
                };
                let position = Position::Partner;
                out.push(everyday(
                    "allow-shapes",
                    &[header, slug, kind, credentials_slug],
                    position,
                    self::kind(kind, credentials),
                    Target::scripted(Some(preflight), Shape::READABLE),
                ));
            }
        }
    }
    out
}

/// Redirects met by `same-origin` and `no-cors` requests: a same-origin request may not leave
/// its origin, and a no-cors one goes anywhere and stays opaque once it has left.
fn redirect_request_modes() -> Vec<Scenario> {
    let modes = [("same-origin-mode", RequestMode::SameOrigin), ("no-cors", RequestMode::NoCors)];
    let mut out = Vec::new();
    for (mode_slug, mode) in modes {
        for to in ["same", "cross"] {
            for status in [302, 307] {
                for position in [Position::SameOrigin, Position::Partner] {
                    let method = if status == 307 && mode == RequestMode::NoCors { "POST" } else { "GET" };
                    let mut fetch = Fetch { mode, ..Fetch::new(method, CredentialsMode::Include) };
                    if method == "POST" {
                        fetch = fetch.header("Content-Type", "text/plain").body(FORM_BODY);
                    }
                    out.push(everyday(
                        "redirect-request-modes",
                        &[mode_slug, to, &status.to_string()],
                        position,
                        fetch,
                        Target::Redirect {
                            policy: PolicyId::ReflectAnyOrigin,
                            to: to.to_owned(),
                            status,
                            hops: 1,
                        },
                    ));
                }
            }
        }
    }
    out
}

/// A no-cors fetch that will not follow redirects (`manual`, `error`): main fetch refuses it
/// before anything is sent when the URL is cross-origin, whether or not a redirect comes; on the
/// page's own origin the request is basic and goes out.
fn nocors_redirect_modes() -> Vec<Scenario> {
    let modes = [("manual", RedirectMode::Manual), ("error", RedirectMode::Error)];
    let targets = [
        ("plain", mirrored_get()),
        (
            "redirect",
            Target::Redirect {
                policy: PolicyId::ReflectAnyOrigin,
                to: "same".to_owned(),
                status: 302,
                hops: 1,
            },
        ),
    ];
    let mut out = Vec::new();
    for (mode_slug, mode) in modes {
        for (target_slug, target) in &targets {
            for position in [Position::SameOrigin, Position::Partner] {
                let fetch = Fetch { redirect: mode, ..kind("nocors-get", CredentialsMode::Include) };
                out.push(everyday(
                    "nocors-redirect-modes",
                    &[mode_slug, target_slug],
                    position,
                    fetch,
                    target.clone(),
                ));
            }
        }
    }
    out
}

/// Fetches that pass through another site on their way to the API: whether a cross-site hop
/// in the redirect chain keeps `SameSite` cookies home, next to a same-site hop that does not.
fn redirect_cookies() -> Vec<Scenario> {
    let mut out = Vec::new();
    for via in [PARTNER, SIBLING_HOST] {
        for position in [Position::Dashboard, Position::Sibling, Position::SameOrigin] {
            for kind in ["get", "nocors-get", "post-text"] {
                let via_slug = if via == PARTNER { "via-partner" } else { "via-blog" };
                out.push(everyday(
                    "redirect-cookies",
                    &[via_slug, kind],
                    position,
                    self::kind(kind, CredentialsMode::Include),
                    Target::Bounce { via: via.to_owned(), policy: PolicyId::ReflectAnyOrigin, status: 302 },
                ));
            }
        }
    }
    out
}

/// Redirects to where a fetch may or may not follow: a path alone, a `data:` URL, a Location
/// that does not parse, and no Location at all, in each redirect mode.
fn redirect_targets() -> Vec<Scenario> {
    let modes =
        [("follow", RedirectMode::Follow), ("error", RedirectMode::Error), ("manual", RedirectMode::Manual)];
    let mut out = Vec::new();
    for to in ["relative", "data", "invalid", "none"] {
        for kind in ["get", "put-json"] {
            for (mode_slug, mode) in modes {
                for position in [Position::Partner, Position::SameOrigin] {
                    out.push(everyday(
                        "redirect-targets",
                        &[to, kind, mode_slug],
                        position,
                        Fetch { redirect: mode, ..self::kind(kind, CredentialsMode::Include) },
                        Target::Redirect {
                            policy: PolicyId::MirrorEverything,
                            to: to.to_owned(),
                            status: 302,
                            hops: 1,
                        },
                    ));
                }
            }
        }
    }
    out
}

/// How a `cache` scenario's page fetches the URL before its observed fetch.
struct Warm {
    /// The level's slug.
    slug: &'static str,
    /// The preflight answer's `Access-Control-Allow-Methods` and `-Headers`, shaped for the
    /// first fetch.
    allow: (Allow, Allow),
    /// The answer to the requests themselves.
    response: Shape,
    /// The fetches before, in order.
    before: Vec<Fetch>,
    /// The observed fetch.
    fetch: Fetch,
}

fn cache() -> Vec<Scenario> {
    use Allow::{AndStar, Exact, Missing, Star};
    use CredentialsMode::{Include, Omit};
    let with_header = |method, credentials| Fetch::new(method, credentials).header("X-Lab", "1");
    let put = |credentials| with_header("PUT", credentials).body("x");
    let warm = |slug, allow, before: Vec<Fetch>, fetch| Warm {
        slug,
        allow,
        response: Shape::READABLE,
        before,
        fetch,
    };
    let levels = [
        warm("same", (Exact, Exact), vec![put(Include)], put(Include)),
        warm("more-headers", (Exact, Exact), vec![put(Include)], put(Include).header("X-More", "1")),
        warm("other-method", (Exact, Exact), vec![put(Include)], with_header("DELETE", Include)),
        warm("include-then-omit", (Exact, Exact), vec![put(Include)], put(Omit)),
        warm("omit-then-include", (Exact, Exact), vec![put(Omit)], put(Include)),
        warm("star-other", (Star, Star), vec![put(Omit)], Fetch::new("DELETE", Omit).header("X-More", "1")),
        warm("star-then-include", (Star, Star), vec![put(Omit)], put(Include)),
        // Chromium keeps one preflight result per origin and URL: the second preflight's (made
        // with credentials, where `*` does not count) replaces the first's (made without, where
        // it does). Firefox keeps both. Every answer is the same (the script answers the first
        // fetch), so only what the cache kept decides whether the third fetch asks again.
        warm(
            "replaced",
            (AndStar, AndStar),
            vec![put(Omit), put(Include)],
            Fetch::new("DELETE", Omit).header("X-More", "1"),
        ),
        // A `*` cached by a credentialed preflight (where it did not count) against a later
        // request without credentials.
        warm(
            "star-include-then-omit",
            (AndStar, AndStar),
            vec![put(Include)],
            Fetch::new("DELETE", Omit).header("X-More", "1"),
        ),
        // HEAD is safelisted, so the preflight need not list it.
        warm(
            "head-unlisted",
            (Missing, Exact),
            vec![with_header("HEAD", Include)],
            with_header("HEAD", Include),
        ),
        // The second fetch's preflight fails (X-More is not allowed): is the first one's entry
        // still there for the third?
        warm(
            "after-failed-preflight",
            (Exact, Exact),
            vec![put(Include), put(Include).header("X-More", "1")],
            put(Include),
        ),
        // The preflight passes, the response fails its CORS check: is the entry still there?
        Warm {
            response: Shape { acao: Acao::Missing, ..Shape::READABLE },
            ..warm("after-blocked-response", (Exact, Exact), vec![put(Include)], put(Include))
        },
    ];
    let max_ages = [
        ("max-age-missing", MaxAge::Missing),
        ("max-age-0", MaxAge::Zero),
        ("max-age-600", MaxAge::TenMinutes),
        ("max-age-negative", MaxAge::Negative),
        ("max-age-invalid", MaxAge::Invalid),
        ("max-age-plus", MaxAge::Plus),
    ];
    let positions = [Position::Sibling, Position::Partner, Position::NullUnderAttacker];
    let mut out = Vec::new();
    for level in &levels {
        for &(max_age_slug, max_age) in &max_ages {
            for position in positions {
                let (acam, acah) = level.allow;
                let preflight = Shape { acam, acah, max_age, ..Shape::PREFLIGHT_OK };
                out.push(Scenario {
                    before: level.before.clone(),
                    ..everyday(
                        "cache",
                        &[level.slug, max_age_slug],
                        position,
                        level.fetch.clone(),
                        Target::scripted(Some(preflight), level.response),
                    )
                });
            }
        }
    }
    out
}

fn factor(name: &'static str, levels: usize) -> Factor {
    Factor { name, levels }
}

/// The rows of a family. No family needs a constraint: every combination of its levels is a
/// request a script can make, including the ones the browser refuses.
fn rows(factors: &[Factor], strength: &Strength) -> Vec<Row> {
    cover(factors, strength)
}

/// The balance under the policy that allows whatever is asked: only the browser's own rules
/// decide.
fn mirrored_get() -> Target {
    Target::Api { policy: PolicyId::MirrorEverything, path: endpoint("GET").to_owned() }
}

/// A one-fetch scenario of `family` from `position`, with the everyday jar; its id is the
/// family, then `levels`, then the position.
fn everyday(family: &str, levels: &[&str], position: Position, fetch: Fetch, target: Target) -> Scenario {
    let levels: Vec<&str> = levels.iter().copied().chain([position.slug()]).collect();
    Scenario::new(id(family, &levels), family, Setup::everyday(position), fetch, target)
}

fn id(family: &str, levels: &[&str]) -> String {
    std::iter::once(family).chain(levels.iter().copied()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn there_are_at_least_five_hundred_scenarios_with_unique_ids() {
        let all = all();
        assert!(all.len() >= 500, "{} scenarios", all.len());
        let ids: BTreeSet<&str> = all.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "ids are unique");
        assert_eq!(all, super::all(), "generation is deterministic");
    }

    #[test]
    fn every_dimension_of_the_issue_is_varied() {
        let all = all();
        let distinct = |f: &dyn Fn(&Scenario) -> String| all.iter().map(f).collect::<BTreeSet<_>>().len();
        assert_eq!(
            distinct(&|s| format!("{:?}", s.setup.position)),
            Position::ALL.len() + Position::OTHERS.len()
        );
        assert_eq!(distinct(&|s| format!("{:?}", s.setup.third_party)), 3);
        assert_eq!(distinct(&|s| format!("{:?}", s.setup.cookie)), 8);
        assert_eq!(distinct(&|s| format!("{:?}", s.fetch.credentials)), 3);
        assert_eq!(distinct(&|s| format!("{:?}", s.fetch.mode)), 3);
        assert_eq!(distinct(&|s| format!("{:?}", s.fetch.redirect)), 3);
        assert!(distinct(&|s| s.fetch.method.clone()) >= 9);
        let policies: BTreeSet<String> = all
            .iter()
            .filter_map(|s| match &s.target {
                Target::Api { policy, .. }
                | Target::Redirect { policy, .. }
                | Target::Bounce { policy, .. }
                | Target::BadPort { policy, .. }
                | Target::SecureApi { policy } => Some(policy.id().to_owned()),
                Target::Scripted { .. } | Target::Elsewhere { .. } | Target::OwnBlob => None,
            })
            .collect();
        assert_eq!(policies.len(), 16);
        let preflight_statuses: BTreeSet<u16> = all
            .iter()
            .filter_map(|s| match &s.target {
                Target::Scripted { preflight: Some(p), .. } => Some(p.status),
                _ => None,
            })
            .collect();
        assert!(preflight_statuses.contains(&307) && preflight_statuses.contains(&500));
    }

    #[test]
    fn the_policy_family_crosses_every_policy_with_every_position() {
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for s in policy() {
            let Target::Api { policy, .. } = s.target else { unreachable!() };
            *seen.entry((policy.id().to_owned(), s.setup.position.slug().to_owned())).or_default() += 1;
        }
        assert_eq!(seen.len(), 16 * Position::ALL.len());
    }

    #[test]
    fn the_cookie_family_holds_the_full_three_way_product() {
        let triples: BTreeSet<_> =
            cookies().iter().map(|s| (s.setup.cookie, s.setup.third_party, s.setup.position)).collect();
        assert_eq!(triples.len(), 8 * 3 * 12);
    }

    #[test]
    fn the_cache_family_fetches_each_scripted_url_again_in_full_product() {
        let cache = cache();
        assert_eq!(cache.len(), 12 * 6 * 3);
        for s in &cache {
            assert!(!s.before.is_empty() && matches!(s.target, Target::Scripted { .. }), "{}", s.id);
        }
        assert!(all().iter().filter(|s| !s.family.starts_with("cache")).all(|s| s.before.is_empty()));
    }

    #[test]
    fn authorization_meets_a_star_with_and_without_credentials() {
        let family = authorization();
        assert_eq!(family.len(), 12);
        for credentials in [CredentialsMode::Include, CredentialsMode::Omit] {
            assert!(family.iter().any(|s| s.fetch.credentials == credentials));
        }
        assert!(family.iter().all(|s| s.fetch.header_names() == "authorization"));
    }

    #[test]
    fn bodies_go_only_with_methods_that_take_one() {
        for s in all() {
            if matches!(s.fetch.method.as_str(), "GET" | "HEAD") {
                assert!(s.fetch.body.is_none(), "{}", s.id);
            }
        }
        assert!(LONG_ACCEPT.len() > 128);
    }
}
