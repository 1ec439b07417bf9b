//! Oracle checks: LAPACK-style scaled residual ratios and element-wise error
//! bounds. Every check has ONE threshold, the same for `f32` and `f64`,
//! because each ratio is already scaled by the element type's epsilon.
//!
//! Residuals are computed in `f64` from the exact `f64` images of the
//! backend's `T` results, so they measure the backend's error only.

use oxblas_core::{Complex, Eig, Eigh, Lu, Mat, MatRef, Scalar, Svd};

use crate::naive::{abs_matmul, cfro, cmatmul, fro, matmul, orthogonality_defect, sub, to_f64};

/// Threshold for LU, QR, Cholesky, solve and inverse residual ratios (LAPACK's 30).
pub const FACTOR_TOL: f64 = 30.0;
/// Threshold for SVD and eigen residual and orthogonality ratios.
pub const SPECTRAL_TOL: f64 = 50.0;
/// Element-wise BLAS error bound multiplier: `|c - c_ref| <= BLAS_TOL (k + 2) eps (|A||B|)_ij`.
/// A correct summation of `k` products errs by at most `k eps / 2` times that scale.
pub const BLAS_TOL: f64 = 2.0;

/// Machine epsilon of `T`, as `f64`.
pub fn eps<T: Scalar>() -> f64 {
    T::EPSILON.to_f64()
}

