//! Naive reference algorithms, in `f64`, used as oracles.
//!
//! Inputs of type `T` are converted to `f64` exactly ([`to_f64`]), so an
//! oracle computed here is at least as accurate as anything a backend can do
//! in `T`, and residuals computed here add no error of type `T`.

use oxblas_core::{Complex, Diag, Distance, Mat, MatRef, Scalar, Side, Uplo, VecRef};

/// Exact conversion of a view of `T` to an owned `f64` matrix.
pub fn to_f64<T: Scalar>(a: MatRef<'_, T>) -> Mat<f64> {
    Mat::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)].to_f64())
}

/// Rounds an `f64` matrix to `T`.
pub fn from_f64<T: Scalar>(a: &Mat<f64>) -> Mat<T> {
    a.map(|&x| T::from_f64(x))
}

/// Exact conversion of a vector view to `Vec<f64>`.
pub fn vec_f64<T: Scalar>(x: VecRef<'_, T>) -> Vec<f64> {
    x.iter().map(|v| v.to_f64()).collect()
}

/// Rounds an `f64` slice to `T`.
pub fn vec_from_f64<T: Scalar>(x: &[f64]) -> Vec<T> {
    x.iter().map(|&v| T::from_f64(v)).collect()
}

/// `A B` by the triple loop. Panics on mismatched shapes (a bug in the test).
pub fn matmul(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    assert_eq!(a.cols(), b.rows(), "naive matmul: bad shapes");
    let mut c = Mat::zeros(a.rows(), b.cols());
    for i in 0..a.rows() {
        for k in 0..a.cols() {
            let aik = a[(i, k)];
            for j in 0..b.cols() {
                c[(i, j)] += aik * b[(k, j)];
            }
        }
    }
    c
}

/// `|A| |B|` (element-wise absolute values): the scale of rounding errors in `A B`.
pub fn abs_matmul(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    matmul(
        a.to_owned().map(|x| x.abs()).as_ref(),
        b.to_owned().map(|x| x.abs()).as_ref(),
    )
}

/// `a - b`.
pub fn sub(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    assert_eq!(a.shape(), b.shape(), "naive sub: bad shapes");
    Mat::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)] - b[(i, j)])
}

/// `alpha a + beta b`.
pub fn axpby(alpha: f64, a: MatRef<'_, f64>, beta: f64, b: MatRef<'_, f64>) -> Mat<f64> {
    assert_eq!(a.shape(), b.shape(), "naive axpby: bad shapes");
    Mat::from_fn(a.rows(), a.cols(), |i, j| {
        alpha * a[(i, j)] + beta * b[(i, j)]
    })
}

/// Frobenius norm (plain sum of squares: test data never over/underflows).
pub fn fro(a: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    a.for_each(|_, _, &x| s += x * x);
    s.sqrt()
}

/// Largest absolute column sum.
pub fn norm1(a: MatRef<'_, f64>) -> f64 {
    norm_inf(a.t())
}

