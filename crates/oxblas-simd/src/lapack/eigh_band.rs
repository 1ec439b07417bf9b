//! Two-stage tridiagonal reduction for the values-only symmetric
//! eigensolver (as LAPACK's `sytrd_2stage`: `sytrd_sy2sb` + `sytrd_sb2st`).
//!
//! 1. Dense to band (`dense_to_band`): the columns below the band are
//!    QR-factored panel by panel (`b` columns each); each panel's block
//!    reflector $Q = I - V T V^T$ is applied to both sides of the trailing
//!    matrix as $A \leftarrow A - V Y^T - Y V^T$ with $X = A V T$ and
//!    $Y = X - \frac12 V (T^T V^T X)$. The symmetric product $A V$ and the
//!    rank-`2b` update are column-blocked gemm calls on the lower triangle,
//!    so the $\frac43 n^3$ flops of this stage run at gemm speed, with no
//!    matrix-vector product over the trailing matrix.
//! 2. Band to tridiagonal (`band_to_tridiag`): bulge chasing on a compact
//!    band copy. Sweep `i` annihilates column `i` below its subdiagonal with
//!    one reflector of length `b`, applies it to the diagonal block, and
//!    chases the resulting bulge down the band block by block (a right
//!    application to the block below, a new reflector from that block's
//!    first column, its left and two-sided applications), `O(n^2 b)` flops
//!    on blocks that stay in L1.
//!
//! Only the eigenvalues are wanted, so no reflector is kept.

use oxblas_core::{MatMut, MatRef, Par, Scalar};

use super::spectral_util::{axpy, dot, householder, ColMat};
use super::util::{pgemm, vectorized};
use crate::blas1::elem::{dispatch, with_elem, Elem};
use oxblas_core::cast::cast_slice_mut;

/// Order from which `eigvalsh` uses the two-stage reduction.
///
/// Measured with `probe_spectral bands` (f64, one thread, loaded 2-core
/// machine, alternated runs): the two-stage reduction (b = 32) took
/// 15-30% longer than the one-stage one at n = 512, the same time at 1024
/// and 1536, and 5-15% less at 2048. Its first stage runs at about half
/// the gemm rate, and the one-stage symv still reads its matrix from L3 up
/// to n ~ 1500, so the crossover is high on this machine.
#[cfg(not(test))]
pub(crate) const TWO_STAGE_MIN: usize = 2048;
/// Tiny under `cfg(test)`, so that the test matrices take the two-stage path.
#[cfg(test)]
pub(crate) const TWO_STAGE_MIN: usize = 10;

/// Bandwidth of the intermediate band matrix: the inner dimension of the
/// first stage's products grows with it, the second stage's cost too.
#[cfg(not(test))]
pub(crate) const BAND: usize = 32;
#[cfg(test)]
pub(crate) const BAND: usize = 3;

/// Columns per gemm in the first stage's symmetric product and update.
#[cfg(not(test))]
const JB: usize = 128;
#[cfg(test)]
const JB: usize = 5;

/// Reduces the symmetric matrix in the lower triangle of `a` to tridiagonal
/// form by an orthogonal similarity (in two stages through a band of
/// bandwidth `b`): on return `d` holds its diagonal, `e` its subdiagonal.
/// `a` is overwritten.
pub(crate) fn tridiagonalize_two_stage<T: Scalar>(
    a: &mut ColMat<T>,
    b: usize,
    d: &mut [T],
    e: &mut [T],
) {
    let n = a.rows;
    if n == 0 {
        return;
    }
    let b = b.clamp(1, (n - 1).max(1));
    dense_to_band(a, b, JB);
    let ab = band_copy(a, b);
    band_to_tridiag(ab, n, b, d, e);
}

/// The band (`b` subdiagonals) of the lower triangle of `a`, in compact
/// storage with room for the bulge: column `j` holds rows `j..j + 2b` at
/// `j * 2b + (i - j)`.
pub(crate) fn band_copy<T: Scalar>(a: &ColMat<T>, b: usize) -> Vec<T> {
    let n = a.rows;
    let ldb = 2 * b;
    let mut ab = vec![T::ZERO; ldb * n];
    for j in 0..n {
        let len = (b + 1).min(n - j);
        ab[j * ldb..j * ldb + len].copy_from_slice(&a.col(j)[j..j + len]);
    }
    ab
}

