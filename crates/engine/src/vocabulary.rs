//! Each browser's words for a blocked fetch: its reason name, the parameter it names and its
//! console line. Kept apart from the algorithms, which only produce typed failures.
//!
//! Chromium's names are its DevTools `corsError` values and Firefox's are MDN's `CORS…` slugs
//! (`shared/reference.md`). Where a browser prints no CORS reason at all (a `TypeError` thrown
//! by `fetch()` itself, a refused local-network permission in Firefox), the reason is `None`.

use crate::cors_check::{AllowOriginShape, CorsCheckFailure};
use crate::exchange::Browser;
use crate::failure::Failure;
use crate::header::is_token;
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
    /// Whether the request follows redirects (mode `follow`): only then does Firefox report the
    /// request it cancels after a failed redirect (measured by the differential matrix).
    pub follows_redirects: bool,
    /// Whether the request that failed is a CORS request (its response tainting is `cors`).
    pub cors: bool,
}

/// Words `failure` the way `browser` does.
pub fn report(browser: Browser, failure: &Failure, scene: Scene<'_>) -> Report {
    match browser {
        Browser::Firefox => firefox(failure, scene),
        Browser::Chromium => chromium(failure, scene),
    }
}

const PREFLIGHT_PREAMBLE: &str = "Response to preflight request doesn't pass access control check: ";

/// What Chromium adds after every malformed or mismatching `Access-Control-Allow-Origin`.
const VALID_VALUE: &str = " Have the server send the header with a valid value.";

/// A value as Chromium's console line prints it (Blink's `EncodeHint`): printable ASCII as it
/// is, every other character, one per byte of the header, as `\uXXXX` (a tab is `\u0009`, and
/// the UTF-8 bytes of `ü` are `\u00C3\u00BC`). DevTools' `failedParameter` keeps it raw.
fn hint(value: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ' '..='~') {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        }
    }
    out
}

