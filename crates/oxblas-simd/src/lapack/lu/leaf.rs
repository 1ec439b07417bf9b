//! The unblocked kernel at the bottom of the recursive LU: a narrow panel
//! (`w <= LEAF` columns) factored in a column-major scratch copy.
//!
//! The panel is worked in blocks of `KB` columns. Inside a block each
//! elimination step touches only the block's columns (all in L1); the block's
//! multipliers then update the panel's remaining columns with one rank-`KB`
//! pass, so every load and store of those columns carries `KB` FMAs instead
//! of one. Column-major, every pass (pivot search, scaling, updates) runs over
//! long contiguous columns, which the loops below leave to LLVM to vectorize
//! under [`crate::lapack::util::vectorized`].

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, TryLockError};

use oxblas_core::{MatMut, Scalar};

use crate::lapack::util::vectorized;
use crate::team::Team;

/// Columns eliminated together before the rank-`KB` update of the rest.
const KB: usize = 4;

/// Factors the `m x w` panel `a` (`m >= w`) in place with partial pivoting;
/// `piv[j]` receives the row (relative to the panel) swapped with row `j`.
/// `buf` is scratch, grown as needed.
///
/// Row interchanges are applied to the whole panel, as LAPACK's `getf2`
/// does; a zero pivot (an exactly zero column below the diagonal) is kept
/// and skipped without division.
#[inline(always)]
pub(super) fn leaf<T: Scalar>(mut a: MatMut<'_, T>, piv: &mut [usize], buf: &mut Vec<T>) {
    let (m, w) = a.shape();
    debug_assert!(m >= w && piv.len() == w);
    if w == 0 {
        return;
    }
    // Column stride: a multiple of 8 elements, an odd one, so that the `w`
    // columns (written and read together by the copies) fall in different
    // cache sets instead of thrashing a few when `m` is a power of two.
    let ld = {
        let r = m.div_ceil(8) * 8;
        if (r / 8) % 2 == 0 {
            r + 8
        } else {
            r
        }
    };
    if buf.len() < ld * w {
        buf.resize(ld * w, T::ZERO);
    }
    let buf = &mut buf[..ld * w];
    copy_in(a.rb_mut(), buf, ld, m, w);
    factor_col_major(buf, ld, m, w, piv);
    copy_out(a, buf, ld, m, w);
}

/// `buf[c * ld + i] = a[i][c]`.
#[inline(always)]
fn copy_in<T: Scalar>(mut a: MatMut<'_, T>, buf: &mut [T], ld: usize, m: usize, w: usize) {
    assert!(buf.len() >= ld * w && ld >= m, "leaf scratch too small");
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let src = a.ptr_at_mut(0, 0) as *const T;
    let dst = buf.as_mut_ptr();
    for i in 0..m {
        // SAFETY: row i < m, column c < w of the view are in bounds;
        // c * ld + i < ld * w <= buf.len() (asserted above).
        unsafe {
            let row = src.offset(i as isize * rs);
            for c in 0..w {
                *dst.add(c * ld + i) = *row.offset(c as isize * cs);
            }
        }
    }
}

/// `a[i][c] = buf[c * ld + i]`.
#[inline(always)]
fn copy_out<T: Scalar>(mut a: MatMut<'_, T>, buf: &[T], ld: usize, m: usize, w: usize) {
    assert!(buf.len() >= ld * w && ld >= m, "leaf scratch too small");
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let dst = a.ptr_at_mut(0, 0);
    let src = buf.as_ptr();
    for i in 0..m {
        // SAFETY: as in `copy_in`; the view is borrowed exclusively.
        unsafe {
            let row = dst.offset(i as isize * rs);
            for c in 0..w {
                *row.offset(c as isize * cs) = *src.add(c * ld + i);
            }
        }
    }
}

