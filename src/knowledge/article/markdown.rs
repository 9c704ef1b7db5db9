//! Markdown (and MDX) bodies: a walk over pulldown-cmark's events that
//! keeps prose, lists and tables as plain text under their headings, reads
//! `<!-- phrasings: -->` comments, and skips markup (code, images, tags,
//! admonition fences, module lines).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::super::problem::LineIndex;
use super::html::html_text;
use super::inline::{CODE_CLOSE, CODE_OPEN, LINK_CLOSE, LINK_OPEN, LINK_URL};
use super::{squash, Block, Section};

/// A fenced div (`::: challenge` … `:::`, Pandoc and Docusaurus style) opens
/// or closes at a byte offset of the cleaned body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fence {
    Open(usize),
    Close(usize),
}

impl Fence {
    fn offset(self) -> usize {
        match self {
            Fence::Open(o) | Fence::Close(o) => o,
        }
    }
}

/// Markdown (or MDX) body text as sections of plain-text blocks, and the
/// level-1 headings (which may name the article).
pub(super) fn parse_markdown(body: &str, body_line: usize) -> (Vec<Section>, Vec<String>) {
    let (cleaned, fences) = blank_markup_lines(body);
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut walker = Walker::new(LineIndex::new(&cleaned), body_line, fences);
    for (event, range) in Parser::new_ext(&cleaned, options).into_offset_iter() {
        walker.fences_before(range.start);
        walker.event(event, range.start);
    }
    walker.fences_before(usize::MAX);
    walker.finish()
}

/// Walks the parser's events, gathering text into paragraphs, list items
/// and table rows, and those into sections under their headings.
struct Walker {
    lines: LineIndex,
    body_line: usize,
    sections: Vec<Section>,
    /// The open headings: (level, text).
    heading_stack: Vec<(u8, String)>,
    /// Text of the paragraph, item, cell or heading being read.
    text: String,
    /// Depth inside code blocks and images, which are skipped.
    skip_depth: usize,
    list_depth: usize,
    /// Items of the outermost open list, nested ones indented.
    items: Vec<String>,
    /// One buffer per open list item: its text before a sub-list.
    item_text: Vec<String>,
    table_rows: Vec<String>,
    row: Vec<String>,
    /// The level of the heading being read.
    in_heading: Option<u8>,
    h1s: Vec<String>,
    /// The HTML block being read.
    html_block: Option<String>,
    /// Fenced divs still to come, last first.
    fences: Vec<Fence>,
    /// Per open fenced div, the headings open where it started: headings
    /// inside a div belong to it and end with it.
    containers: Vec<Vec<(u8, String)>>,
    /// The address of the link being read.
    link: Option<String>,
    /// Right after a skipped image: Pandoc's `{alt='…' width=…}` attributes
    /// may follow, and are markup.
    after_image: bool,
    /// Inside such attributes (they may come in several text events).
    in_attributes: bool,
}

impl Walker {
    fn new(lines: LineIndex, body_line: usize, mut fences: Vec<Fence>) -> Self {
        fences.reverse();
        Walker {
            lines,
            body_line,
            sections: vec![Section {
                path: Vec::new(),
                phrasings: Vec::new(),
                blocks: Vec::new(),
                line: body_line,
            }],
            heading_stack: Vec::new(),
            text: String::new(),
            skip_depth: 0,
            list_depth: 0,
            items: Vec::new(),
            item_text: Vec::new(),
            table_rows: Vec::new(),
            row: Vec::new(),
            in_heading: None,
            h1s: Vec::new(),
            html_block: None,
            fences,
            containers: Vec::new(),
            link: None,
            after_image: false,
            in_attributes: false,
        }
    }

