//! LU with partial pivoting (`?getrf`) and what is built on it: `solve`
//! (`?gesv`), `inv` (`?getrf` + `?getri`), `det`, and solving with factors.
//!
//! Errors mirror the `Backend` trait's default implementations exactly
//! (which checks run first, and with which `Op`), as the trait requires.

use cblas_sys::{
    CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, CblasRowMajor, CblasUnit, CblasUpper,
};
use oxblas_core::{validate, Error, Lu, Mat, MatRef, Op, Result};

use super::{check_info, with_lu_stack, work_len};
use crate::elem::Elem;
use crate::layout::{blas_int, check_dims, mat_from_col_major, to_col_major, to_row_major};

pub(crate) fn lu<E: Elem>(a: MatRef<'_, E>) -> Result<Lu<E>> {
    let n = validate::square(Op::Lu, a.shape())?;
    validate::finite(Op::Lu, a)?;
    let n32 = blas_int(Op::Lu, n)?;
    if n == 0 {
        return Ok(Lu {
            factors: Mat::zeros(0, 0),
            pivots: Vec::new(),
        });
    }
    let mut buf = to_col_major(a);
    let mut ipiv = vec![0i32; n];
    // SAFETY: buf is n x n column-major with lda = n >= 1; ipiv has n entries.
    let info = with_lu_stack(n, || unsafe {
        E::getrf(n32, n32, &mut buf, n32, &mut ipiv)
    });
    // info > 0 (an exactly zero pivot) still leaves a complete factorization.
    check_info(Op::Lu, info)?;
    Ok(Lu {
        factors: mat_from_col_major(n, n, &buf, n),
        pivots: ipiv.iter().map(|&p| (p.max(1) - 1) as usize).collect(),
    })
}

/// Checks what `lu_solve` relies on in a (possibly hand-built) [`Lu`].
fn check_lu<E: Elem>(lu: &Lu<E>) -> Result<()> {
    let n = lu.factors.rows();
    let ok = lu.factors.cols() == n && lu.pivots.len() == n && lu.pivots.iter().all(|&p| p < n);
    if ok {
        return Ok(());
    }
    Err(Error::InvalidArgument {
        op: Op::LuSolve,
        message: format!(
            "malformed LU: {}x{} factors with {} pivots (need n x n factors, n pivots < n)",
            n,
            lu.factors.cols(),
            lu.pivots.len()
        ),
    })
}

/// Solves `A X = B` from `PA = LU`: the steps of `?getrs` (row swaps, then
/// two triangular solves), applied to the row-major factors as they are, so
/// that neither the factors nor `B` need a transposing copy.
pub(crate) fn lu_solve<E: Elem>(lu: &Lu<E>, b: MatRef<'_, E>) -> Result<Mat<E>> {
    let n = lu.n();
    validate::rhs(Op::LuSolve, n, b.shape())?;
    check_lu(lu)?;
    if let Some(index) = lu.zero_pivot() {
        return Err(Error::Singular { index });
    }
    let k = b.cols();
    check_dims(Op::LuSolve, &[n, k])?;
    let mut x = to_row_major(b);
    if n == 0 || k == 0 {
        return Ok(x);
    }
    {
        let data = x.as_mut_slice();
        for (i, &p) in lu.pivots.iter().enumerate() {
            if p != i {
                let (lo, hi) = (i.min(p), i.max(p));
                let (head, tail) = data.split_at_mut(hi * k);
                head[lo * k..(lo + 1) * k].swap_with_slice(&mut tail[..k]);
            }
        }
    }
    let f = lu.factors.as_slice();
    let (n32, k32) = (n as i32, k as i32);
    // SAFETY: f is the n x n row-major factor matrix (ld n), x the n x k
    // row-major right-hand side (ld k); both ld >= 1 and checked to fit i32.
    unsafe {
        E::trsm(
            CblasRowMajor,
            CblasLeft,
            CblasLower,
            CblasNoTrans,
            CblasUnit,
            n32,
            k32,
            E::ONE,
            f.as_ptr(),
            n32,
            x.as_mut_slice().as_mut_ptr(),
            k32,
        );
        E::trsm(
            CblasRowMajor,
            CblasLeft,
            CblasUpper,
            CblasNoTrans,
            CblasNonUnit,
            n32,
            k32,
            E::ONE,
            f.as_ptr(),
            n32,
            x.as_mut_slice().as_mut_ptr(),
            k32,
        );
    }
    Ok(x)
}

