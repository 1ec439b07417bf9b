//! Times the simd backend's QR (`geqrf`), thin `Q` (`orgqr`) and least
//! squares against OpenBLAS's LAPACK (`dgeqrf`, `dorgqr`, `dgelsd`) in one
//! process, on the same inputs, alternating the two and taking medians.
//!
//! `cargo run --release --example probe_qr --features openblas [-- qr|q|lstsq] [N...]`
//! (`-- loop N [q]`: only the simd QR (or thin Q) of an `N x N` matrix,
//! repeatedly for 10 s, for `perf`).
//!
//! `-- wide [MxN...]`: wide least squares (`m < n`, 3 right-hand sides):
//! the simd backend's `lstsq` (LQ route at full rank), the SVD route it
//! replaced (`oxblas_core::lstsq_by_svd` on simd) and `dgelsd`, the three
//! taking turns in each round; prints milliseconds and the ratios
//! `svd route / lstsq` and `dgelsd / lstsq` (above 1: the LQ route is faster).
//! With `deficient`, `A` has rank `max(m / 2, 1)`: `lstsq` then pays the QR
//! and singular values of the LQ attempt before taking the SVD route.
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
use common::{median, race, random, reps_for, timed};

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
    if args.iter().any(|a| a == "wide") {
        let shapes: Vec<(usize, usize)> = args
            .iter()
            .filter_map(|a| {
                let (m, n) = a.split_once('x')?;
                Some((m.parse().ok()?, n.parse().ok()?))
            })
            .collect();
        let shapes = if shapes.is_empty() {
            vec![(3, 7), (64, 200), (255, 256), (200, 1000), (500, 1000)]
        } else {
            shapes
        };
        wide(&shapes, 5, args.iter().any(|a| a == "deficient"));
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

/// Wide least squares: simd `lstsq`, the simd SVD route and `dgelsd`, in
/// turn within each round (medians over `rounds` of `reps`-call means).
fn wide(shapes: &[(usize, usize)], rounds: usize, deficient: bool) {
    println!(
        "f64, 1 thread, thread CPU time, 3 rhs, median of {rounds} rounds \
         (ratios: other time / simd lstsq time){}",
        if deficient {
            ", rank max(m / 2, 1)"
        } else {
            ""
        }
    );
    for &(m, n) in shapes {
        let k = 3;
        let full = if deficient { (m / 2).max(1) } else { m };
        let a = if deficient {
            let (l, r) = (random(m, full, 23), random(full, n, 24));
            oxblas_core::Mat::from_fn(m, n, |i, j| (0..full).map(|p| l[(i, p)] * r[(p, j)]).sum())
        } else {
            random(m, n, 21 + (m * n) as u64)
        };
        let b = random(m, k, 22 + m as u64);
        // dgelsd's B holds max(m, n) rows: the solution comes back in it.
        let asrc = a.transpose().into_vec();
        let mut bsrc = vec![0.0; n * k];
        for j in 0..k {
            for i in 0..m {
                bsrc[j * n + i] = b[(i, j)];
            }
        }
        let (mut abuf, mut bbuf) = (asrc.clone(), bsrc.clone());
        let mut s = vec![0.0; m];
        let rcond = f64::EPSILON * n as f64;
        // Seconds of one call, and the rank it found (numpy's rcond).
        let mut gelsd = |abuf: &mut Vec<f64>, bbuf: &mut Vec<f64>| {
            abuf.copy_from_slice(&asrc);
            bbuf.copy_from_slice(&bsrc);
            let mut rank = 0i32;
            let t = timed(|| {
                // SAFETY: abuf is m x n column-major (lda m), bbuf n x k
                // column-major (ldb n >= max(m, n)), s has min(m, n) entries.
                let info = unsafe {
                    LAPACKE_dgelsd(
                        COL_MAJOR,
                        m as i32,
                        n as i32,
                        k as i32,
                        abuf.as_mut_ptr(),
                        m as i32,
                        bbuf.as_mut_ptr(),
                        n as i32,
                        s.as_mut_ptr(),
                        rcond,
                        &mut rank,
                    )
                };
                assert_eq!(info, 0);
            });
            (t, rank)
        };
        // The three agree (and the LQ route is taken: full rank).
        let x = Simd::lstsq(a.as_ref(), b.as_ref(), None).expect("fits");
        let y =
            oxblas_core::lstsq_by_svd::<Simd, f64>(a.as_ref(), b.as_ref(), rcond).expect("fits");
        let (_, rank) = gelsd(&mut abuf, &mut bbuf);
        assert_eq!(x.rank, full);
        assert_eq!(rank as usize, full);
        let (mut d_svd, mut d_lapack, mut nx) = (0.0f64, 0.0f64, 0.0f64);
        for i in 0..n {
            for j in 0..k {
                d_svd = d_svd.max((x.solution[(i, j)] - y.solution[(i, j)]).abs());
                d_lapack = d_lapack.max((x.solution[(i, j)] - bbuf[j * n + i]).abs());
                nx = nx.max(x.solution[(i, j)].abs());
            }
        }
        let reps = reps_for(2.0 * (m * m * n) as f64);
        let (mut tl, mut ts, mut tg) = (Vec::new(), Vec::new(), Vec::new());
        let lq = || {
            timed(|| {
                std::hint::black_box(Simd::lstsq(a.as_ref(), b.as_ref(), None).expect("fits"));
            })
        };
        let svd = || {
            timed(|| {
                std::hint::black_box(
                    oxblas_core::lstsq_by_svd::<Simd, f64>(a.as_ref(), b.as_ref(), rcond)
                        .expect("fits"),
                );
            })
        };
        lq();
        svd();
        for _ in 0..rounds {
            tl.push((0..reps).map(|_| lq()).sum::<f64>() / reps as f64);
            ts.push((0..reps).map(|_| svd()).sum::<f64>() / reps as f64);
            tg.push(
                (0..reps)
                    .map(|_| gelsd(&mut abuf, &mut bbuf).0)
                    .sum::<f64>()
                    / reps as f64,
            );
        }
        // Where the LQ route's time goes: the QR of A^T and the values-only
        // SVD of its m x m triangle (the rest is the solve and applying Q).
        let (mut tq, mut tv) = (Vec::new(), Vec::new());
        let f = qr::factor(a.t()).expect("finite");
        let r =
            oxblas_core::Mat::from_fn(m, m, |i, j| if i <= j { f.factors[(i, j)] } else { 0.0 });
        for _ in 0..rounds {
            tq.push(
                (0..reps)
                    .map(|_| timed(|| drop(std::hint::black_box(qr::factor(a.t())))))
                    .sum::<f64>()
                    / reps as f64,
            );
            tv.push(
                (0..reps)
                    .map(|_| {
                        timed(|| drop(std::hint::black_box(Simd::singular_values(r.as_ref()))))
                    })
                    .sum::<f64>()
                    / reps as f64,
            );
        }
        let ratio = |t: &[f64], u: &[f64]| {
            let mut r: Vec<f64> = t.iter().zip(u).map(|(t, u)| t / u).collect();
            r.sort_by(|x, y| x.partial_cmp(y).expect("finite"));
            (r[0], r[r.len() / 2], r[r.len() - 1])
        };
        let (s0, s1, s2) = ratio(&ts, &tl);
        let (g0, g1, g2) = ratio(&tg, &tl);
        println!(
            "lstsq wide {m:>4}x{n:<5} lstsq {:>9.3} ms  svd route {:>9.3} ms  dgelsd {:>9.3} ms  \
             svd/lstsq {s1:.2} [{s0:.2}..{s2:.2}]  dgelsd/lstsq {g1:.2} [{g0:.2}..{g2:.2}]  \
             max|dX|/max|X| svd {:.1e} dgelsd {:.1e}\n    (LQ attempt: QR of A^T {:.3} ms, values of R {:.3} ms)",
            median(tl.clone()) * 1e3,
            median(ts.clone()) * 1e3,
            median(tg.clone()) * 1e3,
            d_svd / nx,
            d_lapack / nx,
            median(tq) * 1e3,
            median(tv) * 1e3,
        );
    }
}
