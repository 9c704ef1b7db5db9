//! One interface over the three ways careerbot scores a query tree. Each
//! returns the same documents with the same scores (the tests below hold
//! them to it); they differ in cost with the size of the knowledge base:
//!
//! - [`Own`], up to [`OWN_MAX_DOCS`] passages: postings held in memory and
//!   scored by careerbot ([`super::memory`], [`super::scorer`]). tantivy's
//!   set-up per leaf (a dictionary lookup, a postings block, a BM25 table
//!   and a boxed scorer) dominates a question on a small knowledge base.
//! - [`Exhaustive`], in between: the tree as one tantivy query, whose
//!   streaming unions cost less than materializing every leaf's matches.
//! - [`Pruned`], from [`PRUNE_MIN_DOCS`] passages: tantivy's postings
//!   walked with MaxScore pruning ([`super::prune`]), which skips more
//!   postings than its bookkeeping costs once a common word's postings run
//!   into the tens of thousands.
//!
//! PERFORMANCE.md gives the measurements behind both thresholds.

use tantivy::collector::TopDocs;
use tantivy::schema::Field;
use tantivy::{DocAddress, Score, Searcher};

use super::lexicon::{Lexicon, Statistics, TEXT_FIELDS};
use super::memory::MemoryIndex;
use super::prune;
use super::query::Node;
use super::scorer;

/// Up to this many passages, [`Own`] scores.
pub(super) const OWN_MAX_DOCS: u64 = 4096;
/// From this many passages up, [`Pruned`] scores.
pub(super) const PRUNE_MIN_DOCS: u64 = 32_768;

/// What every back end scores from: one snapshot's searcher, its lexicon
/// and its text fields in slot order.
#[derive(Clone, Copy)]
pub(super) struct Corpus<'a> {
    /// The snapshot's searcher.
    pub searcher: &'a Searcher,
    /// Its per-term statistics.
    pub lexicon: &'a Lexicon,
    /// Its text fields, in slot order.
    pub fields: [Field; TEXT_FIELDS],
}

impl Corpus<'_> {
    /// BM25 statistics from the lexicon: the figures tantivy would read,
    /// without a term dictionary lookup per term and segment.
    fn statistics(&self) -> Statistics<'_> {
        Statistics {
            lexicon: self.lexicon,
            searcher: self.searcher,
        }
    }
}

/// The best documents first, with their scores; equal scores keep index
/// order, as tantivy's `TopDocs` does.
pub(super) type Top = Vec<(Score, DocAddress)>;

/// A way of scoring a query tree.
pub(super) trait Backend: Send + Sync {
    /// The `limit` best documents for `query`.
    ///
    /// # Errors
    /// When tantivy fails to read the index.
    fn top(&self, corpus: &Corpus<'_>, query: Node<'_>, limit: usize) -> tantivy::Result<Top>;
}

/// The back end for the knowledge base `searcher` reads. Reads the
/// postings into memory, or the term-frequency bounds, when it needs them.
///
/// # Errors
/// When tantivy fails to read the index.
pub(super) fn choose(
    searcher: &Searcher,
    fields: [Field; TEXT_FIELDS],
    lexicon: &mut Lexicon,
) -> tantivy::Result<Box<dyn Backend>> {
    let num_docs = searcher.num_docs();
    // Unit tests read the bounds at every size, to compare the pruned
    // search with tantivy's on small knowledge bases too.
    if num_docs >= PRUNE_MIN_DOCS || cfg!(test) {
        lexicon.read_tf_bounds(searcher)?;
    }
    Ok(if num_docs <= OWN_MAX_DOCS {
        Box::new(Own {
            memory: MemoryIndex::read(searcher, fields, lexicon)?,
        })
    } else if num_docs >= PRUNE_MIN_DOCS {
        Box::new(Pruned)
    } else {
        Box::new(Exhaustive)
    })
}

/// careerbot's own scoring from postings in memory.
pub(super) struct Own {
    memory: MemoryIndex,
}

impl Backend for Own {
    fn top(&self, corpus: &Corpus<'_>, query: Node<'_>, limit: usize) -> tantivy::Result<Top> {
        let mut scored: Top = Vec::new();
        for (segment_ord, reader) in corpus.searcher.segment_readers().iter().enumerate() {
            let alive = reader.alive_bitset();
            let matches = scorer::evaluate(&query, &self.memory, segment_ord, corpus.lexicon);
            let segment_ord = segment_ord as u32;
            scored.extend(
                matches
                    .into_iter()
                    .filter(|(doc, _)| alive.is_none_or(|a| a.is_alive(*doc)))
                    .map(|(doc, score)| (score, DocAddress::new(segment_ord, doc))),
            );
        }
        let best_first = |a: &(Score, DocAddress), b: &(Score, DocAddress)| {
            b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit - 1, best_first);
            scored.truncate(limit);
        }
        scored.sort_unstable_by(best_first);
        Ok(scored)
    }
}

/// tantivy's own query, every match scored.
pub(super) struct Exhaustive;

