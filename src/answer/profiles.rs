//! What each passage holds, analyzed once per snapshot: its stems, its
//! headings' and list labels' words, its article's title, whether it is a
//! tool list, and where each word is, for highlighting.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use super::catalog::Catalog;
use crate::chunk::Passage;
use crate::search::Hit;
use crate::text::analysis::{analyze, analyze_where};

/// What each passage holds, analyzed once per snapshot, so that answering a
/// question analyzes no passage text except to highlight the ones shown.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    pub(super) vocab: FxHashMap<String, u32>,
    /// Per passage: sorted stems of its text, headings, phrasings and title.
    pub(super) words: Vec<Vec<u32>>,
    /// Per passage: word sets of its own heading and of its list-item labels.
    pub(super) headings: Vec<Vec<Vec<u32>>>,
    /// Per passage: stems of its article's title.
    pub(super) titles: Vec<Vec<u32>>,
    /// The stems of every article's title but the moderators' answers'
    /// ("Community answers" names no subject), sorted: what the knowledge
    /// base is about.
    subjects: Vec<u32>,
    /// Per passage: whether it is mostly a list of catalog tools.
    pub(super) tool_lists: Vec<bool>,
    /// Per passage: what kind of text it is, beyond its words.
    pub(super) forms: Vec<Form>,
    /// Per passage: word sets of the headings above its own (outermost first).
    pub(super) parents: Vec<Vec<Vec<u32>>>,
    /// Per stem id: a word of the knowledge base with that stem, to show corrections.
    pub(super) surface: Vec<String>,
    /// Per passage: every word of its text as (start, end, stem id), so
    /// highlighting an answer analyzes nothing.
    pub(super) marks: Vec<Vec<(u32, u32, u32)>>,
    /// Per stem id: the passages whose `words` hold it, in order. Only for
    /// knowledge bases of up to [`HOLDERS_MAX_PASSAGES`] passages, where
    /// marking the holders of a question's few stems is cheaper than
    /// searching every hit's words for them.
    pub(super) holders: Vec<Vec<u32>>,
}

/// What kind of text a passage is, read from its structure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Form {
    /// Mostly links (or addresses): reading matter, not an answer.
    pub link_list: bool,
    /// Only questions (a self-check): it asks, it does not answer.
    pub questions_only: bool,
    /// The first passage of its section: where the section's subject is introduced.
    pub lead: bool,
    /// Its own heading recurs all over the knowledge base ("Solution",
    /// "Summary"), so it says nothing about the topic.
    pub generic_heading: bool,
}

impl Form {
    /// Whether the passage can answer a question at all, rather than only
    /// follow an answer as further reading or practice.
    pub fn answers(&self) -> bool {
        !self.link_list && !self.questions_only
    }
}

/// A passage with at least this share of its characters in links is a link list.
const LINK_LIST_SHARE: f32 = 0.5;
/// A heading under at least this many different parents is generic.
const GENERIC_HEADING_PLACES: usize = 3;

/// Stems numbered in the order they are first seen, with the word each
/// was first seen as.
#[derive(Default)]
struct Interner {
    vocab: FxHashMap<String, u32>,
    surface: Vec<String>,
}

impl Interner {
    fn id(&mut self, stem: String, word: String) -> u32 {
        let next = self.vocab.len() as u32;
        let id = *self.vocab.entry(stem).or_insert(next);
        if id == next {
            self.surface.push(word);
        }
        id
    }

