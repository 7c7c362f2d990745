//! What an attacker gets under each policy, computed by the engine: for every position an
//! attacker (or a legitimate client) can fetch from, the Exchange is built from the policy's
//! real answer and the session cookie's attributes, then [`corslab_engine::explain`] decides.
//! Nothing here is hand-written, so the catalog cannot drift from the verifier.

use corslab_engine::exchange::{
    Answer, CredentialsMode, RedirectMode, Request, RequestMode, Settings, ThirdPartyCookies,
};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange, Read, Verdict};
use serde::{Deserialize, Serialize};

use crate::cookie::{CookieSettings, SESSION_COOKIE};
use crate::hosts::{
    API, ATTACKER, DASHBOARD, DOT_LOOKALIKE, PARTNER, PREFIX_LOOKALIKE, Ports, SIBLING, SUFFIX_LOOKALIKE,
    origin_on,
};
use crate::observe::answer;
use crate::policy::{Ask, PolicyId};

/// Where a fetch to the API comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    /// The victim's own dashboard (legitimate, same-site).
    Dashboard,
    /// The trusted partner (legitimate, cross-site).
    Partner,
    /// The compromised blog: same-site, cross-origin.
    Sibling,
    /// The giveaway page: cross-site.
    Attacker,
    /// A sandboxed iframe on the giveaway page: `Origin: null`.
    Sandboxed,
    /// `fintrack.localhost.free-crypto-giveaway.localhost`.
    PrefixLookalike,
    /// `evilfintrack.localhost`.
    SuffixLookalike,
    /// `wwwxfintrack.localhost`.
    DotLookalike,
    /// The dashboard's host on the lab's second port: same host, other port, other origin.
    OtherPort,
}

/// One browser configuration an outcome is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The browser.
    pub browser: Browser,
    /// Its third-party cookie setting.
    pub third_party_cookies: ThirdPartyCookies,
}

/// What a script at one position gets from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gets {
    /// It reads the signed-in customer's data.
    AccountData,
    /// It reads a response, but the session cookie was not sent: the API answered "not signed in".
    AnonymousResponse,
    /// It reads nothing: the browser blocked the read.
    Nothing,
}

/// The outcome of a credentialed `GET /me/balance` (a read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOutcome {
    /// What the script gets.
    pub gets: Gets,
    /// Whether the session cookie went with the request.
    pub with_session: bool,
    /// The engine's reason when the read is blocked.
    pub reason: Option<String>,
}

/// The outcome of a credentialed `PUT /me/email` with a JSON body (a preflighted write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// Whether the preflight went out.
    pub preflight_sent: bool,
    /// Whether the PUT itself reached the server.
    pub request_sent: bool,
    /// Whether it carried the session cookie: together with `request_sent`, the email changed.
    pub with_session: bool,
    /// The engine's reason when blocked.
    pub reason: Option<String>,
}

/// One row of a policy's outcome table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Where the script runs.
    pub position: Position,
    /// Its origin (`null` for the sandboxed iframe).
    pub origin: String,
    /// The browser configuration.
    pub setting: Setting,
    /// The read.
    pub read: ReadOutcome,
    /// The write.
    pub write: WriteOutcome,
}

impl Position {
    /// Every position, legitimate ones first.
    pub const ALL: [Self; 9] = [
        Self::Dashboard,
        Self::Partner,
        Self::Sibling,
        Self::Attacker,
        Self::Sandboxed,
        Self::PrefixLookalike,
        Self::SuffixLookalike,
        Self::DotLookalike,
        Self::OtherPort,
    ];

    /// Whether the API is meant to serve this position.
    pub fn legitimate(self) -> bool {
        matches!(self, Self::Dashboard | Self::Partner)
    }

    /// The serialized origin of the page at this position (`null` for the sandboxed iframe);
    /// `None` for the other-port position when the lab has no second port.
    pub fn origin(self, ports: &Ports) -> Option<String> {
        let host = match self {
            Self::Dashboard => DASHBOARD,
            Self::Partner => PARTNER,
            Self::Sibling => SIBLING,
            Self::Attacker => ATTACKER,
            Self::Sandboxed => return Some("null".to_owned()),
            Self::PrefixLookalike => PREFIX_LOOKALIKE,
            Self::SuffixLookalike => SUFFIX_LOOKALIKE,
            Self::DotLookalike => DOT_LOOKALIKE,
            Self::OtherPort => return ports.second_origin(DASHBOARD),
        };
        Some(ports.origin(host))
    }

    /// The origin of the top-level page when it differs from the fetching page.
    pub fn top_level(self, ports: &Ports) -> Option<String> {
        (self == Self::Sandboxed).then(|| ports.origin(ATTACKER))
    }
}

