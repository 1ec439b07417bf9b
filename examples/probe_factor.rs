//! Times the simd backend's LU, Cholesky and QR against OpenBLAS's LAPACK
//! (`dgetrf`, `dpotrf`, `dgeqrf` through LAPACKE) in one process, on the same
//! inputs, alternating the two and taking medians.
//!
//! `cargo run --release --example probe_factor --features openblas [-- quick] [lu|chol|qr] [N...] [threads] [solo [t2]] [inv] [f32] [ab [rounds=R]]`
//!
//! Prints GFLOP/s of each (LU 2n^3/3, Cholesky n^3/3, QR 4n^3/3) and the
//! ratio `simd / openblas` (above 1: simd is faster). With `f32`: the LU and
//! QR in single precision against `sgetrf` / `sgeqrf` (Cholesky stays f64;
//! with `threads`, the simd LU, Cholesky and QR in f32, OpenBLAS in f64). OpenBLAS factors a
//! column-major copy made outside the timed region; the simd time includes
//! its own copy of the input, as the API does. With `threads`: the simd LU,
//! Cholesky and QR at n = 1024 with 2 threads against 1 (wall clock), beside
//! OpenBLAS's own 2-against-1 speed-up. With `solo`: only the
//! simd factorizations, in a loop, for a profiler (`t2`: on 2 threads). With
//! `ab`: the simd factorization (LU unless `chol` or `qr` is named) at
//! n = 1024 on 1 and 2 threads interleaved call by call, 21 rounds unless
//! `rounds=R`, for A/B runs under `chrt -f 10`. With `inv`: the LU
//! inverse from given factors against `dgetri` (1 thread).

use std::time::Instant;

use oxblas_core::Mat;
use oxblas_simd::lapack::{cholesky, lu, qr};

#[path = "probe_common/mod.rs"]
mod common;
use common::{median, race, random, reps_for, spd, thread_cpu_seconds};

const COL_MAJOR: i32 = 102;

#[link(name = "openblas")]
extern "C" {
    fn openblas_set_num_threads(n: i32);
}

#[link(name = "lapacke")]
extern "C" {
    fn LAPACKE_dgetrf(layout: i32, m: i32, n: i32, a: *mut f64, lda: i32, ipiv: *mut i32) -> i32;
    fn LAPACKE_dpotrf(layout: i32, uplo: u8, n: i32, a: *mut f64, lda: i32) -> i32;
    fn LAPACKE_dgeqrf(layout: i32, m: i32, n: i32, a: *mut f64, lda: i32, tau: *mut f64) -> i32;
    fn LAPACKE_dgetri(layout: i32, n: i32, a: *mut f64, lda: i32, ipiv: *const i32) -> i32;
    fn LAPACKE_sgetrf(layout: i32, m: i32, n: i32, a: *mut f32, lda: i32, ipiv: *mut i32) -> i32;
    fn LAPACKE_sgeqrf(layout: i32, m: i32, n: i32, a: *mut f32, lda: i32, tau: *mut f32) -> i32;
}

/// The LAPACK LU and QR of one precision.
trait Lapack: oxblas_core::Scalar {
    /// `getrf` of the `n x n` column-major `a`; returns `info`.
    fn getrf(n: i32, a: &mut [Self], ipiv: &mut [i32]) -> i32;
    /// `geqrf` of the `n x n` column-major `a`; returns `info`.
    fn geqrf(n: i32, a: &mut [Self], tau: &mut [Self]) -> i32;
}

impl Lapack for f64 {
    fn getrf(n: i32, a: &mut [f64], ipiv: &mut [i32]) -> i32 {
        assert!(a.len() >= (n * n) as usize && ipiv.len() >= n as usize);
        // SAFETY: a is n x n column-major, ipiv has n entries (asserted).
        unsafe { LAPACKE_dgetrf(COL_MAJOR, n, n, a.as_mut_ptr(), n, ipiv.as_mut_ptr()) }
    }
    fn geqrf(n: i32, a: &mut [f64], tau: &mut [f64]) -> i32 {
        assert!(a.len() >= (n * n) as usize && tau.len() >= n as usize);
        // SAFETY: a is n x n column-major, tau has n entries (asserted).
        unsafe { LAPACKE_dgeqrf(COL_MAJOR, n, n, a.as_mut_ptr(), n, tau.as_mut_ptr()) }
    }
}

