//! The console's "Audit this API" panel, mounted in a real browser: the lab's real answers read
//! through the app's own JSON path and rendered (findings worst first, or a pass), the lab's
//! refusal shown in an alert, the busy state, and a result cleared when the policy changes.
//!
//! `POST /__lab/audit` answers only the console's own page on `lab.localhost` (Sec-Fetch-Site
//! same-origin, CSRF token), and this test page is served from another site, so it cannot
//! audit the live lab. The two answers under `data/` were captured from `corslab serve`
//! (`POST /__lab/audit` under policy 4, reflect-any-origin, and policy 16, strict-allowlist);
//! the end-to-end scenario `audit` in `tests/e2e` runs the live audit from the console.

#![cfg(target_arch = "wasm32")]

use corslab_app::audit_view::{AuditPanel, AuditReport};
use corslab_app::net::json_of;
use corslab_browser_tests::{fresh_element, text_in};
use corslab_lab::PolicyId;
use corslab_lab::audit::AuditSummary;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// What the lab answered under reflect-any-origin: a high and a low finding.
const REFLECTED: &str = include_str!("data/audit-reflect-any-origin.json");
/// What the lab answered under the strict allowlist: no findings.
const STRICT: &str = include_str!("data/audit-strict-allowlist.json");

fn button(root: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    root.query_selector("button.audit-run").unwrap().expect("the audit button").unchecked_into()
}

/// A `Response` with `status` and `body`, read by the app's `json_of` as it reads the lab's.
async fn answer<T: serde::de::DeserializeOwned>(status: u16, body: &str) -> Result<T, String> {
    let response = gloo_net::http::Response::builder().status(status).body(Some(body)).unwrap();
    json_of(&response).await
}

/// The panel with reflect-any-origin chosen, on a lab that runs whatever is chosen; the signal
/// changes the choice.
fn panel_on_a_lab_running_the_chosen_policy() -> (web_sys::HtmlElement, RwSignal<PolicyId>) {
    let root = fresh_element();
    let chosen = RwSignal::new(PolicyId::ReflectAnyOrigin);
    mount_to(
        root.clone(),
        move || view! { <AuditPanel chosen running=Signal::derive(move || Some(chosen.get()))/> },
    )
    .forget();
    (root, chosen)
}

/// Waits up to `ms` for `css` to match inside `root`.
async fn wait_for(root: &web_sys::HtmlElement, css: &str, ms: i32) -> bool {
    for _ in 0..ms / 50 {
        leptos::task::tick().await;
        if root.query_selector(css).unwrap().is_some() {
            return true;
        }
        corslab_browser_tests::sleep(50).await;
    }
    false
}

#[wasm_bindgen_test]
async fn a_reflected_origin_renders_its_findings_worst_first() {
    let summary: AuditSummary =
        answer(200, REFLECTED).await.expect("the lab's answer reads as an AuditSummary");
    assert_eq!(summary.policy, PolicyId::ReflectAnyOrigin);
    let root = fresh_element();
    mount_to(root.clone(), move || view! { <AuditReport summary chosen=PolicyId::ReflectAnyOrigin/> })
        .forget();
    leptos::task::tick().await;

    assert_eq!(text_in(&root, ".audit-result h3"), "Policy 4: Reflect any origin, with credentials");
    assert!(text_in(&root, ".audit-result").contains("93 probes sent to"));
    let findings = root.query_selector_all(".findings > li").unwrap();
    assert_eq!(findings.length(), 2, "{}", root.inner_html());
    let first: web_sys::Element = findings.item(0).unwrap().unchecked_into();
    assert_eq!(first.get_attribute("class").as_deref(), Some("finding sev-high"));
    assert_eq!(first.get_attribute("data-class").as_deref(), Some("reflect-any-origin"));
    let first = first.text_content().unwrap();
    assert!(first.starts_with("High Any origin is reflected"), "{first}");
    assert!(first.contains("Origin probed: http://evil.localhost:18180"), "{first}");
    assert!(first.contains("Chromium sends no cookies by default"), "what each browser sends: {first}");
    assert!(first.contains("Fix: Never echo the Origin header"), "{first}");
    let second: web_sys::Element = findings.item(1).unwrap().unchecked_into();
    assert_eq!(second.get_attribute("class").as_deref(), Some("finding sev-low"));
    assert!(!second.text_content().unwrap().contains("Origin probed"), "a policy fact names no origin");
    assert!(root.query_selector(".no-findings").unwrap().is_none());

    // The Markdown report is there to read, folded, and to copy.
    assert!(text_in(&root, "details.markdown pre").starts_with("# CORS audit"));
    assert_eq!(text_in(&root, "button.copy-markdown"), "Copy Markdown");
    assert!(root.query_selector(".audit-result .problem").unwrap().is_none(), "audited the chosen policy");
}

#[wasm_bindgen_test]
async fn the_strict_allowlist_renders_a_pass() {
    let summary: AuditSummary = answer(200, STRICT).await.expect("the lab's answer reads as an AuditSummary");
    let root = fresh_element();
    mount_to(root.clone(), move || view! { <AuditReport summary chosen=PolicyId::StrictAllowlist/> })
        .forget();
    leptos::task::tick().await;
    assert_eq!(text_in(&root, ".audit-result h3"), "Policy 16: The strict allowlist, done right");
    assert_eq!(text_in(&root, ".no-findings"), "No findings: this policy passed every probe");
    assert!(root.query_selector(".findings").unwrap().is_none());
    assert_eq!(
        root.query_selector(".audit-result").unwrap().unwrap().get_attribute("data-findings").as_deref(),
        Some("0")
    );
}

