//! The browser side of the lab: real `fetch()` calls, and reads of the lab server's own
//! endpoints (`/__lab/*`) on the page's origin. The lab's own requests go through `gloo-net`,
//! the attack's through a bare `fetch(url, init)` ([`run_fetch`]); JSON goes through the
//! browser's `JSON.parse` and `serde-wasm-bindgen`, which keeps serde_json's parser out of the
//! Wasm.

use std::cell::RefCell;
use std::sync::Arc;

use corslab_engine::Read;
use corslab_engine::exchange::{CredentialsMode, RequestMode};
use corslab_lab::audit::AuditSummary;
use corslab_lab::catalog::EntryText;
use corslab_lab::seen::LogPage;
use corslab_lab::state::LabState;
use gloo_net::http::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, RequestMode as JsMode, ResponseType};

use crate::scenario::FetchCall;

/// What a page's script got back from `fetch()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageOutcome {
    /// The promise resolved with a readable response.
    Read {
        /// Its status.
        status: u16,
        /// Its body, as text.
        body: String,
    },
    /// The promise resolved with an opaque response (`no-cors`): status 0, nothing readable.
    Opaque,
    /// The promise rejected: the message of the `TypeError`.
    Failed(String),
}

impl PageOutcome {
    /// What the script got, as a Verdict says it: the response, an opaque one, or an error.
    pub fn read(&self) -> Read {
        match self {
            Self::Read { .. } => Read::Allowed,
            Self::Opaque => Read::Opaque,
            Self::Failed(_) => Read::Blocked,
        }
    }
}

/// Runs `call` for real from this page: `fetch(url, init)` exactly as a page's script writes
/// it. Not through `gloo-net`, whose builder passes the URL through `URL.search` first (which
/// drops an empty `?`): the experiment hands the browser the URL untouched.
pub async fn run_fetch(call: &FetchCall) -> PageOutcome {
    let init = RequestInit::new();
    init.set_method(call.method);
    init.set_mode(match call.mode {
        RequestMode::NoCors => JsMode::NoCors,
        RequestMode::SameOrigin => JsMode::SameOrigin,
        RequestMode::Cors => JsMode::Cors,
    });
    init.set_credentials(js_credentials(call.credentials));
    if let Ok(headers) = web_sys::Headers::new() {
        for (name, value) in &call.headers {
            let _ = headers.append(name, value);
        }
        init.set_headers(&headers);
    }
    if let Some(body) = call.body {
        init.set_body(&JsValue::from_str(body));
    }
    let fetched = JsFuture::from(window().fetch_with_str_and_init(&call.url, &init)).await;
    match fetched.map(|response| Response::from(response.unchecked_into::<web_sys::Response>())) {
        Ok(response) if response.type_() == ResponseType::Opaque => PageOutcome::Opaque,
        Ok(response) => {
            let body = response.text().await.unwrap_or_default();
            PageOutcome::Read { status: response.status(), body }
        }
        Err(error) => PageOutcome::Failed(error_text(&error)),
    }
}

/// A same-origin GET of JSON, parsed by the browser.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    typed(get_value(path).await)
}

/// A POST of JSON (or nothing) with `extra` headers; the answer's JSON.
pub async fn post_json<T: DeserializeOwned>(
    url: &str,
    body: Option<&str>,
    extra: &[(&str, &str)],
    credentials: CredentialsMode,
) -> Result<T, String> {
    typed(post_value(url, body, extra, credentials).await)
}

/// The body of `response` as JSON, or the server's `{"error": ...}` as the message.
pub async fn json_of<T: DeserializeOwned>(response: &Response) -> Result<T, String> {
    typed(value_of(response).await)
}

/// What the lab server recorded for a run (`/__lab/log` on this page's origin).
pub async fn server_log(run: &str) -> Result<LogPage, String> {
    get_json(&format!("/__lab/log?run={run}")).await
}

/// The lab's state (`/__lab/state`).
pub async fn lab_state() -> Result<LabState, String> {
    get_json("/__lab/state").await
}

