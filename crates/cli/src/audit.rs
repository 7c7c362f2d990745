//! `corslab audit`: finds CORS misconfigurations on live endpoints and prints them as a table,
//! JSON Lines, SARIF or Markdown; exits 1 when a finding reaches `--fail-on`.

use std::io::{self, IsTerminal as _, Read as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use corslab_audit::{Auditor, Options, Severity, TargetReport, render};
use corslab_engine::origin::Origin;
use futures_util::StreamExt as _;
use url::Url;

use crate::capture;
use crate::explain;

/// Options of `corslab audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// URLs to audit; `-` reads more from standard input, one per line
    #[arg(value_name = "URL")]
    urls: Vec<String>,
    /// Read URLs from a file, one per line (blank lines and `#` comments are skipped), or from a
    /// capture `corslab explain` reads (a HAR file, items saved from Burp Suite, a `curl -v`
    /// trace, Exchanges): the endpoints its cross-origin requests went to
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    input: Option<PathBuf>,
    /// An origin the API is meant to trust, such as `https://app.example.com` (repeatable); every other origin counts as untrusted
    #[arg(short = 't', long = "trusted", value_name = "ORIGIN")]
    trusted: Vec<String>,
    /// A request header for every GET probe to the target's own origin (never past a redirect to another), such as 'Authorization: Bearer …' (repeatable)
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A cookie to send to the target's own origin, written as Set-Cookie writes it: 'session=…; SameSite=Lax; Secure' (repeatable); the attributes decide which browsers the judgement says attach it
    #[arg(short = 'b', long = "cookie", value_name = "NAME=VALUE[; ATTRS]")]
    cookies: Vec<String>,
    /// Connect to ADDRESS for NAME instead of asking DNS; NAME may be *.example.com (repeatable)
    #[arg(long = "resolve", value_name = "NAME=ADDRESS")]
    resolve: Vec<String>,
    /// Accept any TLS certificate, as for a staging server that signs its own; browsers would refuse it, so the judgement says what they do once it is trusted
    #[arg(short = 'k', long)]
    insecure: bool,
    /// Requests in flight at once, over all targets
    #[arg(short = 'c', long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    concurrency: u16,
    /// Requests per second to one host (0: no limit)
    #[arg(long, default_value_t = 50.0, value_name = "PER_SECOND")]
    rate: f64,
    /// Seconds one request may take
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    timeout: f64,
    /// Redirects a probe follows (0: report the redirect itself)
    #[arg(long, default_value_t = 5, value_name = "N")]
    redirects: u8,
    /// Exit 1 when a finding is at least this severe: info, low, medium or high
    #[arg(long, default_value = "info", value_parser = str::parse::<Severity>, value_name = "SEVERITY")]
    fail_on: Severity,
    /// Print one JSON object per finding (JSON Lines)
    #[arg(long, conflicts_with_all = ["sarif", "markdown"])]
    json: bool,
    /// Print a SARIF 2.1.0 log for code-scanning tools
    #[arg(long, conflicts_with_all = ["json", "markdown"])]
    sarif: bool,
    /// Print a Markdown report
    #[arg(long, conflicts_with_all = ["json", "sarif"])]
    markdown: bool,
    /// Never draw the progress line on standard error
    #[arg(long)]
    no_progress: bool,
}

