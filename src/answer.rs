//! Layer 4, pure: question + hits + catalogs -> [`Answer`]. Picks and
//! deduplicates passages, highlights matched terms, and adds the tool lists
//! and course pointers the question asks for. No Discord types, no I/O.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashSet;

use serde::Serialize;

use crate::chunk::Passage;
use crate::knowledge::{Course, ToolCategory};
use crate::search::{Hit, Understood};
use crate::text::analysis::{analyze, analyze_where, stems};
use crate::text::sorted::common;
use crate::text::vocabulary::{course_words, STOPWORDS, TOOL_WORDS};

/// Passages shown by default.
pub const DEFAULT_PASSAGES: usize = 3;
/// Passages scoring below this share of the best one are not shown.
const MIN_SHARE_OF_BEST: f32 = 0.3;
/// Boost of an article's opening passages for questions about its subject.
const SUBJECT_PRIOR: f32 = 1.5;
/// Near-duplicate passages (shared stems) are shown once.
const DUPLICATE_OVERLAP: f64 = 0.8;

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

/// What careerbot says to a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// Whether passages answer it.
    pub answered: bool,
    /// Why (not) answered.
    pub status: Status,
    /// Share of the question's ideas the best passage holds, from 0 to 1
    /// (0 when not answered). Unlike scores, comparable across questions.
    pub confidence: f32,
    /// A sentence for the member when not answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Best passages first.
    pub passages: Vec<AnswerPassage>,
    /// Tool lists the question asks about.
    pub tools: Vec<ToolList>,
    /// Course pointers the question asks for.
    pub courses: Vec<CoursePointer>,
    /// Topics to try, when not answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    /// Words of the question that matched, as typed.
    pub terms: Vec<String>,
    /// Typos corrected, as [typed, corrected].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<(String, String)>,
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
    /// Source URL of the article.
    pub source: Option<String>,
    /// Relevance score (comparable within one answer only).
    pub score: f32,
    /// Byte ranges of `text` that matched the question.
    pub highlights: Vec<(usize, usize)>,
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

/// The catalogs with their words analyzed once per snapshot, so answering a
/// question analyzes no catalog text. Every stem of the catalogs has a
/// number, and each name, alias or topic is a sorted list of numbers, so
/// matching a question is merging short integer lists, not hashing strings.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    categories: Vec<CategoryTerms>,
    courses: Vec<CourseTerms>,
    /// Number of every stem of the catalogs and of the tool and course words.
    vocab: FxHashMap<String, u32>,
    tool_words: Vec<u32>,
    course_words: Vec<u32>,
}

/// A set of catalog stems, as their sorted numbers.
type Stems = Vec<u32>;

/// What a question is about, as the catalog's stem numbers (stems the
/// catalog lacks cannot match any of its names, so they are left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topic(Stems);

#[derive(Debug, Clone)]
struct CategoryTerms {
    category: ToolCategory,
    /// The category's own names: keywords, id and display name.
    names: Vec<Stems>,
    /// Its tools' names and aliases.
    tools: Vec<Stems>,
    /// Its tools' names and aliases, lower-cased as written.
    labels: FxHashSet<String>,
}

#[derive(Debug, Clone)]
struct CourseTerms {
    course: Course,
    /// Topics, title and provider, each as a phrase.
    phrases: Vec<Stems>,
    /// Every content word of them.
    words: Stems,
    /// The title alone.
    title: Stems,
}

/// Content stems of a phrase (stop words dropped).
fn phrase(text: &str) -> Vec<String> {
    analyze(text)
        .into_iter()
        .filter(|t| !STOPWORDS.contains(&t.word.as_str()))
        .map(|t| t.stem)
        .collect()
}

/// Whether every stem of `part` is in `whole` (both sorted).
fn is_subset(part: &[u32], whole: &[u32]) -> bool {
    common(part, whole) == part.len()
}

/// Numbers stems as they come, for [`Catalog::new`].
#[derive(Default)]
struct Numbering(FxHashMap<String, u32>);

