//! careerbot's own scoring of a query tree on a small knowledge base:
//! [`MemoryIndex`] scores each leaf from postings held in memory, and this
//! module combines the leaves exactly as tantivy's `BooleanQuery` and
//! `DisjunctionMaxQuery` would, summation order included, so the scores
//! equal tantivy's to the bit.

use tantivy::{DocId, Score};

use super::lexicon::Lexicon;
use super::memory::MemoryIndex;
use super::query::{Combine, Matches, Node};

/// The window of tantivy's buffered union: documents are combined window by
/// window, and the order in which sub-scorers add their scores changes when
/// one runs out (see [`union`]).
const HORIZON: DocId = 4096;

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
