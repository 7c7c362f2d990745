//! `cargo xtask bench audit`: corslab audit against CORScanner (PyPI `cors`) on the same
//! loopback target set with the same concurrency: probes per second for both, their ratio,
//! and which misconfiguration classes each one detects.
//!
//! The targets are served by a small std-only server started here on 127.0.0.1. Each target
//! URL is `http://api<N>.example.com:<port>/<policy>`: the path picks one misconfiguration, the
//! `Host` header is what the policy is written against. Neither tool needs DNS: corslab is told
//! `--resolve '*.example.com=127.0.0.1'`, and CORScanner reaches the server as its HTTP proxy
//! (`-p`), which receives the absolute-form request with the original `Host`. Probes are counted
//! by the server, not by the tools.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::shell::{self, command, run_logged, tail};

/// The PyPI release of CORScanner measured against.
const CORSCANNER_VERSION: &str = "1.0.1";
/// Requests in flight at once, for both tools.
const CONCURRENCY: usize = 32;
/// How many hosts serve each policy.
const REPLICAS: usize = 24;
/// The origin the allowlist policies trust.
const TRUSTED: &str = "http://app.example.com";

/// Each bench policy and the class a scanner should report for it (`None`: nothing to find).
const POLICIES: &[(&str, Option<&str>)] = &[
    ("none", None),
    ("strict", None),
    ("reflect", Some("reflect-any-origin")),
    ("prefix", Some("prefix-match")),
    ("suffix", Some("suffix-match")),
    ("substring", Some("substring-match")),
    ("unescaped-dot", Some("unescaped-dot")),
    ("null", Some("null-trusted")),
    ("any-subdomain", Some("any-subdomain")),
    ("special-chars", Some("special-characters")),
    ("third-party", Some("third-party-hosts")),
    ("wildcard", Some("wildcard")),
    ("mirror", Some("mirrored-methods-and-headers")),
    ("no-vary", Some("vary-origin-missing")),
    ("expose-star", Some("expose-headers-wildcard")),
    ("max-age-year", Some("max-age-beyond-caps")),
    ("authz-star", Some("authorization-under-wildcard")),
    ("only-2xx", Some("error-responses")),
    ("private-network", Some("private-network-access")),
];

/// CORScanner's finding types in corslab's class names.
const CORSCANNER_TYPES: &[(&str, &str)] = &[
    ("reflect_origin", "reflect-any-origin"),
    ("prefix_match", "prefix-match"),
    ("suffix_match", "suffix-match"),
    ("include_match", "substring-match"),
    ("not_escape_dot", "unescaped-dot"),
    ("trust_null", "null-trusted"),
    ("trust_any_subdomain", "any-subdomain"),
    ("https_trust_http", "http-trusted-by-https"),
    ("special_characters_bypass", "special-characters"),
    ("custom_third_parties", "third-party-hosts"),
];

