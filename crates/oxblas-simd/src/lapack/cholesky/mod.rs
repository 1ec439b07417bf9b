//! Cholesky factorization $A = LL^T$ of a symmetric positive definite
//! matrix, with solves and the inverse.
//!
//! Recursive (potrf-style): the leading block is factored, the block below
//! it solved against $L_{11}^T$, the trailing block updated by a rank-k
//! product and factored in turn. The solve is level 3's row-wise right-side
//! trsm (rows of the row-major factor are contiguous: 4 x 4 tiles of dot
//! products, no transposing copy, rows split over threads); the update is
//! [`crate::level3::syrk`] (lower triangle only). Blocks at most `LEAF`
//! wide run a left-looking kernel on the same tiles, four columns at a
//! time, in row chunks that stay in L1.
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
#[cfg(test)]
use factor::factor_with;
pub use solve::{inverse, solve};
