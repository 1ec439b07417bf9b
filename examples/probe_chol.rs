//! Times the pieces of the simd backend's Cholesky against OpenBLAS in one
//! process, on the same inputs (f64, one thread, thread CPU time, medians of
//! alternated rounds): the whole factorization (`dpotrf`), the right-side
//! solve `X L^T = B` of its panel (`dtrsm`), and its trailing update
//! (`dsyrk`, lower triangle).
//!
//! `cargo run --release --example probe_chol --features simd,openblas -- [chol N...] [chol32 N...] [trsm M K] [syrk N K]`
//!
//! `chol32` times the f32 factorization against `spotrf` the same way.
//!
//! Prints GFLOP/s of each and the ratio `openblas time / simd time` (above
//! 1: simd is faster).

use oxblas_core::{Diag, Mat, MatMut, MatRef, Side, Uplo};
use oxblas_simd::lapack::cholesky;
use oxblas_simd::level3;

#[path = "probe_common/mod.rs"]
mod common;
use common::{median, random, spd, thread_cpu_seconds};

const ROW_MAJOR: i32 = 101;
const COL_MAJOR: i32 = 102;

#[link(name = "openblas")]
extern "C" {
    fn openblas_set_num_threads(n: i32);
    #[allow(clippy::too_many_arguments)]
    fn cblas_dtrsm(
        order: i32,
        side: i32,
        uplo: i32,
        ta: i32,
        diag: i32,
        m: i32,
        n: i32,
        alpha: f64,
        a: *const f64,
        lda: i32,
        b: *mut f64,
        ldb: i32,
    );
    #[allow(clippy::too_many_arguments)]
    fn cblas_dsyrk(
        order: i32,
        uplo: i32,
        trans: i32,
        n: i32,
        k: i32,
        alpha: f64,
        a: *const f64,
        lda: i32,
        beta: f64,
        c: *mut f64,
        ldc: i32,
    );
}

#[link(name = "lapacke")]
extern "C" {
    fn LAPACKE_dpotrf(layout: i32, uplo: u8, n: i32, a: *mut f64, lda: i32) -> i32;
    fn LAPACKE_spotrf(layout: i32, uplo: u8, n: i32, a: *mut f32, lda: i32) -> i32;
}

/// Alternates the two (each runs `reps` calls and returns their seconds),
/// 7 rounds; returns the median seconds per call of each.
fn race(
    flops: f64,
    x: &mut dyn FnMut(usize) -> f64,
    y: &mut dyn FnMut(usize) -> f64,
) -> (f64, f64) {
    let reps = ((1e8 / flops) as usize).clamp(1, 500);
    x(1);
    y(1);
    let (mut tx, mut ty) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        tx.push(x(reps) / reps as f64);
        ty.push(y(reps) / reps as f64);
    }
    (median(tx), median(ty))
}

fn report(what: &str, flops: f64, (ts, to): (f64, f64)) {
    println!(
        "{what:<24} simd {:>6.2} GF/s  openblas {:>6.2} GF/s  ratio {:>5.2}",
        flops / ts * 1e-9,
        flops / to * 1e-9,
        to / ts
    );
}

fn chol(n: usize) {
    let a = spd(n);
    let src = a.transpose().into_vec();
    let mut buf = src.clone();
    let nn = n as i32;
    let flops = (n as f64).powi(3) / 3.0;
    let t = race(
        flops,
        &mut |reps| {
            let t = thread_cpu_seconds();
            for _ in 0..reps {
                std::hint::black_box(cholesky::factor(a.as_ref()).expect("spd"));
            }
            thread_cpu_seconds() - t
        },
        &mut |reps| {
            let mut s = 0.0;
            for _ in 0..reps {
                buf.copy_from_slice(&src);
                let t = thread_cpu_seconds();
                // SAFETY: buf is n x n column-major.
                let info = unsafe { LAPACKE_dpotrf(COL_MAJOR, b'L', nn, buf.as_mut_ptr(), nn) };
                s += thread_cpu_seconds() - t;
                assert_eq!(info, 0);
            }
            s
        },
    );
    report(&format!("dpotrf n={n}"), flops, t);
}

