//! Kernels of the symmetric eigensolver (`eigh`): the fused symmetric
//! matrix-vector product of the tridiagonal reduction, the root-free QL/QR
//! iteration for eigenvalues only, and the blocked back-transformation.
//!
//! All work on column-major buffers and are meant to run inside
//! [`vectorized`](super::util::vectorized), where their plain loops compile
//! to AVX2/FMA (or NEON) code.

use oxblas_core::cast::{cast_slice, cast_slice_mut};
use oxblas_core::{MatMut, MatRef, Scalar};

use crate::blas1::elem::{dispatch, with_elem, Elem};

use super::spectral_util::{dot, max_abs, ColMat};

/// `w = alpha * S v` for the symmetric `m x m` block `S = a[k.., k..]`
/// (`m = v.len()`, `k + m == a.rows`) stored in its lower triangle.
///
/// Every stored element is read once: a pass over four columns accumulates,
/// SIMD register by register down the rows, both the columns' dot products
/// with `v` (the upper-triangle half of the product) and their contribution
/// to `w` (the lower half). Explicit pulp SIMD for `f32`/`f64`.
///
/// `rev` walks the column blocks from the last to the first (same result up
/// to rounding): alternating directions between consecutive products over
/// (nearly) the same block starts each one on the columns the previous one
/// read last, which are still in cache when the block is larger than it.
#[inline(always)]
pub(crate) fn symv_lower_fused<T: Scalar>(
    a: &ColMat<T>,
    k: usize,
    alpha: T,
    v: &[T],
    w: &mut [T],
    rev: bool,
) {
    let n = a.rows;
    let m = v.len();
    debug_assert!(k + m == n && w.len() >= m);
    let w = &mut w[..m];
    with_elem!(T, E => {
        let ad: &[E] = cast_slice(&a.data).expect("E is T");
        let vd: &[E] = cast_slice(v).expect("E is T");
        let wd: &mut [E] = cast_slice_mut(w).expect("E is T");
        dispatch(SymvLower { a: ad, n, k, v: vd, w: wd, rev });
    });
    if alpha != T::ONE {
        for x in w.iter_mut() {
            *x *= alpha;
        }
    }
}

struct SymvLower<'a, E> {
    a: &'a [E],
    n: usize,
    k: usize,
    v: &'a [E],
    w: &'a mut [E],
    rev: bool,
}

/// Columns `jj..jj + 4` of the block `a[k.., k..]` (ld `n`): their part of
/// `w += S v`, both halves (see [`symv_lower_fused`]).
#[inline(always)]
fn symv_block4<E: Elem, S: pulp::Simd>(
    s: S,
    a: &[E],
    n: usize,
    k: usize,
    v: &[E],
    w: &mut [E],
    jj: usize,
) {
    let m = v.len();
    let j = k + jj;
    // Column j + p from its diagonal on: rows j + p..n.
    let c0 = &a[j * n + j..(j + 1) * n];
    let c1 = &a[(j + 1) * n + j + 1..(j + 2) * n];
    let c2 = &a[(j + 2) * n + j + 2..(j + 3) * n];
    let c3 = &a[(j + 3) * n + j + 3..(j + 4) * n];
    let x = [v[jj], v[jj + 1], v[jj + 2], v[jj + 3]];
    // The 4x4 diagonal block (lower part): entry (q, p), q >= p, is
    // column p at offset q - p.
    let cols = [c0, c1, c2, c3];
    let mut sd = [E::ZERO; 4];
    for p in 0..4 {
        sd[p] += cols[p][0] * x[p];
        for q in p + 1..4 {
            let aqp = cols[p][q - p];
            sd[p] += aqp * x[q];
            w[jj + q] += aqp * x[p];
        }
    }
    // Rows below the block, a register at a time.
    let len = m - jj - 4;
    let (b0, b1, b2, b3) = (
        &c0[4..4 + len],
        &c1[3..3 + len],
        &c2[2..2 + len],
        &c3[1..1 + len],
    );
    let vb = &v[jj + 4..];
    let (wd, wb) = w[jj..].split_at_mut(4);
    let (h0, t0) = E::split::<S>(b0);
    let (h1, t1) = E::split::<S>(b1);
    let (h2, t2) = E::split::<S>(b2);
    let (h3, t3) = E::split::<S>(b3);
    let (hv, tv) = E::split::<S>(vb);
    let (hw, tw) = E::split_mut::<S>(wb);
    let xs = [
        E::vsplat(s, x[0]),
        E::vsplat(s, x[1]),
        E::vsplat(s, x[2]),
        E::vsplat(s, x[3]),
    ];
    let z = E::vsplat(s, E::ZERO);
    let (mut a0, mut a1, mut a2, mut a3) = (z, z, z, z);
    let nv = h0.len();
    let (h1, h2, h3, hv, hw2) = (&h1[..nv], &h2[..nv], &h3[..nv], &hv[..nv], &mut hw[..nv]);
    for i in 0..nv {
        let (e0, e1, e2, e3, vi) = (h0[i], h1[i], h2[i], h3[i], hv[i]);
        let lo = E::vmul_add(s, e0, xs[0], E::vmul(s, e1, xs[1]));
        let hi = E::vmul_add(s, e2, xs[2], E::vmul_add(s, e3, xs[3], hw2[i]));
        hw2[i] = E::vadd(s, lo, hi);
        a0 = E::vmul_add(s, e0, vi, a0);
        a1 = E::vmul_add(s, e1, vi, a1);
        a2 = E::vmul_add(s, e2, vi, a2);
        a3 = E::vmul_add(s, e3, vi, a3);
    }
    for r in 0..t0.len() {
        let vi = tv[r];
        tw[r] += t0[r] * x[0] + t1[r] * x[1] + t2[r] * x[2] + t3[r] * x[3];
        sd[0] += t0[r] * vi;
        sd[1] += t1[r] * vi;
        sd[2] += t2[r] * vi;
        sd[3] += t3[r] * vi;
    }
    wd[0] += sd[0] + E::vreduce_sum(s, a0);
    wd[1] += sd[1] + E::vreduce_sum(s, a1);
    wd[2] += sd[2] + E::vreduce_sum(s, a2);
    wd[3] += sd[3] + E::vreduce_sum(s, a3);
}

