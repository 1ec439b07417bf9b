//! Shared types of [oxblas](https://docs.rs/oxblas): matrices and views,
//! scalars, errors, decomposition results and the [`Backend`] trait.
//!
//! This crate has no dependency but `thiserror` and `num-complex`; it links no
//! C library and contains no kernels. Backends (`oxblas-openblas`,
//! `oxblas-simd`) implement [`Backend`]; the `oxblas` crate dispatches between
//! them.
//!
//! ```
//! use oxblas_core::{Mat, MatRef};
//! let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let a = MatRef::from_slice(&data, 2, 3)?;      // row-major 2x3
//! assert_eq!(a.t()[(2, 1)], 6.0);                 // free transpose
//! let m = Mat::<f64>::from_fn(2, 2, |i, j| (i + j) as f64);
//! assert_eq!(m[(1, 1)], 2.0);
//! # Ok::<(), oxblas_core::Error>(())
//! ```
#![warn(missing_docs)]

mod backend;
pub mod cast;
mod decomp;
mod error;
mod ids;
mod layout;
mod mat;
mod scalar;
pub mod validate;
mod view;

pub use backend::{effective_rank, frobenius, lstsq_by_svd, Backend};
pub use decomp::{all_finite, Cholesky, Eig, Eigh, Lstsq, Lu, PivotedQr, Qr, Svd};
pub use error::{Error, Result};
pub use ids::{BackendId, Diag, Distance, Norm, Op, Par, QrMode, Side, SvdMode, Uplo};
pub use mat::Mat;
pub use num_complex::Complex;
pub use scalar::{DType, Scalar};
pub use view::{MatMut, MatRef, VecMut, VecRef};
