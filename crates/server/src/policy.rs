//! The API's CORS policies: how a real server decides which headers to answer with.

use axum::http::{HeaderMap, HeaderValue, Method};
use serde::Serialize;

/// A CORS policy the API can run, selected at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// No CORS headers: the same-origin policy alone.
    None,
    /// `Access-Control-Allow-Origin: *`, no credentials.
    Wildcard,
    /// Reflects any `Origin` and allows credentials.
    ReflectAnyOrigin,
    /// Exact allowlist of trusted origins, credentials, `Vary: Origin`.
    StrictAllowlist,
}

impl Policy {
    /// Every policy, in catalog order.
    pub const ALL: [Self; 4] = [Self::None, Self::Wildcard, Self::ReflectAnyOrigin, Self::StrictAllowlist];

    /// The policy's stable id, as used in `?policy=`.
    pub fn id(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Wildcard => "wildcard",
            Self::ReflectAnyOrigin => "reflect-any-origin",
            Self::StrictAllowlist => "strict-allowlist",
        }
    }

    /// Finds a policy by id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The CORS headers this policy answers a request with, given the request's `Origin`
    /// (`None` when absent) and the origins the API trusts.
    pub fn headers(self, origin: Option<&str>, trusted: &[String], preflight: Option<&Method>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut set = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        match self {
            Self::None => {}
            Self::Wildcard => {
                set("access-control-allow-origin", "*");
                if preflight.is_some() {
                    set("access-control-allow-methods", "GET, POST, PUT, DELETE");
                    set("access-control-allow-headers", "content-type");
                }
            }
            Self::ReflectAnyOrigin => {
                if let Some(origin) = origin {
                    set("access-control-allow-origin", origin);
                    set("access-control-allow-credentials", "true");
                }
                if preflight.is_some() {
                    set("access-control-allow-methods", "GET, POST, PUT, DELETE");
                    set("access-control-allow-headers", "content-type");
                }
            }
            Self::StrictAllowlist => {
                set("vary", "Origin");
                if let Some(origin) = origin.filter(|o| trusted.iter().any(|t| t == o)) {
                    set("access-control-allow-origin", origin);
                    set("access-control-allow-credentials", "true");
                    if preflight.is_some() {
                        set("access-control-allow-methods", "GET, POST");
                        set("access-control-allow-headers", "content-type");
                        set("access-control-max-age", "600");
                    }
                }
            }
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for policy in Policy::ALL {
            assert_eq!(Policy::from_id(policy.id()), Some(policy));
        }
        assert_eq!(Policy::from_id("nope"), None);
    }

    #[test]
    fn strict_allowlist_answers_only_trusted_origins() {
        let trusted = vec!["http://partner.localhost:8080".to_owned()];
        let ok = Policy::StrictAllowlist.headers(Some("http://partner.localhost:8080"), &trusted, None);
        assert_eq!(ok["access-control-allow-origin"], "http://partner.localhost:8080");
        assert_eq!(ok["vary"], "Origin");
        let no = Policy::StrictAllowlist.headers(Some("http://evil.localhost:8080"), &trusted, None);
        assert!(!no.contains_key("access-control-allow-origin"));
        assert_eq!(no["vary"], "Origin");
    }

    #[test]
    fn reflect_echoes_any_origin_with_credentials() {
        let h = Policy::ReflectAnyOrigin.headers(Some("http://evil.localhost"), &[], None);
        assert_eq!(h["access-control-allow-origin"], "http://evil.localhost");
        assert_eq!(h["access-control-allow-credentials"], "true");
    }
}
