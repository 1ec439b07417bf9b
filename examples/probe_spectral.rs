//! Times the simd backend's spectral decompositions (eigh, eigvalsh, svd,
//! singular_values, eig) against OpenBLAS's LAPACK (`?syevd`, `?gesdd`,
//! `?geev` through the openblas backend) in one process, on the same inputs,
//! single-threaded, alternating the two and taking medians.
//!
//! `cargo run --release --example probe_spectral --features openblas [-- OPS] [SIZES] [reps=N] [min]`
//!
//! `OPS` is a comma list of `eigh,eigvalsh,svd,sv,eig,bands` (default: all
//! but eig and bands), `SIZES` a comma list of orders (default `512,1024`).
//! `bands` times `eigvalsh` with its tridiagonal reduction forced, once per
//! entry of `bands=B1,B2,..` (default `0,16,32,48`; 0 is the one-stage
//! reduction, `b >= 1` the two-stage one through a band of `b` subdiagonals). Prints, per
//! case, both times, the ratio `openblas / simd` (above 1: simd is faster)
//! and the largest difference between the two backends' eigenvalues or
//! singular values, relative to the largest one. `min` reports the fastest
//! round of each backend instead of the median (steadier on a busy machine).
//! `solo=simd` or `solo=openblas` runs only that backend, `reps` times per
//! case, and prints its median: a loop to profile under `perf record`.
//! `f32` runs `eigh`, `eigvalsh` and `bands` in single precision (the same
//! matrices rounded; the other ops stay in f64).

use std::time::Instant;

use oxblas_core::{Backend, Mat, SvdMode};
use oxblas_openblas::OpenBlas;
use oxblas_simd::lapack::eigh::eigvalsh_with_band;
use oxblas_simd::Simd;

fn random(n: usize, seed: u64) -> Mat<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Mat::from_fn(n, n, |_, _| {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64) / (1u64 << 53) as f64 - 0.5
    })
}

static USE_MIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// 0: both backends; 1: simd only; 2: OpenBLAS only (`solo=`).
static SOLO: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// The median, or with `min` on the command line the minimum.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if USE_MIN.load(std::sync::atomic::Ordering::Relaxed) {
        return v[0];
    }
    v[v.len() / 2]
}

fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let m = a
        .iter()
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / m
}

