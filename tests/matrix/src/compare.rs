//! The engine against the browser: the Exchange for a scenario as it was really answered, and
//! the field-by-field comparison of the engine's Verdict with what was observed.

use corslab_engine::exchange::RequestMode;
use corslab_engine::fetch_metadata::Relation;
use corslab_engine::{Browser, Exchange, PreflightCache, Read, Verdict};
use corslab_lab::Ports;
use corslab_lab::observe::{Observed, pair};
use corslab_lab::scripted::Scripted;
use corslab_lab::seen::Seen;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::observe::Observation;
use crate::report::Outcome;
use crate::scenario::{Declared, Fetch, Scenario};

/// A compared field of the Verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Whether the script could read the response (`allowed`, `blocked`, `opaque`).
    Read,
    /// Whether a preflight reached the server.
    PreflightSent,
    /// Whether the actual request reached the server.
    RequestSent,
    /// Which cookies the actual request carried.
    CookiesSent,
    /// The browser's name for the failure.
    Reason,
    /// The value the browser names as the one at fault, where its tooling reports one
    /// (Chromium's `failedParameter`, the value of Firefox's reason).
    FailedParameter,
    /// The response header names the script could read.
    ExposedHeaders,
    /// The console lines about the fetch.
    Console,
    /// Every request that reached the server, in order: method, URL, `Origin` header, cookies.
    Sent,
    /// Every request the fetches before the observed one sent, the same way.
    BeforeSent,
}

/// One field, as the engine predicted it and as the browser did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The field.
    pub field: Field,
    /// The engine's value, as text.
    pub engine: String,
    /// The browser's value, as text.
    pub browser: String,
}

impl Field {
    /// Every compared field, in report order.
    pub const ALL: [Self; 10] = [
        Self::Read,
        Self::PreflightSent,
        Self::RequestSent,
        Self::CookiesSent,
        Self::Reason,
        Self::FailedParameter,
        Self::ExposedHeaders,
        Self::Console,
        Self::Sent,
        Self::BeforeSent,
    ];

    /// The field's name as in the Verdict (`preflight_sent`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::PreflightSent => "preflight_sent",
            Self::RequestSent => "request_sent",
            Self::CookiesSent => "cookies_sent",
            Self::Reason => "reason",
            Self::FailedParameter => "failed_parameter",
            Self::ExposedHeaders => "exposed_headers",
            Self::Console => "console",
            Self::Sent => "sent",
            Self::BeforeSent => "before_sent",
        }
    }

    /// Whether the engine must agree on this field in every scenario: what reached the server
    /// (down to each request's `Origin` header and cookies) and what the script could read are the
    /// engine's promise; no known difference may excuse them.
    pub fn required(self) -> bool {
        matches!(
            self,
            Self::Read
                | Self::PreflightSent
                | Self::RequestSent
                | Self::CookiesSent
                | Self::Sent
                | Self::BeforeSent
        )
    }
}

impl Check {
    /// Whether the engine and the browser agree.
    pub fn agrees(&self) -> bool {
        self.engine == self.browser
    }
}

/// The Exchange the engine is asked about: the scenario's request from its page, the jar the
/// browser held, and the server's answers as the log recorded them. Where the log holds no
/// answer (the browser never sent that request), the answer the scenario declares fills in, so
/// the engine can still be asked what it would do.
pub fn exchange(
    scenario: &Scenario,
    browser: Browser,
    ports: &Ports,
    run: &str,
    observation: &Observation,
) -> Result<Exchange, String> {
    let observed = pair(&observation.server).into_iter().next();
    exchange_of(scenario, Which::Observed, browser, ports, run, observation, observed.as_ref())
}

/// Which of a scenario's fetches an Exchange is for.
#[derive(Clone, Copy)]
enum Which<'a> {
    /// The observed one, from the scenario's own position.
    Observed,
    /// One of the fetches before, from where they run.
    Before(&'a Fetch),
}

