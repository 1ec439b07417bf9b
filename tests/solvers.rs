//! Solvers and derived operations: solve, inv, det, lstsq (numpy semantics),
//! pinv (Moore-Penrose conditions), rank, cond, matrix norms.

use oxblas_core::{Backend, Error, Mat, MatRef, Norm, Scalar};
use oxblas_suite::naive::{self, fro, from_f64, matmul, sub, to_f64};
use oxblas_suite::{
    assert_ratio, eps, gen, inv_ratio, ratio, solve_ratio, Layout, Rng, Stored, FACTOR_TOL,
    SPECTRAL_TOL,
};

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

const IN_LAYOUTS: [Layout; 4] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Strided,
    Layout::RevRows,
];

/// Square families that are numerically nonsingular in `T` (cond 1e8 only
/// where `1e8 eps < 0.1`).
fn nonsingular<T: Scalar>(rng: &mut Rng, n: usize) -> Vec<(&'static str, Mat<f64>)> {
    let mut v = vec![
        ("random", gen::random(rng, n, n)),
        ("cond 1e2", gen::with_cond(rng, n, n, 1e2)),
        ("diagonally dominant", gen::diag_dominant(rng, n)),
    ];
    if 1e8 * eps::<T>() < 0.1 {
        v.push(("cond 1e8", gen::with_cond(rng, n, n, 1e8)));
    }
    v
}

fn solve_and_inv<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(60);
    for n in [0usize, 1, 2, 5, 33, 64, 130] {
        for (fi, (name, a)) in nonsingular::<T>(&mut rng, n).into_iter().enumerate() {
            let layout = IN_LAYOUTS[(n + fi) % 4];
            let sa = Stored::from_mat(&from_f64::<T>(&a), layout);
            let af = to_f64(sa.view());
            for k in [1usize, 5] {
                let b = from_f64::<T>(&gen::random(&mut rng, n, k));
                let sb = Stored::from_mat(&b, IN_LAYOUTS[(n + fi + 1) % 4]);
                let what = format!("{} solve n={n} k={k} {name} A:{layout:?}", ctx::<B, T>());
                let x = B::solve(sa.view(), sb.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(x.shape(), (n, k), "{what}: shape");
                assert_ratio(
                    &what,
                    solve_ratio(&af, x.as_ref(), &to_f64(b.as_ref())),
                    FACTOR_TOL,
                );
            }
            let what = format!("{} inv n={n} {name} {layout:?}", ctx::<B, T>());
            let x = B::inv(sa.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_ratio(&what, inv_ratio(&af, x.as_ref()), FACTOR_TOL);
        }
    }
}

fn solve_inv_det_singular<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(61);
    for (n, j) in [(1usize, 0usize), (3, 1), (20, 19), (33, 7)] {
        let a = from_f64::<T>(&gen::zero_column(&mut rng, n, j));
        let b = from_f64::<T>(&gen::random(&mut rng, n, 2));
        let what = format!("{} n={n} zero column {j}", ctx::<B, T>());
        assert_eq!(
            B::solve(a.as_ref(), b.as_ref()),
            Err(Error::Singular { index: j }),
            "{what}: solve"
        );
        assert_eq!(
            B::inv(a.as_ref()),
            Err(Error::Singular { index: j }),
            "{what}: inv"
        );
        assert_eq!(B::det(a.as_ref()), Ok(T::ZERO), "{what}: det");
    }
}

