//! The cookie jar every login group starts from: FinTrack's session cookie with the group's
//! attributes, plus a fixed set of cookies that differ in exactly one attribute each, so every
//! scenario tests several cookie rules at once.

use corslab_engine::exchange::{Cookie, SameSite};
use corslab_lab::CookieSettings;
use corslab_lab::hosts::{COOKIE_DOMAIN, DASHBOARD};

/// A cookie the dashboard's page sets with `document.cookie`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extra {
    /// The name (the value is always `1`).
    pub name: &'static str,
    /// `Domain=fintrack.localhost` (else host-only on the dashboard's host).
    pub domain: bool,
    /// The `Path`.
    pub path: &'static str,
    /// The `SameSite` attribute, absent when `None`.
    pub same_site: Option<SameSite>,
    /// `Partitioned`.
    pub partitioned: bool,
}

/// The extra cookies, all `Secure` (http://*.localhost is a secure context).
pub const EXTRAS: [Extra; 7] = [
    Extra {
        name: "c_strict",
        domain: true,
        path: "/",
        same_site: Some(SameSite::Strict),
        partitioned: false,
    },
    Extra { name: "c_lax", domain: true, path: "/", same_site: Some(SameSite::Lax), partitioned: false },
    Extra { name: "c_none", domain: true, path: "/", same_site: Some(SameSite::None), partitioned: false },
    Extra { name: "c_unset", domain: true, path: "/", same_site: None, partitioned: false },
    Extra { name: "c_chips", domain: true, path: "/", same_site: Some(SameSite::None), partitioned: true },
    // Host-only on the dashboard: never sent to the API's host.
    Extra { name: "c_host", domain: false, path: "/", same_site: Some(SameSite::None), partitioned: false },
    // Only under /me/email: sent with PUT /me/email alone.
    Extra {
        name: "c_email",
        domain: true,
        path: "/me/email",
        same_site: Some(SameSite::None),
        partitioned: false,
    },
];

impl Extra {
    /// The `document.cookie` assignment that sets it.
    pub fn assignment(&self) -> String {
        let mut line = format!("{}=1; path={}; secure", self.name, self.path);
        if self.domain {
            line.push_str(&format!("; domain={COOKIE_DOMAIN}"));
        }
        match self.same_site {
            Some(SameSite::Strict) => line.push_str("; samesite=strict"),
            Some(SameSite::Lax) => line.push_str("; samesite=lax"),
            Some(SameSite::None) => line.push_str("; samesite=none"),
            None => {}
        }
        if self.partitioned {
            line.push_str("; partitioned");
        }
        line
    }

    /// The cookie as the engine's jar entry, set `age_s` seconds ago by the dashboard.
    pub fn entry(&self, age_s: u64) -> Cookie {
        Cookie {
            name: self.name.to_owned(),
            host: DASHBOARD.to_owned(),
            domain: self.domain.then(|| COOKIE_DOMAIN.to_owned()),
            path: self.path.to_owned(),
            same_site: self.same_site,
            secure: true,
            http_only: false,
            partition: self.partitioned.then(|| format!("http://{DASHBOARD}")),
            age_s,
        }
    }

    /// Whether WebDriver's cookie list on the dashboard's root path shows it.
    pub fn visible_at_root(&self) -> bool {
        self.path == "/"
    }
}

/// The jar: the session cookie with `settings` (when the browser kept it) and the extras the
/// browser kept, in the order they were set. `kept` says whether the browser holds a name.
pub fn jar(settings: &CookieSettings, age_s: u64, kept: &dyn Fn(&str) -> bool) -> Vec<Cookie> {
    let mut out = Vec::new();
    if kept(corslab_lab::cookie::SESSION_COOKIE) {
        out.push(settings.jar_entry(age_s));
    }
    out.extend(EXTRAS.iter().filter(|e| !e.visible_at_root() || kept(e.name)).map(|e| e.entry(age_s)));
    out
}

/// The script that sets every extra cookie on the dashboard's page.
pub fn set_script() -> String {
    EXTRAS.iter().map(|e| format!("document.cookie = {:?};\n", e.assignment())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_carry_each_attribute() {
        assert_eq!(
            EXTRAS[4].assignment(),
            "c_chips=1; path=/; secure; domain=fintrack.localhost; samesite=none; partitioned"
        );
        assert_eq!(EXTRAS[5].assignment(), "c_host=1; path=/; secure; samesite=none");
        assert!(set_script().lines().count() == EXTRAS.len());
    }

    #[test]
    fn the_jar_holds_what_the_browser_kept() {
        let all = jar(&CookieSettings::default(), 3, &|_| true);
        assert_eq!(all.len(), 1 + EXTRAS.len());
        assert_eq!(all[0].name, "session");
        assert_eq!(all[0].age_s, 3);
        let without_session = jar(&CookieSettings::default(), 3, &|name| name != "session");
        assert_eq!(without_session.len(), EXTRAS.len());
        let chips = all.iter().find(|c| c.name == "c_chips").unwrap();
        assert_eq!(chips.partition.as_deref(), Some("http://fintrack.localhost"));
        // A cookie WebDriver cannot see from the root path is taken as kept.
        let none_visible = jar(&CookieSettings::default(), 0, &|_| false);
        assert_eq!(none_visible.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["c_email"]);
    }
}
