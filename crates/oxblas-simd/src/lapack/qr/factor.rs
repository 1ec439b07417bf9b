//! Blocked Householder QR (`geqrf`).

use oxblas_core::{Error, Mat, MatMut, MatRef, Op, Par, Qr, Result, Scalar};

use super::panel::{panel_qr, transpose_into};
use crate::current_par;
use crate::lapack::util::{all_finite, pgemm, to_row_major};

/// Reflectors per panel for an `m x n` matrix. Each panel is factored on a
/// transposed copy by the register-blocked kernel of `panel.rs` (which also
/// builds `T`), then applied to the trailing columns in compact WY form (three
/// gemm calls). Wider panels make the trailing gemm calls faster (their inner
/// dimension is the panel width) but the panel's own, less efficient, work
/// larger. A small matrix is one panel: no `T` beyond the kernel's own blocks
/// and no gemm call. Timed with `examples/probe_factor.rs qr` (the block
/// size forced while tuning): n = 64: one panel 1.41x OpenBLAS against
/// 1.23-1.28 for 16 to 32; n = 96: 16 and 24 ahead of 32, one panel 0.96;
/// n = 256: 24 (1.34-1.46) ahead of 32 (1.34-1.38) and 48 (1.25-1.36);
/// n = 1024: 32 to 96 within noise.
#[cfg(not(test))]
pub(crate) fn block_size(m: usize, n: usize) -> usize {
    let k = m.min(n);
    if k <= 64 && m <= 128 {
        k
    } else if k <= 384 {
        24
    } else {
        64
    }
}
#[cfg(test)]
pub(crate) fn block_size(_m: usize, _n: usize) -> usize {
    5
}

/// Householder QR of an `m x n` matrix (any shape), in LAPACK's `geqrf`
/// layout: `R` on and above the diagonal, the reflectors below it, and
/// `min(m, n)` scalars `tau`; $Q = H_0 H_1 \cdots H_{k-1}$.
///
/// # Errors
/// [`oxblas_core::Error::NonFinite`] if `a` holds NaN or infinity.
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
    let (m, n) = a.shape();
    // Row-major working copy, checked before any work.
    let mut f = to_row_major(a);
    if !all_finite(f.as_slice()) {
        return Err(Error::NonFinite { op: Op::Qr });
    }
    let mut tau = vec![T::ZERO; m.min(n)];
    factor_in_place(f.as_mut(), &mut tau, current_par())?;
    Ok(Qr { factors: f, tau })
}

/// QR of `a` in place (any strides; row-major is fastest).
pub(crate) fn factor_in_place<T: Scalar>(
    mut a: MatMut<'_, T>,
    tau: &mut [T],
    par: Par,
) -> Result<()> {
    let (m, n) = a.shape();
    let k = m.min(n);
    if k == 0 {
        return Ok(());
    }
    let nb = block_size(m, n).clamp(1, k);
    // The transposed panel (becomes V^T), T, and the two gemm temporaries.
    let mut p = vec![T::ZERO; nb * m];
    let mut t = Mat::<T>::zeros(nb, nb);
    let mut work = vec![T::ZERO; 2 * nb * (n - nb.min(n))];
    let mut j = 0;
    while j < k {
        let jb = nb.min(k - j);
        let len = m - j;
        let mut y = MatMut::from_slice(&mut p[..jb * len], jb, len)?;
        transpose_into(a.rb().submatrix(j, j, len, jb)?, y.rb_mut());
        let mut tj = t.as_mut().submatrix(0, 0, jb, jb)?;
        let panel = y
            .as_row_major_slice()
            .expect("the panel buffer is contiguous");
        let rest = n - j - jb;
        panel_qr(panel, jb, len, &mut tau[j..j + jb], tj.rb_mut(), rest > 0);
        transpose_into(y.rb(), a.rb_mut().submatrix(j, j, len, jb)?);
        if rest > 0 {
            // y becomes V^T: zeros left of the diagonal, ones on it.
            for c in 0..jb {
                let row = y.row_slice(c).expect("panel rows are contiguous");
                row[..c].fill(T::ZERO);
                row[c] = T::ONE;
            }
            let (w1, w2) = work[..2 * jb * rest].split_at_mut(jb * rest);
            let mut w1 = MatMut::from_slice(w1, jb, rest)?;
            let mut w2 = MatMut::from_slice(w2, jb, rest)?;
            let mut c = a.rb_mut().submatrix(j, j + jb, len, rest)?;
            // C <- (I - V T V^T)^T C = C - V (T^T (V^T C)); T's lower triangle is zero.
            pgemm(T::ONE, y.rb(), c.rb(), T::ZERO, w1.rb_mut(), par)?;
            pgemm(T::ONE, tj.rb().t(), w1.rb(), T::ZERO, w2.rb_mut(), par)?;
            pgemm(-T::ONE, y.rb().t(), w2.rb(), T::ONE, c.rb_mut(), par)?;
        }
        j += jb;
    }
    Ok(())
}
