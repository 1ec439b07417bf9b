//! Criterion benches of LU with partial pivoting on OpenBLAS, the SIMD
//! backend and the dispatcher, on the same (random, pivoting) inputs, one
//! thread.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oxblas::backends::{OpenBlas, Simd};
use oxblas::{Auto, Backend, Mat};

const SIZES: [usize; 3] = [16, 64, 256];

/// Deterministic `n x n` matrix with entries in [-1, 1) (SplitMix64).
fn matrix(n: usize, seed: u64) -> Mat<f64> {
    let mut s = seed;
    Mat::from_fn(n, n, |_, _| {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        -1.0 + 2.0 * ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// The LU factors and pivots, flattened.
fn lu_on<B: Backend>(a: &Mat<f64>) -> (Vec<f64>, Vec<usize>) {
    let lu = B::lu(a.as_ref()).expect("finite square input");
    (lu.factors.into_vec(), lu.pivots)
}

type Lu = fn(&Mat<f64>) -> (Vec<f64>, Vec<usize>);

const LU: [(&str, Lu); 3] = [
    ("openblas", lu_on::<OpenBlas>),
    ("simd", lu_on::<Simd>),
    ("dispatcher", lu_on::<Auto>),
];

fn lu(c: &mut Criterion) {
    oxblas::set_num_threads(1);
    let mut g = c.benchmark_group("lu_f64");
    for n in SIZES {
        let a = matrix(n, 1);
        let (want, want_piv) = lu_on::<OpenBlas>(&a);
        let norm = want.iter().map(|x| x * x).sum::<f64>().sqrt();
        g.throughput(Throughput::Elements((2 * n * n * n / 3) as u64));
        for (name, f) in LU {
            let (got, piv) = f(&a);
            let diff = got
                .iter()
                .zip(&want)
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f64>();
            assert!(
                piv == want_piv && diff.sqrt() <= 1e3 * n as f64 * f64::EPSILON * norm,
                "{name}: LU differs from OpenBLAS"
            );
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| f(black_box(&a)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, lu);
criterion_main!(benches);
