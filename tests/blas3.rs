//! BLAS level 3: gemm (every transpose through `.t()`, every layout), syrk,
//! trsm, symm, batched gemm, against naive `f64` oracles.

use oxblas_core::{Backend, Diag, Mat, MatMut, MatRef, Scalar, Side, Uplo, VecRef};
use oxblas_suite::naive::{self, from_f64, to_f64};
use oxblas_suite::{
    assert_close_scaled, assert_gemm_result, assert_ratio, gen, product_and_scale, solve_ratio,
    Layout, Rng, Stored, FACTOR_TOL,
};

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

/// Stores the logical `r x c` matrix `a` with `layout`, transposed in memory
/// when `trans` (then the view passed is `.t()` of the stored transpose).
fn operand<T: Scalar>(a: &Mat<f64>, layout: Layout, trans: bool) -> Stored<T> {
    let a = if trans { a.transpose() } else { a.clone() };
    Stored::from_mat(&from_f64::<T>(&a), layout)
}

fn view<T: Scalar>(s: &Stored<T>, trans: bool) -> MatRef<'_, T> {
    if trans {
        s.view().t()
    } else {
        s.view()
    }
}

fn gemm_shapes_and_layouts<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(30);
    let shapes = [
        (0, 0, 0),
        (0, 3, 4),
        (3, 0, 4),
        (3, 4, 0),
        (1, 1, 1),
        (5, 7, 3),
        (17, 33, 9),
        (64, 64, 64),
        (65, 31, 130),
    ];
    for (m, k, n) in shapes {
        for (i, la) in Layout::ALL.into_iter().enumerate() {
            let lb = Layout::ALL[(i + 2) % 6];
            let lc = Layout::ALL[(i + 4) % 6];
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta) in [(1.0, 0.0), (-1.5, 0.5)] {
                    let (a, b) = (gen::random(&mut rng, m, k), gen::random(&mut rng, k, n));
                    let c0 = from_f64::<T>(&gen::random(&mut rng, m, n));
                    let (sa, sb) = (operand::<T>(&a, la, ta), operand::<T>(&b, lb, tb));
                    let mut sc = Stored::from_mat(&c0, lc);
                    let (av, bv) = (view(&sa, ta), view(&sb, tb));
                    B::gemm(T::from_f64(alpha), av, bv, T::from_f64(beta), sc.view_mut()).unwrap();
                    let what = format!(
                        "{} gemm {m}x{k}x{n} A:{la:?}{} B:{lb:?}{} C:{lc:?} alpha={alpha} beta={beta}",
                        ctx::<B, T>(),
                        if ta { ".t()" } else { "" },
                        if tb { ".t()" } else { "" },
                    );
                    assert_gemm_result(&what, alpha, av, bv, beta, &to_f64(c0.as_ref()), sc.view());
                    assert!(sc.padding_is_intact(), "{what}: wrote outside C");
                }
            }
        }
    }
}

fn gemm_large_blocked<B: Backend, T: Scalar>() {
    // Sizes past typical cache blocks (KC, MC, NC) and not multiples of any
    // register tile, to exercise edge handling in a blocked kernel.
    let mut rng = Rng::new(31);
    for (m, k, n, ta, tb) in [(260, 257, 263, false, false), (129, 300, 67, true, true)] {
        let (a, b) = (gen::random(&mut rng, m, k), gen::random(&mut rng, k, n));
        let (sa, sb) = (
            operand::<T>(&a, Layout::RowMajor, ta),
            operand::<T>(&b, Layout::Padded, tb),
        );
        let c0 = from_f64::<T>(&gen::random(&mut rng, m, n));
        let mut sc = Stored::from_mat(&c0, Layout::ColMajor);
        let (av, bv) = (view(&sa, ta), view(&sb, tb));
        B::gemm(T::from_f64(0.5), av, bv, T::ONE, sc.view_mut()).unwrap();
        let what = format!("{} gemm {m}x{k}x{n}", ctx::<B, T>());
        assert_gemm_result(&what, 0.5, av, bv, 1.0, &to_f64(c0.as_ref()), sc.view());
    }
}

