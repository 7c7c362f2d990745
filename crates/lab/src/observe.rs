//! From the server's log to the engine and back: pair each preflight with the request it
//! cleared, follow redirects, build the Exchange the engine explains, and check whether the
//! engine's Verdict agrees with what the server observed.

use crate::seen::Seen;
use corslab_engine::exchange::{Answer, Cookie, Hop, Request, Settings};
use corslab_engine::header::{Header, HeaderList};
use corslab_engine::origin::Origin;
use corslab_engine::redirect;
use corslab_engine::{Browser, Exchange, Read, Verdict};
use serde::{Deserialize, Serialize};

use crate::hosts::{Ports, origin_on};
use crate::policy::{Ask, PolicyId};

/// One fetch as the server observed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    /// The preflight, when one arrived.
    pub preflight: Option<Seen>,
    /// The actual request, when it arrived (a failed preflight means it never does).
    pub request: Option<Seen>,
    /// When the request was answered with a redirect, what arrived at its target.
    pub next: Option<Box<Observed>>,
}

impl Observed {
    /// Every request that arrived, in order: each hop's preflight, then its request.
    pub fn arrived(&self) -> impl Iterator<Item = &Seen> {
        std::iter::successors(Some(self), |fetch| fetch.next.as_deref())
            .flat_map(|fetch| [fetch.preflight.as_ref(), fetch.request.as_ref()].into_iter().flatten())
    }
}

/// What the page asked for: every part of an [`Exchange`] except the server's answers, which
/// come from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The browser the page runs in.
    #[serde(default)]
    pub browser: Browser,
    /// The page's origin.
    pub page: Origin,
    /// The top-level page's origin, when the page is framed.
    #[serde(default)]
    pub top_level: Option<Origin>,
    /// The browser's settings.
    #[serde(default)]
    pub settings: Settings,
    /// The fetch itself.
    pub request: Request,
    /// The cookie jar before the fetch.
    #[serde(default)]
    pub cookies: Vec<Cookie>,
}

/// Whether the engine's prediction matches what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Whether every check agrees.
    pub agrees: bool,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Agreement {
    /// Whether the cookies on the request are the only fact that differs.
    pub fn only_cookies_differ(&self) -> bool {
        !self.agrees && self.checks.iter().all(|c| c.agrees || c.what == Checked::CookiesSent)
    }

    /// Whether the cookies are the only fact that differs and no request carried any: what a
    /// session that ended after the page learned of its cookie looks like.
    pub fn only_cookies_missing(&self) -> bool {
        self.only_cookies_differ()
            && self
                .checks
                .iter()
                .filter(|c| c.what == Checked::CookiesSent)
                .all(|c| c.observed.split(HOPS).all(|hop| hop == NONE))
    }
}

/// One compared fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What was compared.
    pub what: Checked,
    /// What the engine predicted, for people (`yes`, `no`, `session, theme`, `(none)`).
    pub predicted: String,
    /// What was observed.
    pub observed: String,
    /// Whether they are the same.
    pub agrees: bool,
}

/// The facts the server (or the page) can observe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checked {
    /// Whether a preflight reached the server.
    PreflightSent,
    /// Whether the actual request reached the server.
    RequestSent,
    /// Which cookies each request past the preflights carried, redirect hops included.
    CookiesSent,
    /// The `Origin` header on each request that arrived, preflights and redirect hops included.
    OriginSent,
    /// Whether the page could read the response, got an opaque one or an error (observed by
    /// the page, not the server).
    Read,
}

