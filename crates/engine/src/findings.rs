//! What an exchange reveals about the server's CORS policy, whether or not this read worked:
//! reflected origins, `null` trusted, wildcards, missing `Vary: Origin`, mirrored preflights.
//!
//! One exchange shows one answer, so findings that need a second probe (is the origin reflected
//! or allow-listed?) say what to try next rather than claim more than the exchange shows.

use crate::cors_headers::CorsHeaders;
use crate::exchange::Answer;
use crate::header::any_item_in;
use crate::preflight::PreflightRequest;
use crate::profile::Profile;
use crate::verdict::{Finding, Severity};

/// One server answer the narrator saw, with what the browser had sent.
#[derive(Debug, Clone)]
pub struct Seen<'a> {
    /// What kind of answer it was.
    pub kind: Kind,
    /// The `Origin` header sent with it.
    pub origin_sent: &'a str,
    /// The answer.
    pub answer: &'a Answer,
    /// The answer's CORS headers.
    pub headers: CorsHeaders<'a>,
    /// For a preflight: `Access-Control-Request-Method` and `-Headers` as sent.
    pub asked: Option<PreflightRequest>,
    /// Whether it passed the CORS check.
    pub passed: bool,
}

/// Which request an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CORS preflight.
    Preflight,
    /// A redirect response.
    Redirect,
    /// The final response.
    Response,
}

/// Everything the findings need from one walk through an exchange.
#[derive(Debug, Clone, Default)]
pub struct Trace<'a> {
    /// The answers seen, in order.
    pub seen: Vec<Seen<'a>>,
    /// Whether the page is cross-site to the URL the script asked for.
    pub cross_site: bool,
    /// Whether the request includes credentials.
    pub include: bool,
    /// Whether a preflight let `Authorization` through under `*`.
    pub authorization_by_wildcard: bool,
}

/// Every observation the review can make about a server; a Verdict names it by [`FindingId::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingId {
    /// `Access-Control-Allow-Origin: null`, which any sandboxed document sends.
    NullOriginAllowed,
    /// The request's own origin granted with credentials: maybe an echo of any Origin.
    ReflectedOriginWithCredentials,
    /// `*` answered to a credentialed request, which browsers refuse.
    WildcardWithCredentials,
    /// `*`: every origin may read.
    WildcardOrigin,
    /// A specific origin allowed without `Vary: Origin`.
    MissingVaryOrigin,
    /// `Access-Control-Allow-Headers` repeating the request's list, with credentials.
    MirroredHeadersWithCredentials,
    /// `Access-Control-Allow-Methods` repeating the method asked for, with mirrored headers.
    MirroredMethodsWithCredentials,
    /// `Access-Control-Max-Age` above what the browser keeps.
    MaxAgeAboveCap,
    /// The retired `Access-Control-Allow-Private-Network` header.
    PrivateNetworkHeader,
    /// `Access-Control-Expose-Headers: *`.
    ExposeHeadersWildcard,
    /// An error response without the CORS headers the earlier answers had.
    CorsHeadersMissingOnError,
    /// `Authorization` let through by `Access-Control-Allow-Headers: *` alone.
    AuthorizationUnderWildcard,
}

impl FindingId {
    /// Every finding, in no particular order.
    pub const ALL: [Self; 12] = [
        Self::NullOriginAllowed,
        Self::ReflectedOriginWithCredentials,
        Self::WildcardWithCredentials,
        Self::WildcardOrigin,
        Self::MissingVaryOrigin,
        Self::MirroredHeadersWithCredentials,
        Self::MirroredMethodsWithCredentials,
        Self::MaxAgeAboveCap,
        Self::PrivateNetworkHeader,
        Self::ExposeHeadersWildcard,
        Self::CorsHeadersMissingOnError,
        Self::AuthorizationUnderWildcard,
    ];

    /// The id as a Verdict spells it (`null-origin-allowed`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NullOriginAllowed => "null-origin-allowed",
            Self::ReflectedOriginWithCredentials => "reflected-origin-with-credentials",
            Self::WildcardWithCredentials => "wildcard-with-credentials",
            Self::WildcardOrigin => "wildcard-origin",
            Self::MissingVaryOrigin => "missing-vary-origin",
            Self::MirroredHeadersWithCredentials => "mirrored-headers-with-credentials",
            Self::MirroredMethodsWithCredentials => "mirrored-methods-with-credentials",
            Self::MaxAgeAboveCap => "max-age-above-cap",
            Self::PrivateNetworkHeader => "private-network-header",
            Self::ExposeHeadersWildcard => "expose-headers-wildcard",
            Self::CorsHeadersMissingOnError => "cors-headers-missing-on-error",
            Self::AuthorizationUnderWildcard => "authorization-under-wildcard",
        }
    }

    /// The finding a Verdict's id names.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|finding| finding.as_str() == id)
    }
}