impl Numbering {
    fn set(&mut self, stems: impl IntoIterator<Item = String>) -> Stems {
        let mut out: Stems = stems
            .into_iter()
            .map(|stem| {
                let next = self.0.len() as u32;
                *self.0.entry(stem).or_insert(next)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Non-empty phrases of `texts`.
    fn phrases<'t>(&mut self, texts: impl IntoIterator<Item = &'t String>) -> Vec<Stems> {
        texts
            .into_iter()
            .map(|t| self.set(phrase(t)))
            .filter(|p| !p.is_empty())
            .collect()
    }
}

impl Catalog {
    /// Analyzes the catalogs' keywords, tool names and course topics.
    pub fn new(tools: &[ToolCategory], courses: &[Course]) -> Self {
        let mut numbering = Numbering::default();
        let tool_words = numbering.set(TOOL_WORDS.iter().flat_map(|w| stems(w)));
        let course_words = numbering.set(course_words().iter().flat_map(|w| stems(w)));
        let categories = tools
            .iter()
            .map(|c| {
                let tool_names = c
                    .tools
                    .iter()
                    .flat_map(|t| std::iter::once(&t.name).chain(&t.aliases));
                CategoryTerms {
                    names: numbering.phrases(c.keywords.iter().chain([&c.id, &c.name])),
                    tools: numbering.phrases(tool_names.clone()),
                    labels: tool_names.map(|n| n.to_lowercase()).collect(),
                    category: c.clone(),
                }
            })
            .collect();
        let courses = courses
            .iter()
            .map(|c| {
                let mut all = numbering.phrases(c.topics.iter().chain([&c.title, &c.provider]));
                let mut words: Stems = all.iter().flatten().copied().collect();
                words.sort_unstable();
                words.dedup();
                // "courses" as a topic matches every course question; it is the intent, not a topic.
                all.retain(|p| !is_subset(p, &course_words));
                words.retain(|w| course_words.binary_search(w).is_err());
                CourseTerms {
                    course: c.clone(),
                    phrases: all,
                    words,
                    title: numbering.set(phrase(&c.title)),
                }
            })
            .collect();
        Catalog {
            categories,
            courses,
            vocab: numbering.0,
            tool_words,
            course_words,
        }
    }

    /// The catalog's numbers for a question's topic stems.
    pub fn topic<'s>(&self, stems: impl IntoIterator<Item = &'s str>) -> Topic {
        let mut ids: Stems = stems
            .into_iter()
            .filter_map(|s| self.vocab.get(s).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Topic(ids)
    }

    /// Tool lists the question asks about: categories it names (or whose
    /// tools it names); every category when it asks about tools in general.
    pub fn tools_for(&self, topic: &Topic) -> Vec<ToolList> {
        let named: Vec<&ToolCategory> = self
            .categories
            .iter()
            .filter(|c| {
                c.names
                    .iter()
                    .chain(&c.tools)
                    .any(|p| is_subset(p, &topic.0))
            })
            .map(|c| &c.category)
            .collect();
        let chosen: Vec<&ToolCategory> = if !named.is_empty() {
            named
        } else if common(&topic.0, &self.tool_words) > 0 {
            self.categories.iter().map(|c| &c.category).collect()
        } else {
            Vec::new()
        };
        chosen
            .into_iter()
            .map(|c| ToolList {
                category: c.name.clone(),
                id: c.id.clone(),
                items: c.tools.iter().map(|t| t.name.clone()).collect(),
            })
            .collect()
    }

    /// Whether the question names a tool category ("databases") without
    /// naming any of its tools ("MongoDB").
    pub fn names_category_only(&self, topic: &Topic) -> bool {
        let names_tool = self
            .categories
            .iter()
            .any(|c| c.tools.iter().any(|p| is_subset(p, &topic.0)));
        !names_tool
            && self
                .categories
                .iter()
                .any(|c| c.names.iter().any(|p| is_subset(p, &topic.0)))
    }

    /// Whether a passage is mostly a list of catalog tools.
    pub fn is_tool_list(&self, text: &str) -> bool {
        let items: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("- "))
            .map(|l| l.trim().to_lowercase())
            .collect();
        if items.len() < 3 {
            return false;
        }
        let known = items
            .iter()
            .filter(|item| self.categories.iter().any(|c| c.labels.contains(*item)))
            .count();
        known * 5 >= items.len() * 3
    }

    /// Course pointers: courses the question names, or, when it asks about
    /// learning, the courses whose topics it mentions (all when none do).
    pub fn courses_for(&self, topic: &Topic) -> Vec<CoursePointer> {
        let wants_courses = common(&topic.0, &self.course_words) > 0;
        let mut scored: Vec<(usize, usize)> = self
            .courses
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let full = c.phrases.iter().filter(|p| is_subset(p, &topic.0)).count();
                let partial = common(&c.words, &topic.0);
                (i, full * 3 + partial)
            })
            .filter(|(_, score)| *score > 0)
            .collect();
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let picked: Vec<usize> = if wants_courses {
            if scored.is_empty() {
                (0..self.courses.len()).collect()
            } else {
                scored.iter().map(|(i, _)| *i).collect()
            }
        } else {
            // Without a learning word, only a course named by its title.
            scored
                .iter()
                .filter(|(i, _)| {
                    let title = &self.courses[*i].title;
                    title.len() >= 2 && is_subset(title, &topic.0)
                })
                .map(|(i, _)| *i)
                .collect()
        };
        picked
            .into_iter()
            .map(|i| {
                let c = &self.courses[i].course;
                CoursePointer {
                    title: c.title.clone(),
                    provider: c.provider.clone(),
                    url: c.url.clone(),
                    platform: c.platform.clone(),
                    level: c.level.clone(),
                }
            })
            .collect()
    }
}

