//! The playground, mounted in a real browser: typing headers re-explains at once, problems are
//! named by field and line, the URL follows every change, and a whole pasted message fills the
//! fields it speaks of.

#![cfg(target_arch = "wasm32")]

use corslab_app::playground::Playground;
use corslab_app::run::this_browser;
use corslab_browser_tests::{fresh_element, text_in};
use corslab_engine::Browser;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The playground mounted in a fresh element, and a guard that puts the page's URL back when
/// the test ends, as the playground writes its state there.
async fn playground() -> (web_sys::HtmlElement, UrlBack) {
    let url = UrlBack(web_sys::window().unwrap().location().href().unwrap());
    let root = fresh_element();
    mount_to(root.clone(), Playground).forget();
    leptos::task::tick().await;
    (root, url)
}

struct UrlBack(String);

impl Drop for UrlBack {
    fn drop(&mut self) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&self.0));
        }
    }
}

/// Types `value` into the field with id `id`, as a person would: the value, then an `input` event.
fn type_into(root: &web_sys::HtmlElement, id: &str, value: &str) {
    let field: web_sys::HtmlTextAreaElement =
        root.query_selector(&format!("#{id}")).unwrap().unwrap().unchecked_into();
    field.set_value(value);
    field.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn editing_the_response_headers_re_explains_and_keeps_the_url() {
    let (root, _url) = playground().await;
    assert!(root.query_selector(".verdict.allowed").unwrap().is_some(), "the default exchange is allowed");

    type_into(&root, "pg-h", "Access-Control-Allow-Origin: *");
    leptos::task::tick().await;
    let expected = match this_browser() {
        Browser::Firefox => "CORSNotSupportingCredentials",
        _ => "WildcardOriginNotAllowed",
    };
    assert_eq!(text_in(&root, ".verdict .reason code"), expected);
    let search = web_sys::window().unwrap().location().search().unwrap();
    assert!(search.contains("h=Access-Control-Allow-Origin:%20%2A"), "the URL holds the state: {search}");

    type_into(&root, "pg-h", "no colon here");
    leptos::task::tick().await;
    assert_eq!(text_in(&root, ".problem li"), "Response: headers, line 1 has no colon");
}

/// The value of the text field or area with id `id`.
fn value_of(root: &web_sys::HtmlElement, id: &str) -> String {
    let field = root.query_selector(&format!("#{id}")).unwrap().unwrap();
    match field.dyn_into::<web_sys::HtmlInputElement>() {
        Ok(input) => input.value(),
        Err(other) => other.unchecked_into::<web_sys::HtmlTextAreaElement>().value(),
    }
}

/// The value chosen in the choice bound to the URL key `key`.
fn choice(root: &web_sys::HtmlElement, key: &str) -> String {
    let select = root.query_selector(&format!("select[data-key={key}]")).unwrap().unwrap();
    select.unchecked_into::<web_sys::HtmlSelectElement>().value()
}

/// Pastes `text` into the request field; the fields it fills: the method, the URL, the page
/// origin and the script's headers.
async fn paste_request(root: &web_sys::HtmlElement, text: &str) -> [String; 4] {
    type_into(root, "pg-rh", text);
    leptos::task::tick().await;
    ["pg-m", "pg-url", "pg-page", "pg-rh"].map(|id| value_of(root, id))
}

#[wasm_bindgen_test]
async fn a_pasted_request_and_response_head_fill_their_fields() {
    let (root, _url) = playground().await;

    // As Firefox's raw view shows a request: the browser's own headers must not count as the script's.
    let request = "PUT /me/email HTTP/1.1\r\nHost: api.fintrack.localhost:8080\r\nUser-Agent: Mozilla/5.0\r\n\
                   Accept: */*\r\nContent-Type: application/json\r\nOrigin: http://blog.fintrack.localhost:8080\r\n\
                   Cookie: session=abc\r\nSec-Fetch-Mode: cors\r\nPriority: u=4\r\n";
    assert_eq!(
        paste_request(&root, request).await,
        [
            "PUT",
            "http://api.fintrack.localhost:8080/me/email",
            "http://blog.fintrack.localhost:8080",
            "Content-Type: application/json"
        ]
    );
    let said = text_in(&root, ".pasted");
    assert!(said.contains("Host, User-Agent, Accept, Origin, Cookie, Sec-Fetch-Mode, Priority"), "{said}");

    // The preflight's whole head, as curl -v traces it.
    let preflight = "* connected\n> OPTIONS /me/email HTTP/1.1\n> \n< HTTP/1.1 403 Forbidden\n\
                     < Access-Control-Allow-Origin: http://blog.fintrack.localhost:8080\n\
                     < Access-Control-Allow-Credentials: true\n<\n";
    type_into(&root, "pg-ph", preflight);
    leptos::task::tick().await;
    assert_eq!(value_of(&root, "pg-ps"), "403");
    assert_eq!(
        value_of(&root, "pg-ph"),
        "Access-Control-Allow-Origin: http://blog.fintrack.localhost:8080\nAccess-Control-Allow-Credentials: true"
    );
    let expected = match this_browser() {
        Browser::Firefox => "CORSPreflightDidNotSucceed",
        _ => "PreflightInvalidStatus",
    };
    assert_eq!(text_in(&root, ".verdict .reason code"), expected);
    let search = web_sys::window().unwrap().location().search().unwrap();
    assert!(search.contains("ps=403") && search.contains("m=PUT"), "the URL holds the state: {search}");
}

#[wasm_bindgen_test]
async fn a_pasted_preflight_asks_for_the_headers_it_names() {
    let (root, _url) = playground().await;
    let preflight = ":method: OPTIONS\n:authority: api.example\n:scheme: https\n:path: /items\n\
                     access-control-request-method: DELETE\naccess-control-request-headers: x-token\n\
                     origin: https://app.example";
    type_into(&root, "pg-rh", preflight);
    leptos::task::tick().await;
    assert_eq!(value_of(&root, "pg-m"), "DELETE");
    assert_eq!(value_of(&root, "pg-url"), "https://api.example/items");
    assert_eq!(value_of(&root, "pg-rh"), "");
    let said = text_in(&root, ".pasted");
    assert!(said.starts_with("Read as a preflight") && said.contains("(x-token)"), "{said}");
}

#[wasm_bindgen_test]
async fn a_whole_curl_trace_fills_the_answer_too_a_preflights_in_the_preflight_fields() {
    let (root, _url) = playground().await;
    // What `curl -v … 2>&1` wrote against the lab, progress meter and body included.
    let trace = include_str!("../../data/curl/reflected-with-cookie.txt");
    assert_eq!(
        paste_request(&root, trace).await,
        [
            "GET",
            "http://api.fintrack.localhost:8080/me/balance?policy=reflect-any-origin",
            "http://blog.fintrack.localhost:8080",
            ""
        ]
    );
    assert_eq!(value_of(&root, "pg-s"), "401");
    assert!(value_of(&root, "pg-h").starts_with(
        "content-type: application/json\naccess-control-allow-origin: http://blog.fintrack.localhost:8080\n"
    ));
    assert!(text_in(&root, ".pasted").contains("Its answer (status 401) went to the response fields."));

    // A preflight's answer is the preflight's.
    let preflight = include_str!("../../data/curl/preflight-then-put.txt");
    type_into(&root, "pg-rh", preflight);
    leptos::task::tick().await;
    assert_eq!(value_of(&root, "pg-m"), "PUT");
    assert_eq!(value_of(&root, "pg-ps"), "204");
    assert!(text_in(&root, ".pasted").contains("Its answer (status 204) went to the preflight fields."));
}

#[wasm_bindgen_test]
async fn a_request_copied_as_fetch_sets_its_mode_and_credentials_too() {
    let (root, _url) = playground().await;
    // As Chromium copies a request ("Copy as fetch"): the browser's own headers among the script's.
    let chromium = r#"fetch("http://api.fintrack.localhost:8080/me/email", {
  "headers": {
    "accept": "*/*",
    "content-type": "text/plain;charset=UTF-8",
    "sec-ch-ua-mobile": "?0",
    "x-csrf": "1"
  },
  "referrer": "http://blog.fintrack.localhost:8080/",
  "referrerPolicy": "strict-origin-when-cross-origin",
  "body": "{}",
  "method": "POST",
  "mode": "cors",
  "credentials": "omit"
});"#;
    assert_eq!(
        paste_request(&root, chromium).await,
        [
            "POST",
            "http://api.fintrack.localhost:8080/me/email",
            "http://blog.fintrack.localhost:8080",
            "content-type: text/plain;charset=UTF-8\nx-csrf: 1"
        ]
    );
    assert_eq!(choice(&root, "cred"), "omit");
    let said = text_in(&root, ".pasted");
    assert!(said.contains("Copy as fetch") && said.contains("accept, sec-ch-ua-mobile"), "{said}");

    // Firefox's copy awaits the call and leaves the method out of a GET; no credentials named
    // means fetch()'s default.
    let firefox =
        "await fetch(\"http://api.fintrack.localhost:8080/me/balance\", {\n    \"headers\": {}\n});";
    type_into(&root, "pg-rh", firefox);
    leptos::task::tick().await;
    assert_eq!(value_of(&root, "pg-m"), "GET");
    assert_eq!(choice(&root, "cred"), "same-origin");
    assert_eq!(value_of(&root, "pg-rh"), "");

    // Chromium's "Copy as fetch (Node.js)": the mode written is always "cors", and no
    // credentials; the headers tell them: Sec-Fetch-Mode, and a cookie sent to another origin
    // than the referrer's.
    let node = r#"fetch("http://api.fintrack.localhost:8080/me/balance", {
  "headers": {
    "accept": "*/*",
    "cookie": "session=abc",
    "sec-fetch-mode": "no-cors",
    "Referer": "http://blog.fintrack.localhost:8080/"
  },
  "body": null,
  "method": "GET",
  "mode": "cors"
});"#;
    assert_eq!(
        paste_request(&root, node).await,
        ["GET", "http://api.fintrack.localhost:8080/me/balance", "http://blog.fintrack.localhost:8080", ""]
    );
    assert_eq!((choice(&root, "mode"), choice(&root, "cred")), ("no-cors".to_owned(), "include".to_owned()));
}

