//! The configuration as an operator meets it, through the real binary:
//! the example file in `deploy/`, an environment variable for every key,
//! bad values as errors that name the key, `careerbot config`, JSON logs,
//! and the command-line checks that run before anything is contacted.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::process::arg;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs careerbot in `dir` with only `env` in its environment (nothing of
/// the test runner's leaks in).
fn careerbot_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run careerbot");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "exit {:?}\n{}",
        run.code,
        run.stderr
    );
    run
}

/// `careerbot config --json` in an empty directory, parsed.
fn effective(args: &[&str], env: &[(&str, &str)]) -> BTreeMap<String, Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = careerbot_in(dir.path(), &[args, &["config", "--json"]].concat(), env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("config --json is JSON")
}

fn example() -> std::path::PathBuf {
    support::root().join("deploy/careerbot.toml")
}

/// The keys `deploy/careerbot.toml` mentions, set or commented out.
fn keys_in_example() -> Vec<String> {
    let text = std::fs::read_to_string(example()).expect("deploy/careerbot.toml");
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start_matches('#').trim_start();
            let (key, _) = line.split_once('=')?;
            let key = key.trim();
            (!key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| key.to_string())
        })
        .collect()
}

#[test]
fn the_example_file_names_every_key_and_sets_each_to_its_default() {
    let defaults = effective(&[], &[]);
    let mut in_file = keys_in_example();
    in_file.sort();
    let mut keys: Vec<String> = defaults.keys().cloned().collect();
    keys.sort();
    assert_eq!(
        in_file, keys,
        "deploy/careerbot.toml must mention every key once (a new key goes there too)"
    );
    let loaded = effective(&["--config", arg(&example())], &[]);
    for (key, entry) in &loaded {
        assert_eq!(
            entry["value"], defaults[key]["value"],
            "{key}: the example sets the default"
        );
        let source = entry["source"].as_str().unwrap();
        if defaults[key]["value"].is_null() {
            assert_eq!(source, "default", "{key} has no default: commented out");
        } else {
            assert!(
                source.starts_with("file ") && source.contains("careerbot.toml:"),
                "{key} comes from the file, with its line: {source}"
            );
        }
    }
}

/// A valid value that is not the default, for a key whose default is `default`.
fn another_value(key: &str, default: &Value) -> String {
    match default {
        Value::Bool(b) => (!b).to_string(),
        Value::Number(n) if n.is_f64() => "0.25".to_string(),
        Value::Number(n) => (n.as_u64().unwrap_or(0) + 1).to_string(),
        Value::Array(_) => "11,12".to_string(),
        Value::String(s) if s.contains(':') => "127.0.0.1:9999".to_string(),
        Value::String(s) if s == "text" => "json".to_string(),
        Value::String(s) if s == "monday" => "friday".to_string(),
        Value::String(s) => format!("{s}-elsewhere"),
        Value::Null => match key {
            k if k.ends_with("_id") || k.ends_with("_guild") || k.ends_with("_channel") => {
                "1190000000000000777".to_string()
            }
            k if k.ends_with("_listen") => "127.0.0.1:9998".to_string(),
            k if k.ends_with("_base") => "http://127.0.0.1:9".to_string(),
            "log" => "warn,careerbot=debug".to_string(),
            _ => "a-secret-value".to_string(),
        },
        Value::Object(_) => panic!("{key}: no key is a table"),
    }
}

