//! A scenario: who fetches (the position), what it asks for (the request kind and credentials
//! mode), under which API policy, and which session cookie the browser holds. Scenarios live in
//! page URLs, so a link reproduces a demo, and turn into a real `fetch()` and an engine Attempt.

use corslab_engine::exchange::{CredentialsMode, RedirectMode, Request, RequestMode, Settings};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, exchange::Cookie};
use corslab_lab::cookie::SESSION_COOKIE;
use corslab_lab::hosts::{
    API, ATTACKER, DASHBOARD, DOT_LOOKALIKE, PARTNER, PREFIX_LOOKALIKE, SIBLING, SUFFIX_LOOKALIKE, origin_on,
};
use corslab_lab::observe::Attempt;
use corslab_lab::{CookieSettings, PolicyId, SameSiteChoice};

use crate::query::Query;

/// Where the fetch runs: the page (or frame) whose origin the browser puts in `Origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The compromised blog: same site as FinTrack, another origin.
    Sibling,
    /// The giveaway page: another site.
    CrossSite,
    /// A sandboxed iframe on the giveaway page: `Origin: null`.
    NullOrigin,
    /// A host that starts with FinTrack's origin.
    PrefixLookalike,
    /// A host that ends with FinTrack's name.
    SuffixLookalike,
    /// A host an unescaped regex dot lets through.
    DotLookalike,
    /// The partner FinTrack trusts (legitimate, cross-site).
    Partner,
    /// FinTrack's own dashboard (legitimate, same site).
    Dashboard,
}

/// What the script asks the API for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /me/balance`: a simple request, no preflight.
    SimpleGet,
    /// `POST /me/transfer` as `application/x-www-form-urlencoded`: simple, moves money.
    FormPost,
    /// `POST /me/transfer` as `text/plain`: simple, moves money.
    TextPost,
    /// `POST /me/transfer` as JSON: preflighted.
    JsonPost,
    /// `PUT /me/email`: preflighted, an account takeover.
    Put,
    /// `DELETE /me/sessions`: preflighted.
    Delete,
    /// `GET /me/balance` with `X-Requested-With`: a custom header, preflighted.
    CustomHeader,
    /// `GET /me/balance` with `Authorization`: preflighted, never covered by `*`.
    Authorization,
    /// `GET /redirect?to=cross`: a cross-origin redirect, after which `Origin` is `null`.
    Redirect,
    /// `GET /__lab/bounce` on the partner's site, which redirects to `/me/balance`: a fetch
    /// that passes through another site, which keeps `SameSite` cookies home in Firefox.
    Bounce,
    /// `GET /me/balance` in `no-cors` mode: an opaque response.
    NoCors,
}

/// The session cookie the browser holds for FinTrack, as far as this page knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jar {
    /// The attributes it was set with.
    pub cookie: CookieSettings,
    /// When it was set, in milliseconds since the epoch.
    pub set_at_ms: u64,
}

/// Everything that decides one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Where the fetch runs.
    pub from: Position,
    /// What it asks for.
    pub kind: Kind,
    /// The credentials mode.
    pub credentials: CredentialsMode,
    /// The API policy the request asks for (`?policy=`).
    pub policy: PolicyId,
    /// The session cookie the browser holds, if any.
    pub jar: Option<Jar>,
}

/// What `fetch()` is called with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCall {
    /// The method.
    pub method: &'static str,
    /// The URL.
    pub url: String,
    /// Headers the script sets.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The body, if any.
    pub body: Option<&'static str>,
    /// The mode.
    pub mode: RequestMode,
    /// The credentials mode.
    pub credentials: CredentialsMode,
}

impl Position {
    /// Every position, attackers first.
    pub const ALL: [Self; 8] = [
        Self::Sibling,
        Self::CrossSite,
        Self::NullOrigin,
        Self::PrefixLookalike,
        Self::SuffixLookalike,
        Self::DotLookalike,
        Self::Partner,
        Self::Dashboard,
    ];

