//! The lab server on real loopback sockets (`127.0.0.1:0`): both ports, hyper's own limits on
//! malformed and oversized requests, live streams and a graceful shutdown.

use std::time::Duration;

use corslab_server::{Assets, Config, Lab, Listeners, ServeError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Running {
    main: u16,
    second: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<Result<(), ServeError>>,
}

async fn start() -> Running {
    start_with_timeout(Duration::from_secs(10)).await
}

async fn start_with_timeout(idle_timeout: Duration) -> Running {
    let main = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (main_port, second_port) = (main.local_addr().unwrap().port(), second.local_addr().unwrap().port());
    let config = Config {
        addr: ([127, 0, 0, 1], main_port).into(),
        second_port: Some(second_port),
        access_log: false,
        idle_timeout,
        ..Config::default()
    };
    let (stop, done) = serve(&config, Listeners { second: Some(second), ..Listeners::main(main) });
    Running { main: main_port, second: second_port, stop: Some(stop), done }
}

/// Serves a lab configured by `config` on `listeners` until the sender is used or dropped.
fn serve(
    config: &Config,
    listeners: Listeners,
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<Result<(), ServeError>>) {
    let lab = Lab::new(config, Assets::empty());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(corslab_server::serve(listeners, lab, async move {
        let _ = stopped.await;
    }));
    (stop, done)
}

/// The ports the requests of `run` arrived on, as the lab's log on `port` lists them.
async fn logged_ports(port: u16, run: &str) -> Vec<u16> {
    let log = raw(port, &get("lab.localhost", port, &format!("/__lab/log?run={run}"), "")).await;
    let page: corslab_lab::LogPage = serde_json::from_str(&log[log.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    page.entries.iter().map(|e| e.port).collect()
}

/// Sends raw bytes and reads the answer: until the server closes, or until it has been quiet
/// for a second after answering (a server may keep waiting for a body it refused, which is
/// the client's to close).
async fn raw(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // The server may answer and stop reading before a huge request is all written.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let wait = if answer.is_empty() { Duration::from_secs(10) } else { Duration::from_secs(1) };
        match tokio::time::timeout(wait, stream.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) | Err(_) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    assert!(
        !answer.is_empty(),
        "no answer to {:?}",
        String::from_utf8_lossy(&request[..request.len().min(60)])
    );
    String::from_utf8_lossy(&answer).into_owned()
}

fn get(host: &str, port: u16, path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}Connection: close\r\n\r\n").into_bytes()
}

fn status(answer: &str) -> u16 {
    answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn both_ports_play_every_host_and_refuse_foreign_ones() {
    let lab = start().await;
    for port in [lab.main, lab.second] {
        let origin = format!("Origin: http://partner.localhost:{}\r\n", lab.main);
        let answer = raw(port, &get("api.fintrack.localhost", port, "/me/balance", &origin)).await;
        assert_eq!(status(&answer), 401, "{answer}");
        assert!(
            answer.contains(&format!("access-control-allow-origin: http://partner.localhost:{}", lab.main)),
            "{answer}"
        );
        let foreign = raw(port, &get("attacker.example", port, "/", "")).await;
        assert_eq!(status(&foreign), 421, "{foreign}");
    }
    // The dashboard on the second port is another origin, and the strict allowlist knows it.
    let other = format!("Origin: http://fintrack.localhost:{}\r\n", lab.second);
    let answer = raw(lab.main, &get("api.fintrack.localhost", lab.main, "/me/balance", &other)).await;
    assert!(!answer.contains("access-control-allow-origin"), "{answer}");
}

#[tokio::test]
async fn oversized_and_malformed_requests_get_4xx_and_the_server_goes_on() {
    let lab = start().await;
    let host = "api.fintrack.localhost";
    let huge_value = format!("X-Big: {}\r\n", "a".repeat(512 * 1024));
    let many: String = (0..300).map(|i| format!("X-H{i}: v\r\n")).collect();
    let json = "{\"to\": ";
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (get(host, lab.main, "/me/balance", &huge_value), 431),
        (get(host, lab.main, "/me/balance", &many), 431),
        (b"G(ET /me/balance HTTP/1.1\r\nHost: api.fintrack.localhost\r\n\r\n".to_vec(), 400),
        (b"this is not http\r\n\r\n".to_vec(), 400),
        (format!("GET /{} HTTP/1.1\r\nHost: {host}:{}\r\nConnection: close\r\n\r\n", "a".repeat(70_000), lab.main).into_bytes(), 414),
        (
            format!(
                "POST /me/transfer HTTP/1.1\r\nHost: {host}:{}\r\nCookie: session=nope\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
                lab.main,
                json.len()
            )
            .into_bytes(),
            400,
        ),
        (
            format!(
                "POST /me/transfer HTTP/1.1\r\nHost: {host}:{}\r\nContent-Type: application/json\r\n\
                 Content-Length: 10000000\r\nConnection: close\r\n\r\n{json}",
                lab.main
            )
            .into_bytes(),
            413,
        ),
    ];
    for (request, expected) in cases {
        let shown: String = String::from_utf8_lossy(&request).chars().take(60).collect();
        let answer = raw(lab.main, &request).await;
        let got = status(&answer);
        // hyper answers an over-long URI with 414, or refuses it as a bad request, or (the URI
        // limit being about the head limit) as a head too large: all are clean.
        let ok = got == expected || (expected == 414 && matches!(got, 400 | 431));
        assert!(ok, "{shown:?}: expected {expected}, got {answer:.200}");
    }
    let still = raw(lab.main, &get(host, lab.main, "/me/balance", "")).await;
    assert_eq!(status(&still), 401);
}

#[tokio::test]
async fn a_request_head_that_never_ends_loses_its_connection() {
    let lab = start_with_timeout(Duration::from_secs(1)).await;
    // A slowloris client: a request line and one header, then nothing.
    let mut stream = TcpStream::connect(("127.0.0.1", lab.main)).await.unwrap();
    stream
        .write_all(format!("GET / HTTP/1.1\r\nHost: lab.localhost:{}\r\n", lab.main).as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    // A complete request on a new connection is served as usual.
    assert_eq!(status(&raw(lab.main, &get("lab.localhost", lab.main, "/__lab/state", "")).await), 200);
}

/// Reads until the server closes the connection or `within` passes; whether it closed.
async fn closes_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut sink = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut sink)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_a_live_feed_is_not() {
    let lab = start_with_timeout(Duration::from_secs(1)).await;
    // Silent from accept.
    let mut silent = TcpStream::connect(("127.0.0.1", lab.main)).await.unwrap();
    // Kept alive after an answer, then a next head trickled in a byte at a time.
    let mut trickling = TcpStream::connect(("127.0.0.1", lab.main)).await.unwrap();
    let request = format!("GET /__lab/state HTTP/1.1\r\nHost: lab.localhost:{}\r\n\r\n", lab.main);
    trickling.write_all(request.as_bytes()).await.unwrap();
    let mut answer = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), trickling.read(&mut answer)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    // A live feed, quiet for longer than the timeout.
    let mut feed = TcpStream::connect(("127.0.0.1", lab.main)).await.unwrap();
    let events = format!("GET /__lab/events HTTP/1.1\r\nHost: lab.localhost:{}\r\n\r\n", lab.main);
    feed.write_all(events.as_bytes()).await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(5), feed.read(&mut answer)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).contains("text/event-stream"));

    let trickle = async {
        for byte in b"GET /__lab/state HTTP/1.1\r\nHost: lab" {
            if trickling.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        closes_within(&mut trickling, Duration::from_secs(5)).await
    };
    let (silent_closed, trickle_closed) =
        tokio::join!(closes_within(&mut silent, Duration::from_secs(5)), trickle);
    assert!(silent_closed, "a connection that never sent a byte was still open after 5 s");
    assert!(trickle_closed, "a next head trickled in byte by byte held its connection");
    // The feed has been open for well over the timeout and is still served: a request to the
    // API shows up on it.
    assert!(!closes_within(&mut feed, Duration::from_millis(100)).await, "the live feed was closed");
    let balance = raw(lab.main, &get("api.fintrack.localhost", lab.main, "/me/balance", "")).await;
    assert_eq!(status(&balance), 401);
    let n = tokio::time::timeout(Duration::from_secs(5), feed.read(&mut answer)).await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).contains("/me/balance"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
}

