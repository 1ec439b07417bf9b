//! [`MatExt`]: the free functions as methods on [`Mat`].

use oxblas_core::{Eigh, Lstsq, Mat, MatRef, Norm, Result, Scalar, Svd};

use crate::{Cholesky, Lu, Qr};

/// Method syntax for the common operations on an owned [`Mat`]
/// (`use oxblas::prelude::*`). Each method calls the free function of the
/// same name with `self.as_ref()`, and returns the same errors.
///
/// Arguments are anything that converts into a [`MatRef`]: `&Mat`, or a view
/// such as `b.t()`.
///
/// ```
/// use oxblas::prelude::*;
/// let a = Mat::from_rows(&[[2.0, 1.0], [1.0, 3.0]])?;
/// let b = Mat::from_rows(&[[3.0], [5.0]])?;
/// let x = a.solve(&b)?;
/// let back = a.matmul(&x)?;
/// assert!((back[(0, 0)] - 3.0).abs() < 1e-12 && (back[(1, 0)] - 5.0).abs() < 1e-12);
/// assert!((a.det()? - 5.0).abs() < 1e-12);
/// assert!((a.matmul(&a.inv()?)?[(0, 1)]).abs() < 1e-12);
/// assert_eq!(a.matmul(b.t()).is_err(), true); // 2x2 times 1x2
/// # Ok::<(), oxblas::Error>(())
/// ```
pub trait MatExt<T: Scalar> {
    /// `self * b`; see [`matmul`](crate::matmul).
    ///
    /// # Errors
    /// `DimensionMismatch` if the inner dimensions differ.
    fn matmul<'b>(&self, b: impl Into<MatRef<'b, T>>) -> Result<Mat<T>>
    where
        T: 'b;
    /// Solves `self * X = b`; see [`solve`](crate::solve).
    ///
    /// # Errors
    /// As [`solve`](crate::solve).
    fn solve<'b>(&self, b: impl Into<MatRef<'b, T>>) -> Result<Mat<T>>
    where
        T: 'b;
    /// Least squares `min ||self X - b||`; see [`lstsq`](crate::lstsq).
    ///
    /// # Errors
    /// As [`lstsq`](crate::lstsq).
    fn lstsq<'b>(&self, b: impl Into<MatRef<'b, T>>) -> Result<Lstsq<T>>
    where
        T: 'b;
    /// The inverse; see [`inv`](crate::inv).
    ///
    /// # Errors
    /// As [`inv`](crate::inv).
    fn inv(&self) -> Result<Mat<T>>;
    /// The determinant; see [`det`](crate::det).
    ///
    /// # Errors
    /// As [`det`](crate::det).
    fn det(&self) -> Result<T>;
    /// The pseudo-inverse; see [`pinv`](crate::pinv).
    ///
    /// # Errors
    /// As [`pinv`](crate::pinv).
    fn pinv(&self) -> Result<Mat<T>>;
    /// The numerical rank; see [`rank`](crate::rank).
    ///
    /// # Errors
    /// As [`rank`](crate::rank).
    fn rank(&self) -> Result<usize>;
    /// A matrix norm; see [`norm`](crate::norm).
    ///
    /// # Errors
    /// As [`norm`](crate::norm).
    fn norm(&self, kind: Norm) -> Result<T>;
    /// The 2-norm condition number; see [`cond`](crate::cond).
    ///
    /// # Errors
    /// As [`cond`](crate::cond).
    fn cond(&self) -> Result<T>;
    /// LU factors; see [`lu`](crate::lu).
    ///
    /// # Errors
    /// As [`lu`](crate::lu).
    fn lu(&self) -> Result<Lu<T>>;
    /// Cholesky factor; see [`cholesky`](crate::cholesky).
    ///
    /// # Errors
    /// As [`cholesky`](crate::cholesky).
    fn cholesky(&self) -> Result<Cholesky<T>>;
    /// QR factors; see [`qr`](crate::qr).
    ///
    /// # Errors
    /// As [`qr`](crate::qr).
    fn qr(&self) -> Result<Qr<T>>;
    /// Thin SVD; see [`svd`](crate::svd).
    ///
    /// # Errors
    /// As [`svd`](crate::svd).
    fn svd(&self) -> Result<Svd<T>>;
    /// Symmetric eigendecomposition; see [`eigh`](crate::eigh).
    ///
    /// # Errors
    /// As [`eigh`](crate::eigh).
    fn eigh(&self) -> Result<Eigh<T>>;
}

impl<T: Scalar> MatExt<T> for Mat<T> {
    fn matmul<'b>(&self, b: impl Into<MatRef<'b, T>>) -> Result<Mat<T>>
    where
        T: 'b,
    {
        crate::matmul(self.as_ref(), b.into())
    }
    fn solve<'b>(&self, b: impl Into<MatRef<'b, T>>) -> Result<Mat<T>>
    where
        T: 'b,
    {
        crate::solve(self.as_ref(), b.into())
    }
    fn lstsq<'b>(&self, b: impl Into<MatRef<'b, T>>) -> Result<Lstsq<T>>
    where
        T: 'b,
    {
        crate::lstsq(self.as_ref(), b.into())
    }
    fn inv(&self) -> Result<Mat<T>> {
        crate::inv(self.as_ref())
    }
    fn det(&self) -> Result<T> {
        crate::det(self.as_ref())
    }
    fn pinv(&self) -> Result<Mat<T>> {
        crate::pinv(self.as_ref())
    }
    fn rank(&self) -> Result<usize> {
        crate::rank(self.as_ref())
    }
    fn norm(&self, kind: Norm) -> Result<T> {
        crate::norm(self.as_ref(), kind)
    }
    fn cond(&self) -> Result<T> {
        crate::cond(self.as_ref())
    }
    fn lu(&self) -> Result<Lu<T>> {
        crate::lu(self.as_ref())
    }
    fn cholesky(&self) -> Result<Cholesky<T>> {
        crate::cholesky(self.as_ref())
    }
    fn qr(&self) -> Result<Qr<T>> {
        crate::qr(self.as_ref())
    }
    fn svd(&self) -> Result<Svd<T>> {
        crate::svd(self.as_ref())
    }
    fn eigh(&self) -> Result<Eigh<T>> {
        crate::eigh(self.as_ref())
    }
}
