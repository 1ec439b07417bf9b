//! PCA of the UCI handwritten digits (1797 images of 8x8 pixels, shipped in
//! `data/digits.csv`): explained variance, reconstruction error, and the
//! randomized truncated SVD against the exact one.
//!
//! `cargo run --release --example pca_digits`

use oxblas::ml::data::parse_csv;
use oxblas::ml::pca::{Pca, PcaSolver};
use oxblas::Mat;
use std::time::Instant;

fn main() -> Result<(), oxblas::Error> {
    let all: Mat<f64> = parse_csv(include_str!("../data/digits.csv"), Some(','), 0)?;
    let x = Mat::from_fn(all.rows(), 64, |i, j| all[(i, j)]);
    println!("digits: {} images x {} pixels", x.rows(), x.cols());

    let t = Instant::now();
    let full = Pca::fit(x.as_ref(), 64)?;
    let t_full = t.elapsed();
    let ratio = full.explained_variance_ratio();
    println!("\ncomponent  variance  ratio   cumulative");
    let mut cum = 0.0;
    for (c, (v, r)) in full
        .explained_variance()
        .iter()
        .zip(ratio)
        .enumerate()
        .take(10)
    {
        cum += r;
        println!("{:>9}  {:>8.3}  {:.4}  {:.4}", c + 1, v, r, cum);
    }
    for target in [0.5, 0.8, 0.9, 0.95, 0.99] {
        let mut acc = 0.0;
        let k = ratio.iter().take_while(|r| {
            let below = acc < target;
            acc += **r;
            below
        });
        println!(
            "components for {:>4.0}% of the variance: {}",
            target * 100.0,
            k.count()
        );
    }

    // Reconstruction with k components.
    for k in [2, 10, 20, 40] {
        let p = Pca::fit(x.as_ref(), k)?;
        let back = p.inverse_transform(p.transform(x.as_ref())?.as_ref())?;
        let mse: f64 = back
            .as_slice()
            .iter()
            .zip(x.as_slice())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            / x.as_slice().len() as f64;
        println!(
            "k = {k:>2}: mean squared reconstruction error per pixel {mse:.4} (pixel range 0..16)"
        );
    }

    // Randomized truncated SVD against the exact SVD, on the digits (slowly
    // decaying spectrum: power iterations matter) ...
    let k = 10;
    let t = Instant::now();
    let exact = Pca::fit(x.as_ref(), k)?;
    let t_exact = t.elapsed().as_secs_f64();
    println!("\nrandomized PCA of the digits, k = {k} (exact SVD: {:.1} ms; all 64 components: {:.1} ms)", t_exact * 1e3, t_full.as_secs_f64() * 1e3);
    for power_iters in [0, 2, 4] {
        let solver = PcaSolver::Randomized {
            oversample: 10,
            power_iters,
            seed: 7,
        };
        let t = Instant::now();
        let rand = Pca::fit_with(x.as_ref(), k, solver)?;
        let el = t.elapsed().as_secs_f64();
        println!(
            "  {power_iters} power iterations: worst relative singular-value error {:.1e}, {:.1} ms",
            worst_rel(exact.singular_values(), rand.singular_values()),
            el * 1e3
        );
    }

    // ... and on wide data (k << n), where the sketch pays off: the digits
    // with each image upsampled 8x8 -> 32x32 (1797 x 1024, nearest pixel), k = 10.
    let wide = Mat::from_fn(x.rows(), 1024, |i, j| {
        x[(i, (j / 32 / 4) * 8 + (j % 32) / 4)]
    });
    let t = Instant::now();
    let exact = Pca::fit(wide.as_ref(), k)?;
    let t_exact = t.elapsed().as_secs_f64();
    let solver = PcaSolver::Randomized {
        oversample: 10,
        power_iters: 4,
        seed: 7,
    };
    let t = Instant::now();
    let rand = Pca::fit_with(wide.as_ref(), k, solver)?;
    let t_rand = t.elapsed().as_secs_f64();
    println!(
        "upsampled digits {}x{}, k = {k}: exact {:.0} ms, randomized (4 power iterations) {:.0} ms ({:.1}x faster), worst relative singular-value error {:.1e}",
        wide.rows(),
        wide.cols(),
        t_exact * 1e3,
        t_rand * 1e3,
        t_exact / t_rand,
        worst_rel(exact.singular_values(), rand.singular_values())
    );
    Ok(())
}

fn worst_rel(exact: &[f64], approx: &[f64]) -> f64 {
    exact
        .iter()
        .zip(approx)
        .map(|(a, b)| (a - b).abs() / a)
        .fold(0.0, f64::max)
}
