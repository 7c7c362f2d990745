//! The sockets under [`crate::serve`]: each listener's connections, bounded in number and in
//! how long a request's head may take to arrive, so a client that opens connections and never
//! finishes a request (slowloris) cannot hold the lab's file descriptors or its attention.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The most connections one listener keeps open; the next are closed at once until one ends.
pub const MAX_CONNECTIONS: usize = 1024;

/// Serves `app` on `listener` until `stopped` turns true, then lets open connections finish
/// (the caller bounds how long). A request's head (its request line and headers) must arrive
/// within `header_read_timeout`, or the connection is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
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
        let service = app.clone().map_request(|request: hyper::Request<Incoming>| request.map(Body::new));
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    graceful.shutdown().await;
}