fn chromium(failure: &Failure, scene: Scene<'_>) -> Report {
    let blocked = |reason: &'static str, parameter: Option<String>, text: String| Report {
        reason: Some(reason),
        failed_parameter: parameter,
        console: Some(chromium_line(scene, &text)),
    };
    match failure {
        Failure::Thrown(Thrown::UrlCredentials(url)) => Report {
            reason: None,
            failed_parameter: None,
            console: Some(format!("TypeError: Failed to execute 'fetch' on 'Window': Request cannot be constructed from a URL that includes credentials: {url}")),
        },
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
        // Blink refuses these before the network service sees them: no corsError, one console
        // line, which for a file: URL (and a blob: URL in no-cors mode) is about local
        // resources (measured by the differential matrix).
        Failure::Scheme { scheme, no_cors } => Report {
            reason: None,
            failed_parameter: None,
            console: Some(if scheme == "file" || (scheme == "blob" && *no_cors) {
                format!("Not allowed to load local resource: {}", scene.url)
            } else {
                format!("Fetch API cannot load {}. URL scheme \"{scheme}\" is not supported.", scene.url)
            }),
        },
        // Blink refuses the request before the network service sees it: DevTools reports no
        // corsError, only this console line. A redirect to another origin fails in the network
        // service, silently (both measured by the differential matrix).
        Failure::SameOriginMode if scene.redirected_from.is_some() => {
            Report { reason: None, failed_parameter: None, console: None }
        }
        Failure::SameOriginMode => Report {
            reason: None,
            failed_parameter: None,
            console: Some(format!(
                "Fetch API cannot load {}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
                scene.url, scene.origin
            )),
        },
        // Blink refuses it before the network service sees it (measured by the matrix).
        Failure::NoCorsRedirectMode(_) => Report {
            reason: None,
            failed_parameter: None,
            console: Some(format!(
                "Fetch API cannot load {}. Request mode is \"no-cors\" but the redirect mode is not \"follow\".",
                scene.url
            )),
        },
        Failure::MixedContent => Report {
            reason: None,
            failed_parameter: None,
            console: Some(format!(
                "Mixed Content: The page at '{}/' was loaded over HTTPS, but requested an insecure resource '{}'. This request has been blocked; the content must be served over HTTPS.",
                scene.origin, scene.url
            )),
        },
        // The network stack refuses these without a CORS error (conflicting Locations measured
        // by the matrix; a bad port is net::ERR_UNSAFE_PORT, outside the console's CORS lines;
        // only Firefox refuses the unspecified address).
        Failure::BadPort(_) | Failure::ConflictingLocations { .. } | Failure::UnspecifiedAddress => {
            Report { reason: None, failed_parameter: None, console: None }
        }
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
        // Chromium names no parameter for an unparsable list (DevTools shows "", measured).
        Failure::Preflight(PreflightFailure::InvalidAllowMethods { .. }) => blocked(
            "InvalidAllowMethodsPreflightResponse",
            None,
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.".to_owned(),
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowHeaders { .. }) => blocked(
            "InvalidAllowHeadersPreflightResponse",
            None,
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.".to_owned(),
        ),
        Failure::Preflight(PreflightFailure::Method { method, .. }) => blocked(
            "MethodDisallowedByPreflightResponse",
            Some(method.clone()),
            format!("Method {} is not allowed by Access-Control-Allow-Methods in preflight response.", hint(method)),
        ),
        Failure::Preflight(PreflightFailure::Header { name, .. }) => blocked(
            "HeaderDisallowedByPreflightResponse",
            Some(name.clone()),
            format!(
                "Request header field {} is not allowed by Access-Control-Allow-Headers in preflight response.",
                hint(name)
            ),
        ),
        Failure::RedirectCorsCheck(f) | Failure::Response(f) => {
            let (reason, parameter, text) = chromium_cors_check(f, false);
            blocked(reason, parameter, text)
        }
        Failure::Redirect(RedirectFailure::Credentials(_)) => blocked(
            "RedirectContainsCredentials",
            // Chromium names no location, in DevTools or in the sentence: it prints '' (measured).
            None,
            "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.".to_owned(),
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
        CorsCheckFailure::RepeatedAllowOrigin { combined: value, .. }
        | CorsCheckFailure::AllowOriginMismatch { value, shape: AllowOriginShape::List } => (
            name("MultipleAllowOriginValues", "PreflightMultipleAllowOriginValues"),
            Some(value.clone()),
            format!("The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only one is allowed.{VALID_VALUE}", hint(value)),
        ),
        CorsCheckFailure::AllowOriginMismatch { value, shape: AllowOriginShape::NotAUrl } => (
            name("InvalidAllowOriginValue", "PreflightInvalidAllowOriginValue"),
            Some(value.clone()),
            format!("The 'Access-Control-Allow-Origin' header contains the invalid value '{}'.{VALID_VALUE}", hint(value)),
        ),
        CorsCheckFailure::AllowOriginMismatch { value, .. } => (
            name("AllowOriginMismatch", "PreflightAllowOriginMismatch"),
            Some(value.clone()),
            format!("The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to the supplied origin.{VALID_VALUE}", hint(value)),
        ),
        CorsCheckFailure::AllowCredentialsNotTrue { value } => {
            let value = value.clone().unwrap_or_default();
            (
                name("InvalidAllowCredentials", "PreflightInvalidAllowCredentials"),
                Some(value.clone()),
                format!("The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' which must be 'true' when the request's credentials mode is 'include'.", hint(&value)),
            )
        }
    }
}

/// Where a Firefox failure happened, which decides the lines that follow its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirefoxStage {
    /// The final response: one line.
    Response,
    /// A redirect response or a preflight: the request is cancelled, a second line says so.
    Cancelled,
    /// A preflight answered with a redirect: the preflight and the request each get a line.
    PreflightRedirect,
}

