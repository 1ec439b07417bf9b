//! Cross-backend agreement: on the same inputs, two backends give results
//! that agree within twice the oracle bound each must meet on its own.
//! Instantiated for every pair of compiled backends (and the dispatcher).

use oxblas_core::{Backend, Complex, Mat, Scalar, VecRef};
use oxblas_suite::naive::{self, from_f64, to_f64, vec_from_f64};
use oxblas_suite::{eps, gen, product_and_scale, Rng, BLAS_TOL, FACTOR_TOL, SPECTRAL_TOL};

fn ctx<B1: Backend, B2: Backend, T: Scalar>() -> String {
    format!(
        "{} vs {} /{}",
        core::any::type_name::<B1>(),
        core::any::type_name::<B2>(),
        T::DTYPE
    )
}

fn agree_blas<B1: Backend, B2: Backend, T: Scalar>() {
    let c = ctx::<B1, B2, T>();
    let mut rng = Rng::new(80);
    for (m, k, n) in [(1, 1, 1), (7, 9, 5), (64, 64, 64), (130, 70, 33)] {
        let a = from_f64::<T>(&gen::random(&mut rng, m, k));
        let b = from_f64::<T>(&gen::random(&mut rng, k, n));
        let (mut c1, mut c2) = (Mat::<T>::zeros(m, n), Mat::<T>::zeros(m, n));
        B1::gemm(T::ONE, a.as_ref(), b.t().t(), T::ZERO, c1.as_mut()).unwrap();
        B2::gemm(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c2.as_mut()).unwrap();
        let (_, s) = product_and_scale(to_f64(a.as_ref()).as_ref(), to_f64(b.as_ref()).as_ref());
        let e = 2.0 * BLAS_TOL * (k + 2) as f64 * eps::<T>();
        for i in 0..m {
            for j in 0..n {
                let d = (c1[(i, j)].to_f64() - c2[(i, j)].to_f64()).abs();
                assert!(
                    d <= e * s[(i, j)],
                    "{c} gemm {m}x{k}x{n} ({i},{j}) differ by {d:e}"
                );
            }
        }
        let x = vec_from_f64::<T>(&gen::random_vec(&mut rng, k));
        let (d1, d2) = (
            B1::dot(a.row(0).into(), VecRef::from(&x)).unwrap(),
            B2::dot(a.row(0).into(), VecRef::from(&x)).unwrap(),
        );
        let scale: f64 = a
            .row(0)
            .iter()
            .zip(&x)
            .map(|(p, q)| (p.to_f64() * q.to_f64()).abs())
            .sum();
        assert!(
            (d1.to_f64() - d2.to_f64()).abs() <= e * scale,
            "{c} dot n={k}: {d1} vs {d2}"
        );
        let v = VecRef::from(&x);
        assert_eq!(B1::iamax(v), B2::iamax(v), "{c} iamax");
        let (n1, n2) = (B1::nrm2(v).to_f64(), B2::nrm2(v).to_f64());
        assert!((n1 - n2).abs() <= e * n1.max(n2), "{c} nrm2: {n1} vs {n2}");
    }
}

fn agree_solve_det<B1: Backend, B2: Backend, T: Scalar>() {
    let c = ctx::<B1, B2, T>();
    let mut rng = Rng::new(81);
    for n in [1usize, 5, 33, 100] {
        // cond 1e2: the forward error of a backward-stable solve is at most
        // about n eps cond relative to ||x||.
        let a = from_f64::<T>(&gen::with_cond(&mut rng, n, n, 1e2));
        let b = from_f64::<T>(&gen::random(&mut rng, n, 2));
        let x1 = to_f64(B1::solve(a.as_ref(), b.as_ref()).unwrap().as_ref());
        let x2 = to_f64(B2::solve(a.as_ref(), b.as_ref()).unwrap().as_ref());
        let d = naive::fro(naive::sub(x1.as_ref(), x2.as_ref()).as_ref());
        let tol = 2.0 * FACTOR_TOL * n as f64 * eps::<T>() * 1e2 * naive::fro(x1.as_ref());
        assert!(
            d <= tol,
            "{c} solve n={n}: solutions differ by {d:e} > {tol:e}"
        );
        // det of Q diag(d) Q^T, |d_i| in [1, 2).
        let dv: Vec<f64> = (0..n)
            .map(|i| (1.0 + rng.unit()) * if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let s = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &dv));
        let (d1, d2) = (
            B1::det(s.as_ref()).unwrap().to_f64(),
            B2::det(s.as_ref()).unwrap().to_f64(),
        );
        let tol = 2.0 * FACTOR_TOL * (n * n) as f64 * eps::<T>() * 2.0 * d1.abs();
        assert!((d1 - d2).abs() <= tol, "{c} det n={n}: {d1:e} vs {d2:e}");
    }
}

