//! Register-blocked microkernels: `C_tile = alpha * A_panel B_panel + beta * C_tile`
//! for one MR x NR tile, from packed panels (see `pack.rs`).
//!
//! - AVX2+FMA (pulp's `x86::V3` level), f64: 6x8 tile = 12 ymm accumulators
//!   (6 rows x 2 vectors of 4), 2 ymm for the B row, 1 for the A broadcast:
//!   15 of 16 registers. Zen 3 has two FMA pipes of latency 4, so at least 8
//!   independent accumulators are needed to keep both busy; 12 gives slack.
//! - AVX2+FMA, f32: 6x16 tile, same register plan with 8 lanes.
//! - Portable: a 4x4 (f64) / 4x8 (f32) tile of plain arrays that LLVM keeps in
//!   registers (and vectorizes on targets with baseline SIMD such as NEON).
//!   It is the fallback on CPUs without AVX2+FMA and on other architectures.
//!
//! Every kernel computes the full tile from zero-padded panels; only the
//! write-back is clipped to the `m x n` valid part. `beta == 0` never reads C.

use oxblas_core::Scalar;

/// A microkernel for element type `T`.
pub(crate) trait Kernel<T: Scalar> {
    /// Rows of the register tile.
    const MR: usize;
    /// Columns of the register tile.
    const NR: usize;

    /// Computes `C = alpha * A B + beta * C` for one tile.
    ///
    /// # Safety
    /// - `a` points to `kc * MR` readable elements, `b` to `kc * NR`;
    /// - for `i < m <= MR`, `j < n <= NR`, `c + i*rs + j*cs` is valid for
    ///   reads and writes and distinct `(i, j)` give distinct addresses;
    /// - the CPU supports the kernel's instruction set (checked by the caller
    ///   through pulp's feature detection).
    #[allow(clippy::too_many_arguments)]
    unsafe fn run(
        kc: usize,
        a: *const T,
        b: *const T,
        c: *mut T,
        rs: isize,
        cs: isize,
        m: usize,
        n: usize,
        alpha: T,
        beta: T,
    );
}

/// Clipped, strided write-back of an `mr x nr` row-major tile of results.
///
/// # Safety
/// As for [`Kernel::run`] (the C part).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn write_back<T: Scalar>(
    tile: &[T],
    nr: usize,
    c: *mut T,
    rs: isize,
    cs: isize,
    m: usize,
    n: usize,
    alpha: T,
    beta: T,
) {
    for i in 0..m {
        for j in 0..n {
            let dst = c.wrapping_offset(i as isize * rs + j as isize * cs);
            let v = alpha * tile[i * nr + j];
            // SAFETY: i < m, j < n: the caller guarantees `dst` is valid.
            unsafe {
                *dst = if beta == T::ZERO { v } else { v + beta * *dst };
            }
        }
    }
}

/// The portable kernel: `MR x NR` accumulators in an array.
pub(crate) struct Portable<const MR: usize, const NR: usize>;

impl<T: Scalar, const MR: usize, const NR: usize> Kernel<T> for Portable<MR, NR> {
    const MR: usize = MR;
    const NR: usize = NR;

