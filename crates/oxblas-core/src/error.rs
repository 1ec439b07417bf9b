//! The one error type every oxblas operation returns.

use crate::{BackendId, Op};

/// What went wrong in an oxblas call.
///
/// Every public function that a caller can call wrongly returns
/// `Result<_, Error>`; none panics on user input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Operand shapes do not fit together.
    #[error("{op}: dimension mismatch: expected {expected}, found {found}")]
    DimensionMismatch {
        /// The operation that was called.
        op: Op,
        /// What the operation needed, in words (e.g. `"b.rows() == 3"`).
        expected: String,
        /// What it was given.
        found: String,
    },
    /// The operation needs a square matrix.
    #[error("{op}: matrix must be square, found {rows}x{cols}")]
    NotSquare {
        /// The operation that was called.
        op: Op,
        /// Rows of the offending matrix.
        rows: usize,
        /// Columns of the offending matrix.
        cols: usize,
    },
    /// The matrix is exactly singular: the pivot at `index` (0-based) is zero.
    #[error("matrix is singular: pivot {index} is exactly zero")]
    Singular {
        /// 0-based index of the first zero pivot.
        index: usize,
    },
    /// Cholesky found a non-positive pivot at `index` (0-based): the matrix
    /// is not (numerically) symmetric positive definite.
    #[error("matrix is not positive definite: the leading minor of order {} is not positive", index + 1)]
    NotPositiveDefinite {
        /// 0-based index of the failing pivot.
        index: usize,
    },
    /// An iterative algorithm did not converge.
    #[error("{op}: the algorithm did not converge")]
    NoConvergence {
        /// The operation that was called.
        op: Op,
    },
    /// The input contains NaN or infinity and the operation rejects it.
    #[error("{op}: input contains NaN or infinity")]
    NonFinite {
        /// The operation that was called.
        op: Op,
    },
    /// A view's strides, offset or length do not fit its buffer, or a
    /// mutable view would overlap itself.
    #[error("bad layout: {0}")]
    BadLayout(String),
    /// An argument has a value the operation cannot accept (e.g. the cosine
    /// distance of a zero vector, a negative tolerance).
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument {
        /// The operation that was called.
        op: Op,
        /// What is wrong with it.
        message: String,
    },
    /// The requested backend is not compiled in or cannot run here.
    #[error("backend {0} is not available in this build")]
    BackendUnavailable(BackendId),
    /// The backend reported an internal error (a LAPACK `info < 0`). This is
    /// a bug in oxblas: please report it.
    #[error("{op}: backend error code {code} (this is a bug in oxblas, please report it)")]
    Backend {
        /// The operation that was called.
        op: Op,
        /// The raw code the backend returned.
        code: i32,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
