//! End to end: the production gateway bot (`transport::gateway::serve`, the
//! real serenity client) against the loopback stand-in for Discord
//! (`support::discord`): the HTTP API and the gateway websocket on 127.0.0.1:0.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use careerbot::config::{Config, Secret};
use careerbot::transport::gateway::{serve, Sharding};
use careerbot::transport::Settings;
use serde_json::json;
use serenity::model::id::ChannelId;
use serenity::model::id::RoleId;
use support::discord::{Behaviour, Call, StandIn};
use support::interactions::{self as fx, Sender};
use tokio::sync::oneshot;

struct Harness {
    discord: StandIn,
    /// Where the bot serves `/healthz`, `/readyz` and `/metrics`.
    ops: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    bot: tokio::task::JoinHandle<anyhow::Result<()>>,
    live: Arc<careerbot::live::Live>,
    /// What the bot serves with (its in-flight bound, for one).
    settings: Settings,
}

async fn start(knowledge: &std::path::Path) -> Harness {
    start_with(knowledge, false).await
}

async fn start_with(knowledge: &std::path::Path, reject_token: bool) -> Harness {
    run(knowledge, StandIn::start(reject_token).await).await
}

async fn run(knowledge: &std::path::Path, discord: StandIn) -> Harness {
    run_with(knowledge, discord, |_| {}).await
}

