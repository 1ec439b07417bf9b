//! Tests of the spectral decompositions: residual ratios scaled by size and
//! epsilon (one threshold for f32 and f64), over matrix families.
// Index loops mirror the math of the reference computations.
#![allow(clippy::needless_range_loop)]

use oxblas_core::{Complex, Error, Mat, MatRef, Op, Scalar, SvdMode};

use super::{eig, eigh, svd};

/// The one threshold every residual ratio must meet.
const TOL: f64 = 50.0;

/// A small deterministic generator (xorshift64*), uniform in `[-1, 1)`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (x as f64) / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    fn mat(&mut self, m: usize, n: usize) -> Vec<Vec<f64>> {
        (0..m)
            .map(|_| (0..n).map(|_| self.next()).collect())
            .collect()
    }
}

type M64 = Vec<Vec<f64>>;

fn matmul(a: &M64, b: &M64) -> M64 {
    let (m, k, n) = (a.len(), b.len(), b.first().map_or(0, |r| r.len()));
    let mut c = vec![vec![0.0; n]; m];
    for i in 0..m {
        for p in 0..k {
            let x = a[i][p];
            for j in 0..n {
                c[i][j] += x * b[p][j];
            }
        }
    }
    c
}

fn transpose(a: &M64, cols: usize) -> M64 {
    let m = a.len();
    (0..cols)
        .map(|j| (0..m).map(|i| a[i][j]).collect())
        .collect()
}

/// A random `n x n` orthogonal matrix (Gram-Schmidt, twice).
fn orthogonal(rng: &mut Rng, n: usize) -> M64 {
    let mut q = rng.mat(n, n); // rows are the vectors
    for i in 0..n {
        for _ in 0..2 {
            for k in 0..i {
                let d: f64 = (0..n).map(|t| q[i][t] * q[k][t]).sum();
                for t in 0..n {
                    q[i][t] -= d * q[k][t];
                }
            }
        }
        let nr: f64 = q[i].iter().map(|x| x * x).sum::<f64>().sqrt();
        for t in 0..n {
            q[i][t] /= nr;
        }
    }
    q
}

/// `Q diag(vals) Q^T` for a random orthogonal `Q`.
fn sym_with_eigenvalues(rng: &mut Rng, vals: &[f64]) -> M64 {
    let n = vals.len();
    let q = orthogonal(rng, n);
    let mut c = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            c[i][j] = (0..n).map(|k| q[k][i] * vals[k] * q[k][j]).sum();
        }
    }
    // Exact symmetry.
    for i in 0..n {
        for j in 0..i {
            c[j][i] = c[i][j];
        }
    }
    c
}

/// `U diag(s) V^T` (`m x n`) for random orthogonal `U`, `V`.
fn with_singular_values(rng: &mut Rng, m: usize, n: usize, s: &[f64]) -> M64 {
    let u = orthogonal(rng, m);
    let v = orthogonal(rng, n);
    let mut c = vec![vec![0.0; n]; m];
    for i in 0..m {
        for j in 0..n {
            c[i][j] = (0..s.len()).map(|k| u[k][i] * s[k] * v[k][j]).sum();
        }
    }
    c
}

fn to_mat<T: Scalar>(a: &M64, cols: usize) -> Mat<T> {
    Mat::from_fn(a.len(), cols, |i, j| T::from_f64(a[i][j]))
}

fn from_view<T: Scalar>(a: MatRef<'_, T>) -> M64 {
    (0..a.rows())
        .map(|i| (0..a.cols()).map(|j| a[(i, j)].to_f64()).collect())
        .collect()
}

fn fro(a: &M64) -> f64 {
    a.iter().flatten().map(|x| x * x).sum::<f64>().sqrt()
}

fn eps<T: Scalar>() -> f64 {
    T::EPSILON.to_f64()
}

/// `||V^T V - I||_F / (n eps)` for the columns of `v`.
fn orth_ratio<T: Scalar>(v: &M64, cols: usize) -> f64 {
    let rows = v.len();
    let mut err = 0.0;
    for a in 0..cols {
        for b in 0..cols {
            let d: f64 = (0..rows).map(|i| v[i][a] * v[i][b]).sum();
            let t = if a == b { 1.0 } else { 0.0 };
            err += (d - t) * (d - t);
        }
    }
    err.sqrt() / (rows.max(cols).max(1) as f64 * eps::<T>())
}

// ------------------------------------------------------------------ eigh