/// Largest absolute row sum.
pub fn norm_inf(a: MatRef<'_, f64>) -> f64 {
    (0..a.rows())
        .map(|i| (0..a.cols()).map(|j| a[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// `||Q^T Q - I||_F`: how far the columns of `q` are from orthonormal.
pub fn orthogonality_defect(q: MatRef<'_, f64>) -> f64 {
    let g = matmul(q.t(), q);
    fro(sub(g.as_ref(), Mat::identity(g.rows()).as_ref()).as_ref())
}

/// Householder QR in `f64`: returns the complete orthogonal `Q` (`m x m`)
/// and `R` (`m x n`). Used to generate random orthogonal matrices.
pub fn householder_qr(a: MatRef<'_, f64>) -> (Mat<f64>, Mat<f64>) {
    let (m, n) = a.shape();
    let mut r = a.to_owned();
    let mut q = Mat::<f64>::identity(m);
    for k in 0..m.min(n) {
        let norm: f64 = (k..m).map(|i| r[(i, k)] * r[(i, k)]).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if r[(k, k)] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (k..m).map(|i| r[(i, k)]).collect();
        v[0] -= alpha;
        let vn: f64 = v.iter().map(|x| x * x).sum();
        if vn == 0.0 {
            continue;
        }
        // R <- (I - 2 v v^T / v^T v) R
        for j in 0..n {
            let s: f64 = (k..m).map(|i| v[i - k] * r[(i, j)]).sum::<f64>() * 2.0 / vn;
            for i in k..m {
                r[(i, j)] -= s * v[i - k];
            }
        }
        // Q <- Q (I - 2 v v^T / v^T v)
        for i in 0..m {
            let s: f64 = (k..m).map(|j| q[(i, j)] * v[j - k]).sum::<f64>() * 2.0 / vn;
            for j in k..m {
                q[(i, j)] -= s * v[j - k];
            }
        }
    }
    (q, r)
}

/// Determinant by cofactor (Laplace) expansion along the first row; for small `n`.
pub fn det_cofactor(a: MatRef<'_, f64>) -> f64 {
    let n = a.rows();
    assert_eq!(n, a.cols(), "det_cofactor: not square");
    match n {
        0 => 1.0,
        1 => a[(0, 0)],
        _ => {
            let mut det = 0.0;
            for j in 0..n {
                let minor = Mat::from_fn(n - 1, n - 1, |r, c| {
                    a[(r + 1, if c < j { c } else { c + 1 })]
                });
                let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
                det += sign * a[(0, j)] * det_cofactor(minor.as_ref());
            }
            det
        }
    }
}

/// The full symmetric matrix whose `uplo` triangle is that of `a`.
pub fn symmetrize(uplo: Uplo, a: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(a.rows(), a.cols(), |i, j| {
        let lower = i >= j;
        match (uplo, lower) {
            (Uplo::Lower, true) | (Uplo::Upper, false) => a[(i, j)],
            _ => a[(j, i)],
        }
    })
}

/// The triangular matrix `a` describes under `uplo` / `diag` (other entries zero).
pub fn triangle(uplo: Uplo, diag: Diag, a: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(a.rows(), a.cols(), |i, j| {
        if i == j {
            if diag == Diag::Unit {
                1.0
            } else {
                a[(i, j)]
            }
        } else if (uplo == Uplo::Lower) == (i > j) {
            a[(i, j)]
        } else {
            0.0
        }
    })
}

/// Solves `op(A) X = B` (left) or `X A = B` (right) by substitution, with `A`
/// triangular as given by `uplo` / `diag`.
pub fn tri_solve(
    side: Side,
    uplo: Uplo,
    diag: Diag,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
) -> Mat<f64> {
    if side == Side::Right {
        // X A = B  <=>  A^T X^T = B^T, and A^T has the other triangle.
        let flipped = if uplo == Uplo::Lower {
            Uplo::Upper
        } else {
            Uplo::Lower
        };
        return tri_solve(Side::Left, flipped, diag, a.t(), b.t()).transpose();
    }
    let t = triangle(uplo, diag, a);
    let n = t.rows();
    let mut x = b.to_owned();
    for c in 0..x.cols() {
        let order: Vec<usize> = if uplo == Uplo::Lower {
            (0..n).collect()
        } else {
            (0..n).rev().collect()
        };
        for &i in &order {
            let mut s = x[(i, c)];
            for k in 0..n {
                if k != i && t[(i, k)] != 0.0 {
                    s -= t[(i, k)] * x[(k, c)];
                }
            }
            x[(i, c)] = s / t[(i, i)];
        }
    }
    x
}

/// Index of the first non-positive pivot of a Cholesky factorization of the
/// lower triangle of `a`, or `None` if it is positive definite.
pub fn cholesky_fail_index(a: MatRef<'_, f64>) -> Option<usize> {
    let n = a.rows();
    let mut l = Mat::<f64>::zeros(n, n);
    for j in 0..n {
        let d = a[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if d <= 0.0 {
            return Some(j);
        }
        l[(j, j)] = d.sqrt();
        for i in j + 1..n {
            let s = a[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>();
            l[(i, j)] = s / l[(j, j)];
        }
    }
    None
}

/// `x . y`.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// A distance between `x` and `y` (`None` for the cosine distance of a zero vector).
pub fn distance(metric: Distance, x: &[f64], y: &[f64]) -> Option<f64> {
    let d2: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    Some(match metric {
        Distance::Euclidean => d2.sqrt(),
        Distance::SquaredEuclidean => d2,
        Distance::Manhattan => x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum(),
        Distance::Cosine => {
            let (nx, ny) = (dot(x, x).sqrt(), dot(y, y).sqrt());
            if nx == 0.0 || ny == 0.0 {
                return None;
            }
            1.0 - dot(x, y) / (nx * ny)
        }
    })
}

/// Complex matrix product, for eigenvector residuals.
pub fn cmatmul(a: &Mat<Complex<f64>>, b: &Mat<Complex<f64>>) -> Mat<Complex<f64>> {
    assert_eq!(a.cols(), b.rows(), "cmatmul: bad shapes");
    let mut c = Mat::filled(a.rows(), b.cols(), Complex::new(0.0, 0.0));
    for i in 0..a.rows() {
        for k in 0..a.cols() {
            let aik = a[(i, k)];
            for j in 0..b.cols() {
                c[(i, j)] += aik * b[(k, j)];
            }
        }
    }
    c
}

/// Frobenius norm of a complex matrix.
pub fn cfro(a: &Mat<Complex<f64>>) -> f64 {
    a.as_slice()
        .iter()
        .map(|z| z.norm_sqr())
        .sum::<f64>()
        .sqrt()
}