/// Runs the comparison and prints its figures.
pub fn run() -> Result<(), String> {
    let corslab = build_corslab()?;
    let corscanner = install_corscanner()?;
    let server = BenchServer::start()?;
    let port = server.port;
    let dir = shell::root().join("target").join("bench-audit");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let targets: Vec<String> = (0..REPLICAS)
        .flat_map(|r| {
            POLICIES.iter().map(move |(policy, _)| format!("http://api{r}.example.com:{port}/{policy}"))
        })
        .collect();
    let list = dir.join("targets.txt");
    fs::write(&list, targets.join("\n") + "\n")
        .map_err(|e| format!("cannot write {}: {e}", list.display()))?;

    println!(
        "targets: {} policies x {REPLICAS} hosts = {} URLs on a loopback bench server (one policy per path, written against the Host); concurrency {CONCURRENCY} for both",
        POLICIES.len(),
        targets.len()
    );
    println!(
        "method: corslab resolves *.example.com to 127.0.0.1 itself (--resolve); CORScanner {CORSCANNER_VERSION} uses the same server as its HTTP proxy (-p http://127.0.0.1:{port}); the server counts the probes"
    );

    let ours = measure(&server, || {
        let out = dir.join("corslab.jsonl");
        let mut cmd = Command::new(&corslab);
        cmd.args(["audit", "--json", "--no-progress", "--rate", "0", "--timeout", "10", "--fail-on", "high"])
            .args(["--concurrency", &CONCURRENCY.to_string(), "--trusted", TRUSTED])
            .args(["--resolve", "*.example.com=127.0.0.1", "-i"])
            .arg(&list);
        run_to_file(&mut cmd, &out)?;
        let text = fs::read_to_string(&out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
        Ok(text.lines().filter_map(|l| Some((json_field(l, "target")?, json_field(l, "class")?))).collect())
    })?;
    let theirs = measure(&server, || {
        let out = dir.join("corscanner.json");
        let _ = fs::remove_file(&out);
        let mut cmd = Command::new(&corscanner);
        cmd.args([
            "-t",
            &CONCURRENCY.to_string(),
            "-T",
            "10",
            "-p",
            &format!("http://127.0.0.1:{port}"),
            "-i",
        ])
        .arg(&list)
        .arg("-o")
        .arg(&out)
        // tldextract tries to download the public suffix list at start; send that attempt to a
        // closed loopback port so it fails at once (it then uses its bundled copy).
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
        run_to_file(&mut cmd, &dir.join("corscanner.log"))?;
        let text = fs::read_to_string(&out).unwrap_or_default();
        Ok(corscanner_findings(&text))
    })?;

    for (name, run) in [("corslab audit", &ours), ("CORScanner", &theirs)] {
        println!(
            "{name:<14} {:>7} probes in {:>6.2} s = {:>8.0} probes/s",
            run.probes,
            run.elapsed.as_secs_f64(),
            run.rate()
        );
    }
    let ratio = ours.rate() / theirs.rate().max(f64::MIN_POSITIVE);
    println!("ratio          {ratio:.1}x corslab/CORScanner (target: at least 10x)");
    // Per target as well: corslab sends more probes per URL (preflights, trusted-origin and
    // look-alike probes) while CORScanner stops at its first finding.
    let per_target = |run: &Measured| targets.len() as f64 / run.elapsed.as_secs_f64().max(1e-9);
    println!(
        "per target     corslab {:.0} URLs/s ({:.0} probes/URL), CORScanner {:.0} URLs/s ({:.0} probes/URL): {:.1}x",
        per_target(&ours),
        ours.probes as f64 / targets.len() as f64,
        per_target(&theirs),
        theirs.probes as f64 / targets.len() as f64,
        per_target(&ours) / per_target(&theirs).max(f64::MIN_POSITIVE)
    );

    println!(
        "detection by class (URLs where the tool reported the policy's class / URLs; for none and strict, URLs with any finding):"
    );
    println!("  {:<16} {:<30} {:>8} {:>11}", "policy", "class", "corslab", "CORScanner");
    let (mut ours_detected, mut theirs_detected, mut ours_fp, mut theirs_fp) = (0, 0, 0, 0);
    for (policy, class) in POLICIES {
        let urls: Vec<&String> = targets.iter().filter(|t| t.ends_with(&format!("/{policy}"))).collect();
        let hits = |found: &[(String, String)]| match class {
            Some(class) => urls.iter().filter(|u| found.iter().any(|(t, c)| t == **u && c == class)).count(),
            None => urls.iter().filter(|u| found.iter().any(|(t, _)| t == **u)).count(),
        };
        let (a, b) = (hits(&ours.findings), hits(&theirs.findings));
        match class {
            Some(_) => {
                ours_detected += usize::from(a == urls.len());
                theirs_detected += usize::from(b == urls.len());
            }
            None => {
                ours_fp += a;
                theirs_fp += b;
            }
        }
        let label = class.unwrap_or("(nothing to find)");
        println!("  {policy:<16} {label:<30} {:>5}/{:<2} {:>8}/{:<2}", a, urls.len(), b, urls.len());
    }
    let vulnerable = POLICIES.iter().filter(|(_, c)| c.is_some()).count();
    println!(
        "classes detected on every URL: corslab {ours_detected}/{vulnerable}, CORScanner {theirs_detected}/{vulnerable}; false positives: corslab {ours_fp}, CORScanner {theirs_fp}"
    );
    let superset = POLICIES.iter().all(|(policy, class)| {
        let Some(class) = class else { return true };
        let urls = targets.iter().filter(|t| t.ends_with(&format!("/{policy}")));
        urls.clone().all(|u| {
            let theirs_hit = theirs.findings.iter().any(|(t, c)| t == u && c == class);
            let ours_hit = ours.findings.iter().any(|(t, c)| t == u && c == class);
            ours_hit || !theirs_hit
        })
    });
    println!(
        "verdict: {} ({ratio:.1}x throughput; corslab {} every class CORScanner detects)",
        if ratio >= 10.0 && superset { "target met" } else { "TARGET MISSED" },
        if superset { "detects" } else { "MISSES some of" }
    );
    server.stop();
    Ok(())
}

/// One tool's run: what the server counted, how long, and the (target, class) pairs reported.
#[derive(Debug)]
struct Measured {
    probes: u64,
    elapsed: Duration,
    findings: Vec<(String, String)>,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.probes as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn measure(
    server: &BenchServer,
    run: impl FnOnce() -> Result<Vec<(String, String)>, String>,
) -> Result<Measured, String> {
    let before = server.requests.load(Ordering::Relaxed);
    let started = Instant::now();
    let findings = run()?;
    let elapsed = started.elapsed();
    Ok(Measured { probes: server.requests.load(Ordering::Relaxed) - before, elapsed, findings })
}

/// Runs a tool with its standard output in `out`; any exit status is accepted (both tools exit
/// non-zero when they find something), a failure to start is not.
fn run_to_file(cmd: &mut Command, out: &Path) -> Result<(), String> {
    let file = fs::File::create(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let status = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.code().is_none() {
        return Err(format!("{:?} was killed ({status})", cmd.get_program()));
    }
    Ok(())
}

fn build_corslab() -> Result<PathBuf, String> {
    let run = run_logged(
        "build corslab release",
        command("cargo").args(["build", "--release", "--package", "corslab"]),
    )?;
    if !run.ok {
        return Err(format!("cannot build corslab:\n{}", tail(&run.output, 30)));
    }
    Ok(shell::cargo_target_dir().join("release").join("corslab"))
}

/// CORScanner in a virtual environment under `target/tools/corscanner`, installed once.
fn install_corscanner() -> Result<PathBuf, String> {
    let venv = shell::tools_dir().join("corscanner");
    let cors = venv.join("bin").join("cors");
    let pip = venv.join("bin").join("pip");
    let installed = Command::new(&pip).args(["show", "cors"]).output().is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout).contains(&format!("Version: {CORSCANNER_VERSION}"))
    });
    if installed && cors.exists() {
        return Ok(cors);
    }
    println!("installing CORScanner {CORSCANNER_VERSION} (PyPI `cors`) into {}", venv.display());
    let made = run_logged("corscanner venv", Command::new("python3").arg("-m").arg("venv").arg(&venv))
        .map_err(|e| format!("{e}; install python3 with venv support (apt-get install python3-venv)"))?;
    if !made.ok {
        return Err(format!("python3 -m venv failed:\n{}", tail(&made.output, 20)));
    }
    let pip_run = run_logged(
        "corscanner pip",
        Command::new(&pip).args(["install", "--quiet", &format!("cors=={CORSCANNER_VERSION}")]),
    )?;
    if !pip_run.ok || !cors.exists() {
        return Err(format!("pip install cors=={CORSCANNER_VERSION} failed:\n{}", tail(&pip_run.output, 20)));
    }
    Ok(cors)
}

