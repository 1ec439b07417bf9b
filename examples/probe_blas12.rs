//! Times the simd backend's level-1/2 kernels against OpenBLAS's CBLAS in one
//! process, on the same inputs, alternating the two, one thread each.
//!
//! `cargo run --release --example probe_blas12 --features openblas [-- quick] [l1]`
//! (`quick`: fewer, shorter samples; `l1`: level 1 only)
//!
//! Prints, per case, the median time per call of each and the ratio
//! `openblas / simd` (above 1: simd is faster). Results are checked to agree
//! before they are timed.
//!
//! `... -- tight`: the L1/L2-resident level-1 cases (n = 16, 1024, 2048, 4096)
//! on 64-byte aligned buffers and on buffers 16 bytes off alignment, both
//! libraries on the very same buffers, best of many short samples; prints
//! cycles per call (the clock is measured with a chain of dependent integer
//! adds) and elements per cycle next to the load-port limit of two 32-byte
//! loads per cycle.

use std::hint::black_box;
use std::time::Instant;

use oxblas_core::{MatRef, VecMut, VecRef};
use oxblas_simd::{blas1, blas2};

#[allow(non_camel_case_types)]
type blasint = i32;
const ROW_MAJOR: i32 = 101;
const COL_MAJOR: i32 = 102;
const NO_TRANS: i32 = 111;

#[link(name = "openblas")]
extern "C" {
    fn openblas_set_num_threads(n: i32);
    fn cblas_ddot(n: blasint, x: *const f64, incx: blasint, y: *const f64, incy: blasint) -> f64;
    fn cblas_sdot(n: blasint, x: *const f32, incx: blasint, y: *const f32, incy: blasint) -> f32;
    fn cblas_daxpy(n: blasint, a: f64, x: *const f64, incx: blasint, y: *mut f64, incy: blasint);
    fn cblas_saxpy(n: blasint, a: f32, x: *const f32, incx: blasint, y: *mut f32, incy: blasint);
    fn cblas_dnrm2(n: blasint, x: *const f64, incx: blasint) -> f64;
    fn cblas_dasum(n: blasint, x: *const f64, incx: blasint) -> f64;
    fn cblas_idamax(n: blasint, x: *const f64, incx: blasint) -> usize;
    fn cblas_dscal(n: blasint, a: f64, x: *mut f64, incx: blasint);
    fn cblas_dgemv(
        order: i32,
        trans: i32,
        m: blasint,
        n: blasint,
        alpha: f64,
        a: *const f64,
        lda: blasint,
        x: *const f64,
        incx: blasint,
        beta: f64,
        y: *mut f64,
        incy: blasint,
    );
    fn cblas_sgemv(
        order: i32,
        trans: i32,
        m: blasint,
        n: blasint,
        alpha: f32,
        a: *const f32,
        lda: blasint,
        x: *const f32,
        incx: blasint,
        beta: f32,
        y: *mut f32,
        incy: blasint,
    );
}

/// Median seconds per call of `a` and `b`, alternating `rounds` samples of
/// `reps` calls each (after one warm-up sample each).
fn race(reps: usize, rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let sample = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        t.elapsed().as_secs_f64() / reps as f64
    };
    sample(&mut a);
    sample(&mut b);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ta.push(sample(&mut a));
        tb.push(sample(&mut b));
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    (med(&mut ta), med(&mut tb))
}

/// Calls per sample so that one sample takes about `target` seconds.
fn reps_for(elems: usize, target: f64) -> usize {
    // ~0.3 ns per element is a rough guess at streaming speed.
    ((target / (elems as f64 * 0.3e-9)) as usize).clamp(1, 1_000_000)
}

fn report(name: &str, (simd, oblas): (f64, f64)) {
    println!(
        "{name:<34} simd {:>10.1} ns   openblas {:>10.1} ns   openblas/simd {:>5.2}x",
        simd * 1e9,
        oblas * 1e9,
        oblas / simd
    );
}

