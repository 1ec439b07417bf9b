//! The recursive Cholesky factorization.

use oxblas_core::{validate, Cholesky, Error, Mat, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::current_par;
use crate::lapack::util::{axpy, scale, split_point, syrk_upper_sub, trsm_left, vectorized, Tri};

/// Order up to which Cholesky runs its unblocked row kernel: its inner
/// products are contiguous and vectorized, so it beats the recursion's
/// small gemm/trsm calls up to about 64 (timed with `probe_factor`).
#[cfg(not(test))]
const LEAF: usize = 64;
#[cfg(test)]
const LEAF: usize = 3;

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
        return vectorized(
            #[inline(always)]
            || leaf(a.rb_mut(), offset),
        );
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

/// Unblocked right-looking Cholesky of a small block, on a transposed copy
/// (`U = L^T` with contiguous rows) so that every update is a contiguous,
/// vectorized axpy.
#[inline(always)]
fn leaf<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
    let n = a.rows();
    let mut u = vec![T::ZERO; n * n];
    for i in 0..n {
        for j in 0..=i {
            u[j * n + i] = a[(i, j)];
        }
    }
    for k in 0..n {
        let (top, bottom) = u.split_at_mut((k + 1) * n);
        let rowk = &mut top[k * n..];
        let d = rowk[k];
        if d <= T::ZERO || d.is_nan() {
            return Err(Error::NotPositiveDefinite { index: offset + k });
        }
        let d = d.sqrt();
        rowk[k] = d;
        scale(T::ONE / d, &mut rowk[k + 1..]);
        let rowk = &rowk[..];
        for (r, rowi) in bottom.chunks_exact_mut(n).enumerate() {
            let i = k + 1 + r;
            let f = rowk[i];
            if f != T::ZERO {
                axpy(-f, &rowk[i..], &mut rowi[i..]);
            }
        }
    }
    for i in 0..n {
        for j in 0..=i {
            a[(i, j)] = u[j * n + i];
        }
    }
    Ok(())
}