impl Backend for Exhaustive {
    fn top(&self, corpus: &Corpus<'_>, query: Node<'_>, limit: usize) -> tantivy::Result<Top> {
        corpus.searcher.search_with_statistics_provider(
            &query.into_query(&corpus.fields),
            &TopDocs::with_limit(limit).order_by_score(),
            &corpus.statistics(),
        )
    }
}

/// tantivy's postings with MaxScore pruning.
pub(super) struct Pruned;

impl Backend for Pruned {
    fn top(&self, corpus: &Corpus<'_>, query: Node<'_>, limit: usize) -> tantivy::Result<Top> {
        prune::top(
            &query,
            corpus.searcher,
            &corpus.statistics(),
            &corpus.fields,
            corpus.lexicon,
            limit,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::search::{Hit, SearchIndex, Thesaurus};

    /// The passages of a knowledge base in the repository, indexed in memory.
    fn index(knowledge: &str) -> SearchIndex {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let kb = crate::knowledge::load(&root.join(knowledge)).expect("knowledge loads");
        let passages = crate::chunk::chunk_all(&kb.0.articles);
        SearchIndex::build(&passages, None, &mut |_, _| {}).expect("index builds")
    }

    /// Every public question, plus each with a typo, a word dropped and the
    /// words reversed (reversal changes which words are typed next to each
    /// other, so the proximity pairs differ).
    fn questions() -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/questions");
        let mut out = Vec::new();
        for set in [
            "seed",
            "holdout-seed",
            "tech-interview-handbook",
            "system-design-primer",
        ] {
            let text = std::fs::read_to_string(root.join(format!("{set}.toml"))).expect("set");
            let set: toml::Table = text.parse().expect("toml");
            let texts = ["question", "out_of_scope"]
                .iter()
                .flat_map(|k| set.get(*k).and_then(|v| v.as_array()).cloned())
                .flatten()
                .filter_map(|q| q.get("text")?.as_str().map(str::to_string));
            for text in texts {
                let words: Vec<&str> = text.split_whitespace().collect();
                out.push(words.iter().rev().copied().collect::<Vec<_>>().join(" "));
                out.push(words.iter().skip(1).copied().collect::<Vec<_>>().join(" "));
                out.push(text.replacen('e', "", 1));
                out.push(text);
            }
        }
        out
    }

    /// `index`'s hits for `question` scored by `backend`.
    fn search(
        index: &SearchIndex,
        th: &Thesaurus,
        backend: &dyn Backend,
        question: &str,
        limit: usize,
    ) -> Vec<Hit> {
        index.search_by(backend, &index.understand(question, th), limit)
    }

    fn thesaurus(index: &SearchIndex) -> Thesaurus {
        let mut th = Thesaurus::new(&[], &[]);
        th.bind(index);
        th
    }

    #[test]
    fn own_scores_equal_tantivy_scores_to_the_bit() {
        let questions = questions();
        for knowledge in [
            "knowledge",
            "tests/fixtures/corpora/tech-interview-handbook",
            "tests/fixtures/corpora/system-design-primer",
        ] {
            let index = index(knowledge);
            let th = thesaurus(&index);
            let own = Own {
                memory: MemoryIndex::read(&index.searcher, index.text_fields(), &index.lexicon)
                    .unwrap(),
            };
            let mut compared = 0;
            for q in &questions {
                let ours = search(&index, &th, &own, q, 40);
                let tantivy = search(&index, &th, &Exhaustive, q, 40);
                // Exact float equality: the same operations in the same order.
                assert_eq!(ours, tantivy, "{knowledge}: {q:?}");
                compared += usize::from(!ours.is_empty());
            }
            assert!(
                compared > questions.len() / 2,
                "{knowledge}: {compared} answered"
            );
        }
    }

    #[test]
    fn pruned_search_finds_the_documents_of_the_exhaustive_search() {
        let questions = questions();
        for knowledge in [
            "tests/fixtures/corpora/tech-interview-handbook",
            "tests/fixtures/corpora/system-design-primer",
        ] {
            let index = index(knowledge);
            let th = thesaurus(&index);
            let mut pruned_any = 0;
            for q in &questions {
                for limit in [1, 3, 40] {
                    let pruned = search(&index, &th, &Pruned, q, limit);
                    let all = search(&index, &th, &Exhaustive, q, limit);
                    assert_eq!(pruned.len(), all.len(), "{knowledge}: {q:?}");
                    for (p, a) in pruned.iter().zip(&all) {
                        // Unions may add in another order: a rounding error at most,
                        // and then two documents of near-equal scores may swap.
                        let close = (p.score - a.score).abs() <= 1e-5 * a.score.abs();
                        assert!(close, "{knowledge} {limit}: {q:?}: {pruned:?} vs {all:?}");
                        if p.ord != a.ord {
                            let twin = all.iter().find(|h| h.ord == p.ord);
                            assert!(
                                twin.is_some_and(|t| (t.score - p.score).abs() <= 1e-5 * p.score),
                                "{knowledge} {limit}: {q:?}: {pruned:?} vs {all:?}"
                            );
                        }
                    }
                    pruned_any += usize::from(!pruned.is_empty());
                }
            }
            assert!(pruned_any > questions.len(), "{knowledge}: {pruned_any}");
        }
    }
}
