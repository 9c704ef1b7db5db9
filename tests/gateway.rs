//! End to end: the production gateway bot (`transport::gateway::serve`, the
//! real serenity client) against the loopback stand-in for Discord
//! (`support::discord`): the HTTP API and the gateway websocket on 127.0.0.1:0.

mod support;

use std::sync::Arc;
use std::time::Duration;

use careerbot::config::{Config, Secret};
use careerbot::transport::gateway::{serve, Sharding};
use careerbot::transport::Settings;
use serde_json::json;
use serenity::model::id::RoleId;
use support::discord::{Call, StandIn};
use support::interactions::{self as fx, Sender};
use tokio::sync::oneshot;

struct Harness {
    discord: StandIn,
    /// Where the bot serves `/healthz`, `/readyz` and `/metrics`.
    ops: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    bot: tokio::task::JoinHandle<anyhow::Result<()>>,
    live: Arc<careerbot::live::Live>,
}

async fn start(knowledge: &std::path::Path) -> Harness {
    start_with(knowledge, false).await
}

async fn start_with(knowledge: &std::path::Path, reject_token: bool) -> Harness {
    run(knowledge, StandIn::start(reject_token).await).await
}

async fn run(knowledge: &std::path::Path, discord: StandIn) -> Harness {
    let ops_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind ops");
    let ops = ops_listener.local_addr().expect("ops addr");
    let port = discord.port;
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
                (live, Settings::from_config(&config)),
                Sharding::default(),
                Some(ops_listener),
                async {
                    let _ = stopped.await;
                },
            )
            .await
        }
    });
    Harness {
        discord,
        ops,
        stop: Some(stop),
        bot,
        live,
    }
}

impl Harness {
    async fn next_call(&mut self) -> Call {
        self.discord.next_call().await
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
    h.discord.push.send(question).expect("push");
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

    h.discord
        .push
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
    h.discord
        .push
        .send(fx::command("reload", json!([]), &Sender::manager()))
        .expect("push");
    match h.next_call().await {
        Call::Callback { body, .. } => assert_eq!(body["type"], 5, "deferred at once: {body:#}"),
        other => panic!("unexpected {other:?}"),
    }
    match h.next_call().await {
        Call::EditOriginal { app, body, .. } => {
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
        c.discord.api_base = Some(format!("http://127.0.0.1:{}", h.discord.port));
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
    let _guard = tracing::subscriber::set_default(careerbot::cli::subscriber(
        filter,
        logs.clone(),
        false,
        careerbot::config::LogFormat::Text,
    ));
    let dir = support::knowledge(&[("a.md", support::GOOD_ARTICLE.as_bytes())]);
    let mut h = start(dir.path()).await;
    let reload = fx::command("reload", json!([]), &Sender::manager());
    let token = reload["token"].as_str().expect("a token").to_string();
    h.discord.push.send(reload).expect("push");
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

/// `GET path` on the bot's ops listener: the status and the body.
async fn ops_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("the ops listener answers");
    (r.status().as_u16(), r.text().await.expect("a body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_listen_says_not_ready_until_the_gateway_is_connected_then_serves_metrics() {
    let h = run(&support::seed_dir(), StandIn::start_holding_ready().await).await;
    assert_eq!(ops_get(h.ops, "/healthz").await, (200, "ok\n".to_string()));
    let (status, body) = ops_get(h.ops, "/readyz").await;
    assert_eq!(status, 503, "READY has not come: {body}");
    assert!(
        body.contains("waiting for the gateway connection"),
        "{body}"
    );
    h.discord.release_ready();
    let mut ready = (0, String::new());
    for _ in 0..200 {
        ready = ops_get(h.ops, "/readyz").await;
        if ready.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(ready.0, 200, "ready once connected: {}", ready.1);
    assert!(ready.1.contains("passage(s)"), "{}", ready.1);
    let (status, metrics) = ops_get(h.ops, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains(&format!(
            "careerbot_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("careerbot_knowledge_passages"),
        "{metrics}"
    );
    assert!(
        metrics.trim_end().ends_with("# EOF"),
        "OpenMetrics ends with EOF"
    );
    h.stop().await;
}
