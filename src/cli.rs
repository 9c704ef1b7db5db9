//! The command line. `ask`, `check`, `index` and `eval` run the whole
//! engine with no Discord at all; `commands` prints the Discord commands.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::answer::Answer;
use crate::config::Config;
use crate::engine::{Engine, EngineError, IndexOrigin, Options};
use crate::eval::{evaluate, QuestionSet};
use crate::knowledge::{self, LoadError};
use crate::live::Live;
use crate::transport::Settings;

/// careerbot: answers career questions from a knowledge base.
#[derive(Debug, Parser)]
#[command(name = "careerbot", version, about)]
pub struct Cli {
    /// Knowledge directory: Markdown/text articles, tools.toml, courses.toml [default: knowledge].
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Index directory, built here when missing or out of date [default: index].
    #[arg(long, global = true, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Data directory for the insights store [default: data].
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Config file [default: careerbot.toml, if it exists].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question; without one, answer each line of stdin.
    Ask {
        /// Print one JSON object per answer.
        #[arg(long)]
        json: bool,
        /// Also print how the question was read (concepts, synonyms, typos) to stderr.
        #[arg(long)]
        explain: bool,
        /// How many passages to show.
        #[arg(long, default_value_t = crate::answer::DEFAULT_PASSAGES, value_parser = parse_top)]
        top: usize,
        /// The question (several words are joined).
        question: Vec<String>,
    },
    /// Validate the knowledge base and report every problem.
    Check {
        /// Print problems as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the index now.
    Index,
    /// Run the Discord bot over the gateway (reads DISCORD_TOKEN).
    Serve {
        /// Total number of shards (default: Discord's recommendation).
        #[arg(long)]
        shards: Option<u32>,
        /// The shards this process runs, e.g. 0..4 runs shards 0, 1, 2 and 3 (needs --shards).
        #[arg(long, value_parser = parse_range, requires = "shards")]
        shard_range: Option<std::ops::Range<u32>>,
        /// Reload when the knowledge directory changes (debounced).
        #[arg(long)]
        watch: bool,
    },
    /// Serve interactions over HTTP, as Discord's Interactions Endpoint URL
    /// (reads DISCORD_PUBLIC_KEY, and DISCORD_TOKEN for /reload follow-ups).
    ServeHttp {
        /// Address to listen on (default: `listen` from the config, 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Reload when the knowledge directory changes (debounced).
        #[arg(long)]
        watch: bool,
    },
    /// Register the application commands with Discord (reads DISCORD_TOKEN).
    Register {
        /// Register in this guild only (instant); default: dev_guild from the config.
        #[arg(long, conflicts_with = "global")]
        guild: Option<u64>,
        /// Register globally (all servers; may take up to an hour to show).
        #[arg(long)]
        global: bool,
    },
    /// Print the Discord application commands careerbot registers.
    Commands {
        /// Print the exact JSON that registration sends.
        #[arg(long)]
        json: bool,
    },
    /// Moderators: the questions the knowledge base did not answer well
    /// (declined, low confidence, rated 👎), similar ones grouped.
    Gaps {
        /// How many days back.
        #[arg(long, default_value_t = crate::discord::commands::DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        days: u32,
        /// One server's records only (default: every server and direct messages).
        #[arg(long)]
        guild: Option<u64>,
        /// Groups shown at most (the JSON has all).
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Moderators: questions per day, answered rate, articles used, ratings, reloads.
    Stats {
        /// How many days back.
        #[arg(long, default_value_t = crate::discord::commands::DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        days: u32,
        /// One server's records only (default: every server and direct messages).
        #[arg(long)]
        guild: Option<u64>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print every insight record (questions, ratings, reloads) as JSON Lines.
    Export,
    /// Delete insight records older than `insights_max_age_days` now
    /// (the bots also do this at start and every hour).
    Prune,
    /// Measure answer quality on question sets (hit@1, hit@3, declined).
    Eval {
        /// Question set files (TOML).
        #[arg(required = true)]
        sets: Vec<PathBuf>,
        /// Print scores as JSON.
        #[arg(long)]
        json: bool,
        /// List the questions that missed.
        #[arg(long)]
        misses: bool,
    },
}

/// Appends a line to a `String` buffer (written to stdout at once, so a closed
/// stdout is an error, not a panic).
macro_rules! outln {
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}

/// Writes `text` to stdout.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")
}

/// Targets that never log, at any level: serenity's HTTP spans record each
/// request, and the route of a follow-up holds the interaction's webhook
/// token, which would show in every line logged inside them.
pub const SILENCED_TARGETS: &[&str] = &["serenity::http"];

/// The filter for `CAREERBOT_LOG` or the default level.
pub fn log_filter(verbose: u8, server: bool) -> tracing_subscriber::EnvFilter {
    let default = match verbose.saturating_add(u8::from(server)) {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::EnvFilter::try_from_env("CAREERBOT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
}

/// careerbot's log subscriber: `filter`, never [`SILENCED_TARGETS`], one
/// line per event to `writer`.
pub fn subscriber<W>(
    filter: tracing_subscriber::EnvFilter,
    writer: W,
    ansi: bool,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    let silenced = tracing_subscriber::filter::filter_fn(|meta| {
        !SILENCED_TARGETS
            .iter()
            .any(|target| meta.target().starts_with(target))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(silenced)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(ansi)
                .with_target(false),
        )
}

/// Installs the tracing subscriber (logs go to stderr). Servers log at
/// info by default, other commands at warn; `-v` raises it, and
/// `CAREERBOT_LOG` (an `EnvFilter` directive) overrides it.
pub fn init_tracing(verbose: u8, server: bool) {
    let subscriber = subscriber(
        log_filter(verbose, server),
        std::io::stderr,
        std::io::stderr().is_terminal(),
    );
    // Also routes the `log` records of dependencies (tantivy) through it.
    let _ = tracing_subscriber::util::SubscriberInitExt::try_init(subscriber);
}

impl Command {
    /// Whether the command runs a long-lived server.
    pub fn is_server(&self) -> bool {
        matches!(self, Command::Serve { .. } | Command::ServeHttp { .. })
    }
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    // Flags beat the environment, which beats careerbot.toml, which beats defaults.
    let config = match Config::load(cli.config.as_deref(), &|name| std::env::var(name).ok()) {
        Ok(mut config) => {
            if let Some(dir) = &cli.knowledge {
                config.knowledge.dir = dir.clone();
            }
            if let Some(dir) = &cli.index {
                config.knowledge.index_dir = dir.clone();
            }
            if let Some(dir) = &cli.data {
                config.insights.options.data_dir = dir.clone();
            }
            config
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let result = match &cli.command {
        Command::Ask {
            json,
            explain,
            top,
            question,
        } => ask(&config, *json, *explain, *top, question),
        Command::Check { json } => check(&config.knowledge.dir, &config.knowledge.limits, *json),
        Command::Commands { json } => commands(*json),
        Command::Serve {
            shards,
            shard_range,
            watch,
        } => serve(&config, *shards, shard_range.clone(), *watch),
        Command::ServeHttp { listen, watch } => serve_http(&config, listen.as_deref(), *watch),
        Command::Register { guild, global } => register(&config, *guild, *global),
        Command::Index => index(&config),
        Command::Eval { sets, json, misses } => eval(&config, sets, *json, *misses),
        Command::Gaps {
            days,
            guild,
            limit,
            json,
        } => gaps(&config, *days, *guild, *limit, *json),
        Command::Stats { days, guild, json } => stats(&config, *days, *guild, *json),
        Command::Export => export(&config),
        Command::Prune => prune(&config),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn options(config: &Config, force_rebuild: bool) -> Options {
    Options {
        knowledge_dir: config.knowledge.dir.clone(),
        index_dir: Some(config.knowledge.index_dir.clone()),
        force_rebuild,
        limits: config.knowledge.limits,
    }
}

/// Prints a knowledge base's errors; the exit code for them.
fn knowledge_errors(report: &crate::knowledge::Report, dir: &Path) -> ExitCode {
    for problem in report.problems.iter().filter(|p| p.is_error()) {
        eprintln!("{problem}");
    }
    eprintln!(
        "error: knowledge base {} has {} error(s); fix them (see `careerbot check`)",
        dir.display(),
        report.error_count()
    );
    ExitCode::from(1)
}

fn parse_range(s: &str) -> Result<std::ops::Range<u32>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("\"{s}\" is not a range like 0..4"))?;
    let (a, b) = (a.trim().parse::<u32>(), b.trim().parse::<u32>());
    match (a, b) {
        (Ok(a), Ok(b)) if a < b => Ok(a..b),
        _ => Err(format!(
            "\"{s}\" is not a range like 0..4 (start below end)"
        )),
    }
}

fn token(config: &Config) -> anyhow::Result<crate::config::Secret> {
    config.discord.token.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "DISCORD_TOKEN is not set; put the bot token from the Discord developer portal in it"
        )
    })
}

/// How long the runtime waits for blocking work (a reload) at exit.
const SHUTDOWN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn serve(
    config: &Config,
    shards: Option<u32>,
    range: Option<std::ops::Range<u32>>,
    watch: bool,
) -> anyhow::Result<ExitCode> {
    let token = token(config)?;
    let (live, settings) = match load_live(config)? {
        Ok(served) => served,
        Err(code) => return Ok(code),
    };
    run_server(&settings.clone(), async {
        reload_triggers(config, &live, &settings, watch)?;
        let sharding = crate::transport::gateway::Sharding {
            total: shards,
            range,
        };
        crate::transport::gateway::serve(
            config,
            &token,
            live,
            settings,
            sharding,
            shutdown_signal(),
        )
        .await
    })
}

/// The served knowledge and the settings to serve it with (insights
/// recording started), or the exit code for a knowledge base with errors
/// (which are printed).
fn load_live(config: &Config) -> anyhow::Result<Result<(Arc<Live>, Settings), ExitCode>> {
    let engine = match load(config, false, false)? {
        Ok(engine) => engine,
        Err(code) => return Ok(Err(code)),
    };
    let live = Arc::new(Live::new(engine, options(config, false)));
    let settings = Settings::from_config(config).with_insights(config)?;
    Ok(Ok((live, settings)))
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

fn serve_http(config: &Config, listen: Option<&str>, watch: bool) -> anyhow::Result<ExitCode> {
    use crate::transport::endpoint::{self, Endpoint};
    let key = endpoint::parse_public_key(config.discord.public_key.as_ref())?;
    let token = token(config)?;
    let (live, settings) = match load_live(config)? {
        Ok(served) => served,
        Err(code) => return Ok(code),
    };
    let addr = listen.unwrap_or(&config.http.listen).to_string();
    run_server(&settings.clone(), async {
        let listener = endpoint::bind(&addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let ops = match &config.http.metrics_listen {
            Some(ops) => Some(
                tokio::net::TcpListener::bind(ops)
                    .await
                    .with_context(|| format!("cannot listen on {ops} (metrics_listen)"))?,
            ),
            None => None,
        };
        reload_triggers(config, &live, &settings, watch)?;
        let http = Arc::new(crate::transport::http(config, &token));
        let endpoint = Arc::new(Endpoint::new(
            live,
            settings,
            key,
            config.http.limits.clone(),
            config.discord.application_id,
            http,
        ));
        endpoint::serve(endpoint, listener, ops, shutdown_signal()).await
    })
}

/// Opens the insights store the config names, for the moderators' commands.
fn insights_store(config: &Config) -> anyhow::Result<crate::insights::Store> {
    let path = config
        .insights
        .options
        .data_dir
        .join(crate::insights::store::FILE);
    if !path.is_file() {
        anyhow::bail!(
            "no insights store at {}: the bot has recorded nothing yet, or data_dir points elsewhere",
            path.display()
        );
    }
    Ok(crate::insights::Store::open(
        &config.insights.options.data_dir,
    )?)
}

fn gaps(
    config: &Config,
    days: u32,
    guild: Option<u64>,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = insights_store(config)?;
    // The current knowledge names the closest passage of questions never
    // answered; without it the report still lists the questions.
    let engine = match Engine::load(&options(config, false), &mut |_, _| {}) {
        Ok(engine) => Some(engine),
        Err(e) => {
            eprintln!("warning: without closest passages: cannot load the knowledge base: {e}");
            None
        }
    };
    let mut report =
        crate::insights::report::gaps(&store, crate::insights::unix_now(), days, guild)?;
    if let Some(engine) = &engine {
        // Text shows `limit` groups; JSON has all of them.
        let shown = if json { report.groups.len() } else { limit };
        report.find_closest(0..shown, engine);
    }
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        emit(&report.to_text(limit))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn stats(config: &Config, days: u32, guild: Option<u64>, json: bool) -> anyhow::Result<ExitCode> {
    let store = insights_store(config)?;
    let report = crate::insights::report::stats(&store, crate::insights::unix_now(), days, guild)?;
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        emit(&report.to_text())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn export(config: &Config) -> anyhow::Result<ExitCode> {
    let store = insights_store(config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for record in store.export()? {
        serde_json::to_writer(&mut out, &record).context("cannot write to stdout")?;
        out.write_all(b"\n").context("cannot write to stdout")?;
    }
    out.flush().context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn prune(config: &Config) -> anyhow::Result<ExitCode> {
    let mut store = insights_store(config)?;
    let pruned = store.prune(crate::insights::unix_now(), config.insights.options.max_age)?;
    println!(
        "deleted {} question(s), {} rating(s) and {} reload(s) older than {} day(s)",
        pruned.questions,
        pruned.ratings,
        pruned.reloads,
        config.insights.options.max_age.as_secs() / 86_400
    );
    Ok(ExitCode::SUCCESS)
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

fn register(config: &Config, guild: Option<u64>, global: bool) -> anyhow::Result<ExitCode> {
    let token = token(config)?;
    let http = crate::transport::http(config, &token);
    let guild: Option<serenity::model::id::GuildId> = if global {
        None
    } else {
        guild
            .filter(|g| *g != 0)
            .map(serenity::model::id::GuildId::new)
            .or(config.discord.dev_guild)
    };
    let count = runtime()?.block_on(crate::transport::register(&http, guild))?;
    match guild {
        Some(g) => println!("registered {count} command(s) in guild {g}"),
        None => println!(
            "registered {count} command(s) globally (they may take up to an hour to appear)"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the engine; knowledge errors are printed in full.
fn load(
    config: &Config,
    force_rebuild: bool,
    show_progress: bool,
) -> anyhow::Result<Result<Engine, ExitCode>> {
    let mut progress = |done: usize, total: usize| {
        if show_progress && total >= 2000 {
            eprintln!("indexing: {done}/{total} passages");
        }
    };
    match Engine::load(&options(config, force_rebuild), &mut progress) {
        Ok(engine) => {
            if !engine.info.warnings.problems.is_empty() {
                tracing::info!(
                    warnings = engine.info.warnings.warning_count(),
                    "knowledge base has warnings; run `careerbot check`"
                );
            }
            Ok(Ok(engine))
        }
        Err(EngineError::Knowledge(LoadError::Invalid(report))) => {
            Ok(Err(knowledge_errors(&report, &config.knowledge.dir)))
        }
        Err(e) => Err(e).context("cannot load knowledge base"),
    }
}

fn ask(
    config: &Config,
    json: bool,
    explain: bool,
    top: usize,
    question: &[String],
) -> anyhow::Result<ExitCode> {
    let engine = match load(config, false, true)? {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    let stdout = std::io::stdout();
    let color = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !question.is_empty() {
        let joined = question.join(" ");
        let question = crate::search::question_prefix(&joined);
        if explain {
            explain_question(&engine, question);
        }
        let answer = engine.ask_with(question, top);
        print_answer(&mut out, &answer, json, color)?;
    } else {
        // One question per line; answers in the same order.
        // Lines that are not UTF-8 are read lossily rather than ending the batch.
        let mut stdin = std::io::stdin().lock();
        let mut raw = Vec::new();
        while read_question(&mut stdin, &mut raw, crate::search::MAX_QUESTION_BYTES)
            .context("cannot read a question from stdin")?
        {
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if explain {
                explain_question(&engine, line);
            }
            let answer = engine.ask_with(line, top);
            print_answer(&mut out, &answer, json, color)?;
        }
    }
    out.flush().context("cannot write answers")?;
    Ok(ExitCode::SUCCESS)
}

/// Reads one line of `input` into `line` (without its newline), keeping
/// its first `max` bytes (cut at a character) and discarding the rest as it
/// streams by, so a line of any length costs `max` bytes of memory. `false`
/// at the end of input.
///
/// # Errors
/// When reading fails.
pub fn read_question(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (part, used, end) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        input.consume(used);
        if end {
            break;
        }
    }
    if line.ends_with(b"\r") {
        line.pop();
    }
    // A character cut in two at the limit is dropped, not shown as U+FFFD.
    if let Err(e) = std::str::from_utf8(line) {
        if e.error_len().is_none() {
            line.truncate(e.valid_up_to());
        }
    }
    Ok(any)
}

fn explain_question(engine: &Engine, question: &str) {
    let understood = engine.understand(question);
    eprintln!(
        "coverage {:.2}, in scope: {}",
        understood.coverage, understood.in_scope
    );
    for c in &understood.concepts {
        let alternatives: Vec<String> = c
            .alternatives
            .iter()
            .map(|a| format!("{}@{:.2}", a.stems.join(" "), a.weight))
            .collect();
        eprintln!(
            "  {:<20} {:<24} group={:<12} weak={} -> {}",
            c.label,
            format!("{:?}", c.status),
            c.group.as_deref().unwrap_or("-"),
            c.weak,
            alternatives.join(", ")
        );
    }
}

fn print_answer(
    out: &mut impl Write,
    answer: &Answer,
    json: bool,
    color: bool,
) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, answer).context("cannot write answer")?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render_text(answer, color))?;
    }
    Ok(())
}

/// A readable answer for the terminal.
pub fn render_text(answer: &Answer, color: bool) -> String {
    let (bold, plain) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut s = String::new();
    s.push_str(&format!("Q: {}\n\n", answer.question().trim()));
    if let Some(message) = answer.message() {
        s.push_str(message);
        s.push_str("\n\n");
    }
    for (from, to) in answer.corrections() {
        s.push_str(&format!("(read \"{from}\" as \"{to}\")\n"));
    }
    for (i, p) in answer.passages().iter().enumerate() {
        let heading = if p.section.is_empty() {
            p.article.clone()
        } else {
            format!("{} › {}", p.article, p.section)
        };
        s.push_str(&format!("[{}] {heading}\n", i + 1));
        for line in p.highlighted(bold, plain).lines() {
            s.push_str(&format!("    {line}\n"));
        }
        if let Some(source) = &p.source {
            s.push_str(&format!("    Source: {source}\n"));
        }
        s.push('\n');
    }
    if !answer.tools().is_empty() {
        s.push_str("Tools\n");
        for list in answer.tools() {
            s.push_str(&format!("  {}: {}\n", list.category, list.items.join(", ")));
        }
        s.push('\n');
    }
    if !answer.courses().is_empty() {
        s.push_str("Courses\n");
        for c in answer.courses() {
            let platform = match c.platform.as_deref() {
                Some(p) if p != c.provider => format!(" on {p}"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "  - {} ({}{platform}): {}\n",
                c.title, c.provider, c.url
            ));
        }
        s.push('\n');
    }
    s
}

fn check(dir: &Path, limits: &knowledge::Limits, json: bool) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let files = match knowledge::read_dir_with(dir, limits) {
        Ok(files) => files,
        Err(e) => return Err(e).context("cannot check knowledge base"),
    };
    let (kb, report) = knowledge::parse(&files);
    if json {
        outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).context("cannot write report")?
        );
    } else {
        for problem in &report.problems {
            outln!(out, "{problem}");
        }
        let passages = crate::chunk::chunk_all(&kb.articles).len();
        outln!(
            out,
            "{}: {} article(s), {passages} passage(s), {} tool categor{}, {} course(s); {} error(s), {} warning(s)",
            dir.display(),
            kb.articles.len(),
            kb.tools.len(),
            if kb.tools.len() == 1 { "y" } else { "ies" },
            kb.courses.len(),
            report.error_count(),
            report.warning_count()
        );
    }
    emit(&out)?;
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn commands(json: bool) -> anyhow::Result<ExitCode> {
    let definitions = crate::discord::commands::definitions_json();
    let mut out = String::new();
    if json {
        out = serde_json::to_string_pretty(&definitions).context("cannot write commands")?;
        out.push('\n');
    } else {
        for command in definitions.as_array().into_iter().flatten() {
            let name = command["name"].as_str().unwrap_or("?");
            let description = command["description"].as_str().unwrap_or("");
            let shown = if command["type"].as_u64() == Some(3) {
                format!("{name} (message menu)")
            } else {
                format!("/{name}")
            };
            outln!(out, "{shown:<24} {description}");
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn index(config: &Config) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let engine = match load(config, true, true)? {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    let place = match (&engine.info.origin, &engine.info.index_path) {
        (IndexOrigin::InMemory, _) | (_, None) => {
            "in memory (index directory not writable)".to_string()
        }
        (_, Some(path)) => path.display().to_string(),
    };
    outln!(
        out,
        "indexed {} passage(s) from {} article(s) in {:.1?} -> {place}",
        engine.passages.len(),
        engine.knowledge.articles.len(),
        engine.info.took
    );
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn eval(config: &Config, sets: &[PathBuf], json: bool, misses: bool) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let engine = match load(config, false, true)? {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    for path in sets {
        let set = QuestionSet::from_file(path)?;
        let scores = evaluate(&engine, &set);
        if json {
            outln!(
                out,
                "{}",
                serde_json::json!({ "set": path.display().to_string(), "scores": scores })
            );
            continue;
        }
        outln!(
            out,
            "{}: {} questions, hit@1 {:.3}, hit@3 {:.3}, wrongly declined {}; out of scope {}, declined {:.3}",
            path.display(),
            scores.questions,
            scores.hit_at_1,
            scores.hit_at_3,
            scores.wrongly_declined,
            scores.out_of_scope,
            scores.declined
        );
        if misses {
            for m in &scores.misses {
                let rank = if m.rank == 0 {
                    "miss".to_string()
                } else {
                    format!("rank {}", m.rank)
                };
                outln!(
                    out,
                    "  {rank:>7}  {}  (first: {})",
                    m.question,
                    m.first.as_deref().unwrap_or("-")
                );
            }
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn parse_top(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=25).contains(&n) => Ok(n),
        _ => Err(format!("\"{s}\" is not a number from 1 to 25")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_any_length_is_read_as_its_first_bytes_and_the_next_line_follows() {
        // 100 MB of one line, generated as it is read: never held whole.
        let huge = std::io::Read::take(std::io::repeat(b'a'), 100_000_000);
        let rest = std::io::Cursor::new("\u{e9}t\u{e9} salary?\r\nwhat databases?".as_bytes());
        let mut input = std::io::BufReader::new(std::io::Read::chain(huge, rest));
        let mut line = Vec::new();
        assert!(read_question(&mut input, &mut line, 2_000).unwrap());
        assert_eq!(line.len(), 2_000);
        assert!(
            line.capacity() < 64 * 1024,
            "the line was not buffered whole"
        );
        assert!(read_question(&mut input, &mut line, 2_000).unwrap());
        assert_eq!(line, b"what databases?");
        assert!(!read_question(&mut input, &mut line, 2_000).unwrap());
    }

    #[test]
    fn a_character_cut_by_the_limit_is_dropped_whole() {
        let mut input = std::io::Cursor::new("ab\u{e9}cd\n".as_bytes());
        let mut line = Vec::new();
        assert!(read_question(&mut input, &mut line, 3).unwrap());
        assert_eq!(line, b"ab");
    }
}
