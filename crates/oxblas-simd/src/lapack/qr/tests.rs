//! QR tests, panel width forced small (`cfg(test)`).

use oxblas_core::{Error, Mat, MatRef, QrMode, Scalar};

use super::*;
use crate::lapack::util::testing::{matmul, orthogonality, random, rel_residual, TOL};

/// Checks `A = QR`, `Q^T Q = I` (thin and complete) and the layout.
fn check<T: Scalar>(a: MatRef<'_, T>) -> oxblas_core::Qr<T> {
    let (m, n) = a.shape();
    let k = m.min(n);
    let f = factor(a).unwrap();
    assert_eq!(f.factors.shape(), (m, n));
    assert_eq!(f.tau.len(), k);
    for &t in &f.tau {
        // LAPACK: tau = 0 or 1 <= tau <= 2.
        assert!(
            t == T::ZERO || (t >= T::ONE && t <= T::from_f64(2.0)),
            "tau {t}"
        );
    }
    let q = form_q(&f, QrMode::Reduced).unwrap();
    assert_eq!(q.shape(), (m, k));
    let qr = matmul(q.as_ref(), f.r().as_ref());
    let r = rel_residual(a, qr.as_ref(), m.max(n));
    assert!(r <= TOL, "{m}x{n}: ||A - QR|| ratio {r}");
    let o = orthogonality(q.as_ref());
    assert!(o <= TOL, "{m}x{n}: ||Q^T Q - I|| ratio {o}");
    let qc = form_q(&f, QrMode::Complete).unwrap();
    assert_eq!(qc.shape(), (m, m));
    let o = orthogonality(qc.as_ref());
    assert!(o <= TOL, "{m}x{n}: complete Q ratio {o}");
    for i in 0..m {
        for j in 0..k {
            let d = (qc[(i, j)] - q[(i, j)]).abs().to_f64();
            assert!(d <= 30.0 * m as f64 * T::EPSILON.to_f64());
        }
    }
    // Q^T A = R (rows below k zero).
    let qta = apply_qt(&f, a).unwrap();
    let rfull = Mat::from_fn(m, n, |i, j| {
        if i <= j && i < k {
            f.factors[(i, j)]
        } else {
            T::ZERO
        }
    });
    let r = rel_residual(rfull.as_ref(), qta.as_ref(), m.max(n));
    assert!(r <= TOL, "{m}x{n}: ||Q^T A - R|| ratio {r}");
    f
}

fn shapes<T: Scalar>() {
    let list = [
        (0usize, 0usize),
        (0, 3),
        (3, 0),
        (1, 1),
        (2, 2),
        (3, 3),
        (17, 17),
        (64, 64),
        (40, 17),
        (17, 40),
        (65, 7),
        (1, 9),
        (9, 1),
    ];
    for &(m, n) in &list {
        check(random::<T>(m, n, (m * 100 + n) as u64).as_ref());
    }
}

#[test]
fn random_shapes_square_tall_wide() {
    shapes::<f64>();
    shapes::<f32>();
}

#[test]
fn sizes_around_256() {
    for &n in &[255usize, 256, 257] {
        check(random::<f64>(n, n - 100, n as u64).as_ref());
    }
    check(random::<f32>(256, 256, 1).as_ref());
}

#[test]
fn lapack_reflector_conventions() {
    // First column (3, 4, 0): beta = -sign(3) * 5, tau = (beta - alpha) / beta = 1.6,
    // v = (1, 4 / (3 + 5), 0).
    let a = Mat::from_rows(&[[3.0, 1.0], [4.0, 2.0], [0.0, 5.0]]).unwrap();
    let f = factor(a.as_ref()).unwrap();
    assert!((f.factors[(0, 0)] + 5.0f64).abs() < 1e-15);
    assert!((f.tau[0] - 1.6f64).abs() < 1e-15);
    assert!((f.factors[(1, 0)] - 0.5f64).abs() < 1e-15);
    assert_eq!(f.factors[(2, 0)], 0.0);
    // Negative alpha: beta = +norm.
    let b = Mat::from_rows(&[[-3.0f32], [4.0]]).unwrap();
    let f = factor(b.as_ref()).unwrap();
    assert_eq!(f.factors[(0, 0)], 5.0);
    // Already upper triangular: every tau is 0 and R is A itself.
    let u = Mat::from_rows(&[[2.0, -1.0, 3.0], [0.0, -4.0, 1.0], [0.0, 0.0, 6.0]]).unwrap();
    let f = factor(u.as_ref()).unwrap();
    assert_eq!(f.tau, vec![0.0, 0.0, 0.0]);
    assert_eq!(f.factors, u);
    // A zero column: tau = 0, nothing divided.
    let z = Mat::<f64>::zeros(4, 2);
    let f = check(z.as_ref());
    assert_eq!(f.tau, vec![0.0, 0.0]);
}

#[test]
fn strided_transposed_and_reversed_views() {
    let big = random::<f64>(50, 40, 8);
    let v = MatRef::from_parts(big.as_slice(), 1, 25, 13, 80, 3).unwrap();
    assert_eq!(factor(v).unwrap(), factor(v.to_owned().as_ref()).unwrap());
    check(v);
    let t = big.t();
    assert_eq!(
        factor(t).unwrap(),
        factor(big.transpose().as_ref()).unwrap()
    );
    check(big.as_ref().reverse_rows());
}

