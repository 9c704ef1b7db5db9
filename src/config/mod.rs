//! The configuration: careerbot's defaults, then `careerbot.toml` (or
//! `--config`), then the environment (`CAREERBOT_<KEY>` for every key,
//! and a few older names), then flags, layered by figment
//! ([`layers`]). Every key is a field of [`Settings`]; [`Config`] is what
//! careerbot runs with, nested by the part that uses each group. Secrets
//! live in [`Secret`], whose `Debug` prints `[redacted]`.

mod layers;
mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serenity::model::id::{ApplicationId, ChannelId, GuildId};

use crate::discord::reply::Policy;
pub use layers::{Flags, CONFIG_VARIABLE, ENV_ALIASES, ENV_PREFIX, TOKEN_CREDENTIAL};
pub use settings::{
    LogFormat, Settings, DEFAULT_LOW_CONFIDENCE, DEFAULT_MAX_IN_FLIGHT, SECRET_KEYS,
};

/// The config file read when `--config` is not given (if it exists).
pub const DEFAULT_FILE: &str = "careerbot.toml";

/// A secret string (a bot token) that never shows in logs or errors: held
/// by `secrecy` (zeroed when dropped), and printed as `[redacted]`.
#[derive(Clone)]
pub struct Secret(secrecy::SecretString);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(secrecy::SecretString::from(value.into()))
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

/// Two configurations are equal when their secrets are (`config` tests).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

