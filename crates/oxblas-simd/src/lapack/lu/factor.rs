//! The recursive LU factorization, on a spinning thread team.
//!
//! With more than one thread the whole factorization runs inside one
//! [`with_team`] region: the recursion itself stays on the calling thread,
//! and each of its memory-bound or gemm steps (row interchanges, the solve
//! of the top-right block, the trailing update) is cut into one part per
//! member, each running the sequential kernel on its part. A part is a set
//! of columns (interchanges, solves, wide updates) or of rows (the tall,
//! narrow updates inside a panel). Every element is computed by the same
//! sequence of operations as in the one-thread recursion (the gemm and the
//! solve kernel compute each element independently of how the output is
//! cut), so the factors do not depend on the thread count.

use oxblas_core::{validate, Error, Lu, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::current_par;
use crate::gemm::gemm;
use crate::lapack::util::{self, apply_swaps, split_point, vectorized};
use crate::team::{with_team, Team};

use super::leaf::leaf;
use super::par::copy_checked;
use super::trsm::solve_unit_lower;

/// Widest panel factored by the unblocked kernel ([`leaf`]): the shared
/// leaf width, doubled under `cfg(test)` (to 6) so that test leaves run both
/// the leaf's rank-4 blocks and its narrower remainder.
#[cfg(not(test))]
const LEAF: usize = util::LEAF;
#[cfg(test)]
const LEAF: usize = 2 * util::LEAF;

/// Order below which the factorization runs on one thread (no team): a
/// team starts and joins its threads (tens of microseconds), about what a
/// second thread saves on an order-128 factorization.
#[cfg(not(test))]
const TEAM_MIN: usize = 256;
#[cfg(test)]
const TEAM_MIN: usize = 1;

/// Multiply-adds (`m n k`) below which an update runs on the caller alone:
/// a team section costs about a microsecond, a sequential gemm of this size
/// a few.
#[cfg(not(test))]
const PAR_GEMM_MIN: usize = 1 << 16;
#[cfg(test)]
const PAR_GEMM_MIN: usize = 1;

/// Element moves (`swaps x columns`) below which interchanges are not split.
#[cfg(not(test))]
const PAR_SWAP_MIN: usize = 1 << 12;
#[cfg(test)]
const PAR_SWAP_MIN: usize = 1;

/// Multiply-adds (`n^2 k / 2`) below which a triangular solve is not split.
#[cfg(not(test))]
const PAR_TRSM_MIN: usize = 1 << 15;
#[cfg(test)]
const PAR_TRSM_MIN: usize = 1;

/// The shortest part a split dimension is cut into. Above 16 (the gemm's
/// unpacked small-product bound), so that a part takes the same gemm path
/// as the whole product, which keeps the results bitwise equal.
const MIN_PART: usize = 32;

/// Column parts are cut on multiples of this (the gemm's widest
/// microkernel, 16 f32 lanes, and the solve kernel's chunk).
const COL_ALIGN: usize = 16;

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

/// Factors the `m x w` panel `a` (`m >= w`) in place; `piv` (length `w`)
/// receives the interchanges, relative to the panel's first row.
fn factor_in_place<T: Scalar>(
    mut a: MatMut<'_, T>,
    piv: &mut [usize],
    team: &Team,
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
    factor_in_place(left.rb_mut(), piv1, team, buf)?;
    let mut right = right;
    swaps(right.rb_mut(), piv1, team);
    {
        let (l11, l21) = left.rb().split_at_row(n1);
        let (mut r_top, r_bot) = right.rb_mut().split_at_row(n1);
        solve(l11, r_top.rb_mut(), team)?;
        update(l21, r_top.rb(), r_bot, team)?;
    }
    let (_, r_bot) = right.split_at_row(n1);
    factor_in_place(r_bot, piv2, team, buf)?;
    let (_, l_bot) = left.split_at_row(n1);
    swaps(l_bot, piv2, team);
    for p in piv2.iter_mut() {
        *p += n1;
    }
    Ok(())
}

/// Cuts `len` into at most `parts` ranges, each (but the last) a multiple
/// of `align` long and none shorter than [`MIN_PART`]; returns the cut
/// points (`0 = c_0 < ... = len`). One range when `len < 2 * MIN_PART`.
fn cuts(len: usize, parts: usize, align: usize) -> Vec<usize> {
    let blocks = len.div_ceil(align);
    let parts = parts.min(len / MIN_PART).min(blocks).max(1);
    let mut out: Vec<usize> = (0..=parts)
        .map(|p| (blocks * p / parts * align).min(len))
        .collect();
    out.dedup();
    out
}

/// Splits `a` into column parts at `cuts`.
fn col_parts<'a, T: Scalar>(mut a: MatMut<'a, T>, cuts: &[usize]) -> Vec<MatMut<'a, T>> {
    let mut parts = Vec::with_capacity(cuts.len());
    for w in cuts.windows(2).rev() {
        let (rest, last) = a.split_at_col(w[0]);
        parts.push(last);
        a = rest;
    }
    parts.reverse();
    parts
}