impl Setting {
    /// The four configurations the catalog reports: each browser with its defaults and with
    /// third-party cookies allowed.
    pub const ALL: [Self; 4] = [
        Self { browser: Browser::Chromium, third_party_cookies: ThirdPartyCookies::Default },
        Self { browser: Browser::Chromium, third_party_cookies: ThirdPartyCookies::Allowed },
        Self { browser: Browser::Firefox, third_party_cookies: ThirdPartyCookies::Default },
        Self { browser: Browser::Firefox, third_party_cookies: ThirdPartyCookies::Allowed },
    ];
}

/// Every outcome of `policy`: each position the lab has, in each [`Setting`], with the session
/// cookie set as `cookie` says ten minutes ago.
pub fn outcomes(policy: PolicyId, ports: &Ports, cookie: &CookieSettings) -> Result<Vec<Outcome>, String> {
    let mut out = Vec::new();
    for position in Position::ALL {
        let Some(origin) = position.origin(ports) else { continue };
        for setting in Setting::ALL {
            let attempt = Attempt { policy, ports, cookie, position, origin: &origin, setting };
            out.push(Outcome {
                position,
                origin: origin.clone(),
                setting,
                read: attempt.read()?,
                write: attempt.write()?,
            });
        }
    }
    Ok(out)
}

/// The API URL the outcomes fetch.
pub fn api_url(ports: &Ports, path: &str) -> String {
    format!("{}{path}", origin_on(API, ports.main))
}

/// One position's fetches under one policy and setting.
struct Attempt<'a> {
    policy: PolicyId,
    ports: &'a Ports,
    cookie: &'a CookieSettings,
    position: Position,
    origin: &'a str,
    setting: Setting,
}

impl Attempt<'_> {
    /// The read with credentials; when the browser blocks that, an attacker still tries
    /// without them (what `*` allows), so the outcome is the better of the two.
    fn read(&self) -> Result<ReadOutcome, String> {
        let verdict = self.decide("GET", "/me/balance", &[], None, CredentialsMode::Include)?;
        let with_session = has_session(&verdict);
        let gets = match (verdict.read, with_session) {
            (Read::Allowed, true) => Gets::AccountData,
            (Read::Allowed, false) => Gets::AnonymousResponse,
            _ => Gets::Nothing,
        };
        if gets == Gets::Nothing {
            let omitted = self.decide("GET", "/me/balance", &[], None, CredentialsMode::Omit)?;
            if omitted.read == Read::Allowed {
                return Ok(ReadOutcome {
                    gets: Gets::AnonymousResponse,
                    with_session: false,
                    reason: verdict.reason,
                });
            }
        }
        Ok(ReadOutcome { gets, with_session, reason: verdict.reason })
    }

    fn write(&self) -> Result<WriteOutcome, String> {
        let preflight = Ask {
            origin: Some(self.origin),
            request_method: Some("PUT"),
            request_headers: Some("content-type"),
            status: 0,
        };
        let preflight =
            policy_answer(self.policy.preflight_status(), &self.policy.headers(self.ports, &preflight))?;
        let verdict = self.decide(
            "PUT",
            "/me/email",
            &[("Content-Type", "application/json")],
            Some(preflight),
            CredentialsMode::Include,
        )?;
        Ok(WriteOutcome {
            preflight_sent: verdict.preflight_sent,
            request_sent: verdict.request_sent,
            with_session: verdict.request_sent && has_session(&verdict),
            reason: verdict.reason,
        })
    }

    /// Asks the engine, answering as the API would: 200 when the session cookie is sent, 401
    /// when it is not (which matters to policies that treat errors differently).
    fn decide(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        preflight: Option<Answer>,
        credentials: CredentialsMode,
    ) -> Result<Verdict, String> {
        let mut exchange = self.exchange(method, path, headers, preflight, 200, credentials)?;
        let first = corslab_engine::explain(&exchange);
        if has_session(&first) {
            return Ok(first);
        }
        exchange.response = self.response(401)?;
        Ok(corslab_engine::explain(&exchange))
    }

    fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        preflight: Option<Answer>,
        status: u16,
        credentials: CredentialsMode,
    ) -> Result<Exchange, String> {
        let problem = |e: String| format!("outcome exchange for {:?}: {e}", self.position);
        let parse_origin = |origin: &str| Origin::parse(origin).map_err(|e| problem(e.to_string()));
        let headers = headers
            .iter()
            .map(|(name, value)| Header::new(name, value).map_err(|e| problem(e.to_string())))
            .collect::<Result<HeaderList, String>>()?;
        Ok(Exchange {
            browser: self.setting.browser,
            page: parse_origin(self.origin)?,
            top_level: self.position.top_level(self.ports).as_deref().map(parse_origin).transpose()?,
            settings: Settings {
                third_party_cookies: self.setting.third_party_cookies,
                ..Settings::default()
            },
            request: Request {
                method: Method::new(method).map_err(|e| problem(e.to_string()))?,
                url: api_url(self.ports, path)
                    .parse()
                    .map_err(|e: url::ParseError| problem(e.to_string()))?,
                headers,
                mode: RequestMode::Cors,
                credentials,
                redirect: RedirectMode::Follow,
            },
            // Set by the dashboard ten minutes ago: outside Chromium's two-minute Lax window.
            cookies: vec![self.cookie.jar_entry(600)],
            preflight,
            response: self.response(status).map_err(problem)?,
            next: None,
        })
    }

    /// The API's answer with `status` to this position's origin.
    fn response(&self, status: u16) -> Result<Answer, String> {
        let ask = Ask { origin: Some(self.origin), status, ..Ask::default() };
        let mut response = self.policy.headers(self.ports, &ask);
        response.push(("Content-Type", "application/json".to_owned()));
        response.push(("X-Request-Id", "outcome".to_owned()));
        policy_answer(status, &response)
    }
}

