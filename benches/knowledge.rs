//! Criterion bench for reading a Markdown article: one article of 20,000
//! and one of 200,000 headings, each with a short paragraph, parsed and
//! chunked into passages. Every pass must be linear, so the second costs
//! about ten times the first (it was quadratic: 10k/20k/40k headings took
//! 0.39/1.49/6.31 s in `careerbot check`).
//!
//! `cargo bench --bench knowledge`; SECURITY.md lists the figures.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use careerbot::chunk::chunk_all;
use careerbot::knowledge::{parse_article, Format};
use criterion::{criterion_group, criterion_main, Criterion};

// The allocator of the careerbot binary, which reads the knowledge.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An article of `headings` second-level headings under one title.
fn article(headings: usize) -> String {
    let mut text = String::from("# Many headings\n\n");
    for i in 0..headings {
        text.push_str(&format!(
            "## Heading {i}\n\nText about topic {i} and careers.\n\n"
        ));
    }
    text
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("markdown");
    group.sample_size(10);
    for headings in [20_000, 200_000] {
        let text = article(headings);
        group.bench_function(format!("parse_and_chunk/{headings}_headings"), |b| {
            b.iter(|| {
                let (article, problems) =
                    parse_article(black_box(&text), "many.md", "many.md", Format::Markdown);
                let articles: Vec<_> = article.into_iter().collect();
                black_box((chunk_all(&articles).len(), problems.len()))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
