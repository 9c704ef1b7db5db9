//! `/ask question [private] [target]`: the best passage for a question,
//! with its tools and courses, and buttons to page, rate and delete. With
//! `target`, the answer is posted for that member and pings them alone.

use serenity::builder::{
    CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};
use serenity::model::application::{CommandInteraction, CommandOptionType};

use crate::discord::options;
use super::{Context, Help, Spec};
use crate::answer::Answer;
use crate::discord::reply::{refuse, Dispatch};
use crate::discord::render;
use crate::engine::Engine;

/// `/ask`.
pub struct Ask;

impl Spec for Ask {
    fn name(&self) -> &'static str {
        "ask"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command
            .description("Ask a career question")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "question",
                    "What you want to know",
                )
                .required(true)
                .max_length(crate::discord::limits::QUESTION)
                .set_autocomplete(true),
            )
            .add_option(CreateCommandOption::new(
                CommandOptionType::Boolean,
                "private",
                "Only you see the answer",
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::User,
                "target",
                "Post the answer for this member (it mentions them)",
            ))
    }

    fn help(&self) -> Help {
        Help {
            usage: "/ask question [private] [target]",
            text: "Answers a career question with the best passage, tool lists and courses. Add private:true to see it alone, or target:@member to post it for someone. \"More answers\" pages through other passages; anyone can rate a public answer, and its asker or a moderator can delete it with 🗑️.",
        }
    }

    fn asks(&self) -> bool {
        true
    }

    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        let question = options::string(command, "question").unwrap_or("");
        let asker = command.user.id;
        let target = options::user(command, "target").filter(|t| *t != asker);
        let private = options::boolean(command, "private");
        if target.is_some() && private == Some(true) {
            return refuse(
                "An answer for another member is posted in the channel for them to see: leave out private, or leave out target.",
            );
        }
        let private = target.is_none() && private.unwrap_or(context.policy.private_by_default);
        let answer = context.snapshot.ask_with(question, render::MAX_PAGES);
        let message = match target {
            _ if !answer.is_answered() => render::unanswered(&answer),
            Some(target) => render::answer_for(&answer, asker, target),
            None => render::answer_message(&answer, 0, asker, private),
        };
        answered(message, answer)
    }

    fn choices(&self, engine: &Engine, option: &str) -> Vec<(String, String)> {
        if option != "question" {
            return Vec::new();
        }
        engine
            .suggestible()
            .into_iter()
            .map(|t| (t.clone(), t))
            .collect()
    }
}

/// `message`, sent with the `answer` it shows so the transport records it.
pub(super) fn answered(message: CreateInteractionResponseMessage, answer: Answer) -> Dispatch {
    Dispatch::Answered {
        response: CreateInteractionResponse::Message(message),
        answer: Box::new(answer),
    }
}
