//! BLAS-level free functions: vectors (level 1), matrix-vector (level 2) and
//! matrix-matrix (level 3). All of them run through [`Auto`].

use oxblas_core::{
    Backend, Diag, Distance, Mat, MatMut, MatRef, Result, Scalar, Side, Uplo, VecMut, VecRef,
};

use crate::Auto;

// -------------------------------------------------------------------- BLAS 1

/// The dot product $x \cdot y = \sum_i x_i y_i$.
///
/// Vectors are anything that converts into a [`VecRef`]: `&Vec<T>`, `&[T]`,
/// `&[T; N]`, or a strided view such as a matrix column.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
///
/// ```
/// let x = vec![1.0, 2.0, 3.0];
/// let y = [4.0, 5.0, 6.0];
/// assert_eq!(oxblas::dot(&x, &y)?, 32.0);
/// assert_eq!(oxblas::nrm2(&[3.0f32, 4.0]), 5.0);
/// assert_eq!(oxblas::asum(&x), 6.0);
/// assert_eq!(oxblas::iamax(&[1.0, -7.0, 7.0]), Some(1));
///
/// let mut z = vec![1.0, 1.0, 1.0];
/// oxblas::axpy(2.0, &x, &mut z)?;           // z = 2x + z
/// assert_eq!(z, [3.0, 5.0, 7.0]);
/// oxblas::scal(0.5, &mut z);                // z = z / 2
/// assert_eq!(z, [1.5, 2.5, 3.5]);
/// assert_eq!(oxblas::add(&x, &y)?, [5.0, 7.0, 9.0]);
///
/// // A strided column of a matrix is a vector too.
/// let a = oxblas::Mat::from_rows(&[[1.0, 2.0], [3.0, 4.0]])?;
/// assert_eq!(oxblas::dot(a.as_ref().col(1)?, &[1.0, 1.0])?, 6.0);
/// # Ok::<(), oxblas::Error>(())
/// ```
#[inline]
pub fn dot<'x, 'y, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
) -> Result<T> {
    Auto::dot(x.into(), y.into())
}

/// $y \leftarrow \alpha x + y$.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
#[inline]
pub fn axpy<'x, 'y, T: Scalar>(
    alpha: T,
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecMut<'y, T>>,
) -> Result<()> {
    Auto::axpy(alpha, x.into(), y.into())
}

/// $x \leftarrow \alpha x$. Cannot fail.
#[inline]
pub fn scal<'x, T: Scalar>(alpha: T, x: impl Into<VecMut<'x, T>>) {
    Auto::scal(alpha, x.into())
}

/// $y \leftarrow x$.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
#[inline]
pub fn copy<'x, 'y, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecMut<'y, T>>,
) -> Result<()> {
    Auto::copy(x.into(), y.into())
}

/// Exchanges the contents of `x` and `y`.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
#[inline]
pub fn swap<'x, 'y, T: Scalar>(
    x: impl Into<VecMut<'x, T>>,
    y: impl Into<VecMut<'y, T>>,
) -> Result<()> {
    Auto::swap(x.into(), y.into())
}

/// The Euclidean norm $\|x\|_2 = \sqrt{\sum_i x_i^2}$, computed without
/// overflow or underflow in intermediate results. Cannot fail (0 for an
/// empty vector; NaN propagates).
#[inline]
pub fn nrm2<'x, T: Scalar>(x: impl Into<VecRef<'x, T>>) -> T {
    Auto::nrm2(x.into())
}

/// $\sum_i |x_i|$. Cannot fail.
#[inline]
pub fn asum<'x, T: Scalar>(x: impl Into<VecRef<'x, T>>) -> T {
    Auto::asum(x.into())
}

/// The first index of the largest $|x_i|$; `None` for an empty vector. A NaN
/// counts as larger than every number (the first NaN wins).
#[inline]
pub fn iamax<'x, T: Scalar>(x: impl Into<VecRef<'x, T>>) -> Option<usize> {
    Auto::iamax(x.into())
}