impl Lapack for f32 {
    fn getrf(n: i32, a: &mut [f32], ipiv: &mut [i32]) -> i32 {
        assert!(a.len() >= (n * n) as usize && ipiv.len() >= n as usize);
        // SAFETY: a is n x n column-major, ipiv has n entries (asserted).
        unsafe { LAPACKE_sgetrf(COL_MAJOR, n, n, a.as_mut_ptr(), n, ipiv.as_mut_ptr()) }
    }
    fn geqrf(n: i32, a: &mut [f32], tau: &mut [f32]) -> i32 {
        assert!(a.len() >= (n * n) as usize && tau.len() >= n as usize);
        // SAFETY: a is n x n column-major, tau has n entries (asserted).
        unsafe { LAPACKE_sgeqrf(COL_MAJOR, n, n, a.as_mut_ptr(), n, tau.as_mut_ptr()) }
    }
}

/// `lu` row of the table in precision `T`.
fn run_lu<T: Lapack>(rounds: usize, n: usize) {
    let a: Mat<T> = random(n, n, n as u64).map(|&x| T::from_f64(x));
    let flops = 2.0 * (n as f64).powi(3) / 3.0;
    let src = a.transpose().into_vec();
    let mut buf = src.clone();
    let mut ipiv = vec![0i32; n];
    let ours = lu::factor(a.as_ref()).expect("finite square input");
    let (ts, to) = race(
        rounds,
        reps_for(flops),
        &mut || {
            timed(|| {
                std::hint::black_box(lu::factor(a.as_ref()).expect("finite"));
            })
        },
        &mut || {
            buf.copy_from_slice(&src);
            timed(|| assert_eq!(T::getrf(n as i32, &mut buf, &mut ipiv), 0))
        },
    );
    let same = ours
        .pivots
        .iter()
        .zip(&ipiv)
        .all(|(&p, &q)| p as i32 == q - 1);
    report(
        "lu",
        n,
        flops,
        ts,
        to,
        if same { "" } else { "(pivots differ)" },
    );
}

/// `qr` row of the table in precision `T`.
fn run_qr<T: Lapack>(rounds: usize, n: usize) {
    let a: Mat<T> = random(n, n, 3 + n as u64).map(|&x| T::from_f64(x));
    let flops = 4.0 * (n as f64).powi(3) / 3.0;
    let src = a.transpose().into_vec();
    let mut buf = src.clone();
    let mut tau = vec![T::ZERO; n];
    let (ts, to) = race(
        rounds,
        reps_for(flops),
        &mut || {
            timed(|| {
                std::hint::black_box(qr::factor(a.as_ref()).expect("finite"));
            })
        },
        &mut || {
            buf.copy_from_slice(&src);
            timed(|| assert_eq!(T::geqrf(n as i32, &mut buf, &mut tau), 0))
        },
    );
    report("qr", n, flops, ts, to, "");
}

fn col_major(a: &Mat<f64>) -> Vec<f64> {
    a.transpose().into_vec()
}

static WALL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Seconds taken by `f`: thread CPU time, or wall time in the threads section.
fn timed(f: impl FnOnce()) -> f64 {
    if WALL.load(std::sync::atomic::Ordering::Relaxed) {
        let t = Instant::now();
        f();
        return t.elapsed().as_secs_f64();
    }
    let t = thread_cpu_seconds();
    f();
    thread_cpu_seconds() - t
}

