//! The CORS protocol's response headers of one answer, found in one pass over its header list.
//!
//! The CORS check, the preflight, the exposed headers and the findings all read the same few
//! headers of an answer. Looking each one up by name walks the whole list and compares names
//! without regard to case every time; reading them once per answer into this struct does that
//! walk once.

use std::borrow::Cow;

use crate::header::{HeaderList, any_item_in, combine};

/// An answer's CORS response headers, each value combined with `, ` when the header repeats
/// (as [`HeaderList::get`] combines them) and borrowed from the answer when it appears once.
///
/// <https://fetch.spec.whatwg.org/#http-responses>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsHeaders<'a> {
    /// `Access-Control-Allow-Origin`.
    pub allow_origin: Option<Cow<'a, [u8]>>,
    /// Whether `Access-Control-Allow-Origin` appears more than once.
    pub allow_origin_repeated: bool,
    /// How many of its lines spell the name exactly `Access-Control-Allow-Origin`: Firefox
    /// counts only those to refuse a repeated header (`CheckOriginHeader` compares the name as
    /// sent, case included), and reads the others as one combined value.
    pub allow_origin_verbatim_lines: usize,
    /// `Access-Control-Allow-Credentials`.
    pub allow_credentials: Option<Cow<'a, [u8]>>,
    /// `Access-Control-Allow-Methods`.
    pub allow_methods: Option<Cow<'a, [u8]>>,
    /// `Access-Control-Allow-Headers`.
    pub allow_headers: Option<Cow<'a, [u8]>>,
    /// `Access-Control-Max-Age`.
    pub max_age: Option<Cow<'a, [u8]>>,
    /// `Access-Control-Expose-Headers`.
    pub expose_headers: Option<Cow<'a, [u8]>>,
    /// `Vary`, which tells caches that the answer depends on `Origin`.
    pub vary: Option<Cow<'a, [u8]>>,
    /// Whether `Access-Control-Allow-Private-Network`, of the retired Private Network Access
    /// preflight, is present.
    pub allow_private_network: bool,
}

impl<'a> CorsHeaders<'a> {
    /// Finds the CORS response headers in `headers`, comparing each name once.
    pub fn read(headers: &'a HeaderList) -> Self {
        let mut found = Self::default();
        for header in headers {
            let name = &header.name;
            let slot = if name.is("Access-Control-Allow-Origin") {
                found.allow_origin_repeated = found.allow_origin.is_some();
                found.allow_origin_verbatim_lines +=
                    usize::from(name.as_str() == "Access-Control-Allow-Origin");
                &mut found.allow_origin
            } else if name.is("Access-Control-Allow-Credentials") {
                &mut found.allow_credentials
            } else if name.is("Access-Control-Allow-Methods") {
                &mut found.allow_methods
            } else if name.is("Access-Control-Allow-Headers") {
                &mut found.allow_headers
            } else if name.is("Access-Control-Max-Age") {
                &mut found.max_age
            } else if name.is("Access-Control-Expose-Headers") {
                &mut found.expose_headers
            } else if name.is("Vary") {
                &mut found.vary
            } else {
                found.allow_private_network |= name.is("Access-Control-Allow-Private-Network");
                continue;
            };
            combine(slot, header.value.as_bytes());
        }
        found
    }

    /// Whether `Access-Control-Allow-Credentials` is exactly `true`.
    pub fn allows_credentials(&self) -> bool {
        self.allow_credentials.as_deref() == Some(b"true")
    }

    /// Whether `Vary` names `Origin` (or is `*`), so caches keep one answer per origin.
    pub fn varies_on_origin(&self) -> bool {
        self.vary
            .as_deref()
            .is_some_and(|vary| any_item_in(vary, |n| n == "*" || n.eq_ignore_ascii_case("origin")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_what_get_gives() {
        let headers = HeaderList::of(&[
            ("access-control-allow-origin", "http://a.localhost"),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Content-Type", "text/plain"),
            ("ACCESS-CONTROL-ALLOW-METHODS", "DELETE"),
            ("Vary", "Accept, Origin"),
            ("Access-Control-Allow-Private-Network", "true"),
        ]);
        let found = CorsHeaders::read(&headers);
        for (field, name) in [
            (&found.allow_origin, "Access-Control-Allow-Origin"),
            (&found.allow_credentials, "Access-Control-Allow-Credentials"),
            (&found.allow_methods, "Access-Control-Allow-Methods"),
            (&found.allow_headers, "Access-Control-Allow-Headers"),
            (&found.max_age, "Access-Control-Max-Age"),
            (&found.expose_headers, "Access-Control-Expose-Headers"),
            (&found.vary, "Vary"),
        ] {
            assert_eq!(field.as_deref(), headers.get(name).as_ref().map(|v| v.as_bytes()), "{name}");
        }
        assert!(matches!(found.allow_origin, Some(Cow::Borrowed(_))));
        assert!(!found.allow_origin_repeated);
        assert!(found.allow_private_network);
        assert!(found.varies_on_origin());
        assert!(!found.allows_credentials());
    }

    #[test]
    fn a_repeated_allow_origin_is_noticed() {
        let headers = HeaderList::of(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Origin", "http://a.localhost"),
        ]);
        let found = CorsHeaders::read(&headers);
        assert!(found.allow_origin_repeated);
        assert_eq!(found.allow_origin.as_deref(), Some(&b"*, http://a.localhost"[..]));
        assert_eq!(found.allow_origin_verbatim_lines, 2);
        let respelled =
            HeaderList::of(&[("access-control-allow-origin", "*"), ("Access-Control-Allow-Origin", "*")]);
        assert_eq!(CorsHeaders::read(&respelled).allow_origin_verbatim_lines, 1);
    }
}
