//! The HTTP interactions endpoint (`careerbot serve-http`): Discord POSTs
//! each interaction, signed with the application's Ed25519 key; the
//! response goes back in the HTTP response body. The same
//! [`serve_one`](super::service::serve_one) as the gateway bot answers it. `/reload` answers "deferred" at once and
//! edits the original response through the webhook API when done.
//!
//! A request goes through, in order: signature headers (401, before the
//! body is read), body size and time limits (413, 408), the Ed25519
//! signature over timestamp + body (401), the JSON (400), dispatch (200).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Extension;
use axum::Router;
use ed25519_dalek::{Signature, VerifyingKey};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serenity::http::Http;
use serenity::model::application::Interaction;
use serenity::model::id::ApplicationId;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::connections::{Conn, Connections};

use super::expiring::Expiring;
use super::metrics::{self, Kind};
use super::ops::Ops;
use super::service::{serve_now, serve_one, FollowUp, Outcome, Settings};
use crate::config::Secret;
use crate::discord::parse::parse_interaction;
use crate::live::Live;

/// The signature header: hex Ed25519 signature of timestamp + body.
pub const SIGNATURE: &str = "x-signature-ed25519";
/// The timestamp header: Unix seconds, as Discord sends it.
pub const TIMESTAMP: &str = "x-signature-timestamp";
/// How long shutdown waits, in all, for requests and `/reload` follow-ups
/// in flight (inside the 30 s that orchestrators usually allow).
pub const GRACE: Duration = Duration::from_secs(20);

/// Why the public key cannot be used. Never shows the key itself: a
/// token pasted into the wrong variable must not reach a log.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// No key configured.
    #[error("DISCORD_PUBLIC_KEY (or CAREERBOT_PUBLIC_KEY, or public_key in the config) is not set; copy the application's public key from the Discord developer portal (General Information)")]
    Missing,
    /// Not 64 hex characters.
    #[error("the public key (DISCORD_PUBLIC_KEY, CAREERBOT_PUBLIC_KEY or public_key) is not a valid Ed25519 public key: expected 64 hex characters, found {0} character(s)")]
    Length(usize),
    /// Not hex.
    #[error("the public key (DISCORD_PUBLIC_KEY, CAREERBOT_PUBLIC_KEY or public_key) is not a valid Ed25519 public key: it is not hexadecimal")]
    NotHex,
    /// 32 bytes, but not a point on the curve.
    #[error(
        "the public key (DISCORD_PUBLIC_KEY, CAREERBOT_PUBLIC_KEY or public_key) is not a valid Ed25519 public key: the bytes are not a curve point"
    )]
    NotAKey,
}

/// Parses the hex public key from the developer portal, without panicking
/// (serenity's `Verifier::new` panics on a bad key).
///
/// # Errors
/// When the key is missing, is not 64 hex characters, or is not a key.
pub fn parse_public_key(hex_key: Option<&Secret>) -> Result<VerifyingKey, KeyError> {
    let text = hex_key.map(|k| k.expose().trim()).unwrap_or("");
    if text.is_empty() {
        return Err(KeyError::Missing);
    }
    let chars = text.chars().count();
    if chars != 64 {
        return Err(KeyError::Length(chars));
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::NotHex)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAKey)
}

/// Why a request was refused before dispatch. The response says only
/// which check failed, never the parser's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// A signature header is missing.
    MissingSignature,
    /// A signature header is not what Discord sends.
    MalformedSignature,
    /// The timestamp is outside the allowed window.
    Stale,
    /// The signature does not verify.
    BadSignature,
    /// The body is over the size limit.
    TooLarge,
    /// The client did not send its body in time.
    Timeout,
    /// The body could not be read.
    Unreadable,
    /// The body is not an interaction (bad JSON or an unknown type).
    Malformed,
    /// A signed interaction already handled (a replay).
    Replay,
    /// careerbot failed to produce a response (its own fault).
    Internal,
}

impl Rejection {
    /// The HTTP status for it.
    pub fn status(self) -> StatusCode {
        match self {
            Rejection::MissingSignature
            | Rejection::MalformedSignature
            | Rejection::Stale
            | Rejection::BadSignature
            | Rejection::Replay => StatusCode::UNAUTHORIZED,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Timeout => StatusCode::REQUEST_TIMEOUT,
            Rejection::Unreadable | Rejection::Malformed => StatusCode::BAD_REQUEST,
            Rejection::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short label (metrics and logs).
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing_signature",
            Rejection::MalformedSignature => "malformed_signature",
            Rejection::Stale => "stale_timestamp",
            Rejection::BadSignature => "bad_signature",
            Rejection::TooLarge => "too_large",
            Rejection::Timeout => "timeout",
            Rejection::Unreadable => "unreadable",
            Rejection::Malformed => "malformed",
            Rejection::Replay => "replay",
            Rejection::Internal => "internal",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Rejection::MissingSignature
            | Rejection::MalformedSignature
            | Rejection::Stale
            | Rejection::BadSignature
            | Rejection::Replay => "invalid request signature\n",
            Rejection::TooLarge => "request body too large\n",
            Rejection::Timeout => "request body not received in time\n",
            Rejection::Unreadable => "request body could not be read\n",
            Rejection::Malformed => "not a Discord interaction\n",
            Rejection::Internal => "internal error\n",
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        (
            self.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message(),
        )
            .into_response()
    }
}

/// The signature headers of a request, checked for form and freshness.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    timestamp: String,
    signature: Signature,
}