fn exchange_of(
    scenario: &Scenario,
    which: Which<'_>,
    browser: Browser,
    ports: &Ports,
    run: &str,
    observation: &Observation,
    observed: Option<&Observed>,
) -> Result<Exchange, String> {
    let (position, fetch) = match which {
        Which::Observed => (scenario.setup.position, &scenario.fetch),
        Which::Before(fetch) => (scenario.before_from.unwrap_or(scenario.setup.position), fetch),
    };
    let mut value = json!({
        "browser": browser,
        "page": position.page_origin(ports),
        "settings": { "third_party_cookies": scenario.setup.third_party.engine() },
        "request": {
            "method": fetch.method,
            "url": scenario.url(ports, run),
            "headers": fetch.headers,
            "mode": fetch.mode,
            "credentials": fetch.credentials,
            "redirect": fetch.redirect,
        },
        "cookies": observation.jar,
    });
    if position.framed() {
        value["top_level"] = json!(position.top_origin(ports));
    }
    answers(&mut value, observed, &scenario.declared(ports, fetch));
    serde_json::from_value(value).map_err(|e| format!("{}: not an Exchange: {e}", scenario.id))
}

/// The engine's Verdict on the observed fetch: after the fetches `before` it, if any, with the
/// preflight cache they leave. The fetches before are put at one instant and the observed one
/// `pause_s` later: each batch runs within a second, well inside every lifetime that matters.
/// Also returns the Verdicts of the fetches before, answered as the scenario declares.
fn verdict(
    scenario: &Scenario,
    browser: Browser,
    ports: &Ports,
    run: &str,
    observation: &Observation,
) -> Result<(Exchange, Verdict, Vec<Verdict>), String> {
    let exchange = exchange(scenario, browser, ports, run, observation)?;
    let mut cache = PreflightCache::new();
    let mut before = Vec::with_capacity(scenario.before.len());
    for fetch in &scenario.before {
        let first = exchange_of(scenario, Which::Before(fetch), browser, ports, run, observation, None)?;
        before.push(corslab_engine::explain_with(&first, &mut cache, 0));
    }
    let verdict = corslab_engine::explain_with(&exchange, &mut cache, scenario.pause_s);
    Ok((exchange, verdict, before))
}

/// Compares the engine's Verdict (and those of the fetches before) with what was observed,
/// field by field; `ports` tells which requests came over https.
pub fn compare(
    verdict: &Verdict,
    before: &[Verdict],
    observation: &Observation,
    ports: &Ports,
) -> Vec<Check> {
    // The fetch is the first group the log pairs into; any other group (a request no redirect
    // leads to) is still something that reached the server, so `sent` lists it too.
    let groups = pair(&observation.server);
    let observed = groups.first().cloned().unwrap_or_default();
    let page = &observation.page;
    let read = match (page.ok, page.response_type.as_deref()) {
        (false, _) => Read::Blocked,
        (true, Some("opaque" | "opaqueredirect")) => Read::Opaque,
        (true, _) => Read::Allowed,
    };
    // A fetch still waiting when the page gave up on it is told apart from one that failed.
    let pending = page.error.as_deref() == Some(GIVEN_UP);
    let mut cookies = observed.request.as_ref().map(|r| r.cookies.clone()).unwrap_or_default();
    let mut exposed = page.headers.clone();
    let mut engine_exposed = verdict.exposed_headers.clone();
    let console = if observation.said.console.is_empty() {
        // A TypeError thrown by fetch() itself prints nothing when the page catches it; its
        // message is the browser's words. A network error's message is generic, so it is not,
        // and a fetch the page gave up on waiting said nothing at all.
        page.error.clone().filter(|e| !is_network_error(e) && e != GIVEN_UP).into_iter().collect()
    } else {
        observation.said.console.clone()
    };
    vec![
        check(Field::Read, read_word(verdict.read, verdict.pending), read_word(read, pending)),
        check(Field::PreflightSent, yes_no(verdict.preflight_sent), yes_no(observed.preflight.is_some())),
        check(Field::RequestSent, yes_no(verdict.request_sent), yes_no(observed.request.is_some())),
        check(Field::CookiesSent, list(&mut verdict.cookies_sent.clone()), list(&mut cookies)),
        check(
            Field::Reason,
            verdict.reason.clone().unwrap_or_else(none),
            observation.said.reason.clone().unwrap_or_else(none),
        ),
        // Compared where the browser's tooling reports a value. It reports none for some values
        // the message itself names, which the contract's failed_parameter still gives (the `*`
        // of a wildcard refused with credentials, the method of a TypeError), and none for an
        // empty value.
        match &observation.said.failed_parameter {
            Some(said) => check(
                Field::FailedParameter,
                verdict.failed_parameter.clone().unwrap_or_else(none),
                said.clone(),
            ),
            None => check(Field::FailedParameter, none(), none()),
        },
        check(Field::ExposedHeaders, list(&mut engine_exposed), list(&mut exposed)),
        check(
            Field::Console,
            verdict.console.clone().unwrap_or_else(none),
            if console.is_empty() { none() } else { console.join("\n") },
        ),
        check(Field::Sent, engine_sent(verdict), server_saw(&groups, ports)),
        check(
            Field::BeforeSent,
            lines_or_none(
                &before.iter().map(engine_sent).filter(|lines| *lines != none()).collect::<Vec<_>>(),
            ),
            server_saw(&pair(&observation.before_server), ports),
        ),
    ]
}

