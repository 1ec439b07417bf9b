//! General (nonsymmetric) eigendecomposition $A V = V \Lambda$.
//!
//! 1. Scale `A` into a safe range if its largest entry is near overflow or
//!    underflow.
//! 2. Householder reduction to upper Hessenberg form $A = Q H Q^T$.
//! 3. Francis double-shift QR on `H` (deflation on negligible subdiagonal
//!    entries, exceptional shifts every 10 iterations without progress) to
//!    real Schur form $T = Z^T A Z$, with `Z` accumulated when vectors are
//!    wanted; each real 2x2 block with real eigenvalues is split by a
//!    rotation, so 2x2 blocks left on the diagonal hold complex pairs.
//! 4. Eigenvectors of `T` by back substitution (a 2x2 complex solve per
//!    complex pair), transformed back by `Z`, normalized to unit 2-norm with
//!    their largest component real (LAPACK's `geev` convention).
//!
//! Eigenvalues come in the order they appear on the diagonal of `T`;
//! complex-conjugate pairs are adjacent, positive imaginary part first.

use oxblas_core::{validate, Complex, Eig, Error, Mat, MatRef, Op, Result, Scalar};

use super::eigh::form_q;
use super::spectral_util::{
    apply_reflector_left, apply_reflector_right, axpy, householder, max_abs, range_scale, ColMat,
};

/// Eigenvalues and right eigenvectors (columns, unit 2-norm) of a general
/// square matrix.
///
/// # Errors
/// - [`Error::NonFinite`] if `a` holds NaN or infinity.
/// - [`Error::NotSquare`] if `a` is not square.
/// - [`Error::NoConvergence`] if the QR iteration hits its iteration limit.
pub fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>> {
    let (values, vectors) = driver(a, Op::Eig, true)?;
    Ok(Eig {
        values,
        vectors: vectors
            .unwrap_or_else(|| Mat::from_fn(0, 0, |_, _| Complex::new(T::ZERO, T::ZERO))),
    })
}

/// Eigenvalues only of a general square matrix, in the order of [`eig`].
///
/// # Errors
/// As [`eig`].
pub fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> {
    Ok(driver(a, Op::Eigvals, false)?.0)
}

type EigParts<T> = (Vec<Complex<T>>, Option<Mat<Complex<T>>>);

fn driver<T: Scalar>(a: MatRef<'_, T>, op: Op, want_vectors: bool) -> Result<EigParts<T>> {
    validate::finite(op, a)?;
    let n = validate::square(op, a.shape())?;
    let mut h = ColMat::from_view(a);
    let scale = range_scale(max_abs(h.data.iter().copied()));
    if let Some(s) = scale {
        for x in &mut h.data {
            *x *= s;
        }
    }
    let tau = super::util::vectorized(
        #[inline(always)]
        || hessenberg(&mut h),
    );
    let mut z = if want_vectors {
        Some(form_q(&h, &tau))
    } else {
        None
    };
    for j in 0..n {
        for x in h.col_mut(j).iter_mut().skip(j + 2) {
            *x = T::ZERO;
        }
    }
    let mut wr = vec![T::ZERO; n];
    let mut wi = vec![T::ZERO; n];
    super::util::vectorized(
        #[inline(always)]
        || francis_qr(&mut h, z.as_mut(), &mut wr, &mut wi),
    )
    .map_err(|_| Error::NoConvergence { op })?;
    let vectors = z.map(|mut z| {
        schur_vectors(&mut h, &wr, &wi, &mut z);
        complex_vectors(&z, &wi)
    });
    let inv = scale.map_or(T::ONE, |s| s.recip());
    let values = wr
        .iter()
        .zip(&wi)
        .map(|(&r, &i)| Complex::new(r * inv, i * inv))
        .collect();
    Ok((values, vectors))
}

/// Reduces `h` to upper Hessenberg form in place (LAPACK's `gehd2`): the
/// reflector of step `i` is stored in column `i` below the subdiagonal
/// (`v[i + 1] = 1` implied), the storage [`form_q`] reads. Returns the
/// `n - 1` scalars (the last is 0).
#[inline(always)]
fn hessenberg<T: Scalar>(h: &mut ColMat<T>) -> Vec<T> {
    let n = h.rows;
    let mut tau = vec![T::ZERO; n.saturating_sub(1)];
    let mut v = vec![T::ZERO; n];
    let mut work = vec![T::ZERO; n];
    for i in 0..n.saturating_sub(2) {
        let col = h.col_mut(i);
        let (beta, t) = householder(col[i + 1], &mut col[i + 2..]);
        tau[i] = t;
        let len = n - i - 1;
        let vv = &mut v[..len];
        vv[0] = T::ONE;
        vv[1..].copy_from_slice(&col[i + 2..]);
        col[i + 1] = beta;
        apply_reflector_right(h, vv, t, i + 1, 0, n, &mut work);
        apply_reflector_left(h, vv, t, i + 1, i + 1, n);
    }
    tau
}

