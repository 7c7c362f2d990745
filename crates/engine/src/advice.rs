//! How to fix the server: advice for the failure that blocked the read and for each finding,
//! as data the CLI and the app print under "how to fix the server".

use crate::cors_check::CorsCheckFailure;
use crate::failure::Failure;
use crate::findings::FindingId;
use crate::preflight::PreflightFailure;
use crate::redirect::RedirectFailure;
use crate::verdict::{Finding, Fix};

/// What the advice needs to know about the request.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The `Origin` the browser sent.
    pub origin: &'a str,
    /// Whether a redirect made the request's `Origin` null.
    pub tainted: bool,
    /// The request's method.
    pub method: &'a str,
    /// Whether credentials are included.
    pub include: bool,
}

/// The advice for a verdict: the blocking failure first, then one per finding.
pub fn fixes(failure: Option<&Failure>, findings: &[Finding], asked: Asked<'_>) -> Vec<Fix> {
    let mut fixes = Vec::new();
    if let Some((id, says)) = failure.and_then(|f| for_failure(f, asked)) {
        fixes.push(Fix { id: id.to_owned(), says });
    }
    for finding in findings {
        if let Some((id, says)) = FindingId::parse(&finding.id).and_then(for_finding)
            && !fixes.iter().any(|f| f.id == id)
        {
            fixes.push(Fix { id: id.to_owned(), says: says.to_owned() });
        }
    }
    fixes
}

fn for_failure(failure: &Failure, asked: Asked<'_>) -> Option<(&'static str, String)> {
    let Asked { origin, tainted, method, include } = asked;
    let allow_origin = || {
        let credentials = if include { " and Access-Control-Allow-Credentials: true" } else { "" };
        says!(
            "If ",
            origin,
            " should read this, answer with Access-Control-Allow-Origin: ",
            origin,
            credentials,
            ", picked from an allowlist you keep on the server, plus Vary: Origin."
        )
    };
    let fix = match failure {
        Failure::Preflight(PreflightFailure::CorsCheck(f)) | Failure::RedirectCorsCheck(f) | Failure::Response(f) => {
            match f {
                // After a cross-origin redirect the browser sends Origin: null; allowing null would
                // let every sandboxed document in, so the cure is to skip the redirect.
                CorsCheckFailure::MissingAllowOrigin | CorsCheckFailure::AllowOriginMismatch { .. } if tainted => (
                    "avoid-cross-origin-redirect",
                    says!(
                        "A redirect across origins made the request's Origin null. Have the script call the final URL directly (or redirect within one origin) instead of allowing null for ",
                        origin,
                        "'s ",
                        method,
                        "."
                    ),
                ),
                CorsCheckFailure::MissingAllowOrigin | CorsCheckFailure::AllowOriginMismatch { .. } => {
                    ("allow-origin-from-allowlist", allow_origin())
                }
                CorsCheckFailure::RepeatedAllowOrigin { .. } => (
                    "single-allow-origin",
                    says!(
                        "Send Access-Control-Allow-Origin exactly once: check that a proxy and the application do not both add it, and echo ",
                        origin,
                        " only when it is on your allowlist."
                    ),
                ),
                CorsCheckFailure::WildcardWithCredentials => (
                    "no-wildcard-with-credentials",
                    says!(
                        "* never works with credentials. For public data, have the client send none (credentials: 'omit'); if ",
                        origin,
                        " is an origin you trust, answer Access-Control-Allow-Origin: ",
                        origin,
                        " from an allowlist, with Access-Control-Allow-Credentials: true and Vary: Origin."
                    ),
                ),
                CorsCheckFailure::AllowCredentialsNotTrue { .. } => (
                    "allow-credentials-true",
                    "Send Access-Control-Allow-Credentials: true (lower case, exactly) alongside the specific allowed origin, or stop sending credentials if the data is public.".to_owned(),
                ),
            }
        }
        Failure::Preflight(PreflightFailure::Status(status)) => (
            "preflight-ok-status",
            says!(
                "Answer OPTIONS preflights with 204 (or 200) before any authentication or routing that now returns ",
                status,
                ": preflights never carry cookies or Authorization."
            ),
        ),
        Failure::Preflight(PreflightFailure::Redirect { .. }) => (
            "preflight-no-redirect",
            "Answer the preflight at the URL the script calls, without redirecting (watch for trailing-slash and http-to-https redirects), or have the script call the final URL.".to_owned(),
        ),
        Failure::Preflight(PreflightFailure::InvalidAllowMethods { .. } | PreflightFailure::InvalidAllowHeaders { .. }) => (
            "allow-lists-are-tokens",
            "Write Access-Control-Allow-Methods and Access-Control-Allow-Headers as comma-separated names only, such as PUT, DELETE or content-type, x-csrf.".to_owned(),
        ),
        Failure::Preflight(PreflightFailure::Method { method: m, .. }) => (
            "allow-method",
            says!(
                "Add ",
                m,
                " to Access-Control-Allow-Methods, spelled exactly as the request sends it (methods are case-sensitive)",
                if include { "; * does not count with credentials" } else { "" },
                "."
            ),
        ),
        Failure::Preflight(PreflightFailure::Header { name, .. }) => (
            "allow-header",
            says!(
                "Add ",
                name,
                " to Access-Control-Allow-Headers",
                if include || name == "authorization" { " by name (a * does not cover it here)" } else { "" },
                "."
            ),
        ),
        Failure::Redirect(RedirectFailure::Credentials(_)) => (
            "no-credentials-in-location",
            "Redirect to a URL without user:password@; pass credentials in a header the preflight allows instead.".to_owned(),
        ),
        Failure::Redirect(_) | Failure::RedirectModeError => (
            "avoid-redirect",
            says!("Have the script call the final URL directly, so the ", method, " needs no redirect."),
        ),
        Failure::LocalNetworkInsecure(_) => (
            "serve-page-securely",
            "Serve the calling page over https: only secure contexts may ask to reach local or loopback addresses.".to_owned(),
        ),
        Failure::LocalNetworkDenied(_) | Failure::LocalNetworkPending(_) => (
            "local-network-permission",
            "The user must grant this page local network access; a server header cannot. Serve the page from the same address space as the API if the prompt is unwanted.".to_owned(),
        ),
        Failure::UnspecifiedAddress => (
            "name-the-host",
            "Call the API by a name or an address of its own (localhost, 127.0.0.1): 0.0.0.0 is where a server listens, not where a page should send requests.".to_owned(),
        ),
        Failure::MixedContent => (
            "serve-api-over-https",
            "Serve the API over https: a page delivered over https may only fetch https URLs (or loopback ones).".to_owned(),
        ),
        Failure::BadPort(port) => (
            "use-another-port",
            says!("Serve the API on another port: port ", port, " belongs to another protocol, and the browser refuses to connect to it."),
        ),
        Failure::ConflictingLocations { .. } => (
            "one-location",
            "Send Location once: two different values look like response splitting, and browsers refuse the whole response.".to_owned(),
        ),
        Failure::Thrown(_)
        | Failure::Scheme { .. }
        | Failure::SameOriginMode
        | Failure::NoCorsRedirectMode(_)
        | Failure::MissingHop => return None,
    };
    Some(fix)
}

