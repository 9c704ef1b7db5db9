//! Articles: front matter (TOML between `+++` or YAML between `---`), Markdown
//! or plain text bodies, turned into sections of plain-text blocks. Markup
//! (HTML, JSX, admonition fences, images, code) is skipped, not indexed.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use super::problem::{LineIndex, Problem};
use super::toml_reader::TomlReader;

/// One knowledge file: metadata and its text, grouped into sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    /// Stable id: the path relative to the knowledge directory, without extension.
    pub id: String,
    /// Path relative to the knowledge directory.
    pub path: String,
    /// Display title.
    pub title: String,
    /// Where the article comes from (a URL).
    pub source: Option<String>,
    /// One-paragraph summary.
    pub summary: Option<String>,
    /// Tags from front matter.
    pub tags: Vec<String>,
    /// Alternate phrasings and keywords for the whole article.
    pub phrasings: Vec<String>,
    /// Sections in reading order; the first may have an empty heading path.
    pub sections: Vec<Section>,
}

/// A run of blocks under one heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Headings from the outermost down to this section's own.
    pub path: Vec<String>,
    /// Alternate phrasings attached with `<!-- phrasings: a; b -->`.
    pub phrasings: Vec<String>,
    /// Paragraphs and lists, as plain text.
    pub blocks: Vec<Block>,
    /// 1-based line of the heading (or of the first block).
    pub line: usize,
}

/// A plain-text block of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Block {
    /// A paragraph.
    Paragraph(String),
    /// A list (or table rows); items are plain text.
    List(Vec<String>),
}

impl Article {
    /// Whether the article has any text at all.
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.blocks.is_empty())
    }
}

const TOML_KEYS: &[&str] = &[
    "title",
    "source",
    "summary",
    "tags",
    "phrasings",
    "keywords",
];

/// The kind of article body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown or MDX.
    Markdown,
    /// Plain text: paragraphs are lines, or blank-line separated blocks.
    Text,
}

/// Parses one article. `file` is the display path for problems, `rel` the
/// path relative to the knowledge directory.
pub fn parse_article(
    text: &str,
    rel: &str,
    file: &str,
    format: Format,
) -> (Option<Article>, Vec<Problem>) {
    let mut problems = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut meta = Meta::default();
    let (body, body_line) = match split_front_matter(text) {
        Ok(Some(fm)) => {
            match fm.fence {
                "+++" => meta.read_toml(fm.text, file, fm.line, &mut problems),
                _ => meta.read_yaml(fm.text, file, fm.line, &mut problems),
            }
            (fm.body, fm.body_line)
        }
        Ok(None) => (text, 1),
        Err(unclosed) => {
            problems.push(
                Problem::error(
                    file,
                    (1, 1),
                    format!("front matter opened with {unclosed} is never closed"),
                )
                .help(format!(
                    "add a line with only {unclosed} after the front matter"
                )),
            );
            return (None, problems);
        }
    };

    let (mut sections, h1s) = match format {
        Format::Markdown => parse_markdown(body, body_line),
        Format::Text => (parse_text(body, body_line), Vec::new()),
    };
    let id = rel
        .rsplit_once('.')
        .map_or(rel, |(stem, _)| stem)
        .replace('\\', "/");
    // A leading `# Title` names the article when front matter does not.
    let title = match meta.title.take() {
        Some(title) => {
            strip_title_heading(&mut sections, &title, &h1s);
            title
        }
        None => take_h1_title(&mut sections, &h1s).unwrap_or_else(|| humanize(&id)),
    };
    let article = Article {
        id,
        path: rel.to_string(),
        title,
        source: meta.source,
        summary: meta.summary,
        tags: meta.tags,
        phrasings: meta.phrasings,
        sections,
    };
    if article.is_empty() {
        problems.push(
            Problem::error(file, (body_line, 1), "article has no text to answer from")
                .help("write at least one paragraph, or delete the file"),
        );
    }
    (Some(article), problems)
}

struct FrontMatter<'a> {
    fence: &'static str,
    text: &'a str,
    /// Line number of the first front matter line (after the fence).
    line: usize,
    body: &'a str,
    body_line: usize,
}