/// The QR iteration did not converge within its limit.
#[derive(Debug)]
struct NotConverged;

/// Francis double-shift QR on the upper Hessenberg `h`. With `z`, the full
/// real Schur form is computed and the transformations accumulated onto
/// `z`; without, only the active block is updated (eigenvalues only).
#[inline(always)]
fn francis_qr<T: Scalar>(
    h: &mut ColMat<T>,
    mut z: Option<&mut ColMat<T>>,
    wr: &mut [T],
    wi: &mut [T],
) -> Result<(), NotConverged> {
    let n = h.rows;
    if n == 0 {
        return Ok(());
    }
    let full = z.is_some();
    let eps = T::EPSILON;
    let half = T::from_f64(0.5);
    let mut norm = T::ZERO;
    for j in 0..n {
        for i in 0..n.min(j + 2) {
            norm += h.at(i, j).abs();
        }
    }
    // Subdiagonal entries below eps^2 ||H|| are negligible outright.
    let small = (eps * eps * norm).max(T::MIN_POSITIVE);
    let max_total = 30 * n.max(10);
    let mut total = 0usize;
    let mut exshift = T::ZERO;
    // Sweeps since the last deflation or exceptional shift.
    let mut its = 0usize;
    // `nn + 1` is the number of rows not yet deflated.
    let mut rem = n;
    while rem > 0 {
        let nn = rem - 1;
        // Look for a single small subdiagonal element.
        let mut l = nn;
        while l > 0 {
            let mut s = h.at(l - 1, l - 1).abs() + h.at(l, l).abs();
            if s == T::ZERO {
                s = norm;
            }
            let sub = h.at(l, l - 1).abs();
            if sub < eps * s || sub <= small {
                h.set(l, l - 1, T::ZERO);
                break;
            }
            l -= 1;
        }
        let mut x = h.at(nn, nn);
        if l == nn {
            // One real root.
            h.set(nn, nn, x + exshift);
            wr[nn] = h.at(nn, nn);
            wi[nn] = T::ZERO;
            rem -= 1;
            its = 0;
            continue;
        }
        let mut y = h.at(nn - 1, nn - 1);
        let mut w = h.at(nn, nn - 1) * h.at(nn - 1, nn);
        if l == nn - 1 {
            // A 2x2 block: two real roots or a complex pair.
            let p = (y - x) * half;
            let q = p * p + w;
            let mut zz = q.abs().sqrt();
            h.set(nn, nn, x + exshift);
            h.set(nn - 1, nn - 1, y + exshift);
            x = h.at(nn, nn);
            if q >= T::ZERO {
                zz = p + zz.copysign(p);
                wr[nn - 1] = x + zz;
                wr[nn] = if zz != T::ZERO { x - w / zz } else { x + zz };
                wi[nn - 1] = T::ZERO;
                wi[nn] = T::ZERO;
                // Rotate the block to upper triangular form.
                let xx = h.at(nn, nn - 1);
                let s = xx.abs() + zz.abs();
                let (mut c, mut sn) = (zz / s, xx / s);
                let r = c.hypot(sn);
                c /= r;
                sn /= r;
                let (j0, j1) = if full { (nn - 1, n) } else { (nn - 1, nn + 1) };
                for j in j0..j1 {
                    let (a0, a1) = (h.at(nn - 1, j), h.at(nn, j));
                    h.set(nn - 1, j, c * a0 + sn * a1);
                    h.set(nn, j, c * a1 - sn * a0);
                }
                let i0 = if full { 0 } else { l };
                {
                    let (c0, c1) = h.two_cols_mut(nn - 1, nn);
                    rot_slices(c, sn, &mut c0[i0..=nn], &mut c1[i0..=nn]);
                }
                if let Some(z) = z.as_deref_mut() {
                    let (c0, c1) = z.two_cols_mut(nn - 1, nn);
                    rot_slices(c, sn, c0, c1);
                }
                h.set(nn, nn - 1, T::ZERO);
                // Keep the exact eigenvalues on the diagonal.
                h.set(nn - 1, nn - 1, wr[nn - 1]);
                h.set(nn, nn, wr[nn]);
            } else {
                wr[nn - 1] = x + p;
                wr[nn] = x + p;
                wi[nn - 1] = zz;
                wi[nn] = -zz;
            }
            rem -= 2;
            its = 0;
            continue;
        }
        // No convergence yet: a double QR sweep on rows/columns l..=nn.
        total += 1;
        if total > max_total {
            return Err(NotConverged);
        }
        if its == 10 {
            its = 0;
            // Exceptional shift.
            exshift += x;
            for i in 0..=nn {
                let d = h.at(i, i);
                h.set(i, i, d - x);
            }
            let s = h.at(nn, nn - 1).abs() + h.at(nn - 1, nn - 2).abs();
            x = T::from_f64(0.75) * s;
            y = x;
            w = T::from_f64(-0.4375) * s * s;
        }
        its += 1;
        // Look for two consecutive small subdiagonal elements.
        let mut m = nn - 2;
        let (mut p, mut q, mut r);
        loop {
            let zz = h.at(m, m);
            let r0 = x - zz;
            let s0 = y - zz;
            p = (r0 * s0 - w) / h.at(m + 1, m) + h.at(m, m + 1);
            q = h.at(m + 1, m + 1) - zz - r0 - s0;
            r = h.at(m + 2, m + 1);
            let s = p.abs() + q.abs() + r.abs();
            p /= s;
            q /= s;
            r /= s;
            if m == l {
                break;
            }
            let u = h.at(m, m - 1).abs() * (q.abs() + r.abs());
            let v = p.abs() * (h.at(m - 1, m - 1).abs() + zz.abs() + h.at(m + 1, m + 1).abs());
            if u < eps * v {
                break;
            }
            m -= 1;
        }
        for i in m + 2..=nn {
            h.set(i, i - 2, T::ZERO);
            if i > m + 2 {
                h.set(i, i - 3, T::ZERO);
            }
        }
        // The double-shift sweep, as a chain of 3x3 (last: 2x2) reflectors.
        for k in m..nn {
            let notlast = k != nn - 1;
            if k != m {
                p = h.at(k, k - 1);
                q = h.at(k + 1, k - 1);
                r = if notlast { h.at(k + 2, k - 1) } else { T::ZERO };
                x = p.abs() + q.abs() + r.abs();
                if x == T::ZERO {
                    continue;
                }
                p /= x;
                q /= x;
                r /= x;
            }
            let s = (p * p + q * q + r * r).sqrt().copysign(p);
            if s == T::ZERO {
                continue;
            }
            if k != m {
                h.set(k, k - 1, -s * x);
            } else if l != m {
                let v = h.at(k, k - 1);
                h.set(k, k - 1, -v);
            }
            p += s;
            x = p / s;
            y = q / s;
            let zz = r / s;
            q /= p;
            r /= p;
            // Rows k..k+2.
            let j1 = if full { n } else { nn + 1 };
            for j in k..j1 {
                let mut pp = h.at(k, j) + q * h.at(k + 1, j);
                if notlast {
                    pp += r * h.at(k + 2, j);
                    *h.at_mut(k + 2, j) -= pp * zz;
                }
                *h.at_mut(k + 1, j) -= pp * y;
                *h.at_mut(k, j) -= pp * x;
            }
            // Columns k..k+2.
            let i0 = if full { 0 } else { l };
            let i1 = nn.min(k + 3);
            reflect3_cols(h, k, i0, i1 + 1, notlast, x, y, zz, q, r);
            if let Some(z) = z.as_deref_mut() {
                let rows = z.rows;
                reflect3_cols(z, k, 0, rows, notlast, x, y, zz, q, r);
            }
        }
    }
    Ok(())
}

