//! The command line: [`Cli`] and its [`Command`]s, the tracing set-up,
//! and [`run`]. The commands live by kind: `commands` (ask, check, index,
//! eval, commands: the whole engine with no Discord at all), `servers`
//! (serve, serve-http, register) and `reports` (gaps, stats, export,
//! prune).

/// Appends a line to a `String` buffer (written to stdout at once, so a closed
/// stdout is an error, not a panic).
macro_rules! outln {
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}

mod commands;
mod demo;
mod log_lines;
mod report_text;
mod reports;
mod servers;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::{Config, Flags, LogConfig, LogFormat};
use crate::engine::{Engine, EngineError, Options, SemanticOptions};
use crate::knowledge::LoadError;
use commands::{ask, check, commands, eval, index, show_config};
pub use commands::{read_question, render_text, TextStyle};
use reports::{export, gaps, prune, stats};
use servers::{register, serve, serve_http};

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
    /// More log output: -v careerbot's own info (debug for the servers),
    /// -vv debug, -vvv every crate's debug. `log` / `CAREERBOT_LOG` replaces it.
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
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
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
    /// Register the application commands with Discord (reads DISCORD_TOKEN);
    /// say where: --guild, --global, or `dev_guild` in the config.
    Register {
        /// Register in this guild only (instant); default: dev_guild from the config.
        #[arg(long, conflicts_with = "global", value_parser = clap::value_parser!(u64).range(1..))]
        guild: Option<u64>,
        /// Register globally (all servers; may take up to an hour to show).
        #[arg(long)]
        global: bool,
    },
    /// Print the effective configuration: every key, its value and where it
    /// came from (default, file, environment, flag); secrets as [redacted].
    Config {
        /// Print it as JSON, keyed as in the file.
        #[arg(long)]
        json: bool,
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
        #[arg(long, conflicts_with = "articles")]
        json: bool,
        /// Print the knowledge's quality per article as a table instead:
        /// answers led, 👍, 👎, 👎 share and last use; the articles never
        /// used; those rated worse than the rest.
        #[arg(long)]
        articles: bool,
        /// Also write the chart of the period (questions and ratings per
        /// day) to this PNG file, as `/stats` attaches it.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
    },
    /// Print every insight record (questions, ratings, reloads) as JSON Lines.
    Export,
    /// Delete insight records older than `insights_max_age_days` now
    /// (the bots also do this at start and every hour).
    Prune,
    /// Moderators: this week's digest (questions against last week, the
    /// largest gaps, solutions to save, the worst-rated articles).
    Digest {
        /// One server's records only (default: every server and direct
        /// messages; `--post` covers the digest channel's server).
        #[arg(long, conflicts_with = "post")]
        guild: Option<u64>,
        /// Print it as JSON.
        #[arg(long, conflicts_with = "post")]
        json: bool,
        /// Post it in `digest_channel` now, through the REST API (reads
        /// DISCORD_TOKEN), unless this week's was posted already.
        #[arg(long)]
        post: bool,
    },
    /// Write four weeks of made-up insight records into an empty data
    /// directory (--data), to try `/stats` and `careerbot stats --png`.
    DemoInsights,
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

/// Writes `text` to stdout.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")
}

/// Targets that never log, at any level, whatever the filter says:
/// serenity's HTTP spans record each request, and the route of a follow-up
/// holds the interaction's webhook token, which would show in every line
/// logged inside them; serenity's gateway socket logs a frame it cannot
/// parse whole (at warn), and its dispatcher an event it does not know
/// (at debug: an interaction missing a field), interaction token included.
pub const SILENCED_TARGETS: &[&str] = &[
    "serenity::http",
    "serenity::gateway::ws",
    "serenity::client::dispatch",
];

/// Targets capped at debug, whatever the filter says: at trace, tungstenite
/// logs every gateway frame whole, interaction tokens and IDENTIFY's bot
/// token included; tokenizers logs five lines per character it normalises
/// (361,000 lines to embed the shipped knowledge base), the question's
/// text in them.
pub const CAPPED_TARGETS: &[&str] = &["tungstenite", "tokio_tungstenite", "tokenizers"];

/// Whether an event or span of `meta` may be logged at all: not from
/// [`SILENCED_TARGETS`], nor at trace from [`CAPPED_TARGETS`].
pub fn never_secret(meta: &tracing::Metadata<'_>) -> bool {
    let from = |targets: &[&str]| {
        targets
            .iter()
            .any(|target| meta.target().starts_with(target))
    };
    !(from(SILENCED_TARGETS) || (*meta.level() == tracing::Level::TRACE && from(CAPPED_TARGETS)))
}

