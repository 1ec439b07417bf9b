//! BLAS-level operations of the OpenBLAS backend against naive loops, for
//! f32 and f64, on row-major, column-major, negative-stride and
//! non-unit-stride views, zero-size shapes, and bad arguments.

mod common;

use common::*;
use oxblas_core::{Backend, Diag, Distance, Error, Mat, Op, Scalar, Side, Uplo, VecRef};
use oxblas_openblas::OpenBlas;

fn t<T: Scalar>(x: f64) -> T {
    T::from_f64(x)
}

/// `|got - want| <= 4 (n + 2) eps scale`.
fn close<T: Scalar>(got: T, want: f64, scale: f64, n: usize) -> bool {
    (got.to_f64() - want).abs()
        <= 4.0 * (n as f64 + 2.0) * eps::<T>() * scale.max(f64::MIN_POSITIVE)
}

// ---------------------------------------------------------------- BLAS 1

fn blas1_values<T: Scalar>() {
    let mut rng = Rng::new(1);
    for n in [0usize, 1, 2, 7, 33, 100] {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        for sx in VSTRIDES {
            for sy in VSTRIDES {
                let (vx, vy) = (StoredVec::new(&x, sx), StoredVec::new(&y, sy));
                // dot
                let want: f64 = x.iter().zip(&y).map(|(a, b)| a.to_f64() * b.to_f64()).sum();
                let scale: f64 = x
                    .iter()
                    .zip(&y)
                    .map(|(a, b)| (a.to_f64() * b.to_f64()).abs())
                    .sum();
                let got = OpenBlas::dot(vx.view(), vy.view()).unwrap();
                assert!(close(got, want, scale, n), "dot n={n} sx={sx} sy={sy}");
                // axpy
                let mut vy2 = StoredVec::new(&y, sy);
                OpenBlas::axpy(t::<T>(0.5), vx.view(), vy2.view_mut()).unwrap();
                for (i, g) in vy2.to_vec().into_iter().enumerate() {
                    assert_eq!(g, t::<T>(0.5) * x[i] + y[i], "axpy");
                }
                // copy
                let mut vy3 = StoredVec::new(&y, sy);
                OpenBlas::copy(vx.view(), vy3.view_mut()).unwrap();
                assert_eq!(vy3.to_vec(), x);
                // swap
                let (mut a, mut b) = (StoredVec::new(&x, sx), StoredVec::new(&y, sy));
                OpenBlas::swap(a.view_mut(), b.view_mut()).unwrap();
                assert_eq!((a.to_vec(), b.to_vec()), (y.clone(), x.clone()));
                // element-wise
                for (k, f) in [|a: T, b: T| a + b, |a: T, b: T| a - b, |a: T, b: T| a * b]
                    .iter()
                    .enumerate()
                {
                    let mut out = StoredVec::new(&vec![T::ZERO; n], -sy);
                    let r = match k {
                        0 => OpenBlas::add(vx.view(), vy.view(), out.view_mut()),
                        1 => OpenBlas::sub(vx.view(), vy.view(), out.view_mut()),
                        _ => OpenBlas::hadamard(vx.view(), vy.view(), out.view_mut()),
                    };
                    r.unwrap();
                    let want: Vec<T> = x.iter().zip(&y).map(|(&a, &b)| f(a, b)).collect();
                    assert_eq!(out.to_vec(), want, "element-wise op {k}");
                }
            }
            let vx = StoredVec::new(&x, sx);
            // scal
            let mut v = StoredVec::new(&x, sx);
            OpenBlas::scal(t::<T>(-1.5), v.view_mut());
            let want: Vec<T> = x.iter().map(|&a| t::<T>(-1.5) * a).collect();
            assert_eq!(v.to_vec(), want, "scal");
            // nrm2, asum
            let ss: f64 = x.iter().map(|a| a.to_f64() * a.to_f64()).sum();
            assert!(
                close(OpenBlas::nrm2(vx.view()), ss.sqrt(), ss.sqrt(), n),
                "nrm2"
            );
            let sa: f64 = x.iter().map(|a| a.to_f64().abs()).sum();
            assert!(close(OpenBlas::asum(vx.view()), sa, sa, n), "asum");
            // iamax
            let want = (0..n).fold(None::<usize>, |best, i| match best {
                Some(b) if x[b].abs() >= x[i].abs() => Some(b),
                _ => Some(i),
            });
            assert_eq!(OpenBlas::iamax(vx.view()), want, "iamax n={n} sx={sx}");
        }
    }
}
both!(blas1, blas1_values);