fn main() {
    // Debian's liblapack.so.3 (which LAPACKE calls) carries its own copy of
    // the OpenBLAS runtime: `openblas_set_num_threads` does not reach it, the
    // environment variable (read when the libraries load) does. Re-run self
    // with it set.
    if std::env::var_os("OPENBLAS_NUM_THREADS").is_none() {
        let exe = std::env::current_exe().expect("path of this example");
        let status = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OPENBLAS_NUM_THREADS", "1")
            .status()
            .expect("re-run with OPENBLAS_NUM_THREADS=1");
        std::process::exit(status.code().unwrap_or(1));
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("openblas-threads-child") {
        openblas_threads_child(&args[1..]);
        return;
    }
    let quick = args.iter().any(|a| a == "quick");
    let f32 = args.iter().any(|a| a == "f32");
    let rounds = if quick { 3 } else { 7 };
    let only: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "lu" | "chol" | "qr"))
        .collect();
    let want = |op: &str| only.is_empty() || only.contains(&op);
    // SAFETY: plain FFI call that sets OpenBLAS's thread count.
    unsafe { openblas_set_num_threads(1) };
    oxblas_simd::set_num_threads(1);
    println!(
        "{}, 1 thread, thread CPU time, median of {rounds} rounds (GFLOP/s; ratio simd/openblas)",
        if f32 { "f32 (lu, qr)" } else { "f64" }
    );
    println!(
        "{:<10} {:>6} {:>10} {:>10} {:>8}",
        "op", "n", "simd", "openblas", "ratio"
    );
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![64, 256, 1024];
    }
    if args.iter().any(|a| a == "ab") {
        ab(&args, f32);
        return;
    }
    if args.iter().any(|a| a == "solo") {
        if args.iter().any(|a| a == "t2") {
            oxblas_simd::set_num_threads(2);
        }
        solo(&sizes, &want);
        return;
    }
    if args.iter().any(|a| a == "inv") {
        inv(rounds, &sizes);
        return;
    }
    for &n in &sizes {
        let nn = n as i32;
        if want("lu") {
            if f32 {
                run_lu::<f32>(rounds, n);
            } else {
                run_lu::<f64>(rounds, n);
            }
        }
        if want("chol") {
            let a = spd(n);
            let flops = (n as f64).powi(3) / 3.0;
            let mut buf = col_major(&a);
            let src = buf.clone();
            let (ts, to) = race(
                rounds,
                reps_for(flops),
                &mut || {
                    timed(|| {
                        std::hint::black_box(cholesky::factor(a.as_ref()).expect("spd"));
                    })
                },
                &mut || {
                    buf.copy_from_slice(&src);
                    timed(|| {
                        // SAFETY: buf is n x n column-major.
                        let info =
                            unsafe { LAPACKE_dpotrf(COL_MAJOR, b'L', nn, buf.as_mut_ptr(), nn) };
                        assert_eq!(info, 0);
                    })
                },
            );
            report("cholesky", n, flops, ts, to, "");
        }
        if want("qr") {
            if f32 {
                run_qr::<f32>(rounds, n);
            } else {
                run_qr::<f64>(rounds, n);
            }
        }
    }
    if args.iter().any(|a| a == "gemm") {
        // The simd gemm on the operand layouts the factorizations pass it.
        use oxblas_core::Par;
        let n = 512;
        let (a, b) = (random(n, n, 1), random(n, n, 2));
        let mut c = Mat::zeros(n, n);
        for (name, ta, tb, tc) in [
            ("A B -> C", false, false, false),
            ("A^T B -> C", true, false, false),
            ("A B^T -> C", false, true, false),
            ("A B -> C^T", false, false, true),
            ("A^T B -> C^T", true, false, true),
        ] {
            let av = if ta { a.t() } else { a.as_ref() };
            let bv = if tb { b.t() } else { b.as_ref() };
            let t = median(
                (0..rounds)
                    .map(|_| {
                        timed(|| {
                            let cv = if tc { c.as_mut().t() } else { c.as_mut() };
                            oxblas_simd::gemm::gemm(-1.0, av, bv, 1.0, cv, Par::Seq).expect("fit");
                        })
                    })
                    .collect(),
            );
            println!(
                "gemm {name:<14} n = {n}: {:.2} GFLOP/s",
                2.0 * (n as f64).powi(3) / t * 1e-9
            );
        }
        for (m, nn, k) in [
            (512, 512, 16),
            (512, 512, 32),
            (512, 512, 64),
            (32, 32, 512),
            (64, 64, 512),
            (1024, 16, 16),
            (16, 512, 16),
            (256, 256, 256),
            (128, 128, 128),
            (64, 64, 64),
            (32, 32, 32),
        ] {
            let (a, b) = (
                random(m.max(k), m.max(k), 1),
                random(k.max(nn), k.max(nn), 2),
            );
            let mut c = Mat::zeros(m, nn);
            let av = a.as_ref().submatrix(0, 0, m, k).expect("fits");
            let bv = b.as_ref().submatrix(0, 0, k, nn).expect("fits");
            let reps = (1e8 / (2.0 * (m * nn * k) as f64)).max(1.0) as usize;
            let t = median(
                (0..rounds)
                    .map(|_| {
                        timed(|| {
                            for _ in 0..reps {
                                oxblas_simd::gemm::gemm(-1.0, av, bv, 1.0, c.as_mut(), Par::Seq)
                                    .expect("fit");
                            }
                        }) / reps as f64
                    })
                    .collect(),
            );
            println!(
                "gemm {m}x{nn}x{k}: {:.2} GFLOP/s",
                2.0 * (m * nn * k) as f64 / t * 1e-9
            );
        }
    }
    if args.iter().any(|a| a == "threads") {
        threads(rounds, &want, f32);
    }
}

