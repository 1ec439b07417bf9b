//! Spectral decompositions: eigh / eigvalsh, eig / eigvals (complex results),
//! SVD (thin and full) / singular_values, against matrices with prescribed
//! spectra and by scaled residual and orthogonality ratios.

use oxblas_core::{Backend, Complex, Mat, Scalar, SvdMode};
use oxblas_suite::naive::{from_f64, to_f64};
use oxblas_suite::{
    assert_ratio, eig_ratio, eigh_ratio, eps, gen, svd_ratio, Layout, Rng, Stored, SPECTRAL_TOL,
};

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

const IN_LAYOUTS: [Layout; 4] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Strided,
    Layout::RevCols,
];

/// Checks computed real values against known ones (both sorted the same way):
/// `|got_i - want_i| <= SPECTRAL_TOL n eps scale` (Weyl: a backward error of
/// `n eps ||A||` moves each eigen/singular value by at most that much).
fn assert_values<T: Scalar>(what: &str, got: &[T], want: &[f64], n: usize, scale: f64) {
    assert_eq!(got.len(), want.len(), "{what}: number of values");
    let tol = SPECTRAL_TOL * n.max(1) as f64 * eps::<T>() * scale;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let g = g.to_f64();
        assert!(
            (g - w).abs() <= tol,
            "{what}: value {i} is {g:e}, expected {w:e} +- {tol:e}"
        );
    }
}

/// Symmetric families: (name, eigenvalues).
fn sym_spectra(rng: &mut Rng, n: usize) -> Vec<(&'static str, Vec<f64>)> {
    let clustered: Vec<f64> = (0..n).map(|i| [1.0, 1.0, 1.0, 2.0, -2.0][i % 5]).collect();
    vec![
        ("uniform", gen::random_vec(rng, n)),
        ("clustered", clustered),
        ("spd cond 1e8", gen::geometric(n, 1e8)),
    ]
}

fn eigh_prescribed<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(50);
    for n in [0usize, 1, 2, 5, 16, 33, 64, 130] {
        for (fi, (name, eigs)) in sym_spectra(&mut rng, n).into_iter().enumerate() {
            let a = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &eigs));
            let full = to_f64(a.as_ref());
            let layout = IN_LAYOUTS[(n + fi) % 4];
            // Finite garbage above the diagonal: only the lower triangle may be read.
            let g = Mat::from_fn(n, n, |i, j| {
                if i < j {
                    T::from_f64(7.0 + j as f64)
                } else {
                    a[(i, j)]
                }
            });
            let s = Stored::from_mat(&g, layout);
            let what = format!("{} eigh n={n} {name} {layout:?}", ctx::<B, T>());
            let e = B::eigh(s.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_ratio(&what, eigh_ratio(&full, &e), SPECTRAL_TOL);
            let mut want = eigs.clone();
            want.sort_by(f64::total_cmp);
            let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert_values(&what, &e.values, &want, n, scale);
            let w = B::eigvalsh(s.view()).unwrap_or_else(|e| panic!("{what} eigvalsh: {e}"));
            assert_values(&format!("{what} eigvalsh"), &w, &want, n, scale);
        }
    }
    let eigs = gen::random_vec(&mut rng, 200);
    let a = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &eigs));
    let e = B::eigh(a.as_ref()).unwrap();
    assert_ratio(
        &format!("{} eigh n=200", ctx::<B, T>()),
        eigh_ratio(&to_f64(a.as_ref()), &e),
        SPECTRAL_TOL,
    );
}

fn eigh_reads_only_lower<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(51);
    for n in [2usize, 7, 30] {
        let eigs = gen::random_vec(&mut rng, n);
        let a = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &eigs));
        let g = Mat::from_fn(n, n, |i, j| if i < j { T::NAN } else { a[(i, j)] });
        let what = format!("{} eigh n={n} with NaN above the diagonal", ctx::<B, T>());
        let e = B::eigh(g.as_ref()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ratio(&what, eigh_ratio(&to_f64(a.as_ref()), &e), SPECTRAL_TOL);
        let w = B::eigvalsh(g.as_ref()).unwrap_or_else(|e| panic!("{what} eigvalsh: {e}"));
        let mut want = eigs.clone();
        want.sort_by(f64::total_cmp);
        assert_values(&format!("{what} eigvalsh"), &w, &want, n, 1.0);
    }
}

