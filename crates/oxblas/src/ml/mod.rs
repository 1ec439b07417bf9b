//! Machine-learning building blocks on top of the oxblas linear algebra.
//!
//! Everything here is written against the crate's public, dispatched API
//! ([`crate::matmul`], [`crate::gemm`], [`crate::lstsq`], [`crate::svd`],
//! [`crate::cholesky`], [`crate::qr`], ...), so each heavy step runs on
//! whichever backend [`crate::Auto`] picks. Element types are generic over
//! [`Scalar`] (`f32` and `f64`) unless stated otherwise.
//!
//! - [`pca`]: principal component analysis (full SVD or randomized
//!   truncated SVD after Halko, Martinsson and Tropp).
//! - [`linear`]: ordinary least squares, ridge regression, batch gradient
//!   descent on the same objective, and R^2.
//! - [`als`]: low-rank matrix completion by regularized alternating least
//!   squares.
//! - [`conv`]: 2D convolution (NCHW) by im2col + gemm, by FFT, and directly.
//! - [`nn`]: activations, a dense layer with backward pass, SGD, a small
//!   MLP with softmax cross-entropy, and an Elman RNN cell.
//! - [`transform`]: homogeneous 2D/3D affine transformations applied to a
//!   batch of points with one gemm.
//! - [`data`]: a small numeric CSV reader and a deterministic RNG.
//!
//! No function here panics on bad shapes or arguments: they return
//! [`Error`] (`DimensionMismatch` or `InvalidArgument`, with
//! the closest [`Op`] as the operation tag).

pub mod als;
pub mod conv;
pub mod data;
pub mod linear;
pub mod nn;
pub mod pca;
pub mod transform;
mod vexp;

use oxblas_core::{Error, Op};

pub(crate) fn mismatch(op: Op, expected: impl Into<String>, found: impl Into<String>) -> Error {
    Error::DimensionMismatch {
        op,
        expected: expected.into(),
        found: found.into(),
    }
}

pub(crate) fn invalid(op: Op, message: impl Into<String>) -> Error {
    Error::InvalidArgument {
        op,
        message: message.into(),
    }
}

use oxblas_core::{Mat, MatRef, Scalar};

/// Column means of `x` (`x.cols()` of them; zeros if `x` has no rows).
pub(crate) fn col_means<T: Scalar>(x: MatRef<'_, T>) -> Vec<T> {
    let mut m = vec![T::ZERO; x.cols()];
    for i in 0..x.rows() {
        for (j, mj) in m.iter_mut().enumerate() {
            *mj += x[(i, j)];
        }
    }
    if x.rows() > 0 {
        let inv = T::ONE / T::from_usize(x.rows());
        m.iter_mut().for_each(|v| *v *= inv);
    }
    m
}

/// An owned row-major copy of `x` with `mean` subtracted from each row.
pub(crate) fn centered<T: Scalar>(x: MatRef<'_, T>, mean: &[T]) -> Mat<T> {
    let mut c = x.to_owned();
    for i in 0..c.rows() {
        for (v, m) in c.row_mut(i).iter_mut().zip(mean) {
            *v -= *m;
        }
    }
    c
}
