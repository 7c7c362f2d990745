//! FinTrack's dashboard on `fintrack.localhost`: login opens a fresh fake account and sets the
//! session cookie with the console's attributes; logout clears it.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use corslab_lab::CookieSettings;
use corslab_lab::bank::WhoAmI;
use corslab_lab::hosts::Role;

use crate::Lab;
use crate::error::LabError;
use crate::front_door::Arrival;
use crate::request_headers::session;

/// `POST /login`.
pub async fn login(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
) -> Result<Response, LabError> {
    guard(&arrival, &headers)?;
    let mut state = lab.state();
    if let Some(old) = session(&headers) {
        // A new login never reuses a session id someone else may have planted.
        state.bank.end(&old);
    }
    let cookie = state.cookie;
    let set_at_ms = epoch_ms();
    let token = state.bank.open(cookie, set_at_ms);
    let holder = state.bank.account(&token).map(|a| a.fake.holder.clone());
    drop(state);
    let set_cookie = cookie.set_cookie(&token);
    // The page shows the line it was sent, the token left out: it stays in the HttpOnly cookie.
    let shown = cookie.set_cookie("…");
    let who = WhoAmI { set_cookie: Some(shown), ..WhoAmI::signed_in(holder, cookie, set_at_ms) };
    Ok(answer(&headers, who, &[set_cookie]))
}

/// `POST /logout`.
pub async fn logout(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
) -> Result<Response, LabError> {
    guard(&arrival, &headers)?;
    let mut state = lab.state();
    if let Some(token) = session(&headers) {
        state.bank.end(&token);
    }
    drop(state);
    // A cookie is only replaced by one with the same partition, so clear both kinds.
    let clears: Vec<String> = [false, true]
        .into_iter()
        .map(|partitioned| CookieSettings { partitioned, ..CookieSettings::default() }.clear_cookie())
        .collect();
    Ok(answer(&headers, WhoAmI::signed_out(), &clears))
}

/// `GET /whoami`.
pub async fn whoami(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
) -> Result<Response, LabError> {
    if arrival.host.role != Role::Dashboard {
        return Err(LabError::NotFound);
    }
    // The session's own cookie attributes, which the lab's setting may no longer match.
    let who = session(&headers)
        .and_then(|token| {
            lab.state()
                .bank
                .account(&token)
                .map(|a| WhoAmI::signed_in(Some(a.fake.holder.clone()), a.cookie, a.set_at_ms))
        })
        .unwrap_or_else(WhoAmI::signed_out);
    let mut response = Json(who).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Login and logout exist only on the dashboard, and refuse cross-site requests: the
/// dashboard's own defences are not the lesson, the API's are.
fn guard(arrival: &Arrival, headers: &HeaderMap) -> Result<(), LabError> {
    if arrival.host.role != Role::Dashboard {
        return Err(LabError::NotFound);
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        None | Some("same-origin" | "same-site" | "none") => Ok(()),
        Some(_) => Err(LabError::Forbidden("log in from FinTrack's own dashboard".to_owned())),
    }
}

/// JSON for scripts (`Accept: application/json`), a redirect home for forms.
fn answer(headers: &HeaderMap, who: WhoAmI, cookies: &[String]) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let mut response = if wants_json {
        Json(who).into_response()
    } else {
        (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response()
    };
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Milliseconds since the Unix epoch, on this machine's clock (the browser's, on loopback).
fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
