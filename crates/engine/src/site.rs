//! Schemeful sites: the scheme plus the registrable domain, which cookies and `Sec-Fetch-Site` compare.

use std::borrow::Cow;
use std::fmt;

use crate::origin::Origin;

/// A schemeful site: an opaque origin, or a scheme with a host's registrable domain (the host
/// itself for IP addresses and for hosts that have no registrable domain, such as `localhost`).
///
/// Registrable domains come from the Public Suffix List (the `psl` crate) in native builds,
/// whose implicit `*` rule makes `fintrack.localhost` a site of its own, as both browsers treat
/// it. Wasm builds use [`COMMON_SUFFIXES`] instead (see [`registrable_domain`]).
///
/// <https://html.spec.whatwg.org/multipage/browsers.html#obtain-a-site>
///
/// A site borrows its scheme and domain from the origin or URL it is worked out from, which
/// outlives it during an explanation; only an IP address is written out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Site<'a> {
    /// The site of an opaque origin: same-site with nothing.
    Opaque,
    /// A scheme and a registrable domain (or host).
    Schemeful {
        /// `http` or `https`.
        scheme: Cow<'a, str>,
        /// The registrable domain, or the host when it has none.
        domain: Cow<'a, str>,
    },
}

impl<'a> Site<'a> {
    /// The site of an origin.
    ///
    /// <https://html.spec.whatwg.org/multipage/browsers.html#obtain-a-site>
    pub fn of(origin: &'a Origin) -> Self {
        let (Some(scheme), Some(host)) = (origin.scheme(), origin.host()) else {
            return Self::Opaque;
        };
        let domain = match host {
            url::Host::Domain(domain) => Cow::Borrowed(registrable_domain(domain).unwrap_or(domain)),
            ip => Cow::Owned(ip.to_string()),
        };
        Self::Schemeful { scheme: Cow::Borrowed(scheme), domain }
    }

    /// The site of a URL's origin, without building the origin.
    pub fn of_url(url: &'a url::Url) -> Self {
        match url.host() {
            Some(host) if crate::origin::is_tuple_scheme(url.scheme()) => {
                let domain = match host {
                    url::Host::Domain(domain) => Cow::Borrowed(registrable_domain(domain).unwrap_or(domain)),
                    ip => Cow::Owned(ip.to_string()),
                };
                Self::Schemeful { scheme: Cow::Borrowed(url.scheme()), domain }
            }
            _ => Self::Opaque,
        }
    }

    /// Parses a site as written in an Exchange's cookie partition: `http://fintrack.localhost`
    /// or a bare registrable domain (the scheme is then `https`).
    pub fn parse(input: &str) -> Result<Site<'static>, String> {
        let with_scheme = if input.contains("://") { input.to_owned() } else { format!("https://{input}") };
        let origin = Origin::parse(&with_scheme).map_err(|e| e.to_string())?;
        Ok(Site::of(&origin).into_owned())
    }

    /// The same site, owning its scheme and domain.
    pub fn into_owned(self) -> Site<'static> {
        match self {
            Self::Opaque => Site::Opaque,
            Self::Schemeful { scheme, domain } => Site::Schemeful {
                scheme: Cow::Owned(scheme.into_owned()),
                domain: Cow::Owned(domain.into_owned()),
            },
        }
    }

    /// Whether two sites are the same: equal schemes and registrable domains.
    ///
    /// <https://html.spec.whatwg.org/multipage/browsers.html#same-site>
    pub fn same_site(&self, other: &Self) -> bool {
        !matches!(self, Self::Opaque) && self == other
    }

    /// Whether two sites share a registrable domain under different schemes (`http` and
    /// `https`): the one case where browsers disagree on same-site.
    pub fn differs_in_scheme_only(&self, other: &Self) -> bool {
        matches!(
            (self, other),
            (Self::Schemeful { scheme, domain }, Self::Schemeful { scheme: other_scheme, domain: other_domain })
                if scheme != other_scheme && domain == other_domain
        )
    }

    /// Whether two sites are the same for a browser that compares their schemes, as the spec
    /// does (`schemeful`), or their registrable domains alone
    /// ([`Profile::schemeful_same_site`](crate::profile::Profile::schemeful_same_site)).
    pub fn same_site_as(&self, other: &Self, schemeful: bool) -> bool {
        match (self, other) {
            _ if schemeful => self.same_site(other),
            (Self::Schemeful { domain, .. }, Self::Schemeful { domain: other, .. }) => domain == other,
            _ => false,
        }
    }
}