    #[inline(never)]
    unsafe fn run(
        kc: usize,
        a: *const T,
        b: *const T,
        c: *mut T,
        rs: isize,
        cs: isize,
        m: usize,
        n: usize,
        alpha: T,
        beta: T,
    ) {
        let mut acc = [[T::ZERO; NR]; MR];
        // SAFETY: the caller guarantees `kc * MR` elements at `a` and `kc * NR` at `b`.
        let (a, b) = unsafe {
            (
                core::slice::from_raw_parts(a, kc * MR),
                core::slice::from_raw_parts(b, kc * NR),
            )
        };
        for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
            for i in 0..MR {
                for j in 0..NR {
                    acc[i][j] += ap[i] * bp[j];
                }
            }
        }
        // SAFETY: forwarded from the caller.
        unsafe { write_back(acc.as_flattened(), NR, c, rs, cs, m, n, alpha, beta) }
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2F32, Avx2F64};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    use super::{write_back, Kernel};

    /// AVX2+FMA f64 kernel, 6x8.
    pub(crate) struct Avx2F64;
    /// AVX2+FMA f32 kernel, 6x16.
    pub(crate) struct Avx2F32;

    /// Expands one rank-1 update step for 6 rows: `c[r][v] += a[r] * b[v]`.
    macro_rules! step {
        ($c:ident, $a:ident, $b0:ident, $b1:ident, $bcast:ident, $fma:ident, $off:expr) => {{
            let mut r = 0;
            while r < 6 {
                let ar = $bcast(&*$a.add($off + r));
                $c[r][0] = $fma(ar, $b0, $c[r][0]);
                $c[r][1] = $fma(ar, $b1, $c[r][1]);
                r += 1;
            }
        }};
    }

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn kernel_f64(
        kc: usize,
        mut a: *const f64,
        mut b: *const f64,
        c: *mut f64,
        rs: isize,
        cs: isize,
        m: usize,
        n: usize,
        alpha: f64,
        beta: f64,
    ) {
        // SAFETY (whole body): AVX2+FMA are enabled on this function and the
        // caller checked the CPU has them; pointer reads stay inside the
        // `kc * 6` / `kc * 8` packed panels the caller guarantees.
        unsafe {
            if cs == 1 {
                for r in 0..6 {
                    let row = c.wrapping_offset(r as isize * rs) as *const i8;
                    _mm_prefetch::<_MM_HINT_T0>(row);
                    _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(63));
                }
            }
            let mut acc = [[_mm256_setzero_pd(); 2]; 6];
            let mut left = kc;
            while left >= 4 {
                _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(64) as *const i8);
                let mut u = 0;
                while u < 4 {
                    let b0 = _mm256_loadu_pd(b.add(u * 8));
                    let b1 = _mm256_loadu_pd(b.add(u * 8 + 4));
                    step!(acc, a, b0, b1, _mm256_broadcast_sd, _mm256_fmadd_pd, u * 6);
                    u += 1;
                }
                a = a.add(24);
                b = b.add(32);
                left -= 4;
            }
            while left > 0 {
                let b0 = _mm256_loadu_pd(b);
                let b1 = _mm256_loadu_pd(b.add(4));
                step!(acc, a, b0, b1, _mm256_broadcast_sd, _mm256_fmadd_pd, 0);
                a = a.add(6);
                b = b.add(8);
                left -= 1;
            }
            if m == 6 && n == 8 && cs == 1 {
                let va = _mm256_set1_pd(alpha);
                let vb = _mm256_set1_pd(beta);
                for (r, row) in acc.iter().enumerate() {
                    let dst = c.offset(r as isize * rs);
                    for (v, &x) in row.iter().enumerate() {
                        let p = dst.add(v * 4);
                        let out = if beta == 0.0 {
                            _mm256_mul_pd(va, x)
                        } else {
                            _mm256_fmadd_pd(va, x, _mm256_mul_pd(vb, _mm256_loadu_pd(p)))
                        };
                        _mm256_storeu_pd(p, out);
                    }
                }
            } else {
                let mut tile = [0.0f64; 48];
                for (r, row) in acc.iter().enumerate() {
                    _mm256_storeu_pd(tile.as_mut_ptr().add(r * 8), row[0]);
                    _mm256_storeu_pd(tile.as_mut_ptr().add(r * 8 + 4), row[1]);
                }
                write_back(&tile, 8, c, rs, cs, m, n, alpha, beta);
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn kernel_f32(
        kc: usize,
        mut a: *const f32,
        mut b: *const f32,
        c: *mut f32,
        rs: isize,
        cs: isize,
        m: usize,
        n: usize,
        alpha: f32,
        beta: f32,
    ) {
        // SAFETY (whole body): as in `kernel_f64`, with `kc * 6` / `kc * 16` panels.
        unsafe {
            if cs == 1 {
                for r in 0..6 {
                    let row = c.wrapping_offset(r as isize * rs) as *const i8;
                    _mm_prefetch::<_MM_HINT_T0>(row);
                    _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(63));
                }
            }
            let mut acc = [[_mm256_setzero_ps(); 2]; 6];
            let mut left = kc;
            while left >= 4 {
                _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(128) as *const i8);
                let mut u = 0;
                while u < 4 {
                    let b0 = _mm256_loadu_ps(b.add(u * 16));
                    let b1 = _mm256_loadu_ps(b.add(u * 16 + 8));
                    step!(acc, a, b0, b1, _mm256_broadcast_ss, _mm256_fmadd_ps, u * 6);
                    u += 1;
                }
                a = a.add(24);
                b = b.add(64);
                left -= 4;
            }
            while left > 0 {
                let b0 = _mm256_loadu_ps(b);
                let b1 = _mm256_loadu_ps(b.add(8));
                step!(acc, a, b0, b1, _mm256_broadcast_ss, _mm256_fmadd_ps, 0);
                a = a.add(6);
                b = b.add(16);
                left -= 1;
            }
            if m == 6 && n == 16 && cs == 1 {
                let va = _mm256_set1_ps(alpha);
                let vb = _mm256_set1_ps(beta);
                for (r, row) in acc.iter().enumerate() {
                    let dst = c.offset(r as isize * rs);
                    for (v, &x) in row.iter().enumerate() {
                        let p = dst.add(v * 8);
                        let out = if beta == 0.0 {
                            _mm256_mul_ps(va, x)
                        } else {
                            _mm256_fmadd_ps(va, x, _mm256_mul_ps(vb, _mm256_loadu_ps(p)))
                        };
                        _mm256_storeu_ps(p, out);
                    }
                }
            } else {
                let mut tile = [0.0f32; 96];
                for (r, row) in acc.iter().enumerate() {
                    _mm256_storeu_ps(tile.as_mut_ptr().add(r * 16), row[0]);
                    _mm256_storeu_ps(tile.as_mut_ptr().add(r * 16 + 8), row[1]);
                }
                write_back(&tile, 16, c, rs, cs, m, n, alpha, beta);
            }
        }
    }

    impl Kernel<f64> for Avx2F64 {
        const MR: usize = 6;
        const NR: usize = 8;
        #[inline(always)]
        unsafe fn run(
            kc: usize,
            a: *const f64,
            b: *const f64,
            c: *mut f64,
            rs: isize,
            cs: isize,
            m: usize,
            n: usize,
            alpha: f64,
            beta: f64,
        ) {
            // SAFETY: the caller upholds `Kernel::run`'s contract, which
            // includes that the CPU has AVX2+FMA (pulp's V3 level).
            unsafe { kernel_f64(kc, a, b, c, rs, cs, m, n, alpha, beta) }
        }
    }

    impl Kernel<f32> for Avx2F32 {
        const MR: usize = 6;
        const NR: usize = 16;
        #[inline(always)]
        unsafe fn run(
            kc: usize,
            a: *const f32,
            b: *const f32,
            c: *mut f32,
            rs: isize,
            cs: isize,
            m: usize,
            n: usize,
            alpha: f32,
            beta: f32,
        ) {
            // SAFETY: as for `Avx2F64`.
            unsafe { kernel_f32(kc, a, b, c, rs, cs, m, n, alpha, beta) }
        }
    }
}
