//! How careerbot scores a query tree: tantivy's own query over the
//! snapshot's reused searcher, with BM25 statistics from the lexicon.
//!
//! Two faster scorers lived here until issue 27: postings held in memory
//! and scored by careerbot (up to 4,096 passages) and MaxScore pruning
//! (from 32,768). With the sentence-embedding model in the path of a
//! question (about 10 ms), the 20 µs and 0.4 ms they saved were under 1%
//! and 3% of a question, so they went, with their equivalence tests.
//! PERFORMANCE.md ("The own scorer, decided") gives the figures.

use tantivy::collector::TopDocs;
use tantivy::schema::Field;
use tantivy::{DocAddress, Score, Searcher};

use super::lexicon::{Lexicon, Statistics, TEXT_FIELDS};
use super::query::Node;

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

/// The scorer for a snapshot.
pub(super) fn choose() -> Box<dyn Backend> {
    Box::new(Exhaustive)
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
