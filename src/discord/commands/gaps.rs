//! `/gaps [days]` (moderators): the questions the knowledge base did not
//! answer well, similar ones grouped, a page at a time.

use serenity::builder::CreateCommand;
use serenity::model::application::CommandInteraction;

use crate::discord::period;
use super::{Audience, Context, Help, Spec};
use crate::discord::reply::{Dispatch, Report, ReportRequest};

/// `/gaps`.
pub struct Gaps;

impl Spec for Gaps {
    fn name(&self) -> &'static str {
        "gaps"
    }

    fn define(&self, command: CreateCommand) -> CreateCommand {
        command
            .description("Moderators: questions the knowledge base did not answer well")
            .add_option(period::option())
    }

    fn help(&self) -> Help {
        Help {
            usage: "/gaps [days]",
            text: "questions the knowledge base did not answer well (declined, low confidence, rated 👎), similar ones grouped.",
        }
    }

    fn audience(&self) -> Audience {
        Audience::Moderators
    }

    fn run(&self, _context: &Context<'_>, command: &CommandInteraction) -> Dispatch {
        Dispatch::Report(ReportRequest {
            report: Report::Gaps,
            guild: command.guild_id,
            days: period::days(command),
            page: 0,
            asker: command.user.id,
            update: false,
        })
    }
}