/// Element-wise sum $x + y$ as a new vector.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
#[inline]
pub fn add<'x, 'y, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
) -> Result<Vec<T>> {
    let (x, y) = (x.into(), y.into());
    let mut out = vec![T::ZERO; x.len()];
    Auto::add(x, y, (&mut out).into())?;
    Ok(out)
}

/// Element-wise difference $x - y$ as a new vector.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
#[inline]
pub fn sub<'x, 'y, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
) -> Result<Vec<T>> {
    let (x, y) = (x.into(), y.into());
    let mut out = vec![T::ZERO; x.len()];
    Auto::sub(x, y, (&mut out).into())?;
    Ok(out)
}

/// Element-wise (Hadamard) product $x_i y_i$ as a new vector.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ.
#[inline]
pub fn hadamard<'x, 'y, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
) -> Result<Vec<T>> {
    let (x, y) = (x.into(), y.into());
    let mut out = vec![T::ZERO; x.len()];
    Auto::hadamard(x, y, (&mut out).into())?;
    Ok(out)
}

/// $out_i = x_i + y_i$ into an existing vector.
///
/// # Errors
/// `DimensionMismatch` if the three lengths differ.
#[inline]
pub fn add_into<'x, 'y, 'o, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
    out: impl Into<VecMut<'o, T>>,
) -> Result<()> {
    Auto::add(x.into(), y.into(), out.into())
}

/// $out_i = x_i - y_i$ into an existing vector.
///
/// # Errors
/// `DimensionMismatch` if the three lengths differ.
#[inline]
pub fn sub_into<'x, 'y, 'o, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
    out: impl Into<VecMut<'o, T>>,
) -> Result<()> {
    Auto::sub(x.into(), y.into(), out.into())
}

/// $out_i = x_i y_i$ into an existing vector.
///
/// # Errors
/// `DimensionMismatch` if the three lengths differ.
#[inline]
pub fn hadamard_into<'x, 'y, 'o, T: Scalar>(
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
    out: impl Into<VecMut<'o, T>>,
) -> Result<()> {
    Auto::hadamard(x.into(), y.into(), out.into())
}

/// A distance between two vectors: Euclidean $\|x - y\|_2$, squared
/// Euclidean, cosine $1 - \frac{x \cdot y}{\|x\| \|y\|}$, or Manhattan
/// $\sum_i |x_i - y_i|$.
///
/// # Errors
/// `DimensionMismatch` if the lengths differ; `InvalidArgument` for the
/// cosine distance of a zero vector.
///
/// ```
/// use oxblas::{Distance, Mat};
/// assert_eq!(oxblas::distance(Distance::Euclidean, &[0.0, 0.0], &[3.0, 4.0])?, 5.0);
/// assert_eq!(oxblas::distance(Distance::Manhattan, &[0.0, 0.0], &[3.0, -4.0])?, 7.0);
/// let x = Mat::from_rows(&[[0.0, 0.0], [1.0, 1.0]])?;
/// let y = Mat::from_rows(&[[3.0, 4.0]])?;
/// let d = oxblas::pairwise_distances(Distance::SquaredEuclidean, x.as_ref(), y.as_ref())?;
/// assert_eq!((d.rows(), d.cols(), d[(0, 0)], d[(1, 0)]), (2, 1, 25.0, 13.0));
/// # Ok::<(), oxblas::Error>(())
/// ```
#[inline]
pub fn distance<'x, 'y, T: Scalar>(
    metric: Distance,
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
) -> Result<T> {
    Auto::distance(metric, x.into(), y.into())
}

/// The `m x n` matrix of distances $d(x_{i,:}, y_{j,:})$ between the rows of
/// `x` (`m x d`) and `y` (`n x d`).
///
/// # Errors
/// `DimensionMismatch` if the rows have different lengths; `InvalidArgument`
/// for the cosine distance of a zero row.
#[inline]
pub fn pairwise_distances<T: Scalar>(
    metric: Distance,
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
) -> Result<Mat<T>> {
    let mut out = Mat::zeros(x.rows(), y.rows());
    Auto::pairwise_distances(metric, x, y, out.as_mut())?;
    Ok(out)
}

