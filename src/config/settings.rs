//! [`Settings`]: every key of `careerbot.toml`, with its default, as the
//! layers (defaults, file, environment, flags) deliver it; and
//! [`Settings::resolve`], which checks each value and builds the
//! [`Config`] careerbot runs with.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serenity::model::id::{ApplicationId, ChannelId, GuildId, RoleId};

use super::{
    Config, ConfigError, Digest, DiscordConfig, HttpConfig, HttpLimits, InsightsConfig,
    KnowledgeConfig, LogConfig, Secret, Serving, Source,
};
use crate::discord::reply::Policy;
use crate::insights::digest::{Schedule, HOURS, WEEKDAYS};

/// Interactions one process handles at once unless `max_in_flight` says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// Default of `low_confidence`.
pub const DEFAULT_LOW_CONFIDENCE: f32 = 0.5;

/// The keys whose values are secrets: `careerbot config` prints them as
/// `[redacted]`, and `token` is never read from a file.
pub const SECRET_KEYS: &[&str] = &["token", "public_key"];

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON formatter).
    Json,
}

/// Every configuration key, named as in `careerbot.toml`; the environment
/// variable of each is `CAREERBOT_` and the key in capitals. The defaults
/// are [`Settings::default`]; `deploy/careerbot.toml` lists them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The knowledge directory.
    #[serde(deserialize_with = "text")]
    pub knowledge_dir: String,
    /// The index directory.
    #[serde(deserialize_with = "text")]
    pub index_dir: String,
    /// Largest knowledge file read, in bytes.
    pub max_article_bytes: u64,
    /// Largest total of all knowledge files, in bytes.
    pub max_knowledge_bytes: u64,
    /// Whether answers use the sentence-embedding model beside the words.
    pub semantic: bool,
    /// A sentence-transformers model directory used instead of the shipped model.
    #[serde(deserialize_with = "optional_text")]
    pub semantic_model: Option<String>,
    /// The insights store's directory.
    #[serde(deserialize_with = "text")]
    pub data_dir: String,
    /// Whether questions, ratings and reloads are recorded.
    pub insights: bool,
    /// Days an insight record is kept.
    pub insights_max_age_days: u64,
    /// Whether records carry members' user ids.
    pub insights_record_users: bool,
    /// Share of the question below which an answer counts as low confidence.
    #[serde(deserialize_with = "share")]
    pub low_confidence: f64,
    /// Role ids whose members moderate, besides Manage Server.
    #[serde(deserialize_with = "ids")]
    pub moderator_roles: Vec<u64>,
    /// Whether `/ask` answers privately unless asked otherwise.
    pub private_by_default: bool,
    /// Forum channel ids whose new posts `serve` answers in the post's thread.
    #[serde(deserialize_with = "ids")]
    pub auto_answer_channels: Vec<u64>,
    /// Role ids pinged in a help-forum post careerbot cannot help with.
    #[serde(deserialize_with = "ids")]
    pub helper_roles: Vec<u64>,
    /// The name of the forum tag that marks a post solved.
    #[serde(deserialize_with = "text")]
    pub solved_tag: String,
    /// The channel the weekly digest is posted in (off when unset).
    #[serde(deserialize_with = "optional_id")]
    pub digest_channel: Option<u64>,
    /// The weekday the digest is posted on.
    #[serde(deserialize_with = "text")]
    pub digest_weekday: String,
    /// The hour (UTC) the digest is posted at.
    pub digest_hour: u64,
    /// Seconds a member waits between questions.
    pub cooldown_seconds: u64,
    /// Interactions handled at once by one process.
    pub max_in_flight: usize,
    /// The bot token: environment only, never the file.
    #[serde(deserialize_with = "optional_text")]
    pub token: Option<String>,
    /// The application's public key, hex.
    #[serde(deserialize_with = "optional_text")]
    pub public_key: Option<String>,
    /// The application id for follow-ups.
    #[serde(deserialize_with = "optional_id")]
    pub application_id: Option<u64>,
    /// The guild `register` uses without `--guild`.
    #[serde(deserialize_with = "optional_id")]
    pub dev_guild: Option<u64>,
    /// A Discord-compatible API base.
    #[serde(deserialize_with = "optional_text")]
    pub discord_api_base: Option<String>,
    /// Where `serve-http` listens.
    #[serde(deserialize_with = "text")]
    pub listen: String,
    /// A separate address for `serve-http`'s `/metrics`.
    #[serde(deserialize_with = "optional_text")]
    pub metrics_listen: Option<String>,
    /// Where `serve` answers `/healthz`, `/readyz` and `/metrics`.
    #[serde(deserialize_with = "optional_text")]
    pub ops_listen: Option<String>,
    /// Seconds a request's signature timestamp may be from now.
    pub signature_window_seconds: u64,
    /// Largest request body read.
    pub max_body_bytes: usize,
    /// Seconds a client has to send its headers, and again its body.
    pub request_timeout_seconds: u64,
    /// Connections held open at once.
    pub max_connections: usize,
    /// Seconds to keep serving after SIGTERM while `/readyz` says 503.
    pub drain_seconds: u64,
    /// A tracing filter directive (`EnvFilter` syntax) replacing the default.
    #[serde(deserialize_with = "optional_text")]
    pub log: Option<String>,
    /// `text` or `json`.
    pub log_format: LogFormat,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            knowledge_dir: "knowledge".to_string(),
            index_dir: "index".to_string(),
            max_article_bytes: crate::knowledge::DEFAULT_MAX_ARTICLE_BYTES,
            max_knowledge_bytes: crate::knowledge::DEFAULT_MAX_KNOWLEDGE_BYTES,
            semantic: true,
            semantic_model: None,
            data_dir: "data".to_string(),
            insights: true,
            insights_max_age_days: 90,
            insights_record_users: false,
            low_confidence: f64::from(DEFAULT_LOW_CONFIDENCE),
            moderator_roles: Vec::new(),
            private_by_default: false,
            auto_answer_channels: Vec::new(),
            helper_roles: Vec::new(),
            solved_tag: "Solved".to_string(),
            digest_channel: None,
            digest_weekday: "monday".to_string(),
            digest_hour: 9,
            cooldown_seconds: 3,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            token: None,
            public_key: None,
            application_id: None,
            dev_guild: None,
            discord_api_base: None,
            listen: "127.0.0.1:8080".to_string(),
            metrics_listen: None,
            ops_listen: None,
            signature_window_seconds: 300,
            max_body_bytes: 256 * 1024,
            request_timeout_seconds: 10,
            max_connections: 512,
            drain_seconds: 0,
            log: None,
            log_format: LogFormat::Text,
        }
    }
}

