//! One transport-agnostic entry point: a Discord [`Interaction`] in, what to
//! do about it out. Pure: no clock, store, lock or runtime. A reply that
//! needs the outside world is returned as a [`Dispatch`] naming it (record
//! an answer, read a report, record a rating, reload), and the transport
//! carries it out (`transport::serve_one`), then finishes the reply with
//! [`report_reply`] or [`rated`].

use std::ops::Range;
use std::time::Duration;

use serenity::builder::{
    AutocompleteChoice, CreateAutocompleteResponse, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};
use serenity::model::application::{CommandInteraction, ComponentInteraction, Interaction};
use serenity::model::id::{GuildId, RoleId, UserId};

use super::access::{is_moderator, may_moderate};
use super::button::{Button, Rated};
use super::commands::{Command, Context};
use super::render::{self, fit, limits, no_pings, notice};
use super::reports;
use crate::answer::Answer;
use crate::engine::Engine;
use crate::insights::report::{Gaps, Stats};
use crate::insights::{PassageRef, Vote};
use crate::live::Snapshot;

/// What dispatch needs to know besides the knowledge: the server's policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Roles whose members may moderate, besides those with Manage Server.
    pub moderator_roles: Vec<RoleId>,
    /// Whether `/ask` answers privately unless asked otherwise.
    pub private_by_default: bool,
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
}

impl Dispatch {
    /// The response to send at once, when it needs nothing from outside.
    pub fn response(&self) -> Option<&CreateInteractionResponse> {
        match self {
            Dispatch::Respond(r) | Dispatch::Answered { response: r, .. } => Some(r),
            Dispatch::Reload { defer } => Some(defer),
            Dispatch::Report(_) | Dispatch::Rate(_) => None,
        }
    }
}

/// Which moderator report to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// `/gaps`.
    Gaps,
    /// `/stats`.
    Stats,
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
}

/// Handles one interaction.
#[tracing::instrument(skip_all, fields(kind = interaction_kind(interaction)))]
pub fn dispatch(snapshot: &Snapshot, policy: &Policy, interaction: &Interaction) -> Dispatch {
    match interaction {
        Interaction::Ping(_) => Dispatch::Respond(CreateInteractionResponse::Pong),
        Interaction::Command(command) => command_reply(snapshot, policy, command),
        Interaction::Autocomplete(command) => Dispatch::Respond(autocomplete(snapshot, command)),
        Interaction::Component(component) => component_reply(snapshot, policy, component),
        _ => Dispatch::Respond(CreateInteractionResponse::Message(notice(
            "careerbot does not handle this kind of interaction.",
            true,
        ))),
    }
}

/// The member whose question cooldown `interaction` is subject to: the
/// invoker of a command that asks, unless they moderate.
pub fn cooldown_subject(policy: &Policy, interaction: &Interaction) -> Option<UserId> {
    let Interaction::Command(command) = interaction else {
        return None;
    };
    let asks = Command::from_name(&command.data.name).is_some_and(Command::asks);
    let moderator = is_moderator(&policy.moderator_roles, command.member.as_deref());
    (asks && !moderator).then_some(command.user.id)
}

fn interaction_kind(interaction: &Interaction) -> &'static str {
    match interaction {
        Interaction::Ping(_) => "ping",
        Interaction::Command(_) => "command",
        Interaction::Autocomplete(_) => "autocomplete",
        Interaction::Component(_) => "component",
        Interaction::Modal(_) => "modal",
        _ => "other",
    }
}

/// Send `message` now.
pub(crate) fn respond(message: CreateInteractionResponseMessage) -> Dispatch {
    Dispatch::Respond(CreateInteractionResponse::Message(message))
}

fn refuse(text: &str) -> Dispatch {
    respond(notice(text, true))
}

/// The reply to a command: careerbot's own, or a notice for one it does not
/// know.
fn command_reply(snapshot: &Snapshot, policy: &Policy, command: &CommandInteraction) -> Dispatch {
    let Some(known) = Command::from_name(&command.data.name) else {
        return refuse("I don't know that command. Try /help.");
    };
    let context = Context {
        snapshot,
        policy,
        moderator: is_moderator(&policy.moderator_roles, command.member.as_deref()),
    };
    known.run(&context, command)
}

/// The reply to a report request, from what the store gave: `None` when
/// insights are off, or the error that kept it from being read.
pub fn report_reply<E: std::fmt::Display>(
    request: &ReportRequest,
    engine: &Engine,
    read: Option<Result<ReportData, E>>,
) -> CreateInteractionResponse {
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
            reports::gaps_message(&gaps, request.page, request.asker)
        }
        Some(Ok(ReportData::Stats(stats))) => reports::stats_message(&stats),
    };
    if request.update {
        CreateInteractionResponse::UpdateMessage(message)
    } else {
        CreateInteractionResponse::Message(message)
    }
}

