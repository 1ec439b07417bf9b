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

use oxblas_core::{MatMut, Scalar};

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
