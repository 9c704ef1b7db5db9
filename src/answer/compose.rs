//! Composing an answer: re-ranking the search hits by how much of the
//! question each passage holds, choosing distinct passages, and adding the
//! tool lists and courses the question asks for.

use super::catalog::Catalog;
use super::hybrid::{blend, Blended, Semantic};
use super::profiles::Profiles;
use super::{
    Answer, AnswerPassage, Answered, Declined, Ranking, DUPLICATE_OVERLAP, MIN_SHARE_OF_BEST,
    SUBJECT_PRIOR,
};
use crate::chunk::Passage;
use crate::search::{Hit, Understood};
use crate::text::sorted::common;

/// Everything [`compose`] needs besides the question.
pub struct Context<'a> {
    /// All passages of the snapshot, by ordinal.
    pub passages: &'a [Passage],
    /// The analyzed catalogs.
    pub catalog: &'a Catalog,
    /// The analyzed passages.
    pub profiles: &'a Profiles,
    /// Topics to suggest when a question cannot be answered.
    pub suggestions: &'a [String],
    /// How many passages to show.
    pub max_passages: usize,
    /// The question's similarity with each passage, when the semantic
    /// stage ran.
    pub semantic: Option<Semantic<'a>>,
}

/// The passages chosen to answer, before deduplication.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Candidates, best first, with their scores.
    pub candidates: Vec<(usize, f32)>,
    /// The answer's confidence.
    pub confidence: f32,
    /// How the semantic stage blended them, when it ran.
    pub blended: Option<Blended>,
}

/// The candidates for `understood`: the lexical ones, reranked, blended
/// with the passages nearest in meaning when the semantic stage ran.
pub fn choose(understood: &Understood, hits: &[Hit], ctx: &Context<'_>) -> Choice {
    let (candidates, confidence) = if understood.in_scope {
        rerank(understood, hits, ctx)
    } else {
        (Vec::new(), 0.0)
    };
    match &ctx.semantic {
        Some(semantic) if !understood.is_empty() => {
            let blended = blend(&candidates, confidence, semantic, ctx);
            Choice {
                candidates: blended.candidates.clone(),
                confidence: blended.confidence,
                blended: Some(blended),
            }
        }
        _ => Choice {
            candidates,
            confidence,
            blended: None,
        },
    }
}

/// Builds the answer to `question` from its understanding and search hits.
pub fn compose(question: &str, understood: &Understood, hits: &[Hit], ctx: &Context<'_>) -> Answer {
    let corrections = corrections(understood, ctx.profiles);
    if understood.is_empty() {
        let example = ctx
            .suggestions
            .first()
            .map_or(String::new(), |s| format!(", for example about “{s}”"));
        return Answer::Empty(Declined {
            question: question.to_string(),
            ranking: Ranking::Lexical,
            message: format!("Please ask a question{example}."),
            suggestions: ctx.suggestions.to_vec(),
            corrections,
        });
    }
    let ranking = if ctx.semantic.is_some() {
        Ranking::Hybrid
    } else {
        Ranking::Lexical
    };
    let matched = understood.matched_stems();
    let topic = ctx.catalog.topic(understood.topic_stems());
    let tools = ctx.catalog.tools_for(&topic);
    let Choice {
        mut candidates,
        confidence,
        ..
    } = choose(understood, hits, ctx);
    if !tools.is_empty() && ctx.catalog.names_category_only(&topic) {
        lead_with_prose(&mut candidates, ctx);
    }
    if candidates.is_empty() {
        return Answer::OutOfScope(Declined {
            question: question.to_string(),
            ranking,
            message: out_of_scope_message(understood, ctx),
            suggestions: ctx.suggestions.to_vec(),
            corrections,
        });
    }
    let passages = distinct(candidates, ctx)
        .into_iter()
        .map(|(ord, score)| {
            let p = &ctx.passages[ord];
            AnswerPassage {
                id: p.id.clone(),
                article: p.article.clone(),
                section: p.section_label(),
                highlights: outside_spans(ctx.profiles.highlights(ord, &p.text, &matched), p),
                text: p.text.clone(),
                spans: p.spans.clone(),
                source: p.source.clone(),
                score: (score * 1000.0).round() / 1000.0,
                semantic: ctx.semantic.as_ref().map(|s| {
                    (s.similarity.get(ord).copied().unwrap_or(0.0) * 1000.0).round() / 1000.0
                }),
            }
        })
        .collect();
    Answer::Answered(Answered {
        question: question.to_string(),
        ranking,
        confidence,
        passages,
        tools,
        courses: ctx.catalog.courses_for(&topic),
        terms: understood
            .concepts
            .iter()
            .filter(|c| c.is_matched())
            .map(|c| c.label.clone())
            .collect(),
        corrections,
    })
}

