//! The probe plan: which requests the audit sends to one target, derived from its URL and the
//! trusted origins, before anything goes on the wire.

use std::fmt;

use corslab_engine::Browser;
use corslab_engine::origin::Origin;
use corslab_engine::profile::Profile;
use corslab_engine::site::registrable_domain;
use serde::{Deserialize, Serialize};
use url::Url;

/// A misconfiguration class: what a finding is about. Ids are stable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Class {
    /// Any origin is echoed back in `Access-Control-Allow-Origin`.
    ReflectAnyOrigin,
    /// An origin that merely starts with a trusted host is allowed (`https://app.example.com.evil.example`).
    PrefixMatch,
    /// An origin that merely ends with a trusted domain is allowed (`https://evilexample.com`).
    SuffixMatch,
    /// An origin that is merely a substring of a trusted one is allowed (`https://xample.com`).
    SubstringMatch,
    /// A regular expression with an unescaped dot allows `https://appxexample.com`.
    UnescapedDot,
    /// `Origin: null` (sandboxed iframes, `data:` URLs, tainted redirects) is allowed.
    NullTrusted,
    /// Any subdomain of the API's host or site is allowed.
    AnySubdomain,
    /// An `http:` origin is allowed to read an `https:` API.
    HttpTrustedByHttps,
    /// A host with a character a lenient origin parser stops at (`_`, `` ` ``, `}`…) is allowed.
    SpecialCharacters,
    /// A shared hosting or code-playground origin anyone can publish on is allowed.
    ThirdPartyHosts,
    /// `Access-Control-Allow-Origin: *`.
    Wildcard,
    /// The preflight echoes any requested method and headers, with credentials.
    MirroredMethodsAndHeaders,
    /// `Access-Control-Allow-Headers: *` where `Authorization` is expected to be covered.
    AuthorizationUnderWildcard,
    /// A response whose `Access-Control-Allow-Origin` depends on `Origin` lacks `Vary: Origin`.
    VaryOriginMissing,
    /// Error responses carry a different CORS policy than successful ones.
    ErrorResponses,
    /// `Access-Control-Expose-Headers: *`.
    ExposeHeadersWildcard,
    /// `Access-Control-Max-Age` beyond what browsers honour.
    MaxAgeBeyondCaps,
    /// `Access-Control-Allow-Private-Network` (or `-Local-Network`) granted to an untrusted origin.
    PrivateNetworkAccess,
}

/// What one probe asks and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The class this probe looks for.
    pub class: Class,
    /// The request to send.
    pub kind: ProbeKind,
    /// The `Origin` header to send, `None` for none.
    pub origin: Option<String>,
    /// The URL to request.
    pub url: Url,
}

/// The shape of a probe request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeKind {
    /// A `GET`, as a simple cross-origin `fetch` sends it.
    Get,
    /// An `OPTIONS` preflight asking for a method and headers.
    Preflight {
        /// `Access-Control-Request-Method`.
        method: String,
        /// `Access-Control-Request-Headers`, lower-cased and sorted as browsers send them.
        headers: Vec<String>,
        /// Whether to ask for private/local network access.
        private_network: bool,
    },
}

/// The header a mirrored-headers probe asks for: no real API lists it.
pub const PROBE_HEADER: &str = "x-corslab-probe";

/// The method the mirrored-methods probe asks for: state-changing, so a mirror is visible.
pub const PROBE_METHOD: &str = "PUT";

