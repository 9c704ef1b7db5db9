//! Property tests: arbitrary input through the real paths, with the
//! invariants that matter. They stand in for coverage-guided fuzzing in
//! `cargo test` (the toolchain here is stable, and cargo-fuzz needs
//! nightly): no panic; every response fits Discord's limits; no response
//! can ping anyone; knowledge files of any content load or are refused
//! cleanly.

use crate::support;

use std::sync::OnceLock;

use careerbot::discord::parse::{interaction_from_value, ParseError};
use careerbot::live::Live;
use careerbot::transport::service::Settings;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::interactions as fx;
use support::limits::{assert_pings_nobody, assert_within_limits};
use support::serve_now;

fn live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| support::live(&support::seed_dir()))
}

/// Dispatches `payload` if it parses as an interaction, and checks the response.
fn check(payload: &Value) {
    let Ok(interaction) = interaction_from_value(payload) else {
        return;
    };
    let response = serve_now(live(), &Settings::default(), &interaction);
    let json = serde_json::to_value(&response.response).expect("serializes");
    assert_within_limits(&json);
    assert_pings_nobody(&json);
}

/// Text a member might send, hostile parts included: mentions, markdown,
/// zero-width and right-to-left marks, emoji, very long runs.
fn member_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("@everyone".to_string()),
        Just("@here".to_string()),
        Just("<@&1190000000000000900>".to_string()),
        Just("<@1190000000000000500>".to_string()),
        Just("```".to_string()),
        Just("**".to_string()),
        Just("\u{202e}\u{200b}".to_string()),
        Just("salary".to_string()),
        Just("back-end developer".to_string()),
        Just("databases".to_string()),
        "[a-z]{1,12}".prop_map(|s| s),
        any::<String>(),
        "\\PC{0,40}".prop_map(|s| s),
    ];
    prop::collection::vec(pieces, 0..30).prop_map(|v| v.join(" "))
}

/// Text a moderator (or a member, through "Save as answer") might write
/// as an answer: every piece of Markdown and TOML structure that could end
/// a section, open a new one or hide what follows, and arbitrary text.
fn answer_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("```".to_string()),
        Just("~~~".to_string()),
        Just("<script>".to_string()),
        Just("<pre>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("# Heading".to_string()),
        Just("===".to_string()),
        Just("---".to_string()),
        Just("- ## X".to_string()),
        Just("> ## Y".to_string()),
        Just("[[answer]]".to_string()),
        Just("question = \"forged\"".to_string()),
        Just("\"\"\"".to_string()),
        Just("'''".to_string()),
        Just("\\".to_string()),
        Just("[a link](https://example.com)".to_string()),
        Just("`code`".to_string()),
        Just("\u{202e}\u{200b}\u{7}\r".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        "[a-z]{1,12}".prop_map(|s| s),
        "\\PC{0,30}".prop_map(|s| s),
        any::<String>(),
    ];
    prop::collection::vec(pieces, 1..40).prop_map(|v| v.join(" "))
}

