//! "Save as answer", the moderators' message context-menu command: opens
//! the gap form on any message, prefilled with the question it answers and
//! the message as the answer, crediting its author. The submit is written
//! and reloaded exactly as a gap answer is. It needs no Message Content
//! intent: the interaction carries the message.

use serenity::builder::CreateCommand;
use serenity::model::application::{CommandInteraction, CommandType, ResolvedTarget};
use serenity::model::channel::{ChannelType, Message, PartialChannel};

use super::{Audience, Context, Help, Spec};
use crate::discord::gap_form::{self, Prefill, Source};
use crate::discord::reply::{refuse, Dispatch};
use crate::discord::render::fit;
use crate::knowledge::community::MAX_HEADING;

/// "Save as answer" in a message's Apps menu.
pub struct SaveAnswer;

impl Spec for SaveAnswer {
    fn name(&self) -> &'static str {
        "Save as answer"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command.kind(CommandType::Message)
    }

    fn help(&self) -> Help {
        Help {
            usage: "Save as answer (message menu, moderators)",
            text: "Right-click a helpful reply, Apps, Save as answer: it becomes knowledge, credited to its author.",
        }
    }

    fn audience(&self) -> Audience {
        Audience::Moderators
    }

    fn run(&self, _context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        let Some(ResolvedTarget::Message(message)) = command.data.target() else {
            return refuse("I can't see the message this was used on.");
        };
        let source = Source {
            channel: message.channel_id,
            message: message.id,
            author: author(message),
        };
        Dispatch::Respond(gap_form::save_form(
            &prefill(message, command.channel.as_ref()),
            &source,
        ))
    }
}

/// The author's name as the server shows it: nickname, else display name.
fn author(message: &Message) -> String {
    message
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .unwrap_or_else(|| message.author.display_name().to_string())
}

/// The form's values: the question is the message `message` replies to,
/// else the name of the thread it is in, else empty; the answer is the
/// message; the heading is the question's first sentence.
pub fn prefill(message: &Message, channel: Option<&PartialChannel>) -> Prefill {
    let replied = message
        .referenced_message
        .as_deref()
        .map(|m| m.content.trim())
        .filter(|text| !text.is_empty());
    let thread = channel
        .filter(|c| is_thread(c.kind))
        .and_then(|c| c.name.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let question = replied.or(thread).unwrap_or("").to_string();
    Prefill {
        heading: heading_of(&question),
        question,
        answer: message.content.trim().to_string(),
    }
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}

/// A heading from a question: its first line up to its first question
/// mark, without Markdown's line markers, capitalized, within the heading's
/// limit.
pub fn heading_of(question: &str) -> String {
    let line = question
        .lines()
        .map(|l| l.trim().trim_start_matches(['#', '>', '-', '*', ' ']).trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let sentence = match line.find('?') {
        Some(end) => &line[..=end],
        None => line,
    };
    let mut chars = sentence.chars();
    let capitalized: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    fit(&capitalized, MAX_HEADING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_is_the_questions_first_sentence_capitalized_and_within_the_limit() {
        assert_eq!(
            heading_of("how do i negotiate salary? i got an offer yesterday"),
            "How do i negotiate salary?"
        );
        assert_eq!(heading_of("\n\n## résumé tips\nmore"), "Résumé tips");
        assert_eq!(heading_of(""), "");
        let long = "word ".repeat(60);
        let heading = heading_of(&long);
        assert_eq!(heading.chars().count(), MAX_HEADING);
        assert!(heading.ends_with('…'));
    }
}
