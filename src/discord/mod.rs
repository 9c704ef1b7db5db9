//! Discord-facing logic with no sockets: the commands (one file each in
//! [`commands`]), [`dispatch`](dispatch::dispatch) (Interaction ->
//! response), rendering (Answer -> embed), who may moderate ([`access`]),
//! the buttons' ids ([`button`]),
//! and [`parse`](parse::parse_interaction) (JSON -> Interaction, refusing
//! what would make serenity panic). Both transports use it unchanged.

pub mod access;
pub mod button;
pub mod commands;
pub mod dispatch;
pub mod parse;
pub mod render;
pub mod reports;
