//! From observed answers to findings: which probe origins were granted, which policy facts
//! (Vary, errors, exposed headers, max-age, local network) are wrong, and how bad each is
//! once the engine has judged it.

use corslab_engine::exchange::Cookie;
use corslab_engine::origin::Origin;
use corslab_engine::{Browser, Read};

use crate::client::{Received, Trip, header};
use crate::finding::{Finding, Severity};
use crate::judge::{Attempt, Judgement, judge};
use crate::probe::{Class, PROBE_HEADER, PROBE_METHOD, Plan, Probe, ProbeKind, SPECIAL_CHARACTERS, is_local};

/// Preflight results are cached at most this long by Chromium.
pub const CHROMIUM_MAX_AGE_CAP: u64 = 7200;
/// And by Firefox.
pub const FIREFOX_MAX_AGE_CAP: u64 = 86400;

/// What the audit saw for one target.
#[derive(Debug)]
pub struct Observations<'a> {
    /// The plan that was run.
    pub plan: &'a Plan,
    /// The baseline answer (no `Origin`).
    pub baseline: &'a [Trip],
    /// Every probe that got an answer, with its hops.
    pub results: &'a [(Probe, Vec<Trip>)],
    /// The origins the team trusts.
    pub trusted: &'a [Origin],
    /// The cookies the endpoint sets, as the browser would hold them.
    pub jar: &'a [Cookie],
}

/// The findings for one target, worst first.
pub fn analyze(obs: &Observations<'_>) -> Vec<Finding> {
    let mut findings = granted_origins(obs);
    findings.extend(wildcard(obs));
    findings.extend(mirrored(obs));
    findings.extend(authorization_under_wildcard(obs));
    findings.extend(vary_origin(obs));
    findings.extend(error_responses(obs));
    findings.extend(expose_headers(obs));
    findings.extend(max_age(obs));
    findings.extend(private_network(obs));
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.class.cmp(&b.class)));
    for finding in &mut findings {
        finding.cookies_known = !obs.jar.is_empty();
    }
    findings
}

/// Classes whose grants another class explains: a server that reflects any origin also passes
/// every look-alike, so those are folded into the one finding that names the real bug.
const IMPLIED: &[(Class, &[Class])] = &[
    // Every other forged origin: the rest of ORIGIN_CLASSES.
    (Class::ReflectAnyOrigin, ORIGIN_CLASSES.split_at(1).1),
    (Class::PrefixMatch, &[Class::SpecialCharacters]),
    (Class::SuffixMatch, &[Class::AnySubdomain, Class::UnescapedDot]),
];

/// The classes a forged `Origin` reveals, the broadest first.
const ORIGIN_CLASSES: [Class; 10] = [
    Class::ReflectAnyOrigin,
    Class::NullTrusted,
    Class::PrefixMatch,
    Class::SuffixMatch,
    Class::SubstringMatch,
    Class::UnescapedDot,
    Class::AnySubdomain,
    Class::HttpTrustedByHttps,
    Class::SpecialCharacters,
    Class::ThirdPartyHosts,
];

