//! The `careerbot` binary: [`careerbot::cli::main`] does it all.

/// mimalloc: a question allocates many small short-lived buffers (the
/// query, its scorers, the answer), which it serves faster than the system
/// allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    careerbot::cli::main()
}
