//! A bounded loopback load client for the lab server, used by `cargo xtask bench server`: signs
//! in on the dashboard, then sends a fixed number of credentialed cross-origin API requests over
//! keep-alive connections and prints requests per second and latency percentiles.
//!
//! It only ever connects to 127.0.0.1, stops after `--requests` answers or `--seconds`,
//! whichever comes first, and exits non-zero if any answer was not the expected one.
//!
//! ```text
//! cargo run --release -p corslab-server --example load -- --port 8080 --connections 256 --requests 100000
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to run.
#[derive(Debug, Clone)]
struct Options {
    port: u16,
    connections: usize,
    requests: i64,
    seconds: u64,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1).collect()) {
        Ok(options) => options,
        Err(e) => {
            eprintln!(
                "error: {e}\nusage: load --port N [--connections 256] [--requests 100000] [--seconds 120]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), String> {
    let cookie = sign_in(options.port).await?;
    let request = format!(
        "GET /me/balance HTTP/1.1\r\nHost: api.fintrack.localhost:{port}\r\nOrigin: http://partner.localhost:{port}\r\n\
         Cookie: {cookie}\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: cors\r\nAccept: application/json\r\n\r\n",
        port = options.port
    );
    let request: Arc<[u8]> = request.into_bytes().into();
    let remaining = Arc::new(AtomicI64::new(options.requests));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut workers = Vec::new();
    for _ in 0..options.connections {
        let (request, remaining, port) = (request.clone(), remaining.clone(), options.port);
        workers.push(tokio::spawn(async move { worker(port, &request, &remaining, deadline).await }));
    }
    let mut latencies = Vec::with_capacity(usize::try_from(options.requests).unwrap_or(0));
    let mut errors = 0u64;
    let mut first_error = None;
    for worker in workers {
        match worker.await {
            Ok(Ok(done)) => {
                latencies.extend(done.latencies_us);
                errors += done.errors;
                first_error = first_error.or(done.first_error);
            }
            Ok(Err(e)) => {
                errors += 1;
                first_error = first_error.or(Some(e));
            }
            Err(e) => return Err(format!("a connection task failed: {e}")),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(index).map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    println!(
        "requests={} connections={} seconds={elapsed:.2} rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} errors={errors}",
        latencies.len(),
        options.connections,
        latencies.len() as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
        percentile(1.0),
    );
    if let Some(e) = first_error {
        return Err(format!("{errors} requests failed; the first: {e}"));
    }
    if (latencies.len() as i64) < options.requests {
        return Err(format!(
            "only {} of {} requests finished within {}s",
            latencies.len(),
            options.requests,
            options.seconds
        ));
    }
    Ok(())
}

/// What one connection did.
struct Done {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

async fn worker(port: u16, request: &[u8], remaining: &AtomicI64, deadline: Instant) -> Result<Done, String> {
    let mut stream = connect(port).await?;
    let mut done = Done { latencies_us: Vec::new(), errors: 0, first_error: None };
    let mut buffer = Vec::with_capacity(4096);
    while remaining.fetch_sub(1, Ordering::Relaxed) > 0 && Instant::now() < deadline {
        let sent = Instant::now();
        stream.write_all(request).await.map_err(|e| format!("write: {e}"))?;
        let status = read_response(&mut stream, &mut buffer).await?;
        done.latencies_us.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
        if status != 200 {
            done.errors += 1;
            done.first_error.get_or_insert_with(|| format!("status {status}, expected 200"));
        }
    }
    Ok(done)
}

async fn connect(port: u16) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Reads one HTTP/1.1 response with a `Content-Length` body; returns its status. Bytes of the
/// next response that arrived early stay in `buffer`.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<u16, String> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let status =
                head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no status line")?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or("no content-length")?;
            let total = end + 4 + length;
            while buffer.len() < total {
                let n = stream.read(&mut chunk).await.map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err("the server closed the connection mid-response".to_owned());
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            buffer.drain(..total);
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await.map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".to_owned());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// Logs in on the dashboard and returns the `session=...` cookie pair.
async fn sign_in(port: u16) -> Result<String, String> {
    let mut stream = connect(port).await?;
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: fintrack.localhost:{port}\r\nAccept: application/json\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .map_err(|_| "the login did not finish".to_owned())?
        .map_err(|e| e.to_string())?;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| format!("the login set no cookie: {}", answer.lines().next().unwrap_or("")))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut options = Options { port: 0, connections: 256, requests: 100_000, seconds: 120 };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag} takes a number, not {value:?}"));
        match flag.as_str() {
            "--port" => {
                options.port = u16::try_from(number()?).map_err(|_| "--port is at most 65535".to_owned())?;
            }
            "--connections" => options.connections = usize::try_from(number()?).unwrap_or(256).clamp(1, 4096),
            "--requests" => {
                options.requests = i64::try_from(number()?).unwrap_or(100_000).clamp(1, 10_000_000);
            }
            "--seconds" => options.seconds = number()?.clamp(1, 600),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.port == 0 {
        return Err("--port is required".to_owned());
    }
    Ok(options)
}
