//! Level-3 operations besides gemm: trsm, syrk, symm, batched gemm and the
//! pairwise distance matrix.

use oxblas_core::{
    validate, Diag, Distance, Error, Mat, MatMut, MatRef, Op, Par, Result, Scalar, Side, Uplo,
};

use crate::gemm;

/// `alpha * acc + beta * old`, reading `old` only when `beta != 0`.
#[inline(always)]
fn combine<T: Scalar>(alpha: T, acc: T, beta: T, old: impl FnOnce() -> T) -> T {
    if beta == T::ZERO {
        alpha * acc
    } else {
        alpha * acc + beta * old()
    }
}

/// The pairwise distance matrix $out_{ij} = d(x_{i,:}, y_{j,:})$.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless `x` (`m x d`) and `y` (`n x d`) have
/// the same number of columns and `out` is `m x n`;
/// [`Error::InvalidArgument`] for the cosine distance when a row is zero
/// (checked before `out` is written).
pub fn pairwise_distances<T: Scalar>(
    metric: Distance,
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    mut out: MatMut<'_, T>,
) -> Result<()> {
    let op = Op::PairwiseDistances;
    validate::same_len(op, x.cols(), y.cols())?;
    validate::same_shape(op, (x.rows(), y.rows()), out.shape())?;
    let (m, n, d) = (x.rows(), y.rows(), x.cols());
    let sq_norms = |v: MatRef<'_, T>| -> Vec<T> {
        (0..v.rows())
            .map(|i| (0..d).map(|p| v[(i, p)] * v[(i, p)]).sum())
            .collect()
    };
    match metric {
        Distance::SquaredEuclidean | Distance::Euclidean => {
            let (nx, ny) = (sq_norms(x), sq_norms(y));
            // out = -2 X Y^T, then add the squared norms.
            gemm::gemm(-T::from_f64(2.0), x, y.t(), T::ZERO, out.rb_mut(), Par::Seq)?;
            for i in 0..m {
                for j in 0..n {
                    let v = out[(i, j)] + nx[i] + ny[j];
                    // Cancellation can make a zero distance slightly negative.
                    let v = if v < T::ZERO { T::ZERO } else { v };
                    out[(i, j)] = if metric == Distance::Euclidean {
                        v.sqrt()
                    } else {
                        v
                    };
                }
            }
        }
        Distance::Cosine => {
            let (nx, ny) = (sq_norms(x), sq_norms(y));
            for (which, norms) in [("x", &nx), ("y", &ny)] {
                if let Some(i) = norms.iter().position(|&s| s == T::ZERO) {
                    return Err(Error::InvalidArgument {
                        op,
                        message: format!("cosine distance of a zero vector (row {i} of {which})"),
                    });
                }
            }
            gemm::gemm(T::ONE, x, y.t(), T::ZERO, out.rb_mut(), Par::Seq)?;
            for i in 0..m {
                for j in 0..n {
                    out[(i, j)] = T::ONE - out[(i, j)] / (nx[i].sqrt() * ny[j].sqrt());
                }
            }
        }
        Distance::Manhattan => {
            for i in 0..m {
                for j in 0..n {
                    out[(i, j)] = (0..d).map(|p| (x[(i, p)] - y[(j, p)]).abs()).sum();
                }
            }
        }
    }
    Ok(())
}

/// $C \leftarrow \alpha A A^T + \beta C$ for `A` of shape `n x k`, writing
/// only the `uplo` triangle of `C` (`n x n`). With `beta == 0`, `C` is not read.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless `C` is `n x n`.
pub fn syrk<T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
) -> Result<()> {
    validate::syrk(Op::Syrk, a.shape(), c.shape())?;
    let (n, k) = a.shape();
    for i in 0..n {
        let (lo, hi) = match uplo {
            Uplo::Lower => (0, i + 1),
            Uplo::Upper => (i, n),
        };
        for j in lo..hi {
            let mut acc = T::ZERO;
            if alpha != T::ZERO {
                for p in 0..k {
                    acc += a[(i, p)] * a[(j, p)];
                }
            }
            let v = combine(alpha, acc, beta, || c[(i, j)]);
            c[(i, j)] = v;
        }
    }
    Ok(())
}

