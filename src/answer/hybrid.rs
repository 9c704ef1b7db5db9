//! The semantic signal beside the lexical one. Given each passage's cosine
//! similarity with the question (from the sentence-embedding model), the
//! lexical candidates are blended with the passages nearest in meaning,
//! and the scope decision is checked against the knowledge base's own
//! calibration ([`Calibration`]): never against question sets.

use super::compose::Context;
use crate::search::vectors::Calibration;

/// The question's similarity with every passage, by ordinal, and the
/// levels of "related" and "unrelated" measured on the knowledge base.
#[derive(Debug, Clone, Copy)]
pub struct Semantic<'a> {
    /// Cosine similarity with the question, per passage ordinal.
    pub similarity: &'a [f32],
    /// The knowledge base's own levels.
    pub calibration: Calibration,
}

/// Lexical candidates kept for the blend; dense candidates added to them.
const LEXICAL_POOL: usize = 10;
/// Passages nearest in meaning that join the pool.
const DENSE_POOL: usize = 10;
/// Weight of a similarity gap against the lexical score (normalised to the
/// best lexical candidate): a passage 0.1 less similar than the nearest one
/// must score 0.3 better lexically to stay ahead of it.
const SEMANTIC_WEIGHT: f32 = 3.0;
/// Similarity taken off a passage that cannot answer (a link list, a
/// self-check of questions): the model finds questions similar to questions.
const NOT_AN_ANSWER_PENALTY: f32 = 0.15;
/// Below this share of the question held, the lexical answer is only as
/// good as its similarity says.
const WEAK_LEXICAL: f32 = 0.5;

/// Share of the question the best lexical passage must hold for the words
/// alone to settle the answer.
const SETTLED_SHARE: f32 = 0.75;
/// And the most the next candidate may score, as a share of the best.
const SETTLED_MARGIN: f32 = 0.8;

/// Whether the words alone settle the answer, so the model need not run:
/// the best lexical passage holds most of the question and no other comes
/// close to it. The quality figures with and without this shortcut are in
/// PERFORMANCE.md.
pub fn settled(lexical: &[(usize, f32)], confidence: f32) -> bool {
    match lexical {
        [] => false,
        [_] => confidence >= SETTLED_SHARE,
        [(_, best), (_, next), ..] => confidence >= SETTLED_SHARE && *next <= best * SETTLED_MARGIN,
    }
}

/// How the scope decision went, for `ask --explain` and the metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scope {
    /// The words answered it and the meaning did not object.
    Confirmed,
    /// The words held little of the question, and the passage they pointed
    /// at is less similar to it than unrelated parts of the knowledge are
    /// to each other: declined, unless the meaning alone answers it.
    Rejected {
        /// The similarity of the lexical answer.
        similarity: f32,
    },
    /// No words answered it; a passage is as similar to it as only related
    /// parts of the knowledge are to each other.
    Rescued {
        /// The best similarity.
        similarity: f32,
    },
    /// Neither the words nor the meaning answer it.
    Declined {
        /// The best similarity.
        similarity: f32,
    },
}

impl Scope {
    /// Whether the answer has passages.
    pub fn answered(&self) -> bool {
        matches!(self, Scope::Confirmed | Scope::Rescued { .. })
    }
}

/// One passage's share of its place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// Passage ordinal.
    pub ord: usize,
    /// Its lexical score over the best lexical candidate's (0 when only
    /// the meaning brought it).
    pub lexical: f32,
    /// Its cosine similarity with the question.
    pub semantic: f32,
    /// The blended score it was ranked by.
    pub score: f32,
}

/// The blend's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Blended {
    /// Candidates, best first, with their blended scores.
    pub candidates: Vec<(usize, f32)>,
    /// The answer's confidence: the lexical share held, or the similarity
    /// of a passage found by meaning alone.
    pub confidence: f32,
    /// How the scope decision went.
    pub scope: Scope,
    /// Each candidate's lexical and semantic parts, in order.
    pub contributions: Vec<Contribution>,
}

/// Blends the `lexical` candidates (best first, empty when the words
/// declined the question) holding `confidence` of it with the passages
/// nearest in meaning.
pub fn blend(
    lexical: &[(usize, f32)],
    confidence: f32,
    semantic: &Semantic<'_>,
    ctx: &Context<'_>,
) -> Blended {
    let raw = |ord: usize| semantic.similarity.get(ord).copied().unwrap_or(0.0);
    let adjusted = |ord: usize| {
        let answers = ctx.profiles.form(ord).answers();
        raw(ord) - if answers { 0.0 } else { NOT_AN_ANSWER_PENALTY }
    };
    let dense = nearest(semantic.similarity.len().min(ctx.passages.len()), &adjusted);
    let best_meaning = dense.first().map_or(0.0, |&o| raw(o));
    let weak = confidence < WEAK_LEXICAL
        && lexical
            .first()
            .is_some_and(|&(o, _)| raw(o) < semantic.calibration.unrelated);
    if let (Some(&(_, top)), false) = (lexical.first(), weak) {
        let top = if top > 0.0 { top } else { 1.0 };
        let nearest_adjusted = dense.first().map_or(0.0, |&o| adjusted(o));
        let mut pool: Vec<Contribution> = Vec::new();
        let lexical_part = lexical
            .iter()
            .take(LEXICAL_POOL)
            .map(|&(o, s)| (o, s / top));
        let dense_part = dense.iter().map(|&o| (o, 0.0));
        for (ord, lexical) in lexical_part.chain(dense_part) {
            if pool.iter().any(|c| c.ord == ord) {
                continue;
            }
            let gap = adjusted(ord) - nearest_adjusted;
            pool.push(Contribution {
                ord,
                lexical,
                semantic: raw(ord),
                score: (1.0 + lexical + SEMANTIC_WEIGHT * gap).max(0.0),
            });
        }
        pool.sort_by(|a, b| b.score.total_cmp(&a.score));
        return Blended {
            candidates: pool.iter().map(|c| (c.ord, c.score)).collect(),
            confidence,
            scope: Scope::Confirmed,
            contributions: pool,
        };
    }
    let scope = if best_meaning >= semantic.calibration.related {
        Scope::Rescued {
            similarity: best_meaning,
        }
    } else if weak {
        Scope::Rejected {
            similarity: lexical.first().map_or(0.0, |&(o, _)| raw(o)),
        }
    } else {
        Scope::Declined {
            similarity: best_meaning,
        }
    };
    let contributions: Vec<Contribution> = if scope.answered() {
        dense
            .iter()
            .map(|&ord| Contribution {
                ord,
                lexical: 0.0,
                semantic: raw(ord),
                score: adjusted(ord).max(0.0),
            })
            .collect()
    } else {
        Vec::new()
    };
    Blended {
        candidates: contributions.iter().map(|c| (c.ord, c.score)).collect(),
        confidence: if scope.answered() { best_meaning } else { 0.0 },
        scope,
        contributions,
    }
}

/// The [`DENSE_POOL`] passages (ordinals below `count`) with the highest
/// `similarity`, best first.
fn nearest(count: usize, similarity: &dyn Fn(usize) -> f32) -> Vec<usize> {
    let mut scored: Vec<(usize, f32)> = (0..count).map(|o| (o, similarity(o))).collect();
    let keep = DENSE_POOL.min(scored.len());
    if keep == 0 {
        return Vec::new();
    }
    scored.select_nth_unstable_by(keep - 1, |a, b| b.1.total_cmp(&a.1));
    scored.truncate(keep);
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(o, _)| o).collect()
}