/// As [`chol`] for f32 (`spotrf`), on the same matrix rounded to f32.
fn chol32(n: usize) {
    let a = spd(n);
    let a: Mat<f32> = Mat::from_fn(n, n, |i, j| a[(i, j)] as f32);
    let src = a.transpose().into_vec();
    let mut buf = src.clone();
    let nn = n as i32;
    let flops = (n as f64).powi(3) / 3.0;
    let t = race(
        flops,
        &mut |reps| {
            let t = thread_cpu_seconds();
            for _ in 0..reps {
                std::hint::black_box(cholesky::factor(a.as_ref()).expect("spd"));
            }
            thread_cpu_seconds() - t
        },
        &mut |reps| {
            let mut s = 0.0;
            for _ in 0..reps {
                buf.copy_from_slice(&src);
                let t = thread_cpu_seconds();
                // SAFETY: buf is n x n column-major.
                let info = unsafe { LAPACKE_spotrf(COL_MAJOR, b'L', nn, buf.as_mut_ptr(), nn) };
                s += thread_cpu_seconds() - t;
                assert_eq!(info, 0);
            }
            s
        },
    );
    report(&format!("spotrf n={n}"), flops, t);
}

fn trsm(m: usize, k: usize) {
    let mut l = random(k, k, 3);
    for i in 0..k {
        l[(i, i)] = 4.0;
    }
    let b = random(m, k, 4);
    let (mut x1, mut x2) = (b.clone(), b.clone());
    let flops = (m * k * k) as f64;
    let t = race(
        flops,
        &mut |reps| {
            let mut s = 0.0;
            for _ in 0..reps {
                x1.as_mut_slice().copy_from_slice(b.as_slice());
                let t = thread_cpu_seconds();
                level3::trsm(
                    Side::Right,
                    Uplo::Upper,
                    Diag::NonUnit,
                    1.0,
                    l.t(),
                    x1.as_mut(),
                )
                .expect("fit");
                s += thread_cpu_seconds() - t;
            }
            s
        },
        &mut |reps| {
            let mut s = 0.0;
            for _ in 0..reps {
                x2.as_mut_slice().copy_from_slice(b.as_slice());
                let t = thread_cpu_seconds();
                // SAFETY: row-major buffers; right, lower, trans, non-unit.
                unsafe {
                    cblas_dtrsm(
                        ROW_MAJOR,
                        142,
                        122,
                        112,
                        131,
                        m as i32,
                        k as i32,
                        1.0,
                        l.as_slice().as_ptr(),
                        k as i32,
                        x2.as_mut_slice().as_mut_ptr(),
                        k as i32,
                    )
                };
                s += thread_cpu_seconds() - t;
            }
            s
        },
    );
    let err = x1
        .as_slice()
        .iter()
        .zip(x2.as_slice())
        .fold(0.0f64, |e, (a, b)| e.max((a - b).abs()));
    report(&format!("dtrsm R/L^T m={m} k={k}"), flops, t);
    assert!(err < 1e-10, "trsm results differ by {err}");
}