fn blas1_edge<T: Scalar>() {
    // Zero-stride (broadcast) inputs.
    let one = [t::<T>(2.0)];
    let bc = VecRef::from_parts(&one, 0, 5, 0).unwrap();
    let y: Vec<T> = (0..5).map(|i| t::<T>(i as f64)).collect();
    assert_eq!(OpenBlas::dot(bc, VecRef::from(&y)).unwrap(), t::<T>(20.0));
    let mut z = vec![T::ZERO; 5];
    OpenBlas::copy(bc, (&mut z).into()).unwrap();
    assert_eq!(z, vec![t::<T>(2.0); 5]);
    OpenBlas::axpy(T::ONE, bc, (&mut z).into()).unwrap();
    assert_eq!(z, vec![t::<T>(4.0); 5]);
    assert_eq!(OpenBlas::nrm2(bc), t::<T>(20f64.sqrt()));
    assert_eq!(OpenBlas::asum(bc), t::<T>(10.0));
    assert_eq!(OpenBlas::iamax(bc), Some(0));

    // nrm2 neither overflows nor underflows.
    let big = T::MAX / t::<T>(2.0);
    let v = [big, big, big];
    let want = big.to_f64() * 3f64.sqrt();
    let got = OpenBlas::nrm2(VecRef::from(&v)).to_f64();
    assert!(
        (got - want).abs() <= 1e-5 * want,
        "nrm2 overflow: {got} vs {want}"
    );
    let tiny = T::MIN_POSITIVE * t::<T>(4.0);
    let v = [tiny, tiny, tiny, tiny];
    let got = OpenBlas::nrm2(VecRef::from(&v)).to_f64();
    let want = tiny.to_f64() * 2.0;
    assert!(
        (got - want).abs() <= 1e-5 * want,
        "nrm2 underflow: {got} vs {want}"
    );
    // NaN and infinity propagate.
    let v = [T::ONE, T::NAN, T::ONE];
    assert!(OpenBlas::nrm2(VecRef::from(&v)).is_nan());
    assert!(OpenBlas::asum(VecRef::from(&v)).is_nan());
    let v = [T::ONE, T::INFINITY, T::ONE];
    assert_eq!(OpenBlas::nrm2(VecRef::from(&v)), T::INFINITY);

    // iamax: NaN wins (first NaN), ties go to the first index, empty is None.
    let v = [T::ONE, -t::<T>(3.0), t::<T>(3.0), T::NAN, T::NAN];
    assert_eq!(OpenBlas::iamax(VecRef::from(&v)), Some(3));
    let v = [T::NAN, t::<T>(5.0)];
    assert_eq!(OpenBlas::iamax(VecRef::from(&v)), Some(0));
    let v = [T::ONE, -t::<T>(3.0), t::<T>(3.0), T::ONE];
    assert_eq!(OpenBlas::iamax(VecRef::from(&v)), Some(1));
    assert_eq!(OpenBlas::iamax(VecRef::from(&v).reverse()), Some(1));
    let v = [T::ONE, T::INFINITY, T::NAN];
    assert_eq!(OpenBlas::iamax(VecRef::from(&v).reverse()), Some(0));
    let many: Vec<T> = (0..1000).map(|i| t::<T>((i % 17) as f64)).collect();
    assert_eq!(OpenBlas::iamax(VecRef::from(&many)), Some(16));
    assert_eq!(OpenBlas::iamax(VecRef::<T>::from(&[] as &[T])), None);

    // scal by zero follows IEEE (NaN stays NaN), as does axpy with alpha 0.
    let mut v = vec![T::ONE, T::NAN, T::INFINITY];
    OpenBlas::scal(T::ZERO, (&mut v).into());
    assert!(v[0] == T::ZERO && v[1].is_nan() && v[2].is_nan());
    let x = [T::NAN, T::ONE];
    let mut y = vec![T::ONE, T::ONE];
    OpenBlas::axpy(T::ZERO, VecRef::from(&x), (&mut y).into()).unwrap();
    assert!(y[0].is_nan() && y[1] == T::ONE);

    // Length mismatches.
    let (a, b) = (vec![T::ONE; 3], vec![T::ONE; 4]);
    let mut c = vec![T::ONE; 4];
    let mismatch = |r: Result<(), Error>| matches!(r, Err(Error::DimensionMismatch { .. }));
    assert!(matches!(
        OpenBlas::dot(VecRef::from(&a), VecRef::from(&b)),
        Err(Error::DimensionMismatch { op: Op::Dot, .. })
    ));
    assert!(mismatch(OpenBlas::axpy(
        T::ONE,
        VecRef::from(&a),
        (&mut c).into()
    )));
    assert!(mismatch(OpenBlas::copy(VecRef::from(&a), (&mut c).into())));
    let mut a2 = a.clone();
    assert!(mismatch(OpenBlas::swap((&mut a2).into(), (&mut c).into())));
    assert!(mismatch(OpenBlas::add(
        VecRef::from(&a),
        VecRef::from(&b),
        (&mut c).into()
    )));
    assert!(mismatch(OpenBlas::sub(
        VecRef::from(&b),
        VecRef::from(&b),
        (&mut a2).into()
    )));
    assert!(mismatch(OpenBlas::hadamard(
        VecRef::from(&a),
        VecRef::from(&b),
        (&mut c).into()
    )));
    assert!(matches!(
        OpenBlas::distance(Distance::Euclidean, VecRef::from(&a), VecRef::from(&b)),
        Err(Error::DimensionMismatch { .. })
    ));
}
both!(blas1_edge_cases, blas1_edge);