fn policy_answer(status: u16, headers: &[(&'static str, String)]) -> Result<Answer, String> {
    answer(status, headers.iter().map(|(n, v)| (*n, v.as_str())))
}

fn has_session(verdict: &Verdict) -> bool {
    verdict.cookies_sent.iter().any(|c| c == SESSION_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTS: Ports = Ports::two(8080, 8081);

    fn read(policy: PolicyId, position: Position) -> Gets {
        let all = outcomes(policy, &PORTS, &CookieSettings::default()).unwrap();
        let row = all.iter().find(|o| o.position == position && o.setting == Setting::ALL[0]).unwrap();
        row.read.gets
    }

    // These pin what the CORS check alone decides; the cookie columns follow the engine as it grows.

    #[test]
    fn every_policy_position_and_setting_gets_an_outcome() {
        for policy in PolicyId::ALL {
            let all = outcomes(policy, &PORTS, &CookieSettings::default()).unwrap();
            assert_eq!(all.len(), Position::ALL.len() * Setting::ALL.len(), "{policy}");
        }
        let without_second =
            outcomes(PolicyId::None, &Ports::main(8080), &CookieSettings::default()).unwrap();
        assert!(without_second.iter().all(|o| o.position != Position::OtherPort));
    }

    #[test]
    fn no_cors_headers_block_every_cross_origin_read() {
        for position in Position::ALL {
            assert_eq!(read(PolicyId::None, position), Gets::Nothing, "{position:?}");
        }
    }

    #[test]
    fn reflection_lets_the_attacker_read() {
        assert_ne!(read(PolicyId::ReflectAnyOrigin, Position::Attacker), Gets::Nothing);
        assert_ne!(read(PolicyId::ReflectAnyOrigin, Position::Sibling), Gets::Nothing);
    }

    #[test]
    fn a_wildcard_gives_everyone_the_anonymous_answer_and_never_the_account() {
        for policy in [PolicyId::Wildcard, PolicyId::WildcardWithCredentials] {
            for position in Position::ALL {
                assert_eq!(read(policy, position), Gets::AnonymousResponse, "{policy} from {position:?}");
            }
        }
    }

    #[test]
    fn the_compromised_sibling_reads_the_account_where_subdomains_are_trusted() {
        // Same-site: the session cookie goes along in every browser's default settings.
        for policy in [PolicyId::ReflectAnyOrigin, PolicyId::AnySubdomain, PolicyId::SuffixMatch] {
            assert_eq!(read(policy, Position::Sibling), Gets::AccountData, "{policy}");
        }
    }

    #[test]
    fn the_strict_allowlist_serves_exactly_the_legitimate_positions() {
        for position in Position::ALL {
            let blocked = read(PolicyId::StrictAllowlist, position) == Gets::Nothing;
            assert_eq!(blocked, !position.legitimate(), "{position:?}");
        }
    }

    #[test]
    fn each_lookalike_reads_under_the_matcher_it_fools() {
        assert_ne!(read(PolicyId::PrefixMatch, Position::PrefixLookalike), Gets::Nothing);
        assert_ne!(read(PolicyId::SuffixMatch, Position::SuffixLookalike), Gets::Nothing);
        assert_ne!(read(PolicyId::UnescapedDot, Position::DotLookalike), Gets::Nothing);
        assert_ne!(read(PolicyId::AnySubdomain, Position::Sibling), Gets::Nothing);
        assert_ne!(read(PolicyId::NullTrusted, Position::Sandboxed), Gets::Nothing);
        assert_eq!(read(PolicyId::PrefixMatch, Position::Attacker), Gets::Nothing);
    }
}
