//! Helpers for tests that run inside a real browser page: real `fetch()` calls to the lab
//! server that `cargo xtask test` starts, and reads of what that server recorded.
//!
//! The lab's port is fixed at compile time by `CORSLAB_LAB_PORT` (the harness sets it); the test
//! page itself is served by wasm-bindgen-test-runner from `http://127.0.0.1:<port>`, an origin
//! cross-site to every lab host.

use corslab_engine::exchange::{Answer, CredentialsMode, Request};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::observed::{LogPage, Seen};
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// The port of the lab server under test.
pub const LAB_PORT: &str = match option_env!("CORSLAB_LAB_PORT") {
    Some(port) => port,
    None => "8080",
};

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
    let url = lab_url("lab.localhost", &format!("/__lab/log?run={run}"));
    let response = fetch(&url, RequestCredentials::Omit).await.map_err(|e| format!("{e:?}"))?;
    let body = text(&response).await.map_err(|e| format!("{e:?}"))?;
    serde_json::from_str(&body).map_err(|e| format!("the lab log is not a LogPage: {e}"))
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