#[tokio::test]
async fn the_log_records_the_port_a_request_arrived_on_and_refuses_a_host_naming_another() {
    let lab = start().await;
    let path = "/me/balance?run=ports";
    let on_second = raw(lab.second, &get("api.fintrack.localhost", lab.second, path, "")).await;
    assert_eq!(status(&on_second), 401);
    // The second port's Host sent to the main listener.
    let crossed = raw(lab.main, &get("api.fintrack.localhost", lab.second, path, "")).await;
    assert_eq!(status(&crossed), 421, "{crossed}");
    assert!(crossed.contains(&format!("reached the lab on port {}", lab.main)), "{crossed}");
    assert_eq!(logged_ports(lab.main, "ports").await, [lab.second]);
}

#[tokio::test]
async fn a_graceful_shutdown_ends_open_live_streams() {
    let mut lab = start().await;
    let mut stream = TcpStream::connect(("127.0.0.1", lab.main)).await.unwrap();
    stream.write_all(&get("lab.localhost", lab.main, "/__lab/events", "")[..]).await.unwrap();
    let mut head = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut head)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).contains("text/event-stream"));
    lab.stop.take().unwrap().send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), &mut lab.done).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "the server did not stop: {finished:?}");
}

#[tokio::test]
async fn it_refuses_to_bind_anything_but_loopback() {
    let config = Config { addr: ([0, 0, 0, 0], 0).into(), ..Config::default() };
    assert!(matches!(corslab_server::bind(&config).await, Err(ServeError::NotLoopback(_))));
    let allowed = Config { addr: ([127, 0, 0, 1], 0).into(), ..Config::default() };
    assert!(corslab_server::bind(&allowed).await.is_ok());
}

