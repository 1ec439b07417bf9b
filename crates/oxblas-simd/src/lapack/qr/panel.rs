//! The panel factorization of the blocked QR: Householder QR of a narrow
//! panel held transposed, which also builds the compact-WY factor `T`, so that
//! the blocked QR needs no separate `larft`.
//!
//! The panel is held transposed: row `c` of `y` (`k x len`, contiguous rows)
//! is column `c` of the panel, and reflector `c` starts at `y[c][c]` (its unit
//! entry implied; `y[c][c]` holds `R[c][c]`, `y[c][..c]` the entries of `R`
//! above it). The reflectors are generated in blocks of [`KB`]: inside a
//! block one at a time (`geqr2`), then the block, as $I - V_b T_b V_b^T$, is
//! applied to the panel's later rows in one pass that computes `KB` dot
//! products per row and another that subtracts `KB` multiples of the
//! reflectors, two rows at a time: each load of a reflector feeds two FMAs,
//! each load of a row `KB`. The new block's products with all earlier
//! reflectors ($V^T V$, the same register-blocked pass) give `T`'s new columns
//! by `larft`'s recurrence. Explicit pulp SIMD for `f32`/`f64`; no gemm call
//! and no allocation but one `k x KB` buffer per panel.

use oxblas_core::cast::cast_slice_mut;
use oxblas_core::{MatMut, MatRef, Scalar};
use pulp::Simd;

use super::reflector::householder;
use crate::blas1::elem::{dispatch, mmut, with_elem, Elem};

/// Reflectors generated one at a time before their block is applied to the
/// rest of the panel (rows of the register-blocked passes).
const KB: usize = 4;

/// Factors the transposed panel `y` (`k x len` row-major, rows `len` apart,
/// `len >= k`) in place, writes its `k` scalars to `tau` and the upper
/// triangle (diagonal included) of `T` to `t` (`k x k`, unit column stride);
/// `t`'s strict lower triangle is never written. Without `want_t` only
/// `T`'s diagonal blocks of [`KB`] are computed (those the panel needs itself;
/// the products with earlier blocks are skipped).
pub(crate) fn panel_qr<T: Scalar>(
    y: &mut [T],
    k: usize,
    len: usize,
    tau: &mut [T],
    t: MatMut<'_, T>,
    want_t: bool,
) {
    assert!(
        len >= k
            && y.len() >= k * len
            && tau.len() == k
            && t.shape() == (k, k)
            && (k < 2 || t.col_stride() == 1),
        "panel_qr: shapes do not fit"
    );
    with_elem!(T, E => {
        let y: &mut [E] = cast_slice_mut(&mut y[..k * len]).expect("E is T");
        let tau: &mut [E] = cast_slice_mut(tau).expect("E is T");
        dispatch(Panel { y, k, len, tau, t: mmut(t), want_t })
    });
}

struct Panel<'a, E> {
    y: &'a mut [E],
    k: usize,
    len: usize,
    tau: &'a mut [E],
    t: MatMut<'a, E>,
    want_t: bool,
}

impl<E: Elem> pulp::WithSimd for Panel<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let Panel {
            y,
            k,
            len,
            tau,
            mut t,
            want_t,
        } = self;
        // s_t[i * KB + r] = v_i . v_{c0 + r} for the current block (i < c0 + r).
        let mut s_t = vec![E::ZERO; KB * k];
        let mut c0 = 0;
        while c0 < k {
            let kb = KB.min(k - c0);
            let b = Block {
                y: &mut *y,
                k,
                len,
                c0,
                want_t,
            };
            match kb {
                4 => b.run::<S, 4>(s, tau, t.rb_mut(), &mut s_t),
                3 => b.run::<S, 3>(s, tau, t.rb_mut(), &mut s_t),
                2 => b.run::<S, 2>(s, tau, t.rb_mut(), &mut s_t),
                _ => b.run::<S, 1>(s, tau, t.rb_mut(), &mut s_t),
            }
            c0 += kb;
        }
    }
}

/// The block of reflectors `c0 .. c0 + R` of a panel.
struct Block<'a, E> {
    y: &'a mut [E],
    k: usize,
    len: usize,
    c0: usize,
    want_t: bool,
}

