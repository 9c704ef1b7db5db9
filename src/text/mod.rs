//! Layer 0: text tools shared by the layers above, with no knowledge of
//! articles, passages or Discord: [`analysis`] (words, compounds, folding,
//! stems: the one analysis the index and the questions share),
//! [`vocabulary`] (stop words, synonyms, compounds), [`distance`] (edit
//! distance), [`sorted`] (merging sorted id and position lists) and [`prose`]
//! (English for careerbot's own sentences); and [`is_invisible_format`].

pub mod analysis;
pub mod distance;
pub mod prose;
pub mod sorted;
pub mod vocabulary;

/// Whether `c` is an invisible formatting character that reorders or hides
/// text: bidi marks, overrides and isolates, zero-width marks, line and
/// paragraph separators, the byte-order mark.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
    )
}
