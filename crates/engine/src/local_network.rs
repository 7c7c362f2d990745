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

/// The address space of a URL host, judged from the host alone: `localhost` names and loopback
/// addresses are loopback, private ranges are local, every other name is assumed public (its
/// DNS answer is not part of an Exchange).
///
/// <https://wicg.github.io/local-network-access/#determine-the-ip-address-space>
pub fn address_space(host: Option<&Host<&str>>) -> AddressSpace {
    match host {
        Some(Host::Ipv4(ip)) => ipv4_space(*ip),
        Some(Host::Ipv6(ip)) => ipv6_space(*ip),
        Some(Host::Domain(name)) if is_localhost_name(name) => AddressSpace::Loopback,
        _ => AddressSpace::Public,
    }
}

/// Whether a host is loopback: `localhost`, any `*.localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback_host(host: Option<&Host<&str>>) -> bool {
    address_space(host) == AddressSpace::Loopback
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
    // Only a request to a strictly more private space needs permission.
    if target_space <= page_space {
        return Access::NotRequired { page: page_space, target: target_space };
    }
    match setting {
        LocalNetworkAccess::Granted => Access::Granted(target_space),
        LocalNetworkAccess::Denied => Access::Denied(target_space),
        LocalNetworkAccess::Prompt if !is_secure_context(page) => Access::InsecureContext(target_space),
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

fn is_localhost_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || (name.len() > ".localhost".len()
            && name.as_bytes()[name.len() - 10..].eq_ignore_ascii_case(b".localhost"))
}

fn ipv4_space(ip: Ipv4Addr) -> AddressSpace {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        AddressSpace::Loopback
    } else if ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
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
    let first = ip.segments()[0];
    if ip.is_loopback() {
        AddressSpace::Loopback
    } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 || ip.is_unspecified() {
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
        assert_eq!(space("https://example.com/"), AddressSpace::Public);
        assert_eq!(space("http://8.8.8.8/"), AddressSpace::Public);
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
