//! trsm, syrk, symm, batched gemm and pairwise distances of oxblas-simd,
//! checked against naive loops with residuals scaled by size and epsilon.

use oxblas_core::{Diag, Distance, Error, Mat, MatMut, MatRef, Op, Scalar, Side, Uplo};
use oxblas_simd::level3;

/// Deterministic pseudo-random numbers in [-1, 1).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    fn mat<T: Scalar>(&mut self, r: usize, c: usize) -> Mat<T> {
        Mat::from_fn(r, c, |_, _| T::from_f64(self.next()))
    }
}

fn naive<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<f64> {
    Mat::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols())
            .map(|p| a[(i, p)].to_f64() * b[(p, j)].to_f64())
            .sum()
    })
}

fn max_abs(m: &Mat<f64>) -> f64 {
    m.as_slice().iter().fold(0.0, |x, &y| x.max(y.abs()))
}

/// The triangle `uplo` of a well-conditioned matrix (dominant diagonal); the
/// other triangle is NaN, and so is the diagonal for `Diag::Unit`, to prove
/// they are never read.
fn triangle<T: Scalar>(n: usize, uplo: Uplo, diag: Diag, rng: &mut Lcg) -> (Mat<T>, Mat<f64>) {
    let mut stored = Mat::<T>::zeros(n, n);
    let mut exact = Mat::<f64>::zeros(n, n);
    for i in 0..n {
        for j in 0..n {
            let inside = match uplo {
                Uplo::Lower => j <= i,
                Uplo::Upper => j >= i,
            };
            let v = if i == j {
                2.0 + rng.next().abs()
            } else {
                rng.next() / n as f64
            };
            if i == j && diag == Diag::Unit {
                stored[(i, j)] = T::NAN;
                exact[(i, j)] = 1.0;
            } else if inside {
                stored[(i, j)] = T::from_f64(v);
                exact[(i, j)] = T::from_f64(v).to_f64();
            } else {
                stored[(i, j)] = T::NAN;
            }
        }
    }
    (stored, exact)
}

fn trsm_case<T: Scalar>(side: Side, uplo: Uplo, diag: Diag, m: usize, n: usize, col_major_b: bool) {
    let mut rng = Lcg((m * 31 + n) as u64);
    let order = if side == Side::Left { m } else { n };
    let (a, a_exact) = triangle::<T>(order, uplo, diag, &mut rng);
    let b0 = rng.mat::<T>(m, n);
    let alpha = T::from_f64(-1.5);
    // B in the requested layout.
    let mut buf: Vec<T> = if col_major_b {
        b0.transpose().into_vec()
    } else {
        b0.as_slice().to_vec()
    };
    {
        let bv = if col_major_b {
            MatMut::from_slice_col_major(&mut buf, m, n).unwrap()
        } else {
            MatMut::from_slice(&mut buf, m, n).unwrap()
        };
        level3::trsm(side, uplo, diag, alpha, a.as_ref(), bv).unwrap();
    }
    let x = if col_major_b {
        MatRef::from_slice_col_major(&buf, m, n).unwrap().to_owned()
    } else {
        Mat::from_vec(m, n, buf).unwrap()
    };
    let xf = x.map(|v| v.to_f64());
    let prod = match side {
        Side::Left => naive(a_exact.as_ref(), xf.as_ref()),
        Side::Right => naive(xf.as_ref(), a_exact.as_ref()),
    };
    let eps = T::EPSILON.to_f64();
    let scale = max_abs(&a_exact) * max_abs(&xf) * order as f64 + 1.0;
    for i in 0..m {
        for j in 0..n {
            let want = alpha.to_f64() * b0[(i, j)].to_f64();
            let r = (prod[(i, j)] - want).abs() / (order as f64 * eps * scale);
            assert!(
                r <= 30.0,
                "{} trsm {side:?} {uplo:?} {diag:?} {m}x{n} at ({i},{j}): residual ratio {r}",
                T::DTYPE
            );
        }
    }
}

fn trsm_all<T: Scalar>() {
    for side in [Side::Left, Side::Right] {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for diag in [Diag::NonUnit, Diag::Unit] {
                for &(m, n) in &[
                    (1, 1),
                    (5, 3),
                    (16, 16),
                    (17, 4),
                    (40, 33),
                    (100, 7),
                    (7, 100),
                    // Left: packed solves of 128 and fewer rows under the
                    // recursion (upper triangles reversed into lower ones),
                    // the columns split over threads.
                    (129, 9),
                    (300, 200),
                    (64, 64),
                    (128, 40),
                ] {
                    trsm_case::<T>(side, uplo, diag, m, n, false);
                    trsm_case::<T>(side, uplo, diag, m, n, true);
                }
            }
        }
    }
}

