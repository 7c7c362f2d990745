//! The FinTrack session cookie: its selectable attributes, the `Set-Cookie` line the dashboard
//! sends, and the same cookie as an entry of the engine's cookie jar.

use corslab_engine::exchange::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use crate::hosts::{COOKIE_DOMAIN, DASHBOARD};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "session";

/// The `SameSite` choice for the session cookie.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SameSiteChoice {
    /// No `SameSite` attribute: Chromium treats it as Lax (with a two-minute POST window),
    /// Firefox as None.
    Unset,
    /// `SameSite=Lax`: what frameworks ship by default today.
    #[default]
    Lax,
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=None; Secure`: sent on cross-site requests where third-party cookies are allowed.
    None,
}

/// The session cookie's attributes, switchable from the console.
///
/// The default is what a typical app ships today: `HttpOnly; Secure; SameSite=Lax`, scoped to
/// the registrable domain so the API on a subdomain receives it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieSettings {
    /// The `SameSite` attribute.
    #[serde(default)]
    pub same_site: SameSiteChoice,
    /// Whether the cookie is `Partitioned` (CHIPS): keyed to the top-level site that set it.
    #[serde(default)]
    pub partitioned: bool,
}

impl CookieSettings {
    /// The `Set-Cookie` value that signs a browser in with session `value`.
    ///
    /// `Secure` is always set: `http://*.localhost` is a secure context, and both `SameSite=None`
    /// and `Partitioned` require it.
    pub fn set_cookie(&self, value: &str) -> String {
        let mut line = format!("{SESSION_COOKIE}={value}; Domain={COOKIE_DOMAIN}; Path=/; HttpOnly; Secure");
        match self.same_site {
            SameSiteChoice::Unset => {}
            SameSiteChoice::Lax => line.push_str("; SameSite=Lax"),
            SameSiteChoice::Strict => line.push_str("; SameSite=Strict"),
            SameSiteChoice::None => line.push_str("; SameSite=None"),
        }
        if self.partitioned {
            line.push_str("; Partitioned");
        }
        line
    }

    /// The `Set-Cookie` value that signs a browser out: the same name, domain, path and
    /// partition, expired (a cookie is only replaced when those match).
    pub fn clear_cookie(&self) -> String {
        let mut line = format!(
            "{SESSION_COOKIE}=; Domain={COOKIE_DOMAIN}; Path=/; HttpOnly; Secure; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        if self.same_site == SameSiteChoice::None {
            line.push_str("; SameSite=None");
        }
        if self.partitioned {
            line.push_str("; Partitioned");
        }
        line
    }

    /// The session cookie as the engine's cookie-jar entry, set by the dashboard `age_s`
    /// seconds ago.
    pub fn jar_entry(&self, age_s: u64) -> Cookie {
        let same_site = match self.same_site {
            SameSiteChoice::Unset => None,
            SameSiteChoice::Lax => Some(SameSite::Lax),
            SameSiteChoice::Strict => Some(SameSite::Strict),
            SameSiteChoice::None => Some(SameSite::None),
        };
        Cookie {
            name: SESSION_COOKIE.to_owned(),
            host: DASHBOARD.to_owned(),
            domain: Some(COOKIE_DOMAIN.to_owned()),
            path: "/".to_owned(),
            same_site,
            secure: true,
            http_only: true,
            // A partitioned cookie set while the dashboard was top-level is keyed to its site.
            partition: self.partitioned.then(|| format!("http://{DASHBOARD}")),
            age_s,
        }
    }
}

/// The cookie-pairs of one `Cookie` header value, as (name, value) bytes with the spaces and
/// tabs around them trimmed, in order; a piece without `=` or with an empty name is no pair.
/// Read as bytes, so one cookie's stray byte does not hide the others.
pub fn cookie_pairs(value: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    value.split(|&b| b == b';').filter_map(|pair| {
        let at = pair.iter().position(|&b| b == b'=')?;
        let name = pair[..at].trim_ascii();
        (!name.is_empty()).then(|| (name, pair[at + 1..].trim_ascii()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_what_apps_ship_today() {
        let line = CookieSettings::default().set_cookie("abc");
        assert_eq!(line, "session=abc; Domain=fintrack.localhost; Path=/; HttpOnly; Secure; SameSite=Lax");
    }

    #[test]
    fn every_choice_renders_its_attribute() {
        let none = CookieSettings { same_site: SameSiteChoice::None, partitioned: true };
        assert!(none.set_cookie("v").ends_with("; Secure; SameSite=None; Partitioned"));
        let unset = CookieSettings { same_site: SameSiteChoice::Unset, partitioned: false };
        assert!(!unset.set_cookie("v").contains("SameSite"));
        assert!(none.clear_cookie().contains("Max-Age=0") && none.clear_cookie().contains("Partitioned"));
    }

    #[test]
    fn the_jar_entry_carries_the_chosen_attributes() {
        let entry = CookieSettings { same_site: SameSiteChoice::Strict, partitioned: true }.jar_entry(600);
        assert_eq!(entry.same_site, Some(SameSite::Strict));
        assert_eq!(entry.partition.as_deref(), Some("http://fintrack.localhost"));
        assert_eq!((entry.domain.as_deref(), entry.age_s), (Some("fintrack.localhost"), 600));
        let default = CookieSettings::default().jar_entry(0);
        assert_eq!((default.same_site, default.partition), (Some(SameSite::Lax), None));
        let unset = CookieSettings { same_site: SameSiteChoice::Unset, partitioned: false }.jar_entry(0);
        assert_eq!(unset.same_site, None);
    }

    #[test]
    fn cookie_pairs_are_trimmed_and_need_a_name_and_an_equals_sign() {
        let pairs: Vec<_> = cookie_pairs(b" theme=dark ;session=s1; flag; =v;x\xff=1").collect();
        assert_eq!(pairs, [(&b"theme"[..], &b"dark"[..]), (b"session", b"s1"), (b"x\xff", b"1")]);
    }
}
