//! Factorizations and drivers of the OpenBLAS backend: residuals scaled by
//! n and epsilon (DESIGN.md "Testing"), result layouts, zero-size shapes,
//! every view layout, and the error cases.

mod common;

use common::*;
use oxblas_core::{Backend, Complex, Error, Mat, MatRef, Norm, Op, QrMode, Scalar, SvdMode};
use oxblas_openblas::OpenBlas;

/// The one threshold for every residual ratio below.
const RATIO: f64 = 30.0;

fn t<T: Scalar>(x: f64) -> T {
    T::from_f64(x)
}

/// `||A X - B||_F / (n eps (||A||_F ||X||_F + ||B||_F))`.
fn solve_ratio<T: Scalar>(a: MatRef<'_, T>, x: MatRef<'_, T>, b: MatRef<'_, T>) -> f64 {
    let ax = matmul(a, x);
    let r = diff_fro(b, &ax);
    let n = a.rows().max(1) as f64;
    r / (n * eps::<T>() * (fro(a) * fro(x) + fro(b)).max(f64::MIN_POSITIVE))
}

fn c64<T: Scalar>(z: Complex<T>) -> Complex<f64> {
    Complex::new(z.re.to_f64(), z.im.to_f64())
}

fn with_nan<T: Scalar>(a: &Mat<T>, i: usize, j: usize, v: T) -> Mat<T> {
    let mut b = a.clone();
    b[(i, j)] = v;
    b
}

// ---------------------------------------------------------------- LU family

fn lu_family<T: Scalar>() {
    let mut rng = Rng::new(10);
    for n in [1usize, 2, 5, 16, 40] {
        let a = rng.mat::<T>(n, n);
        let b = rng.mat::<T>(n, 3);
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            let lu = OpenBlas::lu(sa.view()).unwrap();
            // ||PA - LU|| / (n eps ||A||)
            let pa = matmul(lu.p().as_ref(), a.as_ref());
            let luv = matmul(lu.l().as_ref(), lu.u().as_ref());
            let d = Mat::from_fn(n, n, |i, j| pa[(i, j)] - luv[(i, j)]);
            let ratio = fro64(&d) / (n as f64 * eps::<T>() * fro(a.as_ref()));
            assert!(ratio <= RATIO, "lu {la:?} n={n}: ratio {ratio}");
            // getrf layout: 0-based pivots with pivots[i] >= i; |L| <= 1.
            assert!(lu.pivots.iter().enumerate().all(|(i, &p)| p >= i && p < n));
            assert!(lu.l().as_slice().iter().all(|v| v.abs() <= T::ONE));
            // Solves agree with the system.
            let sb = Stored::new(&b, LAYOUTS[(la as usize + 1) % 4]);
            let x = OpenBlas::lu_solve(&lu, sb.view()).unwrap();
            assert!(
                solve_ratio(a.as_ref(), x.as_ref(), b.as_ref()) <= RATIO,
                "lu_solve"
            );
            let x = OpenBlas::solve(sa.view(), sb.view()).unwrap();
            assert!(
                solve_ratio(a.as_ref(), x.as_ref(), b.as_ref()) <= RATIO,
                "solve {la:?}"
            );
            let inv = OpenBlas::inv(sa.view()).unwrap();
            let id = Mat::<T>::identity(n);
            assert!(
                solve_ratio(a.as_ref(), inv.as_ref(), id.as_ref()) <= RATIO,
                "inv {la:?}"
            );
            // det matches the product of U's diagonal.
            let det = OpenBlas::det(sa.view()).unwrap().to_f64();
            let want = lu.det().to_f64();
            assert!(
                (det - want).abs() <= 100.0 * n as f64 * eps::<T>() * want.abs(),
                "det {la:?} n={n}: {det} vs {want}"
            );
        }
    }
    // A known determinant and a known solution.
    let a = Mat::<T>::from_rows(
        &[[2.0, 1.0, 1.0], [4.0, -6.0, 0.0], [-2.0, 7.0, 2.0]].map(|r| r.map(t::<T>)),
    )
    .unwrap();
    assert!((OpenBlas::det(a.as_ref()).unwrap().to_f64() + 16.0).abs() < 1e-4);
    let x = OpenBlas::solve(
        a.as_ref(),
        Mat::from_col(&[t::<T>(5.0), t::<T>(-2.0), t::<T>(9.0)]).as_ref(),
    )
    .unwrap();
    for (g, w) in x.as_slice().iter().zip([1.0, 1.0, 2.0]) {
        assert!((g.to_f64() - w).abs() < 1e-4, "{g} vs {w}");
    }
}
both!(lu, lu_family);

