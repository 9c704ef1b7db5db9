//! The Discord dispatch on real-shaped interaction payloads: what members
//! see for each command, who may reload, buttons, and Discord's limits.

use crate::support;

use support::limits::{assert_pings_nobody, assert_within_limits};

use std::sync::OnceLock;

use careerbot::discord::commands::{reload_reply, Command};
use careerbot::discord::invocation::{Invocation, Kind};
use careerbot::discord::reply::Policy;
use careerbot::live::Live;
use careerbot::transport::service::{FollowUp, Settings};
use serde_json::{json, Value};
use serenity::model::id::{GuildId, RoleId, UserId};
use support::interactions::{self as fx, Sender};
use support::serve_now;

fn live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| support::live(&support::seed_dir()))
}

fn settings() -> Settings {
    Settings {
        policy: Policy {
            moderator_roles: vec![RoleId::new(fx::MOD_ROLE)],
            private_by_default: false,
            helper_roles: Vec::new(),
        },
        ..Settings::default()
    }
}

/// Dispatches a payload and returns the immediate response as Discord receives it.
fn respond(payload: &Value) -> Value {
    let json = respond_pinging(payload);
    assert_pings_nobody(&json);
    json
}

/// As [`respond`], for a response that may ping the one target it names.
fn respond_pinging(payload: &Value) -> Value {
    let interaction = fx::parse(payload);
    let d = serve_now(live(), &settings(), &interaction);
    serde_json::to_value(&d.response).expect("response serializes")
}

fn is_ephemeral(response: &Value) -> bool {
    response["data"]["flags"].as_u64().unwrap_or(0) & 64 == 64
}

#[test]
fn ask_salary_answers_with_the_salary_passage_in_an_embed() {
    let r = respond(&fx::ask("how much do back-end developers make?", None));
    assert_eq!(r["type"], support::callback::MESSAGE);
    assert!(!is_ephemeral(&r));
    let embed = &r["data"]["embeds"][0];
    assert!(
        embed["description"].as_str().unwrap().contains("$100,376"),
        "{embed:#}"
    );
    assert!(
        embed["description"].as_str().unwrap().contains("**"),
        "matched terms in bold"
    );
    assert!(embed["title"]
        .as_str()
        .unwrap()
        .starts_with("Back-end developer › "));
    assert_eq!(
        embed["url"],
        "https://www.coursera.org/articles/back-end-developer"
    );
    assert!(embed["footer"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Asked: how much do back-end developers make?"));
    let buttons = &r["data"]["components"][0]["components"];
    let ids: Vec<&str> = buttons
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], format!("more:{}:1", fx::ASKER));
    assert!(
        ids.iter().any(|i| i.starts_with("rate-up:"))
            && ids.iter().any(|i| i.starts_with("rate-down:"))
    );
}

#[test]
fn ask_shows_tools_and_courses_fields_when_asked_for() {
    let r = respond(&fx::ask(
        "which databases should I learn, and where can I take a course?",
        None,
    ));
    let fields = r["data"]["embeds"][0]["fields"].as_array().unwrap().clone();
    let named = |n: &str| {
        fields
            .iter()
            .find(|f| f["name"] == n)
            .map(|f| f["value"].as_str().unwrap().to_string())
    };
    assert!(named("Tools").unwrap().contains("MongoDB"));
    assert!(named("Courses")
        .unwrap()
        .contains("https://www.coursera.org/"));
}

#[test]
fn private_ask_is_ephemeral() {
    assert!(is_ephemeral(&respond(&fx::ask("salary", Some(true)))));
}

#[test]
fn out_of_scope_gets_a_friendly_ephemeral_i_dont_know_with_topics() {
    let r = respond(&fx::ask("how do I bake sourdough bread", None));
    assert!(is_ephemeral(&r));
    let content = r["data"]["content"].as_str().unwrap();
    assert!(content.starts_with("I don't know that one."), "{content}");
    assert!(
        content.contains("I can tell you about “What does a back-end developer do”"),
        "suggests topics: {content}"
    );
}

#[test]
fn a_question_full_of_mentions_pings_nobody() {
    let r = respond(&fx::ask(
        "@everyone @here <@&1190000000000000900> <@1190000000000000501> salary?",
        None,
    ));
    assert_eq!(r["type"], support::callback::MESSAGE);
    let r = respond(&fx::ask("@everyone @here bread?", None));
    assert!(!r["data"]["content"].as_str().unwrap().contains("@everyone"));
}

