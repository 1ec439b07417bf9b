//! Register-blocked microkernels: `C_tile = alpha * A_panel B_panel + beta * C_tile`
//! for one MR x NR tile, from packed panels (see `pack.rs`).
//!
//! - AVX2+FMA (pulp's `x86::V3` level), f64: 6x8 tile = 12 ymm accumulators
//!   (6 rows x 2 vectors of 4), 2 ymm for the B row, 1 for the A broadcast:
//!   15 of 16 registers. Zen 3 has two FMA pipes of latency 4, so at least 8
//!   independent accumulators are needed to keep both busy; 12 gives slack.
//! - AVX2+FMA, f32: 6x16 tile, same register plan with 8 lanes.
//! - aarch64 NEON, f64: 6x8 tile = 24 q-register accumulators (6 rows x 4
//!   vectors of 2), 4 registers for the B row, 3 for the 6 A values; each
//!   A value is used in place by `fmla v.2d, v.2d, v.d[lane]` (no
//!   broadcast): 31 of 32 registers. See `neon` below for the design.
//! - aarch64 NEON, f32: 8x12 tile = 24 accumulators (8 rows x 3 vectors of
//!   4), 3 registers for the B row, 2 for the 8 A values: 29 of 32.
//! - Portable: a 4x4 tile of plain arrays that LLVM keeps in registers (and
//!   vectorizes on targets with baseline SIMD). It is the fallback on CPUs
//!   without AVX2+FMA and on other architectures, and the tests' reference
//!   kernel everywhere.
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
    /// A name for tests, which assert the kernel a path really runs
    /// (`"neon f64 6x8"`).
    #[cfg_attr(not(test), allow(dead_code))]
    const NAME: &'static str;

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
    const NAME: &'static str = "portable";

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
        const NAME: &'static str = "avx2 f64 6x8";
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
        const NAME: &'static str = "avx2 f32 6x16";
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

#[cfg(target_arch = "aarch64")]
pub(crate) use neon::{NeonF32, NeonF64};

/// aarch64 NEON kernels (128-bit vectors, 32 registers).
///
/// The tile's rows are C's rows, so the accumulators run along `j` (the
/// packed B row is loaded as whole vectors) and each A value multiplies a B
/// vector straight from a lane of the register it was loaded into
/// (`vfmaq_laneq`: `fmla vd.2d, vn.2d, vm.d[lane]`), which saves the
/// broadcasts x86 needs. Per depth step:
///
/// | kernel   | tile | accumulators | operand registers | FMAs | loads | flops |
/// |----------|------|--------------|-------------------|------|-------|-------|
/// | f64      | 6x8  | 24 (6 x 4)   | 4 B + 3 A         | 24   | 7     | 96    |
/// | f32      | 8x12 | 24 (8 x 3)   | 3 B + 2 A         | 24   | 5     | 192   |
///
/// A core with two 128-bit FMA pipes (Cortex-A76/A78, Neoverse N1/N2) issues
/// the 24 FMAs in 12 cycles: 8 f64 / 16 f32 flops per cycle, its peak, with
/// 7 (5) loads in those cycles on two load ports. One with four pipes
/// (Neoverse V1/V2, Apple M1..) needs 6 cycles: 16 / 32 flops per cycle,
/// still under its three loads per cycle. FMA latency is about 4 cycles, so
/// four pipes need 16 independent accumulators; 24 leave slack, and each
/// accumulator is updated once per step (6 or 12 cycles > latency), so no
/// step waits on the previous one.
///
/// The depth loop is unrolled by four. There is no software prefetch:
/// the panels are streamed in order, which the hardware prefetchers of
/// these cores follow (and `prfm` would need inline assembly, which Miri
/// cannot run).
#[cfg(target_arch = "aarch64")]
mod neon {
    use core::arch::aarch64::*;

    use super::{write_back, Kernel};

    /// NEON f64 kernel, 6x8.
    pub(crate) struct NeonF64;
    /// NEON f32 kernel, 8x12.
    pub(crate) struct NeonF32;

    /// One depth step of the f64 6x8 tile: `acc[r][v] += a[r] * b[2v..2v+2]`
    /// from the 6 packed A values at `$a` and the 8 packed B values at `$b`.
    macro_rules! step_f64 {
        ($acc:ident, $a:expr, $b:expr) => {{
            let (a, b): (*const f64, *const f64) = ($a, $b);
            let bv = [
                vld1q_f64(b),
                vld1q_f64(b.add(2)),
                vld1q_f64(b.add(4)),
                vld1q_f64(b.add(6)),
            ];
            let a01 = vld1q_f64(a);
            let a23 = vld1q_f64(a.add(2));
            let a45 = vld1q_f64(a.add(4));
            let mut v = 0;
            while v < 4 {
                $acc[0][v] = vfmaq_laneq_f64::<0>($acc[0][v], bv[v], a01);
                $acc[1][v] = vfmaq_laneq_f64::<1>($acc[1][v], bv[v], a01);
                $acc[2][v] = vfmaq_laneq_f64::<0>($acc[2][v], bv[v], a23);
                $acc[3][v] = vfmaq_laneq_f64::<1>($acc[3][v], bv[v], a23);
                $acc[4][v] = vfmaq_laneq_f64::<0>($acc[4][v], bv[v], a45);
                $acc[5][v] = vfmaq_laneq_f64::<1>($acc[5][v], bv[v], a45);
                v += 1;
            }
        }};
    }