fn firefox(failure: &Failure, scene: Scene<'_>) -> Report {
    let silent = Report { reason: None, failed_parameter: None, console: None };
    let (reason, parameter, text, stage) = match failure {
        Failure::Thrown(Thrown::UrlCredentials(url)) => {
            return Report {
                reason: None,
                failed_parameter: None,
                console: Some(format!("TypeError: Window.fetch: {url} is an url with embedded credentials.")),
            };
        }
        Failure::Thrown(Thrown::ForbiddenMethod(m) | Thrown::NoCorsMethod(m)) => {
            return Report {
                reason: None,
                failed_parameter: Some(m.to_string()),
                console: Some(format!("TypeError: Window.fetch: Invalid request method {m}.")),
            };
        }
        // Only a cors request to a URL Firefox makes a channel for (about:, ftp:) reaches its
        // CORS code, which words it in lower case; ws:, file: and blob: URLs fail silently, as
        // does every no-cors one (measured by the differential matrix).
        Failure::Scheme { scheme, no_cors: false } if matches!(scheme.as_str(), "about" | "ftp") => {
            ("CORSRequestNotHttp", None, "CORS request not http".to_owned(), FirefoxStage::Response)
        }
        Failure::Scheme { .. } => return silent,
        // A Location with credentials only makes the request fail (measured by the matrix).
        Failure::Redirect(RedirectFailure::Credentials(_)) => {
            ("CORSDidNotSucceed", None, "CORS request did not succeed".to_owned(), FirefoxStage::Response)
        }
        // So does a CORS request redirected a 21st time, or to a Location that does not parse
        // or is not HTTP(S) (measured by the matrix).
        Failure::Redirect(
            RedirectFailure::TooMany | RedirectFailure::BadLocation(_) | RedirectFailure::Scheme(_),
        ) if scene.cors => {
            ("CORSDidNotSucceed", None, "CORS request did not succeed".to_owned(), FirefoxStage::Response)
        }
        // A CORS request whose response the network layer refused (measured by the matrix).
        Failure::ConflictingLocations { .. } if scene.cors => {
            ("CORSDidNotSucceed", None, "CORS request did not succeed".to_owned(), FirefoxStage::Response)
        }
        // A CORS request redirected to a bad port fails as the request that redirected, which
        // Firefox names; one sent to a bad port directly fails silently (measured by the matrix:
        // a cors GET redirected once to port 4190 or 10080).
        Failure::BadPort(_) if scene.cors => {
            let Some(from) = scene.redirected_from else { return silent };
            return Report {
                reason: Some("CORSDidNotSucceed"),
                failed_parameter: None,
                console: Some(firefox_line(from, "CORS request did not succeed", Some("(null)"), false)),
            };
        }
        Failure::MixedContent => {
            return Report {
                reason: None,
                failed_parameter: None,
                console: Some(format!("Blocked loading mixed active content \u{201c}{}\u{201d}", scene.url)),
            };
        }
        // Firefox rejects these without a CORS console message of its own.
        Failure::SameOriginMode
        | Failure::NoCorsRedirectMode(_)
        | Failure::BadPort(_)
        | Failure::ConflictingLocations { .. }
        | Failure::LocalNetworkInsecure(_)
        | Failure::LocalNetworkDenied(_)
        | Failure::LocalNetworkPending(_)
        | Failure::UnspecifiedAddress
        | Failure::Redirect(_)
        | Failure::RedirectModeError
        | Failure::MissingHop => return silent,
        Failure::Preflight(PreflightFailure::Redirect { .. }) => (
            "CORSExternalRedirectNotAllowed",
            None,
            "CORS request external redirect not allowed".to_owned(),
            FirefoxStage::PreflightRedirect,
        ),
        Failure::Preflight(PreflightFailure::CorsCheck(f)) => {
            let (reason, parameter, text) = firefox_cors_check(f);
            (reason, parameter, text, FirefoxStage::Cancelled)
        }
        Failure::Preflight(PreflightFailure::Status(_)) => (
            "CORSPreflightDidNotSucceed",
            None,
            "CORS preflight response did not succeed".to_owned(),
            FirefoxStage::Cancelled,
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowMethods { value, token }) => {
            firefox_invalid_list("CORSInvalidAllowMethod", "Access-Control-Allow-Methods", value, token)
        }
        Failure::Preflight(PreflightFailure::InvalidAllowHeaders { value, token }) => {
            firefox_invalid_list("CORSInvalidAllowHeader", "Access-Control-Allow-Headers", value, token)
        }
        Failure::Preflight(PreflightFailure::Method { .. }) => (
            "CORSMethodNotFound",
            None,
            "Did not find method in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}".to_owned(),
            FirefoxStage::Cancelled,
        ),
        Failure::Preflight(PreflightFailure::Header { name, .. }) => (
            "CORSMissingAllowHeaderFromPreflight",
            Some(name.clone()),
            format!(
                "header \u{2018}{name}\u{2019} is not allowed according to header \u{2018}Access-Control-Allow-Headers\u{2019} from CORS preflight response"
            ),
            FirefoxStage::Cancelled,
        ),
        Failure::RedirectCorsCheck(f) => {
            let (reason, parameter, text) = firefox_cors_check(f);
            // A redirect that is not to be followed is the final response.
            let stage =
                if scene.follows_redirects { FirefoxStage::Cancelled } else { FirefoxStage::Response };
            (reason, parameter, text, stage)
        }
        Failure::Response(f) => {
            let (reason, parameter, text) = firefox_cors_check(f);
            (reason, parameter, text, FirefoxStage::Response)
        }
    };
    let status = scene.status.map_or_else(|| "(null)".to_owned(), |s| s.to_string());
    // Measured: only these reasons carry a status, and only the credentials one quotes the URL.
    let first = match reason {
        "CORSMissingAllowOrigin" | "CORSPreflightDidNotSucceed" => Some(status.as_str()),
        "CORSDidNotSucceed" => Some("(null)"),
        _ => None,
    };
    let mut lines = vec![firefox_line(scene.url, &text, first, reason == "CORSNotSupportingCredentials")];
    if stage == FirefoxStage::PreflightRedirect {
        lines.push(firefox_line(scene.url, "CORS preflight response did not succeed", Some(&status), false));
    }
    if stage != FirefoxStage::Response {
        // The cancelled request is reported too.
        lines.push(firefox_line(scene.url, "CORS request did not succeed", Some("(null)"), false));
    }
    Report { reason: Some(reason), failed_parameter: parameter, console: Some(lines.join("\n")) }
}