fn det_values<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let mut rng = Rng::new(62);
    assert_eq!(
        B::det(Mat::<T>::zeros(0, 0).as_ref()),
        Ok(T::ONE),
        "{c} det of 0x0"
    );
    let a = Mat::from_rows(&[[T::from_f64(-2.5)]]).unwrap();
    assert_eq!(B::det(a.as_ref()), Ok(T::from_f64(-2.5)), "{c} det of 1x1");
    let p = Mat::<T>::from_rows(&[[T::ZERO, T::ONE], [T::ONE, T::ZERO]]).unwrap();
    assert_eq!(B::det(p.as_ref()), Ok(-T::ONE), "{c} det of a swap");
    // Small n: against cofactor expansion. The error scale of det is
    // n eps times the Hadamard bound prod_i ||row_i||.
    for n in 1..=5usize {
        for _ in 0..4 {
            let a = from_f64::<T>(&gen::random(&mut rng, n, n));
            let af = to_f64(a.as_ref());
            let want = naive::det_cofactor(af.as_ref());
            let hadamard: f64 = (0..n)
                .map(|i| naive::dot(af.row(i), af.row(i)).sqrt())
                .product();
            let got = B::det(a.t()).unwrap().to_f64();
            let r = ratio((got - want).abs(), (n * n) as f64 * eps::<T>() * hadamard);
            assert_ratio(
                &format!("{c} det n={n}: {got:e} vs cofactor {want:e}"),
                r,
                FACTOR_TOL,
            );
        }
    }
    // Larger n: Q diag(d) Q^T has det prod(d); |d_i| in [1, 2), so cond <= 2.
    for n in [8usize, 33, 64] {
        let d: Vec<f64> = (0..n)
            .map(|i| (1.0 + rng.unit()) * if i % 3 == 0 { -1.0 } else { 1.0 })
            .collect();
        let a = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &d));
        let want: f64 = d.iter().product();
        let got = B::det(a.as_ref()).unwrap().to_f64();
        let r = ratio(
            (got - want).abs(),
            (n * n) as f64 * eps::<T>() * want.abs() * 2.0,
        );
        assert_ratio(
            &format!("{c} det n={n}: {got:e} vs product of eigenvalues {want:e}"),
            r,
            FACTOR_TOL,
        );
    }
}

/// A random `m x n` matrix `U diag(s) V^T` and its `V` (`n x n` orthogonal;
/// the columns past `s.len()` span the null space).
fn with_right_factor(rng: &mut Rng, m: usize, n: usize, s: &[f64]) -> (Mat<f64>, Mat<f64>) {
    let (u, v) = (gen::orthogonal(rng, m), gen::orthogonal(rng, n));
    let a = Mat::from_fn(m, n, |i, j| {
        (0..s.len()).map(|k| u[(i, k)] * s[k] * v[(j, k)]).sum()
    });
    (a, v)
}

/// `||P_null X||_F / (n eps cond ||X||_F)`: how far `X` is from the row space of `A`.
fn null_component_ratio<T: Scalar>(x: MatRef<'_, T>, v: &Mat<f64>, r: usize, cond: f64) -> f64 {
    let n = v.rows();
    let xf = to_f64(x);
    let vn = Mat::from_fn(n, n - r, |i, j| v[(i, r + j)]);
    let p = matmul(vn.t(), xf.as_ref());
    ratio(
        fro(p.as_ref()),
        n.max(1) as f64 * eps::<T>() * cond * fro(xf.as_ref()),
    )
}

/// LAPACK `xQRT17`-style normal-equations check:
/// `||A^T (B - A X)||_F / (max(m, n, k) eps ||A||_F (||A||_F ||X||_F + ||B||_F))`.
fn normal_eq_ratio<T: Scalar>(a: &Mat<f64>, x: MatRef<'_, T>, b: &Mat<f64>) -> f64 {
    let xf = to_f64(x);
    let r = sub(b.as_ref(), matmul(a.as_ref(), xf.as_ref()).as_ref());
    let atr = matmul(a.t(), r.as_ref());
    let na = fro(a.as_ref());
    let d = a.rows().max(a.cols()).max(b.cols()).max(1) as f64;
    ratio(
        fro(atr.as_ref()),
        d * eps::<T>() * na * (na * fro(xf.as_ref()) + fro(b.as_ref())),
    )
}

