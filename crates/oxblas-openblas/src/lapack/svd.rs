//! Singular value decomposition by divide and conquer (`?gesdd`).
//!
//! `?gesdd` runs on `A^T`, which is what the row-major copy of `A` is when
//! read column-major. From $A^T = V \Sigma U^T$ it returns `V` and `U^T` in
//! column-major order, and those buffers read row-major are exactly `V^T`
//! and `U`: the result needs no transposition either.

use oxblas_core::{validate, Error, Mat, MatRef, Op, Result, Svd, SvdMode};

use super::{check_info, work_len};
use crate::elem::Elem;
use crate::layout::{check_dims, to_col_major};

/// `?gesdd` on `A^T` (`min(m, n) >= 1`, dimensions checked). Returns `(s, U' buffer, VT' buffer)` where `U'` is
/// `n x ucols` and `VT'` is `vrows x m`, both column-major.
pub(crate) fn gesdd<E: Elem>(
    op: Op,
    a: MatRef<'_, E>,
    mode: Option<SvdMode>,
) -> Result<(Vec<E>, Vec<E>, Vec<E>)> {
    let (m, n) = a.shape();
    let k = m.min(n);
    // A^T is n x m column-major with lda = n.
    let mut buf = to_col_major(a.t());
    let (jobz, ucols, vrows) = match mode {
        None => (b'N', 0, 0),
        Some(SvdMode::Thin) => (b'S', k, k),
        Some(SvdMode::Full) => (b'A', n, m),
    };
    let mut s = vec![E::ZERO; k];
    let mut u = vec![E::ZERO; (n * ucols).max(1)];
    let mut vt = vec![E::ZERO; (vrows * m).max(1)];
    let (ldu, ldvt) = if mode.is_some() { (n, vrows) } else { (1, 1) };
    let mut iwork = vec![0i32; 8 * k];
    let (m32, n32, ldu32, ldvt32) = (n as i32, m as i32, ldu as i32, ldvt as i32);
    let mut q = [E::ZERO];
    // SAFETY: workspace query (lwork = -1) writes only q[0].
    let info = unsafe {
        E::gesdd(
            jobz, m32, n32, &mut buf, m32, &mut s, &mut u, ldu32, &mut vt, ldvt32, &mut q, -1,
            &mut iwork,
        )
    };
    check_info(op, info)?;
    let lwork = work_len(op, q[0])?;
    let mut work = vec![E::ZERO; lwork];
    // SAFETY: buf is n x m (lda n >= 1), s has min(m, n) entries, u is
    // n x ucols (ldu n) and vt vrows x m (ldvt vrows >= 1) or 1-element
    // dummies with ld 1 for jobz = 'N'; work/iwork have the required sizes.
    let info = unsafe {
        E::gesdd(
            jobz,
            m32,
            n32,
            &mut buf,
            m32,
            &mut s,
            &mut u,
            ldu32,
            &mut vt,
            ldvt32,
            &mut work,
            lwork as i32,
            &mut iwork,
        )
    };
    if check_info(op, info)? > 0 {
        return Err(Error::NoConvergence { op });
    }
    Ok((s, u, vt))
}

pub(crate) fn svd<E: Elem>(a: MatRef<'_, E>, mode: SvdMode) -> Result<Svd<E>> {
    validate::finite(Op::Svd, a)?;
    let (m, n) = a.shape();
    check_dims(Op::Svd, &[m, n])?;
    let k = m.min(n);
    if k == 0 {
        return Ok(match mode {
            SvdMode::Thin => Svd {
                u: Mat::zeros(m, 0),
                s: Vec::new(),
                vt: Mat::zeros(0, n),
            },
            SvdMode::Full => Svd {
                u: Mat::identity(m),
                s: Vec::new(),
                vt: Mat::identity(n),
            },
        });
    }
    let (s, v, ut) = gesdd(Op::Svd, a, Some(mode))?;
    let (ucols, vrows) = match mode {
        SvdMode::Thin => (k, k),
        SvdMode::Full => (n, m),
    };
    Ok(Svd {
        // U^T column-major (vrows x m) is U row-major (m x vrows).
        u: Mat::from_vec(m, vrows, ut)?,
        s,
        // V column-major (n x ucols) is V^T row-major (ucols x n).
        vt: Mat::from_vec(ucols, n, v)?,
    })
}

pub(crate) fn singular_values<E: Elem>(a: MatRef<'_, E>) -> Result<Vec<E>> {
    validate::finite(Op::SingularValues, a)?;
    let (m, n) = a.shape();
    check_dims(Op::SingularValues, &[m, n])?;
    if m.min(n) == 0 {
        return Ok(Vec::new());
    }
    Ok(gesdd(Op::SingularValues, a, None)?.0)
}
