//! The operators' routes, the same for both transports: `GET /healthz`
//! (the process answers), `GET /readyz` (it can serve: knowledge loaded,
//! and for the gateway bot, connected; 503 while starting or draining) and
//! `GET /metrics` (OpenMetrics).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::metrics::Metrics;
use crate::live::Live;

const STARTING: u8 = 0;
const READY: u8 = 1;
const DRAINING: u8 = 2;

/// What the operators' routes report on.
#[derive(Debug)]
pub struct Ops {
    live: Arc<Live>,
    metrics: Arc<Metrics>,
    state: AtomicU8,
    /// What `/readyz` says while starting.
    waiting_for: &'static str,
}

impl Ops {
    /// Ops for a server that is ready as soon as it listens (`serve-http`).
    pub fn ready(live: Arc<Live>, metrics: Arc<Metrics>) -> Ops {
        Ops {
            live,
            metrics,
            state: AtomicU8::new(READY),
            waiting_for: "",
        }
    }

    /// Ops for a server that becomes ready later, with what it waits for
    /// (`serve`: the gateway connection).
    pub fn starting(live: Arc<Live>, metrics: Arc<Metrics>, waiting_for: &'static str) -> Ops {
        Ops {
            live,
            metrics,
            state: AtomicU8::new(STARTING),
            waiting_for,
        }
    }

    /// Ready to serve (unless already draining).
    pub fn set_ready(&self) {
        let _ = self
            .state
            .compare_exchange(STARTING, READY, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Waiting again (a lost connection), unless draining.
    pub fn set_starting(&self) {
        let _ = self
            .state
            .compare_exchange(READY, STARTING, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Shutting down: `/readyz` says 503 from now on.
    pub fn set_draining(&self) {
        self.state.store(DRAINING, Ordering::SeqCst);
    }

    /// Whether shutting down.
    pub fn is_draining(&self) -> bool {
        self.state.load(Ordering::SeqCst) == DRAINING
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// What a snapshot serves, for `/readyz`: "serving hybrid", or "serving
/// lexical" with why.
pub fn serving(status: &crate::engine::SemanticStatus) -> String {
    use crate::engine::SemanticStatus;
    match status {
        SemanticStatus::Ready => "serving hybrid (words and meaning)".to_string(),
        SemanticStatus::Off => "serving lexical (semantic = false)".to_string(),
        SemanticStatus::Embedding { done, total } => {
            format!("serving lexical until the passages are embedded ({done}/{total})")
        }
        SemanticStatus::Failed(why) => format!(
            "serving lexical: embedding failed: {}",
            why.replace(['\n', '\r'], " ")
        ),
    }
}

async fn readyz(State(ops): State<Arc<Ops>>) -> Response {
    match ops.state.load(Ordering::SeqCst) {
        DRAINING => (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response(),
        STARTING => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("starting: waiting for {}\n", ops.waiting_for),
        )
            .into_response(),
        _ => {
            let snapshot = ops.live.current();
            format!(
                "ready: knowledge version {}, {} passage(s), {}\n",
                snapshot.version,
                snapshot.passages.len(),
                serving(&snapshot.semantic_status())
            )
            .into_response()
        }
    }
}

async fn metrics_text(State(ops): State<Arc<Ops>>) -> Response {
    let snapshot = ops.live.current();
    ops.metrics
        .serving(snapshot.version, snapshot.passages.len());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        ops.metrics.render(),
    )
        .into_response()
}

/// `/healthz`, `/readyz`, and `/metrics` when `with_metrics`.
pub fn routes(ops: Arc<Ops>, with_metrics: bool) -> Router {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    let router = if with_metrics {
        router.route("/metrics", get(metrics_text))
    } else {
        router
    };
    router.with_state(ops)
}

/// Serves every operators' route on `listener` until `stop`.
pub fn serve(
    ops: Arc<Ops>,
    listener: TcpListener,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    }
    let app = routes(ops, true);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
    })
}
