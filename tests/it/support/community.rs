//! The interaction-based community features, as scenarios either
//! transport runs end to end: the gateway bot (interactions pushed over the
//! stand-in's websocket) and the HTTP endpoint (signed POSTs). Each
//! transport says how it delivers an interaction with [`Bot`].

use std::path::Path;

use serde_json::{json, Value};

use super::discord::{Call, StandIn};
use super::interactions::{self as fx, Sender};
use super::limits::{assert_modal_within_limits, assert_pings_only, assert_within_limits};

/// A running careerbot on one transport.
#[allow(async_fn_in_trait)]
pub trait Bot {
    /// Delivers `payload` as Discord would and gives the interaction's
    /// response as Discord receives it.
    async fn interact(&mut self, payload: Value) -> Value;

    /// The stand-in, for the calls the bot makes after responding.
    fn discord(&mut self) -> &mut StandIn;
}

/// Copies the directory `from` into a new temporary directory (a shipped
/// knowledge base a test may write to).
pub fn copy_of(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().expect("temp dir");
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            let target = to.path().join(path.strip_prefix(from).expect("inside"));
            if path.is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
                stack.push(path);
            } else {
                std::fs::copy(&path, &target).expect("copy");
            }
        }
    }
    to
}

/// A member asks what the shipped knowledge does not cover; a moderator
/// opens the gap's form from `/gaps` and submits an answer (a member's
/// submit of the same form is refused); the answer is written to
/// `knowledge`'s community article, and the next member who asks gets it.
/// The bot serves a writable copy of the shipped knowledge, with insights on.
pub async fn answer_a_gap(bot: &mut impl Bot, knowledge: &Path) {
    let question = "How do I become a pastry chef?";
    let declined = bot.interact(fx::ask(question, None)).await;
    let embeds = declined["data"]["embeds"].as_array();
    assert!(embeds.is_none_or(Vec::is_empty), "declined: {declined:#}");
    let said = declined["data"]["content"].as_str().unwrap_or("");
    assert!(
        said.contains("don't know") || said.contains("nothing about"),
        "declined as out of scope: {declined:#}"
    );

    let report = bot
        .interact(fx::command("gaps", json!([]), &Sender::manager()))
        .await;
    assert_within_limits(&report);
    let answer_button = fx::button_id(&report, "gap-answer");
    let form = bot
        .interact(fx::press(&answer_button, &Sender::manager(), &report))
        .await;
    assert_modal_within_limits(&form);
    assert!(form.to_string().contains(question), "prefilled: {form:#}");

    let text = "Pastry chefs usually start in a bakery kitchen and learn lamination, tempering and plating on the job.";
    let fields = [
        ("question", question),
        ("answer", text),
        ("heading", "Becoming a pastry chef"),
    ];
    let file = knowledge.join("community-answers.toml");
    let submit = |sender: &Sender| fx::modal_submit("gap-answer-form", &fields, sender);
    let refused = bot.interact(submit(&Sender::member())).await;
    assert!(
        refused.to_string().contains("Only moderators"),
        "checked again at submit: {refused:#}"
    );
    assert!(!file.exists(), "nothing written for a member");

    let deferred = bot.interact(submit(&Sender::manager())).await;
    assert_eq!(
        deferred["type"],
        super::callback::DEFERRED_MESSAGE,
        "{deferred:#}"
    );
    assert_eq!(deferred["data"]["flags"], 64, "{deferred:#}");
    match bot.discord().next_call().await {
        Call::EditOriginal { body, .. } => {
            assert_eq!(body["embeds"][0]["title"], "Answer added", "{body:#}");
            assert_eq!(body["allowed_mentions"]["parse"], json!([]), "{body:#}");
        }
        other => panic!("expected the deferred reply edited, got {other:?}"),
    }
    let written = std::fs::read_to_string(&file).expect("the community article");
    assert!(
        written.contains(&format!("question = \"{question}\"")),
        "{written}"
    );
    assert!(written.contains(text), "{written}");

    let answered = bot.interact(fx::ask(question, None)).await;
    let description = answered["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or("");
    assert!(
        description.contains("lamination, tempering"),
        "{answered:#}"
    );
}

/// A member asks what the knowledge does not cover, in a channel; another
/// member replies with a good answer. A member's "Save as answer" on the
/// reply is refused; a moderator's opens the gap form prefilled (the
/// question replied to, the reply, a heading), which they submit. The entry
/// credits the reply's author by name with a jump link, pinging nobody;
/// `/gaps` shows the group answered, and the next member who asks gets it.
pub async fn save_a_reply_as_answer(bot: &mut impl Bot, knowledge: &Path) {
    let question = "how do i become a pastry chef? any tips";
    let declined = bot.interact(fx::ask(question, None)).await;
    assert!(
        declined["data"]["embeds"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "declined: {declined:#}"
    );
    let asked = fx::message("1190000000000000710", fx::ASKER, question, json!([]));
    let text = "Start in a bakery kitchen: you learn lamination, tempering and plating on the job. <@&1190000000000000900> @everyone";
    let mut reply = fx::reply("1190000000000000711", fx::OTHER, text, asked);
    reply["author"]["global_name"] = json!("Ada Lovelace");

    let refused = bot
        .interact(fx::save_as_answer(reply.clone(), &Sender::member()))
        .await;
    assert!(
        refused.to_string().contains("Only moderators"),
        "a member cannot save: {refused:#}"
    );
    let form = bot
        .interact(fx::save_as_answer(reply.clone(), &Sender::manager()))
        .await;
    assert_modal_within_limits(&form);
    let form_id = form["data"]["custom_id"].as_str().unwrap_or("").to_string();
    assert!(form_id.starts_with("save-answer:"), "{form:#}");
    assert_eq!(fx::form_value(&form, "question"), question, "{form:#}");
    assert_eq!(fx::form_value(&form, "answer"), text, "{form:#}");
    assert_eq!(
        fx::form_value(&form, "heading"),
        "How do i become a pastry chef?",
        "{form:#}"
    );

    let fields = [
        ("question", question),
        ("answer", text),
        ("heading", "Becoming a pastry chef"),
    ];
    let file = knowledge.join("community-answers.toml");
    let refused = bot
        .interact(fx::modal_submit(&form_id, &fields, &Sender::member()))
        .await;
    assert!(
        refused.to_string().contains("Only moderators"),
        "{refused:#}"
    );
    assert!(!file.exists(), "nothing written for a member");
    let deferred = bot
        .interact(fx::modal_submit(&form_id, &fields, &Sender::manager()))
        .await;
    assert_eq!(
        deferred["type"],
        super::callback::DEFERRED_MESSAGE,
        "{deferred:#}"
    );
    match bot.discord().next_call().await {
        Call::EditOriginal { body, .. } => {
            assert_eq!(body["embeds"][0]["title"], "Answer added", "{body:#}");
            let said = body["embeds"][0]["description"].as_str().unwrap_or("");
            assert!(said.contains("Ada Lovelace's answer"), "{body:#}");
            assert_pings_only(&body, None);
        }
        other => panic!("expected the deferred reply edited, got {other:?}"),
    }
    let written = std::fs::read_to_string(&file).expect("the community article");
    assert!(written.contains("by = \"Ada Lovelace\""), "{written}");
    let link = format!(
        "link = \"https://discord.com/channels/{}/{}/1190000000000000711\"",
        fx::GUILD,
        fx::CHANNEL
    );
    assert!(written.contains(&link), "{written}");

    let report = bot
        .interact(fx::command("gaps", json!([]), &Sender::manager()))
        .await;
    assert_within_limits(&report);
    assert!(
        report
            .to_string()
            .contains("answered: “Becoming a pastry chef”"),
        "{report:#}"
    );
    let answered = bot
        .interact(fx::ask("how to become a pastry chef", None))
        .await;
    assert_within_limits(&answered);
    let description = answered["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or("");
    assert!(
        description.contains("lamination, tempering"),
        "{answered:#}"
    );
    assert_pings_only(&answered["data"], None);
}

/// In a help-forum post the asker opened, a bystander's "Mark solution" on
/// a reply is refused privately and nothing is tagged or said; the owner's
/// marks it: the post keeps its tags and gains the forum's "solved" tag
/// (`solved_tag` is "Solved": matched whatever the case), the thread is
/// told who solved it, with a link, pinging nobody, and the owner's private
/// reply says what was done.
pub async fn mark_a_solution(bot: &mut impl Bot) {
    use super::discord::{CAREER_TAG, QUESTION_TAG, SOLVED_TAG};
    let mut reply = fx::message(
        "1190000000000000732",
        fx::OTHER,
        "Ask for their range first. @everyone",
        json!([]),
    );
    reply["author"]["global_name"] = json!("Ada <@&1190000000000000900>");
    let deferred = bot
        .interact(fx::mark_solution(reply.clone(), &Sender::bystander()))
        .await;
    assert_eq!(
        deferred["type"],
        super::callback::DEFERRED_MESSAGE,
        "{deferred:#}"
    );
    assert_eq!(deferred["data"]["flags"], 64, "private: {deferred:#}");
    match bot.discord().next_call().await {
        Call::EditOriginal { body, .. } => {
            let said = body["content"].as_str().unwrap_or("");
            assert!(said.contains("Only the post's owner"), "{body:#}");
        }
        other => panic!("a bystander is refused before anything changes, got {other:?}"),
    }

    let deferred = bot
        .interact(fx::mark_solution(reply, &Sender::member()))
        .await;
    assert_eq!(
        deferred["type"],
        super::callback::DEFERRED_MESSAGE,
        "{deferred:#}"
    );
    match bot.discord().next_call().await {
        Call::EditChannel { channel, body } => {
            assert_eq!(channel, fx::POST_THREAD);
            assert_eq!(
                body["applied_tags"],
                json!([QUESTION_TAG, CAREER_TAG, SOLVED_TAG]),
                "the other tags are kept: {body:#}"
            );
        }
        other => panic!("expected the post tagged, got {other:?}"),
    }
    match bot.discord().next_call().await {
        Call::CreateMessage { channel, body, .. } => {
            assert_eq!(channel, fx::POST_THREAD);
            let said = body["content"].as_str().unwrap_or("");
            assert!(said.starts_with("✅ Solved by **Ada"), "{body:#}");
            let link = format!(
                "https://discord.com/channels/{}/{}/1190000000000000732",
                fx::GUILD,
                fx::POST_THREAD
            );
            assert!(said.contains(&link), "{body:#}");
            assert_pings_only(&body, None);
        }
        other => panic!("expected the thread told, got {other:?}"),
    }
    match bot.discord().next_call().await {
        Call::EditOriginal { body, .. } => {
            let said = body["content"].as_str().unwrap_or("");
            assert!(said.contains("Marked as the solution"), "{body:#}");
            assert!(said.contains("solved tag"), "{body:#}");
        }
        other => panic!("expected the owner told, got {other:?}"),
    }
}

/// After [`mark_a_solution`]: `/gaps` lists the post under "Solutions to
/// save", by its thread and who solved it, with a "Save 1" button. The
/// button refuses a member; a moderator's opens the "Save as answer" form
/// prefilled with the post's title and first message (its mention markup
/// gone), the solution and a heading. Once submitted, the answer credits
/// the solution's author with its jump link, and the post no longer waits.
pub async fn save_a_marked_solution(bot: &mut impl Bot, knowledge: &Path) {
    // The stand-in's first message, its mention left out.
    let post_question = "How do I negotiate my first salary?\n\nI got my first offer. Should I ask for more, or take it?";
    save_as_answer_asks_the_posts_title_and_first_message(bot, post_question).await;
    let report = gaps_list_the_solution_to_save(bot).await;
    let (form_id, question) = only_a_moderator_opens_its_form(bot, &report, post_question).await;
    the_saved_answer_is_credited_and_linked(bot, knowledge, &form_id, &question).await;
    let report = gaps_report(bot).await;
    assert!(
        !report.to_string().contains("Solutions to save"),
        "saved, so no longer waiting: {report:#}"
    );
    an_owners_own_reply_is_not_put_forward(bot).await;
}

/// /gaps as a manager runs it.
async fn gaps_report(bot: &mut impl Bot) -> Value {
    bot.interact(fx::command("gaps", json!([]), &Sender::manager()))
        .await
}

/// "Save as answer" on a reply that replies to nothing: the question is
/// the post's title and first message, as Discord gives it.
async fn save_as_answer_asks_the_posts_title_and_first_message(
    bot: &mut impl Bot,
    post_question: &str,
) {
    let solution = fx::message(
        "1190000000000000732",
        fx::OTHER,
        "Ask for their range first. @everyone",
        json!([]),
    );
    let save = fx::in_post(
        fx::save_as_answer(solution, &Sender::manager()),
        &Sender::manager(),
    );
    let form = bot.interact(save).await;
    assert_modal_within_limits(&form);
    assert_eq!(fx::form_value(&form, "question"), post_question, "{form:#}");
}

/// /gaps lists the marked solution, in its thread, by its author.
async fn gaps_list_the_solution_to_save(bot: &mut impl Bot) -> Value {
    let report = gaps_report(bot).await;
    assert_within_limits(&report);
    let listed = report.to_string();
    assert!(listed.contains("Solutions to save (1)"), "{report:#}");
    assert!(
        listed.contains(&format!("<#{}>", fx::POST_THREAD)),
        "{report:#}"
    );
    assert!(listed.contains("solved by Ada"), "{report:#}");
    report
}

/// A member's press is refused; a moderator's opens the form filled with
/// the post's question, the solution and the post's title: its id and
/// question.
async fn only_a_moderator_opens_its_form(
    bot: &mut impl Bot,
    report: &Value,
    post_question: &str,
) -> (String, String) {
    let save = fx::button_id(report, "save-solution");
    let refused = bot
        .interact(fx::press(&save, &Sender::member(), report))
        .await;
    assert!(
        refused.to_string().contains("Only moderators"),
        "{refused:#}"
    );
    let form = bot
        .interact(fx::press(&save, &Sender::manager(), report))
        .await;
    assert_modal_within_limits(&form);
    let form_id = form["data"]["custom_id"].as_str().unwrap_or("").to_string();
    assert!(
        form_id.starts_with(&format!(
            "save-answer:{}:1190000000000000732:",
            fx::POST_THREAD
        )),
        "{form:#}"
    );
    let question = fx::form_value(&form, "question");
    assert_eq!(question, post_question, "{form:#}");
    let answer = fx::form_value(&form, "answer");
    assert_eq!(answer, "Ask for their range first. @everyone", "{form:#}");
    assert_eq!(
        fx::form_value(&form, "heading"),
        "How do I negotiate my first salary?"
    );
    (form_id, question.to_string())
}

/// The submitted form is written to the community article, linked to the
/// solution and credited to its author.
async fn the_saved_answer_is_credited_and_linked(
    bot: &mut impl Bot,
    knowledge: &Path,
    form_id: &str,
    question: &str,
) {
    let fields = [
        ("question", question),
        (
            "answer",
            "Ask for their range first, then name a number just above it.",
        ),
        ("heading", ""),
    ];
    let deferred = bot
        .interact(fx::modal_submit(form_id, &fields, &Sender::manager()))
        .await;
    assert_eq!(
        deferred["type"],
        super::callback::DEFERRED_MESSAGE,
        "{deferred:#}"
    );
    match bot.discord().next_call().await {
        Call::EditOriginal { body, .. } => {
            assert_eq!(body["embeds"][0]["title"], "Answer added", "{body:#}");
            assert_pings_only(&body, None);
        }
        other => panic!("expected the deferred reply edited, got {other:?}"),
    }
    let written = std::fs::read_to_string(knowledge.join("community-answers.toml"))
        .expect("the community article");
    let link = format!(
        "link = \"https://discord.com/channels/{}/{}/1190000000000000732\"",
        fx::GUILD,
        fx::POST_THREAD
    );
    assert!(written.contains(&link), "{written}");
    assert!(written.contains("by = \"Ada"), "{written}");
}

/// The owner marks their own reply: the post is tagged, but a member's own
/// answer is not put forward to save.
async fn an_owners_own_reply_is_not_put_forward(bot: &mut impl Bot) {
    let own = fx::message(
        "1190000000000000733",
        fx::ASKER,
        "I asked, and got 10% more.",
        json!([]),
    );
    bot.interact(fx::mark_solution(own, &Sender::member()))
        .await;
    loop {
        match bot.discord().next_call().await {
            Call::EditOriginal { body, .. } => {
                let said = body["content"].as_str().unwrap_or("");
                assert!(said.contains("Marked as the solution"), "{body:#}");
                assert!(!said.contains("/gaps"), "{body:#}");
                break;
            }
            Call::EditChannel { .. } | Call::CreateMessage { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let report = gaps_report(bot).await;
    assert!(
        !report.to_string().contains("Solutions to save"),
        "{report:#}"
    );
}

/// A member asks; a moderator's `/stats` answers at once with the report,
/// then the report is edited with its chart: a multipart upload of a PNG
/// of the documented size, which the embed shows as its image, pinging
/// nobody.
pub async fn stats_with_a_chart(bot: &mut impl Bot) {
    let asked = bot
        .interact(fx::ask("how much do back-end developers earn?", None))
        .await;
    assert_within_limits(&asked);
    let report = bot
        .interact(fx::command("stats", json!([]), &Sender::manager()))
        .await;
    assert_eq!(report["type"], super::callback::MESSAGE, "{report:#}");
    assert_within_limits(&report);
    let title = report["data"]["embeds"][0]["title"].clone();
    match bot.discord().next_call().await {
        Call::EditOriginal { body, files, .. } => {
            assert_eq!(body["embeds"][0]["title"], title, "{body:#}");
            assert_eq!(
                body["embeds"][0]["image"]["url"],
                format!("attachment://{}", careerbot::insights::chart::FILE),
                "{body:#}"
            );
            assert_pings_only(&body, None);
            // Discord's OpenAPI spec: IncomingWebhookUpdateRequestPartial.
            let known = [
                "content",
                "embeds",
                "allowed_mentions",
                "components",
                "attachments",
                "poll",
                "flags",
            ];
            let keys = body
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>());
            assert!(
                keys.iter().flatten().all(|k| known.contains(&k.as_str())),
                "{body:#}"
            );
            let [(name, png)] = files.as_slice() else {
                panic!("one file uploaded: {files:?}");
            };
            assert_eq!(name, careerbot::insights::chart::FILE);
            let decoder = png::Decoder::new(std::io::Cursor::new(png.as_slice()));
            let info = decoder.read_info().expect("a PNG").info().clone();
            assert_eq!(
                (info.width, info.height),
                (
                    careerbot::insights::chart::WIDTH,
                    careerbot::insights::chart::HEIGHT
                )
            );
        }
        other => panic!("expected the report edited with its chart, got {other:?}"),
    }
}

/// `/ask target:` posts an answer that pings the target alone; a
/// bystander rates it; a bystander's 🗑️ is refused; the target's deletes
/// it through the press's webhook. Then a member's own answer is deleted
/// by its asker.
pub async fn answer_for_a_target(bot: &mut impl Bot) {
    let target = 1190000000000000502;
    let answer = bot
        .interact(fx::ask_for("how much do back-end developers earn?", target))
        .await;
    assert_eq!(answer["type"], super::callback::MESSAGE, "{answer:#}");
    assert_within_limits(&answer);
    assert_pings_only(&answer["data"], Some(target));
    let content = answer["data"]["content"].as_str().unwrap_or("");
    assert!(content.starts_with(&format!("<@{target}>")), "{content}");

    let up = fx::button_id(&answer, "rate-up");
    let rated = bot
        .interact(fx::press(&up, &Sender::bystander(), &answer))
        .await;
    let thanks = rated["data"]["content"].as_str().unwrap_or("");
    assert!(thanks.contains("Thanks"), "a bystander rates: {rated:#}");

    let delete = fx::button_id(&answer, "delete");
    let refused = bot
        .interact(fx::press(&delete, &Sender::bystander(), &answer))
        .await;
    assert_eq!(refused["data"]["flags"], 64, "{refused:#}");
    let mut by_target = fx::press(&delete, &Sender::member().by(target), &answer);
    let token = "cHJlc3M6b2Y6dGhlOnRhcmdldA";
    by_target["token"] = json!(token);
    assert_eq!(
        bot.interact(by_target).await["type"],
        super::callback::DEFERRED_UPDATE,
        "acknowledged"
    );
    match bot.discord().next_call().await {
        Call::DeleteOriginal {
            app,
            token: deleted,
        } => {
            assert_eq!(app, fx::APP);
            assert_eq!(deleted, token, "through the press's webhook");
        }
        other => panic!("expected the original response deleted, got {other:?}"),
    }

    // Another member (so no cooldown applies), and their own answer.
    let asker = || Sender::member().by(1190000000000000503);
    let question =
        json!([{ "name": "question", "type": 3, "value": "which databases should I learn?" }]);
    let own = bot.interact(fx::command("ask", question, &asker())).await;
    assert_within_limits(&own);
    assert_pings_only(&own["data"], None);
    let delete = fx::button_id(&own, "delete");
    let mut by_asker = fx::press(&delete, &asker(), &own);
    let token = "cHJlc3M6b2Y6dGhlOmFza2Vy";
    by_asker["token"] = json!(token);
    assert_eq!(
        bot.interact(by_asker).await["type"],
        super::callback::DEFERRED_UPDATE,
        "acknowledged"
    );
    match bot.discord().next_call().await {
        Call::DeleteOriginal { token: deleted, .. } => assert_eq!(deleted, token),
        other => panic!("expected the asker's answer deleted, got {other:?}"),
    }
}
