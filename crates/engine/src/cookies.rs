//! Which cookies from the jar a request carries: credentials mode, domain and path matching,
//! `Secure`, `SameSite`, partitions, and each browser's third-party cookie default.

use url::Url;

use crate::exchange::{Cookie, SameSite, ThirdPartyCookies};
use crate::profile::{Profile, StorageAccessInactive, ThirdPartyDefault};
use crate::secure_context::is_potentially_trustworthy;
use crate::site::{Site, registrable_domain};

/// Where a request stands for cookie purposes.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The URL the request goes to.
    pub url: &'a Url,
    /// That URL's site.
    pub site: &'a Site<'a>,
    /// Whether the request's credentials mode lets cookies go at all for this hop.
    pub credentials: bool,
    /// The page's site (opaque for a sandboxed iframe).
    pub page_site: &'a Site<'a>,
    /// The top-level document's site.
    pub top_site: &'a Site<'a>,
    /// Whether an earlier URL in the redirect chain was cross-site.
    pub cross_site_redirect: bool,
    /// The user's third-party cookie setting.
    pub third_party: ThirdPartyCookies,
}

/// Whether one cookie is attached, and the rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    /// The cookie's name.
    pub name: &'a str,
    /// Whether it is attached.
    pub sent: bool,
    /// Why.
    pub why: Why,
}

/// The rule that decided a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Why {
    /// The credentials mode (omit, or same-origin on a cross-origin hop) sends no cookies.
    CredentialsMode,
    /// The request's host does not domain-match the cookie.
    Domain,
    /// A `Domain` the host that set the cookie could not use (one that does not contain that
    /// host, or a public suffix other than the host itself): refused when set.
    DomainRefused,
    /// The request's path does not path-match the cookie's.
    Path,
    /// A `Secure` cookie and a URL that is not potentially trustworthy.
    Secure,
    /// `SameSite=None` without `Secure` is refused when set, so it cannot be in the jar.
    NoneWithoutSecure,
    /// A `__Secure-` cookie without `Secure`, a `__Host-` one that is not also host-only with
    /// `Path=/`, or an `__Http-` one without `HttpOnly`: refused when set.
    Prefix,
    /// A partitioned cookie without `Secure` that only the `Partitioned` attribute could have
    /// put there: refused when set.
    PartitionedWithoutSecure,
    /// A partitioned cookie keyed to another top-level site.
    OtherPartition,
    /// A partitioned cookie of this top-level site, asked for by a frame with a cross-site
    /// ancestor, whose partition key differs.
    CrossSiteAncestor,
    /// A partitioned cookie of this top-level site, on a request to the top level's domain under
    /// another scheme, which Chromium keys as cross-site
    /// ([`Profile::partition_keys_request_site`]).
    CrossSiteRequest,
    /// `SameSite=Strict` or `Lax` on a cross-site request that is not a top-level navigation.
    SameSite,
    /// No `SameSite` attribute, treated as `Lax` (Chromium) on a cross-site request.
    LaxByDefault,
    /// The browser blocks third-party cookies (setting or default).
    ThirdPartyBlocked,
    /// Firefox keeps third-party cookies in the top-level site's partition, so the first-party
    /// jar is not visible here.
    ThirdPartyPartitioned,
    /// Every rule passed on a same-site request.
    SameSiteRequest,
    /// Every rule passed on a request that a redirect made cross-site for `SameSite`, in a
    /// first-party context, where third-party cookie rules do not apply.
    FirstPartyContext,
    /// Every rule passed on a cross-site request (`SameSite=None`, third-party cookies allowed).
    CrossSiteAllowed,
    /// A partitioned cookie whose partition is this top-level site.
    OwnPartition,
}

/// Whether a request is in a first-party context: the page's site for cookies (its top-level
/// site when the page is same-site with it) equals the URL's site. Third-party cookie rules
/// apply only outside it; a redirect on the way does not change it. Sites are compared as the
/// browser compares them ([`Profile::schemeful_same_site`]).
pub fn is_first_party(context: &Context<'_>, profile: &Profile) -> bool {
    let (top, schemeful) = (context.top_site, profile.schemeful_same_site);
    context.page_site.same_site_as(top, schemeful) && top.same_site_as(context.site, schemeful)
}

/// Whether a request is same-site for `SameSite`: first-party, and no redirect on the way
/// crossed sites, in browsers that count the redirect chain as the spec does
/// ([`Profile::same_site_counts_redirects`]).
///
/// <https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-same-site-and-cross-site-requests>
pub fn is_same_site_request(context: &Context<'_>, profile: &Profile) -> bool {
    is_first_party(context, profile) && !(context.cross_site_redirect && profile.same_site_counts_redirects)
}

