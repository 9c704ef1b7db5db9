//! Transports: the only layer (with `cli`) that touches sockets, tasks,
//! threads and signals. Both feed interactions through one path,
//! [`service::serve_one`], and deliver its responses; [`metrics`] counts
//! what they do.

pub mod connections;
pub mod digest;
pub mod endpoint;
pub mod expiring;
pub mod gateway;
pub mod messages;
pub mod metrics;
pub mod ops;
pub mod replay;
pub mod service;
pub mod solution;
pub mod watch;

use std::sync::Arc;

use anyhow::Context as _;
use backon::{ConstantBuilder, Retryable};
use serenity::builder::{Builder as _, CreateAttachment, EditInteractionResponse};
use serenity::http::{Http, HttpBuilder};
use serenity::model::application::Command;
use serenity::model::id::GuildId;

use crate::config::{Config, Secret};
use crate::discord::commands::reload_reply;
use crate::discord::gap_form;
use crate::discord::render::fit;
use crate::discord::render::no_pings;
use crate::discord::reply::{Chart, Deletion, GapAnswer};
use crate::engine::EngineError;
use crate::insights::ReloadRecord;
use crate::knowledge::community;
use crate::live::EditError;
use crate::live::{Live, ReloadSummary};
pub use service::{FollowUp, HelperCall, Settings};

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

/// Who changed the knowledge and how, for a reload careerbot did itself.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    /// A keyed hash of the moderator's user id.
    pub who: Option<String>,
    /// What changed.
    pub what: Option<String>,
}

/// Counts a reload, records it for `/stats` and sets the serving gauges.
fn record_reload(
    live: &Live,
    settings: &Settings,
    cause: &'static str,
    error: Option<String>,
    took: std::time::Duration,
    attribution: Attribution,
) {
    settings.metrics.reload(cause, error.is_none());
    let snapshot = live.current();
    settings
        .metrics
        .serving(snapshot.version, snapshot.passages.len());
    if let Some(insights) = &settings.insights {
        insights.reload(ReloadRecord {
            at: crate::insights::unix_now(),
            cause: cause.to_string(),
            ok: error.is_none(),
            version: snapshot.version,
            took_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            error,
            who: attribution.who,
            what: attribution.what,
        });
    }
}

/// Logs each knowledge problem of a failed reload, then the failure.
fn log_failure(cause: &'static str, problems: &[crate::knowledge::Problem], error: String) {
    for p in problems {
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
    tracing::warn!(cause, %error, "reload failed; still serving the previous knowledge");
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
    let error = match &outcome {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.explain()),
        Err(e) => Some(e.to_string()),
    };
    record_reload(
        live,
        settings,
        cause,
        error,
        started.elapsed(),
        Attribution::default(),
    );
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
                // The problems are logged one by one, then the error alone.
                Err(e) if !e.problems().is_empty() => {
                    log_failure(cause, e.problems(), e.to_string())
                }
                Err(e) => log_failure(cause, &[], e.explain()),
            }
            Some(result)
        }
        Err(e) => {
            tracing::error!(cause, error = %e, "reload task failed");
            None
        }
    }
}

/// The second half of a submitted gap form on either transport: writes
/// the answer to the moderators' article and reloads (off the runtime,
/// under the reload lock), records who and what, then edits the deferred
/// response (by its interaction `token`) with the result.
pub async fn finish_gap_answer(
    http: &Http,
    live: &Arc<Live>,
    settings: &Settings,
    token: &str,
    gap: GapAnswer,
) {
    const CAUSE: &str = "gap answer";
    let started = std::time::Instant::now();
    let task = Arc::clone(live);
    let mut answer = gap.answer.clone();
    answer.at = serenity::model::Timestamp::now().to_string();
    let outcome = tokio::task::spawn_blocking(move || {
        task.edit(|files| community::plan(files, &answer).map_err(|e| e.to_string()))
    })
    .await
    .unwrap_or_else(|e| Err(EditError::Refused(format!("the write task failed: {e}"))));
    let attribution = Attribution {
        who: settings
            .insights
            .as_ref()
            .map(|i| i.key(gap.moderator.get(), b"moderator")),
        what: Some(format!(
            "answered \"{}\" in {}",
            fit(&gap.answer.question, 200),
            community::FILE
        )),
    };
    let error = outcome.as_ref().err().map(EditError::explain);
    match &outcome {
        Ok(summary) => {
            tracing::info!(
                cause = CAUSE,
                version = summary.version,
                file = community::FILE,
                "a moderator answered a gap; reloaded"
            );
            // A marked solution saved this way waits in /gaps no more.
            if let (Some(insights), false) = (&settings.insights, gap.answer.link.is_empty()) {
                insights.saved(&gap.answer.link);
            }
        }
        Err(e) => log_failure(CAUSE, e.problems(), e.to_string()),
    }
    record_reload(live, settings, CAUSE, error, started.elapsed(), attribution);
    let reply = gap_form::written(&gap.answer, &outcome);
    if let Err(e) = reply.execute(http, token).await {
        tracing::warn!(error = %e, "could not edit the gap answer response");
    }
}

