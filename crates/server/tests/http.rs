//! The lab server driven in-process with `oneshot`: exact CORS headers per policy and origin,
//! FinTrack's API and its ledger, the control plane's defences, the pages' security headers and
//! malformed input.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use corslab_lab::catalog::{self, EntryText};
use corslab_lab::hosts::{
    API, ATTACKER, CONSOLE, DASHBOARD, DOT_LOOKALIKE, HOSTS, PARTNER, PREFIX_LOOKALIKE, Role, SIBLING,
    SUFFIX_LOOKALIKE,
};
use corslab_lab::{LabState, PolicyId};
use corslab_server::{Assets, Config, Lab, app};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const PORT: u16 = 8080;
const SECOND: u16 = 8081;

fn lab_with(assets: Assets) -> (Lab, Router) {
    let config = Config {
        addr: ([127, 0, 0, 1], PORT).into(),
        second_port: Some(SECOND),
        access_log: false,
        scripted: true,
        ..Config::default()
    };
    let lab = Lab::new(&config, assets);
    (lab.clone(), app(lab))
}

fn lab() -> (Lab, Router) {
    lab_with(Assets::empty())
}

fn origin(host: &str) -> String {
    format!("http://{host}:{PORT}")
}

/// A request to `host` on the main port.
fn to(host: &str, method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(path).header(header::HOST, format!("{host}:{PORT}"))
}

async fn send(app: &Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.unwrap()
}

async fn json_of(response: Response) -> Value {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&bytes) }))
}

/// The console's log of the requests of `run`.
async fn logged(app: &Router, run: &str) -> corslab_lab::LogPage {
    let path = format!("/__lab/log?run={run}");
    let log = send(app, to(CONSOLE, Method::GET, &path).body(Body::empty()).unwrap()).await;
    serde_json::from_value(json_of(log).await).unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

/// The CORS headers of an answer, in a fixed order, for exact comparison.
fn cors(response: &Response) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-") || n.as_str() == "vary")
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        list.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    out.sort();
    out
}

