//! Local Network Access: a page may not reach a more private address space (local network,
//! loopback) without the user's permission; the older Private Network Access headers explained.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use url::Host;

use crate::exchange::LocalNetworkAccess;
use crate::origin::Origin;
use crate::profile::{LocalNetworkPrompt, Profile};
use crate::secure_context::is_secure_context;

/// An IP address space, from most public to most private.
///
/// <https://wicg.github.io/local-network-access/#ip-address-space-heading>
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressSpace {
    /// The public internet.
    Public,
    /// A private network: RFC 1918, link-local, unique local addresses.
    Local,
    /// This machine.
    Loopback,
}

/// What Local Network Access does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// The target is not more private than the page: nothing happens.
    NotRequired {
        /// The page's address space.
        page: AddressSpace,
        /// The target's address space.
        target: AddressSpace,
    },
    /// The user granted the permission.
    Granted(AddressSpace),
    /// The page is not a secure context, so it cannot ask (Chromium).
    InsecureContext(AddressSpace),
    /// The permission was refused (or cannot be asked for, as in headless Chromium).
    Denied(AddressSpace),
    /// The fetch waits for an answer that does not come (Firefox while the prompt is open).
    Pending(AddressSpace),
}

/// The address space of a URL host, judged from the host alone: `localhost` names, loopback
/// addresses and the unspecified addresses (`0.0.0.0`, `::`) are loopback; private ranges and
/// `.local` names (multicast DNS answers from the local network) are local; every other name is
/// assumed public (its DNS answer is not part of an Exchange). The ranges are Chromium's
/// (`ip_address_space_util.cc`).
///
/// <https://wicg.github.io/local-network-access/#determine-the-ip-address-space>
pub fn address_space(host: Option<&Host<&str>>) -> AddressSpace {
    match host {
        Some(Host::Ipv4(ip)) => ipv4_space(*ip),
        Some(Host::Ipv6(ip)) => ipv6_space(*ip),
        Some(Host::Domain(name)) if is_localhost_name(name) => AddressSpace::Loopback,
        Some(Host::Domain(name)) if is_mdns_name(name) => AddressSpace::Local,
        _ => AddressSpace::Public,
    }
}

/// Whether `url`'s host is the unspecified address, `0.0.0.0` or `::`.
pub fn is_unspecified(url: &url::Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_unspecified(),
        Some(Host::Ipv6(ip)) => ip.is_unspecified(),
        _ => false,
    }
}

/// Decides whether a request from `page` to `target` needs, has or lacks the permission.
///
/// <https://wicg.github.io/local-network-access/#integration-fetch>
pub fn check(
    page: &Origin,
    top_level: &Origin,
    target: &url::Url,
    setting: LocalNetworkAccess,
    profile: &Profile,
) -> Access {
    let target_space = address_space(target.host().as_ref());
    // An opaque page (a sandboxed iframe) keeps the address space of the server that sent it,
    // which an Exchange does not record: take the top-level document's, and when that is opaque
    // too, assume the page sits where its target does.
    let page_space = [page, top_level]
        .into_iter()
        .find_map(|origin| origin.host().map(|host| address_space(Some(&as_ref(host)))))
        .unwrap_or(target_space);
    // The draft asks whenever the target is more private than the page. Both browsers ask only
    // when a public page reaches a local or loopback address: from a local page, loopback is
    // not asked about (measured in both with an address-space override; Chromium's
    // `IsLessPublicAddressSpaceLNA` counts local and loopback as one).
    if page_space != AddressSpace::Public || target_space == AddressSpace::Public {
        return Access::NotRequired { page: page_space, target: target_space };
    }
    match setting {
        LocalNetworkAccess::Granted => Access::Granted(target_space),
        LocalNetworkAccess::Denied => Access::Denied(target_space),
        LocalNetworkAccess::Prompt
            if profile.local_network_needs_secure_context && !is_secure_context(page) =>
        {
            Access::InsecureContext(target_space)
        }
        LocalNetworkAccess::Prompt => match profile.local_network_prompt {
            LocalNetworkPrompt::Denied => Access::Denied(target_space),
            LocalNetworkPrompt::Pending => Access::Pending(target_space),
        },
    }
}

impl AddressSpace {
    /// The space's name as the spec writes it (`public`, `local`, `loopback`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Local => "local",
            Self::Loopback => "loopback",
        }
    }
}

/// A host borrowed, as `Url::host` gives it.
pub(crate) fn as_ref(host: &Host<String>) -> Host<&str> {
    match host {
        Host::Domain(d) => Host::Domain(d.as_str()),
        Host::Ipv4(ip) => Host::Ipv4(*ip),
        Host::Ipv6(ip) => Host::Ipv6(*ip),
    }
}

/// A multicast DNS name: one under `.local`, with or without a trailing dot.
pub(crate) fn is_mdns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.len() > ".local".len() && name.as_bytes()[name.len() - 6..].eq_ignore_ascii_case(b".local")
}

/// `localhost` or a name under it, with or without a trailing dot.
pub(crate) fn is_localhost_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || (name.len() > ".localhost".len()
            && name.as_bytes()[name.len() - 10..].eq_ignore_ascii_case(b".localhost"))
}

