//! The API's CORS policies: the sixteen ways the catalog answers, as one pure function the
//! server runs for every request and the app runs to predict it.

use serde::{Deserialize, Serialize};

use crate::hosts::{DASHBOARD, PARTNER, Ports};

/// A CORS policy the API can run, selected at run time from the console or per request with
/// `?policy=<id>`; in JSON too it is its [`PolicyId::id`]. Catalog order; the texts are in
/// [`crate::catalog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyId {
    /// 1. No CORS headers: the same-origin policy alone.
    None,
    /// 2. `Access-Control-Allow-Origin: *`, no credentials.
    Wildcard,
    /// 3. `*` together with `Access-Control-Allow-Credentials: true` (browsers refuse it).
    WildcardWithCredentials,
    /// 4. Reflects any `Origin` and allows credentials.
    ReflectAnyOrigin,
    /// 5. An allowlist that includes `null`.
    NullTrusted,
    /// 6. `origin.starts_with("http://fintrack.localhost")`.
    PrefixMatch,
    /// 7. The host `ends_with("fintrack.localhost")`.
    SuffixMatch,
    /// 8. `^http://(www.)?fintrack\.localhost(:\d+)?$`: the first dot is not escaped.
    UnescapedDot,
    /// 9. Every subdomain of `fintrack.localhost` trusted, the compromised blog included.
    AnySubdomain,
    /// 10. Reflects the origin and mirrors the requested method and headers, with credentials.
    MirrorEverything,
    /// 11. `Access-Control-Allow-Headers: *` with credentials, where `*` is taken literally.
    AllowHeadersWildcard,
    /// 12. The right allowlist, but no `Vary: Origin`.
    AllowlistWithoutVary,
    /// 13. The right allowlist, but CORS headers only on 2xx responses.
    OnlyOnSuccess,
    /// 14. The right allowlist with `Access-Control-Expose-Headers: *`.
    ExposeHeadersWildcard,
    /// 15. The right allowlist with a preflight `Max-Age` of a year.
    MaxAgeYear,
    /// 16. The strict allowlist done right.
    StrictAllowlist,
}

/// What one request asks of the CORS layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ask<'a> {
    /// The request's `Origin` header, `None` when absent.
    pub origin: Option<&'a str>,
    /// For a preflight, its `Access-Control-Request-Method`; `None` for an actual request.
    pub request_method: Option<&'a str>,
    /// For a preflight, its `Access-Control-Request-Headers`.
    pub request_headers: Option<&'a str>,
    /// The status of the actual response (ignored for a preflight).
    pub status: u16,
}

/// The header names the policies answer with, in the casing people write them.
pub mod names {
    /// `Access-Control-Allow-Origin`.
    pub const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";
    /// `Access-Control-Allow-Credentials`.
    pub const ALLOW_CREDENTIALS: &str = "Access-Control-Allow-Credentials";
    /// `Access-Control-Allow-Methods`.
    pub const ALLOW_METHODS: &str = "Access-Control-Allow-Methods";
    /// `Access-Control-Allow-Headers`.
    pub const ALLOW_HEADERS: &str = "Access-Control-Allow-Headers";
    /// `Access-Control-Expose-Headers`.
    pub const EXPOSE_HEADERS: &str = "Access-Control-Expose-Headers";
    /// `Access-Control-Max-Age`.
    pub const MAX_AGE: &str = "Access-Control-Max-Age";
    /// `Vary`.
    pub const VARY: &str = "Vary";
}

/// The methods the API's endpoints use, as the allowlist policies list them.
pub const API_METHODS: &str = "GET, POST, PUT, DELETE";

/// The method list Express's `cors` sends by default.
const EXPRESS_DEFAULT_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

impl PolicyId {
    /// Every policy, in catalog order.
    pub const ALL: [Self; 16] = [
        Self::None,
        Self::Wildcard,
        Self::WildcardWithCredentials,
        Self::ReflectAnyOrigin,
        Self::NullTrusted,
        Self::PrefixMatch,
        Self::SuffixMatch,
        Self::UnescapedDot,
        Self::AnySubdomain,
        Self::MirrorEverything,
        Self::AllowHeadersWildcard,
        Self::AllowlistWithoutVary,
        Self::OnlyOnSuccess,
        Self::ExposeHeadersWildcard,
        Self::MaxAgeYear,
        Self::StrictAllowlist,
    ];

