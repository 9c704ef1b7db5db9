//! Question understanding: user text -> concepts. Stop words and question
//! words are dropped, synonyms and compounds are grouped, typos are corrected
//! against the index's own vocabulary, and the question is judged in or out
//! of the knowledge base's scope. User text is never parsed as query syntax.

use std::collections::HashSet;
use std::sync::Arc;

mod thesaurus;
mod typos;

use super::lexicon::char_mask;
use super::SearchIndex;
use crate::text::analysis::{analyze, stem, Token};
use crate::text::distance::{self, Edits};
use crate::text::vocabulary::vocabulary;
pub use thesaurus::Thesaurus;
pub(super) use typos::{closest_term, warm_up};
use typos::{lacking, typo_distance};

/// Only the start of a very long message is read.
pub const MAX_QUESTION_BYTES: usize = 2000;
/// At most this many concepts are searched for.
const MAX_CONCEPTS: usize = 24;
/// A term in more than this share of passages says little about which passage is meant.
const WEAK_SHARE: f64 = 0.3;

/// How a concept of the question relates to the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The word itself occurs in the knowledge base.
    Exact,
    /// A synonym of the word occurs.
    Synonym,
    /// The word looks like a typo of `0`, which occurs.
    Corrected(String),
    /// A word of the tool or course catalogs that no passage uses.
    Catalog,
    /// A tech or career word (or a number) the knowledge base does not use.
    Domain,
    /// A number the knowledge base does not hold: neither for nor against scope.
    Neutral,
    /// Nothing known.
    Unknown,
}

/// One way of saying something, as stems in order; shared between the
/// thesaurus and the questions that use it.
pub type Form = Arc<[String]>;

/// One way of saying a concept, as stems (several stems form a phrase).
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// Stems, in order; shared with the thesaurus.
    pub stems: Form,
    /// Weight relative to the word the member typed.
    pub weight: f32,
}

/// One idea in the question: a word, or a phrase, with its alternatives.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// What the member typed.
    pub label: String,
    /// The synonym group it belongs to, named by its first entry.
    pub group: Option<String>,
    /// Ways of saying it that occur in the index.
    pub alternatives: Vec<Alternative>,
    /// Every way of saying it as stems (typed word and synonyms), in the index or not.
    /// Shared with the thesaurus: a question does not copy a group's forms.
    pub forms: Arc<[Form]>,
    /// Stems of the words as typed.
    pub typed: Vec<String>,
    /// How it matched.
    pub status: Match,
    /// Whether it occurs in so many passages that it barely discriminates.
    pub weak: bool,
    /// Whether it occurs in a title, heading or phrasing (not only in body text).
    pub topical: bool,
}

impl Concept {
    /// Whether the concept can be searched for.
    pub fn is_matched(&self) -> bool {
        matches!(
            self.status,
            Match::Exact | Match::Synonym | Match::Corrected(_) | Match::Catalog
        ) && !self.alternatives.is_empty()
    }

    fn coverage(&self) -> f32 {
        match self.status {
            Match::Exact | Match::Synonym | Match::Catalog => 1.0,
            Match::Corrected(_) => 0.8,
            Match::Domain => 0.75,
            Match::Neutral | Match::Unknown => 0.0,
        }
    }
}

/// A question as the engine understands it.
#[derive(Debug, Clone, PartialEq)]
pub struct Understood {
    /// Content concepts, in question order.
    pub concepts: Vec<Concept>,
    /// Share of concepts the knowledge base knows (0..=1).
    pub coverage: f32,
    /// Whether the question is about what the knowledge base holds.
    pub in_scope: bool,
    /// Stems of every word read (stop words included), in question order,
    /// so later steps need not analyze the question again.
    pub stems: Vec<String>,
    /// The words of the question's subject ("staff engineer" in "what does a
    /// staff engineer do on a platform team") when the knowledge base does
    /// not know it: then the question is out of scope, whatever else matches.
    pub absent_subject: Option<String>,
}