/// Moves the first passage that is not a tool list to the front: the
/// answer lists the category's tools in its own field, so the first
/// passage should explain them rather than repeat the list.
fn lead_with_prose(candidates: &mut Vec<(usize, f32)>, ctx: &Context<'_>) {
    if let Some(first_prose) = candidates
        .iter()
        .position(|(ord, _)| !ctx.profiles.tool_lists.get(*ord).copied().unwrap_or(false))
    {
        let prose = candidates.remove(first_prose);
        candidates.insert(0, prose);
    }
}

/// What a declined question is told: that the knowledge holds nothing
/// about it (naming its subject when there is one), and topics to try.
fn out_of_scope_message(understood: &Understood, ctx: &Context<'_>) -> String {
    let opening = match &understood.absent_subject {
        Some(subject) => format!("I have nothing about “{subject}” yet."),
        None => "I don't know that one.".to_string(),
    };
    if ctx.suggestions.is_empty() {
        return opening;
    }
    let quoted: Vec<String> = ctx
        .suggestions
        .iter()
        .take(SUGGESTED_IN_MESSAGE)
        .map(|s| format!("“{}”", s.trim_end_matches(['?', '.', '!'])))
        .collect();
    format!(
        "{opening} I can tell you about {}.",
        crate::text::prose::natural_list(&quoted)
    )
}

/// Highlights that touch no link, address or code span: a bold marker
/// inside one would break it.
fn outside_spans(highlights: Vec<(usize, usize)>, passage: &Passage) -> Vec<(usize, usize)> {
    if passage.spans.is_empty() {
        return highlights;
    }
    highlights
        .into_iter()
        .filter(|&(start, end)| {
            passage
                .spans
                .iter()
                .all(|s| end <= s.start || start >= s.end)
        })
        .collect()
}

/// The typos the understanding corrected, as (typed, a word of the
/// knowledge base with the corrected stem).
fn corrections(understood: &Understood, profiles: &Profiles) -> Vec<(String, String)> {
    understood
        .corrections()
        .into_iter()
        .map(|(typed, stem)| {
            let word = profiles.surface(&stem).map_or(stem.clone(), str::to_string);
            (typed, word)
        })
        .collect()
}

/// The best candidates, at most `max_passages`, none far below the best
/// and none a near duplicate of one chosen before it.
fn distinct(candidates: Vec<(usize, f32)>, ctx: &Context<'_>) -> Vec<(usize, f32)> {
    // The first candidate is the answer, even when a passage that cannot
    // answer (a link list moved behind it) scored higher: the others are
    // measured against it, and it is always shown.
    let best = candidates.first().map_or(0.0, |c| c.1);
    let mut chosen: Vec<(usize, f32)> = Vec::new();
    for (ord, score) in candidates {
        if chosen.len() >= ctx.max_passages
            || (!chosen.is_empty() && score < best * MIN_SHARE_OF_BEST)
        {
            break;
        }
        let p = &ctx.passages[ord];
        let own = &ctx.profiles.words[ord];
        let duplicate = chosen.iter().any(|(o, _)| {
            ctx.passages[*o].text == p.text
                || overlap(own, &ctx.profiles.words[*o]) > DUPLICATE_OVERLAP
        });
        if !duplicate {
            chosen.push((ord, score));
        }
    }
    chosen
}

