//! Who may use moderator commands and controls.

use serenity::model::guild::Member;
use serenity::model::id::{GuildId, RoleId};
use serenity::model::permissions::Permissions;

/// Whether a member may use a moderator command: in a server, and a
/// moderator (see [`is_moderator`]).
///
/// # Errors
/// The sentence to show a member who may not.
pub fn may_moderate(guild: Option<GuildId>, moderator: bool) -> Result<(), &'static str> {
    if guild.is_none() {
        return Err("Moderator commands work in a server, not in direct messages.");
    }
    if moderator {
        Ok(())
    } else {
        Err("Only moderators can use this command.")
    }
}

/// Whether the sender is a server member with Manage Server or
/// Administrator in the interaction's resolved permissions (the only
/// permissions Discord computes for the channel), or with one of
/// `moderator_roles`.
pub fn is_moderator(moderator_roles: &[RoleId], member: Option<&Member>) -> bool {
    let Some(member) = member else {
        return false;
    };
    let permitted = member.permissions.is_some_and(|p| {
        p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR)
    });
    permitted || member.roles.iter().any(|r| moderator_roles.contains(r))
}
