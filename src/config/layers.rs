//! The layers, in order: careerbot's defaults, the file, a systemd
//! credential, the environment, then flags, merged by figment; where each
//! value came from ([`Source`]); and figment's errors in careerbot's words.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::Serialized;
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::Serialize;

use super::settings::Settings;
use super::{ConfigError, Source};
use crate::text::distance::{closest_by, Edits};

/// Older environment names, still read. `CAREERBOT_<KEY>` wins over them.
pub const ENV_ALIASES: &[(&str, &str)] = &[
    ("DISCORD_TOKEN", "token"),
    ("DISCORD_PUBLIC_KEY", "public_key"),
    ("DISCORD_APPLICATION_ID", "application_id"),
    ("DISCORD_API_BASE", "discord_api_base"),
    ("CAREERBOT_KNOWLEDGE", "knowledge_dir"),
    ("CAREERBOT_INDEX", "index_dir"),
    ("CAREERBOT_DATA", "data_dir"),
];

/// The prefix of every key's environment variable.
pub const ENV_PREFIX: &str = "CAREERBOT_";

/// The variable naming the config file when `--config` is not given.
pub const CONFIG_VARIABLE: &str = "CAREERBOT_CONFIG";

/// The file of a systemd credential (`LoadCredential=discord_token:...`)
/// that holds the token, in `$CREDENTIALS_DIRECTORY`.
pub const TOKEN_CREDENTIAL: &str = "discord_token";

const DEFAULTS: &str = "defaults";
const FILE: &str = "file";
const CREDENTIAL: &str = "credential";
const ENV: &str = "environment";
const ALIAS: &str = "environment alias";
const FLAGS: &str = "flags";

/// Values given on the command line, each for its key.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Flags {
    /// `--knowledge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_dir: Option<String>,
    /// `--index`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_dir: Option<String>,
    /// `--data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<String>,
    /// `serve-http --listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

impl Flags {
    /// The flag that sets `key`.
    fn flag(key: &str) -> &'static str {
        match key {
            "knowledge_dir" => "--knowledge",
            "index_dir" => "--index",
            "data_dir" => "--data",
            "listen" => "--listen",
            _ => "a flag",
        }
    }
}

/// A provider under careerbot's own name for it, so that a value's source
/// can be told from its metadata.
struct Named<P> {
    name: &'static str,
    source: Option<PathBuf>,
    inner: P,
}

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        match &self.source {
            Some(path) => Metadata::from(self.name, path.as_path()),
            None => Metadata::named(self.name),
        }
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

fn named<P: Provider>(name: &'static str, inner: P) -> Named<P> {
    Named {
        name,
        source: None,
        inner,
    }
}

/// The environment's values for the keys, as text: `CAREERBOT_<KEY>`, or
/// with `aliases` the older names. figment's own `Env` reads `007` as the
/// number 7, which would change a directory name; here only a key that
/// wants a number or a boolean reads one (`extract_lossy`). Empty values
/// are unset.
struct Variables {
    aliases: bool,
    keys: Vec<String>,
}

