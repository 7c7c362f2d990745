//! Helpers for tests that run inside a real browser page: real `fetch()` calls to the lab
//! server that `cargo xtask test` starts, and reads of what that server recorded.
//!
//! The lab's port is fixed at compile time by `CORSLAB_LAB_PORT` (the harness sets it); the test
//! page itself is served by wasm-bindgen-test-runner from `http://127.0.0.1:<port>`, an origin
//! cross-site to every lab host.

use corslab_engine::exchange::{Answer, CredentialsMode, Request};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange};
use corslab_lab::seen::{LogPage, Seen};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// The port of the lab server under test.
pub const LAB_PORT: &str = match option_env!("CORSLAB_LAB_PORT") {
    Some(port) => port,
    None => "8080",
};

/// A fresh `<div>` at the end of the test page's body, to mount one component into.
pub fn fresh_element() -> web_sys::HtmlElement {
    let document = web_sys::window().and_then(|w| w.document()).expect("a test page has a document");
    let element: web_sys::HtmlElement =
        document.create_element("div").expect("a div can be created").unchecked_into();
    document.body().expect("the test page has a body").append_child(&element).expect("the div is appended");
    element
}

/// The text of the first element matching `css` inside `root`; panics naming the selector and
/// showing `root`'s HTML when nothing matches.
pub fn text_in(root: &web_sys::HtmlElement, css: &str) -> String {
    root.query_selector(css)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no `{css}`: {}", root.inner_html()))
        .text_content()
        .unwrap_or_default()
}

/// `http://<host>:<LAB_PORT><path>`.
pub fn lab_url(host: &str, path: &str) -> String {
    format!("http://{host}:{LAB_PORT}{path}")
}

/// A run id unique to this test and moment, so log reads see only this test's requests.
pub fn run_id(test: &str) -> String {
    format!("{test}-{}-{}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e9) as u64)
}

/// The origin of the test page.
pub fn page_origin() -> Origin {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    Origin::parse(&origin).unwrap_or_else(|_| Origin::opaque())
}

/// The browser running this test, from its user agent.
pub fn browser() -> Browser {
    let agent = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    if agent.contains("Firefox/") { Browser::Firefox } else { Browser::Chromium }
}

/// Runs `fetch(url, { credentials })`: the response, or the value the promise rejected with.
pub async fn fetch(url: &str, credentials: RequestCredentials) -> Result<Response, JsValue> {
    let init = RequestInit::new();
    init.set_credentials(credentials);
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?;
    response.dyn_into::<Response>()
}

/// The body of a response as text.
pub async fn text(response: &Response) -> Result<String, JsValue> {
    let text = JsFuture::from(response.text()?).await?;
    text.as_string().ok_or_else(|| JsValue::from_str("body is not text"))
}

/// What the lab server recorded for a run (read cross-origin: the harness names this page's
/// origin with `--harness-origin`).
pub async fn server_log(run: &str) -> Result<LogPage, String> {
    lab_json(&format!("/__lab/log?run={run}")).await
}

/// The Exchange for a GET with `credentials` from this page to `url`, answered as the server
/// recorded in `seen`.
pub fn exchange_for(url: &str, credentials: CredentialsMode, seen: &Seen) -> Exchange {
    let headers: HeaderList =
        seen.response_headers.iter().filter_map(|(name, value)| Header::new(name, value).ok()).collect();
    Exchange {
        browser: browser(),
        page: page_origin(),
        top_level: None,
        settings: Default::default(),
        request: Request {
            method: Default::default(),
            url: url.parse().expect("test URLs are valid"),
            headers: HeaderList::new(),
            mode: Default::default(),
            credentials,
            redirect: Default::default(),
        },
        cookies: Vec::new(),
        preflight: None,
        response: Answer { status: seen.status, headers },
        next: None,
    }
}

/// Runs `fetch(url, init)` with a method, headers and a body: the response, or the rejection.
pub async fn fetch_with(
    url: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    credentials: RequestCredentials,
) -> Result<Response, JsValue> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(credentials);
    let list = web_sys::Headers::new()?;
    for (name, value) in headers {
        list.append(name, value)?;
    }
    init.set_headers(&list);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?;
    response.dyn_into::<Response>()
}

