//! Factorizations: LU with partial pivoting, Cholesky, Householder QR and
//! column-pivoted QR, with their solves, checked by LAPACK-style scaled
//! residual ratios over the matrix families of DESIGN.md.

use oxblas_core::{Backend, Error, Mat, MatRef, QrMode, Scalar};
use oxblas_suite::naive::{self, from_f64, to_f64};
use oxblas_suite::{
    assert_ratio, eps, gen, lu_multipliers_bounded, lu_ratio, orth_ratio, recon_ratio, solve_ratio,
    Layout, Rng, Stored, FACTOR_TOL,
};

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

/// The square families: (name, matrix, numerically nonsingular in `T`).
/// A matrix of condition number 1e8 rounded to `f32` (eps 1.2e-7) is
/// numerically singular: its LU may legitimately meet an exactly zero pivot,
/// so it is factored but not solved with.
fn square_families<T: Scalar>(rng: &mut Rng, n: usize) -> Vec<(&'static str, Mat<f64>, bool)> {
    vec![
        ("random", gen::random(rng, n, n), true),
        ("cond 1e2", gen::with_cond(rng, n, n, 1e2), true),
        (
            "cond 1e8",
            gen::with_cond(rng, n, n, 1e8),
            1e8 * eps::<T>() < 0.1,
        ),
        ("diagonally dominant", gen::diag_dominant(rng, n), true),
    ]
}

/// The layouts a factorization input is passed with, by index: the plain
/// row-major view, column-major, a strided view and a negative-stride view.
const IN_LAYOUTS: [Layout; 4] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Strided,
    Layout::RevRows,
];

fn lu_families<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(40);
    for n in [0usize, 1, 2, 3, 8, 33, 64, 130] {
        for (fi, (name, a, solvable)) in square_families::<T>(&mut rng, n).into_iter().enumerate() {
            let layout = IN_LAYOUTS[(n + fi) % 4];
            let s = Stored::from_mat(&from_f64::<T>(&a), layout);
            let af = to_f64(s.view());
            let what = format!("{} lu n={n} {name} {layout:?}", ctx::<B, T>());
            let lu = B::lu(s.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_ratio(&what, lu_ratio(&af, &lu), FACTOR_TOL);
            assert!(
                lu_multipliers_bounded(&lu),
                "{what}: |l_ij| > 1: not partial pivoting"
            );
            if !solvable {
                continue;
            }
            // Solve with the factors.
            let b = gen::random(&mut rng, n, 3);
            let x = B::lu_solve(&lu, from_f64::<T>(&b).as_ref()).unwrap();
            let bf = to_f64(from_f64::<T>(&b).as_ref());
            assert_ratio(
                &format!("{what} lu_solve"),
                solve_ratio(&af, x.as_ref(), &bf),
                FACTOR_TOL,
            );
        }
    }
}

fn lu_large_and_transposed<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(41);
    let a = gen::random(&mut rng, 260, 260);
    let at = from_f64::<T>(&a.transpose());
    // The transpose view of A^T is A, with strides (1, n).
    let view = at.t();
    let what = format!("{} lu n=260 via .t()", ctx::<B, T>());
    let lu = B::lu(view).unwrap();
    assert_ratio(&what, lu_ratio(&to_f64(view), &lu), FACTOR_TOL);
    assert!(lu_multipliers_bounded(&lu), "{what}: not partial pivoting");
}

