//! Decomposition results: plain data, the same for every backend.

use num_complex::Complex;

use crate::{Mat, MatRef, Scalar};

/// LU factorization with partial pivoting: $PA = LU$.
///
/// `factors` holds `U` on and above the diagonal and the multipliers of the
/// unit lower-triangular `L` below it (LAPACK's `getrf` layout). At step `i`
/// row `i` was swapped with row `pivots[i] >= i`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lu<T> {
    /// `L` (strictly lower, unit diagonal implied) and `U` packed in one `n x n` matrix.
    pub factors: Mat<T>,
    /// Row interchanges: row `i` was swapped with row `pivots[i]` (0-based).
    pub pivots: Vec<usize>,
}

impl<T: Scalar> Lu<T> {
    /// Order of the factored matrix.
    pub fn n(&self) -> usize {
        self.factors.rows()
    }
    /// The unit lower-triangular factor `L`.
    pub fn l(&self) -> Mat<T> {
        let f = &self.factors;
        Mat::from_fn(f.rows(), f.cols(), |i, j| match i.cmp(&j) {
            core::cmp::Ordering::Greater => f[(i, j)],
            core::cmp::Ordering::Equal => T::ONE,
            core::cmp::Ordering::Less => T::ZERO,
        })
    }
    /// The upper-triangular factor `U`.
    pub fn u(&self) -> Mat<T> {
        let f = &self.factors;
        Mat::from_fn(
            f.rows(),
            f.cols(),
            |i, j| if i <= j { f[(i, j)] } else { T::ZERO },
        )
    }
    /// `perm` such that row `i` of `PA` is row `perm[i]` of `A`.
    ///
    /// Hand-built pivots outside `0..n` (malformed factors, see
    /// [`validate::lu_factors`](crate::validate::lu_factors)) are skipped.
    pub fn permutation(&self) -> Vec<usize> {
        let n = self.n();
        let mut perm: Vec<usize> = (0..n).collect();
        for (i, &p) in self.pivots.iter().enumerate() {
            if i < n && p < n {
                perm.swap(i, p);
            }
        }
        perm
    }
    /// The permutation matrix `P` with $PA = LU$.
    pub fn p(&self) -> Mat<T> {
        let perm = self.permutation();
        Mat::from_fn(self.n(), self.n(), |i, j| {
            if perm[i] == j {
                T::ONE
            } else {
                T::ZERO
            }
        })
    }
    /// `+1` or `-1`: the sign of the permutation.
    pub fn permutation_sign(&self) -> T {
        let swaps = self
            .pivots
            .iter()
            .enumerate()
            .filter(|&(i, &p)| i != p)
            .count();
        if swaps % 2 == 0 {
            T::ONE
        } else {
            -T::ONE
        }
    }
    /// $\det A = \pm \prod_i u_{ii}$ (0 for a singular matrix, 1 for `0 x 0`).
    /// NaN for hand-built factors that are not square.
    pub fn det(&self) -> T {
        if self.factors.rows() != self.factors.cols() {
            return T::NAN;
        }
        let mut d = self.permutation_sign();
        for i in 0..self.n() {
            d *= self.factors[(i, i)];
        }
        d
    }
    /// The index of the first exactly-zero pivot, if the matrix is singular.
    pub fn zero_pivot(&self) -> Option<usize> {
        let k = self.factors.rows().min(self.factors.cols());
        (0..k).find(|&i| self.factors[(i, i)] == T::ZERO)
    }
}

/// Cholesky factorization $A = L L^T$ of a symmetric positive definite matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Cholesky<T> {
    /// The lower-triangular factor (zeros above the diagonal).
    pub l: Mat<T>,
}

impl<T: Scalar> Cholesky<T> {
    /// The lower-triangular factor `L`.
    pub fn l(&self) -> &Mat<T> {
        &self.l
    }
    /// $\det A = \prod_i l_{ii}^2$; NaN for a hand-built `L` that is not
    /// square.
    pub fn det(&self) -> T {
        if self.l.rows() != self.l.cols() {
            return T::NAN;
        }
        let mut d = T::ONE;
        for i in 0..self.l.rows() {
            d *= self.l[(i, i)] * self.l[(i, i)];
        }
        d
    }
}

