//! [`Auto`]: the [`Backend`] that routes every call through the dispatcher.

use oxblas_core::{
    Backend, BackendId, Cholesky, Complex, Diag, Distance, Eig, Eigh, Error, Lstsq, Lu, Mat,
    MatMut, MatRef, Norm, Op, PivotedQr, Qr, QrMode, Result, Scalar, Side, Svd, SvdMode, Uplo,
    VecMut, VecRef,
};

#[cfg(feature = "openblas")]
use oxblas_openblas::OpenBlas;
#[cfg(feature = "simd")]
use oxblas_simd::Simd;

#[cfg(feature = "simd")]
use crate::dispatch::FAST_SIMD;
use crate::dispatch::{choose, choose_infallible, fast_choice};
#[cfg(feature = "openblas")]
use crate::dispatch::{on_rayon_worker, FAST_OPENBLAS, FAST_OPENBLAS_PINNED};

/// The dispatching backend: each call runs on the backend the dispatcher
/// picks for its operation, element type, size and thread count (see
/// [`explain`](crate::explain)).
///
/// Every free function of this crate calls `Auto`; it implements
/// [`Backend`] so that code generic over backends (such as the conformance
/// suite) can run on it too. Derived operations (solve, inv, lstsq, ...) are
/// routed as a whole, so a backend's own faster driver is used.
///
/// `Auto::ID` names the backend `Auto` prefers when no table decides
/// (OpenBLAS if compiled in); the backend of an actual call is
/// [`active_backend`](crate::active_backend).
#[derive(Clone, Copy, Debug, Default)]
pub struct Auto;

/// Runs the full dispatch (`choose`: scoped overrides, the table built on
/// first use, the rayon rule) out of line, so that the fast path of every
/// `Auto` method is the table read and the backend call alone.
#[cold]
#[inline(never)]
fn slow_path<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The fast path shared by `route!` and `route_infallible!`: returns from
/// the enclosing method with the backend's result when [`fast_choice`]
/// settles the call; falls through to the caller's slow path otherwise.
macro_rules! fast_route {
    ($op:ident, $dtype:ident, [$($dim:expr),*], $method:ident($($arg:expr),*)) => {
        let code = fast_choice($op, $dtype, &[$($dim),*]);
        #[cfg(feature = "simd")]
        if code == FAST_SIMD {
            return <Simd as Backend>::$method($($arg),*);
        }
        #[cfg(feature = "openblas")]
        if code == FAST_OPENBLAS_PINNED || (code == FAST_OPENBLAS && !on_rayon_worker()) {
            return <OpenBlas as Backend>::$method($($arg),*);
        }
    };
}

/// Runs `$method` on the chosen backend.
///
/// Fast path: [`fast_choice`] reads one byte of the table (no lock, no call,
/// no thread-local access) and the method runs on the SIMD backend directly
/// or on OpenBLAS (after the rayon-worker check unless pinned). Both calls
/// are made in place, as the caller would make them on the backend: an
/// out-of-line trampoline for OpenBLAS cost up to 8 ns on a 43 ns call
/// (nrm2 f32 n = 64: 1.17x of the direct call, 1.03x without), and the
/// `Auto` methods of the BLAS levels are `#[inline(always)]`, so that the
/// backend's wrapper is inlined into the caller as it is on a direct call
/// (out of line, every call paid one more call level: 1.06-1.14x on 8 to
/// 64-element vector calls, 1.11x on gemm 8x8x8; with a plain `#[inline]`
/// the compiler still left `trsm` out of line in the bench, 1.03x at 8x8).
/// Anything else (a scoped override open, the table not built yet, OpenBLAS
/// asked for on a rayon worker) takes [`slow_path`] through [`choose`](crate::dispatch), which
/// returns `Err(BackendUnavailable)` for a backend that is not compiled in
/// (only possible under `with_backend`). The closures move their arguments,
/// so the fast path does not keep them in memory for the slow path.
macro_rules! route {
    ($op:expr, $t:ty, [$($dim:expr),*], $method:ident($($arg:expr),*)) => {{
        let (op, dtype) = ($op, <$t as Scalar>::DTYPE);
        fast_route!(op, dtype, [$($dim),*], $method($($arg),*));
        slow_path(move || match choose(op, dtype, &[$($dim),*]) {
            #[cfg(feature = "simd")]
            Ok(BackendId::Simd) => <Simd as Backend>::$method($($arg),*),
            #[cfg(feature = "openblas")]
            Ok(BackendId::OpenBlas) => <OpenBlas as Backend>::$method($($arg),*),
            #[allow(unreachable_patterns)]
            Ok(id) => Err(Error::BackendUnavailable(id)),
            Err(e) => Err(e),
        })
    }};
}