/// The bot on `knowledge` against `discord`, with the config `tune` makes
/// (insights are off unless it turns them on).
async fn run_with(
    knowledge: &std::path::Path,
    discord: StandIn,
    tune: impl FnOnce(&mut Config),
) -> Harness {
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
        c.insights.enabled = false;
        tune(&mut c);
        c
    };
    let settings = Settings::from_config(&config)
        .with_insights(&config)
        .expect("the insights store opens");
    let live = Arc::new(support::live_hybrid(knowledge));
    let (stop, stopped) = oneshot::channel::<()>();
    let bot = tokio::spawn({
        let live = Arc::clone(&live);
        let settings = settings.clone();
        async move {
            serve(
                &config,
                &Secret::new("loopback-token"),
                (live, settings),
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
        settings,
    }
}

impl Harness {
    async fn next_call(&mut self) -> Call {
        self.discord.next_call().await
    }

    /// Whether the bot makes no call to Discord for `period`.
    async fn quiet_for(&mut self, period: Duration) -> bool {
        tokio::time::timeout(period, self.discord.calls.recv())
            .await
            .is_err()
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
            assert_eq!(body["type"], support::callback::MESSAGE);
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
            assert_eq!(body["type"], support::callback::MESSAGE);
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
        Call::Callback { body, .. } => assert_eq!(
            body["type"],
            support::callback::DEFERRED_MESSAGE,
            "deferred at once: {body:#}"
        ),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_at_vvv_logs_no_token_of_the_bot_or_of_an_interaction() {
    use support::process::{arg, signal};
    const BOT_TOKEN: &str = "loopback-bot-token-never-logged";
    let mut discord = StandIn::start(false).await;
    let (index, data, logs) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::NamedTempFile::new().unwrap(),
    );
    let base = discord.base();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(["--knowledge", arg(&support::seed_dir())])
        .args(["--index", arg(index.path()), "--data", arg(data.path())])
        .args(["serve", "-vvv"])
        .env_clear()
        .envs([
            ("DISCORD_TOKEN", BOT_TOKEN),
            ("DISCORD_API_BASE", base.as_str()),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(logs.reopen().unwrap())
        .spawn()
        .expect("start serve");
    for _ in 0..800 {
        if discord.intents().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // One serenity cannot parse (it is dropped, and logged), then one it can.
    let mut malformed = fx::ask("which databases should I learn?", None);
    malformed["token"] = json!("aW50ZXJhY3Rpb246bWFsZm9ybWVkOnRva2Vu");
    malformed["id"] = json!("1190000000000400999");
    malformed
        .as_object_mut()
        .unwrap()
        .remove("attachment_size_limit");
    discord.push.send(malformed).expect("push");
    let ask = fx::ask("which databases should I learn?", None);
    let token = ask["token"].as_str().expect("a token").to_string();
    discord.push.send(ask).expect("push");
    let answered = loop {
        match tokio::time::timeout(Duration::from_secs(30), discord.next_call()).await {
            Ok(Call::Callback { body, .. }) => break body,
            Ok(_) => continue,
            Err(_) => panic!(
                "no answer: {}",
                std::fs::read_to_string(logs.path()).unwrap()
            ),
        }
    };
    assert!(answered.to_string().contains("MySQL"), "{answered:#}");
    signal(child.id(), "-TERM");
    let _ = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.wait()
    })
    .await;
    let logged = std::fs::read_to_string(logs.path()).unwrap();
    assert!(
        logged.contains("TRACE"),
        "trace logs were captured: {logged}"
    );
    for secret in [
        token.as_str(),
        BOT_TOKEN,
        "aW50ZXJhY3Rpb246bWFsZm9ybWVkOnRva2Vu",
    ] {
        let lines: Vec<_> = logged
            .lines()
            .filter(|l| l.contains(secret))
            .take(3)
            .collect();
        assert!(lines.is_empty(), "a token reached the log: {lines:#?}");
    }
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

/// The bot's user id, as READY gives it.
fn bot_id() -> u64 {
    fx::APP.parse().expect("an id")
}

/// GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES; and MESSAGE_CONTENT.
const MESSAGE_INTENTS: u64 = 1 | (1 << 9) | (1 << 12);
const MESSAGE_CONTENT: u64 = 1 << 15;

const DM_CHANNEL: &str = "1190000000000000220";

/// A MESSAGE_CREATE of a reply (type 19) to one of careerbot's messages,
/// which pings it, as Discord sends it.
fn reply_to_bot(id: &str, author: u64, content: &str) -> serde_json::Value {
    let mut m = fx::channel_message(id, fx::CHANNEL, author, content, &[bot_id()], false);
    let replied = "1190000000000004999";
    m["type"] = json!(19);
    m["message_reference"] = json!({ "type": 0, "message_id": replied, "channel_id": fx::CHANNEL, "guild_id": fx::GUILD });
    let mut original = fx::message(replied, bot_id(), "", json!([]));
    original["author"]["bot"] = json!(true);
    m["referenced_message"] = original;
    m
}

/// A MESSAGE_CREATE of a direct message to careerbot (no guild).
fn direct_message(id: &str, author: u64, content: &str) -> serde_json::Value {
    let mut m = fx::channel_message(id, DM_CHANNEL, author, content, &[], false);
    if let Some(fields) = m.as_object_mut() {
        fields.remove("guild_id");
        fields.remove("member");
    }
    m
}

/// The next call, which must be a posted message: (channel, its id, body).
async fn next_posted(h: &mut Harness) -> (String, String, serde_json::Value) {
    match h.next_call().await {
        Call::CreateMessage {
            channel, id, body, ..
        } => {
            support::limits::assert_within_limits(&json!({ "data": body }));
            (channel, id, body)
        }
        other => panic!("expected a posted message, got {other:?}"),
    }
}

/// The next call, which must be an interaction response.
async fn next_callback(h: &mut Harness) -> serde_json::Value {
    match h.next_call().await {
        Call::Callback { body, .. } => body,
        other => panic!("expected an interaction response, got {other:?}"),
    }
}

/// A press on the channel message `id` in `channel` that careerbot posted
/// with `body`.
fn press_posted(
    custom_id: &str,
    sender: &Sender,
    (channel, id, body): (&str, &str, &serde_json::Value),
) -> serde_json::Value {
    let mut press = fx::press(custom_id, sender, &json!({ "data": body }));
    press["channel_id"] = json!(channel);
    press["channel"]["id"] = json!(channel);
    press["message"]["id"] = json!(id);
    press["message"]["channel_id"] = json!(channel);
    press
}

/// Waits until the bot has identified, and gives the intents it asked for.
async fn identified(h: &Harness) -> u64 {
    for _ in 0..400 {
        if let Some(intents) = h.discord.intents() {
            return intents;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the bot never identified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_gets_a_reply_that_pings_nobody_within_the_cooldown_and_its_asker_deletes_it() {
    // The default cooldown (3 s) applies.
    let mut h = run(&support::seed_dir(), StandIn::start(false).await).await;
    seven_messages_mentioning_careerbot_or_not(&h);
    let (answer_id, answer) = three_are_answered_once_each_where_asked(&mut h).await;
    only_the_asker_deletes_the_answer(&mut h, &answer_id, &answer).await;
    h.stop().await;
}

/// Mentions by a bot, by a member twice within the cooldown, and empty; a
/// message without a mention; a reply that pings careerbot without naming
/// it; a direct message.
fn seven_messages_mentioning_careerbot_or_not(h: &Harness) {
    let mention = |id: &str, author: u64, text: &str, bot: bool| {
        let content = format!("<@{}> {text}", fx::APP);
        fx::channel_message(id, fx::CHANNEL, author, &content, &[bot_id()], bot)
    };
    let salary = "how much do back-end developers earn? @everyone <@&1190000000000000900>";
    let events = [
        mention("1190000000000000601", fx::OTHER, salary, true),
        mention("1190000000000000602", fx::ASKER, salary, false),
        mention("1190000000000000603", fx::ASKER, salary, false),
        fx::channel_message(
            "1190000000000000604",
            fx::CHANNEL,
            fx::OTHER,
            salary,
            &[],
            false,
        ),
        mention("1190000000000000605", fx::OTHER, "", false),
        // A reply that pings careerbot without naming it is not a question.
        reply_to_bot("1190000000000000606", 1190000000000000503, "thanks!"),
        direct_message(
            "1190000000000000607",
            1190000000000000504,
            "which databases should I learn?",
        ),
    ];
    for event in events {
        h.discord.push.event("MESSAGE_CREATE", event).expect("push");
    }
}

/// The member's first mention, the empty mention and the direct message
/// are answered where they were asked, pinging nobody, and nothing else
/// is: the answer to the member's question, its id and body.
async fn three_are_answered_once_each_where_asked(h: &mut Harness) -> (String, serde_json::Value) {
    let mut replies = std::collections::BTreeMap::new();
    for _ in 0..3 {
        let (channel, id, body) = next_posted(h).await;
        let direct = body["message_reference"]["message_id"] == "1190000000000000607";
        let expected = if direct { DM_CHANNEL } else { fx::CHANNEL };
        assert_eq!(channel, expected, "answered where it was asked");
        support::limits::assert_pings_only(&body, None);
        let to = body["message_reference"]["message_id"]
            .as_str()
            .expect("the reply references the message")
            .to_string();
        replies.insert(to, (id, body));
    }
    assert_eq!(replies.len(), 3, "{:?}", replies.keys());
    let direct = replies
        .remove("1190000000000000607")
        .expect("a direct message is answered without a mention");
    let databases = direct.1["embeds"][0].to_string();
    assert!(databases.contains("Databases"), "{databases}");
    assert!(
        replies.contains_key("1190000000000000605"),
        "the empty mention gets a hint: {:?}",
        replies.keys()
    );
    let (asked, (answer_id, answer)) = replies
        .iter()
        .find(|(to, _)| to.as_str() != "1190000000000000605")
        .expect("the member's question");
    assert!(
        ["1190000000000000602", "1190000000000000603"].contains(&asked.as_str()),
        "one of the member's two mentions, not the bot's: {asked}"
    );
    let description = answer["embeds"][0]["description"].as_str().unwrap_or("");
    assert!(description.contains("$100,376"), "{answer:#}");
    let hint = &replies["1190000000000000605"].1;
    assert!(
        hint["content"].as_str().unwrap_or("").contains("/ask"),
        "{hint:#}"
    );
    assert!(
        h.quiet_for(Duration::from_millis(700)).await,
        "the bot's message, the second mention within the cooldown, the message without a mention and the reply get nothing"
    );
    assert_eq!(identified(h).await, MESSAGE_INTENTS, "no privileged intent");
    (answer_id.clone(), answer.clone())
}

/// A bystander's 🗑️ is refused privately; the asker's deletes the answer.
async fn only_the_asker_deletes_the_answer(
    h: &mut Harness,
    answer_id: &str,
    answer: &serde_json::Value,
) {
    let delete = fx::button_id(&json!({ "data": answer }), "delete");
    let posted = (fx::CHANNEL, answer_id, answer);
    let refused = press_posted(&delete, &Sender::bystander(), posted);
    h.discord.push.send(refused).expect("push");
    let body = next_callback(h).await;
    assert_eq!(body["data"]["flags"], 64, "refused privately: {body:#}");
    let by_asker = press_posted(&delete, &Sender::member(), posted);
    h.discord.push.send(by_asker).expect("push");
    assert_eq!(
        next_callback(h).await["type"],
        support::callback::DEFERRED_UPDATE,
        "acknowledged"
    );
    match h.next_call().await {
        Call::DeleteMessage { channel, message } => {
            assert_eq!(
                (channel.as_str(), message.as_str()),
                (fx::CHANNEL, answer_id)
            );
        }
        other => panic!("expected the message deleted, got {other:?}"),
    }
}

/// A forum post: its THREAD_CREATE and its first message's MESSAGE_CREATE.
fn post(id: &str, forum: &str, title: &str, text: &str) -> (serde_json::Value, serde_json::Value) {
    let thread = fx::forum_post(id, forum, fx::ASKER, title);
    let starter = fx::channel_message(id, id, fx::ASKER, text, &[], false);
    (thread, starter)
}

/// A post careerbot answered: its answer's id and body.
type Answered = (String, serde_json::Value);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_forum_posts_are_answered_once_in_their_threads_the_owners_yes_tags_one_solved_and_one_out_of_scope_is_a_gap(
) {
    let data = tempfile::tempdir().expect("data dir");
    let behaviour = Behaviour {
        app_flags: 1 << 18,
        ..Behaviour::default()
    };
    let mut h = run_with(
        &support::seed_dir(),
        StandIn::start_with(behaviour).await,
        |c| {
            c.serving.auto_answer_channels = vec![ChannelId::new(fx::FORUM.parse().unwrap())];
            c.insights.enabled = true;
            c.insights.options.data_dir = data.path().to_path_buf();
            c.serving.cooldown = Duration::ZERO;
        },
    )
    .await;
    six_posts_in_either_order(&h);
    let answers = three_are_answered_once_as_posts(&mut h).await;
    the_first_message_was_asked_with_yes_first(&answers["1190000000000000301"]);
    assert_eq!(identified(&h).await, MESSAGE_INTENTS | MESSAGE_CONTENT);
    only_the_owners_yes_tags_the_post_solved_once(&mut h, &answers["1190000000000000301"]).await;
    a_bystanders_no_is_a_rating(&mut h, &answers["1190000000000000305"]).await;
    gaps_list_the_post_out_of_scope_and_the_one_rated_no(&mut h).await;
    h.stop().await;
}

const SALARY: &str = "How much do back-end developers earn?";

/// Six posts, their two events in either order: two in scope, one out of
/// scope, one in a forum careerbot does not watch, one a webhook opened,
/// and one whose first message mentions careerbot.
fn six_posts_in_either_order(h: &Harness) {
    let push = |(first, second): (&str, &str), events: (serde_json::Value, serde_json::Value)| {
        h.discord.push.event(first, events.0).expect("push");
        h.discord.push.event(second, events.1).expect("push");
    };
    let thread_first = ("THREAD_CREATE", "MESSAGE_CREATE");
    let message_first = ("MESSAGE_CREATE", "THREAD_CREATE");
    let swap = |(thread, starter)| (starter, thread);
    // In scope only with its first message, the thread first.
    push(
        thread_first,
        post(
            "1190000000000000301",
            fx::FORUM,
            "A question from a newcomer",
            SALARY,
        ),
    );
    // The first message first.
    push(
        message_first,
        swap(post(
            "1190000000000000305",
            fx::FORUM,
            "Learning plan",
            "Which databases should I learn?",
        )),
    );
    // Out of scope.
    push(
        message_first,
        swap(post(
            "1190000000000000302",
            fx::FORUM,
            "Which pizza topping is best in Naples?",
            "Margherita or marinara?",
        )),
    );
    // A forum careerbot does not watch.
    push(
        thread_first,
        post("1190000000000000303", "1190000000000000211", SALARY, SALARY),
    );
    // Opened by a webhook.
    let (thread, mut starter) = post("1190000000000000306", fx::FORUM, SALARY, SALARY);
    starter["author"]["bot"] = json!(true);
    starter["webhook_id"] = json!("1190000000000000777");
    push(thread_first, (thread, starter));
    // Its first message mentions careerbot: one answer, as a post.
    let named = format!("<@{}> what does a back-end developer do?", fx::APP);
    let (thread, mut starter) = post("1190000000000000307", fx::FORUM, "Day to day", &named);
    starter["mentions"] = json!([fx::user(bot_id())]);
    push(message_first, (starter, thread));
}

/// The answers, by thread: three, each once, as a post that pings nobody,
/// and nothing more.
async fn three_are_answered_once_as_posts(
    h: &mut Harness,
) -> std::collections::BTreeMap<String, Answered> {
    let mut answers = std::collections::BTreeMap::new();
    for _ in 0..3 {
        let (channel, id, body) = next_posted(h).await;
        assert_eq!(
            body["content"], "Did this answer your question?",
            "{body:#}"
        );
        assert!(
            body.get("message_reference")
                .is_none_or(serde_json::Value::is_null),
            "a post, not a reply: {body:#}"
        );
        support::limits::assert_pings_only(&body, None);
        assert!(
            answers.insert(channel.clone(), (id, body)).is_none(),
            "{channel} answered twice"
        );
    }
    assert!(
        h.quiet_for(Duration::from_millis(2500)).await,
        "nothing more: not twice, not out of scope, not unwatched, not a webhook's"
    );
    let threads: Vec<&str> = answers.keys().map(String::as_str).collect();
    assert_eq!(
        threads,
        [
            "1190000000000000301",
            "1190000000000000305",
            "1190000000000000307"
        ]
    );
    answers
}

/// The post whose title asks nothing was answered from its first message,
/// with Yes first among its buttons.
fn the_first_message_was_asked_with_yes_first((_, body): &Answered) {
    let footer = body["embeds"][0]["footer"]["text"].as_str().unwrap_or("");
    assert!(
        footer.contains(SALARY),
        "the first message was asked: {footer}"
    );
    let description = body["embeds"][0]["description"].as_str().unwrap_or("");
    assert!(description.contains("$100,376"), "{body:#}");
    let labels: Vec<&str> = body["components"][0]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["label"].as_str())
        .collect();
    assert_eq!(labels.first(), Some(&"Yes"), "{labels:?}");
    assert!(
        labels.contains(&"No") && labels.contains(&"🗑️"),
        "{labels:?}"
    );
}

/// A bystander's Yes is refused; the owner's tags the post solved, and the
/// same Yes again changes nothing.
async fn only_the_owners_yes_tags_the_post_solved_once(h: &mut Harness, (id, body): &Answered) {
    let yes = fx::button_ids(&json!({ "data": body }))[0].clone();
    let posted = ("1190000000000000301", id.as_str(), body);
    let press = press_posted(&yes, &Sender::bystander(), posted);
    h.discord.push.send(press).expect("push");
    let refused = next_callback(h).await;
    assert_eq!(refused["data"]["flags"], 64, "{refused:#}");
    let said = refused["data"]["content"].as_str().unwrap_or("");
    assert!(said.contains("Only the post's owner"), "{refused:#}");
    assert!(
        h.quiet_for(Duration::from_millis(500)).await,
        "nothing tagged"
    );
    h.discord
        .push
        .send(press_posted(&yes, &Sender::member(), posted))
        .expect("push");
    let glad = next_callback(h).await;
    assert_eq!(glad["data"]["flags"], 64, "{glad:#}");
    let said = glad["data"]["content"].as_str().unwrap_or("");
    assert!(said.starts_with("Glad it helped"), "{glad:#}");
    match h.next_call().await {
        Call::EditChannel { channel, body } => {
            assert_eq!(channel, "1190000000000000301");
            let tags = body["applied_tags"].to_string();
            assert!(tags.contains(support::discord::SOLVED_TAG), "{body:#}");
        }
        other => panic!("expected the post tagged solved, got {other:?}"),
    }
    h.discord
        .push
        .send(press_posted(&yes, &Sender::member(), posted))
        .expect("push");
    let again = next_callback(h).await;
    assert!(again.to_string().contains("already rated"), "{again:#}");
    assert!(
        h.quiet_for(Duration::from_millis(500)).await,
        "not tagged again"
    );
}

/// A bystander's No is a rating (which puts its post in /gaps).
async fn a_bystanders_no_is_a_rating(h: &mut Harness, (id, body): &Answered) {
    let no = fx::button_ids(&json!({ "data": body }))[1].clone();
    assert!(no.starts_with("rate-down:"), "{no}");
    let press = press_posted(&no, &Sender::bystander(), ("1190000000000000305", id, body));
    h.discord.push.send(press).expect("push");
    assert!(next_callback(h).await.to_string().contains("Thanks"));
}

/// /gaps lists the post out of scope and the one rated No, not the one
/// rated Yes.
async fn gaps_list_the_post_out_of_scope_and_the_one_rated_no(h: &mut Harness) {
    let gaps = fx::command("gaps", json!([]), &Sender::manager());
    h.discord.push.send(gaps).expect("push");
    let report = next_callback(h).await.to_string();
    assert!(
        report.contains("pizza topping"),
        "the post out of scope is a gap: {report}"
    );
    assert!(
        report.contains("Learning plan"),
        "the post rated No is a gap: {report}"
    );
    assert!(
        !report.contains("A question from a newcomer"),
        "the post rated Yes is not: {report}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn without_the_message_content_intent_a_post_is_answered_from_its_title() {
    // careerbot's own subscriber, for this test's thread (a current-thread
    // runtime: every task of the bot runs here).
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(careerbot::cli::subscriber(
        tracing_subscriber::EnvFilter::new("careerbot=info"),
        logs.clone(),
        false,
        careerbot::config::LogFormat::Text,
    ));
    let mut h = run_with(&support::seed_dir(), StandIn::start(false).await, |c| {
        c.serving.auto_answer_channels = vec![ChannelId::new(fx::FORUM.parse().unwrap())];
    })
    .await;
    let title = "How much do back-end developers earn?";
    let thread = fx::forum_post("1190000000000000304", fx::FORUM, fx::ASKER, title);
    h.discord.push.event("THREAD_CREATE", thread).expect("push");
    let (channel, _, body) = next_posted(&mut h).await;
    assert_eq!(channel, "1190000000000000304");
    let description = body["embeds"][0]["description"].as_str().unwrap_or("");
    assert!(description.contains("$100,376"), "{body:#}");
    assert_eq!(
        identified(&h).await,
        MESSAGE_INTENTS,
        "the privileged intent is not asked for when the application lacks it"
    );
    h.stop().await;
    let logged = logs.text();
    assert!(
        logged
            .contains("auto_answer_channels is set, but the Message Content intent is not enabled")
            && logged.contains("Privileged Gateway Intents"),
        "serve says what is missing and where to turn it on: {logged}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_that_finds_every_slot_taken_is_dropped_and_counted() {
    let mut h = run_with(&support::seed_dir(), StandIn::start(false).await, |c| {
        c.serving.max_in_flight = 1;
    })
    .await;
    let held = Arc::clone(&h.settings.in_flight)
        .try_acquire_owned()
        .expect("the only slot");
    let content = format!("<@{}> which databases should I learn?", fx::APP);
    let mention = |id: &str, author: u64| {
        fx::channel_message(id, fx::CHANNEL, author, &content, &[bot_id()], false)
    };
    h.discord
        .push
        .event("MESSAGE_CREATE", mention("1190000000000000611", fx::ASKER))
        .expect("push");
    assert!(
        h.quiet_for(Duration::from_millis(2500)).await,
        "no reply while every slot is taken"
    );
    let (_, metrics) = ops_get(h.ops, "/metrics").await;
    assert!(
        metrics.contains(r#"careerbot_http_rejected_total{reason="busy"} 1"#),
        "{metrics}"
    );
    drop(held);
    h.discord
        .push
        .event("MESSAGE_CREATE", mention("1190000000000000612", fx::OTHER))
        .expect("push");
    let (_, _, body) = next_posted(&mut h).await;
    assert_eq!(
        body["message_reference"]["message_id"],
        "1190000000000000612"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_in_a_channel_discord_throttles_do_not_starve_ask_elsewhere() {
    const SLOW: &str = "1190000000000000299";
    let discord = StandIn::start_with(support::discord::Behaviour {
        slow_channel: Some(SLOW),
        ..Default::default()
    })
    .await;
    let mut h = run_with(&support::seed_dir(), discord, |c| {
        c.serving.max_in_flight = 2;
    })
    .await;
    let content = format!("<@{}> which databases should I learn?", fx::APP);
    // Two members other than the one who asks with /ask (the cooldown is per member).
    for (id, author) in [
        ("1190000000000000621", fx::OTHER),
        ("1190000000000000622", fx::OTHER + 10),
    ] {
        let mention = fx::channel_message(id, SLOW, author, &content, &[bot_id()], false);
        h.discord
            .push
            .event("MESSAGE_CREATE", mention)
            .expect("push");
    }
    // Both replies are with Discord, which holds them: as many as there are slots.
    for _ in 0..2 {
        match h.next_call().await {
            Call::CreateMessage { channel, .. } => assert_eq!(channel, SLOW),
            other => panic!("expected a reply in the slow channel, got {other:?}"),
        }
    }
    h.discord
        .push
        .send(fx::ask("which databases should I learn?", None))
        .expect("push");
    let answered = next_callback(&mut h).await;
    let shown = answered.to_string();
    assert!(!shown.contains("very busy"), "{answered:#}");
    assert!(shown.contains("MySQL"), "an answer: {answered:#}");
    h.stop().await;
}

impl support::community::Bot for Harness {
    async fn interact(&mut self, payload: serde_json::Value) -> serde_json::Value {
        self.discord.push.send(payload).expect("push");
        next_callback(self).await
    }

    fn discord(&mut self) -> &mut StandIn {
        &mut self.discord
    }
}

/// The gateway bot on a writable copy of the shipped knowledge (the
/// first directory), with insights in the second and no cooldown: what a
/// moderator writing answers from Discord needs.
async fn run_writable() -> (Harness, tempfile::TempDir, tempfile::TempDir) {
    let knowledge = support::community::copy_of(&support::seed_dir());
    let data = tempfile::tempdir().expect("data dir");
    let h = run_with(knowledge.path(), StandIn::start(false).await, |c| {
        c.insights.enabled = true;
        c.insights.options.data_dir = data.path().to_path_buf();
        c.serving.cooldown = Duration::ZERO;
    })
    .await;
    (h, knowledge, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_answers_a_gap_from_discord_and_the_next_asker_gets_that_answer() {
    let (mut h, knowledge, _data) = run_writable().await;
    support::community::answer_a_gap(&mut h, knowledge.path()).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_come_with_a_chart_uploaded_as_a_png_the_embed_shows() {
    let (mut h, _knowledge, _data) = run_writable().await;
    support::community::stats_with_a_chart(&mut h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_saves_a_members_reply_as_an_answer_credited_to_its_author() {
    let (mut h, knowledge, _data) = run_writable().await;
    support::community::save_a_reply_as_answer(&mut h, knowledge.path()).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_posts_owner_marks_a_solution_the_post_is_tagged_a_bystander_is_refused_and_a_moderator_saves_it(
) {
    let (mut h, knowledge, _data) = run_writable().await;
    support::community::mark_a_solution(&mut h).await;
    support::community::save_a_marked_solution(&mut h, knowledge.path()).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_for_a_target_pings_them_alone_a_bystander_rates_it_and_only_its_owners_delete_answers(
) {
    let mut h = run(&support::seed_dir(), StandIn::start(false).await).await;
    support::community::answer_for_a_target(&mut h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_content_intent_ends_serve_with_what_to_do() {
    let behaviour = Behaviour {
        app_flags: 1 << 18,
        refuse_message_content: true,
        ..Behaviour::default()
    };
    let h = run_with(
        &support::seed_dir(),
        StandIn::start_with(behaviour).await,
        |c| {
            c.serving.auto_answer_channels = vec![ChannelId::new(fx::FORUM.parse().unwrap())];
        },
    )
    .await;
    let ended = tokio::time::timeout(Duration::from_secs(30), h.bot)
        .await
        .expect("serve gives up when Discord refuses the intents");
    let error = ended.expect("no panic").expect_err("an error");
    let text = format!("{error:#}");
    assert!(text.contains("4014"), "{text}");
    assert!(text.contains("Message Content"), "{text}");
    assert!(text.contains("auto_answer_channels"), "{text}");
}

/// A member's reply (type 19) to the message `replied` (as Discord echoes
/// it in `referenced_message`), naming nobody.
fn reply_to(id: &str, author: u64, content: &str, replied: serde_json::Value) -> serde_json::Value {
    let mut m = fx::channel_message(id, fx::CHANNEL, author, content, &[], false);
    m["type"] = json!(19);
    m["message_reference"] = json!({ "type": 0, "message_id": replied["id"], "channel_id": fx::CHANNEL, "guild_id": fx::GUILD });
    m["referenced_message"] = replied;
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_an_answer_is_a_follow_up_in_its_context_and_thanks_gets_nothing() {
    let mut h = run_with(&support::seed_dir(), StandIn::start(false).await, |c| {
        c.serving.cooldown = Duration::ZERO;
    })
    .await;
    let echoed = a_mention_is_answered(&mut h).await;
    a_reply_to_the_answer_asks_in_its_context(&mut h, echoed.clone()).await;
    thanks_and_a_reply_to_a_member_get_nothing(&mut h, echoed.clone()).await;
    a_reply_that_names_careerbot_is_a_mention(&mut h, echoed).await;
    h.stop().await;
}

/// A member mentions careerbot with a question: careerbot's answer, as
/// Discord echoes it in a reply.
async fn a_mention_is_answered(h: &mut Harness) -> serde_json::Value {
    let content = format!("<@{}> what does a back-end developer do?", fx::APP);
    let question = fx::channel_message(
        "1190000000000000651",
        fx::CHANNEL,
        fx::ASKER,
        &content,
        &[bot_id()],
        false,
    );
    h.discord
        .push
        .event("MESSAGE_CREATE", question)
        .expect("push");
    let (_, answer_id, answer) = next_posted(h).await;
    // careerbot's answer as Discord echoes it in a reply.
    let mut echoed = fx::message(&answer_id, bot_id(), "", answer["embeds"].clone());
    echoed["author"]["bot"] = json!(true);
    echoed
}

/// Another member's reply to the answer is answered in the earlier
/// question's context, pinging nobody.
async fn a_reply_to_the_answer_asks_in_its_context(h: &mut Harness, echoed: serde_json::Value) {
    let follow_up = reply_to(
        "1190000000000000652",
        fx::OTHER,
        "and how much do they earn? @everyone",
        echoed,
    );
    h.discord
        .push
        .event("MESSAGE_CREATE", follow_up)
        .expect("push");
    let (channel, _, body) = next_posted(h).await;
    assert_eq!(channel, fx::CHANNEL);
    assert_eq!(
        body["message_reference"]["message_id"],
        "1190000000000000652"
    );
    support::limits::assert_pings_only(&body, None);
    let text = body["embeds"][0].to_string();
    assert!(
        text.contains("$100,376"),
        "the salary, in the earlier question's context: {text}"
    );
    let footer = body["embeds"][0]["footer"]["text"].as_str().unwrap_or("");
    assert!(
        footer.contains("back-end developer"),
        "the subject carried over: {footer}"
    );
}

/// A reply that asks nothing, and a reply to a member's message, get
/// nothing.
async fn thanks_and_a_reply_to_a_member_get_nothing(h: &mut Harness, echoed: serde_json::Value) {
    let thanks = reply_to("1190000000000000653", fx::ASKER, "thanks!", echoed);
    let members = fx::channel_message(
        "1190000000000000654",
        fx::CHANNEL,
        fx::OTHER,
        "what does a back-end developer do?",
        &[],
        false,
    );
    let to_member = reply_to(
        "1190000000000000655",
        fx::ASKER,
        "and how much do they earn?",
        members,
    );
    h.discord
        .push
        .event("MESSAGE_CREATE", thanks)
        .expect("push");
    h.discord
        .push
        .event("MESSAGE_CREATE", to_member)
        .expect("push");
    assert!(
        h.quiet_for(Duration::from_millis(700)).await,
        "\"thanks!\" and a reply to a member get no answer"
    );
}

/// A reply to careerbot's notice, or to an answer without following it up,
/// that names careerbot is a mention like any other.
async fn a_reply_that_names_careerbot_is_a_mention(h: &mut Harness, echoed: serde_json::Value) {
    // A reply to careerbot's notice (no answer in it) that names careerbot is
    // a mention like any other.
    let mut notice = fx::message(
        "1190000000000000656",
        bot_id(),
        "I don't know that one.",
        json!([]),
    );
    notice["author"]["bot"] = json!(true);
    let content = format!("<@{}> which databases should I learn?", fx::APP);
    let mut named = reply_to("1190000000000000657", fx::ASKER, &content, notice);
    named["mentions"] = json!([fx::user(bot_id())]);
    h.discord.push.event("MESSAGE_CREATE", named).expect("push");
    let (_, _, body) = next_posted(h).await;
    assert_eq!(
        body["message_reference"]["message_id"],
        "1190000000000000657"
    );
    assert!(
        body["embeds"][0].to_string().contains("Databases"),
        "{body:#}"
    );
    // A reply to an answer that is no follow-up but names careerbot is a
    // mention too.
    let content = format!("<@{}> tell me about databases", fx::APP);
    let mut named = reply_to("1190000000000000658", fx::ASKER, &content, echoed);
    named["mentions"] = json!([fx::user(bot_id())]);
    h.discord.push.event("MESSAGE_CREATE", named).expect("push");
    let (_, _, body) = next_posted(h).await;
    assert_eq!(
        body["message_reference"]["message_id"],
        "1190000000000000658"
    );
}

const HELPERS: [u64; 2] = [1190000000000000910, 1190000000000000911];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpers_are_called_once_to_a_post_out_of_scope_or_its_owners_no_pinging_their_roles_alone()
{
    let data = tempfile::tempdir().expect("data dir");
    let behaviour = Behaviour {
        app_flags: 1 << 18,
        ..Behaviour::default()
    };
    let mut h = run_with(
        &support::seed_dir(),
        StandIn::start_with(behaviour).await,
        |c| {
            c.serving.auto_answer_channels = vec![ChannelId::new(fx::FORUM.parse().unwrap())];
            c.serving.policy.helper_roles = HELPERS.iter().copied().map(RoleId::new).collect();
            c.insights.enabled = true;
            c.insights.options.data_dir = data.path().to_path_buf();
            c.serving.cooldown = Duration::ZERO;
        },
    )
    .await;
    two_posts_out_of_scope_call_the_helpers_once(&mut h).await;
    let answer = a_post_in_scope_is_answered(&mut h).await;
    only_the_owners_no_calls_the_helpers_once(&mut h, &answer).await;
    h.stop().await;
}

/// The helpers' call: their roles pinged, and nobody else.
fn assert_helpers_called(body: &serde_json::Value) {
    let content = body["content"].as_str().unwrap_or("");
    assert!(
        content.starts_with("A helper will take a look."),
        "{body:#}"
    );
    for role in HELPERS {
        assert!(content.contains(&format!("<@&{role}>")), "{body:#}");
    }
    let mentions = &body["allowed_mentions"];
    assert_eq!(mentions["parse"], json!([]), "{body:#}");
    assert_eq!(mentions["users"], json!([]), "{body:#}");
    assert_eq!(
        mentions["roles"],
        json!(HELPERS.map(|r| r.to_string())),
        "{body:#}"
    );
}

/// Out of scope: no answer, the helpers are called in the thread; the same
/// member's next post within half an hour calls nobody.
async fn two_posts_out_of_scope_call_the_helpers_once(h: &mut Harness) {
    let by_other = |id: &str, title: &str, text: &str| {
        let (mut thread, mut starter) = post(id, fx::FORUM, title, text);
        thread["owner_id"] = json!(fx::OTHER.to_string());
        starter["author"] = fx::user(fx::OTHER);
        (thread, starter)
    };
    for (id, title) in [
        (
            "1190000000000000321",
            "Which pizza topping is best in Naples?",
        ),
        ("1190000000000000323", "And the best pasta shape?"),
    ] {
        let (thread, starter) = by_other(id, title, "Margherita or marinara? @everyone");
        h.discord.push.event("THREAD_CREATE", thread).expect("push");
        h.discord
            .push
            .event("MESSAGE_CREATE", starter)
            .expect("push");
    }
    // The two posts are handled at once: either may be the one that calls.
    let (channel, _, body) = next_posted(h).await;
    assert!(
        ["1190000000000000321", "1190000000000000323"].contains(&channel.as_str()),
        "{channel}"
    );
    assert_helpers_called(&body);
    assert!(
        h.quiet_for(Duration::from_millis(2500)).await,
        "one member's posts call the helpers once in a while"
    );
}

/// A post in scope, answered: its thread, the answer's id and body.
async fn a_post_in_scope_is_answered(h: &mut Harness) -> (String, String, serde_json::Value) {
    let (thread, starter) = post("1190000000000000322", fx::FORUM, "Pay", SALARY);
    h.discord.push.event("THREAD_CREATE", thread).expect("push");
    h.discord
        .push
        .event("MESSAGE_CREATE", starter)
        .expect("push");
    let answered = next_posted(h).await;
    assert_eq!(answered.2["content"], "Did this answer your question?");
    answered
}

/// A bystander's No is a rating; the owner's No calls the helpers once and
/// careerbot's answer stops asking.
async fn only_the_owners_no_calls_the_helpers_once(
    h: &mut Harness,
    (channel, answer_id, answer): &(String, String, serde_json::Value),
) {
    let no = fx::button_ids(&json!({ "data": answer }))
        .into_iter()
        .find(|id| id.starts_with("rate-down"))
        .expect("a No button");
    let posted = (channel.as_str(), answer_id.as_str(), answer);
    h.discord
        .push
        .send(press_posted(&no, &Sender::bystander(), posted))
        .expect("push");
    assert_eq!(
        next_callback(h).await["data"]["flags"],
        64,
        "the bystander's rating is acknowledged privately"
    );
    assert!(
        h.quiet_for(Duration::from_millis(500)).await,
        "a bystander's No calls nobody"
    );
    h.discord
        .push
        .send(press_posted(&no, &Sender::member(), posted))
        .expect("push");
    assert_eq!(next_callback(h).await["data"]["flags"], 64);
    let (called_in, _, body) = next_posted(h).await;
    assert_eq!(&called_in, channel, "in the post's thread");
    assert_helpers_called(&body);
    match h.next_call().await {
        Call::EditMessage {
            channel: edited,
            message,
            body,
        } => {
            assert_eq!((&edited, &message), (channel, answer_id));
            assert_ne!(
                body["content"], "Did this answer your question?",
                "{body:#}"
            );
        }
        other => panic!("expected careerbot's answer to stop asking, got {other:?}"),
    }
    // No again: the helpers were called already.
    h.discord
        .push
        .send(press_posted(&no, &Sender::member(), posted))
        .expect("push");
    next_callback(h).await;
    assert!(h.quiet_for(Duration::from_millis(500)).await, "called once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_is_posted_once_in_its_channel_with_its_chart_and_not_again_after_a_restart(
) {
    use careerbot::insights::digest::Schedule;
    use careerbot::insights::{Outcome, QuestionRecord, Record, Store};
    const DIGEST: &str = "1190000000000000240";
    let data = tempfile::tempdir().expect("data dir");
    let now = careerbot::insights::unix_now();
    // This week started today at midnight (UTC): the digest is due now.
    let today = u8::try_from((now / 86_400 + 3).rem_euclid(7)).expect("a weekday");
    let schedule = Schedule {
        weekday: today,
        hour: 0,
    };
    // The digest covers the 7 days before the week's start, in the
    // channel's server (the stand-in says it is fx::GUILD's).
    let midnight = now - now.rem_euclid(86_400);
    let asked = |text: &str, guild: Option<u64>| {
        Record::Question(QuestionRecord {
            guild,
            ..QuestionRecord::new(midnight - 3_600, text, Outcome::Declined)
        })
    };
    Store::open(data.path())
        .expect("store")
        .write(&[
            asked(
                "how do I become a pastry chef? @everyone",
                fx::GUILD.parse().ok(),
            ),
            asked("how do I tame a dragon?", Some(1190000000000000101)),
            asked("where do I buy a kayak?", None),
        ])
        .expect("written");
    let tune = |c: &mut Config| {
        c.insights.enabled = true;
        c.insights.options.data_dir = data.path().to_path_buf();
        c.serving.digest = Some(careerbot::config::Digest {
            channel: ChannelId::new(DIGEST.parse().expect("an id")),
            schedule,
        });
    };
    let mut h = run_with(&support::seed_dir(), StandIn::start(false).await, tune).await;
    match h.next_call().await {
        Call::CreateMessage {
            channel,
            body,
            files,
            ..
        } => {
            assert_eq!(channel, DIGEST);
            support::limits::assert_within_limits(&json!({ "data": body }));
            support::limits::assert_pings_only(&body, None);
            let embed = &body["embeds"][0];
            assert_eq!(embed["title"], "careerbot's week", "{body:#}");
            assert!(
                embed["description"]
                    .as_str()
                    .unwrap_or("")
                    .contains("1 question(s)"),
                "{body:#}"
            );
            assert!(embed.to_string().contains("pastry chef"), "{body:#}");
            assert!(
                !embed.to_string().contains("dragon") && !embed.to_string().contains("kayak"),
                "another server's and direct messages stay out: {body:#}"
            );
            assert_eq!(embed["image"]["url"], "attachment://stats.png", "{body:#}");
            assert_eq!(files.len(), 1, "the chart is uploaded");
            assert_eq!(files[0].0, "stats.png");
        }
        other => panic!("expected the digest posted, got {other:?}"),
    }
    assert!(
        h.quiet_for(Duration::from_millis(1500)).await,
        "posted once"
    );
    h.stop().await;

    // A restart on the same store within the week posts nothing.
    let mut h = run_with(&support::seed_dir(), StandIn::start(false).await, tune).await;
    assert!(
        h.quiet_for(Duration::from_millis(2500)).await,
        "the week's digest was posted already"
    );
    h.stop().await;
}