fn lines_or_none(lines: &[String]) -> String {
    if lines.is_empty() { none() } else { lines.join("\n") }
}

/// The requests the engine says go out, one line each, as [`server_saw`] writes them.
fn engine_sent(verdict: &Verdict) -> String {
    let lines: Vec<String> = verdict
        .sent
        .iter()
        .map(|s| {
            let asks =
                (s.access_control_request_method.as_deref(), s.access_control_request_headers.as_deref());
            let metadata =
                (s.sec_fetch_site.map(Relation::as_str), s.sec_fetch_mode.map(RequestMode::as_str));
            wire_line(&s.method, &s.url, s.origin.as_deref(), &s.cookies, asks, metadata)
        })
        .collect();
    lines_or_none(&lines)
}

/// Every request the server logged for the fetch, group by group, each in the order it arrived:
/// a request the engine did not predict, even one that repeats another exactly, disagrees.
fn server_saw(groups: &[Observed], ports: &Ports) -> String {
    let line = |seen: &Seen| {
        let scheme = if ports.https == Some(seen.port) { "https" } else { "http" };
        let url = format!("{scheme}://{}:{}{}", seen.host, seen.port, seen.target);
        let asks = (
            seen.request_header("access-control-request-method"),
            seen.request_header("access-control-request-headers"),
        );
        let metadata = (seen.request_header("sec-fetch-site"), seen.request_header("sec-fetch-mode"));
        wire_line(&seen.method, &url, seen.request_header("origin"), &seen.cookies, asks, metadata)
    };
    let lines: Vec<String> = groups.iter().flat_map(Observed::arrived).map(line).collect();
    lines_or_none(&lines)
}

/// One request as text: method, URL, `Origin`, cookies, its Fetch Metadata (`Sec-Fetch-Site`
/// and `Sec-Fetch-Mode`), and what a preflight asks about.
fn wire_line(
    method: &str,
    url: &str,
    origin: Option<&str>,
    cookies: &[String],
    (asks_method, asks_headers): (Option<&str>, Option<&str>),
    (site, mode): (Option<&str>, Option<&str>),
) -> String {
    let mut cookies = cookies.to_vec();
    let mut line = format!(
        "{method} {url} · Origin: {} · cookies: {} · sec-fetch: {} {}",
        origin.unwrap_or("(none)"),
        list(&mut cookies),
        site.unwrap_or("(none)"),
        mode.unwrap_or("(none)")
    );
    if let Some(asks) = asks_method {
        line.push_str(&format!(" · asks: {asks} {}", asks_headers.unwrap_or("(no headers)")));
    }
    line
}

/// The outcome of one scenario in one browser: the engine asked about the Exchange as it was
/// really answered, and its Verdict compared with what was observed.
pub fn outcome(
    scenario: &Scenario,
    browser: Browser,
    ports: &Ports,
    run: &str,
    observation: Observation,
) -> Outcome {
    match verdict(scenario, browser, ports, run, &observation) {
        Ok((exchange, verdict, before)) => Outcome {
            scenario: scenario.id.clone(),
            run: run.to_owned(),
            checks: compare(&verdict, &before, &observation, ports),
            error: None,
            exchange: serde_json::to_value(&exchange).ok(),
            observation,
        },
        Err(error) => Outcome {
            scenario: scenario.id.clone(),
            run: run.to_owned(),
            checks: Vec::new(),
            error: Some(error),
            exchange: None,
            observation,
        },
    }
}

