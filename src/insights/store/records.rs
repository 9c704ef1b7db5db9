//! The records of the insights store, as they are written and read: a
//! question with its outcome and passages, a rating, a reload; and what a
//! write or a pruning did. The SQL that keeps them is in the store.

use serde::Serialize;

use super::solutions::{SavedRecord, SolutionRecord};

/// How a question was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered, and the best passage holds the whole question.
    Answered,
    /// Answered, but the best passage holds only part of the question.
    LowConfidence,
    /// Declined as outside the knowledge base.
    Declined,
    /// There was no question in the text.
    Empty,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::LowConfidence => "low_confidence",
            Outcome::Declined => "declined",
            Outcome::Empty => "empty",
        }
    }

    pub(super) fn parse(s: &str) -> Outcome {
        match s {
            "answered" => Outcome::Answered,
            "low_confidence" => Outcome::LowConfidence,
            "declined" => Outcome::Declined,
            _ => Outcome::Empty,
        }
    }
}

/// The passage an answer led with (or a rating rated).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageRef {
    /// Stable passage id.
    pub id: String,
    /// Article title.
    pub article: String,
    /// Section label (may be empty).
    pub section: String,
}

/// One question a member asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionRecord {
    /// Unix time, seconds.
    pub at: i64,
    /// The server it was asked in (none in direct messages).
    pub guild: Option<u64>,
    /// The member, only when `insights_record_users` is on.
    pub user: Option<u64>,
    /// The question as asked.
    pub question: String,
    /// How it was handled.
    pub outcome: Outcome,
    /// The best passage, when answered.
    pub passage: Option<PassageRef>,
    /// The best passage's score (comparable within one answer only).
    pub score: Option<f32>,
    /// Share of the question's ideas the best passage holds, 0 to 1.
    pub confidence: Option<f32>,
    /// The knowledge version that answered.
    pub version: u64,
}

impl QuestionRecord {
    /// A question asked at `at` with `outcome`, and nothing else known:
    /// no guild, member, passage, score or confidence; version 1.
    pub fn new(at: i64, question: &str, outcome: Outcome) -> Self {
        QuestionRecord {
            at,
            guild: None,
            user: None,
            question: question.to_string(),
            outcome,
            passage: None,
            score: None,
            confidence: None,
            version: 1,
        }
    }
}

/// One 👍 or 👎 on an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingRecord {
    /// Unix time, seconds.
    pub at: i64,
    /// The server.
    pub guild: Option<u64>,
    /// The member, only when `insights_record_users` is on.
    pub user: Option<u64>,
    /// One member's vote on one answer, as a keyed hash that names neither:
    /// a second vote with the same key replaces the first.
    pub vote: String,
    /// The question of the rated answer.
    pub question: String,
    /// The rated passage.
    pub passage: Option<PassageRef>,
    /// The rated passage's score in its answer.
    pub score: Option<f32>,
    /// True for 👍.
    pub up: bool,
}

/// One knowledge reload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReloadRecord {
    /// Unix time, seconds.
    pub at: i64,
    /// What asked for it: `/reload`, `SIGHUP`, `watch`.
    pub cause: String,
    /// Whether the new knowledge is served.
    pub ok: bool,
    /// The version served afterwards.
    pub version: u64,
    /// How long it took, in milliseconds.
    pub took_ms: u64,
    /// Why it failed.
    pub error: Option<String>,
    /// Who asked for it, as a keyed hash of their user id (a gap answered
    /// from Discord); `None` for a signal or the watcher.
    pub who: Option<String>,
    /// What changed, when careerbot itself edited the knowledge.
    pub what: Option<String>,
}

/// Anything the store keeps.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A question.
    Question(QuestionRecord),
    /// A rating.
    Rating(RatingRecord),
    /// A reload.
    Reload(ReloadRecord),
    /// A solution marked in a help forum.
    Solution(SolutionRecord),
    /// A member's message saved as an answer.
    Saved(SavedRecord),
}

impl Record {
    /// When it happened (Unix seconds).
    pub fn at(&self) -> i64 {
        match self {
            Record::Question(q) => q.at,
            Record::Rating(r) => r.at,
            Record::Reload(r) => r.at,
            Record::Solution(s) => s.at,
            Record::Saved(s) => s.at,
        }
    }
}

/// What a batch write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Records stored.
    pub stored: usize,
    /// Ratings that repeated a vote already stored, unchanged.
    pub duplicate_votes: usize,
}

/// Records deleted by retention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Questions.
    pub questions: usize,
    /// Ratings.
    pub ratings: usize,
    /// Reloads.
    pub reloads: usize,
    /// Solutions marked.
    pub solutions: usize,
}
