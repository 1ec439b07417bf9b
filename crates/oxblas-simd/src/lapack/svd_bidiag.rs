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

use oxblas_core::{MatMut, MatRef, Scalar};

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

/// `out[j] = A[r0.., c0 + j] . u` for `j < out.len()` (`u.len() == m - r0`),
/// four columns per pass over `u`, eight partial sums per column.
#[inline(always)]
fn gemv_t<T: Scalar>(a: &ColMat<T>, r0: usize, c0: usize, u: &[T], out: &mut [T]) {
    let len = u.len();
    let nc = out.len();
    let mut j = 0;
    while j + 4 <= nc {
        let cols = [
            &a.col(c0 + j)[r0..r0 + len],
            &a.col(c0 + j + 1)[r0..r0 + len],
            &a.col(c0 + j + 2)[r0..r0 + len],
            &a.col(c0 + j + 3)[r0..r0 + len],
        ];
        let mut acc = [[T::ZERO; 8]; 4];
        let full = len / 8 * 8;
        let mut r = 0;
        while r < full {
            let uc = &u[r..r + 8];
            for (c, col) in cols.iter().enumerate() {
                let x = &col[r..r + 8];
                for k in 0..8 {
                    acc[c][k] = x[k].mul_add(uc[k], acc[c][k]);
                }
            }
            r += 8;
        }
        for (c, col) in cols.iter().enumerate() {
            let mut s = T::ZERO;
            for k in full..len {
                s += col[k] * u[k];
            }
            let a = &acc[c];
            let s4 = [a[0] + a[4], a[1] + a[5], a[2] + a[6], a[3] + a[7]];
            out[j + c] = s + (s4[0] + s4[2]) + (s4[1] + s4[3]);
        }
        j += 4;
    }
    while j < nc {
        out[j] = dot(&a.col(c0 + j)[r0..r0 + len], u);
        j += 1;
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
    let mut row = vec![T::ZERO; n];
    let mut acc = vec![T::ZERO; m.max(n)];
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
        // Y[i+1.., l] = tauq (A^T u - Y U^T u - V^T X^T u).
        {
            let yl = &mut acc[..nr];
            let u: Vec<T> = a.col(i)[i..].to_vec();
            gemv_t(a, i, i + 1, &u, yl);
            for q in 0..l {
                t[q] = dot(&a.col(p + q)[i..], &u);
                t2[q] = dot(&x.col(q)[i..], &u);
            }
            // yl -= Y[i+1.., ..l] t
            let mut corr = vec![T::ZERO; nr];
            gemv_n(y, i + 1, 0, &t[..l], &mut corr);
            // yl -= V[..l, i+1..]^T t2: column c of A holds V[.., c] in rows p..p+l.
            for (c, cv) in corr.iter_mut().enumerate() {
                *cv += dot(&a.col(i + 1 + c)[p..p + l], &t2[..l]);
            }
            let yc = &mut y.col_mut(l)[i + 1..];
            for ((dst, &s), &cr) in yc.iter_mut().zip(yl.iter()).zip(corr.iter()) {
                *dst = tq * (s - cr);
            }
        }
        // Row i: A[i, i+1..] -= Y[i+1.., ..=l] U[i, ..=l]^T + X[i, ..l] V[..l, i+1..].
        {
            for q in 0..=l {
                t[q] = a.at(i, p + q);
            }
            for q in 0..l {
                t2[q] = x.at(i, q);
            }
            let r = &mut row[..nr];
            for (c, rc) in r.iter_mut().enumerate() {
                *rc = a.at(i, i + 1 + c) - dot(&a.col(i + 1 + c)[p..p + l], &t2[..l]);
            }
            let mut corr = vec![T::ZERO; nr];
            gemv_n(y, i + 1, 0, &t[..=l], &mut corr);
            for (rc, &cr) in r.iter_mut().zip(corr.iter()) {
                *rc -= cr;
            }
            let (beta, tp) = householder(r[0], &mut r[1..]);
            e[i] = beta;
            taup[i] = tp;
            r[0] = T::ONE;
            for (c, &rc) in r.iter().enumerate() {
                a.set(i, i + 1 + c, rc);
            }
        }
        // X[i+1.., l] = taup (A v - U Y^T v - X V v).
        {
            let v: Vec<T> = row[..nr].to_vec();
            let xl = &mut acc[..m - i - 1];
            xl.fill(T::ZERO);
            gemv_n(a, i + 1, i + 1, &v, xl);
            // s = Y[i+1.., ..=l]^T v; xl -= U[i+1.., ..=l] s.
            for q in 0..=l {
                t[q] = -dot(&y.col(q)[i + 1..], &v);
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
                *dst = taup[i] * s;
            }
        }
    }
}
