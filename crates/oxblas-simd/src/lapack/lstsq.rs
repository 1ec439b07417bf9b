//! Least squares $\min_X \|AX - B\|_F$ as numpy's `lstsq`: QR when `A` is
//! tall and of full rank, LQ when it is wide and of full row rank, the SVD
//! otherwise.
//!
//! For `m >= n`: $A = QR$ (blocked Householder), then the singular values of
//! the `n x n` triangle `R` (the same as those of `A`; values only, far
//! cheaper than an SVD of `A` with vectors) decide the rank by numpy's rule
//! ($\sigma_i > \text{rcond} \cdot \sigma_{max}$, `rcond` defaulting to
//! $\epsilon \max(m, n)$). At full rank $X = R^{-1} (Q^T B)_{0..n}$ and the
//! residuals are the squared norms of the rows `n..m` of $Q^T B$.
//!
//! For `m < n`: an LQ of `A`, computed as the QR of its transpose,
//! $A^T = QR$ (`Q`: `n x m` with orthonormal columns, `R`: `m x m`), so
//! $A = R^T Q^T$. The singular values of `R` are those of `A` and decide the
//! rank by the same rule. At full row rank ($\operatorname{rank} = m$) every
//! right-hand side is met exactly and the minimum-norm solution, the one in
//! the row space of `A`, is $X = Q R^{-T} B$: a triangular solve, then the
//! reflectors applied to $[R^{-T} B; 0]$ in compact WY blocks. numpy returns
//! no residuals for `m <= n`, and neither does this route.
//!
//! A rank-deficient `A`, and an empty one, take the minimum-norm SVD route
//! $X = V_r \Sigma_r^{-1} U_r^T B$, exactly as the `Backend` trait's default.
//! Both triangular routes first look at the diagonal of `R`: when it alone
//! proves the rank short ($\min |r_{ii}| \le \text{rcond} \max |r_{ii}|$), the
//! singular values of `R` are skipped and the SVD route follows at once, so a
//! deficient input pays only the QR before the SVD.
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
    effective_rank, validate, Diag, Lstsq, Mat, MatMut, MatRef, Op, Qr, Result, Scalar, Side, Uplo,
};

use super::qr::reflector::BlockReflector;
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
    if m == 0 || n == 0 || !oxblas_core::all_finite(a) {
        // Empty problems, and the error for a non-finite `a`, as the SVD
        // route gives them.
        return by_svd(a, b, rcond);
    }
    if m < n {
        return wide(a, b, rcond);
    }
    let f = qr::factor(a)?;
    if surely_deficient(&f, rcond) {
        return by_svd(a, b, rcond);
    }
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

/// `true` when the diagonal of the triangle `R` of `f` alone proves that
/// `R` has a singular value at or below `rcond` times the largest, i.e. that
/// the rank is short and the SVD route follows: for a triangular matrix
/// $\sigma_{min} \le \min_i |r_{ii}|$ (the diagonal holds its eigenvalues) and
/// $\sigma_{max} \ge \max_i |r_{ii}|$. Skips the singular values of `R`
/// for most rank-deficient inputs; `false` decides nothing.
fn surely_deficient<T: Scalar>(f: &Qr<T>, rcond: T) -> bool {
    let k = f.tau.len();
    let (mut lo, mut hi) = (T::INFINITY, T::ZERO);
    for i in 0..k {
        let d = f.factors[(i, i)].abs();
        lo = lo.min(d);
        hi = hi.max(d);
    }
    k > 0 && lo <= rcond * hi
}

