//! The HTTP interactions endpoint (`careerbot serve-http`): Discord POSTs
//! each interaction, signed with the application's Ed25519 key; the
//! response goes back in the HTTP response body. The same
//! [`serve_one`](super::service::serve_one) as the gateway bot answers it. `/reload` answers "deferred" at once and
//! edits the original response through the webhook API when done.
//!
//! A request goes through, in order: signature headers (401, before the
//! body is read), body size and time limits (413, 408), the Ed25519
//! signature over timestamp + body (401), the JSON (400), dispatch (200).
//!
//! This file is the handler: the endpoint's state, a request from its
//! headers to its response, and the routes. [`verify`] holds the checks
//! before dispatch (key, headers, signature, replay); [`accept`] the
//! listener, the connection registry's acceptor and the drain.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Extension;
use axum::Router;
use ed25519_dalek::VerifyingKey;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serenity::http::Http;
use serenity::model::application::Interaction;
use serenity::model::id::ApplicationId;
use tokio_util::task::TaskTracker;

use super::connections::Conn;

use super::ops::Ops;
use super::replay::ReplayGuard;
use super::service::{serve_now_handing_over, serve_one, FollowUp, Outcome, Settings};
use crate::discord::invocation::{Invocation, Kind};
use crate::live::Live;

mod accept;
mod verify;

pub use accept::{bind, serve, ACCEPT_BACKLOG, GRACE};
pub use verify::{parse_public_key, KeyError, Rejection, SignedHeaders, SIGNATURE, TIMESTAMP};

/// A request that passed every check and was served: the response body
/// (JSON), and what follows it (`/reload`, 🗑️, a gap form), started with
/// the interaction's token once the body is on its way.
#[derive(Debug)]
pub struct Processed {
    /// The response body (JSON).
    pub body: Vec<u8>,
    /// What follows the response.
    pub follow_up: Option<FollowUp>,
}

/// Exactly what Discord's endpoint check expects in answer to a ping
/// (serenity's `Pong` adds `"data": null`).
const PONG: &[u8] = br#"{"type":1}"#;

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
    replays: ReplayGuard,
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
    ///
    /// # Errors
    /// When insights are on and the replay guard cannot read the store.
    pub fn new(
        live: Arc<Live>,
        settings: Settings,
        key: VerifyingKey,
        limits: Limits,
        application_id: Option<ApplicationId>,
        http: Arc<Http>,
    ) -> Result<Self, crate::insights::StoreError> {
        let ops = Arc::new(Ops::ready(Arc::clone(&live), Arc::clone(&settings.metrics)));
        let replays = ReplayGuard::new(limits.replay_period(), settings.insights.as_ref())?;
        Ok(Endpoint {
            live,
            settings,
            key,
            limits,
            application_id,
            http,
            ops,
            follow_ups: TaskTracker::new(),
            replays,
        })
    }

    /// Verifies the signature over timestamp + body, parses the interaction
    /// and serves it at once ([`serve_now_handing_over`]: no slot, not counted). The
    /// benchmark and tests call it.
    ///
    /// # Errors
    /// A bad signature, or a body that is not an interaction.
    pub fn process(&self, signed: &SignedHeaders, body: &[u8]) -> Result<Processed, Rejection> {
        self.verify(signed, body)?;
        let interaction = self.accept(body)?;
        let invocation = Invocation::new(&self.settings.policy.moderator_roles, &interaction);
        let outcome = (invocation.kind != Kind::Ping)
            .then(|| serve_now_handing_over(&self.live, &self.settings, &invocation));
        processed(outcome)
    }

    /// Starts `work`, what follows the response to `interaction`: reload,
    /// delete or write a gap answer, then edit the deferred response
    /// through the interaction's webhook. Shutdown waits for it.
    fn follow_up(&self, interaction: &Interaction, work: FollowUp) {
        let application = self
            .application_id
            .unwrap_or_else(|| interaction.application_id());
        if self.http.application_id().is_none() {
            self.http.set_application_id(application);
        }
        let (http, live, settings) = (
            Arc::clone(&self.http),
            Arc::clone(&self.live),
            self.settings.clone(),
        );
        let token = interaction.token().to_string();
        self.follow_ups.spawn(async move {
            super::follow_up(&http, &live, &settings, &token, work).await;
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
        let invocation = Invocation::new(&self.settings.policy.moderator_roles, &interaction);
        let processed = if invocation.kind == Kind::Ping {
            self.settings
                .metrics
                .invoked(&invocation, started.elapsed());
            processed(None)?
        } else {
            let mut outcome = serve_one(&self.live, &self.settings, &invocation, started).await;
            super::solution::read_starter(&self.http, &mut outcome, started).await;
            processed(Some(outcome))?
        };
        if let Some(work) = processed.follow_up {
            self.follow_up(&interaction, work);
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

/// The HTTP body and follow-up of `outcome` (`None` for a ping).
fn processed(outcome: Option<Outcome>) -> Result<Processed, Rejection> {
    let Some(outcome) = outcome else {
        return Ok(Processed {
            body: PONG.to_vec(),
            follow_up: None,
        });
    };
    let body = serde_json::to_vec(&outcome.response).map_err(|e| {
        tracing::error!(error = %e, "response did not serialize");
        Rejection::Internal
    })?;
    Ok(Processed {
        body,
        follow_up: outcome.follow_up,
    })
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