fn lstsq_numpy_semantics<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(63);
    // (m, n, rank, k)
    let cases = [
        (12usize, 5usize, 5usize, 1usize),
        (40, 17, 17, 3),
        (130, 30, 30, 2),
        (20, 8, 5, 2),
        (8, 8, 8, 2),
        (8, 8, 3, 1),
        (5, 12, 5, 2),
        (9, 30, 4, 3),
        (1, 1, 1, 1),
    ];
    for (ci, (m, n, r, k)) in cases.into_iter().enumerate() {
        // Nonzero singular values in [1, 10]: cond 10 on the range.
        let s: Vec<f64> = (0..r)
            .map(|i| 10.0 - 9.0 * i as f64 / r.max(2) as f64)
            .collect();
        let (a, v) = with_right_factor(&mut rng, m, n, &s);
        let a = from_f64::<T>(&a);
        let af = to_f64(a.as_ref());
        let b = from_f64::<T>(&gen::random(&mut rng, m, k));
        let bf = to_f64(b.as_ref());
        let sa = Stored::from_mat(&a, IN_LAYOUTS[ci % 4]);
        let what = format!("{} lstsq {m}x{n} rank {r} k={k}", ctx::<B, T>());
        let ls = B::lstsq(sa.view(), b.as_ref(), None).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(ls.solution.shape(), (n, k), "{what}: solution shape");
        assert_eq!(ls.rank, r, "{what}: rank");
        assert_eq!(
            ls.singular_values.len(),
            m.min(n),
            "{what}: singular values"
        );
        let tol = SPECTRAL_TOL * m.max(n) as f64 * eps::<T>() * 10.0;
        for (i, &sv) in ls.singular_values.iter().enumerate() {
            let want = s.get(i).copied().unwrap_or(0.0);
            assert!(
                (sv.to_f64() - want).abs() <= tol,
                "{what}: singular value {i} = {sv}, expected {want}"
            );
        }
        assert_ratio(
            &format!("{what} normal equations"),
            normal_eq_ratio(&af, ls.solution.as_ref(), &bf),
            SPECTRAL_TOL,
        );
        assert_ratio(
            &format!("{what} minimum norm"),
            null_component_ratio(ls.solution.as_ref(), &v, r, 10.0),
            SPECTRAL_TOL,
        );
        if r == n && m > n {
            assert_eq!(
                ls.residuals.len(),
                k,
                "{what}: residuals expected (rank == n < m)"
            );
            for j in 0..k {
                let xj = Mat::from_fn(n, 1, |i, _| ls.solution[(i, j)].to_f64());
                let bj = Mat::from_fn(m, 1, |i, _| bf[(i, j)]);
                let rj = fro(sub(bj.as_ref(), matmul(af.as_ref(), xj.as_ref()).as_ref()).as_ref());
                let got = ls.residuals[j].to_f64().sqrt();
                let tol = SPECTRAL_TOL
                    * m as f64
                    * eps::<T>()
                    * (fro(af.as_ref()) * fro(xj.as_ref()) + fro(bj.as_ref()));
                assert!(
                    (got - rj).abs() <= tol,
                    "{what}: residual {j}: sqrt = {got:e}, ||b - Ax|| = {rj:e}"
                );
            }
        } else {
            assert!(
                ls.residuals.is_empty(),
                "{what}: residuals must be empty unless rank == n < m"
            );
        }
    }
    // rcond: singular values at or below rcond * s_max count as zero.
    let (a, _) = with_right_factor(&mut rng, 6, 4, &[1.0, 0.6, 0.4, 0.1]);
    let a = from_f64::<T>(&a);
    let b = from_f64::<T>(&gen::random(&mut rng, 6, 1));
    let ls = B::lstsq(a.as_ref(), b.as_ref(), Some(T::from_f64(0.5))).unwrap();
    assert_eq!(ls.rank, 2, "{} lstsq rcond = 0.5", ctx::<B, T>());
    assert!(
        ls.residuals.is_empty(),
        "{} lstsq rank < n: no residuals",
        ctx::<B, T>()
    );
    // Zero columns: the solution is empty and the residuals are ||b||^2.
    let a = Mat::<T>::zeros(3, 0);
    let b = from_f64::<T>(&Mat::from_fn(3, 2, |i, j| (i + j) as f64));
    let ls = B::lstsq(a.as_ref(), b.as_ref(), None).unwrap();
    assert_eq!(
        (ls.solution.shape(), ls.rank),
        ((0, 2), 0),
        "{} lstsq 3x0",
        ctx::<B, T>()
    );
    assert_eq!(
        ls.residuals,
        vec![T::from_f64(5.0), T::from_f64(14.0)],
        "{} lstsq 3x0 residuals",
        ctx::<B, T>()
    );
}

