//! Criterion benches for the question path and the index build.
//!
//! `cargo bench --bench engine` runs them; docs/operators.md and PERFORMANCE.md list the figures.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use careerbot::chunk::chunk_all;
use careerbot::engine::{Engine, Options};
use careerbot::knowledge;
use careerbot::search::SearchIndex;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Questions of several kinds: plain, typo, synonym, tools, courses, out of scope, empty.
const QUESTIONS: &[&str] = &[
    "What does a back-end developer do?",
    "how much do backend devs make",
    "whats the salery",
    "which databases should I learn",
    "where can I take a course?",
    "do i need a college degree for back-end",
    "how do I bake sourdough bread",
    "🚀",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine(dir: &Path) -> Engine {
    load(dir, None)
}

/// The engine with the semantic stage on, its vectors kept under the
/// target directory so a second run does not embed again.
fn hybrid(dir: &Path) -> Engine {
    let model = careerbot::semantic::Embedder::shipped().expect("the model loads");
    let semantic = careerbot::engine::SemanticOptions {
        model: std::sync::Arc::new(model),
        background: false,
        progress: None,
    };
    let name = dir
        .file_name()
        .map_or("kb".into(), |n| n.to_string_lossy().to_string());
    let index = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-hybrid")
        .join(name);
    load_with_index(dir, Some(index), Some(semantic))
}

fn load(dir: &Path, semantic: Option<careerbot::engine::SemanticOptions>) -> Engine {
    load_with_index(dir, None, semantic)
}

fn load_with_index(
    dir: &Path,
    index_dir: Option<PathBuf>,
    semantic: Option<careerbot::engine::SemanticOptions>,
) -> Engine {
    let options = Options {
        knowledge_dir: dir.to_path_buf(),
        index_dir,
        force_rebuild: false,
        limits: Default::default(),
        semantic,
    };
    Engine::load(&options, &mut |_, _| {}).expect("knowledge base loads")
}

fn ask(c: &mut Criterion) {
    let seed = engine(&root().join("knowledge"));
    let mut group = c.benchmark_group("ask");
    group.throughput(Throughput::Elements(QUESTIONS.len() as u64));
    group.bench_function("seed/8-questions", |b| {
        b.iter(|| {
            for q in QUESTIONS {
                black_box(seed.ask(black_box(q)));
            }
        })
    });
    let seed_hybrid = hybrid(&root().join("knowledge"));
    group.bench_function("seed-hybrid/8-questions-first-time", |b| {
        b.iter(|| {
            seed_hybrid.forget_questions();
            for q in QUESTIONS {
                black_box(seed_hybrid.ask(black_box(q)));
            }
        })
    });
    group.bench_function("seed-hybrid/8-questions-repeated", |b| {
        b.iter(|| {
            for q in QUESTIONS {
                black_box(seed_hybrid.ask(black_box(q)));
            }
        })
    });
    let handbook = engine(&root().join("tests/fixtures/corpora/tech-interview-handbook"));
    group.bench_function("handbook/8-questions", |b| {
        b.iter(|| {
            for q in QUESTIONS {
                black_box(handbook.ask(black_box(q)));
            }
        })
    });
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    for (name, dir) in [
        ("seed", root().join("knowledge")),
        (
            "handbook",
            root().join("tests/fixtures/corpora/tech-interview-handbook"),
        ),
    ] {
        let files = knowledge::read_dir(&dir).expect("readable");
        group.bench_function(format!("{name}/parse+chunk+index"), |b| {
            b.iter(|| {
                let (kb, _) = knowledge::parse(black_box(&files));
                let passages = chunk_all(&kb.articles);
                black_box(SearchIndex::build(&passages, None, &mut |_, _| {}).expect("builds"));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ask, build);
criterion_main!(benches);
