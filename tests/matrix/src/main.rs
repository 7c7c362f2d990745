//! `corslab-matrix`: runs the differential matrix and writes its report (`cargo xtask matrix`).
//!
//! Usage: `corslab-matrix [--browser chromium|firefox]... [--only PATTERN] [--out DIR] [--list]`.
//! `--only` runs the scenarios whose id matches the pattern (`*` matches anything); a run of a
//! subset does not check the expected-differences file for stale entries. Drivers and browsers
//! come from `CHROMEDRIVER`, `GECKODRIVER`, `CORSLAB_CHROMIUM` and `CORSLAB_FIREFOX`, else the
//! Debian paths and `~/.cargo/bin/geckodriver`. Exits 0 when every scenario passes, 1 when one
//! does not, 2 when the matrix could not run.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use corslab_engine::Browser;
use corslab_matrix::expected::{self, Expected};
use corslab_matrix::{compare, families, report, run};

fn main() -> ExitCode {
    match real_main() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<bool, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    let mut browsers = Vec::new();
    let mut only: Option<String> = None;
    let mut out = root.join("target").join("matrix");
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--browser" => browsers.push(match args.next().as_deref() {
                Some("chromium") => Browser::Chromium,
                Some("firefox") => Browser::Firefox,
                other => return Err(format!("--browser takes chromium or firefox, not {other:?}")),
            }),
            "--only" => only = Some(args.next().ok_or("--only takes a pattern")?),
            "--out" => out = PathBuf::from(args.next().ok_or("--out takes a directory")?),
            "--list" => list = true,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; see the doc comment of tests/matrix/src/main.rs"
                ));
            }
        }
    }
    if browsers.is_empty() {
        browsers = vec![Browser::Chromium, Browser::Firefox];
    }
    let all = families::all();
    let full = only.is_none();
    let scenarios: Vec<_> =
        all.into_iter().filter(|s| only.as_ref().is_none_or(|p| expected::glob(p, &s.id))).collect();
    if list {
        for s in &scenarios {
            println!("{}", s.id);
        }
        println!("{} scenarios", scenarios.len());
        return Ok(true);
    }
    if scenarios.is_empty() {
        return Err("no scenario matches --only".to_owned());
    }
    let text = std::fs::read_to_string(root.join(expected::PATH))
        .map_err(|e| format!("cannot read {}: {e}", expected::PATH))?;
    let expected = Expected::parse(&text)?;
    let home = std::env::var("HOME").unwrap_or_default();
    let env_or =
        |name: &str, default: &str| PathBuf::from(std::env::var(name).unwrap_or_else(|_| default.to_owned()));
    let options = run::Options {
        browsers,
        chromedriver: env_or("CHROMEDRIVER", "/usr/bin/chromedriver"),
        chromium: env_or("CORSLAB_CHROMIUM", "/usr/bin/chromium"),
        geckodriver: env_or("GECKODRIVER", &format!("{home}/.cargo/bin/geckodriver")),
        firefox: env_or("CORSLAB_FIREFOX", "/usr/bin/firefox-esr"),
        deadline: Duration::from_secs(20 * 60),
    };
    println!("matrix: {} scenarios in {} browser(s)", scenarios.len(), options.browsers.len());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let (ports, results) = runtime.block_on(run::run(&options, &scenarios))?;
    let runs: Vec<report::BrowserRun> = results
        .into_iter()
        .map(|(mut browser_run, observed)| {
            browser_run.outcomes = scenarios
                .iter()
                .zip(observed)
                .map(|(s, (run, observation))| {
                    compare::outcome(s, browser_run.browser, &ports, &run, observation)
                })
                .collect();
            browser_run
        })
        .collect();
    let judged = report::judge(&runs, &expected, full);
    for (run, summary) in runs.iter().zip(&judged.summaries) {
        print!("{}", report::table(run, summary));
    }
    let problems = report::problems(&runs, &judged, &expected, 25);
    for line in &problems {
        println!("  {line}");
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let markdown = out.join("report.md");
    std::fs::write(&markdown, report::markdown(&runs, &judged, &expected, &scenarios))
        .map_err(|e| format!("cannot write {}: {e}", markdown.display()))?;
    let json = out.join("report.json");
    let value = report::json(&runs, &judged, &scenarios);
    std::fs::write(&json, serde_json::to_string_pretty(&value).unwrap_or_default())
        .map_err(|e| format!("cannot write {}: {e}", json.display()))?;
    println!("reports: {} and {}", markdown.display(), json.display());
    Ok(problems.is_empty())
}
