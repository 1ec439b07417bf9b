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
//! 4. the new vectors `Q [U]` by two gemms per merge that skip the zero
//!    blocks of `Q` (columns grouped as top-only, mixed by deflation,
//!    bottom-only), about half the flops of one dense product.

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
    // Column structure: 1 = nonzero only in the top rows (lo..mid), 2 =
    // only in the bottom rows, 3 = both (after a deflating rotation mixed a
    // top and a bottom column). The final product skips the zero blocks.
    let h = mid - lo;
    let mut ctype: Vec<u8> = (0..k).map(|j| if j < h { 1 } else { 2 }).collect();
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
                ctype[j] |= ctype[p];
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
    super::util::vectorized(
        #[inline(always)]
        || -> Result<(), NotConverged> {
            for j in 0..kk {
                let (o, t) = secular_root(&ds, &zs, rho, j, &mut delta[j * kk..(j + 1) * kk])?;
                org[j] = o;
                tau[j] = t;
            }
            Ok(())
        },
    )?;
    // Gu-Eisenstat: the z that makes the computed roots exact.
    let u = super::util::vectorized(
        #[inline(always)]
        || secular_vectors(&ds, &zs, rho, &delta),
    );
    // New vectors: Q[:, keep] U (rows lo..hi), as two products that skip
    // the zero blocks of Q: columns grouped top-only, dense, bottom-only.
    let mut grp: Vec<usize> = (0..kk).collect();
    let key = |c: usize| match ctype[keep[c]] {
        1 => 0u8,
        3 => 1,
        _ => 2,
    };
    grp.sort_by_key(|&c| key(c));
    let n1 = grp.iter().filter(|&&c| key(c) == 0).count();
    let n2 = grp.iter().filter(|&&c| key(c) == 2).count();
    let n13 = kk - n2;
    let mut qk = ColMat::<T>::zeros(k, kk);
    for (r, &c) in grp.iter().enumerate() {
        qk.col_mut(r).copy_from_slice(&z.col(lo + keep[c])[lo..hi]);
    }
    // U with its rows in the same (grouped) order.
    let mut ug = ColMat::<T>::zeros(kk, kk);
    for j in 0..kk {
        let (src, dst) = (u.col(j), ug.col_mut(j));
        for (r, &c) in grp.iter().enumerate() {
            dst[r] = src[c];
        }
    }
    let mut out = ColMat::<T>::zeros(k, kk);
    gemm_block(&qk, 0, 0, h, n13, &ug, 0, &mut out, 0);
    gemm_block(&qk, h, n1, k - h, kk - n1, &ug, n1, &mut out, h);
    for (c, &j) in keep.iter().enumerate() {
        z.col_mut(lo + j)[lo..hi].copy_from_slice(out.col(c));
        d[lo + j] = ds[org[c]] + tau[c];
    }
    Ok(())
}

/// The eigenvectors of `diag(ds) + rho z z^T` from the roots (`delta[i +
/// j kk] = ds[i] - lambda_j`): Gu and Eisenstat's `zh` (the `z` for which
/// the computed roots are exact, sign of `zs`), then column `j` is
/// `(zh_i / delta_ij)_i`, normalized.
#[inline(always)]
fn secular_vectors<T: Scalar>(ds: &[T], zs: &[T], rho: T, delta: &[T]) -> ColMat<T> {
    let kk = ds.len();
    // prod_i = (lambda_i - d_i) / rho * prod_{j != i} (lambda_j - d_i) / (d_j - d_i),
    // accumulated column by column (contiguous in i).
    let mut prod: Vec<T> = (0..kk).map(|i| -delta[i + i * kk] / rho).collect();
    for j in 0..kk {
        let col = &delta[j * kk..(j + 1) * kk];
        let dj = ds[j];
        for (i, (p, &del)) in prod.iter_mut().zip(col).enumerate() {
            if i != j {
                *p *= -del / (dj - ds[i]);
            }
        }
    }
    let zh: Vec<T> = prod
        .iter()
        .zip(zs)
        .map(|(&p, &z)| p.abs().sqrt().copysign(z))
        .collect();
    let mut u = ColMat::<T>::zeros(kk, kk);
    for j in 0..kk {
        let col = u.col_mut(j);
        let dcol = &delta[j * kk..(j + 1) * kk];
        for ((x, &z), &del) in col.iter_mut().zip(&zh).zip(dcol) {
            *x = z / del;
        }
        let inv = super::spectral_util::nrm2(col).recip();
        for x in col.iter_mut() {
            *x *= inv;
        }
    }
    u
}

