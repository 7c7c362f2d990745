//! `cargo xtask bench engine`: explanations per second for a typical preflighted, credentialed
//! exchange, natively (a release build of the engine's `explain_bench` example) and as Wasm in
//! headless Chromium (the ignored `engine_bench` browser test, built with `--release`).
//!
//! Targets (issue 3): at most 2 µs per explanation natively, 10 µs in Wasm.

use crate::shell::{self, command, run_logged, tail};
use crate::tools::{Need, Tools};

/// The native target, nanoseconds per explanation.
const NATIVE_TARGET_NS: f64 = 2_000.0;
/// The Wasm target, nanoseconds per explanation.
const WASM_TARGET_NS: f64 = 10_000.0;

/// Measures both and prints one line each.
pub fn run() -> Result<(), String> {
    let native = run_logged(
        "bench engine native",
        command("cargo").args([
            "run",
            "--release",
            "--quiet",
            "--package",
            "corslab-engine",
            "--example",
            "explain_bench",
        ]),
    )?;
    if !native.ok {
        return Err(format!("the native bench failed:\n{}", tail(&native.output, 30)));
    }
    report("native", figure(&native.output, "ns_per_explain=")?, NATIVE_TARGET_NS);

    let tools = Tools::ensure(Need::Everything)?;
    let chromedriver = tools.chromedriver.ok_or("no chromedriver found; install chromium-driver")?;
    let webdriver_json = shell::root().join("tests").join("browser").join("webdriver.json");
    let tmp = shell::BrowserTmp::new("bench engine")?;
    let wasm = run_logged(
        "bench engine wasm",
        tmp.give_to(&mut command("cargo"))
            .args([
                "test",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "--package",
                "corslab-browser-tests",
            ])
            .args(["--test", "engine_bench", "--", "--include-ignored", "--nocapture"])
            // The runner prefers geckodriver when both are set: give it Chromium's only.
            .env_remove("GECKODRIVER")
            .env_remove("SAFARIDRIVER")
            .env("CHROMEDRIVER", chromedriver)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", webdriver_json)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;
    if !wasm.ok {
        return Err(format!("the Wasm bench failed:\n{}", tail(&wasm.output, 30)));
    }
    report("wasm chromium", figure(&wasm.output, "ns_per_explain=")?, WASM_TARGET_NS);
    Ok(())
}

/// The number after `key` in a bench's output.
fn figure(output: &str, key: &str) -> Result<f64, String> {
    output
        .lines()
        .find_map(|line| line.split_once(key).map(|(_, rest)| rest))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("the bench printed no {key} line:\n{}", tail(output, 20)))
}

fn report(where_: &str, ns: f64, target: f64) {
    let verdict = if ns <= target { "within" } else { "OVER" };
    println!(
        "engine {where_:<14} {:>8.2} µs per explanation {:>10.0} explains/s  (target {:.0} µs: {verdict})",
        ns / 1000.0,
        1e9 / ns,
        target / 1000.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_from_bench_output() {
        let output = "Invoking test\nengine-bench: ns_per_explain=4321 explains_per_second=231428\n";
        assert_eq!(figure(output, "ns_per_explain="), Ok(4321.0));
        assert!(figure("nothing", "ns_per_explain=").is_err());
    }
}
