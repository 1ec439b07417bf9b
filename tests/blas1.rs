//! BLAS level 1 and element-wise vector operations, against naive `f64` oracles.

use oxblas_core::{Backend, Distance, Error, MatRef, Op, Scalar, VecRef};
use oxblas_suite::naive::{self, from_f64, vec_f64, vec_from_f64};
use oxblas_suite::{assert_close_scalar, eps, gen, Rng, StoredVec, BLAS_TOL, VEC_STRIDES};

const SIZES: [usize; 9] = [0, 1, 2, 3, 7, 16, 33, 100, 1000];

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

fn dot_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(1);
    for n in SIZES {
        for (sx, sy) in [(1, 1), (3, 1), (1, -1), (-2, 3)] {
            let (x, y) = (gen::random_vec(&mut rng, n), gen::random_vec(&mut rng, n));
            let (xs, ys) = (
                StoredVec::new(&vec_from_f64::<T>(&x), sx),
                StoredVec::new(&vec_from_f64::<T>(&y), sy),
            );
            let (xf, yf) = (vec_f64(xs.view()), vec_f64(ys.view()));
            let got = B::dot(xs.view(), ys.view()).unwrap();
            let scale: f64 = xf.iter().zip(&yf).map(|(a, b)| (a * b).abs()).sum();
            let what = format!("{} dot n={n} strides=({sx},{sy})", ctx::<B, T>());
            assert_close_scalar(&what, got, naive::dot(&xf, &yf), scale, n);
        }
    }
}

fn dot_zero_stride_input<B: Backend, T: Scalar>() {
    // A stride-0 input view broadcasts one element (inputs may have zero strides).
    let c = [T::from_f64(0.5)];
    let x = VecRef::from_parts(&c, 0, 10, 0).unwrap();
    let y: Vec<T> = (0..10).map(|i| T::from_usize(i)).collect();
    let got = B::dot(x, VecRef::from(&y)).unwrap();
    assert_eq!(
        got,
        T::from_f64(22.5),
        "{} dot with a broadcast x",
        ctx::<B, T>()
    );
}

fn axpy_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(2);
    for n in SIZES {
        for (sx, sy) in [(1, 1), (2, 1), (1, -3), (-1, -1)] {
            let alpha = rng.uniform() * 3.0;
            let (x, y) = (gen::random_vec(&mut rng, n), gen::random_vec(&mut rng, n));
            let xs = StoredVec::new(&vec_from_f64::<T>(&x), sx);
            let mut ys = StoredVec::new(&vec_from_f64::<T>(&y), sy);
            let (xf, yf) = (vec_f64(xs.view()), vec_f64(ys.view()));
            let a = T::from_f64(alpha);
            let af = a.to_f64();
            B::axpy(a, xs.view(), ys.view_mut()).unwrap();
            let got = ys.to_vec();
            for i in 0..n {
                let want = af * xf[i] + yf[i];
                let what = format!("{} axpy n={n} strides=({sx},{sy}) i={i}", ctx::<B, T>());
                assert_close_scalar(&what, got[i], want, (af * xf[i]).abs() + yf[i].abs(), 1);
            }
            assert!(
                ys.padding_is_intact(),
                "{} axpy wrote outside y",
                ctx::<B, T>()
            );
        }
    }
}

fn scal_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(3);
    for n in SIZES {
        for s in VEC_STRIDES {
            let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
            let alpha = T::from_f64(rng.uniform() * 4.0);
            let mut xs = StoredVec::new(&x, s);
            B::scal(alpha, xs.view_mut());
            // One rounded product per element: exactly what T arithmetic gives.
            let want: Vec<T> = x.iter().map(|&v| alpha * v).collect();
            assert_eq!(xs.to_vec(), want, "{} scal n={n} stride={s}", ctx::<B, T>());
            assert!(
                xs.padding_is_intact(),
                "{} scal wrote outside x",
                ctx::<B, T>()
            );
        }
    }
}

fn copy_and_swap_strided<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(4);
    for n in SIZES {
        for (sx, sy) in [(1, 1), (3, -1), (-2, 2)] {
            let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
            let y = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
            let xs = StoredVec::new(&x, sx);
            let mut ys = StoredVec::new(&y, sy);
            B::copy(xs.view(), ys.view_mut()).unwrap();
            assert_eq!(ys.to_vec(), x, "{} copy n={n}", ctx::<B, T>());
            assert!(
                ys.padding_is_intact(),
                "{} copy wrote outside y",
                ctx::<B, T>()
            );

            let mut xs = StoredVec::new(&x, sx);
            let mut ys = StoredVec::new(&y, sy);
            B::swap(xs.view_mut(), ys.view_mut()).unwrap();
            assert_eq!(xs.to_vec(), y, "{} swap n={n} (x)", ctx::<B, T>());
            assert_eq!(ys.to_vec(), x, "{} swap n={n} (y)", ctx::<B, T>());
            assert!(
                xs.padding_is_intact() && ys.padding_is_intact(),
                "{} swap",
                ctx::<B, T>()
            );
        }
    }
}

