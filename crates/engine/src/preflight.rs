//! The CORS preflight: when the browser asks first, what it asks, and how it reads the answer.

use std::borrow::Cow;

use crate::cors_check::{CorsCheckFailure, CorsRequest, Shared, cors_check};
use crate::cors_headers::CorsHeaders;
use crate::exchange::{Answer, CredentialsMode};
use crate::header::{
    HeaderList, NameSet, decode, get_decode_split_value, is_token, isomorphic_decode, list_items,
};
use crate::method::Method;
use crate::profile::{MaxAgeReading, Profile};
use crate::prose::list;
use crate::safelist::{self, UnsafeNames};

/// What the preflight decision needs to know about the request.
#[derive(Debug, Clone, Copy)]
pub struct Asking<'a> {
    /// The request's (normalized) method.
    pub method: &'a Method,
    /// The request's headers, after `fetch()` dropped what it drops.
    pub headers: &'a HeaderList,
    /// The CORS-unsafe request-header names of those headers.
    pub unsafe_names: &'a UnsafeNames<'a>,
    /// The request's credentials mode.
    pub credentials: CredentialsMode,
    /// The `Origin` the CORS check compares against.
    pub serialized_origin: &'a str,
}

/// The `OPTIONS` request a preflight sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightRequest {
    /// `Access-Control-Request-Method`.
    pub request_method: Method,
    /// `Access-Control-Request-Headers`, absent when there are no unsafe names.
    pub request_headers: Option<String>,
}

/// A preflight answer that lets the request go ahead, its lists borrowed from the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passed<'a> {
    /// How the answer passed the CORS check.
    pub shared: Shared,
    /// The methods `Access-Control-Allow-Methods` lists.
    pub methods: Vec<Cow<'a, str>>,
    /// The header names `Access-Control-Allow-Headers` lists.
    pub header_names: Vec<Cow<'a, str>>,
    /// How the request's method was allowed.
    pub method_allowed: MethodAllowed,
    /// `Authorization` was let through by `*` although the spec never lets `*` cover it.
    pub authorization_by_wildcard: bool,
    /// How long the answer may be cached.
    pub max_age: MaxAge,
}

/// How a preflight allowed the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodAllowed {
    /// The method is listed, byte for byte.
    Listed,
    /// The method is safelisted and needs no listing.
    Safelisted,
    /// `*` without credentials.
    Wildcard,
}

/// The cache lifetime a preflight answer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAge {
    /// `Access-Control-Max-Age` as sent, when it is delta-seconds.
    pub sent: Option<u64>,
    /// Whether the answer had a non-empty `Access-Control-Max-Age` at all.
    pub present: bool,
    /// The lifetime used in seconds, capped by the browser: 0 caches nothing.
    pub used: u64,
}

/// Why a preflight fails: every failure is a network error, so the actual request is never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightFailure {
    /// The answer is a redirect; preflights never follow redirects.
    Redirect {
        /// The redirect status.
        status: u16,
    },
    /// The CORS check failed on the preflight answer.
    CorsCheck(CorsCheckFailure),
    /// The status is not an ok status (200 to 299).
    Status(u16),
    /// `Access-Control-Allow-Methods` does not parse.
    InvalidAllowMethods {
        /// The whole header value.
        value: String,
        /// The first item that is not a method.
        token: String,
    },
    /// `Access-Control-Allow-Headers` does not parse.
    InvalidAllowHeaders {
        /// The whole header value.
        value: String,
        /// The first item that is not a header name.
        token: String,
    },
    /// The method is not allowed.
    Method {
        /// The request's method.
        method: String,
        /// Whether `*` was listed but could not count because credentials are included.
        wildcard_with_credentials: bool,
    },
    /// A header is not allowed.
    Header {
        /// The lower-cased header name.
        name: String,
        /// Whether `*` was listed but could not count (credentials included, or `Authorization`).
        wildcard_ignored: bool,
    },
}

impl PreflightFailure {
    /// Whether the answer got past the CORS check: it was not a redirect, and its
    /// `Access-Control-Allow-Origin` (and credentials) let the origin in.
    pub fn passed_cors_check(&self) -> bool {
        !matches!(self, Self::Redirect { .. } | Self::CorsCheck(_))
    }
}

/// The default preflight cache lifetime when `Access-Control-Max-Age` is absent, in seconds.
pub const DEFAULT_MAX_AGE: u64 = 5;

/// Whether a request needs a preflight: a method other than `GET`, `HEAD`, `POST`, or any
/// CORS-unsafe request-header name.
///
/// <https://fetch.spec.whatwg.org/#concept-main-fetch>
pub fn is_needed(method: &Method, unsafe_names: &UnsafeNames<'_>) -> bool {
    !safelist::is_cors_safelisted_method(method) || !unsafe_names.names.is_empty()
}