/// careerbot's default filter at a verbosity: `level` counts `-v`s, plus
/// one for the servers. Other crates stay at warn until the third step, so
/// tantivy's housekeeping ("save metas") never shows by default.
pub fn default_filter(level: u8) -> &'static str {
    match level {
        0 => "warn",
        1 => "warn,careerbot=info",
        2 => "warn,careerbot=debug",
        3 => "debug",
        _ => "trace",
    }
}

/// The filter: the `log` key (or `CAREERBOT_LOG`) when set, else the
/// default at this verbosity.
pub fn log_filter(log: &LogConfig, verbose: u8, server: bool) -> tracing_subscriber::EnvFilter {
    let level = verbose.saturating_add(u8::from(server));
    log.filter
        .as_deref()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default_filter(level)))
}

/// careerbot's log subscriber: `filter`, only what [`never_secret`] lets through, one
/// line per event to `writer`, as text or as one JSON object.
pub fn subscriber<W>(
    filter: tracing_subscriber::EnvFilter,
    writer: W,
    ansi: bool,
    format: LogFormat,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    let silenced = tracing_subscriber::filter::filter_fn(never_secret);
    let registry = tracing_subscriber::registry().with(filter).with(silenced);
    match format {
        LogFormat::Text => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .with_ansi(ansi)
                    .with_target(false),
            ),
        ),
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_writer(writer),
            ),
        ),
    }
}

/// Installs the tracing subscriber (logs go to stderr, one line an event,
/// `secrets` redacted). See [`default_filter`] for what `-v` shows.
pub fn init_tracing(log: &LogConfig, verbose: u8, server: bool, secrets: Vec<String>) {
    let stderr = std::io::stderr().is_terminal();
    let subscriber = subscriber(
        log_filter(log, verbose, server),
        log_lines::LogLines::new(std::io::stderr, secrets),
        stderr,
        log.format,
    );
    // Also routes the `log` records of dependencies (tantivy) through it.
    let _ = tracing_subscriber::util::SubscriberInitExt::try_init(subscriber);
}

/// Parses the command line, loads the configuration, starts logging and
/// runs the command: the whole `careerbot` binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => suggest_subcommand(e).exit(),
    };
    if let Err(e) = cli.check() {
        e.exit();
    }
    let file = cli.config.clone().or_else(|| {
        std::env::var_os(crate::config::CONFIG_VARIABLE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let loaded = match Config::load(file.as_deref(), &cli.flags()) {
        Ok(loaded) => loaded,
        Err(e) => {
            // The configuration that would say "json" is what failed; the
            // variable may still say it.
            let json = std::env::var("CAREERBOT_LOG_FORMAT").is_ok_and(|f| f.trim() == "json");
            report_error(&e.to_string(), json);
            return ExitCode::from(2);
        }
    };
    init_tracing(
        &loaded.config.log,
        cli.verbose,
        cli.command.is_server(),
        loaded.config.secrets(),
    );
    run(&cli, &loaded)
}

/// clap suggests the subcommand most like a mistyped one by its own
/// measure, which ranks `gaps` above `ask` for `aks`. A transposed pair of
/// letters is one edit here (optimal string alignment), so the suggestion
/// is the subcommand fewest edits away.
fn suggest_subcommand(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use clap::CommandFactory as _;
    if e.kind() != ErrorKind::InvalidSubcommand {
        return e;
    }
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand).cloned() else {
        return e;
    };
    let command = Cli::command();
    let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    let best = crate::text::distance::closest_by(
        &typed,
        &names,
        |name| 2.min(name.len() - 1),
        crate::text::distance::Edits::WithSwaps,
    );
    if let Some(name) = best {
        e.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(vec![name.to_string()]),
        );
    }
    e
}

impl Cli {
    /// The values flags give for configuration keys.
    pub fn flags(&self) -> Flags {
        let text = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        Flags {
            knowledge_dir: text(&self.knowledge),
            index_dir: text(&self.index),
            data_dir: text(&self.data),
            listen: match &self.command {
                Command::ServeHttp { listen, .. } => listen.clone(),
                _ => None,
            },
        }
    }

