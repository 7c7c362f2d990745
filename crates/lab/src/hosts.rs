//! The lab's hosts: every `*.localhost` name the server answers for, the part each plays, and
//! the origins they make on the lab's two ports.

use serde::{Deserialize, Serialize};

/// The part a host plays in the lab. Every page host serves the same app; the role picks the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Role {
    /// `lab.localhost`: the console, the only host whose control plane accepts writes.
    Console,
    /// `fintrack.localhost`: the victim's dashboard, where login sets the session cookie.
    Dashboard,
    /// `api.fintrack.localhost`: the victim's API.
    Api,
    /// `blog.fintrack.localhost`: a same-site sibling with user content (compromised).
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
    LabHost { name: CONSOLE, role: Role::Console, about: "the lab console" },
    LabHost { name: DASHBOARD, role: Role::Dashboard, about: "FinTrack, the victim's dashboard" },
    LabHost { name: API, role: Role::Api, about: "FinTrack's API" },
    LabHost { name: SIBLING, role: Role::Sibling, about: "FinTrack's blog: same site, compromised" },
    LabHost { name: ATTACKER, role: Role::Attacker, about: "the scammer's giveaway site (cross-site)" },
    LabHost { name: PARTNER, role: Role::Partner, about: "a partner FinTrack trusts" },
    LabHost { name: PREFIX_LOOKALIKE, role: Role::Lookalike, about: "fools a prefix match" },
    LabHost { name: SUFFIX_LOOKALIKE, role: Role::Lookalike, about: "fools a suffix match" },
    LabHost { name: DOT_LOOKALIKE, role: Role::Lookalike, about: "fools an unescaped-dot regex" },
];

/// The console's host.
pub const CONSOLE: &str = "lab.localhost";
/// The victim's dashboard.
pub const DASHBOARD: &str = "fintrack.localhost";
/// The victim's API.
pub const API: &str = "api.fintrack.localhost";
/// The compromised same-site sibling.
pub const SIBLING: &str = "blog.fintrack.localhost";
/// The cross-site attacker.
pub const ATTACKER: &str = "free-crypto-giveaway.localhost";
/// The trusted partner.
pub const PARTNER: &str = "partner.localhost";
/// Starts with the dashboard's origin: `startsWith("http://fintrack.localhost")` accepts it.
pub const PREFIX_LOOKALIKE: &str = "fintrack.localhost.free-crypto-giveaway.localhost";
/// Ends with the dashboard's name: `endsWith("fintrack.localhost")` accepts it.
pub const SUFFIX_LOOKALIKE: &str = "evilfintrack.localhost";
/// Matches `^http://(www.)?fintrack\.localhost` because the first dot matches any character.
pub const DOT_LOOKALIKE: &str = "wwwxfintrack.localhost";

/// The registrable domain the FinTrack session cookie is scoped to (`Domain=`).
pub const COOKIE_DOMAIN: &str = DASHBOARD;

/// The lab's ports: the main one every host is served on, an optional second one for the
/// "same host, other port" lessons, and an optional one serving every host over https.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ports {
    /// The main port (8080 by default).
    pub main: u16,
    /// The second port, when the server listens on one.
    pub second: Option<u16>,
    /// The https port, when the server listens on one (test harnesses: its certificate is
    /// self-signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<u16>,
    /// A port served like the main one whose pages a test harness's browsers take for public
    /// addresses (Local Network Access), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<u16>,
    /// The same over https (a public page that is a secure context), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_https: Option<u16>,
}

impl Ports {
    /// The main port only.
    pub fn main(main: u16) -> Self {
        Self { main, second: None, https: None, public: None, public_https: None }
    }

    /// The main and the second port.
    pub const fn two(main: u16, second: u16) -> Self {
        Self { main, second: Some(second), https: None, public: None, public_https: None }
    }

    /// `https://<host>` on the https port, when there is one.
    pub fn https_origin(&self, host: &str) -> Option<String> {
        self.https.map(|port| https_origin_on(host, port))
    }

    /// `http://<host>` on the main port (the port is left out when it is 80).
    pub fn origin(&self, host: &str) -> String {
        origin_on(host, self.main)
    }

    /// `http://<host>` on the second port, when there is one.
    pub fn second_origin(&self, host: &str) -> Option<String> {
        self.second.map(|port| origin_on(host, port))
    }

    /// The origins FinTrack legitimately trusts: its dashboard and its partner, on the main port.
    pub fn trusted(&self) -> [String; 2] {
        [self.origin(DASHBOARD), self.origin(PARTNER)]
    }
}

/// `http://<host>:<port>`, leaving out port 80.
pub fn origin_on(host: &str, port: u16) -> String {
    match port {
        80 => format!("http://{host}"),
        port => format!("http://{host}:{port}"),
    }
}

/// `https://<host>:<port>`, leaving out port 443.
pub fn https_origin_on(host: &str, port: u16) -> String {
    match port {
        443 => format!("https://{host}"),
        port => format!("https://{host}:{port}"),
    }
}

/// Finds the lab host a `Host` header names, ignoring ASCII case, a trailing dot and the port.
pub fn lookup(host_header: &str) -> Option<&'static LabHost> {
    let name = strip_port(host_header).trim_end_matches('.');
    HOSTS.iter().find(|h| h.name.eq_ignore_ascii_case(name))
}

/// What follows the host name's `:` in a `Host` header, if anything does: the port as written,
/// which may be empty or not a number.
pub fn port_text(host_header: &str) -> Option<&str> {
    let after_name = match host_header.strip_prefix('[') {
        // An IPv6 literal: the port follows its closing bracket.
        Some(_) => &host_header[host_header.find(']')? + 1..],
        None => host_header,
    };
    after_name.split_once(':').map(|(_, port)| port)
}

/// The name a `Host` header gives, without its port.
pub fn strip_port(host: &str) -> &str {
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
        assert_eq!(port_text("lab.localhost:8081"), Some("8081"));
        assert_eq!(port_text("lab.localhost:99999"), Some("99999"));
        assert_eq!(port_text("lab.localhost:"), Some(""));
        assert_eq!(port_text("lab.localhost"), None);
        assert_eq!(port_text("[::1]:8080"), Some("8080"));
    }

    #[test]
    fn foreign_hosts_are_unknown() {
        assert!(lookup("attacker.example:8080").is_none());
        assert!(lookup("127.0.0.1:8080").is_none());
        assert!(lookup("[::1]:8080").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("localhost:8080").is_none());
    }

    #[test]
    fn names_are_unique_and_under_localhost() {
        for (i, host) in HOSTS.iter().enumerate() {
            assert!(host.name.ends_with(".localhost"), "{}", host.name);
            assert!(HOSTS[i + 1..].iter().all(|h| h.name != host.name), "{}", host.name);
        }
    }

    #[test]
    fn origins_leave_out_port_80_only() {
        let ports = Ports::two(8080, 8081);
        assert_eq!(ports.origin(API), "http://api.fintrack.localhost:8080");
        assert_eq!(ports.second_origin(API).unwrap(), "http://api.fintrack.localhost:8081");
        assert_eq!(Ports::main(80).origin(CONSOLE), "http://lab.localhost");
    }
}
