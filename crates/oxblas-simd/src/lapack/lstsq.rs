//! Least squares $\min_X \|AX - B\|_F$ as numpy's `lstsq`: QR when `A` is
//! tall and of full rank, the SVD otherwise.
//!
//! For `m >= n`: $A = QR$ (blocked Householder), then the singular values of
//! the `n x n` triangle `R` (the same as those of `A`; values only, far
//! cheaper than an SVD of `A` with vectors) decide the rank by numpy's rule
//! ($\sigma_i > \text{rcond} \cdot \sigma_{max}$, `rcond` defaulting to
//! $\epsilon \max(m, n)$). At full rank $X = R^{-1} (Q^T B)_{0..n}$ and the
//! residuals are the squared norms of the rows `n..m` of $Q^T B$. A
//! rank-deficient or wide `A` takes the minimum-norm SVD route
//! $X = V_r \Sigma_r^{-1} U_r^T B$, exactly as the `Backend` trait's default.
//!
//! ```
//! use oxblas_core::Mat;
//! use oxblas_simd::lapack::lstsq::lstsq;
//! // Fit y = c0 + c1 t through (0, 1), (1, 3), (2, 5), (3, 7): c = (1, 2).
//! let a = Mat::from_rows(&[[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])?;
//! let b = Mat::from_rows(&[[1.0], [3.0], [5.0], [7.0]])?;
//! let r = lstsq(a.as_ref(), b.as_ref(), None)?;
//! assert_eq!(r.rank, 2);
//! assert!((r.solution[(0, 0)] - 1.0f64).abs() < 1e-12);
//! assert!((r.solution[(1, 0)] - 2.0f64).abs() < 1e-12);
//! assert!(r.residuals[0].abs() < 1e-20);
//! # Ok::<(), oxblas_core::Error>(())
//! ```

use oxblas_core::{
    effective_rank, validate, Diag, Lstsq, Mat, MatRef, Op, Result, Scalar, Side, Uplo,
};

use super::{qr, svd};

