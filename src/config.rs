//! `careerbot.toml` (optional) and `CAREERBOT_*`/`DISCORD_*` environment
//! variables -> a validated [`Config`], nested by the part of careerbot
//! that uses each group. Every key has a default. Secrets live in
//! [`Secret`], whose `Debug` prints `[redacted]`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serenity::model::id::{ApplicationId, GuildId, RoleId};

use crate::discord::reply::Policy;

/// Interactions one process handles at once unless `max_in_flight` says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// The config file read when `--config` is not given (if it exists).
pub const DEFAULT_FILE: &str = "careerbot.toml";

/// A secret string (a bot token) that never shows in logs or errors.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The settings careerbot runs with, grouped by the part that uses them.
/// Each group is passed down whole to its consumer.
#[derive(Debug, Clone, Default)]
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
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            dir: PathBuf::from("knowledge"),
            index_dir: PathBuf::from("index"),
            limits: crate::knowledge::Limits::default(),
        }
    }
}

/// Discord's API and careerbot's application.
#[derive(Debug, Clone, Default)]
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
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            policy: Policy::default(),
            cooldown: Duration::from_secs(3),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
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

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:8080".to_string(),
            metrics_listen: None,
            limits: HttpLimits::default(),
        }
    }
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

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            signature_window: Duration::from_secs(300),
            max_body_bytes: 256 * 1024,
            request_timeout: Duration::from_secs(10),
            max_connections: 512,
            drain: Duration::ZERO,
        }
    }
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

impl Default for InsightsConfig {
    fn default() -> Self {
        InsightsConfig {
            enabled: true,
            options: crate::insights::Options {
                data_dir: PathBuf::from("data"),
                max_age: Duration::from_secs(90 * 86_400),
                record_users: false,
                low_confidence: DEFAULT_LOW_CONFIDENCE,
            },
        }
    }
}

/// Default of `low_confidence`.
pub const DEFAULT_LOW_CONFIDENCE: f32 = 0.5;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    knowledge_dir: Option<PathBuf>,
    index_dir: Option<PathBuf>,
    moderator_roles: Option<Vec<u64>>,
    dev_guild: Option<u64>,
    private_by_default: Option<bool>,
    cooldown_seconds: Option<u64>,
    discord_api_base: Option<String>,
    listen: Option<String>,
    public_key: Option<String>,
    application_id: Option<u64>,
    signature_window_seconds: Option<u64>,
    max_body_bytes: Option<usize>,
    request_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
    drain_seconds: Option<u64>,
    metrics_listen: Option<String>,
    max_in_flight: Option<usize>,
    data_dir: Option<PathBuf>,
    insights: Option<bool>,
    insights_max_age_days: Option<u64>,
    insights_record_users: Option<bool>,
    low_confidence: Option<f32>,
    max_article_bytes: Option<u64>,
    max_knowledge_bytes: Option<u64>,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("invalid config file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// An environment variable has a bad value.
    #[error("invalid {name}: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong (never the value of a secret).
        message: String,
    },
}

impl Config {
    /// Reads `path` (or `careerbot.toml` when it exists), then applies the
    /// environment as read by `env`.
    ///
    /// # Errors
    /// When the file is unreadable or invalid, or a variable has a bad value.
    pub fn load(
        path: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let path = match path {
            Some(p) => Some(p.to_path_buf()),
            None if Path::new(DEFAULT_FILE).is_file() => Some(PathBuf::from(DEFAULT_FILE)),
            None => None,
        };
        let file = match &path {
            Some(p) => read_file(p)?,
            None => File::default(),
        };
        let mut config = Config::default();
        config
            .apply_file(file)
            .map_err(|message| ConfigError::Invalid {
                path: path.unwrap_or_default(),
                message,
            })?;
        config.apply_env(env)?;
        Ok(config)
    }