/// A request that passed every check and was dispatched.
#[derive(Debug)]
pub struct Processed {
    /// The response body (JSON).
    pub body: Vec<u8>,
    /// What kind of interaction it was, for metrics.
    pub kind: Kind,
    /// Its command label, for metrics.
    pub command: &'static str,
    /// What follows the response (`/reload`, 🗑️, a gap form), with the
    /// interaction token and application to finish it with.
    pub follow_up: Option<Pending>,
}

/// A follow-up to run once the response is sent.
#[derive(Debug)]
pub struct Pending {
    /// What to do.
    pub work: FollowUp,
    /// The interaction's token, for its webhook.
    pub token: String,
    /// The application the webhook belongs to.
    pub application: ApplicationId,
}

/// The limits one endpoint serves with: `http` in the config.
pub use crate::config::HttpLimits as Limits;

/// One endpoint's state, shared by every request.
pub struct Endpoint {
    live: Arc<Live>,
    settings: Settings,
    key: VerifyingKey,
    limits: Limits,
    application_id: Option<ApplicationId>,
    http: Arc<Http>,
    follow_ups: TaskTracker,
    ops: Arc<Ops>,
    /// Interaction ids already handled, for as long as their signature
    /// could still be accepted.
    seen: Mutex<Expiring<u64>>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint answering from `live`, checking signatures with `key`,
    /// and sending follow-ups through `http`.
    pub fn new(
        live: Arc<Live>,
        settings: Settings,
        key: VerifyingKey,
        limits: Limits,
        application_id: Option<ApplicationId>,
        http: Arc<Http>,
    ) -> Self {
        let ops = Arc::new(Ops::ready(Arc::clone(&live), Arc::clone(&settings.metrics)));
        Endpoint {
            live,
            settings,
            key,
            limits,
            application_id,
            http,
            ops,
            follow_ups: TaskTracker::new(),
            seen: Mutex::default(),
        }
    }

    /// Checks that both signature headers are present and well formed, and
    /// that the timestamp is within the window of `now`. Runs before the
    /// body is read.
    ///
    /// # Errors
    /// A missing, malformed or stale header.
    pub fn signature(
        &self,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<SignedHeaders, Rejection> {
        let (Some(signature), Some(timestamp)) = (headers.get(SIGNATURE), headers.get(TIMESTAMP))
        else {
            return Err(Rejection::MissingSignature);
        };
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(signature.as_bytes(), &mut bytes)
            .map_err(|_| Rejection::MalformedSignature)?;
        let timestamp = timestamp
            .to_str()
            .ok()
            .filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Rejection::MalformedSignature)?;
        let sent: u64 = timestamp
            .parse()
            .map_err(|_| Rejection::MalformedSignature)?;
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if now.abs_diff(sent) > self.limits.signature_window.as_secs() {
            return Err(Rejection::Stale);
        }
        Ok(SignedHeaders {
            timestamp: timestamp.to_string(),
            signature: Signature::from_bytes(&bytes),
        })
    }

    /// Verifies the signature over timestamp + body, parses the interaction
    /// and serves it at once ([`serve_now`]: no slot, not counted). The
    /// benchmark and tests call it.
    ///
    /// # Errors
    /// A bad signature, or a body that is not an interaction.
    pub fn process(&self, signed: &SignedHeaders, body: &[u8]) -> Result<Processed, Rejection> {
        self.verify(signed, body)?;
        let interaction = self.accept(body)?;
        let outcome = match interaction {
            Interaction::Ping(_) => None,
            // Only the model is worth handing the worker's other tasks over for.
            _ if self.live.current().semantic_model().is_some() => {
                Some(super::service::off_the_runtime(|| {
                    serve_now(&self.live, &self.settings, &interaction)
                }))
            }
            _ => Some(serve_now(&self.live, &self.settings, &interaction)),
        };
        self.processed(&interaction, outcome)
    }

    /// Checks the Ed25519 signature over timestamp + body.
    ///
    /// # Errors
    /// A signature that does not verify.
    pub fn verify(&self, signed: &SignedHeaders, body: &[u8]) -> Result<(), Rejection> {
        let mut message = Vec::with_capacity(signed.timestamp.len() + body.len());
        message.extend_from_slice(signed.timestamp.as_bytes());
        message.extend_from_slice(body);
        self.key
            .verify_strict(&message, &signed.signature)
            .map_err(|_| Rejection::BadSignature)
    }