/// `?gesv` on column-major copies of `A` and `B`.
pub(crate) fn solve<E: Elem>(a: MatRef<'_, E>, b: MatRef<'_, E>) -> Result<Mat<E>> {
    let n = validate::square(Op::Solve, a.shape())?;
    validate::rhs(Op::Solve, n, b.shape())?;
    validate::finite(Op::Solve, b)?;
    // The default implementation factors with `lu`, which reports as Op::Lu.
    validate::finite(Op::Lu, a)?;
    let k = b.cols();
    check_dims(Op::Solve, &[n, k])?;
    if n == 0 {
        return Ok(Mat::zeros(0, k));
    }
    let mut abuf = to_col_major(a);
    let mut ipiv = vec![0i32; n];
    let n32 = n as i32;
    if k == 0 {
        // OpenBLAS's ?gesv returns at once for nrhs = 0; the default
        // implementation still factors and reports a singular matrix.
        // SAFETY: abuf n x n (lda n), ipiv n entries.
        let info = with_lu_stack(n, || unsafe {
            E::getrf(n32, n32, &mut abuf, n32, &mut ipiv)
        });
        if check_info(Op::Solve, info)? > 0 {
            return Err(Error::Singular {
                index: info as usize - 1,
            });
        }
        return Ok(Mat::zeros(n, 0));
    }
    let mut bbuf = to_col_major(b);
    // SAFETY: abuf n x n (lda n), bbuf n x k (ldb n), ipiv n entries;
    // 1 <= n, k fit i32.
    let info = with_lu_stack(n, || unsafe {
        E::gesv(n32, k as i32, &mut abuf, n32, &mut ipiv, &mut bbuf, n32)
    });
    if check_info(Op::Solve, info)? > 0 {
        return Err(Error::Singular {
            index: info as usize - 1,
        });
    }
    Ok(mat_from_col_major(n, k, &bbuf, n))
}

/// `?getrf` + `?getri`.
pub(crate) fn inv<E: Elem>(a: MatRef<'_, E>) -> Result<Mat<E>> {
    let n = validate::square(Op::Inv, a.shape())?;
    validate::finite(Op::Lu, a)?;
    let n32 = blas_int(Op::Inv, n)?;
    if n == 0 {
        return Ok(Mat::zeros(0, 0));
    }
    let mut buf = to_col_major(a);
    let mut ipiv = vec![0i32; n];
    // SAFETY: buf n x n (lda n), ipiv n entries.
    let info = with_lu_stack(n, || unsafe {
        E::getrf(n32, n32, &mut buf, n32, &mut ipiv)
    });
    if check_info(Op::Inv, info)? > 0 {
        return Err(Error::Singular {
            index: info as usize - 1,
        });
    }
    let mut q = [E::ZERO];
    // SAFETY: workspace query (lwork = -1) writes only q[0].
    let info = unsafe { E::getri(n32, &mut buf, n32, &ipiv, &mut q, -1) };
    check_info(Op::Inv, info)?;
    let lwork = work_len(Op::Inv, q[0])?.max(n);
    let mut work = vec![E::ZERO; lwork];
    // SAFETY: buf holds the LU factors from getrf (n x n, lda n), ipiv its
    // pivots, work has lwork >= n entries.
    let info = with_lu_stack(n, || unsafe {
        E::getri(n32, &mut buf, n32, &ipiv, &mut work, lwork as i32)
    });
    if check_info(Op::Inv, info)? > 0 {
        return Err(Error::Singular {
            index: info as usize - 1,
        });
    }
    Ok(mat_from_col_major(n, n, &buf, n))
}

/// $\det A = \det A^T$ from `?getrf` of the row-major copy, which LAPACK
/// reads as the column-major `A^T` (no transposition needed).
pub(crate) fn det<E: Elem>(a: MatRef<'_, E>) -> Result<E> {
    let n = validate::square(Op::Det, a.shape())?;
    validate::finite(Op::Lu, a)?;
    let n32 = blas_int(Op::Det, n)?;
    if n == 0 {
        return Ok(E::ONE);
    }
    let mut buf = to_col_major(a.t());
    let mut ipiv = vec![0i32; n];
    // SAFETY: buf n x n (lda n), ipiv n entries.
    let info = with_lu_stack(n, || unsafe {
        E::getrf(n32, n32, &mut buf, n32, &mut ipiv)
    });
    check_info(Op::Det, info)?;
    let mut d = E::ONE;
    for (i, &p) in ipiv.iter().enumerate() {
        d *= buf[i * n + i];
        if p as usize != i + 1 {
            d = -d;
        }
    }
    Ok(d)
}