/// Wall seconds of one call of each of the three LAPACK factorizations at
/// order `n` (column-major copies restored outside the timed region).
fn openblas_call(op: &str, n: usize) -> Box<dyn FnMut() -> f64> {
    let a = match op {
        "chol" => spd(n),
        "lu" => random(n, n, 1),
        _ => random(n, n, 3 + n as u64),
    };
    let src = col_major(&a);
    let mut buf = src.clone();
    let mut ipiv = vec![0i32; n];
    let mut tau = vec![0.0; n];
    let nn = n as i32;
    let op = op.to_string();
    Box::new(move || {
        buf.copy_from_slice(&src);
        timed(|| {
            // SAFETY: buf is n x n column-major; ipiv and tau have n entries.
            let info = unsafe {
                match op.as_str() {
                    "lu" => {
                        LAPACKE_dgetrf(COL_MAJOR, nn, nn, buf.as_mut_ptr(), nn, ipiv.as_mut_ptr())
                    }
                    "chol" => LAPACKE_dpotrf(COL_MAJOR, b'L', nn, buf.as_mut_ptr(), nn),
                    _ => LAPACKE_dgeqrf(COL_MAJOR, nn, nn, buf.as_mut_ptr(), nn, tau.as_mut_ptr()),
                }
            };
            assert_eq!(info, 0);
        })
    })
}

/// `inv`: the inverse from given LU factors, 1 thread (thread CPU time):
/// simd `lu::inverse` (getri's method) and simd `lu::solve` against the
/// identity (the former method) against OpenBLAS's `dgetri` (GFLOP/s at
/// getri's 4n^3/3; ratios simd/openblas).
fn inv(rounds: usize, sizes: &[usize]) {
    println!(
        "{:<6} {:>12} {:>12} {:>12} {:>8} {:>8}",
        "n", "getri", "solve(I)", "openblas", "ratio", "ratio(I)"
    );
    for &n in sizes {
        let a = random(n, n, 11 + n as u64);
        let f = lu::factor(a.as_ref()).expect("finite");
        let id = Mat::<f64>::identity(n);
        let mut buf = col_major(&a);
        let mut ipiv = vec![0i32; n];
        let nn = n as i32;
        // SAFETY: buf is n x n column-major, ipiv has n entries.
        assert_eq!(
            unsafe { LAPACKE_dgetrf(COL_MAJOR, nn, nn, buf.as_mut_ptr(), nn, ipiv.as_mut_ptr()) },
            0
        );
        let src = buf.clone();
        let flops = 4.0 * (n as f64).powi(3) / 3.0;
        let reps = reps_for(flops);
        let (tg, to) = race(
            rounds,
            reps,
            &mut || timed(|| drop(std::hint::black_box(lu::inverse(&f).expect("nonsingular")))),
            &mut || {
                buf.copy_from_slice(&src);
                timed(|| {
                    // SAFETY: buf holds the n x n factors, ipiv their pivots.
                    let info = unsafe {
                        LAPACKE_dgetri(COL_MAJOR, nn, buf.as_mut_ptr(), nn, ipiv.as_ptr())
                    };
                    assert_eq!(info, 0);
                })
            },
        );
        let (ts, _) = race(
            rounds,
            reps,
            &mut || {
                timed(|| {
                    drop(std::hint::black_box(
                        lu::solve(&f, id.as_ref()).expect("ok"),
                    ))
                })
            },
            &mut || 0.0,
        );
        let g = |t: f64| flops / t * 1e-9;
        println!(
            "{n:<6} {:>12.2} {:>12.2} {:>12.2} {:>8.2} {:>8.2}",
            g(tg),
            g(ts),
            g(to),
            to / tg,
            to / ts
        );
    }
}

