//! One transport-agnostic entry point: a Discord [`Interaction`] in, the
//! response out. The gateway bot posts the response; the HTTP interactions
//! endpoint returns it as the body. Slow work (`/reload`) is returned as a
//! job for the transport to run off the async runtime after deferring.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serenity::builder::{
    AutocompleteChoice, CreateAutocompleteResponse, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse,
};
use serenity::model::application::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, Interaction, ResolvedTarget,
};
use serenity::model::guild::Member;
use serenity::model::id::{GuildId, RoleId, UserId};
use serenity::model::permissions::Permissions;

use super::commands::{
    ASK, ASK_MESSAGE, COURSES, DEFAULT_DAYS, GAPS, HELP, MAX_DAYS, RELOAD, STATS, TOOLS, TOPICS,
};
use super::render::{self, escape, fit, limits, listing, no_pings, notice};
use super::reports;
use crate::config::Config;
use crate::engine::{Engine, EngineError};
use crate::expiring::Expiring;
use crate::insights::{self, report, PassageRef, Recorder, Vote};
use crate::knowledge::LoadError;
use crate::live::{Live, ReloadSummary, Snapshot};
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
    /// original response with [`reload_reply`].
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

fn respond(message: CreateInteractionResponseMessage) -> Dispatch {
    Dispatch::Respond(CreateInteractionResponse::Message(message))
}

/// The value of the command's option `name`, if given.
fn option<'a>(command: &'a CommandInteraction, name: &str) -> Option<&'a CommandDataOptionValue> {
    command
        .data
        .options
        .iter()
        .find(|o| o.name == name)
        .map(|o| &o.value)
}

fn string_option<'a>(command: &'a CommandInteraction, name: &str) -> Option<&'a str> {
    option(command, name).and_then(|value| match value {
        CommandDataOptionValue::String(s) => Some(s.as_str()),
        CommandDataOptionValue::Autocomplete { value, .. } => Some(value.as_str()),
        _ => None,
    })
}

fn bool_option(command: &CommandInteraction, name: &str) -> Option<bool> {
    option(command, name).and_then(CommandDataOptionValue::as_bool)
}

fn int_option(command: &CommandInteraction, name: &str) -> Option<i64> {
    option(command, name).and_then(CommandDataOptionValue::as_i64)
}