fn nrm2_asum_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(5);
    for n in SIZES {
        for s in VEC_STRIDES {
            let xs = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), s);
            let xf = vec_f64(xs.view());
            let nrm = naive::dot(&xf, &xf).sqrt();
            let what = format!("{} nrm2 n={n} stride={s}", ctx::<B, T>());
            assert_close_scalar(&what, B::nrm2(xs.view()), nrm, nrm, n);
            let asum: f64 = xf.iter().map(|v| v.abs()).sum();
            let what = format!("{} asum n={n} stride={s}", ctx::<B, T>());
            assert_close_scalar(&what, B::asum(xs.view()), asum, asum, n);
        }
    }
}

fn nrm2_no_overflow_or_underflow<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let big = T::MAX / T::from_f64(4.0);
    let tiny = T::MIN_POSITIVE * T::from_f64(4.0);
    // sqrt(4 v^2) = 2 v, for v whose square overflows or underflows.
    for (v, what) in [(big, "huge"), (tiny, "tiny")] {
        let x = vec![v; 4];
        let got = B::nrm2(VecRef::from(&x)).to_f64();
        let want = 2.0 * v.to_f64();
        assert!(
            (got - want).abs() <= BLAS_TOL * 6.0 * eps::<T>() * want,
            "{c} nrm2 of 4 {what} entries: {got:e}, expected {want:e}"
        );
    }
    // Mixed magnitudes: the huge entry dominates.
    let x = [big, T::ONE, tiny];
    let got = B::nrm2(VecRef::from(&x)).to_f64();
    assert!(
        (got - big.to_f64()).abs() <= BLAS_TOL * 5.0 * eps::<T>() * big.to_f64(),
        "{c} nrm2 of mixed magnitudes: {got:e}"
    );
    assert_eq!(
        B::nrm2::<T>(VecRef::from(&[] as &[T])),
        T::ZERO,
        "{c} nrm2 of empty"
    );
    assert_eq!(
        B::asum::<T>(VecRef::from(&[] as &[T])),
        T::ZERO,
        "{c} asum of empty"
    );
    assert_eq!(
        B::dot::<T>(VecRef::from(&[] as &[T]), VecRef::from(&[] as &[T])).unwrap(),
        T::ZERO
    );
}

fn iamax_policy<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let f = |v: &[f64]| B::iamax(VecRef::from(&vec_from_f64::<T>(v)));
    let (nan, inf) = (f64::NAN, f64::INFINITY);
    assert_eq!(
        B::iamax::<T>(VecRef::from(&[] as &[T])),
        None,
        "{c} iamax of empty"
    );
    assert_eq!(f(&[1.0]), Some(0), "{c}");
    assert_eq!(f(&[1.0, -3.0, 2.0]), Some(1), "{c} |x| is compared");
    assert_eq!(
        f(&[-3.0, 3.0, 1.0]),
        Some(0),
        "{c} ties: the first index wins"
    );
    assert_eq!(f(&[1.0, nan, 5.0, nan]), Some(1), "{c} the first NaN wins");
    assert_eq!(f(&[inf, 2.0, nan]), Some(2), "{c} NaN beats infinity");
    assert_eq!(f(&[1.0, -inf, 2.0]), Some(1), "{c} -inf is the largest |x|");
    // Long vectors exercise the SIMD paths; plant the maximum late and at a lane boundary.
    let mut rng = Rng::new(6);
    for n in [7usize, 16, 33, 100, 1000] {
        for pos in [0, n / 2, n - 1] {
            let mut x = gen::random_vec(&mut rng, n);
            x[pos] = -2.0;
            let xs = StoredVec::new(&vec_from_f64::<T>(&x), 1);
            assert_eq!(
                B::iamax(xs.view()),
                Some(pos),
                "{c} iamax n={n} max at {pos}"
            );
            let xs = StoredVec::new(&vec_from_f64::<T>(&x), -2);
            assert_eq!(B::iamax(xs.view()), Some(pos), "{c} iamax n={n} stride -2");
            x[n - 1 - pos / 2] = nan;
            if pos < n - 1 - pos / 2 {
                x[pos / 3] = nan;
            }
            let first_nan = x.iter().position(|v| v.is_nan());
            let xs = StoredVec::new(&vec_from_f64::<T>(&x), 3);
            assert_eq!(B::iamax(xs.view()), first_nan, "{c} iamax n={n} with NaN");
        }
    }
}

