//! `cargo xtask matrix`: the differential matrix (`tests/matrix`), every generated scenario run
//! in headless Chromium and Firefox and compared with the engine; a table per browser on the
//! terminal, the Markdown and JSON reports under `target/matrix/`.

use std::process::{Command, ExitCode};

use crate::shell::{command, run_visible};
use crate::tools::{Need, Tools};

/// One browser's closing line of a matrix run.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    /// `chromium` or `firefox`.
    pub browser: String,
    /// Scenarios that passed.
    pub passed: u32,
    /// Scenarios that failed.
    pub failed: u32,
    /// Seconds the browser's run took, from its table heading.
    pub seconds: f64,
}

/// Runs the matrix in the foreground; arguments go to `corslab-matrix` (`--browser`, `--only`,
/// `--out`, `--list`).
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let tools = Tools::ensure(Need::Everything)?;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run_visible(&mut matrix_command(&tools, &args)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(_) => Ok(ExitCode::FAILURE),
    }
}

/// `cargo run --package corslab-matrix -- <args>`, with the drivers the tools found.
pub fn matrix_command(tools: &Tools, args: &[&str]) -> Command {
    let mut cmd = command("cargo");
    cmd.args(["run", "--quiet", "--package", "corslab-matrix", "--"]).args(args);
    for (var, driver) in [("CHROMEDRIVER", &tools.chromedriver), ("GECKODRIVER", &tools.geckodriver)] {
        if let Some(driver) = driver {
            cmd.env(var, driver);
        }
    }
    cmd
}

/// The per-browser counts in a matrix run's output: each table opens with
/// `<browser> <version>: N scenarios in S.Ss (R/s)` and closes with `<browser>: N passed, M failed`.
pub fn counts(output: &str) -> Vec<Count> {
    let mut out: Vec<Count> = Vec::new();
    let mut seconds: Vec<(String, f64)> = Vec::new();
    for line in output.lines() {
        let Some((head, rest)) = line.split_once(": ") else { continue };
        let browser = head.split_whitespace().next().unwrap_or("");
        if !matches!(browser, "chromium" | "firefox") {
            continue;
        }
        if let Some(time) = rest.split_once(" scenarios in ").and_then(|(_, t)| t.split_once('s')) {
            if let Ok(s) = time.0.parse() {
                seconds.push((browser.to_owned(), s));
            }
            continue;
        }
        let mut numbers =
            rest.split(", ").map(|part| part.split_whitespace().next().and_then(|n| n.parse().ok()));
        if head == browser
            && rest.contains(" passed, ")
            && let (Some(Some(passed)), Some(Some(failed))) = (numbers.next(), numbers.next())
        {
            let seconds = seconds.iter().rev().find(|(b, _)| b == browser).map_or(0.0, |(_, s)| *s);
            out.push(Count { browser: browser.to_owned(), passed, failed, seconds });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_browser_table_gives_its_counts_and_time() {
        let output = "\
matrix: 704 scenarios in 2 browser(s)
chromium 156.0.8078.79: 704 scenarios in 27.4s (25.7/s)
  field              agree  expected  unexpected  unexpected pass
  read                 704         0           0                0
chromium: 699 passed, 5 failed
firefox 153.7.0: 704 scenarios in 31.8s (22.2/s)
firefox: 704 passed, 0 failed
  firefox policy/x [f1]: console: engine \"a: 1 passed, 2 failed\", browser \"b\"
";
        assert_eq!(
            counts(output),
            vec![
                Count { browser: "chromium".to_owned(), passed: 699, failed: 5, seconds: 27.4 },
                Count { browser: "firefox".to_owned(), passed: 704, failed: 0, seconds: 31.8 },
            ]
        );
        assert!(counts("error: cannot start the chromium driver").is_empty());
    }
}