impl Understood {
    /// Whether the question has no content at all (empty, emoji, only question words).
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// Whether a passage holding `present` of the question's matched concepts
    /// answers enough of it: "how long to boil an egg" is not answered by a
    /// passage that merely says "long".
    pub fn answered_by(&self, present: usize) -> bool {
        let counted = counted(&self.concepts);
        if !self.concepts.iter().any(|c| c.status == Match::Unknown) {
            // Every word is known: a passage about part of it is on topic,
            // but one word of a long question is a coincidence ("negotiate
            // a higher salary on my first offer" against a passage that
            // only says "first").
            return present > 0 && (counted < 3.0 || present as f32 / counted >= MIN_SHARE_KNOWN);
        }
        counted == 0.0 || present as f32 / counted >= required_share(counted) - 0.15
    }

    /// Whether the question asks what something is or does ("what is a CDN",
    /// "what's sharding", "what does a load balancer do", "define latency"),
    /// read from its first words: the grammar of a question, like [`subject`].
    pub fn asks_what_it_is(&self) -> bool {
        let word = |i: usize| self.stems.get(i).map_or("", String::as_str);
        match word(0) {
            "what" => {
                matches!(word(1), "is" | "are" | "s" | "a" | "an" | "the")
                    || (word(1) == "doe" && self.stems.last().is_some_and(|w| w == "do"))
            }
            "whats" | "defin" | "definit" => true,
            _ => false,
        }
    }

    /// The share of the question's ideas, from 0 to 1, held by a passage
    /// holding `present` of its matched concepts. Unknown words count
    /// against it; a number the knowledge base lacks counts half.
    pub fn share_held(&self, present: usize) -> f32 {
        let counted = counted(&self.concepts);
        if counted == 0.0 {
            return 1.0;
        }
        (present as f32 / counted).clamp(0.0, 1.0)
    }

    /// Stems to highlight: the typed words and their one-word synonyms (the
    /// words of a synonym phrase such as "job offer" are not highlighted one by one).
    pub fn matched_stems(&self) -> HashSet<String> {
        self.concepts
            .iter()
            .filter(|c| c.is_matched())
            .flat_map(|c| {
                c.alternatives
                    .iter()
                    .filter(|a| a.stems.len() == 1 || *a.stems == *c.typed)
                    .flat_map(|a| a.stems.iter().cloned())
            })
            .collect()
    }

    /// Stems the question is about, for intent and catalog matching: the
    /// typed words and their one-word synonyms (not the words of synonym
    /// phrases: "server-side" is not about servers). May repeat a stem.
    pub fn topic_stems(&self) -> impl Iterator<Item = &str> {
        self.concepts.iter().flat_map(|c| {
            c.forms
                .iter()
                .filter(|form| form.len() == 1 || c.group.is_none())
                .flat_map(|form| form.iter())
                .chain(&c.typed)
                .map(String::as_str)
        })
    }

    /// Corrections made, as (typed, corrected) pairs.
    pub fn corrections(&self) -> Vec<(String, String)> {
        self.concepts
            .iter()
            .filter_map(|c| match &c.status {
                Match::Corrected(to) => Some((c.label.clone(), to.clone())),
                _ => None,
            })
            .collect()
    }
}

/// The part of a question that is read: at most [`MAX_QUESTION_BYTES`].
pub fn question_prefix(text: &str) -> &str {
    prefix(text, MAX_QUESTION_BYTES)
}