/// `[x, y] <- [c x + s y, c y - s x]` on two slices.
fn rot_slices<T: Scalar>(c: T, s: T, x: &mut [T], y: &mut [T]) {
    super::spectral_util::rot(c, s, x, y);
}

/// Applies the 3-element reflector of the Francis sweep to columns
/// `k, k+1 (, k+2)` of rows `i0..i1`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn reflect3_cols<T: Scalar>(
    a: &mut ColMat<T>,
    k: usize,
    i0: usize,
    i1: usize,
    notlast: bool,
    x: T,
    y: T,
    zz: T,
    q: T,
    r: T,
) {
    let rows = a.rows;
    let (lo, hi) = a.data.split_at_mut((k + 1) * rows);
    let c0 = &mut lo[k * rows..][i0..i1];
    if notlast {
        let (c1, rest) = hi.split_at_mut(rows);
        let c1 = &mut c1[i0..i1];
        let c2 = &mut rest[i0..i1];
        for ((a0, a1), a2) in c0.iter_mut().zip(c1.iter_mut()).zip(c2.iter_mut()) {
            let p = x * *a0 + y * *a1 + zz * *a2;
            *a2 -= p * r;
            *a1 -= p * q;
            *a0 -= p;
        }
    } else {
        let c1 = &mut hi[..rows][i0..i1];
        for (a0, a1) in c0.iter_mut().zip(c1.iter_mut()) {
            let p = x * *a0 + y * *a1;
            *a1 -= p * q;
            *a0 -= p;
        }
    }
}

