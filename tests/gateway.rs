//! End to end: the production gateway bot (`transport::gateway::serve`, the
//! real serenity client) against a loopback stand-in for Discord: the HTTP
//! API and the gateway websocket on 127.0.0.1:0.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use careerbot::config::{Config, Secret};
use careerbot::transport::gateway::{serve, Sharding};
use careerbot::transport::Settings;
use serde_json::{json, Value};
use serenity::model::id::RoleId;
use support::interactions::{self as fx, Sender};
use tokio::sync::{mpsc, oneshot, Mutex};

/// What the bot sent to the stand-in.
#[derive(Debug)]
enum Call {
    Callback {
        id: String,
        body: Value,
    },
    EditOriginal {
        app: String,
        body: Value,
    },
    PutCommands {
        app: String,
        guild: String,
        body: Value,
    },
}

struct Discord {
    port: u16,
    calls: Mutex<mpsc::UnboundedSender<Call>>,
    /// Interactions to push over the gateway once the bot is READY.
    push: Mutex<Option<mpsc::UnboundedReceiver<Value>>>,
    /// Close IDENTIFY with 4004 (authentication failed), as Discord does for a bad token.
    reject_token: bool,
}

async fn gateway_url(State(d): State<Arc<Discord>>) -> Json<Value> {
    Json(json!({ "url": format!("ws://127.0.0.1:{}", d.port) }))
}

async fn gateway_bot(State(d): State<Arc<Discord>>) -> Json<Value> {
    Json(json!({
        "url": format!("ws://127.0.0.1:{}", d.port), "shards": 1,
        "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 }
    }))
}

async fn callback(
    State(d): State<Arc<Discord>>,
    Path((id, _token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> StatusCode {
    let _ = d.calls.lock().await.send(Call::Callback { id, body });
    StatusCode::NO_CONTENT
}

async fn edit_original(
    State(d): State<Arc<Discord>>,
    Path((app, _token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let _ = d.calls.lock().await.send(Call::EditOriginal { app, body });
    Json(fx::message(
        "1190000000000000801",
        1190000000000000001,
        "",
        json!([]),
    ))
}

async fn application() -> Json<Value> {
    Json(json!({
        "id": fx::APP, "name": "careerbot", "icon": null, "description": "", "bot_public": true,
        "bot_require_code_grant": false, "owner": null, "verify_key": "00", "team": null,
        "role_connections_verification_url": null, "approximate_guild_count": 1,
        "approximate_user_install_count": 0, "guild": null, "redirect_uris": [],
        "interactions_endpoint_url": null, "flags": 0
    }))
}

async fn put_guild_commands(
    State(d): State<Arc<Discord>>,
    Path((app, guild)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let _ = d
        .calls
        .lock()
        .await
        .send(Call::PutCommands { app, guild, body });
    Json(json!([]))
}

async fn fallback(uri: axum::http::Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("stand-in has no route for {uri}"),
    )
        .into_response()
}

async fn websocket(State(d): State<Arc<Discord>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| gateway_session(d, socket))
}

/// HELLO, wait for IDENTIFY, READY, then push interactions; ACK heartbeats.
/// Nothing is pushed before READY, as Discord sends no dispatch before it.
async fn gateway_session(d: Arc<Discord>, mut socket: WebSocket) {
    let send = |v: Value| WsMessage::Text(v.to_string().into());
    if socket
        .send(send(
            json!({ "op": 10, "d": { "heartbeat_interval": 41250 } }),
        ))
        .await
        .is_err()
    {
        return;
    }
    let mut seq = 0u64;
    let mut push = d.push.lock().await.take();
    let mut ready = false;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(WsMessage::Text(text))) = incoming else { return };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                match frame["op"].as_u64() {
                    Some(1) => { let _ = socket.send(send(json!({ "op": 11 }))).await; }
                    Some(2) if d.reject_token => {
                        let close = axum::extract::ws::CloseFrame { code: 4004, reason: "Authentication failed.".into() };
                        let _ = socket.send(WsMessage::Close(Some(close))).await;
                        return;
                    }
                    Some(2) => {
                        seq += 1;
                        let hello_ready = json!({
                            "op": 0, "t": "READY", "s": seq,
                            "d": {
                                "v": 10, "user": { "id": fx::APP, "username": "careerbot", "discriminator": "0", "avatar": null, "bot": true, "global_name": null },
                                "guilds": [], "session_id": "loopback-session",
                                "resume_gateway_url": format!("ws://127.0.0.1:{}", d.port),
                                "shard": [0, 1], "application": { "id": fx::APP, "flags": 0 }
                            }
                        });
                        let _ = socket.send(send(hello_ready)).await;
                        ready = true;
                    }
                    _ => {}
                }
            }
            next = async { match push.as_mut() { Some(rx) if ready => rx.recv().await, _ => std::future::pending().await } } => {
                let Some(interaction) = next else { push = None; continue };
                seq += 1;
                let _ = socket.send(send(json!({ "op": 0, "t": "INTERACTION_CREATE", "s": seq, "d": interaction }))).await;
            }
        }
    }
}

