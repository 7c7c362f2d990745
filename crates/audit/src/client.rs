//! The HTTP side of the audit: one shared client with its own `*.localhost` resolver, a global
//! concurrency limit, a per-host rate limit, a timeout per request and explicit redirects.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;
use url::Url;

use crate::probe::{Probe, ProbeKind, is_local};

/// How much of a response body is read before the connection is given up: the audit needs
/// headers, and reading a little lets small bodies keep the connection alive for reuse.
const BODY_LIMIT: usize = 64 * 1024;

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Requests in flight at once, over all targets.
    pub concurrency: usize,
    /// Requests per second to one host; `None` for no limit.
    pub rate_per_host: Option<f64>,
    /// The longest one request (connect, headers and the bounded body) may take.
    pub timeout: Duration,
    /// How many redirects a `GET` probe follows; 0 reports the redirect itself.
    pub max_redirects: u8,
    /// Headers added to every `GET` probe (a preflight carries none, as in browsers).
    pub headers: Vec<(String, String)>,
    /// The `Cookie` header value for `GET` probes, if any.
    pub cookie_header: Option<String>,
    /// Names answered without DNS: an exact name or `*.suffix`, and the address to connect to.
    pub resolve: Vec<(String, IpAddr)>,
    /// Whether any certificate is accepted (signatures are still checked).
    pub insecure: bool,
}

/// One request as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// The method.
    pub method: String,
    /// The URL.
    pub url: String,
    /// The headers set by the audit, in order.
    pub headers: Vec<(String, String)>,
}

/// One response as received: status and headers (values decoded one byte per character).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The status code.
    pub status: u16,
    /// The headers, lower-cased names, repeated names kept.
    pub headers: Vec<(String, String)>,
}

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trip {
    /// What was sent.
    pub request: Sent,
    /// What came back.
    pub response: Received,
}

/// Why a probe got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// No answer within the timeout.
    Timeout {
        /// The URL asked.
        url: String,
        /// The timeout.
        after: Duration,
    },
    /// The connection could not be made or broke, or the answer was not HTTP.
    Transport {
        /// The URL asked.
        url: String,
        /// What went wrong, from the innermost cause.
        detail: String,
    },
    /// More redirects than allowed.
    TooManyRedirects {
        /// The first URL.
        url: String,
        /// The limit.
        limit: u8,
    },
    /// A redirect whose `Location` is not a usable http(s) URL.
    BadRedirect {
        /// The URL that redirected.
        url: String,
        /// The `Location` value.
        location: String,
    },
}

/// The most response headers an answer may carry.
const MAX_RESPONSE_HEADERS: usize = 1024;

/// The shared HTTP client.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    options: ClientOptions,
    slots: Semaphore,
    limiter: RateLimiter,
    sent: AtomicU64,
}

