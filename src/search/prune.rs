//! The best documents of a large knowledge base without scoring every match:
//! MaxScore pruning over the query's leaves.
//!
//! A word such as "interview" is in most passages of a large knowledge base,
//! and scoring every one of its postings makes a question's cost grow with
//! the knowledge base. But no document scores more in a leaf than a bound:
//! the leaf's BM25 weight ([`Leaf::weight`]) times the largest
//! term-frequency factor any document has for its term, or for the rarest
//! factor among a phrase's terms ([`Lexicon::tf_bound`]). And a question's
//! score is never more than the tree of its leaves at their bounds (a sum
//! adds them; a max with a tie-breaker below 1 adds less). So once `limit`
//! documents are held, leaves whose bounds together do not reach the worst
//! of them cannot bring in a new document on their own: they stop being
//! walked, longest postings first ([`Split`]). They are only sought to the
//! documents the other leaves bring, and not at all once what is left to
//! find cannot lift a document past the worst held one.
//!
//! The documents and scores are those of the exhaustive query
//! ([`super::Node::into_query`]): each document's score is the same tree of
//! the same leaf scores. Only the order in which a union adds its members'
//! scores may differ, which moves a score by a rounding error at most (a
//! unit test compares both on every public question).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, Score, Searcher, TERMINATED};

use super::lexicon::{Lexicon, TEXT_FIELDS};
use super::query::{Combine, Node};

/// Room for rounding: a document's score is computed in another order than
/// the bound on it.
const BOUND_SLACK: Score = 1.001;

/// One step of a [`Shape`].
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The score of this leaf (`None`: not matched).
    Leaf(usize),
    /// The last `members` scores combined into one.
    Union { members: usize, combine: Combine },
}

/// The query's tree with its leaves numbered, in postfix order: a document's
/// score is computed in one loop over a small stack.
#[derive(Debug, Default)]
struct Shape {
    steps: Vec<Step>,
    /// Room for the stack.
    stack: std::cell::RefCell<Vec<Option<Score>>>,
}

impl Shape {
    /// Numbers the leaves of `node` in tree order, pushing each one's weight
    /// and upper bound into `plan`.
    fn of(
        node: &Node<'_>,
        plan: &mut Plan,
        fields: &[Field; TEXT_FIELDS],
        lexicon: &Lexicon,
        scoring: EnableScoring<'_>,
    ) -> tantivy::Result<Shape> {
        let mut shape = Shape::default();
        shape.push(node, plan, fields, lexicon, scoring)?;
        Ok(shape)
    }

    fn push(
        &mut self,
        node: &Node<'_>,
        plan: &mut Plan,
        fields: &[Field; TEXT_FIELDS],
        lexicon: &Lexicon,
        scoring: EnableScoring<'_>,
    ) -> tantivy::Result<()> {
        match node {
            Node::Leaf(leaf) => {
                plan.weights.push(leaf.query(fields).weight(scoring)?);
                // A phrase occurs no more often than each of its terms.
                let tf_bound = leaf
                    .terms
                    .stems()
                    .map(|stem| lexicon.tf_bound(stem, leaf.slot))
                    .fold(1.0, Score::min);
                plan.bounds
                    .push(leaf.weight(lexicon) * tf_bound * BOUND_SLACK);
                self.steps.push(Step::Leaf(plan.weights.len() - 1));
            }
            Node::Union(members, combine) => {
                for member in members {
                    self.push(member, plan, fields, lexicon, scoring)?;
                }
                self.steps.push(Step::Union {
                    members: members.len(),
                    combine: *combine,
                });
            }
        }
        Ok(())
    }