    /// Takes the values the file sets.
    ///
    /// # Errors
    /// A value out of its range, as a message naming the key.
    fn apply_file(&mut self, file: File) -> Result<(), String> {
        let k = &mut self.knowledge;
        set(&mut k.dir, file.knowledge_dir);
        set(&mut k.index_dir, file.index_dir);
        k.limits.max_article_bytes = at_least_one(
            "max_article_bytes",
            file.max_article_bytes,
            k.limits.max_article_bytes,
        )?;
        k.limits.max_knowledge_bytes = at_least_one(
            "max_knowledge_bytes",
            file.max_knowledge_bytes,
            k.limits.max_knowledge_bytes,
        )?;
        let d = &mut self.discord;
        d.dev_guild = file.dev_guild.filter(|g| *g != 0).map(GuildId::new);
        d.api_base = file.discord_api_base;
        d.public_key = file.public_key.map(Secret::new);
        d.application_id = file
            .application_id
            .filter(|a| *a != 0)
            .map(ApplicationId::new);
        let s = &mut self.serving;
        s.policy.moderator_roles = file
            .moderator_roles
            .unwrap_or_default()
            .into_iter()
            .filter(|r| *r != 0)
            .map(RoleId::new)
            .collect();
        s.policy.private_by_default = file.private_by_default.unwrap_or(false);
        set(
            &mut s.cooldown,
            file.cooldown_seconds.map(Duration::from_secs),
        );
        set(&mut s.max_in_flight, file.max_in_flight.map(|n| n.max(1)));
        let h = &mut self.http;
        set(&mut h.listen, file.listen);
        h.metrics_listen = file.metrics_listen;
        let l = &mut h.limits;
        set(
            &mut l.signature_window,
            file.signature_window_seconds.map(Duration::from_secs),
        );
        set(&mut l.max_body_bytes, file.max_body_bytes);
        set(
            &mut l.request_timeout,
            file.request_timeout_seconds
                .map(|s| Duration::from_secs(s.max(1))),
        );
        set(
            &mut l.max_connections,
            file.max_connections.map(|n| n.max(1)),
        );
        set(&mut l.drain, file.drain_seconds.map(Duration::from_secs));
        let i = &mut self.insights;
        i.enabled = file.insights.unwrap_or(true);
        let o = &mut i.options;
        set(&mut o.data_dir, file.data_dir);
        set(
            &mut o.max_age,
            file.insights_max_age_days
                .map(|days| Duration::from_secs(days.clamp(1, 36_500) * 86_400)),
        );
        o.record_users = file.insights_record_users.unwrap_or(false);
        if let Some(share) = file.low_confidence {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!(
                    "low_confidence is {share}; it must be between 0 and 1"
                ));
            }
            o.low_confidence = share;
        }
        Ok(())
    }

    /// Takes the values the environment sets, over the file's.
    ///
    /// # Errors
    /// A variable with a bad value, named.
    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        set(
            &mut self.knowledge.dir,
            env("CAREERBOT_KNOWLEDGE").map(PathBuf::from),
        );
        set(
            &mut self.knowledge.index_dir,
            env("CAREERBOT_INDEX").map(PathBuf::from),
        );
        set(
            &mut self.insights.options.data_dir,
            env("CAREERBOT_DATA").map(PathBuf::from),
        );
        if let Some(v) = env("CAREERBOT_MODERATOR_ROLES") {
            self.serving.policy.moderator_roles = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parse_id("CAREERBOT_MODERATOR_ROLES", s).map(RoleId::new))
                .collect::<Result<_, _>>()?;
        }
        let d = &mut self.discord;
        if let Some(v) = env("CAREERBOT_DEV_GUILD") {
            d.dev_guild = Some(GuildId::new(parse_id("CAREERBOT_DEV_GUILD", &v)?));
        }
        if let Some(v) = env("DISCORD_API_BASE") {
            d.api_base = Some(v);
        }
        if let Some(base) = &d.api_base {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(ConfigError::Env {
                    name: "discord_api_base",
                    message: format!("\"{base}\" is not an http(s) URL"),
                });
            }
        }
        if let Some(v) = env("DISCORD_PUBLIC_KEY") {
            d.public_key = Some(Secret::new(v));
        }
        if let Some(v) = env("DISCORD_APPLICATION_ID") {
            d.application_id = Some(ApplicationId::new(parse_id("DISCORD_APPLICATION_ID", &v)?));
        }
        d.token = env("DISCORD_TOKEN")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(Secret::new);
        Ok(())
    }
}

/// Sets `target` to `value` when there is one.
fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// `value` if given and not 0, else `default`.
///
/// # Errors
/// When it is 0, naming `key`.
fn at_least_one(key: &str, value: Option<u64>, default: u64) -> Result<u64, String> {
    match value {
        Some(0) => Err(format!("{key} is 0; it must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(default),
    }
}

fn read_file(path: &Path) -> Result<File, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| crate::knowledge::line_col(&text, s.start));
        let message = e.message().trim().to_string();
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message: match at {
                Some((line, col)) => format!("{message} at line {line}, column {col}"),
                None => message,
            },
        }
    })
}