impl Client {
    /// Builds the client: HTTP/1.1, rustls with Mozilla's roots, no proxy, no automatic redirects.
    pub fn new(options: ClientOptions) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(options.insecure)?)
            .dns_resolver(LocalFirst { overrides: Arc::new(options.resolve.clone()) })
            .redirect(reqwest::redirect::Policy::none())
            // An auditor talks to the target directly; a proxy from the environment would
            // silently change what is audited (and cannot resolve `*.localhost`).
            .no_proxy()
            .http1_only()
            // Browsers read answers with hundreds of headers; hyper's default stops at 100.
            .http1_max_headers(MAX_RESPONSE_HEADERS)
            .connect_timeout(options.timeout)
            .timeout(options.timeout)
            .pool_max_idle_per_host(options.concurrency.max(1))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))?;
        let interval = options.rate_per_host.filter(|r| *r > 0.0).map(|r| Duration::from_secs_f64(1.0 / r));
        Ok(Self {
            http,
            slots: Semaphore::new(options.concurrency.max(1)),
            limiter: RateLimiter { interval, next: Mutex::new(HashMap::new()) },
            sent: AtomicU64::new(0),
            options,
        })
    }

    /// How many requests have been sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Sends one probe, following redirects for `GET` probes; returns every hop in order.
    pub async fn send(&self, probe: &Probe) -> Result<Vec<Trip>, FetchError> {
        let mut trips = Vec::new();
        let mut url = probe.url.clone();
        let mut origin = probe.origin.clone();
        let first = Url::parse(probe.url.as_str()).map(|u| u.origin()).ok();
        loop {
            // The caller's headers and cookie belong to the target it named: a redirect to
            // another origin does not take them along (as browsers and curl do not).
            let own_origin = Some(url.origin()) == first;
            let trip = self.once(probe, &url, origin.as_deref(), own_origin).await?;
            let follow = matches!(probe.kind, ProbeKind::Get) && self.options.max_redirects > 0;
            // The engine's reading of the redirect: a redirect status, Location resolved against
            // this URL.
            let location = follow
                .then(|| corslab_engine::redirect::location(&crate::judge::answer(&trip.response), &url))
                .flatten();
            trips.push(trip);
            let Some(location) = location else { return Ok(trips) };
            if trips.len() > usize::from(self.options.max_redirects) {
                return Err(FetchError::TooManyRedirects {
                    url: probe.url.to_string(),
                    limit: self.options.max_redirects,
                });
            }
            let next = match location {
                Ok(next) if matches!(next.scheme(), "http" | "https") => next,
                Ok(next) => {
                    return Err(FetchError::BadRedirect { url: url.to_string(), location: next.to_string() });
                }
                Err(text) => return Err(FetchError::BadRedirect { url: url.to_string(), location: text }),
            };
            // Browsers keep the Origin on same-origin hops and send `null` once a redirect has
            // crossed origins; the probe does the same so the answers match what a page would get.
            if origin.is_some() && Some(next.origin()) != first {
                origin = Some("null".to_owned());
            }
            url = next;
        }
    }

    async fn once(
        &self,
        probe: &Probe,
        url: &Url,
        origin: Option<&str>,
        with_credentials: bool,
    ) -> Result<Trip, FetchError> {
        let host = url.host_str().unwrap_or_default().to_owned();
        self.limiter.wait(&host).await;
        let _slot = self.slots.acquire().await.map_err(|_| FetchError::Transport {
            url: url.to_string(),
            detail: "the client was shut down".to_owned(),
        })?;
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(origin) = origin {
            headers.push(("Origin".to_owned(), origin.to_owned()));
        }
        let method = match &probe.kind {
            ProbeKind::Get => {
                if with_credentials {
                    headers.extend(self.options.headers.iter().cloned());
                    if let Some(cookie) = &self.options.cookie_header {
                        headers.push(("Cookie".to_owned(), cookie.clone()));
                    }
                }
                reqwest::Method::GET
            }
            ProbeKind::Preflight { method, headers: asked, private_network } => {
                // A preflight carries no credentials and no script headers, only the questions.
                headers.push(("Accept".to_owned(), "*/*".to_owned()));
                headers.push(("Access-Control-Request-Method".to_owned(), method.clone()));
                if !asked.is_empty() {
                    headers.push(("Access-Control-Request-Headers".to_owned(), asked.join(",")));
                }
                if *private_network {
                    headers.push(("Access-Control-Request-Private-Network".to_owned(), "true".to_owned()));
                    headers.push(("Access-Control-Request-Local-Network".to_owned(), "true".to_owned()));
                }
                reqwest::Method::OPTIONS
            }
        };
        let mut request = self.http.request(method.clone(), url.clone());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let sent = Sent { method: method.to_string(), url: url.to_string(), headers };
        self.sent.fetch_add(1, Ordering::Relaxed);
        let timeout = self.options.timeout;
        let answer = tokio::time::timeout(timeout, async {
            let mut response = request.send().await?;
            let received = Received {
                status: response.status().as_u16(),
                headers: response
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (n.as_str().to_owned(), v.as_bytes().iter().map(|&b| char::from(b)).collect())
                    })
                    .collect(),
            };
            let mut read = 0;
            while read < BODY_LIMIT {
                match response.chunk().await? {
                    Some(chunk) => read += chunk.len(),
                    None => break,
                }
            }
            Ok::<_, reqwest::Error>(received)
        })
        .await;
        match answer {
            Ok(Ok(response)) => Ok(Trip { request: sent, response }),
            Ok(Err(e)) if e.is_timeout() => Err(FetchError::Timeout { url: url.to_string(), after: timeout }),
            Ok(Err(e)) => Err(FetchError::Transport { url: url.to_string(), detail: chain(&e) }),
            Err(_) => Err(FetchError::Timeout { url: url.to_string(), after: timeout }),
        }
    }
}