/// CORScanner's `-o` file: a JSON array of `{"url": …, "type": …}` objects.
fn corscanner_findings(text: &str) -> Vec<(String, String)> {
    text.split('{')
        .filter_map(|object| {
            let url = json_field(object, "url")?;
            let kind = json_field(object, "type")?;
            let class = CORSCANNER_TYPES
                .iter()
                .find(|(t, _)| *t == kind)
                .map_or(kind.clone(), |(_, c)| (*c).to_owned());
            Some((url, class))
        })
        .collect()
}

/// The string value of `"key": "value"` in a flat JSON object (neither tool escapes anything
/// in the fields read here: URLs and class ids).
fn json_field(text: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = text[start..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The loopback target server: one thread per connection, keep-alive, counted requests.
#[derive(Debug)]
struct BenchServer {
    port: u16,
    requests: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl BenchServer {
    fn start() -> Result<Self, String> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind a loopback port: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let requests = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counter, stopping) = (requests.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let counter = counter.clone();
                thread::spawn(move || serve_connection(stream, &counter));
            }
        });
        Ok(Self { port, requests, stop })
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_connection(stream: TcpStream, counter: &AtomicU64) {
    // Idle keep-alive connections end on their own.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_or(true, |n| n == 0) {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return };
        let (method, target) = (method.to_owned(), target.to_owned());
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).map_or(true, |n| n == 0) || headers.len() > 100 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
                if name == "content-length" {
                    length = value.parse().unwrap_or(0);
                }
                headers.push((name, value));
            }
        }
        if length > 0 {
            let mut body = vec![0u8; length.min(1 << 16)];
            if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                return;
            }
        }
        counter.fetch_add(1, Ordering::Relaxed);
        let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        // An absolute-form target (a proxy request) carries the authority itself.
        let path = target
            .strip_prefix("http://")
            .map_or(target.as_str(), |rest| rest.find('/').map_or("/", |i| &rest[i..]));
        let host = get("host").unwrap_or("").rsplit_once(':').map_or(get("host").unwrap_or(""), |(h, _)| h);
        let answer = answer(&method, path, host, &get);
        let close = get("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        if writer.write_all(answer.as_bytes()).is_err() || close {
            return;
        }
    }
}

