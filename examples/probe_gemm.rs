//! Times the simd backend's gemm against OpenBLAS's CBLAS in one process, on
//! the same inputs, alternating the two and taking medians.
//!
//! `cargo run --release --example probe_gemm --features openblas [-- quick] [cpu] [big|small|level3|threads]`
//! (runs itself again with `OPENBLAS_THREAD_TIMEOUT=20` unless that is set:
//! see `main`)
//!
//! (`quick`: 3 rounds instead of 7; `cpu`: time single-threaded cases by the
//! thread's CPU time instead of the wall clock, which a busy machine disturbs
//! less; `big`/`small`/`level3`/`threads`: only those cases.)
//!
//! Prints, per case, GFLOP/s of each, the ratio `simd / openblas` (above 1:
//! simd is faster) and the simd fraction of the single-core FMA peak
//! (47 GFLOP/s f64, 93 f32 on the reference machine). Results are checked to
//! agree before they are timed.

use std::hint::black_box;
use std::time::Instant;

use oxblas_core::{MatMut, MatRef, Par};
use oxblas_simd::{gemm, level3};

#[path = "probe_common/mod.rs"]
mod common;
use common::{median, process_cpu_seconds, thread_cpu_seconds};

const ROW_MAJOR: i32 = 101;
const NO_TRANS: i32 = 111;

#[link(name = "openblas")]
extern "C" {
    fn openblas_set_num_threads(n: i32);
    #[allow(clippy::too_many_arguments)]
    fn cblas_dgemm(
        order: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: f64,
        a: *const f64,
        lda: i32,
        b: *const f64,
        ldb: i32,
        beta: f64,
        c: *mut f64,
        ldc: i32,
    );
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
    #[allow(clippy::too_many_arguments)]
    fn cblas_sgemm(
        order: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: f32,
        a: *const f32,
        lda: i32,
        b: *const f32,
        ldb: i32,
        beta: f32,
        c: *mut f32,
        ldc: i32,
    );
}

/// The two element types, with their CBLAS gemm.
trait Elem: oxblas_core::Scalar {
    const PEAK: f64;
    fn cblas(m: usize, n: usize, k: usize, a: &[Self], b: &[Self], c: &mut [Self]);
}

impl Elem for f64 {
    const PEAK: f64 = 47.0;
    fn cblas(m: usize, n: usize, k: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
        let (m, n, k) = (m as i32, n as i32, k as i32);
        // SAFETY: row-major m x k, k x n, m x n buffers of exactly those sizes.
        unsafe {
            cblas_dgemm(
                ROW_MAJOR,
                NO_TRANS,
                NO_TRANS,
                m,
                n,
                k,
                1.0,
                a.as_ptr(),
                k,
                b.as_ptr(),
                n,
                0.0,
                c.as_mut_ptr(),
                n,
            )
        }
    }
}

impl Elem for f32 {
    const PEAK: f64 = 93.0;
    fn cblas(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
        let (m, n, k) = (m as i32, n as i32, k as i32);
        // SAFETY: as for f64.
        unsafe {
            cblas_sgemm(
                ROW_MAJOR,
                NO_TRANS,
                NO_TRANS,
                m,
                n,
                k,
                1.0,
                a.as_ptr(),
                k,
                b.as_ptr(),
                n,
                0.0,
                c.as_mut_ptr(),
                n,
            )
        }
    }
}

fn fill<T: Elem>(len: usize, seed: u64) -> Vec<T> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            T::from_f64(((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5)
        })
        .collect()
}

/// Whether single-threaded cases are timed by thread CPU time (`cpu` argument).
static CPU_CLOCK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Seconds per call of `f`, timed in samples of `reps` calls.
fn sample(reps: usize, f: &mut dyn FnMut()) -> f64 {
    if CPU_CLOCK.load(std::sync::atomic::Ordering::Relaxed) {
        let t = thread_cpu_seconds();
        for _ in 0..reps {
            f();
        }
        return (thread_cpu_seconds() - t) / reps as f64;
    }
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    t.elapsed().as_secs_f64() / reps as f64
}

/// Alternates the two closures `rounds` times; returns median seconds per call.
fn race(rounds: usize, reps: usize, x: &mut dyn FnMut(), y: &mut dyn FnMut()) -> (f64, f64) {
    x();
    y();
    let (mut tx, mut ty) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        tx.push(sample(reps, x));
        ty.push(sample(reps, y));
    }
    (median(tx), median(ty))
}

fn reps_for(flops: f64) -> usize {
    // About 20 ms per sample at ~30 GFLOP/s.
    ((0.02 * 30e9 / flops) as usize).clamp(1, 200_000)
}