fn pinv_moore_penrose<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(64);
    for (m, n, r) in [
        (0usize, 0usize, 0usize),
        (0, 3, 0),
        (1, 1, 1),
        (6, 6, 6),
        (15, 7, 7),
        (7, 15, 7),
        (20, 20, 11),
        (40, 25, 9),
    ] {
        let s: Vec<f64> = (0..r)
            .map(|i| 4.0 - 3.0 * i as f64 / r.max(2) as f64)
            .collect();
        let a = from_f64::<T>(&gen::with_singular_values(&mut rng, m, n, &s));
        let af = to_f64(a.as_ref());
        let what = format!("{} pinv {m}x{n} rank {r}", ctx::<B, T>());
        let x = B::pinv(a.as_ref(), None).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(x.shape(), (n, m), "{what}: shape");
        let xf = to_f64(x.as_ref());
        let (na, nx) = (fro(af.as_ref()), fro(xf.as_ref()));
        let d = m.max(n).max(1) as f64 * eps::<T>();
        let ax = matmul(af.as_ref(), xf.as_ref());
        let xa = matmul(xf.as_ref(), af.as_ref());
        let axa = matmul(ax.as_ref(), af.as_ref());
        let xax = matmul(xa.as_ref(), xf.as_ref());
        let conds = [
            (
                "A X A = A",
                fro(sub(axa.as_ref(), af.as_ref()).as_ref()),
                na * nx * na,
            ),
            (
                "X A X = X",
                fro(sub(xax.as_ref(), xf.as_ref()).as_ref()),
                nx * na * nx,
            ),
            (
                "(A X)^T = A X",
                fro(sub(ax.t(), ax.as_ref()).as_ref()),
                na * nx,
            ),
            (
                "(X A)^T = X A",
                fro(sub(xa.t(), xa.as_ref()).as_ref()),
                na * nx,
            ),
        ];
        for (name, num, den) in conds {
            assert_ratio(
                &format!("{what}: {name}"),
                ratio(num, d * den),
                SPECTRAL_TOL,
            );
        }
    }
    // The pseudo-inverse of a zero matrix is zero.
    let x = B::pinv(Mat::<T>::zeros(3, 5).as_ref(), None).unwrap();
    assert_eq!(x, Mat::zeros(5, 3), "{} pinv of zero", ctx::<B, T>());
}

