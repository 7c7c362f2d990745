//! The CORS check: does a response's `Access-Control-Allow-Origin` (and `-Credentials`) share it
//! with the requesting origin?

use crate::cors_headers::CorsHeaders;
use crate::exchange::CredentialsMode;
use crate::header::isomorphic_decode;

/// What the CORS check needs from the request.
#[derive(Debug, Clone, Copy)]
pub struct CorsRequest<'a> {
    /// The request origin as it is serialized into the `Origin` header (`null` once tainted).
    pub serialized_origin: &'a str,
    /// The request's credentials mode.
    pub credentials: CredentialsMode,
}

/// How a response passed the CORS check, which is how the explanation words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// `Access-Control-Allow-Origin` is `*` and no credentials are included.
    Wildcard,
    /// `Access-Control-Allow-Origin` is the request's serialized origin.
    Origin,
}

/// Why the CORS check failed, in enough detail to name each browser's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorsCheckFailure {
    /// No `Access-Control-Allow-Origin` header.
    MissingAllowOrigin,
    /// The header appears more than once.
    RepeatedAllowOrigin {
        /// The values combined with `, `.
        combined: String,
        /// Whether two or more of the lines spell the name exactly `Access-Control-Allow-Origin`,
        /// which is when Firefox names the repeat rather than a mismatch.
        verbatim: bool,
    },
    /// `*` while the request includes credentials.
    WildcardWithCredentials,
    /// The value is not the request's serialized origin.
    AllowOriginMismatch {
        /// The header's value.
        value: String,
        /// What the value looks like, which is how browsers word the mismatch.
        shape: AllowOriginShape,
    },
    /// Credentials are included and `Access-Control-Allow-Credentials` is not exactly `true`.
    AllowCredentialsNotTrue {
        /// The header's value, or `None` when absent.
        value: Option<String>,
    },
}

/// The shape of a mismatching `Access-Control-Allow-Origin` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowOriginShape {
    /// It contains a comma or a space: someone listed several origins.
    List,
    /// It does not parse as a URL at all (`foo`, `NULL`, `null/`).
    NotAUrl,
    /// A URL, but not the requesting origin (other host, trailing slash, case, port), or `null`,
    /// the serialization of an opaque origin, for a page that has a tuple origin.
    OtherOrigin,
}

/// Runs the CORS check on a response's CORS headers.
///
/// <https://fetch.spec.whatwg.org/#concept-cors-check>
pub fn cors_check(request: CorsRequest<'_>, headers: &CorsHeaders<'_>) -> Result<Shared, CorsCheckFailure> {
    let include = request.credentials == CredentialsMode::Include;

    // Step 1: get the Access-Control-Allow-Origin value (repeats are combined with ", ").
    // Step 2: no header at all fails.
    let Some(origin) = headers.allow_origin.as_deref() else {
        return Err(CorsCheckFailure::MissingAllowOrigin);
    };
    if headers.allow_origin_repeated {
        return Err(CorsCheckFailure::RepeatedAllowOrigin {
            combined: isomorphic_decode(origin),
            verbatim: headers.allow_origin_verbatim_lines > 1,
        });
    }

    // Step 3: without credentials, `*` shares the response with everyone.
    if origin == b"*" {
        return if include { Err(CorsCheckFailure::WildcardWithCredentials) } else { Ok(Shared::Wildcard) };
    }

    // Step 4: otherwise the value must equal the serialized request origin, byte for byte.
    if origin != request.serialized_origin.as_bytes() {
        return Err(CorsCheckFailure::AllowOriginMismatch {
            shape: allow_origin_shape(origin),
            value: isomorphic_decode(origin),
        });
    }

    // Step 5: without credentials, that is enough.
    if !include {
        return Ok(Shared::Origin);
    }

    // Steps 6-8: with credentials, Access-Control-Allow-Credentials must be exactly `true`.
    if headers.allows_credentials() {
        Ok(Shared::Origin)
    } else {
        let value = headers.allow_credentials.as_deref().map(isomorphic_decode);
        Err(CorsCheckFailure::AllowCredentialsNotTrue { value })
    }
}

