//! Scratch timing probe for the simd trsm against OpenBLAS's cblas_?trsm in
//! one process (same inputs, interleaved rounds, medians).
//!
//! `cargo run --release --example probe_trsm --features simd,openblas -- [n ...]`
//! times every side/uplo for row-major B (`n x n`), f32 and f64, with 1
//! and 2 threads, and prints simd time / OpenBLAS time per case.

use std::hint::black_box;
use std::os::raw::c_int;
use std::time::Instant;

use oxblas_core::{Diag, Mat, Scalar, Side, Uplo};
use oxblas_simd::level3;

type Trsm<T> = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    T,
    *const T,
    c_int,
    *mut T,
    c_int,
) -> ();

/// OpenBLAS's entry points, loaded at run time (so that the example builds
/// and links where OpenBLAS is not installed).
struct Blas {
    dtrsm: Trsm<f64>,
    strsm: Trsm<f32>,
    set_threads: unsafe extern "C" fn(c_int) -> (),
}

extern "C" {
    fn dlopen(file: *const std::os::raw::c_char, flags: c_int) -> *mut std::ffi::c_void;
    fn dlsym(
        handle: *mut std::ffi::c_void,
        name: *const std::os::raw::c_char,
    ) -> *mut std::ffi::c_void;
}

fn blas() -> &'static Blas {
    static BLAS: std::sync::OnceLock<Blas> = std::sync::OnceLock::new();
    BLAS.get_or_init(|| {
        // SAFETY: dlopen/dlsym with NUL-terminated names; each symbol is
        // transmuted to the signature of OpenBLAS's cblas/openblas C API.
        unsafe {
            let h = dlopen(c"libopenblas.so.0".as_ptr(), 2);
            assert!(!h.is_null(), "libopenblas.so.0 not found");
            let sym = |name: &std::ffi::CStr| {
                let p = dlsym(h, name.as_ptr());
                assert!(!p.is_null(), "{name:?} not found");
                p
            };
            Blas {
                dtrsm: std::mem::transmute::<*mut std::ffi::c_void, Trsm<f64>>(sym(c"cblas_dtrsm")),
                strsm: std::mem::transmute::<*mut std::ffi::c_void, Trsm<f32>>(sym(c"cblas_strsm")),
                set_threads: std::mem::transmute::<
                    *mut std::ffi::c_void,
                    unsafe extern "C" fn(c_int),
                >(sym(c"openblas_set_num_threads")),
            }
        }
    })
}

unsafe fn openblas_set_num_threads(n: c_int) {
    (blas().set_threads)(n)
}

/// OpenBLAS's trsm on row-major `a` (`k x k`) and `b` (`m x n`).
fn oblas<T: Scalar>(side: Side, uplo: Uplo, a: &Mat<T>, b: &mut Mat<T>) {
    let (m, n) = b.shape();
    let k = a.rows() as c_int;
    let s = if side == Side::Left { 141 } else { 142 };
    let u = if uplo == Uplo::Upper { 121 } else { 122 };
    let (ap, bp) = (a.as_slice().as_ptr(), b.as_mut_slice().as_mut_ptr());
    // SAFETY: row-major buffers of the sizes passed (lda = k, ldb = n).
    unsafe {
        if T::DTYPE == oxblas_core::DType::F64 {
            (blas().dtrsm)(
                101,
                s,
                u,
                111,
                131,
                m as c_int,
                n as c_int,
                1.0,
                ap as *const f64,
                k,
                bp as *mut f64,
                n as c_int,
            );
        } else {
            (blas().strsm)(
                101,
                s,
                u,
                111,
                131,
                m as c_int,
                n as c_int,
                1.0,
                ap as *const f32,
                k,
                bp as *mut f32,
                n as c_int,
            );
        }
    }
}

