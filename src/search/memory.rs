//! The postings of a small index, read into memory once per snapshot and
//! scored by careerbot, bit for bit as tantivy scores them.
//!
//! Why: on a knowledge base of a few dozen passages, most of a question's
//! search time went to tantivy setting up each leaf of the query (a term or
//! phrase in one field): a term dictionary lookup, decoding a postings block,
//! a 256-entry BM25 table and a boxed scorer, per leaf and segment, for a
//! handful of matches. Here a leaf is a hash lookup and a loop over a slice.
//!
//! The scores are tantivy's: BM25 with its k1 and b, its fieldnorm codes,
//! its phrase matching (positions shifted by their offset in the phrase, and
//! tantivy's count of matches within a slop), and the same order of float
//! operations. `backend::tests::own_scores_equal_tantivy_scores_to_the_bit`
//! compares both on real passages.

use rustc_hash::FxHashMap;
use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, TERMINATED};

use super::lexicon::{Lexicon, TEXT_FIELDS};
use super::query::{Leaf, Matches, Terms};
use crate::text::sorted::{common, keep_common};

/// One posting list: documents in order, their term frequencies, and where
/// their positions start in the segment's position array.
#[derive(Debug, Clone, Copy)]
struct List {
    /// Range in the segment's `docs`, `freqs` and `starts`.
    first: u32,
    len: u32,
}

/// One segment's postings for the text fields.
struct Segment {
    /// Per field slot, the fieldnorm code of every document.
    fieldnorm_ids: [Vec<u8>; TEXT_FIELDS],
    /// Per term, its list in each field slot (if the field holds it).
    terms: FxHashMap<Box<str>, [Option<List>; TEXT_FIELDS]>,
    docs: Vec<DocId>,
    freqs: Vec<u32>,
    /// Start of each posting's positions in `positions`; one more entry
    /// than postings, so a posting's positions end where the next begin.
    starts: Vec<u32>,
    positions: Vec<u32>,
}

impl Segment {
    fn list(&self, stem: &str, slot: usize) -> Option<List> {
        self.terms.get(stem).and_then(|lists| lists[slot])
    }

    fn positions(&self, posting: usize) -> &[u32] {
        let (start, end) = (self.starts[posting], self.starts[posting + 1]);
        &self.positions[start as usize..end as usize]
    }
}

/// The text fields' postings of every segment.
pub(super) struct MemoryIndex {
    segments: Vec<Segment>,
    /// Per field slot, tantivy's BM25 length normalisation per fieldnorm code.
    tf_cache: [[Score; 256]; TEXT_FIELDS],
}

impl MemoryIndex {
    /// Reads every posting of `fields` (the text fields, in slot order).
    ///
    /// # Errors
    /// When tantivy cannot read a segment's terms, postings or fieldnorms.
    pub fn read(
        searcher: &Searcher,
        fields: [Field; TEXT_FIELDS],
        lexicon: &Lexicon,
    ) -> tantivy::Result<Self> {
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let mut segment = Segment {
                fieldnorm_ids: Default::default(),
                terms: FxHashMap::default(),
                docs: Vec::new(),
                freqs: Vec::new(),
                starts: vec![0],
                positions: Vec::new(),
            };
            let mut buffer = Vec::new();
            for (slot, field) in fields.iter().enumerate() {
                let norms = reader.get_fieldnorms_reader(*field)?;
                segment.fieldnorm_ids[slot] = (0..reader.max_doc())
                    .map(|doc| norms.fieldnorm_id(doc))
                    .collect();
                let inverted = reader.inverted_index(*field)?;
                let mut stream = inverted.terms().stream()?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    let mut postings = inverted.read_postings_from_terminfo(
                        stream.value(),
                        IndexRecordOption::WithFreqsAndPositions,
                    )?;
                    let first = segment.docs.len();
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        segment.docs.push(doc);
                        segment.freqs.push(postings.term_freq());
                        postings.positions(&mut buffer);
                        segment.positions.extend_from_slice(&buffer);
                        segment
                            .starts
                            .push(u32::try_from(segment.positions.len()).map_err(|_| {
                                tantivy::TantivyError::InternalError("too many positions".into())
                            })?);
                        doc = postings.advance();
                    }
                    let list = List {
                        first: as_u32(first)?,
                        len: as_u32(segment.docs.len() - first)?,
                    };
                    segment.terms.entry(term.into()).or_default()[slot] = Some(list);
                }
            }
            segments.push(segment);
        }
        let tf_cache = lexicon.tf_norms();
        Ok(MemoryIndex { segments, tf_cache })
    }

    /// Number of documents of the segment at `segment`.
    pub fn max_doc(&self, segment: usize) -> usize {
        self.segments
            .get(segment)
            .map_or(0, |s| s.fieldnorm_ids[0].len())
    }

    /// Every document of segment `segment` that `leaf` matches, in document
    /// order, with the score tantivy's `BoostQuery` over a `TermQuery` or
    /// `PhraseQuery` would give it.
    pub fn matches(&self, segment: usize, leaf: &Leaf<'_>, lexicon: &Lexicon, out: &mut Matches) {
        out.clear();
        let Some(seg) = self.segments.get(segment) else {
            return;
        };
        let slot = leaf.slot;
        let weight = leaf.weight(lexicon);
        let cache = &self.tf_cache[slot];
        let norms = &seg.fieldnorm_ids[slot];
        let score = |doc: DocId, freq: u32| -> Score {
            let freq = freq as Score;
            let norm = cache[norms[doc as usize] as usize];
            weight * (freq / (freq + norm))
        };
        match &leaf.terms {
            Terms::Term(stem) => {
                let Some(list) = seg.list(stem, slot) else {
                    return;
                };
                let range = list.first as usize..(list.first + list.len) as usize;
                out.extend(
                    seg.docs[range.clone()]
                        .iter()
                        .zip(&seg.freqs[range])
                        .map(|(&doc, &freq)| (doc, score(doc, freq))),
                );
            }
            Terms::Phrase(_) | Terms::Near(..) => {
                let slop = match &leaf.terms {
                    Terms::Near(_, slop) => *slop,
                    _ => 0,
                };
                let mut lists = Vec::with_capacity(leaf.terms.len());
                for stem in leaf.terms.stems() {
                    match seg.list(stem, slot) {
                        Some(list) => lists.push(list),
                        None => return,
                    }
                }
                phrase_matches(seg, &lists, slop, out, score);
            }
        }
    }
}