/// Splits off front matter; `Err(fence)` when it is opened but never closed.
fn split_front_matter(text: &str) -> Result<Option<FrontMatter<'_>>, &'static str> {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let fence = match first_line {
        "+++" => "+++",
        "---" => "---",
        _ => return Ok(None),
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = start;
    for (line, l) in (2..).zip(text[start..].split_inclusive('\n')) {
        if l.trim_end() == fence {
            let body_start = offset + l.len();
            return Ok(Some(FrontMatter {
                fence,
                text: &text[start..offset],
                line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            }));
        }
        offset += l.len();
    }
    Err(fence)
}

#[derive(Default)]
struct Meta {
    title: Option<String>,
    source: Option<String>,
    summary: Option<String>,
    tags: Vec<String>,
    phrasings: Vec<String>,
}

impl Meta {
    fn read_toml(&mut self, text: &str, file: &str, line: usize, problems: &mut Vec<Problem>) {
        let mut r = TomlReader::new(text, file, line - 1);
        if let Some(doc) = r.parse() {
            let t = doc.get_ref();
            let at = 0..0;
            r.check_keys(t, TOML_KEYS, "front matter");
            self.title = r
                .string(t, "title", false, "front matter", &at)
                .map(|s| s.into_inner());
            self.source = r
                .string(t, "source", false, "front matter", &at)
                .and_then(|s| {
                    if super::is_web_url(s.get_ref()) {
                        Some(s.into_inner())
                    } else {
                        r.error(
                            &s.span(),
                            format!("source \"{}\" is not a web address", s.get_ref()),
                            "write a full address starting with https://, without spaces",
                        );
                        None
                    }
                });
            self.summary = r
                .string(t, "summary", false, "front matter", &at)
                .map(|s| s.into_inner());
            self.tags = r.strings(t, "tags", "front matter");
            self.phrasings = r.strings(t, "phrasings", "front matter");
            self.phrasings
                .extend(r.strings(t, "keywords", "front matter"));
        }
        problems.append(&mut r.problems);
    }

    /// YAML front matter comes from foreign sites (Docusaurus, Jekyll, Hugo):
    /// known keys are read, others are ignored rather than refused.
    fn read_yaml(&mut self, text: &str, file: &str, line: usize, problems: &mut Vec<Problem>) {
        let value: serde_norway::Value = match serde_norway::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let (l, c) = e
                    .location()
                    .map_or((1, 1), |loc| (loc.line(), loc.column()));
                let message = e.to_string();
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_string();
                problems.push(
                    Problem::error(
                        file,
                        (line + l - 1, c),
                        format!("invalid YAML front matter: {message}"),
                    )
                    .help(
                        "fix the YAML between the --- lines, or quote values that contain a colon",
                    ),
                );
                return;
            }
        };
        let get_str = |key: &str| -> Option<String> {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let get_list = |key: &str| -> Vec<String> {
            match value.get(key) {
                Some(serde_norway::Value::Sequence(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(|s| s.trim().to_string()))
                    .filter(|s| !s.is_empty())
                    .collect(),
                Some(serde_norway::Value::String(s)) => s
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
                _ => Vec::new(),
            }
        };
        // Keys careerbot reads must have the type it reads; others are the site's business.
        for key in [
            "title",
            "description",
            "summary",
            "source",
            "source_url",
            "url",
        ] {
            if value
                .get(key)
                .is_some_and(|v| !v.is_string() && !v.is_null())
            {
                problems.push(
                    Problem::warning(
                        file,
                        (line, 1),
                        format!("\"{key}\" in YAML front matter is not text, so it is ignored"),
                    )
                    .help(format!("write {key}: some text")),
                );
            }
        }
        for key in ["keywords", "tags", "phrasings"] {
            if value
                .get(key)
                .is_some_and(|v| !v.is_sequence() && !v.is_string() && !v.is_null())
            {
                problems.push(
                    Problem::warning(
                        file,
                        (line, 1),
                        format!("\"{key}\" in YAML front matter is not a list, so it is ignored"),
                    )
                    .help(format!("write {key}: [first, second]")),
                );
            }
        }
        self.title = get_str("title");
        // Sites often give relative paths here; only a full web address is a source.
        self.source = get_str("source")
            .or_else(|| get_str("source_url"))
            .or_else(|| get_str("url"))
            .filter(|u| super::is_web_url(u));
        self.summary = get_str("summary").or_else(|| get_str("description"));
        self.tags = get_list("tags");
        self.phrasings = get_list("phrasings");
        self.phrasings.extend(get_list("keywords"));
    }
}

/// Drops a `# Title` that repeats the front matter title from every heading path.
fn strip_title_heading(sections: &mut [Section], title: &str, h1s: &[String]) {
    if !(h1s.len() == 1 && h1s[0].eq_ignore_ascii_case(title)) {
        return;
    }
    for s in sections.iter_mut() {
        if s.path
            .first()
            .is_some_and(|h| h.eq_ignore_ascii_case(title))
        {
            s.path.remove(0);
        }
    }
}

/// Uses the first level-1 heading as the article title; when it is the only
/// one, it is the root of every heading path and is dropped from them.
fn take_h1_title(sections: &mut [Section], h1s: &[String]) -> Option<String> {
    let title = h1s.first()?.clone();
    if h1s.len() == 1 {
        for s in sections.iter_mut() {
            if s.path.first() == Some(&title) {
                s.path.remove(0);
            }
        }
    }
    Some(title)
}

fn humanize(id: &str) -> String {
    let stem = id.rsplit('/').next().unwrap_or(id);
    let words: Vec<String> = stem
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| w.to_string())
        .collect();
    let mut s = words.join(" ");
    if let Some(first) = s.get(0..1) {
        s = first.to_uppercase() + &s[1..];
    }
    if s.is_empty() {
        id.to_string()
    } else {
        s
    }
}