fn elementwise_ops<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(7);
    for n in SIZES {
        for (sx, sy, so) in [(1, 1, 1), (2, -1, 3), (-1, 1, -2)] {
            let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
            let y = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
            let (xs, ys) = (StoredVec::new(&x, sx), StoredVec::new(&y, sy));
            type F<T> = fn(T, T) -> T;
            let cases: [(&str, F<T>); 3] = [
                ("add", |a, b| a + b),
                ("sub", |a, b| a - b),
                ("hadamard", |a, b| a * b),
            ];
            for (name, op) in cases {
                let mut out = StoredVec::new(&vec![T::ZERO; n], so);
                match name {
                    "add" => B::add(xs.view(), ys.view(), out.view_mut()),
                    "sub" => B::sub(xs.view(), ys.view(), out.view_mut()),
                    _ => B::hadamard(xs.view(), ys.view(), out.view_mut()),
                }
                .unwrap();
                // One correctly rounded operation per element: exact equality.
                let want: Vec<T> = x.iter().zip(&y).map(|(&a, &b)| op(a, b)).collect();
                assert_eq!(out.to_vec(), want, "{} {name} n={n}", ctx::<B, T>());
                assert!(
                    out.padding_is_intact(),
                    "{} {name} wrote outside out",
                    ctx::<B, T>()
                );
            }
        }
    }
}

/// The error scale of a distance between `x` and `y`: the size of the terms
/// summed. For the squared Euclidean distance that is `||x||^2 + ||y||^2`, so
/// the fast `||x||^2 + ||y||^2 - 2 x.y` formulation is allowed.
fn distance_scale(metric: Distance, x: &[f64], y: &[f64], d: f64) -> f64 {
    let sq = naive::dot(x, x) + naive::dot(y, y);
    match metric {
        Distance::SquaredEuclidean => sq,
        Distance::Euclidean => sq / d,
        Distance::Manhattan => d,
        Distance::Cosine => 2.0,
    }
}

const METRICS: [Distance; 4] = [
    Distance::Euclidean,
    Distance::SquaredEuclidean,
    Distance::Cosine,
    Distance::Manhattan,
];

fn distances_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(8);
    for n in [1usize, 2, 3, 7, 16, 33, 100, 1000] {
        for metric in METRICS {
            for (sx, sy) in [(1, 1), (2, -1)] {
                let x = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), sx);
                let y = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), sy);
                let (xf, yf) = (vec_f64(x.view()), vec_f64(y.view()));
                let want = naive::distance(metric, &xf, &yf).unwrap();
                let got = B::distance(metric, x.view(), y.view()).unwrap();
                let what = format!("{} {metric:?} n={n}", ctx::<B, T>());
                assert_close_scalar(&what, got, want, distance_scale(metric, &xf, &yf, want), n);
            }
        }
    }
    // d(x, x) = 0 exactly for the metrics that subtract element-wise.
    let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, 37));
    for metric in [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Manhattan,
    ] {
        let d = B::distance(metric, VecRef::from(&x), VecRef::from(&x)).unwrap();
        assert!(d >= T::ZERO, "{} {metric:?}(x, x) = {d}", ctx::<B, T>());
        let bound = BLAS_TOL
            * 39.0
            * eps::<T>()
            * 2.0
            * naive::dot(&vec_f64(VecRef::from(&x)), &vec_f64(VecRef::from(&x)));
        let d = d.to_f64();
        let d = if metric == Distance::Euclidean {
            d * d
        } else {
            d
        };
        assert!(d <= bound, "{} {metric:?}(x, x) = {d:e}", ctx::<B, T>());
    }
}

fn pairwise_distances_random<B: Backend, T: Scalar>() {
    use oxblas_suite::{Layout, Stored};
    let mut rng = Rng::new(9);
    for (m, n, d) in [
        (1, 1, 1),
        (5, 3, 4),
        (17, 9, 33),
        (40, 33, 70),
        (0, 4, 3),
        (3, 0, 3),
    ] {
        for metric in METRICS {
            for (lx, ly, lo) in [
                (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor),
                (Layout::ColMajor, Layout::Strided, Layout::RevRows),
            ] {
                let x = Stored::from_mat(&from_f64::<T>(&gen::random(&mut rng, m, d)), lx);
                let y = Stored::from_mat(&from_f64::<T>(&gen::random(&mut rng, n, d)), ly);
                let mut out = Stored::from_mat(&oxblas_core::Mat::<T>::zeros(m, n), lo);
                B::pairwise_distances(metric, x.view(), y.view(), out.view_mut()).unwrap();
                let (xf, yf) = (naive::to_f64(x.view()), naive::to_f64(y.view()));
                let got = out.to_mat();
                for i in 0..m {
                    for j in 0..n {
                        let (xi, yj) = (xf.row(i), yf.row(j));
                        let want = naive::distance(metric, xi, yj).unwrap();
                        let what = format!(
                            "{} pairwise {metric:?} {m}x{n}x{d} ({i},{j})",
                            ctx::<B, T>()
                        );
                        let scale = distance_scale(metric, xi, yj, want);
                        assert_close_scalar(&what, got[(i, j)], want, scale, d);
                    }
                }
                assert!(
                    out.padding_is_intact(),
                    "{} pairwise wrote outside out",
                    ctx::<B, T>()
                );
            }
        }
    }
}

