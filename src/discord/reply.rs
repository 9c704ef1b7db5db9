//! What dispatch decides, as data: a [`Dispatch`] names the reply, or what
//! the transport must do first (record an answer, read a report, record a
//! rating, reload). The replies that need the outside world's result are
//! finished here: [`report_reply`] and [`rated`]. Pure.

use std::ops::Range;
use std::time::Duration;

use serenity::builder::{CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage};
use serenity::model::id::{ChannelId, GuildId, MessageId, RoleId, UserId};

use super::button::GapKey;
use super::gap_form::{heading_of, save_form, Prefill, Source, Starter};
use super::render::notice;
use super::reports;
use crate::answer::Answer;
use crate::engine::Engine;
use crate::insights::report::{Gaps, Stats};
use crate::insights::{chart, PassageRef, SolutionRecord, Vote};
use crate::knowledge::community::CommunityAnswer;

/// What dispatch needs to know besides the knowledge: the server's policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Roles whose members may moderate, besides those with Manage Server.
    pub moderator_roles: Vec<RoleId>,
    /// Whether `/ask` answers privately unless asked otherwise.
    pub private_by_default: bool,
    /// Roles pinged when careerbot cannot help in a help-forum post.
    pub helper_roles: Vec<RoleId>,
}

/// The reply when the bot is at its concurrency bound: private, and
/// pinging nobody.
pub fn busy() -> CreateInteractionResponse {
    CreateInteractionResponse::Message(notice(
        "careerbot is very busy right now. Please ask again in a moment.",
        true,
    ))
}

/// The reply to a member asking again before their cooldown ended, with
/// the time `left` rounded up to whole seconds.
pub fn slow_down(left: Duration) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(notice(
        &format!(
            "You're asking quickly. Try again in {} s.",
            left.as_secs() + u64::from(left.subsec_nanos() > 0)
        ),
        true,
    ))
}

/// What the transport does with an interaction.
#[derive(Debug, Clone)]
pub enum Dispatch {
    /// Send this response now.
    Respond(CreateInteractionResponse),
    /// Send this response now, and record the question it answers (or
    /// declines) for the insights store.
    Answered {
        /// The reply.
        response: CreateInteractionResponse,
        /// What it was built from.
        answer: Box<Answer>,
    },
    /// Send `defer` now, run `Live::reload` off the runtime, then edit the
    /// original response with [`reload_reply`](super::commands::reload_reply).
    Reload {
        /// The deferred response (type 5).
        defer: CreateInteractionResponse,
    },
    /// Read a moderator report from the insights store, then send
    /// [`report_reply`].
    Report(ReportRequest),
    /// Record a 👍/👎, then send [`rated`].
    Rate(Rating),
    /// Acknowledge the press now, then delete the answer.
    Delete(Deletion),
    /// Send `defer` now, then write the moderator's answer to the
    /// knowledge and reload ([`Live::edit`](crate::live::Live::edit)),
    /// then edit the deferred response with
    /// [`written`](super::gap_form::written).
    AnswerGap {
        /// The deferred response (type 5, private).
        defer: CreateInteractionResponse,
        /// What the moderator wrote, and who they are.
        answer: Box<GapAnswer>,
    },
    /// Send `form`, the "Save as answer" form; on a message in a thread
    /// that replies to nothing, once the `starter` (the thread's first
    /// message) has joined its question.
    SaveForm {
        /// The form as the interaction fills it.
        form: CreateInteractionResponse,
        /// The thread whose first message to read first.
        starter: Option<Box<Starter>>,
    },
    /// Send `defer` now, then check the post's owner, apply the solved tag,
    /// say so in the thread and edit the deferred response.
    MarkSolution {
        /// The deferred response (type 5, private).
        defer: CreateInteractionResponse,
        /// The post and its solution.
        solution: Box<Solution>,
    },
}

/// A reply marked as the solution of a help-forum post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// The server.
    pub guild: GuildId,
    /// The post's thread.
    pub thread: ChannelId,
    /// The solving message.
    pub message: MessageId,
    /// Its author's name (never a mention).
    pub author: String,
    /// Its text, as the interaction carries it; empty for a bot's message
    /// (careerbot's own answer is in its embed), which is no answer to save.
    pub text: String,
    /// Whether its author is the member who marked it: a solution a member
    /// marked in their own reply is not put forward to save.
    pub self_marked: bool,
    /// Who marked it: the post's owner, or a moderator.
    pub presser: UserId,
    /// Whether they moderate.
    pub moderator: bool,
}

