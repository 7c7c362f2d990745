//! The explain panel and the agreement badge, mounted in a real browser: what a learner sees
//! for a blocked credentialed read, and how loudly a disagreement shows.

#![cfg(target_arch = "wasm32")]

use corslab_app::explain_panel::{AgreementBadge, ExplainPanel};
use corslab_app::run::explain_only;
use corslab_browser_tests::{fresh_element, text_in};
use corslab_engine::Exchange;
use corslab_lab::observe::{Agreement, Check, Checked};
use leptos::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn wildcard_with_credentials(browser: &str) -> Exchange {
    Exchange::from_json(&format!(
        r#"{{ "browser": "{browser}", "page": "http://free-crypto-giveaway.localhost:8080",
             "request": {{ "url": "http://api.fintrack.localhost:8080/me/balance", "credentials": "include" }},
             "response": {{ "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]] }} }}"#
    ))
    .unwrap()
}

#[wasm_bindgen_test]
async fn a_blocked_read_shows_its_reason_steps_diagram_and_both_console_lines() {
    let root = fresh_element();
    let explained = explain_only(wildcard_with_credentials("chromium"), false);
    mount_to(root.clone(), move || view! { <ExplainPanel explained/> }).forget();
    leptos::task::tick().await;

    assert!(root.query_selector(".verdict.blocked").unwrap().is_some(), "{}", root.inner_html());
    assert_eq!(text_in(&root, ".verdict .reason code"), "WildcardOriginNotAllowed");
    assert!(root.query_selector(".step.fail").unwrap().is_some(), "a failing step is marked");
    let spec = root.query_selector(".step .spec").unwrap().unwrap().get_attribute("href").unwrap();
    assert!(spec.starts_with("https://"), "steps link their spec: {spec}");

    let svg = root.query_selector("svg.sequence-svg").unwrap().unwrap();
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    let label = svg.get_attribute("aria-label").unwrap();
    assert!(label.contains("TypeError"), "the diagram says the read is blocked: {label}");
    assert_eq!(
        svg.query_selector_all(".msg").unwrap().length(),
        2,
        "no preflight: one request, one response"
    );

    let consoles = root.query_selector_all(".console").unwrap();
    assert_eq!(consoles.length(), 2, "Chromium's and Firefox's console lines");
    let all = root.text_content().unwrap();
    assert!(all.contains("has been blocked by CORS policy"), "Chromium's words");
    assert!(all.contains("Cross-Origin Request Blocked"), "Firefox's words");
    assert!(root.query_selector("[data-agreement]").unwrap().is_none(), "nothing ran: no badge");
}

#[wasm_bindgen_test]
async fn a_fetch_held_for_the_permission_prompt_is_pending_not_a_type_error() {
    let root = fresh_element();
    let exchange = Exchange::from_json(
        r#"{ "browser": "firefox", "page": "https://public.example",
             "request": { "url": "http://127.0.0.1:8080/api" },
             "response": { "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]] } }"#,
    )
    .unwrap();
    let explained = explain_only(exchange, false);
    mount_to(root.clone(), move || view! { <ExplainPanel explained/> }).forget();
    leptos::task::tick().await;

    let headline = text_in(&root, ".verdict.pending .headline");
    assert!(headline.starts_with("Pending"), "{headline}");
    assert!(!headline.contains("gets a TypeError"), "{headline}");
    let label =
        root.query_selector("svg.sequence-svg").unwrap().unwrap().get_attribute("aria-label").unwrap();
    assert!(label.contains("fetch pending") && !label.contains("TypeError"), "{label}");
}

#[wasm_bindgen_test]
async fn a_preflighted_write_draws_the_preflight_first() {
    let root = fresh_element();
    let exchange = Exchange::from_json(
        r#"{ "page": "http://blog.fintrack.localhost:8080",
             "request": { "method": "PUT", "url": "http://api.fintrack.localhost:8080/me/email",
                          "headers": [["Content-Type", "application/json"]], "credentials": "include" },
             "preflight": { "status": 204, "headers": [["Access-Control-Allow-Origin", "http://blog.fintrack.localhost:8080"],
                            ["Access-Control-Allow-Credentials", "true"], ["Access-Control-Allow-Methods", "GET, POST"]] },
             "response": { "status": 200 } }"#,
    )
    .unwrap();
    let explained = explain_only(exchange, false);
    mount_to(root.clone(), move || view! { <ExplainPanel explained/> }).forget();
    leptos::task::tick().await;

    let messages = root.query_selector_all(".msg").unwrap();
    let first = messages.item(0).unwrap().text_content().unwrap();
    assert!(first.starts_with("OPTIONS"), "the preflight goes first: {first}");
    assert!(root.query_selector(".msg.failed").unwrap().is_some(), "the preflight's answer failed");
    assert!(root.query_selector(".msg.never").unwrap().is_some(), "the PUT is never sent");
    assert_eq!(text_in(&root, ".verdict .reason code"), "MethodDisallowedByPreflightResponse");
}

#[wasm_bindgen_test]
async fn a_redirect_draws_each_hop_with_the_origin_it_really_carries() {
    let root = fresh_element();
    // The API redirects within its own origin (Origin unchanged), then to its other port (from
    // then on the request's Origin is null).
    let exchange = Exchange::from_json(
        r#"{ "page": "http://free-crypto-giveaway.localhost:8080",
             "request": { "url": "http://api.fintrack.localhost:8080/redirect?to=same&run=r1" },
             "response": { "status": 302, "headers": [["Location", "/me/balance?run=r1"], ["Access-Control-Allow-Origin", "*"]] },
             "next": { "response": { "status": 307, "headers": [["Location", "http://api.fintrack.localhost:8081/me/balance?run=r1"],
                                                                ["Access-Control-Allow-Origin", "*"]] },
                       "next": { "response": { "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]] } } } }"#,
    )
    .unwrap();
    let explained = explain_only(exchange, false);
    mount_to(root.clone(), move || view! { <ExplainPanel explained/> }).forget();
    leptos::task::tick().await;

    let messages = root.query_selector_all(".msg").unwrap();
    let text = |i| messages.item(i).unwrap().text_content().unwrap();
    assert_eq!(messages.length(), 6, "three requests, three answers");
    // Paths without their queries, so each label fits between the lifelines.
    let page = "Origin: http://free-crypto-giveaway.localhost:8080";
    assert!(text(0).starts_with("GET /redirect · ") && text(0).contains(page), "{}", text(0));
    assert!(
        text(2).starts_with("GET /me/balance · ") && text(2).contains(page),
        "same origin, same Origin: {}",
        text(2)
    );
    assert!(
        text(4).starts_with("GET http://api.fintrack.localhost:8081/me/balance · Origin: null"),
        "another origin: null, and the full URL: {}",
        text(4)
    );
    assert!(root.query_selector(".msg.failed").unwrap().is_none(), "the read is allowed");
}

#[wasm_bindgen_test]
async fn a_disagreement_is_an_alert_that_names_the_differing_fact() {
    let root = fresh_element();
    let agreement = Agreement {
        agrees: false,
        checks: vec![
            Check {
                what: Checked::RequestSent,
                predicted: "yes".into(),
                observed: "yes".into(),
                agrees: true,
            },
            Check {
                what: Checked::CookiesSent,
                predicted: "(none)".into(),
                observed: "session".into(),
                agrees: false,
            },
        ],
    };
    mount_to(root.clone(), move || view! { <AgreementBadge agreement browser="Firefox" jar_known=true/> })
        .forget();
    leptos::task::tick().await;

    let badge = root.query_selector("[data-agreement]").unwrap().unwrap();
    assert_eq!(badge.get_attribute("data-agreement").as_deref(), Some("disagree"));
    assert_eq!(badge.get_attribute("role").as_deref(), Some("alert"));
    assert!(badge.text_content().unwrap().contains("DISAGREEMENT"));
    assert_eq!(text_in(&root, "tr.differs th"), "Cookies on each request");
    assert!(root.query_selector("details").unwrap().is_none(), "a disagreement is never folded away");
}

#[wasm_bindgen_test]
async fn an_agreement_is_a_quiet_status() {
    let root = fresh_element();
    let agreement = Agreement {
        agrees: true,
        checks: vec![Check {
            what: Checked::Read,
            predicted: "no".into(),
            observed: "no".into(),
            agrees: true,
        }],
    };
    mount_to(root.clone(), move || view! { <AgreementBadge agreement browser="Chromium" jar_known=true/> })
        .forget();
    leptos::task::tick().await;
    let badge = root.query_selector("[data-agreement]").unwrap().unwrap();
    assert_eq!(badge.get_attribute("data-agreement").as_deref(), Some("agree"));
    assert_eq!(badge.get_attribute("role").as_deref(), Some("status"));
}

/// The page was told of no cookie, and the server saw one: the page's missing input, said as
/// such; a difference in any other fact stays a disagreement.
#[wasm_bindgen_test]
async fn cookies_the_page_was_not_told_of_are_not_blamed_on_the_engine() {
    let check = |what, predicted: &str, observed: &str| Check {
        what,
        predicted: predicted.into(),
        observed: observed.into(),
        agrees: predicted == observed,
    };
    for (read, expected) in [("no", "unknown-jar"), ("yes", "disagree")] {
        let root = fresh_element();
        let agreement = Agreement {
            agrees: false,
            checks: vec![check(Checked::CookiesSent, "(none)", "session"), check(Checked::Read, "no", read)],
        };
        mount_to(
            root.clone(),
            move || view! { <AgreementBadge agreement browser="Chromium" jar_known=false/> },
        )
        .forget();
        leptos::task::tick().await;
        let badge = root.query_selector("[data-agreement]").unwrap().unwrap();
        assert_eq!(badge.get_attribute("data-agreement").as_deref(), Some(expected), "read {read}");
    }
}
