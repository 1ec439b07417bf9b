//! Helpers shared by the `probe_*` examples: inputs, a per-thread CPU clock,
//! alternating races and medians. Each probe uses a subset.
#![allow(dead_code)]

use oxblas_core::Mat;

/// A reproducible symmetric positive definite matrix of order `n`:
/// `B B^T + n I` for `B = random(n, n, 7)`.
pub fn spd(n: usize) -> Mat<f64> {
    let b = random(n, n, 7);
    let mut a = Mat::zeros(n, n);
    oxblas_simd::gemm::gemm(
        1.0,
        b.as_ref(),
        b.t(),
        0.0,
        a.as_mut(),
        oxblas_core::Par::Seq,
    )
    .expect("shapes fit");
    for i in 0..n {
        a[(i, i)] += n as f64;
    }
    a
}

/// A reproducible `m x n` matrix (xorshift, entries in `[-0.5, 1.5)`).
pub fn random(m: usize, n: usize, seed: u64) -> Mat<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Mat::from_fn(m, n, |_, _| {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 52) as f64 - 0.5
    })
}

/// The median of finite samples.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("timings are finite"));
    v[v.len() / 2]
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, out: *mut Timespec) -> i32;
}

/// CPU seconds of the calling thread (CLOCK_THREAD_CPUTIME_ID): time other
/// processes take from this core does not count.
pub fn thread_cpu_seconds() -> f64 {
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid out-pointer; clock 3 is CLOCK_THREAD_CPUTIME_ID.
    unsafe { clock_gettime(3, &mut t) };
    t.sec as f64 + t.nsec as f64 * 1e-9
}

/// CPU seconds of the whole process, all threads (CLOCK_PROCESS_CPUTIME_ID).
pub fn process_cpu_seconds() -> f64 {
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid out-pointer; clock 2 is CLOCK_PROCESS_CPUTIME_ID.
    unsafe { clock_gettime(2, &mut t) };
    t.sec as f64 + t.nsec as f64 * 1e-9
}

/// Thread CPU seconds `f` takes.
pub fn timed(f: impl FnOnce()) -> f64 {
    let t = thread_cpu_seconds();
    f();
    thread_cpu_seconds() - t
}

/// Alternates the two candidates (each returns the seconds of one call)
/// `rounds` times after one warm-up call each; medians of `reps`-call means.
pub fn race(
    rounds: usize,
    reps: usize,
    x: &mut dyn FnMut() -> f64,
    y: &mut dyn FnMut() -> f64,
) -> (f64, f64) {
    x();
    y();
    let (mut tx, mut ty) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        tx.push((0..reps).map(|_| x()).sum::<f64>() / reps as f64);
        ty.push((0..reps).map(|_| y()).sum::<f64>() / reps as f64);
    }
    (median(tx), median(ty))
}

/// Calls per sample for a call of `flops` flops (about 0.2 s per sample).
pub fn reps_for(flops: f64) -> usize {
    ((2e8 / flops) as usize).clamp(1, 200)
}