/// Blocked right-looking LU of the column-major `m x w` matrix in `buf`.
#[inline(always)]
fn factor_col_major<T: Scalar>(buf: &mut [T], ld: usize, m: usize, w: usize, piv: &mut [usize]) {
    let mut jb = 0;
    while jb < w {
        let kb = KB.min(w - jb);
        for j in jb..jb + kb {
            let p = j + iamax(&buf[j * ld + j..j * ld + m]);
            piv[j] = p;
            if p != j {
                for c in 0..w {
                    buf.swap(c * ld + j, c * ld + p);
                }
            }
            // Eliminate below row j within the block's columns only.
            let (head, tail) = buf.split_at_mut((j + 1) * ld);
            let col = &mut head[j * ld..j * ld + m];
            let pivot = col[j];
            if pivot == T::ZERO {
                // The whole column below is zero (the pivot is its largest
                // entry): nothing to eliminate, no division by zero.
                continue;
            }
            let below = &mut col[j + 1..];
            if pivot.abs() >= T::MIN_POSITIVE {
                let r = T::ONE / pivot;
                for x in below.iter_mut() {
                    *x *= r;
                }
            } else {
                for x in below.iter_mut() {
                    *x /= pivot;
                }
            }
            let below = &col[j + 1..];
            for other in tail.chunks_exact_mut(ld).take(jb + kb - j - 1) {
                let u = other[j];
                if u != T::ZERO {
                    for (y, &l) in other[j + 1..m].iter_mut().zip(below) {
                        *y -= l * u;
                    }
                }
            }
        }
        if jb + kb < w {
            update_rest(buf, ld, m, jb, kb);
        }
        jb += kb;
    }
}

/// Applies the eliminations of block columns `jb..jb + kb` to columns
/// `jb + kb..w`: the block's rows by unit lower substitution, the rows below
/// by one rank-`kb` update.
#[inline(always)]
fn update_rest<T: Scalar>(buf: &mut [T], ld: usize, m: usize, jb: usize, kb: usize) {
    let (block, rest) = buf.split_at_mut((jb + kb) * ld);
    let block = &block[jb * ld..];
    let r0 = jb + kb;
    // The multiplier columns below the block, and the block's unit lower
    // triangle L[jb + t][jb + s] = block[s * ld + jb + t] for s < t.
    if kb == KB {
        let l0 = &block[r0..m];
        let l1 = &block[ld + r0..ld + m];
        let l2 = &block[2 * ld + r0..2 * ld + m];
        let l3 = &block[3 * ld + r0..3 * ld + m];
        let tri = |t: usize, s: usize| block[s * ld + jb + t];
        let (l10, l20, l21) = (tri(1, 0), tri(2, 0), tri(2, 1));
        let (l30, l31, l32) = (tri(3, 0), tri(3, 1), tri(3, 2));
        let mut cols = rest.chunks_exact_mut(ld);
        loop {
            // Two columns per pass: each multiplier load feeds two FMAs.
            let (x, y) = match (cols.next(), cols.next()) {
                (Some(x), Some(y)) => (x, y),
                (Some(x), None) => {
                    let u = solve4(&x[jb..r0], l10, l20, l21, l30, l31, l32);
                    x[jb..r0].copy_from_slice(&u);
                    for ((((c, &a), &b), &d), &e) in
                        x[r0..m].iter_mut().zip(l0).zip(l1).zip(l2).zip(l3)
                    {
                        *c -= (a * u[0] + b * u[1]) + (d * u[2] + e * u[3]);
                    }
                    break;
                }
                _ => break,
            };
            let u = solve4(&x[jb..r0], l10, l20, l21, l30, l31, l32);
            let v = solve4(&y[jb..r0], l10, l20, l21, l30, l31, l32);
            x[jb..r0].copy_from_slice(&u);
            y[jb..r0].copy_from_slice(&v);
            let xs = &mut x[r0..m];
            let ys = &mut y[r0..m];
            for i in 0..m - r0 {
                let (a, b, d, e) = (l0[i], l1[i], l2[i], l3[i]);
                xs[i] -= (a * u[0] + b * u[1]) + (d * u[2] + e * u[3]);
                ys[i] -= (a * v[0] + b * v[1]) + (d * v[2] + e * v[3]);
            }
        }
    } else {
        for col in rest.chunks_exact_mut(ld) {
            for s in 0..kb {
                let u = col[jb + s];
                if u == T::ZERO {
                    continue;
                }
                let l = &block[s * ld..s * ld + m];
                for (y, &x) in col[jb + s + 1..m].iter_mut().zip(&l[jb + s + 1..]) {
                    *y -= x * u;
                }
            }
        }
    }
}