#[test]
fn non_finite_is_rejected() {
    for bad in [f64::NAN, f64::INFINITY] {
        let mut a = random::<f64>(6, 4, 1);
        a[(5, 3)] = bad;
        assert!(matches!(factor(a.as_ref()), Err(Error::NonFinite { .. })));
        assert!(matches!(
            factor_pivoted(a.as_ref()),
            Err(Error::NonFinite { .. })
        ));
    }
    let f = factor(random::<f64>(5, 3, 1).as_ref()).unwrap();
    assert!(matches!(
        apply_qt(&f, Mat::<f64>::zeros(4, 1).as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
}

/// `A P = Q R` with non-increasing `|r_ii|`.
fn check_pivoted<T: Scalar>(a: MatRef<'_, T>) -> oxblas_core::PivotedQr<T> {
    let (m, n) = a.shape();
    let p = factor_pivoted(a).unwrap();
    let mut seen = vec![false; n];
    for &j in &p.perm {
        assert!(!seen[j]);
        seen[j] = true;
    }
    let k = m.min(n);
    for i in 1..k {
        let (a0, a1) = (
            p.qr.factors[(i - 1, i - 1)].abs(),
            p.qr.factors[(i, i)].abs(),
        );
        assert!(
            a1 <= a0 * T::from_f64(1.0 + 1e-5),
            "|r_ii| must not increase"
        );
    }
    let ap = Mat::from_fn(m, n, |i, j| a[(i, p.perm[j])]);
    let q = form_q(&p.qr, QrMode::Reduced).unwrap();
    let qr = matmul(q.as_ref(), p.qr.r().as_ref());
    let r = rel_residual(ap.as_ref(), qr.as_ref(), m.max(n));
    assert!(r <= TOL, "{m}x{n}: ||AP - QR|| ratio {r}");
    p
}

#[test]
fn pivoted_qr_reveals_rank() {
    for &(m, n, rank) in &[
        (30usize, 20usize, 7usize),
        (20, 30, 5),
        (64, 64, 33),
        (10, 10, 10),
    ] {
        let x = random::<f64>(m, rank, 1);
        let y = random::<f64>(rank, n, 2);
        let a = matmul(x.as_ref(), y.as_ref());
        let p = check_pivoted(a.as_ref());
        assert_eq!(p.rank(None), rank, "{m}x{n} of rank {rank}");
        let a32 = matmul(
            random::<f32>(m, rank, 3).as_ref(),
            random::<f32>(rank, n, 4).as_ref(),
        );
        assert_eq!(check_pivoted(a32.as_ref()).rank(None), rank);
    }
    // The largest column goes first.
    let a = Mat::from_rows(&[[1.0, 0.0, 3.0], [0.0, 1.0, 4.0]]).unwrap();
    let p = check_pivoted(a.as_ref());
    assert_eq!(p.perm[0], 2);
    // Empty and zero matrices.
    assert_eq!(
        check_pivoted(Mat::<f64>::zeros(0, 4).as_ref()).rank(None),
        0
    );
    assert_eq!(
        check_pivoted(Mat::<f64>::zeros(5, 3).as_ref()).rank(None),
        0
    );
    check_pivoted(random::<f32>(3, 0, 1).as_ref());
}

#[test]
fn pivoted_qr_norm_downdating_survives_cancellation() {
    // Columns that are nearly parallel make the downdated norms cancel.
    let n = 12;
    let base = random::<f64>(40, 1, 5);
    let noise = random::<f64>(40, n, 6);
    let a = Mat::from_fn(40, n, |i, j| {
        base[(i, 0)] + 1e-9 * noise[(i, j)] * (j as f64 + 1.0)
    });
    let p = check_pivoted(a.as_ref());
    // The diagonal of R is non-increasing (checked above) and no norm went NaN.
    assert!(p.qr.factors.as_slice().iter().all(|x| x.is_finite()));
}

#[test]
fn ill_conditioned_matrices_keep_small_residuals() {
    use crate::lapack::util::testing::with_condition;
    for &cond in &[1e2, 1e8] {
        check(with_condition::<f64>(40, cond, 3).as_ref());
        check_pivoted(with_condition::<f64>(40, cond, 4).as_ref());
    }
    check(with_condition::<f32>(33, 1e2, 5).as_ref());
    check(with_condition::<f32>(33, 1e6, 6).as_ref());
}

#[test]
fn panel_matches_blocked_qr_and_larft() {
    // Every group width of the panel kernel (k mod 4), square and tall panels.
    for &(len, k) in &[
        (70usize, 40usize),
        (40, 40),
        (33, 17),
        (23, 22),
        (6, 6),
        (9, 3),
        (5, 1),
    ] {
        let a = random::<f64>(len, k, (len + k) as u64);
        let mut y = a.transpose();
        let mut tau = vec![0.0; k];
        let mut t = Mat::<f64>::zeros(k, k);
        super::panel::panel_qr(y.as_mut_slice(), k, len, &mut tau, t.as_mut(), true);
        let f = y.transpose();
        let g = factor(a.as_ref()).unwrap();
        let tol = 1e3 * len as f64 * f64::EPSILON;
        for (x, y) in tau.iter().zip(&g.tau) {
            assert!((x - y).abs() <= tol, "{len}x{k}: tau {x} against {y}");
        }
        for i in 0..len {
            for j in 0..k {
                let d = (f[(i, j)] - g.factors[(i, j)]).abs();
                assert!(d <= tol, "{len}x{k}: factor ({i}, {j}) differs by {d}");
            }
        }
        let refl = super::reflector::BlockReflector::new(f.as_ref(), &tau).unwrap();
        for i in 0..k {
            for j in 0..k {
                if i > j {
                    assert_eq!(t[(i, j)], 0.0, "T must stay upper triangular");
                } else {
                    let d = (t[(i, j)] - refl.t()[(i, j)]).abs();
                    assert!(d <= tol, "{len}x{k}: T ({i}, {j}) differs by {d}");
                }
            }
        }
    }
}
