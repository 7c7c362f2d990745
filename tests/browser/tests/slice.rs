//! The end-to-end slice: a real credentialed cross-origin fetch from this browser to the lab's
//! API, what the server recorded, and the engine (compiled to Wasm) explaining the outcome.

#![cfg(target_arch = "wasm32")]

use corslab_browser_tests::{browser, exchange_for, fetch, lab_url, page_origin, run_id, server_log, text};
use corslab_engine::exchange::CredentialsMode;
use corslab_engine::verdict::{BlockedAt, Read};
use corslab_engine::{Browser, explain};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::RequestCredentials;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn reflected_origin_with_credentials_is_readable_and_explained() {
    let run = run_id("reflect");
    let url = lab_url("api.fintrack.localhost", &format!("/me/balance?policy=reflect-any-origin&run={run}"));

    let response = fetch(&url, RequestCredentials::Include).await.expect("the read is allowed");
    // Cross-site with default cookie settings: the read works but carries no session.
    assert_eq!(response.status(), 401);
    let body = text(&response).await.unwrap();
    assert!(body.starts_with(r#"{"error":"not signed in"#), "{body}");

    let log = server_log(&run).await.unwrap();
    let seen = log.entries.iter().find(|e| !e.preflight).expect("the server saw the request");
    assert_eq!(seen.request_header("origin"), Some(page_origin().serialize()));
    assert!(seen.cookies.is_empty(), "cross-site: no cookie is sent by default");

    let verdict = explain(&exchange_for(&url, CredentialsMode::Include, seen));
    assert_eq!(verdict.read, Read::Allowed, "{verdict:#?}");
    assert!(verdict.request_sent);
    assert_eq!(verdict.reason, None);
    assert!(verdict.steps.iter().any(|s| s.rule == "cors_check.allow_credentials"));
}

#[wasm_bindgen_test]
async fn missing_allow_origin_is_a_type_error_and_explained_in_this_browsers_words() {
    let run = run_id("none");
    let url = lab_url("api.fintrack.localhost", &format!("/me/balance?policy=none&run={run}"));

    let error = fetch(&url, RequestCredentials::Include).await.expect_err("the read is blocked");
    assert!(error.is_instance_of::<js_sys::TypeError>(), "fetch rejects with a TypeError: {error:?}");

    // The request still reached the server: only the read was blocked.
    let log = server_log(&run).await.unwrap();
    let seen = log.entries.iter().find(|e| !e.preflight).expect("the server saw the request");
    assert_eq!(seen.status, 401);
    assert!(seen.response_headers.iter().all(|(name, _)| name != "access-control-allow-origin"));

    let verdict = explain(&exchange_for(&url, CredentialsMode::Include, seen));
    assert_eq!(verdict.read, Read::Blocked);
    assert_eq!(verdict.blocked_at, Some(BlockedAt::Response));
    let expected = match browser() {
        Browser::Firefox => "CORSMissingAllowOrigin",
        _ => "MissingAllowOriginHeader",
    };
    assert_eq!(verdict.reason.as_deref(), Some(expected));
    let console = verdict.console.unwrap();
    assert!(console.contains(&url), "{console}");
}

#[wasm_bindgen_test]
async fn wildcard_with_credentials_is_refused_by_the_browser_and_the_engine() {
    let run = run_id("wildcard");
    let url = lab_url("api.fintrack.localhost", &format!("/me/balance?policy=wildcard&run={run}"));

    let error =
        fetch(&url, RequestCredentials::Include).await.expect_err("* never shares a credentialed response");
    assert!(error.is_instance_of::<js_sys::TypeError>());
    let without = fetch(&url, RequestCredentials::Omit).await.expect("* shares an uncredentialed response");
    assert_eq!(without.status(), 401);

    let log = server_log(&run).await.unwrap();
    assert_eq!(log.entries.iter().filter(|e| !e.preflight).count(), 2);
    let seen = &log.entries[0];
    let with = explain(&exchange_for(&url, CredentialsMode::Include, seen));
    assert_eq!(with.read, Read::Blocked);
    assert_eq!(with.failed_parameter.as_deref(), Some("*"));
    let omit = explain(&exchange_for(&url, CredentialsMode::Omit, &log.entries[1]));
    assert_eq!(omit.read, Read::Allowed);
}