/// Groups a run's log entries into fetches: each preflight with the request it cleared (same
/// host, port, target and method), and each redirect with the hop that followed it.
pub fn pair(entries: &[Seen]) -> Vec<Observed> {
    let mut fetches: Vec<Option<Observed>> = Vec::new();
    // Index of the newest preflight still waiting for its request, per (host, port, target, method).
    let mut waiting: Vec<(usize, (String, u16, String, String))> = Vec::new();
    for seen in entries {
        if seen.preflight {
            let method = seen.request_header("access-control-request-method").unwrap_or("").to_owned();
            let key = (seen.host.clone(), seen.port, seen.target.clone(), method);
            waiting.retain(|(_, k)| *k != key);
            waiting.push((fetches.len(), key));
            fetches.push(Some(Observed { preflight: Some(seen.clone()), ..Observed::default() }));
            continue;
        }
        let key = (seen.host.clone(), seen.port, seen.target.clone(), seen.method.clone());
        match waiting.iter().position(|(_, k)| *k == key) {
            Some(i) => {
                let (index, _) = waiting.remove(i);
                if let Some(fetch) = fetches[index].as_mut() {
                    fetch.request = Some(seen.clone());
                }
            }
            None => fetches.push(Some(Observed { request: Some(seen.clone()), ..Observed::default() })),
        }
    }
    // Attach redirect hops from the last fetch backwards, so a chain A → B → C nests fully.
    for i in (0..fetches.len()).rev() {
        let Some(target) = fetches[i].as_ref().and_then(redirect_target) else { continue };
        let hop = (i + 1..fetches.len())
            .find(|&j| fetches[j].as_ref().and_then(first_seen).is_some_and(|s| lands_at(s, &target)));
        if let Some(j) = hop {
            let next = fetches[j].take().map(Box::new);
            if let Some(fetch) = fetches[i].as_mut() {
                fetch.next = next;
            }
        }
    }
    fetches.into_iter().flatten().collect()
}

/// The Exchange for `attempt`, answered as the server did in `observed`. When the server never
/// saw the actual request (its preflight failed), the answer it would have given is computed
/// with the policy that answered the preflight, so the engine can still be asked.
pub fn exchange(attempt: &Attempt, observed: &Observed, ports: &Ports) -> Result<Exchange, String> {
    let Hop { preflight, response, next } = answers(observed, ports, &attempt.page, false)
        .map_err(|e| format!("the observed answers do not make an Exchange: {e}"))?;
    Ok(Exchange {
        browser: attempt.browser,
        page: attempt.page.clone(),
        top_level: attempt.top_level.clone(),
        settings: attempt.settings.clone(),
        request: attempt.request.clone(),
        cookies: attempt.cookies.clone(),
        preflight,
        response,
        next,
    })
}

/// An answer with `status` and `headers`, each header checked as the engine's input requires.
pub fn answer<'a>(
    status: u16,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Answer, String> {
    let headers = headers
        .into_iter()
        .map(|(name, value)| Header::new(name, value).map_err(|e| format!("header {name}: {e}")))
        .collect::<Result<HeaderList, String>>()?;
    Ok(Answer { status, headers })
}

/// Compares the engine's `verdict` with what the server observed and, when the page knows it,
/// what its script got: the response, an opaque one, or an error.
pub fn agreement(verdict: &Verdict, observed: &Observed, page_read: Option<Read>) -> Agreement {
    let mut checks = vec![
        flag(Checked::PreflightSent, verdict.preflight_sent, observed.preflight.is_some()),
        flag(Checked::RequestSent, verdict.request_sent, observed.request.is_some()),
    ];
    if verdict.request_sent && observed.request.is_some() {
        // Every request past the preflights, redirect hops included: a hop to another site can
        // carry cookies the first request did not, or drop them.
        let predicted =
            cookie_runs(verdict.sent.iter().filter(|sent| !sent.preflight).map(|sent| &sent.cookies));
        let seen = cookie_runs(observed.arrived().filter(|seen| !seen.preflight).map(|seen| &seen.cookies));
        checks.push(Check {
            what: Checked::CookiesSent,
            agrees: predicted == seen,
            predicted: hops(&predicted),
            observed: hops(&seen),
        });
    }
    if !verdict.sent.is_empty() || observed.arrived().next().is_some() {
        let predicted = origins(verdict.sent.iter().map(|sent| sent.origin.as_deref()));
        let seen = origins(observed.arrived().map(|seen| seen.request_header("origin")));
        checks.push(Check {
            what: Checked::OriginSent,
            agrees: predicted == seen,
            predicted,
            observed: seen,
        });
    }
    if let Some(read) = page_read {
        // Three ways, not two: a script that got an opaque answer where the engine said blocked
        // (or the other way round) read nothing either way, but the engine was still wrong.
        checks.push(Check {
            what: Checked::Read,
            predicted: verdict.read.as_str().to_owned(),
            observed: read.as_str().to_owned(),
            agrees: verdict.read == read,
        });
    }
    Agreement { agrees: checks.iter().all(|c| c.agrees), checks }
}

