//! Cholesky tests, blocking constants forced small (`cfg(test)`).

use oxblas_core::{Error, Mat, MatRef, Scalar};

use super::*;
use crate::lapack::util::testing::{matmul, random, rel_residual, spd, with_condition, TOL};

fn check<T: Scalar>(a: MatRef<'_, T>) -> oxblas_core::Cholesky<T> {
    let n = a.rows();
    let c = factor(a).unwrap();
    assert_eq!(c.l.shape(), (n, n));
    for i in 0..n {
        assert!(c.l[(i, i)] > T::ZERO);
        for j in i + 1..n {
            assert_eq!(c.l[(i, j)], T::ZERO, "upper triangle must be zero");
        }
    }
    let llt = matmul(c.l.as_ref(), c.l.t());
    // The full symmetric matrix from the lower triangle.
    let full = Mat::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { a[(j, i)] });
    let r = rel_residual(full.as_ref(), llt.as_ref(), n);
    assert!(r <= TOL, "n = {n}: ||A - LL^T|| ratio {r}");
    c
}

fn spd_family<T: Scalar>() {
    for &n in &[0usize, 1, 2, 3, 4, 17, 64] {
        let a = spd::<T>(n, n as u64);
        let c = check(a.as_ref());
        let b = random::<T>(n, 2, 5);
        let x = solve(&c, b.as_ref()).unwrap();
        let ax = matmul(a.as_ref(), x.as_ref());
        let r = rel_residual(b.as_ref(), ax.as_ref(), n) / (1.0 + cond_bound(n));
        assert!(r <= TOL, "n = {n}: solve ratio {r}");
    }
}

/// `B B^T + n I` with entries of B in [-1, 1) has condition below about 5.
fn cond_bound(_n: usize) -> f64 {
    5.0
}

#[test]
fn spd_matrices_factor_and_solve() {
    spd_family::<f64>();
    spd_family::<f32>();
}

#[test]
fn sizes_around_256() {
    for &n in &[255usize, 256, 257] {
        check(spd::<f64>(n, 1).as_ref());
        check(spd::<f32>(n, 2).as_ref());
    }
}

#[test]
fn ill_conditioned_spd() {
    // Q diag(s) Q^T with s from 1 to 1e-8 (f64) / 1e-4 (f32).
    fn make<T: Scalar>(n: usize, cond: f64) -> Mat<T> {
        let q = crate::lapack::util::testing::orthogonal(n, 3);
        Mat::from_fn(n, n, |i, j| {
            T::from_f64(
                (0..n)
                    .map(|k| q[k][i] * cond.powf(-(k as f64) / (n - 1) as f64) * q[k][j])
                    .sum(),
            )
        })
    }
    check(make::<f64>(40, 1e8).as_ref());
    check(make::<f32>(40, 1e4).as_ref());
}

#[test]
fn reads_only_the_lower_triangle() {
    let a = spd::<f64>(17, 4);
    let mut b = a.clone();
    for i in 0..17 {
        for j in i + 1..17 {
            b[(i, j)] = f64::NAN;
        }
    }
    assert_eq!(factor(b.as_ref()).unwrap(), factor(a.as_ref()).unwrap());
}

#[test]
fn not_positive_definite_reports_the_failing_pivot() {
    for &(n, k) in &[(1usize, 0usize), (5, 0), (5, 4), (17, 11), (64, 40)] {
        let mut a = spd::<f64>(n, 7);
        a[(k, k)] = -1e3 * n as f64;
        assert_eq!(
            factor(a.as_ref()),
            Err(Error::NotPositiveDefinite { index: k })
        );
        let mut a = spd::<f32>(n, 7);
        a[(k, k)] = -1e3 * n as f32;
        assert_eq!(
            factor(a.as_ref()),
            Err(Error::NotPositiveDefinite { index: k })
        );
    }
    // Symmetric, indefinite: [[1, 2], [2, 1]] fails at the second pivot.
    let a = Mat::from_rows(&[[1.0, 2.0], [2.0, 1.0]]).unwrap();
    assert_eq!(
        factor(a.as_ref()),
        Err(Error::NotPositiveDefinite { index: 1 })
    );
    // Exactly singular positive semidefinite: a zero pivot.
    let z = Mat::from_rows(&[[1.0f32, 1.0], [1.0, 1.0]]).unwrap();
    assert_eq!(
        factor(z.as_ref()),
        Err(Error::NotPositiveDefinite { index: 1 })
    );
    // A general random matrix is (almost surely) not positive definite.
    let g = with_condition::<f64>(9, 10.0, 2);
    assert!(matches!(
        factor(g.as_ref()),
        Err(Error::NotPositiveDefinite { .. })
    ));
}

