//! `/tools [category]`: the knowledge base's tool lists, all of them or one
//! category.

use serenity::builder::{CreateCommand, CreateCommandOption, CreateInteractionResponseMessage};
use serenity::model::application::{CommandInteraction, CommandOptionType};

use crate::discord::options;
use super::{Context, Help, Spec};
use crate::discord::reply::{respond, Dispatch};
use crate::discord::render::{escape, escape_mentions, listing, no_pings, notice};
use crate::engine::Engine;

/// `/tools`.
pub struct Tools;

/// Its one option's name, as registered and sent back.
const CATEGORY: &str = "category";

impl Spec for Tools {
    fn name(&self) -> &'static str {
        "tools"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command
            .description("The knowledge base's tool lists, by category")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    CATEGORY,
                    "A tool category",
                )
                .set_autocomplete(true),
            )
    }

    fn help(&self) -> Help {
        Help {
            usage: "/tools [category]",
            text: "Lists the knowledge base's tools, all of them or one category.",
        }
    }

    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        respond(tools(context.snapshot, options::string(command, CATEGORY)))
    }

    fn choices(&self, engine: &Engine, option: &str) -> Vec<(String, String)> {
        if option != CATEGORY {
            return Vec::new();
        }
        // A category answers with its id, so a long name cut for display
        // still finds its category.
        engine
            .knowledge
            .tools
            .iter()
            .map(|c| (c.name.clone(), c.id.clone()))
            .collect()
    }
}

fn tools(engine: &Engine, category: Option<&str>) -> CreateInteractionResponseMessage {
    let categories = &engine.knowledge.tools;
    if categories.is_empty() {
        return notice("This knowledge base has no tool lists.", true);
    }
    let wanted = category
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty());
    let chosen: Vec<_> = match &wanted {
        None => categories.iter().collect(),
        Some(w) => categories
            .iter()
            .filter(|c| {
                c.id == *w
                    || c.name.to_lowercase() == *w
                    || c.keywords.iter().any(|k| k.to_lowercase() == *w)
            })
            .collect(),
    };
    if chosen.is_empty() {
        let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
        return notice(
            &escape_mentions(&format!(
                "No tool category like that. Try one of: {}.",
                names.join(", ")
            )),
            true,
        );
    }
    let groups: Vec<(String, String)> = chosen
        .iter()
        .map(|c| {
            let lines: Vec<String> = c
                .tools
                .iter()
                .map(|t| match &t.url {
                    Some(url) => format!("[{}]({url})", escape(&t.name)),
                    None => escape(&t.name),
                })
                .collect();
            (c.name.clone(), lines.join(" · "))
        })
        .collect();
    let title = if chosen.len() == 1 {
        chosen[0].name.clone()
    } else {
        "Tools".to_string()
    };
    let description = match (chosen.len(), chosen[0].description.as_deref()) {
        (1, Some(d)) => d.to_string(),
        _ => {
            let names: Vec<String> = chosen.iter().map(|c| c.name.to_lowercase()).collect();
            let mut listed = crate::text::prose::natural_list(&names);
            if let Some(first) = listed.get(0..1) {
                listed = first.to_uppercase() + &listed[1..];
            }
            format!("{listed} in this knowledge base.")
        }
    };
    CreateInteractionResponseMessage::new()
        .embed(listing(&title, &description, &groups))
        .allowed_mentions(no_pings())
}
