//! "Save as answer", the moderators' message context-menu command: opens
//! the gap form on any message, prefilled with the question it answers and
//! the message as the answer, crediting its author. The submit is written
//! and reloaded exactly as a gap answer is. It needs no Message Content
//! intent: the interaction carries the message.

use serenity::builder::CreateCommand;
use serenity::model::application::{CommandInteraction, CommandType, ResolvedTarget};
use serenity::model::channel::{ChannelType, Message, PartialChannel};

use super::{Audience, Context, Help, Spec};
use crate::discord::gap_form::{self, heading_of, Prefill, Source};
use crate::discord::reply::{refuse, Dispatch};

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
            author: author_of(command, message),
        };
        Dispatch::Respond(gap_form::save_form(
            &prefill(message, command.channel.as_ref()),
            &source,
        ))
    }
}

/// The name the server shows for the author of `message`, the target of
/// `command`: nickname, else display name. (Discord sends the author's
/// member, with the nickname, beside the message in `resolved.members`, and
/// in the message itself only in gateway events.)
pub fn author_of(command: &CommandInteraction, message: &Message) -> String {
    command
        .data
        .resolved
        .members
        .get(&message.author.id)
        .and_then(|m| m.nick.clone())
        .or_else(|| message.member.as_ref().and_then(|m| m.nick.clone()))
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
    let question = without_mentions(replied.or(thread).unwrap_or(""));
    Prefill {
        heading: heading_of(&question),
        question,
        answer: message.content.trim().to_string(),
    }
}

/// `text` without Discord's mention and custom emoji markup (`<@1>`,
/// `<@!1>`, `<@&1>`, `<#1>`, `<:name:1>`, `<a:name:1>`): a question that
/// named careerbot ("@careerbot how do I…") is saved as the question, and
/// a heading never shows `<@1190…>`.
pub fn without_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match after.find('>').filter(|&end| is_markup(&after[1..end])) {
            Some(end) => rest = &after[end + 1..],
            None => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    crate::knowledge::squash(&out)
}

/// Whether `inner` (between `<` and `>`) is mention or custom emoji markup.
fn is_markup(inner: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(id) = inner
        .strip_prefix("@&")
        .or_else(|| inner.strip_prefix("@!"))
        .or_else(|| inner.strip_prefix('@'))
        .or_else(|| inner.strip_prefix('#'))
    {
        return digits(id);
    }
    let emoji = inner.strip_prefix("a:").or_else(|| inner.strip_prefix(':'));
    emoji
        .and_then(|e| e.rsplit_once(':'))
        .is_some_and(|(name, id)| !name.is_empty() && name.len() <= 32 && digits(id))
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
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
        assert_eq!(
            without_mentions("<@1190000000000000001> how do I <@&9> get <#7> hired <:wave:123>? <b> a<c"),
            "how do I get hired ? <b> a<c"
        );
        let long = "word ".repeat(60);
        let heading = heading_of(&long);
        assert_eq!(heading.chars().count(), crate::knowledge::community::MAX_HEADING);
        assert!(heading.ends_with('…'));
    }
}
