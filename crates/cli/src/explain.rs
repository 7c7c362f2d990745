//! `corslab explain`: reads Exchanges (one object, an array, JSON Lines, a HAR file, one HAR
//! entry, items saved from Burp Suite or a `curl -v` trace) and prints what the browser does
//! with each, verdict first, or the Verdicts as JSON.

use std::io::{self, IsTerminal as _, Read as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use corslab_engine::har::{self, Found, Har, HarError};
use corslab_engine::verdict::{Outcome, Step};
use corslab_engine::{Browser, Exchange, InputError, Read, Verdict};
use corslab_engine::{rules, wording};

use crate::capture::{self, burp, trace};

/// Options of `corslab explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input: an Exchange, a JSON array of them, JSON Lines, a HAR file, one HAR entry
    /// (DevTools' Copy as HAR), the XML of items saved from Burp Suite (Save items), or what
    /// `curl -v -H 'Origin: …' URL 2>&1` writes; `-` or nothing reads standard input
    file: Option<PathBuf>,
    /// Print one Verdict per input as JSON (a single object for one input, JSON Lines otherwise)
    #[arg(long)]
    json: bool,
    /// Explain for this browser, whatever the input says: chromium or firefox
    #[arg(long, value_name = "chromium|firefox", value_parser = parse_browser)]
    browser: Option<Browser>,
}

/// One Exchange to explain, with what its input could not tell.
#[derive(Debug)]
pub struct Item {
    /// A short label (`PUT http://api… (HAR entry 3)`), empty for plain Exchanges.
    pub label: String,
    /// The Exchange.
    pub exchange: Exchange,
    /// Facts the input did not record and what was assumed instead, one sentence each.
    pub assumed: Vec<String>,
    /// Whether a HAR showed no preflight for a request that needs one: it came from the cache.
    pub preflight_cached: bool,
}

/// Why the input cannot be explained: where, and what was expected.
#[derive(Debug)]
pub struct BadInput(pub String);

/// Explains the input; exits 2 on unreadable or invalid input.
pub fn run(args: &Args) -> ExitCode {
    let (name, text) = match read_input(args.file.as_ref()) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let items = match parse(&text) {
        Ok(items) => items,
        Err(BadInput(message)) => {
            eprintln!("error: {name}: {message}");
            return ExitCode::from(2);
        }
    };
    let total = items.len();
    let single = total == 1;
    let mut out = String::new();
    for (i, mut item) in items.into_iter().enumerate() {
        if let Some(browser) = args.browser {
            item.exchange.browser = browser;
        }
        let mut verdict = har::explain(&item.exchange, item.preflight_cached);
        // What the input could not tell goes first, as steps, so the JSON carries it too.
        let assumed =
            item.assumed.iter().map(|says| Step::new(rules::INPUT_ASSUMED, Outcome::Info, says.clone()));
        verdict.steps.splice(0..0, assumed);
        if args.json {
            let line =
                if single { serde_json::to_string_pretty(&verdict) } else { serde_json::to_string(&verdict) };
            out.push_str(&line.unwrap_or_default());
            out.push('\n');
        } else {
            if !single {
                out.push_str(&format!("== {}/{total}: ", i + 1));
            }
            out.push_str(&human(&item, &verdict, single));
        }
    }
    write_out(&out)
}

