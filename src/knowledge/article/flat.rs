//! Markdown read as one block: every character of text a moderator wrote
//! is kept (code, HTML and headings included, as text), links and inline
//! code keep their marks, and block boundaries become line breaks. Nothing
//! in the text can open a section, hide what follows or drop itself, which
//! is what keeps a community answer one passage however it is written.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::inline::{blank_marks, CODE_CLOSE, CODE_OPEN, LINK_CLOSE, LINK_OPEN, LINK_URL};

/// `markdown` as the text of a single block: inline marks for links and
/// code, list items as `- ` or `N. ` lines, paragraphs apart by one blank
/// line, and nothing else of the block structure.
pub fn flatten(markdown: &str) -> String {
    let markdown = blank_marks(markdown);
    let mut out = Flat::default();
    for event in Parser::new_ext(&markdown, Options::ENABLE_STRIKETHROUGH) {
        out.event(event);
    }
    out.finish()
}

/// The text so far, and where the walk is.
#[derive(Default)]
struct Flat {
    text: String,
    /// Per open list, the next item's number (`None` for bullets).
    lists: Vec<Option<u64>>,
    /// The address of the link being read.
    link: Option<String>,
}

impl Flat {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(Tag::List(first)) => {
                self.lines(1);
                self.lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
                self.lines(2);
            }
            Event::Start(Tag::Item) => self.item(),
            Event::Start(Tag::Link { dest_url, .. }) if self.link.is_none() => {
                self.text.push(LINK_OPEN);
                self.link = Some(dest_url.chars().filter(|c| !c.is_whitespace()).collect());
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = self.link.take() {
                    self.text.push(LINK_URL);
                    self.text.push_str(&url);
                    self.text.push(LINK_CLOSE);
                }
            }
            Event::Code(code) if self.link.is_none() => {
                self.text.push(CODE_OPEN);
                self.text.push_str(&code);
                self.text.push(CODE_CLOSE);
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                self.text.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Item) => self.lines(1),
            Event::End(TagEnd::TableCell) => self.text.push_str(" | "),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => self.lines(1),
            Event::Rule => self.lines(2),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::Table,
            ) => self.lines(if self.lists.is_empty() { 2 } else { 1 }),
            _ => {}
        }
    }

    /// Starts a list item on a line of its own, with its bullet or number.
    fn item(&mut self) {
        self.lines(1);
        let depth = self.lists.len().saturating_sub(1);
        self.text.push_str(&"  ".repeat(depth));
        match self.lists.last_mut() {
            Some(Some(n)) => {
                self.text.push_str(&format!("{n}. "));
                *n = n.saturating_add(1);
            }
            _ => self.text.push_str("- "),
        }
    }

    /// Ends the current line so that at least `n` line breaks (at most one
    /// blank line) separate it from what comes next; nothing at the start.
    fn lines(&mut self, n: usize) {
        let trimmed = self.text.trim_end_matches([' ', '\t']).len();
        self.text.truncate(trimmed);
        if self.text.is_empty() {
            return;
        }
        let have = self.text.len() - self.text.trim_end_matches('\n').len();
        for _ in have..n {
            self.text.push('\n');
        }
    }

    fn finish(mut self) -> String {
        if let Some(url) = self.link.take() {
            self.text.push(LINK_URL);
            self.text.push_str(&url);
            self.text.push(LINK_CLOSE);
        }
        let lines: Vec<&str> = self.text.lines().map(str::trim_end).collect();
        let mut out = String::with_capacity(self.text.len());
        let mut blank = 0;
        for line in lines {
            if line.trim().is_empty() {
                blank += 1;
                continue;
            }
            if !out.is_empty() {
                out.push_str(if blank > 0 { "\n\n" } else { "\n" });
            }
            blank = 0;
            out.push_str(line);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::inline::plain;

    #[test]
    fn block_markup_is_kept_as_text_in_one_block() {
        let text = flatten("# Not a heading\n\n```\nunclosed fence\n\n<script>x</script>\n\nSetext\n===\n\n- ## in a list\n> ## quoted");
        assert_eq!(
            plain(&text),
            "Not a heading\n\nunclosed fence\n\n<script>x</script>\n\nSetext\n===\n\n- ## in a list\n> ## quoted"
        );
        // An HTML block that is never closed runs to the end, as text.
        let html = "<pre>\nx\n\nSetext\n---\n\n- ## in a list\n\n> ## quoted\n<img src=x>";
        assert_eq!(plain(&flatten(html)), html);
        let text = flatten("Setext\n---\n\n- ## in a list\n\n> ## quoted\n\n<img src=x>");
        assert_eq!(
            plain(&text),
            "Setext\n\n- in a list\n\nquoted\n\n<img src=x>"
        );
    }

    #[test]
    fn links_and_inline_code_keep_their_marks() {
        let text = flatten("See [the guide](https://example.com/a) and `cargo run`.");
        let (plain, spans) = crate::knowledge::inline::spans(&text);
        assert_eq!(plain, "See the guide and cargo run.");
        assert_eq!(spans.len(), 2, "{spans:?}");
    }

    #[test]
    fn lists_keep_their_bullets_and_numbers() {
        assert_eq!(
            flatten("Steps:\n\n1. one\n2. two\n   - sub\n\nDone."),
            "Steps:\n\n1. one\n2. two\n  - sub\n\nDone."
        );
    }
}
