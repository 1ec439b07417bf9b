//! Criterion benches of BLAS 2: gemv (`y = A x`) on OpenBLAS, the SIMD
//! backend and the dispatcher, on the same inputs, one thread.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oxblas::backends::{OpenBlas, Simd};
use oxblas::{Auto, Backend, Mat, VecMut, VecRef};

const SIZES: [usize; 3] = [16, 128, 1024];

/// Deterministic values in [0.1, 1) (SplitMix64).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            0.1 + 0.9 * ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn gemv_on<B: Backend>(a: &Mat<f64>, x: &[f64], y: &mut [f64]) {
    B::gemv(1.0, a.as_ref(), VecRef::from(x), 0.0, VecMut::from(y)).expect("conforming shapes")
}

type Gemv = fn(&Mat<f64>, &[f64], &mut [f64]);

const GEMV: [(&str, Gemv); 3] = [
    ("openblas", gemv_on::<OpenBlas>),
    ("simd", gemv_on::<Simd>),
    ("dispatcher", gemv_on::<Auto>),
];

fn gemv(c: &mut Criterion) {
    oxblas::set_num_threads(1);
    let mut g = c.benchmark_group("gemv_f64");
    for n in SIZES {
        let a = Mat::from_vec(n, n, values(n * n, 1)).expect("n*n values");
        let x = values(n, 2);
        let mut want = vec![0.0; n];
        gemv_on::<OpenBlas>(&a, &x, &mut want);
        g.throughput(Throughput::Elements((2 * n * n) as u64));
        for (name, f) in GEMV {
            let mut y = vec![0.0; n];
            f(&a, &x, &mut y);
            let scale = n as f64 * 1e-15;
            assert!(
                y.iter()
                    .zip(&want)
                    .all(|(p, q)| (p - q).abs() <= scale * q.abs()),
                "{name}: gemv differs from OpenBLAS"
            );
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| f(black_box(&a), black_box(&x), black_box(&mut y)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, gemv);
criterion_main!(benches);
