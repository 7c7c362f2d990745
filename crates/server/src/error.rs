//! The lab's one error type: every refusal becomes `{"error": "..."}` with a 4xx status, and
//! nothing about the server's insides ever reaches the answer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use corslab_lab::state::ErrorBody;

/// Why the lab refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabError {
    /// The request is malformed: a bad body, query or header (400).
    BadRequest(String),
    /// The session cookie is missing or unknown (401).
    NotSignedIn,
    /// The request is not allowed from where it came (403).
    Forbidden(String),
    /// No such endpoint on this host (404).
    NotFound,
    /// The method is not one this endpoint takes (405).
    MethodNotAllowed,
    /// The request took too long to arrive (408).
    Timeout,
    /// The body is larger than the lab accepts (413).
    TooLarge,
    /// The body's media type is not one this endpoint reads (415).
    UnsupportedMediaType(String),
    /// The `Host` names a host or port this listener does not serve (421).
    Misdirected(String),
    /// The request is well formed but cannot be carried out (422).
    Unprocessable(String),
    /// The lab holds as many of these as it keeps; try again after one ends (503).
    Busy(String),
}

impl LabError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Misdirected(_) => StatusCode::MISDIRECTED_REQUEST,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The sentence for people: what was wrong and what to do.
    pub fn message(&self) -> String {
        match self {
            Self::BadRequest(why) | Self::Forbidden(why) | Self::Unprocessable(why) | Self::Busy(why) => {
                why.clone()
            }
            Self::UnsupportedMediaType(why) | Self::Misdirected(why) => why.clone(),
            Self::NotSignedIn => {
                "not signed in: sign in on FinTrack's dashboard (fintrack.localhost, on the lab's port) first"
                    .to_owned()
            }
            Self::NotFound => {
                "no such endpoint here: check the host and the path against the endpoints the README lists under \"FinTrack's API\""
                    .to_owned()
            }
            Self::MethodNotAllowed => {
                "this endpoint does not take that method: check it against the endpoints the README lists under \"FinTrack's API\""
                    .to_owned()
            }
            Self::Timeout => format!(
                "the request took too long to arrive: send it whole within {} seconds",
                crate::front_door::HANDLER_TIMEOUT.as_secs()
            ),
            Self::TooLarge => {
                format!("the body is larger than the lab accepts: send at most {} KiB", crate::BODY_LIMIT / 1024)
            }
        }
    }
}

/// Reads a buffered body, turning axum's rejection into the lab's error.
pub fn body(
    result: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, LabError> {
    result.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            LabError::TooLarge
        } else {
            LabError::BadRequest("the request body could not be read".to_owned())
        }
    })
}

impl IntoResponse for LabError {
    fn into_response(self) -> Response {
        (self.status(), Json(ErrorBody { error: self.message() })).into_response()
    }
}

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status().as_u16(), self.message())
    }
}

impl std::error::Error for LabError {}