fn data<T: From<f32>>(n: usize, seed: u32) -> Vec<T> {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(12345);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            T::from((s % 2001) as f32 / 1000.0 - 1.0)
        })
        .collect()
}

fn close(a: f64, b: f64, scale: f64, n: usize, eps: f64) {
    assert!(
        (a - b).abs() <= 4.0 * n as f64 * eps * scale,
        "results differ: {a} vs {b}"
    );
}

/// Core clock in GHz: a chain of dependent integer adds retires one per
/// cycle, so adds per nanosecond is the clock. Best of 300 runs of 0.5 ms
/// (short, so that some escape preemption on a loaded machine).
#[cfg(target_arch = "x86_64")]
fn ghz() -> f64 {
    let mut best = 0.0f64;
    for _ in 0..300 {
        let iters = 200_000u64;
        let t = Instant::now();
        // SAFETY: register-only arithmetic and a counted loop; no memory access.
        unsafe {
            std::arch::asm!(
                "2:",
                ".rept 8",
                "add {x}, 1",
                ".endr",
                "dec {n}",
                "jnz 2b",
                x = inout(reg) 0u64 => _,
                n = inout(reg) iters => _,
                options(nomem, nostack),
            )
        };
        best = best.max(iters as f64 * 8.0 / t.elapsed().as_nanos() as f64);
    }
    best
}

#[cfg(not(target_arch = "x86_64"))]
fn ghz() -> f64 {
    f64::NAN
}

/// `n` values starting `skew` bytes past a 64-byte boundary, inside `buf`.
fn placed<T: From<f32> + Copy>(buf: &mut Vec<T>, n: usize, seed: u32, skew: usize) -> usize {
    let size = std::mem::size_of::<T>();
    *buf = vec![T::from(0.0); n + 64 / size + skew / size];
    let addr = buf.as_ptr() as usize;
    let start = ((64 - addr % 64) % 64 + skew) / size;
    buf[start..start + n].copy_from_slice(&data::<T>(n, seed));
    start
}

/// Best (minimum) seconds per call of `a` and `b`, alternating `rounds`
/// samples of `reps` calls each.
fn race_min(reps: usize, rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let sample = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        t.elapsed().as_secs_f64() / reps as f64
    };
    let (mut ta, mut tb) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        ta = ta.min(sample(&mut a));
        tb = tb.min(sample(&mut b));
    }
    (ta, tb)
}

/// One tight-mode line: times, cycles, elements per cycle and the limit.
fn tight_report(name: &str, n: usize, ghz: f64, limit: f64, (simd, oblas): (f64, f64)) {
    let cyc = |t: f64| t * 1e9 * ghz;
    println!(
        "{name:<24} simd {:>7.1} ns {:>6.0} cyc {:>5.2} el/cyc | openblas {:>7.1} ns {:>6.0} cyc \
         {:>5.2} el/cyc | limit {limit:>2.0} el/cyc | openblas/simd {:>5.2}x",
        simd * 1e9,
        cyc(simd),
        n as f64 / cyc(simd),
        oblas * 1e9,
        cyc(oblas),
        n as f64 / cyc(oblas),
        oblas / simd
    );
}

