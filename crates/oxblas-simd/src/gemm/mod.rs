//! General matrix-matrix product $C \leftarrow \alpha A B + \beta C$.
//!
//! Step-1 version: a straightforward, correct loop over views of any strides.

use oxblas_core::{validate, MatMut, MatRef, Op, Par, Result, Scalar};

/// The SIMD level the gemm kernels run with on this machine.
pub fn arch_name() -> &'static str {
    "scalar"
}

/// $C \leftarrow \alpha A B + \beta C$ for views of any strides.
///
/// With `beta == 0`, `C` is not read (NaN in `C` does not propagate); with
/// `alpha == 0`, `A` and `B` are not read. `par` bounds the threads used.
///
/// # Errors
/// [`oxblas_core::Error::DimensionMismatch`] unless `A` is `m x k`, `B` is
/// `k x n` and `C` is `m x n`.
pub fn gemm<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    par: Par,
) -> Result<()> {
    let _ = par;
    validate::gemm(Op::Gemm, a.shape(), b.shape(), c.shape())?;
    let (m, n) = c.shape();
    let k = a.cols();
    for i in 0..m {
        for j in 0..n {
            let mut acc = T::ZERO;
            if alpha != T::ZERO {
                for p in 0..k {
                    acc += a[(i, p)] * b[(p, j)];
                }
            }
            let prod = alpha * acc;
            c[(i, j)] = if beta == T::ZERO {
                if alpha == T::ZERO {
                    T::ZERO
                } else {
                    prod
                }
            } else if alpha == T::ZERO {
                beta * c[(i, j)]
            } else {
                prod + beta * c[(i, j)]
            };
        }
    }
    Ok(())
}