/// Cuts `text` to at most `max` bytes on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl SearchIndex {
    /// Understands a question against this index's vocabulary.
    pub fn understand(&self, question: &str, th: &Thesaurus) -> Understood {
        let text = prefix(question, MAX_QUESTION_BYTES);
        let tokens = analyze(text);
        let content: Vec<bool> = tokens.iter().map(|t| is_content(text, t, th)).collect();

        let mut concepts: Vec<Concept> = Vec::new();
        let mut consumed = vec![false; tokens.len()];

        // "How much do they make/earn/get paid" asks about pay.
        if let Some(c) = how_much_pay(&tokens, &mut consumed) {
            concepts.push(self.group_concept(th, c, th.group_named("salary")));
        }
        let consumed_by_pay = consumed.clone();

        // Synonym phrases and words, longest first.
        let mut i = 0;
        while i < tokens.len() {
            if consumed[i] {
                i += 1;
                continue;
            }
            if let Some((g, len)) = synonym_at(th, &tokens, &content, &consumed, i) {
                let label = text[tokens[i].start..tokens[i + len - 1].end].to_string();
                consumed[i..i + len].iter_mut().for_each(|c| *c = true);
                let typed: Vec<String> =
                    tokens[i..i + len].iter().map(|t| t.stem.clone()).collect();
                let mut concept = self.group_concept(th, label, Some(g));
                concept.typed = typed.clone();
                // The words the member typed weigh a little more than their synonyms.
                for alt in &mut concept.alternatives {
                    if *alt.stems == *typed {
                        alt.weight = 1.0;
                    }
                }
                concepts.push(concept);
                i += len;
                continue;
            }
            if content[i] {
                consumed[i] = true;
                concepts.push(self.word_concept(th, &tokens[i], text));
            }
            i += 1;
        }
        let subject = subject(&tokens, &content, &consumed_by_pay);
        let absent_subject = subject.and_then(|range| absent_subject(&tokens[range], &concepts));
        once_each(&mut concepts);
        concepts.truncate(MAX_CONCEPTS);
        self.weigh(&mut concepts);
        let mut understood = judge(concepts);
        if absent_subject.is_some() {
            understood.in_scope = false;
        }
        understood.absent_subject = absent_subject;
        understood.stems = tokens.into_iter().map(|t| t.stem).collect();
        understood
    }

    /// Marks each concept weak when most passages hold it (then its
    /// synonyms only add noise), and topical when a heading holds it.
    fn weigh(&self, concepts: &mut [Concept]) {
        let num_docs = self.num_docs().max(1) as f64;
        for c in concepts {
            let max_df = c
                .alternatives
                .iter()
                .map(|a| a.stems.iter().map(|s| self.doc_freq(s)).min().unwrap_or(0))
                .max()
                .unwrap_or(0);
            c.weak = num_docs >= 5.0 && (max_df as f64 / num_docs) > WEAK_SHARE;
            c.topical = c
                .alternatives
                .iter()
                .any(|a| a.stems.iter().all(|s| self.heading_doc_freq(s) > 0));
            if c.weak && c.alternatives.len() > 1 {
                // A word found everywhere needs no synonyms to be found; they only add noise
                // ("dev" should not pull in every "engineer").
                let head = c.forms.first().cloned();
                let keep: Vec<Alternative> = c
                    .alternatives
                    .iter()
                    .filter(|a| a.stems.len() == c.typed.len() || Some(&a.stems) == head.as_ref())
                    .cloned()
                    .collect();
                if !keep.is_empty() {
                    c.alternatives = keep;
                }
            }
        }
    }

    /// The catalog entry names the index holds, as alternatives.
    fn named(&self, names: &[Arc<[String]>]) -> Vec<Alternative> {
        names
            .iter()
            .filter(|n| self.exists(n))
            .map(|n| Alternative {
                stems: Arc::clone(n),
                weight: 0.85,
            })
            .collect()
    }

    pub(crate) fn exists(&self, stems: &[String]) -> bool {
        stems.iter().all(|s| self.doc_freq(s) > 0)
    }

    fn group_concept(&self, th: &Thesaurus, label: String, group: Option<usize>) -> Concept {
        let Some(g) = group else {
            return Concept {
                label,
                group: None,
                alternatives: Vec::new(),
                forms: Arc::from([]),
                typed: Vec::new(),
                status: Match::Unknown,
                weak: false,
                topical: false,
            };
        };
        let (name, alts) = &th.groups[g];
        let present = th.present.get(g);
        let alternatives: Vec<Alternative> = alts
            .iter()
            .enumerate()
            .filter(|(a, stems)| {
                present
                    .and_then(|p| p.get(*a).copied())
                    .unwrap_or_else(|| self.exists(stems))
            })
            .map(|(_, stems)| stems)
            .map(|stems| Alternative {
                stems: Arc::clone(stems),
                weight: 0.85,
            })
            .collect();
        let status = if alternatives.is_empty() {
            Match::Domain
        } else {
            Match::Synonym
        };
        Concept {
            label,
            group: Some(name.clone()),
            alternatives,
            forms: Arc::clone(alts),
            typed: Vec::new(),
            status,
            weak: false,
            topical: false,
        }
    }

    fn word_concept(&self, th: &Thesaurus, token: &Token, text: &str) -> Concept {
        let label = text[token.start..token.end].to_string();
        let single = |stem: String, status: Match, weight: f32| Concept {
            label: label.clone(),
            group: None,
            alternatives: vec![Alternative {
                stems: Arc::from([stem.clone()]),
                weight,
            }],
            forms: Arc::from([Arc::from([stem.clone()])]),
            typed: vec![stem],
            status,
            weak: false,
            topical: false,
        };
        if self.doc_freq(&token.stem) > 0 {
            let mut concept = single(token.stem.clone(), Match::Exact, 1.0);
            // Only a word the knowledge base uses is read as short for a
            // longer one, and only when it starts that word as typed: an
            // unknown word ("france") never becomes in scope this way.
            let longer = self
                .longer_form(&token.stem)
                .filter(|term| term.starts_with(token.word.as_str()));
            if let Some(term) = longer {
                concept.alternatives.push(Alternative {
                    stems: Arc::from([term]),
                    weight: LONGER_FORM_WEIGHT,
                });
            }
            return concept;
        }
        let has_digit = token.word.chars().any(|c| c.is_ascii_digit());
        let distance = if has_digit {
            0
        } else {
            typo_distance(token.stem.chars().count())
        };
        if distance > 0 {
            // A misspelt synonym ("compensaton") is the synonym.
            let near_synonym = near_synonym(th, &token.word, distance);
            if let Some((g, w)) = near_synonym {
                let mut concept = self.group_concept(th, label.clone(), Some(g));
                concept.typed = vec![stem(w)];
                if concept.status == Match::Synonym {
                    concept.status = Match::Corrected(w.clone());
                    return concept;
                }
            }
            if let Some(term) = self.closest_term(&token.stem, distance) {
                return single(term.clone(), Match::Corrected(term), 0.8);
            }
        }
        if let Some(names) = th.catalog_names(&token.stem) {
            // A word the passages lack but the catalog knows ("HKUST") searches
            // for the names of the entries it belongs to.
            return Concept {
                alternatives: self.named(names),
                status: Match::Catalog,
                ..single(token.stem.clone(), Match::Unknown, 1.0)
            };
        }
        let status = if has_digit {
            Match::Neutral
        } else if th.domain.contains(&token.stem) {
            Match::Domain
        } else {
            Match::Unknown
        };
        Concept {
            alternatives: Vec::new(),
            status,
            ..single(token.stem.clone(), Match::Unknown, 1.0)
        }
    }
}