fn granted_origins(obs: &Observations<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for class in ORIGIN_CLASSES {
        let mut granted: Vec<Finding> = obs
            .results
            .iter()
            .filter(|(p, _)| p.class == class && p.kind == ProbeKind::Get)
            .filter_map(|(probe, trips)| {
                let origin = probe.origin.as_deref()?;
                if is_trusted(obs, origin) || !grants(last(trips)?, origin) {
                    return None;
                }
                // `null` comes from a sandboxed iframe inside the attacker's own page.
                let top_level = (origin == "null").then_some(obs.plan.attacker.as_str());
                let attempt = Attempt {
                    page: origin,
                    top_level,
                    url: &obs.plan.target,
                    method: "GET",
                    headers: &[],
                    preflight: None,
                    response: trips,
                };
                let browsers = judge(&attempt, obs.jar);
                let severity = read_severity(&browsers, !obs.jar.is_empty());
                let severity = cap(class, origin, severity);
                Some(
                    Finding::new(
                        &obs.plan.target,
                        class,
                        severity,
                        Some(origin.to_owned()),
                        read_summary(origin, &browsers, !obs.jar.is_empty()),
                        trips.clone(),
                    )
                    .judged(browsers),
                )
            })
            .collect();
        granted.sort_by_key(|f| std::cmp::Reverse(sharpness(f)));
        let mut granted = granted.into_iter();
        if let Some(mut worst) = granted.next() {
            worst.other_origins = granted.filter_map(|f| f.origin).collect();
            findings.push(worst);
        }
    }
    for (by, implied) in IMPLIED {
        if !findings.iter().any(|f| f.class == *by) {
            continue;
        }
        let (folded, kept): (Vec<Finding>, Vec<Finding>) =
            findings.into_iter().partition(|f| implied.contains(&f.class));
        findings = kept;
        if let Some(main) = findings.iter_mut().find(|f| f.class == *by) {
            for mut f in folded {
                // The sharpest origin leads, whichever probe found it: a reflected origin read
                // with cookies from a sibling subdomain tells more than one read anonymously.
                if sharpness(&f) > sharpness(main) {
                    std::mem::swap(&mut main.origin, &mut f.origin);
                    std::mem::swap(&mut main.summary, &mut f.summary);
                    std::mem::swap(&mut main.browsers, &mut f.browsers);
                    std::mem::swap(&mut main.evidence, &mut f.evidence);
                    main.severity = f.severity;
                }
                main.other_origins.extend(f.origin);
                main.other_origins.extend(f.other_origins);
            }
        }
    }
    findings
}

fn wildcard(obs: &Observations<'_>) -> Option<Finding> {
    let all = std::iter::once(obs.baseline)
        .chain(obs.results.iter().filter(|(p, _)| p.kind == ProbeKind::Get).map(|(_, t)| t.as_slice()));
    let trips = all.into_iter().find(|trips| last(trips).is_some_and(|r| grants(r, "*")))?;
    let attempt = Attempt {
        page: &obs.plan.attacker,
        top_level: None,
        url: &obs.plan.target,
        method: "GET",
        headers: &[],
        preflight: None,
        response: trips,
    };
    let browsers = judge(&attempt, obs.jar);
    let credentials =
        last(trips).and_then(|r| header(&r.headers, "access-control-allow-credentials")) == Some("true");
    let severity = if credentials { Severity::Low } else { Severity::Info };
    let mut summary = format!(
        "Any page, {} included, can read what an anonymous visitor gets; browsers never attach cookies to a read under `*`.",
        obs.plan.attacker
    );
    if credentials {
        summary.push_str(
            " The server also says Access-Control-Allow-Credentials: true, so it wants credentialed reads shared: one step from reflecting origins.",
        );
    }
    Some(
        Finding::new(
            &obs.plan.target,
            Class::Wildcard,
            severity,
            Some(obs.plan.attacker.clone()),
            summary,
            trips.to_vec(),
        )
        .judged(browsers),
    )
}

fn mirrored(obs: &Observations<'_>) -> Option<Finding> {
    let (probe, trips) = result(obs, Class::MirroredMethodsAndHeaders)?;
    let preflight = &trips.first()?.response;
    let methods = list(preflight, "access-control-allow-methods");
    let headers = list(preflight, "access-control-allow-headers");
    let mirrors = methods.iter().any(|m| m == PROBE_METHOD || m == "*")
        && headers.iter().any(|h| h.eq_ignore_ascii_case(PROBE_HEADER) || h == "*");
    if !mirrors {
        return None;
    }
    let origin = probe.origin.as_deref()?;
    let response = get_result(obs, origin).map_or_else(|| trips.clone(), <[Trip]>::to_vec);
    let attempt = Attempt {
        page: origin,
        top_level: None,
        url: &obs.plan.target,
        method: PROBE_METHOD,
        headers: &[("X-Corslab-Probe", "1")],
        preflight: Some(preflight),
        response: &response,
    };
    let browsers = judge(&attempt, obs.jar);
    let sent_with_credentials = browsers.iter().any(|j| j.request_sent);
    let cookies = browsers.iter().any(|j| !j.cookies_sent.is_empty());
    let severity = if sent_with_credentials {
        if cookies || obs.jar.is_empty() { Severity::High } else { Severity::Medium }
    } else if browsers.iter().any(|j| j.anonymous_read == Read::Allowed) {
        Severity::Low
    } else {
        return None;
    };
    let summary = if sent_with_credentials {
        format!(
            "A page at {origin} may send a credentialed {PROBE_METHOD} with any custom header: the preflight echoes what it is asked, so custom-header CSRF defences do not hold. {}",
            cookie_sentence(&browsers, !obs.jar.is_empty())
        )
    } else {
        format!(
            "A page at {origin} may send any method and header without credentials: the preflight answers `*` or echoes the request."
        )
    };
    let mut evidence = vec![trips[0].clone()];
    evidence.extend(response);
    Some(
        Finding::new(
            &obs.plan.target,
            Class::MirroredMethodsAndHeaders,
            severity,
            Some(origin.to_owned()),
            summary,
            evidence,
        )
        .judged(browsers),
    )
}