    /// One depth step of the f32 8x12 tile: `acc[r][v] += a[r] * b[4v..4v+4]`
    /// from the 8 packed A values at `$a` and the 12 packed B values at `$b`.
    macro_rules! step_f32 {
        ($acc:ident, $a:expr, $b:expr) => {{
            let (a, b): (*const f32, *const f32) = ($a, $b);
            let bv = [vld1q_f32(b), vld1q_f32(b.add(4)), vld1q_f32(b.add(8))];
            let a0 = vld1q_f32(a);
            let a1 = vld1q_f32(a.add(4));
            let mut v = 0;
            while v < 3 {
                $acc[0][v] = vfmaq_laneq_f32::<0>($acc[0][v], bv[v], a0);
                $acc[1][v] = vfmaq_laneq_f32::<1>($acc[1][v], bv[v], a0);
                $acc[2][v] = vfmaq_laneq_f32::<2>($acc[2][v], bv[v], a0);
                $acc[3][v] = vfmaq_laneq_f32::<3>($acc[3][v], bv[v], a0);
                $acc[4][v] = vfmaq_laneq_f32::<0>($acc[4][v], bv[v], a1);
                $acc[5][v] = vfmaq_laneq_f32::<1>($acc[5][v], bv[v], a1);
                $acc[6][v] = vfmaq_laneq_f32::<2>($acc[6][v], bv[v], a1);
                $acc[7][v] = vfmaq_laneq_f32::<3>($acc[7][v], bv[v], a1);
                v += 1;
            }
        }};
    }

    #[target_feature(enable = "neon")]
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
        // SAFETY (whole body): NEON is enabled on this function and the
        // caller checked the CPU has it; pointer reads stay inside the
        // `kc * 6` / `kc * 8` packed panels the caller guarantees; C is
        // accessed as a whole tile only when `m x n` is the whole 6x8 tile
        // with unit column stride, else clipped by `write_back`.
        unsafe {
            let mut acc = [[vdupq_n_f64(0.0); 4]; 6];
            let mut left = kc;
            while left >= 4 {
                step_f64!(acc, a, b);
                step_f64!(acc, a.add(6), b.add(8));
                step_f64!(acc, a.add(12), b.add(16));
                step_f64!(acc, a.add(18), b.add(24));
                a = a.add(24);
                b = b.add(32);
                left -= 4;
            }
            while left > 0 {
                step_f64!(acc, a, b);
                a = a.add(6);
                b = b.add(8);
                left -= 1;
            }
            if m == 6 && n == 8 && cs == 1 {
                let va = vdupq_n_f64(alpha);
                let vb = vdupq_n_f64(beta);
                for (r, row) in acc.iter().enumerate() {
                    let dst = c.offset(r as isize * rs);
                    for (v, &x) in row.iter().enumerate() {
                        let p = dst.add(v * 2);
                        let out = if beta == 0.0 {
                            vmulq_f64(va, x)
                        } else {
                            vfmaq_f64(vmulq_f64(vb, vld1q_f64(p)), va, x)
                        };
                        vst1q_f64(p, out);
                    }
                }
            } else {
                let mut tile = [0.0f64; 48];
                for (r, row) in acc.iter().enumerate() {
                    for (v, &x) in row.iter().enumerate() {
                        vst1q_f64(tile.as_mut_ptr().add(r * 8 + v * 2), x);
                    }
                }
                write_back(&tile, 8, c, rs, cs, m, n, alpha, beta);
            }
        }
    }

    #[target_feature(enable = "neon")]
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
        // SAFETY (whole body): as in `kernel_f64`, with `kc * 8` / `kc * 12`
        // panels and an 8x12 tile.
        unsafe {
            let mut acc = [[vdupq_n_f32(0.0); 3]; 8];
            let mut left = kc;
            while left >= 4 {
                step_f32!(acc, a, b);
                step_f32!(acc, a.add(8), b.add(12));
                step_f32!(acc, a.add(16), b.add(24));
                step_f32!(acc, a.add(24), b.add(36));
                a = a.add(32);
                b = b.add(48);
                left -= 4;
            }
            while left > 0 {
                step_f32!(acc, a, b);
                a = a.add(8);
                b = b.add(12);
                left -= 1;
            }
            if m == 8 && n == 12 && cs == 1 {
                let va = vdupq_n_f32(alpha);
                let vb = vdupq_n_f32(beta);
                for (r, row) in acc.iter().enumerate() {
                    let dst = c.offset(r as isize * rs);
                    for (v, &x) in row.iter().enumerate() {
                        let p = dst.add(v * 4);
                        let out = if beta == 0.0 {
                            vmulq_f32(va, x)
                        } else {
                            vfmaq_f32(vmulq_f32(vb, vld1q_f32(p)), va, x)
                        };
                        vst1q_f32(p, out);
                    }
                }
            } else {
                let mut tile = [0.0f32; 96];
                for (r, row) in acc.iter().enumerate() {
                    for (v, &x) in row.iter().enumerate() {
                        vst1q_f32(tile.as_mut_ptr().add(r * 12 + v * 4), x);
                    }
                }
                write_back(&tile, 12, c, rs, cs, m, n, alpha, beta);
            }
        }
    }

    impl Kernel<f64> for NeonF64 {
        const MR: usize = 6;
        const NR: usize = 8;
        const NAME: &'static str = "neon f64 6x8";
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
            // includes that the CPU has NEON (`Isa::Neon` was detected).
            unsafe { kernel_f64(kc, a, b, c, rs, cs, m, n, alpha, beta) }
        }
    }

    impl Kernel<f32> for NeonF32 {
        const MR: usize = 8;
        const NR: usize = 12;
        const NAME: &'static str = "neon f32 8x12";
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
            // SAFETY: as for `NeonF64`.
            unsafe { kernel_f32(kc, a, b, c, rs, cs, m, n, alpha, beta) }
        }
    }
}