/// Column `jj` of the block alone (the last `m % 4` columns).
#[inline(always)]
fn symv_col1<E: Elem>(a: &[E], n: usize, k: usize, v: &[E], w: &mut [E], jj: usize) {
    let j = k + jj;
    let c = &a[j * n + j..(j + 1) * n];
    let below = &c[1..];
    let xj = v[jj];
    let mut acc = c[0] * xj;
    for (r, &bi) in below.iter().enumerate() {
        acc += bi * v[jj + 1 + r];
        w[jj + 1 + r] += bi * xj;
    }
    w[jj] += acc;
}

impl<E: Elem> pulp::WithSimd for SymvLower<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, s: S) {
        let SymvLower { a, n, k, v, w, rev } = self;
        let m = v.len();
        w.fill(E::ZERO);
        // Blocks of four columns, then the last few one at a time.
        let m4 = m - m % 4;
        if rev {
            for jj in (m4..m).rev() {
                symv_col1(a, n, k, v, w, jj);
            }
            for jj in (0..m4).step_by(4).rev() {
                symv_block4(s, a, n, k, v, w, jj);
            }
        } else {
            for jj in (0..m4).step_by(4) {
                symv_block4(s, a, n, k, v, w, jj);
            }
            for jj in m4..m {
                symv_col1(a, n, k, v, w, jj);
            }
        }
    }
}

/// `y += sum_p (xv[p] V_p + xw[p] W_p)` over the rows `r0..r0 + y.len()`
/// of the first `xv.len()` columns of the two column-major panels `vm`,
/// `wm` (leading dimension `ld`): the panel corrections of the blocked
/// tridiagonal reduction, as one gemv over `2 k` columns. Four column
/// pairs per pass over `y` (explicit pulp SIMD for `f32`/`f64`).
#[inline(always)]
pub(crate) fn panel_gemv_n<T: Scalar>(
    vm: &[T],
    wm: &[T],
    ld: usize,
    r0: usize,
    xv: &[T],
    xw: &[T],
    y: &mut [T],
) {
    let k = xv.len();
    debug_assert!(xw.len() == k);
    if k == 0 || y.is_empty() {
        return;
    }
    debug_assert!((k - 1) * ld + r0 + y.len() <= vm.len().min(wm.len()));
    with_elem!(T, E => {
        dispatch(PanelGemvN::<E> {
            vm: cast_slice(vm).expect("E is T"),
            wm: cast_slice(wm).expect("E is T"),
            ld,
            r0,
            xv: cast_slice(xv).expect("E is T"),
            xw: cast_slice(xw).expect("E is T"),
            y: cast_slice_mut(y).expect("E is T"),
        });
    });
}