impl FetchError {
    /// The URL that got no answer (after redirects, the hop's).
    pub fn url(&self) -> &str {
        match self {
            Self::Timeout { url, .. }
            | Self::Transport { url, .. }
            | Self::TooManyRedirects { url, .. }
            | Self::BadRedirect { url, .. } => url,
        }
    }

    /// What went wrong, without the URL, ending with what to do next.
    pub fn message(&self) -> String {
        match self {
            Self::Timeout { after, .. } => format!(
                "no answer within {:.1} s; raise --timeout if the server is just slow",
                after.as_secs_f64()
            ),
            Self::Transport { detail, .. } if detail.contains("message head is too large") => format!(
                "the answer's headers are too large to read (over {MAX_RESPONSE_HEADERS} headers, or hundreds of kilobytes)"
            ),
            Self::Transport { detail, .. } if detail.starts_with(UNTRUSTED_CERTIFICATE) => {
                format!(
                    "{detail}; check the host name, or audit a server whose certificate a browser accepts (--insecure takes any, for a staging server that signs its own)"
                )
            }
            Self::Transport { detail, .. } => {
                format!("{detail}; check that the URL points at an HTTP server")
            }
            Self::TooManyRedirects { limit, .. } => format!(
                "more than {limit} redirects (a loop?); audit the final URL directly or raise --redirects"
            ),
            Self::BadRedirect { location, .. } => format!(
                "redirects to {location:?}, which is not an http(s) URL; audit the final URL directly"
            ),
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url(), self.message())
    }
}

impl std::error::Error for FetchError {}

/// Resolves names the user pinned (`--resolve`), then `localhost` and `*.localhost` to
/// loopback as browsers do, and everything else through the system resolver (which knows
/// nothing of `*.localhost`).
#[derive(Debug, Clone)]
struct LocalFirst {
    overrides: Arc<Vec<(String, IpAddr)>>,
}

impl Resolve for LocalFirst {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let pinned = self.overrides.iter().find(|(pattern, _)| match pattern.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => *pattern == host,
        });
        let pinned = pinned.map(|(_, ip)| *ip);
        Box::pin(async move {
            if let Some(ip) = pinned {
                return Ok(Box::new(std::iter::once(SocketAddr::new(ip, 0))) as Addrs);
            }
            if is_local(&host) {
                let loopback =
                    [SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), SocketAddr::from((Ipv6Addr::LOCALHOST, 0))];
                return Ok(Box::new(loopback.into_iter()) as Addrs);
            }
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Spaces requests to each host evenly: each takes the next free slot of its host.
#[derive(Debug)]
struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    async fn wait(&self, host: &str) {
        let Some(interval) = self.interval else { return };
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let free = next.entry(host.to_owned()).or_insert(now);
            let slot = (*free).max(now);
            *free = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// The client's TLS: rustls with the ring provider and Mozilla's roots, HTTP/1.1 only; with
/// `insecure`, any certificate (the handshake's signatures still checked), as the lab's tests
/// also use it against the lab's self-signed https port.
pub fn tls_config(insecure: bool) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?;
    let mut config = if insecure {
        let verifier = AnyCertificate { schemes: provider.signature_verification_algorithms };
        builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier)).with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: takes any certificate for any name, but still checks that the server holds
/// the certificate's key (the handshake's signatures), so the connection is what it says.
#[derive(Debug)]
struct AnyCertificate {
    schemes: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &rustls::pki_types::CertificateDer<'_>,
        signed: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, certificate, signed, &self.schemes)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &rustls::pki_types::CertificateDer<'_>,
        signed: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, certificate, signed, &self.schemes)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.schemes.supported_schemes()
    }
}

