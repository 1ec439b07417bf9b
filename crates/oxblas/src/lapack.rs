//! Factorizations, decompositions, solvers and derived quantities, with
//! method-carrying wrappers over the plain factor types of `oxblas-core`.

use core::ops::Deref;

use oxblas_core::{
    Backend, Complex, Diag, Eig, Eigh, Error, Lstsq, Mat, MatRef, Norm, Op, PivotedQr, QrMode,
    Result, Scalar, Side, Svd, SvdMode, Uplo,
};

use crate::Auto;

// ------------------------------------------------------------------------ LU

/// An LU factorization with partial pivoting, $PA = LU$, with methods to
/// solve, invert and take the determinant. Derefs to the plain
/// [`oxblas_core::Lu`] (its `factors` and `pivots`, and `l()`, `u()`, `p()`).
#[derive(Clone, Debug, PartialEq)]
pub struct Lu<T>(oxblas_core::Lu<T>);

impl<T> Deref for Lu<T> {
    type Target = oxblas_core::Lu<T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T: Scalar> Lu<T> {
    /// Wraps plain LU factors.
    pub fn from_inner(lu: oxblas_core::Lu<T>) -> Self {
        Lu(lu)
    }
    /// The plain factors.
    pub fn into_inner(self) -> oxblas_core::Lu<T> {
        self.0
    }
    /// Solves $AX = B$ for the factored `A`.
    ///
    /// # Errors
    /// `DimensionMismatch` if `b.rows() != n`; `Singular { index }` if `U`
    /// has an exactly zero pivot.
    pub fn solve(&self, b: MatRef<'_, T>) -> Result<Mat<T>> {
        Auto::lu_solve(&self.0, b)
    }
    /// $\det A = \pm \prod_i u_{ii}$ (0 for a singular matrix, 1 for `0 x 0`).
    pub fn det(&self) -> T {
        self.0.det()
    }
    /// $A^{-1}$.
    ///
    /// # Errors
    /// `Singular { index }` if `U` has an exactly zero pivot.
    pub fn inverse(&self) -> Result<Mat<T>> {
        Auto::lu_solve(&self.0, Mat::<T>::identity(self.n()).as_ref())
    }
}

/// LU factorization with partial pivoting of a square matrix, $PA = LU$.
///
/// A singular matrix factors fine (its `U` has a zero pivot); solving or
/// inverting with it returns `Err(Singular)`.
///
/// # Errors
/// `NotSquare`; `NonFinite` if `A` holds NaN or infinity.
///
/// ```
/// use oxblas::Mat;
/// let a = Mat::<f64>::from_rows(&[[0.0, 2.0], [3.0, 4.0]])?;
/// let lu = oxblas::lu(a.as_ref())?;
/// assert!((lu.det() - -6.0).abs() < 1e-12);
/// let x = lu.solve(Mat::from_rows(&[[2.0], [7.0]])?.as_ref())?;
/// assert!((x[(0, 0)] - 1.0).abs() < 1e-12 && (x[(1, 0)] - 1.0).abs() < 1e-12);
/// // P A = L U
/// let pa = oxblas::matmul(lu.p().as_ref(), a.as_ref())?;
/// let lu_prod = oxblas::matmul(lu.l().as_ref(), lu.u().as_ref())?;
/// assert_eq!(pa, lu_prod);
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn lu<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>> {
    Auto::lu(a).map(Lu)
}

// ------------------------------------------------------------------ Cholesky

/// A Cholesky factorization $A = L L^T$ of a symmetric positive definite
/// matrix, with methods. Derefs to the plain [`oxblas_core::Cholesky`].
#[derive(Clone, Debug, PartialEq)]
pub struct Cholesky<T>(oxblas_core::Cholesky<T>);

impl<T> Deref for Cholesky<T> {
    type Target = oxblas_core::Cholesky<T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T: Scalar> Cholesky<T> {
    /// Wraps a plain factor.
    pub fn from_inner(c: oxblas_core::Cholesky<T>) -> Self {
        Cholesky(c)
    }
    /// The plain factor.
    pub fn into_inner(self) -> oxblas_core::Cholesky<T> {
        self.0
    }
    /// The lower-triangular factor `L`.
    pub fn l(&self) -> &Mat<T> {
        &self.0.l
    }
    /// $\det A = \prod_i l_{ii}^2$.
    pub fn det(&self) -> T {
        self.0.det()
    }
    /// Solves $AX = B$ by two triangular solves.
    ///
    /// # Errors
    /// `DimensionMismatch` if `b.rows() != n`.
    pub fn solve(&self, b: MatRef<'_, T>) -> Result<Mat<T>> {
        Auto::cholesky_solve(&self.0, b)
    }
    /// $A^{-1} = L^{-T} L^{-1}$.
    ///
    /// # Errors
    /// Only backend failures (the factor of an SPD matrix is invertible).
    pub fn inverse(&self) -> Result<Mat<T>> {
        Auto::cholesky_solve(&self.0, Mat::<T>::identity(self.0.l.rows()).as_ref())
    }
}

/// Cholesky factorization $A = LL^T$ of a symmetric positive definite
/// matrix, reading only its lower triangle.
///
/// # Errors
/// `NotSquare`; `NonFinite`; `NotPositiveDefinite { index }` if the leading
/// minor of order `index + 1` is not positive.
///
/// ```
/// use oxblas::{Error, Mat};
/// let spd = Mat::<f64>::from_rows(&[[4.0, 2.0], [2.0, 3.0]])?;
/// let c = oxblas::cholesky(spd.as_ref())?;
/// assert_eq!(c.l().row(0), [2.0, 0.0]);
/// assert!((c.det() - 8.0).abs() < 1e-12);
/// let x = c.solve(Mat::from_rows(&[[6.0], [5.0]])?.as_ref())?;
/// assert!((x[(0, 0)] - 1.0).abs() < 1e-12 && (x[(1, 0)] - 1.0).abs() < 1e-12);
///
/// let not_spd = Mat::from_rows(&[[1.0, 2.0], [2.0, 1.0]])?;
/// assert_eq!(oxblas::cholesky(not_spd.as_ref()).unwrap_err(), Error::NotPositiveDefinite { index: 1 });
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn cholesky<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
    Auto::cholesky(a).map(Cholesky)
}

// ------------------------------------------------------------------------ QR

/// A Householder QR factorization $A = QR$ in compact form, with methods to
/// form `Q` and `R` and to solve least-squares problems. Derefs to the plain
/// [`oxblas_core::Qr`].
#[derive(Clone, Debug, PartialEq)]
pub struct Qr<T>(oxblas_core::Qr<T>);

impl<T> Deref for Qr<T> {
    type Target = oxblas_core::Qr<T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T: Scalar> Qr<T> {
    /// Wraps a plain compact QR.
    pub fn from_inner(qr: oxblas_core::Qr<T>) -> Self {
        Qr(qr)
    }
    /// The plain compact QR.
    pub fn into_inner(self) -> oxblas_core::Qr<T> {
        self.0
    }
    /// The reduced `Q`: `m x min(m, n)` with orthonormal columns.
    ///
    /// # Errors
    /// Only backend failures.
    pub fn q(&self) -> Result<Mat<T>> {
        Auto::qr_q(&self.0, QrMode::Reduced)
    }
    /// The complete square `Q`: `m x m`, orthogonal.
    ///
    /// # Errors
    /// Only backend failures.
    pub fn q_full(&self) -> Result<Mat<T>> {
        Auto::qr_q(&self.0, QrMode::Complete)
    }
    /// The reduced upper-trapezoidal `R`: `min(m, n) x n`.
    pub fn r(&self) -> Mat<T> {
        self.0.r()
    }
    /// The least-squares solution of $\min_X \|AX - B\|_F$ for a tall
    /// (`m >= n`) full-rank `A`: $X = R^{-1} Q^T B$.
    ///
    /// # Errors
    /// `DimensionMismatch` if `b.rows() != m`; `InvalidArgument` if `m < n`
    /// (use [`lstsq`] for wide or rank-deficient systems); `NonFinite` if `B`
    /// holds NaN or infinity; `Singular { index }` if `R` has an exactly zero
    /// diagonal entry (`A` is rank deficient).
    pub fn solve_least_squares(&self, b: MatRef<'_, T>) -> Result<Mat<T>> {
        let (m, n) = self.0.factors.shape();
        oxblas_core::validate::rhs(Op::Lstsq, m, b.shape())?;
        if m < n {
            return Err(Error::InvalidArgument {
                op: Op::Lstsq,
                message: format!(
                    "QR least squares needs a tall matrix (m >= n), found {m}x{n}; use lstsq"
                ),
            });
        }
        oxblas_core::validate::finite(Op::Lstsq, b)?;
        let f = &self.0.factors;
        if let Some(index) = (0..n).find(|&i| f[(i, i)] == T::ZERO) {
            return Err(Error::Singular { index });
        }
        let q = self.q()?;
        let mut x = Mat::zeros(n, b.cols());
        Auto::gemm(T::ONE, q.t(), b, T::ZERO, x.as_mut())?;
        let r = f.as_ref().submatrix(0, 0, n, n)?;
        Auto::trsm(
            Side::Left,
            Uplo::Upper,
            Diag::NonUnit,
            T::ONE,
            r,
            x.as_mut(),
        )?;
        Ok(x)
    }
}

/// Householder QR of an `m x n` matrix (any shape), $A = QR$.
///
/// # Errors
/// `NonFinite` if `A` holds NaN or infinity.
///
/// ```
/// use oxblas::Mat;
/// let a = Mat::<f64>::from_rows(&[[3.0, 1.0], [4.0, 2.0], [0.0, 2.0]])?;
/// let qr = oxblas::qr(a.as_ref())?;
/// let (q, r) = (qr.q()?, qr.r());               // 3x2 and 2x2
/// assert_eq!((q.shape(), r.shape()), ((3, 2), (2, 2)));
/// let qr_prod = oxblas::matmul(q.as_ref(), r.as_ref())?;
/// for i in 0..3 { for j in 0..2 { assert!((qr_prod[(i, j)] - a[(i, j)]).abs() < 1e-12); } }
/// // A tall full-rank least-squares problem.
/// let x = qr.solve_least_squares(Mat::from_rows(&[[4.0], [6.0], [2.0]])?.as_ref())?;
/// assert!((x[(0, 0)] - 1.0).abs() < 1e-12 && (x[(1, 0)] - 1.0).abs() < 1e-12);
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn qr<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
    Auto::qr(a).map(Qr)
}

/// Column-pivoted QR, $AP = QR$ with non-increasing $|r_{ii}|$: reveals the
/// numerical rank ([`PivotedQr::rank`]).
///
/// # Errors
/// `NonFinite` if `A` holds NaN or infinity.
pub fn qr_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> {
    Auto::qr_pivoted(a)
}

// ---------------------------------------------------------------- eigen, SVD

/// Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric
/// matrix, $A = V \Lambda V^T$, reading only its lower triangle.
///
/// # Errors
/// `NotSquare`; `NonFinite`; `NoConvergence` (not expected in practice).
///
/// ```
/// use oxblas::Mat;
/// let sym = Mat::<f64>::from_rows(&[[2.0, 1.0], [1.0, 2.0]])?;
/// let e = oxblas::eigh(sym.as_ref())?;
/// assert!((e.values[0] - 1.0).abs() < 1e-12 && (e.values[1] - 3.0).abs() < 1e-12);
/// let v = oxblas::eigvalsh(sym.as_ref())?;
/// assert!((v[1] - 3.0).abs() < 1e-12);
/// // A rotation has eigenvalues +-i.
/// let rot = Mat::<f64>::from_rows(&[[0.0, -1.0], [1.0, 0.0]])?;
/// let ev = oxblas::eigvals(rot.as_ref())?;
/// assert!((ev[0].im.abs() - 1.0).abs() < 1e-12 && ev[0].re.abs() < 1e-12);
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>> {
    Auto::eigh(a)
}

/// Eigenvalues only (ascending) of a symmetric matrix (lower triangle read).
///
/// # Errors
/// As [`eigh`].
pub fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
    Auto::eigvalsh(a)
}