/// Whether the request says `Sec-Fetch-Storage-Access: inactive`: it is credentialed, cross-site
/// for cookies and goes to the top-level document's own site, and the browser's third-party
/// cookie rules hold its unpartitioned cookies back, though the frame could activate storage
/// access. Both browsers then add an `Origin` header even to a request that carries none
/// otherwise, such as a `no-cors` GET (measured by the differential matrix).
///
/// <https://privacycg.github.io/storage-access-headers/>
pub fn storage_access_inactive(context: &Context<'_>, profile: &Profile) -> bool {
    let held_back = match profile.storage_access_inactive {
        StorageAccessInactive::WhenBlocked => match context.third_party {
            ThirdPartyCookies::Allowed => false,
            ThirdPartyCookies::Blocked => true,
            ThirdPartyCookies::Default => profile.third_party_default == ThirdPartyDefault::Blocked,
        },
        StorageAccessInactive::UnderDefault => context.third_party == ThirdPartyCookies::Default,
    };
    held_back
        && context.credentials
        && context.site.same_site_as(context.top_site, profile.schemeful_same_site)
        && !is_first_party(context, profile)
}

/// Decides, for each cookie in the jar in order, whether this request carries it.
///
/// <https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-retrieval-algorithm>
pub fn decide<'a>(
    jar: &'a [Cookie],
    context: &'a Context<'_>,
    profile: &'a Profile,
) -> impl Iterator<Item = Decision<'a>> + 'a {
    let same_site = is_same_site_request(context, profile);
    jar.iter().map(move |cookie| {
        let why = decide_one(cookie, context, profile, same_site, context.top_site);
        let sent = matches!(
            why,
            Why::SameSiteRequest | Why::FirstPartyContext | Why::CrossSiteAllowed | Why::OwnPartition
        );
        Decision { name: &cookie.name, sent, why }
    })
}

/// Whether a cookie's name prefix allows its attributes: `__Secure-` needs `Secure`; `__Host-`
/// needs `Secure`, a host-only cookie and `Path=/`; `__Http-` needs `Secure` and `HttpOnly`, and
/// `__Host-Http-` the rules of both. Prefixes match in any case. Chromium and Firefox refuse a
/// cookie that breaks `__Http-` or `__Host-Http-` (measured with `Set-Cookie` lines over
/// `http://localhost`). Chromium also refuses a `__Host-` cookie with any `Domain` attribute,
/// even one that leaves it host-only ([`Profile::host_prefix_refuses_any_domain`]).
/// `stored_domain` is the domain the cookie is stored with (`None`: host-only).
///
/// <https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-cookie-name-prefixes>
pub fn prefix_allows(cookie: &Cookie, stored_domain: Option<&str>, profile: &Profile) -> bool {
    let starts =
        |prefix: &str| cookie.name.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let host = starts("__Host-");
    let http = starts("__Http-") || starts("__Host-Http-");
    let secure = host || http || starts("__Secure-");
    let host_only = if profile.host_prefix_refuses_any_domain {
        cookie.domain.is_none()
    } else {
        stored_domain.is_none()
    };
    (!secure || cookie.secure) && (!host || (host_only && cookie.path == "/")) && (!http || cookie.http_only)
}

/// Whether `host` domain-matches `domain` (a cookie's `Domain` without its leading dot).
///
/// <https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-domain-matching>
pub fn domain_matches(host: &str, domain: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    if host.eq_ignore_ascii_case(domain) {
        return true;
    }
    // A suffix match needs a dot boundary and a host name, not an IP address.
    let is_ip = crate::site::is_ip_address(host);
    host.len() > domain.len()
        && !is_ip
        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
        && host.as_bytes()[host.len() - domain.len()..].eq_ignore_ascii_case(domain.as_bytes())
}

/// A `Domain` attribute the setting host could not have used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DomainRefused;

/// The domain a cookie is stored with: its `Domain` (without the leading dot), or `None` for a
/// host-only cookie. A `Domain` that is a public suffix (or an address) makes a host-only
/// cookie when it is the setting host itself, as for `Domain=localhost` set by `localhost`, and
/// is refused otherwise; so is one that does not contain the setting host. Chromium's
/// `GetCookieDomainWithString` and Firefox's cookie service decide alike.
///
/// <https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-storage-model>
/// (steps 9 and 10)
fn stored_domain(cookie: &Cookie) -> Result<Option<&str>, DomainRefused> {
    let Some(domain) = &cookie.domain else { return Ok(None) };
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    if registrable_domain(domain).is_none() {
        return if domain.eq_ignore_ascii_case(&cookie.host) { Ok(None) } else { Err(DomainRefused) };
    }
    if domain_matches(&cookie.host, domain) { Ok(Some(domain)) } else { Err(DomainRefused) }
}