/// Runs the audit; exits 0 with no finding at `--fail-on` or above, 1 with one, 2 on bad input or
/// when a target could not be audited in full.
pub fn run(args: &Args) -> ExitCode {
    let (targets, options, notes) = match inputs(args) {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    for note in notes {
        eprintln!("note: {note}");
    }
    let auditor = match Auditor::new(options) {
        Ok(auditor) => auditor,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stdout_terminal = io::stdout().is_terminal();
    let show_progress = progress_shown(args, targets.len(), io::stderr().is_terminal(), stdout_terminal);
    let color = stdout_terminal && std::env::var_os("NO_COLOR").is_none();
    let mut stdout = io::stdout();
    runtime.block_on(audit_and_report(&auditor, &targets, args, show_progress, color, &mut stdout))
}

/// Whether to draw the progress line on standard error: on a terminal, for more than one
/// target, and never when JSON Lines go to that same terminal (the line would run into them).
fn progress_shown(args: &Args, targets: usize, stderr_terminal: bool, stdout_terminal: bool) -> bool {
    !args.no_progress && stderr_terminal && targets > 1 && !(args.json && stdout_terminal)
}

/// Audits the targets, writes the report to `out` and says how the run ends.
async fn audit_and_report(
    auditor: &Auditor,
    targets: &[Url],
    args: &Args,
    show_progress: bool,
    color: bool,
    out: &mut dyn Write,
) -> ExitCode {
    let (reports, closed) = run_audit(auditor, targets, args, show_progress, out).await;
    // Standard output going away (a closed pipe) is no error; the exit code still follows
    // what was received.
    if !args.json && !closed {
        let text = if args.sarif {
            serde_json::to_string_pretty(&render::sarif(&reports)).unwrap_or_default() + "\n"
        } else if args.markdown {
            render::markdown(&reports)
        } else {
            render::table(&reports, color)
        };
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            eprintln!("error: cannot write the report: {e}");
            return ExitCode::FAILURE;
        }
    }
    if args.json || args.sarif || args.markdown {
        for report in &reports {
            for e in &report.errors {
                eprintln!("warning: {e}");
            }
        }
    }
    let unaudited = unaudited(&reports, args.fail_on);
    if unaudited > 0 {
        eprintln!(
            "error: {unaudited} of the {} target(s) could not be audited in full; check the URLs and that the servers are up",
            reports.len()
        );
    }
    exit_code(&reports, args.fail_on, unaudited)
}

/// Audits every target, streaming JSON Lines to `out` as each target completes; returns the
/// reports received and whether `out` was closed (which ends the run early).
async fn run_audit(
    auditor: &Auditor,
    targets: &[Url],
    args: &Args,
    show_progress: bool,
    out: &mut dyn Write,
) -> (Vec<TargetReport>, bool) {
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let progress = show_progress.then(|| {
        let (auditor, done, stop, total) = (auditor.clone(), done.clone(), stop.clone(), targets.len());
        tokio::spawn(async move {
            let mut err = io::stderr();
            while !stop.load(Ordering::Relaxed) {
                let finished = done.load(Ordering::Relaxed);
                let width = 24;
                let filled = finished * width / total.max(1);
                let _ = write!(
                    err,
                    "\r\x1b[K[{}{}] {finished}/{total} targets, {} requests",
                    "#".repeat(filled),
                    " ".repeat(width - filled),
                    auditor.requests_sent()
                );
                let _ = err.flush();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        })
    });
    let mut reports = Vec::with_capacity(targets.len());
    let mut stream = std::pin::pin!(auditor.stream(targets));
    let mut closed = false;
    while let Some(report) = stream.next().await {
        done.fetch_add(1, Ordering::Relaxed);
        if args.json {
            let lines = render::json_lines(std::slice::from_ref(&report));
            if let Err(e) = out.write_all(lines.as_bytes()).and_then(|()| out.flush()) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    closed = true;
                    reports.push(report);
                    break;
                }
                eprintln!("error: cannot write: {e}");
            }
        }
        reports.push(report);
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(progress) = progress {
        let _ = progress.await;
    }
    (reports, closed)
}

/// The targets not audited in full: with errors (no answer, only 404s, probes lost) and no
/// finding at `fail_on` or above that fails the gate anyway. A gate never passes on a target
/// it did not check completely.
fn unaudited(reports: &[TargetReport], fail_on: Severity) -> usize {
    reports
        .iter()
        .filter(|r| !r.errors.is_empty() && !r.findings.iter().any(|f| f.severity >= fail_on))
        .count()
}

/// 1 when a finding reaches `fail_on`; otherwise 2 when a target was not audited in full,
/// so a gate never passes on a target it did not check; otherwise 0.
fn exit_code(reports: &[TargetReport], fail_on: Severity, unaudited: usize) -> ExitCode {
    let failing = reports.iter().flat_map(|r| &r.findings).any(|f| f.severity >= fail_on);
    if failing {
        ExitCode::from(1)
    } else if unaudited > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// The slowest rate `--rate` takes (one request per 100 seconds to a host), so a run still ends.
const MIN_RATE: f64 = 0.01;
/// The fastest rate `--rate` takes.
const MAX_RATE: f64 = 100_000.0;

/// The targets (each once), the audit options and notes for standard error, or a message
/// naming the bad input and where it is.
fn inputs(args: &Args) -> Result<(Vec<Url>, Options, Vec<String>), String> {
    let mut targets = Vec::new();
    for (i, text) in args.urls.iter().enumerate() {
        if text == "-" {
            let mut stdin = String::new();
            io::stdin().read_to_string(&mut stdin).map_err(|e| format!("cannot read standard input: {e}"))?;
            targets.extend(url_lines(&stdin, "standard input")?);
        } else {
            targets.push(target_url(text).map_err(|e| format!("argument {} {e}", i + 1))?);
        }
    }
    let mut notes = Vec::new();
    if let Some(path) = &args.input {
        let source = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read {source}: {e}; check the path given to -i"))?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => capture::lossy_text(e.as_bytes()).ok_or_else(|| {
                format!("{source} is not UTF-8 text; give -i a text file of URLs, one per line")
            })?,
        };
        if is_capture(&text) {
            let (endpoints, said) = capture_targets(&text, &source, args.trusted.is_empty())?;
            targets.extend(endpoints);
            notes.extend(said);
        } else {
            targets.extend(url_lines(&text, &source)?);
        }
    }
    if targets.is_empty() {
        return Err("no targets: give URLs, -i FILE, or - to read them from standard input".to_owned());
    }
    let (targets, repeated) = once_each(targets);
    notes.extend(repeated);
    let trusted = args.trusted.iter().map(|text| trusted_origin(text)).collect::<Result<Vec<_>, _>>()?;
    let mut headers = Vec::new();
    for text in &args.headers {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("--header {text:?} has no colon; write --header 'Name: value'"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut resolve = Vec::new();
    for text in &args.resolve {
        let parsed = text
            .split_once('=')
            .and_then(|(name, ip)| Some((name.trim().to_owned(), ip.trim().parse().ok()?)));
        resolve.push(parsed.ok_or_else(|| {
            format!("--resolve {text:?} is not NAME=ADDRESS; write --resolve 'api.example.com=127.0.0.1'")
        })?);
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(format!(
            "--timeout {} must be more than 0 seconds and at most 3600, such as 2.5",
            args.timeout
        ));
    }
    if !(args.rate.is_finite() && (args.rate == 0.0 || (MIN_RATE..=MAX_RATE).contains(&args.rate))) {
        return Err(format!(
            "--rate {} must be 0 (no limit) or from {MIN_RATE} to {MAX_RATE} requests per second",
            args.rate
        ));
    }
    let options = Options {
        trusted,
        concurrency: usize::from(args.concurrency),
        rate_per_host: (args.rate > 0.0).then_some(args.rate),
        timeout: Duration::from_secs_f64(args.timeout),
        max_redirects: args.redirects,
        headers,
        cookies: args.cookies.clone(),
        resolve,
        insecure: args.insecure,
    };
    Ok((targets, options, notes))
}

/// The targets with repeats left out (the first kept), and a note for each one left out.
fn once_each(targets: Vec<Url>) -> (Vec<Url>, Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    let mut notes = Vec::new();
    let mut kept = Vec::new();
    for target in targets {
        if seen.insert(target.clone()) {
            kept.push(target);
        } else {
            notes.push(format!("{target} is given more than once; it is audited once"));
        }
    }
    (kept, notes)
}

/// A `--trusted` value as an origin a page can have: http or https, a host without a trailing
/// dot, nothing after the port.
fn trusted_origin(text: &str) -> Result<Origin, String> {
    const EXAMPLE: &str = "write an origin such as https://app.example.com";
    if text.contains('*') {
        return Err(format!(
            "--trusted {text:?} is a wildcard, which no page has as its origin; name each origin the API trusts ({EXAMPLE})"
        ));
    }
    let origin = Origin::parse(text).map_err(|e| format!("--trusted {e}; {EXAMPLE}"))?;
    let Some(url) = Url::parse(text).ok().filter(|url| matches!(url.scheme(), "http" | "https")) else {
        return Err(format!(
            "--trusted {text:?} is not an http or https origin, and only those pages make the requests the audit plays; {EXAMPLE}"
        ));
    };
    if url.host_str().is_some_and(|host| host.ends_with('.')) {
        return Err(format!(
            "--trusted {text:?} ends its host with a dot, so it is another origin than the name without it; {EXAMPLE}"
        ));
    }
    if url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "--trusted {text:?} has more than an origin (a path, query or user name); an origin is scheme://host[:port], so {EXAMPLE}"
        ));
    }
    Ok(origin)
}

