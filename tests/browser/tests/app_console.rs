//! Pieces of the console and the attacker pages, mounted in a real browser: the attack options
//! write the scenario, the policy card switches frameworks, and the story bar links its steps.

#![cfg(target_arch = "wasm32")]

use corslab_app::attack::AttackOptions;
use corslab_app::net;
use corslab_app::policy_view::{PolicyCard, PolicyDetails};
use corslab_app::scenario::{Kind, Position, Scenario};
use corslab_app::story::{STEPS, StoryBar};
use corslab_browser_tests::{fresh_element, lab_url, sleep};
use corslab_engine::exchange::CredentialsMode;
use corslab_lab::PolicyId;
use corslab_lab::catalog::EntryText;
use corslab_lab::hosts::CONSOLE;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Chooses `value` in the `n`th `<select>` and fires `change`, as a person would.
fn choose(root: &web_sys::HtmlElement, n: u32, value: &str) {
    let select: web_sys::HtmlSelectElement =
        root.query_selector_all("select").unwrap().item(n).unwrap().unchecked_into();
    select.set_value(value);
    select.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn the_attack_options_write_the_scenario() {
    let root = fresh_element();
    let scenario = RwSignal::new(Scenario::default());
    mount_to(root.clone(), move || view! { <AttackOptions home=Position::CrossSite scenario/> }).forget();
    leptos::task::tick().await;
    // On the giveaway the first choice is the frame: the page itself or a sandboxed iframe.
    choose(&root, 0, "null");
    choose(&root, 1, "put");
    choose(&root, 2, "omit");
    choose(&root, 3, "null-trusted");
    leptos::task::tick().await;
    let s = scenario.get_untracked();
    assert_eq!(s.from, Position::NullOrigin);
    assert_eq!(s.kind, Kind::Put);
    assert_eq!(s.credentials, CredentialsMode::Omit);
    assert_eq!(s.policy, PolicyId::NullTrusted);
}

#[wasm_bindgen_test]
async fn the_policy_card_says_it_is_loading_then_alerts_when_the_catalog_is_unreadable() {
    // The test page's own origin serves no `/__lab/catalog`, so the fetch gets a 404.
    let root = fresh_element();
    mount_to(root.clone(), || view! { <PolicyCard policy=PolicyId::ReflectAnyOrigin/> }).forget();
    let status = root.query_selector("[role=status]").unwrap().unwrap().text_content().unwrap();
    assert!(status.starts_with("Loading"), "{status}");
    for _ in 0..100 {
        leptos::task::tick().await;
        if root.query_selector("[role=alert]").unwrap().is_some() {
            break;
        }
        sleep(50).await;
    }
    let alert = root.query_selector("[role=alert]").unwrap().expect("an alert once the fetch fails");
    assert!(
        alert.text_content().unwrap().contains("catalog could not be read"),
        "{:?}",
        alert.text_content()
    );
    assert!(root.query_selector(".policy-card").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_policy_card_shows_the_faulty_code_then_the_fix_per_framework() {
    // The words as the lab serves them, read the way the app reads them.
    let all: Vec<EntryText> = net::get_json(&lab_url(CONSOLE, "/__lab/catalog")).await.unwrap();
    let pick = |id: PolicyId| all.iter().find(|e| e.id == id).cloned().unwrap();
    let (entry, fix) = (pick(PolicyId::ReflectAnyOrigin), pick(PolicyId::StrictAllowlist).code);
    let root = fresh_element();
    mount_to(root.clone(), move || view! { <PolicyDetails entry fix=Some(fix)/> }).forget();
    leptos::task::tick().await;
    let labels: Vec<String> = (0..2)
        .map(|i| root.query_selector_all(".code-label").unwrap().item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(labels, ["The faulty code", "The fix"]);
    let code = root.query_selector(".code").unwrap().unwrap();
    let axum = code.text_content().unwrap();
    let express: web_sys::HtmlElement =
        root.query_selector_all("[role=tab]").unwrap().item(1).unwrap().unchecked_into();
    express.click();
    leptos::task::tick().await;
    assert_eq!(express.get_attribute("aria-selected").as_deref(), Some("true"));
    assert_ne!(code.text_content().unwrap(), axum, "the Express tab shows other code");

    // The arrows move between tabs and take the focus along.
    let right = web_sys::KeyboardEventInit::new();
    right.set_key("ArrowRight");
    right.set_bubbles(true);
    express
        .dispatch_event(
            &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &right).unwrap(),
        )
        .unwrap();
    leptos::task::tick().await;
    let tabs = root.query_selector_all("[role=tab]").unwrap();
    let flask: web_sys::HtmlElement = tabs.item(2).unwrap().unchecked_into();
    assert_eq!(flask.get_attribute("aria-selected").as_deref(), Some("true"));
    assert_eq!(flask.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(express.get_attribute("tabindex").as_deref(), Some("-1"));
    let focused = web_sys::window().unwrap().document().unwrap().active_element();
    assert_eq!(focused.as_ref().and_then(|e| e.text_content()).as_deref(), Some("Flask"));
}

#[wasm_bindgen_test]
async fn the_story_bar_links_the_neighbouring_steps() {
    let root = fresh_element();
    mount_to(root.clone(), || view! { <StoryBar n=2 step=&STEPS[2]/> }).forget();
    leptos::task::tick().await;
    let href = |css: &str| root.query_selector(css).unwrap().unwrap().get_attribute("href").unwrap();
    assert!(href(".story-prev").contains("fintrack.localhost") && href(".story-prev").contains("story=1"));
    assert!(
        href(".story-next").contains("blog.fintrack.localhost") && href(".story-next").contains("story=3")
    );
    assert_eq!(
        root.query_selector("[data-story-step]")
            .unwrap()
            .unwrap()
            .get_attribute("data-story-step")
            .as_deref(),
        Some("2")
    );
}
