//! The index's vocabulary, read once per snapshot: for every term of the
//! text fields, its document frequency per field, and one FST of all terms
//! for typo search. Questions then look terms up in memory instead of
//! walking each segment's term dictionary field by field, and tantivy's
//! BM25 weights are computed from the same figures tantivy would read
//! (summed over segments), so scores do not change. On large knowledge bases
//! it also holds, per term and field, the largest BM25 term-frequency factor
//! of any document: the bound the pruned search (`super::prune`) needs.

use rustc_hash::FxHashMap;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};
use tantivy_fst::{IntoStreamer, Map, Streamer};

/// Number of text fields (see `Fields::text`).
pub(super) const TEXT_FIELDS: usize = 4;

/// Statistics of one term.
#[derive(Debug, Clone, Copy)]
pub(super) struct TermStats {
    /// Documents holding the term, per text field, summed over segments.
    pub doc_freq: [u64; TEXT_FIELDS],
}

impl Default for TermStats {
    fn default() -> Self {
        TermStats {
            doc_freq: [0; TEXT_FIELDS],
        }
    }
}

impl TermStats {
    /// In how many passages the term occurs, in the field where it is most frequent.
    pub fn max(&self) -> u64 {
        self.doc_freq.iter().copied().max().unwrap_or(0)
    }
}

/// A term of the typo search, as characters, with its largest document
/// frequency in one field of one segment.
pub(super) struct LengthTerm {
    /// The term's characters.
    pub chars: Box<[char]>,
    /// Its largest document frequency in one field of one segment.
    pub doc_freq: u64,
    /// Its [`char_mask`].
    pub mask: u64,
}

/// The set of characters of a word as bits: one bit per ASCII letter or
/// digit, the other characters folded onto the remaining bits. Characters
/// sharing a bit only make two masks look more alike, so a count of
/// characters one word lacks read from masks never exceeds the true count.
pub(super) fn char_mask(chars: &[char]) -> u64 {
    chars.iter().fold(0, |mask, c| {
        let bit = match c {
            'a'..='z' => u32::from(*c) - u32::from('a'),
            '0'..='9' => 26 + u32::from(*c) - u32::from('0'),
            _ => 36 + u32::from(*c) % 28,
        };
        mask | 1 << bit
    })
}

/// Every term of the text fields with its statistics.
pub(super) struct Lexicon {
    fields: [Field; TEXT_FIELDS],
    /// Keyed by the knowledge base's own terms; FxHash is much cheaper than
    /// SipHash for the several lookups per question term.
    terms: FxHashMap<String, TermStats>,
    /// All terms; the value is the largest document frequency of the term in
    /// any one field of any one segment (what typo correction ranks by).
    fst: Map<Vec<u8>>,
    /// The same terms and values as `fst`, grouped by length in characters
    /// and sorted within a group: a typo's few same-length neighbours can be
    /// compared directly, without building an automaton.
    by_length: Vec<Vec<LengthTerm>>,
    total_num_tokens: [u64; TEXT_FIELDS],
    total_num_docs: u64,
}

