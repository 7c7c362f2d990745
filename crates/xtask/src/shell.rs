//! Running commands: found on PATH or not, quietly into a log file, or in the foreground.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The repository root (the parent of `crates/xtask`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("xtask lives in crates/xtask").to_owned()
}

/// `$CARGO_HOME/bin` (or `~/.cargo/bin`), where `cargo install` puts tools.
pub fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` (relative to the repository when it is
/// relative), else the repository's `target/`.
pub fn cargo_target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// Where xtask keeps tools it installs into the repository (npm's binaryen) and its logs.
pub fn tools_dir() -> PathBuf {
    root().join("target").join("tools")
}

/// The `PATH` every child gets: our tools first, then cargo's bin, then the inherited one.
pub fn path_env() -> std::ffi::OsString {
    let mut dirs = vec![tools_dir().join("node_modules").join(".bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A command with our `PATH`, run from the repository root.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root()).env("PATH", path_env());
    cmd
}

/// Finds an executable on our `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&path_env()).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The first line a tool prints for `--version`, if it runs at all.
pub fn version_of(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("--version").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    out.status.success().then(|| text.lines().next().unwrap_or("").trim().to_owned())
}

/// What a quiet run produced.
#[derive(Debug)]
pub struct Run {
    /// Whether it exited 0.
    pub ok: bool,
    /// Everything it printed, stdout and stderr interleaved.
    pub output: String,
    /// The log file holding that output.
    pub log: PathBuf,
    /// How long it took.
    pub elapsed: Duration,
}

impl Run {
    /// The last `lines` of what a failed run printed and where its full log is, after the
    /// cause when it is one the compiler's errors would bury (a full disk).
    pub fn failure_report(&self, lines: usize) -> String {
        let report = format!("{}\n(full log: {})", tail(&self.output, lines), self.log.display());
        match crate::disk::explain_failure(&self.output) {
            Some(cause) => format!("{cause}\n{report}"),
            None => report,
        }
    }
}

/// Runs a command with its output going to `target/xtask-logs/<name>.log` (and to the terminal
/// too when `CORSLAB_VERBOSE` is set).
pub fn run_logged(name: &str, cmd: &mut Command) -> Result<Run, String> {
    let dir = root().join("target").join("xtask-logs");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let log_path = dir.join(format!("{}.log", name.replace([' ', '/'], "-")));
    let file = File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let verbose = std::env::var_os("CORSLAB_VERBOSE").is_some();
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let sink = Arc::new(Mutex::new((file, String::new())));
    let pumps: Vec<_> = [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let sink = Arc::clone(&sink);
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if verbose {
                    eprintln!("    {line}");
                }
                let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
                let _ = writeln!(sink.0, "{line}");
                sink.1.push_str(&line);
                sink.1.push('\n');
            }
        })
    })
    .collect();
    let status = child.wait().map_err(|e| format!("waiting for {name}: {e}"))?;
    for pump in pumps {
        let _ = pump.join();
    }
    let output = std::mem::take(&mut sink.lock().unwrap_or_else(|p| p.into_inner()).1);
    Ok(Run { ok: status.success(), output, log: log_path, elapsed: started.elapsed() })
}

/// Runs a command in the foreground, its output going straight to the terminal.
pub fn run_visible(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.success() { Ok(()) } else { Err(format!("{:?} failed ({status})", cmd.get_program())) }
}

/// The last `n` lines of a text.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A temporary directory of its own for the browsers one command starts, passed to it as
/// `TMPDIR` and removed, with whatever is left in it, when dropped. Chromium leaves two
/// directories (a profile and a singleton socket's, about 2 MB) in the temporary directory after
/// every WebDriver session, even one closed cleanly. For commands whose browsers a tool of
/// others starts (wasm-bindgen's test runner); the matrix's and the e2e tests' own drivers each
/// run in a directory of their own.
#[derive(Debug)]
pub struct BrowserTmp(PathBuf);

impl BrowserTmp {
    /// Creates `corslab-<name>-<pid>` in the system's temporary directory (not under `target/`:
    /// Chromium puts a Unix socket in it, and a socket's path must stay under 108 bytes).
    pub fn new(name: &str) -> Result<Self, String> {
        let name = format!("corslab-{}-{}", name.replace([' ', '/'], "-"), std::process::id());
        let dir = std::env::temp_dir().join(name);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }

    /// Points `cmd`, and every browser it starts, at this directory.
    pub fn give_to<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("TMPDIR", &self.0)
    }
}

impl Drop for BrowserTmp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A child process killed when dropped.
#[derive(Debug)]
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `<profile>/corslab serve ARGS` (a built binary under `target/`) with its output
/// discarded, once it listens on `port`; the guard stops it.
pub fn start_lab(profile: &str, args: &[&str], port: u16) -> Result<Guard, String> {
    let binary = cargo_target_dir().join(profile).join("corslab");
    let child = Command::new(&binary)
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let server = Guard(child);
    if !wait_for_port(port, Duration::from_secs(30)) {
        return Err(format!("the lab server did not listen on 127.0.0.1:{port}"));
    }
    Ok(server)
}

/// Waits until something accepts TCP connections on `127.0.0.1:port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `preferred` when it is free on loopback, else any free port.
pub fn free_port(preferred: u16) -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", preferred))
        .or_else(|_| std::net::TcpListener::bind(("127.0.0.1", 0)))
        .and_then(|l| l.local_addr())
        .map_or(preferred, |a| a.port())
}