impl Provider for Variables {
    fn metadata(&self) -> Metadata {
        Metadata::named(if self.aliases { ALIAS } else { ENV })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (name, value) in std::env::vars_os() {
            let name = name.to_string_lossy().to_ascii_uppercase();
            let value = value.to_string_lossy().trim().to_string();
            let key = if self.aliases {
                ENV_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == name)
                    .map(|(_, key)| (*key).to_string())
            } else {
                name.strip_prefix(ENV_PREFIX)
                    .map(str::to_ascii_lowercase)
                    .filter(|key| self.keys.contains(key))
            };
            if let Some(key) = key.filter(|_| !value.is_empty()) {
                dict.insert(key, Value::from(value));
            }
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// The layers of one load: the merged values, and the file's text for
/// line numbers.
pub struct Layers {
    figment: Figment,
    file: Option<(PathBuf, String)>,
    keys: Vec<String>,
}

impl Layers {
    /// Reads the file (when there is one) and stacks every layer.
    ///
    /// # Errors
    /// When the file cannot be read or is not TOML, or the environment has
    /// a `CAREERBOT_` variable that is no key.
    pub fn new(file: Option<&Path>, flags: &Flags) -> Result<Layers, ConfigError> {
        let keys = Settings::keys();
        unknown_variables(&keys)?;
        let mut figment =
            Figment::new().merge(named(DEFAULTS, Serialized::defaults(Settings::default())));
        let mut text = None;
        if let Some(path) = file {
            let read = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
                path: path.to_path_buf(),
                error,
            })?;
            let table = toml::from_str::<toml::Table>(&read).map_err(|e| {
                let at = e.span().map(|s| crate::knowledge::line_col(&read, s.start));
                let message = e.message().trim().to_string();
                ConfigError::Syntax {
                    path: path.to_path_buf(),
                    message: match at {
                        Some((line, col)) => format!("{message} at line {line}, column {col}"),
                        None => message,
                    },
                }
            })?;
            figment = figment.merge(Named {
                name: FILE,
                source: Some(path.to_path_buf()),
                inner: Serialized::defaults(table),
            });
            text = Some((path.to_path_buf(), read));
        }
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
            let path = Path::new(&dir).join(TOKEN_CREDENTIAL);
            if let Ok(token) = std::fs::read_to_string(&path) {
                figment = figment.merge(Named {
                    name: CREDENTIAL,
                    source: Some(path),
                    inner: Serialized::default("token", token.trim().to_string()),
                });
            }
        }
        let variables = |aliases| Variables {
            aliases,
            keys: keys.clone(),
        };
        figment = figment
            .merge(variables(true))
            .merge(variables(false))
            .merge(named(FLAGS, Serialized::defaults(flags.clone())));
        Ok(Layers {
            figment,
            file: text,
            keys,
        })
    }

    /// The merged settings.
    ///
    /// # Errors
    /// A value of the wrong type or an unknown key, named.
    pub fn extract(&self) -> Result<Settings, ConfigError> {
        // Lossy: the environment's values are all text, and a number or a
        // boolean is read from it where the key wants one.
        self.figment
            .extract_lossy::<Settings>()
            .map_err(|e| self.error(e))
    }

    /// Every key's source.
    pub fn sources(&self) -> BTreeMap<String, Source> {
        self.keys
            .iter()
            .map(|key| {
                (
                    key.clone(),
                    self.source(self.figment.find_metadata(key), key),
                )
            })
            .collect()
    }

    /// Where `key`'s value came from, told by the metadata of the layer
    /// that set it (none: the default).
    fn source(&self, layer: Option<&Metadata>, key: &str) -> Source {
        let path = || match layer.and_then(|m| m.source.as_ref()) {
            Some(figment::Source::File(path)) => path.clone(),
            _ => PathBuf::new(),
        };
        match layer.map_or(DEFAULTS, |m| m.name.as_ref()) {
            FILE => Source::File {
                path: path(),
                line: self.file.as_ref().and_then(|(_, text)| line_of(text, key)),
            },
            CREDENTIAL => Source::Credential(path()),
            ENV => Source::Env(format!("{ENV_PREFIX}{}", key.to_ascii_uppercase())),
            ALIAS => Source::Env(
                ENV_ALIASES
                    .iter()
                    .find(|(_, k)| *k == key)
                    .map_or_else(|| key.to_string(), |(alias, _)| (*alias).to_string()),
            ),
            FLAGS => Source::Flag(Flags::flag(key)),
            _ => Source::Default,
        }
    }

    /// figment's error, named by the key and where it was set.
    fn error(&self, error: figment::Error) -> ConfigError {
        use figment::error::Kind;
        let key = match &error.kind {
            Kind::UnknownField(field, _) => field.clone(),
            _ => error.path.join("."),
        };
        let source = self.source(error.metadata.as_ref(), &key);
        match &error.kind {
            Kind::UnknownField(_, expected) => ConfigError::Unknown {
                at: source.names(&key),
                suggestion: closest_key(&key, expected),
            },
            Kind::UnknownVariant(found, expected) => ConfigError::Value {
                at: source.names(&key),
                message: format!("\"{found}\" is not one of: {}", expected.join(", ")),
            },
            kind => ConfigError::Value {
                at: source.names(&key),
                message: kind.to_string(),
            },
        }
    }
}

/// The line of the file where `key` is set, if it can be found.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The key a misspelt or cut-short `name` meant: one that starts with it
/// or that it starts with, else one within two edits (a swap is one).
fn closest_key(name: &str, keys: &[&str]) -> Option<String> {
    let name = name.to_ascii_lowercase();
    keys.iter()
        .find(|k| k.starts_with(name.as_str()) || name.starts_with(*k))
        .copied()
        .or_else(|| closest_by(&name, keys, |_| 2, Edits::WithSwaps))
        .map(str::to_string)
}

/// A `CAREERBOT_` variable that is no key but is close to one is a typo.
/// Others are left alone: an orchestrator sets its own (Kubernetes makes
/// `CAREERBOT_PORT` for a service named careerbot).
///
/// # Errors
/// The first such variable, with the real name.
fn unknown_variables(keys: &[String]) -> Result<(), ConfigError> {
    let known: Vec<String> = keys
        .iter()
        .map(|k| k.to_ascii_uppercase())
        .chain(
            ENV_ALIASES
                .iter()
                .chain(&[(CONFIG_VARIABLE, "")])
                .filter_map(|(alias, _)| alias.strip_prefix(ENV_PREFIX))
                .map(str::to_string),
        )
        .collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_ascii_uppercase();
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if known.contains(&rest) {
            continue;
        }
        let typo = closest_by(rest, &known, |k| (k.len() / 6).max(1), Edits::WithSwaps);
        if let Some(key) = typo {
            return Err(ConfigError::Unknown {
                suggestion: Some(format!("{ENV_PREFIX}{key}")),
                at: format!("environment variable {name}"),
            });
        }
    }
    Ok(())
}