fn gemm_beta_zero_ignores_nan_c<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(32);
    for (m, k, n) in [(1, 1, 1), (7, 5, 9), (64, 33, 70), (3, 0, 4)] {
        let a = from_f64::<T>(&gen::random(&mut rng, m, k));
        let b = from_f64::<T>(&gen::random(&mut rng, k, n));
        let mut c = Mat::<T>::filled(m, n, T::NAN);
        B::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).unwrap();
        let what = format!("{} gemm {m}x{k}x{n} beta=0 with NaN C", ctx::<B, T>());
        assert_gemm_result(
            &what,
            1.0,
            a.as_ref(),
            b.as_ref(),
            0.0,
            &Mat::zeros(m, n),
            c.as_ref(),
        );
    }
}

fn gemm_nan_inf_propagate<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(33);
    let (m, k, n) = (20, 17, 23);
    let mut a = from_f64::<T>(&gen::random(&mut rng, m, k));
    let mut b = from_f64::<T>(&gen::random(&mut rng, k, n));
    a[(3, 5)] = T::NAN;
    b[(7, 11)] = T::INFINITY;
    let mut c = Mat::<T>::zeros(m, n);
    B::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).unwrap();
    for i in 0..m {
        for j in 0..n {
            let v = c[(i, j)];
            let what = format!(
                "{} gemm with NaN at A(3,5), inf at B(7,11): C({i},{j}) = {v}",
                ctx::<B, T>()
            );
            if i == 3 {
                assert!(v.is_nan(), "{what}");
            } else if j == 11 {
                assert!(!v.is_finite(), "{what}");
            } else {
                assert!(v.is_finite(), "{what}");
            }
        }
    }
}

fn syrk_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(34);
    for (n, k) in [
        (0, 0),
        (0, 3),
        (3, 0),
        (1, 1),
        (5, 9),
        (33, 17),
        (64, 70),
        (130, 40),
    ] {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for (trans, lc) in [
                (false, Layout::RowMajor),
                (true, Layout::Strided),
                (false, Layout::RevCols),
            ] {
                for (alpha, beta) in [(1.0, 0.0), (0.5, -1.0)] {
                    let a = gen::random(&mut rng, n, k);
                    let sa = operand::<T>(&a, Layout::Padded, trans);
                    let c0 = from_f64::<T>(&gen::random(&mut rng, n, n));
                    let mut sc = Stored::from_mat(&c0, lc);
                    let av = view(&sa, trans);
                    B::syrk(
                        uplo,
                        T::from_f64(alpha),
                        av,
                        T::from_f64(beta),
                        sc.view_mut(),
                    )
                    .unwrap();
                    let what = format!(
                        "{} syrk {n}x{k} {uplo:?} trans={trans} beta={beta}",
                        ctx::<B, T>()
                    );
                    let (af, cf) = (to_f64(av), to_f64(c0.as_ref()));
                    let (p, s) = product_and_scale(af.as_ref(), af.t());
                    let bc = if beta == 0.0 {
                        Mat::zeros(n, n)
                    } else {
                        cf.clone()
                    };
                    let want = naive::axpby(alpha, p.as_ref(), beta, bc.as_ref());
                    let scale = naive::axpby(
                        alpha.abs(),
                        s.as_ref(),
                        beta.abs(),
                        bc.map(|x| x.abs()).as_ref(),
                    );
                    let got = sc.to_mat();
                    // The `uplo` triangle is updated; the other is left exactly as it was.
                    let tri = |i: usize, j: usize| i == j || (uplo == Uplo::Lower) == (i > j);
                    let g =
                        Mat::from_fn(n, n, |i, j| if tri(i, j) { got[(i, j)] } else { T::ZERO });
                    let w = Mat::from_fn(n, n, |i, j| if tri(i, j) { want[(i, j)] } else { 0.0 });
                    assert_close_scaled(&what, g.as_ref(), &w, &scale, k + 1);
                    for i in 0..n {
                        for j in 0..n {
                            if !tri(i, j) {
                                assert_eq!(
                                    got[(i, j)],
                                    c0[(i, j)],
                                    "{what}: wrote ({i},{j}) outside {uplo:?}"
                                );
                            }
                        }
                    }
                    assert!(sc.padding_is_intact(), "{what}: wrote outside C");
                }
            }
        }
    }
}

