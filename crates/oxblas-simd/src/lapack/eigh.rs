//! Symmetric eigendecomposition $A = V \Lambda V^T$.
//!
//! 1. Copy the lower triangle of `J A J` (`J` reverses the order: same
//!    eigenvalues, eigenvectors with their rows reversed), whose columns are
//!    the reversed rows of a row-major `A`; scale it into a safe range if its
//!    largest entry is near overflow or underflow.
//! 2. Householder tridiagonalization $A = Q T Q^T$ from the lower triangle
//!    (`tridiagonalize`): panels of `TRD_NB` columns whose symmetric
//!    products read the trailing triangle once (`symv_lower_fused`), and a
//!    rank-`2 TRD_NB` trailing update through gemm. Values only, from order
//!    `TWO_STAGE_MIN` on: the two-stage reduction of `eigh_band` (dense to
//!    band through gemm, then bulge chasing), which needs no matrix-vector
//!    product over the trailing matrix.
//! 3. Values only: the root-free QL/QR iteration on `T` (`tridiag_sterf`),
//!    `O(n^2)` with no square root per step. With vectors: divide and
//!    conquer on `T` (`tridiag_dc`) and the blocked back-transformation by
//!    `Q` (`apply_q_left_panels`); below `DC_MIN`, QL with the rotations
//!    accumulated onto the explicit `Q` (`tridiag_ql`).
//! 4. Sort ascending.

use oxblas_core::{validate, Eigh, Error, Mat, MatMut, MatRef, Op, Result, Scalar};

use super::util::vectorized;

use super::eigh_band::{tridiagonalize_two_stage, BAND, TWO_STAGE_MIN};
use super::eigh_kernels::{
    apply_q_left_panels, panel_gemv_n, panel_gemv_n2, panel_gemv_t, symv_lower_fused, tridiag_sterf,
};
use super::spectral_dc::tridiag_dc;
use super::spectral_util::{
    axpy, dot, householder, max_abs, permute_cols, range_scale, rot, sort_perm, ColMat,
};

/// Above this order, eigenvectors come from divide and conquer (whose
/// leaves are QL problems of about this size); below, from QL directly.
const DC_MIN: usize = 32;
/// Reflectors per compact-WY block of the back-transformation.
const BT_NB: usize = 64;
/// Columns of the eigenvector matrix per panel of the back-transformation.
const BT_JB: usize = 128;

/// Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a
/// symmetric matrix, reading only its lower triangle.
///
/// # Errors
/// - [`Error::NonFinite`] if the lower triangle holds NaN or infinity.
/// - [`Error::NotSquare`] if `a` is not square.
/// - [`Error::NoConvergence`] if the QL iteration hits its iteration limit.
pub fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>> {
    let (values, vectors) = driver(a, Op::Eigh, true, None)?;
    // Rows reversed: the work matrix was J A J (see `driver`).
    let vectors = vectors.map_or_else(|| Mat::zeros(0, 0), |v| reversed_row_major(&v));
    Ok(Eigh { values, vectors })
}

/// The row-major copy of `v` with its rows in reverse order, by tiles of
/// `TB x TB` (each of the tile's columns read as one contiguous run, each of
/// its rows written as one), instead of a read with stride `rows` per
/// element.
fn reversed_row_major<T: Scalar>(v: &ColMat<T>) -> Mat<T> {
    const TB: usize = 32;
    let (r, c) = (v.rows, v.cols);
    let mut out = vec![T::ZERO; r * c];
    for i0 in (0..r).step_by(TB) {
        let i1 = (i0 + TB).min(r);
        for j0 in (0..c).step_by(TB) {
            for j in j0..(j0 + TB).min(c) {
                let col = v.col(j);
                for i in i0..i1 {
                    out[i * c + j] = col[r - 1 - i];
                }
            }
        }
    }
    Mat::from_vec(r, c, out).expect("r * c elements")
}

/// Eigenvalues (ascending) of a symmetric matrix, reading its lower triangle.
///
/// # Errors
/// As [`eigh`].
pub fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
    Ok(driver(a, Op::Eigvalsh, false, None)?.0)
}

