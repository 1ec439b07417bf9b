//! Level-2 BLAS (matrix-vector) in pure Rust with explicit SIMD.
//!
//! Views of any strides are accepted. The fast paths follow the layout:
//! - rows contiguous (`col_stride == 1`, e.g. a row-major matrix, or the
//!   transpose of a column-major one): each `y_i` is a dot product of a row
//!   with `x`, four rows at a time so each load of `x` serves four rows;
//! - columns contiguous (`row_stride == 1`): `y += x_j a_{:,j}`, four columns
//!   per pass over `y`;
//! - any other strides: a correct, slower path (rows gathered into blocks).
//!
//! Strided `x`/`y` are copied to contiguous buffers first (`O(n)` next to the
//! `O(mn)` work). As in BLAS, `alpha == 0` does not read `A` or `x` (`y` is
//! only scaled by `beta`), and `beta == 0` does not read `y` (a NaN there
//! does not propagate). Otherwise NaN and infinity propagate as IEEE says.
//!
//! ```
//! use oxblas_core::{MatRef, VecMut, VecRef};
//! use oxblas_simd::blas2;
//!
//! let a = [1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3, row-major
//! let a = MatRef::from_slice(&a, 2, 3)?;
//! let x = [1.0, 0.0, -1.0];
//! let mut y = [0.0; 2];
//! blas2::gemv(1.0, a, VecRef::from(&x), 0.0, VecMut::from(&mut y))?;
//! assert_eq!(y, [-2.0, -2.0]);
//! # Ok::<(), oxblas_core::Error>(())
//! ```

// Index loops over the small fixed-size register arrays (and over triangles)
// say what they do more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

mod kernels;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use oxblas_core::{validate, Diag, MatMut, MatRef, Op, Result, Scalar, Uplo, VecMut, VecRef};

use crate::blas1::elem::{mmut, mref, to_e, vmut, vref, with_elem, Elem};
use kernels::{dot_axpy, gemv_cols, gemv_rows, row};

// ------------------------------------------------------------- helpers

/// `x` as a contiguous slice: borrowed when unit-stride, else copied.
fn contiguous<E: Elem>(x: VecRef<'_, E>) -> Cow<'_, [E]> {
    match x.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.to_vec()),
    }
}

/// Runs `f` on `y` as a contiguous slice (a copy written back when `y` is
/// strided; the copy starts as zeros unless `read`).
fn with_contiguous_mut<E: Elem>(mut y: VecMut<'_, E>, read: bool, f: impl FnOnce(&mut [E])) {
    if let Some(s) = y.as_mut_slice() {
        f(s);
        return;
    }
    let mut tmp = if read {
        y.to_vec()
    } else {
        vec![E::ZERO; y.len()]
    };
    f(&mut tmp);
    for (i, v) in tmp.into_iter().enumerate() {
        // SAFETY: i < y.len() == tmp.len().
        unsafe { *y.get_unchecked_mut(i) = v };
    }
}

/// `y <- beta y`, with `beta == 0` writing zeros without reading `y`.
fn scale_slice<E: Elem>(beta: E, y: &mut [E]) {
    if beta == E::ZERO {
        y.fill(E::ZERO);
    } else if beta != E::ONE {
        crate::blas1::kernels::scal(beta, y);
    }
}

/// The `nrows x ncols` block at `(r, c)`, for ranges the caller keeps in bounds.
#[inline(always)]
fn block<E>(a: MatRef<'_, E>, r: usize, c: usize, nrows: usize, ncols: usize) -> MatRef<'_, E> {
    debug_assert!(r + nrows <= a.rows() && c + ncols <= a.cols());
    // SAFETY: every caller passes a block inside `a` (see each call site).
    unsafe { a.submatrix_unchecked(r, c, nrows, ncols) }
}

#[inline(always)]
fn at<E: Copy>(a: MatRef<'_, E>, i: usize, j: usize) -> E {
    debug_assert!(i < a.rows() && j < a.cols());
    // SAFETY: callers index inside the view.
    unsafe { *a.get_unchecked(i, j) }
}

// ------------------------------------------------------------------ gemv

/// $y \leftarrow \alpha A x + \beta y$ for an `m x n` view `A` (pass `a.t()`
/// for $A^T$). With `beta == 0`, `y` is not read; with `alpha == 0`, `A` and
/// `x` are not read (BLAS semantics).
///
/// # Errors
/// [`oxblas_core::Error::DimensionMismatch`] unless `x.len() == a.cols()` and
/// `y.len() == a.rows()`.
pub fn gemv<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    x: VecRef<'_, T>,
    beta: T,
    y: VecMut<'_, T>,
) -> Result<()> {
    validate::gemv(Op::Gemv, a.shape(), x.len(), y.len())?;
    with_elem!(T, E => gemv_e::<E>(to_e(alpha), mref(a), vref(x), to_e(beta), vmut(y)));
    Ok(())
}

