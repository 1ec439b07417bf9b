//! Divide and conquer for the SVD of an upper bidiagonal matrix (the ideas
//! of LAPACK's `bdsdc`/`lasd0`..`lasd4`, written afresh).
//!
//! An `N x (N + sqre)` upper bidiagonal `B` (`sqre` is 0 or 1: square, or one
//! extra column) is split at row `k`: rows `..k` form a `k x (k + 1)`
//! bidiagonal `B1`, rows `k + 1..` a bidiagonal `B2` of the parent's shape,
//! and row `k` couples them through `alpha = d[k]` and `beta = e[k]`. With
//! the SVDs of `B1` and `B2` (recursively; small ones by implicit QR),
//! $B = \hat U M \hat V^T$ where `M` is zero except for its first row `z`
//! and its diagonal `(0, s_1, s_2)`. The singular values of `M` are the
//! roots of the secular equation $1 + \sum_j z_j^2 / (d_j^2 - \sigma^2) = 0$;
//! its singular vectors follow in closed form from the roots (with `z`
//! recomputed from them, Gu and Eisenstat's device, so that the vectors
//! come out orthogonal), and are multiplied into $\hat U$, $\hat V$ by gemm.
//! Entries of `z` below a tolerance, and pairs of nearly equal `d`, are
//! deflated first (their singular values are known without solving).

use oxblas_core::{MatMut, MatRef, Scalar};

use super::spectral_util::{givens, rot, ColMat};
use super::svd::{bidiag_qr, NotConverged};

/// Subproblems up to this many rows are solved by implicit QR.
const LEAF: usize = 24;

/// The singular values (non-negative, unsorted) `s`, `U` (`n x n`) and
/// `V` (`n x n`) of the `n x n` upper bidiagonal matrix with diagonal `d`
/// and superdiagonal `e`: $B = U \,\mathrm{diag}(s)\, V^T$.
pub(crate) type BidiagSvd<T> = (Vec<T>, ColMat<T>, ColMat<T>);

/// The SVD of the upper bidiagonal `(d, e)` (`e.len() + 1 == d.len()`) by
/// divide and conquer.
pub(crate) fn bidiag_dc<T: Scalar>(d: &[T], e: &[T]) -> Result<BidiagSvd<T>, NotConverged> {
    debug_assert_eq!(e.len() + 1, d.len().max(1));
    solve(d, e, 0)
}

/// [`solve_here`] as a pulp operation: each level of the recursion runs
/// inside the dispatched function, so that its loops compile with the
/// machine's SIMD features (a recursive function cannot be inlined there).
struct DcOp<'a, T> {
    d: &'a [T],
    e: &'a [T],
    sqre: usize,
}

impl<T: Scalar> pulp::WithSimd for DcOp<'_, T> {
    type Output = Result<BidiagSvd<T>, NotConverged>;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
        solve_here(self.d, self.e, self.sqre)
    }
}

/// The SVD of the `N x (N + sqre)` upper bidiagonal with diagonal `d` (`N`)
/// and superdiagonal `e` (`N - 1 + sqre`): values, `U` (`N x N`) and `V`
/// (`(N + sqre)` square, with the null vector last when `sqre == 1`).
fn solve<T: Scalar>(d: &[T], e: &[T], sqre: usize) -> Result<BidiagSvd<T>, NotConverged> {
    pulp::Arch::new().dispatch(DcOp { d, e, sqre })
}

/// The body of [`solve`].
#[inline(always)]
fn solve_here<T: Scalar>(d: &[T], e: &[T], sqre: usize) -> Result<BidiagSvd<T>, NotConverged> {
    let n = d.len();
    if n <= LEAF {
        return leaf(d, e, sqre);
    }
    let k = n / 2;
    let (s1, u1, v1) = solve(&d[..k], &e[..k], 1)?;
    let (s2, u2, v2) = solve(&d[k + 1..], &e[k + 1..], sqre)?;
    Ok(merge(d[k], e[k], sqre, s1, u1, v1, s2, u2, v2))
}