/// Wide `a` (`0 < m < n`, finite): $A^T = QR$, then at full row rank
/// $X = Q R^{-T} B$ (the minimum-norm solution, no residuals); below it the
/// SVD route.
fn wide<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: T) -> Result<Lstsq<T>> {
    let (m, n) = a.shape();
    let k = b.cols();
    let f = qr::factor(a.t())?;
    if surely_deficient(&f, rcond) {
        return by_svd(a, b, rcond);
    }
    // L = R^T (m x m, lower), contiguous for the solve.
    let l = Mat::from_fn(
        m,
        m,
        |i, j| {
            if j <= i {
                f.factors[(j, i)]
            } else {
                T::ZERO
            }
        },
    );
    let s = match svd::singular_values(l.as_ref()) {
        Ok(s) => s,
        // The SVD of A reports (or avoids) the same failure.
        Err(_) => return by_svd(a, b, rcond),
    };
    let rank = effective_rank(&s, rcond);
    if rank < m {
        return by_svd(a, b, rcond);
    }
    // X = Q [L^{-1} B; 0].
    let mut solution = Mat::<T>::zeros(n, k);
    for i in 0..m {
        for j in 0..k {
            solution[(i, j)] = b[(i, j)];
        }
    }
    crate::level3::trsm(
        Side::Left,
        Uplo::Lower,
        Diag::NonUnit,
        T::ONE,
        l.as_ref(),
        solution.as_mut().submatrix(0, 0, m, k)?,
    )?;
    apply_q(&f, solution.as_mut())?;
    Ok(Lstsq {
        solution,
        residuals: Vec::new(),
        rank,
        singular_values: s,
    })
}

/// `c <- Q c` for the `Q` of a compact QR of a `len x kr` matrix with
/// `len >= kr` (`c` has `len` rows): the blocks of reflectors from the last
/// to the first, each touching the rows it changes (`ormqr`, no transpose).
fn apply_q<T: Scalar>(f: &Qr<T>, mut c: MatMut<'_, T>) -> Result<()> {
    let (len, kr) = f.factors.shape();
    let cols = c.cols();
    let nb = apply_block_size(kr);
    let par = crate::current_par();
    let mut work = Vec::new();
    for blk in (0..kr.div_ceil(nb)).rev() {
        let j = blk * nb;
        let jb = nb.min(kr - j);
        let refl = BlockReflector::new(
            f.factors.as_ref().submatrix(j, j, len - j, jb)?,
            &f.tau[j..j + jb],
        )?;
        refl.apply_left(
            false,
            c.rb_mut().submatrix(j, 0, len - j, cols)?,
            &mut work,
            par,
        )?;
    }
    Ok(())
}