    /// Checks what one argument's parser cannot: that `--shard-range` lies
    /// within `--shards`.
    ///
    /// # Errors
    /// A clap error, printed and exited on like clap's own.
    pub fn check(&self) -> Result<(), clap::Error> {
        use clap::CommandFactory as _;
        if let Command::Serve {
            shards: Some(total),
            shard_range: Some(range),
            ..
        } = &self.command
        {
            if range.end > *total {
                let mut command = Cli::command();
                command.build();
                let serve = command.find_subcommand_mut("serve").cloned();
                return Err(serve.unwrap_or(command).error(
                    clap::error::ErrorKind::ValueValidation,
                    format!(
                        "--shard-range {}..{} reaches past --shards {total}: the shards are 0 to {}",
                        range.start,
                        range.end,
                        total - 1
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Command {
    /// Whether the command runs a long-lived server.
    pub fn is_server(&self) -> bool {
        matches!(self, Command::Serve { .. } | Command::ServeHttp { .. })
    }
}

/// Runs a parsed command line with its configuration and returns the
/// process exit code.
pub fn run(cli: &Cli, loaded: &crate::config::Loaded) -> ExitCode {
    let config = &loaded.config;
    let result = match &cli.command {
        Command::Ask {
            json,
            explain,
            top,
            question,
        } => ask(config, *json, *explain, *top, question),
        Command::Check { json } => check(config, *json),
        Command::Config { json } => show_config(loaded, *json),
        Command::Commands { json } => commands(*json),
        Command::Serve {
            shards,
            shard_range,
            watch,
        } => serve(config, *shards, shard_range.clone(), *watch),
        Command::ServeHttp { watch, .. } => serve_http(config, *watch),
        Command::Register { guild, global } => register(config, *guild, *global),
        Command::Index => index(config),
        Command::Eval { sets, json, misses } => eval(config, sets, *json, *misses),
        Command::Gaps {
            days,
            guild,
            limit,
            json,
        } => gaps(config, *days, *guild, *limit, *json),
        Command::Stats {
            days,
            guild,
            json,
            articles,
            png,
        } => stats(config, *days, *guild, (*json, *articles), png.as_deref()),
        Command::Export => export(config),
        Command::DemoInsights => demo::demo_insights(config, cli.data.is_some()),
        Command::Digest { guild, json, post } => reports::digest(config, *guild, *json, *post),
        Command::Prune => prune(config),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`careerbot export | head`): it has what it
        // wanted, which is no error.
        Err(e) if closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let message = log_lines::redact(&causes(&e), &config.secrets());
            report_error(&message, config.log.format == LogFormat::Json);
            let invalid = e.downcast_ref::<KnowledgeInvalid>().is_some();
            ExitCode::from(if invalid { 1 } else { 2 })
        }
    }
}

/// Whether `e` is a write to a pipe whose reader has gone.
fn closed_pipe(e: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            == broken
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == broken
    })
}

/// Prints the error a command ended with: `error: …` on stderr, or in
/// JSON log mode one JSON object like the log lines.
fn report_error(message: &str, json: bool) {
    if json {
        let line = serde_json::json!({"level": "ERROR", "message": message, "target": "careerbot"});
        eprintln!("{line}");
    } else {
        // One line, whatever a path in it holds.
        eprintln!("error: {}", log_lines::one_line(message));
    }
}

/// An error and its causes, joined by ": ", each said once: a cause whose
/// text the one before it already holds (serenity's HTTP errors repeat
/// their source's message) is left out.
pub fn causes(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim().trim_end_matches('.');
        if text.is_empty() || parts.iter().any(|p| p.contains(text)) {
            continue;
        }
        parts.push(text.to_string());
    }
    parts.join(": ")
}

fn options(config: &Config, force_rebuild: bool, semantic: Option<SemanticOptions>) -> Options {
    Options {
        knowledge_dir: config.knowledge.dir.clone(),
        index_dir: Some(config.knowledge.index_dir.clone()),
        force_rebuild,
        limits: config.knowledge.limits,
        semantic,
    }
}

/// The semantic stage as configured: `None` with `semantic = false`, else
/// the shipped model or the `semantic_model` directory, loaded once for the
/// process. `background` serves lexically while a large knowledge base is
/// embedded; otherwise a terminal shows a progress bar.
///
/// # Errors
/// When the model directory cannot be read or is not a BERT
/// sentence-transformers model.
fn semantic(config: &Config, background: bool) -> anyhow::Result<Option<SemanticOptions>> {
    if !config.knowledge.semantic {
        return Ok(None);
    }
    let model = match &config.knowledge.semantic_model {
        Some(dir) => crate::semantic::Embedder::from_dir(dir)
            .with_context(|| format!("cannot load semantic_model {}", dir.display()))?,
        None => crate::semantic::Embedder::shipped().context("cannot load the shipped model")?,
    };
    let progress: Option<crate::engine::Progress> =
        (!background && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::hidden();
            let started = std::sync::Mutex::new(false);
            std::sync::Arc::new(move |done: usize, total: usize| {
                let mut shown = started
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if !*shown {
                    *shown = true;
                    bar.set_length(total as u64);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "embedding passages {bar:30} {pos}/{len} ({eta} left)",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                bar.set_position(done as u64);
                if done >= total {
                    bar.finish_and_clear();
                }
            }) as crate::engine::Progress
        });
    Ok(Some(SemanticOptions {
        model: std::sync::Arc::new(model),
        background,
        progress,
    }))
}

/// A knowledge base with errors, whose problems have been printed: the
/// command exits 1, not 2.
#[derive(Debug, thiserror::Error)]
#[error("knowledge base {} has {errors} error(s); fix them (see `careerbot check`)", .dir.display())]
pub struct KnowledgeInvalid {
    /// The knowledge directory.
    pub dir: PathBuf,
    /// How many errors it has.
    pub errors: usize,
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
            "DISCORD_TOKEN (or CAREERBOT_TOKEN, or the systemd credential discord_token) is not set; \
             put the bot token from the Discord developer portal in it"
        )
    })
}

