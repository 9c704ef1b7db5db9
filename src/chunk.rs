//! Layer 2, pure: split articles into passages of at most [`MAX_PASSAGE_CHARS`]
//! characters along sections and paragraphs. A list stays with its lead-in
//! sentence; passage ids are derived from the article id, the section and the
//! passage's place in it, so they are stable across rebuilds.

use std::collections::HashSet;

use serde::Serialize;

use crate::knowledge::inline::{self, Span};
use crate::knowledge::{Article, Block, Section};

/// The longest passage, in characters.
pub const MAX_PASSAGE_CHARS: usize = 1000;
/// Passages are packed up to about this size: a passage about one thing
/// ranks better than a long one about several.
pub const TARGET_PASSAGE_CHARS: usize = 850;
/// A passage shorter than this takes the next unit even past the target.
const MIN_PASSAGE_CHARS: usize = 200;

/// A searchable, displayable piece of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// Stable id, e.g. `backend-developer#salary.1`.
    pub id: String,
    /// Id of the article it comes from.
    pub article_id: String,
    /// Title of the article.
    pub article: String,
    /// Heading path inside the article (empty for the introduction).
    pub section: Vec<String>,
    /// Plain text; lists are `- item` lines after their lead-in.
    pub text: String,
    /// Links, written-out addresses and inline code in `text`, in order.
    pub spans: Vec<Span>,
    /// Source URL of the article.
    pub source: Option<String>,
    /// Alternate phrasings and keywords that should find this passage.
    pub keywords: Vec<String>,
    /// Article-level context (tags) searched with the title.
    pub tags: Vec<String>,
    /// Place of the passage in its article, from 0.
    pub position: usize,
}

impl Passage {
    /// The heading path joined for display, e.g. `How to become one › Degree`.
    pub fn section_label(&self) -> String {
        self.section.join(" › ")
    }
}

/// Splits every article into passages, in article order.
pub fn chunk_all(articles: &[Article]) -> Vec<Passage> {
    articles.iter().flat_map(chunk).collect()
}

/// Splits one article into passages.
pub fn chunk(article: &Article) -> Vec<Passage> {
    let mut passages = Vec::new();
    let mut slugs: HashSet<String> = HashSet::new();
    // Phrasings under a heading with no text of its own go to the next passage.
    let mut pending: Vec<String> = Vec::new();
    let sections = with_summary(article);
    for section in sections.iter() {
        let base = section
            .path
            .last()
            .map_or_else(|| "intro".to_string(), |h| slugify(h));
        let mut slug = base.clone();
        let mut n = 1;
        while !slugs.insert(slug.clone()) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        let texts = pack(&units(&section.blocks));
        if texts.is_empty() {
            pending.extend(section.phrasings.iter().cloned());
            continue;
        }
        let count = texts.len();
        for (i, marked) in texts.into_iter().enumerate() {
            let (text, spans) = inline::spans(&marked);
            let mut keywords = section.phrasings.clone();
            keywords.append(&mut pending);
            keywords.extend(labels(&text));
            if passages.is_empty() {
                // The article's own phrasings lead to its opening passage.
                keywords.extend(article.phrasings.iter().cloned());
            }
            passages.push(Passage {
                id: if count == 1 && i == 0 {
                    format!("{}#{slug}", article.id)
                } else {
                    format!("{}#{slug}.{}", article.id, i + 1)
                },
                article_id: article.id.clone(),
                article: article.title.clone(),
                section: section.path.clone(),
                text,
                spans,
                source: article.source.clone(),
                keywords,
                tags: article.tags.clone(),
                position: passages.len(),
            });
        }
    }
    passages
}