/// Stage 1: reduces the lower triangle of `a` to a band of `b`
/// subdiagonals (entries below the band are left holding reflectors and
/// must not be read as matrix entries). `jb`: columns per gemm.
pub(crate) fn dense_to_band<T: Scalar>(a: &mut ColMat<T>, b: usize, jb: usize) {
    let n = a.rows;
    let par = crate::current_par();
    let jb = jb.max(1);
    // The diagonal blocks of the fixed column blocking made symmetric once
    // (see `col_blocks`), so that each is one plain gemm operand.
    for (g, w) in col_blocks(0, n, jb) {
        for q in 0..w {
            for r in q + 1..w {
                let x = a.at(g + r, g + q);
                a.set(g + q, g + r, x);
            }
        }
    }
    let mut k = 0;
    let mut tau = vec![T::ZERO; b];
    // Columns k.. are within the band once n - 1 - k <= b.
    while k + b + 1 < n {
        let s = k + b;
        let m = n - s;
        let nref = b.min(m - 1);
        let tau = &mut tau[..nref];
        vectorized(
            #[inline(always)]
            || panel_qr(a, k, s, nref, b, tau),
        );
        let mut v = ColMat::<T>::zeros(m, nref);
        for t in 0..nref {
            let col = v.col_mut(t);
            col[t] = T::ONE;
            col[t + 1..].copy_from_slice(&a.col(k + t)[s + t + 1..n]);
        }
        let tm = vectorized(
            #[inline(always)]
            || block_t(&v, tau),
        );
        two_sided_update(a, s, &v, &tm, jb, par);
        k += b;
    }
}

/// Householder QR of the panel `a[s.., k..k + b]`: reflector `t` (of
/// `nref`) annihilates `a[s + t + 1.., k + t]`, its vector stored there
/// (unit entry implied at row `s + t`), and is applied to the panel's
/// later columns.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // columns at computed offsets
fn panel_qr<T: Scalar>(
    a: &mut ColMat<T>,
    k: usize,
    s: usize,
    nref: usize,
    b: usize,
    tau: &mut [T],
) {
    let n = a.rows;
    for t in 0..nref {
        let c = k + t;
        let r0 = s + t;
        let (lo, hi) = a.data.split_at_mut((c + 1) * n);
        let col = &mut lo[c * n..];
        let (beta, tt) = householder(col[r0], &mut col[r0 + 1..n]);
        tau[t] = tt;
        col[r0] = beta;
        if tt == T::ZERO {
            continue;
        }
        let v = &col[r0 + 1..n];
        for c2 in c + 1..k + b {
            let off = (c2 - c - 1) * n;
            let y = &mut hi[off + r0..off + n];
            let f = tt * (y[0] + dot(v, &y[1..]));
            y[0] -= f;
            axpy(-f, v, &mut y[1..]);
        }
    }
}

/// The upper triangular `T` of the block reflector
/// $H_0 \cdots H_{k-1} = I - V T V^T$ (LAPACK's `larft`, forward,
/// columnwise), `V` unit lower trapezoidal.
#[inline(always)]
fn block_t<T: Scalar>(v: &ColMat<T>, tau: &[T]) -> ColMat<T> {
    let k = tau.len();
    let mut t = ColMat::<T>::zeros(k, k);
    let mut z = vec![T::ZERO; k];
    for p in 0..k {
        let tp = tau[p];
        t.set(p, p, tp);
        if tp == T::ZERO {
            continue;
        }
        for (q, zq) in z[..p].iter_mut().enumerate() {
            *zq = dot(&v.col(q)[p..], &v.col(p)[p..]);
        }
        for r in 0..p {
            let mut acc = T::ZERO;
            for (q, &zq) in z.iter().enumerate().take(p).skip(r) {
                acc += t.at(r, q) * zq;
            }
            t.set(r, p, -tp * acc);
        }
    }
    t
}

fn view<T: Scalar>(m: &ColMat<T>, r0: usize, c0: usize, rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_parts(&m.data, r0 + c0 * m.rows, rows, cols, 1, m.rows as isize).expect("in range")
}

fn view_mut<T: Scalar>(
    m: &mut ColMat<T>,
    r0: usize,
    c0: usize,
    rows: usize,
    cols: usize,
) -> MatMut<'_, T> {
    let ld = m.rows as isize;
    MatMut::from_parts(&mut m.data, r0 + c0 * m.rows, rows, cols, 1, ld).expect("in range")
}

