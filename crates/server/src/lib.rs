//! The lab server: loopback listeners that play every lab origin, picked by the `Host` header.
//!
//! [`app`] builds the whole router from a [`Lab`], so tests drive it with `oneshot` and
//! [`serve`] only runs the sockets. The server is deliberately vulnerable in ways the console
//! chooses, so it binds loopback unless told otherwise and refuses foreign `Host` names. The HTTP
//! API is documented in `corslab_lab`'s crate docs, beside the types it speaks.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use corslab_lab::state::{CspViolation, LabState, LedgerEntry, LiveEvent};
use corslab_lab::{CookieSettings, PolicyId, Ports, hosts};
use tokio::sync::{broadcast, watch};

pub mod api;
pub mod assets;
mod audit;
mod bank;
mod bounce;
mod connections;
mod control;
mod dashboard;
pub mod error;
mod front_door;
pub mod pages;
pub mod record;
mod request_headers;
mod scripted;
mod tls;

pub use assets::Assets;
pub use control::MAX_LIVE_FEEDS;
pub use corslab_lab::hosts::{HOSTS, Role};
pub use error::LabError;

/// How to run the lab.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main address to listen on.
    pub addr: SocketAddr,
    /// A second port on the same address, for the "same host, other port" lessons.
    pub second_port: Option<u16>,
    /// More ports on the same address, served like the main one and named in the pages' CSP:
    /// the differential matrix listens on bad ports, to see whether a browser connects.
    pub more_ports: Vec<u16>,
    /// A port on the same address serving every lab host over https, with a certificate made
    /// at start and signed by itself: for test harnesses whose browsers accept it (the
    /// differential matrix's pages on `https` origins).
    pub https_port: Option<u16>,
    /// More names for lab hosts, for test harnesses whose browsers resolve them to loopback:
    /// each name and the lab host it stands for (the differential matrix's mixed-content names
    /// stand for the API, its public page's name for the partner). Requests are logged under
    /// the name they used, and the pages' CSP names each on the main port. Only host names
    /// are taken, for known lab hosts.
    pub aliases: Vec<(String, &'static str)>,
    /// A port served like the main one whose pages a test harness's browsers are told to take
    /// for public addresses (Local Network Access); [`Ports::public`] names it.
    pub public_port: Option<u16>,
    /// The same over https, under the https port's certificate: public pages that are secure
    /// contexts; [`Ports::public_https`] names it.
    pub public_https_port: Option<u16>,
    /// Whether a non-loopback `addr` is accepted.
    pub allow_non_loopback: bool,
    /// Origins outside the lab (test harness pages) that may read `/__lab/` data cross-origin
    /// and frame lab pages; empty outside tests.
    pub harness_origins: Vec<String>,
    /// The API's CORS policy at start (and after a reset).
    pub policy: PolicyId,
    /// The session cookie's attributes at start (and after a reset).
    pub cookie: CookieSettings,
    /// How many requests the exchange log keeps.
    pub log_capacity: usize,
    /// How many side effects the ledger keeps.
    pub ledger_capacity: usize,
    /// How many FinTrack sessions exist at most (the oldest is forgotten first).
    pub max_sessions: usize,
    /// Whether every request is logged to stderr.
    pub access_log: bool,
    /// How long a connection may serve no request before it is closed: from accept, and from
    /// the end of each answer, whatever part of a next request head arrives meanwhile (a client
    /// that opens connections and never finishes a request holds nothing for long). A request
    /// being handled, or an answer still being sent (a live feed), keeps its connection open.
    pub idle_timeout: std::time::Duration,
    /// Whether the API answers `/scripted` requests. A scripted answer can be an HTML page with
    /// its own script on the API's origin, so any site that links to one could act as the API:
    /// only test harnesses (the differential matrix) turn it on.
    pub scripted: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            second_port: None,
            more_ports: Vec::new(),
            https_port: None,
            aliases: Vec::new(),
            public_port: None,
            public_https_port: None,
            allow_non_loopback: false,
            harness_origins: Vec::new(),
            policy: PolicyId::StrictAllowlist,
            cookie: CookieSettings::default(),
            log_capacity: 10_000,
            ledger_capacity: 1_000,
            max_sessions: 10_000,
            access_log: true,
            idle_timeout: std::time::Duration::from_secs(30),
            scripted: false,
        }
    }
}