pub(crate) fn gemv_e<E: Elem>(
    alpha: E,
    a: MatRef<'_, E>,
    x: VecRef<'_, E>,
    beta: E,
    y: VecMut<'_, E>,
) {
    if a.rows() == 0 {
        return;
    }
    if a.cols() == 0 || alpha == E::ZERO {
        with_contiguous_mut(y, beta != E::ZERO, |ys| scale_slice(beta, ys));
        return;
    }
    let xs = contiguous(x);
    with_contiguous_mut(y, beta != E::ZERO, |ys| {
        gemv_slices(alpha, a, &xs, beta, ys)
    });
}

/// gemv on contiguous `x` and `y`, choosing the kernel by the layout of `a`.
fn gemv_slices<E: Elem>(alpha: E, a: MatRef<'_, E>, x: &[E], beta: E, y: &mut [E]) {
    let (m, n) = a.shape();
    debug_assert!(x.len() == n && y.len() == m);
    if m == 0 {
        return;
    }
    if n == 0 {
        scale_slice(beta, y);
    } else if a.is_row_unit() {
        gemv_rows(alpha, a, x, beta, y);
    } else if a.is_col_unit() {
        gemv_cols(alpha, a, x, beta, y);
    } else {
        gemv_strided(alpha, a, x, beta, y);
    }
}

#[inline(always)]
fn combine<E: Elem>(alpha: E, d: E, beta: E, y: E) -> E {
    if beta == E::ZERO {
        alpha * d
    } else {
        alpha * d + beta * y
    }
}

/// Any strides: each row gathered (in blocks) and dotted with `x`.
fn gemv_strided<E: Elem>(alpha: E, a: MatRef<'_, E>, x: &[E], beta: E, y: &mut [E]) {
    for (i, yi) in y.iter_mut().enumerate() {
        // SAFETY: row i < rows of a valid view: `cols` elements `col_stride` apart.
        let r = unsafe { VecRef::from_raw_parts(a.ptr_at(i, 0), a.cols(), a.col_stride()) };
        let d = crate::blas1::dot_e(r, VecRef::from(x));
        *yi = combine(alpha, d, beta, *yi);
    }
}

// ------------------------------------------------------------------- ger

/// $A \leftarrow A + \alpha x y^T$ for an `m x n` view `A`. With
/// `alpha == 0`, nothing is read or written (BLAS semantics).
///
/// # Errors
/// [`oxblas_core::Error::DimensionMismatch`] unless `A` is
/// `x.len() x y.len()`.
pub fn ger<T: Scalar>(
    alpha: T,
    x: VecRef<'_, T>,
    y: VecRef<'_, T>,
    a: MatMut<'_, T>,
) -> Result<()> {
    validate::ger(Op::Ger, x.len(), y.len(), a.shape())?;
    with_elem!(T, E => ger_e::<E>(to_e(alpha), vref(x), vref(y), mmut(a)));
    Ok(())
}

fn ger_e<E: Elem>(alpha: E, x: VecRef<'_, E>, y: VecRef<'_, E>, a: MatMut<'_, E>) {
    if a.rows() == 0 || a.cols() == 0 || alpha == E::ZERO {
        return;
    }
    let (x, y, mut a) = if a.is_row_unit() || !a.is_col_unit() {
        (x, y, a)
    } else {
        // Columns contiguous: A^T += alpha y x^T has contiguous rows.
        (y, x, a.t())
    };
    let (m, n) = a.shape();
    if a.is_row_unit() {
        let ys = contiguous(y);
        for i in 0..m {
            // SAFETY: i < x.len() == m.
            let c = alpha * unsafe { *x.get_unchecked(i) };
            match a.row_slice(i) {
                Some(r) => crate::blas1::kernels::axpy(c, &ys, r),
                None => unreachable!("row {i} of a row-contiguous view"),
            }
        }
    } else {
        for i in 0..m {
            // SAFETY: i < m == x.len().
            let c = alpha * unsafe { *x.get_unchecked(i) };
            for j in 0..n {
                // SAFETY: (i, j) inside the view; j < n == y.len().
                unsafe { *a.get_unchecked_mut(i, j) += c * *y.get_unchecked(j) };
            }
        }
    }
}