/// [`eigvalsh`] with the tridiagonal reduction forced, for probes and
/// tuning: `band == 0` runs the one-stage reduction, `band >= 1` the
/// two-stage one through a band of `band` subdiagonals, whatever the order
/// (`eigvalsh` itself picks by order: two-stage from `TWO_STAGE_MIN`).
///
/// # Errors
/// As [`eigh`].
#[doc(hidden)]
pub fn eigvalsh_with_band<T: Scalar>(a: MatRef<'_, T>, band: usize) -> Result<Vec<T>> {
    Ok(driver(a, Op::Eigvalsh, false, Some(band))?.0)
}

/// The largest magnitude in `x`, all finite: eight lanes, so that the
/// loop vectorizes (`max` with its NaN rule would not).
#[inline(always)]
fn max_abs_finite<T: Scalar>(x: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..8 {
            let v = c[l].abs();
            acc[l] = if v > acc[l] { v } else { acc[l] };
        }
    }
    let m = max_abs(chunks.remainder().iter().copied());
    acc.iter().fold(m, |a, &b| a.max(b))
}

fn lower_finite<T: Scalar>(a: MatRef<'_, T>) -> bool {
    let n = a.rows().min(a.cols());
    (0..n).all(|j| (j..a.rows()).all(|i| a[(i, j)].is_finite()))
}

fn driver<T: Scalar>(
    a: MatRef<'_, T>,
    op: Op,
    want_vectors: bool,
    band: Option<usize>,
) -> Result<(Vec<T>, Option<ColMat<T>>)> {
    // NonFinite first (for a non-square input, over the lower part of the
    // leading square), then the shape.
    if a.rows() != a.cols() {
        if !lower_finite(a) {
            return Err(Error::NonFinite { op });
        }
        validate::square(op, a.shape())?;
    }
    let n = a.rows();
    // The work matrix is B = J A J (J the exchange matrix, which reverses
    // the order of rows or columns): B has A's eigenvalues, and the
    // eigenvectors of A are B's with their rows reversed. Column j of B's
    // lower triangle is row n - 1 - j of A's lower triangle, reversed, so
    // for the usual row-major input the column-major copy reads and writes
    // contiguous runs instead of transposing.
    let mut anrm = T::ZERO;
    let mut w = if n > 0 && a.row_slice(0).is_some() {
        // Column by column, each checked for finiteness and its largest
        // magnitude taken while it is in L1; the upper parts are zeros,
        // written once (never read).
        let copied = vectorized(
            #[inline(always)]
            || {
                let mut data = Vec::with_capacity(n * n);
                let mut anrm = T::ZERO;
                for j in 0..n {
                    let r = n - 1 - j;
                    let row = &a.row_slice(r).expect("contiguous rows")[..=r];
                    data.resize(j * n + j, T::ZERO);
                    data.extend(row.iter().rev().copied());
                    let col = &data[j * n + j..];
                    if !super::util::all_finite(col) {
                        return None;
                    }
                    anrm = anrm.max(max_abs_finite(col));
                }
                Some((data, anrm))
            },
        );
        let (data, m) = copied.ok_or(Error::NonFinite { op })?;
        anrm = m;
        ColMat {
            rows: n,
            cols: n,
            data,
        }
    } else {
        // Any other layout: B(i, j) = A(n - 1 - j, n - 1 - i), in strips of
        // STRIP columns of B walked down all their rows, so that a
        // column-major A is read STRIP contiguous elements at a time and the
        // strip's columns are written as STRIP sequential streams.
        let mut w = ColMat::<T>::zeros(n, n);
        const STRIP: usize = 4;
        for jb in (0..n).step_by(STRIP) {
            let je = (jb + STRIP).min(n);
            for i in jb..n {
                for j in jb..je.min(i + 1) {
                    w.data[i + j * n] = a[(n - 1 - j, n - 1 - i)];
                }
            }
        }
        // Finiteness and the largest magnitude, over the contiguous columns.
        for j in 0..n {
            let col = &w.col(j)[j..];
            if !super::util::all_finite(col) {
                return Err(Error::NonFinite { op });
            }
            anrm = anrm.max(max_abs_finite(col));
        }
        w
    };
    let scale = range_scale(anrm);
    if let Some(s) = scale {
        for x in &mut w.data {
            *x *= s;
        }
    }
    let mut d = vec![T::ZERO; n];
    let mut e = vec![T::ZERO; n.saturating_sub(1)];
    let mut tau = vec![T::ZERO; n.saturating_sub(1)];
    // Values only: the two-stage reduction (all of its O(n^3) flops in
    // gemm) from TWO_STAGE_MIN on; with vectors always the one-stage one.
    let band = match band {
        Some(b) => b,
        None if n >= TWO_STAGE_MIN => BAND,
        None => 0,
    };
    if !want_vectors && band > 0 {
        tridiagonalize_two_stage(&mut w, band, &mut d, &mut e);
    } else {
        tridiagonalize(&mut w, &mut d, &mut e, &mut tau);
    }
    let mut z = if want_vectors && n > DC_MIN {
        // Divide and conquer on T, then the blocked back-transformation by Q.
        let mut zt = ColMat::zeros(n, n);
        tridiag_dc(&mut d, &e, &mut zt).map_err(|_| Error::NoConvergence { op })?;
        apply_q_left_panels(&w, 1, &tau, &mut zt, BT_NB, BT_JB);
        let v = zt;
        Some(v)
    } else {
        if want_vectors {
            let mut z = form_q(&w, &tau);
            tridiag_ql(&mut d, &mut e, Some(&mut z)).map_err(|_| Error::NoConvergence { op })?;
            Some(z)
        } else {
            tridiag_sterf(&mut d, &mut e).map_err(|_| Error::NoConvergence { op })?;
            None
        }
    };
    if let Some(s) = scale {
        let inv = s.recip();
        for x in &mut d {
            *x *= inv;
        }
    }
    let perm = sort_perm(&d, false);
    let values: Vec<T> = perm.iter().map(|&p| d[p]).collect();
    if let Some(z) = z.as_mut() {
        permute_cols(z, &perm);
    }
    Ok((values, z))
}

