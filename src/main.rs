//! The `careerbot` binary: parse the command line, start tracing, run.

use clap::Parser;

/// mimalloc: a question allocates many small short-lived buffers (the
/// query, its scorers, the answer), which it serves faster than the system
/// allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = careerbot::cli::Cli::parse();
    careerbot::cli::init_tracing(cli.verbose, cli.command.is_server());
    careerbot::cli::run(cli)
}
