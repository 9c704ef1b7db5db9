//! Inline marks in block text: which words were a link's text (and where it
//! pointed) and which were inline code. The Markdown reader writes them into
//! the text with private-use characters, so that they survive chunking as
//! any text does; [`spans`] takes them out again as byte ranges of the plain
//! text. Private-use characters in a knowledge file are blanked when it is
//! read, so the marks are only ever careerbot's own.

use serde::Serialize;

/// Opens a link's text.
pub const LINK_OPEN: char = '\u{E000}';
/// Ends a link's text and starts its address.
pub const LINK_URL: char = '\u{E001}';
/// Ends a link's address.
pub const LINK_CLOSE: char = '\u{E002}';
/// Opens inline code.
pub const CODE_OPEN: char = '\u{E003}';
/// Closes inline code.
pub const CODE_CLOSE: char = '\u{E004}';

/// Whether `c` is one of the marks.
pub fn is_mark(c: char) -> bool {
    ('\u{E000}'..='\u{E004}').contains(&c)
}

/// `text` with every private-use mark character replaced by a space.
pub fn blank_marks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_mark) {
        std::borrow::Cow::Owned(
            text.chars()
                .map(|c| if is_mark(c) { ' ' } else { c })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// What a span of passage text was in its article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SpanKind {
    /// A link's text; `url` is its address when that is a web address.
    Link {
        /// The web address, when there is one.
        url: Option<String>,
    },
    /// A web address written out in the text.
    Url,
    /// Inline code.
    Code,
}

/// A byte range of plain passage text that is a link, an address or code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// What it is.
    #[serde(flatten)]
    pub kind: SpanKind,
}

/// Number of characters of `text` a reader sees: marks and link addresses
/// do not count.
pub fn visible_len(text: &str) -> usize {
    let mut n = 0;
    let mut in_url = false;
    for c in text.chars() {
        match c {
            LINK_URL => in_url = true,
            LINK_CLOSE => in_url = false,
            c if is_mark(c) => {}
            _ if in_url => {}
            _ => n += 1,
        }
    }
    n
}

/// `text` without marks and link addresses.
pub fn plain(text: &str) -> String {
    spans(text).0
}

/// Splits marked text into plain text and its spans, in order. Marks that a
/// split left unbalanced are dropped: text before a lone address mark was
/// the link's text; an address never closed runs to the end.
pub fn spans(text: &str) -> (String, Vec<Span>) {
    let mut out = String::with_capacity(text.len());
    let mut spans: Vec<Span> = Vec::new();
    let mut link_start: Option<usize> = None;
    let mut code_start: Option<usize> = None;
    let mut url: Option<String> = None;
    for c in text.chars() {
        if let Some(u) = url.as_mut() {
            if c == LINK_CLOSE {
                let address = std::mem::take(u);
                url = None;
                let start = link_start.take().unwrap_or(0);
                push_span(
                    &mut spans,
                    start,
                    out.len(),
                    SpanKind::Link {
                        url: web_url(&address),
                    },
                );
            } else if !is_mark(c) {
                u.push(c);
            }
            continue;
        }
        match c {
            LINK_OPEN => link_start = Some(out.len()),
            LINK_URL => url = Some(String::new()),
            LINK_CLOSE => {
                // The end of an address whose start a split cut off: the
                // address's tail, back to the last space, is not text.
                if link_start.take().is_none() {
                    let keep = out.rfind([' ', '\n']).map_or(0, |i| i + 1);
                    out.truncate(keep);
                }
            }
            CODE_OPEN => code_start = Some(out.len()),
            CODE_CLOSE => {
                if let Some(start) = code_start.take() {
                    push_span(&mut spans, start, out.len(), SpanKind::Code);
                }
            }
            c => out.push(c),
        }
    }
    spans.extend(written_urls(&out, &spans));
    spans.sort_by_key(|s| s.start);
    (out, spans)
}

fn push_span(spans: &mut Vec<Span>, start: usize, end: usize, kind: SpanKind) {
    if start < end {
        spans.push(Span { start, end, kind });
    }
}

