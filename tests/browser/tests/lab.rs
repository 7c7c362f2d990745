//! The lab server where only a real browser can judge: the app's pages run under their CSP,
//! the sandboxed relay really sends `Origin: null`, redirects and preflights reach the server as
//! the engine predicts, and the server's log pairs them.

#![cfg(target_arch = "wasm32")]

use corslab_browser_tests::{
    browser, fetch, fetch_from_sandbox, fetch_with, frame, lab_json, lab_url, page_origin, run_id,
    server_log, sleep,
};
use corslab_engine::Read;
use corslab_engine::exchange::{CredentialsMode, Request};
use corslab_lab::Ports;
use corslab_lab::observe::{self, Attempt, Checked};
use corslab_lab::state::CspReportPage;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::RequestCredentials;

wasm_bindgen_test_configure!(run_in_browser);

fn ports() -> Ports {
    Ports::main(corslab_browser_tests::LAB_PORT.parse().expect("the lab port is a number"))
}

#[wasm_bindgen_test]
async fn the_app_runs_under_its_csp_and_an_unhashed_script_does_not() {
    let run = run_id("csp");
    // The canary's inline script is deliberately not in the policy: its report proves that this
    // browser reports violations to the lab, so no report for the app means the app was allowed.
    frame(&lab_url("lab.localhost", &format!("/__lab/csp-canary?run={run}")), None).unwrap();
    frame(&lab_url("fintrack.localhost", &format!("/?run={run}")), None).unwrap();
    let mut reports = CspReportPage::default();
    for _ in 0..40 {
        sleep(250).await;
        reports = lab_json("/__lab/csp-reports").await.unwrap();
        if reports.entries.iter().any(|r| r.document.contains("csp-canary") && r.document.contains(&run)) {
            break;
        }
    }
    let canary =
        reports.entries.iter().find(|r| r.document.contains("csp-canary") && r.document.contains(&run));
    let canary =
        canary.unwrap_or_else(|| panic!("{:?} reported no violation for the canary: {reports:?}", browser()));
    assert!(canary.directive.starts_with("script-src"), "{canary:?}");
    // Give the app time to load its module and instantiate its Wasm, then look again.
    sleep(1500).await;
    let reports: CspReportPage = lab_json("/__lab/csp-reports").await.unwrap();
    let app: Vec<_> = reports
        .entries
        .iter()
        .filter(|r| r.document.contains("fintrack.localhost") && r.document.contains(&run))
        .collect();
    assert!(app.is_empty(), "the app violated its own CSP in {:?}: {app:?}", browser());
}

#[wasm_bindgen_test]
async fn the_sandboxed_relay_sends_origin_null_and_only_a_null_trusting_policy_answers_it() {
    let run = run_id("null");
    let trusting = lab_url("api.fintrack.localhost", &format!("/me/balance?policy=null-trusted&run={run}"));
    let strict = lab_url("api.fintrack.localhost", &format!("/me/balance?policy=strict-allowlist&run={run}"));

    let read = fetch_from_sandbox("free-crypto-giveaway.localhost", &trusting).await.unwrap();
    let (status, body) = read.expect("a null-trusting policy lets the sandboxed page read");
    assert_eq!(status, 401, "{body}");
    let refused = fetch_from_sandbox("free-crypto-giveaway.localhost", &strict).await.unwrap();
    assert!(refused.is_err(), "the strict allowlist never answers null: {refused:?}");

    let log = server_log(&run).await.unwrap();
    assert_eq!(log.entries.len(), 2, "{log:?}");
    for seen in &log.entries {
        assert_eq!(seen.request_header("origin"), Some("null"), "{seen:?}");
        assert!(seen.cookies.is_empty(), "a sandboxed frame sends no cookies");
    }
}

#[wasm_bindgen_test]
async fn a_same_origin_redirect_is_followed_logged_and_paired() {
    let run = run_id("redirect");
    let url = lab_url(
        "api.fintrack.localhost",
        &format!("/redirect?to=same&status=307&policy=reflect-any-origin&run={run}"),
    );
    let response = fetch(&url, RequestCredentials::Include).await.expect("both hops allow this origin");
    assert_eq!(response.status(), 401);
    assert!(
        response.url().ends_with(&format!("/me/balance?run={run}&policy=reflect-any-origin")),
        "{}",
        response.url()
    );

    let log = server_log(&run).await.unwrap();
    let fetches = observe::pair(&log.entries);
    assert_eq!(fetches.len(), 1, "the hop nests under the redirect: {fetches:?}");
    let hop = fetches[0].next.as_ref().expect("the redirect's hop was logged");
    assert_eq!(hop.request.as_ref().unwrap().request_header("origin"), Some(page_origin().serialize()));
    let exchange = observe::exchange(&attempt("GET", &url, &[]), &fetches[0], &ports()).unwrap();
    assert_eq!(exchange.response.status, 307);
    assert_eq!(exchange.next.as_ref().unwrap().response.status, 401);
}

#[wasm_bindgen_test]
async fn a_refused_preflight_stops_the_put_and_a_mirroring_one_lets_it_through() {
    let run = run_id("preflight");
    let json = [("Content-Type", "application/json")];
    let body = Some(r#"{"email":"x@y.example"}"#);
    for (policy, reaches) in [("strict-allowlist", false), ("mirror-everything", true)] {
        let url = lab_url("api.fintrack.localhost", &format!("/me/email?policy={policy}&run={run}-{policy}"));
        let result = fetch_with(&url, "PUT", &json, body, RequestCredentials::Include).await;
        // Not signed in: the PUT, when it arrives, is answered 401, readable under the mirror.
        assert_eq!(result.is_ok(), reaches, "{policy}: {result:?}");

        let log = server_log(&format!("{run}-{policy}")).await.unwrap();
        let fetches = observe::pair(&log.entries);
        assert_eq!(fetches.len(), 1, "{policy}: {fetches:?}");
        let preflight = fetches[0].preflight.as_ref().expect("a JSON PUT is preflighted");
        assert!(preflight.cookies.is_empty(), "preflights never carry cookies");
        assert_eq!(preflight.request_header("access-control-request-headers"), Some("content-type"));
        assert_eq!(fetches[0].request.is_some(), reaches, "{policy}");

        // The engine, given what the page asked and what the server answered, must agree with
        // what the server saw about which requests went out, and with which Origin.
        let exchange = observe::exchange(&attempt("PUT", &url, &json), &fetches[0], &ports()).unwrap();
        let verdict = corslab_engine::explain(&exchange);
        let agreement = observe::agreement(
            &verdict,
            &fetches[0],
            Some(if result.is_ok() { Read::Allowed } else { Read::Blocked }),
        );
        for check in agreement.checks.iter().filter(|c| {
            matches!(
                c.what,
                Checked::PreflightSent | Checked::RequestSent | Checked::OriginSent | Checked::Read
            )
        }) {
            assert!(check.agrees, "{policy} in {:?}: {check:?}\n{verdict:#?}", browser());
        }
    }
}

/// What this page asked for, as the Exchange's request side.
fn attempt(method: &str, url: &str, headers: &[(&str, &str)]) -> Attempt {
    let request: Request = serde_json::from_value(serde_json::json!({
        "method": method,
        "url": url,
        "headers": headers.iter().map(|(n, v)| [n, v]).collect::<Vec<_>>(),
        "credentials": "include",
    }))
    .unwrap();
    assert_eq!(request.credentials, CredentialsMode::Include);
    Attempt {
        browser: browser(),
        page: page_origin(),
        top_level: None,
        settings: Default::default(),
        request,
        cookies: Vec::new(),
    }
}
