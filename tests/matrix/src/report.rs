//! The matrix's results: each scenario's outcome per browser, judged against the expected
//! differences, summed per field, and written as a terminal table, Markdown and JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use corslab_engine::Browser;
use serde::Serialize;
use serde_json::{Value, json};

use crate::compare::{Check, Field};
use crate::expected::{Expected, Mark};
use crate::observe::Observation;
use crate::scenario::{Asking, Scenario, Target};

/// One scenario in one browser.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The scenario's id.
    pub scenario: String,
    /// Its run id in the lab's log.
    pub run: String,
    /// The compared fields (empty when the harness could not observe the scenario).
    pub checks: Vec<Check>,
    /// Why the scenario could not be observed or compared, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The Exchange the engine was asked about.
    pub exchange: Option<Value>,
    /// What was observed.
    pub observation: Observation,
}

/// Every scenario's outcome in one browser.
#[derive(Debug, Clone, Serialize)]
pub struct BrowserRun {
    /// The browser.
    pub browser: Browser,
    /// Its version, as its driver reported it.
    pub version: String,
    /// Wall time from starting the first driver to the last scenario, in seconds.
    pub seconds: f64,
    /// The outcomes, in scenario order.
    pub outcomes: Vec<Outcome>,
}

/// One browser's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Scenarios run.
    pub scenarios: usize,
    /// Scenarios whose every field agrees or differs as expected.
    pub passed: usize,
    /// Scenarios with an unexpected difference, an unexpected pass or a harness error.
    pub failed: usize,
    /// Scenarios per second of wall time.
    pub per_second: f64,
    /// Per field: agree, expected difference, unexpected difference, unexpected pass.
    pub fields: BTreeMap<Field, [usize; 4]>,
}

/// The whole judgement: per browser, the marks of every check, the summaries, and the entries
/// of the expected-differences file that went unused.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Per browser, per outcome, per check.
    pub marks: Vec<Vec<Vec<Mark>>>,
    /// Per browser.
    pub summaries: Vec<Summary>,
    /// Indices of entries that matched no scenario (checked only on a full run).
    pub stale: Vec<usize>,
}

/// Marks every check of every run and counts them.
pub fn judge(runs: &[BrowserRun], expected: &Expected, full: bool) -> Judged {
    let mut used = Vec::new();
    let mut marks = Vec::new();
    let mut summaries = Vec::new();
    for run in runs {
        let mut summary = Summary { scenarios: run.outcomes.len(), ..Summary::default() };
        let mut run_marks = Vec::new();
        for outcome in &run.outcomes {
            let outcome_marks: Vec<Mark> =
                outcome.checks.iter().map(|c| expected.mark(&outcome.scenario, run.browser, c)).collect();
            for (check, mark) in outcome.checks.iter().zip(&outcome_marks) {
                let counts = summary.fields.entry(check.field).or_default();
                match mark {
                    Mark::Agrees => counts[0] += 1,
                    Mark::Expected(i) => {
                        counts[1] += 1;
                        used.push(*i);
                    }
                    Mark::Unexpected => counts[2] += 1,
                    Mark::UnexpectedPass(i) => {
                        counts[3] += 1;
                        used.push(*i);
                    }
                }
            }
            let bad = outcome.error.is_some()
                || outcome_marks.iter().any(|m| matches!(m, Mark::Unexpected | Mark::UnexpectedPass(_)));
            if bad {
                summary.failed += 1;
            } else {
                summary.passed += 1;
            }
            run_marks.push(outcome_marks);
        }
        summary.per_second = if run.seconds > 0.0 { summary.scenarios as f64 / run.seconds } else { 0.0 };
        marks.push(run_marks);
        summaries.push(summary);
    }
    let stale = if full { expected.stale(&used) } else { Vec::new() };
    Judged { marks, summaries, stale }
}

