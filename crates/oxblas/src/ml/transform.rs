//! Affine transformations in homogeneous coordinates (2D: `3 x 3`,
//! 3D: `4 x 4` matrices), composed by matrix products and applied to a
//! whole batch of points with one [`crate::gemm`].
//!
//! Points are rows (`count x dim`). [`Affine::then`] composes in the order
//! of application: `a.then(&b)` applies `a` first, then `b` (matrix
//! $M_b M_a$).
//!
//! ```
//! use oxblas::{ml::transform::Affine, Mat};
//! let shift = Affine::translation(&[1.0, 0.0])?;
//! let t = Affine::rotation_2d(std::f64::consts::FRAC_PI_2).then(&shift)?;
//! let p = t.apply(Mat::from_rows(&[[1.0, 0.0]])?.as_ref())?; // (1,0) -> (0,1) -> (1,1)
//! assert!((p[(0, 0)] - 1.0).abs() < 1e-15 && (p[(0, 1)] - 1.0).abs() < 1e-15);
//! # Ok::<(), oxblas::Error>(())
//! ```

use super::{invalid, mismatch};
use oxblas_core::{Mat, MatRef, Op, Result, Scalar};

/// An affine map of 2D or 3D space as a homogeneous `(dim+1) x (dim+1)` matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine<T> {
    m: Mat<T>,
}

impl<T: Scalar> Affine<T> {
    /// The identity of `dim`-space.
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Gemm`]) unless `dim` is 2 or 3.
    pub fn identity(dim: usize) -> Result<Self> {
        if dim != 2 && dim != 3 {
            return Err(invalid(
                Op::Gemm,
                format!("dimension must be 2 or 3, found {dim}"),
            ));
        }
        Ok(Affine {
            m: Mat::identity(dim + 1),
        })
    }

    /// Counter-clockwise rotation of the plane by `theta` radians.
    pub fn rotation_2d(theta: T) -> Self {
        let (s, c) = (
            T::from_f64(theta.to_f64().sin()),
            T::from_f64(theta.to_f64().cos()),
        );
        let mut m = Mat::identity(3);
        m[(0, 0)] = c;
        m[(0, 1)] = -s;
        m[(1, 0)] = s;
        m[(1, 1)] = c;
        Affine { m }
    }

    /// Rotation of 3-space by `theta` radians about `axis` (right-hand
    /// rule; Rodrigues' formula).
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Gemm`]) if `axis` is zero or not finite.
    pub fn rotation_3d(axis: [T; 3], theta: T) -> Result<Self> {
        let a: Vec<f64> = axis.iter().map(|v| v.to_f64()).collect();
        let n = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        if !(n.is_finite() && n > 0.0) {
            return Err(invalid(
                Op::Gemm,
                "rotation axis must be non-zero and finite",
            ));
        }
        let (x, y, z) = (a[0] / n, a[1] / n, a[2] / n);
        let (s, c) = theta.to_f64().sin_cos();
        let t = 1.0 - c;
        let r = [
            [c + x * x * t, x * y * t - z * s, x * z * t + y * s],
            [y * x * t + z * s, c + y * y * t, y * z * t - x * s],
            [z * x * t - y * s, z * y * t + x * s, c + z * z * t],
        ];
        let mut m = Mat::identity(4);
        for (i, row) in r.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                m[(i, j)] = T::from_f64(*v);
            }
        }
        Ok(Affine { m })
    }

    /// Scaling by `factors[d]` along each axis (2 or 3 factors).
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Gemm`]) unless there are 2 or 3 factors.
    pub fn scaling(factors: &[T]) -> Result<Self> {
        let mut a = Self::identity(factors.len())?;
        for (d, f) in factors.iter().enumerate() {
            a.m[(d, d)] = *f;
        }
        Ok(a)
    }

    /// Translation by `offset` (2 or 3 components).
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Gemm`]) unless there are 2 or 3 components.
    pub fn translation(offset: &[T]) -> Result<Self> {
        let mut a = Self::identity(offset.len())?;
        let d = offset.len();
        for (i, o) in offset.iter().enumerate() {
            a.m[(i, d)] = *o;
        }
        Ok(a)
    }

    /// Spatial dimension (2 or 3).
    pub fn dim(&self) -> usize {
        self.m.rows() - 1
    }

    /// The homogeneous matrix.
    pub fn matrix(&self) -> &Mat<T> {
        &self.m
    }

    /// `self` followed by `next` (matrix `next * self`).
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Gemm`]) if the dimensions differ.
    pub fn then(&self, next: &Affine<T>) -> Result<Self> {
        if next.dim() != self.dim() {
            return Err(mismatch(
                Op::Gemm,
                format!("{}D transformation", self.dim()),
                format!("{}D", next.dim()),
            ));
        }
        Ok(Affine {
            m: crate::matmul(next.m.as_ref(), self.m.as_ref())?,
        })
    }

    /// Applies the map to each row of `points` (`count x dim`): the rows are
    /// lifted to homogeneous coordinates and multiplied by $M^T$ with one gemm.
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Gemm`]) if `points.cols() != dim`.
    pub fn apply(&self, points: MatRef<'_, T>) -> Result<Mat<T>> {
        let d = self.dim();
        if points.cols() != d {
            return Err(mismatch(
                Op::Gemm,
                format!("points with {d} columns"),
                format!("{}", points.cols()),
            ));
        }
        let h = Mat::from_fn(points.rows(), d + 1, |i, j| {
            if j < d {
                points[(i, j)]
            } else {
                T::ONE
            }
        });
        let out = crate::matmul(h.as_ref(), self.m.t())?;
        // An affine map keeps the last coordinate at 1: drop it.
        Ok(Mat::from_fn(points.rows(), d, |i, j| out[(i, j)]))
    }
}
