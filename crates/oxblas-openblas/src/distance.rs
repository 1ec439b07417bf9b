//! Distances between vectors and between the rows of two matrices.

use oxblas_core::{Distance, Error, MatMut, MatRef, Op, Result, VecRef};

use crate::blas1::{asum, dot, nrm2, zero_cosine};
use crate::blas3::gemm;
use crate::elem::Elem;
use crate::layout::check_dims;

/// Below this fraction of `|x|^2 + |y|^2`, a squared distance from the
/// Gram-matrix identity has lost most of its digits to cancellation and is
/// recomputed directly. `2^-10`: at this ratio the identity's error (a few
/// `eps * (|x|^2 + |y|^2)`) is still at most about `2^10 eps` relative.
const CANCELLATION: f64 = 1.0 / 1024.0;

pub(crate) fn distance<E: Elem>(metric: Distance, x: VecRef<'_, E>, y: VecRef<'_, E>) -> Result<E> {
    oxblas_core::validate::same_len(Op::Distance, x.len(), y.len())?;
    check_dims(Op::Distance, &[x.len()])?;
    if metric == Distance::Cosine {
        let (nx, ny) = (nrm2(x), nrm2(y));
        if nx == E::ZERO || ny == E::ZERO {
            return Err(zero_cosine(Op::Distance));
        }
        return Ok(E::ONE - dot(x, y)? / nx / ny);
    }
    let d: Vec<E> = x.iter().zip(y.iter()).map(|(&a, &b)| a - b).collect();
    let d = VecRef::from(&d);
    Ok(match metric {
        Distance::Euclidean => nrm2(d),
        Distance::SquaredEuclidean => dot(d, d)?,
        _ => asum(d),
    })
}

pub(crate) fn pairwise<E: Elem>(
    metric: Distance,
    x: MatRef<'_, E>,
    y: MatRef<'_, E>,
    mut out: MatMut<'_, E>,
) -> Result<()> {
    let op = Op::PairwiseDistances;
    let (m, n, d) = (x.rows(), y.rows(), x.cols());
    if y.cols() != d {
        return Err(Error::DimensionMismatch {
            op,
            expected: format!("y with {d} columns (as x)"),
            found: format!("x is {m}x{d}, y is {}x{}", y.rows(), y.cols()),
        });
    }
    if out.shape() != (m, n) {
        return Err(Error::DimensionMismatch {
            op,
            expected: format!("out of shape {m}x{n}"),
            found: format!("out of shape {}x{}", out.rows(), out.cols()),
        });
    }
    check_dims(op, &[m, n, d])?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    match metric {
        Distance::Euclidean | Distance::SquaredEuclidean => {
            // |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, the cross terms by one gemm.
            let xx: Vec<E> = (0..m).map(|i| sq_norm(row(x, i))).collect();
            let yy: Vec<E> = (0..n).map(|j| sq_norm(row(y, j))).collect();
            gemm(-E::ONE - E::ONE, x, y.t(), E::ZERO, out.rb_mut())?;
            let tol = E::from_f64(CANCELLATION);
            for (i, &xi) in xx.iter().enumerate() {
                for (j, &yj) in yy.iter().enumerate() {
                    let mut v = out[(i, j)] + xi + yj;
                    if v < tol * (xi + yj) {
                        v = sq_dist(row(x, i), row(y, j));
                    }
                    // `v < 0` is false for NaN, which must propagate.
                    if v < E::ZERO {
                        v = E::ZERO;
                    }
                    out[(i, j)] = if metric == Distance::Euclidean {
                        v.sqrt()
                    } else {
                        v
                    };
                }
            }
        }
        Distance::Cosine => {
            let nx: Vec<E> = (0..m).map(|i| nrm2(row(x, i))).collect();
            let ny: Vec<E> = (0..n).map(|j| nrm2(row(y, j))).collect();
            if nx.iter().chain(&ny).any(|&v| v == E::ZERO) {
                return Err(zero_cosine(op));
            }
            gemm(E::ONE, x, y.t(), E::ZERO, out.rb_mut())?;
            for (i, &a) in nx.iter().enumerate() {
                for (j, &b) in ny.iter().enumerate() {
                    out[(i, j)] = E::ONE - out[(i, j)] / a / b;
                }
            }
        }
        Distance::Manhattan => {
            for i in 0..m {
                for j in 0..n {
                    let s = row(x, i)
                        .iter()
                        .zip(row(y, j).iter())
                        .map(|(&a, &b)| (a - b).abs())
                        .sum();
                    out[(i, j)] = s;
                }
            }
        }
    }
    Ok(())
}

fn row<E>(a: MatRef<'_, E>, i: usize) -> VecRef<'_, E> {
    a.row(i).expect("row index in range")
}

fn sq_norm<E: Elem>(v: VecRef<'_, E>) -> E {
    v.iter().map(|&a| a * a).sum()
}

fn sq_dist<E: Elem>(a: VecRef<'_, E>, b: VecRef<'_, E>) -> E {
    a.iter()
        .zip(b.iter())
        .map(|(&p, &q)| (p - q) * (p - q))
        .sum()
}
