//! What happened to one scenario in one browser, and how it is read from the browser's tooling:
//! what the page's script saw, which requests reached the server (the lab's log), and the
//! browser's own reason (Chromium's DevTools `corsErrorStatus` and console; Firefox's console).

use std::collections::{HashMap, HashSet};

use corslab_engine::exchange::Cookie;
use corslab_lab::seen::Seen;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything observed about one scenario in one browser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// What the page's script saw.
    pub page: PageSaw,
    /// The requests of this scenario that reached the server, oldest first.
    pub server: Vec<Seen>,
    /// The requests the fetches before it sent, oldest first (none without fetches before).
    #[serde(default)]
    pub before_server: Vec<Seen>,
    /// What the browser's own tooling said.
    pub said: Said,
    /// The cookie jar the browser held before the fetch.
    pub jar: Vec<Cookie>,
}

/// What `fetch()` gave the page's script.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSaw {
    /// Whether the promise resolved with a response.
    pub ok: bool,
    /// The response's status.
    #[serde(default)]
    pub status: Option<u16>,
    /// The response's type: `basic`, `cors`, `opaque`, `opaqueredirect`.
    #[serde(default, rename = "type")]
    pub response_type: Option<String>,
    /// `[...response.headers.keys()]`: the header names the script can read.
    #[serde(default)]
    pub headers: Vec<String>,
    /// The error the promise rejected with, as `String(error)`.
    #[serde(default)]
    pub error: Option<String>,
}

/// What the browser's tooling said about a fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// Chromium's `corsError` or the MDN slug of Firefox's first console reason.
    pub reason: Option<String>,
    /// Chromium's `failedParameter` (when not empty) or the value Firefox's reason names.
    pub failed_parameter: Option<String>,
    /// The console lines about this fetch, in order.
    pub console: Vec<String>,
}

/// The `run` a URL or a line of text carries (`run=c12`), which names the scenario.
pub fn run_in(text: &str) -> Option<&str> {
    let start = text.find("run=")? + 4;
    let rest = &text[start..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Chromium's view, gathered from chromedriver's performance and browser logs as they are read.
#[derive(Debug, Default)]
pub struct Chromium {
    /// DevTools request ids to runs: a redirect keeps its id, a preflight has its own.
    requests: HashMap<String, String>,
    /// Per run: the CORS error and its parameter.
    errors: HashMap<String, (String, Option<String>)>,
    /// Per run: console lines.
    console: HashMap<String, Vec<String>>,
    /// Runs with a failed request, CORS error or not.
    failed: HashSet<String>,
}

impl Chromium {
    /// Reads `POST /se/log {"type":"performance"}` entries: each `message` is a DevTools event as
    /// JSON text. `Network.requestWillBeSent` names a request's URL, `Network.loadingFailed`
    /// carries `corsErrorStatus`.
    pub fn performance(&mut self, entries: &[Value]) {
        for entry in entries {
            let Some(text) = entry.get("message").and_then(Value::as_str) else { continue };
            let Ok(event) = serde_json::from_str::<Value>(text) else { continue };
            let message = &event["message"];
            let params = &message["params"];
            let id = params["requestId"].as_str().unwrap_or_default();
            match message["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    if let Some(run) = params["request"]["url"].as_str().and_then(run_in) {
                        self.requests.entry(id.to_owned()).or_insert_with(|| run.to_owned());
                    }
                }
                Some("Network.loadingFailed") => {
                    let Some(run) = self.requests.get(id) else { continue };
                    self.failed.insert(run.clone());
                    let status = &params["corsErrorStatus"];
                    let Some(error) = status["corsError"].as_str() else { continue };
                    let parameter =
                        status["failedParameter"].as_str().filter(|p| !p.is_empty()).map(str::to_owned);
                    self.errors.entry(run.clone()).or_insert_with(|| (error.to_owned(), parameter));
                }
                _ => {}
            }
        }
    }

    /// Reads `POST /se/log {"type":"browser"}` entries. A CORS message reads
    /// `<page URL> - Access to fetch at '<url>' …`, a blocked mixed-content one (from the
    /// security source) `<page URL> - Mixed Content: … has been blocked …`; network noise
    /// (`Failed to load resource`) and warnings about what was let through are left out, as
    /// the engine's console holds what stops a fetch.
    pub fn browser(&mut self, entries: &[Value]) {
        for entry in entries {
            let Some(message) = entry["message"].as_str() else { continue };
            let blocked_mixed_content =
                message.contains("Mixed Content: ") && message.contains("has been blocked");
            if entry["source"].as_str() != Some("javascript") && !blocked_mixed_content {
                continue;
            }
            // The page's own URL and position come first ("<url> - " or "<source> <line> ").
            let start = [
                "Access to fetch at ",
                "Fetch API cannot load ",
                "Not allowed to load local resource: ",
                "Mixed Content: ",
            ]
            .iter()
            .filter_map(|phrase| message.find(phrase))
            .min();
            let text = match start {
                Some(i) => &message[i..],
                None => message.split_once(" - ").map_or(message, |(_, text)| text),
            };
            if let Some(run) = run_in(text) {
                self.console.entry(run.to_owned()).or_default().push(text.to_owned());
            }
        }
    }

    /// What Chromium said about `run`.
    pub fn said(&self, run: &str) -> Said {
        let (reason, failed_parameter) =
            self.errors.get(run).cloned().map_or((None, None), |(r, p)| (Some(r), p));
        Said { reason, failed_parameter, console: self.console.get(run).cloned().unwrap_or_default() }
    }

    /// Drops what Chromium said about `run` so far (its fetches before the observed one).
    pub fn forget(&mut self, run: &str) {
        self.errors.remove(run);
        self.console.remove(run);
        self.failed.remove(run);
    }

    /// Whether Chromium has reported a failed request for `run` yet (with a CORS error or not).
    pub fn has_failed(&self, run: &str) -> bool {
        self.failed.contains(run)
    }
}