/// Unit lower solve of order 4: `u = L^{-1} b`.
#[inline(always)]
fn solve4<T: Scalar>(b: &[T], l10: T, l20: T, l21: T, l30: T, l31: T, l32: T) -> [T; 4] {
    let u0 = b[0];
    let u1 = b[1] - l10 * u0;
    let u2 = b[2] - l20 * u0 - l21 * u1;
    let u3 = b[3] - l30 * u0 - l31 * u1 - l32 * u2;
    [u0, u1, u2, u3]
}

/// Index of the first entry of largest magnitude; a NaN wins (as `iamax`).
#[inline(always)]
pub(super) fn iamax<T: Scalar>(x: &[T]) -> usize {
    // Pass 1: the largest magnitude (a vectorizable max), pass 2: where it is.
    let mut best = [T::ZERO; 8];
    let mut nan = false;
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..8 {
            let v = c[l].abs();
            nan |= v.is_nan();
            best[l] = if v > best[l] { v } else { best[l] };
        }
    }
    let mut top = T::ZERO;
    for &v in chunks.remainder() {
        let v = v.abs();
        nan |= v.is_nan();
        top = if v > top { v } else { top };
    }
    for b in best {
        top = if b > top { b } else { top };
    }
    if nan {
        return x.iter().position(|v| v.is_nan()).unwrap_or(0);
    }
    // Where: eight entries per test (vectorized), then the exact entry.
    let mut base = 0;
    for c in x.chunks(8) {
        let mut hit = false;
        for &v in c {
            hit |= v.abs() == top;
        }
        if hit {
            return base + c.iter().position(|v| v.abs() == top).unwrap_or(0);
        }
        base += c.len();
    }
    0
}

/// A part's offer for the pivot of one column of [`leaf_team`].
struct Offer<T> {
    /// Whether the part holds rows at or below the pivot row.
    any: bool,
    /// Whether its candidate is NaN (a NaN wins, as in [`iamax`]).
    nan: bool,
    /// The candidate's magnitude.
    best: T,
    /// The candidate's row, relative to the panel.
    row: usize,
    /// The candidate row (all `w` columns).
    cand: Vec<T>,
    /// The current pivot row before the interchange (part 0 only).
    top: Vec<T>,
}

impl<T: Scalar> Offer<T> {
    fn new() -> Self {
        Offer {
            any: false,
            nan: false,
            best: T::ZERO,
            row: 0,
            cand: Vec::new(),
            top: Vec::new(),
        }
    }
}

/// Scratch of [`leaf_team`], kept across the leaves of one factorization:
/// one column-major buffer per row part.
pub(super) struct TeamScratch<T> {
    bufs: Vec<Mutex<Vec<T>>>,
}

impl<T: Scalar> TeamScratch<T> {
    /// Scratch for a team of `size`.
    pub(super) fn new(size: usize) -> Self {
        TeamScratch {
            bufs: (0..size).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }
}

/// Locks `m`, ignoring poisoning (a panic elsewhere is resumed by the team).
fn lock<X>(m: &Mutex<X>) -> std::sync::MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One row part of a [`leaf_team`] panel and its state.
struct Part<'a, T> {
    /// The part's rows of the panel (written back at the last step).
    view: MatMut<'a, T>,
    /// The part's first row in the panel.
    r0: usize,
    /// Its column-major copy (`ld x w`).
    buf: Vec<T>,
    ld: usize,
    /// The pivot rows of the current block, row-major (`KB x w`).
    prow: Vec<T>,
    /// The interchanges found so far.
    piv: Vec<usize>,
}

