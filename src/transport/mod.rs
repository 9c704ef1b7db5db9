//! Transports: the only layer (with `cli`) that touches sockets, tasks,
//! threads and signals. Both feed interactions through one path,
//! [`service::serve_one`], and deliver its responses; [`metrics`] counts
//! what they do.

pub mod connections;
pub mod endpoint;
pub mod expiring;
pub mod gateway;
pub mod metrics;
pub mod ops;
pub mod service;
pub mod watch;

use std::sync::Arc;

use anyhow::Context as _;
use serenity::builder::{Builder as _, EditInteractionResponse};
use serenity::http::{Http, HttpBuilder};
use serenity::model::application::Command;
use serenity::model::id::GuildId;

use crate::config::{Config, Secret};
use crate::discord::commands::reload_reply;
use crate::discord::render::no_pings;
use crate::engine::EngineError;
use crate::insights::ReloadRecord;
use crate::live::{Live, ReloadSummary};
pub use service::Settings;

/// An HTTP client for Discord's API, or for the Discord-compatible base the
/// config names (a rate-limiting proxy, or a test stand-in).
pub fn http(config: &Config, token: &Secret) -> Http {
    let mut builder = HttpBuilder::new(token.expose());
    if let Some(base) = &config.discord.api_base {
        // serenity ignores the proxy unless its own rate limiter is off.
        builder = builder
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}

/// Registers careerbot's commands in `guild` (instant) or globally, replacing
/// whatever was registered before. Returns how many were registered.
///
/// # Errors
/// When Discord cannot be reached, refuses the token, or refuses the commands.
pub async fn register(http: &Http, guild: Option<GuildId>) -> anyhow::Result<usize> {
    let app = http
        .get_current_application_info()
        .await
        .context("cannot reach Discord, or it refused the token (is DISCORD_TOKEN a bot token?)")?;
    http.set_application_id(app.id);
    let commands = crate::discord::commands::definitions();
    let count = commands.len();
    match guild {
        Some(g) => g.set_commands(http, commands).await.map(|_| ()),
        None => Command::set_global_commands(http, commands)
            .await
            .map(|_| ()),
    }
    .context("Discord refused the commands")?;
    Ok(count)
}

/// Runs [`Live::reload`] off the async runtime, counts it, records it for
/// `/stats` and logs the outcome with its `cause`. `None` when the reload
/// task itself died.
pub async fn reload(
    live: &Arc<Live>,
    settings: &Settings,
    cause: &'static str,
) -> Option<Result<ReloadSummary, EngineError>> {
    let task = Arc::clone(live);
    let started = std::time::Instant::now();
    let outcome = tokio::task::spawn_blocking(move || task.reload()).await;
    let metrics = &settings.metrics;
    metrics.reload(cause, matches!(outcome, Ok(Ok(_))));
    let snapshot = live.current();
    metrics.serving(snapshot.version, snapshot.passages.len());
    if let Some(insights) = &settings.insights {
        insights.reload(ReloadRecord {
            at: crate::insights::unix_now(),
            cause: cause.to_string(),
            ok: matches!(outcome, Ok(Ok(_))),
            version: snapshot.version,
            took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            error: match &outcome {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(e.explain()),
                Err(e) => Some(e.to_string()),
            },
        });
    }
    match outcome {
        Ok(result) => {
            match &result {
                Ok(summary) => tracing::info!(
                    cause,
                    version = summary.version,
                    articles = summary.articles,
                    passages = summary.passages,
                    took_ms = summary.took.as_millis() as u64,
                    "reloaded"
                ),
                Err(e) => {
                    for p in e.problems() {
                        let severity = if p.is_error() { "error" } else { "warning" };
                        tracing::warn!(
                            cause,
                            "{}:{}:{}: {severity}: {}",
                            p.file,
                            p.line,
                            p.column,
                            p.message
                        );
                    }
                    // The problems were logged one by one just above.
                    let error = if e.problems().is_empty() {
                        e.explain()
                    } else {
                        e.to_string()
                    };
                    tracing::warn!(cause, %error, "reload failed; still serving the previous knowledge")
                }
            }
            Some(result)
        }
        Err(e) => {
            tracing::error!(cause, error = %e, "reload task failed");
            None
        }
    }
}

/// The second half of `/reload` on either transport: reloads, then edits
/// the deferred response (by its interaction `token`) with the summary or
/// the problems.
pub async fn finish_reload(http: &Http, live: &Arc<Live>, settings: &Settings, token: &str) {
    let reply = match reload(live, settings, "/reload").await {
        Some(result) => reload_reply(&result),
        None => EditInteractionResponse::new()
            .content("Reload failed unexpectedly; still serving the previous knowledge.")
            .allowed_mentions(no_pings()),
    };
    if let Err(e) = reply.execute(http, token).await {
        tracing::warn!(error = %e, "could not edit the reload response");
    }
}

/// Reloads the knowledge whenever the process receives SIGHUP.
///
/// # Errors
/// When the signal handler cannot be installed.
pub fn reload_on_sighup(live: Arc<Live>, settings: Settings) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("cannot listen for SIGHUP")?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                reload(&live, &settings, "SIGHUP").await;
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (live, settings);
    Ok(())
}
