//! [`Elem`]: the CBLAS and LAPACKE routines of one element type under one
//! name, so that every algorithm in this crate is written once, generic over
//! `E: Elem`, and instantiated for `f32` (`s` routines) and `f64` (`d`).
//!
//! Every function is a thin `unsafe` forward to C with the same contract as
//! the C routine: the caller guarantees that every pointer and slice covers
//! what the routine reads and writes for the given dimensions, increments and
//! leading dimensions, and that those arguments are ones the routine accepts
//! (BLAS's `xerbla` would print and may abort the process otherwise). The
//! LAPACK functions are the column-major LAPACKE `_work` variants: they call
//! Fortran LAPACK directly (no transposition, no NaN scan, no allocation).

// The argument lists mirror the C routines one to one.
#![allow(clippy::too_many_arguments)]

use cblas_sys::{CBLAS_DIAG, CBLAS_LAYOUT, CBLAS_SIDE, CBLAS_TRANSPOSE, CBLAS_UPLO};
use lapacke::Layout;
use oxblas_core::Scalar;

/// An element type with CBLAS and LAPACK routines: `f32` or `f64`.
pub(crate) trait Elem: Scalar {
    // ------------------------------------------------------------- BLAS 1
    unsafe fn dot(n: i32, x: *const Self, incx: i32, y: *const Self, incy: i32) -> Self;
    unsafe fn axpy(n: i32, alpha: Self, x: *const Self, incx: i32, y: *mut Self, incy: i32);
    unsafe fn scal(n: i32, alpha: Self, x: *mut Self, incx: i32);
    unsafe fn copy(n: i32, x: *const Self, incx: i32, y: *mut Self, incy: i32);
    unsafe fn swap(n: i32, x: *mut Self, incx: i32, y: *mut Self, incy: i32);
    unsafe fn nrm2(n: i32, x: *const Self, incx: i32) -> Self;
    unsafe fn asum(n: i32, x: *const Self, incx: i32) -> Self;
    /// 0-based index of the first largest `|x_i|` (CBLAS convention).
    unsafe fn iamax(n: i32, x: *const Self, incx: i32) -> usize;

    // ------------------------------------------------------------- BLAS 2
    unsafe fn gemv(
        order: CBLAS_LAYOUT,
        trans: CBLAS_TRANSPOSE,
        m: i32,
        n: i32,
        alpha: Self,
        a: *const Self,
        lda: i32,
        x: *const Self,
        incx: i32,
        beta: Self,
        y: *mut Self,
        incy: i32,
    );
    unsafe fn ger(
        order: CBLAS_LAYOUT,
        m: i32,
        n: i32,
        alpha: Self,
        x: *const Self,
        incx: i32,
        y: *const Self,
        incy: i32,
        a: *mut Self,
        lda: i32,
    );
    unsafe fn trsv(
        order: CBLAS_LAYOUT,
        uplo: CBLAS_UPLO,
        trans: CBLAS_TRANSPOSE,
        diag: CBLAS_DIAG,
        n: i32,
        a: *const Self,
        lda: i32,
        x: *mut Self,
        incx: i32,
    );
    unsafe fn symv(
        order: CBLAS_LAYOUT,
        uplo: CBLAS_UPLO,
        n: i32,
        alpha: Self,
        a: *const Self,
        lda: i32,
        x: *const Self,
        incx: i32,
        beta: Self,
        y: *mut Self,
        incy: i32,
    );