/// Snoozes a thread waits for a part to be claimed by its own member before
/// doing it itself (a few microseconds).
const STEAL_AFTER: u32 = 1 << 8;

/// [`leaf`] on a team: the panel's rows are cut into one part per member,
/// each factored in a column-major copy of its own, in steps: step `s`
/// finishes column `s - 1` on the part (interchange, scaling, updates)
/// and offers the part's best candidate for column `s` (with its row).
/// A part's step needs every part's previous step (the offers name the
/// pivot); any thread may run any part's step, the member of the same
/// index first, so that a member the OS does not run holds nothing up
/// (the others do its steps; nobody waits for an unclaimed step). Every
/// element goes through the same operations as in [`leaf`], so the result
/// is bitwise the same.
///
/// Needs `m >= w * team.size()` (part 0 holds the top `w` rows).
pub(super) fn leaf_team<T: Scalar>(
    a: MatMut<'_, T>,
    piv: &mut [usize],
    team: &Team,
    scratch: &TeamScratch<T>,
) {
    let (m, w) = a.shape();
    let size = team.size();
    assert!(
        m >= w * size && piv.len() == w && scratch.bufs.len() == size,
        "leaf_team: panel too short"
    );
    let mut views = Vec::with_capacity(size);
    let mut rest = a;
    for t in (1..size).rev() {
        let (top, bottom) = rest.split_at_row(m * t / size);
        views.push((m * t / size, bottom));
        rest = top;
    }
    views.push((0, rest));
    views.reverse();
    let parts: Vec<Mutex<Part<'_, T>>> = views
        .into_iter()
        .enumerate()
        .map(|(t, (r0, view))| {
            let lm = view.rows();
            let r = lm.div_ceil(8) * 8;
            let ld = if (r / 8) % 2 == 0 { r + 8 } else { r };
            let mut buf = core::mem::take(&mut *lock(&scratch.bufs[t]));
            if buf.len() < ld * w {
                buf.resize(ld * w, T::ZERO);
            }
            Mutex::new(Part {
                view,
                r0,
                buf,
                ld,
                prow: vec![T::ZERO; KB * w],
                piv: vec![0; w],
            })
        })
        .collect();
    let done: Vec<AtomicUsize> = (0..size).map(|_| AtomicUsize::new(0)).collect();
    let offers: Vec<Mutex<Offer<T>>> = (0..2 * size).map(|_| Mutex::new(Offer::new())).collect();
    team.run(&|tid| {
        for s in 0..=w {
            let mut snoozes = 0u32;
            loop {
                let mut pending = false;
                for i in 0..size {
                    let t = (tid + i) % size;
                    if done[t].load(Ordering::Acquire) > s {
                        continue;
                    }
                    pending = true;
                    if t != tid && snoozes < STEAL_AFTER {
                        continue;
                    }
                    let mut part = match parts[t].try_lock() {
                        Ok(g) => g,
                        Err(TryLockError::WouldBlock) => continue,
                        Err(TryLockError::Poisoned(_)) => panic!("leaf_team: a step panicked"),
                    };
                    if done[t].load(Ordering::Acquire) == s {
                        vectorized(
                            #[inline(always)]
                            || step(&mut part, t, s, size, w, &offers),
                        );
                        done[t].store(s + 1, Ordering::Release);
                    }
                }
                if !pending {
                    break;
                }
                snoozes = snoozes.saturating_add(1);
                core::hint::spin_loop();
                if snoozes > 1 << 14 {
                    std::thread::yield_now();
                }
            }
        }
    });
    for (t, part) in parts.into_iter().enumerate() {
        let part = part.into_inner().unwrap_or_else(|e| e.into_inner());
        if t == 0 {
            piv.copy_from_slice(&part.piv);
        }
        *lock(&scratch.bufs[t]) = part.buf;
    }
}