fn distances<T: Scalar>() {
    let mut rng = Rng::new(2);
    let metrics = [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Cosine,
        Distance::Manhattan,
    ];
    let naive = |metric: Distance, x: &[f64], y: &[f64]| -> f64 {
        let d2: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
        match metric {
            Distance::Euclidean => d2.sqrt(),
            Distance::SquaredEuclidean => d2,
            Distance::Manhattan => x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum(),
            _ => {
                let dot: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
                let nx = x.iter().map(|a| a * a).sum::<f64>().sqrt();
                let ny = y.iter().map(|a| a * a).sum::<f64>().sqrt();
                1.0 - dot / (nx * ny)
            }
        }
    };
    for n in [1usize, 5, 40] {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        let (x64, y64): (Vec<f64>, Vec<f64>) = (
            x.iter().map(|v| v.to_f64()).collect(),
            y.iter().map(|v| v.to_f64()).collect(),
        );
        for metric in metrics {
            let (vx, vy) = (StoredVec::new(&x, 3), StoredVec::new(&y, -1));
            let got = OpenBlas::distance(metric, vx.view(), vy.view()).unwrap();
            let want = naive(metric, &x64, &y64);
            assert!(
                close(got, want, 4.0, n),
                "{metric:?} n={n}: {got} vs {want}"
            );
        }
    }
    // Cosine of a zero vector is an error; the others are zero.
    let z = vec![T::ZERO; 3];
    let o = vec![T::ONE; 3];
    assert!(matches!(
        OpenBlas::distance(Distance::Cosine, VecRef::from(&z), VecRef::from(&o)),
        Err(Error::InvalidArgument {
            op: Op::Distance,
            ..
        })
    ));
    assert_eq!(
        OpenBlas::distance(Distance::Euclidean, VecRef::from(&o), VecRef::from(&o)).unwrap(),
        T::ZERO
    );

    // Pairwise, every layout of x, y and out.
    for (m, n, d) in [(5usize, 7usize, 3usize), (1, 1, 1), (4, 3, 20), (3, 2, 0)] {
        let (x, y) = (rng.mat::<T>(m, d), rng.mat::<T>(n, d));
        for metric in metrics {
            if metric == Distance::Cosine && d == 0 {
                continue;
            }
            let want = Mat::from_fn(m, n, |i, j| {
                let xi: Vec<f64> = x.row(i).iter().map(|v| v.to_f64()).collect();
                let yj: Vec<f64> = y.row(j).iter().map(|v| v.to_f64()).collect();
                naive(metric, &xi, &yj)
            });
            for (k, lx) in LAYOUTS.iter().enumerate() {
                let ly = LAYOUTS[(k + 1) % 4];
                let lo = LAYOUTS[(k + 2) % 4];
                let (sx, sy) = (Stored::new(&x, *lx), Stored::new(&y, ly));
                let mut out = Stored::new(&Mat::<T>::filled(m, n, T::NAN), lo);
                OpenBlas::pairwise_distances(metric, sx.view(), sy.view(), out.view_mut()).unwrap();
                // The Gram-matrix identity loses about sqrt(eps) absolutely
                // on Euclidean distances; squared ones stay at eps scale.
                let tol = Mat::from_fn(m, n, |_, _| match metric {
                    Distance::Euclidean => 8.0 * (d as f64 + 2.0) * eps::<T>().sqrt(),
                    _ => 16.0 * (d as f64 + 2.0) * eps::<T>() * 4.0,
                });
                assert_close(
                    out.view(),
                    &want,
                    &tol,
                    &format!("pairwise {metric:?} {m}x{n}x{d}"),
                );
                assert_eq!(out.padding_touched(), 0);
            }
        }
    }
    // A point's distance to itself is exactly zero (no cancellation noise).
    let x = rng.mat::<T>(4, 16);
    let mut out = Mat::<T>::zeros(4, 4);
    OpenBlas::pairwise_distances(Distance::Euclidean, x.as_ref(), x.as_ref(), out.as_mut())
        .unwrap();
    for i in 0..4 {
        assert_eq!(out[(i, i)], T::ZERO, "self distance");
    }
    // Errors: column mismatch, output shape, zero row for cosine.
    let (x, y) = (rng.mat::<T>(3, 2), rng.mat::<T>(4, 3));
    let mut out = Mat::<T>::zeros(3, 4);
    assert!(matches!(
        OpenBlas::pairwise_distances(Distance::Euclidean, x.as_ref(), y.as_ref(), out.as_mut()),
        Err(Error::DimensionMismatch {
            op: Op::PairwiseDistances,
            ..
        })
    ));
    let y = rng.mat::<T>(4, 2);
    let mut bad = Mat::<T>::zeros(4, 3);
    assert!(matches!(
        OpenBlas::pairwise_distances(Distance::Euclidean, x.as_ref(), y.as_ref(), bad.as_mut()),
        Err(Error::DimensionMismatch { .. })
    ));
    let mut yz = y.clone();
    yz.row_mut(2).fill(T::ZERO);
    assert!(matches!(
        OpenBlas::pairwise_distances(Distance::Cosine, x.as_ref(), yz.as_ref(), out.as_mut()),
        Err(Error::InvalidArgument { .. })
    ));
    // NaN propagates through the clamp.
    let mut xn = x.clone();
    xn[(1, 0)] = T::NAN;
    OpenBlas::pairwise_distances(
        Distance::SquaredEuclidean,
        xn.as_ref(),
        y.as_ref(),
        out.as_mut(),
    )
    .unwrap();
    assert!((0..4).all(|j| out[(1, j)].is_nan()) && !out[(0, 0)].is_nan());
}
both!(distance, distances);

