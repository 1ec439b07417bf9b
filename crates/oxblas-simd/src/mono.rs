//! One compiled copy of each heavy entry point per scalar type, made here.
//!
//! Rust compiles a generic function in the crate that names its type
//! arguments, and (in optimized builds) again in every such crate. The
//! backend's methods are generic over `T: Scalar`, so every program, example
//! and test binary that called `Simd::lu::<f64>` compiled the whole of LU,
//! with gemm and trsm under it, anew: one conformance test binary took almost
//! two minutes to build.
//!
//! [`monomorphic!`] defines, for a generic signature, two plain functions
//! with `T` fixed to `f64` and to `f32` (compiled once, in this crate) and a
//! small generic function that picks one of them by `T`'s type id and calls
//! it. Only that dispatch is compiled downstream. The cost at run time is
//! one call, on functions that run for a microsecond or more; the BLAS 1 and
//! 2 forwarders and gemm's small-size paths stay generic and inlinable.

/// Moves `x` into the type `B`.
///
/// # Safety
/// `A` and `B` must be one type, written two ways: `X<T>` and `X<f64>` where
/// the caller has checked that `T` is `f64` (the type ids are equal).
#[inline(always)]
pub(crate) unsafe fn same<A, B>(x: A) -> B {
    debug_assert_eq!(core::mem::size_of::<A>(), core::mem::size_of::<B>());
    let x = core::mem::ManuallyDrop::new(x);
    // SAFETY: `A` and `B` are the same type (the caller's contract), so the
    // bits of `x` are a valid `B`; `x` is never dropped (`ManuallyDrop`), so
    // the value moves into the result exactly once.
    unsafe { core::ptr::read((&*x as *const A).cast::<B>()) }
}

