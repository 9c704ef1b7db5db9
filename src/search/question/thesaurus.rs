//! The thesaurus a question is understood with: synonym groups (the
//! built-in career vocabulary plus the catalogs' names and aliases), the
//! catalogs' words, and which alternatives the bound index holds.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::super::lexicon::char_mask;
use super::super::SearchIndex;
use super::Form;
use crate::text::analysis::{analyze, stem};
use crate::text::vocabulary::vocabulary;

/// Synonym groups (the built-in career vocabulary plus the catalog's tool
/// names and aliases) and the words the knowledge base knows of, analyzed
/// once per knowledge snapshot.
#[derive(Debug, Clone)]
pub struct Thesaurus {
    /// Per group: its name and its alternatives as stems.
    pub(super) groups: Vec<(String, Arc<[Form]>)>,
    /// First stem -> (group, alternative) pairs starting with it.
    pub(super) by_first: FxHashMap<String, Vec<(usize, usize)>>,
    /// Single-word entries as typed, with their group and their characters
    /// (for typo correction of words absent from the index) and their
    /// [`char_mask`].
    pub(super) words: Vec<(String, usize, Vec<char>, u64)>,
    pub(super) stopwords: FxHashSet<&'static str>,
    /// Tech and career words that are on topic even if no passage uses them.
    pub(super) domain: FxHashSet<String>,
    /// Words of the catalogs (course topics, providers, tool names), each
    /// with the names of the entries it belongs to, as stems.
    pub(super) catalog: FxHashMap<String, Vec<Arc<[String]>>>,
    /// Per group and alternative: whether the bound index holds it (empty until bound).
    pub(super) present: Vec<Vec<bool>>,
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
            stopwords: vocabulary().stopwords.iter().map(String::as_str).collect(),
            domain: vocabulary().domain_words.iter().map(|w| stem(w)).collect(),
            catalog: FxHashMap::default(),
            present: Vec::new(),
        };
        for entries in &vocabulary().synonyms {
            th.add_group(entries.iter().map(String::as_str));
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
    pub(super) fn catalog_names(&self, stem: &str) -> Option<&Vec<Arc<[String]>>> {
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

    pub(super) fn group_named(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|(n, _)| n == name)
    }
}
