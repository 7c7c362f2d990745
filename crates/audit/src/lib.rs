//! corslab's auditor: probes live endpoints for CORS misconfigurations and has the engine judge
//! what an attacker page would really get from each answer.
//!
//! The audit sends, per target, a baseline `GET`, one `GET` per probe origin (reflection,
//! look-alikes of the API's host, site and trusted origins, `null`, third-party hosts…) and a
//! few preflights (mirrored methods and headers, `Authorization` under `*`, local network
//! access), never a state-changing request. Each origin that is granted access becomes an
//! [`Exchange`](corslab_engine::Exchange) per browser and cookie setting, and
//! [`corslab_engine::explain`] decides whether the read succeeds and which cookies ride along.
//!
//! This crate is the I/O adapter around the pure engine: it owns the HTTP client (rustls,
//! its own `*.localhost` resolver), the concurrency and per-host rate limits, and the report
//! formats. The CLI (`corslab audit`) and the lab server ("audit this API") both call
//! [`audit`] or [`Auditor`]:
//!
//! ```no_run
//! # async fn run() -> Result<(), String> {
//! use corslab_audit::{Options, audit};
//! let options = Options {
//!     trusted: vec!["http://fintrack.localhost:8080".parse().map_err(|e| format!("{e}"))?],
//!     ..Options::default()
//! };
//! let url = url::Url::parse("http://api.fintrack.localhost:8080/me/balance").map_err(|e| e.to_string())?;
//! for report in audit(&[url], options).await? {
//!     for finding in &report.findings {
//!         println!("{} {:?}: {}", finding.class, finding.severity, finding.summary);
//!     }
//! }
//! # Ok(()) }
//! ```

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use corslab_engine::exchange::Cookie;
use corslab_engine::origin::Origin;
use futures_util::stream::{self, Stream, StreamExt};
use url::Url;

pub mod analyze;
pub mod client;
pub mod finding;
pub mod judge;
pub mod probe;
pub mod render;

pub use finding::{Finding, Severity, TargetReport};
pub use probe::Class;

use crate::analyze::{Observations, analyze};
use crate::client::{Client, ClientOptions, FetchError, Trip};
use crate::judge::parse_set_cookie;
use crate::probe::Plan;

/// How to audit.
#[derive(Debug, Clone)]
pub struct Options {
    /// The origins the team means to trust; every other origin is untrusted.
    pub trusted: Vec<Origin>,
    /// Requests in flight at once, over all targets.
    pub concurrency: usize,
    /// Requests per second to one host; `None` for no limit.
    pub rate_per_host: Option<f64>,
    /// The longest one request may take.
    pub timeout: Duration,
    /// Redirects a `GET` probe follows (0: report the redirect itself).
    pub max_redirects: u8,
    /// Extra request headers for `GET` probes (`Authorization` for authenticated APIs).
    pub headers: Vec<(String, String)>,
    /// Cookies as `Set-Cookie` writes them (`session=…; SameSite=Lax; Secure`): the value is
    /// sent with `GET` probes and the attributes decide which browsers attach it.
    pub cookies: Vec<String>,
    /// Names to connect to a fixed address instead of asking DNS (`api.example.com` or
    /// `*.example.com`): audit a staging server under its production name.
    pub resolve: Vec<(String, IpAddr)>,
    /// Whether any TLS certificate is accepted, as for a staging server that signs its own.
    /// A browser would refuse such a certificate; the judgement says what it does once the
    /// certificate is trusted.
    pub insecure: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            trusted: Vec::new(),
            concurrency: 16,
            rate_per_host: Some(50.0),
            timeout: Duration::from_secs(10),
            max_redirects: 5,
            headers: Vec::new(),
            cookies: Vec::new(),
            resolve: Vec::new(),
            insecure: false,
        }
    }
}

/// Audits each target and returns the reports in input order.
///
/// Errors only when the options themselves are unusable (a malformed header or cookie); a
/// target that cannot be reached is a report with `errors`, and the others go on.
pub async fn audit(targets: &[Url], options: Options) -> Result<Vec<TargetReport>, String> {
    let auditor = Auditor::new(options)?;
    Ok(auditor.stream(targets).collect().await)
}