/// Small subproblems: the extra column (if any) is rotated out, then
/// implicit-shift QR.
#[inline(always)]
fn leaf<T: Scalar>(d: &[T], e: &[T], sqre: usize) -> Result<BidiagSvd<T>, NotConverged> {
    let n = d.len();
    let nc = n + sqre;
    let mut dd = d.to_vec();
    let mut ee = e.to_vec();
    let mut u = ColMat::identity(n, n);
    let mut v = ColMat::identity(nc, nc);
    if sqre == 1 && n > 0 {
        // Zero B[n-1, n] and the fill it leaves above, by rotations of
        // column j with column n (j = n-1 down to 0).
        let mut b = ee.pop().unwrap_or(T::ZERO);
        let mut j = n;
        while j > 0 {
            j -= 1;
            let (c, s, r) = givens(dd[j], b);
            dd[j] = r;
            if j > 0 {
                b = -s * ee[j - 1];
                ee[j - 1] *= c;
            }
            let (x, y) = v.two_cols_mut(j, n);
            rot(c, s, x, y);
        }
    }
    bidiag_qr(&mut dd, &mut ee, Some(&mut u), Some(&mut v))?;
    for (j, dj) in dd.iter_mut().enumerate() {
        if *dj < T::ZERO {
            *dj = -*dj;
            for x in u.col_mut(j) {
                *x = -*x;
            }
        }
    }
    Ok((dd, u, v))
}

/// Applies `[x; y] <- [c s; -s c] [x; y]` to columns `a` and `b` of `m`.
#[inline(always)]
fn rot_cols<T: Scalar>(m: &mut ColMat<T>, a: usize, b: usize, c: T, s: T) {
    if a < b {
        let (x, y) = m.two_cols_mut(a, b);
        rot(c, s, x, y);
    } else {
        let (y, x) = m.two_cols_mut(b, a);
        rot(c, s, x, y);
    }
}

