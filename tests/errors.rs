//! Every bad input gives its exact `Err` variant (and, for primitive
//! operations, the operation's own `Op`), never a panic.

use oxblas_core::{
    Backend, Diag, Distance, Error, Mat, MatMut, Norm, Op, QrMode, Scalar, Side, SvdMode, Uplo,
    VecRef,
};
use oxblas_suite::naive::from_f64;
use oxblas_suite::{gen, Rng};

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

/// Asserts that `$e` matches `$p`, printing the call and the result otherwise.
macro_rules! assert_err {
    ($c:expr, $e:expr, $p:pat) => {{
        let r = $e;
        assert!(
            matches!(r, Err($p)),
            "{}: `{}` returned {:?}, expected Err({})",
            $c,
            stringify!($e),
            r.map(|_| ()),
            stringify!($p)
        );
    }};
}

fn m<T: Scalar>(r: usize, c: usize) -> Mat<T> {
    Mat::from_fn(r, c, |i, j| T::from_f64(1.0 + (i * c + j) as f64 / 7.0))
}

fn blas1_dimension_mismatch<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let (x3, x4) = (vec![T::ONE; 3], vec![T::ONE; 4]);
    let (v3, v4) = (VecRef::from(&x3), VecRef::from(&x4));
    let mut y = vec![T::ONE; 4];
    let mut o3 = vec![T::ZERO; 3];
    assert_err!(
        c,
        B::dot(v3, v4),
        Error::DimensionMismatch { op: Op::Dot, .. }
    );
    assert_err!(
        c,
        B::axpy(T::ONE, v3, (&mut y).into()),
        Error::DimensionMismatch { op: Op::Axpy, .. }
    );
    assert_err!(
        c,
        B::copy(v3, (&mut y).into()),
        Error::DimensionMismatch { op: Op::Copy, .. }
    );
    let mut z3 = vec![T::ONE; 3];
    assert_err!(
        c,
        B::swap((&mut z3).into(), (&mut y).into()),
        Error::DimensionMismatch { op: Op::Swap, .. }
    );
    assert_err!(
        c,
        B::add(v3, v4, (&mut o3).into()),
        Error::DimensionMismatch { op: Op::Add, .. }
    );
    assert_err!(
        c,
        B::sub(v4, v4, (&mut o3).into()),
        Error::DimensionMismatch { op: Op::Sub, .. }
    );
    assert_err!(
        c,
        B::hadamard(v3, v3, (&mut y).into()),
        Error::DimensionMismatch {
            op: Op::Hadamard,
            ..
        }
    );
    for metric in [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Cosine,
        Distance::Manhattan,
    ] {
        assert_err!(
            c,
            B::distance(metric, v3, v4),
            Error::DimensionMismatch {
                op: Op::Distance,
                ..
            }
        );
    }
    // Nothing was written by the failed calls.
    assert_eq!(y, vec![T::ONE; 4], "{c}: a failed call wrote its output");
    assert_eq!(o3, vec![T::ZERO; 3], "{c}: a failed call wrote its output");
    let (x, y2) = (m::<T>(3, 4), m::<T>(5, 3));
    let mut out = Mat::<T>::zeros(3, 5);
    assert_err!(
        c,
        B::pairwise_distances(Distance::Euclidean, x.as_ref(), y2.as_ref(), out.as_mut()),
        Error::DimensionMismatch {
            op: Op::PairwiseDistances,
            ..
        }
    );
    let y3 = m::<T>(5, 4);
    let mut out = Mat::<T>::zeros(5, 3);
    assert_err!(
        c,
        B::pairwise_distances(Distance::Euclidean, x.as_ref(), y3.as_ref(), out.as_mut()),
        Error::DimensionMismatch {
            op: Op::PairwiseDistances,
            ..
        }
    );
}

