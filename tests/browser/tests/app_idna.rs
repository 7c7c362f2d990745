//! Unicode host names reach the engine the way this browser sends them: the release build's
//! `url` crate knows only ASCII names, so the app converts them with the browser's URL parser.

#![cfg(target_arch = "wasm32")]

use corslab_app::idna::{ascii_exchange, ascii_origin, ascii_url};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn unicode_hosts_become_the_punycode_this_browser_sends() {
    assert_eq!(ascii_url("http://bücher.example/me?x=1"), "http://xn--bcher-kva.example/me?x=1");
    assert_eq!(ascii_origin("https://bücher.example:8443"), "https://xn--bcher-kva.example:8443");
    assert_eq!(ascii_origin("HTTPS://Bücher.Example"), "https://xn--bcher-kva.example");
}

#[wasm_bindgen_test]
fn ascii_input_and_null_are_left_alone() {
    // The browser would add a trailing slash; the engine, not the app, decides what ASCII means.
    assert_eq!(ascii_url("http://api.fintrack.localhost:8080"), "http://api.fintrack.localhost:8080");
    assert_eq!(ascii_origin("null"), "null");
    assert_eq!(ascii_url("not a url ü"), "not a url ü", "unparsable input is left for the engine to name");
}

#[wasm_bindgen_test]
fn the_explain_export_sees_ascii_hosts() {
    let exchange = js_sys::JSON::parse(
        r#"{"page": "http://bücher.example", "request": {"url": "http://api.bücher.example/x"},
            "response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "http://xn--bcher-kva.example"]]}}"#,
    )
    .unwrap();
    ascii_exchange(&exchange);
    let page = js_sys::Reflect::get(&exchange, &JsValue::from_str("page")).unwrap();
    assert_eq!(page.as_string().as_deref(), Some("http://xn--bcher-kva.example"));
    let verdict = corslab_app::explain(exchange).unwrap();
    let read = js_sys::Reflect::get(&verdict, &JsValue::from_str("read")).unwrap();
    assert_eq!(read.as_string().as_deref(), Some("allowed"), "the ACAO names the punycode origin");
}
