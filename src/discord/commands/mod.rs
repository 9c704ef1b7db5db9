//! The application commands, one file each: its definition, its handler,
//! its autocomplete and its `/help` line. [`Command`] is the only list of
//! them: registration, `/help`, dispatch and the metrics labels all derive
//! from it. Adding a command is one new file here, one line in the
//! `commands!` list below, and its test.

use serenity::builder::{CreateCommand, CreateInteractionResponse};
use serenity::model::application::CommandInteraction;
use serenity::model::permissions::Permissions;

use super::access::may_moderate;
use super::render::notice;
use super::reply::{Dispatch, Policy};
use crate::engine::Engine;
use crate::live::Snapshot;

pub use super::period::{DEFAULT_DAYS, MAX_DAYS};
pub use reload::reload_reply;
pub use topics::topics_page;

/// Who may use a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every member, in servers and in direct messages.
    Everyone,
    /// Moderators, in a server: Manage Server by default, or a moderator role.
    Moderators,
}

/// A command's line in `/help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    /// How it is invoked, e.g. `/tools [category]`.
    pub usage: &'static str,
    /// What it does, in a sentence or two.
    pub text: &'static str,
}

/// What a command's handler answers from besides the interaction.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The knowledge being served.
    pub snapshot: &'a Snapshot,
    /// The server's policy.
    pub policy: &'a Policy,
    /// Whether the member who invoked it is a moderator.
    pub moderator: bool,
}

/// One command: what it registers and how it answers.
pub trait Spec: Sync {
    /// The name Discord registers and sends back.
    fn name(&self) -> &'static str;
    /// Its registration, given the bare command of that name. Moderator
    /// permissions are added from [`Spec::audience`].
    fn define(&self, command: CreateCommand) -> CreateCommand;
    /// Its `/help` line.
    fn help(&self) -> Help;
    /// Who may use it.
    fn audience(&self) -> Audience {
        Audience::Everyone
    }
    /// Whether it asks a question, so the per-member cooldown applies.
    fn asks(&self) -> bool {
        false
    }
    /// The reply to one invocation by a member allowed to use it.
    fn run(&self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch;
    /// Autocomplete candidates for `option`: (shown name, value sent back).
    fn choices(&self, _engine: &Engine, _option: &str) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// Declares the commands: each line is a [`Command`] variant and the module
/// (a file in this directory) whose unit struct of the same name is its
/// [`Spec`].
macro_rules! commands {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// Every command careerbot registers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command {
            $(
                #[doc = concat!("See `", stringify!($module), ".rs`.")]
                $variant,
            )+
        }

        impl Command {
            /// Every command, in registration and `/help` order.
            pub const ALL: &'static [Command] = &[$(Command::$variant),+];

            fn spec(self) -> &'static dyn Spec {
                match self {
                    $(Command::$variant => &$module::$variant,)+
                }
            }
        }
    };
}

commands! {
    Ask => ask,
    Tools => tools,
    Courses => courses,
    Topics => topics,
    Help => help,
    Reload => reload,
    Gaps => gaps,
    Stats => stats,
    AskMessage => ask_message,
    SaveAnswer => save_answer,
    MarkSolution => mark_solution,
}

impl Command {
    /// The command Discord names `name`, if it is one of careerbot's.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// Its registered name.
    pub fn name(self) -> &'static str {
        self.spec().name()
    }

    /// Its label in metrics: a fixed string, never user input.
    pub fn label(self) -> &'static str {
        self.name()
    }

    /// Its `/help` line.
    pub fn help(self) -> Help {
        self.spec().help()
    }

    /// Who may use it.
    pub fn audience(self) -> Audience {
        self.spec().audience()
    }

    /// Whether it asks a question (the cooldown applies).
    pub fn asks(self) -> bool {
        self.spec().asks()
    }

    /// Its registration payload.
    pub fn definition(self) -> CreateCommand {
        let spec = self.spec();
        let command = spec.define(CreateCommand::new(spec.name()));
        match spec.audience() {
            Audience::Everyone => command,
            Audience::Moderators => command
                .default_member_permissions(Permissions::MANAGE_GUILD)
                .dm_permission(false),
        }
    }

    /// The reply to one invocation, once the cooldown (for members) and the
    /// audience have been checked.
    pub fn run(self, context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        let spec = self.spec();
        if spec.audience() == Audience::Moderators {
            if let Err(why) = may_moderate(command.guild_id, context.moderator) {
                return Dispatch::Respond(CreateInteractionResponse::Message(notice(why, true)));
            }
        }
        spec.run(context, command)
    }

    /// Autocomplete candidates for its `option`.
    pub fn choices(self, engine: &Engine, option: &str) -> Vec<(String, String)> {
        self.spec().choices(engine, option)
    }
}

