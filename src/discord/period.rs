//! The `days` option that `/gaps` and `/stats` share.

use serenity::builder::CreateCommandOption;
use serenity::model::application::{CommandInteraction, CommandOptionType};

use super::options;

/// The period `/gaps` and `/stats` cover unless told otherwise, in days.
pub const DEFAULT_DAYS: u32 = 30;
/// The longest period they cover, in days.
pub const MAX_DAYS: u32 = 365;

/// The option's name, as registered and sent back.
const DAYS: &str = "days";

/// The option's registration.
pub fn option() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::Integer,
        DAYS,
        "How many days back (default 30)",
    )
    .min_int_value(1)
    .max_int_value(u64::from(MAX_DAYS))
}

/// The period asked for, within 1 to [`MAX_DAYS`].
pub fn days(command: &CommandInteraction) -> u32 {
    options::integer(command, DAYS)
        .and_then(|d| u32::try_from(d).ok())
        .map_or(DEFAULT_DAYS, clamp)
}

/// `days` within 1 to [`MAX_DAYS`].
pub fn clamp(days: u32) -> u32 {
    days.clamp(1, MAX_DAYS)
}
