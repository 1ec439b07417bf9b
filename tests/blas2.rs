//! BLAS level 2: gemv (both orientations through `.t()`), ger, trsv, symv,
//! for every storage layout, against naive `f64` oracles.

use oxblas_core::{Backend, Diag, Mat, MatRef, Scalar, Uplo, VecRef};
use oxblas_suite::naive::{self, from_f64, to_f64, vec_f64, vec_from_f64};
use oxblas_suite::{
    assert_close_scaled, assert_ratio, gen, solve_ratio, Layout, Rng, Stored, StoredVec, FACTOR_TOL,
};

const SHAPES: [(usize, usize); 9] = [
    (0, 0),
    (0, 3),
    (3, 0),
    (1, 1),
    (5, 7),
    (7, 5),
    (33, 17),
    (64, 64),
    (100, 3),
];

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

fn col(v: &[f64]) -> Mat<f64> {
    Mat::from_col(v)
}

/// `(A x, |A||x|)` with `x` as a column.
fn prod(a: MatRef<'_, f64>, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (p, s) = oxblas_suite::product_and_scale(a, col(x).as_ref());
    (p.into_vec(), s.into_vec())
}

fn gemv_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(20);
    for (m, n) in SHAPES {
        for layout in Layout::ALL {
            for trans in [false, true] {
                for (alpha, beta) in [(1.0, 0.0), (-0.75, 1.5), (2.0, 1.0)] {
                    // Logical operand op(A) is m x n; with `trans`, store its transpose.
                    let a = gen::random(
                        &mut rng,
                        if trans { n } else { m },
                        if trans { m } else { n },
                    );
                    let sa = Stored::from_mat(&from_f64::<T>(&a), layout);
                    let av = if trans { sa.view().t() } else { sa.view() };
                    let (sx, sy) = if trans { (-1, 2) } else { (1, 1) };
                    let x = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), sx);
                    let y0 = vec_from_f64::<T>(&gen::random_vec(&mut rng, m));
                    let mut y = StoredVec::new(&y0, sy);
                    let (ta, tb) = (T::from_f64(alpha), T::from_f64(beta));
                    B::gemv(ta, av, x.view(), tb, y.view_mut()).unwrap();
                    let (p, s) = prod(to_f64(av).as_ref(), &vec_f64(x.view()));
                    let yf = vec_f64(VecRef::from(&y0));
                    let want: Vec<f64> = (0..m).map(|i| alpha * p[i] + beta * yf[i]).collect();
                    let scale: Vec<f64> = (0..m)
                        .map(|i| alpha.abs() * s[i] + beta.abs() * yf[i].abs())
                        .collect();
                    let what = format!(
                        "{} gemv {m}x{n} {layout:?} trans={trans} alpha={alpha} beta={beta}",
                        ctx::<B, T>()
                    );
                    let got = Mat::from_col(&y.to_vec());
                    assert_close_scaled(&what, got.as_ref(), &col(&want), &col(&scale), n + 1);
                    assert!(y.padding_is_intact(), "{what}: wrote outside y");
                }
            }
        }
    }
}

fn gemv_beta_zero_ignores_nan_y<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(21);
    for (m, n) in [(1, 1), (9, 4), (40, 40)] {
        let a = from_f64::<T>(&gen::random(&mut rng, m, n));
        let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
        let mut y = vec![T::NAN; m];
        B::gemv(
            T::ONE,
            a.as_ref(),
            VecRef::from(&x),
            T::ZERO,
            (&mut y).into(),
        )
        .unwrap();
        assert!(
            y.iter().all(|v| v.is_finite()),
            "{} gemv with beta = 0 read y (NaN propagated): {y:?}",
            ctx::<B, T>()
        );
    }
}

fn gemv_nan_propagates<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(22);
    let (m, n) = (12, 9);
    let mut a = from_f64::<T>(&gen::random(&mut rng, m, n));
    a[(4, 6)] = T::NAN;
    let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
    let mut y = vec![T::ZERO; m];
    B::gemv(
        T::ONE,
        a.as_ref(),
        VecRef::from(&x),
        T::ZERO,
        (&mut y).into(),
    )
    .unwrap();
    for (i, v) in y.iter().enumerate() {
        assert_eq!(
            v.is_nan(),
            i == 4,
            "{} gemv: NaN in A(4, 6) -> y[{i}] = {v}",
            ctx::<B, T>()
        );
    }
    let mut x2 = x.clone();
    x2[3] = T::INFINITY;
    let a = from_f64::<T>(&gen::random(&mut rng, m, n));
    B::gemv(
        T::ONE,
        a.as_ref(),
        VecRef::from(&x2),
        T::ZERO,
        (&mut y).into(),
    )
    .unwrap();
    assert!(
        y.iter().all(|v| !v.is_finite()),
        "{} gemv: inf in x -> y {y:?}",
        ctx::<B, T>()
    );
}