/// Least-squares solution of $AX \approx B$ (`a`: `m x n`, `b`: `m x k`),
/// minimum-norm when `A` is rank-deficient, with numpy's residuals (squared
/// column norms of $B - AX$, empty unless `rank == n < m`), rank and
/// singular values of `A` (descending). `rcond` (default
/// $\epsilon \max(m, n)$) is the relative cut below which singular values
/// count as zero.
///
/// # Errors
/// - [`oxblas_core::Error::DimensionMismatch`] if `b` does not have `m` rows.
/// - [`oxblas_core::Error::InvalidArgument`] if `rcond` is negative or not finite.
/// - [`oxblas_core::Error::NonFinite`] if `b` (op `Lstsq`) or `a` (op `Svd`,
///   as the SVD route reports it) holds NaN or infinity.
/// - [`oxblas_core::Error::NoConvergence`] if the SVD does not converge.
pub fn lstsq<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: Option<T>) -> Result<Lstsq<T>> {
    validate::rhs(Op::Lstsq, a.rows(), b.shape())?;
    validate::tolerance(Op::Lstsq, rcond)?;
    validate::finite(Op::Lstsq, b)?;
    let (m, n) = a.shape();
    let rcond = rcond.unwrap_or(T::EPSILON * T::from_usize(m.max(n)));
    if m < n || n == 0 || !oxblas_core::all_finite(a) {
        // Wide and empty problems, and the error for a non-finite `a`, as the
        // SVD route gives them.
        return by_svd(a, b, rcond);
    }
    let f = qr::factor(a)?;
    let r = Mat::from_fn(
        n,
        n,
        |i, j| {
            if i <= j {
                f.factors[(i, j)]
            } else {
                T::ZERO
            }
        },
    );
    let s = match svd::singular_values(r.as_ref()) {
        Ok(s) => s,
        // The SVD of A reports (or avoids) the same failure.
        Err(_) => return by_svd(a, b, rcond),
    };
    let rank = effective_rank(&s, rcond);
    if rank < n {
        return by_svd(a, b, rcond);
    }
    let qtb = qr::apply_qt(&f, b)?;
    let mut solution = qtb.as_ref().submatrix(0, 0, n, b.cols())?.to_owned();
    crate::level3::trsm(
        Side::Left,
        Uplo::Upper,
        Diag::NonUnit,
        T::ONE,
        r.as_ref(),
        solution.as_mut(),
    )?;
    let residuals = if m > n {
        (0..b.cols())
            .map(|j| {
                let mut acc = T::ZERO;
                for i in n..m {
                    let x = qtb[(i, j)];
                    acc += x * x;
                }
                acc
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Lstsq {
        solution,
        residuals,
        rank,
        singular_values: s,
    })
}

/// The minimum-norm solution from the thin SVD of `a`: the `Backend`
/// trait's default route ([`oxblas_core::lstsq_by_svd`]) run on this backend.
pub(crate) fn by_svd<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: T) -> Result<Lstsq<T>> {
    oxblas_core::lstsq_by_svd::<crate::Simd, T>(a, b, rcond)
}

#[cfg(test)]
mod tests {
    use oxblas_core::{frobenius, Error, Mat, MatRef, Op, Scalar};

    use super::*;
    use crate::lapack::util::testing::{matmul, random, with_condition, TOL};

    /// `||A^T (B - A X)|| / (m eps ||A|| (||A|| ||X|| + ||B||))`: the
    /// optimality condition of least squares, scaled by what a backward-stable
    /// solver can reach.
    fn normal_residual<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, x: MatRef<'_, T>) -> f64 {
        let ax = matmul(a, x);
        let r = Mat::from_fn(b.rows(), b.cols(), |i, j| {
            T::from_f64(b[(i, j)].to_f64() - ax[(i, j)].to_f64())
        });
        let atr = matmul(a.t(), r.as_ref());
        let (na, nx, nb) = (
            frobenius(a).to_f64(),
            frobenius(x).to_f64(),
            frobenius(b).to_f64(),
        );
        let scale = a.rows().max(1) as f64 * T::EPSILON.to_f64() * na * (na * nx + nb);
        if scale == 0.0 {
            return frobenius(atr.as_ref()).to_f64();
        }
        frobenius(atr.as_ref()).to_f64() / scale
    }

    /// Squared column norms of `B - A X`, in f64.
    fn direct_residuals<T: Scalar>(
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        x: MatRef<'_, T>,
    ) -> Vec<f64> {
        let ax = matmul(a, x);
        (0..b.cols())
            .map(|j| {
                (0..b.rows())
                    .map(|i| (b[(i, j)].to_f64() - ax[(i, j)].to_f64()).powi(2))
                    .sum()
            })
            .collect()
    }

    /// Full-rank tall `a`: the QR route's answer is optimal, agrees with the
    /// SVD route, and its residuals and singular values are right.
    fn check_full_rank<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) {
        let (m, n) = a.shape();
        let eps = T::EPSILON.to_f64();
        let got = lstsq(a, b, None).unwrap();
        assert_eq!(got.rank, n);
        assert_eq!(got.solution.shape(), (n, b.cols()));
        let r = normal_residual(a, b, got.solution.as_ref());
        assert!(r <= TOL, "{m}x{n}: optimality ratio {r}");
        let reference = by_svd(a, b, T::EPSILON * T::from_usize(m.max(n))).unwrap();
        assert_eq!(reference.rank, n);
        // Well-conditioned: the two solutions agree to the condition number.
        let s = &got.singular_values;
        let cond = s[0].to_f64() / s[n - 1].to_f64();
        let diff = Mat::from_fn(n, b.cols(), |i, j| {
            got.solution[(i, j)].to_f64() - reference.solution[(i, j)].to_f64()
        });
        let rel = frobenius(diff.as_ref()) / frobenius(reference.solution.as_ref()).to_f64();
        assert!(
            rel <= TOL * cond * m as f64 * eps,
            "{m}x{n}: solutions differ by {rel} (cond {cond})"
        );
        for (x, y) in got.singular_values.iter().zip(&reference.singular_values) {
            let d = (x.to_f64() - y.to_f64()).abs();
            assert!(
                d <= TOL * m as f64 * eps * s[0].to_f64(),
                "singular values {x} {y}"
            );
        }
        if m > n {
            let direct = direct_residuals(a, b, got.solution.as_ref());
            assert_eq!(got.residuals.len(), b.cols());
            let bn = frobenius(b).to_f64();
            for (j, (&g, &d)) in got.residuals.iter().zip(&direct).enumerate() {
                let err = (g.to_f64() - d).abs();
                assert!(
                    err <= TOL * m as f64 * eps * bn * bn,
                    "{m}x{n} column {j}: residual {g} against direct {d}"
                );
                let rs = reference.residuals[j].to_f64();
                assert!((g.to_f64() - rs).abs() <= TOL * m as f64 * eps * bn * bn);
            }
        } else {
            assert!(got.residuals.is_empty());
        }
    }

    #[test]
    fn full_rank_tall_and_square() {
        for &(m, n, k) in &[
            (40usize, 7usize, 3usize),
            (23, 23, 2),
            (60, 13, 1),
            (9, 1, 4),
        ] {
            let a = random::<f64>(m, n, (m * 7 + n) as u64);
            let b = random::<f64>(m, k, (m + 3 * n) as u64);
            check_full_rank(a.as_ref(), b.as_ref());
            let a = random::<f32>(m, n, (m * 5 + n) as u64);
            let b = random::<f32>(m, k, (m + 2 * n) as u64);
            check_full_rank(a.as_ref(), b.as_ref());
        }
        // An exactly consistent system: X recovered, residuals (near) zero.
        let a = random::<f64>(30, 6, 1);
        let x = random::<f64>(6, 2, 2);
        let b = matmul(a.as_ref(), x.as_ref());
        let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
        for i in 0..6 {
            for j in 0..2 {
                assert!((got.solution[(i, j)] - x[(i, j)]).abs() <= 1e-12);
            }
        }
        assert!(got.residuals.iter().all(|&r| r <= 1e-24));
        // Strided and transposed inputs give the contiguous answer.
        let big = random::<f64>(20, 50, 3);
        let at = big.t(); // 50 x 20
        let b = random::<f64>(50, 2, 4);
        let got = lstsq(at, b.as_ref(), None).unwrap();
        let same = lstsq(at.to_owned().as_ref(), b.as_ref(), None).unwrap();
        assert_eq!(got, same);
        check_full_rank(at, b.t().t());
    }

    #[test]
    fn rank_deficient_takes_the_svd_route() {
        for &(m, n, rank) in &[(40usize, 9usize, 4usize), (12, 12, 11), (30, 5, 1)] {
            let a = matmul(
                random::<f64>(m, rank, 1).as_ref(),
                random::<f64>(rank, n, 2).as_ref(),
            );
            let b = random::<f64>(m, 3, 3);
            let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
            let reference = by_svd(a.as_ref(), b.as_ref(), f64::EPSILON * m as f64).unwrap();
            assert_eq!(got.rank, rank);
            assert_eq!(got, reference);
            assert!(
                got.residuals.is_empty(),
                "numpy: no residuals below full rank"
            );
            let r = normal_residual(a.as_ref(), b.as_ref(), got.solution.as_ref());
            assert!(r <= TOL, "{m}x{n} rank {rank}: optimality ratio {r}");
        }
        // A zero matrix: rank 0, X = 0.
        let z = Mat::<f64>::zeros(6, 3);
        let got = lstsq(z.as_ref(), random::<f64>(6, 2, 5).as_ref(), None).unwrap();
        assert_eq!(got.rank, 0);
        assert!(got.solution.as_slice().iter().all(|&x| x == 0.0));
        // A large rcond makes a full-rank matrix deficient.
        let a = with_condition::<f64>(20, 1e6, 7);
        let b = random::<f64>(20, 1, 8);
        let got = lstsq(a.as_ref(), b.as_ref(), Some(1e-3)).unwrap();
        assert!(got.rank < 20);
        assert_eq!(got, by_svd(a.as_ref(), b.as_ref(), 1e-3).unwrap());
    }

    #[test]
    fn ill_conditioned_full_rank_is_optimal() {
        for &cond in &[1e4, 1e10] {
            let c = with_condition::<f64>(30, cond, 9);
            let extra = random::<f64>(15, 30, 10);
            // 45 x 30: a conditioned block with rows appended.
            let a = Mat::from_fn(45, 30, |i, j| {
                if i < 30 {
                    c[(i, j)]
                } else {
                    1e-3 * extra[(i - 30, j)]
                }
            });
            let b = random::<f64>(45, 2, 11);
            let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
            assert_eq!(got.rank, 30);
            let r = normal_residual(a.as_ref(), b.as_ref(), got.solution.as_ref());
            assert!(r <= TOL, "cond {cond}: optimality ratio {r}");
            // The minimal residual is well conditioned even when X is not.
            let reference = by_svd(a.as_ref(), b.as_ref(), f64::EPSILON * 45.0).unwrap();
            let bn2 = frobenius(b.as_ref()).powi(2);
            for (g, s) in got.residuals.iter().zip(&reference.residuals) {
                assert!((g - s).abs() <= TOL * 45.0 * f64::EPSILON * cond.sqrt() * bn2);
            }
        }
        let a = with_condition::<f32>(25, 1e4, 12);
        let b = random::<f32>(25, 2, 13);
        let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
        assert_eq!(got.rank, 25);
        let r = normal_residual(a.as_ref(), b.as_ref(), got.solution.as_ref());
        assert!(r <= TOL, "f32: optimality ratio {r}");
    }

    #[test]
    fn zero_sizes_and_wide() {
        let cases = [
            (0usize, 0usize, 2usize),
            (5, 0, 2),
            (0, 3, 1),
            (4, 3, 0),
            (3, 7, 2),
        ];
        for &(m, n, k) in &cases {
            let a = random::<f64>(m, n, 1);
            let b = random::<f64>(m, k, 2);
            let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
            assert_eq!(got.solution.shape(), (n, k), "{m}x{n}, {k} columns");
            let reference = by_svd(a.as_ref(), b.as_ref(), f64::EPSILON * m.max(n) as f64).unwrap();
            if m < n || n == 0 {
                assert_eq!(got, reference);
            } else {
                assert_eq!(got.rank, reference.rank);
                assert_eq!(got.residuals.len(), k);
            }
        }
        // Wide: the minimum-norm solution solves A X = B exactly.
        let a = random::<f64>(3, 7, 3);
        let b = random::<f64>(3, 2, 4);
        let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
        assert_eq!(got.rank, 3);
        assert!(got.residuals.is_empty());
        let ax = matmul(a.as_ref(), got.solution.as_ref());
        for i in 0..3 {
            for j in 0..2 {
                assert!((ax[(i, j)] - b[(i, j)]).abs() <= 1e-13);
            }
        }
        // n = 0: X is empty, every column of B is residual.
        let b = random::<f64>(5, 2, 6);
        let got = lstsq(Mat::<f64>::zeros(5, 0).as_ref(), b.as_ref(), None).unwrap();
        assert_eq!(got.rank, 0);
        for (j, r) in got.residuals.iter().enumerate() {
            let d: f64 = (0..5).map(|i| b[(i, j)] * b[(i, j)]).sum();
            assert!((r - d).abs() <= 1e-14);
        }
    }

    #[test]
    fn errors_match_the_default() {
        let a = random::<f64>(6, 3, 1);
        assert!(matches!(
            lstsq(a.as_ref(), Mat::zeros(5, 1).as_ref(), None),
            Err(Error::DimensionMismatch { op: Op::Lstsq, .. })
        ));
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                lstsq(a.as_ref(), Mat::zeros(6, 1).as_ref(), Some(bad)),
                Err(Error::InvalidArgument { op: Op::Lstsq, .. })
            ));
        }
        let mut b = Mat::<f64>::zeros(6, 1);
        b[(2, 0)] = f64::NAN;
        assert!(matches!(
            lstsq(a.as_ref(), b.as_ref(), None),
            Err(Error::NonFinite { op: Op::Lstsq })
        ));
        let mut bad_a = a.clone();
        bad_a[(4, 1)] = f64::INFINITY;
        assert!(matches!(
            lstsq(bad_a.as_ref(), Mat::zeros(6, 1).as_ref(), None),
            Err(Error::NonFinite { op: Op::Svd })
        ));
    }
}