/// Documents holding every list's term, with tantivy's phrase count for
/// each; those with a count above zero are scored.
fn phrase_matches(
    seg: &Segment,
    lists: &[List],
    slop: u32,
    out: &mut Matches,
    score: impl Fn(DocId, u32) -> Score,
) {
    let last = lists.len() - 1;
    // Each term's positions are shifted by (last offset - its offset), so a
    // phrase's words line up on one position.
    let shift = |i: usize| (last - i) as u32;
    let mut cursors: Vec<usize> = lists.iter().map(|l| l.first as usize).collect();
    let ends: Vec<usize> = lists.iter().map(|l| (l.first + l.len) as usize).collect();
    let mut order: Vec<usize> = (0..lists.len()).collect();
    order.sort_by_key(|&i| lists[i].len);
    let (mut left, mut right) = (Vec::new(), Vec::new());
    'docs: while cursors[0] < ends[0] {
        // The next document every list holds.
        let mut target = seg.docs[cursors[0]];
        let mut agreed = 0;
        let mut i = 0;
        while agreed < lists.len() {
            while cursors[i] < ends[i] && seg.docs[cursors[i]] < target {
                cursors[i] += 1;
            }
            if cursors[i] == ends[i] {
                break 'docs;
            }
            let doc = seg.docs[cursors[i]];
            if doc > target {
                target = doc;
                agreed = 1;
            } else {
                agreed += 1;
            }
            i = (i + 1) % lists.len();
        }
        // tantivy reads the positions in the order of its intersection:
        // shortest list first (a stable sort), not phrase order. Exact
        // matching does not care, but counting within a slop does.
        let first = order[0];
        shifted(seg.positions(cursors[first]), shift(first), &mut left);
        for &i in order.get(1..last).unwrap_or_default() {
            // Only phrases have middle terms, and they have no slop.
            shifted(seg.positions(cursors[i]), shift(i), &mut right);
            keep_common(&mut left, &right);
            if left.is_empty() {
                break;
            }
        }
        let final_term = order[last];
        shifted(
            seg.positions(cursors[final_term]),
            shift(final_term),
            &mut right,
        );
        let count = if slop > 0 {
            count_with_slop(&left, &right, slop)
        } else {
            u32::try_from(common(&left, &right)).unwrap_or(u32::MAX)
        };
        if count > 0 {
            out.push((target, score(target, count)));
        }
        for cursor in &mut cursors {
            *cursor += 1;
        }
    }
}

fn shifted(positions: &[u32], by: u32, out: &mut Vec<u32>) {
    out.clear();
    out.extend(positions.iter().map(|p| p + by));
}

fn as_u32(n: usize) -> tantivy::Result<u32> {
    u32::try_from(n).map_err(|_| tantivy::TantivyError::InternalError("postings too long".into()))
}

/// tantivy's `intersection_count_with_slop`: pairs of positions at most
/// `slop` apart, each position used once, the left one as late as possible.
fn count_with_slop(left: &[u32], right: &[u32], slop: u32) -> u32 {
    let (mut l, mut r, mut count) = (0, 0, 0);
    while l < left.len() && r < right.len() {
        let (left_val, right_val) = (left[l], right[r]);
        if left_val.abs_diff(right_val) <= slop {
            while l + 1 < left.len() && left[l + 1] <= right_val {
                l += 1;
            }
            count += 1;
            l += 1;
            r += 1;
        } else if left_val < right_val {
            l += 1;
        } else {
            r += 1;
        }
    }
    count
}