/// The article's sections, with its summary (the standfirst of the front
/// matter) opening the introduction unless the text already says it.
fn with_summary(article: &Article) -> std::borrow::Cow<'_, [Section]> {
    let Some(summary) = &article.summary else {
        return std::borrow::Cow::Borrowed(&article.sections);
    };
    let said = article
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .any(|b| match b {
            Block::Paragraph(p) => p.contains(summary.as_str()),
            Block::List(items) => items.iter().any(|i| i.contains(summary.as_str())),
        });
    if said {
        return std::borrow::Cow::Borrowed(&article.sections);
    }
    let mut sections = article.sections.clone();
    match sections.first_mut() {
        Some(first) if first.path.is_empty() => {
            first.blocks.insert(0, Block::Paragraph(summary.clone()))
        }
        _ => sections.insert(
            0,
            Section {
                path: Vec::new(),
                phrasings: Vec::new(),
                blocks: vec![Block::Paragraph(summary.clone())],
                line: 1,
            },
        ),
    }
    std::borrow::Cow::Owned(sections)
}

/// Labels of definition-style list items ("- Databases and servers: You'll
/// need..."): they name what the item is about, like a small heading.
pub fn labels(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("- "))
        .filter_map(|item| item.split_once(": ").map(|(label, _)| label.trim()))
        .filter(|label| {
            !label.is_empty()
                && label.chars().count() <= 60
                && label.split_whitespace().count() <= 6
        })
        .map(str::to_string)
        .collect()
}

/// Lower-case ASCII slug of a heading.
pub fn slugify(heading: &str) -> String {
    let mut slug = String::new();
    for c in heading.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(48).collect();
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug.trim_end_matches('-').to_string()
    }
}

/// Length as a reader sees it: link addresses and marks do not count.
fn len(s: &str) -> usize {
    inline::visible_len(s)
}

/// Breaks blocks into units no longer than the limit that must not be split
/// further: a paragraph (or a piece of a long one), or a lead-in with its list.
fn units(blocks: &[Block]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < blocks.len() {
        match &blocks[i] {
            Block::Paragraph(p) => {
                if let Some(Block::List(items)) = blocks.get(i + 1) {
                    list_units(Some(p), items, &mut out);
                    i += 2;
                    continue;
                }
                split_long(p, &mut out);
            }
            Block::List(items) => list_units(None, items, &mut out),
        }
        i += 1;
    }
    out
}

/// A list with its lead-in; when too long, items are grouped and each group
/// repeats the lead-in sentence so no part of the list loses its context.
fn list_units(lead: Option<&String>, items: &[String], out: &mut Vec<String>) {
    let lines: Vec<String> = items.iter().map(|item| list_line(item)).collect();
    let whole = match lead {
        Some(p) => format!("{p}\n{}", lines.join("\n")),
        None => lines.join("\n"),
    };
    if len(&whole) <= MAX_PASSAGE_CHARS {
        out.push(whole);
        return;
    }
    // The lead-in is the paragraph's last sentence; earlier sentences stand alone.
    let lead_in = match lead {
        Some(p) => {
            let sentences = sentences(p);
            let last = sentences.last().cloned().unwrap_or_default();
            let rest = sentences[..sentences.len().saturating_sub(1)].join(" ");
            if !rest.is_empty() {
                split_long(&rest, out);
            }
            truncate_chars(&last, MAX_PASSAGE_CHARS / 4)
        }
        None => String::new(),
    };
    let budget = TARGET_PASSAGE_CHARS
        .saturating_sub(len(&lead_in) + 1)
        .max(MAX_PASSAGE_CHARS / 2);
    let mut group = String::new();
    let flush = |group: &mut String, out: &mut Vec<String>| {
        if !group.is_empty() {
            out.push(if lead_in.is_empty() {
                std::mem::take(group)
            } else {
                format!("{lead_in}\n{}", std::mem::take(group))
            });
        }
    };
    for line in lines {
        let mut pieces = Vec::new();
        split_long_to(&line, budget, &mut pieces);
        for piece in pieces {
            if !group.is_empty() && len(&group) + 1 + len(&piece) > budget {
                flush(&mut group, out);
            }
            if !group.is_empty() {
                group.push('\n');
            }
            group.push_str(&piece);
        }
    }
    flush(&mut group, out);
}