#[test]
fn trsm_every_side_uplo_diag_f64() {
    trsm_all::<f64>();
}

#[test]
fn trsm_every_side_uplo_diag_f32() {
    trsm_all::<f32>();
}

/// A left-side solve large enough to cut the columns of B over threads
/// gives, bit for bit, the one-thread result (each column is computed by
/// the same operations whatever the cut), for both triangles and layouts.
#[test]
fn trsm_left_result_does_not_depend_on_the_thread_count() {
    let (m, n) = (200, 150);
    for uplo in [Uplo::Lower, Uplo::Upper] {
        let mut rng = Lcg(77 + m as u64);
        let (a, _) = triangle::<f64>(m, uplo, Diag::NonUnit, &mut rng);
        let b0 = rng.mat::<f64>(m, n);
        for col_major in [false, true] {
            let run = |threads: usize| -> Vec<f64> {
                let mut buf: Vec<f64> = if col_major {
                    b0.transpose().into_vec()
                } else {
                    b0.as_slice().to_vec()
                };
                let bv = if col_major {
                    MatMut::from_slice_col_major(&mut buf, m, n).unwrap()
                } else {
                    MatMut::from_slice(&mut buf, m, n).unwrap()
                };
                // One thread: a call from inside a rayon worker stays on
                // its thread (this leaves the global thread count, which
                // the other tests share, alone).
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .unwrap();
                if threads == 1 {
                    pool.install(|| {
                        level3::trsm(Side::Left, uplo, Diag::NonUnit, 1.0, a.as_ref(), bv)
                    })
                    .unwrap();
                } else {
                    level3::trsm(Side::Left, uplo, Diag::NonUnit, 1.0, a.as_ref(), bv).unwrap();
                }
                buf
            };
            let (x1, xn) = (run(1), run(oxblas_simd::num_threads()));
            assert!(
                x1.iter().zip(&xn).all(|(p, q)| p.to_bits() == q.to_bits()),
                "{uplo:?} col_major {col_major}: differs from one thread"
            );
        }
    }
}

#[test]
fn trsm_alpha_zero_clears_b_and_errors_on_shapes() {
    let a = Mat::<f64>::identity(3);
    let mut b = Mat::<f64>::filled(3, 2, f64::NAN);
    level3::trsm(
        Side::Left,
        Uplo::Lower,
        Diag::NonUnit,
        0.0,
        a.as_ref(),
        b.as_mut(),
    )
    .unwrap();
    assert!(b.as_slice().iter().all(|&x| x == 0.0));
    let mut wrong = Mat::<f64>::zeros(4, 2);
    let e = level3::trsm(
        Side::Left,
        Uplo::Lower,
        Diag::NonUnit,
        1.0,
        a.as_ref(),
        wrong.as_mut(),
    );
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch { op: Op::Trsm, .. })
    ));
    let rect = Mat::<f64>::zeros(3, 4);
    let e = level3::trsm(
        Side::Right,
        Uplo::Lower,
        Diag::NonUnit,
        1.0,
        rect.as_ref(),
        b.as_mut(),
    );
    assert!(matches!(e, Err(Error::NotSquare { op: Op::Trsm, .. })));
}

#[test]
fn trsm_zero_diagonal_gives_infinity_not_error() {
    let a = Mat::<f64>::from_rows(&[[0.0, 0.0], [1.0, 1.0]]).unwrap();
    let mut b = Mat::<f64>::from_rows(&[[1.0], [1.0]]).unwrap();
    level3::trsm(
        Side::Left,
        Uplo::Lower,
        Diag::NonUnit,
        1.0,
        a.as_ref(),
        b.as_mut(),
    )
    .unwrap();
    assert_eq!(b[(0, 0)], f64::INFINITY);
}