fn lu_edge<T: Scalar>() {
    // Zero-size.
    let e = Mat::<T>::zeros(0, 0);
    let lu = OpenBlas::lu(e.as_ref()).unwrap();
    assert_eq!((lu.factors.shape(), lu.pivots.len()), ((0, 0), 0));
    assert_eq!(OpenBlas::det(e.as_ref()).unwrap(), T::ONE);
    assert_eq!(OpenBlas::inv(e.as_ref()).unwrap().shape(), (0, 0));
    assert_eq!(
        OpenBlas::solve(e.as_ref(), Mat::<T>::zeros(0, 2).as_ref())
            .unwrap()
            .shape(),
        (0, 2)
    );
    assert_eq!(
        OpenBlas::lu_solve(&lu, Mat::<T>::zeros(0, 2).as_ref())
            .unwrap()
            .shape(),
        (0, 2)
    );
    let a = Mat::<T>::identity(3);
    assert_eq!(
        OpenBlas::solve(a.as_ref(), Mat::<T>::zeros(3, 0).as_ref())
            .unwrap()
            .shape(),
        (3, 0)
    );

    // Exactly singular: lu is Ok with a zero pivot; solves fail with its index.
    let s = Mat::<T>::from_rows(
        &[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]].map(|r| r.map(t::<T>)),
    )
    .unwrap();
    let lu = OpenBlas::lu(s.as_ref()).unwrap();
    let index = lu.zero_pivot().expect("exactly singular");
    let b = Mat::<T>::identity(3);
    assert_eq!(
        OpenBlas::lu_solve(&lu, b.as_ref()),
        Err(Error::Singular { index })
    );
    assert_eq!(
        OpenBlas::solve(s.as_ref(), b.as_ref()),
        Err(Error::Singular { index })
    );
    assert_eq!(OpenBlas::inv(s.as_ref()), Err(Error::Singular { index }));
    assert_eq!(OpenBlas::det(s.as_ref()).unwrap(), T::ZERO);
    // The zero matrix: the first pivot is zero; nrhs = 0 still reports it.
    let z = Mat::<T>::zeros(2, 2);
    assert_eq!(
        OpenBlas::solve(z.as_ref(), Mat::<T>::zeros(2, 0).as_ref()),
        Err(Error::Singular { index: 0 })
    );
    assert_eq!(OpenBlas::inv(z.as_ref()), Err(Error::Singular { index: 0 }));

    // Shapes and non-finite input, with the default implementation's errors.
    let r = Mat::<T>::zeros(2, 3);
    assert!(matches!(
        OpenBlas::lu(r.as_ref()),
        Err(Error::NotSquare {
            op: Op::Lu,
            rows: 2,
            cols: 3
        })
    ));
    assert!(matches!(
        OpenBlas::solve(r.as_ref(), b.as_ref()),
        Err(Error::NotSquare { op: Op::Solve, .. })
    ));
    assert!(matches!(
        OpenBlas::inv(r.as_ref()),
        Err(Error::NotSquare { op: Op::Inv, .. })
    ));
    assert!(matches!(
        OpenBlas::det(r.as_ref()),
        Err(Error::NotSquare { op: Op::Det, .. })
    ));
    let a = Mat::<T>::identity(3);
    assert!(matches!(
        OpenBlas::solve(a.as_ref(), Mat::<T>::zeros(2, 1).as_ref()),
        Err(Error::DimensionMismatch { op: Op::Solve, .. })
    ));
    let lu = OpenBlas::lu(a.as_ref()).unwrap();
    assert!(matches!(
        OpenBlas::lu_solve(&lu, Mat::<T>::zeros(2, 1).as_ref()),
        Err(Error::DimensionMismatch {
            op: Op::LuSolve,
            ..
        })
    ));
    let an = with_nan(&a, 1, 2, T::NAN);
    assert_eq!(
        OpenBlas::lu(an.as_ref()),
        Err(Error::NonFinite { op: Op::Lu })
    );
    assert_eq!(
        OpenBlas::solve(an.as_ref(), b.as_ref()),
        Err(Error::NonFinite { op: Op::Lu })
    );
    assert_eq!(
        OpenBlas::solve(a.as_ref(), with_nan(&b, 0, 0, T::INFINITY).as_ref()),
        Err(Error::NonFinite { op: Op::Solve })
    );
    assert_eq!(
        OpenBlas::inv(an.as_ref()),
        Err(Error::NonFinite { op: Op::Lu })
    );
    assert_eq!(
        OpenBlas::det(an.as_ref()),
        Err(Error::NonFinite { op: Op::Lu })
    );
    // A hand-built, malformed Lu is an error, not a panic.
    let mut bad = lu.clone();
    bad.pivots[0] = 7;
    assert!(matches!(
        OpenBlas::lu_solve(&bad, b.as_ref()),
        Err(Error::InvalidArgument {
            op: Op::LuSolve,
            ..
        })
    ));
}
both!(lu_edge_cases, lu_edge);