/// The community answers' passages of `file` (the answers file's text).
fn community_passages(file: &str) -> Vec<careerbot::chunk::Passage> {
    use careerbot::knowledge::{self, community, SourceFile};
    let files = [SourceFile {
        rel: community::FILE.to_string(),
        display: community::FILE.to_string(),
        bytes: Ok(file.as_bytes().to_vec()),
    }];
    let (kb, report) = knowledge::parse(&files);
    assert!(!report.has_errors(), "{report:?}\n{file}");
    careerbot::chunk::chunk_all(&kb.articles)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_to_any_question_is_one_passage_and_leaves_earlier_answers_as_served(
        answers in prop::collection::vec((member_text(), answer_text(), answer_text()), 1..6)
    ) {
        use careerbot::knowledge::community::{self, CommunityAnswer};
        let mut file: Option<String> = None;
        let mut served: Vec<careerbot::chunk::Passage> = Vec::new();
        for (question, heading, text) in answers {
            let heading: String = heading.chars().take(200).collect();
            let answer = CommunityAnswer { question, heading, answer: text, by: "Ada".into(), at: String::new(), link: String::new() };
            let Ok(next) = community::append(file.as_deref(), &answer) else { continue };
            let passages = community_passages(&next);
            prop_assert_eq!(passages.len(), served.len() + 1, "one passage more:\n{}", next);
            prop_assert_eq!(&passages[..served.len()], &served[..], "earlier answers unchanged");
            prop_assert!(!passages[served.len()].text.trim().is_empty());
            served = passages;
            file = Some(next);
        }
    }

    #[test]
    fn any_message_saved_as_an_answer_keeps_the_knowledge_valid_served_and_earlier_answers_unchanged(
        messages in prop::collection::vec((member_text(), member_text()), 1..4)
    ) {
        use careerbot::knowledge::community;
        use careerbot::transport::service::FollowUp;
        use support::interactions::Sender;
        let mut file: Option<String> = None;
        let mut served: Vec<careerbot::chunk::Passage> = Vec::new();
        for (asked, text) in messages {
            let replied = fx::message("1190000000000000710", fx::ASKER, &asked, json!([]));
            let target = fx::reply("1190000000000000711", fx::OTHER, &text, replied);
            let Ok(command) = interaction_from_value(&fx::save_as_answer(target, &Sender::manager())) else { continue };
            let form = serde_json::to_value(serve_now(live(), &Settings::default(), &command).response).expect("serializes");
            support::limits::assert_modal_within_limits(&form);
            let value = |id: &str| fx::form_value(&form, id).to_string();
            let (question, answer, heading) = (value("question"), value("answer"), value("heading"));
            let id = form["data"]["custom_id"].as_str().expect("custom id").to_string();
            let fields = [("question", question.as_str()), ("answer", answer.as_str()), ("heading", heading.as_str())];
            let Ok(submit) = interaction_from_value(&fx::modal_submit(&id, &fields, &Sender::manager())) else { continue };
            let outcome = serve_now(live(), &Settings::default(), &submit);
            let Some(FollowUp::AnswerGap(gap)) = outcome.follow_up else {
                // An empty question or answer is refused, privately, before anything is written.
                let refused = serde_json::to_value(&outcome.response).expect("serializes");
                prop_assert!(question.trim().is_empty() || answer.trim().is_empty(), "{refused:#}");
                continue;
            };
            prop_assert_eq!(&gap.answer.by, "Member");
            let Ok(next) = community::append(file.as_deref(), &gap.answer) else { continue };
            let passages = community_passages(&next);
            prop_assert_eq!(passages.len(), served.len() + 1, "one passage more:\n{}", next);
            prop_assert_eq!(&passages[..served.len()], &served[..], "earlier answers unchanged");
            prop_assert!(!passages[served.len()].text.trim().is_empty());
            served = passages;
            file = Some(next);
        }
    }

    #[test]
    fn any_question_gets_a_response_within_limits_that_pings_nobody(q in member_text(), private in any::<Option<bool>>()) {
        check(&fx::ask(&q, private));
        check(&fx::ask_message(&q));
        // The engine itself, on the raw text.
        let answer = live().current().ask(&q);
        prop_assert!(answer.passages().len() <= careerbot::answer::DEFAULT_PASSAGES);
    }

    #[test]
    fn any_mention_or_forum_post_gets_a_message_within_limits_that_pings_nobody(text in member_text(), title in member_text(), direct in any::<bool>()) {
        use careerbot::discord::messages::{asked, forum_question, forum_reply, mention_hint, mention_reply, Asked};
        use serenity::model::id::{ChannelId, MessageId, UserId};
        let bot = UserId::new(fx::APP.parse().unwrap());
        let asker = UserId::new(fx::ASKER);
        let reply_to = (ChannelId::new(1190000000000000200), MessageId::new(1190000000000000600));
        let content = format!("<@{bot}> {text}");
        let message = match asked(&content, bot, direct) {
            Asked::Question(q) | Asked::FollowUp { question: q, .. } => mention_reply(&live().current().ask_with(&q, 10), asker, reply_to),
            Asked::Empty | Asked::Nothing => mention_hint(reply_to),
        };
        let mut messages = vec![serde_json::to_value(&message).expect("serializes")];
        let answer = live().current().ask_with(&forum_question(&title, &text), 10);
        if let Some(post) = forum_reply(&answer, asker) {
            messages.push(serde_json::to_value(&post).expect("serializes"));
        }
        for body in &messages {
            assert_within_limits(&json!({ "data": body }));
            support::limits::assert_pings_only(body, None);
        }
    }

    #[test]
    fn any_autocomplete_text_gets_at_most_25_short_choices(typed in member_text(), command in prop_oneof![Just("ask"), Just("tools"), Just("courses"), Just("help")], option in prop_oneof![Just("question"), Just("category"), Just("topic"), Just("nope")]) {
        check(&fx::autocomplete(command, option, &typed));
    }

    #[test]
    fn any_button_id_and_presser_is_handled_safely(custom_id in prop_oneof![
        "\\PC{0,120}".prop_map(|s| s),
        "(more|rate-up|rate-down):[0-9]{0,22}:[0-9-]{0,6}".prop_map(|s| s),
        Just("more:1190000000000000500:9999999999999999999".to_string()),
    ], presser in any::<u64>().prop_map(|u| u.max(1)), footer in member_text()) {
        let embeds = json!([{ "title": "t", "description": "d", "footer": { "text": footer } }]);
        check(&fx::button(&custom_id, presser, embeds));
    }

    #[test]
    fn arbitrary_bytes_as_an_interaction_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            check(&value);
        }
    }

    #[test]
    fn a_real_payload_with_any_field_replaced_is_handled_safely(path in 0usize..64, replacement in prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,60}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
    ], which in 0usize..4) {
        let mut payload = match which {
            0 => fx::ask("how much do back-end developers make?", Some(true)),
            1 => fx::autocomplete("ask", "question", "sal"),
            2 => fx::ask_message("which databases should I learn?"),
            _ => fx::button("more:1190000000000000500:1", fx::ASKER, json!([{ "footer": { "text": "Asked: salary · answer 1 of 3" } }])),
        };
        let mut leaves = Vec::new();
        collect_leaves(&payload, String::new(), &mut leaves);
        let target = &leaves[path % leaves.len()];
        if let Some(slot) = payload.pointer_mut(target) {
            *slot = replacement;
        }
        check(&payload);
    }
}

