//! Linear regression: ordinary least squares, ridge, and batch gradient
//! descent on the least-squares objective.
//!
//! All fits take `x` (`m x n`, samples as rows) and `y` (`m x t`, one
//! column per target) and return a [`LinearModel`] with `coef` (`n x t`) and
//! `intercept` (`t`). With `fit_intercept`, `x` and `y` are centered first
//! and the intercept is $\bar y - \bar x^T W$ (so ridge does not penalize it).
//!
//! - [`fit_ols`]: minimum-norm least squares through [`crate::lstsq`].
//! - [`fit_ridge`]: $(X^T X + \lambda I) W = X^T Y$ by [`crate::cholesky`].
//! - [`fit_gd`]: plain batch gradient descent on
//!   $\frac{1}{2m}\|XW - Y\|_F^2$ with step $1/L$, $L$ the largest
//!   eigenvalue of $X^T X / m$; it converges to the OLS answer.

use super::{centered, col_means, invalid, mismatch};
use oxblas_core::{all_finite, Error, Mat, MatRef, Op, Result, Scalar};

/// A fitted linear model $\hat y = x^T W + b$.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearModel<T> {
    /// Coefficients, `features x targets`.
    pub coef: Mat<T>,
    /// Intercept per target (zeros without `fit_intercept`).
    pub intercept: Vec<T>,
}

impl<T: Scalar> LinearModel<T> {
    /// Predictions for the rows of `x`: `rows x targets`.
    ///
    /// # Errors
    /// `DimensionMismatch` if `x.cols()` differs from the fitted features.
    pub fn predict(&self, x: MatRef<'_, T>) -> Result<Mat<T>> {
        if x.cols() != self.coef.rows() {
            return Err(mismatch(
                Op::Gemm,
                format!("x.cols() == {}", self.coef.rows()),
                format!("{}", x.cols()),
            ));
        }
        let mut p = crate::matmul(x, self.coef.as_ref())?;
        for i in 0..p.rows() {
            for (v, b) in p.row_mut(i).iter_mut().zip(&self.intercept) {
                *v += *b;
            }
        }
        Ok(p)
    }

    /// The coefficient of determination R^2 of the predictions on `(x, y)`,
    /// averaged over targets (see [`r2_score`]).
    ///
    /// # Errors
    /// As [`LinearModel::predict`] and [`r2_score`].
    pub fn score(&self, x: MatRef<'_, T>, y: MatRef<'_, T>) -> Result<T> {
        r2_score(y, self.predict(x)?.as_ref())
    }
}

/// $R^2 = 1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2$ per column,
/// averaged over columns. A constant target column scores 1 when predicted
/// exactly and 0 otherwise.
///
/// # Errors
/// `DimensionMismatch` if the shapes differ; `InvalidArgument` (tag
/// [`Op::Lstsq`]) for fewer than 2 rows or no columns.
pub fn r2_score<T: Scalar>(y_true: MatRef<'_, T>, y_pred: MatRef<'_, T>) -> Result<T> {
    if y_true.shape() != y_pred.shape() {
        return Err(mismatch(
            Op::Lstsq,
            format!("y_pred shape {:?}", y_true.shape()),
            format!("{:?}", y_pred.shape()),
        ));
    }
    let (m, t) = y_true.shape();
    if m < 2 || t == 0 {
        return Err(invalid(
            Op::Lstsq,
            "R^2 needs at least 2 samples and 1 target",
        ));
    }
    let mean = col_means(y_true);
    let mut total = T::ZERO;
    for j in 0..t {
        let (mut ss_res, mut ss_tot) = (T::ZERO, T::ZERO);
        for i in 0..m {
            let r = y_true[(i, j)] - y_pred[(i, j)];
            let d = y_true[(i, j)] - mean[j];
            ss_res += r * r;
            ss_tot += d * d;
        }
        total += if ss_tot > T::ZERO {
            T::ONE - ss_res / ss_tot
        } else if ss_res == T::ZERO {
            T::ONE
        } else {
            T::ZERO
        };
    }
    Ok(total / T::from_usize(t))
}