/// Reduces the symmetric matrix held in the lower triangle of `a` to
/// tridiagonal form $T = Q^T A Q$ (LAPACK's `sytd2`, lower): on return `d`
/// is the diagonal of `T`, `e` its subdiagonal, and the Householder vectors
/// of $Q = H_0 \cdots H_{n-2}$ are stored below the first subdiagonal of `a`
/// (`v_i[i + 1] = 1` implied), with scalars `tau`.
pub(crate) fn tridiagonalize<T: Scalar>(
    a: &mut ColMat<T>,
    d: &mut [T],
    e: &mut [T],
    tau: &mut [T],
) {
    vectorized(
        #[inline(always)]
        || tridiagonalize_impl(a, d, e, tau),
    )
}

/// Panel width of the blocked reduction: the trailing update is a rank-2NB
/// product through gemm (NB = 32 is LAPACK's `sytrd` default).
const TRD_NB: usize = 32;
/// Below this trailing order the unblocked reduction finishes the job.
const TRD_NX: usize = 96;
/// Fewest rows per thread's piece of the threaded trailing update.
const TRD_PAR_ROWS: usize = 128;

#[inline(always)]
fn tridiagonalize_impl<T: Scalar>(a: &mut ColMat<T>, d: &mut [T], e: &mut [T], tau: &mut [T]) {
    let n = a.rows;
    if n == 0 {
        return;
    }
    let mut start = 0;
    if n > TRD_NX {
        // [V W V]: the panel's reflectors and W, with V again after W so
        // that [V W] and [W V] are both column ranges of one buffer.
        let mut vwv = ColMat::<T>::zeros(n, 3 * TRD_NB);
        let threads = crate::current_par().threads();
        while n - start > TRD_NX {
            latrd(a, start, TRD_NB, d, e, tau, &mut vwv);
            syr2k_lower_update(a, start + TRD_NB, &mut vwv, TRD_NB, threads);
            start += TRD_NB;
        }
    }
    let mut w = vec![T::ZERO; n];
    for i in start..n - 1 {
        // Reflector annihilating a[i+2.., i].
        let col = a.col_mut(i);
        let alpha = col[i + 1];
        let (beta, t) = householder(alpha, &mut col[i + 2..]);
        e[i] = beta;
        tau[i] = t;
        if t != T::ZERO {
            col[i + 1] = T::ONE;
            let m = n - i - 1;
            let v: Vec<T> = a.col(i)[i + 1..].to_vec();
            // w = tau * A22 v, with A22 = a[i+1.., i+1..] (lower triangle).
            let w = &mut w[..m];
            // Directions alternate (see `latrd`).
            symv_lower_fused(a, i + 1, t, &v, w, (i - start) % 2 == 0);
            // w -= (tau/2 (w . v)) v
            let alpha2 = -T::from_f64(0.5) * t * dot(w, &v);
            axpy(alpha2, &v, w);
            // A22 -= v w^T + w v^T (lower triangle).
            for jj in 0..m {
                let j = i + 1 + jj;
                let (vj, wj) = (v[jj], w[jj]);
                let c = &mut a.col_mut(j)[j..];
                let (vs, ws) = (&v[jj..], &w[jj..]);
                for ((x, &vv), &ww) in c.iter_mut().zip(vs).zip(ws) {
                    *x -= vv * wj + ww * vj;
                }
            }
            a.set(i + 1, i, beta);
        }
        d[i] = a.at(i, i);
    }
    d[n - 1] = a.at(n - 1, n - 1);
}

