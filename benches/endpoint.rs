//! Criterion benches for the HTTP interactions path: signature headers,
//! Ed25519 verification, JSON parsing, dispatch and response JSON, as
//! `serve-http` runs them for each request (minus the socket).
//!
//! `cargo bench --bench endpoint`; PERFORMANCE.md lists the figures.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue};
use careerbot::config::{Config, Secret};
use careerbot::discord::invocation::Invocation;
use careerbot::engine::Options;
use careerbot::live::Live;
use careerbot::transport::endpoint::{self, Endpoint};
use careerbot::transport::service::{serve_now, Settings};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use serenity::model::application::Interaction;

#[path = "../tests/it/support/interactions.rs"]
mod interactions;

/// `payload` with a fresh interaction id (the endpoint refuses replays),
/// signed now.
fn signed(key: &SigningKey, payload: &Value) -> (HeaderMap, Vec<u8>) {
    let mut payload = payload.clone();
    payload["id"] = Value::String(interactions::next_id());
    let body = serde_json::to_vec(&payload).expect("json");
    let timestamp = interactions::unix_now().to_string();
    let mut headers = HeaderMap::new();
    headers.insert(
        endpoint::SIGNATURE,
        HeaderValue::from_str(&interactions::discord_signature(key, &timestamp, &body))
            .expect("hex"),
    );
    headers.insert(
        endpoint::TIMESTAMP,
        HeaderValue::from_str(&timestamp).expect("digits"),
    );
    (headers, body)
}

fn verify_and_dispatch(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let live = Arc::new(
        Live::load(Options {
            knowledge_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge"),
            index_dir: None,
            force_rebuild: false,
            limits: Default::default(),
            semantic: None,
        })
        .expect("seed loads"),
    );
    let config = Config::default();
    // No cooldown: every iteration asks as the same member.
    let settings = Settings::default();
    let endpoint = Endpoint::new(
        Arc::clone(&live),
        settings.clone(),
        key.verifying_key(),
        config.http.limits.clone(),
        None,
        Arc::new(careerbot::transport::http(&config, &Secret::new("bench"))),
    )
    .expect("no store to read");
    let cases = [
        ("ping", interactions::ping()),
        (
            "ask-salary",
            interactions::ask("how much do back-end developers make?", None),
        ),
        (
            "ask-out-of-scope",
            interactions::ask("how do I bake sourdough bread", None),
        ),
        (
            "autocomplete",
            interactions::autocomplete("ask", "question", "sal"),
        ),
    ];
    let mut group = c.benchmark_group("endpoint");
    for (name, payload) in &cases {
        // Signing a fresh request is set-up, outside the measured time.
        group.bench_function(format!("verify+dispatch/{name}"), |b| {
            b.iter_batched(
                || signed(&key, payload),
                |(headers, body)| {
                    let signed = endpoint
                        .signature(black_box(&headers), SystemTime::now())
                        .expect("fresh signature");
                    black_box(endpoint.process(&signed, black_box(&body)).expect("valid"))
                },
                BatchSize::SmallInput,
            )
        });
    }
    // The same questions without the signature check: parse, dispatch,
    // serialize; then again recording every question in the insights store
    // (queued for the writer thread, which commits in batches).
    let data = tempfile::tempdir().expect("temp dir");
    let recording = Settings {
        insights: Settings::default()
            .with_insights(&{
                let mut c = Config::default();
                c.insights.options.data_dir = data.path().to_path_buf();
                c
            })
            .expect("insights store opens")
            .insights,
        ..settings.clone()
    };
    for (name, payload) in &cases[1..3] {
        let (_, body) = signed(&key, payload);
        for (mode, settings) in [("", &settings), ("+insights", &recording)] {
            group.bench_function(format!("parse+dispatch{mode}/{name}"), |b| {
                b.iter(|| {
                    let interaction: Interaction =
                        serde_json::from_slice(black_box(&body)).expect("interaction");
                    let invocation =
                        Invocation::new(&settings.policy.moderator_roles, &interaction);
                    let d = serve_now(&live, settings, &invocation);
                    black_box(serde_json::to_vec(&d.response).expect("json"))
                })
            });
        }
    }
    group.finish();
    if let Some(insights) = &recording.insights {
        insights.close();
        println!(
            "insights: {} record(s) committed while benchmarking, {} dropped",
            insights.committed(),
            insights.dropped()
        );
    }
}

criterion_group!(benches, verify_and_dispatch);
criterion_main!(benches);