fn authorization_under_wildcard(obs: &Observations<'_>) -> Option<Finding> {
    let (probe, trips) = result(obs, Class::AuthorizationUnderWildcard)?;
    let preflight = &trips.first()?.response;
    let headers = list(preflight, "access-control-allow-headers");
    if !headers.iter().any(|h| h == "*") || headers.iter().any(|h| h.eq_ignore_ascii_case("authorization")) {
        return None;
    }
    let origin = probe.origin.as_deref()?;
    let response = get_result(obs, origin).map_or_else(|| trips.clone(), <[Trip]>::to_vec);
    let attempt = Attempt {
        page: origin,
        top_level: None,
        url: &obs.plan.target,
        method: "GET",
        headers: &[("Authorization", "Bearer corslab-audit")],
        preflight: Some(preflight),
        response: &response,
    };
    let browsers = judge(&attempt, obs.jar);
    let passes: Vec<String> = [Browser::Chromium, Browser::Firefox]
        .into_iter()
        .filter(|b| browsers.iter().any(|j| j.browser == *b && j.anonymous_read == Read::Allowed))
        .map(|b| b.to_string())
        .collect();
    let severity = if passes.is_empty() { Severity::Info } else { Severity::Low };
    let summary = if passes.is_empty() {
        "Access-Control-Allow-Headers is `*`, which never covers Authorization: clients sending a bearer token are refused.".to_owned()
    } else {
        format!(
            "Access-Control-Allow-Headers is `*` and the spec says it never covers Authorization, yet {} let it through today: whatever works now relies on behaviour browsers are removing.",
            passes.join(" and ")
        )
    };
    let mut evidence = vec![trips[0].clone()];
    evidence.extend(response);
    Some(
        Finding::new(
            &obs.plan.target,
            Class::AuthorizationUnderWildcard,
            severity,
            Some(origin.to_owned()),
            summary,
            evidence,
        )
        .judged(browsers),
    )
}

fn vary_origin(obs: &Observations<'_>) -> Option<Finding> {
    let gets = || {
        obs.results.iter().filter(|(p, _)| {
            p.kind == ProbeKind::Get && p.url == obs.plan.target && p.class != Class::ErrorResponses
        })
    };
    // The answer depends on Origin when some origin is echoed back.
    let (probe, trips) = gets().find(|(p, t)| {
        let origin = p.origin.as_deref().unwrap_or_default();
        last(t).is_some_and(|r| grants(r, origin))
    })?;
    let missing = |r: &Received| {
        let vary = list(r, "vary");
        !vary.iter().any(|v| v.eq_ignore_ascii_case("origin") || v == "*")
    };
    let response = last(trips)?;
    let (trips, response) = if missing(response) {
        (trips, response)
    } else {
        // The echoing answer varies; an answer to another origin might not.
        let (_, t) = gets().find(|(_, t)| last(t).is_some_and(missing))?;
        (t, last(t)?)
    };
    let cache_control = header(&response.headers, "cache-control").unwrap_or_default().to_ascii_lowercase();
    let shared_cacheable = !cache_control.contains("no-store")
        && !cache_control.contains("private")
        && (cache_control.contains("public")
            || cache_control.contains("max-age")
            || cache_control.contains("s-maxage"));
    let severity = if shared_cacheable { Severity::Medium } else { Severity::Low };
    let echoed = probe.origin.clone().unwrap_or_default();
    Some(Finding::new(
        &obs.plan.target,
        Class::VaryOriginMissing,
        severity,
        None,
        format!(
            "Access-Control-Allow-Origin changes with the request's Origin (it echoed {echoed}) but Vary does not name Origin, so a cache may hand one origin's answer to another: other origins' reads break, or a poisoned entry grants the wrong origin{}.",
            if shared_cacheable { "; this answer is cacheable by shared caches" } else { "" }
        ),
        trips.clone(),
    ))
}

