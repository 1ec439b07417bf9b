//! Singular values of an upper bidiagonal matrix by shifted dqds
//! (differential quotient-difference with shifts, Fernando and Parlett),
//! without square roots or rotations in the inner loop: one division per
//! entry and sweep instead of the two square roots and divisions of an
//! implicit QR step.
//!
//! The bidiagonal is held as `q_k = d_k^2`, `e_k^2`; each sweep applies a
//! shift `tau` below the smallest remaining eigenvalue of $B^T B$ (a sweep
//! whose intermediate values turn negative proves the shift too large, and
//! is retried with a smaller one). Values deflate at the bottom once the
//! last off-diagonal is negligible. Entries of `d` too small to square
//! safely, or a run that does not converge, make [`bidiag_values`] decline
//! (`None`), and the caller falls back to implicit QR.

use oxblas_core::Scalar;

/// The singular values of the upper bidiagonal `(d, e)` (unsorted), or
/// `None` where this method declines.
pub(crate) fn bidiag_values<T: Scalar>(d: &[T], e: &[T]) -> Option<Vec<T>> {
    let n = d.len();
    let bnorm = d
        .iter()
        .chain(e)
        .fold(0.0f64, |m, x| m.max(x.to_f64().abs()));
    if n == 0 || bnorm == 0.0 {
        return Some(vec![T::ZERO; n]);
    }
    let inv = bnorm.recip();
    let mut q: Vec<f64> = d.iter().map(|x| (x.to_f64() * inv).powi(2)).collect();
    let mut ee: Vec<f64> = e.iter().map(|x| (x.to_f64() * inv).powi(2)).collect();
    // Squares must stay well inside the normal range.
    if q.iter().any(|&x| x < 1e-250) {
        return None;
    }
    for x in &mut ee {
        if *x < 1e-290 {
            *x = 0.0;
        }
    }
    let vals = dqds(&mut q, &mut ee)?;
    Some(
        vals.into_iter()
            .map(|l| T::from_f64(l.max(0.0).sqrt() * bnorm))
            .collect(),
    )
}

/// The eigenvalues of `L U` for the qd arrays `q`, `ee` (all `q > 0`).
fn dqds(q: &mut [f64], ee: &mut [f64]) -> Option<Vec<f64>> {
    let len = q.len();
    let tol = 4.0 * f64::EPSILON;
    let tol2 = tol * tol;
    let mut out = Vec::with_capacity(len);
    let mut sigma = 0.0f64;
    let mut n = len;
    let mut dmin = f64::INFINITY;
    let mut sweeps = 0usize;
    let mut qn = vec![0.0f64; len];
    let mut en = vec![0.0f64; len.saturating_sub(1)];
    while n > 0 {
        if n == 1 {
            out.push(q[0] + sigma);
            break;
        }
        if ee[n - 2] <= tol2 * (sigma + q[n - 1]) {
            out.push(q[n - 1] + sigma);
            n -= 1;
            dmin = f64::INFINITY;
            continue;
        }
        let (lmax, lmin) = pair(q[n - 2], ee[n - 2], q[n - 1]);
        if n == 2 || ee[n - 3] <= tol2 * (sigma + q[n - 2]) {
            out.push(lmax + sigma);
            out.push(lmin + sigma);
            n -= 2;
            dmin = f64::INFINITY;
            continue;
        }
        sweeps += 1;
        if sweeps > 40 * len + 100 {
            return None;
        }
        // Shift: just below the trailing 2x2 estimate and below the
        // smallest pivot of the last sweep (both bound the smallest
        // eigenvalue from above).
        let mut tau = 0.99 * lmin.min(dmin);
        let mut tries = 0;
        loop {
            if let Some(dm) = sweep(&q[..n], &ee[..n - 1], tau, &mut qn, &mut en) {
                dmin = dm;
                break;
            }
            tries += 1;
            tau = if tries < 4 { tau * 0.25 } else { 0.0 };
            if tries > 5 {
                return None;
            }
        }
        sigma += tau;
        q[..n].copy_from_slice(&qn[..n]);
        ee[..n - 1].copy_from_slice(&en[..n - 1]);
    }
    Some(out)
}

/// One dqds sweep with shift `tau` into `qn`, `en`; the smallest pivot, or
/// `None` if a pivot turned negative (the shift is too large).
#[inline]
fn sweep(q: &[f64], ee: &[f64], tau: f64, qn: &mut [f64], en: &mut [f64]) -> Option<f64> {
    let n = q.len();
    let mut d = q[0] - tau;
    if d < 0.0 {
        return None;
    }
    let mut dmin = d;
    for k in 0..n - 1 {
        let qh = d + ee[k];
        if qh <= 0.0 {
            return None;
        }
        let t = q[k + 1] / qh;
        qn[k] = qh;
        en[k] = ee[k] * t;
        d = d * t - tau;
        if d < 0.0 {
            return None;
        }
        dmin = dmin.min(d);
    }
    qn[n - 1] = d;
    Some(dmin)
}

/// The eigenvalues `(max, min)` of `B^T B` for the 2x2 bidiagonal with
/// squares `q0`, `e`, `q1`.
#[inline]
fn pair(q0: f64, e: f64, q1: f64) -> (f64, f64) {
    let t = q0 + e + q1;
    let diff = q0 - q1 + e;
    let root = (diff * diff + 4.0 * e * q1).sqrt();
    let lmax = 0.5 * (t + root);
    let lmin = if lmax > 0.0 { q0 * q1 / lmax } else { 0.0 };
    (lmax, lmin)
}