/// The credentials (`user:password`) an address holds before its host,
/// if any: `https://user:pw@proxy.example/` holds `user:pw`.
pub fn url_credentials(address: &str) -> Option<&str> {
    // After the scheme and however many slashes were typed (`https:/u:p@h`
    // too), or from the start when there is no scheme.
    let rest = match address.split_once(':') {
        Some((scheme, rest))
            if rest.starts_with('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            rest.trim_start_matches('/')
        }
        _ => address,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map(|(credentials, _)| credentials)
        .filter(|c| !c.is_empty())
}

/// `address` with the credentials it holds, if any, as `[redacted]`.
pub fn redact_url(address: &str) -> String {
    match url_credentials(address) {
        Some(credentials) => address.replacen(&format!("{credentials}@"), "[redacted]@", 1),
        None => address.to_string(),
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The settings careerbot runs with, grouped by the part that uses them.
/// Each group is passed down whole to its consumer.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the knowledge and its index are, and how much may be read.
    pub knowledge: KnowledgeConfig,
    /// How careerbot reaches Discord, and who it is there.
    pub discord: DiscordConfig,
    /// How interactions are served, on either transport.
    pub serving: Serving,
    /// The HTTP interactions endpoint (`serve-http`).
    pub http: HttpConfig,
    /// The insights store behind `/gaps` and `/stats`.
    pub insights: InsightsConfig,
    /// Where `serve` answers `/healthz`, `/readyz` and `/metrics`
    /// (`ops_listen`, default none).
    pub ops_listen: Option<String>,
    /// How careerbot logs.
    pub log: LogConfig,
}

impl Default for Config {
    // The defaults are constants that a unit test resolves: the one place
    // careerbot's own code may not fail, so `expect` rather than an error.
    #[allow(clippy::expect_used)]
    fn default() -> Self {
        Settings::default()
            .resolve(&|_| Source::Default)
            .expect("careerbot's defaults are valid")
    }
}

/// How careerbot logs.
#[derive(Debug, Clone, Default)]
pub struct LogConfig {
    /// A tracing filter directive replacing the default (`log`, or
    /// `CAREERBOT_LOG`; default: careerbot's own events at info for the
    /// servers and at warn for the other commands, other crates' at warn).
    pub filter: Option<String>,
    /// `text` or `json` (`log_format`, default `text`).
    pub format: LogFormat,
}

/// The knowledge base and its index.
#[derive(Debug, Clone)]
pub struct KnowledgeConfig {
    /// The knowledge directory (`knowledge_dir`, default `knowledge`).
    pub dir: PathBuf,
    /// The index directory (`index_dir`, default `index`).
    pub index_dir: PathBuf,
    /// How much of the knowledge directory may be read
    /// (`max_article_bytes`, default 4194304, a larger file is an error,
    /// never read whole; `max_knowledge_bytes`, default 67108864, so a
    /// reload cannot exhaust memory).
    pub limits: crate::knowledge::Limits,
    /// Whether answers use the sentence-embedding model beside the words
    /// (`semantic`, default true).
    pub semantic: bool,
    /// A sentence-transformers directory used instead of the shipped
    /// all-MiniLM-L6-v2 (`semantic_model`, default none).
    pub semantic_model: Option<PathBuf>,
}

/// Discord's API and careerbot's application.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// A Discord-compatible API base, e.g. a rate-limit proxy (`discord_api_base`, default Discord itself).
    pub api_base: Option<String>,
    /// The bot token (`DISCORD_TOKEN` only; never in the file).
    pub token: Option<Secret>,
    /// The application's public key, hex (`public_key` or `DISCORD_PUBLIC_KEY`).
    /// Not secret, but never printed: a token pasted here by mistake is.
    pub public_key: Option<Secret>,
    /// The application ID for follow-ups (`application_id` or
    /// `DISCORD_APPLICATION_ID`, default: taken from each interaction).
    pub application_id: Option<ApplicationId>,
    /// The guild that `register` uses when `--guild` is not given (`dev_guild`, default none).
    pub dev_guild: Option<GuildId>,
}

/// What every interaction is served with.
#[derive(Debug, Clone)]
pub struct Serving {
    /// Moderator roles (`moderator_roles`, default none: Manage Server
    /// only) and whether `/ask` answers privately unless asked otherwise
    /// (`private_by_default`, default false).
    pub policy: Policy,
    /// Per-user pause between questions (`cooldown_seconds`, default 3).
    pub cooldown: Duration,
    /// Interactions handled at once by one process (`max_in_flight`,
    /// default 256); more wait up to 1.5 s, then get a "busy" reply.
    pub max_in_flight: usize,
    /// Forum channels whose new posts `serve` answers in the post's thread
    /// (`auto_answer_channels`, default none).
    pub auto_answer_channels: Vec<ChannelId>,
    /// The forum tag "Mark solution" applies (`solved_tag`, default
    /// `Solved`, matched case-insensitively).
    pub solved_tag: String,
    /// The weekly digest (`digest_channel`, default none: off;
    /// `digest_weekday`, default Monday; `digest_hour`, UTC, default 9).
    pub digest: Option<Digest>,
}

/// Where and when `serve` posts the weekly digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    /// The channel.
    pub channel: ChannelId,
    /// The weekday and hour.
    pub schedule: crate::insights::digest::Schedule,
}

/// Where `serve-http` listens, and its limits.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Where `serve-http` listens (`listen`, default `127.0.0.1:8080`).
    pub listen: String,
    /// A separate address for `/metrics` (`metrics_listen`, default none:
    /// `/metrics` is served beside the interactions).
    pub metrics_listen: Option<String>,
    /// Its limits.
    pub limits: HttpLimits,
}

/// The limits `serve-http` serves with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// How far a request's signature timestamp may be from now, either way
    /// (`signature_window_seconds`, default 300).
    pub signature_window: Duration,
    /// Largest request body read (`max_body_bytes`, default 262144).
    pub max_body_bytes: usize,
    /// Time a client has to send its request headers, and again its body;
    /// also how long an idle keep-alive connection stays open
    /// (`request_timeout_seconds`, default 10, at least 1).
    pub request_timeout: Duration,
    /// Connections held open at once (`max_connections`, default 512).
    /// When all are open, a new one takes the place of one that is not
    /// serving a signed request and has been idle 100 ms (the oldest of the
    /// peer holding the most); else it waits in the queue.
    pub max_connections: usize,
    /// How long to keep serving after SIGTERM while `/readyz` says 503, so
    /// a load balancer stops sending first (`drain_seconds`, default 0).
    pub drain: Duration,
}

