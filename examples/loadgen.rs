//! A loopback load test of `careerbot serve-http`, bounded in time.
//!
//! It starts the release binary as a child process on a free loopback port,
//! with a test key pair and the shipped knowledge base, then keeps
//! `--connections` keep-alive connections busy for `--seconds` with signed,
//! real-shaped interactions: `/ask` with every question of the public
//! question sets (asked by many different members), `/ask` autocomplete,
//! and a few PINGs. It prints requests per second, latency percentiles and
//! status counts, then stops the server with SIGTERM and checks it exits 0.
//!
//! ```text
//! cargo build --release && cargo run --release --example loadgen -- --seconds 10 --connections 8 [--no-insights]
//! ```
//!
//! The server records every question in a temporary insights store unless
//! `--no-insights` is given. Client and server share the machine, so the
//! figure is a floor for what the server does alone.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use careerbot::eval::{percentile, QuestionSet};
use ed25519_dalek::SigningKey;
use serde_json::Value;

#[path = "../tests/it/support/interactions.rs"]
mod interactions;

struct Args {
    seconds: u64,
    connections: usize,
    binary: PathBuf,
    insights: bool,
}

fn parse_args() -> Result<Args, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = Args {
        seconds: 10,
        connections: 8,
        binary: root.join("target/release/careerbot"),
        insights: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-insights" {
            args.insights = false;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seconds" => args.seconds = value.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--connections" => {
                args.connections = value.parse().map_err(|e| format!("--connections: {e}"))?;
            }
            "--binary" => args.binary = PathBuf::from(value),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if !(1..=120).contains(&args.seconds) || args.connections == 0 {
        return Err("--seconds must be 1..=120 and --connections at least 1".into());
    }
    Ok(args)
}

/// Stands for the interaction id in a request template.
const ID: &str = "INTERACTION_ID";

/// Request bodies with [`ID`] where the interaction id goes: each request
/// gets a fresh id and is signed as it is sent, since the endpoint refuses
/// a replayed interaction.
fn templates() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut questions = Vec::new();
    for set in ["seed.toml", "holdout-seed.toml"] {
        let set =
            QuestionSet::from_file(&root.join("tests/questions").join(set)).expect("question set");
        questions.extend(set.questions.into_iter().map(|q| q.text));
        questions.extend(set.out_of_scope.into_iter().map(|q| q.text));
    }
    let mut payloads: Vec<Value> = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let mut ask = interactions::ask(q, None);
        // A different member each time, as on a busy server.
        let user = (interactions::ASKER + i as u64).to_string();
        ask["member"]["user"]["id"] = Value::String(user);
        payloads.push(ask);
        if i % 10 == 0 {
            let typed: String = q.chars().take(4).collect();
            payloads.push(interactions::autocomplete("ask", "question", &typed));
        }
        if i % 50 == 0 {
            payloads.push(interactions::ping());
        }
    }
    payloads
        .into_iter()
        .map(|mut p| {
            p["id"] = Value::String(ID.to_string());
            serde_json::to_string(&p).expect("json")
        })
        .collect()
}

/// A request from `template` with interaction id `id`, signed now:
/// (body, signature, timestamp).
fn signed(key: &SigningKey, template: &str, id: u64) -> (Vec<u8>, String, String) {
    let body = template.replacen(ID, &id.to_string(), 1).into_bytes();
    let timestamp = interactions::unix_now().to_string();
    let signature = interactions::discord_signature(key, &timestamp, &body);
    (body, signature, timestamp)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn start_server(args: &Args, key: &SigningKey, port: u16, config: &std::path::Path) -> Child {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Command::new(&args.binary)
        .args(["--config"])
        .arg(config)
        .args(["serve-http", "--listen", &format!("127.0.0.1:{port}")])
        .env(
            "DISCORD_PUBLIC_KEY",
            hex::encode(key.verifying_key().to_bytes()),
        )
        .env("DISCORD_TOKEN", "loadgen-token")
        .env("CAREERBOT_KNOWLEDGE", root.join("knowledge"))
        .env(
            "CAREERBOT_INDEX",
            std::env::temp_dir().join("careerbot-loadgen-index"),
        )
        // The load includes recording every question for /gaps and /stats.
        .env(
            "CAREERBOT_DATA",
            std::env::temp_dir().join("careerbot-loadgen-data"),
        )
        .env("CAREERBOT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} (run `cargo build --release` first): {e}",
                args.binary.display()
            )
        })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let templates = Arc::new(templates());
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("careerbot-loadgen-{port}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("careerbot.toml");
    // Every question comes from a different member, so the per-user
    // cooldown would not fire anyway; turning it off keeps the measure pure.
    // --no-insights measures the bot without recording questions.
    std::fs::write(
        &config,
        format!("cooldown_seconds = 0\ninsights = {}\n", args.insights),
    )
    .expect("config");
    let mut server = start_server(&args, &key, port, &config);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let ready_by = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < ready_by, "server not ready in 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    let connections = args.connections;
    for c in 0..connections {
        let (client, templates, key, url) = (
            client.clone(),
            Arc::clone(&templates),
            key.clone(),
            format!("{base}/interactions"),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
            let mut i = 0;
            while Instant::now() < until {
                let id = 1_190_000_000_000_000_000 + (i * connections + c) as u64;
                let (body, signature, timestamp) =
                    signed(&key, &templates[(i + c * 7) % templates.len()], id);
                i += 1;
                let t = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-signature-ed25519", signature)
                    .header("x-signature-timestamp", timestamp)
                    .body(body)
                    .send()
                    .await;
                let status = match response {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                latencies.push(t.elapsed());
                *statuses.entry(status).or_default() += 1;
            }
            (latencies, statuses)
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for t in tasks {
        let (l, s) = t.await.expect("load task");
        latencies.extend(l);
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "{} interactions in {:.1} s over {} connection(s): {:.0} interactions/s",
        latencies.len(),
        elapsed.as_secs_f64(),
        args.connections,
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    println!("statuses (0 = transport error): {statuses:?}");

    // Graceful shutdown: SIGTERM, then exit 0.
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let status = server.wait().expect("server exits");
    println!("server exit after SIGTERM: {status}");
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() || statuses.keys().any(|s| *s != 200) {
        std::process::exit(1);
    }
}