/// The column blocks `(start, width)` of `s..n` for the first stage's
/// products: cut at the multiples of `jb`, so that every step's diagonal
/// blocks lie inside the fixed blocks whose upper parts the rank-`2b`
/// updates keep (they update each block's full rectangle from its diagonal
/// down) and `dense_to_band` filled once.
fn col_blocks(s: usize, n: usize, jb: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut g = s;
    core::iter::from_fn(move || {
        if g >= n {
            return None;
        }
        let end = ((g / jb + 1) * jb).min(n);
        let item = (g, end - g);
        g = end;
        Some(item)
    })
}

/// $A_{22} \leftarrow Q^T A_{22} Q$ for the trailing block
/// `A22 = a[s.., s..]` (lower triangle) and $Q = I - V T V^T$.
fn two_sided_update<T: Scalar>(
    a: &mut ColMat<T>,
    s: usize,
    v: &ColMat<T>,
    tm: &ColMat<T>,
    jb: usize,
    par: Par,
) {
    let n = a.rows;
    let m = n - s;
    let k = v.cols;

    // X = A22 V from the lower triangle: block column J contributes
    // A[J.., J] V[J] to rows J.. and A[J+.., J]^T V[J+..] to rows J.
    let mut x = ColMat::<T>::zeros(m, k);
    for (g, w) in col_blocks(s, n, jb) {
        let j0 = g - s;
        let a1 = view(a, g, g, m - j0, w);
        let v1 = view(v, j0, 0, w, k);
        pgemm(
            T::ONE,
            a1,
            v1,
            T::ONE,
            view_mut(&mut x, j0, 0, m - j0, k),
            par,
        )
        .expect("shapes");
        let below = m - j0 - w;
        if below > 0 {
            let a2 = view(a, g + w, g, below, w);
            let v2 = view(v, j0 + w, 0, below, k);
            pgemm(
                T::ONE,
                a2.t(),
                v2,
                T::ONE,
                view_mut(&mut x, j0, 0, w, k),
                par,
            )
            .expect("shapes");
        }
    }
    // X <- X T; M = T^T (V^T X); Y = X - V M / 2.
    let mut xt = ColMat::<T>::zeros(m, k);
    pgemm(
        T::ONE,
        view(&x, 0, 0, m, k),
        view(tm, 0, 0, k, k),
        T::ZERO,
        view_mut(&mut xt, 0, 0, m, k),
        par,
    )
    .expect("shapes");
    let mut vtx = ColMat::<T>::zeros(k, k);
    pgemm(
        T::ONE,
        view(v, 0, 0, m, k).t(),
        view(&xt, 0, 0, m, k),
        T::ZERO,
        view_mut(&mut vtx, 0, 0, k, k),
        par,
    )
    .expect("shapes");
    let mut mm = ColMat::<T>::zeros(k, k);
    pgemm(
        T::ONE,
        view(tm, 0, 0, k, k).t(),
        view(&vtx, 0, 0, k, k),
        T::ZERO,
        view_mut(&mut mm, 0, 0, k, k),
        par,
    )
    .expect("shapes");
    pgemm(
        -T::from_f64(0.5),
        view(v, 0, 0, m, k),
        view(&mm, 0, 0, k, k),
        T::ONE,
        view_mut(&mut xt, 0, 0, m, k),
        par,
    )
    .expect("shapes");
    // A22 -= [V Y] [Y V]^T on the lower triangle, block column by block
    // column (each block's full rectangle from its diagonal down).
    let mut vy = ColMat::<T>::zeros(m, 2 * k);
    let mut yv = ColMat::<T>::zeros(m, 2 * k);
    for p in 0..k {
        vy.col_mut(p).copy_from_slice(v.col(p));
        vy.col_mut(k + p).copy_from_slice(xt.col(p));
        yv.col_mut(p).copy_from_slice(xt.col(p));
        yv.col_mut(k + p).copy_from_slice(v.col(p));
    }
    for (g, w) in col_blocks(s, n, jb) {
        let j0 = g - s;
        let l = view(&vy, j0, 0, m - j0, 2 * k);
        let r = view(&yv, j0, 0, w, 2 * k);
        pgemm(-T::ONE, l, r.t(), T::ONE, view_mut(a, g, g, m - j0, w), par).expect("shapes");
    }
}

/// Stage 2: reduces the band matrix `ab` (order `n`, `b` subdiagonals, in
/// [`band_copy`]'s storage) to tridiagonal form by bulge chasing; `d`
/// receives the diagonal and `e` the subdiagonal. `ab` is destroyed.
pub(crate) fn band_to_tridiag<T: Scalar>(
    mut ab: Vec<T>,
    n: usize,
    b: usize,
    d: &mut [T],
    e: &mut [T],
) {
    with_elem!(T, E => {
        let ab: &mut [E] = cast_slice_mut(&mut ab).expect("E is T");
        let d: &mut [E] = cast_slice_mut(d).expect("E is T");
        let e: &mut [E] = cast_slice_mut(e).expect("E is T");
        dispatch(BandChase { ab, n, b, d, e });
    });
}

