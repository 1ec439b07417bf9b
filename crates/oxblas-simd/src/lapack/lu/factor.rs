//! The recursive LU factorization.

use oxblas_core::{validate, Error, Lu, MatMut, Op, Par, Result, Scalar};

use crate::current_par;
use crate::lapack::util::{
    all_finite, apply_swaps, axpy, pgemm, scale, split_point, to_row_major, trsm_left, vectorized,
    Tri, LEAF,
};

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
    // Copy, then check the contiguous copy (vectorized) before any work.
    let mut factors = to_row_major(a);
    if !all_finite(factors.as_slice()) {
        return Err(Error::NonFinite { op: Op::Lu });
    }
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
        vectorized(
            #[inline(always)]
            || leaf(a.rb_mut(), piv),
        );
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
        pgemm(-T::ONE, l21, r_top.rb(), T::ONE, r_bot.rb_mut(), par)?;
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
///
/// The panel is copied into a column-major buffer first, so that the pivot
/// search, the scaling and every rank-1 update run over long contiguous
/// columns (vectorized); the copy costs `2 m w` moves against `m w^2` flops.
#[inline(always)]
fn leaf<T: Scalar>(mut a: MatMut<'_, T>, piv: &mut [usize]) {
    let (m, w) = a.shape();
    let mut buf = vec![T::ZERO; m * w];
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let base = a.ptr_at_mut(0, 0);
    for i in 0..m {
        for c in 0..w {
            // SAFETY: i < m, c < w: inside the view.
            buf[c * m + i] = unsafe { *base.offset(i as isize * rs + c as isize * cs) };
        }
    }
    for j in 0..w {
        let p = j + iamax(&buf[j * m + j..(j + 1) * m]);
        piv[j] = p;
        if p != j {
            for c in 0..w {
                buf.swap(c * m + j, c * m + p);
            }
        }
        let (done, rest) = buf.split_at_mut((j + 1) * m);
        let col = &mut done[j * m..];
        let pivot = col[j];
        if pivot == T::ZERO {
            // The column below is zero too (the pivot is its largest entry):
            // nothing to eliminate, and no division by zero.
            continue;
        }
        let below = &mut col[j + 1..];
        if pivot.abs() >= T::MIN_POSITIVE {
            scale(T::ONE / pivot, below);
        } else {
            for x in below.iter_mut() {
                *x /= pivot;
            }
        }
        let below = &col[j + 1..];
        for other in rest.chunks_exact_mut(m) {
            let u = other[j];
            if u != T::ZERO {
                axpy(-u, below, &mut other[j + 1..]);
            }
        }
    }
    for i in 0..m {
        for c in 0..w {
            // SAFETY: as above; the view is borrowed exclusively.
            unsafe { *base.offset(i as isize * rs + c as isize * cs) = buf[c * m + i] };
        }
    }
}

/// Index of the first entry of largest magnitude; a NaN wins (as `iamax`).
#[inline(always)]
fn iamax<T: Scalar>(x: &[T]) -> usize {
    // Pass 1: the largest magnitude (a vectorizable max), pass 2: where it is.
    let mut best = T::ZERO;
    let mut nan = false;
    for &v in x {
        let v = v.abs();
        nan |= v.is_nan();
        best = if v > best { v } else { best };
    }
    if nan {
        return x.iter().position(|v| v.is_nan()).unwrap_or(0);
    }
    x.iter().position(|v| v.abs() == best).unwrap_or(0)
}