/// An absolute web (or mail) address, with the characters that would end a
/// Discord link percent-encoded; `None` for relative links and anchors.
fn web_url(address: &str) -> Option<String> {
    let a = address.trim();
    let lower = a.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || a.len() <= 8 {
        return None;
    }
    let mut out = String::with_capacity(a.len());
    for c in a.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            ' ' => out.push_str("%20"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Web addresses written out in `text` (outside `taken` spans), as spans.
fn written_urls(text: &str, taken: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = 0;
    for word in text.split(' ') {
        let start = at;
        at += word.len() + 1;
        let lower = word.to_ascii_lowercase();
        let Some(offset) = ["https://", "http://", "www."]
            .iter()
            .filter_map(|p| lower.find(p))
            .min()
        else {
            continue;
        };
        let trimmed =
            word[offset..].trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '"', '\'']);
        if trimmed.len() < 8 {
            continue;
        }
        let (s, e) = (start + offset, start + offset + trimmed.len());
        if taken.iter().all(|t| e <= t.start || s >= t.end) {
            out.push(Span {
                start: s,
                end: e,
                kind: SpanKind::Url,
            });
        }
    }
    out
}

/// Share of the visible, non-space characters of `text` (plain) that lie
/// in links or written-out addresses.
pub fn link_share(text: &str, spans: &[Span]) -> f32 {
    let counted = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).count();
    let total = counted(text);
    if total == 0 {
        return 0.0;
    }
    let linked: usize = spans
        .iter()
        .filter(|s| !matches!(s.kind, SpanKind::Code))
        .filter_map(|s| text.get(s.start..s.end))
        .map(counted)
        .sum();
    linked as f32 / total as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(text: &str, url: &str) -> String {
        format!("{LINK_OPEN}{text}{LINK_URL}{url}{LINK_CLOSE}")
    }

    #[test]
    fn links_and_code_become_spans_of_the_plain_text() {
        let marked = format!(
            "Read {} and run {CODE_OPEN}git init{CODE_CLOSE}.",
            link("the guide", "https://example.org/a(b)")
        );
        let (text, spans) = spans(&marked);
        assert_eq!(text, "Read the guide and run git init.");
        assert_eq!(visible_len(&marked), text.chars().count());
        assert_eq!(&text[spans[0].start..spans[0].end], "the guide");
        assert_eq!(
            spans[0].kind,
            SpanKind::Link {
                url: Some("https://example.org/a%28b%29".into())
            }
        );
        assert_eq!(&text[spans[1].start..spans[1].end], "git init");
        assert_eq!(spans[1].kind, SpanKind::Code);
    }

    #[test]
    fn relative_links_keep_their_span_without_an_address() {
        let (text, spans) = spans(&link("next lesson", "../b.md"));
        assert_eq!(text, "next lesson");
        assert_eq!(spans[0].kind, SpanKind::Link { url: None });
    }

    #[test]
    fn written_addresses_are_spans_without_trailing_punctuation() {
        let (text, spans) = spans("See https://www.bls.gov/ooh/x.htm. Or www.example.com, too");
        let shown: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(
            shown,
            vec!["https://www.bls.gov/ooh/x.htm", "www.example.com"]
        );
        assert!(spans.iter().all(|s| s.kind == SpanKind::Url));
    }

    #[test]
    fn marks_split_apart_by_chunking_lose_nothing_and_do_not_panic() {
        let marked = link("Chapter one", "https://x.org/1");
        for cut in 0..=marked.chars().count() {
            let a: String = marked.chars().take(cut).collect();
            let b: String = marked.chars().skip(cut).collect();
            let (ta, _) = spans(&a);
            let (tb, _) = spans(&b);
            assert!(!ta.contains(is_mark) && !tb.contains(is_mark));
            assert!(
                !ta.contains("x.org") && !tb.contains("org"),
                "{ta:?} {tb:?}"
            );
        }
    }

    #[test]
    fn a_list_of_links_is_mostly_link() {
        let marked = format!(
            "- {} (video)\n- {}",
            link("Big-O notation explained", "https://y.be/1"),
            link("Asymptotic bounds", "https://y.be/2")
        );
        let (text, spans) = spans(&marked);
        assert!(link_share(&text, &spans) > 0.7);
        let (prose, spans) = spans_of_prose();
        assert!(link_share(&prose, &spans) < 0.2);
    }

    fn spans_of_prose() -> (String, Vec<Span>) {
        spans(&format!(
            "A load balancer spreads requests across servers so that no one server is overloaded; see {}.",
            link("this", "https://x.org")
        ))
    }
}
