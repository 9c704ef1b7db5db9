//! Typo correction against the index's own vocabulary: the terms within
//! one or two edits of a word absent from the index, found by comparing
//! terms of a near length or by a Levenshtein automaton over the term
//! dictionary.

use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};

use super::super::lexicon::{char_mask, LengthTerm, Lexicon};
use crate::text::distance::{self, Edits};

pub(super) fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if distance <= 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

/// Prepares the shared tables so the first question is not slower than the rest.
pub(crate) fn warm_up() {
    builder(1);
    builder(2);
}

/// Allowed edit distance for a typo of a word of `len` characters.
pub(super) fn typo_distance(len: usize) -> u8 {
    // Short words have too many real neighbours ("bread" is not a typo of "read").
    match len {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    }
}

struct Dfa<'a>(&'a DFA);

impl tantivy_fst::Automaton for Dfa<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// Above this many terms of a length near the typo's, building the Levenshtein
/// automaton and walking the FST is cheaper than comparing each term.
const MAX_TERMS_COMPARED: usize = 1024;

/// The term of the index within `distance` edits of `stem` (a transposition
/// counts as one edit) with the largest document frequency in one field of
/// one segment, the first in byte order on a tie.
pub(crate) fn closest_term(lexicon: &Lexicon, stem: &str, distance: u8) -> Option<String> {
    let query: Vec<char> = stem.chars().collect();
    let max = usize::from(distance);
    let lengths = query.len().saturating_sub(max)..=query.len() + max;
    let nearby: usize = lexicon
        .terms_of_length(lengths.clone())
        .map(<[_]>::len)
        .sum();
    if nearby > MAX_TERMS_COMPARED {
        let dfa = builder(distance).build_dfa(stem);
        return lexicon
            .search(Dfa(&dfa))
            .into_iter()
            .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
            .map(|(term, _)| term);
    }
    let mask = char_mask(&query);
    // Same order as above: larger frequency first, then the smaller term.
    let mut best: Option<&LengthTerm> = None;
    for term in lexicon.terms_of_length(lengths).flatten() {
        let better = best.is_none_or(|b| {
            term.doc_freq > b.doc_freq || (term.doc_freq == b.doc_freq && term.chars < b.chars)
        });
        // Each edit removes at most one character the other word lacks, so a
        // word with more lacking characters than edits allowed is too far.
        if better
            && lacking(mask, term.mask) <= u32::from(distance)
            && distance::within(&query, &term.chars, max, Edits::WithSwaps).is_some()
        {
            best = Some(term);
        }
    }
    best.map(|term| term.chars.iter().collect())
}

/// How many characters of one word, by [`char_mask`], the other lacks (the
/// larger count of the two). Each edit, a transposition included, removes at
/// most one such character, so this never exceeds the edit distance.
pub(super) fn lacking(a: u64, b: u64) -> u32 {
    (a & !b).count_ones().max((b & !a).count_ones())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to `len` characters from `alphabet`.
    fn strings(alphabet: &[char], len: usize) -> Vec<Vec<char>> {
        let mut out = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..len {
            last = last
                .iter()
                .flat_map(|s: &Vec<char>| {
                    alphabet.iter().map(move |c| {
                        let mut t = s.clone();
                        t.push(*c);
                        t
                    })
                })
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    #[test]
    fn transposed_distance_accepts_what_the_levenshtein_automaton_accepts() {
        let all = strings(&['a', 'b', 'é', 'c'], 5);
        for distance in 1..=2u8 {
            for a in all.iter().step_by(3) {
                let text: String = a.iter().collect();
                let dfa = builder(distance).build_dfa(&text);
                for b in &all {
                    let word: String = b.iter().collect();
                    let expected = match dfa.eval(&word) {
                        Distance::Exact(d) => Some(usize::from(d)),
                        Distance::AtLeast(_) => None,
                    };
                    assert_eq!(
                        distance::within(a, b, usize::from(distance), Edits::WithSwaps),
                        expected,
                        "{text} {word} {distance}"
                    );
                    // The cheap filter in `closest_term` never drops a match.
                    let lacks = lacking(char_mask(a), char_mask(b));
                    assert!(expected.is_none() || lacks <= u32::from(distance));
                }
            }
        }
    }
}
