//! Servers that misbehave: slow, resetting, huge headers, redirect loops, non-HTTP bytes. Each
//! must give its own clean error while the run goes on and finishes within its timeouts. Every
//! server binds 127.0.0.1:0 and lives only as long as its test.

use std::time::{Duration, Instant};

use corslab_audit::{Class, Options, TargetReport, audit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// How a fake server answers one request head.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Reflects the Origin with credentials, as a well-formed (if vulnerable) API.
    Reflect,
    /// Waits far longer than the audit's timeout before answering.
    Slow,
    /// Closes the connection without a byte of answer.
    Reset,
    /// Answers with megabytes of headers.
    HugeHeaders,
    /// Redirects to itself forever.
    RedirectLoop,
    /// Speaks something that is not HTTP.
    NotHttp,
    /// Redirects `/api` to `/api/v2` on the same origin, which reflects the Origin.
    RedirectOnce,
    /// Redirects `/api` to `/api/v2` on another origin (`localhost` rather than `127.0.0.1`,
    /// same port), which reflects the Origin.
    RedirectElsewhere,
    /// Answers 404 to every request, as a server does for a mistyped path.
    NotFound,
}

async fn start(behaviour: Behaviour) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, behaviour));
        }
    });
    Url::parse(&format!("http://127.0.0.1:{port}/api")).unwrap()
}

async fn connection(mut socket: TcpStream, behaviour: Behaviour) {
    // Keep-alive: answer request after request on the same connection.
    loop {
        let Some(head) = read_head(&mut socket).await else { return };
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let answer = match behaviour {
            Behaviour::RedirectOnce if path == "/api" => {
                b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /api/v2\r\ncontent-length: 0\r\n\r\n".to_vec()
            }
            Behaviour::RedirectElsewhere if path == "/api" => {
                let port = socket.local_addr().map(|a| a.port()).unwrap_or_default();
                format!("HTTP/1.1 302 Found\r\nlocation: http://localhost:{port}/api/v2\r\ncontent-length: 0\r\n\r\n")
                    .into_bytes()
            }
            Behaviour::Reflect | Behaviour::RedirectOnce | Behaviour::RedirectElsewhere => {
                let origin = head
                    .lines()
                    .find_map(|l| l.strip_prefix("origin: ").or_else(|| l.strip_prefix("Origin: ")))
                    .unwrap_or("");
                let mut answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n".to_owned();
                if !origin.is_empty() {
                    answer.push_str(&format!(
                        "access-control-allow-origin: {origin}\r\naccess-control-allow-credentials: true\r\nvary: Origin\r\n"
                    ));
                }
                answer.push_str("\r\nok");
                answer.into_bytes()
            }
            Behaviour::Slow => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".to_vec()
            }
            Behaviour::Reset => return,
            Behaviour::HugeHeaders => {
                let mut answer = b"HTTP/1.1 200 OK\r\n".to_vec();
                let filler = "x".repeat(8000);
                for i in 0..256 {
                    answer.extend_from_slice(format!("x-filler-{i}: {filler}\r\n").as_bytes());
                }
                answer.extend_from_slice(b"content-length: 0\r\n\r\n");
                answer
            }
            Behaviour::RedirectLoop => {
                b"HTTP/1.1 302 Found\r\nlocation: /api\r\ncontent-length: 0\r\n\r\n".to_vec()
            }
            Behaviour::NotFound => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec(),
            Behaviour::NotHttp => b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n".to_vec(),
        };
        if socket.write_all(&answer).await.is_err()
            || matches!(behaviour, Behaviour::NotHttp | Behaviour::HugeHeaders)
        {
            return;
        }
    }
}

/// Reads one request head (up to the blank line), bounded to 64 KiB.
async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.ends_with(b"\r\n\r\n") {
        let n = socket.read(&mut byte).await.ok().filter(|n| *n > 0)?;
        head.extend_from_slice(&byte[..n]);
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn options() -> Options {
    Options {
        timeout: Duration::from_millis(500),
        rate_per_host: None,
        max_redirects: 3,
        ..Options::default()
    }
}

fn only_error(report: &TargetReport) -> &str {
    assert!(report.findings.is_empty(), "{report:#?}");
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    &report.errors[0]
}

#[tokio::test]
async fn every_misbehaving_server_gets_its_own_clean_error_and_the_run_goes_on() {
    let behaviours = [
        Behaviour::Slow,
        Behaviour::Reset,
        Behaviour::HugeHeaders,
        Behaviour::RedirectLoop,
        Behaviour::NotHttp,
        Behaviour::Reflect,
    ];
    let mut targets = Vec::new();
    for behaviour in behaviours {
        targets.push(start(behaviour).await);
    }
    let started = Instant::now();
    let reports = tokio::time::timeout(Duration::from_secs(20), audit(&targets, options()))
        .await
        .expect("the audit finishes by itself")
        .expect("the options are valid");
    let elapsed = started.elapsed();
    assert_eq!(reports.len(), behaviours.len());

    let slow = only_error(&reports[0]);
    assert!(slow.contains("no answer within 0.5 s"), "{slow}");
    let reset = only_error(&reports[1]);
    assert!(reset.contains("check that the URL points at an HTTP server"), "{reset}");
    let huge = only_error(&reports[2]);
    assert!(huge.contains("too large") || huge.contains("header"), "{huge}");
    let looped = only_error(&reports[3]);
    assert!(looped.contains("more than 3 redirects"), "{looped}");
    let not_http = only_error(&reports[4]);
    assert!(not_http.contains("HTTP"), "{not_http}");

    let good = &reports[5];
    assert!(good.errors.is_empty(), "{good:#?}");
    assert!(good.findings.iter().any(|f| f.class == Class::ReflectAnyOrigin), "{good:#?}");

    // One timeout for the slow server, a few round trips for the rest.
    assert!(elapsed < Duration::from_secs(8), "the run took {elapsed:?}");
}

#[tokio::test]
async fn a_refused_port_is_an_error_not_a_hang() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let reports =
        tokio::time::timeout(Duration::from_secs(10), audit(&[url], options())).await.unwrap().unwrap();
    let error = only_error(&reports[0]);
    assert!(error.contains(&port.to_string()), "{error}");
}

