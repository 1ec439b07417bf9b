//! Criterion benches of BLAS 3: square gemm (`C = A B`) on OpenBLAS, the
//! SIMD backend and the dispatcher, on the same inputs, one thread, f32 and
//! f64.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oxblas::backends::{OpenBlas, Simd};
use oxblas::{Auto, Backend, Mat, Scalar};

const SIZES: [usize; 3] = [8, 64, 256];

/// Deterministic `n x n` matrix with entries in [0.1, 1) (SplitMix64).
fn matrix<T: Scalar>(n: usize, seed: u64) -> Mat<T> {
    let mut s = seed;
    Mat::from_fn(n, n, |_, _| {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        T::from_f64(0.1 + 0.9 * ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64)
    })
}

fn gemm_on<B: Backend, T: Scalar>(a: &Mat<T>, b: &Mat<T>, c: &mut Mat<T>) {
    B::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).expect("conforming shapes")
}

fn gemm<T: Scalar>(c: &mut Criterion) {
    oxblas::set_num_threads(1);
    type Gemm<T> = fn(&Mat<T>, &Mat<T>, &mut Mat<T>);
    let backends: [(&str, Gemm<T>); 3] = [
        ("openblas", gemm_on::<OpenBlas, T>),
        ("simd", gemm_on::<Simd, T>),
        ("dispatcher", gemm_on::<Auto, T>),
    ];
    let mut g = c.benchmark_group(format!("gemm_{}", T::DTYPE.name()));
    for n in SIZES {
        let (a, b) = (matrix::<T>(n, 1), matrix::<T>(n, 2));
        let mut want = Mat::zeros(n, n);
        gemm_on::<OpenBlas, T>(&a, &b, &mut want);
        g.throughput(Throughput::Elements((2 * n * n * n) as u64));
        for (name, f) in backends {
            let mut out = Mat::zeros(n, n);
            f(&a, &b, &mut out);
            let tol = T::EPSILON.to_f64() * 4.0 * n as f64;
            assert!(
                out.as_slice()
                    .iter()
                    .zip(want.as_slice())
                    .all(|(p, q)| (p.to_f64() - q.to_f64()).abs() <= tol * q.to_f64().abs()),
                "{name}: gemm differs from OpenBLAS"
            );
            g.bench_with_input(BenchmarkId::new(name, n), &n, |bch, _| {
                bch.iter(|| f(black_box(&a), black_box(&b), black_box(&mut out)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, gemm::<f64>, gemm::<f32>);
criterion_main!(benches);