fn blas2_blas3_dimension_mismatch<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let a = m::<T>(3, 4);
    let (x3, x4) = (vec![T::ONE; 3], vec![T::ONE; 4]);
    let mut y3 = vec![T::ONE; 3];
    let mut y4 = vec![T::ONE; 4];
    assert_err!(
        c,
        B::gemv(
            T::ONE,
            a.as_ref(),
            VecRef::from(&x3),
            T::ZERO,
            (&mut y3).into()
        ),
        Error::DimensionMismatch { op: Op::Gemv, .. }
    );
    assert_err!(
        c,
        B::gemv(
            T::ONE,
            a.as_ref(),
            VecRef::from(&x4),
            T::ZERO,
            (&mut y4).into()
        ),
        Error::DimensionMismatch { op: Op::Gemv, .. }
    );
    assert_err!(
        c,
        B::gemv(T::ONE, a.t(), VecRef::from(&x4), T::ZERO, (&mut y4).into()),
        Error::DimensionMismatch { op: Op::Gemv, .. }
    );
    let mut a2 = m::<T>(3, 4);
    assert_err!(
        c,
        B::ger(T::ONE, VecRef::from(&x4), VecRef::from(&x4), a2.as_mut()),
        Error::DimensionMismatch { op: Op::Ger, .. }
    );
    assert_eq!(a2, m::<T>(3, 4), "{c}: failed ger wrote A");
    assert_err!(
        c,
        B::trsv(Uplo::Lower, Diag::NonUnit, a.as_ref(), (&mut y3).into()),
        Error::NotSquare {
            op: Op::Trsv,
            rows: 3,
            cols: 4
        }
    );
    let sq = m::<T>(3, 3);
    assert_err!(
        c,
        B::trsv(Uplo::Upper, Diag::Unit, sq.as_ref(), (&mut y4).into()),
        Error::DimensionMismatch { op: Op::Trsv, .. }
    );
    assert_err!(
        c,
        B::symv(
            Uplo::Lower,
            T::ONE,
            a.as_ref(),
            VecRef::from(&x4),
            T::ZERO,
            (&mut y3).into()
        ),
        Error::NotSquare { op: Op::Symv, .. }
    );
    assert_err!(
        c,
        B::symv(
            Uplo::Lower,
            T::ONE,
            sq.as_ref(),
            VecRef::from(&x4),
            T::ZERO,
            (&mut y3).into()
        ),
        Error::DimensionMismatch { op: Op::Symv, .. }
    );
    assert_eq!(y3, vec![T::ONE; 3], "{c}: a failed call wrote y");

    let (b43, b33) = (m::<T>(4, 3), m::<T>(3, 3));
    let mut c33 = Mat::<T>::filled(3, 3, T::ONE);
    let mut c34 = Mat::<T>::filled(3, 4, T::ONE);
    assert_err!(
        c,
        B::gemm(T::ONE, a.as_ref(), b33.as_ref(), T::ZERO, c33.as_mut()),
        Error::DimensionMismatch { op: Op::Gemm, .. }
    );
    assert_err!(
        c,
        B::gemm(T::ONE, a.as_ref(), b43.as_ref(), T::ZERO, c34.as_mut()),
        Error::DimensionMismatch { op: Op::Gemm, .. }
    );
    assert_err!(
        c,
        B::gemm(T::ONE, a.t(), b43.t(), T::ZERO, c33.as_mut()),
        Error::DimensionMismatch { op: Op::Gemm, .. }
    );
    assert_err!(
        c,
        B::syrk(Uplo::Lower, T::ONE, a.as_ref(), T::ZERO, c34.as_mut()),
        Error::DimensionMismatch { op: Op::Syrk, .. }
    );
    assert_err!(
        c,
        B::trsm(
            Side::Left,
            Uplo::Lower,
            Diag::NonUnit,
            T::ONE,
            a.as_ref(),
            c33.as_mut()
        ),
        Error::NotSquare { op: Op::Trsm, .. }
    );
    assert_err!(
        c,
        B::trsm(
            Side::Right,
            Uplo::Lower,
            Diag::NonUnit,
            T::ONE,
            b33.as_ref(),
            c34.as_mut()
        ),
        Error::DimensionMismatch { op: Op::Trsm, .. }
    );
    assert_err!(
        c,
        B::symm(
            Side::Left,
            Uplo::Lower,
            T::ONE,
            a.as_ref(),
            b33.as_ref(),
            T::ZERO,
            c33.as_mut()
        ),
        Error::NotSquare { op: Op::Symm, .. }
    );
    assert_err!(
        c,
        B::symm(
            Side::Right,
            Uplo::Upper,
            T::ONE,
            b33.as_ref(),
            b43.as_ref(),
            T::ZERO,
            c34.as_mut()
        ),
        Error::DimensionMismatch { op: Op::Symm, .. }
    );
    assert_eq!(c33, Mat::filled(3, 3, T::ONE), "{c}: a failed call wrote C");
    assert_eq!(c34, Mat::filled(3, 4, T::ONE), "{c}: a failed call wrote C");
}