/// One line of Firefox's console: the URL bare or in typographic quotes, the reason, and the
/// status when this reason names one.
fn firefox_line(url: &str, reason: &str, status: Option<&str>, quoted: bool) -> String {
    let url = if quoted { format!("\u{2018}{url}\u{2019}") } else { url.to_owned() };
    let status = status.map(|s| format!(" Status code: {s}.")).unwrap_or_default();
    format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: {reason}).{status}"
    )
}

/// A header value as Firefox names it: its bytes read as UTF-8 (`NS_ConvertUTF8toUTF16`), so
/// the bytes of `ü` print as `ü` (measured), and bytes that are not UTF-8 as U+FFFD.
fn utf8(value: &str) -> String {
    match value.chars().map(u8::try_from).collect::<Result<Vec<u8>, _>>() {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        // Not an isomorphic decoding: already text.
        Err(_) => value.to_owned(),
    }
}

/// Firefox's report of an `Access-Control-Allow-Methods` or `-Headers` list that does not parse.
fn firefox_invalid_list(
    reason: &'static str,
    header: &str,
    value: &str,
    spec_item: &str,
) -> (&'static str, Option<String>, String, FirefoxStage) {
    let token = firefox_bad_item(value, spec_item);
    let text = format!("invalid token \u{2018}{token}\u{2019} in CORS header \u{2018}{header}\u{2019}");
    (reason, Some(token.to_owned()), text, FirefoxStage::Cancelled)
}