/// Combines the SVDs of the two halves (see the module documentation).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn merge<T: Scalar>(
    alpha: T,
    beta: T,
    sqre: usize,
    s1: Vec<T>,
    u1: ColMat<T>,
    v1: ColMat<T>,
    s2: Vec<T>,
    u2: ColMat<T>,
    v2: ColMat<T>,
) -> BidiagSvd<T> {
    let k = s1.len();
    let n2 = s2.len();
    let n = k + 1 + n2;
    let nc = n + sqre;
    // U_hat: column 0 is e_k; then U1 (rows ..k) and U2 (rows k+1..).
    // Which row halves each column of U_hat and V_hat touches (bit 1: rows
    // ..=k, bit 2: rows k+1..): the final products skip the zero blocks.
    let mut ut = vec![2u8; n];
    ut[..=k].fill(1);
    let mut vt = vec![2u8; nc];
    vt[..=k].fill(1);
    let mut ub = ColMat::<T>::zeros(n, n);
    ub.set(k, 0, T::ONE);
    for j in 0..k {
        ub.col_mut(1 + j)[..k].copy_from_slice(u1.col(j));
    }
    for j in 0..n2 {
        ub.col_mut(k + 1 + j)[k + 1..].copy_from_slice(u2.col(j));
    }
    // V_hat: column 0 is the null vector of B1; then V1, V2, and V2's null
    // vector last when sqre == 1.
    let mut vb = ColMat::<T>::zeros(nc, nc);
    vb.col_mut(0)[..=k].copy_from_slice(v1.col(k));
    for j in 0..k {
        vb.col_mut(1 + j)[..=k].copy_from_slice(v1.col(j));
    }
    for j in 0..n2 + sqre {
        vb.col_mut(k + 1 + j)[k + 1..].copy_from_slice(v2.col(j));
    }
    let mut dm = vec![T::ZERO; n];
    dm[1..=k].copy_from_slice(&s1);
    dm[k + 1..].copy_from_slice(&s2);
    let mut z = vec![T::ZERO; n];
    z[0] = alpha * v1.at(k, k);
    for j in 0..k {
        z[1 + j] = alpha * v1.at(k, j);
    }
    for j in 0..n2 {
        z[k + 1 + j] = beta * v2.at(0, j);
    }
    if sqre == 1 {
        // Two null columns: rotate so that only column 0 keeps a z entry.
        let zx = beta * v2.at(0, n2);
        let (c, s, r) = givens(z[0], zx);
        z[0] = r;
        rot_cols(&mut vb, 0, n, c, s);
        vt[0] = 3;
        vt[n] = 3;
    }
    drop((u1, v1, u2, v2));

    // Scale to 1.
    let mut orgnrm = alpha.abs().max(beta.abs());
    for &x in &dm {
        orgnrm = orgnrm.max(x);
    }
    if orgnrm == T::ZERO {
        return (dm, ub, vb);
    }
    let inv = orgnrm.recip();
    for x in dm.iter_mut().chain(z.iter_mut()) {
        *x *= inv;
    }

    // Sort d[1..] ascending; deflate.
    let mut idx: Vec<usize> = (1..n).collect();
    idx.sort_by(|&a, &b| {
        dm[a]
            .partial_cmp(&dm[b])
            .unwrap_or(core::cmp::Ordering::Equal)
    });
    let dmax = idx.last().map_or(T::ZERO, |&j| dm[j]);
    let eps = T::EPSILON;
    let tol = T::from_f64(8.0) * eps * dmax.max((alpha * inv).abs()).max((beta * inv).abs());
    if z[0].abs() <= tol {
        z[0] = tol;
    }
    let mut keep = vec![0usize];
    let mut defl = Vec::new();
    let mut prev: Option<usize> = None;
    for &j in &idx {
        if z[j].abs() <= tol {
            z[j] = T::ZERO;
            defl.push(j);
            continue;
        }
        match prev {
            Some(pj) if dm[j] - dm[pj] <= tol => {
                // Nearly equal values: rotate z[pj] into z[j], deflate pj.
                let (c, s, r) = givens(z[j], z[pj]);
                z[j] = r;
                z[pj] = T::ZERO;
                rot_cols(&mut ub, j, pj, c, s);
                rot_cols(&mut vb, j, pj, c, s);
                ut[j] |= ut[pj];
                vt[j] |= vt[pj];
                defl.push(pj);
            }
            Some(pj) => keep.push(pj),
            None => {}
        }
        prev = Some(j);
    }
    if let Some(pj) = prev {
        keep.push(pj);
    }
    let kk = keep.len();
    let mut dsig: Vec<T> = keep.iter().map(|&j| dm[j]).collect();
    let zz: Vec<T> = keep.iter().map(|&j| z[j]).collect();
    let hlftol = tol * T::from_f64(0.5);
    if kk > 1 && dsig[1] <= hlftol {
        dsig[1] = hlftol;
    }

    // Secular equation: roots, and for each the differences d_j -/+ sigma.
    let mut sig = vec![T::ZERO; kk];
    let mut diff = vec![T::ZERO; kk * kk];
    let mut sum = vec![T::ZERO; kk * kk];
    for i in 0..kk {
        sig[i] = secular_root(
            &dsig,
            &zz,
            i,
            &mut diff[i * kk..(i + 1) * kk],
            &mut sum[i * kk..(i + 1) * kk],
        );
    }
    // z recomputed from the roots (Gu-Eisenstat).
    let mut zhat = vec![T::ZERO; kk];
    for j in 0..kk {
        let last = (kk - 1) * kk;
        let mut p = diff[last + j] * sum[last + j];
        for i in 0..j {
            p *= diff[i * kk + j] * sum[i * kk + j] / ((dsig[j] - dsig[i]) * (dsig[j] + dsig[i]));
        }
        for i in j..kk - 1 {
            p *= diff[i * kk + j] * sum[i * kk + j]
                / ((dsig[j] - dsig[i + 1]) * (dsig[j] + dsig[i + 1]));
        }
        zhat[j] = p.abs().sqrt().copysign(zz[j]);
    }
    // Singular vectors of M: v_i ~ zhat_j / (d_j^2 - s_i^2),
    // u_i ~ (-1, d_j zhat_j / (d_j^2 - s_i^2)).
    let mut uh = ColMat::<T>::zeros(kk, kk);
    let mut vh = ColMat::<T>::zeros(kk, kk);
    for i in 0..kk {
        let (dr, sr) = (&diff[i * kk..(i + 1) * kk], &sum[i * kk..(i + 1) * kk]);
        let vc = vh.col_mut(i);
        for j in 0..kk {
            vc[j] = zhat[j] / dr[j] / sr[j];
        }
        let vn = vc.iter().fold(T::ZERO, |a, &x| a + x * x).sqrt().recip();
        let uc = uh.col_mut(i);
        uc[0] = -T::ONE;
        for j in 1..kk {
            uc[j] = dsig[j] * vc[j];
        }
        let un = uc.iter().fold(T::ZERO, |a, &x| a + x * x).sqrt().recip();
        for x in uc.iter_mut() {
            *x *= un;
        }
        for x in vc.iter_mut() {
            *x *= vn;
        }
    }

    // Assemble: kept columns through gemm, deflated ones copied.
    let mut s = Vec::with_capacity(n);
    let mut uo = ColMat::<T>::zeros(n, n);
    let mut vo = ColMat::<T>::zeros(nc, nc);
    let par = crate::current_par();
    // dst[rows, ..kk] = src[rows, keep] h for each row half, over only the
    // kept columns that touch that half.
    let gather = |src: &ColMat<T>, h: &ColMat<T>, dst: &mut ColMat<T>, types: &[u8]| {
        let rows = src.rows;
        for (bit, r0, r1) in [(1u8, 0, k + 1), (2u8, k + 1, rows)] {
            let cs: Vec<usize> = (0..kk).filter(|&c| types[keep[c]] & bit != 0).collect();
            let (r, cn) = (r1 - r0, cs.len());
            if r == 0 || cn == 0 {
                continue;
            }
            let mut sel = ColMat::<T>::zeros(r, cn);
            let mut hs = ColMat::<T>::zeros(cn, kk);
            for (p, &c) in cs.iter().enumerate() {
                sel.col_mut(p).copy_from_slice(&src.col(keep[c])[r0..r1]);
            }
            for i in 0..kk {
                let (hc, hsc) = (h.col(i), hs.col_mut(i));
                for (p, &c) in cs.iter().enumerate() {
                    hsc[p] = hc[c];
                }
            }
            let sv = MatRef::from_parts(&sel.data, 0, r, cn, 1, r as isize).expect("view");
            let hv = MatRef::from_parts(&hs.data, 0, cn, kk, 1, cn as isize).expect("view");
            let dv = MatMut::from_parts(&mut dst.data, r0, r, kk, 1, rows as isize).expect("view");
            crate::gemm::gemm(T::ONE, sv, hv, T::ZERO, dv, par).expect("shapes");
        }
    };
    gather(&ub, &uh, &mut uo, &ut);
    gather(&vb, &vh, &mut vo, &vt);
    for &x in &sig {
        s.push(x * orgnrm);
    }
    for (c, &j) in defl.iter().enumerate() {
        uo.col_mut(kk + c).copy_from_slice(ub.col(j));
        vo.col_mut(kk + c).copy_from_slice(vb.col(j));
        s.push(dm[j] * orgnrm);
    }
    if sqre == 1 {
        vo.col_mut(n).copy_from_slice(vb.col(n));
    }
    (s, uo, vo)
}