/// Whether a `-i` file is a capture rather than URLs, which never open with `{`, `[` or `<`.
fn is_capture(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with(['{', '[']) || capture::recognizes(trimmed)
}

/// The endpoints a capture's cross-origin requests went to, read as `corslab explain` reads
/// the capture: one URL per origin and path (the first seen, query and all), so that a page
/// polling one endpoint does not make it a hundred targets. The notes say how many were found
/// and, when `name_pages`, which pages called them, the origins `--trusted` may want.
fn capture_targets(text: &str, source: &str, name_pages: bool) -> Result<(Vec<Url>, Vec<String>), String> {
    let items = explain::parse(text).map_err(|explain::BadInput(message)| format!("{source}: {message}"))?;
    let mut endpoints: Vec<Url> = Vec::new();
    let mut pages: Vec<String> = Vec::new();
    for item in &items {
        let url = &item.exchange.request.url;
        let endpoint = |u: &Url| (u.origin(), u.path().to_owned());
        if target_url(url.as_str()).is_ok() && !endpoints.iter().any(|seen| endpoint(seen) == endpoint(url)) {
            endpoints.push(url.clone());
        }
        let page = item.exchange.page.to_string();
        if !pages.contains(&page) {
            pages.push(page);
        }
    }
    if endpoints.is_empty() {
        return Err(format!(
            "{source}: its cross-origin requests went to no http(s) URL corslab can audit; give the URLs instead"
        ));
    }
    let mut notes = vec![format!(
        "{source}: {} cross-origin requests to {} endpoints; each is audited once, at the first URL seen for it",
        items.len(),
        endpoints.len()
    )];
    if name_pages {
        notes.push(format!(
            "the pages that called them: {}; pass --trusted for each the API is meant to trust",
            pages.join(", ")
        ));
    }
    Ok((endpoints, notes))
}

