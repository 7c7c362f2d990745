//! `corslab explain`: reads an Exchange and prints the engine's Verdict.

use std::io::{self, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use corslab_engine::verdict::Outcome;
use corslab_engine::{Browser, Exchange, Verdict};

/// Options of `corslab explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Exchange JSON to read; `-` or nothing reads standard input
    file: Option<PathBuf>,
    /// Print the Verdict as JSON
    #[arg(long)]
    json: bool,
    /// Explain for this browser, whatever the Exchange says
    #[arg(long, value_parser = parse_browser)]
    browser: Option<Browser>,
}

fn parse_browser(name: &str) -> Result<Browser, String> {
    match name {
        "chromium" => Ok(Browser::Chromium),
        "firefox" => Ok(Browser::Firefox),
        _ => Err(format!("unknown browser {name:?}; choose chromium or firefox")),
    }
}

/// Explains the input; exits 2 on unreadable or invalid input.
pub fn run(args: &Args) -> ExitCode {
    let (name, text) = match read_input(args.file.as_ref()) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut exchange = match Exchange::from_json(&text) {
        Ok(exchange) => exchange,
        Err(e) => {
            eprintln!("error: {name}: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(browser) = args.browser {
        exchange.browser = browser;
    }
    let verdict = corslab_engine::explain(&exchange);
    let out = if args.json {
        serde_json::to_string_pretty(&verdict).unwrap_or_default() + "\n"
    } else {
        human(&exchange, &verdict)
    };
    match io::stdout().write_all(out.as_bytes()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the explanation: {e}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn read_input(file: Option<&PathBuf>) -> Result<(String, String), String> {
    match file.filter(|f| f.as_os_str() != "-") {
        Some(path) => std::fs::read_to_string(path)
            .map(|text| (path.display().to_string(), text))
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        None => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(("<stdin>".to_owned(), text))
        }
    }
}

fn human(exchange: &Exchange, verdict: &Verdict) -> String {
    let mut out = String::new();
    let read = match verdict.read {
        corslab_engine::Read::Allowed => "ALLOWED: the script can read the response",
        corslab_engine::Read::Blocked => "BLOCKED: the script gets a TypeError",
        corslab_engine::Read::Opaque => "OPAQUE: the response is opaque to the script",
    };
    out.push_str(&format!("{read} ({})\n", exchange.browser));
    if let Some(reason) = &verdict.reason {
        out.push_str(&format!("reason: {reason}\n"));
    }
    out.push('\n');
    for step in &verdict.steps {
        let mark = match step.outcome {
            Outcome::Pass => "✔",
            Outcome::Fail => "✘",
            Outcome::Info => "·",
        };
        out.push_str(&format!("  {mark} {}\n      {}\n", step.says, step.spec));
    }
    if let Some(console) = &verdict.console {
        out.push_str(&format!("\nconsole:\n  {}\n", console.replace('\n', "\n  ")));
    }
    out
}
