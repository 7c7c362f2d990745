//! From observed answers to findings: which probe origins were granted, which policy facts
//! (Vary, errors, exposed headers, max-age, local network) are wrong, and how bad each is
//! once the engine has judged it.

use corslab_engine::cors_headers::CorsHeaders;
use corslab_engine::exchange::Cookie;
use corslab_engine::header::{HeaderList, decode};
use corslab_engine::origin::Origin;
use corslab_engine::preflight::{parse_list, parse_max_age};
use corslab_engine::profile::Profile;
use corslab_engine::{Browser, Read};

use crate::client::{Received, Trip};
use crate::finding::{Finding, Severity};
use crate::judge::{Attempt, Judgement, answer, judge, unfollowed_redirect};
use crate::probe::{Class, PROBE_HEADER, PROBE_METHOD, Plan, Probe, ProbeKind, SPECIAL_CHARACTERS, is_local};

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
            .filter_map(|(probe, trips)| granted_origin(obs, class, probe, trips))
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
                    // The fix is the main class's, with what the new evidence adds to it.
                    main.fix = fix(main.class, main.origin.as_deref(), &main.evidence);
                }
                main.other_origins.extend(f.origin);
                main.other_origins.extend(f.other_origins);
            }
        }
    }
    findings
}

/// The finding for one forged origin, when the answer grants it: directly, or at the end of a
/// redirect chain the engine says a page there can read through.
fn granted_origin(obs: &Observations<'_>, class: Class, probe: &Probe, trips: &[Trip]) -> Option<Finding> {
    let origin = probe.origin.as_deref()?;
    if is_trusted(obs, origin) {
        return None;
    }
    let response = last(trips)?;
    // `null` comes from a sandboxed iframe inside the attacker's own page.
    let top_level = (origin == "null").then_some(obs.plan.attacker.as_str());
    let attempt = Attempt { top_level, ..Attempt::get(origin, &obs.plan.target, trips) };
    let browsers = judge(&attempt, obs.jar);
    let jar_known = !obs.jar.is_empty();
    let credentialed = browsers.iter().any(|j| j.credentialed_read == Read::Allowed);
    let tainted = tainted_hop(trips, origin);
    let granted = match tainted {
        // Past a cross-origin redirect the browser sends `null`, and a grant of `null` there
        // is this origin's only when the engine says the whole chain can be read; otherwise it
        // is the `null` probe's finding.
        Some(_) => {
            grants(response, "null")
                && browsers
                    .iter()
                    .any(|j| j.credentialed_read == Read::Allowed || j.anonymous_read == Read::Allowed)
        }
        None => grants(response, origin),
    };
    if !(granted || credentialed) {
        return None;
    }
    let (severity, summary, browsers) = if let Some((status, location)) = unfollowed_redirect(trips) {
        // The audit cut the chain: the grant is real, what a page finally reads is unknown.
        let with_credentials = allows_credentials(response);
        let severity = if with_credentials { Severity::Medium } else { Severity::Low };
        let summary = format!(
            "The server grants {origin}{} on its {status} redirect to {location}, which this audit did not follow (--redirects 0): no browser verdict is given for the chain, since what a page there reads depends on the answer at its end; raise --redirects to have it judged.",
            if with_credentials { " with credentials" } else { "" }
        );
        (severity, summary, Vec::new())
    } else if let Some(c) = unhostable_character(class, origin) {
        // The engine's judgement holds for a page at this origin, but Chromium and Firefox
        // cannot load one, so it is told as what another browser's page would get.
        let severity = read_severity(&browsers, jar_known).min(Severity::Low);
        (severity, unhostable_summary(origin, c, &browsers), Vec::new())
    } else {
        let severity = cap(class, read_severity(&browsers, jar_known));
        let via = tainted.and(trips.last()).map(|t| t.request.url.as_str());
        (severity, read_summary(origin, via, &browsers, jar_known), browsers)
    };
    let mut finding =
        Finding::new(&obs.plan.target, class, severity, Some(origin.to_owned()), summary, trips.to_vec())
            .judged(browsers);
    finding.fix = fix(class, Some(origin), trips);
    Some(finding)
}

