//! The recursive LU factorization, on a spinning thread team.
//!
//! With more than one thread the whole factorization runs inside one
//! [`with_team`] region: the recursion itself stays on the calling thread,
//! and each of its steps (the row interchanges, the solve of the top-right
//! block, the trailing update) is cut into one part per member, each
//! running the sequential kernel on its part. A part is a set of columns
//! (interchanges, solves, wide updates) or of rows (the tall, narrow
//! updates inside a panel, and tall leaves: [`leaf_team`]). Every element
//! is computed by the same sequence of operations as in the one-thread
//! recursion (the gemm and the solve kernel compute each element
//! independently of how the output is cut), so the factors do not depend
//! on the thread count.

use oxblas_core::{validate, Error, Lu, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::current_par;
use crate::gemm::trsm::gemm_nt_sub;
use crate::gemm::{gemm, isa};
use crate::lapack::util::{self, split_point, vectorized};
use crate::team::{with_team, Team};

use super::leaf::{leaf, leaf_team, TeamScratch};
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

/// Panel rows from which a leaf is factored by the whole team
/// ([`leaf_team`]: the members meet once per column, a few hundred
/// nanoseconds; the one-thread leaf of 256 x 16 takes about 20 us).
#[cfg(not(test))]
const PAR_LEAF_MIN: usize = 256;
#[cfg(test)]
const PAR_LEAF_MIN: usize = 1;

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
    let scratch = TeamScratch::new(team.size());
    factor_rec(&mut a, 0, w, piv, team, buf, &scratch)
}

/// Factors the panel of `a` at rows `off..m`, columns `off..off + w`; `piv`
/// (length `w`) receives its interchanges relative to row `off`. Every
/// interchange is applied to the whole rows of `a` when its leaf is done
/// (contiguous, one pass per interchange, by column parts on a team),
/// rather than by the recursion to the parts left and right of each panel
/// in separate passes.
///
/// Both orders give the same factors: columns right of a panel are not
/// touched before the panel is done, columns left of it are not touched
/// after, and the interchanges stay in order.
fn factor_rec<T: Scalar>(
    a: &mut MatMut<'_, T>,
    off: usize,
    w: usize,
    piv: &mut [usize],
    team: &Team,
    buf: &mut Vec<T>,
    scratch: &TeamScratch<T>,
) -> Result<()> {
    let m = a.rows() - off;
    debug_assert!(m >= w && piv.len() == w && off + w <= a.cols());
    if w == 0 {
        return Ok(());
    }
    if w <= LEAF {
        let panel = a.rb_mut().submatrix(off, off, m, w)?;
        let size = team.size();
        if size == 1 || m < PAR_LEAF_MIN.max(size * w) {
            vectorized(
                #[inline(always)]
                || leaf(panel, piv, buf),
            );
        } else {
            leaf_team(panel, piv, team, scratch);
        }
        swap_outside_team(a.rb_mut(), off, w, piv, team);
        return Ok(());
    }
    let n1 = split_point(w);
    let (piv1, piv2) = piv.split_at_mut(n1);
    factor_rec(a, off, n1, piv1, team, buf, scratch)?;
    {
        let (left, mut right) = a.rb_mut().submatrix(off, off, m, w)?.split_at_col(n1);
        let (l11, l21) = left.into_ref().split_at_row(n1);
        let (mut r_top, r_bot) = right.rb_mut().split_at_row(n1);
        solve(l11, r_top.rb_mut(), team)?;
        update(l21, r_top.rb(), r_bot, team)?;
    }
    factor_rec(a, off + n1, w - n1, piv2, team, buf, scratch)?;
    for p in piv2.iter_mut() {
        *p += n1;
    }
    Ok(())
}

/// Applies the interchanges `row off + j <-> row off + piv[j]` to the columns
/// of `a` outside `off..off + w` (the panel, already swapped by its leaf).
pub(super) fn swap_outside<T: Scalar>(a: MatMut<'_, T>, off: usize, w: usize, piv: &[usize]) {
    swap_except(a, off, off, off + w, piv);
}

/// [`swap_outside`] by column parts over the team, each part about the
/// same number of swapped elements. The calling thread takes the rightmost
/// part and the members the parts left of it: measured at n = 1024 on two
/// threads, 2-5% faster for the whole factorization than the parts the
/// other way round, and than the swaps on the calling thread alone (which
/// were faster than the other order).
fn swap_outside_team<T: Scalar>(
    mut a: MatMut<'_, T>,
    off: usize,
    w: usize,
    piv: &[usize],
    team: &Team,
) {
    let cols = a.cols();
    let outside = cols - w;
    let size = team.size();
    if size == 1 || piv.len() * outside < PAR_SWAP_MIN || outside < 2 * MIN_PART {
        return swap_outside(a, off, w, piv);
    }
    // Cut the outside columns (panel skipped) evenly, on multiples of 8,
    // then map the cuts back to columns of `a`.
    let at: Vec<usize> = cuts(outside, size, 8)
        .into_iter()
        .map(|v| if v < off || v == 0 { v } else { v + w })
        .collect();
    let mut parts: Vec<_> = col_parts(a.rb_mut(), &at)
        .into_iter()
        .zip(at.windows(2))
        .map(|(p, c)| (p, c[0]))
        .collect();
    parts.reverse();
    team.run_parts(parts, &|_, (p, c0)| {
        let lo = off.clamp(c0, c0 + p.cols()) - c0;
        let hi = (off + w).clamp(c0, c0 + p.cols()) - c0;
        swap_except(p, off, lo, hi, piv);
    });
}

/// Applies the interchanges `row off + j <-> row off + piv[j]` to the columns
/// of `a` outside `lo..hi`.
fn swap_except<T: Scalar>(mut a: MatMut<'_, T>, off: usize, lo: usize, hi: usize, piv: &[usize]) {
    let (rows, cols) = a.shape();
    // A real check: the raw swaps below must stay inside the view.
    assert!(
        lo <= hi && hi <= cols && piv.iter().all(|&p| off + p < rows),
        "swap_except out of range"
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
            // `0..lo` and `hi..cols` are within them.
            unsafe {
                core::ptr::swap_nonoverlapping(x, y, lo);
                core::ptr::swap_nonoverlapping(x.add(hi), y.add(hi), cols - hi);
            }
        } else {
            for c in (0..lo).chain(hi..cols) {
                let c = c as isize * cs;
                // SAFETY: column c < cols of two distinct in-range rows.
                unsafe { core::ptr::swap(x.offset(c), y.offset(c)) };
            }
        }
    }
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
    // Chosen once for the whole product, so that every part takes the same
    // kernel (and the factors stay bitwise those of one thread).
    let packed = use_packed(m, n, k);
    if size == 1 || m * n * k < PAR_GEMM_MIN || m * n == 0 {
        return sub_product(a, b, c, packed);
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
            sub_product(a, bj, c, packed)
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
            sub_product(ai, b, c, packed)
        })
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
