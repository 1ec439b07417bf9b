//! The oxblas backend over OpenBLAS (CBLAS) and LAPACKE: [`OpenBlas`].
//!
//! A safe wrapper: every operation of [`oxblas_core::Backend`] for `f32` and
//! `f64`, on views of any strides. Arguments are checked with
//! [`oxblas_core::validate`] before any C call, so a bad call is an `Err`
//! (the same one the other backends give), never a message from BLAS's
//! `xerbla` or an abort. BLAS needs one unit-stride dimension and a valid
//! leading dimension: a view that has them is passed as it is (row-major
//! views as `CblasRowMajor`, or transposed), and only a view without them is
//! copied. Factorizations work, as LAPACK does, on one column-major working
//! copy per call and use the drivers numpy uses (`?gesv`, `?getrf`,
//! `?potrf`, `?geqrf`, `?geqp3`, `?syevd`, `?geev`, `?gesdd`, `?gelsd`).
//!
//! ```
//! use oxblas_core::{Backend, Mat};
//! use oxblas_openblas::OpenBlas;
//!
//! let a = Mat::<f64>::from_rows(&[[4.0, 1.0], [2.0, 3.0]])?;
//! let mut c = Mat::<f64>::zeros(2, 2);
//! OpenBlas::gemm(1.0, a.as_ref(), a.t(), 0.0, c.as_mut())?; // C = A A^T
//! assert_eq!(c[(0, 1)], 11.0);
//! let x = OpenBlas::solve(a.as_ref(), Mat::from_col(&[6.0, 8.0]).as_ref())?;
//! assert!((x[(0, 0)] - 1.0).abs() < 1e-12 && (x[(1, 0)] - 2.0).abs() < 1e-12);
//! # Ok::<(), oxblas_core::Error>(())
//! ```
//!
//! Linking: OpenBLAS through `openblas-src` (system library), plus
//! `liblapacke` (Debian's OpenBLAS does not export the LAPACKE symbols).
#![warn(missing_docs)]

// Links libopenblas.
extern crate openblas_src;

mod blas1;
mod blas2;
mod blas3;
mod convert;
mod dispatch;
mod distance;
mod elem;
mod ffi;
mod lapack;
mod layout;

use oxblas_core::{
    Backend, BackendId, Cholesky, Complex, Diag, Distance, Eig, Eigh, Lstsq, Lu, Mat, MatMut,
    MatRef, PivotedQr, Qr, QrMode, Result, Scalar, Side, Svd, SvdMode, Uplo, VecMut, VecRef,
};

use crate::dispatch::{dispatch, S};

/// The OpenBLAS + LAPACKE backend.
///
/// A unit type: every operation is an associated function of
/// [`Backend`]. See the crate documentation for how views are handed to C.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenBlas;

/// Sets the number of threads OpenBLAS uses for subsequent calls, process
/// wide (`n == 0` is taken as 1).
pub fn set_num_threads(n: usize) {
    let n = n.clamp(1, i32::MAX as usize) as i32;
    // SAFETY: takes a plain int; OpenBLAS clamps it to its compiled maximum.
    unsafe { ffi::openblas_set_num_threads(n) }
}

/// The number of threads OpenBLAS currently uses (at least 1).
pub fn num_threads() -> usize {
    // SAFETY: no arguments; reads OpenBLAS's thread count.
    let n = unsafe { ffi::openblas_get_num_threads() };
    n.max(1) as usize
}

/// OpenBLAS's build configuration, e.g.
/// `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"`.
pub fn config() -> String {
    // SAFETY: no arguments.
    let p = unsafe { ffi::openblas_get_config() };
    if p.is_null() {
        return String::from("OpenBLAS (unknown configuration)");
    }
    // SAFETY: OpenBLAS returns a pointer to a static NUL-terminated string.
    let s = unsafe { core::ffi::CStr::from_ptr(p) };
    s.to_string_lossy().trim().to_owned()
}

impl Backend for OpenBlas {
    const ID: BackendId = BackendId::OpenBlas;

    fn set_num_threads(n: usize) {
        set_num_threads(n)
    }
    fn num_threads() -> usize {
        num_threads()
    }
    fn description() -> String {
        format!("{} + LAPACKE, {} threads", config(), num_threads())
    }