/// Checks `eigh` of the (full, symmetric) `a` viewed as `view`; returns the
/// eigenvalues.
fn check_eigh<T: Scalar>(a: &M64, view: MatRef<'_, T>) -> Vec<f64> {
    let n = a.len();
    let r = eigh::eigh(view).expect("eigh");
    assert_eq!(r.values.len(), n);
    assert_eq!(r.vectors.shape(), (n, n));
    for w in r.values.windows(2) {
        assert!(w[0] <= w[1], "eigenvalues not ascending: {:?}", r.values);
    }
    let v = from_view(r.vectors.as_ref());
    let l: Vec<f64> = r.values.iter().map(|x| x.to_f64()).collect();
    // Residuals of the scaled problem, so that the check itself cannot
    // overflow or underflow.
    let sc = a.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs()));
    let sc = if sc == 0.0 { 1.0 } else { sc };
    let a = &a
        .iter()
        .map(|r| r.iter().map(|x| x / sc).collect())
        .collect::<M64>();
    let l_s: Vec<f64> = l.iter().map(|x| x / sc).collect();
    let av = matmul(a, &v);
    let mut res = 0.0;
    for i in 0..n {
        for j in 0..n {
            let d = av[i][j] - v[i][j] * l_s[j];
            res += d * d;
        }
    }
    let anrm = fro(a).max(f64::MIN_POSITIVE);
    let ratio = res.sqrt() / (n.max(1) as f64 * eps::<T>() * anrm);
    assert!(ratio <= TOL, "eigh residual ratio {ratio} (n = {n})");
    let o = orth_ratio::<T>(&v, n);
    assert!(o <= TOL, "eigh orthogonality ratio {o} (n = {n})");
    // Values-only agrees with the full mode.
    let vals = eigh::eigvalsh(view).expect("eigvalsh");
    let lmax = l.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for (x, y) in vals.iter().zip(&l) {
        let diff = (x.to_f64() - y).abs();
        assert!(
            diff <= TOL * n.max(1) as f64 * eps::<T>() * lmax,
            "eigvalsh {} vs eigh {y}",
            x.to_f64()
        );
    }
    l
}

fn check_eigh_m64<T: Scalar>(a: &M64) -> Vec<f64> {
    let m = to_mat::<T>(a, a.len());
    // Round the oracle to T so that the residual measures the algorithm.
    let a_t = from_view(m.as_ref());
    check_eigh(&a_t, m.as_ref())
}

fn eigh_families<T: Scalar>() {
    let mut rng = Rng::new(7);
    for &n in &[0usize, 1, 2, 3, 5, 17, 40, 64, 131] {
        let g = rng.mat(n, n);
        let mut a = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                a[i][j] = g[i][j] + g[j][i];
            }
        }
        check_eigh_m64::<T>(&a);
    }
    // Prescribed eigenvalues: clustered, repeated, condition 1e8 (n above
    // the divide-and-conquer threshold, so that its deflation is exercised).
    let n = 50;
    let spread: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-8.0 * i as f64 / (n - 1) as f64))
        .collect();
    let got = check_eigh_m64::<T>(&sym_with_eigenvalues(&mut rng, &spread));
    let mut want = spread.clone();
    want.sort_by(|a, b| a.partial_cmp(b).unwrap());
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= TOL * n as f64 * eps::<T>(), "{g} vs {w}");
    }
    let repeated: Vec<f64> = (0..n)
        .map(|i| if i < 20 { 2.0 } else { -1.0 - i as f64 })
        .collect();
    check_eigh_m64::<T>(&sym_with_eigenvalues(&mut rng, &repeated));
    let clustered: Vec<f64> = (0..n).map(|i| 1.0 + 1e-10 * i as f64).collect();
    check_eigh_m64::<T>(&sym_with_eigenvalues(&mut rng, &clustered));
    // Rank-deficient (rank 3), zero, identity, diagonal.
    let low: Vec<f64> = (0..n)
        .map(|i| if i < 3 { 1.0 + i as f64 } else { 0.0 })
        .collect();
    check_eigh_m64::<T>(&sym_with_eigenvalues(&mut rng, &low));
    let zero = vec![vec![0.0; 8]; 8];
    assert!(check_eigh_m64::<T>(&zero).iter().all(|&x| x == 0.0));
    let id: M64 = (0..9)
        .map(|i| (0..9).map(|j| f64::from(i == j)).collect())
        .collect();
    assert!(check_eigh_m64::<T>(&id).iter().all(|&x| x == 1.0));
    let diag: M64 = (0..7)
        .map(|i| {
            (0..7)
                .map(|j| if i == j { 3.0 - i as f64 } else { 0.0 })
                .collect()
        })
        .collect();
    assert_eq!(
        check_eigh_m64::<T>(&diag),
        vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    );
    // Graded: entries spanning many orders of magnitude.
    let graded: M64 = (0..40)
        .map(|i| {
            (0..40)
                .map(|j| 10f64.powi(-(i + j) / 2) * (1.0 + ((i * 7 + j * 3) % 5) as f64))
                .collect()
        })
        .collect();
    let graded: M64 = (0..40)
        .map(|i| (0..40).map(|j| graded[i.max(j)][i.min(j)]).collect())
        .collect();
    check_eigh_m64::<T>(&graded);
    // Tridiagonal (1, -2, 1): known eigenvalues.
    let n: usize = 60;
    let t: M64 = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| match i.abs_diff(j) {
                    0 => -2.0,
                    1 => 1.0,
                    _ => 0.0,
                })
                .collect()
        })
        .collect();
    let got = check_eigh_m64::<T>(&t);
    for (k, g) in got.iter().enumerate() {
        let kk = (n - k) as f64;
        let w = -2.0 + 2.0 * (kk * std::f64::consts::PI / (n + 1) as f64).cos();
        assert!(
            (g - w).abs() <= TOL * n as f64 * eps::<T>() * 4.0,
            "{g} vs {w}"
        );
    }
}

