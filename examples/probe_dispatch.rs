//! The dispatcher's cost on tiny calls: the public free function
//! (`oxblas::dot`, ..., through `Auto`) against the same call made directly
//! on the backend the dispatcher picks, in one process, on the same inputs.
//!
//! `cargo run --release --example probe_dispatch --features openblas [-- rounds=N threads=T]`
//! (without `--features openblas`: the simd-only build, where the dispatcher
//! has nothing to choose)
//!
//! Each case is timed as the bench times it: a batch of calls per sample
//! (through a function pointer, so neither side is inlined into the timing
//! loop), the two sides alternating within each round, a different one first
//! each round. Prints the median time per call of each side, the median of
//! the per-round differences (dispatcher minus direct) and of the per-round
//! ratios with their interquartile range.

use std::hint::black_box;
use std::time::Instant;

use oxblas::backends::Simd;
use oxblas::{Backend, BackendId, Mat, Op, Scalar, VecMut, VecRef};

#[cfg(feature = "openblas")]
use oxblas::backends::OpenBlas;

struct Inputs<T> {
    x: Vec<Vec<T>>,
    y: Vec<Vec<T>>,
    a: Vec<Mat<T>>,
    b: Vec<Mat<T>>,
    c: Vec<Mat<T>>,
}

const COPIES: usize = 8;

fn inputs<T: Scalar>(n: usize, m: usize) -> Inputs<T> {
    let mut s = 1u64;
    let mut r = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        T::from_f64(0.1 + (s >> 11) as f64 / (1u64 << 53) as f64)
    };
    let mut inp = Inputs {
        x: vec![],
        y: vec![],
        a: vec![],
        b: vec![],
        c: vec![],
    };
    for _ in 0..COPIES {
        inp.x.push((0..n).map(|_| r()).collect());
        inp.y.push((0..n).map(|_| r()).collect());
        inp.a.push(Mat::from_fn(m, m, |_, _| r()));
        inp.b.push(Mat::from_fn(m, m, |_, _| r()));
        inp.c.push(Mat::zeros(m, m));
    }
    inp
}

type Call<T> = fn(&mut Inputs<T>, usize);

fn dot_b<B: Backend, T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    black_box(B::dot(VecRef::from(&inp.x[i]), VecRef::from(&inp.y[i])).unwrap());
}
fn dot_free<T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    black_box(oxblas::dot(&inp.x[i], &inp.y[i]).unwrap());
}
fn axpy_b<B: Backend, T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    let (x, y) = (&inp.x[i], &mut inp.y[i]);
    B::axpy(T::from_f64(1e-3), VecRef::from(x), VecMut::from(y)).unwrap();
}
fn axpy_free<T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    let (x, y) = (&inp.x[i], &mut inp.y[i]);
    oxblas::axpy(T::from_f64(1e-3), x, y).unwrap();
}
fn nrm2_b<B: Backend, T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    black_box(B::nrm2(VecRef::from(&inp.x[i])));
}
fn nrm2_free<T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    black_box(oxblas::nrm2(&inp.x[i]));
}
fn gemv_b<B: Backend, T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    let (a, x, y) = (&inp.a[i], &inp.x[i], &mut inp.y[i]);
    B::gemv(
        T::ONE,
        a.as_ref(),
        VecRef::from(x),
        T::ZERO,
        VecMut::from(y),
    )
    .unwrap();
}
fn gemv_free<T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    let (a, x, y) = (&inp.a[i], &inp.x[i], &mut inp.y[i]);
    oxblas::gemv(T::ONE, a.as_ref(), x, T::ZERO, y).unwrap();
}
fn gemm_b<B: Backend, T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    let (a, b, c) = (&inp.a[i], &inp.b[i], &mut inp.c[i]);
    B::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).unwrap();
}
fn gemm_free<T: Scalar>(inp: &mut Inputs<T>, i: usize) {
    let (a, b, c) = (&inp.a[i], &inp.b[i], &mut inp.c[i]);
    oxblas::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).unwrap();
}