/// Collapses whitespace runs (including no-break spaces) into single spaces.
pub fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Lines that are markup, not text, in Docusaurus/MDX: admonition fences and
/// ES module lines. They are blanked (keeping line numbers) before parsing.
fn blank_markup_lines(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
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
            out.push_str(if line.ends_with('\n') { "\n" } else { "" });
        } else {
            out.push_str(line);
        }
    }
    out
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

fn parse_markdown(body: &str, body_line: usize) -> (Vec<Section>, Vec<String>) {
    let cleaned = blank_markup_lines(body);
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(&cleaned, options).into_offset_iter();

    let lines = LineIndex::new(&cleaned);
    let line_of = |offset: usize| lines.line(offset) + body_line - 1;
    let mut sections = vec![Section {
        path: Vec::new(),
        phrasings: Vec::new(),
        blocks: Vec::new(),
        line: body_line,
    }];
    let mut heading_stack: Vec<(u8, String)> = Vec::new();
    let mut text = String::new();
    let mut skip_depth = 0usize; // inside code blocks, images or heading-less HTML
    let mut list_depth = 0usize;
    let mut items: Vec<String> = Vec::new();
    let mut item_text: Vec<String> = Vec::new(); // one buffer per open list item
    let mut table_rows: Vec<String> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut in_heading: Option<u8> = None;
    let mut h1s: Vec<String> = Vec::new();
    let mut html_block: Option<String> = None;

    let current = |sections: &mut Vec<Section>| -> usize { sections.len() - 1 };

    for (event, range) in parser {
        if skip_depth > 0 {
            match event {
                Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::Image { .. }) => {
                    skip_depth += 1
                }
                Event::End(TagEnd::CodeBlock) | Event::End(TagEnd::Image) => {
                    skip_depth -= 1;
                    if skip_depth == 0 {
                        // What follows a skipped block is a new word.
                        text.push(' ');
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::Image { .. }) => skip_depth = 1,
            Event::Start(Tag::Heading { level, .. }) => {
                flush_paragraph(&mut text, &mut sections);
                in_heading = Some(heading_level(level));
            }
            Event::End(TagEnd::Heading(_)) => {
                let level = in_heading.take().unwrap_or(2);
                let heading = clean_heading(&text);
                text.clear();
                if heading.is_empty() {
                    continue;
                }
                if level == 1 {
                    h1s.push(heading.clone());
                }
                heading_stack.retain(|(l, _)| *l < level);
                heading_stack.push((level, heading));
                sections.push(Section {
                    path: heading_stack.iter().map(|(_, h)| h.clone()).collect(),
                    phrasings: Vec::new(),
                    blocks: Vec::new(),
                    line: line_of(range.start),
                });
            }
            Event::Start(Tag::List(_)) => {
                if list_depth == 0 {
                    flush_paragraph(&mut text, &mut sections);
                } else if let Some(buf) = item_text.last_mut() {
                    // The parent item's own text ends where its sub-list starts.
                    buf.push_str(&std::mem::take(&mut text));
                    let parent = squash(buf);
                    buf.clear();
                    if !parent.is_empty() {
                        items.push(format!("{}{}", "  ".repeat(list_depth - 1), parent));
                    }
                }
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    let done = std::mem::take(&mut items);
                    if !done.is_empty() {
                        let i = current(&mut sections);
                        sections[i].blocks.push(Block::List(done));
                    }
                }
            }
            Event::Start(Tag::Item) => {
                item_text.push(std::mem::take(&mut text));
            }
            Event::End(TagEnd::Item) => {
                let mut buf = item_text.pop().unwrap_or_default();
                buf.push_str(&text);
                text.clear();
                // Restore text that belonged to an enclosing item before this one started.
                let item = squash(&buf);
                if !item.is_empty() {
                    items.push(format!(
                        "{}{}",
                        "  ".repeat(list_depth.saturating_sub(1)),
                        item
                    ));
                }
            }
            Event::Start(Tag::Paragraph) => {}
            Event::End(TagEnd::Paragraph) => {
                if list_depth > 0 {
                    text.push(' ');
                } else {
                    flush_paragraph(&mut text, &mut sections);
                }
            }
            Event::Start(Tag::BlockQuote(_)) | Event::End(TagEnd::BlockQuote(_)) => {
                if list_depth == 0 {
                    flush_paragraph(&mut text, &mut sections);
                } else {
                    text.push(' ');
                }
            }
            Event::Start(Tag::Table(_)) => flush_paragraph(&mut text, &mut sections),
            Event::End(TagEnd::TableCell) => {
                row.push(squash(&std::mem::take(&mut text)));
            }
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                let cells: Vec<String> = std::mem::take(&mut row)
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect();
                if !cells.is_empty() {
                    table_rows.push(cells.join(" | "));
                }
            }
            Event::End(TagEnd::Table) => {
                let rows = std::mem::take(&mut table_rows);
                if !rows.is_empty() {
                    let i = current(&mut sections);
                    sections[i].blocks.push(Block::List(rows));
                }
            }
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::HtmlBlock) => {
                if list_depth == 0 {
                    flush_paragraph(&mut text, &mut sections);
                }
                html_block = Some(String::new());
            }
            Event::End(TagEnd::HtmlBlock) => {
                let html = html_block.take().unwrap_or_default();
                let i = current(&mut sections);
                sections[i].phrasings.extend(phrasings_comments(&html));
                // Tags are markup; the text they show is content.
                let shown = html_text(&html);
                if list_depth > 0 {
                    text.push(' ');
                    text.push_str(&shown);
                    text.push(' ');
                } else {
                    text.push_str(&shown);
                    flush_paragraph(&mut text, &mut sections);
                }
            }
            Event::Html(html) => match html_block.as_mut() {
                Some(buffer) => buffer.push_str(&html),
                None => text.push_str(&html_text(&html)),
            },
            Event::InlineHtml(html) => {
                if let Some(p) = phrasings_comment(&html) {
                    let i = current(&mut sections);
                    sections[i].phrasings.extend(p);
                } else if is_line_break(&html) {
                    text.push(' ');
                }
            }
            _ => {}
        }
    }
    flush_paragraph(&mut text, &mut sections);
    // A heading with no text of its own lives on in its subsections' paths.
    sections.retain(|s| !s.blocks.is_empty() || !s.phrasings.is_empty());
    (sections, h1s)
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

