//! The gateway bot (`careerbot serve`): serenity's client receives
//! interactions over the gateway websocket; [`serve_one`] answers them; the
//! response is posted back. `/reload` defers first, rebuilds off the async
//! runtime and edits the deferred response.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;

use anyhow::Context as _;
use serenity::all::{
    ConnectionStage, Context, EventHandler, GatewayIntents, Interaction, Ready,
    ShardStageUpdateEvent,
};
use serenity::async_trait;
use serenity::builder::Builder;
use serenity::client::ClientBuilder;
use serenity::http::Http;

use super::ops::Ops;
use super::service::{serve_one, FollowUp, Settings};
use crate::config::{Config, Secret};
use crate::live::Live;

/// How the gateway connection is split into shards.
#[derive(Debug, Clone, Default)]
pub struct Sharding {
    /// Total shards; `None` lets Discord recommend.
    pub total: Option<u32>,
    /// The shards this process runs (end exclusive); `None` runs all.
    pub range: Option<Range<u32>>,
}

struct Handler {
    live: Arc<Live>,
    settings: Settings,
    ops: Arc<Ops>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        tracing::info!(shard = ?ready.shard, guilds = ready.guilds.len(), "connected to the gateway");
        self.ops.set_ready();
    }

    async fn shard_stage_update(&self, _: Context, update: ShardStageUpdateEvent) {
        match update.new {
            ConnectionStage::Connected => self.ops.set_ready(),
            ConnectionStage::Disconnected | ConnectionStage::Resuming => {
                tracing::info!(shard = %update.shard_id, stage = %update.new, "gateway connection lost");
                self.ops.set_starting();
            }
            _ => {}
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        handle(&ctx.http, &self.live, &self.settings, &interaction).await;
    }
}

/// Answers one interaction through `http`: the response at once, and for
/// `/reload` the follow-up edit once the new knowledge is built.
pub async fn handle(http: &Http, live: &Arc<Live>, settings: &Settings, interaction: &Interaction) {
    let started = std::time::Instant::now();
    let (id, token) = (interaction.id(), interaction.token().to_string());
    let outcome = serve_one(live, settings, interaction, started).await;
    if let Err(e) = outcome.response.execute(http, (id, &token)).await {
        tracing::warn!(error = %e, "could not send the interaction response");
        return;
    }
    tracing::info!(took_us = started.elapsed().as_micros() as u64, "answered");
    if outcome.follow_up == Some(FollowUp::Reload) {
        super::finish_reload(http, live, settings, &token).await;
    }
}

/// serenity's `start_shard_range` treats the range's end as inclusive; ours
/// (`--shard-range 0..4`) is exclusive like Rust's. Converts and checks it.
///
/// # Errors
/// When the range is empty or reaches past the total.
pub fn serenity_shard_range(range: &Range<u32>, total: u32) -> Result<Range<u32>, String> {
    if range.start >= range.end || range.end > total {
        return Err(format!(
            "shard range {}..{} must be non-empty and within 0..{total}",
            range.start, range.end
        ));
    }
    Ok(range.start..range.end - 1)
}

/// Runs the gateway bot until `shutdown` completes. `config` gives the API
/// base; `settings` are what dispatch answers with; `ops`, when given,
/// serves `/healthz`, `/readyz` (ready once connected) and `/metrics`.
///
/// # Errors
/// When the client cannot be built or the gateway connection fails for good.
pub async fn serve(
    config: &Config,
    token: &Secret,
    (live, settings): (Arc<Live>, Settings),
    sharding: Sharding,
    ops_listener: Option<tokio::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let ops = Arc::new(Ops::starting(
        Arc::clone(&live),
        Arc::clone(&settings.metrics),
        "the gateway connection",
    ));
    let ops_stop = tokio_util::sync::CancellationToken::new();
    let _stop_ops = ops_stop.clone().drop_guard();
    if let Some(listener) = ops_listener {
        super::ops::serve(Arc::clone(&ops), listener, ops_stop.clone());
    }
    let handler = Handler {
        live,
        settings,
        ops: Arc::clone(&ops),
    };
    // Interactions need no privileged intents.
    let mut client =
        ClientBuilder::new_with_http(super::http(config, token), GatewayIntents::empty())
            .event_handler(handler)
            .await
            .context("cannot start the Discord client")?;
    if sharding.total == Some(0) {
        anyhow::bail!("--shards must be at least 1");
    }
    let shards = client.shard_manager.clone();
    let start = async {
        match (sharding.total, sharding.range) {
            (Some(total), Some(range)) => {
                let range = serenity_shard_range(&range, total).map_err(anyhow::Error::msg)?;
                client
                    .start_shard_range(range, total)
                    .await
                    .map_err(anyhow::Error::from)
            }
            (Some(total), None) => client
                .start_shards(total)
                .await
                .map_err(anyhow::Error::from),
            (None, _) => client
                .start_autosharded()
                .await
                .map_err(anyhow::Error::from),
        }
    };
    // Race the connection against shutdown, so a signal that arrives while
    // the shards are still starting is not lost.
    let ended = tokio::select! {
        result = start => Some(result),
        () = shutdown => None,
    };
    match ended {
        Some(result) => result.context("the Discord gateway connection failed"),
        None => {
            tracing::info!("shutting down");
            ops.set_draining();
            shards.shutdown_all().await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_are_exclusive_for_us_and_inclusive_for_serenity() {
        assert_eq!(serenity_shard_range(&(0..4), 8), Ok(0..3));
        assert_eq!(serenity_shard_range(&(4..8), 8), Ok(4..7));
        assert_eq!(serenity_shard_range(&(7..8), 8), Ok(7..7), "one shard");
        assert!(serenity_shard_range(&(4..9), 8).is_err());
        assert!(serenity_shard_range(&(3..3), 8).is_err());
    }
}