struct PanelGemvN<'a, E> {
    vm: &'a [E],
    wm: &'a [E],
    ld: usize,
    r0: usize,
    xv: &'a [E],
    xw: &'a [E],
    y: &'a mut [E],
}

/// `y += sum_q x[q] cols[q]` for `Q` columns, a register of `y` at a time.
#[inline(always)]
fn gemv_n_cols<E: Elem, S: pulp::Simd, const Q: usize>(
    s: S,
    cols: [&[E]; Q],
    x: [E; Q],
    y: &mut [E],
) {
    let len = y.len();
    let (hy, ty) = E::split_mut::<S>(y);
    let nv = hy.len();
    let hs: [&[E::V<S>]; Q] = core::array::from_fn(|q| &E::split::<S>(&cols[q][..len]).0[..nv]);
    let xs: [E::V<S>; Q] = core::array::from_fn(|q| E::vsplat(s, x[q]));
    for (i, yv) in hy.iter_mut().enumerate() {
        let mut acc = *yv;
        for q in 0..Q {
            acc = E::vmul_add(s, hs[q][i], xs[q], acc);
        }
        *yv = acc;
    }
    let t0 = len - ty.len();
    for (r, yr) in ty.iter_mut().enumerate() {
        let mut acc = *yr;
        for q in 0..Q {
            acc += cols[q][t0 + r] * x[q];
        }
        *yr = acc;
    }
}

/// `Q / 2` column pairs of the panels `vm`, `wm` (leading dimension `ld`)
/// from column `p`, interleaved `V_p, W_p, V_{p+1}, W_{p+1}, ...`, each over
/// the rows `r0..r0 + len`; with the matching coefficients of `xv`, `xw`
/// (zeros where those are shorter, as for the transposed kernel, which has
/// none).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn col_pairs<'a, E: Elem, const Q: usize>(
    vm: &'a [E],
    wm: &'a [E],
    ld: usize,
    r0: usize,
    len: usize,
    p: usize,
    xv: &[E],
    xw: &[E],
) -> ([&'a [E]; Q], [E; Q]) {
    let cols = core::array::from_fn(|i| {
        let m = if i % 2 == 0 { vm } else { wm };
        let c = (p + i / 2) * ld + r0;
        &m[c..c + len]
    });
    let x = core::array::from_fn(|i| {
        let from = if i % 2 == 0 { xv } else { xw };
        from.get(p + i / 2).copied().unwrap_or(E::ZERO)
    });
    (cols, x)
}

impl<'a, E: Elem> pulp::WithSimd for PanelGemvN<'a, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, s: S) {
        let PanelGemvN {
            vm,
            wm,
            ld,
            r0,
            xv,
            xw,
            y,
        } = self;
        let len = y.len();
        let k = xv.len();
        let mut p = 0;
        while p + 4 <= k {
            let (cols, x) = col_pairs::<E, 8>(vm, wm, ld, r0, len, p, xv, xw);
            gemv_n_cols::<E, S, 8>(s, cols, x, y);
            p += 4;
        }
        if p + 2 <= k {
            let (cols, x) = col_pairs::<E, 4>(vm, wm, ld, r0, len, p, xv, xw);
            gemv_n_cols::<E, S, 4>(s, cols, x, y);
            p += 2;
        }
        if p < k {
            let (cols, x) = col_pairs::<E, 2>(vm, wm, ld, r0, len, p, xv, xw);
            gemv_n_cols::<E, S, 2>(s, cols, x, y);
        }
    }
}