fn trsm_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(35);
    for (m, n) in [
        (0, 0),
        (0, 3),
        (3, 0),
        (1, 1),
        (4, 7),
        (17, 5),
        (64, 33),
        (130, 20),
    ] {
        for side in [Side::Left, Side::Right] {
            for uplo in [Uplo::Lower, Uplo::Upper] {
                for diag in [Diag::NonUnit, Diag::Unit] {
                    for (lb, trans) in [
                        (Layout::RowMajor, false),
                        (Layout::ColMajor, true),
                        (Layout::RevRows, false),
                    ] {
                        let na = if side == Side::Left { m } else { n };
                        let t = gen::triangular(&mut rng, na, uplo, diag);
                        let sa = operand::<T>(&t, Layout::Strided, trans);
                        let av = view(&sa, trans);
                        let b = from_f64::<T>(&gen::random(&mut rng, m, n));
                        let mut sb = Stored::from_mat(&b, lb);
                        let alpha = 1.5;
                        B::trsm(side, uplo, diag, T::from_f64(alpha), av, sb.view_mut()).unwrap();
                        let what = format!(
                            "{} trsm {m}x{n} {side:?} {uplo:?} {diag:?} B:{lb:?} A.t()={trans}",
                            ctx::<B, T>()
                        );
                        let tri = naive::triangle(uplo, diag, to_f64(av).as_ref());
                        let ab = to_f64(b.as_ref()).map(|x| alpha * x);
                        let x = sb.to_mat();
                        let ratio = match side {
                            Side::Left => solve_ratio(&tri, x.as_ref(), &ab),
                            // X T = alpha B  <=>  T^T X^T = alpha B^T
                            Side::Right => solve_ratio(&tri.transpose(), x.t(), &ab.transpose()),
                        };
                        assert_ratio(&what, ratio, FACTOR_TOL);
                        assert!(sb.padding_is_intact(), "{what}: wrote outside B");
                    }
                }
            }
        }
    }
}

fn symm_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(36);
    for (m, n) in [
        (0, 0),
        (0, 2),
        (2, 0),
        (1, 1),
        (5, 3),
        (17, 33),
        (64, 64),
        (100, 9),
    ] {
        for side in [Side::Left, Side::Right] {
            for uplo in [Uplo::Lower, Uplo::Upper] {
                for (alpha, beta) in [(1.0, 0.0), (-0.5, 2.0)] {
                    let na = if side == Side::Left { m } else { n };
                    let full = gen::random(&mut rng, na, na);
                    let full = naive::symmetrize(Uplo::Lower, full.as_ref());
                    let sa = Stored::from_mat(
                        &from_f64::<T>(&gen::keep_triangle(&full, uplo)),
                        Layout::RevCols,
                    );
                    let b = from_f64::<T>(&gen::random(&mut rng, m, n));
                    let sb = Stored::from_mat(&b, Layout::Strided);
                    let c0 = from_f64::<T>(&gen::random(&mut rng, m, n));
                    let mut sc = Stored::from_mat(&c0, Layout::ColMajor);
                    B::symm(
                        side,
                        uplo,
                        T::from_f64(alpha),
                        sa.view(),
                        sb.view(),
                        T::from_f64(beta),
                        sc.view_mut(),
                    )
                    .unwrap();
                    let what = format!(
                        "{} symm {m}x{n} {side:?} {uplo:?} beta={beta}",
                        ctx::<B, T>()
                    );
                    let s = from_f64::<T>(&full);
                    let (x, y) = match side {
                        Side::Left => (s.as_ref(), sb.view()),
                        Side::Right => (sb.view(), s.as_ref()),
                    };
                    assert_gemm_result(&what, alpha, x, y, beta, &to_f64(c0.as_ref()), sc.view());
                    assert!(sc.padding_is_intact(), "{what}: wrote outside C");
                }
            }
        }
    }
}