/// The longest synonym phrase or word of the thesaurus starting at token
/// `i` that no earlier concept took: (its group, its length in tokens). A
/// one-word synonym must be a content word.
fn synonym_at(
    th: &Thesaurus,
    tokens: &[Token],
    content: &[bool],
    consumed: &[bool],
    i: usize,
) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None; // (group, length)
    for &(g, a) in th.by_first.get(&tokens[i].stem)? {
        let alt = &th.groups[g].1[a];
        let len = alt.len();
        if i + len > tokens.len() || (len == 1 && !content[i]) {
            continue;
        }
        let fits = alt
            .iter()
            .zip(&tokens[i..i + len])
            .all(|(s, t)| *s == t.stem)
            && !consumed[i..i + len].iter().any(|c| *c);
        if fits && best.is_none_or(|(_, l)| len > l) {
            best = Some((g, len));
        }
    }
    best
}

/// Keeps the first of concepts that are the same idea typed twice.
/// Questions hold few concepts: comparing with the earlier ones costs less
/// than hashing copies of them.
fn once_each(concepts: &mut Vec<Concept>) {
    let same = |a: &Concept, b: &Concept| match (&a.group, &b.group) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.typed == b.typed,
        _ => false,
    };
    let mut kept = 0;
    for i in 0..concepts.len() {
        if !concepts[..kept].iter().any(|c| same(c, &concepts[i])) {
            concepts.swap(kept, i);
            kept += 1;
        }
    }
    concepts.truncate(kept);
}