fn syrk_case<T: Scalar>(
    uplo: Uplo,
    n: usize,
    k: usize,
    alpha: f64,
    beta: f64,
    nan_c: bool,
    col_major_c: bool,
) {
    let mut rng = Lcg((n * 7 + k) as u64);
    let a = rng.mat::<T>(n, k);
    let mut c = if nan_c {
        Mat::<T>::filled(n, n, T::NAN)
    } else {
        rng.mat::<T>(n, n)
    };
    let c0 = c.clone();
    let (alpha, beta) = (T::from_f64(alpha), T::from_f64(beta));
    if col_major_c {
        let mut buf = c.transpose().into_vec();
        let cv = MatMut::from_slice_col_major(&mut buf, n, n).unwrap();
        level3::syrk(uplo, alpha, a.as_ref(), beta, cv).unwrap();
        c = MatRef::from_slice_col_major(&buf, n, n).unwrap().to_owned();
    } else {
        level3::syrk(uplo, alpha, a.as_ref(), beta, c.as_mut()).unwrap();
    }
    let aat = naive(a.as_ref(), a.t());
    let eps = T::EPSILON.to_f64();
    for i in 0..n {
        for j in 0..n {
            let inside = match uplo {
                Uplo::Lower => j <= i,
                Uplo::Upper => j >= i,
            };
            if !inside {
                let same = c[(i, j)] == c0[(i, j)] || (c[(i, j)].is_nan() && c0[(i, j)].is_nan());
                assert!(
                    same,
                    "syrk wrote outside the {uplo:?} triangle at ({i},{j})"
                );
                continue;
            }
            let old = if beta == T::ZERO {
                0.0
            } else {
                beta.to_f64() * c0[(i, j)].to_f64()
            };
            let want = alpha.to_f64() * aat[(i, j)] + old;
            let bound = 4.0 * (k as f64 + 2.0) * eps * (alpha.to_f64().abs() * k as f64 + 2.0);
            let got = c[(i, j)].to_f64();
            assert!(
                (got - want).abs() <= bound,
                "{} syrk {uplo:?} n={n} k={k} at ({i},{j}): got {got} want {want}",
                T::DTYPE
            );
        }
    }
}

fn syrk_all<T: Scalar>() {
    for uplo in [Uplo::Lower, Uplo::Upper] {
        // 300 x 40 is above the threading threshold (off-diagonal gemm plus
        // two diagonal halves side by side).
        for &(n, k) in &[
            (1, 1),
            (7, 3),
            (96, 20),
            (97, 50),
            (200, 31),
            (5, 0),
            (300, 40),
        ] {
            for col_major in [false, true] {
                syrk_case::<T>(uplo, n, k, 1.0, 0.0, true, col_major);
                syrk_case::<T>(uplo, n, k, -2.5, 1.0, false, col_major);
                syrk_case::<T>(uplo, n, k, 0.0, 2.5, false, col_major);
            }
        }
    }
}

#[test]
fn syrk_writes_only_its_triangle_f64() {
    syrk_all::<f64>();
}

#[test]
fn syrk_writes_only_its_triangle_f32() {
    syrk_all::<f32>();
}

#[test]
fn syrk_shape_error() {
    let a = Mat::<f32>::zeros(3, 2);
    let mut c = Mat::<f32>::zeros(2, 2);
    let e = level3::syrk(Uplo::Lower, 1.0, a.as_ref(), 0.0, c.as_mut());
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch { op: Op::Syrk, .. })
    ));
}

fn symm_case<T: Scalar>(side: Side, uplo: Uplo, m: usize, n: usize) {
    let mut rng = Lcg((m * 13 + n) as u64);
    let order = if side == Side::Left { m } else { n };
    let full = {
        let r = rng.mat::<T>(order, order);
        Mat::from_fn(order, order, |i, j| r[(i.max(j), i.min(j))])
    };
    // Only the `uplo` triangle is stored; the other holds NaN.
    let stored = Mat::from_fn(order, order, |i, j| {
        let inside = match uplo {
            Uplo::Lower => j <= i,
            Uplo::Upper => j >= i,
        };
        if inside {
            full[(i, j)]
        } else {
            T::NAN
        }
    });
    let b = rng.mat::<T>(m, n);
    let mut c = rng.mat::<T>(m, n);
    let c0 = c.clone();
    let (alpha, beta) = (T::from_f64(1.5), T::from_f64(-0.5));
    level3::symm(
        side,
        uplo,
        alpha,
        stored.as_ref(),
        b.as_ref(),
        beta,
        c.as_mut(),
    )
    .unwrap();
    let prod = match side {
        Side::Left => naive(full.as_ref(), b.as_ref()),
        Side::Right => naive(b.as_ref(), full.as_ref()),
    };
    let eps = T::EPSILON.to_f64();
    for i in 0..m {
        for j in 0..n {
            let want = 1.5 * prod[(i, j)] - 0.5 * c0[(i, j)].to_f64();
            let got = c[(i, j)].to_f64();
            let bound = 8.0 * (order as f64 + 2.0) * eps * (order as f64 + 1.0);
            assert!(
                (got - want).abs() <= bound,
                "symm {side:?} {uplo:?} {m}x{n} at ({i},{j})"
            );
        }
    }
}

