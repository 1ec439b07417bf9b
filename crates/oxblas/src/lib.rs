//! Fast, safe linear algebra for Rust: BLAS, LAPACK-style factorizations and
//! solvers, dispatched per call to the fastest backend on this machine.
//!
//! Two backends implement every operation: `openblas` (a safe wrapper over
//! OpenBLAS and LAPACKE) and `simd` (pure Rust with explicit SIMD). The
//! dispatcher routes each call by operation, element type, size and thread
//! count, from measurements that `cargo xtask bench` saves ([`wisdom`]).
//! Pin a backend with the cargo features (`simd`, `openblas`), the
//! `OXBLAS_BACKEND=openblas|simd|auto` environment variable, or a scoped
//! [`with_backend`]; ask why a call goes where it goes with [`explain`].
//!
//! Free functions in the crate root take views ([`MatRef`], anything that
//! converts into a [`VecRef`]) and return owned results, with `Result`
//! wherever a caller can be wrong. [`Mat`] is row-major; `.t()` is a free
//! transpose.
//!
//! ```
//! use oxblas::{BackendId, Mat, Norm};
//!
//! let n = 64;
//! let a = Mat::<f64>::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 + if i == j { 50.0 } else { 0.0 });
//! let b = Mat::<f64>::from_fn(n, 4, |i, j| (i + j) as f64);
//! let mut c2 = Mat::<f64>::zeros(n, 4);
//! let spd = Mat::<f64>::from_fn(n, n, |i, j| if i == j { 4.0 } else { 1.0 / (1 + i + j) as f64 });
//! let sym = Mat::<f64>::from_fn(n, n, |i, j| (i + j) as f64);
//! let tall = Mat::<f64>::from_fn(3 * n, 4, |i, j| (i as f64 / n as f64).powi(j as i32));
//! let y = Mat::<f64>::from_fn(3 * n, 1, |i, _| i as f64);
//! let (x_vec, y_vec) = (vec![1.0; n], (0..n).map(|i| i as f64).collect::<Vec<_>>());
//!
//! let c = oxblas::matmul(a.as_ref(), b.as_ref())?;            // C = A B, dispatched
//! oxblas::gemm(1.0, a.t(), b.as_ref(), 0.0, c2.as_mut())?;      // C2 = A^T B into a view
//!
//! let x = oxblas::solve(a.as_ref(), b.as_ref())?;             // LU with partial pivoting
//! let lu = oxblas::lu(a.as_ref())?;                            // keep the factors
//! let (x2, d) = (lu.solve(b.as_ref())?, lu.det());
//! let chol = oxblas::cholesky(spd.as_ref())?;                  // Err(NotPositiveDefinite { index }) if not
//! let qr = oxblas::qr(a.as_ref())?;   let (q, r) = (qr.q()?, qr.r());
//! let svd = oxblas::svd(a.as_ref())?; // svd.u, svd.s (descending), svd.vt
//! let eig = oxblas::eigh(sym.as_ref())?; // eig.values (ascending), eig.vectors
//! let ls = oxblas::lstsq(tall.as_ref(), y.as_ref())?; // ls.solution, ls.residuals, ls.rank, ls.singular_values
//! let (inv, det, rk) = (oxblas::inv(a.as_ref())?, oxblas::det(a.as_ref())?, oxblas::rank(a.as_ref())?);
//! let dt = oxblas::dot(&x_vec, &y_vec)?;  let nr = oxblas::nrm2(&x_vec);
//!
//! // Pin one backend for a scope; without the `simd` feature this is Err(BackendUnavailable).
//! let fast = oxblas::with_backend(BackendId::Simd, || oxblas::matmul(a.as_ref(), b.as_ref()));
//! println!("{}", oxblas::explain(oxblas::Op::Gemm, oxblas::DType::F64, &[512, 512, 4]));
//!
//! // A few checks that the results fit together.
//! let rel = |m: &Mat<f64>, n: &Mat<f64>| {
//!     let mut diff = m.clone();
//!     for (d, v) in diff.as_mut_slice().iter_mut().zip(n.as_slice()) { *d -= v; }
//!     oxblas::norm(diff.as_ref(), Norm::Fro).unwrap() / oxblas::norm(n.as_ref(), Norm::Fro).unwrap()
//! };
//! assert!(rel(&oxblas::matmul(a.as_ref(), x.as_ref())?, &b) < 1e-12);
//! assert!(rel(&x2, &x) < 1e-12);
//! match fast {
//!     Ok(fast) => assert!(rel(&fast, &c) < 1e-12),
//!     Err(e) => assert_eq!(e, oxblas::Error::BackendUnavailable(BackendId::Simd)),
//! }
//! assert!((d - det).abs() <= 1e-9 * det.abs() && rk == n);
//! assert!(rel(&oxblas::matmul(q.as_ref(), r.as_ref())?, &a) < 1e-12);
//! assert!(chol.l()[(0, 0)] == 2.0 && svd.s[0] >= svd.s[n - 1] && eig.values[0] <= eig.values[n - 1]);
//! assert!(rel(&oxblas::matmul(a.as_ref(), inv.as_ref())?, &Mat::identity(n)) < 1e-12);
//! assert_eq!((ls.rank, ls.solution.shape()), (4, (4, 1)));
//! assert_eq!((dt, nr), ((0..n).sum::<usize>() as f64, (n as f64).sqrt()));
//! # Ok::<(), oxblas::Error>(())
//! ```
#![warn(missing_docs)]

mod auto;
mod blas;
pub mod dispatch;
mod ext;
mod lapack;
pub mod ml;
pub mod wisdom;

pub use oxblas_core::{
    Backend, BackendId, Complex, DType, Diag, Distance, Eig, Eigh, Error, Lstsq, Mat, MatMut,
    MatRef, Norm, Op, Par, PivotedQr, QrMode, Result, Scalar, Side, Svd, SvdMode, Uplo, VecMut,
    VecRef,
};

pub use auto::Auto;
pub use blas::{
    add, add_into, asum, axpy, copy, distance, dot, gemm, gemm_batched, gemv, ger, hadamard,
    hadamard_into, iamax, matmul, nrm2, pairwise_distances, pairwise_distances_into, scal, sub,
    sub_into, swap, symm, symv, syrk, trsm, trsv,
};
pub use dispatch::{
    active_backend, explain, num_threads, set_num_threads, with_backend, Explanation, Reason,
};
pub use ext::MatExt;
pub use lapack::{
    cholesky, cond, det, eig, eigh, eigvals, eigvalsh, inv, lstsq, lstsq_with, lu, norm, pinv,
    pinv_with, qr, qr_pivoted, rank, rank_with, singular_values, solve, svd, svd_full, Cholesky,
    Lu, Qr,
};

/// The backends compiled into this build, for pinning one explicitly
/// (`oxblas::backends::Simd::gemm(...)`) or running generic code on it.
pub mod backends {
    #[cfg(feature = "openblas")]
    pub use oxblas_openblas::OpenBlas;
    #[cfg(feature = "simd")]
    pub use oxblas_simd::Simd;
}

/// `use oxblas::prelude::*;` brings the matrix types and the [`MatExt`]
/// methods (`a.matmul(&b)`, `a.solve(&b)`, `a.inv()`, ...) into scope.
pub mod prelude {
    pub use crate::MatExt;
    pub use oxblas_core::{BackendId, Mat, MatMut, MatRef, Scalar, VecMut, VecRef};
}

#[cfg(test)]
mod tests;