#[test]
fn every_key_can_be_set_from_the_environment_and_says_so() {
    let defaults = effective(&[], &[]);
    let vars: Vec<(String, String, String)> = defaults
        .iter()
        .map(|(key, entry)| {
            (
                key.clone(),
                format!("CAREERBOT_{}", key.to_ascii_uppercase()),
                another_value(key, &entry["value"]),
            )
        })
        .collect();
    let env: Vec<(&str, &str)> = vars
        .iter()
        .map(|(_, var, value)| (var.as_str(), value.as_str()))
        .collect();
    let set = effective(&[], &env);
    for (key, var, value) in &vars {
        let entry = &set[key];
        assert_eq!(entry["source"], format!("env {var}"), "{key}");
        assert_ne!(entry["value"], defaults[key]["value"], "{key} changed");
        let shown = match &entry["value"] {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        if shown == "[redacted]" {
            assert!(
                ["token", "public_key"].contains(&key.as_str()),
                "{key} is redacted"
            );
        } else {
            assert_eq!(&shown, value, "{key}");
        }
    }
    assert!(vars.len() >= 29, "{} keys", vars.len());
}

#[test]
fn the_environment_beats_the_file_and_flags_beat_both_and_older_names_still_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("careerbot.toml"),
        "knowledge_dir = \"from-file\"\nindex_dir = \"from-file\"\ncooldown_seconds = 9\n",
    )
    .unwrap();
    let run = careerbot_in(
        dir.path(),
        &["--knowledge", "from-flag", "config", "--json"],
        &[
            ("CAREERBOT_KNOWLEDGE_DIR", "from-env"),
            ("CAREERBOT_INDEX_DIR", "from-env"),
            ("DISCORD_TOKEN", "older-name-token"),
            ("CAREERBOT_DATA", "older-data"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let c: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(c["knowledge_dir"]["value"], "from-flag");
    assert_eq!(c["knowledge_dir"]["source"], "flag --knowledge");
    assert_eq!(c["index_dir"]["value"], "from-env");
    assert_eq!(c["cooldown_seconds"]["value"], 9);
    assert_eq!(c["cooldown_seconds"]["source"], "file careerbot.toml:3");
    assert_eq!(c["token"]["value"], "[redacted]");
    assert_eq!(c["token"]["source"], "env DISCORD_TOKEN");
    assert_eq!(c["data_dir"]["value"], "older-data");
    assert!(!run.stdout.contains("older-name-token"));
    // The text form says the same, and never the secret either.
    let run = careerbot_in(
        dir.path(),
        &["config"],
        &[
            ("CAREERBOT_TOKEN", "new-name-token"),
            ("DISCORD_TOKEN", "old"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("token "))
        .expect("a token line");
    assert!(
        line.contains("[redacted]") && line.contains("env CAREERBOT_TOKEN"),
        "{line}"
    );
    assert!(!run.stdout.contains("new-name-token") && !run.stdout.contains("old\""));
}

#[test]
fn the_token_can_come_from_a_systemd_credential() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("discord_token"), "credential-token\n").unwrap();
    let c = effective(&[], &[("CREDENTIALS_DIRECTORY", arg(dir.path()))]);
    assert_eq!(c["token"]["value"], "[redacted]");
    assert!(
        c["token"]["source"]
            .as_str()
            .unwrap()
            .starts_with("credential "),
        "{}",
        c["token"]["source"]
    );
}

#[test]
fn every_numeric_key_set_far_too_large_is_a_one_line_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let numeric: Vec<String> = effective(&[], &[])
        .into_iter()
        .filter(|(_, value)| value["value"].is_u64())
        .map(|(key, _)| key)
        .collect();
    assert!(numeric.len() >= 10, "the numeric keys: {numeric:?}");
    for key in numeric {
        let var = format!("CAREERBOT_{}", key.to_ascii_uppercase());
        let run = careerbot_in(dir.path(), &["config"], &[(&var, "18446744073709551615")]);
        assert_eq!(run.code, Some(2), "{var}: {}", run.stdout);
        assert!(
            run.stderr.contains(&var) && run.stderr.contains("too large"),
            "{var}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn credentials_in_discord_api_base_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let run = careerbot_in(
        dir.path(),
        &["config"],
        &[("DISCORD_API_BASE", "https://bob:hunter2pass@proxy.example/")],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("https://[redacted]@proxy.example/"),
        "{}",
        run.stdout
    );
    let run = careerbot_in(
        dir.path(),
        &["config"],
        &[("DISCORD_API_BASE", "ftp://bob:hunter2pass@proxy.example/")],
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("ftp://[redacted]@"), "{}", run.stderr);
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains("hunter2pass"), "{out}");
    }
}