fn gemm_batched_checks_all_before_writing<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let (a, b) = (m::<T>(2, 3), m::<T>(3, 2));
    let bad = m::<T>(4, 2);
    let mut c0 = Mat::<T>::filled(2, 2, T::ONE);
    let mut c1 = Mat::<T>::filled(2, 2, T::ONE);
    {
        let mut cs: Vec<MatMut<'_, T>> = vec![c0.as_mut(), c1.as_mut()];
        let r = B::gemm_batched(
            T::ONE,
            &[a.as_ref(), a.as_ref()],
            &[b.as_ref(), bad.as_ref()],
            T::ZERO,
            &mut cs,
        );
        assert!(
            matches!(
                r,
                Err(Error::DimensionMismatch {
                    op: Op::GemmBatched,
                    ..
                })
            ),
            "{c}: {r:?}"
        );
    }
    assert_eq!(
        c0,
        Mat::filled(2, 2, T::ONE),
        "{c}: gemm_batched wrote C_0 before failing on item 1"
    );
    let mut cs: Vec<MatMut<'_, T>> = vec![c0.as_mut()];
    let r = B::gemm_batched(
        T::ONE,
        &[a.as_ref(), a.as_ref()],
        &[b.as_ref(), b.as_ref()],
        T::ZERO,
        &mut cs,
    );
    assert!(
        matches!(
            r,
            Err(Error::DimensionMismatch {
                op: Op::GemmBatched,
                ..
            })
        ),
        "{c}: batch lengths {r:?}"
    );
}

fn lapack_not_square_and_rhs<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let a = m::<T>(3, 4);
    let sq = from_f64::<T>(&gen::diag_dominant(&mut Rng::new(70), 3));
    let b4 = m::<T>(4, 2);
    assert_err!(
        c,
        B::lu(a.as_ref()),
        Error::NotSquare {
            op: Op::Lu,
            rows: 3,
            cols: 4
        }
    );
    assert_err!(
        c,
        B::cholesky(a.as_ref()),
        Error::NotSquare {
            op: Op::Cholesky,
            ..
        }
    );
    assert_err!(
        c,
        B::eigh(a.as_ref()),
        Error::NotSquare { op: Op::Eigh, .. }
    );
    assert_err!(
        c,
        B::eigvalsh(a.as_ref()),
        Error::NotSquare {
            op: Op::Eigvalsh,
            ..
        }
    );
    assert_err!(c, B::eig(a.as_ref()), Error::NotSquare { op: Op::Eig, .. });
    assert_err!(
        c,
        B::eigvals(a.as_ref()),
        Error::NotSquare {
            op: Op::Eigvals,
            ..
        }
    );
    assert_err!(
        c,
        B::solve(a.as_ref(), b4.as_ref()),
        Error::NotSquare { .. }
    );
    assert_err!(c, B::inv(a.as_ref()), Error::NotSquare { .. });
    assert_err!(c, B::det(a.as_ref()), Error::NotSquare { .. });
    assert_err!(
        c,
        B::solve(sq.as_ref(), b4.as_ref()),
        Error::DimensionMismatch { .. }
    );
    let lu = B::lu(sq.as_ref()).unwrap();
    assert_err!(
        c,
        B::lu_solve(&lu, b4.as_ref()),
        Error::DimensionMismatch {
            op: Op::LuSolve,
            ..
        }
    );
    let spd = from_f64::<T>(&gen::spd(&mut Rng::new(71), 3, 10.0));
    let ch = B::cholesky(spd.as_ref()).unwrap();
    assert_err!(
        c,
        B::cholesky_solve(&ch, b4.as_ref()),
        Error::DimensionMismatch {
            op: Op::CholeskySolve,
            ..
        }
    );
    assert_err!(
        c,
        B::lstsq(a.as_ref(), b4.as_ref(), None),
        Error::DimensionMismatch { .. }
    );
    // Bad tolerances.
    let b3 = m::<T>(3, 1);
    for tol in [-T::ONE, T::NAN, T::INFINITY] {
        assert_err!(
            c,
            B::lstsq(a.as_ref(), b3.as_ref(), Some(tol)),
            Error::InvalidArgument { .. }
        );
        assert_err!(
            c,
            B::pinv(a.as_ref(), Some(tol)),
            Error::InvalidArgument { .. }
        );
        assert_err!(
            c,
            B::rank(a.as_ref(), Some(tol)),
            Error::InvalidArgument { .. }
        );
    }
    assert_err!(
        c,
        B::cond(Mat::<T>::zeros(0, 3).as_ref()),
        Error::InvalidArgument { .. }
    );
    assert_err!(
        c,
        B::cond(Mat::<T>::zeros(0, 0).as_ref()),
        Error::InvalidArgument { .. }
    );
}

/// Matrices with one NaN or infinity in the lower triangle.
fn poisoned<T: Scalar>(n: usize, cols: usize) -> Vec<(String, Mat<T>)> {
    let mut out = Vec::new();
    let base = from_f64::<T>(&gen::spd(&mut Rng::new(72), n.max(cols), 4.0));
    for (bad, name) in [
        (T::NAN, "NaN"),
        (T::INFINITY, "inf"),
        (-T::INFINITY, "-inf"),
    ] {
        for (i, j) in [(0, 0), (n - 1, 0), (n - 1, cols.min(n) - 1)] {
            let mut a = Mat::from_fn(n, cols, |r, c| base[(r, c)]);
            a[(i, j)] = bad;
            out.push((format!("{name} at ({i},{j})"), a));
        }
    }
    out
}