fn list_line(item: &str) -> String {
    let indent = item.len() - item.trim_start().len();
    format!("{}- {}", " ".repeat(indent), item.trim_start())
}

fn truncate_chars(s: &str, max: usize) -> String {
    if len(s) <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn split_long(text: &str, out: &mut Vec<String>) {
    split_long_to(text, MAX_PASSAGE_CHARS, out);
}

/// Splits text longer than `max` at sentence ends, then at spaces, then anywhere.
fn split_long_to(text: &str, max: usize, out: &mut Vec<String>) {
    if len(text) <= max {
        out.push(text.to_string());
        return;
    }
    let mut current = String::new();
    for sentence in sentences(text) {
        let pieces: Vec<String> = if len(&sentence) > max {
            split_words(&sentence, max)
        } else {
            vec![sentence]
        };
        for piece in pieces {
            if !current.is_empty() && len(&current) + 1 + len(&piece) > max {
                out.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&piece);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
}

fn split_words(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while len(&word) > max {
            let head: String = word.chars().take(max).collect();
            word = word.chars().skip(max).collect();
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            out.push(head);
        }
        if !current.is_empty() && len(&current) + 1 + len(&word) > max {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Splits text after `.`, `!` or `?` followed by a space and an upper-case
/// letter, digit or quote, so "e.g. this" and "3.5 GPA" stay whole.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in 0..chars.len().saturating_sub(2) {
        let (_, c) = chars[w];
        let (_, space) = chars[w + 1];
        let (next_at, next) = chars[w + 2];
        if matches!(c, '.' | '!' | '?')
            && space == ' '
            && (next.is_uppercase()
                || next.is_ascii_digit()
                || matches!(next, '"' | '“' | '(' | '['))
            && !(c == '.' && is_abbreviation(&text[start..chars[w].0]))
        {
            let s = text[start..next_at].trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
            start = next_at;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Whether the word before a full stop is an abbreviation ("e.g.", "Dr.").
fn is_abbreviation(before: &str) -> bool {
    let word = before.rsplit(' ').next().unwrap_or(before);
    const SHORT: &[&str] = &[
        "mr", "mrs", "ms", "dr", "st", "vs", "etc", "inc", "jr", "sr", "no", "approx", "fig",
    ];
    word.contains('.') || word.chars().count() == 1 || SHORT.contains(&word.to_lowercase().as_str())
}

/// Packs units greedily into passages of about the target size (never over
/// the limit), in order.
fn pack(units: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for unit in units {
        let combined = len(&current) + 2 + len(unit);
        let fits = combined <= TARGET_PASSAGE_CHARS
            || (len(&current) < MIN_PASSAGE_CHARS && combined <= MAX_PASSAGE_CHARS);
        if !current.is_empty() && !fits {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(unit);
    }
    if !current.is_empty() {
        // A short tail ("Good luck!") joins the passage before it rather than stand alone.
        match out.last_mut() {
            Some(last)
                if len(&current) < MIN_PASSAGE_CHARS
                    && len(last) + 2 + len(&current) <= MAX_PASSAGE_CHARS =>
            {
                last.push_str("\n\n");
                last.push_str(&current);
            }
            _ => out.push(current),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(sections: Vec<Section>) -> Article {
        Article {
            id: "backend".into(),
            path: "backend.md".into(),
            title: "Back-end".into(),
            source: None,
            summary: None,
            tags: vec![],
            phrasings: vec!["overview".into()],
            sections,
        }
    }

    fn section(path: &[&str], blocks: Vec<Block>) -> Section {
        Section {
            path: path.iter().map(|s| s.to_string()).collect(),
            phrasings: vec![],
            blocks,
            line: 1,
        }
    }

    #[test]
    fn sections_become_passages_with_title_heading_path_and_stable_ids() {
        let a = article(vec![
            section(&[], vec![Block::Paragraph("Intro.".into())]),
            section(
                &["How to become one", "Degree"],
                vec![Block::Paragraph("A degree helps.".into())],
            ),
        ]);
        let p = chunk(&a);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].id, "backend#intro");
        assert_eq!(p[0].keywords, vec!["overview"]);
        assert_eq!(p[1].id, "backend#degree");
        assert_eq!(p[1].section_label(), "How to become one › Degree");
        assert_eq!(p[1].article, "Back-end");
        assert!(p[1].keywords.is_empty());
        assert_eq!(chunk(&a), p, "same content, same ids");
    }

    #[test]
    fn a_list_stays_with_its_lead_in() {
        let a = article(vec![section(
            &["Tools"],
            vec![
                Block::Paragraph("x".repeat(980)),
                Block::Paragraph("Databases:".into()),
                Block::List(vec!["MongoDB".into(), "MySQL".into()]),
            ],
        )]);
        let p = chunk(&a);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].text, "Databases:\n- MongoDB\n- MySQL");
        assert_eq!(p[0].id, "backend#tools.1");
        assert_eq!(p[1].id, "backend#tools.2");
    }

    #[test]
    fn a_long_list_repeats_its_lead_in_sentence_in_every_part() {
        let items: Vec<String> = (0..40)
            .map(|i| format!("Item number {i} with some words to fill the line"))
            .collect();
        let a = article(vec![section(
            &["List"],
            vec![
                Block::Paragraph("Background first. Here are the items:".into()),
                Block::List(items),
            ],
        )]);
        let p = chunk(&a);
        assert!(p.len() >= 3);
        assert!(p[0]
            .text
            .starts_with("Background first.\n\nHere are the items:\n- Item number 0"));
        for passage in &p[1..] {
            assert!(
                passage
                    .text
                    .starts_with("Here are the items:\n- Item number"),
                "{}",
                passage.text
            );
        }
        let all: String = p.iter().map(|p| p.text.clone()).collect();
        assert!(all.contains("Item number 39 with"));
    }

    #[test]
    fn no_passage_exceeds_the_limit_even_for_huge_sentences_and_words() {
        let huge = format!(
            "{} {}. Short one. {}",
            "word ".repeat(400),
            "y".repeat(2500),
            "z ".repeat(700)
        );
        let a = article(vec![section(
            &["Big"],
            vec![Block::Paragraph(huge.clone()), Block::List(vec![huge])],
        )]);
        let p = chunk(&a);
        assert!(p.len() > 5);
        for passage in &p {
            assert!(
                passage.text.chars().count() <= MAX_PASSAGE_CHARS,
                "{}",
                passage.text.len()
            );
        }
    }

    #[test]
    fn sentence_split_keeps_abbreviations_and_decimals() {
        assert_eq!(
            sentences("Use e.g. Python. GPA 3.5 is fine! Then more"),
            vec!["Use e.g. Python.", "GPA 3.5 is fine!", "Then more"]
        );
    }

    #[test]
    fn repeated_headings_get_distinct_ids() {
        let a = article(vec![
            section(&["Tools"], vec![Block::Paragraph("One.".into())]),
            section(&["Tools"], vec![Block::Paragraph("Two.".into())]),
            section(&["Tools 2"], vec![Block::Paragraph("Three.".into())]),
        ]);
        let ids: Vec<String> = chunk(&a).into_iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            vec!["backend#tools", "backend#tools-2", "backend#tools-2-2"]
        );
    }

    #[test]
    fn phrasings_of_a_heading_without_text_go_to_the_next_passage() {
        let mut parent = section(&["How to become one"], vec![]);
        parent.phrasings = vec!["zebra crossing career".into()];
        let a = article(vec![
            parent,
            section(
                &["How to become one", "Degree"],
                vec![Block::Paragraph("Text.".into())],
            ),
        ]);
        let p = chunk(&a);
        assert_eq!(p.len(), 1);
        assert!(p[0].keywords.contains(&"zebra crossing career".to_string()));
    }

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(
            slugify("Back-end developer salary (US)"),
            "back-end-developer-salary-us"
        );
        assert_eq!(slugify("???"), "section");
    }
}