/// Firefox's view, gathered from WebDriver BiDi `log.entryAdded` texts.
#[derive(Debug, Default)]
pub struct Firefox {
    console: HashMap<String, Vec<String>>,
}

impl Firefox {
    /// Takes one console text; only Firefox's CORS and mixed-content messages are kept, by run.
    pub fn text(&mut self, text: &str) {
        if !text.starts_with("Cross-Origin Request Blocked:") && !text.starts_with("Blocked loading mixed") {
            return;
        }
        if let Some(run) = run_in(text) {
            let lines = self.console.entry(run.to_owned()).or_default();
            // The same message can reach the log twice (once per listener); keep one.
            if !lines.iter().any(|l| l == text) {
                lines.push(text.to_owned());
            }
        }
    }

    /// Drops what Firefox said about `run` so far (its fetches before the observed one).
    pub fn forget(&mut self, run: &str) {
        self.console.remove(run);
    }

    /// How many lines it holds, to tell when the console has gone quiet.
    pub fn lines(&self) -> usize {
        self.console.values().map(Vec::len).sum()
    }

    /// What Firefox said about `run`: the slug of its first reason, and every line.
    pub fn said(&self, run: &str) -> Said {
        let console = self.console.get(run).cloned().unwrap_or_default();
        let first = console.first().and_then(|line| reason_text(line));
        let (reason, failed_parameter) = match first.map(firefox_slug) {
            Some((slug, parameter)) => (Some(slug), parameter),
            None => (None, None),
        };
        Said { reason, failed_parameter, console }
    }
}

/// The text after `(Reason: ` in a Firefox CORS message, up to its closing `).`. The reason may
/// hold parentheses of its own (an unparsable token such as `(bad)`), so the end is the last
/// `).` before the optional ` Status code: …` suffix.
pub fn reason_text(line: &str) -> Option<&str> {
    let start = line.find("(Reason: ")? + "(Reason: ".len();
    let rest = &line[start..];
    let rest = rest.find(" Status code:").map_or(rest, |i| &rest[..i]);
    let end = rest.rfind(").")?;
    Some(&rest[..end])
}

