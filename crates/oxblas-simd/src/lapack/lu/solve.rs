//! Solves, inverse, determinant and condition estimate from LU factors.

use oxblas_core::{validate, Error, Lu, Mat, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::current_par;
use crate::lapack::util::{apply_swaps, apply_swaps_rev, norm1, trsm_left, Tri};

use super::factor;
use super::inverse::inverse_in_place;

/// Solves $AX = B$ from the LU factors of `A`.
///
/// # Errors
/// - [`Error::DimensionMismatch`] if `b` does not have `lu.n()` rows;
/// - [`Error::Singular`] with the index of the first exactly-zero pivot;
/// - [`Error::InvalidArgument`] if `lu` is malformed (hand-built with
///   non-square factors, or pivots that are not `n` indices below `n`).
pub fn solve<T: Scalar>(lu: &Lu<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
    check_lu(lu)?;
    validate::rhs(Op::LuSolve, lu.n(), b.shape())?;
    if let Some(index) = lu.zero_pivot() {
        return Err(Error::Singular { index });
    }
    let mut x = b.to_owned();
    solve_in_place(lu, x.as_mut(), current_par())?;
    Ok(x)
}

/// `x <- A^{-1} x` from nonsingular LU factors (pivots checked by the caller).
pub(crate) fn solve_in_place<T: Scalar>(lu: &Lu<T>, mut x: MatMut<'_, T>, par: Par) -> Result<()> {
    let f = lu.factors.as_ref();
    apply_swaps(x.rb_mut(), &lu.pivots);
    trsm_left(Tri::LowerUnit, f, x.rb_mut(), par)?;
    trsm_left(Tri::Upper, f, x, par)
}

/// `x <- A^{-T} x` from nonsingular LU factors: $A^T = U^T L^T P$.
fn solve_transposed_in_place<T: Scalar>(lu: &Lu<T>, mut x: MatMut<'_, T>, par: Par) -> Result<()> {
    let f = lu.factors.as_ref();
    trsm_left(Tri::Lower, f.t(), x.rb_mut(), par)?;
    trsm_left(Tri::UpperUnit, f.t(), x.rb_mut(), par)?;
    apply_swaps_rev(x, &lu.pivots);
    Ok(())
}

/// Solves the square system $AX = B$ by LU with partial pivoting.
///
/// # Errors
/// - [`Error::NotSquare`] if `a` is not square;
/// - [`Error::DimensionMismatch`] if `b` does not have `a.rows()` rows;
/// - [`Error::NonFinite`] if `b` or `a` holds NaN or infinity;
/// - [`Error::Singular`] if `A` is exactly singular.
pub fn solve_system<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
    let n = validate::square(Op::Solve, a.shape())?;
    validate::rhs(Op::Solve, n, b.shape())?;
    validate::finite(Op::Solve, b)?;
    let lu = factor(a)?;
    solve(&lu, b)
}

/// Order from which [`inverse`] takes `getri`'s route. Below it, the two
/// triangular solves against the identity measured faster
/// (`probe_factor inv`, 1 thread: at n = 64 and 256 the solves ran 1.2x
/// faster; at 1024 the two were within 2%).
#[cfg(not(test))]
const GETRI_MIN: usize = 512;
#[cfg(test)]
const GETRI_MIN: usize = 1;

/// $A^{-1}$ from the LU factors of `A`. From order 512 as
/// LAPACK's `getri`: `U` is inverted in place, $X L = U^{-1}$ is solved for
/// $X = U^{-1} L^{-1}$ by block columns from the right, and $A^{-1} = X P$
/// (the interchanges undone on the columns, last first); about $4n^3/3$
/// flops, mostly in gemm. Below it, $A^{-1} = U^{-1} L^{-1} P$ by two
/// triangular solves against the identity ($2n^3$ flops).
///
/// # Errors
/// [`Error::Singular`] with the index of the first exactly-zero pivot;
/// [`Error::InvalidArgument`] if `lu` is malformed, as [`solve`].
pub fn inverse<T: Scalar>(lu: &Lu<T>) -> Result<Mat<T>> {
    check_lu(lu)?;
    if let Some(index) = lu.zero_pivot() {
        return Err(Error::Singular { index });
    }
    if lu.n() < GETRI_MIN {
        // Columns of P^T: X = A^{-1} I = U^{-1} L^{-1} (P I).
        let mut x = Mat::<T>::identity(lu.n());
        solve_in_place(lu, x.as_mut(), current_par())?;
        return Ok(x);
    }
    let mut x = lu.factors.clone();
    inverse_in_place(x.as_mut(), current_par())?;
    undo_column_swaps(&mut x, &lu.pivots);
    Ok(x)
}

/// Column interchanges `j <-> piv[j]` for `j` from last to first, applied
/// row by row (contiguous in the row-major `x`, where swapping whole strided
/// columns would touch a cache line per row and swap).
fn undo_column_swaps<T: Scalar>(x: &mut Mat<T>, piv: &[usize]) {
    let n = x.cols();
    if n == 0 {
        return;
    }
    for row in x.as_mut_slice().chunks_exact_mut(n) {
        for (j, &p) in piv.iter().enumerate().rev() {
            row.swap(j, p);
        }
    }
}

/// $\det A$ by LU (1 for a `0 x 0` matrix, 0 for a singular one).
///
/// # Errors
/// [`Error::NotSquare`] or [`Error::NonFinite`], as [`factor`].
pub fn det<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
    validate::square(Op::Det, a.shape())?;
    Ok(factor(a)?.det())
}

