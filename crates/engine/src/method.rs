//! Methods: normalization, the safelisted three and the forbidden ones.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::header::is_token;

/// A method as the script wrote it: a token. [`Method::normalize`] gives what goes on the wire.
///
/// The six methods the spec normalizes are kept as borrowed constants, so normalizing one
/// copies nothing.
///
/// <https://fetch.spec.whatwg.org/#concept-method>
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Method(Cow<'static, str>);

/// Why a string is not a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodError(String);

impl Method {
    /// `GET`.
    pub fn get() -> Self {
        Self(Cow::Borrowed("GET"))
    }

    /// Parses a method: a non-empty token.
    pub fn new(method: &str) -> Result<Self, MethodError> {
        if is_token(method) {
            Ok(Self(Cow::Owned(method.to_owned())))
        } else {
            Err(MethodError(method.to_owned()))
        }
    }

    /// The method as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The method as written, without a copy when it is one of the normalized six.
    pub fn to_cow(&self) -> Cow<'static, str> {
        self.0.clone()
    }

    /// Upper-cases the six methods the spec normalizes (`delete`, `get`, `head`, `options`,
    /// `post`, `put`); any other method, `patch` included, keeps its case.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-method-normalize>
    pub fn normalize(&self) -> Self {
        const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
        match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(&self.0)) {
            Some(m) => Self(Cow::Borrowed(m)),
            None => self.clone(),
        }
    }

    /// Whether this is `GET`, `HEAD` or `POST`, byte for byte.
    ///
    /// <https://fetch.spec.whatwg.org/#cors-safelisted-method>
    pub fn is_cors_safelisted(&self) -> bool {
        matches!(&*self.0, "GET" | "HEAD" | "POST")
    }

    /// Whether `fetch` refuses this method outright: `CONNECT`, `TRACE` or `TRACK`, in any case.
    ///
    /// <https://fetch.spec.whatwg.org/#forbidden-method>
    pub fn is_forbidden(&self) -> bool {
        ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(&self.0))
    }
}

impl Default for Method {
    fn default() -> Self {
        Self::get()
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a method: a method is one or more token characters", self.0)
    }
}

impl std::error::Error for MethodError {}

impl Serialize for Method {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(s: &str) -> Method {
        Method::new(s).unwrap()
    }

    #[test]
    fn only_six_methods_are_normalized() {
        assert_eq!(method("put").normalize().as_str(), "PUT");
        assert_eq!(method("pOsT").normalize().as_str(), "POST");
        assert_eq!(method("patch").normalize().as_str(), "patch");
    }

    #[test]
    fn safelisted_methods_are_byte_exact() {
        assert!(method("post").normalize().is_cors_safelisted());
        assert!(!method("PATCH").is_cors_safelisted());
        assert!(!method("OPTIONS").is_cors_safelisted());
    }

    #[test]
    fn forbidden_methods_ignore_case() {
        assert!(method("trace").is_forbidden());
        assert!(method("Track").is_forbidden());
        assert!(!method("DELETE").is_forbidden());
    }

    #[test]
    fn methods_are_tokens() {
        assert!(Method::new("").is_err());
        assert!(Method::new("GE T").is_err());
    }
}
