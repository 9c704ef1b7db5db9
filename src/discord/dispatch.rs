//! One transport-agnostic entry point: a Discord [`Interaction`] in, the
//! response out. The gateway bot posts the response; the HTTP interactions
//! endpoint returns it as the body. Slow work (`/reload`) is returned as a
//! job for the transport to run off the async runtime after deferring.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serenity::builder::{
    AutocompleteChoice, CreateAutocompleteResponse, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};
use serenity::model::application::{CommandInteraction, ComponentInteraction, Interaction};
use serenity::model::id::{GuildId, RoleId, UserId};

use super::access::{is_moderator, may_moderate};
use super::commands::{Command, Context, DEFAULT_DAYS, MAX_DAYS};
use super::render::{self, fit, limits, no_pings, notice};
use super::reports;
use crate::config::Config;
use crate::engine::Engine;
use crate::expiring::Expiring;
use crate::insights::{self, report, PassageRef, Recorder, Vote};
use crate::live::{Live, Snapshot};
use crate::metrics::Metrics;

/// What dispatch needs to know besides the knowledge.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Roles whose members may reload, besides those with Manage Server.
    pub moderator_roles: Vec<RoleId>,
    /// Whether `/ask` answers privately unless asked otherwise.
    pub private_by_default: bool,
    /// Per-user pause between questions; zero turns it off. Moderators are
    /// exempt.
    pub cooldown: Duration,
    /// When each member last asked. Clones of these settings share it.
    pub cooldowns: Arc<Cooldowns>,
    /// What is counted for operators. Clones of these settings share it.
    pub metrics: Arc<Metrics>,
    /// Interactions handled at once, across all members; more wait briefly,
    /// then get [`busy`]. Clones of these settings share it.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Where questions, ratings and reloads are recorded for `/gaps` and
    /// `/stats`; `None` when insights are off.
    pub insights: Option<Arc<Recorder>>,
}

/// How long an interaction waits for a free slot before it gets [`busy`]
/// (Discord allows 3 seconds in all).
pub const IN_FLIGHT_WAIT: Duration = Duration::from_millis(1500);

/// The reply when the bot is at its concurrency bound: private, and
/// pinging nobody.
pub fn busy() -> CreateInteractionResponse {
    CreateInteractionResponse::Message(notice(
        "careerbot is very busy right now. Please ask again in a moment.",
        true,
    ))
}

impl Default for Settings {
    /// No moderator roles, public answers, no cooldown, the default bound
    /// on interactions in flight.
    fn default() -> Self {
        Settings {
            moderator_roles: Vec::new(),
            private_by_default: false,
            cooldown: Duration::ZERO,
            cooldowns: Arc::default(),
            metrics: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(
                crate::config::DEFAULT_MAX_IN_FLIGHT,
            )),
            insights: None,
        }
    }
}

impl Settings {
    /// The settings a transport serves with, from the resolved config,
    /// without insights (see [`Settings::with_insights`]).
    pub fn from_config(config: &Config) -> Self {
        Settings {
            moderator_roles: config.moderator_roles.clone(),
            private_by_default: config.private_by_default,
            cooldown: config.cooldown,
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
            ..Settings::default()
        }
    }

    /// These settings, recording to the insights store the config names
    /// (when `insights` is on), counted in these settings' metrics.
    ///
    /// # Errors
    /// When the store cannot be opened.
    pub fn with_insights(mut self, config: &Config) -> Result<Self, insights::StoreError> {
        if config.insights {
            let options = insights::Options {
                data_dir: config.data_dir.clone(),
                max_age: config.insights_max_age,
                record_users: config.insights_record_users,
                low_confidence: config.low_confidence,
            };
            self.insights = Some(Recorder::start(options, self.metrics.insights())?);
        }
        Ok(self)
    }

    /// Stores every insight recorded so far and stops recording (at shutdown).
    pub fn close_insights(&self) {
        if let Some(recorder) = &self.insights {
            recorder.close();
        }
    }
}

/// When each member last asked a question, for the per-user cooldown.
#[derive(Debug, Default)]
pub struct Cooldowns {
    asked: Mutex<Expiring<UserId>>,
}

