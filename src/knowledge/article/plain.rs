//! Plain-text article bodies.

use super::{squash, Block, Section};

/// Plain text: blank-line separated paragraphs, or one paragraph per line
/// when the file has no blank lines. A line ending in `:` followed by short
/// lines without final punctuation is a lead-in and its list.
pub(super) fn parse_text(body: &str, body_line: usize) -> Vec<Section> {
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
