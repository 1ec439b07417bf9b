//! Divide and conquer for the symmetric tridiagonal eigenproblem (Cuppen's
//! method with Gu and Eisenstat's stable eigenvectors), the fast path of
//! `eigh` with vectors.
//!
//! `T = diag(T1, T2) + rho u u^T` with `u = e_{m-1} + sign(b) e_m` after
//! taking `|b|` off the two diagonal entries next to the split. The halves
//! are solved recursively (QL at the leaves), and the merge solves the
//! rank-one update `D + rho z z^T` (`z` from the last row of `Q1` and the
//! first row of `Q2`):
//! 1. deflation of negligible `z_i` and of (rotated) near-equal `d_i`;
//! 2. the secular equation $1/\rho + \sum_i z_i^2 / (d_i - \lambda) = 0$,
//!    each root held as an offset from its nearer pole so that every
//!    difference `d_i - lambda_j` is accurate;
//! 3. `z` recomputed from the roots (Gu-Eisenstat), so that the vectors
//!    `(z_i / (d_i - lambda_j))_i` are orthogonal to working precision;
//! 4. the new vectors `Q [U]` by one gemm per merge.

use oxblas_core::{MatMut, MatRef, Scalar};

use super::eigh::tridiag_ql;
use super::spectral_util::{max_abs, rot, ColMat};

/// Problems of at most this order are solved by QL directly: below it the
/// QL's `O(k^3)` rotations beat the merge's bookkeeping (the leaf size of
/// LAPACK's `stedc` is 25 for the same reason).
const LEAF: usize = 32;

/// The algorithm failed to converge (a QL leaf or a secular root).
#[derive(Debug)]
pub(crate) struct NotConverged;

/// Eigenvalues (into `d`, unsorted) and eigenvectors (`z`, `n x n`, column
/// `j` for `d[j]`) of the symmetric tridiagonal matrix with diagonal `d` and
/// subdiagonal `e`.
pub(crate) fn tridiag_dc<T: Scalar>(
    d: &mut [T],
    e: &[T],
    z: &mut ColMat<T>,
) -> Result<(), NotConverged> {
    let n = d.len();
    debug_assert!(z.rows == n && z.cols == n);
    z.data.fill(T::ZERO);
    if n == 0 {
        return Ok(());
    }
    let mut e = e.to_vec();
    super::util::vectorized(|| solve(d, &mut e, z, 0, n))
}

/// Solves the block `lo..hi` into `z[lo..hi, lo..hi]` (zero on entry).
fn solve<T: Scalar>(
    d: &mut [T],
    e: &mut [T],
    z: &mut ColMat<T>,
    lo: usize,
    hi: usize,
) -> Result<(), NotConverged> {
    let k = hi - lo;
    if k <= LEAF {
        let mut q = ColMat::identity(k, k);
        let ee = &mut e[lo..hi - 1].to_vec();
        tridiag_ql(&mut d[lo..hi], ee, Some(&mut q)).map_err(|_| NotConverged)?;
        for j in 0..k {
            z.col_mut(lo + j)[lo..hi].copy_from_slice(q.col(j));
        }
        return Ok(());
    }
    let mid = lo + k / 2;
    let b = e[mid - 1];
    let rho = b.abs();
    d[mid - 1] -= rho;
    d[mid] -= rho;
    solve(d, e, z, lo, mid)?;
    solve(d, e, z, mid, hi)?;
    let sign = if b < T::ZERO { -T::ONE } else { T::ONE };
    merge(d, z, lo, mid, hi, rho, sign)
}

