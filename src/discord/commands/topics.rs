//! `/topics`: the articles of the knowledge base and their sections.

use serenity::builder::{CreateCommand, CreateInteractionResponseMessage};
use serenity::model::application::CommandInteraction;
use serenity::model::id::UserId;

use crate::discord::button::Button;

use super::{Context, Help, Spec};
use crate::discord::reply::{respond, Dispatch};
use crate::discord::render::{escape, listing, no_pings, pager};
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

    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        respond(topics_page(context.snapshot, 0, command.user.id))
    }
}

/// Articles shown on one page of `/topics`.
pub const ARTICLES_PER_PAGE: usize = 8;
/// The most a page says about one article's sections.
const SECTIONS_CHARS: usize = 500;

/// Page `page` (from 0) of `/topics` for `asker`: up to
/// [`ARTICLES_PER_PAGE`] articles with their sections, and buttons to the
/// pages before and after it.
pub fn topics_page(engine: &Engine, page: usize, asker: UserId) -> CreateInteractionResponseMessage {
    let outline = engine.outline();
    let pages = outline.len().div_ceil(ARTICLES_PER_PAGE).max(1);
    let page = page.min(pages - 1);
    let groups: Vec<(String, String)> = outline
        .into_iter()
        .skip(page * ARTICLES_PER_PAGE)
        .take(ARTICLES_PER_PAGE)
        .map(|(article, sections)| {
            let value = if sections.is_empty() {
                "(one section)".to_string()
            } else {
                let mut value = String::new();
                let mut left = sections.len();
                for s in &sections {
                    let line = format!("• {}", escape(s));
                    if value.chars().count() + line.chars().count() + 1 > SECTIONS_CHARS {
                        break;
                    }
                    if !value.is_empty() {
                        value.push('\n');
                    }
                    value.push_str(&line);
                    left -= 1;
                }
                if left > 0 {
                    value.push_str(&format!("\n…and {left} more"));
                }
                value
            };
            (escape(&article), value)
        })
        .collect();
    let title = if pages > 1 {
        format!("What I know about ({} of {pages})", page + 1)
    } else {
        "What I know about".to_string()
    };
    let rows = pager(page, pages, |to| Button::Topics { asker, page: to }.id());
    CreateInteractionResponseMessage::new()
        .embed(listing(&title, "Ask with /ask about any of these.", &groups))
        .components(rows)
        .allowed_mentions(no_pings())
        .ephemeral(true)
}