#[test]
fn symm_every_side_and_uplo() {
    for side in [Side::Left, Side::Right] {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for &(m, n) in &[(1, 1), (4, 9), (33, 17), (70, 70)] {
                symm_case::<f64>(side, uplo, m, n);
                symm_case::<f32>(side, uplo, m, n);
            }
        }
    }
}

#[test]
fn symm_shape_errors() {
    let a = Mat::<f64>::zeros(3, 3);
    let b = Mat::<f64>::zeros(3, 2);
    let mut c = Mat::<f64>::zeros(2, 3);
    let e = level3::symm(
        Side::Left,
        Uplo::Lower,
        1.0,
        a.as_ref(),
        b.as_ref(),
        0.0,
        c.as_mut(),
    );
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch { op: Op::Symm, .. })
    ));
    let e = level3::symm(
        Side::Right,
        Uplo::Lower,
        1.0,
        a.as_ref(),
        b.as_ref(),
        0.0,
        c.as_mut(),
    );
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch { op: Op::Symm, .. })
    ));
}

#[test]
fn gemm_batched_matches_single_products() {
    let mut rng = Lcg(5);
    let shapes = [(8, 8, 8), (3, 5, 2), (40, 30, 20), (1, 1, 1)];
    let a: Vec<Mat<f64>> = shapes.iter().map(|&(m, _, k)| rng.mat(m, k)).collect();
    let b: Vec<Mat<f64>> = shapes.iter().map(|&(_, n, k)| rng.mat(k, n)).collect();
    let mut c: Vec<Mat<f64>> = shapes
        .iter()
        .map(|&(m, n, _)| Mat::filled(m, n, f64::NAN))
        .collect();
    let av: Vec<MatRef<'_, f64>> = a.iter().map(|x| x.as_ref()).collect();
    let bv: Vec<MatRef<'_, f64>> = b.iter().map(|x| x.as_ref()).collect();
    let mut cv: Vec<MatMut<'_, f64>> = c.iter_mut().map(|x| x.as_mut()).collect();
    level3::gemm_batched(2.0, &av, &bv, 0.0, &mut cv).unwrap();
    drop(cv);
    for (i, &(_, _, k)) in shapes.iter().enumerate() {
        let want = naive(a[i].as_ref(), b[i].as_ref());
        for (g, w) in c[i].as_slice().iter().zip(want.as_slice()) {
            assert!((g - 2.0 * w).abs() <= 8.0 * (k as f64 + 2.0) * f64::EPSILON * k as f64);
        }
    }
}

#[test]
fn gemm_batched_checks_every_shape_before_writing() {
    let a = [Mat::<f32>::zeros(2, 2), Mat::<f32>::zeros(2, 3)];
    let b = [Mat::<f32>::identity(2), Mat::<f32>::zeros(2, 2)];
    let mut c = [Mat::<f32>::filled(2, 2, 7.0), Mat::<f32>::filled(2, 2, 7.0)];
    let av: Vec<_> = a.iter().map(|x| x.as_ref()).collect();
    let bv: Vec<_> = b.iter().map(|x| x.as_ref()).collect();
    let mut cv: Vec<_> = c.iter_mut().map(|x| x.as_mut()).collect();
    let e = level3::gemm_batched(1.0, &av, &bv, 0.0, &mut cv);
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch {
            op: Op::GemmBatched,
            ..
        })
    ));
    drop(cv);
    assert!(
        c[0].as_slice().iter().all(|&x| x == 7.0),
        "first product written"
    );
    let mut cv: Vec<_> = c.iter_mut().take(1).map(|x| x.as_mut()).collect();
    let e = level3::gemm_batched(1.0, &av, &bv, 0.0, &mut cv);
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch {
            op: Op::GemmBatched,
            ..
        })
    ));
}