impl<E: Elem> Block<'_, E> {
    /// Generates the block's reflectors, `T`'s columns `c0 .. c0 + R`, and
    /// applies the block to rows `c0 + R ..` of the panel.
    #[inline(always)]
    fn run<S: Simd, const R: usize>(
        self,
        s: S,
        tau: &mut [E],
        mut t: MatMut<'_, E>,
        s_t: &mut [E],
    ) {
        let Block {
            y,
            k,
            len,
            c0,
            want_t,
        } = self;
        let c1 = c0 + R;
        // One reflector at a time inside the block (geqr2).
        for c in c0..c1 {
            let (head, rest) = y.split_at_mut((c + 1) * len);
            let v = &mut head[c * len + c..];
            let tc = householder(v);
            tau[c] = tc;
            if tc != E::ZERO {
                reflect_rows(s, tc, v, &mut rest[..(c1 - c - 1) * len], len, c);
            }
        }
        let (done, later) = y.split_at_mut(c1 * len);
        let mut blk: [&[E]; R] = [&[]; R];
        for (r, row) in blk.iter_mut().enumerate() {
            *row = &done[(c0 + r) * len..(c0 + r + 1) * len];
        }

        // S = V^T V against the block: s_t[i * KB + r] = v_i . v_j (j = c0 + r,
        // i < j) = y_i[j] + sum_{l > j} y_i[l] y_j[l]; only inside the block
        // without `want_t`.
        let first = if want_t { 0 } else { c0 };
        let mut i = first;
        while i < c1 {
            let q = (c1 - i).min(2);
            let i1 = (i + 1).min(c1 - 1);
            let rows: [&[E]; 2] = [
                &done[i * len..(i + 1) * len],
                &done[i1 * len..(i1 + 1) * len],
            ];
            let tail_dots = dots::<S, E, R, 2>(s, blk, rows, c1);
            for (d, row) in rows.iter().enumerate().take(q) {
                let i = i + d;
                for r in 0..R {
                    let j = c0 + r;
                    if i < j {
                        let mut acc = row[j];
                        for l in j + 1..c1 {
                            acc = row[l].mul_add(blk[r][l], acc);
                        }
                        s_t[i * KB + r] = acc + tail_dots[r][d];
                    }
                }
            }
            i += 2;
        }
        // T's new columns (larft): T[i][j] = -tau_j sum_{i <= l < j} T[i][l] S[l][j].
        // Rows of earlier blocks: the R sums side by side (independent
        // accumulators, one vector), then the block's own columns in order.
        for i in first..c0 {
            let trow = t.row_slice(i).expect("unit column stride");
            let mut acc = [E::ZERO; R];
            for (l, &tl) in trow.iter().enumerate().take(c0).skip(i) {
                let sl = &s_t[l * KB..l * KB + R];
                for r in 0..R {
                    acc[r] = tl.mul_add(sl[r], acc[r]);
                }
            }
            for r in 0..R {
                let mut a = acc[r];
                for r2 in 0..r {
                    a = trow[c0 + r2].mul_add(s_t[(c0 + r2) * KB + r], a);
                }
                trow[c0 + r] = -tau[c0 + r] * a;
            }
        }
        for i in c0..c1 {
            let trow = t.row_slice(i).expect("unit column stride");
            trow[i] = tau[i];
            for j in i + 1..c1 {
                let mut a = E::ZERO;
                for (l, &tl) in trow.iter().enumerate().take(j).skip(i) {
                    a = tl.mul_add(s_t[l * KB + (j - c0)], a);
                }
                trow[j] = -tau[j] * a;
            }
        }
        if c1 == k {
            return;
        }
        // The block's T (its diagonal block of the panel's T).
        let mut tb = [[E::ZERO; R]; R];
        for (a, row) in tb.iter_mut().enumerate() {
            for (b, x) in row.iter_mut().enumerate().skip(a) {
                *x = t[(c0 + a, c0 + b)];
            }
        }
        // Rows c1.. <- (I - V T V^T)^T rows = rows - V (T^T (V^T rows)), two at a time.
        let mut rows = later[..(k - c1) * len].chunks_exact_mut(len);
        loop {
            match (rows.next(), rows.next()) {
                (Some(a), Some(b)) => apply_block::<S, E, R, 2>(s, &blk, &tb, [a, b], c0),
                (Some(a), None) => apply_block::<S, E, R, 1>(s, &blk, &tb, [a], c0),
                _ => break,
            }
        }
    }
}

/// `x <- H x` for each row `x` (from column `c` on) of `rows` (rows `len`
/// apart), with $H = I - \tau v v^T$ ($v_0 = 1$ implied, `v = y_c[c..]`).
#[inline(always)]
fn reflect_rows<S: Simd, E: Elem>(s: S, tau: E, v: &[E], rows: &mut [E], len: usize, c: usize) {
    let mut it = rows.chunks_exact_mut(len);
    loop {
        match (it.next(), it.next()) {
            (Some(a), Some(b)) => reflect::<S, E, 2>(s, tau, v, [&mut a[c..], &mut b[c..]]),
            (Some(a), None) => reflect::<S, E, 1>(s, tau, v, [&mut a[c..]]),
            _ => break,
        }
    }
}

