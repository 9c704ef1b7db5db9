//! Layer 5, pure: question + hits + catalogs -> [`Answer`]. Picks and
//! deduplicates passages, highlights matched terms, and adds the tool lists
//! and course pointers the question asks for. No Discord types, no I/O.

mod catalog;
mod compose;
mod hybrid;
mod profiles;

use serde::Serialize;

pub use catalog::{Catalog, Topic};
pub use compose::{choose, compose, Choice, Context};
pub use hybrid::{settled, Blended, Contribution, Scope, Semantic};
pub use profiles::{highlight, Form, Profiles};

/// Passages shown by default.
pub const DEFAULT_PASSAGES: usize = 3;
/// Passages scoring below this share of the best one are not shown.
pub(crate) const MIN_SHARE_OF_BEST: f32 = 0.3;
/// Boost of an article's opening passages for questions about its subject.
pub(crate) const SUBJECT_PRIOR: f32 = 1.5;
/// Near-duplicate passages (shared stems) are shown once.
pub(crate) const DUPLICATE_OVERLAP: f64 = 0.8;

/// How an answer's passages were ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ranking {
    /// By the words alone: the semantic stage is off, not ready, or was
    /// not needed.
    #[default]
    Lexical,
    /// By the words and the meaning.
    Hybrid,
}

/// Why an answer has or has no passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Passages found.
    Answered,
    /// The question is about something the knowledge base does not hold.
    OutOfScope,
    /// There was no question in the text.
    Empty,
}

/// What careerbot says to a question: passages that answer it, or why
/// there are none. A declined answer has no passages, tools or courses by
/// construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Passages answer it.
    Answered(Answered),
    /// The question is about something the knowledge base does not hold.
    OutOfScope(Declined),
    /// There was no question in the text.
    Empty(Declined),
}

/// An answer with passages.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The question as asked.
    pub question: String,
    /// How its passages were ranked.
    pub ranking: Ranking,
    /// Share of the question's ideas the best passage holds, from 0 to 1.
    /// Unlike scores, comparable across questions. For an answer found by
    /// meaning alone (the words declined it), the best passage's cosine
    /// similarity with the question, which is below the share a passage
    /// the words found would hold: such answers count as low confidence.
    pub confidence: f32,
    /// Best passages first (at least one).
    pub passages: Vec<AnswerPassage>,
    /// Tool lists the question asks about.
    pub tools: Vec<ToolList>,
    /// Course pointers the question asks for.
    pub courses: Vec<CoursePointer>,
    /// Words of the question that matched, as typed.
    pub terms: Vec<String>,
    /// Typos corrected, as (typed, corrected).
    pub corrections: Vec<(String, String)>,
}

/// A question careerbot does not answer, and what to tell the member.
#[derive(Debug, Clone, PartialEq)]
pub struct Declined {
    /// The question as asked.
    pub question: String,
    /// How the decision was reached.
    pub ranking: Ranking,
    /// A sentence for the member.
    pub message: String,
    /// Topics to try.
    pub suggestions: Vec<String>,
    /// Typos corrected, as (typed, corrected).
    pub corrections: Vec<(String, String)>,
}

impl Answer {
    /// Why it has or has no passages.
    pub fn status(&self) -> Status {
        match self {
            Answer::Answered(_) => Status::Answered,
            Answer::OutOfScope(_) => Status::OutOfScope,
            Answer::Empty(_) => Status::Empty,
        }
    }

    /// Whether passages answer the question.
    pub fn is_answered(&self) -> bool {
        matches!(self, Answer::Answered(_))
    }

    /// The passages, if answered.
    pub fn answered(&self) -> Option<&Answered> {
        match self {
            Answer::Answered(a) => Some(a),
            Answer::OutOfScope(_) | Answer::Empty(_) => None,
        }
    }

    /// Why not, if declined.
    pub fn declined(&self) -> Option<&Declined> {
        match self {
            Answer::Answered(_) => None,
            Answer::OutOfScope(d) | Answer::Empty(d) => Some(d),
        }
    }

    /// How the answer was ranked.
    pub fn ranking(&self) -> Ranking {
        match self {
            Answer::Answered(a) => a.ranking,
            Answer::OutOfScope(d) | Answer::Empty(d) => d.ranking,
        }
    }

