//! Each browser's words for a blocked fetch: its reason name, the parameter it names and its
//! console line. Kept apart from the algorithms, which only produce typed failures.
//!
//! Chromium's names are its DevTools `corsError` values and Firefox's are MDN's `CORS…` slugs
//! (`shared/reference.md`). Where a browser prints no CORS reason at all (a `TypeError` thrown
//! by `fetch()` itself, a refused local-network permission in Firefox), the reason is `None`.

use crate::cors_check::{AllowOriginShape, CorsCheckFailure};
use crate::exchange::Browser;
use crate::failure::Failure;
use crate::preflight::PreflightFailure;
use crate::redirect::RedirectFailure;
use crate::request::Thrown;

/// A failure as one browser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Chromium's `corsError` name or Firefox's MDN slug; `None` when the browser names none.
    pub reason: Option<&'static str>,
    /// The value the browser names in its message.
    pub failed_parameter: Option<String>,
    /// The console line(s), `None` when the browser prints nothing we can state.
    pub console: Option<String>,
}

/// Where the failing fetch went, for the console line.
#[derive(Debug, Clone, Copy)]
pub struct Scene<'a> {
    /// The URL that failed.
    pub url: &'a str,
    /// The URL the script asked for, when a redirect led elsewhere.
    pub redirected_from: Option<&'a str>,
    /// The page's serialized origin.
    pub origin: &'a str,
    /// The status of the response that failed, when there was one.
    pub status: Option<u16>,
}

/// Words `failure` the way `browser` does.
pub fn report(browser: Browser, failure: &Failure, scene: Scene<'_>) -> Report {
    match browser {
        Browser::Firefox => firefox(failure, scene),
        Browser::Chromium => chromium(failure, scene),
    }
}

const PREFLIGHT_PREAMBLE: &str = "Response to preflight request doesn't pass access control check: ";

fn chromium(failure: &Failure, scene: Scene<'_>) -> Report {
    let blocked = |reason: &'static str, parameter: Option<String>, text: String| Report {
        reason: Some(reason),
        failed_parameter: parameter,
        console: Some(chromium_line(scene, &text)),
    };
    match failure {
        Failure::Thrown(Thrown::ForbiddenMethod(m)) => Report {
            reason: None,
            failed_parameter: Some(m.to_string()),
            console: Some(format!("TypeError: Failed to execute 'fetch' on 'Window': '{m}' HTTP method is unsupported.")),
        },
        Failure::Thrown(Thrown::NoCorsMethod(m)) => Report {
            reason: None,
            failed_parameter: Some(m.to_string()),
            console: Some(format!("TypeError: Failed to execute 'fetch' on 'Window': '{m}' is unsupported in no-cors mode.")),
        },
        Failure::Scheme(_) => blocked(
            "CorsDisabledScheme",
            None,
            "Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, chrome-untrusted, data, http, https, isolated-app.".to_owned(),
        ),
        Failure::SameOriginMode => Report {
            reason: Some("DisallowedByMode"),
            failed_parameter: None,
            console: Some(format!(
                "Fetch API cannot load {}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
                scene.url, scene.origin
            )),
        },
        Failure::LocalNetworkInsecure(space) => blocked(
            "InsecureLocalNetwork",
            None,
            format!("The request client is not a secure context and the resource is in more-private address space `{space}`."),
        ),
        Failure::LocalNetworkDenied(space) | Failure::LocalNetworkPending(space) => blocked(
            "LocalNetworkAccessPermissionDenied",
            None,
            format!("Permission was denied for this request to access the `{space}` address space."),
        ),
        Failure::Preflight(PreflightFailure::Redirect { .. }) => blocked(
            "PreflightDisallowedRedirect",
            None,
            format!("{PREFLIGHT_PREAMBLE}Redirect is not allowed for a preflight request."),
        ),
        Failure::Preflight(PreflightFailure::CorsCheck(f)) => {
            let (reason, parameter, text) = chromium_cors_check(f, true);
            blocked(reason, parameter, format!("{PREFLIGHT_PREAMBLE}{text}"))
        }
        Failure::Preflight(PreflightFailure::Status(_)) => blocked(
            "PreflightInvalidStatus",
            None,
            format!("{PREFLIGHT_PREAMBLE}It does not have HTTP ok status."),
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowMethods { value, .. }) => blocked(
            "InvalidAllowMethodsPreflightResponse",
            Some(value.clone()),
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.".to_owned(),
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowHeaders { value, .. }) => blocked(
            "InvalidAllowHeadersPreflightResponse",
            Some(value.clone()),
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.".to_owned(),
        ),
        Failure::Preflight(PreflightFailure::Method { method, .. }) => blocked(
            "MethodDisallowedByPreflightResponse",
            Some(method.clone()),
            format!("Method {method} is not allowed by Access-Control-Allow-Methods in preflight response."),
        ),
        Failure::Preflight(PreflightFailure::Header { name, .. }) => blocked(
            "HeaderDisallowedByPreflightResponse",
            Some(name.clone()),
            format!("Request header field {name} is not allowed by Access-Control-Allow-Headers in preflight response."),
        ),
        Failure::RedirectCorsCheck(f) | Failure::Response(f) => {
            let (reason, parameter, text) = chromium_cors_check(f, false);
            blocked(reason, parameter, text)
        }
        Failure::Redirect(RedirectFailure::Credentials(location)) => blocked(
            "RedirectContainsCredentials",
            Some(location.to_string()),
            format!("Redirect location '{location}' contains a username and password, which is disallowed for cross-origin requests."),
        ),
        // Network errors that are not CORS failures: DevTools shows no corsError for them.
        Failure::Redirect(_) | Failure::RedirectModeError | Failure::MissingHop => {
            Report { reason: None, failed_parameter: None, console: None }
        }
    }
}

