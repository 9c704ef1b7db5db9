//! Moderator insights end to end: real-shaped interactions are recorded,
//! `/gaps` and `careerbot gaps` group what went unanswered or was rated
//! down, votes count once, records survive a restart and an unclean kill
//! of the bot's process, and retention deletes only what is old.

use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use careerbot::config::Config;
use careerbot::insights::{Outcome, QuestionRecord, Record, Store};
use careerbot::live::Live;
use careerbot::transport::service::Settings;
use serde_json::{json, Value};
use support::interactions::{self as fx, Sender};
use support::limits::{assert_pings_nobody, assert_within_limits};
use support::process::{arg, free_port, request, serve_http_command, signal, wait_ready};
use support::serve_now;

fn live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| support::live(&support::seed_dir()))
}

/// Settings recording into `data`, with no cooldown.
fn settings(data: &Path) -> Settings {
    let config = {
        let mut c = Config::default();
        c.insights.options.data_dir = data.to_path_buf();
        c.serving.cooldown = Duration::ZERO;
        c
    };
    Settings::from_config(&config)
        .with_insights(&config)
        .expect("insights store opens")
}

/// Dispatches a payload; the immediate response as Discord receives it.
fn respond(settings: &Settings, payload: &Value) -> Value {
    let d = serve_now(live(), settings, &fx::parse(payload));
    let json = serde_json::to_value(&d.response).expect("response serializes");
    assert_pings_nobody(&json);
    assert_within_limits(&json);
    json
}

fn content(r: &Value) -> &str {
    r["data"]["content"].as_str().unwrap_or("")
}

/// `/gaps` or `/stats` as a member with Manage Server.
fn moderator_command(name: &str, days: Option<i64>) -> Value {
    let options = days.map_or(
        json!([]),
        |d| json!([{ "name": "days", "type": 4, "value": d }]),
    );
    fx::command(name, options, &Sender::manager())
}

/// Off-topic questions in three wordings of one thing and one of another.
const OFF_TOPIC: [&str; 4] = [
    "How do I become a professional chef?",
    "how do i become a professional chef",
    "How to become a professional chef",
    "Who won the world cup in 1998?",
];

