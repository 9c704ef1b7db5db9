//! One transport-agnostic entry point: a Discord [`Interaction`] in, what to
//! do about it out. Pure: no clock, store, lock or runtime. A reply that
//! needs the outside world is returned as a [`Dispatch`] naming it (record
//! an answer, read a report, record a rating, reload), and the transport
//! carries it out (`transport::serve_one`), then finishes the reply with
//! [`report_reply`](super::reply::report_reply) or
//! [`rated`](super::reply::rated).

use serenity::builder::{
    AutocompleteChoice, CreateAutocompleteResponse, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};
use serenity::model::application::{
    ActionRowComponent, ButtonKind, CommandInteraction, ComponentInteraction, Interaction,
    ModalInteraction,
};
use serenity::model::id::{ChannelId, MessageId, UserId};

use super::access::may_moderate;
use super::button::{Button, Owners, Posted, Rated};
use super::commands::{Command, Context};
use super::gap_form;
use super::invocation::Invocation;
use super::render::{self, fit, limits, no_pings, notice};
use super::reply::{refuse, Deletion, Dispatch, GapAnswer, Policy, Rating, Report, ReportRequest};
use crate::engine::Engine;
use crate::insights::PassageRef;
use crate::live::Snapshot;

/// Handles one interaction, resolved at the edge.
#[tracing::instrument(skip_all, fields(kind = invocation.kind.as_str()))]
pub fn dispatch(snapshot: &Snapshot, policy: &Policy, invocation: &Invocation<'_>) -> Dispatch {
    match invocation.interaction {
        Interaction::Ping(_) => Dispatch::Respond(CreateInteractionResponse::Pong),
        Interaction::Command(command) => command_reply(snapshot, policy, invocation, command),
        Interaction::Autocomplete(command) => {
            Dispatch::Respond(autocomplete(snapshot, invocation.command, command))
        }
        Interaction::Component(component) => {
            component_reply(snapshot, policy, invocation, component)
        }
        Interaction::Modal(modal) => modal_reply(invocation, modal),
        _ => Dispatch::Respond(CreateInteractionResponse::Message(notice(
            "careerbot does not handle this kind of interaction.",
            true,
        ))),
    }
}

/// The reply to a command: careerbot's own, or a notice for one it does not
/// know.
fn command_reply(
    snapshot: &Snapshot,
    policy: &Policy,
    invocation: &Invocation<'_>,
    command: &CommandInteraction,
) -> Dispatch {
    let Some(known) = invocation.command else {
        return refuse("I don't know that command. Try /help.");
    };
    let context = Context {
        snapshot,
        policy,
        moderator: invocation.moderator,
    };
    known.run(&context, command)
}

fn autocomplete(
    engine: &Engine,
    known: Option<Command>,
    command: &CommandInteraction,
) -> CreateInteractionResponse {
    let Some(focused) = command.data.autocomplete() else {
        return CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
    };
    let typed = focused.value.trim().to_lowercase();
    let candidates = known
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
    let footer = component.message.embeds.first()?.footer.as_ref()?;
    render::question_in_footer(&footer.text)
}

fn component_reply(
    snapshot: &Snapshot,
    policy: &Policy,
    invocation: &Invocation<'_>,
    component: &ComponentInteraction,
) -> Dispatch {
    let Some(button) = invocation.button.clone() else {
        return refuse("That button is not one of mine.");
    };
    let presser = component.user.id;
    let moderator = invocation.moderator;
    match button {
        Button::More { owners, page } => {
            if !owners.include(presser) {
                return refuse(
                    "Only the person who asked, or the member it was for, can page this answer.",
                );
            }
            more(snapshot, component, owners, page)
        }
        Button::Rate {
            asker,
            page,
            up,
            rated,
        } => rate_press(
            snapshot,
            policy,
            component,
            (asker, page, up),
            rated.as_ref(),
        ),
        Button::Delete { owners, posted } => {
            if !owners.include(presser) && !moderator {
                return refuse(
                    "Only the person who asked, or a moderator, can delete this answer.",
                );
            }
            tracing::info!(message = %component.message.id, "answer deleted on request");
            Dispatch::Delete(match posted {
                Posted::Interaction => Deletion::Original,
                Posted::Message => Deletion::Message {
                    channel: component.channel_id,
                    message: component.message.id,
                },
            })
        }
        Button::Topics { asker, page } if asker == presser => {
            Dispatch::Respond(CreateInteractionResponse::UpdateMessage(
                super::commands::topics_page(snapshot, page, asker),
            ))
        }
        // Only the moderator who asked can use a report's buttons, and
        // only while still one.
        Button::Gaps { asker, page, days } if asker == presser => {
            moderator_report(component, moderator, (Report::Gaps, days), (page, true))
        }
        Button::AnswerGap { asker, days, gap } if asker == presser => {
            let report = (Report::AnswerGap(gap), days);
            moderator_report(component, moderator, report, (0, false))
        }
        Button::SaveSolution {
            asker,
            days,
            thread,
            message,
        } if asker == presser => {
            let report = (Report::SaveSolution(thread, message), days);
            moderator_report(component, moderator, report, (0, false))
        }
        Button::Topics { .. }
        | Button::Gaps { .. }
        | Button::AnswerGap { .. }
        | Button::SaveSolution { .. } => refuse("Only the person who asked can use these buttons."),
    }
}