/// Step `s` of part `t` of [`leaf_team`] (see there).
#[inline(always)]
fn step<T: Scalar>(
    part: &mut Part<'_, T>,
    t: usize,
    s: usize,
    size: usize,
    w: usize,
    offers: &[Mutex<Offer<T>>],
) {
    let (lm, ld, r0) = (part.view.rows(), part.ld, part.r0);
    // Local index of the first row at or below panel row `g`.
    let local = |g: usize| g.saturating_sub(r0).min(lm);
    let buf = &mut part.buf[..ld * w];
    if s == 0 {
        copy_in(part.view.rb_mut(), buf, ld, lm, w);
    } else {
        let j = s - 1;
        let jb = j / KB * KB;
        let kb = KB.min(w - jb);
        let round = (j % 2) * size;
        // The pivot: the first NaN offer, else the first offer of the
        // largest magnitude (offers in row order, as `iamax` scans).
        let mut win: Option<(usize, bool, T)> = None;
        for u in 0..size {
            let o = lock(&offers[round + u]);
            if !o.any {
                continue;
            }
            let better = match win {
                None => true,
                Some((_, wnan, wbest)) => !wnan && (o.nan || o.best > wbest),
            };
            if better {
                win = Some((u, o.nan, o.best));
            }
        }
        let tw = win.expect("part 0 holds the pivot row").0;
        let prow = &mut part.prow;
        let p = {
            let o = lock(&offers[round + tw]);
            prow[(j - jb) * w..(j - jb + 1) * w].copy_from_slice(&o.cand);
            o.row
        };
        part.piv[j] = p;
        if p != j {
            if t == 0 {
                // Row j (part 0's) takes the pivot row.
                for c in 0..w {
                    buf[c * ld + j] = prow[(j - jb) * w + c];
                }
            }
            if t == tw {
                // Row p takes the old row j.
                let top = lock(&offers[round]);
                for c in 0..w {
                    buf[c * ld + p - r0] = top.top[c];
                }
            }
        }
        let pivot = prow[(j - jb) * w + j];
        if pivot != T::ZERO {
            let lo = local(j + 1);
            let (head, tail) = buf.split_at_mut((j + 1) * ld);
            let below = &mut head[j * ld + lo..j * ld + lm];
            if pivot.abs() >= T::MIN_POSITIVE {
                let r = T::ONE / pivot;
                for x in below.iter_mut() {
                    *x *= r;
                }
            } else {
                for x in below.iter_mut() {
                    *x /= pivot;
                }
            }
            let below = &head[j * ld + lo..j * ld + lm];
            for (c, other) in tail.chunks_exact_mut(ld).take(jb + kb - j - 1).enumerate() {
                let u = prow[(j - jb) * w + j + 1 + c];
                if u != T::ZERO {
                    for (y, &l) in other[lo..lm].iter_mut().zip(below) {
                        *y -= l * u;
                    }
                }
            }
        }
        if j + 1 == jb + kb && jb + kb < w {
            update_rest_part(buf, ld, lm, local(jb + kb), jb, kb, w, prow, t == 0);
        }
    }
    if s == w {
        copy_out(part.view.rb_mut(), buf, ld, lm, w);
        return;
    }
    // Offer the part's candidate for column s.
    let mut o = lock(&offers[(s % 2) * size + t]);
    let o = &mut *o;
    let start = local(s);
    o.any = start < lm;
    if o.any {
        let col = &buf[s * ld + start..s * ld + lm];
        let k = iamax(col);
        o.nan = col[k].is_nan();
        o.best = col[k].abs();
        o.row = r0 + start + k;
        o.cand.clear();
        o.cand.extend((0..w).map(|c| buf[c * ld + start + k]));
    }
    if t == 0 {
        o.top.clear();
        o.top.extend((0..w).map(|c| buf[c * ld + s]));
    }
}

