//! Browser profiles: where Chromium 156 and Firefox ESR 153 differ from the spec or from each
//! other, as measured on this project's machines (`shared/browsers.md`).
//!
//! The spec modules take the few facts they need from a [`Profile`] as plain values, so every
//! deviation is named in one place instead of scattered `if browser == …` tests.

use crate::cache::Lookup;
use crate::exchange::Browser;
use crate::request::ForbiddenReading;
use crate::safelist::{ListReading, SafelistReading};

/// What one browser does where the spec leaves room or where the browser departs from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The browser this profile describes.
    pub browser: Browser,
    /// The longest `Access-Control-Max-Age` the browser honours, in seconds.
    pub max_age_cap: u64,
    /// How the browser applies the request-header safelist: to a header set more than once,
    /// to the 1024-byte total, and to bytes above 0x7F.
    pub safelist_reading: SafelistReading,
    /// Where the browser's forbidden request-header list departs from the spec's.
    pub forbidden_reading: ForbiddenReading,
    /// How the browser reads `Access-Control-Max-Age` (measured by the differential matrix).
    pub max_age_reading: MaxAgeReading,
    /// How the browser looks a later request up in its preflight cache.
    pub cache_lookup: Lookup,
    /// Whether a document with an opaque origin (a sandboxed iframe) has a preflight cache at
    /// all: Chromium sends every preflight of such a document again (measured by the
    /// differential matrix); Firefox caches them as for any origin.
    pub cache_for_opaque_origins: bool,
    /// Whether a response that fails its CORS check drops the cached preflight answers for its
    /// origin and URL, so the next request asks again: the spec does (main fetch clears the
    /// cache entries when the preflighted fetch ends in a network error), and so does Firefox
    /// (measured by the differential matrix); Chromium keeps them.
    pub failed_response_clears_cache: bool,
    /// The response header names a script sees on a `data:` URL: the spec gives only
    /// `Content-Type`; Firefox adds `Content-Length` (measured by the differential matrix).
    pub data_url_headers: &'static [&'static str],
    /// Whether a no-cors fetch of `about:blank` gets the empty document the spec describes
    /// (Firefox) or fails (Chromium: its fetch supports no `about:` URL).
    pub fetches_about_blank: bool,
    /// Whether `Access-Control-Allow-Headers: *` still covers `Authorization` for requests
    /// without credentials. The spec says never; both browsers measured still allow it and
    /// only log a deprecation warning.
    pub authorization_under_wildcard: bool,
    /// Whether a cookie without `SameSite` is treated as `Lax` (Chromium) or as `None` (Firefox).
    pub lax_by_default: bool,
    /// What the browser does with third-party cookies when the user changed nothing.
    pub third_party_default: ThirdPartyDefault,
    /// Which `Origin` the browser puts on a preflight sent after a cross-origin redirect.
    pub preflight_origin_after_taint: PreflightOriginAfterTaint,
    /// What happens while a local-network-access permission is undecided.
    pub local_network_prompt: LocalNetworkPrompt,
    /// Whether an `http` URL on a `.local` (multicast DNS) name passes mixed content as a
    /// local-network name, Local Network Access being the gate (Chromium; measured: an `https`
    /// page's fetch of `http://printer.local` reached the server in Chromium 156 and was
    /// blocked in Firefox 153).
    pub mixed_content_exempts_local_names: bool,
    /// Whether a `__Host-` cookie is refused for any `Domain` attribute (Chromium), or only when
    /// it is stored as a domain cookie, as the cookie spec's storage model says (Firefox): a
    /// `Domain` that is a public suffix and the setting host itself makes a host-only cookie.
    /// Measured: `__Host-a=1; Secure; Path=/; Domain=localhost` set by `http://localhost` is
    /// kept by Firefox 153 and refused by Chromium 156.
    pub host_prefix_refuses_any_domain: bool,
    /// Whether a request a redirect brought says `Sec-Fetch-Site: cross-site` unless every URL
    /// of its chain is on the page's origin (Firefox, measured by the differential matrix: a
    /// chain through the page's own site, or back to the page's origin, is cross-site from its
    /// first redirect on; its preflights keep the spec's value). The spec, and Chromium, take the
    /// farthest URL of the chain, so such a chain stays `same-site`.
    pub redirected_request_cross_site: bool,
    /// Whether a `Location` with a user name or password is refused before the redirect mode
    /// `error` is (Chromium, measured by the differential matrix); the spec checks the mode first.
    pub redirect_credentials_before_mode: bool,
    /// Whether a redirect whose `Location` does not parse fails the fetch whatever the redirect
    /// mode, `manual` included (Chromium: its network stack refuses the redirect before the mode
    /// applies); the spec fails it only when the redirect is followed.
    pub unparsable_location_fails_every_mode: bool,
    /// Whether the redirect mode `error` lets a redirect status without a `Location` through as
    /// a plain response (Chromium); the spec, and Firefox, fail it like any redirect.
    pub error_mode_needs_location: bool,
    /// Whether a `no-cors` request redirected away from the origin of the URL that answered
    /// carries `Origin: null` from then on (Chromium: its network stack does so for every
    /// request whose `Origin` it does not work out again, measured by the differential matrix).
    /// The spec nulls it only when the redirect taints the request's origin, which a redirect
    /// away from the page's own origin does not.
    pub null_origin_after_cross_origin_redirect: bool,
    /// Whether a request that is not a CORS request, whose method sends an `Origin`, says
    /// `Origin: null` when it goes from an `https` page to a URL that is not `https`: the spec's
    /// rule under the default referrer policy, which Firefox follows; Chromium sends the page's
    /// origin (both measured with a `no-cors` POST from an `https` page to plain-http loopback).
    pub null_origin_on_downgrade: bool,
    /// Whether a redirect through another site makes the rest of a fetch cross-site for
    /// `SameSite` (Firefox, as the cookie spec says); Chromium keeps that behind a flag that is
    /// off by default (measured by the differential matrix).
    pub same_site_counts_redirects: bool,
    /// Whether a request whose `Authorization` a cross-origin redirect dropped is still
    /// preflighted at every later cross-origin hop, asking for the headers it has left (Firefox:
    /// it decided on the preflight with the original headers, measured by the differential
    /// matrix); the spec decides again with the headers the request has now.
    pub preflights_after_dropping_authorization: bool,
    /// Under which third-party cookie settings a credentialed request from a frame to the
    /// top-level site says `Sec-Fetch-Storage-Access: inactive`, and so carries an `Origin`
    /// header (measured by the differential matrix).
    pub storage_access_inactive: StorageAccessInactive,
    /// The ports of the spec's bad-port list the browser connects to all the same. Chromium's
    /// own list (`net/base/port_util.cc`) lacks 4190 (sieve) and 6679 (IRC over TLS): measured,
    /// fetches to both reached the server in Chromium 156, while Firefox 153 refused every port
    /// of the list a server can listen on (all but 0).
    pub bad_ports_connected: &'static [u16],
    /// Whether two URLs on one registrable domain under different schemes (`http` and `https`)
    /// are different sites, as the spec's schemeful same-site says (Chromium). Firefox compares
    /// registrable domains alone, for `SameSite`, for third-party cookies and for
    /// `Sec-Fetch-Site`: measured, a credentialed fetch from `https://blog.fintrack.localhost`
    /// to `http://api.fintrack.localhost` said `Sec-Fetch-Site: same-site` and carried every
    /// first-party cookie, `SameSite=Strict` included, in Firefox 153; `cross-site` and none in
    /// Chromium 156.
    pub schemeful_same_site: bool,
    /// Whether the browser refuses to connect to the unspecified address (`0.0.0.0`, `::`),
    /// which the system takes for this machine: measured, Firefox 153 failed every fetch of
    /// `http://0.0.0.0:<port>/` and `http://[::]:<port>/` from a loopback page without sending
    /// it (its `network.socket.ip_addr_any.disabled`); Chromium 156 connected.
    pub refuses_unspecified_address: bool,
    /// Whether a request's cookie partition key records that its URL is on another site than
    /// the top-level page's (Chromium's ancestor chain bit, set for a subresource whose site is
    /// not the site for cookies), so a cookie partitioned under that top level in a same-site
    /// context stays home. Measured: from `http://blog.fintrack.localhost` to
    /// `https://api.fintrack.localhost`, Chromium 156 sent no partitioned cookie of
    /// `http://fintrack.localhost`; Firefox 153 sent it.
    pub partition_keys_request_site: bool,
    /// Whether a page that is not a secure context is refused Local Network Access outright
    /// (Chromium); Firefox asks, as from any page. Measured with a public page on plain http
    /// (`http://public.test`, declared public): Chromium 156 failed its fetches to loopback at
    /// once, Firefox 153 left them waiting for the prompt.
    pub local_network_needs_secure_context: bool,
}