/// Eigenvalues and unit-norm right eigenvectors of a general square matrix,
/// $AV = V\Lambda$; complex in general, conjugate pairs adjacent.
///
/// # Errors
/// `NotSquare`; `NonFinite`; `NoConvergence`.
pub fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>> {
    Auto::eig(a)
}

/// Eigenvalues only of a general square matrix.
///
/// # Errors
/// As [`eig`].
pub fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> {
    Auto::eigvals(a)
}

/// The thin singular value decomposition $A = U \Sigma V^T$: `u` is
/// `m x k`, `s` has `k = min(m, n)` non-negative values in descending order,
/// `vt` is `k x n`.
///
/// # Errors
/// `NonFinite`; `NoConvergence`.
///
/// ```
/// use oxblas::Mat;
/// let a = Mat::<f64>::from_rows(&[[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]])?;
/// let svd = oxblas::svd(a.as_ref())?;
/// assert_eq!((svd.u.shape(), svd.vt.shape()), ((3, 2), (2, 2)));
/// assert!((svd.s[0] - 4.0).abs() < 1e-12 && (svd.s[1] - 3.0).abs() < 1e-12);
/// assert_eq!(oxblas::svd_full(a.as_ref())?.u.shape(), (3, 3));
/// let s = oxblas::singular_values(a.as_ref())?;
/// assert!((s[0] - 4.0).abs() < 1e-12);
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn svd<T: Scalar>(a: MatRef<'_, T>) -> Result<Svd<T>> {
    Auto::svd(a, SvdMode::Thin)
}

