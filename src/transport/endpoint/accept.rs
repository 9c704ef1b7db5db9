//! Binding, serving and draining: the listener with its accept queue, the
//! registry of open connections, and shutdown. The acceptor is careerbot's
//! own code on purpose: it is the flood defence (a full registry evicts an
//! idle connection of the peer holding the most, so idle sockets can never
//! keep Discord out), and no tower or hyper layer evicts idle connections.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::transport::connections::{Conn, Connections};

use crate::transport::metrics::{self};

use super::{router, Endpoint};

/// How long shutdown waits, in all, for requests and `/reload` follow-ups
/// in flight (inside the 30 s that orchestrators usually allow).
pub const GRACE: Duration = Duration::from_secs(20);

/// The kernel's accept queue for the interactions listener (the kernel caps
/// it at `net.core.somaxconn`). The standard library's 128 overflows while
/// a flood of sockets reconnects, and a dropped handshake costs a fresh
/// client a one-second SYN retransmission, Discord included.
pub const ACCEPT_BACKLOG: u32 = 4096;

/// Listens on `addr` (host:port) with [`ACCEPT_BACKLOG`].
///
/// # Errors
/// When the address does not resolve or cannot be bound.
pub async fn bind(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket
            .bind(addr)
            .and_then(|()| socket.listen(ACCEPT_BACKLOG))
        {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the address resolves to nothing")))
}

/// Serves `endpoint` on `listener` (and the operators' routes on `ops`,
/// when given) until `shutdown` completes. Then `/readyz` says 503; after
/// the drain period it takes the connections already waiting in the
/// kernel's queue, stops accepting, lets every request (and each accepted
/// connection's first request) and `/reload` follow-ups finish, up to
/// [`GRACE`] in all, and returns.
///
/// # Errors
/// Never at present; the signature leaves room for fatal listener errors.
pub async fn serve(
    endpoint: Arc<Endpoint>,
    listener: TcpListener,
    ops: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let app = router(Arc::clone(&endpoint), ops.is_none());
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving interactions over HTTP");
    }
    let ops_stop = tokio_util::sync::CancellationToken::new();
    let ops_task = ops
        .map(|ops| crate::transport::ops::serve(Arc::clone(&endpoint.ops), ops, ops_stop.clone()));
    let connections = Arc::new(Connections::new(endpoint.limits.max_connections));
    let stopping = CancellationToken::new();
    let mut acceptor = Acceptor {
        listener,
        app,
        connections: Arc::clone(&connections),
        stopping: stopping.clone(),
        metrics: Arc::clone(&endpoint.settings.metrics),
        header_timeout: endpoint.limits.request_timeout,
        last_error_log: None,
    };
    let mut pending = acceptor.run_until(shutdown).await;
    endpoint.ops.set_draining();
    if !endpoint.limits.drain.is_zero() {
        tracing::info!(
            seconds = endpoint.limits.drain.as_secs(),
            "draining: /readyz says 503, still serving"
        );
        let drained = tokio::time::Instant::now() + endpoint.limits.drain;
        if let Some((stream, peer)) = pending.take() {
            acceptor.admit_by(stream, peer, drained).await;
        }
        pending = acceptor.run_until(tokio::time::sleep_until(drained)).await;
    }
    // One deadline for everything that follows.
    let deadline = tokio::time::Instant::now() + GRACE;
    if let Some((stream, peer)) = pending {
        acceptor.admit_by(stream, peer, deadline).await;
    }
    // Whoever the kernel already accepted gets an answer too.
    acceptor.take_queued(deadline).await;
    drop(acceptor);
    tracing::info!(
        connections = connections.open(),
        "shutting down: finishing requests in flight"
    );
    stopping.cancel();
    finish(&endpoint, &connections, deadline).await;
    ops_stop.cancel();
    if let Some(task) = ops_task {
        let _ = tokio::time::timeout_at(deadline, task).await;
    }
    Ok(())
}

/// Waits until `deadline` for the open connections to finish, then for the
/// `/reload` follow-ups.
async fn finish(endpoint: &Endpoint, connections: &Connections, deadline: tokio::time::Instant) {
    if tokio::time::timeout_at(deadline, connections.closed())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.open(),
            "some connections did not finish in time"
        );
    }
    endpoint.follow_ups.close();
    if tokio::time::timeout_at(deadline, endpoint.follow_ups.wait())
        .await
        .is_err()
    {
        tracing::warn!("a /reload follow-up did not finish in time");
    }
}

