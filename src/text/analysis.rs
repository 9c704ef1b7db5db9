//! Text analysis shared by indexing, querying and highlighting: words,
//! compounds ("back-end" -> "backend"), symbols that are names ("C#", "C++",
//! ".NET"), case and accent folding, and English stemming. One function,
//! [`analyze`], so the index and the questions always agree.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::vocabulary::vocabulary;

/// Words longer than this are not terms (hashes, URLs run together).
const MAX_WORD_CHARS: usize = 40;

/// One analyzed word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Stemmed, folded term as stored in the index.
    pub stem: String,
    /// Lower-cased, folded word before stemming.
    pub word: String,
    /// Byte range of the word in the analyzed text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Role nouns kept apart from their activity: a "developer" is a person,
/// "development" is work, and career questions ask about one or the other.
const ROLES: &[&str] = &["developer", "designer", "manager", "tester"];

/// Whether `first` and `second` form one of the vocabulary's compounds.
fn is_compound(first: &str, second: &str) -> bool {
    static BY_FIRST: OnceLock<rustc_hash::FxHashMap<&'static str, Vec<&'static str>>> =
        OnceLock::new();
    BY_FIRST
        .get_or_init(|| {
            let mut map: rustc_hash::FxHashMap<&'static str, Vec<&'static str>> =
                rustc_hash::FxHashMap::default();
            for (a, b) in &vocabulary().compounds {
                map.entry(a.as_str()).or_default().push(b.as_str());
            }
            map
        })
        .get(first)
        .is_some_and(|seconds| seconds.contains(&second))
}

/// Stems one folded, lower-case word.
pub fn stem(word: &str) -> String {
    // Words repeat (Zipf): a per-thread memo turns most stemming into one
    // hash lookup. It holds at most this many words, evicting the least
    // used, so memory stays bounded.
    const MEMO_LIMIT: usize = 200_000;
    thread_local! {
        static MEMO: std::cell::RefCell<quick_cache::unsync::Cache<String, String>> =
            std::cell::RefCell::new(quick_cache::unsync::Cache::new(MEMO_LIMIT));
    }
    MEMO.with(|memo| {
        if let Some(stem) = memo.borrow().get(word) {
            return stem.clone();
        }
        let stem = stem_uncached(word);
        memo.borrow_mut().insert(word.to_string(), stem.clone());
        stem
    })
}

fn stem_uncached(word: &str) -> String {
    let singular = word.strip_suffix('s').unwrap_or(word);
    if ROLES.contains(&singular) {
        return singular.to_string();
    }
    stemmer().stem(word).into_owned()
}

/// Splits `text` into analyzed tokens, in order.
pub fn analyze(text: &str) -> Vec<Token> {
    analyze_where(text, |_| true)
}

/// Like [`analyze`], but only words for which `wanted(word)` holds are
/// stemmed and returned (stemming is the costly part).
pub fn analyze_where(text: &str, wanted: impl Fn(&str) -> bool) -> Vec<Token> {
    let Words { folded, spans } = words(text);
    let words: Vec<(usize, usize, &str)> = spans
        .iter()
        .map(|&(start, end, from, to)| (start, end, &folded[from..to]))
        .collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (start, end, word) = words[i];
        if let Some(&(next_start, next_end, next)) = words.get(i + 1) {
            let gap = &text[end..next_start];
            if (gap == " " || gap == "-" || gap == "\u{2011}" || gap == "\u{2010}")
                && is_compound(word, next)
            {
                let joined = format!("{word}{next}");
                i += 2;
                if !wanted(&joined) {
                    continue;
                }
                tokens.push(Token {
                    stem: stem(&joined),
                    word: joined,
                    start,
                    end: next_end,
                });
                continue;
            }
        }
        if word.chars().count() <= MAX_WORD_CHARS && wanted(word) {
            tokens.push(Token {
                stem: stem(word),
                word: word.to_string(),
                start,
                end,
            });
        }
        i += 1;
    }
    tokens
}

/// The stems of `text`, in order.
pub fn stems(text: &str) -> Vec<String> {
    analyze(text).into_iter().map(|t| t.stem).collect()
}

/// The words of a text, folded into one buffer (one allocation, not one
/// per word).
struct Words {
    /// Every word, folded and lower-cased, one after another.
    folded: String,
    /// Per word: its byte range in the text, then in `folded`.
    spans: Vec<(usize, usize, usize, usize)>,
}

/// Splits `text` into folded lower-case words.
fn words(text: &str) -> Words {
    let mut folded = String::with_capacity(text.len());
    let mut out: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((start, c)) = chars.next() {
        // ".NET" is a name, not a full stop and "net".
        if c == '.' && !prev.is_some_and(char::is_alphanumeric) {
            let rest = &text[start + 1..];
            if rest.len() >= 3
                && rest.is_char_boundary(3)
                && rest[..3].eq_ignore_ascii_case("net")
                && !rest[3..].starts_with(char::is_alphanumeric)
            {
                push_word(&mut folded, &mut out, start, start + 4, "dotnet");
                for _ in 0..3 {
                    chars.next();
                }
                prev = Some('t');
                continue;
            }
        }
        if !c.is_alphanumeric() {
            prev = Some(c);
            continue;
        }
        let mut end = start + c.len_utf8();
        let word_from = folded.len();
        push_folded(&mut folded, c);
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphanumeric() || is_combining_mark(c) {
                push_folded(&mut folded, c);
                end = i + c.len_utf8();
                chars.next();
            } else if super::is_invisible_format(c) && !c.is_whitespace() {
                // A zero-width or direction mark inside a word ("sal\u{200b}ary")
                // is not there to the eye, so it splits nothing.
                chars.next();
            } else {
                break;
            }
        }
        let rest = &text[end..];
        let word = &folded[word_from..];
        // "C#", "F#" and "C++" are language names.
        if (word == "c" || word == "f") && rest.starts_with('#') {
            let name = if word == "c" { "csharp" } else { "fsharp" };
            folded.truncate(word_from);
            end += 1;
            chars.next();
            push_word(&mut folded, &mut out, start, end, name);
            prev = Some('#');
            continue;
        } else if word == "c" && rest.starts_with("++") {
            folded.truncate(word_from);
            end += 2;
            chars.next();
            chars.next();
            push_word(&mut folded, &mut out, start, end, "cpp");
            prev = Some('+');
            continue;
        } else if let Some(after) = rest.strip_prefix('\'').or_else(|| rest.strip_prefix('’')) {
            // Possessive "developer's" is "developer".
            if after.starts_with(['s', 'S']) && !after[1..].starts_with(char::is_alphanumeric) {
                // Skip the quote and the "s".
                chars.next();
                chars.next();
                out.push((start, end, word_from, folded.len()));
                prev = Some('s');
                continue;
            }
        }
        prev = text[..end].chars().next_back();
        out.push((start, end, word_from, folded.len()));
    }
    Words { folded, spans: out }
}