/// The full SVD: `u` is `m x m`, `vt` is `n x n`.
///
/// # Errors
/// As [`svd`].
pub fn svd_full<T: Scalar>(a: MatRef<'_, T>) -> Result<Svd<T>> {
    Auto::svd(a, SvdMode::Full)
}

/// The singular values only, descending.
///
/// # Errors
/// As [`svd`].
pub fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
    Auto::singular_values(a)
}

// ----------------------------------------------------------------- solvers

/// Solves the square system $AX = B$ by LU with partial pivoting.
///
/// # Errors
/// `NotSquare`; `DimensionMismatch` if `b.rows() != a.rows()`; `NonFinite`;
/// `Singular { index }` for an exactly singular `A`.
///
/// ```
/// use oxblas::{Error, Mat};
/// let a = Mat::<f64>::from_rows(&[[2.0, 1.0], [1.0, 3.0]])?;
/// let b = Mat::from_rows(&[[3.0], [5.0]])?;
/// let x = oxblas::solve(a.as_ref(), b.as_ref())?;
/// assert!((x[(0, 0)] - 0.8).abs() < 1e-12 && (x[(1, 0)] - 1.4).abs() < 1e-12);
/// assert!((oxblas::det(a.as_ref())? - 5.0).abs() < 1e-12);
/// let ainv = oxblas::inv(a.as_ref())?;
/// assert!((ainv[(0, 0)] - 0.6).abs() < 1e-12);
/// let singular = Mat::from_rows(&[[1.0, 2.0], [2.0, 4.0]])?;
/// assert!(matches!(oxblas::solve(singular.as_ref(), b.as_ref()), Err(Error::Singular { .. })));
/// assert_eq!(oxblas::rank(singular.as_ref())?, 1);
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn solve<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
    Auto::solve(a, b)
}

