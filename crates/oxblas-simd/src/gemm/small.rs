//! The small-matrix path: no packing, no blocking, no allocation. For
//! products whose dimensions are all at most [`SMALL`], packing would cost
//! more than the product itself; here one row of `C` at a time is
//! accumulated in a stack array, in fixed-width chunks the compiler turns
//! into vector registers.

use oxblas_core::{MatMut, MatRef, Scalar};

use super::Isa;

/// Largest `m`, `n` and `k` the small path takes.
pub(crate) const SMALL: usize = 16;

/// Chunk width of the row accumulators (one 256-bit vector of f64).
const W: usize = 4;

/// The body, inlined into each instruction-set wrapper below, for `n` in
/// `(NCH - 1) * W + 1 ..= NCH * W` (so the accumulators are exactly `NCH`
/// vectors). `FMA` selects fused multiply-add (only where the hardware has
/// it: a software `fma` call would be slow).
#[inline(always)]
fn body<T: Scalar, const FMA: bool, const NCH: usize, const RB: usize>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    debug_assert!(m <= SMALL && n <= NCH * W && k <= SMALL);
    if b.col_stride() == 1 && n == NCH * W {
        // B's rows are whole chunks in memory: read them in place.
        let row = |p: usize| {
            // SAFETY: row p < k of B holds n = NCH * W contiguous elements
            // (unit column stride); `[[T; W]; NCH]` has the layout of `[T; n]`.
            unsafe { core::ptr::read_unaligned(b.ptr_at(p, 0) as *const [[T; W]; NCH]) }
        };
        rows::<T, FMA, NCH, RB>(alpha, a, beta, c.rb_mut(), row);
        return;
    }
    // Otherwise gather B's rows once, zero-padded to whole chunks.
    let mut bl = [[[T::ZERO; W]; NCH]; SMALL];
    for (p, row) in bl.iter_mut().enumerate().take(k) {
        for (q, chunk) in row.iter_mut().enumerate() {
            for (l, x) in chunk.iter_mut().enumerate() {
                let j = q * W + l;
                if j < n {
                    // SAFETY: p < k = b.rows(), j < n = b.cols().
                    *x = unsafe { *b.get_unchecked(p, j) };
                }
            }
        }
    }
    rows::<T, FMA, NCH, RB>(alpha, a, beta, c.rb_mut(), |p| bl[p]);
}

/// Computes every row of C from `row(p)`, the chunks of B's row `p`, `RB`
/// rows at a time: `RB * NCH` independent accumulators hide the FMA latency.
#[inline(always)]
fn rows<T: Scalar, const FMA: bool, const NCH: usize, const RB: usize>(
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    row: impl Fn(usize) -> [[T; W]; NCH],
) {
    let m = c.rows();
    let mut i = 0;
    while i + RB <= m {
        block::<T, FMA, NCH, RB>(i, alpha, a, beta, c.rb_mut(), &row);
        i += RB;
    }
    while i < m {
        block::<T, FMA, NCH, 1>(i, alpha, a, beta, c.rb_mut(), &row);
        i += 1;
    }
}

/// Rows `i0 .. i0 + RB` of C.
#[inline(always)]
fn block<T: Scalar, const FMA: bool, const NCH: usize, const RB: usize>(
    i0: usize,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    row: &impl Fn(usize) -> [[T; W]; NCH],
) {
    let (n, k) = (c.cols(), a.cols());
    let mut acc = [[[T::ZERO; W]; NCH]; RB];
    for p in 0..k {
        let brow = row(p);
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: i0 + r < m = a.rows() (the caller's loop), p < k = a.cols().
            let aip = unsafe { *a.get_unchecked(i0 + r, p) };
            for (acc, bv) in acc.iter_mut().zip(brow.iter()) {
                for l in 0..W {
                    acc[l] = if FMA {
                        aip.mul_add(bv[l], acc[l])
                    } else {
                        acc[l] + aip * bv[l]
                    };
                }
            }
        }
    }
    let unit = c.col_stride() == 1;
    for (r, acc) in acc.iter().enumerate() {
        let i = i0 + r;
        for (q, chunk) in acc.iter().enumerate() {
            if unit && (q + 1) * W <= n {
                let dst = c.ptr_at_mut(i, q * W) as *mut [T; W];
                // SAFETY: columns q*W .. q*W + W < n of row i < m are
                // contiguous (unit column stride) inside `c`, borrowed
                // exclusively; unaligned access is allowed by read/write_unaligned.
                unsafe {
                    let old = if beta == T::ZERO {
                        [T::ZERO; W]
                    } else {
                        core::ptr::read_unaligned(dst)
                    };
                    let mut out = [T::ZERO; W];
                    for l in 0..W {
                        out[l] = if beta == T::ZERO {
                            alpha * chunk[l]
                        } else {
                            alpha * chunk[l] + beta * old[l]
                        };
                    }
                    core::ptr::write_unaligned(dst, out);
                }
                continue;
            }
            for (l, &x) in chunk.iter().enumerate() {
                let j = q * W + l;
                if j < n {
                    let v = alpha * x;
                    let dst = c.ptr_at_mut(i, j);
                    // SAFETY: i < m, j < n: inside `c`, which we borrow exclusively.
                    unsafe {
                        *dst = if beta == T::ZERO { v } else { v + beta * *dst };
                    }
                }
            }
        }
    }
}

/// Picks the accumulator width for `n`.
#[inline(always)]
fn by_width<T: Scalar, const FMA: bool>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) {
    match c.cols().div_ceil(W) {
        // Rows per block: about 8 to 12 vector accumulators.
        0 | 1 => body::<T, FMA, 1, 8>(alpha, a, b, beta, c),
        2 => body::<T, FMA, 2, 4>(alpha, a, b, beta, c),
        3 => body::<T, FMA, 3, 3>(alpha, a, b, beta, c),
        _ => body::<T, FMA, 4, 2>(alpha, a, b, beta, c),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn body_avx2<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) {
    by_width::<T, true>(alpha, a, b, beta, c)
}

/// `C = alpha A B + beta C` for validated shapes with `m, n, k <= SMALL`.
pub(crate) fn gemm<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2Fma` is only chosen when pulp's `x86::V3`
        // detection (AVX2 + FMA) succeeded.
        Isa::Avx2Fma => unsafe { body_avx2(alpha, a, b, beta, c) },
        // aarch64 has FMA in its base ISA: `mul_add` is one `fmla`/`fmadd`.
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => by_width::<T, true>(alpha, a, b, beta, c),
        _ => by_width::<T, false>(alpha, a, b, beta, c),
    }
}
