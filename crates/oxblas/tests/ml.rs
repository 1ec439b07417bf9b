//! Tests of `oxblas::ml` on the shipped data and on small generated cases.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

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

// ---------------------------------------------------------------- conv2d

use oxblas::ml::conv::{
    conv2d_direct, conv2d_fft, conv2d_im2col, conv2d_output_shape, Conv2dParams, Tensor4,
};

fn rand_tensor(shape: [usize; 4], rng: &mut Rng) -> Tensor4<f64> {
    Tensor4::from_fn(shape, |_, _, _, _| rng.normal())
}

fn tensor_diff(a: &Tensor4<f64>, b: &Tensor4<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn conv2d_direct_hand_case() {
    // 1x1x3x3 input 1..9, 2x2 kernel of ones, padding 1, stride 2 -> 2x2 output.
    let x = Tensor4::new([1, 1, 3, 3], (1..=9).map(f64::from).collect()).unwrap();
    let w = Tensor4::new([1, 1, 2, 2], vec![1.0; 4]).unwrap();
    let p = Conv2dParams {
        stride: (2, 2),
        padding: (1, 1),
    };
    let y = conv2d_direct(&x, &w, Some(&[0.5]), p).unwrap();
    assert_eq!(y.shape(), [1, 1, 2, 2]);
    // Windows: {1}, {2,3}, {4,7}, {5,6,8,9}.
    assert_eq!(y.as_slice(), &[1.5, 5.5, 11.5, 28.5]);
}

#[test]
fn conv2d_im2col_fft_direct_agree() {
    let mut rng = Rng::new(42);
    let cases = [
        ([2, 3, 9, 7], [4, 3, 3, 3], (1, 1), (0, 0)),
        ([1, 2, 8, 8], [3, 2, 3, 2], (2, 1), (1, 2)),
        ([3, 1, 6, 10], [2, 1, 5, 5], (2, 3), (2, 2)),
        ([1, 4, 5, 5], [1, 4, 1, 1], (1, 1), (0, 0)),
    ];
    for (xs, ws, stride, padding) in cases {
        let x = rand_tensor(xs, &mut rng);
        let w = rand_tensor(ws, &mut rng);
        let bias: Vec<f64> = (0..ws[0]).map(|o| o as f64 * 0.25 - 0.5).collect();
        let p = Conv2dParams { stride, padding };
        let d = conv2d_direct(&x, &w, Some(&bias), p).unwrap();
        let i = conv2d_im2col(&x, &w, Some(&bias), p).unwrap();
        let f = conv2d_fft(&x, &w, Some(&bias), p).unwrap();
        assert_eq!(d.shape(), conv2d_output_shape(&x, &w, p).unwrap());
        let kdim = (ws[1] * ws[2] * ws[3]) as f64;
        let tol = 16.0 * kdim * f64::EPSILON * 8.0;
        assert!(tensor_diff(&d, &i) < tol, "im2col vs direct {:?}", (xs, ws));
        assert!(
            tensor_diff(&d, &f) < 10.0 * tol,
            "fft vs direct {:?}",
            (xs, ws)
        );
        let no_bias = conv2d_im2col(&x, &w, None, p).unwrap();
        assert!((d.as_slice()[0] - no_bias.as_slice()[0] - bias[0]).abs() < tol);
    }
    // f32 agrees too (FFT computed in f64, im2col in f32).
    let x = Tensor4::<f32>::from_fn([1, 2, 6, 6], |_, c, h, w| {
        ((c * 36 + h * 6 + w) % 7) as f32 - 3.0
    });
    let w = Tensor4::<f32>::from_fn([2, 2, 3, 3], |o, c, h, w| {
        ((o + c + h * w) % 3) as f32 - 1.0
    });
    let p = Conv2dParams {
        stride: (1, 2),
        padding: (1, 0),
    };
    let d = conv2d_direct(&x, &w, None, p).unwrap();
    for other in [
        conv2d_im2col(&x, &w, None, p).unwrap(),
        conv2d_fft(&x, &w, None, p).unwrap(),
    ] {
        let diff = d
            .as_slice()
            .iter()
            .zip(other.as_slice())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-4, "{diff}");
    }
}