/// One panel of the blocked reduction (LAPACK's `latrd`, lower): reduces
/// columns `i0..i0 + nb`, leaving the trailing block `a[i0+nb.., i0+nb..]`
/// un-updated; its update is `- V W^T - W V^T` with `V` (the reflectors,
/// rows `c + 1..` of column `c - i0`) and `W` returned in columns `0..nb`
/// and `nb..2 nb` of `vwv` (`n` rows).
#[inline(always)]
fn latrd<T: Scalar>(
    a: &mut ColMat<T>,
    i0: usize,
    nb: usize,
    d: &mut [T],
    e: &mut [T],
    tau: &mut [T],
    vwv: &mut ColMat<T>,
) {
    let n = a.rows;
    debug_assert!(vwv.rows == n && vwv.cols >= 2 * nb);
    // Scratch: coefficients of the panel gemvs (for w, and for the next
    // column).
    let mut xv = vec![T::ZERO; nb];
    let mut xw = vec![T::ZERO; nb];
    let mut cv = vec![T::ZERO; nb];
    let mut cw = vec![T::ZERO; nb];
    let mut w = vec![T::ZERO; n];
    for i in 0..nb {
        let c = i0 + i;
        // Column c is up to date with the panel's first i reflectors
        // (a[c.., c] -= V[c.., ..i] W[c, ..i]^T + W[c.., ..i] V[c, ..i]^T):
        // step i - 1 applied them along with its own gemv (below).
        d[c] = a.at(c, c);
        let col = a.col_mut(c);
        let (beta, t) = householder(col[c + 1], &mut col[c + 2..]);
        e[c] = beta;
        tau[c] = t;
        col[c + 1] = T::ONE;
        vwv.col_mut(i)[c + 1..].copy_from_slice(&a.col(c)[c + 1..]);
        // w = tau (A22 v - V (W^T v) - W (V^T v)), rows c+1.., then
        // w -= tau/2 (w . v) v.
        let m = n - c - 1;
        // Whether column c + 1 is the next one of this panel.
        let next = i + 1 < nb;
        let w = &mut w[..m];
        {
            let (vm, wm) = (&vwv.data[..], &vwv.data[nb * n..]);
            let v = &vwv.col(i)[c + 1..];
            // Alternate directions: the trailing block (a few MiB at order
            // 1024) is larger than L2, and each product starts on the
            // columns the previous one (or the trailing update, which ends
            // on the last columns) read last.
            symv_lower_fused(a, c + 1, T::ONE, v, w, i % 2 == 0);
            // w -= V (W^T v) + W (V^T v).
            panel_gemv_t(vm, wm, n, c + 1, v, &mut xw[..i], &mut xv[..i]);
            for p in 0..i {
                xv[p] = -xv[p];
                xw[p] = -xw[p];
            }
            if next {
                // The same pass brings column c + 1 (rows c+1..) up to date
                // with the first i reflectors.
                for p in 0..i {
                    cv[p] = -vwv.at(c + 1, nb + p);
                    cw[p] = -vwv.at(c + 1, p);
                }
                let col = &mut a.data[(c + 1) * n + c + 1..(c + 2) * n];
                panel_gemv_n2(
                    vm,
                    wm,
                    n,
                    c + 1,
                    &xv[..i],
                    &xw[..i],
                    w,
                    &cv[..i],
                    &cw[..i],
                    col,
                );
            } else {
                panel_gemv_n(vm, wm, n, c + 1, &xv[..i], &xw[..i], w);
            }
            for x in w.iter_mut() {
                *x *= t;
            }
            let alpha2 = -T::from_f64(0.5) * t * dot(w, v);
            axpy(alpha2, v, w);
        }
        vwv.col_mut(nb + i)[c + 1..].copy_from_slice(w);
        a.set(c + 1, c, beta);
        if next {
            // ... and with reflector i: a[c+1.., c+1] -= v w[0] + w v[0],
            // v[0] = 1.
            let w0 = w[0];
            let v = &vwv.data[i * n + c + 1..(i + 1) * n];
            let col = &mut a.data[(c + 1) * n + c + 1..(c + 2) * n];
            for ((x, &vr), &wr) in col.iter_mut().zip(v).zip(w.iter()) {
                *x -= vr * w0 + wr;
            }
        }
    }
}