    /// Opens and closes the fenced divs that start before `offset`.
    fn fences_before(&mut self, offset: usize) {
        while let Some(&fence) = self.fences.last() {
            if fence.offset() > offset {
                break;
            }
            self.fences.pop();
            if self.list_depth > 0 || self.in_heading.is_some() {
                continue;
            }
            self.flush();
            match fence {
                Fence::Open(_) => self.containers.push(self.heading_stack.clone()),
                Fence::Close(_) => match self.containers.pop() {
                    Some(outer) => self.heading_stack = outer,
                    None => continue,
                },
            }
            // A div is a unit of its own: what follows it, or is in it,
            // is a new section under the headings open there.
            let line = self.lines.line(fence.offset()) + self.body_line - 1;
            self.sections.push(Section {
                path: self.heading_stack.iter().map(|(_, h)| h.clone()).collect(),
                phrasings: Vec::new(),
                blocks: Vec::new(),
                line,
            });
        }
    }

    /// The sections that hold something, and the level-1 headings.
    fn finish(mut self) -> (Vec<Section>, Vec<String>) {
        self.flush();
        // A heading with no text of its own lives on in its subsections' paths.
        self.sections
            .retain(|s| !s.blocks.is_empty() || !s.phrasings.is_empty());
        (self.sections, self.h1s)
    }

    fn flush(&mut self) {
        flush_paragraph(&mut self.text, &mut self.sections);
    }

    fn current(&mut self) -> &mut Section {
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    /// Takes one event, which starts at byte `offset` of the body.
    fn event(&mut self, event: Event<'_>, offset: usize) {
        if self.skip_depth > 0 {
            self.skipped(&event);
            return;
        }
        if !matches!(event, Event::Text(_)) {
            self.after_image = false;
            if !matches!(event, Event::SoftBreak) {
                self.in_attributes = false;
            }
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::Image { .. }) => {
                self.skip_depth = 1
            }
            Event::Start(Tag::Heading { level, .. }) => self.heading_start(level),
            Event::End(TagEnd::Heading(_)) => self.heading_end(offset),
            Event::Start(Tag::List(_)) => self.list_start(),
            Event::End(TagEnd::List(_)) => self.list_end(),
            Event::Start(Tag::Item) => self.item_text.push(std::mem::take(&mut self.text)),
            Event::End(TagEnd::Item) => self.item_end(),
            Event::End(TagEnd::Paragraph) => self.break_or_flush(),
            Event::Start(Tag::BlockQuote(_)) | Event::End(TagEnd::BlockQuote(_)) => self.quote(),
            Event::Start(Tag::Table(_)) => self.flush(),
            Event::End(TagEnd::TableCell) => {
                let cell = squash(&std::mem::take(&mut self.text));
                self.row.push(cell);
            }
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => self.row_end(),
            Event::End(TagEnd::Table) => self.table_end(),
            Event::Start(Tag::Link { dest_url, .. })
                if self.in_heading.is_none() && self.link.is_none() =>
            {
                self.text.push(LINK_OPEN);
                self.link = Some(dest_url.to_string());
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = self.link.take() {
                    self.text.push(LINK_URL);
                    self.text.extend(url.chars().filter(|c| !c.is_whitespace()));
                    self.text.push(LINK_CLOSE);
                }
            }
            Event::Code(t) if self.in_heading.is_none() && self.link.is_none() => {
                self.text.push(CODE_OPEN);
                self.text.push_str(&t);
                self.text.push(CODE_CLOSE);
            }
            Event::Text(t) if self.after_image || self.in_attributes => self.after_image_text(&t),
            Event::Text(t) | Event::Code(t) => self.text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => self.text.push(' '),
            Event::Start(Tag::HtmlBlock) => {
                if self.list_depth == 0 {
                    self.flush();
                }
                self.html_block = Some(String::new());
            }
            Event::End(TagEnd::HtmlBlock) => self.html_block_end(),
            Event::Html(html) => match self.html_block.as_mut() {
                Some(buffer) => buffer.push_str(&html),
                None => self.text.push_str(&html_text(&html)),
            },
            Event::InlineHtml(html) => self.inline_html(&html),
            _ => {}
        }
    }

    /// A heading starts. One inside a list ("- ### Treap") starts a
    /// section too: the items before it stay with the section above.
    fn heading_start(&mut self, level: HeadingLevel) {
        if self.list_depth > 0 {
            let before = std::mem::take(&mut self.items);
            if !before.is_empty() {
                self.current().blocks.push(Block::List(before));
            }
        }
        self.flush();
        self.in_heading = Some(heading_level(level));
    }