fn error_responses(obs: &Observations<'_>) -> Option<Finding> {
    let (probe, error_trips) = result(obs, Class::ErrorResponses)?;
    let origin = probe.origin.as_deref()?;
    let error = last(error_trips)?;
    let ok_trips = get_result(obs, origin);
    let allowed = |r: &Received| grants(r, origin) || grants(r, "*");
    let finding = |severity, summary: String, evidence: Vec<Trip>| {
        Finding::new(
            &obs.plan.target,
            Class::ErrorResponses,
            severity,
            Some(origin.to_owned()),
            summary,
            evidence,
        )
    };
    if let Some(ok_trips) = ok_trips
        && let Some(ok) = last(ok_trips)
        && (200..300).contains(&ok.status)
        && error.status >= 400
        && allowed(ok) != allowed(error)
    {
        let evidence = ok_trips.iter().chain(error_trips).cloned().collect();
        return Some(if allowed(error) {
            finding(
                Severity::Low,
                format!(
                    "Error answers ({}) share themselves with {origin} while successful ones do not: error bodies (stack traces, internal names) are readable cross-origin.",
                    error.status
                ),
                evidence,
            )
        } else {
            finding(
                Severity::Info,
                format!(
                    "Successful answers carry CORS headers for {origin} but error answers ({}) carry none: clients cannot read error bodies, and audits that only see errors miss the real policy.",
                    error.status
                ),
                evidence,
            )
        });
    }
    // The actual answer is an error without CORS headers while a successful preflight grants
    // the same origin: the policy is applied to successes only.
    let get_trips = get_result(obs, origin)?;
    let get = last(get_trips)?;
    let (_, pf) = obs.results.iter().find(|(p, t)| {
        matches!(p.kind, ProbeKind::Preflight { .. })
            && p.origin.as_deref() == Some(origin)
            && last(t).is_some_and(|r| (200..300).contains(&r.status) && grants(r, origin))
    })?;
    if get.status >= 400 && acao(get).is_none() {
        let evidence = pf.iter().chain(get_trips).cloned().collect();
        return Some(finding(
            Severity::Info,
            format!(
                "The preflight grants {origin} but the {} answer to the request itself has no CORS headers: the policy applies to successful answers only, so clients cannot read errors, and a signed-in visitor's answer is shared although this audit's was not. Audit with --cookie or --header to see it.",
                get.status
            ),
            evidence,
        ));
    }
    None
}

fn expose_headers(obs: &Observations<'_>) -> Option<Finding> {
    let (probe, trips) = obs.results.iter().filter(|(p, _)| p.kind == ProbeKind::Get).find(|(p, t)| {
        last(t).is_some_and(|r| {
            let origin = p.origin.as_deref().unwrap_or_default();
            (grants(r, origin) || grants(r, "*"))
                && list(r, "access-control-expose-headers").iter().any(|h| h == "*")
        })
    })?;
    let origin = probe.origin.clone().unwrap_or_default();
    let response = last(trips)?;
    let anonymous = grants(response, "*") || !is_trusted(obs, &origin);
    Some(Finding::new(
        &obs.plan.target,
        Class::ExposeHeadersWildcard,
        if anonymous { Severity::Low } else { Severity::Info },
        Some(origin.clone()),
        format!(
            "Access-Control-Expose-Headers is `*`: without credentials every response header (tokens, internal hosts, versions) is readable by {origin}; with credentials `*` is just a header name and exposes nothing, so clients that need a header break."
        ),
        trips.clone(),
    ))
}

