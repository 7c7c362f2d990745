//! "Drop a HAR file": the playground reads a HAR file exported from DevTools in the browser,
//! with no server involved, lists its cross-origin exchanges and explains the chosen one. A HAR
//! may be pasted too: a whole one ("Copy all as HAR"), or the one entry Chromium's "Copy as
//! HAR" gives for a single request.
//!
//! The file goes through the browser's own JSON parser and `serde-wasm-bindgen` into the
//! engine's typed HAR (the app carries no `serde_json`), then through the engine's HAR reader,
//! the same one `corslab explain` uses.

// Leptos components receive their props by value, whether or not they consume them.
#![allow(clippy::needless_pass_by_value)]

use corslab_engine::har::{self, Found, Har};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::explain_panel::ExplainPanel;
use crate::run::{Explained, explain_only};

/// One cross-origin exchange of a HAR file, explained.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The index of its entry in `log.entries`.
    pub entry: usize,
    /// The exchange, explained for the HAR's browser (`here`) and the other; the verdicts'
    /// steps begin with what the HAR did not record.
    pub explained: Explained,
}

/// Reads the text of a HAR file as the drop zone does: the browser's JSON parser, the engine's
/// typed HAR, the engine's reader. One entry alone (Chromium's "Copy as HAR") is read as a HAR
/// of that entry. The error says what is wrong and what to do; `what` names the text in it
/// ("This file").
pub fn read_text(text: &str, what: &str) -> Result<Vec<Listed>, String> {
    let value = js_sys::JSON::parse(text).map_err(|e| {
        let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
        format!("{what} is not JSON ({why}); {SAVE_AGAIN}")
    })?;
    let value = one_entry_as_har(value);
    if let Some(problem) = shape_problem(&value) {
        return Err(problem);
    }
    let har: Har = serde_wasm_bindgen::from_value(value).map_err(|e| {
        // The error is a JavaScript Error, whose text starts with its class name.
        let why = e.to_string();
        let why = why.strip_prefix("Error: ").unwrap_or(&why);
        format!("This JSON does not have the shape of a HAR file ({why}); {SAVE_AGAIN}")
    })?;
    let found = har::exchanges(&har).map_err(|e| e.to_string())?;
    Ok(found.into_iter().map(explain_found).collect())
}

/// `value` itself, unless it is one HAR entry: then a HAR whose only entry it is. An entry is
/// told as `corslab explain` tells it: no `log`, and the `startedDateTime` or `timings` every
/// HAR entry has.
fn one_entry_as_har(value: JsValue) -> JsValue {
    let has = |key: &str| js_sys::Reflect::has(&value, &JsValue::from_str(key)).unwrap_or(false);
    let entry = !has("log") && (has("startedDateTime") || has("timings"));
    if !value.is_object() || js_sys::Array::is_array(&value) || !entry {
        return value;
    }
    let log = js_sys::Object::new();
    let har = js_sys::Object::new();
    // Setting a property on a plain new object cannot fail.
    let _ = js_sys::Reflect::set(&log, &JsValue::from_str("entries"), &js_sys::Array::of1(&value));
    let _ = js_sys::Reflect::set(&har, &JsValue::from_str("log"), &log);
    har.into()
}

/// What to do about a file that is not the HAR DevTools saves.
const SAVE_AGAIN: &str = "save the HAR again from DevTools (Network → Save all as HAR)";

/// Where parsed JSON first departs from a HAR's outline (`log`, `log.entries`, each entry's
/// `request` and `response` objects), said with its path and what to do; serde-wasm-bindgen's
/// own errors name none.
fn shape_problem(value: &JsValue) -> Option<String> {
    let get = |v: &JsValue, key: &str| js_sys::Reflect::get(v, &JsValue::from_str(key)).ok();
    let is_object = |v: &JsValue| v.is_object() && !js_sys::Array::is_array(v);
    let Some(log) = get(value, "log").filter(is_object) else {
        return Some(har::HarError::NotHar.to_string());
    };
    let Some(entries) = get(&log, "entries").filter(js_sys::Array::is_array) else {
        return Some(har::HarError::NoEntries.to_string());
    };
    for (i, entry) in js_sys::Array::from(&entries).iter().enumerate() {
        if !is_object(&entry) {
            return Some(format!("log.entries[{i}] is not an object; {SAVE_AGAIN}"));
        }
        for part in ["request", "response"] {
            if get(&entry, part).is_some_and(|v| !v.is_undefined() && !is_object(&v)) {
                return Some(format!("log.entries[{i}].{part} is not an object; {SAVE_AGAIN}"));
            }
        }
    }
    None
}

