//! Blocked Householder QR (`geqrf`).

use oxblas_core::{Error, MatMut, MatRef, Op, Par, Qr, Result, Scalar};

use super::reflector::{apply_householder, householder, BlockReflector};
use crate::current_par;
use crate::lapack::util::{all_finite, to_row_major, vectorized};

/// Reflectors per panel for a matrix with `k = min(m, n)` reflectors: each
/// panel is factored with vector kernels, then applied to the trailing
/// columns in compact WY form (gemm). Narrow panels suit small matrices
/// (little gemm work to amortize the `T` factor); 32 keeps an `m x 32` f64
/// panel of a 1024-row matrix in L2. Timed with `examples/probe_factor.rs`.
#[cfg(not(test))]
pub(crate) fn block_size(k: usize) -> usize {
    if k <= 256 {
        16
    } else {
        32
    }
}
#[cfg(test)]
pub(crate) fn block_size(_k: usize) -> usize {
    3
}

/// Householder QR of an `m x n` matrix (any shape), in LAPACK's `geqrf`
/// layout: `R` on and above the diagonal, the reflectors below it, and
/// `min(m, n)` scalars `tau`; $Q = H_0 H_1 \cdots H_{k-1}$.
///
/// # Errors
/// [`oxblas_core::Error::NonFinite`] if `a` holds NaN or infinity.
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
    let (m, n) = a.shape();
    // Column-major working copy: row j of `w` is column j of A.
    // Column-major working copy (row j of `w` is column j of A), checked
    // before any work.
    let mut w = to_row_major(a.t());
    if !all_finite(w.as_slice()) {
        return Err(Error::NonFinite { op: Op::Qr });
    }
    let mut tau = vec![T::ZERO; m.min(n)];
    factor_in_place(w.as_mut(), &mut tau, current_par())?;
    Ok(Qr {
        factors: to_row_major(w.t()),
        tau,
    })
}

/// QR of the matrix whose columns are the (contiguous) rows of `w`.
pub(crate) fn factor_in_place<T: Scalar>(
    mut w: MatMut<'_, T>,
    tau: &mut [T],
    par: Par,
) -> Result<()> {
    let (n, m) = w.shape();
    let k = m.min(n);
    let nb = block_size(k);
    let mut j = 0;
    while j < k {
        let jb = nb.min(k - j);
        {
            let panel = w.rb_mut().submatrix(j, j, jb, m - j)?;
            vectorized(
                #[inline(always)]
                || panel_qr(panel, &mut tau[j..j + jb]),
            );
        }
        if j + jb < n {
            let (top, bot) = w.rb_mut().split_at_row(j + jb);
            let refl =
                BlockReflector::new(top.rb().submatrix(j, j, jb, m - j)?.t(), &tau[j..j + jb]);
            let trailing = bot.submatrix(0, j, n - j - jb, m - j)?.t();
            refl.apply_left(true, trailing, par)?;
        }
        j += jb;
    }
    Ok(())
}

/// Unblocked QR (`geqr2`) of a panel given as rows (= columns of A).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // c indexes rows of `p` and `tau` alike
pub(crate) fn panel_qr<T: Scalar>(mut p: MatMut<'_, T>, tau: &mut [T]) {
    let jb = p.rows();
    for c in 0..jb {
        let (mut upper, mut lower) = p.rb_mut().split_at_row(c + 1);
        let v = &mut upper.row_slice(c).expect("working copy is row-major")[c..];
        tau[c] = householder(v);
        for d in 0..lower.rows() {
            let col = &mut lower.row_slice(d).expect("working copy is row-major")[c..];
            apply_householder(tau[c], v, col);
        }
    }
}