// ------------------------------------------------------------------ Cholesky

fn cholesky_family<T: Scalar>() {
    let mut rng = Rng::new(11);
    for n in [1usize, 3, 17, 40] {
        let a = rng.spd::<T>(n);
        // Only the lower triangle is read: poison the strict upper one.
        let mut poisoned = a.clone();
        for i in 0..n {
            for j in i + 1..n {
                poisoned[(i, j)] = t::<T>(1e6);
            }
        }
        let b = rng.mat::<T>(n, 2);
        for la in LAYOUTS {
            let sa = Stored::new(&poisoned, la);
            let c = OpenBlas::cholesky(sa.view()).unwrap();
            let l = c.l();
            for i in 0..n {
                assert!(l[(i, i)] > T::ZERO);
                for j in i + 1..n {
                    assert_eq!(l[(i, j)], T::ZERO, "upper part of L must be zero");
                }
            }
            let llt = matmul(l.as_ref(), l.t());
            let ratio = diff_fro(a.as_ref(), &llt) / (n as f64 * eps::<T>() * fro(a.as_ref()));
            assert!(ratio <= RATIO, "cholesky {la:?} n={n}: {ratio}");
            let x = OpenBlas::cholesky_solve(&c, Stored::new(&b, la).view()).unwrap();
            assert!(
                solve_ratio(a.as_ref(), x.as_ref(), b.as_ref()) <= RATIO,
                "cholesky_solve"
            );
        }
    }
    assert_eq!(
        OpenBlas::cholesky(Mat::<T>::zeros(0, 0).as_ref())
            .unwrap()
            .l
            .shape(),
        (0, 0)
    );
    let c = OpenBlas::cholesky(Mat::<T>::identity(2).as_ref()).unwrap();
    assert_eq!(
        OpenBlas::cholesky_solve(&c, Mat::<T>::zeros(2, 0).as_ref())
            .unwrap()
            .shape(),
        (2, 0)
    );
    // Not positive definite: the failing leading minor.
    let a = Mat::<T>::from_rows(
        &[[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]].map(|r| r.map(t::<T>)),
    )
    .unwrap();
    assert_eq!(
        OpenBlas::cholesky(a.as_ref()),
        Err(Error::NotPositiveDefinite { index: 1 })
    );
    let neg = Mat::<T>::from_diag(&[-T::ONE, T::ONE]);
    assert_eq!(
        OpenBlas::cholesky(neg.as_ref()),
        Err(Error::NotPositiveDefinite { index: 0 })
    );
    // Errors.
    assert!(matches!(
        OpenBlas::cholesky(Mat::<T>::zeros(2, 3).as_ref()),
        Err(Error::NotSquare {
            op: Op::Cholesky,
            ..
        })
    ));
    let an = with_nan(&Mat::<T>::identity(3), 2, 0, T::NAN);
    assert_eq!(
        OpenBlas::cholesky(an.as_ref()),
        Err(Error::NonFinite { op: Op::Cholesky })
    );
    assert!(matches!(
        OpenBlas::cholesky_solve(&c, Mat::<T>::zeros(3, 1).as_ref()),
        Err(Error::DimensionMismatch {
            op: Op::CholeskySolve,
            ..
        })
    ));
}
both!(cholesky, cholesky_family);

// ------------------------------------------------------------------------ QR

