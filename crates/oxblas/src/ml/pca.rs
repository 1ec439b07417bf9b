//! Principal component analysis.
//!
//! [`Pca::fit`] centers the data and takes its thin SVD
//! $X_c = U \Sigma V^T$ ([`crate::svd`]); the principal axes are the rows of
//! $V^T$, the explained variances $\sigma_i^2 / (m - 1)$. For wide or large
//! data where only `k << min(m, n)` components are wanted,
//! [`PcaSolver::Randomized`] uses [`randomized_svd`] instead.
//!
//! Signs are made deterministic: in each component the entry of largest
//! magnitude is positive.
//!
//! ```
//! use oxblas::{ml::pca::Pca, Mat};
//! let x = Mat::<f64>::from_fn(50, 3, |i, j| (i as f64) * [1.0, 2.0, 0.0][j] + ((i * 7 + j) % 5) as f64);
//! let p = Pca::fit(x.as_ref(), 2)?;
//! let z = p.transform(x.as_ref())?;            // 50 x 2 scores
//! let back = p.inverse_transform(z.as_ref())?; // 50 x 3, close to x
//! assert_eq!(back.shape(), (50, 3));
//! assert!(p.explained_variance_ratio()[0] > 0.9);
//! # Ok::<(), oxblas::Error>(())
//! ```

use super::data::Rng;
use super::{centered, col_means, invalid, mismatch};
use oxblas_core::{all_finite, Error, Mat, MatRef, Op, Result, Scalar, Svd};

/// How [`Pca::fit_with`] computes the decomposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcaSolver {
    /// The thin SVD of the whole centered matrix (exact).
    Full,
    /// [`randomized_svd`] with the given oversampling, power iterations and
    /// seed (approximate; fast when `k << min(m, n)`).
    Randomized {
        /// Extra sketch columns beyond `k` (10 is customary).
        oversample: usize,
        /// Subspace (power) iterations (2 to 4 for slowly decaying spectra).
        power_iters: usize,
        /// Seed of the Gaussian sketch.
        seed: u64,
    },
}

/// A fitted PCA model.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca<T> {
    mean: Vec<T>,
    components: Mat<T>,
    explained_variance: Vec<T>,
    explained_variance_ratio: Vec<T>,
    singular_values: Vec<T>,
    n_samples: usize,
}

