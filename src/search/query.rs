//! A question's query as a tree: leaves are boosted terms and phrases in
//! one text field ([`Leaf`]); unions combine their members' scores per
//! alternative (sum), per concept (max plus a share of the rest) and per
//! question (sum). Every scoring back end (`super::backend`) scores this
//! tree; [`Node::into_query`] makes it one tantivy query.

use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Term};

use super::lexicon::TEXT_FIELDS;

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

/// A boosted term or phrase in the text field at `slot`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Leaf<'q> {
    /// Slot of the field in `Fields::text` and the lexicon.
    pub slot: usize,
    /// What it matches.
    pub terms: Terms<'q>,
    /// Multiplies the BM25 weight, as a tantivy `BoostQuery` does.
    pub boost: Score,
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