struct BandChase<'a, E> {
    ab: &'a mut [E],
    n: usize,
    b: usize,
    d: &'a mut [E],
    e: &'a mut [E],
}

impl<E: Elem> pulp::WithSimd for BandChase<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, s: S) {
        let BandChase { ab, n, b, d, e } = self;
        band_to_tridiag_impl(s, ab, n, b, d, e);
    }
}

#[inline(always)]
#[allow(clippy::needless_range_loop)] // columns at computed offsets
fn band_to_tridiag_impl<T: Elem, S: pulp::Simd>(
    s: S,
    ab: &mut [T],
    n: usize,
    b: usize,
    d: &mut [T],
    e: &mut [T],
) {
    if n == 0 {
        return;
    }
    let ldb = 2 * b;
    debug_assert!(ab.len() >= ldb * n);
    let mut v = vec![T::ZERO; b];
    let mut v2 = vec![T::ZERO; b];
    let mut wv = vec![T::ZERO; b];
    for i in 0..n - 1 {
        let len = b.min(n - 1 - i);
        if len >= 2 {
            // Type 1: the reflector of column i, rows i+1..i+1+len, and its
            // two-sided application to the diagonal block it spans.
            let col = &mut ab[i * ldb + 1..i * ldb + 1 + len];
            let (beta, t0) = householder(col[0], &mut col[1..]);
            v[0] = T::ONE;
            v[1..len].copy_from_slice(&col[1..]);
            col[0] = beta;
            col[1..].fill(T::ZERO);
            let mut tau = t0;
            let mut st = i + 1;
            let mut len = len;
            if tau != T::ZERO {
                sym_two_sided(s, ab, ldb, st, len, &v[..len], tau, &mut wv);
            }
            loop {
                let j1 = st + len;
                if j1 >= n {
                    break;
                }
                let nr = b.min(n - j1);
                // Type 2: the block B = A[j1..j1+nr, st..st+len] (a
                // stretch of each column's storage) times the reflector
                // from the right, ...
                if tau != T::ZERO {
                    let w = &mut wv[..nr];
                    w.fill(T::ZERO);
                    for q in 0..len {
                        let c = st + q;
                        let o = c * ldb + (j1 - c);
                        axpy(v[q], &ab[o..o + nr], w);
                    }
                    let o0 = st * ldb + (j1 - st);
                    axpy(-tau * v[0], w, &mut ab[o0..o0 + nr]);
                }
                // ... a new reflector annihilating B's first column below
                // its top, applied to B's other columns from the left (each
                // column's right and left updates fused in two passes) ...
                let mut t2 = T::ZERO;
                if nr >= 2 {
                    let o0 = st * ldb + (j1 - st);
                    let b0 = &mut ab[o0..o0 + nr];
                    let (beta2, tt) = householder(b0[0], &mut b0[1..]);
                    t2 = tt;
                    v2[0] = T::ONE;
                    v2[1..nr].copy_from_slice(&b0[1..]);
                    b0[0] = beta2;
                    b0[1..].fill(T::ZERO);
                }
                if tau != T::ZERO || t2 != T::ZERO {
                    let u = &v2[..nr];
                    let w = &wv[..nr];
                    for q in 1..len {
                        let c = st + q;
                        let o = c * ldb + (j1 - c);
                        let y = &mut ab[o..o + nr];
                        let f = t2 * axpy_dot(s, -tau * v[q], w, y, u);
                        if t2 != T::ZERO {
                            axpy(-f, u, y);
                        }
                    }
                }
                if nr < 2 {
                    break;
                }
                if t2 != T::ZERO {
                    let u = &v2[..nr];
                    // Type 3: ... and to both sides of the next diagonal block.
                    sym_two_sided(s, ab, ldb, j1, nr, u, t2, &mut wv);
                }
                core::mem::swap(&mut v, &mut v2);
                tau = t2;
                st = j1;
                len = nr;
            }
        }
        d[i] = ab[i * ldb];
        e[i] = ab[i * ldb + 1];
    }
    d[n - 1] = ab[(n - 1) * ldb];
}

