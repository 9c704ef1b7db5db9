//! The one interaction path both transports share: [`serve_one`] waits for
//! a slot under the in-flight bound, applies the question cooldown, runs
//! the pure [`dispatch`], carries out what it asks for (recording answers
//! and ratings, reading reports), counts the interaction, and returns the
//! response with any follow-up. The runtime state it needs (the semaphore,
//! the cooldowns, the insights recorder and its thread) lives in
//! [`Settings`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serenity::builder::CreateInteractionResponse;
use serenity::model::id::{ChannelId, GuildId, MessageId, UserId};

use super::expiring::Expiring;
use super::metrics::Metrics;
use crate::answer::Answer;
use crate::config::Config;
use crate::discord::dispatch::dispatch;
use crate::discord::gap_form::Starter;
use crate::discord::invocation::Invocation;
use crate::discord::reply::{
    busy, rated, report_reply, slow_down, Chart, Deletion, Dispatch, GapAnswer, Policy, Rating,
    Report, ReportData, ReportRequest, Solution,
};
use crate::insights::{self, report, Recorder};
use crate::live::{Live, Snapshot};

/// How long an interaction waits for a free slot before it gets [`busy`]
/// (Discord allows 3 seconds in all).
pub const IN_FLIGHT_WAIT: Duration = Duration::from_millis(1500);

/// What serving needs besides the knowledge: the policy dispatch answers
/// with, and the runtime state both transports share. Clones share the
/// state.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Moderator roles and privacy default.
    pub policy: Policy,
    /// Per-user pause between questions; zero turns it off. Moderators are
    /// exempt.
    pub cooldown: Duration,
    /// When each member last asked.
    pub cooldowns: Arc<Cooldowns>,
    /// What is counted for operators.
    pub metrics: Arc<Metrics>,
    /// Interactions handled at once, across all members; more wait briefly,
    /// then get [`busy`].
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Where questions, ratings and reloads are recorded for `/gaps` and
    /// `/stats`; `None` when insights are off.
    pub insights: Option<Arc<Recorder>>,
    /// The help-forum threads whose helpers were called.
    pub helper_calls: Arc<HelperCalls>,
    /// The forum tag that marks a post solved.
    pub solved_tag: String,
}

impl Default for Settings {
    /// No moderator roles, public answers, no cooldown, the default bound
    /// on interactions in flight, no insights.
    fn default() -> Self {
        Settings {
            policy: Policy::default(),
            cooldown: Duration::ZERO,
            cooldowns: Arc::default(),
            metrics: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(
                crate::config::DEFAULT_MAX_IN_FLIGHT,
            )),
            insights: None,
            helper_calls: Arc::default(),
            solved_tag: "Solved".to_string(),
        }
    }
}

impl Settings {
    /// The settings a transport serves with, from the resolved config,
    /// without insights (see [`Settings::with_insights`]).
    pub fn from_config(config: &Config) -> Self {
        let serving = &config.serving;
        Settings {
            policy: serving.policy.clone(),
            cooldown: serving.cooldown,
            solved_tag: serving.solved_tag.clone(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(serving.max_in_flight.max(1))),
            ..Settings::default()
        }
    }

    /// These settings, recording to the insights store the config names
    /// (when `insights` is on), counted in these settings' metrics.
    ///
    /// # Errors
    /// When the store cannot be opened.
    pub fn with_insights(mut self, config: &Config) -> Result<Self, insights::StoreError> {
        if config.insights.enabled {
            let options = config.insights.options.clone();
            self.insights = Some(Recorder::start(options, self.metrics.insights())?);
        }
        Ok(self)
    }

