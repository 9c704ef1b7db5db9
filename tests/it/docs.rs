//! The docs stay true to the tree: every `src/` path they name exists, and
//! every relative link points at a file that exists and, with `#anchor`, at
//! a heading it has. A path that stands for many is written with a
//! placeholder (`src/discord/commands/<name>.rs`) and is not checked.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The Markdown files a reader is sent to.
fn documents() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = ["README.md", "SECURITY.md", "PERFORMANCE.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let mut more: Vec<PathBuf> = std::fs::read_dir("docs")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// The document's lines outside fenced code blocks, with inline code
/// blanked, so that a link written as code is not read as a link.
fn prose(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut in_code = false;
        out.push(
            line.chars()
                .map(|c| {
                    if c == '`' {
                        in_code = !in_code;
                    }
                    if in_code {
                        ' '
                    } else {
                        c
                    }
                })
                .collect(),
        );
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a document's headings (outside fenced code).
fn anchors(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut fenced = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// The targets of `[text](target)` links.
fn links(line: &str) -> Vec<&str> {
    line.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &line[i + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn every_relative_link_reaches_a_file_and_its_heading() {
    let mut broken = Vec::new();
    let mut checked = 0;
    // Each linked document's headings, read once.
    let mut headings: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for line in prose(&text) {
            for target in links(&line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (file, heading) = target.split_once('#').unwrap_or((target, ""));
                let file = if file.is_empty() {
                    doc.clone()
                } else {
                    doc.parent().unwrap().join(file)
                };
                if !file.exists() {
                    broken.push(format!("{}: {target}: no such file", doc.display()));
                } else if !heading.is_empty()
                    && file.extension().is_some_and(|e| e == "md")
                    && !headings
                        .entry(std::fs::canonicalize(&file).unwrap())
                        .or_insert_with(|| anchors(&file))
                        .contains(heading)
                {
                    broken.push(format!("{}: {target}: no such heading", doc.display()));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_source_path_the_docs_name_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let words = text.split(|c: char| c.is_whitespace() || "`()[]'\",;|*".contains(c));
        for word in words.filter(|w| w.starts_with("src/")) {
            let path = word.trim_end_matches(['.', ':', '!', '?']);
            if path.contains(['<', '{', '…']) || path.contains("...") {
                continue;
            }
            checked += 1;
            if !Path::new(path).exists() {
                missing.push(format!("{}: {path}", doc.display()));
            }
        }
    }
    assert!(checked > 20, "only {checked} paths found");
    assert!(missing.is_empty(), "no such path:\n{}", missing.join("\n"));
}

#[test]
fn the_anchor_of_a_heading_is_githubs() {
    assert_eq!(
        anchor(" Answers by meaning: the semantic stage"),
        "answers-by-meaning-the-semantic-stage"
    );
    assert_eq!(
        anchor("Tools: `knowledge/tools.toml`"),
        "tools-knowledgetoolstoml"
    );
    assert_eq!(links("see [a](b.md#c) and [d](#e)"), ["b.md#c", "#e"]);
}