/// $D \leftarrow H D H$ for the symmetric diagonal block
/// `D = A[st..st+len, st..st+len]` of the band storage (lower part: column
/// `st + q` holds its rows `st + q..st + len` contiguously) and
/// $H = I - \tau v v^T$.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn sym_two_sided<T: Elem, S: pulp::Simd>(
    s: S,
    ab: &mut [T],
    ldb: usize,
    st: usize,
    len: usize,
    v: &[T],
    tau: T,
    wv: &mut [T],
) {
    let w = &mut wv[..len];
    w.fill(T::ZERO);
    // w = D v, reading each stored element once.
    for q in 0..len {
        let o = (st + q) * ldb;
        let col = &ab[o..o + len - q];
        let vq = v[q];
        let acc = dot_axpy(s, &col[1..], &v[q + 1..len], vq, &mut w[q + 1..]);
        w[q] += col[0] * vq + acc;
    }
    for x in w.iter_mut() {
        *x *= tau;
    }
    let alpha = -T::from_f64(0.5) * tau * dot(w, v);
    axpy(alpha, v, w);
    // D -= v w^T + w v^T (lower part).
    for q in 0..len {
        let o = (st + q) * ldb;
        let col = &mut ab[o..o + len - q];
        let (vq, wq) = (v[q], w[q]);
        for ((x, &vr), &wr) in col.iter_mut().zip(&v[q..len]).zip(&w[q..len]) {
            *x -= vr * wq + wr * vq;
        }
    }
}

/// `y += alpha x`, then returns `u . y` (the updated `y`), in one pass.
#[inline(always)]
fn axpy_dot<E: Elem, S: pulp::Simd>(s: S, alpha: E, x: &[E], y: &mut [E], u: &[E]) -> E {
    let n = y.len();
    let (xh, xt) = E::split::<S>(&x[..n]);
    let (uh, ut) = E::split::<S>(&u[..n]);
    let (yh, yt) = E::split_mut::<S>(y);
    let nv = yh.len();
    let (xh, uh) = (&xh[..nv], &uh[..nv]);
    let va = E::vsplat(s, alpha);
    let (mut a0, mut a1) = (E::vsplat(s, E::ZERO), E::vsplat(s, E::ZERO));
    let mut i = 0;
    while i + 2 <= nv {
        let y0 = E::vmul_add(s, xh[i], va, yh[i]);
        let y1 = E::vmul_add(s, xh[i + 1], va, yh[i + 1]);
        yh[i] = y0;
        yh[i + 1] = y1;
        a0 = E::vmul_add(s, uh[i], y0, a0);
        a1 = E::vmul_add(s, uh[i + 1], y1, a1);
        i += 2;
    }
    if i < nv {
        let y0 = E::vmul_add(s, xh[i], va, yh[i]);
        yh[i] = y0;
        a0 = E::vmul_add(s, uh[i], y0, a0);
    }
    let mut acc = E::vreduce_sum(s, E::vadd(s, a0, a1));
    for ((yi, &xi), &ui) in yt.iter_mut().zip(xt).zip(ut) {
        *yi += xi * alpha;
        acc += ui * *yi;
    }
    acc
}

/// `w += alpha x` and returns `x . v`, in one pass over `x`.
#[inline(always)]
fn dot_axpy<E: Elem, S: pulp::Simd>(s: S, x: &[E], v: &[E], alpha: E, w: &mut [E]) -> E {
    let n = x.len();
    let (xh, xt) = E::split::<S>(x);
    let (vh, vt) = E::split::<S>(&v[..n]);
    let (wh, wt) = E::split_mut::<S>(&mut w[..n]);
    let nv = xh.len();
    let (vh, wh) = (&vh[..nv], &mut wh[..nv]);
    let va = E::vsplat(s, alpha);
    let (mut a0, mut a1) = (E::vsplat(s, E::ZERO), E::vsplat(s, E::ZERO));
    let mut i = 0;
    while i + 2 <= nv {
        wh[i] = E::vmul_add(s, xh[i], va, wh[i]);
        wh[i + 1] = E::vmul_add(s, xh[i + 1], va, wh[i + 1]);
        a0 = E::vmul_add(s, xh[i], vh[i], a0);
        a1 = E::vmul_add(s, xh[i + 1], vh[i + 1], a1);
        i += 2;
    }
    if i < nv {
        wh[i] = E::vmul_add(s, xh[i], va, wh[i]);
        a0 = E::vmul_add(s, xh[i], vh[i], a0);
    }
    let mut acc = E::vreduce_sum(s, E::vadd(s, a0, a1));
    for ((wi, &xi), &vi) in wt.iter_mut().zip(xt).zip(vt) {
        *wi += xi * alpha;
        acc += xi * vi;
    }
    acc
}