fn check_close<T: Elem>(x: &[T], y: &[T], k: usize, what: &str) {
    let scale = x
        .iter()
        .fold(0.0f64, |m, v| m.max(v.to_f64().abs()))
        .max(1.0);
    for (i, (a, b)) in x.iter().zip(y).enumerate() {
        let err = (a.to_f64() - b.to_f64()).abs();
        assert!(
            err <= 8.0 * k as f64 * T::EPSILON.to_f64() * scale * k as f64,
            "{what}: results differ at {i}: {a} vs {b}"
        );
    }
}

fn case<T: Elem>(m: usize, n: usize, k: usize, par: Par, rounds: usize) {
    let a = fill::<T>(m * k, 1);
    let b = fill::<T>(k * n, 2);
    let mut c1 = vec![T::ZERO; m * n];
    let mut c2 = vec![T::ZERO; m * n];
    let av = MatRef::from_slice(&a, m, k).unwrap();
    let bv = MatRef::from_slice(&b, k, n).unwrap();
    let mut cv = MatMut::from_slice(&mut c1, m, n).unwrap();
    gemm::gemm(T::ONE, av, bv, T::ZERO, cv.rb_mut(), par).unwrap();
    T::cblas(m, n, k, &a, &b, &mut c2);
    check_close(cv.rb().to_owned().as_slice(), &c2, k, "gemm");
    let flops = 2.0 * (m * n * k) as f64;
    let reps = reps_for(flops);
    let (ts, to) = race(
        rounds,
        reps,
        &mut || {
            gemm::gemm(
                T::ONE,
                black_box(av),
                black_box(bv),
                T::ZERO,
                cv.rb_mut(),
                par,
            )
            .unwrap();
        },
        &mut || T::cblas(m, n, k, black_box(&a), black_box(&b), &mut c2),
    );
    let (gs, go) = (flops / ts / 1e9, flops / to / 1e9);
    println!(
        "{}gemm {m}x{n}x{k} {:<8} simd {:>7.2} GF/s ({:>9.0} ns)  openblas {:>7.2} GF/s ({:>9.0} ns)  ratio {:>5.2}x  peak {:>3.0}%",
        if T::DTYPE == oxblas_core::DType::F64 { 'd' } else { 's' },
        format!("{par:?}"),
        gs,
        ts * 1e9,
        go,
        to * 1e9,
        to / ts,
        100.0 * gs / (T::PEAK * par.threads() as f64),
    );
}

fn batched<T: Elem>(count: usize, s: usize, rounds: usize) {
    let a = fill::<T>(count * s * s, 3);
    let b = fill::<T>(count * s * s, 4);
    let mut c1 = vec![T::ZERO; count * s * s];
    let mut c2 = vec![T::ZERO; count * s * s];
    let flops = 2.0 * (count * s * s * s) as f64;
    let av: Vec<MatRef<'_, T>> = a
        .chunks(s * s)
        .map(|x| MatRef::from_slice(x, s, s).unwrap())
        .collect();
    let bv: Vec<MatRef<'_, T>> = b
        .chunks(s * s)
        .map(|x| MatRef::from_slice(x, s, s).unwrap())
        .collect();
    let mut cv: Vec<MatMut<'_, T>> = c1
        .chunks_mut(s * s)
        .map(|x| MatMut::from_slice(x, s, s).unwrap())
        .collect();
    let run_ob = |c2: &mut [T]| {
        for ((x, y), z) in a
            .chunks(s * s)
            .zip(b.chunks(s * s))
            .zip(c2.chunks_mut(s * s))
        {
            T::cblas(s, s, s, black_box(x), black_box(y), z);
        }
    };
    level3::gemm_batched(T::ONE, &av, &bv, T::ZERO, &mut cv).unwrap();
    run_ob(&mut c2);
    let got: Vec<T> = cv
        .iter()
        .flat_map(|c| c.rb().to_owned().into_vec())
        .collect();
    check_close(&got, &c2, s, "batched");
    let (ts, to) = race(
        rounds,
        reps_for(flops),
        &mut || {
            level3::gemm_batched(T::ONE, black_box(&av), black_box(&bv), T::ZERO, &mut cv).unwrap()
        },
        &mut || run_ob(&mut c2),
    );
    println!(
        "{}gemm batched {count} x {s}x{s}x{s}  simd {:>7.2} GF/s  openblas {:>7.2} GF/s  ratio {:>5.2}x",
        if T::DTYPE == oxblas_core::DType::F64 { 'd' } else { 's' },
        flops / ts / 1e9,
        flops / to / 1e9,
        to / ts
    );
}