/// Every command careerbot registers.
pub fn definitions() -> Vec<CreateCommand> {
    Command::ALL.iter().map(|c| c.definition()).collect()
}

/// The registration payload, as JSON.
pub fn definitions_json() -> serde_json::Value {
    serde_json::to_value(definitions()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_valid_chat_input_name(name: &str) -> bool {
        let len = name.chars().count();
        (1..=32).contains(&len)
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '\''))
            && name.to_lowercase() == name
    }

    #[test]
    fn every_command_is_registered_once_under_its_own_name() {
        let json = definitions_json();
        let registered: Vec<&str> = json
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        let names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(registered, names);
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "{name} is registered twice");
            assert_eq!(
                Command::from_name(name).map(Command::name),
                Some(*name),
                "{name} is found by its name"
            );
        }
    }

    #[test]
    fn every_command_has_a_help_line_and_a_metrics_label() {
        for command in Command::ALL {
            let help = command.help();
            assert!(!help.usage.trim().is_empty(), "{command:?} has no usage");
            assert!(!help.text.trim().is_empty(), "{command:?} has no help text");
            assert!(
                !command.label().is_empty() && command.label() != "other",
                "{command:?} has no metrics label of its own"
            );
        }
    }

    #[test]
    fn command_definitions_meet_discords_rules() {
        let json = definitions_json();
        let commands = json.as_array().expect("array");
        assert_eq!(commands.len(), Command::ALL.len());
        for command in commands {
            let name = command["name"].as_str().expect("name");
            let kind = command["type"].as_u64().unwrap_or(1);
            if kind == 1 {
                assert!(is_valid_chat_input_name(name), "{name}");
                let description = command["description"].as_str().expect("description");
                assert!(
                    (1..=100).contains(&description.chars().count()),
                    "{name}: {description}"
                );
            } else {
                assert!((1..=32).contains(&name.chars().count()));
                assert_eq!(
                    command["description"].as_str().unwrap_or(""),
                    "",
                    "context-menu commands have no description"
                );
            }
            let mut seen_optional = false;
            for option in command["options"].as_array().into_iter().flatten() {
                let option_name = option["name"].as_str().expect("option name");
                assert!(is_valid_chat_input_name(option_name), "{option_name}");
                let d = option["description"].as_str().expect("option description");
                assert!((1..=100).contains(&d.chars().count()));
                let required = option["required"].as_bool().unwrap_or(false);
                assert!(
                    !(required && seen_optional),
                    "{name}: required options come first"
                );
                seen_optional |= !required;
            }
        }
    }

    #[test]
    fn moderator_commands_are_for_server_managers_and_not_in_dms() {
        let json = definitions_json();
        let moderators: Vec<Command> = Command::ALL
            .iter()
            .copied()
            .filter(|c| c.audience() == Audience::Moderators)
            .collect();
        assert!(moderators.contains(&Command::Reload));
        for command in Command::ALL {
            let registered = json
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == command.name())
                .unwrap();
            if moderators.contains(command) {
                assert_eq!(
                    registered["default_member_permissions"],
                    Permissions::MANAGE_GUILD.bits().to_string(),
                    "{command:?}"
                );
                assert_eq!(registered["dm_permission"], false, "{command:?}");
            } else {
                assert!(
                    registered.get("default_member_permissions").is_none(),
                    "{command:?} is for everyone"
                );
            }
        }
    }
}