fn factorizations_reject_non_finite<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    for n in [1usize, 6, 40] {
        for (what, a) in poisoned::<T>(n, n) {
            let c = format!("{c} n={n} {what}");
            let a = a.as_ref();
            assert_err!(c, B::lu(a), Error::NonFinite { op: Op::Lu });
            assert_err!(c, B::cholesky(a), Error::NonFinite { op: Op::Cholesky });
            assert_err!(c, B::qr(a), Error::NonFinite { op: Op::Qr });
            assert_err!(c, B::qr_pivoted(a), Error::NonFinite { op: Op::QrPivoted });
            assert_err!(c, B::eigh(a), Error::NonFinite { op: Op::Eigh });
            assert_err!(c, B::eigvalsh(a), Error::NonFinite { op: Op::Eigvalsh });
            assert_err!(c, B::eig(a), Error::NonFinite { op: Op::Eig });
            assert_err!(c, B::eigvals(a), Error::NonFinite { op: Op::Eigvals });
            assert_err!(
                c,
                B::svd(a, SvdMode::Thin),
                Error::NonFinite { op: Op::Svd }
            );
            assert_err!(
                c,
                B::svd(a, SvdMode::Full),
                Error::NonFinite { op: Op::Svd }
            );
            assert_err!(
                c,
                B::singular_values(a),
                Error::NonFinite {
                    op: Op::SingularValues
                }
            );
            let b = m::<T>(n, 2);
            assert_err!(c, B::solve(a, b.as_ref()), Error::NonFinite { .. });
            assert_err!(c, B::inv(a), Error::NonFinite { .. });
            assert_err!(c, B::det(a), Error::NonFinite { .. });
            assert_err!(c, B::lstsq(a, b.as_ref(), None), Error::NonFinite { .. });
            assert_err!(c, B::pinv(a, None), Error::NonFinite { .. });
            assert_err!(c, B::rank(a, None), Error::NonFinite { .. });
            assert_err!(c, B::cond(a), Error::NonFinite { .. });
            assert_err!(c, B::norm(a, Norm::Spectral), Error::NonFinite { .. });
        }
    }
    // Rectangular inputs too.
    for (what, a) in poisoned::<T>(7, 4).into_iter().chain(poisoned::<T>(4, 7)) {
        let c = format!("{c} {}x{} {what}", a.rows(), a.cols());
        assert_err!(c, B::qr(a.as_ref()), Error::NonFinite { op: Op::Qr });
        assert_err!(
            c,
            B::svd(a.as_ref(), SvdMode::Thin),
            Error::NonFinite { op: Op::Svd }
        );
        assert_err!(
            c,
            B::singular_values(a.as_ref()),
            Error::NonFinite {
                op: Op::SingularValues
            }
        );
    }
    // A non-finite right-hand side.
    let a = from_f64::<T>(&gen::diag_dominant(&mut Rng::new(73), 4));
    let mut b = m::<T>(4, 1);
    b[(2, 0)] = T::NAN;
    assert_err!(c, B::solve(a.as_ref(), b.as_ref()), Error::NonFinite { .. });
    assert_err!(
        c,
        B::lstsq(a.as_ref(), b.as_ref(), None),
        Error::NonFinite { .. }
    );
}

fn qr_q_of_empty_and_modes<B: Backend, T: Scalar>() {
    // Not an error case, but a shape contract next to the error checks: Q of
    // a zero-size factorization.
    let c = ctx::<B, T>();
    for (r, k) in [(0usize, 0usize), (0, 3), (3, 0)] {
        let qr = B::qr(Mat::<T>::zeros(r, k).as_ref()).unwrap();
        assert_eq!(
            B::qr_q(&qr, QrMode::Reduced).unwrap().shape(),
            (r, 0),
            "{c} {r}x{k} reduced"
        );
        assert_eq!(
            B::qr_q(&qr, QrMode::Complete).unwrap(),
            Mat::identity(r),
            "{c} {r}x{k} complete"
        );
    }
}

oxblas_suite::backend_tests!(
    blas1_dimension_mismatch,
    blas2_blas3_dimension_mismatch,
    gemm_batched_checks_all_before_writing,
    lapack_not_square_and_rhs,
    factorizations_reject_non_finite,
    qr_q_of_empty_and_modes,
);
