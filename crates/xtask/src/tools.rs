//! Installing what the lab and the tests need, skipping what is present, and saying how to
//! install by hand whatever cannot be installed here.

use std::path::PathBuf;
use std::time::Instant;

use crate::shell::{self, cargo_bin, command, run_visible, version_of, which};

/// The Trunk release this repository is built with (0.22+ needs a newer rustc).
const TRUNK_VERSION: &str = "0.21.14";
/// The binaryen release whose `wasm-opt` Trunk runs (Debian's binaryen 108 breaks the app).
const BINARYEN_NPM_VERSION: &str = "132.0.0";
/// The `wasm-opt` crate, the fallback when npm is not available (binaryen 116).
const WASM_OPT_CRATE_VERSION: &str = "0.116.1";

/// What a command needs installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The Wasm target, wasm-bindgen, Trunk and wasm-opt: enough to build the app.
    Build,
    /// All of the above plus Chromium, Firefox and their WebDriver servers.
    Everything,
}

/// The tools found or installed.
#[derive(Debug, Clone)]
pub struct Tools {
    /// Trunk's name for the `wasm-opt` version on PATH (`version_132`).
    pub wasm_opt_version: String,
    /// The wasm-bindgen version pinned in `Cargo.lock`.
    pub wasm_bindgen_version: String,
    /// chromedriver, when browsers were asked for.
    pub chromedriver: Option<PathBuf>,
    /// geckodriver, when browsers were asked for.
    pub geckodriver: Option<PathBuf>,
}

impl Tools {
    /// Makes sure everything `need` asks for is present, installing what is missing.
    pub fn ensure(need: Need) -> Result<Self, String> {
        let started = Instant::now();
        wasm_target()?;
        let wasm_bindgen_version = wasm_bindgen()?;
        trunk()?;
        let wasm_opt_version = wasm_opt()?;
        let (chromedriver, geckodriver) = if need == Need::Everything {
            browsers()?;
            (which("chromedriver"), Some(geckodriver()?))
        } else {
            (None, None)
        };
        say(&format!("all tools present ({:.0}s)", started.elapsed().as_secs_f64()));
        Ok(Self { wasm_opt_version, wasm_bindgen_version, chromedriver, geckodriver })
    }
}

fn say(message: &str) {
    println!("tools: {message}");
}

fn wasm_target() -> Result<(), String> {
    let out = command("rustup").args(["target", "list", "--installed"]).output();
    match out {
        Ok(out) if String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "wasm32-unknown-unknown") => {
            Ok(())
        }
        Ok(_) => {
            say("installing the wasm32-unknown-unknown target");
            run_visible(command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
                .map_err(|e| format!("{e}\nInstall it by hand: rustup target add wasm32-unknown-unknown"))
        }
        Err(_) => {
            Err("rustup is not on PATH; install the wasm32-unknown-unknown target for your Rust toolchain \
                       (with rustup: rustup target add wasm32-unknown-unknown)"
                .to_owned())
        }
    }
}

/// The `wasm-bindgen` version in `Cargo.lock`: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock_path = shell::root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == r#"name = "wasm-bindgen""#
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".to_owned())
}

fn wasm_bindgen() -> Result<String, String> {
    let version = locked_wasm_bindgen_version()?;
    let installed = |name: &str| which(name).and_then(|p| version_of(&p));
    let matches =
        |v: Option<String>| v.is_some_and(|v| v.split_whitespace().nth(1) == Some(version.as_str()));
    if matches(installed("wasm-bindgen")) && which("wasm-bindgen-test-runner").is_some() {
        return Ok(version);
    }
    say(&format!(
        "installing wasm-bindgen-cli {version} (it must equal the wasm-bindgen crate in Cargo.lock)"
    ));
    let spec = format!("wasm-bindgen-cli@{version}");
    // Its own lockfile names a crate version this registry mirror may lack; fall back to resolving.
    let locked = run_visible(command("cargo").args(["install", "--locked", &spec]));
    if locked.is_err() {
        say("`cargo install --locked` failed; retrying without --locked");
        run_visible(command("cargo").args(["install", "--force", &spec]))
            .map_err(|e| format!("{e}\nInstall it by hand: cargo install {spec}"))?;
    }
    Ok(version)
}

fn trunk() -> Result<(), String> {
    let present = which("trunk").and_then(|p| version_of(&p)).is_some_and(|v| v.ends_with(TRUNK_VERSION));
    if present {
        return Ok(());
    }
    say(&format!("installing trunk {TRUNK_VERSION} (this takes about ten minutes on two cores)"));
    let spec = format!("trunk@{TRUNK_VERSION}");
    run_visible(command("cargo").args(["install", "--locked", &spec]))
        .map_err(|e| format!("{e}\nInstall it by hand: cargo install --locked {spec}"))
}