/// As `route!`, for operations that cannot fail: an override naming a
/// backend that is not compiled in runs on a compiled one.
macro_rules! route_infallible {
    ($op:expr, $t:ty, [$($dim:expr),*], $method:ident($($arg:expr),*)) => {{
        let (op, dtype) = ($op, <$t as Scalar>::DTYPE);
        fast_route!(op, dtype, [$($dim),*], $method($($arg),*));
        slow_path(move || match choose_infallible(op, dtype, &[$($dim),*]) {
            #[cfg(feature = "openblas")]
            BackendId::OpenBlas => <OpenBlas as Backend>::$method($($arg),*),
            #[cfg(feature = "simd")]
            _ => <Simd as Backend>::$method($($arg),*),
            #[cfg(not(feature = "simd"))]
            _ => <OpenBlas as Backend>::$method($($arg),*),
        })
    }};
}

impl Backend for Auto {
    const ID: BackendId = if cfg!(feature = "openblas") {
        BackendId::OpenBlas
    } else {
        BackendId::Simd
    };

    fn set_num_threads(n: usize) {
        crate::set_num_threads(n)
    }
    fn num_threads() -> usize {
        crate::num_threads()
    }
    fn description() -> String {
        let mut parts = Vec::new();
        #[cfg(feature = "openblas")]
        parts.push(<OpenBlas as Backend>::description());
        #[cfg(feature = "simd")]
        parts.push(<Simd as Backend>::description());
        format!(
            "oxblas {} dispatcher over [{}] ({})",
            env!("CARGO_PKG_VERSION"),
            parts.join("; "),
            crate::wisdom::active_source()
        )
    }