fn lu_singular_factors<B: Backend, T: Scalar>() {
    // An exactly singular matrix factors fine; the zero pivot shows in U and
    // solving reports it.
    let mut rng = Rng::new(42);
    for (n, j) in [(1usize, 0usize), (4, 2), (17, 16), (40, 0), (40, 25)] {
        let a = from_f64::<T>(&gen::zero_column(&mut rng, n, j));
        let what = format!(
            "{} lu of a {n}x{n} matrix with zero column {j}",
            ctx::<B, T>()
        );
        let lu = B::lu(a.as_ref()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ratio(&what, lu_ratio(&to_f64(a.as_ref()), &lu), FACTOR_TOL);
        assert_eq!(lu.zero_pivot(), Some(j), "{what}: first zero pivot");
        assert_eq!(lu.det(), T::ZERO, "{what}: det");
        let b = Mat::<T>::zeros(n, 1);
        assert_eq!(
            B::lu_solve(&lu, b.as_ref()),
            Err(Error::Singular { index: j }),
            "{what}"
        );
    }
    // Small integer matrices factor exactly: [[1, 2], [2, 4]] has pivots 2, 0.
    let a = Mat::<T>::from_rows(&[[1.0, 2.0], [2.0, 4.0]].map(|r| r.map(T::from_f64))).unwrap();
    let lu = B::lu(a.as_ref()).unwrap();
    assert_eq!(
        lu.pivots,
        vec![1, 1],
        "{} lu pivots of [[1,2],[2,4]]",
        ctx::<B, T>()
    );
    assert_eq!(lu.factors[(1, 1)], T::ZERO, "{}", ctx::<B, T>());
}

fn cholesky_check<B: Backend, T: Scalar>(what: &str, a_lower: MatRef<'_, T>, full: &Mat<f64>) {
    let c = B::cholesky(a_lower).unwrap_or_else(|e| panic!("{what}: {e}"));
    let n = full.rows();
    assert_eq!(c.l.shape(), (n, n), "{what}: shape of L");
    for i in 0..n {
        assert!(
            c.l[(i, i)] > T::ZERO,
            "{what}: L({i},{i}) = {} is not positive",
            c.l[(i, i)]
        );
        for j in i + 1..n {
            assert_eq!(
                c.l[(i, j)],
                T::ZERO,
                "{what}: L({i},{j}) above the diagonal"
            );
        }
    }
    assert_ratio(what, recon_ratio(full, c.l.as_ref(), c.l.t()), FACTOR_TOL);
    let b = from_f64::<T>(&Mat::from_fn(n, 2, |i, j| {
        (i + 2 * j) as f64 / (n as f64 + 1.0)
    }));
    let x = B::cholesky_solve(&c, b.as_ref()).unwrap();
    let ratio = solve_ratio(full, x.as_ref(), &to_f64(b.as_ref()));
    assert_ratio(&format!("{what} cholesky_solve"), ratio, FACTOR_TOL);
}

fn cholesky_spd<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(43);
    // cond 1e8 only where it is numerically positive definite (n eps cond << 1).
    let conds = if eps::<T>() < 1e-10 {
        [1e2, 1e8]
    } else {
        [1e2, 1e3]
    };
    for n in [0usize, 1, 2, 5, 16, 33, 64, 130] {
        for (ci, cond) in conds.into_iter().enumerate() {
            let a = from_f64::<T>(&gen::spd(&mut rng, n, cond));
            let full = to_f64(a.as_ref());
            let layout = IN_LAYOUTS[(n + ci) % 4];
            // Garbage above the diagonal: only the lower triangle may be read.
            let garbage = Mat::from_fn(n, n, |i, j| {
                if i < j {
                    T::from_f64(1e3 * (i + j) as f64)
                } else {
                    a[(i, j)]
                }
            });
            let s = Stored::from_mat(&garbage, layout);
            let what = format!("{} cholesky n={n} cond={cond:e} {layout:?}", ctx::<B, T>());
            cholesky_check::<B, T>(&what, s.view(), &full);
        }
    }
    let a = from_f64::<T>(&gen::spd(&mut rng, 260, 10.0));
    cholesky_check::<B, T>(
        &format!("{} cholesky n=260", ctx::<B, T>()),
        a.as_ref(),
        &to_f64(a.as_ref()),
    );
}

fn cholesky_reads_only_lower<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(44);
    for n in [2usize, 9, 40] {
        let a = from_f64::<T>(&gen::spd(&mut rng, n, 10.0));
        let full = to_f64(a.as_ref());
        let nan_upper = Mat::from_fn(n, n, |i, j| if i < j { T::NAN } else { a[(i, j)] });
        let what = format!(
            "{} cholesky n={n} with NaN above the diagonal",
            ctx::<B, T>()
        );
        cholesky_check::<B, T>(&what, nan_upper.as_ref(), &full);
    }
}

fn cholesky_not_positive_definite<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(45);
    for (n, k) in [(1usize, 0usize), (2, 1), (5, 0), (5, 3), (33, 20), (70, 69)] {
        let a = from_f64::<T>(&gen::indefinite_at(&mut rng, n, k));
        assert_eq!(
            naive::cholesky_fail_index(to_f64(a.as_ref()).as_ref()),
            Some(k),
            "oracle"
        );
        let r = B::cholesky(a.as_ref());
        assert_eq!(
            r.map(|_| ()),
            Err(Error::NotPositiveDefinite { index: k }),
            "{} cholesky of an n={n} matrix whose pivot {k} is negative",
            ctx::<B, T>()
        );
    }
    // Symmetric with a negative eigenvalue (the failing pivot from the f64 oracle).
    let mut eigs: Vec<f64> = (0..12).map(|i| 1.0 + i as f64).collect();
    eigs[5] = -3.0;
    let a = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &eigs));
    let k = naive::cholesky_fail_index(to_f64(a.as_ref()).as_ref()).expect("indefinite");
    assert_eq!(
        B::cholesky(a.as_ref()).map(|_| ()),
        Err(Error::NotPositiveDefinite { index: k }),
        "{} cholesky of a symmetric indefinite matrix",
        ctx::<B, T>()
    );
    // Zero and negative diagonals.
    for (a, k) in [
        (Mat::<T>::zeros(3, 3), 0),
        (Mat::from_diag(&[T::ONE, -T::ONE]), 1),
        (Mat::from_diag(&[T::ONE, T::ONE, T::ZERO]), 2),
    ] {
        assert_eq!(
            B::cholesky(a.as_ref()).map(|_| ()),
            Err(Error::NotPositiveDefinite { index: k }),
            "{} cholesky of {a:?}",
            ctx::<B, T>()
        );
    }
}

