//! Blocked Householder bidiagonalization (the idea of LAPACK's
//! `gebrd`/`labrd`).
//!
//! Each panel of [`NB`] columns is reduced with matrix-vector products only,
//! while the updates it owes the trailing matrix are gathered in two tall
//! matrices `X` (`m x nb`) and `Y` (`n x nb`):
//! $A_{trail} \leftarrow A_{trail} - U Y^T - X V^T$, applied once per panel
//! as one gemm of inner dimension `2 nb`. Half of the flops then run in gemm;
//! the other half are the two matrix-vector products per column over the
//! trailing matrix, which are memory-bound and written so that each streams
//! the matrix once with four columns at a time.

// The panel loops index X, Y and the reflectors by the same column index.
#![allow(clippy::needless_range_loop)]

use oxblas_core::cast::{cast_slice, cast_slice_mut};
use oxblas_core::{MatMut, MatRef, Scalar};

use crate::blas1::elem::{dispatch, with_elem, Elem};

use super::spectral_util::{dot, householder, ColMat};

/// Columns per panel.
const NB: usize = 32;

/// Reduces `a` (`m x n`, `m >= n`) to upper bidiagonal form
/// $B = Q^T A P$: diagonal `d` (`n`), superdiagonal `e` (`n - 1`). On
/// return the left reflectors (scalars `tauq`) are stored below the
/// diagonal, the right ones (`taup`) right of the superdiagonal, with unit
/// leading entries implied (LAPACK's `gebrd` layout).
pub(crate) fn bidiagonalize_blocked<T: Scalar>(
    a: &mut ColMat<T>,
    d: &mut [T],
    e: &mut [T],
    tauq: &mut [T],
    taup: &mut [T],
) {
    pulp::Arch::new().dispatch(BidiagOp {
        a,
        d,
        e,
        tauq,
        taup,
    });
}

/// [`bidiag_impl`] as a pulp operation: its body is inlined into the
/// dispatched function, so that the kernels compile with the machine's
/// SIMD features (a closure body would be a separate function without them).
struct BidiagOp<'a, T> {
    a: &'a mut ColMat<T>,
    d: &'a mut [T],
    e: &'a mut [T],
    tauq: &'a mut [T],
    taup: &'a mut [T],
}

impl<T: Scalar> pulp::WithSimd for BidiagOp<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        bidiag_impl(self.a, self.d, self.e, self.tauq, self.taup);
    }
}

#[inline(always)]
fn bidiag_impl<T: Scalar>(
    a: &mut ColMat<T>,
    d: &mut [T],
    e: &mut [T],
    tauq: &mut [T],
    taup: &mut [T],
) {
    let (m, n) = (a.rows, a.cols);
    debug_assert!(m >= n);
    let par = crate::current_par();
    let mut p = 0;
    while p < n {
        let rest = n - p;
        // The last columns as one panel without a trailing update.
        let nb = if rest <= 2 * NB { rest } else { NB };
        let mut x = ColMat::<T>::zeros(m, nb);
        let mut y = ColMat::<T>::zeros(n, nb);
        panel(a, p, nb, &mut x, &mut y, d, e, tauq, taup);
        let q = p + nb;
        if q < n {
            // A[q.., q..] -= [U X] [Y^T; V], U = A[q.., p..q], V = A[p..q, q..]
            // (with the unit entry A[q - 1, q] == 1 still in place).
            let (mr, nr) = (m - q, n - q);
            let mut left = ColMat::<T>::zeros(mr, 2 * nb);
            for l in 0..nb {
                left.col_mut(l).copy_from_slice(&a.col(p + l)[q..]);
                left.col_mut(nb + l).copy_from_slice(&x.col(l)[q..]);
            }
            let mut right = ColMat::<T>::zeros(2 * nb, nr);
            for c in 0..nr {
                let rc = right.col_mut(c);
                for l in 0..nb {
                    rc[l] = y.at(q + c, l);
                }
                rc[nb..].copy_from_slice(&a.col(q + c)[p..q]);
            }
            let lv = MatRef::from_parts(&left.data, 0, mr, 2 * nb, 1, mr as isize).expect("view");
            let rv =
                MatRef::from_parts(&right.data, 0, 2 * nb, nr, 1, 2 * nb as isize).expect("view");
            let cv =
                MatMut::from_parts(&mut a.data, q + q * m, mr, nr, 1, m as isize).expect("view");
            crate::gemm::gemm(-T::ONE, lv, rv, T::ONE, cv, par).expect("shapes");
        }
        // Put the bidiagonal back in place of the unit entries.
        for i in p..q {
            a.set(i, i, d[i]);
            if i + 1 < n {
                a.set(i, i + 1, e[i]);
            }
        }
        p = q;
    }
}