fn pairwise_distances_self<B: Backend, T: Scalar>() {
    // Distances of rows to themselves: zero up to rounding, never negative or NaN
    // (a fast formulation must clamp the cancellation).
    let mut rng = Rng::new(10);
    let x = from_f64::<T>(&gen::random(&mut rng, 20, 50));
    let xf = naive::to_f64(x.as_ref());
    for metric in [Distance::Euclidean, Distance::SquaredEuclidean] {
        let mut out = oxblas_core::Mat::<T>::zeros(20, 20);
        B::pairwise_distances(metric, x.as_ref(), x.as_ref(), out.as_mut()).unwrap();
        for i in 0..20 {
            let d = out[(i, i)].to_f64();
            let bound = BLAS_TOL * 52.0 * eps::<T>() * 2.0 * naive::dot(xf.row(i), xf.row(i));
            let d2 = if metric == Distance::Euclidean {
                d * d
            } else {
                d
            };
            assert!(
                d >= 0.0 && d2 <= bound,
                "{} {metric:?} self-distance {i}: {d:e}",
                ctx::<B, T>()
            );
        }
    }
}

fn blas1_nan_inf_propagate<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    for n in [1usize, 5, 40] {
        for pos in [0, n - 1] {
            let mut x = vec![T::ONE; n];
            let y = vec![T::from_f64(0.5); n];
            x[pos] = T::NAN;
            let (xv, yv) = (VecRef::from(&x), VecRef::from(&y));
            assert!(
                B::dot(xv, yv).unwrap().is_nan(),
                "{c} dot n={n} NaN at {pos}"
            );
            assert!(B::nrm2(xv).is_nan(), "{c} nrm2 n={n} NaN at {pos}");
            assert!(B::asum(xv).is_nan(), "{c} asum n={n} NaN at {pos}");
            for metric in METRICS {
                assert!(
                    B::distance(metric, xv, yv).unwrap().is_nan(),
                    "{c} {metric:?} with NaN"
                );
            }
            let mut y2 = y.clone();
            B::axpy(T::ONE, xv, (&mut y2).into()).unwrap();
            assert!(y2[pos].is_nan(), "{c} axpy NaN at {pos}");
            x[pos] = T::INFINITY;
            let xv = VecRef::from(&x);
            assert_eq!(B::nrm2(xv), T::INFINITY, "{c} nrm2 with inf");
            assert_eq!(B::asum(xv), T::INFINITY, "{c} asum with inf");
            assert_eq!(B::dot(xv, yv).unwrap(), T::INFINITY, "{c} dot with inf");
        }
    }
}

fn distance_errors<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let z = vec![T::ZERO; 4];
    let x = vec![T::ONE; 4];
    for (a, b) in [(&z, &x), (&x, &z), (&z, &z)] {
        let r = B::distance(Distance::Cosine, VecRef::from(a), VecRef::from(b));
        assert!(
            matches!(
                r,
                Err(Error::InvalidArgument {
                    op: Op::Distance,
                    ..
                })
            ),
            "{c} cosine distance of a zero vector: {r:?}"
        );
    }
    let zm = MatRef::from_slice(&z, 1, 4).unwrap();
    let xm = MatRef::from_slice(&x, 1, 4).unwrap();
    let mut out = [T::ZERO; 1];
    let r = B::pairwise_distances(
        Distance::Cosine,
        xm,
        zm,
        oxblas_core::MatMut::from_slice(&mut out, 1, 1).unwrap(),
    );
    assert!(
        matches!(r, Err(Error::InvalidArgument { .. })),
        "{c} pairwise cosine with a zero row: {r:?}"
    );
}

oxblas_suite::backend_tests!(
    dot_random,
    dot_zero_stride_input,
    axpy_random,
    scal_random,
    copy_and_swap_strided,
    nrm2_asum_random,
    nrm2_no_overflow_or_underflow,
    iamax_policy,
    elementwise_ops,
    distances_random,
    pairwise_distances_random,
    pairwise_distances_self,
    blas1_nan_inf_propagate,
    distance_errors,
);
