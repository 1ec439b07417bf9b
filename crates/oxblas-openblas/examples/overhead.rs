//! What the safe wrapper costs over raw OpenBLAS/LAPACKE calls on the same
//! inputs: prints the median time of each and their ratio (wrapper / raw).
//!
//! `cargo run -p oxblas-openblas --release --example overhead [threads]`

use std::time::Instant;

use oxblas_core::{Backend, Mat, SvdMode};
use oxblas_openblas::OpenBlas;

/// Medians of `ours` and `raw`, timed alternately (the machine drifts).
fn pair(mut ours: impl FnMut(), mut raw: impl FnMut(), reps: usize) -> (f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let s = Instant::now();
        f();
        s.elapsed().as_secs_f64()
    };
    ours();
    raw();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        a.push(time(&mut ours));
        b.push(time(&mut raw));
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    (a[reps / 2], b[reps / 2])
}

fn row(name: &str, (ours, raw): (f64, f64)) {
    println!(
        "{name:<28} wrapper {:>10.1} us   raw {:>10.1} us   ratio {:.3}",
        ours * 1e6,
        raw * 1e6,
        ours / raw
    );
}

fn main() {
    let threads = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    OpenBlas::set_num_threads(threads);
    println!("{} ", OpenBlas::description());
    let mut seed = 1u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for n in [8usize, 64, 256, 512] {
        let a = Mat::<f64>::from_fn(n, n, |i, j| rnd() + if i == j { n as f64 } else { 0.0 });
        let b = Mat::<f64>::from_fn(n, n, |_, _| rnd());
        let spd = {
            let mut s = Mat::<f64>::zeros(n, n);
            OpenBlas::gemm(1.0, a.as_ref(), a.t(), 0.0, s.as_mut()).unwrap();
            s
        };
        let reps = if n <= 64 { 201 } else { 9 };
        let ni = n as i32;

        let (mut c, mut c2) = (Mat::<f64>::zeros(n, n), Mat::<f64>::zeros(n, n));
        let t = pair(
            || OpenBlas::gemm(1.0, a.as_ref(), b.as_ref(), 0.0, c.as_mut()).unwrap(),
            // SAFETY: n x n row-major buffers with leading dimension n.
            || unsafe {
                cblas_sys::cblas_dgemm(
                    cblas_sys::CblasRowMajor,
                    cblas_sys::CblasNoTrans,
                    cblas_sys::CblasNoTrans,
                    ni,
                    ni,
                    ni,
                    1.0,
                    a.as_slice().as_ptr(),
                    ni,
                    b.as_slice().as_ptr(),
                    ni,
                    0.0,
                    c2.as_mut_slice().as_mut_ptr(),
                    ni,
                )
            },
            reps,
        );
        row(&format!("gemm n={n}"), t);

        // Raw LU: getrf on a column-major copy (the copy LAPACK needs anyway).
        let t = pair(
            || drop(OpenBlas::lu(a.as_ref()).unwrap()),
            || {
                let mut w = a.transpose().into_vec();
                let mut ip = vec![0; n];
                // SAFETY: column-major n x n buffers (ld n) and n-element outputs.
                unsafe {
                    lapacke::dgetrf(lapacke::Layout::ColumnMajor, ni, ni, &mut w, ni, &mut ip)
                };
            },
            reps,
        );
        row(&format!("lu n={n}"), t);

        let rhs = Mat::<f64>::from_fn(n, 1, |_, _| rnd());
        let t = pair(
            || drop(OpenBlas::solve(a.as_ref(), rhs.as_ref()).unwrap()),
            || {
                let mut w = a.transpose().into_vec();
                let mut x = rhs.clone().into_vec();
                let mut ip = vec![0; n];
                // SAFETY: column-major n x n buffers (ld n) and n-element outputs.
                unsafe {
                    lapacke::dgesv(
                        lapacke::Layout::ColumnMajor,
                        ni,
                        1,
                        &mut w,
                        ni,
                        &mut ip,
                        &mut x,
                        ni,
                    )
                };
            },
            reps,
        );
        row(&format!("solve n={n}"), t);

        let t = pair(
            || drop(OpenBlas::cholesky(spd.as_ref()).unwrap()),
            || {
                let mut w = spd.clone().into_vec();
                // SAFETY: column-major n x n buffers (ld n) and n-element outputs.
                unsafe { lapacke::dpotrf(lapacke::Layout::ColumnMajor, b'U', ni, &mut w, ni) };
            },
            reps,
        );
        row(&format!("cholesky n={n}"), t);

        if n <= 256 {
            let t = pair(
                || drop(OpenBlas::eigh(spd.as_ref()).unwrap()),
                || {
                    let mut w = spd.clone().into_vec();
                    let mut ev = vec![0.0; n];
                    // SAFETY: column-major n x n buffers (ld n) and n-element outputs.
                    unsafe {
                        lapacke::dsyevd(
                            lapacke::Layout::ColumnMajor,
                            b'V',
                            b'L',
                            ni,
                            &mut w,
                            ni,
                            &mut ev,
                        )
                    };
                },
                reps,
            );
            row(&format!("eigh n={n}"), t);
            let t = pair(
                || drop(OpenBlas::svd(a.as_ref(), SvdMode::Thin).unwrap()),
                || {
                    let mut w = a.transpose().into_vec();
                    let (mut s, mut u, mut vt) = (vec![0.0; n], vec![0.0; n * n], vec![0.0; n * n]);
                    // SAFETY: column-major n x n buffers (ld n) and n-element outputs.
                    unsafe {
                        lapacke::dgesdd(
                            lapacke::Layout::ColumnMajor,
                            b'S',
                            ni,
                            ni,
                            &mut w,
                            ni,
                            &mut s,
                            &mut u,
                            ni,
                            &mut vt,
                            ni,
                        )
                    };
                },
                reps,
            );
            row(&format!("svd n={n}"), t);
        }
    }
}