fn rank_and_cond<B: Backend, T: Scalar>() {
    let c = ctx::<B, T>();
    let mut rng = Rng::new(65);
    for (m, n, r) in [
        (0usize, 0usize, 0usize),
        (3, 0, 0),
        (1, 1, 1),
        (10, 10, 10),
        (10, 10, 4),
        (30, 12, 7),
        (12, 30, 12),
    ] {
        let s: Vec<f64> = (0..r).map(|_| 1.0 + rng.unit()).collect();
        let a = from_f64::<T>(&gen::with_singular_values(&mut rng, m, n, &s));
        assert_eq!(
            B::rank(a.as_ref(), None),
            Ok(r),
            "{c} rank of a {m}x{n} rank-{r} matrix"
        );
    }
    assert_eq!(
        B::rank(Mat::<T>::zeros(4, 3).as_ref(), None),
        Ok(0),
        "{c} rank of zero"
    );
    let (a, _) = with_right_factor(&mut rng, 5, 3, &[1.0, 1e-1, 1e-3]);
    let a = from_f64::<T>(&a);
    assert_eq!(
        B::rank(a.as_ref(), Some(T::from_f64(1e-2))),
        Ok(2),
        "{c} rank with tol 1e-2"
    );
    // cond of a prescribed condition number: relative error about cond n eps.
    // cond 1e8 only where the matrix is numerically nonsingular in T.
    for (n, cond) in [(1usize, 1.0), (8, 1e2), (40, 1e2), (20, 1e8)] {
        if cond * eps::<T>() >= 0.1 {
            continue;
        }
        let a = from_f64::<T>(&gen::with_cond(&mut rng, n, n, cond));
        let got = B::cond(a.as_ref()).unwrap().to_f64();
        let r = ratio((got - cond).abs(), n as f64 * eps::<T>() * cond * cond);
        assert_ratio(
            &format!("{c} cond n={n}: {got:e} vs {cond:e}"),
            r,
            SPECTRAL_TOL,
        );
    }
    let d = Mat::from_diag(&[T::ONE, T::ZERO]);
    assert_eq!(
        B::cond(d.as_ref()),
        Ok(T::INFINITY),
        "{c} cond of a singular matrix"
    );
}

fn matrix_norms<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(66);
    for (si, (m, n)) in [
        (0usize, 0usize),
        (0, 3),
        (1, 1),
        (5, 9),
        (9, 5),
        (33, 33),
        (70, 20),
    ]
    .into_iter()
    .enumerate()
    {
        let sv: Vec<f64> = {
            let mut s: Vec<f64> = (0..m.min(n)).map(|_| 0.1 + 3.0 * rng.unit()).collect();
            s.sort_by(|a, b| b.total_cmp(a));
            s
        };
        let a = from_f64::<T>(&gen::with_singular_values(&mut rng, m, n, &sv));
        let layout = IN_LAYOUTS[si % 4];
        let sa = Stored::from_mat(&a, layout);
        let af = to_f64(a.as_ref());
        let what = format!("{} norm {m}x{n} {layout:?}", ctx::<B, T>());
        let e = eps::<T>();
        let k = (m.max(n) + 2) as f64;
        for (kind, want) in [
            (Norm::One, naive::norm1(af.as_ref())),
            (Norm::Inf, naive::norm_inf(af.as_ref())),
            (Norm::Fro, fro(af.as_ref())),
        ] {
            let got = B::norm(sa.view(), kind).unwrap().to_f64();
            assert!(
                (got - want).abs() <= 2.0 * k * e * want,
                "{what} {kind:?}: {got:e} vs {want:e}"
            );
        }
        let want = sv.first().copied().unwrap_or(0.0);
        let got = B::norm(sa.view(), Norm::Spectral).unwrap().to_f64();
        let r = ratio((got - want).abs(), k * e * want.max(f64::MIN_POSITIVE));
        assert_ratio(
            &format!("{what} spectral: {got:e} vs {want:e}"),
            r,
            SPECTRAL_TOL,
        );
    }
    // One, Inf and Fro propagate NaN.
    let mut a = Mat::<T>::filled(3, 4, T::ONE);
    a[(1, 2)] = T::NAN;
    for kind in [Norm::One, Norm::Inf, Norm::Fro] {
        assert!(
            B::norm(a.as_ref(), kind).unwrap().is_nan(),
            "{} {kind:?} with NaN",
            ctx::<B, T>()
        );
    }
}

oxblas_suite::backend_tests!(
    solve_and_inv,
    solve_inv_det_singular,
    det_values,
    lstsq_numpy_semantics,
    pinv_moore_penrose,
    rank_and_cond,
    matrix_norms,
);