fn chromium_line(scene: Scene<'_>, text: &str) -> String {
    let redirected =
        scene.redirected_from.map(|from| format!(" (redirected from '{from}')")).unwrap_or_default();
    format!(
        "Access to fetch at '{}'{redirected} from origin '{}' has been blocked by CORS policy: {text}",
        scene.url, scene.origin
    )
}

fn chromium_cors_check(
    failure: &CorsCheckFailure,
    preflight: bool,
) -> (&'static str, Option<String>, String) {
    let name = |plain: &'static str, pre: &'static str| if preflight { pre } else { plain };
    match failure {
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
    }
}

fn firefox(failure: &Failure, scene: Scene<'_>) -> Report {
    let silent = Report { reason: None, failed_parameter: None, console: None };
    let (reason, parameter, text, preflight) = match failure {
        Failure::Thrown(Thrown::ForbiddenMethod(m) | Thrown::NoCorsMethod(m)) => {
            return Report {
                reason: None,
                failed_parameter: Some(m.to_string()),
                console: Some(format!("TypeError: Window.fetch: Invalid request method {m}.")),
            };
        }
        Failure::Scheme(_) => ("CORSRequestNotHttp", None, "CORS request not HTTP".to_owned(), false),
        // Firefox rejects these without a CORS console message of its own.
        Failure::SameOriginMode
        | Failure::LocalNetworkInsecure(_)
        | Failure::LocalNetworkDenied(_)
        | Failure::LocalNetworkPending(_)
        | Failure::Redirect(_)
        | Failure::RedirectModeError
        | Failure::MissingHop => return silent,
        Failure::Preflight(PreflightFailure::Redirect { .. }) => (
            "CORSExternalRedirectNotAllowed",
            None,
            "CORS request external redirect not allowed".to_owned(),
            true,
        ),
        Failure::Preflight(PreflightFailure::CorsCheck(f)) => {
            let (reason, parameter, text) = firefox_cors_check(f);
            (reason, parameter, text, true)
        }
        Failure::Preflight(PreflightFailure::Status(_)) => {
            ("CORSPreflightDidNotSucceed", None, "CORS preflight response did not succeed".to_owned(), true)
        }
        Failure::Preflight(PreflightFailure::InvalidAllowMethods { token, .. }) => (
            "CORSInvalidAllowMethod",
            Some(token.clone()),
            format!(
                "invalid token \u{2018}{token}\u{2019} in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}"
            ),
            true,
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowHeaders { token, .. }) => (
            "CORSInvalidAllowHeader",
            Some(token.clone()),
            format!(
                "invalid token \u{2018}{token}\u{2019} in CORS header \u{2018}Access-Control-Allow-Headers\u{2019}"
            ),
            true,
        ),
        Failure::Preflight(PreflightFailure::Method { .. }) => (
            "CORSMethodNotFound",
            None,
            "Did not find method in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}".to_owned(),
            true,
        ),
        Failure::Preflight(PreflightFailure::Header { name, .. }) => (
            "CORSMissingAllowHeaderFromPreflight",
            Some(name.clone()),
            format!(
                "header \u{2018}{name}\u{2019} is not allowed according to header \u{2018}Access-Control-Allow-Headers\u{2019} from CORS preflight response"
            ),
            true,
        ),
        Failure::RedirectCorsCheck(f) | Failure::Response(f) => {
            let (reason, parameter, text) = firefox_cors_check(f);
            (reason, parameter, text, false)
        }
    };
    let status = scene.status.map(|s| format!(" Status code: {s}.")).unwrap_or_default();
    let mut console = format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {}. (Reason: {text}).{status}",
        scene.url
    );
    if preflight {
        // A failed preflight fails the request it guards too, which Firefox logs as a second line.
        console.push_str(&format!(
            "\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {}. (Reason: CORS request did not succeed). Status code: (null).",
            scene.url
        ));
    }
    Report { reason: Some(reason), failed_parameter: parameter, console: Some(console) }
}