fn batch<T>(f: Call<T>, inp: &mut Inputs<T>, calls: usize) -> f64 {
    let t = Instant::now();
    for k in 0..calls {
        f(inp, k % COPIES);
    }
    t.elapsed().as_secs_f64() * 1e9 / calls as f64
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

struct Case<T> {
    name: &'static str,
    op: Op,
    shape: Vec<usize>,
    n: usize,
    m: usize,
    simd: Call<T>,
    /// The OpenBLAS call (the simd one again where OpenBLAS is not compiled in).
    openblas: Call<T>,
    free: Call<T>,
}

fn run<T: Scalar>(c: &Case<T>, rounds: usize) {
    let mut inp = inputs::<T>(c.n, c.m);
    let picked = oxblas::active_backend(c.op, T::DTYPE, &c.shape);
    let direct = if picked == BackendId::Simd {
        c.simd
    } else {
        c.openblas
    };
    let fns = [direct, c.free];
    batch(direct, &mut inp, 1000);
    batch(c.free, &mut inp, 1000);
    let mut calls = 16;
    while batch(direct, &mut inp, calls) * (calls as f64) < 40_000.0 {
        calls *= 2;
    }
    let mut s = [Vec::new(), Vec::new()];
    for r in 0..rounds {
        for j in 0..2 {
            let b = (r + j) % 2;
            s[b].push(batch(fns[b], &mut inp, calls));
        }
    }
    let mut diff: Vec<f64> = s[1].iter().zip(&s[0]).map(|(d, b)| d - b).collect();
    let mut ratio: Vec<f64> = s[1].iter().zip(&s[0]).map(|(d, b)| d / b).collect();
    let (mut a, mut d) = (s[0].clone(), s[1].clone());
    println!(
        "{:<14} {:?} -> {:<8} direct {:7.1} ns  dispatcher {:7.1} ns  diff {:+5.1} ns  ratio {:.3} ({:.3}-{:.3})",
        c.name,
        T::DTYPE,
        picked.to_string(),
        quantile(&mut a, 0.5),
        quantile(&mut d, 0.5),
        quantile(&mut diff, 0.5),
        quantile(&mut ratio, 0.5),
        quantile(&mut ratio, 0.25),
        quantile(&mut ratio, 0.75),
    );
}

macro_rules! cases {
    ($t:ty) => {{
        #[cfg(feature = "openblas")]
        macro_rules! ob {
            ($f:ident) => {
                $f::<OpenBlas, $t>
            };
        }
        #[cfg(not(feature = "openblas"))]
        macro_rules! ob {
            ($f:ident) => {
                $f::<Simd, $t>
            };
        }
        vec![
            Case::<$t> {
                name: "dot 64",
                op: Op::Dot,
                shape: vec![64],
                n: 64,
                m: 1,
                simd: dot_b::<Simd, $t>,
                openblas: ob!(dot_b),
                free: dot_free::<$t>,
            },
            Case::<$t> {
                name: "axpy 64",
                op: Op::Axpy,
                shape: vec![64],
                n: 64,
                m: 1,
                simd: axpy_b::<Simd, $t>,
                openblas: ob!(axpy_b),
                free: axpy_free::<$t>,
            },
            Case::<$t> {
                name: "nrm2 64",
                op: Op::Nrm2,
                shape: vec![64],
                n: 64,
                m: 1,
                simd: nrm2_b::<Simd, $t>,
                openblas: ob!(nrm2_b),
                free: nrm2_free::<$t>,
            },
            Case::<$t> {
                name: "gemv 16x16",
                op: Op::Gemv,
                shape: vec![16, 16],
                n: 16,
                m: 16,
                simd: gemv_b::<Simd, $t>,
                openblas: ob!(gemv_b),
                free: gemv_free::<$t>,
            },
            Case::<$t> {
                name: "gemm 8x8x8",
                op: Op::Gemm,
                shape: vec![8, 8, 8],
                n: 8,
                m: 8,
                simd: gemm_b::<Simd, $t>,
                openblas: ob!(gemm_b),
                free: gemm_free::<$t>,
            },
        ]
    }};
}

fn main() {
    let rounds = std::env::args()
        .filter_map(|a| a.strip_prefix("rounds=").and_then(|v| v.parse().ok()))
        .next()
        .unwrap_or(201);
    let threads: Vec<usize> = std::env::args()
        .filter_map(|a| a.strip_prefix("threads=").and_then(|v| v.parse().ok()))
        .collect();
    for &t in if threads.is_empty() {
        &[1usize][..]
    } else {
        &threads
    } {
        oxblas::set_num_threads(t);
        println!("threads {t}");
        for c in cases!(f64) {
            run(&c, rounds);
        }
        for c in cases!(f32) {
            run(&c, rounds);
        }
    }
}