#[tokio::test]
async fn the_per_host_rate_limit_spaces_a_whole_target() {
    let url = start(Behaviour::Reflect).await;
    let started = Instant::now();
    let options = Options { rate_per_host: Some(400.0), ..options() };
    let reports = audit(std::slice::from_ref(&url), options).await.unwrap();
    let sent = reports[0].probes_sent;
    assert!(sent > 20, "{sent} probes");
    // At 400 requests per second, `sent` requests need at least (sent - 1) / 400 seconds.
    let floor = Duration::from_secs_f64((sent - 1) as f64 / 400.0);
    assert!(
        started.elapsed() >= floor,
        "{sent} probes in {:?}, under the {floor:?} the limit allows",
        started.elapsed()
    );
}

#[tokio::test]
async fn localhost_names_reach_loopback_without_the_system_resolver() {
    let url = start(Behaviour::Reflect).await;
    let port = url.port().unwrap();
    let named = Url::parse(&format!("http://api.corslab-test.localhost:{port}/api")).unwrap();
    let reports = audit(&[named], options()).await.unwrap();
    assert!(reports[0].errors.is_empty(), "{:#?}", reports[0]);
    let reflect = reports[0].findings.iter().find(|f| f.class == Class::ReflectAnyOrigin).unwrap();
    assert_eq!(reflect.origin.as_deref(), Some(format!("http://evil.localhost:{port}").as_str()));
}

#[tokio::test]
async fn redirects_are_followed_and_every_hop_is_evidence() {
    let url = start(Behaviour::RedirectOnce).await;
    let reports = audit(std::slice::from_ref(&url), options()).await.unwrap();
    let reflect =
        reports[0].findings.iter().find(|f| f.class == Class::ReflectAnyOrigin).expect("found after the hop");
    assert_eq!(reflect.evidence.len(), 2, "{:#?}", reflect.evidence);
    // The engine judges the whole chain: the 307 itself carries no CORS headers, so browsers
    // stop at it and the grant on the final hop is out of reach for now.
    assert_eq!(reflect.severity, corslab_audit::Severity::Low);
    assert!(reflect.browsers.iter().all(|j| j.credentialed_read == corslab_engine::Read::Blocked));
    assert_eq!(reflect.evidence[0].response.status, 307);
    assert!(reflect.evidence[1].request.url.ends_with("/api/v2"));
    // A same-origin hop keeps the Origin, as browsers do.
    let origin = |i: usize| {
        reflect.evidence[i].request.headers.iter().find(|(n, _)| n == "Origin").map(|(_, v)| v.clone())
    };
    assert_eq!(origin(0), origin(1));

    // With redirects off, the 307 itself is the answer, and it grants nothing.
    let no_follow = Options { max_redirects: 0, ..options() };
    let reports = audit(&[url], no_follow).await.unwrap();
    assert!(reports[0].findings.is_empty(), "{:#?}", reports[0].findings);
}

#[tokio::test]
async fn credentials_stay_with_the_target_across_a_redirect_to_another_origin() {
    let url = start(Behaviour::RedirectElsewhere).await;
    let options = Options {
        headers: vec![("Authorization".to_owned(), "Bearer t0k3n".to_owned())],
        cookies: vec!["session=s3cr3t".to_owned()],
        ..options()
    };
    let reports = audit(&[url], options).await.unwrap();
    // Past the cross-origin hop the Origin is null, which the server reflects.
    let reflect = reports[0].findings.iter().find(|f| f.evidence.len() == 2).unwrap_or_else(|| {
        panic!("no finding carries both hops: {:#?}", reports[0]);
    });
    let sent = |i: usize, name: &str| {
        reflect.evidence[i].request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    assert_eq!(reflect.evidence.len(), 2, "{:#?}", reflect.evidence);
    assert!(sent(0, "Authorization") && sent(0, "Cookie"), "{:#?}", reflect.evidence[0]);
    assert!(reflect.evidence[1].request.url.starts_with("http://localhost:"));
    assert!(!sent(1, "Authorization") && !sent(1, "Cookie"), "{:#?}", reflect.evidence[1]);
}

#[tokio::test]
async fn headers_the_audit_owns_are_refused_before_anything_is_sent() {
    for name in ["Origin", "cookie", "Access-Control-Request-Method"] {
        let options = Options { headers: vec![(name.to_owned(), "x".to_owned())], ..options() };
        let err = audit(&[Url::parse("http://127.0.0.1:9/").unwrap()], options).await.unwrap_err();
        assert!(err.contains("sets") && err.contains(name), "{err}");
    }
    let options = Options { cookies: vec!["no equals sign".to_owned()], ..options() };
    let err = audit(&[Url::parse("http://127.0.0.1:9/").unwrap()], options).await.unwrap_err();
    assert!(err.contains("is not a cookie"), "{err}");
}

#[tokio::test]
async fn a_wrong_path_is_reported_as_not_audited() {
    let url = start(Behaviour::NotFound).await;
    let reports = audit(std::slice::from_ref(&url), options()).await.unwrap();
    let error = only_error(&reports[0]);
    assert!(error.starts_with(&format!("{url}: every request got 404 Not Found")), "{error}");
    assert!(error.contains("check the URL"), "{error}");
}