/// What the page script records for a fetch it gave up on waiting (Firefox holds a fetch that
/// needs Local Network Access until its prompt is answered).
pub const GIVEN_UP: &str = "Error: pending";

/// Whether a rejected fetch's message is the browser's generic network error.
pub fn is_network_error(message: &str) -> bool {
    message == "TypeError: Failed to fetch"
        || message == "TypeError: NetworkError when attempting to fetch resource."
}

fn answers(value: &mut Value, observed: Option<&Observed>, declared: &Declared) {
    let preflight =
        observed.and_then(|o| o.preflight.as_ref()).map_or_else(|| scripted(&declared.preflight), seen);
    let response =
        observed.and_then(|o| o.request.as_ref()).map_or_else(|| scripted(&declared.response), seen);
    let redirects = matches!(response["status"].as_u64(), Some(301 | 302 | 303 | 307 | 308));
    value["preflight"] = preflight;
    value["response"] = response;
    if redirects && let Some(next) = &declared.next {
        let mut hop = json!({});
        answers(&mut hop, observed.and_then(|o| o.next.as_deref()), next);
        value["next"] = hop;
    }
}

/// A logged answer. The HTTP layer adds `Date` to every answer after the log has recorded it,
/// and a same-origin script can read it, so it is put back.
fn seen(seen: &Seen) -> Value {
    let mut headers = seen.response_headers.clone();
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("date")) {
        headers.push(("date".to_owned(), "Thu, 01 Jan 2026 00:00:00 GMT".to_owned()));
    }
    json!({ "status": seen.status, "headers": headers })
}

fn scripted(answer: &Scripted) -> Value {
    json!({ "status": answer.status, "headers": answer.headers })
}

fn check(field: Field, engine: String, browser: String) -> Check {
    Check { field, engine, browser }
}