/// `(a + ib) / (c + id)` without undue overflow (Smith's algorithm).
fn cdiv<T: Scalar>(a: T, b: T, c: T, d: T) -> (T, T) {
    if c.abs() >= d.abs() {
        let r = d / c;
        let den = c + r * d;
        ((a + r * b) / den, (b - r * a) / den)
    } else {
        let r = c / d;
        let den = d + r * c;
        ((r * a + b) / den, (r * b - a) / den)
    }
}

/// Eigenvectors of the quasi-triangular Schur form `t` by back
/// substitution (overwriting `t`'s upper part), then `z <- z X`. For a
/// complex pair `(j, j + 1)`, columns `j` and `j + 1` of `z` hold the real
/// and imaginary parts of the vector of the eigenvalue with positive
/// imaginary part.
fn schur_vectors<T: Scalar>(t: &mut ColMat<T>, wr: &[T], wi: &[T], z: &mut ColMat<T>) {
    let n = t.rows;
    let eps = T::EPSILON;
    let mut norm = T::ZERO;
    for j in 0..n {
        for i in 0..n.min(j + 2) {
            norm += t.at(i, j).abs();
        }
    }
    if norm == T::ZERO {
        // T = 0: every vector of Z is an eigenvector.
        return;
    }
    let two = T::from_f64(2.0);
    let mut en = n;
    while en > 0 {
        en -= 1;
        let p = wr[en];
        let q = wi[en];
        if q == T::ZERO {
            // Real eigenvalue.
            let mut m = en;
            t.set(en, en, T::ONE);
            let (mut zz, mut s) = (T::ZERO, T::ZERO);
            let mut i = en;
            while i > 0 {
                i -= 1;
                let w = t.at(i, i) - p;
                let mut r = T::ZERO;
                for j in m..=en {
                    r += t.at(i, j) * t.at(j, en);
                }
                if wi[i] < T::ZERO {
                    zz = w;
                    s = r;
                    continue;
                }
                m = i;
                if wi[i] == T::ZERO {
                    let tt = if w != T::ZERO { w } else { eps * norm };
                    t.set(i, en, -r / tt);
                } else {
                    let x = t.at(i, i + 1);
                    let y = t.at(i + 1, i);
                    let qq = (wr[i] - p) * (wr[i] - p) + wi[i] * wi[i];
                    let tt = (x * s - zz * r) / qq;
                    t.set(i, en, tt);
                    let v = if x.abs() > zz.abs() {
                        (-r - w * tt) / x
                    } else {
                        (-s - y * tt) / zz
                    };
                    t.set(i + 1, en, v);
                }
                let tt = t.at(i, en).abs();
                if (eps * tt) * tt > T::ONE {
                    for j in i..=en {
                        *t.at_mut(j, en) /= tt;
                    }
                }
            }
        } else if q < T::ZERO {
            // Complex pair (en - 1, en): the vector of p - iq (positive
            // imaginary part), real part in column en - 1, imaginary in en.
            let mut m = en - 1;
            if t.at(en, en - 1).abs() > t.at(en - 1, en).abs() {
                let c = t.at(en, en - 1);
                t.set(en - 1, en - 1, q / c);
                t.set(en - 1, en, -(t.at(en, en) - p) / c);
            } else {
                let (re, im) = cdiv(T::ZERO, -t.at(en - 1, en), t.at(en - 1, en - 1) - p, q);
                t.set(en - 1, en - 1, re);
                t.set(en - 1, en, im);
            }
            t.set(en, en - 1, T::ZERO);
            t.set(en, en, T::ONE);
            let (mut zz, mut r, mut s) = (T::ZERO, T::ZERO, T::ZERO);
            let mut i = en - 1;
            while i > 0 {
                i -= 1;
                let (mut ra, mut sa) = (T::ZERO, T::ZERO);
                for j in m..=en {
                    ra += t.at(i, j) * t.at(j, en - 1);
                    sa += t.at(i, j) * t.at(j, en);
                }
                let w = t.at(i, i) - p;
                if wi[i] < T::ZERO {
                    zz = w;
                    r = ra;
                    s = sa;
                    continue;
                }
                m = i;
                if wi[i] == T::ZERO {
                    let (re, im) = cdiv(-ra, -sa, w, q);
                    t.set(i, en - 1, re);
                    t.set(i, en, im);
                } else {
                    let x = t.at(i, i + 1);
                    let y = t.at(i + 1, i);
                    let mut vr = (wr[i] - p) * (wr[i] - p) + wi[i] * wi[i] - q * q;
                    let vi = (wr[i] - p) * two * q;
                    if vr == T::ZERO && vi == T::ZERO {
                        vr = eps * norm * (w.abs() + q.abs() + x.abs() + y.abs() + zz.abs());
                    }
                    let (re, im) = cdiv(x * r - zz * ra + q * sa, x * s - zz * sa - q * ra, vr, vi);
                    t.set(i, en - 1, re);
                    t.set(i, en, im);
                    if x.abs() > zz.abs() + q.abs() {
                        t.set(i + 1, en - 1, (-ra - w * re + q * im) / x);
                        t.set(i + 1, en, (-sa - w * im - q * re) / x);
                    } else {
                        let (re2, im2) = cdiv(-r - y * re, -s - y * im, zz, q);
                        t.set(i + 1, en - 1, re2);
                        t.set(i + 1, en, im2);
                    }
                }
                let tt = t.at(i, en - 1).abs().max(t.at(i, en).abs());
                if (eps * tt) * tt > T::ONE {
                    for j in i..=en {
                        *t.at_mut(j, en - 1) /= tt;
                        *t.at_mut(j, en) /= tt;
                    }
                }
            }
        }
    }
    // z <- z X, X upper triangular (plus the pair structure): column j of
    // the result only needs columns 0..=j of z, so go right to left.
    let rows = z.rows;
    let mut acc = vec![T::ZERO; rows];
    for j in (0..n).rev() {
        acc.fill(T::ZERO);
        for k in 0..=j {
            let c = t.at(k, j);
            if c != T::ZERO {
                axpy(c, z.col(k), &mut acc);
            }
        }
        z.col_mut(j).copy_from_slice(&acc);
    }
}