/// The case proptest found: an avatar of 32 bytes that are not ASCII made
/// serenity's own parser panic (it slices the hash by bytes). It is now a
/// clear parse error, for every field serenity reads as an image hash.
#[test]
fn an_image_hash_that_is_not_ascii_is_refused_not_a_panic() {
    // 32 bytes, with multi-byte characters where serenity slices.
    let hash = "A\u{fffc}a0\u{a1}AaA \u{1eea1}a\u{fb13}00\u{10a3f}a\u{1bc00}0";
    for pointer in ["/member/user/avatar", "/member/avatar", "/member/banner"] {
        let mut payload = fx::ask("how much do back-end developers make?", Some(true));
        *payload.pointer_mut(pointer).expect("field exists") = Value::from(hash);
        match interaction_from_value(&payload) {
            Err(ParseError::ImageHash(key)) => assert!(pointer.ends_with(&key), "{key}"),
            other => panic!("{pointer}: {other:?}"),
        }
    }
    // A real hash still parses.
    let mut payload = fx::ask("how much do back-end developers make?", Some(true));
    *payload
        .pointer_mut("/member/user/avatar")
        .expect("field exists") = Value::from("a_e3c0db7f38777778fb43081f8746ebc9");
    assert!(interaction_from_value(&payload).is_ok());
}