    // ---------------------------------------------------------------- BLAS 1
    #[inline(always)]
    fn dot<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
        route!(Op::Dot, T, [x.len()], dot(x, y))
    }
    #[inline(always)]
    fn axpy<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        route!(Op::Axpy, T, [x.len()], axpy(alpha, x, y))
    }
    #[inline(always)]
    fn scal<T: Scalar>(alpha: T, x: VecMut<'_, T>) {
        route_infallible!(Op::Scal, T, [x.len()], scal(alpha, x))
    }
    #[inline(always)]
    fn copy<T: Scalar>(x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        route!(Op::Copy, T, [x.len()], copy(x, y))
    }
    #[inline(always)]
    fn swap<T: Scalar>(x: VecMut<'_, T>, y: VecMut<'_, T>) -> Result<()> {
        route!(Op::Swap, T, [x.len()], swap(x, y))
    }
    #[inline(always)]
    fn nrm2<T: Scalar>(x: VecRef<'_, T>) -> T {
        route_infallible!(Op::Nrm2, T, [x.len()], nrm2(x))
    }
    #[inline(always)]
    fn asum<T: Scalar>(x: VecRef<'_, T>) -> T {
        route_infallible!(Op::Asum, T, [x.len()], asum(x))
    }
    #[inline(always)]
    fn iamax<T: Scalar>(x: VecRef<'_, T>) -> Option<usize> {
        route_infallible!(Op::Iamax, T, [x.len()], iamax(x))
    }
    #[inline(always)]
    fn add<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        route!(Op::Add, T, [x.len()], add(x, y, out))
    }
    #[inline(always)]
    fn sub<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        route!(Op::Sub, T, [x.len()], sub(x, y, out))
    }
    #[inline(always)]
    fn hadamard<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
        route!(Op::Hadamard, T, [x.len()], hadamard(x, y, out))
    }
    #[inline(always)]
    fn distance<T: Scalar>(metric: Distance, x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
        route!(Op::Distance, T, [x.len()], distance(metric, x, y))
    }
    #[inline(always)]
    fn pairwise_distances<T: Scalar>(
        metric: Distance,
        x: MatRef<'_, T>,
        y: MatRef<'_, T>,
        out: MatMut<'_, T>,
    ) -> Result<()> {
        route!(
            Op::PairwiseDistances,
            T,
            [x.rows(), y.rows(), x.cols()],
            pairwise_distances(metric, x, y, out)
        )
    }

    // ---------------------------------------------------------------- BLAS 2
    #[inline(always)]
    fn gemv<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()> {
        route!(
            Op::Gemv,
            T,
            [a.rows(), a.cols()],
            gemv(alpha, a, x, beta, y)
        )
    }
    #[inline(always)]
    fn ger<T: Scalar>(
        alpha: T,
        x: VecRef<'_, T>,
        y: VecRef<'_, T>,
        a: MatMut<'_, T>,
    ) -> Result<()> {
        route!(Op::Ger, T, [a.rows(), a.cols()], ger(alpha, x, y, a))
    }
    #[inline(always)]
    fn trsv<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, x: VecMut<'_, T>) -> Result<()> {
        route!(Op::Trsv, T, [a.rows(), a.cols()], trsv(uplo, diag, a, x))
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
        route!(
            Op::Symv,
            T,
            [a.rows(), a.cols()],
            symv(uplo, alpha, a, x, beta, y)
        )
    }

    // ---------------------------------------------------------------- BLAS 3
    #[inline(always)]
    fn gemm<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        route!(
            Op::Gemm,
            T,
            [a.rows(), a.cols(), b.cols()],
            gemm(alpha, a, b, beta, c)
        )
    }
    #[inline(always)]
    fn syrk<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()> {
        route!(
            Op::Syrk,
            T,
            [a.rows(), a.cols()],
            syrk(uplo, alpha, a, beta, c)
        )
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
        route!(
            Op::Trsm,
            T,
            [b.rows(), b.cols()],
            trsm(side, uplo, diag, alpha, a, b)
        )
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
        // C is m x n; the inner dimension is A's order.
        route!(
            Op::Symm,
            T,
            [c.rows(), a.rows(), c.cols()],
            symm(side, uplo, alpha, a, b, beta, c)
        )
    }
    #[inline(always)]
    fn gemm_batched<T: Scalar>(
        alpha: T,
        a: &[MatRef<'_, T>],
        b: &[MatRef<'_, T>],
        beta: T,
        c: &mut [MatMut<'_, T>],
    ) -> Result<()> {
        let (m, k, n) = match (a.first(), b.first()) {
            (Some(a0), Some(b0)) => (a0.rows(), a0.cols(), b0.cols()),
            _ => (0, 0, 0),
        };
        route!(
            Op::GemmBatched,
            T,
            [a.len(), m, k, n],
            gemm_batched(alpha, a, b, beta, c)
        )
    }

    // -------------------------------------------------------- factorizations
    fn lu<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>> {
        route!(Op::Lu, T, [a.rows(), a.cols()], lu(a))
    }
    fn lu_solve<T: Scalar>(lu: &Lu<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        route!(Op::LuSolve, T, [lu.n(), b.cols()], lu_solve(lu, b))
    }
    fn cholesky<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
        route!(Op::Cholesky, T, [a.rows(), a.cols()], cholesky(a))
    }
    fn cholesky_solve<T: Scalar>(c: &Cholesky<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        route!(
            Op::CholeskySolve,
            T,
            [c.l.rows(), b.cols()],
            cholesky_solve(c, b)
        )
    }
    fn qr<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
        route!(Op::Qr, T, [a.rows(), a.cols()], qr(a))
    }
    fn qr_q<T: Scalar>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>> {
        route!(
            Op::QrQ,
            T,
            [qr.factors.rows(), qr.factors.cols()],
            qr_q(qr, mode)
        )
    }
    fn qr_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> {
        route!(Op::QrPivoted, T, [a.rows(), a.cols()], qr_pivoted(a))
    }
    fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>> {
        route!(Op::Eigh, T, [a.rows(), a.cols()], eigh(a))
    }
    fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
        route!(Op::Eigvalsh, T, [a.rows(), a.cols()], eigvalsh(a))
    }
    fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>> {
        route!(Op::Eig, T, [a.rows(), a.cols()], eig(a))
    }
    fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> {
        route!(Op::Eigvals, T, [a.rows(), a.cols()], eigvals(a))
    }
    fn svd<T: Scalar>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>> {
        route!(Op::Svd, T, [a.rows(), a.cols()], svd(a, mode))
    }
    fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
        route!(
            Op::SingularValues,
            T,
            [a.rows(), a.cols()],
            singular_values(a)
        )
    }

    // ---------------------------------------------------- solvers and derived
    fn solve<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        route!(Op::Solve, T, [a.rows(), a.cols()], solve(a, b))
    }
    fn inv<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
        route!(Op::Inv, T, [a.rows(), a.cols()], inv(a))
    }
    fn det<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
        route!(Op::Det, T, [a.rows(), a.cols()], det(a))
    }
    fn lstsq<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: Option<T>) -> Result<Lstsq<T>> {
        route!(Op::Lstsq, T, [a.rows(), a.cols()], lstsq(a, b, rcond))
    }
    fn pinv<T: Scalar>(a: MatRef<'_, T>, rcond: Option<T>) -> Result<Mat<T>> {
        route!(Op::Pinv, T, [a.rows(), a.cols()], pinv(a, rcond))
    }
    fn rank<T: Scalar>(a: MatRef<'_, T>, tol: Option<T>) -> Result<usize> {
        route!(Op::Rank, T, [a.rows(), a.cols()], rank(a, tol))
    }
    fn cond<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
        route!(Op::Cond, T, [a.rows(), a.cols()], cond(a))
    }
    fn norm<T: Scalar>(a: MatRef<'_, T>, kind: Norm) -> Result<T> {
        route!(Op::Norm, T, [a.rows(), a.cols()], norm(a, kind))
    }
}
