//! The question's query as a tree, and its scoring by careerbot rather than
//! by tantivy. The leaves are boosted terms and phrases in one field
//! ([`Leaf`]). On a small knowledge base [`MemoryIndex`] scores each leaf
//! from postings held in memory, and this module combines the leaves per
//! alternative (sum), per concept (max plus a share of the rest) and per
//! question (sum), exactly as tantivy's `BooleanQuery` and
//! `DisjunctionMaxQuery` would, summation order included, so scores and
//! answers do not change. On a larger one the same tree becomes one tantivy
//! query ([`Node::into_query`]), whose streaming unions cost less than
//! materializing every leaf's matches, and on the largest its leaves are
//! walked with pruning (`super::prune`).

use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, Term};

use super::lexicon::{Lexicon, TEXT_FIELDS};
use super::memory::{Leaf, MemoryIndex, Terms};

/// The window of tantivy's buffered union: documents are combined window by
/// window, and the order in which sub-scorers add their scores changes when
/// one runs out (see [`union`]).
const HORIZON: DocId = 4096;

/// How a union combines the scores of its members for one document.
#[derive(Debug, Clone, Copy)]
pub(super) enum Combine {
    /// The sum of the scores (tantivy's `SumCombiner`).
    Sum,
    /// The best score plus this tie-breaker times the others (tantivy's
    /// `DisjunctionMaxCombiner`).
    Max(Score),
}

/// A node of a question's query.
pub(super) enum Node<'q> {
    /// A boosted term or phrase in one field.
    Leaf(Leaf<'q>),
    /// Documents matching any member, their scores combined.
    Union(Vec<Node<'q>>, Combine),
}

impl Node<'_> {
    /// The same tree as one tantivy query over `fields` (the text fields in
    /// slot order): a leaf is a boosted `TermQuery` or `PhraseQuery`, a sum a
    /// `BooleanQuery` of should clauses, a max a `DisjunctionMaxQuery`.
    pub fn into_query(self, fields: &[Field; TEXT_FIELDS]) -> Box<dyn Query> {
        match self {
            Node::Leaf(leaf) => leaf.query(fields),
            Node::Union(members, Combine::Sum) => Box::new(BooleanQuery::new(
                members
                    .into_iter()
                    .map(|m| (Occur::Should, m.into_query(fields)))
                    .collect(),
            )),
            Node::Union(members, Combine::Max(tie_breaker)) => {
                Box::new(DisjunctionMaxQuery::with_tie_breaker(
                    members.into_iter().map(|m| m.into_query(fields)).collect(),
                    tie_breaker,
                ))
            }
        }
    }
}

impl Leaf<'_> {
    /// The leaf as a boosted tantivy `TermQuery` or `PhraseQuery` over
    /// `fields` (the text fields in slot order).
    pub fn query(&self, fields: &[Field; TEXT_FIELDS]) -> Box<dyn Query> {
        let field = fields[self.slot];
        let term = |stem: &str| Term::from_field_text(field, stem);
        let query: Box<dyn Query> = match &self.terms {
            Terms::Term(stem) => Box::new(TermQuery::new(term(stem), IndexRecordOption::WithFreqs)),
            Terms::Phrase(stems) => {
                Box::new(PhraseQuery::new(stems.iter().map(|s| term(s)).collect()))
            }
            Terms::Near(stems, slop) => {
                let mut phrase = PhraseQuery::new(stems.iter().map(|s| term(s)).collect());
                phrase.set_slop(*slop);
                Box::new(phrase)
            }
        };
        Box::new(BoostQuery::new(query, self.boost))
    }
}

/// Matching documents of one segment, in document order, with their scores.
pub(super) type Matches = Vec<(DocId, Score)>;

/// Per-document score accumulator of a union's window.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    max: Score,
    sum: Score,
    seen: bool,
}

/// Buffers reused by every union of one question in one segment.
#[derive(Default)]
struct Scratch {
    slots: Vec<Slot>,
    touched: Vec<DocId>,
}

/// Scores every document of segment `segment` that `node` matches.
pub(super) fn evaluate(
    node: &Node<'_>,
    memory: &MemoryIndex,
    segment: usize,
    lexicon: &Lexicon,
) -> Matches {
    let window = memory.max_doc(segment).min(HORIZON as usize);
    let mut scratch = Scratch {
        slots: vec![Slot::default(); window],
        touched: Vec::new(),
    };
    evaluate_with(node, memory, segment, lexicon, &mut scratch)
}

