//! `/stats [days]` (moderators): questions per day, the answered rate,
//! the articles used, ratings and reloads.

use serenity::builder::CreateCommand;
use serenity::model::application::CommandInteraction;

use crate::discord::period;
use super::{Audience, Context, Help, Spec};
use crate::discord::reply::{Dispatch, Report, ReportRequest};

/// `/stats`.
pub struct Stats;

impl Spec for Stats {
    fn name(&self) -> &'static str {
        "stats"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command
            .description("Moderators: questions per day, answered rate, articles used, ratings")
            .add_option(period::option())
    }

    fn help(&self) -> Help {
        Help {
            usage: "/stats [days]",
            text: "questions per day, answered rate, articles used, ratings and reloads.",
        }
    }

    fn audience(&self) -> Audience {
        Audience::Moderators
    }

    fn run(&self, _context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        Dispatch::Report(ReportRequest {
            report: Report::Stats,
            guild: command.guild_id,
            days: period::days(command),
            page: 0,
            asker: command.user.id,
            update: false,
        })
    }
}
