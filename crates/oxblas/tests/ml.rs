//! Tests of `oxblas::ml` on the shipped data and on small generated cases.

use oxblas::ml::data::{parse_csv, Rng};
use oxblas::ml::linear::{fit_gd, fit_ols, fit_ridge, r2_score, GdOptions};
use oxblas::ml::pca::{randomized_svd, Pca, PcaSolver};
use oxblas::{Error, Mat};

const IRIS: &str = include_str!("../data/iris.csv");

fn iris() -> Mat<f64> {
    let all: Mat<f64> = parse_csv(IRIS, Some(','), 1).unwrap();
    Mat::from_fn(all.rows(), 4, |i, j| all[(i, j)])
}

fn max_abs_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn pca_iris_explained_variance_ratio() {
    let x = iris();
    assert_eq!(x.shape(), (150, 4));
    let p = Pca::fit(x.as_ref(), 2).unwrap();
    let r = p.explained_variance_ratio();
    assert_eq!(format!("{:.4}", r[0]), "0.9246");
    assert_eq!(format!("{:.4}", r[1]), "0.0531");
    // Explained variance equals the variance of the scores.
    let z = p.transform(x.as_ref()).unwrap();
    for c in 0..2 {
        let var: f64 = (0..150).map(|i| z[(i, c)] * z[(i, c)]).sum::<f64>() / 149.0;
        assert!((var - p.explained_variance()[c]).abs() < 1e-12 * var.max(1.0) * 150.0);
    }
    // Components are orthonormal.
    let g = oxblas::matmul(p.components().as_ref(), p.components().t()).unwrap();
    assert!(max_abs_diff(&g, &Mat::identity(2)) < 1e-12);
}

#[test]
fn pca_full_rank_round_trip_and_f32() {
    let x = iris();
    let p = Pca::fit(x.as_ref(), 4).unwrap();
    let back = p
        .inverse_transform(p.transform(x.as_ref()).unwrap().as_ref())
        .unwrap();
    assert!(max_abs_diff(&back, &x) < 1e-12 * 150.0 * 8.0);
    let s: f64 = p.explained_variance_ratio().iter().sum();
    assert!((s - 1.0).abs() < 1e-12);
    let x32 = x.map(|&v| v as f32);
    let p32 = Pca::fit(x32.as_ref(), 2).unwrap();
    assert!((p32.explained_variance_ratio()[0] as f64 - 0.924_618_72).abs() < 1e-4);
}

#[test]
fn randomized_pca_matches_full_on_low_rank_data() {
    // 60 x 200 wide matrix of exact rank 5 plus tiny noise.
    let mut rng = Rng::new(7);
    let a: Mat<f64> = rng.normal_mat(60, 5, 1.0);
    let b: Mat<f64> = rng.normal_mat(5, 200, 1.0);
    let mut x = oxblas::matmul(a.as_ref(), b.as_ref()).unwrap();
    x.as_mut_slice()
        .iter_mut()
        .for_each(|v| *v += 1e-8 * rng.normal());
    let full = Pca::fit(x.as_ref(), 5).unwrap();
    let solver = PcaSolver::Randomized {
        oversample: 10,
        power_iters: 2,
        seed: 1,
    };
    let rand = Pca::fit_with(x.as_ref(), 5, solver).unwrap();
    for (s, r) in full.singular_values().iter().zip(rand.singular_values()) {
        assert!((s - r).abs() < 1e-9 * s, "{s} vs {r}");
    }
    // Same subspace: |<v_full, v_rand>| = 1 for each component (after sign fix, equal).
    assert!(max_abs_diff(full.components(), rand.components()) < 1e-6);
    let svd = randomized_svd(x.as_ref(), 3, 5, 1, 3).unwrap();
    assert_eq!(
        (svd.u.shape(), svd.s.len(), svd.vt.shape()),
        ((60, 3), 3, (3, 200))
    );
}