    /// A block quote starts or ends: a paragraph break, or a space in a list.
    fn quote(&mut self) {
        if self.list_depth == 0 {
            self.flush();
        } else {
            self.text.push(' ');
        }
    }

    fn table_end(&mut self) {
        let rows = std::mem::take(&mut self.table_rows);
        if !rows.is_empty() {
            self.current().blocks.push(Block::List(rows));
        }
    }

    /// Text right after an image, or inside its `{...}` attributes: the
    /// attributes are dropped.
    fn after_image_text(&mut self, t: &str) {
        let rest = if self.in_attributes || t.starts_with('{') {
            match t.find('}') {
                Some(end) => {
                    self.in_attributes = false;
                    &t[end + 1..]
                }
                None => {
                    self.in_attributes = true;
                    ""
                }
            }
        } else {
            t
        };
        self.after_image = false;
        self.text.push_str(rest);
    }

    /// An event inside a skipped code block or image.
    fn skipped(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::Image { .. }) => {
                self.skip_depth += 1
            }
            Event::End(TagEnd::CodeBlock) | Event::End(TagEnd::Image) => {
                self.skip_depth -= 1;
                if self.skip_depth == 0 {
                    // What follows a skipped block is a new word.
                    self.text.push(' ');
                    self.after_image = matches!(event, Event::End(TagEnd::Image));
                }
            }
            _ => {}
        }
    }

    /// A heading ends: a new section starts under it.
    fn heading_end(&mut self, offset: usize) {
        let level = self.in_heading.take().unwrap_or(2);
        let heading = clean_heading(&self.text);
        self.text.clear();
        if heading.is_empty() {
            return;
        }
        if level == 1 {
            self.h1s.push(heading.clone());
        }
        // Inside a fenced div, the headings open where it started stay.
        let base = self.containers.last().map_or(0, Vec::len);
        let mut at = 0;
        self.heading_stack.retain(|(l, _)| {
            at += 1;
            at <= base || *l < level
        });
        self.heading_stack.push((level, heading));
        let line = self.lines.line(offset) + self.body_line - 1;
        self.sections.push(Section {
            path: self.heading_stack.iter().map(|(_, h)| h.clone()).collect(),
            phrasings: Vec::new(),
            blocks: Vec::new(),
            line,
        });
    }

    fn list_start(&mut self) {
        if self.list_depth == 0 {
            self.flush();
        } else if let Some(buf) = self.item_text.last_mut() {
            // The parent item's own text ends where its sub-list starts.
            buf.push_str(&std::mem::take(&mut self.text));
            let parent = squash(buf);
            buf.clear();
            if !parent.is_empty() {
                self.items
                    .push(format!("{}{}", "  ".repeat(self.list_depth - 1), parent));
            }
        }
        self.list_depth += 1;
    }

    fn list_end(&mut self) {
        self.list_depth = self.list_depth.saturating_sub(1);
        if self.list_depth == 0 {
            let done = std::mem::take(&mut self.items);
            if !done.is_empty() {
                self.current().blocks.push(Block::List(done));
            }
        }
    }

    fn item_end(&mut self) {
        let mut buf = self.item_text.pop().unwrap_or_default();
        buf.push_str(&self.text);
        self.text.clear();
        // Restore text that belonged to an enclosing item before this one started.
        let item = squash(&buf);
        if !item.is_empty() {
            self.items.push(format!(
                "{}{}",
                "  ".repeat(self.list_depth.saturating_sub(1)),
                item
            ));
        }
    }

    /// A paragraph ends: inside a list its text runs on, elsewhere it is a block.
    fn break_or_flush(&mut self) {
        if self.list_depth > 0 {
            self.text.push(' ');
        } else {
            self.flush();
        }
    }

    fn row_end(&mut self) {
        let cells: Vec<String> = std::mem::take(&mut self.row)
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        if !cells.is_empty() {
            self.table_rows.push(cells.join(" | "));
        }
    }

    fn html_block_end(&mut self) {
        let html = self.html_block.take().unwrap_or_default();
        self.current().phrasings.extend(phrasings_comments(&html));
        // Tags are markup; the text they show is content.
        let shown = html_text(&html);
        if self.list_depth > 0 {
            self.text.push(' ');
            self.text.push_str(&shown);
            self.text.push(' ');
        } else {
            self.text.push_str(&shown);
            self.flush();
        }
    }

    fn inline_html(&mut self, html: &str) {
        if let Some(p) = phrasings_comment(html) {
            self.current().phrasings.extend(p);
        } else if is_line_break(html) {
            self.text.push(' ');
        }
    }
}