    /// Parses a verified body and refuses an interaction already handled.
    fn accept(&self, body: &[u8]) -> Result<Interaction, Rejection> {
        let interaction = parse_interaction(body).map_err(|e| {
            tracing::debug!(error = %e, "signed body is not an interaction");
            Rejection::Malformed
        })?;
        // A signed request stays valid for the whole window on either side of
        // its timestamp; within that, its interaction id must be new.
        let id = interaction.id().get();
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .accept(id, self.limits.replay_period(), Instant::now())
            .map_err(|_| Rejection::Replay)?;
        if let Some(insights) = &self.settings.insights {
            // Handled before a restart, or by another process serving the
            // same application (a rolling restart's overlap): it is stored.
            if insights.was_handled(id) {
                return Err(Rejection::Replay);
            }
            insights.handled(id);
        }
        Ok(interaction)
    }

    /// The HTTP body and follow-up for `interaction`, served as `outcome`
    /// (`None` for a ping).
    fn processed(
        &self,
        interaction: &Interaction,
        outcome: Option<Outcome>,
    ) -> Result<Processed, Rejection> {
        let (kind, command) = metrics::classify(interaction);
        let Some(outcome) = outcome else {
            // Exactly what Discord's endpoint check expects.
            return Ok(Processed {
                body: br#"{"type":1}"#.to_vec(),
                kind,
                command,
                follow_up: None,
            });
        };
        let body = serde_json::to_vec(&outcome.response).map_err(|e| {
            tracing::error!(error = %e, "response did not serialize");
            Rejection::Internal
        })?;
        let follow_up = outcome.follow_up.map(|work| Pending {
            work,
            token: interaction.token().to_string(),
            application: self
                .application_id
                .unwrap_or_else(|| interaction.application_id()),
        });
        Ok(Processed {
            body,
            kind,
            command,
            follow_up,
        })
    }

    /// Starts a follow-up: reload, delete or write a gap answer, then edit
    /// the deferred response. Shutdown waits for it.
    fn follow_up(&self, pending: Pending) {
        if self.http.application_id().is_none() {
            self.http.set_application_id(pending.application);
        }
        let (http, live, settings) = (
            Arc::clone(&self.http),
            Arc::clone(&self.live),
            self.settings.clone(),
        );
        let token = pending.token;
        self.follow_ups.spawn(async move {
            super::follow_up(&http, &live, &settings, &token, pending.work).await;
        });
    }

    /// Handles one POSTed interaction, start to end. Once its signature
    /// verifies, its connection (`conn`) is no longer closed to make room.
    async fn receive(
        &self,
        conn: Option<&Arc<Conn>>,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, Rejection> {
        let started = Instant::now();
        let signed = self.signature(&headers, SystemTime::now())?;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.limits.max_body_bytes as u64) {
            return Err(Rejection::TooLarge);
        }
        let read = Limited::new(body, self.limits.max_body_bytes).collect();
        let bytes: Bytes = match tokio::time::timeout(self.limits.request_timeout, read).await {
            Err(_) => return Err(Rejection::Timeout),
            Ok(Err(e)) if e.is::<LengthLimitError>() => return Err(Rejection::TooLarge),
            Ok(Err(_)) => return Err(Rejection::Unreadable),
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        // Only a request that really comes from Discord may wait for a slot
        // or be told that the bot is busy.
        self.verify(&signed, &bytes)?;
        let _trusted = conn.map(Conn::trust);
        let interaction = self.accept(&bytes)?;
        let processed = if let Interaction::Ping(_) = interaction {
            let processed = self.processed(&interaction, None)?;
            self.settings
                .metrics
                .interaction(processed.kind, processed.command, started.elapsed());
            processed
        } else {
            let mut outcome = serve_one(&self.live, &self.settings, &interaction, started).await;
            super::solution::read_starter(&self.http, &mut outcome, started).await;
            self.processed(&interaction, Some(outcome))?
        };
        if let Some(pending) = processed.follow_up {
            self.follow_up(pending);
        }
        Ok((
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            processed.body,
        )
            .into_response())
    }
}

async fn interactions(
    State(endpoint): State<Arc<Endpoint>>,
    conn: Option<Extension<Arc<Conn>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let conn = conn.map(|Extension(conn)| conn);
    match endpoint.receive(conn.as_ref(), headers, body).await {
        Ok(response) => response,
        Err(rejection) => {
            endpoint.settings.metrics.rejected(rejection.reason());
            tracing::debug!(reason = rejection.reason(), "request refused");
            rejection.into_response()
        }
    }
}

/// The routes: `POST /interactions` (and `POST /`), `GET /healthz`,
/// `GET /readyz`, and `GET /metrics` unless metrics have their own listener.
pub fn router(endpoint: Arc<Endpoint>, with_metrics: bool) -> Router {
    let ops = Arc::clone(&endpoint.ops);
    Router::new()
        .route("/", post(interactions))
        .route("/interactions", post(interactions))
        .with_state(endpoint)
        .merge(super::ops::routes(ops, with_metrics))
}

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
    let ops_task =
        ops.map(|ops| super::ops::serve(Arc::clone(&endpoint.ops), ops, ops_stop.clone()));
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
