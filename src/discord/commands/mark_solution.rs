//! "Mark solution", the message context-menu command of help forums: the
//! post's owner (or a moderator) marks a reply as the post's solution. The
//! transport checks the owner against the thread, applies the forum's
//! solved tag and says so in the thread ([`finish`](crate::transport)).

use serenity::builder::{CreateCommand, CreateInteractionResponse, CreateInteractionResponseMessage};
use serenity::model::application::{CommandInteraction, CommandType, ResolvedTarget};
use serenity::model::channel::ChannelType;

use super::{Context, Help, Spec};
use crate::discord::reply::{refuse, Dispatch, Solution};

/// "Mark solution" in a message's Apps menu.
pub struct MarkSolution;

impl Spec for MarkSolution {
    fn name(&self) -> &'static str {
        "Mark solution"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command.kind(CommandType::Message)
    }

    fn help(&self) -> Help {
        Help {
            usage: "Mark solution (message menu, in a help-forum post)",
            text: "The post's owner or a moderator marks the reply that solved it: the post gets the solved tag.",
        }
    }

    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        let Some(ResolvedTarget::Message(message)) = command.data.target() else {
            return refuse("I can't see the message this was used on.");
        };
        let in_thread = command
            .channel
            .as_ref()
            .is_some_and(|c| c.kind == ChannelType::PublicThread);
        let Some(guild) = command.guild_id.filter(|_| in_thread) else {
            return refuse("Mark solution works on a reply in a help-forum post.");
        };
        Dispatch::MarkSolution {
            defer: CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
            solution: Box::new(Solution {
                guild,
                thread: message.channel_id,
                message: message.id,
                author: super::save_answer::author_of(command, message),
                text: if message.author.bot {
                    String::new()
                } else {
                    message.content.trim().to_string()
                },
                self_marked: message.author.id == command.user.id,
                presser: command.user.id,
                moderator: context.moderator,
            }),
        }
    }
}