fn wildcard(obs: &Observations<'_>) -> Option<Finding> {
    // Only answers to requests with an Origin count: browsers send one on every CORS request,
    // so a `*` given only to requests without one reaches no page.
    let trips = obs
        .results
        .iter()
        .filter(|(p, _)| p.kind == ProbeKind::Get && p.origin.is_some())
        .map(|(_, t)| t.as_slice())
        .find(|trips| last(trips).is_some_and(|r| grants(r, "*")))?;
    let attempt = Attempt::get(&obs.plan.attacker, &obs.plan.target, trips);
    let browsers = judge(&attempt, obs.jar);
    let credentials = last(trips).is_some_and(allows_credentials);
    let severity = if credentials { Severity::Low } else { Severity::Info };
    let mut summary = format!(
        "Any page, {} included, can read what an anonymous visitor gets; browsers never attach cookies to a read under `*`.",
        obs.plan.attacker
    );
    if let Some((status, location)) = unfollowed_redirect(trips) {
        summary = format!(
            "The {status} redirect to {location} answers `*`; this audit did not follow it (--redirects 0), so what a page finally reads is not judged."
        );
    }
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
    let answer_headers = headers(preflight);
    let cors = CorsHeaders::read(&answer_headers);
    let methods = list(&cors.allow_methods);
    let headers = list(&cors.allow_headers);
    let mirrors = methods.iter().any(|m| m == PROBE_METHOD || m == "*")
        && headers.iter().any(|h| h.eq_ignore_ascii_case(PROBE_HEADER) || h == "*");
    if !mirrors {
        return None;
    }
    let origin = probe.origin.as_deref()?;
    let response = followed_get_result(obs, origin).map_or_else(|| trips.clone(), <[Trip]>::to_vec);
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
    let allowed = list(&CorsHeaders::read(&headers(preflight)).allow_headers);
    if !allowed.iter().any(|h| h == "*") || allowed.iter().any(|h| h.eq_ignore_ascii_case("authorization")) {
        return None;
    }
    let origin = probe.origin.as_deref()?;
    let response = followed_get_result(obs, origin).map_or_else(|| trips.clone(), <[Trip]>::to_vec);
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

/// `Vary: Origin` is needed where Access-Control-Allow-Origin depends on the request's Origin
/// (<https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches>): when two origins get
/// different values, or a fixed value is given to CORS requests only and a cache may hand the
/// answer without it to them.
fn vary_origin(obs: &Observations<'_>) -> Option<Finding> {
    // The answers to GETs of the target itself that carried an Origin.
    let answers: Vec<(&str, &Vec<Trip>, &Received)> = obs
        .results
        .iter()
        .filter(|(p, _)| p.kind == ProbeKind::Get && p.url == obs.plan.target)
        .filter_map(|(p, t)| Some((p.origin.as_deref()?, t, last(t)?)))
        .collect();
    let missing = |r: &Received| !CorsHeaders::read(&headers(r)).varies_on_origin();
    let shown =
        |r: &Received| allow_origin(r).map_or_else(|| "none".to_owned(), |value| format!("`{value}`"));
    // The answer a cache must not reuse: one without Vary, preferably one that grants.
    let unvaried = answers
        .iter()
        .filter(|(_, _, r)| missing(r))
        .min_by_key(|(_, _, r)| allow_origin(r).is_none())
        .copied();
    // Another origin's answer with another Access-Control-Allow-Origin.
    let contrast = unvaried.and_then(|(_, _, r)| {
        let differs = |(_, _, other): &&(&str, &Vec<Trip>, &Received)| allow_origin(other) != allow_origin(r);
        let mut others = answers.iter().filter(differs);
        // A named origin reads better than `null` as the example.
        others.clone().find(|(o, _, _)| *o != "null").or_else(|| others.next()).copied()
    });
    // A cache can only hurt when some answer is usable by some origin (two values for one
    // header grant nobody).
    let usable = answers.iter().any(|(origin, _, r)| grants(r, origin) || grants(r, "*"));
    if usable
        && let (Some((origin, trips, response)), Some((other, other_trips, other_response))) =
            (unvaried, contrast)
    {
        let shared_cacheable = shared_cacheable(response);
        let severity = if shared_cacheable { Severity::Medium } else { Severity::Low };
        let evidence = other_trips.iter().chain(trips.iter()).cloned().collect();
        return Some(Finding::new(
            &obs.plan.target,
            Class::VaryOriginMissing,
            severity,
            None,
            format!(
                "Access-Control-Allow-Origin changes with the request's Origin ({origin} gets {}, {other} gets {}) but Vary does not name Origin, so a cache may hand one origin's answer to another: other origins' reads break, or a poisoned entry grants the wrong origin{}.",
                shown(response),
                shown(other_response),
                if shared_cacheable { "; this answer is cacheable by shared caches" } else { "" }
            ),
            evidence,
        ));
    }
    // Every origin gets the same value. That needs no Vary, as long as answers without an
    // Origin (a navigation, a plain `<img>`) carry it too; one that lacks it and that a cache
    // may reuse breaks the next CORS read of the URL.
    let (_, trips, response) = answers.first().copied()?;
    let fixed = allow_origin(response)?;
    let baseline = last(obs.baseline)?;
    let same_for_all = answers.iter().all(|(_, _, r)| allow_origin(r).as_deref() == Some(fixed.as_str()));
    if !same_for_all || allow_origin(baseline).is_some() {
        return None;
    }
    if !missing(baseline) || !reusable(baseline) {
        return None;
    }
    let mut finding = Finding::new(
        &obs.plan.target,
        Class::VaryOriginMissing,
        Severity::Info,
        None,
        format!(
            "Every origin gets Access-Control-Allow-Origin: {fixed}, but the answer to a request without Origin has none and no Vary: Origin, and a cache may reuse it: a CORS read that follows a plain visit of the URL is refused."
        ),
        obs.baseline.iter().chain(trips.iter()).cloned().collect(),
    );
    finding.fix = "Send the fixed Access-Control-Allow-Origin on every answer, requests without Origin included (then no Vary is needed), or add `Vary: Origin`.".to_owned();
    Some(finding)
}

fn error_responses(obs: &Observations<'_>) -> Option<Finding> {
    // One error probe per origin: the attacker's, and a trusted one's when there is one. The
    // worse finding is reported; on a tie, the attacker's.
    let mut found: Vec<Finding> = obs
        .results
        .iter()
        .filter(|(p, _)| p.class == Class::ErrorResponses)
        .filter_map(|(probe, trips)| error_response(obs, probe, trips))
        .collect();
    found.sort_by_key(|f| {
        (std::cmp::Reverse(f.severity), f.origin.as_deref().is_some_and(|o| is_trusted(obs, o)))
    });
    found.into_iter().next()
}

fn error_response(obs: &Observations<'_>, probe: &Probe, error_trips: &[Trip]) -> Option<Finding> {
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
    let trusted = is_trusted(obs, origin);
    if let Some(ok_trips) = ok_trips
        && let Some(ok) = last(ok_trips)
        && (200..300).contains(&ok.status)
        && error.status >= 400
        && allowed(ok) != allowed(error)
        && !trusted
        && allowed(error)
    {
        // An untrusted origin is refused the endpoint but granted its errors: what does a page
        // there read?
        let attempt = Attempt::get(origin, &probe.url, error_trips);
        let browsers = judge(&attempt, obs.jar);
        let credentialed = browsers.iter().any(|j| j.credentialed_read == Read::Allowed);
        let anonymous = browsers.iter().any(|j| j.anonymous_read == Read::Allowed);
        let (severity, read) = if credentialed {
            (Severity::Medium, "a page there reads them with the visitor's credentials")
        } else if anonymous {
            (Severity::Low, "a page there reads them without credentials")
        } else if browsers.is_empty() {
            (Severity::Low, "what a page there reads was not judged")
        } else {
            (Severity::Low, "today's browsers refuse the read, but the policy is wrong")
        };
        let evidence = ok_trips.iter().chain(error_trips).cloned().collect();
        return Some(
            finding(
                severity,
                format!(
                    "Error answers ({}) share themselves with {origin}, which the endpoint itself refuses: {read}, and an error body may carry stack traces, internal names or the data the request was about.",
                    error.status
                ),
                evidence,
            )
            .judged(browsers),
        );
    }
    // The rest compares the policy the team meant for its own clients; the attacker's answers
    // stand in for them only when no origin is trusted.
    if !trusted && !obs.trusted.is_empty() {
        return None;
    }
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
    if get.status >= 400 && allow_origin(get).is_none() {
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
                && list(&CorsHeaders::read(&headers(r)).expose_headers).iter().any(|h| h == "*")
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
    let caps = [Browser::Chromium, Browser::Firefox].map(|b| (b, Profile::of(b).max_age_cap));
    let lowest = caps.iter().map(|(_, cap)| *cap).min().unwrap_or(u64::MAX);
    let (probe, trips, age) =
        obs.results.iter().filter(|(p, _)| matches!(p.kind, ProbeKind::Preflight { .. })).find_map(
            |(p, t)| {
                let headers = headers(last(t)?);
                // Read as the spec reads it: delta-seconds, a malformed value being no age at all.
                let age = parse_max_age(CorsHeaders::read(&headers).max_age.as_deref()?)?;
                (age > lowest).then_some((p, t, age))
            },
        )?;
    let beyond: Vec<(Browser, u64)> = caps.into_iter().filter(|(_, cap)| age > *cap).collect();
    let beyond = match beyond.as_slice() {
        [(browser, cap)] => format!("{}'s cap ({cap} s)", Profile::of(*browser).name()),
        many => {
            let each: Vec<String> =
                many.iter().map(|(b, cap)| format!("{}'s ({cap} s)", Profile::of(*b).name())).collect();
            format!("both {} caps", each.join(" and "))
        }
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
    let headers = headers(response);
    let granted = ["Access-Control-Allow-Private-Network", "Access-Control-Allow-Local-Network"]
        .iter()
        .any(|h| headers.get(h).is_some_and(|v| v.as_bytes() == b"true"));
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

/// The severity of a granted origin from what the engine says a page there gets. A grant that
/// every browser refuses today stays a finding (low): the server means to share, and the
/// refusal rests on a browser rule rather than on the policy.
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
fn cap(class: Class, severity: Severity) -> Severity {
    match class {
        // Needs a network attacker who can answer for the http: origin.
        Class::HttpTrustedByHttps => severity.min(Severity::Medium),
        _ => severity,
    }
}

/// The character of a special-characters origin that Chromium and Firefox refuse in a host
/// name, so that no page in them can have the origin. They accept `_` and `-`; the rest needs
/// a browser that accepts them (historically Safari).
fn unhostable_character(class: Class, origin: &str) -> Option<&'static str> {
    if class != Class::SpecialCharacters {
        return None;
    }
    let (hostable, other) = SPECIAL_CHARACTERS.split_at(2);
    if hostable.iter().any(|c| origin.contains(&format!("{c}."))) {
        return None;
    }
    other.iter().copied().find(|c| origin.contains(&format!("{c}.")))
}

/// What a grant of an origin Chromium and Firefox cannot host means.
fn unhostable_summary(origin: &str, character: &str, browsers: &[Judgement]) -> String {
    let read = if browsers.iter().any(|j| j.credentialed_read == Read::Allowed) {
        "would read this endpoint with credentials"
    } else if browsers.iter().any(|j| j.anonymous_read == Read::Allowed) {
        "would read what an anonymous visitor gets"
    } else {
        "would still be refused the read"
    };
    format!(
        "The server grants {origin}, but Chromium and Firefox refuse `{character}` in a host name, so no page in them can have this origin; only a browser that accepts it (historically Safari) could host one, and a page there {read}."
    )
}

/// What a page at `origin` gets, in words; `via` is the URL past a cross-origin redirect whose
/// grant of `null` the read goes through.
fn read_summary(origin: &str, via: Option<&str>, browsers: &[Judgement], jar_known: bool) -> String {
    let credentialed = browsers.iter().any(|j| j.credentialed_read == Read::Allowed);
    let anonymous = browsers.iter().any(|j| j.anonymous_read == Read::Allowed);
    let mixed_content = || {
        browsers
            .iter()
            .any(|j| j.blocked_by.as_deref() == Some(corslab_engine::rules::MIXED_CONTENT.id))
            .then(|| "mixed content: a page delivered over https may not fetch a plain-http URL".to_owned())
    };
    let reason = browsers
        .iter()
        .find_map(|j| j.reason.clone())
        .or_else(mixed_content)
        .unwrap_or_else(|| "no reason given".to_owned());
    let who = if origin == "null" {
        "A sandboxed iframe on any site (Origin: null)".to_owned()
    } else {
        format!("A page at {origin}")
    };
    let via = via
        .map(|url| {
            format!(
                " through its redirect: the endpoint grants {origin} and redirects to {url}, which the browser asks with Origin: null because the redirect crossed origins, and which grants null"
            )
        })
        .unwrap_or_default();
    if credentialed {
        format!(
            "{who} can read this endpoint with credentials{via}. {}",
            cookie_sentence(browsers, jar_known)
        )
    } else if anonymous {
        format!(
            "{who} can read what an anonymous visitor gets{via}; credentialed reads are blocked ({reason})."
        )
    } else {
        format!(
            "The server grants {origin}, but today's browsers refuse the read ({reason}): the policy is wrong even though this path is closed for now."
        )
    }
}

/// The class's fix, and for a read through a cross-origin redirect, what the redirect's target
/// must stop doing as well.
fn fix(class: Class, origin: Option<&str>, trips: &[Trip]) -> String {
    let mut fix = class.fix();
    if let Some(hop) = origin.and_then(|o| tainted_hop(trips, o))
        && let Ok(url) = url::Url::parse(&hop.request.url)
    {
        fix.push_str(&format!(
            " After a redirect that crosses origins browsers send Origin: null, so {} must not grant null either.",
            url.origin().ascii_serialization()
        ));
    }
    fix
}

/// The first hop asked with another `Origin` than the probe's: `null`, once a redirect has
/// crossed origins.
fn tainted_hop<'a>(trips: &'a [Trip], origin: &str) -> Option<&'a Trip> {
    trips.iter().find(|t| {
        t.request.headers.iter().any(|(name, sent)| name.eq_ignore_ascii_case("origin") && sent != origin)
    })
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

/// The answer to a `GET` of the target with this `Origin`, unless the audit stopped at a
/// redirect (the preflight's answer then stands in for it, as when the `GET` got no answer).
fn followed_get_result<'a>(obs: &'a Observations<'_>, origin: &str) -> Option<&'a [Trip]> {
    get_result(obs, origin).filter(|t| unfollowed_redirect(t).is_none())
}

fn last(trips: &[Trip]) -> Option<&Received> {
    trips.last().map(|t| &t.response)
}

/// An answer's headers as the engine holds them, for [`CorsHeaders::read`] and
/// [`HeaderList::get`]: repeats combined as Fetch combines them.
fn headers(response: &Received) -> HeaderList {
    answer(response).headers
}

/// Access-Control-Allow-Origin as the engine reads it, repeats combined with `, `.
fn allow_origin(response: &Received) -> Option<String> {
    let headers = headers(response);
    CorsHeaders::read(&headers).allow_origin.map(|value| decode(&value).into_owned())
}

/// Whether Access-Control-Allow-Credentials is exactly `true`.
fn allows_credentials(response: &Received) -> bool {
    CorsHeaders::read(&headers(response)).allows_credentials()
}

/// A list header's items as the engine reads them; a list with an item that is no token is
/// no list at all (the preflight fails), so it lists nothing.
fn list(value: &Option<std::borrow::Cow<'_, [u8]>>) -> Vec<String> {
    parse_list(value).map(|items| items.into_iter().map(|i| i.into_owned()).collect()).unwrap_or_default()
}

/// The header's value, repeats combined, lower-cased.
fn lowered(response: &Received, name: &str) -> String {
    lowered_in(&headers(response), name)
}

/// A header's value in a list already read, lower-cased; empty when absent.
fn lowered_in(headers: &HeaderList, name: &str) -> String {
    headers.get(name).map(|v| v.to_text().to_ascii_lowercase()).unwrap_or_default()
}

/// Whether a shared cache (a CDN, a proxy) may store the answer and hand it out again.
fn shared_cacheable(response: &Received) -> bool {
    let cache_control = lowered(response, "Cache-Control");
    !cache_control.contains("no-store")
        && !cache_control.contains("private")
        && (cache_control.contains("public")
            || cache_control.contains("max-age")
            || cache_control.contains("s-maxage"))
}

/// Whether some cache, the browser's own included, may reuse the answer without asking the
/// server again: it is stored and has a freshness lifetime, explicit or heuristic.
fn reusable(response: &Received) -> bool {
    let headers = headers(response);
    let cache_control = lowered_in(&headers, "Cache-Control");
    if cache_control.contains("no-store") || cache_control.contains("no-cache") {
        return false;
    }
    let max_age = cache_control
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .any(|age| age.trim_matches('"').parse::<u64>().is_ok_and(|age| age > 0));
    max_age
        || cache_control.contains("s-maxage")
        || cache_control.contains("public")
        || headers.contains("Expires")
        || headers.contains("Last-Modified")
}

/// Whether the answer grants exactly this origin: Access-Control-Allow-Origin, repeats
/// combined as browsers combine them, is the origin itself.
fn grants(response: &Received, origin: &str) -> bool {
    allow_origin(response).as_deref() == Some(origin)
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
        observe_hops(target, trusted, |probe| {
            let status = if matches!(probe.kind, ProbeKind::Preflight { .. }) { 204 } else { 200 };
            let status = if probe.class == Class::ErrorResponses { 404 } else { status };
            vec![hop(probe, probe.url.as_str(), probe.origin.as_deref(), status, policy(probe))]
        })
    }

    /// Like [`observe`], with every hop of each answer written out (redirects).
    fn observe_hops(target: &str, trusted: &[&str], policy: impl Fn(&Probe) -> Vec<Trip>) -> Vec<Finding> {
        let trusted: Vec<Origin> = trusted.iter().map(|o| Origin::parse(o).unwrap()).collect();
        let plan = Plan::new(&Url::parse(target).unwrap(), &trusted);
        let baseline = policy(&plan.baseline);
        let results: Vec<(Probe, Vec<Trip>)> = plan.probes.iter().map(|p| (p.clone(), policy(p))).collect();
        analyze(&Observations {
            plan: &plan,
            baseline: &baseline,
            results: &results,
            trusted: &trusted,
            jar: &[],
        })
    }

    /// One request, as the client sends it with this `Origin`, and its answer.
    fn hop(
        probe: &Probe,
        url: &str,
        origin: Option<&str>,
        status: u16,
        headers: Vec<(&'static str, String)>,
    ) -> Trip {
        let method = if matches!(probe.kind, ProbeKind::Preflight { .. }) { "OPTIONS" } else { "GET" };
        Trip {
            request: Sent {
                method: method.into(),
                url: url.into(),
                headers: origin.map(|o| ("Origin".to_owned(), o.to_owned())).into_iter().collect(),
            },
            response: Received {
                status,
                headers: headers.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
            },
        }
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

    #[test]
    fn a_fixed_allow_origin_is_no_vary_origin_missing() {
        // Every Origin gets the same trusted origin, so no cache can hand out a wrong answer.
        let trusted = "https://app.example.com";
        for cache_control in [None, Some("public, max-age=300")] {
            let findings = observe("https://api.example.com/me", &[trusted], |probe| {
                let mut h = Vec::new();
                if probe.origin.is_some() {
                    h.push(("access-control-allow-origin", trusted.to_owned()));
                    h.push(("access-control-allow-credentials", "true".to_owned()));
                    h.extend(cache_control.map(|c| ("cache-control", c.to_owned())));
                }
                h
            });
            assert!(!classes(&findings).contains(&Class::VaryOriginMissing), "{findings:#?}");
        }
    }

    #[test]
    fn a_fixed_allow_origin_missing_from_a_reusable_answer_without_origin_is_info() {
        // The answer to a plain visit lacks the fixed value and a cache may reuse it for the
        // next CORS read.
        let trusted = "https://app.example.com";
        let findings = observe("https://api.example.com/me", &[trusted], |probe| match probe.origin {
            Some(_) => vec![("access-control-allow-origin", trusted.to_owned())],
            None => vec![("cache-control", "max-age=600".to_owned())],
        });
        let vary = findings.iter().find(|f| f.class == Class::VaryOriginMissing).expect("vary");
        assert_eq!(vary.severity, Severity::Info);
        assert!(vary.summary.contains("without Origin"), "{}", vary.summary);
    }

    #[test]
    fn vary_origin_missing_names_two_origins_that_get_different_answers() {
        let trusted = "https://app.example.com";
        let findings = observe("https://api.example.com/me", &[trusted], |probe| {
            if probe.origin.as_deref() == Some(trusted) { reflect(probe)[..2].to_vec() } else { vec![] }
        });
        let vary = findings.iter().find(|f| f.class == Class::VaryOriginMissing).expect("vary");
        assert_eq!(vary.severity, Severity::Low);
        assert!(vary.summary.contains(&format!("{trusted} gets `{trusted}`")), "{}", vary.summary);
        assert!(vary.summary.contains("gets none"), "{}", vary.summary);

        // Two values grant nobody, whatever a cache does.
        let findings = observe("https://api.example.com/me", &[trusted], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            vec![("access-control-allow-origin", origin.clone()), ("access-control-allow-origin", origin)]
        });
        assert!(!classes(&findings).contains(&Class::VaryOriginMissing), "{findings:#?}");
    }

    #[test]
    fn a_wildcard_given_only_to_requests_without_origin_is_no_finding() {
        let findings = observe("https://api.example.com/me", &[], |probe| match probe.origin {
            None => vec![("access-control-allow-origin", "*".to_owned())],
            Some(_) => vec![],
        });
        assert_eq!(classes(&findings), []);
    }

    #[test]
    fn error_answers_that_reflect_the_attacker_are_found_when_origins_are_trusted() {
        let trusted = "https://app.example.com";
        let findings = observe("https://api.example.com/me", &[trusted], |probe| {
            let origin = probe.origin.as_deref();
            if probe.class == Class::ErrorResponses || origin == Some(trusted) {
                reflect(probe)
            } else {
                vec![("vary", "Origin".into())]
            }
        });
        let error = findings.iter().find(|f| f.class == Class::ErrorResponses).expect("error-responses");
        assert_eq!(error.origin.as_deref(), Some("https://evil.example"));
        assert_eq!(error.severity, Severity::Medium);
        assert!(error.browsers.iter().all(|j| j.credentialed_read == Read::Allowed), "{error:#?}");
        assert!(error.evidence.last().unwrap().request.url.ends_with("/corslab-audit-missing"));
    }

    #[test]
    fn a_cross_origin_redirect_to_a_reflecting_server_is_reflect_any_origin_not_null_trusted() {
        // The endpoint reflects and redirects to another origin, which reflects what it gets:
        // `null`, since the redirect crossed origins.
        let findings = observe_hops("https://api.example.com/me", &[], |probe| {
            let Some(origin) = probe.origin.as_deref() else { return vec![] };
            let mut first = reflect(probe);
            first.push(("location", "https://other.example/me".into()));
            vec![
                hop(probe, probe.url.as_str(), Some(origin), 302, first),
                hop(
                    probe,
                    "https://other.example/me",
                    Some("null"),
                    200,
                    reflect(&Probe { origin: Some("null".into()), ..probe.clone() }),
                ),
            ]
        });
        assert_eq!(classes(&findings), [Class::ReflectAnyOrigin], "{findings:#?}");
        let reflect = &findings[0];
        assert_eq!(reflect.severity, Severity::High);
        assert!(reflect.other_origins.contains(&"null".to_owned()));
        assert!(reflect.summary.contains("through its redirect"), "{}", reflect.summary);
        assert!(reflect.fix.contains("https://other.example must not grant null"), "{}", reflect.fix);
        assert!(reflect.browsers.iter().all(|j| j.credentialed_read == Read::Allowed));
    }

    #[test]
    fn a_grant_on_a_redirect_the_audit_did_not_follow_is_not_told_as_refused() {
        // `--redirects 0`: the chain ends at the redirect itself.
        let findings = observe_hops("https://api.example.com/me", &[], |probe| {
            let mut h = reflect(probe);
            h.push(("location", "/me/v2".into()));
            vec![hop(probe, probe.url.as_str(), probe.origin.as_deref(), 302, h)]
        });
        assert_eq!(classes(&findings), [Class::ReflectAnyOrigin], "{findings:#?}");
        let reflect = &findings[0];
        assert!(reflect.browsers.is_empty(), "no browser verdict for a cut chain: {reflect:#?}");
        assert_eq!(reflect.severity, Severity::Medium);
        assert!(reflect.summary.contains("did not follow"), "{}", reflect.summary);
        assert!(!reflect.summary.contains("refuse"), "{}", reflect.summary);
    }

    #[test]
    fn an_origin_chromium_and_firefox_cannot_host_is_not_told_as_their_read() {
        let findings = observe("https://api.example.com/me", &[], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            if origin.contains("}.") { reflect(probe) } else { vec![("vary", "Origin".into())] }
        });
        assert_eq!(classes(&findings), [Class::SpecialCharacters]);
        let special = &findings[0];
        assert_eq!(special.severity, Severity::Low);
        assert!(special.browsers.is_empty(), "{special:#?}");
        assert!(special.summary.contains("Chromium and Firefox refuse `}`"), "{}", special.summary);
        assert!(special.summary.contains("historically Safari"), "{}", special.summary);
        assert!(!special.summary.contains("can read"), "{}", special.summary);
    }

    #[test]
    fn max_age_is_read_as_the_engine_reads_it() {
        let with_max_age = |values: &'static [&'static str]| {
            observe("https://api.example.com/me", &["https://app.example.com"], move |probe| {
                let mut h = vec![("vary", "Origin".to_owned())];
                if matches!(probe.kind, ProbeKind::Preflight { .. }) {
                    h.extend(values.iter().map(|v| ("access-control-max-age", (*v).to_owned())));
                }
                h
            })
        };
        let found = with_max_age(&["31536000"]);
        let max_age = found.iter().find(|f| f.class == Class::MaxAgeBeyondCaps).expect("max-age");
        assert!(
            max_age.summary.contains("both Chromium's (7200 s) and Firefox's (86400 s) caps"),
            "{}",
            max_age.summary
        );
        assert!(max_age.fix.contains("at most 7200 s"), "{}", max_age.fix);
        let found = with_max_age(&["10000"]);
        let max_age = found.iter().find(|f| f.class == Class::MaxAgeBeyondCaps).expect("max-age");
        assert!(max_age.summary.contains("beyond Chromium's cap (7200 s)"), "{}", max_age.summary);
        // `+` is no delta-seconds, and a repeated header combines into no number at all.
        for values in [&["+31536000"][..], &["31536000", "31536000"]] {
            let found = with_max_age(values);
            assert!(!classes(&found).contains(&Class::MaxAgeBeyondCaps), "{values:?}: {found:#?}");
        }
    }

    #[test]
    fn preflight_lists_and_repeated_headers_are_read_as_the_engine_reads_them() {
        // A list with an item that is not a token fails the preflight: nothing is mirrored.
        let findings = observe("https://api.example.com/me", &[], |probe| {
            let mut h = reflect(probe);
            if let ProbeKind::Preflight { method, headers, .. } = &probe.kind {
                h.push(("access-control-allow-methods", format!("{method}, GET/")));
                h.push(("access-control-allow-headers", headers.join(",")));
            }
            h
        });
        assert!(!classes(&findings).contains(&Class::MirroredMethodsAndHeaders), "{findings:#?}");
        // Two Allow-Credentials lines combine to `true, true`, which is not `true`.
        let findings = observe("https://api.example.com/me", &[], |_| {
            vec![
                ("access-control-allow-origin", "*".to_owned()),
                ("access-control-allow-credentials", "true".to_owned()),
                ("access-control-allow-credentials", "true".to_owned()),
            ]
        });
        let wildcard = findings.iter().find(|f| f.class == Class::Wildcard).expect("wildcard");
        assert_eq!(wildcard.severity, Severity::Info);
    }

    #[test]
    fn a_read_blocked_by_mixed_content_says_so() {
        // An http API that trusts any https subdomain: browsers refuse the read as mixed content.
        let findings = observe("http://api.example.com:18610/me", &["https://app.example.com"], |probe| {
            let origin = probe.origin.clone().unwrap_or_default();
            if origin.starts_with("https://") && origin.ends_with(".example.com") {
                reflect(probe)
            } else {
                vec![("vary", "Origin".into())]
            }
        });
        let subdomain = findings.iter().find(|f| f.class == Class::AnySubdomain).expect("any-subdomain");
        let granted: Vec<&str> =
            subdomain.origin.iter().chain(&subdomain.other_origins).map(String::as_str).collect();
        assert!(granted.contains(&"https://evil.example.com"), "{granted:?}");
        assert!(subdomain.summary.contains("(mixed content: "), "{}", subdomain.summary);
        assert!(findings.iter().all(|f| !f.summary.contains("no reason given")), "{findings:#?}");
    }
}
