//! Singular value decomposition $A = U \Sigma V^T$.
//!
//! For `m >= n` (a wide matrix is handled through its transpose):
//! 1. Scale `A` into a safe range if its largest entry is near overflow or
//!    underflow.
//! 2. For a tall matrix (`m >= 5n/3`), the crate's blocked Householder QR
//!    first, so that the bidiagonalization works on the `n x n` factor `R`.
//! 3. Blocked Householder bidiagonalization $A = Q B P^T$ (`svd_bidiag`).
//! 4. With vectors: $B = U_B \Sigma V_B^T$ by divide and conquer
//!    (`svd_dc`, implicit-shift QR `bidiag_qr` at its leaves), then
//!    $U = Q U_B$, $V = P V_B$ by compact-WY products. Values only: shifted
//!    dqds (`svd_dqds`), or the implicit-shift QR sweeps (Golub-Kahan with a
//!    Wilkinson shift, zero-chasing for negligible diagonal entries) where
//!    dqds declines.
//! 5. Signs made non-negative, values sorted descending.

use oxblas_core::{validate, Error, MatRef, Op, Result, Scalar, Svd, SvdMode};

use super::spectral_util::{
    apply_q_left, apply_reflector_left, givens, householder, max_abs, permute_cols, range_scale,
    sort_perm, ColMat, RotLog,
};
use super::svd_bidiag::bidiagonalize_blocked;
use super::svd_dc::bidiag_dc;
use super::svd_dqds::bidiag_values;

/// The singular value decomposition of an `m x n` matrix (any shape).
///
/// With `k = min(m, n)`: [`SvdMode::Thin`] gives `u: m x k`, `vt: k x n`;
/// [`SvdMode::Full`] gives `u: m x m`, `vt: n x n`. The singular values are
/// non-negative and descending; `u` has orthonormal columns and `vt`
/// orthonormal rows.
///
/// # Errors
/// - [`Error::NonFinite`] if `a` holds NaN or infinity.
/// - [`Error::NoConvergence`] if the bidiagonal QR hits its iteration limit.
pub fn svd<T: Scalar>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>> {
    validate::finite(Op::Svd, a)?;
    let (m, n) = a.shape();
    if m >= n {
        let (s, u, v) = tall(ColMat::from_view(a), Some(mode), Op::Svd)?;
        let (u, v) = (u.expect("vectors requested"), v.expect("vectors requested"));
        Ok(Svd {
            u: u.to_mat(),
            s,
            vt: v.to_mat_transposed(),
        })
    } else {
        // A^T = U' S V'^T, so A = V' S U'^T.
        let (s, u, v) = tall(ColMat::from_view(a.t()), Some(mode), Op::Svd)?;
        let (u, v) = (u.expect("vectors requested"), v.expect("vectors requested"));
        Ok(Svd {
            u: v.to_mat(),
            s,
            vt: u.to_mat_transposed(),
        })
    }
}

/// The singular values of an `m x n` matrix, non-negative and descending.
///
/// # Errors
/// As [`svd`].
pub fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
    validate::finite(Op::SingularValues, a)?;
    let (m, n) = a.shape();
    let w = if m >= n {
        ColMat::from_view(a)
    } else {
        ColMat::from_view(a.t())
    };
    Ok(tall(w, None, Op::SingularValues)?.0)
}

type Factors<T> = (Vec<T>, Option<ColMat<T>>, Option<ColMat<T>>);