/// Finds or installs a working `wasm-opt`, returning Trunk's name for its version.
fn wasm_opt() -> Result<String, String> {
    let npm_bin = shell::tools_dir().join("node_modules").join(".bin").join("wasm-opt");
    let major = BINARYEN_NPM_VERSION.split('.').next().unwrap_or_default();
    if version_of(&npm_bin).is_some_and(|v| v.contains(&format!("version {major}"))) {
        return Ok(format!("version_{major}"));
    }
    if let Some(version) = which("wasm-opt").and_then(|p| version_of(&p)).and_then(|v| binaryen_version(&v)) {
        if version >= 116 {
            return Ok(format!("version_{version}"));
        }
        say(&format!(
            "ignoring wasm-opt {version} on PATH: releases before 116 break wasm-bindgen 0.2.130 output"
        ));
    }
    if let Some(npm) = which("npm") {
        say(&format!("installing binaryen {BINARYEN_NPM_VERSION} from npm into target/tools"));
        std::fs::create_dir_all(shell::tools_dir()).map_err(|e| e.to_string())?;
        let installed = run_visible(
            command(npm)
                .args(["install", "--no-audit", "--no-fund", "--save-exact", "--prefix"])
                .arg(shell::tools_dir())
                .arg(format!("binaryen@{BINARYEN_NPM_VERSION}")),
        );
        if installed.is_ok() && version_of(&npm_bin).is_some() {
            return Ok(format!("version_{major}"));
        }
        say("npm could not install binaryen; building the wasm-opt crate instead");
    }
    say(&format!("installing wasm-opt {WASM_OPT_CRATE_VERSION} with cargo (about twelve minutes)"));
    let spec = format!("wasm-opt@{WASM_OPT_CRATE_VERSION}");
    run_visible(command("cargo").args(["install", "--locked", &spec])).map_err(|e| {
        format!(
            "{e}\nInstall wasm-opt by hand, either `npm install --prefix target/tools binaryen@{BINARYEN_NPM_VERSION}` \
             or `cargo install {spec}`; never Debian's binaryen package"
        )
    })?;
    let version = version_of(&cargo_bin().join("wasm-opt")).and_then(|v| binaryen_version(&v)).unwrap_or(116);
    Ok(format!("version_{version}"))
}

/// `wasm-opt version 116 (version_116)` → 116.
fn binaryen_version(line: &str) -> Option<u32> {
    line.split_whitespace().skip_while(|w| *w != "version").nth(1)?.parse().ok()
}

fn browsers() -> Result<(), String> {
    let missing: Vec<&str> =
        [("chromium", "chromium"), ("chromedriver", "chromium-driver"), ("firefox-esr", "firefox-esr")]
            .into_iter()
            .filter(|(binary, _)| which(binary).is_none())
            .map(|(_, package)| package)
            .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let by_hand = format!(
        "Chromium, chromedriver and Firefox are needed for the browser tests. Install them by hand: \
         sudo apt-get install {} (on other systems: your distribution's chromium, chromedriver and firefox, \
         on PATH as chromium, chromedriver and firefox-esr)",
        missing.join(" ")
    );
    if !is_root() {
        return Err(by_hand);
    }
    say(&format!("installing {} with apt-get", missing.join(", ")));
    run_visible(command("apt-get").args(["update", "-q"]).env("DEBIAN_FRONTEND", "noninteractive"))
        .map_err(|e| format!("{e}\n{by_hand}"))?;
    run_visible(
        command("apt-get")
            .args(["install", "-y", "-q"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .map_err(|e| format!("{e}\n{by_hand}"))
}

fn geckodriver() -> Result<PathBuf, String> {
    if let Some(path) = which("geckodriver") {
        return Ok(path);
    }
    say("installing geckodriver with cargo");
    run_visible(command("cargo").args(["install", "--locked", "geckodriver@0.37.1"]))
        .map_err(|e| format!("{e}\nInstall it by hand: cargo install --locked geckodriver@0.37.1"))?;
    which("geckodriver").ok_or_else(|| "geckodriver was installed but is not on PATH".to_owned())
}

fn is_root() -> bool {
    command("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaryen_versions_are_read_from_version_lines() {
        assert_eq!(binaryen_version("wasm-opt version 132 (version_132)"), Some(132));
        assert_eq!(binaryen_version("wasm-opt version 108"), Some(108));
        assert_eq!(binaryen_version("something else"), None);
    }

    #[test]
    fn the_lockfile_pins_wasm_bindgen() {
        let version = locked_wasm_bindgen_version().unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