#[wasm_bindgen_test]
async fn a_request_copied_as_curl_fills_the_fields_and_a_broken_one_says_why() {
    let (root, _url) = playground().await;
    // As Chromium copies a request on Linux ("Copy as cURL (bash)"): cookies go in `-b`, and a
    // body with a quote in it is ANSI-C quoted.
    let chromium = "curl 'http://api.fintrack.localhost:8080/me/email' \\\n  -X 'PUT' \\\n  \
                    -H 'accept: */*' \\\n  -H 'content-type: application/json' \\\n  \
                    -b 'session=abc' \\\n  -H 'origin: http://blog.fintrack.localhost:8080' \\\n  \
                    -H 'sec-fetch-mode: cors' \\\n  -H 'x-csrf: 1' \\\n  \
                    --data-raw $'{\"memo\":\"it\\'s\"}'";
    assert_eq!(
        paste_request(&root, chromium).await,
        [
            "PUT",
            "http://api.fintrack.localhost:8080/me/email",
            "http://blog.fintrack.localhost:8080",
            "content-type: application/json\nx-csrf: 1"
        ]
    );
    assert_eq!(choice(&root, "cred"), "include", "cookies sent cross-origin show credentials: include");
    let said = text_in(&root, ".pasted");
    assert!(said.starts_with("Read as a cURL command") && said.contains("accept, Cookie, origin"), "{said}");

    // A command cut short keeps its text, and the note says what is wrong.
    type_into(&root, "pg-rh", "curl 'http://api.fintrack.localhost:8080/me/balance' -H 'x-a: 1");
    leptos::task::tick().await;
    assert_eq!(value_of(&root, "pg-rh"), "curl 'http://api.fintrack.localhost:8080/me/balance' -H 'x-a: 1");
    let said = text_in(&root, ".pasted");
    assert_eq!(
        said,
        "This is a cURL command, but a ' quote in it never closes; copy the whole command again."
    );

    // A HAR belongs in the HAR panel, and the note says where.
    type_into(&root, "pg-rh", "{\"log\": {\"entries\": []}}");
    leptos::task::tick().await;
    assert_eq!(
        text_in(&root, ".pasted"),
        "This looks like a HAR: paste it under \"From a HAR file\", above."
    );

    // Chromium's "Copy as PowerShell" is not read, and the note names the copies that are.
    let powershell = "$session = New-Object Microsoft.PowerShell.Commands.WebRequestSession\n\
                      Invoke-WebRequest -UseBasicParsing -Uri \"http://api.fintrack.localhost:8080/me/balance\" `\n\
                      -WebSession $session";
    type_into(&root, "pg-rh", powershell);
    leptos::task::tick().await;
    assert_eq!(
        text_in(&root, ".pasted"),
        "This is a PowerShell command, which the playground does not read: copy the request as cURL (cmd) or as fetch instead."
    );
}
