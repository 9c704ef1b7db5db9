//! The question's query, scored by careerbot rather than by tantivy's union
//! scorers. tantivy still scores every leaf (a boosted term or phrase in one
//! field: BM25 from postings, fieldnorms and positions); this module combines
//! the leaves per alternative (sum), per concept (max plus a share of the rest)
//! and per question (sum), exactly as tantivy's `BooleanQuery` and
//! `DisjunctionMaxQuery` would, summation order included, so scores and
//! answers do not change.
//!
//! Why: tantivy's `BufferedUnionScorer` allocates and fills a 4,096-slot
//! score buffer per union, which dominates a question on a small knowledge
//! base. Here a union combines lists of `(doc, score)`, with buffers sized to
//! the segment and shared by all unions of a question. On large knowledge
//! bases materializing every leaf's matches costs more than tantivy's
//! streaming unions, so the caller only uses this below a size.

use tantivy::query::{
    BooleanQuery, DisjunctionMaxQuery, EnableScoring, Occur, Query, Scorer, Weight,
};
use tantivy::{DocId, Score, SegmentReader, TERMINATED};

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

/// A node of a question's query, whose leaves are queries or their weights.
pub(super) enum Node<L> {
    /// A boosted term or phrase query in one field, scored by tantivy.
    Leaf(L),
    /// Documents matching any member, their scores combined.
    Union(Vec<Node<L>>, Combine),
}

impl Node<Box<dyn Query>> {
    /// The same tree with each leaf's weight, for [`evaluate`].
    ///
    /// # Errors
    /// When tantivy cannot compute a leaf's BM25 statistics.
    pub fn into_weights(
        self,
        scoring: EnableScoring<'_>,
    ) -> tantivy::Result<Node<Box<dyn Weight>>> {
        Ok(match self {
            Node::Leaf(query) => Node::Leaf(query.weight(scoring)?),
            Node::Union(members, combine) => Node::Union(
                members
                    .into_iter()
                    .map(|m| m.into_weights(scoring))
                    .collect::<tantivy::Result<_>>()?,
                combine,
            ),
        })
    }

    /// The same tree as one tantivy query: a sum is a `BooleanQuery` of
    /// should clauses, a max a `DisjunctionMaxQuery`.
    pub fn into_query(self) -> Box<dyn Query> {
        match self {
            Node::Leaf(query) => query,
            Node::Union(members, Combine::Sum) => Box::new(BooleanQuery::new(
                members
                    .into_iter()
                    .map(|m| (Occur::Should, m.into_query()))
                    .collect(),
            )),
            Node::Union(members, Combine::Max(tie_breaker)) => {
                Box::new(DisjunctionMaxQuery::with_tie_breaker(
                    members.into_iter().map(Node::into_query).collect(),
                    tie_breaker,
                ))
            }
        }
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

/// Scores every document of `reader` that `node` matches.
///
/// # Errors
/// When tantivy cannot read a leaf's postings.
pub(super) fn evaluate(
    node: &Node<Box<dyn Weight>>,
    reader: &SegmentReader,
) -> tantivy::Result<Matches> {
    let window = reader.max_doc().min(HORIZON) as usize;
    let mut scratch = Scratch {
        slots: vec![Slot::default(); window],
        touched: Vec::new(),
    };
    evaluate_with(node, reader, &mut scratch)
}

fn evaluate_with(
    node: &Node<Box<dyn Weight>>,
    reader: &SegmentReader,
    scratch: &mut Scratch,
) -> tantivy::Result<Matches> {
    match node {
        Node::Leaf(weight) => {
            let mut scorer = weight.scorer(reader, 1.0)?;
            Ok(every_match(scorer.as_mut()))
        }
        Node::Union(members, combine) => {
            let mut lists = Vec::with_capacity(members.len());
            for member in members {
                let matches = evaluate_with(member, reader, scratch)?;
                if !matches.is_empty() {
                    lists.push(matches);
                }
            }
            Ok(union(lists, *combine, scratch))
        }
    }
}

fn every_match(scorer: &mut dyn Scorer) -> Matches {
    let mut out = Vec::new();
    let mut doc = scorer.doc();
    while doc != TERMINATED {
        out.push((doc, scorer.score()));
        doc = scorer.advance();
    }
    out
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
