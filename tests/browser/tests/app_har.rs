//! "Drop a HAR file" in the playground, mounted in a real browser: a Chromium export chosen in
//! the file input and a Firefox export dropped on the zone go through the browser's JSON parser
//! and the engine's reader, list their cross-origin exchanges and explain the chosen one; files
//! that are not HAR exports are named in an alert.

#![cfg(target_arch = "wasm32")]

use corslab_app::har_view::HarDrop;
use corslab_browser_tests::{fresh_element, sleep, text_in};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CHROMIUM: &str = include_str!("../../data/har/chromium.har");
const FIREFOX: &str = include_str!("../../data/har/firefox.har");

fn mounted() -> web_sys::HtmlElement {
    let root = fresh_element();
    mount_to(root.clone(), HarDrop).forget();
    root
}

/// A `DataTransfer` holding one file with `text` in it, as a drop or a file picker gives it.
fn transfer(text: &str, name: &str) -> web_sys::DataTransfer {
    let parts = js_sys::Array::of1(&text.into());
    let file = web_sys::File::new_with_str_sequence(&parts, name).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    transfer
}

/// Chooses a file in the input, as a person does: the files, then a `change` event.
fn choose(root: &web_sys::HtmlElement, text: &str, name: &str) {
    let input: web_sys::HtmlInputElement =
        root.query_selector("input[type=file]").unwrap().unwrap().unchecked_into();
    input.set_files(transfer(text, name).files().as_ref());
    input.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
}

/// Drops a file on the drop zone.
fn drop_on(root: &web_sys::HtmlElement, text: &str, name: &str) {
    let init = web_sys::DragEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_data_transfer(Some(&transfer(text, name)));
    let event = web_sys::DragEvent::new_with_event_init_dict("drop", &init).unwrap();
    root.query_selector(".har-drop").unwrap().unwrap().dispatch_event(&event).unwrap();
}

/// Waits, up to three seconds, for `css` to appear: reading a file is asynchronous.
async fn appears(root: &web_sys::HtmlElement, css: &str) -> web_sys::Element {
    for _ in 0..150 {
        if let Some(element) = root.query_selector(css).unwrap() {
            return element;
        }
        sleep(20).await;
    }
    panic!("no `{css}` after 3 s: {}", root.inner_html())
}

fn texts(root: &web_sys::HtmlElement, css: &str) -> Vec<String> {
    let list = root.query_selector_all(css).unwrap();
    (0..list.length()).map(|i| list.item(i).unwrap().text_content().unwrap_or_default()).collect()
}

