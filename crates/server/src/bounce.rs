//! `/__lab/bounce` on every page host: a redirect to FinTrack's balance through a host of its
//! own, so a fetch can pass through another site on its way to the API. A cross-site hop like
//! that is what decides, in some browsers, whether `SameSite` cookies go on the next request.
//!
//! The bounce lets any origin follow it (it answers with that origin and
//! `Access-Control-Allow-Credentials: true`), so only the API's own answer decides the read. The
//! front door records it in the log like an API request, so a run shows the whole chain.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use corslab_lab::hosts::{API, origin_on};

use crate::api::{redirect_status, with_run_and_policy};
use crate::error::LabError;
use crate::front_door::Arrival;

/// `/__lab/bounce?status=301|302|303|307|308&policy=…&run=…`, any method: redirects to
/// `/me/balance` on the API, on the port the request came to, carrying the run and the policy.
/// A preflight is answered 204 with whatever it asks for.
pub async fn bounce(axum::Extension(arrival): axum::Extension<Arrival>, request: Request) -> Response {
    match answer(&arrival, &request) {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

fn answer(arrival: &Arrival, request: &Request) -> Result<Response, LabError> {
    let headers = request.headers();
    let mut response = if request.method() == Method::OPTIONS
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        for (asked, allow) in [
            (header::ACCESS_CONTROL_REQUEST_METHOD, header::ACCESS_CONTROL_ALLOW_METHODS),
            (header::ACCESS_CONTROL_REQUEST_HEADERS, header::ACCESS_CONTROL_ALLOW_HEADERS),
        ] {
            if let Some(value) = headers.get(asked) {
                preflight.headers_mut().insert(allow, value.clone());
            }
        }
        preflight
    } else {
        let query = request.uri().query();
        let status = redirect_status(query)?;
        let location =
            with_run_and_policy(format!("{}/me/balance", origin_on(API, arrival.port)), Vec::new(), query)?;
        (status, [(header::LOCATION, location)]).into_response()
    };
    allow_the_caller(headers, response.headers_mut());
    Ok(response)
}

/// The caller's origin (or `*` when it sent none), credentials allowed, and never cached.
fn allow_the_caller(request: &HeaderMap, response: &mut HeaderMap) {
    let origin = request.get(header::ORIGIN).cloned().unwrap_or(HeaderValue::from_static("*"));
    response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    response.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    response.insert(header::VARY, HeaderValue::from_static("Origin"));
    response.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}
