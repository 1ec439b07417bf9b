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