/// Reviews a trace.
pub fn review(trace: &Trace<'_>, profile: &Profile) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A finding is made once however many answers show it, and its sentence written only then.
    let mut add = |id: FindingId, severity: Severity, says: &dyn Fn() -> String| {
        if !findings.iter().any(|f: &Finding| f.id == id.as_str()) {
            // Worst first, and in the order found within a severity: a stable sort as we go,
            // which costs the Wasm no sorting routine.
            let at = findings.partition_point(|f| f.severity >= severity);
            findings.insert(at, Finding { id: id.as_str().to_owned(), severity, says: says() });
        }
    };
    for seen in &trace.seen {
        let headers = &seen.headers;
        let acao = headers.allow_origin.as_deref();
        let acac = headers.allows_credentials();
        match acao {
            Some(b"null") => {
                add(
                    FindingId::NullOriginAllowed,
                    if acac { Severity::High } else { Severity::Medium },
                    &|| {
                        says!(
                            "The server allows the origin null",
                            if acac { " with credentials" } else { "" },
                            ": any sandboxed iframe or data: document, on any site, sends that origin."
                        )
                    },
                );
            }
            Some(value) if value == seen.origin_sent.as_bytes() && acac && seen.origin_sent != "null" => add(
                FindingId::ReflectedOriginWithCredentials,
                if trace.cross_site { Severity::High } else { Severity::Medium },
                &|| {
                    says!(
                        "The server grants ",
                        seen.origin_sent,
                        " credentialed access; if it echoes any Origin it receives, every site can read signed-in users' data (probe with an unrelated origin, as `corslab audit` does)."
                    )
                },
            ),
            Some(b"*") if trace.include => add(FindingId::WildcardWithCredentials, Severity::Info, &|| {
                "The server answers * to a credentialed request, which browsers refuse; it cannot have meant to share credentialed data this way.".to_owned()
            }),
            Some(b"*") => add(FindingId::WildcardOrigin, Severity::Info, &|| {
                "The server shares this response with every origin (*); fine for public data, never for anything that depends on who asks.".to_owned()
            }),
            _ => {}
        }
        let dynamic = acao.is_some_and(|v| v != b"*");
        if dynamic && seen.kind != Kind::Preflight && !headers.varies_on_origin() {
            add(FindingId::MissingVaryOrigin, Severity::Medium, &|| {
                "The response allows one specific origin but has no Vary: Origin; if the server picks that origin per request, a shared cache can serve one origin's answer to another.".to_owned()
            });
        }
        if let (Kind::Preflight, Some(asked)) = (seen.kind, &seen.asked) {
            let (method, asked_headers) = (asked.request_method.as_str(), asked.request_headers.as_deref());
            // A hand-written list rarely equals the browser's sorted, space-free list of several
            // names byte for byte; a server that echoes the request does. One name proves nothing.
            let mirrored = asked_headers.is_some_and(|asked| asked.contains(','))
                && headers.allow_headers.as_deref() == asked_headers.map(str::as_bytes);
            if acac && mirrored {
                add(FindingId::MirroredHeadersWithCredentials, Severity::Low, &|| {
                    "Access-Control-Allow-Headers repeats Access-Control-Request-Headers byte for byte with credentials allowed; a mirroring server allows any header.".to_owned()
                });
                if headers.allow_methods.as_deref() == Some(method.as_bytes())
                    && !matches!(method, "GET" | "HEAD" | "POST")
                {
                    add(FindingId::MirroredMethodsWithCredentials, Severity::Low, &|| {
                        says!(
                            "Access-Control-Allow-Methods repeats exactly the method asked for (",
                            method,
                            ") alongside mirrored headers; a mirroring server allows every method."
                        )
                    });
                }
            }
            let max_age = crate::preflight::max_age(headers, profile);
            if max_age.sent.is_some_and(|sent| sent > profile.max_age_cap) {
                add(FindingId::MaxAgeAboveCap, Severity::Info, &|| {
                    says!(
                        "Access-Control-Max-Age is ",
                        max_age.sent.unwrap_or_default(),
                        " seconds, more than ",
                        profile.name(),
                        " keeps (",
                        profile.max_age_cap,
                        " s); the extra time only delays policy changes elsewhere."
                    )
                });
            }
            if headers.allow_private_network {
                add(FindingId::PrivateNetworkHeader, Severity::Info, &|| {
                    "The preflight answer carries Access-Control-Allow-Private-Network, a header of the retired Private Network Access trial; Local Network Access asks the user instead and ignores it.".to_owned()
                });
            }
        }
        if seen.kind == Kind::Response
            && headers.expose_headers.as_deref().is_some_and(|v| any_item_in(v, |n| n == "*"))
        {
            add(
                FindingId::ExposeHeadersWildcard,
                if trace.include { Severity::Info } else { Severity::Low },
                &|| {
                    if trace.include {
                        "Access-Control-Expose-Headers: * only names a header called * on a credentialed response; list the headers to expose.".to_owned()
                    } else {
                        "Access-Control-Expose-Headers: * lets every origin allowed here read every response header but Set-Cookie.".to_owned()
                    }
                },
            );
        }
    }
    let checked_ok = trace.seen.iter().any(|s| s.kind != Kind::Response && s.passed);
    if let Some(last) = trace.seen.iter().rev().find(|s| s.kind == Kind::Response)
        && last.answer.status >= 400
        && last.headers.allow_origin.is_none()
        && checked_ok
    {
        add(FindingId::CorsHeadersMissingOnError, Severity::Low, &|| {
            says!(
                "The ",
                last.answer.status,
                " error response lacks the CORS headers the earlier answers had, so the script cannot read why the request failed (and the request itself did reach the server)."
            )
        });
    }
    if trace.authorization_by_wildcard && !trace.include {
        add(FindingId::AuthorizationUnderWildcard, Severity::Low, &|| {
            "Authorization got through only because Access-Control-Allow-Headers is *, which the spec no longer allows; list authorization by name before browsers enforce it.".to_owned()
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finding_id_reads_back() {
        for id in FindingId::ALL {
            assert_eq!(FindingId::parse(id.as_str()), Some(id));
        }
        assert_eq!(FindingId::parse("no-such-finding"), None);
    }
}
