//! Building the request `fetch()` sends: forbidden methods throw, forbidden headers are dropped,
//! `no-cors` keeps only safelisted headers, and the `Origin` header gets its value.

use std::borrow::Cow;

use url::Url;

use crate::exchange::RequestMode;
use crate::header::{Header, HeaderList, HeaderName, HeaderValue};
use crate::method::Method;
use crate::origin::Origin;
use crate::safelist;

/// Whether `url` has an HTTP(S) scheme, the only ones fetch sends over the network.
///
/// <https://fetch.spec.whatwg.org/#http-scheme>
pub fn is_http_scheme(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// The ports of other protocols (mail, IRC, X11, …) that fetch never connects to, so that a
/// page cannot speak them through HTTP.
///
/// <https://fetch.spec.whatwg.org/#bad-port>
const BAD_PORTS: [u16; 83] = [
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103,
    104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514,
    515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723,
    2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

/// The port that blocks a request to `url`: an HTTP(S) URL whose port is a bad port.
///
/// <https://fetch.spec.whatwg.org/#block-bad-port>
pub fn bad_port(url: &Url) -> Option<u16> {
    let port = url.port_or_known_default().filter(|_| is_http_scheme(url))?;
    BAD_PORTS.binary_search(&port).is_ok().then_some(port)
}

/// Whether `url` includes credentials: a user name or a password.
///
/// <https://url.spec.whatwg.org/#include-credentials>
pub fn includes_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// The request after `fetch()` built it from what the script passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built<'a> {
    /// The normalized method.
    pub method: Method,
    /// The headers that survive, in order (borrowed when none was dropped).
    pub headers: Cow<'a, HeaderList>,
    /// The headers dropped, and why.
    pub dropped: Vec<(Header, Dropped)>,
}

/// Why `fetch()` dropped a header the script set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dropped {
    /// A forbidden request-header: only the browser sets it.
    Forbidden,
    /// A `no-cors` request keeps only no-CORS-safelisted request-headers.
    NoCors,
}

/// Why `fetch()` throws before sending anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Thrown {
    /// A URL with a user name or password in it.
    UrlCredentials(Url),
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod(Method),
    /// A `no-cors` request with a method other than `GET`, `HEAD` or `POST`.
    NoCorsMethod(Method),
}

/// How a browser reads the forbidden request-header list where it departs from the spec
/// (measured by the differential matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForbiddenReading {
    /// Whether `User-Agent` is forbidden too, so a script's value is dropped (Chromium: its
    /// network stack still lists it); the spec lets a script set it, and it needs a preflight.
    pub user_agent: bool,
    /// Whether a method-override header's value is split on every comma, quotes or not
    /// (Firefox); the spec splits it as a list, a quoted string kept whole.
    pub override_split_on_commas: bool,
}

impl ForbiddenReading {
    /// The spec's reading.
    pub const SPEC: Self = Self { user_agent: false, override_split_on_commas: false };
}

/// Builds the request as the `Request` constructor and `Headers` guards do, with the browser's
/// own `forbidden` list.
///
/// <https://fetch.spec.whatwg.org/#dom-request>
pub fn build<'a>(
    url: &Url,
    method: &Method,
    headers: &'a HeaderList,
    mode: RequestMode,
    forbidden: ForbiddenReading,
) -> Result<Built<'a>, Thrown> {
    // Constructor: a URL that includes credentials throws a TypeError.
    if includes_credentials(url) {
        return Err(Thrown::UrlCredentials(url.clone()));
    }
    // Constructor: a forbidden method throws a TypeError; others are normalized.
    if method.is_forbidden() {
        return Err(Thrown::ForbiddenMethod(method.clone()));
    }
    let method = method.normalize();
    // Constructor: `no-cors` allows only the safelisted methods.
    if mode == RequestMode::NoCors && !method.is_cors_safelisted() {
        return Err(Thrown::NoCorsMethod(method));
    }
    // Headers guard "request": forbidden request-headers are ignored without an error.
    // Headers guard "request-no-cors": a header that is not no-CORS-safelisted once combined
    // with earlier values of the same name is ignored too.
    let keeps = |h: &Header, kept: &HeaderList| {
        !is_forbidden_request_header_as(&h.name, &h.value, forbidden)
            && (mode != RequestMode::NoCors || no_cors_combined_is_safelisted(kept, h))
    };
    // Usually nothing is dropped, and the script's list is used as it is.
    let mut so_far = HeaderList::new();
    let all_kept = headers.iter().all(|h| {
        let keep = keeps(h, &so_far);
        if keep && mode == RequestMode::NoCors {
            so_far.append(h.clone());
        }
        keep
    });
    if all_kept {
        return Ok(Built { method, headers: Cow::Borrowed(headers), dropped: Vec::new() });
    }
    let mut kept = HeaderList::new();
    let mut dropped = Vec::new();
    for header in headers {
        if is_forbidden_request_header_as(&header.name, &header.value, forbidden) {
            dropped.push((header.clone(), Dropped::Forbidden));
            continue;
        }
        if mode == RequestMode::NoCors && !no_cors_combined_is_safelisted(&kept, header) {
            dropped.push((header.clone(), Dropped::NoCors));
            continue;
        }
        kept.append(header.clone());
    }
    Ok(Built { method, headers: Cow::Owned(kept), dropped })
}

