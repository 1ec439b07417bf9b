//! Support code for the oxblas conformance suite: naive reference algorithms
//! and matrix generators used as oracles by `tests/`.
//!
//! Every test in `tests/` is a generic function `fn name<B: Backend, T:
//! Scalar>()`, instantiated once per compiled backend (`OpenBlas`, `Simd`,
//! and the dispatcher `oxblas::Auto`) and element type by [`backend_tests!`]:
//! adding a backend is one line in that macro. [`cross_backend_tests!`] does
//! the same for pairs of backends.
//!
//! | file | what |
//! |---|---|
//! | `tests/blas1.rs` | dot, axpy, scal, copy, swap, nrm2 (overflow-safe), asum, iamax (NaN policy), element-wise, distances |
//! | `tests/blas2.rs` | gemv, ger, trsv, symv over every [`Layout`] |
//! | `tests/blas3.rs` | gemm (transposes, layouts, blocked sizes, threads, broadcast), syrk, trsm, symm, batched |
//! | `tests/factor.rs` | LU, Cholesky, QR, pivoted QR and their solves |
//! | `tests/spectral.rs` | eigh/eigvalsh, eig/eigvals, SVD/singular_values |
//! | `tests/solvers.rs` | solve, inv, det, lstsq, pinv, rank, cond, norms |
//! | `tests/errors.rs` | the exact `Err` of every bad input |
//! | `tests/layout.rs` | oxblas-core's view types |
//! | `tests/proptests.rs` | random shapes/strides/transposes for gemm, gemv, dot, LU, QR |
//! | `tests/cross_backend.rs` | two backends agree on the same inputs |
//!
//! Oracles are computed in `f64` from the exact `f64` images of the inputs
//! ([`naive`]); results are judged by the scaled ratios of [`check`], each
//! with one threshold for `f32` and `f64`.
#![warn(missing_docs)]

pub mod check;
pub mod gen;
pub mod layout;
pub mod naive;
mod rng;

pub use check::*;
pub use layout::{Layout, Stored, StoredVec, VEC_STRIDES};
pub use rng::Rng;

/// Instantiates generic test functions `fn name<B: Backend, T: Scalar>()` as
/// `#[test]`s for every compiled backend and for `f32` and `f64`: a test
/// `gemm_random` becomes `openblas::gemm_random::f32`, `simd::gemm_random::f64`,
/// `auto::gemm_random::f32` (the dispatcher `oxblas::Auto`), ...
///
/// ```text
/// fn gemm_random<B: Backend, T: Scalar>() { /* ... */ }
/// oxblas_suite::backend_tests!(gemm_random, gemv_random);
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        #[cfg(feature = "openblas")]
        mod openblas {
            $crate::__instantiate!(::oxblas_openblas::OpenBlas; $($name),*);
        }
        #[cfg(feature = "simd")]
        mod simd {
            $crate::__instantiate!(::oxblas_simd::Simd; $($name),*);
        }
        #[cfg(any(feature = "openblas", feature = "simd"))]
        mod auto {
            $crate::__instantiate!(::oxblas::Auto; $($name),*);
        }
    };
}

/// Like [`backend_tests!`], for functions `fn name<B1: Backend, B2: Backend,
/// T: Scalar>()` that compare two backends: instantiated for every pair of
/// compiled backends.
#[macro_export]
macro_rules! cross_backend_tests {
    ($($name:ident),* $(,)?) => {
        #[cfg(all(feature = "openblas", feature = "simd"))]
        mod openblas_vs_simd {
            $crate::__instantiate!(::oxblas_openblas::OpenBlas, ::oxblas_simd::Simd; $($name),*);
        }
        #[cfg(feature = "openblas")]
        mod auto_vs_openblas {
            $crate::__instantiate!(::oxblas::Auto, ::oxblas_openblas::OpenBlas; $($name),*);
        }
        #[cfg(feature = "simd")]
        mod auto_vs_simd {
            $crate::__instantiate!(::oxblas::Auto, ::oxblas_simd::Simd; $($name),*);
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __instantiate {
    ($b:ty; $($name:ident),*) => {
        $(
            mod $name {
                #[test]
                fn f32() {
                    super::super::$name::<$b, f32>();
                }
                #[test]
                fn f64() {
                    super::super::$name::<$b, f64>();
                }
            }
        )*
    };
    ($b1:ty, $b2:ty; $($name:ident),*) => {
        $(
            mod $name {
                #[test]
                fn f32() {
                    super::super::$name::<$b1, $b2, f32>();
                }
                #[test]
                fn f64() {
                    super::super::$name::<$b1, $b2, f64>();
                }
            }
        )*
    };
}

/// The README's examples, compiled and run as doc tests so the README cannot
/// drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
