//! The thread count this backend's kernels may use.

use core::sync::atomic::{AtomicUsize, Ordering};

use oxblas_core::Par;

/// 0 means "not set": use the number of available CPUs.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads the kernels may use (clamped to at least 1).
pub fn set_num_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The thread count kernels may use: the value set, else the CPU count.
///
/// The CPU count is queried once: `available_parallelism` reads cgroup files
/// on Linux (tens of microseconds), far too slow for every call.
pub fn num_threads() -> usize {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    match THREADS.load(Ordering::Relaxed) {
        0 => *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        n => n,
    }
}

/// The parallelism a top-level call may use: sequential inside a rayon
/// worker (no oversubscription) or with one thread, else rayon.
pub fn current_par() -> Par {
    let n = num_threads();
    if n <= 1 || rayon::current_thread_index().is_some() {
        Par::Seq
    } else {
        Par::Rayon(n)
    }
}