fn qr_family<T: Scalar>() {
    let mut rng = Rng::new(12);
    for (m, n) in [(1usize, 1usize), (5, 3), (3, 5), (20, 20), (31, 7), (6, 25)] {
        let a = rng.mat::<T>(m, n);
        let k = m.min(n);
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            let qr = OpenBlas::qr(sa.view()).unwrap();
            assert_eq!((qr.factors.shape(), qr.tau.len()), ((m, n), k));
            let r = qr.r();
            for mode in [QrMode::Reduced, QrMode::Complete] {
                let q = OpenBlas::qr_q(&qr, mode).unwrap();
                let qc = if mode == QrMode::Reduced { k } else { m };
                assert_eq!(q.shape(), (m, qc));
                assert!(
                    orthogonality(q.as_ref()) <= RATIO,
                    "Q^T Q {la:?} {m}x{n} {mode:?}"
                );
                // A = Q[:, :k] R
                let qk = q.as_ref().submatrix(0, 0, m, k).unwrap();
                let qrm = matmul(qk, r.as_ref());
                let ratio =
                    diff_fro(a.as_ref(), &qrm) / (m.max(n) as f64 * eps::<T>() * fro(a.as_ref()));
                assert!(ratio <= RATIO, "A - QR {la:?} {m}x{n} {mode:?}: {ratio}");
            }
            // Column-pivoted: A P = Q R with a non-increasing |diag(R)|.
            let pq = OpenBlas::qr_pivoted(sa.view()).unwrap();
            let mut sorted = pq.perm.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            let q = OpenBlas::qr_q(&pq.qr, QrMode::Reduced).unwrap();
            let qrm = matmul(q.as_ref(), pq.qr.r().as_ref());
            let ap = Mat::from_fn(m, n, |i, j| a[(i, pq.perm[j])]);
            let ratio =
                diff_fro(ap.as_ref(), &qrm) / (m.max(n) as f64 * eps::<T>() * fro(a.as_ref()));
            assert!(ratio <= RATIO, "AP - QR {la:?}: {ratio}");
            let f = &pq.qr.factors;
            for i in 1..k {
                assert!(f[(i, i)].abs() <= f[(i - 1, i - 1)].abs() * t::<T>(1.0 + 1e-3));
            }
            assert_eq!(pq.rank(None), k);
        }
    }
    // Rank of a rank-2 matrix by pivoted QR.
    let u = rng.mat::<T>(8, 2);
    let v = rng.mat::<T>(2, 6);
    let low = matmul(u.as_ref(), v.as_ref()).map(|&x| t::<T>(x));
    assert_eq!(OpenBlas::qr_pivoted(low.as_ref()).unwrap().rank(None), 2);
    // Zero-size shapes.
    for (m, n) in [(0usize, 0usize), (0, 3), (4, 0)] {
        let qr = OpenBlas::qr(Mat::<T>::zeros(m, n).as_ref()).unwrap();
        assert_eq!((qr.factors.shape(), qr.tau.len()), ((m, n), 0));
        assert_eq!(
            OpenBlas::qr_q(&qr, QrMode::Reduced).unwrap().shape(),
            (m, 0)
        );
        assert_eq!(
            OpenBlas::qr_q(&qr, QrMode::Complete).unwrap(),
            Mat::identity(m)
        );
        let pq = OpenBlas::qr_pivoted(Mat::<T>::zeros(m, n).as_ref()).unwrap();
        assert_eq!(pq.perm, (0..n).collect::<Vec<_>>());
    }
    // Errors.
    let an = with_nan(&Mat::<T>::identity(3), 0, 1, T::INFINITY);
    assert_eq!(
        OpenBlas::qr(an.as_ref()),
        Err(Error::NonFinite { op: Op::Qr })
    );
    assert_eq!(
        OpenBlas::qr_pivoted(an.as_ref()),
        Err(Error::NonFinite { op: Op::QrPivoted })
    );
    let mut qr = OpenBlas::qr(Mat::<T>::identity(3).as_ref()).unwrap();
    qr.tau.pop();
    assert!(matches!(
        OpenBlas::qr_q(&qr, QrMode::Reduced),
        Err(Error::InvalidArgument { op: Op::QrQ, .. })
    ));
}
both!(qr, qr_family);

// --------------------------------------------------------------- eigen / SVD