/// The inverse $A^{-1}$.
///
/// # Errors
/// `NotSquare`; `NonFinite`; `Singular { index }` for an exactly singular `A`.
pub fn inv<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
    Auto::inv(a)
}

/// The determinant $\det A$ (1 for a `0 x 0` matrix, 0 for a singular one).
///
/// # Errors
/// `NotSquare`; `NonFinite`.
pub fn det<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
    Auto::det(a)
}

/// Minimum-norm least squares $\min_X \|AX - B\|_F$ by SVD, as numpy's
/// `lstsq`: singular values below `eps * max(m, n) * s_max` count as zero.
/// Works for any shape and rank. See [`lstsq_with`] to set the cutoff.
///
/// # Errors
/// `DimensionMismatch` if `b.rows() != a.rows()`; `NonFinite`; `NoConvergence`.
///
/// ```
/// use oxblas::Mat;
/// // Fit y = c0 + c1 t through (0, 1), (1, 3), (2, 5).
/// let tall = Mat::<f64>::from_rows(&[[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])?;
/// let y = Mat::from_rows(&[[1.0], [3.0], [5.0]])?;
/// let ls = oxblas::lstsq(tall.as_ref(), y.as_ref())?;
/// assert!((ls.solution[(0, 0)] - 1.0).abs() < 1e-12 && (ls.solution[(1, 0)] - 2.0).abs() < 1e-12);
/// assert_eq!(ls.rank, 2);
/// assert!(ls.residuals[0].abs() < 1e-20);
/// let p = oxblas::pinv(tall.as_ref())?;
/// assert_eq!(p.shape(), (2, 3));
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn lstsq<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Lstsq<T>> {
    Auto::lstsq(a, b, None)
}

