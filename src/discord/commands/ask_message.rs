//! "Ask careerbot", the message context-menu command: answers the message
//! it was used on as a question.

use serenity::builder::CreateCommand;
use serenity::model::application::{CommandInteraction, CommandType, ResolvedTarget};

use super::{Context, Help, Spec};
use crate::discord::reply::Dispatch;
use crate::discord::render;

/// "Ask careerbot" in a message's Apps menu.
pub struct AskMessage;

impl Spec for AskMessage {
    fn name(&self) -> &'static str {
        "Ask careerbot"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command.kind(CommandType::Message)
    }

    fn help(&self) -> Help {
        Help {
            usage: "Ask careerbot (message menu)",
            text: "Right-click a message, Apps, Ask careerbot: I answer it as a question.",
        }
    }

    fn asks(&self) -> bool {
        true
    }

    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        let text = match command.data.target() {
            Some(ResolvedTarget::Message(message)) => message.content.clone(),
            _ => String::new(),
        };
        let answer = context.snapshot.ask_with(&text, render::MAX_PAGES);
        let asker = command.user.id;
        let message = if answer.is_answered() {
            // Name the asker without pinging anyone (allowed_mentions is empty).
            render::answer_message(&answer, 0, asker, false)
                .content(format!("<@{asker}> asked careerbot about this message."))
        } else {
            render::unanswered(&answer)
        };
        super::ask::answered(message, answer)
    }
}
