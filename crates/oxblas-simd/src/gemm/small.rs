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

/// The body, inlined into each instruction-set wrapper below. `FMA` selects
/// fused multiply-add (only where the hardware has it: a software `fma` call
/// would be slow).
#[inline(always)]
fn body<T: Scalar, const FMA: bool>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    debug_assert!(m <= SMALL && n <= SMALL && k <= SMALL);
    let chunks = n.div_ceil(W);
    // B's rows, zero-padded to a whole number of chunks.
    let mut bl = [[[T::ZERO; W]; SMALL / W]; SMALL];
    for (p, row) in bl.iter_mut().enumerate().take(k) {
        for j in 0..n {
            // SAFETY: p < k = b.rows(), j < n = b.cols().
            row[j / W][j % W] = unsafe { *b.get_unchecked(p, j) };
        }
    }
    for i in 0..m {
        let mut acc = [[T::ZERO; W]; SMALL / W];
        for (p, brow) in bl.iter().enumerate().take(k) {
            // SAFETY: i < m = a.rows(), p < k = a.cols().
            let aip = unsafe { *a.get_unchecked(i, p) };
            for (acc, bv) in acc.iter_mut().zip(brow).take(chunks) {
                for l in 0..W {
                    acc[l] = if FMA {
                        aip.mul_add(bv[l], acc[l])
                    } else {
                        acc[l] + aip * bv[l]
                    };
                }
            }
        }
        for j in 0..n {
            let v = alpha * acc[j / W][j % W];
            let dst = c.ptr_at_mut(i, j);
            // SAFETY: i < m, j < n: inside `c`, which we borrow exclusively.
            unsafe {
                *dst = if beta == T::ZERO { v } else { v + beta * *dst };
            }
        }
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
    body::<T, true>(alpha, a, b, beta, c)
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
        _ => body::<T, false>(alpha, a, b, beta, c),
    }
}