/// The thesaurus word (of at least 4 letters) closest to `word` within
/// `distance` edits, and its group.
fn near_synonym<'t>(th: &'t Thesaurus, word: &str, distance: u8) -> Option<(usize, &'t String)> {
    let typed: Vec<char> = word.chars().collect();
    let typed_mask = char_mask(&typed);
    let max = usize::from(distance);
    th.words
        .iter()
        // Lengths further apart than the distance cannot be that close,
        // nor words where one lacks more characters than edits allowed.
        .filter(|(w, _, chars, mask)| {
            w.len() >= 4
                && chars.len().abs_diff(typed.len()) <= max
                && lacking(typed_mask, *mask) <= u32::from(distance)
        })
        .filter_map(|(w, g, chars, _)| {
            Some((
                distance::within(&typed, chars, max, Edits::Levenshtein)?,
                *g,
                w,
            ))
        })
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, g, w)| (g, w))
}

/// Whether a token is content: not a stop word, unless written in capitals
/// as a name ("IT", "US").
fn is_content(text: &str, token: &Token, th: &Thesaurus) -> bool {
    let original = &text[token.start..token.end];
    if vocabulary().capital_content.iter().any(|w| w == original) {
        return true;
    }
    !th.stopwords.contains(token.word.as_str())
}

/// Finds "how much ... make/earn/get paid" or "make 100k" and returns its label.
fn how_much_pay(tokens: &[Token], consumed: &mut [bool]) -> Option<String> {
    const PAY_VERBS: &[&str] = &[
        "make", "makes", "making", "earn", "earns", "paid", "pay", "pays", "get", "gets",
    ];
    let is_verb = |t: &Token| PAY_VERBS.contains(&t.word.as_str());
    // "make 100k", "earn 6 figures"
    if let Some(i) = tokens
        .windows(2)
        .position(|w| is_verb(&w[0]) && w[1].word.starts_with(|c: char| c.is_ascii_digit()))
    {
        consumed[i] = true;
        return Some(tokens[i].word.clone());
    }
    let start = tokens
        .windows(2)
        .position(|w| w[0].word == "how" && w[1].word == "much")?;
    let verb = (start + 2..tokens.len()).find(|&i| is_verb(&tokens[i]))?;
    consumed[start] = true;
    consumed[start + 1] = true;
    consumed[verb] = true;
    Some(format!("how much … {}", tokens[verb].word))
}

/// How many ideas the question has. Numbers the knowledge base lacks count
/// half: "solve 3x + 7 = 22" is not a career question.
fn counted(concepts: &[Concept]) -> f32 {
    concepts
        .iter()
        .map(|c| if c.status == Match::Neutral { 0.5 } else { 1.0 })
        .sum()
}

/// Weight of the longer word a question's word abbreviates.
const LONGER_FORM_WEIGHT: f32 = 0.7;

/// Share of a question of three or more known ideas that the best passage
/// must hold.
const MIN_SHARE_KNOWN: f32 = 0.25;