/// [`reflect_rows`] on `Q` rows.
#[inline(always)]
fn reflect<S: Simd, E: Elem, const Q: usize>(s: S, tau: E, v: &[E], x: [&mut [E]; Q]) {
    let mut xr: [&[E]; Q] = [&[]; Q];
    for (r, x) in xr.iter_mut().zip(x.iter()) {
        *r = x;
    }
    let w = dots::<S, E, 1, Q>(s, [v], xr, 1);
    let mut coef = [[E::ZERO; 1]; Q];
    for q in 0..Q {
        let sc = tau * (x[q][0] + w[0][q]);
        x[q][0] -= sc;
        coef[q][0] = sc;
    }
    axpys::<S, E, 1, Q>(s, [v], coef, x, 1);
}

/// Applies the block `blk` (rows of `y`, reflector `r` starting at column
/// `c0 + r`) with factor `tb` to `Q` later rows: `x <- x - V (T^T (V^T x))`.
#[inline(always)]
fn apply_block<S: Simd, E: Elem, const R: usize, const Q: usize>(
    s: S,
    blk: &[&[E]; R],
    tb: &[[E; R]; R],
    x: [&mut [E]; Q],
    c0: usize,
) {
    let c1 = c0 + R;
    let mut xr: [&[E]; Q] = [&[]; Q];
    for (r, x) in xr.iter_mut().zip(x.iter()) {
        *r = x;
    }
    let w_tail = dots::<S, E, R, Q>(s, *blk, xr, c1);
    let mut coef = [[E::ZERO; R]; Q];
    for q in 0..Q {
        let xq = &mut *x[q];
        // w = V^T x: the head (unit entry, the block's triangle) plus the tail.
        let mut w = [E::ZERO; R];
        for r in 0..R {
            let j = c0 + r;
            let mut acc = xq[j];
            for l in j + 1..c1 {
                acc = blk[r][l].mul_add(xq[l], acc);
            }
            w[r] = acc + w_tail[r][q];
        }
        // w' = T^T w.
        for r in 0..R {
            let mut acc = E::ZERO;
            for (a, &ws) in w.iter().enumerate().take(r + 1) {
                acc = tb[a][r].mul_add(ws, acc);
            }
            coef[q][r] = acc;
        }
        // Head: x[l] -= sum over reflectors started at or before l.
        for l in c0..c1 {
            let mut acc = xq[l];
            for r in 0..R {
                let j = c0 + r;
                if j == l {
                    acc -= coef[q][r];
                } else if j < l {
                    acc = (-coef[q][r]).mul_add(blk[r][l], acc);
                }
            }
            xq[l] = acc;
        }
    }
    axpys::<S, E, R, Q>(s, *blk, coef, x, c1);
}

/// `out[r][q] = a[r][from..n] . b[q][from..n]`, `n` the length of `b[0]`
/// (every slice at least that long): one pass, `R * Q` register accumulators. (Plain loops, no
/// array `map`: a closure left out of line would keep the accumulators in
/// memory.)
#[inline(always)]
fn dots<S: Simd, E: Elem, const R: usize, const Q: usize>(
    s: S,
    a: [&[E]; R],
    b: [&[E]; Q],
    from: usize,
) -> [[E; Q]; R] {
    let n = b[0].len();
    let mut bv: [&[E::V<S>]; Q] = [&[]; Q];
    let mut bt: [&[E]; Q] = [&[]; Q];
    for q in 0..Q {
        (bv[q], bt[q]) = E::split::<S>(&b[q][from..n]);
    }
    let nv = bv[0].len();
    let mut av: [&[E::V<S>]; R] = [&[]; R];
    let mut at: [&[E]; R] = [&[]; R];
    for r in 0..R {
        let (h, t) = E::split::<S>(&a[r][from..n]);
        (av[r], at[r]) = (&h[..nv], t);
    }
    for b in bv.iter_mut() {
        *b = &b[..nv];
    }
    let z = E::vsplat(s, E::ZERO);
    let mut acc = [[z; Q]; R];
    for i in 0..nv {
        let mut bi = [z; Q];
        for q in 0..Q {
            bi[q] = bv[q][i];
        }
        for r in 0..R {
            let ar = av[r][i];
            for q in 0..Q {
                acc[r][q] = E::vmul_add(s, ar, bi[q], acc[r][q]);
            }
        }
    }
    let mut out = [[E::ZERO; Q]; R];
    for r in 0..R {
        for q in 0..Q {
            let mut x = E::vreduce_sum(s, acc[r][q]);
            for (&u, &v) in at[r].iter().zip(bt[q]) {
                x = u.mul_add(v, x);
            }
            out[r][q] = x;
        }
    }
    out
}

