//! Ridge regression on the diabetes data of Efron et al. (2004), shipped in
//! `data/diabetes_*.csv`: 442 patients, 10 baseline variables, disease
//! progression after one year. A fixed random 80/20 split; features are
//! standardized with the training means and deviations.
//!
//! `cargo run --release --example ridge_diabetes`

use oxblas::ml::data::{parse_csv, Rng};
use oxblas::ml::linear::{fit_gd, fit_ols, fit_ridge, GdOptions};
use oxblas::Mat;

fn main() -> Result<(), oxblas::Error> {
    let x: Mat<f64> = parse_csv(include_str!("../data/diabetes_data_raw.csv"), None, 0)?;
    let y: Mat<f64> = parse_csv(include_str!("../data/diabetes_target.csv"), None, 0)?;
    println!("diabetes: {} patients x {} variables", x.rows(), x.cols());

    let mut idx: Vec<usize> = (0..x.rows()).collect();
    Rng::new(0).shuffle(&mut idx);
    let n_test = x.rows() / 5;
    let (test_idx, train_idx) = idx.split_at(n_test);
    let take =
        |m: &Mat<f64>, rows: &[usize]| Mat::from_fn(rows.len(), m.cols(), |i, j| m[(rows[i], j)]);
    let (mut xtr, ytr, mut xte, yte) = (
        take(&x, train_idx),
        take(&y, train_idx),
        take(&x, test_idx),
        take(&y, test_idx),
    );

    // Standardize with training statistics.
    for j in 0..x.cols() {
        let n = xtr.rows() as f64;
        let mean = (0..xtr.rows()).map(|i| xtr[(i, j)]).sum::<f64>() / n;
        let sd = ((0..xtr.rows())
            .map(|i| (xtr[(i, j)] - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        for i in 0..xtr.rows() {
            xtr[(i, j)] = (xtr[(i, j)] - mean) / sd;
        }
        for i in 0..xte.rows() {
            xte[(i, j)] = (xte[(i, j)] - mean) / sd;
        }
    }
    println!("train {} / test {} patients\n", xtr.rows(), xte.rows());

    let ols = fit_ols(xtr.as_ref(), ytr.as_ref(), true)?;
    println!(
        "OLS (lstsq):          train R^2 {:.4}  held-out R^2 {:.4}",
        ols.score(xtr.as_ref(), ytr.as_ref())?,
        ols.score(xte.as_ref(), yte.as_ref())?
    );
    for lambda in [0.0, 1.0, 10.0, 30.0, 100.0, 1000.0] {
        let m = fit_ridge(xtr.as_ref(), ytr.as_ref(), lambda, true)?;
        let norm = m.coef.as_slice().iter().map(|v| v * v).sum::<f64>().sqrt();
        println!(
            "ridge lambda {:>6}:  train R^2 {:.4}  held-out R^2 {:.4}  |w| {:>7.2}",
            lambda,
            m.score(xtr.as_ref(), ytr.as_ref())?,
            m.score(xte.as_ref(), yte.as_ref())?,
            norm
        );
    }

    let gd = fit_gd(
        xtr.as_ref(),
        ytr.as_ref(),
        true,
        GdOptions {
            learning_rate: None,
            max_iter: 200_000,
            tol: 1e-10,
        },
    )?;
    let diff = gd
        .model
        .coef
        .as_slice()
        .iter()
        .zip(ols.coef.as_slice())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "\nbatch gradient descent (step 1/L): {} iterations, converged {}, max |w_gd - w_ols| {:.2e}, held-out R^2 {:.4}",
        gd.iterations,
        gd.converged,
        diff,
        gd.model.score(xte.as_ref(), yte.as_ref())?
    );
    println!(
        "loss: start {:.1}, end {:.4} (half mean squared error of the centered fit)",
        gd.loss_history[0],
        gd.loss_history.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
