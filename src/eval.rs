//! Question sets (`tests/questions/*.toml`) and the measures taken on them:
//! hit@1, hit@3 and how many out-of-scope questions were declined. A hit
//! counts when a passage's text contains one of the expected phrases.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::answer::Answer;
use crate::engine::Engine;

/// A question set file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSet {
    /// Questions the knowledge base answers.
    #[serde(default, rename = "question")]
    pub questions: Vec<Expected>,
    /// Questions it must decline.
    #[serde(default)]
    pub out_of_scope: Vec<OutOfScope>,
}

/// A question with the phrases a right passage contains.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// As a member would ask it.
    pub text: String,
    /// Any of these in a passage makes it right.
    pub expect: Vec<String>,
}

/// A question the knowledge base must decline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutOfScope {
    /// As a member would ask it.
    pub text: String,
}

impl QuestionSet {
    /// Reads a question set.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid question set.
    pub fn from_file(path: &Path) -> anyhow::Result<QuestionSet> {
        use anyhow::Context as _;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid question set {}", path.display()))
    }
}

/// Measures on one question set.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// In-scope questions.
    pub questions: usize,
    /// Right passage first.
    pub hit_at_1: f64,
    /// Right passage among the first three.
    pub hit_at_3: f64,
    /// Out-of-scope questions.
    pub out_of_scope: usize,
    /// Share of out-of-scope questions declined.
    pub declined: f64,
    /// In-scope questions wrongly declined.
    pub wrongly_declined: usize,
    /// Questions that missed, with what came first.
    pub misses: Vec<Miss>,
}

/// A question answered wrongly.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// The question.
    pub question: String,
    /// 0 when no passage matched, else the rank (2 or 3) of the first right one.
    pub rank: usize,
    /// Id of the passage shown first, if any.
    pub first: Option<String>,
}

fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace(['’', '‘'], "'")
}

/// The `p` quantile (0 to 1) of `sorted` durations, nearest rank; zero
/// when there are none. Shared by the benches and the load generator.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// Rank (1-based) of the first passage holding an expected phrase.
pub fn rank_of(answer: &Answer, expect: &[String]) -> Option<usize> {
    let texts: Vec<&str> = answer.passages().iter().map(|p| p.text.as_str()).collect();
    rank_in(&texts, expect)
}

/// Rank (1-based) of the first of `texts` holding an expected phrase
/// (case and whitespace ignored). Also scores other engines' results.
pub fn rank_in(texts: &[&str], expect: &[String]) -> Option<usize> {
    let expect: Vec<String> = expect.iter().map(|e| normalize(e)).collect();
    texts
        .iter()
        .position(|t| {
            let text = normalize(t);
            expect.iter().any(|e| text.contains(e))
        })
        .map(|i| i + 1)
}

/// Runs every question of `set` through `engine`.
pub fn evaluate(engine: &Engine, set: &QuestionSet) -> Scores {
    let mut at1 = 0;
    let mut at3 = 0;
    let mut wrongly_declined = 0;
    let mut misses = Vec::new();
    for q in &set.questions {
        let answer = engine.ask(&q.text);
        if !answer.is_answered() {
            wrongly_declined += 1;
        }
        match rank_of(&answer, &q.expect) {
            Some(1) => {
                at1 += 1;
                at3 += 1;
            }
            Some(r) if r <= 3 => {
                at3 += 1;
                misses.push(Miss {
                    question: q.text.clone(),
                    rank: r,
                    first: answer.passages().first().map(|p| p.id.clone()),
                });
            }
            _ => misses.push(Miss {
                question: q.text.clone(),
                rank: 0,
                first: answer.passages().first().map(|p| p.id.clone()),
            }),
        }
    }
    let mut declined = 0;
    for q in &set.out_of_scope {
        let answer = engine.ask(&q.text);
        if !answer.is_answered() {
            declined += 1;
        } else {
            misses.push(Miss {
                question: q.text.clone(),
                rank: 0,
                first: answer.passages().first().map(|p| p.id.clone()),
            });
        }
    }
    let share = |n: usize, d: usize| if d == 0 { 1.0 } else { n as f64 / d as f64 };
    Scores {
        questions: set.questions.len(),
        hit_at_1: share(at1, set.questions.len()),
        hit_at_3: share(at3, set.questions.len()),
        out_of_scope: set.out_of_scope.len(),
        declined: share(declined, set.out_of_scope.len()),
        wrongly_declined,
        misses,
    }
}
