//! The recursive Cholesky factorization.

use oxblas_core::{
    validate, Cholesky, Diag, Error, Mat, MatMut, MatRef, Op, Result, Scalar, Side, Uplo,
};

use crate::lapack::util::{all_finite, axpy, scale, split_point, vectorized};
use crate::level3;

/// Order up to which Cholesky runs its unblocked kernel: its updates are
/// contiguous and vectorized, so it beats the recursion's small trsm/syrk
/// calls up to about 64 (timed with `probe_factor`).
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
    // One pass: copy each row's lower part, check it (vectorized), zero the
    // rest. The check completes before any factorization work.
    let mut data: Vec<T> = Vec::with_capacity(n * n);
    for i in 0..n {
        match a.row_slice(i) {
            Some(src) => data.extend_from_slice(&src[..=i]),
            // SAFETY: i < n, j <= i < n.
            None => data.extend((0..=i).map(|j| unsafe { *a.get_unchecked(i, j) })),
        }
        if !all_finite(&data[i * n..]) {
            return Err(Error::NonFinite { op: Op::Cholesky });
        }
        data.resize((i + 1) * n, T::ZERO);
    }
    let mut l = Mat::from_vec(n, n, data)?;
    factor_in_place(l.as_mut(), 0)?;
    Ok(Cholesky { l })
}

/// Factors the lower triangle of `a` in place (`offset`: the index of its
/// first pivot in the whole matrix, for the error).
fn factor_in_place<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
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
    factor_in_place(a11.rb_mut(), offset)?;
    // L21 = A21 L11^{-T}: a right-side solve against the upper L11^T, by
    // the crate's level-3 trsm (gemm-based, its small solves vectorized).
    level3::trsm(
        Side::Right,
        Uplo::Upper,
        Diag::NonUnit,
        T::ONE,
        a11.rb().t(),
        a21.rb_mut(),
    )?;
    // A22 -= L21 L21^T on the lower triangle only, by the packed syrk driver.
    level3::syrk(Uplo::Lower, -T::ONE, a21.rb(), T::ONE, a22.rb_mut())?;
    factor_in_place(a22, offset + n1)
}

/// Unblocked left-looking Cholesky of a small block, on a transposed copy
/// (`U = L^T` with contiguous rows) so that every update is a contiguous,
/// vectorized update fused over four rows (multiply-adds fused too).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // five slices indexed alike
fn leaf<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
    let n = a.rows();
    let mut u = vec![T::ZERO; n * n];
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let base = a.ptr_at_mut(0, 0);
    let at = |i: usize, j: usize| base.wrapping_offset(i as isize * rs + j as isize * cs);
    for i in 0..n {
        for j in 0..=i {
            // SAFETY: i, j < n: inside the view.
            u[j * n + i] = unsafe { *at(i, j) };
        }
    }
    // Left-looking: row k of U is its row of A minus the rows above it,
    // four rows per pass, so the row is loaded and stored k / 4 times.
    for k in 0..n {
        let (done, rest) = u.split_at_mut(k * n);
        let rowk = &mut rest[k..n];
        let mut p = 0;
        while p + 4 <= k {
            let c = [
                -done[p * n + k],
                -done[(p + 1) * n + k],
                -done[(p + 2) * n + k],
                -done[(p + 3) * n + k],
            ];
            let x0 = &done[p * n + k..(p + 1) * n];
            let x1 = &done[(p + 1) * n + k..(p + 2) * n];
            let x2 = &done[(p + 2) * n + k..(p + 3) * n];
            let x3 = &done[(p + 3) * n + k..(p + 4) * n];
            for j in 0..rowk.len() {
                // Fused multiply-adds (the kernel runs with FMA enabled).
                rowk[j] = c[3].mul_add(
                    x3[j],
                    c[2].mul_add(x2[j], c[1].mul_add(x1[j], c[0].mul_add(x0[j], rowk[j]))),
                );
            }
            p += 4;
        }
        while p < k {
            let c = done[p * n + k];
            axpy(-c, &done[p * n + k..(p + 1) * n], rowk);
            p += 1;
        }
        let d = rowk[0];
        if d <= T::ZERO || d.is_nan() {
            return Err(Error::NotPositiveDefinite { index: offset + k });
        }
        let d = d.sqrt();
        rowk[0] = d;
        scale(T::ONE / d, &mut rowk[1..]);
    }
    for i in 0..n {
        for j in 0..=i {
            // SAFETY: i, j < n: inside the view, borrowed exclusively.
            unsafe { *at(i, j) = u[j * n + i] };
        }
    }
    Ok(())
}