fn max_age(obs: &Observations<'_>) -> Option<Finding> {
    let (probe, trips, age) =
        obs.results.iter().filter(|(p, _)| matches!(p.kind, ProbeKind::Preflight { .. })).find_map(
            |(p, t)| {
                let age: u64 = header(&last(t)?.headers, "access-control-max-age")?.trim().parse().ok()?;
                (age > CHROMIUM_MAX_AGE_CAP).then_some((p, t, age))
            },
        )?;
    let beyond = if age > FIREFOX_MAX_AGE_CAP {
        "both Chromium's (7200 s) and Firefox's (86400 s) caps"
    } else {
        "Chromium's cap (7200 s)"
    };
    Some(Finding::new(
        &obs.plan.target,
        Class::MaxAgeBeyondCaps,
        Severity::Info,
        probe.origin.clone(),
        format!(
            "Access-Control-Max-Age is {age} s, beyond {beyond}: browsers silently cut it, and any cache that honours it keeps a granted preflight long after the policy is tightened."
        ),
        trips.clone(),
    ))
}

fn private_network(obs: &Observations<'_>) -> Option<Finding> {
    let (probe, trips) = result(obs, Class::PrivateNetworkAccess)?;
    let response = last(trips)?;
    let origin = probe.origin.as_deref()?;
    let granted = ["access-control-allow-private-network", "access-control-allow-local-network"]
        .iter()
        .any(|h| header(&response.headers, h) == Some("true"));
    if !granted || !(grants(response, origin) || grants(response, "*")) {
        return None;
    }
    let host = obs.plan.target.host_str().unwrap_or_default();
    let local = is_local(host)
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| match ip {
            std::net::IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
            std::net::IpAddr::V6(v6) => v6.is_unique_local() || v6.is_unicast_link_local(),
        });
    Some(Finding::new(
        &obs.plan.target,
        Class::PrivateNetworkAccess,
        if local { Severity::Medium } else { Severity::Low },
        Some(origin.to_owned()),
        format!(
            "The service grants local network access to {origin}, a public page: Local Network Access exists so that websites cannot reach services on the visitor's machine or network, and this answer waves any site through."
        ),
        trips.clone(),
    ))
}

/// The severity of a granted origin from what the engine says a page there gets. A grant that
/// every browser refuses today stays a finding (low): the server means to share, and the
/// refusal rests on a browser rule rather than on the policy.
/// How sharp a granted origin's story is: its severity, then whether its read carries cookies
/// under default settings (a same-site attacker).
fn sharpness(f: &Finding) -> (Severity, bool) {
    let by_default = f.browsers.iter().any(|j| {
        j.third_party_cookies == corslab_engine::exchange::ThirdPartyCookies::Default
            && j.credentialed_read == Read::Allowed
            && !j.cookies_sent.is_empty()
    });
    (f.severity, by_default)
}

fn read_severity(browsers: &[Judgement], jar_known: bool) -> Severity {
    let credentialed = browsers.iter().any(|j| j.credentialed_read == Read::Allowed);
    let anonymous = browsers.iter().any(|j| j.anonymous_read == Read::Allowed);
    let cookies = browsers.iter().any(|j| j.credentialed_read == Read::Allowed && !j.cookies_sent.is_empty());
    match (credentialed, anonymous) {
        (true, _) if cookies || !jar_known => Severity::High,
        (true, _) => Severity::Medium,
        (false, _) => Severity::Low,
    }
}

