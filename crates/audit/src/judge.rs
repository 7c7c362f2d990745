//! Judgement by the engine: what an attacker page at a given origin gets from the answers the
//! audit observed, in Chromium and Firefox, with default cookie settings and with third-party
//! cookies allowed.
//!
//! The engine decides everything: the preflight, the CORS check, local network access and
//! which cookies ride along. This module only turns observed answers into Exchanges and
//! verdicts into a compact judgement.

use corslab_engine::exchange::{
    Answer, Cookie, CredentialsMode, Hop, RedirectMode, Request, RequestMode, SameSite, Settings,
    ThirdPartyCookies,
};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange, Read};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::client::{Received, Trip};

/// What an attacker page gets in one browser under one cookie setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    /// The browser.
    pub browser: Browser,
    /// The third-party cookie setting (`default` or `allowed`).
    pub third_party_cookies: ThirdPartyCookies,
    /// Whether a `fetch` with `credentials: "include"` can read the response.
    pub credentialed_read: Read,
    /// Whether a `fetch` without credentials can read the response.
    pub anonymous_read: Read,
    /// Whether the credentialed request reaches the server (a side effect can happen).
    pub request_sent: bool,
    /// The cookies attached to the credentialed request.
    pub cookies_sent: Vec<String>,
    /// The browser's reason when the credentialed read is blocked.
    pub reason: Option<String>,
    /// Whether a preflight goes out first.
    pub preflight_sent: bool,
    /// The rule of the engine's step that blocked the credentialed read, for the failures a
    /// browser gives no reason name to (mixed content, a refused request).
    #[serde(skip)]
    pub blocked_by: Option<String>,
}

/// The script's side of a judged fetch.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// The attacker page's origin (`null` for a sandboxed iframe).
    pub page: &'a str,
    /// The top-level page around it, when `page` is framed (the attacker's own page around a
    /// sandboxed iframe).
    pub top_level: Option<&'a str>,
    /// The URL fetched.
    pub url: &'a Url,
    /// The method the script uses.
    pub method: &'a str,
    /// The headers the script sets.
    pub headers: &'a [(&'a str, &'a str)],
    /// The preflight answer, when the probe asked one.
    pub preflight: Option<&'a Received>,
    /// The hops of the actual answer (several after redirects).
    pub response: &'a [Trip],
}

impl<'a> Attempt<'a> {
    /// A plain `GET` of `url` from a top-level page at `page`, with no header set and no
    /// preflight, answered by `response`.
    pub fn get(page: &'a str, url: &'a Url, response: &'a [Trip]) -> Self {
        Self { page, top_level: None, url, method: "GET", headers: &[], preflight: None, response }
    }
}

/// Judges an attempt in both browsers, under default settings and with third-party cookies allowed.
///
/// Gives no judgement for a chain the audit stopped following ([`unfollowed_redirect`]): a
/// browser would follow it, and what it reads depends on an answer nobody asked for.
pub fn judge(attempt: &Attempt<'_>, jar: &[Cookie]) -> Vec<Judgement> {
    if unfollowed_redirect(attempt.response).is_some() {
        return Vec::new();
    }
    let Some(base) = exchange(attempt, jar) else { return Vec::new() };
    let mut out = Vec::new();
    for browser in [Browser::Chromium, Browser::Firefox] {
        let anonymous = decide(&with(&base, browser, ThirdPartyCookies::Default, CredentialsMode::Omit));
        for setting in [ThirdPartyCookies::Default, ThirdPartyCookies::Allowed] {
            let ex = with(&base, browser, setting, CredentialsMode::Include);
            let mut judged = decide(&ex);
            judged.anonymous_read = anonymous.credentialed_read;
            out.push(judged);
        }
    }
    out
}