/// Loads the engine; knowledge errors are printed in full.
///
/// # Errors
/// [`KnowledgeInvalid`] after printing the problems, or what else kept the
/// knowledge from loading.
fn load(config: &Config, force_rebuild: bool, show_progress: bool) -> anyhow::Result<Engine> {
    load_with(
        config,
        force_rebuild,
        show_progress,
        semantic(config, false)?,
    )
}

/// [`load`] with the semantic stage given.
fn load_with(
    config: &Config,
    force_rebuild: bool,
    show_progress: bool,
    semantic: Option<SemanticOptions>,
) -> anyhow::Result<Engine> {
    let json = config.log.format == LogFormat::Json;
    let mut progress = |done: usize, total: usize| {
        if show_progress && total >= 2000 {
            if json {
                tracing::warn!(done, total, "indexing");
            } else {
                eprintln!("indexing: {done}/{total} passages");
            }
        }
    };
    match Engine::load(&options(config, force_rebuild, semantic), &mut progress) {
        Ok(engine) => {
            tracing::info!(
                knowledge = %config.knowledge.dir.display(),
                articles = engine.knowledge.articles.len(),
                passages = engine.passages.len(),
                index = ?engine.info.origin,
                took_ms = engine.info.took.as_millis() as u64,
                "loaded the knowledge base"
            );
            if !engine.info.warnings.problems.is_empty() {
                tracing::info!(
                    warnings = engine.info.warnings.warning_count(),
                    "knowledge base has warnings; run `careerbot check`"
                );
            }
            Ok(engine)
        }
        Err(EngineError::Knowledge(LoadError::Invalid(report))) => {
            for problem in report.problems.iter().filter(|p| p.is_error()) {
                if json {
                    report_error(&problem.to_string(), true);
                } else {
                    eprintln!("{problem}");
                }
            }
            Err(KnowledgeInvalid {
                dir: config.knowledge.dir.clone(),
                errors: report.error_count(),
            }
            .into())
        }
        Err(e) => Err(e).context("cannot load knowledge base"),
    }
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

    #[derive(Debug, thiserror::Error)]
    #[error("Error while sending HTTP request.: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn each_cause_is_said_once() {
        let inner = std::io::Error::other("connection refused");
        let e = anyhow::Error::new(Repeats(inner)).context("the Discord gateway connection failed");
        assert_eq!(
            causes(&e),
            "the Discord gateway connection failed: Error while sending HTTP request.: connection refused"
        );
    }

    #[test]
    fn shard_ranges_past_the_total_are_refused_when_parsed() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.check());
        assert!(matches!(
            parse(&[
                "careerbot",
                "serve",
                "--shards",
                "4",
                "--shard-range",
                "2..4"
            ]),
            Ok(Ok(()))
        ));
        assert!(matches!(
            parse(&[
                "careerbot",
                "serve",
                "--shards",
                "4",
                "--shard-range",
                "2..5"
            ]),
            Ok(Err(_))
        ));
        assert!(parse(&["careerbot", "serve", "--shards", "0"]).is_err());
    }
}
