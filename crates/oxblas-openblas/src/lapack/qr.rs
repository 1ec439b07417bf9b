//! Householder QR (`?geqrf`), forming `Q` (`?orgqr`), column-pivoted QR (`?geqp3`).

use oxblas_core::{validate, Error, Mat, MatMut, MatRef, Op, PivotedQr, Qr, QrMode, Result};

use super::{check_info, work_len};
use crate::elem::Elem;
use crate::layout::{check_dims, copy_tiled, mat_from_col_major, to_col_major};

pub(crate) fn qr<E: Elem>(a: MatRef<'_, E>) -> Result<Qr<E>> {
    validate::finite(Op::Qr, a)?;
    let (m, n) = a.shape();
    check_dims(Op::Qr, &[m, n])?;
    let k = m.min(n);
    if k == 0 {
        return Ok(Qr {
            factors: Mat::zeros(m, n),
            tau: Vec::new(),
        });
    }
    let mut buf = to_col_major(a);
    let mut tau = vec![E::ZERO; k];
    let (m32, n32) = (m as i32, n as i32);
    let mut q = [E::ZERO];
    // SAFETY: workspace query (lwork = -1) writes only q[0].
    let info = unsafe { E::geqrf(m32, n32, &mut buf, m32, &mut tau, &mut q, -1) };
    check_info(Op::Qr, info)?;
    let lwork = work_len(Op::Qr, q[0])?.max(n);
    let mut work = vec![E::ZERO; lwork];
    // SAFETY: buf m x n column-major (lda m >= 1), tau min(m, n), work lwork >= n.
    let info = unsafe { E::geqrf(m32, n32, &mut buf, m32, &mut tau, &mut work, lwork as i32) };
    check_info(Op::Qr, info)?;
    Ok(Qr {
        factors: mat_from_col_major(m, n, &buf, m),
        tau,
    })
}

pub(crate) fn qr_q<E: Elem>(qr: &Qr<E>, mode: QrMode) -> Result<Mat<E>> {
    let (m, n) = qr.factors.shape();
    let k = m.min(n);
    if qr.tau.len() != k {
        return Err(Error::InvalidArgument {
            op: Op::QrQ,
            message: format!(
                "a {m}x{n} QR needs {k} Householder scalars, tau has {}",
                qr.tau.len()
            ),
        });
    }
    check_dims(Op::QrQ, &[m, n])?;
    let cols = match mode {
        QrMode::Reduced => k,
        QrMode::Complete => m,
    };
    if k == 0 {
        return Ok(match mode {
            QrMode::Reduced => Mat::zeros(m, 0),
            QrMode::Complete => Mat::identity(m),
        });
    }
    // Column-major m x cols: the k reflectors first; orgqr overwrites the
    // rest (the extra columns of a complete Q for m > n) itself.
    let mut buf = vec![E::ZERO; m * cols];
    {
        let src = qr.factors.as_ref().submatrix(0, 0, m, k)?;
        let dst = MatMut::from_parts(&mut buf, 0, m, k, 1, m as isize)?;
        copy_tiled(src, dst);
    }
    let (m32, c32, k32) = (m as i32, cols as i32, k as i32);
    let mut q = [E::ZERO];
    // SAFETY: workspace query (lwork = -1) writes only q[0].
    let info = unsafe { E::orgqr(m32, c32, k32, &mut buf, m32, &qr.tau, &mut q, -1) };
    check_info(Op::QrQ, info)?;
    let lwork = work_len(Op::QrQ, q[0])?.max(cols);
    let mut work = vec![E::ZERO; lwork];
    // SAFETY: m >= cols >= k >= 1; buf m x cols (lda m), tau k entries,
    // work lwork >= cols.
    let info = unsafe {
        E::orgqr(
            m32,
            c32,
            k32,
            &mut buf,
            m32,
            &qr.tau,
            &mut work,
            lwork as i32,
        )
    };
    check_info(Op::QrQ, info)?;
    Ok(mat_from_col_major(m, cols, &buf, m))
}

pub(crate) fn qr_pivoted<E: Elem>(a: MatRef<'_, E>) -> Result<PivotedQr<E>> {
    validate::finite(Op::QrPivoted, a)?;
    let (m, n) = a.shape();
    check_dims(Op::QrPivoted, &[m, n])?;
    let k = m.min(n);
    if k == 0 {
        return Ok(PivotedQr {
            qr: Qr {
                factors: Mat::zeros(m, n),
                tau: Vec::new(),
            },
            perm: (0..n).collect(),
        });
    }
    let mut buf = to_col_major(a);
    let mut tau = vec![E::ZERO; k];
    // 0: every column is free to move.
    let mut jpvt = vec![0i32; n];
    let (m32, n32) = (m as i32, n as i32);
    let mut q = [E::ZERO];
    // SAFETY: workspace query (lwork = -1) writes only q[0].
    let info = unsafe { E::geqp3(m32, n32, &mut buf, m32, &mut jpvt, &mut tau, &mut q, -1) };
    check_info(Op::QrPivoted, info)?;
    let lwork = work_len(Op::QrPivoted, q[0])?.max(3 * n + 1);
    let mut work = vec![E::ZERO; lwork];
    // SAFETY: buf m x n (lda m), jpvt n, tau min(m, n), work lwork >= 3n + 1.
    let info = unsafe {
        E::geqp3(
            m32,
            n32,
            &mut buf,
            m32,
            &mut jpvt,
            &mut tau,
            &mut work,
            lwork as i32,
        )
    };
    check_info(Op::QrPivoted, info)?;
    Ok(PivotedQr {
        qr: Qr {
            factors: mat_from_col_major(m, n, &buf, m),
            tau,
        },
        perm: jpvt.iter().map(|&p| (p.max(1) - 1) as usize).collect(),
    })
}
