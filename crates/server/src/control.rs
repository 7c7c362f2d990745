//! `/__lab/*` on every page host: the log, the ledger, the state, the catalog, the live feed,
//! CSP reports, and the control plane, which accepts writes only from the console itself.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use corslab_lab::hosts::{CONSOLE, Role, origin_on};
use corslab_lab::state::{Control, CspReportPage, CspViolation, LedgerPage, LiveEvent};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::Lab;
use crate::error::LabError;
use crate::front_door::Arrival;
use crate::record::run_key;
use crate::request_headers::content_type_essence;

/// The header the console echoes its CSRF token in.
pub const CSRF_HEADER: &str = "x-lab-csrf";

/// The query of `/__lab/log` and `/__lab/events`: `run` and `after`, each at most once; other
/// parameters (a cache-buster) are ignored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RunQuery {
    run: Option<String>,
    after: u64,
}

impl RunQuery {
    /// Reads the query, saying what is wrong with it.
    pub fn parse(query: Option<&str>) -> Result<Self, LabError> {
        let mut parsed = Self::default();
        let mut after_seen = false;
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match name.as_ref() {
                "run" if parsed.run.is_some() => {
                    return Err(LabError::BadRequest(
                        "run is given more than once in the query: give one run id".to_owned(),
                    ));
                }
                "run" => parsed.run = Some(value.into_owned()),
                "after" if after_seen => {
                    return Err(LabError::BadRequest(
                        "after is given more than once in the query: give the id of the last entry read once"
                            .to_owned(),
                    ));
                }
                "after" => {
                    after_seen = true;
                    parsed.after = after_of(&value)?;
                }
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// `after`: the id of the last entry a reader has, a whole number from 0.
fn after_of(value: &str) -> Result<u64, LabError> {
    let shown: String = value.chars().take(40).collect();
    if value.starts_with('-') {
        return Err(LabError::BadRequest(format!(
            "after must be 0 or more (the id of the last entry read), not {shown:?}"
        )));
    }
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LabError::BadRequest(format!(
            "after must be a whole number (the id of the last entry read), not {shown:?}"
        )));
    }
    value.parse().map_err(|_| {
        LabError::BadRequest(format!("after is larger than any id the log gives: at most {}", u64::MAX))
    })
}

/// `GET /__lab/log?run=ID&after=N`.
pub async fn log(State(lab): State<Lab>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let query = match RunQuery::parse(query.as_deref()) {
        Ok(query) => query,
        Err(e) => return e.into_response(),
    };
    readable(&lab, &headers, Json(lab.log().page(query.run.as_deref(), query.after)).into_response())
}

/// `GET /__lab/ledger`.
pub async fn ledger(State(lab): State<Lab>, headers: HeaderMap) -> Response {
    let page = {
        let state = lab.state();
        LedgerPage { dropped: state.ledger.dropped(), entries: state.ledger.iter().cloned().collect() }
    };
    readable(&lab, &headers, Json(page).into_response())
}

/// `GET /__lab/state`: with the CSRF token only for the console's own pages.
pub async fn state(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
) -> Response {
    let mut state = lab.snapshot();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if arrival.host.role == Role::Console && matches!(fetch_site, None | Some("same-origin")) {
        state.csrf_token = Some(lab.0.csrf_token.clone());
    }
    readable(&lab, &headers, Json(state).into_response())
}

/// `GET /__lab/catalog`: the sixteen policies with engine-computed outcomes for this lab.
pub async fn catalog(State(lab): State<Lab>, headers: HeaderMap) -> Response {
    let cookie = lab.state().cookie;
    match corslab_lab::catalog_with_outcomes(&lab.ports(), &cookie) {
        Ok(items) => readable(&lab, &headers, Json(items).into_response()),
        Err(e) => {
            eprintln!("error: the catalog's outcomes could not be computed: {e}");
            LabError::Unprocessable("the catalog could not be computed; see the lab's log".to_owned())
                .into_response()
        }
    }
}

/// The most live feeds (`/__lab/events`) open at once.
pub const MAX_LIVE_FEEDS: usize = 64;

/// `GET /__lab/events?run=ID`: server-sent events, optionally only one run's; `503` past
/// [`MAX_LIVE_FEEDS`] open feeds.
pub async fn events(
    State(lab): State<Lab>,
    RawQuery(query): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, LabError> {
    let query = RunQuery::parse(query.as_deref())?;
    // Each open feed holds a connection and its buffers; a page needs one.
    if lab.0.events.receiver_count() >= MAX_LIVE_FEEDS {
        return Err(LabError::Busy(format!(
            "{MAX_LIVE_FEEDS} live feeds are open already; close a lab tab and reload this one"
        )));
    }
    let receiver = lab.0.events.subscribe();
    let stop = lab.0.stop.subscribe();
    // Cut as the log keeps run ids, so a long one is found.
    let run = query.run.as_deref().map(run_key);
    let stream =
        futures_util::stream::unfold((receiver, stop, run), |(mut receiver, mut stop, run)| async move {
            loop {
                let event = tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(event) => event,
                        Err(RecvError::Lagged(missed)) => LiveEvent::Lagged { missed },
                        Err(RecvError::Closed) => return None,
                    },
                    // The lab is stopping: end the stream so a graceful shutdown can finish.
                    _ = stop.wait_for(|stop| *stop) => return None,
                };
                if !in_run(&event, run.as_deref()) {
                    continue;
                }
                let sse = Event::default()
                    .event(event.name())
                    .json_data(&event)
                    .unwrap_or_else(|_| Event::default().comment("unserializable event"));
                return Some((Ok(sse), (receiver, stop, run)));
            }
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `POST /__lab/control`: accepted only from the console's own pages, with the CSRF token.
pub async fn control(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, LabError> {
    let body = crate::error::body(body)?;
    console_only(&lab, &arrival, &headers)?;
    if content_type_essence(&headers).as_deref() != Some("application/json") {
        return Err(LabError::UnsupportedMediaType("send the command as application/json".to_owned()));
    }
    let command: Control = serde_json::from_slice(&body)
        .map_err(|e| LabError::BadRequest(format!("not a control command: {e}")))?;
    let mut state = lab.apply(&command);
    state.csrf_token = Some(lab.0.csrf_token.clone());
    Ok(Json(state).into_response())
}

/// `POST /__lab/audit`: "audit this API" from the console. Runs `corslab-audit` against the
/// lab's own API under the current policy, through the front door like any client, so the
/// probes show up in the log under their run.
pub async fn audit(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
) -> Result<Response, LabError> {
    console_only(&lab, &arrival, &headers)?;
    let summary = crate::audit::audit_own_api(&lab).await?;
    Ok(Json(summary).into_response())
}

/// Refuses anything but the console's own page on `lab.localhost`, with the CSRF token: the
/// guard of every control-plane write.
fn console_only(lab: &Lab, arrival: &Arrival, headers: &HeaderMap) -> Result<(), LabError> {
    let console = origin_on(CONSOLE, arrival.port);
    if arrival.host.role != Role::Console {
        return Err(LabError::Forbidden(format!("the control plane accepts writes only on {console}")));
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("sec-fetch-site") != Some("same-origin") {
        return Err(LabError::Forbidden(
            "control-plane writes must come from the console's own page (Sec-Fetch-Site: same-origin)"
                .to_owned(),
        ));
    }
    if let Some(origin) = text("origin")
        && origin != console
    {
        return Err(LabError::Forbidden(format!(
            "control-plane writes must come from {console}, not {origin}"
        )));
    }
    let token = text(CSRF_HEADER).unwrap_or("");
    if !same_secret(token.as_bytes(), lab.0.csrf_token.as_bytes()) {
        return Err(LabError::Forbidden(
            "missing or wrong X-Lab-Csrf token; read it from GET /__lab/state".to_owned(),
        ));
    }
    Ok(())
}

/// `POST /__lab/csp-report`: a browser's CSP violation report (`report-uri` or Reporting API form).
///
/// Only in the media types browsers report with, which no other site's page can send without a
/// preflight this route never answers: a page elsewhere cannot plant violations in the list.
pub async fn csp_report(
    State(lab): State<Lab>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, LabError> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(essence.as_deref(), Some("application/csp-report" | "application/reports+json")) {
        return Err(LabError::UnsupportedMediaType(
            "a CSP report comes as application/csp-report or application/reports+json".to_owned(),
        ));
    }
    let body = crate::error::body(body)?;
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| LabError::BadRequest("not a CSP report".to_owned()))?;
    let reports: Vec<&serde_json::Value> = match &value {
        serde_json::Value::Array(items) => items.iter().filter_map(|r| r.get("body")).collect(),
        other => other.get("csp-report").into_iter().collect(),
    };
    if reports.is_empty() {
        return Err(LabError::BadRequest("not a CSP report".to_owned()));
    }
    let field = |report: &serde_json::Value, names: &[&str]| {
        names
            .iter()
            .find_map(|n| report.get(*n).and_then(|v| v.as_str()))
            .unwrap_or("")
            .chars()
            .take(512)
            .collect::<String>()
    };
    let at_ms = lab.now_ms();
    let mut state = lab.state();
    for report in reports.into_iter().take(10) {
        let id = state.csp.next_id();
        state.csp.push(CspViolation {
            id,
            at_ms,
            document: field(report, &["document-uri", "documentURL"]),
            directive: field(report, &["effective-directive", "effectiveDirective", "violated-directive"]),
            blocked: field(report, &["blocked-uri", "blockedURL"]),
        });
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `GET /__lab/csp-reports`.
pub async fn csp_reports(State(lab): State<Lab>, headers: HeaderMap) -> Response {
    let page = {
        let state = lab.state();
        CspReportPage { dropped: state.csp.dropped(), entries: state.csp.iter().cloned().collect() }
    };
    readable(&lab, &headers, Json(page).into_response())
}

pub(crate) fn apply(lab: &Lab, command: &Control) {
    let mut state = lab.state();
    match command {
        Control::SetPolicy { policy } => state.policy = *policy,
        Control::SetCookie { cookie } => state.cookie = *cookie,
        Control::Reset {} => {
            state.policy = lab.0.start_policy;
            state.cookie = lab.0.start_cookie;
            state.bank.clear();
            state.ledger.clear();
            state.csp.clear();
            drop(state);
            lab.log().clear();
        }
    }
}

fn in_run(event: &LiveEvent, run: Option<&str>) -> bool {
    let Some(run) = run else { return true };
    match event {
        LiveEvent::Seen(seen) => seen.run.as_deref() == Some(run),
        LiveEvent::Ledger(entry) => entry.run.as_deref() == Some(run),
        _ => true,
    }
}

/// Lets a configured test harness origin read a `/__lab/` answer cross-origin. The answer
/// differs by Origin whether or not this one was a harness, so it always says `Vary: Origin`.
fn readable(lab: &Lab, headers: &HeaderMap, mut response: Response) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let harness = origin.filter(|o| lab.0.harness_origins.iter().any(|h| h == o));
    if let Some(value) = harness.and_then(|o| HeaderValue::from_str(o).ok()) {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(query: &str) -> String {
        RunQuery::parse(Some(query)).unwrap_err().message()
    }

    #[test]
    fn a_log_query_is_read_or_refused_for_what_is_wrong_with_it() {
        assert_eq!(
            RunQuery::parse(Some("run=a%20b&after=7&t=1")).unwrap(),
            RunQuery { run: Some("a b".to_owned()), after: 7 }
        );
        assert_eq!(RunQuery::parse(None).unwrap(), RunQuery::default());
        assert!(refusal("run=a&run=b").starts_with("run is given more than once"));
        assert!(refusal("after=1&after=2").starts_with("after is given more than once"));
        assert!(refusal("after=-1").starts_with("after must be 0 or more"));
        assert!(refusal("after=99999999999999999999").starts_with("after is larger than any id"));
        assert!(refusal("after=ten").starts_with("after must be a whole number"));
        assert!(refusal("after=").starts_with("after must be a whole number"));
    }
}