#[test]
fn declined_and_badly_rated_questions_appear_grouped_in_gaps() {
    let data = tempfile::tempdir().unwrap();
    let settings = settings(data.path());
    for q in OFF_TOPIC {
        let r = respond(&settings, &fx::ask(q, None));
        assert!(content(&r).starts_with("I don't know"), "{r:#}");
    }
    // An answered question, rated 👎 by its asker.
    let answer = respond(
        &settings,
        &fx::ask("what does a back-end developer earn", None),
    );
    let down = fx::button_id(&answer, "rate-down");
    let r = respond(
        &settings,
        &fx::button(&down, fx::ASKER, answer["data"]["embeds"].clone()),
    );
    assert_eq!(content(&r), "Thanks for the feedback!");

    let gaps = respond(&settings, &moderator_command("gaps", Some(7)));
    assert_eq!(gaps["data"]["flags"], 64, "moderators see it alone");
    let embed = &gaps["data"]["embeds"][0];
    assert_eq!(embed["title"], "Knowledge gaps, last 7 day(s)");
    let fields = embed["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), 3, "{embed:#}");
    let chef = fields[0]["name"].as_str().unwrap();
    assert!(
        chef.starts_with("1. 3× “How do I become a professional chef?”"),
        "{chef}"
    );
    assert!(fields[0]["value"].as_str().unwrap().contains("3 declined"));
    assert!(
        fields[0]["value"]
            .as_str()
            .unwrap()
            .contains("also: “How to become a professional chef”"),
        "{embed:#}"
    );
    let rated = fields
        .iter()
        .find(|f| f["name"].as_str().unwrap().contains("earn"))
        .expect("the rated-down question is a gap");
    let value = rated["value"].as_str().unwrap();
    assert!(value.contains("1 👎"), "{value}");
    assert!(value.contains("closest: Back-end developer"), "{value}");
    settings.close_insights();

    // The command line reports the same groups from the same store.
    let out = careerbot(&["--data", arg(data.path()), "gaps", "--json"]);
    let report: Value = serde_json::from_str(&out).expect("gaps --json is JSON");
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3, "{report:#}");
    assert_eq!(groups[0]["count"], 3);
    assert_eq!(groups[0]["declined"], 3);
    assert_eq!(groups[0]["example"], "How do I become a professional chef?");
    let text = careerbot(&["--data", arg(data.path()), "gaps"]);
    assert!(
        text.contains("3× “How do I become a professional chef?”"),
        "{text}"
    );
}

#[test]
fn each_server_sees_only_its_own_questions() {
    let data = tempfile::tempdir().unwrap();
    let settings = settings(data.path());
    let in_guild = |question: &str, guild: &str| {
        let mut payload = fx::ask(question, None);
        payload["guild_id"] = json!(guild);
        payload["guild"]["id"] = json!(guild);
        payload
    };
    let other_guild = "1190000000000000101";
    respond(
        &settings,
        &in_guild("how do I train a parrot to talk", fx::GUILD),
    );
    respond(
        &settings,
        &in_guild("where can I buy cheap concert tickets", other_guild),
    );
    respond(
        &settings,
        &in_guild("where can I buy cheap concert tickets", other_guild),
    );
    respond(
        &settings,
        &fx::command(
            "ask",
            json!([{ "name": "question", "type": 3, "value": "how do I fix my bicycle chain" }]),
            &Sender::dm(),
        ),
    );

    let mut gaps = moderator_command("gaps", None);
    gaps["guild_id"] = json!(other_guild);
    let r = respond(&settings, &gaps);
    let fields = r["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{r:#}");
    assert!(fields[0]["name"]
        .as_str()
        .unwrap()
        .contains("2× “where can I buy cheap concert tickets”"));
    let r = respond(&settings, &moderator_command("stats", None));
    let description = r["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(description.starts_with("1 question(s)"), "{description}");
    settings.close_insights();

    // The command line sees every server and direct messages, or one server.
    let all: Value =
        serde_json::from_str(&careerbot(&["--data", arg(data.path()), "stats", "--json"])).unwrap();
    assert_eq!(all["questions"], 4);
    let one: Value = serde_json::from_str(&careerbot(&[
        "--data",
        arg(data.path()),
        "stats",
        "--json",
        "--guild",
        other_guild,
    ]))
    .unwrap();
    assert_eq!(one["questions"], 2);
}

#[test]
fn gaps_and_stats_are_for_moderators_only() {
    let data = tempfile::tempdir().unwrap();
    let settings = settings(data.path());
    let member = fx::command("gaps", json!([]), &Sender::member());
    assert_eq!(
        content(&respond(&settings, &member)),
        "Only moderators can use this command."
    );
    let dm = fx::command("stats", json!([]), &Sender::dm());
    assert!(content(&respond(&settings, &dm)).contains("in a server"));
    let by_role = fx::command("stats", json!([]), &Sender::moderator_role());
    let with_role = Settings {
        policy: careerbot::discord::reply::Policy {
            moderator_roles: vec![serenity::model::id::RoleId::new(fx::MOD_ROLE)],
            private_by_default: false,
            helper_roles: Vec::new(),
        },
        insights: settings.insights.clone(),
        ..Settings::default()
    };
    let r = respond(&with_role, &by_role);
    assert_eq!(r["data"]["embeds"][0]["title"], "Usage, last 30 day(s)");
    let off = respond(&Settings::default(), &moderator_command("gaps", None));
    assert!(content(&off).contains("Insights are turned off"), "{off:#}");
}

#[test]
fn gaps_pages_with_buttons_only_its_moderator_can_use() {
    let data = tempfile::tempdir().unwrap();
    let settings = settings(data.path());
    let topics = [
        "sourdough bread",
        "knitting scarves",
        "tax returns",
        "opera singing",
        "pottery glazes",
        "car engines",
        "yoga poses",
        "wine tasting",
    ];
    for t in topics {
        respond(&settings, &fx::ask(&format!("tell me about {t}"), None));
    }
    let first = respond(&settings, &moderator_command("gaps", None));
    let description = first["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.contains("8 group(s)") && description.contains("Page 1 of 2"),
        "{description}"
    );
    let rows = first["data"]["components"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "Answer N, then the pager");
    assert_eq!(
        rows[0]["components"].as_array().unwrap().len(),
        5,
        "one Answer per group shown"
    );
    let buttons = rows[1]["components"].as_array().unwrap();
    assert_eq!(buttons.len(), 1, "only Next on the first page");
    let next = buttons[0]["custom_id"].as_str().unwrap();

    let mut press = fx::button(next, fx::ASKER, json!([]));
    press["member"] = fx::member(fx::ASKER, fx::MANAGER_PERMS, &[]);
    let page2 = respond(&settings, &press);
    assert_eq!(
        page2["type"],
        support::callback::UPDATE_MESSAGE,
        "the page replaces the message"
    );
    let fields = page2["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 3);
    assert!(fields[0]["name"].as_str().unwrap().starts_with("6. "));

    let other = respond(&settings, &fx::button(next, fx::OTHER, json!([])));
    assert!(content(&other).starts_with("Only the person who asked"));
    // The same moderator, no longer one, cannot page either.
    let demoted = respond(&settings, &fx::button(next, fx::ASKER, json!([])));
    assert_eq!(content(&demoted), "Only moderators can use this command.");
}

#[test]
fn a_member_has_one_vote_per_answer_which_changes_and_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let question = "which databases should I learn";
    let answer = {
        let settings = settings(data.path());
        respond(&settings, &fx::ask(question, None))
    };
    let embeds = answer["data"]["embeds"].clone();
    let up = fx::button_id(&answer, "rate-up");
    let down = fx::button_id(&answer, "rate-down");
    {
        let settings = settings(data.path());
        let r = respond(&settings, &fx::button(&up, fx::ASKER, embeds.clone()));
        assert_eq!(content(&r), "Thanks for the feedback!");
        let r = respond(&settings, &fx::button(&up, fx::ASKER, embeds.clone()));
        assert!(
            content(&r).starts_with("You already rated this answer that way"),
            "{r:#}"
        );
        settings.close_insights();
    }
    // A restarted bot remembers the vote.
    let settings = settings(data.path());
    let r = respond(&settings, &fx::button(&up, fx::ASKER, embeds.clone()));
    assert!(
        content(&r).starts_with("You already rated this answer"),
        "{r:#}"
    );
    // Another page of the same answer is the same answer.
    let more = respond(
        &settings,
        &fx::button(&fx::button_id(&answer, "more"), fx::ASKER, embeds.clone()),
    );
    let page1 = fx::button_id(&more, "rate-down");
    assert_ne!(page1, down, "the second page rates its own passage");
    // Another page of the same answer is the same answer: 👎 there
    // changes the member's 👍.
    let r = respond(&settings, &fx::button(&page1, fx::ASKER, embeds.clone()));
    assert!(content(&r).starts_with("Rating changed"), "{r:#}");
    // The button names the passage: a rating is of the passage the member
    // saw, never of a fresh answer to the footer's question.
    let mut elsewhere = fx::button(&page1, fx::ASKER, embeds);
    elsewhere["message"]["id"] = json!("1190000000000000801");
    elsewhere["message"]["embeds"][0]["footer"]["text"] =
        json!("Asked: how much does a back-end developer earn · answer 2 of 5");
    let r = respond(&settings, &elsewhere);
    assert_eq!(content(&r), "Thanks for the feedback!");
    settings.close_insights();

    let shown = live().current().ask_with(question, 10);
    let store = Store::open(data.path()).unwrap();
    let ratings = store.ratings_since(0).unwrap();
    assert_eq!(ratings.len(), 2, "{ratings:#?}");
    assert!(
        !ratings[0].up && !ratings[1].up,
        "the first vote was changed"
    );
    assert_eq!(ratings[0].question, question);
    let rated: Vec<Option<&str>> = ratings
        .iter()
        .map(|r| r.passage.as_ref().map(|p| p.id.as_str()))
        .collect();
    assert_eq!(
        rated,
        [
            Some(shown.passages()[0].id.as_str()),
            Some(shown.passages()[1].id.as_str())
        ],
        "each rating keeps the passage its button named"
    );
    assert!(
        ratings.iter().all(|r| r.score.is_some()),
        "the scores are kept"
    );
    assert!(ratings
        .iter()
        .all(|r| r.user.is_none() && r.guild.is_some()));
}

#[test]
fn records_survive_a_restart_and_stats_count_them() {
    let data = tempfile::tempdir().unwrap();
    {
        let settings = settings(data.path());
        for q in [
            "what does a back-end developer do",
            "salary",
            "how do I knit a scarf",
        ] {
            respond(&settings, &fx::ask(q, None));
        }
        respond(
            &settings,
            &fx::ask_message("which programming languages do back-end developers use"),
        );
        settings.close_insights();
    }
    let settings = settings(data.path());
    let stats = respond(&settings, &moderator_command("stats", Some(1)));
    let embed = &stats["data"]["embeds"][0];
    let description = embed["description"].as_str().unwrap();
    assert!(
        description.starts_with("4 question(s), 75% answered"),
        "{description}"
    );
    let articles = embed["fields"][1]["value"].as_str().unwrap();
    assert!(
        articles.starts_with("3 · 👍 0 · 👎 0 · ") && articles.ends_with(" · Back-end developer"),
        "{embed:#}"
    );

    let out = careerbot(&["--data", arg(data.path()), "stats", "--json", "--days", "1"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["questions"], 4);
    assert_eq!(report["declined"], 1);
    let exported = careerbot(&["--data", arg(data.path()), "export"]);
    let lines: Vec<Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["kind"] == "question"));
    assert!(
        lines.iter().all(|l| l["user"].is_null()),
        "no user ids by default"
    );
}

#[test]
fn retention_deletes_what_is_old_and_nothing_else() {
    let data = tempfile::tempdir().unwrap();
    let now = careerbot::insights::unix_now();
    let day = 86_400;
    let question = |age_days: i64, text: &str| {
        Record::Question(QuestionRecord::new(
            now - age_days * day,
            text,
            Outcome::Declined,
        ))
    };
    Store::open(data.path())
        .unwrap()
        .write(&[
            question(400, "a year ago"),
            question(91, "three months ago"),
            question(89, "two months ago"),
            question(0, "today"),
        ])
        .unwrap();
    let out = careerbot(&["--data", arg(data.path()), "prune"]);
    assert!(out.starts_with("deleted 2 question(s)"), "{out}");
    let left: Vec<String> = Store::open(data.path())
        .unwrap()
        .questions_since(i64::MIN)
        .unwrap()
        .into_iter()
        .map(|q| q.question)
        .collect();
    assert_eq!(left, vec!["two months ago", "today"]);
}

/// Runs careerbot; its stdout, after asserting it succeeded.
fn careerbot(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_careerbot"))
        .args(args)
        .current_dir(support::root())
        .env_remove("CAREERBOT_DATA")
        .stdin(Stdio::null())
        .output()
        .expect("careerbot runs");
    assert!(
        out.status.success(),
        "careerbot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A serve-http child recording into `data`, and a way to send it signed
/// interactions.
struct Bot {
    child: std::process::Child,
    port: u16,
}

impl Bot {
    fn start(data: &Path, index: &Path) -> Bot {
        let key = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        let port = free_port();
        let child = serve_http_command(
            &[
                ("DISCORD_TOKEN", "loopback-token"),
                ("DISCORD_PUBLIC_KEY", &public),
                ("CAREERBOT_INDEX", arg(index)),
                ("CAREERBOT_DATA", arg(data)),
                ("CAREERBOT_LOG", "info"),
            ],
            &format!("127.0.0.1:{port}"),
        )
        .stderr(Stdio::null())
        .spawn()
        .expect("serve-http starts");
        wait_ready(port);
        Bot { child, port }
    }

    /// Asks as member `user` (each member has their own cooldown).
    fn ask(&self, user: u64, question: &str) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
        let mut payload = fx::ask(question, None);
        payload["member"] = fx::member(user, fx::MEMBER_PERMS, &[]);
        let body = serde_json::to_vec(&payload).unwrap();
        let timestamp = fx::unix_now().to_string();
        let signature = fx::discord_signature(&key, &timestamp, &body);
        let response = request(
            self.port,
            "POST",
            "/interactions",
            &[
                ("Content-Type", "application/json"),
                ("X-Signature-Ed25519", &signature),
                ("X-Signature-Timestamp", &timestamp),
            ],
            &body,
        )
        .expect("the bot answers");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }

    /// Records the bot reports as committed (acknowledged), from /metrics.
    fn committed(&self) -> u64 {
        let metrics = request(self.port, "GET", "/metrics", &[], b"").unwrap_or_default();
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("careerbot_insights_committed_total "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// The questions stored in `data`, in the order they were recorded.
fn recorded_in(data: &Path) -> Vec<String> {
    Store::open(data)
        .unwrap()
        .questions_since(0)
        .unwrap()
        .into_iter()
        .map(|q| q.question)
        .collect()
}

#[cfg(unix)]
#[test]
fn an_unclean_kill_loses_nothing_acknowledged_and_a_clean_stop_loses_nothing() {
    let data = tempfile::tempdir().unwrap();
    let index = tempfile::tempdir().unwrap();
    let asked: Vec<String> = (0..20)
        .map(|i| format!("how do I grow tomatoes, try {i}"))
        .collect();

    let mut bot = Bot::start(data.path(), index.path());
    for (user, q) in (fx::ASKER..).zip(&asked) {
        bot.ask(user, q);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while bot.committed() < 20 {
        assert!(
            Instant::now() < deadline,
            "20 records acknowledged within 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(bot.child.id(), "-KILL");
    let status = bot.child.wait().unwrap();
    assert!(!status.success(), "killed, not exited");
    assert_eq!(
        recorded_in(data.path()),
        asked,
        "every acknowledged record survives SIGKILL"
    );

    // A clean stop right after answering stores what was still queued.
    let mut bot = Bot::start(data.path(), index.path());
    let more: Vec<String> = (0..20)
        .map(|i| format!("best fertilizer for roses, try {i}"))
        .collect();
    for (user, q) in (fx::ASKER..).zip(&more) {
        bot.ask(user, q);
    }
    signal(bot.child.id(), "-TERM");
    assert!(bot.child.wait().unwrap().success());
    let all = recorded_in(data.path());
    assert_eq!(all.len(), 40);
    assert_eq!(&all[20..], &more[..]);
}

#[test]
fn a_failed_sighup_reload_logs_every_problem_with_its_place_and_records_them() {
    let (knowledge, data, index) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    for entry in std::fs::read_dir(support::seed_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), knowledge.path().join(entry.file_name())).unwrap();
    }
    let key = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let public = hex::encode(key.verifying_key().to_bytes());
    let port = free_port();
    let child = serve_http_command(
        &[
            ("DISCORD_TOKEN", "loopback-token"),
            ("DISCORD_PUBLIC_KEY", &public),
            ("CAREERBOT_KNOWLEDGE", arg(knowledge.path())),
            ("CAREERBOT_INDEX", arg(index.path())),
            ("CAREERBOT_DATA", arg(data.path())),
            ("CAREERBOT_LOG", "warn"),
        ],
        &format!("127.0.0.1:{port}"),
    )
    .spawn()
    .expect("serve-http starts");
    wait_ready(port);
    // An unterminated string on line 3.
    std::fs::write(
        knowledge.path().join("tools.toml"),
        "[[category]]\nid = \"databases\"\nname = \"Databases\nkeywords = [\"database\"]\n",
    )
    .unwrap();
    signal(child.id(), "-HUP");
    let failed = "careerbot_reloads_total{cause=\"SIGHUP\",result=\"failed\"} 1";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !request(port, "GET", "/metrics", &[], b"").is_some_and(|m| m.contains(failed)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the reload was not counted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(child.id(), "-TERM");
    let out = child.wait_with_output().expect("serve-http exits");
    let logs = String::from_utf8_lossy(&out.stderr);
    let place = format!("{}:3:", knowledge.path().join("tools.toml").display());
    let problem_line = logs
        .lines()
        .find(|l| l.contains(" WARN ") && l.contains(&place))
        .unwrap_or_else(|| panic!("a warning names {place}: {logs}"));
    assert!(problem_line.contains("error"), "{problem_line}");

    let stats: Value =
        serde_json::from_str(&careerbot(&["--data", arg(data.path()), "stats", "--json"])).unwrap();
    let record = stats["reloads"]["latest"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["ok"] == false))
        .unwrap_or_else(|| panic!("a failed reload is recorded: {stats}"));
    let error = record["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&place),
        "the record names the problem's place: {error}"
    );
}

#[test]
fn gaps_and_stats_on_the_command_line_never_pass_terminal_escapes_through() {
    let data = tempfile::tempdir().unwrap();
    let settings = settings(data.path());
    let hostile = [
        "how do I bake \u{1b}[2J\u{1b}[31mbread",
        "sourdough \u{1b}]0;pwned title\u{7} starter",
        "pizza \u{1b}]8;;https://evil.example\u{1b}\\click\u{1b}]8;;\u{1b}\\ dough",
        "tax \u{202e}snruter\u{202c} and \u{200f}forms\r overwritten",
    ];
    for q in hostile {
        respond(&settings, &fx::ask(q, None));
    }
    settings.close_insights();
    for args in [&["gaps"][..], &["stats"][..]] {
        let mut all = vec!["--data", arg(data.path())];
        all.extend_from_slice(args);
        let text = careerbot(&all);
        for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{202c}', '\u{200f}', '\r'] {
            assert!(!text.contains(bad), "{args:?} printed {bad:?}: {text:?}");
        }
        if args == ["gaps"] {
            assert!(text.contains("\\u{1b}[2J"), "shown escaped: {text}");
            assert!(text.contains("\\u{202e}snruter"), "shown escaped: {text}");
        }
    }
}

#[test]
fn on_a_fresh_install_the_reports_say_no_records_yet_and_succeed() {
    let data = tempfile::tempdir().unwrap();
    let fresh = data.path().join("never-written");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_careerbot"))
            .arg("--data")
            .arg(&fresh)
            .args(args)
            .current_dir(support::root())
            .env_remove("CAREERBOT_DATA")
            .stdin(Stdio::null())
            .output()
            .expect("careerbot runs")
    };
    for args in [
        &["gaps"][..],
        &["gaps", "--json"],
        &["stats"],
        &["stats", "--json"],
        &["export"],
        &["prune"],
        &["digest"],
        &["digest", "--json"],
    ] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.contains("no records yet"), "{args:?}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        if args.contains(&"--json") {
            let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
            assert!(report.is_object(), "{args:?}: {stdout}");
        }
        if args == ["export"] {
            assert!(stdout.is_empty(), "no records to export: {stdout}");
        }
        if args == ["digest"] {
            assert!(
                stdout.contains("0 question(s)"),
                "an empty digest: {stdout}"
            );
        }
    }
    assert!(!fresh.exists(), "reading reports creates no store");
}

#[test]
fn per_article_quality_names_the_article_rated_worse_than_the_rest_and_the_one_never_used() {
    use careerbot::insights::{PassageRef, RatingRecord};
    let data = tempfile::tempdir().unwrap();
    let now = careerbot::insights::unix_now();
    let passage = |article: &str| {
        Some(PassageRef {
            id: format!("{article}#1"),
            article: article.to_string(),
            section: String::new(),
        })
    };
    let mut records = Vec::new();
    for (article, asked, up, down) in [
        ("Interview tips", 3, 12, 1),
        ("Old salary guide", 2, 1, 7),
        // Rated down each time, but three votes are too few to judge.
        ("Tool list", 1, 0, 3),
    ] {
        for i in 0..asked {
            records.push(Record::Question(QuestionRecord {
                passage: passage(article),
                guild: fx::GUILD.parse().ok(),
                ..QuestionRecord::new(now - 3_600 * (i + 1), "a question", Outcome::Answered)
            }));
        }
        for (n, is_up) in std::iter::repeat_n(true, up)
            .chain(std::iter::repeat_n(false, down))
            .enumerate()
        {
            records.push(Record::Rating(RatingRecord {
                at: now - 60,
                guild: fx::GUILD.parse().ok(),
                user: None,
                vote: format!("{article}-{n}"),
                question: "a question".to_string(),
                passage: passage(article),
                score: None,
                up: is_up,
            }));
        }
    }
    Store::open(data.path()).unwrap().write(&records).unwrap();

    let table = careerbot(&["--data", arg(data.path()), "stats", "--articles"]);
    let row = table
        .lines()
        .find(|l| l.ends_with("Old salary guide"))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..4], ["2", "1", "7", "88%"], "{table}");
    let never = table.split("Never used").nth(1).unwrap_or_default();
    assert!(never.contains("Back-end developer"), "{table}");
    let worse = table.split("Rated worse").nth(1).unwrap_or_default();
    assert!(worse.contains("Old salary guide"), "{table}");
    assert!(
        !worse.contains("Tool list") && !worse.contains("Interview tips"),
        "{table}"
    );

    let json: Value =
        serde_json::from_str(&careerbot(&["--data", arg(data.path()), "stats", "--json"])).unwrap();
    let worse = &json["quality"]["worse"];
    assert_eq!(worse.as_array().map(Vec::len), Some(1), "{json:#}");
    assert_eq!(worse[0]["article"], "Old salary guide");
    assert_eq!(worse[0]["votes"], 8);
    assert_eq!(json["quality"]["articles"][0]["article"], "Interview tips");
    assert_eq!(json["quality"]["articles"][0]["first"], 3);

    let settings = settings(data.path());
    let r = respond(&settings, &moderator_command("stats", None));
    let fields = r["data"]["embeds"][0]["fields"].to_string();
    assert!(fields.contains("Rated worse than the rest"), "{r:#}");
    assert!(fields.contains("88% 👎 of 8 votes"), "{r:#}");
    assert!(
        fields.contains("Never used (") && fields.contains("Back-end developer"),
        "{r:#}"
    );
    settings.close_insights();
}