/// How a browser reads a present `Access-Control-Max-Age`. The spec reads delta-seconds and
/// caches anything else for 5 seconds, as it does when the header is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxAgeReading {
    /// As a signed 64-bit integer: a negative one caches nothing, and anything that is not
    /// such an integer gets the 5-second default (Chromium).
    SignedInteger,
    /// As digits only: anything else caches nothing (Firefox).
    DigitsOnly,
}

/// When a browser holds a frame's cookies back yet could let it activate storage access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageAccessInactive {
    /// Whenever it blocks third-party cookies, by setting or by default (Chromium).
    WhenBlocked,
    /// Only under its default partitioning; with every third-party cookie blocked the Storage
    /// Access API is off, and no header is sent (Firefox).
    UnderDefault,
}

/// A browser's default for cookies in a cross-site context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThirdPartyDefault {
    /// Unpartitioned cookies are not sent cross-site (this Chromium build's default).
    Blocked,
    /// Cookies are kept per top-level site (Firefox's Total Cookie Protection): the first-party
    /// jar is invisible in a third-party context.
    Partitioned,
}

/// The `Origin` on a preflight after the request's origin was tainted by a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreflightOriginAfterTaint {
    /// `null`, like the request it precedes: the spec's preflight clones the request's URL list,
    /// so the taint reaches it (Chromium).
    Null,
    /// The page's own origin: Firefox builds the preflight as a fresh request the taint does
    /// not reach.
    PageOrigin,
}