/// Characters a lenient origin parser may stop at; placed right after a trusted host.
pub const SPECIAL_CHARACTERS: &[&str] =
    &["_", "-", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", "`", "{", "}", "%60", "\""];

/// Hosts where anyone can publish a page, so trusting them trusts everyone.
pub const THIRD_PARTY_ORIGINS: &[&str] = &[
    "https://corslab-audit.github.io",
    "https://codepen.io",
    "https://cdpn.io",
    "https://jsfiddle.net",
    "https://fiddle.jshell.net",
    "https://jsbin.com",
    "https://stackblitz.com",
    "https://corslab-audit.glitch.me",
    "https://corslab-audit.netlify.app",
    "https://corslab-audit.vercel.app",
    "https://corslab-audit.pages.dev",
    "https://corslab-audit.herokuapp.com",
    "https://web.archive.org",
];

/// The probe plan for one target.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The target URL.
    pub target: Url,
    /// Requests sent before any other: the target as a same-origin visitor sees it.
    pub baseline: Probe,
    /// Everything else, sent concurrently.
    pub probes: Vec<Probe>,
    /// The attacker's own origin (the reflect probe's).
    pub attacker: String,
}

impl Plan {
    /// Builds the plan for `target`, deriving look-alike origins from the target's host, its
    /// registrable domain and each trusted origin's host.
    pub fn new(target: &Url, trusted: &[Origin]) -> Self {
        let scheme = target.scheme();
        let port = port_suffix(target);
        let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
        let local = is_local(&host);
        let evil = if local { "evil.localhost" } else { "evil.example" };
        let attacker = format!("{scheme}://{evil}{port}");
        let mut probes = Vec::new();
        let mut get = |class: Class, origin: String| {
            probes.push(Probe { class, kind: ProbeKind::Get, origin: Some(origin), url: target.clone() });
        };

        get(Class::ReflectAnyOrigin, attacker.clone());
        get(Class::NullTrusted, "null".to_owned());
        for base in bases(target, trusted) {
            let origin = |host: &str| format!("{}://{host}{}", base.scheme, base.port);
            let name = base.host.as_str();
            get(Class::PrefixMatch, origin(&format!("{name}.{evil}")));
            // An address has no registrable domain and no subdomains, and a host that ends in a
            // number is parsed as an address: `evil127.0.0.1` or `evil.127.0.0.1` is no origin.
            if base.domain {
                // A look-alike that is still under the base's own site would test "any
                // subdomain" again (`evilapi.example.com`), so only other sites are sent here.
                let elsewhere = |candidate: &str| registrable_domain(candidate) != registrable_domain(name);
                let suffix = format!("evil{name}");
                if elsewhere(&suffix) {
                    get(Class::SuffixMatch, origin(&suffix));
                }
                if let Some(rest) = name.get(1..).filter(|rest| rest.contains('.') && elsewhere(rest)) {
                    get(Class::SubstringMatch, origin(rest));
                }
                for lookalike in unescaped_dot_lookalikes(name).into_iter().filter(|l| elsewhere(l)) {
                    get(Class::UnescapedDot, origin(&lookalike));
                }
                get(Class::AnySubdomain, origin(&format!("evil.{name}")));
            }
            for c in SPECIAL_CHARACTERS {
                get(Class::SpecialCharacters, origin(&format!("{name}{c}.{evil}")));
            }
        }
        if scheme == "https" {
            get(Class::HttpTrustedByHttps, format!("http://{host}{port}"));
            for origin in trusted.iter().filter(|o| o.scheme() == Some("https")) {
                let serialized = origin.serialize();
                get(Class::HttpTrustedByHttps, format!("http{}", &serialized["https".len()..]));
            }
        }
        for origin in THIRD_PARTY_ORIGINS {
            get(Class::ThirdPartyHosts, (*origin).to_owned());
        }
        // The policy the team meant: what a trusted origin gets (Vary, exposed headers, errors).
        for origin in trusted {
            get(Class::VaryOriginMissing, origin.serialize().to_owned());
        }

        let preflight =
            |class: Class, origin: &str, method: &str, headers: &[&str], private_network: bool| Probe {
                class,
                kind: ProbeKind::Preflight {
                    method: method.to_owned(),
                    headers: headers.iter().map(|h| (*h).to_owned()).collect(),
                    private_network,
                },
                origin: Some(origin.to_owned()),
                url: target.clone(),
            };
        probes.push(preflight(
            Class::MirroredMethodsAndHeaders,
            &attacker,
            PROBE_METHOD,
            &[PROBE_HEADER],
            false,
        ));
        // `Authorization` under `*` is about the team's own clients: ask as a trusted origin.
        let client = trusted.first().map_or(attacker.as_str(), |o| o.serialize());
        probes.push(preflight(Class::AuthorizationUnderWildcard, client, "GET", &["authorization"], false));
        // A public page asking for a local one is what Local Network Access guards; the probe
        // origin is public even for a local target.
        probes.push(preflight(Class::PrivateNetworkAccess, "https://evil.example", "GET", &[], true));
        if let Some(origin) = trusted.first() {
            probes.push(preflight(
                Class::MaxAgeBeyondCaps,
                origin.serialize(),
                "GET",
                &[PROBE_HEADER],
                false,
            ));
        }
        // An error answer: a path under the target that should not exist, asked as the team's
        // own client (is the policy the same?) and as the attacker (do errors let it read?).
        let mut missing = target.clone();
        let path = format!("{}/corslab-audit-missing", target.path().trim_end_matches('/'));
        missing.set_path(&path);
        let error_origins = trusted.first().map(|o| o.serialize().to_owned()).into_iter();
        for origin in error_origins.chain(std::iter::once(attacker.clone())) {
            probes.push(Probe {
                class: Class::ErrorResponses,
                kind: ProbeKind::Get,
                origin: Some(origin),
                url: missing.clone(),
            });
        }

        let baseline =
            Probe { class: Class::Wildcard, kind: ProbeKind::Get, origin: None, url: target.clone() };
        Self { target: target.clone(), baseline, probes, attacker }
    }
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Self; 18] = [
        Self::ReflectAnyOrigin,
        Self::PrefixMatch,
        Self::SuffixMatch,
        Self::SubstringMatch,
        Self::UnescapedDot,
        Self::NullTrusted,
        Self::AnySubdomain,
        Self::HttpTrustedByHttps,
        Self::SpecialCharacters,
        Self::ThirdPartyHosts,
        Self::Wildcard,
        Self::MirroredMethodsAndHeaders,
        Self::AuthorizationUnderWildcard,
        Self::VaryOriginMissing,
        Self::ErrorResponses,
        Self::ExposeHeadersWildcard,
        Self::MaxAgeBeyondCaps,
        Self::PrivateNetworkAccess,
    ];

    /// The stable id (`reflect-any-origin`).
    pub fn id(self) -> &'static str {
        match self {
            Self::ReflectAnyOrigin => "reflect-any-origin",
            Self::PrefixMatch => "prefix-match",
            Self::SuffixMatch => "suffix-match",
            Self::SubstringMatch => "substring-match",
            Self::UnescapedDot => "unescaped-dot",
            Self::NullTrusted => "null-trusted",
            Self::AnySubdomain => "any-subdomain",
            Self::HttpTrustedByHttps => "http-trusted-by-https",
            Self::SpecialCharacters => "special-characters",
            Self::ThirdPartyHosts => "third-party-hosts",
            Self::Wildcard => "wildcard",
            Self::MirroredMethodsAndHeaders => "mirrored-methods-and-headers",
            Self::AuthorizationUnderWildcard => "authorization-under-wildcard",
            Self::VaryOriginMissing => "vary-origin-missing",
            Self::ErrorResponses => "error-responses",
            Self::ExposeHeadersWildcard => "expose-headers-wildcard",
            Self::MaxAgeBeyondCaps => "max-age-beyond-caps",
            Self::PrivateNetworkAccess => "private-network-access",
        }
    }

    /// How to fix this class, in one or two sentences.
    pub fn fix(self) -> String {
        let fixed = match self {
            Self::ReflectAnyOrigin => {
                "Never echo the Origin header: compare it byte for byte with an explicit allowlist and answer Access-Control-Allow-Origin only on a match."
            }
            Self::PrefixMatch | Self::SuffixMatch | Self::SubstringMatch => {
                "Parse the Origin as a URL and compare the whole serialized origin (scheme, host, port) for equality with allowlist entries; never use starts_with, ends_with or contains."
            }
            Self::UnescapedDot => {
                "Escape dots in origin regular expressions and anchor them (^https://app\\.example\\.com$), or better, replace the regex with an exact allowlist."
            }
            Self::NullTrusted => {
                "Remove `null` from the allowlist: sandboxed iframes, data: URLs and redirected requests all send it, so trusting it trusts anyone."
            }
            Self::AnySubdomain => {
                "List the subdomains that need access; a wildcard over subdomains lets any compromised or user-content subdomain read with the visitor's cookies."
            }
            Self::HttpTrustedByHttps => {
                "Allow only https: origins; an http: origin can be impersonated by anyone on the visitor's network."
            }
            Self::SpecialCharacters => {
                "Compare origins for exact equality instead of parsing them leniently; a host with `_`, `` ` `` or `}` after a trusted name belongs to someone else."
            }
            Self::ThirdPartyHosts => {
                "Remove shared hosting and code-playground origins from the allowlist: anyone can publish a page there."
            }
            Self::Wildcard => {
                "Keep `*` only for truly public, unauthenticated data; never pair it with Access-Control-Allow-Credentials, and use an allowlist for anything else."
            }
            Self::MirroredMethodsAndHeaders => {
                "Answer preflights with a fixed list of the methods and headers the API uses, not with the requested ones, and only for allowlisted origins."
            }
            Self::AuthorizationUnderWildcard => {
                "Name Authorization explicitly in Access-Control-Allow-Headers; `*` does not cover it."
            }
            Self::VaryOriginMissing => {
                "Send `Vary: Origin` on every response whose CORS headers depend on the Origin, including the ones that grant nothing."
            }
            Self::ErrorResponses => {
                "Apply the CORS policy to every response, errors included (nginx: `add_header ... always`), and keep it the same policy."
            }
            Self::ExposeHeadersWildcard => {
                "List the response headers clients need in Access-Control-Expose-Headers instead of `*`."
            }
            Self::MaxAgeBeyondCaps => {
                let cap = Profile::of(Browser::Chromium).max_age_cap;
                return format!(
                    "Use an Access-Control-Max-Age of at most {cap} s (Chromium's cap); a few minutes is plenty."
                );
            }
            Self::PrivateNetworkAccess => {
                "Answer Access-Control-Allow-Private-Network / -Local-Network only to the origins that need it, never to every origin."
            }
        };
        fixed.to_owned()
    }

    /// A short title for tables and rules.
    pub fn title(self) -> &'static str {
        match self {
            Self::ReflectAnyOrigin => "Any origin is reflected",
            Self::PrefixMatch => "Origin checked with a prefix match",
            Self::SuffixMatch => "Origin checked with a suffix match",
            Self::SubstringMatch => "Origin checked with a substring match",
            Self::UnescapedDot => "Origin pattern with an unescaped dot",
            Self::NullTrusted => "The null origin is trusted",
            Self::AnySubdomain => "Any subdomain is trusted",
            Self::HttpTrustedByHttps => "Plain-http origin trusted by an https API",
            Self::SpecialCharacters => "Origin parser fooled by special characters",
            Self::ThirdPartyHosts => "Third-party hosting origin trusted",
            Self::Wildcard => "Wildcard Access-Control-Allow-Origin",
            Self::MirroredMethodsAndHeaders => "Preflight mirrors any method and header",
            Self::AuthorizationUnderWildcard => "Authorization relies on Allow-Headers: *",
            Self::VaryOriginMissing => "Vary: Origin missing",
            Self::ErrorResponses => "Error responses carry a different CORS policy",
            Self::ExposeHeadersWildcard => "Expose-Headers: *",
            Self::MaxAgeBeyondCaps => "Max-Age beyond the browsers' caps",
            Self::PrivateNetworkAccess => "Local network access granted to any origin",
        }
    }

    /// Finds a class by id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Whether browsers treat `host` as loopback: `localhost`, any `*.localhost`, or a loopback IP.