/// Signs a browser in on the dashboard; returns its `Cookie` header.
async fn sign_in(app: &Router) -> String {
    let response = send(
        app,
        to(DASHBOARD, Method::POST, "/login")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = header(&response, "set-cookie").unwrap().to_owned();
    assert!(
        set_cookie.contains("Domain=fintrack.localhost") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Every attacker and legitimate origin, in the order of the expectation strings below.
fn positions() -> [String; 9] {
    [
        origin(DASHBOARD),
        origin(PARTNER),
        origin(SIBLING),
        origin(ATTACKER),
        "null".to_owned(),
        origin(PREFIX_LOOKALIKE),
        origin(SUFFIX_LOOKALIKE),
        origin(DOT_LOOKALIKE),
        format!("http://{DASHBOARD}:{SECOND}"),
    ]
}

/// Per policy, what `Access-Control-Allow-Origin` an unauthenticated `GET /me/balance` gets from
/// each position: `R` the origin reflected, `*` a wildcard, `-` none. Written by hand from the
/// catalog's code, not from the server's function, so the two check each other.
const ALLOW_ORIGIN: [(PolicyId, &str); 16] = [
    (PolicyId::None, "---------"),
    (PolicyId::Wildcard, "*********"),
    (PolicyId::WildcardWithCredentials, "*********"),
    (PolicyId::ReflectAnyOrigin, "RRRRRRRRR"),
    (PolicyId::NullTrusted, "RR--R----"),
    (PolicyId::PrefixMatch, "RR---R--R"),
    (PolicyId::SuffixMatch, "RRR---RRR"),
    (PolicyId::UnescapedDot, "RR-----RR"),
    (PolicyId::AnySubdomain, "RRR-----R"),
    (PolicyId::MirrorEverything, "RRRRRRRRR"),
    (PolicyId::AllowHeadersWildcard, "RR-------"),
    (PolicyId::AllowlistWithoutVary, "RR-------"),
    // The 401 is not a 2xx, so this policy leaves it bare for everyone.
    (PolicyId::OnlyOnSuccess, "---------"),
    (PolicyId::ExposeHeadersWildcard, "RR-------"),
    (PolicyId::MaxAgeYear, "RR-------"),
    (PolicyId::StrictAllowlist, "RR-------"),
];

#[tokio::test]
async fn every_policy_answers_every_position_with_exactly_its_headers() {
    let (_, app) = lab();
    for (policy, expected) in ALLOW_ORIGIN {
        for (position, want) in positions().iter().zip(expected.chars()) {
            let path = format!("/me/balance?policy={}", policy.id());
            let response = send(
                &app,
                to(API, Method::GET, &path).header(header::ORIGIN, position).body(Body::empty()).unwrap(),
            )
            .await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let allow_origin = header(&response, "access-control-allow-origin");
            let credentials = header(&response, "access-control-allow-credentials");
            match want {
                'R' => {
                    assert_eq!(allow_origin, Some(position.as_str()), "{policy} from {position}");
                    assert_eq!(credentials, Some("true"), "{policy} from {position}");
                }
                '*' => {
                    assert_eq!(allow_origin, Some("*"), "{policy} from {position}");
                    let expected = (policy == PolicyId::WildcardWithCredentials).then_some("true");
                    assert_eq!(credentials, expected, "{policy} from {position}");
                }
                _ => {
                    assert_eq!(allow_origin, None, "{policy} from {position}");
                    assert_eq!(credentials, None, "{policy} from {position}");
                }
            }
            let vary = header(&response, "vary");
            let varies = !matches!(
                policy,
                PolicyId::None
                    | PolicyId::Wildcard
                    | PolicyId::WildcardWithCredentials
                    | PolicyId::ReflectAnyOrigin
                    | PolicyId::AllowlistWithoutVary
                    | PolicyId::OnlyOnSuccess
            );
            assert_eq!(vary, varies.then_some("Origin"), "{policy} from {position}: Vary");
        }
    }
}

#[tokio::test]
async fn answers_carry_exactly_the_policys_headers_and_no_more() {
    let (_, app) = lab();
    let get = |policy: PolicyId, from: String| {
        to(API, Method::GET, &format!("/me/balance?policy={}", policy.id()))
            .header(header::ORIGIN, from)
            .body(Body::empty())
            .unwrap()
    };
    let strict = send(&app, get(PolicyId::StrictAllowlist, origin(PARTNER))).await;
    let partner = origin(PARTNER);
    assert_eq!(
        cors(&strict),
        pairs(&[
            ("access-control-allow-origin", &partner),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "X-Request-Id"),
            ("vary", "Origin"),
        ])
    );
    let refused = send(&app, get(PolicyId::StrictAllowlist, origin(ATTACKER))).await;
    assert_eq!(cors(&refused), pairs(&[("vary", "Origin")]));
    let expose = send(&app, get(PolicyId::ExposeHeadersWildcard, origin(DASHBOARD))).await;
    assert_eq!(header(&expose, "access-control-expose-headers"), Some("*"));
    let none = send(&app, get(PolicyId::None, origin(ATTACKER))).await;
    assert!(cors(&none).is_empty());
    assert_eq!(header(&none, "content-security-policy"), Some("default-src 'none'"));
    assert_eq!(header(&none, "cache-control"), Some("no-store"));
    assert!(header(&none, "x-request-id").is_some_and(|id| id.parse::<u64>().is_ok()));
    // Without Origin (a same-origin GET or a non-browser client) nothing is reflected.
    let bare = send(
        &app,
        to(API, Method::GET, "/me/balance?policy=reflect-any-origin").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(cors(&bare).is_empty());
}

#[tokio::test]
async fn preflights_are_answered_by_the_policy_alone() {
    let (_, app) = lab();
    let preflight = |policy: PolicyId, from: String, headers: &str| {
        to(API, Method::OPTIONS, &format!("/me/email?policy={}", policy.id()))
            .header(header::ORIGIN, from)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", headers)
            .body(Body::empty())
            .unwrap()
    };
    let dashboard = origin(DASHBOARD);
    let strict = send(&app, preflight(PolicyId::StrictAllowlist, dashboard.clone(), "content-type")).await;
    assert_eq!(strict.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cors(&strict),
        pairs(&[
            ("access-control-allow-origin", &dashboard),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET, POST, PUT, DELETE"),
            ("access-control-allow-headers", "Content-Type"),
            ("access-control-max-age", "600"),
            ("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        ])
    );
    let none = send(&app, preflight(PolicyId::None, dashboard.clone(), "content-type")).await;
    assert_eq!(none.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(cors(&none).is_empty());

    let attacker = origin(ATTACKER);
    let mirror =
        send(&app, preflight(PolicyId::MirrorEverything, attacker.clone(), "content-type,x-evil")).await;
    assert_eq!(header(&mirror, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(header(&mirror, "access-control-allow-headers"), Some("content-type,x-evil"));
    assert_eq!(header(&mirror, "access-control-allow-origin"), Some(attacker.as_str()));
    let reflect = send(&app, preflight(PolicyId::ReflectAnyOrigin, attacker, "content-type")).await;
    assert_eq!(header(&reflect, "access-control-allow-methods"), Some("GET, POST"));

    let acah = send(&app, preflight(PolicyId::AllowHeadersWildcard, origin(PARTNER), "authorization")).await;
    assert_eq!(header(&acah, "access-control-allow-headers"), Some("*"));
    let year = send(&app, preflight(PolicyId::MaxAgeYear, origin(PARTNER), "content-type")).await;
    assert_eq!(header(&year, "access-control-max-age"), Some("31536000"));
    // A preflight never reaches the handler, so it needs no session and moves nothing.
    assert_eq!(strict.headers().get("set-cookie"), None);
}

#[tokio::test]
async fn only_on_success_decorates_a_signed_in_answer() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let response = send(
        &app,
        to(API, Method::GET, "/me/balance?policy=only-on-success")
            .header(header::ORIGIN, origin(PARTNER))
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(origin(PARTNER).as_str()));
}

#[tokio::test]
async fn the_console_switches_the_policy_and_requests_can_override_it() {
    let (lab, app) = lab();
    assert_eq!(lab.policy(), PolicyId::StrictAllowlist);
    let token = csrf_token(&app).await;
    let response =
        send(&app, control(&token, &json!({ "action": "set-policy", "policy": "reflect-any-origin" }))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let state: LabState = serde_json::from_value(json_of(response).await).unwrap();
    assert_eq!(state.policy, PolicyId::ReflectAnyOrigin);
    let attacker = origin(ATTACKER);
    let get = |path: &str| {
        to(API, Method::GET, path).header(header::ORIGIN, &attacker).body(Body::empty()).unwrap()
    };
    assert_eq!(
        header(&send(&app, get("/me/balance")).await, "access-control-allow-origin"),
        Some(attacker.as_str())
    );
    assert_eq!(
        header(&send(&app, get("/me/balance?policy=none")).await, "access-control-allow-origin"),
        None
    );
    let bad = send(&app, get("/me/balance?policy=nope")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(json_of(bad).await["error"].as_str().unwrap().contains("strict-allowlist"));
}

#[tokio::test]
async fn fintrack_serves_a_fresh_fake_account_per_login() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let other = sign_in(&app).await;
    assert_ne!(cookie, other);
    let get = |path: &str, cookie: &str| {
        to(API, Method::GET, path).header(header::COOKIE, cookie).body(Body::empty()).unwrap()
    };
    let balance = json_of(send(&app, get("/me/balance", &cookie)).await).await;
    assert!(balance["account"].as_str().unwrap().starts_with("LAB-"), "{balance}");
    assert_eq!(balance["currency"], "EUR");
    let history = json_of(send(&app, get("/me/transactions", &cookie)).await).await;
    assert_eq!(history["transactions"].as_array().unwrap().len(), 24);
    let whoami = send(
        &app,
        to(DASHBOARD, Method::GET, "/whoami").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(json_of(whoami).await["signed_in"], true);
    let anonymous = send(&app, to(API, Method::GET, "/me/balance").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(json_of(anonymous).await["error"].as_str().unwrap().contains("not signed in"));
}

#[tokio::test]
async fn a_cross_site_form_post_moves_money_and_the_ledger_says_from_where() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let before = json_of(
        send(
            &app,
            to(API, Method::GET, "/me/balance").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await,
    )
    .await;
    // What the giveaway page's hidden form sends when the browser attaches the cookie.
    let form = to(API, Method::POST, "/me/transfer?run=csrf")
        .header(header::ORIGIN, origin(ATTACKER))
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "navigate")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .body(Body::from("to=LAB-6666-6666&amount=250.00&memo=giveaway+fee"))
        .unwrap();
    let response = send(&app, form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let done = json_of(response).await;
    assert_eq!(done["amount"], "250.00");

    let text_plain = to(API, Method::POST, "/me/transfer?run=csrf")
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::COOKIE, &cookie)
        .body(Body::from("to=LAB-6666-6666\r\namount=1\r\n"))
        .unwrap();
    assert_eq!(send(&app, text_plain).await.status(), StatusCode::OK);
    let json_as_text = to(API, Method::POST, "/me/transfer?run=csrf")
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::COOKIE, &cookie)
        .body(Body::from(r#"{"to":"LAB-6666-6666","amount":"2"}"#))
        .unwrap();
    assert_eq!(send(&app, json_as_text).await.status(), StatusCode::OK);

    let after = json_of(
        send(
            &app,
            to(API, Method::GET, "/me/balance").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await,
    )
    .await;
    let cents = |v: &Value| (v["balance"].as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64;
    assert_eq!(cents(&before) - cents(&after), 25_300);

    let ledger =
        json_of(send(&app, to(CONSOLE, Method::GET, "/__lab/ledger").body(Body::empty()).unwrap()).await)
            .await;
    let first = &ledger["entries"][0];
    assert_eq!(first["origin"], origin(ATTACKER));
    assert_eq!(first["sec_fetch_site"], "cross-site");
    assert_eq!(first["run"], "csrf");
    assert_eq!(first["effect"]["kind"], "transfer");
    assert_eq!(first["effect"]["amount_cents"], 25_000);
    // The log links the request to the money it moved.
    let log = json_of(
        send(&app, to(SIBLING, Method::GET, "/__lab/log?run=csrf").body(Body::empty()).unwrap()).await,
    )
    .await;
    assert_eq!(log["entries"][0]["effects"][0], first["id"]);
    assert_eq!(log["entries"][0]["cookies"][0], "session");
}

#[tokio::test]
async fn email_changes_and_session_revocations_are_side_effects_too() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let put = |body: &str, content_type: &str| {
        to(API, Method::PUT, "/me/email")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    assert_eq!(
        send(&app, put(r#"{"email":"new@attacker.example"}"#, "application/json")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        send(&app, put(r#"{"email":"nope"}"#, "application/json")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(&app, put("email=a@b.c", "application/x-www-form-urlencoded")).await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let revoke =
        to(API, Method::DELETE, "/me/sessions").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    let revoked = send(&app, revoke).await;
    assert_eq!(json_of(revoked).await["revoked"], 1);
    let again =
        to(API, Method::GET, "/me/balance").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    assert_eq!(send(&app, again).await.status(), StatusCode::UNAUTHORIZED);
    let ledger =
        json_of(send(&app, to(CONSOLE, Method::GET, "/__lab/ledger").body(Body::empty()).unwrap()).await)
            .await;
    let kinds: Vec<&str> =
        ledger["entries"].as_array().unwrap().iter().map(|e| e["effect"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["email-changed", "sessions-revoked"]);
}

#[tokio::test]
async fn the_redirecting_endpoint_offers_every_status_and_target() {
    let (_, app) = lab();
    for status in [301, 302, 303, 307, 308] {
        for (to_where, location) in [
            ("same", format!("http://{API}:{PORT}/me/balance?run=r&policy=none")),
            ("cross", format!("http://{API}:{SECOND}/me/balance?run=r&policy=none")),
            ("port-8081", format!("http://{API}:{SECOND}/me/balance?run=r&policy=none")),
            ("credentialed", format!("http://user:pass@{API}:{PORT}/me/balance?run=r&policy=none")),
            ("relative", "/me/balance?run=r&policy=none".to_owned()),
            ("data", "data:text/plain,redirected".to_owned()),
            ("invalid", "http://[".to_owned()),
        ] {
            let path = format!("/redirect?to={to_where}&status={status}&run=r&policy=none");
            let response = send(&app, to(API, Method::POST, &path).body(Body::empty()).unwrap()).await;
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(header(&response, "location"), Some(location.as_str()));
        }
    }
    let nowhere =
        send(&app, to(API, Method::GET, "/redirect?to=none&status=307").body(Body::empty()).unwrap()).await;
    assert_eq!((nowhere.status().as_u16(), header(&nowhere, "location")), (307, None));
    let bad = send(&app, to(API, Method::GET, "/redirect?status=300").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad = send(&app, to(API, Method::GET, "/redirect?to=elsewhere").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(json_of(bad).await.to_string().contains("to must be same, cross,"));
    // To https only when the lab has an https port.
    let bad = send(&app, to(API, Method::GET, "/redirect?to=https").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(bad).await.to_string().contains("needs the lab's https port"));
    // Only to a port the lab serves http on: not an open redirect to whatever runs on loopback.
    let bad = send(&app, to(API, Method::GET, "/redirect?to=port-4190").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(json_of(bad).await.to_string().contains("names no port this lab serves http on"));
    let config = Config {
        addr: ([127, 0, 0, 1], PORT).into(),
        more_ports: vec![4190],
        access_log: false,
        ..Config::default()
    };
    let more = corslab_server::app(Lab::new(&config, Assets::empty()));
    let response =
        send(&more, to(API, Method::GET, "/redirect?to=port-4190").body(Body::empty()).unwrap()).await;
    let location = format!("http://{API}:4190/me/balance");
    assert_eq!(header(&response, "location"), Some(location.as_str()));
    let config = Config { https_port: Some(8443), ..config };
    let secure = corslab_server::app(Lab::new(&config, Assets::empty()));
    let response =
        send(&secure, to(API, Method::GET, "/redirect?to=https").body(Body::empty()).unwrap()).await;
    assert_eq!(header(&response, "location"), Some(format!("https://{API}:8443/me/balance").as_str()));
    // A chain: each hop redirects to the endpoint again with one hop fewer, then to the balance.
    let chain = send(
        &app,
        to(API, Method::GET, "/redirect?to=same&status=307&hops=3&run=r").body(Body::empty()).unwrap(),
    )
    .await;
    let next = format!("http://{API}:{PORT}/redirect?to=same&status=307&hops=2&run=r");
    assert_eq!(header(&chain, "location"), Some(next.as_str()));
    let last = send(&app, to(API, Method::GET, "/redirect?hops=1&run=r").body(Body::empty()).unwrap()).await;
    let balance = format!("http://{API}:{PORT}/me/balance?run=r");
    assert_eq!(header(&last, "location"), Some(balance.as_str()));
    for hops in ["0", "31", "many"] {
        let path = format!("/redirect?hops={hops}");
        let bad = send(&app, to(API, Method::GET, &path).body(Body::empty()).unwrap()).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "hops={hops}");
        assert!(json_of(bad).await.to_string().contains("hops must be a number from 1 to 30"));
    }
    // Redirects carry the policy's headers (unless the policy forgets them on non-2xx).
    let redirected = send(
        &app,
        to(API, Method::GET, "/redirect?policy=strict-allowlist")
            .header(header::ORIGIN, origin(PARTNER))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(header(&redirected, "access-control-allow-origin"), Some(origin(PARTNER).as_str()));
}

#[tokio::test]
async fn the_bounce_redirects_to_the_balance_through_any_page_host_and_is_logged() {
    let (_, app) = lab();
    let blog = origin(SIBLING);
    let bounce = to(PARTNER, Method::GET, "/__lab/bounce?status=307&run=b1&policy=strict-allowlist")
        .header(header::ORIGIN, &blog)
        .body(Body::empty())
        .unwrap();
    let response = send(&app, bounce).await;
    assert_eq!(response.status().as_u16(), 307);
    let balance = format!("http://{API}:{PORT}/me/balance?run=b1&policy=strict-allowlist");
    assert_eq!(header(&response, "location"), Some(balance.as_str()));
    assert_eq!(header(&response, "access-control-allow-origin"), Some(blog.as_str()));
    assert_eq!(header(&response, "access-control-allow-credentials"), Some("true"));
    let preflight = to(ATTACKER, Method::OPTIONS, "/__lab/bounce?run=b1")
        .header(header::ORIGIN, &blog)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "x-lab")
        .body(Body::empty())
        .unwrap();
    let preflight = send(&app, preflight).await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&preflight, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(header(&preflight, "access-control-allow-headers"), Some("x-lab"));
    let bad =
        send(&app, to(PARTNER, Method::GET, "/__lab/bounce?status=200").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let page = logged(&app, "b1").await;
    let hosts: Vec<_> = page.entries.iter().map(|e| (e.host.as_str(), e.preflight)).collect();
    assert_eq!(hosts, [(PARTNER, false), (ATTACKER, true)]);
}

#[tokio::test]
async fn the_log_records_preflights_requests_and_what_was_answered() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let blog = origin(SIBLING);
    let preflight = to(API, Method::OPTIONS, "/me/email?run=r1&policy=any-subdomain")
        .header(header::ORIGIN, &blog)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
        .header("sec-fetch-mode", "cors")
        .body(Body::empty())
        .unwrap();
    send(&app, preflight).await;
    let put = to(API, Method::PUT, "/me/email?run=r1&policy=any-subdomain")
        .header(header::ORIGIN, &blog)
        .header(header::COOKIE, format!("{cookie}; theme=dark"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"email":"x@y.example"}"#))
        .unwrap();
    send(&app, put).await;
    send(&app, to(API, Method::GET, "/me/balance?run=other").body(Body::empty()).unwrap()).await;

    let response =
        send(&app, to(ATTACKER, Method::GET, "/__lab/log?run=r1").body(Body::empty()).unwrap()).await;
    let page: corslab_lab::LogPage = serde_json::from_value(json_of(response).await).unwrap();
    assert_eq!(page.entries.len(), 2);
    let (pre, req) = (&page.entries[0], &page.entries[1]);
    assert!(pre.preflight && !req.preflight);
    assert_eq!(pre.request_header("access-control-request-method"), Some("PUT"));
    assert_eq!(pre.status, 204);
    assert!(pre.cookies.is_empty());
    assert_eq!(req.cookies, ["session", "theme"]);
    assert_eq!(req.policy.as_deref(), Some("any-subdomain"));
    assert_eq!(req.response_header("access-control-allow-origin"), Some(blog.as_str()));
    assert_eq!(req.port, PORT);
    assert_eq!(req.effects.len(), 1);
    let fetches = corslab_lab::observe::pair(&page.entries);
    assert_eq!(fetches.len(), 1, "the preflight pairs with its PUT");
    let after = send(
        &app,
        to(ATTACKER, Method::GET, &format!("/__lab/log?run=r1&after={}", pre.id))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(json_of(after).await["entries"].as_array().unwrap().len(), 1);
}

async fn csrf_token(app: &Router) -> String {
    let response = send(
        app,
        to(CONSOLE, Method::GET, "/__lab/state")
            .header("sec-fetch-site", "same-origin")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    json_of(response).await["csrf_token"].as_str().unwrap().to_owned()
}

fn control(token: &str, command: &Value) -> Request<Body> {
    to(CONSOLE, Method::POST, "/__lab/control")
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, origin(CONSOLE))
        .header("x-lab-csrf", token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(command.to_string()))
        .unwrap()
}

#[tokio::test]
async fn control_plane_writes_from_any_other_origin_are_refused() {
    let (lab, app) = lab();
    let token = csrf_token(&app).await;
    let command = json!({ "action": "set-policy", "policy": "reflect-any-origin" });
    for host in HOSTS.iter().filter(|h| h.role != Role::Console) {
        // The request sent to that host's own control endpoint, as its page would send it…
        let own = to(host.name, Method::POST, "/__lab/control")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, origin(host.name))
            .header("x-lab-csrf", &token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(command.to_string()))
            .unwrap();
        let response = send(&app, own).await;
        assert!(response.status().is_client_error(), "{}: {}", host.name, response.status());
        // …and to the console's, cross-origin, as a CSRF attempt from that host's page would.
        for fetch_site in [Some("same-site"), Some("cross-site"), None] {
            let mut attempt = to(CONSOLE, Method::POST, "/__lab/control")
                .header(header::ORIGIN, origin(host.name))
                .header("x-lab-csrf", &token)
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(site) = fetch_site {
                attempt = attempt.header("sec-fetch-site", site);
            }
            let response = send(&app, attempt.body(Body::from(command.to_string())).unwrap()).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{} with Sec-Fetch-Site {fetch_site:?}",
                host.name
            );
        }
        // A same-origin claim with a foreign Origin is refused too.
        let forged = to(CONSOLE, Method::POST, "/__lab/control")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, origin(host.name))
            .header("x-lab-csrf", &token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(command.to_string()))
            .unwrap();
        assert_eq!(send(&app, forged).await.status(), StatusCode::FORBIDDEN, "{}", host.name);
    }
    // From the console itself: a wrong or missing token, a form post, a bad command.
    assert_eq!(send(&app, control("0123", &command)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(send(&app, control("", &command)).await.status(), StatusCode::FORBIDDEN);
    let mut form = control(&token, &command);
    form.headers_mut().insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
    assert_eq!(send(&app, form).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        send(&app, control(&token, &json!({ "action": "explode" }))).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(lab.policy(), PolicyId::StrictAllowlist, "nothing got through");
    // The token is handed only to the console's own pages.
    for host in HOSTS.iter().filter(|h| h.role != Role::Console && h.role != Role::Api) {
        let state = json_of(
            send(&app, to(host.name, Method::GET, "/__lab/state").body(Body::empty()).unwrap()).await,
        )
        .await;
        assert!(state.get("csrf_token").is_none(), "{}", host.name);
    }
    let cross = to(CONSOLE, Method::GET, "/__lab/state")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert!(json_of(send(&app, cross).await).await.get("csrf_token").is_none());
}

#[tokio::test]
async fn reset_forgets_sessions_ledger_and_log_and_restores_the_start() {
    let (lab, app) = lab();
    let token = csrf_token(&app).await;
    let cookie = sign_in(&app).await;
    send(&app, control(&token, &json!({ "action": "set-policy", "policy": "none" }))).await;
    send(
        &app,
        control(
            &token,
            &json!({ "action": "set-cookie", "cookie": { "same_site": "none", "partitioned": true } }),
        ),
    )
    .await;
    let relogin = send(&app, to(DASHBOARD, Method::POST, "/login").body(Body::empty()).unwrap()).await;
    assert_eq!(relogin.status(), StatusCode::SEE_OTHER);
    assert!(header(&relogin, "set-cookie").unwrap().ends_with("SameSite=None; Partitioned"));
    let response = send(&app, control(&token, &json!({ "action": "reset" }))).await;
    let state: LabState = serde_json::from_value(json_of(response).await).unwrap();
    assert_eq!((state.policy, state.sessions, state.log.kept), (PolicyId::StrictAllowlist, 0, 0));
    assert_eq!(state.cookie, corslab_lab::CookieSettings::default());
    assert_eq!(lab.snapshot().ledger.kept, 0);
    let gone =
        to(API, Method::GET, "/me/balance").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    assert_eq!(send(&app, gone).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_is_only_for_the_dashboard_and_refuses_cross_site_posts() {
    let (_, app) = lab();
    let elsewhere = send(&app, to(ATTACKER, Method::POST, "/login").body(Body::empty()).unwrap()).await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    let cross = to(DASHBOARD, Method::POST, "/login")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, cross).await.status(), StatusCode::FORBIDDEN);
    let logout = send(
        &app,
        to(DASHBOARD, Method::POST, "/logout")
            .header(header::COOKIE, sign_in(&app).await)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let clears: Vec<&str> =
        logout.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(clears.len(), 2);
    assert!(clears.iter().all(|c| c.contains("Max-Age=0")));
}

#[tokio::test]
async fn foreign_hosts_are_misdirected() {
    let (_, app) = lab();
    for host in [
        "evil.example",
        "127.0.0.1:8080",
        "localhost:8080",
        "[::1]:8080",
        "lab.localhost.evil.example",
        "xn--lb-lab.localhost",
    ] {
        let request = Request::builder().uri("/").header(header::HOST, host).body(Body::empty()).unwrap();
        let response = send(&app, request).await;
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"));
    }
    let no_host = Request::builder().uri("/").body(Body::empty()).unwrap();
    let answer = send(&app, no_host).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let error = json_of(answer).await["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("the request has no Host header"), "{error}");
    // Two Host headers are refused, whichever comes first.
    let two_hosts = Request::builder()
        .uri("/")
        .header(header::HOST, "lab.localhost:8080")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, two_hosts).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn malformed_requests_get_clean_client_errors() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let post = |content_type: &str, body: Vec<u8>| {
        to(API, Method::POST, "/me/transfer")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let cases: Vec<(Request<Body>, StatusCode)> = vec![
        (post("application/json", b"{\"to\": ".to_vec()), StatusCode::BAD_REQUEST),
        (post("application/json", b"[1,2,3]".to_vec()), StatusCode::BAD_REQUEST),
        (
            post("application/json", br#"{"to":"LAB-1","amount":"1","extra":true}"#.to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            post("application/json", br#"{"to":"LAB-1","amount":"-5"}"#.to_vec()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post("application/json", br#"{"to":"<script>","amount":"5"}"#.to_vec()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post("application/json", br#"{"to":"LAB-1","amount":"99999999"}"#.to_vec()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (post("application/json", vec![0xff, 0xfe]), StatusCode::BAD_REQUEST),
        (post("text/plain", b"\xff\xfe".to_vec()), StatusCode::BAD_REQUEST),
        (post("text/plain", b"amount=5".to_vec()), StatusCode::BAD_REQUEST),
        (post("application/xml", b"<transfer/>".to_vec()), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (post("application/json", vec![b' '; 64 * 1024]), StatusCode::PAYLOAD_TOO_LARGE),
        (to(API, Method::PATCH, "/me/balance").body(Body::empty()).unwrap(), StatusCode::METHOD_NOT_ALLOWED),
        (
            to(API, Method::from_bytes(b"BREW").unwrap(), "/me/balance").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (to(API, Method::GET, "/nope").body(Body::empty()).unwrap(), StatusCode::NOT_FOUND),
        (
            to(CONSOLE, Method::GET, "/__lab/log?after=x").body(Body::empty()).unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (to(CONSOLE, Method::GET, "/__lab/nope").body(Body::empty()).unwrap(), StatusCode::NOT_FOUND),
        (
            to(CONSOLE, Method::POST, "/__lab/csp-report")
                .header(header::CONTENT_TYPE, "application/csp-report")
                .body(Body::from("{"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (to(CONSOLE, Method::DELETE, "/").body(Body::empty()).unwrap(), StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (request, expected) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let response = send(&app, request).await;
        assert_eq!(response.status(), expected, "{what}");
        let body = json_of(response).await;
        let error = body["error"].as_str().unwrap_or_else(|| panic!("{what}: {body}"));
        assert!(!error.is_empty() && !error.contains("panicked"), "{what}: {error}");
    }
}

#[tokio::test]
async fn pages_run_under_a_strict_csp_that_hashes_the_inline_bootstrap() {
    let mut assets = Assets::empty();
    let index = "<!doctype html><html><head>\n<script type=\"module\" nonce=\"static\">\nimport init from '/app.js';\nawait init();\n</script>\n</head><body></body></html>";
    assets.insert("index.html", index.as_bytes().to_vec());
    assets.insert("app.js", b"export default async function init() {}".to_vec());
    let (_, app) = lab_with(assets);
    let page = send(&app, to(PARTNER, Method::GET, "/any/route").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = header(&page, "content-security-policy").unwrap().to_owned();
    // `printf '\nimport init from '"'"'/app.js'"'"';\nawait init();\n' | openssl dgst -sha256 -binary | base64`
    assert!(
        csp.contains(
            "script-src 'self' 'sha256-mStLiw5ufhC4Rn65S+yuobFT1L6YIq0IsINW02YqTpc=' 'wasm-unsafe-eval';"
        ),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
    assert!(
        csp.contains("'wasm-unsafe-eval'")
            && csp.contains("frame-ancestors 'self'")
            && csp.contains("object-src 'none'")
    );
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&page, "x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(header(&page, "cross-origin-opener-policy"), Some("same-origin"));
    assert_eq!(header(&page, "referrer-policy"), Some("strict-origin-when-cross-origin"));
    let script = send(&app, to(PARTNER, Method::GET, "/app.js").body(Body::empty()).unwrap()).await;
    assert_eq!(header(&script, "content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(header(&script, "cross-origin-resource-policy"), Some("same-origin"));

    let sandbox = send(&app, to(ATTACKER, Method::GET, "/__lab/sandbox").body(Body::empty()).unwrap()).await;
    let csp = header(&sandbox, "content-security-policy").unwrap();
    assert!(
        csp.starts_with("sandbox allow-scripts;") && csp.contains("frame-ancestors http://*.localhost:8080"),
        "{csp}"
    );
    assert!(sandbox.headers().get("x-frame-options").is_none());
    // The plain frameable page: no script at all, and only lab pages around or inside it.
    let frame = send(&app, to(ATTACKER, Method::GET, "/__lab/frame").body(Body::empty()).unwrap()).await;
    assert_eq!(frame.status(), StatusCode::OK);
    let csp = header(&frame, "content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'none';") && !csp.contains("script-src"), "{csp}");
    assert!(
        csp.contains("frame-src http://*.localhost:8080")
            && csp.contains("frame-ancestors http://*.localhost:8080"),
        "{csp}"
    );
    assert!(frame.headers().get("x-frame-options").is_none());
    // The canary page is a test fixture: absent unless a harness is configured.
    let canary = send(&app, to(CONSOLE, Method::GET, "/__lab/csp-canary").body(Body::empty()).unwrap()).await;
    assert_eq!(canary.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_hash_matches_what_openssl_computes() {
    // The reference value comes from `printf 'go()' | openssl dgst -sha256 -binary | base64`.
    assert_eq!(
        corslab_server::pages::inline_hashes("<script>go()</script>", "script"),
        ["'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"]
    );
}

#[tokio::test]
async fn csp_reports_in_both_formats_are_kept() {
    let (_, app) = lab();
    let legacy = json!({ "csp-report": { "document-uri": "http://lab.localhost:8080/?run=x", "effective-directive": "script-src-elem", "blocked-uri": "inline" } });
    let modern = json!([{ "type": "csp-violation", "body": { "documentURL": "http://lab.localhost:8080/", "effectiveDirective": "script-src-elem", "blockedURL": "inline" } }]);
    for (report, media_type) in [(&legacy, "application/csp-report"), (&modern, "application/reports+json")] {
        let request = to(CONSOLE, Method::POST, "/__lab/csp-report")
            .header(header::CONTENT_TYPE, media_type)
            .body(Body::from(report.to_string()))
            .unwrap();
        assert_eq!(send(&app, request).await.status(), StatusCode::NO_CONTENT);
    }
    // What any site's page can send without a preflight is refused: no planted violations.
    let planted = to(CONSOLE, Method::POST, "/__lab/csp-report")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(legacy.to_string()))
        .unwrap();
    assert_eq!(send(&app, planted).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let page = json_of(
        send(&app, to(CONSOLE, Method::GET, "/__lab/csp-reports").body(Body::empty()).unwrap()).await,
    )
    .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page["entries"][0]["document"], "http://lab.localhost:8080/?run=x");
    assert_eq!(page["entries"][1]["directive"], "script-src-elem");
}

#[tokio::test]
async fn the_catalog_lists_sixteen_policies_with_engine_outcomes() {
    let (_, app) = lab();
    let catalog =
        json_of(send(&app, to(CONSOLE, Method::GET, "/__lab/catalog").body(Body::empty()).unwrap()).await)
            .await;
    let items = catalog.as_array().unwrap();
    assert_eq!(items.len(), 16);
    assert_eq!(items[15]["id"], "strict-allowlist");
    assert!(items[0]["code"]["express"].as_str().unwrap().contains("express()"));
    assert_eq!(items[3]["outcomes"].as_array().unwrap().len(), 9 * 4);
    // The app reads the words back from this answer instead of compiling them in.
    let texts: Vec<EntryText> = serde_json::from_value(catalog).unwrap();
    assert_eq!(texts[3].title, catalog::title(PolicyId::ReflectAnyOrigin));
    assert_eq!(texts[3].code.flask, catalog::entry(PolicyId::ReflectAnyOrigin).code.flask);
}

#[tokio::test]
async fn refusals_before_the_routes_carry_the_policy_like_every_api_answer() {
    let (_, app) = lab();
    let partner = origin(PARTNER);
    // Too large, refused from its Content-Length alone: the partner still reads why.
    let large = to(API, Method::POST, "/me/transfer?policy=strict-allowlist")
        .header(header::ORIGIN, &partner)
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::CONTENT_LENGTH, (corslab_server::BODY_LIMIT + 1).to_string())
        .body(Body::from(vec![b'x'; corslab_server::BODY_LIMIT + 1]))
        .unwrap();
    let response = send(&app, large).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(partner.as_str()));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert!(header(&response, "x-request-id").is_some());
    // A policy the lab does not know: the lab's own policy answers the error.
    let bogus = to(API, Method::GET, "/me/balance?policy=bogus")
        .header(header::ORIGIN, &partner)
        .body(Body::empty())
        .unwrap();
    let response = send(&app, bogus).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(partner.as_str()));
}

#[tokio::test]
async fn live_feeds_are_bounded() {
    let (_, app) = lab();
    let feed = || to(CONSOLE, Method::GET, "/__lab/events").body(Body::empty()).unwrap();
    let mut open = Vec::new();
    for _ in 0..corslab_server::MAX_LIVE_FEEDS {
        let response = send(&app, feed()).await;
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response);
    }
    let refused = send(&app, feed()).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(json_of(refused).await["error"].as_str().unwrap().contains("live feeds"));
    // A feed that ends makes room for the next.
    open.pop();
    assert_eq!(send(&app, feed()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn live_events_stream_what_reaches_the_api() {
    let (_, app) = lab();
    let events =
        send(&app, to(CONSOLE, Method::GET, "/__lab/events?run=live").body(Body::empty()).unwrap()).await;
    assert_eq!(header(&events, "content-type"), Some("text/event-stream"));
    let mut body = events.into_body();
    send(&app, to(API, Method::GET, "/me/balance?run=elsewhere").body(Body::empty()).unwrap()).await;
    send(&app, to(API, Method::GET, "/me/balance?run=live").body(Body::empty()).unwrap()).await;
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    assert!(text.starts_with("event: seen\ndata: "), "{text}");
    assert!(text.contains("\"run\":\"live\"") && !text.contains("elsewhere"), "{text}");
}

#[tokio::test]
async fn scripted_answers_are_off_unless_a_test_harness_turns_them_on() {
    use corslab_lab::scripted::{Script, Scripted};
    // A page of the attacker's own writing, on the API's origin: what any site could link to.
    let page = Scripted {
        body: Some("<script>fetch('/me/balance')</script>".to_owned()),
        ..Scripted::new(200, &[("Content-Type", "text/html")])
    };
    let url = Script::always(page).url("", None);
    let config = Config { addr: ([127, 0, 0, 1], PORT).into(), access_log: false, ..Config::default() };
    let app = app(Lab::new(&config, Assets::empty()));
    let response = send(&app, to(API, Method::GET, &url).body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_ne!(header(&response, "content-type"), Some("text/html"));
}

#[tokio::test]
async fn the_scripted_endpoint_answers_exactly_as_written_and_is_logged() {
    use corslab_lab::scripted::{Asking, Script, Scripted};
    let (lab, app) = lab();
    let blog = origin(SIBLING);
    let script = Script {
        preflight: Some(Scripted::new(
            307,
            &[("Location", "/me/balance"), ("Access-Control-Allow-Origin", "*")],
        )),
        asking: Some(Asking { header: "X-Late".to_owned(), answer: Scripted::new(204, &[]) }),
        response: Scripted {
            body: Some("<p>scripted</p>".to_owned()),
            ..Scripted::new(
                418,
                &[
                    ("Access-Control-Allow-Origin", &format!("{blog}/")),
                    ("Access-Control-Allow-Origin", "null"),
                    ("Access-Control-Allow-Credentials", "True"),
                    ("Content-Type", "text/html"),
                    ("Content-Security-Policy", "connect-src 'self'"),
                ],
            )
        },
    };
    let url = script.url("", Some("s1"));
    // `?policy=` is ignored: no policy's headers reach a scripted answer.
    let get = to(API, Method::GET, &format!("{url}&policy=reflect-any-origin"))
        .header(header::ORIGIN, &blog)
        .body(Body::empty())
        .unwrap();
    let response = send(&app, get).await;
    assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
    let acao: Vec<_> = response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(acao, [format!("{blog}/").as_str(), "null"]);
    assert_eq!(header(&response, "access-control-allow-credentials"), Some("True"));
    assert_eq!(header(&response, "vary"), None);
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert_eq!(
        header(&response, "content-security-policy"),
        Some("connect-src 'self'"),
        "the script's own CSP"
    );
    assert_eq!(json_of(response).await["raw"], "<p>scripted</p>");

    let preflight = to(API, Method::OPTIONS, &url)
        .header(header::ORIGIN, &blog)
        .header("access-control-request-method", "PUT")
        .body(Body::empty())
        .unwrap();
    let response = send(&app, preflight).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(header(&response, "location"), Some("/me/balance"));
    assert_eq!(
        header(&response, "content-security-policy"),
        Some("default-src 'none'"),
        "an answer without its own CSP gets the API's"
    );

    // A preflight asking about X-Late (on its second line) gets the answer scripted for it.
    let asking = to(API, Method::OPTIONS, &url)
        .header(header::ORIGIN, &blog)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "x-early")
        .header("access-control-request-headers", "x-late")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, asking).await.status(), StatusCode::NO_CONTENT);

    let page = lab.log().page(Some("s1"), 0);
    assert_eq!(page.entries.len(), 3);
    assert!(!page.entries[0].preflight && page.entries[1].preflight && page.entries[2].preflight);
    assert_eq!(page.entries[0].status, 418);
    assert_eq!(page.entries[0].policy, None);
    assert_eq!(page.entries[1].response_header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn scripts_the_server_cannot_send_are_refused() {
    let (_, app) = lab();
    for path in [
        "/scripted".to_owned(),
        "/scripted?answer=%%%".to_owned(),
        format!(
            "/scripted?answer={}",
            corslab_lab::scripted::Script::always(corslab_lab::scripted::Scripted::new(
                200,
                &[("Transfer-Encoding", "chunked")]
            ))
            .encode()
        ),
    ] {
        let response = send(&app, to(API, Method::GET, &path).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(json_of(response).await["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn the_lab_takes_control_commands_in_process() {
    let (lab, _) = lab();
    let cookie =
        corslab_lab::CookieSettings { same_site: corslab_lab::SameSiteChoice::None, partitioned: true };
    let state = lab.apply(&corslab_lab::Control::SetCookie { cookie });
    assert_eq!(state.cookie, cookie);
    assert_eq!(lab.apply(&corslab_lab::Control::Reset {}).cookie, corslab_lab::CookieSettings::default());
}

#[tokio::test]
async fn a_host_naming_another_port_than_the_lab_s_is_misdirected() {
    let (_, app) = lab();
    for host in
        ["api.fintrack.localhost:1", "api.fintrack.localhost:99999", "lab.localhost:0", "lab.localhost"]
    {
        let request =
            Request::builder().uri("/me/balance").header(header::HOST, host).body(Body::empty()).unwrap();
        let answer = send(&app, request).await;
        assert_eq!(answer.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
        let error = json_of(answer).await["error"].as_str().unwrap().to_owned();
        assert!(error.contains("port"), "{host}: {error}");
    }
    // The redirect of a request that got in names the port it came to.
    let request = to(API, Method::GET, "/redirect").body(Body::empty()).unwrap();
    let answer = send(&app, request).await;
    assert_eq!(header(&answer, "location"), Some("http://api.fintrack.localhost:8080/me/balance"));
}

#[tokio::test]
async fn refused_side_effects_take_no_ledger_id() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let post = |body: &str| {
        to(API, Method::POST, "/me/transfer")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let refused = send(&app, post(r#"{"to":"LAB-1","amount":"99999999"}"#)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = |method: Method, path: &str, body: &str| {
        to(API, method, path)
            .header(header::COOKIE, "session=unknown")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    for request in [
        stranger(Method::POST, "/me/transfer", r#"{"to":"LAB-1","amount":"1"}"#),
        stranger(Method::PUT, "/me/email", r#"{"email":"a@b.example"}"#),
        stranger(Method::DELETE, "/me/sessions", ""),
    ] {
        assert_eq!(send(&app, request).await.status(), StatusCode::UNAUTHORIZED);
    }
    let done = json_of(send(&app, post(r#"{"to":"LAB-1","amount":"1"}"#)).await).await;
    assert_eq!(done["ledger_id"], 1, "{done}");
    let ledger =
        json_of(send(&app, to(CONSOLE, Method::GET, "/__lab/ledger").body(Body::empty()).unwrap()).await)
            .await;
    assert_eq!(ledger["dropped"], 0);
    let ids: Vec<u64> =
        ledger["entries"].as_array().unwrap().iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1]);
}

#[tokio::test]
async fn an_email_with_a_control_character_is_refused_with_where_it_is() {
    let (_, app) = lab();
    let cookie = sign_in(&app).await;
    let request = to(API, Method::PUT, "/me/email")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"email":"a\u001b[2Jb@evil.example"}"#))
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = json_of(answer).await["error"].as_str().unwrap().to_owned();
    assert_eq!(error, "the email address holds the control character U+001B at byte 1: send it without");
}

#[tokio::test]
async fn a_stray_byte_in_another_cookie_still_signs_in_and_logs_the_session() {
    let (lab, app) = lab();
    let cookie = sign_in(&app).await;
    let mut jar = b"theme=caf\xe9; ".to_vec();
    jar.extend_from_slice(cookie.as_bytes());
    let many: String = (0..60).map(|i| format!("; c{i}=v")).collect();
    jar.extend_from_slice(many.as_bytes());
    let request = to(API, Method::GET, "/me/balance?run=stray")
        .header(header::COOKIE, axum::http::HeaderValue::from_bytes(&jar).unwrap())
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, request).await.status(), StatusCode::OK);
    let seen = &lab.log().page(Some("stray"), 0).entries[0];
    assert_eq!(seen.cookies.len(), 62, "{:?}", seen.cookies);
    assert!(seen.cookies.iter().any(|c| c == "session"));
}

#[tokio::test]
async fn log_queries_are_refused_for_what_is_wrong_with_them() {
    let (_, app) = lab();
    for (query, says) in [
        ("run=a&run=b", "run is given more than once"),
        ("after=-1", "after must be 0 or more"),
        ("after=18446744073709551616", "after is larger than any id"),
        ("after=x", "after must be a whole number"),
    ] {
        for path in ["/__lab/log", "/__lab/events"] {
            let answer =
                send(&app, to(CONSOLE, Method::GET, &format!("{path}?{query}")).body(Body::empty()).unwrap())
                    .await;
            assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{path}?{query}");
            let error = json_of(answer).await["error"].as_str().unwrap().to_owned();
            assert!(error.starts_with(says), "{path}?{query}: {error}");
        }
    }
}

#[tokio::test]
async fn a_run_id_longer_than_the_log_keeps_is_still_found() {
    let (_, app) = lab();
    let run = "r".repeat(400);
    let request = to(API, Method::GET, &format!("/me/balance?run={run}")).body(Body::empty()).unwrap();
    assert_eq!(send(&app, request).await.status(), StatusCode::UNAUTHORIZED);
    let log = json_of(
        send(&app, to(CONSOLE, Method::GET, &format!("/__lab/log?run={run}")).body(Body::empty()).unwrap())
            .await,
    )
    .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");
}

#[tokio::test]
async fn the_log_records_no_length_on_204_and_304_answers_as_none_is_sent() {
    use corslab_lab::scripted::{Script, Scripted};
    let (_, app) = lab();
    for status in [204, 304, 200] {
        let url = Script::always(Scripted::new(status, &[("Access-Control-Allow-Origin", "*")]))
            .url("", Some(&format!("len{status}")));
        let response = send(&app, to(API, Method::GET, &url).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status().as_u16(), status);
        let sent = header(&response, "content-length").map(str::to_owned);
        let page = logged(&app, &format!("len{status}")).await;
        let logged = page.entries[0].response_headers.iter().find(|(n, _)| n == "content-length");
        assert_eq!(logged.map(|(_, v)| v.clone()), sent, "status {status}");
        assert_eq!(sent.is_some(), status == 200, "status {status}");
    }
}

#[tokio::test]
async fn an_api_alias_is_served_and_logged_as_the_api_under_its_own_name() {
    let config = Config {
        addr: ([127, 0, 0, 1], PORT).into(),
        aliases: vec![
            ("Printer.Local".to_owned(), "api.fintrack.localhost"),
            ("bad;alias".to_owned(), "api.fintrack.localhost"),
        ],
        access_log: false,
        ..Config::default()
    };
    let app = app(Lab::new(&config, Assets::empty()));
    let response =
        send(&app, to("printer.local", Method::GET, "/me/balance?run=alias").body(Body::empty()).unwrap())
            .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let page = logged(&app, "alias").await;
    assert_eq!(page.entries.iter().map(|e| e.host.as_str()).collect::<Vec<_>>(), ["printer.local"]);
    let frame = send(&app, to(CONSOLE, Method::GET, "/__lab/frame").body(Body::empty()).unwrap()).await;
    let csp = header(&frame, "content-security-policy").unwrap_or_default().to_owned();
    assert!(csp.contains(&format!("http://printer.local:{PORT}")) && !csp.contains("bad"), "{csp}");
    // Without the alias, the name is foreign.
    let (_, plain) = lab();
    let foreign =
        send(&plain, to("printer.local", Method::GET, "/me/balance").body(Body::empty()).unwrap()).await;
    assert_eq!(foreign.status(), StatusCode::MISDIRECTED_REQUEST);
}
