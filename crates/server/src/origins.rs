//! The lab's origins: every `*.localhost` name the server answers for, and the role each plays.

use serde::Serialize;

/// The part a host plays in the lab. Every host serves the same app; the role picks the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// `lab.localhost`: the console.
    Console,
    /// `fintrack.localhost`: the victim's dashboard, where the session cookie is set.
    Dashboard,
    /// `api.fintrack.localhost`: the victim's API.
    Api,
    /// `blog.fintrack.localhost`: a same-site sibling with user content.
    Sibling,
    /// `free-crypto-giveaway.localhost`: the cross-site attacker.
    Attacker,
    /// `partner.localhost`: a cross-site partner the API legitimately trusts.
    Partner,
    /// A host made to fool a careless origin matcher.
    Lookalike,
}

/// One host of the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LabHost {
    /// The host name.
    pub name: &'static str,
    /// Its role.
    pub role: Role,
    /// What it is, in a few words.
    pub about: &'static str,
}

/// Every host the lab answers for. Anything else gets `421 Misdirected Request`.
pub const HOSTS: &[LabHost] = &[
    LabHost { name: "lab.localhost", role: Role::Console, about: "the lab console" },
    LabHost { name: "fintrack.localhost", role: Role::Dashboard, about: "FinTrack, the victim's dashboard" },
    LabHost { name: "api.fintrack.localhost", role: Role::Api, about: "FinTrack's API" },
    LabHost {
        name: "blog.fintrack.localhost",
        role: Role::Sibling,
        about: "FinTrack's blog: same site, compromised",
    },
    LabHost {
        name: "free-crypto-giveaway.localhost",
        role: Role::Attacker,
        about: "the scammer's giveaway site (cross-site)",
    },
    LabHost { name: "partner.localhost", role: Role::Partner, about: "a partner FinTrack trusts" },
    LabHost {
        name: "fintrack.localhost.free-crypto-giveaway.localhost",
        role: Role::Lookalike,
        about: "fools a prefix match",
    },
    LabHost { name: "evilfintrack.localhost", role: Role::Lookalike, about: "fools a suffix match" },
    LabHost { name: "apixfintrack.localhost", role: Role::Lookalike, about: "fools an unescaped-dot regex" },
];

/// Finds the lab host a `Host` header names, ignoring case, a trailing dot and the port.
pub fn lookup(host_header: &str) -> Option<&'static LabHost> {
    let name = strip_port(host_header).trim_end_matches('.');
    HOSTS.iter().find(|h| h.name.eq_ignore_ascii_case(name))
}

/// The host with the given role (the first, for lookalikes).
pub fn host_for(role: Role) -> &'static LabHost {
    HOSTS.iter().find(|h| h.role == role).unwrap_or(&HOSTS[0])
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // An IPv6 literal is never a lab host; keep it whole so it does not match.
        return host;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_port_case_and_trailing_dot() {
        assert_eq!(lookup("api.fintrack.localhost:8080").unwrap().role, Role::Api);
        assert_eq!(lookup("LAB.localhost.").unwrap().role, Role::Console);
        assert_eq!(lookup("lab.localhost").unwrap().role, Role::Console);
    }

    #[test]
    fn foreign_hosts_are_unknown() {
        assert!(lookup("attacker.example:8080").is_none());
        assert!(lookup("127.0.0.1:8080").is_none());
        assert!(lookup("[::1]:8080").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn names_are_unique_and_under_localhost() {
        for (i, host) in HOSTS.iter().enumerate() {
            assert!(host.name.ends_with(".localhost"), "{}", host.name);
            assert!(HOSTS[i + 1..].iter().all(|h| h.name != host.name), "{}", host.name);
        }
    }
}