fn gemm_batched_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(37);
    let shapes = [(3, 4, 5), (1, 1, 1), (8, 8, 8), (0, 2, 3), (16, 3, 7)];
    let a: Vec<Mat<T>> = shapes
        .iter()
        .map(|&(m, k, _)| from_f64(&gen::random(&mut rng, m, k)))
        .collect();
    let b: Vec<Mat<T>> = shapes
        .iter()
        .map(|&(_, k, n)| from_f64(&gen::random(&mut rng, k, n)))
        .collect();
    let c0: Vec<Mat<T>> = shapes
        .iter()
        .map(|&(m, _, n)| from_f64(&gen::random(&mut rng, m, n)))
        .collect();
    let mut c = c0.clone();
    {
        let av: Vec<MatRef<'_, T>> = a.iter().map(|x| x.as_ref()).collect();
        // B operands passed transposed-of-transposed: strides (1, k).
        let bt: Vec<Mat<T>> = b.iter().map(|x| x.transpose()).collect();
        let bv: Vec<MatRef<'_, T>> = bt.iter().map(|x| x.t()).collect();
        let mut cv: Vec<MatMut<'_, T>> = c.iter_mut().map(|x| x.as_mut()).collect();
        B::gemm_batched(T::from_f64(2.0), &av, &bv, T::from_f64(-1.0), &mut cv).unwrap();
    }
    for i in 0..shapes.len() {
        let what = format!("{} gemm_batched item {i} {:?}", ctx::<B, T>(), shapes[i]);
        assert_gemm_result(
            &what,
            2.0,
            a[i].as_ref(),
            b[i].as_ref(),
            -1.0,
            &to_f64(c0[i].as_ref()),
            c[i].as_ref(),
        );
    }
}

fn gemm_thread_counts<B: Backend, T: Scalar>() {
    // Results are correct whatever the thread count (threaded kernels split
    // the work differently). Other tests may run meanwhile; a thread count
    // only changes their speed, and the previous setting is restored.
    let before = B::num_threads();
    let mut rng = Rng::new(38);
    let (m, k, n) = (200, 150, 190);
    let a = from_f64::<T>(&gen::random(&mut rng, m, k));
    let b = from_f64::<T>(&gen::random(&mut rng, k, n));
    for threads in [1usize, 2, 3] {
        B::set_num_threads(threads);
        let mut c = Mat::<T>::zeros(m, n);
        B::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).unwrap();
        let what = format!("{} gemm {m}x{k}x{n} threads={threads}", ctx::<B, T>());
        assert_gemm_result(
            &what,
            1.0,
            a.as_ref(),
            b.as_ref(),
            0.0,
            &Mat::zeros(m, n),
            c.as_ref(),
        );
    }
    B::set_num_threads(before.max(1));
    assert!(
        B::is_available(),
        "{}: a compiled backend is available",
        ctx::<B, T>()
    );
    assert!(
        !B::description().is_empty(),
        "{}: description",
        ctx::<B, T>()
    );
}

fn gemm_zero_stride_inputs<B: Backend, T: Scalar>() {
    // Inputs may have zero strides (broadcast views): every row of A is the
    // same buffer row, every column of B the same buffer column.
    let mut rng = Rng::new(39);
    for (m, k, n) in [(1, 1, 1), (5, 3, 4), (40, 33, 17)] {
        let row = naive::vec_from_f64::<T>(&gen::random_vec(&mut rng, k));
        let col = naive::vec_from_f64::<T>(&gen::random_vec(&mut rng, k));
        let a = MatRef::from_parts(&row, 0, m, k, 0, 1).unwrap();
        let b = MatRef::from_parts(&col, 0, k, n, 1, 0).unwrap();
        let mut c = Mat::<T>::zeros(m, n);
        B::gemm(T::ONE, a, b, T::ZERO, c.as_mut()).unwrap();
        let what = format!(
            "{} gemm {m}x{k}x{n} with zero-stride A and B",
            ctx::<B, T>()
        );
        assert_gemm_result(&what, 1.0, a, b, 0.0, &Mat::zeros(m, n), c.as_ref());
        let mut y = vec![T::ZERO; m];
        B::gemv(T::ONE, a, VecRef::from(&col), T::ZERO, (&mut y).into()).unwrap();
        let yc = Mat::from_col(&y);
        let what = format!("{} gemv {m}x{k} with zero-stride A", ctx::<B, T>());
        let x = MatRef::from_slice(&col, k, 1).unwrap();
        assert_gemm_result(&what, 1.0, a, x, 0.0, &Mat::zeros(m, 1), yc.as_ref());
    }
}

oxblas_suite::backend_tests!(
    gemm_shapes_and_layouts,
    gemm_zero_stride_inputs,
    gemm_thread_counts,
    gemm_large_blocked,
    gemm_beta_zero_ignores_nan_c,
    gemm_nan_inf_propagate,
    syrk_random,
    trsm_random,
    symm_random,
    gemm_batched_random,
);