/// Deletes a public answer once its 🗑️ press is acknowledged: through the
/// press's interaction webhook (`token`), or as a channel message. On the
/// HTTP transport the delete can reach Discord before the acknowledgement
/// it follows, so a refused delete is tried twice more, a second apart.
pub async fn finish_delete(http: &Http, token: &str, deletion: Deletion) {
    let delete = || async move {
        match deletion {
            Deletion::Original => http.delete_original_interaction_response(token).await,
            Deletion::Message { channel, message } => {
                http.delete_message(
                    channel,
                    message,
                    Some("deleted by its asker or a moderator"),
                )
                .await
            }
        }
    };
    let deleted = delete
        .retry(racing_response())
        .notify(|e, _| tracing::debug!(error = %e, "delete refused; trying again"))
        .await;
    if let Err(e) = deleted {
        tracing::warn!(error = %e, "could not delete the answer");
    }
}

/// How a call that follows a response is tried: three times, a second
/// apart, as the HTTP transport's response may reach Discord after it.
fn racing_response() -> ConstantBuilder {
    ConstantBuilder::default()
        .with_delay(std::time::Duration::from_secs(1))
        .with_max_times(2)
}

/// What follows a response, on either transport, by the interaction's
/// `token`: the `/reload`, the delete, or the gap answer.
pub async fn follow_up(
    http: &Http,
    live: &Arc<Live>,
    settings: &Settings,
    token: &str,
    work: FollowUp,
) {
    match work {
        FollowUp::Reload => finish_reload(http, live, settings, token).await,
        FollowUp::Delete(deletion) => finish_delete(http, token, deletion).await,
        FollowUp::AnswerGap(gap) => finish_gap_answer(http, live, settings, token, *gap).await,
        FollowUp::CallHelpers(call) => call_helpers(http, settings, call).await,
        FollowUp::MarkSolution(s) => {
            solution::finish_mark_solution(http, settings, token, *s).await
        }
        FollowUp::Chart(chart) => attach_chart(http, token, *chart).await,
        FollowUp::TagSolved { thread, owner } => {
            solution::tag_solved(http, settings, thread, owner).await;
        }
    }
}

/// Attaches the `/stats` chart to the report just sent (by the
/// interaction's `token`): one multipart edit with the PNG, whose embed
/// shows it. A failure leaves the report as it was, and is logged.
pub async fn attach_chart(http: &Http, token: &str, chart: Chart) {
    // Over HTTP the edit may reach Discord before the response it edits
    // (as a delete may, above): a refused edit is tried again.
    let edit = || async {
        let file = CreateAttachment::bytes(chart.png.clone(), crate::insights::chart::FILE);
        EditInteractionResponse::new()
            .embed(chart.embed.clone())
            .new_attachment(file)
            .allowed_mentions(no_pings())
            .execute(http, token)
            .await
    };
    let edited = edit
        .retry(racing_response())
        .notify(|e, _| tracing::debug!(error = %e, "chart edit refused; trying again"))
        .await;
    if let Err(e) = edited {
        tracing::warn!(error = %e, "could not attach the /stats chart");
    }
}

/// Posts the helpers' call in a help-forum post's thread, pinging exactly
/// the helper roles; then careerbot's answer there stops asking "Did this
/// answer your question?", so no later **No** calls them again (in any
/// process, after any restart). A call that fails is forgotten.
pub async fn call_helpers(http: &Http, settings: &Settings, call: HelperCall) {
    use crate::discord::messages::{helper_call, HELPERS_ASKED};
    let Some(message) = helper_call(&settings.policy.helper_roles) else {
        return;
    };
    let thread = call.thread;
    if let Err(e) = thread.send_message(http, message).await {
        tracing::warn!(error = %e, "could not call the helpers");
        settings.helper_calls.failed(thread, call.owner);
        return;
    }
    tracing::info!(%thread, "called the helpers to a help-forum post");
    if let Some(answer) = call.answer {
        let asked = serenity::builder::EditMessage::new().content(HELPERS_ASKED);
        if let Err(e) = thread.edit_message(http, answer, asked).await {
            tracing::warn!(error = %e, "could not mark the forum answer as not helpful");
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
