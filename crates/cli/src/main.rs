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
    Explain(explain::Args),
    /// Probe live endpoints for CORS misconfigurations and judge what attackers get in each browser
    Audit(audit::Args),
}

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
