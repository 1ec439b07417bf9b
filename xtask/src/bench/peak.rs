//! The machine's FMA peak, measured with a short loop of independent fused
//! multiply-adds (AVX2+FMA on x86_64), per element type and thread count.

use std::time::Instant;

/// Independent accumulator chains: enough to cover FMA latency (4 to 5
/// cycles) times throughput (2 per cycle) on current x86 cores.
#[cfg(target_arch = "x86_64")]
const CHAINS: usize = 12;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_f64(iters: usize, x: [f64; 3]) -> f64 {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_set1_pd(x[0]); CHAINS];
    let a = _mm256_set1_pd(x[1]);
    let b = _mm256_set1_pd(x[2]);
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = _mm256_fmadd_pd(*v, a, b);
        }
    }
    let mut out = [0.0f64; 4];
    let mut s = _mm256_setzero_pd();
    for v in acc {
        s = _mm256_add_pd(s, v);
    }
    _mm256_storeu_pd(out.as_mut_ptr(), s);
    out.iter().sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_f32(iters: usize, x: [f64; 3]) -> f64 {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_set1_ps(x[0] as f32); CHAINS];
    let a = _mm256_set1_ps(x[1] as f32);
    let b = _mm256_set1_ps(x[2] as f32);
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = _mm256_fmadd_ps(*v, a, b);
        }
    }
    let mut out = [0.0f32; 8];
    let mut s = _mm256_setzero_ps();
    for v in acc {
        s = _mm256_add_ps(s, v);
    }
    _mm256_storeu_ps(out.as_mut_ptr(), s);
    out.iter().map(|&x| x as f64).sum()
}

/// GFLOP/s of one thread running the FMA loop for about `seconds`, or
/// `None` without AVX2+FMA.
#[cfg(target_arch = "x86_64")]
fn one_thread(f64_type: bool, seconds: f64) -> Option<f64> {
    if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
        return None;
    }
    let lanes = if f64_type { 4.0 } else { 8.0 };
    let run = |iters: usize| {
        // Opaque operands: with known constants the compiler can fold the
        // whole loop (1.0 * a + b == 1.0 is a fixed point).
        let x = std::hint::black_box([1.0, 0.999_9, 1e-4]);
        let t = Instant::now();
        // SAFETY: AVX2 and FMA were detected on this CPU just above.
        let r = unsafe {
            if f64_type {
                fma_f64(iters, x)
            } else {
                fma_f32(iters, x)
            }
        };
        std::hint::black_box(r);
        t.elapsed().as_secs_f64()
    };
    let mut iters: usize = 1 << 12;
    while run(iters) < seconds / 5.0 && iters < 1 << 40 {
        iters *= 2;
    }
    // The best of many short runs: other processes only ever slow it down.
    let best = (0..15).map(|_| run(iters)).fold(f64::INFINITY, f64::min);
    Some(iters as f64 * CHAINS as f64 * lanes * 2.0 / best / 1e9)
}

#[cfg(not(target_arch = "x86_64"))]
fn one_thread(_f64_type: bool, _seconds: f64) -> Option<f64> {
    None
}

/// FMA peak in GFLOP/s with `threads` threads running at once.
pub fn fma_peak(f64_type: bool, threads: usize) -> Option<f64> {
    let seconds = 0.05;
    if threads <= 1 {
        return one_thread(f64_type, seconds);
    }
    let handles: Vec<_> = (0..threads)
        .map(|_| std::thread::spawn(move || one_thread(f64_type, seconds)))
        .collect();
    let mut total = 0.0;
    for h in handles {
        total += h.join().ok()??;
    }
    Some(total)
}