/// `fn name<T>(args) -> R => target;` defines `name<T: Scalar>` calling
/// `target` through one of two non-generic copies, `name::for_f64::run` and
/// `name::for_f32::run`. Argument and result types name the element type `T`;
/// inside each copy `T` is an alias of `f64` or `f32`.
macro_rules! monomorphic {
    ($(
        $(#[$meta:meta])*
        $vis:vis fn $name:ident<T>($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty => $target:path;
    )*) => {$(
        #[allow(non_snake_case, dead_code)]
        mod $name {
            pub(crate) mod for_f64 {
                #[allow(unused_imports)]
                use super::super::*;
                type T = f64;
                #[allow(clippy::too_many_arguments)]
                pub(crate) fn run($($arg: $ty),*) -> $ret {
                    $target($($arg),*)
                }
            }
            pub(crate) mod for_f32 {
                #[allow(unused_imports)]
                use super::super::*;
                type T = f32;
                #[allow(clippy::too_many_arguments)]
                pub(crate) fn run($($arg: $ty),*) -> $ret {
                    $target($($arg),*)
                }
            }
        }

        $(#[$meta])*
        #[inline(always)]
        #[allow(clippy::too_many_arguments)]
        $vis fn $name<T: oxblas_core::Scalar>($($arg: $ty),*) -> $ret {
            use core::any::TypeId;
            if TypeId::of::<T>() == TypeId::of::<f64>() {
                // SAFETY: `T` is `f64`, so each argument's type is the
                // parameter type of `for_f64::run` and its result type is
                // `$ret`: the same types, with `T` spelled `f64`.
                unsafe {
                    $crate::mono::same($name::for_f64::run($($crate::mono::same($arg)),*))
                }
            } else if TypeId::of::<T>() == TypeId::of::<f32>() {
                // SAFETY: as above, with `f32`.
                unsafe {
                    $crate::mono::same($name::for_f32::run($($crate::mono::same($arg)),*))
                }
            } else {
                unreachable!("Scalar is sealed: every Scalar is f32 or f64")
            }
        }
    )*};
}

use crate::gemm::{self, Isa};
use crate::{lapack, level3};
use oxblas_core::{
    Cholesky, Complex, Diag, Distance, Eig, Eigh, Lstsq, Lu, Mat, MatMut, MatRef, Par, PivotedQr,
    Qr, QrMode, Result, Scalar, Side, Svd, SvdMode, Uplo,
};

monomorphic! {
    pub(crate) fn gemm_blocked<T>(
        isa: Isa, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>, par: Par
    ) -> () => gemm::blocked;
    pub(crate) fn syrk<T>(
        uplo: Uplo, alpha: T, a: MatRef<'_, T>, beta: T, c: MatMut<'_, T>
    ) -> Result<()> => level3::syrk;
    pub(crate) fn trsm<T>(
        side: Side, uplo: Uplo, diag: Diag, alpha: T, a: MatRef<'_, T>, b: MatMut<'_, T>
    ) -> Result<()> => level3::trsm;
    pub(crate) fn symm<T>(
        side: Side, uplo: Uplo, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T,
        c: MatMut<'_, T>
    ) -> Result<()> => level3::symm;
    pub(crate) fn gemm_batched<T>(
        alpha: T, a: &[MatRef<'_, T>], b: &[MatRef<'_, T>], beta: T, c: &mut [MatMut<'_, T>]
    ) -> Result<()> => level3::gemm_batched;
    pub(crate) fn pairwise_distances<T>(
        metric: Distance, x: MatRef<'_, T>, y: MatRef<'_, T>, out: MatMut<'_, T>
    ) -> Result<()> => level3::pairwise_distances;

    pub(crate) fn lu<T>(a: MatRef<'_, T>) -> Result<Lu<T>> => lapack::lu::factor;
    pub(crate) fn cholesky<T>(a: MatRef<'_, T>) -> Result<Cholesky<T>> => lapack::cholesky::factor;
    pub(crate) fn qr<T>(a: MatRef<'_, T>) -> Result<Qr<T>> => lapack::qr::factor;
    pub(crate) fn qr_q<T>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>> => lapack::qr::form_q;
    pub(crate) fn qr_pivoted<T>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> =>
        lapack::qr::factor_pivoted;
    pub(crate) fn lu_solve<T>(lu: &Lu<T>, b: MatRef<'_, T>) -> Result<Mat<T>> => lapack::lu::solve;
    pub(crate) fn cholesky_solve<T>(c: &Cholesky<T>, b: MatRef<'_, T>) -> Result<Mat<T>> =>
        lapack::cholesky::solve;
    pub(crate) fn solve<T>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> =>
        lapack::lu::solve_system;
    pub(crate) fn inv<T>(a: MatRef<'_, T>) -> Result<Mat<T>> => inverse;
    pub(crate) fn eigh<T>(a: MatRef<'_, T>) -> Result<Eigh<T>> => lapack::eigh::eigh;
    pub(crate) fn eigvalsh<T>(a: MatRef<'_, T>) -> Result<Vec<T>> => lapack::eigh::eigvalsh;
    pub(crate) fn eig<T>(a: MatRef<'_, T>) -> Result<Eig<T>> => lapack::eig::eig;
    pub(crate) fn eigvals<T>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> => lapack::eig::eigvals;
    pub(crate) fn svd<T>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>> => lapack::svd::svd;
    pub(crate) fn singular_values<T>(a: MatRef<'_, T>) -> Result<Vec<T>> =>
        lapack::svd::singular_values;
    pub(crate) fn lstsq<T>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: Option<T>) -> Result<Lstsq<T>> =>
        lapack::lstsq::lstsq;
}

/// The inverse through LU (square check first, so a non-square input is
/// reported as such rather than by the factorization).
fn inverse<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
    oxblas_core::validate::square(oxblas_core::Op::Inv, a.shape())?;
    lapack::lu::inverse(&lapack::lu::factor(a)?)
}

#[cfg(test)]
mod tests {
    use oxblas_core::{Mat, MatRef, Scalar};

    fn sum_generic<T: Scalar>(a: MatRef<'_, T>, scale: T) -> (Mat<T>, T) {
        let mut out = Mat::zeros(a.rows(), a.cols());
        let mut s = T::ZERO;
        for i in 0..a.rows() {
            for j in 0..a.cols() {
                out[(i, j)] = a[(i, j)] * scale;
                s += a[(i, j)];
            }
        }
        (out, s)
    }

    monomorphic! {
        fn sum_mono<T>(a: MatRef<'_, T>, scale: T) -> (Mat<T>, T) => sum_generic;
    }

    #[test]
    fn both_types_reach_their_copy_and_values_survive() {
        let a = Mat::from_fn(3, 2, |i, j| (i * 2 + j) as f64);
        let (m, s) = sum_mono(a.as_ref(), 2.0);
        assert_eq!(s, 15.0);
        assert_eq!(m, sum_generic(a.as_ref(), 2.0).0);
        let b = Mat::from_fn(2, 3, |i, j| (i + 3 * j) as f32);
        let (m, s) = sum_mono(b.t(), 0.5f32);
        assert_eq!(s, 21.0);
        assert_eq!(m.rows(), 3);
        assert_eq!(m, sum_generic(b.t(), 0.5f32).0);
    }
}