/// The policy catalog's words (`/__lab/catalog`), fetched once per page: the Wasm does not
/// carry the code samples, the incidents and the fixes, the lab serves them.
pub async fn catalog() -> Result<Arc<[EntryText]>, String> {
    if let Some(texts) = cached_catalog() {
        return Ok(texts);
    }
    let texts: Arc<[EntryText]> = get_json::<Vec<EntryText>>("/__lab/catalog")
        .await
        .map_err(|e| format!("The lab's catalog could not be read ({e}): reload the page to try again"))?
        .into();
    CATALOG.set(Some(texts.clone()));
    Ok(texts)
}

/// The catalog's words if this page has fetched them already.
pub fn cached_catalog() -> Option<Arc<[EntryText]>> {
    CATALOG.with_borrow(Clone::clone)
}

/// Sends one control-plane command (only `lab.localhost` may), fetching the CSRF token first.
pub async fn control(command: &str) -> Result<LabState, String> {
    let token = csrf_token().await?;
    post_json("/__lab/control", Some(command), &[("X-Lab-Csrf", &token)], CredentialsMode::SameOrigin).await
}

/// Audits FinTrack's API under the policy the lab runs (`POST /__lab/audit`, guarded like the
/// control plane): the findings and the Markdown report.
pub async fn audit() -> Result<AuditSummary, String> {
    let token = csrf_token().await?;
    post_json("/__lab/audit", None, &[("X-Lab-Csrf", &token)], CredentialsMode::SameOrigin).await
}

/// The control plane's CSRF token, which the lab hands only to the console's own pages.
async fn csrf_token() -> Result<String, String> {
    let state = lab_state().await?;
    state.csrf_token.ok_or_else(|| {
        "the lab gave no control token: only its console on lab.localhost may change or audit it".to_owned()
    })
}

/// The message of a rejected promise (a `TypeError`'s `name: message`).
pub fn error_text(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        let name = error.name().as_string().unwrap_or_default();
        let message = error.message().as_string().unwrap_or_default();
        return format!("{name}: {message}");
    }
    error.as_string().unwrap_or_else(|| "an unknown error".to_owned())
}

/// The page's window.
pub fn window() -> web_sys::Window {
    leptos::prelude::window()
}

/// Milliseconds since the epoch, on the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

// The JSON requests below are not generic, so the Wasm holds each of them once; only the final
// `serde_wasm_bindgen` step is compiled per type.

/// [`get_json`] up to the parsed value.
async fn get_value(path: &str) -> Result<JsValue, String> {
    let response = RequestBuilder::new(path).send().await.map_err(|e| e.to_string())?;
    value_of(&response).await
}

/// [`post_json`] up to the parsed value.
async fn post_value(
    url: &str,
    body: Option<&str>,
    extra: &[(&str, &str)],
    credentials: CredentialsMode,
) -> Result<JsValue, String> {
    let mut request = RequestBuilder::new(url)
        .method(Method::POST)
        .credentials(js_credentials(credentials))
        .header("Accept", "application/json");
    for (name, value) in extra {
        request = request.header(name, value);
    }
    let request = match body {
        Some(body) => request.header("Content-Type", "application/json").body(body),
        None => request.build(),
    };
    let response = request.map_err(|e| e.to_string())?.send().await.map_err(|e| e.to_string())?;
    value_of(&response).await
}

/// [`json_of`] up to the parsed value.
async fn value_of(response: &Response) -> Result<JsValue, String> {
    let body = response.text().await.map_err(|e| e.to_string())?;
    let value = js_sys::JSON::parse(&body).map_err(|_| format!("status {}: not JSON", response.status()))?;
    if !response.ok() {
        let error =
            js_sys::Reflect::get(&value, &JsValue::from_str("error")).ok().and_then(|e| e.as_string());
        return Err(error.unwrap_or_else(|| format!("status {}", response.status())));
    }
    Ok(value)
}

/// A parsed value as `T`.
fn typed<T: DeserializeOwned>(value: Result<JsValue, String>) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value?).map_err(|e| e.to_string())
}

fn js_credentials(mode: CredentialsMode) -> RequestCredentials {
    match mode {
        CredentialsMode::Include => RequestCredentials::Include,
        CredentialsMode::Omit => RequestCredentials::Omit,
        CredentialsMode::SameOrigin => RequestCredentials::SameOrigin,
    }
}

thread_local! {
    /// The catalog once fetched: the console shows a new card on every change of its setup.
    static CATALOG: RefCell<Option<Arc<[EntryText]>>> = const { RefCell::new(None) };
}