/// An answer a moderator submitted with the gap form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapAnswer {
    /// The server.
    pub guild: Option<GuildId>,
    /// The moderator.
    pub moderator: UserId,
    /// What they wrote.
    pub answer: CommunityAnswer,
}

/// A public answer to delete once the button press is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// The interaction response the button is on, through the press's
    /// interaction webhook (its original response is that message).
    Original,
    /// A message careerbot posted in a channel.
    Message {
        /// Where it is.
        channel: ChannelId,
        /// Which one.
        message: MessageId,
    },
}

impl Dispatch {
    /// The response to send at once, when it needs nothing from outside.
    pub fn response(&self) -> Option<&CreateInteractionResponse> {
        match self {
            Dispatch::Respond(r)
            | Dispatch::Answered { response: r, .. }
            | Dispatch::SaveForm { form: r, .. } => Some(r),
            Dispatch::Reload { defer }
            | Dispatch::AnswerGap { defer, .. }
            | Dispatch::MarkSolution { defer, .. } => Some(defer),
            Dispatch::Report(_) | Dispatch::Rate(_) | Dispatch::Delete(_) => None,
        }
    }
}

/// Which moderator report to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// `/gaps`.
    Gaps,
    /// `/stats`.
    Stats,
    /// The form to answer the `/gaps` group with this key.
    AnswerGap(GapKey),
    /// The "Save as answer" form for the solution marked in this post,
    /// when it is still this message.
    SaveSolution(ChannelId, MessageId),
}

/// A moderator report to read and show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    /// Which report.
    pub report: Report,
    /// The server it covers (each server's moderators see their own).
    pub guild: Option<GuildId>,
    /// How many days back.
    pub days: u32,
    /// The page to show.
    pub page: usize,
    /// The moderator who asked; only they can page.
    pub asker: UserId,
    /// Whether it replaces the message a page button is on.
    pub update: bool,
}

/// A report as read from the store.
#[derive(Debug, Clone)]
pub enum ReportData {
    /// `/gaps`.
    Gaps(Gaps),
    /// `/stats`.
    Stats(Stats),
    /// A solution to save, if it is still waiting.
    Solution(Option<SolutionRecord>),
}

impl ReportRequest {
    /// The gaps groups this request's page shows, whose closest passages
    /// are worth finding.
    pub fn shown(&self, gaps: &Gaps) -> Range<usize> {
        let page = self.page.min(reports::gaps_pages(gaps) - 1);
        page * reports::GAPS_PER_PAGE..(page + 1) * reports::GAPS_PER_PAGE
    }
}

/// A 👍 or 👎 to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// The server it was pressed in.
    pub guild: Option<GuildId>,
    /// Who pressed it.
    pub user: UserId,
    /// The answer message, so each member rates it once.
    pub message: String,
    /// The question the answer was for.
    pub question: String,
    /// The rated passage and its score, when the knowledge still has it.
    pub passage: Option<(PassageRef, f32)>,
    /// 👍 or 👎.
    pub up: bool,
    /// The thread to call the helpers to, and careerbot's answer in it: set
    /// when the post's owner answers **No** to careerbot's forum answer and
    /// helper roles are set.
    pub call_helpers: Option<(ChannelId, MessageId)>,
    /// The help-forum post to tag solved: set when its owner answers
    /// **Yes** to careerbot's forum answer.
    pub solved: Option<ChannelId>,
}

/// Send `message` now.
pub fn respond(message: CreateInteractionResponseMessage) -> Dispatch {
    Dispatch::Respond(CreateInteractionResponse::Message(message))
}

/// An ephemeral refusal or notice, sent now.
pub fn refuse(text: &str) -> Dispatch {
    respond(notice(text, true))
}

/// The `/stats` chart, to join the report once it is sent: the report's
/// embed showing it, and the PNG to attach as [`chart::FILE`].
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The embed, with the chart as its image.
    pub embed: CreateEmbed,
    /// The PNG.
    pub png: Vec<u8>,
}

// An embed holds no float, so equality is total.
impl Eq for Chart {}

/// The chart of `stats`, shown in `embed`; `None` (logged) if it cannot be
/// drawn, which leaves the report as it is.
fn stats_chart(stats: &Stats, embed: CreateEmbed) -> Option<Chart> {
    match chart::png(stats) {
        Ok(png) => Some(Chart {
            embed: embed.image(format!("attachment://{}", chart::FILE)),
            png,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "no chart for /stats");
            None
        }
    }
}

