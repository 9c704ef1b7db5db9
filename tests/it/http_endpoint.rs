//! End to end: `careerbot serve-http`'s endpoint over real HTTP on
//! 127.0.0.1:0, with a test Ed25519 key pair signing real-shaped payloads,
//! and a loopback stand-in of Discord's webhook route for `/reload`
//! follow-ups.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use careerbot::config::{Config, Secret};
use careerbot::live::Live;
use careerbot::transport::endpoint::{self, parse_public_key, Endpoint, KeyError};
use careerbot::transport::Settings;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};
use serenity::model::id::RoleId;
use support::discord::{Call, StandIn};
use support::interactions::{self as fx, Sender};
use tokio::sync::oneshot;

/// The test key pair (a fixed seed: tests are repeatable).
fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

fn now() -> u64 {
    fx::unix_now()
}

/// An edit of the original response, as the stand-in received it.
#[derive(Debug)]
struct Edit {
    app: String,
    token: String,
    body: Value,
}

struct Server {
    /// The concurrency slot a test holds, if any.
    held: Option<tokio::sync::OwnedSemaphorePermit>,
    base: String,
    /// The operators' listener, when `metrics_listen` is set.
    ops_base: Option<String>,
    endpoint: Arc<Endpoint>,
    client: reqwest::Client,
    discord: StandIn,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
    live: Arc<Live>,
}

async fn start(knowledge: &std::path::Path) -> Server {
    start_with(knowledge, |_| {}).await
}

async fn start_with(knowledge: &std::path::Path, tune: impl FnOnce(&mut Config)) -> Server {
    let discord = StandIn::start(false).await;
    let discord_port = discord.port;

    let public_key = hex::encode(signing_key().verifying_key().to_bytes());
    let mut config = {
        let mut c = Config::default();
        c.knowledge.dir = knowledge.to_path_buf();
        c.serving.policy.moderator_roles = vec![RoleId::new(fx::MOD_ROLE)];
        c.discord.api_base = Some(format!("http://127.0.0.1:{discord_port}"));
        c.discord.public_key = Some(Secret::new(public_key));
        c.discord.token = Some(Secret::new("loopback-token"));
        c.serving.cooldown = Duration::ZERO;
        c.insights.enabled = false;
        c
    };
    tune(&mut config);
    let live = Arc::new(support::live_hybrid(knowledge));
    let http = Arc::new(careerbot::transport::http(
        &config,
        config.discord.token.as_ref().expect("token"),
    ));
    let key = parse_public_key(config.discord.public_key.as_ref()).expect("test key parses");
    let ops = match &config.http.metrics_listen {
        Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.expect("bind")),
        None => None,
    };
    let ops_base = ops
        .as_ref()
        .map(|l| format!("http://{}", l.local_addr().expect("addr")));
    let settings = Settings::from_config(&config)
        .with_insights(&config)
        .expect("the insights store opens");
    // A test that sets `max_in_flight = 1` gets that one slot held, so every
    // interaction finds the bot at its concurrency bound.
    let held = (config.serving.max_in_flight == 1).then(|| {
        Arc::clone(&settings.in_flight)
            .try_acquire_owned()
            .expect("the only slot")
    });
    let endpoint = Arc::new(
        Endpoint::new(
            Arc::clone(&live),
            settings,
            key,
            config.http.limits.clone(),
            config.discord.application_id,
            http,
        )
        .expect("the replay guard reads the store"),
    );
    let listener = endpoint::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(endpoint::serve(
        Arc::clone(&endpoint),
        listener,
        ops,
        async {
            let _ = stopped.await;
        },
    ));
    Server {
        held,
        base,
        ops_base,
        endpoint,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        discord,
        stop: Some(stop),
        served,
        live,
    }
}

/// A body signed the way Discord signs it: timestamp + body.
fn sign(timestamp: &str, body: &[u8]) -> String {
    fx::discord_signature(&signing_key(), timestamp, body)
}

