//! Cholesky factorization $A = LL^T$ of a symmetric positive definite
//! matrix, with solves and the inverse.
//!
//! Recursive (potrf-style): the leading block is factored, the block below
//! it solved against $L_{11}^T$, the trailing block updated by a rank-k
//! product and factored in turn. Triangular solves and rank-k updates are
//! the crate's level-3 [`crate::level3::trsm`] and
//! [`crate::level3::syrk`] (lower triangle only); blocks at most `LEAF`
//! wide run an unblocked left-looking kernel on a transposed copy, where
//! every update is a contiguous, fused multiply-add over four rows.
//!
//! ```
//! use oxblas_core::Mat;
//! use oxblas_simd::lapack::cholesky;
//! let a = Mat::from_rows(&[[4.0, 2.0], [2.0, 5.0]])?;
//! let c = cholesky::factor(a.as_ref())?;
//! assert_eq!(c.l[(1, 0)], 1.0f64);
//! assert_eq!(c.l[(1, 1)], 2.0);
//! let x = cholesky::solve(&c, Mat::from_col(&[6.0, 7.0]).as_ref())?;
//! assert!((x[(0, 0)] - 1.0f64).abs() < 1e-12 && (x[(1, 0)] - 1.0f64).abs() < 1e-12);
//! # Ok::<(), oxblas_core::Error>(())
//! ```

mod factor;
mod solve;
#[cfg(test)]
mod tests;

pub use factor::factor;
pub use solve::{inverse, solve};
