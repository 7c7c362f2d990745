//! Mixed content: a page delivered over `https` may not fetch what travels in the clear.
//!
//! A `fetch()` is *blockable* mixed content (never upgraded, unlike images): main fetch fails it
//! before anything is sent, and again at every redirect that leads to such a URL.

use url::{Host, Url};

use crate::local_network::{AddressSpace, address_space, is_mdns_name};
use crate::origin::Origin;
use crate::profile::Profile;
use crate::secure_context::is_potentially_trustworthy;

/// Whether fetching `url` from `page` (framed in `top_level`, when it is not top-level itself)
/// is blocked as mixed content.
///
/// The spec restricts every page whose origin, or an ancestor's, is potentially trustworthy,
/// which would include `http://localhost`; Chromium and Firefox restrict only documents
/// delivered over `https` (and those framed in one), so that is the rule here. A URL passes when
/// it is potentially trustworthy (`https`, or a loopback host) or when it names a private
/// address, or in Chromium a `.local` name ([`Profile::mixed_content_exempts_local_names`]):
/// Local Network Access lifts mixed content there, its permission being the gate.
///
/// <https://w3c.github.io/webappsec-mixed-content/#should-block-fetch>
/// <https://wicg.github.io/local-network-access/#mixed-content>
pub fn blocks(page: &Origin, top_level: Option<&Origin>, url: &Url, profile: &Profile) -> bool {
    let restricted =
        [Some(page), top_level].into_iter().flatten().any(|origin| origin.scheme() == Some("https"));
    let local_network = match url.host() {
        Some(Host::Domain(name)) => profile.mixed_content_exempts_local_names && is_mdns_name(name),
        host => address_space(host.as_ref()) != AddressSpace::Public,
    };
    restricted && crate::request::is_http_scheme(url) && !is_potentially_trustworthy(url) && !local_network
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Browser;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// Whether both browsers block the fetch (they agree on everything but `.local` names).
    fn blocks(page: &Origin, top_level: Option<&Origin>, url: &Url) -> bool {
        let [chromium, firefox] = [Browser::Chromium, Browser::Firefox]
            .map(|b| super::blocks(page, top_level, url, &Profile::of(b)));
        assert_eq!(chromium, firefox, "{url} from {page}");
        chromium
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

    #[test]
    fn chromium_lets_local_names_through_and_firefox_does_not() {
        // Measured: an https page's fetch of http://printer.local reached the server in
        // Chromium 156; Firefox 153 blocked it as it blocked http://printer.example.
        let page = origin("https://app.example.com");
        let printer = url("http://printer.local:8080/status");
        assert!(!super::blocks(&page, None, &printer, &Profile::of(Browser::Chromium)));
        assert!(super::blocks(&page, None, &printer, &Profile::of(Browser::Firefox)));
        let other = url("http://printer.example:8080/status");
        assert!(super::blocks(&page, None, &other, &Profile::of(Browser::Chromium)));
    }
}
