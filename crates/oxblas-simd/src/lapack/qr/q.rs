//! Forming and applying `Q` from a compact QR (`orgqr`, `ormqr`).

use oxblas_core::{validate, Error, Mat, MatRef, Op, Qr, QrMode, Result, Scalar};

use super::reflector::BlockReflector;
use crate::current_par;

/// Forms `Q` from a compact QR of an `m x n` matrix: `m x min(m, n)` for
/// [`QrMode::Reduced`], `m x m` for [`QrMode::Complete`].
///
/// Blocks of reflectors are applied to the identity from the last to the
/// first in compact WY form, each touching only the rows and columns it
/// changes.
///
/// # Errors
/// [`Error::DimensionMismatch`] if `qr.tau` does not have `min(m, n)` entries.
pub fn form_q<T: Scalar>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>> {
    let (m, n) = qr.factors.shape();
    let k = m.min(n);
    check_tau(qr, k)?;
    let kq = match mode {
        QrMode::Complete => m,
        _ => k,
    };
    let par = current_par();
    let mut q = Mat::<T>::zeros(m, kq);
    for i in 0..kq {
        q[(i, i)] = T::ONE;
    }
    let f = qr.factors.as_ref();
    let mut work = Vec::new();
    let nb = q_block_size(m, n);
    let nblocks = k.div_ceil(nb);
    for b in (0..nblocks).rev() {
        let j = b * nb;
        let jb = nb.min(k - j);
        let refl = BlockReflector::new(f.submatrix(j, j, m - j, jb)?, &qr.tau[j..j + jb])?;
        let target = q.as_mut().submatrix(j, j, m - j, kq - j)?;
        refl.apply_left(false, target, &mut work, par)?;
    }
    Ok(q)
}

/// $Q^T B$ for the `Q` of a compact QR of an `m x n` matrix (`b` has `m` rows).
///
/// # Errors
/// [`Error::DimensionMismatch`] if `b` does not have `m` rows or `qr.tau`
/// does not have `min(m, n)` entries.
pub fn apply_qt<T: Scalar>(qr: &Qr<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
    let (m, n) = qr.factors.shape();
    let k = m.min(n);
    check_tau(qr, k)?;
    validate::rhs(Op::QrQ, m, b.shape())?;
    let par = current_par();
    let mut c = b.to_owned();
    let f = qr.factors.as_ref();
    let mut work = Vec::new();
    let nb = q_block_size(m, n);
    let mut j = 0;
    while j < k {
        let jb = nb.min(k - j);
        let refl = BlockReflector::new(f.submatrix(j, j, m - j, jb)?, &qr.tau[j..j + jb])?;
        refl.apply_left(
            true,
            c.as_mut().submatrix(j, 0, m - j, b.cols())?,
            &mut work,
            par,
        )?;
        j += jb;
    }
    Ok(c)
}

/// Reflectors per block when forming or applying `Q`: no panel is factored
/// here, so wider blocks than the factorization's pay (their gemm calls have
/// the block width as inner dimension). Timed with `examples/probe_qr.rs`:
/// 16 ahead at n = 64, even at 256, 32 ahead at 1024.
#[cfg(not(test))]
fn q_block_size(m: usize, n: usize) -> usize {
    let k = m.min(n);
    if k <= 256 {
        16
    } else {
        32
    }
}
#[cfg(test)]
fn q_block_size(m: usize, n: usize) -> usize {
    super::factor::block_size(m, n)
}

fn check_tau<T: Scalar>(qr: &Qr<T>, k: usize) -> Result<()> {
    if qr.tau.len() != k {
        return Err(Error::DimensionMismatch {
            op: Op::QrQ,
            expected: format!("{k} Householder scalars (min(m, n))"),
            found: format!("{}", qr.tau.len()),
        });
    }
    Ok(())
}