    // ------------------------------------------------------------- BLAS 3
    unsafe fn gemm(
        order: CBLAS_LAYOUT,
        ta: CBLAS_TRANSPOSE,
        tb: CBLAS_TRANSPOSE,
        m: i32,
        n: i32,
        k: i32,
        alpha: Self,
        a: *const Self,
        lda: i32,
        b: *const Self,
        ldb: i32,
        beta: Self,
        c: *mut Self,
        ldc: i32,
    );
    unsafe fn syrk(
        order: CBLAS_LAYOUT,
        uplo: CBLAS_UPLO,
        trans: CBLAS_TRANSPOSE,
        n: i32,
        k: i32,
        alpha: Self,
        a: *const Self,
        lda: i32,
        beta: Self,
        c: *mut Self,
        ldc: i32,
    );
    unsafe fn trsm(
        order: CBLAS_LAYOUT,
        side: CBLAS_SIDE,
        uplo: CBLAS_UPLO,
        trans: CBLAS_TRANSPOSE,
        diag: CBLAS_DIAG,
        m: i32,
        n: i32,
        alpha: Self,
        a: *const Self,
        lda: i32,
        b: *mut Self,
        ldb: i32,
    );
    unsafe fn symm(
        order: CBLAS_LAYOUT,
        side: CBLAS_SIDE,
        uplo: CBLAS_UPLO,
        m: i32,
        n: i32,
        alpha: Self,
        a: *const Self,
        lda: i32,
        b: *const Self,
        ldb: i32,
        beta: Self,
        c: *mut Self,
        ldc: i32,
    );

    // ------------------------------------------- LAPACK (column-major, _work)
    unsafe fn getrf(m: i32, n: i32, a: &mut [Self], lda: i32, ipiv: &mut [i32]) -> i32;
    unsafe fn getri(
        n: i32,
        a: &mut [Self],
        lda: i32,
        ipiv: &[i32],
        work: &mut [Self],
        lwork: i32,
    ) -> i32;
    unsafe fn gesv(
        n: i32,
        nrhs: i32,
        a: &mut [Self],
        lda: i32,
        ipiv: &mut [i32],
        b: &mut [Self],
        ldb: i32,
    ) -> i32;
    unsafe fn potrf(uplo: u8, n: i32, a: &mut [Self], lda: i32) -> i32;
    unsafe fn potrs(
        uplo: u8,
        n: i32,
        nrhs: i32,
        a: &[Self],
        lda: i32,
        b: &mut [Self],
        ldb: i32,
    ) -> i32;
    unsafe fn geqrf(
        m: i32,
        n: i32,
        a: &mut [Self],
        lda: i32,
        tau: &mut [Self],
        work: &mut [Self],
        lwork: i32,
    ) -> i32;
    unsafe fn orgqr(
        m: i32,
        n: i32,
        k: i32,
        a: &mut [Self],
        lda: i32,
        tau: &[Self],
        work: &mut [Self],
        lwork: i32,
    ) -> i32;
    unsafe fn geqp3(
        m: i32,
        n: i32,
        a: &mut [Self],
        lda: i32,
        jpvt: &mut [i32],
        tau: &mut [Self],
        work: &mut [Self],
        lwork: i32,
    ) -> i32;
    unsafe fn syevd(
        jobz: u8,
        uplo: u8,
        n: i32,
        a: &mut [Self],
        lda: i32,
        w: &mut [Self],
        work: &mut [Self],
        lwork: i32,
        iwork: &mut [i32],
        liwork: i32,
    ) -> i32;
    unsafe fn geev(
        jobvl: u8,
        jobvr: u8,
        n: i32,
        a: &mut [Self],
        lda: i32,
        wr: &mut [Self],
        wi: &mut [Self],
        vl: &mut [Self],
        ldvl: i32,
        vr: &mut [Self],
        ldvr: i32,
        work: &mut [Self],
        lwork: i32,
    ) -> i32;
    unsafe fn gesdd(
        jobz: u8,
        m: i32,
        n: i32,
        a: &mut [Self],
        lda: i32,
        s: &mut [Self],
        u: &mut [Self],
        ldu: i32,
        vt: &mut [Self],
        ldvt: i32,
        work: &mut [Self],
        lwork: i32,
        iwork: &mut [i32],
    ) -> i32;
    unsafe fn gelsd(
        m: i32,
        n: i32,
        nrhs: i32,
        a: &mut [Self],
        lda: i32,
        b: &mut [Self],
        ldb: i32,
        s: &mut [Self],
        rcond: Self,
        rank: &mut i32,
        work: &mut [Self],
        lwork: i32,
        iwork: &mut [i32],
    ) -> i32;
}

