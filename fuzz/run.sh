#!/usr/bin/env bash
# Coverage-guided fuzzing of careerbot's three input paths with cargo-fuzz
# (libFuzzer): knowledge parsing, the question path, interaction handling.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET]   (default 60)
#
# Seeds come from fuzz/seeds/ (the shipped knowledge, vendored corpus files,
# the public questions, real-shaped interaction payloads); new inputs go to
# fuzz/corpus/, crashes to fuzz/artifacts/. cargo-fuzz needs nightly -Z
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. No
# sanitizer is needed: careerbot has no unsafe code, and a panic is a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in knowledge question interaction; do
  mkdir -p "fuzz/corpus/$target"
  cargo fuzz run -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096
done
