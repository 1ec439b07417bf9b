//! Times the simd backend's QR (`geqrf`), thin `Q` (`orgqr`) and least
//! squares against OpenBLAS's LAPACK (`dgeqrf`, `dorgqr`, `dgelsd`) in one
//! process, on the same inputs, alternating the two and taking medians.
//!
//! `cargo run --release --example probe_qr --features openblas [-- qr|q|lstsq] [N...]`
//! (`-- loop N [q]`: only the simd QR (or thin Q) of an `N x N` matrix,
//! repeatedly for 10 s, for `perf`).
//!
//! Prints GFLOP/s (QR 4n^3/3; thin Q of a square matrix 4n^3/3; least squares
//! as seconds) and the ratio `openblas time / simd time` (above 1: simd is
//! faster). OpenBLAS works on a column-major copy made outside the timed
//! region; the simd time includes its own copies, as the API does.

use oxblas_core::{Backend, QrMode};
use oxblas_simd::lapack::qr;
use oxblas_simd::Simd;

#[path = "probe_common/mod.rs"]
mod common;
use common::{race, random, reps_for, timed};

const COL_MAJOR: i32 = 102;

#[link(name = "lapacke")]
extern "C" {
    fn LAPACKE_dgeqrf(layout: i32, m: i32, n: i32, a: *mut f64, lda: i32, tau: *mut f64) -> i32;
    fn LAPACKE_dorgqr(
        layout: i32,
        m: i32,
        n: i32,
        k: i32,
        a: *mut f64,
        lda: i32,
        tau: *const f64,
    ) -> i32;
    fn LAPACKE_dgelsd(
        layout: i32,
        m: i32,
        n: i32,
        nrhs: i32,
        a: *mut f64,
        lda: i32,
        b: *mut f64,
        ldb: i32,
        s: *mut f64,
        rcond: f64,
        rank: *mut i32,
    ) -> i32;
}

fn main() {
    // LAPACKE's runtime reads the thread count from the environment at load.
    if std::env::var_os("OPENBLAS_NUM_THREADS").is_none() {
        let exe = std::env::current_exe().expect("path of this example");
        let status = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OPENBLAS_NUM_THREADS", "1")
            .status()
            .expect("re-run with OPENBLAS_NUM_THREADS=1");
        std::process::exit(status.code().unwrap_or(1));
    }
    oxblas_simd::set_num_threads(1);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if args.iter().any(|a| a == "loop") {
        let n = sizes.first().copied().unwrap_or(1024);
        let a = random(n, n, 3);
        let f = qr::factor(a.as_ref()).expect("finite");
        let q = args.iter().any(|a| a == "q");
        let t = std::time::Instant::now();
        while t.elapsed().as_secs_f64() < 10.0 {
            if q {
                std::hint::black_box(qr::form_q(&f, QrMode::Reduced).expect("fits"));
            } else {
                std::hint::black_box(qr::factor(a.as_ref()).expect("finite"));
            }
        }
        return;
    }
    let rounds = 7;
    let want = |op: &str| {
        !args
            .iter()
            .any(|a| matches!(a.as_str(), "qr" | "q" | "lstsq"))
            || args.iter().any(|a| a == op)
    };
    let sizes = if sizes.is_empty() {
        vec![64, 256, 1024]
    } else {
        sizes
    };
    println!("f64, 1 thread, thread CPU time, median of {rounds} rounds (ratio openblas time / simd time)");
    for &n in &sizes {
        let nn = n as i32;
        let flops = 4.0 * (n as f64).powi(3) / 3.0;
        let a = random(n, n, 3 + n as u64);
        let src = a.transpose().into_vec();
        let mut buf = src.clone();
        let mut tau = vec![0.0; n];
        if want("qr") {
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
                    timed(|| {
                        // SAFETY: buf is n x n column-major, tau has n entries.
                        let info = unsafe {
                            LAPACKE_dgeqrf(
                                COL_MAJOR,
                                nn,
                                nn,
                                buf.as_mut_ptr(),
                                nn,
                                tau.as_mut_ptr(),
                            )
                        };
                        assert_eq!(info, 0);
                    })
                },
            );
            println!(
                "qr     {n:>6} simd {:>7.2} openblas {:>7.2} GFLOP/s  ratio {:.2}",
                flops / ts * 1e-9,
                flops / to * 1e-9,
                to / ts
            );
        }
        if want("q") {
            let f = qr::factor(a.as_ref()).expect("finite");
            buf.copy_from_slice(&src);
            // SAFETY: as above.
            let info = unsafe {
                LAPACKE_dgeqrf(COL_MAJOR, nn, nn, buf.as_mut_ptr(), nn, tau.as_mut_ptr())
            };
            assert_eq!(info, 0);
            let fac = buf.clone();
            let (ts, to) = race(
                rounds,
                reps_for(flops),
                &mut || {
                    timed(|| {
                        std::hint::black_box(qr::form_q(&f, QrMode::Reduced).expect("fits"));
                    })
                },
                &mut || {
                    buf.copy_from_slice(&fac);
                    timed(|| {
                        // SAFETY: buf is n x n column-major, tau has n entries.
                        let info = unsafe {
                            LAPACKE_dorgqr(
                                COL_MAJOR,
                                nn,
                                nn,
                                nn,
                                buf.as_mut_ptr(),
                                nn,
                                tau.as_ptr(),
                            )
                        };
                        assert_eq!(info, 0);
                    })
                },
            );
            println!(
                "form_q {n:>6} simd {:>7.2} openblas {:>7.2} GFLOP/s  ratio {:.2}",
                flops / ts * 1e-9,
                flops / to * 1e-9,
                to / ts
            );
        }
        if want("lstsq") {
            // A tall problem: (5n) x n, 3 right-hand sides.
            let (m, k) = (5 * n, 3);
            let a = random(m, n, 11 + n as u64);
            let b = random(m, k, 12 + n as u64);
            let (asrc, bsrc) = (a.transpose().into_vec(), b.transpose().into_vec());
            let (mut abuf, mut bbuf) = (asrc.clone(), bsrc.clone());
            let mut s = vec![0.0; n];
            let mut rank = 0i32;
            let (ts, to) = race(
                rounds,
                reps_for(2.0 * (m * n * n) as f64),
                &mut || {
                    timed(|| {
                        std::hint::black_box(
                            Simd::lstsq(a.as_ref(), b.as_ref(), None).expect("fits"),
                        );
                    })
                },
                &mut || {
                    abuf.copy_from_slice(&asrc);
                    bbuf.copy_from_slice(&bsrc);
                    timed(|| {
                        // SAFETY: abuf is m x n and bbuf m x k column-major, s has n entries.
                        let info = unsafe {
                            LAPACKE_dgelsd(
                                COL_MAJOR,
                                m as i32,
                                nn,
                                k as i32,
                                abuf.as_mut_ptr(),
                                m as i32,
                                bbuf.as_mut_ptr(),
                                m as i32,
                                s.as_mut_ptr(),
                                -1.0,
                                &mut rank,
                            )
                        };
                        assert_eq!(info, 0);
                    })
                },
            );
            println!(
                "lstsq  {m}x{n} (3 rhs) simd {:.3} ms openblas gelsd {:.3} ms  ratio {:.2}",
                ts * 1e3,
                to * 1e3,
                to / ts
            );
        }
    }
}
