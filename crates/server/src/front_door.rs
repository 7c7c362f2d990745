//! The front door every request passes: the `Host` guard, the access log and the exchange
//! record, then dispatch by role.

use std::time::Instant;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use tower::ServiceExt;

use crate::Lab;
use crate::origins::{self, LabHost, Role};

/// Refuses requests for hosts the lab does not play (`421`, the DNS-rebinding guard), logs
/// every request and records what reached the API.
pub async fn guard(State(lab): State<Lab>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let host_header = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_owned();
    let method = request.method().clone();
    let uri = request.uri().clone();

    let Some(host) = origins::lookup(&host_header) else {
        eprintln!("421 {method} {uri} (Host {host_header:?} is not a lab origin)");
        return misdirected(&host_header);
    };
    request.extensions_mut().insert(host);
    let request_headers = (host.role == Role::Api).then(|| request.headers().clone());

    let response = next.run(request).await;

    let status = response.status().as_u16();
    if let Some(request_headers) = request_headers {
        lab.log().record(host.name, &method, &uri, &request_headers, status, response.headers());
    }
    eprintln!("{status} {method} http://{host_header}{uri} {}ms", started.elapsed().as_millis());
    response
}

fn misdirected(host: &str) -> Response {
    let body = format!(
        "421 Misdirected Request: this corslab lab does not serve the host {host:?}. \
         Open http://lab.localhost:<port>/ instead\n"
    );
    (StatusCode::MISDIRECTED_REQUEST, body).into_response()
}

/// Sends each request to the API or the pages, by the role of its host.
#[derive(Debug, Clone)]
pub struct ByRole {
    /// The FinTrack API's router.
    pub api: Router,
    /// The page hosts' router.
    pub pages: Router,
}

impl tower::Service<Request> for ByRole {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let is_api = request.extensions().get::<&'static LabHost>().is_some_and(|h| h.role == Role::Api);
        let router = if is_api { self.api.clone() } else { self.pages.clone() };
        Box::pin(async move { router.oneshot(request).await })
    }
}

/// Any page on a page host: the app, which picks its page from the host.
pub async fn page(State(lab): State<Lab>, request: Request) -> Response {
    lab.0.assets.respond(request.uri())
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    run: Option<String>,
}

/// `GET /__lab/log?run=ID`: what reached the API, read from the page's own origin (or by a
/// configured test harness origin, cross-origin).
pub async fn lab_log(State(lab): State<Lab>, Query(query): Query<LogQuery>, headers: HeaderMap) -> Response {
    let mut response = Json(lab.log().page(query.run.as_deref())).into_response();
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let harness = origin.filter(|o| lab.0.harness_origins.iter().any(|h| h == o));
    if let Some(value) = harness.and_then(|o| HeaderValue::from_str(o).ok()) {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    // The answer differs by Origin whether or not this one was a harness.
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}
