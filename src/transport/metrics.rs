//! Counters and histograms for operators, in the OpenMetrics text format
//! that Prometheus scrapes
//! (`GET /metrics` on the HTTP endpoint). Label values come from fixed sets
//! (interaction kinds, careerbot's own command names), never from user
//! input, so a flood of odd payloads cannot grow the series without bound.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::discord::invocation::{self, Invocation};

/// What kind of interaction arrived.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Kind {
    /// Discord's endpoint check.
    ping,
    /// A slash or context-menu command.
    command,
    /// Autocomplete of a command option.
    autocomplete,
    /// A button press.
    component,
    /// A modal submission.
    modal,
    /// A message that mentions careerbot (gateway only).
    mention,
    /// A new post in a watched forum (gateway only).
    forum,
    /// Anything else.
    other,
}

/// Labels of `careerbot_interactions_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InteractionLabels {
    kind: Kind,
    command: &'static str,
}

/// Labels of `careerbot_interaction_duration_seconds`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: Kind,
}

/// Labels of `careerbot_reloads_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    cause: &'static str,
    result: &'static str,
}

/// Labels of `careerbot_answers_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RankingLabel {
    ranking: &'static str,
}

/// Labels of `careerbot_http_rejected_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectLabel {
    reason: &'static str,
}

/// Everything careerbot counts. Cheap to update from any thread.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    interactions: Family<InteractionLabels, Counter>,
    latency: Family<KindLabel, Histogram>,
    reloads: Family<ReloadLabels, Counter>,
    unanswered: Counter,
    answers: Family<RankingLabel, Counter>,
    rejected: Family<RejectLabel, Counter>,
    version: Gauge,
    passages: Gauge,
    insights: crate::insights::Counters,
}

/// Latency buckets, in seconds: 50 µs to 2.5 s (Discord's deadline is 3 s).
const BUCKETS: [f64; 13] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 2.5,
];

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The insights writer's counters, registered.
fn register_insights(registry: &mut Registry) -> crate::insights::Counters {
    let insights = crate::insights::Counters::default();
    registry.register(
        "insights_committed",
        "Insight records (questions, ratings, reloads) committed to the store",
        insights.committed.clone(),
    );
    registry.register(
        "insights_dropped",
        "Insight records lost because the queue was full or the store failed",
        insights.dropped.clone(),
    );
    insights
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("careerbot");
        let interactions = Family::<InteractionLabels, Counter>::default();
        let latency = Family::<KindLabel, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        let unanswered = Counter::default();
        let answers = Family::<RankingLabel, Counter>::default();
        let rejected = Family::<RejectLabel, Counter>::default();
        let version = Gauge::default();
        let passages = Gauge::default();
        registry.register(
            "interactions",
            "Interactions handled, by kind and command",
            interactions.clone(),
        );
        registry.register(
            "interaction_duration_seconds",
            "Time from an interaction's arrival to its response being ready",
            latency.clone(),
        );
        registry.register(
            "reloads",
            "Knowledge reloads, by cause and result",
            reloads.clone(),
        );
        registry.register(
            "unanswered_questions",
            "Questions declined as outside the knowledge base",
            unanswered.clone(),
        );
        registry.register(
            "answers",
            "Questions answered or declined, by ranking: hybrid (words and meaning) or lexical (words only: semantic off, or the passages not yet embedded)",
            answers.clone(),
        );
        registry.register(
            "http_rejected",
            "HTTP requests refused before dispatch, by reason",
            rejected.clone(),
        );
        registry.register(
            "knowledge_version",
            "Version of the knowledge snapshot being served",
            version.clone(),
        );
        registry.register(
            "knowledge_passages",
            "Passages in the knowledge snapshot being served",
            passages.clone(),
        );
        registry.register(
            "build",
            "The careerbot build serving",
            prometheus_client::metrics::info::Info::new(vec![(
                "version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            )]),
        );
        let insights = register_insights(&mut registry);
        Metrics {
            insights,
            registry,
            interactions,
            latency,
            reloads,
            unanswered,
            answers,
            rejected,
            version,
            passages,
        }
    }
}

impl From<invocation::Kind> for Kind {
    fn from(kind: invocation::Kind) -> Self {
        match kind {
            invocation::Kind::Ping => Kind::ping,
            invocation::Kind::Command => Kind::command,
            invocation::Kind::Autocomplete => Kind::autocomplete,
            invocation::Kind::Component => Kind::component,
            invocation::Kind::Modal => Kind::modal,
            invocation::Kind::Other => Kind::other,
        }
    }
}

impl Metrics {
    /// Counts one handled interaction, by its kind and label, and how long
    /// it took.
    pub fn invoked(&self, invocation: &Invocation<'_>, took: std::time::Duration) {
        self.interaction(invocation.kind.into(), invocation.label(), took);
    }

    /// Counts one handled interaction and how long it took.
    pub fn interaction(&self, kind: Kind, command: &'static str, took: std::time::Duration) {
        self.interactions
            .get_or_create(&InteractionLabels { kind, command })
            .inc();
        self.latency
            .get_or_create(&KindLabel { kind })
            .observe(took.as_secs_f64());
    }

    /// Counts a question declined as out of scope.
    pub fn unanswered(&self) {
        self.unanswered.inc();
    }

    /// Counts a question by how it was ranked.
    pub fn ranked(&self, ranking: crate::answer::Ranking) {
        let ranking = match ranking {
            crate::answer::Ranking::Hybrid => "hybrid",
            crate::answer::Ranking::Lexical => "lexical",
        };
        self.answers.get_or_create(&RankingLabel { ranking }).inc();
    }

    /// Counts a reload and its result.
    pub fn reload(&self, cause: &'static str, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads
            .get_or_create(&ReloadLabels { cause, result })
            .inc();
    }

    /// Counts an HTTP request refused before dispatch.
    pub fn rejected(&self, reason: &'static str) {
        self.rejected.get_or_create(&RejectLabel { reason }).inc();
    }

    /// Records which knowledge snapshot is being served.
    pub fn serving(&self, version: u64, passages: usize) {
        self.version.set(i64::try_from(version).unwrap_or(i64::MAX));
        self.passages
            .set(i64::try_from(passages).unwrap_or(i64::MAX));
    }

    /// The counters the insights recorder updates.
    pub fn insights(&self) -> crate::insights::Counters {
        self.insights.clone()
    }

    /// Everything, in the OpenMetrics text format (ending in `# EOF`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::commands::Command;

    #[test]
    fn every_command_is_counted_under_its_own_label() {
        let metrics = Metrics::default();
        for command in Command::ALL {
            metrics.interaction(
                Kind::command,
                command.label(),
                std::time::Duration::from_millis(1),
            );
        }
        let text = metrics.render();
        for command in Command::ALL {
            let series = format!(
                "careerbot_interactions_total{{kind=\"command\",command=\"{}\"}} 1",
                command.label()
            );
            assert!(text.contains(&series), "{series} in\n{text}");
        }
    }
}
