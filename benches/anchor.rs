//! The anchor: careerbot against SQLite FTS5 (bm25), side by side in one
//! run, on the same passages and the same public questions.
//!
//! `cargo bench --bench anchor` prints, for each knowledge base and each
//! engine, the median and p99 latency per question and hit@1/hit@3.
//! PERFORMANCE.md holds the figures.
//!
//! FTS5 gets what a community would set up: one row per careerbot passage
//! (title, section, text), the porter stemmer with diacritics removed, bm25
//! with the title and section weighted double, and the question's words
//! OR-ed (quoted, so no query syntax can break it). careerbot answers with
//! its full pipeline (question understanding, typo correction, synonyms,
//! scope, reranking, highlighting, tools and courses); FTS5 only returns the
//! three best rows. Both are timed the same way: every question, many
//! rounds, each call timed on its own, the two engines alternating
//! round by round.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use careerbot::engine::{Engine, Options};
use careerbot::eval::{percentile, rank_in, QuestionSet};
use rusqlite::Connection;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rounds over the question set (each question timed every round).
const ROUNDS: usize = 30;

struct Case {
    name: &'static str,
    knowledge: PathBuf,
    sets: Vec<PathBuf>,
}

struct Measure {
    median: Duration,
    p99: Duration,
    hit1: f64,
    hit3: f64,
    declined: usize,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine(dir: &Path, semantic: bool) -> Engine {
    let semantic = semantic.then(|| careerbot::engine::SemanticOptions {
        model: std::sync::Arc::new(
            careerbot::semantic::Embedder::shipped().expect("the model loads"),
        ),
        background: false,
        progress: None,
    });
    // The hybrid's passage vectors are kept under the target directory, so
    // a second run does not embed again.
    let name = dir
        .file_name()
        .map_or("kb".into(), |n| n.to_string_lossy().to_string());
    let index_dir = semantic.is_some().then(|| {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("anchor")
            .join(name)
    });
    Engine::load(
        &Options {
            knowledge_dir: dir.to_path_buf(),
            index_dir,
            force_rebuild: false,
            limits: Default::default(),
            semantic,
        },
        &mut |_, _| {},
    )
    .expect("knowledge base loads")
}

/// The passages in an in-memory FTS5 table.
fn fts5(engine: &Engine) -> Connection {
    let db = Connection::open_in_memory().expect("sqlite");
    db.execute_batch(
        "CREATE VIRTUAL TABLE passages USING fts5(
             id UNINDEXED, title, section, body,
             tokenize = 'porter unicode61 remove_diacritics 2');",
    )
    .expect("fts5 table");
    let tx = db.unchecked_transaction().expect("transaction");
    {
        let mut insert = tx
            .prepare("INSERT INTO passages (id, title, section, body) VALUES (?1, ?2, ?3, ?4)")
            .expect("insert");
        for p in &engine.passages {
            insert
                .execute((&p.id, &p.article, p.section_label(), &p.text))
                .expect("row");
        }
    }
    tx.commit().expect("commit");
    db
}

