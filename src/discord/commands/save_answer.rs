//! "Save as answer", the moderators' message context-menu command: opens
//! the gap form on any message, prefilled with the question it answers and
//! the message as the answer, crediting its author. The submit is written
//! and reloaded exactly as a gap answer is. It needs no Message Content
//! intent: the interaction carries the message.

use serenity::builder::CreateCommand;
use serenity::model::application::{CommandInteraction, CommandType, ResolvedTarget};
use serenity::model::channel::{ChannelType, Message, PartialChannel};

use super::{Audience, Context, Help, Spec};
use crate::discord::gap_form::{self, heading_of, without_mentions, Prefill, Source, Starter};
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
        let channel = command.channel.as_ref();
        let prefill = prefill(message, channel);
        let form = gap_form::save_form(&prefill, &source);
        // A forum post's thread (public), whose first message has its id;
        // not that first message itself, which is the answer.
        let starter = (question_is_thread(message, channel)
            && channel.is_some_and(|c| c.kind == ChannelType::PublicThread)
            && message.id.get() != message.channel_id.get())
        .then(|| {
            Box::new(Starter {
                thread: message.channel_id,
                prefill,
                source,
            })
        });
        Dispatch::SaveForm { form, starter }
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
    let question = without_mentions(replied(message).or(thread_name(channel)).unwrap_or(""));
    Prefill {
        heading: heading_of(&question),
        question,
        answer: message.content.trim().to_string(),
    }
}

/// The text of the message `message` replies to, when it has any.
fn replied(message: &Message) -> Option<&str> {
    message
        .referenced_message
        .as_deref()
        .map(|m| m.content.trim())
        .filter(|text| !text.is_empty())
}

/// The name of `channel` when it is a thread.
fn thread_name(channel: Option<&PartialChannel>) -> Option<&str> {
    channel
        .filter(|c| is_thread(c.kind))
        .and_then(|c| c.name.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

/// Whether the form's question is the thread's name: the message replies
/// to no text, in a named thread.
fn question_is_thread(message: &Message, channel: Option<&PartialChannel>) -> bool {
    replied(message).is_none() && thread_name(channel).is_some()
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
            "how do I get hired? <b> a<c"
        );
        assert_eq!(
            without_mentions("I got my first offer <@1>. Should I ask <@&2>, or (take it <:ok:3>)?"),
            "I got my first offer. Should I ask, or (take it)?"
        );
        let long = "word ".repeat(60);
        let heading = heading_of(&long);
        assert_eq!(heading.chars().count(), crate::knowledge::community::MAX_HEADING);
        assert!(heading.ends_with('…'));
    }
}