/// What each passage holds, analyzed once per snapshot, so that answering a
/// question analyzes no passage text except to highlight the ones shown.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    vocab: FxHashMap<String, u32>,
    /// Per passage: sorted stems of its text, headings, phrasings and title.
    words: Vec<Vec<u32>>,
    /// Per passage: word sets of its own heading and of its list-item labels.
    headings: Vec<Vec<Vec<u32>>>,
    /// Per passage: stems of its article's title.
    titles: Vec<Vec<u32>>,
    /// Per passage: whether it is mostly a list of catalog tools.
    tool_lists: Vec<bool>,
    /// Per stem id: a word of the knowledge base with that stem, to show corrections.
    surface: Vec<String>,
    /// Per passage: every word of its text as (start, end, stem id), so
    /// highlighting an answer analyzes nothing.
    marks: Vec<Vec<(u32, u32, u32)>>,
    /// Per stem id: the passages whose `words` hold it, in order. Only for
    /// knowledge bases of up to [`HOLDERS_MAX_PASSAGES`] passages, where
    /// marking the holders of a question's few stems is cheaper than
    /// searching every hit's words for them.
    holders: Vec<Vec<u32>>,
}

/// Up to this many passages, [`Profiles`] keeps each stem's holders.
const HOLDERS_MAX_PASSAGES: usize = 4096;