/// Accepts connections into the registry of open ones.
struct Acceptor {
    listener: TcpListener,
    app: Router,
    connections: Arc<Connections>,
    stopping: CancellationToken,
    metrics: Arc<metrics::Metrics>,
    header_timeout: Duration,
    last_error_log: Option<Instant>,
}

impl Acceptor {
    /// Accepts until `stop` completes. A connection accepted but still
    /// waiting for a slot when it does is handed back, to be served by the
    /// caller's deadline.
    async fn run_until(
        &mut self,
        stop: impl Future<Output = ()>,
    ) -> Option<(tokio::net::TcpStream, SocketAddr)> {
        tokio::pin!(stop);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        // Admission waits only while no connection may give way.
                        tokio::select! {
                            conn = self.admit(peer) => self.serve_connection(stream, peer, conn),
                            () = &mut stop => return Some((stream, peer)),
                        }
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep
                        // serving, and log once a second at most.
                        if self.last_error_log.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                            tracing::warn!(error = %e, "cannot accept a connection");
                            self.last_error_log = Some(Instant::now());
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                () = &mut stop => return None,
            }
        }
    }

    /// Serves one accepted connection once it is admitted, unless
    /// `deadline` passes first (then it is closed).
    async fn admit_by(
        &self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        deadline: tokio::time::Instant,
    ) {
        if let Ok(conn) = tokio::time::timeout_at(deadline, self.admit(peer)).await {
            self.serve_connection(stream, peer, conn);
        }
    }

    /// Serves the connections already waiting in the kernel's accept queue,
    /// so that stopping does not reset them. It asks the kernel directly
    /// (a duplicate of the listening socket, which shares its queue) rather
    /// than the runtime, whose readiness may not have seen the latest ones.
    async fn take_queued(&mut self, deadline: tokio::time::Instant) {
        use std::os::fd::AsFd as _;
        let Ok(fd) = self.listener.as_fd().try_clone_to_owned() else {
            return;
        };
        // Non-blocking like the original: it shares its file status flags.
        let queue = std::net::TcpListener::from(fd);
        loop {
            let (stream, peer) = match queue.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // WouldBlock: the queue is empty.
                Err(_) => return,
            };
            let Ok(stream) = stream
                .set_nonblocking(true)
                .and_then(|()| tokio::net::TcpStream::from_std(stream))
            else {
                continue;
            };
            if tokio::time::Instant::now() >= deadline {
                return;
            }
            self.admit_by(stream, peer, deadline).await;
        }
    }

    async fn admit(&self, peer: SocketAddr) -> Arc<Conn> {
        let before = self.connections.evictions();
        let conn = self.connections.admit(peer.ip()).await;
        if self.connections.evictions() > before {
            self.metrics.rejected("evicted_untrusted");
        }
        conn
    }

    fn serve_connection(&self, stream: tokio::net::TcpStream, peer: SocketAddr, conn: Arc<Conn>) {
        let _ = stream.set_nodelay(true);
        let app = self.app.clone();
        let for_requests = Arc::clone(&conn);
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            for_requests.request_started();
            request.extensions_mut().insert(Arc::clone(&for_requests));
            let mut app = app.clone();
            async move { tower_service::Service::call(&mut app, request).await }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let (connections, stopping) = (Arc::clone(&self.connections), self.stopping.clone());
        tokio::spawn(async move {
            tokio::pin!(connection);
            let (mut stop_seen, mut closing) = (false, false);
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    () = conn.evicted() => {
                        tracing::debug!(%peer, "connection closed to make room");
                        break;
                    }
                    () = stopping.cancelled(), if !stop_seen => {
                        stop_seen = true;
                        // A connection that has not sent its first request
                        // yet may still send it; the head deadline bounds it.
                        if conn.requests() > 0 {
                            connection.as_mut().graceful_shutdown();
                            closing = true;
                        }
                    }
                    () = conn.wait_request(), if stop_seen && !closing => {
                        connection.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
            connections.release(&conn);
        });
    }
}