/// The question as an FTS5 query: its words, quoted, OR-ed.
fn fts5_query(question: &str) -> Option<String> {
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

/// The three best passages' texts by bm25 (title and section count double).
fn fts5_ask(db: &Connection, question: &str) -> Vec<String> {
    let Some(query) = fts5_query(question) else {
        return Vec::new();
    };
    let mut statement = db
        .prepare_cached(
            "SELECT body FROM passages WHERE passages MATCH ?1
             ORDER BY bm25(passages, 0.0, 2.0, 2.0, 1.0) LIMIT 3",
        )
        .expect("query");
    statement
        .query_map([query], |row| row.get::<_, String>(0))
        .expect("match")
        .map(|r| r.expect("row"))
        .collect()
}

/// Scores `ask`'s passages on every question: hit@1, hit@3, declined.
fn quality(sets: &[QuestionSet], ask: &mut dyn FnMut(&str) -> Vec<String>) -> Measure {
    let (mut questions, mut at1, mut at3, mut declined) = (0, 0, 0, 0);
    for set in sets {
        for q in &set.questions {
            questions += 1;
            let texts = ask(&q.text);
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            match rank_in(&refs, &q.expect) {
                Some(1) => {
                    at1 += 1;
                    at3 += 1;
                }
                Some(r) if r <= 3 => at3 += 1,
                _ => {}
            }
        }
        for q in &set.out_of_scope {
            if ask(&q.text).is_empty() {
                declined += 1;
            }
        }
    }
    Measure {
        median: Duration::ZERO,
        p99: Duration::ZERO,
        hit1: at1 as f64 / questions.max(1) as f64,
        hit3: at3 as f64 / questions.max(1) as f64,
        declined,
    }
}

/// An engine asked a question: the texts of the passages it shows.
type Ask<'a> = dyn FnMut(&str) -> Vec<String> + 'a;

/// Times the engines on every question, rotating their order round by
/// round, so a busy neighbour on a shared machine slows all alike, while
/// each engine answers a whole round in a row, with its own data in the
/// caches, as a bot answering a stream of questions does. `before_round`
/// runs before each engine's round, untimed (the hybrid forgets its
/// question vectors there, so every question runs the model).
fn timings(
    sets: &[QuestionSet],
    engines: &mut [&mut Ask<'_>],
    before_round: &dyn Fn(usize),
) -> Vec<Vec<Duration>> {
    let all: Vec<&str> = sets
        .iter()
        .flat_map(|s| {
            s.questions
                .iter()
                .map(|q| q.text.as_str())
                .chain(s.out_of_scope.iter().map(|q| q.text.as_str()))
        })
        .collect();
    let n = engines.len();
    let mut times = vec![Vec::with_capacity(all.len() * ROUNDS); n];
    for round in 0..ROUNDS {
        for k in 0..n {
            let engine = (round + k) % n;
            before_round(engine);
            for q in &all {
                let t = Instant::now();
                std::hint::black_box(engines[engine](std::hint::black_box(q)));
                times[engine].push(t.elapsed());
            }
        }
    }
    for t in &mut times {
        t.sort();
    }
    times
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // useful either: this binary always runs its fixed workload.
    let cases = [
        Case {
            name: "seed (knowledge/)",
            knowledge: root().join("knowledge"),
            sets: vec![
                root().join("tests/questions/seed.toml"),
                root().join("tests/questions/holdout-seed.toml"),
            ],
        },
        Case {
            name: "tech-interview-handbook",
            knowledge: root().join("tests/fixtures/corpora/tech-interview-handbook"),
            sets: vec![root().join("tests/questions/tech-interview-handbook.toml")],
        },
        Case {
            name: "system-design-primer",
            knowledge: root().join("tests/fixtures/corpora/system-design-primer"),
            sets: vec![root().join("tests/questions/system-design-primer.toml")],
        },
        Case {
            name: "git-novice",
            knowledge: root().join("tests/fixtures/corpora/git-novice"),
            sets: vec![
                root().join("tests/questions/git-novice.toml"),
                root().join("tests/questions/git-novice-holdout.toml"),
            ],
        },
        Case {
            name: "coding-interview-university",
            knowledge: root().join("tests/fixtures/corpora/coding-interview-university"),
            sets: vec![
                root().join("tests/questions/coding-interview-university.toml"),
                root().join("tests/questions/coding-interview-university-holdout.toml"),
            ],
        },
    ];
    println!(
        "| knowledge base | passages | questions | engine | median | p99 | hit@1 | hit@3 | out of scope declined |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for case in &cases {
        let sets: Vec<QuestionSet> = case
            .sets
            .iter()
            .map(|p| QuestionSet::from_file(p).expect("question set"))
            .collect();
        let engine = engine(&case.knowledge, false);
        let hybrid = engine_hybrid(&case.knowledge);
        let db = fts5(&engine);
        let in_scope: usize = sets.iter().map(|s| s.questions.len()).sum();
        let out: usize = sets.iter().map(|s| s.out_of_scope.len()).sum();
        let mut lexical_ask = |q: &str| passages(engine.ask(q));
        let mut hybrid_ask = |q: &str| passages(hybrid.ask(q));
        let mut fts5_ask = |q: &str| fts5_ask(&db, q);
        let mut measures = [
            quality(&sets, &mut lexical_ask),
            quality(&sets, &mut hybrid_ask),
            quality(&sets, &mut fts5_ask),
        ];
        let times = timings(
            &sets,
            &mut [&mut lexical_ask, &mut hybrid_ask, &mut fts5_ask],
            &|engine| {
                if engine == 1 {
                    hybrid.forget_questions();
                }
            },
        );
        for (m, times) in measures.iter_mut().zip(&times) {
            m.median = percentile(times, 0.5);
            m.p99 = percentile(times, 0.99);
        }
        let names = ["careerbot lexical", "careerbot hybrid", "SQLite FTS5 bm25"];
        for (name, m) in names.iter().zip(&measures) {
            println!(
                "| {} | {} | {} + {} | {} | {:.1} µs | {:.1} µs | {:.3} | {:.3} | {}/{} |",
                case.name,
                engine.passages.len(),
                in_scope,
                out,
                name,
                m.median.as_secs_f64() * 1e6,
                m.p99.as_secs_f64() * 1e6,
                m.hit1,
                m.hit3,
                m.declined,
                out
            );
        }
        if case.name.starts_with("seed") {
            python_hybrid(&engine, &case.sets);
        }
        println!(
            "| {} | | | lexical {:.1}× faster than FTS5 (median); the hybrid ran the model on {} of {} questions | | | | | |",
            case.name,
            measures[2].median.as_secs_f64() / measures[0].median.as_secs_f64(),
            model_runs(&hybrid, &sets),
            in_scope + out
        );
    }
}

/// The Python hybrid (`benches/python_hybrid.py`) on the same passages
/// and questions, in this run, when `ANCHOR_PYTHON` names an interpreter
/// with sentence-transformers (it is not part of the build: PyPI once).
fn python_hybrid(engine: &Engine, sets: &[PathBuf]) {
    let Some(python) = std::env::var_os("ANCHOR_PYTHON") else {
        println!("| seed | | | Python hybrid: set ANCHOR_PYTHON to run it | | | | | |");
        return;
    };
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    for p in engine.passages.iter() {
        let line = serde_json::json!({
            "id": p.id, "article": p.article, "section": p.section_label(), "text": p.text,
        });
        std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).expect("written");
    }
    let out = std::process::Command::new(python)
        .current_dir(root())
        .arg("benches/python_hybrid.py")
        .arg(file.path())
        .args(sets)
        .output()
        .expect("the Python hybrid runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("| seed | | | {} | | | | | |", text.trim());
}

fn engine_hybrid(dir: &Path) -> Engine {
    engine(dir, true)
}

/// The texts of an answer's passages; none when declined.
fn passages(answer: careerbot::answer::Answer) -> Vec<String> {
    match answer {
        careerbot::answer::Answer::Answered(a) => a.passages.into_iter().map(|p| p.text).collect(),
        _ => Vec::new(),
    }
}

/// How many of the questions the hybrid engine ran the model for.
fn model_runs(engine: &Engine, sets: &[QuestionSet]) -> usize {
    sets.iter()
        .flat_map(|s| {
            s.questions
                .iter()
                .map(|q| q.text.as_str())
                .chain(s.out_of_scope.iter().map(|q| q.text.as_str()))
        })
        .filter(|q| engine.ask(q).ranking() == careerbot::answer::Ranking::Hybrid)
        .count()
}