/// Matches computed complex eigenvalues to known ones (nearest unused), each
/// within `SPECTRAL_TOL n eps scale` (the eigenvalues of a normal matrix are
/// perfectly conditioned).
fn assert_complex_values<T: Scalar>(
    what: &str,
    got: &[Complex<T>],
    want: &[Complex<f64>],
    scale: f64,
) {
    let n = want.len();
    assert_eq!(got.len(), n, "{what}: number of eigenvalues");
    let tol = SPECTRAL_TOL * n.max(1) as f64 * eps::<T>() * scale;
    let mut used = vec![false; n];
    for w in want {
        let (best, dist) = got
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, g)| (i, (Complex::new(g.re.to_f64(), g.im.to_f64()) - w).norm()))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("as many computed as known");
        assert!(
            dist <= tol,
            "{what}: no eigenvalue near {w} (closest {:?}, {dist:e} > {tol:e})",
            got[best]
        );
        used[best] = true;
    }
}

fn eig_normal_prescribed<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(52);
    for (nr, np) in [
        (0usize, 0usize),
        (1, 0),
        (0, 1),
        (3, 1),
        (2, 3),
        (10, 6),
        (13, 10),
        (30, 17),
    ] {
        let real: Vec<f64> = gen::random_vec(&mut rng, nr);
        let pairs: Vec<(f64, f64)> = (0..np).map(|_| (rng.uniform(), 0.1 + rng.unit())).collect();
        let (a, eigs) = gen::normal_with_eigs(&mut rng, &real, &pairs);
        let a = from_f64::<T>(&a);
        let n = a.rows();
        let layout = IN_LAYOUTS[n % 4];
        let s = Stored::from_mat(&a, layout);
        let what = format!(
            "{} eig n={n} normal, {np} complex pairs, {layout:?}",
            ctx::<B, T>()
        );
        let e = B::eig(s.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ratio(&what, eig_ratio(&to_f64(a.as_ref()), &e), SPECTRAL_TOL);
        let scale = eigs.iter().fold(0.0f64, |m, z| m.max(z.norm()));
        assert_complex_values(&what, &e.values, &eigs, scale);
        let v = B::eigvals(s.view()).unwrap_or_else(|e| panic!("{what} eigvals: {e}"));
        assert_complex_values(&format!("{what} eigvals"), &v, &eigs, scale);
    }
}

fn eig_general<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(53);
    for n in [1usize, 2, 3, 8, 33, 64, 100] {
        let a = from_f64::<T>(&gen::random(&mut rng, n, n));
        let what = format!("{} eig n={n} random", ctx::<B, T>());
        let e = B::eig(a.as_ref()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ratio(&what, eig_ratio(&to_f64(a.as_ref()), &e), SPECTRAL_TOL);
        // The sum of the eigenvalues is the trace.
        let tr: f64 = (0..n).map(|i| a[(i, i)].to_f64()).sum();
        let sum: Complex<f64> = e
            .values
            .iter()
            .map(|z| Complex::new(z.re.to_f64(), z.im.to_f64()))
            .sum();
        let fro = oxblas_suite::naive::fro(to_f64(a.as_ref()).as_ref());
        let tol = SPECTRAL_TOL * (n * n) as f64 * eps::<T>() * fro;
        assert!(
            (sum - tr).norm() <= tol,
            "{what}: sum of eigenvalues {sum} vs trace {tr}"
        );
    }
    // Upper triangular: the eigenvalues are the diagonal.
    let t = Mat::from_fn(6, 6, |i, j| {
        if i <= j {
            (1 + i + 2 * j) as f64 / 4.0
        } else {
            0.0
        }
    });
    let e = B::eig(from_f64::<T>(&t).as_ref()).unwrap();
    let want: Vec<Complex<f64>> = (0..6).map(|i| Complex::new(t[(i, i)], 0.0)).collect();
    assert_complex_values(
        &format!("{} eig triangular", ctx::<B, T>()),
        &e.values,
        &want,
        4.0,
    );
    // A rotation: eigenvalues +-i, the positive imaginary part first.
    let r = Mat::<T>::from_rows(&[[T::ZERO, -T::ONE], [T::ONE, T::ZERO]]).unwrap();
    let e = B::eig(r.as_ref()).unwrap();
    assert_eq!(e.values.len(), 2);
    assert!(
        e.values[0].im > T::ZERO,
        "{} eig of a rotation: {:?}",
        ctx::<B, T>(),
        e.values
    );
    assert_ratio("rotation", eig_ratio(&to_f64(r.as_ref()), &e), SPECTRAL_TOL);
}

