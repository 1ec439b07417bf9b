//! Tests of the SVD's blocked bidiagonalization and bidiagonal divide and
//! conquer: residuals and orthogonality scaled by `n eps`, on sizes that
//! straddle the panel width and the divide-and-conquer leaf size, with
//! graded, clustered, tiny and zero singular values.

use oxblas_core::{Mat, Scalar, SvdMode};

use super::svd;
use super::svd_dc::bidiag_dc;
use super::svd_dqds::bidiag_values;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64) / (1u64 << 53) as f64 - 0.5
    }
}

/// `A = H_l diag(s) H_r` (`m x n`, row-major f64) with a few random
/// Householder reflectors on each side, so that the singular values are `s`.
fn with_values(rng: &mut Rng, m: usize, n: usize, s: &[f64]) -> Vec<f64> {
    let mut a = vec![0.0; m * n];
    for (i, &x) in s.iter().enumerate() {
        a[i * n + i] = x;
    }
    for _ in 0..3 {
        let v: Vec<f64> = (0..m).map(|_| rng.next()).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        for j in 0..n {
            let w: f64 = (0..m).map(|i| v[i] * a[i * n + j]).sum::<f64>() * 2.0 / vv;
            for i in 0..m {
                a[i * n + j] -= w * v[i];
            }
        }
        let v: Vec<f64> = (0..n).map(|_| rng.next()).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        for i in 0..m {
            let w: f64 = (0..n).map(|j| v[j] * a[i * n + j]).sum::<f64>() * 2.0 / vv;
            for j in 0..n {
                a[i * n + j] -= w * v[j];
            }
        }
    }
    a
}

fn random(rng: &mut Rng, m: usize, n: usize) -> Vec<f64> {
    (0..m * n).map(|_| rng.next()).collect()
}

/// Max over entries of `|X^T X - I|` for the `r x c` column-major-by-closure
/// matrix `x(i, j)`, divided by `r eps`.
fn orth_cols(r: usize, c: usize, x: impl Fn(usize, usize) -> f64, eps: f64) -> f64 {
    let mut worst = 0.0f64;
    for p in 0..c {
        for q in 0..=p {
            let g: f64 = (0..r).map(|i| x(i, p) * x(i, q)).sum();
            let want = if p == q { 1.0 } else { 0.0 };
            worst = worst.max((g - want).abs());
        }
    }
    worst / (r.max(1) as f64 * eps)
}

/// Checks `svd(a)` (thin and full) against `A`, and the values against
/// `want` (descending) when given; returns the computed values.
fn check<T: Scalar>(a: &[f64], m: usize, n: usize, want: Option<&[f64]>) -> Vec<f64> {
    let eps = T::EPSILON.to_f64();
    let at: Mat<T> = Mat::from_fn(m, n, |i, j| T::from_f64(a[i * n + j]));
    let anorm = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let k = m.min(n);
    let mut vals = Vec::new();
    for mode in [SvdMode::Thin, SvdMode::Full] {
        let r = svd::svd(at.as_ref(), mode).expect("svd");
        let s: Vec<f64> = r.s.iter().map(|x| x.to_f64()).collect();
        assert_eq!(s.len(), k);
        for w in s.windows(2) {
            assert!(w[0] >= w[1], "not descending: {w:?}");
        }
        assert!(s.iter().all(|&x| x >= 0.0));
        let (ur, uc) = r.u.shape();
        let (vr, vc) = r.vt.shape();
        assert_eq!((ur, vc), (m, n));
        assert_eq!(uc, if mode == SvdMode::Thin { k } else { m });
        assert_eq!(vr, if mode == SvdMode::Thin { k } else { n });
        let u = |i: usize, j: usize| r.u[(i, j)].to_f64();
        let vt = |i: usize, j: usize| r.vt[(i, j)].to_f64();
        let ou = orth_cols(m, uc, u, eps);
        let ov = orth_cols(n, vr, |i, j| vt(j, i), eps);
        assert!(ou <= 10.0, "U orthogonality {ou} ({m}x{n} {mode:?})");
        assert!(ov <= 10.0, "V orthogonality {ov} ({m}x{n} {mode:?})");
        let mut res = 0.0f64;
        for i in 0..m {
            for j in 0..n {
                let x: f64 = (0..k).map(|p| u(i, p) * s[p] * vt(p, j)).sum();
                res += (x - a[i * n + j]).powi(2);
            }
        }
        let ratio = res.sqrt() / (anorm * m.max(n) as f64 * eps);
        assert!(ratio <= 10.0, "residual {ratio} ({m}x{n} {mode:?})");
        let sv: Vec<f64> = svd::singular_values(at.as_ref())
            .expect("values")
            .iter()
            .map(|x| x.to_f64())
            .collect();
        let smax = s.first().copied().unwrap_or(0.0);
        for (x, y) in sv.iter().zip(&s) {
            assert!(
                (x - y).abs() <= 10.0 * k as f64 * eps * smax,
                "values-only {x} vs {y}"
            );
        }
        if let Some(want) = want {
            for (x, y) in s.iter().zip(want) {
                assert!(
                    (x - y).abs() <= 10.0 * k as f64 * eps * smax,
                    "value {x} vs {y} ({m}x{n})"
                );
            }
        }
        vals = s;
    }
    vals
}

