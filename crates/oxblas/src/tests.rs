//! Tests of the public API's plumbing: routing through `Auto`, overrides,
//! rayon workers. Kernel numerics are the conformance suite's job (tests/).

use rayon::prelude::*;

use crate::dispatch::{is_compiled, COMPILED};
use crate::*;

fn naive_matmul(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols()).map(|k| a[(i, k)] * b[(k, j)]).sum()
    })
}

/// Max |x - y| / (k eps max(1, |y|)) over the entries: a residual ratio.
fn ratio(x: &Mat<f64>, y: &Mat<f64>, k: usize) -> f64 {
    assert_eq!(x.shape(), y.shape());
    x.as_slice()
        .iter()
        .zip(y.as_slice())
        .map(|(a, b)| (a - b).abs() / (k as f64 * f64::EPSILON * b.abs().max(1.0)))
        .fold(0.0, f64::max)
}

#[test]
fn gemm_from_many_rayon_tasks_is_correct_and_does_not_deadlock() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let results: Vec<(usize, Mat<f64>, Mat<f64>)> = pool.install(|| {
        (0..64usize)
            .into_par_iter()
            .map(|t| {
                let n = 8 + (t % 7) * 9; // 8 ..= 62, several size classes
                let a = Mat::from_fn(n, n + 1, |i, j| ((i * 31 + j * 17 + t) % 13) as f64 - 6.0);
                let b = Mat::from_fn(n + 1, n, |i, j| ((i * 7 + j * 5 + t) % 11) as f64 - 5.0);
                let c = matmul(a.as_ref(), b.as_ref()).unwrap();
                (n + 1, c, naive_matmul(&a, &b))
            })
            .collect()
    });
    assert_eq!(results.len(), 64);
    for (k, c, want) in &results {
        // Integer-valued inputs: every product and partial sum is exact.
        assert!(ratio(c, want, *k) <= 1.0, "k = {k}");
    }
}

#[test]
fn nested_rayon_and_scoped_override_work_together() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = Mat::from_fn(40, 40, |i, j| (i as f64 - j as f64) / 7.0);
    let want = naive_matmul(&a, &a);
    let ok = pool.install(|| {
        (0..12usize).into_par_iter().all(|i| {
            let id = COMPILED[i % COMPILED.len()];
            let c = with_backend(id, || {
                assert_eq!(active_backend(Op::Gemm, DType::F64, &[40, 40, 40]), id);
                matmul(a.as_ref(), a.as_ref()).unwrap()
            });
            ratio(&c, &want, 40) <= 4.0
        })
    });
    assert!(ok);
}

#[test]
fn override_to_a_missing_backend_makes_calls_fail() {
    let a = Mat::<f32>::identity(3);
    for id in BackendId::ALL {
        if is_compiled(id) {
            let c = with_backend(id, || matmul(a.as_ref(), a.as_ref())).unwrap();
            assert_eq!(c, a);
            continue;
        }
        let e = Error::BackendUnavailable(id);
        with_backend(id, || {
            assert_eq!(matmul(a.as_ref(), a.as_ref()), Err(e.clone()));
            assert_eq!(dot(&[1.0f32], &[1.0]), Err(e.clone()));
            assert_eq!(lu(a.as_ref()).map(|_| ()), Err(e.clone()));
            assert_eq!(solve(a.as_ref(), a.as_ref()), Err(e.clone()));
            assert_eq!(add(&[1.0f32], &[1.0]), Err(e.clone()));
            // Infallible operations still compute, on a compiled backend.
            assert_eq!(nrm2(&[3.0f32, 4.0]), 5.0);
            assert_eq!(iamax(&[3.0f32, -4.0]), Some(1));
        });
        // And the scope ended: calls work again.
        assert!(matmul(a.as_ref(), a.as_ref()).is_ok());
    }
}

#[test]
fn auto_routes_every_call_to_a_compiled_backend() {
    // Auto is a Backend: generic code runs on it.
    fn generic_dot<B: Backend>(x: &[f64], y: &[f64]) -> Result<f64> {
        B::dot(x.into(), y.into())
    }
    assert_eq!(generic_dot::<Auto>(&[1.0, 2.0], &[3.0, 4.0]), Ok(11.0));
    assert!(is_compiled(<Auto as Backend>::ID));
    assert!(<Auto as Backend>::description().contains("dispatcher"));
}