/// The preflight answer, the response and the next hop: everything an Exchange says about the
/// server, for a request from `page` whose origin a redirect may already have `tainted`.
fn answers(observed: &Observed, ports: &Ports, page: &Origin, tainted: bool) -> Result<Hop, String> {
    let origin = if tainted { "null" } else { page.serialize() };
    let preflight = observed.preflight.as_ref().map(seen_answer).transpose()?;
    let response = match (&observed.request, &observed.preflight) {
        (Some(request), _) => seen_answer(request)?,
        (None, Some(preflight)) => predicted(preflight, ports, origin)?,
        (None, None) => return Err("the server saw nothing of this fetch".to_owned()),
    };
    let next = match (&observed.request, observed.next.as_deref()) {
        (Some(redirect), Some(hop)) => {
            // Only a redirect from a cross-origin URL to yet another origin makes the Origin null.
            let taints = first_seen(hop)
                .is_some_and(|there| redirect::taints(page, &arrived_at(redirect), &arrived_at(there)));
            Some(answers(hop, ports, page, tainted || taints)?)
        }
        _ => None,
    };
    Ok(Hop { preflight, response, next: next.map(Box::new) })
}

/// The origin a logged request arrived at.
fn arrived_at(seen: &Seen) -> Origin {
    Origin::parse(&origin_on(&seen.host, seen.port)).unwrap_or_else(|_| Origin::opaque())
}