fn sizes_random<T: Scalar>() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for &(m, n) in &[
        (25, 25),
        (26, 26),
        (49, 49),
        (63, 63),
        (64, 64),
        (65, 65),
        (97, 97),
        (100, 61),
        (61, 100),
        (130, 129),
        (200, 70),
        (70, 200),
        (131, 131),
    ] {
        let a = random(&mut rng, m, n);
        check::<T>(&a, m, n, None);
    }
}

#[test]
fn svd_dc_sizes_f64() {
    sizes_random::<f64>();
}

#[test]
fn svd_dc_sizes_f32() {
    sizes_random::<f32>();
}

/// The bidiagonalization's fused pass (one sweep over the trailing matrix
/// for `A^T u` and `A r`) with zero and repeated columns: right reflectors
/// with `tau == 0` (a row already reduced), exact rank deficiency, and
/// orders around the 32-column panels and the 4-column groups of the pass.
fn rank_deficient<T: Scalar>() {
    let mut rng = Rng(0x0bad_cafe_2024_0001);
    for &(m, n) in &[(33, 33), (66, 66), (67, 65), (99, 97), (130, 70)] {
        let mut a = random(&mut rng, m, n);
        for i in 0..m {
            for j in 0..n {
                if j % 5 == 2 {
                    a[i * n + j] = 0.0;
                } else if j % 7 == 3 {
                    a[i * n + j] = a[i * n + j - 1];
                }
            }
            // The last columns zero: the trailing rows reduce to nothing.
            for j in n - 3..n {
                a[i * n + j] = 0.0;
            }
        }
        let s = check::<T>(&a, m, n, None);
        // Zero columns plus duplicated ones: that many zero values.
        let zeros = (0..n)
            .filter(|&j| j % 5 == 2 || j % 7 == 3 || j >= n - 3)
            .count();
        let tol = 10.0 * n as f64 * T::EPSILON.to_f64() * s[0];
        let small = s.iter().filter(|&&x| x <= tol).count();
        assert_eq!(small, zeros, "zero values ({m}x{n})");
    }
}

#[test]
fn bidiag_fused_rank_deficient_f64() {
    rank_deficient::<f64>();
}

#[test]
fn bidiag_fused_rank_deficient_f32() {
    rank_deficient::<f32>();
}

#[test]
fn svd_dc_prescribed_values() {
    let mut rng = Rng(0xfeed_beef_1357_2468);
    let n = 90;
    let families: Vec<Vec<f64>> = vec![
        // Graded down to eps.
        (0..n)
            .map(|i| 10f64.powf(-16.0 * i as f64 / (n - 1) as f64))
            .collect(),
        // Clustered: two tight clusters.
        (0..n)
            .map(|i| {
                if i < n / 2 {
                    1.0 + 1e-13 * i as f64
                } else {
                    1e-3 * (1.0 + 1e-13 * i as f64)
                }
            })
            .collect(),
        // Tiny values near eps next to O(1) ones.
        (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    1.0 / (1.0 + i as f64)
                } else {
                    1e-15 * (1.0 + i as f64)
                }
            })
            .collect(),
        // Rank-deficient: a third exactly zero.
        (0..n)
            .map(|i| if i < 2 * n / 3 { 1.0 + i as f64 } else { 0.0 })
            .collect(),
        // All equal.
        vec![2.0; n],
    ];
    for mut s in families {
        s.sort_by(|a, b| b.partial_cmp(a).unwrap());
        for &(m, c) in &[(n, n), (n + 7, n), (n, n + 7)] {
            let a = with_values(&mut rng, m, c, &s);
            let got = check::<f64>(&a, m, c, Some(&s));
            assert_eq!(got.len(), n);
        }
    }
}