pub fn is_local(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `:port` when the URL names a non-default port, else nothing.
fn port_suffix(url: &Url) -> String {
    url.port().map(|p| format!(":{p}")).unwrap_or_default()
}

/// A host a careless origin matcher is built around, with the scheme and port its look-alikes
/// carry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Base {
    /// The host, lower-cased: a domain or an IPv4 address.
    host: String,
    /// The scheme of the look-alike origins.
    scheme: String,
    /// `:port`, or nothing for the scheme's default port.
    port: String,
    /// Whether `host` is a domain (an address has no registrable domain and no subdomains).
    domain: bool,
}

/// The hosts a careless matcher is built around: the API itself, its registrable domain, and
/// every trusted origin's host and registrable domain (an allowlist is usually written against
/// those, not against the API). A trusted host's look-alikes are sent with its own scheme and port, since a matcher
/// written against the whole origin (`endsWith("app.example.com:3000")`) only passes those,
/// and with the target's, for matchers that name the host alone.
fn bases(target: &Url, trusted: &[Origin]) -> Vec<Base> {
    let scheme = target.scheme();
    let port = port_suffix(target);
    let at = |host: &str, domain: bool| Base {
        host: host.to_ascii_lowercase(),
        scheme: scheme.to_owned(),
        port: port.clone(),
        domain,
    };
    let mut bases = Vec::new();
    match target.host() {
        Some(url::Host::Domain(host)) => {
            bases.push(at(host, true));
            if let Some(domain) = registrable_domain(&host.to_ascii_lowercase()) {
                bases.push(at(domain, true));
            }
        }
        // An IPv4 address keeps the look-alikes that append to it (`127.0.0.1.evil.example`).
        Some(url::Host::Ipv4(address)) => bases.push(at(&address.to_string(), false)),
        // Nothing appended to or put around `[::1]` is a host a URL parser accepts.
        Some(url::Host::Ipv6(_)) | None => {}
    }
    for origin in trusted {
        let (Some(url::Host::Domain(host)), Some(own_scheme), Some(own_port)) =
            (origin.host(), origin.scheme(), origin.port())
        else {
            continue;
        };
        let default = match own_scheme {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        let own = |host: &str| Base {
            host: host.to_ascii_lowercase(),
            scheme: own_scheme.to_owned(),
            port: if default == Some(own_port) { String::new() } else { format!(":{own_port}") },
            domain: true,
        };
        bases.push(own(host));
        bases.push(at(host, true));
        // A matcher for "any subdomain of our site" is written against the trusted origin's
        // scheme too (`^https://.*\.example\.com$`), whatever the API's own scheme and port.
        if let Some(domain) = registrable_domain(&host.to_ascii_lowercase()) {
            bases.push(own(domain));
        }
    }
    let mut seen = std::collections::HashSet::new();
    bases.retain(|b| seen.insert((b.host.clone(), b.scheme.clone(), b.port.clone())));
    bases
}

/// The host with one dot replaced by a letter, for every dot but the last: those are the names
/// an attacker can register (`app.example.com` gives `appxexample.com`; `app.examplexcom` would
/// need a top-level domain of its own).
fn unescaped_dot_lookalikes(host: &str) -> Vec<String> {
    let dots: Vec<usize> = host.match_indices('.').map(|(i, _)| i).collect();
    let Some((_, registrable)) = dots.split_last() else { return Vec::new() };
    let mut lookalikes: Vec<String> = registrable
        .iter()
        .map(|&i| {
            let mut lookalike = host.to_owned();
            lookalike.replace_range(i..=i, "x");
            lookalike
        })
        .collect();
    // The most common shape is `^https://(www.)?example\.com$`, whose dot after `www` is the
    // unescaped one; `wwwxexample.com` is the name that fools it.
    if !host.starts_with("www.") {
        lookalikes.push(format!("wwwx{host}"));
    }
    lookalikes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(target: &str, trusted: &[&str]) -> Plan {
        let trusted: Vec<Origin> = trusted.iter().map(|o| Origin::parse(o).unwrap()).collect();
        Plan::new(&Url::parse(target).unwrap(), &trusted)
    }

    fn origins(plan: &Plan, class: Class) -> Vec<String> {
        plan.probes.iter().filter(|p| p.class == class).filter_map(|p| p.origin.clone()).collect()
    }

    #[test]
    fn lookalikes_follow_the_reference_shapes() {
        let plan = plan("https://app.example.com/me", &[]);
        let has = |class, origin: &str| origins(&plan, class).iter().any(|o| o == origin);
        assert!(has(Class::ReflectAnyOrigin, "https://evil.example"));
        assert!(has(Class::PrefixMatch, "https://app.example.com.evil.example"));
        assert!(has(Class::SuffixMatch, "https://evilexample.com"));
        assert!(has(Class::SubstringMatch, "https://xample.com"));
        assert!(has(Class::UnescapedDot, "https://appxexample.com"));
        assert!(has(Class::UnescapedDot, "https://wwwxexample.com"));
        assert!(has(Class::NullTrusted, "null"));
        assert!(has(Class::AnySubdomain, "https://evil.app.example.com"));
        assert!(has(Class::AnySubdomain, "https://evil.example.com"));
        assert!(has(Class::HttpTrustedByHttps, "http://app.example.com"));
        assert!(has(Class::SpecialCharacters, "https://app.example.com_.evil.example"));
        assert!(has(Class::SpecialCharacters, "https://app.example.com%60.evil.example"));
        assert!(has(Class::ThirdPartyHosts, "https://codepen.io"));
    }

    #[test]
    fn local_targets_keep_their_port_and_use_a_local_attacker() {
        let plan = plan("http://api.fintrack.localhost:8080/me/balance", &["http://fintrack.localhost:8080"]);
        assert_eq!(plan.attacker, "http://evil.localhost:8080");
        let prefix = origins(&plan, Class::PrefixMatch);
        assert!(prefix.contains(&"http://fintrack.localhost.evil.localhost:8080".to_owned()), "{prefix:?}");
        let dots = origins(&plan, Class::UnescapedDot);
        assert!(dots.contains(&"http://apixfintrack.localhost:8080".to_owned()), "{dots:?}");
        assert!(origins(&plan, Class::HttpTrustedByHttps).is_empty(), "http targets have no http downgrade");
    }

    #[test]
    fn every_probe_origin_is_an_origin_browsers_could_send() {
        for (target, address) in [
            ("https://api.example.co.uk:8443/x", None),
            ("http://127.0.0.1:8080/reflect", Some("127.0.0.1")),
            ("http://[::1]:8080/reflect", Some("[::1]")),
            ("https://192.168.1.20/api", Some("192.168.1.20")),
        ] {
            let plan = plan(target, &["https://www.example.co.uk"]);
            for probe in &plan.probes {
                let origin = probe.origin.as_deref().unwrap();
                let parsed = Url::parse(origin).map(|u| u.origin().ascii_serialization());
                assert!(
                    origin == "null" || parsed.is_ok(),
                    "{target}: {:?} sends an origin no URL parser accepts: {origin}",
                    probe.class
                );
                // What a browser sends is the serialized origin; `%60` stands for a server that
                // decodes the header, so it is the one probe allowed to differ.
                assert!(
                    origin == "null" || origin.contains('%') || parsed.as_deref() == Ok(origin),
                    "{target}: {:?} sends {origin}, which a browser would send as {parsed:?}",
                    probe.class
                );
                // An address is no domain: no look-alike is built from a piece of it.
                if let Some(address) = address
                    && let Ok(url) = Url::parse(origin)
                    && !origin.contains("example.co.uk")
                {
                    let host = url.host_str().unwrap_or_default();
                    assert!(
                        !host.contains(|c: char| c.is_ascii_digit()) || host.starts_with(address),
                        "{target}: {:?} sends {origin}, built from a piece of the address",
                        probe.class
                    );
                }
            }
        }
        let named = plan("https://api.example.co.uk:8443/x", &["https://www.example.co.uk"]);
        assert!(origins(&named, Class::SuffixMatch).contains(&"https://evilexample.co.uk:8443".to_owned()));
        let address = plan("http://127.0.0.1:8080/reflect", &[]);
        let prefix = origins(&address, Class::PrefixMatch);
        assert!(prefix.contains(&"http://127.0.0.1.evil.localhost:8080".to_owned()), "{prefix:?}");
        for class in [Class::SuffixMatch, Class::SubstringMatch, Class::UnescapedDot, Class::AnySubdomain] {
            assert_eq!(origins(&address, class), Vec::<String>::new(), "{class}");
        }
    }

    #[test]
    fn a_trusted_origins_lookalikes_carry_its_own_scheme_and_port() {
        // A matcher written against `fintrack.localhost:3000` passes only look-alikes on :3000.
        let local = plan("http://api.fintrack.localhost:8080/me", &["http://fintrack.localhost:3000"]);
        let suffix = origins(&local, Class::SuffixMatch);
        assert!(suffix.contains(&"http://evilfintrack.localhost:3000".to_owned()), "{suffix:?}");
        assert!(suffix.contains(&"http://evilfintrack.localhost:8080".to_owned()), "{suffix:?}");
        let dots = origins(&local, Class::UnescapedDot);
        assert!(dots.contains(&"http://wwwxfintrack.localhost:3000".to_owned()), "{dots:?}");
        assert!(dots.contains(&"http://apixfintrack.localhost:8080".to_owned()), "{dots:?}");
        let prefix = origins(&local, Class::PrefixMatch);
        assert!(prefix.contains(&"http://fintrack.localhost.evil.localhost:3000".to_owned()), "{prefix:?}");

        // A default port is left out, as origins serialize it.
        let public = plan("http://api.example.com:8080/me", &["https://app.example.com"]);
        let subdomains = origins(&public, Class::AnySubdomain);
        assert!(subdomains.contains(&"https://evil.app.example.com".to_owned()), "{subdomains:?}");
        let mut all = public.probes.iter().map(|p| (p.class, p.origin.clone())).collect::<Vec<_>>();
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count, "no probe is sent twice");
    }

    #[test]
    fn a_subdomain_regex_is_probed_on_the_trusted_origins_scheme_and_port() {
        // `^https://.*\.example\.com$` passes no look-alike on the API's own http and port.
        let mixed = plan("http://api.example.com:18610/me", &["https://app.example.com"]);
        let subdomains = origins(&mixed, Class::AnySubdomain);
        assert!(subdomains.contains(&"https://evil.example.com".to_owned()), "{subdomains:?}");
        assert!(subdomains.contains(&"http://evil.example.com:18610".to_owned()), "{subdomains:?}");
        let on_a_port = plan("https://api.example.com/me", &["http://app.example.com:3000"]);
        let subdomains = origins(&on_a_port, Class::AnySubdomain);
        assert!(subdomains.contains(&"http://evil.example.com:3000".to_owned()), "{subdomains:?}");
    }

    #[test]
    fn the_error_path_is_asked_as_the_attacker_even_when_origins_are_trusted() {
        let plan = plan("http://api.fintrack.localhost:8080/me", &["http://fintrack.localhost:8080"]);
        let errors: Vec<&Probe> = plan.probes.iter().filter(|p| p.class == Class::ErrorResponses).collect();
        let asked: Vec<&str> = errors.iter().filter_map(|p| p.origin.as_deref()).collect();
        assert_eq!(asked, ["http://fintrack.localhost:8080", "http://evil.localhost:8080"]);
        assert!(errors.iter().all(|p| p.url.path() == "/me/corslab-audit-missing"));
    }

    #[test]
    fn preflights_ask_for_the_probe_method_and_header() {
        let plan = plan("http://api.example.com/", &[]);
        let mirrored = plan.probes.iter().find(|p| p.class == Class::MirroredMethodsAndHeaders).unwrap();
        assert_eq!(
            mirrored.kind,
            ProbeKind::Preflight {
                method: "PUT".into(),
                headers: vec![PROBE_HEADER.into()],
                private_network: false
            }
        );
    }

    #[test]
    fn class_ids_round_trip() {
        for class in Class::ALL {
            assert_eq!(Class::from_id(class.id()), Some(class));
            assert_eq!(serde_json::to_value(class).unwrap(), class.id());
        }
    }

    #[test]
    fn local_hosts_are_recognized() {
        assert!(is_local("api.fintrack.localhost"));
        assert!(is_local("LOCALHOST."));
        assert!(is_local("127.0.0.1"));
        assert!(is_local("[::1]"));
        assert!(!is_local("localhost.example.com"));
    }
}
