//! Project automation for oxblas, run as `cargo xtask <command>`.
//!
//! - `cargo xtask test`: the full check CI runs (system libraries, fmt,
//!   clippy, tests for every feature set, doc tests, docs). See `test`.
//! - `cargo xtask bench`: times every backend and the dispatcher, writes a
//!   report, raw results, plots and the dispatcher's wisdom file. See `bench`.
//!
//! The default build links no C library, so `cargo xtask test` runs on a
//! machine without OpenBLAS (and installs it there when it can). Benchmarks
//! need the backends: `cargo xtask bench` re-runs this program built with the
//! `bench` feature in the release profile.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[cfg(feature = "bench")]
mod bench;
mod cmd;
mod test;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "oxblas project automation", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// fmt check, clippy -D warnings, tests for every feature set, doc tests
    /// and docs; stops at the first failure (the README's test command).
    Test(TestArgs),
    /// Time every backend and the dispatcher on the same inputs; write a
    /// report, raw results, plots and the wisdom file.
    Bench(BenchArgs),
}

/// Options of `cargo xtask test`.
#[derive(Args, Debug, Clone)]
pub struct TestArgs {
    /// Never install system packages, even as root with apt-get.
    #[arg(long)]
    pub no_install: bool,
    /// Check and test the simd backend alone (as when OpenBLAS is missing).
    #[arg(long)]
    pub simd_only: bool,
    /// Run every step even after a failure (still exits non-zero).
    #[arg(long)]
    pub keep_going: bool,
}

/// Options of `cargo xtask bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Fewer sizes and shorter timing (under 3 minutes on 2 cores).
    #[arg(long)]
    pub quick: bool,
    /// Comma-separated operations (names as in reports: gemm,lu,dot,...).
    #[arg(long, value_delimiter = ',')]
    pub ops: Vec<String>,
    /// Element type: f32 or f64 (default: both).
    #[arg(long, value_parser = ["f32", "f64"])]
    pub dtype: Option<String>,
    /// Comma-separated sizes (the dominant dimension), replacing the defaults.
    #[arg(long, value_delimiter = ',')]
    pub sizes: Vec<usize>,
    /// Comma-separated thread counts: numbers or `all` (default: 1,all).
    #[arg(long, value_delimiter = ',')]
    pub threads: Vec<String>,
    /// Output directory (default: target/oxblas-bench).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Also write the measured table as the checked-in default wisdom
    /// (crates/oxblas/src/default_wisdom.txt).
    #[arg(long)]
    pub write_default: bool,
    /// Do not install the wisdom file where the dispatcher looks for it
    /// (it is still written under the output directory).
    #[arg(long)]
    pub no_install: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Test(args) => test::run(&args),
        Command::Bench(args) => run_bench(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "bench")]
fn run_bench(args: &BenchArgs) -> Result<(), String> {
    bench::run(args)
}

/// Without the backends compiled in, re-run xtask with them, optimized: a
/// benchmark of unoptimized code would measure nothing useful.
#[cfg(not(feature = "bench"))]
fn run_bench(_args: &BenchArgs) -> Result<(), String> {
    // The bench compares the backends, so it needs OpenBLAS and LAPACKE:
    // install them where we can (root with apt-get), else say how.
    if !test::system_check(false)? {
        return Err(
            "cargo xtask bench needs OpenBLAS and LAPACKE to compare the backends \
                    (install commands above); a simd-only bench is not implemented yet"
                .into(),
        );
    }
    let forwarded: Vec<String> = std::env::args().skip(1).collect();
    let mut c = cmd::cargo();
    c.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "xtask",
        "--features",
        "bench",
        "--",
    ]);
    c.args(&forwarded);
    cmd::run_inherit(&mut c)
}