fn command_reply(engine: &Snapshot, settings: &Settings, command: &CommandInteraction) -> Dispatch {
    let asker = command.user.id;
    let name = command.data.name.as_str();
    let moderator = is_moderator(settings, command.member.as_deref());
    if matches!(name, ASK | ASK_MESSAGE) && !moderator {
        if let Err(left) = settings
            .cooldowns
            .try_ask(asker, settings.cooldown, Instant::now())
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
    match name {
        ASK => {
            let question = string_option(command, "question").unwrap_or("");
            let private = bool_option(command, "private").unwrap_or(settings.private_by_default);
            respond(ask(engine, settings, question, command, private))
        }
        ASK_MESSAGE => {
            let text = match command.data.target() {
                Some(ResolvedTarget::Message(message)) => message.content.clone(),
                _ => String::new(),
            };
            let answer = engine.ask_with(&text, render::MAX_PAGES);
            record(engine, settings, command, &answer);
            if !answer.answered {
                settings.metrics.unanswered();
                return respond(render::unanswered(&answer));
            }
            // Name the asker without pinging anyone (allowed_mentions is empty).
            respond(
                render::answer_message(&answer, 0, asker, false)
                    .content(format!("<@{asker}> asked careerbot about this message.")),
            )
        }
        TOOLS => respond(tools(engine, string_option(command, "category"))),
        COURSES => respond(courses(engine, string_option(command, "topic"))),
        TOPICS => respond(topics(engine)),
        HELP => respond(help()),
        RELOAD => match may_moderate(command.guild_id, moderator) {
            Ok(()) => Dispatch::Reload {
                defer: CreateInteractionResponse::Defer(
                    CreateInteractionResponseMessage::new().ephemeral(true),
                ),
            },
            Err(why) => respond(notice(why, true)),
        },
        GAPS | STATS => match may_moderate(command.guild_id, moderator) {
            Ok(()) => {
                let days = int_option(command, "days")
                    .and_then(|d| u32::try_from(d).ok())
                    .unwrap_or(DEFAULT_DAYS)
                    .clamp(1, MAX_DAYS);
                respond(report_reply(
                    engine,
                    settings,
                    name,
                    command.guild_id,
                    days,
                    0,
                    asker,
                ))
            }
            Err(why) => respond(notice(why, true)),
        },
        _ => respond(notice("I don't know that command. Try /help.", true)),
    }
}

/// The answer to a question as a message (or an ephemeral "I don't know").
fn ask(
    engine: &Snapshot,
    settings: &Settings,
    question: &str,
    command: &CommandInteraction,
    private: bool,
) -> CreateInteractionResponseMessage {
    let answer = engine.ask_with(question, render::MAX_PAGES);
    record(engine, settings, command, &answer);
    if !answer.answered {
        settings.metrics.unanswered();
        return render::unanswered(&answer);
    }
    render::answer_message(&answer, 0, command.user.id, private)
}

/// Queues the question for the insights store (never waits).
fn record(
    engine: &Snapshot,
    settings: &Settings,
    command: &CommandInteraction,
    answer: &crate::answer::Answer,
) {
    if let Some(insights) = &settings.insights {
        insights.question(
            command.guild_id.map(GuildId::get),
            command.user.id.get(),
            answer,
            engine.version,
        );
    }
}

/// `/gaps` or `/stats` (`name`) over the last `days` days of `guild`, at
/// `page`. Reading the store may wait on the disk, so on a multi-threaded
/// runtime the worker hands its other tasks over while it does.
fn report_reply(
    engine: &Engine,
    settings: &Settings,
    name: &str,
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
        if name == GAPS {
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

/// Whether a member may use a moderator command: in a server, and a
/// moderator (see [`is_moderator`]).
fn may_moderate(guild: Option<GuildId>, moderator: bool) -> Result<(), &'static str> {
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
/// permissions Discord computes for the channel), or with a moderator role.
fn is_moderator(settings: &Settings, member: Option<&Member>) -> bool {
    let Some(member) = member else {
        return false;
    };
    let permitted = member.permissions.is_some_and(|p| {
        p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR)
    });
    permitted
        || member
            .roles
            .iter()
            .any(|r| settings.moderator_roles.contains(r))
}

/// The reply that replaces the deferred `/reload` response.
pub fn reload_reply(result: &Result<ReloadSummary, EngineError>) -> EditInteractionResponse {
    let embed = match result {
        Ok(summary) => {
            let mut lines = vec![format!(
                "Now serving version {}: {} article(s), {} passage(s), {} tool(s), {} course(s). Took {} ms.",
                summary.version,
                summary.articles,
                summary.passages,
                summary.tools,
                summary.courses,
                summary.took.as_millis()
            )];
            if summary.unchanged {
                lines.push("The content is unchanged.".to_string());
            }
            if !summary.added.is_empty() {
                lines.push(format!("Added: {}", escape(&summary.added.join(", "))));
            }
            if !summary.removed.is_empty() {
                lines.push(format!("Removed: {}", escape(&summary.removed.join(", "))));
            }
            if summary.warnings > 0 {
                lines.push(format!(
                    "{} warning(s): run `careerbot check` to see them.",
                    summary.warnings
                ));
            }
            CreateEmbed::new()
                .colour(render::COLOUR)
                .title("Knowledge base reloaded")
                .description(fit(&lines.join("\n"), limits::DESCRIPTION))
        }
        Err(error) => {
            let problems = match error {
                EngineError::Knowledge(LoadError::Invalid(report)) => report
                    .problems
                    .iter()
                    .filter(|p| p.is_error())
                    .map(|p| {
                        format!(
                            "`{}:{}:{}` {}",
                            p.file,
                            p.line,
                            p.column,
                            escape(&p.message)
                        )
                    })
                    .collect::<Vec<_>>(),
                other => vec![escape(&other.to_string())],
            };
            CreateEmbed::new()
                .colour(0x00c5_3030)
                .title("Reload failed: still serving the previous knowledge")
                .description(fit(&problems.join("\n"), limits::DESCRIPTION))
        }
    };
    EditInteractionResponse::new()
        .embed(embed)
        .allowed_mentions(no_pings())
}

fn autocomplete(engine: &Engine, command: &CommandInteraction) -> CreateInteractionResponse {
    let Some(focused) = command.data.autocomplete() else {
        return CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
    };
    let typed = focused.value.trim().to_lowercase();
    // (shown name, value sent back): a tool category answers with its id, so a
    // long name cut for display still finds its category.
    let candidates: Vec<(String, String)> = match (command.data.name.as_str(), focused.name) {
        (ASK, "question") => engine
            .suggestible()
            .into_iter()
            .map(|t| (t.clone(), t))
            .collect(),
        (TOOLS, "category") => engine
            .knowledge
            .tools
            .iter()
            .map(|c| (c.name.clone(), c.id.clone()))
            .collect(),
        (COURSES, "topic") => {
            let mut topics: Vec<String> = engine
                .knowledge
                .courses
                .iter()
                .flat_map(|c| c.topics.iter().cloned())
                .collect();
            topics.sort();
            topics.dedup();
            topics.into_iter().map(|t| (t.clone(), t)).collect()
        }
        _ => Vec::new(),
    };
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

fn tools(engine: &Engine, category: Option<&str>) -> CreateInteractionResponseMessage {
    let categories = &engine.knowledge.tools;
    if categories.is_empty() {
        return notice("This knowledge base has no tool lists.", true);
    }
    let wanted = category
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty());
    let chosen: Vec<_> = match &wanted {
        None => categories.iter().collect(),
        Some(w) => categories
            .iter()
            .filter(|c| {
                c.id == *w
                    || c.name.to_lowercase() == *w
                    || c.keywords.iter().any(|k| k.to_lowercase() == *w)
            })
            .collect(),
    };
    if chosen.is_empty() {
        let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
        return notice(
            &escape_text(&format!(
                "No tool category like that. Try one of: {}.",
                names.join(", ")
            )),
            true,
        );
    }
    let groups: Vec<(String, String)> = chosen
        .iter()
        .map(|c| {
            let lines: Vec<String> = c
                .tools
                .iter()
                .map(|t| match &t.url {
                    Some(url) => format!("[{}]({url})", escape(&t.name)),
                    None => escape(&t.name),
                })
                .collect();
            (c.name.clone(), lines.join(" · "))
        })
        .collect();
    let title = if chosen.len() == 1 {
        chosen[0].name.clone()
    } else {
        "Tools".to_string()
    };
    let description = match (chosen.len(), chosen[0].description.as_deref()) {
        (1, Some(d)) => d.to_string(),
        _ => "Tools back-end developers use, by category.".to_string(),
    };
    CreateInteractionResponseMessage::new()
        .embed(listing(&title, &description, &groups))
        .allowed_mentions(no_pings())
}

fn escape_text(text: &str) -> String {
    render::escape_mentions(text)
}

fn courses(engine: &Engine, topic: Option<&str>) -> CreateInteractionResponseMessage {
    let all = &engine.knowledge.courses;
    if all.is_empty() {
        return notice("This knowledge base has no course pointers.", true);
    }
    let wanted = topic
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let matches = |c: &crate::knowledge::Course, w: &str| {
        c.title.to_lowercase().contains(w)
            || c.provider.to_lowercase().contains(w)
            || c.topics
                .iter()
                .any(|t| t.to_lowercase().contains(w) || w.contains(&t.to_lowercase()))
    };
    let chosen: Vec<_> = match &wanted {
        None => all.iter().collect(),
        Some(w) => all.iter().filter(|c| matches(c, w)).collect(),
    };
    let (chosen, description) = if chosen.is_empty() {
        (
            all.iter().collect(),
            "No course matches that topic; here are all of them.".to_string(),
        )
    } else {
        (
            chosen,
            "Course pointers from the knowledge base.".to_string(),
        )
    };
    let groups: Vec<(String, String)> = chosen
        .iter()
        .map(|c| {
            let mut value = format!(
                "[{}]({}) — {}",
                escape(&c.title),
                c.url,
                escape(&c.provider)
            );
            if let Some(d) = &c.description {
                value.push('\n');
                value.push_str(&escape(d));
            }
            (c.title.clone(), value)
        })
        .collect();
    CreateInteractionResponseMessage::new()
        .embed(listing("Courses", &description, &groups))
        .allowed_mentions(no_pings())
}

fn topics(engine: &Engine) -> CreateInteractionResponseMessage {
    let groups: Vec<(String, String)> = engine
        .outline()
        .into_iter()
        .map(|(article, sections)| {
            let value = if sections.is_empty() {
                "(one section)".to_string()
            } else {
                sections
                    .iter()
                    .map(|s| format!("• {}", escape(s)))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (article, value)
        })
        .collect();
    CreateInteractionResponseMessage::new()
        .embed(listing(
            "What I know about",
            "Ask with /ask about any of these.",
            &groups,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
}

fn help() -> CreateInteractionResponseMessage {
    let groups = vec![
        ("/ask question".to_string(), "Answers a career question with the best passage, tool lists and courses. Add private:true to see it alone. \"More answers\" pages through other passages.".to_string()),
        ("/tools [category]".to_string(), "Lists tools by category (languages, frameworks, databases, servers).".to_string()),
        ("/courses [topic]".to_string(), "Gives course pointers with provider and link.".to_string()),
        ("/topics".to_string(), "Shows the articles and sections I know.".to_string()),
        ("Ask careerbot (message menu)".to_string(), "Right-click a message, Apps, Ask careerbot: I answer it as a question.".to_string()),
        ("/reload".to_string(), "Moderators: reload the knowledge base without downtime.".to_string()),
    ];
    CreateInteractionResponseMessage::new()
        .embed(listing(
            "careerbot",
            "I answer career questions from this server's knowledge base.",
            &groups,
        ))
        .allowed_mentions(no_pings())
        .ephemeral(true)
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
            let moderator = is_moderator(settings, component.member.as_ref());
            if let Err(why) = may_moderate(component.guild_id, moderator) {
                return CreateInteractionResponse::Message(notice(why, true));
            }
            let days = extra
                .and_then(|d| d.parse::<u32>().ok())
                .unwrap_or(DEFAULT_DAYS)
                .clamp(1, MAX_DAYS);
            CreateInteractionResponse::UpdateMessage(report_reply(
                engine,
                settings,
                GAPS,
                component.guild_id,
                days,
                page,
                asker,
            ))
        }
        _ => CreateInteractionResponse::Message(notice("That button is not one of mine.", true)),
    }
}
