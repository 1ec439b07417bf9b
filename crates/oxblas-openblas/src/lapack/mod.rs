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
/// `?gesv`, `?getri`) may use: each recursion level keeps a job table of
/// about 512 KiB on the stack (`MAX_THREADS = 64` builds), and deeper
/// recursion comes with larger `n`. Measured with OpenBLAS 0.3.21 on threads
/// of a given total stack size (C callers, 2 threads): 2 MiB (the default
/// of spawned Rust threads) overflows from n = 40 (`sgesv`), 3 MiB from
/// n = 200, 4 MiB from n = 1000; 5 MiB sufficed up to n = 6000. The red
/// zone (stack that must be left when the call starts) is about 1.5 times
/// that, so that a main thread (8 MiB) never needs a new stack below
/// n = 1024 and a new stack costs little next to the factorization above.
fn lu_red_zone(n: usize) -> usize {
    match n {
        0..=128 => 4 << 20,
        129..=1023 => 6 << 20,
        _ => 12 << 20,
    }
}

/// Runs `f` (which calls LU routines on an `n x n` matrix) with enough stack
/// for OpenBLAS's threaded LU, growing it (with `stacker`) only when less is
/// left. Single-threaded OpenBLAS and small matrices (which OpenBLAS factors
/// on one thread) need nothing.
pub(crate) fn with_lu_stack<R>(n: usize, f: impl FnOnce() -> R) -> R {
    if n < 32 || crate::num_threads() <= 1 {
        return f();
    }
    let red_zone = lu_red_zone(n);
    stacker::maybe_grow(red_zone, red_zone + (4 << 20), f)
}