#[test]
fn zero_size_one_by_one_and_bad_input() {
    assert_eq!(
        factor(Mat::<f64>::zeros(0, 0).as_ref()).unwrap().l.shape(),
        (0, 0)
    );
    let c = factor(Mat::from_rows(&[[9.0f32]]).unwrap().as_ref()).unwrap();
    assert_eq!(c.l[(0, 0)], 3.0);
    assert!(matches!(
        factor(Mat::<f64>::zeros(2, 3).as_ref()),
        Err(Error::NotSquare { .. })
    ));
    for bad in [f64::NAN, f64::INFINITY] {
        let mut a = spd::<f64>(6, 1);
        a[(4, 1)] = bad;
        assert_eq!(
            factor(a.as_ref()),
            Err(Error::NonFinite {
                op: oxblas_core::Op::Cholesky
            })
        );
    }
    let c = factor(spd::<f64>(3, 1).as_ref()).unwrap();
    assert!(matches!(
        solve(&c, Mat::<f64>::zeros(4, 1).as_ref()),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn strided_and_transposed_views() {
    let a = spd::<f64>(21, 3);
    let mut buf = vec![0.0; 21 * 21 * 2];
    for i in 0..21 {
        for j in 0..21 {
            buf[i * 2 + j * 42] = a[(i, j)];
        }
    }
    let v = MatRef::from_parts(&buf, 0, 21, 21, 2, 42).unwrap();
    assert_eq!(factor(v).unwrap(), factor(a.as_ref()).unwrap());
    // A symmetric matrix equals its transpose.
    assert_eq!(factor(a.t()).unwrap(), factor(a.as_ref()).unwrap());
}

#[test]
fn inverse_is_symmetric_and_inverts() {
    for &n in &[1usize, 3, 17, 40] {
        let a = spd::<f64>(n, 2);
        let inv = inverse(&factor(a.as_ref()).unwrap()).unwrap();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(inv[(i, j)], inv[(j, i)]);
            }
        }
        let prod = matmul(a.as_ref(), inv.as_ref());
        let r = rel_residual(Mat::<f64>::identity(n).as_ref(), prod.as_ref(), n) / cond_bound(n);
        assert!(r <= TOL, "n = {n}: ||A A^-1 - I|| ratio {r}");
    }
}

#[test]
fn hand_built_non_square_factor_is_rejected() {
    let c = oxblas_core::Cholesky {
        l: Mat::<f64>::zeros(3, 2),
    };
    assert!(matches!(
        solve(&c, Mat::<f64>::zeros(3, 1).as_ref()),
        Err(Error::NotSquare { .. })
    ));
    assert!(matches!(inverse(&c), Err(Error::NotSquare { .. })));
}

#[test]
fn team_of_three_matches_one_thread() {
    // Orders across PAR_MIN_N (24 in tests), with the padded stride (256).
    for &n in &[24usize, 50, 97, 256] {
        let a = spd::<f64>(n, 11 + n as u64);
        let one = factor_with(a.as_ref(), oxblas_core::Par::Seq).unwrap();
        for threads in [2usize, 3] {
            let many = factor_with(a.as_ref(), oxblas_core::Par::Rayon(threads)).unwrap();
            for i in 0..n {
                for j in 0..n {
                    let (x, y) = (one.l[(i, j)], many.l[(i, j)]);
                    assert!(
                        (x - y).abs() <= 64.0 * f64::EPSILON * (n as f64) * x.abs().max(1.0),
                        "n {n} threads {threads} ({i}, {j}): {x} vs {y}"
                    );
                }
            }
        }
        let a32 = spd::<f32>(n, 5 + n as u64);
        let c = factor_with(a32.as_ref(), oxblas_core::Par::Rayon(3)).unwrap();
        let llt = matmul(c.l.as_ref(), c.l.t());
        let full = Mat::from_fn(n, n, |i, j| if j <= i { a32[(i, j)] } else { a32[(j, i)] });
        let r = rel_residual(full.as_ref(), llt.as_ref(), n);
        assert!(r <= TOL, "f32 n = {n}, 3 threads: ratio {r}");
    }
}

#[test]
fn team_errors_are_exact() {
    // A NaN in the last row part, and a failing pivot deep in the trailing
    // block, with three threads.
    let n = 97;
    let mut a = spd::<f64>(n, 3);
    a[(n - 1, 2)] = f64::NAN;
    assert!(matches!(
        factor_with(a.as_ref(), oxblas_core::Par::Rayon(3)),
        Err(Error::NonFinite { .. })
    ));
    let mut a = spd::<f64>(n, 3);
    a[(70, 70)] = -1e6;
    assert!(matches!(
        factor_with(a.as_ref(), oxblas_core::Par::Rayon(3)),
        Err(Error::NotPositiveDefinite { index: 70 })
    ));
}

#[test]
fn squeeze_in_blocks_keeps_every_row() {
    // Rows `ld` apart moved together in place by 1..=4 threads (blocks of
    // at least 64 rows), for paddings from one element to more than a row.
    for &(n, ld) in &[(130usize, 131usize), (200, 203), (256, 264), (300, 700)] {
        for threads in 1..=4 {
            let mut data: Vec<f64> = (0..n * ld)
                .map(|p| {
                    let (i, j) = (p / ld, p % ld);
                    if j < n {
                        (i * 10_000 + j) as f64
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            crate::team::with_team(oxblas_core::Par::Rayon(threads), |team| {
                super::factor::squeeze(&mut data, n, ld, team)
            });
            assert_eq!(data.len(), n * n);
            for (p, &v) in data.iter().enumerate() {
                assert_eq!(v, ((p / n) * 10_000 + p % n) as f64, "n {n} ld {ld} at {p}");
            }
        }
    }
}

/// Isas the packed factorization is tested with: the portable kernel
/// always, and the detected one (AVX2 transposes and fused tiles).
fn packed_isas() -> Vec<crate::gemm::Isa> {
    let mut isas = vec![crate::gemm::Isa::Portable];
    if crate::gemm::isa() != crate::gemm::Isa::Portable {
        isas.push(crate::gemm::isa());
    }
    isas
}

/// The packed factorization alone, into a new matrix (from a row-major, a
/// column-major and a strided view) and in place (inside a wider matrix,
/// whose columns right of the block must stay untouched), with a failing
/// pivot at `bad`.
fn packed_case<T: Scalar>(isa: crate::gemm::Isa, n: usize, bad: Option<usize>) {
    let mut a = spd::<T>(n, 17 + n as u64);
    if let Some(k) = bad {
        a[(k, k)] = T::from_f64(-1e3 * n as f64);
    }
    let full = Mat::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { a[(j, i)] });
    // Upper triangle NaN: it must not be read.
    let lower_only = Mat::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { T::NAN });
    let colmajor = lower_only.transpose();
    let mut buf = vec![T::NAN; 3 * n * n + 3];
    for i in 0..n {
        for j in 0..n {
            buf[i * 3 + j * 3 * n] = lower_only[(i, j)];
        }
    }
    let strided = MatRef::from_parts(&buf, 0, n, n, 3, 3 * n as isize).unwrap();
    let views = [lower_only.as_ref(), colmajor.as_ref().t(), strided];
    let mut first: Option<Vec<T>> = None;
    for (v, view) in views.into_iter().enumerate() {
        let got = super::packed::factor_to_vec(isa, view, &crate::team::Team::single());
        if let Some(k) = bad {
            assert_eq!(
                got,
                Err(Error::NotPositiveDefinite { index: k }),
                "n {n} view {v}"
            );
            continue;
        }
        let l = Mat::from_vec(n, n, got.unwrap()).unwrap();
        for i in 0..n {
            for j in i + 1..n {
                assert_eq!(l[(i, j)], T::ZERO, "n {n} view {v}: upper ({i}, {j})");
            }
        }
        let llt = matmul(l.as_ref(), l.t());
        let r = rel_residual(full.as_ref(), llt.as_ref(), n);
        assert!(r <= TOL, "packed n = {n} view {v}: ||A - LL^T|| ratio {r}");
        match &first {
            None => first = Some(l.into_vec()),
            Some(f) => assert_eq!(f, l.as_slice(), "n {n}: views differ"),
        }
    }
    // In place, in the top-left corner of a wider matrix.
    let wide = n + 5;
    let mut w = Mat::from_fn(n, wide, |i, j| {
        if j <= i {
            a[(i, j)]
        } else if j < n {
            T::ZERO
        } else {
            T::from_f64(7.0)
        }
    });
    let (block, _) = w.as_mut().split_at_col(n);
    let got = super::packed::factor_in_place(isa, block, 3);
    if let Some(k) = bad {
        assert_eq!(
            got,
            Err(Error::NotPositiveDefinite { index: 3 + k }),
            "n {n}"
        );
        return;
    }
    got.unwrap();
    for i in 0..n {
        for j in 0..wide {
            let v = w[(i, j)];
            if j >= n {
                assert_eq!(v, T::from_f64(7.0), "n {n}: ({i}, {j}) outside written");
            } else if j > i {
                assert_eq!(v, T::ZERO, "n {n}: upper ({i}, {j})");
            } else {
                assert_eq!(
                    v,
                    first.as_ref().unwrap()[i * n + j],
                    "n {n}: in place differs"
                );
            }
        }
    }
}

#[test]
fn packed_every_order_and_failing_pivots() {
    for isa in packed_isas() {
        for n in (1..=50).chain([63, 64, 65, 95, 96, 97, 127, 128, 129, 191, 200]) {
            packed_case::<f64>(isa, n, None);
            packed_case::<f32>(isa, n, None);
        }
        for n in [1usize, 2, 7, 13, 17, 33, 50] {
            for k in 0..n {
                packed_case::<f64>(isa, n, Some(k));
                packed_case::<f32>(isa, n, Some(k));
            }
        }
        for (n, k) in [(128usize, 100usize), (129, 128), (200, 137)] {
            packed_case::<f64>(isa, n, Some(k));
            packed_case::<f32>(isa, n, Some(k));
        }
    }
}

#[test]
fn packed_non_finite_lower_triangle() {
    for isa in packed_isas() {
        // Partial panels, diagonal blocks, and full panels left of the
        // diagonal (read by the checking AVX2 transposes: 8 rows f64, 16 f32).
        for (n, i, j) in [
            (1usize, 0usize, 0usize),
            (9, 8, 0),
            (20, 17, 16),
            (40, 39, 39),
            (40, 20, 5),
            (40, 35, 3),
            (64, 63, 50),
            (64, 47, 31),
        ] {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut a = spd::<f64>(n, 1);
                a[(i, j)] = bad;
                assert_eq!(
                    super::packed::factor_to_vec(isa, a.as_ref(), &crate::team::Team::single()),
                    Err(Error::NonFinite {
                        op: oxblas_core::Op::Cholesky
                    })
                );
                let mut a = spd::<f32>(n, 1);
                // A failing pivot before it must not win over the NaN.
                a[(0, 0)] = -1.0;
                a[(i, j)] = bad as f32;
                assert_eq!(
                    super::packed::factor_to_vec(isa, a.as_ref(), &crate::team::Team::single()),
                    Err(Error::NonFinite {
                        op: oxblas_core::Op::Cholesky
                    })
                );
            }
        }
    }
}
/// The leaf alone on every order up to its largest (LEAF is small under
/// cfg(test), so `factor` never runs leaves of more than 11 rows): row
/// chunks (8 rows in tests) and 4-column panels, full and partial.
fn leaf_case<T: Scalar>(n: usize, bad: Option<usize>) {
    let mut a = spd::<T>(n, 13 + n as u64);
    if let Some(k) = bad {
        a[(k, k)] = T::from_f64(-1e3 * n as f64);
    }
    let mut w = Mat::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { T::ZERO });
    let got = super::factor::leaf(w.as_mut(), 5);
    if let Some(k) = bad {
        assert_eq!(
            got,
            Err(Error::NotPositiveDefinite { index: 5 + k }),
            "n {n}"
        );
        return;
    }
    got.unwrap();
    let llt = matmul(w.as_ref(), w.t());
    let full = Mat::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { a[(j, i)] });
    let r = rel_residual(full.as_ref(), llt.as_ref(), n);
    assert!(r <= TOL, "leaf n = {n}: ||A - LL^T|| ratio {r}");
}