/// Lowers the severity where the attacker's origin is hard to come by.
fn cap(class: Class, origin: &str, severity: Severity) -> Severity {
    match class {
        // Needs a network attacker who can answer for the http: origin.
        Class::HttpTrustedByHttps => severity.min(Severity::Medium),
        // Chromium and Firefox accept `_` and `-` in host names; the rest needs a browser that
        // accepts them (historically Safari) or a server-side decoder.
        Class::SpecialCharacters => {
            let realistic = SPECIAL_CHARACTERS[..2].iter().any(|c| origin.contains(&format!("{c}.")));
            if realistic { severity } else { severity.min(Severity::Low) }
        }
        _ => severity,
    }
}

fn read_summary(origin: &str, browsers: &[Judgement], jar_known: bool) -> String {
    let credentialed = browsers.iter().any(|j| j.credentialed_read == Read::Allowed);
    let anonymous = browsers.iter().any(|j| j.anonymous_read == Read::Allowed);
    let reason =
        browsers.iter().find_map(|j| j.reason.clone()).unwrap_or_else(|| "no reason given".to_owned());
    let who = if origin == "null" {
        "A sandboxed iframe on any site (Origin: null)".to_owned()
    } else {
        format!("A page at {origin}")
    };
    if credentialed {
        format!("{who} can read this endpoint with credentials. {}", cookie_sentence(browsers, jar_known))
    } else if anonymous {
        format!("{who} can read what an anonymous visitor gets; credentialed reads are blocked ({reason}).")
    } else {
        format!(
            "The server grants {origin}, but today's browsers refuse the read ({reason}): the policy is wrong even though this path is closed for now."
        )
    }
}

/// Which cookies ride along, per browser and setting.
fn cookie_sentence(browsers: &[Judgement], jar_known: bool) -> String {
    if !jar_known {
        return "No cookie of this endpoint is known: pass --cookie 'name=value; SameSite=…; Secure' to see which ride along; until then assume the visitor's session does.".to_owned();
    }
    let per_browser: Vec<String> = [Browser::Chromium, Browser::Firefox]
        .into_iter()
        .map(|browser| {
            let cookies = |setting| {
                browsers
                    .iter()
                    .find(|j| j.browser == browser && j.third_party_cookies == setting)
                    .map(|j| {
                        if j.cookies_sent.is_empty() {
                            "no cookies".to_owned()
                        } else {
                            j.cookies_sent.join(", ")
                        }
                    })
                    .unwrap_or_default()
            };
            let name = match browser {
                Browser::Firefox => "Firefox",
                _ => "Chromium",
            };
            format!(
                "{name} sends {} by default and {} with third-party cookies allowed",
                cookies(corslab_engine::exchange::ThirdPartyCookies::Default),
                cookies(corslab_engine::exchange::ThirdPartyCookies::Allowed)
            )
        })
        .collect();
    format!("{}.", per_browser.join("; "))
}

fn is_trusted(obs: &Observations<'_>, origin: &str) -> bool {
    obs.trusted.iter().any(|t| t.serialize() == origin)
        || Origin::parse(origin).is_ok_and(|o| o.same_origin(&Origin::of(&obs.plan.target)))
}

fn result<'a>(obs: &'a Observations<'_>, class: Class) -> Option<(&'a Probe, &'a Vec<Trip>)> {
    obs.results.iter().find(|(p, _)| p.class == class).map(|(p, t)| (p, t))
}

/// The answer to a `GET` of the target itself with this `Origin`.
fn get_result<'a>(obs: &'a Observations<'_>, origin: &str) -> Option<&'a [Trip]> {
    obs.results
        .iter()
        .find(|(p, _)| {
            p.kind == ProbeKind::Get && p.url == obs.plan.target && p.origin.as_deref() == Some(origin)
        })
        .map(|(_, t)| t.as_slice())
}

fn last(trips: &[Trip]) -> Option<&Received> {
    trips.last().map(|t| &t.response)
}

fn acao(response: &Received) -> Option<&str> {
    header(&response.headers, "access-control-allow-origin")
}

/// Whether the answer names exactly this origin, once, in Access-Control-Allow-Origin.
fn grants(response: &Received, origin: &str) -> bool {
    let mut values =
        response.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("access-control-allow-origin"));
    matches!((values.next(), values.next()), (Some((_, v)), None) if v == origin)
}