/// Runs `f` once per backend per round; returns (simd, openblas) medians (or minima)
/// in seconds and the result difference of the last round.
fn time_pair(
    reps: usize,
    mut simd: impl FnMut() -> Vec<f64>,
    mut ob: impl FnMut() -> Vec<f64>,
) -> (f64, f64, f64) {
    let (mut ts, mut to) = (Vec::new(), Vec::new());
    let (mut rs, mut ro) = (Vec::new(), Vec::new());
    let solo = SOLO.load(std::sync::atomic::Ordering::Relaxed);
    for _ in 0..reps {
        if solo != 1 {
            let t = Instant::now();
            ro = ob();
            to.push(t.elapsed().as_secs_f64());
        }
        if solo != 2 {
            let t = Instant::now();
            rs = simd();
            ts.push(t.elapsed().as_secs_f64());
        }
    }
    if solo != 0 {
        // The missing side reads as the same time: ratio 1, no difference.
        let t = median(if solo == 1 { ts } else { to });
        return (t, t, 0.0);
    }
    (median(ts), median(to), rel_diff(&ro, &rs))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut ops = vec!["eigh", "eigvalsh", "svd", "sv"];
    let mut sizes = vec![512usize, 1024];
    let mut reps = 3;
    let mut bands = vec![0usize, 16, 32, 48];
    let mut single = false;
    for a in &args {
        if a == "f32" {
            single = true;
        } else if a == "min" {
            USE_MIN.store(true, std::sync::atomic::Ordering::Relaxed);
        } else if let Some(r) = a.strip_prefix("reps=") {
            reps = r.parse().expect("reps=N");
        } else if let Some(r) = a.strip_prefix("solo=") {
            let v = match r {
                "simd" => 1,
                "openblas" => 2,
                _ => panic!("solo=simd or solo=openblas"),
            };
            SOLO.store(v, std::sync::atomic::Ordering::Relaxed);
        } else if let Some(r) = a.strip_prefix("bands=") {
            bands = r.split(',').map(|s| s.parse().expect("band")).collect();
        } else if a.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            sizes = a.split(',').map(|s| s.parse().expect("size")).collect();
        } else {
            ops = a
                .split(',')
                .map(|s| Box::leak(s.to_string().into_boxed_str()) as &str)
                .collect();
        }
    }
    Simd::set_num_threads(1);
    OpenBlas::set_num_threads(1);
    println!("{}\n{}", Simd::description(), OpenBlas::description());
    println!(
        "{:<10} {:>6} {:>11} {:>11} {:>8} {:>10}",
        "op", "n", "simd s", "openblas s", "ob/simd", "rel diff"
    );
    for &n in &sizes {
        let a = random(n, n as u64);
        let sym = Mat::from_fn(n, n, |i, j| a[(i, j)] + a[(j, i)]);
        let sym32 = Mat::from_fn(n, n, |i, j| sym[(i, j)] as f32);
        let wide = |v: Vec<f32>| v.into_iter().map(f64::from).collect::<Vec<f64>>();
        for &op in &ops {
            if op == "bands" {
                for &b in &bands {
                    let (ts, to, d) = if single {
                        time_pair(
                            reps,
                            || wide(eigvalsh_with_band(sym32.as_ref(), b).unwrap()),
                            || wide(OpenBlas::eigvalsh(sym32.as_ref()).unwrap()),
                        )
                    } else {
                        time_pair(
                            reps,
                            || eigvalsh_with_band(sym.as_ref(), b).unwrap(),
                            || OpenBlas::eigvalsh(sym.as_ref()).unwrap(),
                        )
                    };
                    let name = format!("b={b}");
                    println!(
                        "{name:<10} {n:>6} {ts:>11.4} {to:>11.4} {:>8.3} {d:>10.2e}",
                        to / ts
                    );
                }
                continue;
            }
            let (ts, to, d) = match op {
                "eigh" if single => time_pair(
                    reps,
                    || wide(Simd::eigh(sym32.as_ref()).unwrap().values),
                    || wide(OpenBlas::eigh(sym32.as_ref()).unwrap().values),
                ),
                "eigvalsh" if single => time_pair(
                    reps,
                    || wide(Simd::eigvalsh(sym32.as_ref()).unwrap()),
                    || wide(OpenBlas::eigvalsh(sym32.as_ref()).unwrap()),
                ),
                "eigh" => time_pair(
                    reps,
                    || Simd::eigh(sym.as_ref()).unwrap().values,
                    || OpenBlas::eigh(sym.as_ref()).unwrap().values,
                ),
                "eigvalsh" => time_pair(
                    reps,
                    || Simd::eigvalsh(sym.as_ref()).unwrap(),
                    || OpenBlas::eigvalsh(sym.as_ref()).unwrap(),
                ),
                "svd" => time_pair(
                    reps,
                    || Simd::svd(a.as_ref(), SvdMode::Thin).unwrap().s,
                    || OpenBlas::svd(a.as_ref(), SvdMode::Thin).unwrap().s,
                ),
                "sv" => time_pair(
                    reps,
                    || Simd::singular_values(a.as_ref()).unwrap(),
                    || OpenBlas::singular_values(a.as_ref()).unwrap(),
                ),
                "eig" => time_pair(
                    reps,
                    || {
                        let mut v: Vec<f64> = Simd::eigvals(a.as_ref())
                            .unwrap()
                            .iter()
                            .map(|c| c.norm())
                            .collect();
                        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
                        v
                    },
                    || {
                        let mut v: Vec<f64> = OpenBlas::eigvals(a.as_ref())
                            .unwrap()
                            .iter()
                            .map(|c| c.norm())
                            .collect();
                        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
                        v
                    },
                ),
                other => panic!("unknown op {other}"),
            };
            let op = if single && op.starts_with("eig") {
                format!("{op}32")
            } else {
                op.to_string()
            };
            println!(
                "{op:<10} {n:>6} {ts:>11.4} {to:>11.4} {:>8.3} {d:>10.2e}",
                to / ts
            );
        }
    }
}
