//! Judgement by the engine: what an attacker page at a given origin gets from the answers the
//! audit observed, in Chromium and Firefox, with default cookie settings and with third-party
//! cookies allowed.
//!
//! The engine decides every read. Two parts of the engine are still landing (cookie attachment
//! and preflights); until a verdict carries steps for them, the small models here fill in, and
//! each judgement says which one decided (`cookies_by`, `preflight_by`).

use corslab_engine::cors_check::{CorsRequest, cors_check};
use corslab_engine::exchange::{
    Answer, Cookie, CredentialsMode, Hop, LocalNetworkAccess, RedirectMode, Request, RequestMode, SameSite,
    Settings, ThirdPartyCookies,
};
use corslab_engine::header::{Header, HeaderList, get_decode_split_value};
use corslab_engine::local_network::{AddressSpace, address_space};
use corslab_engine::method::Method;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Exchange, Read, Verdict};
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
    /// Who decided the cookies: `engine`, or `audit` while the engine has no cookie rules.
    pub cookies_by: Decider,
    /// Who decided the preflight: `engine`, `audit`, or `none` when none is needed.
    pub preflight_by: Decider,
}

/// Which code made a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decider {
    /// `corslab_engine::explain`.
    Engine,
    /// The audit's stand-in model, used while the engine lacks the rule.
    Audit,
    /// Nothing needed deciding.
    None,
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