fn eigh_family<T: Scalar>() {
    let mut rng = Rng::new(13);
    for n in [1usize, 2, 9, 30] {
        let a = rng.sym::<T>(n);
        let mut poisoned = a.clone();
        for i in 0..n {
            for j in i + 1..n {
                poisoned[(i, j)] = T::NAN;
            }
        }
        // eigh reads only the lower triangle (the Backend contract): NaN
        // above the diagonal is never looked at; NaN below it is rejected.
        if n > 1 {
            assert!(OpenBlas::eigh(poisoned.as_ref()).is_ok());
            let mut low = a.clone();
            low[(n - 1, 0)] = T::NAN;
            assert_eq!(
                OpenBlas::eigh(low.as_ref()),
                Err(Error::NonFinite { op: Op::Eigh })
            );
        }
        // Garbage (finite) above the diagonal is ignored.
        for i in 0..n {
            for j in i + 1..n {
                poisoned[(i, j)] = t::<T>(123.0);
            }
        }
        for la in LAYOUTS {
            let sa = Stored::new(&poisoned, la);
            let e = OpenBlas::eigh(sa.view()).unwrap();
            assert!(e.values.windows(2).all(|w| w[0] <= w[1]), "ascending");
            assert!(
                orthogonality(e.vectors.as_ref()) <= RATIO,
                "eigh orthogonality"
            );
            let av = matmul(a.as_ref(), e.vectors.as_ref());
            let vl = Mat::from_fn(n, n, |i, j| {
                e.vectors[(i, j)].to_f64() * e.values[j].to_f64()
            });
            let d = Mat::from_fn(n, n, |i, j| av[(i, j)] - vl[(i, j)]);
            let ratio = fro64(&d) / (n as f64 * eps::<T>() * fro(a.as_ref()));
            assert!(ratio <= RATIO, "eigh residual {la:?} n={n}: {ratio}");
            let w = OpenBlas::eigvalsh(sa.view()).unwrap();
            for (x, y) in w.iter().zip(&e.values) {
                assert!(
                    (x.to_f64() - y.to_f64()).abs()
                        <= 10.0 * n as f64 * eps::<T>() * fro(a.as_ref())
                );
            }
        }
    }
    let d = Mat::<T>::from_diag(&[t::<T>(3.0), -T::ONE, t::<T>(2.0)]);
    let w = OpenBlas::eigvalsh(d.as_ref()).unwrap();
    assert_eq!(w, vec![-T::ONE, t::<T>(2.0), t::<T>(3.0)]);
    let e = OpenBlas::eigh(Mat::<T>::zeros(0, 0).as_ref()).unwrap();
    assert_eq!((e.values.len(), e.vectors.shape()), (0, (0, 0)));
    assert!(matches!(
        OpenBlas::eigh(Mat::<T>::zeros(2, 3).as_ref()),
        Err(Error::NotSquare { op: Op::Eigh, .. })
    ));
    assert!(matches!(
        OpenBlas::eigvalsh(Mat::<T>::zeros(2, 3).as_ref()),
        Err(Error::NotSquare {
            op: Op::Eigvalsh,
            ..
        })
    ));
    let an = with_nan(&Mat::<T>::identity(2), 1, 0, T::NAN);
    assert_eq!(
        OpenBlas::eigvalsh(an.as_ref()),
        Err(Error::NonFinite { op: Op::Eigvalsh })
    );
}
both!(eigh, eigh_family);

fn eig_family<T: Scalar>() {
    let mut rng = Rng::new(14);
    for n in [1usize, 2, 7, 20] {
        let a = rng.mat::<T>(n, n);
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            let e = OpenBlas::eig(sa.view()).unwrap();
            let (vals, v) = (&e.values, &e.vectors);
            // Conjugate pairs adjacent, positive imaginary part first.
            let mut j = 0;
            while j < n {
                if vals[j].im != T::ZERO {
                    assert!(vals[j].im > T::ZERO && j + 1 < n);
                    assert_eq!(c64(vals[j + 1]), c64(vals[j]).conj());
                    for i in 0..n {
                        assert_eq!(c64(v[(i, j + 1)]), c64(v[(i, j)]).conj());
                    }
                    j += 2;
                } else {
                    j += 1;
                }
            }
            // Unit 2-norm columns and A v = lambda v.
            let mut worst = 0.0f64;
            for j in 0..n {
                let norm: f64 = (0..n)
                    .map(|i| c64(v[(i, j)]).norm_sqr())
                    .sum::<f64>()
                    .sqrt();
                assert!(
                    (norm - 1.0).abs() <= 10.0 * n as f64 * eps::<T>(),
                    "unit norm"
                );
                let lam = Complex::new(vals[j].re.to_f64(), vals[j].im.to_f64());
                for i in 0..n {
                    let mut s = Complex::new(0.0, 0.0);
                    for k in 0..n {
                        let vk = Complex::new(v[(k, j)].re.to_f64(), v[(k, j)].im.to_f64());
                        s += vk * a[(i, k)].to_f64();
                    }
                    let vi = Complex::new(v[(i, j)].re.to_f64(), v[(i, j)].im.to_f64());
                    worst = worst.max((s - lam * vi).norm());
                }
            }
            let ratio = worst / (n as f64 * eps::<T>() * fro(a.as_ref()));
            assert!(ratio <= RATIO, "eig residual {la:?} n={n}: {ratio}");
            let ev = OpenBlas::eigvals(sa.view()).unwrap();
            assert_eq!(ev.len(), n);
            for (x, y) in ev.iter().zip(vals) {
                assert!(
                    (c64(*x) - c64(*y)).norm() <= 100.0 * n as f64 * eps::<T>() * fro(a.as_ref())
                );
            }
        }
    }
    // A rotation: eigenvalues +-i.
    let r = Mat::<T>::from_rows(&[[T::ZERO, -T::ONE], [T::ONE, T::ZERO]]).unwrap();
    let w = OpenBlas::eigvals(r.as_ref()).unwrap();
    assert!((w[0].im.to_f64() - 1.0).abs() < 1e-6 && (w[1].im.to_f64() + 1.0).abs() < 1e-6);
    let e = OpenBlas::eig(Mat::<T>::zeros(0, 0).as_ref()).unwrap();
    assert_eq!((e.values.len(), e.vectors.shape()), (0, (0, 0)));
    assert!(matches!(
        OpenBlas::eig(Mat::<T>::zeros(3, 2).as_ref()),
        Err(Error::NotSquare { op: Op::Eig, .. })
    ));
    let an = with_nan(&Mat::<T>::identity(2), 0, 0, T::NAN);
    assert_eq!(
        OpenBlas::eig(an.as_ref()),
        Err(Error::NonFinite { op: Op::Eig })
    );
    assert_eq!(
        OpenBlas::eigvals(an.as_ref()),
        Err(Error::NonFinite { op: Op::Eigvals })
    );
}
both!(eig, eig_family);

