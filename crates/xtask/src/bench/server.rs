//! `cargo xtask bench server`: a bounded loopback load test of the lab server. It builds the
//! release `corslab` binary and the load client (`crates/server/examples/load.rs`), starts the
//! lab on a free loopback port, and measures requests per second and p99 latency at 256
//! connections, and the server's resident memory before and after 100 000 requests.
//!
//! The request is the lab's hot path: a credentialed cross-origin `GET /me/balance` from the
//! partner's origin, answered with the strict allowlist and recorded in the exchange log.
//! Memory is measured after a warm-up of one full round, so every connection buffer and every
//! slot of the bounded log has been allocated once: from there it must stay flat.

use std::process::Stdio;

use crate::shell::{self, command, free_port, run_logged, tail};

/// Connections the load client keeps open.
const CONNECTIONS: u32 = 256;
/// Requests in the measured round (and in the warm-up).
const REQUESTS: u32 = 100_000;
/// Growth of resident memory over the measured round that still counts as flat. The allocator
/// keeps some freed memory, so a few percent of noise is normal; a leak of a few hundred bytes
/// per request (the size of one log entry) would add tens of MiB.
const FLAT_PERCENT: f64 = 10.0;

/// Runs the section.
pub fn run() -> Result<(), String> {
    let build = run_logged(
        "bench server build",
        command("cargo").args([
            "build",
            "--release",
            "--package",
            "corslab",
            "--package",
            "corslab-server",
            "--example",
            "load",
        ]),
    )?;
    if !build.ok {
        return Err(format!("cannot build the lab and the load client:\n{}", tail(&build.output, 30)));
    }
    let release = shell::cargo_target_dir().join("release");
    let port = free_port(18280);
    let server =
        shell::start_lab("release", &["--port", &port.to_string(), "--no-second-port", "--quiet"], port)?;
    let pid = server.0.id();
    let fresh = rss_kib(pid)?;

    let load = |requests: u32| -> Result<String, String> {
        let out = command(release.join("examples").join("load"))
            .args(["--port", &port.to_string()])
            .args(["--connections", &CONNECTIONS.to_string()])
            .args(["--requests", &requests.to_string()])
            .args(["--seconds", "180"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run the load client: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !out.status.success() {
            return Err(format!(
                "the load client failed: {stdout} {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(stdout)
    };

    let warm = load(REQUESTS)?;
    let before = rss_kib(pid)?;
    let measured = load(REQUESTS)?;
    let after = rss_kib(pid)?;
    drop(server);

    let field = |line: &str, key: &str| {
        line.split_whitespace().find_map(|kv| kv.strip_prefix(key)).unwrap_or("?").to_owned()
    };
    let growth = (after as f64 - before as f64) / before as f64 * 100.0;
    println!("warm-up          {warm}");
    println!("measured         {measured}");
    println!(
        "throughput       {} requests/s at {CONNECTIONS} connections, p50 {} ms, p99 {} ms",
        field(&measured, "rps="),
        field(&measured, "p50_ms="),
        field(&measured, "p99_ms=")
    );
    println!(
        "resident memory  {:.1} MiB fresh, {:.1} MiB before and {:.1} MiB after {REQUESTS} requests ({growth:+.1}%)",
        mib(fresh),
        mib(before),
        mib(after)
    );
    if growth > FLAT_PERCENT {
        return Err(format!(
            "resident memory grew {growth:.1}% over {REQUESTS} requests (flat means at most {FLAT_PERCENT}%)"
        ));
    }
    println!("memory is flat (within {FLAT_PERCENT}%)");
    Ok(())
}

/// The resident set of a process, from `/proc/<pid>/status`.
fn rss_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read the lab's memory from /proc (Linux only): {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/<pid>/status".to_owned())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