fn qr_shapes<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(46);
    let shapes = [
        (0, 0),
        (0, 3),
        (3, 0),
        (1, 1),
        (5, 5),
        (9, 4),
        (4, 9),
        (40, 33),
        (33, 40),
        (64, 64),
        (130, 70),
    ];
    for (si, (m, n)) in shapes.into_iter().enumerate() {
        for (fi, (name, a)) in [
            ("random", gen::random(&mut rng, m, n)),
            ("cond 1e8", gen::with_cond(&mut rng, m, n, 1e8)),
        ]
        .into_iter()
        .enumerate()
        {
            let layout = IN_LAYOUTS[(si + fi) % 4];
            let s = Stored::from_mat(&from_f64::<T>(&a), layout);
            let af = to_f64(s.view());
            let what = format!("{} qr {m}x{n} {name} {layout:?}", ctx::<B, T>());
            let qr = B::qr(s.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
            let k = m.min(n);
            assert_eq!(qr.factors.shape(), (m, n), "{what}: factors shape");
            assert_eq!(qr.tau.len(), k, "{what}: tau length");
            let r = qr.r();
            let q = B::qr_q(&qr, QrMode::Reduced).unwrap();
            assert_eq!(q.shape(), (m, k), "{what}: reduced Q shape");
            assert_ratio(
                &format!("{what} A = QR"),
                recon_ratio(&af, q.as_ref(), r.as_ref()),
                FACTOR_TOL,
            );
            assert_ratio(
                &format!("{what} Q^T Q = I"),
                orth_ratio::<T>(q.as_ref()),
                FACTOR_TOL,
            );
            let qc = B::qr_q(&qr, QrMode::Complete).unwrap();
            assert_eq!(qc.shape(), (m, m), "{what}: complete Q shape");
            assert_ratio(
                &format!("{what} complete Q^T Q = I"),
                orth_ratio::<T>(qc.as_ref()),
                FACTOR_TOL,
            );
            let qck = qc.as_ref().submatrix(0, 0, m, k).unwrap();
            assert_ratio(
                &format!("{what} A = Qc R"),
                recon_ratio(&af, qck, r.as_ref()),
                FACTOR_TOL,
            );
        }
    }
    let a = from_f64::<T>(&gen::random(&mut rng, 260, 200));
    let qr = B::qr(a.as_ref()).unwrap();
    let q = B::qr_q(&qr, QrMode::Reduced).unwrap();
    let what = format!("{} qr 260x200", ctx::<B, T>());
    assert_ratio(
        &what,
        recon_ratio(&to_f64(a.as_ref()), q.as_ref(), qr.r().as_ref()),
        FACTOR_TOL,
    );
    assert_ratio(&what, orth_ratio::<T>(q.as_ref()), FACTOR_TOL);
}

fn qr_pivoted_rank_revealing<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(47);
    for (m, n, r) in [
        (0usize, 0usize, 0usize),
        (1, 1, 1),
        (8, 8, 8),
        (20, 12, 5),
        (12, 20, 7),
        (50, 50, 31),
    ] {
        let s: Vec<f64> = (0..r).map(|i| 2.0 - i as f64 / r.max(1) as f64).collect();
        let a = from_f64::<T>(&gen::with_singular_values(&mut rng, m, n, &s));
        let af = to_f64(a.as_ref());
        let what = format!("{} qr_pivoted {m}x{n} rank {r}", ctx::<B, T>());
        let p = B::qr_pivoted(a.as_ref()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut seen = p.perm.clone();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..n).collect::<Vec<_>>(),
            "{what}: perm is not a permutation"
        );
        // A P = Q R
        let ap = Mat::from_fn(m, n, |i, j| af[(i, p.perm[j])]);
        let q = B::qr_q(&p.qr, QrMode::Reduced).unwrap();
        assert_ratio(
            &format!("{what} AP = QR"),
            recon_ratio(&ap, q.as_ref(), p.qr.r().as_ref()),
            FACTOR_TOL,
        );
        assert_ratio(
            &format!("{what} Q^T Q = I"),
            orth_ratio::<T>(q.as_ref()),
            FACTOR_TOL,
        );
        // |r_ii| non-increasing, up to rounding.
        let k = m.min(n);
        let slack = FACTOR_TOL * k as f64 * eps::<T>() * naive::fro(af.as_ref());
        for i in 1..k {
            let (prev, cur) = (
                p.qr.factors[(i - 1, i - 1)].to_f64().abs(),
                p.qr.factors[(i, i)].to_f64().abs(),
            );
            assert!(
                cur <= prev + slack,
                "{what}: |r_{i}{i}| = {cur:e} > |r_{}{}| = {prev:e}",
                i - 1,
                i - 1
            );
        }
        assert_eq!(
            p.rank(Some(T::from_f64(1e-3))),
            r,
            "{what}: rank with tol 1e-3"
        );
    }
}

oxblas_suite::backend_tests!(
    lu_families,
    lu_large_and_transposed,
    lu_singular_factors,
    cholesky_spd,
    cholesky_reads_only_lower,
    cholesky_not_positive_definite,
    qr_shapes,
    qr_pivoted_rank_revealing,
);