fn ger_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(23);
    for (m, n) in SHAPES {
        for layout in Layout::ALL {
            let alpha = T::from_f64(rng.uniform() * 2.0);
            let a0 = from_f64::<T>(&gen::random(&mut rng, m, n));
            let x = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, m)), 2);
            let y = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), -1);
            let mut sa = Stored::from_mat(&a0, layout);
            B::ger(alpha, x.view(), y.view(), sa.view_mut()).unwrap();
            let (xf, yf, af) = (vec_f64(x.view()), vec_f64(y.view()), to_f64(a0.as_ref()));
            let al = alpha.to_f64();
            let want = Mat::from_fn(m, n, |i, j| af[(i, j)] + al * xf[i] * yf[j]);
            let scale = Mat::from_fn(m, n, |i, j| af[(i, j)].abs() + (al * xf[i] * yf[j]).abs());
            let what = format!("{} ger {m}x{n} {layout:?}", ctx::<B, T>());
            assert_close_scaled(&what, sa.view(), &want, &scale, 2);
            assert!(sa.padding_is_intact(), "{what}: wrote outside A");
        }
    }
}

fn trsv_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(24);
    for n in [0usize, 1, 2, 5, 16, 33, 64, 130] {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for diag in [Diag::NonUnit, Diag::Unit] {
                for (layout, trans, sx) in [
                    (Layout::RowMajor, false, 1),
                    (Layout::ColMajor, false, -1),
                    (Layout::Padded, true, 2),
                    (Layout::RevRows, false, 1),
                    (Layout::Strided, true, -3),
                ] {
                    let m = gen::triangular(&mut rng, n, uplo, diag);
                    // With `trans`, store M^T and pass its transpose view.
                    let stored = Stored::from_mat(
                        &from_f64::<T>(&if trans { m.transpose() } else { m.clone() }),
                        layout,
                    );
                    let av = if trans {
                        stored.view().t()
                    } else {
                        stored.view()
                    };
                    let b = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
                    let mut x = StoredVec::new(&b, sx);
                    B::trsv(uplo, diag, av, x.view_mut()).unwrap();
                    let t = naive::triangle(uplo, diag, to_f64(av).as_ref());
                    let xs = Mat::from_col(&x.to_vec());
                    let bf = col(&vec_f64(VecRef::from(&b)));
                    let what = format!(
                        "{} trsv n={n} {uplo:?} {diag:?} {layout:?} trans={trans}",
                        ctx::<B, T>()
                    );
                    assert_ratio(&what, solve_ratio(&t, xs.as_ref(), &bf), FACTOR_TOL);
                    assert!(x.padding_is_intact(), "{what}: wrote outside x");
                }
            }
        }
    }
}

fn trsv_zero_diagonal_gives_inf<B: Backend, T: Scalar>() {
    // BLAS semantics: no error, the division by zero shows as infinity.
    let a = Mat::<T>::from_rows(&[[T::ONE, T::ZERO], [T::ONE, T::ZERO]]).unwrap();
    let mut x = vec![T::ONE, T::ONE];
    let r = B::trsv(Uplo::Lower, Diag::NonUnit, a.as_ref(), (&mut x).into());
    assert_eq!(r, Ok(()), "{} trsv with a zero diagonal", ctx::<B, T>());
    assert_eq!(x[0], T::ONE, "{}", ctx::<B, T>());
    assert!(
        !x[1].is_finite(),
        "{} trsv: 0/0 or 1/0 expected, got {:?}",
        ctx::<B, T>(),
        x
    );
}

fn symv_random<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(25);
    for n in [0usize, 1, 3, 8, 17, 64, 100] {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for layout in [
                Layout::RowMajor,
                Layout::ColMajor,
                Layout::Strided,
                Layout::RevCols,
            ] {
                for (alpha, beta) in [(1.0, 0.0), (0.5, -2.0)] {
                    let eigs = gen::random_vec(&mut rng, n);
                    let full = gen::symmetric_with_eigs(&mut rng, &eigs);
                    // Only the `uplo` triangle is stored; the other holds NaN.
                    let m = Mat::from_fn(n, n, |i, j| {
                        if i == j || (uplo == Uplo::Lower) == (i > j) {
                            full[(i, j)]
                        } else {
                            f64::NAN
                        }
                    });
                    let sa = Stored::from_mat(&from_f64::<T>(&m), layout);
                    let x = StoredVec::new(&vec_from_f64::<T>(&gen::random_vec(&mut rng, n)), -2);
                    let y0 = vec_from_f64::<T>(&gen::random_vec(&mut rng, n));
                    let mut y = StoredVec::new(&y0, 1);
                    let (ta, tb) = (T::from_f64(alpha), T::from_f64(beta));
                    B::symv(uplo, ta, sa.view(), x.view(), tb, y.view_mut()).unwrap();
                    let s = naive::symmetrize(uplo, to_f64(sa.view()).as_ref());
                    let (p, sc) = prod(s.as_ref(), &vec_f64(x.view()));
                    let yf = vec_f64(VecRef::from(&y0));
                    let want: Vec<f64> = (0..n).map(|i| alpha * p[i] + beta * yf[i]).collect();
                    let scale: Vec<f64> = (0..n)
                        .map(|i| alpha.abs() * sc[i] + beta.abs() * yf[i].abs())
                        .collect();
                    let what = format!(
                        "{} symv n={n} {uplo:?} {layout:?} beta={beta}",
                        ctx::<B, T>()
                    );
                    let got = Mat::from_col(&y.to_vec());
                    assert_close_scaled(&what, got.as_ref(), &col(&want), &col(&scale), n + 1);
                }
            }
        }
    }
}

oxblas_suite::backend_tests!(
    gemv_random,
    gemv_beta_zero_ignores_nan_y,
    gemv_nan_propagates,
    ger_random,
    trsv_random,
    trsv_zero_diagonal_gives_inf,
    symv_random,
);