/// The MDN slug (and named value) of a Firefox reason text; an unknown text is returned as
/// `unrecognized: <text>` so that it shows as a difference instead of vanishing.
pub fn firefox_slug(text: &str) -> (String, Option<String>) {
    const FIXED: &[(&str, &str)] = &[
        ("CORS disabled", "CORSDisabled"),
        ("CORS request did not succeed", "CORSDidNotSucceed"),
        ("CORS header \u{2018}Origin\u{2019} cannot be added", "CORSOriginHeaderNotAdded"),
        ("CORS request external redirect not allowed", "CORSExternalRedirectNotAllowed"),
        ("CORS request not http", "CORSRequestNotHttp"),
        ("CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing", "CORSMissingAllowOrigin"),
        (
            "Credential is not supported if the CORS header \u{2018}Access-Control-Allow-Origin\u{2019} is \u{2018}*\u{2019}",
            "CORSNotSupportingCredentials",
        ),
        (
            "Did not find method in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}",
            "CORSMethodNotFound",
        ),
        (
            "expected \u{2018}true\u{2019} in CORS header \u{2018}Access-Control-Allow-Credentials\u{2019}",
            "CORSMIssingAllowCredentials",
        ),
        ("CORS preflight response did not succeed", "CORSPreflightDidNotSucceed"),
        (
            "Multiple CORS header \u{2018}Access-Control-Allow-Origin\u{2019} not allowed",
            "CORSMultipleAllowOriginNotAllowed",
        ),
    ];
    const NAMED: &[(&str, &str, &str)] = &[
        (
            "CORS header \u{2018}Access-Control-Allow-Origin\u{2019} does not match \u{2018}",
            "\u{2019}",
            "CORSAllowOriginNotMatchingOrigin",
        ),
        (
            "invalid token \u{2018}",
            "\u{2019} in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}",
            "CORSInvalidAllowMethod",
        ),
        (
            "invalid token \u{2018}",
            "\u{2019} in CORS header \u{2018}Access-Control-Allow-Headers\u{2019}",
            "CORSInvalidAllowHeader",
        ),
        (
            "header \u{2018}",
            "\u{2019} is not allowed according to header \u{2018}Access-Control-Allow-Headers\u{2019} from CORS preflight response",
            "CORSMissingAllowHeaderFromPreflight",
        ),
    ];
    if let Some((_, slug)) = FIXED.iter().find(|(t, _)| *t == text) {
        return ((*slug).to_owned(), None);
    }
    for (prefix, suffix, slug) in NAMED {
        if let Some(value) = text.strip_prefix(prefix).and_then(|r| r.strip_suffix(suffix)) {
            return ((*slug).to_owned(), Some(value.to_owned()));
        }
    }
    (format!("unrecognized: {text}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn perf(method: &str, params: &Value) -> Value {
        json!({ "message": json!({ "message": { "method": method, "params": params }, "webview": "x" }).to_string() })
    }

    #[test]
    fn chromium_pairs_a_failure_with_the_run_of_its_request() {
        let mut chromium = Chromium::default();
        chromium.performance(&[
            perf("Network.requestWillBeSent", &json!({ "requestId": "1.2", "request": { "url": "http://api.fintrack.localhost:1/me/email?policy=none&run=c7" } })),
            perf("Network.requestWillBeSent", &json!({ "requestId": "1.3", "request": { "url": "http://api.fintrack.localhost:1/me/balance?run=c8" } })),
        ]);
        // The failure can arrive in a later read of the log.
        chromium.performance(&[perf("Network.loadingFailed", &json!({ "requestId": "1.2", "corsErrorStatus": { "corsError": "PreflightMissingAllowOriginHeader", "failedParameter": "" } }),
        )]);
        chromium.browser(&[
            json!({ "level": "SEVERE", "source": "javascript", "message": "http://blog.fintrack.localhost:1/matrix - Access to fetch at 'http://api.fintrack.localhost:1/me/email?policy=none&run=c7' from origin 'http://blog.fintrack.localhost:1' has been blocked by CORS policy: No." }),
            json!({ "level": "SEVERE", "source": "network", "message": "http://api.fintrack.localhost:1/me/email?policy=none&run=c7 - Failed to load resource: net::ERR_FAILED" }),
        ]);
        let said = chromium.said("c7");
        assert_eq!(said.reason.as_deref(), Some("PreflightMissingAllowOriginHeader"));
        assert_eq!(said.failed_parameter, None, "an empty parameter names nothing");
        assert_eq!(said.console.len(), 1);
        assert!(said.console[0].starts_with("Access to fetch at"));
        assert!(chromium.has_failed("c7") && !chromium.has_failed("c8"));
        assert_eq!(chromium.said("c8"), Said::default());
    }

    #[test]
    fn firefox_reasons_become_slugs_with_their_values() {
        let line = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.fintrack.localhost:1/scripted?answer=x&run=f3. (Reason: invalid token \u{2018}(bad)\u{2019} in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}). Status code: 204.";
        assert_eq!(
            reason_text(line),
            Some(
                "invalid token \u{2018}(bad)\u{2019} in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}"
            )
        );
        let mut firefox = Firefox::default();
        firefox.text(line);
        firefox.text(line);
        firefox.text("Content-Security-Policy: something else run=f3");
        let said = firefox.said("f3");
        assert_eq!(said.reason.as_deref(), Some("CORSInvalidAllowMethod"));
        assert_eq!(said.failed_parameter.as_deref(), Some("(bad)"));
        assert_eq!(said.console.len(), 1);
        assert_eq!(
            firefox_slug("Credential is not supported if the CORS header \u{2018}Access-Control-Allow-Origin\u{2019} is \u{2018}*\u{2019}").0,
            "CORSNotSupportingCredentials"
        );
        assert_eq!(
            firefox_slug(
                "CORS header \u{2018}Access-Control-Allow-Origin\u{2019} does not match \u{2018}null\u{2019}"
            ),
            ("CORSAllowOriginNotMatchingOrigin".to_owned(), Some("null".to_owned()))
        );
        assert!(firefox_slug("something new").0.starts_with("unrecognized: "));
    }

    #[test]
    fn runs_are_read_from_urls_and_texts() {
        assert_eq!(run_in("http://x/y?policy=a&run=c12"), Some("c12"));
        assert_eq!(run_in("at \u{2018}http://x/?run=f9\u{2019}. (Reason"), Some("f9"));
        assert_eq!(run_in("no run here"), None);
        assert_eq!(run_in("run=&x"), None);
    }
}
