//! Discord-facing logic with no sockets: command definitions,
//! [`dispatch`](dispatch::dispatch) (Interaction -> response) and rendering
//! (Answer -> embed), and [`parse`](parse::parse_interaction) (JSON ->
//! Interaction, refusing what would make serenity panic). Both transports
//! use it unchanged.

pub mod commands;
pub mod dispatch;
pub mod parse;
pub mod render;
pub mod reports;