/// `out[r0..r0 + rows, :] = a[r0..r0 + rows, c0..c0 + inner] *
/// b[b0..b0 + inner, :]` for column-major matrices, through the crate's
/// gemm (rows left zero when `inner == 0`).
#[allow(clippy::too_many_arguments)]
fn gemm_block<T: Scalar>(
    a: &ColMat<T>,
    r0: usize,
    c0: usize,
    rows: usize,
    inner: usize,
    b: &ColMat<T>,
    b0: usize,
    out: &mut ColMat<T>,
    o0: usize,
) {
    let n = b.cols;
    if rows == 0 || inner == 0 || n == 0 {
        return;
    }
    let (lda, ldb, ldo) = (a.rows as isize, b.rows as isize, out.rows as isize);
    let av = MatRef::from_parts(&a.data, r0 + c0 * a.rows, rows, inner, 1, lda).expect("in range");
    let bv = MatRef::from_parts(&b.data, b0, inner, n, 1, ldb).expect("in range");
    let ov = MatMut::from_parts(&mut out.data, o0, rows, n, 1, ldo).expect("in range");
    crate::gemm::gemm(T::ONE, av, bv, T::ZERO, ov, crate::current_par()).expect("shapes");
}

/// Over the given poles, with `delta[i] = (d[i] - d_o) - t`: returns
/// `(sum z_i^2 / delta_i, sum (z_i / delta_i)^2, sum |z_i^2 / delta_i|)`,
/// in four independent partial sums so that the loop vectorizes.
#[inline(always)]
fn secular_sums<T: Scalar>(d: &[T], z: &[T], d_o: T, t: T, delta: &mut [T]) -> (T, T, T) {
    const L: usize = 4;
    let n = d.len();
    let (z, delta) = (&z[..n], &mut delta[..n]);
    let mut a = [T::ZERO; L];
    let mut b = [T::ZERO; L];
    let mut c = [T::ZERO; L];
    let full = n / L * L;
    let mut i = 0;
    while i < full {
        for l in 0..L {
            let del = (d[i + l] - d_o) - t;
            delta[i + l] = del;
            let q = z[i + l] / del;
            let term = z[i + l] * q;
            a[l] += term;
            b[l] += q * q;
            c[l] += term.abs();
        }
        i += L;
    }
    let (mut sa, mut sb, mut sc) = (T::ZERO, T::ZERO, T::ZERO);
    for i in full..n {
        let del = (d[i] - d_o) - t;
        delta[i] = del;
        let q = z[i] / del;
        let term = z[i] * q;
        sa += term;
        sb += q * q;
        sc += term.abs();
    }
    (
        sa + (a[0] + a[1]) + (a[2] + a[3]),
        sb + (b[0] + b[1]) + (b[2] + b[3]),
        sc + (c[0] + c[1]) + (c[2] + c[3]),
    )
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
        let dor = d[o];
        let (psi, dpsi, err1) = secular_sums(&d[..=j], &z[..=j], dor, t, &mut delta[..=j]);
        let (phi, dphi, err2) =
            secular_sums(&d[j + 1..], &z[j + 1..], dor, t, &mut delta[j + 1..k]);
        let err = err1 + err2;
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
