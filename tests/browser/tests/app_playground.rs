//! The playground, mounted in a real browser: typing headers re-explains at once, problems are
//! named by field and line, and the URL follows every change.

#![cfg(target_arch = "wasm32")]

use corslab_app::playground::Playground;
use corslab_app::run::this_browser;
use corslab_browser_tests::{fresh_element, text_in};
use corslab_engine::Browser;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Types `value` into the field with id `id`, as a person would: the value, then an `input` event.
fn type_into(root: &web_sys::HtmlElement, id: &str, value: &str) {
    let field: web_sys::HtmlTextAreaElement =
        root.query_selector(&format!("#{id}")).unwrap().unwrap().unchecked_into();
    field.set_value(value);
    field.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn editing_the_response_headers_re_explains_and_keeps_the_url() {
    let window = web_sys::window().unwrap();
    let before = window.location().href().unwrap();
    let root = fresh_element();
    mount_to(root.clone(), Playground).forget();
    leptos::task::tick().await;
    assert!(root.query_selector(".verdict.allowed").unwrap().is_some(), "the default exchange is allowed");

    type_into(&root, "pg-h", "Access-Control-Allow-Origin: *");
    leptos::task::tick().await;
    let expected = match this_browser() {
        Browser::Firefox => "CORSNotSupportingCredentials",
        _ => "WildcardOriginNotAllowed",
    };
    assert_eq!(text_in(&root, ".verdict .reason code"), expected);
    let search = window.location().search().unwrap();
    assert!(search.contains("h=Access-Control-Allow-Origin:%20%2A"), "the URL holds the state: {search}");

    type_into(&root, "pg-h", "no colon here");
    leptos::task::tick().await;
    assert_eq!(text_in(&root, ".problem li"), "Response: headers, line 1 has no colon");

    window
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .unwrap();
}