fn seen_answer(seen: &Seen) -> Result<Answer, String> {
    answer(seen.status, seen.response_headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// What the API would have answered the actual request, carrying `origin`, under the policy that
/// answered its preflight. The request's own `Origin` counts, not the preflight's: after a tainting
/// redirect Firefox puts the page's origin on the preflight and `null` on the request.
fn predicted(preflight: &Seen, ports: &Ports, origin: &str) -> Result<Answer, String> {
    let policy = preflight.policy.as_deref().and_then(PolicyId::from_id).ok_or_else(|| {
        "the request never reached the server and its preflight names no policy to predict the answer"
            .to_owned()
    })?;
    let headers = policy.headers(ports, &Ask { origin: Some(origin), status: 200, ..Ask::default() });
    answer(200, headers.iter().map(|(n, v)| (*n, v.as_str())))
}

fn first_seen(observed: &Observed) -> Option<&Seen> {
    observed.preflight.as_ref().or(observed.request.as_ref())
}

/// Where a redirect answer points, as (host, port, target).
fn redirect_target(observed: &Observed) -> Option<(String, u16, String)> {
    let request = observed.request.as_ref()?;
    if !matches!(request.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = request.response_header("location")?;
    let base =
        url::Url::parse(&format!("{}{}", origin_on(&request.host, request.port), request.target)).ok()?;
    let url = base.join(location).ok()?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Some((url.host_str()?.to_owned(), url.port_or_known_default()?, target))
}

fn lands_at(seen: &Seen, (host, port, target): &(String, u16, String)) -> bool {
    seen.host.eq_ignore_ascii_case(host) && seen.port == *port && seen.target == *target
}

fn flag(what: Checked, predicted: bool, observed: bool) -> Check {
    let word = |b| if b { "yes" } else { "no" }.to_owned();
    Check { what, predicted: word(predicted), observed: word(observed), agrees: predicted == observed }
}

/// The cookie names of a run of requests, each request's sorted: the order of a `Cookie` header
/// is the browser's own business.
fn cookie_runs<'a>(requests: impl Iterator<Item = &'a Vec<String>>) -> Vec<Vec<String>> {
    requests
        .map(|cookies| {
            let mut cookies = cookies.clone();
            // Equal names are indistinguishable, so the unstable sort gives the same order; it
            // also shares the engine's instantiation instead of adding a stable sort to the Wasm.
            cookies.sort_unstable();
            cookies
        })
        .collect()
}

fn names(cookies: &[String]) -> String {
    if cookies.is_empty() { NONE.to_owned() } else { cookies.join(", ") }
}

/// How a check names a request that carried no cookies (or no `Origin`), and what joins a run
/// of requests.
const NONE: &str = "(none)";
const HOPS: &str = " → ";

/// The cookies of each request of a run, for people: `session → (none)`.
fn hops(runs: &[Vec<String>]) -> String {
    runs.iter().map(|run| names(run)).collect::<Vec<_>>().join(HOPS)
}

/// The `Origin` headers of a run of requests, for people: `http://a.localhost:8080 → null`,
/// with `(none)` for a request that carried none.
fn origins<'a>(headers: impl Iterator<Item = Option<&'a str>>) -> String {
    headers.map(|origin| origin.unwrap_or(NONE)).collect::<Vec<_>>().join(HOPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: u64, method: &str, target: &str, preflight: bool, status: u16) -> Seen {
        let mut request_headers =
            vec![("origin".to_owned(), "http://blog.fintrack.localhost:8080".to_owned())];
        if preflight {
            request_headers.push(("access-control-request-method".to_owned(), "PUT".to_owned()));
        }
        Seen {
            id,
            run: Some("r".to_owned()),
            host: "api.fintrack.localhost".to_owned(),
            port: 8080,
            at_ms: id,
            method: method.to_owned(),
            target: target.to_owned(),
            preflight,
            request_headers,
            cookies: if preflight { vec![] } else { vec!["session".to_owned()] },
            policy: Some("reflect-any-origin".to_owned()),
            status,
            response_headers: vec![
                ("access-control-allow-origin".to_owned(), "http://blog.fintrack.localhost:8080".to_owned()),
                ("access-control-allow-credentials".to_owned(), "true".to_owned()),
            ],
            effects: vec![],
        }
    }

    fn attempt(method: &str, url: &str) -> Attempt {
        serde_json::from_value(serde_json::json!({
            "page": "http://blog.fintrack.localhost:8080",
            "request": { "method": method, "url": url, "credentials": "include",
                         "headers": [["Content-Type", "application/json"]] },
        }))
        .unwrap()
    }

    #[test]
    fn a_preflight_pairs_with_its_request_and_a_lone_one_stays_alone() {
        let entries = [
            seen(1, "OPTIONS", "/me/email?run=r", true, 204),
            seen(2, "GET", "/me/balance?run=r", false, 200),
            seen(3, "PUT", "/me/email?run=r", false, 200),
            seen(4, "OPTIONS", "/me/email?run=r", true, 204),
        ];
        let fetches = pair(&entries);
        assert_eq!(fetches.len(), 3);
        assert_eq!(fetches[0].preflight.as_ref().unwrap().id, 1);
        assert_eq!(fetches[0].request.as_ref().unwrap().id, 3);
        assert_eq!(fetches[1].request.as_ref().unwrap().id, 2);
        assert!(fetches[2].request.is_none());
    }

    #[test]
    fn redirects_nest_their_hops() {
        let mut first = seen(1, "GET", "/redirect?to=same&status=302&run=r", false, 302);
        first.response_headers.push(("location".to_owned(), "/me/balance?run=r".to_owned()));
        let entries = [first, seen(2, "GET", "/me/balance?run=r", false, 200)];
        let fetches = pair(&entries);
        assert_eq!(fetches.len(), 1);
        assert_eq!(fetches[0].next.as_ref().unwrap().request.as_ref().unwrap().id, 2);
        let x = exchange(
            &attempt("GET", "http://api.fintrack.localhost:8080/redirect?to=same&status=302&run=r"),
            &fetches[0],
            &Ports::main(8080),
        )
        .unwrap();
        assert_eq!(x.response.status, 302);
        assert_eq!(x.next.unwrap().response.status, 200);
    }

    #[test]
    fn a_blocked_preflight_still_makes_an_exchange_and_agreement_is_checked() {
        let fetches = pair(&[seen(1, "OPTIONS", "/me/email?run=r", true, 204)]);
        let x = exchange(
            &attempt("PUT", "http://api.fintrack.localhost:8080/me/email?run=r"),
            &fetches[0],
            &Ports::main(8080),
        )
        .unwrap();
        assert_eq!(x.preflight.as_ref().unwrap().status, 204);
        assert_eq!(x.response.status, 200);
        let verdict = corslab_engine::explain(&x);
        let agreement = agreement(&verdict, &fetches[0], None);
        let request_sent = agreement.checks.iter().find(|c| c.what == Checked::RequestSent).unwrap();
        assert_eq!(request_sent.observed, "no");
        // The engine predicts the refused preflight stops the PUT, as the log shows.
        assert!(!verdict.request_sent && request_sent.agrees, "{agreement:?}");
    }

    #[test]
    fn agreement_compares_cookies_as_sets_and_the_pages_read() {
        let fetch =
            Observed { request: Some(seen(1, "GET", "/me/balance", false, 200)), ..Observed::default() };
        let x = exchange(
            &attempt("GET", "http://api.fintrack.localhost:8080/me/balance"),
            &fetch,
            &Ports::main(8080),
        )
        .unwrap();
        let mut verdict = corslab_engine::explain(&x);
        verdict.preflight_sent = false;
        verdict.sent.retain(|sent| !sent.preflight);
        verdict.request_sent = true;
        let predict = |verdict: &mut Verdict, cookies: &[&str]| {
            verdict.cookies_sent = cookies.iter().map(|&name| name.to_owned()).collect();
            verdict.sent[0].cookies = verdict.cookies_sent.clone();
        };
        predict(&mut verdict, &["session"]);
        verdict.read = Read::Allowed;
        assert!(agreement(&verdict, &fetch, Some(Read::Allowed)).agrees);
        let disagreeing = agreement(&verdict, &fetch, Some(Read::Blocked));
        assert!(!disagreeing.agrees);
        assert_eq!(disagreeing.checks.iter().filter(|c| !c.agrees).count(), 1);
        predict(&mut verdict, &[]);
        let cookies = agreement(&verdict, &fetch, None);
        let check = cookies.checks.iter().find(|c| c.what == Checked::CookiesSent).unwrap();
        assert_eq!(
            (check.predicted.as_str(), check.observed.as_str(), check.agrees),
            ("(none)", "session", false)
        );
        assert!(cookies.only_cookies_differ());
        assert!(!disagreeing.only_cookies_differ(), "the read differs there");
        // Two cookies, in one order predicted and the other sent: a set agrees.
        let mut two = fetch;
        if let Some(request) = two.request.as_mut() {
            request.cookies = vec!["theme".to_owned(), "session".to_owned()];
        }
        predict(&mut verdict, &["session", "theme"]);
        assert!(agreement(&verdict, &two, Some(Read::Allowed)).agrees, "cookies compare as sets");
        assert!(!cookies.only_cookies_missing(), "the server saw a cookie the engine did not predict");
        // Predicted from a jar whose session has ended: nothing arrives with the request.
        let mut signed_out = two;
        if let Some(request) = signed_out.request.as_mut() {
            request.cookies.clear();
        }
        assert!(agreement(&verdict, &signed_out, Some(Read::Allowed)).only_cookies_missing());
    }

    #[test]
    fn agreement_compares_the_cookies_of_every_redirect_hop() {
        // The page's request carries none, the hop a redirect leads to carries the session: a
        // prediction of none on the hop disagrees, whatever the first request did.
        let mut first = seen(1, "GET", "/redirect?to=cross&run=r", false, 302);
        first.cookies.clear();
        let hop = seen(2, "GET", "/me/balance?run=r", false, 200);
        let fetch = Observed {
            request: Some(first),
            next: Some(Box::new(Observed { request: Some(hop), ..Observed::default() })),
            ..Observed::default()
        };
        let x = exchange(
            &attempt("GET", "http://api.fintrack.localhost:8080/redirect?to=cross&run=r"),
            &fetch,
            &Ports::main(8080),
        );
        let mut verdict = corslab_engine::explain(&x.unwrap());
        verdict.sent = fetch
            .arrived()
            .map(|seen| corslab_engine::verdict::Sent {
                preflight: false,
                method: "GET".into(),
                url: seen.target.clone(),
                origin: seen.request_header("origin").map(str::to_owned),
                cookies: Vec::new(),
                access_control_request_method: None,
                access_control_request_headers: None,
                sec_fetch_site: None,
                sec_fetch_mode: None,
            })
            .collect();
        verdict.request_sent = true;
        let check = |verdict: &Verdict| {
            agreement(verdict, &fetch, None)
                .checks
                .into_iter()
                .find(|c| c.what == Checked::CookiesSent)
                .unwrap()
        };
        let wrong = check(&verdict);
        assert_eq!(
            (wrong.predicted.as_str(), wrong.observed.as_str(), wrong.agrees),
            ("(none) → (none)", "(none) → session", false)
        );
        verdict.sent[1].cookies = vec!["session".to_owned()];
        assert!(check(&verdict).agrees);
    }

    #[test]
    fn an_unseen_request_is_answered_for_the_origin_it_would_carry() {
        // The PUT is redirected, first within the API's origin, then to its other port; each
        // new preflight arrives, the PUT after it does not.
        let hop = |id, target: &str, location: Option<&str>, port| {
            let mut preflight = seen(id, "OPTIONS", target, true, 204);
            preflight.port = port;
            let mut put = seen(id + 1, "PUT", target, false, 307);
            put.port = port;
            put.response_headers.extend(location.map(|l| ("location".to_owned(), l.to_owned())));
            [preflight, put]
        };
        let [first, first_put] =
            hop(1, "/redirect?to=same&status=307&run=r", Some("/redirect?to=cross&run=r"), 8080);
        let [second, second_put] = hop(
            3,
            "/redirect?to=cross&run=r",
            Some("http://api.fintrack.localhost:8081/me/email?run=r"),
            8080,
        );
        let mut third = seen(5, "OPTIONS", "/me/email?run=r", true, 204);
        third.port = 8081;
        let url = "http://api.fintrack.localhost:8080/redirect?to=same&status=307&run=r";
        let ports = Ports::two(8080, 8081);
        let acao = |hop: &Hop| hop.response.headers.get("access-control-allow-origin").map(|v| v.to_text());

        // Stopped after the same-origin redirect: the PUT would still carry the page's origin.
        let fetches = pair(&[first.clone(), first_put.clone(), second.clone()]);
        let x = exchange(&attempt("PUT", url), &fetches[0], &ports).unwrap();
        let next = x.next.as_deref().expect("one redirect");
        assert_eq!(acao(next).as_deref(), Some("http://blog.fintrack.localhost:8080"));

        // Stopped after leaving the API's origin for its other port: from there on, null.
        let fetches = pair(&[first, first_put, second, second_put, third]);
        assert_eq!(fetches.len(), 1, "{fetches:#?}");
        let x = exchange(&attempt("PUT", url), &fetches[0], &ports).unwrap();
        let last = x.next.as_ref().and_then(|hop| hop.next.as_deref()).expect("two redirects");
        assert_eq!(acao(last).as_deref(), Some("null"));
    }

    #[test]
    fn agreement_compares_the_origin_of_every_request_that_arrived() {
        // A same-origin redirect keeps the page's Origin; the server saw both requests.
        let mut first = seen(1, "GET", "/redirect?to=same&status=302&run=r", false, 302);
        first.response_headers.push(("location".to_owned(), "/me/balance?run=r".to_owned()));
        let fetches = pair(&[first, seen(2, "GET", "/me/balance?run=r", false, 200)]);
        let mut attempt =
            attempt("GET", "http://api.fintrack.localhost:8080/redirect?to=same&status=302&run=r");
        attempt.request.headers = HeaderList::default();
        let x = exchange(&attempt, &fetches[0], &Ports::main(8080)).unwrap();
        let mut verdict = corslab_engine::explain(&x);
        let check = |verdict: &Verdict| {
            let agreement = agreement(verdict, &fetches[0], None);
            agreement.checks.into_iter().find(|c| c.what == Checked::OriginSent).unwrap()
        };
        let origin = "http://blog.fintrack.localhost:8080";
        let agreeing = check(&verdict);
        assert!(agreeing.agrees, "{agreeing:?}");
        assert_eq!(agreeing.observed, format!("{origin} → {origin}"));
        // Had the engine tainted the origin on this redirect, the badge would say so.
        verdict.sent[1].origin = Some("null".to_owned());
        let differing = check(&verdict);
        assert!(!differing.agrees);
        assert_eq!(differing.predicted, format!("{origin} → null"));
    }
}
