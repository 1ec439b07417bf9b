//! LU tests: residual ratios of DESIGN.md on every matrix family, with the
//! blocking constants forced small (`cfg(test)`) so that every size above a
//! few columns runs the recursive, blocked path.

use oxblas_core::{Error, Mat, MatRef, Scalar};

use super::*;
use crate::lapack::util::testing::{matmul, random, rel_residual, with_condition, TOL};

/// `||PA - LU||_F / (n eps ||A||_F)`, plus structural checks.
fn check_factor<T: Scalar>(a: MatRef<'_, T>) -> oxblas_core::Lu<T> {
    let n = a.rows();
    let f = factor(a).unwrap();
    assert_eq!(f.factors.shape(), (n, n));
    assert_eq!(f.pivots.len(), n);
    for (i, &p) in f.pivots.iter().enumerate() {
        assert!(p >= i && p < n, "pivot {p} at step {i}");
    }
    for i in 0..n {
        for j in 0..i {
            assert!(
                f.factors[(i, j)].abs() <= T::ONE,
                "|l_ij| <= 1 with partial pivoting"
            );
        }
    }
    let pa = matmul(f.p().as_ref(), a);
    let lu = matmul(f.l().as_ref(), f.u().as_ref());
    let r = rel_residual(pa.as_ref(), lu.as_ref(), n);
    assert!(r <= TOL, "n = {n}: ||PA - LU|| ratio {r}");
    f
}

/// `||AX - B||_F / (n eps ||A||_F ||X||_F)`.
fn solve_ratio<T: Scalar>(a: MatRef<'_, T>, x: MatRef<'_, T>, b: MatRef<'_, T>) -> f64 {
    let ax = matmul(a, x);
    let n = a.rows().max(1) as f64;
    let num = oxblas_core::frobenius(
        Mat::from_fn(b.rows(), b.cols(), |i, j| {
            ax[(i, j)].to_f64() - b[(i, j)].to_f64()
        })
        .as_ref(),
    );
    let den = n
        * T::EPSILON.to_f64()
        * oxblas_core::frobenius(a).to_f64()
        * oxblas_core::frobenius(x).to_f64();
    if num == 0.0 {
        0.0
    } else {
        num / den
    }
}

fn random_family<T: Scalar>() {
    for &n in &[0usize, 1, 2, 3, 4, 5, 17, 64] {
        let a = random::<T>(n, n, n as u64 + 1);
        let f = check_factor(a.as_ref());
        let b = random::<T>(n, 3, 99);
        let x = solve(&f, b.as_ref()).unwrap();
        let r = solve_ratio(a.as_ref(), x.as_ref(), b.as_ref());
        assert!(r <= TOL, "n = {n}: solve ratio {r}");
    }
}

#[test]
fn random_matrices_factor_and_solve() {
    random_family::<f64>();
    random_family::<f32>();
}

#[test]
fn sizes_around_256_use_every_blocked_path() {
    for &n in &[255usize, 256, 257] {
        check_factor(random::<f64>(n, n, n as u64).as_ref());
        check_factor(random::<f32>(n, n, n as u64 + 7).as_ref());
    }
}

fn conditioned<T: Scalar>() {
    for &cond in &[1e2, 1e8] {
        for &n in &[17usize, 40] {
            let a = with_condition::<T>(n, cond, 5);
            let f = check_factor(a.as_ref());
            let b = random::<T>(n, 2, 3);
            let x = solve(&f, b.as_ref()).unwrap();
            let r = solve_ratio(a.as_ref(), x.as_ref(), b.as_ref());
            assert!(r <= TOL, "cond {cond}: solve ratio {r}");
        }
    }
}

#[test]
fn prescribed_condition_numbers() {
    conditioned::<f64>();
    conditioned::<f32>();
}