macro_rules! impl_elem {
    (
        $t:ty;
        $dot:ident, $axpy:ident, $scal:ident, $copy:ident, $swap:ident, $nrm2:ident,
        $asum:ident, $iamax:ident, $gemv:ident, $ger:ident, $trsv:ident, $symv:ident,
        $gemm:ident, $syrk:ident, $trsm:ident, $symm:ident;
        $getrf:ident, $getri:ident, $gesv:ident, $potrf:ident, $potrs:ident, $geqrf:ident,
        $orgqr:ident, $geqp3:ident, $syevd:ident, $geev:ident, $gesdd:ident, $gelsd:ident
    ) => {
        impl Elem for $t {
            #[inline]
            unsafe fn dot(n: i32, x: *const $t, incx: i32, y: *const $t, incy: i32) -> $t {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$dot(n, x, incx, y, incy) }
            }
            #[inline]
            unsafe fn axpy(n: i32, alpha: $t, x: *const $t, incx: i32, y: *mut $t, incy: i32) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$axpy(n, alpha, x, incx, y, incy) }
            }
            #[inline]
            unsafe fn scal(n: i32, alpha: $t, x: *mut $t, incx: i32) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$scal(n, alpha, x, incx) }
            }
            #[inline]
            unsafe fn copy(n: i32, x: *const $t, incx: i32, y: *mut $t, incy: i32) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$copy(n, x, incx, y, incy) }
            }
            #[inline]
            unsafe fn swap(n: i32, x: *mut $t, incx: i32, y: *mut $t, incy: i32) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$swap(n, x, incx, y, incy) }
            }
            #[inline]
            unsafe fn nrm2(n: i32, x: *const $t, incx: i32) -> $t {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$nrm2(n, x, incx) }
            }
            #[inline]
            unsafe fn asum(n: i32, x: *const $t, incx: i32) -> $t {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$asum(n, x, incx) }
            }
            #[inline]
            unsafe fn iamax(n: i32, x: *const $t, incx: i32) -> usize {
                // SAFETY: forwarded contract (module docs). OpenBLAS returns a
                // `size_t`; cblas-sys reads its low 32 bits, which hold the whole
                // value because `n` fits in an `i32`.
                let i = unsafe { cblas_sys::$iamax(n, x, incx) };
                i.max(0) as usize
            }
            #[inline]
            unsafe fn gemv(
                order: CBLAS_LAYOUT,
                trans: CBLAS_TRANSPOSE,
                m: i32,
                n: i32,
                alpha: $t,
                a: *const $t,
                lda: i32,
                x: *const $t,
                incx: i32,
                beta: $t,
                y: *mut $t,
                incy: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    cblas_sys::$gemv(order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy)
                }
            }
            #[inline]
            unsafe fn ger(
                order: CBLAS_LAYOUT,
                m: i32,
                n: i32,
                alpha: $t,
                x: *const $t,
                incx: i32,
                y: *const $t,
                incy: i32,
                a: *mut $t,
                lda: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$ger(order, m, n, alpha, x, incx, y, incy, a, lda) }
            }
            #[inline]
            unsafe fn trsv(
                order: CBLAS_LAYOUT,
                uplo: CBLAS_UPLO,
                trans: CBLAS_TRANSPOSE,
                diag: CBLAS_DIAG,
                n: i32,
                a: *const $t,
                lda: i32,
                x: *mut $t,
                incx: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$trsv(order, uplo, trans, diag, n, a, lda, x, incx) }
            }
            #[inline]
            unsafe fn symv(
                order: CBLAS_LAYOUT,
                uplo: CBLAS_UPLO,
                n: i32,
                alpha: $t,
                a: *const $t,
                lda: i32,
                x: *const $t,
                incx: i32,
                beta: $t,
                y: *mut $t,
                incy: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$symv(order, uplo, n, alpha, a, lda, x, incx, beta, y, incy) }
            }
            #[inline]
            unsafe fn gemm(
                order: CBLAS_LAYOUT,
                ta: CBLAS_TRANSPOSE,
                tb: CBLAS_TRANSPOSE,
                m: i32,
                n: i32,
                k: i32,
                alpha: $t,
                a: *const $t,
                lda: i32,
                b: *const $t,
                ldb: i32,
                beta: $t,
                c: *mut $t,
                ldc: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    cblas_sys::$gemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                }
            }
            #[inline]
            unsafe fn syrk(
                order: CBLAS_LAYOUT,
                uplo: CBLAS_UPLO,
                trans: CBLAS_TRANSPOSE,
                n: i32,
                k: i32,
                alpha: $t,
                a: *const $t,
                lda: i32,
                beta: $t,
                c: *mut $t,
                ldc: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe { cblas_sys::$syrk(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc) }
            }
            #[inline]
            unsafe fn trsm(
                order: CBLAS_LAYOUT,
                side: CBLAS_SIDE,
                uplo: CBLAS_UPLO,
                trans: CBLAS_TRANSPOSE,
                diag: CBLAS_DIAG,
                m: i32,
                n: i32,
                alpha: $t,
                a: *const $t,
                lda: i32,
                b: *mut $t,
                ldb: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    cblas_sys::$trsm(order, side, uplo, trans, diag, m, n, alpha, a, lda, b, ldb)
                }
            }
            #[inline]
            unsafe fn symm(
                order: CBLAS_LAYOUT,
                side: CBLAS_SIDE,
                uplo: CBLAS_UPLO,
                m: i32,
                n: i32,
                alpha: $t,
                a: *const $t,
                lda: i32,
                b: *const $t,
                ldb: i32,
                beta: $t,
                c: *mut $t,
                ldc: i32,
            ) {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    cblas_sys::$symm(order, side, uplo, m, n, alpha, a, lda, b, ldb, beta, c, ldc)
                }
            }

            #[inline]
            unsafe fn getrf(m: i32, n: i32, a: &mut [$t], lda: i32, ipiv: &mut [i32]) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$getrf(Layout::ColumnMajor, m, n, a, lda, ipiv) }
            }
            #[inline]
            unsafe fn getri(
                n: i32,
                a: &mut [$t],
                lda: i32,
                ipiv: &[i32],
                work: &mut [$t],
                lwork: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$getri(Layout::ColumnMajor, n, a, lda, ipiv, work, lwork) }
            }
            #[inline]
            unsafe fn gesv(
                n: i32,
                nrhs: i32,
                a: &mut [$t],
                lda: i32,
                ipiv: &mut [i32],
                b: &mut [$t],
                ldb: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$gesv(Layout::ColumnMajor, n, nrhs, a, lda, ipiv, b, ldb) }
            }
            #[inline]
            unsafe fn potrf(uplo: u8, n: i32, a: &mut [$t], lda: i32) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$potrf(Layout::ColumnMajor, uplo, n, a, lda) }
            }
            #[inline]
            unsafe fn potrs(
                uplo: u8,
                n: i32,
                nrhs: i32,
                a: &[$t],
                lda: i32,
                b: &mut [$t],
                ldb: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$potrs(Layout::ColumnMajor, uplo, n, nrhs, a, lda, b, ldb) }
            }
            #[inline]
            unsafe fn geqrf(
                m: i32,
                n: i32,
                a: &mut [$t],
                lda: i32,
                tau: &mut [$t],
                work: &mut [$t],
                lwork: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$geqrf(Layout::ColumnMajor, m, n, a, lda, tau, work, lwork) }
            }
            #[inline]
            unsafe fn orgqr(
                m: i32,
                n: i32,
                k: i32,
                a: &mut [$t],
                lda: i32,
                tau: &[$t],
                work: &mut [$t],
                lwork: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe { lapacke::$orgqr(Layout::ColumnMajor, m, n, k, a, lda, tau, work, lwork) }
            }
            #[inline]
            unsafe fn geqp3(
                m: i32,
                n: i32,
                a: &mut [$t],
                lda: i32,
                jpvt: &mut [i32],
                tau: &mut [$t],
                work: &mut [$t],
                lwork: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    lapacke::$geqp3(Layout::ColumnMajor, m, n, a, lda, jpvt, tau, work, lwork)
                }
            }
            #[inline]
            unsafe fn syevd(
                jobz: u8,
                uplo: u8,
                n: i32,
                a: &mut [$t],
                lda: i32,
                w: &mut [$t],
                work: &mut [$t],
                lwork: i32,
                iwork: &mut [i32],
                liwork: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    lapacke::$syevd(
                        Layout::ColumnMajor,
                        jobz,
                        uplo,
                        n,
                        a,
                        lda,
                        w,
                        work,
                        lwork,
                        iwork,
                        liwork,
                    )
                }
            }
            #[inline]
            unsafe fn geev(
                jobvl: u8,
                jobvr: u8,
                n: i32,
                a: &mut [$t],
                lda: i32,
                wr: &mut [$t],
                wi: &mut [$t],
                vl: &mut [$t],
                ldvl: i32,
                vr: &mut [$t],
                ldvr: i32,
                work: &mut [$t],
                lwork: i32,
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    lapacke::$geev(
                        Layout::ColumnMajor,
                        jobvl,
                        jobvr,
                        n,
                        a,
                        lda,
                        wr,
                        wi,
                        vl,
                        ldvl,
                        vr,
                        ldvr,
                        work,
                        lwork,
                    )
                }
            }
            #[inline]
            unsafe fn gesdd(
                jobz: u8,
                m: i32,
                n: i32,
                a: &mut [$t],
                lda: i32,
                s: &mut [$t],
                u: &mut [$t],
                ldu: i32,
                vt: &mut [$t],
                ldvt: i32,
                work: &mut [$t],
                lwork: i32,
                iwork: &mut [i32],
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    lapacke::$gesdd(
                        Layout::ColumnMajor,
                        jobz,
                        m,
                        n,
                        a,
                        lda,
                        s,
                        u,
                        ldu,
                        vt,
                        ldvt,
                        work,
                        lwork,
                        iwork,
                    )
                }
            }
            #[inline]
            unsafe fn gelsd(
                m: i32,
                n: i32,
                nrhs: i32,
                a: &mut [$t],
                lda: i32,
                b: &mut [$t],
                ldb: i32,
                s: &mut [$t],
                rcond: $t,
                rank: &mut i32,
                work: &mut [$t],
                lwork: i32,
                iwork: &mut [i32],
            ) -> i32 {
                // SAFETY: forwarded contract (module docs).
                unsafe {
                    lapacke::$gelsd(
                        Layout::ColumnMajor,
                        m,
                        n,
                        nrhs,
                        a,
                        lda,
                        b,
                        ldb,
                        s,
                        rcond,
                        rank,
                        work,
                        lwork,
                        iwork,
                    )
                }
            }
        }
    };
}