/// How a certificate the client refused is described; it starts the detail of such an error.
const UNTRUSTED_CERTIFICATE: &str = "the server's TLS certificate was not trusted";

/// The innermost cause of an error: reqwest and hyper wrap the useful sentence ("connection
/// closed before message completed", "message head is too large") in generic layers. A
/// refused certificate is told in words rather than in rustls's debug notation.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = error;
    loop {
        if let Some(why) = certificate_problem(innermost) {
            return format!("{UNTRUSTED_CERTIFICATE} ({why})");
        }
        match innermost.source() {
            Some(cause) => innermost = cause,
            None => return innermost.to_string(),
        }
    }
}

/// Why rustls refused the server's certificate, when this error (or the I/O error wrapping it,
/// as hyper hands it on) says it did.
fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    // The rustls error may sit inside I/O errors, one in another (hyper's connector wraps the
    // TLS stream's own); their `source` skips the error they wrap, so each is opened here.
    let mut inner = error;
    while let Some(wrapped) = inner.downcast_ref::<std::io::Error>().and_then(|e| e.get_ref()) {
        inner = wrapped;
    }
    let rustls_error = inner.downcast_ref::<rustls::Error>()?;
    use rustls::CertificateError as C;
    Some(match rustls_error {
        rustls::Error::InvalidCertificate(problem) => match problem {
            C::Expired | C::ExpiredContext { .. } => "it has expired",
            C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet",
            C::NotValidForName | C::NotValidForNameContext { .. } => "it is not valid for this host name",
            C::UnknownIssuer => "no public certificate authority issued it",
            C::Revoked => "it has been revoked",
            _ => "a browser would refuse it too",
        },
        rustls::Error::NoCertificatesPresented => "the server presented none",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn localhost_names_resolve_to_loopback_without_the_system() {
        let name: Name = "api.fintrack.localhost".parse().unwrap();
        let resolver = LocalFirst { overrides: Arc::new(Vec::new()) };
        let addrs: Vec<SocketAddr> = resolver.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert_eq!(addrs[0].ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[tokio::test]
    async fn pinned_names_and_wildcards_win_over_dns() {
        let ip: IpAddr = "127.0.0.2".parse().unwrap();
        let resolver = LocalFirst { overrides: Arc::new(vec![("*.example.com".to_owned(), ip)]) };
        let addrs: Vec<SocketAddr> =
            resolver.resolve("API.example.com".parse().unwrap()).await.unwrap().collect();
        assert_eq!(addrs, [SocketAddr::new(ip, 0)]);
    }

    #[tokio::test]
    async fn the_rate_limit_spaces_requests_per_host() {
        let limiter =
            RateLimiter { interval: Some(Duration::from_millis(20)), next: Mutex::new(HashMap::new()) };
        let started = Instant::now();
        for _ in 0..5 {
            limiter.wait("a.example").await;
        }
        // Five slots 20 ms apart: the fifth starts 80 ms after the first.
        assert!(started.elapsed() >= Duration::from_millis(80), "{:?}", started.elapsed());
        let other = Instant::now();
        limiter.wait("b.example").await;
        assert!(other.elapsed() < Duration::from_millis(15), "another host waits for nobody");
    }

    #[test]
    fn a_certificate_error_says_the_certificate_was_not_trusted() {
        let refused = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
            Arc::new(std::io::Error::other("CaUsedAsEndEntity")),
        )));
        // hyper hands the TLS error on inside an I/O error, which its connector wraps again.
        let wrapped = std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, refused));
        let detail = chain(&wrapped);
        assert_eq!(detail, "the server's TLS certificate was not trusted (a browser would refuse it too)");
        let error = FetchError::Transport { url: "https://self-signed.example/".into(), detail };
        let message = error.message();
        assert!(!message.contains("Other(") && !message.contains("HTTP server"), "{message}");
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert!(chain(&expired).ends_with("(it has expired)"));
    }

    #[test]
    fn the_tls_configuration_builds_with_ring() {
        assert!(tls_config(false).is_ok() && tls_config(true).is_ok());
    }
}
