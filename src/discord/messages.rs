//! Answers outside interactions, built from what the gateway delivers: a
//! message that mentions careerbot, and a new post in a help forum. Pure:
//! the gateway transport reads the events and sends what these build.

use serenity::builder::{CreateActionRow, CreateMessage};
use serenity::model::application::ButtonStyle;
use serenity::model::channel::{Message, MessageReference};
use serenity::model::id::{ChannelId, MessageId, RoleId, UserId};

use super::button::{Owners, Posted};
use super::limits;
use super::render::{
    self, answer_buttons, answer_embed, delete_button, fit, more_button, no_pings, rate_button,
    Controls,
};
use crate::answer::Answer;
use crate::knowledge::squash;

/// What a forum answer asks under the passage.
pub const FORUM_PROMPT: &str = "Did this answer your question?";

/// What a message asks careerbot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Nothing: it does not name careerbot (a reply that only pings it,
    /// say), so it gets no answer.
    Nothing,
    /// It names careerbot but holds no question.
    Empty,
    /// This question.
    Question(String),
    /// A follow-up: a reply to careerbot's answer to `earlier`.
    FollowUp {
        /// The question careerbot's answer answered.
        earlier: String,
        /// What the reply asks, without careerbot's mentions.
        question: String,
        /// Whether it also asks careerbot as a mention does (it names it,
        /// or it is a direct message): then it is answered even when it is
        /// no follow-up.
        named: bool,
    },
}

/// What `content` asks the bot `bot`. In a server a message must name the
/// bot in its text (`<@id>` or `<@!id>`); a reply that pings careerbot
/// without naming it is a reply, not a question. A direct message always
/// asks. The question is the text without the bot's mentions, cut to
/// [`limits::QUESTION`].
pub fn asked(content: &str, bot: UserId, direct: bool) -> Asked {
    let plain = format!("<@{bot}>");
    let nick = format!("<@!{bot}>");
    if !direct && !content.contains(&plain) && !content.contains(&nick) {
        return Asked::Nothing;
    }
    let question = squash(&content.replace(&nick, " ").replace(&plain, " "));
    if question.is_empty() {
        Asked::Empty
    } else {
        Asked::Question(fit(&question, usize::from(limits::QUESTION)))
    }
}

/// The question `replied` answered, when it is one of careerbot's (`bot`'s)
/// answers: the one its footer names. `None` for any other message (a
/// member's, a notice careerbot posted without an answer).
pub fn answered_in(replied: &Message, bot: UserId) -> Option<String> {
    if replied.author.id != bot {
        return None;
    }
    let footer = replied.embeds.first()?.footer.as_ref()?;
    render::question_in_footer(&footer.text)
}

/// What a reply to careerbot's answer to `earlier` asks: a follow-up, or
/// [`Asked::Nothing`] when it holds no text besides mentions. `direct`: it
/// is a direct message.
pub fn followed_up(content: &str, bot: UserId, earlier: String, direct: bool) -> Asked {
    match asked(content, bot, true) {
        Asked::Question(question) => Asked::FollowUp {
            earlier,
            question,
            named: direct || asked(content, bot, false) != Asked::Nothing,
        },
        Asked::Nothing | Asked::Empty | Asked::FollowUp { .. } => Asked::Nothing,
    }
}

/// Whether `answer` would show first what careerbot's answer `replied`
/// showed first: a follow-up that only brings the same passage back
/// ("that worked, thanks!") gets no reply.
pub fn repeats(answer: &Answer, replied: &Message) -> bool {
    let shown = replied.embeds.first().and_then(|e| e.title.as_deref());
    let first = answer.passages().first().map(render::passage_title);
    match (shown, first) {
        (Some(shown), Some(first)) => {
            // A title cut to fit ends with "…".
            shown == first
                || shown
                    .strip_suffix('…')
                    .is_some_and(|cut| first.starts_with(cut))
        }
        _ => false,
    }
}

/// What careerbot says in a post's thread when a reply is marked as its
/// solution: who solved it, with a link to the reply, pinging nobody.
pub fn solved(author: &str, link: &str) -> CreateMessage {
    let author = render::escape(&fit(author.trim(), 100));
    CreateMessage::new()
        .content(fit(
            &format!("✅ Solved by **{author}**: {link}"),
            limits::CONTENT,
        ))
        .allowed_mentions(no_pings())
}

/// What careerbot says in a help-forum post it cannot help with.
pub const HELPERS_CALLED: &str = "A helper will take a look.";
/// What careerbot's forum answer says once its owner said No and the
/// helpers were called: no longer [`FORUM_PROMPT`], so no later **No**
/// calls them again.
pub const HELPERS_ASKED: &str = "This didn't answer the question: a helper will take a look.";

/// The call to the helpers in a help-forum post careerbot cannot help
/// with: it pings exactly `roles` (`allowed_mentions.roles` holds those
/// ids and nothing else), and no one else. `None` when there are none.
pub fn helper_call(roles: &[RoleId]) -> Option<CreateMessage> {
    if roles.is_empty() {
        return None;
    }
    let mentions: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
    Some(
        CreateMessage::new()
            .content(fit(
                &format!("{HELPERS_CALLED} {}", mentions.join(" ")),
                limits::CONTENT,
            ))
            .allowed_mentions(no_pings().roles(roles.iter().copied())),
    )
}

/// The reply to a mention that holds no question.
pub fn mention_hint(reply_to: (ChannelId, MessageId)) -> CreateMessage {
    notice(
        "Ask me a career question in your message, or use /ask. /topics lists what I know.",
        reply_to,
    )
}