/// Jaccard overlap of two sorted stem sets.
fn overlap(a: &[u32], b: &[u32]) -> f64 {
    let both = common(a, b);
    let union = a.len() + b.len() - both;
    if union == 0 {
        return 1.0;
    }
    both as f64 / union as f64
}

/// Re-scores hits by how many of the question's concepts each passage holds,
/// so a passage about all of the question beats one about a single word of
/// it. Also returns the share of the question the best passage holds.
fn rerank(understood: &Understood, hits: &[Hit], ctx: &Context<'_>) -> (Vec<(usize, f32)>, f32) {
    let mut scored = rerank_with_presence(understood, hits, ctx);
    // A link list or a self-check can follow an answer, never be it: the
    // best passage that answers goes first when there is one.
    let answers = |ord: usize| ctx.profiles.form(ord).answers();
    if scored.first().is_some_and(|(ord, _, _)| !answers(*ord)) {
        if let Some(i) = scored
            .iter()
            .position(|(ord, _, present)| answers(*ord) && understood.answered_by(*present))
        {
            let first = scored.remove(i);
            scored.insert(0, first);
        }
    }
    // The best passage must hold enough of the question, or nothing does.
    match scored.first() {
        Some((_, _, present)) if understood.answered_by(*present) => {
            let confidence = understood.share_held(*present);
            (
                scored.into_iter().map(|(o, s, _)| (o, s)).collect(),
                confidence,
            )
        }
        _ => (Vec::new(), 0.0),
    }
}

