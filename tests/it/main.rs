//! careerbot's integration tests: one binary, one module per capability
//! (as ripgrep and zero-to-production lay theirs out), so the library is
//! linked once instead of once per file. Run one capability with
//! `cargo test --release --test it gateway::`.
// Test and measurement code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod answering;
mod cli;
mod config;
mod damaged_index;
mod deploy;
mod dispatch;
mod docs;
mod gap_answers;
mod gateway;
mod http_endpoint;
mod insights;
mod knowledge;
mod properties;
mod quality;
mod reload_under_load;
mod seed_content;
mod shape;
mod structure;