/// The terminal table for one browser.
pub fn table(run: &BrowserRun, summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}: {} scenarios in {:.1}s ({:.1}/s)",
        name(run.browser),
        run.version,
        summary.scenarios,
        run.seconds,
        summary.per_second
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>7} {:>9} {:>11} {:>16}",
        "field", "agree", "expected", "unexpected", "unexpected pass"
    );
    for field in Field::ALL {
        let [agree, expected, unexpected, pass] = summary.fields.get(&field).copied().unwrap_or_default();
        let _ = writeln!(out, "  {:<16} {agree:>7} {expected:>9} {unexpected:>11} {pass:>16}", field.name());
    }
    let _ = writeln!(out, "{}: {} passed, {} failed", name(run.browser), summary.passed, summary.failed);
    out
}

/// The problems worth reading first: unexpected differences and passes, harness errors and stale
/// entries, at most `limit` lines per browser.
pub fn problems(runs: &[BrowserRun], judged: &Judged, expected: &Expected, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (run, marks) in runs.iter().zip(&judged.marks) {
        let mut lines = Vec::new();
        for (outcome, marks) in run.outcomes.iter().zip(marks) {
            if let Some(error) = &outcome.error {
                lines.push(format!("{} {}: could not observe: {error}", name(run.browser), outcome.scenario));
            }
            for (check, mark) in outcome.checks.iter().zip(marks) {
                match mark {
                    Mark::Unexpected => lines.push(format!(
                        "{} {} [{}]: {}: engine {:?}, browser {:?}",
                        name(run.browser),
                        outcome.scenario,
                        outcome.run,
                        check.field.name(),
                        check.engine,
                        check.browser
                    )),
                    Mark::UnexpectedPass(i) => lines.push(format!(
                        "{} {}: {} agrees now, but difference {} says it differs: delete or narrow it",
                        name(run.browser),
                        outcome.scenario,
                        check.field.name(),
                        i + 1
                    )),
                    Mark::Agrees | Mark::Expected(_) => {}
                }
            }
        }
        let total = lines.len();
        out.extend(lines.into_iter().take(limit));
        if total > limit {
            out.push(format!("{}: … and {} more (see the report)", name(run.browser), total - limit));
        }
    }
    for &i in &judged.stale {
        let entry = &expected.entries[i];
        out.push(format!(
            "difference {} ({} on {}) matches no scenario: delete it",
            i + 1,
            entry.field.name(),
            entry.scenarios.join(", ")
        ));
    }
    out
}

/// How many scenarios take each level of each dimension of the rule set.
pub fn dimensions(scenarios: &[Scenario]) -> BTreeMap<&'static str, BTreeMap<String, usize>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, usize>> = BTreeMap::new();
    let mut add = |dimension: &'static str, level: String| {
        *out.entry(dimension).or_default().entry(level).or_default() += 1;
    };
    for s in scenarios {
        add("family", s.family.clone());
        add("position", s.setup.position.slug().to_owned());
        add("third-party cookies", s.setup.third_party.slug().to_owned());
        add("session cookie", s.setup.cookie.slug().to_owned());
        add("method", s.fetch.method.clone());
        add("credentials", json_word(&s.fetch.credentials));
        add("mode", json_word(&s.fetch.mode));
        add("redirect mode", json_word(&s.fetch.redirect));
        let content_type = s.fetch.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        add("content-type", content_type.map_or_else(|| "(none)".to_owned(), |(_, v)| v.clone()));
        let mut names: Vec<String> = s
            .fetch
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("content-type"))
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort();
        add("script-set headers", if names.is_empty() { "(none)".to_owned() } else { names.join(", ") });
        match &s.target {
            Target::Api { policy, .. } => add("server answer", format!("policy {}", policy.id())),
            Target::SecureApi { policy } => {
                add("server answer", format!("policy {}", policy.id()));
                add("url", "the API over https".to_owned());
            }
            Target::BadPort { port, policy } => {
                add("server answer", format!("policy {}", policy.id()));
                add("port", port.to_string());
            }
            Target::Bounce { via, policy, status } => {
                add("server answer", format!("policy {}", policy.id()));
                add("redirect", format!("through {via} {status}"));
            }
            Target::Elsewhere { url } => add("url", url.clone()),
            Target::OwnBlob => add("url", "a blob: URL the page made".to_owned()),
            Target::Redirect { policy, to, status, hops } => {
                add("server answer", format!("policy {}", policy.id()));
                add("redirect", format!("{to} {status}"));
                if *hops > 1 {
                    add("redirects in a row", hops.to_string());
                }
            }
            Target::Scripted { preflight, asking, response } => {
                add("server answer", "scripted".to_owned());
                add("response status", response.status.to_string());
                add("response ACAO", json_word(&response.acao));
                add("response ACAC", json_word(&response.acac));
                add("response ACEH", json_word(&response.expose));
                if let Some(p) = preflight {
                    add("preflight status", p.status.to_string());
                    add("preflight ACAO", json_word(&p.acao));
                    add("preflight ACAC", json_word(&p.acac));
                    add("preflight ACAM", json_word(&p.acam));
                    add("preflight ACAH", json_word(&p.acah));
                    add("preflight max-age", json_word(&p.max_age));
                }
                if let Some(Asking { header, answer }) = asking {
                    add("second preflight's header", header.clone());
                    add("second preflight's max-age", json_word(&answer.max_age));
                }
            }
        }
    }
    out
}

