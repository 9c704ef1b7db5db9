//! `/help`: a line for each command the member may use. Moderators also
//! see the moderator commands.

use serenity::builder::{CreateCommand, CreateInteractionResponseMessage};
use serenity::model::application::CommandInteraction;

use super::{Audience, Command, Context, Spec};
use crate::discord::reply::{respond, Dispatch};
use crate::discord::render::{escape, listing, no_pings};
use crate::engine::Engine;

/// `/help`.
pub struct Help;

impl Spec for Help {
    fn name(&self) -> &'static str {
        "help"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command.description("What careerbot can do")
    }

    fn help(&self) -> super::Help {
        super::Help {
            usage: "/help",
            text: "Shows this list.",
        }
    }

    fn run(&self, context: &Context<'_>, _command: &CommandInteraction) -> Dispatch {
        respond(help(context.snapshot, context.moderator))
    }
}

/// The `/help` message for a member, or for a moderator.
pub(crate) fn help(engine: &Engine, moderator: bool) -> CreateInteractionResponseMessage {
    let groups: Vec<(String, String)> = Command::ALL
        .iter()
        .filter(|c| moderator || c.audience() == Audience::Everyone)
        .map(|c| {
            let help = c.help();
            let text = match c.audience() {
                Audience::Everyone => help.text.to_string(),
                Audience::Moderators => format!("Moderators: {}", help.text),
            };
            (help.usage.to_string(), text)
        })
        .collect();
    CreateInteractionResponseMessage::new()
        .embed(listing(
            "careerbot",
            &format!(
                "I answer questions from this server's knowledge base, which covers {}.",
                escape(&engine.about())
            ),
            &groups,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usages(moderator: bool) -> Vec<String> {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.md"), "# Data engineering\n\nPipelines move data.\n").expect("write");
        let engine = Engine::load(
            &crate::engine::Options {
                knowledge_dir: dir.path().to_path_buf(),
                index_dir: None,
                force_rebuild: false,
                limits: Default::default(),
                semantic: None,
            },
            &mut |_, _| {},
        )
        .expect("loads");
        let json = serde_json::to_value(help(&engine, moderator)).expect("json");
        assert!(
            json["embeds"][0]["description"]
                .as_str()
                .is_some_and(|d| d.contains("covers Data engineering.")),
            "{json}"
        );
        json["embeds"][0]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["name"].as_str().expect("name").to_string())
            .collect()
    }

    #[test]
    fn help_lists_every_command_for_moderators_and_only_members_commands_for_members() {
        let all = usages(true);
        let members = usages(false);
        for command in Command::ALL {
            let usage = command.help().usage.to_string();
            assert!(all.contains(&usage), "moderators see {usage}");
            assert_eq!(
                members.contains(&usage),
                command.audience() == Audience::Everyone,
                "members see {usage} only if it is theirs"
            );
        }
        assert!(all.iter().any(|u| u.starts_with("/gaps")));
        assert!(!members.iter().any(|u| u.starts_with("/reload")));
    }
}
