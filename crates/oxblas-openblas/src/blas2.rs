//! Matrix-vector operations over CBLAS level 2.

use cblas_sys::{CblasColMajor, CblasNoTrans, CblasTrans};
use oxblas_core::{validate, Diag, MatMut, MatRef, Op, Result, Uplo, VecMut, VecRef};

use crate::convert::{cblas_diag, cblas_uplo, flip};
use crate::elem::Elem;
use crate::layout::{check_dims, with_mat_mut, with_vec_mut, BlasVec, Operand, Order};

/// `y <- beta y` where BLAS will not be called (`beta == 0` stores zeros).
fn scale_vec<E: Elem>(beta: E, mut y: VecMut<'_, E>) {
    if beta == E::ZERO {
        y.fill(E::ZERO);
    } else if beta != E::ONE {
        for i in 0..y.len() {
            y[i] *= beta;
        }
    }
}

pub(crate) fn gemv<E: Elem>(
    alpha: E,
    a: MatRef<'_, E>,
    x: VecRef<'_, E>,
    beta: E,
    mut y: VecMut<'_, E>,
) -> Result<()> {
    validate::gemv(Op::Gemv, a.shape(), x.len(), y.len())?;
    let (m, n) = a.shape();
    check_dims(Op::Gemv, &[m, n])?;
    if m == 0 {
        return Ok(());
    }
    if n == 0 || beta == E::ZERO {
        // With beta == 0, y is not read: zero it here rather than rely on
        // how a given OpenBLAS version scales by zero (NaN must not leak).
        scale_vec(beta, y.rb_mut());
        if n == 0 {
            return Ok(());
        }
    }
    let op = Operand::new(a, Order::Col);
    // A stored transposed is the n x m column-major A^T: apply it with Trans.
    let (trans, rows, cols) = if op.trans {
        (CblasTrans, n, m)
    } else {
        (CblasNoTrans, m, n)
    };
    let bx = BlasVec::new(x);
    with_vec_mut(y, |py, incy| {
        // SAFETY: `op` addresses the whole m x n matrix (rows x cols as
        // stored, leading dimension valid by Operand's invariant); x has n and
        // y has m elements from their CBLAS start pointers.
        unsafe {
            E::gemv(
                CblasColMajor,
                trans,
                rows as i32,
                cols as i32,
                alpha,
                op.ptr,
                op.ld,
                bx.ptr,
                bx.inc,
                beta,
                py,
                incy,
            )
        }
    });
    Ok(())
}

pub(crate) fn ger<E: Elem>(
    alpha: E,
    x: VecRef<'_, E>,
    y: VecRef<'_, E>,
    a: MatMut<'_, E>,
) -> Result<()> {
    validate::ger(Op::Ger, x.len(), y.len(), a.shape())?;
    let (m, n) = a.shape();
    check_dims(Op::Ger, &[m, n])?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    let (bx, by) = (BlasVec::new(x), BlasVec::new(y));
    with_mat_mut(a, true, |order, pa, lda| {
        // SAFETY: `pa` addresses the m x n matrix in `order` with leading
        // dimension `lda`; x has m and y has n elements.
        unsafe {
            E::ger(
                order.cblas(),
                m as i32,
                n as i32,
                alpha,
                bx.ptr,
                bx.inc,
                by.ptr,
                by.inc,
                pa,
                lda,
            )
        }
    });
    Ok(())
}

pub(crate) fn trsv<E: Elem>(
    uplo: Uplo,
    diag: Diag,
    a: MatRef<'_, E>,
    x: VecMut<'_, E>,
) -> Result<()> {
    let n = validate::square_vec(Op::Trsv, a.shape(), x.len())?;
    check_dims(Op::Trsv, &[n])?;
    if n == 0 {
        return Ok(());
    }
    let op = Operand::new(a, Order::Col);
    // Stored transposed, A's `uplo` triangle is the other one of the stored matrix.
    let (uplo, trans) = if op.trans {
        (flip(uplo), CblasTrans)
    } else {
        (uplo, CblasNoTrans)
    };
    with_vec_mut(x, |px, incx| {
        // SAFETY: `op` addresses the n x n matrix; x has n elements.
        unsafe {
            E::trsv(
                CblasColMajor,
                cblas_uplo(uplo),
                trans,
                cblas_diag(diag),
                n as i32,
                op.ptr,
                op.ld,
                px,
                incx,
            )
        }
    });
    Ok(())
}

pub(crate) fn symv<E: Elem>(
    uplo: Uplo,
    alpha: E,
    a: MatRef<'_, E>,
    x: VecRef<'_, E>,
    beta: E,
    mut y: VecMut<'_, E>,
) -> Result<()> {
    let n = validate::square_vec(Op::Symv, a.shape(), x.len())?;
    validate::square_vec(Op::Symv, a.shape(), y.len())?;
    check_dims(Op::Symv, &[n])?;
    if n == 0 {
        return Ok(());
    }
    if beta == E::ZERO {
        scale_vec(beta, y.rb_mut());
    }
    let op = Operand::new(a, Order::Col);
    // The stored matrix is A^T: the same symmetric matrix read from the other triangle.
    let uplo = if op.trans { flip(uplo) } else { uplo };
    let bx = BlasVec::new(x);
    with_vec_mut(y, |py, incy| {
        // SAFETY: `op` addresses the n x n matrix; x and y have n elements.
        unsafe {
            E::symv(
                CblasColMajor,
                cblas_uplo(uplo),
                n as i32,
                alpha,
                op.ptr,
                op.ld,
                bx.ptr,
                bx.inc,
                beta,
                py,
                incy,
            )
        }
    });
    Ok(())
}