// ---------------------------------------------------------------- BLAS 2

fn blas2<T: Scalar>() {
    let mut rng = Rng::new(3);
    for (m, n) in [
        (0usize, 0usize),
        (0, 3),
        (3, 0),
        (1, 1),
        (5, 3),
        (3, 5),
        (17, 9),
    ] {
        let a = rng.mat::<T>(m, n);
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(m));
        let (alpha, beta) = (t::<T>(1.5), t::<T>(-0.5));
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            for (sx, sy) in [(1, 1), (3, -2), (-2, 3)] {
                // gemv: y = alpha A x + beta y
                let vx = StoredVec::new(&x, sx);
                let mut vy = StoredVec::new(&y, sy);
                OpenBlas::gemv(alpha, sa.view(), vx.view(), beta, vy.view_mut()).unwrap();
                for (i, g) in vy.to_vec().into_iter().enumerate() {
                    let want: f64 = alpha.to_f64()
                        * (0..n)
                            .map(|j| a[(i, j)].to_f64() * x[j].to_f64())
                            .sum::<f64>()
                        + beta.to_f64() * y[i].to_f64();
                    assert!(
                        close(g, want, 4.0 * n as f64 + 1.0, n),
                        "gemv {m}x{n} {la:?}"
                    );
                }
                // gemv with A^T
                let vy2 = StoredVec::new(&y, sx);
                let mut vx2 = StoredVec::new(&x, sy);
                OpenBlas::gemv(alpha, sa.view().t(), vy2.view(), T::ZERO, vx2.view_mut()).unwrap();
                for (j, g) in vx2.to_vec().into_iter().enumerate() {
                    let want: f64 = alpha.to_f64()
                        * (0..m)
                            .map(|i| a[(i, j)].to_f64() * y[i].to_f64())
                            .sum::<f64>();
                    assert!(
                        close(g, want, 4.0 * m as f64 + 1.0, m),
                        "gemv^T {m}x{n} {la:?}"
                    );
                }
                // ger: A += alpha y x^T
                let mut sg = Stored::new(&a, la);
                let (vy, vx) = (StoredVec::new(&y, sx), StoredVec::new(&x, sy));
                OpenBlas::ger(alpha, vy.view(), vx.view(), sg.view_mut()).unwrap();
                let want = Mat::from_fn(m, n, |i, j| {
                    a[(i, j)].to_f64() + alpha.to_f64() * y[i].to_f64() * x[j].to_f64()
                });
                let tol = Mat::from_fn(m, n, |_, _| 8.0 * eps::<T>() * 4.0);
                assert_close(sg.view(), &want, &tol, "ger");
                assert_eq!(sg.padding_touched(), 0);
            }
        }
    }
    // beta == 0: y is not read, NaN does not leak.
    let a = rng.mat::<T>(3, 2);
    let x = rng.vec::<T>(2);
    let mut y = vec![T::NAN; 3];
    OpenBlas::gemv(
        T::ONE,
        a.as_ref(),
        VecRef::from(&x),
        T::ZERO,
        (&mut y).into(),
    )
    .unwrap();
    assert!(y.iter().all(|v| v.is_finite()));
    // Errors.
    let mut y4 = vec![T::ZERO; 4];
    assert!(matches!(
        OpenBlas::gemv(
            T::ONE,
            a.as_ref(),
            VecRef::from(&x),
            T::ZERO,
            (&mut y4).into()
        ),
        Err(Error::DimensionMismatch { op: Op::Gemv, .. })
    ));
    let mut y3 = vec![T::ZERO; 3];
    assert!(matches!(
        OpenBlas::gemv(
            T::ONE,
            a.as_ref(),
            VecRef::from(&y3.clone()),
            T::ZERO,
            (&mut y3).into()
        ),
        Err(Error::DimensionMismatch { .. })
    ));
    let mut g = a.clone();
    assert!(matches!(
        OpenBlas::ger(T::ONE, VecRef::from(&x), VecRef::from(&x), g.as_mut()),
        Err(Error::DimensionMismatch { op: Op::Ger, .. })
    ));
}
both!(blas2_general, blas2);

