//! `cargo xtask lab`: install what is missing, build the app with Trunk, run the lab server.

use std::process::{Command, ExitCode};

use crate::shell::{self, command, run_logged, run_visible, tail};
use crate::tools::{Need, Tools};

/// Builds and runs the lab in the foreground until Ctrl-C.
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let port = match args {
        [] => 8080,
        [flag, port] if flag == "--port" => {
            port.parse().map_err(|_| format!("--port takes a number, not {port:?}"))?
        }
        _ => return Err(format!("unexpected arguments {args:?}; usage: cargo xtask lab [--port N]")),
    };
    let tools = Tools::ensure(Need::Build)?;
    println!("lab: building the app with Trunk (release)");
    let build = build_app(&tools)?;
    if !build.ok {
        return Err(format!("trunk build failed:\n{}", build.failure_report(40)));
    }
    println!("lab: building the corslab binary (release, app embedded)");
    run_visible(command("cargo").args(["build", "--release", "--package", "corslab"]))?;
    let binary = shell::cargo_target_dir().join("release").join("corslab");
    let status = Command::new(&binary)
        .args(["serve", "--port", &port.to_string()])
        .status()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `trunk build --release` into `target/dist`, with the pinned tools and no downloads.
pub fn build_app(tools: &Tools) -> Result<shell::Run, String> {
    // Trunk runs cargo offline (Trunk.toml), so the registry must be fetched first, for the
    // app's own release workspace too (www/Cargo.toml has a lockfile of its own).
    let fetch =
        run_logged("cargo fetch", command("cargo").args(["fetch", "--manifest-path", "www/Cargo.toml"]))?;
    if !fetch.ok {
        return Err(format!("cargo fetch failed:\n{}", tail(&fetch.output, 20)));
    }
    run_logged(
        "trunk build",
        command("trunk")
            .args(["build", "--release"])
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("TRUNK_TOOLS_WASM_BINDGEN", &tools.wasm_bindgen_version)
            .env("TRUNK_TOOLS_WASM_OPT", &tools.wasm_opt_version),
    )
}