/// As [`lstsq`], with singular values below `rcond * s_max` treated as zero.
///
/// # Errors
/// As [`lstsq`], and `InvalidArgument` if `rcond` is negative or NaN.
pub fn lstsq_with<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: T) -> Result<Lstsq<T>> {
    Auto::lstsq(a, b, Some(rcond))
}

/// The Moore-Penrose pseudo-inverse $A^+$ (`n x m`) by SVD; singular values
/// at or below `eps * max(m, n) * s_max` are treated as zero.
///
/// # Errors
/// `NonFinite`; `NoConvergence`.
pub fn pinv<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
    Auto::pinv(a, None)
}

/// As [`pinv`], with cutoff `rcond * s_max`.
///
/// # Errors
/// As [`pinv`], and `InvalidArgument` if `rcond` is negative or NaN.
pub fn pinv_with<T: Scalar>(a: MatRef<'_, T>, rcond: T) -> Result<Mat<T>> {
    Auto::pinv(a, Some(rcond))
}

/// The numerical rank: the number of singular values above
/// `s_max * max(m, n) * eps` (numpy's `matrix_rank`).
///
/// # Errors
/// `NonFinite`; `NoConvergence`.
pub fn rank<T: Scalar>(a: MatRef<'_, T>) -> Result<usize> {
    Auto::rank(a, None)
}

/// As [`rank`], counting singular values above the absolute `tol`.
///
/// # Errors
/// As [`rank`], and `InvalidArgument` if `tol` is negative or NaN.
pub fn rank_with<T: Scalar>(a: MatRef<'_, T>, tol: T) -> Result<usize> {
    Auto::rank(a, Some(tol))
}

/// The 2-norm condition number $\sigma_{max} / \sigma_{min}$ (infinite for a
/// singular matrix).
///
/// # Errors
/// `InvalidArgument` for an empty matrix; `NonFinite`; `NoConvergence`.
pub fn cond<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
    Auto::cond(a)
}

/// A matrix norm: `Norm::One` (largest column sum of $|a_{ij}|$), `Inf`
/// (largest row sum), `Fro` ($\sqrt{\sum a_{ij}^2}$), `Spectral`
/// ($\sigma_{max}$).
///
/// # Errors
/// Only for `Spectral`: `NonFinite`, `NoConvergence` (the other norms
/// propagate NaN instead).
///
/// ```
/// use oxblas::{Mat, Norm};
/// let a = Mat::<f64>::from_rows(&[[1.0, -2.0], [3.0, 4.0]])?;
/// assert_eq!(oxblas::norm(a.as_ref(), Norm::One)?, 6.0);
/// assert_eq!(oxblas::norm(a.as_ref(), Norm::Inf)?, 7.0);
/// assert!((oxblas::norm(a.as_ref(), Norm::Fro)? - 30f64.sqrt()).abs() < 1e-12);
/// # Ok::<(), oxblas::Error>(())
/// ```
pub fn norm<T: Scalar>(a: MatRef<'_, T>, kind: Norm) -> Result<T> {
    Auto::norm(a, kind)
}