/// A 👍/👎 (Yes/No) press: a rating, which under careerbot's forum answer
/// is also the post's owner's say (a Yes tags the post solved, a No calls
/// the helpers); anyone else's Yes there is refused.
fn rate_press(
    snapshot: &Snapshot,
    policy: &Policy,
    component: &ComponentInteraction,
    (asker, page, up): (UserId, usize, bool),
    rated: Option<&Rated>,
) -> Dispatch {
    let prompt = on_forum_prompt(component, page);
    if prompt && up && asker != component.user.id {
        return refuse("Only the post's owner can say whether this answered their question.");
    }
    let mut dispatch = rate(snapshot, component, page, up, rated);
    if let Dispatch::Rate(rating) = &mut dispatch {
        rating.call_helpers = owner_says_no(policy, component, asker, page, up);
        rating.solved = (prompt && up).then_some(component.channel_id);
    }
    dispatch
}

/// A moderator report a button asks for (`report` over its days), on
/// `page` (replacing the message when `update`), for a presser who still
/// moderates (`moderator`) in a server.
fn moderator_report(
    component: &ComponentInteraction,
    moderator: bool,
    (report, days): (Report, u32),
    (page, update): (usize, bool),
) -> Dispatch {
    if let Err(why) = may_moderate(component.guild_id, moderator) {
        return refuse(why);
    }
    Dispatch::Report(ReportRequest {
        report,
        guild: component.guild_id,
        days,
        page,
        asker: component.user.id,
        update,
    })
}

/// The thread and careerbot's answer to call the helpers to, when a press
/// is the post's owner (`asker`) saying No to careerbot's forum answer
/// (on its first page: the passage the question was put under) and helper
/// roles are set.
fn owner_says_no(
    policy: &Policy,
    component: &ComponentInteraction,
    asker: UserId,
    page: usize,
    up: bool,
) -> Option<(ChannelId, MessageId)> {
    let says_no = !up
        && on_forum_prompt(component, page)
        && asker == component.user.id
        && !policy.helper_roles.is_empty();
    says_no.then_some((component.channel_id, component.message.id))
}

/// Whether a rating button is Yes or No under careerbot's forum answer
/// ("Did this answer your question?", on its first page): the post's
/// owner's say on whether careerbot answered it.
fn on_forum_prompt(component: &ComponentInteraction, page: usize) -> bool {
    page == 0 && component.message.content == super::messages::FORUM_PROMPT
}

/// "More answers": the next page, with the same controls the message had.
fn more(
    snapshot: &Snapshot,
    component: &ComponentInteraction,
    owners: Owners,
    page: usize,
) -> Dispatch {
    let Some(question) = question_of(component) else {
        return refuse("I can't find the question of this answer any more.");
    };
    let answer = snapshot.ask_with(&question, render::MAX_PAGES);
    if !answer.is_answered() || answer.passages().is_empty() {
        return refuse("No more answers for this question.");
    }
    let page = page.min(answer.passages().len() - 1);
    let controls = render::Controls {
        owners,
        delete: posted_of(component),
    };
    Dispatch::Respond(CreateInteractionResponse::UpdateMessage(
        CreateInteractionResponseMessage::new()
            .embed(render::answer_embed(&answer, page))
            .components(render::answer_buttons(&answer, page, controls))
            .allowed_mentions(no_pings()),
    ))
}

/// How the message a button is on was posted, read from its 🗑️ button:
/// `None` when it has none (a private answer).
fn posted_of(component: &ComponentInteraction) -> Option<Posted> {
    component
        .message
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            ActionRowComponent::Button(b) => match &b.data {
                ButtonKind::NonLink { custom_id, .. } => match custom_id.parse::<Button>() {
                    Ok(Button::Delete { posted, .. }) => Some(posted),
                    _ => None,
                },
                ButtonKind::Link { .. } | ButtonKind::Premium { .. } => None,
            },
            _ => None,
        })
}

/// A submitted form: the gap form, opened by "Answer this" or "Save as
/// answer". Moderators only, checked again here: a member may have lost the
/// role since it opened.
fn modal_reply(invocation: &Invocation<'_>, modal: &ModalInteraction) -> Dispatch {
    if !gap_form::is_form(&modal.data.custom_id) {
        return refuse("That form is not one of mine.");
    }
    if let Err(why) = may_moderate(modal.guild_id, invocation.moderator) {
        return refuse(why);
    }
    match gap_form::read(modal) {
        Ok(answer) => Dispatch::AnswerGap {
            defer: CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
            answer: Box::new(GapAnswer {
                guild: modal.guild_id,
                moderator: modal.user.id,
                answer,
            }),
        },
        Err(why) => refuse(why),
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
        call_helpers: None,
        solved: None,
    })
}
