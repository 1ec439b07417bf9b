//! The recursive Cholesky factorization.

use oxblas_core::{validate, Cholesky, Error, Mat, MatMut, MatRef, Op, Result, Scalar, Uplo};

use crate::lapack::util::{all_finite, split_point};
use crate::level3;

/// Order up to which Cholesky runs its unblocked (Crout) kernel.
#[cfg(not(test))]
const LEAF: usize = 128;
#[cfg(test)]
const LEAF: usize = 11;

/// Cholesky factorization $A = LL^T$, reading only the lower triangle of `a`.
///
/// Returns `L` (lower triangular, zeros above the diagonal).
///
/// # Errors
/// - [`Error::NotSquare`] if `a` is not square;
/// - [`Error::NonFinite`] if the lower triangle holds NaN or infinity
///   (checked before any work);
/// - [`Error::NotPositiveDefinite`] with the 0-based index of the first
///   pivot that is not positive (LAPACK's `info - 1`): the leading minor of
///   order `index + 1` is not positive definite.
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
    let n = validate::square(Op::Cholesky, a.shape())?;
    // One pass: copy each row's lower part, check it (vectorized), zero the
    // rest. The check completes before any factorization work. Rows are
    // `ld` apart, padded by a cache line when n would make the stride a
    // multiple of 512 bytes (rows then share L1 sets and 4 KiB aliases);
    // the padding is squeezed out at the end.
    let ld = padded_stride::<T>(n);
    let mut data: Vec<T> = Vec::with_capacity(n * ld);
    for i in 0..n {
        match a.row_slice(i) {
            Some(src) => data.extend_from_slice(&src[..=i]),
            // SAFETY: i < n, j <= i < n.
            None => data.extend((0..=i).map(|j| unsafe { *a.get_unchecked(i, j) })),
        }
        if !all_finite(&data[i * ld..]) {
            return Err(Error::NonFinite { op: Op::Cholesky });
        }
        data.resize((i + 1) * ld, T::ZERO);
    }
    {
        let whole = MatMut::from_slice(&mut data, n, ld)?;
        factor_in_place(whole.submatrix(0, 0, n, n)?, 0)?;
    }
    if ld != n {
        for i in 1..n {
            data.copy_within(i * ld..i * ld + n, i * n);
        }
        data.truncate(n * n);
    }
    let l = Mat::from_vec(n, n, data)?;
    Ok(Cholesky { l })
}

/// Row stride of the working copy for order `n`: `n`, plus a cache line
/// when `n` rows of `T` are a multiple of 512 bytes long and `n >= 256`
/// (below that the whole matrix is near L1 size and the final squeeze
/// would cost more than the conflicts).
fn padded_stride<T>(n: usize) -> usize {
    let size = core::mem::size_of::<T>().max(1);
    if n >= 256 && (n * size).is_multiple_of(512) {
        n + 64 / size
    } else {
        n
    }
}

/// Factors the lower triangle of `a` in place (`offset`: the index of its
/// first pivot in the whole matrix, for the error). `a` has unit column
/// stride (it is always a block of the row-major copy made by [`factor`]).
fn factor_in_place<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
    let n = a.rows();
    debug_assert!(n <= 1 || a.col_stride() == 1);
    if n <= LEAF {
        return leaf(a.rb_mut(), offset);
    }
    let n1 = split_point(n);
    let (top, bot) = a.split_at_row(n1);
    let (mut a11, _) = top.split_at_col(n1);
    let (mut a21, mut a22) = bot.split_at_col(n1);
    factor_in_place(a11.rb_mut(), offset)?;
    // L21 = A21 L11^{-T}: the row-wise right-side solve of level 3 (rows of
    // A21 and L11 contiguous, no transposing copy; rows split over threads).
    level3::solve_lower_t(a11.rb(), false, a21.rb_mut(), crate::current_par());
    // A22 -= L21 L21^T on the lower triangle only, by the packed syrk driver.
    level3::syrk(Uplo::Lower, -T::ONE, a21.rb(), T::ONE, a22.rb_mut())?;
    factor_in_place(a22, offset + n1)
}

/// Unblocked left-looking Cholesky of a block of order at most `LEAF`, four
/// columns at a time: the 4 x 4 diagonal block is updated by the Gram matrix
/// of its rows (dot products of contiguous rows) and factored in place, then
/// the rows below solve for the same four columns (level 3's panel kernel:
/// 4 x 4 tiles of dot products, independent of each other).
#[allow(clippy::needless_range_loop)] // 4 x 4 tile indexed by row and column
fn leaf<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
    let n = a.rows();
    debug_assert!(n <= LEAF);
    if n == 0 {
        return Ok(());
    }
    let rs = a.row_stride();
    let base = a.ptr_at_mut(0, 0);
    let at = |i: usize, j: usize| base.wrapping_offset(i as isize * rs + j as isize);
    let mut invd = [T::ZERO; LEAF];
    // Chunks of rows small enough to stay in L1 (see `row_chunk`): each
    // first solves for the columns left of it (against the rows factored
    // before), then factors its own diagonal block column panel by panel.
    let chunk = level3::row_chunk::<T>(n);
    for c0 in (0..n).step_by(chunk) {
        let c1 = (c0 + chunk).min(n);
        // SAFETY: rows c < c0 of `a` hold the factored L[c, 0..=c] (read
        // only); rows c0..c1 (disjoint from them) hold at least c0
        // elements each; invd[..c0] is filled.
        unsafe { level3::solve_rows(c1 - c0, c0, at(0, 0), rs, &invd, at(c0, 0), rs) };
        for j0 in (c0..c1).step_by(4) {
            let nj = (c1 - j0).min(4);
            // SAFETY: `a` is an n x n view with unit column stride (or n == 1),
            // borrowed exclusively; rows j0..j0 + nj hold at least j0 elements.
            let g = unsafe { level3::tile_gram(nj, j0, at(j0, 0), rs) };
            let mut t = [[T::ZERO; 4]; 4];
            for r in 0..nj {
                for c in 0..=r {
                    // SAFETY: (j0 + r, j0 + c) with c <= r < nj: inside `a`.
                    t[r][c] = unsafe { *at(j0 + r, j0 + c) } - g[r][c];
                }
            }
            for c in 0..nj {
                let mut d = t[c][c];
                for q in 0..c {
                    d -= t[c][q] * t[c][q];
                }
                // Not positive (or NaN): the leading minor of this order fails.
                let positive = d > T::ZERO;
                if !positive {
                    return Err(Error::NotPositiveDefinite {
                        index: offset + j0 + c,
                    });
                }
                let s = d.sqrt();
                let inv = T::ONE / s;
                t[c][c] = s;
                invd[j0 + c] = inv;
                for r in c + 1..nj {
                    let mut v = t[r][c];
                    for q in 0..c {
                        v -= t[r][q] * t[c][q];
                    }
                    t[r][c] = v * inv;
                }
            }
            for r in 0..nj {
                for c in 0..=r {
                    // SAFETY: as above; `a` is borrowed exclusively.
                    unsafe { *at(j0 + r, j0 + c) = t[r][c] };
                }
            }
            let below = c1 - j0 - nj;
            if below > 0 {
                // SAFETY: rows j0..j0 + nj of `a` hold the factored L[c, 0..=c]
                // (read only); rows j0 + nj..c1 (disjoint from them) hold at
                // least j0 + nj elements each, their first j0 already solved;
                // invd[..j0 + nj] is filled.
                unsafe {
                    level3::solve_panel(below, j0, nj, at(0, 0), rs, &invd, at(j0 + nj, 0), rs)
                };
            }
        }
    }
    Ok(())
}
