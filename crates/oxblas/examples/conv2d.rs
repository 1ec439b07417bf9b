//! conv2d three ways (im2col + gemm, FFT, direct loops): agreement and timing.
//!
//! `cargo run --release --example conv2d`

use oxblas::ml::conv::{conv2d_direct, conv2d_fft, conv2d_im2col, Conv2dParams, Tensor4};
use oxblas::ml::data::Rng;
use std::time::Instant;

fn time<R>(reps: usize, mut f: impl FnMut() -> R) -> (R, f64) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        out = Some(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    (out.expect("reps >= 1"), best)
}

fn main() -> Result<(), oxblas::Error> {
    let mut rng = Rng::new(1);
    let cases = [
        (
            "3x3, pad 1",
            [8, 16, 32, 32],
            [32, 16, 3, 3],
            (1, 1),
            (1, 1),
        ),
        (
            "3x3, stride 2",
            [8, 16, 32, 32],
            [32, 16, 3, 3],
            (2, 2),
            (1, 1),
        ),
        ("7x7, pad 3", [4, 8, 32, 32], [16, 8, 7, 7], (1, 1), (3, 3)),
        ("11x11", [2, 3, 64, 64], [8, 3, 11, 11], (1, 1), (0, 0)),
    ];
    println!(
        "{:<14} {:>18} {:>18} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "case", "input NCHW", "weight OIHW", "direct", "im2col", "fft", "|im2col-d|", "|fft-d|"
    );
    for (name, xs, ws, stride, padding) in cases {
        let x = Tensor4::<f32>::from_fn(xs, |_, _, _, _| rng.normal() as f32);
        let w = Tensor4::<f32>::from_fn(ws, |_, _, _, _| rng.normal() as f32 * 0.1);
        let bias: Vec<f32> = (0..ws[0]).map(|o| o as f32 * 0.01).collect();
        let p = Conv2dParams { stride, padding };
        let (d, td) = time(2, || conv2d_direct(&x, &w, Some(&bias), p));
        let (i, ti) = time(3, || conv2d_im2col(&x, &w, Some(&bias), p));
        let (f, tf) = time(3, || conv2d_fft(&x, &w, Some(&bias), p));
        let (d, i, f) = (d?, i?, f?);
        let diff = |a: &Tensor4<f32>| {
            a.as_slice()
                .iter()
                .zip(d.as_slice())
                .map(|(p, q)| (p - q).abs())
                .fold(0.0, f32::max)
        };
        println!(
            "{:<14} {:>18} {:>18} {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>10.2e} {:>10.2e}",
            name,
            format!("{xs:?}"),
            format!("{ws:?}"),
            td * 1e3,
            ti * 1e3,
            tf * 1e3,
            diff(&i),
            diff(&f)
        );
    }
    println!("\n(f32 data; the FFT path computes in f64. Times are the best of a few runs; machine is shared.)");
    Ok(())
}