impl<T: Scalar> Pca<T> {
    /// Fits `k` components to the rows of `x` (samples x features) with the
    /// exact SVD.
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Svd`]) if `x` has fewer than 2 rows or
    /// `k` is 0 or exceeds `min(rows, cols)`; `NonFinite` if `x` has NaN or
    /// infinity; errors of [`crate::svd`].
    pub fn fit(x: MatRef<'_, T>, k: usize) -> Result<Self> {
        Self::fit_with(x, k, PcaSolver::Full)
    }

    /// Fits `k` components with the chosen solver.
    ///
    /// # Errors
    /// As [`Pca::fit`].
    pub fn fit_with(x: MatRef<'_, T>, k: usize, solver: PcaSolver) -> Result<Self> {
        let (m, n) = x.shape();
        if m < 2 {
            return Err(invalid(
                Op::Svd,
                format!("PCA needs at least 2 samples, found {m}"),
            ));
        }
        if k == 0 || k > m.min(n) {
            return Err(invalid(
                Op::Svd,
                format!("k = {k} components must be in 1..={}", m.min(n)),
            ));
        }
        if !all_finite(x) {
            return Err(Error::NonFinite { op: Op::Svd });
        }
        let mean = col_means(x);
        let xc = centered(x, &mean);
        let svd = match solver {
            PcaSolver::Full => crate::svd(xc.as_ref())?,
            PcaSolver::Randomized {
                oversample,
                power_iters,
                seed,
            } => randomized_svd(xc.as_ref(), k, oversample, power_iters, seed)?,
        };
        let denom = T::from_usize(m - 1);
        let total: T = xc.as_slice().iter().map(|&v| v * v).sum::<T>() / denom;
        let mut components = Mat::zeros(k, n);
        for c in 0..k {
            let row = svd.vt.row(c);
            let big = row
                .iter()
                .copied()
                .fold(T::ZERO, |a, v| if v.abs() > a.abs() { v } else { a });
            let sign = if big < T::ZERO { -T::ONE } else { T::ONE };
            for (d, &v) in components.row_mut(c).iter_mut().zip(row) {
                *d = sign * v;
            }
        }
        let singular_values: Vec<T> = svd.s[..k].to_vec();
        let explained_variance: Vec<T> = singular_values.iter().map(|&s| s * s / denom).collect();
        let explained_variance_ratio = explained_variance
            .iter()
            .map(|&v| if total > T::ZERO { v / total } else { T::ZERO })
            .collect();
        Ok(Pca {
            mean,
            components,
            explained_variance,
            explained_variance_ratio,
            singular_values,
            n_samples: m,
        })
    }

    /// Projects the rows of `x` onto the components: $(X - \mu) V_k$,
    /// `rows x k`.
    ///
    /// # Errors
    /// `DimensionMismatch` if `x.cols()` differs from the fitted features.
    pub fn transform(&self, x: MatRef<'_, T>) -> Result<Mat<T>> {
        if x.cols() != self.mean.len() {
            return Err(mismatch(
                Op::Gemm,
                format!("x.cols() == {}", self.mean.len()),
                format!("{}", x.cols()),
            ));
        }
        let xc = centered(x, &self.mean);
        crate::matmul(xc.as_ref(), self.components.t())
    }

    /// Maps scores back to feature space: $Z V_k^T + \mu$, `rows x features`.
    ///
    /// # Errors
    /// `DimensionMismatch` if `z.cols()` differs from the number of components.
    pub fn inverse_transform(&self, z: MatRef<'_, T>) -> Result<Mat<T>> {
        if z.cols() != self.components.rows() {
            return Err(mismatch(
                Op::Gemm,
                format!("z.cols() == {}", self.components.rows()),
                format!("{}", z.cols()),
            ));
        }
        let mut x = crate::matmul(z, self.components.as_ref())?;
        for i in 0..x.rows() {
            for (v, m) in x.row_mut(i).iter_mut().zip(&self.mean) {
                *v += *m;
            }
        }
        Ok(x)
    }

    /// Principal axes as rows (`k x features`), orthonormal.
    pub fn components(&self) -> &Mat<T> {
        &self.components
    }
    /// The feature means subtracted before projection.
    pub fn mean(&self) -> &[T] {
        &self.mean
    }
    /// Variance along each component, $\sigma_i^2 / (m - 1)$.
    pub fn explained_variance(&self) -> &[T] {
        &self.explained_variance
    }
    /// Each component's share of the total variance of the data.
    pub fn explained_variance_ratio(&self) -> &[T] {
        &self.explained_variance_ratio
    }
    /// The leading singular values of the centered data.
    pub fn singular_values(&self) -> &[T] {
        &self.singular_values
    }
    /// Number of samples the model was fitted on.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }
}

/// Rank-`k` truncated SVD by randomized subspace iteration
/// (Halko, Martinsson and Tropp 2011, algorithms 4.4 and 5.1).
///
/// A Gaussian sketch $\Omega$ (`n x (k + oversample)`, from the
/// deterministic [`Rng`] seeded by `seed`) gives $Y = A\Omega$; each power
/// iteration re-orthonormalizes with QR ($Q \leftarrow qr(A\,qr(A^T Q))$);
/// then $B = Q^T A$ is small and its exact SVD $B = \hat U \Sigma V^T$ gives
/// $U = Q \hat U$. Returns `u` (`m x k`), `s` (`k`, descending), `vt`
/// (`k x n`).
///
/// # Errors
/// `InvalidArgument` (tag [`Op::Svd`]) if `k` is 0 or exceeds
/// `min(m, n)`; `NonFinite` for NaN or infinity in `a`; errors of the
/// underlying gemm, QR and SVD.
pub fn randomized_svd<T: Scalar>(
    a: MatRef<'_, T>,
    k: usize,
    oversample: usize,
    power_iters: usize,
    seed: u64,
) -> Result<Svd<T>> {
    let (m, n) = a.shape();
    if k == 0 || k > m.min(n) {
        return Err(invalid(
            Op::Svd,
            format!("k = {k} must be in 1..={}", m.min(n)),
        ));
    }
    if !all_finite(a) {
        return Err(Error::NonFinite { op: Op::Svd });
    }
    let l = (k + oversample).min(m.min(n));
    let omega: Mat<T> = Rng::new(seed).normal_mat(n, l, 1.0);
    let mut q = crate::qr(crate::matmul(a, omega.as_ref())?.as_ref())?.q()?;
    for _ in 0..power_iters {
        let z = crate::qr(crate::matmul(a.t(), q.as_ref())?.as_ref())?.q()?;
        q = crate::qr(crate::matmul(a, z.as_ref())?.as_ref())?.q()?;
    }
    let b = crate::matmul(q.t(), a)?; // l x n
    let small = crate::svd(b.as_ref())?;
    let u_full = crate::matmul(q.as_ref(), small.u.as_ref())?; // m x l
    let u = Mat::from_fn(m, k, |i, j| u_full[(i, j)]);
    let vt = Mat::from_fn(k, n, |i, j| small.vt[(i, j)]);
    Ok(Svd {
        u,
        s: small.s[..k].to_vec(),
        vt,
    })
}