/// The status and `Location` of the redirect a chain ends at, when the audit stopped following
/// (`--redirects 0`): browsers follow it, so the last answer seen is not the one they read.
pub fn unfollowed_redirect(trips: &[Trip]) -> Option<(u16, String)> {
    let answer = answer(&trips.last()?.response);
    // The Location as written, the value the engine's `redirect::location` resolves.
    let location = answer.headers.values("Location").next()?.to_text();
    answer.is_redirect().then_some((answer.status, location))
}

/// Reads cookie attributes the way a `Set-Cookie` header (or `--cookie`) writes them:
/// `name=value; Domain=…; Path=…; SameSite=…; Secure; HttpOnly`. Returns the cookie and its value.
pub fn parse_set_cookie(text: &str, host: &str) -> Option<(Cookie, String)> {
    let mut parts = text.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut cookie = Cookie {
        name: name.to_owned(),
        host: host.to_ascii_lowercase(),
        domain: None,
        path: "/".to_owned(),
        same_site: None,
        secure: false,
        http_only: false,
        partition: None,
        // Old enough that Chromium's two-minute Lax-by-default window no longer applies.
        age_s: 3600,
    };
    for attribute in parts {
        let (key, val) =
            attribute.split_once('=').map_or((attribute.trim(), ""), |(k, v)| (k.trim(), v.trim()));
        match key.to_ascii_lowercase().as_str() {
            "domain" if !val.is_empty() => {
                cookie.domain = Some(val.trim_start_matches('.').to_ascii_lowercase());
            }
            "path" if val.starts_with('/') => cookie.path = val.to_owned(),
            "samesite" => {
                cookie.same_site = match val.to_ascii_lowercase().as_str() {
                    "strict" => Some(SameSite::Strict),
                    "lax" => Some(SameSite::Lax),
                    "none" => Some(SameSite::None),
                    _ => None,
                }
            }
            "secure" => cookie.secure = true,
            "httponly" => cookie.http_only = true,
            _ => {}
        }
    }
    Some((cookie, value.trim().to_owned()))
}

fn exchange(attempt: &Attempt<'_>, jar: &[Cookie]) -> Option<Exchange> {
    let page = Origin::parse(attempt.page).ok()?;
    let top_level = attempt.top_level.and_then(|o| Origin::parse(o).ok());
    let headers: HeaderList = attempt.headers.iter().filter_map(|(n, v)| Header::new(n, v).ok()).collect();
    let (first, rest) = attempt.response.split_first()?;
    Some(Exchange {
        browser: Browser::Chromium,
        page,
        top_level,
        settings: Settings::default(),
        request: Request {
            method: Method::new(attempt.method).ok()?,
            url: attempt.url.clone(),
            headers,
            mode: RequestMode::Cors,
            credentials: CredentialsMode::Include,
            redirect: RedirectMode::Follow,
        },
        cookies: jar.to_vec(),
        preflight: attempt.preflight.map(answer),
        response: answer(&first.response),
        next: hops(rest),
    })
}

fn hops(trips: &[Trip]) -> Option<Box<Hop>> {
    let (first, rest) = trips.split_first()?;
    Some(Box::new(Hop { preflight: None, response: answer(&first.response), next: hops(rest) }))
}

/// An answer as the engine holds it: the headers it can read (a value with a character a
/// header cannot hold is left out).
pub(crate) fn answer(received: &Received) -> Answer {
    Answer {
        status: received.status,
        headers: received.headers.iter().filter_map(|(n, v)| Header::new(n, v).ok()).collect(),
    }
}

fn with(
    base: &Exchange,
    browser: Browser,
    setting: ThirdPartyCookies,
    credentials: CredentialsMode,
) -> Exchange {
    let mut ex = base.clone();
    ex.browser = browser;
    ex.settings.third_party_cookies = setting;
    ex.request.credentials = credentials;
    ex
}

