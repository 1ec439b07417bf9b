//! Factorizations and drivers over LAPACK (column-major `_work` routines).
//!
//! Each call makes one column-major working copy of its input (LAPACK works
//! in place), queries the optimal workspace, and converts the result into
//! oxblas's row-major types once. Where a row-major copy of `A` is already
//! the column-major `A^T` LAPACK wants (symmetric inputs, the SVD), no
//! transposition happens at all.

pub(crate) mod cholesky;
pub(crate) mod eig;
pub(crate) mod eigh;
pub(crate) mod lstsq;
pub(crate) mod lu;
pub(crate) mod qr;
pub(crate) mod svd;

use oxblas_core::{Error, Op, Result};

use crate::elem::Elem;
use crate::layout::blas_int;

/// `Err(Backend)` for a LAPACK `info < 0` (an argument LAPACK rejected: a
/// bug in this crate), `Ok(info)` otherwise.
pub(crate) fn check_info(op: Op, info: i32) -> Result<i32> {
    if info < 0 {
        Err(Error::Backend { op, code: info })
    } else {
        Ok(info)
    }
}

/// The workspace length a LAPACK query returned in `work[0]`.
///
/// LAPACK reports it as a floating-point number, which for `f32` may round
/// below the exact integer; a few ulps of margin absorb that.
pub(crate) fn work_len<E: Elem>(op: Op, w: E) -> Result<usize> {
    let x = w.to_f64() * (1.0 + 4.0 * E::EPSILON.to_f64());
    let n = if x.is_finite() && x >= 1.0 {
        x.ceil() as usize
    } else {
        1
    };
    blas_int(op, n)?;
    Ok(n)
}

/// An integer workspace length a LAPACK query returned in `iwork[0]`.
pub(crate) fn iwork_len(op: Op, w: i32) -> Result<usize> {
    let n = w.max(1) as usize;
    blas_int(op, n)?;
    Ok(n)
}

/// Stack that OpenBLAS's threaded LU (`getrf_parallel`, behind `?getrf`,
/// `?gesv`) may use: each recursion level keeps a job table of about
/// 512 KiB on the stack (`MAX_THREADS = 64` builds). Measured with
/// OpenBLAS 0.3.21 on threads of a given stack size: 2 MiB (the default
/// for spawned Rust threads) overflows from n = 40 (`sgesv`), 4 MiB from
/// n = 1000, 5 MiB sufficed up to n = 6000. Calls run with at least
/// `LU_RED_ZONE` bytes of stack left, on a fresh `LU_STACK` stack if needed.
const LU_RED_ZONE: usize = 8 << 20;
const LU_STACK: usize = 16 << 20;

/// Runs `f` (which calls LU routines on an `n x n` matrix) with enough stack
/// for OpenBLAS's threaded LU. Single-threaded OpenBLAS and small matrices
/// (which OpenBLAS factors on one thread) need nothing.
pub(crate) fn with_lu_stack<R>(n: usize, f: impl FnOnce() -> R) -> R {
    if n < 32 || crate::num_threads() <= 1 {
        return f();
    }
    stacker::maybe_grow(LU_RED_ZONE, LU_STACK, f)
}