/// What an undecided local-network-access permission does to the fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalNetworkPrompt {
    /// The fetch fails at once (headless Chromium cannot show the prompt).
    Denied,
    /// The fetch stays pending until someone answers (Firefox).
    Pending,
}

impl Profile {
    /// The profile of `browser`.
    pub const fn of(browser: Browser) -> Self {
        match browser {
            Browser::Firefox => Self {
                browser,
                max_age_cap: 86_400,
                max_age_reading: MaxAgeReading::DigitsOnly,
                safelist_reading: SafelistReading {
                    list: ListReading::NoTotal,
                    ascii_only: true,
                    client_hints: false,
                },
                forbidden_reading: ForbiddenReading { user_agent: false, override_split_on_commas: true },
                cache_lookup: Lookup::Literal,
                cache_for_opaque_origins: true,
                failed_response_clears_cache: true,
                data_url_headers: &["content-length", "content-type"],
                fetches_about_blank: true,
                authorization_under_wildcard: true,
                lax_by_default: false,
                third_party_default: ThirdPartyDefault::Partitioned,
                preflight_origin_after_taint: PreflightOriginAfterTaint::PageOrigin,
                local_network_prompt: LocalNetworkPrompt::Pending,
                mixed_content_exempts_local_names: false,
                host_prefix_refuses_any_domain: false,
                redirected_request_cross_site: true,
                redirect_credentials_before_mode: false,
                unparsable_location_fails_every_mode: false,
                error_mode_needs_location: false,
                null_origin_after_cross_origin_redirect: false,
                null_origin_on_downgrade: true,
                same_site_counts_redirects: true,
                preflights_after_dropping_authorization: true,
                storage_access_inactive: StorageAccessInactive::UnderDefault,
                bad_ports_connected: &[],
                schemeful_same_site: false,
                refuses_unspecified_address: true,
                partition_keys_request_site: false,
                local_network_needs_secure_context: false,
            },
            Browser::Chromium => Self {
                browser,
                max_age_cap: 7_200,
                max_age_reading: MaxAgeReading::SignedInteger,
                safelist_reading: SafelistReading {
                    list: ListReading::Combined,
                    ascii_only: false,
                    client_hints: true,
                },
                forbidden_reading: ForbiddenReading { user_agent: true, override_split_on_commas: false },
                cache_lookup: Lookup::Spec,
                cache_for_opaque_origins: false,
                failed_response_clears_cache: false,
                data_url_headers: &["content-type"],
                fetches_about_blank: false,
                authorization_under_wildcard: true,
                lax_by_default: true,
                third_party_default: ThirdPartyDefault::Blocked,
                preflight_origin_after_taint: PreflightOriginAfterTaint::Null,
                local_network_prompt: LocalNetworkPrompt::Denied,
                mixed_content_exempts_local_names: true,
                host_prefix_refuses_any_domain: true,
                redirected_request_cross_site: false,
                redirect_credentials_before_mode: true,
                unparsable_location_fails_every_mode: true,
                error_mode_needs_location: true,
                null_origin_after_cross_origin_redirect: true,
                null_origin_on_downgrade: false,
                same_site_counts_redirects: false,
                preflights_after_dropping_authorization: false,
                storage_access_inactive: StorageAccessInactive::WhenBlocked,
                bad_ports_connected: &[4190, 6679],
                schemeful_same_site: true,
                refuses_unspecified_address: false,
                partition_keys_request_site: true,
                local_network_needs_secure_context: true,
            },
        }
    }

    /// The browser's display name.
    pub const fn name(&self) -> &'static str {
        match self.browser {
            Browser::Firefox => "Firefox",
            Browser::Chromium => "Chromium",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_follow_each_browser() {
        assert_eq!(Profile::of(Browser::Chromium).max_age_cap, 7_200);
        assert_eq!(Profile::of(Browser::Firefox).max_age_cap, 86_400);
    }

    #[test]
    fn only_chromium_has_lax_by_default() {
        assert!(Profile::of(Browser::Chromium).lax_by_default);
        assert!(!Profile::of(Browser::Firefox).lax_by_default);
    }
}
