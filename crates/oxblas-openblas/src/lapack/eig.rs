//! General eigendecomposition (`?geev`), expanded to complex results.

use oxblas_core::{validate, Complex, Eig, Error, Mat, MatRef, Op, Result};

use super::{check_info, work_len};
use crate::elem::Elem;
use crate::layout::{blas_int, to_col_major};

/// `wr`, `wi` and, with `vectors`, the real column-major `VR` of `?geev`.
type Geev<E> = (Vec<E>, Vec<E>, Vec<E>);

fn geev<E: Elem>(op: Op, a: MatRef<'_, E>, vectors: bool) -> Result<Geev<E>> {
    let n = validate::square(op, a.shape())?;
    validate::finite(op, a)?;
    let n32 = blas_int(op, n)?;
    if n == 0 {
        return Ok((Vec::new(), Vec::new(), Vec::new()));
    }
    let mut buf = to_col_major(a);
    let (mut wr, mut wi) = (vec![E::ZERO; n], vec![E::ZERO; n]);
    let mut vl = [E::ZERO];
    let (jobvr, mut vr, ldvr) = if vectors {
        (b'V', vec![E::ZERO; n * n], n32)
    } else {
        (b'N', vec![E::ZERO], 1)
    };
    let mut q = [E::ZERO];
    // SAFETY: workspace query (lwork = -1) writes only q[0].
    let info = unsafe {
        E::geev(
            b'N', jobvr, n32, &mut buf, n32, &mut wr, &mut wi, &mut vl, 1, &mut vr, ldvr, &mut q,
            -1,
        )
    };
    check_info(op, info)?;
    let min = if vectors { 4 * n } else { 3 * n };
    let lwork = work_len(op, q[0])?.max(min);
    let mut work = vec![E::ZERO; lwork];
    // SAFETY: buf n x n (lda n), wr/wi n entries, vl unused (ldvl 1), vr
    // n x n with ldvr n (or unused with ldvr 1), work lwork >= the minimum.
    let info = unsafe {
        E::geev(
            b'N',
            jobvr,
            n32,
            &mut buf,
            n32,
            &mut wr,
            &mut wi,
            &mut vl,
            1,
            &mut vr,
            ldvr,
            &mut work,
            lwork as i32,
        )
    };
    if check_info(op, info)? > 0 {
        return Err(Error::NoConvergence { op });
    }
    Ok((wr, wi, vr))
}

fn values<E: Elem>(wr: &[E], wi: &[E]) -> Vec<Complex<E>> {
    wr.iter()
        .zip(wi)
        .map(|(&re, &im)| Complex::new(re, im))
        .collect()
}

pub(crate) fn eig<E: Elem>(a: MatRef<'_, E>) -> Result<Eig<E>> {
    let (wr, wi, vr) = geev(Op::Eig, a, true)?;
    let n = wr.len();
    // geev stores a conjugate pair (positive imaginary part first) as two
    // real columns: v_j = VR[:, j] + i VR[:, j+1], v_{j+1} = conj(v_j).
    // `partner[j]`: (column of the real part, column of the imaginary part, sign).
    let mut partner: Vec<Option<(usize, usize, E)>> = vec![None; n];
    let mut j = 0;
    while j < n {
        if wi[j] != E::ZERO && j + 1 < n {
            partner[j] = Some((j, j + 1, E::ONE));
            partner[j + 1] = Some((j, j + 1, -E::ONE));
            j += 2;
        } else {
            j += 1;
        }
    }
    let vectors = Mat::from_fn(n, n, |i, j| match partner[j] {
        None => Complex::new(vr[j * n + i], E::ZERO),
        Some((re, im, sign)) => Complex::new(vr[re * n + i], sign * vr[im * n + i]),
    });
    Ok(Eig {
        values: values(&wr, &wi),
        vectors,
    })
}

pub(crate) fn eigvals<E: Elem>(a: MatRef<'_, E>) -> Result<Vec<Complex<E>>> {
    let (wr, wi, _) = geev(Op::Eigvals, a, false)?;
    Ok(values(&wr, &wi))
}