/// Reads a file the person chose or dropped, with the browser's `Blob.text()`.
pub async fn read_file(file: web_sys::File) -> Result<Vec<Listed>, String> {
    let text = JsFuture::from(file.text())
        .await
        .map_err(|_| "The browser could not read this file; choose it again".to_owned())?;
    read_text(&text.as_string().unwrap_or_default(), "This file")
}

/// The drop zone and file input, the list of exchanges found and the chosen one's explanation.
#[component]
pub fn HarDrop() -> impl IntoView {
    let loaded = RwSignal::new(Loaded::Nothing);
    let chosen = RwSignal::new(0_usize);
    let dragging = RwSignal::new(false);
    let load = move |file: web_sys::File| {
        spawn_local(async move {
            let name = file.name();
            chosen.set(0);
            loaded.set(match read_file(file).await {
                Ok(listed) => Loaded::Found { file: name, listed },
                Err(why) => Loaded::Refused(why),
            });
        });
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|files| files.get(0)) {
            load(file);
        }
    };
    let on_change = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            load(file);
        }
    };
    let refused = move || {
        loaded.with(|l| match l {
            Loaded::Refused(why) => Some(why.clone()),
            _ => None,
        })
    };
    let found = move || match loaded.get() {
        Loaded::Found { file, listed } => {
            let count = listed.len();
            let plural = if count == 1 { "" } else { "s" };
            Some(view! {
                <p class="har-found" role="status">{format!("{count} cross-origin request{plural} in {file}")}</p>
                <HarList listed chosen/>
            })
        }
        _ => None,
    };
    let explained = move || {
        loaded.with(|l| match l {
            Loaded::Found { listed, .. } => listed.get(chosen.get()).map(|l| l.explained.clone()),
            _ => None,
        })
    };
    view! {
        <section class="panel har" aria-labelledby="har-title">
            <h2 id="har-title">"From a HAR file"</h2>
            <div class=move || if dragging.get() { "har-drop dragging" } else { "har-drop" }
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <label for="har-file">"Drop a HAR file from DevTools (Network → Save all as HAR), or choose one"</label>
                <input id="har-file" type="file" accept=".har,application/json" aria-describedby="har-privacy" on:change=on_change/>
                <p id="har-privacy" class="muted">"The file is read in this browser; nothing is uploaded."</p>
            </div>
            <p class="field">
                <label for="har-text">"Or paste one: Copy all as HAR, or Copy as HAR for a single request"</label>
                <textarea id="har-text" rows="2" spellcheck="false" on:input=move |ev| {
                    let text = event_target_value(&ev);
                    chosen.set(0);
                    loaded.set(if text.trim().is_empty() {
                        Loaded::Nothing
                    } else {
                        match read_text(&text, "The pasted text") {
                            Ok(listed) => Loaded::Found { file: "the pasted HAR".to_owned(), listed },
                            Err(why) => Loaded::Refused(why),
                        }
                    });
                }/>
            </p>
            {move || refused().map(|why| view! { <p class="problem" role="alert">{why}</p> })}
            {move || found()}
            {move || explained().map(|explained| view! { <ExplainPanel explained/> })}
        </section>
    }
}

/// The exchanges found, one button each: method, URL, the page's origin, the verdict.
#[component]
fn HarList(listed: Vec<Listed>, chosen: RwSignal<usize>) -> impl IntoView {
    let items = listed
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let Explained { exchange, here, .. } = item.explained;
            let read = here.read.as_str();
            let class = format!("har-read {read}");
            let from = if exchange.page.is_opaque() { "null" } else { exchange.page.serialize() }.to_owned();
            view! {
                <li>
                    <button type="button" class="har-item" data-entry=item.entry
                        aria-pressed=move || (chosen.get() == i).to_string() on:click=move |_| chosen.set(i)>
                        <code class="har-method">{exchange.request.method.as_str().to_owned()}</code>" "
                        <span class="har-url">{exchange.request.url.to_string()}</span>" "
                        <span class="har-from">"from "{from}</span>" "
                        <span class=class>{read}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="har-list" aria-label="Cross-origin requests in the HAR file">{items}</ul> }
}

/// What the drop zone holds: nothing yet, the exchanges of a file, or why a file was refused.
#[derive(Debug, Clone, Default)]
enum Loaded {
    /// No file read yet.
    #[default]
    Nothing,
    /// The cross-origin exchanges of the file named `file`.
    Found { file: String, listed: Vec<Listed> },
    /// The file could not be read as a HAR export: why, and what to do.
    Refused(String),
}

/// Explains one found exchange, its assumptions put first among both verdicts' steps.
fn explain_found(found: Found) -> Listed {
    let assumed: Vec<_> = found.assumed_steps().collect();
    let cached = found.preflight_cached();
    let mut explained = explain_only(found.exchange, cached);
    explained.here.steps.splice(0..0, assumed.iter().cloned());
    explained.other.steps.splice(0..0, assumed);
    Listed { entry: found.entry, explained }
}
