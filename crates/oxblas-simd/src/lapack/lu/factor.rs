//! The recursive LU factorization.

use oxblas_core::{validate, Error, Lu, MatMut, Op, Par, Result, Scalar};

use crate::current_par;
use crate::lapack::util::{self, pgemm, split_point, vectorized};

use super::leaf::leaf;
use super::par::{copy_checked, swaps};
use super::trsm::solve_unit_lower;

/// Widest panel factored by the unblocked kernel ([`leaf`]): the shared
/// leaf width, doubled under `cfg(test)` (to 6) so that test leaves run both
/// the leaf's rank-4 blocks and its narrower remainder.
#[cfg(not(test))]
const LEAF: usize = util::LEAF;
#[cfg(test)]
const LEAF: usize = 2 * util::LEAF;

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
    let par = current_par();
    // Copy, and check the copy before any work.
    let mut factors = copy_checked(a, par).ok_or(Error::NonFinite { op: Op::Lu })?;
    let mut pivots = vec![0; n];
    factor_in_place(factors.as_mut(), &mut pivots, par, &mut Vec::new())?;
    Ok(Lu { factors, pivots })
}

/// Factors the `m x w` panel `a` (`m >= w`) in place; `piv` (length `w`)
/// receives the interchanges, relative to the panel's first row.
pub(crate) fn factor_in_place<T: Scalar>(
    mut a: MatMut<'_, T>,
    piv: &mut [usize],
    par: Par,
    buf: &mut Vec<T>,
) -> Result<()> {
    let (m, w) = a.shape();
    debug_assert!(m >= w && piv.len() == w);
    if w == 0 {
        return Ok(());
    }
    if w <= LEAF {
        vectorized(
            #[inline(always)]
            || leaf(a.rb_mut(), piv, buf),
        );
        return Ok(());
    }
    let n1 = split_point(w);
    let (piv1, piv2) = piv.split_at_mut(n1);
    let (mut left, right) = a.split_at_col(n1);
    factor_in_place(left.rb_mut(), piv1, par, buf)?;
    let mut right = right;
    swaps(right.rb_mut(), piv1, par);
    {
        let (l11, l21) = left.rb().split_at_row(n1);
        let (mut r_top, mut r_bot) = right.rb_mut().split_at_row(n1);
        solve_unit_lower(l11, r_top.rb_mut(), par)?;
        pgemm(-T::ONE, l21, r_top.rb(), T::ONE, r_bot.rb_mut(), par)?;
    }
    let (_, r_bot) = right.split_at_row(n1);
    factor_in_place(r_bot, piv2, par, buf)?;
    let (_, l_bot) = left.split_at_row(n1);
    swaps(l_bot, piv2, par);
    for p in piv2.iter_mut() {
        *p += n1;
    }
    Ok(())
}
