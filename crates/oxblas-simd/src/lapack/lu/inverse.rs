//! $A^{-1}$ from LU factors the way LAPACK's `getri` does: `U` is inverted
//! in place (`trtri`), then $X = A^{-1}$ solves $X L = U^{-1}$ block column
//! by block column from the right, and the column interchanges are undone.
//! About $4n^3/3$ flops, almost all in gemm, against $2n^3$ for solving
//! against the identity.

use oxblas_core::{Mat, MatMut, MatRef, Par, Result, Scalar};

use crate::lapack::util::{pgemm, split_point, trsm_left, Tri};

/// Order at which the in-place triangular inversion stops recursing.
#[cfg(not(test))]
const TRI_LEAF: usize = 16;
#[cfg(test)]
const TRI_LEAF: usize = 3;

/// Width of the block columns of the `X L = U^{-1}` sweep.
#[cfg(not(test))]
const NB: usize = 64;
#[cfg(test)]
const NB: usize = 5;

/// Overwrites the `n x n` `a` (the LU factors; nonsingular: no zero on the
/// diagonal, checked by the caller) with $U^{-1} L^{-1}$; the caller then
/// undoes the interchanges on its columns.
pub(super) fn inverse_in_place<T: Scalar>(mut a: MatMut<'_, T>, par: Par) -> Result<()> {
    let n = a.rows();
    debug_assert_eq!(a.cols(), n);
    invert_upper(a.rb_mut(), par)?;
    let mut work = Mat::<T>::zeros(n, NB.min(n));
    let mut tbuf = Vec::new();
    let mut j_end = n;
    while j_end > 0 {
        let w = j_end.min(NB);
        let j0 = j_end - w;
        // The block column's multipliers move to `work` (rows j0.., zero on
        // and above the diagonal), their places in `a` become zero.
        for i in j0..n {
            for c in 0..w {
                let j = j0 + c;
                if i > j {
                    work[(i - j0, c)] = a[(i, j)];
                    a[(i, j)] = T::ZERO;
                } else {
                    work[(i - j0, c)] = T::ZERO;
                }
            }
        }
        let (left, right) = a.rb_mut().split_at_col(j_end);
        let (_, mut xb) = left.split_at_col(j0);
        let wv = work.as_ref().submatrix(0, 0, n - j0, w)?;
        let (l_diag, l_below) = wv.split_at_row(w);
        if j_end < n {
            // X_b -= X_right L_below.
            pgemm(-T::ONE, right.rb(), l_below, T::ONE, xb.rb_mut(), par)?;
        }
        // X_b <- X_b L_diag^{-1}: L_diag^T X_b^T = (old X_b)^T, solved on a
        // contiguous copy of X_b^T (the solve is fast on contiguous rows).
        right_solve(Tri::UpperUnit, l_diag.t(), xb, &mut tbuf, par)?;
        j_end = j0;
    }
    Ok(())
}

/// `x <- y` with $A Y^T = X^T$ for the triangular `a` (`tri` as in
/// [`trsm_left`]), solved on a row-major copy of $X^T$ in `buf`.
fn right_solve<T: Scalar>(
    tri: Tri,
    a: MatRef<'_, T>,
    mut x: MatMut<'_, T>,
    buf: &mut Vec<T>,
    par: Par,
) -> Result<()> {
    let (m, w) = x.shape();
    buf.clear();
    buf.resize(m * w, T::ZERO);
    for i in 0..m {
        match x.rb().row_slice(i) {
            Some(row) => {
                for (j, &v) in row.iter().enumerate() {
                    buf[j * m + i] = v;
                }
            }
            None => {
                for j in 0..w {
                    buf[j * m + i] = x[(i, j)];
                }
            }
        }
    }
    let mut xt = MatMut::from_slice(buf.as_mut_slice(), w, m)?;
    trsm_left(tri, a, xt.rb_mut(), par)?;
    for i in 0..m {
        match x.row_slice(i) {
            Some(row) => {
                for (j, v) in row.iter_mut().enumerate() {
                    *v = buf[j * m + i];
                }
            }
            None => {
                for j in 0..w {
                    x[(i, j)] = buf[j * m + i];
                }
            }
        }
    }
    Ok(())
}

/// Replaces the upper triangle of the square `a` (nonsingular) by its
/// inverse; the strict lower triangle is not touched. Recursive:
/// $U_{12} \leftarrow -U_{11}^{-1} U_{12} U_{22}^{-1}$ by two triangular
/// solves with the original diagonal blocks, then both blocks are inverted.
fn invert_upper<T: Scalar>(a: MatMut<'_, T>, par: Par) -> Result<()> {
    let n = a.rows();
    if n <= TRI_LEAF {
        invert_upper_leaf(a);
        return Ok(());
    }
    let n1 = split_point(n);
    let (left, right) = a.split_at_col(n1);
    let (u11, _) = left.split_at_row(n1);
    let (mut u12, u22) = right.split_at_row(n1);
    for i in 0..u12.rows() {
        for j in 0..u12.cols() {
            u12[(i, j)] = -u12[(i, j)];
        }
    }
    trsm_left(Tri::Upper, u11.rb(), u12.rb_mut(), par)?;
    // Y U22 = Z  <=>  U22^T Y^T = Z^T (lower, read from U22's upper triangle).
    right_solve(Tri::Lower, u22.rb().t(), u12, &mut Vec::new(), par)?;
    invert_upper(u11, par)?;
    invert_upper(u22, par)
}

/// Unblocked in-place inversion of an upper triangle (LAPACK's `trti2`),
/// column by column: column `j` above the diagonal becomes
/// $-u_{jj}^{-1} T u_{0..j,j}$ with `T` the already inverted leading block.
fn invert_upper_leaf<T: Scalar>(mut a: MatMut<'_, T>) {
    let n = a.rows();
    for j in 0..n {
        let d = T::ONE / a[(j, j)];
        a[(j, j)] = d;
        for i in 0..j {
            // Rows below i of column j are still the original entries.
            let mut s = T::ZERO;
            for k in i..j {
                s = a[(i, k)].mul_add(a[(k, j)], s);
            }
            a[(i, j)] = -d * s;
        }
    }
}