/// Reads the input's Exchanges: a HAR file, one object, an array, JSON Lines, items saved from
/// Burp Suite, or a `curl -v` trace.
pub fn parse(text: &str) -> Result<Vec<Item>, BadInput> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(BadInput(
            "the input is empty; give an Exchange, an array of them, JSON Lines, a HAR file, items saved from Burp Suite or a curl -v trace"
                .to_owned(),
        ));
    }
    if burp::looks_like_burp(trimmed) {
        return capture_items(burp::har(text), &BURP);
    }
    if trace::looks_like_trace(trimmed) {
        return capture_items(trace::har(text), &TRACE);
    }
    if trimmed.starts_with('[') {
        let exchanges = Exchange::list_from_json(text).map_err(|e| BadInput(e.to_string()))?;
        if exchanges.is_empty() {
            return Err(BadInput("the array holds no Exchange; put at least one object in it".to_owned()));
        }
        return Ok(exchanges.into_iter().map(plain).collect());
    }
    // One JSON object: a HAR log, one HAR entry or a single Exchange. Told apart without
    // building the document in memory (a HAR with response bodies runs to hundreds of megabytes).
    if let Ok(object) = serde_json::from_str::<TopLevel>(text) {
        if object.log {
            return har_items(text);
        }
        if object.started_date_time || object.timings {
            // One entry, as DevTools' "Copy as HAR" gives it: read as a HAR of that entry.
            return har_items(&format!("{{\"log\": {{\"entries\": [{text}]}}}}"));
        }
        return Exchange::from_json(text).map(|e| vec![plain(e)]).map_err(|e| BadInput(e.to_string()));
    }
    // Not one JSON value. A HAR log that does not parse is reported as one.
    if looks_like_har(trimmed) {
        return har_items(text);
    }
    // Several values, one a line: JSON Lines, when the first line is a value of its own.
    // Otherwise it is a single broken document, reported at the line and column where it
    // breaks.
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| (i + 1, l)).collect();
    let json_lines = lines.len() >= 2 && serde_json::from_str::<serde_json::Value>(lines[0].1).is_ok();
    if !json_lines {
        return Exchange::from_json(text).map(|e| vec![plain(e)]).map_err(|e| BadInput(e.to_string()));
    }
    lines
        .into_iter()
        .map(|(number, line)| {
            Exchange::from_json(line)
                .map(plain)
                .map_err(|e| BadInput(InputError { line: number, ..e }.to_string()))
        })
        .collect()
}

/// A JSON object's top level, read only for which keys it has: `log`, as a HAR file has
/// (whatever its value: `{"log": null}` is a broken HAR file, not an Exchange), or the
/// `startedDateTime` and `timings` every HAR entry has and no Exchange does.
#[derive(serde::Deserialize)]
struct TopLevel {
    #[serde(default, deserialize_with = "present")]
    log: bool,
    #[serde(default, rename = "startedDateTime", deserialize_with = "present")]
    started_date_time: bool,
    #[serde(default, deserialize_with = "present")]
    timings: bool,
}

/// True for a key that is there, whatever its value (`null` included); a missing key takes
/// the default, false.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    <serde::de::IgnoredAny as serde::Deserialize>::deserialize(deserializer).map(|_| true)
}

/// Whether a document that does not parse opens as a HAR file does: an object whose first key
/// is `log`.
fn looks_like_har(trimmed: &str) -> bool {
    trimmed.strip_prefix('{').is_some_and(|rest| rest.trim_start().starts_with("\"log\""))
}

/// The cross-origin exchanges of a HAR file, read by the engine, each labelled with its entry.
fn har_items(text: &str) -> Result<Vec<Item>, BadInput> {
    let har = Har::from_json(text).map_err(|e| BadInput(format!("{e}; is this a HAR file?")))?;
    let found = har::exchanges(&har).map_err(|e| BadInput(e.to_string()))?;
    Ok(found_items(found, |entry| format!("HAR entry {entry}")))
}

/// The cross-origin exchanges of a capture read as a HAR of its requests (items saved from Burp
/// Suite, a `curl -v` trace), each labelled with its part, counted from 1 as the capture is read.
fn capture_items(har: Result<Har, String>, kind: &Capture) -> Result<Vec<Item>, BadInput> {
    let har = har.map_err(BadInput)?;
    let part = kind.part;
    let found = har::exchanges(&har).map_err(|e| {
        BadInput(match e {
            HarError::BadUrl { entry, url, reason } => {
                format!("{part} {}: {url:?} is not a URL ({reason})", entry + 1)
            }
            HarError::BadMethod { entry, reason } => {
                format!("{part} {}: the request's method: {reason}", entry + 1)
            }
            HarError::NothingCrossOrigin => kind.no_cross_origin.to_owned(),
            other => other.to_string(),
        })
    })?;
    let mut items = found_items(found, |entry| format!("{} {}", kind.label, entry + 1));
    for item in &mut items {
        item.assumed.insert(0, kind.read_as.to_owned());
    }
    Ok(items)
}

/// What a capture read as a HAR calls its parts, and what its explanations say of it.
#[derive(Debug)]
struct Capture {
    /// What errors call one of its requests (`item 3`).
    part: &'static str,
    /// What labels call one (`Burp item 3`).
    label: &'static str,
    /// Said first, since the rest of an explanation speaks of a HAR.
    read_as: &'static str,
    /// Why none of its requests can be explained.
    no_cross_origin: &'static str,
}