/// As [`pairwise_distances`], into an existing `m x n` view.
///
/// # Errors
/// As [`pairwise_distances`], and `DimensionMismatch` if `out` is not `m x n`.
#[inline]
pub fn pairwise_distances_into<T: Scalar>(
    metric: Distance,
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    out: MatMut<'_, T>,
) -> Result<()> {
    Auto::pairwise_distances(metric, x, y, out)
}

// -------------------------------------------------------------------- BLAS 2

/// $y \leftarrow \alpha A x + \beta y$; pass `a.t()` for $A^T x$. With
/// `beta == 0`, `y` is not read (NaN in `y` does not propagate).
///
/// # Errors
/// `DimensionMismatch` unless `x.len() == a.cols()` and `y.len() == a.rows()`.
///
/// ```
/// use oxblas::{Mat, Uplo, Diag};
/// let a = Mat::from_rows(&[[2.0, 0.0], [1.0, 3.0]])?;
/// let mut y = vec![0.0; 2];
/// oxblas::gemv(1.0, a.as_ref(), &[1.0, 1.0], 0.0, &mut y)?;
/// assert_eq!(y, [2.0, 4.0]);
/// // Solve the lower-triangular system A x = y in place.
/// oxblas::trsv(Uplo::Lower, Diag::NonUnit, a.as_ref(), &mut y)?;
/// assert_eq!(y, [1.0, 1.0]);
/// # Ok::<(), oxblas::Error>(())
/// ```
#[inline]
pub fn gemv<'x, 'y, T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    x: impl Into<VecRef<'x, T>>,
    beta: T,
    y: impl Into<VecMut<'y, T>>,
) -> Result<()> {
    Auto::gemv(alpha, a, x.into(), beta, y.into())
}

/// The rank-1 update $A \leftarrow A + \alpha x y^T$.
///
/// # Errors
/// `DimensionMismatch` unless `x.len() == a.rows()` and `y.len() == a.cols()`.
#[inline]
pub fn ger<'x, 'y, T: Scalar>(
    alpha: T,
    x: impl Into<VecRef<'x, T>>,
    y: impl Into<VecRef<'y, T>>,
    a: MatMut<'_, T>,
) -> Result<()> {
    Auto::ger(alpha, x.into(), y.into(), a)
}

/// Solves $A x = b$ in place (`x` holds `b` on entry) for triangular `A`,
/// reading only its `uplo` triangle. A zero on a non-unit diagonal gives
/// infinities, as in BLAS.
///
/// # Errors
/// `NotSquare` if `A` is not square; `DimensionMismatch` if
/// `x.len() != a.rows()`.
#[inline]
pub fn trsv<'x, T: Scalar>(
    uplo: Uplo,
    diag: Diag,
    a: MatRef<'_, T>,
    x: impl Into<VecMut<'x, T>>,
) -> Result<()> {
    Auto::trsv(uplo, diag, a, x.into())
}

/// $y \leftarrow \alpha A x + \beta y$ for symmetric `A` stored in its `uplo`
/// triangle (the other triangle is not read).
///
/// # Errors
/// `NotSquare` if `A` is not square; `DimensionMismatch` if the vector
/// lengths differ from its order.
#[inline]
pub fn symv<'x, 'y, T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    x: impl Into<VecRef<'x, T>>,
    beta: T,
    y: impl Into<VecMut<'y, T>>,
) -> Result<()> {
    Auto::symv(uplo, alpha, a, x.into(), beta, y.into())
}

// -------------------------------------------------------------------- BLAS 3

