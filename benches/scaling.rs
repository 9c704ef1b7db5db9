//! How cost grows with the knowledge base: 1×, 10×, 100× and 1,000× the
//! tech-interview-handbook corpus, generated here (never committed).
//!
//! ```text
//! cargo bench --bench scaling                 # 1, 10, 100 and 1000 times
//! cargo bench --bench scaling -- 1 10 100     # chosen sizes
//! cargo bench --bench scaling -- --generate DIR 100   # only write a 100x knowledge base
//! ```
//!
//! Copy 0 is the corpus itself; every further copy lives in its own
//! directory (so its article ids differ) and has about one word in eight
//! replaced by another word of the corpus, chosen by a seeded hash. So the
//! vocabulary and postings grow like a real, larger knowledge base rather
//! than as exact duplicates.
//!
//! Each size runs in a child process, for a clean peak-memory reading: it
//! builds the index on disk (timed), reopens it (timed), asks the handbook
//! question set for several rounds (p50/p99 per question), and reports its
//! peak resident memory (VmHWM) and the index size on disk.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use careerbot::engine::{Engine, Options};
use careerbot::eval::{percentile, QuestionSet};

const ROUNDS: usize = 20;
const CHILD: &str = "CAREERBOT_SCALING_CHILD";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    root().join("tests/fixtures/corpora/tech-interview-handbook")
}

/// splitmix64: a seeded, repeatable hash.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The knowledge files of the corpus: (relative path, text).
fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(corpus()).sort_by_file_name() {
        let entry = entry.expect("corpus readable");
        let path = entry.path();
        let is_article = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "mdx")
        ) && path.file_name().is_some_and(|n| n != "SOURCE.md");
        if entry.file_type().is_file() && is_article {
            let rel = path.strip_prefix(corpus()).expect("inside").to_path_buf();
            out.push((rel, std::fs::read_to_string(path).expect("utf-8")));
        }
    }
    out
}

/// `text` with about one body word in eight swapped for a word of `vocab`.
/// Front matter and code fences are left alone, so every copy stays valid.
fn perturb(text: &str, copy: u64, vocab: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_front = false;
    let mut in_fence = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if n == 0 && (t == "---" || t == "+++") {
            in_front = true;
        } else if in_front && (t == "---" || t == "+++") {
            in_front = false;
        } else if t.starts_with("```") {
            in_fence = !in_fence;
        }
        if in_front
            || in_fence
            || t.starts_with('#')
            || t.starts_with('<')
            || t.starts_with("import ")
        {
            out.push_str(line);
        } else {
            for (i, word) in line.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let h = mix(copy.wrapping_mul(1_000_003) ^ ((n as u64) << 20) ^ i as u64);
                if h.is_multiple_of(8) && word.len() >= 4 && word.chars().all(char::is_alphabetic) {
                    out.push_str(vocab[(h >> 8) as usize % vocab.len()]);
                } else {
                    out.push_str(word);
                }
            }
        }
        out.push('\n');
    }
    out
}

fn generate(dir: &Path, times: usize) {
    let sources = sources();
    let all: String = sources
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut vocab: Vec<&str> = all
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.len() >= 4)
        .collect();
    vocab.sort_unstable();
    vocab.dedup();
    for copy in 0..times {
        for (rel, text) in &sources {
            let path = dir.join(format!("copy{copy:04}")).join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            let body = if copy == 0 {
                text.clone()
            } else {
                perturb(text, copy as u64, &vocab)
            };
            std::fs::write(path, body).expect("write");
        }
    }
}

fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// In the child: build, reopen, ask; print one line of results.
fn child(dir: &Path) {
    let index = dir.join("index");
    let options = Options {
        knowledge_dir: dir.join("knowledge"),
        index_dir: Some(index.clone()),
        force_rebuild: false,
        // The generated knowledge bases are far larger than the default budget.
        limits: careerbot::knowledge::Limits {
            max_article_bytes: u64::MAX,
            max_knowledge_bytes: u64::MAX,
        },
        semantic: None,
    };
    let t = Instant::now();
    let built = Engine::load(&options, &mut |_, _| {}).expect("builds");
    let build = t.elapsed();
    let passages = built.passages.len();
    drop(built);
    let t = Instant::now();
    let engine = Engine::load(&options, &mut |_, _| {}).expect("reopens");
    let reopen = t.elapsed();
    let set = QuestionSet::from_file(&root().join("tests/questions/tech-interview-handbook.toml"))
        .expect("question set");
    let questions: Vec<&str> = set
        .questions
        .iter()
        .map(|q| q.text.as_str())
        .chain(set.out_of_scope.iter().map(|q| q.text.as_str()))
        .collect();
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        for q in &questions {
            let t = Instant::now();
            std::hint::black_box(engine.ask(q));
            times.push(t.elapsed());
        }
    }
    times.sort();
    println!(
        "RESULT {passages} {:.3} {:.3} {} {:.1} {:.1} {}",
        build.as_secs_f64(),
        reopen.as_secs_f64(),
        dir_size(&index),
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        peak_rss_kb()
    );
}

fn main() {
    if let Ok(dir) = std::env::var(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--generate") {
        let (Some(dir), Some(times)) = (
            args.get(at + 1),
            args.get(at + 2).and_then(|n| n.parse().ok()),
        ) else {
            eprintln!("usage: scaling --generate DIR TIMES");
            std::process::exit(2);
        };
        generate(Path::new(dir), times);
        return;
    }
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![1, 10, 100, 1000];
    }
    println!("| size | passages | build | reopen | index on disk | peak memory | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    for times in sizes {
        let work = tempfile::tempdir().expect("temp dir");
        generate(&work.path().join("knowledge"), times);
        let out = Command::new(std::env::current_exe().expect("self"))
            .env(CHILD, work.path())
            .output()
            .expect("child runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT ")) else {
            eprintln!(
                "size {times}× failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        let f: Vec<&str> = line.split_whitespace().skip(1).collect();
        let mb = |bytes: f64| bytes / 1_048_576.0;
        println!(
            "| {times}× | {} | {} s | {} s | {:.1} MB | {:.0} MB | {} µs | {} µs |",
            f[0],
            f[1],
            f[2],
            mb(f[3].parse().unwrap_or(0.0)),
            f[6].parse::<f64>().unwrap_or(0.0) / 1024.0,
            f[4],
            f[5]
        );
    }
}