struct Prepared<T> {
    x: Mat<T>,
    y: Mat<T>,
    x_mean: Vec<T>,
    y_mean: Vec<T>,
}

fn prepare<T: Scalar>(
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    fit_intercept: bool,
    op: Op,
) -> Result<Prepared<T>> {
    if x.rows() != y.rows() {
        return Err(mismatch(
            op,
            format!("y.rows() == x.rows() == {}", x.rows()),
            format!("{}", y.rows()),
        ));
    }
    if x.rows() == 0 || x.cols() == 0 || y.cols() == 0 {
        return Err(invalid(op, "x and y must be non-empty"));
    }
    if !all_finite(x) || !all_finite(y) {
        return Err(Error::NonFinite { op });
    }
    let (x_mean, y_mean) = if fit_intercept {
        (col_means(x), col_means(y))
    } else {
        (vec![T::ZERO; x.cols()], vec![T::ZERO; y.cols()])
    };
    Ok(Prepared {
        x: centered(x, &x_mean),
        y: centered(y, &y_mean),
        x_mean,
        y_mean,
    })
}

fn finish<T: Scalar>(p: &Prepared<T>, coef: Mat<T>) -> LinearModel<T> {
    let intercept = (0..coef.cols())
        .map(|j| {
            let dot: T = (0..coef.rows()).map(|i| p.x_mean[i] * coef[(i, j)]).sum();
            p.y_mean[j] - dot
        })
        .collect();
    LinearModel { coef, intercept }
}

/// Ordinary least squares: the minimum-norm $W$ minimizing
/// $\|X_c W - Y_c\|_F$, by [`crate::lstsq`] (rank-revealing, so
/// rank-deficient `x` is fine).
///
/// # Errors
/// `DimensionMismatch` (tag [`Op::Lstsq`]) if `y.rows() != x.rows()`;
/// `InvalidArgument` for empty inputs; `NonFinite` for NaN or infinity;
/// errors of [`crate::lstsq`].
pub fn fit_ols<T: Scalar>(
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    fit_intercept: bool,
) -> Result<LinearModel<T>> {
    let p = prepare(x, y, fit_intercept, Op::Lstsq)?;
    let ls = crate::lstsq(p.x.as_ref(), p.y.as_ref())?;
    Ok(finish(&p, ls.solution))
}

/// Ridge regression: solves $(X_c^T X_c + \lambda I) W = X_c^T Y_c$ by
/// Cholesky. With `lambda == 0` this is OLS through the normal equations
/// (needs full column rank).
///
/// # Errors
/// `InvalidArgument` (tag [`Op::Cholesky`]) if `lambda` is negative or not
/// finite; the shape and value errors of [`fit_ols`];
/// `NotPositiveDefinite` if `lambda == 0` and `x` is rank-deficient.
pub fn fit_ridge<T: Scalar>(
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    lambda: T,
    fit_intercept: bool,
) -> Result<LinearModel<T>> {
    if !lambda.is_finite() || lambda < T::ZERO {
        return Err(invalid(
            Op::Cholesky,
            format!("ridge lambda must be finite and >= 0, found {lambda}"),
        ));
    }
    let p = prepare(x, y, fit_intercept, Op::Cholesky)?;
    let n = p.x.cols();
    let mut g = Mat::zeros(n, n);
    crate::gemm(T::ONE, p.x.t(), p.x.as_ref(), T::ZERO, g.as_mut())?;
    for i in 0..n {
        g[(i, i)] += lambda;
    }
    let rhs = crate::matmul(p.x.t(), p.y.as_ref())?;
    let coef = crate::cholesky(g.as_ref())?.solve(rhs.as_ref())?;
    Ok(finish(&p, coef))
}

/// Options of [`fit_gd`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GdOptions<T> {
    /// Step size; `None` uses $1/L$ with $L = \lambda_{max}(X_c^T X_c / m)$.
    pub learning_rate: Option<T>,
    /// Most iterations to run.
    pub max_iter: usize,
    /// Stop when $\|\nabla\|_F \le$ `tol` $\cdot \|X_c^T Y_c / m\|_F$.
    pub tol: T,
}

