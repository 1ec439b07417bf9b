//! Support code for the oxblas conformance suite: naive reference algorithms
//! and matrix generators used as oracles by `tests/`.
//!
//! Every test in `tests/` is a generic function `fn name<B: Backend, T:
//! Scalar>()`, instantiated once per compiled backend and element type by
//! [`backend_tests!`]: adding a backend is one line in that macro.
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
/// ```ignore
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
