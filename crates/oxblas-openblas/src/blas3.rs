//! Matrix-matrix operations over CBLAS level 3.
//!
//! The output view decides the storage order (column- or row-major, both
//! native to CBLAS); each input is then used as it is, as its transpose
//! (`Trans`, with the triangle flipped for triangular and symmetric
//! operands), or, if neither is addressable, as a contiguous copy.

use oxblas_core::{validate, Diag, MatMut, MatRef, Op, Result, Side, Uplo};

use crate::convert::{cblas_diag, cblas_side, cblas_trans, cblas_uplo, flip};
use crate::elem::Elem;
use crate::layout::{check_dims, with_mat_mut, Operand};

/// `c <- beta c` on the `uplo` triangle (or all of `c`), without BLAS.
fn scale_mat<E: Elem>(beta: E, mut c: MatMut<'_, E>, uplo: Option<Uplo>) {
    let (m, n) = c.shape();
    for i in 0..m {
        let cols = match uplo {
            None => 0..n,
            Some(Uplo::Lower) => 0..(i + 1).min(n),
            Some(Uplo::Upper) => i.min(n)..n,
        };
        for j in cols {
            let v = &mut c[(i, j)];
            *v = if beta == E::ZERO { E::ZERO } else { beta * *v };
        }
    }
}

pub(crate) fn gemm<E: Elem>(
    alpha: E,
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    beta: E,
    c: MatMut<'_, E>,
) -> Result<()> {
    validate::gemm(Op::Gemm, a.shape(), b.shape(), c.shape())?;
    let (m, n, k) = (a.rows(), b.cols(), a.cols());
    check_dims(Op::Gemm, &[m, n, k])?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        scale_mat(beta, c, None);
        return Ok(());
    }
    with_mat_mut(c, beta != E::ZERO, |order, pc, ldc| {
        let (oa, ob) = (Operand::new(a, order), Operand::new(b, order));
        // SAFETY: oa/ob address A (m x k) and B (k x n), as stored or
        // transposed per their `trans`, in `order` with valid leading
        // dimensions; `pc` addresses C (m x n) likewise.
        unsafe {
            E::gemm(
                order.cblas(),
                cblas_trans(oa.trans),
                cblas_trans(ob.trans),
                m as i32,
                n as i32,
                k as i32,
                alpha,
                oa.ptr,
                oa.ld,
                ob.ptr,
                ob.ld,
                beta,
                pc,
                ldc,
            )
        }
    });
    Ok(())
}

pub(crate) fn syrk<E: Elem>(
    uplo: Uplo,
    alpha: E,
    a: MatRef<'_, E>,
    beta: E,
    c: MatMut<'_, E>,
) -> Result<()> {
    validate::syrk(Op::Syrk, a.shape(), c.shape())?;
    let (n, k) = a.shape();
    check_dims(Op::Syrk, &[n, k])?;
    if n == 0 {
        return Ok(());
    }
    if k == 0 {
        scale_mat(beta, c, Some(uplo));
        return Ok(());
    }
    // `read = true`: a copied C is written back whole, so it must start as C.
    with_mat_mut(c, true, |order, pc, ldc| {
        // Stored transposed, A is the k x n A^T and `Trans` gives A A^T again.
        let oa = Operand::new(a, order);
        // SAFETY: oa addresses A (n x k) or A^T (k x n) in `order`; pc addresses C (n x n).
        unsafe {
            E::syrk(
                order.cblas(),
                cblas_uplo(uplo),
                cblas_trans(oa.trans),
                n as i32,
                k as i32,
                alpha,
                oa.ptr,
                oa.ld,
                beta,
                pc,
                ldc,
            )
        }
    });
    Ok(())
}

pub(crate) fn trsm<E: Elem>(
    side: Side,
    uplo: Uplo,
    diag: Diag,
    alpha: E,
    a: MatRef<'_, E>,
    b: MatMut<'_, E>,
) -> Result<()> {
    validate::side(Op::Trsm, side, a.shape(), b.shape())?;
    let (m, n) = b.shape();
    check_dims(Op::Trsm, &[m, n])?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    with_mat_mut(b, true, |order, pb, ldb| {
        let oa = Operand::new(a, order);
        let uplo = if oa.trans { flip(uplo) } else { uplo };
        // SAFETY: oa addresses the square A (m x m left, n x n right) in
        // `order`, pb addresses B (m x n).
        unsafe {
            E::trsm(
                order.cblas(),
                cblas_side(side),
                cblas_uplo(uplo),
                cblas_trans(oa.trans),
                cblas_diag(diag),
                m as i32,
                n as i32,
                alpha,
                oa.ptr,
                oa.ld,
                pb,
                ldb,
            )
        }
    });
    Ok(())
}

pub(crate) fn symm<E: Elem>(
    side: Side,
    uplo: Uplo,
    alpha: E,
    a: MatRef<'_, E>,
    b: MatRef<'_, E>,
    beta: E,
    c: MatMut<'_, E>,
) -> Result<()> {
    validate::side(Op::Symm, side, a.shape(), b.shape())?;
    validate::same_shape(Op::Symm, b.shape(), c.shape())?;
    let (m, n) = b.shape();
    check_dims(Op::Symm, &[m, n])?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    with_mat_mut(c, beta != E::ZERO, |order, pc, ldc| {
        let oa = Operand::new(a, order);
        // A^T stored: the same symmetric matrix, read from the other triangle.
        let uplo = if oa.trans { flip(uplo) } else { uplo };
        let ob = Operand::plain(b, order);
        // SAFETY: oa addresses the square A, ob addresses B (m x n) untransposed,
        // pc addresses C (m x n), all in `order`.
        unsafe {
            E::symm(
                order.cblas(),
                cblas_side(side),
                cblas_uplo(uplo),
                m as i32,
                n as i32,
                alpha,
                oa.ptr,
                oa.ld,
                ob.ptr,
                ob.ld,
                beta,
                pc,
                ldc,
            )
        }
    });
    Ok(())
}
