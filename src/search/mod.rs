//! Layer 4: the tantivy index of passages: schema, build, open, and search.
//! Only this module imports tantivy, and `text::analysis` for its ASCII
//! folding. It knows passages, not Discord and not answers: it returns
//! passage ordinals and scores.

// In dependency order: each uses only the ones above it.
mod backend;
mod lexicon;
mod query;
mod question;
pub mod vectors;

use std::path::Path;

use tantivy::columnar::Column;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{TextAnalyzer, Token as TantivyToken, TokenStream, Tokenizer};
use tantivy::{doc, DocAddress, Index, IndexReader, ReloadPolicy, Score, Searcher};

use backend::{Backend, Corpus};
use lexicon::{Lexicon, TEXT_FIELDS};
use query::{Combine, Leaf, Node, Terms};
pub use question::{
    question_prefix, Alternative, Concept, Match, Thesaurus, Understood, MAX_QUESTION_BYTES,
};

/// Prepares shared tables (synonyms, typo automata) ahead of the first question.
pub fn warm_up() {
    question::warm_up();
}

use crate::chunk::Passage;

/// Stems already looked up, with their longer form if any.
type LongerForms = quick_cache::sync::Cache<String, Option<String>>;
/// How many [`LongerForms`] are kept.
const LONGER_FORMS: usize = 65_536;

/// Accepts the terms that start with its bytes.
struct Prefix<'a>(&'a [u8]);

impl tantivy_fst::Automaton for Prefix<'_> {
    /// Bytes matched so far; `None` once a byte differs.
    type State = Option<usize>;
    fn start(&self) -> Option<usize> {
        Some(0)
    }
    fn is_match(&self, state: &Option<usize>) -> bool {
        state.is_some_and(|n| n >= self.0.len())
    }
    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }
    fn will_always_match(&self, state: &Option<usize>) -> bool {
        self.is_match(state)
    }
    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        let n = (*state)?;
        match self.0.get(n) {
            None => Some(n),
            Some(&b) if b == byte => Some(n + 1),
            Some(_) => None,
        }
    }
}

/// Bumped whenever analysis or what goes into a field changes, so indexes
/// built by an older version are rebuilt (passage content is fingerprinted
/// separately).
pub const SCHEMA_VERSION: u32 = 7;

const TOKENIZER: &str = "career";

/// Slot of the body in [`Fields::text`]; title, section and keywords come before it.
const BODY_SLOT: usize = 3;

/// Field boosts: a match in a heading or a moderator's phrasing says more
/// about a passage than the same word somewhere in its body.
const TITLE_BOOST: f32 = 0.3;
const SECTION_BOOST: f32 = 1.0;
const KEYWORDS_BOOST: f32 = 1.2;
const BODY_BOOST: f32 = 1.0;
/// Weight of two typed words found close together.
const PROXIMITY_BOOST: f32 = 0.5;
/// Weight of a concept found in most passages.
const WEAK_WEIGHT: f32 = 0.7;
/// Share of a concept's other alternatives added to its best one.
const TIE_BREAKER: f32 = 0.2;
/// Proximity of two typed words: how far from adjacent they may be.
const PROXIMITY_SLOP: u32 = 2;

/// Why an index could not be built or opened.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed (corrupt files, I/O).
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
    /// Files of the index on disk fail their checksums.
    #[error("index files fail their checksums: {}", .0.join(", "))]
    Damaged(Vec<String>),
    /// tantivy panicked while reading the index (a corrupt file it did not detect).
    #[error("reading the index failed: {0}")]
    Unreadable(String),
    /// The index on disk does not hold the expected passages.
    #[error("index holds {found} passages, expected {expected}")]
    Mismatch {
        /// Passages in the knowledge base.
        expected: usize,
        /// Documents in the index.
        found: u64,
    },
}

