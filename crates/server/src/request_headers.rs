//! What the lab's handlers read from a request's headers.

use axum::http::{HeaderMap, header};
use corslab_lab::cookie::{SESSION_COOKIE, cookie_pairs};

/// The session cookie's value, from whichever `Cookie` header of the request carries it. The
/// header is read as bytes, one cookie-pair at a time, so another cookie's stray byte does not
/// hide the session; the first `session` pair counts, and only when its value is UTF-8 and not
/// empty.
pub fn session(headers: &HeaderMap) -> Option<String> {
    let (_, value) = headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| cookie_pairs(v.as_bytes()))
        .find(|(name, _)| *name == SESSION_COOKIE.as_bytes())?;
    std::str::from_utf8(value).ok().filter(|value| !value.is_empty()).map(str::to_owned)
}

/// The essence of the `Content-Type`, lower-cased (`application/json`), parsed as the engine
/// parses it for the CORS safelist, so the lab reads a body the way the lesson explains it.
pub fn content_type_essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    corslab_engine::safelist::mime_essence(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::COOKIE, axum::http::HeaderValue::from_bytes(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_stray_byte_in_another_cookie_does_not_hide_the_session() {
        let headers = cookies(&[b"theme=d\xe9j\xe0; session=s1; x\xff=1"]);
        assert_eq!(session(&headers).as_deref(), Some("s1"));
        assert_eq!(session(&cookies(&[b"a=1", b"session=s2"])).as_deref(), Some("s2"));
    }

    #[test]
    fn no_session_when_its_pair_is_empty_or_absent() {
        assert_eq!(session(&cookies(&[b"session="])), None);
        assert_eq!(session(&cookies(&[b"xsession=1; sessions=2"])), None);
        assert_eq!(session(&cookies(&[b"session=\xff"])), None);
        assert_eq!(session(&HeaderMap::new()), None);
    }
}