/// Householder QR factorization $A = QR$ in compact form (LAPACK's `geqrf`
/// layout): `R` on and above the diagonal, the Householder vectors below it
/// (unit leading entry implied), and $H_i = I - \tau_i v_i v_i^T$,
/// $Q = H_0 H_1 \cdots H_{k-1}$.
#[derive(Clone, Debug, PartialEq)]
pub struct Qr<T> {
    /// `R` and the Householder vectors, `m x n`.
    pub factors: Mat<T>,
    /// The `min(m, n)` Householder scalars.
    pub tau: Vec<T>,
}

impl<T: Scalar> Qr<T> {
    /// The reduced upper-triangular (trapezoidal) factor, `min(m, n) x n`.
    pub fn r(&self) -> Mat<T> {
        let f = &self.factors;
        let k = f.rows().min(f.cols());
        Mat::from_fn(k, f.cols(), |i, j| if i <= j { f[(i, j)] } else { T::ZERO })
    }
}

/// Column-pivoted QR: $A P = Q R$ with $|r_{00}| \ge |r_{11}| \ge \dots$.
#[derive(Clone, Debug, PartialEq)]
pub struct PivotedQr<T> {
    /// The QR factorization of `A P`.
    pub qr: Qr<T>,
    /// Column `j` of `A P` is column `perm[j]` of `A`.
    pub perm: Vec<usize>,
}

impl<T: Scalar> PivotedQr<T> {
    /// Numerical rank: the number of `|r_ii| > tol * |r_00|`. With `tol = None`,
    /// `tol = max(m, n) * eps`.
    pub fn rank(&self, tol: Option<T>) -> usize {
        let f = &self.qr.factors;
        let k = f.rows().min(f.cols());
        if k == 0 {
            return 0;
        }
        let tol = tol.unwrap_or(T::from_usize(f.rows().max(f.cols())) * T::EPSILON);
        let r0 = f[(0, 0)].abs();
        (0..k).filter(|&i| f[(i, i)].abs() > tol * r0).count()
    }
}

/// Singular value decomposition $A = U \Sigma V^T$.
#[derive(Clone, Debug, PartialEq)]
pub struct Svd<T> {
    /// Left singular vectors as columns (`m x k` thin, `m x m` full).
    pub u: Mat<T>,
    /// Singular values, non-negative and descending, `min(m, n)` of them.
    pub s: Vec<T>,
    /// Right singular vectors as rows (`k x n` thin, `n x n` full).
    pub vt: Mat<T>,
}

/// Symmetric eigendecomposition $A = V \Lambda V^T$.
#[derive(Clone, Debug, PartialEq)]
pub struct Eigh<T> {
    /// Eigenvalues in ascending order.
    pub values: Vec<T>,
    /// Orthonormal eigenvectors as columns, in the order of `values`.
    pub vectors: Mat<T>,
}

/// General eigendecomposition $A V = V \Lambda$ (complex in general).
#[derive(Clone, Debug, PartialEq)]
pub struct Eig<T> {
    /// Eigenvalues; complex-conjugate pairs are adjacent, positive imaginary part first.
    pub values: Vec<Complex<T>>,
    /// Right eigenvectors as columns, each of unit 2-norm.
    pub vectors: Mat<Complex<T>>,
}

/// Least-squares solution of $\min_X \|AX - B\|_F$, as numpy's `lstsq` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lstsq<T> {
    /// The minimum-norm solution `X`, `n x k`.
    pub solution: Mat<T>,
    /// Squared residual norm of each column of `B`; empty unless
    /// `rank == n < m` (numpy's convention).
    pub residuals: Vec<T>,
    /// Effective rank of `A`.
    pub rank: usize,
    /// Singular values of `A`, descending.
    pub singular_values: Vec<T>,
}

/// `true` if every element is finite.
pub fn all_finite<T: Scalar>(a: MatRef<'_, T>) -> bool {
    a.all(|x| x.is_finite())
}