struct Harness {
    port: u16,
    calls: mpsc::UnboundedReceiver<Call>,
    push: mpsc::UnboundedSender<Value>,
    stop: Option<oneshot::Sender<()>>,
    bot: tokio::task::JoinHandle<anyhow::Result<()>>,
    live: Arc<careerbot::live::Live>,
}

async fn start(knowledge: &std::path::Path) -> Harness {
    start_with(knowledge, false).await
}

async fn start_with(knowledge: &std::path::Path, reject_token: bool) -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (calls_tx, calls) = mpsc::unbounded_channel();
    let (push, push_rx) = mpsc::unbounded_channel();
    let discord = Arc::new(Discord {
        port,
        calls: Mutex::new(calls_tx),
        push: Mutex::new(Some(push_rx)),
        reject_token,
    });
    let app = Router::new()
        .route("/", get(websocket))
        .route("/api/v10/gateway", get(gateway_url))
        .route("/api/v10/gateway/bot", get(gateway_bot))
        .route(
            "/api/v10/interactions/{id}/{token}/callback",
            post(callback),
        )
        .route(
            "/api/v10/webhooks/{app}/{token}/messages/@original",
            patch(edit_original),
        )
        .route("/api/v10/oauth2/applications/@me", get(application))
        .route(
            "/api/v10/applications/{app}/guilds/{guild}/commands",
            axum::routing::put(put_guild_commands),
        )
        .fallback(fallback)
        .with_state(discord);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let config = {
        let mut c = Config::default();
        c.knowledge.dir = knowledge.to_path_buf();
        c.serving.policy.moderator_roles = vec![RoleId::new(fx::MOD_ROLE)];
        c.discord.api_base = Some(format!("http://127.0.0.1:{port}"));
        c
    };
    let live = Arc::new(support::live(knowledge));
    let (stop, stopped) = oneshot::channel::<()>();
    let bot = tokio::spawn({
        let live = Arc::clone(&live);
        async move {
            serve(
                &config,
                &Secret::new("loopback-token"),
                live,
                Settings::from_config(&config),
                Sharding::default(),
                async {
                    let _ = stopped.await;
                },
            )
            .await
        }
    });
    Harness {
        port,
        calls,
        push,
        stop: Some(stop),
        bot,
        live,
    }
}

impl Harness {
    async fn next_call(&mut self) -> Call {
        tokio::time::timeout(Duration::from_secs(20), self.calls.recv())
            .await
            .expect("the bot answered within 20 s")
            .expect("stand-in running")
    }