/// `out += sum_j A[r0.., c0 + j] * v[j]`, eight columns per pass over `out`.
#[inline(always)]
fn gemv_n<T: Scalar>(a: &ColMat<T>, r0: usize, c0: usize, v: &[T], out: &mut [T]) {
    let len = out.len();
    let mut j = 0;
    while j + 8 <= v.len() {
        let cols: [&[T]; 8] = core::array::from_fn(|q| &a.col(c0 + j + q)[r0..r0 + len]);
        let vs: [T; 8] = core::array::from_fn(|q| v[j + q]);
        for r in 0..len {
            let mut s = out[r];
            for q in 0..8 {
                s = cols[q][r].mul_add(vs[q], s);
            }
            out[r] = s;
        }
        j += 8;
    }
    while j < v.len() {
        let c = &a.col(c0 + j)[r0..r0 + len];
        let vj = v[j];
        for r in 0..len {
            out[r] = c[r].mul_add(vj, out[r]);
        }
        j += 1;
    }
}

/// Reduces columns `p..p + nb` (and rows `p..p + nb`) of `a`, accumulating
/// the trailing-matrix updates in `x` (`m x nb`) and `y` (`n x nb`), both
/// indexed by global row. On return the unit entries of the reflectors are
/// stored explicitly on the diagonal and superdiagonal of the panel.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn panel<T: Scalar>(
    a: &mut ColMat<T>,
    p: usize,
    nb: usize,
    x: &mut ColMat<T>,
    y: &mut ColMat<T>,
    d: &mut [T],
    e: &mut [T],
    tauq: &mut [T],
    taup: &mut [T],
) {
    let (m, n) = (a.rows, a.cols);
    let mut t = vec![T::ZERO; nb];
    let mut t2 = vec![T::ZERO; nb];
    let mut ui = vec![T::ZERO; nb];
    let mut xi = vec![T::ZERO; nb];
    let mut u = vec![T::ZERO; m];
    let mut row = vec![T::ZERO; n];
    let mut g = vec![T::ZERO; n];
    let mut corr = vec![T::ZERO; n];
    let mut base = vec![T::ZERO; n];
    let mut acc = vec![T::ZERO; m.max(n)];
    let safmin = T::MIN_POSITIVE / T::EPSILON;
    for l in 0..nb {
        let i = p + l;
        // Column i: A[i.., i] -= U[i.., ..l] Y[i, ..l]^T + X[i.., ..l] V[..l, i].
        if l > 0 {
            for q in 0..l {
                t[q] = y.at(i, q);
                t2[q] = a.at(p + q, i);
            }
            let col = &mut acc[..m - i];
            col.fill(T::ZERO);
            gemv_n(a, i, p, &t[..l], col);
            gemv_n(x, i, 0, &t2[..l], col);
            for (dst, &s) in a.col_mut(i)[i..].iter_mut().zip(col.iter()) {
                *dst -= s;
            }
        }
        let colv = a.col_mut(i);
        let (beta, tq) = householder(colv[i], &mut colv[i + 1..]);
        d[i] = beta;
        tauq[i] = tq;
        colv[i] = T::ONE;
        if i + 1 >= n {
            continue;
        }
        let nr = n - i - 1;
        let u = &mut u[..m - i];
        u.copy_from_slice(&a.col(i)[i..]);
        // With g = A[i.., i+1..]^T u (over the panel-start trailing matrix):
        //   Y[i+1.., l] = tauq (g - corr),
        //     corr = Y[i+1.., ..l] (U^T u) + V[..l, i+1..]^T (X^T u);
        //   row i after its update, r = r0 - Y[i+1.., l] (U[i, l] == 1),
        //     r0 = A[i, i+1..] - V[..l, i+1..]^T X[i, ..l] - Y[i+1.., ..l] U[i, ..l]^T.
        // So r = (r0 + tauq corr) - tauq g, known column by column during
        // the pass that forms g, which then also forms w = A[i.., i+1..] r:
        // the right reflector is a multiple of r (but for its first entry),
        // so w gives A v without a second pass over the trailing matrix.
        for q in 0..l {
            t[q] = dot(&a.col(p + q)[i..], u);
            t2[q] = dot(&x.col(q)[i..], u);
            ui[q] = a.at(i, p + q);
            xi[q] = x.at(i, q);
        }
        let (corr, base) = (&mut corr[..nr], &mut base[..nr]);
        let r0 = &mut row[..nr];
        corr.fill(T::ZERO);
        gemv_n(y, i + 1, 0, &t[..l], corr);
        r0.fill(T::ZERO);
        gemv_n(y, i + 1, 0, &ui[..l], r0);
        for c in 0..nr {
            let vc = &a.col(i + 1 + c)[p..p + l];
            corr[c] += dot(vc, &t2[..l]);
            r0[c] = a.at(i, i + 1 + c) - dot(vc, &xi[..l]) - r0[c];
            base[c] = r0[c] + tq * corr[c];
        }
        let g = &mut g[..nr];
        let w = &mut acc[..m - i];
        w.fill(T::ZERO);
        // row[..nr] becomes r.
        gemv_tn_fused(a, i, i + 1, u, tq, base, g, r0, w);
        let r = r0;
        {
            let yc = &mut y.col_mut(l)[i + 1..];
            for c in 0..nr {
                yc[c] = tq * (g[c] - corr[c]);
            }
        }
        let alpha = r[0];
        let (beta, tp) = householder(alpha, &mut r[1..]);
        e[i] = beta;
        taup[i] = tp;
        r[0] = T::ONE;
        for (c, &rc) in r.iter().enumerate() {
            a.set(i, i + 1 + c, rc);
        }
        if tp == T::ZERO {
            x.col_mut(l)[i + 1..].fill(T::ZERO);
            continue;
        }
        // X[i+1.., l] = taup (A v - U Y^T v - X V v).
        let v = &row[..nr];
        let xl = &mut acc[1..m - i];
        if beta.abs() >= safmin {
            // householder scaled r[1..] by s = 1 / (alpha - beta) (no
            // rescaling below safmin), so A v = s (w - beta A[.., i+1]).
            let s = (alpha - beta).recip();
            let a1 = &a.col(i + 1)[i + 1..];
            for (xr, &ar) in xl.iter_mut().zip(a1) {
                *xr = s * (*xr - beta * ar);
            }
        } else {
            xl.fill(T::ZERO);
            gemv_n(a, i + 1, i + 1, v, xl);
        }
        // s = Y[i+1.., ..=l]^T v; xl -= U[i+1.., ..=l] s.
        for q in 0..=l {
            t[q] = -dot(&y.col(q)[i + 1..], v);
        }
        gemv_n(a, i + 1, p, &t[..=l], xl);
        // s2 = V[..l, i+1..] v; xl -= X[i+1.., ..l] s2.
        let s2 = &mut t2[..l];
        s2.fill(T::ZERO);
        for (c, &vc) in v.iter().enumerate() {
            let col = &a.col(i + 1 + c)[p..p + l];
            for (s, &ac) in s2.iter_mut().zip(col) {
                *s -= ac * vc;
            }
        }
        gemv_n(x, i + 1, 0, &t2[..l], xl);
        let xc = &mut x.col_mut(l)[i + 1..];
        for (dst, &s) in xc.iter_mut().zip(xl.iter()) {
            *dst = tp * s;
        }
    }
}

