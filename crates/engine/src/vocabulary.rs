//! Each browser's words for a blocked fetch: its reason name, the parameter it names and its
//! console line. Kept apart from the algorithms, which only produce typed failures.

use crate::cors_check::{AllowOriginShape, CorsCheckFailure};
use crate::exchange::Browser;

/// Which fetch the failure happened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The CORS preflight.
    Preflight,
    /// The actual response.
    Response,
}

/// A failure as one browser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Chromium's `corsError` name or Firefox's MDN slug.
    pub reason: &'static str,
    /// The value the browser names in its message.
    pub failed_parameter: Option<String>,
    /// The console line.
    pub console: String,
}

/// Words a failed CORS check the way `browser` does.
pub fn cors_check_report(
    browser: Browser,
    stage: Stage,
    failure: &CorsCheckFailure,
    url: &str,
    origin: &str,
    status: u16,
) -> Report {
    match browser {
        Browser::Firefox => firefox_cors_check(stage, failure, url, status),
        Browser::Chromium => chromium_cors_check(stage, failure, url, origin),
    }
}

fn chromium_cors_check(stage: Stage, failure: &CorsCheckFailure, url: &str, origin: &str) -> Report {
    let preflight = stage == Stage::Preflight;
    let name = |plain: &'static str, pre: &'static str| if preflight { pre } else { plain };
    let (reason, failed_parameter, text) = match failure {
        CorsCheckFailure::MissingAllowOrigin => (
            name("MissingAllowOriginHeader", "PreflightMissingAllowOriginHeader"),
            None,
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.".to_owned(),
        ),
        CorsCheckFailure::WildcardWithCredentials => (
            name("WildcardOriginNotAllowed", "PreflightWildcardOriginNotAllowed"),
            Some("*".to_owned()),
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.".to_owned(),
        ),
        CorsCheckFailure::RepeatedAllowOrigin { combined: value }
        | CorsCheckFailure::AllowOriginMismatch { value, shape: AllowOriginShape::List } => (
            name("MultipleAllowOriginValues", "PreflightMultipleAllowOriginValues"),
            Some(value.clone()),
            format!("The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only one is allowed."),
        ),
        CorsCheckFailure::AllowOriginMismatch { value, shape: AllowOriginShape::NotAUrl } => (
            name("InvalidAllowOriginValue", "PreflightInvalidAllowOriginValue"),
            Some(value.clone()),
            format!("The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'."),
        ),
        CorsCheckFailure::AllowOriginMismatch { value, .. } => (
            name("AllowOriginMismatch", "PreflightAllowOriginMismatch"),
            Some(value.clone()),
            format!("The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin."),
        ),
        CorsCheckFailure::AllowCredentialsNotTrue { value } => {
            let value = value.clone().unwrap_or_default();
            (
                name("InvalidAllowCredentials", "PreflightInvalidAllowCredentials"),
                Some(value.clone()),
                format!("The value of the 'Access-Control-Allow-Credentials' header in the response is '{value}' which must be 'true' when the request's credentials mode is 'include'."),
            )
        }
    };
    let preamble =
        if preflight { "Response to preflight request doesn't pass access control check: " } else { "" };
    let console = format!(
        "Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: {preamble}{text}"
    );
    Report { reason, failed_parameter, console }
}

fn firefox_cors_check(stage: Stage, failure: &CorsCheckFailure, url: &str, status: u16) -> Report {
    let (reason, failed_parameter, text) = match failure {
        CorsCheckFailure::MissingAllowOrigin => {
            ("CORSMissingAllowOrigin", None, "CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing".to_owned())
        }
        CorsCheckFailure::RepeatedAllowOrigin { combined } => (
            "CORSMultipleAllowOriginNotAllowed",
            Some(combined.clone()),
            "Multiple CORS header \u{2018}Access-Control-Allow-Origin\u{2019} not allowed".to_owned(),
        ),
        CorsCheckFailure::WildcardWithCredentials => (
            "CORSNotSupportingCredentials",
            Some("*".to_owned()),
            "Credential is not supported if the CORS header \u{2018}Access-Control-Allow-Origin\u{2019} is \u{2018}*\u{2019}".to_owned(),
        ),
        CorsCheckFailure::AllowOriginMismatch { value, .. } => (
            "CORSAllowOriginNotMatchingOrigin",
            Some(value.clone()),
            format!("CORS header \u{2018}Access-Control-Allow-Origin\u{2019} does not match \u{2018}{value}\u{2019}"),
        ),
        CorsCheckFailure::AllowCredentialsNotTrue { value } => (
            "CORSMIssingAllowCredentials",
            value.clone(),
            "expected \u{2018}true\u{2019} in CORS header \u{2018}Access-Control-Allow-Credentials\u{2019}".to_owned(),
        ),
    };
    let mut console = format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: {text}). Status code: {status}."
    );
    if stage == Stage::Preflight {
        console.push_str(&format!(
            "\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request did not succeed). Status code: (null)."
        ));
    }
    Report { reason, failed_parameter, console }
}
