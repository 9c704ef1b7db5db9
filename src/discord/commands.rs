//! The application commands as Discord registers them: names, descriptions,
//! options and who may use them. `careerbot commands --json` prints exactly
//! what registration sends.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, CommandType};
use serenity::model::permissions::Permissions;

/// `/ask`.
pub const ASK: &str = "ask";
/// `/tools`.
pub const TOOLS: &str = "tools";
/// `/courses`.
pub const COURSES: &str = "courses";
/// `/topics`.
pub const TOPICS: &str = "topics";
/// `/help`.
pub const HELP: &str = "help";
/// `/reload`.
pub const RELOAD: &str = "reload";
/// `/gaps`.
pub const GAPS: &str = "gaps";
/// `/stats`.
pub const STATS: &str = "stats";
/// The message context-menu command.
pub const ASK_MESSAGE: &str = "Ask careerbot";

/// Every command name careerbot registers.
pub const NAMES: [&str; 9] = [
    ASK,
    TOOLS,
    COURSES,
    TOPICS,
    HELP,
    RELOAD,
    GAPS,
    STATS,
    ASK_MESSAGE,
];

/// The period `/gaps` and `/stats` cover unless told otherwise, in days.
pub const DEFAULT_DAYS: u32 = 30;
/// The longest period they cover, in days.
pub const MAX_DAYS: u32 = 365;

fn days_option() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::Integer,
        "days",
        "How many days back (default 30)",
    )
    .min_int_value(1)
    .max_int_value(u64::from(MAX_DAYS))
}

/// Every command careerbot registers.
pub fn definitions() -> Vec<CreateCommand> {
    vec![
        CreateCommand::new(ASK)
            .description("Ask a career question")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "question",
                    "What you want to know",
                )
                .required(true)
                .max_length(1000)
                .set_autocomplete(true),
            )
            .add_option(CreateCommandOption::new(
                CommandOptionType::Boolean,
                "private",
                "Only you see the answer",
            )),
        CreateCommand::new(TOOLS)
            .description("Tools a back-end developer uses, by category")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "category",
                    "Languages, frameworks, databases...",
                )
                .set_autocomplete(true),
            ),
        CreateCommand::new(COURSES)
            .description("Course pointers, with provider and link")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "topic",
                    "What you want to learn",
                )
                .set_autocomplete(true),
            ),
        CreateCommand::new(TOPICS)
            .description("Browse the knowledge base: articles and their sections"),
        CreateCommand::new(HELP).description("What careerbot can do"),
        CreateCommand::new(RELOAD)
            .description("Moderators: reload the knowledge base without downtime")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .dm_permission(false),
        CreateCommand::new(GAPS)
            .description("Moderators: questions the knowledge base did not answer well")
            .add_option(days_option())
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .dm_permission(false),
        CreateCommand::new(STATS)
            .description("Moderators: questions per day, answered rate, articles used, ratings")
            .add_option(days_option())
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .dm_permission(false),
        CreateCommand::new(ASK_MESSAGE).kind(CommandType::Message),
    ]
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
    fn names_lists_exactly_the_registered_commands() {
        let json = definitions_json();
        let mut registered: Vec<&str> = json
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        let mut names = NAMES.to_vec();
        registered.sort_unstable();
        names.sort_unstable();
        assert_eq!(registered, names);
    }

    #[test]
    fn command_definitions_meet_discords_rules() {
        let json = definitions_json();
        let commands = json.as_array().expect("array");
        assert_eq!(commands.len(), NAMES.len());
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
        for name in [RELOAD, GAPS, STATS] {
            let command = json
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
                .unwrap();
            assert_eq!(
                command["default_member_permissions"],
                Permissions::MANAGE_GUILD.bits().to_string(),
                "{name}"
            );
            assert_eq!(command["dm_permission"], false, "{name}");
        }
    }
}