#[test]
fn a_line_break_in_a_configured_path_cannot_forge_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("kb\nERROR forged");
    std::fs::create_dir(&knowledge).unwrap();
    std::fs::write(knowledge.join("a.md"), support::GOOD_ARTICLE).unwrap();
    let missing = dir.path().join("none\nERROR forged too");
    for (path, code) in [(&knowledge, 0), (&missing, 2)] {
        let run = careerbot_in(dir.path(), &["--knowledge", arg(path), "-vv", "index"], &[]);
        assert_eq!(run.code, Some(code), "{}", run.stderr);
        assert!(run.stderr.contains("\\nERROR forged"), "{}", run.stderr);
        assert!(
            run.stderr.lines().all(|l| !l.starts_with("ERROR forged")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn bad_values_are_errors_that_name_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, says) in [
        ("CAREERBOT_MAX_CONNECTIONS", "0", "at least 1"),
        ("CAREERBOT_REQUEST_TIMEOUT_SECONDS", "0", "at least 1"),
        ("CAREERBOT_INSIGHTS_MAX_AGE_DAYS", "0", "at least 1"),
        ("CAREERBOT_MAX_IN_FLIGHT", "0", "at least 1"),
        ("CAREERBOT_COOLDOWN_SECONDS", "soon", "invalid type"),
        ("CAREERBOT_LOW_CONFIDENCE", "2", "between 0 and 1"),
        ("CAREERBOT_LOG_FORMAT", "xml", "json"),
        ("CAREERBOT_MODERATOR_ROLES", "1,mods", "not a Discord id"),
        ("CAREERBOT_HELPER_ROLES", "0", "not a Discord id"),
        (
            "CAREERBOT_HELPER_ROLES",
            "18446744073709551615",
            "not a Discord id",
        ),
        (
            "CAREERBOT_HELPER_ROLES",
            "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
            "at most 20",
        ),
        (
            "CAREERBOT_SOLVED_TAG",
            "solved, finally, for good",
            "1 to 20 characters",
        ),
        (
            "CAREERBOT_AUTO_ANSWER_CHANNELS",
            "1190000000000000210,0",
            "not a Discord id",
        ),
        ("CAREERBOT_OPS_LISTEN", "nowhere", "host:port"),
        ("CAREERBOT_DISCORD_API_BASE", "discord.com", "http(s) URL"),
        ("CAREERBOT_LOG", "careerbot=loud", "not a filter"),
        ("CAREERBOT_DIGEST_WEEKDAY", "someday", "not a weekday"),
        ("CAREERBOT_DIGEST_HOUR", "24", "at most 23"),
        ("CAREERBOT_DIGEST_CHANNEL", "0", "not a Discord id"),
    ] {
        let run = careerbot_in(dir.path(), &["config"], &[(var, value)]);
        assert_eq!(run.code, Some(2), "{var}={value}: {}", run.stdout);
        assert!(
            run.stderr.contains(var) && run.stderr.contains(says),
            "{var}={value}: {}",
            run.stderr
        );
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "one clear line: {}",
            run.stderr
        );
    }
    let run = careerbot_in(
        dir.path(),
        &["config"],
        &[("CAREERBOT_MAX_CONECTIONS", "5")],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("did you mean CAREERBOT_MAX_CONNECTIONS?"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.path().join("careerbot.toml"), "max_conections = 5\n").unwrap();
    let run = careerbot_in(dir.path(), &["config"], &[]);
    assert!(
        run.stderr
            .contains("max_conections in careerbot.toml (line 1)")
            && run.stderr.contains("did you mean max_connections?"),
        "{}",
        run.stderr
    );
    for key in ["knowledge_dir", "index_dir", "data_dir"] {
        std::fs::write(
            dir.path().join("careerbot.toml"),
            format!("{key} = \" \"\n"),
        )
        .unwrap();
        let run = careerbot_in(dir.path(), &["config"], &[]);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "invalid {key} in careerbot.toml (line 1): it is empty"
            )),
            "{}",
            run.stderr
        );
    }
    let run = careerbot_in(dir.path(), &["--config", "missing.toml", "config"], &[]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("missing.toml") && run.stderr.contains("No such file or directory"),
        "the OS error says why: {}",
        run.stderr
    );
}

/// `ask` on the shipped knowledge base, with a private index.
fn ask(args: &[&str], env: &[(&str, &str)]) -> Run {
    let index = tempfile::tempdir().unwrap();
    let seed = support::seed_dir();
    let dir = tempfile::tempdir().unwrap();
    careerbot_in(
        dir.path(),
        &[
            &["--knowledge", arg(&seed), "--index", arg(index.path())][..],
            args,
        ]
        .concat(),
        env,
    )
}

#[test]
fn json_logs_are_one_object_per_line_and_v_shows_careerbots_own_events_only() {
    let run = ask(
        &["-v", "ask", "which databases should I learn?"],
        &[("CAREERBOT_LOG_FORMAT", "json")],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines.len() >= 2,
        "-v logs the load and the question: {}",
        run.stderr
    );
    for line in &lines {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event.is_object() && event["level"].is_string(), "{line}");
    }
    assert!(run.stderr.contains("loaded the knowledge base"));
    assert!(run.stderr.contains("\"asked\""), "{}", run.stderr);
    assert!(
        !run.stderr.contains("metas") && !run.stderr.contains("Garbage"),
        "tantivy's housekeeping stays quiet at -v: {}",
        run.stderr
    );
    // Without -v the same command logs nothing at all.
    let quiet = ask(&["ask", "which databases should I learn?"], &[]);
    assert_eq!(quiet.stderr, "", "quiet by default");
}

