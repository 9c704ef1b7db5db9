//! `/ask question [private] [target]`: the best passage for a question,
//! with its tools and courses, and buttons to page, rate and delete. With
//! `target`, the answer is posted for that member and pings them alone.

use serenity::builder::{
    CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};
use serenity::model::application::{CommandInteraction, CommandOptionType};
use serenity::model::id::UserId;

use crate::discord::options;
use super::{Context, Help, Spec};
use crate::answer::Answer;
use crate::discord::reply::{refuse, Dispatch};
use crate::discord::render;
use crate::engine::Engine;

/// `/ask`.
pub struct Ask;

/// Its options' names, as registered and sent back.
const QUESTION: &str = "question";
const PRIVATE: &str = "private";
const TARGET: &str = "target";

/// `/ask`'s options, read once.
struct Args<'a> {
    /// What the member asks (empty when Discord sent none).
    question: &'a str,
    /// `private`, when given.
    private: Option<bool>,
    /// The member to post the answer for, when it is not the asker.
    target: Option<UserId>,
}

impl<'a> Args<'a> {
    fn read(command: &'a CommandInteraction) -> Self {
        Args {
            question: options::string(command, QUESTION).unwrap_or(""),
            private: options::boolean(command, PRIVATE),
            target: options::user(command, TARGET).filter(|t| *t != command.user.id),
        }
    }
}

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
                    QUESTION,
                    "What you want to know",
                )
                .required(true)
                .max_length(crate::discord::limits::QUESTION)
                .set_autocomplete(true),
            )
            .add_option(CreateCommandOption::new(
                CommandOptionType::Boolean,
                PRIVATE,
                "Only you see the answer",
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::User,
                TARGET,
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
        let Args {
            question,
            private,
            target,
        } = Args::read(command);
        let asker = command.user.id;
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
        if option != QUESTION {
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