    /// The stable id, as used in `?policy=` and the control plane.
    pub fn id(self) -> &'static str {
        IDS[self as usize]
    }

    /// Finds a policy by id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The catalog number, from 1.
    pub fn number(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).map_or(0, |i| i + 1)
    }

    /// The status the API answers a CORS preflight with. Without any CORS code the framework
    /// has no `OPTIONS` route and answers `405`.
    pub fn preflight_status(self) -> u16 {
        match self {
            Self::None => 405,
            _ => 204,
        }
    }

    /// The CORS headers this policy adds to an answer, in order: the function the lab server
    /// runs on every API response and preflight.
    pub fn headers(self, ports: &Ports, ask: &Ask<'_>) -> Vec<(&'static str, String)> {
        let mut out = Headers::default();
        let preflight = ask.request_method.is_some();
        let origin = ask.origin;
        match self {
            Self::None => {}
            Self::Wildcard | Self::WildcardWithCredentials => {
                out.set(names::ALLOW_ORIGIN, "*");
                if self == Self::WildcardWithCredentials {
                    out.set(names::ALLOW_CREDENTIALS, "true");
                }
                if preflight {
                    // Express's `cors()` defaults: a fixed method list, requested headers echoed.
                    out.set(names::ALLOW_METHODS, EXPRESS_DEFAULT_METHODS);
                    out.set_some(names::ALLOW_HEADERS, ask.request_headers);
                }
            }
            Self::ReflectAnyOrigin => {
                // Hand-written reflection: no Vary, a fixed method and header list.
                if let Some(origin) = origin {
                    out.set(names::ALLOW_ORIGIN, origin);
                    out.set(names::ALLOW_CREDENTIALS, "true");
                }
                if preflight {
                    out.set(names::ALLOW_METHODS, "GET, POST");
                    out.set(names::ALLOW_HEADERS, "Content-Type");
                }
            }
            Self::MirrorEverything => {
                out.set(names::VARY, if preflight { VARY_PREFLIGHT } else { "Origin" });
                if let Some(origin) = origin {
                    out.set(names::ALLOW_ORIGIN, origin);
                    out.set(names::ALLOW_CREDENTIALS, "true");
                }
                if preflight {
                    out.set_some(names::ALLOW_METHODS, ask.request_method);
                    out.set_some(names::ALLOW_HEADERS, ask.request_headers);
                }
            }
            Self::NullTrusted
            | Self::PrefixMatch
            | Self::SuffixMatch
            | Self::UnescapedDot
            | Self::AnySubdomain
            | Self::AllowHeadersWildcard
            | Self::AllowlistWithoutVary
            | Self::OnlyOnSuccess
            | Self::ExposeHeadersWildcard
            | Self::MaxAgeYear
            | Self::StrictAllowlist => self.allowlist(ports, ask, &mut out),
        }
        out.0
    }

    /// Whether this policy's origin matcher accepts `origin` (for the allowlist family;
    /// `true` for the reflecting policies, `false` for the ones with no origin check).
    pub fn accepts(self, ports: &Ports, origin: &str) -> bool {
        let trusted = ports.trusted();
        let exact = trusted.iter().any(|t| t == origin);
        match self {
            Self::None | Self::Wildcard | Self::WildcardWithCredentials => false,
            Self::ReflectAnyOrigin | Self::MirrorEverything => true,
            Self::NullTrusted => exact || origin == "null",
            Self::PrefixMatch => {
                origin.starts_with(&format!("http://{DASHBOARD}"))
                    || origin.starts_with(&format!("http://{PARTNER}"))
            }
            Self::SuffixMatch => {
                host_of(origin).is_some_and(|h| h.ends_with(DASHBOARD)) || origin == trusted[1]
            }
            Self::UnescapedDot => unescaped_dot_regex(origin) || origin == trusted[1],
            Self::AnySubdomain => any_subdomain_regex(origin) || origin == trusted[1],
            Self::AllowHeadersWildcard
            | Self::AllowlistWithoutVary
            | Self::OnlyOnSuccess
            | Self::ExposeHeadersWildcard
            | Self::MaxAgeYear
            | Self::StrictAllowlist => exact,
        }
    }

    /// The allowlist family: one matcher, then the same answer with this policy's twist.
    fn allowlist(self, ports: &Ports, ask: &Ask<'_>, out: &mut Headers) {
        let preflight = ask.request_method.is_some();
        if self == Self::OnlyOnSuccess && !preflight && !(200..=299).contains(&ask.status) {
            // The middleware decorates successful answers only: errors and redirects go bare.
            return;
        }
        if self != Self::AllowlistWithoutVary {
            // The answer depends on Origin whether or not this one matched, so caches must key on it.
            out.set(names::VARY, if preflight { VARY_PREFLIGHT } else { "Origin" });
        }
        let Some(origin) = ask.origin.filter(|o| self.accepts(ports, o)) else {
            return;
        };
        out.set(names::ALLOW_ORIGIN, origin);
        out.set(names::ALLOW_CREDENTIALS, "true");
        if preflight {
            out.set(names::ALLOW_METHODS, API_METHODS);
            let allow_headers = if self == Self::AllowHeadersWildcard { "*" } else { "Content-Type" };
            out.set(names::ALLOW_HEADERS, allow_headers);
            match self {
                Self::MaxAgeYear => out.set(names::MAX_AGE, "31536000"),
                Self::StrictAllowlist | Self::AllowlistWithoutVary => out.set(names::MAX_AGE, "600"),
                _ => {}
            }
        } else {
            match self {
                Self::ExposeHeadersWildcard => out.set(names::EXPOSE_HEADERS, "*"),
                Self::StrictAllowlist => out.set(names::EXPOSE_HEADERS, "X-Request-Id"),
                _ => {}
            }
        }
    }
}