impl Profiles {
    /// Analyzes every passage.
    pub fn new(passages: &[Passage], catalog: &Catalog) -> Self {
        let mut vocab: FxHashMap<String, u32> = FxHashMap::default();
        let mut surface: Vec<String> = Vec::new();
        let mut marks: Vec<Vec<(u32, u32, u32)>> = Vec::with_capacity(passages.len());
        for p in passages {
            let tokens = analyze(&p.text);
            marks.push(
                tokens
                    .into_iter()
                    .filter_map(|t| {
                        let next = vocab.len() as u32;
                        let id = *vocab.entry(t.stem).or_insert(next);
                        if id == next {
                            surface.push(t.word);
                        }
                        Some((u32::try_from(t.start).ok()?, u32::try_from(t.end).ok()?, id))
                    })
                    .collect(),
            );
        }
        let mut intern = |text: &str| -> Vec<u32> {
            let mut ids: Vec<u32> = analyze(text)
                .into_iter()
                .map(|t| {
                    let next = vocab.len() as u32;
                    let id = *vocab.entry(t.stem).or_insert(next);
                    if id == next {
                        surface.push(t.word);
                    }
                    id
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let mut profiles = Profiles::default();
        for (p, marks) in passages.iter().zip(&marks) {
            let mut words: Vec<u32> = marks.iter().map(|m| m.2).collect();
            words.sort_unstable();
            words.dedup();
            words.extend(intern(&p.section.join(" ")));
            words.extend(intern(&p.keywords.join(" ; ")));
            let title = intern(&p.article);
            words.extend(title.iter().copied());
            words.sort_unstable();
            words.dedup();
            let headings = p
                .section
                .last()
                .into_iter()
                .cloned()
                .chain(crate::chunk::labels(&p.text))
                .map(|h| intern(&h))
                .collect();
            profiles.words.push(words);
            profiles.headings.push(headings);
            profiles.titles.push(title);
            profiles.tool_lists.push(catalog.is_tool_list(&p.text));
        }
        if passages.len() <= HOLDERS_MAX_PASSAGES {
            profiles.holders = vec![Vec::new(); vocab.len()];
            for (ord, words) in profiles.words.iter().enumerate() {
                for &id in words {
                    profiles.holders[id as usize].push(ord as u32);
                }
            }
        }
        profiles.vocab = vocab;
        profiles.surface = surface;
        profiles.marks = marks;
        profiles
    }

    /// Per hit, the set of `concepts` (bit i for concept i) having an
    /// alternative among the hit passage's words.
    fn concepts_held(&self, concepts: &[Vec<u32>], hits: &[Hit]) -> Vec<u64> {
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

    /// A word of the knowledge base with this stem ("languag" -> "languages").
    pub fn surface(&self, stem: &str) -> Option<&str> {
        self.id(stem)
            .and_then(|id| self.surface.get(id as usize))
            .map(String::as_str)
    }

    fn id(&self, stem: &str) -> Option<u32> {
        self.vocab.get(stem).copied()
    }

    /// Ids of `stems` (sorted, deduplicated) and how many are unknown.
    fn ids(&self, stems: &[String]) -> (Vec<u32>, usize) {
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
}

/// Builds the answer to `question` from its understanding and search hits.
pub fn compose(question: &str, understood: &Understood, hits: &[Hit], ctx: &Context<'_>) -> Answer {
    let mut answer = Answer {
        question: question.to_string(),
        answered: false,
        status: Status::Empty,
        confidence: 0.0,
        message: None,
        passages: Vec::new(),
        tools: Vec::new(),
        courses: Vec::new(),
        suggestions: Vec::new(),
        terms: Vec::new(),
        corrections: understood
            .corrections()
            .into_iter()
            .map(|(typed, stem)| {
                let word = ctx
                    .profiles
                    .surface(&stem)
                    .map_or(stem.clone(), str::to_string);
                (typed, word)
            })
            .collect(),
    };
    if understood.is_empty() {
        let example = ctx
            .suggestions
            .first()
            .map_or(String::new(), |s| format!(", for example about “{s}”"));
        answer.message = Some(format!("Please ask a question{example}."));
        answer.suggestions = ctx.suggestions.to_vec();
        return answer;
    }
    let matched = understood.matched_stems();
    let topic = ctx.catalog.topic(understood.topic_stems());
    let tools = ctx.catalog.tools_for(&topic);
    let (mut candidates, confidence) = if understood.in_scope {
        rerank(understood, hits, ctx)
    } else {
        (Vec::new(), 0.0)
    };
    if !tools.is_empty() && ctx.catalog.names_category_only(&topic) {
        // The answer lists the category's tools in its own field; the first
        // passage should explain them rather than repeat the list.
        if let Some(first_prose) = candidates
            .iter()
            .position(|(ord, _)| !ctx.profiles.tool_lists.get(*ord).copied().unwrap_or(false))
        {
            let prose = candidates.remove(first_prose);
            candidates.insert(0, prose);
        }
    }
    if candidates.is_empty() {
        answer.status = Status::OutOfScope;
        answer.message = Some(if ctx.suggestions.is_empty() {
            "I don't know that one.".to_string()
        } else {
            format!(
                "I don't know that one. Try asking about: {}.",
                ctx.suggestions.join(", ")
            )
        });
        answer.suggestions = ctx.suggestions.to_vec();
        return answer;
    }
    let best = candidates.iter().map(|c| c.1).fold(0.0_f32, f32::max);
    let mut chosen: Vec<(usize, f32)> = Vec::new();
    for (ord, score) in candidates {
        if chosen.len() >= ctx.max_passages || score < best * MIN_SHARE_OF_BEST {
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
    answer.passages = chosen
        .into_iter()
        .map(|(ord, score)| {
            let p = &ctx.passages[ord];
            AnswerPassage {
                id: p.id.clone(),
                article: p.article.clone(),
                section: p.section_label(),
                highlights: ctx.profiles.highlights(ord, &p.text, &matched),
                text: p.text.clone(),
                source: p.source.clone(),
                score: (score * 1000.0).round() / 1000.0,
            }
        })
        .collect();
    answer.answered = true;
    answer.status = Status::Answered;
    answer.confidence = confidence;
    answer.tools = tools;
    answer.courses = ctx.catalog.courses_for(&topic);
    answer.terms = understood
        .concepts
        .iter()
        .filter(|c| c.is_matched())
        .map(|c| c.label.clone())
        .collect();
    answer
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
    let scored = rerank_with_presence(understood, hits, ctx);
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

fn rerank_with_presence(
    understood: &Understood,
    hits: &[Hit],
    ctx: &Context<'_>,
) -> Vec<(usize, f32, usize)> {
    let profiles = ctx.profiles;
    let (asked, asked_unknown) = profiles.ids(&understood.stems);
    // The question's words plus the one-word synonyms of its concepts, so a
    // heading saying "back-end" matches a question saying "server-side".
    let mut expanded = asked.clone();
    for c in understood.concepts.iter().filter(|c| c.is_matched()) {
        for a in c.alternatives.iter().filter(|a| a.stems.len() == 1) {
            expanded.extend(profiles.id(&a.stems[0]));
        }
    }
    expanded.sort_unstable();
    expanded.dedup();
    let asked_len = asked.len() + asked_unknown;
    let concepts: Vec<Vec<u32>> = understood
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
        .collect();
    // Concepts past the 64th cannot be told apart in a set of bits; the
    // understanding keeps far fewer.
    let concepts = &concepts[..concepts.len().min(64)];
    let held = profiles.concepts_held(concepts, hits);
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
            let title = &profiles.titles[h.ord];
            let about_subject = !concepts.is_empty()
                && concepts
                    .iter()
                    .all(|alts| alts.iter().any(|id| title.binary_search(id).is_ok()));
            let prior = if about_subject && ctx.passages[h.ord].position < 2 {
                SUBJECT_PRIOR
            } else {
                1.0
            };
            // A heading that asks the member's question ("What does a back-end
            // developer do?") is the place the writer answered it.
            let similarity = profiles.headings[h.ord]
                .iter()
                .map(|heading| {
                    let both = common(&expanded, heading).min(asked_len);
                    let union = asked_len + heading.len() - both;
                    if union == 0 {
                        0.0
                    } else {
                        both as f32 / union as f32
                    }
                })
                .fold(0.0_f32, f32::max);
            let heading = if similarity >= 0.5 {
                1.0 + similarity
            } else {
                1.0
            };
            (
                h.ord,
                h.score * (0.5 + 0.5 * share) * prior * heading,
                present,
            )
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
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
            source: None,
            score: 1.0,
            highlights: h,
        };
        assert_eq!(
            p.highlighted("**", "**"),
            "A **back-end developer** builds things. **Developers**!"
        );
    }

    #[test]
    fn catalog_finds_categories_by_keyword_or_tool_name() {
        let cats = vec![ToolCategory {
            id: "databases".into(),
            name: "Databases".into(),
            keywords: vec!["database".into()],
            description: None,
            tools: vec![crate::knowledge::Tool {
                name: "MongoDB".into(),
                description: None,
                url: None,
                aliases: vec!["mongo".into()],
            }],
        }];
        let catalog = Catalog::new(&cats, &[]);
        let topic = |words: &[&str]| {
            let stems: Vec<String> = words.iter().flat_map(|w| stems(w)).collect();
            catalog.topic(stems.iter().map(String::as_str))
        };
        assert_eq!(
            catalog.tools_for(&topic(&["databases"]))[0].items,
            vec!["MongoDB"]
        );
        assert_eq!(catalog.tools_for(&topic(&["mongo"])).len(), 1);
        assert_eq!(
            catalog.tools_for(&topic(&["stack"])).len(),
            1,
            "tools in general"
        );
        assert!(catalog.tools_for(&topic(&["salary"])).is_empty());
    }
}