/// [`update_rest`] on a part's rows: the block's pivot rows come from
/// `prow` (the same values as part 0's rows `jb..jb + kb`), the solved
/// values are written back there by part 0 (`top`), and rows `lo..lm`
/// (local) get the rank-`kb` update.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn update_rest_part<T: Scalar>(
    buf: &mut [T],
    ld: usize,
    lm: usize,
    lo: usize,
    jb: usize,
    kb: usize,
    w: usize,
    prow: &[T],
    top: bool,
) {
    let (block, rest) = buf.split_at_mut((jb + kb) * ld);
    let block = &block[jb * ld..];
    let tri = |t: usize, s: usize| prow[t * w + jb + s];
    let r0 = jb + kb;
    if kb == KB {
        let l0 = &block[lo..lm];
        let l1 = &block[ld + lo..ld + lm];
        let l2 = &block[2 * ld + lo..2 * ld + lm];
        let l3 = &block[3 * ld + lo..3 * ld + lm];
        let (l10, l20, l21) = (tri(1, 0), tri(2, 0), tri(2, 1));
        let (l30, l31, l32) = (tri(3, 0), tri(3, 1), tri(3, 2));
        let solved = |c: usize| {
            let x = [prow[c], prow[w + c], prow[2 * w + c], prow[3 * w + c]];
            solve4(&x, l10, l20, l21, l30, l31, l32)
        };
        let mut cols = rest.chunks_exact_mut(ld).enumerate();
        loop {
            let ((cx, x), (cy, y)) = match (cols.next(), cols.next()) {
                (Some(x), Some(y)) => (x, y),
                (Some((cx, x)), None) => {
                    let u = solved(r0 + cx);
                    if top {
                        x[jb..r0].copy_from_slice(&u);
                    }
                    for ((((c, &a), &b), &d), &e) in
                        x[lo..lm].iter_mut().zip(l0).zip(l1).zip(l2).zip(l3)
                    {
                        *c -= (a * u[0] + b * u[1]) + (d * u[2] + e * u[3]);
                    }
                    break;
                }
                _ => break,
            };
            let u = solved(r0 + cx);
            let v = solved(r0 + cy);
            if top {
                x[jb..r0].copy_from_slice(&u);
                y[jb..r0].copy_from_slice(&v);
            }
            let xs = &mut x[lo..lm];
            let ys = &mut y[lo..lm];
            for i in 0..lm - lo {
                let (a, b, d, e) = (l0[i], l1[i], l2[i], l3[i]);
                xs[i] -= (a * u[0] + b * u[1]) + (d * u[2] + e * u[3]);
                ys[i] -= (a * v[0] + b * v[1]) + (d * v[2] + e * v[3]);
            }
        }
    } else {
        let mut t = [T::ZERO; KB];
        for (c, col) in rest.chunks_exact_mut(ld).enumerate() {
            let c = r0 + c;
            for (s, x) in t.iter_mut().enumerate().take(kb) {
                *x = prow[s * w + c];
            }
            for s in 0..kb {
                let u = t[s];
                if u == T::ZERO {
                    continue;
                }
                for (q, x) in t.iter_mut().enumerate().take(kb).skip(s + 1) {
                    *x -= tri(q, s) * u;
                }
                let l = &block[s * ld..s * ld + lm];
                for (y, &x) in col[lo..lm].iter_mut().zip(&l[lo..]) {
                    *y -= x * u;
                }
            }
            if top {
                col[jb..r0].copy_from_slice(&t[..kb]);
            }
        }
    }
}