fn svd_prescribed<B: Backend, T: Scalar>() {
    let mut rng = Rng::new(54);
    let shapes = [
        (0, 0),
        (0, 3),
        (3, 0),
        (1, 1),
        (1, 5),
        (5, 1),
        (8, 8),
        (20, 9),
        (9, 20),
        (64, 64),
        (130, 40),
    ];
    for (si, (m, n)) in shapes.into_iter().enumerate() {
        let k = m.min(n);
        let families: Vec<(&str, Vec<f64>)> = vec![
            ("random spectrum", {
                let mut s: Vec<f64> = (0..k).map(|_| 0.1 + rng.unit()).collect();
                s.sort_by(|a, b| b.total_cmp(a));
                s
            }),
            ("cond 1e2", gen::geometric(k, 1e2)),
            ("cond 1e8", gen::geometric(k, 1e8)),
            (
                "rank deficient",
                (0..k)
                    .map(|i| if i < k / 2 { 1.0 + (k - i) as f64 } else { 0.0 })
                    .collect(),
            ),
        ];
        for (fi, (name, sv)) in families.into_iter().enumerate() {
            let a = from_f64::<T>(&gen::with_singular_values(&mut rng, m, n, &sv));
            let af = to_f64(a.as_ref());
            let layout = IN_LAYOUTS[(si + fi) % 4];
            let s = Stored::from_mat(&a, layout);
            let scale = sv.first().copied().unwrap_or(0.0);
            for mode in [SvdMode::Thin, SvdMode::Full] {
                let what = format!("{} svd {m}x{n} {name} {mode:?} {layout:?}", ctx::<B, T>());
                let d = B::svd(s.view(), mode).unwrap_or_else(|e| panic!("{what}: {e}"));
                let (ur, vc) = if mode == SvdMode::Thin {
                    (k, k)
                } else {
                    (m, n)
                };
                assert_eq!(d.u.shape(), (m, ur), "{what}: U shape");
                assert_eq!(d.vt.shape(), (vc, n), "{what}: Vt shape");
                assert_ratio(&what, svd_ratio(&af, &d), SPECTRAL_TOL);
                assert_values(&what, &d.s, &sv, m.max(n), scale);
            }
            let what = format!("{} singular_values {m}x{n} {name}", ctx::<B, T>());
            let sv2 = B::singular_values(s.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_values(&what, &sv2, &sv, m.max(n), scale);
        }
    }
    let a = from_f64::<T>(&gen::random(&mut rng, 200, 150));
    let d = B::svd(a.as_ref(), SvdMode::Thin).unwrap();
    assert_ratio(
        &format!("{} svd 200x150", ctx::<B, T>()),
        svd_ratio(&to_f64(a.as_ref()), &d),
        SPECTRAL_TOL,
    );
    let d = B::svd(a.t(), SvdMode::Full).unwrap();
    assert_ratio(
        &format!("{} svd 150x200 .t() full", ctx::<B, T>()),
        svd_ratio(&to_f64(a.t()), &d),
        SPECTRAL_TOL,
    );
}

oxblas_suite::backend_tests!(
    eigh_prescribed,
    eigh_reads_only_lower,
    eig_normal_prescribed,
    eig_general,
    svd_prescribed,
);
