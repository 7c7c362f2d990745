//! Where this page is: its host, path and query, links to the other lab hosts on the same
//! port, keeping the URL in step with the page's state, and the page's title and focus.

use corslab_lab::hosts::{CONSOLE, origin_on};
use wasm_bindgen::JsCast;

use crate::net::window;
use crate::query::Query;
use crate::run::page_port;

/// This page's host name.
pub fn host() -> String {
    window().location().hostname().unwrap_or_default()
}

/// This page's path.
pub fn path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// This page's query parameters.
pub fn query() -> Query {
    Query::parse(&window().location().search().unwrap_or_default())
}

/// Replaces the URL's query without a navigation, so the address bar always holds a link that
/// reproduces what the page shows.
pub fn replace_query(query: &Query) {
    let url = format!("{}{}", path(), query.to_search());
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// `http://<host>:<this port><path_and_query>`.
pub fn lab_url(host: &str, path_and_query: &str) -> String {
    format!("{}{path_and_query}", origin_on(host, page_port()))
}

/// The console's origin, where pages report their runs.
pub fn console_origin() -> String {
    origin_on(CONSOLE, page_port())
}

/// Moves the keyboard focus to the first element `selector` names, when there is one.
pub fn focus(selector: &str) {
    let element = window().document().and_then(|d| d.query_selector(selector).ok().flatten());
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// Names the page in the tab and the history: `what · corslab`.
pub fn set_title(what: &str) {
    if let Some(document) = window().document() {
        document.set_title(&format!("{what} · corslab"));
    }
}
