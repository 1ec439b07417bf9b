//! The recursive LU factorization.

use oxblas_core::{validate, Lu, MatMut, Op, Par, Result, Scalar};

use crate::current_par;
use crate::gemm::gemm;
use crate::lapack::util::{apply_swaps, split_point, swap_rows, trsm_left, vectorized, Tri, LEAF};

/// LU factorization with partial pivoting of a square matrix: $PA = LU$.
///
/// Returns LAPACK's `getrf` layout ([`Lu`]): `U` on and above the diagonal,
/// the multipliers of the unit lower `L` below it, and `pivots[i]`, the row
/// swapped with row `i` at step `i`. A singular matrix factors fine: its `U`
/// keeps the zero pivot, and no division by it happens.
///
/// # Errors
/// - [`oxblas_core::Error::NotSquare`] if `a` is not square;
/// - [`oxblas_core::Error::NonFinite`] if `a` holds NaN or infinity (checked
///   before any work).
pub fn factor<T: Scalar>(a: oxblas_core::MatRef<'_, T>) -> Result<Lu<T>> {
    let n = validate::square(Op::Lu, a.shape())?;
    validate::finite(Op::Lu, a)?;
    let mut factors = a.to_owned();
    let mut pivots = vec![0; n];
    factor_in_place(factors.as_mut(), &mut pivots, current_par())?;
    Ok(Lu { factors, pivots })
}

/// Factors the `m x w` panel `a` (`m >= w`) in place; `piv` (length `w`)
/// receives the interchanges, relative to the panel's first row.
pub(crate) fn factor_in_place<T: Scalar>(
    mut a: MatMut<'_, T>,
    piv: &mut [usize],
    par: Par,
) -> Result<()> {
    let (m, w) = a.shape();
    debug_assert!(m >= w && piv.len() == w);
    if w == 0 {
        return Ok(());
    }
    if w <= LEAF {
        vectorized(|| leaf(a.rb_mut(), piv));
        return Ok(());
    }
    let n1 = split_point(w);
    let (piv1, piv2) = piv.split_at_mut(n1);
    let (mut left, right) = a.split_at_col(n1);
    factor_in_place(left.rb_mut(), piv1, par)?;
    let mut right = right;
    apply_swaps(right.rb_mut(), piv1);
    {
        let (l11, l21) = left.rb().split_at_row(n1);
        let (mut r_top, mut r_bot) = right.rb_mut().split_at_row(n1);
        trsm_left(Tri::LowerUnit, l11, r_top.rb_mut(), par)?;
        gemm(-T::ONE, l21, r_top.rb(), T::ONE, r_bot.rb_mut(), par)?;
    }
    let (_, r_bot) = right.split_at_row(n1);
    factor_in_place(r_bot, piv2, par)?;
    let (_, l_bot) = left.split_at_row(n1);
    apply_swaps(l_bot, piv2);
    for p in piv2.iter_mut() {
        *p += n1;
    }
    Ok(())
}

/// Unblocked right-looking LU of a narrow panel (`w <= LEAF` columns).
/// Rank-1 updates run along rows, contiguous in the row-major working copy.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // j indexes the panel and `piv` alike
fn leaf<T: Scalar>(mut a: MatMut<'_, T>, piv: &mut [usize]) {
    let (m, w) = a.shape();
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let base = a.ptr_at_mut(0, 0);
    let at = |i: usize, j: usize| base.wrapping_offset(i as isize * rs + j as isize * cs);
    for j in 0..w {
        // Pivot: the first entry of largest magnitude (a NaN wins, as in iamax).
        let mut p = j;
        // SAFETY: j < w <= m, (j, j) is in the view.
        let mut best = unsafe { (*at(j, j)).abs() };
        if !best.is_nan() {
            for i in j + 1..m {
                // SAFETY: i < m, j < w.
                let v = unsafe { (*at(i, j)).abs() };
                if v > best || v.is_nan() {
                    best = v;
                    p = i;
                    if v.is_nan() {
                        break;
                    }
                }
            }
        }
        piv[j] = p;
        if p != j {
            swap_rows(&mut a, j, p);
        }
        // SAFETY: (j, j) is in the view.
        let pivot = unsafe { *at(j, j) };
        if pivot == T::ZERO {
            // The column below is zero too (the pivot is its largest entry):
            // nothing to eliminate, and no division by zero.
            continue;
        }
        if pivot.abs() >= T::MIN_POSITIVE {
            let r = T::ONE / pivot;
            for i in j + 1..m {
                // SAFETY: i < m, j < w.
                unsafe { *at(i, j) *= r };
            }
        } else {
            for i in j + 1..m {
                // SAFETY: i < m, j < w.
                unsafe { *at(i, j) /= pivot };
            }
        }
        let rest = w - j - 1;
        if rest == 0 {
            continue;
        }
        let urow = at(j, j + 1) as *const T;
        for i in j + 1..m {
            // SAFETY: i < m, j < w.
            let l = unsafe { *at(i, j) };
            if l != T::ZERO {
                // SAFETY: rows i != j are disjoint; columns j+1..w are in the view.
                unsafe { crate::lapack::util::axpy_raw(rest, -l, urow, cs, at(i, j + 1), cs) };
            }
        }
    }
}