fn tri<T: Scalar>(n: usize, rng: &mut Rng) -> Mat<T> {
    // Well-conditioned triangular factors: a dominant diagonal.
    Mat::from_fn(n, n, |i, j| {
        let v = rng.uniform();
        if i == j {
            T::from_f64(2.0 + v.abs())
        } else {
            T::from_f64(v * 0.5)
        }
    })
}

/// The triangle `uplo` of `a` (with a unit diagonal for `Diag::Unit`), in f64.
fn triangle<T: Scalar>(a: &Mat<T>, uplo: Uplo, diag: Diag) -> Mat<f64> {
    Mat::from_fn(a.rows(), a.cols(), |i, j| {
        let inside = match uplo {
            Uplo::Lower => i >= j,
            Uplo::Upper => i <= j,
        };
        if i == j && diag == Diag::Unit {
            1.0
        } else if inside {
            a[(i, j)].to_f64()
        } else {
            0.0
        }
    })
}

fn symmetric<T: Scalar>(a: &Mat<T>, uplo: Uplo) -> Mat<T> {
    Mat::from_fn(a.rows(), a.cols(), |i, j| {
        let (p, q) = match uplo {
            Uplo::Lower => (i.max(j), i.min(j)),
            Uplo::Upper => (i.min(j), i.max(j)),
        };
        a[(p, q)]
    })
}

fn trsv_symv<T: Scalar>() {
    let mut rng = Rng::new(4);
    for n in [0usize, 1, 4, 13] {
        let a = tri::<T>(n, &mut rng);
        let b = rng.vec::<T>(n);
        for la in LAYOUTS {
            let sa = Stored::new(&a, la);
            for uplo in [Uplo::Lower, Uplo::Upper] {
                for diag in [Diag::NonUnit, Diag::Unit] {
                    for s in VSTRIDES {
                        let mut x = StoredVec::new(&b, s);
                        OpenBlas::trsv(uplo, diag, sa.view(), x.view_mut()).unwrap();
                        // Residual T x - b, relative to |T| |x| + |b|.
                        let tm = triangle(&a, uplo, diag);
                        let xs = x.to_vec();
                        for i in 0..n {
                            let (mut r, mut sc) = (-b[i].to_f64(), b[i].to_f64().abs());
                            for j in 0..n {
                                r += tm[(i, j)] * xs[j].to_f64();
                                sc += (tm[(i, j)] * xs[j].to_f64()).abs();
                            }
                            assert!(
                                r.abs() <= 8.0 * (n as f64 + 1.0) * eps::<T>() * sc,
                                "trsv {la:?} {uplo:?} {diag:?} n={n} stride {s}"
                            );
                        }
                    }
                }
                // symv reads only `uplo`: poison the other triangle.
                let mut poisoned = a.clone();
                for i in 0..n {
                    for j in 0..n {
                        let other = match uplo {
                            Uplo::Lower => j > i,
                            Uplo::Upper => j < i,
                        };
                        if other {
                            poisoned[(i, j)] = T::NAN;
                        }
                    }
                }
                let sp = Stored::new(&poisoned, la);
                let full = symmetric(&a, uplo);
                let y0 = rng.vec::<T>(n);
                let mut y = StoredVec::new(&y0, -3);
                let xv = StoredVec::new(&b, 2);
                OpenBlas::symv(
                    uplo,
                    t::<T>(2.0),
                    sp.view(),
                    xv.view(),
                    T::ONE,
                    y.view_mut(),
                )
                .unwrap();
                for (i, g) in y.to_vec().into_iter().enumerate() {
                    let want = 2.0
                        * (0..n)
                            .map(|j| full[(i, j)].to_f64() * b[j].to_f64())
                            .sum::<f64>()
                        + y0[i].to_f64();
                    assert!(
                        close(g, want, 4.0 * n as f64 + 1.0, n),
                        "symv {la:?} {uplo:?}"
                    );
                }
            }
        }
    }
    // Zero on the diagonal gives infinities (no error).
    let a = Mat::<T>::from_rows(&[[T::ZERO, T::ZERO], [T::ONE, T::ONE]]).unwrap();
    let mut x = vec![T::ONE, T::ONE];
    OpenBlas::trsv(Uplo::Lower, Diag::NonUnit, a.as_ref(), (&mut x).into()).unwrap();
    assert!(!x[0].is_finite());
    // Errors.
    let r = Mat::<T>::zeros(2, 3);
    let mut x2 = vec![T::ONE; 2];
    assert!(matches!(
        OpenBlas::trsv(Uplo::Lower, Diag::Unit, r.as_ref(), (&mut x2).into()),
        Err(Error::NotSquare { op: Op::Trsv, .. })
    ));
    let sq = Mat::<T>::identity(3);
    assert!(matches!(
        OpenBlas::trsv(Uplo::Lower, Diag::Unit, sq.as_ref(), (&mut x2).into()),
        Err(Error::DimensionMismatch { .. })
    ));
    let mut y3 = vec![T::ONE; 3];
    assert!(matches!(
        OpenBlas::symv(
            Uplo::Lower,
            T::ONE,
            sq.as_ref(),
            VecRef::from(&[T::ONE; 2]),
            T::ZERO,
            (&mut y3).into()
        ),
        Err(Error::DimensionMismatch { op: Op::Symv, .. })
    ));
}
both!(blas2_triangular_symmetric, trsv_symv);