/// The registrable domain of a host by the Public Suffix List, or `None` when the host is
/// itself a public suffix (for example `localhost` or `com`) or an IP address.
///
/// <https://url.spec.whatwg.org/#host-registrable-domain>
///
/// Native builds consult the whole list. Wasm builds, where the list would cost more than the
/// app's entire size budget, know [`COMMON_SUFFIXES`] and otherwise apply the list's implicit
/// rule (the last label is the suffix): right for `*.localhost`, IP-less lab hosts and ordinary
/// `name.tld` sites, wrong only under rarer multi-label suffixes.
///
/// The list is consulted without a trailing dot, which the answer then keeps, as the URL
/// Standard's public suffix does: `fintrack.localhost.` is a registrable domain of its own, and
/// a page on `blog.fintrack.localhost.` is another site than `api.fintrack.localhost`, as both
/// browsers measured treat it (the matrix's `trailing-dot` family).
pub fn registrable_domain(host: &str) -> Option<&str> {
    // An address is no domain, so it has none (the list would read `127.0.0.1` as `0.1`).
    if is_ip_address(host) {
        return None;
    }
    let dotless = host.strip_suffix('.').unwrap_or(host);
    let len = public_suffix_domain_len(dotless)? + (host.len() - dotless.len());
    Some(&host[host.len() - len..])
}

