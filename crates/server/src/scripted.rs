//! `/scripted` on the API host: answers exactly as the request's `answer` script says, outside
//! the CORS policy layer, so tests can pose shapes no policy produces. The front door records
//! it in the log like every other API request.
//!
//! Off unless the lab was started for a test harness ([`crate::Config::scripted`]): a scripted
//! answer may be a page with its own script, which would then run on the API's origin for any
//! site that links to it.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use corslab_lab::scripted::{PATH, Script, Scripted};

use crate::Lab;
use crate::error::LabError;
use crate::front_door::Arrival;
use crate::record::query_param;

/// The scripted route, to be merged beside (not under) the policy layer.
pub fn router() -> Router<Lab> {
    Router::new().route(PATH, any(scripted))
}

async fn scripted(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    request: Request,
) -> Response {
    if !lab.answers_scripts() {
        return LabError::Forbidden(
            "scripted answers are off: they would let any site run a page on the API's origin; `corslab serve --scripted` turns them on for a test harness".to_owned(),
        )
        .into_response();
    }
    let Some(answer) = query_param(request.uri().query(), "answer") else {
        return LabError::BadRequest(
            "add ?answer=<base64url JSON of {preflight, asking, response}>; see corslab_lab::scripted"
                .to_owned(),
        )
        .into_response();
    };
    let script = match Script::decode(&answer) {
        Ok(script) => script,
        Err(e) => return LabError::BadRequest(e).into_response(),
    };
    let headers = request.headers();
    // A preflight's answer may depend on the header names it asks about, all its lines read.
    let asked = (request.method() == Method::OPTIONS
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD))
    .then(|| {
        let lines = headers.get_all(header::ACCESS_CONTROL_REQUEST_HEADERS).iter();
        lines.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect::<Vec<_>>().join(",")
    });
    match respond(script.answer_for(asked.as_deref()), arrival.id) {
        Ok(response) => response,
        Err(e) => LabError::BadRequest(e).into_response(),
    }
}

/// The response for one scripted answer, with the headers every API answer carries.
fn respond(answer: &Scripted, request_id: u64) -> Result<Response, String> {
    let status = StatusCode::from_u16(answer.status).map_err(|e| format!("status: {e}"))?;
    let mut response = Response::new(Body::from(answer.body.clone().unwrap_or_default()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in &answer.headers {
        let name = HeaderName::try_from(name.as_str()).map_err(|e| format!("{name:?}: {e}"))?;
        let value = HeaderValue::try_from(value.as_str()).map_err(|e| format!("{name}: {e}"))?;
        headers.append(name, value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Each scenario is fetched once; a cached answer would hide the next request from the log.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(HeaderName::from_static("x-request-id"), HeaderValue::from(request_id));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_stay_repeated_and_no_store_is_the_default() {
        let answer =
            Scripted::new(200, &[("Access-Control-Allow-Origin", "a"), ("access-control-allow-origin", "b")]);
        let response = respond(&answer, 7).unwrap();
        let values: Vec<_> = response.headers().get_all("access-control-allow-origin").iter().collect();
        assert_eq!(values, ["a", "b"]);
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["x-request-id"], "7");
        let cached = respond(&Scripted::new(200, &[("Cache-Control", "max-age=5")]), 1).unwrap();
        assert_eq!(cached.headers()["cache-control"], "max-age=5");
    }
}