/// The SVD of a tall or square `m x n` work matrix (`m >= n`): the values,
/// and with `mode`, `U` (`m x n` thin, `m x m` full) and `V` (`n x n`).
fn tall<T: Scalar>(mut a: ColMat<T>, mode: Option<SvdMode>, op: Op) -> Result<Factors<T>> {
    let (m, n) = (a.rows, a.cols);
    debug_assert!(m >= n);
    let ucols = match mode {
        Some(SvdMode::Full) => m,
        _ => n,
    };
    if n == 0 {
        let u = mode.map(|_| ColMat::identity(m, ucols));
        let v = mode.map(|_| ColMat::zeros(0, 0));
        return Ok((Vec::new(), u, v));
    }
    let scale = range_scale(max_abs(a.data.iter().copied()));
    if let Some(s) = scale {
        for x in &mut a.data {
            *x *= s;
        }
    }
    // Tall: QR first, then work on R.
    let use_qr = 3 * m >= 5 * n;
    let mut qr_tau = Vec::new();
    let mut qr_factors = None;
    let mut b = if use_qr {
        qr_tau = blocked_qr(&mut a);
        let mut r = ColMat::zeros(n, n);
        for j in 0..n {
            r.col_mut(j)[..=j].copy_from_slice(&a.col(j)[..=j]);
        }
        qr_factors = Some(a);
        r
    } else {
        a
    };
    let bm = b.rows;
    let mut d = vec![T::ZERO; n];
    let mut e = vec![T::ZERO; n - 1];
    let mut tauq = vec![T::ZERO; n];
    let mut taup = vec![T::ZERO; n.saturating_sub(1)];
    bidiagonalize_blocked(&mut b, &mut d, &mut e, &mut tauq, &mut taup);
    let (mut u, mut v) = if mode.is_some() {
        // B = U_B diag(d) V_B^T by divide and conquer; then U = Q U_B
        // (bm x n, or bm x m for a full U without the QR step: with it, Q
        // supplies the extra columns) and V = P V_B.
        let bucols = if use_qr { n } else { ucols };
        let (s, ub, vb) = bidiag_dc(&d, &e).map_err(|_| Error::NoConvergence { op })?;
        d = s;
        let mut uw = ColMat::identity(bm, bucols);
        for j in 0..n {
            let col = uw.col_mut(j);
            col[..n].copy_from_slice(ub.col(j));
            col[n..].fill(T::ZERO);
        }
        apply_q_left(&b, 0, &tauq, &mut uw);
        let mut vw = vb;
        apply_q_left(&p_reflectors(&b), 1, &taup, &mut vw);
        (Some(uw), Some(vw))
    } else {
        // Values only: dqds, or implicit QR where dqds declines.
        match bidiag_values(&d, &e) {
            Some(s) => d = s,
            None => {
                bidiag_qr(&mut d, &mut e, None, None).map_err(|_| Error::NoConvergence { op })?
            }
        }
        (None, None)
    };
    // Non-negative values, sorted descending.
    for (i, di) in d.iter_mut().enumerate() {
        if *di < T::ZERO {
            *di = -*di;
            if let Some(v) = v.as_mut() {
                for x in v.col_mut(i) {
                    *x = -*x;
                }
            }
        }
    }
    let perm = sort_perm(&d, true);
    let mut s: Vec<T> = perm.iter().map(|&p| d[p]).collect();
    if let Some(u) = u.as_mut() {
        permute_cols(u, &perm);
    }
    if let Some(v) = v.as_mut() {
        permute_cols(v, &perm);
    }
    if let Some(sc) = scale {
        let inv = sc.recip();
        for x in &mut s {
            *x *= inv;
        }
    }
    if let (Some(ur), Some(qf)) = (u.as_ref(), qr_factors.as_ref()) {
        // U = Q [U_R 0; 0 I].
        let mut w = ColMat::identity(m, ucols);
        for j in 0..n {
            w.col_mut(j)[..n].copy_from_slice(ur.col(j));
            w.col_mut(j)[n..].fill(T::ZERO);
        }
        apply_q_left(qf, 0, &qr_tau, &mut w);
        u = Some(w);
    }
    debug_assert!(u
        .as_ref()
        .is_none_or(|u| u.rows == m && u.cols == ucols && bm <= m));
    Ok((s, u, v))
}

/// Householder QR of `a` in place (`geqrf` layout: `R` on and above the
/// diagonal, the reflectors below), by the crate's blocked QR; the
/// unblocked [`householder_qr`] should that refuse the input.
fn blocked_qr<T: Scalar>(a: &mut ColMat<T>) -> Vec<T> {
    let (m, n) = (a.rows, a.cols);
    let qr = MatRef::from_parts(&a.data, 0, m, n, 1, m as isize).and_then(super::qr::factor);
    match qr {
        Ok(qr) => {
            for j in 0..n {
                for (i, x) in a.col_mut(j).iter_mut().enumerate() {
                    *x = qr.factors[(i, j)];
                }
            }
            qr.tau
        }
        Err(_) => pulp::Arch::new().dispatch(QrOp(a)),
    }
}

/// [`householder_qr`] as a pulp operation (inlined into the dispatched
/// function, so that it compiles with the machine's SIMD features).
struct QrOp<'a, T>(&'a mut ColMat<T>);

impl<T: Scalar> pulp::WithSimd for QrOp<'_, T> {
    type Output = Vec<T>;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<T> {
        householder_qr(self.0)
    }
}