/// The Markdown report.
pub fn markdown(runs: &[BrowserRun], judged: &Judged, expected: &Expected, scenarios: &[Scenario]) -> String {
    let mut out = String::from("# corslab differential matrix\n\n");
    let _ = writeln!(
        out,
        "Each scenario ran for real in each browser against an in-process lab server on 127.0.0.1; \
         the engine's Verdict for the same Exchange (the scenario, the browser's cookie jar, the \
         server's logged answers) was compared field by field. `read`, `preflight_sent`, \
         `request_sent`, `cookies_sent`, `sent` (every request that reached the server) and \
         `before_sent` (the same for a cache scenario's earlier fetches) must agree everywhere; \
         other differences must be listed, with their reason, in `{}`.\n",
        crate::expected::PATH
    );
    for (run, summary) in runs.iter().zip(&judged.summaries) {
        let _ = writeln!(
            out,
            "## {} {}\n\n{} scenarios in {:.1} s ({:.1} per second): **{} passed, {} failed**.\n",
            name(run.browser),
            run.version,
            summary.scenarios,
            run.seconds,
            summary.per_second,
            summary.passed,
            summary.failed
        );
        out.push_str("| field | agree | expected difference | unexpected | unexpected pass |\n|---|---:|---:|---:|---:|\n");
        for field in Field::ALL {
            let [a, e, u, p] = summary.fields.get(&field).copied().unwrap_or_default();
            let _ = writeln!(out, "| `{}` | {a} | {e} | {u} | {p} |", field.name());
        }
        out.push('\n');
    }
    out.push_str("## Problems\n\n");
    let problems = problems(runs, judged, expected, 200);
    if problems.is_empty() {
        out.push_str("None.\n\n");
    }
    for line in problems {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("\n## Expected differences\n\n");
    if expected.entries.is_empty() {
        out.push_str("None: every compared field agrees.\n");
    }
    for (i, entry) in expected.entries.iter().enumerate() {
        let count: usize = judged
            .marks
            .iter()
            .flatten()
            .flatten()
            .filter(|m| matches!(m, Mark::Expected(j) if *j == i))
            .count();
        let browser = entry.browser.map_or("both browsers", name);
        let _ = writeln!(
            out,
            "{}. `{}` in {browser}, {count} scenario(s) (`{}`): {}",
            i + 1,
            entry.field.name(),
            entry.scenarios.join("`, `"),
            entry.reason.trim()
        );
    }
    let _ = writeln!(out, "\n## Scenarios by dimension ({} scenarios)\n", scenarios.len());
    for (dimension, levels) in dimensions(scenarios) {
        let levels: Vec<String> = levels.iter().map(|(level, n)| format!("`{level}` {n}")).collect();
        let _ = writeln!(out, "- **{dimension}** ({}): {}", levels.len(), levels.join(", "));
    }
    out
}

/// The JSON report: summaries, and every outcome with its marks.
pub fn json(runs: &[BrowserRun], judged: &Judged, scenarios: &[Scenario]) -> Value {
    let browsers: Vec<Value> = runs
        .iter()
        .zip(&judged.summaries)
        .zip(&judged.marks)
        .map(|((run, summary), marks)| {
            let outcomes: Vec<Value> = run
                .outcomes
                .iter()
                .zip(marks)
                .map(|(outcome, marks)| {
                    let mut value = json!(outcome);
                    value["marks"] = marks.iter().map(|m| json!(mark_word(*m))).collect();
                    value
                })
                .collect();
            json!({
                "browser": run.browser,
                "version": run.version,
                "seconds": run.seconds,
                "summary": summary,
                "outcomes": outcomes,
            })
        })
        .collect();
    json!({ "scenarios": scenarios, "browsers": browsers, "stale_differences": judged.stale })
}

/// The browser's display name.
pub fn name(browser: Browser) -> &'static str {
    match browser {
        Browser::Firefox => "firefox",
        _ => "chromium",
    }
}