/// Merges the solved halves `lo..mid` and `mid..hi` coupled by
/// `rho u u^T`, `u = e_{mid-1} + sign e_mid`.
#[inline(always)]
fn merge<T: Scalar>(
    d: &mut [T],
    z: &mut ColMat<T>,
    lo: usize,
    mid: usize,
    hi: usize,
    rho: T,
    sign: T,
) -> Result<(), NotConverged> {
    let k = hi - lo;
    // z = Q^T u: row mid-1 of Q1's block, sign * row mid of Q2's block.
    // Both have unit norm, so with zv = z / sqrt(2), rho2 = 2 rho, zv is a
    // unit vector.
    let inv_sqrt2 = T::from_f64(core::f64::consts::FRAC_1_SQRT_2);
    let mut zv: Vec<T> = (lo..hi)
        .map(|j| {
            if j < mid {
                z.at(mid - 1, j) * inv_sqrt2
            } else {
                sign * z.at(mid, j) * inv_sqrt2
            }
        })
        .collect();
    let rho = rho + rho;
    let mut dv: Vec<T> = d[lo..hi].to_vec();
    // Sort by d (columns are addressed through `idx`).
    let mut idx: Vec<usize> = (0..k).collect();
    idx.sort_by(|&a, &b| {
        dv[a]
            .partial_cmp(&dv[b])
            .unwrap_or(core::cmp::Ordering::Equal)
    });
    let eps = T::EPSILON;
    let tol = T::from_f64(8.0) * eps * max_abs(dv.iter().copied()).max(max_abs(zv.iter().copied()));
    // Deflation, in sorted order.
    let mut deflated = vec![false; k];
    if rho * max_abs(zv.iter().copied()) <= tol {
        // The coupling is negligible: the halves' eigenpairs stand.
        return Ok(());
    }
    let mut prev: Option<usize> = None;
    for &j in &idx {
        if rho * zv[j].abs() <= tol {
            deflated[j] = true;
            continue;
        }
        if let Some(p) = prev {
            // Rotate (p, j) so that z_p = 0; deflate p if the coupling that
            // this creates between d_p and d_j is negligible.
            let (s0, c0) = (zv[p], zv[j]);
            let tau = s0.hypot(c0);
            let c = c0 / tau;
            let s = -s0 / tau;
            let t = dv[j] - dv[p];
            if (t * c * s).abs() <= tol {
                zv[j] = tau;
                zv[p] = T::ZERO;
                let (pp, jj) = (lo + p, lo + j);
                {
                    let (x, y) = if pp < jj {
                        z.two_cols_mut(pp, jj)
                    } else {
                        let (y, x) = z.two_cols_mut(jj, pp);
                        (x, y)
                    };
                    rot(c, s, &mut x[lo..hi], &mut y[lo..hi]);
                }
                let (dp, dj) = (dv[p], dv[j]);
                dv[p] = dp * c * c + dj * s * s;
                dv[j] = dp * s * s + dj * c * c;
                deflated[p] = true;
            }
        }
        prev = Some(j);
    }
    // The non-deflated problem, sorted ascending.
    let mut keep: Vec<usize> = (0..k).filter(|&j| !deflated[j]).collect();
    keep.sort_by(|&a, &b| {
        dv[a]
            .partial_cmp(&dv[b])
            .unwrap_or(core::cmp::Ordering::Equal)
    });
    let kk = keep.len();
    for &j in (0..k).filter(|&j| deflated[j]).collect::<Vec<_>>().iter() {
        d[lo + j] = dv[j];
    }
    if kk == 0 {
        return Ok(());
    }
    let ds: Vec<T> = keep.iter().map(|&j| dv[j]).collect();
    let zs: Vec<T> = keep.iter().map(|&j| zv[j]).collect();
    // Roots: lambda_j = ds[org[j]] + tau[j]; delta[i + j * kk] = ds[i] - lambda_j.
    let mut org = vec![0usize; kk];
    let mut tau = vec![T::ZERO; kk];
    let mut delta = vec![T::ZERO; kk * kk];
    for j in 0..kk {
        let (o, t) = secular_root(&ds, &zs, rho, j, &mut delta[j * kk..(j + 1) * kk])?;
        org[j] = o;
        tau[j] = t;
    }
    // Gu-Eisenstat: the z that makes the computed roots exact.
    let mut zh = vec![T::ZERO; kk];
    for i in 0..kk {
        // (lambda_i - d_i) / rho * prod_{j != i} (lambda_j - d_i) / (d_j - d_i)
        let mut p = -delta[i + i * kk] / rho;
        for j in 0..kk {
            if j != i {
                p *= -delta[i + j * kk] / (ds[j] - ds[i]);
            }
        }
        zh[i] = p.abs().sqrt().copysign(zs[i]);
    }
    // Eigenvectors of D + rho z z^T: u_ij = zh_i / (d_i - lambda_j), normalized.
    let mut u = ColMat::<T>::zeros(kk, kk);
    for j in 0..kk {
        let col = u.col_mut(j);
        for i in 0..kk {
            col[i] = zh[i] / delta[i + j * kk];
        }
        let nr = super::spectral_util::nrm2(col);
        let inv = nr.recip();
        for x in col.iter_mut() {
            *x *= inv;
        }
    }
    // New vectors: Q[:, keep] U (rows lo..hi).
    let mut qk = ColMat::<T>::zeros(k, kk);
    for (c, &j) in keep.iter().enumerate() {
        qk.col_mut(c).copy_from_slice(&z.col(lo + j)[lo..hi]);
    }
    let mut out = ColMat::<T>::zeros(k, kk);
    gemm_cm(&qk, &u, &mut out);
    for (c, &j) in keep.iter().enumerate() {
        z.col_mut(lo + j)[lo..hi].copy_from_slice(out.col(c));
        d[lo + j] = ds[org[c]] + tau[c];
    }
    Ok(())
}