fn list(response: &Received, name: &str) -> Vec<String> {
    response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(',').map(|p| p.trim().to_owned()))
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Sent;
    use url::Url;

    /// Answers every probe the way a policy function would, without a network.
    fn observe(
        target: &str,
        trusted: &[&str],
        policy: impl Fn(&Probe) -> Vec<(&'static str, String)>,
    ) -> Vec<Finding> {
        let trusted: Vec<Origin> = trusted.iter().map(|o| Origin::parse(o).unwrap()).collect();
        let plan = Plan::new(&Url::parse(target).unwrap(), &trusted);
        let answer = |probe: &Probe| {
            let headers = policy(probe).into_iter().map(|(n, v)| (n.to_owned(), v)).collect();
            let status = if matches!(probe.kind, ProbeKind::Preflight { .. }) { 204 } else { 200 };
            let status = if probe.class == Class::ErrorResponses { 404 } else { status };
            vec![Trip {
                request: Sent { method: "GET".into(), url: probe.url.to_string(), headers: vec![] },
                response: Received { status, headers },
            }]
        };
        let baseline = answer(&plan.baseline);
        let results: Vec<(Probe, Vec<Trip>)> = plan.probes.iter().map(|p| (p.clone(), answer(p))).collect();
        analyze(&Observations {
            plan: &plan,
            baseline: &baseline,
            results: &results,
            trusted: &trusted,
            jar: &[],
        })
    }

    fn classes(findings: &[Finding]) -> Vec<Class> {
        findings.iter().map(|f| f.class).collect()
    }

    fn reflect(probe: &Probe) -> Vec<(&'static str, String)> {
        let origin = probe.origin.clone().unwrap_or_default();
        vec![
            ("access-control-allow-origin", origin),
            ("access-control-allow-credentials", "true".into()),
            ("vary", "Origin".into()),
        ]
    }

    #[test]
    fn reflection_is_one_high_finding_that_names_the_lookalikes_it_implies() {
        let findings = observe("https://api.example.com/me", &[], reflect);
        assert_eq!(classes(&findings), [Class::ReflectAnyOrigin]);
        assert_eq!(findings[0].severity, Severity::High);
        assert!(findings[0].other_origins.contains(&"null".to_owned()));
        assert_eq!(findings[0].browsers.len(), 4);
    }

    #[test]
    fn an_exact_allowlist_gives_nothing() {
        let trusted = "https://app.example.com";
        let findings = observe("https://api.example.com/me", &[trusted], |probe| {
            let mut headers = vec![("vary", "Origin".to_owned())];
            if probe.origin.as_deref() == Some(trusted) {
                headers.extend(reflect(probe).into_iter().take(2));
            }
            headers
        });
        assert_eq!(classes(&findings), []);
    }

    #[test]
    fn a_prefix_matcher_is_a_prefix_match_not_a_special_character_one() {
        let findings = observe("https://api.example.com/me", &["https://app.example.com"], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            if origin.starts_with("https://app.example.com") {
                reflect(probe)
            } else {
                vec![("vary", "Origin".into())]
            }
        });
        assert_eq!(classes(&findings), [Class::PrefixMatch]);
        assert!(findings[0].other_origins.iter().any(|o| o.contains("_.")));
    }

    #[test]
    fn wildcard_with_credentials_is_low_and_without_is_info() {
        for (credentials, severity) in [(true, Severity::Low), (false, Severity::Info)] {
            let findings = observe("https://api.example.com/me", &[], |_| {
                let mut h = vec![("access-control-allow-origin", "*".to_owned())];
                if credentials {
                    h.push(("access-control-allow-credentials", "true".into()));
                }
                h
            });
            assert_eq!(classes(&findings), [Class::Wildcard]);
            assert_eq!(findings[0].severity, severity);
        }
    }

    #[test]
    fn a_repeated_wildcard_grants_nothing() {
        // Two `*` lines combine to `*, *`, which no browser accepts.
        let findings = observe("https://api.example.com/me", &[], |_| {
            vec![
                ("access-control-allow-origin", "*".to_owned()),
                ("access-control-allow-origin", "*".to_owned()),
            ]
        });
        assert!(!classes(&findings).contains(&Class::Wildcard), "{findings:#?}");
    }

    #[test]
    fn policy_facts_are_found_even_for_trusted_origins() {
        let trusted = "https://app.example.com";
        let findings = observe("https://api.example.com/me", &[trusted], |probe| {
            if probe.origin.as_deref() != Some(trusted) {
                return vec![];
            }
            let mut h = reflect(probe);
            h.retain(|(n, _)| *n != "vary");
            h.push(("access-control-expose-headers", "*".into()));
            h.push(("access-control-max-age", "31536000".into()));
            if probe.class == Class::ErrorResponses {
                return vec![];
            }
            h
        });
        let found = classes(&findings);
        for class in [
            Class::VaryOriginMissing,
            Class::ExposeHeadersWildcard,
            Class::MaxAgeBeyondCaps,
            Class::ErrorResponses,
        ] {
            assert!(found.contains(&class), "{class} missing from {found:?}");
        }
        assert!(!found.contains(&Class::ReflectAnyOrigin));
    }

    #[test]
    fn mirrored_preflights_are_high_and_authorization_star_is_reported() {
        let findings = observe("https://api.example.com/me", &[], |probe| {
            let mut h = reflect(probe);
            if let ProbeKind::Preflight { method, headers, .. } = &probe.kind {
                h.push(("access-control-allow-methods", method.clone()));
                h.push((
                    "access-control-allow-headers",
                    if headers.iter().any(|x| x == "authorization") { "*".into() } else { headers.join(",") },
                ));
            }
            h
        });
        let mirrored =
            findings.iter().find(|f| f.class == Class::MirroredMethodsAndHeaders).expect("mirrored");
        assert_eq!(mirrored.severity, Severity::High);
        assert!(findings.iter().any(|f| f.class == Class::AuthorizationUnderWildcard));
    }

    #[test]
    fn hard_to_own_origins_are_capped() {
        // Plain http trusted by an https API needs a network attacker: at most medium.
        let findings = observe("https://api.example.com/me", &[], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            if origin.starts_with("http://") { reflect(probe) } else { vec![("vary", "Origin".into())] }
        });
        assert_eq!(classes(&findings), [Class::HttpTrustedByHttps]);
        assert_eq!(findings[0].severity, Severity::Medium);

        // A lenient parser that stops at `}` (but not at `_`) is only reachable from browsers
        // that accept such host names: low.
        let findings = observe("https://api.example.com/me", &[], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            if origin.contains("}.") { reflect(probe) } else { vec![("vary", "Origin".into())] }
        });
        assert_eq!(classes(&findings), [Class::SpecialCharacters]);
        assert_eq!(findings[0].severity, Severity::Low);

        // With `_` the same bug is high: Chromium and Firefox accept the name.
        let findings = observe("https://api.example.com/me", &[], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            if origin.contains("_.") { reflect(probe) } else { vec![] }
        });
        assert_eq!(findings[0].severity, Severity::High);
    }

    #[test]
    fn third_party_hosting_is_its_own_class() {
        let findings = observe("https://api.example.com/me", &[], |probe| {
            if probe.origin.as_deref() == Some("https://codepen.io") {
                reflect(probe)
            } else {
                vec![("vary", "Origin".into())]
            }
        });
        assert_eq!(classes(&findings), [Class::ThirdPartyHosts]);
        assert_eq!(findings[0].origin.as_deref(), Some("https://codepen.io"));
    }

    #[test]
    fn local_network_access_granted_to_a_public_page_is_medium_on_loopback() {
        let findings = observe("http://printer.localhost:9100/", &[], |probe| match &probe.kind {
            ProbeKind::Preflight { private_network: true, .. } => vec![
                ("access-control-allow-origin", probe.origin.clone().unwrap_or_default()),
                ("access-control-allow-private-network", "true".into()),
            ],
            _ => vec![],
        });
        assert_eq!(classes(&findings), [Class::PrivateNetworkAccess]);
        assert_eq!(findings[0].severity, Severity::Medium);
    }
}
