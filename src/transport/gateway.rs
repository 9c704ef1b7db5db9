//! The gateway bot (`careerbot serve`): serenity's client receives
//! interactions over the gateway websocket; [`serve_one`] answers them; the
//! response is posted back. `/reload` defers first, rebuilds off the async
//! runtime and edits the deferred response. Messages that mention
//! careerbot and new posts in watched forums are answered by
//! [`super::messages`].

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;

use anyhow::Context as _;
use serenity::all::{
    ApplicationFlags, ConnectionStage, Context, EventHandler, GatewayIntents, GuildChannel,
    Interaction, Message, Ready, ShardStageUpdateEvent,
};
use serenity::async_trait;
use serenity::builder::Builder;
use serenity::client::ClientBuilder;
use serenity::http::Http;

use super::messages::{Answering, Forums};
use super::ops::Ops;
use super::service::{serve_one, Settings};
use crate::config::{Config, Secret};
use crate::discord::invocation::Invocation;
use crate::live::Live;

/// A task that stops when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

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
    shards: ShardsUp,
    forums: Forums,
}

impl Handler {
    fn answering<'a>(&'a self, ctx: &'a Context) -> Answering<'a> {
        Answering {
            http: &ctx.http,
            live: &self.live,
            settings: &self.settings,
            forums: &self.forums,
        }
    }
}

/// Which of this process's shards are connected: `/readyz` says ready
/// once all of them are.
#[derive(Debug, Default)]
struct ShardsUp {
    /// How many shards this process runs, when known before they connect
    /// (`--shards`, `--shard-range`); else each READY says the total.
    expected: Option<u32>,
    connected: std::sync::Mutex<std::collections::BTreeSet<u32>>,
}

impl ShardsUp {
    /// Marks `shard` up or down; whether every shard is now up. `total` is
    /// the shard count READY reported, for a process that runs them all.
    fn mark(&self, shard: u32, up: bool, total: Option<u32>) -> bool {
        let Ok(mut connected) = self.connected.lock() else {
            return false;
        };
        if up {
            connected.insert(shard);
        } else {
            connected.remove(&shard);
        }
        let expected = self.expected.or(total).unwrap_or(1).max(1);
        connected.len() >= expected as usize
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        tracing::info!(shard = ?ready.shard, guilds = ready.guilds.len(), "connected to the gateway");
        let (id, total) = ready.shard.map_or((0, None), |s| (s.id.0, Some(s.total)));
        if self.shards.mark(id, true, total) {
            self.ops.set_ready();
        }
    }

