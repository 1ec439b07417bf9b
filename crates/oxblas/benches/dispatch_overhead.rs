//! What the dispatcher costs per call: the same tiny operations through
//! `Auto` and straight on each compiled backend, alternating, in one
//! process. Prints the median nanoseconds per call of each.
//!
//! `cargo bench -p oxblas --features openblas --bench dispatch_overhead`

use std::hint::black_box;
use std::time::Instant;

use oxblas::{Auto, Backend, BackendId, Mat};

/// Times `a` and `b` alternately (`rounds` rounds of `iters` calls each)
/// and returns the median nanoseconds per call of each.
fn paired_ns(rounds: usize, iters: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        start.elapsed().as_nanos() as f64 / iters as f64
    };
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ta.push(time(&mut a));
        tb.push(time(&mut b));
    }
    let median = |mut t: Vec<f64>| {
        t.sort_by(|x, y| x.total_cmp(y));
        t[t.len() / 2]
    };
    (median(ta), median(tb))
}

fn report<B: Backend>(name: &str) {
    let x: Vec<f64> = (0..16).map(|i| i as f64).collect();
    let y = x.clone();
    let a = Mat::<f64>::from_fn(4, 4, |i, j| (i + j) as f64);
    let mut c1 = Mat::<f64>::zeros(4, 4);
    let mut c2 = Mat::<f64>::zeros(4, 4);
    let (dot_auto, dot_direct) = paired_ns(
        101,
        10_000,
        || {
            black_box(Auto::dot(black_box(&x[..]).into(), (&y[..]).into()).unwrap());
        },
        || {
            black_box(B::dot(black_box(&x[..]).into(), (&y[..]).into()).unwrap());
        },
    );
    let (gemm_auto, gemm_direct) = paired_ns(
        51,
        2_000,
        || Auto::gemm(1.0, black_box(a.as_ref()), a.as_ref(), 0.0, c1.as_mut()).unwrap(),
        || B::gemm(1.0, black_box(a.as_ref()), a.as_ref(), 0.0, c2.as_mut()).unwrap(),
    );
    println!(
        "Auto -> {}, direct {name}: dot n=16 {dot_auto:.1} vs {dot_direct:.1} ns; \
         gemm 4x4x4 {gemm_auto:.1} vs {gemm_direct:.1} ns",
        oxblas::active_backend(oxblas::Op::Dot, oxblas::DType::F64, &[16]),
    );
}

fn main() {
    println!(
        "{}",
        oxblas::explain(oxblas::Op::Dot, oxblas::DType::F64, &[16])
    );
    // Auto against the backend it routes to, so the difference is the dispatch.
    for id in oxblas::dispatch::COMPILED {
        oxblas::with_backend(*id, || match id {
            #[cfg(feature = "openblas")]
            BackendId::OpenBlas => report::<oxblas::backends::OpenBlas>("openblas"),
            #[cfg(feature = "simd")]
            BackendId::Simd => report::<oxblas::backends::Simd>("simd"),
            #[allow(unreachable_patterns)]
            _ => {}
        });
    }
    // And without an override: the table lookup (both backends compiled in)
    // or the direct call (one backend).
    match oxblas::active_backend(oxblas::Op::Dot, oxblas::DType::F64, &[16]) {
        #[cfg(feature = "openblas")]
        BackendId::OpenBlas => report::<oxblas::backends::OpenBlas>("openblas, no override"),
        #[cfg(feature = "simd")]
        BackendId::Simd => report::<oxblas::backends::Simd>("simd, no override"),
        #[allow(unreachable_patterns)]
        _ => {}
    }
}