#[test]
fn eigh_families_f64() {
    eigh_families::<f64>();
}

#[test]
fn eigh_families_f32() {
    eigh_families::<f32>();
}

fn eigh_layouts<T: Scalar>() {
    let mut rng = Rng::new(11);
    let n = 12;
    let a = sym_with_eigenvalues(
        &mut rng,
        &(0..n).map(|i| i as f64 - 4.0).collect::<Vec<_>>(),
    );
    let a_t = from_view(to_mat::<T>(&a, n).as_ref());
    // Column-major storage.
    let cm: Vec<T> = (0..n * n).map(|k| T::from_f64(a_t[k % n][k / n])).collect();
    check_eigh(&a_t, MatRef::from_slice_col_major(&cm, n, n).unwrap());
    // Strided (every other row and column of a 2n x 3n buffer) and reversed.
    let mut big = vec![T::from_f64(1e30); 2 * n * 3 * n];
    for i in 0..n {
        for j in 0..n {
            big[2 * i * 3 * n + 3 * j] = T::from_f64(a_t[i][j]);
        }
    }
    let sv = MatRef::from_parts(&big, 0, n, n, 6 * n as isize, 3).unwrap();
    check_eigh(&a_t, sv);
    // Transposed view of a symmetric matrix, and reversed order (the
    // permuted matrix P A P has the same eigenvalues).
    let m = to_mat::<T>(&a_t, n);
    check_eigh(&a_t, m.as_ref().t());
    let rev = m.as_ref().reverse_rows().reverse_cols();
    let a_rev: M64 = (0..n)
        .map(|i| (0..n).map(|j| a_t[n - 1 - i][n - 1 - j]).collect())
        .collect();
    check_eigh(&a_rev, rev);
    // Only the lower triangle is read: garbage (even NaN) above it.
    let mut g = m.clone();
    for i in 0..n {
        for j in i + 1..n {
            g[(i, j)] = T::NAN;
        }
    }
    check_eigh(&a_t, g.as_ref());
}

#[test]
fn eigh_layouts_f64() {
    eigh_layouts::<f64>();
}

#[test]
fn eigh_layouts_f32() {
    eigh_layouts::<f32>();
}

#[test]
fn eigh_errors_and_scaling() {
    let mut m = Mat::<f64>::identity(4);
    m[(3, 1)] = f64::NAN;
    assert_eq!(
        eigh::eigh(m.as_ref()),
        Err(Error::NonFinite { op: Op::Eigh })
    );
    assert_eq!(
        eigh::eigvalsh(m.as_ref()),
        Err(Error::NonFinite { op: Op::Eigvalsh })
    );
    m[(3, 1)] = f64::INFINITY;
    assert_eq!(
        eigh::eigh(m.as_ref()),
        Err(Error::NonFinite { op: Op::Eigh })
    );
    let r = Mat::<f32>::zeros(2, 3);
    assert_eq!(
        eigh::eigh(r.as_ref()),
        Err(Error::NotSquare {
            op: Op::Eigh,
            rows: 2,
            cols: 3
        })
    );
    // Non-finite is reported before the shape.
    let mut r = Mat::<f32>::zeros(3, 2);
    r[(2, 0)] = f32::NAN;
    assert_eq!(
        eigh::eigvalsh(r.as_ref()),
        Err(Error::NonFinite { op: Op::Eigvalsh })
    );
    // Near overflow and underflow: scaled internally.
    let mut rng = Rng::new(3);
    for &s in &[1e300, 1e-300] {
        let a = sym_with_eigenvalues(&mut rng, &[1.0, -2.0, 3.0, 0.5, 7.0]);
        let a: M64 = a
            .iter()
            .map(|r| r.iter().map(|x| x * s).collect())
            .collect();
        let l = check_eigh_m64::<f64>(&a);
        assert!((l[4] / s - 7.0).abs() < 1e-13, "{}", l[4] / s);
    }
    let e = eigh::eigh(Mat::<f64>::zeros(0, 0).as_ref()).unwrap();
    assert!(e.values.is_empty() && e.vectors.shape() == (0, 0));
    let e = eigh::eigh(Mat::from_rows(&[[-2.5f32]]).unwrap().as_ref()).unwrap();
    assert_eq!((e.values[0], e.vectors[(0, 0)]), (-2.5, 1.0));
}