/// Share of a question's ideas that must be known. Long messages carry small
/// talk ("sorry if this is dumb"), so the bar is lower for them.
fn required_share(counted: f32) -> f32 {
    if counted <= 4.0 {
        0.5
    } else {
        (0.5 - 0.025 * (counted - 4.0)).max(0.35)
    }
}

/// Decides whether the question is in scope from its concepts: most of it
/// must be known, and when part of it is unknown, what is known must be a
/// topic of the knowledge base (a heading or phrasing), not a word that merely
/// occurs in some text ("who won the world cup").
fn judge(concepts: Vec<Concept>) -> Understood {
    let counted = counted(&concepts);
    let matched: Vec<&Concept> = concepts.iter().filter(|c| c.is_matched()).collect();
    let coverage = if counted == 0.0 {
        0.0
    } else {
        concepts.iter().map(|c| c.coverage()).sum::<f32>() / counted
    };
    let unknown = concepts
        .iter()
        .filter(|c| c.status == Match::Unknown)
        .count();
    let only_weak = !matched.is_empty() && matched.iter().all(|c| c.weak);
    let topical = matched.iter().any(|c| c.topical);
    let required = required_share(counted);
    let in_scope = !matched.is_empty()
        && coverage >= required
        && (unknown == 0 || topical || matched.len() >= 2)
        && !(only_weak && unknown >= matched.len());
    Understood {
        concepts,
        coverage,
        in_scope,
        stems: Vec::new(),
        absent_subject: None,
    }
}

/// The subject of a question that asks about a thing, as a range of
/// tokens: the content words after its question word, verb and article
/// ("what does [a staff engineer] do", "how much does [a nurse] earn",
/// "what is [the CAP theorem]", "which [databases] should I learn").
/// Questions about oneself ("how do I …") have none. These are English
/// function words, the grammar of a question, not words of any topic.
fn subject(
    tokens: &[Token],
    content: &[bool],
    consumed: &[bool],
) -> Option<std::ops::Range<usize>> {
    const ASKING: &[&str] = &["what", "whats", "who", "whos", "which", "how"];
    const VERBS: &[&str] = &[
        "is", "are", "was", "were", "does", "do", "did", "s", "can", "should",
    ];
    const ARTICLES: &[&str] = &["a", "an", "the"];
    const MAX_SUBJECT_WORDS: usize = 4;
    let word = |i: usize| tokens.get(i).map_or("", |t| t.word.as_str());
    if !ASKING.contains(&word(0)) {
        return None;
    }
    let mut i = 1;
    if word(0) == "how" {
        if !matches!(word(1), "much" | "many") {
            return None;
        }
        i = 2;
    }
    if content.get(i) == Some(&true)
        && matches!(word(i + 1), "does" | "do" | "did" | "can" | "should")
    {
        // "what time does [the race] start", "which language should [I] learn"
        i += 1;
    }
    if VERBS.contains(&word(i)) {
        i += 1;
    }
    if ARTICLES.contains(&word(i)) {
        i += 1;
    }
    let start = i;
    while i < tokens.len() && content[i] && !consumed[i] && i - start < MAX_SUBJECT_WORDS {
        i += 1;
    }
    (i > start).then_some(start..i)
}

/// The question's subject, named by its words, when at least half of it is
/// unknown to the knowledge base: "staff engineer", "nurse"; but not
/// "writing clean code" for one word of three. Named by its words, not
/// the raw text: no markup of the member's comes back in the message.
fn absent_subject(subject: &[Token], concepts: &[Concept]) -> Option<String> {
    let stems: Vec<&str> = subject.iter().map(|t| t.stem.as_str()).collect();
    let unknown: usize = concepts
        .iter()
        .filter(|c| {
            matches!(c.status, Match::Unknown | Match::Domain)
                && c.typed.iter().all(|t| stems.contains(&t.as_str()))
        })
        .map(|c| c.typed.len())
        .sum();
    (unknown * 2 >= stems.len()).then(|| {
        subject
            .iter()
            .map(|t| t.word.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}
