//! Prints a knowledge base's passages as JSON lines (`id`, `article`,
//! `section`, `text`), for tools outside careerbot: the Python hybrid of
//! `benches/python_hybrid.py` indexes exactly careerbot's passages.
//!
//! `cargo run --release --example passages -- knowledge > /tmp/seed.jsonl`
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::PathBuf;

use careerbot::chunk::chunk_all;

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "knowledge".into()),
    );
    let (kb, _, _) = careerbot::knowledge::load(&dir)?;
    for p in chunk_all(&kb.articles) {
        let line = serde_json::json!({
            "id": p.id,
            "article": p.article,
            "section": p.section_label(),
            "text": p.text,
        });
        println!("{line}");
    }
    Ok(())
}