/// The fix for a finding; `None` where there is nothing to mend (`*` on public data) or the
/// failure's own fix already says it.
fn for_finding(id: FindingId) -> Option<(&'static str, &'static str)> {
    use FindingId as F;
    Some(match id {
        F::ReflectedOriginWithCredentials => (
            "allowlist-not-reflection",
            "Compare the Origin against an exact allowlist (scheme, host and port) before echoing it; never echo whatever arrives when credentials are allowed.",
        ),
        F::NullOriginAllowed => (
            "never-allow-null",
            "Remove null from the allowed origins: sandboxed iframes on any site send it.",
        ),
        F::MissingVaryOrigin => (
            "vary-origin",
            "Add Vary: Origin to every response whose Access-Control-Allow-Origin depends on the request, errors included.",
        ),
        F::MirroredMethodsWithCredentials | F::MirroredHeadersWithCredentials => (
            "list-methods-and-headers",
            "List the methods and headers the API really uses instead of mirroring Access-Control-Request-Method and -Headers.",
        ),
        F::MaxAgeAboveCap => (
            "reasonable-max-age",
            "Use an Access-Control-Max-Age of at most 7200 seconds, the most Chromium keeps.",
        ),
        F::CorsHeadersMissingOnError => (
            "cors-headers-on-errors",
            "Add the CORS headers in a layer that also runs for error responses, so the page can read why a request failed.",
        ),
        F::AuthorizationUnderWildcard => (
            "list-authorization",
            "List authorization explicitly in Access-Control-Allow-Headers; * will stop covering it.",
        ),
        F::ExposeHeadersWildcard => (
            "list-exposed-headers",
            "List the response headers scripts need in Access-Control-Expose-Headers instead of *.",
        ),
        F::WildcardOrigin | F::WildcardWithCredentials | F::PrivateNetworkHeader => return None,
    })
}