fn svd_family<T: Scalar>() {
    let mut rng = Rng::new(15);
    for (m, n) in [(1usize, 1usize), (6, 4), (4, 6), (25, 25), (40, 9), (3, 30)] {
        let a = rng.mat::<T>(m, n);
        let k = m.min(n);
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            for mode in [SvdMode::Thin, SvdMode::Full] {
                let svd = OpenBlas::svd(sa.view(), mode).unwrap();
                let (uc, vr) = if mode == SvdMode::Thin {
                    (k, k)
                } else {
                    (m, n)
                };
                assert_eq!(
                    (svd.u.shape(), svd.s.len(), svd.vt.shape()),
                    ((m, uc), k, (vr, n))
                );
                assert!(
                    svd.s.windows(2).all(|w| w[0] >= w[1]) && svd.s.iter().all(|&s| s >= T::ZERO)
                );
                assert!(orthogonality(svd.u.as_ref()) <= RATIO, "U {la:?} {mode:?}");
                assert!(orthogonality(svd.vt.t()) <= RATIO, "V {la:?} {mode:?}");
                let us = Mat::from_fn(m, k, |i, j| svd.u[(i, j)] * svd.s[j]);
                let vk = svd.vt.as_ref().submatrix(0, 0, k, n).unwrap();
                let usv = matmul(us.as_ref(), vk);
                let ratio =
                    diff_fro(a.as_ref(), &usv) / (m.max(n) as f64 * eps::<T>() * fro(a.as_ref()));
                assert!(
                    ratio <= RATIO,
                    "svd residual {la:?} {m}x{n} {mode:?}: {ratio}"
                );
            }
            let s = OpenBlas::singular_values(sa.view()).unwrap();
            let s2 = OpenBlas::svd(sa.view(), SvdMode::Thin).unwrap().s;
            for (x, y) in s.iter().zip(&s2) {
                assert!(
                    (x.to_f64() - y.to_f64()).abs()
                        <= 10.0 * m.max(n) as f64 * eps::<T>() * s2[0].to_f64()
                );
            }
        }
    }
    // Known singular values.
    let d =
        Mat::<T>::from_rows(&[[0.0, 3.0], [-5.0, 0.0], [0.0, 0.0]].map(|r| r.map(t::<T>))).unwrap();
    assert_eq!(
        OpenBlas::singular_values(d.as_ref()).unwrap(),
        vec![t::<T>(5.0), t::<T>(3.0)]
    );
    // Zero-size.
    for (m, n) in [(0usize, 0usize), (0, 3), (4, 0)] {
        let z = Mat::<T>::zeros(m, n);
        let thin = OpenBlas::svd(z.as_ref(), SvdMode::Thin).unwrap();
        assert_eq!(
            (thin.u.shape(), thin.s.len(), thin.vt.shape()),
            ((m, 0), 0, (0, n))
        );
        let full = OpenBlas::svd(z.as_ref(), SvdMode::Full).unwrap();
        assert_eq!((full.u, full.vt), (Mat::identity(m), Mat::identity(n)));
        assert!(OpenBlas::singular_values(z.as_ref()).unwrap().is_empty());
    }
    let an = with_nan(&Mat::<T>::identity(2), 0, 1, T::NAN);
    assert_eq!(
        OpenBlas::svd(an.as_ref(), SvdMode::Thin),
        Err(Error::NonFinite { op: Op::Svd })
    );
    assert_eq!(
        OpenBlas::singular_values(an.as_ref()),
        Err(Error::NonFinite {
            op: Op::SingularValues
        })
    );
}
both!(svd, svd_family);

