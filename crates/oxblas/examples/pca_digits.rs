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

    // Randomized truncated SVD (k = 10) against the exact SVD.
    let k = 10;
    let t = Instant::now();
    let exact = Pca::fit(x.as_ref(), k)?;
    let t_exact = t.elapsed();
    let solver = PcaSolver::Randomized {
        oversample: 10,
        power_iters: 2,
        seed: 7,
    };
    let t = Instant::now();
    let rand = Pca::fit_with(x.as_ref(), k, solver)?;
    let t_rand = t.elapsed();
    let worst = exact
        .singular_values()
        .iter()
        .zip(rand.singular_values())
        .map(|(a, b)| (a - b).abs() / a)
        .fold(0.0, f64::max);
    println!(
        "\nrandomized SVD (k = {k}, oversample 10, 2 power iterations): worst relative singular-value error {worst:.2e}"
    );
    println!(
        "time: exact {:.2} ms, randomized {:.2} ms (all 64 components: {:.2} ms)",
        t_exact.as_secs_f64() * 1e3,
        t_rand.as_secs_f64() * 1e3,
        t_full.as_secs_f64() * 1e3
    );
    Ok(())
}