impl Lexicon {
    /// Reads the term dictionaries of `fields` in every segment of `searcher`.
    pub fn read(searcher: &Searcher, fields: [Field; TEXT_FIELDS]) -> tantivy::Result<Self> {
        let mut terms: FxHashMap<String, TermStats> = FxHashMap::default();
        let mut typo: FxHashMap<String, u64> = FxHashMap::default();
        let mut total_num_tokens = [0u64; TEXT_FIELDS];
        let mut total_num_docs = 0u64;
        for segment in searcher.segment_readers() {
            total_num_docs += u64::from(segment.max_doc());
            for (slot, field) in fields.iter().enumerate() {
                let inverted = segment.inverted_index(*field)?;
                total_num_tokens[slot] += inverted.total_num_tokens();
                let mut stream = inverted.terms().stream()?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    let df = u64::from(stream.value().doc_freq);
                    match terms.get_mut(term) {
                        Some(stats) => stats.doc_freq[slot] += df,
                        None => {
                            let mut stats = TermStats::default();
                            stats.doc_freq[slot] = df;
                            terms.insert(term.to_string(), stats);
                        }
                    }
                    match typo.get_mut(term) {
                        Some(max) => *max = (*max).max(df),
                        None => {
                            typo.insert(term.to_string(), df);
                        }
                    }
                }
            }
        }
        let mut sorted: Vec<(String, u64)> = typo.into_iter().collect();
        sorted.sort_unstable();
        let fst = Map::from_iter(sorted.iter().map(|(t, df)| (t.as_bytes(), *df)))
            .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
        let mut by_length: Vec<Vec<LengthTerm>> = Vec::new();
        for (term, doc_freq) in sorted {
            let chars: Box<[char]> = term.chars().collect();
            if by_length.len() <= chars.len() {
                by_length.resize_with(chars.len() + 1, Vec::new);
            }
            let mask = char_mask(&chars);
            by_length[chars.len()].push(LengthTerm {
                chars,
                doc_freq,
                mask,
            });
        }
        Ok(Lexicon {
            fields,
            terms,
            fst,
            by_length,
            total_num_tokens,
            total_num_docs,
        })
    }

    /// Statistics of `stem`, if any text field holds it.
    pub fn get(&self, stem: &str) -> Option<&TermStats> {
        self.terms.get(stem)
    }

    /// Document frequency of `stem` in the text field at `slot`.
    pub fn doc_freq_in(&self, stem: &str, slot: usize) -> u64 {
        self.get(stem).map_or(0, |s| s.doc_freq[slot])
    }

    /// Every term the automaton accepts, with the largest document frequency
    /// it has in one field of one segment.
    pub fn search<A: tantivy_fst::Automaton>(&self, automaton: A) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut stream = self.fst.search(automaton).into_stream();
        while let Some((key, df)) = stream.next() {
            if let Ok(term) = std::str::from_utf8(key) {
                out.push((term.to_string(), df));
            }
        }
        out
    }

    /// The most frequent term the automaton accepts that is at least
    /// `min_bytes` long, with its frequency as [`Lexicon::search`] gives it;
    /// only that one term is allocated.
    pub fn most_frequent<A: tantivy_fst::Automaton>(
        &self,
        automaton: A,
        min_bytes: usize,
    ) -> Option<(String, u64)> {
        let mut stream = self.fst.search(automaton).into_stream();
        let mut best: Option<(Vec<u8>, u64)> = None;
        while let Some((key, df)) = stream.next() {
            if key.len() >= min_bytes && best.as_ref().is_none_or(|(_, b)| df > *b) {
                best = Some((key.to_vec(), df));
            }
        }
        best.and_then(|(key, df)| Some((String::from_utf8(key).ok()?, df)))
    }

    /// The terms whose length in characters lies in `lengths`, one slice per
    /// length, each sorted by term.
    pub fn terms_of_length(
        &self,
        lengths: std::ops::RangeInclusive<usize>,
    ) -> impl Iterator<Item = &[LengthTerm]> {
        lengths.filter_map(|len| self.by_length.get(len).map(Vec::as_slice))
    }

    fn slot(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == field)
    }
}

/// BM25 statistics from the lexicon, falling back to the searcher for any
/// other field: the same figures as [`Searcher`]'s, without a term
/// dictionary lookup per segment.
pub(super) struct Statistics<'a> {
    pub lexicon: &'a Lexicon,
    pub searcher: &'a Searcher,
}

impl Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.lexicon.slot(field) {
            Some(slot) => Ok(self.lexicon.total_num_tokens[slot]),
            None => self.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.lexicon.total_num_docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        match (self.lexicon.slot(term.field()), term.value().as_str()) {
            (Some(slot), Some(text)) => Ok(self.lexicon.doc_freq_in(text, slot)),
            _ => Bm25StatisticsProvider::doc_freq(self.searcher, term),
        }
    }
}