/// Reflectors per block in [`apply_q`]: the rule `qr::apply_qt` uses (16 up
/// to 256 reflectors, else 32); small under `cfg(test)` so that small
/// problems cross blocks.
#[cfg(not(test))]
fn apply_block_size(k: usize) -> usize {
    if k <= 256 {
        16
    } else {
        32
    }
}
#[cfg(test)]
fn apply_block_size(_k: usize) -> usize {
    5
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
    use crate::lapack::util::testing::{matmul, orthogonal, random, with_condition, TOL};

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
            if m == 0 || n == 0 {
                assert_eq!(got, reference);
            } else if m < n {
                // The LQ route: checked against the SVD route to rounding.
                assert_eq!(got, check_wide(a.as_ref(), b.as_ref()));
                assert_eq!(got.rank, reference.rank);
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

    /// `||B - A X||_F / (n eps (||A||_F ||X||_F + ||B||_F))`, in f64: a wide
    /// full-row-rank system is consistent, so a backward-stable solver meets
    /// it to this ratio.
    fn consistency<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, x: MatRef<'_, T>) -> f64 {
        let ax = matmul(a, x);
        let r = Mat::from_fn(b.rows(), b.cols(), |i, j| {
            b[(i, j)].to_f64() - ax[(i, j)].to_f64()
        });
        let (na, nx, nb) = (
            frobenius(a).to_f64(),
            frobenius(x).to_f64(),
            frobenius(b).to_f64(),
        );
        let scale = a.cols().max(1) as f64 * T::EPSILON.to_f64() * (na * nx + nb);
        frobenius(r.as_ref()) / scale
    }

    /// Full-row-rank wide `a`: the LQ route solves `A X = B`, returns the
    /// minimum-norm `X` (no component in the null space of `A`), agrees with
    /// the SVD route to the condition number, and has its rank and singular
    /// values; numpy gives no residuals.
    fn check_wide<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Lstsq<T> {
        let (m, n) = a.shape();
        let k = b.cols();
        assert!(m < n);
        let eps = T::EPSILON.to_f64();
        let got = lstsq(a, b, None).unwrap();
        assert_eq!(got.rank, m, "{m}x{n}");
        assert_eq!(got.solution.shape(), (n, k));
        assert!(got.residuals.is_empty(), "numpy: no residuals when m <= n");
        let c = consistency(a, b, got.solution.as_ref());
        assert!(c <= TOL, "{m}x{n}: A X = B ratio {c}");
        let reference = by_svd(a, b, T::EPSILON * T::from_usize(n)).unwrap();
        assert_eq!(reference.rank, m);
        let s = &got.singular_values;
        assert_eq!(s.len(), m);
        assert!(s.windows(2).all(|w| w[0] >= w[1]), "descending");
        for (x, y) in s.iter().zip(&reference.singular_values) {
            let d = (x.to_f64() - y.to_f64()).abs();
            assert!(
                d <= TOL * n as f64 * eps * s[0].to_f64(),
                "{m}x{n}: singular values {x} {y}"
            );
        }
        let cond = s[0].to_f64() / s[m - 1].to_f64();
        let nx = frobenius(got.solution.as_ref()).to_f64();
        // Minimum norm: the rows m..n of the full V^T span null(A).
        let full = svd::svd(a, oxblas_core::SvdMode::Full).unwrap();
        let null = full.vt.as_ref().submatrix(m, 0, n - m, n).unwrap();
        let along_null = frobenius(matmul(null, got.solution.as_ref()).as_ref()).to_f64();
        assert!(
            along_null <= TOL * n as f64 * eps * cond * nx,
            "{m}x{n}: null-space component {along_null} of ||X|| = {nx} (cond {cond})"
        );
        let diff = Mat::from_fn(n, k, |i, j| {
            got.solution[(i, j)].to_f64() - reference.solution[(i, j)].to_f64()
        });
        let rel = frobenius(diff.as_ref()) / frobenius(reference.solution.as_ref()).to_f64();
        assert!(
            rel <= TOL * cond * n as f64 * eps,
            "{m}x{n}: solutions differ by {rel} (cond {cond})"
        );
        got
    }

    #[test]
    fn wide_full_rank_by_lq() {
        for &(m, n, k) in &[
            (1usize, 2usize, 1usize),
            (1, 9, 3),
            (3, 7, 2),
            (6, 11, 1),
            (64, 200, 3),
            (255, 256, 2),
        ] {
            let a = random::<f64>(m, n, (m * 13 + n) as u64);
            let b = random::<f64>(m, k, (m + 5 * n) as u64);
            check_wide(a.as_ref(), b.as_ref());
            let a = random::<f32>(m, n, (m * 11 + n) as u64);
            let b = random::<f32>(m, k, (m + 7 * n) as u64);
            check_wide(a.as_ref(), b.as_ref());
        }
        // A consistent system with a known minimum-norm solution: X0 = A^T W
        // lies in the row space, so it is recovered.
        let a = random::<f64>(20, 45, 21);
        let w = random::<f64>(20, 4, 22);
        let x0 = matmul(a.t(), w.as_ref());
        let b = matmul(a.as_ref(), x0.as_ref());
        let got = check_wide(a.as_ref(), b.as_ref());
        for i in 0..45 {
            for j in 0..4 {
                let d = (got.solution[(i, j)] - x0[(i, j)]).abs();
                assert!(d <= 1e-12, "({i}, {j}): {d}");
            }
        }
        // No right-hand sides: an empty X, rank and singular values still given.
        let a = random::<f64>(4, 9, 23);
        let got = lstsq(a.as_ref(), Mat::<f64>::zeros(4, 0).as_ref(), None).unwrap();
        assert_eq!(got.solution.shape(), (9, 0));
        assert_eq!(got.rank, 4);
        let reference = svd::singular_values(a.as_ref()).unwrap();
        for (x, y) in got.singular_values.iter().zip(&reference) {
            assert!((x - y).abs() <= TOL * 9.0 * f64::EPSILON * reference[0]);
        }
    }

    #[test]
    fn wide_strided_and_transposed_inputs() {
        let (m, n, k) = (17usize, 40usize, 3usize);
        // `a` as the transpose of a row-major n x m matrix (column-major view).
        let big = random::<f64>(n, m, 31);
        let a = big.t();
        // `b` inside a larger matrix (row stride k + 4), and as a transpose.
        let bbig = random::<f64>(m + 2, k + 4, 32);
        let b = bbig.as_ref().submatrix(1, 2, m, k).unwrap();
        let got = check_wide(a, b);
        let same = lstsq(a.to_owned().as_ref(), b.to_owned().as_ref(), None).unwrap();
        assert_eq!(got, same);
        let bt = random::<f64>(k, m, 33);
        let got = check_wide(a, bt.t());
        let same = lstsq(a.to_owned().as_ref(), bt.t().to_owned().as_ref(), None).unwrap();
        assert_eq!(got, same);
        let big = random::<f32>(n, m, 34);
        let bt = random::<f32>(k, m, 35);
        check_wide(big.t(), bt.t());
    }

    /// `C W` with `C = with_condition(m, cond)` and `W` the first `m` rows of
    /// a random orthogonal `n x n`: wide, with the singular values of `C`.
    fn wide_with_condition<T: Scalar>(m: usize, n: usize, cond: f64, seed: u64) -> Mat<T> {
        let c = with_condition::<f64>(m, cond, seed);
        let w = orthogonal(n, seed + 7);
        Mat::from_fn(m, n, |i, j| {
            T::from_f64((0..m).map(|l| c[(i, l)] * w[l][j]).sum())
        })
    }

    #[test]
    fn wide_ill_conditioned_full_rank() {
        for &cond in &[1e4, 1e9] {
            let a = wide_with_condition::<f64>(30, 70, cond, 41);
            let b = random::<f64>(30, 2, 42);
            let got = check_wide(a.as_ref(), b.as_ref());
            let s = &got.singular_values;
            let c = s[0] / s[29];
            assert!((c / cond - 1.0).abs() < 1e-3, "cond {c} against {cond}");
        }
        let a = wide_with_condition::<f32>(20, 50, 1e3, 43);
        let b = random::<f32>(20, 2, 44);
        check_wide(a.as_ref(), b.as_ref());
    }

    #[test]
    fn wide_rank_deficient_takes_the_svd_route() {
        // Exactly deficient.
        for &(m, n, rank) in &[(10usize, 25usize, 6usize), (3, 4, 1), (40, 41, 39)] {
            let a = matmul(
                random::<f64>(m, rank, 51).as_ref(),
                random::<f64>(rank, n, 52).as_ref(),
            );
            let b = random::<f64>(m, 2, 53);
            let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
            let reference = by_svd(a.as_ref(), b.as_ref(), f64::EPSILON * n as f64).unwrap();
            assert_eq!(got.rank, rank, "{m}x{n}");
            assert_eq!(got, reference);
            assert!(got.residuals.is_empty());
            let r = normal_residual(a.as_ref(), b.as_ref(), got.solution.as_ref());
            assert!(r <= TOL, "{m}x{n} rank {rank}: optimality ratio {r}");
        }
        // Nearly deficient: singular values down to 1e-20 (f64) and 1e-12
        // (f32), below eps * n.
        let a = wide_with_condition::<f64>(16, 30, 1e20, 54);
        let b = random::<f64>(16, 3, 55);
        let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
        assert!(got.rank < 16 && got.rank > 8, "rank {}", got.rank);
        assert_eq!(
            got,
            by_svd(a.as_ref(), b.as_ref(), f64::EPSILON * 30.0).unwrap()
        );
        let a = wide_with_condition::<f32>(12, 20, 1e12, 56);
        let b = random::<f32>(12, 1, 57);
        let got = lstsq(a.as_ref(), b.as_ref(), None).unwrap();
        assert!(got.rank < 12, "rank {}", got.rank);
        assert_eq!(
            got,
            by_svd(a.as_ref(), b.as_ref(), f32::EPSILON * 20.0).unwrap()
        );
        // A zero wide matrix: rank 0, X = 0.
        let z = Mat::<f64>::zeros(3, 8);
        let got = lstsq(z.as_ref(), random::<f64>(3, 2, 58).as_ref(), None).unwrap();
        assert_eq!(got.rank, 0);
        assert!(got.solution.as_slice().iter().all(|&x| x == 0.0));
        // A large rcond makes a full-rank wide matrix deficient.
        let a = wide_with_condition::<f64>(10, 15, 1e6, 59);
        let b = random::<f64>(10, 1, 60);
        let got = lstsq(a.as_ref(), b.as_ref(), Some(1e-3)).unwrap();
        assert!(got.rank < 10);
        assert_eq!(got, by_svd(a.as_ref(), b.as_ref(), 1e-3).unwrap());
    }

    /// The diagonal test: it fires for generic rank-deficient inputs (tall
    /// and wide, so the shortcut is exercised), never for full-rank ones, and
    /// whenever it fires the singular values of `R` confirm the short rank.
    #[test]
    fn diagonal_test_only_fires_below_full_rank() {
        for &(m, n, rank) in &[
            (10usize, 25usize, 6usize),
            (40, 41, 39),
            (40, 9, 4),
            (12, 12, 11),
        ] {
            let a = matmul(
                random::<f64>(m, rank, 71).as_ref(),
                random::<f64>(rank, n, 72).as_ref(),
            );
            let f = if m < n {
                qr::factor(a.t()).unwrap()
            } else {
                qr::factor(a.as_ref()).unwrap()
            };
            assert!(
                surely_deficient(&f, f64::EPSILON * m.max(n) as f64),
                "{m}x{n}"
            );
        }
        for &(m, n) in &[(1usize, 2usize), (7, 30), (30, 7), (20, 20)] {
            let a = random::<f64>(m, n, 73);
            let f = if m < n {
                qr::factor(a.t()).unwrap()
            } else {
                qr::factor(a.as_ref()).unwrap()
            };
            assert!(
                !surely_deficient(&f, f64::EPSILON * m.max(n) as f64),
                "{m}x{n}"
            );
        }
        // Around the threshold: firing implies rank < k by the values of R.
        let rcond = f64::EPSILON * 40.0;
        let mut fired = 0;
        for (i, &cond) in [1e12, 1e13, 1e14, 3e14, 1e15, 3e15, 1e16, 1e18]
            .iter()
            .enumerate()
        {
            let a = wide_with_condition::<f64>(20, 40, cond, 80 + i as u64);
            let f = qr::factor(a.t()).unwrap();
            let k = f.tau.len();
            let r = Mat::from_fn(k, k, |i, j| if i <= j { f.factors[(i, j)] } else { 0.0 });
            let s = svd::singular_values(r.as_ref()).unwrap();
            if surely_deficient(&f, rcond) {
                fired += 1;
                assert!(effective_rank(&s, rcond) < k, "cond {cond}");
            }
        }
        assert!(fired > 0, "the deficient end of the range fires");
    }

    #[test]
    fn wide_errors_match_the_default() {
        let a = random::<f64>(3, 8, 61);
        assert!(matches!(
            lstsq(a.as_ref(), Mat::zeros(4, 1).as_ref(), None),
            Err(Error::DimensionMismatch { op: Op::Lstsq, .. })
        ));
        let mut bad_a = a.clone();
        bad_a[(1, 6)] = f64::NAN;
        assert!(matches!(
            lstsq(bad_a.as_ref(), Mat::zeros(3, 1).as_ref(), None),
            Err(Error::NonFinite { op: Op::Svd })
        ));
        let mut b = Mat::<f64>::zeros(3, 2);
        b[(0, 1)] = f64::INFINITY;
        assert!(matches!(
            lstsq(a.as_ref(), b.as_ref(), None),
            Err(Error::NonFinite { op: Op::Lstsq })
        ));
    }
}
