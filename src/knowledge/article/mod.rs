//! Articles: front matter (TOML between `+++` or YAML between `---`), Markdown
//! or plain text bodies, turned into sections of plain-text blocks. Markup
//! (HTML, JSX, admonition fences, images, code) is skipped, not indexed.

use serde::Serialize;

pub mod flat;
mod front_matter;
mod html;
pub mod inline;
mod markdown;
mod plain;

use super::problem::Problem;
use front_matter::{split_front_matter, Meta};
use markdown::parse_markdown;
use plain::parse_text;

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
    // The private-use characters that mark links and code are careerbot's own.
    let text = &*inline::blank_marks(text);
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
    // The directories an article sits in say what it is about
    // ("getting_hired/preparing.md"): they are searched as its tags.
    let mut tags = meta.tags;
    for dir in id.split('/').rev().skip(1) {
        let dir = humanize(dir);
        if !dir.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(&dir)) {
            tags.push(dir);
        }
    }
    let article = Article {
        id,
        path: rel.to_string(),
        title,
        source: meta.source,
        summary: meta.summary,
        tags,
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
                &Block::Paragraph(
                    "Get paid more with \u{e000}Rora\u{e001}https://x\u{e002}.".into()
                ),
                &Block::Paragraph("Line one line two & more.".into())
            ]
        );
    }

    #[test]
    fn headings_inside_a_fenced_div_end_with_it() {
        // The shape of a Carpentries lesson: a challenge with its own
        // heading and a nested solution, then the lesson goes on.
        let a = md("## Ignoring Files\n\nLesson text.\n\n::::: challenge\n\n## Nested Files\n\nHow would you ignore them?\n\n:::: solution\n\n## Solution\n\nAdd the directory.\n\n::::\n:::::\n\nMore lesson text.\n");
        let paths: Vec<(Vec<String>, String)> = a
            .sections
            .iter()
            .map(|s| {
                let Block::Paragraph(p) = &s.blocks[0] else {
                    panic!()
                };
                (s.path.clone(), p.clone())
            })
            .collect();
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            paths,
            vec![
                (path(&["Ignoring Files"]), "Lesson text.".into()),
                (
                    path(&["Ignoring Files", "Nested Files"]),
                    "How would you ignore them?".into()
                ),
                (
                    path(&["Ignoring Files", "Nested Files", "Solution"]),
                    "Add the directory.".into()
                ),
                (path(&["Ignoring Files"]), "More lesson text.".into()),
            ]
        );
    }

    #[test]
    fn inline_code_is_marked_and_private_use_characters_in_files_are_blanked() {
        let a = md("Run `git init` now\u{e001}.\n");
        assert_eq!(
            a.sections[0].blocks,
            vec![Block::Paragraph(
                "Run \u{e003}git init\u{e004} now .".into()
            )]
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
    fn an_untitled_article_is_named_by_its_file_and_its_directories_are_tags() {
        let (a, problems) = parse_article(
            "### Introduction\n\nPrepare answers about your projects.\n",
            "getting_hired/preparing_to_interview_and_interviewing.md",
            "k/getting_hired/preparing_to_interview_and_interviewing.md",
            Format::Markdown,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let a = a.unwrap();
        assert_eq!(a.title, "Preparing to interview and interviewing");
        assert_eq!(a.tags, vec!["Getting hired"]);
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
    fn every_named_and_numeric_entity_in_html_is_decoded() {
        let a = md("<p>Don&rsquo;t stop&hellip; &copy; 2024 &#8212; caf&eacute; &#x2713;</p>\n");
        assert_eq!(
            a.sections[0].blocks,
            vec![Block::Paragraph("Don’t stop… © 2024 — café ✓".into())]
        );
    }

    #[test]
    fn a_heading_inside_a_list_item_starts_a_section() {
        // The shape of coding-interview-university's README.
        let a = md("- ### Math\n    - [Karatsuba (video)](https://y.be/1)\n\n- ### Treap\n    - Combination of a binary search tree and a heap\n");
        let sections: Vec<(Vec<String>, usize)> = a
            .sections
            .iter()
            .map(|s| (s.path.clone(), s.blocks.len()))
            .collect();
        assert_eq!(
            sections,
            vec![
                (vec!["Math".to_string()], 1),
                (vec!["Treap".to_string()], 1)
            ]
        );
        let Block::List(items) = &a.sections[1].blocks[0] else {
            panic!()
        };
        assert!(items[0].contains("binary search tree"), "{items:?}");
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
    fn pandoc_image_attributes_are_markup() {
        let a = md("![Diagram](img.svg){alt='A diagram of the staging area'\nwidth=\"50%\"}\n\nThe staging area holds changes.\n\n![x](y.png){alt=\"z\"} Caption text.\n");
        let texts: Vec<&Block> = a.sections.iter().flat_map(|s| &s.blocks).collect();
        assert_eq!(
            texts,
            vec![
                &Block::Paragraph("The staging area holds changes.".into()),
                &Block::Paragraph("Caption text.".into())
            ]
        );
    }

    #[test]
    fn consecutive_fenced_lists_stay_apart() {
        let a = md("::: objectives\n- Make your work easy to cite\n:::\n::: questions\n- How can I make my work easier to cite?\n:::\n");
        let blocks: Vec<&Block> = a.sections.iter().flat_map(|s| &s.blocks).collect();
        assert_eq!(blocks.len(), 2, "{blocks:?}");
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