#[test]
fn gemm_batched_large_batch_uses_threads_correctly() {
    let mut rng = Lcg(9);
    let count = 300;
    let a: Vec<Mat<f64>> = (0..count).map(|_| rng.mat(24, 24)).collect();
    let b: Vec<Mat<f64>> = (0..count).map(|_| rng.mat(24, 24)).collect();
    let mut c: Vec<Mat<f64>> = (0..count).map(|_| Mat::zeros(24, 24)).collect();
    let av: Vec<_> = a.iter().map(|x| x.as_ref()).collect();
    let bv: Vec<_> = b.iter().map(|x| x.as_ref()).collect();
    let mut cv: Vec<_> = c.iter_mut().map(|x| x.as_mut()).collect();
    level3::gemm_batched(1.0, &av, &bv, 0.0, &mut cv).unwrap();
    drop(cv);
    for i in [0, 150, 299] {
        let want = naive(a[i].as_ref(), b[i].as_ref());
        for (g, w) in c[i].as_slice().iter().zip(want.as_slice()) {
            assert!((g - w).abs() <= 8.0 * 26.0 * f64::EPSILON * 24.0);
        }
    }
}

fn naive_distance(metric: Distance, x: &[f64], y: &[f64]) -> f64 {
    let sq: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    match metric {
        Distance::Euclidean => sq.sqrt(),
        Distance::SquaredEuclidean => sq,
        Distance::Manhattan => x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum(),
        Distance::Cosine => {
            let d: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
            let nx: f64 = x.iter().map(|a| a * a).sum::<f64>().sqrt();
            let ny: f64 = y.iter().map(|a| a * a).sum::<f64>().sqrt();
            1.0 - d / (nx * ny)
        }
    }
}

#[test]
fn pairwise_distances_every_metric() {
    let mut rng = Lcg(11);
    let x = rng.mat::<f64>(13, 5);
    let y = rng.mat::<f64>(9, 5);
    for metric in [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Cosine,
        Distance::Manhattan,
    ] {
        let mut out = Mat::<f64>::filled(13, 9, f64::NAN);
        level3::pairwise_distances(metric, x.as_ref(), y.as_ref(), out.as_mut()).unwrap();
        for i in 0..13 {
            for j in 0..9 {
                let want = naive_distance(metric, x.row(i), y.row(j));
                let err = (out[(i, j)] - want).abs();
                // sqrt of a cancelled difference loses half the digits.
                let tol = if metric == Distance::Euclidean {
                    1e-7
                } else {
                    64.0 * f64::EPSILON * 5.0
                };
                assert!(
                    err <= tol,
                    "{metric:?} at ({i},{j}): {} vs {want}",
                    out[(i, j)]
                );
            }
        }
    }
}

#[test]
fn pairwise_distance_to_itself_is_exactly_zero_not_negative() {
    let mut rng = Lcg(12);
    let x = rng.mat::<f32>(20, 7);
    let mut out = Mat::<f32>::zeros(20, 20);
    level3::pairwise_distances(
        Distance::SquaredEuclidean,
        x.as_ref(),
        x.as_ref(),
        out.as_mut(),
    )
    .unwrap();
    for i in 0..20 {
        assert!(out[(i, i)] >= 0.0 && out[(i, i)] <= 1e-5);
        for j in 0..20 {
            assert!(out[(i, j)] >= 0.0);
        }
    }
}

#[test]
fn pairwise_distance_errors() {
    let x = Mat::<f64>::from_rows(&[[1.0, 0.0], [0.0, 0.0]]).unwrap();
    let y = Mat::<f64>::from_rows(&[[1.0, 1.0]]).unwrap();
    let mut out = Mat::<f64>::filled(2, 1, 5.0);
    let e = level3::pairwise_distances(Distance::Cosine, x.as_ref(), y.as_ref(), out.as_mut());
    assert!(matches!(
        e,
        Err(Error::InvalidArgument {
            op: Op::PairwiseDistances,
            ..
        })
    ));
    assert!(
        out.as_slice().iter().all(|&v| v == 5.0),
        "out written before the error"
    );
    let mut bad = Mat::<f64>::zeros(2, 2);
    let e = level3::pairwise_distances(Distance::Euclidean, x.as_ref(), y.as_ref(), bad.as_mut());
    assert!(matches!(e, Err(Error::DimensionMismatch { .. })));
    let z = Mat::<f64>::zeros(1, 3);
    let e = level3::pairwise_distances(Distance::Euclidean, x.as_ref(), z.as_ref(), out.as_mut());
    assert!(matches!(e, Err(Error::DimensionMismatch { .. })));
}