/// A configured audit: one HTTP client and its limits, shared by every target.
#[derive(Debug, Clone)]
pub struct Auditor {
    client: Arc<Client>,
    options: Arc<Options>,
}

impl Auditor {
    /// Checks the options and builds the client.
    pub fn new(options: Options) -> Result<Self, String> {
        for (name, value) in &options.headers {
            let lower = name.to_ascii_lowercase();
            if matches!(lower.as_str(), "origin" | "host" | "cookie")
                || lower.starts_with("access-control-request-")
            {
                return Err(format!(
                    "the audit sets {name} itself on every probe; pass cookies with --cookie and leave Origin, Host and Access-Control-Request-* out of --header"
                ));
            }
            reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("{name:?} is not a header name; write --header 'Name: value'"))?;
            reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header {name} holds a character HTTP does not allow"))?;
        }
        let mut pairs = Vec::new();
        for spec in &options.cookies {
            let (cookie, value) = parse_set_cookie(spec, "").ok_or_else(|| {
                format!("{spec:?} is not a cookie; write --cookie 'name=value' with optional '; SameSite=Lax; Secure'")
            })?;
            pairs.push(format!("{}={value}", cookie.name));
        }
        let cookie_header = (!pairs.is_empty()).then(|| pairs.join("; "));
        if cookie_header.as_ref().is_some_and(|c| reqwest::header::HeaderValue::from_str(c).is_err()) {
            return Err("a cookie value holds a character HTTP does not allow".to_owned());
        }
        let client = Client::new(ClientOptions {
            concurrency: options.concurrency.max(1),
            rate_per_host: options.rate_per_host,
            timeout: options.timeout,
            max_redirects: options.max_redirects,
            headers: options.headers.clone(),
            cookie_header,
            resolve: options.resolve.iter().map(|(n, ip)| (n.to_ascii_lowercase(), *ip)).collect(),
            insecure: options.insecure,
        })?;
        Ok(Self { client: Arc::new(client), options: Arc::new(options) })
    }

    /// How many requests have been sent so far, over all targets.
    pub fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    /// Audits the targets concurrently and yields each report as it completes, in input order.
    pub fn stream<'a>(&'a self, targets: &'a [Url]) -> impl Stream<Item = TargetReport> + 'a {
        stream::iter(targets).map(move |target| self.target(target)).buffered(self.options.concurrency.max(1))
    }

    /// Audits one target.
    pub async fn target(&self, target: &Url) -> TargetReport {
        let plan = Plan::new(target, &self.options.trusted);
        let mut report = TargetReport {
            target: target.to_string(),
            findings: Vec::new(),
            errors: Vec::new(),
            probes_sent: 0,
        };
        let baseline = match self.client.send(&plan.baseline).await {
            Ok(trips) => trips,
            Err(e) => {
                // Without a baseline answer the rest would only repeat the same error.
                report.probes_sent = 1;
                report.errors.push(describe(target, &plan.baseline.url, &e));
                return report;
            }
        };
        report.probes_sent = baseline.len();
        let answers = futures_util::future::join_all(plan.probes.iter().map(|p| self.client.send(p))).await;
        let mut results = Vec::new();
        let mut failures: Vec<(&Url, FetchError)> = Vec::new();
        for (probe, answer) in plan.probes.iter().zip(answers) {
            match answer {
                Ok(trips) => {
                    report.probes_sent += trips.len();
                    results.push((probe.clone(), trips));
                }
                Err(e) => {
                    report.probes_sent += 1;
                    failures.push((&probe.url, e));
                }
            }
        }
        if let Some((asked, first)) = failures.first() {
            report.errors.push(format!(
                "{} of {} probes got no answer, so some classes may be missed; the first: {}",
                failures.len(),
                plan.probes.len(),
                describe(target, asked, first)
            ));
        }
        if let Some(status) = lost(&baseline, &results) {
            report.errors.push(format!(
                "{target}: every request got {status}, so nothing here was audited; check the URL (its path and query)"
            ));
        }
        let jar = self.jar(target, &baseline, &results);
        report.findings = analyze(&Observations {
            plan: &plan,
            baseline: &baseline,
            results: &results,
            trusted: &self.options.trusted,
            jar: &jar,
        });
        report
    }

    /// The browser's cookie jar for this target: the cookies the endpoint sets, then the ones
    /// passed in, which win (the team knows how its session cookie is really set).
    fn jar(&self, target: &Url, baseline: &[Trip], results: &[(probe::Probe, Vec<Trip>)]) -> Vec<Cookie> {
        let host = target.host_str().unwrap_or_default();
        let mut jar: Vec<Cookie> = Vec::new();
        let set_cookies = baseline
            .iter()
            .chain(results.iter().flat_map(|(_, t)| t))
            .flat_map(|t| t.response.headers.iter())
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str());
        for spec in set_cookies.chain(self.options.cookies.iter().map(String::as_str)) {
            if let Some((cookie, _)) = parse_set_cookie(spec, host) {
                jar.retain(|c| c.name != cookie.name);
                jar.push(cookie);
            }
        }
        jar
    }
}