// ------------------------------------------------------------------ trsv

/// Order of the diagonal blocks in [`trsv`]: the off-diagonal work (all but
/// about `NB / n` of it) runs in the gemv kernels; the `NB x NB` diagonal
/// triangles (32 KiB in f64, L1/L2-resident) are solved element by element.
const NB: usize = 64;

/// Solves $A x = b$ in place (`x` holds `b` on entry) for a triangular `n x n`
/// view `A`, reading only its `uplo` triangle (and not its diagonal for
/// [`Diag::Unit`]). A zero on a non-unit diagonal gives infinities or NaN, as
/// in BLAS (no error).
///
/// # Errors
/// [`oxblas_core::Error::NotSquare`] if `A` is not square;
/// [`oxblas_core::Error::DimensionMismatch`] if `x.len() != n`.
pub fn trsv<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, x: VecMut<'_, T>) -> Result<()> {
    validate::square_vec(Op::Trsv, a.shape(), x.len())?;
    with_elem!(T, E => {
        let a = mref::<T, E>(a);
        with_contiguous_mut(vmut::<T, E>(x), true, |xs| trsv_slice(uplo, diag, a, xs));
    });
    Ok(())
}

fn trsv_slice<E: Elem>(uplo: Uplo, diag: Diag, a: MatRef<'_, E>, x: &mut [E]) {
    let n = x.len();
    let neg = -E::ONE;
    // Row-contiguous: "left-looking" updates (a block of rows times the solved
    // part, rows_dot). Otherwise "right-looking" (the solved block's columns
    // times its solution, cols_axpy).
    let left = a.is_row_unit();
    match uplo {
        Uplo::Lower => {
            let mut kb = 0;
            while kb < n {
                let e = (kb + NB).min(n);
                if left && kb > 0 {
                    let (done, rest) = x.split_at_mut(kb);
                    // Rows kb..e, columns 0..kb: strictly below the diagonal.
                    gemv_slices(
                        neg,
                        block(a, kb, 0, e - kb, kb),
                        done,
                        E::ONE,
                        &mut rest[..e - kb],
                    );
                }
                solve_lower(diag, block(a, kb, kb, e - kb, e - kb), &mut x[kb..e]);
                if !left && e < n {
                    let (head, tail) = x.split_at_mut(e);
                    // Rows e..n, columns kb..e: strictly below the diagonal.
                    gemv_slices(
                        neg,
                        block(a, e, kb, n - e, e - kb),
                        &head[kb..],
                        E::ONE,
                        tail,
                    );
                }
                kb = e;
            }
        }
        Uplo::Upper => {
            let mut e = n;
            while e > 0 {
                let kb = e.saturating_sub(NB);
                if left && e < n {
                    let (head, tail) = x.split_at_mut(e);
                    // Rows kb..e, columns e..n: strictly above the diagonal.
                    gemv_slices(
                        neg,
                        block(a, kb, e, e - kb, n - e),
                        tail,
                        E::ONE,
                        &mut head[kb..],
                    );
                }
                solve_upper(diag, block(a, kb, kb, e - kb, e - kb), &mut x[kb..e]);
                if !left && kb > 0 {
                    let (head, tail) = x.split_at_mut(kb);
                    // Rows 0..kb, columns kb..e: strictly above the diagonal.
                    gemv_slices(
                        neg,
                        block(a, 0, kb, kb, e - kb),
                        &tail[..e - kb],
                        E::ONE,
                        head,
                    );
                }
                e = kb;
            }
        }
    }
}