// ------------------------------------------------------------------- svd

/// Checks `svd` (both modes) and `singular_values` of `a` (`m x n`) viewed
/// as `view`; returns the singular values.
fn check_svd<T: Scalar>(a: &M64, n: usize, view: MatRef<'_, T>) -> Vec<f64> {
    let m = a.len();
    let k = m.min(n);
    let sc = a.iter().flatten().fold(0.0f64, |x, y| x.max(y.abs()));
    let sc = if sc == 0.0 { 1.0 } else { sc };
    let a_s: M64 = a
        .iter()
        .map(|r| r.iter().map(|x| x / sc).collect())
        .collect();
    let anrm = fro(&a_s).max(f64::MIN_POSITIVE);
    let mut out = Vec::new();
    for mode in [SvdMode::Thin, SvdMode::Full] {
        let r = svd::svd(view, mode).expect("svd");
        let (ur, vr) = match mode {
            SvdMode::Thin => (k, k),
            SvdMode::Full => (m, n),
        };
        assert_eq!(r.u.shape(), (m, ur), "{mode:?}");
        assert_eq!(r.vt.shape(), (vr, n), "{mode:?}");
        assert_eq!(r.s.len(), k);
        let s: Vec<f64> = r.s.iter().map(|x| x.to_f64()).collect();
        assert!(s.iter().all(|&x| x >= 0.0), "negative singular value {s:?}");
        assert!(s.windows(2).all(|w| w[0] >= w[1]), "not descending {s:?}");
        let u = from_view(r.u.as_ref());
        let vt = from_view(r.vt.as_ref());
        // A - U_k S V_k^T
        let mut res = 0.0;
        for i in 0..m {
            for j in 0..n {
                let x: f64 = (0..k).map(|p| u[i][p] * s[p] / sc * vt[p][j]).sum();
                res += (a_s[i][j] - x) * (a_s[i][j] - x);
            }
        }
        let ratio = res.sqrt() / (m.max(n).max(1) as f64 * eps::<T>() * anrm);
        assert!(
            ratio <= TOL,
            "svd residual ratio {ratio} ({m}x{n}, {mode:?})"
        );
        let o = orth_ratio::<T>(&u, ur);
        assert!(o <= TOL, "U orthogonality ratio {o} ({m}x{n}, {mode:?})");
        let o = orth_ratio::<T>(&transpose(&vt, n), vr);
        assert!(o <= TOL, "V orthogonality ratio {o} ({m}x{n}, {mode:?})");
        out = s;
    }
    let vals = svd::singular_values(view).expect("singular_values");
    let smax = out.first().copied().unwrap_or(0.0);
    for (x, y) in vals.iter().zip(&out) {
        let d = (x.to_f64() - y).abs();
        assert!(
            d <= TOL * m.max(n) as f64 * eps::<T>() * smax,
            "{} vs {y}",
            x.to_f64()
        );
    }
    out
}

fn check_svd_m64<T: Scalar>(a: &M64, n: usize) -> Vec<f64> {
    let m = to_mat::<T>(a, n);
    let a_t = from_view(m.as_ref());
    check_svd(&a_t, n, m.as_ref())
}

