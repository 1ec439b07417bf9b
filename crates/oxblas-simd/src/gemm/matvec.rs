//! Products with one output column (`n == 1`; `m == 1` arrives here
//! transposed): a matrix-vector product. The register tiles of the packed
//! path would waste 7 of 8 columns on them, so they get their own loops:
//! dot products with 8 independent accumulators when A's rows are
//! contiguous, column updates of one accumulator vector otherwise.

use oxblas_core::{MatMut, MatRef, Scalar};

use super::Isa;

/// `x . y` with 8 independent partial sums (hides the add latency and lets
/// the compiler use full vectors).
#[inline(always)]
fn dot<T: Scalar, const FMA: bool>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (xs, ys) in xc.zip(yc) {
        for l in 0..8 {
            acc[l] = if FMA {
                xs[l].mul_add(ys[l], acc[l])
            } else {
                acc[l] + xs[l] * ys[l]
            };
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&x, &y) in xr.iter().zip(yr) {
        s += x * y;
    }
    s
}

#[inline(always)]
fn body<T: Scalar, const FMA: bool>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
) {
    let (m, k) = a.shape();
    debug_assert!(c.cols() == 1 && b.cols() == 1 && b.rows() == k);
    let write = |c: &mut MatMut<'_, T>, i: usize, v: T| {
        let dst = c.ptr_at_mut(i, 0);
        let v = alpha * v;
        // SAFETY: i < m: inside `c`, which we borrow exclusively.
        unsafe {
            *dst = if beta == T::ZERO { v } else { v + beta * *dst };
        }
    };
    if a.col_stride() == 1 && k > 0 {
        // Rows of A contiguous: one dot product per row.
        let bv: Vec<T> = (0..k).map(|p| b[(p, 0)]).collect();
        for i in 0..m {
            // SAFETY: row i < m of `a` holds k contiguous elements (unit column stride).
            let row = unsafe { core::slice::from_raw_parts(a.ptr_at(i, 0), k) };
            let v = dot::<T, FMA>(row, &bv);
            write(&mut c, i, v);
        }
    } else {
        // Columns of A (or neither dimension) contiguous: acc += A[:, p] * b[p].
        let mut acc = vec![T::ZERO; m];
        let unit = a.row_stride() == 1;
        for p in 0..k {
            let bp = b[(p, 0)];
            if unit {
                // SAFETY: column p < k of `a` holds m contiguous elements (unit row stride).
                let col = unsafe { core::slice::from_raw_parts(a.ptr_at(0, p), m) };
                for (s, &x) in acc.iter_mut().zip(col) {
                    *s = if FMA { x.mul_add(bp, *s) } else { *s + x * bp };
                }
            } else {
                for (i, s) in acc.iter_mut().enumerate() {
                    *s += a[(i, p)] * bp;
                }
            }
        }
        for (i, &v) in acc.iter().enumerate() {
            write(&mut c, i, v);
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

/// `C (m x 1) = alpha A b + beta C` for validated shapes.
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
        Isa::Neon => body::<T, true>(alpha, a, b, beta, c),
        _ => body::<T, false>(alpha, a, b, beta, c),
    }
}
