//! Low-rank matrix completion by regularized alternating least squares.
//!
//! Given observed entries $r_{ui}$ of a `users x items` matrix, finds
//! factors $P$ (`users x k`) and $Q$ (`items x k`) minimizing
//! $\sum_{(u,i)} (r_{ui} - \mu - p_u^T q_i)^2 + \lambda (n_u \|p_u\|^2 + n_i \|q_i\|^2)$
//! ($\mu$ the global mean, $n_u$, $n_i$ the observation counts: the
//! weighted-lambda regularization of Zhou et al. 2008). With one side fixed
//! the problem separates: each user's factor solves the `k x k` SPD system
//! $(Q_u^T Q_u + \lambda n_u I) p_u = Q_u^T (r_u - \mu)$, formed with
//! [`crate::gemm`] and solved with [`crate::cholesky`]; users (then items)
//! are solved in parallel with rayon.

use super::data::Rng;
use super::invalid;
use oxblas_core::{Mat, Op, Result, Scalar};
use rayon::prelude::*;

/// One observed entry: `(row/user, column/item, value)`.
pub type Rating<T> = (usize, usize, T);

/// Options of [`als_fit`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlsOptions<T> {
    /// Rank `k` of the factorization (at least 1).
    pub rank: usize,
    /// Regularization $\lambda \ge 0$ (scaled by each row's count).
    pub lambda: T,
    /// Alternating sweeps (one user pass plus one item pass each).
    pub iterations: usize,
    /// Seed of the initial item factors.
    pub seed: u64,
}

/// A fitted factorization.
#[derive(Clone, Debug, PartialEq)]
pub struct AlsModel<T> {
    /// User factors, `users x k` (zero for users without observations).
    pub users: Mat<T>,
    /// Item factors, `items x k` (zero for items without observations).
    pub items: Mat<T>,
    /// Global mean of the training values.
    pub mean: T,
    /// Training RMSE after each sweep.
    pub train_rmse_history: Vec<T>,
}

impl<T: Scalar> AlsModel<T> {
    /// Predicted value $\mu + p_u^T q_i$, or `None` out of range.
    pub fn predict(&self, user: usize, item: usize) -> Option<T> {
        if user >= self.users.rows() || item >= self.items.rows() {
            return None;
        }
        let dot: T = self
            .users
            .row(user)
            .iter()
            .zip(self.items.row(item))
            .map(|(a, b)| *a * *b)
            .sum();
        Some(self.mean + dot)
    }

    /// Root-mean-square error of the predictions on `entries`.
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Cholesky`]) if `entries` is empty or an
    /// index is out of range.
    pub fn rmse(&self, entries: &[Rating<T>]) -> Result<T> {
        if entries.is_empty() {
            return Err(invalid(Op::Cholesky, "RMSE of no entries"));
        }
        let mut s = T::ZERO;
        for &(u, i, r) in entries {
            let p = self
                .predict(u, i)
                .ok_or_else(|| invalid(Op::Cholesky, format!("entry ({u}, {i}) out of range")))?;
            s += (r - p) * (r - p);
        }
        Ok((s / T::from_usize(entries.len())).sqrt())
    }
}

/// RMSE of predicting every entry by one constant (e.g. the training mean).
///
/// # Errors
/// `InvalidArgument` (tag [`Op::Cholesky`]) if `entries` is empty.
pub fn constant_rmse<T: Scalar>(entries: &[Rating<T>], value: T) -> Result<T> {
    if entries.is_empty() {
        return Err(invalid(Op::Cholesky, "RMSE of no entries"));
    }
    let s: T = entries
        .iter()
        .map(|&(_, _, r)| (r - value) * (r - value))
        .sum();
    Ok((s / T::from_usize(entries.len())).sqrt())
}

/// Solves every row's regularized least-squares problem against the fixed factors.
fn solve_side<T: Scalar>(
    by_row: &[Vec<(usize, T)>],
    fixed: &Mat<T>,
    mean: T,
    lambda: T,
    k: usize,
) -> Result<Mat<T>> {
    let rows: Vec<Result<Vec<T>>> = by_row
        .par_iter()
        .map(|obs| {
            if obs.is_empty() {
                return Ok(vec![T::ZERO; k]);
            }
            let n = obs.len();
            let f = Mat::from_fn(n, k, |r, c| fixed[(obs[r].0, c)]);
            let y = Mat::from_fn(n, 1, |r, _| obs[r].1 - mean);
            let mut a = Mat::zeros(k, k);
            crate::gemm(T::ONE, f.t(), f.as_ref(), T::ZERO, a.as_mut())?;
            let reg = lambda * T::from_usize(n);
            for d in 0..k {
                a[(d, d)] += reg;
            }
            let rhs = crate::matmul(f.t(), y.as_ref())?;
            Ok(crate::cholesky(a.as_ref())?.solve(rhs.as_ref())?.into_vec())
        })
        .collect();
    let mut out = Mat::zeros(by_row.len(), k);
    for (i, r) in rows.into_iter().enumerate() {
        out.row_mut(i).copy_from_slice(&r?);
    }
    Ok(out)
}

/// Fits a rank-`k` model to the observed `train` entries of a
/// `n_users x n_items` matrix by alternating least squares.
///
/// # Errors
/// `InvalidArgument` (tag [`Op::Cholesky`]) if `train` is empty, an index is
/// out of range, a value is not finite, `rank` is 0, or `lambda` is
/// negative or not finite; `NotPositiveDefinite` from a user/item solve if
/// `lambda == 0` and a row has fewer independent observations than `k`.
pub fn als_fit<T: Scalar>(
    train: &[Rating<T>],
    n_users: usize,
    n_items: usize,
    opts: AlsOptions<T>,
) -> Result<AlsModel<T>> {
    let k = opts.rank;
    if k == 0 {
        return Err(invalid(Op::Cholesky, "ALS rank must be at least 1"));
    }
    if !opts.lambda.is_finite() || opts.lambda < T::ZERO {
        return Err(invalid(Op::Cholesky, "ALS lambda must be finite and >= 0"));
    }
    if train.is_empty() {
        return Err(invalid(
            Op::Cholesky,
            "ALS needs at least one observed entry",
        ));
    }
    let mut by_user = vec![Vec::new(); n_users];
    let mut by_item = vec![Vec::new(); n_items];
    let mut sum = T::ZERO;
    for &(u, i, r) in train {
        if u >= n_users || i >= n_items {
            return Err(invalid(
                Op::Cholesky,
                format!("entry ({u}, {i}) outside {n_users}x{n_items}"),
            ));
        }
        if !r.is_finite() {
            return Err(invalid(
                Op::Cholesky,
                format!("entry ({u}, {i}) is not finite"),
            ));
        }
        by_user[u].push((i, r));
        by_item[i].push((u, r));
        sum += r;
    }
    let mean = sum / T::from_usize(train.len());
    let mut rng = Rng::new(opts.seed);
    let mut items: Mat<T> = rng.normal_mat(n_items, k, 0.1);
    let mut users = Mat::zeros(n_users, k);
    let mut model = AlsModel {
        users: Mat::zeros(0, 0),
        items: Mat::zeros(0, 0),
        mean,
        train_rmse_history: Vec::new(),
    };
    for _ in 0..opts.iterations {
        users = solve_side(&by_user, &items, mean, opts.lambda, k)?;
        items = solve_side(&by_item, &users, mean, opts.lambda, k)?;
        model.users = users.clone();
        model.items = items.clone();
        let rmse = model.rmse(train)?;
        model.train_rmse_history.push(rmse);
    }
    model.users = users;
    model.items = items;
    Ok(model)
}
