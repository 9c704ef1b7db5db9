//! `/topics`: the articles of the knowledge base and their sections.

use serenity::builder::{CreateCommand, CreateInteractionResponseMessage};
use serenity::model::application::CommandInteraction;

use super::{Context, Help, Spec};
use crate::discord::reply::{respond, Dispatch};
use crate::discord::render::{escape, listing, no_pings};
use crate::engine::Engine;

/// `/topics`.
pub struct Topics;

impl Spec for Topics {
    fn name(&self) -> &'static str {
        "topics"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command.description("Browse the knowledge base: articles and their sections")
    }

    fn help(&self) -> Help {
        Help {
            usage: "/topics",
            text: "Shows the articles and sections I know.",
        }
    }

    fn run(&self, context: &Context<'_>, _command: &CommandInteraction) -> Dispatch {
        respond(topics(context.snapshot))
    }
}

fn topics(engine: &Engine) -> CreateInteractionResponseMessage {
    let groups: Vec<(String, String)> = engine
        .outline()
        .into_iter()
        .map(|(article, sections)| {
            let value = if sections.is_empty() {
                "(one section)".to_string()
            } else {
                sections
                    .iter()
                    .map(|s| format!("• {}", escape(s)))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (article, value)
        })
        .collect();
    CreateInteractionResponseMessage::new()
        .embed(listing(
            "What I know about",
            "Ask with /ask about any of these.",
            &groups,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
}