#[wasm_bindgen_test]
async fn a_chromium_export_chosen_in_the_file_input_lists_its_fetches_and_explains_the_chosen_one() {
    let root = mounted();
    leptos::task::tick().await;
    let input = root.query_selector("input[type=file]").unwrap().unwrap();
    let label = root.query_selector(&format!("label[for={}]", input.id())).unwrap().unwrap();
    assert!(label.text_content().unwrap().contains("Save all as HAR"), "the input is labelled");

    choose(&root, CHROMIUM, "chromium.har");
    appears(&root, ".har-list").await;
    assert_eq!(text_in(&root, ".har-found"), "2 cross-origin requests in chromium.har");
    assert_eq!(
        texts(&root, ".har-item"),
        [
            "GET http://api.fintrack.localhost:8080/me/balance from http://free-crypto-giveaway.localhost:8080 blocked",
            "PUT http://api.fintrack.localhost:8080/me/email from http://free-crypto-giveaway.localhost:8080 allowed",
        ]
    );
    // The HAR came from Chromium, so it is explained for Chromium whichever browser runs the test.
    assert_eq!(text_in(&root, ".verdict .reason code"), "WildcardOriginNotAllowed");
    assert!(
        texts(&root, ".step.info").iter().any(|s| s.contains("credentials: include is assumed")),
        "what the HAR did not record comes first among the steps"
    );

    let second: web_sys::HtmlElement =
        root.query_selector_all(".har-item").unwrap().item(1).unwrap().unchecked_into();
    second.click();
    leptos::task::tick().await;
    assert_eq!(second.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert!(root.query_selector(".verdict.allowed").unwrap().is_some(), "{}", root.inner_html());
    assert!(text_in(&root, ".verdict .facts").contains("preflight sent"));
}

#[wasm_bindgen_test]
async fn a_firefox_export_dropped_on_the_zone_is_explained_for_firefox() {
    let root = mounted();
    leptos::task::tick().await;
    drop_on(&root, FIREFOX, "firefox.har");
    appears(&root, ".har-list").await;
    let items = texts(&root, ".har-item");
    assert_eq!(
        items.len(),
        3,
        "the preflight, the navigation and the redirect's second hop are not listed: {items:?}"
    );
    assert_eq!(
        items[0],
        "DELETE http://api.fintrack.localhost:8080/me/sessions from http://blog.fintrack.localhost:8080 blocked"
    );
    assert!(
        items[1].ends_with("/me/balance from http://blog.fintrack.localhost:8080 allowed"),
        "{}",
        items[1]
    );
    assert!(items[2].starts_with("GET http://api.fintrack.localhost:8080/old "), "{}", items[2]);
    assert_eq!(text_in(&root, ".verdict .reason code"), "CORSMethodNotFound");
    assert!(text_in(&root, ".verdict .facts").contains("request never sent"));
}

#[wasm_bindgen_test]
async fn files_that_are_not_har_exports_are_named_in_an_alert() {
    let only_same_origin = r#"{"log": {"entries": [{"request": {"url": "http://a.localhost/", "headers": [{"name": "Sec-Fetch-Mode", "value": "navigate"}]}, "response": {"status": 200}}]}}"#;
    let cases = [
        ("notes.txt", "not json at all", "This file is not JSON ("),
        ("exchange.json", r#"{"page": "http://a.localhost"}"#, "this JSON has no log object"),
        (
            "typed.har",
            r#"{"log": {"entries": [{"response": {"status": "ok"}}]}}"#,
            "does not have the shape of a HAR file (invalid type: string \"ok\"",
        ),
        ("page.har", only_same_origin, "the HAR holds no cross-origin request"),
        ("entries.har", r#"{"log": {"entries": "x"}}"#, "log.entries: a HAR file needs an entries array"),
        ("entry.har", r#"{"log": {"entries": [{"request": 1}]}}"#, "log.entries[0].request is not an object"),
    ];
    for (name, content, expected) in cases {
        let root = mounted();
        leptos::task::tick().await;
        choose(&root, content, name);
        let alert = appears(&root, "[role=alert]").await;
        let says = alert.text_content().unwrap_or_default();
        assert!(says.contains(expected), "{name}: {says}");
        assert!(root.query_selector(".har-list").unwrap().is_none(), "{name}: nothing is listed");
    }
}

/// Types `text` into the paste area, as a paste does.
fn paste(root: &web_sys::HtmlElement, text: &str) {
    let area: web_sys::HtmlTextAreaElement =
        root.query_selector("#har-text").unwrap().unwrap().unchecked_into();
    area.set_value(text);
    area.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn a_pasted_har_or_one_entry_copied_as_har_is_explained_too() {
    let root = mounted();
    leptos::task::tick().await;
    let area = root.query_selector("#har-text").unwrap().unwrap();
    let label = root.query_selector("label[for=har-text]").unwrap().unwrap();
    assert!(label.text_content().unwrap().contains("Copy as HAR"), "{}", area.outer_html());

    // Chromium's "Copy as HAR" for one request: the entry alone, with no log around it.
    let har = js_sys::JSON::parse(CHROMIUM).unwrap();
    let entries =
        js_sys::Reflect::get(&js_sys::Reflect::get(&har, &"log".into()).unwrap(), &"entries".into()).unwrap();
    let balance = js_sys::Reflect::get_u32(&entries, 1).unwrap();
    paste(&root, &String::from(js_sys::JSON::stringify(&balance).unwrap()));
    leptos::task::tick().await;
    assert_eq!(text_in(&root, ".har-found"), "1 cross-origin request in the pasted HAR");
    assert_eq!(
        texts(&root, ".har-item"),
        [
            "GET http://api.fintrack.localhost:8080/me/balance from http://free-crypto-giveaway.localhost:8080 blocked"
        ]
    );
    assert_eq!(text_in(&root, ".verdict .reason code"), "WildcardOriginNotAllowed");

    // "Copy all as HAR": the whole log.
    paste(&root, CHROMIUM);
    leptos::task::tick().await;
    assert_eq!(text_in(&root, ".har-found"), "2 cross-origin requests in the pasted HAR");

    paste(&root, "{\"request\": ");
    leptos::task::tick().await;
    assert!(text_in(&root, "[role=alert]").starts_with("The pasted text is not JSON ("));
    assert!(root.query_selector(".har-list").unwrap().is_none());
    paste(&root, " ");
    leptos::task::tick().await;
    assert!(root.query_selector("[role=alert]").unwrap().is_none(), "an emptied area clears the alert");
}