/// Elements whose content is not shown on the page.
const HIDDEN_ELEMENTS: &[&str] = &["head", "script", "style", "svg", "template", "noscript"];

/// The text an HTML (or JSX) fragment shows: comments, tags and the content
/// of hidden elements removed, entities decoded.
fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut hidden: Option<String> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if hidden.is_none() {
                out.push_str(rest);
            }
            break;
        };
        if hidden.is_none() {
            out.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let is_tag =
            rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !is_tag {
            if hidden.is_none() {
                out.push('<');
            }
            rest = &rest[1..];
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        let name = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with("</");
        let self_closing = tag.ends_with("/>");
        match &hidden {
            Some(h) if closing && *h == name => hidden = None,
            None if !closing && !self_closing && HIDDEN_ELEMENTS.contains(&name.as_str()) => {
                hidden = Some(name)
            }
            _ => {}
        }
        out.push(' ');
        rest = &rest[end..];
    }
    squash(&decode_entities(&out))
}

/// Decodes the HTML entities that appear in prose.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&i| i <= 10).and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "nbsp" => Some(' '),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "rarr" => Some('→'),
                "larr" => Some('←'),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
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

/// Plain text: blank-line separated paragraphs, or one paragraph per line
/// when the file has no blank lines. A line ending in `:` followed by short
/// lines without final punctuation is a lead-in and its list.
fn parse_text(body: &str, body_line: usize) -> Vec<Section> {
    let lines: Vec<&str> = body.lines().collect();
    let content = |l: &&str| !l.trim().is_empty();
    let first = lines.iter().position(content).unwrap_or(0);
    let last = lines.iter().rposition(content).map_or(0, |i| i + 1);
    let has_blank = lines[first..last.max(first)]
        .iter()
        .any(|l| l.trim().is_empty());
    let paragraphs: Vec<String> = if has_blank {
        lines
            .split(|l| l.trim().is_empty())
            .map(|group| squash(&group.join(" ")))
            .filter(|p| !p.is_empty())
            .collect()
    } else {
        lines
            .iter()
            .map(|l| squash(l))
            .filter(|p| !p.is_empty())
            .collect()
    };
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < paragraphs.len() {
        let p = &paragraphs[i];
        blocks.push(Block::Paragraph(p.clone()));
        i += 1;
        if p.ends_with(':') {
            let mut items = Vec::new();
            while i < paragraphs.len() && is_list_like(&paragraphs[i]) {
                items.push(paragraphs[i].clone());
                i += 1;
            }
            if !items.is_empty() {
                blocks.push(Block::List(items));
            }
        }
    }
    vec![Section {
        path: Vec::new(),
        phrasings: Vec::new(),
        blocks,
        line: body_line,
    }]
}