/// Each hit re-scored, best first, with how many concepts it holds.
fn rerank_with_presence(
    understood: &Understood,
    hits: &[Hit],
    ctx: &Context<'_>,
) -> Vec<(usize, f32, usize)> {
    let profiles = ctx.profiles;
    let (asked, asked_unknown) = profiles.ids(&understood.stems);
    let asked_len = asked.len() + asked_unknown;
    let expanded = expanded(understood, profiles, asked);
    let concepts = concept_ids(understood, profiles);
    // Concepts past the 64th cannot be told apart in a set of bits; the
    // understanding keeps far fewer.
    let concepts = &concepts[..concepts.len().min(64)];
    let held = profiles.concepts_held(concepts, hits);
    let defining = understood.asks_what_it_is();
    let mut out: Vec<(usize, f32, usize)> = hits
        .iter()
        .zip(held)
        .filter(|(h, _)| h.ord < ctx.passages.len() && h.ord < profiles.words.len())
        .map(|(h, held)| {
            let present = held.count_ones() as usize;
            let share = if concepts.is_empty() {
                1.0
            } else {
                present as f32 / concepts.len() as f32
            };
            // A question naming only the article's subject ("what is a back-end
            // developer?") wants the article's opening, not a detail.
            let about_subject =
                !concepts.is_empty() && holds_all(concepts, &profiles.titles[h.ord]);
            let prior = if about_subject && ctx.passages[h.ord].position < 2 {
                SUBJECT_PRIOR
            } else {
                1.0
            };
            let form = profiles.form(h.ord);
            let mut heading = heading_boost(profiles, h.ord, &expanded, asked_len);
            let mut definition = 1.0;
            if defining && !concepts.is_empty() {
                match what_it_is(profiles, h.ord, concepts) {
                    // "Disadvantages: reverse proxy" is about the proxy's
                    // drawbacks; the section above it says what it is.
                    Definition::UnderSubject => heading = 1.0,
                    Definition::Defines => definition = DEFINITION_PRIOR,
                    // "Disadvantage(s): CDN", "Pull CDNs": about a side of it.
                    Definition::Aspect => definition = 1.0 / DEFINITION_PRIOR,
                    Definition::Other => {}
                }
            }
            let not_an_answer = if form.answers() { 1.0 } else { NOT_AN_ANSWER };
            (
                h.ord,
                h.score * (0.5 + 0.5 * share) * prior * heading * definition * not_an_answer,
                present,
            )
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// Topics named in the message of a declined question (all are in its suggestions).
const SUGGESTED_IN_MESSAGE: usize = 3;

/// Boost of the lead passage of the section titled with what a "what is"
/// question asks about.
const DEFINITION_PRIOR: f32 = 1.5;
/// Weight of a passage that cannot answer (a link list, a self-check).
const NOT_AN_ANSWER: f32 = 0.35;

/// Whether `words` (sorted) hold an alternative of every concept.
fn holds_all(concepts: &[Vec<u32>], words: &[u32]) -> bool {
    concepts
        .iter()
        .all(|alts| alts.iter().any(|id| words.binary_search(id).is_ok()))
}

/// What a passage is to a "what is X" question, X being `concepts`.
enum Definition {
    /// A heading above its own names X: it is a part of X's section.
    UnderSubject,
    /// It says "X is …" near its start, or leads the section named X.
    Defines,
    /// Its heading names X and more ("Disadvantage(s): CDN").
    Aspect,
    /// None of these.
    Other,
}

fn what_it_is(profiles: &Profiles, ord: usize, concepts: &[Vec<u32>]) -> Definition {
    if profiles.parents[ord].iter().any(|p| holds_all(concepts, p)) {
        return Definition::UnderSubject;
    }
    let own = profiles.headings[ord]
        .first()
        .filter(|w| holds_all(concepts, w));
    // Words of the heading beyond X's; a short one ("the", "of") and the
    // article's own subject ("… for back-end developers") do not count.
    let title = &profiles.titles[ord];
    let named = own.is_some_and(|w| {
        w.iter()
            .filter(|id| !concepts.iter().any(|alts| alts.contains(id)))
            .filter(|id| title.binary_search(id).is_err())
            .all(|id| profiles.surface_len(*id) <= 3)
    });
    if (named && profiles.form(ord).lead) || profiles.defines(ord, concepts) {
        Definition::Defines
    } else if own.is_some() && !named {
        Definition::Aspect
    } else {
        Definition::Other
    }
}

/// The question's words (`asked`) plus the one-word synonyms of its
/// concepts, so a heading saying "back-end" matches a question saying
/// "server-side"; sorted.
fn expanded(understood: &Understood, profiles: &Profiles, asked: Vec<u32>) -> Vec<u32> {
    let mut expanded = asked;
    for c in understood.concepts.iter().filter(|c| c.is_matched()) {
        for a in c.alternatives.iter().filter(|a| a.stems.len() == 1) {
            expanded.extend(profiles.id(&a.stems[0]));
        }
    }
    expanded.sort_unstable();
    expanded.dedup();
    expanded
}

/// Per matched concept, the ids of its alternatives' first stems.
fn concept_ids(understood: &Understood, profiles: &Profiles) -> Vec<Vec<u32>> {
    understood
        .concepts
        .iter()
        .filter(|c| c.is_matched())
        .map(|c| {
            c.alternatives
                .iter()
                .filter_map(|a| a.stems.first())
                .filter_map(|s| profiles.id(s))
                .collect()
        })
        .collect()
}

/// A heading that asks the member's question ("What does a back-end
/// developer do?") is the place the writer answered it: 1 plus its
/// similarity to the question, when that is at least a half.
fn heading_boost(profiles: &Profiles, ord: usize, expanded: &[u32], asked_len: usize) -> f32 {
    let similarity = profiles.headings[ord]
        .iter()
        .map(|heading| {
            let both = common(expanded, heading).min(asked_len);
            let union = asked_len + heading.len() - both;
            if union == 0 {
                0.0
            } else {
                both as f32 / union as f32
            }
        })
        .fold(0.0_f32, f32::max);
    if similarity >= 0.5 {
        1.0 + similarity
    } else {
        1.0
    }
}