/// What an `Access-Control-Allow-Origin` that did not match looks like. Chromium parses the
/// bytes as UTF-8 (GURL): a Latin-1 byte in the host makes the value no URL, while in a path it
/// is only escaped (measured).
fn allow_origin_shape(value: &[u8]) -> AllowOriginShape {
    if value.iter().any(|b| matches!(b, b',' | b' ')) {
        AllowOriginShape::List
    } else if value != b"null" && url::Url::parse(&String::from_utf8_lossy(value)).is_err() {
        AllowOriginShape::NotAUrl
    } else {
        AllowOriginShape::OtherOrigin
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderList;

    const PAGE: &str = "http://blog.fintrack.localhost:8080";

    fn check(credentials: CredentialsMode, headers: &[(&str, &str)]) -> Result<Shared, CorsCheckFailure> {
        let headers = HeaderList::of(headers);
        cors_check(CorsRequest { serialized_origin: PAGE, credentials }, &CorsHeaders::read(&headers))
    }

    use CredentialsMode::{Include, Omit};

    #[test]
    fn exact_origin_with_true_credentials_passes() {
        let headers = [("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "true")];
        assert_eq!(check(Include, &headers), Ok(Shared::Origin));
    }

    #[test]
    fn wildcard_passes_only_without_credentials() {
        let headers = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")];
        assert_eq!(check(Omit, &headers), Ok(Shared::Wildcard));
        assert_eq!(check(Include, &headers), Err(CorsCheckFailure::WildcardWithCredentials));
    }

    #[test]
    fn credentials_must_be_exactly_lowercase_true() {
        let headers = [("Access-Control-Allow-Origin", PAGE), ("Access-Control-Allow-Credentials", "True")];
        assert_eq!(
            check(Include, &headers),
            Err(CorsCheckFailure::AllowCredentialsNotTrue { value: Some("True".into()) })
        );
        assert_eq!(
            check(Include, &headers[..1]),
            Err(CorsCheckFailure::AllowCredentialsNotTrue { value: None })
        );
        assert_eq!(check(Omit, &headers), Ok(Shared::Origin), "ACAC is ignored without credentials");
    }

    #[test]
    fn mismatches_are_classified_by_shape() {
        let shape = |value: &str| match check(Omit, &[("Access-Control-Allow-Origin", value)]) {
            Err(CorsCheckFailure::AllowOriginMismatch { shape, .. }) => shape,
            other => panic!("{value}: {other:?}"),
        };
        assert_eq!(shape("http://blog.fintrack.localhost:8080/"), AllowOriginShape::OtherOrigin);
        assert_eq!(shape("HTTP://BLOG.fintrack.localhost:8080"), AllowOriginShape::OtherOrigin);
        assert_eq!(shape("http://blog.fintrack.localhost"), AllowOriginShape::OtherOrigin);
        // Chromium words `null` as a mismatch and `NULL` as invalid (measured by the matrix).
        assert_eq!(shape("null"), AllowOriginShape::OtherOrigin);
        assert_eq!(shape("NULL"), AllowOriginShape::NotAUrl);
        assert_eq!(shape("http://a.localhost http://b.localhost"), AllowOriginShape::List);
        assert_eq!(shape("http://a.localhost,http://b.localhost"), AllowOriginShape::List);
    }

    #[test]
    fn missing_and_repeated_headers_fail() {
        assert_eq!(check(Omit, &[]), Err(CorsCheckFailure::MissingAllowOrigin));
        let repeated = [("Access-Control-Allow-Origin", PAGE), ("access-control-allow-origin", PAGE)];
        assert!(matches!(check(Omit, &repeated), Err(CorsCheckFailure::RepeatedAllowOrigin { .. })));
    }
}