    /// The score of a document whose leaves scored `leaves` (`None`: not
    /// matched), combined as tantivy's unions combine them: members in
    /// order; `None` when no leaf matched.
    fn score(&self, leaves: &[Option<Score>]) -> Option<Score> {
        let mut stack = self.stack.borrow_mut();
        stack.clear();
        for step in &self.steps {
            match *step {
                Step::Leaf(leaf) => stack.push(leaves[leaf]),
                Step::Union { members, combine } => {
                    let from = stack.len() - members;
                    let (mut max, mut sum, mut any) = (0.0, 0.0, false);
                    for score in stack.drain(from..).flatten() {
                        max = Score::max(score, max);
                        sum += score;
                        any = true;
                    }
                    let combined = match combine {
                        Combine::Sum => sum,
                        Combine::Max(tie_breaker) => max + (sum - max) * tie_breaker,
                    };
                    stack.push(any.then_some(combined));
                }
            }
        }
        stack.pop().flatten()
    }
}

/// Each leaf's tantivy weight and the most it gives one document.
#[derive(Default)]
struct Plan {
    weights: Vec<Box<dyn Weight>>,
    bounds: Vec<Score>,
}

/// A held document. Ordered worst first, so a max-heap keeps the worst on
/// top: a lower score is worse, and of equal scores the later document, as
/// tantivy's `TopDocs` keeps the earlier one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Held(Score, DocAddress);

impl Eq for Held {}

impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Which leaves are walked and which only probed, for one threshold.
struct Split {
    /// Leaves whose every document is a candidate.
    walked: Vec<usize>,
    /// Leaves sought only to the candidates, largest bound first. Together
    /// they cannot lift a document past the threshold.
    probed: Vec<usize>,
    /// `rest[i]`: the most leaves `probed[i..]` add to a document (the tree
    /// with just them at their bounds); `rest[probed.len()]` is 0.
    rest: Vec<Score>,
    /// From this threshold up, another leaf may stop being walked.
    next: Score,
}

impl Default for Split {
    /// Before any document is held: every leaf is walked.
    fn default() -> Self {
        Split {
            walked: Vec::new(),
            probed: Vec::new(),
            rest: vec![0.0],
            next: Score::NEG_INFINITY,
        }
    }
}

impl Split {
    /// Adds to `skipped`, longest list first, each leaf that keeps the tree's
    /// bound over the skipped leaves within `threshold`. A skipped leaf stays
    /// skipped: the threshold only rises.
    fn new(
        shape: &Shape,
        bounds: &[Score],
        by_length: &[usize],
        skipped: &mut [bool],
        threshold: Score,
    ) -> Split {
        let mut values: Vec<Option<Score>> = (0..bounds.len())
            .map(|leaf| skipped[leaf].then_some(bounds[leaf]))
            .collect();
        let mut next = Score::INFINITY;
        let mut walked = Vec::new();
        for &leaf in by_length {
            if skipped[leaf] {
                continue;
            }
            values[leaf] = Some(bounds[leaf]);
            let bound = shape.score(&values).unwrap_or(0.0);
            if threshold.is_finite() && bound <= threshold {
                skipped[leaf] = true;
            } else {
                values[leaf] = None;
                next = next.min(bound);
                walked.push(leaf);
            }
        }
        let mut probed: Vec<usize> = (0..bounds.len()).filter(|&l| skipped[l]).collect();
        probed.sort_by(|&a, &b| bounds[b].total_cmp(&bounds[a]));
        values.fill(None);
        let mut rest = vec![0.0; probed.len() + 1];
        for at in (0..probed.len()).rev() {
            values[probed[at]] = Some(bounds[probed[at]]);
            rest[at] = shape.score(&values).unwrap_or(0.0);
        }
        Split {
            walked,
            probed,
            rest,
            next,
        }
    }
}

