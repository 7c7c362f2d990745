//! The front door every request passes: the `Host` guard, the arrival record, the headers
//! every answer carries, the exchange log and the access log; then dispatch by role.

use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use corslab_lab::hosts::{self, LabHost, Role};
use corslab_lab::state::LiveEvent;
use tower::ServiceExt;

use crate::api::{Effects, PolicyUsed};
use crate::error::LabError;
use crate::record::{Answered, Arrived, run_of};
use crate::{BODY_LIMIT, Lab};

/// How long one request may take to be read and answered.
pub(crate) const HANDLER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The port of the listener a request arrived on, put on every request by [`crate::serve`].
#[derive(Debug, Clone, Copy)]
pub struct ArrivedOn(pub u16);

/// Who a request is for and when it came: put on every request the guard lets in.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// The id the exchange log reserved for it.
    pub id: u64,
    /// Milliseconds since the lab started.
    pub at_ms: u64,
    /// The lab host it names.
    pub host: &'static LabHost,
    /// The port of the listener it arrived on, which its `Host` header must name (no port in
    /// `Host` means 80).
    pub port: u16,
    /// Its run (`?run=`), if any.
    pub run: Option<String>,
}

/// Refuses requests for hosts the lab does not play, or for another port than the one they
/// arrived on (`421`, the DNS-rebinding guard; `400` without a `Host`), notes
/// each arrival, records what reached the API, and adds the headers every answer carries.
pub async fn guard(State(lab): State<Lab>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    // RFC 9112, section 3.2: a request with more than one Host is refused.
    if request.headers().get_all(header::HOST).iter().nth(1).is_some() {
        return LabError::BadRequest("the request has more than one Host header".to_owned()).into_response();
    }
    let host_header = match request.headers().get(header::HOST) {
        Some(value) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        // HTTP/2 names the host in the target's authority.
        None => match request.uri().authority() {
            Some(authority) => authority.as_str().to_owned(),
            None => {
                return LabError::BadRequest(format!(
                    "the request has no Host header: name the lab host it is for, like Host: {}",
                    lab.origin_of(hosts::CONSOLE).trim_start_matches("http://")
                ))
                .into_response();
            }
        },
    };
    let method = request.method().clone();
    let uri = request.uri().clone();
    let listener = request.extensions().get::<ArrivedOn>().map(|on| on.0);

    let alias = lab.alias(&host_header);
    let Some(host) = hosts::lookup(&host_header).or(alias.map(|(_, host)| host)) else {
        let shown: String = host_header.chars().take(100).collect();
        let why = format!(
            "this corslab lab does not serve the host {shown:?}: open {}/ instead",
            lab.origin_of(hosts::CONSOLE)
        );
        return misdirected(&lab, &method, &uri, why);
    };
    let port = match listener_port(&lab, listener, &host_header) {
        Ok(port) => port,
        Err(why) => return misdirected(&lab, &method, &uri, why),
    };
    let arrival = Arrival { id: lab.log().reserve_id(), at_ms: lab.now_ms(), host, port, run: run_of(&uri) };
    request.extensions_mut().insert(arrival.clone());
    // The API's requests are recorded, and so is a bounce, which is a hop on the way to it.
    let recorded = host.role == Role::Api || uri.path() == corslab_lab::redirect::BOUNCE_PATH;
    let request_headers = recorded.then(|| request.headers().clone());

    // The API answers its refusals under its policy, as it answers every error; a scripted
    // answer brings none.
    let under_policy = host.role == Role::Api && uri.path() != corslab_lab::scripted::PATH;
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let refused = |error: LabError| {
        if under_policy {
            crate::api::refusal(&lab, &uri, origin.as_deref(), arrival.id, error)
        } else {
            error.into_response()
        }
    };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let mut response = if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        // Refused before a byte of it is read, so a client cannot hold the handler waiting.
        refused(LabError::TooLarge)
    } else {
        // A client that trickles its body must not hold a handler forever. Live streams are
        // not affected: their handler returns at once and the stream is the body.
        match tokio::time::timeout(HANDLER_TIMEOUT, next.run(request)).await {
            Ok(response) => response,
            Err(_) => refused(LabError::Timeout),
        }
    };

    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if matches!(response.status(), StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED) {
        // The HTTP layer never sends a length with these (RFC 9110, 8.6), though the router
        // sets one for every body: the log records the answer as it goes out.
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    if request_headers.is_some() && !response.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        // A form post shows the API's JSON as a document: it may run nothing and load nothing.
        // Only a scripted answer brings its own policy (a same-origin test page).
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'"));
    }
    if let Some(request_headers) = request_headers {
        let policy = response.extensions().get::<PolicyUsed>().map(|p| p.0.id());
        let effects = response.extensions_mut().remove::<Effects>().unwrap_or_default().0;
        let arrived = Arrived {
            id: arrival.id,
            at_ms: arrival.at_ms,
            host: alias.map_or(host.name, |(name, _)| name),
            port: arrival.port,
            method: &method,
            uri: &uri,
            headers: &request_headers,
        };
        let answered =
            Answered { status: response.status().as_u16(), headers: response.headers(), policy, effects };
        let seen = lab.log().record(&arrived, answered);
        if lab.0.events.receiver_count() > 0 {
            lab.publish(LiveEvent::Seen(seen));
        }
    }
    if lab.0.access_log {
        eprintln!(
            "{} {method} http://{}{uri} {}ms",
            response.status().as_u16(),
            host_header.escape_debug(),
            started.elapsed().as_millis()
        );
    }
    response
}

/// The port a request arrived on, when its `Host` names it: the listener's own port (the port
/// the `Host` names when the lab is driven in-process, without a listener, if it is one of the
/// lab's). A `Host` that names another port, or no port that parses, is refused with why.
fn listener_port(lab: &Lab, listener: Option<u16>, host_header: &str) -> Result<u16, String> {
    let ports = lab.ports();
    let named = match hosts::port_text(host_header) {
        None | Some("") => 80,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0 && text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                let shown: String = text.chars().take(20).collect();
                format!(
                    "the Host header names the port {shown:?}, which is not a port: name the lab's port {}",
                    ports.main
                )
            })?,
    };
    let port = listener.unwrap_or(if ports.main == named || ports.second == Some(named) {
        named
    } else {
        ports.main
    });
    if named != port {
        return Err(format!(
            "this connection reached the lab on port {port}, but the Host header names port {named}: \
             send the request to the port its Host names, or name port {port}"
        ));
    }
    Ok(port)
}

/// `421`: the `Host` names a host or a port this listener does not serve.
fn misdirected(lab: &Lab, method: &axum::http::Method, uri: &axum::http::Uri, why: String) -> Response {
    if lab.0.access_log {
        eprintln!("421 {method} {uri} ({})", why.escape_debug());
    }
    let mut response = LabError::Misdirected(why).into_response();
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
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
        let is_api = request.extensions().get::<Arrival>().is_some_and(|a| a.host.role == Role::Api);
        let router = if is_api { self.api.clone() } else { self.pages.clone() };
        Box::pin(async move { router.oneshot(request).await })
    }
}