/// Judges an attempt in both browsers, under default settings and with third-party cookies allowed.
pub fn judge(attempt: &Attempt<'_>, jar: &[Cookie]) -> Vec<Judgement> {
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
    let mut settings = Settings::default();
    // The engine counts an opaque page as public, since an Exchange does not say where its
    // document lives. A sandboxed iframe lives in its parent's address space, so when that
    // parent is at least as private as the target no permission is involved; "granted" gives
    // the engine the same outcome.
    if page.is_opaque()
        && let Some(parent) = &top_level
        && space_of_origin(parent) >= address_space(attempt.url.host().as_ref())
    {
        settings.local_network_access = LocalNetworkAccess::Granted;
    }
    Some(Exchange {
        browser: Browser::Chromium,
        page,
        top_level,
        settings,
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

fn space_of_origin(origin: &Origin) -> AddressSpace {
    let host = origin.host().map(|host| match host {
        url::Host::Domain(d) => url::Host::Domain(d.as_str()),
        url::Host::Ipv4(ip) => url::Host::Ipv4(*ip),
        url::Host::Ipv6(ip) => url::Host::Ipv6(*ip),
    });
    address_space(host.as_ref())
}

fn hops(trips: &[Trip]) -> Option<Box<Hop>> {
    let (first, rest) = trips.split_first()?;
    Some(Box::new(Hop { preflight: None, response: answer(&first.response), next: hops(rest) }))
}

fn answer(received: &Received) -> Answer {
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
    let engine_preflights = verdict.preflight_sent || has_rule(&verdict, "preflight");
    let needs_preflight = needs_preflight(ex);
    let (mut read, mut reason, mut request_sent, preflight_by) = (
        verdict.read,
        verdict.reason.clone(),
        verdict.request_sent,
        if engine_preflights {
            Decider::Engine
        } else if needs_preflight {
            Decider::Audit
        } else {
            Decider::None
        },
    );
    if preflight_by == Decider::Audit {
        match ex.preflight.as_ref().map(|p| preflight_passes(ex, p)) {
            Some(Ok(())) => {}
            Some(Err(why)) => {
                (read, reason, request_sent) = (Read::Blocked, Some(why.to_owned()), false);
            }
            // No preflight answer observed: the audit cannot say the request gets through.
            None => {
                (read, reason, request_sent) = (Read::Blocked, Some("PreflightUnknown".to_owned()), false);
            }
        }
    }
    let engine_cookies = has_rule(&verdict, "cookie");
    let cookies_sent = match (request_sent, engine_cookies) {
        (false, _) => Vec::new(),
        (true, true) => verdict.cookies_sent.clone(),
        (true, false) => cookies_attached(ex),
    };
    Judgement {
        browser: ex.browser,
        third_party_cookies: ex.settings.third_party_cookies,
        credentialed_read: read,
        anonymous_read: read,
        request_sent,
        cookies_sent,
        reason,
        preflight_sent: engine_preflights && verdict.preflight_sent || preflight_by == Decider::Audit,
        cookies_by: if engine_cookies { Decider::Engine } else { Decider::Audit },
        preflight_by,
    }
}

fn has_rule(verdict: &Verdict, prefix: &str) -> bool {
    verdict.steps.iter().any(|s| s.rule.starts_with(prefix))
}

/// Whether the request needs a preflight: a non-safelisted method or a script header outside
/// the safelist. Stand-in for the engine's rule while it lands; errs toward "needed" on
/// safelisted names with unusual values, which the probes never send.
///
/// <https://fetch.spec.whatwg.org/#cors-safelisted-request-header>
fn needs_preflight(ex: &Exchange) -> bool {
    const SAFELISTED: [&str; 5] = ["accept", "accept-language", "content-language", "content-type", "range"];
    !ex.request.method.normalize().is_cors_safelisted()
        || ex.request.headers.iter().any(|h| !SAFELISTED.contains(&h.name.to_lowercase().as_str()))
}

/// The audit's stand-in for the preflight check, following the browsers' measured behaviour
/// (`shared/browsers.md`): ok status, the CORS check with the request's credentials mode, then
/// the method and each header listed, or `*` when no credentials are included.
///
/// <https://fetch.spec.whatwg.org/#cors-preflight-fetch-0>
fn preflight_passes(ex: &Exchange, preflight: &Answer) -> Result<(), &'static str> {
    let include = ex.request.credentials == CredentialsMode::Include;
    if !preflight.is_ok() {
        return Err("PreflightInvalidStatus");
    }
    let request = CorsRequest { serialized_origin: ex.page.serialize(), credentials: ex.request.credentials };
    cors_check(request, &preflight.headers).map_err(|_| "PreflightAllowOriginMismatch")?;
    let list = |name: &str| {
        preflight.headers.get(name).map(|v| get_decode_split_value(&v.to_text())).unwrap_or_default()
    };
    let methods = list("Access-Control-Allow-Methods");
    let method = ex.request.method.normalize();
    let method_ok = method.is_cors_safelisted()
        || methods.iter().any(|m| m == method.as_str())
        || (!include && methods.iter().any(|m| m == "*"));
    if !method_ok {
        return Err("MethodDisallowedByPreflightResponse");
    }
    let allowed = list("Access-Control-Allow-Headers");
    for header in ex.request.headers.iter() {
        let name = header.name.to_lowercase();
        let listed = allowed.iter().any(|a| a.eq_ignore_ascii_case(&name));
        let starred = !include && allowed.iter().any(|a| a == "*");
        if !listed && !starred {
            return Err("HeaderDisallowedByPreflightResponse");
        }
    }
    Ok(())
}

/// The audit's stand-in for cookie attachment on a credentialed cross-origin `fetch`, from the
/// defaults measured in Chromium 156 and Firefox ESR 153 (`shared/browsers.md`).
fn cookies_attached(ex: &Exchange) -> Vec<String> {
    let Some(host) = ex.request.url.host_str().map(str::to_ascii_lowercase) else { return Vec::new() };
    let target = Origin::of(&ex.request.url);
    let secure_context = ex.request.url.scheme() == "https" || crate::probe::is_local(&host);
    // A sandboxed iframe sends no cookies at all, even under a same-site parent.
    if ex.page.is_opaque() {
        return Vec::new();
    }
    let same_site =
        ex.top_level_origin().site().same_site(&target.site()) && ex.page.site().same_site(&target.site());
    ex.cookies
        .iter()
        .filter(|c| match &c.domain {
            None => c.host == host,
            Some(domain) => host == *domain || host.ends_with(&format!(".{domain}")),
        })
        .filter(|c| ex.request.url.path().starts_with(&c.path))
        .filter(|c| !c.secure || secure_context)
        .filter(|c| {
            if same_site {
                return true;
            }
            let third_party_allowed = ex.settings.third_party_cookies == ThirdPartyCookies::Allowed;
            match (c.same_site, ex.browser) {
                _ if !third_party_allowed => false,
                (Some(SameSite::None), _) => c.secure,
                // Firefox has no Lax-by-default; Chromium treats a missing attribute as Lax.
                (None, Browser::Firefox) => true,
                _ => false,
            }
        })
        .map(|c| c.name.clone())
        .collect()
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
            let attempt = Attempt {
                page,
                top_level: None,
                url: &url,
                method: "GET",
                headers: &[],
                preflight: None,
                response: &response,
            };
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
    fn a_null_page_is_judged_as_a_sandboxed_iframe_and_the_engine_decides_cookies() {
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
        for j in &judged {
            if j.cookies_by == Decider::Audit {
                assert!(
                    j.cookies_sent.is_empty(),
                    "the stand-in model sends nothing from a sandboxed iframe"
                );
            }
        }
        let base = exchange(&attempt, &jar).unwrap();
        let allowed = with(&base, Browser::Firefox, ThirdPartyCookies::Allowed, CredentialsMode::Include);
        assert!(cookies_attached(&allowed).is_empty());
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
}