#[test]
fn text_answers_wrap_to_the_width_with_no_markup_and_no_trailing_spaces_in_a_pipe() {
    let run = ask(
        &["ask", "what does a back-end developer do?"],
        &[("COLUMNS", "60")],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.lines().count() > 5, "{}", run.stdout);
    assert!(
        !run.stdout.contains("**"),
        "no markers in a pipe: {}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "no escape codes in a pipe");
    for line in run.stdout.lines() {
        assert_eq!(line, line.trim_end(), "no trailing spaces: {line:?}");
        let long_word = line.split_whitespace().any(|w| w.chars().count() > 40);
        assert!(
            line.chars().count() <= 60 || long_word,
            "wrapped at 60: {line:?}"
        );
    }
}

#[test]
fn argument_mistakes_are_caught_before_anything_is_contacted() {
    let dir = tempfile::tempdir().unwrap();
    let run = careerbot_in(dir.path(), &["aks", "hello"], &[]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("'ask'"), "{}", run.stderr);
    assert!(!run.stderr.contains("'gaps'"), "{}", run.stderr);
    // No token, no knowledge: the range is refused by the argument check.
    let run = careerbot_in(
        dir.path(),
        &["serve", "--shards", "2", "--shard-range", "0..3"],
        &[],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("--shard-range 0..3") && run.stderr.contains("--shards 2"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("gateway"), "{}", run.stderr);
    let run = careerbot_in(dir.path(), &["serve", "--shards", "0"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let run = careerbot_in(dir.path(), &["register"], &[("DISCORD_TOKEN", "t")]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("--guild") && run.stderr.contains("--global"),
        "{}",
        run.stderr
    );
}

#[test]
fn environment_values_are_text_unless_a_key_wants_a_number_and_orchestrators_variables_pass() {
    let c = effective(
        &[],
        &[
            ("CAREERBOT_INDEX_DIR", "007"),
            ("CAREERBOT_LOW_CONFIDENCE", "0.3"),
            ("CAREERBOT_INSIGHTS", "false"),
            // Kubernetes sets these for a service named careerbot.
            ("CAREERBOT_PORT", "tcp://10.0.0.1:80"),
            ("CAREERBOT_SERVICE_HOST", "10.0.0.1"),
            ("CAREERBOT_TOKEN", ""),
        ],
    );
    assert_eq!(
        c["index_dir"]["value"], "007",
        "a directory name is kept as written"
    );
    assert_eq!(c["low_confidence"]["value"], 0.3);
    assert_eq!(c["insights"]["value"], false);
    assert_eq!(c["token"]["value"], Value::Null, "an empty value is unset");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("elsewhere.toml"), "cooldown_seconds = 7\n").unwrap();
    let c = effective(
        &[],
        &[("CAREERBOT_CONFIG", arg(&dir.path().join("elsewhere.toml")))],
    );
    assert_eq!(
        c["cooldown_seconds"]["value"], 7,
        "CAREERBOT_CONFIG names the file"
    );
}

#[test]
fn in_json_log_mode_the_final_error_is_a_json_line_too() {
    let dir = tempfile::tempdir().unwrap();
    let run = careerbot_in(
        dir.path(),
        &["--knowledge", "missing", "ask", "hello"],
        &[("CAREERBOT_LOG_FORMAT", "json")],
    );
    assert_eq!(run.code, Some(2));
    for line in run.stderr.lines() {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(event["level"], "ERROR", "{line}");
    }
    assert!(
        run.stderr.contains("cannot read knowledge directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_server_at_the_default_level_logs_careerbots_events_and_not_tantivys() {
    use support::process::{free_port, signal, wait_ready};
    let (index, data, dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let seed = support::seed_dir();
    // The Ed25519 base point: a valid public key.
    let key = format!("58{}", "66".repeat(31));
    let child = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(["--knowledge", arg(&seed), "--index", arg(index.path())])
        .args(["--data", arg(data.path()), "serve-http"])
        .current_dir(dir.path())
        .env_clear()
        .envs([
            ("CAREERBOT_LISTEN", listen.as_str()),
            ("DISCORD_TOKEN", "t"),
            ("DISCORD_PUBLIC_KEY", key.as_str()),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve-http");
    assert!(wait_ready(port).starts_with("HTTP/1.1 200"));
    signal(child.id(), "-TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("loaded the knowledge base") && stderr.contains("serving interactions"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("metas") && !stderr.contains("Garbage collect"),
        "the index was built, and tantivy's housekeeping was not logged: {stderr}"
    );
}