/// Complex eigenvectors from the real representation, each normalized to
/// unit 2-norm with its largest component real and positive.
fn complex_vectors<T: Scalar>(z: &ColMat<T>, wi: &[T]) -> Mat<Complex<T>> {
    let n = z.cols;
    let rows = z.rows;
    let zero = Complex::new(T::ZERO, T::ZERO);
    let mut out = Mat::from_fn(rows, n, |_, _| zero);
    let mut j = 0;
    while j < n {
        if wi[j] == T::ZERO || j + 1 == n {
            let c = z.col(j);
            let nr = super::spectral_util::nrm2(c);
            let inv = if nr > T::ZERO { nr.recip() } else { T::ONE };
            // Largest component made positive (the vector is real).
            let k = argmax_abs(c.iter().map(|x| x.abs()));
            let sign = if c[k] < T::ZERO { -T::ONE } else { T::ONE };
            for i in 0..rows {
                out[(i, j)] = Complex::new(c[i] * inv * sign, T::ZERO);
            }
            j += 1;
        } else {
            let (re, im) = (z.col(j), z.col(j + 1));
            let scale = max_abs(re.iter().chain(im.iter()).copied());
            let scale = if scale > T::ZERO { scale } else { T::ONE };
            let mut v: Vec<Complex<T>> = re
                .iter()
                .zip(im)
                .map(|(&a, &b)| Complex::new(a / scale, b / scale))
                .collect();
            let nr = v
                .iter()
                .map(|c| c.re * c.re + c.im * c.im)
                .sum::<T>()
                .sqrt();
            let k = argmax_abs(v.iter().map(|c| c.re * c.re + c.im * c.im));
            let mk = v[k].re.hypot(v[k].im);
            // Multiply by conj(v_k) / |v_k| / nr: unit norm, v_k real > 0.
            let f = Complex::new(v[k].re / (mk * nr), -v[k].im / (mk * nr));
            for c in &mut v {
                *c = Complex::new(c.re * f.re - c.im * f.im, c.re * f.im + c.im * f.re);
            }
            v[k].im = T::ZERO;
            for i in 0..rows {
                out[(i, j)] = v[i];
                out[(i, j + 1)] = Complex::new(v[i].re, -v[i].im);
            }
            j += 2;
        }
    }
    out
}

fn argmax_abs<T: Scalar>(x: impl Iterator<Item = T>) -> usize {
    let mut best = (0, T::ZERO);
    for (i, v) in x.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}
