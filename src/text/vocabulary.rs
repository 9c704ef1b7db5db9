//! The career vocabulary: words that carry no content in a question, groups
//! of words that mean the same thing, word pairs that are one term ("back
//! end" = "backend"), and the words that ask for tools or courses. The words
//! are data, in `vocabulary.toml` beside this file, where a moderator can read
//! them; the file is compiled into the binary and read once. Nothing in it
//! mentions a particular test question; it is the language of career
//! questions in general.

use std::sync::OnceLock;

use serde::Deserialize;

/// `vocabulary.toml`, as compiled in.
const FILE: &str = include_str!("vocabulary.toml");

/// The vocabulary: each field is the list of the same name in
/// `vocabulary.toml`, whose comments say what it holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// Function words and question words: never content.
    pub stopwords: Vec<String>,
    /// Words in capitals that are content though their lower-case form is a
    /// stop word ("IT support", "salary in the US").
    pub capital_content: Vec<String>,
    /// Word pairs written apart, hyphenated or together that are one term.
    pub compounds: Vec<(String, String)>,
    /// Groups of words and phrases that mean the same; the first names the group.
    pub synonyms: Vec<Vec<String>>,
    /// Words that ask which tools to use.
    pub tool_words: Vec<String>,
    /// Words that ask where or how to learn, besides the "course" group.
    learning_words: Vec<String>,
    /// Tech and career words that are on topic even when the knowledge base
    /// does not use them.
    pub domain_words: Vec<String>,
}

/// The vocabulary, read from the compiled-in file on first use.
pub fn vocabulary() -> &'static Vocabulary {
    static READ: OnceLock<Vocabulary> = OnceLock::new();
    READ.get_or_init(|| {
        // The file is part of the binary, not input: the test below reads it,
        // so a build whose file does not parse fails its tests.
        #[allow(clippy::expect_used)]
        toml::from_str(FILE).expect("src/text/vocabulary.toml parses (tested)")
    })
}

impl Vocabulary {
    /// Whether `word` is a stop word.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.iter().any(|w| w == word)
    }

    /// Words that ask for courses: the "course" synonym group and the
    /// learning words.
    pub fn course_words(&self) -> Vec<&str> {
        let group = self
            .synonyms
            .iter()
            .find(|g| g.first().is_some_and(|w| w == "course"))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        group
            .iter()
            .chain(&self.learning_words)
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_file_parses_and_every_list_has_words() {
        let v: Vocabulary = toml::from_str(FILE).unwrap();
        for (name, len) in [
            ("stopwords", v.stopwords.len()),
            ("capital_content", v.capital_content.len()),
            ("compounds", v.compounds.len()),
            ("synonyms", v.synonyms.len()),
            ("tool_words", v.tool_words.len()),
            ("learning_words", v.learning_words.len()),
            ("domain_words", v.domain_words.len()),
        ] {
            assert!(len > 0, "{name} is empty");
        }
        assert!(v.synonyms.iter().all(|g| !g.is_empty()));
        assert!(v.is_stopword("the") && !v.is_stopword("backend"));
        let courses = v.course_words();
        assert!(courses.contains(&"course") && courses.contains(&"learn"));
    }

    #[test]
    fn words_are_lower_case_but_the_capitals_that_are_content() {
        let v = vocabulary();
        let lists = [
            &v.stopwords,
            &v.tool_words,
            &v.learning_words,
            &v.domain_words,
        ];
        for word in lists
            .into_iter()
            .flatten()
            .chain(v.synonyms.iter().flatten())
        {
            assert_eq!(word, &word.to_lowercase(), "{word}");
        }
        assert!(v.capital_content.iter().all(|w| w == &w.to_uppercase()));
    }
}