/// Estimate of the reciprocal 1-norm condition number
/// $1 / (\|A\|_1 \|A^{-1}\|_1)$ from the LU factors of `A` and `anorm`
/// $= \|A\|_1$ of the original matrix (LAPACK's `gecon`).
///
/// $\|A^{-1}\|_1$ is estimated with Hager's method as refined by Higham
/// (`lacn2`): at most five pairs of solves with $A$ and $A^T$, plus one
/// extra solve with an alternating vector. The estimate is a lower bound of
/// $\|A^{-1}\|_1$, almost always within a factor 3, so the result is an upper
/// bound of the true reciprocal condition number, usually within a factor 3.
///
/// Returns 0 for a matrix with an exactly-zero pivot or `anorm == 0`, and 1
/// for a `0 x 0` matrix.
///
/// # Errors
/// [`Error::InvalidArgument`] if `anorm` is negative or not finite, or if
/// `lu` is malformed, as [`solve`].
pub fn rcond<T: Scalar>(lu: &Lu<T>, anorm: T) -> Result<T> {
    check_lu(lu)?;
    if !anorm.is_finite() || anorm < T::ZERO {
        return Err(Error::InvalidArgument {
            op: Op::Lu,
            message: format!("anorm must be finite and non-negative, got {anorm}"),
        });
    }
    if lu.n() == 0 {
        return Ok(T::ONE);
    }
    if anorm == T::ZERO || lu.zero_pivot().is_some() {
        return Ok(T::ZERO);
    }
    let est = estimate_inverse_norm1(lu, Par::Seq)?;
    if !est.is_finite() {
        return Ok(T::ZERO);
    }
    Ok((T::ONE / est) / anorm)
}

/// Checks what the solves rely on in a (possibly hand-built) [`Lu`].
fn check_lu<T: Scalar>(lu: &Lu<T>) -> Result<()> {
    let n = lu.factors.rows();
    if lu.factors.cols() == n && lu.pivots.len() == n && lu.pivots.iter().all(|&p| p < n) {
        return Ok(());
    }
    Err(Error::InvalidArgument {
        op: Op::LuSolve,
        message: format!(
            "malformed LU: {}x{} factors with {} pivots (need n x n factors and n pivots < n)",
            n,
            lu.factors.cols(),
            lu.pivots.len()
        ),
    })
}

/// The 1-norm of `a` (largest absolute column sum); a convenience for [`rcond`].
pub fn norm_one<T: Scalar>(a: MatRef<'_, T>) -> T {
    norm1(a)
}

/// Hager-Higham estimate of $\|A^{-1}\|_1$.
fn estimate_inverse_norm1<T: Scalar>(lu: &Lu<T>, par: Par) -> Result<T> {
    let n = lu.n();
    let nt = T::from_usize(n);
    let mut x = Mat::from_fn(n, 1, |_, _| T::ONE / nt);
    solve_in_place(lu, x.as_mut(), par)?;
    if n == 1 {
        return Ok(x[(0, 0)].abs());
    }
    let mut est = col_norm1(&x);
    let mut sign: Vec<T> = (0..n).map(|i| sign_of(x[(i, 0)])).collect();
    let mut z = Mat::from_fn(n, 1, |i, _| sign[i]);
    solve_transposed_in_place(lu, z.as_mut(), par)?;
    let mut j = argmax_abs(&z);
    for _iter in 1..5 {
        // x = e_j
        let mut x = Mat::<T>::zeros(n, 1);
        x[(j, 0)] = T::ONE;
        solve_in_place(lu, x.as_mut(), par)?;
        let old = est;
        est = col_norm1(&x);
        let new_sign: Vec<T> = (0..n).map(|i| sign_of(x[(i, 0)])).collect();
        if new_sign == sign || est <= old {
            // Converged (repeated sign vector) or no progress.
            est = est.max(old);
            break;
        }
        sign = new_sign;
        let mut z = Mat::from_fn(n, 1, |i, _| sign[i]);
        solve_transposed_in_place(lu, z.as_mut(), par)?;
        let jnew = argmax_abs(&z);
        if z[(jnew, 0)].abs() == z[(j, 0)].abs() {
            break;
        }
        j = jnew;
    }
    // Higham's safeguard: an alternating-sign vector catches cases where
    // the power-method iteration stalls.
    let mut x = Mat::from_fn(n, 1, |i, _| {
        let s = if i % 2 == 0 { T::ONE } else { -T::ONE };
        s * (T::ONE + T::from_usize(i) / T::from_usize(n - 1))
    });
    solve_in_place(lu, x.as_mut(), par)?;
    let alt = T::from_f64(2.0) * col_norm1(&x) / (T::from_f64(3.0) * nt);
    Ok(est.max(alt))
}

fn sign_of<T: Scalar>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE
    } else {
        -T::ONE
    }
}

fn col_norm1<T: Scalar>(x: &Mat<T>) -> T {
    (0..x.rows()).map(|i| x[(i, 0)].abs()).sum()
}

fn argmax_abs<T: Scalar>(z: &Mat<T>) -> usize {
    let mut best = 0;
    for i in 1..z.rows() {
        if z[(i, 0)].abs() > z[(best, 0)].abs() {
            best = i;
        }
    }
    best
}