/// One pass over columns `c0..c0 + g.len()` of `A` (rows `r0..r0 + u.len()`)
/// for two products: `g[j] = A[r0.., c0 + j] . u`, then
/// `r[j] = base[j] - tau g[j]` and `w += A[r0.., c0 + j] r[j]`, four columns
/// at a time, each read once from memory and again from L1. Explicit pulp
/// SIMD for `f32`/`f64`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gemv_tn_fused<T: Scalar>(
    a: &ColMat<T>,
    r0: usize,
    c0: usize,
    u: &[T],
    tau: T,
    base: &[T],
    g: &mut [T],
    r: &mut [T],
    w: &mut [T],
) {
    let len = u.len();
    let nc = g.len();
    debug_assert!(r0 + len <= a.rows && c0 + nc <= a.cols);
    debug_assert!(base.len() >= nc && r.len() >= nc && w.len() >= len);
    let ld = a.rows;
    let start = r0 + c0 * ld;
    // Columns c0..c0 + nc from row r0 on (the last one ends at row r0 + len).
    let data = &a.data[start..start + (nc.max(1) - 1) * ld + len];
    with_elem!(T, E => {
        dispatch(FusedTn::<E> {
            a: cast_slice(data).expect("E is T"),
            ld,
            u: cast_slice(u).expect("E is T"),
            tau: cast_slice(core::slice::from_ref(&tau)).expect("E is T")[0],
            base: cast_slice(&base[..nc]).expect("E is T"),
            g: cast_slice_mut(g).expect("E is T"),
            r: cast_slice_mut(&mut r[..nc]).expect("E is T"),
            w: cast_slice_mut(&mut w[..len]).expect("E is T"),
        });
    });
}

