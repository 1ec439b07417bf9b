//! Property tests over random shapes, strides, layouts and transposes for
//! gemm, gemv, dot, LU and QR (32 cases each, deterministic seed so CI is
//! reproducible; a failure prints the shrunk case).

use oxblas_core::{Backend, Mat, QrMode, Scalar};
use oxblas_suite::naive::{self, from_f64, to_f64, vec_f64, vec_from_f64};
use oxblas_suite::{
    assert_close_scalar, assert_close_scaled, assert_gemm_result, assert_ratio, gen,
    lu_multipliers_bounded, lu_ratio, orth_ratio, recon_ratio, Layout, Rng, Stored, StoredVec,
    FACTOR_TOL,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn runner() -> TestRunner {
    let config = Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

fn layout() -> impl Strategy<Value = Layout> {
    (0usize..6).prop_map(|i| Layout::ALL[i])
}

fn stride() -> impl Strategy<Value = isize> {
    prop::sample::select(vec![1isize, 2, 3, -1, -2])
}

fn stored<T: Scalar>(a: &Mat<f64>, l: Layout, trans: bool) -> Stored<T> {
    let a = if trans { a.transpose() } else { a.clone() };
    Stored::from_mat(&from_f64::<T>(&a), l)
}

fn prop_gemm<B: Backend, T: Scalar>() {
    let strat = (
        (0usize..48, 0usize..48, 0usize..48),
        (layout(), layout(), layout()),
        (any::<bool>(), any::<bool>()),
        prop::sample::select(vec![(1.0, 0.0), (-0.5, 1.0), (2.0, -1.5)]),
        any::<u64>(),
    );
    runner()
        .run(
            &strat,
            |((m, k, n), (la, lb, lc), (ta, tb), (alpha, beta), seed)| {
                let mut rng = Rng::new(seed);
                let (a, b) = (gen::random(&mut rng, m, k), gen::random(&mut rng, k, n));
                let (sa, sb) = (stored::<T>(&a, la, ta), stored::<T>(&b, lb, tb));
                let (av, bv) = (
                    if ta { sa.view().t() } else { sa.view() },
                    if tb { sb.view().t() } else { sb.view() },
                );
                let c0 = from_f64::<T>(&gen::random(&mut rng, m, n));
                let mut sc = Stored::from_mat(&c0, lc);
                B::gemm(T::from_f64(alpha), av, bv, T::from_f64(beta), sc.view_mut()).unwrap();
                let what = format!(
                    "{} gemm {m}x{k}x{n} {la:?}/{ta} {lb:?}/{tb} {lc:?} {alpha} {beta}",
                    ctx::<B, T>()
                );
                assert_gemm_result(&what, alpha, av, bv, beta, &to_f64(c0.as_ref()), sc.view());
                prop_assert!(sc.padding_is_intact(), "{}: wrote outside C", what);
                Ok(())
            },
        )
        .unwrap();
}

fn prop_gemv<B: Backend, T: Scalar>() {
    let strat = (
        (0usize..80, 0usize..80),
        layout(),
        any::<bool>(),
        (stride(), stride()),
        any::<u64>(),
    );
    runner()
        .run(&strat, |((m, n), l, trans, (sx, sy), seed)| {
            let mut rng = Rng::new(seed);
            let a = gen::random(&mut rng, m, n);
            let sa = stored::<T>(&a, l, trans);
            let av = if trans { sa.view().t() } else { sa.view() };
            let x = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), sx);
            let y0 = vec_from_f64::<T>(&gen::random_vec(&mut rng, m));
            let mut y = StoredVec::new(&y0, sy);
            B::gemv(
                T::from_f64(1.5),
                av,
                x.view(),
                T::from_f64(-1.0),
                y.view_mut(),
            )
            .unwrap();
            let xm = Mat::from_col(&vec_f64(x.view()));
            let y0m = to_f64(Mat::from_col(&y0).as_ref());
            let got = Mat::from_col(&y.to_vec());
            let what = format!(
                "{} gemv {m}x{n} {l:?} trans={trans} strides ({sx},{sy})",
                ctx::<B, T>()
            );
            let a64 = to_f64(av);
            let (p, s) = oxblas_suite::product_and_scale(a64.as_ref(), xm.as_ref());
            let want = naive::axpby(1.5, p.as_ref(), -1.0, y0m.as_ref());
            let scale = naive::axpby(1.5, s.as_ref(), 1.0, y0m.map(|v| v.abs()).as_ref());
            assert_close_scaled(&what, got.as_ref(), &want, &scale, n + 1);
            prop_assert!(y.padding_is_intact(), "{}: wrote outside y", what);
            Ok(())
        })
        .unwrap();
}

fn prop_dot<B: Backend, T: Scalar>() {
    let strat = (0usize..600, (stride(), stride()), any::<u64>());
    runner()
        .run(&strat, |(n, (sx, sy), seed)| {
            let mut rng = Rng::new(seed);
            let x = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), sx);
            let y = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), sy);
            let (xf, yf) = (vec_f64(x.view()), vec_f64(y.view()));
            let got = B::dot(x.view(), y.view()).unwrap();
            let scale: f64 = xf.iter().zip(&yf).map(|(a, b)| (a * b).abs()).sum();
            let what = format!("{} dot n={n} strides ({sx},{sy})", ctx::<B, T>());
            assert_close_scalar(&what, got, naive::dot(&xf, &yf), scale, n);
            Ok(())
        })
        .unwrap();
}

fn prop_lu<B: Backend, T: Scalar>() {
    let strat = (0usize..60, layout(), any::<bool>(), any::<u64>());
    runner()
        .run(&strat, |(n, l, trans, seed)| {
            let mut rng = Rng::new(seed);
            let a = gen::random(&mut rng, n, n);
            let sa = stored::<T>(&a, l, trans);
            let av = if trans { sa.view().t() } else { sa.view() };
            let what = format!("{} lu n={n} {l:?} trans={trans}", ctx::<B, T>());
            let lu = B::lu(av).unwrap();
            assert_ratio(&what, lu_ratio(&to_f64(av), &lu), FACTOR_TOL);
            prop_assert!(
                lu_multipliers_bounded(&lu),
                "{}: not partial pivoting",
                what
            );
            Ok(())
        })
        .unwrap();
}

fn prop_qr<B: Backend, T: Scalar>() {
    let strat = (
        (0usize..50, 0usize..50),
        layout(),
        any::<bool>(),
        any::<u64>(),
    );
    runner()
        .run(&strat, |((m, n), l, trans, seed)| {
            let mut rng = Rng::new(seed);
            let a = gen::random(&mut rng, m, n);
            let sa = stored::<T>(&a, l, trans);
            let av = if trans { sa.view().t() } else { sa.view() };
            let what = format!("{} qr {m}x{n} {l:?} trans={trans}", ctx::<B, T>());
            let qr = B::qr(av).unwrap();
            let q = B::qr_q(&qr, QrMode::Reduced).unwrap();
            assert_ratio(
                &what,
                recon_ratio(&to_f64(av), q.as_ref(), qr.r().as_ref()),
                FACTOR_TOL,
            );
            assert_ratio(&what, orth_ratio::<T>(q.as_ref()), FACTOR_TOL);
            Ok(())
        })
        .unwrap();
}

oxblas_suite::backend_tests!(prop_gemm, prop_gemv, prop_dot, prop_lu, prop_qr);