#[wasm_bindgen_test]
async fn an_audit_of_another_policy_than_the_chosen_one_says_so() {
    let summary: AuditSummary = answer(200, STRICT).await.unwrap();
    let root = fresh_element();
    mount_to(root.clone(), move || view! { <AuditReport summary chosen=PolicyId::Wildcard/> }).forget();
    leptos::task::tick().await;
    assert!(
        text_in(&root, ".audit-result .problem").starts_with("The lab ran policy 16 while it was audited")
    );
}

#[wasm_bindgen_test]
async fn the_labs_refusal_is_the_message() {
    // The lab's answer to a POST without the token, as captured.
    let refused = r#"{"error":"missing or wrong X-Lab-Csrf token; read it from GET /__lab/state"}"#;
    let error = answer::<AuditSummary>(403, refused).await.unwrap_err();
    assert_eq!(error, "missing or wrong X-Lab-Csrf token; read it from GET /__lab/state");
    let error = answer::<AuditSummary>(502, "<html>Bad gateway</html>").await.unwrap_err();
    assert_eq!(error, "status 502: not JSON");
    let error = answer::<AuditSummary>(200, r#"{"policy": "no-such-policy"}"#).await.unwrap_err();
    assert!(!error.is_empty(), "a summary of the wrong shape is an error, not a panic");
}

#[wasm_bindgen_test]
async fn a_failed_audit_is_an_alert_and_the_button_comes_back() {
    // This page is not the lab's console: the panel's requests go to the test runner, which
    // has no `/__lab/state`, so the audit fails for real.
    let (root, chosen) = panel_on_a_lab_running_the_chosen_policy();
    leptos::task::tick().await;
    let run = button(&root);
    assert_eq!(run.text_content().as_deref(), Some("Audit this API"));
    assert_eq!(run.get_attribute("aria-busy").as_deref(), Some("false"));
    run.click();
    leptos::task::tick().await;
    assert_eq!(run.text_content().as_deref(), Some("Auditing…"));
    assert_eq!(run.get_attribute("aria-busy").as_deref(), Some("true"));
    // Busy, the button keeps the keyboard focus: it says it is disabled and ignores a click.
    assert_eq!(run.get_attribute("aria-disabled").as_deref(), Some("true"), "one audit at a time");
    run.click();
    leptos::task::tick().await;
    assert_eq!(run.text_content().as_deref(), Some("Auditing…"));

    assert!(wait_for(&root, "[role=alert]", 10_000).await, "no alert: {}", root.inner_html());
    assert!(text_in(&root, "[role=alert]").starts_with("The audit failed: "));
    assert_eq!(text_in(&root, "#audit-status"), "The audit did not run");
    assert_eq!(run.get_attribute("aria-busy").as_deref(), Some("false"));
    assert_eq!(run.get_attribute("aria-disabled").as_deref(), Some("false"));
    assert!(!run.has_attribute("disabled"));

    // Another policy: the old result goes.
    chosen.set(PolicyId::StrictAllowlist);
    leptos::task::tick().await;
    assert!(root.query_selector("[role=alert]").unwrap().is_none(), "{}", root.inner_html());
    assert_eq!(text_in(&root, "#audit-status"), "");
}

#[wasm_bindgen_test]
async fn an_answer_that_arrives_after_the_policy_changed_is_dropped() {
    let (root, chosen) = panel_on_a_lab_running_the_chosen_policy();
    leptos::task::tick().await;
    button(&root).click();
    chosen.set(PolicyId::StrictAllowlist);
    leptos::task::tick().await;
    assert_eq!(button(&root).get_attribute("aria-busy").as_deref(), Some("false"));
    // The same failing request shows its alert well within this time when nothing changes
    // (the test above); here it answers a question nobody asks any more.
    assert!(!wait_for(&root, "[role=alert]", 2_000).await, "a stale answer showed: {}", root.inner_html());
}

#[wasm_bindgen_test]
async fn the_button_waits_until_the_lab_runs_the_chosen_policy() {
    let root = fresh_element();
    let chosen = RwSignal::new(PolicyId::StrictAllowlist);
    let running = RwSignal::new(None);
    mount_to(root.clone(), move || view! { <AuditPanel chosen running/> }).forget();
    leptos::task::tick().await;
    assert!(button(&root).has_attribute("disabled"), "the console has not read the lab's state yet");
    assert_eq!(text_in(&root, "#audit-status"), "Waiting to hear which policy the lab runs");
    running.set(Some(PolicyId::ReflectAnyOrigin));
    leptos::task::tick().await;
    assert!(button(&root).has_attribute("disabled"), "the lab still runs the old policy");
    assert_eq!(text_in(&root, "#audit-status"), "The lab has not switched to this policy yet");
    running.set(Some(PolicyId::StrictAllowlist));
    leptos::task::tick().await;
    assert!(!button(&root).has_attribute("disabled"));
    assert_eq!(text_in(&root, "#audit-status"), "");
}