#[test]
fn conv2d_bad_shapes_are_errors() {
    let x = Tensor4::<f64>::zeros([1, 3, 4, 4]);
    let w_bad_c = Tensor4::<f64>::zeros([2, 2, 3, 3]);
    let w_big = Tensor4::<f64>::zeros([2, 3, 5, 5]);
    let w = Tensor4::<f64>::zeros([2, 3, 3, 3]);
    let p = Conv2dParams::default();
    for f in [
        conv2d_direct::<f64>,
        conv2d_im2col::<f64>,
        conv2d_fft::<f64>,
    ] {
        assert!(matches!(
            f(&x, &w_bad_c, None, p),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            f(&x, &w_big, None, p),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            f(&x, &w, Some(&[1.0]), p),
            Err(Error::DimensionMismatch { .. })
        ));
        let p0 = Conv2dParams {
            stride: (0, 1),
            padding: (0, 0),
        };
        assert!(matches!(
            f(&x, &w, None, p0),
            Err(Error::InvalidArgument { .. })
        ));
    }
    assert!(matches!(
        Tensor4::new([1, 1, 2, 2], vec![0.0; 3]),
        Err(Error::DimensionMismatch { .. })
    ));
    // A 5x5 kernel fits once the input is padded by 1.
    let padded = Conv2dParams {
        stride: (1, 1),
        padding: (1, 1),
    };
    assert_eq!(
        conv2d_output_shape(&x, &w_big, padded).unwrap(),
        [1, 2, 2, 2]
    );
}

// ------------------------------------------------------------ neural nets

use oxblas::ml::nn::{
    relu, sigmoid, softmax_cross_entropy, softmax_rows, tanh, Dense, ElmanCell, Mlp, Sgd,
};

