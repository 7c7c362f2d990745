//! The `corslab` binary: parses arguments and hands each command to its module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod capture;
mod explain;
mod serve;
#[cfg(test)]
mod test_support;

/// corslab makes the browser's same-origin policy and CORS visible.
#[derive(Debug, Parser)]
#[command(name = "corslab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the lab: FinTrack, its attackers and the console on *.localhost origins
    Serve(serve::Args),
    /// Explain what a browser does with captured exchanges (JSON, JSON Lines, HAR, Burp Suite items or a curl -v trace)
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(explain::Args),
    /// Probe live endpoints for CORS misconfigurations and judge what attackers get in each browser
    #[command(after_help = AUDIT_EXAMPLES)]
    Audit(audit::Args),
}

const EXPLAIN_EXAMPLES: &str = "Examples:
  corslab explain exchange.json
  corslab explain capture.har --browser firefox
  corslab explain burp-items.xml --json
  curl -v -H 'Origin: https://evil.example' -b 'session=…' https://api.example.com/me 2>&1 | corslab explain";

const AUDIT_EXAMPLES: &str = "Examples:
  corslab audit https://api.example.com/me -t https://app.example.com -b 'session=…; SameSite=None; Secure'
  corslab audit -i capture.har -t https://app.example.com --sarif > cors.sarif
  corslab audit -i urls.txt --fail-on medium";

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; everything else is a usage error (exit 2).
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Audit(args) => audit::run(&args),
    }
}
