//! The moderators' answers: what they write from Discord (the "Answer
//! this" form of `/gaps`), kept in [`FILE`] as data, not as Markdown. Each
//! `[[answer]]` entry holds the question, an optional heading, the text and
//! who wrote it when; the reader turns each entry into one section of one
//! article, its question a phrasing and its text one block
//! ([`flatten`]), so no text a moderator or member writes can open a
//! section, hide another answer or drop itself. The file stays readable and
//! editable in git. An older `community-answers.md` is read as an ordinary
//! article until the next answer moves its sections here ([`plan`]). Pure.

use serde::{Deserialize, Serialize};

use super::article::flat::flatten;
use super::article::inline::{
    plain, visible_len, CODE_CLOSE, CODE_OPEN, LINK_CLOSE, LINK_OPEN, LINK_URL,
};
use super::problem::{line_col, LineIndex, Problem};
use super::{squash, Article, Block, Section, SourceFile};

/// The moderators' answers, relative to the knowledge directory.
pub const FILE: &str = "community-answers.toml";
/// Where earlier versions kept them, as Markdown.
pub const LEGACY_FILE: &str = "community-answers.md";
/// What [`LEGACY_FILE`] is renamed to once its answers moved to [`FILE`]:
/// kept for the moderators, never read as knowledge.
pub const MIGRATED_FILE: &str = "community-answers.md.migrated";
/// The article's id, the same as the Markdown file's was, so ratings of
/// its passages keep their keys.
pub const ID: &str = "community-answers";
/// The article's title.
pub const TITLE: &str = "Community answers";
/// Longest heading kept (Discord's modal allows this much, too).
pub const MAX_HEADING: usize = 100;
/// Longest answer, in characters as served: one passage.
pub const MAX_ANSWER: usize = 1000;
/// Longest credit link kept (a jump link is under 100 characters).
const MAX_LINK: usize = 200;

/// The comment that opens a new [`FILE`].
const HEADER: &str = "# Answers written by moderators with careerbot's /gaps \"Answer this\" form.\n# Each [[answer]] is one section: `question` finds it, `text` (Markdown) is what\n# members get. Edit them here like any knowledge; careerbot only appends.\n";

/// One answer a moderator wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityAnswer {
    /// The question it answers, as members phrase it.
    pub question: String,
    /// The section's heading; the question when empty.
    pub heading: String,
    /// The answer, in Markdown.
    pub answer: String,
    /// Who wrote it (a display name, never a mention).
    pub by: String,
    /// When (RFC 3339), empty when unknown.
    pub at: String,
    /// Where it was first written: a jump link to a member's message
    /// ("Save as answer"), empty for an answer written in the form.
    pub link: String,
}

/// Why an answer cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// No question to attach it to.
    #[error("the question is empty")]
    NoQuestion,
    /// No answer text.
    #[error("the answer is empty")]
    NoAnswer,
    /// More than one passage of text.
    #[error("the answer is {0} characters as served; at most {MAX_ANSWER} fit in one answer")]
    TooLong(usize),
    /// The file that holds the answers cannot be added to as it is.
    #[error("{0}")]
    Unusable(String),
}

/// One `[[answer]]` of [`FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    question: String,
    /// More phrasings of the question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    also: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    heading: String,
    text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    link: String,
}

/// [`FILE`] as read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    answer: Vec<toml::Spanned<Entry>>,
}

/// Entries as written.
#[derive(Serialize)]
struct Written<'a> {
    answer: &'a [Entry],
}

/// `text` without control characters (but line breaks) and without the
/// invisible characters that reorder or hide text (bidi controls, zero-width
/// marks); tabs become spaces.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() || crate::text::is_invisible_format(c) => None,
            c => Some(c),
        })
        .collect()
}