#[test]
fn activations_values() {
    let mut v = vec![-2.0, -0.0, 0.5, 3.0];
    relu(&mut v);
    assert_eq!(v, vec![0.0, 0.0, 0.5, 3.0]);
    let mut s = vec![0.0, 1000.0, -1000.0, 2.0f64];
    sigmoid(&mut s);
    assert_eq!(&s[..3], &[0.5, 1.0, 0.0]);
    assert!((s[3] - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
    let mut t = vec![0.3f32, -1.2];
    tanh(&mut t);
    assert_eq!(t, vec![0.3f32.tanh(), (-1.2f32).tanh()]);
    let mut m = Mat::<f64>::from_rows(&[[1.0, 2.0, 3.0], [1000.0, 1000.0, 0.0]]).unwrap();
    softmax_rows(&mut m);
    let e = [1.0f64.exp(), 2.0f64.exp(), 3.0f64.exp()];
    let z: f64 = e.iter().sum();
    for j in 0..3 {
        assert!((m[(0, j)] - e[j] / z).abs() < 1e-15);
    }
    assert_eq!((m[(1, 0)], m[(1, 1)]), (0.5, 0.5));
}

/// L = sum(Y .* C) for a fixed C, so dL/dY = C.
#[test]
fn dense_backward_matches_finite_differences() {
    let mut rng = Rng::new(5);
    let layer = Dense::<f64> {
        w: rng.normal_mat(4, 3, 1.0),
        b: vec![0.1, -0.2, 0.3],
    };
    let x: Mat<f64> = rng.normal_mat(5, 4, 1.0);
    let c: Mat<f64> = rng.normal_mat(5, 3, 1.0);
    let loss = |l: &Dense<f64>, x: &Mat<f64>| -> f64 {
        let y = l.forward(x.as_ref()).unwrap();
        y.as_slice()
            .iter()
            .zip(c.as_slice())
            .map(|(a, b)| a * b)
            .sum()
    };
    let g = layer.backward(x.as_ref(), c.as_ref()).unwrap();
    let h = 1e-6;
    let tol = 1e-7;
    for i in 0..4 {
        for j in 0..3 {
            let (mut lp, mut lm) = (layer.clone(), layer.clone());
            lp.w[(i, j)] += h;
            lm.w[(i, j)] -= h;
            let fd = (loss(&lp, &x) - loss(&lm, &x)) / (2.0 * h);
            assert!(
                (fd - g.w[(i, j)]).abs() < tol,
                "dW[{i},{j}] {fd} vs {}",
                g.w[(i, j)]
            );
        }
    }
    for j in 0..3 {
        let (mut lp, mut lm) = (layer.clone(), layer.clone());
        lp.b[j] += h;
        lm.b[j] -= h;
        let fd = (loss(&lp, &x) - loss(&lm, &x)) / (2.0 * h);
        assert!((fd - g.b[j]).abs() < tol);
    }
    for i in 0..5 {
        for j in 0..4 {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[(i, j)] += h;
            xm[(i, j)] -= h;
            let fd = (loss(&layer, &xp) - loss(&layer, &xm)) / (2.0 * h);
            assert!((fd - g.x[(i, j)]).abs() < tol);
        }
    }
}

#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let mut rng = Rng::new(8);
    let z: Mat<f64> = rng.normal_mat(3, 4, 2.0);
    let labels = [0usize, 3, 1];
    let (l0, g) = softmax_cross_entropy(&z, &labels).unwrap();
    assert!(l0 > 0.0);
    let h = 1e-6;
    for i in 0..3 {
        for j in 0..4 {
            let (mut zp, mut zm) = (z.clone(), z.clone());
            zp[(i, j)] += h;
            zm[(i, j)] -= h;
            let fd = (softmax_cross_entropy(&zp, &labels).unwrap().0
                - softmax_cross_entropy(&zm, &labels).unwrap().0)
                / (2.0 * h);
            assert!((fd - g[(i, j)]).abs() < 1e-8);
        }
    }
    assert!(matches!(
        softmax_cross_entropy(&z, &[0, 4, 1]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        softmax_cross_entropy(&z, &[0, 1]),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn mlp_learns_xor_and_rejects_bad_shapes() {
    let x = Mat::<f64>::from_rows(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]).unwrap();
    let y = [0usize, 1, 1, 0];
    let mut net = Mlp::<f64>::new(&[2, 16, 2], 3).unwrap();
    let sgd = Sgd { lr: 0.5 };
    let first = net.train_step(x.as_ref(), &y, sgd).unwrap();
    let mut last = first;
    for _ in 0..2000 {
        last = net.train_step(x.as_ref(), &y, sgd).unwrap();
    }
    assert!(last < 0.05 * first, "loss {first} -> {last}");
    assert_eq!(net.accuracy(x.as_ref(), &y).unwrap(), 1.0);
    let bad = Mat::<f64>::zeros(4, 3);
    assert!(matches!(
        net.forward(bad.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        Mlp::<f64>::new(&[3], 0),
        Err(Error::InvalidArgument { .. })
    ));
    let layer = &net.layers[0];
    let g_bad = Mat::<f64>::zeros(4, 5);
    assert!(matches!(
        layer.backward(x.as_ref(), g_bad.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn rnn_step_matches_hand_loop() {
    let mut rng = Rng::new(13);
    let (inp, hid, steps) = (3, 4, 6);
    let cell = ElmanCell::<f64> {
        w_xh: rng.normal_mat(inp, hid, 0.5),
        w_hh: rng.normal_mat(hid, hid, 0.5),
        b: (0..hid).map(|j| 0.1 * j as f64).collect(),
    };
    let xs: Mat<f64> = rng.normal_mat(steps, inp, 1.0);
    let h0 = vec![0.2, -0.1, 0.0, 0.3];
    let hs = cell.forward_sequence(xs.as_ref(), &h0).unwrap();
    let mut h = h0.clone();
    for t in 0..steps {
        let mut next = vec![0.0; hid];
        for (j, nj) in next.iter_mut().enumerate() {
            let mut a = cell.b[j];
            for i in 0..inp {
                a += xs[(t, i)] * cell.w_xh[(i, j)];
            }
            for (i, hi) in h.iter().enumerate() {
                a += hi * cell.w_hh[(i, j)];
            }
            *nj = a.tanh();
        }
        let stepped = cell.step(xs.row(t), &h).unwrap();
        for j in 0..hid {
            assert!((hs[(t, j)] - next[j]).abs() < 1e-14, "t={t} j={j}");
            assert!((stepped[j] - next[j]).abs() < 1e-14);
        }
        h = next;
    }
    assert!(matches!(
        cell.step(&[1.0, 2.0], &h0),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        cell.step(xs.row(0), &[0.0; 3]),
        Err(Error::DimensionMismatch { .. })
    ));
}

// --------------------------------------------------------- transformations

use oxblas::ml::transform::Affine;

#[test]
fn transformations_compose() {
    use std::f64::consts::FRAC_PI_2;
    let pts = Mat::<f64>::from_rows(&[[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]]).unwrap();
    // Rotate 90 degrees, then translate by (10, 20).
    let t = Affine::rotation_2d(FRAC_PI_2)
        .then(&Affine::translation(&[10.0, 20.0]).unwrap())
        .unwrap();
    let out = t.apply(pts.as_ref()).unwrap();
    let want = Mat::<f64>::from_rows(&[[10.0, 21.0], [8.0, 20.0], [11.0, 19.0]]).unwrap();
    assert!(max_abs_diff(&out, &want) < 1e-14);
    // The other order: translate then rotate.
    let t2 = Affine::translation(&[10.0, 20.0])
        .unwrap()
        .then(&Affine::rotation_2d(FRAC_PI_2))
        .unwrap();
    let out2 = t2.apply(pts.as_ref()).unwrap();
    let want2 = Mat::<f64>::from_rows(&[[-20.0, 11.0], [-22.0, 10.0], [-19.0, 9.0]]).unwrap();
    assert!(max_abs_diff(&out2, &want2) < 1e-13);
    // 3D: scale by 2, rotate 90 degrees about z, translate by (0, 0, 5).
    let p3 = Mat::<f64>::from_rows(&[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]).unwrap();
    let t3 = Affine::scaling(&[2.0, 2.0, 2.0])
        .unwrap()
        .then(&Affine::rotation_3d([0.0, 0.0, 3.0], FRAC_PI_2).unwrap())
        .unwrap()
        .then(&Affine::translation(&[0.0, 0.0, 5.0]).unwrap())
        .unwrap();
    let o3 = t3.apply(p3.as_ref()).unwrap();
    let w3 = Mat::<f64>::from_rows(&[[0.0, 2.0, 5.0], [0.0, 0.0, 7.0]]).unwrap();
    assert!(max_abs_diff(&o3, &w3) < 1e-14);
    // Errors: mixed dimensions, wrong point width, bad axis, bad dimension.
    assert!(matches!(t.then(&t3), Err(Error::DimensionMismatch { .. })));
    assert!(matches!(
        t.apply(p3.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        Affine::rotation_3d([0.0; 3], 1.0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Affine::<f64>::translation(&[1.0]),
        Err(Error::InvalidArgument { .. })
    ));
}

// --------------------------------------------------------------------- ALS

use oxblas::ml::als::{als_fit, constant_rmse, AlsOptions};

const DIGITS: &str = include_str!("../data/digits.csv");

#[test]
fn als_beats_mean_baseline_on_shipped_data() {
    let all: Mat<f64> = parse_csv(DIGITS, Some(','), 0).unwrap();
    assert_eq!(all.shape(), (1797, 65));
    let users = 400; // a debug-friendly slice of the images
    let mut rng = Rng::new(2024);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for u in 0..users {
        for i in 0..64 {
            let e = (u, i, all[(u, i)]);
            if rng.uniform() < 0.2 {
                test.push(e)
            } else {
                train.push(e)
            }
        }
    }
    let opts = AlsOptions {
        rank: 8,
        lambda: 0.05,
        iterations: 8,
        seed: 1,
    };
    let model = als_fit(&train, users, 64, opts).unwrap();
    let mean = model.mean;
    let base = constant_rmse(&test, mean).unwrap();
    let held = model.rmse(&test).unwrap();
    let tr = model.rmse(&train).unwrap();
    assert!(held < 0.6 * base, "held-out {held} vs baseline {base}");
    assert!(tr < held);
    let h = &model.train_rmse_history;
    assert!(h.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-9)), "{h:?}");
    // Errors.
    let bad = AlsOptions { rank: 0, ..opts };
    assert!(matches!(
        als_fit(&train, users, 64, bad),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        als_fit(&train, users, 10, opts),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        als_fit::<f64>(&[], 3, 3, opts),
        Err(Error::InvalidArgument { .. })
    ));
}
