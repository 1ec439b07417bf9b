//! Recursive panel QR (Elmroth and Gustavson, 2000) that also builds the
//! compact-WY factor `T`, so that the blocked QR needs no separate `larft`.
//!
//! The panel is held transposed: row `c` of `y` (`k x len`, contiguous rows)
//! is column `c` of the panel, and reflector `c` starts at `y[c][c]` (its unit
//! entry implied; `y[c][c]` holds `R[c][c]`, `y[c][..c]` the entries of `R`
//! above it). Splitting the panel in two column halves, factoring the left,
//! updating the right with the left's block reflector and factoring it puts
//! all but the leaves' flops in [`crate::gemm::gemm`]; the leaves are
//! unit-stride Householder steps.
//!
//! With $V = [V_1\ V_2]$ and $H = I - V T V^T$:
//! $T = \begin{pmatrix} T_1 & -T_1 V_1^T V_2 T_2 \\ 0 & T_2 \end{pmatrix}$.

use oxblas_core::{Mat, MatMut, MatRef, Par, Result, Scalar};

use super::reflector::{apply_householder, householder};
use crate::gemm::gemm;
use crate::lapack::util::{dot, vectorized};

/// Widest panel factored by plain Householder steps (at most [`LEAF_MAX`]).
#[cfg(not(test))]
const PANEL_LEAF: usize = 8;
#[cfg(test)]
const PANEL_LEAF: usize = 2;

/// Capacity of the leaf's dot-product buffer.
const LEAF_MAX: usize = 16;

/// Factors the transposed panel `y` (`k x len`, `len >= k`, unit column
/// stride) in place, writes its `k` scalars to `tau` and the upper triangle
/// (diagonal included) of `T` to `t` (`k x k`); `t`'s strict lower triangle is
/// never written.
pub(crate) fn panel_qr<T: Scalar>(
    mut y: MatMut<'_, T>,
    tau: &mut [T],
    t: MatMut<'_, T>,
) -> Result<()> {
    let (k, len) = y.shape();
    debug_assert!(len >= k && tau.len() == k && t.shape() == (k, k));
    if k <= PANEL_LEAF {
        vectorized(
            #[inline(always)]
            || leaf(y, tau, t),
        );
        return Ok(());
    }
    let k1 = if k >= 16 {
        (k / 2).div_ceil(4) * 4
    } else {
        k / 2
    };
    let k2 = k - k1;
    let (mut y1, mut y2) = y.rb_mut().split_at_row(k1);
    let (t_top, t_bot) = t.split_at_row(k1);
    let (mut t11, t12) = t_top.split_at_col(k1);
    let mut t22 = t_bot.submatrix(0, k1, k2, k2)?;
    panel_qr(y1.rb_mut(), &mut tau[..k1], t11.rb_mut())?;

    // Right half: Y2 <- Y2 - (Y2 V1) T1 V1^T (Q1^T applied to its columns).
    // V1's first k1 rows are the unit upper triangle `e` (as V1^T), the rest
    // is y1 itself.
    let e = unit_upper(y1.rb().submatrix(0, 0, k1, k1)?);
    let mut w = Mat::<T>::zeros(k2, k1);
    let mut wt = Mat::<T>::zeros(k2, k1);
    let y1_rect = y1.rb().submatrix(0, k1, k1, len - k1)?;
    gemm(
        T::ONE,
        y2.rb().submatrix(0, k1, k2, len - k1)?,
        y1_rect.t(),
        T::ZERO,
        w.as_mut(),
        Par::Seq,
    )?;
    gemm(
        T::ONE,
        y2.rb().submatrix(0, 0, k2, k1)?,
        e.t(),
        T::ONE,
        w.as_mut(),
        Par::Seq,
    )?;
    gemm(T::ONE, w.as_ref(), t11.rb(), T::ZERO, wt.as_mut(), Par::Seq)?;
    gemm(
        -T::ONE,
        wt.as_ref(),
        y1_rect,
        T::ONE,
        y2.rb_mut().submatrix(0, k1, k2, len - k1)?,
        Par::Seq,
    )?;
    gemm(
        -T::ONE,
        wt.as_ref(),
        e.as_ref(),
        T::ONE,
        y2.rb_mut().submatrix(0, 0, k2, k1)?,
        Par::Seq,
    )?;

    panel_qr(
        y2.rb_mut().submatrix(0, k1, k2, len - k1)?,
        &mut tau[k1..],
        t22.rb_mut(),
    )?;

    // T12 = -T1 (V1^T V2) T2, where V2 starts at row k1 with the unit upper
    // triangle `f` (as V2^T).
    let f = unit_upper(y2.rb().submatrix(0, k1, k2, k2)?);
    let mut s = Mat::<T>::zeros(k1, k2);
    gemm(
        T::ONE,
        y1.rb().submatrix(0, k, k1, len - k)?,
        y2.rb().submatrix(0, k, k2, len - k)?.t(),
        T::ZERO,
        s.as_mut(),
        Par::Seq,
    )?;
    gemm(
        T::ONE,
        y1.rb().submatrix(0, k1, k1, k2)?,
        f.t(),
        T::ONE,
        s.as_mut(),
        Par::Seq,
    )?;
    let mut st = Mat::<T>::zeros(k1, k2);
    gemm(T::ONE, s.as_ref(), t22.rb(), T::ZERO, st.as_mut(), Par::Seq)?;
    gemm(-T::ONE, t11.rb(), st.as_ref(), T::ZERO, t12, Par::Seq)?;
    Ok(())
}