/// `x[q][from..n] -= sum_r coef[q][r] a[r][from..n]`, `n` the length of
/// `x[0]` (every slice at least that long): one pass, each element of `x` loaded and stored once.
#[inline(always)]
fn axpys<S: Simd, E: Elem, const R: usize, const Q: usize>(
    s: S,
    a: [&[E]; R],
    coef: [[E; R]; Q],
    x: [&mut [E]; Q],
    from: usize,
) {
    let n = x[0].len();
    let mut x = x;
    let mut xv: [&mut [E::V<S>]; Q] = [(); Q].map(|_| <&mut [E::V<S>]>::default());
    let mut xt: [&mut [E]; Q] = [(); Q].map(|_| <&mut [E]>::default());
    for (q, xq) in x.iter_mut().enumerate() {
        let (h, t) = E::split_mut::<S>(&mut xq[from..n]);
        (xv[q], xt[q]) = (h, t);
    }
    let nv = xv[0].len();
    let mut av: [&[E::V<S>]; R] = [&[]; R];
    let mut at: [&[E]; R] = [&[]; R];
    for r in 0..R {
        let (h, t) = E::split::<S>(&a[r][from..n]);
        (av[r], at[r]) = (&h[..nv], t);
    }
    let z = E::vsplat(s, E::ZERO);
    let mut neg = [[z; R]; Q];
    for q in 0..Q {
        for r in 0..R {
            neg[q][r] = E::vsplat(s, -coef[q][r]);
        }
    }
    for i in 0..nv {
        let mut ai = [z; R];
        for r in 0..R {
            ai[r] = av[r][i];
        }
        for q in 0..Q {
            let xq = &mut xv[q][i];
            let mut acc = *xq;
            for r in 0..R {
                acc = E::vmul_add(s, ai[r], neg[q][r], acc);
            }
            *xq = acc;
        }
    }
    for q in 0..Q {
        for (j, xj) in xt[q].iter_mut().enumerate() {
            let mut acc = *xj;
            for r in 0..R {
                acc = at[r][j].mul_add(-coef[q][r], acc);
            }
            *xj = acc;
        }
    }
}

/// `dst = src^T` (any strides), in 8 x 8 tiles so that both sides are
/// read and written a cache line at a time when either is row-major.
pub(crate) fn transpose_into<T: Scalar>(src: MatRef<'_, T>, mut dst: MatMut<'_, T>) {
    const TILE: usize = 8;
    let (r, c) = src.shape();
    assert_eq!(dst.shape(), (c, r), "transpose_into: shapes must match");
    if src.col_stride() == 1 && dst.col_stride() == 1 {
        // Both row-major: four source rows at a time, each destination row
        // gets four contiguous elements.
        let mut i0 = 0;
        while i0 + 4 <= r {
            let rows = [0, 1, 2, 3].map(|d| src.row_slice(i0 + d).expect("unit column stride"));
            for j in 0..c {
                let drow = dst.row_slice(j).expect("unit column stride");
                drow[i0..i0 + 4].copy_from_slice(&rows.map(|row| row[j]));
            }
            i0 += 4;
        }
        for i in i0..r {
            let row = src.row_slice(i).expect("unit column stride");
            for (j, &x) in row.iter().enumerate() {
                dst[(j, i)] = x;
            }
        }
        return;
    }
    let (srs, scs) = (src.row_stride(), src.col_stride());
    let (drs, dcs) = (dst.row_stride(), dst.col_stride());
    let s0 = src.as_ptr();
    let d0 = dst.as_mut_ptr();
    for i0 in (0..r).step_by(TILE) {
        let ie = (i0 + TILE).min(r);
        for j0 in (0..c).step_by(TILE) {
            let je = (j0 + TILE).min(c);
            for j in j0..je {
                for i in i0..ie {
                    let (i, j) = (i as isize, j as isize);
                    // SAFETY: i < r and j < c, so (i, j) is inside `src` and
                    // (j, i) inside `dst`, which is borrowed exclusively and
                    // (being a MatMut) does not alias `src`.
                    unsafe { *d0.offset(j * drs + i * dcs) = *s0.offset(i * srs + j * scs) };
                }
            }
        }
    }
}
