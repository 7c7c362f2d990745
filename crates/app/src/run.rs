//! One run, for real: the page's `fetch()` (or the sandboxed iframe's, for `Origin: null`),
//! what the lab server recorded for it, the engine's explanation for both browsers, and the
//! agreement between the prediction for this browser and what this browser and server did.

use std::cell::RefCell;
use std::rc::Rc;

use corslab_engine::{Browser, Exchange, Read, Verdict, har};
use corslab_lab::Ports;
use corslab_lab::observe::{self, Agreement, Attempt, Observed};
use futures_channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::net::{self, PageOutcome, now_ms, window};
use crate::scenario::{FetchCall, Position, Scenario};

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// The run id (`?run=` on every request it made).
    pub run: String,
    /// The fetch made.
    pub call: FetchCall,
    /// What the script got, when this page ran it (the console sees only the server's side).
    pub page: Option<PageOutcome>,
    /// What the server recorded, paired into one fetch.
    pub observed: Option<Observed>,
    /// The explanation, when the observation makes an Exchange.
    pub explained: Option<Explained>,
    /// Why there is no explanation, when there is none.
    pub problem: Option<String>,
}

/// An Exchange explained for both browsers, with the agreement for the one that ran it.
#[derive(Debug, Clone)]
pub struct Explained {
    /// The exchange, as this browser made it.
    pub exchange: Exchange,
    /// The verdict for the browser running this page.
    pub here: Verdict,
    /// The verdict for the other browser.
    pub other: Verdict,
    /// The prediction for this browser against what happened, when something ran.
    pub agreement: Option<Agreement>,
}

/// A fresh run id.
pub fn new_run_id() -> String {
    format!("r{}{}", now_ms(), (js_sys::Math::random() * 1e6) as u32)
}

/// The browser this page runs in.
pub fn this_browser() -> Browser {
    let agent = window().navigator().user_agent().unwrap_or_default();
    if agent.contains("Firefox/") { Browser::Firefox } else { Browser::Chromium }
}

/// The other browser.
pub fn other_browser(browser: Browser) -> Browser {
    match browser {
        Browser::Firefox => Browser::Chromium,
        _ => Browser::Firefox,
    }
}

/// This page's port (80 when the URL names none).
pub fn page_port() -> u16 {
    window().location().port().ok().and_then(|p| p.parse().ok()).unwrap_or(80)
}

/// Runs `scenario` from this page and explains it; `run` names the run (a fresh id when `None`).
pub async fn run(scenario: &Scenario, run: Option<String>) -> Report {
    let port = page_port();
    let run = run.unwrap_or_else(new_run_id);
    let call = scenario.call(port, &run);
    let started = now_ms();
    let page = if scenario.from == Position::NullOrigin {
        sandboxed_fetch(&call).await
    } else {
        net::run_fetch(&call).await
    };
    let attempt = scenario.attempt(&call, this_browser(), port, started);
    observe_and_explain(run, call, Some(page), attempt.as_ref(), port).await
}