/// A whole HTTP/1.1 request POSTing `payload`, signed now, as raw bytes.
fn signed_request(payload: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(payload).expect("json");
    let t = now().to_string();
    let mut request = format!(
        "POST /interactions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Signature-Ed25519: {}\r\nX-Signature-Timestamp: {t}\r\n\r\n",
        body.len(),
        sign(&t, &body)
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request
}

/// Sends `request` on `stream` and reads the response to the end.
fn exchange(
    mut stream: tokio::net::TcpStream,
    request: Vec<u8>,
) -> tokio::task::JoinHandle<std::io::Result<String>> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    tokio::spawn(async move {
        stream.write_all(&request).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    })
}

/// Every exchange got an HTTP 200 in time, none was dropped.
async fn assert_all_answered(answers: Vec<tokio::task::JoinHandle<std::io::Result<String>>>) {
    for (i, answer) in answers.into_iter().enumerate() {
        let text = tokio::time::timeout(Duration::from_secs(20), answer)
            .await
            .expect("answered in time")
            .unwrap()
            .unwrap_or_else(|e| panic!("connection {i} lost: {e}"));
        assert!(text.starts_with("HTTP/1.1 200"), "connection {i}: {text:?}");
    }
}

impl Server {
    /// POSTs `body` with the given signature headers.
    async fn post_raw(
        &self,
        body: Vec<u8>,
        signature: Option<String>,
        timestamp: Option<String>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/interactions", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = signature {
            request = request.header("X-Signature-Ed25519", s);
        }
        if let Some(t) = timestamp {
            request = request.header("X-Signature-Timestamp", t);
        }
        request.send().await.expect("request reaches the endpoint")
    }

    /// POSTs `payload`, correctly signed now.
    async fn post(&self, payload: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(payload).expect("json");
        let timestamp = now().to_string();
        let signature = sign(&timestamp, &body);
        self.post_raw(body, Some(signature), Some(timestamp)).await
    }

    /// POSTs `payload` signed and returns the JSON response.
    async fn interact(&self, payload: &Value) -> Value {
        let response = self.post(payload).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "Discord needs the JSON content type"
        );
        let body = response.text().await.expect("a body");
        serde_json::from_str(&body).expect("JSON body")
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// The next edit of an original response (the endpoint answers
    /// interactions in the HTTP body, so that is all it sends Discord).
    async fn next_edit(&mut self) -> Edit {
        match self.discord.next_call().await {
            Call::EditOriginal {
                app, token, body, ..
            } => Edit { app, token, body },
            other => panic!("expected an edit of the original response, got {other:?}"),
        }
    }

    /// Shuts down and checks that serving ends cleanly.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let ended = tokio::time::timeout(Duration::from_secs(20), self.served)
            .await
            .expect("serve stops on shutdown");
        assert!(ended.expect("serve did not panic").is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_ping_gets_pong() {
    let server = start(&support::seed_dir()).await;
    let response = server.post(&fx::ping()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"type":1}"#);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_missing_malformed_and_stale_signatures_get_401() {
    let server = start(&support::seed_dir()).await;
    let body = serde_json::to_vec(&fx::ping()).unwrap();
    let t = now().to_string();
    let good = sign(&t, &body);

    // Signed by another key.
    let other = SigningKey::from_bytes(&[7u8; 32]);
    let mut message = t.as_bytes().to_vec();
    message.extend_from_slice(&body);
    let foreign = hex::encode(other.sign(&message).to_bytes());
    // The right signature over a different body (one byte changed).
    let mut tampered = body.clone();
    let last = tampered.len() - 2;
    tampered[last] = b'2';
    let stale = (now() - 301).to_string();
    let future = (now() + 301).to_string();
    // (what, body, signature header, timestamp header)
    type Case = (&'static str, Vec<u8>, Option<String>, Option<String>);
    let cases: Vec<Case> = vec![
        ("another key", body.clone(), Some(foreign), Some(t.clone())),
        (
            "tampered body",
            tampered,
            Some(good.clone()),
            Some(t.clone()),
        ),
        ("no signature", body.clone(), None, Some(t.clone())),
        ("no timestamp", body.clone(), Some(good.clone()), None),
        ("no headers", body.clone(), None, None),
        (
            "short signature",
            body.clone(),
            Some(good[..100].to_string()),
            Some(t.clone()),
        ),
        (
            "signature not hex",
            body.clone(),
            Some("zz".repeat(64)),
            Some(t.clone()),
        ),
        (
            "timestamp not a number",
            body.clone(),
            Some(good.clone()),
            Some("soon".into()),
        ),
        (
            "stale timestamp",
            body.clone(),
            Some(sign(&stale, &body)),
            Some(stale),
        ),
        (
            "timestamp from the future",
            body.clone(),
            Some(sign(&future, &body)),
            Some(future),
        ),
    ];
    for (what, body, signature, timestamp) in cases {
        let response = server.post_raw(body, signature, timestamp).await;
        assert_eq!(response.status(), 401, "{what}");
        let text = response.text().await.unwrap();
        assert_eq!(text, "invalid request signature\n", "{what}: says no more");
    }
    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_http_rejected_total{reason="stale_timestamp"} 2"#),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_salary_question_gets_the_salary_passage_pinging_nobody() {
    let server = start(&support::seed_dir()).await;
    let r = server
        .interact(&fx::ask(
            "@everyone how much do back-end developers make? <@&1190000000000000900>",
            None,
        ))
        .await;
    assert_eq!(r["type"], support::callback::MESSAGE, "{r:#}");
    let embed = &r["data"]["embeds"][0];
    assert!(
        embed["description"].as_str().unwrap().contains("$100,376"),
        "{r:#}"
    );
    assert_eq!(r["data"]["allowed_mentions"]["parse"], json!([]));
    assert!(r["data"]["allowed_mentions"]
        .get("users")
        .is_none_or(|u| u.as_array().is_some_and(Vec::is_empty)));
    assert!(r["data"]["allowed_mentions"]
        .get("roles")
        .is_none_or(|u| u.as_array().is_some_and(Vec::is_empty)));

    let (status, metrics) = server.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains(r#"careerbot_interactions_total{kind="command",command="ask"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("careerbot_interaction_duration_seconds_bucket"));
    let ranked: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("careerbot_answers_total{ranking="))
        .collect();
    assert_eq!(
        ranked.len(),
        1,
        "one answer, counted once by its ranking: {metrics}"
    );
    assert!(ranked[0].ends_with(" 1"), "{ranked:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_autocomplete_gets_at_most_25_choices() {
    let server = start(&support::seed_dir()).await;
    for typed in ["", "sal", "what", "zzzz"] {
        let r = server
            .interact(&fx::autocomplete("ask", "question", typed))
            .await;
        assert_eq!(r["type"], support::callback::AUTOCOMPLETE_RESULT);
        let choices = r["data"]["choices"].as_array().expect("choices");
        assert!(choices.len() <= 25, "{typed:?}: {}", choices.len());
        for c in choices {
            assert!(c["name"].as_str().unwrap().chars().count() <= 100);
        }
        if typed == "sal" {
            assert!(!choices.is_empty(), "salary sections are suggested");
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_is_refused_to_members_and_deferred_then_edited_for_moderators() {
    let dir = support::knowledge(&[("data-engineer.md", support::GOOD_ARTICLE.as_bytes())]);
    let mut server = start(dir.path()).await;

    let refused = server
        .interact(&fx::command("reload", json!([]), &Sender::member()))
        .await;
    assert_eq!(refused["type"], support::callback::MESSAGE);
    assert_eq!(refused["data"]["flags"], 64, "ephemeral");
    assert!(refused["data"]["content"]
        .as_str()
        .unwrap()
        .contains("moderators"));
    assert_eq!(server.live.version(), 1);

    std::fs::write(
        dir.path().join("devops.md"),
        "# DevOps engineer\n\n## What a DevOps engineer does\n\nA DevOps engineer automates deployments and runs the build pipelines.\n",
    )
    .unwrap();
    let deferred = server
        .interact(&fx::command("reload", json!([]), &Sender::manager()))
        .await;
    assert_eq!(
        deferred["type"],
        support::callback::DEFERRED_MESSAGE,
        "deferred at once: {deferred:#}"
    );
    let edit = server.next_edit().await;
    assert_eq!(edit.app, fx::APP);
    assert_eq!(edit.token, "aW50ZXJhY3Rpb246dGVzdDp0b2tlbg");
    let description = edit.body["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.contains("Now serving version 2"),
        "{description}"
    );
    assert!(description.contains("DevOps engineer"), "{description}");
    assert_eq!(edit.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(server.live.version(), 2);

    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_reloads_total{cause="/reload",result="ok"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("careerbot_knowledge_version 2"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_malformed_and_unknown_bodies_get_413_and_400() {
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.max_body_bytes = 4096
    })
    .await;
    // Oversized, and correctly signed: the size alone refuses it.
    let mut big = fx::ask("what does a back-end developer do?", None);
    big["data"]["options"][0]["value"] = json!("x".repeat(5000));
    let response = server.post(&big).await;
    assert_eq!(response.status(), 413);

    // The same without a Content-Length (chunked): refused while reading.
    {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let body = serde_json::to_vec(&big).unwrap();
        let t = now().to_string();
        let addr = server.base.trim_start_matches("http://").to_string();
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut request = format!(
            "POST /interactions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nX-Signature-Ed25519: {}\r\nX-Signature-Timestamp: {t}\r\n\r\n",
            sign(&t, &body)
        )
        .into_bytes();
        for chunk in body.chunks(1000) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        let _ = stream.write_all(&request).await;
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
        let text = String::from_utf8_lossy(&buf);
        assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    }

    // Signed, but not JSON.
    let body = b"{not json".to_vec();
    let t = now().to_string();
    let response = server
        .post_raw(body.clone(), Some(sign(&t, &body)), Some(t.clone()))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        "not a Discord interaction\n"
    );

    // Signed JSON of an interaction type that does not exist.
    let mut unknown = fx::ping();
    unknown["type"] = json!(99);
    assert_eq!(server.post(&unknown).await.status(), 400);
    // Signed JSON that is not an interaction at all.
    assert_eq!(server.post(&json!([1, 2, 3])).await.status(), 400);
    // A signed /ask whose avatar hash is 32 bytes of non-ASCII text, which
    // serenity's own parser would panic on.
    let mut odd_avatar = fx::ask("what does a back-end developer do?", None);
    odd_avatar["member"]["user"]["avatar"] = json!("é".repeat(16));
    assert_eq!(server.post(&odd_avatar).await.status(), 400);

    // Still serving.
    assert_eq!(server.post(&fx::ping()).await.status(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_unknown_routes() {
    let server = start(&support::seed_dir()).await;
    assert_eq!(server.get("/healthz").await, (200, "ok\n".to_string()));
    let (status, ready) = server.get("/readyz").await;
    assert_eq!(status, 200);
    assert!(ready.contains("knowledge version 1"), "{ready}");
    assert_eq!(server.get("/nowhere").await.0, 404);
    assert_eq!(server.get("/interactions").await.0, 405);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_request_is_timed_out() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.request_timeout = Duration::from_millis(300);
    })
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();

    // Headers never finished: the connection is closed.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"POST /interactions HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the server closes a connection stuck in its headers"
    );

    // Headers sent and signed, body promised but never sent: 408.
    let t = now().to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Signature-Ed25519: {}\r\nX-Signature-Timestamp: {t}\r\n\r\n{{",
        sign(&t, b"{")
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_every_connection_it_took_even_before_its_request_arrived() {
    // The default drain (none): a rolling restart must still lose nothing.
    let server = start(&support::seed_dir()).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    // Fifty clients connected, some accepted and some still in the kernel's
    // queue, none of which has sent its request when the stop comes.
    let mut streams = Vec::new();
    for _ in 0..50 {
        streams.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let Server { stop, served, .. } = server;
    let _ = stop.expect("running").send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut answers = Vec::new();
    for (i, stream) in streams.into_iter().enumerate() {
        let payload = if i % 2 == 0 {
            fx::ping()
        } else {
            fx::ask("what does a back-end developer do?", None)
        };
        answers.push(exchange(stream, signed_request(&payload)));
    }
    assert_all_answered(answers).await;
    let ended = tokio::time::timeout(Duration::from_secs(20), served)
        .await
        .expect("serve ends once they are answered");
    assert!(ended.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_the_connections_waiting_in_the_kernel_queue() {
    // Ten slots, each held by a verified request waiting for the one (held)
    // in-flight slot: new connections can only wait in the accept queue.
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.max_connections = 10;
        c.serving.max_in_flight = 1;
    })
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let signed_ask = || signed_request(&fx::ask("what does a back-end developer do?", None));
    let mut answers = Vec::new();
    for _ in 0..10 {
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        answers.push(exchange(stream, signed_ask()));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut queued = Vec::new();
    for _ in 0..20 {
        queued.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let Server {
        stop, served, held, ..
    } = server;
    let _ = stop.expect("running").send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    for stream in queued {
        answers.push(exchange(stream, signed_ask()));
    }
    assert_all_answered(answers).await;
    drop(held);
    let ended = tokio::time::timeout(Duration::from_secs(20), served)
        .await
        .expect("serve ends once they are answered");
    assert!(ended.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_a_request_in_flight() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let server = start(&support::seed_dir()).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    // A request whose body is still arriving when shutdown begins.
    let body = serde_json::to_vec(&fx::ping()).unwrap();
    let t = now().to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Signature-Ed25519: {}\r\nX-Signature-Timestamp: {t}\r\n\r\n",
        body.len(),
        sign(&t, &body)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let Server {
        stop, served, base, ..
    } = server;
    let _ = stop.expect("running").send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(&body[10..]).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .expect("answered and closed")
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with(r#"{"type":1}"#), "{text}");
    let ended = tokio::time::timeout(Duration::from_secs(20), served)
        .await
        .expect("serve ends once the request is done");
    assert!(ended.unwrap().is_ok());
    // No longer accepting.
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
}

#[test]
fn a_bad_public_key_is_a_clear_error_not_a_panic() {
    let key = |s: &str| parse_public_key(Some(&Secret::new(s)));
    assert_eq!(parse_public_key(None).unwrap_err(), KeyError::Missing);
    assert_eq!(key("  ").unwrap_err(), KeyError::Missing);
    assert_eq!(key("abc").unwrap_err(), KeyError::Length(3));
    assert_eq!(key(&"zz".repeat(32)).unwrap_err(), KeyError::NotHex);
    assert_eq!(key(&"é".repeat(64)).unwrap_err(), KeyError::NotHex);
    // 32 bytes that do not decompress to a curve point.
    assert_eq!(key(&"ab".repeat(32)).unwrap_err(), KeyError::NotAKey);
    let good = hex::encode(signing_key().verifying_key().to_bytes());
    assert!(key(&good).is_ok());
    assert!(key(&good.to_uppercase()).is_ok());
    // A token pasted by mistake is not echoed back.
    let token_like = "MTE5MDAwMDAwMDAwMDAwMDAwMQ.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789";
    let message = key(token_like).unwrap_err().to_string();
    assert!(!message.contains(token_like), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_request_is_refused_even_with_a_valid_signature() {
    let server = start(&support::seed_dir()).await;
    let body = serde_json::to_vec(&fx::ask("what does a back-end developer do?", None)).unwrap();
    let t = now().to_string();
    let signature = sign(&t, &body);
    let first = server
        .post_raw(body.clone(), Some(signature.clone()), Some(t.clone()))
        .await;
    assert_eq!(first.status(), 200);
    let again = server.post_raw(body, Some(signature), Some(t)).await;
    assert_eq!(again.status(), 401);
    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_http_rejected_total{reason="replay"} 1"#),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_is_checked_before_the_body_is_judged() {
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.max_body_bytes = 1024
    })
    .await;
    let t = now().to_string();
    // Not JSON, and not signed by the key: 401, not 400.
    let response = server
        .post_raw(
            b"{not json".to_vec(),
            Some(sign(&t, b"something else")),
            Some(t.clone()),
        )
        .await;
    assert_eq!(response.status(), 401);
    // Too large, and no signature headers at all: 401, not 413.
    let response = server.post_raw(vec![b'x'; 4096], None, None).await;
    assert_eq!(response.status(), 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_unanswered_questions_and_failed_reloads_in_openmetrics_text() {
    let dir = support::knowledge(&[("data-engineer.md", support::GOOD_ARTICLE.as_bytes())]);
    let mut server = start(dir.path()).await;
    let r = server
        .interact(&fx::ask("how do I bake sourdough bread", None))
        .await;
    assert_eq!(r["data"]["flags"], 64, "declined privately: {r:#}");

    std::fs::write(
        dir.path().join("broken.md"),
        "+++\ntitle = \"never closed\"\n",
    )
    .unwrap();
    let deferred = server
        .interact(&fx::command("reload", json!([]), &Sender::moderator_role()))
        .await;
    assert_eq!(deferred["type"], support::callback::DEFERRED_MESSAGE);
    let edit = server.next_edit().await;
    let title = edit.body["embeds"][0]["title"].as_str().unwrap();
    assert!(title.contains("Reload failed"), "{title}");
    assert!(
        edit.body["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("broken.md:"),
        "{:#}",
        edit.body
    );
    assert_eq!(
        server.live.version(),
        1,
        "still serving the previous knowledge"
    );

    let response = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let metrics = response.text().await.unwrap();
    assert!(
        metrics.contains("careerbot_unanswered_questions_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"careerbot_reloads_total{cause="/reload",result="failed"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("careerbot_knowledge_version 1"),
        "{metrics}"
    );
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_answers_deferred_before_any_reload_runs() {
    let dir = support::knowledge(&[("data-engineer.md", support::GOOD_ARTICLE.as_bytes())]);
    let mut server = start(dir.path()).await;
    // The endpoint's own request path, without the socket: the deferred
    // response is complete while the knowledge is still version 1.
    let body = serde_json::to_vec(&fx::command("reload", json!([]), &Sender::manager())).unwrap();
    let t = now().to_string();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(endpoint::SIGNATURE, sign(&t, &body).parse().unwrap());
    headers.insert(endpoint::TIMESTAMP, t.parse().unwrap());
    let signed = server
        .endpoint
        .signature(&headers, SystemTime::now())
        .expect("fresh");
    let processed = server.endpoint.process(&signed, &body).expect("valid");
    let response: Value = serde_json::from_slice(&processed.body).unwrap();
    assert_eq!(response["type"], support::callback::DEFERRED_MESSAGE);
    assert!(
        processed.follow_up.is_some(),
        "the reload is left to a follow-up"
    );
    assert_eq!(server.live.version(), 1, "nothing reloaded yet");
    assert!(server.discord.calls.try_recv().is_err(), "no edit yet");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_window_is_configurable() {
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.signature_window = Duration::from_secs(10);
    })
    .await;
    let body = serde_json::to_vec(&fx::ping()).unwrap();
    let old = (now() - 30).to_string();
    let response = server
        .post_raw(body.clone(), Some(sign(&old, &body)), Some(old))
        .await;
    assert_eq!(response.status(), 401, "30 s old is outside a 10 s window");
    let recent = (now() - 5).to_string();
    let response = server
        .post_raw(body.clone(), Some(sign(&recent, &body)), Some(recent))
        .await;
    assert_eq!(response.status(), 200, "5 s old is inside it");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_says_503_while_draining_and_requests_are_still_served() {
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.drain = Duration::from_secs(3)
    })
    .await;
    assert_eq!(server.get("/readyz").await.0, 200);
    let Server {
        stop,
        served,
        base,
        client,
        ..
    } = server;
    let _ = stop.expect("running").send(());
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let status = loop {
        let r = client.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() != 200 || std::time::Instant::now() > deadline {
            break r.status().as_u16();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status, 503, "not ready once shutdown begins");
    // Still answering interactions during the drain.
    let body = serde_json::to_vec(&fx::ping()).unwrap();
    let t = now().to_string();
    let r = client
        .post(format!("{base}/interactions"))
        .header("X-Signature-Ed25519", sign(&t, &body))
        .header("X-Signature-Timestamp", t)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ended = tokio::time::timeout(Duration::from_secs(20), served)
        .await
        .expect("serve ends after the drain");
    assert!(ended.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_give_way_to_new_ones_at_the_cap() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let server = start_with(&support::seed_dir(), |c| {
        c.http.limits.request_timeout = Duration::from_millis(500);
        c.http.limits.max_connections = 2;
    })
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();

    // An idle connection (nothing sent) is closed after the timeout.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "an idle connection is closed");

    // Two idle connections hold both slots; a third is served at once, and
    // the older idle one is closed to make room: the cap still holds.
    let mut held_a = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut held_b = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut third = tokio::net::TcpStream::connect(&addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_millis(400), third.read_to_end(&mut buf))
        .await
        .expect("served before any idle connection timed out")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
    let mut byte = [0u8; 1];
    let a_closed = tokio::time::timeout(Duration::from_millis(100), held_a.read(&mut byte)).await;
    assert!(
        matches!(a_closed, Ok(Ok(0))),
        "the oldest idle connection gave way"
    );
    let b_open = tokio::time::timeout(Duration::from_millis(100), held_b.read(&mut byte)).await;
    assert!(b_open.is_err(), "the newer idle connection stays open");
    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_http_rejected_total{reason="evicted_untrusted"}"#),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_on_fresh_connections_are_answered_while_700_idle_sockets_reconnect() {
    let server = start(&support::seed_dir()).await;
    let addr: std::net::SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let flood = support::flood::Flood::start(addr, 700, 2);
    let ready = tokio::task::block_in_place(|| flood.wait(700, 200, Duration::from_secs(60)));
    assert!(ready, "the flood filled every slot and keeps reconnecting");
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let body = serde_json::to_vec(&fx::ping()).unwrap();
        let t = now().to_string();
        let signature = sign(&t, &body);
        let started = std::time::Instant::now();
        let response = tokio::task::spawn_blocking(move || {
            support::process::request(
                addr.port(),
                "POST",
                "/interactions",
                &[
                    ("Content-Type", "application/json"),
                    ("X-Signature-Ed25519", &signature),
                    ("X-Signature-Timestamp", &t),
                ],
                &body,
            )
        })
        .await
        .unwrap()
        .expect("answered");
        let took = started.elapsed();
        slowest = slowest.max(took);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with(r#"{"type":1}"#), "{response}");
        assert!(took < Duration::from_secs(1), "answered in {took:?}");
    }
    let reconnects = flood.reconnects.load(std::sync::atomic::Ordering::Relaxed);
    flood.stop();
    eprintln!("slowest of 20 signed requests: {slowest:?}; {reconnects} flood reconnects");
    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_http_rejected_total{reason="evicted_untrusted"}"#),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_have_their_own_listener() {
    let server = start_with(&support::seed_dir(), |c| {
        c.http.metrics_listen = Some("127.0.0.1:0".to_string());
    })
    .await;
    assert_eq!(
        server.get("/metrics").await.0,
        404,
        "not beside the interactions"
    );
    let ops = server.ops_base.clone().expect("ops listener");
    let r = reqwest::get(format!("{ops}/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("careerbot_knowledge_version"));
    assert_eq!(
        server.get("/readyz").await.0,
        200,
        "health checks stay on the main port"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_concurrency_bound_a_signed_interaction_gets_a_private_busy_reply() {
    let mut server = start_with(&support::seed_dir(), |c| c.serving.max_in_flight = 1).await;
    let started = std::time::Instant::now();
    let r = server
        .interact(&fx::ask("@everyone what is the salary?", None))
        .await;
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "it waited for a slot first"
    );
    assert_eq!(r["type"], support::callback::MESSAGE);
    assert_eq!(r["data"]["flags"], 64, "private: {r:#}");
    assert!(r["data"]["content"].as_str().unwrap().contains("busy"));
    assert_eq!(r["data"]["allowed_mentions"]["parse"], json!([]));
    // A forged request is still refused, not told the bot is busy.
    let body = serde_json::to_vec(&fx::ping()).unwrap();
    let t = now().to_string();
    let forged = server
        .post_raw(body.clone(), Some(sign(&t, b"other")), Some(t))
        .await;
    assert_eq!(forged.status(), 401);
    // Once the slot is free, answers come back.
    server.held = None;
    let r = server.interact(&fx::ask("what is the salary?", None)).await;
    assert!(r["data"]["embeds"][0]["description"].as_str().is_some());
    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_http_rejected_total{reason="busy"} 1"#),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_is_refused_after_a_restart_inside_the_signature_window() {
    use axum::http::{HeaderMap, HeaderValue};
    let data = tempfile::tempdir().unwrap();
    let live = Arc::new(support::live_hybrid(&support::seed_dir()));
    let config = {
        let mut c = Config::default();
        c.insights.options.data_dir = data.path().to_path_buf();
        c.serving.cooldown = Duration::ZERO;
        c
    };
    let endpoint_process = || {
        let settings = Settings::from_config(&config)
            .with_insights(&config)
            .expect("insights store opens");
        let endpoint = Endpoint::new(
            Arc::clone(&live),
            settings.clone(),
            signing_key().verifying_key(),
            config.http.limits.clone(),
            None,
            Arc::new(careerbot::transport::http(&config, &Secret::new("t"))),
        )
        .expect("the replay guard reads the store");
        (endpoint, settings)
    };
    // A request as Discord signs it: its headers and body.
    let signed_now = |payload: &Value| {
        let body = serde_json::to_vec(payload).unwrap();
        let t = now().to_string();
        let mut headers = HeaderMap::new();
        headers.insert(
            endpoint::SIGNATURE,
            HeaderValue::from_str(&sign(&t, &body)).unwrap(),
        );
        headers.insert(endpoint::TIMESTAMP, HeaderValue::from_str(&t).unwrap());
        (headers, body)
    };
    // One captured request, replayed to each process.
    let (headers, body) = signed_now(&fx::ask("what is the salary?", None));

    let (first, settings) = endpoint_process();
    let signed = first.signature(&headers, SystemTime::now()).unwrap();
    assert!(
        first.process(&signed, &body).is_ok(),
        "the original is answered"
    );
    assert_eq!(
        first.process(&signed, &body).unwrap_err(),
        endpoint::Rejection::Replay
    );
    // The process stops (its insights are stored as at shutdown) and a new one starts.
    drop(first);
    settings.close_insights();
    drop(settings);

    let (second, settings) = endpoint_process();
    let signed = second.signature(&headers, SystemTime::now()).unwrap();
    assert_eq!(
        second.process(&signed, &body).unwrap_err(),
        endpoint::Rejection::Replay,
        "the restarted endpoint remembers the interaction"
    );
    // A new interaction is still answered.
    let (headers, fresh) = signed_now(&fx::ask("what is the salary?", None));
    let signed = second.signature(&headers, SystemTime::now()).unwrap();
    assert!(second.process(&signed, &fresh).is_ok());
    settings.close_insights();
}

impl support::community::Bot for Server {
    async fn interact(&mut self, payload: Value) -> Value {
        Server::interact(self, &payload).await
    }

    fn discord(&mut self) -> &mut StandIn {
        &mut self.discord
    }
}

/// The endpoint on a writable copy of the shipped knowledge (the first
/// directory), with insights in the second: what a moderator writing
/// answers from Discord needs.
async fn start_writable() -> (Server, tempfile::TempDir, tempfile::TempDir) {
    let knowledge = support::community::copy_of(&support::seed_dir());
    let data = tempfile::tempdir().expect("data dir");
    let server = start_with(knowledge.path(), |c| {
        c.insights.enabled = true;
        c.insights.options.data_dir = data.path().to_path_buf();
    })
    .await;
    (server, knowledge, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_a_moderator_answers_a_gap_and_the_next_asker_gets_that_answer() {
    let (mut server, knowledge, _data) = start_writable().await;
    support::community::answer_a_gap(&mut server, knowledge.path()).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_stats_come_with_a_chart_uploaded_as_a_png_the_embed_shows() {
    let (mut server, _knowledge, _data) = start_writable().await;
    support::community::stats_with_a_chart(&mut server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_a_moderator_saves_a_members_reply_as_an_answer_credited_to_its_author() {
    let (mut server, knowledge, _data) = start_writable().await;
    support::community::save_a_reply_as_answer(&mut server, knowledge.path()).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_the_posts_owner_marks_a_solution_the_post_is_tagged_a_bystander_is_refused_and_a_moderator_saves_it(
) {
    let (mut server, knowledge, _data) = start_writable().await;
    support::community::mark_a_solution(&mut server).await;
    support::community::save_a_marked_solution(&mut server, knowledge.path()).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_an_answer_for_a_target_pings_them_alone_a_bystander_rates_it_and_only_its_owners_delete_answers(
) {
    let mut server = start(&support::seed_dir()).await;
    support::community::answer_for_a_target(&mut server).await;
    server.stop().await;
}