/// [`panel_gemv_n`] into two outputs at once: `y += sum_p (xv[p] V_p +
/// xw[p] W_p)` and `y2 += sum_p (xv2[p] V_p + xw2[p] W_p)` over the same
/// rows, reading each panel element once for both (`y2.len() == y.len()`).
/// Two column pairs per pass.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn panel_gemv_n2<T: Scalar>(
    vm: &[T],
    wm: &[T],
    ld: usize,
    r0: usize,
    xv: &[T],
    xw: &[T],
    y: &mut [T],
    xv2: &[T],
    xw2: &[T],
    y2: &mut [T],
) {
    let k = xv.len();
    debug_assert!(xw.len() == k && xv2.len() == k && xw2.len() == k);
    debug_assert!(y2.len() == y.len());
    if k == 0 || y.is_empty() {
        return;
    }
    debug_assert!((k - 1) * ld + r0 + y.len() <= vm.len().min(wm.len()));
    with_elem!(T, E => {
        dispatch(PanelGemvN2::<E> {
            vm: cast_slice(vm).expect("E is T"),
            wm: cast_slice(wm).expect("E is T"),
            ld,
            r0,
            xv: cast_slice(xv).expect("E is T"),
            xw: cast_slice(xw).expect("E is T"),
            y: cast_slice_mut(y).expect("E is T"),
            xv2: cast_slice(xv2).expect("E is T"),
            xw2: cast_slice(xw2).expect("E is T"),
            y2: cast_slice_mut(y2).expect("E is T"),
        });
    });
}

struct PanelGemvN2<'a, E> {
    vm: &'a [E],
    wm: &'a [E],
    ld: usize,
    r0: usize,
    xv: &'a [E],
    xw: &'a [E],
    y: &'a mut [E],
    xv2: &'a [E],
    xw2: &'a [E],
    y2: &'a mut [E],
}

/// `y += sum_q x[q] cols[q]` and `y2 += sum_q x2[q] cols[q]` for `Q`
/// columns, a register of `y` and `y2` at a time.
#[inline(always)]
fn gemv_n2_cols<E: Elem, S: pulp::Simd, const Q: usize>(
    s: S,
    cols: [&[E]; Q],
    (x, y): ([E; Q], &mut [E]),
    (x2, y2): ([E; Q], &mut [E]),
) {
    let len = y.len();
    let (hy, ty) = E::split_mut::<S>(y);
    let (hy2, ty2) = E::split_mut::<S>(&mut y2[..len]);
    let nv = hy.len();
    let hy2 = &mut hy2[..nv];
    let hs: [&[E::V<S>]; Q] = core::array::from_fn(|q| &E::split::<S>(&cols[q][..len]).0[..nv]);
    let xs: [E::V<S>; Q] = core::array::from_fn(|q| E::vsplat(s, x[q]));
    let xs2: [E::V<S>; Q] = core::array::from_fn(|q| E::vsplat(s, x2[q]));
    for i in 0..nv {
        let (mut acc, mut acc2) = (hy[i], hy2[i]);
        for q in 0..Q {
            let c = hs[q][i];
            acc = E::vmul_add(s, c, xs[q], acc);
            acc2 = E::vmul_add(s, c, xs2[q], acc2);
        }
        hy[i] = acc;
        hy2[i] = acc2;
    }
    let t0 = len - ty.len();
    for (r, (yr, y2r)) in ty.iter_mut().zip(ty2.iter_mut()).enumerate() {
        let (mut acc, mut acc2) = (*yr, *y2r);
        for q in 0..Q {
            let c = cols[q][t0 + r];
            acc += c * x[q];
            acc2 += c * x2[q];
        }
        *yr = acc;
        *y2r = acc2;
    }
}

impl<'a, E: Elem> pulp::WithSimd for PanelGemvN2<'a, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, s: S) {
        let PanelGemvN2 {
            vm,
            wm,
            ld,
            r0,
            xv,
            xw,
            y,
            xv2,
            xw2,
            y2,
        } = self;
        let len = y.len();
        let k = xv.len();
        let mut p = 0;
        while p + 2 <= k {
            let (cols, x) = col_pairs::<E, 4>(vm, wm, ld, r0, len, p, xv, xw);
            let (_, x2) = col_pairs::<E, 4>(vm, wm, ld, r0, len, p, xv2, xw2);
            gemv_n2_cols::<E, S, 4>(s, cols, (x, &mut *y), (x2, &mut *y2));
            p += 2;
        }
        if p < k {
            let (cols, x) = col_pairs::<E, 2>(vm, wm, ld, r0, len, p, xv, xw);
            let (_, x2) = col_pairs::<E, 2>(vm, wm, ld, r0, len, p, xv2, xw2);
            gemv_n2_cols::<E, S, 2>(s, cols, (x, y), (x2, y2));
        }
    }
}

