//! Test-matrix generators: every family the suite runs (random, prescribed
//! singular values or eigenvalues, SPD, indefinite, singular), built in `f64`
//! from a seed; round to `T` with [`crate::naive::from_f64`].

use oxblas_core::{Complex, Diag, Mat, Uplo};

use crate::naive::{householder_qr, matmul};
use crate::Rng;

/// Entries uniform in `[-1, 1)`.
pub fn random(rng: &mut Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| rng.uniform())
}

/// A random vector, entries uniform in `[-1, 1)`.
pub fn random_vec(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.uniform()).collect()
}

/// A random `n x n` orthogonal matrix (Q of a Gaussian matrix).
pub fn orthogonal(rng: &mut Rng, n: usize) -> Mat<f64> {
    let g = Mat::from_fn(n, n, |_, _| rng.normal());
    householder_qr(g.as_ref()).0
}

/// `s` descending from 1 to `1 / cond`, geometrically (`k` values).
pub fn geometric(k: usize, cond: f64) -> Vec<f64> {
    (0..k)
        .map(|i| {
            if k == 1 {
                1.0
            } else {
                cond.powf(-(i as f64) / (k as f64 - 1.0))
            }
        })
        .collect()
}

/// `U diag(s) V^T` (`m x n`) with random orthogonal `U`, `V`; `s.len() <= min(m, n)`;
/// the remaining singular values are exactly zero (in exact arithmetic).
pub fn with_singular_values(rng: &mut Rng, m: usize, n: usize, s: &[f64]) -> Mat<f64> {
    assert!(s.len() <= m.min(n));
    let (u, v) = (orthogonal(rng, m), orthogonal(rng, n));
    Mat::from_fn(m, n, |i, j| {
        (0..s.len()).map(|k| u[(i, k)] * s[k] * v[(j, k)]).sum()
    })
}

/// `m x n` with 2-norm condition number `cond` (singular values from
/// [`geometric`]).
pub fn with_cond(rng: &mut Rng, m: usize, n: usize, cond: f64) -> Mat<f64> {
    with_singular_values(rng, m, n, &geometric(m.min(n), cond))
}

/// The symmetric `Q diag(eigs) Q^T` with random orthogonal `Q`.
pub fn symmetric_with_eigs(rng: &mut Rng, eigs: &[f64]) -> Mat<f64> {
    let n = eigs.len();
    let q = orthogonal(rng, n);
    let a = Mat::from_fn(n, n, |i, j| {
        (0..n).map(|k| q[(i, k)] * eigs[k] * q[(j, k)]).sum()
    });
    // Exactly symmetric, whatever the rounding above.
    Mat::from_fn(n, n, |i, j| if i >= j { a[(i, j)] } else { a[(j, i)] })
}

/// A random symmetric positive definite matrix with condition number `cond`.
pub fn spd(rng: &mut Rng, n: usize, cond: f64) -> Mat<f64> {
    symmetric_with_eigs(rng, &geometric(n, cond))
}

/// A symmetric matrix `L D L^T` (unit lower `L`) whose Cholesky factorization
/// breaks down exactly at pivot `k`: `D = diag(d)` with `d_k = -1` and every
/// other `d_i` in `[1, 2)`, so the leading minors of order `<= k` are positive
/// and that of order `k + 1` is negative.
pub fn indefinite_at(rng: &mut Rng, n: usize, k: usize) -> Mat<f64> {
    assert!(k < n);
    let l = Mat::from_fn(n, n, |i, j| match i.cmp(&j) {
        core::cmp::Ordering::Greater => 0.5 * rng.uniform(),
        core::cmp::Ordering::Equal => 1.0,
        core::cmp::Ordering::Less => 0.0,
    });
    let d: Vec<f64> = (0..n)
        .map(|i| if i == k { -1.0 } else { 1.0 + rng.unit() })
        .collect();
    let a = Mat::from_fn(n, n, |i, j| {
        (0..n).map(|p| l[(i, p)] * d[p] * l[(j, p)]).sum()
    });
    Mat::from_fn(n, n, |i, j| if i >= j { a[(i, j)] } else { a[(j, i)] })
}

/// A normal (orthogonally diagonalizable over C) real matrix `Q T Q^T` whose
/// eigenvalues are known: `T` is block diagonal with the real eigenvalues
/// `real` as 1x1 blocks and, for each `(a, b)` in `pairs`, the 2x2 block
/// `[[a, b], [-b, a]]` with eigenvalues `a +- bi`. Returns the matrix and its
/// eigenvalues. Eigenvalues of a normal matrix are perfectly conditioned.
pub fn normal_with_eigs(
    rng: &mut Rng,
    real: &[f64],
    pairs: &[(f64, f64)],
) -> (Mat<f64>, Vec<Complex<f64>>) {
    let n = real.len() + 2 * pairs.len();
    let mut t = Mat::<f64>::zeros(n, n);
    let mut eigs = Vec::with_capacity(n);
    for (i, &r) in real.iter().enumerate() {
        t[(i, i)] = r;
        eigs.push(Complex::new(r, 0.0));
    }
    for (p, &(a, b)) in pairs.iter().enumerate() {
        let i = real.len() + 2 * p;
        t[(i, i)] = a;
        t[(i + 1, i + 1)] = a;
        t[(i, i + 1)] = b;
        t[(i + 1, i)] = -b;
        eigs.push(Complex::new(a, b));
        eigs.push(Complex::new(a, -b));
    }
    let q = orthogonal(rng, n);
    let qt = matmul(q.as_ref(), t.as_ref());
    (matmul(qt.as_ref(), q.t()), eigs)
}

/// A random `n x n` matrix whose column `j` is exactly zero: LU with partial
/// pivoting meets its first zero pivot at index `j` (the columns before it
/// are generically independent, and elimination keeps column `j` exactly zero).
pub fn zero_column(rng: &mut Rng, n: usize, j: usize) -> Mat<f64> {
    Mat::from_fn(n, n, |_, c| if c == j { 0.0 } else { rng.uniform() })
}

/// A random well-conditioned square matrix: random plus `n` on the diagonal
/// is diagonally dominant, hence comfortably nonsingular.
pub fn diag_dominant(rng: &mut Rng, n: usize) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| {
        rng.uniform() + if i == j { n as f64 } else { 0.0 }
    })
}

/// A well-conditioned `n x n` triangular operand for `uplo` / `diag`: the
/// entries an operation may read are random with a dominant diagonal (of
/// random sign); every entry it must not read (the other triangle, and the
/// diagonal when `diag` is `Unit`) is NaN, so reading one shows in the result.
pub fn triangular(rng: &mut Rng, n: usize, uplo: Uplo, diag: Diag) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| {
        let read = if i == j {
            diag == Diag::NonUnit
        } else {
            (uplo == Uplo::Lower) == (i > j)
        };
        if !read {
            f64::NAN
        } else if i == j {
            (2.0 + rng.unit()) * if rng.unit() < 0.5 { -1.0 } else { 1.0 }
        } else {
            rng.uniform()
        }
    })
}

/// A copy of `a` whose entries outside the `uplo` triangle (diagonal kept) are NaN.
pub fn keep_triangle(a: &Mat<f64>, uplo: Uplo) -> Mat<f64> {
    Mat::from_fn(a.rows(), a.cols(), |i, j| {
        if i == j || (uplo == Uplo::Lower) == (i > j) {
            a[(i, j)]
        } else {
            f64::NAN
        }
    })
}