/// Runs `POST /__lab/audit` as the console would, after reading the CSRF token.
async fn console_audit(port: u16) -> String {
    let same_origin = "Sec-Fetch-Site: same-origin\r\n";
    let state = raw(port, &get("lab.localhost", port, "/__lab/state", same_origin)).await;
    let body = state.split("\r\n\r\n").nth(1).unwrap_or("");
    let token = body.split("\"csrf_token\":\"").nth(1).and_then(|t| t.split('"').next()).expect(body);
    let request = format!(
        "POST /__lab/audit HTTP/1.1\r\nHost: lab.localhost:{port}\r\nOrigin: http://lab.localhost:{port}\r\n\
         {same_origin}X-Lab-Csrf: {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    raw(port, request.as_bytes()).await
}

async fn start_with(policy: corslab_lab::PolicyId) -> (u16, tokio::sync::oneshot::Sender<()>) {
    let main = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = main.local_addr().unwrap().port();
    let config =
        Config { addr: ([127, 0, 0, 1], port).into(), policy, access_log: false, ..Config::default() };
    (port, serve(&config, Listeners::main(main)).0)
}

#[tokio::test]
async fn audit_this_api_finds_a_reflected_origin_and_nothing_under_the_strict_allowlist() {
    let (port, _stop) = start_with(corslab_lab::PolicyId::ReflectAnyOrigin).await;
    let answer = console_audit(port).await;
    assert_eq!(status(&answer), 200, "{answer}");
    assert!(answer.contains(r#""class":"reflect-any-origin""#), "{answer}");
    assert!(answer.contains(r#""severity":"high""#), "{answer}");
    assert!(answer.contains(r#""policy":"reflect-any-origin""#), "{answer}");

    let (port, _stop) = start_with(corslab_lab::PolicyId::StrictAllowlist).await;
    let answer = console_audit(port).await;
    assert_eq!(status(&answer), 200, "{answer}");
    assert!(answer.contains(r#""findings":[]"#), "{answer}");
}

#[tokio::test]
async fn audit_this_api_is_refused_outside_the_console() {
    let (port, _stop) = start_with(corslab_lab::PolicyId::ReflectAnyOrigin).await;
    let forged = format!(
        "POST /__lab/audit HTTP/1.1\r\nHost: free-crypto-giveaway.localhost:{port}\r\n\
         Sec-Fetch-Site: same-origin\r\nX-Lab-Csrf: guess\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(status(&raw(port, forged.as_bytes()).await), 403);
    let no_token = format!(
        "POST /__lab/audit HTTP/1.1\r\nHost: lab.localhost:{port}\r\nSec-Fetch-Site: same-origin\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(status(&raw(port, no_token.as_bytes()).await), 403);
}

#[tokio::test]
async fn more_ports_answer_the_lab_hosts_are_logged_and_open_to_the_pages() {
    let main = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let extra = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (main_port, extra_port) = (main.local_addr().unwrap().port(), extra.local_addr().unwrap().port());
    let config = Config {
        addr: ([127, 0, 0, 1], main_port).into(),
        more_ports: vec![extra_port],
        access_log: false,
        ..Config::default()
    };
    let (stop, _) = serve(&config, Listeners { more: vec![extra], ..Listeners::main(main) });
    let answer =
        raw(extra_port, &get("api.fintrack.localhost", extra_port, "/me/balance?run=more", "")).await;
    assert_eq!(status(&answer), 401, "{answer}");
    assert_eq!(logged_ports(main_port, "more").await, [extra_port]);
    let frame = raw(main_port, &get("lab.localhost", main_port, "/__lab/frame", "")).await;
    let csp = frame.lines().find(|l| l.to_ascii_lowercase().starts_with("content-security-policy:")).unwrap();
    assert!(
        csp.contains(&format!("connect-src http://*.localhost:{main_port} http://*.localhost:{extra_port};")),
        "{csp}"
    );
    stop.send(()).unwrap();

    // `bind` listens on them too: a port already taken is named in the error.
    let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port();
    let base = Config { addr: ([127, 0, 0, 1], 0).into(), ..Config::default() };
    for config in [
        Config { more_ports: vec![port], ..base.clone() },
        Config { https_port: Some(port), ..base.clone() },
        Config { public_port: Some(port), ..base.clone() },
        Config { public_https_port: Some(port), ..base.clone() },
    ] {
        assert!(
            matches!(corslab_server::bind(&config).await, Err(ServeError::Io(addr, _)) if addr.port() == port)
        );
    }
}

#[tokio::test]
async fn the_https_port_serves_every_lab_host_and_the_pages_may_fetch_it() {
    use tokio_rustls::rustls::pki_types::ServerName;
    let main = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let https = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (main_port, https_port) = (main.local_addr().unwrap().port(), https.local_addr().unwrap().port());
    let config = Config {
        addr: ([127, 0, 0, 1], main_port).into(),
        https_port: Some(https_port),
        access_log: false,
        ..Config::default()
    };
    let (stop, _) = serve(&config, Listeners { https: Some(https), ..Listeners::main(main) });
    // The audit's TLS, taking any certificate: the lab's https port signs its own.
    let client = corslab_audit::client::tls_config(true).unwrap();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
    let tcp = TcpStream::connect(("127.0.0.1", https_port)).await.unwrap();
    let name = ServerName::try_from("api.fintrack.localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(&get("api.fintrack.localhost", https_port, "/me/balance?run=tls", "")).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status(&answer), 401, "{answer}");
    assert_eq!(logged_ports(main_port, "tls").await, [https_port]);
    let frame = raw(main_port, &get("lab.localhost", main_port, "/__lab/frame", "")).await;
    assert!(frame.contains(&format!("https://*.localhost:{https_port}")), "{frame}");
    stop.send(()).unwrap();
}
