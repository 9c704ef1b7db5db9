//! The moderators' article: answers written from Discord (the "Answer
//! this" form of `/gaps`), appended to [`FILE`] in the knowledge directory
//! as ordinary Markdown a moderator can read, edit and commit. Each answer
//! is a section whose `<!-- phrasings: -->` comment holds the question it
//! answers, so the next member who asks it gets the moderator's text. Pure:
//! text in, text out.

/// The moderators' article, relative to the knowledge directory.
pub const FILE: &str = "community-answers.md";

/// The article's title, written when the file is first made.
pub const TITLE: &str = "Community answers";

/// Longest heading kept (Discord's modal allows this much, too).
pub const MAX_HEADING: usize = 100;

/// One answer a moderator wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityAnswer {
    /// The question it answers, as members phrase it.
    pub question: String,
    /// The section's heading; the question when empty.
    pub heading: String,
    /// The answer, in Markdown.
    pub answer: String,
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
}

use super::squash;

/// Text that cannot end or open an HTML comment: the answer must not hide
/// what follows it, and a phrasing must not end its comment early.
fn no_comments(text: &str) -> String {
    text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")
}

/// A heading's text: one line, without leading `#`s, at most
/// [`MAX_HEADING`] characters.
fn heading_text(heading: &str, question: &str) -> String {
    let heading = squash(heading);
    let heading = heading.trim_start_matches('#').trim();
    let text = if heading.is_empty() {
        squash(question)
    } else {
        heading.to_string()
    };
    let text = no_comments(&text);
    text.chars()
        .take(MAX_HEADING)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The answer's body: its lines as written, except that a line that would
/// start a heading, a fence-less front matter or a comment is escaped, so
/// the answer stays one section of the article.
fn body_text(answer: &str) -> String {
    let mut lines = Vec::new();
    for line in answer.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let trimmed = line.trim_start();
        let line =
            if trimmed.starts_with('#') || trimmed.starts_with("---") || trimmed.starts_with("===")
            {
                format!("\\{trimmed}")
            } else {
                line.trim_end().to_string()
            };
        lines.push(no_comments(&line));
    }
    // At most one blank line in a row, none at either end.
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// The article as it becomes with `answer` appended; `existing` is its
/// text now, `None` when it does not exist yet.
///
/// # Errors
/// When the question or the answer is empty.
pub fn append(existing: Option<&str>, answer: &CommunityAnswer) -> Result<String, AnswerError> {
    // `;` separates phrasings in the comment.
    let phrasing = no_comments(&squash(&answer.question).replace(';', ","));
    if phrasing.is_empty() {
        return Err(AnswerError::NoQuestion);
    }
    let body = body_text(&answer.answer);
    if body.trim().is_empty() {
        return Err(AnswerError::NoAnswer);
    }
    let heading = heading_text(&answer.heading, &answer.question);
    let mut out = match existing {
        Some(text) if !text.trim().is_empty() => {
            let mut text = text.trim_end().to_string();
            text.push_str("\n\n");
            text
        }
        _ => format!(
            "# {TITLE}\n\n<!-- Answers written by moderators with careerbot's /gaps \"Answer this\" form. Edit them here like any article; careerbot only appends. -->\n\n"
        ),
    };
    out.push_str(&format!(
        "## {heading}\n\n<!-- phrasings: {phrasing} -->\n\n{body}\n"
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(question: &str, heading: &str, text: &str) -> CommunityAnswer {
        CommunityAnswer {
            question: question.into(),
            heading: heading.into(),
            answer: text.into(),
        }
    }

    #[test]
    fn the_first_answer_makes_the_article_and_later_ones_are_appended() {
        let first = append(
            None,
            &answer("How do I ask for a raise?", "", "Bring numbers."),
        )
        .unwrap();
        assert!(first.starts_with("# Community answers\n"));
        assert!(first.ends_with(
            "## How do I ask for a raise?\n\n<!-- phrasings: How do I ask for a raise? -->\n\nBring numbers.\n"
        ));
        let second = append(
            Some(&first),
            &answer("remote work?", "Remote work", "Many teams hire remotely."),
        )
        .unwrap();
        assert!(second.starts_with(&first));
        assert!(second.ends_with(
            "## Remote work\n\n<!-- phrasings: remote work? -->\n\nMany teams hire remotely.\n"
        ));
    }

    #[test]
    fn an_answer_cannot_change_the_articles_structure_or_hide_what_follows() {
        let text = append(
            None,
            &answer(
                "a; b --> <!-- c",
                "## {Heading}\nsecond line",
                "# Not a title\n\n\n\n<!-- unclosed\n---\nlast line   \n\n",
            ),
        )
        .unwrap();
        assert!(text.contains("## {Heading} second line\n"), "{text}");
        assert!(
            text.contains("<!-- phrasings: a, b --&gt; &lt;!-- c -->"),
            "{text}"
        );
        assert!(
            text.contains("\\# Not a title\n\n&lt;!-- unclosed\n\\---\nlast line\n"),
            "{text}"
        );
        assert_eq!(text.matches("<!--").count(), text.matches("-->").count());
    }

    #[test]
    fn an_empty_question_or_answer_is_refused() {
        assert_eq!(
            append(None, &answer("  ", "", "text")),
            Err(AnswerError::NoQuestion)
        );
        assert_eq!(
            append(None, &answer("q?", "", " \n ")),
            Err(AnswerError::NoAnswer)
        );
    }
}