// ---------------------------------------------------------------- BLAS 3

fn gemm_all_layouts<T: Scalar>() {
    let mut rng = Rng::new(5);
    for (m, n, k) in [
        (0usize, 2usize, 3usize),
        (2, 0, 3),
        (2, 3, 0),
        (1, 1, 1),
        (4, 5, 3),
        (9, 7, 12),
        (33, 17, 20),
    ] {
        let (a, b, c0) = (rng.mat::<T>(m, k), rng.mat::<T>(k, n), rng.mat::<T>(m, n));
        let (alpha, beta) = (t::<T>(0.75), t::<T>(-1.25));
        let mut want = matmul(a.as_ref(), b.as_ref());
        let scale = abs_matmul(a.as_ref(), b.as_ref());
        for i in 0..m {
            for j in 0..n {
                want[(i, j)] = alpha.to_f64() * want[(i, j)] + beta.to_f64() * c0[(i, j)].to_f64();
            }
        }
        let tol = Mat::from_fn(m, n, |i, j| {
            4.0 * (k as f64 + 2.0)
                * eps::<T>()
                * (scale[(i, j)] + c0[(i, j)].to_f64().abs() + 1e-30)
        });
        for la in LAYOUTS {
            for lb in LAYOUTS {
                for lc in LAYOUTS {
                    let (sa, sb) = (Stored::new(&a, la), Stored::new(&b, lb));
                    let mut sc = Stored::new(&c0, lc);
                    OpenBlas::gemm(alpha, sa.view(), sb.view(), beta, sc.view_mut()).unwrap();
                    assert_close(
                        sc.view(),
                        &want,
                        &tol,
                        &format!("gemm {m}x{n}x{k} {la:?} {lb:?} {lc:?}"),
                    );
                    assert_eq!(sc.padding_touched(), 0, "gemm wrote outside C");
                }
            }
            // Transposed operands through views: C^T = B^T A^T.
            let (sa, sb) = (Stored::new(&a, la), Stored::new(&b, la));
            let mut ct = Stored::new(&c0.transpose(), la);
            OpenBlas::gemm(alpha, sb.view().t(), sa.view().t(), beta, ct.view_mut()).unwrap();
            assert_close(ct.view().t(), &want, &tol, "gemm transposed");
        }
    }
    // beta == 0: NaN in C is not read.
    let (a, b) = (rng.mat::<T>(3, 4), rng.mat::<T>(4, 2));
    for lc in LAYOUTS {
        let mut c = Stored::new(&Mat::<T>::filled(3, 2, T::NAN), lc);
        OpenBlas::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.view_mut()).unwrap();
        assert!(
            c.to_mat().as_slice().iter().all(|v| v.is_finite()),
            "beta 0 {lc:?}"
        );
        // k == 0 with beta == 0 gives zeros.
        let mut c = Stored::new(&Mat::<T>::filled(3, 2, T::NAN), lc);
        OpenBlas::gemm(
            T::ONE,
            Mat::<T>::zeros(3, 0).as_ref(),
            Mat::<T>::zeros(0, 2).as_ref(),
            T::ZERO,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c.to_mat(), Mat::zeros(3, 2));
    }
    // NaN in A propagates.
    let mut an = a.clone();
    an[(0, 0)] = T::NAN;
    let mut c = Mat::<T>::zeros(3, 2);
    OpenBlas::gemm(T::ONE, an.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).unwrap();
    assert!(c[(0, 0)].is_nan() && c[(0, 1)].is_nan() && c[(1, 0)].is_finite());
    // Errors.
    let mut c = Mat::<T>::zeros(3, 2);
    assert!(matches!(
        OpenBlas::gemm(T::ONE, a.as_ref(), a.as_ref(), T::ZERO, c.as_mut()),
        Err(Error::DimensionMismatch { op: Op::Gemm, .. })
    ));
    let mut c = Mat::<T>::zeros(2, 2);
    assert!(matches!(
        OpenBlas::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()),
        Err(Error::DimensionMismatch { op: Op::Gemm, .. })
    ));
}
both!(gemm, gemm_all_layouts);

