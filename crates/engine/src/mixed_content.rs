//! Mixed content: a page delivered over `https` may not fetch what travels in the clear.
//!
//! A `fetch()` is *blockable* mixed content (never upgraded, unlike images): main fetch fails it
//! before anything is sent, and again at every redirect that leads to such a URL.

use url::Url;

use crate::local_network::{AddressSpace, address_space};
use crate::origin::Origin;
use crate::secure_context::is_potentially_trustworthy;

/// Whether fetching `url` from `page` (framed in `top_level`, when it is not top-level itself)
/// is blocked as mixed content.
///
/// The spec restricts every page whose origin, or an ancestor's, is potentially trustworthy,
/// which would include `http://localhost`; Chromium and Firefox restrict only documents
/// delivered over `https` (and those framed in one), so that is the rule here. A URL passes when
/// it is potentially trustworthy (`https`, or a loopback host) or when it names a private
/// address: Local Network Access lifts mixed content there, its permission being the gate.
///
/// <https://w3c.github.io/webappsec-mixed-content/#should-block-fetch>
/// <https://wicg.github.io/local-network-access/#mixed-content>
pub fn blocks(page: &Origin, top_level: Option<&Origin>, url: &Url) -> bool {
    let restricted =
        [Some(page), top_level].into_iter().flatten().any(|origin| origin.scheme() == Some("https"));
    restricted
        && crate::request::is_http_scheme(url)
        && !is_potentially_trustworthy(url)
        && address_space(url.host().as_ref()) == AddressSpace::Public
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn an_https_page_may_not_fetch_plain_http() {
        let page = origin("https://app.example.com");
        assert!(blocks(&page, None, &url("http://api.example.com/me")));
        assert!(!blocks(&page, None, &url("https://api.example.com/me")));
    }

    #[test]
    fn loopback_urls_are_potentially_trustworthy() {
        let page = origin("https://app.example.com");
        for target in
            ["http://127.0.0.1:8080/", "http://localhost/", "http://api.fintrack.localhost/", "http://[::1]/"]
        {
            assert!(!blocks(&page, None, &url(target)), "{target}");
        }
    }

    #[test]
    fn private_addresses_are_left_to_local_network_access() {
        let page = origin("https://app.example.com");
        assert!(!blocks(&page, None, &url("http://192.168.1.1/admin")));
        assert!(!blocks(&page, None, &url("http://10.0.0.7:8080/")));
    }

    #[test]
    fn only_pages_delivered_over_https_are_restricted() {
        let target = url("http://api.example.com/me");
        assert!(!blocks(&origin("http://app.example.com"), None, &target));
        assert!(!blocks(&origin("http://lab.localhost:8080"), None, &target));
        // A plain-http frame inside an https page is restricted too.
        assert!(blocks(
            &origin("http://widget.example.net"),
            Some(&origin("https://app.example.com")),
            &target
        ));
    }
}
