//! Question understanding: user text -> concepts. Stop words and question
//! words are dropped, synonyms and compounds are grouped, typos are corrected
//! against the index's own vocabulary, and the question is judged in or out
//! of the knowledge base's scope. User text is never parsed as query syntax.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use super::lexicon::{char_mask, LengthTerm, Lexicon};
use super::SearchIndex;
use crate::text::analysis::{analyze, stem, Token};
use crate::text::distance::{self, Edits};
use crate::text::vocabulary::{CAPITAL_CONTENT, DOMAIN_WORDS, STOPWORDS, SYNONYMS};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use rustc_hash::{FxHashMap, FxHashSet};

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
        if !self.concepts.iter().any(|c| c.status == Match::Unknown) {
            // Every word is known: any passage about part of it is on topic.
            return present > 0;
        }
        let counted = counted(&self.concepts);
        counted == 0.0 || present as f32 / counted >= required_share(counted) - 0.15
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

/// Synonym groups (the built-in career vocabulary plus the catalog's tool
/// names and aliases) and the words the knowledge base knows of, analyzed
/// once per knowledge snapshot.
#[derive(Debug, Clone)]
pub struct Thesaurus {
    /// Per group: its name and its alternatives as stems.
    groups: Vec<(String, Arc<[Form]>)>,
    /// First stem -> (group, alternative) pairs starting with it.
    by_first: FxHashMap<String, Vec<(usize, usize)>>,
    /// Single-word entries as typed, with their group and their characters
    /// (for typo correction of words absent from the index) and their
    /// [`char_mask`].
    words: Vec<(String, usize, Vec<char>, u64)>,
    stopwords: FxHashSet<&'static str>,
    /// Tech and career words that are on topic even if no passage uses them.
    domain: FxHashSet<String>,
    /// Words of the catalogs (course topics, providers, tool names), each
    /// with the names of the entries it belongs to, as stems.
    catalog: FxHashMap<String, Vec<Arc<[String]>>>,
    /// Per group and alternative: whether the bound index holds it (empty until bound).
    present: Vec<Vec<bool>>,
}

impl Thesaurus {
    /// The built-in vocabulary plus `groups` (e.g. a tool and its aliases)
    /// and `entries`: catalog entries as (words that name them, their names),
    /// e.g. (["hkust", "nodejs"], ["Server-side Development with NodeJS...",
    /// "The Hong Kong University of Science and Technology"]).
    pub fn new(groups: &[Vec<String>], entries: &[(Vec<String>, Vec<String>)]) -> Self {
        let mut th = Thesaurus {
            groups: Vec::new(),
            by_first: FxHashMap::default(),
            words: Vec::new(),
            stopwords: STOPWORDS.iter().copied().collect(),
            domain: DOMAIN_WORDS.iter().map(|w| stem(w)).collect(),
            catalog: FxHashMap::default(),
            present: Vec::new(),
        };
        for entries in SYNONYMS {
            th.add_group(entries.iter().copied());
        }
        for entries in groups {
            th.add_group(entries.iter().map(String::as_str));
        }
        for (words, names) in entries {
            let names: Vec<Arc<[String]>> = names
                .iter()
                .map(|n| analyze(n).into_iter().map(|t| t.stem).collect())
                .collect();
            for word in words {
                for token in analyze(word) {
                    if !th.stopwords.contains(token.word.as_str()) {
                        th.catalog
                            .entry(token.stem)
                            .or_default()
                            .extend(names.iter().filter(|n| !n.is_empty()).cloned());
                    }
                }
            }
        }
        th
    }

    fn add_group<'e>(&mut self, entries: impl Iterator<Item = &'e str>) {
        let g = self.groups.len();
        let mut name = None;
        let mut alts: Vec<Arc<[String]>> = Vec::new();
        for entry in entries {
            let stems: Vec<String> = analyze(entry).into_iter().map(|t| t.stem).collect();
            if stems.is_empty() || alts.iter().any(|a| **a == *stems) {
                continue;
            }
            name.get_or_insert_with(|| entry.to_lowercase());
            if stems.len() == 1 && !entry.contains(' ') {
                let word = entry.to_lowercase().replace('-', "");
                let chars: Vec<char> = word.chars().collect();
                let mask = char_mask(&chars);
                self.words.push((word, g, chars, mask));
            }
            self.by_first
                .entry(stems[0].clone())
                .or_default()
                .push((g, alts.len()));
            alts.push(stems.into());
        }
        if let Some(name) = name {
            self.groups.push((name, alts.into()));
        }
    }

    /// Stems of the catalog entries a word names.
    fn catalog_names(&self, stem: &str) -> Option<&Vec<Arc<[String]>>> {
        self.catalog.get(stem)
    }

    /// Records which alternatives `index` holds, so questions need not look them up.
    pub fn bind(&mut self, index: &SearchIndex) {
        self.present = self
            .groups
            .iter()
            .map(|(_, alts)| alts.iter().map(|stems| index.exists(stems)).collect())
            .collect();
    }

    fn group_named(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|(n, _)| n == name)
    }
}

fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if distance <= 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

/// Prepares the shared tables so the first question is not slower than the rest.
pub(super) fn warm_up() {
    builder(1);
    builder(2);
}

/// Allowed edit distance for a typo of a word of `len` characters.
fn typo_distance(len: usize) -> u8 {
    // Short words have too many real neighbours ("bread" is not a typo of "read").
    match len {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    }
}

