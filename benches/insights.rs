//! Criterion benches for moderators' reports: `/gaps` and `/stats` over an
//! insights store of 10,000 and 100,000 records (90 days of questions from
//! two servers, a tenth of them declined or low-confidence, and ratings),
//! and the `/stats` chart of 30 and 365 days.
//!
//! `cargo bench --bench insights`; PERFORMANCE.md lists the figures.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use careerbot::insights::report;
use careerbot::insights::{Outcome, PassageRef, QuestionRecord, RatingRecord, Record, Store};
use criterion::{criterion_group, criterion_main, Criterion};

const DAY: i64 = 86_400;

/// `n` records spread over 90 days before `now`, in two servers.
fn records(n: usize, now: i64) -> Vec<Record> {
    let topics = [
        "sourdough bread",
        "a parrot",
        "tax returns",
        "opera",
        "chess",
        "car engines",
        "yoga",
        "wine",
        "pottery",
        "tomatoes",
    ];
    let passage = |i: usize| PassageRef {
        id: format!("backend-developer#section-{}", i % 12),
        article: "Back-end developer".to_string(),
        section: format!("Section {}", i % 12),
    };
    (0..n)
        .map(|i| {
            let at = now - (i as i64 * 7_919) % (90 * DAY);
            let guild = Some(1_190_000_000_000_000_100 + (i % 2) as u64);
            if i % 50 == 0 {
                return Record::Rating(RatingRecord {
                    at,
                    guild,
                    user: None,
                    vote: format!("vote-{i}"),
                    question: format!("what does a back-end developer earn, take {}", i % 300),
                    passage: Some(passage(i)),
                    score: Some(3.0),
                    up: i % 3 != 0,
                });
            }
            let (outcome, question) = match i % 10 {
                0 => (
                    Outcome::Declined,
                    format!(
                        "how do I learn about {} number {}",
                        topics[(i / 7) % topics.len()],
                        i % 700
                    ),
                ),
                1 => (
                    Outcome::LowConfidence,
                    format!(
                        "is {} useful for backend, case {}",
                        topics[(i / 10) % topics.len()],
                        i % 500
                    ),
                ),
                _ => (
                    Outcome::Answered,
                    format!("what does a back-end developer do, take {}", i % 1_000),
                ),
            };
            Record::Question(QuestionRecord {
                guild,
                passage: (outcome != Outcome::Declined).then(|| passage(i)),
                score: Some(2.0),
                confidence: Some(0.8),
                ..QuestionRecord::new(at, &question, outcome)
            })
        })
        .collect()
}

fn reports(c: &mut Criterion) {
    let now = careerbot::insights::unix_now();
    let mut group = c.benchmark_group("insights");
    group.sample_size(10);
    for n in [10_000, 100_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path()).expect("store");
        store.write(&records(n, now)).expect("written");
        let guild = Some(1_190_000_000_000_000_100);
        group.bench_function(format!("gaps/30-days/{n}"), |b| {
            b.iter(|| black_box(report::gaps(&store, now, 30, guild).expect("gaps")))
        });
        group.bench_function(format!("stats/30-days/{n}"), |b| {
            b.iter(|| black_box(report::stats(&store, now, 30, guild).expect("stats")))
        });
        group.bench_function(format!("gaps/365-days/{n}"), |b| {
            b.iter(|| black_box(report::gaps(&store, now, 365, guild).expect("gaps")))
        });
        if n == 10_000 {
            // The chart /stats attaches, beside the report it draws.
            for days in [30, 365] {
                let stats = report::stats(&store, now, days, guild).expect("stats");
                group.bench_function(format!("chart/{days}-days"), |b| {
                    b.iter(|| black_box(careerbot::insights::chart::png(&stats).expect("png")))
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);
