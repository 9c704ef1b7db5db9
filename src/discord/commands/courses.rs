//! `/courses [topic]`: course pointers, with provider and link.

use serenity::builder::{CreateCommand, CreateCommandOption, CreateInteractionResponseMessage};
use serenity::model::application::{CommandInteraction, CommandOptionType};

use crate::discord::options;
use super::{Context, Help, Spec};
use crate::discord::reply::{respond, Dispatch};
use crate::discord::render::{escape, listing, no_pings, notice};
use crate::engine::Engine;
use crate::knowledge::Course;

/// `/courses`.
pub struct Courses;

/// Its one option's name, as registered and sent back.
const TOPIC: &str = "topic";

impl Spec for Courses {
    fn name(&self) -> &'static str {
        "courses"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command
            .description("Course pointers, with provider and link")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    TOPIC,
                    "What you want to learn",
                )
                .set_autocomplete(true),
            )
    }

    fn help(&self) -> Help {
        Help {
            usage: "/courses [topic]",
            text: "Gives course pointers with provider and link.",
        }
    }

    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        respond(courses(context.snapshot, options::string(command, TOPIC)))
    }

    fn choices(&self, engine: &Engine, option: &str) -> Vec<(String, String)> {
        if option != TOPIC {
            return Vec::new();
        }
        let mut topics: Vec<String> = engine
            .knowledge
            .courses
            .iter()
            .flat_map(|c| c.topics.iter().cloned())
            .collect();
        topics.sort();
        topics.dedup();
        topics.into_iter().map(|t| (t.clone(), t)).collect()
    }
}

/// Whether course `c` is about `wanted` (lowercase).
fn is_about(c: &Course, wanted: &str) -> bool {
    c.title.to_lowercase().contains(wanted)
        || c.provider.to_lowercase().contains(wanted)
        || c.topics
            .iter()
            .any(|t| t.to_lowercase().contains(wanted) || wanted.contains(&t.to_lowercase()))
}

fn courses(engine: &Engine, topic: Option<&str>) -> CreateInteractionResponseMessage {
    let all = &engine.knowledge.courses;
    if all.is_empty() {
        return notice("This knowledge base has no course pointers.", true);
    }
    let wanted = topic
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let chosen: Vec<_> = match &wanted {
        None => all.iter().collect(),
        Some(w) => all.iter().filter(|c| is_about(c, w)).collect(),
    };
    let (chosen, description) = if chosen.is_empty() {
        (
            all.iter().collect(),
            "No course matches that topic; here are all of them.",
        )
    } else {
        (chosen, "Course pointers from the knowledge base.")
    };
    let groups: Vec<(String, String)> = chosen
        .iter()
        .map(|c| {
            let mut value = format!(
                "[{}]({}) — {}",
                escape(&c.title),
                c.url,
                escape(&c.provider)
            );
            if let Some(d) = &c.description {
                value.push('\n');
                value.push_str(&escape(d));
            }
            (c.title.clone(), value)
        })
        .collect();
    CreateInteractionResponseMessage::new()
        .embed(listing("Courses", description, &groups))
        .allowed_mentions(no_pings())
}
