//! Where this page is: its host, path and query, links to the other lab hosts on the same
//! port, keeping the URL in step with the page's state, and the page's title and focus.

use corslab_lab::hosts::{CONSOLE, origin_on};
use leptos::prelude::*;
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

thread_local! {
    /// How many times [`replace_query`] changed the query: read by [`tracked_query`], so a view
    /// that links from the query follows it.
    static QUERY_CHANGES: RwSignal<u64> = RwSignal::new(0);
}

/// This page's query parameters, read so that the reactive view asking for them runs again
/// when [`replace_query`] changes them.
pub fn tracked_query() -> Query {
    QUERY_CHANGES.with(|changes| changes.track());
    query()
}

/// Replaces the URL's query without a navigation, so the address bar always holds a link that
/// reproduces what the page shows. Returns whether the browser took it: Firefox refuses a URL
/// of a megabyte or more.
pub fn replace_query(query: &Query) -> bool {
    let url = format!("{}{}", path(), query.to_search());
    let replaced = window().history().is_ok_and(|history| {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)).is_ok()
    });
    QUERY_CHANGES.with(|changes| changes.update(|n| *n += 1));
    replaced
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
