//! `cargo xtask bench`: being written.

use crate::BenchArgs;

/// Runs the benchmark.
pub fn run(_args: &BenchArgs) -> Result<(), String> {
    Err("cargo xtask bench is not implemented yet".into())
}