/// The reply to a report request, from what the store gave: `None` when
/// insights are off, or the error that kept it from being read. A
/// `/stats` reply also gives its chart, to attach once the reply is sent.
pub fn report_reply<E: std::fmt::Display>(
    request: &ReportRequest,
    engine: &Engine,
    read: Option<Result<ReportData, E>>,
) -> (CreateInteractionResponse, Option<Chart>) {
    match read {
        Some(Ok(ReportData::Stats(mut stats))) => {
            let titles: Vec<String> = engine.outline().into_iter().map(|(t, _)| t).collect();
            stats
                .quality
                .with_knowledge(titles.iter().map(String::as_str));
            let embed = reports::stats_embed(&stats);
            let message = reports::stats_message(&stats);
            let response = if request.update {
                CreateInteractionResponse::UpdateMessage(message)
            } else {
                CreateInteractionResponse::Message(message)
            };
            (response, stats_chart(&stats, embed))
        }
        read => (report_response(request, engine, read), None),
    }
}

/// The reply to any report but `/stats`'s.
fn report_response<E: std::fmt::Display>(
    request: &ReportRequest,
    engine: &Engine,
    read: Option<Result<ReportData, E>>,
) -> CreateInteractionResponse {
    if let (Report::AnswerGap(key), Some(Ok(ReportData::Gaps(gaps)))) = (&request.report, &read) {
        return match gaps.groups.iter().find(|g| GapKey::of(&g.example) == *key) {
            Some(group) => super::gap_form::form(&group.example),
            None => CreateInteractionResponse::Message(notice(
                "That gap is no longer in the report (it was answered, or aged out). Run /gaps again.",
                true,
            )),
        };
    }
    if let (Report::SaveSolution(_, message), Some(Ok(ReportData::Solution(found)))) =
        (&request.report, &read)
    {
        return save_solution_form(found.as_ref(), *message);
    }
    let message = match read {
        None => notice(
            "Insights are turned off for this bot (`insights = false` in its config).",
            true,
        ),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "cannot read the insights store");
            notice(
                "I can't read the insights store right now; the bot's log says why.",
                true,
            )
            .embeds(Vec::new())
            .components(Vec::new())
        }
        Some(Ok(ReportData::Gaps(mut gaps))) => {
            gaps.find_closest(request.shown(&gaps), engine);
            gaps.mark_answered(request.shown(&gaps), engine);
            reports::gaps_message(&gaps, request.page, request.asker)
        }
        Some(Ok(ReportData::Solution(_))) => {
            notice("That solution is no longer waiting. Run /gaps again.", true)
        }
        Some(Ok(ReportData::Stats(stats))) => reports::stats_message(&stats),
    };
    if request.update {
        CreateInteractionResponse::UpdateMessage(message)
    } else {
        CreateInteractionResponse::Message(message)
    }
}

/// The "Save as answer" form for the waiting solution `found`, when it is
/// still `message` (the one the button was made for), or why there is none.
fn save_solution_form(
    found: Option<&SolutionRecord>,
    message: MessageId,
) -> CreateInteractionResponse {
    let Some(found) = found.filter(|s| s.message == message.get()) else {
        return CreateInteractionResponse::Message(notice(
            "That solution is no longer waiting (it was saved, marked anew, or aged out). Run /gaps again.",
            true,
        ));
    };
    let source = Source {
        channel: ChannelId::new(found.thread),
        message,
        author: found.author.clone(),
    };
    let prefill = Prefill {
        heading: heading_of(&found.question),
        question: found.question.clone(),
        answer: found.answer.clone(),
    };
    save_form(&prefill, &source)
}

/// The reply to a 👍/👎 once recorded (`None` when insights are off);
/// a post's owner's **Yes** (`solved`) is told the post is being tagged.
pub fn rated(vote: Option<Vote>, solved: bool) -> CreateInteractionResponse {
    if solved && vote != Some(Vote::Unchanged) {
        return CreateInteractionResponse::Message(notice(
            "Glad it helped! The post gets this forum's solved tag, if it has one.",
            true,
        ));
    }
    let text = match vote {
        Some(Vote::Unchanged) => {
            "You already rated this answer that way. Press the other button to change your rating."
        }
        Some(Vote::Changed) => "Rating changed. Thanks for the feedback!",
        Some(Vote::Recorded) | None => "Thanks for the feedback!",
    };
    CreateInteractionResponse::Message(notice(text, true))
}
