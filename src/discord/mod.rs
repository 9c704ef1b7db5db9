//! Discord-facing logic with no sockets: the commands (one file each in
//! [`commands`]), [`dispatch`](dispatch::dispatch) (Interaction ->
//! response) of an [`Invocation`](invocation::Invocation) (an interaction
//! resolved once where it arrives), rendering (Answer -> embed), who may
//! moderate ([`access`]),
//! the buttons' ids ([`button`]), the form that answers a gap ([`gap_form`]),
//! answers to mentions and forum posts ([`messages`]),
//! and [`parse`](parse::parse_interaction) (JSON -> Interaction, refusing
//! what would make serenity panic). Both transports use it unchanged.

pub mod access;
pub mod button;
pub mod commands;
pub mod dispatch;
pub mod gap_form;
pub mod invocation;
pub mod limits;
pub mod messages;
pub mod options;
pub mod parse;
pub mod period;
pub mod render;
pub mod reply;
pub mod reports;
