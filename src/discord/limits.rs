//! Discord's limits on message parts, in characters.

/// Message content.
pub const CONTENT: usize = 2000;
/// Embed title.
pub const TITLE: usize = 256;
/// Embed description.
pub const DESCRIPTION: usize = 4096;
/// Embed footer.
pub const FOOTER: usize = 2048;
/// Fields per embed.
pub const FIELDS: usize = 25;
/// Field name.
pub const FIELD_NAME: usize = 256;
/// Field value.
pub const FIELD_VALUE: usize = 1024;
/// All text of one embed together.
pub const EMBED_TOTAL: usize = 6000;
/// Characters in an embed's `url` (Discord refuses longer ones).
pub const URL: usize = 2048;
/// A component's custom id.
pub const CUSTOM_ID: usize = 100;
/// Buttons in one action row.
pub const BUTTONS_PER_ROW: usize = 5;
/// Autocomplete choices.
pub const CHOICES: usize = 25;
/// An autocomplete choice's name and value.
pub const CHOICE: usize = 100;
/// Longest question careerbot reads (the `/ask` option's `max_length`,
/// the gap form's question field).
pub const QUESTION: u16 = 1000;