/// [`gemv_tn_fused`] on concrete types: column `j` is
/// `a[j * ld..j * ld + u.len()]`.
struct FusedTn<'a, E> {
    a: &'a [E],
    ld: usize,
    u: &'a [E],
    tau: E,
    base: &'a [E],
    g: &'a mut [E],
    r: &'a mut [E],
    w: &'a mut [E],
}

impl<E: Elem> pulp::WithSimd for FusedTn<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, s: S) {
        let FusedTn {
            a,
            ld,
            u,
            tau,
            base,
            g,
            r,
            w,
        } = self;
        let len = u.len();
        let nc = g.len();
        let (hu, tu) = E::split::<S>(u);
        let nv = hu.len();
        let (hw, tw) = E::split_mut::<S>(w);
        let hw = &mut hw[..nv];
        let z = E::vsplat(s, E::ZERO);
        let mut j = 0;
        while j + 4 <= nc {
            let cols: [&[E]; 4] = core::array::from_fn(|c| &a[(j + c) * ld..(j + c) * ld + len]);
            let hc: [&[E::V<S>]; 4] = core::array::from_fn(|c| &E::split::<S>(cols[c]).0[..nv]);
            let mut acc = [[z; 2]; 4];
            let mut k = 0;
            while k + 2 <= nv {
                for q in 0..2 {
                    let x = hu[k + q];
                    for c in 0..4 {
                        acc[c][q] = E::vmul_add(s, hc[c][k + q], x, acc[c][q]);
                    }
                }
                k += 2;
            }
            if k < nv {
                for c in 0..4 {
                    acc[c][0] = E::vmul_add(s, hc[c][k], hu[k], acc[c][0]);
                }
            }
            let mut rs = [E::ZERO; 4];
            for c in 0..4 {
                let tail = &cols[c][nv * E::lanes::<S>()..];
                let mut t = E::ZERO;
                for (&x, &y) in tail.iter().zip(tu) {
                    t += x * y;
                }
                let gc = t + E::vreduce_sum(s, E::vadd(s, acc[c][0], acc[c][1]));
                g[j + c] = gc;
                rs[c] = base[j + c] - tau * gc;
                r[j + c] = rs[c];
            }
            let rv: [E::V<S>; 4] = core::array::from_fn(|c| E::vsplat(s, rs[c]));
            for k in 0..nv {
                let lo = E::vmul_add(s, hc[0][k], rv[0], E::vmul(s, hc[1][k], rv[1]));
                let hi = E::vmul_add(s, hc[2][k], rv[2], E::vmul_add(s, hc[3][k], rv[3], hw[k]));
                hw[k] = E::vadd(s, lo, hi);
            }
            let off = nv * E::lanes::<S>();
            for (q, wq) in tw.iter_mut().enumerate() {
                let k = off + q;
                *wq += cols[0][k] * rs[0]
                    + cols[1][k] * rs[1]
                    + cols[2][k] * rs[2]
                    + cols[3][k] * rs[3];
            }
            j += 4;
        }
        while j < nc {
            let col = &a[j * ld..j * ld + len];
            let (hc, tc) = E::split::<S>(col);
            let hc = &hc[..nv];
            let mut acc = [z; 2];
            for k in 0..nv {
                acc[k % 2] = E::vmul_add(s, hc[k], hu[k], acc[k % 2]);
            }
            let mut t = E::ZERO;
            for (&x, &y) in tc.iter().zip(tu) {
                t += x * y;
            }
            let gc = t + E::vreduce_sum(s, E::vadd(s, acc[0], acc[1]));
            g[j] = gc;
            let rc = base[j] - tau * gc;
            r[j] = rc;
            let rv = E::vsplat(s, rc);
            for k in 0..nv {
                hw[k] = E::vmul_add(s, hc[k], rv, hw[k]);
            }
            for (wq, &x) in tw.iter_mut().zip(tc) {
                *wq += x * rc;
            }
            j += 1;
        }
    }
}