/// The reply to a mention by `asker`: the answer's first passage with its
/// buttons, or why it could not be answered. It references the message
/// and pings nobody, not even its author.
pub fn mention_reply(
    answer: &Answer,
    asker: UserId,
    reply_to: (ChannelId, MessageId),
) -> CreateMessage {
    if !answer.is_answered() {
        let text = answer.message().unwrap_or("I don't know that one.");
        let text = format!("{} Try /topics to see what I know.", text.trim_end());
        return notice(&render::escape_mentions(&text), reply_to);
    }
    let controls = Controls {
        owners: Owners::asker(asker),
        delete: Some(Posted::Message),
    };
    CreateMessage::new()
        .embed(answer_embed(answer, 0))
        .components(answer_buttons(answer, 0, controls))
        .reference_message(reference(reply_to))
        .allowed_mentions(no_pings())
}

/// A reference to the message replied to that does not fail the reply
/// when that message was deleted meanwhile.
fn reference((channel, message): (ChannelId, MessageId)) -> MessageReference {
    MessageReference::from((channel, message)).fail_if_not_exists(false)
}

/// A short text reply to a message, pinging nobody.
fn notice(text: &str, reply_to: (ChannelId, MessageId)) -> CreateMessage {
    CreateMessage::new()
        .content(fit(text, limits::CONTENT))
        .reference_message(reference(reply_to))
        .allowed_mentions(no_pings())
}

/// The question a forum post asks: its title, then its first message when
/// careerbot can read it (the Message Content intent).
pub fn forum_question(title: &str, starter: &str) -> String {
    let (title, starter) = (title.trim(), starter.trim());
    let question = if starter.is_empty() || starter == title {
        title.to_string()
    } else {
        format!("{title}\n{starter}")
    };
    fit(&question, usize::from(limits::QUESTION))
}

/// The answer to a new forum post by `owner`, posted in its thread: the
/// best passage, "Did this answer your question?" with Yes/No buttons
/// (ratings: the owner's Yes also tags the post solved, and only the owner
/// may say Yes; anyone may say No), "More answers" and 🗑️ for the owner.
/// `None` when the question is out of scope: nothing is posted.
pub fn forum_reply(answer: &Answer, owner: UserId) -> Option<CreateMessage> {
    if !answer.is_answered() {
        return None;
    }
    Some(
        CreateMessage::new()
            .content(FORUM_PROMPT)
            .embed(answer_embed(answer, 0))
            .components(forum_buttons(answer, Owners::asker(owner)))
            .allowed_mentions(no_pings()),
    )
}

/// Yes/No (👍/👎 on the first passage), "More answers" and 🗑️.
fn forum_buttons(answer: &Answer, owners: Owners) -> Vec<CreateActionRow> {
    let mut buttons = vec![
        rate_button(answer, 0, owners.asker, (true, "Yes", ButtonStyle::Success)),
        rate_button(
            answer,
            0,
            owners.asker,
            (false, "No", ButtonStyle::Secondary),
        ),
    ];
    if answer.passages().len() > 1 {
        buttons.push(more_button(owners, 1));
    }
    buttons.push(delete_button(owners, Posted::Message));
    vec![CreateActionRow::Buttons(buttons)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: UserId = UserId::new(1190000000000000001);

    fn question(text: &str) -> Asked {
        Asked::Question(text.to_string())
    }

    #[test]
    fn a_mention_asks_the_text_around_the_bot_s_mentions() {
        let asked_in_server = |content| asked(content, BOT, false);
        assert_eq!(
            asked_in_server("<@1190000000000000001> how much do they earn?"),
            question("how much do they earn?")
        );
        assert_eq!(
            asked_in_server("so <@!1190000000000000001>,  which   databases?"),
            question("so , which databases?")
        );
        assert_eq!(
            asked_in_server("<@1190000000000000501> <@1190000000000000001> hi"),
            question("<@1190000000000000501> hi"),
            "other mentions stay (they are escaped when shown)"
        );
        assert_eq!(asked_in_server(" <@1190000000000000001>\n"), Asked::Empty);
        assert_eq!(
            asked_in_server("thanks, that helped!"),
            Asked::Nothing,
            "a reply that pings the bot without naming it"
        );
        assert_eq!(
            asked_in_server("<@11900000000000000011> hi"),
            Asked::Nothing,
            "another id that starts with the bot's"
        );
        let long = format!("<@1190000000000000001> {}", "why ".repeat(1000));
        let Asked::Question(cut) = asked_in_server(&long) else {
            panic!("a question");
        };
        assert!(cut.chars().count() <= usize::from(limits::QUESTION));
    }

    #[test]
    fn a_direct_message_always_asks() {
        assert_eq!(
            asked("which databases?", BOT, true),
            question("which databases?")
        );
        assert_eq!(asked("  ", BOT, true), Asked::Empty);
    }

    #[test]
    fn a_forum_question_is_the_title_and_the_first_message() {
        assert_eq!(forum_question(" Salary? ", ""), "Salary?");
        assert_eq!(forum_question("Salary?", "Salary?"), "Salary?");
        assert_eq!(
            forum_question("Salary?", "How much do juniors earn?"),
            "Salary?\nHow much do juniors earn?"
        );
        let long = "x".repeat(usize::from(limits::QUESTION) * 2);
        assert!(forum_question("t", &long).chars().count() <= usize::from(limits::QUESTION));
    }
}