/// A one-line text, at most `max` characters.
fn line(text: &str, max: usize) -> String {
    let text = squash(&clean(text));
    text.chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Markdown `text` as it is served: one block ([`flatten`]), and clean of
/// what an entity (`&#27;`, `&#x202E;`) could have put back.
fn served(text: &str) -> String {
    clean(&flatten(text))
}

/// Whether served text holds anything to read.
fn readable(served: &str) -> bool {
    plain(served).chars().any(char::is_alphanumeric)
}

impl Entry {
    /// The entry of a new answer.
    fn new(answer: &CommunityAnswer) -> Result<Self, AnswerError> {
        let question = line(&answer.question, usize::MAX);
        if question.is_empty() {
            return Err(AnswerError::NoQuestion);
        }
        let text = clean(&answer.answer).trim().to_string();
        let shown = served(&text);
        if !readable(&shown) {
            return Err(AnswerError::NoAnswer);
        }
        let length = visible_len(&shown);
        if length > MAX_ANSWER {
            return Err(AnswerError::TooLong(length));
        }
        Ok(Entry {
            heading: line(answer.heading.trim_start_matches('#'), MAX_HEADING),
            question,
            also: Vec::new(),
            text,
            by: line(&answer.by, MAX_HEADING),
            at: line(&answer.at, 40),
            link: line(&answer.link, MAX_LINK),
        })
    }

    /// The section it is served as: every field cleaned, however the file
    /// was edited.
    fn section(&self, at: usize) -> Section {
        let one_line = |text: &str| line(text, usize::MAX);
        let heading = match one_line(&self.heading) {
            heading if heading.is_empty() => one_line(&self.question),
            heading => heading,
        };
        let mut phrasings = vec![one_line(&self.question)];
        phrasings.extend(self.also.iter().map(|p| one_line(p)));
        phrasings.retain(|p| !p.is_empty());
        Section {
            path: vec![heading],
            phrasings,
            blocks: vec![Block::Paragraph(served(&self.text))],
            line: at,
        }
    }
}

/// The entries of [`FILE`]'s `text`, or the problem that keeps it from
/// being read.
fn document(text: &str, display: &str) -> Result<Document, Problem> {
    toml::from_str(text).map_err(|e| {
        let at = e.span().map_or((1, 1), |s| line_col(text, s.start));
        let message = e.message().trim().trim_end_matches('.').to_string();
        Problem::error(display, at, format!("invalid answers file: {message}"))
            .help("each answer is an [[answer]] table with question = \"...\" and text = \"\"\"...\"\"\" (heading, also, by, at and link are optional)")
    })
}

/// Reads [`FILE`]: one section per entry, every problem with its place.
pub fn parse(text: &str, rel: &str, display: &str) -> (Option<Article>, Vec<Problem>) {
    let document = match document(text, display) {
        Ok(document) => document,
        Err(problem) => return (None, vec![problem]),
    };
    let mut problems = Vec::new();
    let mut sections = Vec::new();
    // One pass for every entry's place: a file of many answers is read in
    // linear time.
    let lines = LineIndex::new(text);
    for entry in &document.answer {
        let at = lines.line_col(text, entry.span().start);
        let section = entry.get_ref().section(at.0);
        let empty = |what: &str| {
            Problem::error(display, at, format!("this answer's {what} is empty"))
                .help("write it, or remove the [[answer]]")
        };
        if section.phrasings.is_empty() {
            problems.push(empty("question"));
        } else if section
            .blocks
            .iter()
            .all(|b| matches!(b, Block::Paragraph(p) if !readable(p)))
        {
            problems.push(empty("text"));
        } else {
            sections.push(section);
        }
    }
    let article = Article {
        id: ID.to_string(),
        path: rel.to_string(),
        title: TITLE.to_string(),
        source: None,
        summary: None,
        tags: Vec::new(),
        phrasings: Vec::new(),
        sections,
    };
    (Some(article), problems)
}

/// [`FILE`]'s text with `answer` appended; `existing` is its text now,
/// `None` when it does not exist yet. The existing text is kept byte for
/// byte (comments, order, a moderator's edits): the answer is added after it.
///
/// # Errors
/// When the question or the answer is empty or too long, or the existing
/// file is not a valid answers file.
pub fn append(existing: Option<&str>, answer: &CommunityAnswer) -> Result<String, AnswerError> {
    let entry = Entry::new(answer)?;
    let existing = existing.filter(|text| !text.trim().is_empty());
    let Some(existing) = existing else {
        return Ok(format!(
            "{HEADER}\n{}",
            written(std::slice::from_ref(&entry))?
        ));
    };
    let (_, problems) = parse(existing, FILE, FILE);
    if let Some(problem) = problems.first() {
        return Err(AnswerError::Unusable(format!(
            "{FILE} cannot be added to until it is fixed: {}",
            problem.message
        )));
    }
    let entries = |text: &str| -> Option<Vec<Entry>> {
        let document = document(text, FILE).ok()?;
        Some(
            document
                .answer
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
        )
    };
    let mut all = entries(existing).unwrap_or_default();
    all.push(entry.clone());
    let appended = format!(
        "{}\n\n{}",
        existing.trim_end(),
        written(std::slice::from_ref(&entry))?
    );
    // Appending keeps the file as the moderators wrote it; when it cannot
    // (answers written as an inline array), the file is written anew.
    if entries(&appended).as_ref() == Some(&all) {
        Ok(appended)
    } else {
        Ok(format!("{HEADER}\n{}", written(&all)?))
    }
}

/// Entries in TOML.
fn written(entries: &[Entry]) -> Result<String, AnswerError> {
    toml::to_string_pretty(&Written { answer: entries })
        .map_err(|e| AnswerError::Unusable(format!("cannot write the answer: {e}")))
}

/// A change to one file of the knowledge directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Replace (or create) the file with this text.
    Write {
        /// Path relative to the knowledge directory.
        rel: String,
        /// The new text.
        text: String,
    },
    /// Rename the file to `to`, out of the knowledge base but kept.
    Retire {
        /// Path relative to the knowledge directory.
        rel: String,
        /// The new name.
        to: String,
    },
}