impl SearchError {
    /// Whether tantivy failed on the file system (I/O, opening files or
    /// directories) rather than on what the files hold.
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            SearchError::Tantivy(
                tantivy::TantivyError::IoError(_)
                    | tantivy::TantivyError::OpenDirectoryError(_)
                    | tantivy::TantivyError::OpenWriteError(_)
                    | tantivy::TantivyError::OpenReadError(_)
            )
        )
    }
}

#[derive(Clone, Copy)]
struct Fields {
    ord: Field,
    title: Field,
    section: Field,
    body: Field,
    keywords: Field,
}

impl Fields {
    /// The text fields with their boosts; a field's position here is its
    /// slot in the [`Lexicon`].
    fn text(&self) -> [(Field, f32); TEXT_FIELDS] {
        [
            (self.title, TITLE_BOOST),
            (self.section, SECTION_BOOST),
            (self.keywords, KEYWORDS_BOOST),
            (self.body, BODY_BOOST),
        ]
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let ord = builder.add_u64_field("ord", FAST | STORED);
    let title = builder.add_text_field("title", text.clone());
    let section = builder.add_text_field("section", text.clone());
    let body = builder.add_text_field("body", text.clone());
    let keywords = builder.add_text_field("keywords", text);
    (
        builder.build(),
        Fields {
            ord,
            title,
            section,
            body,
            keywords,
        },
    )
}

/// tantivy tokenizer running [`analysis::analyze`](crate::text::analysis::analyze).
#[derive(Clone)]
struct CareerTokenizer;

struct VecTokenStream {
    tokens: Vec<TantivyToken>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &TantivyToken {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for CareerTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = crate::text::analysis::analyze(text)
            .into_iter()
            .enumerate()
            .map(|(position, t)| TantivyToken {
                offset_from: t.start,
                offset_to: t.end,
                position,
                text: t.stem,
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

fn register(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, TextAnalyzer::from(CareerTokenizer));
}

/// A searchable index of passages, opened once per knowledge snapshot.
pub struct SearchIndex {
    searcher: Searcher,
    fields: Fields,
    ords: Vec<Column<u64>>,
    num_docs: u64,
    lexicon: Lexicon,
    /// How queries are scored, chosen by the size of the knowledge base.
    backend: Box<dyn Backend>,
    /// [`SearchIndex::longer_form`] of the stems asked about so far: members
    /// ask with the same words, and walking the term dictionary for each
    /// costs more than the rest of reading a question.
    longer_forms: LongerForms,
    /// Kept so the searcher's segments stay valid for the snapshot's lifetime.
    _reader: IndexReader,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("num_docs", &self.num_docs)
            .finish()
    }
}

/// One matching passage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index of the passage in the snapshot's passage list.
    pub ord: usize,
    /// BM25 score with boosts.
    pub score: f32,
}

impl SearchIndex {
    /// Builds an index of `passages` in `dir` (which must be empty), or in
    /// memory when `dir` is `None`. `progress(done, total)` is called as
    /// passages are added.
    ///
    /// # Errors
    /// When tantivy cannot create or write the index.
    pub fn build(
        passages: &[Passage],
        dir: Option<&Path>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = match dir {
            Some(dir) => Index::create_in_dir(dir, schema)?,
            None => Index::create_in_ram(schema),
        };
        register(&index);
        let threads = if passages.len() < 20_000 {
            1
        } else {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(4)
        };
        let mut writer = index.writer_with_num_threads(threads, 40_000_000 * threads)?;
        let total = passages.len();
        let step = (total / 20).max(1000);
        for (ord, p) in passages.iter().enumerate() {
            let title = if p.tags.is_empty() {
                p.article.clone()
            } else {
                format!("{} ; {}", p.article, p.tags.join(" ; "))
            };
            writer.add_document(doc!(
                fields.ord => ord as u64,
                fields.title => title,
                fields.section => p.section.join(" ; "),
                fields.body => p.text.as_str(),
                fields.keywords => p.keywords.join(" ; "),
            ))?;
            if (ord + 1) % step == 0 {
                progress(ord + 1, total);
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        progress(total, total);
        Self::from_index(&index, fields, total)
    }

    /// Opens an index built by [`SearchIndex::build`] for `expected` passages.
    /// Every file's checksum is verified first, and a panic of tantivy's
    /// while reading is caught: a damaged index is an error, never a crash.
    ///
    /// # Errors
    /// When the files are missing or corrupt, or hold another number of passages.
    pub fn open(dir: &Path, expected: usize) -> Result<Self, SearchError> {
        std::panic::catch_unwind(|| Self::open_checked(dir, expected)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            Err(SearchError::Unreadable(message))
        })
    }

    fn open_checked(dir: &Path, expected: usize) -> Result<Self, SearchError> {
        let index = Index::open_in_dir(dir)?;
        let mut damaged: Vec<String> = index
            .validate_checksum()?
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        if !damaged.is_empty() {
            damaged.sort();
            return Err(SearchError::Damaged(damaged));
        }
        register(&index);
        let (schema, fields) = schema();
        if index.schema() != schema {
            return Err(tantivy::TantivyError::SchemaError(
                "index schema differs from this version".into(),
            )
            .into());
        }
        Self::from_index(&index, fields, expected)
    }

    fn from_index(index: &Index, fields: Fields, expected: usize) -> Result<Self, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let num_docs = searcher.num_docs();
        if num_docs != expected as u64 {
            return Err(SearchError::Mismatch {
                expected,
                found: num_docs,
            });
        }
        let ords = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("ord"))
            .collect::<Result<Vec<_>, _>>()?;
        let text_fields = fields.text().map(|(f, _)| f);
        let lexicon = Lexicon::read(&searcher, text_fields)?;
        let backend = backend::choose();
        Ok(SearchIndex {
            searcher,
            fields,
            ords,
            num_docs,
            lexicon,
            backend,
            longer_forms: LongerForms::new(LONGER_FORMS),
            _reader: reader,
        })
    }

