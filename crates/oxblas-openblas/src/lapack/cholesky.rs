//! Cholesky factorization (`?potrf`) and solves with it (`?potrs`).
//!
//! A row-major `n x n` buffer read column-major is the transpose. So `?potrf`
//! with `uplo = 'U'` on a row-major copy of `A` reads `A`'s lower triangle and
//! leaves `U = L^T` in column-major order, which read row-major is `L`
//! itself: no transposition in or out. `?potrs('U')` on `L`'s row-major data
//! likewise sees `U = L^T`.

use oxblas_core::{validate, Cholesky, Error, Mat, MatRef, Op, Result};

use super::check_info;
use crate::elem::Elem;
use crate::layout::{blas_int, check_dims, mat_from_col_major, to_col_major};

pub(crate) fn cholesky<E: Elem>(a: MatRef<'_, E>) -> Result<Cholesky<E>> {
    let n = validate::square(Op::Cholesky, a.shape())?;
    validate::finite_lower(Op::Cholesky, a)?;
    let n32 = blas_int(Op::Cholesky, n)?;
    if n == 0 {
        return Ok(Cholesky {
            l: Mat::zeros(0, 0),
        });
    }
    // Row-major copy of A (= column-major A^T).
    let mut buf = to_col_major(a.t());
    // SAFETY: buf is n x n with lda = n >= 1.
    let info = unsafe { E::potrf(b'U', n32, &mut buf, n32) };
    if check_info(Op::Cholesky, info)? > 0 {
        return Err(Error::NotPositiveDefinite {
            index: info as usize - 1,
        });
    }
    // Row-major, buf now holds L on and below the diagonal; clear the rest.
    for (i, row) in buf.chunks_exact_mut(n).enumerate() {
        row[i + 1..].fill(E::ZERO);
    }
    let l = Mat::from_vec(n, n, buf).expect("n * n elements");
    Ok(Cholesky { l })
}

pub(crate) fn cholesky_solve<E: Elem>(c: &Cholesky<E>, b: MatRef<'_, E>) -> Result<Mat<E>> {
    let n = c.l.rows();
    validate::rhs(Op::CholeskySolve, n, b.shape())?;
    // The default implementation's first triangular solve rejects a
    // non-square factor; keep its error.
    validate::square(Op::Trsm, c.l.shape())?;
    let k = b.cols();
    check_dims(Op::CholeskySolve, &[n, k])?;
    if n == 0 || k == 0 {
        return Ok(Mat::zeros(n, k));
    }
    let mut x = to_col_major(b);
    let (n32, k32) = (n as i32, k as i32);
    // SAFETY: L's row-major data is n x n (lda n), x is n x k column-major
    // (ldb n); dimensions fit i32.
    let info = unsafe { E::potrs(b'U', n32, k32, c.l.as_slice(), n32, &mut x, n32) };
    check_info(Op::CholeskySolve, info)?;
    Ok(mat_from_col_major(n, k, &x, n))
}
