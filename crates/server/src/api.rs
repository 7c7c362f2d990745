//! FinTrack's API on `api.fintrack.localhost`, answering with the CORS policy in force.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;

use crate::Lab;
use crate::origins::{Role, host_for};
use crate::policy::Policy;

/// The API's routes, wrapped in the CORS policy layer.
pub fn router(lab: Lab) -> Router {
    Router::new()
        .route("/me/balance", get(balance))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(lab.clone(), cors_policy))
        .with_state(lab)
}

/// Applies the policy chosen for this request (`?policy=` or the lab's current one): answers
/// preflights itself and adds the policy's headers to every other response.
async fn cors_policy(State(lab): State<Lab>, request: Request, next: Next) -> Response {
    let policy = requested_policy(request.uri().query()).unwrap_or_else(|| lab.policy());
    let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
    let trusted = trusted_origins(&lab);
    let preflight_method = preflight_method(request.method(), request.headers());

    if let Some(method) = preflight_method {
        let headers = policy.headers(origin.as_deref(), &trusted, Some(&method));
        return (StatusCode::NO_CONTENT, headers).into_response();
    }
    let mut response = next.run(request).await;
    response.headers_mut().extend(policy.headers(origin.as_deref(), &trusted, None));
    response
}

/// The method a CORS preflight asks about, when the request is one.
fn preflight_method(method: &Method, headers: &HeaderMap) -> Option<Method> {
    if method != Method::OPTIONS {
        return None;
    }
    let asked = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?.to_str().ok()?;
    Method::from_bytes(asked.as_bytes()).ok()
}

fn requested_policy(query: Option<&str>) -> Option<Policy> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "policy")
        .and_then(|(_, v)| Policy::from_id(v))
}

/// The origins FinTrack legitimately trusts: its own dashboard and its partner.
fn trusted_origins(lab: &Lab) -> Vec<String> {
    [Role::Dashboard, Role::Partner].into_iter().map(|role| lab.origin_of(host_for(role).name)).collect()
}

/// `GET /me/balance`: the signed-in customer's balance.
async fn balance(headers: HeaderMap) -> Response {
    if session_of(&headers).is_none() {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "not signed in" }))).into_response();
    }
    Json(json!({ "currency": "EUR", "balance": "12840.55" })).into_response()
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "no such endpoint" }))).into_response()
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == "session")
        .map(|(_, value)| value.to_owned())
}