impl<T: Scalar> Default for GdOptions<T> {
    fn default() -> Self {
        GdOptions {
            learning_rate: None,
            max_iter: 10_000,
            tol: T::EPSILON.sqrt(),
        }
    }
}

/// What [`fit_gd`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct GdReport<T> {
    /// The model at the last iterate.
    pub model: LinearModel<T>,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the gradient tolerance was met.
    pub converged: bool,
    /// Objective $\frac{1}{2m}\|X_c W - Y_c\|_F^2$ after each iteration.
    pub loss_history: Vec<T>,
}

/// Batch gradient descent on $\frac{1}{2m}\|X_c W - Y_c\|_F^2$ from
/// $W = 0$. Each iteration forms the residual $R = X_c W - Y_c$ and the
/// gradient $X_c^T R / m$ with two gemms over the whole batch.
///
/// # Errors
/// `InvalidArgument` (tag [`Op::Gemm`]) for a non-positive or non-finite
/// learning rate or tolerance; the shape and value errors of [`fit_ols`].
pub fn fit_gd<T: Scalar>(
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    fit_intercept: bool,
    opts: GdOptions<T>,
) -> Result<GdReport<T>> {
    if !(opts.tol.is_finite() && opts.tol >= T::ZERO) {
        return Err(invalid(
            Op::Gemm,
            "gradient-descent tol must be finite and >= 0",
        ));
    }
    let p = prepare(x, y, fit_intercept, Op::Gemm)?;
    let (m, n) = p.x.shape();
    let t = p.y.cols();
    let inv_m = T::ONE / T::from_usize(m);
    let lr = match opts.learning_rate {
        Some(lr) if lr.is_finite() && lr > T::ZERO => lr,
        Some(lr) => {
            return Err(invalid(
                Op::Gemm,
                format!("learning rate must be finite and > 0, found {lr}"),
            ))
        }
        None => {
            let mut g = Mat::zeros(n, n);
            crate::gemm(inv_m, p.x.t(), p.x.as_ref(), T::ZERO, g.as_mut())?;
            let ev = crate::eigvalsh(g.as_ref())?;
            let l = ev.last().copied().unwrap_or(T::ONE);
            if l <= T::ZERO {
                return Err(invalid(Op::Gemm, "x is zero after centering"));
            }
            T::ONE / l
        }
    };
    let c = {
        let mut c = crate::matmul(p.x.t(), p.y.as_ref())?;
        c.as_mut_slice().iter_mut().for_each(|v| *v *= inv_m);
        c
    };
    let c_norm = c.as_slice().iter().map(|&v| v * v).sum::<T>().sqrt();
    let mut w = Mat::zeros(n, t);
    let mut r = Mat::zeros(m, t);
    let mut grad = Mat::zeros(n, t);
    let mut loss_history = Vec::new();
    let mut converged = false;
    let mut iterations = 0;
    while iterations < opts.max_iter {
        // r = X w - y
        r.as_mut_slice().copy_from_slice(p.y.as_slice());
        crate::gemm(T::ONE, p.x.as_ref(), w.as_ref(), -T::ONE, r.as_mut())?;
        // grad = X^T r / m
        crate::gemm(inv_m, p.x.t(), r.as_ref(), T::ZERO, grad.as_mut())?;
        let loss = r.as_slice().iter().map(|&v| v * v).sum::<T>() * inv_m / T::from_f64(2.0);
        loss_history.push(loss);
        let gn = grad.as_slice().iter().map(|&v| v * v).sum::<T>().sqrt();
        if gn <= opts.tol * c_norm {
            converged = true;
            break;
        }
        for (wv, gv) in w.as_mut_slice().iter_mut().zip(grad.as_slice()) {
            *wv -= lr * *gv;
        }
        iterations += 1;
    }
    Ok(GdReport {
        model: finish(&p, w),
        iterations,
        converged,
        loss_history,
    })
}
