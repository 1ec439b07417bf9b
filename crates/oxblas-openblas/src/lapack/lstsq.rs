//! Minimum-norm least squares by the SVD (`?gelsd`), with numpy's semantics.

use oxblas_core::{effective_rank, validate, Error, Lstsq, Mat, MatMut, MatRef, Op, Result};

use super::svd::gesdd;
use super::{check_info, iwork_len, work_len};
use crate::elem::Elem;
use crate::layout::{check_dims, copy_tiled, mat_from_col_major, to_col_major};

pub(crate) fn lstsq<E: Elem>(
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    rcond: Option<E>,
) -> Result<Lstsq<E>> {
    // The checks, in order, of the trait's default (SVD-based) implementation.
    validate::rhs(Op::Lstsq, a.rows(), b.shape())?;
    validate::tolerance(Op::Lstsq, rcond)?;
    validate::finite(Op::Lstsq, b)?;
    validate::finite(Op::Svd, a)?;
    let (m, n) = a.shape();
    let nrhs = b.cols();
    let ldb = m.max(n).max(1);
    check_dims(Op::Lstsq, &[m, n, nrhs, ldb])?;
    let rcond = rcond.unwrap_or(E::EPSILON * E::from_usize(m.max(n)));
    let col_sq = |x: &[E], ld: usize, from: usize, to: usize| -> Vec<E> {
        (0..nrhs)
            .map(|j| x[j * ld + from..j * ld + to].iter().map(|&v| v * v).sum())
            .collect()
    };
    if m == 0 || n == 0 {
        // No singular values: rank 0, X = 0, and (numpy) residuals |b_j|^2
        // when rank == n < m.
        let residuals = if n == 0 && m > 0 {
            col_sq(&to_col_major(b), m, 0, m)
        } else {
            Vec::new()
        };
        return Ok(Lstsq {
            solution: Mat::zeros(n, nrhs),
            residuals,
            rank: 0,
            singular_values: Vec::new(),
        });
    }
    if nrhs == 0 {
        // ?gelsd rejects nrhs = 0: the singular values give the rank alone.
        let s = gesdd(Op::Svd, a, None)?.0;
        return Ok(Lstsq {
            solution: Mat::zeros(n, 0),
            residuals: Vec::new(),
            rank: effective_rank(&s, rcond),
            singular_values: s,
        });
    }
    let mut abuf = to_col_major(a);
    // gelsd needs B with max(m, n) rows: the solution (n rows) overwrites it.
    let mut bbuf = vec![E::ZERO; ldb * nrhs];
    copy_tiled(
        b,
        MatMut::from_parts(&mut bbuf, 0, m, nrhs, 1, ldb as isize)?,
    );
    let mut s = vec![E::ZERO; m.min(n)];
    let mut rank = 0i32;
    let (m32, n32, r32, ldb32) = (m as i32, n as i32, nrhs as i32, ldb as i32);
    let (mut q, mut iq) = ([E::ZERO], [0i32]);
    // SAFETY: workspace query (lwork = -1) writes only q[0] and iq[0].
    let info = unsafe {
        E::gelsd(
            m32, n32, r32, &mut abuf, m32, &mut bbuf, ldb32, &mut s, rcond, &mut rank, &mut q, -1,
            &mut iq,
        )
    };
    check_info(Op::Lstsq, info)?;
    let lwork = work_len(Op::Lstsq, q[0])?;
    let liwork = iwork_len(Op::Lstsq, iq[0])?;
    let mut work = vec![E::ZERO; lwork];
    let mut iwork = vec![0i32; liwork];
    // SAFETY: abuf m x n (lda m >= 1), bbuf ldb x nrhs (nrhs >= 1) with
    // ldb = max(m, n), s min(m, n) entries, work/iwork of the queried sizes.
    let info = unsafe {
        E::gelsd(
            m32,
            n32,
            r32,
            &mut abuf,
            m32,
            &mut bbuf,
            ldb32,
            &mut s,
            rcond,
            &mut rank,
            &mut work,
            lwork as i32,
            &mut iwork,
        )
    };
    if check_info(Op::Lstsq, info)? > 0 {
        // The default implementation's SVD would report the failure.
        return Err(Error::NoConvergence { op: Op::Svd });
    }
    let rank = rank.max(0) as usize;
    let residuals = if rank == n && m > n {
        col_sq(&bbuf, ldb, n, m)
    } else {
        Vec::new()
    };
    Ok(Lstsq {
        solution: mat_from_col_major(n, nrhs, &bbuf, ldb),
        residuals,
        rank,
        singular_values: s,
    })
}