fn ipv4_space(ip: Ipv4Addr) -> AddressSpace {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() || ip.is_unspecified() {
        AddressSpace::Loopback
    } else if ip.is_private()
        || ip.is_link_local()
        // The rest of 0.0.0.0/8 ("this network") and the shared address space of carrier NAT.
        || a == 0
        || (a == 100 && (64..128).contains(&b))
    {
        AddressSpace::Local
    } else {
        AddressSpace::Public
    }
}

fn ipv6_space(ip: Ipv6Addr) -> AddressSpace {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return ipv4_space(v4);
    }
    let [first, second, ..] = ip.segments();
    // Unique local (fc00::/7), link-local (fe80::/10), the retired site-local (fec0::/10) and
    // the documentation ranges (2001:db8::/32, 3fff::/20).
    let local = (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && second == 0x0db8)
        || (first == 0x3fff && (second & 0xf000) == 0);
    if ip.is_loopback() || ip.is_unspecified() {
        AddressSpace::Loopback
    } else if local {
        AddressSpace::Local
    } else {
        AddressSpace::Public
    }
}

impl fmt::Display for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Browser;

    fn space(url: &str) -> AddressSpace {
        address_space(url::Url::parse(url).unwrap().host().as_ref())
    }

    #[test]
    fn hosts_map_to_spaces() {
        assert_eq!(space("http://api.fintrack.localhost:8080/"), AddressSpace::Loopback);
        assert_eq!(space("http://127.0.0.1/"), AddressSpace::Loopback);
        assert_eq!(space("http://[::1]/"), AddressSpace::Loopback);
        assert_eq!(space("http://192.168.1.1/"), AddressSpace::Local);
        assert_eq!(space("http://10.0.0.1/"), AddressSpace::Local);
        assert_eq!(space("http://[fd00::1]/"), AddressSpace::Local);
        assert_eq!(space("http://printer.local/"), AddressSpace::Local);
        assert_eq!(space("http://printer.local./"), AddressSpace::Local);
        assert_eq!(space("http://local/"), AddressSpace::Public);
        assert_eq!(space("https://example.com/"), AddressSpace::Public);
        assert_eq!(space("http://8.8.8.8/"), AddressSpace::Public);
    }

    #[test]
    fn unspecified_addresses_are_loopback_and_this_network_local() {
        // Chromium's ip_address_space_util.cc: 0.0.0.0/32 and ::/128 are loopback, the rest of
        // 0.0.0.0/8 is local.
        assert_eq!(space("http://0.0.0.0:8080/"), AddressSpace::Loopback);
        assert_eq!(space("http://[::]/"), AddressSpace::Loopback);
        assert_eq!(space("http://0.1.2.3/"), AddressSpace::Local);
        assert_eq!(space("http://[fec0::1]/"), AddressSpace::Local);
        assert_eq!(space("http://[2001:db8::1]/"), AddressSpace::Local);
        assert_eq!(space("http://[3fff::1]/"), AddressSpace::Local);
        assert_eq!(space("http://[3fff:1000::1]/"), AddressSpace::Public);
        assert_eq!(space("http://[2001:4860::1]/"), AddressSpace::Public);
    }

    #[test]
    fn a_local_page_reaches_loopback_without_asking() {
        // Measured in both browsers: a page made local with an address-space override fetched
        // a loopback server with the permission undecided, and the read succeeded.
        let page = Origin::parse("https://192.168.1.5").unwrap();
        let target = url::Url::parse("http://127.0.0.1:8080/x").unwrap();
        for browser in [Browser::Chromium, Browser::Firefox] {
            let access = check(&page, &page, &target, LocalNetworkAccess::Prompt, &Profile::of(browser));
            assert_eq!(
                access,
                Access::NotRequired { page: AddressSpace::Local, target: AddressSpace::Loopback }
            );
        }
    }

    #[test]
    fn all_loopback_needs_nothing() {
        let page = Origin::parse("http://evil.localhost").unwrap();
        let target = url::Url::parse("http://api.fintrack.localhost/").unwrap();
        let access =
            check(&page, &page, &target, LocalNetworkAccess::Prompt, &Profile::of(Browser::Chromium));
        assert!(matches!(access, Access::NotRequired { .. }));
    }

    #[test]
    fn public_to_loopback_needs_permission() {
        let page = Origin::parse("https://evil.example").unwrap();
        let target = url::Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            check(&page, &page, &target, LocalNetworkAccess::Prompt, &Profile::of(Browser::Chromium)),
            Access::Denied(AddressSpace::Loopback)
        );
        assert_eq!(
            check(&page, &page, &target, LocalNetworkAccess::Prompt, &Profile::of(Browser::Firefox)),
            Access::Pending(AddressSpace::Loopback)
        );
        assert_eq!(
            check(&page, &page, &target, LocalNetworkAccess::Granted, &Profile::of(Browser::Firefox)),
            Access::Granted(AddressSpace::Loopback)
        );
        let insecure = Origin::parse("http://evil.example").unwrap();
        assert_eq!(
            check(&insecure, &insecure, &target, LocalNetworkAccess::Prompt, &Profile::of(Browser::Chromium)),
            Access::InsecureContext(AddressSpace::Loopback)
        );
    }
}