/// `A[k.., k..] -= V W^T + W V^T` on the lower triangle (the strict upper
/// triangle is neither read nor written), with `V`, `W` the rows `k..` of
/// columns `0..nb` and `nb..2 nb` of `vwv`: the single product of depth
/// `2 nb` `[W V] [V W]^T` on the upper triangle of the row-major view
/// `A[k.., k..]^T` (`V` is first copied into columns `2 nb..3 nb`) by
/// `gemm::trsm`'s triangle loops, each operand packed once, the tiles on
/// the other side of the diagonal skipped and each tile's rows (columns of
/// `A`) stored as vectors. With `parts > 1`, blocks of columns of `A` of
/// about equal work run side by side on rayon: block `c0..c1` is its
/// triangle and the rectangle below it.
pub(crate) fn syr2k_lower_update<T: Scalar>(
    a: &mut ColMat<T>,
    k: usize,
    vwv: &mut ColMat<T>,
    nb: usize,
    parts: usize,
) {
    let n = a.rows;
    if k >= n {
        return;
    }
    debug_assert!(vwv.rows == n && vwv.cols >= 3 * nb);
    let m = n - k;
    for p in 0..nb {
        let src = p * n + k;
        vwv.data.copy_within(src..src + m, (2 * nb + p) * n + k);
    }
    // A[k.., k..]^T (upper) -= R L^T, R = [W V], L = [V W].
    let l = MatRef::from_parts(&vwv.data, k, m, 2 * nb, 1, n as isize).expect("in range");
    let r = MatRef::from_parts(&vwv.data, nb * n + k, m, 2 * nb, 1, n as isize).expect("in range");
    let ct = MatMut::from_parts(&mut a.data, k + k * n, m, m, n as isize, 1).expect("in range");
    let isa = crate::gemm::isa();
    let parts = parts.min(m / TRD_PAR_ROWS).max(1);
    if parts == 1 {
        crate::gemm::trsm::gemm_nt_upper_sub(isa, r, l, ct);
        return;
    }
    // Rows r0.. of the upper triangle hold (m - r0)^2 / 2 entries: cut at
    // m (1 - sqrt(1 - t / p)), rounded to a multiple of 8.
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = ct;
    let mut r0 = 0;
    for t in 1..=parts {
        let r1 = if t == parts {
            m
        } else {
            let cut = m as f64 * (1.0 - (1.0 - t as f64 / parts as f64).sqrt());
            ((cut as usize + 4) / 8 * 8).clamp(r0, m)
        };
        let (head, tail) = rest.split_at_row(r1 - r0);
        pieces.push((r0, head));
        rest = tail;
        r0 = r1;
    }
    rayon::scope(|sc| {
        for (r0, rows) in pieces {
            sc.spawn(move |_| {
                let h = rows.rows();
                let (_, right) = rows.split_at_col(r0);
                let (tri, rect) = right.split_at_col(h);
                let (_, mine_r) = r.split_at_row(r0);
                let (_, mine_l) = l.split_at_row(r0);
                let (mine_r, _) = mine_r.split_at_row(h);
                let (mine_l, after_l) = mine_l.split_at_row(h);
                // The triangle C^T[r0..r1, r0..r1] and the rectangle
                // C^T[r0..r1, r1..] -= R[r0..r1] L[r1..]^T.
                crate::gemm::trsm::gemm_nt_upper_sub(isa, mine_r, mine_l, tri);
                crate::gemm::trsm::gemm_nt_sub(isa, mine_r, after_l, rect);
            });
        }
    });
}