#[test]
fn leaf_every_order_and_failing_pivots() {
    for n in (1..=40).chain([47, 48, 49, 63, 64, 65, 96, 127, 128]) {
        leaf_case::<f64>(n, None);
        leaf_case::<f32>(n, None);
    }
    for (n, k) in [(9usize, 8usize), (20, 15), (40, 33), (128, 100), (128, 127)] {
        leaf_case::<f64>(n, Some(k));
        leaf_case::<f32>(n, Some(k));
    }
}

/// The packed factorization on a team of `threads` (the pipelined column
/// blocks of `packed::run_team`).
fn packed_on_team<T: Scalar>(
    isa: crate::gemm::Isa,
    a: MatRef<'_, T>,
    threads: usize,
) -> oxblas_core::Result<Vec<T>> {
    crate::team::with_team(oxblas_core::Par::Rayon(threads), |team| {
        assert_eq!(team.size(), threads);
        super::packed::factor_to_vec(isa, a, team)
    })
}

#[test]
fn packed_team_equals_one_thread() {
    // Orders around the column blocks (6 or 4) and the panels (8 f64, 16
    // f32, 4 portable); every tile is computed by the same operations on a
    // team, so the factors are equal bit for bit.
    let orders = (1..=20).chain([23, 24, 25, 47, 48, 49, 95, 96, 97, 127, 128, 129, 200, 263]);
    for isa in packed_isas() {
        for n in orders.clone() {
            let a = spd::<f64>(n, 31 + n as u64);
            let one = super::packed::factor_to_vec(isa, a.as_ref(), &crate::team::Team::single());
            let one = one.unwrap();
            let a32 = spd::<f32>(n, 37 + n as u64);
            let one32 =
                super::packed::factor_to_vec(isa, a32.as_ref(), &crate::team::Team::single());
            let one32 = one32.unwrap();
            for threads in [2usize, 3] {
                assert_eq!(
                    packed_on_team(isa, a.as_ref(), threads).unwrap(),
                    one,
                    "f64 n {n} threads {threads}"
                );
                assert_eq!(
                    packed_on_team(isa, a32.as_ref(), threads).unwrap(),
                    one32,
                    "f32 n {n} threads {threads}"
                );
                // A column-major view reads through other strides.
                let cm = a.transpose();
                assert_eq!(
                    packed_on_team(isa, cm.t(), threads).unwrap(),
                    one,
                    "f64 n {n} threads {threads}, column-major"
                );
            }
            let l = Mat::from_vec(n, n, one).unwrap();
            let full = Mat::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { a[(j, i)] });
            let r = rel_residual(full.as_ref(), matmul(l.as_ref(), l.t()).as_ref(), n);
            assert!(r <= TOL, "n = {n}: ||A - LL^T|| ratio {r}");
        }
    }
    // Repeated on one order, so that different interleavings of the
    // pipeline get their chance to differ.
    let a = spd::<f64>(150, 5);
    let one =
        super::packed::factor_to_vec(crate::gemm::isa(), a.as_ref(), &crate::team::Team::single());
    let one = one.unwrap();
    for _ in 0..30 {
        assert_eq!(
            packed_on_team(crate::gemm::isa(), a.as_ref(), 2).unwrap(),
            one
        );
    }
}

