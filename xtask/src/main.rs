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
//! `bench` feature in the release profile, or with `bench-simd` (the simd
//! backend alone) where OpenBLAS is missing and cannot be installed.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[cfg(feature = "bench-simd")]
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
    /// Benchmark the simd backend alone, built without OpenBLAS (what
    /// happens anyway where OpenBLAS is missing and cannot be installed).
    #[arg(long)]
    pub simd_only: bool,
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

#[cfg(feature = "bench-simd")]
fn run_bench(args: &BenchArgs) -> Result<(), String> {
    bench::run(args)
}

/// Without the backends compiled in, re-run xtask with them, optimized: a
/// benchmark of unoptimized code would measure nothing useful.
#[cfg(not(feature = "bench-simd"))]
fn run_bench(args: &BenchArgs) -> Result<(), String> {
    let feature = bench_feature(args.simd_only, || test::system_check(false))?;
    let mut forwarded: Vec<String> = std::env::args().skip(1).collect();
    if feature == "bench-simd" && !args.simd_only {
        forwarded.push("--simd-only".into());
    }
    let mut c = cmd::cargo();
    c.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "xtask",
        "--features",
        feature,
        "--",
    ]);
    c.args(&forwarded);
    cmd::run_inherit(&mut c)
}

/// The feature `cargo xtask bench` builds the benchmark with: `bench` (both
/// backends) if OpenBLAS and LAPACKE are found or can be installed (as root
/// with apt-get, like `cargo xtask test`), else `bench-simd` (the simd
/// backend alone: DESIGN.md asks for a benchmark of what can run rather than
/// none). `system_check` is only asked without `--simd-only`.
#[cfg_attr(feature = "bench-simd", allow(dead_code))]
fn bench_feature(
    simd_only: bool,
    system_check: impl FnOnce() -> Result<bool, String>,
) -> Result<&'static str, String> {
    if simd_only {
        println!("--simd-only: benchmarking the simd backend alone (built without OpenBLAS)");
        return Ok("bench-simd");
    }
    if system_check()? {
        Ok("bench")
    } else {
        println!(
            "OpenBLAS/LAPACKE are not available and cannot be installed here: benchmarking the \
             simd backend alone (install them as above to compare the backends)"
        );
        Ok("bench-simd")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_feature_falls_back_to_simd_alone() {
        assert_eq!(bench_feature(false, || Ok(true)), Ok("bench"));
        assert_eq!(bench_feature(false, || Ok(false)), Ok("bench-simd"));
        // --simd-only never looks for OpenBLAS.
        let never = || -> Result<bool, String> { Err("must not be called".into()) };
        assert_eq!(bench_feature(true, never), Ok("bench-simd"));
        // A failed install is an error, not a silent fallback.
        assert_eq!(
            bench_feature(false, || Err("apt-get failed".into())),
            Err("apt-get failed".to_string())
        );
    }
}
