//! Knowledge parsing: any bytes as an article (TOML or YAML front matter,
//! Markdown, MDX, text), a tools.toml and a courses.toml. Invariants: no
//! panic; every error names a line; what loads can be indexed and asked.
#![no_main]

use careerbot::knowledge::{parse, SourceFile};
use libfuzzer_sys::fuzz_target;

fn file(rel: &str, bytes: &[u8]) -> SourceFile {
    SourceFile {
        rel: rel.to_string(),
        display: rel.to_string(),
        bytes: Ok(bytes.to_vec()),
    }
}

fuzz_target!(|data: &[u8]| {
    // The input is up to three files separated by 0x00 0x00: the article,
    // tools.toml, courses.toml. The first byte picks the article's format.
    let (kind, rest) = data.split_first().unwrap_or((&0, &[]));
    let mut parts = rest.split(|b| *b == 0).filter(|p| !p.is_empty());
    let article_name = match kind % 4 {
        0 => "article.md",
        1 => "article.mdx",
        2 => "article.txt",
        _ => "nested/article.markdown",
    };
    let mut files = vec![file(article_name, parts.next().unwrap_or(&[]))];
    if let Some(tools) = parts.next() {
        files.push(file("tools.toml", tools));
    }
    if let Some(courses) = parts.next() {
        files.push(file("courses.toml", courses));
    }
    let (kb, report) = parse(&files);
    for p in &report.problems {
        assert!(p.line >= 1, "a problem without a line: {p}");
        assert!(!p.message.is_empty());
    }
    if report.error_count() == 0 {
        let passages = careerbot::chunk::chunk_all(&kb.articles);
        for p in &passages {
            assert!(
                p.text.chars().count() <= careerbot::chunk::MAX_PASSAGE_CHARS,
                "{}",
                p.id
            );
        }
    }
});