/// The preflight request for a request.
///
/// <https://fetch.spec.whatwg.org/#cors-preflight-fetch-0>
pub fn request_for(method: &Method, unsafe_names: &UnsafeNames<'_>) -> PreflightRequest {
    // Steps 1-4: an OPTIONS request with `Accept: */*` and `Access-Control-Request-Method`.
    // Step 5: the unsafe names, comma-separated without spaces, when there are any.
    PreflightRequest {
        request_method: method.clone(),
        request_headers: (!unsafe_names.names.is_empty()).then(|| says!(list(&unsafe_names.names, ","))),
    }
}

/// Reads a preflight answer, given its CORS headers as [`CorsHeaders::read`] finds them.
///
/// <https://fetch.spec.whatwg.org/#cors-preflight-fetch-0>
pub fn check<'a>(
    asking: Asking<'_>,
    answer: &Answer,
    headers: &CorsHeaders<'a>,
    profile: &Profile,
) -> Result<Passed<'a>, PreflightFailure> {
    let include = asking.credentials == CredentialsMode::Include;
    // The preflight is fetched without following redirects, so a redirect is a failure. Both
    // browsers report it before looking at any header.
    if answer.is_redirect() && answer.headers.contains("Location") {
        return Err(PreflightFailure::Redirect { status: answer.status });
    }
    // Step 7: the CORS check (with the request's credentials mode) and an ok status. Both
    // browsers report a failed check before a bad status.
    let request =
        CorsRequest { serialized_origin: asking.serialized_origin, credentials: asking.credentials };
    let shared = cors_check(request, headers).map_err(PreflightFailure::CorsCheck)?;
    if !answer.is_ok() {
        return Err(PreflightFailure::Status(answer.status));
    }
    // Steps 7.1-7.3: both lists must parse.
    let methods = parse_list(&headers.allow_methods)
        .map_err(|(value, token)| PreflightFailure::InvalidAllowMethods { value, token })?;
    let header_names = parse_list(&headers.allow_headers)
        .map_err(|(value, token)| PreflightFailure::InvalidAllowHeaders { value, token })?;
    // Step 7.4 (an absent list stands for the request's method under the use-CORS-preflight
    // flag) never applies here: only XMLHttpRequest's upload listeners set that flag.
    // Step 7.5: the method must be listed (byte for byte), safelisted, or covered by `*`
    // without credentials.
    let method = asking.method.as_str();
    let star_methods = methods.iter().any(|m| m == "*");
    let method_allowed = if methods.iter().any(|m| m == method) {
        MethodAllowed::Listed
    } else if safelist::is_cors_safelisted_method(asking.method) {
        MethodAllowed::Safelisted
    } else if star_methods && !include {
        MethodAllowed::Wildcard
    } else {
        return Err(PreflightFailure::Method {
            method: method.to_owned(),
            wildcard_with_credentials: star_methods && include,
        });
    };
    let star_headers = header_names.iter().any(|h| h == "*");
    let listed = NameSet::new(&header_names);
    // Step 7.6: `Authorization` must be listed by name; `*` never covers it. Both browsers still
    // let `*` cover it without credentials, with a deprecation warning.
    let mut authorization_by_wildcard = false;
    for header in asking.headers {
        let name = header.name.as_str();
        if safelist::is_cors_non_wildcard_request_header_name(name) && !listed.contains(name) {
            if star_headers && !include && profile.authorization_under_wildcard {
                authorization_by_wildcard = true;
                continue;
            }
            return Err(PreflightFailure::Header {
                name: header.name.to_lowercase(),
                wildcard_ignored: star_headers,
            });
        }
    }
    // Step 7.7: every other unsafe name must be listed, or covered by `*` without credentials.
    for name in &asking.unsafe_names.names {
        if !listed.contains(name.as_sent()) && (include || !star_headers) {
            return Err(PreflightFailure::Header {
                name: name.to_lowercase(),
                wildcard_ignored: star_headers,
            });
        }
    }
    // Steps 7.8-7.9: the cache lifetime, capped by the browser.
    let max_age = max_age(headers, profile);
    Ok(Passed { shared, methods, header_names, method_allowed, authorization_by_wildcard, max_age })
}