/// (median, min) of `rounds` calls.
fn med_min(rounds: usize, f: &mut dyn FnMut() -> f64) -> (f64, f64) {
    f();
    let v: Vec<f64> = (0..rounds).map(|_| f()).collect();
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    (median(v), min)
}

/// `threads`: simd 1 vs 2 threads at n = 1024 (wall clock, 1T and 2T calls
/// interleaved so that load from other processes hits both alike), and
/// OpenBLAS's own 1 vs 2 threads for context (its 2-thread run is a child
/// process started with OPENBLAS_NUM_THREADS=2: the LAPACK copy of the runtime
/// reads the thread count only when it loads).
fn threads(rounds: usize, want: &dyn Fn(&str) -> bool, f32: bool) {
    let n = 1024;
    WALL.store(true, std::sync::atomic::Ordering::Relaxed);
    let ops: Vec<&str> = ["lu", "chol", "qr"]
        .into_iter()
        .filter(|op| want(op))
        .collect();
    let exe = std::env::current_exe().expect("path of this example");
    let child = std::process::Command::new(exe)
        .arg("openblas-threads-child")
        .args(&ops)
        .arg(rounds.to_string())
        .env("OPENBLAS_NUM_THREADS", "2")
        .output()
        .expect("run the 2-thread OpenBLAS child");
    let child_out = String::from_utf8_lossy(&child.stdout).to_string();
    let ob2 = |op: &str| -> Option<(f64, f64)> {
        let line = child_out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(op))?;
        let v: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        Some((*v.first()?, *v.get(1)?))
    };
    println!(
        "n = {n}, wall clock, {rounds} rounds: seconds as median (min); speed-up = 1T / 2T; \
         simd in {}, OpenBLAS in f64",
        if f32 { "f32" } else { "f64" }
    );
    println!(
        "{:<6} {:>17} {:>17} {:>12}   {:>17} {:>17} {:>12}",
        "op", "simd 1T", "simd 2T", "speed-up", "openblas 1T", "openblas 2T", "speed-up"
    );
    for op in ops {
        let a = match op {
            "chol" => spd(n),
            "lu" => random(n, n, 1),
            _ => random(n, n, 3 + n as u64),
        };
        let (s1, s2) = if f32 {
            simd_threads(op, a.map(|&x| x as f32), rounds)
        } else {
            simd_threads(op, a, rounds)
        };
        let o1 = med_min(rounds, &mut openblas_call(op, n));
        let cell = |t: (f64, f64)| format!("{:.4} ({:.4})", t.0, t.1);
        let up = |a: (f64, f64), b: (f64, f64)| format!("{:.2} ({:.2})", a.0 / b.0, a.1 / b.1);
        let (o2, oup) = match ob2(op) {
            Some(o2) => (cell(o2), up(o1, o2)),
            None => ("-".to_string(), "-".to_string()),
        };
        println!(
            "{op:<6} {:>17} {:>17} {:>12}   {:>17} {:>17} {:>12}",
            cell(s1),
            cell(s2),
            up(s1, s2),
            cell(o1),
            o2,
            oup
        );
    }
}

/// One simd factorization (`lu`, `chol` or anything else: QR) of `a`.
fn simd_factor<T: oxblas_core::Scalar>(op: &str, a: &Mat<T>) {
    match op {
        "lu" => drop(std::hint::black_box(
            lu::factor(a.as_ref()).expect("finite"),
        )),
        "chol" => drop(std::hint::black_box(
            cholesky::factor(a.as_ref()).expect("spd"),
        )),
        _ => drop(std::hint::black_box(
            qr::factor(a.as_ref()).expect("finite"),
        )),
    }
}

/// Median and minimum wall seconds of the simd `op` on `a` with 1 and 2
/// threads, the two interleaved call by call.
fn simd_threads<T: oxblas_core::Scalar>(
    op: &str,
    a: Mat<T>,
    rounds: usize,
) -> ((f64, f64), (f64, f64)) {
    let run = || simd_factor(op, &a);
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    for threads in [1usize, 2] {
        oxblas_simd::set_num_threads(threads);
        run();
    }
    for _ in 0..rounds {
        oxblas_simd::set_num_threads(1);
        t1.push(timed(run));
        oxblas_simd::set_num_threads(2);
        t2.push(timed(run));
    }
    oxblas_simd::set_num_threads(1);
    let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    (
        (median(t1.clone()), min(&t1)),
        (median(t2.clone()), min(&t2)),
    )
}