/// What adding `answer` to the knowledge directory read as `files` changes:
/// [`FILE`] gains it. When only the Markdown [`LEGACY_FILE`] exists, its
/// sections move into [`FILE`] first, and it is retired.
///
/// # Errors
/// As [`append`]; and when [`FILE`] or [`LEGACY_FILE`] was refused by the
/// reader (a link, too large, not UTF-8), with that problem.
pub fn plan(files: &[SourceFile], answer: &CommunityAnswer) -> Result<Vec<Change>, AnswerError> {
    let read = |rel: &str| -> Result<Option<String>, AnswerError> {
        match files.iter().find(|f| f.rel == rel).map(|f| &f.bytes) {
            None => Ok(None),
            Some(Err(problem)) => Err(AnswerError::Unusable(format!(
                "{rel} cannot be used: {}",
                problem.message
            ))),
            Some(Ok(bytes)) => String::from_utf8(bytes.clone())
                .map(Some)
                .map_err(|_| AnswerError::Unusable(format!("{rel} is not valid UTF-8"))),
        }
    };
    let existing = read(FILE)?;
    let mut changes = Vec::new();
    let existing = match (existing, read(LEGACY_FILE)?) {
        (None, Some(legacy)) => {
            changes.push(Change::Retire {
                rel: LEGACY_FILE.to_string(),
                to: MIGRATED_FILE.to_string(),
            });
            Some(migrate(&legacy)?)
        }
        (existing, _) => existing,
    };
    let text = append(existing.as_deref(), answer)?;
    changes.insert(
        0,
        Change::Write {
            rel: FILE.to_string(),
            text,
        },
    );
    Ok(changes)
}

/// The answers of a Markdown [`LEGACY_FILE`] as the text of a [`FILE`]:
/// each section that has text becomes an entry, its first phrasing (or
/// heading) the question, its text what it was served as.
fn migrate(legacy: &str) -> Result<String, AnswerError> {
    let (article, _) =
        super::parse_article(legacy, LEGACY_FILE, LEGACY_FILE, super::Format::Markdown);
    let entries: Vec<Entry> = article
        .iter()
        .flat_map(|a| &a.sections)
        .filter(|s| !s.blocks.is_empty())
        .map(|s| {
            let heading = match s.path.join(" › ") {
                path if path.is_empty() => TITLE.to_string(),
                path => path,
            };
            let mut phrasings = s.phrasings.clone();
            let question = if phrasings.is_empty() {
                heading.clone()
            } else {
                phrasings.remove(0)
            };
            Entry {
                question,
                also: phrasings,
                heading,
                text: markdown(&s.blocks),
                by: String::new(),
                at: String::new(),
                link: String::new(),
            }
        })
        .collect();
    let moved = format!("{HEADER}# Moved from {LEGACY_FILE}, which is kept as {MIGRATED_FILE}.\n");
    if entries.is_empty() {
        return Ok(moved);
    }
    Ok(format!("{moved}\n{}", written(&entries)?))
}

/// `code` as an inline code span, fenced by more backticks than it holds.
fn inline_code(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if code.starts_with('`') || code.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{code}{pad}{fence}")
}

