//! Matrix completion by alternating least squares.
//!
//! No real ratings dataset with a licence allowing redistribution is shipped
//! (see `data/README.md`: MovieLens forbids redistribution). Instead this
//! example completes a real matrix reshaped as a "user x item" table: the
//! UCI digits pixel matrix, 1797 images ("users") x 64 pixels ("items"),
//! values 0..16 ("ratings"). A random 20% of the entries is held out; ALS
//! is compared with the global-mean baseline (and the per-item mean).
//!
//! `cargo run --release --example als_ratings`

use oxblas::ml::als::{als_fit, constant_rmse, AlsOptions, Rating};
use oxblas::ml::data::{parse_csv, Rng};
use oxblas::Mat;
use std::time::Instant;

fn main() -> Result<(), oxblas::Error> {
    let all: Mat<f64> = parse_csv(include_str!("../data/digits.csv"), Some(','), 0)?;
    let (users, items) = (all.rows(), 64);
    let mut rng = Rng::new(2024);
    let (mut train, mut test): (Vec<Rating<f64>>, Vec<Rating<f64>>) = (Vec::new(), Vec::new());
    for u in 0..users {
        for i in 0..items {
            let e = (u, i, all[(u, i)]);
            if rng.uniform() < 0.2 {
                test.push(e);
            } else {
                train.push(e);
            }
        }
    }
    println!(
        "digits as a {users} x {items} 'ratings' matrix: {} training entries, {} held out",
        train.len(),
        test.len()
    );
    let mean = train.iter().map(|e| e.2).sum::<f64>() / train.len() as f64;
    let base = constant_rmse(&test, mean)?;
    let mut item_sum = vec![(0.0, 0usize); items];
    for &(_, i, r) in &train {
        item_sum[i].0 += r;
        item_sum[i].1 += 1;
    }
    let item_rmse = (test
        .iter()
        .map(|&(_, i, r)| {
            let m = item_sum[i].0 / item_sum[i].1.max(1) as f64;
            (r - m) * (r - m)
        })
        .sum::<f64>()
        / test.len() as f64)
        .sqrt();
    println!("baseline global mean {mean:.3}: held-out RMSE {base:.4}");
    println!("baseline per-item mean:    held-out RMSE {item_rmse:.4}\n");
    println!("rank  lambda  train RMSE  held-out RMSE  (vs global mean)  time");
    for (rank, lambda) in [(2, 0.05), (5, 0.05), (10, 0.05), (20, 0.05), (20, 0.5)] {
        let t = Instant::now();
        let model = als_fit(
            &train,
            users,
            items,
            AlsOptions {
                rank,
                lambda,
                iterations: 10,
                seed: 1,
            },
        )?;
        let el = t.elapsed();
        let (tr, te) = (model.rmse(&train)?, model.rmse(&test)?);
        println!(
            "{rank:>4}  {lambda:>6}  {tr:>10.4}  {te:>13.4}  {:>15.1}%  {:.0} ms",
            100.0 * te / base,
            el.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