/// Settings recording into one temporary store for the whole test binary.
fn recording() -> &'static Settings {
    static SETTINGS: OnceLock<(tempfile::TempDir, Settings)> = OnceLock::new();
    let (_, settings) = SETTINGS.get_or_init(|| {
        let data = tempfile::tempdir().expect("temp dir");
        let config = {
            let mut c = careerbot::config::Config::default();
            c.insights.options.data_dir = data.path().to_path_buf();
            c.serving.cooldown = std::time::Duration::ZERO;
            c
        };
        let settings = Settings::from_config(&config)
            .with_insights(&config)
            .expect("insights store opens");
        (data, settings)
    });
    settings
}

/// Dispatches `payload` with insights on and checks the response.
fn check_recording(payload: &Value) -> Value {
    let interaction = fx::parse(payload);
    let response = serve_now(live(), recording(), &interaction);
    let json = serde_json::to_value(&response.response).expect("serializes");
    assert_within_limits(&json);
    assert_pings_nobody(&json);
    json
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn hostile_questions_shown_in_gaps_and_stats_stay_within_limits_and_ping_nobody(
        q in member_text(),
        days in prop_oneof![Just(None), any::<i64>().prop_map(Some)],
        page in "[0-9-]{0,22}",
        presser in any::<u64>().prop_map(|u| u.max(1)),
    ) {
        check_recording(&fx::ask(&q, None));
        let options = days.map_or(json!([]), |d| json!([{ "name": "days", "type": 4, "value": d }]));
        for name in ["gaps", "stats"] {
            let r = check_recording(&fx::command(name, options.clone(), &fx::Sender::manager()));
            prop_assert!(r["data"]["embeds"][0]["title"].is_string(), "{r:#}");
        }
        // The moderator who asked, and anyone else, press a forged page button.
        for by in [fx::ASKER, presser] {
            let mut press = fx::button(&format!("gaps:{}:{page}:{}", fx::ASKER, days.unwrap_or(30)), by, json!([]));
            press["member"] = fx::member(by, fx::MANAGER_PERMS, &[]);
            check_recording(&press);
        }
    }
}

/// JSON pointers of every leaf value.
fn collect_leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_leaves(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_leaves(v, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn knowledge_files_of_any_content_load_or_are_refused_cleanly(
        article in prop_oneof![
            "\\PC{0,400}".prop_map(|s| s),
            "(\\+\\+\\+|---)\n[a-z_]{1,8} = [\"\\[\\]0-9a-z ]{0,20}\n(\\+\\+\\+|---)?\n#{0,3} [A-Za-z ]{0,20}\n\\PC{0,200}".prop_map(|s| s),
        ],
        tools in prop_oneof![
            "\\PC{0,200}".prop_map(|s| s),
            "\\[\\[category\\]\\]\nid = \"[a-z-]{0,8}\"\nname = \"[A-Za-z ]{0,10}\"\nkeywords = \\[\"[a-z]{0,6}\"\\]\n(\\[\\[category.tool\\]\\]\nname = \"[A-Za-z]{0,8}\"\n){0,3}".prop_map(|s| s),
        ],
        courses in "\\PC{0,200}",
    ) {
        let dir = support::knowledge(&[
            ("article.md", article.as_bytes()),
            ("tools.toml", tools.as_bytes()),
            ("courses.toml", courses.as_bytes()),
        ]);
        match careerbot::knowledge::load(dir.path()) {
            Ok((kb, _, _)) => {
                // What loads can be indexed and asked.
                let engine = support::load(dir.path());
                let _ = engine.ask("salary");
                prop_assert!(kb.articles.len() <= 1);
            }
            Err(careerbot::knowledge::LoadError::Invalid(report)) => {
                prop_assert!(report.error_count() > 0);
                for p in report.problems.iter().filter(|p| p.is_error()) {
                    prop_assert!(p.line >= 1 && !p.message.is_empty(), "{p}");
                }
            }
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }
}
