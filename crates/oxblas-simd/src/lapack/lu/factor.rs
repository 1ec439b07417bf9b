//! The recursive LU factorization, on one thread or on a spinning thread
//! team.
//!
//! With more than one thread the whole factorization runs inside one
//! [`with_team`] region: the input copy is split by rows, and the recursion
//! runs as a task graph of its steps with look-ahead (`dag.rs`), which
//! computes every element by the same sequence of operations as the
//! one-thread recursion here, so the factors do not depend on the thread
//! count.

use oxblas_core::{validate, Error, Lu, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::current_par;
use crate::gemm::trsm::gemm_nt_sub;
use crate::gemm::{gemm, isa};
use crate::lapack::util::{self, split_point, vectorized};
use crate::team::{with_team, Team};

use super::leaf::leaf;
use super::par::copy_checked;
use super::trsm::solve_unit_lower;

/// Widest panel factored by the unblocked kernel ([`leaf`]): the shared
/// leaf width, doubled under `cfg(test)` (to 6) so that test leaves run both
/// the leaf's rank-4 blocks and its narrower remainder.
#[cfg(not(test))]
pub(super) const LEAF: usize = util::LEAF;
#[cfg(test)]
pub(super) const LEAF: usize = 2 * util::LEAF;

/// Order below which the factorization runs on one thread (no team): a
/// team starts and joins its threads (tens of microseconds), about what a
/// second thread saves on an order-128 factorization.
#[cfg(not(test))]
const TEAM_MIN: usize = 256;
#[cfg(test)]
const TEAM_MIN: usize = 1;

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
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>> {
    let n = validate::square(Op::Lu, a.shape())?;
    factor_par(a, n, current_par())
}

/// [`factor`] of the validated `n x n` `a` with the given parallelism.
pub(super) fn factor_par<T: Scalar>(a: MatRef<'_, T>, n: usize, par: Par) -> Result<Lu<T>> {
    let par = if n < TEAM_MIN { Par::Seq } else { par };
    with_team(par, |team| {
        // Copy, and check the copy before any work.
        let mut factors = copy_checked(a, team).ok_or(Error::NonFinite { op: Op::Lu })?;
        let mut pivots = vec![0; n];
        factor_in_place(factors.as_mut(), &mut pivots, team, &mut Vec::new())?;
        Ok(Lu { factors, pivots })
    })
}

/// Factors the square `a` in place; `piv` (length `n`) receives the
/// interchanges. One thread runs the recursion ([`factor_rec`]); a team
/// runs the same steps as a task graph (`dag.rs`).
fn factor_in_place<T: Scalar>(
    mut a: MatMut<'_, T>,
    piv: &mut [usize],
    team: &Team,
    buf: &mut Vec<T>,
) -> Result<()> {
    let (m, w) = a.shape();
    debug_assert!(m == w && piv.len() == w);
    if team.size() > 1 {
        return super::dag::factor(a, piv, team);
    }
    factor_rec(&mut a, 0, w, piv, buf)
}

/// Factors the panel of `a` at rows `off..m`, columns `off..off + w`; `piv`
/// (length `w`) receives its interchanges relative to row `off`. Every
/// interchange is applied to the whole rows of `a` when its leaf is done
/// (contiguous, one pass per interchange), not by the recursion to the
/// columns on either side of each panel in separate passes as the team's
/// task graph does.
///
/// Both orders give the same factors: columns right of a panel are not
/// touched before the panel is done, columns left of it are not touched
/// after, and the interchanges stay in order.
fn factor_rec<T: Scalar>(
    a: &mut MatMut<'_, T>,
    off: usize,
    w: usize,
    piv: &mut [usize],
    buf: &mut Vec<T>,
) -> Result<()> {
    let m = a.rows() - off;
    debug_assert!(m >= w && piv.len() == w && off + w <= a.cols());
    if w == 0 {
        return Ok(());
    }
    if w <= LEAF {
        let panel = a.rb_mut().submatrix(off, off, m, w)?;
        vectorized(
            #[inline(always)]
            || leaf(panel, piv, buf),
        );
        swap_outside(a.rb_mut(), off, w, piv);
        return Ok(());
    }
    let n1 = split_point(w);
    let (piv1, piv2) = piv.split_at_mut(n1);
    factor_rec(a, off, n1, piv1, buf)?;
    {
        let (left, mut right) = a.rb_mut().submatrix(off, off, m, w)?.split_at_col(n1);
        let (l11, l21) = left.into_ref().split_at_row(n1);
        let (mut r_top, r_bot) = right.rb_mut().split_at_row(n1);
        solve_unit_lower(l11, r_top.rb_mut(), Par::Seq)?;
        sub_product(l21, r_top.rb(), r_bot, use_packed(m - n1, w - n1, n1))?;
    }
    factor_rec(a, off + n1, w - n1, piv2, buf)?;
    for p in piv2.iter_mut() {
        *p += n1;
    }
    Ok(())
}

/// Applies the interchanges `row off + j <-> row off + piv[j]` to the columns
/// of `a` outside `off..off + w` (the panel, already swapped by its leaf).
pub(super) fn swap_outside<T: Scalar>(mut a: MatMut<'_, T>, off: usize, w: usize, piv: &[usize]) {
    let (rows, cols) = a.shape();
    let right = off + w;
    // A real check: the raw swaps below must stay inside the view.
    assert!(
        right <= cols && piv.iter().all(|&p| off + p < rows),
        "swap_outside out of range"
    );
    let cs = a.col_stride();
    for (j, &p) in piv.iter().enumerate() {
        if p == j {
            continue;
        }
        let x = a.ptr_at_mut(off + j, 0);
        let y = a.ptr_at_mut(off + p, 0);
        if cs == 1 {
            // SAFETY: rows off + j != off + p of the view are disjoint and
            // hold `cols` contiguous elements each (asserted in range);
            // `0..off` and `right..cols` are within them.
            unsafe {
                core::ptr::swap_nonoverlapping(x, y, off);
                core::ptr::swap_nonoverlapping(x.add(right), y.add(right), cols - right);
            }
        } else {
            for c in (0..off).chain(right..cols) {
                let c = c as isize * cs;
                // SAFETY: column c < cols of two distinct in-range rows.
                unsafe { core::ptr::swap(x.offset(c), y.offset(c)) };
            }
        }
    }
}

/// Whether the `m x n x k` update runs [`gemm_nt_sub`]'s packed loops
/// rather than [`gemm`]: when `gemm` would not take its small-product path
/// (all three at most 16).
pub(super) fn use_packed(m: usize, n: usize, k: usize) -> bool {
    m > 16 || n > 16 || k > 16
}

/// `c <- c - a b` on the calling thread: with `packed`, by the packed update
/// `C -= A (B^T)^T` of `crate::gemm::trsm`, whose AVX2 packers transpose the
/// row-major `a` in registers (the general gemm packs it element by element)
/// and copy `b`'s rows as they are.
pub(super) fn sub_product<T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
    packed: bool,
) -> Result<()> {
    if packed {
        validate::gemm(Op::Lu, a.shape(), b.shape(), c.shape())?;
        gemm_nt_sub(isa(), a, b.t(), c);
        Ok(())
    } else {
        gemm(-T::ONE, a, b, T::ONE, c, Par::Seq)
    }
}