/// Longest a record may be kept: a hundred years.
const MAX_AGE_DAYS: u64 = 36_500;
/// Helper roles one call may ping: its content stays far inside 2,000
/// characters, and `allowed_mentions.roles` inside Discord's 100.
const MAX_HELPER_ROLES: usize = 20;
/// Upper bounds of the other numeric keys: far above any real use, and
/// below where a value would overflow a clock, a semaphore or memory.
const MAX_ARTICLE_BYTES: u64 = 1 << 30;
const MAX_KNOWLEDGE_BYTES: u64 = 16 << 30;
const MAX_IN_FLIGHT: u64 = 65_536;
const MAX_CONNECTIONS: u64 = 65_536;
const MAX_BODY_BYTES: u64 = 64 << 20;
/// A day: the most any of the `_seconds` keys may be.
const MAX_SECONDS: u64 = 86_400;

impl Settings {
    /// The helper roles, each once.
    fn helper_roles(&self) -> Vec<RoleId> {
        let mut roles = self.helper_roles.clone();
        roles.sort_unstable();
        roles.dedup();
        roles.into_iter().map(RoleId::new).collect()
    }

    /// Every key, in the file's spelling (sorted).
    pub fn keys() -> Vec<String> {
        match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// `semantic_model`, empty being unset as it is in the environment.
    fn semantic_model(&self) -> Option<PathBuf> {
        self.semantic_model
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    }

    /// Checks every value and builds the [`Config`]. `source` says where a
    /// key's value came from, for the error.
    ///
    /// # Errors
    /// The first value out of its range, named by its key or variable.
    pub fn resolve(&self, source: &dyn Fn(&str) -> Source) -> Result<Config, ConfigError> {
        let check = Check { source };
        self.check_values(&check)?;
        Ok(Config {
            knowledge: KnowledgeConfig {
                dir: PathBuf::from(&self.knowledge_dir),
                index_dir: PathBuf::from(&self.index_dir),
                limits: crate::knowledge::Limits {
                    max_article_bytes: check.within(
                        "max_article_bytes",
                        self.max_article_bytes,
                        1,
                        MAX_ARTICLE_BYTES,
                    )?,
                    max_knowledge_bytes: check.within(
                        "max_knowledge_bytes",
                        self.max_knowledge_bytes,
                        1,
                        MAX_KNOWLEDGE_BYTES,
                    )?,
                },
                semantic: self.semantic,
                semantic_model: self.semantic_model(),
            },
            discord: self.discord(&check)?,
            serving: self.serving(&check)?,
            http: self.http(&check)?,
            insights: InsightsConfig {
                enabled: self.insights,
                options: crate::insights::Options {
                    data_dir: PathBuf::from(&self.data_dir),
                    max_age: Duration::from_secs(
                        check.within(
                            "insights_max_age_days",
                            self.insights_max_age_days,
                            1,
                            MAX_AGE_DAYS,
                        )? * 86_400,
                    ),
                    record_users: self.insights_record_users,
                    low_confidence: self.low_confidence as f32,
                },
            },
            ops_listen: check.address("ops_listen", self.ops_listen.clone())?,
            log: LogConfig {
                filter: self.log.clone(),
                format: self.log_format,
            },
        })
    }

    /// The checks that are not of one number's range.
    fn check_values(&self, check: &Check<'_>) -> Result<(), ConfigError> {
        if matches!((check.source)("token"), Source::File { .. }) {
            return Err(check.bad(
                "token",
                "the bot token is never read from a file; set DISCORD_TOKEN (or CAREERBOT_TOKEN), \
                 or give it to systemd's LoadCredential as discord_token",
            ));
        }
        for (key, dir) in [
            ("knowledge_dir", &self.knowledge_dir),
            ("index_dir", &self.index_dir),
            ("data_dir", &self.data_dir),
        ] {
            if dir.trim().is_empty() {
                return Err(check.bad(key, "it is empty; name a directory"));
            }
        }
        if let Some(base) = &self.discord_api_base {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(check.bad(
                    "discord_api_base",
                    format!("\"{}\" is not an http(s) URL", super::redact_url(base)),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.low_confidence) {
            return Err(check.bad(
                "low_confidence",
                format!(
                    "{} is out of range; it must be between 0 and 1",
                    self.low_confidence
                ),
            ));
        }
        if let Some(role) = self.moderator_roles.iter().find(|r| **r == 0) {
            return Err(check.bad("moderator_roles", format!("{role} is not a Discord id")));
        }
        if let Some(role) = self
            .helper_roles
            .iter()
            .find(|r| **r == 0 || **r > i64::MAX as u64)
        {
            return Err(check.bad("helper_roles", format!("{role} is not a Discord id")));
        }
        if self.helper_roles.len() > MAX_HELPER_ROLES {
            return Err(check.bad(
                "helper_roles",
                format!("at most {MAX_HELPER_ROLES} roles can be called"),
            ));
        }
        let tag = self.solved_tag.trim().chars().count();
        if !(1..=20).contains(&tag) {
            return Err(check.bad(
                "solved_tag",
                "must be a forum tag's name: 1 to 20 characters".to_string(),
            ));
        }
        if let Some(channel) = self.auto_answer_channels.iter().find(|c| **c == 0) {
            return Err(check.bad(
                "auto_answer_channels",
                format!("{channel} is not a Discord id"),
            ));
        }
        if let Some(filter) = &self.log {
            if let Err(e) = tracing_subscriber::EnvFilter::try_new(filter) {
                return Err(check.bad("log", format!("\"{filter}\" is not a filter: {e}")));
            }
        }
        Ok(())
    }

    /// Who moderates and how every interaction is served.
    fn serving(&self, check: &Check<'_>) -> Result<Serving, ConfigError> {
        Ok(Serving {
            policy: Policy {
                moderator_roles: self
                    .moderator_roles
                    .iter()
                    .copied()
                    .map(RoleId::new)
                    .collect(),
                private_by_default: self.private_by_default,
                helper_roles: self.helper_roles(),
            },
            cooldown: Duration::from_secs(check.within(
                "cooldown_seconds",
                self.cooldown_seconds,
                0,
                MAX_SECONDS,
            )?),
            max_in_flight: check.within(
                "max_in_flight",
                self.max_in_flight as u64,
                1,
                MAX_IN_FLIGHT,
            )? as usize,
            auto_answer_channels: self
                .auto_answer_channels
                .iter()
                .copied()
                .map(ChannelId::new)
                .collect(),
            solved_tag: self.solved_tag.trim().to_string(),
            digest: self.digest(check)?,
        })
    }

    /// The weekly digest's channel and schedule, when a channel is set.
    fn digest(&self, check: &Check<'_>) -> Result<Option<Digest>, ConfigError> {
        let weekday = Schedule::weekday(&self.digest_weekday).ok_or_else(|| {
            check.bad(
                "digest_weekday",
                format!(
                    "\"{}\" is not a weekday; use one of {}",
                    self.digest_weekday,
                    WEEKDAYS.join(", ")
                ),
            )
        })?;
        let hour = check.within("digest_hour", self.digest_hour, 0, u64::from(HOURS) - 1)?;
        let channel = check.id("digest_channel", self.digest_channel)?;
        if channel.is_some_and(|c| c > i64::MAX as u64) {
            return Err(check.bad("digest_channel", "is not a Discord id"));
        }
        Ok(channel.map(|c| Digest {
            channel: ChannelId::new(c),
            schedule: Schedule {
                weekday,
                hour: u8::try_from(hour).unwrap_or(0),
            },
        }))
    }

    fn discord(&self, check: &Check<'_>) -> Result<DiscordConfig, ConfigError> {
        Ok(DiscordConfig {
            api_base: self.discord_api_base.clone(),
            token: self
                .token
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            public_key: self.public_key.clone().map(Secret::new),
            application_id: check
                .id("application_id", self.application_id)?
                .map(ApplicationId::new),
            dev_guild: check.id("dev_guild", self.dev_guild)?.map(GuildId::new),
        })
    }

    fn http(&self, check: &Check<'_>) -> Result<HttpConfig, ConfigError> {
        Ok(HttpConfig {
            listen: check
                .address("listen", Some(self.listen.clone()))?
                .unwrap_or_default(),
            metrics_listen: check.address("metrics_listen", self.metrics_listen.clone())?,
            limits: HttpLimits {
                signature_window: Duration::from_secs(check.within(
                    "signature_window_seconds",
                    self.signature_window_seconds,
                    1,
                    MAX_SECONDS,
                )?),
                max_body_bytes: check.within(
                    "max_body_bytes",
                    self.max_body_bytes as u64,
                    1,
                    MAX_BODY_BYTES,
                )? as usize,
                request_timeout: Duration::from_secs(check.within(
                    "request_timeout_seconds",
                    self.request_timeout_seconds,
                    1,
                    MAX_SECONDS,
                )?),
                max_connections: check.within(
                    "max_connections",
                    self.max_connections as u64,
                    1,
                    MAX_CONNECTIONS,
                )? as usize,
                drain: Duration::from_secs(check.within(
                    "drain_seconds",
                    self.drain_seconds,
                    0,
                    MAX_SECONDS,
                )?),
            },
        })
    }
}

/// Checks of one value, whose errors name the key where it was set.
struct Check<'a> {
    source: &'a dyn Fn(&str) -> Source,
}

impl Check<'_> {
    fn bad(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Value {
            at: (self.source)(key).names(key),
            message: message.into(),
        }
    }

    /// `n`, if it is between `min` and `max`.
    fn within(&self, key: &str, n: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
        if n < min {
            Err(self.bad(key, format!("{n} is too small; it must be at least {min}")))
        } else if n > max {
            Err(self.bad(key, format!("{n} is too large; it must be at most {max}")))
        } else {
            Ok(n)
        }
    }

    fn address(&self, key: &str, value: Option<String>) -> Result<Option<String>, ConfigError> {
        match value {
            Some(v) if !is_address(&v) => Err(self.bad(
                key,
                format!("\"{v}\" is not an address like 127.0.0.1:8080 (host:port)"),
            )),
            v => Ok(v),
        }
    }

    fn id(&self, key: &str, value: Option<u64>) -> Result<Option<u64>, ConfigError> {
        match value {
            Some(0) => Err(self.bad(key, "0 is not a Discord id")),
            v => Ok(v),
        }
    }
}

/// Whether `value` is `host:port` with a port number.
fn is_address(value: &str) -> bool {
    match value.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// A string, also when the file writes it as a number or a boolean
/// (`index_dir = 2024`).
struct Text;

impl serde::de::Visitor<'_> for Text {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A value read as [`Text`], so that `Option` and lists of it come from
/// serde's own impls.
struct TextValue(String);

impl<'de> Deserialize<'de> for TextValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Text).map(TextValue)
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    TextValue::deserialize(d).map(|t| t.0)
}

fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<TextValue>::deserialize(d).map(|t| t.map(|t| t.0))
}

/// A share from 0 to 1, to six decimals: the environment's `0.3` is read
/// as a 32-bit float, and `careerbot config` should say 0.3, not
/// 0.30000001192092896.
fn share<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    Ok((value * 1e6).round() / 1e6)
}

/// One Discord id, written as a number or as digits in a string.
fn id_of<E: serde::de::Error>(s: &str) -> Result<u64, E> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| E::custom(format!("\"{s}\" is not a Discord id (a number)")))
}

fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = optional_text(d)?;
    text.map(|t| id_of(&t)).transpose()
}

/// A list of Discord ids: a TOML array, or comma-separated digits (the
/// environment's form: `CAREERBOT_MODERATOR_ROLES=1,2`).
fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    struct Ids;
    impl<'de> serde::de::Visitor<'de> for Ids {
        type Value = Vec<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of Discord ids")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(vec![v])
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            id_of(&v.to_string()).map(|id| vec![id])
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(id_of)
                .collect()
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(TextValue(item)) = seq.next_element()? {
                out.push(id_of(&item)?);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Ids)
}