const BURP: Capture = Capture {
    part: "item",
    label: "Burp item",
    read_as: "Burp Suite's items are read as a HAR of the same requests: below, \"the HAR\" means those items.",
    no_cross_origin: "no item is a cross-origin request; save the requests a page sent to another origin \
                      (Proxy → HTTP history → Save items)",
};

const TRACE: Capture = Capture {
    part: "request",
    label: "curl request",
    read_as: "The curl -v trace is read as a HAR of the requests curl sent: below, \"the HAR\" means the trace.",
    no_cross_origin: "no request in the trace is cross-origin: its Origin is the URL's own; give the origin of \
                      the page that fetches with -H 'Origin: …'",
};

/// The exchanges a HAR reading found, each labelled by `source` with where it came from.
fn found_items(found: Vec<Found>, source: impl Fn(usize) -> String) -> Vec<Item> {
    found
        .into_iter()
        .map(|found| {
            let request = &found.exchange.request;
            Item {
                label: format!("{} {} ({})", request.method, request.url, source(found.entry)),
                assumed: found.assumed.iter().map(wording::assumption).collect(),
                preflight_cached: found.preflight_cached(),
                exchange: found.exchange,
            }
        })
        .collect()
}

fn plain(exchange: Exchange) -> Item {
    Item { label: String::new(), exchange, assumed: Vec::new(), preflight_cached: false }
}

fn parse_browser(name: &str) -> Result<Browser, String> {
    match name {
        "chromium" => Ok(Browser::Chromium),
        "firefox" => Ok(Browser::Firefox),
        _ => Err(format!("unknown browser {name:?}; choose chromium or firefox")),
    }
}

/// The input's name and text: UTF-8, a byte-order mark (as Windows tools write) dropped.
fn read_input(file: Option<&PathBuf>) -> Result<(String, String), String> {
    let (name, bytes) = match file.filter(|f| f.as_os_str() != "-") {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            (path.display().to_string(), bytes)
        }
        None => {
            if io::stdin().is_terminal() {
                eprintln!(
                    "Reading an Exchange, JSON Lines, a HAR file, Burp Suite items or a curl -v trace from the terminal; end with Ctrl-D."
                );
            }
            let mut bytes = Vec::new();
            io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read standard input: {e}"))?;
            ("<stdin>".to_owned(), bytes)
        }
    };
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((name, text.to_owned())),
        Err(e) => match capture::lossy_text(bytes) {
            Some(text) => Ok((name, text)),
            None => Err(format!("{name}: byte {} is not UTF-8; save the file as UTF-8", e.valid_up_to() + 1)),
        },
    }
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn write_out(text: &str) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the explanation: {e}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