#[test]
fn packed_team_errors_are_exact() {
    for isa in packed_isas() {
        // Failing pivots in the first block, at block and panel edges, deep
        // inside and last.
        for (n, ks) in [
            (1usize, vec![0usize]),
            (13, vec![0, 5, 6, 7, 8, 12]),
            (97, vec![0, 1, 11, 12, 15, 16, 17, 48, 95, 96]),
            (200, vec![3, 100, 150, 199]),
        ] {
            for &k in &ks {
                for threads in [2usize, 3] {
                    let mut a = spd::<f64>(n, 41);
                    a[(k, k)] = -1e3 * n as f64;
                    assert_eq!(
                        packed_on_team(isa, a.as_ref(), threads),
                        Err(Error::NotPositiveDefinite { index: k }),
                        "f64 n {n} k {k} threads {threads}"
                    );
                    let mut a = spd::<f32>(n, 43);
                    a[(k, k)] = 0.0;
                    assert_eq!(
                        packed_on_team(isa, a.as_ref(), threads),
                        Err(Error::NotPositiveDefinite { index: k }),
                        "f32 n {n} k {k} threads {threads}"
                    );
                }
            }
        }
        // A NaN or infinity anywhere in the lower triangle wins over a
        // failing pivot before it; the upper triangle is not read.
        for (n, i, j) in [
            (1usize, 0usize, 0usize),
            (40, 39, 39),
            (97, 96, 3),
            (97, 50, 49),
            (200, 17, 16),
        ] {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for threads in [2usize, 3] {
                    let mut a = spd::<f64>(n, 1);
                    a[(0, 0)] = -1.0;
                    a[(i, j)] = bad;
                    assert_eq!(
                        packed_on_team(isa, a.as_ref(), threads),
                        Err(Error::NonFinite {
                            op: oxblas_core::Op::Cholesky
                        })
                    );
                    let mut a = spd::<f32>(n, 1);
                    a[(i, j)] = bad as f32;
                    if i > 0 {
                        a[(0, i)] = f32::NAN;
                    }
                    assert_eq!(
                        packed_on_team(isa, a.as_ref(), threads),
                        Err(Error::NonFinite {
                            op: oxblas_core::Op::Cholesky
                        })
                    );
                }
            }
        }
        let mut a = spd::<f64>(97, 2);
        a[(5, 90)] = f64::NAN;
        assert!(packed_on_team(isa, a.as_ref(), 2).is_ok());
    }
}