/// The square block `b` with zeros left of its diagonal and ones on it (the
/// top of a block of reflectors, transposed).
fn unit_upper<T: Scalar>(b: MatRef<'_, T>) -> Mat<T> {
    let n = b.rows();
    Mat::from_fn(n, n, |i, j| match j.cmp(&i) {
        core::cmp::Ordering::Less => T::ZERO,
        core::cmp::Ordering::Equal => T::ONE,
        // SAFETY: i < j < n: inside `b`.
        core::cmp::Ordering::Greater => unsafe { *b.get_unchecked(i, j) },
    })
}

/// Householder steps on a narrow panel, then `T` column by column (`larft`).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // c indexes rows of `y`, `t` and `tau` alike
fn leaf<T: Scalar>(mut y: MatMut<'_, T>, tau: &mut [T], mut t: MatMut<'_, T>) {
    let k = y.rows();
    for c in 0..k {
        let (mut upper, mut lower) = y.rb_mut().split_at_row(c + 1);
        let v = &mut upper.row_slice(c).expect("panel rows are contiguous")[c..];
        tau[c] = householder(v);
        for d in 0..lower.rows() {
            let col = &mut lower.row_slice(d).expect("panel rows are contiguous")[c..];
            apply_householder(tau[c], v, col);
        }
    }
    let yr = y.rb();
    let mut w = [T::ZERO; LEAF_MAX];
    for c in 0..k {
        let vc = &yr.row_slice(c).expect("panel rows are contiguous")[c..];
        for (i, wi) in w.iter_mut().enumerate().take(c) {
            let vi = &yr.row_slice(i).expect("panel rows are contiguous")[c..];
            *wi = vi[0] + dot(&vi[1..], &vc[1..]);
        }
        for i in 0..c {
            let mut s = T::ZERO;
            for (l, &wl) in w.iter().enumerate().take(c).skip(i) {
                s += t[(i, l)] * wl;
            }
            t[(i, c)] = -tau[c] * s;
        }
        t[(c, c)] = tau[c];
    }
}

/// `dst = src^T` (any strides), in 8 x 8 tiles so that both sides are
/// read and written a cache line at a time when either is row-major.
pub(crate) fn transpose_into<T: Scalar>(src: MatRef<'_, T>, mut dst: MatMut<'_, T>) {
    const TILE: usize = 8;
    let (r, c) = src.shape();
    assert_eq!(dst.shape(), (c, r), "transpose_into: shapes must match");
    if src.col_stride() == 1 && dst.col_stride() == 1 {
        // Both row-major: four source rows at a time, each destination row
        // gets four contiguous elements.
        let mut i0 = 0;
        while i0 + 4 <= r {
            let rows = [0, 1, 2, 3].map(|d| src.row_slice(i0 + d).expect("unit column stride"));
            for j in 0..c {
                let drow = dst.row_slice(j).expect("unit column stride");
                drow[i0..i0 + 4].copy_from_slice(&rows.map(|row| row[j]));
            }
            i0 += 4;
        }
        for i in i0..r {
            let row = src.row_slice(i).expect("unit column stride");
            for (j, &x) in row.iter().enumerate() {
                dst[(j, i)] = x;
            }
        }
        return;
    }
    let (srs, scs) = (src.row_stride(), src.col_stride());
    let (drs, dcs) = (dst.row_stride(), dst.col_stride());
    let s0 = src.as_ptr();
    let d0 = dst.as_mut_ptr();
    for i0 in (0..r).step_by(TILE) {
        let ie = (i0 + TILE).min(r);
        for j0 in (0..c).step_by(TILE) {
            let je = (j0 + TILE).min(c);
            for j in j0..je {
                for i in i0..ie {
                    let (i, j) = (i as isize, j as isize);
                    // SAFETY: i < r and j < c, so (i, j) is inside `src` and
                    // (j, i) inside `dst`, which is borrowed exclusively and
                    // (being a MatMut) does not alias `src`.
                    unsafe { *d0.offset(j * drs + i * dcs) = *s0.offset(i * srs + j * scs) };
                }
            }
        }
    }
}