    /// The question as asked.
    pub fn question(&self) -> &str {
        match self {
            Answer::Answered(a) => &a.question,
            Answer::OutOfScope(d) | Answer::Empty(d) => &d.question,
        }
    }

    /// The share of the question the best passage holds (0 when declined).
    pub fn confidence(&self) -> f32 {
        self.answered().map_or(0.0, |a| a.confidence)
    }

    /// Best passages first (none when declined).
    pub fn passages(&self) -> &[AnswerPassage] {
        self.answered().map_or(&[], |a| &a.passages)
    }

    /// Tool lists the question asks about (none when declined).
    pub fn tools(&self) -> &[ToolList] {
        self.answered().map_or(&[], |a| &a.tools)
    }

    /// Course pointers the question asks for (none when declined).
    pub fn courses(&self) -> &[CoursePointer] {
        self.answered().map_or(&[], |a| &a.courses)
    }

    /// Words of the question that matched (none when declined).
    pub fn terms(&self) -> &[String] {
        self.answered().map_or(&[], |a| &a.terms)
    }

    /// The sentence for the member, when declined.
    pub fn message(&self) -> Option<&str> {
        self.declined().map(|d| d.message.as_str())
    }

    /// Topics to try, when declined.
    pub fn suggestions(&self) -> &[String] {
        self.declined().map_or(&[], |d| &d.suggestions)
    }

    /// Typos corrected, as (typed, corrected).
    pub fn corrections(&self) -> &[(String, String)] {
        match self {
            Answer::Answered(a) => &a.corrections,
            Answer::OutOfScope(d) | Answer::Empty(d) => &d.corrections,
        }
    }
}

/// The JSON of `careerbot ask --json`: one flat object whatever the kind.
impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            question: &'a str,
            answered: bool,
            status: Status,
            confidence: f32,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
            passages: &'a [AnswerPassage],
            tools: &'a [ToolList],
            courses: &'a [CoursePointer],
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            suggestions: &'a [String],
            terms: &'a [String],
            #[serde(skip_serializing_if = "<[(String, String)]>::is_empty")]
            corrections: &'a [(String, String)],
        }
        Flat {
            question: self.question(),
            answered: self.is_answered(),
            status: self.status(),
            confidence: self.confidence(),
            message: self.message(),
            passages: self.passages(),
            tools: self.tools(),
            courses: self.courses(),
            suggestions: self.suggestions(),
            terms: self.terms(),
            corrections: self.corrections(),
        }
        .serialize(serializer)
    }
}

/// A passage in an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerPassage {
    /// Stable passage id.
    pub id: String,
    /// Article title.
    pub article: String,
    /// Heading path, joined with ` › `.
    pub section: String,
    /// Passage text.
    pub text: String,
    /// Links, written-out addresses and inline code in `text`: never
    /// highlighted, and shown as links and code where the client can.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<crate::knowledge::inline::Span>,
    /// Source URL of the article.
    pub source: Option<String>,
    /// Relevance score (comparable within one answer only).
    pub score: f32,
    /// Byte ranges of `text` that matched the question.
    pub highlights: Vec<(usize, usize)>,
    /// Its cosine similarity with the question; `None` (`null`) when the
    /// semantic stage did not run for this question.
    pub semantic: Option<f32>,
}

impl AnswerPassage {
    /// The text with matched terms wrapped in `open` and `close`, e.g. `**`.
    pub fn highlighted(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + self.highlights.len() * 4);
        let mut at = 0;
        for &(start, end) in &self.highlights {
            if start < at
                || end > self.text.len()
                || !self.text.is_char_boundary(start)
                || !self.text.is_char_boundary(end)
            {
                continue;
            }
            out.push_str(&self.text[at..start]);
            out.push_str(open);
            out.push_str(&self.text[start..end]);
            out.push_str(close);
            at = end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// One tool category's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolList {
    /// Category display name.
    pub category: String,
    /// Category id.
    pub id: String,
    /// Tool names.
    pub items: Vec<String>,
}

/// A course pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoursePointer {
    /// Course title.
    pub title: String,
    /// Who teaches it.
    pub provider: String,
    /// Link.
    pub url: String,
    /// Where it is hosted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Level, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}
