//! The catalogs (tool lists and courses) with their words analyzed once
//! per snapshot, and what a question's topic finds in them.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{CoursePointer, ToolList};
use crate::knowledge::{Course, ToolCategory};
use crate::text::analysis::{analyze, stems};
use crate::text::sorted::common;
use crate::text::vocabulary::vocabulary;

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
        .filter(|t| !vocabulary().is_stopword(&t.word))
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
        let tool_words = numbering.set(vocabulary().tool_words.iter().flat_map(|w| stems(w)));
        let course_words = numbering.set(vocabulary().course_words().iter().flat_map(|w| stems(w)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