fn is_list_like(line: &str) -> bool {
    line.chars().count() <= 60
        && !line.ends_with(['.', ':', '?', '!'])
        && line.split_whitespace().count() <= 6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str) -> Article {
        let (a, problems) = parse_article(text, "a/b-c.md", "knowledge/a/b-c.md", Format::Markdown);
        assert!(problems.is_empty(), "{problems:?}");
        a.unwrap()
    }

    #[test]
    fn toml_front_matter_sets_title_source_and_phrasings() {
        let a = md("+++\ntitle = \"Back-end\"\nsource = \"https://x.org\"\nphrasings = [\"server side\"]\n+++\n\nHello there.\n");
        assert_eq!(a.title, "Back-end");
        assert_eq!(a.source.as_deref(), Some("https://x.org"));
        assert_eq!(a.phrasings, vec!["server side"]);
        assert_eq!(a.id, "a/b-c");
        assert_eq!(
            a.sections[0].blocks,
            vec![Block::Paragraph("Hello there.".into())]
        );
    }

    #[test]
    fn yaml_front_matter_with_flow_keywords_and_unknown_keys_loads() {
        let a = md("---\nid: negotiation\ntitle: Negotiation\ndescription: Learn to negotiate\nkeywords:\n  [\n    salary,\n    offer,\n  ]\nsidebar_label: Guide\n---\n\n## Always negotiate\n\nText here.\n");
        assert_eq!(a.title, "Negotiation");
        assert_eq!(a.summary.as_deref(), Some("Learn to negotiate"));
        assert_eq!(a.phrasings, vec!["salary", "offer"]);
        assert_eq!(a.sections[0].path, vec!["Always negotiate"]);
    }

    #[test]
    fn unclosed_front_matter_is_an_error_on_line_one() {
        let (a, problems) = parse_article(
            "+++\ntitle = \"x\"\n\nBody\n",
            "x.md",
            "k/x.md",
            Format::Markdown,
        );
        assert!(a.is_none());
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column), (1, 1));
        assert!(problems[0].message.contains("never closed"));
    }

    #[test]
    fn bad_toml_front_matter_points_at_the_file_line() {
        let (_, problems) = parse_article(
            "+++\ntitle = \"x\"\ncolour = 3\nsummary = oops\n+++\nBody\n",
            "x.md",
            "k/x.md",
            Format::Markdown,
        );
        assert!(
            problems
                .iter()
                .any(|p| p.line == 4 && p.message.starts_with("invalid TOML")),
            "{problems:?}"
        );
        let (_, problems) = parse_article(
            "+++\ntitle = \"x\"\ncolour = 3\n+++\nBody\n",
            "x.md",
            "k/x.md",
            Format::Markdown,
        );
        assert!(
            problems
                .iter()
                .any(|p| p.line == 3 && p.message.contains("unknown key \"colour\"")),
            "{problems:?}"
        );
    }

    #[test]
    fn markup_is_skipped_and_text_kept() {
        let a = md("---\ntitle: T\n---\n\nimport Ad from '@site/ad';\n\n<head>\n  <title>Meta title</title>\n</head>\n\n:::tip Expert tip\n\nGet **paid** more with [Rora](https://x).\n\n:::\n\n<InDocAd />\n\n![diagram](img.png)\n\n```js\nconst x = 1;\n```\n\nLine one<br/>line two &amp; more.\n");
        let texts: Vec<&Block> = a.sections.iter().flat_map(|s| &s.blocks).collect();
        assert_eq!(
            texts,
            vec![
                &Block::Paragraph("Get paid more with Rora.".into()),
                &Block::Paragraph("Line one line two & more.".into())
            ]
        );
    }

    #[test]
    fn lists_and_tables_become_list_blocks_after_their_lead_in() {
        let a = md("# Title\n\n## Tools\n<!-- phrasings: tech stack; what to use -->\n\nSome tools include:\n\n- Python\n- Java\n  - Spring\n\n| Name | Kind |\n|---|---|\n| MySQL | db |\n");
        assert_eq!(a.title, "Title");
        let s = &a.sections[0];
        assert_eq!(s.path, vec!["Tools"]);
        assert_eq!(s.phrasings, vec!["tech stack", "what to use"]);
        assert_eq!(
            s.blocks,
            vec![
                Block::Paragraph("Some tools include:".into()),
                Block::List(vec!["Python".into(), "Java".into(), "  Spring".into()]),
                Block::List(vec!["Name | Kind".into(), "MySQL | db".into()]),
            ]
        );
    }

    #[test]
    fn heading_anchor_ids_are_dropped() {
        let a = md("## Study plan {#plan}\n\nText.\n");
        assert_eq!(a.sections[0].path, vec!["Study plan"]);
    }

    #[test]
    fn plain_text_lines_are_paragraphs_and_short_lines_after_a_colon_are_a_list() {
        let (a, problems) = parse_article(
            "First paragraph here.\nDatabases:\nMongoDB\nMySQL\nAnother paragraph.\n",
            "backend-developer.txt",
            "k/backend-developer.txt",
            Format::Text,
        );
        assert!(problems.is_empty());
        let a = a.unwrap();
        assert_eq!(a.title, "Backend developer");
        assert_eq!(
            a.sections[0].blocks,
            vec![
                Block::Paragraph("First paragraph here.".into()),
                Block::Paragraph("Databases:".into()),
                Block::List(vec!["MongoDB".into(), "MySQL".into()]),
                Block::Paragraph("Another paragraph.".into()),
            ]
        );
    }

    #[test]
    fn article_without_text_is_an_error() {
        let (_, problems) = parse_article(
            "---\ntitle: Empty\n---\n\n<InDocAd />\n",
            "e.md",
            "k/e.md",
            Format::Markdown,
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("no text"));
        assert_eq!(problems[0].line, 4);
    }

    #[test]
    fn a_phrasings_comment_may_span_several_lines() {
        let a = md("## Pay\n<!-- phrasings: alpha one;\n  quokka money -->\n\nSalary text.\n");
        assert_eq!(a.sections[0].phrasings, vec!["alpha one", "quokka money"]);
    }

    #[test]
    fn html_blocks_keep_their_shown_text_and_drop_head_and_comments() {
        let a = md("Para one\n\n<div>\n<summary>What to ask new grads?</summary>\n<!-- note -->\n</div>\n\n<head>\n<title>Meta</title>\n</head>\n\nPara &amp; two\n");
        let texts: Vec<&Block> = a.sections.iter().flat_map(|s| &s.blocks).collect();
        assert_eq!(
            texts,
            vec![
                &Block::Paragraph("Para one".into()),
                &Block::Paragraph("What to ask new grads?".into()),
                &Block::Paragraph("Para & two".into()),
            ]
        );
    }

    #[test]
    fn blocks_inside_list_items_do_not_glue_words() {
        let a = md("- Alpha\n  > Beta\n- Run this\n  ```\n  x\n  ```\n  then deploy\n");
        let Block::List(items) = &a.sections[0].blocks[0] else {
            panic!("{:?}", a.sections)
        };
        assert!(
            items[0].contains("Alpha")
                && items[0].contains("Beta")
                && !items[0].contains("AlphaBeta"),
            "{items:?}"
        );
        assert!(
            items.iter().any(|i| i.contains("Run this then deploy")),
            "{items:?}"
        );
    }

    #[test]
    fn a_tilde_line_inside_a_backtick_fence_does_not_close_it() {
        let a = md("```\n~~~\n:::tip inside code\n```\n\n:::tip Pro\n\nTip text.\n\n:::\n");
        let texts: Vec<&Block> = a.sections.iter().flat_map(|s| &s.blocks).collect();
        assert_eq!(texts, vec![&Block::Paragraph("Tip text.".into())]);
    }

    #[test]
    fn crlf_plain_text_keeps_wrapped_paragraphs_together() {
        let (a, problems) = parse_article(
            "A back-end developer\r\nbuilds servers.\r\n \r\nSecond paragraph\r\nwraps too.\r\n",
            "x.txt",
            "k/x.txt",
            Format::Text,
        );
        assert!(problems.is_empty());
        assert_eq!(
            a.unwrap().sections[0].blocks,
            vec![
                Block::Paragraph("A back-end developer builds servers.".into()),
                Block::Paragraph("Second paragraph wraps too.".into()),
            ]
        );
    }

    #[test]
    fn a_title_heading_repeating_the_front_matter_title_leaves_every_path() {
        let a = md("+++\ntitle = \"Data engineer\"\n+++\n\n# Data engineer\n\nIntro.\n\n## Salary\n\nPay.\n");
        let paths: Vec<Vec<String>> = a.sections.iter().map(|s| s.path.clone()).collect();
        assert_eq!(
            paths,
            vec![Vec::<String>::new(), vec!["Salary".to_string()]]
        );
    }

    #[test]
    fn a_source_that_is_not_a_web_address_is_an_error() {
        let (_, problems) = parse_article(
            "+++\nsource = \"https://example.org/a b\"\n+++\n\nText.\n",
            "x.md",
            "k/x.md",
            Format::Markdown,
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].is_error()), (2, true));
        let (a, problems) = parse_article(
            "---\nurl: /docs/intro\n---\n\nText.\n",
            "x.md",
            "k/x.md",
            Format::Markdown,
        );
        assert!(problems.is_empty());
        assert_eq!(
            a.unwrap().source,
            None,
            "a relative YAML url is not a source"
        );
    }

    #[test]
    fn wrongly_typed_yaml_keys_are_warnings() {
        let (a, problems) = parse_article(
            "---\ntitle: [a, b]\n---\n\nText.\n",
            "x.md",
            "k/x.md",
            Format::Markdown,
        );
        assert!(a.is_some());
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].is_error());
        assert!(problems[0].message.contains("\"title\""));
    }
}