// Written by hand over `id` and `from_id`, so the JSON names are the ids by construction (and
// the Wasm carries one list of names, not three).
impl Serialize for PolicyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for PolicyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        Self::from_id(&id).ok_or_else(|| serde::de::Error::unknown_variant(&id, IDS))
    }
}

/// Every policy's id, in catalog order (the order of the variants).
const IDS: &[&str] = &[
    "none",
    "wildcard",
    "wildcard-with-credentials",
    "reflect-any-origin",
    "null-trusted",
    "prefix-match",
    "suffix-match",
    "unescaped-dot",
    "any-subdomain",
    "mirror-everything",
    "allow-headers-wildcard",
    "allowlist-without-vary",
    "only-on-success",
    "expose-headers-wildcard",
    "max-age-year",
    "strict-allowlist",
];

impl std::fmt::Display for PolicyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

const VARY_PREFLIGHT: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// Headers in order, one value per name.
#[derive(Debug, Default)]
struct Headers(Vec<(&'static str, String)>);

impl Headers {
    fn set(&mut self, name: &'static str, value: &str) {
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, value.to_owned()));
    }

    fn set_some(&mut self, name: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.set(name, value);
        }
    }
}

/// The host of a serialized `http://` origin, without its port.
fn host_of(origin: &str) -> Option<&str> {
    let rest = origin.strip_prefix("http://")?;
    Some(rest.rsplit_once(':').map_or(rest, |(host, _)| host))
}

/// `^http://(www.)?fintrack\.localhost(:\d+)?$`, with the unescaped dot after `www` matching
/// any character, as the regex engine would.
fn unescaped_dot_regex(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let after_www = rest.strip_prefix("www").and_then(|r| {
        let mut chars = r.chars();
        chars.next().map(|_| chars.as_str())
    });
    [Some(rest), after_www].into_iter().flatten().any(|r| {
        r.strip_prefix("fintrack.localhost")
            .is_some_and(|port| port.is_empty() || port.strip_prefix(':').is_some_and(all_digits))
    })
}