/// Appends a word that is not spelt as in the text ("C#" is "csharp").
fn push_word(
    folded: &mut String,
    out: &mut Vec<(usize, usize, usize, usize)>,
    start: usize,
    end: usize,
    word: &str,
) {
    let from = folded.len();
    folded.push_str(word);
    out.push((start, end, from, folded.len()));
}

/// Combining diacritics (a decomposed "é" is "e" + U+0301): part of the word, dropped when folding.
fn is_combining_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// Appends `c` folded for matching: its NFKC form (full-width letters and
/// ligatures become plain ones), lower-cased, with diacritics removed by
/// tantivy's ASCII folding ("ǎ" -> "a", "ß" -> "ss", "ø" -> "o").
fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if is_combining_mark(c) {
        return;
    }
    use unicode_normalization::UnicodeNormalization;
    for n in std::iter::once(c).nfkc() {
        for l in n.to_lowercase() {
            if l.is_ascii() {
                out.push(l);
            } else if !is_combining_mark(l) {
                fold_to_ascii(l, out);
            }
        }
    }
}

/// tantivy's ASCII folding of one character, remembered per thread.
fn fold_to_ascii(c: char, out: &mut String) {
    use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer};
    thread_local! {
        static FOLDER: std::cell::RefCell<(TextAnalyzer, HashMap<char, String>)> =
            std::cell::RefCell::new((
                TextAnalyzer::builder(RawTokenizer::default())
                    .filter(AsciiFoldingFilter)
                    .build(),
                HashMap::new(),
            ));
    }
    FOLDER.with(|folder| {
        let mut folder = folder.borrow_mut();
        let (analyzer, memo) = &mut *folder;
        if let Some(folded) = memo.get(&c) {
            out.push_str(folded);
            return;
        }
        let text = c.to_string();
        let folded = {
            let mut stream = analyzer.token_stream(&text);
            stream.advance().then(|| stream.token().text.clone())
        }
        .unwrap_or(text);
        if memo.len() < 65_536 {
            memo.insert(c, folded.clone());
        }
        out.push_str(&folded);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.word).collect()
    }

    #[test]
    fn spellings_of_back_end_become_one_term() {
        for text in ["back end", "back-end", "Back-End", "backend"] {
            assert_eq!(words_of(text), vec!["backend"], "{text}");
        }
        let t = &analyze("the back-end logic")[1];
        assert_eq!((t.start, t.end), (4, 12));
    }

    #[test]
    fn an_invisible_mark_inside_a_word_splits_nothing_but_a_line_separator_does() {
        assert_eq!(
            words_of("sal\u{200b}ary da\u{202e}ta\u{2066}base"),
            vec!["salary", "database"]
        );
        let t = &analyze("a sal\u{200b}ary")[1];
        assert_eq!((t.start, t.end), (2, 11), "the span covers the mark");
        assert_eq!(words_of("salary\u{2028}range"), vec!["salary", "range"]);
        assert_eq!(words_of("\u{200b}salary\u{200b}"), vec!["salary"]);
    }

    #[test]
    fn language_symbols_are_names() {
        assert_eq!(
            words_of("C#, C++ and .NET"),
            vec!["csharp", "cpp", "and", "dotnet"]
        );
        assert_eq!(words_of("node.js"), vec!["node", "js"]);
    }

    #[test]
    fn possessives_accents_and_stems_are_folded() {
        assert_eq!(words_of("developer’s café"), vec!["developer", "cafe"]);
        assert_eq!(
            stems("databases salary developers"),
            vec!["databas", "salari", "developer"]
        );
    }

    #[test]
    fn full_width_letters_ligatures_and_every_latin_diacritic_fold() {
        assert_eq!(words_of("Ｐｙｔｈｏｎ"), vec!["python"]);
        assert_eq!(words_of("ﬁle"), vec!["file"]);
        assert_eq!(
            words_of("mǎ Straße Øystein Łódź"),
            vec!["ma", "strasse", "oystein", "lodz"]
        );
    }

    #[test]
    fn decomposed_accents_fold_like_composed_ones() {
        assert_eq!(words_of("re\u{0301}sume\u{0301}"), vec!["resume"]);
        assert_eq!(words_of("résumé"), vec!["resume"]);
    }

    #[test]
    fn emoji_punctuation_and_empty_text_give_no_terms() {
        assert!(analyze("").is_empty());
        assert!(analyze("🚀 ??? :: ()").is_empty());
        assert_eq!(words_of("AND OR NOT *"), vec!["and", "or", "not"]);
    }
}