    /// Number of passages in the index.
    pub fn num_docs(&self) -> u64 {
        self.num_docs
    }

    /// In how many passages `stem` occurs, in the field where it is most frequent.
    pub fn doc_freq(&self, stem: &str) -> u64 {
        self.lexicon.get(stem).map_or(0, |s| s.max())
    }

    /// In how many passages `stem` occurs in a title, heading or phrasing.
    pub fn heading_doc_freq(&self, stem: &str) -> u64 {
        self.lexicon.get(stem).map_or(0, |s| {
            s.doc_freq[..BODY_SLOT].iter().copied().max().unwrap_or(0)
        })
    }

    /// The best passages for an understood question, best first.
    pub fn search(&self, question: &Understood, limit: usize) -> Vec<Hit> {
        self.search_by(&*self.backend, question, limit)
    }

    /// [`SearchIndex::search`] scored by `backend`.
    fn search_by(&self, backend: &dyn Backend, question: &Understood, limit: usize) -> Vec<Hit> {
        if limit == 0 || !question.concepts.iter().any(Concept::is_matched) {
            return Vec::new();
        }
        let Some(query) = self.query(question) else {
            return Vec::new();
        };
        match backend.top(&self.corpus(), query, limit) {
            Ok(top) => self.hits(top),
            Err(e) => {
                tracing::warn!(error = %e, "search failed");
                Vec::new()
            }
        }
    }

    /// What the back ends score from.
    fn corpus(&self) -> Corpus<'_> {
        Corpus {
            searcher: &self.searcher,
            lexicon: &self.lexicon,
            fields: self.text_fields(),
        }
    }

    /// The text fields, in slot order.
    fn text_fields(&self) -> [Field; TEXT_FIELDS] {
        self.fields.text().map(|(f, _)| f)
    }