fn decide(ex: &Exchange) -> Judgement {
    let verdict = corslab_engine::explain(ex);
    Judgement {
        browser: ex.browser,
        third_party_cookies: ex.settings.third_party_cookies,
        credentialed_read: verdict.read,
        anonymous_read: verdict.read,
        request_sent: verdict.request_sent,
        cookies_sent: verdict.cookies_sent,
        reason: verdict.reason,
        preflight_sent: verdict.preflight_sent,
        blocked_by: verdict
            .steps
            .iter()
            .rev()
            .find(|step| step.outcome == corslab_engine::verdict::Outcome::Fail)
            .map(|step| step.rule.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(headers: &[(&str, &str)]) -> Received {
        Received { status: 200, headers: headers.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect() }
    }

    fn trip(headers: &[(&str, &str)]) -> Vec<Trip> {
        let request = crate::client::Sent { method: "GET".into(), url: "http://x/".into(), headers: vec![] };
        vec![Trip { request, response: received(headers) }]
    }

    fn jar(specs: &[&str]) -> Vec<Cookie> {
        specs.iter().map(|s| parse_set_cookie(s, "api.fintrack.localhost").unwrap().0).collect()
    }

    fn find(judgements: &[Judgement], browser: Browser, setting: ThirdPartyCookies) -> &Judgement {
        judgements.iter().find(|j| j.browser == browser && j.third_party_cookies == setting).unwrap()
    }

    const URL: &str = "http://api.fintrack.localhost:8080/me/balance";

    #[test]
    fn reflected_origin_with_credentials_sends_cookies_only_same_site_by_default() {
        let url = Url::parse(URL).unwrap();
        let jar = jar(&["session=1; SameSite=None; Secure; HttpOnly", "lax=1; SameSite=Lax", "plain=1"]);
        for (page, same_site) in
            [("http://blog.fintrack.localhost:8080", true), ("http://evil.localhost:8080", false)]
        {
            let response =
                trip(&[("access-control-allow-origin", page), ("access-control-allow-credentials", "true")]);
            let attempt = Attempt::get(page, &url, &response);
            let judged = judge(&attempt, &jar);
            assert_eq!(judged.len(), 4);
            assert!(judged.iter().all(|j| j.credentialed_read == Read::Allowed), "{judged:#?}");
            let chromium_default = find(&judged, Browser::Chromium, ThirdPartyCookies::Default);
            let firefox_allowed = find(&judged, Browser::Firefox, ThirdPartyCookies::Allowed);
            let chromium_allowed = find(&judged, Browser::Chromium, ThirdPartyCookies::Allowed);
            if same_site {
                assert_eq!(chromium_default.cookies_sent, ["session", "lax", "plain"]);
            } else {
                assert!(chromium_default.cookies_sent.is_empty());
                assert_eq!(chromium_allowed.cookies_sent, ["session"]);
                assert_eq!(firefox_allowed.cookies_sent, ["session", "plain"]);
            }
        }
    }

    #[test]
    fn wildcard_blocks_the_credentialed_read_but_not_the_anonymous_one() {
        let url = Url::parse(URL).unwrap();
        let response = trip(&[("access-control-allow-origin", "*")]);
        let attempt = Attempt {
            page: "http://evil.localhost:8080",
            top_level: None,
            url: &url,
            method: "GET",
            headers: &[],
            preflight: None,
            response: &response,
        };
        for j in judge(&attempt, &[]) {
            assert_eq!(j.credentialed_read, Read::Blocked);
            assert_eq!(j.anonymous_read, Read::Allowed);
        }
    }

    #[test]
    fn a_mirrored_preflight_lets_a_credentialed_put_through() {
        let url = Url::parse(URL).unwrap();
        let page = "http://evil.localhost:8080";
        let grant = [("access-control-allow-origin", page), ("access-control-allow-credentials", "true")];
        let mut preflight = received(&grant);
        preflight.headers.push(("access-control-allow-methods".into(), "PUT".into()));
        preflight.headers.push(("access-control-allow-headers".into(), "x-corslab-probe".into()));
        let response = trip(&grant);
        let headers = [("X-Corslab-Probe", "1")];
        let attempt = Attempt {
            page,
            top_level: None,
            url: &url,
            method: "PUT",
            headers: &headers,
            preflight: Some(&preflight),
            response: &response,
        };
        let judged = judge(&attempt, &[]);
        assert!(
            judged.iter().all(|j| j.credentialed_read == Read::Allowed && j.preflight_sent),
            "{judged:#?}"
        );

        let mut starred = received(&grant);
        starred.headers.push(("access-control-allow-methods".into(), "*".into()));
        starred.headers.push(("access-control-allow-headers".into(), "*".into()));
        let attempt = Attempt { preflight: Some(&starred), ..attempt };
        for j in judge(&attempt, &[]) {
            assert_eq!(j.credentialed_read, Read::Blocked, "`*` is literal with credentials");
            assert_eq!(j.anonymous_read, Read::Allowed);
        }
    }

    #[test]
    fn a_null_page_is_judged_as_a_sandboxed_iframe_inside_the_attacker_page() {
        let url = Url::parse("https://api.example.com/me").unwrap();
        let response =
            trip(&[("access-control-allow-origin", "null"), ("access-control-allow-credentials", "true")]);
        let attempt = Attempt {
            page: "null",
            top_level: Some("https://evil.example"),
            url: &url,
            method: "GET",
            headers: &[],
            preflight: None,
            response: &response,
        };
        let jar = vec![parse_set_cookie("session=1; SameSite=None; Secure", "api.example.com").unwrap().0];
        let judged = judge(&attempt, &jar);
        assert!(judged.iter().all(|j| j.credentialed_read == Read::Allowed), "{judged:#?}");
        let base = exchange(&attempt, &jar).unwrap();
        assert!(base.page.is_opaque());
        assert_eq!(base.top_level_origin().serialize(), "https://evil.example");
        // Each judgement is the engine's verdict on that browser and setting, unchanged.
        for j in &judged {
            let ex = with(&base, j.browser, j.third_party_cookies, CredentialsMode::Include);
            assert_eq!(j.cookies_sent, corslab_engine::explain(&ex).cookies_sent, "{j:?}");
        }
    }

    #[test]
    fn set_cookie_attributes_are_read() {
        let (cookie, value) = parse_set_cookie(
            "sid=abc; Domain=.fintrack.localhost; Path=/me; SameSite=Strict; Secure; HttpOnly",
            "api.fintrack.localhost",
        )
        .unwrap();
        assert_eq!(value, "abc");
        assert_eq!(cookie.domain.as_deref(), Some("fintrack.localhost"));
        assert_eq!(cookie.path, "/me");
        assert_eq!(cookie.same_site, Some(SameSite::Strict));
        assert!(cookie.secure && cookie.http_only);
        assert!(parse_set_cookie("no-equals-sign", "h").is_none());
    }

    #[test]
    fn a_chain_cut_at_a_redirect_is_not_judged() {
        // `--redirects 0` leaves the redirect as the last answer; a browser would follow it.
        let url = Url::parse(URL).unwrap();
        let page = "http://evil.localhost:8080";
        let mut response = trip(&[
            ("access-control-allow-origin", page),
            ("access-control-allow-credentials", "true"),
            ("location", "/me/balance/v2"),
        ]);
        response[0].response.status = 302;
        assert_eq!(unfollowed_redirect(&response), Some((302, "/me/balance/v2".to_owned())));
        let attempt = Attempt::get(page, &url, &response);
        assert_eq!(judge(&attempt, &[]), []);
        // A final answer that merely carries a Location is judged as usual.
        let mut answered = response.clone();
        answered[0].response.status = 200;
        assert_eq!(unfollowed_redirect(&answered), None);
        assert_eq!(judge(&Attempt { response: &answered, ..attempt }, &[]).len(), 4);
    }
}
