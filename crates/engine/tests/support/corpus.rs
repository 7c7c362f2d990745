//! The conformance corpus runner: reads every case under `tests/data/`, explains it, and compares
//! the verdict with what the case's source expects. Shared by the native test
//! (`crates/engine/tests/corpus.rs`) and the browser test (`tests/browser/tests/corpus.rs`), so
//! the same data runs natively and as Wasm in headless Chromium and Firefox.
//!
//! A case names its source in `see`: a Fetch anchor (`https://fetch.spec.whatwg.org/#…`), a
//! web-platform-tests file (`wpt:fetch/api/cors/…`), a measured browser result
//! (`measured: shared/browsers.md …`) or another standard's URL. `expected-failures.txt` lists the
//! cases the engine knowingly disagrees with; the runner fails on an unexpected pass and on a
//! stale entry as well as on an unexpected failure.

use std::collections::BTreeMap;

use corslab_engine::{Exchange, PreflightCache, explain_with};
use serde_json::Value;

/// Every corpus file, embedded at compile time so the Wasm build carries the data too.
pub const FILES: &[(&str, &str)] = &[
    ("cookies.json", include_str!("../../../../tests/data/cookies.json")),
    ("cors-check.json", include_str!("../../../../tests/data/cors-check.json")),
    ("edges.json", include_str!("../../../../tests/data/edges.json")),
    ("local-network.json", include_str!("../../../../tests/data/local-network.json")),
    ("main-fetch.json", include_str!("../../../../tests/data/main-fetch.json")),
    ("measured.json", include_str!("../../../../tests/data/measured.json")),
    ("preflight.json", include_str!("../../../../tests/data/preflight.json")),
    ("request.json", include_str!("../../../../tests/data/request.json")),
    ("safelist.json", include_str!("../../../../tests/data/safelist.json")),
    ("wpt-basic.json", include_str!("../../../../tests/data/wpt-basic.json")),
    ("wpt-cookies.json", include_str!("../../../../tests/data/wpt-cookies.json")),
    ("wpt-filtering.json", include_str!("../../../../tests/data/wpt-filtering.json")),
    ("wpt-origin.json", include_str!("../../../../tests/data/wpt-origin.json")),
    ("wpt-preflight.json", include_str!("../../../../tests/data/wpt-preflight.json")),
    ("wpt-redirect.json", include_str!("../../../../tests/data/wpt-redirect.json")),
];

/// The cases the engine knowingly disagrees with, one id a line, `#` comments explaining why.
pub const EXPECTED_FAILURES: &str = include_str!("../../../../tests/data/expected-failures.txt");

/// The pinned Fetch anchors a `see` may cite.
const ANCHORS: &str = include_str!("../../spec/fetch-anchors.txt");

/// What a corpus run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Case runs (a case runs once per browser it names).
    pub runs: usize,
    /// Cases, by the kind of source they cite.
    pub cases_by_source: BTreeMap<&'static str, usize>,
    /// Every problem: unexpected failures, unexpected passes, stale entries, malformed cases.
    pub problems: Vec<String>,
    /// Expected failures that did fail.
    pub expected_failures: usize,
}

impl Report {
    /// Fails, listing every problem, unless the run found none and the corpus holds at least the
    /// 300 cases it must; returns how many it holds.
    pub fn assert_clean(&self) -> usize {
        assert!(
            self.problems.is_empty(),
            "{} problem(s):\n{}",
            self.problems.len(),
            self.problems.join("\n")
        );
        let cases: usize = self.cases_by_source.values().sum();
        assert!(cases >= 300, "the corpus must hold at least 300 cases, it holds {cases}");
        cases
    }
}

/// Runs every case of every file.
pub fn run() -> Report {
    // Each line: `<file>: <case> [<browser>]: <the expectation keys known to fail, comma-separated>`.
    let expected: Vec<(&str, &str)> = EXPECTED_FAILURES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.rsplit_once("]: ").map_or((l, ""), |(id, key)| (&l[..id.len() + 1], key)))
        .collect();
    let mut report = Report::default();
    let mut seen_ids = Vec::new();
    for (file, text) in FILES {
        let doc: Value = match serde_json::from_str(text) {
            Ok(doc) => doc,
            Err(e) => {
                report.problems.push(format!("{file}: not JSON: {e}"));
                continue;
            }
        };
        let file_see = doc.get("see").and_then(Value::as_str);
        let Some(cases) = doc.get("cases").and_then(Value::as_array) else {
            report.problems.push(format!("{file}: no `cases` array"));
            continue;
        };
        for case in cases {
            let name = case.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
            let see = case.get("see").and_then(Value::as_str).or(file_see).unwrap_or("");
            match source_kind(see) {
                Ok(kind) => *report.cases_by_source.entry(kind).or_default() += 1,
                Err(e) => report.problems.push(format!("{file}: {name}: {e}")),
            }
            if let Err(e) = check_shape(case) {
                report.problems.push(format!("{file}: {name}: {e}"));
                continue;
            }
            let browsers: Vec<&str> = case
                .get("browsers")
                .and_then(Value::as_array)
                .map(|b| b.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| vec!["chromium", "firefox"]);
            for browser in browsers {
                let id = format!("{file}: {name} [{browser}]");
                report.runs += 1;
                let problems = run_case(case, browser);
                let listed = expected.iter().find(|(listed, _)| *listed == id).map(|&(_, keys)| keys);
                // A listed case is excused only for its known differences: a problem with any
                // other expectation (or with the exchange itself) is reported as ever.
                let excused = |p: &String| {
                    listed.is_some_and(|keys| {
                        problem_key(p).is_some_and(|key| keys.split(',').any(|k| k.trim() == key))
                    })
                };
                let (known, other): (Vec<String>, Vec<String>) = problems.into_iter().partition(excused);
                match listed {
                    Some(keys) if known.is_empty() => report.problems.push(format!(
                        "{id}: listed in expected-failures.txt for {keys:?}, but those expectations pass"
                    )),
                    Some(_) => report.expected_failures += 1,
                    None => {}
                }
                report.problems.extend(other.into_iter().map(|p| format!("{id}: {p}")));
                seen_ids.push(id);
            }
        }
    }
    for (entry, _) in &expected {
        if !seen_ids.iter().any(|id| id == entry) {
            report.problems.push(format!("expected-failures.txt: stale entry {entry:?} names no case"));
        }
    }
    report
}