/// The item Firefox names in a list that does not parse. The spec keeps a quoted string whole,
/// commas and all (`"content-type,x-csrf"` is one item); Firefox splits the value at every
/// comma and names the first piece that is no token (`"content-type`), measured by the
/// matrix's `allow-shapes/acah/quoted/put-json-csrf` scenarios. Without quotes the two agree.
fn firefox_bad_item<'v>(value: &'v str, spec_item: &'v str) -> &'v str {
    value
        .split(',')
        .map(|piece| piece.trim_matches([' ', '\t']))
        .find(|piece| !piece.is_empty() && !is_token(piece))
        .unwrap_or(spec_item)
}

fn firefox_cors_check(failure: &CorsCheckFailure) -> (&'static str, Option<String>, String) {
    match failure {
        CorsCheckFailure::MissingAllowOrigin => {
            ("CORSMissingAllowOrigin", None, "CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing".to_owned())
        }
        // Firefox refuses a repeat only among lines spelled exactly `Access-Control-Allow-Origin`
        // (nsCORSListenerProxy's CheckOriginHeader; measured with a server that keeps the
        // spelling). Other spellings, such as the lower case the lab's server sends, it combines
        // and reports as a mismatch (measured by the matrix).
        CorsCheckFailure::RepeatedAllowOrigin { verbatim: true, .. } => (
            "CORSMultipleAllowOriginNotAllowed",
            None,
            "Multiple CORS header \u{2018}Access-Control-Allow-Origin\u{2019} not allowed".to_owned(),
        ),
        // Combined repeats and comma-separated lists are plain mismatches to Firefox (measured).
        CorsCheckFailure::RepeatedAllowOrigin { combined: value, verbatim: false }
        | CorsCheckFailure::AllowOriginMismatch { value, .. } => {
            let value = utf8(value);
            (
                "CORSAllowOriginNotMatchingOrigin",
                Some(value.clone()),
                format!("CORS header \u{2018}Access-Control-Allow-Origin\u{2019} does not match \u{2018}{value}\u{2019}"),
            )
        }
        CorsCheckFailure::WildcardWithCredentials => (
            "CORSNotSupportingCredentials",
            Some("*".to_owned()),
            "Credential is not supported if the CORS header \u{2018}Access-Control-Allow-Origin\u{2019} is \u{2018}*\u{2019}".to_owned(),
        ),
        // Firefox names no value for this reason.
        CorsCheckFailure::AllowCredentialsNotTrue { .. } => (
            "CORSMIssingAllowCredentials",
            None,
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
            follows_redirects: true,
            cors: true,
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
    fn firefox_names_the_first_comma_piece_of_an_unparsable_list() {
        let invalid = |value: &str, token: &str| {
            let (value, token) = (value.to_owned(), token.to_owned());
            let failure = Failure::Preflight(PreflightFailure::InvalidAllowHeaders { value, token });
            report(Browser::Firefox, &failure, scene()).failed_parameter
        };
        // Measured: allow-shapes/acah/quoted/put-json-csrf.
        let named = invalid("\"content-type,x-csrf\"", "\"content-type,x-csrf\"");
        assert_eq!(named.as_deref(), Some("\"content-type"));
        assert_eq!(invalid("x-a , (bad) ,x-b", "(bad)").as_deref(), Some("(bad)"));
        assert_eq!(invalid(" , x-a, \"b\"", "\"b\"").as_deref(), Some("\"b\""));
        let methods = Failure::Preflight(PreflightFailure::InvalidAllowMethods {
            value: "\"PUT, PATCH\"".to_owned(),
            token: "\"PUT, PATCH\"".to_owned(),
        });
        let firefox = report(Browser::Firefox, &methods, scene());
        assert_eq!(firefox.failed_parameter.as_deref(), Some("\"PUT"));
        assert!(firefox.console.unwrap().contains("\u{2018}\"PUT\u{2019}"));
        assert_eq!(report(Browser::Chromium, &methods, scene()).failed_parameter, None);
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