/// $C \leftarrow \alpha A B + \beta C$ into an existing view. Transposes go
/// through the views: `a.t()`, `b.t()`. With `beta == 0`, `C` is not read.
///
/// # Errors
/// `DimensionMismatch` unless `A` is `m x k`, `B` is `k x n` and `C` is `m x n`.
///
/// ```
/// use oxblas::Mat;
/// let a = Mat::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])?; // 3x2
/// let b = Mat::from_rows(&[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])?;   // 2x3
/// let c = oxblas::matmul(a.as_ref(), b.as_ref())?;                 // 3x3
/// assert_eq!(c.row(2), [5.0, 6.0, 11.0]);
///
/// let mut g = Mat::zeros(2, 2);
/// oxblas::gemm(1.0, a.t(), a.as_ref(), 0.0, g.as_mut())?;          // A^T A
/// assert_eq!(g.row(0), [35.0, 44.0]);
/// assert!(oxblas::matmul(a.as_ref(), a.as_ref()).is_err());        // 3x2 * 3x2
/// # Ok::<(), oxblas::Error>(())
/// ```
#[inline]
pub fn gemm<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    Auto::gemm(alpha, a, b, beta, c)
}

/// The product $C = A B$ as a new matrix.
///
/// # Errors
/// `DimensionMismatch` if `a.cols() != b.rows()`.
#[inline]
pub fn matmul<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
    if a.cols() != b.rows() {
        return Err(oxblas_core::Error::DimensionMismatch {
            op: oxblas_core::Op::Gemm,
            expected: format!("b.rows() == a.cols() ({})", a.cols()),
            found: format!(
                "a is {}x{}, b is {}x{}",
                a.rows(),
                a.cols(),
                b.rows(),
                b.cols()
            ),
        });
    }
    let mut c = Mat::zeros(a.rows(), b.cols());
    Auto::gemm(T::ONE, a, b, T::ZERO, c.as_mut())?;
    Ok(c)
}

/// The symmetric rank-k update $C \leftarrow \alpha A A^T + \beta C$,
/// writing only the `uplo` triangle of `C` (pass `a.t()` for $A^T A$).
///
/// # Errors
/// `NotSquare` if `C` is not square; `DimensionMismatch` if
/// `c.rows() != a.rows()`.
#[inline]
pub fn syrk<T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    Auto::syrk(uplo, alpha, a, beta, c)
}

/// Solves $A X = \alpha B$ (`Side::Left`) or $X A = \alpha B$
/// (`Side::Right`) in place in `b`, for triangular `A` read from its `uplo`
/// triangle.
///
/// # Errors
/// `NotSquare` if `A` is not square; `DimensionMismatch` if its order does
/// not match `B` on the given side.
///
/// ```
/// use oxblas::{Diag, Mat, Side, Uplo};
/// let l = Mat::from_rows(&[[2.0, 0.0], [1.0, 1.0]])?;
/// let mut b = Mat::from_rows(&[[2.0], [3.0]])?;
/// oxblas::trsm(Side::Left, Uplo::Lower, Diag::NonUnit, 1.0, l.as_ref(), b.as_mut())?;
/// assert_eq!(b.as_slice(), [1.0, 2.0]);
/// # Ok::<(), oxblas::Error>(())
/// ```
#[inline]
pub fn trsm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    diag: Diag,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatMut<'_, T>,
) -> Result<()> {
    Auto::trsm(side, uplo, diag, alpha, a, b)
}

/// $C \leftarrow \alpha A B + \beta C$ (`Side::Left`) or $\alpha B A + \beta C$
/// (`Side::Right`) for symmetric `A` stored in its `uplo` triangle.
///
/// # Errors
/// `NotSquare` if `A` is not square; `DimensionMismatch` if the shapes do
/// not fit.
#[inline]
pub fn symm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    Auto::symm(side, uplo, alpha, a, b, beta, c)
}

/// $C_i \leftarrow \alpha A_i B_i + \beta C_i$ for every `i`: many small
/// independent products. All shapes are checked before any `C_i` is written.
///
/// # Errors
/// `DimensionMismatch` if the three slices differ in length or any triple
/// does not fit.
#[inline]
pub fn gemm_batched<T: Scalar>(
    alpha: T,
    a: &[MatRef<'_, T>],
    b: &[MatRef<'_, T>],
    beta: T,
    c: &mut [MatMut<'_, T>],
) -> Result<()> {
    Auto::gemm_batched(alpha, a, b, beta, c)
}
