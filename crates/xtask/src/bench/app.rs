//! `cargo xtask bench app`: the lab app's release size (Wasm and JS glue, raw and gzipped) and
//! its first page's time to interactive in headless Chromium on loopback.
//!
//! Targets (issue 5): Wasm at most 200 KB gzipped; the first page interactive within 300 ms.

use std::path::Path;
use std::process::Command;

use crate::lab::build_app;
use crate::shell::{self, command, free_port, run_logged, tail};
use crate::tools::{Need, Tools};

/// The Wasm budget, gzipped: 200 KB read strictly, as 200 000 bytes.
const WASM_BUDGET_GZ: u64 = 200_000;
/// The time-to-interactive budget.
const TTI_BUDGET_MS: f64 = 300.0;

/// Builds the app, prints its sizes, serves it and measures time to interactive.
pub fn run() -> Result<(), String> {
    let tools = Tools::ensure(Need::Everything)?;
    let build = build_app(&tools)?;
    if !build.ok {
        return Err(format!("trunk build failed:\n{}", tail(&build.output, 30)));
    }
    let dist = shell::root().join("target").join("dist");
    let mut wasm_gz = 0;
    for (kind, ext) in [("wasm", "_bg.wasm"), ("js glue", ".js")] {
        let file = find(&dist, ext)?;
        let raw = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
        let gz = gzipped(&file)?;
        if ext.ends_with("wasm") {
            wasm_gz = gz;
        }
        println!("app {kind:<8} {:>8.1} kB raw {:>7.1} kB gzipped ({:.1} KiB)", kb(raw), kb(gz), kib(gz));
    }
    let verdict = if wasm_gz <= WASM_BUDGET_GZ { "within" } else { "OVER" };
    println!("app wasm budget {:.0} kB gzipped: {verdict}", kb(WASM_BUDGET_GZ));

    let server = run_logged(
        "build corslab release",
        command("cargo").args(["build", "--release", "--package", "corslab"]),
    )?;
    if !server.ok {
        return Err(format!("cannot build corslab:\n{}", tail(&server.output, 30)));
    }
    let port = free_port(18180);
    let _server =
        shell::start_lab("release", &["--quiet", "--no-second-port", "--port", &port.to_string()], port)?;
    let mut tti = command("cargo");
    tti.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "corslab-e2e",
        "--bin",
        "corslab-tti",
        "--",
        "/",
        "10",
    ])
    .env("CORSLAB_LAB_PORT", port.to_string());
    if let Some(driver) = &tools.chromedriver {
        tti.env("CHROMEDRIVER", driver);
    }
    let measured = run_logged("bench app tti", &mut tti)?;
    if !measured.ok {
        return Err(format!("could not measure time to interactive:\n{}", tail(&measured.output, 20)));
    }
    for line in measured.output.lines().filter(|l| l.starts_with("tti ")) {
        println!("app {line}");
        if let Some(ms) = line.strip_prefix("tti warm median").and_then(median_ms) {
            let verdict = if ms <= TTI_BUDGET_MS { "within" } else { "OVER" };
            println!("app tti budget {TTI_BUDGET_MS:.0} ms: {verdict}");
        }
    }
    Ok(())
}

/// The file in `dir` whose name ends with `suffix`.
fn find(dir: &Path, suffix: &str) -> Result<std::path::PathBuf, String> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix) && n.starts_with("corslab-app"))
        })
        .ok_or_else(|| format!("no corslab-app*{suffix} in {}", dir.display()))
}

/// The size of `file` after `gzip -9`, as a server across a network would send it (the lab
/// sends it as built: on loopback, inflating costs more than the bytes save; see the README).
fn gzipped(file: &Path) -> Result<u64, String> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip failed on {}", file.display()));
    }
    Ok(out.stdout.len() as u64)
}

/// Kilobytes (1000 bytes), as the budget is written.
fn kb(bytes: u64) -> f64 {
    bytes as f64 / 1000.0
}

/// Kibibytes (1024 bytes).
fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// `of 10 loads 123 ms (worst 140 ms)` → 123.
fn median_ms(rest: &str) -> Option<f64> {
    rest.split(" loads ").nth(1)?.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_median_from_the_tti_line() {
        assert_eq!(median_ms(" of 10 loads 123 ms (worst 140 ms)"), Some(123.0));
        assert_eq!(median_ms(" nothing"), None);
    }
}