/// Forms the orthogonal `Q` of [`tridiagonalize`] (`n x n`) by backward
/// accumulation of its reflectors (LAPACK's `orgtr`, lower).
pub(crate) fn form_q<T: Scalar>(a: &ColMat<T>, tau: &[T]) -> ColMat<T> {
    let n = a.rows;
    let mut q = ColMat::identity(n, n);
    if n <= 1 {
        return q;
    }
    let mut v = vec![T::ZERO; n];
    for i in (0..n - 1).rev() {
        let t = tau[i];
        if t == T::ZERO {
            continue;
        }
        let len = n - i - 1;
        let v = &mut v[..len];
        v[0] = T::ONE;
        v[1..].copy_from_slice(&a.col(i)[i + 2..]);
        // Q[i+1.., i+1..] <- H_i Q[i+1.., i+1..]; columns left of i+1 are
        // still unit vectors there, so only columns i+1.. change.
        for j in i + 1..n {
            let c = &mut q.col_mut(j)[i + 1..];
            let s = dot(c, v);
            if s != T::ZERO {
                axpy(-t * s, v, c);
            }
        }
    }
    q
}

/// The QL iteration did not converge within its limit.
#[derive(Debug)]
pub(crate) struct NotConverged;

/// Eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and
/// subdiagonal `e` (`e[i]` couples `i` and `i + 1`) by the implicit QL
/// algorithm with a Wilkinson-type shift. With `z`, the rotations are
/// applied to its columns, so that on entry `Q` gives `Q Z_T` (the
/// eigenvectors of $Q T Q^T$). On return `d` holds the (unsorted)
/// eigenvalues and `e` is destroyed.
pub(crate) fn tridiag_ql<T: Scalar>(
    d: &mut [T],
    e: &mut [T],
    mut z: Option<&mut ColMat<T>>,
) -> Result<(), NotConverged> {
    let n = d.len();
    if n <= 1 {
        return Ok(());
    }
    let eps = T::EPSILON;
    let two = T::from_f64(2.0);
    // Total sweep budget, as LAPACK's steqr: 30 per eigenvalue.
    let max_sweeps = 30 * n;
    // Also negligible: couplings below eps^2 ||T|| (a backward error far
    // below eps ||T||), which stops QL from creeping through subnormal
    // numbers on strongly graded matrices.
    let tnorm = max_abs(d.iter().chain(e.iter()).copied());
    let abs_tol = (eps * eps * tnorm).max(T::MIN_POSITIVE);
    let mut sweeps = 0;
    for l in 0..n {
        loop {
            // Find the first negligible subdiagonal at or after l.
            let mut m = l;
            while m < n - 1 {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= eps * dd || e[m].abs() <= abs_tol {
                    e[m] = T::ZERO;
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            sweeps += 1;
            if sweeps > max_sweeps {
                return Err(NotConverged);
            }
            // Shift: the eigenvalue of the leading 2x2 block closer to d[l].
            let g0 = (d[l + 1] - d[l]) / (two * e[l]);
            let r0 = g0.hypot(T::ONE);
            let mut g = d[m] - d[l] + e[l] / (g0 + r0.copysign(g0));
            let (mut s, mut c, mut p) = (T::ONE, T::ONE, T::ZERO);
            let mut underflow = false;
            let mut i = m;
            while i > l {
                i -= 1;
                let f = s * e[i];
                let b = c * e[i];
                let r = f.hypot(g);
                if i + 1 < m {
                    e[i + 1] = r;
                }
                if r == T::ZERO {
                    // Underflow: the rotation is the identity; split here.
                    d[i + 1] -= p;
                    underflow = true;
                    break;
                }
                s = f / r;
                c = g / r;
                let gg = d[i + 1] - p;
                let rr = (d[i] - gg) * s + two * c * b;
                p = s * rr;
                d[i + 1] = gg + p;
                g = c * rr - b;
                if let Some(z) = z.as_deref_mut() {
                    // Columns i, i+1: [z_i, z_{i+1}] <- [c z_i - s z_{i+1}, s z_i + c z_{i+1}]
                    let (zi, zi1) = z.two_cols_mut(i, i + 1);
                    rot(c, -s, zi, zi1);
                }
            }
            if underflow {
                continue;
            }
            d[l] -= p;
            e[l] = g;
        }
    }
    Ok(())
}