/// On a machine whose other load makes wall-clock scaling meaningless: the
/// CPU time one call costs on one thread against the CPU time of all
/// threads of a `threads`-way call. The ratio is the parallel efficiency
/// (1.0: no work added by splitting); `threads * efficiency` bounds the
/// speed-up an idle machine would show.
fn parallel_efficiency<T: Elem>(n: usize, threads: usize, rounds: usize) {
    let a = fill::<T>(n * n, 5);
    let b = fill::<T>(n * n, 6);
    let mut c = vec![T::ZERO; n * n];
    let av = MatRef::from_slice(&a, n, n).unwrap();
    let bv = MatRef::from_slice(&b, n, n).unwrap();
    let mut cv = MatMut::from_slice(&mut c, n, n).unwrap();
    let (mut seq, mut par, mut wall_seq, mut wall_par) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let (t0, w0) = (thread_cpu_seconds(), Instant::now());
        gemm::gemm(T::ONE, av, bv, T::ZERO, cv.rb_mut(), Par::Seq).unwrap();
        seq.push(thread_cpu_seconds() - t0);
        wall_seq.push(w0.elapsed().as_secs_f64());
        let (t0, w0) = (process_cpu_seconds(), Instant::now());
        gemm::gemm(T::ONE, av, bv, T::ZERO, cv.rb_mut(), Par::Rayon(threads)).unwrap();
        par.push(process_cpu_seconds() - t0);
        wall_par.push(w0.elapsed().as_secs_f64());
    }
    let (s, p) = (median(seq), median(par));
    println!(
        "{}gemm {n}: {threads} threads: cpu {:.1} ms vs {:.1} ms on one thread, efficiency {:.2} \
         (bound on speed-up {:.2}x); wall speed-up on this machine {:.2}x",
        if T::DTYPE == oxblas_core::DType::F64 {
            'd'
        } else {
            's'
        },
        p * 1e3,
        s * 1e3,
        s / p,
        threads as f64 * s / p,
        median(wall_seq) / median(wall_par),
    );
}

/// dtrsm (left, lower, non-unit, n x n system with n right-hand sides) and
/// dsyrk (lower, n x n from n x n) against OpenBLAS.
fn level3_cases(n: usize, rounds: usize) {
    use oxblas_core::{Diag, Side, Uplo};
    let mut l = fill::<f64>(n * n, 7);
    for i in 0..n {
        l[i * n + i] = 4.0 + (i % 3) as f64;
    }
    let b = fill::<f64>(n * n, 8);
    let (mut x1, mut x2) = (b.clone(), b.clone());
    let lv = MatRef::from_slice(&l, n, n).unwrap();
    let flops = (n * n * n) as f64;
    let (ts, to) = race(
        rounds,
        reps_for(flops),
        &mut || {
            x1.copy_from_slice(&b);
            let xv = MatMut::from_slice(&mut x1, n, n).unwrap();
            level3::trsm(Side::Left, Uplo::Lower, Diag::NonUnit, 1.0, lv, xv).unwrap();
        },
        &mut || {
            x2.copy_from_slice(&b);
            let ni = n as i32;
            // SAFETY: row-major n x n buffers; 141/121/131: left, lower, non-unit.
            unsafe {
                cblas_dtrsm(
                    ROW_MAJOR,
                    141,
                    122,
                    NO_TRANS,
                    131,
                    ni,
                    ni,
                    1.0,
                    l.as_ptr(),
                    ni,
                    x2.as_mut_ptr(),
                    ni,
                )
            }
        },
    );
    check_close(&x1, &x2, n, "trsm");
    println!(
        "dtrsm L/lower {n}x{n}, {n} rhs  simd {:>7.2} GF/s  openblas {:>7.2} GF/s  ratio {:>5.2}x",
        flops / ts / 1e9,
        flops / to / 1e9,
        to / ts
    );
    // X L^T = B (right side, transposed lower: as in a Cholesky solve).
    let (ts, to) = race(
        rounds,
        reps_for(flops),
        &mut || {
            x1.copy_from_slice(&b);
            let xv = MatMut::from_slice(&mut x1, n, n).unwrap();
            level3::trsm(Side::Right, Uplo::Upper, Diag::NonUnit, 1.0, lv.t(), xv).unwrap();
        },
        &mut || {
            x2.copy_from_slice(&b);
            let ni = n as i32;
            // SAFETY: row-major n x n buffers; 142/122/112/131: right, lower, trans, non-unit.
            unsafe {
                cblas_dtrsm(
                    ROW_MAJOR,
                    142,
                    122,
                    112,
                    131,
                    ni,
                    ni,
                    1.0,
                    l.as_ptr(),
                    ni,
                    x2.as_mut_ptr(),
                    ni,
                )
            }
        },
    );
    check_close(&x1, &x2, n, "trsm right");
    println!(
        "dtrsm R/L^T {n}x{n}, {n} rows   simd {:>7.2} GF/s  openblas {:>7.2} GF/s  ratio {:>5.2}x",
        flops / ts / 1e9,
        flops / to / 1e9,
        to / ts
    );
    let a = fill::<f64>(n * n, 9);
    let (mut c1, mut c2) = (vec![0.0; n * n], vec![0.0; n * n]);
    let av = MatRef::from_slice(&a, n, n).unwrap();
    let (ts, to) = race(
        rounds,
        reps_for(flops),
        &mut || {
            let cv = MatMut::from_slice(&mut c1, n, n).unwrap();
            level3::syrk(Uplo::Lower, 1.0, av, 0.0, cv).unwrap();
        },
        &mut || {
            let ni = n as i32;
            // SAFETY: row-major n x n buffers; 122: lower.
            unsafe {
                cblas_dsyrk(
                    ROW_MAJOR,
                    122,
                    NO_TRANS,
                    ni,
                    ni,
                    1.0,
                    a.as_ptr(),
                    ni,
                    0.0,
                    c2.as_mut_ptr(),
                    ni,
                )
            }
        },
    );
    let lower = |c: &[f64]| -> Vec<f64> {
        (0..n)
            .flat_map(|i| c[i * n..i * n + i + 1].to_vec())
            .collect()
    };
    check_close(&lower(&c1), &lower(&c2), n, "syrk");
    println!(
        "dsyrk lower {n}x{n}             simd {:>7.2} GF/s  openblas {:>7.2} GF/s  ratio {:>5.2}x",
        flops / ts / 1e9,
        flops / to / 1e9,
        to / ts
    );
}