fn gemm_batched_default<T: Scalar>() {
    let mut rng = Rng::new(55);
    let a: Vec<Mat<T>> = (0..3).map(|_| rng.mat(4, 4)).collect();
    let b: Vec<Mat<T>> = (0..3).map(|_| rng.mat(4, 2)).collect();
    let mut c: Vec<Mat<T>> = (0..3).map(|_| Mat::zeros(4, 2)).collect();
    let ar: Vec<_> = a.iter().map(|m| m.as_ref()).collect();
    let br: Vec<_> = b.iter().map(|m| m.as_ref()).collect();
    let mut cm: Vec<_> = c.iter_mut().map(|m| m.as_mut()).collect();
    OpenBlas::gemm_batched(T::ONE, &ar, &br, T::ZERO, &mut cm).unwrap();
    drop(cm);
    for i in 0..3 {
        let want = matmul(a[i].as_ref(), b[i].as_ref());
        let tol = Mat::from_fn(4, 2, |_, _| 32.0 * eps::<T>());
        assert_close(c[i].as_ref(), &want, &tol, "batched");
    }
}
both!(gemm_batched, gemm_batched_default);

fn syrk_trsm_symm<T: Scalar>() {
    let mut rng = Rng::new(6);
    for (n, k) in [(0usize, 2usize), (3, 0), (1, 1), (5, 3), (12, 17)] {
        let a = rng.mat::<T>(n, k);
        let c0 = rng.mat::<T>(n, n);
        let aat = matmul(a.as_ref(), a.t());
        let scale = abs_matmul(a.as_ref(), a.t());
        for la in LAYOUTS {
            for lc in LAYOUTS {
                for uplo in [Uplo::Lower, Uplo::Upper] {
                    let sa = Stored::new(&a, la);
                    let mut sc = Stored::new(&c0, lc);
                    OpenBlas::syrk(uplo, t::<T>(2.0), sa.view(), t::<T>(0.5), sc.view_mut())
                        .unwrap();
                    let got = sc.to_mat();
                    for i in 0..n {
                        for j in 0..n {
                            let inside = if uplo == Uplo::Lower { i >= j } else { i <= j };
                            if inside {
                                let want = 2.0 * aat[(i, j)] + 0.5 * c0[(i, j)].to_f64();
                                let tol = 8.0
                                    * (k as f64 + 2.0)
                                    * eps::<T>()
                                    * (2.0 * scale[(i, j)] + 1.0);
                                assert!(
                                    (got[(i, j)].to_f64() - want).abs() <= tol,
                                    "syrk {la:?} {lc:?} {uplo:?}"
                                );
                            } else {
                                assert_eq!(
                                    got[(i, j)],
                                    c0[(i, j)],
                                    "syrk touched the other triangle"
                                );
                            }
                        }
                    }
                    assert_eq!(sc.padding_touched(), 0);
                }
            }
        }
    }
    // trsm, both sides, all layouts of A and B.
    for (m, n) in [(0usize, 3usize), (3, 0), (1, 1), (4, 6), (11, 5)] {
        let b0 = rng.mat::<T>(m, n);
        for side in [Side::Left, Side::Right] {
            let na = if side == Side::Left { m } else { n };
            let a = tri::<T>(na, &mut rng);
            for uplo in [Uplo::Lower, Uplo::Upper] {
                for diag in [Diag::NonUnit, Diag::Unit] {
                    let tm = triangle(&a, uplo, diag);
                    for la in LAYOUTS {
                        for lb in LAYOUTS {
                            let sa = Stored::new(&a, la);
                            let mut sb = Stored::new(&b0, lb);
                            let alpha = t::<T>(1.5);
                            OpenBlas::trsm(side, uplo, diag, alpha, sa.view(), sb.view_mut())
                                .unwrap();
                            let x = sb.to_mat();
                            let x64 = x.map(|v| v.to_f64());
                            let ax = if side == Side::Left {
                                tm_mul(&tm, &x64)
                            } else {
                                tm_mul(&x64, &tm)
                            };
                            for i in 0..m {
                                for j in 0..n {
                                    let want = 1.5 * b0[(i, j)].to_f64();
                                    assert!(
                                        (ax[(i, j)] - want).abs()
                                            <= 64.0
                                                * (na as f64 + 1.0)
                                                * eps::<T>()
                                                * (1.0
                                                    + x64
                                                        .as_slice()
                                                        .iter()
                                                        .fold(0.0f64, |s, v| s.max(v.abs()))),
                                        "trsm {side:?} {uplo:?} {diag:?} {la:?} {lb:?}"
                                    );
                                }
                            }
                            assert_eq!(sb.padding_touched(), 0);
                        }
                    }
                }
            }
            // symm with A read from one triangle only.
            let s = rng.sym::<T>(na);
            let c0 = rng.mat::<T>(m, n);
            for uplo in [Uplo::Lower, Uplo::Upper] {
                let mut poisoned = s.clone();
                for i in 0..na {
                    for j in 0..na {
                        if (uplo == Uplo::Lower && j > i) || (uplo == Uplo::Upper && j < i) {
                            poisoned[(i, j)] = T::NAN;
                        }
                    }
                }
                let prod = if side == Side::Left {
                    matmul(s.as_ref(), b0.as_ref())
                } else {
                    matmul(b0.as_ref(), s.as_ref())
                };
                let want = Mat::from_fn(m, n, |i, j| 2.0 * prod[(i, j)] - c0[(i, j)].to_f64());
                let tol = Mat::from_fn(m, n, |_, _| 16.0 * (na as f64 + 2.0) * eps::<T>() * 4.0);
                for la in LAYOUTS {
                    for lb in LAYOUTS {
                        let sa = Stored::new(&poisoned, la);
                        let sb = Stored::new(&b0, lb);
                        let mut sc = Stored::new(&c0, LAYOUTS[(la as usize + lb as usize) % 4]);
                        OpenBlas::symm(
                            side,
                            uplo,
                            t::<T>(2.0),
                            sa.view(),
                            sb.view(),
                            -T::ONE,
                            sc.view_mut(),
                        )
                        .unwrap();
                        assert_close(
                            sc.view(),
                            &want,
                            &tol,
                            &format!("symm {side:?} {uplo:?} {la:?} {lb:?}"),
                        );
                        assert_eq!(sc.padding_touched(), 0);
                    }
                }
            }
        }
    }
    // Errors.
    let a = rng.mat::<T>(3, 2);
    let mut c = Mat::<T>::zeros(2, 2);
    assert!(matches!(
        OpenBlas::syrk(Uplo::Lower, T::ONE, a.as_ref(), T::ZERO, c.as_mut()),
        Err(Error::DimensionMismatch { op: Op::Syrk, .. })
    ));
    let mut b = rng.mat::<T>(3, 2);
    assert!(matches!(
        OpenBlas::trsm(
            Side::Left,
            Uplo::Lower,
            Diag::Unit,
            T::ONE,
            a.as_ref(),
            b.as_mut()
        ),
        Err(Error::NotSquare { op: Op::Trsm, .. })
    ));
    let sq = Mat::<T>::identity(2);
    assert!(matches!(
        OpenBlas::trsm(
            Side::Left,
            Uplo::Lower,
            Diag::Unit,
            T::ONE,
            sq.as_ref(),
            b.as_mut()
        ),
        Err(Error::DimensionMismatch { op: Op::Trsm, .. })
    ));
    let mut c32 = Mat::<T>::zeros(3, 3);
    assert!(matches!(
        OpenBlas::symm(
            Side::Right,
            Uplo::Lower,
            T::ONE,
            sq.as_ref(),
            b.as_ref(),
            T::ZERO,
            c32.as_mut()
        ),
        Err(Error::DimensionMismatch { op: Op::Symm, .. })
    ));
}
both!(blas3_other, syrk_trsm_symm);