/// The reply to a 👍/👎 once recorded (`None` when insights are off).
pub fn rated(vote: Option<Vote>) -> CreateInteractionResponse {
    let text = match vote {
        Some(Vote::AlreadyCast) => "You already rated this answer; your first rating counts.",
        Some(Vote::Recorded) | None => "Thanks for the feedback!",
    };
    CreateInteractionResponse::Message(notice(text, true))
}

fn autocomplete(engine: &Engine, command: &CommandInteraction) -> CreateInteractionResponse {
    let Some(focused) = command.data.autocomplete() else {
        return CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
    };
    let typed = focused.value.trim().to_lowercase();
    let candidates = Command::from_name(&command.data.name)
        .map(|c| c.choices(engine, focused.name))
        .unwrap_or_default();
    let mut starts: Vec<&(String, String)> = Vec::new();
    let mut contains: Vec<&(String, String)> = Vec::new();
    for c in &candidates {
        let lower = c.0.to_lowercase();
        if typed.is_empty() || lower.starts_with(&typed) {
            starts.push(c);
        } else if lower.contains(&typed) {
            contains.push(c);
        }
    }
    let choices = starts
        .into_iter()
        .chain(contains)
        .take(limits::CHOICES)
        .map(|(name, value)| {
            AutocompleteChoice::new(fit(name, limits::CHOICE), fit(value, limits::CHOICE))
        })
        .collect();
    CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new().set_choices(choices))
}

/// The question an answer message was for, read back from its footer.
fn question_of(component: &ComponentInteraction) -> Option<String> {
    let footer = component
        .message
        .embeds
        .first()?
        .footer
        .as_ref()?
        .text
        .clone();
    let rest = footer.strip_prefix(render::QUESTION_PREFIX)?;
    let (question, _) = rest.rsplit_once(" · answer ")?;
    // A question cut to fit the footer ends with "…"; one the member typed keeps it.
    let cut = question.chars().count() == render::FOOTER_QUESTION;
    Some(
        if cut {
            question.trim_end_matches('…')
        } else {
            question
        }
        .to_string(),
    )
}

fn component_reply(
    snapshot: &Snapshot,
    policy: &Policy,
    component: &ComponentInteraction,
) -> Dispatch {
    let Ok(button) = component.data.custom_id.parse::<Button>() else {
        return refuse("That button is not one of mine.");
    };
    if component.user.id != button.asker() {
        return refuse("Only the person who asked can use these buttons.");
    }
    match button {
        Button::More { asker, page } => {
            let Some(question) = question_of(component) else {
                return refuse("I can't find the question of this answer any more.");
            };
            let answer = snapshot.ask_with(&question, render::MAX_PAGES);
            if !answer.answered || answer.passages.is_empty() {
                return refuse("No more answers for this question.");
            }
            let page = page.min(answer.passages.len() - 1);
            Dispatch::Respond(CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .embed(render::answer_embed(&answer, page))
                    .components(render::answer_buttons(&answer, page, asker))
                    .allowed_mentions(no_pings()),
            ))
        }
        Button::Rate {
            page, up, rated, ..
        } => rate(snapshot, component, page, up, rated.as_ref()),
        Button::Gaps { asker, page, days } => {
            // Only the moderator who asked can page, and only while still one.
            let moderator = is_moderator(&policy.moderator_roles, component.member.as_ref());
            if let Err(why) = may_moderate(component.guild_id, moderator) {
                return refuse(why);
            }
            Dispatch::Report(ReportRequest {
                report: Report::Gaps,
                guild: component.guild_id,
                days,
                page,
                asker,
                update: true,
            })
        }
    }
}

/// A 👍 (`up`) or 👎 on the passage the button names. The rating is of the
/// passage the member saw, looked up by its key, so nothing is re-answered;
/// a passage a reload removed is rated without it.
fn rate(
    snapshot: &Snapshot,
    component: &ComponentInteraction,
    page: usize,
    up: bool,
    rated: Option<&Rated>,
) -> Dispatch {
    let Some(question) = question_of(component) else {
        return refuse("I can't find the answer this rates any more.");
    };
    let passage = rated.and_then(|r| {
        let p = r.key.find(&snapshot.passages)?;
        let passage = PassageRef {
            id: p.id.clone(),
            article: p.article.clone(),
            section: p.section_label(),
        };
        Some((passage, r.score))
    });
    tracing::info!(
        rating = if up { "up" } else { "down" },
        page,
        passage = passage.as_ref().map(|(p, _)| p.id.as_str()),
        "answer rated"
    );
    Dispatch::Rate(Rating {
        guild: component.guild_id,
        user: component.user.id,
        message: component.message.id.to_string(),
        question,
        passage,
        up,
    })
}