fn syrk(n: usize, k: usize) {
    let a = random(n, k, 5);
    let (mut c1, mut c2) = (Mat::<f64>::zeros(n, n), Mat::<f64>::zeros(n, n));
    let flops = (n * n * k) as f64;
    let av: MatRef<'_, f64> = a.as_ref();
    let t = race(
        flops,
        &mut |reps| {
            let t = thread_cpu_seconds();
            for _ in 0..reps {
                let cv: MatMut<'_, f64> = c1.as_mut();
                level3::syrk(Uplo::Lower, -1.0, av, 1.0, cv).expect("fit");
            }
            thread_cpu_seconds() - t
        },
        &mut |reps| {
            let t = thread_cpu_seconds();
            for _ in 0..reps {
                // SAFETY: row-major buffers; lower, no-trans.
                unsafe {
                    cblas_dsyrk(
                        ROW_MAJOR,
                        122,
                        111,
                        n as i32,
                        k as i32,
                        -1.0,
                        a.as_slice().as_ptr(),
                        k as i32,
                        1.0,
                        c2.as_mut_slice().as_mut_ptr(),
                        n as i32,
                    )
                };
            }
            thread_cpu_seconds() - t
        },
    );
    report(&format!("dsyrk n={n} k={k}"), flops, t);
}

/// `reps` simd factorizations of order `n` (f32 if `single`), nothing else,
/// for profilers; prints the mean GFLOP/s (per CPU second of the calling
/// thread, and per wall-clock second).
fn prof(n: usize, reps: usize, single: bool) {
    let a = spd(n);
    let a32: Mat<f32> = Mat::from_fn(n, n, |i, j| a[(i, j)] as f32);
    let t0 = std::time::Instant::now();
    let t = thread_cpu_seconds();
    for _ in 0..reps {
        if single {
            std::hint::black_box(cholesky::factor(a32.as_ref()).expect("spd"));
        } else {
            std::hint::black_box(cholesky::factor(a.as_ref()).expect("spd"));
        }
    }
    let t = (thread_cpu_seconds() - t) / reps as f64;
    let w = t0.elapsed().as_secs_f64() / reps as f64;
    let f = (n as f64).powi(3) / 3.0 * 1e-9;
    println!(
        "simd n={n} threads={}: {:.2} GF/s per caller CPU second, {:.2} GF/s wall",
        oxblas_simd::num_threads(),
        f / t,
        f / w
    );
}

fn main() {
    // LAPACKE's copy of the OpenBLAS runtime reads its thread count from the
    // environment when it loads: re-run self with it set.
    if std::env::var_os("OPENBLAS_NUM_THREADS").is_none() {
        let exe = std::env::current_exe().expect("path of this example");
        let status = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OPENBLAS_NUM_THREADS", "1")
            .status()
            .expect("re-run with OPENBLAS_NUM_THREADS=1");
        std::process::exit(status.code().unwrap_or(1));
    }
    // SAFETY: plain FFI call that sets OpenBLAS's thread count.
    unsafe { openblas_set_num_threads(1) };
    oxblas_simd::set_num_threads(1);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let num = |s: Option<&String>| s.and_then(|s| s.parse::<usize>().ok());
    while i < args.len() {
        match args[i].as_str() {
            "chol" | "chol32" => {
                let f32_mode = args[i] == "chol32";
                i += 1;
                while let Some(n) = num(args.get(i)) {
                    if f32_mode {
                        chol32(n)
                    } else {
                        chol(n)
                    }
                    i += 1;
                }
            }
            "prof" | "prof32" => {
                // Only the simd factorization, repeated (for `perf record`).
                let (x, y) = (num(args.get(i + 1)), num(args.get(i + 2)));
                let (Some(n), Some(reps)) = (x, y) else {
                    eprintln!("{} needs a size and a count", args[i]);
                    std::process::exit(2);
                };
                let threads = num(args.get(i + 3));
                oxblas_simd::set_num_threads(threads.unwrap_or(1));
                prof(n, reps, args[i] == "prof32");
                oxblas_simd::set_num_threads(1);
                i += if threads.is_some() { 4 } else { 3 };
            }
            "trsm" | "syrk" => {
                let (x, y) = (num(args.get(i + 1)), num(args.get(i + 2)));
                let (Some(x), Some(y)) = (x, y) else {
                    eprintln!("{} needs two sizes", args[i]);
                    std::process::exit(2);
                };
                if args[i] == "trsm" {
                    trsm(x, y)
                } else {
                    syrk(x, y)
                }
                i += 3;
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
}
