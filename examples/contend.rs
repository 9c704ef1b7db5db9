//! A question embedded while a batch of passages is being embedded (as a
//! server does during a reload's background embedding): prints the
//! question's latency. Batches run on a thread pool of their own
//! (`semantic::batch_pool`); on the shared global pool a question waited
//! behind the whole batch (PERFORMANCE.md).
//!
//! `cargo run --release --example contend`
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use careerbot::semantic::Embedder;
use std::sync::Arc;
fn main() {
    let e = Arc::new(Embedder::shipped().unwrap());
    let passage = "Back-end developers build and maintain the servers, databases and application logic behind websites. ".repeat(12);
    let texts: Vec<String> = (0..64).map(|i| format!("{i} {passage}")).collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (e2, s2) = (e.clone(), stop.clone());
    let bg = std::thread::spawn(move || {
        while !s2.load(std::sync::atomic::Ordering::Relaxed) {
            let t: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            e2.embed(&t).unwrap();
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut times = vec![];
    for i in 0..60 {
        let q = format!("what does a back-end developer do {i}?");
        let t = std::time::Instant::now();
        e.embed(&[&q]).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(std::time::Duration::from_millis(37));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    bg.join().unwrap();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "question during batch embedding: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        times[30], times[54], times[59]
    );
}
