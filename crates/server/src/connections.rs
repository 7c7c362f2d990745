//! The sockets under [`crate::serve`]: each listener's connections, bounded in number and in
//! how long a request's head may take to arrive, so a client that opens connections and never
//! finishes a request (slowloris) cannot hold the lab's file descriptors or its attention.
//!
//! The clock runs only for a connection's first request: from its first byte until its head is
//! handed on. After that the connection is the browser's to close. A server that closes a
//! kept-alive connection races the browser's next request on it, and Chromium, seeing the
//! connection close before an answer, sends the request again: the matrix saw a GET, and then a
//! POST after an answer that left its body unread, arrive twice (a transfer would go twice).
//! Past its first request a connection cannot tell the rest of a body from the next head, so
//! no clock can run there safely; the connection bound holds the rest.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The most connections one listener keeps open; the next are closed at once until one ends.
pub const MAX_CONNECTIONS: usize = 1024;

/// Serves `app` on `listener` until `stopped` turns true, then lets open connections finish
/// (the caller bounds how long). A request whose head (its request line and headers) has not
/// all arrived `head_timeout` after its first byte loses its connection.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    head_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
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
        let clock = Arc::new(HeadClock::new());
        let io = TokioIo::new(Watched { stream, clock: clock.clone() });
        let app = app.clone();
        let answering = clock.clone();
        let service = tower::service_fn(move |request: hyper::Request<Incoming>| {
            answering.handed_on();
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = builder.serve_connection_with_upgrades(io, TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            tokio::pin!(connection);
            loop {
                tokio::select! {
                    _ = &mut connection => break,
                    () = tokio::time::sleep(Duration::from_secs(1)), if !clock.handed() => {
                        if clock.head_overdue(head_timeout) {
                            // Dropping the connection closes it.
                            break;
                        }
                    }
                }
            }
            drop(permit);
        });
    }
    graceful.shutdown().await;
}

/// When the head of a connection's first request began arriving.
#[derive(Debug)]
struct HeadClock {
    epoch: Instant,
    /// Milliseconds since `epoch`, plus one, at the first byte read; 0 before any.
    since: AtomicU64,
    /// Whether the first request was handed on, which stops the clock for good.
    handed: AtomicBool,
}

impl HeadClock {
    fn new() -> Self {
        Self { epoch: Instant::now(), since: AtomicU64::new(0), handed: AtomicBool::new(false) }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Bytes arrived: the clock starts, unless it runs already or the first head arrived.
    fn bytes_arrived(&self) {
        if self.handed() {
            return;
        }
        let _ = self.since.compare_exchange(0, self.now(), Ordering::Relaxed, Ordering::Relaxed);
    }

    /// A request was handed on: the first head arrived in time.
    fn handed_on(&self) {
        self.handed.store(true, Ordering::Relaxed);
    }

    /// Whether the first request was handed on.
    fn handed(&self) -> bool {
        self.handed.load(Ordering::Relaxed)
    }

    /// Whether the first head has been arriving for longer than `timeout`.
    fn head_overdue(&self, timeout: Duration) -> bool {
        let since = self.since.load(Ordering::Relaxed);
        !self.handed() && since != 0 && Duration::from_millis(self.now().saturating_sub(since)) > timeout
    }
}

/// A connection's socket, starting its [`HeadClock`] when bytes arrive.
struct Watched {
    stream: TcpStream,
    clock: Arc<HeadClock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_runs_only_while_the_first_head_arrives() {
        let clock = HeadClock::new();
        assert!(!clock.head_overdue(Duration::ZERO), "idle: no clock");
        clock.bytes_arrived();
        std::thread::sleep(Duration::from_millis(5));
        assert!(clock.head_overdue(Duration::from_millis(1)));
        assert!(!clock.head_overdue(Duration::from_secs(60)));
        clock.handed_on();
        assert!(!clock.head_overdue(Duration::ZERO), "handed on: the clock stops for good");
        clock.bytes_arrived();
        assert!(!clock.head_overdue(Duration::ZERO), "a body, or the next head: no clock");
    }
}