/// Whether `host`, written as the URL Standard serializes hosts, is an IP address: an IPv6
/// address in brackets, or an IPv4 one, the only host whose last label is a number (the URL
/// parser reads any such host as IPv4 or refuses it). Unbracketed IPv6 is taken too, as an
/// Exchange's cookie `host` may be written that way.
pub(crate) fn is_ip_address(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    host.starts_with('[')
        || host.contains(':')
        || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

/// Multi-label public suffixes the Wasm build knows without the full list: the most used
/// country second levels and hosting platforms whose customers are separate sites.
pub const COMMON_SUFFIXES: &[&str] = &[
    "co.uk",
    "org.uk",
    "ac.uk",
    "gov.uk",
    "me.uk",
    "com.au",
    "net.au",
    "org.au",
    "edu.au",
    "co.nz",
    "co.jp",
    "ne.jp",
    "or.jp",
    "co.kr",
    "com.br",
    "com.cn",
    "com.mx",
    "com.tr",
    "co.in",
    "co.za",
    "com.sg",
    "com.hk",
    "com.tw",
    "com.ar",
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "workers.dev",
    "web.app",
    "firebaseapp.com",
    "appspot.com",
    "azurewebsites.net",
    "cloudfront.net",
    "blogspot.com",
    "codepen.io",
    "glitch.me",
    "repl.co",
    "onrender.com",
    "fly.dev",
    "s3.amazonaws.com",
];

/// The length of `host`'s registrable domain (the public suffix and one more label), from the
/// whole Public Suffix List.
#[cfg(not(target_arch = "wasm32"))]
fn public_suffix_domain_len(host: &str) -> Option<usize> {
    psl::domain(host.as_bytes()).map(|d| d.as_bytes().len())
}

/// The length of `host`'s registrable domain from [`COMMON_SUFFIXES`] and the implicit rule.
#[cfg(target_arch = "wasm32")]
fn public_suffix_domain_len(host: &str) -> Option<usize> {
    short_list_domain_len(host)
}

/// The short-list lookup, compiled for native tests too so they can compare it with the list.
#[cfg(any(test, target_arch = "wasm32"))]
fn short_list_domain_len(host: &str) -> Option<usize> {
    let bytes = host.as_bytes();
    // `suffix` ends the host on a label boundary, compared without regard to ASCII case.
    let ends_with_label = |suffix: &str| {
        let n = suffix.len();
        bytes.len() >= n
            && bytes[bytes.len() - n..].eq_ignore_ascii_case(suffix.as_bytes())
            && (bytes.len() == n || bytes[bytes.len() - n - 1] == b'.')
    };
    let suffix_len = COMMON_SUFFIXES
        .iter()
        .filter(|s| ends_with_label(s))
        .map(|s| s.len())
        .max()
        // The implicit rule: the last label is the public suffix.
        .unwrap_or_else(|| host.rsplit('.').next().map_or(0, str::len));
    // The registrable domain is the suffix and one more label; a bare suffix has none.
    let rest = bytes.len().checked_sub(suffix_len + 1)?;
    let label_start = bytes[..rest].iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
    (label_start < rest).then(|| bytes.len() - label_start)
}

impl fmt::Display for Site<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Opaque => f.write_str("null"),
            Self::Schemeful { scheme, domain } => write!(f, "{scheme}://{domain}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(origin: &str) -> Site<'static> {
        Origin::parse(origin).unwrap().site().into_owned()
    }

    #[test]
    fn localhost_subdomains_form_their_own_sites() {
        assert_eq!(site("http://api.fintrack.localhost:8080").to_string(), "http://fintrack.localhost");
        assert!(
            site("http://blog.fintrack.localhost:8080").same_site(&site("http://fintrack.localhost:8081"))
        );
        assert!(!site("http://evilfintrack.localhost").same_site(&site("http://fintrack.localhost")));
        assert_eq!(site("http://localhost:8080").to_string(), "http://localhost");
    }

    #[test]
    fn public_suffixes_split_sites() {
        assert_eq!(site("https://a.b.example.co.uk").to_string(), "https://example.co.uk");
        assert!(!site("https://alice.github.io").same_site(&site("https://bob.github.io")));
    }

    #[test]
    fn the_short_list_agrees_with_the_full_list_on_common_hosts() {
        for host in [
            "api.fintrack.localhost",
            "fintrack.localhost",
            "localhost",
            "www1.web-platform.test",
            "a.b.example.co.uk",
            "alice.github.io",
            "github.io",
            "example.com",
            "com",
            "deep.sub.example.org",
        ] {
            assert_eq!(
                short_list_domain_len(host),
                psl::domain(host.as_bytes()).map(|d| d.as_bytes().len()),
                "{host}"
            );
        }
    }

    #[test]
    fn a_trailing_dot_makes_another_site() {
        assert_eq!(site("http://blog.fintrack.localhost.:8080").to_string(), "http://fintrack.localhost.");
        assert!(!site("http://blog.fintrack.localhost.").same_site(&site("http://api.fintrack.localhost")));
        assert!(site("http://blog.fintrack.localhost.").same_site(&site("http://api.fintrack.localhost.")));
        assert_eq!(site("http://localhost.:8080").to_string(), "http://localhost.");
        assert_eq!(registrable_domain("a.example.co.uk."), Some("example.co.uk."));
    }

    #[test]
    fn addresses_have_no_registrable_domain() {
        assert_eq!(registrable_domain("127.0.0.1"), None);
        assert_eq!(registrable_domain("[::1]"), None);
        assert_eq!(registrable_domain("127.0.0.1.example.com"), Some("example.com"));
        // Hosts as URLs serialize them: a numeric last label is IPv4, nothing else is.
        for (host, ip) in [
            ("10.0.0.1", true),
            ("[2001:db8::1]", true),
            ("::1", true),
            ("fintrack.localhost", false),
            ("1.2.3.4.example", false),
            ("example.com.", false),
            ("xn--80ak6aa92e.com", false),
        ] {
            assert_eq!(is_ip_address(host), ip, "{host}");
        }
    }

    #[test]
    fn sites_are_schemeful() {
        assert!(!site("http://example.com").same_site(&site("https://example.com")));
    }

    #[test]
    fn ip_addresses_are_their_own_site() {
        assert_eq!(site("http://127.0.0.1:8080").to_string(), "http://127.0.0.1");
        assert_eq!(site("http://[::1]:8080").to_string(), "http://[::1]");
    }

    #[test]
    fn opaque_origins_are_same_site_with_nothing() {
        assert!(!Site::Opaque.same_site(&Site::Opaque));
    }
}