fn tri<T: Scalar>(n: usize, uplo: Uplo) -> Mat<T> {
    Mat::from_fn(n, n, |i, j| {
        let inside = if uplo == Uplo::Lower { j <= i } else { j >= i };
        if i == j {
            T::from_f64(2.0 + ((i * 7) % 5) as f64 * 0.1)
        } else if inside {
            T::from_f64((((i * 13 + j * 7) % 17) as f64 - 8.0) / (8.0 * n as f64))
        } else {
            T::ZERO
        }
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn case<T: Scalar>(side: Side, uplo: Uplo, n: usize, threads: usize) {
    let a = tri::<T>(n, uplo);
    let b0 = Mat::from_fn(n, n, |i, j| {
        T::from_f64((((i * 5 + j * 3) % 11) as f64) - 5.0)
    });
    let mut b = b0.clone();
    oxblas_simd::set_num_threads(threads);
    // SAFETY: plain FFI call.
    unsafe { openblas_set_num_threads(threads as c_int) };
    let reps = (2e7 / (n * n * n) as f64).clamp(1.0, 2000.0) as usize;
    let budget = Instant::now();
    let (mut ts, mut to) = (Vec::new(), Vec::new());
    while budget.elapsed().as_secs_f64() < 1.0 || ts.len() < 5 {
        let t = Instant::now();
        for _ in 0..reps {
            b.as_mut_slice().copy_from_slice(b0.as_slice());
            level3::trsm(side, uplo, Diag::NonUnit, T::ONE, a.as_ref(), b.as_mut()).unwrap();
            black_box(&b);
        }
        ts.push(t.elapsed().as_secs_f64() / reps as f64);
        let t = Instant::now();
        for _ in 0..reps {
            b.as_mut_slice().copy_from_slice(b0.as_slice());
            oblas(side, uplo, &a, &mut b);
            black_box(&b);
        }
        to.push(t.elapsed().as_secs_f64() / reps as f64);
    }
    let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let (smin, omin) = (min(&ts), min(&to));
    let (s, o) = (median(ts), median(to));
    println!(
        "{:?} {side:?} {uplo:?} n {n} thr {threads}: simd {:.2} us openblas {:.2} us \
         simd/openblas median {:.2} min {:.2}",
        T::DTYPE,
        s * 1e6,
        o * 1e6,
        s / o,
        smin / omin
    );
}

fn piece<T: Scalar>(n: usize, cols: usize, threads: usize) -> (f64, f64) {
    let a = tri::<T>(n, Uplo::Lower);
    let b0 = Mat::from_fn(n, cols, |i, j| {
        T::from_f64((((i * 5 + j * 3) % 11) as f64) - 5.0)
    });
    let mut b = b0.clone();
    oxblas_simd::set_num_threads(threads);
    let mut t = vec![];
    let budget = Instant::now();
    while budget.elapsed().as_secs_f64() < 1.0 {
        b.as_mut_slice().copy_from_slice(b0.as_slice());
        let s = Instant::now();
        level3::trsm(
            Side::Left,
            Uplo::Lower,
            Diag::NonUnit,
            T::ONE,
            a.as_ref(),
            b.as_mut(),
        )
        .unwrap();
        t.push(s.elapsed().as_secs_f64() * 1e6);
        black_box(&b);
    }
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (t[t.len() / 10], t[t.len() / 2])
}

fn main() {
    if std::env::args().any(|a| a == "pieces") {
        // One thread on half of B's columns and on all of them, then two.
        for _ in 0..2 {
            println!(
                "f32 256 p10/median us: 1T x128 {:.0?} 1T x256 {:.0?} 2T x256 {:.0?}",
                piece::<f32>(256, 128, 1),
                piece::<f32>(256, 256, 1),
                piece::<f32>(256, 256, 2),
            );
            println!(
                "f64 256 p10/median us: 1T x128 {:.0?} 1T x256 {:.0?} 2T x256 {:.0?}",
                piece::<f64>(256, 128, 1),
                piece::<f64>(256, 256, 1),
                piece::<f64>(256, 256, 2),
            );
        }
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|s| s.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![64, 256]
    } else {
        sizes
    };
    let sides: Vec<(Side, Uplo)> = if args.iter().any(|a| a == "lower") {
        vec![(Side::Left, Uplo::Lower)]
    } else if args.iter().any(|a| a == "left") {
        vec![(Side::Left, Uplo::Lower), (Side::Left, Uplo::Upper)]
    } else {
        vec![
            (Side::Left, Uplo::Lower),
            (Side::Left, Uplo::Upper),
            (Side::Right, Uplo::Lower),
            (Side::Right, Uplo::Upper),
        ]
    };
    for &n in &sizes {
        for threads in [1, 2] {
            if args.iter().any(|a| a == &format!("t{}", 3 - threads)) {
                continue;
            }
            for &(side, uplo) in &sides {
                case::<f32>(side, uplo, n, threads);
                case::<f64>(side, uplo, n, threads);
            }
        }
    }
}
