//! Secure contexts: which URLs and origins are potentially trustworthy. `Secure` cookies, mixed
//! content and Local Network Access all ask.
//!
//! <https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy>

use url::{Host, Url};

use crate::local_network::{as_ref, is_localhost_name};
use crate::origin::Origin;

/// Whether a URL is potentially trustworthy: `https` or `wss`, or a loopback host
/// (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`), which both browsers trust over http.
pub fn is_potentially_trustworthy(url: &Url) -> bool {
    trustworthy(url.scheme(), url.host().as_ref())
}

/// Whether a page of this origin is a secure context: the same test on its scheme and host; an
/// opaque origin never is.
pub fn is_secure_context(origin: &Origin) -> bool {
    origin.scheme().is_some_and(|scheme| trustworthy(scheme, origin.host().map(as_ref).as_ref()))
}

fn trustworthy(scheme: &str, host: Option<&Host<&str>>) -> bool {
    matches!(scheme, "https" | "wss") || host.is_some_and(is_loopback)
}

/// Steps 4 and 5 of "Is origin potentially trustworthy?": `127.0.0.0/8`, `::1` and `localhost`
/// names. Narrower than the loopback address space of Local Network Access: the unspecified
/// addresses `0.0.0.0` and `::`, and `::ffff:127.0.0.1`, are not trustworthy (as in Chromium's
/// `IPAddress::IsLoopback` and Firefox's loopback test).
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(name) => is_localhost_name(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(url: &str) -> bool {
        is_potentially_trustworthy(&Url::parse(url).unwrap())
    }

    #[test]
    fn https_and_loopback_are_trustworthy() {
        for url in [
            "https://example.com/",
            "wss://example.com/",
            "http://localhost:8080/",
            "http://api.fintrack.localhost/",
            "http://127.0.0.1/",
            "http://127.8.9.10/",
            "http://[::1]/",
        ] {
            assert!(trusted(url), "{url}");
        }
    }

    #[test]
    fn unspecified_and_mapped_addresses_are_not() {
        for url in ["http://0.0.0.0/", "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://example.com/"] {
            assert!(!trusted(url), "{url}");
        }
    }
}