/// The expectation key a problem is about: `step 0: read: expected …` is about `read`.
fn problem_key(problem: &str) -> Option<&str> {
    let rest = problem.strip_prefix("step ")?;
    let (_, rest) = rest.split_once(": ")?;
    rest.split_once(": ").map(|(key, _)| key)
}

/// Refuses a case that could check nothing or mean something it does not: unknown keys (a
/// misspelt `at` would silently be time 0), no browser to run for, an empty sequence, an empty
/// expectation.
fn check_shape(case: &Value) -> Result<(), String> {
    let keys = |value: &Value, allowed: &[&str], what: &str| -> Result<(), String> {
        let object = value.as_object().ok_or_else(|| format!("{what} must be an object"))?;
        match object.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(key) => Err(format!("{what} has an unknown key {key:?} (known: {})", allowed.join(", "))),
            None => Ok(()),
        }
    };
    keys(case, &["name", "see", "browsers", "exchange", "expect", "sequence"], "a case")?;
    if let Some(browsers) = case.get("browsers") {
        let names =
            browsers.as_array().filter(|b| !b.is_empty()).ok_or("`browsers` must name at least one")?;
        if let Some(bad) = names.iter().find(|b| !matches!(b.as_str(), Some("chromium" | "firefox"))) {
            return Err(format!("`browsers` names {bad}, neither chromium nor firefox"));
        }
    }
    let steps: Vec<&Value> = match case.get("sequence") {
        Some(sequence) => {
            let steps = sequence.as_array().filter(|s| !s.is_empty()).ok_or("`sequence` must hold steps")?;
            for step in steps {
                keys(step, &["at", "exchange", "expect"], "a step")?;
                if step.get("at").is_some_and(|at| !at.is_u64()) {
                    return Err("a step's `at` must be whole seconds".to_owned());
                }
            }
            steps.iter().collect()
        }
        None => vec![case],
    };
    for step in steps {
        if step.get("expect").and_then(Value::as_object).is_none_or(serde_json::Map::is_empty) {
            return Err("every exchange needs a non-empty `expect`".to_owned());
        }
    }
    Ok(())
}

/// Classifies a `see` value, refusing Fetch anchors that are not in the pinned list.
fn source_kind(see: &str) -> Result<&'static str, String> {
    if let Some(anchor) = see.strip_prefix("https://fetch.spec.whatwg.org/#") {
        let anchor = anchor.split_whitespace().next().unwrap_or_default();
        return if ANCHORS.lines().skip(1).any(|a| a == anchor) {
            Ok("spec")
        } else {
            Err(format!("cites #{anchor}, which is not in the pinned anchor list"))
        };
    }
    if see.starts_with("wpt:fetch/api/cors/") {
        Ok("wpt")
    } else if see.starts_with("measured:") {
        Ok("measured")
    } else if see.starts_with("https://") {
        Ok("other standard")
    } else {
        Err(format!("`see` must name a spec anchor, a wpt: file, a measured: result or a URL (got {see:?})"))
    }
}