// ------------------------------------------------------- lstsq and derived

fn lstsq_family<T: Scalar>() {
    let mut rng = Rng::new(16);
    // Full-rank tall: residuals match |b - A x|^2, and A^T r = 0.
    for (m, n, k) in [(10usize, 4usize, 2usize), (5, 5, 1), (30, 12, 3)] {
        let a = rng.mat::<T>(m, n);
        let b = rng.mat::<T>(m, k);
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            let sb = Stored::new(&b, LAYOUTS[(la as usize + 3) % 4]);
            let ls = OpenBlas::lstsq(sa.view(), sb.view(), None).unwrap();
            assert_eq!(
                (ls.solution.shape(), ls.rank, ls.singular_values.len()),
                ((n, k), n, n)
            );
            let ax = matmul(a.as_ref(), ls.solution.as_ref());
            let r = Mat::from_fn(m, k, |i, j| b[(i, j)].to_f64() - ax[(i, j)]);
            let atr = matmul(a.t(), r.map(|&x| t::<T>(x)).as_ref());
            let ratio = fro64(&atr)
                / (m as f64
                    * eps::<T>()
                    * fro(a.as_ref())
                    * (fro(a.as_ref()) * fro(ls.solution.as_ref()) + fro(b.as_ref())));
            assert!(ratio <= RATIO, "lstsq normal equations {la:?}: {ratio}");
            if m > n {
                assert_eq!(ls.residuals.len(), k);
                for j in 0..k {
                    let want: f64 = (0..m).map(|i| r[(i, j)] * r[(i, j)]).sum();
                    assert!(
                        (ls.residuals[j].to_f64() - want).abs()
                            <= 100.0 * m as f64 * eps::<T>() * fro(b.as_ref()).powi(2)
                    );
                }
            } else {
                assert!(ls.residuals.is_empty());
            }
        }
    }
    // Rank-deficient: the minimum-norm solution equals pinv(A) b; no residuals.
    let u = rng.mat::<T>(9, 2);
    let v = rng.mat::<T>(2, 5);
    let a = matmul(u.as_ref(), v.as_ref()).map(|&x| t::<T>(x));
    let b = rng.mat::<T>(9, 2);
    let ls = OpenBlas::lstsq(a.as_ref(), b.as_ref(), None).unwrap();
    assert_eq!(ls.rank, 2);
    assert!(ls.residuals.is_empty());
    let p = OpenBlas::pinv(a.as_ref(), None).unwrap();
    let want = matmul(p.as_ref(), b.as_ref());
    let scale = fro64(&want);
    assert!(
        diff_fro(ls.solution.as_ref(), &want) <= 1e3 * eps::<T>().sqrt() * scale,
        "min-norm solution"
    );
    assert_eq!(OpenBlas::rank(a.as_ref(), None).unwrap(), 2);
    // rcond large enough drops every singular value but the largest.
    let ls1 = OpenBlas::lstsq(a.as_ref(), b.as_ref(), Some(t::<T>(0.999))).unwrap();
    assert_eq!(ls1.rank, 1);
    // Wide (underdetermined): exact solution with the minimum norm.
    let a = rng.mat::<T>(3, 7);
    let b = rng.mat::<T>(3, 1);
    let ls = OpenBlas::lstsq(a.as_ref(), b.as_ref(), None).unwrap();
    assert!(solve_ratio(a.as_ref(), ls.solution.as_ref(), b.as_ref()) <= RATIO);
    assert!(ls.residuals.is_empty() && ls.rank == 3);
    // No right-hand sides: still the singular values and rank.
    let ls = OpenBlas::lstsq(a.as_ref(), Mat::<T>::zeros(3, 0).as_ref(), None).unwrap();
    assert_eq!(
        (ls.solution.shape(), ls.rank, ls.singular_values.len()),
        ((7, 0), 3, 3)
    );
    // Zero-size A: as the default implementation.
    let ls = OpenBlas::lstsq(
        Mat::<T>::zeros(3, 0).as_ref(),
        Mat::<T>::filled(3, 2, t::<T>(2.0)).as_ref(),
        None,
    )
    .unwrap();
    assert_eq!((ls.solution.shape(), ls.rank), ((0, 2), 0));
    assert_eq!(ls.residuals, vec![t::<T>(12.0), t::<T>(12.0)]);
    let ls = OpenBlas::lstsq(
        Mat::<T>::zeros(0, 3).as_ref(),
        Mat::<T>::zeros(0, 1).as_ref(),
        None,
    )
    .unwrap();
    assert_eq!((ls.solution, ls.residuals.len()), (Mat::zeros(3, 1), 0));
    // Errors in the default implementation's order.
    let a = Mat::<T>::identity(3);
    assert!(matches!(
        OpenBlas::lstsq(a.as_ref(), Mat::<T>::zeros(2, 1).as_ref(), None),
        Err(Error::DimensionMismatch { op: Op::Lstsq, .. })
    ));
    assert!(matches!(
        OpenBlas::lstsq(a.as_ref(), Mat::<T>::zeros(3, 1).as_ref(), Some(-T::ONE)),
        Err(Error::InvalidArgument { op: Op::Lstsq, .. })
    ));
    let bn = with_nan(&Mat::<T>::zeros(3, 1), 1, 0, T::NAN);
    assert_eq!(
        OpenBlas::lstsq(a.as_ref(), bn.as_ref(), None),
        Err(Error::NonFinite { op: Op::Lstsq })
    );
    let an = with_nan(&a, 1, 1, T::NAN);
    assert_eq!(
        OpenBlas::lstsq(an.as_ref(), Mat::<T>::zeros(3, 1).as_ref(), None),
        Err(Error::NonFinite { op: Op::Svd })
    );
}
both!(lstsq, lstsq_family);