    /// The id used in URLs.
    pub fn id(self) -> &'static str {
        match self {
            Self::Sibling => "sibling",
            Self::CrossSite => "cross-site",
            Self::NullOrigin => "null",
            Self::PrefixLookalike => "prefix-lookalike",
            Self::SuffixLookalike => "suffix-lookalike",
            Self::DotLookalike => "dot-lookalike",
            Self::Partner => "partner",
            Self::Dashboard => "dashboard",
        }
    }

    /// What it is, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sibling => "The compromised blog (same site)",
            Self::CrossSite => "The giveaway site (cross-site)",
            Self::NullOrigin => "A sandboxed iframe on the giveaway (Origin: null)",
            Self::PrefixLookalike => "Prefix lookalike host",
            Self::SuffixLookalike => "Suffix lookalike host",
            Self::DotLookalike => "Unescaped-dot lookalike host",
            Self::Partner => "The trusted partner (legitimate)",
            Self::Dashboard => "FinTrack's own dashboard (legitimate)",
        }
    }

    /// Finds a position by id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The host of the page that runs the fetch (for `null`, the page that frames the sandbox).
    pub fn host(self) -> &'static str {
        match self {
            Self::Sibling => SIBLING,
            Self::CrossSite | Self::NullOrigin => ATTACKER,
            Self::PrefixLookalike => PREFIX_LOOKALIKE,
            Self::SuffixLookalike => SUFFIX_LOOKALIKE,
            Self::DotLookalike => DOT_LOOKALIKE,
            Self::Partner => PARTNER,
            Self::Dashboard => DASHBOARD,
        }
    }

    /// Whether the API means to serve this page: the partner and FinTrack's own dashboard.
    pub fn legitimate(self) -> bool {
        matches!(self, Self::Partner | Self::Dashboard)
    }

    /// The position a page on `host` plays by default.
    pub fn of_host(host: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.host() == host && *p != Self::NullOrigin)
    }
}

impl Kind {
    /// Every kind, in the order the console lists them.
    pub const ALL: [Self; 11] = [
        Self::SimpleGet,
        Self::FormPost,
        Self::TextPost,
        Self::JsonPost,
        Self::Put,
        Self::Delete,
        Self::CustomHeader,
        Self::Authorization,
        Self::Redirect,
        Self::Bounce,
        Self::NoCors,
    ];

    /// The id used in URLs.
    pub fn id(self) -> &'static str {
        match self {
            Self::SimpleGet => "get",
            Self::FormPost => "form-post",
            Self::TextPost => "text-post",
            Self::JsonPost => "json-post",
            Self::Put => "put",
            Self::Delete => "delete",
            Self::CustomHeader => "custom-header",
            Self::Authorization => "authorization",
            Self::Redirect => "redirect",
            Self::Bounce => "bounce",
            Self::NoCors => "no-cors",
        }
    }

    /// What it is, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::SimpleGet => "Read the balance (simple GET)",
            Self::FormPost => "Transfer money (form POST)",
            Self::TextPost => "Transfer money (text/plain POST)",
            Self::JsonPost => "Transfer money (JSON POST)",
            Self::Put => "Change the email (PUT)",
            Self::Delete => "Sign out every session (DELETE)",
            Self::CustomHeader => "Read with a custom header",
            Self::Authorization => "Read with an Authorization header",
            Self::Redirect => "Read through a cross-origin redirect",
            Self::Bounce => "Read through another site (a redirect via the partner)",
            Self::NoCors => "Read in no-cors mode",
        }
    }

    /// Finds a kind by id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    fn method(self) -> &'static str {
        match self {
            Self::FormPost | Self::TextPost | Self::JsonPost => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            _ => "GET",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::FormPost | Self::TextPost | Self::JsonPost => "/me/transfer",
            Self::Put => "/me/email",
            Self::Delete => "/me/sessions",
            Self::Redirect => "/redirect?to=cross&status=302",
            Self::Bounce => "/__lab/bounce?status=302",
            _ => "/me/balance",
        }
    }

    fn headers(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Self::FormPost => vec![("Content-Type", "application/x-www-form-urlencoded")],
            Self::TextPost => vec![("Content-Type", "text/plain")],
            Self::JsonPost | Self::Put => vec![("Content-Type", "application/json")],
            Self::CustomHeader => vec![("X-Requested-With", "XMLHttpRequest")],
            Self::Authorization => vec![("Authorization", "Bearer lab-demo-token")],
            _ => Vec::new(),
        }
    }

    fn body(self) -> Option<&'static str> {
        match self {
            Self::FormPost | Self::TextPost => Some("to=LAB-6666-0001&amount=250.00&memo=giveaway"),
            Self::JsonPost => Some(r#"{"to":"LAB-6666-0001","amount":"250.00","memo":"giveaway"}"#),
            Self::Put => Some(r#"{"email":"winner@free-crypto-giveaway.localhost"}"#),
            _ => None,
        }
    }
}

impl Jar {
    /// Reads `same_site[.p].set_at_ms`, as [`Jar::to_param`] writes it.
    pub fn from_param(param: &str) -> Option<Self> {
        let mut parts = param.split('.');
        let same_site = same_site_from_id(parts.next()?)?;
        let mut rest: Vec<&str> = parts.collect();
        let set_at_ms = rest.pop()?.parse().ok()?;
        let partitioned = rest.first() == Some(&"p");
        Some(Self { cookie: CookieSettings { same_site, partitioned }, set_at_ms })
    }