impl Cooldowns {
    /// Whether `user` may ask at `now`; if so, their pause starts. If not,
    /// how long they still have to wait.
    ///
    /// # Errors
    /// The time left, when `user` asked less than `pause` ago.
    pub fn try_ask(&self, user: UserId, pause: Duration, now: Instant) -> Result<(), Duration> {
        if pause.is_zero() {
            return Ok(());
        }
        self.asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .accept(user, pause, now)
    }

    /// How many askers are remembered (for tests and diagnostics).
    pub fn remembered(&self) -> usize {
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// What the transport does with an interaction.
#[derive(Debug, Clone)]
pub enum Dispatch {
    /// Send this response now.
    Respond(CreateInteractionResponse),
    /// Send `defer` now, run [`Live::reload`] off the runtime, then edit the
    /// original response with [`reload_reply`](super::commands::reload_reply).
    Reload {
        /// The deferred response (type 5).
        defer: CreateInteractionResponse,
    },
}

impl Dispatch {
    /// The response to send at once.
    pub fn response(&self) -> &CreateInteractionResponse {
        match self {
            Dispatch::Respond(r) | Dispatch::Reload { defer: r } => r,
        }
    }
}

/// Handles one interaction.
#[tracing::instrument(skip_all, fields(kind = interaction_kind(interaction)))]
pub fn dispatch(live: &Live, settings: &Settings, interaction: &Interaction) -> Dispatch {
    let snapshot = live.current();
    match interaction {
        Interaction::Ping(_) => Dispatch::Respond(CreateInteractionResponse::Pong),
        Interaction::Command(command) => command_reply(&snapshot, settings, command),
        Interaction::Autocomplete(command) => Dispatch::Respond(autocomplete(&snapshot, command)),
        Interaction::Component(component) => {
            Dispatch::Respond(component_reply(&snapshot, settings, component))
        }
        _ => Dispatch::Respond(CreateInteractionResponse::Message(notice(
            "careerbot does not handle this kind of interaction.",
            true,
        ))),
    }
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

/// The reply to a command: careerbot's own, its cooldown checked for
/// members, or a notice for one it does not know.
fn command_reply(engine: &Snapshot, settings: &Settings, command: &CommandInteraction) -> Dispatch {
    let Some(known) = Command::from_name(&command.data.name) else {
        return respond(notice("I don't know that command. Try /help.", true));
    };
    let moderator = is_moderator(&settings.moderator_roles, command.member.as_deref());
    if known.asks() && !moderator {
        if let Err(left) =
            settings
                .cooldowns
                .try_ask(command.user.id, settings.cooldown, Instant::now())
        {
            return respond(notice(
                &format!(
                    "You're asking quickly. Try again in {} s.",
                    left.as_secs() + u64::from(left.subsec_nanos() > 0)
                ),
                true,
            ));
        }
    }
    let context = Context {
        snapshot: engine,
        settings,
        moderator,
    };
    known.run(&context, command)
}

/// Which moderator report to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// `/gaps`.
    Gaps,
    /// `/stats`.
    Stats,
}

/// The `report` over the last `days` days of `guild`, at `page`. Reading the store may wait on the disk, so on a multi-threaded
/// runtime the worker hands its other tasks over while it does.
pub(crate) fn report_reply(
    engine: &Engine,
    settings: &Settings,
    report: Report,
    guild: Option<GuildId>,
    days: u32,
    page: usize,
    asker: UserId,
) -> CreateInteractionResponseMessage {
    let Some(insights) = &settings.insights else {
        return notice(
            "Insights are turned off for this bot (`insights = false` in its config).",
            true,
        );
    };
    let now = insights::unix_now();
    // Each server's moderators see their own server's questions only.
    let guild = guild.map(GuildId::get);
    let build = || {
        if report == Report::Gaps {
            insights
                .read(|store| report::gaps(store, now, days, guild))
                .map(|mut gaps| {
                    let page = page.min(reports::gaps_pages(&gaps) - 1);
                    let shown = page * reports::GAPS_PER_PAGE..(page + 1) * reports::GAPS_PER_PAGE;
                    gaps.find_closest(shown, engine);
                    reports::gaps_message(&gaps, page, asker)
                })
        } else {
            insights
                .read(|store| report::stats(store, now, days, guild))
                .map(|stats| reports::stats_message(&stats))
        }
    };
    let multi_threaded = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let built = if multi_threaded {
        tokio::task::block_in_place(build)
    } else {
        build()
    };
    built.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read the insights store");
        notice(
            "I can't read the insights store right now; the bot's log says why.",
            true,
        )
        .embeds(Vec::new())
        .components(Vec::new())
    })
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

/// A 👍 (`up`) or 👎 on an answer, for the passage shown at `page`. Each
/// member rates each answer message once, whichever page they are on.
fn rate(
    engine: &Snapshot,
    settings: &Settings,
    component: &ComponentInteraction,
    up: bool,
    page: usize,
) -> CreateInteractionResponse {
    // The rated passage is the one shown on that page of the answer.
    let rated = question_of(component).and_then(|question| {
        let answer = engine.ask_with(&question, render::MAX_PAGES);
        let p = answer.passages.get(page)?;
        let passage = PassageRef {
            id: p.id.clone(),
            article: p.article.clone(),
            section: p.section.clone(),
        };
        Some((question, passage, p.score))
    });
    let Some((question, passage, score)) = rated else {
        return CreateInteractionResponse::Message(notice(
            "I can't find the answer this rates any more.",
            true,
        ));
    };
    let guild = component.guild_id.map(GuildId::get);
    tracing::info!(
        rating = if up { "up" } else { "down" },
        page,
        passage = passage.id.as_str(),
        guild,
        "answer rated"
    );
    let vote = settings.insights.as_ref().map(|insights| {
        insights.rate(
            guild,
            component.user.id.get(),
            &component.message.id.to_string(),
            &question,
            Some((passage, score)),
            up,
        )
    });
    let text = match vote {
        Some(Vote::AlreadyCast) => "You already rated this answer; your first rating counts.",
        Some(Vote::Recorded) | None => "Thanks for the feedback!",
    };
    CreateInteractionResponse::Message(notice(text, true))
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
    engine: &Snapshot,
    settings: &Settings,
    component: &ComponentInteraction,
) -> CreateInteractionResponse {
    let mut parts = component.data.custom_id.split(':');
    let (kind, asker, page, extra) = (parts.next(), parts.next(), parts.next(), parts.next());
    let asker = asker
        .and_then(|a| a.parse::<u64>().ok())
        .filter(|a| *a != 0)
        .map(UserId::new);
    let page = page.and_then(|p| p.parse::<usize>().ok());
    let (Some(kind), Some(asker), Some(page)) = (kind, asker, page) else {
        return CreateInteractionResponse::Message(notice("That button is not one of mine.", true));
    };
    if component.user.id != asker {
        return CreateInteractionResponse::Message(notice(
            "Only the person who asked can use these buttons.",
            true,
        ));
    }
    match kind {
        "more" => {
            let Some(question) = question_of(component) else {
                return CreateInteractionResponse::Message(notice(
                    "I can't find the question of this answer any more.",
                    true,
                ));
            };
            let answer = engine.ask_with(&question, render::MAX_PAGES);
            if !answer.answered || answer.passages.is_empty() {
                return CreateInteractionResponse::Message(notice(
                    "No more answers for this question.",
                    true,
                ));
            }
            let page = page.min(answer.passages.len() - 1);
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .embed(render::answer_embed(&answer, page))
                    .components(render::answer_buttons(&answer, page, asker))
                    .allowed_mentions(no_pings()),
            )
        }
        "rate-up" | "rate-down" => rate(engine, settings, component, kind == "rate-up", page),
        reports::GAPS_BUTTON => {
            // Only the moderator who asked can page, and only while still one.
            let moderator = is_moderator(&settings.moderator_roles, component.member.as_ref());
            if let Err(why) = may_moderate(component.guild_id, moderator) {
                return CreateInteractionResponse::Message(notice(why, true));
            }
            let days = extra
                .and_then(|d| d.parse::<u32>().ok())
                .map_or(DEFAULT_DAYS, |d| d.clamp(1, MAX_DAYS));
            CreateInteractionResponse::UpdateMessage(report_reply(
                engine,
                settings,
                Report::Gaps,
                component.guild_id,
                days,
                page,
                asker,
            ))
        }
        _ => CreateInteractionResponse::Message(notice("That button is not one of mine.", true)),
    }
}