/// Splits `a` into row parts at `cuts`.
fn row_parts<'a, T: Scalar>(mut a: MatMut<'a, T>, cuts: &[usize]) -> Vec<MatMut<'a, T>> {
    let mut parts = Vec::with_capacity(cuts.len());
    for w in cuts.windows(2).rev() {
        let (rest, last) = a.split_at_row(w[0]);
        parts.push(last);
        a = rest;
    }
    parts.reverse();
    parts
}

/// Row interchanges `row i <-> row piv[i]` on `a`, by column parts.
fn swaps<T: Scalar>(a: MatMut<'_, T>, piv: &[usize], team: &Team) {
    let cols = a.cols();
    if team.size() == 1 || piv.len() * cols < PAR_SWAP_MIN || cols < 2 {
        apply_swaps(a, piv);
        return;
    }
    let parts = col_parts(a, &cuts(cols, team.size(), 8));
    team.run_parts(parts, &|_, p| apply_swaps(p, piv));
}

/// `b <- L^{-1} b` for the unit lower triangle of `l`, by column parts.
fn solve<T: Scalar>(l: MatRef<'_, T>, b: MatMut<'_, T>, team: &Team) -> Result<()> {
    let (n, k) = b.shape();
    if team.size() == 1 || n * n / 2 * k < PAR_TRSM_MIN || k < 2 {
        return solve_unit_lower(l, b, Par::Seq);
    }
    let parts = col_parts(b, &cuts(k, team.size(), COL_ALIGN));
    run_fallible(team, parts, &|p| solve_unit_lower(l, p, Par::Seq))
}

/// `c <- c - a b`, by column parts when `c` is wide, else by row parts.
fn update<T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
    team: &Team,
) -> Result<()> {
    let (m, n) = c.shape();
    let k = a.cols();
    let size = team.size();
    if size == 1 || m * n * k < PAR_GEMM_MIN || m * n == 0 {
        return gemm(-T::ONE, a, b, T::ONE, c, Par::Seq);
    }
    if n >= size * 4 * COL_ALIGN || n >= m {
        let at = cuts(n, size, COL_ALIGN);
        let parts: Vec<_> = col_parts(c, &at)
            .into_iter()
            .zip(at.windows(2))
            .map(|(c, w)| (c, w[0], w[1] - w[0]))
            .collect();
        run_fallible(team, parts, &|(c, j, w)| {
            let bj = b.submatrix(0, j, k, w)?;
            gemm(-T::ONE, a, bj, T::ONE, c, Par::Seq)
        })
    } else {
        let at = cuts(m, size, 8);
        let parts: Vec<_> = row_parts(c, &at)
            .into_iter()
            .zip(at.windows(2))
            .map(|(c, w)| (c, w[0], w[1] - w[0]))
            .collect();
        run_fallible(team, parts, &|(c, i, h)| {
            let ai = a.submatrix(i, 0, h, k)?;
            gemm(-T::ONE, ai, b, T::ONE, c, Par::Seq)
        })
    }
}

/// Runs `job` on each part over the team; the first error wins.
fn run_fallible<P: Send>(
    team: &Team,
    parts: Vec<P>,
    job: &(dyn Fn(P) -> Result<()> + Sync),
) -> Result<()> {
    let err = std::sync::Mutex::new(None);
    team.run_parts(parts, &|_, p| {
        if let Err(e) = job(p) {
            err.lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e);
        }
    });
    match err.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