struct Dfa<'a>(&'a DFA);

impl tantivy_fst::Automaton for Dfa<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// Above this many terms of a length near the typo's, building the Levenshtein
/// automaton and walking the FST is cheaper than comparing each term.
const MAX_TERMS_COMPARED: usize = 1024;

/// The term of the index within `distance` edits of `stem` (a transposition
/// counts as one edit) with the largest document frequency in one field of
/// one segment, the first in byte order on a tie.
pub(super) fn closest_term(lexicon: &Lexicon, stem: &str, distance: u8) -> Option<String> {
    let query: Vec<char> = stem.chars().collect();
    let max = usize::from(distance);
    let lengths = query.len().saturating_sub(max)..=query.len() + max;
    let nearby: usize = lexicon
        .terms_of_length(lengths.clone())
        .map(<[_]>::len)
        .sum();
    if nearby > MAX_TERMS_COMPARED {
        let dfa = builder(distance).build_dfa(stem);
        return lexicon
            .search(Dfa(&dfa))
            .into_iter()
            .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
            .map(|(term, _)| term);
    }
    let mask = char_mask(&query);
    // Same order as above: larger frequency first, then the smaller term.
    let mut best: Option<&LengthTerm> = None;
    for term in lexicon.terms_of_length(lengths).flatten() {
        let better = best.is_none_or(|b| {
            term.doc_freq > b.doc_freq || (term.doc_freq == b.doc_freq && term.chars < b.chars)
        });
        // Each edit removes at most one character the other word lacks, so a
        // word with more lacking characters than edits allowed is too far.
        if better
            && lacking(mask, term.mask) <= u32::from(distance)
            && distance::within(&query, &term.chars, max, Edits::WithSwaps).is_some()
        {
            best = Some(term);
        }
    }
    best.map(|term| term.chars.iter().collect())
}

/// How many characters of one word, by [`char_mask`], the other lacks (the
/// larger count of the two). Each edit, a transposition included, removes at
/// most one such character, so this never exceeds the edit distance.
fn lacking(a: u64, b: u64) -> u32 {
    (a & !b).count_ones().max((b & !a).count_ones())
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

        // Synonym phrases and words, longest first.
        let mut i = 0;
        while i < tokens.len() {
            if consumed[i] {
                i += 1;
                continue;
            }
            let mut best: Option<(usize, usize)> = None; // (group, length)
            if let Some(candidates) = th.by_first.get(&tokens[i].stem) {
                for &(g, a) in candidates {
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
            }
            if let Some((g, len)) = best {
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

        // The same idea typed twice counts once.
        // Questions hold few concepts: comparing with the earlier ones costs
        // less than hashing copies of them.
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
        concepts.truncate(MAX_CONCEPTS);

        let num_docs = self.num_docs().max(1) as f64;
        for c in &mut concepts {
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
        let mut understood = judge(concepts);
        understood.stems = tokens.into_iter().map(|t| t.stem).collect();
        understood
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
            return single(token.stem.clone(), Match::Exact, 1.0);
        }
        let has_digit = token.word.chars().any(|c| c.is_ascii_digit());
        let distance = if has_digit {
            0
        } else {
            typo_distance(token.stem.chars().count())
        };
        if distance > 0 {
            // A misspelt synonym ("compensaton") is the synonym.
            let typed: Vec<char> = token.word.chars().collect();
            let typed_mask = char_mask(&typed);
            let max = usize::from(distance);
            let near_synonym = th
                .words
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
                .min_by_key(|(d, _, _)| *d);
            if let Some((_, g, w)) = near_synonym {
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
            let alternatives: Vec<Alternative> = names
                .iter()
                .filter(|n| self.exists(n))
                .map(|n| Alternative {
                    stems: Arc::clone(n),
                    weight: 0.85,
                })
                .collect();
            return Concept {
                alternatives,
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

/// Whether a token is content: not a stop word, unless written in capitals
/// as a name ("IT", "US").
fn is_content(text: &str, token: &Token, th: &Thesaurus) -> bool {
    let original = &text[token.start..token.end];
    if CAPITAL_CONTENT.contains(&original) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to `len` characters from `alphabet`.
    fn strings(alphabet: &[char], len: usize) -> Vec<Vec<char>> {
        let mut out = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..len {
            last = last
                .iter()
                .flat_map(|s: &Vec<char>| {
                    alphabet.iter().map(move |c| {
                        let mut t = s.clone();
                        t.push(*c);
                        t
                    })
                })
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    #[test]
    fn transposed_distance_accepts_what_the_levenshtein_automaton_accepts() {
        let all = strings(&['a', 'b', 'é', 'c'], 5);
        for distance in 1..=2u8 {
            for a in all.iter().step_by(3) {
                let text: String = a.iter().collect();
                let dfa = builder(distance).build_dfa(&text);
                for b in &all {
                    let word: String = b.iter().collect();
                    let expected = match dfa.eval(&word) {
                        Distance::Exact(d) => Some(usize::from(d)),
                        Distance::AtLeast(_) => None,
                    };
                    assert_eq!(
                        distance::within(a, b, usize::from(distance), Edits::WithSwaps),
                        expected,
                        "{text} {word} {distance}"
                    );
                    // The cheap filter in `closest_term` never drops a match.
                    let lacks = lacking(char_mask(a), char_mask(b));
                    assert!(expected.is_none() || lacks <= u32::from(distance));
                }
            }
        }
    }
}