/// The lab's shared state: cheap to clone.
#[derive(Debug, Clone)]
pub struct Lab(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    pages: pages::Pages,
    log: record::Log,
    state: Mutex<State>,
    ports: Ports,
    more_ports: Vec<u16>,
    aliases: Vec<(String, &'static hosts::LabHost)>,
    harness_origins: Vec<String>,
    scripted: bool,
    idle_timeout: std::time::Duration,
    start_policy: PolicyId,
    start_cookie: CookieSettings,
    csrf_token: String,
    events: broadcast::Sender<LiveEvent>,
    stop: watch::Sender<bool>,
    started: Instant,
    access_log: bool,
}

/// What the control plane and the API change.
#[derive(Debug)]
struct State {
    policy: PolicyId,
    cookie: CookieSettings,
    bank: bank::Bank,
    ledger: record::Ring<LedgerEntry>,
    csp: record::Ring<CspViolation>,
}

/// How many live events the feeds' shared buffer holds.
const LIVE_EVENTS: usize = 256;

impl Lab {
    /// A lab serving `assets`, configured by `config`.
    pub fn new(config: &Config, assets: Assets) -> Self {
        let ports = Ports {
            main: config.addr.port(),
            second: config.second_port,
            https: config.https_port,
            public: config.public_port,
            public_https: config.public_https_port,
        };
        // Host names only: an alias goes into the pages' CSP as it is.
        let is_name =
            |a: &str| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        let aliases: Vec<(String, &'static hosts::LabHost)> = config
            .aliases
            .iter()
            .filter(|(name, _)| is_name(name))
            .filter_map(|(name, of)| Some((name.to_ascii_lowercase(), hosts::lookup(of)?)))
            .collect();
        let alias_names: Vec<String> = aliases.iter().map(|(name, _)| name.clone()).collect();
        // The feeds share one buffer; a feed that stops reading pins at most this many events
        // (a log entry weighs at most 128 KiB, so 32 MiB) and is then told it lagged, to catch
        // up from the log.
        let (events, _) = broadcast::channel(LIVE_EVENTS);
        let (stop, _) = watch::channel(false);
        Self(Arc::new(Inner {
            pages: pages::Pages::new(
                assets,
                &ports,
                &config.more_ports,
                &alias_names,
                &config.harness_origins,
            ),
            log: record::Log::new(config.log_capacity),
            state: Mutex::new(State {
                policy: config.policy,
                cookie: config.cookie,
                bank: bank::Bank::new(config.max_sessions),
                ledger: record::Ring::new(config.ledger_capacity),
                csp: record::Ring::new(200),
            }),
            ports,
            more_ports: config.more_ports.clone(),
            aliases,
            harness_origins: config.harness_origins.clone(),
            scripted: config.scripted,
            idle_timeout: config.idle_timeout,
            start_policy: config.policy,
            start_cookie: config.cookie,
            csrf_token: random_token(),
            events,
            stop,
            started: Instant::now(),
            access_log: config.access_log,
        }))
    }

    /// The API's current CORS policy.
    pub fn policy(&self) -> PolicyId {
        self.state().policy
    }

    /// Whether `/scripted` answers ([`Config::scripted`]).
    pub fn answers_scripts(&self) -> bool {
        self.0.scripted
    }

    /// The ports the lab plays its origins on.
    pub fn ports(&self) -> Ports {
        self.0.ports
    }

    /// Whether the lab serves plain http on `port`: the main port, the second one or one of
    /// [`Config::more_ports`] (not the https port).
    pub fn serves_http_on(&self, port: u16) -> bool {
        port == self.0.ports.main || self.0.ports.second == Some(port) || self.0.more_ports.contains(&port)
    }

    /// The alias a `Host` header names ([`Config::aliases`]), if it names one, and the lab
    /// host it stands for.
    pub fn alias(&self, host_header: &str) -> Option<(&str, &'static hosts::LabHost)> {
        let name = hosts::strip_port(host_header);
        let found = self.0.aliases.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(name));
        found.map(|(alias, host)| (alias.as_str(), *host))
    }

    /// The origin of a lab host on the main port.
    pub fn origin_of(&self, host: &str) -> String {
        self.0.ports.origin(host)
    }

    /// The exchange log.
    pub fn log(&self) -> &record::Log {
        &self.0.log
    }

    /// What the lab runs, as `GET /__lab/state` answers (without the token).
    pub fn snapshot(&self) -> LabState {
        let state = self.state();
        LabState {
            policy: state.policy,
            cookie: state.cookie,
            ports: self.0.ports,
            log: self.0.log.stats(),
            ledger: state.ledger.stats(),
            sessions: state.bank.sessions(),
            csrf_token: None,
        }
    }

    /// Carries out one control-plane command in-process, as `POST /__lab/control` does, and
    /// returns the new state (for harnesses that drive the lab from the same process).
    pub fn apply(&self, command: &corslab_lab::Control) -> LabState {
        control::apply(self, command);
        let state = self.snapshot();
        self.publish(LiveEvent::State(state.clone()));
        state
    }

    /// Ends live streams so a graceful shutdown is not held open by them.
    pub fn stop(&self) {
        self.0.stop.send_replace(true);
    }

    /// Milliseconds since the lab started.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters more than refusing every later request would.
        self.0.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn publish(&self, event: LiveEvent) {
        // No subscriber is not an error: the console may simply not be open.
        let _ = self.0.events.send(event);
    }
}

/// Why the lab could not start.
#[derive(Debug)]
pub enum ServeError {
    /// The address is not loopback and `allow_non_loopback` is off.
    NotLoopback(SocketAddr),
    /// A socket could not be bound or served.
    Io(SocketAddr, std::io::Error),
    /// The https port's certificate could not be made.
    Tls(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotLoopback(addr) => write!(
                f,
                "refusing to listen on {addr}: the lab is deliberately vulnerable and binds loopback only; \
                 pass --allow-non-loopback if you really mean to expose it"
            ),
            Self::Io(addr, e) => write!(f, "cannot serve the lab on {addr}: {e}"),
            Self::Tls(e) => write!(f, "cannot serve the lab over https: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// The lab's listeners: the main port and, when configured, the second one.
#[derive(Debug)]
pub struct Listeners {
    /// The main listener.
    pub main: tokio::net::TcpListener,
    /// The second port's listener.
    pub second: Option<tokio::net::TcpListener>,
    /// The listeners of `Config::more_ports`.
    pub more: Vec<tokio::net::TcpListener>,
    /// The https port's listener.
    pub https: Option<tokio::net::TcpListener>,
    /// The public port's listener.
    pub public: Option<tokio::net::TcpListener>,
    /// The public https port's listener.
    pub public_https: Option<tokio::net::TcpListener>,
}

impl Listeners {
    /// The main listener alone; the others are added with struct update syntax.
    pub fn main(main: tokio::net::TcpListener) -> Self {
        Self { main, second: None, more: Vec::new(), https: None, public: None, public_https: None }
    }
}

/// The whole lab as one router: the API on its host, `/__lab/` and the app on every other,
/// all behind the front door (host guard, security headers, recording, access log).
pub fn app(lab: Lab) -> Router {
    let api = api::router(lab.clone());
    let pages = pages::router(lab.clone());
    Router::new()
        .fallback_service(front_door::ByRole { api, pages })
        .layer(axum::middleware::from_fn_with_state(lab, front_door::guard))
        // Every body the lab reads is small; anything bigger is refused before it is buffered.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The largest request body the lab reads.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Checks that `config`'s address may be bound.
pub fn check_bind(config: &Config) -> Result<(), ServeError> {
    if config.addr.ip().is_loopback() || config.allow_non_loopback {
        Ok(())
    } else {
        Err(ServeError::NotLoopback(config.addr))
    }
}

/// Binds the listeners, checking the address first.
pub async fn bind(config: &Config) -> Result<Listeners, ServeError> {
    check_bind(config)?;
    let main =
        tokio::net::TcpListener::bind(config.addr).await.map_err(|e| ServeError::Io(config.addr, e))?;
    let on = |port: u16| async move {
        let addr = SocketAddr::new(config.addr.ip(), port);
        tokio::net::TcpListener::bind(addr).await.map_err(|e| ServeError::Io(addr, e))
    };
    let mut more = Vec::new();
    for &port in &config.more_ports {
        more.push(on(port).await?);
    }
    let optional = |port: Option<u16>| async move {
        match port {
            Some(port) => on(port).await.map(Some),
            None => Ok(None),
        }
    };
    Ok(Listeners {
        main,
        second: optional(config.second_port).await?,
        more,
        https: optional(config.https_port).await?,
        public: optional(config.public_port).await?,
        public_https: optional(config.public_https_port).await?,
    })
}

/// Serves the lab on already bound listeners until `shutdown` resolves.
pub async fn serve(
    listeners: Listeners,
    lab: Lab,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let mut stopped = lab.0.stop.subscribe();
    let stopping = lab.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.stop();
    });
    let mut servers = Vec::new();
    // The https listeners share one certificate.
    let secure: Vec<_> = listeners.https.into_iter().chain(listeners.public_https).collect();
    let acceptor = if secure.is_empty() { None } else { Some(tls::acceptor().map_err(ServeError::Tls)?) };
    let https = secure.into_iter().map(|listener| (listener, acceptor.clone()));
    let plain =
        std::iter::once(listeners.main).chain(listeners.second).chain(listeners.more).chain(listeners.public);
    for (listener, tls) in plain.map(|listener| (listener, None)).chain(https) {
        let timeout = lab.0.idle_timeout;
        servers.push(tokio::spawn(connections::serve(
            listener,
            app(lab.clone()),
            timeout,
            stopped.clone(),
            tls,
        )));
    }
    let _ = stopped.wait_for(|stop| *stop).await;
    // Graceful shutdown waits for open connections to finish; one that never completes its
    // request would hold the lab up for good, so they get a moment and the rest are dropped.
    let deadline = tokio::time::Instant::now() + DRAIN;
    for mut server in servers {
        match tokio::time::timeout_at(deadline, &mut server).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(ServeError::Io(SocketAddr::from(([0, 0, 0, 0], 0)), std::io::Error::other(e)));
            }
            Err(_) => server.abort(),
        }
    }
    Ok(())
}

/// How long a stopping lab waits for open connections to finish.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(3);

/// 128 random bits, hex: session ids and the CSRF token.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS refused randomness: mix the clock and a counter instead. Still unique, less
        // unguessable; the lab binds loopback and holds only fake data.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 64).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
