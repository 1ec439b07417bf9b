//! LU factorization with partial pivoting, $PA = LU$, and what it gives:
//! solves, the inverse, the determinant and a condition estimate.
//!
//! The factorization is recursive on columns (Toledo's algorithm): the left
//! half is factored, its row interchanges applied to the right half, the
//! top-right block solved with the unit lower triangle, the bottom-right
//! block updated by one gemm, and the bottom-right block factored in turn.
//! Almost all flops run in [`crate::gemm::gemm`]; panels at most
//! `LEAF` columns wide run an unblocked, vectorized kernel. The working
//! matrix is row-major, so row interchanges are contiguous swaps. With more
//! than one thread the factorization runs in one spinning thread team
//! (`crate::team`) whose members share each interchange, solve, update and tall leaf
//! step by column or row parts; the factors are bitwise the same as with one
//! thread. The inverse follows LAPACK's `getri` for large orders.
//!
//! ```
//! use oxblas_core::Mat;
//! use oxblas_simd::lapack::lu;
//! let a = Mat::from_rows(&[[2.0, 1.0], [4.0, 3.0]])?;
//! let f = lu::factor(a.as_ref())?;
//! assert_eq!(f.pivots, vec![1, 1]);               // rows 0 and 1 swapped
//! assert!((lu::det(a.as_ref())? - 2.0f64).abs() < 1e-12);
//! let x = lu::solve(&f, Mat::from_col(&[3.0, 7.0]).as_ref())?;
//! assert!((x[(0, 0)] - 1.0f64).abs() < 1e-12 && (x[(1, 0)] - 1.0f64).abs() < 1e-12);
//! # Ok::<(), oxblas_core::Error>(())
//! ```

mod factor;
mod inverse;
mod leaf;
mod par;
mod solve;
#[cfg(test)]
mod tests;
mod trsm;

pub use factor::factor;
pub use solve::{det, inverse, norm_one, rcond, solve, solve_system};
