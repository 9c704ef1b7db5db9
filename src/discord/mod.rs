//! Discord-facing logic with no sockets: command definitions,
//! [`dispatch`](dispatch::dispatch) (Interaction -> response) and rendering
//! (Answer -> embed). Both transports use it unchanged.

pub mod commands;
pub mod dispatch;
pub mod render;
pub mod reports;