    /// Records a question `user` asked in `guild` and its `answer` (from
    /// knowledge `version`) for `/gaps` and `/stats`, and counts it when
    /// unanswered.
    pub fn asked(&self, guild: Option<u64>, user: u64, answer: &Answer, version: u64) {
        if let Some(insights) = &self.insights {
            insights.question(guild, user, answer, version);
        }
        if !answer.is_answered() {
            self.metrics.unanswered();
        }
        self.metrics.ranked(answer.ranking());
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

/// How long a thread whose helpers were called is remembered, so they are
/// called once: longer than a help-forum post usually stays open.
const HELPER_CALL_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often one member's posts may call the helpers: opening post after
/// post must not ping the helper roles again and again.
pub const HELPER_CALLS_PER_MEMBER: Duration = Duration::from_secs(30 * 60);

/// The help-forum threads whose helpers were called, each remembered for
/// [`HELPER_CALL_KEPT`], and the members whose posts called them, for
/// [`HELPER_CALLS_PER_MEMBER`] (in this process; bounded by the calls made
/// in those times, pruned as they expire).
#[derive(Debug, Default)]
pub struct HelperCalls {
    called: Mutex<Expiring<ChannelId>>,
    owners: Mutex<Expiring<UserId>>,
}

impl HelperCalls {
    /// Whether the helpers may be called to `thread`, opened by `owner`, at
    /// `now`: not called to it before, nor for this owner lately. If so,
    /// both are remembered.
    pub fn first(&self, thread: ChannelId, owner: UserId, now: Instant) -> bool {
        let mut called = self.called.lock().unwrap_or_else(|p| p.into_inner());
        if called.accept(thread, HELPER_CALL_KEPT, now).is_err() {
            return false;
        }
        let mut owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        if owners.accept(owner, HELPER_CALLS_PER_MEMBER, now).is_err() {
            called.forget(&thread);
            return false;
        }
        true
    }

    /// Forgets a call that could not be made, so a later one can be.
    pub fn failed(&self, thread: ChannelId, owner: UserId) {
        self.called
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .forget(&thread);
        self.owners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .forget(&owner);
    }
}

/// The helpers' call to make after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelperCall {
    /// The post's thread.
    pub thread: ChannelId,
    /// Its owner.
    pub owner: UserId,
    /// careerbot's forum answer the owner said No to, changed once the call
    /// is made so that no later press calls again, in any process.
    pub answer: Option<MessageId>,
}

/// What follows the response, on either transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    /// `/reload`: reload off the runtime, then edit the deferred response.
    Reload,
    /// 🗑️: delete the answer.
    Delete(Deletion),
    /// A submitted gap form: write the answer, reload, then edit the
    /// deferred response.
    AnswerGap(Box<GapAnswer>),
    /// The post's owner said No to careerbot's forum answer: post the
    /// helpers' call in its thread.
    CallHelpers(HelperCall),
    /// "Mark solution": check, tag, say so, then edit the deferred response.
    MarkSolution(Box<Solution>),
    /// `/stats` was sent: attach its chart.
    Chart(Box<Chart>),
    /// The post's owner said Yes to careerbot's forum answer: tag the post
    /// solved (checked again against the thread's owner).
    TagSolved {
        /// The post's thread.
        thread: ChannelId,
        /// Who said Yes.
        owner: UserId,
    },
}

/// The result of serving one interaction.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What to send Discord now.
    pub response: CreateInteractionResponse,
    /// What to do once it is sent.
    pub follow_up: Option<FollowUp>,
    /// A thread's first message to read into the response first
    /// ([`read_starter`](super::solution::read_starter)).
    pub starter: Option<Box<Starter>>,
}

impl Outcome {
    /// Send `response`, then do `follow_up`.
    fn then(response: CreateInteractionResponse, follow_up: Option<FollowUp>) -> Self {
        Outcome {
            response,
            follow_up,
            starter: None,
        }
    }
}

/// Serves one interaction: waits up to [`IN_FLIGHT_WAIT`] for a slot
/// (else [`busy`], counted as rejected), then [`serve_now`], counted with
/// the time since `started`.
pub async fn serve_one(
    live: &Live,
    settings: &Settings,
    invocation: &Invocation<'_>,
    started: Instant,
) -> Outcome {
    let Some(_slot) = slot(settings, "answering busy").await else {
        return Outcome::then(busy(), None);
    };
    let outcome = serve_now_handing_over(live, settings, invocation);
    settings.metrics.invoked(invocation, started.elapsed());
    outcome
}

/// [`serve_now`], handing the worker's other tasks over first when the
/// model may run: only the model is worth it.
pub fn serve_now_handing_over(
    live: &Live,
    settings: &Settings,
    invocation: &Invocation<'_>,
) -> Outcome {
    if live.current().semantic_model().is_some() {
        off_the_runtime(|| serve_now(live, settings, invocation))
    } else {
        serve_now(live, settings, invocation)
    }
}

/// Runs blocking work (the model embedding a question, a store read): on
/// a multi-threaded runtime the worker hands its other tasks to the others
/// first, so the async workers never wait on it; the model itself is
/// bounded to one run per core (`engine::Stage`), behind the in-flight
/// bound.
pub fn off_the_runtime<T>(work: impl FnOnce() -> T) -> T {
    let multi_threaded = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_threaded {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// A slot under the in-flight bound, waiting up to [`IN_FLIGHT_WAIT`];
/// `None` (logged with `then`, and counted as rejected) when none came free.
pub async fn slot<'a>(
    settings: &'a Settings,
    then: &str,
) -> Option<tokio::sync::SemaphorePermit<'a>> {
    match tokio::time::timeout(IN_FLIGHT_WAIT, settings.in_flight.acquire()).await {
        Ok(Ok(slot)) => Some(slot),
        _ => {
            tracing::warn!("at the concurrency bound: {then}");
            settings.metrics.rejected("busy");
            None
        }
    }
}