/// `dv[p] = V_p . v` and `dw[p] = W_p . v` for the first `dv.len()`
/// columns of the panels `vm`, `wm` (leading dimension `ld`), over the rows
/// `r0..r0 + v.len()`: the transposed gemv of the blocked tridiagonal
/// reduction, four column pairs per pass over `v`.
#[inline(always)]
pub(crate) fn panel_gemv_t<T: Scalar>(
    vm: &[T],
    wm: &[T],
    ld: usize,
    r0: usize,
    v: &[T],
    dv: &mut [T],
    dw: &mut [T],
) {
    let k = dv.len();
    debug_assert!(dw.len() == k);
    if k == 0 {
        return;
    }
    debug_assert!((k - 1) * ld + r0 + v.len() <= vm.len().min(wm.len()));
    with_elem!(T, E => {
        dispatch(PanelGemvT::<E> {
            vm: cast_slice(vm).expect("E is T"),
            wm: cast_slice(wm).expect("E is T"),
            ld,
            r0,
            v: cast_slice(v).expect("E is T"),
            dv: cast_slice_mut(dv).expect("E is T"),
            dw: cast_slice_mut(dw).expect("E is T"),
        });
    });
}

struct PanelGemvT<'a, E> {
    vm: &'a [E],
    wm: &'a [E],
    ld: usize,
    r0: usize,
    v: &'a [E],
    dv: &'a mut [E],
    dw: &'a mut [E],
}

/// The dot products of `Q` columns with `v`, a register of `v` at a time.
#[inline(always)]
fn gemv_t_cols<E: Elem, S: pulp::Simd, const Q: usize>(s: S, cols: [&[E]; Q], v: &[E]) -> [E; Q] {
    let len = v.len();
    let (hv, tv) = E::split::<S>(v);
    let nv = hv.len();
    let hs: [&[E::V<S>]; Q] = core::array::from_fn(|q| &E::split::<S>(&cols[q][..len]).0[..nv]);
    let z = E::vsplat(s, E::ZERO);
    let mut acc = [z; Q];
    for (i, &vi) in hv.iter().enumerate() {
        for q in 0..Q {
            acc[q] = E::vmul_add(s, hs[q][i], vi, acc[q]);
        }
    }
    let t0 = len - tv.len();
    core::array::from_fn(|q| {
        let mut t = E::ZERO;
        for (r, &vr) in tv.iter().enumerate() {
            t += cols[q][t0 + r] * vr;
        }
        t + E::vreduce_sum(s, acc[q])
    })
}

impl<'a, E: Elem> pulp::WithSimd for PanelGemvT<'a, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, s: S) {
        let PanelGemvT {
            vm,
            wm,
            ld,
            r0,
            v,
            dv,
            dw,
        } = self;
        let len = v.len();
        let k = dv.len();
        let mut p = 0;
        while p + 4 <= k {
            let (cols, _) = col_pairs::<E, 8>(vm, wm, ld, r0, len, p, &[], &[]);
            let r = gemv_t_cols::<E, S, 8>(s, cols, v);
            for q in 0..4 {
                dv[p + q] = r[2 * q];
                dw[p + q] = r[2 * q + 1];
            }
            p += 4;
        }
        while p < k {
            let (cols, _) = col_pairs::<E, 2>(vm, wm, ld, r0, len, p, &[], &[]);
            let r = gemv_t_cols::<E, S, 2>(s, cols, v);
            dv[p] = r[0];
            dw[p] = r[1];
            p += 1;
        }
    }
}

/// The root-free QL/QR iteration did not converge within its limit.
#[derive(Debug)]
pub(crate) struct SterfFailed;

