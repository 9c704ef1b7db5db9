//! Reading a command's options by name, whatever type Discord sent.

use serenity::model::application::{CommandDataOptionValue, CommandInteraction};

/// The value of the command's option `name`, if given.
fn option<'a>(command: &'a CommandInteraction, name: &str) -> Option<&'a CommandDataOptionValue> {
    command
        .data
        .options
        .iter()
        .find(|o| o.name == name)
        .map(|o| &o.value)
}

/// A string option (or the text of one being autocompleted).
pub fn string<'a>(command: &'a CommandInteraction, name: &str) -> Option<&'a str> {
    option(command, name).and_then(|value| match value {
        CommandDataOptionValue::String(s) => Some(s.as_str()),
        CommandDataOptionValue::Autocomplete { value, .. } => Some(value.as_str()),
        _ => None,
    })
}

/// A boolean option.
pub fn boolean(command: &CommandInteraction, name: &str) -> Option<bool> {
    option(command, name).and_then(CommandDataOptionValue::as_bool)
}

/// An integer option.
pub fn integer(command: &CommandInteraction, name: &str) -> Option<i64> {
    option(command, name).and_then(CommandDataOptionValue::as_i64)
}

/// A user option.
pub fn user(command: &CommandInteraction, name: &str) -> Option<serenity::model::id::UserId> {
    option(command, name).and_then(CommandDataOptionValue::as_user_id)
}
