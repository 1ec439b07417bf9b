//! The oxblas backend in pure Rust: explicit SIMD through `pulp` (AVX2+FMA,
//! AVX-512 where pulp allows, NEON, scalar fallback), no C library.
//!
//! [`Simd`] implements [`oxblas_core::Backend`]. BLAS kernels live in
//! [`blas1`], [`blas2`], [`gemm`] and [`level3`]; factorizations and spectral
//! decompositions in [`lapack`].
#![warn(missing_docs)]

pub mod blas1;
pub mod blas2;
pub mod gemm;
pub mod lapack;
pub mod level3;
mod mono;
mod team;
mod threads;

use oxblas_core::{
    validate, Backend, BackendId, Cholesky, Complex, Diag, Distance, Eig, Eigh, Lu, Mat, MatMut,
    MatRef, Op, PivotedQr, Qr, QrMode, Result, Scalar, Side, Svd, SvdMode, Uplo, VecMut, VecRef,
};

pub use threads::{current_par, num_threads, set_num_threads};

/// The pure-Rust SIMD backend.
#[derive(Clone, Copy, Debug, Default)]
pub struct Simd;

impl Backend for Simd {
    const ID: BackendId = BackendId::Simd;

    fn set_num_threads(n: usize) {
        threads::set_num_threads(n)
    }
    fn num_threads() -> usize {
        threads::num_threads()
    }
    fn description() -> String {
        format!(
            "oxblas-simd {} ({})",
            env!("CARGO_PKG_VERSION"),
            gemm::arch_name()
        )
    }

    // The BLAS methods are one call each and `#[inline(always)]`: the
    // dispatcher (`oxblas::Auto`) inlines them into its own caller, where a
    // wrapper left out of line would be one call level more than a direct
    // call of this backend makes (measurable on calls of 30-100 ns).
    #[inline(always)]
    fn dot<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
        blas1::dot(x, y)
    }
    #[inline(always)]
    fn axpy<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        blas1::axpy(alpha, x, y)
    }
    #[inline(always)]
    fn scal<T: Scalar>(alpha: T, x: VecMut<'_, T>) {
        blas1::scal(alpha, x)
    }
    #[inline(always)]
    fn copy<T: Scalar>(x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        blas1::copy(x, y)
    }
    #[inline(always)]
    fn swap<T: Scalar>(x: VecMut<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        blas1::swap(x, y)
    }
    #[inline(always)]
    fn nrm2<T: Scalar>(x: VecRef<'_, T>) -> T {
        blas1::nrm2(x)
    }
    #[inline(always)]
    fn asum<T: Scalar>(x: VecRef<'_, T>) -> T {
        blas1::asum(x)
    }
    #[inline(always)]
    fn iamax<T: Scalar>(x: VecRef<'_, T>) -> Option<usize> {
        blas1::iamax(x)
    }
    #[inline(always)]
    fn add<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        blas1::add(x, y, out)
    }
    #[inline(always)]
    fn sub<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        blas1::sub(x, y, out)
    }
    #[inline(always)]
    fn hadamard<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        blas1::hadamard(x, y, out)
    }
    #[inline(always)]
    fn distance<T: Scalar>(metric: Distance, x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
        blas1::distance(metric, x, y)
    }
    #[inline(always)]
    fn pairwise_distances<T: Scalar>(
        metric: Distance,
        x: MatRef<'_, T>,
        y: MatRef<'_, T>,
        out: MatMut<'_, T>,
    ) -> Result<()> {
        mono::pairwise_distances(metric, x, y, out)
    }

    #[inline(always)]
    fn gemv<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()> {
        blas2::gemv(alpha, a, x, beta, y)
    }
    #[inline(always)]
    fn ger<T: Scalar>(
        alpha: T,
        x: VecRef<'_, T>,
        y: VecRef<'_, T>,
        a: MatMut<'_, T>,
    ) -> Result<()> {
        blas2::ger(alpha, x, y, a)
    }
    #[inline(always)]
    fn trsv<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, x: VecMut<'_, T>) -> Result<()> {
        blas2::trsv(uplo, diag, a, x)
    }
    #[inline(always)]
    fn symv<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()> {
        blas2::symv(uplo, alpha, a, x, beta, y)
    }

    #[inline(always)]
    fn gemm<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        // `gemm::gemm` written out (its check, then the kernel driver), so
        // the caller reaches `gemm_with` directly: that call is the same
        // whether the caller is user code or the dispatcher, which inlines
        // this method into a larger function where `gemm::gemm` itself may
        // not be inlined (an extra call, 1.05-1.09x at 8x8x8).
        validate::gemm(Op::Gemm, a.shape(), b.shape(), c.shape())?;
        gemm::gemm_with(gemm::isa(), alpha, a, b, beta, c, current_par());
        Ok(())
    }
    #[inline(always)]
    fn syrk<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        mono::syrk(uplo, alpha, a, beta, c)
    }
    #[inline(always)]
    fn trsm<T: Scalar>(
        side: Side,
        uplo: Uplo,
        diag: Diag,
        alpha: T,
        a: MatRef<'_, T>,
        b: MatMut<'_, T>,
    ) -> Result<()> {
        mono::trsm(side, uplo, diag, alpha, a, b)
    }
    #[inline(always)]
    fn symm<T: Scalar>(
        side: Side,
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        mono::symm(side, uplo, alpha, a, b, beta, c)
    }
    #[inline(always)]
    fn gemm_batched<T: Scalar>(
        alpha: T,
        a: &[MatRef<'_, T>],
        b: &[MatRef<'_, T>],
        beta: T,
        c: &mut [MatMut<'_, T>],
    ) -> Result<()> {
        mono::gemm_batched(alpha, a, b, beta, c)
    }

    fn lu<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>> {
        mono::lu(a)
    }
    fn cholesky<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
        mono::cholesky(a)
    }
    fn qr<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
        mono::qr(a)
    }
    fn qr_q<T: Scalar>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>> {
        mono::qr_q(qr, mode)
    }
    fn qr_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> {
        mono::qr_pivoted(a)
    }
    fn lu_solve<T: Scalar>(lu: &Lu<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        mono::lu_solve(lu, b)
    }
    fn cholesky_solve<T: Scalar>(c: &Cholesky<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        mono::cholesky_solve(c, b)
    }
    fn solve<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        mono::solve(a, b)
    }
    fn inv<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
        mono::inv(a)
    }
    fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>> {
        mono::eigh(a)
    }
    fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
        mono::eigvalsh(a)
    }
    fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>> {
        mono::eig(a)
    }
    fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> {
        mono::eigvals(a)
    }
    fn svd<T: Scalar>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>> {
        mono::svd(a, mode)
    }
    fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
        mono::singular_values(a)
    }
    fn lstsq<T: Scalar>(
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        rcond: Option<T>,
    ) -> Result<oxblas_core::Lstsq<T>> {
        mono::lstsq(a, b, rcond)
    }
}
