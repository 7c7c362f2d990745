//! The lab server: one loopback listener that plays every lab origin, picked by the `Host` header.
//!
//! [`app`] builds the whole router from a [`Lab`], so tests drive it with `oneshot` and
//! [`serve`] only binds the socket. The server is deliberately vulnerable in ways the console
//! chooses, so it binds loopback unless told otherwise and refuses foreign `Host` names.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;

pub mod api;
pub mod assets;
mod front_door;
pub mod origins;
pub mod policy;
pub mod record;

pub use assets::Assets;
pub use origins::{HOSTS, Role};
pub use policy::Policy;

/// How to run the lab.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Whether a non-loopback `addr` is accepted.
    pub allow_non_loopback: bool,
    /// Origins outside the lab (test harness pages) allowed to read `/__lab/` data cross-origin.
    pub harness_origins: Vec<String>,
    /// The API's CORS policy at start.
    pub policy: Policy,
    /// How many requests the exchange log keeps.
    pub log_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            allow_non_loopback: false,
            harness_origins: Vec::new(),
            policy: Policy::StrictAllowlist,
            log_capacity: 10_000,
        }
    }
}

/// The lab's shared state: cheap to clone.
#[derive(Debug, Clone)]
pub struct Lab(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    assets: Assets,
    log: record::Log,
    policy: Mutex<Policy>,
    port: u16,
    harness_origins: Vec<String>,
}

impl Lab {
    /// A lab serving `assets`, configured by `config`.
    pub fn new(config: &Config, assets: Assets) -> Self {
        Self(Arc::new(Inner {
            assets,
            log: record::Log::new(config.log_capacity),
            policy: Mutex::new(config.policy),
            port: config.addr.port(),
            harness_origins: config.harness_origins.clone(),
        }))
    }

    /// The API's current CORS policy.
    pub fn policy(&self) -> Policy {
        *self.0.policy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The origin of a lab host on this server's port.
    pub fn origin_of(&self, host: &str) -> String {
        match self.0.port {
            80 => format!("http://{host}"),
            port => format!("http://{host}:{port}"),
        }
    }

    /// The exchange log.
    pub fn log(&self) -> &record::Log {
        &self.0.log
    }
}

/// Why the lab could not start.
#[derive(Debug)]
pub enum ServeError {
    /// The address is not loopback and `allow_non_loopback` is off.
    NotLoopback(SocketAddr),
    /// The socket could not be bound or served.
    Io(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotLoopback(addr) => write!(
                f,
                "refusing to listen on {addr}: the lab is deliberately vulnerable and binds loopback only; \
                 pass --allow-non-loopback if you really mean to expose it"
            ),
            Self::Io(e) => write!(f, "cannot serve the lab: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// The whole lab as one router: `/__lab/` on every host, the API on its host, the app elsewhere,
/// all behind the front door (host guard, recording, access log).
pub fn app(lab: Lab) -> Router {
    let api = api::router(lab.clone());
    let pages = Router::new()
        .route("/__lab/log", get(front_door::lab_log))
        .fallback(front_door::page)
        .with_state(lab.clone());
    Router::new()
        .fallback_service(front_door::ByRole { api, pages })
        .layer(axum::middleware::from_fn_with_state(lab, front_door::guard))
}

/// Checks that `addr` may be bound under `config`.
pub fn check_bind(config: &Config) -> Result<(), ServeError> {
    if config.addr.ip().is_loopback() || config.allow_non_loopback {
        Ok(())
    } else {
        Err(ServeError::NotLoopback(config.addr))
    }
}

/// Binds the listener, checking the address first.
pub async fn bind(config: &Config) -> Result<tokio::net::TcpListener, ServeError> {
    check_bind(config)?;
    tokio::net::TcpListener::bind(config.addr).await.map_err(ServeError::Io)
}

/// Serves the lab on an already bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    lab: Lab,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    axum::serve(listener, app(lab)).with_graceful_shutdown(shutdown).await.map_err(ServeError::Io)
}