/// The bench's policies, each written against the request's `Host` the way the real bug is.
fn answer<'a>(method: &str, path: &str, host: &str, get: &dyn Fn(&str) -> Option<&'a str>) -> String {
    let path = path.split('?').next().unwrap_or("/");
    let policy = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let exact = path.trim_end_matches('/') == format!("/{policy}");
    let origin = get("origin");
    let preflight = method == "OPTIONS" && get("access-control-request-method").is_some();
    let domain =
        host.rsplitn(3, '.').take(2).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(".");
    let origin_host = origin
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| {
            rest.rsplit_once(':')
                .map_or(rest, |(h, p)| if p.bytes().all(|b| b.is_ascii_digit()) { h } else { rest })
        })
        .unwrap_or("");
    let mut h: Vec<(&str, String)> = Vec::new();
    let grant = |h: &mut Vec<(&str, String)>, credentials: bool| {
        if let Some(origin) = origin {
            h.push(("access-control-allow-origin", origin.to_owned()));
            if credentials {
                h.push(("access-control-allow-credentials", "true".to_owned()));
            }
        }
    };
    let trusted = origin == Some(TRUSTED);
    let status = match (preflight, policy, exact) {
        (true, "none", _) => 405,
        (true, ..) => 204,
        (false, "only-2xx", true) => 401,
        (false, _, true) => 200,
        (false, ..) => 404,
    };
    match policy {
        "reflect" => grant(&mut h, true),
        "prefix" if origin_host.starts_with(host) => grant(&mut h, true),
        "suffix" if !origin_host.is_empty() && origin_host.ends_with(&domain) => grant(&mut h, true),
        "substring"
            if !origin_host.is_empty() && (domain.contains(origin_host) || host.contains(origin_host)) =>
        {
            grant(&mut h, true);
        }
        "unescaped-dot"
            if origin_host.len() == host.len()
                && origin_host.bytes().zip(host.bytes()).all(|(o, p)| p == b'.' || o == p) =>
        {
            grant(&mut h, true);
        }
        "null" if origin == Some("null") || trusted => grant(&mut h, true),
        "any-subdomain" if origin_host.ends_with(&format!(".{domain}")) || trusted => grant(&mut h, true),
        "special-chars" => {
            let parsed: String = origin_host
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect();
            if parsed == host || trusted {
                grant(&mut h, true);
            }
        }
        "third-party"
            if origin_host.ends_with(".github.io")
                || matches!(origin_host, "codepen.io" | "jsfiddle.net")
                || trusted =>
        {
            grant(&mut h, true);
        }
        "wildcard" => h.push(("access-control-allow-origin", "*".to_owned())),
        "mirror" => {
            grant(&mut h, true);
            if preflight {
                h.push((
                    "access-control-allow-methods",
                    get("access-control-request-method").unwrap_or("").to_owned(),
                ));
                h.push((
                    "access-control-allow-headers",
                    get("access-control-request-headers").unwrap_or("").to_owned(),
                ));
            }
        }
        "private-network" if preflight && get("access-control-request-private-network") == Some("true") => {
            grant(&mut h, false);
            h.push(("access-control-allow-private-network", "true".to_owned()));
        }
        "no-vary" | "expose-star" | "max-age-year" | "authz-star" | "only-2xx" | "strict"
        | "private-network" => {
            let decorated = policy != "only-2xx" || preflight || (200..300).contains(&status);
            if policy != "no-vary" && decorated {
                h.push(("vary", "Origin".to_owned()));
            }
            if trusted && decorated {
                grant(&mut h, true);
                match (policy, preflight) {
                    ("expose-star", false) => h.push(("access-control-expose-headers", "*".to_owned())),
                    ("max-age-year", true) => h.push(("access-control-max-age", "31536000".to_owned())),
                    ("authz-star", true) => h.push(("access-control-allow-headers", "*".to_owned())),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if preflight && !h.iter().any(|(n, _)| *n == "access-control-allow-methods") && h.len() > 1 {
        h.push(("access-control-allow-methods", "GET, POST".to_owned()));
    }
    let body = if status == 200 { "{\"ok\":true}" } else { "" };
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\ncontent-type: application/json\r\n",
        body.len()
    );
    for (name, value) in h {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_for(method: &str, path: &str, origin: &str) -> String {
        let pairs = [("origin", origin), ("access-control-request-method", "GET")];
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .filter(|_| method == "OPTIONS" || name == "origin")
        };
        answer(method, path, "api1.example.com", &get)
    }

    #[test]
    fn each_policy_fools_only_its_matcher() {
        let granted = |policy: &str, origin: &str| {
            headers_for("GET", &format!("/{policy}"), origin)
                .contains(&format!("access-control-allow-origin: {origin}\r\n"))
        };
        assert!(granted("prefix", "http://api1.example.com.evil.com"));
        assert!(!granted("prefix", "http://evil.com"));
        assert!(granted("suffix", "http://evilexample.com"));
        assert!(granted("substring", "http://xample.com"));
        assert!(granted("unescaped-dot", "http://api1xexample.com"));
        assert!(!granted("unescaped-dot", "http://api1.example.co"));
        assert!(granted("any-subdomain", "http://evil.api1.example.com"));
        assert!(!granted("any-subdomain", "http://evilexample.com"));
        assert!(granted("special-chars", "http://api1.example.com_.evil.com"));
        assert!(!granted("special-chars", "http://api1.example.com.evil.com"));
        assert!(granted("null", "null"));
        assert!(!granted("strict", "http://evil.com"));
        assert!(granted("strict", TRUSTED));
    }

    #[test]
    fn only_2xx_leaves_errors_bare() {
        let error = headers_for("GET", "/only-2xx", TRUSTED);
        assert!(
            error.starts_with("HTTP/1.1 401") && !error.contains("access-control-allow-origin"),
            "{error}"
        );
        let preflight = headers_for("OPTIONS", "/only-2xx", TRUSTED);
        assert!(
            preflight.starts_with("HTTP/1.1 204") && preflight.contains("access-control-allow-origin"),
            "{preflight}"
        );
    }

    #[test]
    fn corscanner_output_is_read() {
        let text = r#"[{"url": "http://api0.example.com:1/reflect", "type": "reflect_origin", "credentials": "true"}]"#;
        assert_eq!(
            corscanner_findings(text),
            [("http://api0.example.com:1/reflect".to_owned(), "reflect-any-origin".to_owned())]
        );
        assert_eq!(json_field(r#"{"class":"wildcard","target":"x"}"#, "target").as_deref(), Some("x"));
    }
}
