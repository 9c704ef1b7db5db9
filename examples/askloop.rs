//! Asks the public question sets many times in one process, for profiling
//! (`perf record ./target/release/examples/askloop knowledge 200`). Prints the
//! time per stage: understanding, search and composing the answer. With
//! `ASKLOOP_INDEX=DIR` it opens an index built beforehand (`careerbot
//! --knowledge KB --index DIR index`) instead of building one in memory,
//! which a large knowledge base needs.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::PathBuf;
use std::time::{Duration, Instant};

use careerbot::answer::DEFAULT_PASSAGES;
use careerbot::engine::{Engine, Options};
use careerbot::eval::QuestionSet;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let knowledge = PathBuf::from(args.next().unwrap_or_else(|| "knowledge".into()));
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(100);
    let sets: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let sets = if sets.is_empty() {
        vec![
            "tests/questions/seed.toml".into(),
            "tests/questions/holdout-seed.toml".into(),
        ]
    } else {
        sets
    };
    let mut questions = Vec::new();
    for set in &sets {
        let set = QuestionSet::from_file(set)?;
        questions.extend(set.questions.into_iter().map(|q| q.text));
        questions.extend(set.out_of_scope.into_iter().map(|q| q.text));
    }
    let engine = Engine::load(
        &Options {
            knowledge_dir: knowledge,
            // An index built beforehand (`careerbot index`), for large knowledge bases.
            index_dir: std::env::var_os("ASKLOOP_INDEX").map(PathBuf::from),
            force_rebuild: false,
            // The generated knowledge bases are far larger than the default budget.
            limits: careerbot::knowledge::Limits {
                max_article_bytes: u64::MAX,
                max_knowledge_bytes: u64::MAX,
            },
            semantic: None,
        },
        &mut |_, _| {},
    )?;
    let (mut understand, mut search, mut compose) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut times = Vec::new();
    for _ in 0..rounds {
        for q in &questions {
            let t0 = Instant::now();
            let (answer, stages) = engine.ask_staged(q, DEFAULT_PASSAGES);
            times.push(t0.elapsed());
            std::hint::black_box(answer);
            understand += stages.understand;
            search += stages.search;
            compose += stages.compose;
        }
    }
    times.sort();
    let n = times.len() as f64;
    println!(
        "{} questions: median {:.1} µs; per question understand {:.1} µs, search {:.1} µs, compose {:.1} µs",
        times.len(),
        times[times.len() / 2].as_secs_f64() * 1e6,
        understand.as_secs_f64() * 1e6 / n,
        search.as_secs_f64() * 1e6 / n,
        compose.as_secs_f64() * 1e6 / n
    );
    Ok(())
}
