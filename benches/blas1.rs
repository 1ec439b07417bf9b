//! Criterion benches of BLAS 1: dot and axpy on OpenBLAS, the SIMD backend
//! and the dispatcher, on the same inputs, one thread. The full sweep over
//! every op, size and thread count is `cargo xtask bench`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oxblas::backends::{OpenBlas, Simd};
use oxblas::{Auto, Backend, VecMut, VecRef};

const SIZES: [usize; 3] = [64, 4096, 262_144];

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

fn dot_on<B: Backend>(x: &[f64], y: &[f64]) -> f64 {
    B::dot(VecRef::from(x), VecRef::from(y)).expect("equal lengths")
}

fn axpy_on<B: Backend>(x: &[f64], y: &mut [f64]) {
    B::axpy(1e-3, VecRef::from(x), VecMut::from(y)).expect("equal lengths")
}

type Dot = fn(&[f64], &[f64]) -> f64;
type Axpy = fn(&[f64], &mut [f64]);

const DOT: [(&str, Dot); 3] = [
    ("openblas", dot_on::<OpenBlas>),
    ("simd", dot_on::<Simd>),
    ("dispatcher", dot_on::<Auto>),
];
const AXPY: [(&str, Axpy); 3] = [
    ("openblas", axpy_on::<OpenBlas>),
    ("simd", axpy_on::<Simd>),
    ("dispatcher", axpy_on::<Auto>),
];

fn dot(c: &mut Criterion) {
    oxblas::set_num_threads(1);
    let mut g = c.benchmark_group("dot_f64");
    for n in SIZES {
        let (x, y) = (values(n, 1), values(n, 2));
        let want = dot_on::<OpenBlas>(&x, &y);
        g.throughput(Throughput::Elements(n as u64));
        for (name, f) in DOT {
            // The same answer from every backend before any timing.
            let got = f(&x, &y);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "{name}: {got} vs {want}"
            );
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| f(black_box(&x), black_box(&y)))
            });
        }
    }
    g.finish();
}

fn axpy(c: &mut Criterion) {
    oxblas::set_num_threads(1);
    let mut g = c.benchmark_group("axpy_f64");
    for n in SIZES {
        let x = values(n, 3);
        let mut want = values(n, 4);
        axpy_on::<OpenBlas>(&x, &mut want);
        g.throughput(Throughput::Elements(n as u64));
        for (name, f) in AXPY {
            let mut y = values(n, 4);
            f(&x, &mut y);
            assert!(
                y.iter().zip(&want).all(|(a, b)| (a - b).abs() <= 1e-15),
                "{name}: axpy differs from OpenBLAS"
            );
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| f(black_box(&x), black_box(&mut y)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, dot, axpy);
criterion_main!(benches);