#[test]
fn ask_autocomplete_suggests_at_most_25_short_choices() {
    for typed in ["", "sal", "how", "zzz"] {
        let r = respond(&fx::autocomplete("ask", "question", typed));
        assert_eq!(r["type"], support::callback::AUTOCOMPLETE_RESULT);
        let choices = r["data"]["choices"].as_array().unwrap();
        assert!(choices.len() <= 25);
        for c in choices {
            assert!((1..=100).contains(&c["name"].as_str().unwrap().chars().count()));
            assert!(c["value"].as_str().unwrap().chars().count() <= 100);
        }
        if typed == "sal" {
            assert!(
                choices.iter().any(|c| c["name"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("salary")),
                "{choices:?}"
            );
        }
    }
    let r = respond(&fx::autocomplete("tools", "category", "data"));
    assert_eq!(r["data"]["choices"][0]["name"], "Databases");
}

#[test]
fn tools_without_category_gives_an_overview_and_with_one_its_list() {
    let r = respond(&fx::command("tools", json!([]), &Sender::member()));
    let fields = r["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 4);
    let r = respond(&fx::command(
        "tools",
        json!([{ "name": "category", "type": 3, "value": "databases" }]),
        &Sender::member(),
    ));
    let embed = &r["data"]["embeds"][0];
    assert_eq!(embed["title"], "Databases");
    assert!(embed["fields"][0]["value"]
        .as_str()
        .unwrap()
        .contains("MongoDB"));
    let r = respond(&fx::command(
        "tools",
        json!([{ "name": "category", "type": 3, "value": "spaceships" }]),
        &Sender::member(),
    ));
    assert!(is_ephemeral(&r));
}

#[test]
fn courses_give_pointers_with_provider_and_link() {
    let r = respond(&fx::command("courses", json!([]), &Sender::member()));
    let fields = r["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 6);
    let r = respond(&fx::command(
        "courses",
        json!([{ "name": "topic", "type": 3, "value": "python" }]),
        &Sender::member(),
    ));
    let text = r["data"]["embeds"][0].to_string();
    assert!(text.contains("Python for Everybody") && text.contains("University of Michigan"));
}

#[test]
fn topics_and_help_describe_the_bot() {
    let r = respond(&fx::command("topics", json!([]), &Sender::member()));
    assert!(r["data"]["embeds"][0]["fields"][0]["value"]
        .as_str()
        .unwrap()
        .contains("salary"));
    let usages = |sender: &Sender| -> Vec<String> {
        let r = respond(&fx::command("help", json!([]), sender));
        r["data"]["embeds"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    };
    let member = usages(&Sender::member());
    assert!(
        member.contains(&"/ask question [private] [target]".to_string()),
        "{member:?}"
    );
    assert!(member.contains(&"/topics".to_string()), "{member:?}");
    assert!(
        !member.iter().any(|u| u.starts_with("/reload")),
        "members are not shown moderator commands: {member:?}"
    );
    let moderator = usages(&Sender::manager());
    for usage in [
        "/reload",
        "/gaps [days]",
        "/stats [days]",
        "/ask question [private] [target]",
    ] {
        assert!(
            moderator.contains(&usage.to_string()),
            "{usage} in {moderator:?}"
        );
    }
}

#[test]
fn ask_careerbot_on_a_message_answers_it_and_names_the_asker_without_pinging() {
    let r = respond(&fx::ask_message("what does a back-end developer earn?"));
    assert_eq!(r["type"], support::callback::MESSAGE);
    assert_eq!(
        r["data"]["content"],
        format!("<@{}> asked careerbot about this message.", fx::ASKER)
    );
    assert!(r["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .contains("$100,376"));
}

#[test]
fn reload_is_refused_to_members_and_in_dms_and_deferred_for_moderators() {
    let reload = |sender: &Sender| {
        let interaction = fx::parse(&fx::command("reload", json!([]), sender));
        serve_now(live(), &settings(), &interaction)
    };
    for sender in [Sender::member(), Sender::dm()] {
        let d = reload(&sender);
        assert!(d.follow_up.is_none());
        let r = serde_json::to_value(&d.response).unwrap();
        assert!(is_ephemeral(&r));
        assert!(
            r["data"]["content"].as_str().unwrap().contains("oderator")
                || r["data"]["content"]
                    .as_str()
                    .unwrap()
                    .contains("direct messages")
        );
    }
    for sender in [Sender::manager(), Sender::moderator_role()] {
        let d = reload(&sender);
        assert!(d.follow_up == Some(FollowUp::Reload));
        let r = serde_json::to_value(&d.response).unwrap();
        assert_eq!(
            r["type"],
            support::callback::DEFERRED_MESSAGE,
            "deferred at once"
        );
        assert!(is_ephemeral(&r));
    }
}

#[test]
fn more_answers_pages_for_the_asker_only() {
    let first = respond(&fx::ask("what skills do back-end developers need", None));
    let embeds = first["data"]["embeds"].clone();
    let more = format!("more:{}:1", fx::ASKER);
    let r = respond(&fx::button(&more, fx::ASKER, embeds.clone()));
    assert_eq!(
        r["type"],
        support::callback::UPDATE_MESSAGE,
        "updates the answer in place"
    );
    assert!(
        r["data"]["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .ends_with("answer 2 of 10")
            || r["data"]["embeds"][0]["footer"]["text"]
                .as_str()
                .unwrap()
                .contains("answer 2 of")
    );
    assert_ne!(
        r["data"]["embeds"][0]["description"],
        embeds[0]["description"]
    );

    let r = respond(&fx::button(&more, fx::OTHER, embeds.clone()));
    assert!(is_ephemeral(&r));
    assert!(r["data"]["content"]
        .as_str()
        .unwrap()
        .starts_with("Only the person who asked"));
}

#[test]
fn forged_custom_ids_are_handled_safely() {
    for id in [
        "",
        "more",
        "more:abc:1",
        "more:0:1",
        "drop table:1:1",
        &"x".repeat(100),
        "rate-up:1190000000000000500:99999999999999999999",
    ] {
        let r = respond(&fx::button(id, fx::ASKER, json!([])));
        assert_eq!(r["type"], support::callback::MESSAGE, "{id}");
        assert!(is_ephemeral(&r), "{id}");
    }
}

#[test]
fn reload_reply_summarises_success_and_lists_problems_on_failure() {
    let dir = support::knowledge(&[("a.md", support::GOOD_ARTICLE.as_bytes())]);
    let live = support::live(dir.path());
    std::fs::write(
        dir.path().join("b.md"),
        "# Second\n\nMore text about careers.\n",
    )
    .unwrap();
    let result = live.reload();
    let summary = result.as_ref().expect("good reload");
    assert_eq!(summary.version, 2);
    assert_eq!(summary.added, vec!["Second"]);
    let reply = serde_json::to_value(reload_reply(&result)).unwrap();
    assert!(reply["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .contains("Added: Second"));

    std::fs::write(
        dir.path().join("tools.toml"),
        "[[category]]\nid = \"x\nname = 1\n",
    )
    .unwrap();
    let result = live.reload();
    assert!(result.is_err());
    assert_eq!(live.version(), 2, "a failed reload changes nothing");
    assert_eq!(live.current().knowledge.articles.len(), 2);
    let reply = serde_json::to_value(reload_reply(&result)).unwrap();
    let text = reply["embeds"][0].to_string();
    assert!(
        text.contains("still serving the previous knowledge") && text.contains("tools.toml:2:"),
        "{text}"
    );
    assert_eq!(reply["allowed_mentions"]["parse"], json!([]));
}

/// Checks every Discord limit on a response as sent.

#[test]
fn every_response_fits_discords_limits_whatever_the_knowledge_holds() {
    let long = "Careerbot ".repeat(400);
    let mut article = format!(
        "+++\ntitle = \"{}\"\nsource = \"https://example.org/{}\"\n+++\n\n",
        "T".repeat(600),
        "p".repeat(300)
    );
    for i in 0..30 {
        article.push_str(&format!(
            "## {} salary section {i}\n<!-- phrasings: {} -->\n\n{} salary developer {i}.\n\n",
            "H".repeat(300),
            "salary question ".repeat(20),
            long
        ));
    }
    let mut tools = String::new();
    for c in 0..30 {
        tools.push_str(&format!("[[category]]\nid = \"cat{c}\"\nname = \"{} {c}\"\nkeywords = [\"tool\", \"databases\"]\n\n", "Category".repeat(40)));
        for t in 0..60 {
            tools.push_str(&format!(
                "[[category.tool]]\nname = \"{}{c}x{t}\"\nurl = \"https://example.org/{t}\"\n\n",
                "Tool".repeat(20)
            ));
        }
    }
    let mut courses = String::new();
    for i in 0..40 {
        courses.push_str(&format!("[[course]]\ntitle = \"{} {i}\"\nprovider = \"{}\"\nurl = \"https://example.org/c{i}\"\ntopics = [\"salary\", \"databases\"]\ndescription = \"{}\"\n\n", "Course".repeat(60), "Provider".repeat(40), "d".repeat(900)));
    }
    let dir = support::knowledge(&[
        ("big.md", article.as_bytes()),
        ("tools.toml", tools.as_bytes()),
        ("courses.toml", courses.as_bytes()),
    ]);
    let big = support::live(dir.path());
    let check = |payload: Value| {
        let interaction = fx::parse(&payload);
        let r = serde_json::to_value(serve_now(&big, &settings(), &interaction).response).unwrap();
        assert_pings_nobody(&r);
        assert_within_limits(&r);
        r
    };
    let r = check(fx::ask("developer salary tools course", None));
    assert_eq!(r["type"], support::callback::MESSAGE);
    let description = r["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_else(|| panic!("{r:#}"));
    assert!(description.contains("salary"));
    check(fx::ask(&"salary ".repeat(300), Some(true)));
    check(fx::command("tools", json!([]), &Sender::member()));
    check(fx::command("courses", json!([]), &Sender::member()));
    check(fx::command("topics", json!([]), &Sender::member()));
    check(fx::command("help", json!([]), &Sender::member()));
    check(fx::autocomplete("ask", "question", ""));
    check(fx::autocomplete("ask", "question", "sal"));
    check(fx::autocomplete("tools", "category", "cat"));
    check(fx::autocomplete("courses", "topic", ""));
    let first = check(fx::ask("salary", None));
    let more = format!("more:{}:1", fx::ASKER);
    check(fx::button(
        &more,
        fx::ASKER,
        first["data"]["embeds"].clone(),
    ));
}

#[test]
fn anyone_can_rate_a_public_answer_but_only_its_owners_page_it() {
    let first = respond(&fx::ask("what does a back-end developer earn", None));
    let up = fx::button_id(&first, "rate-up");

    for presser in [Sender::member(), Sender::bystander()] {
        let r = respond(&fx::press(&up, &presser, &first));
        assert!(is_ephemeral(&r));
        assert_eq!(r["data"]["content"], "Thanks for the feedback!");
    }
    let more = fx::button_id(&first, "more");
    let r = respond(&fx::press(&more, &Sender::bystander(), &first));
    assert!(is_ephemeral(&r));
    assert!(r["data"]["content"]
        .as_str()
        .unwrap()
        .starts_with("Only the person who asked"));
}

#[test]
fn an_answer_for_a_target_pings_exactly_the_target_who_can_page_and_delete_it() {
    let target = 1_190_000_000_000_000_777_u64;
    let r = respond_pinging(&fx::ask_for("what does a back-end developer earn", target));
    assert_eq!(r["type"], support::callback::MESSAGE);
    assert!(!is_ephemeral(&r), "posted in the channel");
    let content = r["data"]["content"].as_str().unwrap();
    assert!(content.starts_with(&format!("<@{target}>")), "{content}");
    let mentions = &r["data"]["allowed_mentions"];
    assert_eq!(mentions["parse"], json!([]));
    assert_eq!(mentions["roles"], json!([]));
    assert_eq!(mentions["users"], json!([target.to_string()]));
    assert_eq!(mentions["replied_user"], false);
    let as_target = Sender::member().by(target);
    let more = fx::button_id(&r, "more");
    let paged = respond(&fx::press(&more, &as_target, &r));
    assert_eq!(
        paged["type"],
        support::callback::UPDATE_MESSAGE,
        "the target pages it: {paged:#}"
    );
    let delete = fx::button_id(&paged, "delete");
    let outcome = serve_now(
        live(),
        &settings(),
        &fx::parse(&fx::press(&delete, &as_target, &paged)),
    );
    assert!(
        matches!(outcome.follow_up, Some(FollowUp::Delete(_))),
        "the target deletes it"
    );
    let private = respond(&fx::command(
        "ask",
        json!([{ "name": "question", "type": 3, "value": "salary" },
               { "name": "private", "type": 5, "value": true },
               { "name": "target", "type": 6, "value": target.to_string() }]),
        &Sender::member(),
    ));
    assert!(is_ephemeral(&private));
    assert!(private["data"]["content"]
        .as_str()
        .unwrap()
        .contains("leave out private"));
}

#[test]
fn the_asker_or_a_moderator_deletes_a_public_answer_and_anyone_else_is_refused() {
    let first = respond(&fx::ask("what does a back-end developer earn", None));
    let delete = fx::button_id(&first, "delete");
    let deleting = |sender: &Sender| {
        serve_now(
            live(),
            &settings(),
            &fx::parse(&fx::press(&delete, sender, &first)),
        )
    };
    for sender in [
        Sender::member(),
        Sender::moderator_role().by(fx::OTHER),
        Sender::manager().by(fx::OTHER),
    ] {
        let outcome = deleting(&sender);
        let json = serde_json::to_value(&outcome.response).unwrap();
        assert_eq!(
            json["type"],
            support::callback::DEFERRED_UPDATE,
            "acknowledged: {json:#}"
        );
        assert!(matches!(
            outcome.follow_up,
            Some(FollowUp::Delete(
                careerbot::discord::reply::Deletion::Original
            ))
        ));
    }
    let refused = deleting(&Sender::bystander());
    assert!(refused.follow_up.is_none());
    let json = serde_json::to_value(&refused.response).unwrap();
    assert!(is_ephemeral(&json));
    assert!(json["data"]["content"]
        .as_str()
        .unwrap()
        .contains("or a moderator, can delete"));
    let private = respond(&fx::ask("what does a back-end developer earn", Some(true)));
    assert!(
        !fx::button_ids(&private)
            .iter()
            .any(|id| id.starts_with("delete:")),
        "a private answer is dismissed, not deleted"
    );
}

#[test]
fn a_gap_form_is_refused_to_members_and_to_empty_answers_and_deferred_for_moderators() {
    let fields = [
        ("question", "how do I negotiate a raise?"),
        ("answer", "Bring numbers."),
        ("heading", ""),
    ];
    let member = respond(&fx::modal_submit(
        "gap-answer-form",
        &fields,
        &Sender::member(),
    ));
    assert!(is_ephemeral(&member));
    assert_eq!(
        member["data"]["content"],
        "Only moderators can use this command."
    );
    let dm = respond(&fx::modal_submit("gap-answer-form", &fields, &Sender::dm()));
    assert!(dm["data"]["content"]
        .as_str()
        .unwrap()
        .contains("in a server"));
    let other = respond(&fx::modal_submit(
        "someone-elses-form",
        &fields,
        &Sender::manager(),
    ));
    assert_eq!(other["data"]["content"], "That form is not one of mine.");
    let empty = respond(&fx::modal_submit(
        "gap-answer-form",
        &[("question", "q?"), ("answer", "  ")],
        &Sender::manager(),
    ));
    assert!(empty["data"]["content"]
        .as_str()
        .unwrap()
        .contains("no answer"));
    let outcome = serve_now(
        live(),
        &settings(),
        &fx::parse(&fx::modal_submit(
            "gap-answer-form",
            &fields,
            &Sender::moderator_role(),
        )),
    );
    let json = serde_json::to_value(&outcome.response).unwrap();
    assert_eq!(
        json["type"],
        support::callback::DEFERRED_MESSAGE,
        "deferred"
    );
    assert!(is_ephemeral(&json));
    match outcome.follow_up {
        Some(FollowUp::AnswerGap(gap)) => {
            assert_eq!(gap.answer.question, "how do I negotiate a raise?");
            assert_eq!(gap.answer.answer, "Bring numbers.");
        }
        other => panic!("expected a gap answer, got {other:?}"),
    }
}

#[test]
fn save_as_answer_prefills_from_a_thread_or_nothing_and_fits_a_long_message_in_the_form() {
    // In a thread, not a reply: the thread's name is the question.
    let text = "Ask for the range first, then anchor high.";
    let mut in_thread = fx::save_as_answer(
        fx::message("1190000000000000720", fx::OTHER, text, json!([])),
        &Sender::moderator_role(),
    );
    in_thread["channel"]["type"] = json!(11);
    in_thread["channel"]["name"] = json!("negotiating my first salary");
    let form = respond(&in_thread);
    support::limits::assert_modal_within_limits(&form);
    assert_eq!(
        fx::form_value(&form, "question"),
        "negotiating my first salary"
    );
    // The transport reads the thread's first message into it before sending.
    let starter = serve_now(live(), &settings(), &fx::parse(&in_thread)).starter;
    assert_eq!(
        starter.map(|s| s.thread.get().to_string()),
        Some(fx::CHANNEL.to_string())
    );
    assert_eq!(
        fx::form_value(&form, "heading"),
        "Negotiating my first salary"
    );
    assert_eq!(fx::form_value(&form, "answer"), text);
    // The server's nickname, which Discord sends beside the message, is the credit.
    let mut nicknamed = in_thread.clone();
    let mut member = fx::member(fx::OTHER, fx::MEMBER_PERMS, &[]);
    member["nick"] = json!("Ada (mentor)");
    if let Some(fields) = member.as_object_mut() {
        fields.remove("user");
    }
    nicknamed["data"]["resolved"]["members"] = json!({ fx::OTHER.to_string(): member });
    let form = respond(&nicknamed);
    let id = form["data"]["custom_id"].as_str().unwrap_or("");
    assert!(id.ends_with(":Ada (mentor)"), "{id}");
    // Mention markup is left out of the question and the heading.
    let asked = fx::message(
        "1190000000000000724",
        fx::ASKER,
        "<@1190000000000000001> how do I <#1190000000000000200> negotiate?",
        json!([]),
    );
    let form = respond(&fx::save_as_answer(
        fx::reply("1190000000000000725", fx::OTHER, text, asked),
        &Sender::manager(),
    ));
    assert_eq!(fx::form_value(&form, "question"), "how do I negotiate?");
    assert_eq!(fx::form_value(&form, "heading"), "How do I negotiate?");
    let asked = fx::message(
        "1190000000000000726",
        fx::ASKER,
        "how to negotiate?",
        json!([]),
    );
    let mut replying = fx::save_as_answer(
        fx::reply("1190000000000000727", fx::OTHER, text, asked),
        &Sender::manager(),
    );
    replying["channel"]["type"] = json!(11);
    replying["channel"]["name"] = json!("negotiating my first salary");
    assert!(
        serve_now(live(), &settings(), &fx::parse(&replying))
            .starter
            .is_none(),
        "in a thread too, a reply's question is the message it replies to"
    );
    // In a channel, not a reply: nothing to prefill the question with.
    let long = "Bring numbers. ".repeat(200);
    let form = respond(&fx::save_as_answer(
        fx::message("1190000000000000721", fx::OTHER, &long, json!([])),
        &Sender::manager(),
    ));
    support::limits::assert_modal_within_limits(&form);
    assert_eq!(fx::form_value(&form, "question"), "");
    assert_eq!(fx::form_value(&form, "answer").chars().count(), 1000);
    // Members, and direct messages, are refused.
    let member = respond(&fx::save_as_answer(
        fx::message("1190000000000000722", fx::OTHER, text, json!([])),
        &Sender::member(),
    ));
    assert!(is_ephemeral(&member));
    assert_eq!(
        member["data"]["content"],
        "Only moderators can use this command."
    );
}

#[test]
fn a_saved_answer_credits_the_author_named_in_its_form_and_forged_form_ids_are_refused() {
    let fields = [
        ("question", "how do I negotiate a raise?"),
        ("answer", "Bring numbers."),
        ("heading", ""),
    ];
    let id = format!(
        "save-answer:{}:1190000000000000723:Ada Lovelace: PhD",
        fx::CHANNEL
    );
    let outcome = serve_now(
        live(),
        &settings(),
        &fx::parse(&fx::modal_submit(&id, &fields, &Sender::manager())),
    );
    match outcome.follow_up {
        Some(FollowUp::AnswerGap(gap)) => {
            assert_eq!(gap.answer.by, "Ada Lovelace: PhD");
            assert_eq!(
                gap.answer.link,
                format!(
                    "https://discord.com/channels/{}/{}/1190000000000000723",
                    fx::GUILD,
                    fx::CHANNEL
                )
            );
        }
        other => panic!("expected a gap answer, got {other:?}"),
    }
    for forged in [
        "save-answer:0:1:x",
        "save-answer:abc:1:x",
        "save-answer:1",
        "save-answer",
        "save-answer:18446744073709551616:1:x",
    ] {
        let refused = respond(&fx::modal_submit(forged, &fields, &Sender::manager()));
        assert_eq!(
            refused["data"]["content"], "That form is not one of mine.",
            "{forged}"
        );
    }
}

#[test]
fn ask_careerbot_on_an_off_topic_message_says_it_does_not_know() {
    let r = respond(&fx::ask_message("how do I bake sourdough bread"));
    assert!(is_ephemeral(&r));
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("I don't know that one"),
        "{r:#}"
    );
}

#[test]
fn tool_category_autocomplete_answers_with_the_category_id() {
    let r = respond(&fx::autocomplete("tools", "category", "prog"));
    assert_eq!(r["data"]["choices"][0]["name"], "Programming languages");
    assert_eq!(r["data"]["choices"][0]["value"], "languages");
}

#[test]
fn a_member_asking_again_within_the_cooldown_is_told_to_wait_and_moderators_are_exempt() {
    let settings = Settings {
        cooldown: std::time::Duration::from_secs(60),
        ..settings()
    };
    let ask_as = |sender: &Sender| {
        let payload = fx::command(
            "ask",
            json!([{ "name": "question", "type": 3, "value": "What is the salary?" }]),
            sender,
        );
        serde_json::to_value(serve_now(live(), &settings, &fx::parse(&payload)).response).unwrap()
    };
    let first = ask_as(&Sender::member());
    assert!(first["data"]["embeds"][0]["description"]
        .as_str()
        .is_some_and(|d| d.contains("salary")));
    let second = ask_as(&Sender::member());
    assert!(is_ephemeral(&second), "{second}");
    let content = second["data"]["content"].as_str().unwrap();
    assert!(content.contains("Try again in"), "{content}");
    assert!(second["data"]["embeds"]
        .as_array()
        .is_none_or(Vec::is_empty));
    assert_pings_nobody(&second);

    // Someone else is not held up by the first member's pause.
    let other = Sender::bystander();
    assert!(!is_ephemeral(&ask_as(&other)));
    // Moderators (by permission or by role) are exempt, however often they ask.
    for _ in 0..3 {
        for moderator in [Sender::manager(), Sender::moderator_role()] {
            let moderator = Sender {
                user: fx::OTHER + 7,
                ..moderator
            };
            assert!(!is_ephemeral(&ask_as(&moderator)));
        }
    }
    // The message command shares the same pause.
    let message = fx::parse(&fx::ask_message("What does a back-end developer do?"));
    let r = serde_json::to_value(serve_now(live(), &settings, &message).response).unwrap();
    assert!(r["data"]["content"]
        .as_str()
        .is_some_and(|c| c.contains("Try again in")));
}

#[test]
fn the_cooldown_ends_after_its_pause_and_a_zero_pause_turns_it_off() {
    use careerbot::transport::service::Cooldowns;
    use serenity::model::id::UserId;
    use std::time::{Duration, Instant};
    let cooldowns = Cooldowns::default();
    let user = UserId::new(fx::ASKER);
    let pause = Duration::from_secs(3);
    let t0 = Instant::now();
    assert_eq!(cooldowns.try_ask(user, pause, t0), Ok(()));
    assert_eq!(
        cooldowns.try_ask(user, pause, t0 + Duration::from_secs(1)),
        Err(Duration::from_secs(2))
    );
    assert_eq!(cooldowns.try_ask(user, pause, t0 + pause), Ok(()));
    for _ in 0..5 {
        assert_eq!(cooldowns.try_ask(user, Duration::ZERO, t0), Ok(()));
    }
}

#[test]
fn the_cooldown_forgets_members_whose_pause_has_ended() {
    use careerbot::transport::service::Cooldowns;
    use serenity::model::id::UserId;
    use std::time::{Duration, Instant};
    let cooldowns = Cooldowns::default();
    let pause = Duration::from_secs(3);
    let t0 = Instant::now();
    for i in 1..=10_000u64 {
        assert!(cooldowns.try_ask(UserId::new(i), pause, t0).is_ok());
    }
    // All 10,000 are still within their pause: none may be forgotten.
    assert_eq!(cooldowns.remembered(), 10_000);
    assert!(cooldowns.try_ask(UserId::new(1), pause, t0).is_err());
    // Much later, a wave of new askers prunes the expired ones.
    let later = t0 + Duration::from_secs(60);
    for i in 20_001..=30_000u64 {
        assert!(cooldowns.try_ask(UserId::new(i), pause, later).is_ok());
    }
    assert!(
        cooldowns.remembered() < 20_000,
        "expired entries were dropped: {}",
        cooldowns.remembered()
    );
    assert!(cooldowns
        .try_ask(UserId::new(20_001), pause, later)
        .is_err());
}

#[test]
fn administrator_claimed_anywhere_but_member_permissions_is_refused() {
    // ADMINISTRATOR (8) and MANAGE_GUILD (32) claimed in the bot's and the
    // channel's permission fields and in an unknown role; the member's own
    // resolved permissions are an ordinary member's.
    let mut payload = fx::command("reload", json!([]), &Sender::member());
    payload["app_permissions"] = json!("40");
    payload["channel"]["permissions"] = json!("40");
    payload["member"]["roles"] = json!(["1190000000000000999"]);
    let d = serve_now(live(), &settings(), &fx::parse(&payload));
    assert!(d.follow_up.is_none(), "not deferred");
    let r = serde_json::to_value(&d.response).unwrap();
    assert!(is_ephemeral(&r));
    assert!(r["data"]["content"]
        .as_str()
        .unwrap()
        .contains("moderators"));

    // The same payload with Administrator in member.permissions is allowed.
    payload["member"]["permissions"] = json!("2147568648");
    let d = serve_now(live(), &settings(), &fx::parse(&payload));
    assert!(d.follow_up == Some(FollowUp::Reload));
}

/// An interaction resolved at the edge, as every transport does.
fn resolved(payload: &Value, then: impl FnOnce(&Invocation<'_>)) {
    let interaction = fx::parse(payload);
    then(&Invocation::new(
        &settings().policy.moderator_roles,
        &interaction,
    ));
}

#[test]
fn an_invocation_is_resolved_once_with_its_member() {
    resolved(
        &fx::ask("what does a back-end developer do?", None),
        |ask| {
            assert_eq!(ask.kind, Kind::Command);
            assert_eq!(ask.command, Some(Command::Ask));
            assert_eq!(ask.label(), "ask");
            assert_eq!(ask.guild, Some(GuildId::new(fx::GUILD.parse().unwrap())));
            assert_eq!(ask.user, Some(UserId::new(fx::ASKER)));
            assert!(!ask.moderator);
            assert_eq!(ask.cooldown_subject(), Some(UserId::new(fx::ASKER)));
        },
    );
    resolved(&fx::ping(), |ping| {
        assert_eq!(ping.kind, Kind::Ping);
        assert_eq!((ping.user, ping.guild, ping.label()), (None, None, ""));
        assert_eq!(ping.cooldown_subject(), None);
    });
}

#[test]
fn moderators_by_role_or_permission_skip_the_cooldown() {
    let ask = json!([{ "name": "question", "type": 3, "value": "what is sql?" }]);
    for sender in [Sender::moderator_role(), Sender::manager()] {
        resolved(&fx::command("ask", ask.clone(), &sender), |invocation| {
            assert!(invocation.moderator);
            assert_eq!(invocation.cooldown_subject(), None);
        });
    }
    resolved(
        &fx::command("tools", json!([]), &Sender::member()),
        |tools| {
            assert_eq!(tools.cooldown_subject(), None, "/tools asks nothing");
        },
    );
}

#[test]
fn every_command_and_button_is_labelled_from_a_fixed_set() {
    for known in Command::ALL {
        resolved(
            &fx::command(known.name(), json!([]), &Sender::member()),
            |c| {
                assert_eq!(c.command, Some(*known));
                assert_eq!(c.label(), known.label());
                assert_ne!(c.label(), "other", "{known:?} falls through to other");
            },
        );
    }
    resolved(
        &fx::command("not-ours", json!([]), &Sender::member()),
        |c| {
            assert_eq!((c.command, c.label()), (None, "other"));
        },
    );
    resolved(&fx::button("not-a-button", fx::ASKER, json!([])), |b| {
        assert_eq!((b.kind, b.label()), (Kind::Component, "other"));
    });
    resolved(&fx::autocomplete("ask", "question", "sq"), |a| {
        assert_eq!((a.kind, a.label()), (Kind::Autocomplete, "ask"));
        assert_eq!(a.cooldown_subject(), None, "completing is not asking");
    });
}
