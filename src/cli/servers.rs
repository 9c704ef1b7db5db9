//! The commands that talk to Discord: the two servers and `register`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use super::{load_with, options, semantic, token};
use crate::config::Config;
use crate::live::Live;
use crate::transport::Settings;

/// How long the runtime waits for blocking work (a reload) at exit.
const SHUTDOWN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub(super) fn serve(
    config: &Config,
    shards: Option<u32>,
    range: Option<std::ops::Range<u32>>,
    watch: bool,
) -> anyhow::Result<ExitCode> {
    let token = token(config)?;
    let (live, settings) = load_live(config)?;
    run_server(&settings.clone(), async {
        let ops = bind_if_set(config.ops_listen.as_deref(), "ops_listen").await?;
        reload_triggers(config, &live, &settings, watch)?;
        let sharding = crate::transport::gateway::Sharding {
            total: shards,
            range,
        };
        crate::transport::gateway::serve(
            config,
            &token,
            (live, settings),
            sharding,
            ops,
            shutdown_signal(),
        )
        .await
    })
}

/// The served knowledge and the settings to serve it with (insights
/// recording started).
///
/// # Errors
/// [`KnowledgeInvalid`] (its problems printed), or a store that cannot open.
fn load_live(config: &Config) -> anyhow::Result<(Arc<Live>, Settings)> {
    let semantic = semantic(config, true)?;
    let engine = load_with(config, false, false, semantic.clone())?;
    let live = Arc::new(Live::new(engine, options(config, false, semantic)));
    let settings = Settings::from_config(config).with_insights(config)?;
    Ok((live, settings))
}

/// Runs a server until it returns, then gives blocking work still running
/// (a reload from SIGHUP or --watch) a bounded time, and stores the
/// insights still queued, before exiting.
fn run_server(
    settings: &Settings,
    server: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    let served = runtime.block_on(server);
    runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
    settings.close_insights();
    served?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn serve_http(config: &Config, watch: bool) -> anyhow::Result<ExitCode> {
    use crate::transport::endpoint::{self, Endpoint};
    let key = endpoint::parse_public_key(config.discord.public_key.as_ref())?;
    let token = token(config)?;
    if !config.serving.auto_answer_channels.is_empty() {
        tracing::warn!(
            "auto_answer_channels is set, but serve-http receives only interactions: forum posts \
             and mentions are answered by `careerbot serve` (the gateway bot)"
        );
    }
    let (live, settings) = load_live(config)?;
    let addr = config.http.listen.clone();
    run_server(&settings.clone(), async {
        let listener = endpoint::bind(&addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let ops = bind_if_set(config.http.metrics_listen.as_deref(), "metrics_listen").await?;
        reload_triggers(config, &live, &settings, watch)?;
        let http = Arc::new(crate::transport::http(config, &token));
        let endpoint = Arc::new(Endpoint::new(
            live,
            settings,
            key,
            config.http.limits.clone(),
            config.discord.application_id,
            http,
        )?);
        endpoint::serve(endpoint, listener, ops, shutdown_signal()).await
    })
}

/// Listens on `addr`, the value of the key `key`, when it is set.
///
/// # Errors
/// When it cannot be bound, naming the address and the key.
async fn bind_if_set(
    addr: Option<&str>,
    key: &str,
) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    crate::transport::endpoint::bind(addr)
        .await
        .map(Some)
        .with_context(|| format!("cannot listen on {addr} ({key})"))
}

/// Reloads on SIGHUP and, with `watch`, on changes to the knowledge
/// directory. Call inside the runtime.
fn reload_triggers(
    config: &Config,
    live: &Arc<Live>,
    settings: &Settings,
    watch: bool,
) -> anyhow::Result<()> {
    crate::transport::reload_on_sighup(Arc::clone(live), settings.clone())?;
    if watch {
        use crate::transport::watch;
        tokio::spawn(watch::watch(
            Arc::clone(live),
            settings.clone(),
            config.knowledge.dir.clone(),
            watch::POLL,
            watch::DEBOUNCE,
        ));
    }
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

pub(super) fn register(
    config: &Config,
    guild: Option<u64>,
    global: bool,
) -> anyhow::Result<ExitCode> {
    let guild: Option<serenity::model::id::GuildId> = if global {
        None
    } else {
        let guild = guild
            .filter(|g| *g != 0)
            .map(serenity::model::id::GuildId::new)
            .or(config.discord.dev_guild);
        if guild.is_none() {
            anyhow::bail!(
                "say where to register the commands: --guild ID (one server, at once), \
                 --global (every server, may take up to an hour), or set dev_guild in the config"
            );
        }
        guild
    };
    let token = token(config)?;
    let http = crate::transport::http(config, &token);
    let count = runtime()?.block_on(crate::transport::register(&http, guild))?;
    match guild {
        Some(g) => println!("registered {count} command(s) in guild {g}"),
        None => println!(
            "registered {count} command(s) globally (they may take up to an hour to appear)"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `careerbot digest --post`: posts this week's digest in `digest_channel`
/// now, through the REST API, for the channel's server, unless it was
/// posted this week (by a bot or an earlier `--post`): the week is
/// claimed in the store first, and given back if Discord refuses the post.
pub(super) fn post_digest(
    config: &Config,
    store: &crate::insights::Store,
    week: i64,
) -> anyhow::Result<ExitCode> {
    let Some(target) = config.serving.digest else {
        anyhow::bail!("set digest_channel (or CAREERBOT_DIGEST_CHANNEL) to post the digest");
    };
    // Not even built (nor Discord asked for its server) when it was posted;
    // the claim below still decides a race.
    if store.digest_posted(week)? {
        eprintln!("this week's digest was posted already; nothing posted");
        return Ok(ExitCode::SUCCESS);
    }
    let token = token(config)?;
    let http = crate::transport::http(config, &token);
    let runtime = runtime()?;
    let guild = runtime.block_on(crate::transport::digest::guild_of(&http, target.channel))?;
    let digest = crate::insights::digest::digest(store, week, Some(guild))?;
    if !store.claim_digest(week, crate::insights::unix_now())? {
        eprintln!("this week's digest was posted already; nothing posted");
        return Ok(ExitCode::SUCCESS);
    }
    let message = crate::transport::digest::message(&digest, true);
    let plain = || crate::transport::digest::message(&digest, false);
    let sent = runtime.block_on(crate::transport::digest::send(
        &http,
        target.channel,
        message,
        plain,
    ));
    if let Err(e) = sent {
        store.release_digest(week)?;
        return Err(e);
    }
    println!("posted this week's digest in {}", target.channel);
    Ok(ExitCode::SUCCESS)
}