fn agree_spectra<B1: Backend, B2: Backend, T: Scalar>() {
    let c = ctx::<B1, B2, T>();
    let mut rng = Rng::new(82);
    for (m, n) in [(1usize, 1usize), (8, 8), (40, 17), (17, 40), (64, 64)] {
        let a = from_f64::<T>(&gen::random(&mut rng, m, n));
        let (s1, s2) = (
            B1::singular_values(a.as_ref()).unwrap(),
            B2::singular_values(a.as_ref()).unwrap(),
        );
        let tol = 2.0 * SPECTRAL_TOL * m.max(n) as f64 * eps::<T>() * s1[0].to_f64();
        for (i, (x, y)) in s1.iter().zip(&s2).enumerate() {
            assert!(
                (x.to_f64() - y.to_f64()).abs() <= tol,
                "{c} singular value {i} of {m}x{n}: {x} vs {y}"
            );
        }
        assert_eq!(
            B1::rank(a.as_ref(), None),
            B2::rank(a.as_ref(), None),
            "{c} rank {m}x{n}"
        );
    }
    for n in [1usize, 6, 33, 64] {
        let eigs = gen::random_vec(&mut rng, n);
        let a = from_f64::<T>(&gen::symmetric_with_eigs(&mut rng, &eigs));
        let (w1, w2) = (
            B1::eigvalsh(a.as_ref()).unwrap(),
            B2::eigvalsh(a.as_ref()).unwrap(),
        );
        let tol = 2.0 * SPECTRAL_TOL * n as f64 * eps::<T>();
        for (i, (x, y)) in w1.iter().zip(&w2).enumerate() {
            assert!(
                (x.to_f64() - y.to_f64()).abs() <= tol,
                "{c} eigenvalue {i} n={n}: {x} vs {y}"
            );
        }
        // General eig of a normal matrix: every eigenvalue of one is near one of the other.
        let pairs: Vec<(f64, f64)> = (0..n / 3)
            .map(|_| (rng.uniform(), 0.2 + rng.unit()))
            .collect();
        let (g, _) = gen::normal_with_eigs(&mut rng, &eigs[..n - 2 * (n / 3)], &pairs);
        let g = from_f64::<T>(&g);
        let (v1, v2) = (
            B1::eigvals(g.as_ref()).unwrap(),
            B2::eigvals(g.as_ref()).unwrap(),
        );
        let cf = |z: &Complex<T>| Complex::new(z.re.to_f64(), z.im.to_f64());
        let tol = 2.0 * SPECTRAL_TOL * n as f64 * eps::<T>() * 2.0;
        for z in &v1 {
            let best = v2
                .iter()
                .map(|w| (cf(w) - cf(z)).norm())
                .fold(f64::INFINITY, f64::min);
            assert!(
                best <= tol,
                "{c} eigvals n={n}: {z:?} has no partner ({best:e})"
            );
        }
    }
}

fn agree_lstsq<B1: Backend, B2: Backend, T: Scalar>() {
    let c = ctx::<B1, B2, T>();
    let mut rng = Rng::new(83);
    for (m, n) in [(10usize, 4usize), (60, 25)] {
        let a = from_f64::<T>(&gen::with_cond(&mut rng, m, n, 10.0));
        let b = from_f64::<T>(&gen::random(&mut rng, m, 2));
        let (l1, l2) = (
            B1::lstsq(a.as_ref(), b.as_ref(), None).unwrap(),
            B2::lstsq(a.as_ref(), b.as_ref(), None).unwrap(),
        );
        assert_eq!(l1.rank, l2.rank, "{c} lstsq rank");
        let (x1, x2) = (to_f64(l1.solution.as_ref()), to_f64(l2.solution.as_ref()));
        let d = naive::fro(naive::sub(x1.as_ref(), x2.as_ref()).as_ref());
        // Least-squares forward error: eps (cond + cond^2 ||r|| / (||A|| ||x||)); cond = 10.
        let tol = 2.0
            * SPECTRAL_TOL
            * m as f64
            * eps::<T>()
            * 100.0
            * (naive::fro(x1.as_ref()) + naive::fro(to_f64(b.as_ref()).as_ref()));
        assert!(
            d <= tol,
            "{c} lstsq {m}x{n}: solutions differ by {d:e} > {tol:e}"
        );
    }
}

oxblas_suite::cross_backend_tests!(agree_blas, agree_solve_det, agree_spectra, agree_lstsq);