#[test]
fn exactly_singular_factors_then_solve_fails() {
    // Column 5 is zero: the elimination leaves pivot 5 exactly zero.
    let mut a = random::<f64>(17, 17, 11);
    for i in 0..17 {
        a[(i, 5)] = 0.0;
    }
    let f = check_factor(a.as_ref());
    assert_eq!(f.zero_pivot(), Some(5));
    assert_eq!(f.det(), 0.0);
    let b = random::<f64>(17, 1, 1);
    assert_eq!(solve(&f, b.as_ref()), Err(Error::Singular { index: 5 }));
    assert_eq!(inverse(&f), Err(Error::Singular { index: 5 }));
    assert_eq!(rcond(&f, norm_one(a.as_ref())), Ok(0.0));
    // A zero matrix: every pivot is zero, nothing is divided.
    let z = Mat::<f32>::zeros(9, 9);
    let f = check_factor(z.as_ref());
    assert_eq!(f.pivots, (0..9).collect::<Vec<_>>());
    assert_eq!(f.zero_pivot(), Some(0));
    assert!(f.factors.as_slice().iter().all(|&x| x == 0.0));
    // Two equal rows: rank deficient, the last pivot cancels exactly.
    let b = Mat::from_rows(&[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.0, 1.0, 5.0]]).unwrap();
    let f = check_factor(b.as_ref());
    assert_eq!(f.zero_pivot(), Some(2));
    assert_eq!(det(b.as_ref()), Ok(0.0));
}

#[test]
fn zero_size_and_one_by_one() {
    let e = Mat::<f64>::zeros(0, 0);
    let f = factor(e.as_ref()).unwrap();
    assert!(f.pivots.is_empty());
    assert_eq!(f.det(), 1.0);
    assert_eq!(
        solve(&f, Mat::<f64>::zeros(0, 2).as_ref()).unwrap().shape(),
        (0, 2)
    );
    assert_eq!(inverse(&f).unwrap().shape(), (0, 0));
    assert_eq!(rcond(&f, 0.0), Ok(1.0));
    let one = Mat::from_rows(&[[-4.0f32]]).unwrap();
    let f = factor(one.as_ref()).unwrap();
    assert_eq!((f.factors[(0, 0)], f.pivots[0]), (-4.0, 0));
    assert_eq!(inverse(&f).unwrap()[(0, 0)], -0.25);
    assert_eq!(rcond(&f, 4.0), Ok(1.0));
}

#[test]
fn strided_and_transposed_views_match_owned_copies() {
    let big = random::<f64>(40, 30, 3);
    // Every other row, columns 3..23: row stride 60, column stride 1.
    let v = MatRef::from_parts(big.as_slice(), 3, 20, 20, 60, 1).unwrap();
    let owned = v.to_owned();
    assert_eq!(factor(v).unwrap(), factor(owned.as_ref()).unwrap());
    check_factor(v);
    // Transposed (column-major) and reversed (negative stride) views.
    let sq = random::<f32>(19, 19, 4);
    assert_eq!(
        factor(sq.t()).unwrap(),
        factor(sq.transpose().as_ref()).unwrap()
    );
    let rev = sq.as_ref().reverse_rows().reverse_cols();
    check_factor(rev);
    assert_eq!(
        factor(rev).unwrap(),
        factor(rev.to_owned().as_ref()).unwrap()
    );
}

