//! Report formats: a terminal table, JSON Lines, SARIF 2.1.0 and a Markdown report. Each is a
//! pure function of the target reports, so the CLI and the lab render the same way.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use corslab_engine::Read;
use corslab_engine::exchange::ThirdPartyCookies;
use serde_json::{Value, json};

use crate::client::Trip;
use crate::finding::{Finding, Severity, TargetReport};
use crate::judge::Judgement;
use crate::probe::Class;

/// The SARIF schema this output follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A JSON line for a target that could not be audited in full.
#[derive(serde::Serialize)]
struct ErrorLine<'a> {
    target: &'a str,
    error: &'a str,
}

/// One JSON object per finding, one per line, then `{"target": …, "error": …}` for each
/// reason a target could not be audited in full.
pub fn json_lines(reports: &[TargetReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            out.push_str(&serde_json::to_string(finding).unwrap_or_default());
            out.push('\n');
        }
        for error in &report.errors {
            // `target` first, as in the finding lines.
            let line = ErrorLine { target: &report.target, error };
            out.push_str(&serde_json::to_string(&line).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// A SARIF 2.1.0 log: one rule per class found, one result per finding, with the evidence as
/// `webRequest`/`webResponse` and the per-browser judgement in `properties`.
pub fn sarif(reports: &[TargetReport]) -> Value {
    let findings: Vec<&Finding> = reports.iter().flat_map(|r| &r.findings).collect();
    let mut classes: Vec<Class> = findings.iter().map(|f| f.class).collect();
    classes.sort();
    classes.dedup();
    let rules: Vec<Value> = classes
        .iter()
        .map(|class| {
            let worst = findings.iter().filter(|f| f.class == *class).map(|f| f.severity).max().unwrap_or(Severity::Info);
            json!({
                "id": class.id(),
                "name": pascal(class.id()),
                "shortDescription": { "text": class.title() },
                "fullDescription": { "text": format!("{}. Found by corslab audit and judged with the corslab engine for Chromium and Firefox.", class.title()) },
                "help": { "text": class.fix(), "markdown": class.fix() },
                "defaultConfiguration": { "level": level(worst) },
                "properties": { "tags": ["security", "cors"], "security-severity": security_severity(worst) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = classes.iter().position(|c| *c == f.class).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.class.id(),
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": format!("{} {}", f.summary, f.fix) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": f.target } } }],
                "partialFingerprints": { "corslabFinding/v1": format!("{}|{}", f.class.id(), f.target) },
                "properties": {
                    "severity": f.severity.as_str(),
                    "security-severity": security_severity(f.severity),
                    "origin": f.origin,
                    "otherOrigins": f.other_origins,
                    "browsers": f.browsers,
                },
            });
            // SARIF holds one request/response pair per result: the one that shows the finding.
            if let Some(trip) = telling(f) {
                result["webRequest"] = json!({
                    "protocol": "HTTP", "version": "1.1", "method": trip.request.method,
                    "target": trip.request.url, "headers": header_object(&trip.request.headers),
                });
                result["webResponse"] = json!({
                    "protocol": "HTTP", "version": "1.1", "statusCode": trip.response.status,
                    "headers": header_object(&trip.response.headers),
                });
            }
            result
        })
        .collect();
    // A target with errors was not audited in full: the run did not do what it was asked.
    let notifications: Vec<Value> = reports
        .iter()
        .flat_map(|r| r.errors.iter().map(move |e| (r, e)))
        .map(|(r, e)| {
            json!({
                "level": "error",
                "message": { "text": e },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": r.target } } }],
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "corslab audit",
                "informationUri": "https://github.com/corslab/corslab",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "invocations": [{
                "executionSuccessful": reports.iter().all(|r| r.errors.is_empty()),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// A Markdown report for people who were not at the terminal.
pub fn markdown(reports: &[TargetReport]) -> String {
    let findings: Vec<&Finding> = reports.iter().flat_map(|r| &r.findings).collect();
    let mut out = String::from("# CORS audit\n\n");
    let _ = writeln!(
        out,
        "corslab audit {} checked {} target(s) and found {}. Each finding was judged with the corslab engine: what a page at the named origin can read in Chromium and Firefox, with default cookie settings and with third-party cookies allowed.\n",
        env!("CARGO_PKG_VERSION"),
        reports.len(),
        count_line(&findings)
    );
    if !findings.is_empty() {
        out.push_str("| # | Severity | Finding | Target | Origin |\n|---|---|---|---|---|\n");
        for (i, f) in findings.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                i + 1,
                f.severity.as_str(),
                cell(f.class.title()),
                cell(&code(&f.target)),
                f.origin.as_deref().map_or_else(|| "—".to_owned(), |o| cell(&code(o)))
            );
        }
        out.push('\n');
    }
    for (i, f) in findings.iter().enumerate() {
        let _ = writeln!(out, "## {}. {} ({})\n", i + 1, f.class.title(), f.severity.as_str());
        let _ = writeln!(out, "**Target:** {}  \n**Class:** {}\n", code(&f.target), code(f.class.id()));
        let _ = writeln!(out, "{}\n", f.summary);
        if !f.browsers.is_empty() {
            out.push_str("| Browser | Third-party cookies | Credentialed read | Cookies sent | Anonymous read |\n|---|---|---|---|---|\n");
            for j in &f.browsers {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    j.browser,
                    setting_name(j.third_party_cookies),
                    read_name(j.credentialed_read),
                    match (j.cookies_sent.is_empty(), f.cookies_known) {
                        (_, false) => "none known".to_owned(),
                        (true, true) => "none".to_owned(),
                        (false, true) => cell(&j.cookies_sent.join(", ")),
                    },
                    read_name(j.anonymous_read)
                );
            }
            out.push('\n');
        }
        if !f.other_origins.is_empty() {
            let shown: Vec<String> = f.other_origins.iter().take(8).map(|o| code(o)).collect();
            let more = f.other_origins.len().saturating_sub(8);
            let _ = writeln!(
                out,
                "Also granted: {}{}\n",
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
        }
        let evidence: String = f.evidence.iter().map(|trip| http_text(trip) + "\n").collect();
        let fence = "`".repeat(longest_backtick_run(&evidence).max(2) + 1);
        let _ = write!(out, "Evidence:\n\n{fence}http\n{evidence}{fence}\n\n");
        let _ = writeln!(out, "**Fix:** {}\n", f.fix);
    }
    let errors: Vec<&String> = reports.iter().flat_map(|r| &r.errors).collect();
    if !errors.is_empty() {
        out.push_str("## Not fully audited\n\n");
        for e in errors {
            // Each error names its target first.
            let _ = writeln!(out, "- {e}");
        }
        out.push('\n');
    }
    out
}

/// The terminal view: one block per finding, worst first, then a summary line. ANSI colours
/// only when `color` is set (the CLI sets it for terminals).
pub fn table(reports: &[TargetReport], color: bool) -> String {
    let paint =
        |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() };
    let mut findings: Vec<&Finding> = reports.iter().flat_map(|r| &r.findings).collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = String::new();
    for f in &findings {
        let severity = format!("{:<6}", f.severity.as_str().to_uppercase());
        let severity = match f.severity {
            Severity::High => paint("1;31", &severity),
            Severity::Medium => paint("33", &severity),
            Severity::Low => paint("36", &severity),
            Severity::Info => paint("2", &severity),
        };
        let _ = writeln!(out, "{severity}  {:<29} {}", f.class.id(), f.target);
        if let Some(origin) = &f.origin {
            let more = if f.other_origins.is_empty() {
                String::new()
            } else {
                format!(" (+{} more)", f.other_origins.len())
            };
            let _ = writeln!(out, "        origin   {origin}{more}");
        }
        let _ = writeln!(out, "        {}", f.summary);
        for line in browser_lines(&f.browsers, f.cookies_known) {
            let _ = writeln!(out, "        {line}");
        }
        let _ = writeln!(out, "        {} {}\n", paint("1", "fix"), f.fix);
    }
    for report in reports.iter().filter(|r| !r.errors.is_empty()) {
        for e in &report.errors {
            let _ = writeln!(out, "{}   {e}", paint("1;35", "ERROR "));
        }
    }
    let errors = reports.iter().filter(|r| !r.errors.is_empty()).count();
    let _ = writeln!(
        out,
        "{} target(s), {}{}",
        reports.len(),
        count_line(&findings),
        if errors > 0 { format!(", {errors} with errors") } else { String::new() }
    );
    out
}

/// Compact per-browser lines: `chromium  read with credentials; cookies: none (default), session (3rd-party allowed)`.
fn browser_lines(judgements: &[Judgement], cookies_known: bool) -> Vec<String> {
    let mut by_browser: BTreeMap<String, Vec<&Judgement>> = BTreeMap::new();
    for j in judgements {
        by_browser.entry(j.browser.to_string()).or_default().push(j);
    }
    by_browser
        .into_iter()
        .map(|(browser, js)| {
            let credentialed = js.iter().any(|j| j.credentialed_read == Read::Allowed);
            let anonymous = js.iter().any(|j| j.anonymous_read == Read::Allowed);
            let read = match (credentialed, anonymous) {
                (true, _) => "reads with credentials",
                (false, true) => "reads anonymously only",
                (false, false) => "cannot read",
            };
            if !cookies_known {
                return format!("{browser:<9} {read}; cookies: none known (pass --cookie)");
            }
            let cookies: Vec<String> = js
                .iter()
                .map(|j| {
                    let names =
                        if j.cookies_sent.is_empty() { "none".to_owned() } else { j.cookies_sent.join(", ") };
                    format!("{names} ({})", setting_name(j.third_party_cookies))
                })
                .collect();
            format!("{browser:<9} {read}; cookies: {}", cookies.join(", "))
        })
        .collect()
}

fn count_line(findings: &[&Finding]) -> String {
    if findings.is_empty() {
        return "no findings".to_owned();
    }
    let parts: Vec<String> = [Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        .into_iter()
        .filter_map(|s| {
            let n = findings.iter().filter(|f| f.severity == s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    format!("{} finding(s): {}", findings.len(), parts.join(", "))
}

/// The evidence entry that shows the finding: the preflight for a finding about one, else the
/// last answer (the grant at the end of a redirect chain, the error after the success).
fn telling(f: &Finding) -> Option<&Trip> {
    let preflight = matches!(
        f.class,
        Class::MirroredMethodsAndHeaders
            | Class::AuthorizationUnderWildcard
            | Class::MaxAgeBeyondCaps
            | Class::PrivateNetworkAccess
    );
    let first_preflight = || f.evidence.iter().find(|t| t.request.method.eq_ignore_ascii_case("OPTIONS"));
    preflight.then(first_preflight).flatten().or_else(|| f.evidence.last())
}

/// Text for a Markdown table cell: a `|` would end the cell, even inside a code span.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A Markdown code span holding `text` as it is: delimited by one backtick more than the
/// longest run inside, and padded with a space where the text starts or ends with a backtick
/// (CommonMark's rule for code spans).
fn code(text: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn http_text(trip: &Trip) -> String {
    let mut out = format!("{} {}\n", trip.request.method, trip.request.url);
    for (n, v) in &trip.request.headers {
        let _ = writeln!(out, "{n}: {v}");
    }
    let _ = writeln!(out, "\nHTTP/1.1 {}", trip.response.status);
    for (n, v) in &trip.response.headers {
        let _ = writeln!(out, "{n}: {v}");
    }
    out
}

fn header_object(headers: &[(String, String)]) -> Value {
    let mut object = serde_json::Map::new();
    for (name, value) in headers {
        // SARIF headers are an object; repeated names are combined as HTTP allows.
        let combined = match object.get(name).and_then(Value::as_str) {
            Some(previous) => format!("{previous}, {value}"),
            None => value.clone(),
        };
        object.insert(name.clone(), Value::String(combined));
    }
    Value::Object(object)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High | Severity::Medium => "error",
        Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning's scale: 7.0+ high, 4.0+ medium, above 0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "8.1",
        Severity::Medium => "5.4",
        Severity::Low => "3.1",
        Severity::Info => "0.0",
    }
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn read_name(read: Read) -> &'static str {
    match read {
        Read::Allowed => "allowed",
        Read::Blocked => "blocked",
        Read::Opaque => "opaque",
    }
}

fn setting_name(setting: ThirdPartyCookies) -> &'static str {
    match setting {
        ThirdPartyCookies::Default => "default",
        ThirdPartyCookies::Allowed => "allowed",
        ThirdPartyCookies::Blocked => "blocked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Received, Sent};

    fn report() -> TargetReport {
        let trip = Trip {
            request: Sent {
                method: "GET".into(),
                url: "https://api.example.com/me".into(),
                headers: vec![("Origin".into(), "https://evil.example".into())],
            },
            response: Received {
                status: 200,
                headers: vec![("access-control-allow-origin".into(), "https://evil.example".into())],
            },
        };
        TargetReport {
            target: "https://api.example.com/me".into(),
            findings: vec![Finding {
                target: "https://api.example.com/me".into(),
                class: Class::ReflectAnyOrigin,
                severity: Severity::High,
                title: Class::ReflectAnyOrigin.title().into(),
                origin: Some("https://evil.example".into()),
                summary: "A page at https://evil.example can read this endpoint with credentials.".into(),
                browsers: Vec::new(),
                evidence: vec![trip],
                fix: Class::ReflectAnyOrigin.fix(),
                other_origins: vec!["null".into()],
                cookies_known: false,
            }],
            errors: vec![
                "https://down.example/: no answer within 1.0 s; raise --timeout if the server is just slow"
                    .into(),
            ],
            probes_sent: 3,
        }
    }

    #[test]
    fn json_lines_hold_one_finding_per_line() {
        let text = json_lines(&[report()]);
        assert_eq!(text.lines().filter(|l| l.contains("\"class\"")).count(), 1, "{text}");
        let value: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(value["class"], "reflect-any-origin");
        assert_eq!(value["severity"], "high");
    }

    #[test]
    fn json_lines_name_each_failed_target() {
        let text = json_lines(&[report()]);
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[1]["target"], "https://api.example.com/me");
        assert!(lines[1]["error"].as_str().unwrap().contains("no answer within"), "{text}");
        assert_eq!(lines[1].as_object().unwrap().len(), 2, "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with("{\"target\":"), "{text}");
    }

    #[test]
    fn sarif_says_the_run_failed_when_a_target_is_unaudited() {
        let failed = sarif(&[report()]);
        let invocation = &failed["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(invocation["toolExecutionNotifications"][0]["level"], "error");
        let mut clean = report();
        clean.errors.clear();
        assert_eq!(sarif(&[clean])["runs"][0]["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn markdown_code_spans_hold_backticks() {
        let mut report = report();
        let origin = "https://api.example.com`.evil.example";
        report.findings[0].origin = Some(origin.into());
        report.findings[0].other_origins = vec!["`x".into()];
        report.findings[0].evidence[0].response.headers.push(("x-odd".into(), "```".into()));
        let md = markdown(&[report]);
        assert!(md.contains(&format!("``{origin}``")), "{md}");
        assert!(md.contains("Also granted: `` `x ``"), "{md}");
        // The fence is longer than any backtick run inside it, so ``` does not close it.
        assert!(md.contains("````http\nGET"), "{md}");
        assert!(md.contains("x-odd: ```\n\n````\n"), "{md}");
    }

    #[test]
    fn sarif_has_the_required_shape() {
        let log = sarif(&[report()]);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "reflect-any-origin");
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "reflect-any-origin");
        assert_eq!(result["level"], "error");
        assert_eq!(result["webResponse"]["statusCode"], 200);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "https://api.example.com/me"
        );
        assert_eq!(run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn markdown_and_table_name_the_finding_and_the_fix() {
        let md = markdown(&[report()]);
        assert!(md.contains("## 1. Any origin is reflected (high)"), "{md}");
        assert!(md.contains("```http\nGET https://api.example.com/me\nOrigin: https://evil.example"), "{md}");
        assert!(md.contains("## Not fully audited"));
        let plain = table(&[report()], false);
        assert!(plain.starts_with("HIGH    reflect-any-origin"), "{plain}");
        assert!(!plain.contains('\x1b'));
        assert!(table(&[report()], true).contains("\x1b[1;31m"));
    }

    #[test]
    fn sarif_shows_the_preflight_of_a_preflight_finding() {
        let mut report = report();
        let get = report.findings[0].evidence[0].clone();
        let mut preflight = get.clone();
        preflight.request.method = "OPTIONS".into();
        preflight.response.status = 204;
        let finding = &mut report.findings[0];
        finding.class = Class::MirroredMethodsAndHeaders;
        finding.evidence = vec![preflight, get];
        let log = sarif(&[report]);
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["webRequest"]["method"], "OPTIONS");
        assert_eq!(result["webResponse"]["statusCode"], 204);
    }

    #[test]
    fn a_pipe_in_a_target_does_not_break_the_markdown_table() {
        let mut report = report();
        report.findings[0].target = "https://api.example.com/me?fields=a|b".into();
        let md = markdown(&[report]);
        let row = md.lines().find(|l| l.starts_with("| 1 |")).unwrap();
        assert!(row.contains("a\\|b"), "{row}");
        // Five cells: six unescaped pipes.
        let pipes = row.match_indices('|').filter(|(i, _)| !row[..*i].ends_with('\\')).count();
        assert_eq!(pipes, 6, "{row}");
    }
}