/// Reads `Access-Control-Max-Age` as the browser does, capped by the browser; absent (or empty)
/// means 5 seconds. The spec reads delta-seconds and anything else as 5 seconds too; neither
/// browser does ([`MaxAgeReading`]).
///
/// <https://fetch.spec.whatwg.org/#http-access-control-max-age>
pub fn max_age(headers: &CorsHeaders<'_>, profile: &Profile) -> MaxAge {
    let value = headers.max_age.as_deref().filter(|v| !v.is_empty());
    let sent = value.and_then(parse_max_age);
    let used = match value {
        None => DEFAULT_MAX_AGE,
        Some(value) => match profile.max_age_reading {
            MaxAgeReading::SignedInteger => {
                match std::str::from_utf8(value).ok().and_then(|v| v.parse::<i64>().ok()) {
                    Some(seconds) => u64::try_from(seconds).unwrap_or(0),
                    None => DEFAULT_MAX_AGE,
                }
            }
            MaxAgeReading::DigitsOnly => sent.unwrap_or(0),
        },
    };
    MaxAge { sent, present: value.is_some(), used: used.min(profile.max_age_cap) }
}

/// Parses an `Access-Control-Max-Age` value: delta-seconds, or `None` when malformed.
///
/// <https://fetch.spec.whatwg.org/#http-access-control-max-age>
pub fn parse_max_age(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Absurdly long values saturate rather than fail: they are still "a long time".
    Some(value.iter().fold(0u64, |n, &d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

/// Splits a list header's value (as [`CorsHeaders`] or [`HeaderList::get_bytes`] give it,
/// `None` when absent) into its items; an item that is not a token is a parse failure, returned
/// as `(whole value, first bad item)`. Empty items are allowed and skipped. The items borrow the
/// value when it is borrowed and needs no decoding.
///
/// <https://fetch.spec.whatwg.org/#extract-header-list-values>
pub fn parse_list<'a>(value: &Option<Cow<'a, [u8]>>) -> Result<Vec<Cow<'a, str>>, (String, String)> {
    let text: Cow<'a, str> = match value {
        None => return Ok(Vec::new()),
        Some(Cow::Borrowed(bytes)) => decode(bytes),
        Some(Cow::Owned(bytes)) => Cow::Owned(isomorphic_decode(bytes)),
    };
    // Without quotes, the items are slices of the value itself, so none is copied.
    let mut items: Vec<Cow<'a, str>> = match &text {
        Cow::Borrowed(value) if !value.contains('"') => {
            let value: &'a str = value;
            list_items(value).map(Cow::Borrowed).collect()
        }
        _ => get_decode_split_value(&text).into_iter().map(Cow::Owned).collect(),
    };
    items.retain(|item| !item.is_empty());
    if let Some(bad) = items.iter().find(|item| !is_token(item)) {
        return Err((text.into_owned(), bad.clone().into_owned()));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Browser;
    use crate::header::Header;

    const ORIGIN: &str = "http://blog.fintrack.localhost:8080";

    fn answer(status: u16, headers: &[(&str, &str)]) -> Answer {
        Answer { status, headers: HeaderList::of(headers) }
    }

    fn run<'a>(
        method: &str,
        sent: &[(&str, &str)],
        credentials: CredentialsMode,
        answered: &'a Answer,
    ) -> Result<Passed<'a>, PreflightFailure> {
        let method = Method::new(method).unwrap();
        let headers = HeaderList::of(sent);
        let unsafe_names = safelist::cors_unsafe_request_header_names(&headers);
        let asking = Asking {
            method: &method,
            headers: &headers,
            unsafe_names: &unsafe_names,
            credentials,
            serialized_origin: ORIGIN,
        };
        check(asking, answered, &CorsHeaders::read(&answered.headers), &Profile::of(Browser::Chromium))
    }

    use CredentialsMode::{Include, Omit};

    #[test]
    fn star_covers_methods_and_headers_only_without_credentials() {
        let star = answer(
            200,
            &[
                ("Access-Control-Allow-Origin", ORIGIN),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "*"),
                ("Access-Control-Allow-Headers", "*"),
            ],
        );
        assert_eq!(
            run("PUT", &[("X-Test", "1")], Omit, &star).unwrap().method_allowed,
            MethodAllowed::Wildcard
        );
        assert!(matches!(
            run("PUT", &[], Include, &star),
            Err(PreflightFailure::Method { wildcard_with_credentials: true, .. })
        ));
        assert!(matches!(
            run("GET", &[("X-Test", "1")], Include, &star),
            Err(PreflightFailure::Header { .. })
        ));
    }

    #[test]
    fn method_matching_is_case_sensitive() {
        let lower =
            answer(204, &[("Access-Control-Allow-Origin", ORIGIN), ("Access-Control-Allow-Methods", "put")]);
        assert!(matches!(run("PUT", &[], Omit, &lower), Err(PreflightFailure::Method { .. })));
        let get = answer(
            204,
            &[
                ("Access-Control-Allow-Origin", ORIGIN),
                ("Access-Control-Allow-Methods", "get"),
                ("Access-Control-Allow-Headers", "x-test"),
            ],
        );
        assert_eq!(
            run("GET", &[("X-Test", "1")], Omit, &get).unwrap().method_allowed,
            MethodAllowed::Safelisted
        );
    }

    #[test]
    fn unparsable_lists_fail() {
        let bad = answer(
            200,
            &[("Access-Control-Allow-Origin", ORIGIN), ("Access-Control-Allow-Methods", "Bad method name")],
        );
        assert!(matches!(run("PUT", &[], Omit, &bad), Err(PreflightFailure::InvalidAllowMethods { .. })));
        let empty_items = answer(
            200,
            &[("Access-Control-Allow-Origin", ORIGIN), ("Access-Control-Allow-Methods", "PUT, ,DELETE")],
        );
        assert!(run("DELETE", &[], Omit, &empty_items).is_ok());
    }

    #[test]
    fn authorization_under_star_is_a_measured_leniency() {
        let star =
            answer(200, &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "*")]);
        assert!(run("GET", &[("Authorization", "Bearer x")], Omit, &star).unwrap().authorization_by_wildcard);
        let mut strict = Profile::of(Browser::Chromium);
        strict.authorization_under_wildcard = false;
        let method = Method::get();
        let headers: HeaderList = [Header::new("Authorization", "x").unwrap()].into_iter().collect();
        let unsafe_names = safelist::cors_unsafe_request_header_names(&headers);
        let asking = Asking {
            method: &method,
            headers: &headers,
            unsafe_names: &unsafe_names,
            credentials: Omit,
            serialized_origin: ORIGIN,
        };
        assert!(matches!(
            check(asking, &star, &CorsHeaders::read(&star.headers), &strict),
            Err(PreflightFailure::Header { .. })
        ));
    }

    #[test]
    fn cors_check_comes_before_status_and_redirects_before_both() {
        assert!(matches!(run("PUT", &[], Omit, &answer(404, &[])), Err(PreflightFailure::CorsCheck(_))));
        assert_eq!(
            run("PUT", &[], Omit, &answer(404, &[("Access-Control-Allow-Origin", "*")])),
            Err(PreflightFailure::Status(404))
        );
        assert!(matches!(
            run("PUT", &[], Omit, &answer(302, &[("Location", "/x")])),
            Err(PreflightFailure::Redirect { .. })
        ));
    }

    #[test]
    fn max_age_defaults_and_caps() {
        let read = |browser, v: Option<&str>| {
            let headers: HeaderList =
                v.map(|v| Header::new("Access-Control-Max-Age", v).unwrap()).into_iter().collect();
            max_age(&CorsHeaders::read(&headers), &Profile::of(browser))
        };
        for browser in [Browser::Chromium, Browser::Firefox] {
            assert_eq!(read(browser, None).used, DEFAULT_MAX_AGE);
            assert_eq!(read(browser, Some("")).used, DEFAULT_MAX_AGE);
            assert_eq!(read(browser, Some("600")).used, 600);
            assert_eq!(read(browser, Some("0")).used, 0);
            assert_eq!(read(browser, Some("-1")).sent, None);
        }
        assert_eq!(
            read(Browser::Chromium, Some("86400")),
            MaxAge { sent: Some(86_400), present: true, used: 7_200 }
        );
        assert_eq!(read(Browser::Firefox, Some("86401")).used, 86_400);
    }

    #[test]
    fn malformed_max_ages_are_read_as_each_browser_reads_them() {
        let read = |browser, v: &str| {
            let headers = HeaderList::of(&[("Access-Control-Max-Age", v)]);
            max_age(&CorsHeaders::read(&headers), &Profile::of(browser)).used
        };
        // Chromium: a signed integer, negative caching nothing; anything else the default.
        assert_eq!(read(Browser::Chromium, "-1"), 0);
        assert_eq!(read(Browser::Chromium, "+60"), 60);
        assert_eq!(read(Browser::Chromium, "5m"), DEFAULT_MAX_AGE);
        assert_eq!(read(Browser::Chromium, "99999999999999999999"), DEFAULT_MAX_AGE);
        // Firefox: digits only, or nothing is cached.
        assert_eq!(read(Browser::Firefox, "-1"), 0);
        assert_eq!(read(Browser::Firefox, "5m"), 0);
        assert_eq!(read(Browser::Firefox, "60, 60"), 0);
    }
}