/// The human form: the verdict first, then the steps with marks and spec links, the console line,
/// the findings and how to fix the server.
pub fn human(item: &Item, verdict: &Verdict, single: bool) -> String {
    let exchange = &item.exchange;
    let request = &exchange.request;
    let mut out = String::new();
    let what = format!("{} {} from {}", request.method, request.url, exchange.page);
    if single {
        out.push_str(&format!("{what}\n"));
    } else {
        let label = if item.label.is_empty() { what } else { item.label.clone() };
        out.push_str(&format!("{label}\n"));
    }
    let headline = match (verdict.read, verdict.blocked_at) {
        (Read::Allowed, _) => "ALLOWED: the script can read the response".to_owned(),
        (Read::Opaque, _) => {
            "OPAQUE: the request is sent, but the script sees status 0 and nothing else".to_owned()
        }
        (Read::Blocked, _) if verdict.pending => {
            "PENDING: the fetch waits for the user to answer the browser's permission prompt; nothing is sent, and the script gets neither a response nor a TypeError"
                .to_owned()
        }
        (Read::Blocked, Some(at)) => {
            format!("BLOCKED at the {}: the script gets a TypeError", at.as_str())
        }
        (Read::Blocked, None) => "BLOCKED: the script gets a TypeError".to_owned(),
    };
    out.push_str(&format!("{headline} ({})\n", exchange.browser));
    if let Some(reason) = &verdict.reason {
        match &verdict.failed_parameter {
            Some(p) => out.push_str(&format!("  reason: {reason} ({p:?})\n")),
            None => out.push_str(&format!("  reason: {reason}\n")),
        }
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    let cookies =
        if verdict.cookies_sent.is_empty() { "none".to_owned() } else { verdict.cookies_sent.join(", ") };
    out.push_str(&format!(
        "  preflight sent: {} · request reached the server: {} · cookies sent: {cookies}\n",
        yes(verdict.preflight_sent),
        yes(verdict.request_sent)
    ));
    if verdict.read == Read::Allowed {
        let exposed = if verdict.exposed_headers.is_empty() {
            "none".to_owned()
        } else {
            verdict.exposed_headers.join(", ")
        };
        out.push_str(&format!("  readable headers: {exposed}\n"));
    }
    if !verdict.sent.is_empty() {
        out.push_str("\nsent:\n");
        for sent in &verdict.sent {
            out.push_str(&format!("  → {} {} · {}", sent.method, sent.url, wording::carried(sent)));
            // What a Fetch Metadata check on the server reads (sent to trustworthy URLs only).
            if let Some(site) = sent.sec_fetch_site {
                out.push_str(&format!(" · Sec-Fetch-Site: {}", site.as_str()));
            }
            out.push('\n');
        }
    }
    out.push_str("\nwhy:\n");
    for step in &verdict.steps {
        let mark = match step.outcome {
            Outcome::Pass => "✔",
            Outcome::Fail => "✘",
            Outcome::Info => "·",
        };
        out.push_str(&format!("  {mark} {}\n      {} ({})\n", step.says, step.spec, step.rule));
    }
    if let Some(console) = &verdict.console {
        out.push_str(&format!("\n{} console:\n  {}\n", exchange.browser, console.replace('\n', "\n  ")));
    }
    if !verdict.findings.is_empty() {
        out.push_str("\nfindings about the server:\n");
        for finding in &verdict.findings {
            out.push_str(&format!("  [{}] {} ({})\n", finding.severity.as_str(), finding.says, finding.id));
        }
    }
    if !verdict.fix.is_empty() {
        out.push_str("\nhow to fix the server:\n");
        for fix in &verdict.fix {
            out.push_str(&format!("  - {}\n", fix.says));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"page": "http://a.localhost", "request": {"url": "http://b.localhost/x"}, "response": {"status": 200}}"#;

    #[test]
    fn reads_one_object_an_array_and_json_lines() {
        assert_eq!(parse(ONE).unwrap().len(), 1);
        assert_eq!(parse(&format!("[{ONE}, {ONE}]")).unwrap().len(), 2);
        assert_eq!(parse(&format!("{ONE}\n\n{ONE}\n{ONE}\n")).unwrap().len(), 3);
    }

    #[test]
    fn json_lines_errors_name_the_line() {
        let text = format!("{ONE}\n{}\n", ONE.replace("http://b.localhost/x", "nope"));
        let BadInput(message) = parse(&text).unwrap_err();
        assert!(message.starts_with("line 2, column"), "{message}");
        assert!(message.contains("request.url"), "{message}");
    }

    #[test]
    fn a_broken_document_is_reported_where_it_breaks() {
        // A pretty-printed Exchange with a trailing comma on its fourth line.
        let text = "{\n  \"page\": \"http://a.localhost\",\n  \"request\": {\"url\": \"http://b.localhost/x\"},\n  \"response\": {\"status\": 200},\n}\n";
        let BadInput(message) = parse(text).unwrap_err();
        assert!(message.starts_with("line 5, column 1"), "{message}");
        // A HAR file cut short says so, wherever it ends.
        let har = include_str!("../../../tests/data/har/chromium.har");
        for cut in [&har[..har.len() / 2], &har.replace('\n', " ")[..har.len() / 2]] {
            let BadInput(message) = parse(cut).unwrap_err();
            assert!(message.starts_with("line ") && message.contains("HAR"), "{message}");
            assert!(!message.contains("unknown field"), "{message}");
        }
    }

    #[test]
    fn array_errors_name_the_element() {
        let text = format!("[{ONE},\n{}]", ONE.replace("\"status\": 200", "\"status\": \"ok\""));
        let BadInput(message) = parse(&text).unwrap_err();
        assert!(message.contains("[1].response.status"), "{message}");
        assert!(message.starts_with("line 2"), "{message}");
    }

    #[test]
    fn empty_input_says_what_to_give() {
        let BadInput(message) = parse("  \n").unwrap_err();
        assert!(message.contains("give an Exchange"), "{message}");
    }

    fn labels(items: &[Item]) -> Vec<&str> {
        items.iter().map(|i| i.label.as_str()).collect()
    }

    #[test]
    fn reads_a_har_file_through_the_engine() {
        let items = parse(include_str!("../../../tests/data/har/chromium.har")).unwrap();
        assert_eq!(
            labels(&items),
            [
                "GET http://api.fintrack.localhost:8080/me/balance (HAR entry 1)",
                "PUT http://api.fintrack.localhost:8080/me/email (HAR entry 3)"
            ]
        );
        assert!(
            items[0].assumed.iter().any(|a| a.contains("credentials: include")),
            "{:?}",
            items[0].assumed
        );
    }

    #[test]
    fn one_entry_copied_as_har_is_read_as_a_har_of_that_entry() {
        let har: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/data/har/chromium.har")).unwrap();
        let entry = serde_json::to_string_pretty(&har["log"]["entries"][1]).unwrap();
        let items = parse(&entry).unwrap();
        assert_eq!(labels(&items), ["GET http://api.fintrack.localhost:8080/me/balance (HAR entry 0)"]);
        // A broken entry is reported as HAR input, by its path.
        let BadInput(message) = parse(r#"{"startedDateTime": "x", "request": {"url": "nope"}}"#).unwrap_err();
        assert!(message.starts_with("log.entries[0].request.url: \"nope\" is not a URL"), "{message}");
    }

    #[test]
    fn items_saved_from_burp_are_the_exchanges_of_the_same_requests_in_a_har() {
        let from_har = parse(include_str!("../../../tests/data/har/chromium.har")).unwrap();
        let from_burp = parse(include_str!("../../../tests/data/burp/chromium-items.xml")).unwrap();
        assert_eq!(
            labels(&from_burp),
            [
                "GET http://api.fintrack.localhost:8080/me/balance (Burp item 2)",
                "PUT http://api.fintrack.localhost:8080/me/email (Burp item 4)"
            ]
        );
        for (har, burp) in from_har.iter().zip(&from_burp) {
            assert_eq!(burp.exchange, har.exchange, "{}", burp.label);
            assert_eq!(burp.assumed[0], BURP.read_as);
            // The HAR's page is the one assumption a Burp file cannot make: it records no page.
            let har_said: Vec<&String> = har.assumed.iter().filter(|a| !a.contains("HAR's page")).collect();
            assert_eq!(burp.assumed[1..].iter().collect::<Vec<_>>(), har_said, "{}", burp.label);
        }
    }

    #[test]
    fn burp_items_with_no_cross_origin_request_say_what_to_save() {
        let xml = "<items><item><url>http://a.example/</url><request>GET / HTTP/1.1\nHost: a.example\n\n</request>\
                   <response>HTTP/1.1 200 OK\n\n</response></item></items>";
        let BadInput(message) = parse(xml).unwrap_err();
        assert!(message.starts_with("no item is a cross-origin request; save the requests"), "{message}");
        let BadInput(message) = parse("<items><item><url>nope</url></item></items>").unwrap_err();
        assert!(message.starts_with("item 1: \"nope\" is not a URL"), "{message}");
    }

    #[test]
    fn a_curl_trace_is_explained_as_the_page_its_origin_names_would_see_it() {
        let items = parse(include_str!("../../../tests/data/curl/preflight-then-put.txt")).unwrap();
        assert_eq!(
            labels(&items),
            ["PUT http://api.fintrack.localhost:8080/me/email?policy=reflect-any-origin (curl request 2)"]
        );
        let [item] = &items[..] else { panic!("one exchange") };
        assert_eq!(item.assumed[0], TRACE.read_as);
        assert_eq!(item.exchange.page.to_string(), "http://free-crypto-giveaway.localhost:8080");
        assert!(item.exchange.preflight.is_some(), "the preflight curl sent is paired with the PUT");
        let verdict = har::explain(&item.exchange, item.preflight_cached);
        assert_eq!(verdict.reason.as_deref(), Some("MethodDisallowedByPreflightResponse"));
    }

    #[test]
    fn a_capture_with_a_body_that_is_not_utf8_is_read_for_its_heads() {
        let path = std::env::temp_dir().join(format!("corslab-explain-binary-{}.txt", std::process::id()));
        let mut trace = include_bytes!("../../../tests/data/curl/reflected-with-cookie.txt").to_vec();
        trace.extend_from_slice(b"\n\x89PNG\xff\xfe\n");
        std::fs::write(&path, &trace).unwrap();
        let read = read_input(Some(&path));
        std::fs::write(&path, b"{\"page\": \"\xff\"}").unwrap();
        let refused = read_input(Some(&path));
        let _ = std::fs::remove_file(&path);
        let (_, text) = read.unwrap();
        assert_eq!(parse(&text).unwrap().len(), 1);
        let message = refused.unwrap_err();
        assert!(message.ends_with("byte 11 is not UTF-8; save the file as UTF-8"), "{message}");
    }

    #[test]
    fn a_null_log_is_a_broken_har() {
        let BadInput(message) = parse(r#"{"log": null}"#).unwrap_err();
        assert!(message.contains("HAR"), "{message}");
        assert!(!message.contains("page"), "not read as an Exchange: {message}");
    }

    #[test]
    fn har_errors_name_the_entry_and_field() {
        let BadInput(message) =
            parse(r#"{"log": {"entries": [{"response": {"status": "ok"}}]}}"#).unwrap_err();
        assert!(message.contains("at `log.entries[0].response.status`"), "{message}");
        let BadInput(message) = parse(r#"{"log": {"entries": [{"request": {"url": "nope"}}]}}"#).unwrap_err();
        assert!(message.starts_with("log.entries[0].request.url: \"nope\" is not a URL"), "{message}");
    }

    #[test]
    fn human_output_puts_the_verdict_first() {
        let item = parse(ONE).unwrap().remove(0);
        let verdict = corslab_engine::explain(&item.exchange);
        let text = human(&item, &verdict, true);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("BLOCKED at the response"), "{text}");
        assert!(text.contains("✘"), "{text}");
        assert!(text.contains("how to fix the server:"), "{text}");
    }

    #[test]
    fn a_fetch_held_for_a_permission_prompt_is_pending_not_a_type_error() {
        let text = r#"{ "browser": "firefox", "page": "https://public.example",
            "request": { "url": "http://127.0.0.1:8080/x" },
            "response": { "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]] } }"#;
        let item = parse(text).unwrap().remove(0);
        let verdict = corslab_engine::explain(&item.exchange);
        let text = human(&item, &verdict, true);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("PENDING: the fetch waits"), "{text}");
        assert!(!text.contains("gets a TypeError"), "{text}");
    }

    #[test]
    fn human_output_lists_what_went_over_the_wire() {
        let text = r#"{ "page": "https://a.test",
            "request": { "method": "PUT", "url": "https://b.test/x", "credentials": "include" },
            "cookies": [{ "name": "sid", "host": "b.test", "same_site": "none", "secure": true }],
            "settings": { "third_party_cookies": "allowed" },
            "preflight": { "status": 204, "headers": [["Access-Control-Allow-Origin", "https://a.test"],
                ["Access-Control-Allow-Credentials", "true"], ["Access-Control-Allow-Methods", "PUT"]] },
            "response": { "status": 307, "headers": [["Location", "https://c.test/y"],
                ["Access-Control-Allow-Origin", "https://a.test"], ["Access-Control-Allow-Credentials", "true"]] },
            "next": { "preflight": { "status": 204, "headers": [["Access-Control-Allow-Origin", "null"]] },
                      "response": { "status": 200 } } }"#;
        let item = parse(text).unwrap().remove(0);
        let verdict = corslab_engine::explain(&item.exchange);
        let text = human(&item, &verdict, true);
        let sent: Vec<&str> =
            text.lines().skip_while(|l| *l != "sent:").skip(1).take_while(|l| !l.is_empty()).collect();
        assert_eq!(sent.len(), 3, "{text}");
        assert_eq!(
            sent[0],
            "  → OPTIONS https://b.test/x · Origin: https://a.test · preflight for PUT · Sec-Fetch-Site: cross-site"
        );
        assert_eq!(
            sent[1],
            "  → PUT https://b.test/x · Origin: https://a.test · Cookie: sid · Sec-Fetch-Site: cross-site"
        );
        assert!(
            sent[2].starts_with("  → OPTIONS https://c.test/y · Origin: "),
            "the redirect is preflighted again: {text}"
        );
    }
}