#[test]
fn team_path_of_factor_equals_one_thread() {
    // PAR_MIN_N (24) to WHOLE_MAX (40) in tests: `factor` on a team runs
    // the pipelined packed factorization.
    for n in [24usize, 29, 35, 40] {
        let a = spd::<f64>(n, 3 + n as u64);
        let one = factor_with(a.as_ref(), oxblas_core::Par::Seq).unwrap();
        let two = factor_with(a.as_ref(), oxblas_core::Par::Rayon(2)).unwrap();
        assert_eq!(one, two, "n {n}");
        let a = spd::<f32>(n, 5 + n as u64);
        let one = factor_with(a.as_ref(), oxblas_core::Par::Seq).unwrap();
        let two = factor_with(a.as_ref(), oxblas_core::Par::Rayon(2)).unwrap();
        assert_eq!(one, two, "f32 n {n}");
        let mut b = a.clone();
        b[(n - 3, n - 3)] = -1.0;
        assert_eq!(
            factor_with(b.as_ref(), oxblas_core::Par::Rayon(2)),
            Err(Error::NotPositiveDefinite { index: n - 3 })
        );
        b[(n - 1, 1)] = f32::INFINITY;
        assert_eq!(
            factor_with(b.as_ref(), oxblas_core::Par::Rayon(2)),
            Err(Error::NonFinite {
                op: oxblas_core::Op::Cholesky
            })
        );
    }
}