    // ------------------------------------------------------------ BLAS 1
    fn dot<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
        dispatch!(T, blas1::dot(x, y))
    }
    fn axpy<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas1::axpy(S(alpha), x, y))
    }
    fn scal<T: Scalar>(alpha: T, x: VecMut<'_, T>) {
        dispatch!(T, blas1::scal(S(alpha), x))
    }
    fn copy<T: Scalar>(x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas1::copy(x, y))
    }
    fn swap<T: Scalar>(x: VecMut<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas1::swap(x, y))
    }
    #[inline(always)]
    fn nrm2<T: Scalar>(x: VecRef<'_, T>) -> T {
        dispatch!(T, blas1::nrm2(x))
    }
    fn asum<T: Scalar>(x: VecRef<'_, T>) -> T {
        dispatch!(T, blas1::asum(x))
    }
    fn iamax<T: Scalar>(x: VecRef<'_, T>) -> Option<usize> {
        dispatch!(T, blas1::iamax(x))
    }
    fn add<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas1::add(x, y, out))
    }
    fn sub<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas1::sub(x, y, out))
    }
    fn hadamard<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas1::hadamard(x, y, out))
    }
    fn distance<T: Scalar>(metric: Distance, x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
        dispatch!(T, distance::distance(metric, x, y))
    }
    fn pairwise_distances<T: Scalar>(
        metric: Distance,
        x: MatRef<'_, T>,
        y: MatRef<'_, T>,
        out: MatMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, distance::pairwise(metric, x, y, out))
    }

    // ------------------------------------------------------------ BLAS 2
    fn gemv<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas2::gemv(S(alpha), a, x, S(beta), y))
    }
    fn ger<T: Scalar>(
        alpha: T,
        x: VecRef<'_, T>,
        y: VecRef<'_, T>,
        a: MatMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas2::ger(S(alpha), x, y, a))
    }
    fn trsv<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, x: VecMut<'_, T>) -> Result<()> {
        dispatch!(T, blas2::trsv(uplo, diag, a, x))
    }
    fn symv<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas2::symv(uplo, S(alpha), a, x, S(beta), y))
    }

    // ------------------------------------------------------------ BLAS 3
    fn gemm<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas3::gemm(S(alpha), a, b, S(beta), c))
    }
    fn syrk<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas3::syrk(uplo, S(alpha), a, S(beta), c))
    }
    fn trsm<T: Scalar>(
        side: Side,
        uplo: Uplo,
        diag: Diag,
        alpha: T,
        a: MatRef<'_, T>,
        b: MatMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas3::trsm(side, uplo, diag, S(alpha), a, b))
    }
    fn symm<T: Scalar>(
        side: Side,
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        dispatch!(T, blas3::symm(side, uplo, S(alpha), a, b, S(beta), c))
    }

    // ---------------------------------------------------- factorizations
    fn lu<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>> {
        dispatch!(T, lapack::lu::lu(a))
    }
    fn lu_solve<T: Scalar>(lu: &Lu<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        dispatch!(T, lapack::lu::lu_solve(lu, b))
    }
    fn cholesky<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
        dispatch!(T, lapack::cholesky::cholesky(a))
    }
    fn cholesky_solve<T: Scalar>(c: &Cholesky<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        dispatch!(T, lapack::cholesky::cholesky_solve(c, b))
    }
    fn qr<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
        dispatch!(T, lapack::qr::qr(a))
    }
    fn qr_q<T: Scalar>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>> {
        dispatch!(T, lapack::qr::qr_q(qr, mode))
    }
    fn qr_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> {
        dispatch!(T, lapack::qr::qr_pivoted(a))
    }
    fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>> {
        dispatch!(T, lapack::eigh::eigh(a))
    }
    fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
        dispatch!(T, lapack::eigh::eigvalsh(a))
    }
    fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>> {
        dispatch!(T, lapack::eig::eig(a))
    }
    fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> {
        dispatch!(T, lapack::eig::eigvals(a))
    }
    fn svd<T: Scalar>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>> {
        dispatch!(T, lapack::svd::svd(a, mode))
    }
    fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
        dispatch!(T, lapack::svd::singular_values(a))
    }

    // ----------------------------------------------- solvers and derived
    fn solve<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        dispatch!(T, lapack::lu::solve(a, b))
    }
    fn inv<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
        dispatch!(T, lapack::lu::inv(a))
    }
    fn det<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
        dispatch!(T, lapack::lu::det(a))
    }
    fn lstsq<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: Option<T>) -> Result<Lstsq<T>> {
        dispatch!(T, lapack::lstsq::lstsq(a, b, rcond))
    }
}