impl HttpLimits {
    /// How long an interaction id must stay refused: a signed request is
    /// valid for the whole window on either side of its timestamp.
    pub fn replay_period(&self) -> Duration {
        self.signature_window * 2 + Duration::from_secs(2)
    }
}

/// The insights store.
#[derive(Debug, Clone)]
pub struct InsightsConfig {
    /// Whether the bots record questions, ratings and reloads for `/gaps`
    /// and `/stats` (`insights`, default true).
    pub enabled: bool,
    /// Where the database lives (`data_dir` or `CAREERBOT_DATA`, default
    /// `data`); records older than `insights_max_age_days` (default 90, at
    /// least 1) are deleted; records carry members' user ids only with
    /// `insights_record_users` (default false); answers whose best passage
    /// holds less than `low_confidence` of the question (0 to 1, default
    /// 0.5) are recorded as low confidence.
    pub options: crate::insights::Options,
}

/// Where a key's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// careerbot's default.
    Default,
    /// The config file, at this line when it could be found.
    File {
        /// The file.
        path: PathBuf,
        /// The line that sets the key.
        line: Option<usize>,
    },
    /// A systemd credential (the token only).
    Credential(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(&'static str),
}

impl Source {
    /// How an error names `key` set from here: the variable or the flag
    /// itself, or the key and where in the file.
    pub fn names(&self, key: &str) -> String {
        match self {
            Source::Default => key.to_string(),
            Source::File {
                path,
                line: Some(line),
            } => format!("{key} in {} (line {line})", path.display()),
            Source::File { path, line: None } => format!("{key} in {}", path.display()),
            Source::Credential(path) => format!("the credential {}", path.display()),
            Source::Env(name) => name.clone(),
            Source::Flag(flag) => flag.to_string(),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File {
                path,
                line: Some(line),
            } => write!(f, "file {}:{line}", path.display()),
            Source::File { path, line: None } => write!(f, "file {}", path.display()),
            Source::Credential(path) => write!(f, "credential {}", path.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {}: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why, as the operating system says.
        error: std::io::Error,
    },
    /// The file is not TOML.
    #[error("invalid config file {}: {message}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A key or variable careerbot does not know.
    #[error("unknown {at}{}", .suggestion.as_ref().map(|s| format!("; did you mean {s}?")).unwrap_or_default())]
    Unknown {
        /// The key and where it is set, or the variable.
        at: String,
        /// The closest real name.
        suggestion: Option<String>,
    },
    /// A value of the wrong type or out of its range.
    #[error("invalid {at}: {message}")]
    Value {
        /// The key and where it is set, or the variable or flag.
        at: String,
        /// What is wrong (never the value of a secret).
        message: String,
    },
}

/// A loaded configuration, with what each key was set to and where.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What careerbot runs with.
    pub config: Config,
    /// Every key's value.
    pub settings: Settings,
    /// Every key's source.
    pub sources: BTreeMap<String, Source>,
}

/// One key of the effective configuration, as `careerbot config` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key, as in the file.
    pub key: String,
    /// Its value; `null` when unset; a secret that is set is the string
    /// `[redacted]`.
    pub value: serde_json::Value,
    /// Where it came from.
    pub source: Source,
}

impl Loaded {
    /// Every key, its value (secrets redacted) and its source, by key.
    pub fn entries(&self) -> Vec<Entry> {
        let values = match serde_json::to_value(&self.settings) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        values
            .into_iter()
            .map(|(key, value)| {
                let value = match value {
                    value if SECRET_KEYS.contains(&key.as_str()) && !value.is_null() => {
                        serde_json::Value::String("[redacted]".to_string())
                    }
                    serde_json::Value::String(address) if key == "discord_api_base" => {
                        serde_json::Value::String(redact_url(&address))
                    }
                    value => value,
                };
                let source = self.sources.get(&key).cloned().unwrap_or(Source::Default);
                Entry { key, value, source }
            })
            .collect()
    }
}

impl Config {
    /// What must never reach a log line: the bot token, and credentials
    /// in `discord_api_base`.
    pub fn secrets(&self) -> Vec<String> {
        let token = self.discord.token.as_ref().map(|t| t.expose().to_string());
        let credentials = self
            .discord
            .api_base
            .as_deref()
            .and_then(url_credentials)
            .map(str::to_string);
        token.into_iter().chain(credentials).collect()
    }

    /// Layers careerbot's defaults, `file` (or `careerbot.toml` when it
    /// exists), a systemd credential for the token, the environment, and
    /// `flags`, and checks every value.
    ///
    /// # Errors
    /// When the file is unreadable or invalid, a key or `CAREERBOT_`
    /// variable is unknown, or a value is of the wrong type or out of range.
    pub fn load(file: Option<&Path>, flags: &Flags) -> Result<Loaded, ConfigError> {
        let file = match file {
            Some(p) => Some(p.to_path_buf()),
            None if Path::new(DEFAULT_FILE).is_file() => Some(PathBuf::from(DEFAULT_FILE)),
            None => None,
        };
        let layers = layers::Layers::new(file.as_deref(), flags)?;
        let settings = layers.extract()?;
        let sources = layers.sources();
        let config =
            settings.resolve(&|key| sources.get(key).cloned().unwrap_or(Source::Default))?;
        Ok(Loaded {
            config,
            settings,
            sources,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_an_address_are_found_however_it_is_typed() {
        for (address, credentials) in [
            ("https://bob:pw@proxy.example/", Some("bob:pw")),
            ("https:/bob:pw@proxy.example/", Some("bob:pw")),
            ("bob:pw@proxy.example", Some("bob:pw")),
            ("https://proxy.example/a@b", None),
            ("https://proxy.example/", None),
        ] {
            assert_eq!(url_credentials(address), credentials, "{address}");
        }
        assert_eq!(redact_url("https:/bob:pw@h/"), "https:/[redacted]@h/");
    }
    use serenity::model::id::RoleId;

    /// Loads `text` as the config file.
    fn load_text(text: &str) -> Result<Loaded, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("careerbot.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path), &Flags::default())
    }

    #[test]
    fn semantic_is_on_by_default_and_an_empty_model_directory_is_unset() {
        let loaded = load_text("").unwrap();
        assert!(loaded.config.knowledge.semantic);
        assert_eq!(loaded.config.knowledge.semantic_model, None);
        let loaded = load_text("semantic = false\nsemantic_model = \"  \"\n").unwrap();
        assert!(!loaded.config.knowledge.semantic);
        assert_eq!(
            loaded.config.knowledge.semantic_model, None,
            "as in the environment"
        );
        let loaded = load_text("semantic_model = \"/srv/models/m\"\n").unwrap();
        assert_eq!(
            loaded.config.knowledge.semantic_model.as_deref(),
            Some(std::path::Path::new("/srv/models/m"))
        );
    }

    #[test]
    fn the_defaults_are_valid_and_an_explicit_file_must_exist() {
        let c = Config::default();
        assert_eq!(c.serving.cooldown, Duration::from_secs(3));
        assert_eq!(c.http.listen, "127.0.0.1:8080");
        assert_eq!(c.http.limits.max_body_bytes, 262_144);
        assert_eq!(c.insights.options.max_age, Duration::from_secs(90 * 86_400));
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        let e = Config::load(Some(&missing), &Flags::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot read config file") && e.contains("No such file"),
            "the OS error says why: {e}"
        );
    }

    #[test]
    fn the_file_sets_keys_and_flags_win_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("careerbot.toml");
        std::fs::write(
            &path,
            "knowledge_dir = \"kb\"\nmoderator_roles = [42]\nprivate_by_default = true\nlisten = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let flags = Flags {
            listen: Some("127.0.0.1:7000".to_string()),
            ..Flags::default()
        };
        let loaded = Config::load(Some(&path), &flags).unwrap();
        let c = &loaded.config;
        assert_eq!(c.knowledge.dir, PathBuf::from("kb"));
        assert_eq!(c.serving.policy.moderator_roles, vec![RoleId::new(42)]);
        assert!(c.serving.policy.private_by_default);
        assert_eq!(c.http.listen, "127.0.0.1:7000");
        assert_eq!(loaded.sources["listen"], Source::Flag("--listen"));
        assert_eq!(
            loaded.sources["knowledge_dir"],
            Source::File {
                path: path.clone(),
                line: Some(1)
            }
        );
        assert_eq!(loaded.sources["max_connections"], Source::Default);
    }

    #[test]
    fn zero_where_one_is_the_least_is_an_error_naming_the_key() {
        for key in [
            "max_connections",
            "request_timeout_seconds",
            "insights_max_age_days",
            "max_in_flight",
            "max_article_bytes",
        ] {
            let e = load_text(&format!("\n{key} = 0\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(key) && e.contains("line 2") && e.contains("at least 1"),
                "{e}"
            );
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion_and_bad_types_name_the_key() {
        let e = load_text("knowledge = \"kb\"\n").unwrap_err().to_string();
        assert!(
            e.contains("unknown knowledge") && e.contains("did you mean knowledge_dir?"),
            "{e}"
        );
        let e = load_text("max_conections = 5\n").unwrap_err().to_string();
        assert!(e.contains("did you mean max_connections?"), "{e}");
        let e = load_text("max_connections = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("max_connections in") && e.contains("line 1"),
            "{e}"
        );
        let e = load_text("low_confidence = 1.5\n").unwrap_err().to_string();
        assert!(
            e.contains("low_confidence") && e.contains("between 0 and 1"),
            "{e}"
        );
        let e = load_text("log_format = \"xml\"\n").unwrap_err().to_string();
        assert!(e.contains("log_format") && e.contains("json"), "{e}");
        let e = load_text("listen = \"8080\"\n").unwrap_err().to_string();
        assert!(e.contains("listen in") && e.contains("host:port"), "{e}");
        let e = load_text("dev_guild = 0\n").unwrap_err().to_string();
        assert!(
            e.contains("dev_guild") && e.contains("not a Discord id"),
            "{e}"
        );
        let e = load_text("key = [\n").unwrap_err().to_string();
        assert!(
            e.contains("invalid config file") && e.contains("line"),
            "{e}"
        );
    }

    #[test]
    fn the_token_is_never_read_from_a_file_and_secrets_are_redacted() {
        let e = load_text("token = \"abc\"\n").unwrap_err().to_string();
        assert!(
            e.contains("never read from a file") && !e.contains("abc"),
            "{e}"
        );
        let loaded = load_text(&format!("public_key = \"{}\"\n", "ab".repeat(32))).unwrap();
        assert!(!format!("{:?}", loaded.config).contains(&"ab".repeat(32)));
        let entry = loaded
            .entries()
            .into_iter()
            .find(|e| e.key == "public_key")
            .unwrap();
        assert_eq!(entry.value, serde_json::json!("[redacted]"));
    }

    #[test]
    fn every_key_is_an_entry_and_ids_take_either_form() {
        let loaded = load_text("moderator_roles = [\"7\", 8]\napplication_id = \"9\"\n").unwrap();
        assert_eq!(
            loaded.config.serving.policy.moderator_roles,
            vec![RoleId::new(7), RoleId::new(8)]
        );
        assert_eq!(
            loaded.config.discord.application_id,
            Some(ApplicationId::new(9))
        );
        let keys: Vec<String> = loaded.entries().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, Settings::keys());
        assert!(keys.len() >= 28, "{keys:?}");
    }
}