fn main() {
    // OpenBLAS's idle workers spin for 2^28 cycles (~0.1 s) after each
    // threaded call unless told otherwise before the library loads; the
    // threaded cases alternate OpenBLAS and simd, so run this probe again
    // with a short spin (as `cargo xtask bench` does) if none is set.
    if std::env::var_os("OPENBLAS_THREAD_TIMEOUT").is_none() {
        let status = std::process::Command::new(std::env::current_exe().expect("own path"))
            .args(std::env::args_os().skip(1))
            .env("OPENBLAS_THREAD_TIMEOUT", "20")
            .status()
            .expect("rerun with OPENBLAS_THREAD_TIMEOUT=20");
        std::process::exit(status.code().unwrap_or(1));
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "quick");
    let only = |what: &str| {
        let sel: Vec<&String> = args
            .iter()
            .filter(|a| *a != "quick" && *a != "cpu")
            .collect();
        sel.is_empty() || sel.iter().any(|a| *a == what)
    };
    let rounds = if quick { 3 } else { 7 };
    let cpu = args.iter().any(|a| a == "cpu");
    CPU_CLOCK.store(cpu, std::sync::atomic::Ordering::Relaxed);
    println!("oxblas-simd gemm: {}", gemm::arch_name());
    // SAFETY: plain setter of OpenBLAS's thread count.
    unsafe { openblas_set_num_threads(1) };
    // One thread for the simd backend too (batched gemm would use rayon).
    oxblas_simd::set_num_threads(1);
    if only("small") {
        for s in [4, 8, 16, 32, 64, 128] {
            case::<f64>(s, s, s, Par::Seq, rounds);
            case::<f32>(s, s, s, Par::Seq, rounds);
        }
        // One output column / row: the matrix-vector path.
        case::<f64>(2048, 1, 2048, Par::Seq, rounds);
        case::<f64>(1, 2048, 2048, Par::Seq, rounds);
        batched::<f64>(10_000, 8, rounds);
        batched::<f32>(10_000, 8, rounds);
    }
    if only("big") {
        for s in [256, 512, 1024] {
            case::<f64>(s, s, s, Par::Seq, rounds);
            case::<f32>(s, s, s, Par::Seq, rounds);
        }
        case::<f64>(4096, 64, 4096, Par::Seq, rounds);
        case::<f32>(4096, 64, 4096, Par::Seq, rounds);
    }
    if only("level3") {
        level3_cases(256, rounds);
        level3_cases(1024, rounds);
    }
    if only("threads") {
        // Threads are timed by the wall clock.
        CPU_CLOCK.store(false, std::sync::atomic::Ordering::Relaxed);
        // Own scaling: 2 threads against 1 (OpenBLAS also on 2 threads).
        // SAFETY: as above.
        unsafe { openblas_set_num_threads(2) };
        case::<f64>(1024, 1024, 1024, Par::Rayon(2), rounds);
        case::<f32>(1024, 1024, 1024, Par::Rayon(2), rounds);
        case::<f64>(256, 256, 256, Par::Rayon(2), rounds);
        oxblas_simd::set_num_threads(2);
        parallel_efficiency::<f64>(1024, 2, rounds);
        parallel_efficiency::<f32>(1024, 2, rounds);
        oxblas_simd::set_num_threads(1);
        // SAFETY: as above.
        unsafe { openblas_set_num_threads(1) };
        case::<f64>(1024, 1024, 1024, Par::Seq, rounds);
        case::<f32>(1024, 1024, 1024, Par::Seq, rounds);
    }
}