fn mark_word(mark: Mark) -> String {
    match mark {
        Mark::Agrees => "agrees".to_owned(),
        Mark::Expected(i) => format!("expected difference {}", i + 1),
        Mark::Unexpected => "UNEXPECTED difference".to_owned(),
        Mark::UnexpectedPass(i) => format!("UNEXPECTED pass of difference {}", i + 1),
    }
}

/// A serde unit variant's name (`include`, `no-cors`, `trailing-slash`).
fn json_word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(word)) => word,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Observation;

    fn outcome(id: &str, engine: &str, browser: &str) -> Outcome {
        Outcome {
            scenario: id.to_owned(),
            run: "c1".to_owned(),
            checks: vec![
                Check { field: Field::Read, engine: "allowed".to_owned(), browser: "allowed".to_owned() },
                Check { field: Field::Console, engine: engine.to_owned(), browser: browser.to_owned() },
            ],
            error: None,
            exchange: None,
            observation: Observation::default(),
        }
    }

    #[test]
    fn summaries_count_every_kind_of_mark_and_flag_stale_entries() {
        let expected = Expected::parse(
            "[[difference]]\nscenarios = [\"a/*\"]\nfield = \"console\"\nreason = \"r\"\n\
             [[difference]]\nscenarios = [\"zzz\"]\nfield = \"reason\"\nreason = \"r\"\n",
        )
        .unwrap();
        let run = BrowserRun {
            browser: Browser::Chromium,
            version: "1".to_owned(),
            seconds: 2.0,
            outcomes: vec![
                outcome("a/1", "x", "y"),
                outcome("a/2", "x", "x"),
                outcome("b/1", "x", "y"),
                outcome("b/2", "x", "x"),
            ],
        };
        let judged = judge(std::slice::from_ref(&run), &expected, true);
        let summary = &judged.summaries[0];
        assert_eq!((summary.passed, summary.failed), (2, 2));
        assert_eq!(summary.fields[&Field::Console], [1, 1, 1, 1]);
        assert_eq!(summary.per_second, 2.0);
        assert_eq!(judged.stale, vec![1]);
        let problems = problems(std::slice::from_ref(&run), &judged, &expected, 10);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(table(&run, summary).ends_with("chromium: 2 passed, 2 failed\n"));
        let md = markdown(std::slice::from_ref(&run), &judged, &expected, &[]);
        assert!(md.contains("| `console` | 1 | 1 | 1 | 1 |"), "{md}");
        let value = json(std::slice::from_ref(&run), &judged, &[]);
        assert_eq!(value["browsers"][0]["outcomes"][2]["marks"][1], "UNEXPECTED difference");
        assert!(
            !judge(std::slice::from_ref(&run), &expected, false).stale.contains(&1),
            "a subset checks no staleness"
        );
    }

    #[test]
    fn dimensions_count_the_generated_scenarios() {
        let all = crate::families::all();
        let dims = dimensions(&all);
        let positions = crate::scenario::Position::ALL.len() + crate::scenario::Position::OTHERS.len();
        assert_eq!(dims["position"].len(), positions);
        assert_eq!(dims["family"].values().sum::<usize>(), all.len());
        assert!(dims["preflight status"].contains_key("307"));
        // The cache families answer every Max-Age shape, and a second preflight some of them.
        assert_eq!(dims["preflight max-age"].len(), 7);
        assert!(dims["second preflight's max-age"].contains_key("zero"));
    }
}