/// Lines that are markup, not text, in Docusaurus/MDX: admonition fences and
/// ES module lines. They are blanked (keeping line numbers) before parsing.
fn blank_markup_lines(body: &str) -> (String, Vec<Fence>) {
    let mut out = String::with_capacity(body.len());
    let mut fences = Vec::new();
    let mut open_divs = 0usize;
    // The open fence: its character and length; it closes with at least as many.
    let mut fence: Option<(char, usize)> = None;
    for line in body.split_inclusive('\n') {
        let t = line.trim_start();
        let run = |c: char| t.chars().take_while(|&x| x == c).count();
        match fence {
            None => {
                for c in ['`', '~'] {
                    if run(c) >= 3 {
                        fence = Some((c, run(c)));
                    }
                }
            }
            Some((c, n)) => {
                if run(c) >= n && t.trim_start_matches(c).trim().is_empty() {
                    fence = None;
                    out.push_str(line);
                    continue;
                }
            }
        }
        let in_fence = fence.is_some();
        let markup = !in_fence
            && (t.starts_with(":::")
                || ((t.starts_with("import ") || t.starts_with("export "))
                    && (t.contains(" from ") || t.contains('{'))));
        if markup {
            if t.starts_with(":::") {
                let name = t.trim_start_matches(':').trim();
                if !name.is_empty() {
                    open_divs += 1;
                    fences.push(Fence::Open(out.len()));
                } else if open_divs > 0 {
                    open_divs -= 1;
                    fences.push(Fence::Close(out.len()));
                }
                // An empty comment in its place ends a list or paragraph
                // there, as the fence did; a blank line would let the lists
                // on both sides run together.
                out.push_str(&line[..line.len() - t.len()]);
                out.push_str("<!-- -->");
            }
            out.push_str(if line.ends_with('\n') { "\n" } else { "" });
        } else {
            out.push_str(line);
        }
    }
    (out, fences)
}

/// Reads `<!-- phrasings: a; b -->` (or `keywords:`) from an HTML comment.
fn phrasings_comment(html: &str) -> Option<Vec<String>> {
    let inner = html
        .trim()
        .strip_prefix("<!--")?
        .trim_end()
        .strip_suffix("-->")?
        .trim();
    let (key, rest) = inner.split_once(':')?;
    let key = key.trim().to_ascii_lowercase();
    if key != "phrasings" && key != "keywords" {
        return None;
    }
    Some(
        rest.split([';', '\n'])
            .map(squash)
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// A heading's text without a trailing `{#custom-id}` anchor.
fn clean_heading(text: &str) -> String {
    let t = text.trim();
    let t = match t.rfind("{#") {
        Some(i) if t.ends_with('}') => &t[..i],
        _ => t,
    };
    squash(t)
}

fn is_line_break(html: &str) -> bool {
    let t = html.trim().to_ascii_lowercase();
    t.starts_with("<br") || t.starts_with("</br")
}

/// Every `<!-- phrasings: ... -->` comment in a block of HTML, even one
/// spread over several lines.
fn phrasings_comments(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        let Some(len) = rest[start..].find("-->") else {
            break;
        };
        let comment = &rest[start..start + len + 3];
        out.extend(phrasings_comment(comment).unwrap_or_default());
        rest = &rest[start + len + 3..];
    }
    out
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn flush_paragraph(text: &mut String, sections: &mut [Section]) {
    let p = squash(text);
    text.clear();
    if !p.is_empty() && p.chars().any(char::is_alphanumeric) {
        if let Some(s) = sections.last_mut() {
            s.blocks.push(Block::Paragraph(p));
        }
    }
}
