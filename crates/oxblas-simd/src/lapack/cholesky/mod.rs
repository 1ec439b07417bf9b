//! Cholesky factorization $A = LL^T$ of a symmetric positive definite
//! matrix, with solves and the inverse.
//!
//! Orders up to 16 are factored by scalar code in the result's own storage
//! (the packed kernel's setup costs more than their arithmetic).
//! Matrices up to a moderate order (1536) are factored by a packed
//! left-looking kernel (`packed`): the lower triangle is read straight
//! into row panels of the gemm microkernel's layout, columns are computed
//! six at a time by microkernel tiles that update and solve in registers,
//! and the panels are written straight out as the result (no separate
//! copy of the matrix). On a thread team (from order 512) the same kernel
//! runs as a pipeline: the panels are packed by claims of a few panels,
//! then each step's diagonal block and its tiles below are items that the
//! members claim as soon as what they read is done (the diagonal blocks of
//! a pair of steps ahead of the tiles of the pair before, the tiles of two
//! steps panel by panel), with no barrier; every tile is computed by the
//! same operations as on one thread, so the result is the same bit for bit.
//!
//! Larger matrices are factored recursively (potrf-style) on a row-major
//! copy: the leading block is factored, the block below it solved against
//! $L_{11}^T$, the trailing block updated by a rank-k product and factored
//! in turn. The solve is level 3's row-wise right-side trsm, which runs on
//! packed panels (`gemm::trsm`: the gemm microkernel updates each tile and
//! the tile's small triangular solve follows in registers); the update is
//! `gemm::trsm`'s packed loop nest restricted to the lower triangle. Both
//! pack with AVX2 transposes where they apply. Blocks at most `LEAF` wide
//! (256) run the packed kernel in place.
//!
//! With more than one thread the recursion runs inside one spinning thread
//! team (`crate::team`): the copy-in, the solves (row pieces), the updates
//! (row blocks of equal work, each a gemm rectangle and a triangle) and the
//! final squeeze of the padded stride are split into pieces that the
//! members claim as they come free, each piece a sequential kernel; only
//! the leaves (half as wide then) run on one thread.
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
mod packed;
mod solve;
#[cfg(test)]
mod tests;

pub use factor::factor;
#[cfg(test)]
use factor::factor_with;
pub use solve::{inverse, solve};