/// `^http://([a-z0-9-]+\.)*fintrack\.localhost(:\d+)?$`: the dashboard and every subdomain.
fn any_subdomain_regex(origin: &str) -> bool {
    let Some(host) = host_of(origin) else {
        return false;
    };
    let port_ok = origin
        .strip_prefix("http://")
        .and_then(|r| r.strip_prefix(host))
        .is_some_and(|port| port.is_empty() || port.strip_prefix(':').is_some_and(all_digits));
    let labels_ok = match host.strip_suffix(DASHBOARD) {
        Some("") => true,
        Some(prefix) => prefix.strip_suffix('.').is_some_and(|labels| {
            labels.split('.').all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
        }),
        None => false,
    };
    port_ok && labels_ok
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::{
        ATTACKER, CONSOLE, DOT_LOOKALIKE, PREFIX_LOOKALIKE, SIBLING, SUFFIX_LOOKALIKE, origin_on,
    };

    const PORTS: Ports = Ports::two(8080, 8081);

    fn o(host: &str) -> String {
        origin_on(host, 8080)
    }

    #[test]
    fn ids_round_trip_and_number_from_one() {
        for (i, policy) in PolicyId::ALL.into_iter().enumerate() {
            assert_eq!(PolicyId::from_id(policy.id()), Some(policy));
            assert_eq!(policy.number(), i + 1);
            assert_eq!(serde_json::to_value(policy).unwrap(), policy.id());
            assert_eq!(serde_json::from_value::<PolicyId>(policy.id().into()).unwrap(), policy);
        }
        assert_eq!(PolicyId::from_id("nope"), None);
        let error = serde_json::from_str::<PolicyId>(r#""nope""#).unwrap_err().to_string();
        assert!(error.starts_with("unknown variant `nope`, expected one of `none`, `wildcard`,"), "{error}");
        let ids = [PolicyId::None, PolicyId::ReflectAnyOrigin, PolicyId::StrictAllowlist].map(PolicyId::id);
        assert_eq!(ids, ["none", "reflect-any-origin", "strict-allowlist"]);
    }

    #[test]
    fn each_lookalike_fools_exactly_its_matcher() {
        let cases = [
            (PolicyId::PrefixMatch, PREFIX_LOOKALIKE),
            (PolicyId::SuffixMatch, SUFFIX_LOOKALIKE),
            (PolicyId::UnescapedDot, DOT_LOOKALIKE),
            (PolicyId::AnySubdomain, SIBLING),
        ];
        for (policy, fools) in cases {
            for (other, host) in cases {
                let accepted = policy.accepts(&PORTS, &o(host));
                // The suffix match also trusts every real subdomain and anything ending in the
                // name, so the sibling and the unescaped-dot lookalike pass it too.
                let suffix_extra =
                    policy == PolicyId::SuffixMatch && (host == SIBLING || host == DOT_LOOKALIKE);
                let expected = policy == other || suffix_extra;
                assert_eq!(accepted, expected, "{policy} on {host}");
            }
            assert!(policy.accepts(&PORTS, &o(DASHBOARD)), "{policy} keeps the dashboard");
            assert!(policy.accepts(&PORTS, &o(PARTNER)), "{policy} keeps the partner");
            assert!(!policy.accepts(&PORTS, &o(ATTACKER)), "{policy} on {fools}");
            assert!(!policy.accepts(&PORTS, "null"));
        }
    }

    #[test]
    fn the_strict_allowlist_is_exact_about_scheme_host_and_port() {
        let strict = PolicyId::StrictAllowlist;
        assert!(strict.accepts(&PORTS, &o(DASHBOARD)));
        for origin in [
            origin_on(DASHBOARD, 8081),
            "https://fintrack.localhost:8080".to_owned(),
            format!("{}/", o(DASHBOARD)),
            o(SIBLING),
            o(CONSOLE),
            "null".to_owned(),
        ] {
            assert!(!strict.accepts(&PORTS, &origin), "{origin}");
        }
    }

    #[test]
    fn the_regexes_behave_like_the_regexes() {
        assert!(unescaped_dot_regex("http://www.fintrack.localhost:8080"));
        assert!(unescaped_dot_regex("http://wwwxfintrack.localhost"));
        assert!(!unescaped_dot_regex("http://wwfintrack.localhost"));
        assert!(!unescaped_dot_regex("http://fintrack.localhost:80x"));
        assert!(any_subdomain_regex("http://a.b-c.fintrack.localhost:1"));
        assert!(!any_subdomain_regex("http://.fintrack.localhost"));
        assert!(!any_subdomain_regex("http://evilfintrack.localhost"));
        assert!(!any_subdomain_regex("https://fintrack.localhost"));
    }

    #[test]
    fn only_on_success_leaves_errors_bare() {
        let ask = |status| Ask { origin: Some("http://partner.localhost:8080"), status, ..Ask::default() };
        assert!(!PolicyId::OnlyOnSuccess.headers(&PORTS, &ask(200)).is_empty());
        assert!(PolicyId::OnlyOnSuccess.headers(&PORTS, &ask(401)).is_empty());
        assert!(!PolicyId::StrictAllowlist.headers(&PORTS, &ask(401)).is_empty());
    }

    #[test]
    fn mirror_everything_echoes_what_the_preflight_asks() {
        let ask = Ask {
            origin: Some("http://free-crypto-giveaway.localhost:8080"),
            request_method: Some("PUT"),
            request_headers: Some("content-type,x-anything"),
            status: 0,
        };
        let headers = PolicyId::MirrorEverything.headers(&PORTS, &ask);
        let get = |n: &str| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(get(names::ALLOW_METHODS), Some("PUT"));
        assert_eq!(get(names::ALLOW_HEADERS), Some("content-type,x-anything"));
        assert_eq!(get(names::ALLOW_ORIGIN), ask.origin);
    }
}