/// One line about a request that got no answer: the audited target first, then where the
/// request went when that was not the target itself, then what went wrong, each URL once.
fn describe(target: &Url, asked: &Url, error: &FetchError) -> String {
    let at = error.url();
    let place = if at != asked.as_str() {
        format!("after a redirect to {at}: ")
    } else if asked != target {
        format!("asking {asked}: ")
    } else {
        String::new()
    };
    format!("{target}: {place}{}", error.message())
}

/// The status every answer had, when every one (the baseline's and every probe's, at the end of
/// its redirects) was 404 or 414: the URL names nothing, and the policy seen is a catch-all's.
fn lost(baseline: &[Trip], results: &[(probe::Probe, Vec<Trip>)]) -> Option<&'static str> {
    let statuses: Vec<u16> = baseline
        .last()
        .into_iter()
        .chain(results.iter().filter_map(|(_, trips)| trips.last()))
        .map(|t| t.response.status)
        .collect();
    if statuses.is_empty() || !statuses.iter().all(|s| matches!(s, 404 | 414)) {
        return None;
    }
    Some(match (statuses.contains(&404), statuses.contains(&414)) {
        (true, true) => "404 Not Found or 414 URI Too Long",
        (false, true) => "414 URI Too Long",
        _ => "404 Not Found",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Received, Sent};

    fn answered(status: u16) -> Vec<Trip> {
        let request = Sent { method: "GET".into(), url: "https://api.example.com/x".into(), headers: vec![] };
        vec![Trip { request, response: Received { status, headers: vec![] } }]
    }

    #[test]
    fn an_error_line_names_the_target_first_and_each_url_once() {
        let target = Url::parse("https://api.example.com/me").unwrap();
        let timeout =
            |url: &str| FetchError::Timeout { url: url.to_owned(), after: Duration::from_millis(500) };
        let line = describe(&target, &target, &timeout("https://api.example.com/me"));
        assert!(line.starts_with("https://api.example.com/me: no answer within 0.5 s"), "{line}");
        assert_eq!(line.matches("https://").count(), 1, "{line}");
        let line = describe(&target, &target, &timeout("https://cdn.example.net/me"));
        assert!(
            line.starts_with(
                "https://api.example.com/me: after a redirect to https://cdn.example.net/me: no answer"
            ),
            "{line}"
        );
        assert_eq!(line.matches("https://").count(), 2, "{line}");
    }

    #[test]
    fn a_wrong_path_is_reported_as_not_audited() {
        let target = Url::parse("https://api.example.com/x").unwrap();
        let plan = Plan::new(&target, &[]);
        let all = |status| -> Vec<(probe::Probe, Vec<Trip>)> {
            plan.probes.iter().map(|p| (p.clone(), answered(status))).collect()
        };
        assert_eq!(lost(&answered(404), &all(404)), Some("404 Not Found"));
        assert_eq!(lost(&answered(414), &all(414)), Some("414 URI Too Long"));
        assert_eq!(lost(&answered(404), &all(414)), Some("404 Not Found or 414 URI Too Long"));
        // One answer from the real endpoint (an error probe's 404 is expected) is enough.
        let mut some = all(404);
        some[0].1 = answered(200);
        assert_eq!(lost(&answered(404), &some), None);
        assert_eq!(lost(&answered(401), &all(404)), None);
    }
}
