//! Schemeful sites: the scheme plus the registrable domain, which cookies and `Sec-Fetch-Site` compare.

use std::fmt;

use crate::origin::Origin;

/// A schemeful site: an opaque origin, or a scheme with a host's registrable domain (the host
/// itself for IP addresses and for hosts that have no registrable domain, such as `localhost`).
///
/// Registrable domains come from the Public Suffix List (the `psl` crate), whose implicit `*`
/// rule makes `fintrack.localhost` a site of its own, as both browsers treat it.
///
/// <https://html.spec.whatwg.org/multipage/browsers.html#obtain-a-site>
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Site {
    /// The site of an opaque origin: same-site with nothing.
    Opaque,
    /// A scheme and a registrable domain (or host).
    Schemeful {
        /// `http` or `https`.
        scheme: String,
        /// The registrable domain, or the host when it has none.
        domain: String,
    },
}

impl Site {
    /// The site of an origin.
    ///
    /// <https://html.spec.whatwg.org/multipage/browsers.html#obtain-a-site>
    pub fn of(origin: &Origin) -> Self {
        let (Some(scheme), Some(host)) = (origin.scheme(), origin.host()) else {
            return Self::Opaque;
        };
        let domain = match host {
            url::Host::Domain(domain) => registrable_domain(domain).unwrap_or(domain).to_owned(),
            ip => ip.to_string(),
        };
        Self::Schemeful { scheme: scheme.to_owned(), domain }
    }

    /// The site of a URL's origin, without building the origin.
    pub fn of_url(url: &url::Url) -> Self {
        match url.host() {
            Some(host) if crate::origin::is_tuple_scheme(url.scheme()) => {
                let domain = match host {
                    url::Host::Domain(domain) => registrable_domain(domain).unwrap_or(domain).to_owned(),
                    ip => ip.to_string(),
                };
                Self::Schemeful { scheme: url.scheme().to_owned(), domain }
            }
            _ => Self::Opaque,
        }
    }

    /// Whether a URL's origin belongs to this site, without building the URL's site.
    pub fn same_site_url(&self, url: &url::Url) -> bool {
        let Self::Schemeful { scheme, domain } = self else {
            return false;
        };
        if !crate::origin::is_tuple_scheme(url.scheme()) || scheme != url.scheme() {
            return false;
        }
        match url.host() {
            Some(url::Host::Domain(host)) => registrable_domain(host).unwrap_or(host) == domain,
            Some(ip) => ip.to_string() == *domain,
            None => false,
        }
    }

    /// Parses a site as written in an Exchange's cookie partition: `http://fintrack.localhost`
    /// or a bare registrable domain (the scheme is then `https`).
    pub fn parse(input: &str) -> Result<Self, String> {
        let with_scheme = if input.contains("://") { input.to_owned() } else { format!("https://{input}") };
        let origin = Origin::parse(&with_scheme).map_err(|e| e.to_string())?;
        Ok(Self::of(&origin))
    }

    /// Whether two sites are the same: equal schemes and registrable domains.
    ///
    /// <https://html.spec.whatwg.org/multipage/browsers.html#same-site>
    pub fn same_site(&self, other: &Self) -> bool {
        !matches!(self, Self::Opaque) && self == other
    }
}

/// The registrable domain of a host by the Public Suffix List, or `None` when the host is
/// itself a public suffix (for example `localhost` or `com`).
///
/// <https://url.spec.whatwg.org/#host-registrable-domain>
pub fn registrable_domain(host: &str) -> Option<&str> {
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    let domain = psl::domain(trimmed.as_bytes())?;
    let len = domain.as_bytes().len();
    Some(&trimmed[trimmed.len() - len..])
}

impl fmt::Display for Site {
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

    fn site(origin: &str) -> Site {
        Origin::parse(origin).unwrap().site()
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
    fn same_site_url_agrees_with_building_the_site() {
        let blog = site("http://blog.fintrack.localhost:8080");
        for url in [
            "http://api.fintrack.localhost:1/x",
            "https://api.fintrack.localhost/",
            "http://evil.localhost/",
            "http://127.0.0.1/",
            "data:,x",
        ] {
            let url = url::Url::parse(url).unwrap();
            assert_eq!(blog.same_site_url(&url), blog.same_site(&Site::of_url(&url)), "{url}");
        }
        assert!(site("http://127.0.0.1:1").same_site_url(&url::Url::parse("http://127.0.0.1:2/").unwrap()));
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