/// The `limit` best documents for `query`, best first, as tantivy's
/// `TopDocs` over the exhaustive query would return them.
pub(super) fn top(
    query: &Node<'_>,
    searcher: &Searcher,
    statistics: &dyn Bm25StatisticsProvider,
    fields: &[Field; TEXT_FIELDS],
    lexicon: &Lexicon,
    limit: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let scoring = EnableScoring::enabled_from_statistics_provider(statistics, searcher);
    let mut plan = Plan::default();
    let shape = Shape::of(query, &mut plan, fields, lexicon, scoring)?;
    let leaves = plan.weights.len();
    let mut held: BinaryHeap<Held> = BinaryHeap::with_capacity(limit + 1);
    let mut scores: Vec<Option<Score>> = vec![None; leaves];
    for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut scorers = plan
            .weights
            .iter()
            .map(|weight| weight.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<Box<dyn Scorer>>>>()?;
        // Longest lists first: the ones most worth not walking.
        let mut by_length: Vec<usize> = (0..leaves).collect();
        by_length.sort_by_key(|&leaf| std::cmp::Reverse(scorers[leaf].size_hint()));
        let mut next: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
        let mut touched: Vec<usize> = Vec::new();
        scores.fill(None);
        let mut skipped = vec![false; leaves];
        let mut split = Split::default();
        let alive = reader.alive_bitset();
        let segment_ord = segment_ord as u32;
        loop {
            // The worst held score, once `limit` documents are held.
            let threshold = match held.peek() {
                Some(worst) if held.len() == limit => worst.0,
                _ => Score::NEG_INFINITY,
            };
            if threshold >= split.next {
                split = Split::new(&shape, &plan.bounds, &by_length, &mut skipped, threshold);
            }
            let doc = split
                .walked
                .iter()
                .map(|&leaf| next[leaf])
                .min()
                .unwrap_or(TERMINATED);
            if doc == TERMINATED {
                break;
            }
            for &leaf in &touched {
                scores[leaf] = None;
            }
            touched.clear();
            let mut found: Score = 0.0;
            for &leaf in &split.walked {
                if next[leaf] == doc {
                    let scorer = &mut scorers[leaf];
                    let score = scorer.score();
                    scores[leaf] = Some(score);
                    touched.push(leaf);
                    found += score;
                    next[leaf] = scorer.advance();
                }
            }
            // The other leaves, largest bound first, while they can still
            // lift the document past the worst held one.
            let mut may_enter = true;
            for (at, &leaf) in split.probed.iter().enumerate() {
                if found + split.rest[at] <= threshold {
                    may_enter = false;
                    break;
                }
                if next[leaf] < doc {
                    next[leaf] = scorers[leaf].seek(doc);
                }
                if next[leaf] == doc {
                    let score = scorers[leaf].score();
                    scores[leaf] = Some(score);
                    touched.push(leaf);
                    found += score;
                }
            }
            // The tree never gives more than the sum of its leaves.
            if !may_enter || found <= threshold || alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            let Some(score) = shape.score(&scores) else {
                continue;
            };
            let candidate = Held(score, DocAddress::new(segment_ord, doc));
            if held.len() < limit {
                held.push(candidate);
            } else if held.peek().is_some_and(|worst| candidate < *worst) {
                held.pop();
                held.push(candidate);
            }
        }
    }
    Ok(held
        .into_sorted_vec()
        .into_iter()
        .map(|Held(score, addr)| (score, addr))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_documents_order_worst_first() {
        let early = DocAddress::new(0, 1);
        let late = DocAddress::new(0, 2);
        let mut heap = BinaryHeap::new();
        heap.extend([Held(2.0, early), Held(1.0, late), Held(2.0, late)]);
        assert_eq!(heap.peek(), Some(&Held(1.0, late)));
        heap.pop();
        // Of equal scores the later document is the worse.
        assert_eq!(heap.peek(), Some(&Held(2.0, late)));
        assert!(Held(2.0, early) < Held(2.0, late));
    }

    #[test]
    fn a_max_union_adds_a_share_of_the_others_and_unmatched_leaves_add_nothing() {
        // Sum(Max(0, 1), 2)
        let shape = Shape {
            steps: vec![
                Step::Leaf(0),
                Step::Leaf(1),
                Step::Union {
                    members: 2,
                    combine: Combine::Max(0.5),
                },
                Step::Leaf(2),
                Step::Union {
                    members: 2,
                    combine: Combine::Sum,
                },
            ],
            ..Shape::default()
        };
        assert_eq!(shape.score(&[Some(2.0), Some(1.0), None]), Some(2.5));
        assert_eq!(shape.score(&[None, None, Some(3.0)]), Some(3.0));
        assert_eq!(shape.score(&[None, None, None]), None);
    }
}