/// `c = a b` for column-major matrices, through the crate's gemm.
pub(crate) fn gemm_cm<T: Scalar>(a: &ColMat<T>, b: &ColMat<T>, c: &mut ColMat<T>) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    debug_assert!(b.rows == k && c.rows == m && c.cols == n);
    if m == 0 || n == 0 {
        return;
    }
    let av = MatRef::from_parts(&a.data, 0, m, k, 1, m as isize).expect("column-major view");
    let bv = MatRef::from_parts(&b.data, 0, k, n, 1, k as isize).expect("column-major view");
    let cv = MatMut::from_parts(&mut c.data, 0, m, n, 1, m as isize).expect("column-major view");
    crate::gemm::gemm(T::ONE, av, bv, T::ZERO, cv, crate::current_par()).expect("shapes match");
}

/// The `j`-th root (0-based, ascending) of
/// $f(\lambda) = 1/\rho + \sum_i z_i^2 / (d_i - \lambda)$ for sorted
/// distinct `d`, `rho > 0`, no `z_i` zero. Returns the pole it is measured
/// from and the offset; fills `delta[i] = d_i - lambda`.
#[inline(always)]
fn secular_root<T: Scalar>(
    d: &[T],
    z: &[T],
    rho: T,
    j: usize,
    delta: &mut [T],
) -> Result<(usize, T), NotConverged> {
    let k = d.len();
    let half = T::from_f64(0.5);
    let rinv = rho.recip();
    let eps = T::EPSILON;
    // f at lambda = d[o] + t, with the differences from the pole `o`.
    let eval = |o: usize, t: T, delta: &mut [T]| -> (T, T, T, T, T) {
        // Returns (f, f', psi', phi', a bound on the rounding error of f),
        // psi over i <= j, phi over i > j.
        let (mut psi, mut dpsi, mut phi, mut dphi, mut err) =
            (T::ZERO, T::ZERO, T::ZERO, T::ZERO, T::ZERO);
        for i in 0..k {
            let del = (d[i] - d[o]) - t;
            delta[i] = del;
            let q = z[i] / del;
            let term = z[i] * q;
            if i <= j {
                psi += term;
                dpsi += q * q;
            } else {
                phi += term;
                dphi += q * q;
            }
            err += term.abs();
        }
        let f = rinv + psi + phi;
        (
            f,
            dpsi + dphi,
            dpsi,
            dphi,
            T::from_f64(8.0) * eps * (rinv + err),
        )
    };
    // Bracket and origin.
    let (o, mut lo_t, mut hi_t) = if j + 1 < k {
        let gap = d[j + 1] - d[j];
        let (fm, _, _, _, _) = eval(j, gap * half, delta);
        if fm >= T::ZERO {
            // Root in the left half: measure from d[j].
            (j, T::ZERO, gap * half)
        } else {
            (j + 1, -gap * half, T::ZERO)
        }
    } else {
        let zz: T = z.iter().map(|&x| x * x).sum();
        (j, T::ZERO, rho * zz)
    };
    let last = j + 1 == k;
    let mut t = (lo_t + hi_t) * half;
    let mut f_prev = T::INFINITY;
    for _ in 0..300 {
        let (f, df, dpsi, dphi, ferr) = eval(o, t, delta);
        if f.abs() <= ferr {
            // f is zero to within its rounding error.
            return Ok((o, t));
        }
        if f < T::ZERO {
            lo_t = t;
        } else {
            hi_t = t;
        }
        // Converged when the bracket is tight relative to the offset.
        if hi_t - lo_t <= T::from_f64(2.0) * eps * lo_t.abs().max(hi_t.abs()) {
            let t = (lo_t + hi_t) * half;
            eval(o, t, delta);
            return Ok((o, t));
        }
        // Two-pole rational model matching f and f' (the "middle way"):
        // f(t + s) ~ c + a / (dl - s) + b / (dr - s).
        let dl = (d[j] - d[o]) - t;
        let mut step = None;
        if last {
            let a = dl * dl * df;
            let c = f - dl * df;
            if c != T::ZERO {
                step = Some(dl + a / c);
            }
        } else {
            let dr = (d[j + 1] - d[o]) - t;
            let a = dl * dl * dpsi;
            let b = dr * dr * dphi;
            let c = f - dl * dpsi - dr * dphi;
            // c s^2 - (c (dl + dr) + a + b) s + (c dl dr + a dr + b dl) = 0
            let bb = c * (dl + dr) + a + b;
            let cc = c * dl * dr + a * dr + b * dl;
            step = if c == T::ZERO {
                if bb != T::ZERO {
                    Some(cc / bb)
                } else {
                    None
                }
            } else {
                let disc = bb * bb - T::from_f64(4.0) * c * cc;
                if disc >= T::ZERO {
                    // The root between the poles: pick the stable formula.
                    let sq = disc.sqrt();
                    let q = half * (bb + sq.copysign(bb));
                    let r1 = q / c;
                    let r2 = if q != T::ZERO { cc / q } else { r1 };
                    let inside = |s: T| s > dl && s < dr;
                    if inside(r1) {
                        Some(r1)
                    } else if inside(r2) {
                        Some(r2)
                    } else {
                        None
                    }
                } else {
                    None
                }
            };
        }
        if let Some(s) = step {
            if s.abs() <= T::from_f64(2.0) * eps * t.abs() {
                // The step no longer changes t.
                return Ok((o, t));
            }
        }
        // Bisect when the model fails or |f| does not shrink fast enough,
        // which bounds the iteration count by the bisection's.
        let slow = f.abs() > T::from_f64(0.25) * f_prev;
        f_prev = f.abs();
        let nt = step.map(|s| t + s);
        t = match nt {
            Some(nt) if nt > lo_t && nt < hi_t && !slow => nt,
            _ => (lo_t + hi_t) * half,
        };
        if !(t > lo_t && t < hi_t) {
            // The bracket cannot be split further in floating point.
            eval(o, t, delta);
            return Ok((o, t));
        }
    }
    Err(NotConverged)
}