    /// The distinct ids of `text`'s stems, sorted.
    fn ids(&mut self, text: &str) -> Vec<u32> {
        let mut ids: Vec<u32> = analyze(text)
            .into_iter()
            .map(|t| self.id(t.stem, t.word))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Up to this many passages, [`Profiles`] keeps each stem's holders.
const HOLDERS_MAX_PASSAGES: usize = 4096;

impl Profiles {
    /// Analyzes every passage.
    pub fn new(passages: &[Passage], catalog: &Catalog) -> Self {
        let mut interner = Interner::default();
        let marks: Vec<Vec<(u32, u32, u32)>> = passages
            .iter()
            .map(|p| {
                analyze(&p.text)
                    .into_iter()
                    .filter_map(|t| {
                        let id = interner.id(t.stem, t.word);
                        Some((u32::try_from(t.start).ok()?, u32::try_from(t.end).ok()?, id))
                    })
                    .collect()
            })
            .collect();
        let mut profiles = Profiles::default();
        let generic = generic_headings(passages);
        for (ord, (p, marks)) in passages.iter().zip(&marks).enumerate() {
            let lead = ord == 0 || {
                let prev = &passages[ord - 1];
                prev.article_id != p.article_id || prev.section != p.section
            };
            profiles.add(p, marks, lead, &generic, catalog, &mut interner);
        }
        if passages.len() <= HOLDERS_MAX_PASSAGES {
            profiles.holders = vec![Vec::new(); interner.vocab.len()];
            for (ord, words) in profiles.words.iter().enumerate() {
                for &id in words {
                    profiles.holders[id as usize].push(ord as u32);
                }
            }
        }
        let mut subjects: Vec<u32> = passages
            .iter()
            .zip(&profiles.titles)
            .filter(|(p, _)| p.article_id != crate::knowledge::community::ID)
            .flat_map(|(_, title)| title.iter().copied())
            .collect();
        subjects.sort_unstable();
        subjects.dedup();
        profiles.subjects = subjects;
        profiles.vocab = interner.vocab;
        profiles.surface = interner.surface;
        profiles.marks = marks;
        profiles
    }

    /// The profile of one passage, its text's stems `marks` already interned.
    fn add(
        &mut self,
        p: &Passage,
        marks: &[(u32, u32, u32)],
        lead: bool,
        generic: &HashSet<String>,
        catalog: &Catalog,
        interner: &mut Interner,
    ) {
        let is_generic: Vec<bool> = p
            .section
            .iter()
            .map(|h| generic.contains(&heading_key(h)))
            .collect();
        let generic_heading = is_generic.last().copied().unwrap_or(false);
        self.forms.push(Form {
            link_list: is_link_list(&p.text, &p.spans),
            questions_only: questions_only(&p.text),
            lead,
            generic_heading,
        });
        let parents: Vec<Vec<u32>> = p.section[..p.section.len().saturating_sub(1)]
            .iter()
            .map(|h| interner.ids(h))
            .collect();
        self.parents.push(parents);
        let mut words: Vec<u32> = marks.iter().map(|m| m.2).collect();
        words.sort_unstable();
        words.dedup();
        words.extend(interner.ids(&p.section.join(" ")));
        words.extend(interner.ids(&p.keywords.join(" ; ")));
        let title = interner.ids(&p.article);
        words.extend(title.iter().copied());
        words.sort_unstable();
        words.dedup();
        // A generic heading names nothing: the nearest heading above it
        // (or the article's title) is what the passage is about.
        let own = if generic_heading {
            p.section
                .iter()
                .zip(&is_generic)
                .rev()
                .find(|(_, generic)| !**generic)
                .map_or_else(|| p.article.clone(), |(h, _)| h.clone())
        } else {
            p.section.last().cloned().unwrap_or_default()
        };
        let headings = Some(own)
            .into_iter()
            .filter(|h| !h.is_empty())
            .chain(crate::chunk::labels(&p.text))
            .map(|h| interner.ids(&h))
            .collect();
        self.words.push(words);
        self.headings.push(headings);
        self.titles.push(title);
        self.tool_lists.push(catalog.is_tool_list(&p.text));
    }

    /// Per hit, the set of `concepts` (bit i for concept i) having an
    /// alternative among the hit passage's words.
    pub(super) fn concepts_held(&self, concepts: &[Vec<u32>], hits: &[Hit]) -> Vec<u64> {
        let holds =
            |words: &[u32], alts: &[u32]| alts.iter().any(|id| words.binary_search(id).is_ok());
        let marked: usize = concepts
            .iter()
            .flatten()
            .map(|&id| self.holders.get(id as usize).map_or(0, Vec::len))
            .sum();
        if self.holders.is_empty() || marked > hits.len() * 32 {
            return hits
                .iter()
                .map(|h| {
                    let words = self.words.get(h.ord).map_or(&[][..], Vec::as_slice);
                    concepts
                        .iter()
                        .enumerate()
                        .filter(|(_, alts)| holds(words, alts))
                        .fold(0, |set, (i, _)| set | 1 << i)
                })
                .collect();
        }
        let mut sets = vec![0u64; self.words.len()];
        for (i, alts) in concepts.iter().enumerate() {
            for &id in alts {
                for &ord in self.holders.get(id as usize).map_or(&[][..], Vec::as_slice) {
                    sets[ord as usize] |= 1 << i;
                }
            }
        }
        hits.iter()
            .map(|h| sets.get(h.ord).copied().unwrap_or(0))
            .collect()
    }

    /// Byte ranges of passage `ord`'s `text` whose stems are in `stems`,
    /// as [`highlight`] finds them, from the words analyzed at load.
    pub fn highlights(
        &self,
        ord: usize,
        text: &str,
        stems: &HashSet<String>,
    ) -> Vec<(usize, usize)> {
        let Some(marks) = self.marks.get(ord) else {
            return highlight(text, stems);
        };
        let wanted: Vec<u32> = stems.iter().filter_map(|s| self.id(s)).collect();
        // Most words are not wanted: one bit per id modulo 64 rules them out
        // before the list is searched.
        let sieve = wanted.iter().fold(0u64, |bits, id| bits | 1 << (id % 64));
        let mut out: Vec<(usize, usize)> = Vec::new();
        for &(start, end, id) in marks {
            if sieve & 1 << (id % 64) == 0 || !wanted.contains(&id) {
                continue;
            }
            let (start, end) = (start as usize, end as usize);
            match out.last_mut() {
                Some(last)
                    if text
                        .get(last.1..start)
                        .is_some_and(|gap| gap.chars().all(|c| c == ' ')) =>
                {
                    last.1 = end;
                }
                _ => out.push((start, end)),
            }
        }
        out
    }

    /// Whether passage `ord` says what one of `alternatives` is near its
    /// start ("A content delivery network (CDN) is …", "Sharding refers to …").
    pub(super) fn defines(&self, ord: usize, alternatives: &[Vec<u32>]) -> bool {
        const OPENING_WORDS: usize = 40;
        let verbs: Vec<u32> = ["is", "are", "refer", "mean"]
            .iter()
            .filter_map(|w| self.id(w))
            .collect();
        let Some(marks) = self.marks.get(ord) else {
            return false;
        };
        let marks = &marks[..marks.len().min(OPENING_WORDS)];
        marks.iter().enumerate().any(|(i, m)| {
            alternatives.iter().any(|alts| alts.contains(&m.2))
                && marks[i + 1..marks.len().min(i + 3)]
                    .iter()
                    .any(|n| verbs.contains(&n.2))
        })
    }

    /// Length in bytes of the word shown for stem id `id`.
    pub(super) fn surface_len(&self, id: u32) -> usize {
        self.surface.get(id as usize).map_or(0, String::len)
    }

    /// What kind of text passage `ord` is.
    pub fn form(&self, ord: usize) -> Form {
        self.forms.get(ord).copied().unwrap_or_default()
    }

    /// A word of the knowledge base with this stem ("languag" -> "languages").
    pub fn surface(&self, stem: &str) -> Option<&str> {
        self.id(stem)
            .and_then(|id| self.surface.get(id as usize))
            .map(String::as_str)
    }

    pub(super) fn id(&self, stem: &str) -> Option<u32> {
        self.vocab.get(stem).copied()
    }

    /// Whether `stems` (a word or a phrase) name a subject of the knowledge
    /// base: each is a word of an article's title.
    pub fn names_subject(&self, stems: &[String]) -> bool {
        !stems.is_empty()
            && stems.iter().all(|s| {
                self.id(s)
                    .is_some_and(|id| self.subjects.binary_search(&id).is_ok())
            })
    }

    /// Ids of `stems` (sorted, deduplicated) and how many are unknown.
    pub(super) fn ids(&self, stems: &[String]) -> (Vec<u32>, usize) {
        let mut unknown = 0;
        let mut ids: Vec<u32> = Vec::new();
        for s in stems {
            match self.id(s) {
                Some(id) => ids.push(id),
                None => unknown += 1,
            }
        }
        ids.sort_unstable();
        ids.dedup();
        (ids, unknown)
    }
}

/// Headings that recur under at least [`GENERIC_HEADING_PLACES`] different
/// parents (other articles, or other sections of one): boilerplate of the
/// knowledge base's own making, learnt from it.
fn generic_headings(passages: &[Passage]) -> HashSet<String> {
    let mut places: FxHashMap<String, HashSet<(&str, &[String])>> = FxHashMap::default();
    for p in passages {
        if let Some((own, parents)) = p.section.split_last() {
            places
                .entry(heading_key(own))
                .or_default()
                .insert((p.article_id.as_str(), parents));
        }
    }
    places
        .into_iter()
        .filter(|(_, at)| at.len() >= GENERIC_HEADING_PLACES)
        .map(|(h, _)| h)
        .collect()
}

fn heading_key(heading: &str) -> String {
    crate::text::analysis::stems(heading).join(" ")
}

/// Whether `text` is reading matter: mostly links, or a list whose items
/// nearly all cite a link (a "Sources" list: a title, then its address).
fn is_link_list(text: &str, spans: &[crate::knowledge::inline::Span]) -> bool {
    use crate::knowledge::inline::{link_share, SpanKind};
    let share = link_share(text, spans);
    if share >= LINK_LIST_SHARE {
        return true;
    }
    let mut items = 0;
    let mut linked = 0;
    let mut at = 0;
    for line in text.split('\n') {
        let (start, end) = (at, at + line.len());
        at = end + 1;
        if !line.trim_start().starts_with("- ") {
            continue;
        }
        items += 1;
        if spans
            .iter()
            .any(|s| !matches!(s.kind, SpanKind::Code) && s.start >= start && s.end <= end)
        {
            linked += 1;
        }
    }
    items >= 2 && linked * 5 >= items * 4 && share >= LINK_LIST_SHARE / 2.0
}

/// Whether every line of `text` is a question (or a lead-in to them).
fn questions_only(text: &str) -> bool {
    let mut asked = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?' && c != ':');
        if line.ends_with('?') {
            asked += 1;
        } else if !line.ends_with(':') {
            return false;
        }
    }
    asked > 0
}

/// Byte ranges of `text` whose stems are in `stems`; neighbours separated
/// only by spaces are merged ("back-end developer" is one highlight).
pub fn highlight(text: &str, stems: &HashSet<String>) -> Vec<(usize, usize)> {
    // A word stems to one of `stems` only if it starts like it ("salary" ->
    // "salari"), so only such words are stemmed.
    let heads: Vec<&str> = stems
        .iter()
        .map(|s| s.char_indices().nth(3).map_or(s.as_str(), |(i, _)| &s[..i]))
        .collect();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for token in analyze_where(text, |word| heads.iter().any(|h| word.starts_with(h))) {
        if !stems.contains(&token.stem) {
            continue;
        }
        match out.last_mut() {
            Some(last) if text[last.1..token.start].chars().all(|c| c == ' ') => last.1 = token.end,
            _ => out.push((token.start, token.end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::AnswerPassage;
    use crate::text::analysis::stems;

    #[test]
    fn concepts_held_is_the_same_marked_from_holders_or_searched_per_hit() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let (kb, _, _) = crate::knowledge::load(&dir).expect("seed loads");
        let passages = crate::chunk::chunk_all(&kb.articles);
        let catalog = Catalog::new(&kb.tools, &kb.courses);
        let marked = Profiles::new(&passages, &catalog);
        assert!(!marked.holders.is_empty());
        let searched = Profiles {
            holders: Vec::new(),
            ..marked.clone()
        };
        let id = |word: &str| marked.id(&stems(word)[0]);
        let concepts: Vec<Vec<u32>> = [
            vec!["salary", "pay"],
            vec!["database"],
            vec!["python", "java", "ruby"],
            vec!["developer", "engineer"],
        ]
        .iter()
        .map(|alts| alts.iter().filter_map(|w| id(w)).collect())
        .collect();
        let hits: Vec<Hit> = (0..passages.len())
            .map(|ord| Hit { ord, score: 1.0 })
            .collect();
        let from_holders = marked.concepts_held(&concepts, &hits);
        assert_eq!(from_holders, searched.concepts_held(&concepts, &hits));
        assert!(from_holders.iter().any(|&set| set.count_ones() >= 2));
        assert!(from_holders.iter().any(|&set| set != from_holders[0]));
    }

    #[test]
    fn highlights_merge_neighbouring_words() {
        let stems: HashSet<String> = ["backend", "developer"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = "A back-end developer builds things. Developers!";
        let h = highlight(text, &stems);
        assert_eq!(h, vec![(2, 20), (36, 46)]);
        let p = AnswerPassage {
            id: "x".into(),
            article: "a".into(),
            section: String::new(),
            text: text.into(),
            spans: Vec::new(),
            source: None,
            score: 1.0,
            highlights: h,
            semantic: None,
        };
        assert_eq!(
            p.highlighted("**", "**"),
            "A **back-end developer** builds things. **Developers**!"
        );
    }
}