fn tm_mul(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols()).map(|k| a[(i, k)] * b[(k, j)]).sum()
    })
}

#[test]
fn threads_and_description() {
    let before = oxblas_openblas::num_threads();
    assert!(before >= 1);
    OpenBlas::set_num_threads(1);
    assert_eq!(OpenBlas::num_threads(), 1);
    OpenBlas::set_num_threads(before);
    let d = OpenBlas::description();
    assert!(d.contains("OpenBLAS"), "{d}");
    assert!(oxblas_openblas::config().contains("OpenBLAS"));
}

fn broadcast_inputs<T: Scalar>() {
    // A row repeated by a zero row stride, and an overlapping (Hankel) view:
    // BLAS cannot address either, so they are copied first.
    let row = [t::<T>(1.0), t::<T>(2.0), t::<T>(3.0)];
    let a = oxblas_core::MatRef::from_parts(&row, 0, 4, 3, 0, 1).unwrap();
    let data: Vec<T> = (0..6).map(|i| t::<T>(i as f64)).collect();
    let h = oxblas_core::MatRef::from_parts(&data, 0, 3, 3, 1, 1).unwrap();
    let mut c = Mat::<T>::zeros(4, 3);
    OpenBlas::gemm(T::ONE, a, h, T::ZERO, c.as_mut()).unwrap();
    let want = matmul(a, h);
    let tol = Mat::from_fn(4, 3, |_, _| 1e-3);
    assert_close(
        c.as_ref(),
        &want,
        &tol,
        "gemm with broadcast/overlapping inputs",
    );
    let x = [T::ONE; 3];
    let mut y = vec![T::ZERO; 4];
    OpenBlas::gemv(T::ONE, a, VecRef::from(&x), T::ZERO, (&mut y).into()).unwrap();
    assert_eq!(y, vec![t::<T>(6.0); 4]);
    let mut s = Mat::<T>::zeros(4, 4);
    OpenBlas::syrk(Uplo::Lower, T::ONE, a, T::ZERO, s.as_mut()).unwrap();
    assert_eq!(s[(3, 0)], t::<T>(14.0));
}
both!(broadcast_and_overlapping_inputs, broadcast_inputs);