fn svd_families<T: Scalar>() {
    let mut rng = Rng::new(5);
    for &(m, n) in &[
        (0, 0),
        (0, 3),
        (3, 0),
        (1, 1),
        (1, 5),
        (5, 1),
        (2, 2),
        (7, 7),
        (20, 13),
        (13, 20),
        (60, 9),
        (9, 60),
        (48, 48),
        (100, 30),
    ] {
        check_svd_m64::<T>(&rng.mat(m, n), n);
    }
    // Prescribed singular values: condition 1e8, repeated, clustered.
    let (m, n) = (40, 25);
    let spread: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-8.0 * i as f64 / (n - 1) as f64))
        .collect();
    let got = check_svd_m64::<T>(&with_singular_values(&mut rng, m, n, &spread), n);
    for (g, w) in got.iter().zip(&spread) {
        assert!((g - w).abs() <= TOL * m as f64 * eps::<T>(), "{g} vs {w}");
    }
    let rep: Vec<f64> = (0..n).map(|i| if i < 10 { 3.0 } else { 1.0 }).collect();
    check_svd_m64::<T>(&with_singular_values(&mut rng, m, n, &rep), n);
    let clu: Vec<f64> = (0..n).map(|i| 1.0 - 1e-9 * i as f64).collect();
    check_svd_m64::<T>(&with_singular_values(&mut rng, n, m, &clu), m);
    // Rank-deficient (rank 4) tall and wide.
    let low: Vec<f64> = (0..n)
        .map(|i| if i < 4 { 4.0 - i as f64 } else { 0.0 })
        .collect();
    let got = check_svd_m64::<T>(&with_singular_values(&mut rng, m, n, &low), n);
    assert!(got[4] <= TOL * m as f64 * eps::<T>() * 4.0, "{got:?}");
    check_svd_m64::<T>(&with_singular_values(&mut rng, n, m, &low), m);
    // Zero, identity, diagonal (with zeros and signs), graded.
    assert!(check_svd_m64::<T>(&vec![vec![0.0; 6]; 9], 6)
        .iter()
        .all(|&x| x == 0.0));
    let id: M64 = (0..8)
        .map(|i| (0..8).map(|j| f64::from(i == j)).collect())
        .collect();
    assert!(check_svd_m64::<T>(&id, 8).iter().all(|&x| x == 1.0));
    let dg: M64 = (0..6)
        .map(|i| {
            (0..6)
                .map(|j| {
                    if i == j {
                        [3.0, 0.0, -5.0, 1.0, 0.0, -2.0][i]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    assert_eq!(
        check_svd_m64::<T>(&dg, 6),
        vec![5.0, 3.0, 2.0, 1.0, 0.0, 0.0]
    );
    let graded: M64 = (0..24)
        .map(|i| {
            (0..16)
                .map(|j| 10f64.powi(-(i + j) / 3) * rng.next())
                .collect()
        })
        .collect();
    check_svd_m64::<T>(&graded, 16);
    // Bidiagonal with zeros on the diagonal (exercises the zero chase).
    let n = 9;
    let bd: M64 = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j && i % 3 != 1 {
                        1.0 + i as f64
                    } else if j == i + 1 {
                        0.5
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    check_svd_m64::<T>(&bd, n);
}

#[test]
fn svd_families_f64() {
    svd_families::<f64>();
}

#[test]
fn svd_families_f32() {
    svd_families::<f32>();
}

fn svd_layouts<T: Scalar>() {
    let mut rng = Rng::new(13);
    let (m, n) = (11, 7);
    let a = from_view(to_mat::<T>(&rng.mat(m, n), n).as_ref());
    let cm: Vec<T> = (0..m * n).map(|k| T::from_f64(a[k % m][k / m])).collect();
    check_svd(&a, n, MatRef::from_slice_col_major(&cm, m, n).unwrap());
    let mut big = vec![T::from_f64(f64::NAN); 2 * m * 3 * n];
    for i in 0..m {
        for j in 0..n {
            big[2 * i * 3 * n + 3 * j] = T::from_f64(a[i][j]);
        }
    }
    check_svd(
        &a,
        n,
        MatRef::from_parts(&big, 0, m, n, 6 * n as isize, 3).unwrap(),
    );
    let mt = to_mat::<T>(&a, n);
    check_svd(&transpose(&a, n), m, mt.as_ref().t());
    let rev: M64 = (0..m)
        .map(|i| (0..n).map(|j| a[m - 1 - i][n - 1 - j]).collect())
        .collect();
    check_svd(&rev, n, mt.as_ref().reverse_rows().reverse_cols());
}

#[test]
fn svd_layouts_f64() {
    svd_layouts::<f64>();
}

#[test]
fn svd_layouts_f32() {
    svd_layouts::<f32>();
}

#[test]
fn svd_errors_and_scaling() {
    let mut m = Mat::<f64>::zeros(3, 5);
    m[(2, 4)] = f64::NAN;
    assert_eq!(
        svd::svd(m.as_ref(), SvdMode::Thin),
        Err(Error::NonFinite { op: Op::Svd })
    );
    m[(2, 4)] = f64::NEG_INFINITY;
    assert_eq!(
        svd::singular_values(m.as_ref()),
        Err(Error::NonFinite {
            op: Op::SingularValues
        })
    );
    let mut rng = Rng::new(17);
    for &s in &[1e300, 1e-300] {
        let a = with_singular_values(&mut rng, 6, 4, &[7.0, 3.0, 1.0, 0.5]);
        let a: M64 = a
            .iter()
            .map(|r| r.iter().map(|x| x * s).collect())
            .collect();
        let got = check_svd_m64::<f64>(&a, 4);
        assert!((got[0] / s - 7.0).abs() < 1e-13, "{}", got[0] / s);
    }
    let r = svd::svd(
        Mat::from_rows(&[[-2.0f32]]).unwrap().as_ref(),
        SvdMode::Full,
    )
    .unwrap();
    assert_eq!(r.s, vec![2.0]);
    assert_eq!(r.u[(0, 0)] * r.vt[(0, 0)], -1.0);
    let r = svd::svd(Mat::<f64>::zeros(0, 3).as_ref(), SvdMode::Full).unwrap();
    assert_eq!((r.u.shape(), r.vt.shape(), r.s.len()), ((0, 0), (3, 3), 0));
    let r = svd::svd(Mat::<f64>::zeros(4, 0).as_ref(), SvdMode::Thin).unwrap();
    assert_eq!((r.u.shape(), r.vt.shape(), r.s.len()), ((4, 0), (0, 0), 0));
}

// ------------------------------------------------------------------- eig

/// Checks `eig` and `eigvals` of `a` viewed as `view`: the complex residual
/// `||A V - V diag(L)||_F / (n eps ||A||_F)`, unit vectors, the pair
/// convention; returns the eigenvalues.
fn check_eig<T: Scalar>(a: &M64, view: MatRef<'_, T>) -> Vec<Complex<f64>> {
    let n = a.len();
    let r = eig::eig(view).expect("eig");
    assert_eq!(r.values.len(), n);
    assert_eq!(r.vectors.shape(), (n, n));
    let l: Vec<Complex<f64>> = r
        .values
        .iter()
        .map(|c| Complex::new(c.re.to_f64(), c.im.to_f64()))
        .collect();
    let v: Vec<Vec<Complex<f64>>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let c = r.vectors[(i, j)];
                    Complex::new(c.re.to_f64(), c.im.to_f64())
                })
                .collect()
        })
        .collect();
    let sc = a.iter().flatten().fold(0.0f64, |x, y| x.max(y.abs()));
    let sc = if sc == 0.0 { 1.0 } else { sc };
    let a_s: M64 = a
        .iter()
        .map(|r| r.iter().map(|x| x / sc).collect())
        .collect();
    let mut res = 0.0;
    for i in 0..n {
        for j in 0..n {
            let mut av = Complex::new(0.0, 0.0);
            for k in 0..n {
                av += v[k][j] * a_s[i][k];
            }
            let d = av - v[i][j] * (l[j] / sc);
            res += d.norm_sqr();
        }
    }
    let anrm = fro(&a_s).max(f64::MIN_POSITIVE);
    let ratio = res.sqrt() / (n.max(1) as f64 * eps::<T>() * anrm);
    assert!(ratio <= TOL, "eig residual ratio {ratio} (n = {n})");
    for j in 0..n {
        let nr: f64 = (0..n).map(|i| v[i][j].norm_sqr()).sum::<f64>().sqrt();
        assert!(
            (nr - 1.0).abs() <= TOL * n as f64 * eps::<T>(),
            "vector {j} norm {nr}"
        );
    }
    // Pairs: adjacent conjugates, positive imaginary part first.
    let mut j = 0;
    while j < n {
        if l[j].im != 0.0 {
            assert!(l[j].im > 0.0 && j + 1 < n, "pair order {l:?}");
            assert_eq!(l[j + 1], l[j].conj());
            j += 2;
        } else {
            j += 1;
        }
    }
    let vals = eig::eigvals(view).expect("eigvals");
    let lmax = l.iter().fold(0.0f64, |m, c| m.max(c.norm()));
    // Values-only may order differently only where values are equal; each
    // value must be near one of the full mode's.
    for c in &vals {
        let c = Complex::new(c.re.to_f64(), c.im.to_f64());
        let best = l
            .iter()
            .map(|x| (x - c).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(
            best <= 1e3 * n as f64 * eps::<T>() * lmax.max(1e-300),
            "eigvals {c} not in {l:?}"
        );
    }
    l
}

fn check_eig_m64<T: Scalar>(a: &M64) -> Vec<Complex<f64>> {
    let m = to_mat::<T>(a, a.len());
    let a_t = from_view(m.as_ref());
    check_eig(&a_t, m.as_ref())
}

fn eig_families<T: Scalar>() {
    let mut rng = Rng::new(23);
    for &n in &[0usize, 1, 2, 3, 4, 6, 15, 33, 64] {
        check_eig_m64::<T>(&rng.mat(n, n));
    }
    // Prescribed real eigenvalues, non-normal: Q^T T Q with T upper
    // triangular (well-separated diagonal, random strict upper part).
    let n = 20;
    let q = orthogonal(&mut rng, n);
    let vals: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
    let mut t = vec![vec![0.0; n]; n];
    for i in 0..n {
        t[i][i] = vals[i];
        for j in i + 1..n {
            t[i][j] = 0.5 * rng.next();
        }
    }
    let a = matmul(&matmul(&transpose(&q, n), &t), &q);
    let got = check_eig_m64::<T>(&a);
    for w in &vals {
        let best = got
            .iter()
            .map(|g| (g - w).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(
            best <= 1e3 * n as f64 * eps::<T>() * n as f64,
            "{w} missing: {got:?}"
        );
    }
    // Normal matrix with eigenvalues spread over 1e8 (and repeated ones):
    // absolute accuracy eps ||A||.
    let spread: Vec<f64> = (0..n)
        .map(|i| {
            if i < 3 {
                0.5
            } else {
                10f64.powf(-8.0 * i as f64 / (n - 1) as f64)
            }
        })
        .collect();
    let got = check_eig_m64::<T>(&sym_with_eigenvalues(&mut rng, &spread));
    for w in &spread {
        let best = got
            .iter()
            .map(|g| (g - w).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(best <= TOL * n as f64 * eps::<T>(), "{w} missing: {got:?}");
    }
    // Rotation matrix: eigenvalues e^{+-i theta}.
    let th = 0.7f64;
    let rotm = vec![vec![th.cos(), -th.sin()], vec![th.sin(), th.cos()]];
    let got = check_eig_m64::<T>(&rotm);
    assert!((got[0] - Complex::new(th.cos(), th.sin())).norm() <= TOL * eps::<T>());
    // A 3-d rotation embedded with a real eigenvalue 2.
    let r3 = vec![
        vec![th.cos(), -th.sin(), 0.0],
        vec![th.sin(), th.cos(), 0.0],
        vec![0.0, 0.0, 2.0],
    ];
    let q3 = orthogonal(&mut rng, 3);
    check_eig_m64::<T>(&matmul(&matmul(&transpose(&q3, 3), &r3), &q3));
    // Companion matrix of (x-1)(x-2)(x-3)(x^2+1): mixed real and complex.
    let c = vec![
        vec![6.0, -12.0, 12.0, -11.0, 6.0],
        vec![1.0, 0.0, 0.0, 0.0, 0.0],
        vec![0.0, 1.0, 0.0, 0.0, 0.0],
        vec![0.0, 0.0, 1.0, 0.0, 0.0],
        vec![0.0, 0.0, 0.0, 1.0, 0.0],
    ];
    let got = check_eig_m64::<T>(&c);
    for w in [
        Complex::new(1.0, 0.0),
        Complex::new(2.0, 0.0),
        Complex::new(3.0, 0.0),
        Complex::new(0.0, 1.0),
        Complex::new(0.0, -1.0),
    ] {
        let best = got
            .iter()
            .map(|g| (g - w).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(best <= 1e4 * eps::<T>(), "{w} missing: {got:?}");
    }
    // Zero, identity, diagonal, triangular, symmetric.
    let z = check_eig_m64::<T>(&vec![vec![0.0; 5]; 5]);
    assert!(z.iter().all(|c| c.norm() == 0.0));
    let id: M64 = (0..6)
        .map(|i| (0..6).map(|j| f64::from(i == j)).collect())
        .collect();
    assert!(check_eig_m64::<T>(&id)
        .iter()
        .all(|c| *c == Complex::new(1.0, 0.0)));
    let dg: M64 = (0..5)
        .map(|i| {
            (0..5)
                .map(|j| {
                    if i == j {
                        [3.0, -1.0, 0.0, 7.0, 2.0][i]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let got = check_eig_m64::<T>(&dg);
    assert_eq!(
        got.iter().map(|c| c.re).collect::<Vec<_>>(),
        vec![3.0, -1.0, 0.0, 7.0, 2.0]
    );
    let up: M64 = (0..8)
        .map(|i| {
            (0..8)
                .map(|j| {
                    if j >= i {
                        1.0 + (i * 8 + j) as f64 / 10.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    check_eig_m64::<T>(&up);
    let sym = sym_with_eigenvalues(&mut rng, &[1.0, 1.0, 2.0, -3.0, 5.0, 5.0]);
    for c in check_eig_m64::<T>(&sym) {
        assert_eq!(c.im, 0.0);
    }
    // Graded.
    let graded: M64 = (0..16)
        .map(|i| {
            (0..16)
                .map(|j| 10f64.powi(-(i + j) / 3) * rng.next())
                .collect()
        })
        .collect();
    check_eig_m64::<T>(&graded);
}

#[test]
fn eig_families_f64() {
    eig_families::<f64>();
}

#[test]
fn eig_families_f32() {
    eig_families::<f32>();
}

/// A defective Jordan block: only the eigenvalues are checked (its
/// eigenvectors are not a basis, so the residual test does not apply in the
/// same form). The perturbation theory gives errors of order eps^(1/n).
fn eig_jordan<T: Scalar>() {
    let n = 4;
    let j: Mat<T> = Mat::from_fn(n, n, |i, k| {
        if i == k {
            T::from_f64(2.0)
        } else if k == i + 1 {
            T::ONE
        } else {
            T::ZERO
        }
    });
    let vals = eig::eigvals(j.as_ref()).unwrap();
    let tol = 10.0 * eps::<T>().powf(1.0 / n as f64);
    for c in &vals {
        let d = Complex::new(c.re.to_f64() - 2.0, c.im.to_f64()).norm();
        assert!(d <= tol, "{vals:?}");
    }
    // The same block under an orthogonal similarity.
    let mut rng = Rng::new(29);
    let q = orthogonal(&mut rng, n);
    let jm = from_view(j.as_ref());
    let a = to_mat::<T>(&matmul(&matmul(&transpose(&q, n), &jm), &q), n);
    let vals = eig::eig(a.as_ref()).unwrap().values;
    for c in &vals {
        let d = Complex::new(c.re.to_f64() - 2.0, c.im.to_f64()).norm();
        assert!(d <= tol, "{vals:?}");
    }
}

#[test]
fn eig_jordan_f64() {
    eig_jordan::<f64>();
}

#[test]
fn eig_jordan_f32() {
    eig_jordan::<f32>();
}

fn eig_layouts<T: Scalar>() {
    let mut rng = Rng::new(31);
    let n = 9;
    let a = from_view(to_mat::<T>(&rng.mat(n, n), n).as_ref());
    let cm: Vec<T> = (0..n * n).map(|k| T::from_f64(a[k % n][k / n])).collect();
    check_eig(&a, MatRef::from_slice_col_major(&cm, n, n).unwrap());
    let mut big = vec![T::from_f64(f64::NAN); 2 * n * 3 * n];
    for i in 0..n {
        for j in 0..n {
            big[2 * i * 3 * n + 3 * j] = T::from_f64(a[i][j]);
        }
    }
    check_eig(
        &a,
        MatRef::from_parts(&big, 0, n, n, 6 * n as isize, 3).unwrap(),
    );
    let m = to_mat::<T>(&a, n);
    check_eig(&transpose(&a, n), m.as_ref().t());
    let rev: M64 = (0..n)
        .map(|i| (0..n).map(|j| a[n - 1 - i][n - 1 - j]).collect())
        .collect();
    check_eig(&rev, m.as_ref().reverse_rows().reverse_cols());
}

#[test]
fn eig_layouts_f64() {
    eig_layouts::<f64>();
}

#[test]
fn eig_layouts_f32() {
    eig_layouts::<f32>();
}

#[test]
fn eig_errors_and_scaling() {
    let mut m = Mat::<f64>::identity(3);
    m[(0, 2)] = f64::NAN;
    assert_eq!(eig::eig(m.as_ref()), Err(Error::NonFinite { op: Op::Eig }));
    assert_eq!(
        eig::eigvals(m.as_ref()),
        Err(Error::NonFinite { op: Op::Eigvals })
    );
    let r = Mat::<f32>::zeros(3, 2);
    assert_eq!(
        eig::eigvals(r.as_ref()),
        Err(Error::NotSquare {
            op: Op::Eigvals,
            rows: 3,
            cols: 2
        })
    );
    let mut rng = Rng::new(37);
    for &s in &[1e300, 1e-300] {
        let a: M64 = rng
            .mat(6, 6)
            .iter()
            .map(|r| r.iter().map(|x| x * s).collect())
            .collect();
        check_eig_m64::<f64>(&a);
    }
    let e = eig::eig(Mat::<f64>::zeros(0, 0).as_ref()).unwrap();
    assert!(e.values.is_empty() && e.vectors.shape() == (0, 0));
    let e = eig::eig(Mat::from_rows(&[[-4.0f32]]).unwrap().as_ref()).unwrap();
    assert_eq!(e.values[0], Complex::new(-4.0, 0.0));
    assert_eq!(e.vectors[(0, 0)], Complex::new(1.0, 0.0));
}
