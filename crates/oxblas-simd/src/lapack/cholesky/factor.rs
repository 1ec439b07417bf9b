//! The recursive Cholesky factorization.

use oxblas_core::{validate, Cholesky, Error, Mat, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::current_par;
use crate::lapack::util::{dot, split_point, syrk_upper_sub, trsm_left, vectorized, Tri, LEAF};

/// Cholesky factorization $A = LL^T$, reading only the lower triangle of `a`.
///
/// Returns `L` (lower triangular, zeros above the diagonal).
///
/// # Errors
/// - [`Error::NotSquare`] if `a` is not square;
/// - [`Error::NonFinite`] if the lower triangle holds NaN or infinity
///   (checked before any work);
/// - [`Error::NotPositiveDefinite`] with the 0-based index of the first
///   pivot that is not positive (LAPACK's `info - 1`): the leading minor of
///   order `index + 1` is not positive definite.
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
    let n = validate::square(Op::Cholesky, a.shape())?;
    let mut finite = true;
    a.for_each(|i, j, x| finite &= j > i || x.is_finite());
    if !finite {
        return Err(Error::NonFinite { op: Op::Cholesky });
    }
    let mut l = Mat::zeros(n, n);
    for i in 0..n {
        let dst = &mut l.row_mut(i)[..=i];
        match a.row_slice(i) {
            Some(src) => dst.copy_from_slice(&src[..=i]),
            None => {
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = a[(i, j)];
                }
            }
        }
    }
    factor_in_place(l.as_mut(), 0, current_par())?;
    // The rank-k updates wrote whole diagonal blocks: clear the upper triangle.
    for i in 0..n {
        for x in &mut l.row_mut(i)[i + 1..] {
            *x = T::ZERO;
        }
    }
    Ok(Cholesky { l })
}

/// Factors the lower triangle of `a` in place (`offset`: the index of its
/// first pivot in the whole matrix, for the error).
pub(crate) fn factor_in_place<T: Scalar>(
    mut a: MatMut<'_, T>,
    offset: usize,
    par: Par,
) -> Result<()> {
    let n = a.rows();
    if n <= LEAF {
        return vectorized(|| leaf(a.rb_mut(), offset));
    }
    let n1 = split_point(n);
    let (top, bot) = a.split_at_row(n1);
    let (mut a11, _) = top.split_at_col(n1);
    let (mut a21, mut a22) = bot.split_at_col(n1);
    factor_in_place(a11.rb_mut(), offset, par)?;
    // L21 = A21 L11^{-T}, i.e. L11 L21^T = A21^T.
    trsm_left(Tri::Lower, a11.rb(), a21.rb_mut().t(), par)?;
    // A22 -= A21 A21^T on the lower triangle (the upper of the transposes).
    syrk_upper_sub(a21.rb().t(), a22.rb_mut().t(), par)?;
    factor_in_place(a22, offset + n1, par)
}

/// Unblocked Cholesky-Banachiewicz on a small block: row by row, every
/// inner product over two contiguous row prefixes.
#[inline(always)]
fn leaf<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
    let n = a.rows();
    let cs = a.col_stride();
    let mut row_i = vec![T::ZERO; n];
    let mut rows: Vec<T> = Vec::new();
    let contiguous = cs == 1;
    for i in 0..n {
        // Gather row i's prefix (contiguous already in the working copy).
        for (k, r) in row_i.iter_mut().enumerate().take(i + 1) {
            *r = a[(i, k)];
        }
        for j in 0..i {
            let rj = if contiguous {
                a.rb().row_slice(j).map(|r| &r[..j])
            } else {
                None
            };
            let s = match rj {
                Some(rj) => dot(&row_i[..j], rj),
                None => {
                    rows.clear();
                    rows.extend((0..j).map(|k| a[(j, k)]));
                    dot(&row_i[..j], &rows)
                }
            };
            row_i[j] = (row_i[j] - s) / a[(j, j)];
        }
        let d = row_i[i] - dot(&row_i[..i], &row_i[..i]);
        if d <= T::ZERO || d.is_nan() {
            return Err(Error::NotPositiveDefinite { index: offset + i });
        }
        row_i[i] = d.sqrt();
        for (k, &r) in row_i.iter().enumerate().take(i + 1) {
            a[(i, k)] = r;
        }
    }
    Ok(())
}