/// The `tight` mode (see the crate docs at the top).
fn tight() {
    let ghz = ghz();
    println!("clock {ghz:.2} GHz (dependent adds); one thread each; best of 41 samples");
    println!("limit: two 32-byte loads per cycle (dot: 2 loads per element pair; axpy also");
    println!("stores one 32-byte register per cycle; nrm2/asum: 1 load per element)");
    let rounds = 41;
    for skew in [0usize, 16] {
        println!("-- buffers {skew} bytes past a 64-byte boundary");
        for &n in &[16usize, 1024, 2048, 4096] {
            let nb = n as blasint;
            let reps = (200_000 / n).max(50);
            let (mut bx, mut by) = (Vec::new(), Vec::new());
            let (ox, oy) = (
                placed::<f64>(&mut bx, n, 1, skew),
                placed::<f64>(&mut by, n, 2, skew),
            );
            let x = &bx[ox..ox + n];
            let y = by[oy..oy + n].as_mut_ptr();
            // SAFETY: `y` points to n elements of `by`, which outlives every use
            // below; each closure makes the only live reference while it runs.
            let ys = || unsafe { std::slice::from_raw_parts_mut(y, n) };
            let dot = race_min(
                reps,
                rounds,
                || {
                    black_box(
                        blas1::dot(VecRef::from(black_box(x)), VecRef::from(&*ys())).unwrap(),
                    );
                },
                // SAFETY: both hold n elements.
                || {
                    black_box(unsafe { cblas_ddot(nb, black_box(x.as_ptr()), 1, y, 1) });
                },
            );
            tight_report(&format!("ddot n={n}"), n, ghz, 4.0, dot);
            let axpy = race_min(
                reps,
                rounds,
                || blas1::axpy(1e-9, VecRef::from(black_box(x)), VecMut::from(ys())).unwrap(),
                // SAFETY: both hold n elements.
                || unsafe { cblas_daxpy(nb, 1e-9, black_box(x.as_ptr()), 1, y, 1) },
            );
            tight_report(&format!("daxpy n={n}"), n, ghz, 4.0, axpy);
            let nrm2 = race_min(
                reps,
                rounds,
                || {
                    black_box(blas1::nrm2(VecRef::from(black_box(x))));
                },
                // SAFETY: n elements.
                || {
                    black_box(unsafe { cblas_dnrm2(nb, black_box(x.as_ptr()), 1) });
                },
            );
            tight_report(&format!("dnrm2 n={n}"), n, ghz, 8.0, nrm2);
            let asum = race_min(
                reps,
                rounds,
                || {
                    black_box(blas1::asum(VecRef::from(black_box(x))));
                },
                // SAFETY: n elements.
                || {
                    black_box(unsafe { cblas_dasum(nb, black_box(x.as_ptr()), 1) });
                },
            );
            tight_report(&format!("dasum n={n}"), n, ghz, 8.0, asum);

            let (mut fx, mut fy) = (Vec::new(), Vec::new());
            let (ox, oy) = (
                placed::<f32>(&mut fx, n, 1, skew),
                placed::<f32>(&mut fy, n, 2, skew),
            );
            let xf = &fx[ox..ox + n];
            let yf = fy[oy..oy + n].as_mut_ptr();
            // SAFETY: as for `ys`.
            let yfs = || unsafe { std::slice::from_raw_parts_mut(yf, n) };
            let sdot = race_min(
                reps,
                rounds,
                || {
                    black_box(
                        blas1::dot(VecRef::from(black_box(xf)), VecRef::from(&*yfs())).unwrap(),
                    );
                },
                // SAFETY: both hold n elements.
                || {
                    black_box(unsafe { cblas_sdot(nb, black_box(xf.as_ptr()), 1, yf, 1) });
                },
            );
            tight_report(&format!("sdot n={n}"), n, ghz, 8.0, sdot);
            let saxpy = race_min(
                reps,
                rounds,
                || blas1::axpy(1e-6f32, VecRef::from(black_box(xf)), VecMut::from(yfs())).unwrap(),
                // SAFETY: both hold n elements.
                || unsafe { cblas_saxpy(nb, 1e-6, black_box(xf.as_ptr()), 1, yf, 1) },
            );
            tight_report(&format!("saxpy n={n}"), n, ghz, 8.0, saxpy);
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "tight") {
        // SAFETY: plain FFI call with a valid thread count.
        unsafe { openblas_set_num_threads(1) };
        oxblas_simd::set_num_threads(1);
        return tight();
    }
    let quick = std::env::args().any(|a| a == "quick");
    let rounds = if quick { 7 } else { 15 };
    let target = if quick { 2e-3 } else { 5e-3 };
    // SAFETY: plain FFI call with a valid thread count.
    unsafe { openblas_set_num_threads(1) };
    oxblas_simd::set_num_threads(1);
    println!("one thread each; ratio = openblas time / simd time (>1: simd faster)");

    for &n in &[16usize, 256, 1024, 4096, 1_000_000] {
        let (x, y) = (data::<f64>(n, 1), data::<f64>(n, 2));
        let nb = n as blasint;
        // SAFETY: both buffers hold n elements.
        let r = unsafe { cblas_ddot(nb, x.as_ptr(), 1, y.as_ptr(), 1) };
        let s = blas1::dot(VecRef::from(&x), VecRef::from(&y)).unwrap();
        close(s, r, n as f64, n, f64::EPSILON);
        let reps = reps_for(2 * n, target);
        report(
            &format!("ddot n={n}"),
            race(
                reps,
                rounds,
                || {
                    black_box(blas1::dot(VecRef::from(black_box(&x)), VecRef::from(&y)).unwrap());
                },
                // SAFETY: both buffers hold n elements.
                || {
                    black_box(unsafe { cblas_ddot(nb, black_box(x.as_ptr()), 1, y.as_ptr(), 1) });
                },
            ),
        );
        let (xf, yf) = (data::<f32>(n, 1), data::<f32>(n, 2));
        report(
            &format!("sdot n={n}"),
            race(
                reps,
                rounds,
                || {
                    black_box(blas1::dot(VecRef::from(black_box(&xf)), VecRef::from(&yf)).unwrap());
                },
                // SAFETY: both buffers hold n elements.
                || {
                    black_box(unsafe { cblas_sdot(nb, black_box(xf.as_ptr()), 1, yf.as_ptr(), 1) });
                },
            ),
        );
        let mut y1 = y.clone();
        let mut y2 = y.clone();
        let alpha = 1e-9;
        report(
            &format!("daxpy n={n}"),
            race(
                reps,
                rounds,
                || blas1::axpy(alpha, VecRef::from(&x), VecMut::from(&mut y1)).unwrap(),
                // SAFETY: both buffers hold n elements.
                || unsafe { cblas_daxpy(nb, alpha, x.as_ptr(), 1, y2.as_mut_ptr(), 1) },
            ),
        );
        let mut y1f = yf.clone();
        let mut y2f = yf.clone();
        report(
            &format!("saxpy n={n}"),
            race(
                reps,
                rounds,
                || blas1::axpy(1e-6f32, VecRef::from(&xf), VecMut::from(&mut y1f)).unwrap(),
                // SAFETY: both buffers hold n elements.
                || unsafe { cblas_saxpy(nb, 1e-6, xf.as_ptr(), 1, y2f.as_mut_ptr(), 1) },
            ),
        );
        // SAFETY: n elements.
        let r = unsafe { cblas_dnrm2(nb, x.as_ptr(), 1) };
        close(blas1::nrm2(VecRef::from(&x)), r, r, n, f64::EPSILON);
        report(
            &format!("dnrm2 n={n}"),
            race(
                reps,
                rounds,
                || {
                    black_box(blas1::nrm2(VecRef::from(black_box(&x))));
                },
                // SAFETY: n elements.
                || {
                    black_box(unsafe { cblas_dnrm2(nb, black_box(x.as_ptr()), 1) });
                },
            ),
        );
        report(
            &format!("dasum n={n}"),
            race(
                reps,
                rounds,
                || {
                    black_box(blas1::asum(VecRef::from(black_box(&x))));
                },
                // SAFETY: n elements.
                || {
                    black_box(unsafe { cblas_dasum(nb, black_box(x.as_ptr()), 1) });
                },
            ),
        );
        // SAFETY: n elements.
        let r = unsafe { cblas_idamax(nb, x.as_ptr(), 1) };
        assert_eq!(blas1::iamax(VecRef::from(&x)), Some(r));
        report(
            &format!("idamax n={n}"),
            race(
                reps,
                rounds,
                || {
                    black_box(blas1::iamax(VecRef::from(black_box(&x))));
                },
                // SAFETY: n elements.
                || {
                    black_box(unsafe { cblas_idamax(nb, black_box(x.as_ptr()), 1) });
                },
            ),
        );
        report(
            &format!("dscal n={n}"),
            race(
                reps,
                rounds,
                || blas1::scal(1.0000001, VecMut::from(&mut y1)),
                // SAFETY: n elements.
                || unsafe { cblas_dscal(nb, 1.0000001, y2.as_mut_ptr(), 1) },
            ),
        );
    }

    if std::env::args().any(|a| a == "l1") {
        return;
    }
    for &n in &[32usize, 256, 1024, 4096] {
        let a = data::<f64>(n * n, 3);
        let x = data::<f64>(n, 4);
        let nb = n as blasint;
        let reps = reps_for(n * n, target);
        for (layout, order) in [("row-major", ROW_MAJOR), ("col-major", COL_MAJOR)] {
            let view = if order == ROW_MAJOR {
                MatRef::from_slice(&a, n, n).unwrap()
            } else {
                MatRef::from_slice_col_major(&a, n, n).unwrap()
            };
            let mut y1 = vec![0.0; n];
            let mut y2 = vec![0.0; n];
            blas2::gemv(1.0, view, VecRef::from(&x), 0.0, VecMut::from(&mut y1)).unwrap();
            // SAFETY: a is n x n with leading dimension n; x, y hold n.
            unsafe {
                cblas_dgemv(
                    order,
                    NO_TRANS,
                    nb,
                    nb,
                    1.0,
                    a.as_ptr(),
                    nb,
                    x.as_ptr(),
                    1,
                    0.0,
                    y2.as_mut_ptr(),
                    1,
                )
            };
            for (p, q) in y1.iter().zip(&y2) {
                close(*p, *q, n as f64, n, f64::EPSILON);
            }
            report(
                &format!("dgemv n={n} {layout}"),
                race(
                    reps,
                    rounds,
                    || {
                        blas2::gemv(1.0, view, VecRef::from(&x), 0.5, VecMut::from(&mut y1))
                            .unwrap()
                    },
                    // SAFETY: as above.
                    || unsafe {
                        cblas_dgemv(
                            order,
                            NO_TRANS,
                            nb,
                            nb,
                            1.0,
                            a.as_ptr(),
                            nb,
                            x.as_ptr(),
                            1,
                            0.5,
                            y2.as_mut_ptr(),
                            1,
                        )
                    },
                ),
            );
        }
        let af = data::<f32>(n * n, 3);
        let xf = data::<f32>(n, 4);
        for (layout, order) in [("row-major", ROW_MAJOR), ("col-major", COL_MAJOR)] {
            let view = if order == ROW_MAJOR {
                MatRef::from_slice(&af, n, n).unwrap()
            } else {
                MatRef::from_slice_col_major(&af, n, n).unwrap()
            };
            let mut y1 = vec![0.0f32; n];
            let mut y2 = vec![0.0f32; n];
            report(
                &format!("sgemv n={n} {layout}"),
                race(
                    reps,
                    rounds,
                    || {
                        blas2::gemv(1.0, view, VecRef::from(&xf), 0.5, VecMut::from(&mut y1))
                            .unwrap()
                    },
                    // SAFETY: as above.
                    || unsafe {
                        cblas_sgemv(
                            order,
                            NO_TRANS,
                            nb,
                            nb,
                            1.0,
                            af.as_ptr(),
                            nb,
                            xf.as_ptr(),
                            1,
                            0.5,
                            y2.as_mut_ptr(),
                            1,
                        )
                    },
                ),
            );
        }
    }
}