    async fn shard_stage_update(&self, _: Context, update: ShardStageUpdateEvent) {
        if let ConnectionStage::Disconnected | ConnectionStage::Resuming = update.new {
            tracing::info!(shard = %update.shard_id, stage = %update.new, "gateway connection lost");
            self.shards.mark(update.shard_id.0, false, None);
            self.ops.set_starting();
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        handle(&ctx.http, &self.live, &self.settings, &interaction).await;
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let bot = ctx.cache.current_user().id;
        self.answering(&ctx).message(bot, &msg).await;
    }

    async fn thread_create(&self, ctx: Context, thread: GuildChannel) {
        let bot = ctx.cache.current_user().id;
        let parent = thread.parent_id.and_then(|p| {
            let guild = ctx.cache.guild(thread.guild_id)?;
            guild.channels.get(&p).map(|c| c.kind)
        });
        self.answering(&ctx).thread(bot, parent, &thread).await;
    }
}

/// Answers one interaction through `http`: the response at once, and for
/// `/reload` the follow-up edit once the new knowledge is built.
pub async fn handle(http: &Http, live: &Arc<Live>, settings: &Settings, interaction: &Interaction) {
    let started = std::time::Instant::now();
    let (id, token) = (interaction.id(), interaction.token().to_string());
    let invocation = Invocation::new(&settings.policy.moderator_roles, interaction);
    let mut outcome = serve_one(live, settings, &invocation, started).await;
    super::solution::read_starter(http, &mut outcome, started).await;
    if let Err(e) = outcome.response.execute(http, (id, &token)).await {
        tracing::warn!(error = %e, "could not send the interaction response");
        return;
    }
    tracing::info!(took_us = started.elapsed().as_micros() as u64, "answered");
    if let Some(work) = outcome.follow_up {
        super::follow_up(http, live, settings, &token, work).await;
    }
}

/// The gateway intents `serve` asks for. Interactions need none; mentions
/// need the guild and direct messages; forum posts need the threads
/// (GUILDS) and, to read a post's first message, the privileged Message
/// Content intent. That one is asked for only when `forums` are watched
/// and the application has it enabled in the developer portal, since
/// Discord closes the connection (4014) when it is asked for without.
async fn intents(http: &Http, forums: bool) -> GatewayIntents {
    let base =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if !forums {
        return base;
    }
    match http.get_current_application_info().await {
        Ok(app) if has_message_content(app.flags) => base | GatewayIntents::MESSAGE_CONTENT,
        Ok(_) => {
            tracing::warn!(
                "auto_answer_channels is set, but the Message Content intent is not enabled for this \
                 application: forum posts are answered from their title alone. Turn it on in the \
                 developer portal (your application, Bot, Privileged Gateway Intents, Message \
                 Content Intent) and restart."
            );
            base
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the application's flags: the Message Content intent is not asked for, so forum posts are answered from their title alone");
            base
        }
    }
}

/// Whether the application may receive message content (the privileged
/// intent, or its limited form for bots in fewer than 100 servers).
pub fn has_message_content(flags: Option<ApplicationFlags>) -> bool {
    flags.is_some_and(|f| {
        f.intersects(
            ApplicationFlags::GATEWAY_MESSAGE_CONTENT
                | ApplicationFlags::GATEWAY_MESSAGE_CONTENT_LIMITED,
        )
    })
}

/// The gateway connection's end as an error that says what to do when
/// Discord refused the intents.
fn explain_close(error: anyhow::Error) -> anyhow::Error {
    let refused = matches!(
        error.downcast_ref::<serenity::Error>(),
        Some(serenity::Error::Gateway(
            serenity::gateway::GatewayError::DisallowedGatewayIntents
                | serenity::gateway::GatewayError::InvalidGatewayIntents
        ))
    );
    if refused {
        error.context(
            "Discord refused the gateway intents (close code 4014): enable the Message Content \
             intent in the developer portal (Bot, Privileged Gateway Intents), or leave \
             auto_answer_channels empty",
        )
    } else {
        error.context("the Discord gateway connection failed")
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

/// Starts posting the weekly digest, when a channel is set and insights
/// are on.
fn start_digest(
    config: &Config,
    http: Arc<Http>,
    insights: Option<Arc<crate::insights::Recorder>>,
) -> Option<AbortOnDrop> {
    match (config.serving.digest, insights) {
        (Some(digest), Some(insights)) => Some(AbortOnDrop(tokio::spawn(super::digest::run(
            http, insights, digest,
        )))),
        (Some(_), None) => {
            tracing::warn!("digest_channel is set but insights are off: no digest is posted");
            None
        }
        _ => None,
    }
}

/// Connects `client`'s shards as `sharding` says (all, some of a total,
/// or as many as Discord recommends), and runs them until they end.
async fn connect(client: &mut serenity::Client, sharding: Sharding) -> anyhow::Result<()> {
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
    let expected = match (&sharding.range, sharding.total) {
        (Some(range), _) => Some(range.end.saturating_sub(range.start)),
        (None, total) => total,
    };
    let forums = Forums::new(config.serving.auto_answer_channels.iter().copied());
    let http = super::http(config, token);
    let insights = settings.insights.clone();
    let intents = intents(&http, !forums.is_empty()).await;
    let handler = Handler {
        live,
        settings,
        ops: Arc::clone(&ops),
        shards: ShardsUp {
            expected,
            connected: std::sync::Mutex::default(),
        },
        forums,
    };
    let mut client = ClientBuilder::new_with_http(http, intents)
        .event_handler(handler)
        .await
        .context("cannot start the Discord client")?;
    if sharding.total == Some(0) {
        anyhow::bail!("--shards must be at least 1");
    }
    // The weekly digest posts through the bot's own client (one rate
    // limiter), and stops with the bot.
    let _digest = start_digest(config, Arc::clone(&client.http), insights);
    let shards = client.shard_manager.clone();
    let start = connect(&mut client, sharding);
    // Race the connection against shutdown, so a signal that arrives while
    // the shards are still starting is not lost.
    let ended = tokio::select! {
        result = start => Some(result),
        () = shutdown => None,
    };
    match ended {
        Some(result) => result.map_err(explain_close),
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
    fn ready_means_every_shard_of_this_process_is_connected() {
        let two = ShardsUp {
            expected: Some(2),
            ..ShardsUp::default()
        };
        assert!(!two.mark(4, true, Some(8)), "one of two");
        assert!(two.mark(5, true, Some(8)), "both");
        assert!(!two.mark(4, false, None), "one dropped");
        let all = ShardsUp::default();
        assert!(!all.mark(0, true, Some(2)), "Discord said two in all");
        assert!(all.mark(1, true, Some(2)));
        assert!(ShardsUp::default().mark(0, true, None), "no sharding: one");
    }

    #[test]
    fn message_content_is_either_of_its_two_application_flags() {
        assert!(!has_message_content(None));
        assert!(!has_message_content(Some(ApplicationFlags::empty())));
        assert!(has_message_content(Some(
            ApplicationFlags::GATEWAY_MESSAGE_CONTENT
        )));
        assert!(has_message_content(Some(
            ApplicationFlags::GATEWAY_MESSAGE_CONTENT_LIMITED
        )));
    }

    #[test]
    fn a_refusal_of_the_intents_says_what_to_do_and_other_ends_say_the_gateway_failed() {
        let refused =
            serenity::Error::Gateway(serenity::gateway::GatewayError::DisallowedGatewayIntents);
        let text = format!("{:#}", explain_close(refused.into()));
        assert!(
            text.contains("4014") && text.contains("Message Content"),
            "{text}"
        );
        let other = format!("{:#}", explain_close(anyhow::anyhow!("reset")));
        assert!(
            other.starts_with("the Discord gateway connection failed"),
            "{other}"
        );
    }

    #[test]
    fn shard_ranges_are_exclusive_for_us_and_inclusive_for_serenity() {
        assert_eq!(serenity_shard_range(&(0..4), 8), Ok(0..3));
        assert_eq!(serenity_shard_range(&(4..8), 8), Ok(4..7));
        assert_eq!(serenity_shard_range(&(7..8), 8), Ok(7..7), "one shard");
        assert!(serenity_shard_range(&(4..9), 8).is_err());
        assert!(serenity_shard_range(&(3..3), 8).is_err());
    }
}