#[test]
fn dimension_errors_come_back_as_err() {
    let a = Mat::<f64>::zeros(2, 3);
    assert!(matches!(
        matmul(a.as_ref(), a.as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        dot(&[1.0, 2.0], &[1.0]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        solve(a.as_ref(), a.as_ref()),
        Err(Error::NotSquare { .. })
    ));
    assert!(matches!(inv(a.as_ref()), Err(Error::NotSquare { .. })));
}

#[test]
fn vector_arguments_take_every_form() {
    let v = vec![1.0, 2.0];
    let arr = [3.0, 4.0];
    let m = Mat::from_rows(&[[1.0, 5.0], [1.0, 6.0]]).unwrap();
    assert_eq!(dot(&v, &arr), Ok(11.0));
    assert_eq!(dot(&v[..], m.as_ref().col(1).unwrap()), Ok(17.0));
    let mut out = [0.0; 2];
    add_into(&v, &arr, &mut out).unwrap();
    assert_eq!(out, [4.0, 6.0]);
    let mut w = m.clone();
    scal(2.0, w.as_mut().col(0).unwrap());
    assert_eq!(w.as_slice(), [2.0, 5.0, 2.0, 6.0]);
}

#[test]
fn qr_least_squares_rejects_wide_and_rank_deficient() {
    let wide = Mat::<f64>::from_fn(2, 3, |i, j| (i + j) as f64 + 1.0);
    let qr_w = qr(wide.as_ref()).unwrap();
    let b = Mat::<f64>::zeros(2, 1);
    assert!(matches!(
        qr_w.solve_least_squares(b.as_ref()),
        Err(Error::InvalidArgument { .. })
    ));
    let deficient = Mat::from_rows(&[[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]).unwrap();
    let qr_d = qr(deficient.as_ref()).unwrap();
    assert_eq!(
        qr_d.solve_least_squares(Mat::<f64>::zeros(3, 1).as_ref()),
        Err(Error::Singular { index: 1 })
    );
    assert!(matches!(
        qr_d.solve_least_squares(Mat::<f64>::zeros(2, 1).as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn lu_wrapper_reports_singular_on_solve_and_inverse() {
    let a = Mat::from_rows(&[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]).unwrap();
    let f = lu(a.as_ref()).unwrap();
    assert_eq!(f.det(), 0.0);
    assert!(matches!(
        f.solve(Mat::<f64>::zeros(3, 1).as_ref()),
        Err(Error::Singular { .. })
    ));
    assert!(matches!(f.inverse(), Err(Error::Singular { .. })));
    assert!(matches!(
        f.solve(Mat::<f64>::zeros(2, 1).as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
    // Deref reaches the plain factors.
    assert_eq!(f.pivots.len(), 3);
    assert_eq!(f.clone().into_inner().factors.shape(), (3, 3));
}

#[test]
fn factor_wrappers_invert() {
    let n = 6;
    let spd = Mat::from_fn(n, n, |i, j| {
        if i == j {
            10.0
        } else {
            1.0 / (1 + i + j) as f64
        }
    });
    let id = Mat::<f64>::identity(n);
    let c = cholesky(spd.as_ref()).unwrap();
    let ci = c.inverse().unwrap();
    assert!(ratio(&matmul(spd.as_ref(), ci.as_ref()).unwrap(), &id, n) <= 30.0);
    let li = lu(spd.as_ref()).unwrap().inverse().unwrap();
    assert!(ratio(&matmul(spd.as_ref(), li.as_ref()).unwrap(), &id, n) <= 30.0);
    // det from both factorizations agree.
    let (d1, d2) = (c.det(), lu(spd.as_ref()).unwrap().det());
    assert!((d1 - d2).abs() <= 30.0 * n as f64 * f64::EPSILON * d1.abs());

    let tall = Mat::from_fn(5, 3, |i, j| {
        ((i + 2 * j) % 4) as f64 + if i == j { 3.0 } else { 0.0 }
    });
    let q = qr(tall.as_ref()).unwrap();
    let (qr_q, qf) = (q.q().unwrap(), q.q_full().unwrap());
    assert_eq!(
        (qr_q.shape(), qf.shape(), q.r().shape()),
        ((5, 3), (5, 5), (3, 3))
    );
    let qtq = matmul(qf.t(), qf.as_ref()).unwrap();
    assert!(ratio(&qtq, &Mat::identity(5), 5) <= 30.0);
}

#[test]
fn mat_ext_methods_match_the_free_functions() {
    use crate::prelude::*;
    let a = Mat::from_fn(4, 4, |i, j| if i == j { 5.0 } else { (i * j) as f64 / 3.0 });
    let b = Mat::from_fn(4, 2, |i, j| (i + j) as f64);
    assert_eq!(
        a.matmul(&b).unwrap(),
        matmul(a.as_ref(), b.as_ref()).unwrap()
    );
    assert_eq!(a.solve(&b).unwrap(), solve(a.as_ref(), b.as_ref()).unwrap());
    assert_eq!(a.det().unwrap(), det(a.as_ref()).unwrap());
    assert_eq!(a.rank().unwrap(), 4);
    assert_eq!(
        a.norm(Norm::Inf).unwrap(),
        norm(a.as_ref(), Norm::Inf).unwrap()
    );
    assert!(matches!(b.inv(), Err(Error::NotSquare { .. })));
    assert!(matches!(
        a.matmul(b.t()),
        Err(Error::DimensionMismatch { .. })
    ));
}