fn tiny_case<T: Scalar>(n: usize) {
    let a = spd::<T>(n, 31 + n as u64);
    let c = check(a.as_ref());
    // Any layout, the same bits: a transposed view (the matrix is
    // symmetric) and a strided copy of the lower triangle with NaN above.
    assert_eq!(factor(a.t()).unwrap(), c, "n {n}");
    let mut buf = vec![T::from_f64(f64::NAN); n * n * 3];
    for i in 0..n {
        for j in 0..=i {
            buf[i * 3 + j * 3 * n] = a[(i, j)];
        }
    }
    let v = MatRef::from_parts(&buf, 0, n, n, 3, 3 * n as isize).unwrap();
    assert_eq!(factor(v).unwrap(), c, "n {n} strided");
    for k in 0..n {
        let mut b = a.clone();
        b[(k, k)] = T::from_f64(-1e3);
        assert_eq!(
            factor(b.as_ref()),
            Err(Error::NotPositiveDefinite { index: k }),
            "n {n} k {k}"
        );
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut b = a.clone();
            b[(n - 1, k)] = T::from_f64(bad);
            assert_eq!(
                factor(b.as_ref()),
                Err(Error::NonFinite {
                    op: oxblas_core::Op::Cholesky
                }),
                "n {n} k {k} {bad}"
            );
        }
    }
    // Semidefinite: a zero pivot (a rank-one matrix) fails at the second.
    if n >= 2 {
        let ones = Mat::from_fn(n, n, |_, _| T::ONE);
        assert_eq!(
            factor(ones.as_ref()),
            Err(Error::NotPositiveDefinite { index: 1 })
        );
    }
}

#[test]
fn tiny_orders_every_layout_and_error() {
    for n in 1..=super::factor::TINY {
        tiny_case::<f64>(n);
        tiny_case::<f32>(n);
    }
}