/// Solves $A X = \alpha B$ (`Side::Left`) or $X A = \alpha B$ (`Side::Right`)
/// in place in `b`, for triangular `A` read from its `uplo` triangle (the
/// other triangle is never read; with `Diag::Unit` neither is the diagonal).
///
/// A zero on a non-unit diagonal gives infinities or NaN, as in BLAS.
///
/// # Errors
/// [`Error::NotSquare`] if `A` is not square; [`Error::DimensionMismatch`]
/// if its order does not match `B`'s rows (left) or columns (right).
pub fn trsm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    diag: Diag,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatMut<'_, T>,
) -> Result<()> {
    validate::side(Op::Trsm, side, a.shape(), b.shape())?;
    match side {
        Side::Left => trsm_left(uplo, diag, alpha, a, b),
        // X A = alpha B  <=>  A^T X^T = alpha B^T, and A^T has the other triangle.
        Side::Right => {
            let flipped = match uplo {
                Uplo::Lower => Uplo::Upper,
                Uplo::Upper => Uplo::Lower,
            };
            trsm_left(flipped, diag, alpha, a.t(), b.t())
        }
    }
    Ok(())
}

/// Left-side solve on validated shapes.
fn trsm_left<T: Scalar>(uplo: Uplo, diag: Diag, alpha: T, a: MatRef<'_, T>, mut b: MatMut<'_, T>) {
    let (m, n) = b.shape();
    if alpha != T::ONE {
        for i in 0..m {
            for j in 0..n {
                // alpha == 0 sets B to zero without reading it, as BLAS does.
                b[(i, j)] = if alpha == T::ZERO {
                    T::ZERO
                } else {
                    alpha * b[(i, j)]
                };
            }
        }
    }
    for j in 0..n {
        match uplo {
            Uplo::Lower => {
                for i in 0..m {
                    let mut s = b[(i, j)];
                    for p in 0..i {
                        s -= a[(i, p)] * b[(p, j)];
                    }
                    if diag == Diag::NonUnit {
                        s /= a[(i, i)];
                    }
                    b[(i, j)] = s;
                }
            }
            Uplo::Upper => {
                for i in (0..m).rev() {
                    let mut s = b[(i, j)];
                    for p in i + 1..m {
                        s -= a[(i, p)] * b[(p, j)];
                    }
                    if diag == Diag::NonUnit {
                        s /= a[(i, i)];
                    }
                    b[(i, j)] = s;
                }
            }
        }
    }
}

/// $C \leftarrow \alpha A B + \beta C$ (`Side::Left`) or $\alpha B A + \beta C$
/// (`Side::Right`) for symmetric `A` stored in its `uplo` triangle (the other
/// triangle is never read). With `beta == 0`, `C` is not read.
///
/// # Errors
/// [`Error::NotSquare`] if `A` is not square; [`Error::DimensionMismatch`]
/// if its order does not match `B`, or `C` does not have `B`'s shape.
pub fn symm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    validate::side(Op::Symm, side, a.shape(), b.shape())?;
    validate::same_shape(Op::Symm, b.shape(), c.shape())?;
    let n = a.rows();
    // Mirror the stored triangle into a full temporary (O(n^2)), then one gemm.
    let full = Mat::from_fn(n, n, |i, j| {
        let stored = match uplo {
            Uplo::Lower => i >= j,
            Uplo::Upper => i <= j,
        };
        if stored {
            a[(i, j)]
        } else {
            a[(j, i)]
        }
    });
    match side {
        Side::Left => gemm::gemm(alpha, full.as_ref(), b, beta, c, crate::current_par()),
        Side::Right => gemm::gemm(alpha, b, full.as_ref(), beta, c, crate::current_par()),
    }
}

/// $C_i \leftarrow \alpha A_i B_i + \beta C_i$ for every `i`.
///
/// # Errors
/// [`Error::DimensionMismatch`] if the three slices differ in length or any
/// product's shapes do not match; all shapes are checked before any `C_i` is
/// written.
pub fn gemm_batched<T: Scalar>(
    alpha: T,
    a: &[MatRef<'_, T>],
    b: &[MatRef<'_, T>],
    beta: T,
    c: &mut [MatMut<'_, T>],
) -> Result<()> {
    if a.len() != b.len() || a.len() != c.len() {
        return Err(Error::DimensionMismatch {
            op: Op::GemmBatched,
            expected: format!("batches of equal length ({})", a.len()),
            found: format!("b has {}, c has {}", b.len(), c.len()),
        });
    }
    for ((a, b), c) in a.iter().zip(b).zip(c.iter()) {
        validate::gemm(Op::GemmBatched, a.shape(), b.shape(), c.shape())?;
    }
    for ((a, b), c) in a.iter().zip(b).zip(c.iter_mut()) {
        gemm::gemm(alpha, *a, *b, beta, c.rb_mut(), Par::Seq)?;
    }
    Ok(())
}