fn firefox_cors_check(failure: &CorsCheckFailure) -> (&'static str, Option<String>, String) {
    match failure {
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
        // Firefox reports a comma-separated list as a plain mismatch (measured).
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene() -> Scene<'static> {
        Scene {
            url: "http://api.localhost/x",
            redirected_from: None,
            origin: "http://a.localhost",
            status: Some(200),
        }
    }

    #[test]
    fn chromium_prefixes_preflight_check_failures() {
        let failure = Failure::Preflight(PreflightFailure::CorsCheck(CorsCheckFailure::MissingAllowOrigin));
        let report = report(Browser::Chromium, &failure, scene());
        assert_eq!(report.reason, Some("PreflightMissingAllowOriginHeader"));
        assert!(report.console.unwrap().contains(PREFLIGHT_PREAMBLE));
    }

    #[test]
    fn firefox_uses_typographic_quotes_and_a_second_line_for_preflights() {
        let failure =
            Failure::Preflight(PreflightFailure::Header { name: "x-csrf".into(), wildcard_ignored: false });
        let report = report(Browser::Firefox, &failure, scene());
        let console = report.console.unwrap();
        assert!(console.contains("\u{2018}x-csrf\u{2019}"), "{console}");
        assert_eq!(console.lines().count(), 2);
        assert!(!console.contains('\''), "{console}");
    }

    #[test]
    fn comma_lists_are_named_differently() {
        let failure = Failure::Response(CorsCheckFailure::AllowOriginMismatch {
            value: "a, b".into(),
            shape: AllowOriginShape::List,
        });
        assert_eq!(report(Browser::Chromium, &failure, scene()).reason, Some("MultipleAllowOriginValues"));
        assert_eq!(
            report(Browser::Firefox, &failure, scene()).reason,
            Some("CORSAllowOriginNotMatchingOrigin")
        );
    }
}