/// Whether `path` path-matches `cookie_path`.
///
/// <https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-paths-and-path-match>
pub fn path_matches(path: &str, cookie_path: &str) -> bool {
    path == cookie_path
        || (path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

fn decide_one(
    cookie: &Cookie,
    context: &Context<'_>,
    profile: &Profile,
    same_site: bool,
    top_site: &Site<'_>,
) -> Why {
    if !context.credentials {
        return Why::CredentialsMode;
    }
    let host = context.url.host_str().unwrap_or_default();
    let Ok(stored) = stored_domain(cookie) else { return Why::DomainRefused };
    let host_matches = match stored {
        Some(domain) => domain_matches(host, domain),
        None => host.eq_ignore_ascii_case(&cookie.host),
    };
    if !host_matches {
        return Why::Domain;
    }
    if !path_matches(context.url.path(), &cookie.path) {
        return Why::Path;
    }
    if cookie.secure && !is_potentially_trustworthy(context.url) {
        return Why::Secure;
    }
    if cookie.same_site == Some(SameSite::None) && !cookie.secure {
        return Why::NoneWithoutSecure;
    }
    if !prefix_allows(cookie, stored, profile) {
        return Why::Prefix;
    }
    if let Some(partition) = &cookie.partition
        && !cookie.secure
        && !kept_by_total_cookie_protection(cookie, partition, profile)
    {
        return Why::PartitionedWithoutSecure;
    }
    if let Some(partition) = &cookie.partition {
        // A partitioned cookie belongs to one top-level site and needs no third-party allowance
        // there; SameSite still applies. Its key also records whether the frame had a cross-site
        // ancestor; a jar's partitioned cookies were set without one, so a frame that has one
        // (a sandboxed iframe's opaque origin is cross-site to every top level) does not see
        // them (measured in both browsers by the differential matrix).
        if !Site::parse(partition).is_ok_and(|p| p.same_site(top_site)) {
            return Why::OtherPartition;
        }
        if !context.page_site.same_site(top_site) {
            return Why::CrossSiteAncestor;
        }
        // Chromium keys a request to another site than the top level's as cross-site. A
        // partitioned cookie that matches this request's host and this top level was set on
        // the top level's own domain, in a same-site context; the keys then differ exactly when
        // the schemes set the two sites apart.
        if profile.partition_keys_request_site && context.site.differs_in_scheme_only(top_site) {
            return Why::CrossSiteRequest;
        }
        return match same_site_rule(cookie, profile, same_site) {
            Some(why) => why,
            None => Why::OwnPartition,
        };
    }
    if let Some(why) = same_site_rule(cookie, profile, same_site) {
        return why;
    }
    if same_site {
        return Why::SameSiteRequest;
    }
    if is_first_party(context, profile) {
        return Why::FirstPartyContext;
    }
    match (context.third_party, profile.third_party_default) {
        (ThirdPartyCookies::Allowed, _) => Why::CrossSiteAllowed,
        (ThirdPartyCookies::Blocked, _) | (ThirdPartyCookies::Default, ThirdPartyDefault::Blocked) => {
            Why::ThirdPartyBlocked
        }
        (ThirdPartyCookies::Default, ThirdPartyDefault::Partitioned) => Why::ThirdPartyPartitioned,
    }
}

/// Whether a partition holds a cookie without `Secure` that was not set with `Partitioned`:
/// Firefox's Total Cookie Protection keeps every cookie set in a third-party context, `Secure`
/// or not, in the partition of the top-level site it was set under, so a cookie whose host is
/// on another site than its partition's got there that way (measured: a plain cookie set from
/// a frame under another top-level site was sent back under it). Chromium partitions only
/// `Partitioned` cookies, which both browsers refuse without `Secure`.
fn kept_by_total_cookie_protection(cookie: &Cookie, partition: &str, profile: &Profile) -> bool {
    let set_third_party = match Site::parse(partition) {
        Ok(Site::Schemeful { domain, .. }) => {
            !domain.eq_ignore_ascii_case(registrable_domain(&cookie.host).unwrap_or(&cookie.host))
        }
        _ => false,
    };
    profile.third_party_default == ThirdPartyDefault::Partitioned && set_third_party
}

/// The SameSite verdict on a cross-site request, or `None` when SameSite lets the cookie go.
fn same_site_rule(cookie: &Cookie, profile: &Profile, same_site: bool) -> Option<Why> {
    if same_site {
        return None;
    }
    // A fetch is never a top-level navigation, so Lax cookies (and Chromium's two-minute
    // Lax-allowing-unsafe window for top-level POSTs) never apply here.
    match cookie.same_site {
        Some(SameSite::Strict | SameSite::Lax) => Some(Why::SameSite),
        None if profile.lax_by_default => Some(Why::LaxByDefault),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Browser;
    use crate::origin::Origin;

    fn cookie(name: &str, same_site: Option<SameSite>) -> Cookie {
        Cookie {
            name: name.into(),
            host: "api.fintrack.localhost".into(),
            domain: None,
            path: "/".into(),
            same_site,
            secure: true,
            http_only: true,
            partition: None,
            age_s: 60,
        }
    }

    /// Each cookie's name, whether it goes and why, on a credentialed GET of FinTrack's API from
    /// a top-level `page`.
    fn decisions(
        page: &str,
        browser: Browser,
        third_party: ThirdPartyCookies,
        jar: &[Cookie],
    ) -> Vec<(String, bool, Why)> {
        let url = Url::parse("http://api.fintrack.localhost:8080/me").unwrap();
        let page = Origin::parse(page).unwrap();
        let site = page.site();
        let url_site = Site::of_url(&url);
        let context = Context {
            url: &url,
            site: &url_site,
            credentials: true,
            page_site: &site,
            top_site: &site,
            cross_site_redirect: false,
            third_party,
        };
        decide(jar, &context, &Profile::of(browser)).map(|d| (d.name.to_owned(), d.sent, d.why)).collect()
    }

    fn sent(page: &str, browser: Browser, third_party: ThirdPartyCookies, jar: &[Cookie]) -> Vec<String> {
        decisions(page, browser, third_party, jar).into_iter().filter(|d| d.1).map(|d| d.0).collect()
    }

    #[test]
    fn same_site_pages_get_every_cookie() {
        let jar = [cookie("s", Some(SameSite::Strict)), cookie("l", Some(SameSite::Lax)), cookie("n", None)];
        assert_eq!(
            sent("http://blog.fintrack.localhost:8080", Browser::Chromium, ThirdPartyCookies::Default, &jar),
            ["s", "l", "n"]
        );
    }

    #[test]
    fn cross_site_defaults_send_nothing_in_either_browser() {
        let jar = [cookie("none", Some(SameSite::None)), cookie("absent", None)];
        for browser in [Browser::Chromium, Browser::Firefox] {
            assert!(sent("http://evil.localhost", browser, ThirdPartyCookies::Default, &jar).is_empty());
        }
    }

    #[test]
    fn allowed_third_party_cookies_differ_on_lax_by_default() {
        let jar = [
            cookie("none", Some(SameSite::None)),
            cookie("absent", None),
            cookie("lax", Some(SameSite::Lax)),
        ];
        assert_eq!(
            sent("http://evil.localhost", Browser::Chromium, ThirdPartyCookies::Allowed, &jar),
            ["none"]
        );
        assert_eq!(
            sent("http://evil.localhost", Browser::Firefox, ThirdPartyCookies::Allowed, &jar),
            ["none", "absent"]
        );
    }

    #[test]
    fn domain_and_path_matching() {
        assert!(domain_matches("api.fintrack.localhost", ".fintrack.localhost"));
        assert!(!domain_matches("evilfintrack.localhost", "fintrack.localhost"));
        assert!(!domain_matches("1.2.3.4", "3.4"));
        assert!(path_matches("/me/balance", "/me"));
        assert!(path_matches("/me/", "/me/"));
        assert!(!path_matches("/meow", "/me"));
    }

    #[test]
    fn partitioned_cookies_follow_their_top_level_site() {
        let mut partitioned = cookie("p", Some(SameSite::None));
        partitioned.partition = Some("http://evil.localhost".into());
        assert_eq!(
            sent(
                "http://evil.localhost",
                Browser::Chromium,
                ThirdPartyCookies::Default,
                std::slice::from_ref(&partitioned)
            ),
            ["p"]
        );
        assert!(
            sent("http://other.localhost", Browser::Chromium, ThirdPartyCookies::Default, &[partitioned])
                .is_empty()
        );
    }

    fn with_domain(name: &str, host: &str, domain: &str) -> Cookie {
        Cookie { host: host.into(), domain: Some(domain.into()), ..cookie(name, None) }
    }

    #[test]
    fn a_domain_its_host_could_not_set_is_never_in_the_jar() {
        let jar = [
            // A public suffix other than the setting host.
            with_domain("suffix", "api.fintrack.localhost", "localhost"),
            // A domain that does not contain the setting host.
            with_domain("elsewhere", "evil.localhost", "fintrack.localhost"),
            // A public suffix that is the setting host: host-only, so not for api.fintrack.localhost.
            with_domain("host_only", "localhost", "localhost"),
            // Allowed: the setting host is inside its registrable domain.
            with_domain("parent", "api.fintrack.localhost", ".fintrack.localhost"),
        ];
        let page = "http://blog.fintrack.localhost:8080";
        assert_eq!(sent(page, Browser::Chromium, ThirdPartyCookies::Default, &jar), ["parent"]);
        let whys: Vec<Why> = decisions(page, Browser::Firefox, ThirdPartyCookies::Default, &jar)
            .into_iter()
            .map(|d| d.2)
            .collect();
        assert_eq!(whys, [Why::DomainRefused, Why::DomainRefused, Why::Domain, Why::SameSiteRequest]);
    }

    #[test]
    fn a_public_suffix_domain_on_its_own_host_is_host_only() {
        let cookie = with_domain("s", "localhost", "localhost");
        assert_eq!(stored_domain(&cookie), Ok(None));
        let address = with_domain("a", "127.0.0.1", "127.0.0.1");
        assert_eq!(stored_domain(&address), Ok(None));
        assert_eq!(stored_domain(&with_domain("b", "127.0.0.1", "0.0.1")), Err(DomainRefused));
    }

    #[test]
    fn name_prefixes_demand_their_attributes() {
        let plain = Cookie { secure: false, http_only: false, ..cookie("x", None) };
        let allows = |name: &str, change: fn(&mut Cookie)| {
            let mut c = Cookie { name: name.into(), ..plain.clone() };
            change(&mut c);
            let stored = stored_domain(&c).unwrap();
            prefix_allows(&c, stored, &Profile::of(Browser::Chromium))
        };
        assert!(allows("__Secure-a", |c| c.secure = true));
        assert!(!allows("__secure-a", |_| {}));
        assert!(allows("__Host-a", |c| c.secure = true));
        assert!(!allows("__Host-a", |c| (c.secure, c.path) = (true, "/app".into())));
        // __Http- (measured in both browsers): Secure and HttpOnly, in any case.
        assert!(allows("__Http-a", |c| (c.secure, c.http_only) = (true, true)));
        assert!(allows("__http-a", |c| (c.secure, c.http_only) = (true, true)));
        assert!(!allows("__Http-a", |c| c.http_only = true));
        assert!(!allows("__Http-a", |c| c.secure = true));
        // __Host-Http-: both sets of rules.
        assert!(allows("__Host-Http-a", |c| (c.secure, c.http_only) = (true, true)));
        assert!(!allows("__HOST-HTTP-a", |c| c.secure = true));
        assert!(!allows("__Host-Http-a", |c| (c.secure, c.http_only, c.domain) =
            (true, true, Some("fintrack.localhost".into()))));
        assert!(allows("__Httpx-a", |_| {}));
    }

    #[test]
    fn a_host_prefix_with_a_domain_that_leaves_it_host_only_is_kept_by_firefox_alone() {
        // Measured over http://localhost: Chromium 156 refuses both, Firefox 153 keeps both.
        let set_by_localhost = |name: &str, domain: &str| Cookie {
            name: name.into(),
            host: "localhost".into(),
            domain: Some(domain.into()),
            http_only: true,
            ..cookie("x", None)
        };
        let allows = |c: &Cookie, browser| prefix_allows(c, stored_domain(c).unwrap(), &Profile::of(browser));
        for name in ["__Host-a", "__Host-Http-a"] {
            let c = set_by_localhost(name, "localhost");
            assert!(!allows(&c, Browser::Chromium), "{name}");
            assert!(allows(&c, Browser::Firefox), "{name}");
        }
        // A Domain that makes a domain cookie breaks __Host- in both.
        let domain_cookie = Cookie {
            host: "fintrack.localhost".into(),
            ..set_by_localhost("__Host-a", "fintrack.localhost")
        };
        assert!(!allows(&domain_cookie, Browser::Firefox));
    }
}