#[inline(always)]
/// Householder QR in place (LAPACK's `geqr2`): `R` on and above the
/// diagonal, the reflectors below it; returns the scalars.
fn householder_qr<T: Scalar>(a: &mut ColMat<T>) -> Vec<T> {
    let (m, n) = (a.rows, a.cols);
    let k = m.min(n);
    let mut tau = vec![T::ZERO; k];
    let mut v = vec![T::ZERO; m];
    for i in 0..k {
        let col = a.col_mut(i);
        let alpha = col[i];
        let (beta, t) = householder(alpha, &mut col[i + 1..]);
        tau[i] = t;
        let vv = &mut v[..m - i];
        vv[0] = T::ONE;
        vv[1..].copy_from_slice(&col[i + 1..]);
        col[i] = beta;
        apply_reflector_left(a, vv, t, i, i + 1, n);
    }
    tau
}

/// The right reflectors of [`bidiagonalize_blocked`] (stored in rows of
/// `a`) gathered as columns: reflector `i` in rows `i + 1..` of column `i`,
/// its unit entry at row `i + 1` implied (`n x n`).
fn p_reflectors<T: Scalar>(a: &ColMat<T>) -> ColMat<T> {
    let n = a.cols;
    let mut ys = ColMat::<T>::zeros(n, n);
    for i in 0..n.saturating_sub(1) {
        for k in i + 2..n {
            ys.set(k, i, a.at(i, k));
        }
    }
    ys
}

/// The bidiagonal QR did not converge within its limit.
#[derive(Debug)]
pub(crate) struct NotConverged;

/// The SVD of the upper bidiagonal matrix with diagonal `d` and
/// superdiagonal `e` by implicit-shift QR. Left rotations are applied to the
/// columns of `u` (its first `d.len()` columns), right ones to those of
/// `v`, so that `Q B P^T = (Q U_B) diag(d) (P V_B)^T` on return (`d` may
/// hold negative values; `e` is destroyed).
pub(crate) fn bidiag_qr<T: Scalar>(
    d: &mut [T],
    e: &mut [T],
    u: Option<&mut ColMat<T>>,
    v: Option<&mut ColMat<T>>,
) -> Result<(), NotConverged> {
    if d.len() <= 1 {
        return Ok(());
    }
    pulp::Arch::new().dispatch(BidiagQrOp { d, e, u, v })
}

/// [`bidiag_qr_impl`] as a pulp operation, inlined into the dispatched
/// function so that the rotation loops compile with the machine's SIMD
/// features (a closure body would be a separate function without them).
struct BidiagQrOp<'a, T> {
    d: &'a mut [T],
    e: &'a mut [T],
    u: Option<&'a mut ColMat<T>>,
    v: Option<&'a mut ColMat<T>>,
}

impl<T: Scalar> pulp::WithSimd for BidiagQrOp<'_, T> {
    type Output = Result<(), NotConverged>;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
        bidiag_qr_impl(self.d, self.e, self.u, self.v)
    }
}

/// Rotations gathered (in units of `n`) before a [`RotLog`] flush: about
/// 32 QR sweeps' worth.
const ROT_BATCH: usize = 32;

/// Applies the recorded rotations once enough have gathered (or `force`).
#[inline(always)]
fn flush_logs<T: Scalar>(
    ulog: &mut RotLog<T>,
    vlog: &mut RotLog<T>,
    u: &mut Option<&mut ColMat<T>>,
    v: &mut Option<&mut ColMat<T>>,
    force: bool,
    n: usize,
) {
    if force || ulog.len() + vlog.len() >= ROT_BATCH * n {
        match u.as_deref_mut() {
            Some(u) => ulog.flush(u),
            None => ulog.ops_clear(),
        }
        match v.as_deref_mut() {
            Some(v) => vlog.flush(v),
            None => vlog.ops_clear(),
        }
    }
}

/// [`givens`] with a plain square root where neither square can overflow
/// or lose accuracy to underflow (`hypot` costs several times more, and
/// the values-only sweeps do little else).
#[inline(always)]
fn fast_givens<T: Scalar>(f: T, g: T) -> (T, T, T) {
    let lo = (T::MIN_POSITIVE / T::EPSILON).sqrt();
    let hi = (T::MAX * T::from_f64(0.125)).sqrt();
    let (af, ag) = (f.abs(), g.abs());
    if af > lo && ag > lo && af < hi && ag < hi {
        let r = (f * f + g * g).sqrt();
        let inv = r.recip();
        (f * inv, g * inv, r)
    } else {
        givens(f, g)
    }
}