fn derived<T: Scalar>() {
    // pinv, rank, cond, norm run through the trait defaults on this backend's SVD.
    let a =
        Mat::<T>::from_rows(&[[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]].map(|r| r.map(t::<T>))).unwrap();
    let p = OpenBlas::pinv(a.as_ref(), None).unwrap();
    let want = Mat::from_rows(&[[1.0 / 3.0, 0.0, 0.0], [0.0, -0.25, 0.0]]).unwrap();
    let tol = Mat::from_fn(2, 3, |_, _| 10.0 * eps::<T>());
    assert_close(p.as_ref(), &want, &tol, "pinv");
    assert_eq!(OpenBlas::rank(a.as_ref(), None).unwrap(), 2);
    let c = OpenBlas::cond(a.as_ref()).unwrap().to_f64();
    assert!((c - 4.0 / 3.0).abs() < 1e-5);
    assert_eq!(OpenBlas::norm(a.as_ref(), Norm::One).unwrap(), t::<T>(4.0));
    assert_eq!(OpenBlas::norm(a.as_ref(), Norm::Inf).unwrap(), t::<T>(4.0));
    assert_eq!(OpenBlas::norm(a.as_ref(), Norm::Fro).unwrap(), t::<T>(5.0));
    assert_eq!(
        OpenBlas::norm(a.as_ref(), Norm::Spectral).unwrap(),
        t::<T>(4.0)
    );
    assert!(matches!(
        OpenBlas::cond(Mat::<T>::zeros(0, 2).as_ref()),
        Err(Error::InvalidArgument { op: Op::Cond, .. })
    ));
    let s = Mat::<T>::from_rows(&[[1.0, 2.0], [2.0, 4.0]].map(|r| r.map(t::<T>))).unwrap();
    assert_eq!(OpenBlas::rank(s.as_ref(), None).unwrap(), 1);
}
both!(derived_defaults, derived);

/// Regression: OpenBLAS's threaded LU overflowed the 2 MiB stack of a
/// spawned thread (SIGSEGV in `sgetrf_parallel` from `?gesv` at n = 40).
#[test]
fn lu_family_on_a_small_stack_thread() {
    OpenBlas::set_num_threads(2);
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut rng = Rng::new(99);
            for n in [40usize, 300] {
                let a = rng.mat::<f32>(n, n);
                let b = rng.mat::<f32>(n, 3);
                let x = OpenBlas::solve(a.as_ref(), b.as_ref()).unwrap();
                assert!(solve_ratio(a.as_ref(), x.as_ref(), b.as_ref()) <= RATIO);
                let a = rng.mat::<f64>(n, n);
                let lu = OpenBlas::lu(a.as_ref()).unwrap();
                assert_eq!(lu.pivots.len(), n);
                let inv = OpenBlas::inv(a.as_ref()).unwrap();
                let id = Mat::<f64>::identity(n);
                assert!(solve_ratio(a.as_ref(), inv.as_ref(), id.as_ref()) <= RATIO);
                assert!(OpenBlas::det(a.as_ref()).unwrap().is_finite());
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
