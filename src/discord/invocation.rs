//! One interaction, resolved once where it arrives: its kind, the command
//! or button of careerbot's it names, the server and member it came from,
//! and whether that member moderates. Dispatch, the cooldown, the insights
//! record and the metrics all read an [`Invocation`] instead of inspecting
//! the interaction again. Pure. Tested on real-shaped payloads in
//! `tests/it/dispatch.rs`.

use serenity::model::application::Interaction;
use serenity::model::guild::Member;
use serenity::model::id::{GuildId, RoleId, UserId};

use super::access::is_moderator;
use super::button::Button;
use super::commands::Command;

/// What kind of interaction arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Discord's endpoint check.
    Ping,
    /// A slash or context-menu command.
    Command,
    /// Autocomplete of a command option.
    Autocomplete,
    /// A button press.
    Component,
    /// A modal submission.
    Modal,
    /// Anything else.
    Other,
}

impl Kind {
    /// Its name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ping => "ping",
            Kind::Command => "command",
            Kind::Autocomplete => "autocomplete",
            Kind::Component => "component",
            Kind::Modal => "modal",
            Kind::Other => "other",
        }
    }
}

/// One interaction and what it names, resolved once.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// The interaction itself.
    pub interaction: &'a Interaction,
    /// Its kind.
    pub kind: Kind,
    /// careerbot's command it invokes or completes; `None` for another
    /// kind, or a command careerbot does not know.
    pub command: Option<Command>,
    /// careerbot's button it presses; `None` for another kind, or a custom
    /// id that is not one of careerbot's.
    pub button: Option<Button>,
    /// The server it came from; `None` in direct messages.
    pub guild: Option<GuildId>,
    /// The member (or user) who sent it; `None` for a ping.
    pub user: Option<UserId>,
    /// Whether they moderate: Manage Server, Administrator, or one of the
    /// `moderator_roles`, as the interaction's member data says.
    pub moderator: bool,
}

impl<'a> Invocation<'a> {
    /// `interaction`, resolved; members with one of `moderator_roles`
    /// moderate, besides those the permissions allow.
    pub fn new(moderator_roles: &[RoleId], interaction: &'a Interaction) -> Self {
        let (kind, member, guild, user): (Kind, Option<&Member>, _, _) = match interaction {
            Interaction::Ping(_) => (Kind::Ping, None, None, None),
            Interaction::Command(c) => (
                Kind::Command,
                c.member.as_deref(),
                c.guild_id,
                Some(c.user.id),
            ),
            Interaction::Autocomplete(c) => (
                Kind::Autocomplete,
                c.member.as_deref(),
                c.guild_id,
                Some(c.user.id),
            ),
            Interaction::Component(c) => (
                Kind::Component,
                c.member.as_ref(),
                c.guild_id,
                Some(c.user.id),
            ),
            Interaction::Modal(m) => (Kind::Modal, m.member.as_ref(), m.guild_id, Some(m.user.id)),
            _ => (Kind::Other, None, None, None),
        };
        let command = match interaction {
            Interaction::Command(c) | Interaction::Autocomplete(c) => {
                Command::from_name(&c.data.name)
            }
            _ => None,
        };
        let button = match interaction {
            Interaction::Component(c) => c.data.custom_id.parse::<Button>().ok(),
            _ => None,
        };
        Invocation {
            interaction,
            kind,
            command,
            button,
            guild,
            user,
            moderator: is_moderator(moderator_roles, member),
        }
    }

    /// Its command or button as a label from a fixed set, never user
    /// input: careerbot's own command names, its buttons' labels, `other`
    /// for one careerbot does not know, and empty for kinds that name
    /// neither.
    pub fn label(&self) -> &'static str {
        match self.kind {
            Kind::Command | Kind::Autocomplete => self.command.map_or("other", Command::label),
            Kind::Component => self.button.as_ref().map_or("other", Button::label),
            Kind::Ping | Kind::Modal | Kind::Other => "",
        }
    }

    /// The member whose question cooldown it is subject to: the invoker
    /// of a command that asks, unless they moderate.
    pub fn cooldown_subject(&self) -> Option<UserId> {
        let asks = self.kind == Kind::Command && self.command.is_some_and(Command::asks);
        self.user.filter(|_| asks && !self.moderator)
    }
}