fn parse_id(name: &'static str, s: &str) -> Result<u64, ConfigError> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n != 0)
        .ok_or_else(|| ConfigError::Env {
            name,
            message: format!("\"{s}\" is not a Discord id (a number)"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert!(
            Config::load(Some(&missing), &no_env).is_err(),
            "an explicit file must exist"
        );
        let c = Config::load(None, &no_env).unwrap();
        assert_eq!(c.serving.cooldown, Duration::from_secs(3));
        assert!(c.discord.token.is_none());
    }

    #[test]
    fn file_then_environment_and_the_token_is_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("careerbot.toml");
        std::fs::write(
            &path,
            "knowledge_dir = \"kb\"\nmoderator_roles = [42]\nprivate_by_default = true\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "DISCORD_TOKEN" => Some("secret-token-value".to_string()),
            "CAREERBOT_INDEX" => Some("/tmp/idx".to_string()),
            _ => None,
        };
        let c = Config::load(Some(&path), &env).unwrap();
        assert_eq!(c.knowledge.dir, PathBuf::from("kb"));
        assert_eq!(c.knowledge.index_dir, PathBuf::from("/tmp/idx"));
        assert_eq!(c.serving.policy.moderator_roles, vec![RoleId::new(42)]);
        assert!(c.serving.policy.private_by_default);
        assert_eq!(
            c.discord.token.as_ref().unwrap().expose(),
            "secret-token-value"
        );
        assert!(!format!("{c:?}").contains("secret-token-value"));
    }

    #[test]
    fn http_endpoint_keys_have_defaults_and_can_be_set() {
        let c = Config::load(None, &no_env).unwrap();
        assert_eq!(c.http.listen, "127.0.0.1:8080");
        assert_eq!(c.http.limits.signature_window, Duration::from_secs(300));
        assert_eq!(c.http.limits.max_body_bytes, 262_144);
        assert_eq!(c.http.limits.request_timeout, Duration::from_secs(10));
        assert!(c.discord.public_key.is_none() && c.discord.application_id.is_none());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("careerbot.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nsignature_window_seconds = 60\nmax_body_bytes = 1024\nrequest_timeout_seconds = 0\napplication_id = 7\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "DISCORD_PUBLIC_KEY" => Some("ab".repeat(32)),
            "DISCORD_APPLICATION_ID" => Some("99".to_string()),
            _ => None,
        };
        let c = Config::load(Some(&path), &env).unwrap();
        assert_eq!(c.http.listen, "0.0.0.0:9000");
        assert_eq!(c.http.limits.signature_window, Duration::from_secs(60));
        assert_eq!(c.http.limits.max_body_bytes, 1024);
        assert_eq!(
            c.http.limits.request_timeout,
            Duration::from_secs(1),
            "at least a second"
        );
        assert_eq!(
            c.discord.application_id,
            Some(ApplicationId::new(99)),
            "env wins"
        );
        assert!(!format!("{c:?}").contains(&"ab".repeat(32)));
        let bad = |k: &str| (k == "DISCORD_APPLICATION_ID").then(|| "app".to_string());
        assert!(Config::load(None, &bad).is_err());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("careerbot.toml");
        std::fs::write(&path, "knowledge = \"kb\"\n").unwrap();
        let e = Config::load(Some(&path), &no_env).unwrap_err().to_string();
        assert!(e.contains("unknown field") && e.contains("line 1"), "{e}");
        let env = |k: &str| (k == "CAREERBOT_DEV_GUILD").then(|| "abc".to_string());
        let e = Config::load(None, &env).unwrap_err().to_string();
        assert!(e.contains("CAREERBOT_DEV_GUILD"), "{e}");
        std::fs::write(&path, "low_confidence = 1.5\n").unwrap();
        let e = Config::load(Some(&path), &no_env).unwrap_err().to_string();
        assert!(
            e.contains("low_confidence") && e.contains("between 0 and 1"),
            "{e}"
        );
    }

    #[test]
    fn insights_keys_have_defaults_and_can_be_set() {
        let c = Config::load(None, &no_env).unwrap();
        assert!(c.insights.enabled && !c.insights.options.record_users);
        assert_eq!(c.insights.options.data_dir, PathBuf::from("data"));
        assert_eq!(c.insights.options.max_age, Duration::from_secs(90 * 86_400));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("careerbot.toml");
        std::fs::write(
            &path,
            "data_dir = \"d\"\ninsights = false\ninsights_max_age_days = 0\ninsights_record_users = true\nlow_confidence = 0.8\n",
        )
        .unwrap();
        let env = |k: &str| (k == "CAREERBOT_DATA").then(|| "/var/lib/careerbot".to_string());
        let c = Config::load(Some(&path), &env).unwrap();
        assert_eq!(
            c.insights.options.data_dir,
            PathBuf::from("/var/lib/careerbot"),
            "env wins"
        );
        assert!(!c.insights.enabled && c.insights.options.record_users);
        assert_eq!(
            c.insights.options.max_age,
            Duration::from_secs(86_400),
            "at least a day"
        );
        assert!((c.insights.options.low_confidence - 0.8).abs() < f32::EPSILON);
    }
}