fn read_word(read: Read, pending: bool) -> String {
    match read {
        Read::Allowed => "allowed",
        Read::Blocked if pending => "pending",
        Read::Blocked => "blocked",
        Read::Opaque => "opaque",
    }
    .to_owned()
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

/// A set of names as text: sorted, lower-cased, `(none)` when empty.
fn list(names: &mut [String]) -> String {
    for name in names.iter_mut() {
        name.make_ascii_lowercase();
    }
    names.sort();
    if names.is_empty() { none() } else { names.join(", ") }
}

fn none() -> String {
    "(none)".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{PageSaw, Said};
    use crate::scenario::{Fetch, Position, Setup, Target};
    use crate::scenario::{MaxAge, Shape};
    use corslab_engine::exchange::CredentialsMode;
    use corslab_lab::PolicyId;
    use corslab_lab::seen::Seen;

    const PORTS: Ports = Ports::two(8080, 8081);

    fn scenario() -> Scenario {
        Scenario::new(
            "t/put".to_owned(),
            "t",
            Setup::everyday(Position::Attacker),
            Fetch::new("PUT", CredentialsMode::Include).header("Content-Type", "application/json").body("{}"),
            Target::Api { policy: PolicyId::StrictAllowlist, path: "/me/email".to_owned() },
        )
    }

    fn preflight(status: u16, acao: Option<&str>) -> Seen {
        Seen {
            id: 1,
            run: Some("c1".to_owned()),
            host: "api.fintrack.localhost".to_owned(),
            port: 8080,
            at_ms: 0,
            method: "OPTIONS".to_owned(),
            target: "/me/email?policy=strict-allowlist&run=c1".to_owned(),
            preflight: true,
            request_headers: vec![
                ("origin".to_owned(), "http://free-crypto-giveaway.localhost:8080".to_owned()),
                ("access-control-request-method".to_owned(), "PUT".to_owned()),
                ("access-control-request-headers".to_owned(), "content-type".to_owned()),
                ("sec-fetch-site".to_owned(), "cross-site".to_owned()),
                ("sec-fetch-mode".to_owned(), "cors".to_owned()),
            ],
            cookies: vec![],
            policy: Some("strict-allowlist".to_owned()),
            status,
            response_headers: acao
                .map(|a| vec![("access-control-allow-origin".to_owned(), a.to_owned())])
                .unwrap_or_default(),
            effects: vec![],
        }
    }

    fn blocked(server: Vec<Seen>) -> Observation {
        Observation {
            page: PageSaw {
                ok: false,
                error: Some("TypeError: Failed to fetch".to_owned()),
                ..PageSaw::default()
            },
            server,
            before_server: vec![],
            said: Said { reason: Some("PreflightMissingAllowOriginHeader".to_owned()), ..Said::default() },
            jar: vec![],
        }
    }

    #[test]
    fn the_exchange_takes_the_logged_answers_and_the_declared_ones_fill_in() {
        let observation = blocked(vec![preflight(204, None)]);
        let x = exchange(&scenario(), Browser::Chromium, &PORTS, "c1", &observation).unwrap();
        assert_eq!(x.preflight.as_ref().unwrap().status, 204, "from the log");
        assert_eq!(x.response.status, 200, "declared: the PUT never arrived");
        assert_eq!(
            x.request.url.as_str(),
            "http://api.fintrack.localhost:8080/me/email?policy=strict-allowlist&run=c1"
        );
        let verdict = corslab_engine::explain(&x);
        let checks = compare(&verdict, &[], &observation, &PORTS);
        assert_eq!(checks.len(), Field::ALL.len());
        assert!(checks.iter().filter(|c| c.field.required()).all(Check::agrees), "{checks:#?}");
        let reason = checks.iter().find(|c| c.field == Field::Reason).unwrap();
        assert!(reason.agrees(), "{reason:?}");
    }

    #[test]
    fn a_disagreement_shows_both_sides() {
        // The browser is made to claim the PUT arrived: the comparison must notice.
        let mut put = preflight(200, None);
        put.preflight = false;
        put.method = "PUT".to_owned();
        put.cookies = vec!["session".to_owned()];
        let observation = blocked(vec![preflight(204, None), put]);
        let x = exchange(&scenario(), Browser::Chromium, &PORTS, "c1", &observation).unwrap();
        let checks = compare(&corslab_engine::explain(&x), &[], &observation, &PORTS);
        let sent = checks.iter().find(|c| c.field == Field::RequestSent).unwrap();
        assert_eq!((sent.engine.as_str(), sent.browser.as_str()), ("no", "yes"));
        let cookies = checks.iter().find(|c| c.field == Field::CookiesSent).unwrap();
        assert_eq!((cookies.engine.as_str(), cookies.browser.as_str()), ("(none)", "session"));
    }

    /// The checks for the blocked PUT of [`scenario`] after `change` alters what was observed.
    fn checks_after(change: impl FnOnce(&mut Observation)) -> Vec<Check> {
        let mut observation = blocked(vec![preflight(204, None)]);
        let x = exchange(&scenario(), Browser::Chromium, &PORTS, "c1", &observation).unwrap();
        let verdict = corslab_engine::explain(&x);
        // The browser printed what the engine predicts, so every field agrees to begin with.
        observation.said.console =
            verdict.console.iter().flat_map(|c| c.lines()).map(str::to_owned).collect();
        change(&mut observation);
        compare(&verdict, &[], &observation, &PORTS)
    }

    fn disagreeing(checks: &[Check]) -> Vec<Field> {
        checks.iter().filter(|c| !c.agrees()).map(|c| c.field).collect()
    }

    #[test]
    fn every_field_notices_its_own_disagreement() {
        assert_eq!(disagreeing(&checks_after(|_| {})), [], "the unchanged observation agrees");
        // The script read the answer the engine says it cannot.
        let read = checks_after(|o| {
            o.page.ok = true;
            o.page.error = None;
        });
        assert!(disagreeing(&read).contains(&Field::Read), "{read:#?}");
        // No preflight reached the server.
        let none = checks_after(|o| o.server.clear());
        assert!(disagreeing(&none).contains(&Field::PreflightSent), "{none:#?}");
        assert!(disagreeing(&none).contains(&Field::Sent), "{none:#?}");
        // The browser named another reason.
        let reason = checks_after(|o| o.said.reason = Some("PreflightInvalidStatus".to_owned()));
        assert_eq!(disagreeing(&reason), [Field::Reason]);
        // The browser named another value at fault.
        let parameter = checks_after(|o| o.said.failed_parameter = Some("x".to_owned()));
        assert_eq!(disagreeing(&parameter), [Field::FailedParameter]);
        // The page could read a header the engine does not expose.
        let exposed = checks_after(|o| o.page.headers = vec!["x-secret".to_owned()]);
        assert_eq!(disagreeing(&exposed), [Field::ExposedHeaders]);
        // The console said something else.
        let console = checks_after(|o| o.said.console = vec!["something else".to_owned()]);
        assert_eq!(disagreeing(&console), [Field::Console]);
        // The preflight carried another Origin.
        let origin = checks_after(|o| o.server[0].request_headers[0].1 = "null".to_owned());
        assert!(disagreeing(&origin).contains(&Field::Sent), "{origin:#?}");
        // The preflight said another Sec-Fetch-Site.
        let site = checks_after(|o| o.server[0].request_headers[3].1 = "same-site".to_owned());
        assert_eq!(disagreeing(&site), [Field::Sent]);
        // A request went out before the fetch where the engine predicted no fetch before it.
        let before = checks_after(|o| o.before_server = vec![o.server[0].clone()]);
        assert_eq!(disagreeing(&before), [Field::BeforeSent]);
    }

    #[test]
    fn a_request_outside_the_fetch_is_still_something_sent() {
        // The preflight arrived again, exactly: sent twice where the engine predicted once.
        let resent = checks_after(|o| {
            let again = o.server[0].clone();
            o.server.push(again);
        });
        let sent = resent.iter().find(|c| c.field == Field::Sent).unwrap();
        assert!(!sent.agrees(), "{sent:?}");
        // Another preflight, from another origin: something the engine did not predict.
        let other = checks_after(|o| {
            let mut again = o.server[0].clone();
            again.request_headers[0].1 = "null".to_owned();
            o.server.push(again);
        });
        let sent = other.iter().find(|c| c.field == Field::Sent).unwrap();
        assert!(!sent.agrees(), "{sent:?}");
        assert_eq!(sent.browser.lines().count(), 2, "{sent:?}");
    }

    #[test]
    fn a_thrown_type_error_is_the_browsers_words() {
        let mut observation = blocked(vec![]);
        observation.said = Said::default();
        observation.page.error = Some(
            "TypeError: Failed to execute 'fetch' on 'Window': 'CONNECT' HTTP method is unsupported."
                .to_owned(),
        );
        let mut s = scenario();
        s.fetch = Fetch::new("CONNECT", CredentialsMode::Omit);
        let x = exchange(&s, Browser::Chromium, &PORTS, "c1", &observation).unwrap();
        let checks = compare(&corslab_engine::explain(&x), &[], &observation, &PORTS);
        let console = checks.iter().find(|c| c.field == Field::Console).unwrap();
        assert!(console.browser.contains("'CONNECT' HTTP method is unsupported"), "{console:?}");
        assert!(is_network_error("TypeError: Failed to fetch"));
    }

    #[test]
    fn a_fetch_before_leaves_its_preflight_in_the_cache_the_engine_reads() {
        let put = |credentials| Fetch::new("PUT", credentials).header("X-Lab", "1").body("x");
        let preflight = Shape { max_age: MaxAge::TenMinutes, ..Shape::PREFLIGHT_OK };
        let cached = |browser, fetch| {
            let s = Scenario {
                before: vec![put(CredentialsMode::Include)],
                fetch,
                target: Target::scripted(Some(preflight), Shape::READABLE),
                ..scenario()
            };
            let (_, verdict, _) = verdict(&s, browser, &PORTS, "c1", &blocked(vec![])).unwrap();
            !verdict.preflight_sent
        };
        for browser in [Browser::Chromium, Browser::Firefox] {
            assert!(cached(browser, put(CredentialsMode::Include)), "{browser:?}");
            assert!(!cached(browser, put(CredentialsMode::Include).header("X-More", "1")), "{browser:?}");
        }
        // Firefox keeps credentialed entries for credentialed requests only.
        assert!(cached(Browser::Chromium, put(CredentialsMode::Omit)));
        assert!(!cached(Browser::Firefox, put(CredentialsMode::Omit)));
    }
}