/// `num / den`, with `0 / 0 = 0` (a zero residual on a zero matrix passes)
/// and `x / 0 = inf` for `x > 0` (and NaN stays NaN, failing every check).
pub fn ratio(num: f64, den: f64) -> f64 {
    if num == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Panics unless `value <= limit` (so NaN fails), naming the check.
#[track_caller]
pub fn assert_ratio(what: &str, value: f64, limit: f64) {
    assert!(
        value <= limit,
        "{what}: ratio {value:e} exceeds {limit} (or is NaN)"
    );
}

/// Element-wise check of a BLAS-like result: `|got - want| <= BLAS_TOL (k + 2)
/// eps scale` for every element, where `scale` is the magnitude of the terms
/// summed (e.g. `|alpha| |A||B| + |beta| |C|`) and `k` the number of terms.
#[track_caller]
pub fn assert_close_scaled<T: Scalar>(
    what: &str,
    got: MatRef<'_, T>,
    want: &Mat<f64>,
    scale: &Mat<f64>,
    k: usize,
) {
    assert_eq!(got.shape(), want.shape(), "{what}: result shape");
    let e = BLAS_TOL * (k as f64 + 2.0) * eps::<T>();
    for i in 0..want.rows() {
        for j in 0..want.cols() {
            let (g, w) = (got[(i, j)].to_f64(), want[(i, j)]);
            // The MIN_POSITIVE term allows for underflow in products of tiny entries.
            let bound = e * (scale[(i, j)] + T::MIN_POSITIVE.to_f64());
            assert!(
                (g - w).abs() <= bound,
                "{what}: element ({i}, {j}) is {g:e}, expected {w:e} +- {bound:e}"
            );
        }
    }
}

/// Scalar version of [`assert_close_scaled`].
#[track_caller]
pub fn assert_close_scalar<T: Scalar>(what: &str, got: T, want: f64, scale: f64, k: usize) {
    let e = BLAS_TOL * (k as f64 + 2.0) * eps::<T>();
    let g = got.to_f64();
    assert!(
        (g - want).abs() <= e * scale,
        "{what}: got {g:e}, expected {want:e} +- {:e}",
        e * scale
    );
}

/// `|A||B|` and `A B` together, for gemm-like checks: returns `(A B, |A||B|)`.
pub fn product_and_scale(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> (Mat<f64>, Mat<f64>) {
    (matmul(a, b), abs_matmul(a, b))
}

/// LU: `||P A - L U||_F / (n eps ||A||_F)`, after checking the pivots are valid.
pub fn lu_ratio<T: Scalar>(a: &Mat<f64>, lu: &Lu<T>) -> f64 {
    let n = a.rows();
    assert_eq!(lu.factors.shape(), (n, n), "lu: factors shape");
    assert_eq!(lu.pivots.len(), n, "lu: pivots length");
    for (i, &p) in lu.pivots.iter().enumerate() {
        assert!(p >= i && p < n, "lu: pivot {i} is {p}, outside {i}..{n}");
    }
    let (p, l, u) = (
        to_f64(lu.p().as_ref()),
        to_f64(lu.l().as_ref()),
        to_f64(lu.u().as_ref()),
    );
    let pa = matmul(p.as_ref(), a.as_ref());
    let r = sub(pa.as_ref(), matmul(l.as_ref(), u.as_ref()).as_ref());
    ratio(fro(r.as_ref()), n as f64 * eps::<T>() * fro(a.as_ref()))
}

/// Partial pivoting: every multiplier in `L` has magnitude at most 1.
pub fn lu_multipliers_bounded<T: Scalar>(lu: &Lu<T>) -> bool {
    let f = &lu.factors;
    (0..f.rows()).all(|i| (0..i).all(|j| f[(i, j)].abs() <= T::ONE))
}

/// `||Q^T Q - I||_F / (m eps)` for `Q` with orthonormal columns (`m` rows).
pub fn orth_ratio<T: Scalar>(q: MatRef<'_, T>) -> f64 {
    let q = to_f64(q);
    ratio(
        orthogonality_defect(q.as_ref()),
        q.rows().max(1) as f64 * eps::<T>(),
    )
}

/// `||A - B C||_F / (max(m, n) eps ||A||_F)`: a reconstruction residual.
pub fn recon_ratio<T: Scalar>(a: &Mat<f64>, b: MatRef<'_, T>, c: MatRef<'_, T>) -> f64 {
    let bc = matmul(to_f64(b).as_ref(), to_f64(c).as_ref());
    let r = sub(a.as_ref(), bc.as_ref());
    let n = a.rows().max(a.cols()).max(1);
    ratio(fro(r.as_ref()), n as f64 * eps::<T>() * fro(a.as_ref()))
}

/// Solve: `||A X - B||_F / (n eps ||A||_F ||X||_F)` (LAPACK's `xGET02` in Frobenius).
pub fn solve_ratio<T: Scalar>(a: &Mat<f64>, x: MatRef<'_, T>, b: &Mat<f64>) -> f64 {
    let x = to_f64(x);
    let r = sub(matmul(a.as_ref(), x.as_ref()).as_ref(), b.as_ref());
    let n = a.cols().max(1) as f64;
    ratio(
        fro(r.as_ref()),
        n * eps::<T>() * fro(a.as_ref()) * fro(x.as_ref()),
    )
}

/// Inverse: `||A X - I||_F / (n eps ||A||_F ||X||_F)` (LAPACK's `xGET03`).
pub fn inv_ratio<T: Scalar>(a: &Mat<f64>, x: MatRef<'_, T>) -> f64 {
    solve_ratio(a, x, &Mat::identity(a.rows()))
}

/// SVD: reconstruction, orthogonality of `U` and `V`, and `s` sorted
/// descending and non-negative. Returns the largest of the ratios.
pub fn svd_ratio<T: Scalar>(a: &Mat<f64>, svd: &Svd<T>) -> f64 {
    let (m, n) = a.shape();
    let k = svd.s.len();
    assert_eq!(k, m.min(n), "svd: number of singular values");
    for w in svd.s.windows(2) {
        assert!(
            w[0] >= w[1],
            "svd: singular values not descending: {:?}",
            svd.s
        );
    }
    assert!(
        svd.s.iter().all(|&s| s >= T::ZERO),
        "svd: negative singular value: {:?}",
        svd.s
    );
    assert_eq!(svd.u.rows(), m, "svd: u rows");
    assert_eq!(svd.vt.cols(), n, "svd: vt cols");
    // U[:, :k] diag(s) Vt[:k, :]
    let u = to_f64(svd.u.as_ref());
    let vt = to_f64(svd.vt.as_ref());
    let us = Mat::from_fn(m, k, |i, j| u[(i, j)] * svd.s[j].to_f64());
    let vtk = Mat::from_fn(k, n, |i, j| vt[(i, j)]);
    let r = sub(a.as_ref(), matmul(us.as_ref(), vtk.as_ref()).as_ref());
    let recon = ratio(
        fro(r.as_ref()),
        m.max(n).max(1) as f64 * eps::<T>() * fro(a.as_ref()),
    );
    recon
        .max(orth_ratio(svd.u.as_ref()))
        .max(orth_ratio(svd.vt.t()))
}

/// Symmetric eigen: `||A V - V diag(w)||_F / (n eps ||A||_F)`, orthogonality of
/// `V`, and `w` ascending. Returns the larger ratio.
pub fn eigh_ratio<T: Scalar>(a: &Mat<f64>, e: &Eigh<T>) -> f64 {
    let n = a.rows();
    assert_eq!(e.values.len(), n, "eigh: number of eigenvalues");
    assert_eq!(e.vectors.shape(), (n, n), "eigh: vectors shape");
    for w in e.values.windows(2) {
        assert!(
            w[0] <= w[1],
            "eigh: eigenvalues not ascending: {:?}",
            e.values
        );
    }
    let v = to_f64(e.vectors.as_ref());
    let av = matmul(a.as_ref(), v.as_ref());
    let vl = Mat::from_fn(n, n, |i, j| v[(i, j)] * e.values[j].to_f64());
    let r = sub(av.as_ref(), vl.as_ref());
    let res = ratio(
        fro(r.as_ref()),
        n.max(1) as f64 * eps::<T>() * fro(a.as_ref()),
    );
    res.max(orth_ratio(e.vectors.as_ref()))
}

/// General eigen: `||A V - V diag(L)||_F / (n eps ||A||_F)` in complex
/// arithmetic; also checks each eigenvector has unit 2-norm (to the same
/// ratio) and that conjugate pairs are adjacent, positive imaginary part
/// first. Returns the larger ratio.
pub fn eig_ratio<T: Scalar>(a: &Mat<f64>, e: &Eig<T>) -> f64 {
    let n = a.rows();
    assert_eq!(e.values.len(), n, "eig: number of eigenvalues");
    assert_eq!(e.vectors.shape(), (n, n), "eig: vectors shape");
    let c = |z: Complex<T>| Complex::new(z.re.to_f64(), z.im.to_f64());
    let mut i = 0;
    while i < n {
        let z = c(e.values[i]);
        if z.im != 0.0 {
            assert!(
                z.im > 0.0 && i + 1 < n && c(e.values[i + 1]) == z.conj(),
                "eig: eigenvalue {i} = {z} is not followed by its conjugate: {:?}",
                e.values
            );
            i += 2;
        } else {
            i += 1;
        }
    }
    let ac = a.map(|&x| Complex::new(x, 0.0));
    let v = e.vectors.map(|&z| c(z));
    let av = cmatmul(&ac, &v);
    let vl = Mat::from_fn(n, n, |i, j| v[(i, j)] * c(e.values[j]));
    let r = Mat::from_fn(n, n, |i, j| av[(i, j)] - vl[(i, j)]);
    let scale = n.max(1) as f64 * eps::<T>();
    let res = ratio(cfro(&r), scale * fro(a.as_ref()));
    let mut unit = 0.0f64;
    for j in 0..n {
        let norm: f64 = (0..n).map(|i| v[(i, j)].norm_sqr()).sum::<f64>().sqrt();
        unit = unit.max(ratio((norm - 1.0).abs(), scale));
    }
    res.max(unit)
}

/// Checks `C = alpha A B + beta C0` element-wise (with `beta == 0`, `C0` is
/// not part of the expected result: it may hold NaN).
#[track_caller]
pub fn assert_gemm_result<T: Scalar>(
    what: &str,
    alpha: f64,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: f64,
    c0: &Mat<f64>,
    c: MatRef<'_, T>,
) {
    let (p, s) = product_and_scale(to_f64(a).as_ref(), to_f64(b).as_ref());
    let bc = if beta == 0.0 {
        Mat::zeros(c0.rows(), c0.cols())
    } else {
        c0.clone()
    };
    let want = crate::naive::axpby(alpha, p.as_ref(), beta, bc.as_ref());
    let scale = crate::naive::axpby(
        alpha.abs(),
        s.as_ref(),
        beta.abs(),
        bc.map(|x| x.abs()).as_ref(),
    );
    assert_close_scaled(what, c, &want, &scale, a.cols() + 1);
}

#[cfg(test)]
mod tests {
    //! The checks must be able to fail: each is shown a right and a wrong answer.
    use super::*;
    use crate::{gen, naive, Rng};
    use oxblas_core::{Complex, Lu};

    #[test]
    fn lu_ratio_separates_right_from_wrong() {
        // [[1, 2], [3, 4]]: P swaps the rows, L = [[1, 0], [1/3, 1]], U = [[3, 4], [0, 2/3]].
        let a = Mat::from_rows(&[[1.0, 2.0], [3.0, 4.0]]).unwrap();
        let good = Lu {
            factors: Mat::from_rows(&[[3.0, 4.0], [1.0 / 3.0, 2.0 - 4.0 / 3.0]]).unwrap(),
            pivots: vec![1, 1],
        };
        assert!(lu_ratio::<f64>(&a, &good) <= FACTOR_TOL);
        let mut bad = good.clone();
        bad.factors[(1, 1)] *= 1.0 + 1e-9;
        assert!(lu_ratio::<f64>(&a, &bad) > FACTOR_TOL);
        let mut bad = good;
        bad.pivots = vec![0, 1];
        assert!(lu_ratio::<f64>(&a, &bad) > FACTOR_TOL);
    }

    #[test]
    fn orthogonality_and_reconstruction_ratios() {
        let q = gen::orthogonal(&mut Rng::new(1), 20);
        assert!(orth_ratio::<f64>(q.as_ref()) <= FACTOR_TOL);
        let skewed = q.map(|x| x * (1.0 + 1e-12));
        assert!(orth_ratio::<f64>(skewed.as_ref()) > FACTOR_TOL);
        let a = naive::matmul(q.as_ref(), q.t());
        assert!(recon_ratio::<f64>(&a, q.as_ref(), q.t()) <= FACTOR_TOL);
        assert!(recon_ratio::<f64>(&a, skewed.as_ref(), q.t()) > FACTOR_TOL);
        // f32 thresholds scale with f32's epsilon: the same defect passes there.
        assert!(orth_ratio::<f32>(q.map(|&x| x as f32).as_ref()) <= FACTOR_TOL);
    }

    #[test]
    fn eig_ratio_checks_values_pairs_and_norms() {
        let (a, eigs) = gen::normal_with_eigs(&mut Rng::new(2), &[], &[(0.5, 2.0)]);
        // Eigenvectors of Q [[a, b], [-b, a]] Q^T: Q (1, +-i) / sqrt(2).
        // Eigenvector of a 2x2 A for lambda: (-a01, a00 - lambda), normalized;
        // the conjugate eigenvalue has the conjugate vector.
        let (p, r) = (a[(0, 1)], a[(0, 0)] - eigs[0]);
        let v0 = Complex::new(-p, 0.0) / (p * p + r.norm_sqr()).sqrt();
        let v1 = r / (p * p + r.norm_sqr()).sqrt();
        let mk = |v0: Complex<f64>, v1: Complex<f64>| {
            let mut m = Mat::filled(2, 2, Complex::new(0.0, 0.0));
            m[(0, 0)] = v0;
            m[(1, 0)] = v1;
            m[(0, 1)] = v0.conj();
            m[(1, 1)] = v1.conj();
            m
        };
        let good = oxblas_core::Eig {
            values: eigs.clone(),
            vectors: mk(v0, v1),
        };
        assert!(eig_ratio::<f64>(&a, &good) <= SPECTRAL_TOL);
        let mut bad = good.clone();
        bad.values[0].re += 1e-10;
        bad.values[1].re += 1e-10;
        assert!(eig_ratio::<f64>(&a, &bad) > SPECTRAL_TOL);
        let mut bad = good.clone();
        bad.vectors = mk(v0 * 2.0, v1 * 2.0);
        assert!(
            eig_ratio::<f64>(&a, &bad) > SPECTRAL_TOL,
            "unnormalized vectors"
        );
    }

    #[test]
    fn close_scaled_rejects_a_wrong_element() {
        let want = Mat::from_fn(3, 3, |i, j| (i + j) as f64);
        let scale = want.map(|x| x.abs() + 1.0);
        let got = want.map(|&x| x as f32);
        let r = std::panic::catch_unwind(|| {
            assert_close_scaled("ok", got.as_ref(), &want, &scale, 3);
        });
        assert!(r.is_ok());
        let mut bad = got.clone();
        bad[(2, 1)] += 1e-4;
        let r = std::panic::catch_unwind(|| {
            assert_close_scaled("bad", bad.as_ref(), &want, &scale, 3);
        });
        assert!(r.is_err());
    }

    #[test]
    fn naive_oracles() {
        let a = Mat::from_rows(&[[2.0, -1.0, 0.0], [1.0, 3.0, 2.0], [0.0, 1.0, 4.0]]).unwrap();
        assert_eq!(naive::det_cofactor(a.as_ref()), 2.0 * 10.0 + 4.0 - 0.0);
        let b = Mat::from_fn(3, 2, |i, j| (i * 2 + j) as f64);
        use oxblas_core::{Diag, Side, Uplo};
        for (side, uplo, diag) in [
            (Side::Left, Uplo::Lower, Diag::NonUnit),
            (Side::Left, Uplo::Upper, Diag::Unit),
        ] {
            let x = naive::tri_solve(side, uplo, diag, a.as_ref(), b.as_ref());
            let t = naive::triangle(uplo, diag, a.as_ref());
            let r = naive::sub(naive::matmul(t.as_ref(), x.as_ref()).as_ref(), b.as_ref());
            assert!(naive::fro(r.as_ref()) < 1e-12);
        }
        let bt = b.transpose();
        let x = naive::tri_solve(
            Side::Right,
            Uplo::Lower,
            Diag::NonUnit,
            a.as_ref(),
            bt.as_ref(),
        );
        let t = naive::triangle(Uplo::Lower, Diag::NonUnit, a.as_ref());
        let r = naive::sub(naive::matmul(x.as_ref(), t.as_ref()).as_ref(), bt.as_ref());
        assert!(naive::fro(r.as_ref()) < 1e-12);
        let s = gen::indefinite_at(&mut Rng::new(3), 9, 4);
        assert_eq!(naive::cholesky_fail_index(s.as_ref()), Some(4));
        let spd = gen::spd(&mut Rng::new(4), 9, 1e3);
        assert_eq!(naive::cholesky_fail_index(spd.as_ref()), None);
    }

    #[test]
    fn rng_is_deterministic_and_spread() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<f64> = (0..1000).map(|_| a.uniform()).collect();
        assert!(xs.iter().all(|&x| x == b.uniform()));
        assert!(xs.iter().all(|&x| (-1.0..1.0).contains(&x)));
        let mean = xs.iter().sum::<f64>() / 1000.0;
        assert!(mean.abs() < 0.1);
        assert_ne!(Rng::new(8).next_u64(), Rng::new(7).next_u64());
    }
}
