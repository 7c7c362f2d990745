//! `cargo xtask test`: every check CI runs, one line per stage, then `N passed, N failed`.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use crate::disk;
use crate::lab::build_app;
use crate::shell::{self, BrowserTmp, Guard, command, free_port, run_logged};
use crate::tools::{Need, Tools};

/// The result of one stage.
#[derive(Debug)]
struct Stage {
    name: String,
    passed: u32,
    failed: u32,
    elapsed: Duration,
    /// What to show when the stage failed.
    failure: Option<String>,
}

/// Runs every stage, even after a failure, and exits non-zero if any failed.
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    if let Some(arg) = args.first() {
        return Err(format!("`cargo xtask test` takes no arguments (got {arg:?})"));
    }
    let started = Instant::now();
    disk::warn_if_short(&shell::cargo_target_dir(), disk::TEST_RUN_NEEDS_BYTES);
    let tools = Tools::ensure(Need::Everything)?;
    let mut stages = vec![
        check("fmt", command("cargo").args(["fmt", "--all", "--check"])),
        clippy(),
        // Broken intra-doc links and bare URLs in the API docs, as `cargo doc` reports them.
        check(
            "doc",
            command("cargo").args(["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"),
        ),
        // --no-fail-fast: one failing test binary must not hide the others' counts.
        tests("native tests", command("cargo").args(["test", "--workspace", "--no-fail-fast"])),
    ];
    stages.extend(browser_stages(&tools));
    let trunk = trunk_stage(&tools);
    let app_built = trunk.failed == 0;
    stages.push(trunk);
    stages.push(e2e_stage(&tools, app_built));
    stages.extend(matrix_stages(&tools));

    let passed: u32 = stages.iter().map(|s| s.passed).sum();
    let failed: u32 = stages.iter().map(|s| s.failed).sum();
    for stage in stages.iter().filter(|s| s.failure.is_some()) {
        eprintln!("\n--- {} failed ---\n{}", stage.name, stage.failure.as_deref().unwrap_or(""));
    }
    println!("total time {:.0}s", started.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn report(stage: Stage) -> Stage {
    let status = if stage.failed == 0 { "ok" } else { "FAILED" };
    println!(
        "stage {:<16} {:<6} {:>4} passed, {:>3} failed  {:>6.1}s",
        stage.name,
        status,
        stage.passed,
        stage.failed,
        stage.elapsed.as_secs_f64()
    );
    stage
}

/// A stage that is one check: it passes or fails as a whole.
fn check(name: &str, cmd: &mut Command) -> Stage {
    report(whole(name, run_logged(name, cmd)))
}

/// The stage for a command whose success is the whole result.
fn whole(name: &str, run: Result<shell::Run, String>) -> Stage {
    match run {
        Ok(run) => Stage {
            name: name.to_owned(),
            passed: u32::from(run.ok),
            failed: u32::from(!run.ok),
            elapsed: run.elapsed,
            failure: (!run.ok).then(|| run.failure_report(60)),
        },
        Err(e) => errored(name, e),
    }
}

fn clippy() -> Stage {
    let native = whole(
        "clippy",
        run_logged(
            "clippy",
            command("cargo").args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        ),
    );
    // The browser tests and the app only compile their real code for Wasm; lint that too.
    let wasm = whole(
        "clippy wasm",
        run_logged(
            "clippy wasm",
            command("cargo").args([
                "clippy",
                "--target",
                "wasm32-unknown-unknown",
                "--package",
                "corslab-browser-tests",
                "--package",
                "corslab-app",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
    );
    let failure = [native.failure, wasm.failure].into_iter().flatten().collect::<Vec<_>>().join("\n");
    report(Stage {
        name: "clippy".to_owned(),
        passed: native.passed + wasm.passed,
        failed: native.failed + wasm.failed,
        elapsed: native.elapsed + wasm.elapsed,
        failure: (!failure.is_empty()).then_some(failure),
    })
}

/// A stage that runs libtest-style tests and counts them.
fn tests(name: &str, cmd: &mut Command) -> Stage {
    let stage = match run_logged(name, cmd) {
        Ok(run) => {
            let (passed, mut failed) = count_tests(&run.output);
            if !run.ok && failed == 0 {
                // It failed before any test could (a build error, a crashed runner): count that.
                failed = 1;
            }
            Stage {
                name: name.to_owned(),
                passed,
                failed,
                elapsed: run.elapsed,
                failure: (!run.ok).then(|| run.failure_report(80)),
            }
        }
        Err(e) => errored(name, e),
    };
    report(stage)
}

fn errored(name: &str, error: String) -> Stage {
    Stage { name: name.to_owned(), passed: 0, failed: 1, elapsed: Duration::ZERO, failure: Some(error) }
}

/// Sums the `test result:` lines of libtest and wasm-bindgen-test-runner output.
fn count_tests(output: &str) -> (u32, u32) {
    let mut totals = (0, 0);
    for line in output.lines().filter_map(|l| l.trim().strip_prefix("test result: ")) {
        for part in line.split(['.', ';']) {
            let mut words = part.split_whitespace();
            match (words.next().and_then(|n| n.parse::<u32>().ok()), words.next()) {
                (Some(n), Some("passed")) => totals.0 += n,
                (Some(n), Some("failed")) => totals.1 += n,
                _ => {}
            }
        }
    }
    totals
}

/// The Wasm tests, once in headless Chromium and once in headless Firefox, against a lab
/// server this stage starts.
fn browser_stages(tools: &Tools) -> Vec<Stage> {
    let lab_port = free_port(18080);
    let runner_port = free_port(18081);
    let harness = format!("http://127.0.0.1:{runner_port}");
    let _server = match start_lab(&["--port", &lab_port.to_string(), "--harness-origin", &harness], lab_port)
    {
        Ok(server) => server,
        Err(e) => return vec![report(errored("lab server", e))],
    };

    let webdriver_json = shell::root().join("tests").join("browser").join("webdriver.json");
    let mut stages = Vec::new();
    for (name, driver_var, driver) in [
        ("wasm chromium", "CHROMEDRIVER", tools.chromedriver.as_deref()),
        ("wasm firefox", "GECKODRIVER", tools.geckodriver.as_deref()),
    ] {
        let Some(driver) = driver else {
            stages.push(report(errored(name, format!("no {driver_var} driver found"))));
            continue;
        };
        let tmp = match BrowserTmp::new(name) {
            Ok(tmp) => tmp,
            Err(e) => {
                stages.push(report(errored(name, e)));
                continue;
            }
        };
        let mut cmd = wasm_tests(driver_var, driver, &webdriver_json, lab_port, runner_port);
        stages.push(tests(name, tmp.give_to(&mut cmd)));
    }
    stages
}

fn wasm_tests(
    driver_var: &str,
    driver: &Path,
    webdriver_json: &Path,
    lab_port: u16,
    runner_port: u16,
) -> Command {
    let mut cmd = command("cargo");
    cmd.args([
        "test",
        "--no-fail-fast",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "corslab-browser-tests",
    ])
    // The runner prefers geckodriver when both are set: give it exactly one.
    .env_remove("CHROMEDRIVER")
    .env_remove("GECKODRIVER")
    .env_remove("SAFARIDRIVER")
    .env(driver_var, driver)
    .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", webdriver_json)
    .env("WASM_BINDGEN_TEST_ADDRESS", format!("127.0.0.1:{runner_port}"))
    .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
    .env("CORSLAB_LAB_PORT", lab_port.to_string());
    cmd
}

/// Builds the debug `corslab` and runs `corslab serve ARGS` until the guard drops, once it
/// listens on `port`.
fn start_lab(args: &[&str], port: u16) -> Result<Guard, String> {
    let build = run_logged("build corslab", command("cargo").args(["build", "--package", "corslab"]))?;
    if !build.ok {
        return Err(format!("cannot build corslab:\n{}", build.failure_report(40)));
    }
    shell::start_lab("debug", args, port)
}

fn trunk_stage(tools: &Tools) -> Stage {
    report(whole("trunk build", build_app(tools)))
}

/// The end-to-end tests: the Trunk-built app, served by a lab server this stage starts (a debug
/// `corslab` reads `target/dist` from disk), driven through real headless Chromium and Firefox
/// over WebDriver. They are `#[ignore]`d for plain `cargo test`, so this runs `--ignored`.
fn e2e_stage(tools: &Tools, app_built: bool) -> Stage {
    const NAME: &str = "e2e";
    if !app_built {
        return report(errored(NAME, "the app did not build with Trunk: nothing to drive".to_owned()));
    }
    let port = free_port(18090);
    let _server = match start_lab(&["--quiet", "--port", &port.to_string()], port) {
        Ok(server) => server,
        Err(e) => return report(errored(NAME, e)),
    };
    let mut cmd = command("cargo");
    cmd.args(["test", "--package", "corslab-e2e", "--", "--ignored", "--test-threads=1"])
        .env("CORSLAB_LAB_PORT", port.to_string());
    for (var, driver) in [("CHROMEDRIVER", &tools.chromedriver), ("GECKODRIVER", &tools.geckodriver)] {
        if let Some(driver) = driver {
            cmd.env(var, driver);
        }
    }
    tests(NAME, &mut cmd)
}

/// The differential matrix, in full: one stage line per browser, counting scenarios.
fn matrix_stages(tools: &Tools) -> Vec<Stage> {
    let run = match run_logged("matrix", &mut crate::matrix::matrix_command(tools, &[])) {
        Ok(run) => run,
        Err(e) => return vec![report(errored("matrix", e))],
    };
    let counts = crate::matrix::counts(&run.output);
    let failure = (!run.ok).then(|| run.failure_report(40));
    if counts.is_empty() {
        let why = failure.unwrap_or_else(|| "the matrix printed no counts".to_owned());
        return vec![report(errored("matrix", why))];
    }
    let scenarios_failed = counts.iter().any(|c| c.failed > 0);
    let mut stages: Vec<Stage> = counts
        .into_iter()
        .map(|count| {
            report(Stage {
                name: format!("matrix {}", count.browser),
                passed: count.passed,
                failed: count.failed,
                elapsed: Duration::from_secs_f64(count.seconds),
                failure: (count.failed > 0).then(|| failure.clone().unwrap_or_default()),
            })
        })
        .collect();
    if let Some(failure) = failure.filter(|_| !scenarios_failed) {
        // Every scenario passed yet the run failed: a stale expected difference, or a crash.
        stages.push(report(errored("matrix", failure)));
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sum_over_every_result_line() {
        let output = "\
test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: FAILED. 3 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out
   Doc-tests corslab_engine
test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.2s
";
        assert_eq!(count_tests(output), (16, 2));
    }

    #[test]
    fn output_without_results_counts_nothing() {
        assert_eq!(count_tests("error[E0425]: cannot find value"), (0, 0));
    }
}