    /// The URL form: `lax.1732000000000` or `none.p.1732000000000`.
    pub fn to_param(&self) -> String {
        let partitioned = if self.cookie.partitioned { ".p" } else { "" };
        format!("{}{partitioned}.{}", same_site_id(self.cookie.same_site), self.set_at_ms)
    }

    /// The cookie as the engine's jar entry, `now_ms` being the time of the fetch.
    pub fn entry(&self, now_ms: u64) -> Cookie {
        self.cookie.jar_entry(now_ms.saturating_sub(self.set_at_ms) / 1000)
    }
}

/// The id of a `SameSite` choice in URLs.
pub fn same_site_id(choice: SameSiteChoice) -> &'static str {
    match choice {
        SameSiteChoice::Unset => "unset",
        SameSiteChoice::Lax => "lax",
        SameSiteChoice::Strict => "strict",
        SameSiteChoice::None => "none",
    }
}

/// Reads a `SameSite` choice from its URL id.
pub fn same_site_from_id(id: &str) -> Option<SameSiteChoice> {
    [SameSiteChoice::Unset, SameSiteChoice::Lax, SameSiteChoice::Strict, SameSiteChoice::None]
        .into_iter()
        .find(|c| same_site_id(*c) == id)
}

/// Reads a credentials mode from its URL id.
pub fn credentials_from_id(id: &str) -> Option<CredentialsMode> {
    [CredentialsMode::Include, CredentialsMode::SameOrigin, CredentialsMode::Omit]
        .into_iter()
        .find(|m| m.as_str() == id)
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            from: Position::Sibling,
            kind: Kind::SimpleGet,
            credentials: CredentialsMode::Include,
            policy: PolicyId::ReflectAnyOrigin,
            jar: None,
        }
    }
}

impl Scenario {
    /// Reads a scenario from URL parameters, defaulting what is missing or unknown.
    pub fn from_query(query: &Query, default_from: Position) -> Self {
        let d = Self::default();
        Self {
            from: query.get("from").and_then(Position::from_id).unwrap_or(default_from),
            kind: query.get("kind").and_then(Kind::from_id).unwrap_or(d.kind),
            credentials: query.get("cred").and_then(credentials_from_id).unwrap_or(d.credentials),
            policy: query.get("policy").and_then(PolicyId::from_id).unwrap_or(d.policy),
            jar: query.get("jar").and_then(Jar::from_param),
        }
    }

