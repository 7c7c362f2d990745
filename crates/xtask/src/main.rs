//! `cargo xtask`: the lab, the test suite and the tool installs, each one command.

use std::process::ExitCode;

mod bench;
mod disk;
mod lab;
mod matrix;
mod shell;
mod test;
mod tools;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  lab [--port N]     install what is missing, build the app, run the lab (default port 8080)
  test               fmt, clippy, native tests, Wasm tests in headless Chromium and Firefox,
                     a release build of the app, the end-to-end tests and the differential
                     matrix in both browsers; installs what is missing first
  bench [SECTION..]  measure speed and size targets (--list names the sections)
  matrix [OPTIONS]   the differential matrix: every scenario in headless Chromium and Firefox,
                     compared with the engine (--browser B, --only PATTERN, --out DIR, --list)
  install            only install the tools the other commands need
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo xtask test --help` must print help, not install browsers and start a run.
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("lab") => lab::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("matrix") => matrix::run(&args[1..]),
        Some("install") => match args.get(1) {
            Some(arg) => Err(format!("`cargo xtask install` takes no arguments (got {arg:?})")),
            None => tools::Tools::ensure(tools::Need::Everything).map(|_| ExitCode::SUCCESS),
        },
        Some("help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
