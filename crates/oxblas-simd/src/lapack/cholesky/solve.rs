//! Solves and the inverse from a Cholesky factor.

use oxblas_core::{validate, Cholesky, Mat, MatMut, Op, Par, Result, Scalar};

use crate::current_par;
use crate::lapack::util::{trsm_left, Tri};

/// Solves $AX = B$ from the Cholesky factor of `A`: $LY = B$, then $L^TX = Y$.
///
/// # Errors
/// - [`oxblas_core::Error::DimensionMismatch`] if `b` does not have `n` rows;
/// - [`oxblas_core::Error::NotSquare`] if a hand-built `c.l` is not square.
pub fn solve<T: Scalar>(c: &Cholesky<T>, b: oxblas_core::MatRef<'_, T>) -> Result<Mat<T>> {
    validate::square(Op::CholeskySolve, c.l.shape())?;
    validate::rhs(Op::CholeskySolve, c.l.rows(), b.shape())?;
    let mut x = b.to_owned();
    solve_in_place(c, x.as_mut(), current_par())?;
    Ok(x)
}

fn solve_in_place<T: Scalar>(c: &Cholesky<T>, mut x: MatMut<'_, T>, par: Par) -> Result<()> {
    let l = c.l.as_ref();
    trsm_left(Tri::Lower, l, x.rb_mut(), par)?;
    trsm_left(Tri::Upper, l.t(), x, par)
}

/// $A^{-1}$ from the Cholesky factor of `A` (symmetric, both triangles filled).
///
/// # Errors
/// [`oxblas_core::Error::NotSquare`] if a hand-built `c.l` is not square.
pub fn inverse<T: Scalar>(c: &Cholesky<T>) -> Result<Mat<T>> {
    let n = validate::square(Op::CholeskySolve, c.l.shape())?;
    let mut x = Mat::<T>::identity(n);
    solve_in_place(c, x.as_mut(), current_par())?;
    // Symmetrize: average the rounding differences of the two triangles away.
    for i in 0..n {
        for j in 0..i {
            let s = (x[(i, j)] + x[(j, i)]) * T::from_f64(0.5);
            x[(i, j)] = s;
            x[(j, i)] = s;
        }
    }
    Ok(x)
}
