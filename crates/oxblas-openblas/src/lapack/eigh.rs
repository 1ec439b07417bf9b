//! Symmetric eigendecomposition by divide and conquer (`?syevd`, lower triangle).
//!
//! The row-major copy of `A` is, read column-major, `A^T`: its upper
//! triangle is `A`'s lower one, so `?syevd('U')` on it needs no transposition.

use oxblas_core::{validate, Eigh, Error, Mat, MatRef, Op, Result};

use super::{check_info, iwork_len, work_len};
use crate::elem::Elem;
use crate::layout::{blas_int, mat_from_col_major, to_col_major};

/// Eigenvalues (ascending) and, with `vectors`, the column-major eigenvectors.
fn syevd<E: Elem>(op: Op, a: MatRef<'_, E>, vectors: bool) -> Result<(Vec<E>, Vec<E>, usize)> {
    let n = validate::square(op, a.shape())?;
    validate::finite_lower(op, a)?;
    let n32 = blas_int(op, n)?;
    if n == 0 {
        return Ok((Vec::new(), Vec::new(), 0));
    }
    let jobz = if vectors { b'V' } else { b'N' };
    let mut buf = to_col_major(a.t());
    let mut w = vec![E::ZERO; n];
    let (mut q, mut iq) = ([E::ZERO], [0i32]);
    // SAFETY: workspace query (lwork = liwork = -1) writes only q[0], iq[0].
    let info = unsafe {
        E::syevd(
            jobz, b'U', n32, &mut buf, n32, &mut w, &mut q, -1, &mut iq, -1,
        )
    };
    check_info(op, info)?;
    let lwork = work_len(op, q[0])?;
    let liwork = iwork_len(op, iq[0])?;
    let mut work = vec![E::ZERO; lwork];
    let mut iwork = vec![0i32; liwork];
    // SAFETY: buf n x n (lda n), w n entries, work/iwork of the queried sizes.
    let info = unsafe {
        E::syevd(
            jobz,
            b'U',
            n32,
            &mut buf,
            n32,
            &mut w,
            &mut work,
            lwork as i32,
            &mut iwork,
            liwork as i32,
        )
    };
    if check_info(op, info)? > 0 {
        return Err(Error::NoConvergence { op });
    }
    Ok((w, buf, n))
}

pub(crate) fn eigh<E: Elem>(a: MatRef<'_, E>) -> Result<Eigh<E>> {
    let (values, z, n) = syevd(Op::Eigh, a, true)?;
    Ok(Eigh {
        values,
        vectors: if n == 0 {
            Mat::zeros(0, 0)
        } else {
            mat_from_col_major(n, n, &z, n)
        },
    })
}

pub(crate) fn eigvalsh<E: Elem>(a: MatRef<'_, E>) -> Result<Vec<E>> {
    Ok(syevd(Op::Eigvalsh, a, false)?.0)
}
