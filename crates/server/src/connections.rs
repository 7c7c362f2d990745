//! The sockets under [`crate::serve`]: each listener's connections, bounded in number and in
//! how long they may sit without serving a request, so a client that opens connections and
//! never finishes a request (slowloris), or opens them and sends nothing, cannot hold the lab's
//! file descriptors or its attention.
//!
//! A connection is busy from the moment a request head has arrived whole until its answer's body
//! has been sent (a live feed's body streams for as long as the feed is open). A connection that
//! is not busy is closed once it has been so for the head timeout: counted from accept, and from
//! the end of each answer, whatever bytes of a next head trickle in meanwhile. It is never
//! closed while busy, so no request the lab has begun to handle is cut off: a browser whose
//! next request meets a connection closed this way sees it closed before that request reached
//! any handler, and its retry is the request's only arrival.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::front_door::ArrivedOn;
use crate::record::HEAD_LIMIT;

/// The most connections one listener keeps open; the next are closed at once until one ends.
pub const MAX_CONNECTIONS: usize = 1024;

/// Serves `app` on `listener` until `stopped` turns true, then lets open connections finish
/// (the caller bounds how long). A connection that serves no request for `idle_timeout` (from
/// accept, or from the end of its last answer) is closed, even while a head trickles in. With
/// `tls`, each connection first completes a TLS handshake, within the same timeout.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    idle_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
    tls: Option<TlsAcceptor>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The head limit the log is sized for (see `HEAD_LIMIT`): a longer head gets hyper's 431.
    builder.http1().max_buf_size(HEAD_LIMIT);
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // Every request learns the port it arrived on, which its `Host` must name.
    let port = listener.local_addr().ok().map(|addr| ArrivedOn(addr.port()));
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.wait_for(|stop| *stop) => break,
        };
        // Out of descriptors, or a connection reset before it was taken: the listener itself is
        // fine, so it waits a moment and goes on.
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            // Over the bound: closing is the only answer that costs nothing.
            drop(stream);
            continue;
        };
        let activity = Arc::new(Activity::new());
        let app = app.clone();
        let serving = activity.clone();
        let service = tower::service_fn(move |mut request: hyper::Request<Incoming>| {
            // Busy from here until the answer's body is sent, or the answer is dropped unsent.
            let busy = serving.busy();
            if let Some(port) = port {
                request.extensions_mut().insert(port);
            }
            let answer = app.clone().oneshot(request.map(Body::new));
            async move {
                let response = answer.await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| Body::new(Busy { body, _busy: busy })))
            }
        });
        let (builder, watcher, tls) = (builder.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            let service = TowerToHyperService::new(service);
            match tls {
                None => {
                    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    until_idle(watcher.watch(connection.into_owned()), &activity, idle_timeout).await;
                }
                // A handshake that does not finish in time is a connection that served nothing.
                Some(tls) => {
                    if let Ok(Ok(stream)) = tokio::time::timeout(idle_timeout, tls.accept(stream)).await {
                        let connection =
                            builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                        until_idle(watcher.watch(connection.into_owned()), &activity, idle_timeout).await;
                    }
                }
            }
            drop(permit);
        });
    }
    graceful.shutdown().await;
}

/// Drives `connection` until it ends, or until it has served no request for `idle_timeout`;
/// dropping it then closes it, with no request of it being handled.
async fn until_idle(connection: impl Future, activity: &Activity, idle_timeout: Duration) {
    tokio::pin!(connection);
    let mut wait = idle_timeout;
    loop {
        tokio::select! {
            _ = &mut connection => break,
            () = tokio::time::sleep(wait) => match activity.idle_for() {
                Some(idle) if idle >= idle_timeout => break,
                Some(idle) => wait = (idle_timeout - idle).min(CHECK),
                None => wait = CHECK,
            },
        }
    }
}

/// How often a busy connection looks again whether it has become idle.
const CHECK: Duration = Duration::from_secs(1);

/// Whether a connection is serving requests, and since when it has not been.
#[derive(Debug)]
struct Activity {
    epoch: Instant,
    /// Requests handed on whose answer has not been sent whole yet.
    busy: AtomicUsize,
    /// Milliseconds since `epoch` when the connection last stopped being busy (0: accept).
    idle_since: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self { epoch: Instant::now(), busy: AtomicUsize::new(0), idle_since: AtomicU64::new(0) }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A request was handed on: the connection is busy until the guard is dropped.
    fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.clone())
    }

    /// How long the connection has served no request, or `None` while it serves one.
    fn idle_for(&self) -> Option<Duration> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(Duration::from_millis(self.now().saturating_sub(self.idle_since.load(Ordering::SeqCst))))
    }
}

/// One request being served; dropping it (the answer sent, or dropped) ends it.
#[derive(Debug)]
struct BusyGuard(Arc<Activity>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        // The idle clock is set before the count drops, so an idle connection is never read
        // with an old clock.
        self.0.idle_since.store(self.0.now(), Ordering::SeqCst);
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An answer's body that keeps its connection busy until hyper has sent it and dropped it.
struct Busy {
    body: Body,
    _busy: BusyGuard,
}

impl hyper::body::Body for Busy {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_clock_runs_from_accept_and_from_each_answer_and_never_while_busy() {
        let activity = Arc::new(Activity::new());
        std::thread::sleep(Duration::from_millis(5));
        assert!(activity.idle_for().unwrap() >= Duration::from_millis(5), "idle from accept");
        let first = activity.busy();
        let second = activity.busy();
        assert_eq!(activity.idle_for(), None, "busy: no clock");
        drop(first);
        assert_eq!(activity.idle_for(), None, "still one answer to send");
        std::thread::sleep(Duration::from_millis(5));
        drop(second);
        assert!(activity.idle_for().unwrap() < Duration::from_millis(5), "the clock starts again");
    }
}
