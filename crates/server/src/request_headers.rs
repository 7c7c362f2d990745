//! What the lab's handlers read from a request's headers.

use axum::http::{HeaderMap, header};
use corslab_lab::cookie::session_of;

/// The session cookie's value, from whichever `Cookie` header of the request carries it.
pub fn session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session_of)
        .map(str::to_owned)
}

/// The essence of the `Content-Type`, lower-cased (`application/json`), parsed as the engine
/// parses it for the CORS safelist, so the lab reads a body the way the lesson explains it.
pub fn content_type_essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    corslab_engine::safelist::mime_essence(value)
}