/// Whether a header is a forbidden request-header, which only the browser may set.
///
/// <https://fetch.spec.whatwg.org/#forbidden-request-header>
pub fn is_forbidden_request_header(name: &HeaderName, value: &HeaderValue) -> bool {
    is_forbidden_request_header_as(name, value, ForbiddenReading::SPEC)
}

/// Whether a header is forbidden in a browser that reads the list as `reading` says.
pub fn is_forbidden_request_header_as(
    name: &HeaderName,
    value: &HeaderValue,
    reading: ForbiddenReading,
) -> bool {
    const NAMES: [&str; 21] = [
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    // Step 1: the fixed list.
    if NAMES.iter().any(|n| name.is(n)) {
        return true;
    }
    // Step 2: anything starting with `proxy-` or `sec-`.
    let starts = |prefix: &str| {
        name.as_str()
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    if starts("proxy-") || starts("sec-") {
        return true;
    }
    // Step 3: method-override headers that name a forbidden method.
    if ["x-http-method", "x-http-method-override", "x-method-override"].iter().any(|n| name.is(n)) {
        let text = value.to_text();
        let forbidden = |m: &str| Method::new(m.trim_matches([' ', '\t'])).is_ok_and(|m| m.is_forbidden());
        return if reading.override_split_on_commas {
            text.split(',').any(forbidden)
        } else {
            crate::header::get_decode_split_value(&text).iter().any(|m| forbidden(m))
        };
    }
    reading.user_agent && name.is("user-agent")
}

/// The value of the `Origin` header for a request from `origin`: its serialization, or `null`
/// once a redirect tainted it.
///
/// <https://fetch.spec.whatwg.org/#serializing-a-request-origin>
pub fn serialize_request_origin(origin: &Origin, tainted: bool) -> &str {
    if tainted { "null" } else { origin.serialize() }
}

/// Whether the browser adds an `Origin` header to a request: always for CORS requests, and for
/// same-origin or `no-cors` requests unless the method is `GET` or `HEAD`.
///
/// <https://fetch.spec.whatwg.org/#append-a-request-origin-header>
pub fn sends_origin_header(cors: bool, method: &Method) -> bool {
    cors || !matches!(method.as_str(), "GET" | "HEAD")
}

/// Whether a request from `origin` to `url` is a downgrade, from `https` to anything else: a
/// request that is not a CORS request then carries `Origin: null` under the default referrer
/// policy (`strict-origin-when-cross-origin`).
///
/// <https://fetch.spec.whatwg.org/#append-a-request-origin-header> (step 3.1)
pub fn is_downgrade(origin: &Origin, url: &Url) -> bool {
    origin.scheme() == Some("https") && url.scheme() != "https"
}

fn no_cors_combined_is_safelisted(kept: &HeaderList, header: &Header) -> bool {
    let combined = match kept.get(header.name.as_str()) {
        Some(earlier) => {
            let mut bytes = earlier.as_bytes().to_vec();
            bytes.extend_from_slice(b", ");
            bytes.extend_from_slice(header.value.as_bytes());
            match HeaderValue::from_bytes(&bytes) {
                Ok(value) => value,
                Err(_) => return false,
            }
        }
        None => header.value.clone(),
    };
    safelist::is_no_cors_safelisted_request_header(&header.name, &combined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://api.fintrack.localhost/me/balance").unwrap()
    }

    #[test]
    fn bad_ports_block_http_urls_only() {
        let blocked = |s: &str| bad_port(&Url::parse(s).unwrap());
        assert!(BAD_PORTS.is_sorted());
        assert_eq!(blocked("http://api.localhost:6000/x"), Some(6000));
        assert_eq!(blocked("https://example.com:25/"), Some(25));
        assert_eq!(blocked("http://example.com:6001/"), None);
        assert_eq!(blocked("http://example.com/"), None);
        assert_eq!(blocked("ftp://example.com:25/"), None);
    }

    #[test]
    fn a_url_with_credentials_throws() {
        let none = HeaderList::new();
        for with in ["http://user:pass@a.localhost/", "http://user@a.localhost/", "http://:pass@a.localhost/"]
        {
            let with = Url::parse(with).unwrap();
            let built = build(&with, &Method::get(), &none, RequestMode::Cors, ForbiddenReading::SPEC);
            assert!(matches!(built, Err(Thrown::UrlCredentials(_))), "{with}");
        }
    }

    fn forbidden(name: &str, value: &str) -> bool {
        let h = Header::new(name, value).unwrap();
        is_forbidden_request_header(&h.name, &h.value)
    }

    #[test]
    fn forbidden_headers_cover_the_list_and_prefixes() {
        assert!(forbidden("Cookie", "a=1"));
        assert!(forbidden("Sec-Fetch-Site", "cross-site"));
        assert!(forbidden("Proxy-Authorization", "x"));
        assert!(forbidden("X-HTTP-Method-Override", "get, TRACE"));
        assert!(!forbidden("X-HTTP-Method-Override", "PUT"));
        assert!(!forbidden("Authorization", "Bearer x"));
    }

    #[test]
    fn forbidden_methods_throw_and_others_normalize() {
        let get = Method::new("trace").unwrap();
        assert!(matches!(
            build(&url(), &get, &HeaderList::new(), RequestMode::Cors, ForbiddenReading::SPEC),
            Err(Thrown::ForbiddenMethod(_))
        ));
        let put = Method::new("put").unwrap();
        assert_eq!(
            build(&url(), &put, &HeaderList::new(), RequestMode::Cors, ForbiddenReading::SPEC)
                .unwrap()
                .method
                .as_str(),
            "PUT"
        );
        assert!(matches!(
            build(&url(), &put, &HeaderList::new(), RequestMode::NoCors, ForbiddenReading::SPEC),
            Err(Thrown::NoCorsMethod(_))
        ));
    }

    #[test]
    fn no_cors_drops_unsafelisted_headers_and_combinations() {
        let list = HeaderList::of(&[("X-Csrf", "1"), ("Accept", "a"), ("Accept", "b\""), ("Cookie", "x")]);
        let built =
            build(&url(), &Method::get(), &list, RequestMode::NoCors, ForbiddenReading::SPEC).unwrap();
        assert_eq!(built.headers.len(), 1);
        let reasons: Vec<Dropped> = built.dropped.iter().map(|(_, d)| *d).collect();
        assert_eq!(reasons, vec![Dropped::NoCors, Dropped::NoCors, Dropped::Forbidden]);
    }

    #[test]
    fn origin_header_rules() {
        assert!(!sends_origin_header(false, &Method::get()));
        assert!(sends_origin_header(false, &Method::new("POST").unwrap()));
        assert!(sends_origin_header(true, &Method::get()));
        assert_eq!(serialize_request_origin(&Origin::parse("http://a.localhost").unwrap(), true), "null");
    }

    #[test]
    fn browsers_forbid_user_agent_and_split_method_overrides_their_own_way() {
        let header = |name: &str, value: &str| Header::new(name, value).unwrap();
        let chromium = ForbiddenReading { user_agent: true, override_split_on_commas: false };
        let firefox = ForbiddenReading { user_agent: false, override_split_on_commas: true };
        let forbidden = |h: &Header, reading| is_forbidden_request_header_as(&h.name, &h.value, reading);
        let ua = header("User-Agent", "corslab");
        assert!(
            forbidden(&ua, chromium) && !forbidden(&ua, firefox) && !forbidden(&ua, ForbiddenReading::SPEC)
        );
        // An unclosed quote keeps the rest of the value one item, except to Firefox.
        let open_quote = header("X-HTTP-Method-Override", "x\"y, TRACE");
        assert!(!forbidden(&open_quote, ForbiddenReading::SPEC) && !forbidden(&open_quote, chromium));
        assert!(forbidden(&open_quote, firefox));
        let quoted = header("X-HTTP-Method-Override", "\"a,TRACE\"");
        assert!(!forbidden(&quoted, chromium) && !forbidden(&quoted, firefox));
        let plain = header("X-HTTP-Method-Override", "TRACE");
        assert!(forbidden(&plain, chromium) && forbidden(&plain, firefox));
    }
}