/// Watches the server's log for a run another tab makes (the console opens the attacker's page
/// in its own tab) until it settles, then explains what the server saw. Cross-origin tabs
/// cannot talk to each other here (the lab sends `Cross-Origin-Opener-Policy: same-origin`), so
/// what the script got stays in that tab, and the agreement compares the server's side.
pub async fn watch(scenario: &Scenario, run: String) -> Report {
    let port = page_port();
    let call = scenario.call(port, &run);
    let started = now_ms();
    let mut seen = 0;
    let mut settled_since = None;
    // A run makes at most a preflight, a request and a redirect hop, all within a second or so:
    // stop once the count has held still for a second, or after twenty seconds.
    while now_ms() - started < 20_000 {
        sleep_ms(400).await;
        let count = net::server_log(&run).await.map(|log| log.entries.len()).unwrap_or(0);
        if count > 0 && count == seen {
            let since = *settled_since.get_or_insert(now_ms());
            if now_ms() - since >= 1000 {
                break;
            }
        } else {
            settled_since = None;
            seen = count;
        }
    }
    let attempt = scenario.attempt(&call, this_browser(), port, started);
    observe_and_explain(run, call, None, attempt.as_ref(), port).await
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Reads the server's log for `run` and explains what happened.
pub async fn observe_and_explain(
    run: String,
    call: FetchCall,
    page: Option<PageOutcome>,
    attempt: Option<&Attempt>,
    port: u16,
) -> Report {
    let mut report = Report { run, call, page, observed: None, explained: None, problem: None };
    let mut log = None;
    // The server records a request as it answers; give a slow write a moment before concluding
    // that nothing arrived.
    for attempt in 0..4 {
        match net::server_log(&report.run).await {
            Ok(page) if page.entries.is_empty() && attempt < 3 => sleep_ms(250).await,
            Ok(page) => {
                log = Some(page);
                break;
            }
            Err(e) => {
                report.problem = Some(format!("Could not read the lab's log: {e}"));
                return report;
            }
        }
    }
    let log = log.unwrap_or_default();
    let observed = observe::pair(&log.entries).into_iter().next();
    let Some(attempt) = attempt else {
        report.problem = Some("This request cannot be described to the engine".to_owned());
        return report;
    };
    match observed {
        Some(observed) => {
            let page_read = report.page.as_ref().map(PageOutcome::read);
            match explain_observed(attempt, &observed, page_read, &Ports::main(port)) {
                Ok(explained) => report.explained = Some(explained),
                Err(e) => report.problem = Some(e),
            }
            report.observed = Some(observed);
        }
        // The attacker's page knows its fetch ran; the console only knows it opened the page.
        None if report.page.is_some() => {
            report.problem = Some(
                "The server saw nothing of this fetch: the browser refused it before sending anything"
                    .to_owned(),
            );
        }
        None => {
            report.problem = Some(
                "Nothing of this run reached the server: the attacker's tab did not run it (closed, blocked or still loading), or the browser refused its fetch before sending anything"
                    .to_owned(),
            );
        }
    }
    report
}

/// Builds the Exchange from what the server saw and explains it for both browsers.
pub fn explain_observed(
    attempt: &Attempt,
    observed: &Observed,
    page_read: Option<Read>,
    ports: &Ports,
) -> Result<Explained, String> {
    let exchange = observe::exchange(attempt, observed, ports)?;
    let here = corslab_engine::explain(&exchange);
    let mut other_exchange = exchange.clone();
    other_exchange.browser = other_browser(exchange.browser);
    let other = corslab_engine::explain(&other_exchange);
    let agreement = Some(observe::agreement(&here, observed, page_read));
    Ok(Explained { exchange, here, other, agreement })
}

/// Explains an Exchange that did not run (the playground, a HAR file), for its browser and the
/// other: no agreement. `preflight_cached` when a HAR showed no preflight for a request that
/// needs one ([`har::explain`]).
pub fn explain_only(exchange: Exchange, preflight_cached: bool) -> Explained {
    let here = har::explain(&exchange, preflight_cached);
    let mut other_exchange = exchange.clone();
    other_exchange.browser = other_browser(exchange.browser);
    let other = har::explain(&other_exchange, preflight_cached);
    Explained { exchange, here, other, agreement: None }
}

/// Runs `call` from a sandboxed iframe (the lab's `/__lab/sandbox` relay), whose origin is
/// opaque, so the browser sends `Origin: null`.
async fn sandboxed_fetch(call: &FetchCall) -> PageOutcome {
    match relay(call).await {
        Ok(outcome) => outcome,
        Err(e) => PageOutcome::Failed(format!("the sandboxed iframe did not answer: {e}")),
    }
}

async fn relay(call: &FetchCall) -> Result<PageOutcome, String> {
    let document = window().document().ok_or("no document")?;
    let frame: web_sys::HtmlIFrameElement =
        document.create_element("iframe").map_err(|_| "no iframe")?.unchecked_into();
    frame.set_src("/__lab/sandbox");
    frame.set_title("Sandboxed iframe that fetches with Origin: null");
    frame.set_class_name("sandbox-frame");
    let loaded = event_once(frame.as_ref(), "load");
    document.body().ok_or("no body")?.append_child(&frame).map_err(|_| "cannot add the iframe")?;
    loaded.await.map_err(|_| "the iframe did not load")?;

    let id = format!("{}", now_ms());
    let message = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&message, &JsValue::from_str(k), v);
    let headers = js_sys::Array::new();
    for (name, value) in &call.headers {
        headers.push(&js_sys::Array::of2(&JsValue::from_str(name), &JsValue::from_str(value)));
    }
    let _ = set("id", &JsValue::from_str(&id));
    let _ = set("url", &JsValue::from_str(&call.url));
    let _ = set("method", &JsValue::from_str(call.method));
    let _ = set("headers", &headers);
    let _ = set("body", &call.body.map_or(JsValue::NULL, JsValue::from_str));
    let _ = set("credentials", &JsValue::from_str(call.credentials.as_str()));
    let _ = set("mode", &JsValue::from_str(call.mode.as_str()));

    let answer = message_from_null(&id);
    let target = frame.content_window().ok_or("the iframe has no window")?;
    // An opaque origin can only be addressed with "*"; the message holds nothing secret.
    target.post_message(&message, "*").map_err(|_| "cannot post to the iframe")?;
    let answer = answer.await.map_err(|_| "no answer")?;
    frame.remove();
    let get = |k: &str| js_sys::Reflect::get(&answer, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    if get("ok").as_bool() == Some(true) {
        let status = get("status").as_f64().unwrap_or(0.0) as u16;
        let body = get("body").as_string().unwrap_or_default();
        return Ok(if status == 0 { PageOutcome::Opaque } else { PageOutcome::Read { status, body } });
    }
    Ok(PageOutcome::Failed(get("error").as_string().unwrap_or_else(|| "TypeError".to_owned())))
}

/// Resolves the first time `target` fires `event`.
fn event_once(target: &web_sys::EventTarget, event: &str) -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let callback = Closure::<dyn FnMut()>::new(move || {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
    callback.forget();
    rx
}

/// Resolves with the first message from an opaque origin whose `id` is `id`.
fn message_from_null(id: &str) -> oneshot::Receiver<JsValue> {
    let (tx, rx) = oneshot::channel();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let id = id.to_owned();
    let callback = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let data = event.data();
        let same = js_sys::Reflect::get(&data, &JsValue::from_str("id")).ok().and_then(|v| v.as_string());
        if event.origin() == "null"
            && same.as_deref() == Some(id.as_str())
            && let Some(tx) = tx.borrow_mut().take()
        {
            let _ = tx.send(data);
        }
    });
    let _ = window().add_event_listener_with_callback("message", callback.as_ref().unchecked_ref());
    callback.forget();
    rx
}