impl_elem!(
    f32;
    cblas_sdot, cblas_saxpy, cblas_sscal, cblas_scopy, cblas_sswap, cblas_snrm2,
    cblas_sasum, cblas_isamax, cblas_sgemv, cblas_sger, cblas_strsv, cblas_ssymv,
    cblas_sgemm, cblas_ssyrk, cblas_strsm, cblas_ssymm;
    sgetrf_work, sgetri_work, sgesv_work, spotrf_work, spotrs_work, sgeqrf_work,
    sorgqr_work, sgeqp3_work, ssyevd_work, sgeev_work, sgesdd_work, sgelsd_work
);

impl_elem!(
    f64;
    cblas_ddot, cblas_daxpy, cblas_dscal, cblas_dcopy, cblas_dswap, cblas_dnrm2,
    cblas_dasum, cblas_idamax, cblas_dgemv, cblas_dger, cblas_dtrsv, cblas_dsymv,
    cblas_dgemm, cblas_dsyrk, cblas_dtrsm, cblas_dsymm;
    dgetrf_work, dgetri_work, dgesv_work, dpotrf_work, dpotrs_work, dgeqrf_work,
    dorgqr_work, dgeqp3_work, dsyevd_work, dgeev_work, dgesdd_work, dgelsd_work
);