/// Serves one interaction without waiting for a slot or counting it: the
/// cooldown, [`dispatch`], and what it asks for. Reading a report may wait
/// on the disk, so on a multi-threaded runtime the worker hands its other
/// tasks over while it does.
pub fn serve_now(live: &Live, settings: &Settings, invocation: &Invocation<'_>) -> Outcome {
    let respond = |response| Outcome::then(response, None);
    if let Some(user) = invocation.cooldown_subject() {
        if let Err(left) = settings
            .cooldowns
            .try_ask(user, settings.cooldown, Instant::now())
        {
            return respond(slow_down(left));
        }
    }
    let snapshot = live.current();
    match dispatch(&snapshot, &settings.policy, invocation) {
        Dispatch::Respond(response) => respond(response),
        Dispatch::Answered { response, answer } => {
            let guild = invocation.guild.map(GuildId::get);
            let user = invocation.user.map_or(0, UserId::get);
            settings.asked(guild, user, &answer, snapshot.version);
            respond(response)
        }
        Dispatch::Reload { defer } => Outcome::then(defer, Some(FollowUp::Reload)),
        Dispatch::Report(request) => {
            let (response, chart) = report(&snapshot, settings, &request);
            Outcome::then(response, chart.map(|c| FollowUp::Chart(Box::new(c))))
        }
        Dispatch::Rate(rating) => {
            let vote = record_rating(settings, &rating);
            let call = rating.call_helpers.filter(|(thread, _)| {
                settings
                    .helper_calls
                    .first(*thread, rating.user, Instant::now())
            });
            let call = call.map(|(thread, answer)| {
                FollowUp::CallHelpers(HelperCall {
                    thread,
                    owner: rating.user,
                    answer: Some(answer),
                })
            });
            // The same Yes again tags nothing again.
            let again = vote == Some(insights::Vote::Unchanged);
            let solved = rating
                .solved
                .filter(|_| !again)
                .map(|thread| FollowUp::TagSolved {
                    thread,
                    owner: rating.user,
                });
            Outcome::then(rated(vote, rating.solved.is_some()), call.or(solved))
        }
        Dispatch::Delete(deletion) => Outcome::then(
            CreateInteractionResponse::Acknowledge,
            Some(FollowUp::Delete(deletion)),
        ),
        Dispatch::AnswerGap { defer, answer } => {
            Outcome::then(defer, Some(FollowUp::AnswerGap(answer)))
        }
        Dispatch::MarkSolution { defer, solution } => {
            Outcome::then(defer, Some(FollowUp::MarkSolution(solution)))
        }
        Dispatch::SaveForm { form, starter } => Outcome {
            response: form,
            follow_up: None,
            starter,
        },
    }
}

fn report(
    snapshot: &Snapshot,
    settings: &Settings,
    request: &ReportRequest,
) -> (CreateInteractionResponse, Option<Chart>) {
    let read = settings.insights.as_ref().map(|insights| {
        let now = insights::unix_now();
        let guild = request.guild.map(GuildId::get);
        let days = request.days;
        let read = || match request.report {
            Report::Gaps | Report::AnswerGap(_) => insights
                .read(|store| report::gaps(store, now, days, guild))
                .map(ReportData::Gaps),
            Report::SaveSolution(thread, _) => insights
                .read(|store| store.waiting_solution(report::since(now, days), guild, thread.get()))
                .map(ReportData::Solution),
            Report::Stats => insights
                .read(|store| report::stats(store, now, days, guild))
                .map(ReportData::Stats),
        };
        off_the_runtime(read)
    });
    // Finding the closest passages and the answered groups searches the
    // knowledge: off the async workers too.
    off_the_runtime(|| report_reply(request, snapshot, read))
}

fn record_rating(settings: &Settings, rating: &Rating) -> Option<insights::Vote> {
    settings.insights.as_ref().map(|insights| {
        insights.rate(
            rating.guild.map(GuildId::get),
            rating.user.get(),
            &rating.message,
            &rating.question,
            rating.passage.clone(),
            rating.up,
        )
    })
}
