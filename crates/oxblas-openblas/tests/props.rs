//! Property tests: random shapes, strides (including negative, zero-size and
//! non-unit ones) and scalars for gemm, gemv and solve, against naive loops.

mod common;

use common::{diff_fro, fro, matmul, Rng, StoredVec};
use oxblas_core::{Backend, Mat, MatMut, MatRef, VecMut, VecRef};
use oxblas_openblas::OpenBlas;
use proptest::prelude::*;

/// A view of a logical `m x n` matrix `a` stored with strides `(rs, cs)`
/// scaled by the given factors and signs, in a buffer padded with NaN.
fn place(a: &Mat<f64>, sr: isize, sc: isize, row_major: bool) -> (Vec<f64>, usize, isize, isize) {
    let (m, n) = a.shape();
    let (m1, n1) = (m.max(1) as isize, n.max(1) as isize);
    let (mut rs, mut cs) = if row_major { (n1, 1) } else { (1, m1) };
    rs *= sr.abs();
    cs *= sc.abs();
    if row_major {
        rs *= sc.abs();
    } else {
        cs *= sr.abs();
    }
    if sr < 0 {
        rs = -rs;
    }
    if sc < 0 {
        cs = -cs;
    }
    let span = |cnt: usize, s: isize| if cnt == 0 { 0 } else { (cnt as isize - 1) * s };
    let (er, ec) = (span(m, rs), span(n, cs));
    let lo = er.min(0) + ec.min(0);
    let hi = er.max(0) + ec.max(0);
    let offset = (-lo) as usize;
    let mut buf = vec![f64::NAN; (hi - lo + 1) as usize];
    for i in 0..m {
        for j in 0..n {
            buf[(offset as isize + i as isize * rs + j as isize * cs) as usize] = a[(i, j)];
        }
    }
    (buf, offset, rs, cs)
}

fn strides() -> impl Strategy<Value = (isize, isize, bool)> {
    (
        prop::sample::select(vec![1isize, 2, -1, -3]),
        prop::sample::select(vec![1isize, 3, -1, -2]),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn gemm_matches_naive(
        m in 0usize..9, n in 0usize..9, k in 0usize..9,
        sa in strides(), sb in strides(), scs in strides(),
        alpha in -2.0f64..2.0, beta in prop::sample::select(vec![0.0, 1.0, -0.5]),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(seed);
        let (a, b, c0) = (rng.mat::<f64>(m, k), rng.mat::<f64>(k, n), rng.mat::<f64>(m, n));
        let (ab, ao, ars, acs) = place(&a, sa.0, sa.1, sa.2);
        let (bb, bo, brs, bcs) = place(&b, sb.0, sb.1, sb.2);
        let (mut cb, co, crs, ccs) = place(&c0, scs.0, scs.1, scs.2);
        let av = MatRef::from_parts(&ab, ao, m, k, ars, acs).unwrap();
        let bv = MatRef::from_parts(&bb, bo, k, n, brs, bcs).unwrap();
        let cv = MatMut::from_parts(&mut cb, co, m, n, crs, ccs).unwrap();
        OpenBlas::gemm(alpha, av, bv, beta, cv).unwrap();
        let got = MatRef::from_parts(&cb, co, m, n, crs, ccs).unwrap();
        let ab_ = matmul(a.as_ref(), b.as_ref());
        for i in 0..m {
            for j in 0..n {
                let want = alpha * ab_[(i, j)] + if beta == 0.0 { 0.0 } else { beta * c0[(i, j)] };
                prop_assert!((got[(i, j)] - want).abs() <= 1e-12 * (k as f64 + 2.0));
            }
        }
        // Nothing outside the view was written.
        let outside = cb.iter().filter(|v| !v.is_nan()).count();
        prop_assert_eq!(outside, m * n);
    }

    #[test]
    fn gemv_matches_naive(
        m in 0usize..9, n in 0usize..9, sa in strides(),
        sx in prop::sample::select(vec![1isize, 2, -1, -3, 0]),
        sy in prop::sample::select(vec![1isize, 2, -1, -3]),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(seed);
        let a = rng.mat::<f64>(m, n);
        let (ab, ao, ars, acs) = place(&a, sa.0, sa.1, sa.2);
        let av = MatRef::from_parts(&ab, ao, m, n, ars, acs).unwrap();
        // x: a broadcast value for stride 0, else a strided vector.
        let x: Vec<f64> = if sx == 0 { vec![0.75; n] } else { rng.vec(n) };
        let xs = if sx == 0 { StoredVec::new(&[0.75], 1) } else { StoredVec::new(&x, sx) };
        let xv = if sx == 0 {
            VecRef::from_parts(&xs.buf, 0, n, 0).unwrap()
        } else {
            xs.view()
        };
        let y0 = rng.vec::<f64>(m);
        let mut ys = StoredVec::new(&y0, sy);
        let yv: VecMut<'_, f64> = ys.view_mut();
        OpenBlas::gemv(1.5, av, xv, -1.0, yv).unwrap();
        let got = ys.to_vec();
        for i in 0..m {
            let want = 1.5 * (0..n).map(|j| a[(i, j)] * x[j]).sum::<f64>() - y0[i];
            prop_assert!((got[i] - want).abs() <= 1e-12 * (n as f64 + 2.0));
        }
    }

    #[test]
    fn solve_residual(n in 1usize..24, nrhs in 0usize..4, sa in strides(), seed in any::<u64>()) {
        let mut rng = Rng::new(seed);
        let a = Mat::<f64>::from_fn(n, n, |i, j| rng.uniform() + if i == j { 4.0 } else { 0.0 });
        let b = rng.mat::<f64>(n, nrhs);
        let (ab, ao, ars, acs) = place(&a, sa.0, sa.1, sa.2);
        let av = MatRef::from_parts(&ab, ao, n, n, ars, acs).unwrap();
        let x = OpenBlas::solve(av, b.as_ref()).unwrap();
        let lu = OpenBlas::lu(av).unwrap();
        let x2 = OpenBlas::lu_solve(&lu, b.as_ref()).unwrap();
        let ax = matmul(a.as_ref(), x.as_ref());
        let r = diff_fro(b.as_ref(), &ax);
        prop_assert!(r <= 30.0 * n as f64 * f64::EPSILON * (fro(a.as_ref()) * fro(x.as_ref()) + fro(b.as_ref())));
        prop_assert!(diff_fro(x2.as_ref(), &x) <= 1e-10 * (1.0 + fro(x.as_ref())));
    }
}