fn url_lines(text: &str, source: &str) -> Result<Vec<Url>, String> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| target_url(line).map_err(|e| format!("{source}, line {n}: {e}")))
        .collect()
}

fn target_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| {
        format!("{text:?} is not a URL ({e}); write it in full, such as https://api.example.com/me")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{text:?} is not an http(s) URL; corslab audits http and https endpoints"));
    }
    // A page's fetch() refuses such a URL, and the reports would print the secret.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{:?} has a user name or password in it, which every report would print; pass credentials with -H 'Authorization: …' instead",
            redacted(&url)
        ));
    }
    Ok(url)
}

/// The URL with its user name and password replaced, for messages.
fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("…");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::test_support::ClosedPipe;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(argv: &[&str]) -> Args {
        Cli::try_parse_from(std::iter::once("audit").chain(argv.iter().copied())).unwrap().args
    }

    #[test]
    fn input_errors_say_what_and_where() {
        let err = inputs(&args(&["https://api.example.com/", "ftp://files.example.com/"])).unwrap_err();
        assert!(err.starts_with("argument 2 \"ftp://files.example.com/\" is not an http(s) URL"), "{err}");
        let err = url_lines("# targets\nhttps://a.example/\n\nnot a url\n", "targets.txt").unwrap_err();
        assert!(err.starts_with("targets.txt, line 4: \"not a url\" is not a URL"), "{err}");
        let err = inputs(&args(&["https://a.example/", "--trusted", "app.example.com"])).unwrap_err();
        assert!(err.starts_with("--trusted \"app.example.com\" is not an origin"), "{err}");
        let err = inputs(&args(&["https://a.example/", "--header", "Authorization Bearer x"])).unwrap_err();
        assert!(err.contains("has no colon"), "{err}");
        let err = inputs(&args(&["https://a.example/", "--resolve", "a.example"])).unwrap_err();
        assert!(err.contains("NAME=ADDRESS"), "{err}");
        assert!(inputs(&args(&[])).unwrap_err().starts_with("no targets"));
        for timeout in ["0", "3601", "NaN", "inf"] {
            let err = inputs(&args(&["https://a.example/", "--timeout", timeout])).unwrap_err();
            assert!(err.contains("more than 0 seconds and at most 3600"), "{timeout}: {err}");
        }
        for url in ["https://user:s3cr3t@a.example/", "https://user@a.example/"] {
            let err = inputs(&args(&[url])).unwrap_err();
            assert!(err.contains("user name or password") && !err.contains("s3cr3t"), "{err}");
        }
        for rate in ["1e-20", "0.001", "1e9", "NaN"] {
            let err = inputs(&args(&["https://a.example/", "--rate", rate])).unwrap_err();
            assert!(err.contains("must be 0 (no limit) or from 0.01 to 100000"), "{rate}: {err}");
        }
        assert!(Cli::try_parse_from(["audit", "https://a.example/", "--fail-on", "severe"]).is_err());
        assert!(Cli::try_parse_from(["audit", "https://a.example/", "--json", "--sarif"]).is_err());
    }

    #[test]
    fn options_follow_the_flags() {
        let (targets, options, _) = inputs(&args(&[
            "https://api.example.com/me",
            "-t",
            "https://app.example.com",
            "-H",
            "Authorization: Bearer x",
            "--cookie",
            "sid=1; SameSite=Lax",
            "--rate",
            "0",
            "--timeout",
            "2.5",
            "--resolve",
            "*.example.com=127.0.0.1",
        ]))
        .unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(options.trusted[0].serialize(), "https://app.example.com");
        assert_eq!(options.headers, [("Authorization".to_owned(), "Bearer x".to_owned())]);
        assert_eq!(options.rate_per_host, None);
        assert_eq!(options.timeout, Duration::from_millis(2500));
        assert_eq!(options.resolve[0].0, "*.example.com");
    }

    #[test]
    fn the_exit_code_follows_fail_on() {
        let report = |findings| report_with(findings, vec![]);
        let low = [report(vec![finding(Severity::Low)])];
        assert_eq!(exit_code(&low, Severity::Info, 0), ExitCode::from(1));
        assert_eq!(exit_code(&low, Severity::Low, 0), ExitCode::from(1));
        assert_eq!(exit_code(&low, Severity::Medium, 0), ExitCode::SUCCESS);
        assert_eq!(exit_code(&[report(vec![])], Severity::Info, 0), ExitCode::SUCCESS);
        // A target left unaudited fails the gate unless a finding already did.
        assert_eq!(exit_code(&low, Severity::Medium, 1), ExitCode::from(2));
        assert_eq!(exit_code(&low, Severity::Low, 1), ExitCode::from(1));
    }

    fn report_with(findings: Vec<corslab_audit::Finding>, errors: Vec<String>) -> TargetReport {
        TargetReport { target: "https://a.example/".into(), findings, errors, probes_sent: 1 }
    }

    fn finding(severity: Severity) -> corslab_audit::Finding {
        corslab_audit::Finding {
            target: "https://a.example/".into(),
            class: corslab_audit::Class::Wildcard,
            severity,
            title: String::new(),
            origin: None,
            summary: String::new(),
            browsers: Vec::new(),
            evidence: Vec::new(),
            fix: String::new(),
            other_origins: Vec::new(),
            cookies_known: false,
        }
    }

    #[test]
    fn a_partly_audited_target_fails_the_gate() {
        let partly = [report_with(vec![finding(Severity::Low)], vec!["3 of 90 probes got no answer".into()])];
        // The low finding does not reach --fail-on medium, and the rest was not checked.
        assert_eq!(unaudited(&partly, Severity::Medium), 1);
        assert_eq!(
            exit_code(&partly, Severity::Medium, unaudited(&partly, Severity::Medium)),
            ExitCode::from(2)
        );
        // A finding that fails the gate anyway decides it.
        assert_eq!(unaudited(&partly, Severity::Low), 0);
        assert_eq!(exit_code(&partly, Severity::Low, 0), ExitCode::from(1));
        let clean = [report_with(vec![finding(Severity::Low)], vec![])];
        assert_eq!(unaudited(&clean, Severity::High), 0);
    }

    #[test]
    fn the_progress_line_stays_off_json_lines_on_a_terminal() {
        let json = args(&["--json", "https://a.example/"]);
        assert!(!progress_shown(&json, 2, true, true));
        assert!(progress_shown(&json, 2, true, false), "piped JSON keeps the progress line");
        let table = args(&["https://a.example/"]);
        assert!(progress_shown(&table, 2, true, true));
        assert!(!progress_shown(&table, 1, true, true));
    }

    #[test]
    fn trusted_origins_must_be_usable() {
        for (value, says) in [
            ("*", "wildcard"),
            ("https://*.example.com", "wildcard"),
            ("null", "not an http or https origin"),
            ("ws://app.example.com", "not an http or https origin"),
            ("ftp://app.example.com", "not an http or https origin"),
            ("https://app.example.com.", "ends its host with a dot"),
            ("https://app.example.com/app", "more than an origin"),
            ("https://app.example.com/?x=1", "more than an origin"),
        ] {
            let err = inputs(&args(&["https://a.example/", "-t", value])).unwrap_err();
            assert!(err.starts_with(&format!("--trusted {value:?}")) && err.contains(says), "{value}: {err}");
        }
        let (_, options, _) = inputs(&args(&[
            "https://a.example/",
            "-t",
            "https://app.example.com/",
            "-t",
            "http://b.example:3000",
        ]))
        .unwrap();
        assert_eq!(options.trusted[1].serialize(), "http://b.example:3000");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_said_to_be_so() {
        let path = std::env::temp_dir().join(format!("corslab-audit-binary-{}.txt", std::process::id()));
        std::fs::write(&path, b"https://a.example/\n\xff\xfe\n").unwrap();
        let err = inputs(&args(&["-i", path.to_str().unwrap()])).unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert!(err.contains("is not UTF-8 text") && !err.contains("check the path"), "{err}");
    }

    #[test]
    fn a_capture_given_to_i_is_audited_at_the_endpoints_its_cross_origin_requests_went_to() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data");
        for capture in ["har/chromium.har", "burp/chromium-items.xml"] {
            let (targets, _, notes) = inputs(&args(&["-i", &format!("{data}/{capture}")])).unwrap();
            let targets: Vec<&str> = targets.iter().map(Url::as_str).collect();
            assert_eq!(
                targets,
                [
                    "http://api.fintrack.localhost:8080/me/balance",
                    "http://api.fintrack.localhost:8080/me/email"
                ],
                "{capture}"
            );
            assert!(notes[0].ends_with(": 2 cross-origin requests to 2 endpoints; each is audited once, at the first URL seen for it"), "{notes:?}");
            assert_eq!(
                notes[1],
                "the pages that called them: http://free-crypto-giveaway.localhost:8080; pass --trusted for each the API is meant to trust"
            );
        }
        // A curl -v trace is a capture too.
        let (targets, _, _) = inputs(&args(&["-i", &format!("{data}/curl/preflight-then-put.txt")])).unwrap();
        assert_eq!(
            targets.iter().map(Url::as_str).collect::<Vec<_>>(),
            ["http://api.fintrack.localhost:8080/me/email?policy=reflect-any-origin"]
        );
        // One endpoint polled with changing queries is one target, at its first URL.
        let exchange = |query: &str| {
            format!(
                r#"{{"page": "http://a.localhost", "request": {{"url": "http://b.localhost/poll?{query}"}}, "response": {{"status": 200}}}}"#
            )
        };
        let path = std::env::temp_dir().join(format!("corslab-audit-capture-{}.json", std::process::id()));
        std::fs::write(&path, format!("[{}, {}]", exchange("t=1"), exchange("t=2"))).unwrap();
        let read = inputs(&args(&["-i", path.to_str().unwrap(), "-t", "http://a.localhost"]));
        std::fs::write(&path, "{\"log\": {\"entries\": []}}").unwrap();
        let empty = inputs(&args(&["-i", path.to_str().unwrap()]));
        let _ = std::fs::remove_file(&path);
        let (targets, _, notes) = read.unwrap();
        assert_eq!(targets.iter().map(Url::as_str).collect::<Vec<_>>(), ["http://b.localhost/poll?t=1"]);
        assert_eq!(notes.len(), 1, "--trusted given: the pages are not named: {notes:?}");
        let err = empty.unwrap_err();
        assert!(err.contains("no cross-origin request"), "{err}");
    }

    #[test]
    fn a_target_given_twice_is_audited_once() {
        let (targets, _, notes) =
            inputs(&args(&["https://a.example/x", "https://b.example/", "https://a.example/x"])).unwrap();
        let targets: Vec<&str> = targets.iter().map(Url::as_str).collect();
        assert_eq!(targets, ["https://a.example/x", "https://b.example/"]);
        assert_eq!(notes, ["https://a.example/x is given more than once; it is audited once"]);
    }

    /// A server on 127.0.0.1 (a port the system picks) that reflects any Origin with
    /// credentials; it lives as long as the test process.
    fn reflecting_server() -> Url {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port");
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for socket in listener.incoming().flatten() {
                std::thread::spawn(move || answer_all(socket));
            }
        });
        Url::parse(&format!("http://127.0.0.1:{port}/api")).unwrap()
    }

    fn answer_all(mut socket: std::net::TcpStream) {
        use std::io::Read as _;
        let mut head = Vec::new();
        let mut byte = [0u8; 1024];
        loop {
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut byte) {
                    Ok(n) if n > 0 => head.extend_from_slice(&byte[..n]),
                    _ => return,
                }
            }
            let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            let text = String::from_utf8_lossy(&head[..end]).into_owned();
            head.drain(..end);
            let origin = text
                .lines()
                .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("origin")))
                .map(|(_, v)| v.trim().to_owned());
            let mut answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nvary: Origin\r\n".to_owned();
            if let Some(origin) = origin {
                answer.push_str(&format!(
                    "access-control-allow-origin: {origin}\r\naccess-control-allow-credentials: true\r\n"
                ));
            }
            answer.push_str("\r\nok");
            if socket.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
    }

    #[test]
    fn a_closed_pipe_keeps_the_exit_code_of_what_was_received() {
        let target = reflecting_server();
        let args = args(&["--json", "--rate", "0", target.as_str()]);
        let (targets, options, _) = inputs(&args).unwrap();
        let auditor = Auditor::new(options).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let code =
            runtime.block_on(audit_and_report(&auditor, &targets, &args, false, false, &mut ClosedPipe));
        assert_eq!(code, ExitCode::from(1), "a high finding was received before the pipe closed");
        // The same audit into an open pipe prints the finding.
        let mut out = Vec::new();
        let code = runtime.block_on(audit_and_report(&auditor, &targets, &args, false, false, &mut out));
        assert_eq!(code, ExitCode::from(1));
        assert!(String::from_utf8_lossy(&out).contains("\"reflect-any-origin\""));
    }
}