#[test]
fn bad_input_is_rejected_before_work() {
    let r = Mat::<f64>::zeros(3, 4);
    assert!(matches!(
        factor(r.as_ref()),
        Err(Error::NotSquare {
            rows: 3,
            cols: 4,
            ..
        })
    ));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut a = random::<f64>(5, 5, 1);
        a[(4, 2)] = bad;
        assert!(matches!(factor(a.as_ref()), Err(Error::NonFinite { .. })));
        let mut b = random::<f64>(5, 1, 1);
        b[(1, 0)] = bad;
        let ok = random::<f64>(5, 5, 2);
        assert!(matches!(
            solve_system(ok.as_ref(), b.as_ref()),
            Err(Error::NonFinite { .. })
        ));
    }
    let mut a = random::<f32>(5, 5, 1);
    a[(0, 0)] = f32::NAN;
    assert!(matches!(factor(a.as_ref()), Err(Error::NonFinite { .. })));
    let f = factor(random::<f64>(4, 4, 1).as_ref()).unwrap();
    assert!(matches!(
        solve(&f, Mat::<f64>::zeros(5, 1).as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn inverse_and_det() {
    for &n in &[1usize, 2, 3, 17, 33] {
        let a = with_condition::<f64>(n, 1e3, n as u64);
        let f = factor(a.as_ref()).unwrap();
        let x = inverse(&f).unwrap();
        let r = solve_ratio(a.as_ref(), x.as_ref(), Mat::<f64>::identity(n).as_ref());
        assert!(r <= TOL, "n = {n}: inverse ratio {r}");
        let a32 = with_condition::<f32>(n, 1e3, n as u64);
        let x32 = inverse(&factor(a32.as_ref()).unwrap()).unwrap();
        let r = solve_ratio(a32.as_ref(), x32.as_ref(), Mat::<f32>::identity(n).as_ref());
        assert!(r <= TOL, "n = {n}: f32 inverse ratio {r}");
    }
    // det with the permutation sign: a permuted triangular matrix.
    let a = Mat::from_rows(&[[0.0, 2.0, 1.0], [3.0, 1.0, 4.0], [0.0, 0.0, 5.0]]).unwrap();
    assert_eq!(det(a.as_ref()), Ok(-30.0));
    let d = det(with_condition::<f64>(8, 10.0, 1).as_ref())
        .unwrap()
        .abs();
    // |det| = product of the prescribed singular values 10^(-i/7).
    let expect = (0..8)
        .map(|i| 10f64.powf(-(i as f64) / 7.0))
        .product::<f64>();
    assert!(
        (d - expect).abs() <= 1e-12 * expect * 30.0,
        "{d} vs {expect}"
    );
}

#[test]
fn rcond_estimate_brackets_the_true_value() {
    for &(n, cond) in &[(2usize, 10.0), (17, 1e3), (40, 1e6), (64, 1e2)] {
        let a = with_condition::<f64>(n, cond, 9);
        let f = factor(a.as_ref()).unwrap();
        let anorm = norm_one(a.as_ref());
        let est = rcond(&f, anorm).unwrap();
        let inv = inverse(&f).unwrap();
        let truth = 1.0 / (anorm * norm_one(inv.as_ref()));
        // The estimate of ||A^-1|| is a lower bound, so rcond is an upper
        // bound, and Hager-Higham is rarely off by more than a factor 3.
        assert!(est >= truth * (1.0 - 1e-10), "n = {n}: {est} < {truth}");
        assert!(est <= truth * 10.0, "n = {n}: {est} >> {truth}");
    }
}

#[test]
fn malformed_hand_built_factors_are_rejected() {
    let good = factor(random::<f64>(4, 4, 1).as_ref()).unwrap();
    let b = random::<f64>(4, 1, 2);
    let mut bad = good.clone();
    bad.pivots[2] = 4;
    assert!(matches!(
        solve(&bad, b.as_ref()),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(inverse(&bad), Err(Error::InvalidArgument { .. })));
    assert!(matches!(
        rcond(&bad, 1.0),
        Err(Error::InvalidArgument { .. })
    ));
    let mut short = good.clone();
    short.pivots.pop();
    assert!(matches!(
        solve(&short, b.as_ref()),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        rcond(&good, f64::NAN),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        rcond(&good, -1.0),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn backend_overrides_keep_the_default_errors() {
    use crate::Simd;
    use oxblas_core::{Backend, Op};
    let a = random::<f64>(6, 6, 3);
    let b = random::<f64>(6, 2, 4);
    let x = Simd::solve(a.as_ref(), b.as_ref()).unwrap();
    assert!(solve_ratio(a.as_ref(), x.as_ref(), b.as_ref()) <= TOL);
    let inv = Simd::inv(a.as_ref()).unwrap();
    assert!(solve_ratio(a.as_ref(), inv.as_ref(), Mat::<f64>::identity(6).as_ref()) <= TOL);
    let lu = Simd::lu(a.as_ref()).unwrap();
    assert_eq!(Simd::lu_solve(&lu, b.as_ref()).unwrap(), x);
    let r = Mat::<f64>::zeros(2, 3);
    assert!(matches!(
        Simd::solve(r.as_ref(), b.as_ref()),
        Err(Error::NotSquare { op: Op::Solve, .. })
    ));
    assert!(matches!(
        Simd::inv(r.as_ref()),
        Err(Error::NotSquare { op: Op::Inv, .. })
    ));
    assert!(matches!(
        Simd::solve(a.as_ref(), Mat::<f64>::zeros(5, 1).as_ref()),
        Err(Error::DimensionMismatch { op: Op::Solve, .. })
    ));
    let mut s = a.clone();
    for i in 0..6 {
        s[(i, 2)] = 0.0;
    }
    assert_eq!(Simd::inv(s.as_ref()), Err(Error::Singular { index: 2 }));
    assert_eq!(
        Simd::solve(s.as_ref(), b.as_ref()),
        Err(Error::Singular { index: 2 })
    );
    let spd = crate::lapack::util::testing::spd::<f64>(6, 1);
    let c = Simd::cholesky(spd.as_ref()).unwrap();
    let y = Simd::cholesky_solve(&c, b.as_ref()).unwrap();
    let back = matmul(spd.as_ref(), y.as_ref());
    // ||B - AY|| / (n eps ||B||) is bounded by cond(A) (below 5 for `spd`) times the ratio.
    assert!(rel_residual(b.as_ref(), back.as_ref(), 6) <= TOL * 5.0);
}

/// Textbook unblocked LU with LAPACK's partial pivoting (`getf2`: the first
/// entry of largest magnitude), in f64 on a row-major copy.
fn reference_lu(a: MatRef<'_, f64>) -> (Mat<f64>, Vec<usize>) {
    let n = a.rows();
    let mut f = a.to_owned();
    let mut piv = vec![0; n];
    for j in 0..n {
        let mut p = j;
        for i in j + 1..n {
            if f[(i, j)].abs() > f[(p, j)].abs() {
                p = i;
            }
        }
        piv[j] = p;
        for c in 0..n {
            let t = f[(j, c)];
            f[(j, c)] = f[(p, c)];
            f[(p, c)] = t;
        }
        let d = f[(j, j)];
        if d == 0.0 {
            continue;
        }
        for i in j + 1..n {
            f[(i, j)] /= d;
            let l = f[(i, j)];
            for c in j + 1..n {
                f[(i, c)] -= l * f[(j, c)];
            }
        }
    }
    (f, piv)
}

/// The blocked factorization picks the same pivots as the unblocked
/// reference, and its factors agree within rounding.
fn matches_reference(a: MatRef<'_, f64>) {
    let n = a.rows();
    let f = check_factor(a);
    let (g, piv) = reference_lu(a);
    assert_eq!(f.pivots, piv, "n = {n}: pivots differ from getf2's");
    let scale = oxblas_core::frobenius(a).max(1.0);
    for i in 0..n {
        for j in 0..n {
            let d = (f.factors[(i, j)] - g[(i, j)]).abs();
            assert!(
                d <= 1e3 * n as f64 * f64::EPSILON * scale,
                "n = {n}: factor ({i}, {j}) differs by {d}"
            );
        }
    }
}

#[test]
fn pivots_match_unblocked_getf2() {
    // Odd sizes cross every leaf width, block remainder and split point
    // of the small test constants; 255..257 as the issue asks.
    for &n in &[1usize, 2, 5, 6, 7, 9, 13, 31, 33, 64, 255, 256, 257] {
        matches_reference(random::<f64>(n, n, 100 + n as u64).as_ref());
    }
    // Strongly graded rows: pivots come from far below the diagonal.
    let n = 37;
    let r = random::<f64>(n, n, 5);
    let a = Mat::from_fn(n, n, |i, j| r[(i, j)] * ((i + 1) as f64).powi(2));
    matches_reference(a.as_ref());
}

#[test]
fn rank_deficient_panels_keep_zero_pivots_without_division() {
    // Columns that repeat earlier ones: exact cancellation inside the leaf's
    // blocks and across the rank-4 updates; zero columns in several places.
    for &n in &[12usize, 29, 70] {
        let mut a = random::<f64>(n, n, 7 + n as u64);
        for i in 0..n {
            a[(i, 3)] = 0.0;
            a[(i, n - 2)] = 0.0;
            a[(i, 8)] = a[(i, 1)];
        }
        let f = check_factor(a.as_ref());
        assert!(f.factors.as_slice().iter().all(|x| x.is_finite()));
        assert_eq!(f.zero_pivot(), Some(3));
        assert_eq!(f.det(), 0.0);
        assert_eq!(
            solve(&f, random::<f64>(n, 1, 2).as_ref()),
            Err(Error::Singular { index: 3 })
        );
    }
    // Rank 2 in f32: every pivot after the second is (exactly or nearly)
    // zero and no NaN or infinity appears.
    let n = 40;
    let a = Mat::from_fn(n, n, |i, j| {
        (i as f32 + 1.0) * (j as f32 - 3.0) + (j % 2) as f32
    });
    let f = check_factor(a.as_ref());
    assert!(f.factors.as_slice().iter().all(|x| x.is_finite()));
}

#[test]
fn ill_conditioned_around_256() {
    for &n in &[255usize, 256, 257] {
        let a = with_condition::<f64>(n, 1e12, 9);
        let f = check_factor(a.as_ref());
        let b = random::<f64>(n, 2, 3);
        let x = solve(&f, b.as_ref()).unwrap();
        let r = solve_ratio(a.as_ref(), x.as_ref(), b.as_ref());
        assert!(r <= TOL, "n = {n}: solve ratio {r}");
    }
}

/// The team paths (2, 3 and 4 members; every step split under the test
/// thresholds) give factors bitwise equal to the one-thread recursion, whose
/// pivots are getf2's.
fn team_sizes_match_sequential<T: Scalar>(sizes: &[usize]) {
    for &n in sizes {
        let a = random::<T>(n, n, 40 + n as u64);
        for threads in [2, 3, 4] {
            team_matches_one_thread(a.as_ref(), threads);
        }
    }
}

#[test]
fn team_paths_are_bitwise_equal_to_one_thread() {
    let mut sizes: Vec<usize> = (1..=40).collect();
    sizes.extend([47, 63, 64, 65, 100, 127, 128, 129, 200, 255, 256, 257]);
    team_sizes_match_sequential::<f64>(&sizes);
    team_sizes_match_sequential::<f32>(&[1, 7, 33, 64, 129, 255, 256, 257]);
    // And the one-thread pivots are getf2's on the same inputs.
    for &n in &[1usize, 19, 65, 129, 255, 256, 257] {
        let a = random::<f64>(n, n, 40 + n as u64);
        let f = factor::factor_par(a.as_ref(), n, oxblas_core::Par::Rayon(3)).unwrap();
        assert_eq!(f.pivots, reference_lu(a.as_ref()).1, "n = {n}");
    }
}

/// `||I - X A||_F / (n eps ||A||_F ||X||_F)` (the left residual of an inverse).
fn left_inverse_ratio<T: Scalar>(a: MatRef<'_, T>, x: MatRef<'_, T>) -> f64 {
    let xa = matmul(x, a);
    let n = a.rows().max(1);
    let num = oxblas_core::frobenius(
        Mat::from_fn(n, n, |i, j| {
            xa[(i, j)].to_f64() - if i == j { 1.0 } else { 0.0 }
        })
        .as_ref(),
    );
    num / (n as f64
        * T::EPSILON.to_f64()
        * oxblas_core::frobenius(a).to_f64()
        * oxblas_core::frobenius(x).to_f64())
}

fn getri_family<T: Scalar>() {
    // Orders across the test block width (5) and the triangle leaf (3),
    // several block columns and recursive splits.
    let mut sizes: Vec<usize> = (1..=23).collect();
    sizes.extend([40, 64, 100, 129]);
    for &n in &sizes {
        for (cond, seed) in [(10.0, 1u64), (1e4, 2)] {
            let a = with_condition::<T>(n, cond, seed + n as u64);
            let f = factor(a.as_ref()).unwrap();
            let x = inverse(&f).unwrap();
            let id = Mat::<T>::identity(n);
            let r = solve_ratio(a.as_ref(), x.as_ref(), id.as_ref());
            assert!(r <= TOL, "n = {n}, cond {cond}: ||AX - I|| ratio {r}");
            let l = left_inverse_ratio(a.as_ref(), x.as_ref());
            assert!(l <= TOL, "n = {n}, cond {cond}: ||XA - I|| ratio {l}");
        }
    }
    // Rows graded so that pivots come from far down: the column
    // interchanges of the inverse are exercised.
    let n = 37;
    let r = random::<T>(n, n, 5);
    let a = Mat::from_fn(n, n, |i, j| {
        r[(i, j)] * T::from_f64(((n - i) as f64).powi(2))
    });
    let f = factor(a.as_ref()).unwrap();
    assert!(f.pivots.iter().enumerate().any(|(i, &p)| p != i));
    let x = inverse(&f).unwrap();
    let id = Mat::<T>::identity(n);
    assert!(solve_ratio(a.as_ref(), x.as_ref(), id.as_ref()) <= TOL);
    assert!(left_inverse_ratio(a.as_ref(), x.as_ref()) <= TOL);
}

#[test]
fn getri_inverse_residuals() {
    getri_family::<f64>();
    getri_family::<f32>();
    // Exact small case: [[4, 7], [2, 6]]^{-1} = [[0.6, -0.7], [-0.2, 0.4]].
    let a = Mat::from_rows(&[[4.0, 7.0], [2.0, 6.0]]).unwrap();
    let x = inverse(&factor(a.as_ref()).unwrap()).unwrap();
    let want = [[0.6, -0.7], [-0.2, 0.4]];
    for i in 0..2 {
        for j in 0..2 {
            assert!((x[(i, j)] - want[i][j]).abs() <= 4.0 * f64::EPSILON);
        }
    }
    // A zero row: its pivot is exactly zero at some step; Err, not infinities.
    let mut z = random::<f64>(30, 30, 8);
    for j in 0..30 {
        z[(17, j)] = 0.0;
    }
    let f = factor(z.as_ref()).unwrap();
    assert!(f.zero_pivot().is_some());
    assert!(matches!(inverse(&f), Err(Error::Singular { .. })));
}

/// The one-thread leaves' whole-row interchanges leave the panel's columns
/// alone and swap the rest of each row, for row-major and column-major
/// (transposed) views alike, as the recursion's separate swaps would.
#[test]
fn swap_outside_swaps_all_but_the_panel() {
    let (n, off, w) = (9usize, 2usize, 3usize);
    let piv = [4usize, 1, 6]; // relative to row `off`; the middle one stays
    let a = random::<f64>(n, n, 5);
    let mut want = a.clone();
    for (j, &p) in piv.iter().enumerate() {
        for c in (0..off).chain(off + w..n) {
            let t = want[(off + j, c)];
            want[(off + j, c)] = want[(off + p, c)];
            want[(off + p, c)] = t;
        }
    }
    let mut row_major = a.clone();
    factor::swap_outside(row_major.as_mut(), off, w, &piv);
    assert_eq!(row_major, want);
    let mut col_major = a.transpose();
    factor::swap_outside(col_major.as_mut().t(), off, w, &piv);
    assert_eq!(col_major.transpose(), want);
}

/// The factors of `a` with `threads` team members, checked bitwise against
/// one thread (pivots, factors, zero pivot); returns them.
fn team_matches_one_thread<T: Scalar>(a: MatRef<'_, T>, threads: usize) -> oxblas_core::Lu<T> {
    let n = a.rows();
    let seq = factor::factor_par(a, n, oxblas_core::Par::Seq).unwrap();
    let f = factor::factor_par(a, n, oxblas_core::Par::Rayon(threads)).unwrap();
    assert_eq!(f.pivots, seq.pivots, "n = {n}, {threads} threads: pivots");
    assert_eq!(f.zero_pivot(), seq.zero_pivot(), "n = {n}: zero pivot");
    let same = f
        .factors
        .as_slice()
        .iter()
        .zip(seq.factors.as_slice())
        .all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits());
    assert!(
        same,
        "n = {n}, {threads} threads: factors not bitwise equal"
    );
    f
}

/// The team path on singular inputs: zero columns in the first, a middle
/// and the last leaf, repeated columns across leaf edges (the test leaves
/// are at most 6 wide), in both precisions: the same zero pivots as one
/// thread and no division by them.
#[test]
fn team_path_on_singular_inputs() {
    fn family<T: Scalar>(sizes: &[usize]) {
        for &n in sizes {
            let mut a = random::<T>(n, n, 60 + n as u64);
            for i in 0..n {
                a[(i, 2)] = T::ZERO;
                a[(i, n / 2)] = T::ZERO;
                a[(i, n - 1)] = T::ZERO;
                a[(i, 7)] = a[(i, 5)];
            }
            for threads in [2, 3] {
                let f = team_matches_one_thread(a.as_ref(), threads);
                assert!(f.factors.as_slice().iter().all(|x| x.is_finite()));
                assert_eq!(f.zero_pivot(), Some(2), "n = {n}");
                assert_eq!(
                    solve(&f, random::<T>(n, 1, 2).as_ref()),
                    Err(Error::Singular { index: 2 })
                );
            }
            let f = check_factor(a.as_ref());
            assert_eq!(f.zero_pivot(), Some(2));
        }
    }
    family::<f64>(&[12, 13, 17, 18, 24, 25, 48, 49, 97]);
    family::<f32>(&[12, 19, 24, 49]);
    // A matrix of rank one with power-of-two entries (exact elimination):
    // every pivot after the first is zero.
    let n = 40;
    let a = Mat::from_fn(n, n, |i, j| ((1u32 << (i % 5)) * (1u32 << (j % 4))) as f64);
    let f = team_matches_one_thread(a.as_ref(), 2);
    assert_eq!(f.zero_pivot(), Some(1));
    // All zero: the identity permutation, zero factors.
    let z = Mat::<f32>::zeros(30, 30);
    let f = team_matches_one_thread(z.as_ref(), 2);
    assert_eq!(f.pivots, (0..30).collect::<Vec<_>>());
    assert!(f.factors.as_slice().iter().all(|&x| x == 0.0));
    assert_eq!(f.zero_pivot(), Some(0));
}

/// Sizes at the edges of the test leaves (6) and their splits, in both
/// precisions and with 2 to 4 members; and the team path on non-finite
/// input fails before any work, as one thread does.
#[test]
fn team_path_block_edges_and_non_finite() {
    for n in [
        5usize, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33,
    ] {
        let a = random::<f64>(n, n, 80 + n as u64);
        for threads in [2, 4] {
            team_matches_one_thread(a.as_ref(), threads);
        }
        let b = random::<f32>(n, n, 90 + n as u64);
        team_matches_one_thread(b.as_ref(), 2);
    }
    // Rows graded so that pivots come from far below every panel.
    let n = 61;
    let r = random::<f64>(n, n, 5);
    let a = Mat::from_fn(n, n, |i, j| r[(i, j)] * ((i + 1) as f64).powi(2));
    let f = team_matches_one_thread(a.as_ref(), 3);
    assert!(
        f.pivots
            .iter()
            .enumerate()
            .filter(|&(i, &p)| p != i)
            .count()
            > n / 2
    );
    for (bad, at) in [
        (f64::NAN, (0, 0)),
        (f64::INFINITY, (40, 13)),
        (f64::NEG_INFINITY, (60, 60)),
    ] {
        let mut b = random::<f64>(n, n, 6);
        b[at] = bad;
        for par in [oxblas_core::Par::Seq, oxblas_core::Par::Rayon(2)] {
            assert_eq!(
                factor::factor_par(b.as_ref(), n, par),
                Err(Error::NonFinite {
                    op: oxblas_core::Op::Lu
                })
            );
        }
    }
    let mut c = random::<f32>(33, 33, 6);
    c[(32, 0)] = f32::NAN;
    assert_eq!(
        factor::factor_par(c.as_ref(), 33, oxblas_core::Par::Rayon(2)),
        Err(Error::NonFinite {
            op: oxblas_core::Op::Lu
        })
    );
}

/// The team leaf against the one-thread leaf on panels of every shape the
/// parts can take (2 to 4 parts, rank-4 blocks and a narrower remainder):
/// random, the largest magnitude tied across parts (the first row wins), a
/// NaN in the last part (it wins), an all-zero column (pivot kept, no
/// division), and a tiny pivot (divided, not multiplied by its reciprocal).
#[test]
fn leaf_team_matches_the_one_thread_leaf() {
    use super::leaf::{leaf, leaf_team, TeamScratch};
    use crate::team::with_team;
    for threads in 2..=4usize {
        for &(m, w) in &[(12usize, 3usize), (40, 6), (64, 16), (101, 5), (300, 9)] {
            if m < w * threads {
                continue;
            }
            for case in 0..5 {
                let mut a = random::<f64>(m, w, (m * 7 + w + case) as u64);
                match case {
                    1 => {
                        a[(m - 1, 0)] = -9.0;
                        a[(m / threads + 1, 0)] = 9.0;
                        a[(1, 0)] = 9.0;
                    }
                    2 => a[(m - 1, w / 2)] = f64::NAN,
                    3 => (0..m).for_each(|i| a[(i, 1)] = 0.0),
                    4 => (0..m).for_each(|i| a[(i, 0)] *= 1e-310),
                    _ => {}
                }
                let mut s = a.clone();
                let mut ps = vec![0; w];
                leaf(s.as_mut(), &mut ps, &mut Vec::new());
                let mut t = a.clone();
                let mut pt = vec![0; w];
                with_team(oxblas_core::Par::Rayon(threads), |team| {
                    assert_eq!(team.size(), threads);
                    leaf_team(t.as_mut(), &mut pt, team, &TeamScratch::new(threads));
                });
                assert_eq!(ps, pt, "{m} x {w}, {threads} parts, case {case}: pivots");
                let same = s
                    .as_slice()
                    .iter()
                    .zip(t.as_slice())
                    .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
                assert!(
                    same,
                    "{m} x {w}, {threads} parts, case {case}: not bitwise equal"
                );
                if case == 1 {
                    assert_eq!(ps[0], 1, "the first of the tied rows");
                }
                if case == 2 {
                    assert!(ps.contains(&(m - 1)), "the NaN row is a pivot");
                }
            }
        }
    }
}