/// Reads a lab JSON endpoint on `lab.localhost` cross-origin (the harness origin may).
pub async fn lab_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, String> {
    // Reading the lab's records is the harness, not the behaviour under test, so a network
    // error (a browser on a loaded machine dropping a pooled connection) is retried twice.
    let url = lab_url("lab.localhost", path);
    let mut attempt = 0;
    let response = loop {
        match fetch(&url, RequestCredentials::Omit).await {
            Ok(response) => break response,
            Err(e) if attempt == 2 => return Err(format!("cannot read {url}: {e:?}")),
            Err(_) => {
                attempt += 1;
                sleep(200).await;
            }
        }
    };
    let body = text(&response).await.map_err(|e| format!("{e:?}"))?;
    serde_json::from_str(&body).map_err(|e| format!("{path} did not answer the JSON expected: {e}: {body}"))
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Adds an `<iframe src=url>` to this page (with `sandbox` when given) and returns it.
pub fn frame(url: &str, sandbox: Option<&str>) -> Result<web_sys::HtmlIFrameElement, JsValue> {
    let document =
        web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let frame: web_sys::HtmlIFrameElement = document.create_element("iframe")?.dyn_into()?;
    if let Some(tokens) = sandbox {
        frame.set_attribute("sandbox", tokens)?;
    }
    frame.set_src(url);
    document.body().ok_or_else(|| JsValue::from_str("no body"))?.append_child(&frame)?;
    Ok(frame)
}

/// The next `message` event whose data has `key` equal to `value` (or has `key` at all when
/// `value` is `None`), within `timeout_ms`.
pub async fn message_with(key: &str, value: Option<&JsValue>, timeout_ms: i32) -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let key = JsValue::from_str(key);
    let value = value.cloned();
    let listener = std::rc::Rc::new(std::cell::RefCell::new(
        None::<wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>>,
    ));
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let key = key.clone();
        let value = value.clone();
        let closure = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data();
                let found = js_sys::Reflect::get(&data, &key).unwrap_or(JsValue::UNDEFINED);
                let matches = match &value {
                    Some(value) => js_sys::Object::is(&found, value),
                    None => !found.is_undefined(),
                };
                if matches {
                    let _ = resolve.call1(&JsValue::NULL, &data);
                }
            },
        );
        let _ = window.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&reject, timeout_ms);
        *listener.borrow_mut() = Some(closure);
    });
    let result = JsFuture::from(promise).await;
    if let Some(closure) = listener.borrow_mut().take() {
        let _ = window.remove_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
    }
    result.map_err(|_| format!("no message with {key:?} within {timeout_ms} ms"))
}

/// Asks the lab's sandboxed relay (framed from `host`) to `fetch(url)` with credentials
/// included from its opaque origin: `Ok((status, body))`, or the error the fetch rejected with.
pub async fn fetch_from_sandbox(host: &str, url: &str) -> Result<Result<(u16, String), String>, String> {
    let ready = message_with("ready", None, 15_000);
    let frame =
        frame(&lab_url(host, "/__lab/sandbox"), Some("allow-scripts")).map_err(|e| format!("{e:?}"))?;
    ready.await?;
    let target = frame.content_window().ok_or("the relay frame has no window")?;
    let id = JsValue::from_f64((js_sys::Math::random() * 1e9).floor());
    let message = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&message, &JsValue::from_str(k), v).map(|_| ());
    set("id", &id).and(set("url", &JsValue::from_str(url))).map_err(|e| format!("{e:?}"))?;
    let reply = message_with("id", Some(&id), 15_000);
    target.post_message(&message, "*").map_err(|e| format!("{e:?}"))?;
    let reply = reply.await?;
    frame.remove();
    let get = |k: &str| js_sys::Reflect::get(&reply, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    if get("ok").as_bool() == Some(true) {
        Ok(Ok((get("status").as_f64().unwrap_or(0.0) as u16, get("body").as_string().unwrap_or_default())))
    } else {
        Ok(Err(get("error").as_string().unwrap_or_default()))
    }
}