#[test]
fn pca_bad_arguments_are_errors() {
    let x = iris();
    assert!(matches!(
        Pca::fit(x.as_ref(), 0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Pca::fit(x.as_ref(), 5),
        Err(Error::InvalidArgument { .. })
    ));
    let one = Mat::<f64>::zeros(1, 3);
    assert!(matches!(
        Pca::fit(one.as_ref(), 1),
        Err(Error::InvalidArgument { .. })
    ));
    let mut bad = x.clone();
    bad[(3, 2)] = f64::NAN;
    assert!(matches!(
        Pca::fit(bad.as_ref(), 2),
        Err(Error::NonFinite { .. })
    ));
    let p = Pca::fit(x.as_ref(), 2).unwrap();
    let wrong = Mat::<f64>::zeros(3, 5);
    assert!(matches!(
        p.transform(wrong.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        p.inverse_transform(wrong.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        randomized_svd(x.as_ref(), 9, 2, 1, 0),
        Err(Error::InvalidArgument { .. })
    ));
}

/// `m x n` design with an exact linear response `y = x w + b`.
fn exact_linear(m: usize, n: usize, seed: u64) -> (Mat<f64>, Mat<f64>, Vec<f64>, f64) {
    let mut rng = Rng::new(seed);
    let x: Mat<f64> = rng.normal_mat(m, n, 1.0);
    let w: Vec<f64> = (0..n)
        .map(|j| (j as f64 + 1.0) * if j % 2 == 0 { 1.0 } else { -0.5 })
        .collect();
    let b = 3.25;
    let y = Mat::from_fn(m, 1, |i, _| {
        b + (0..n).map(|j| x[(i, j)] * w[j]).sum::<f64>()
    });
    (x, y, w, b)
}

#[test]
fn ols_recovers_exact_coefficients() {
    let (x, y, w, b) = exact_linear(40, 5, 11);
    let model = fit_ols(x.as_ref(), y.as_ref(), true).unwrap();
    for j in 0..5 {
        assert!((model.coef[(j, 0)] - w[j]).abs() < 1e-10, "coef {j}");
    }
    assert!((model.intercept[0] - b).abs() < 1e-10);
    assert!((model.score(x.as_ref(), y.as_ref()).unwrap() - 1.0).abs() < 1e-12);
    // Without intercept the fit must absorb it badly: coefficients differ.
    let no_b = fit_ols(x.as_ref(), y.as_ref(), false).unwrap();
    assert_eq!(no_b.intercept, vec![0.0]);
    assert!(no_b.score(x.as_ref(), y.as_ref()).unwrap() < 1.0 - 1e-6);
}

#[test]
fn ridge_limits_and_closed_form() {
    let (x, mut y, _, _) = exact_linear(30, 4, 5);
    let mut rng = Rng::new(99);
    y.as_mut_slice()
        .iter_mut()
        .for_each(|v| *v += 0.1 * rng.normal());
    let ols = fit_ols(x.as_ref(), y.as_ref(), true).unwrap();
    let r0 = fit_ridge(x.as_ref(), y.as_ref(), 1e-12, true).unwrap();
    assert!(max_abs_diff(&ols.coef, &r0.coef) < 1e-9);
    assert!((ols.intercept[0] - r0.intercept[0]).abs() < 1e-9);

    // Hand-sized case without intercept: x = [[1,0],[0,1],[1,1]], y = [1,2,3].
    // (X^T X + I) w = X^T y  ->  [[3,1],[1,3]] w = [4,5]  ->  w = [7/8, 11/8].
    let xs = Mat::<f64>::from_rows(&[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]).unwrap();
    let ys = Mat::<f64>::from_rows(&[[1.0], [2.0], [3.0]]).unwrap();
    let r = fit_ridge(xs.as_ref(), ys.as_ref(), 1.0, false).unwrap();
    assert!((r.coef[(0, 0)] - 0.875).abs() < 1e-14);
    assert!((r.coef[(1, 0)] - 1.375).abs() < 1e-14);
    // Larger lambda shrinks the coefficients.
    let big = fit_ridge(x.as_ref(), y.as_ref(), 100.0, true).unwrap();
    let nrm = |m: &Mat<f64>| m.as_slice().iter().map(|v| v * v).sum::<f64>();
    assert!(nrm(&big.coef) < nrm(&ols.coef));
}

#[test]
fn gradient_descent_reaches_closed_form() {
    let (x, mut y, _, _) = exact_linear(50, 3, 21);
    let mut rng = Rng::new(3);
    y.as_mut_slice()
        .iter_mut()
        .for_each(|v| *v += 0.2 * rng.normal());
    let ols = fit_ols(x.as_ref(), y.as_ref(), true).unwrap();
    let opts = GdOptions {
        learning_rate: None,
        max_iter: 20_000,
        tol: 1e-12,
    };
    let gd = fit_gd(x.as_ref(), y.as_ref(), true, opts).unwrap();
    assert!(
        gd.converged,
        "did not converge in {} iterations",
        gd.iterations
    );
    assert!(max_abs_diff(&gd.model.coef, &ols.coef) < 1e-9);
    assert!((gd.model.intercept[0] - ols.intercept[0]).abs() < 1e-9);
    // The loss never increases with step 1/L.
    assert!(gd
        .loss_history
        .windows(2)
        .all(|w| w[1] <= w[0] * (1.0 + 1e-12)));
}

#[test]
fn regression_bad_arguments_are_errors() {
    let x = Mat::<f64>::zeros(5, 2);
    let y = Mat::<f64>::zeros(4, 1);
    assert!(matches!(
        fit_ols(x.as_ref(), y.as_ref(), true),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        fit_ridge(x.as_ref(), y.as_ref(), 1.0, true),
        Err(Error::DimensionMismatch { .. })
    ));
    let y5 = Mat::<f64>::zeros(5, 1);
    assert!(matches!(
        fit_ridge(x.as_ref(), y5.as_ref(), -1.0, true),
        Err(Error::InvalidArgument { .. })
    ));
    let bad_lr = GdOptions {
        learning_rate: Some(-0.1),
        ..GdOptions::default()
    };
    assert!(matches!(
        fit_gd(x.as_ref(), y5.as_ref(), true, bad_lr),
        Err(Error::InvalidArgument { .. })
    ));
    let p = Mat::<f64>::zeros(5, 2);
    assert!(matches!(
        r2_score(y5.as_ref(), p.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    let (xg, yg, _, _) = exact_linear(10, 2, 1);
    let m = fit_ols(xg.as_ref(), yg.as_ref(), true).unwrap();
    assert!(matches!(
        m.predict(y5.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
}