fn evaluate_with(
    node: &Node<'_>,
    memory: &MemoryIndex,
    segment: usize,
    lexicon: &Lexicon,
    scratch: &mut Scratch,
) -> Matches {
    match node {
        Node::Leaf(leaf) => {
            let mut out = Vec::new();
            memory.matches(segment, leaf, lexicon, &mut out);
            out
        }
        Node::Union(members, combine) => {
            let mut lists = Vec::with_capacity(members.len());
            for member in members {
                let matches = evaluate_with(member, memory, segment, lexicon, scratch);
                if !matches.is_empty() {
                    lists.push(matches);
                }
            }
            union(lists, *combine, scratch)
        }
    }
}

/// Combines the non-empty `lists` the way tantivy's `BufferedUnionScorer`
/// does: window by window, starting at the smallest next document, each list
/// in turn adds its scores within the window; a list that runs out is
/// swap-removed, so the last list takes its place and is read next. Float
/// addition is not associative, so this order is kept to give the same
/// scores to the last bit.
fn union(mut lists: Vec<Matches>, combine: Combine, scratch: &mut Scratch) -> Matches {
    if lists.len() <= 1 {
        // One member: its scores as they are (a union of one adds its score to 0).
        return lists.pop().unwrap_or_default();
    }
    let mut out = Vec::with_capacity(lists.iter().map(Vec::len).max().unwrap_or(0));
    // Per active list: (list, next position).
    let mut active: Vec<(usize, usize)> = (0..lists.len()).map(|l| (l, 0)).collect();
    while let Some(start) = active.iter().map(|&(l, p)| lists[l][p].0).min() {
        let horizon = start.saturating_add(HORIZON);
        scratch.touched.clear();
        let mut i = 0;
        while i < active.len() {
            let (l, mut p) = active[i];
            let list = &lists[l];
            let mut exhausted = false;
            while let Some(&(doc, score)) = list.get(p) {
                if doc >= horizon {
                    break;
                }
                let delta = (doc - start) as usize;
                if delta >= scratch.slots.len() {
                    scratch.slots.resize(delta + 1, Slot::default());
                }
                let slot = &mut scratch.slots[delta];
                if !slot.seen {
                    slot.seen = true;
                    scratch.touched.push(delta as DocId);
                }
                slot.max = Score::max(score, slot.max);
                slot.sum += score;
                p += 1;
                exhausted = p == list.len();
            }
            if exhausted {
                active.swap_remove(i);
            } else {
                active[i].1 = p;
                i += 1;
            }
        }
        scratch.touched.sort_unstable();
        for &delta in &scratch.touched {
            let slot = std::mem::take(&mut scratch.slots[delta as usize]);
            let score = match combine {
                Combine::Sum => slot.sum,
                Combine::Max(tie_breaker) => slot.max + (slot.sum - slot.max) * tie_breaker,
            };
            out.push((start + delta, score));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_sums_in_the_order_tantivy_reads_its_members() {
        // The first list runs out first, so the third is read second.
        let lists = vec![
            vec![(1, 1e8)],
            vec![(1, 1.0), (5, 2.0)],
            vec![(1, -1e8), (5, 3.0)],
        ];
        let out = union(lists, Combine::Sum, &mut Scratch::default());
        // ((0 + 1e8) + -1e8) + 1.0, not ((0 + 1e8) + 1.0) + -1e8 (which is 0).
        assert_eq!(out, vec![(1, 1.0), (5, 5.0)]);
    }

    #[test]
    fn max_union_adds_a_share_of_the_other_scores() {
        let lists = vec![vec![(0, 2.0), (3, 1.0)], vec![(0, 1.0)]];
        let out = union(lists, Combine::Max(0.5), &mut Scratch::default());
        assert_eq!(out, vec![(0, 2.5), (3, 1.0)]);
    }

    #[test]
    fn union_of_far_apart_documents_spans_several_windows() {
        let lists = vec![
            vec![(0, 1.0), (10_000, 1.0)],
            vec![(5_000, 2.0), (10_000, 2.0)],
        ];
        let out = union(lists, Combine::Sum, &mut Scratch::default());
        assert_eq!(out, vec![(0, 1.0), (5_000, 2.0), (10_000, 3.0)]);
    }
}