/// Forward substitution with a small lower triangle `t`.
fn solve_lower<E: Elem>(diag: Diag, t: MatRef<'_, E>, x: &mut [E]) {
    let n = x.len();
    if t.is_row_unit() {
        for i in 0..n {
            let mut s = x[i];
            for j in 0..i {
                s -= at(t, i, j) * x[j];
            }
            x[i] = if diag == Diag::Unit {
                s
            } else {
                s / at(t, i, i)
            };
        }
    } else {
        for j in 0..n {
            if diag == Diag::NonUnit {
                x[j] /= at(t, j, j);
            }
            let xj = x[j];
            for i in j + 1..n {
                x[i] -= at(t, i, j) * xj;
            }
        }
    }
}

/// Back substitution with a small upper triangle `t`.
fn solve_upper<E: Elem>(diag: Diag, t: MatRef<'_, E>, x: &mut [E]) {
    let n = x.len();
    if t.is_row_unit() {
        for i in (0..n).rev() {
            let mut s = x[i];
            for j in i + 1..n {
                s -= at(t, i, j) * x[j];
            }
            x[i] = if diag == Diag::Unit {
                s
            } else {
                s / at(t, i, i)
            };
        }
    } else {
        for j in (0..n).rev() {
            if diag == Diag::NonUnit {
                x[j] /= at(t, j, j);
            }
            let xj = x[j];
            for i in 0..j {
                x[i] -= at(t, i, j) * xj;
            }
        }
    }
}

// ------------------------------------------------------------------ symv

/// $y \leftarrow \alpha A x + \beta y$ for a symmetric `n x n` `A` stored in
/// its `uplo` triangle (the other triangle is never read). With `beta == 0`,
/// `y` is not read; with `alpha == 0`, `A` and `x` are not read.
///
/// # Errors
/// [`oxblas_core::Error::NotSquare`] if `A` is not square;
/// [`oxblas_core::Error::DimensionMismatch`] unless `x` and `y` have length `n`.
pub fn symv<T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    x: VecRef<'_, T>,
    beta: T,
    y: VecMut<'_, T>,
) -> Result<()> {
    validate::square_vec(Op::Symv, a.shape(), x.len())?;
    validate::same_len(Op::Symv, x.len(), y.len())?;
    with_elem!(T, E => symv_e::<E>(uplo, to_e(alpha), mref(a), vref(x), to_e(beta), vmut(y)));
    Ok(())
}

fn symv_e<E: Elem>(
    uplo: Uplo,
    alpha: E,
    a: MatRef<'_, E>,
    x: VecRef<'_, E>,
    beta: E,
    y: VecMut<'_, E>,
) {
    let n = a.rows();
    if n == 0 {
        return;
    }
    if alpha == E::ZERO {
        with_contiguous_mut(y, beta != E::ZERO, |ys| scale_slice(beta, ys));
        return;
    }
    let xs = contiguous(x);
    let x: &[E] = &xs;
    // t = A x, reading the stored triangle once.
    let mut t = vec![E::ZERO; n];
    // A symmetric matrix is its own transpose: a column-contiguous lower
    // triangle is a row-contiguous upper one, and vice versa.
    let (a, uplo) = if a.is_row_unit() || !a.is_col_unit() {
        (a, uplo)
    } else {
        let flipped = match uplo {
            Uplo::Lower => Uplo::Upper,
            Uplo::Upper => Uplo::Lower,
        };
        (a.t(), flipped)
    };
    if a.is_row_unit() {
        for i in 0..n {
            let r = row(a, i);
            let d = r[i] * x[i];
            match uplo {
                Uplo::Lower => {
                    // t[..i] += x_i a_{i,..i};  t_i += a_{i,..i} . x[..i] + a_ii x_i
                    let (head, rest) = t.split_at_mut(i);
                    rest[0] += dot_axpy(&r[..i], &x[..i], head, x[i]) + d;
                }
                Uplo::Upper => {
                    let (head, tail) = t.split_at_mut(i + 1);
                    head[i] += dot_axpy(&r[i + 1..], &x[i + 1..], tail, x[i]) + d;
                }
            }
        }
    } else {
        for i in 0..n {
            let js = match uplo {
                Uplo::Lower => 0..i,
                Uplo::Upper => i + 1..n,
            };
            let mut s = at(a, i, i) * x[i];
            for j in js {
                let v = at(a, i, j);
                s += v * x[j];
                t[j] += v * x[i];
            }
            t[i] += s;
        }
    }
    with_contiguous_mut(y, beta != E::ZERO, |ys| {
        for (y, &t) in ys.iter_mut().zip(&t) {
            *y = combine(alpha, t, beta, *y);
        }
    });
}
