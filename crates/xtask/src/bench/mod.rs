//! `cargo xtask bench`: the figures behind every speed and size target, measured, never asserted
//! by timed unit tests. Each section lives in its own module and prints its own lines; the
//! section list below is the only shared place.

use std::process::ExitCode;

mod app;
mod audit;
mod engine;
mod server;

/// One group of measurements.
struct Section {
    /// What `cargo xtask bench <name>` selects.
    name: &'static str,
    /// What it measures, for `--list`.
    about: &'static str,
    /// Runs it, printing figures; an error says what could not be measured.
    run: fn() -> Result<(), String>,
}

const SECTIONS: &[Section] = &[
    Section {
        name: "app",
        about: "lab app: Wasm and JS size gzipped, time to interactive in Chromium",
        run: app::run,
    },
    Section {
        name: "audit",
        about: "corslab audit vs CORScanner: probes/s and classes detected",
        run: audit::run,
    },
    Section {
        name: "engine",
        about: "engine: explains per second, native and Wasm in Chromium",
        run: engine::run,
    },
    Section {
        name: "server",
        about: "lab server: requests/s and p99 at 256 connections, memory over 100k requests",
        run: server::run,
    },
];

/// Runs the named sections (all when none are named).
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    if args.iter().any(|a| a == "--list") {
        for section in SECTIONS {
            println!("{:<10} {}", section.name, section.about);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(unknown) = args.iter().find(|a| !SECTIONS.iter().any(|s| s.name == a.as_str())) {
        let names: Vec<&str> = SECTIONS.iter().map(|s| s.name).collect();
        return Err(format!("unknown bench section {unknown:?}; choose from: {}", names.join(", ")));
    }
    let mut failed = 0;
    for section in SECTIONS.iter().filter(|s| args.is_empty() || args.iter().any(|a| a == s.name)) {
        println!("== bench {}: {}", section.name, section.about);
        if let Err(e) = (section.run)() {
            eprintln!("bench {}: could not measure: {e}", section.name);
            failed += 1;
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
