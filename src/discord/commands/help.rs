//! `/help`: a line for each command the member may use. Moderators also
//! see the moderator commands.

use serenity::builder::{CreateCommand, CreateInteractionResponseMessage};
use serenity::model::application::CommandInteraction;

use super::{Audience, Command, Context, Spec};
use crate::discord::reply::{respond, Dispatch};
use crate::discord::render::{listing, no_pings};

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
        respond(help(context.moderator))
    }
}

/// The `/help` message for a member, or for a moderator.
pub(crate) fn help(moderator: bool) -> CreateInteractionResponseMessage {
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
            "I answer career questions from this server's knowledge base.",
            &groups,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usages(moderator: bool) -> Vec<String> {
        let json = serde_json::to_value(help(moderator)).expect("json");
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
