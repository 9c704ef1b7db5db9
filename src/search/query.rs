//! A question's query as a tree: leaves are boosted terms and phrases in
//! one text field ([`Leaf`]); unions combine their members' scores per
//! alternative (sum), per concept (max plus a share of the rest) and per
//! question (sum). Every scoring back end (`super::backend`) scores this
//! tree; [`Node::into_query`] makes it one tantivy query.

use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, Term};

use super::bm25;
use super::lexicon::{Lexicon, TEXT_FIELDS};

/// What one leaf of a question's query looks for, in one text field,
/// borrowing the stems of the understood question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Terms<'q> {
    /// One stem.
    Term(&'q str),
    /// Stems next to each other, in this order (at least two).
    Phrase(&'q [String]),
    /// Two stems at most `slop` positions from where a phrase would have
    /// them, in either order.
    Near([&'q str; 2], u32),
}

impl<'q> Terms<'q> {
    /// Number of stems.
    pub fn len(&self) -> usize {
        match self {
            Terms::Term(_) => 1,
            Terms::Phrase(stems) => stems.len(),
            Terms::Near(..) => 2,
        }
    }

    /// The stems, in phrase order.
    pub fn stems(&self) -> impl Iterator<Item = &'q str> + '_ {
        (0..self.len()).map(|i| match self {
            Terms::Term(stem) => *stem,
            Terms::Phrase(stems) => stems[i].as_str(),
            Terms::Near(stems, _) => stems[i],
        })
    }
}

/// A boosted term or phrase in the text field at `slot`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Leaf<'q> {
    /// Slot of the field in `Fields::text` and the [`Lexicon`].
    pub slot: usize,
    /// What it matches.
    pub terms: Terms<'q>,
    /// Multiplies the BM25 weight, as a tantivy `BoostQuery` does.
    pub boost: Score,
}

impl Leaf<'_> {
    /// tantivy's BM25 weight of the leaf (`Bm25Weight::for_terms`, then
    /// `boost_by`): one term's idf, or the sum of the phrase's idfs in phrase
    /// order, times `1 + k1` and the boost. No document scores more than it,
    /// since the term-frequency factor is below 1.
    pub fn weight(&self, lexicon: &Lexicon) -> Score {
        let mut idf_sum: Score = 0.0;
        for stem in self.terms.stems() {
            idf_sum += bm25::idf(
                lexicon.doc_freq_in(stem, self.slot),
                lexicon.total_num_docs(),
            );
        }
        let mut weight = idf_sum * (1.0 + bm25::K1);
        if self.boost != 1.0 {
            weight *= self.boost;
        }
        weight
    }
}

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