/// Blocks of served text written back as Markdown: links and code in
/// their Markdown form, list items as `- ` lines.
fn markdown(blocks: &[Block]) -> String {
    let marked = |text: &str| -> String {
        let mut out = String::new();
        let (mut in_url, mut code) = (false, None::<String>);
        for c in text.chars() {
            match (c, code.as_mut()) {
                (CODE_CLOSE, Some(_)) => {
                    out.push_str(&inline_code(&code.take().unwrap_or_default()));
                }
                (c, Some(code)) => code.push(c),
                (CODE_OPEN, None) => code = Some(String::new()),
                (LINK_OPEN, None) => out.push('['),
                (LINK_URL, None) => {
                    in_url = true;
                    out.push_str("](");
                }
                (LINK_CLOSE, None) => {
                    in_url = false;
                    out.push(')');
                }
                // Text stays text: any ASCII punctuation may be escaped.
                (c, None) if c.is_ascii_punctuation() && !in_url => {
                    out.push('\\');
                    out.push(c);
                }
                (c, None) => out.push(c),
            }
        }
        out
    };
    let texts: Vec<String> = blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => marked(p),
            Block::List(items) => items
                .iter()
                .map(|i| format!("- {}", marked(i)))
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    texts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::inline::{plain, spans};

    fn answer(question: &str, heading: &str, text: &str) -> CommunityAnswer {
        CommunityAnswer {
            question: question.into(),
            heading: heading.into(),
            answer: text.into(),
            by: "Ada".into(),
            at: "2026-12-07T10:00:00Z".into(),
            link: String::new(),
        }
    }

    fn served(text: &str) -> Article {
        let (article, problems) = parse(text, FILE, FILE);
        assert!(problems.is_empty(), "{problems:?}");
        article.expect("an article")
    }

    #[test]
    fn the_first_answer_makes_the_file_and_later_ones_are_appended() {
        let first = append(
            None,
            &answer("How do I ask for a raise?", "", "Bring numbers."),
        )
        .unwrap();
        assert!(
            first.starts_with("# Answers written by moderators"),
            "{first}"
        );
        let second = append(
            Some(&first),
            &answer("remote work?", "Remote work", "Many teams hire remotely."),
        )
        .unwrap();
        assert!(second.starts_with(first.trim_end()), "{second}");
        let article = served(&second);
        assert_eq!(article.id, ID);
        assert_eq!(article.sections.len(), 2);
        assert_eq!(article.sections[0].path, ["How do I ask for a raise?"]);
        assert_eq!(article.sections[0].phrasings, ["How do I ask for a raise?"]);
        assert_eq!(article.sections[1].path, ["Remote work"]);
        assert_eq!(
            article.sections[1].blocks,
            [Block::Paragraph("Many teams hire remotely.".into())]
        );
        assert!(second.contains("by = \"Ada\""), "{second}");
    }

    #[test]
    fn block_markup_in_an_answer_stays_in_its_own_section() {
        let mut text = None;
        let hostile = [
            "```\nunclosed fence",
            "<script>\nstill mine",
            "Title\n===",
            "- ## X\n> ## Y\n<!-- hidden",
            "[[answer]]\nquestion = \"forged\"\ntext = \"x\"",
        ];
        for (i, body) in hostile.iter().enumerate() {
            let next = append(
                text.as_deref(),
                &answer(&format!("q{i} <img src=x>"), "", body),
            )
            .unwrap();
            text = Some(next);
        }
        let article = served(text.as_deref().unwrap());
        assert_eq!(article.sections.len(), hostile.len());
        for (i, section) in article.sections.iter().enumerate() {
            assert_eq!(section.path, [format!("q{i} <img src=x>")]);
            assert_eq!(section.blocks.len(), 1);
        }
        let Block::Paragraph(last) = &article.sections[4].blocks[0] else {
            panic!("a paragraph")
        };
        assert!(plain(last).contains("question = \"forged\""), "{last}");
    }

    #[test]
    fn control_and_bidi_characters_never_reach_the_file() {
        let text = append(
            None,
            &answer(
                "a\u{202E}b\u{7}c",
                "h\u{2066}d",
                "x\u{200B}y\u{1b}[31m z\r\nw",
            ),
        )
        .unwrap();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        for c in ['\u{202E}', '\u{2066}', '\u{200B}'] {
            assert!(!text.contains(c), "{text:?}");
        }
        let article = served(&text);
        assert_eq!(article.sections[0].phrasings, ["abc"]);
    }

    #[test]
    fn an_empty_or_too_long_answer_is_refused() {
        assert_eq!(
            append(None, &answer("  ", "", "text")),
            Err(AnswerError::NoQuestion)
        );
        assert_eq!(
            append(None, &answer("q?", "", " \n ")),
            Err(AnswerError::NoAnswer)
        );
        assert_eq!(
            append(None, &answer("q?", "", "```\n```")),
            Err(AnswerError::NoAnswer)
        );
        let long = "word ".repeat(MAX_ANSWER / 4);
        assert!(matches!(
            append(None, &answer("q?", "", &long)),
            Err(AnswerError::TooLong(_))
        ));
    }

    #[test]
    fn a_broken_file_is_reported_with_its_line_and_not_added_to() {
        let (_, problems) = parse(
            "[[answer]]\nquestion = \"q\"\ntext = \"t\"\ncolour = 1\n",
            FILE,
            FILE,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 4, "{problems:?}");
        let refused = append(Some("[[answer]]\nquestion = 1\n"), &answer("q", "", "t"));
        assert!(
            matches!(refused, Err(AnswerError::Unusable(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn entities_cannot_put_back_control_characters_or_make_an_empty_answer() {
        let text = append(None, &answer("q?", "", "&#27;]0;pwned&#7; ok &#x202E;evil")).unwrap();
        let article = served(&text);
        let Block::Paragraph(p) = &article.sections[0].blocks[0] else {
            panic!("a paragraph")
        };
        assert!(
            !p.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{p:?}"
        );
        for empty in ["&#8203;", "[ ](https://example.com)", "&#27;&#7;"] {
            assert_eq!(
                append(None, &answer("q?", "", empty)),
                Err(AnswerError::NoAnswer),
                "{empty}"
            );
        }
    }

    #[test]
    fn answers_written_as_an_inline_array_are_kept_and_added_to() {
        for existing in [
            "answer = []\n",
            "answer = [{question = \"q\", text = \"t\"}]\n",
        ] {
            let text = append(Some(existing), &answer("new?", "", "A new answer.")).unwrap();
            let article = served(&text);
            let before = usize::from(existing.contains("question"));
            assert_eq!(article.sections.len(), before + 1, "{text}");
            assert_eq!(article.sections[before].phrasings, ["new?"]);
        }
    }

    #[test]
    fn a_migration_keeps_text_under_no_heading_and_escaped_markup() {
        let legacy = "# Community answers\n\nIntro answer.\n\n## Q\n\n### Sub\n\n\\# not a heading, \\*not em\\* and `a``b`.\n";
        let moved = migrate(legacy).unwrap();
        let article = served(&moved);
        let texts: Vec<String> = article
            .sections
            .iter()
            .map(|s| match &s.blocks[0] {
                Block::Paragraph(p) => plain(p),
                Block::List(items) => items.join("\n"),
            })
            .collect();
        assert_eq!(
            texts,
            ["Intro answer.", "# not a heading, *not em* and a``b."]
        );
        assert_eq!(article.sections[1].path, ["Q › Sub"]);
        let empty = migrate("# Community answers\n").unwrap();
        let text = append(Some(&empty), &answer("q?", "", "t1")).unwrap();
        assert_eq!(served(&text).sections.len(), 1, "{text}");
    }

    #[test]
    fn a_markdown_file_of_answers_moves_into_the_answers_file_and_is_retired() {
        let legacy = "# Community answers\n\n## Raises\n\n<!-- phrasings: how do I ask for a raise? -->\n\nBring [numbers](https://example.com).\n\n- one\n- two\n";
        let files = [SourceFile {
            rel: LEGACY_FILE.into(),
            display: LEGACY_FILE.into(),
            bytes: Ok(legacy.as_bytes().to_vec()),
        }];
        let changes = plan(&files, &answer("remote?", "", "Yes.")).unwrap();
        assert_eq!(
            changes[1],
            Change::Retire {
                rel: LEGACY_FILE.into(),
                to: MIGRATED_FILE.into()
            }
        );
        let Change::Write { text, .. } = &changes[0] else {
            panic!("a write first")
        };
        let article = served(text);
        assert_eq!(article.sections.len(), 2);
        assert_eq!(article.sections[0].path, ["Raises"]);
        assert_eq!(article.sections[0].phrasings, ["how do I ask for a raise?"]);
        let Block::Paragraph(p) = &article.sections[0].blocks[0] else {
            panic!("a paragraph")
        };
        let (plain, spans) = spans(p);
        assert_eq!(plain, "Bring numbers.\n\n- one\n- two");
        assert_eq!(spans.len(), 1);
    }
}