/// `ab [lu|chol|qr] [f32] [rounds=R]`: the simd factorization at n = 1024
/// with 1 and 2 threads, interleaved call by call (meant to run under
/// `chrt -f 10`); prints the 1T and 2T wall medians, and the median with
/// quartiles of the per-round ratios 1T / 2T.
fn ab(args: &[String], f32: bool) {
    WALL.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = args
        .iter()
        .find_map(|a| a.strip_prefix("rounds=")?.parse().ok())
        .unwrap_or(21usize);
    let op = ["lu", "chol", "qr"]
        .into_iter()
        .find(|op| args.iter().any(|a| a == op))
        .unwrap_or("lu");
    let n = 1024;
    let a = match op {
        "chol" => spd(n),
        "lu" => random(n, n, 1),
        _ => random(n, n, 3 + n as u64),
    };
    let (t1, t2) = if f32 {
        ab_rounds(op, a.map(|&x| x as f32), rounds)
    } else {
        ab_rounds(op, a, rounds)
    };
    let mut r: Vec<f64> = t1.iter().zip(&t2).map(|(a, b)| a / b).collect();
    r.sort_by(f64::total_cmp);
    let q = |f: f64| r[((r.len() - 1) as f64 * f).round() as usize];
    println!(
        "ab {op} n = {n} {}: 1T {:.2} ms, 2T {:.2} ms, ratio of medians {:.3} \
         (per-round ratios 1T / 2T: q1 {:.3}, median {:.3}, q3 {:.3}; {rounds} rounds)",
        if f32 { "f32" } else { "f64" },
        median(t1.clone()) * 1e3,
        median(t2.clone()) * 1e3,
        median(t1) / median(t2),
        q(0.25),
        q(0.5),
        q(0.75)
    );
}

/// The wall times of `rounds` interleaved 1T and 2T calls of `op` on `a`.
fn ab_rounds<T: oxblas_core::Scalar>(op: &str, a: Mat<T>, rounds: usize) -> (Vec<f64>, Vec<f64>) {
    let run = || simd_factor(op, &a);
    for threads in [1usize, 2, 1, 2] {
        oxblas_simd::set_num_threads(threads);
        run();
    }
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        oxblas_simd::set_num_threads(1);
        t1.push(timed(run));
        oxblas_simd::set_num_threads(2);
        t2.push(timed(run));
    }
    oxblas_simd::set_num_threads(1);
    (t1, t2)
}

/// The child of `threads`: OpenBLAS alone, thread count from the
/// environment; prints `op median min` lines.
fn openblas_threads_child(args: &[String]) {
    WALL.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3);
    for op in ["lu", "chol", "qr"] {
        if args.iter().any(|a| a == op) {
            let (med, min) = med_min(rounds, &mut openblas_call(op, 1024));
            println!("{op} {med} {min}");
        }
    }
}

/// `solo`: runs only the simd factorizations, about 3 s per (op, n), for a
/// profiler (`perf record`); prints the mean time per call.
fn solo(sizes: &[usize], want: &dyn Fn(&str) -> bool) {
    for &n in sizes {
        for op in ["lu", "chol", "qr"] {
            if !want(op) {
                continue;
            }
            let a = if op == "chol" {
                spd(n)
            } else {
                random(n, n, n as u64)
            };
            let call = || simd_factor(op, &a);
            let start = Instant::now();
            let mut calls = 0usize;
            while start.elapsed().as_secs_f64() < 3.0 {
                call();
                calls += 1;
            }
            let per = start.elapsed().as_secs_f64() / calls as f64;
            println!(
                "solo {op:<6} n = {n:>5}: {:.1} us per call ({calls} calls)",
                per * 1e6
            );
        }
    }
}

fn report(op: &str, n: usize, flops: f64, ts: f64, to: f64, note: &str) {
    println!(
        "{op:<10} {n:>6} {:>10.2} {:>10.2} {:>8.2} {note}",
        flops / ts * 1e-9,
        flops / to * 1e-9,
        to / ts
    );
}