/// Eigenvalues of the 2x2 symmetric matrix `[[a, b], [b, c]]`: `(rt1, rt2)`
/// with `|rt1| >= |rt2|` (LAPACK's `lae2`), computed without overflow and
/// with the smaller one from the determinant, not by cancellation.
#[inline(always)]
fn eig2<T: Scalar>(a: T, b: T, c: T) -> (T, T) {
    let half = T::from_f64(0.5);
    let sm = a + c;
    let df = a - c;
    let adf = df.abs();
    let tb = b + b;
    let ab = tb.abs();
    let (acmx, acmn) = if a.abs() > c.abs() { (a, c) } else { (c, a) };
    let rt = if adf > ab {
        let q = ab / adf;
        adf * (T::ONE + q * q).sqrt()
    } else if adf < ab {
        let q = adf / ab;
        ab * (T::ONE + q * q).sqrt()
    } else {
        ab * T::from_f64(core::f64::consts::SQRT_2)
    };
    if sm < T::ZERO {
        let rt1 = half * (sm - rt);
        (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else if sm > T::ZERO {
        let rt1 = half * (sm + rt);
        (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else {
        (half * rt, -half * rt)
    }
}

/// One step of the root-free QL/QR sweep of [`tridiag_sterf`] (LAPACK's
/// `sterf` inner loop): from `p`, the squared coupling `bb`, `r = p + bb`,
/// the previous cosine `c` and `gamma`, and `x = d_i - sigma`, the new
/// `(c, s, gamma, p)` with `c = p / r`, `s = bb / r`,
/// `gamma = c x - s gamma_old` and `p = gamma^2 / c`.
///
/// Computed as `num = p x - bb gamma_old`, `gamma = num / r` and
/// `p = num^2 / (r p)`: the two reciprocals start together from `p` and
/// the next `p` waits for one of them plus two products, instead of a
/// reciprocal, then `c`, `gamma`, `gamma^2` and `gamma^2 / c` in a row.
/// Where `num^2` or `1 / (r p)` leaves the normal range (or `c` is zero),
/// the plain formulas take over: `gamma = c x - s gamma_old` and
/// `p = gamma^2 (r / p)`, or `c_old bb` when `c` is zero.
#[inline(always)]
fn pwk_step<T: Scalar>(p: T, bb: T, r: T, c: T, gamma: T, x: T) -> (T, T, T, T) {
    let rinv = r.recip();
    let pinv = p.recip();
    let cn = p * rinv;
    let sn = bb * rinv;
    let num = p * x - bb * gamma;
    let nn = num * num;
    let q = rinv * pinv;
    let normal = T::MIN_POSITIVE..=T::MAX;
    if cn != T::ZERO && normal.contains(&nn) && normal.contains(&q) {
        return (cn, sn, num * rinv, nn * q);
    }
    // The plain formulas (LAPACK's).
    let g = cn * x - sn * gamma;
    let pn = if cn != T::ZERO {
        let cinv = r * pinv;
        if cinv <= T::MAX {
            (g * g) * cinv
        } else {
            (g * g) / cn
        }
    } else {
        c * bb
    };
    (cn, sn, g, pn)
}

/// Eigenvalues (unsorted, into `d`) of the symmetric tridiagonal matrix
/// with diagonal `d` and subdiagonal `e`, by the Pal-Walker-Kahan root-free
/// variant of the implicit QL/QR algorithm (LAPACK's `sterf`): the
/// iteration runs on the squares of the off-diagonal entries, so each step
/// costs one division and no square root. Each unreduced block is scaled
/// into a safe range first and iterated from its larger end (QL when the
/// bottom is larger, QR otherwise), which keeps graded matrices accurate.
/// `e` is destroyed.
pub(crate) fn tridiag_sterf<T: Scalar>(d: &mut [T], e: &mut [T]) -> Result<(), SterfFailed> {
    let n = d.len();
    if n <= 1 {
        return Ok(());
    }
    let eps = T::EPSILON;
    let eps2 = eps * eps;
    let safmin = T::MIN_POSITIVE;
    let safmax = safmin.recip();
    let ssfmax = safmax.sqrt() / T::from_f64(3.0);
    let ssfmin = safmin.sqrt() / eps2;
    let two = T::from_f64(2.0);
    let max_sweeps = 30 * n;
    let mut sweeps = 0usize;
    let mut l1 = 0usize;
    while l1 < n {
        if l1 > 0 {
            e[l1 - 1] = T::ZERO;
        }
        // The end of the unreduced block starting at l1.
        let mut m = l1;
        while m < n - 1 {
            let t = e[m].abs();
            if t == T::ZERO {
                break;
            }
            if t <= (d[m].abs().sqrt() * d[m + 1].abs().sqrt()) * eps {
                e[m] = T::ZERO;
                break;
            }
            m += 1;
        }
        let (lsv, lendsv) = (l1, m);
        l1 = m + 1;
        if lendsv == lsv {
            continue;
        }
        // Scale the block into [ssfmin, ssfmax].
        let anorm = max_abs(d[lsv..=lendsv].iter().chain(&e[lsv..lendsv]).copied());
        if anorm == T::ZERO {
            continue;
        }
        let scale = if anorm > ssfmax {
            Some(ssfmax / anorm)
        } else if anorm < ssfmin {
            Some(ssfmin / anorm)
        } else {
            None
        };
        if let Some(s) = scale {
            for x in &mut d[lsv..=lendsv] {
                *x *= s;
            }
            for x in &mut e[lsv..lendsv] {
                *x *= s;
            }
        }
        for x in &mut e[lsv..lendsv] {
            *x = *x * *x;
        }
        // Also negligible: couplings below eps^2 ||T_block|| (compared as
        // squares), a backward error far below eps ||T||; it stops the
        // iteration from creeping through tiny numbers when diagonal
        // entries vanish (rank-deficient or graded matrices).
        let bnorm = anorm * scale.unwrap_or(T::ONE);
        let abs_tol = (eps2 * bnorm) * (eps2 * bnorm);
        let abs_tol = abs_tol.max(safmin);
        let (mut l, lend) = if d[lendsv].abs() < d[lsv].abs() {
            (lendsv, lsv)
        } else {
            (lsv, lendsv)
        };
        if lend >= l {
            // QL: deflate from the top.
            loop {
                let mut m = l;
                while m < lend {
                    if e[m] <= eps2 * (d[m] * d[m + 1]).abs() || e[m] <= abs_tol {
                        break;
                    }
                    m += 1;
                }
                if m < lend {
                    e[m] = T::ZERO;
                }
                if m == l {
                    l += 1;
                    if l > lend {
                        break;
                    }
                    continue;
                }
                if m == l + 1 {
                    let (r1, r2) = eig2(d[l], e[l].sqrt(), d[l + 1]);
                    d[l] = r1;
                    d[l + 1] = r2;
                    e[l] = T::ZERO;
                    l += 2;
                    if l > lend {
                        break;
                    }
                    continue;
                }
                if sweeps == max_sweeps {
                    break;
                }
                sweeps += 1;
                let p0 = d[l];
                let rte = e[l].sqrt();
                let sg = (d[l + 1] - p0) / (two * rte);
                let r = sg.hypot(T::ONE);
                let sigma = p0 - rte / (sg + r.copysign(sg));
                let (mut c, mut s) = (T::ONE, T::ZERO);
                let mut gamma = d[m] - sigma;
                let mut p = gamma * gamma;
                let mut i = m;
                while i > l {
                    i -= 1;
                    let bb = e[i];
                    let r = p + bb;
                    if i + 1 != m {
                        e[i + 1] = s * r;
                    }
                    let oldgam = gamma;
                    let alpha = d[i];
                    (c, s, gamma, p) = pwk_step(p, bb, r, c, oldgam, alpha - sigma);
                    d[i + 1] = oldgam + (alpha - gamma);
                }
                e[l] = s * p;
                d[l] = sigma + gamma;
            }
        } else {
            // QR: deflate from the bottom.
            loop {
                let mut m = l;
                while m > lend {
                    if e[m - 1] <= eps2 * (d[m] * d[m - 1]).abs() || e[m - 1] <= abs_tol {
                        break;
                    }
                    m -= 1;
                }
                if m > lend {
                    e[m - 1] = T::ZERO;
                }
                if m == l {
                    if l == lend {
                        break;
                    }
                    l -= 1;
                    continue;
                }
                if m + 1 == l {
                    let (r1, r2) = eig2(d[l], e[l - 1].sqrt(), d[l - 1]);
                    d[l] = r1;
                    d[l - 1] = r2;
                    e[l - 1] = T::ZERO;
                    if l < lend + 2 {
                        break;
                    }
                    l -= 2;
                    continue;
                }
                if sweeps == max_sweeps {
                    break;
                }
                sweeps += 1;
                let p0 = d[l];
                let rte = e[l - 1].sqrt();
                let sg = (d[l - 1] - p0) / (two * rte);
                let r = sg.hypot(T::ONE);
                let sigma = p0 - rte / (sg + r.copysign(sg));
                let (mut c, mut s) = (T::ONE, T::ZERO);
                let mut gamma = d[m] - sigma;
                let mut p = gamma * gamma;
                for i in m..l {
                    let bb = e[i];
                    let r = p + bb;
                    if i != m {
                        e[i - 1] = s * r;
                    }
                    let oldgam = gamma;
                    let alpha = d[i + 1];
                    (c, s, gamma, p) = pwk_step(p, bb, r, c, oldgam, alpha - sigma);
                    d[i] = oldgam + (alpha - gamma);
                }
                e[l - 1] = s * p;
                d[l] = sigma + gamma;
            }
        }
        if let Some(s) = scale {
            let inv = s.recip();
            for x in &mut d[lsv..=lendsv] {
                *x *= inv;
            }
        }
        if sweeps >= max_sweeps && e[lsv..lendsv].iter().any(|&x| x != T::ZERO) {
            return Err(SterfFailed);
        }
    }
    Ok(())
}

/// $Z \leftarrow Q Z$ for $Q = H_0 H_1 \cdots H_{k-1}$, $H_i = I - \tau_i
/// v_i v_i^T$, where `v_i` is column `i` of `ys` from row `off + i` on (its
/// entry there an implied 1) and zero above: the same product as
/// `spectral_util::apply_q_left`, with `nb` reflectors per compact-WY block
/// and `Z` processed in column panels of `jb` columns, so that each panel
/// stays in cache while all blocks are applied to it.
pub(crate) fn apply_q_left_panels<T: Scalar>(
    ys: &ColMat<T>,
    off: usize,
    tau: &[T],
    z: &mut ColMat<T>,
    nb: usize,
    jb: usize,
) {
    let k = tau.len();
    let (m, nz) = (z.rows, z.cols);
    if k == 0 || nz == 0 {
        return;
    }
    let nb = nb.max(1);
    let jb = jb.max(1);
    let par = crate::current_par();
    // Build every block's Y and T once.
    let mut blocks: Vec<(usize, ColMat<T>, ColMat<T>)> = Vec::new();
    for b in (0..k).step_by(nb) {
        let bn = nb.min(k - b);
        let r0 = off + b;
        if r0 >= m {
            continue;
        }
        let rows = m - r0;
        let bn = bn.min(rows);
        let mut y = ColMat::<T>::zeros(rows, bn);
        for p in 0..bn {
            let col = y.col_mut(p);
            col[p] = T::ONE;
            col[p + 1..].copy_from_slice(&ys.col(b + p)[r0 + p + 1..m]);
        }
        // T upper triangular: T[p,p] = tau_p,
        // T[..p, p] = -tau_p T[..p, ..p] (Y[:, ..p]^T y_p).
        let mut t = ColMat::<T>::zeros(bn, bn);
        let mut yty = vec![T::ZERO; bn];
        for p in 0..bn {
            let tp = tau[b + p];
            t.set(p, p, tp);
            for (q, val) in yty[..p].iter_mut().enumerate() {
                *val = dot(&y.col(q)[p..], &y.col(p)[p..]);
            }
            for r in 0..p {
                let mut s = T::ZERO;
                for (q, &yq) in yty.iter().enumerate().take(p).skip(r) {
                    s += t.at(r, q) * yq;
                }
                t.set(r, p, -tp * s);
            }
        }
        blocks.push((r0, y, t));
    }
    let mut w1 = ColMat::<T>::zeros(nb, jb);
    let mut w2 = ColMat::<T>::zeros(nb, jb);
    let mut c0 = 0;
    while c0 < nz {
        let cw = jb.min(nz - c0);
        for (r0, y, t) in blocks.iter().rev() {
            let (r0, rows, bn) = (*r0, y.rows, y.cols);
            let zoff = r0 + c0 * m;
            let yv = MatRef::from_parts(&y.data, 0, rows, bn, 1, rows as isize).expect("in range");
            {
                let zsub =
                    MatRef::from_parts(&z.data, zoff, rows, cw, 1, m as isize).expect("in range");
                let w1v =
                    MatMut::from_parts(&mut w1.data, 0, bn, cw, 1, bn as isize).expect("in range");
                crate::gemm::gemm(T::ONE, yv.t(), zsub, T::ZERO, w1v, par).expect("shapes");
            }
            {
                let tv = MatRef::from_parts(&t.data, 0, bn, bn, 1, bn as isize).expect("in range");
                let w1r =
                    MatRef::from_parts(&w1.data, 0, bn, cw, 1, bn as isize).expect("in range");
                let w2v =
                    MatMut::from_parts(&mut w2.data, 0, bn, cw, 1, bn as isize).expect("in range");
                crate::gemm::gemm(T::ONE, tv, w1r, T::ZERO, w2v, par).expect("shapes");
            }
            let w2r = MatRef::from_parts(&w2.data, 0, bn, cw, 1, bn as isize).expect("in range");
            let zmut =
                MatMut::from_parts(&mut z.data, zoff, rows, cw, 1, m as isize).expect("in range");
            crate::gemm::gemm(-T::ONE, yv, w2r, T::ONE, zmut, par).expect("shapes");
        }
        c0 += cw;
    }
}