/// The bidiagonal divide and conquer alone, on bidiagonals that stress the
/// deflation and the secular solver: `B = U diag(s) V^T` and orthogonality
/// to `n eps`.
#[test]
fn bidiag_dc_hard_cases() {
    let mut rng = Rng(99);
    let mut cases: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    for &n in &[25usize, 26, 48, 49, 50, 77, 150] {
        cases.push((
            (0..n).map(|_| rng.next()).collect(),
            (0..n - 1).map(|_| rng.next()).collect(),
        ));
        // Graded.
        cases.push((
            (0..n).map(|i| 0.5f64.powi(i as i32)).collect(),
            (0..n - 1).map(|i| 0.5f64.powi(i as i32 + 1)).collect(),
        ));
        // Zeros on the diagonal and superdiagonal.
        cases.push((
            (0..n)
                .map(|i| if i % 5 == 2 { 0.0 } else { 1.0 + i as f64 })
                .collect(),
            (0..n - 1)
                .map(|i| if i % 7 == 3 { 0.0 } else { 0.5 })
                .collect(),
        ));
        // Constant (the Toeplitz bidiagonal, very clustered values).
        cases.push((vec![1.0; n], vec![1.0; n - 1]));
        // Tiny entries of order eps.
        cases.push((
            (0..n)
                .map(|i| if i % 2 == 0 { 1e-17 } else { 1.0 })
                .collect(),
            (0..n - 1).map(|_| 1e-16).collect(),
        ));
    }
    let eps = f64::EPSILON;
    for (d, e) in cases {
        let n = d.len();
        let (s, u, v) = bidiag_dc(&d, &e).expect("converges");
        assert!(s.iter().all(|&x| x >= 0.0));
        let bnorm = d.iter().chain(&e).fold(0.0f64, |m, x| m.max(x.abs()));
        let ou = orth_cols(n, n, |i, j| u.at(i, j), eps);
        let ov = orth_cols(n, n, |i, j| v.at(i, j), eps);
        assert!(ou <= 10.0 && ov <= 10.0, "orthogonality {ou} {ov} (n {n})");
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let b = if i == j {
                    d[i]
                } else if j == i + 1 {
                    e[i]
                } else {
                    0.0
                };
                let x: f64 = (0..n).map(|p| u.at(i, p) * s[p] * v.at(j, p)).sum();
                worst = worst.max((x - b).abs());
            }
        }
        let ratio = worst / (bnorm * n as f64 * eps);
        assert!(ratio <= 10.0, "residual {ratio} (n {n})");
    }
}

/// dqds values against implicit QR's on the same hard bidiagonals, and its
/// refusal of exactly singular ones.
#[test]
fn dqds_values_match_qr() {
    let mut rng = Rng(7);
    let eps = f64::EPSILON;
    for &n in &[1usize, 2, 3, 10, 33, 100, 257] {
        let mut cases: Vec<(Vec<f64>, Vec<f64>)> = vec![
            (
                (0..n).map(|_| rng.next()).collect(),
                (0..n - 1).map(|_| rng.next()).collect(),
            ),
            (
                (0..n).map(|i| 0.7f64.powi(i as i32)).collect(),
                (0..n - 1).map(|i| 0.7f64.powi(i as i32)).collect(),
            ),
            (vec![1.0; n], vec![1.0; n - 1]),
            (
                (0..n)
                    .map(|i| if i % 2 == 0 { 1e-12 } else { 3.0 })
                    .collect(),
                (0..n - 1)
                    .map(|i| if i % 3 == 0 { 0.0 } else { 1e-9 })
                    .collect(),
            ),
        ];
        cases.push((vec![1e-300; n], vec![1e-300; n - 1]));
        for (d, e) in cases {
            let bnorm = d.iter().chain(&e).fold(0.0f64, |m, x| m.max(x.abs()));
            let mut got = bidiag_values(&d, &e).expect("dqds accepts nonsingular");
            let (mut dq, mut eq) = (d.clone(), e.clone());
            svd::bidiag_qr(&mut dq, &mut eq, None, None).expect("qr");
            let mut want: Vec<f64> = dq.iter().map(|x| x.abs()).collect();
            got.sort_by(|a, b| b.partial_cmp(a).unwrap());
            want.sort_by(|a, b| b.partial_cmp(a).unwrap());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 10.0 * n as f64 * eps * bnorm,
                    "dqds {g} vs qr {w} (n {n})"
                );
            }
        }
    }
    // An exactly zero diagonal entry: declined (the caller uses QR).
    assert!(bidiag_values(&[1.0, 0.0, 2.0], &[0.5, 0.5]).is_none());
    assert_eq!(
        bidiag_values::<f64>(&[0.0, 0.0], &[0.0]),
        Some(vec![0.0, 0.0])
    );
}

/// Deeper divide-and-conquer trees (several merge levels) on graded and
/// clustered spectra.
#[test]
fn svd_dc_deep_tree() {
    let mut rng = Rng(0x5eed);
    let n = 260;
    let graded: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-15.0 * i as f64 / (n - 1) as f64))
        .collect();
    let clustered: Vec<f64> = (0..n)
        .map(|i| [1.0, 1e-4, 1e-12][i % 3] * (1.0 + 1e-14 * i as f64))
        .collect();
    for mut s in [graded, clustered] {
        s.sort_by(|a, b| b.partial_cmp(a).unwrap());
        let a = with_values(&mut rng, n, n, &s);
        check::<f64>(&a, n, n, Some(&s));
    }
}