/// Root `i` (ascending) of $f(\sigma) = 1 + \sum_j z_j^2 / (d_j^2 -
/// \sigma^2)$ for ascending distinct poles `d` (`d[0]` may be 0), which lies
/// in `(d[i], d[i + 1])` (`(d[k-1], d[k-1] + |z|)` for the last). Writes
/// `diff[j] = d[j] - sigma` and `sum[j] = d[j] + sigma`, both accurate to
/// working precision: the root is found as an offset from its nearer pole.
#[inline(always)]
fn secular_root<T: Scalar>(d: &[T], z: &[T], i: usize, diff: &mut [T], sum: &mut [T]) -> T {
    let kk = d.len();
    let last = i + 1 == kk;
    let half = T::from_f64(0.5);
    let eps = T::EPSILON;
    // Work in mu = sigma^2 - d[o]^2 around the origin pole o; diff holds
    // delta_j = d_j^2 - d_o^2 meanwhile.
    let (o, mut lo, mut hi, mut mu);
    if last {
        o = i;
        lo = T::ZERO;
        hi = z.iter().fold(T::ZERO, |a, &x| a + x * x);
        mu = hi;
    } else {
        let gap2 = (d[i + 1] - d[i]) * (d[i + 1] + d[i]);
        let mid = gap2 * half;
        let mut f = T::ONE;
        for j in 0..kk {
            f += z[j] * z[j] / ((d[j] - d[i]) * (d[j] + d[i]) - mid);
        }
        if f >= T::ZERO {
            o = i;
            lo = T::ZERO;
            hi = mid;
            mu = mid;
        } else {
            o = i + 1;
            lo = -mid;
            hi = T::ZERO;
            mu = -mid;
        }
    }
    let dorg = d[o];
    for j in 0..kk {
        diff[j] = (d[j] - dorg) * (d[j] + dorg);
    }
    for _ in 0..200 {
        let (mut psi, mut dpsi, mut phi, mut dphi) = (T::ZERO, T::ZERO, T::ZERO, T::ZERO);
        for j in 0..=i {
            let t = z[j] / (diff[j] - mu);
            psi += z[j] * t;
            dpsi += t * t;
        }
        for j in i + 1..kk {
            let t = z[j] / (diff[j] - mu);
            phi += z[j] * t;
            dphi += t * t;
        }
        let f = T::ONE + psi + phi;
        if f == T::ZERO {
            break;
        }
        if f < T::ZERO {
            lo = lo.max(mu);
        } else {
            hi = hi.min(mu);
        }
        let ftol = T::from_f64(8.0) * eps * (T::ONE + psi.abs() + phi.abs());
        if f.abs() <= ftol {
            break;
        }
        // Step from the two-pole rational model that matches psi and phi
        // (value and slope) at mu.
        let da = diff[i] - mu;
        let eta = if last {
            let c = f - dpsi * da;
            let q = dpsi * da * da;
            if c > T::ZERO {
                da + q / c
            } else {
                T::NAN
            }
        } else {
            let db = diff[i + 1] - mu;
            let q = dpsi * da * da;
            let s = dphi * db * db;
            let c = f - dpsi * da - dphi * db;
            let bq = c * (da + db) + q + s;
            let cq = da * db * f;
            if c == T::ZERO {
                cq / bq
            } else {
                let disc = (bq * bq - T::from_f64(4.0) * c * cq).max(T::ZERO).sqrt();
                let big = if bq >= T::ZERO { bq + disc } else { bq - disc };
                let r1 = big / (T::from_f64(2.0) * c);
                let r2 = T::from_f64(2.0) * cq / big;
                let in1 = mu + r1 > lo && mu + r1 < hi;
                let in2 = mu + r2 > lo && mu + r2 < hi;
                match (in1, in2) {
                    (true, true) => {
                        if r1.abs() < r2.abs() {
                            r1
                        } else {
                            r2
                        }
                    }
                    (true, false) => r1,
                    (false, true) => r2,
                    _ => T::NAN,
                }
            }
        };
        let mut next = mu + eta;
        if !(next > lo && next < hi) {
            next = (lo + hi) * half;
        }
        let step = (next - mu).abs();
        mu = next;
        if step <= eps * mu.abs() || hi - lo <= T::from_f64(2.0) * eps * lo.abs().max(hi.abs()) {
            break;
        }
    }
    // sigma = d_o + tau, tau = mu / (d_o + sqrt(d_o^2 + mu)).
    let sig2 = (dorg * dorg + mu).max(T::ZERO);
    let tau = mu / (dorg + sig2.sqrt());
    let sigma = dorg + tau;
    for j in 0..kk {
        diff[j] = (d[j] - dorg) - tau;
        sum[j] = d[j] + sigma;
    }
    sigma
}
