//! A small MLP (64 -> 64 -> 10, relu, softmax cross-entropy, mini-batch SGD)
//! on the UCI handwritten digits shipped in `data/digits.csv`, in f32.
//! Fixed random 80/20 split; pixels scaled to [0, 1].
//!
//! `cargo run --release --example mlp_digits`

use oxblas::ml::data::{parse_csv, Rng};
use oxblas::ml::nn::{Mlp, Sgd};
use oxblas::Mat;
use std::time::Instant;

fn main() -> Result<(), oxblas::Error> {
    let all: Mat<f32> = parse_csv(include_str!("../data/digits.csv"), Some(','), 0)?;
    let n = all.rows();
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(0);
    rng.shuffle(&mut idx);
    let n_test = n / 5;
    let (test_idx, train_idx) = idx.split_at(n_test);
    let features = |rows: &[usize]| Mat::from_fn(rows.len(), 64, |i, j| all[(rows[i], j)] / 16.0);
    let labels = |rows: &[usize]| {
        rows.iter()
            .map(|&r| all[(r, 64)] as usize)
            .collect::<Vec<_>>()
    };
    let (xtr, ytr, xte, yte) = (
        features(train_idx),
        labels(train_idx),
        features(test_idx),
        labels(test_idx),
    );
    println!(
        "digits: {} train / {} test images, 64 pixels, 10 classes",
        xtr.rows(),
        xte.rows()
    );

    let mut net = Mlp::<f32>::new(&[64, 64, 10], 42)?;
    let sgd = Sgd { lr: 0.1 };
    let batch = 32;
    let mut order: Vec<usize> = (0..xtr.rows()).collect();
    let t = Instant::now();
    for epoch in 1..=30 {
        rng.shuffle(&mut order);
        let mut loss = 0.0;
        let mut batches = 0;
        for chunk in order.chunks(batch) {
            let xb = Mat::from_fn(chunk.len(), 64, |i, j| xtr[(chunk[i], j)]);
            let yb: Vec<usize> = chunk.iter().map(|&r| ytr[r]).collect();
            loss += net.train_step(xb.as_ref(), &yb, sgd)?;
            batches += 1;
        }
        if epoch % 5 == 0 || epoch == 1 {
            println!(
                "epoch {epoch:>2}: mean train loss {:.4}, train accuracy {:.4}, test accuracy {:.4}",
                loss / batches as f32,
                net.accuracy(xtr.as_ref(), &ytr)?,
                net.accuracy(xte.as_ref(), &yte)?
            );
        }
    }
    println!("training took {:.2} s", t.elapsed().as_secs_f64());
    let acc = net.accuracy(xte.as_ref(), &yte)?;
    let pred = net.predict(xte.as_ref())?;
    let mut confusion = [[0usize; 10]; 10];
    for (p, l) in pred.iter().zip(&yte) {
        confusion[*l][*p] += 1;
    }
    println!(
        "\nfinal test accuracy: {:.4} ({} of {})",
        acc,
        (acc * yte.len() as f64).round(),
        yte.len()
    );
    println!("confusion matrix (rows: true digit, columns: predicted):");
    for (d, row) in confusion.iter().enumerate() {
        println!(
            "  {d}: {}",
            row.iter().map(|c| format!("{c:>3}")).collect::<String>()
        );
    }
    Ok(())
}
