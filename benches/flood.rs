//! Criterion bench for `serve-http` under a flood of idle sockets: one
//! signed PING on a fresh connection (connect, request, response, close)
//! with the server quiet, then while 700 sockets that send nothing hold
//! more than every one of its 512 connection slots and reconnect as fast as
//! they are closed. The second must stay in the same range as the first,
//! far under Discord's 3-second deadline; the slowest of the measured
//! requests is printed too.
//!
//! `cargo bench --bench flood`; SECURITY.md lists the figures.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use careerbot::config::{Config, Secret};
use careerbot::engine::Options;
use careerbot::live::Live;
use careerbot::transport::endpoint::{self, Endpoint};
use careerbot::transport::Settings;
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;

#[path = "../tests/it/support/flood.rs"]
mod flood;
#[path = "../tests/it/support/interactions.rs"]
mod interactions;

/// The endpoint with the default limits, served on a loopback port by a
/// two-thread runtime of its own (the bench thread is the client).
fn serve(key: &SigningKey) -> (SocketAddr, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
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
    let endpoint = Arc::new(
        Endpoint::new(
            live,
            Settings::default(),
            key.verifying_key(),
            config.http.limits.clone(),
            None,
            Arc::new(careerbot::transport::http(&config, &Secret::new("bench"))),
        )
        .expect("no store to read"),
    );
    let listener = runtime
        .block_on(endpoint::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    runtime.spawn(endpoint::serve(
        endpoint,
        listener,
        None,
        std::future::pending(),
    ));
    (addr, runtime)
}

/// One signed PING on a fresh connection; the whole response.
fn ping(addr: SocketAddr, key: &SigningKey) -> String {
    use std::io::{Read as _, Write as _};
    let body = serde_json::to_vec(&interactions::ping()).expect("json");
    let t = interactions::unix_now().to_string();
    let signature = interactions::discord_signature(key, &t, &body);
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST /interactions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Signature-Ed25519: {signature}\r\nX-Signature-Timestamp: {t}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("head");
    s.write_all(&body).expect("body");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("response");
    assert!(text.ends_with(r#"{"type":1}"#), "{text}");
    text
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let (addr, _runtime) = serve(&key);
    let mut group = c.benchmark_group("flood");
    group.sample_size(20);
    group.bench_function("signed_ping_fresh_connection/quiet", |b| {
        b.iter(|| black_box(ping(addr, &key)))
    });
    let sockets = 700;
    let idle = flood::Flood::start(addr, sockets, 2);
    assert!(
        idle.wait(sockets, 200, Duration::from_secs(60)),
        "the flood is under way"
    );
    let mut slowest = Duration::ZERO;
    let mut measured = 0u32;
    group.bench_function("signed_ping_fresh_connection/700_idle_reconnecting", |b| {
        b.iter(|| {
            let started = Instant::now();
            let text = ping(addr, &key);
            slowest = slowest.max(started.elapsed());
            measured += 1;
            black_box(text)
        })
    });
    group.finish();
    let reconnects = idle.reconnects.load(std::sync::atomic::Ordering::Relaxed);
    idle.stop();
    println!(
        "under the flood: slowest of {measured} signed requests {slowest:?}; {reconnects} flood reconnections"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
