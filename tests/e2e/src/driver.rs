//! A WebDriver server on loopback (chromedriver or geckodriver) and the browser it starts,
//! kept from outliving the harness that started them: shared by these end-to-end tests and the
//! differential matrix (`tests/matrix`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// How long a driver may take to listen.
const STARTUP: Duration = Duration::from_secs(30);

/// A running WebDriver server in a process group and a temporary directory of its own: on drop
/// the whole group (the browser included) is killed, however the harness ended, and the
/// directory removed (Chromium leaves a profile and a socket's directory there after every
/// session, even one closed cleanly).
#[derive(Debug)]
pub struct Driver {
    child: Child,
    tmp: PathBuf,
}

impl Driver {
    /// Starts `command`, a driver told to listen on `port`, and waits until it does; `what`
    /// names it in errors.
    pub async fn start(mut command: Command, port: u16, what: &str) -> Result<Self, String> {
        let tmp = std::env::temp_dir().join(format!("corslab-driver-{port}"));
        std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env("TMPDIR", &tmp)
            // Its own process group, which the browser it starts joins.
            .process_group(0)
            // The leader itself, should the group kill below not run (no `kill` on PATH).
            .kill_on_drop(true)
            .spawn();
        let driver = match child {
            Ok(child) => Self { child, tmp },
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(format!("cannot start the {what} driver: {e}"));
            }
        };
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(driver);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(format!("the {what} driver did not listen on port {port}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(leader) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{leader}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
        // A browser still dying may write a last file: one more try a moment later.
        if std::fs::remove_dir_all(&self.tmp).is_err() {
            std::thread::sleep(Duration::from_millis(200));
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// A port on loopback that nothing listens on now.
pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