#[inline(always)]
fn bidiag_qr_impl<T: Scalar>(
    d: &mut [T],
    e: &mut [T],
    mut u: Option<&mut ColMat<T>>,
    mut v: Option<&mut ColMat<T>>,
) -> Result<(), NotConverged> {
    let n = d.len();
    let mut ulog = RotLog::new();
    let mut vlog = RotLog::new();
    let eps = T::EPSILON;
    let bnorm = max_abs(d.iter().chain(e.iter()).copied());
    if bnorm == T::ZERO {
        return Ok(());
    }
    // Diagonal entries this small are set to zero (an absolute
    // perturbation of order eps ||B||), then chased out.
    let dtol = eps * bnorm;
    // Superdiagonal entries below eps^2 ||B|| are negligible outright
    // (graded matrices would otherwise creep through subnormal numbers).
    let etol = (eps * dtol).max(T::MIN_POSITIVE);
    let max_steps = 6 * n * n;
    let mut steps = 0usize;
    let mut hi = n - 1;
    loop {
        // Deflate converged values at the bottom.
        while hi > 0 {
            let i = hi - 1;
            if e[i].abs() <= eps * (d[i].abs() + d[i + 1].abs()) || e[i].abs() <= etol {
                e[i] = T::ZERO;
                hi -= 1;
            } else {
                break;
            }
        }
        if hi == 0 {
            flush_logs(&mut ulog, &mut vlog, &mut u, &mut v, true, n);
            return Ok(());
        }
        flush_logs(&mut ulog, &mut vlog, &mut u, &mut v, false, n);
        // The unreduced block lo..=hi.
        let mut lo = hi - 1;
        while lo > 0 {
            let i = lo - 1;
            if e[i].abs() <= eps * (d[i].abs() + d[i + 1].abs()) || e[i].abs() <= etol {
                e[i] = T::ZERO;
                break;
            }
            lo -= 1;
        }
        steps += hi - lo;
        if steps > max_steps {
            return Err(NotConverged);
        }
        // A negligible diagonal entry: chase its row (or, at the bottom,
        // its column) to zero, which splits the block.
        if let Some(i) = (lo..=hi).find(|&i| d[i].abs() <= dtol) {
            d[i] = T::ZERO;
            if i < hi {
                let mut b = e[i];
                e[i] = T::ZERO;
                for j in i + 1..=hi {
                    let (c, s, r) = givens(d[j], b);
                    d[j] = r;
                    if j < hi {
                        b = -s * e[j];
                        e[j] *= c;
                    }
                    ulog.push(j, i, c, s);
                }
            } else {
                let mut b = e[hi - 1];
                e[hi - 1] = T::ZERO;
                let mut j = hi;
                while j > lo {
                    j -= 1;
                    let (c, s, r) = givens(d[j], b);
                    d[j] = r;
                    if j > lo {
                        b = -s * e[j - 1];
                        e[j - 1] *= c;
                    }
                    vlog.push(j, hi, c, s);
                }
            }
            continue;
        }
        // Wilkinson shift from the trailing 2x2 of B^T B, computed on
        // scaled values so that squaring cannot overflow.
        let sc = max_abs([
            d[hi - 1],
            d[hi],
            e[hi - 1],
            if hi - 1 > lo { e[hi - 2] } else { T::ZERO },
            d[lo],
            e[lo],
        ]);
        let inv = sc.recip();
        let (dm, dh, em) = (d[hi - 1] * inv, d[hi] * inv, e[hi - 1] * inv);
        let el = if hi - 1 > lo {
            e[hi - 2] * inv
        } else {
            T::ZERO
        };
        let t11 = dm * dm + el * el;
        let t12 = dm * em;
        let t22 = dh * dh + em * em;
        let half = T::from_f64(0.5);
        let delta = (t11 - t22) * half;
        let root = delta.hypot(t12);
        let mu = if delta == T::ZERO && t12 == T::ZERO {
            t22
        } else {
            t22 - t12 * t12 / (delta + root.copysign(delta))
        };
        let (dl, ell) = (d[lo] * inv, e[lo] * inv);
        let mut y = dl * dl - mu;
        let mut z = dl * ell;
        // The chase.
        for k in lo..hi {
            // Right rotation on columns k, k+1.
            let (c, s, r) = fast_givens(y, z);
            if k > lo {
                e[k - 1] = r;
            }
            let (dk, ek) = (d[k], e[k]);
            d[k] = c * dk + s * ek;
            e[k] = c * ek - s * dk;
            let bulge = s * d[k + 1];
            d[k + 1] *= c;
            vlog.push(k, k + 1, c, s);
            // Left rotation on rows k, k+1.
            let (c, s, r) = fast_givens(d[k], bulge);
            d[k] = r;
            let (ek, dk1) = (e[k], d[k + 1]);
            e[k] = c * ek + s * dk1;
            d[k + 1] = c * dk1 - s * ek;
            if k + 1 < hi {
                y = e[k];
                z = s * e[k + 1];
                e[k + 1] *= c;
            }
            ulog.push(k, k + 1, c, s);
        }
    }
}
