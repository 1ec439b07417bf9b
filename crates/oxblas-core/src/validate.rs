//! Argument checks shared by every backend, so that the same bad input gives
//! the same `Err` whichever backend runs the call.

use crate::{all_finite, Error, Lu, MatRef, Op, Result, Scalar, Side};

fn mismatch(op: Op, expected: String, found: String) -> Error {
    Error::DimensionMismatch {
        op,
        expected,
        found,
    }
}

/// Two vectors must have the same length.
pub fn same_len(op: Op, x: usize, y: usize) -> Result<()> {
    if x != y {
        return Err(mismatch(
            op,
            format!("vectors of equal length ({x})"),
            format!("length {y}"),
        ));
    }
    Ok(())
}

/// The matrix must be square; returns its order.
pub fn square(op: Op, (rows, cols): (usize, usize)) -> Result<usize> {
    if rows != cols {
        return Err(Error::NotSquare { op, rows, cols });
    }
    Ok(rows)
}

/// Every element must be finite (factorizations reject NaN/Inf up front).
pub fn finite<T: Scalar>(op: Op, a: MatRef<'_, T>) -> Result<()> {
    if !all_finite(a) {
        return Err(Error::NonFinite { op });
    }
    Ok(())
}

/// Every element of the lower triangle (diagonal included) must be finite:
/// for operations that read only that triangle (`cholesky`, `eigh`), whatever
/// the other triangle holds is never looked at.
pub fn finite_lower<T: Scalar>(op: Op, a: MatRef<'_, T>) -> Result<()> {
    for i in 0..a.rows() {
        for j in 0..(i + 1).min(a.cols()) {
            if !a[(i, j)].is_finite() {
                return Err(Error::NonFinite { op });
            }
        }
    }
    Ok(())
}

/// `C (m x n) = A (m x k) B (k x n)`.
pub fn gemm(op: Op, a: (usize, usize), b: (usize, usize), c: (usize, usize)) -> Result<()> {
    if a.1 != b.0 {
        return Err(mismatch(
            op,
            format!("b.rows() == a.cols() ({})", a.1),
            format!("a is {}x{}, b is {}x{}", a.0, a.1, b.0, b.1),
        ));
    }
    if c != (a.0, b.1) {
        return Err(mismatch(
            op,
            format!("c of shape {}x{}", a.0, b.1),
            format!("c of shape {}x{}", c.0, c.1),
        ));
    }
    Ok(())
}

/// `y (m) = A (m x n) x (n)`.
pub fn gemv(op: Op, a: (usize, usize), x: usize, y: usize) -> Result<()> {
    if x != a.1 {
        return Err(mismatch(
            op,
            format!("x of length a.cols() = {}", a.1),
            format!("length {x}"),
        ));
    }
    if y != a.0 {
        return Err(mismatch(
            op,
            format!("y of length a.rows() = {}", a.0),
            format!("length {y}"),
        ));
    }
    Ok(())
}

/// `A (m x n) += x (m) y^T (n)`.
pub fn ger(op: Op, x: usize, y: usize, a: (usize, usize)) -> Result<()> {
    if (x, y) != a {
        return Err(mismatch(
            op,
            format!("a of shape {x}x{y} (x.len() x y.len())"),
            format!("a of shape {}x{}", a.0, a.1),
        ));
    }
    Ok(())
}

/// A square triangular or symmetric `A (n x n)` with a vector of length `n`.
pub fn square_vec(op: Op, a: (usize, usize), x: usize) -> Result<usize> {
    let n = square(op, a)?;
    if x != n {
        return Err(mismatch(
            op,
            format!("vector of length {n}"),
            format!("length {x}"),
        ));
    }
    Ok(n)
}

/// A square `A` applied from `side` to `B (m x n)`: `A` is `m x m` (left) or `n x n` (right).
pub fn side(op: Op, side: Side, a: (usize, usize), b: (usize, usize)) -> Result<usize> {
    let n = square(op, a)?;
    let need = match side {
        Side::Left => b.0,
        Side::Right => b.1,
    };
    if n != need {
        let what = if side == Side::Left {
            "rows"
        } else {
            "columns"
        };
        return Err(mismatch(
            op,
            format!("the other operand to have {n} {what}"),
            format!("shape {}x{}", b.0, b.1),
        ));
    }
    Ok(n)
}

/// `C (n x n) = A (n x k) A^T`.
pub fn syrk(op: Op, a: (usize, usize), c: (usize, usize)) -> Result<()> {
    if c != (a.0, a.0) {
        return Err(mismatch(
            op,
            format!("c of shape {}x{}", a.0, a.0),
            format!("c of shape {}x{}", c.0, c.1),
        ));
    }
    Ok(())
}

/// A right-hand side `B` with `n` rows for a system of order `n`.
pub fn rhs(op: Op, n: usize, b: (usize, usize)) -> Result<()> {
    if b.0 != n {
        return Err(mismatch(
            op,
            format!("right-hand side with {n} rows"),
            format!("shape {}x{}", b.0, b.1),
        ));
    }
    Ok(())
}

/// Same shape for an output as for the inputs.
pub fn same_shape(op: Op, a: (usize, usize), b: (usize, usize)) -> Result<()> {
    if a != b {
        return Err(mismatch(
            op,
            format!("shape {}x{}", a.0, a.1),
            format!("shape {}x{}", b.0, b.1),
        ));
    }
    Ok(())
}

/// A tolerance must be finite and non-negative.
pub fn tolerance<T: Scalar>(op: Op, tol: Option<T>) -> Result<()> {
    match tol {
        Some(t) if t.is_nan() || t < T::ZERO || !t.is_finite() => Err(Error::InvalidArgument {
            op,
            message: format!("tolerance must be finite and non-negative, got {t}"),
        }),
        _ => Ok(()),
    }
}

/// LU factors built by hand must be well formed before a solve uses them:
/// square factors, one pivot per row, each pivot `p` of row `i` in `i..n`.
pub fn lu_factors<T>(op: Op, lu: &Lu<T>) -> Result<usize> {
    let n = lu.factors.rows();
    let ok = lu.factors.cols() == n
        && lu.pivots.len() == n
        && lu.pivots.iter().enumerate().all(|(i, &p)| p >= i && p < n);
    if !ok {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "malformed LU: {}x{} factors with {} pivots (need n x n factors and n pivots, \
                 pivot i in i..n)",
                n,
                lu.factors.cols(),
                lu.pivots.len()
            ),
        });
    }
    Ok(n)
}