/// Runs one case for one browser; the problems found (empty when it matches).
fn run_case(case: &Value, browser: &str) -> Vec<String> {
    let steps: Vec<(u64, &Value, &Value)> = match case.get("sequence").and_then(Value::as_array) {
        Some(sequence) => sequence
            .iter()
            .map(|s| (s.get("at").and_then(Value::as_u64).unwrap_or(0), &s["exchange"], &s["expect"]))
            .collect(),
        None => vec![(0, &case["exchange"], &case["expect"])],
    };
    let mut cache = PreflightCache::new();
    let mut problems = Vec::new();
    for (i, (at, exchange, expect)) in steps.into_iter().enumerate() {
        let mut exchange = exchange.clone();
        if let Some(object) = exchange.as_object_mut() {
            object.insert("browser".to_owned(), Value::from(browser));
        }
        let parsed = match Exchange::from_json(&exchange.to_string()) {
            Ok(parsed) => parsed,
            Err(e) => {
                problems.push(format!("step {i}: the exchange does not parse: {e}"));
                continue;
            }
        };
        let verdict = explain_with(&parsed, &mut cache, at);
        let verdict = match serde_json::to_value(&verdict) {
            Ok(verdict) => verdict,
            Err(e) => {
                problems.push(format!("step {i}: the verdict does not serialize: {e}"));
                continue;
            }
        };
        let Some(expect) = expect.as_object() else {
            problems.push(format!("step {i}: `expect` must be an object"));
            continue;
        };
        for (key, want) in expect {
            let want = match per_browser(want, browser) {
                Ok(Some(want)) => want,
                // Nothing to look for in this browser's console or steps.
                Ok(None) if CONTAINS.contains(&key.as_str()) => continue,
                // A value left out for this browser is null: it names none.
                Ok(None) => &Value::Null,
                Err(e) => {
                    problems.push(format!("step {i}: {key}: {e}"));
                    continue;
                }
            };
            if let Err(e) = compare(key, want, &verdict) {
                problems.push(format!("step {i}: {key}: {e}"));
            }
        }
    }
    problems
}

/// The expectations that look for something in the verdict rather than name a value of it.
const CONTAINS: [&str; 4] = ["console_contains", "says_contains", "rules", "no_rules"];

/// `{"chromium": …, "firefox": …}` picks this browser's value (`None` when it names none);
/// anything else applies to both. A map that names a browser and something else is refused.
fn per_browser<'v>(want: &'v Value, browser: &str) -> Result<Option<&'v Value>, String> {
    match want.as_object() {
        Some(map) if map.contains_key("chromium") || map.contains_key("firefox") => {
            match map.keys().find(|k| !matches!(k.as_str(), "chromium" | "firefox")) {
                Some(other) => {
                    Err(format!("a per-browser value names {other:?}, neither chromium nor firefox"))
                }
                None => Ok(map.get(browser)),
            }
        }
        _ => Ok(Some(want)),
    }
}

/// A list of strings, which must not be empty when `nonempty`.
fn strings(want: &Value, nonempty: bool) -> Result<Vec<&str>, String> {
    let items = want.as_array().ok_or_else(|| format!("expected an array of strings, got {want}"))?;
    if nonempty && items.is_empty() {
        return Err("expected at least one string".to_owned());
    }
    items.iter().map(|v| v.as_str().ok_or_else(|| format!("expected strings, got {v}"))).collect()
}

fn compare(key: &str, want: &Value, verdict: &Value) -> Result<(), String> {
    let steps = verdict["steps"].as_array().cloned().unwrap_or_default();
    match key {
        "read" | "preflight_sent" | "request_sent" | "blocked_at" | "reason" | "failed_parameter"
        | "cookies_sent" | "exposed_headers" | "console" | "sent" => {
            let got = &verdict[key];
            if got == want { Ok(()) } else { Err(format!("expected {want}, got {got}")) }
        }
        // Written only when true, so a Verdict without it is not pending.
        "pending" => {
            let got = verdict.get("pending").unwrap_or(&Value::Bool(false));
            if got == want { Ok(()) } else { Err(format!("expected {want}, got {got}")) }
        }
        "console_contains" => {
            let console = verdict["console"].as_str().unwrap_or_default();
            let needle = want
                .as_str()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("expected a non-empty string, got {want}"))?;
            if console.contains(needle) { Ok(()) } else { Err(format!("{needle:?} not in {console:?}")) }
        }
        "rules" => {
            for rule in strings(want, true)? {
                let (id, outcome) = rule.split_once(':').map_or((rule, None), |(i, o)| (i, Some(o)));
                let found =
                    steps.iter().any(|s| s["rule"] == id && outcome.is_none_or(|o| s["outcome"] == o));
                if !found {
                    return Err(format!("no step {rule}"));
                }
            }
            Ok(())
        }
        "no_rules" => {
            for id in strings(want, true)? {
                if steps.iter().any(|s| s["rule"] == id) {
                    return Err(format!("unexpected step {id}"));
                }
            }
            Ok(())
        }
        "says_contains" => {
            for needle in strings(want, true)? {
                if !steps.iter().any(|s| s["says"].as_str().is_some_and(|says| says.contains(needle))) {
                    return Err(format!("no step says {needle:?}"));
                }
            }
            Ok(())
        }
        "findings" | "fix" => {
            let mut got: Vec<&str> =
                verdict[key].as_array().into_iter().flatten().filter_map(|f| f["id"].as_str()).collect();
            let mut want = strings(want, false)?;
            got.sort_unstable();
            want.sort_unstable();
            if got == want { Ok(()) } else { Err(format!("expected {want:?}, got {got:?}")) }
        }
        other => Err(format!("unknown expectation key {other:?}")),
    }
}
