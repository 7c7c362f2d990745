//! Snapshots of the explanation text for representative exchanges, in both browsers, so that a
//! changed sentence, console line or piece of advice shows up as a reviewed diff.

use corslab_engine::verdict::{Outcome, Verdict};
use corslab_engine::{Browser, Exchange, explain};

const BLOG: &str = "http://blog.fintrack.localhost:8080";

/// The verdict as a person reads it: headline, steps with marks, console, findings, fixes.
fn render(verdict: &Verdict) -> String {
    let mut out = format!(
        "read: {:?} at {:?}; reason {:?} ({:?}); preflight {} request {}; cookies {:?}; exposed {:?}\n",
        verdict.read,
        verdict.blocked_at,
        verdict.reason,
        verdict.failed_parameter,
        verdict.preflight_sent,
        verdict.request_sent,
        verdict.cookies_sent,
        verdict.exposed_headers
    );
    for step in &verdict.steps {
        let mark = match step.outcome {
            Outcome::Pass => "✔",
            Outcome::Fail => "✘",
            Outcome::Info => "·",
        };
        out.push_str(&format!("{mark} [{}] {}\n", step.rule, step.says));
    }
    if let Some(console) = &verdict.console {
        out.push_str(&format!("console: {console}\n"));
    }
    for finding in &verdict.findings {
        out.push_str(&format!("finding {:?} {}: {}\n", finding.severity, finding.id, finding.says));
    }
    for fix in &verdict.fix {
        out.push_str(&format!("fix {}: {}\n", fix.id, fix.says));
    }
    out
}

fn both(name: &str, json: &str) {
    for browser in [Browser::Chromium, Browser::Firefox] {
        let mut exchange = Exchange::from_json(json).unwrap();
        exchange.browser = browser;
        insta::assert_snapshot!(format!("{name}_{browser}"), render(&explain(&exchange)));
    }
}

#[test]
fn preflighted_credentialed_put_allowed() {
    both(
        "preflighted_put",
        &format!(
            r#"{{"page": "{BLOG}", "request": {{"method": "PUT", "url": "http://api.fintrack.localhost:8080/me/email",
            "headers": [["Content-Type", "application/json"], ["X-Csrf", "1"]], "credentials": "include"}},
            "cookies": [{{"name": "session", "host": "api.fintrack.localhost", "same_site": "lax", "secure": true, "http_only": true}}],
            "preflight": {{"status": 204, "headers": [["Access-Control-Allow-Origin", "{BLOG}"], ["Access-Control-Allow-Credentials", "true"],
                ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Allow-Headers", "content-type, x-csrf"], ["Access-Control-Max-Age", "600"], ["Vary", "Origin"]]}},
            "response": {{"status": 200, "headers": [["Access-Control-Allow-Origin", "{BLOG}"], ["Access-Control-Allow-Credentials", "true"], ["Vary", "Origin"], ["Content-Type", "application/json"]]}}}}"#
        ),
    );
}

#[test]
fn wildcard_with_credentials_from_a_cross_site_page() {
    both(
        "wildcard_credentials",
        r#"{"page": "http://free-crypto-giveaway.localhost:8080", "request": {"url": "http://api.fintrack.localhost:8080/me/balance", "credentials": "include"},
            "cookies": [{"name": "session", "host": "api.fintrack.localhost", "same_site": "lax", "secure": true}],
            "response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}}"#,
    );
}

#[test]
fn preflight_rejects_a_header() {
    both(
        "preflight_header",
        &format!(
            r#"{{"page": "{BLOG}", "request": {{"method": "DELETE", "url": "http://api.fintrack.localhost:8080/me", "headers": [["X-Csrf", "1"]]}},
            "preflight": {{"status": 204, "headers": [["Access-Control-Allow-Origin", "{BLOG}"], ["Access-Control-Allow-Methods", "DELETE"]]}},
            "response": {{"status": 204}}}}"#
        ),
    );
}

#[test]
fn redirect_taints_the_origin() {
    both(
        "redirect_taint",
        &format!(
            r#"{{"page": "{BLOG}", "request": {{"method": "POST", "url": "http://api.fintrack.localhost:8080/form", "headers": [["Content-Type", "text/plain"]]}},
            "response": {{"status": 303, "headers": [["Location", "http://partner.localhost:8080/thanks"], ["Access-Control-Allow-Origin", "{BLOG}"]]}},
            "next": {{"response": {{"status": 200, "headers": [["Access-Control-Allow-Origin", "{BLOG}"]]}}}}}}"#
        ),
    );
}

#[test]
fn public_page_to_loopback() {
    both(
        "local_network",
        r#"{"page": "https://evil.example", "request": {"url": "http://127.0.0.1:8080/admin"}, "response": {"status": 200}}"#,
    );
}

/// A preflight that fails its CORS check (or is a redirect) never gets a `preflight.allow_origin`
/// pass step: `PreflightFailure::passed_cors_check` decides that step.
#[test]
fn a_preflight_refused_before_its_cors_check_passes_never_says_it_passed() {
    for preflight in [
        r#"{"status": 204, "headers": []}"#,
        r#"{"status": 302, "headers": [["Location", "http://api.fintrack.localhost:8080/x"]]}"#,
    ] {
        for browser in [Browser::Chromium, Browser::Firefox] {
            let json = format!(
                r#"{{"page": "{BLOG}", "request": {{"method": "PUT", "url": "http://api.fintrack.localhost:8080/me/email"}},
                "preflight": {preflight}, "response": {{"status": 200, "headers": []}}}}"#
            );
            let mut exchange = Exchange::from_json(&json).unwrap();
            exchange.browser = browser;
            let verdict = explain(&exchange);
            assert!(
                !verdict
                    .steps
                    .iter()
                    .any(|s| s.rule == "preflight.allow_origin" && s.outcome == Outcome::Pass),
                "{browser} {preflight}: {:#?}",
                verdict.steps
            );
        }
    }
}
