//! The `careerbot` binary: parse the command line, start tracing, run.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = careerbot::cli::Cli::parse();
    careerbot::cli::init_tracing(cli.verbose, cli.command.is_server());
    careerbot::cli::run(cli)
}
