//! `/reload` (moderators): rebuilds the knowledge off the runtime and swaps
//! it in whole; the deferred reply is edited with the summary or the
//! problems.

use serenity::builder::{
    CreateCommand, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage,
    EditInteractionResponse,
};
use serenity::model::application::CommandInteraction;

use super::{Audience, Context, Help, Spec};
use crate::discord::reply::Dispatch;
use crate::discord::render::{self, escape, fit, limits, no_pings};
use crate::engine::EngineError;
use crate::live::ReloadSummary;
use crate::knowledge::LoadError;

/// `/reload`.
pub struct Reload;

impl Spec for Reload {
    fn name(&self) -> &'static str {
        "reload"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command.description("Moderators: reload the knowledge base without downtime")
    }

    fn help(&self) -> Help {
        Help {
            usage: "/reload",
            text: "reload the knowledge base without downtime.",
        }
    }

    fn audience(&self) -> Audience {
        Audience::Moderators
    }

    fn run(&self, _context: &Context<'_>, _command: &CommandInteraction) -> Dispatch {
        Dispatch::Reload {
            defer: CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        }
    }
}

/// The reply that replaces the deferred `/reload` response.
pub fn reload_reply(result: &Result<ReloadSummary, EngineError>) -> EditInteractionResponse {
    let embed = match result {
        Ok(summary) => {
            let mut lines = vec![format!(
                "Now serving version {}: {} article(s), {} passage(s), {} tool(s), {} course(s). Took {} ms.",
                summary.version,
                summary.articles,
                summary.passages,
                summary.tools,
                summary.courses,
                summary.took.as_millis()
            )];
            if summary.unchanged {
                lines.push("The content is unchanged.".to_string());
            }
            if !summary.added.is_empty() {
                lines.push(format!("Added: {}", escape(&summary.added.join(", "))));
            }
            if !summary.removed.is_empty() {
                lines.push(format!("Removed: {}", escape(&summary.removed.join(", "))));
            }
            if summary.warnings > 0 {
                lines.push(format!(
                    "{} warning(s): run `careerbot check` to see them.",
                    summary.warnings
                ));
            }
            CreateEmbed::new()
                .colour(render::COLOUR)
                .title("Knowledge base reloaded")
                .description(fit(&lines.join("\n"), limits::DESCRIPTION))
        }
        Err(error) => {
            let lines = match error {
                EngineError::Knowledge(LoadError::Invalid(report)) => {
                    render::problem_lines(&report.problems)
                }
                other => vec![escape(&other.to_string())],
            };
            render::failure("Reload failed: still serving the previous knowledge", &lines)
        }
    };
    EditInteractionResponse::new()
        .embed(embed)
        .allowed_mentions(no_pings())
}