    /// The passages of scored documents, best first.
    fn hits(&self, top: Vec<(Score, DocAddress)>) -> Vec<Hit> {
        top.into_iter()
            .filter_map(|(score, addr)| {
                let column = self.ords.get(addr.segment_ord as usize)?;
                let ord = column.first(addr.doc_id)?;
                Some(Hit {
                    ord: usize::try_from(ord).ok()?,
                    score,
                })
            })
            .collect()
    }

    /// The question as a query: per concept, the best of its alternatives
    /// plus 0.2 of the others; per alternative, the sum over the fields
    /// holding it; then the proximity of typed words. `None` when no field
    /// holds anything the question asks for.
    fn query<'q>(&self, question: &'q Understood) -> Option<Node<'q>> {
        let mut clauses: Vec<Node<'q>> = Vec::new();
        for concept in question.concepts.iter().filter(|c| c.is_matched()) {
            // A word found in most passages says little about which one is meant.
            let concept_weight = if concept.weak { WEAK_WEIGHT } else { 1.0 };
            let mut alternatives: Vec<Node<'q>> = Vec::new();
            for alt in &concept.alternatives {
                let mut per_field: Vec<Node<'q>> = Vec::new();
                for (slot, (_, boost)) in self.fields.text().into_iter().enumerate() {
                    // A field lacking one of the stems matches nothing: leaving it out
                    // changes no score and saves building its weight and scorer.
                    if alt.stems.is_empty()
                        || alt
                            .stems
                            .iter()
                            .any(|s| self.lexicon.doc_freq_in(s, slot) == 0)
                    {
                        continue;
                    }
                    let terms = match &alt.stems[..] {
                        [stem] => Terms::Term(stem),
                        stems => Terms::Phrase(stems),
                    };
                    per_field.push(Node::Leaf(Leaf {
                        slot,
                        terms,
                        boost: boost * alt.weight * concept_weight,
                    }));
                }
                if !per_field.is_empty() {
                    alternatives.push(Node::Union(per_field, Combine::Sum));
                }
            }
            if !alternatives.is_empty() {
                clauses.push(Node::Union(alternatives, Combine::Max(TIE_BREAKER)));
            }
        }
        // Words the member typed next to each other count more when the
        // passage has them next to each other too ("programming languages").
        let typed: Vec<&Concept> = question
            .concepts
            .iter()
            .filter(|c| c.is_matched() && c.typed.len() == 1)
            .collect();
        for pair in typed.windows(2) {
            let (first, second) = (&pair[0].typed[0], &pair[1].typed[0]);
            if self.lexicon.doc_freq_in(first, BODY_SLOT) == 0
                || self.lexicon.doc_freq_in(second, BODY_SLOT) == 0
            {
                continue;
            }
            clauses.push(Node::Leaf(Leaf {
                slot: BODY_SLOT,
                terms: Terms::Near([first, second], PROXIMITY_SLOP),
                boost: PROXIMITY_BOOST,
            }));
        }
        (!clauses.is_empty()).then_some(Node::Union(clauses, Combine::Sum))
    }

    /// The most frequent longer word that `stem` abbreviates ("repo" for
    /// "repositori"), when it is at least twice as frequent as `stem`
    /// itself: members shorten the words the knowledge base spells out.
    fn longer_form(&self, stem: &str) -> Option<String> {
        const MIN_ABBREVIATION: usize = 4;
        const MIN_EXTRA: usize = 3;
        if stem.len() < MIN_ABBREVIATION || !stem.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        if let Some(known) = self.longer_forms.get(stem) {
            return known;
        }
        let own = self.doc_freq(stem);
        let found = self
            .lexicon
            .most_frequent(Prefix(stem.as_bytes()), stem.len() + MIN_EXTRA)
            .filter(|(_, df)| *df >= 2 * own.max(1))
            .map(|(term, _)| term);
        self.longer_forms.insert(stem.to_string(), found.clone());
        found
    }

    /// The most frequent term of the index within `distance` edits of `stem`.
    fn closest_term(&self, stem: &str, distance: u8) -> Option<String> {
        question::closest_term(&self.lexicon, stem, distance)
    }
}