    /// Signals shutdown and checks that `serve` ends cleanly.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let ended = tokio::time::timeout(Duration::from_secs(10), self.bot)
            .await
            .expect("serve stops on shutdown");
        let result = ended.expect("serve did not panic");
        assert!(
            result.is_ok(),
            "graceful shutdown is not an error: {result:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_bot_answers_a_salary_question_with_the_salary_passage() {
    let mut h = start(&support::seed_dir()).await;
    // Mentions in the question must not turn into pings in the answer.
    let question = fx::ask(
        "@everyone @here <@&1190000000000000900> how much do back-end developers make? <@1190000000000000501>",
        None,
    );
    let interaction_id = question["id"].as_str().expect("id").to_string();
    h.push.send(question).expect("push");
    match h.next_call().await {
        Call::Callback { id, body } => {
            assert_eq!(id, interaction_id, "the callback names the interaction");
            assert_eq!(body["type"], 4);
            assert!(
                body["data"]["embeds"][0]["description"]
                    .as_str()
                    .unwrap()
                    .contains("$100,376"),
                "{body:#}"
            );
            assert_eq!(body["data"]["allowed_mentions"]["parse"], json!([]));
            assert_eq!(body["data"]["allowed_mentions"]["users"], json!([]));
            assert_eq!(body["data"]["allowed_mentions"]["roles"], json!([]));
        }
        other => panic!("unexpected {other:?}"),
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_by_a_moderator_swaps_the_knowledge_and_by_a_member_is_refused() {
    let dir = support::knowledge(&[("a.md", support::GOOD_ARTICLE.as_bytes())]);
    let mut h = start(dir.path()).await;

    h.push
        .send(fx::command("reload", json!([]), &Sender::member()))
        .expect("push");
    match h.next_call().await {
        Call::Callback { body, .. } => {
            assert_eq!(body["type"], 4);
            assert!(
                body["data"]["content"]
                    .as_str()
                    .unwrap()
                    .contains("Only moderators"),
                "{body:#}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(h.live.version(), 1);

    std::fs::write(
        dir.path().join("b.md"),
        "# Second article\n\nNew text about careers in testing.\n",
    )
    .expect("write");
    h.push
        .send(fx::command("reload", json!([]), &Sender::manager()))
        .expect("push");
    match h.next_call().await {
        Call::Callback { body, .. } => assert_eq!(body["type"], 5, "deferred at once: {body:#}"),
        other => panic!("unexpected {other:?}"),
    }
    match h.next_call().await {
        Call::EditOriginal { app, body } => {
            assert_eq!(app, fx::APP);
            let text = body["embeds"][0]["description"].as_str().unwrap();
            assert!(text.contains("Added: Second article"), "{body:#}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(h.live.version(), 2);
    assert_eq!(h.live.current().knowledge.articles.len(), 2);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_discord_rejects_ends_serve_with_a_clear_error_not_a_panic() {
    // Every log line of this test binary, at the most verbose level, goes to a buffer.
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
    let h = start_with(&support::seed_dir(), true).await;
    let ended = tokio::time::timeout(Duration::from_secs(30), h.bot)
        .await
        .expect("serve gives up on a rejected token");
    let result = ended.expect("serve did not panic");
    let error = result.expect_err("a rejected token is an error");
    let text = format!("{error:#}");
    eprintln!("serve ended with: {text}");
    assert!(text.contains("gateway"), "{text}");
    assert!(
        !text.contains("loopback-token"),
        "the token is not in the error: {text}"
    );
    let logged = logs.text();
    assert!(logged.contains("gateway"), "logs were captured: {logged}");
    assert!(
        !logged.contains("loopback-token"),
        "the token never reaches a log line"
    );
}

/// A shared in-memory log sink.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_puts_the_command_definitions_in_the_guild() {
    let mut h = start(&support::seed_dir()).await;
    let config = {
        let mut c = Config::default();
        c.discord.api_base = Some(format!("http://127.0.0.1:{}", h.port));
        c
    };
    let http = careerbot::transport::http(&config, &Secret::new("loopback-token"));
    let guild = serenity::model::id::GuildId::new(fx::GUILD.parse().unwrap());
    let count = careerbot::transport::register(&http, Some(guild))
        .await
        .expect("registered");
    assert_eq!(count, careerbot::discord::commands::Command::ALL.len());
    match h.next_call().await {
        Call::PutCommands { app, guild, body } => {
            assert_eq!(app, fx::APP);
            assert_eq!(guild, fx::GUILD);
            assert_eq!(
                body,
                careerbot::discord::commands::definitions_json(),
                "exactly what `commands --json` prints"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    h.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn at_trace_level_no_log_line_holds_an_interaction_token() {
    // careerbot's own subscriber at its most verbose, for this test's thread
    // (a current-thread runtime: every task of the bot runs here).
    let logs = Logs::default();
    let filter = tracing_subscriber::EnvFilter::new("trace");
    let _guard =
        tracing::subscriber::set_default(careerbot::cli::subscriber(filter, logs.clone(), false));
    let dir = support::knowledge(&[("a.md", support::GOOD_ARTICLE.as_bytes())]);
    let mut h = start(dir.path()).await;
    let reload = fx::command("reload", json!([]), &Sender::manager());
    let token = reload["token"].as_str().expect("a token").to_string();
    h.push.send(reload).expect("push");
    assert!(matches!(h.next_call().await, Call::Callback { .. }));
    assert!(matches!(h.next_call().await, Call::EditOriginal { .. }));
    h.stop().await;
    let logged = logs.text();
    assert!(logged.contains("reloaded"), "logs were captured: {logged}");
    assert!(
        !logged.contains(&token),
        "a webhook token reached the log: {}",
        logged
            .lines()
            .filter(|l| l.contains(&token))
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