    /// The parameters a link sets to values the lab does not know (`from=mars`), which
    /// [`Scenario::from_query`] replaced with defaults.
    pub fn unrecognized(query: &Query) -> Vec<String> {
        let known = |key: &str, ok: fn(&str) -> bool| {
            query.get(key).filter(|value| !ok(value)).map(|value| format!("{key}={value}"))
        };
        [
            known("from", |v| Position::from_id(v).is_some()),
            known("kind", |v| Kind::from_id(v).is_some()),
            known("cred", |v| credentials_from_id(v).is_some()),
            known("policy", |v| PolicyId::from_id(v).is_some()),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Writes the scenario into URL parameters.
    pub fn write(&self, query: &mut Query) {
        query.set("from", self.from.id());
        query.set("kind", self.kind.id());
        query.set("cred", self.credentials.as_str());
        query.set("policy", self.policy.id());
        match &self.jar {
            Some(jar) => query.set("jar", &jar.to_param()),
            None => query.remove("jar"),
        }
    }

    /// The `fetch()` call, with `run` grouping its requests in the server's log.
    pub fn call(&self, port: u16, run: &str) -> FetchCall {
        let path = self.kind.path();
        let sep = if path.contains('?') { '&' } else { '?' };
        let host = if self.kind == Kind::Bounce { PARTNER } else { API };
        let url = format!("{}{path}{sep}policy={}&run={run}", origin_on(host, port), self.policy.id());
        let mode = if self.kind == Kind::NoCors { RequestMode::NoCors } else { RequestMode::Cors };
        FetchCall {
            method: self.kind.method(),
            url,
            headers: self.kind.headers(),
            body: self.kind.body(),
            mode,
            credentials: self.credentials,
        }
    }

    /// The page origin `fetch()` runs in.
    pub fn page_origin(&self, port: u16) -> Origin {
        if self.from == Position::NullOrigin {
            return Origin::opaque();
        }
        Origin::parse(&origin_on(self.from.host(), port)).unwrap_or_else(|_| Origin::opaque())
    }

    /// What the engine needs besides the server's answers, for `browser` at time `now_ms`.
    pub fn attempt(&self, call: &FetchCall, browser: Browser, port: u16, now_ms: u64) -> Option<Attempt> {
        let headers: HeaderList = call.headers.iter().filter_map(|(n, v)| Header::new(n, v).ok()).collect();
        let top_level = (self.from == Position::NullOrigin)
            .then(|| Origin::parse(&origin_on(ATTACKER, port)).ok())
            .flatten();
        Some(Attempt {
            browser,
            page: self.page_origin(port),
            top_level,
            settings: Settings::default(),
            request: Request {
                method: Method::new(call.method).ok()?,
                url: call.url.parse().ok()?,
                headers,
                mode: call.mode,
                credentials: call.credentials,
                redirect: RedirectMode::Follow,
            },
            cookies: self.jar.map(|jar| jar.entry(now_ms)).into_iter().collect(),
        })
    }

    /// Whether the session cookie is among `names`.
    pub fn has_session(names: &[String]) -> bool {
        names.iter().any(|n| n == SESSION_COOKIE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for p in Position::ALL {
            assert_eq!(Position::from_id(p.id()), Some(p));
        }
        for k in Kind::ALL {
            assert_eq!(Kind::from_id(k.id()), Some(k));
        }
        assert_eq!(Position::of_host(ATTACKER), Some(Position::CrossSite));
        assert_eq!(Position::of_host("lab.localhost"), None);
    }

    #[test]
    fn a_scenario_survives_its_url() {
        let scenario = Scenario {
            from: Position::DotLookalike,
            kind: Kind::Put,
            credentials: CredentialsMode::Omit,
            policy: PolicyId::UnescapedDot,
            jar: Some(Jar {
                cookie: CookieSettings { same_site: SameSiteChoice::None, partitioned: true },
                set_at_ms: 1_732_000_000_000,
            }),
        };
        let mut query = Query::parse("?story=2");
        scenario.write(&mut query);
        let again = Scenario::from_query(&Query::parse(&query.to_search()), Position::Sibling);
        assert_eq!(again, scenario);
        assert_eq!(query.get("story"), Some("2"));
    }

    #[test]
    fn calls_carry_policy_and_run_and_keep_the_redirect_query() {
        let scenario = Scenario { kind: Kind::Redirect, ..Scenario::default() };
        let call = scenario.call(8080, "r1");
        assert_eq!(
            call.url,
            "http://api.fintrack.localhost:8080/redirect?to=cross&status=302&policy=reflect-any-origin&run=r1"
        );
        let json = Scenario { kind: Kind::JsonPost, ..Scenario::default() }.call(80, "r2");
        assert_eq!(json.method, "POST");
        assert!(json.url.starts_with("http://api.fintrack.localhost/me/transfer?"));
        assert_eq!(json.headers, [("Content-Type", "application/json")]);
        let bounce = Scenario { kind: Kind::Bounce, ..Scenario::default() }.call(8080, "r3");
        assert_eq!(
            bounce.url,
            "http://partner.localhost:8080/__lab/bounce?status=302&policy=reflect-any-origin&run=r3"
        );
    }

    #[test]
    fn the_null_position_runs_in_an_opaque_origin_under_the_giveaway() {
        let scenario = Scenario { from: Position::NullOrigin, ..Scenario::default() };
        let call = scenario.call(8080, "r");
        let attempt = scenario.attempt(&call, Browser::Firefox, 8080, 0).unwrap();
        assert!(attempt.page.is_opaque());
        assert_eq!(attempt.top_level.unwrap().serialize(), "http://free-crypto-giveaway.localhost:8080");
        assert!(attempt.cookies.is_empty());
    }

    #[test]
    fn unknown_values_in_a_link_are_named() {
        let query = Query::parse("?from=mars&kind=get&cred=xx&policy=bogus");
        assert_eq!(Scenario::unrecognized(&query), ["from=mars", "cred=xx", "policy=bogus"]);
        assert!(Scenario::unrecognized(&Query::parse("?from=sibling&policy=null-trusted")).is_empty());
    }

    #[test]
    fn the_jar_ages_with_the_clock() {
        let jar = Jar::from_param("unset.5000").unwrap();
        assert_eq!(jar.cookie.same_site, SameSiteChoice::Unset);
        let cookie = jar.entry(125_000);
        assert_eq!(cookie.age_s, 120);
        assert_eq!(cookie.same_site, None);
        assert!(Jar::from_param("bogus.1").is_none());
        assert!(Jar::from_param("lax").is_none());
    }
}
