//! Tests of the symmetric eigensolver's kernels (`eigh_kernels`) and of
//! `eigh`/`eigvalsh` at sizes around its block boundaries, with graded and
//! clustered spectra, in `f32` and `f64`.
#![allow(clippy::needless_range_loop)] // matrices as nested Vecs, indexed alike

use oxblas_core::{Error, Mat, MatRef, Scalar};

use super::eigh::{self, syr2k_lower_update, tridiag_ql, tridiagonalize};
use super::eigh_kernels::{
    apply_q_left_panels, panel_gemv_n, panel_gemv_n2, panel_gemv_t, symv_lower_fused, tridiag_sterf,
};
use super::spectral_util::{apply_q_left, ColMat};

/// A small xorshift generator: reproducible inputs without dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64) / (1u64 << 53) as f64 - 0.5
    }
}

fn eps<T: Scalar>() -> f64 {
    T::EPSILON.to_f64()
}

/// A random symmetric `n x n` matrix (both triangles), column-major.
fn random_sym<T: Scalar>(rng: &mut Rng, n: usize) -> ColMat<T> {
    let mut a = ColMat::<T>::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            let v = T::from_f64(rng.next());
            a.set(i, j, v);
            a.set(j, i, v);
        }
    }
    a
}

/// `Q diag(values) Q^T` for a random orthogonal `Q` (a product of `n`
/// random reflectors), as a row-major `f64` matrix.
fn sym_with_eigenvalues(rng: &mut Rng, values: &[f64]) -> Vec<Vec<f64>> {
    let n = values.len();
    let mut a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { values[i] } else { 0.0 })
                .collect()
        })
        .collect();
    for _ in 0..n.min(6) {
        let v: Vec<f64> = (0..n).map(|_| rng.next()).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        if vv == 0.0 {
            continue;
        }
        // A <- H A H with H = I - 2 v v^T / (v^T v).
        let av: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a[i][j] * v[j]).sum())
            .collect();
        let vav: f64 = (0..n).map(|i| v[i] * av[i]).sum();
        let c = 2.0 / vv;
        for i in 0..n {
            for j in 0..n {
                a[i][j] += -c * (v[i] * av[j] + av[i] * v[j]) + c * c * vav * v[i] * v[j];
            }
        }
    }
    // Exact symmetry.
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (a[i][j] + a[j][i]);
            a[i][j] = m;
            a[j][i] = m;
        }
    }
    a
}

#[test]
fn symv_fused_matches_naive() {
    fn run<T: Scalar>() {
        let mut rng = Rng(11);
        for &n in &[1usize, 2, 3, 4, 5, 7, 8, 9, 13, 16, 33, 67, 130] {
            let a = random_sym::<T>(&mut rng, n);
            // Poison the strictly upper triangle: the kernel must not read it.
            let mut a_low = a.clone();
            for j in 0..n {
                for i in 0..j {
                    a_low.set(i, j, T::from_f64(f64::NAN));
                }
            }
            for &k in &[0usize, 1, 3, n / 2] {
                if k >= n {
                    continue;
                }
                let m = n - k;
                let v: Vec<T> = (0..m).map(|_| T::from_f64(rng.next())).collect();
                for rev in [false, true] {
                    let mut w = vec![T::from_f64(123.0); m];
                    let alpha = T::from_f64(-0.75);
                    symv_lower_fused(&a_low, k, alpha, &v, &mut w, rev);
                    for i in 0..m {
                        let want: f64 = alpha.to_f64()
                            * (0..m)
                                .map(|j| a.at(k + i, k + j).to_f64() * v[j].to_f64())
                                .sum::<f64>();
                        let scale: f64 = (0..m)
                            .map(|j| (a.at(k + i, k + j).to_f64() * v[j].to_f64()).abs())
                            .sum::<f64>();
                        let err = (w[i].to_f64() - want).abs();
                        assert!(
                            err <= 4.0 * m as f64 * eps::<T>() * scale.max(f64::MIN_POSITIVE),
                            "n {n} k {k} rev {rev} row {i}: {} vs {want}",
                            w[i].to_f64()
                        );
                    }
                }
            }
        }
    }
    run::<f64>();
    run::<f32>();
}

/// Sorted eigenvalues of the tridiagonal `(d, e)` by the root-free
/// iteration, checked against the rotation-based QL on the same input.
fn sterf_vs_ql<T: Scalar>(d: &[T], e: &[T], tnorm: f64) -> Vec<f64> {
    let (mut d1, mut e1) = (d.to_vec(), e.to_vec());
    tridiag_sterf(&mut d1, &mut e1).expect("sterf converges");
    let (mut d2, mut e2) = (d.to_vec(), e.to_vec());
    tridiag_ql(&mut d2, &mut e2, None).expect("ql converges");
    let mut a: Vec<f64> = d1.iter().map(|x| x.to_f64()).collect();
    let mut b: Vec<f64> = d2.iter().map(|x| x.to_f64()).collect();
    a.sort_by(|x, y| x.partial_cmp(y).unwrap());
    b.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let n = d.len().max(1) as f64;
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() <= 8.0 * n * eps::<T>() * tnorm,
            "sterf {x} vs ql {y}"
        );
    }
    a
}

#[test]
fn sterf_known_spectra() {
    fn run<T: Scalar>() {
        // The (-1, 2, -1) matrix: eigenvalues 2 - 2 cos(k pi / (n + 1)).
        for &n in &[1usize, 2, 3, 10, 37, 200] {
            let d = vec![T::from_f64(2.0); n];
            let e = vec![T::from_f64(-1.0); n.saturating_sub(1)];
            let got = sterf_vs_ql(&d, &e, 4.0);
            for (k, g) in got.iter().enumerate() {
                let want =
                    2.0 - 2.0 * (((k + 1) as f64) * core::f64::consts::PI / (n + 1) as f64).cos();
                assert!(
                    (g - want).abs() <= 8.0 * n as f64 * eps::<T>() * 4.0,
                    "n {n}: {g} vs {want}"
                );
            }
        }
        // Splits: zero couplings in the middle and at the ends.
        let d: Vec<T> = [3.0, 1.0, -2.0, 5.0, 0.5, 0.0].map(T::from_f64).to_vec();
        let e: Vec<T> = [0.0, 1.5, 0.0, 2.0, 0.0].map(T::from_f64).to_vec();
        sterf_vs_ql(&d, &e, 5.0);
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn sterf_graded_and_tiny() {
    fn run<T: Scalar>() {
        // Strongly graded both ways (QL and QR directions), and a block
        // whose norm is far below the safe range (rescaled internally).
        let n = 40;
        let g: Vec<f64> = (0..n).map(|i| 10f64.powf(-(i as f64) / 4.0)).collect();
        for rev in [false, true] {
            let mut d: Vec<T> = g.iter().map(|&x| T::from_f64(x)).collect();
            let mut e: Vec<T> = g[1..].iter().map(|&x| T::from_f64(0.3 * x)).collect();
            if rev {
                d.reverse();
                e.reverse();
            }
            sterf_vs_ql(&d, &e, 1.5);
        }
        let tiny = T::MIN_POSITIVE.to_f64() * 1e3;
        let d: Vec<T> = (0..9)
            .map(|i| T::from_f64(tiny * (1.0 + i as f64)))
            .collect();
        let e: Vec<T> = (0..8).map(|_| T::from_f64(tiny)).collect();
        let (mut d1, mut e1) = (d.clone(), e.clone());
        tridiag_sterf(&mut d1, &mut e1).expect("sterf converges");
        let tr: f64 = d.iter().map(|x| x.to_f64()).sum();
        let tr1: f64 = d1.iter().map(|x| x.to_f64()).sum();
        assert!(d1.iter().all(|x| x.is_finite()));
        assert!(
            (tr - tr1).abs() <= 64.0 * eps::<T>() * tr.abs(),
            "{tr} vs {tr1}"
        );
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn sterf_random_across_magnitudes() {
    // Random tridiagonals (and ones with a few zero diagonal entries, where
    // pivots of the sweep come close to zero) at magnitudes from near
    // underflow to near overflow: the reciprocal-product step of
    // `pwk_step` and its fallbacks agree with QL on the same matrix.
    fn run<T: Scalar>() {
        let mut rng = Rng(33);
        let big = T::MAX.to_f64().sqrt().sqrt();
        let small = T::MIN_POSITIVE.to_f64().sqrt().sqrt();
        for &n in &[2usize, 3, 5, 17, 64, 150] {
            for &scale in &[1.0, 1e-3, 1e3, big, small, big * big, small * small] {
                for zeros in [false, true] {
                    let mut d: Vec<T> = (0..n).map(|_| T::from_f64(rng.next() * scale)).collect();
                    let e: Vec<T> = (1..n).map(|_| T::from_f64(rng.next() * scale)).collect();
                    if zeros {
                        for x in d.iter_mut().step_by(3) {
                            *x = T::ZERO;
                        }
                    }
                    let tnorm = d
                        .iter()
                        .chain(&e)
                        .fold(0.0f64, |m, x| m.max(x.to_f64().abs()));
                    let got = sterf_vs_ql(&d, &e, 3.0 * tnorm);
                    assert!(got.iter().all(|x| x.is_finite()), "n {n} scale {scale}");
                }
            }
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn back_transform_panels_match_reference() {
    fn run<T: Scalar>() {
        let mut rng = Rng(5);
        for &n in &[2usize, 3, 31, 33, 64, 65, 97, 130] {
            let mut a = random_sym::<T>(&mut rng, n);
            let mut d = vec![T::ZERO; n];
            let mut e = vec![T::ZERO; n - 1];
            let mut tau = vec![T::ZERO; n - 1];
            tridiagonalize(&mut a, &mut d, &mut e, &mut tau);
            let mut z0 = ColMat::<T>::zeros(n, n);
            for x in z0.data.iter_mut() {
                *x = T::from_f64(rng.next());
            }
            let mut want = z0.clone();
            apply_q_left(&a, 1, &tau, &mut want);
            for &(nb, jb) in &[(1usize, 1usize), (7, 5), (32, 128), (64, 1000)] {
                let mut z = z0.clone();
                apply_q_left_panels(&a, 1, &tau, &mut z, nb, jb);
                let err = z
                    .data
                    .iter()
                    .zip(&want.data)
                    .map(|(x, y)| (x.to_f64() - y.to_f64()).abs())
                    .fold(0.0, f64::max);
                assert!(
                    err <= 8.0 * n as f64 * eps::<T>(),
                    "n {n} nb {nb} jb {jb}: {err}"
                );
            }
        }
    }
    run::<f64>();
    run::<f32>();
}

/// Checks `eigh` and `eigvalsh` of the symmetric `a` (row-major `f64`,
/// rounded to `T`): residual, orthogonality, ascending order, agreement of
/// the two modes; returns the eigenvalues.
fn check<T: Scalar>(a64: &[Vec<f64>]) -> Vec<f64> {
    let n = a64.len();
    let m = Mat::<T>::from_fn(n, n, |i, j| T::from_f64(a64[i][j]));
    let a: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| m[(i, j)].to_f64()).collect())
        .collect();
    let r = eigh::eigh(m.as_ref()).expect("eigh");
    let l: Vec<f64> = r.values.iter().map(|x| x.to_f64()).collect();
    assert!(l.windows(2).all(|w| w[0] <= w[1]), "not ascending");
    let v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| r.vectors[(i, j)].to_f64()).collect())
        .collect();
    let anrm = a.iter().flatten().map(|x| x * x).sum::<f64>().sqrt();
    let anrm = anrm.max(f64::MIN_POSITIVE);
    let (mut res, mut orth) = (0.0, 0.0);
    for j in 0..n {
        for i in 0..n {
            let av: f64 = (0..n).map(|k| a[i][k] * v[k][j]).sum();
            let d = av - v[i][j] * l[j];
            res += d * d;
        }
        for k in 0..n {
            let dot: f64 = (0..n).map(|i| v[i][j] * v[i][k]).sum();
            let t = if j == k { 1.0 } else { 0.0 };
            orth += (dot - t) * (dot - t);
        }
    }
    let tol = 30.0;
    let res = res.sqrt() / (n as f64 * eps::<T>() * anrm);
    let orth = orth.sqrt() / (n as f64 * eps::<T>());
    assert!(res <= tol, "residual ratio {res} (n {n})");
    assert!(orth <= tol, "orthogonality ratio {orth} (n {n})");
    let vals = eigh::eigvalsh(m.as_ref()).expect("eigvalsh");
    let lmax = l.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for (x, y) in vals.iter().zip(&l) {
        assert!(
            (x.to_f64() - y).abs() <= tol * n as f64 * eps::<T>() * lmax,
            "eigvalsh {} vs eigh {y} (n {n})",
            x.to_f64()
        );
    }
    l
}

#[test]
fn eigh_block_straddling_sizes() {
    fn run<T: Scalar>() {
        let mut rng = Rng(3);
        // Around the unblocked cut-over (96), the panel width (32) and the
        // divide-and-conquer leaf (32) and threshold.
        for &n in &[31usize, 33, 95, 96, 97, 128, 129, 161] {
            let a: Vec<Vec<f64>> = {
                let c = random_sym::<f64>(&mut rng, n);
                (0..n)
                    .map(|i| (0..n).map(|j| c.at(i, j)).collect())
                    .collect()
            };
            check::<T>(&a);
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn eigh_graded_and_clustered_spectra() {
    fn run<T: Scalar>() {
        let mut rng = Rng(9);
        let n = 130;
        let graded: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(-6.0 * i as f64 / (n - 1) as f64))
            .collect();
        let got = check::<T>(&sym_with_eigenvalues(&mut rng, &graded));
        let mut want = graded.clone();
        want.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 30.0 * n as f64 * eps::<T>(), "{g} vs {w}");
        }
        // Two tight clusters and a repeated eigenvalue: heavy deflation.
        let clustered: Vec<f64> = (0..n)
            .map(|i| match i % 3 {
                0 => 1.0 + 1e-9 * i as f64,
                1 => -2.0 - 1e-12 * i as f64,
                _ => 0.5,
            })
            .collect();
        let got = check::<T>(&sym_with_eigenvalues(&mut rng, &clustered));
        let mut want = clustered.clone();
        want.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 30.0 * n as f64 * eps::<T>() * 2.0,
                "{g} vs {w}"
            );
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn eigvalsh_rejects_bad_input() {
    let mut m = Mat::<f64>::from_fn(5, 5, |i, j| (i + j) as f64);
    m[(3, 1)] = f64::NAN;
    assert!(matches!(
        eigh::eigvalsh(m.as_ref()),
        Err(Error::NonFinite { .. })
    ));
    let r = Mat::<f32>::zeros(3, 4);
    assert!(matches!(
        eigh::eigvalsh(r.as_ref()),
        Err(Error::NotSquare { .. })
    ));
}

#[test]
fn panel_gemv_kernels_match_naive() {
    // Column counts around the 4-pair groups (0..9) and row counts around
    // the SIMD widths (4 f64 / 8 f32 lanes), at row offsets that leave the
    // slices unaligned; entries outside the rows used are NaN, so reading
    // them would show.
    fn run<T: Scalar>() {
        let mut rng = Rng(21);
        for &len in &[0usize, 1, 3, 4, 5, 8, 9, 17, 31, 66] {
            for &r0 in &[0usize, 1, 3] {
                let ld = len + r0 + 2;
                for k in 0..10usize {
                    let mut vm = vec![T::from_f64(f64::NAN); ld * k.max(1)];
                    let mut wm = vm.clone();
                    for p in 0..k {
                        for r in 0..len {
                            vm[p * ld + r0 + r] = T::from_f64(rng.next());
                            wm[p * ld + r0 + r] = T::from_f64(rng.next());
                        }
                    }
                    let xv: Vec<T> = (0..k).map(|_| T::from_f64(rng.next())).collect();
                    let xw: Vec<T> = (0..k).map(|_| T::from_f64(rng.next())).collect();
                    let y0: Vec<T> = (0..len).map(|_| T::from_f64(rng.next())).collect();
                    let mut y = y0.clone();
                    panel_gemv_n(&vm, &wm, ld, r0, &xv, &xw, &mut y);
                    for r in 0..len {
                        let (mut want, mut scale) = (y0[r].to_f64(), y0[r].to_f64().abs());
                        for p in 0..k {
                            let a = xv[p].to_f64() * vm[p * ld + r0 + r].to_f64();
                            let b = xw[p].to_f64() * wm[p * ld + r0 + r].to_f64();
                            want += a + b;
                            scale += a.abs() + b.abs();
                        }
                        let err = (y[r].to_f64() - want).abs();
                        assert!(
                            err <= 2.0 * (2 * k + 1) as f64 * eps::<T>() * scale,
                            "gemv_n len {len} r0 {r0} k {k} row {r}: {} vs {want}",
                            y[r].to_f64()
                        );
                    }
                    // The two-output form: y as above, y2 from its own
                    // coefficients, in one pass.
                    let xv2: Vec<T> = (0..k).map(|_| T::from_f64(rng.next())).collect();
                    let xw2: Vec<T> = (0..k).map(|_| T::from_f64(rng.next())).collect();
                    let y20: Vec<T> = (0..len).map(|_| T::from_f64(rng.next())).collect();
                    let (mut y1, mut y2) = (y0.clone(), y20.clone());
                    panel_gemv_n2(&vm, &wm, ld, r0, &xv, &xw, &mut y1, &xv2, &xw2, &mut y2);
                    for (out, start, cv, cw) in [(&y1, &y0, &xv, &xw), (&y2, &y20, &xv2, &xw2)] {
                        for r in 0..len {
                            let (mut want, mut scale) =
                                (start[r].to_f64(), start[r].to_f64().abs());
                            for p in 0..k {
                                let a = cv[p].to_f64() * vm[p * ld + r0 + r].to_f64();
                                let b = cw[p].to_f64() * wm[p * ld + r0 + r].to_f64();
                                want += a + b;
                                scale += a.abs() + b.abs();
                            }
                            let err = (out[r].to_f64() - want).abs();
                            assert!(
                                err <= 2.0 * (2 * k + 1) as f64 * eps::<T>() * scale,
                                "gemv_n2 len {len} r0 {r0} k {k} row {r}: {} vs {want}",
                                out[r].to_f64()
                            );
                        }
                    }
                    let v = y0;
                    let mut dv = vec![T::from_f64(7.0); k];
                    let mut dw = dv.clone();
                    panel_gemv_t(&vm, &wm, ld, r0, &v, &mut dv, &mut dw);
                    for p in 0..k {
                        for (m, got) in [(&vm, dv[p]), (&wm, dw[p])] {
                            let terms =
                                (0..len).map(|r| m[p * ld + r0 + r].to_f64() * v[r].to_f64());
                            let want: f64 = terms.clone().sum();
                            let scale: f64 = terms.map(f64::abs).sum();
                            let err = (got.to_f64() - want).abs();
                            assert!(
                                err <= 2.0 * (len + 1) as f64 * eps::<T>() * scale,
                                "gemv_t len {len} r0 {r0} k {k} col {p}: {} vs {want}",
                                got.to_f64()
                            );
                        }
                    }
                }
            }
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn eigh_reads_any_layout_lower_triangle_only() {
    // The tiled copy of the lower triangle: a column-major (transposed)
    // view and a strided sub-view straddling the 32-wide tiles give the
    // same results as the row-major matrix; the upper triangle is poison.
    let n = 70;
    let mut rng = Rng(17);
    let c = random_sym::<f64>(&mut rng, n);
    let full = Mat::<f64>::from_fn(n, n, |i, j| c.at(i, j));
    let poisoned = Mat::<f64>::from_fn(n, n, |i, j| if j > i { f64::NAN } else { c.at(i, j) });
    let want = eigh::eigvalsh(full.as_ref()).expect("eigvalsh");
    let got = eigh::eigvalsh(poisoned.as_ref()).expect("upper triangle not read");
    assert_eq!(want, got);
    // Transposed storage: the lower triangle of the view is the upper of
    // the buffer.
    let tb = Mat::<f64>::from_fn(n, n, |i, j| if i > j { f64::NAN } else { c.at(i, j) });
    let got = eigh::eigh(tb.as_ref().t()).expect("transposed view");
    assert_eq!(got.values, eigh::eigh(full.as_ref()).expect("eigh").values);
    // A strided sub-view: every other row and column of a 2n x 2n buffer.
    let big = Mat::<f64>::from_fn(2 * n, 2 * n, |i, j| {
        if i % 2 == 0 && j % 2 == 0 && j <= i {
            c.at(i / 2, j / 2)
        } else {
            f64::NAN
        }
    });
    let sub = MatRef::from_parts(big.as_slice(), 0, n, n, 4 * n as isize, 2).expect("view");
    assert_eq!(eigh::eigvalsh(sub).expect("strided view"), want);
}

// ------------------------------------------------- two-stage reduction

use super::eigh_band::{band_copy, band_to_tridiag, dense_to_band};

/// `||A||_F` of the symmetric matrix in the lower triangle of `a`.
fn sym_fro<T: Scalar>(a: &ColMat<T>) -> f64 {
    let n = a.rows;
    let mut s = 0.0;
    for j in 0..n {
        for i in j..n {
            let x = a.at(i, j).to_f64();
            s += if i == j { x * x } else { 2.0 * x * x };
        }
    }
    s.sqrt()
}

/// Sorted eigenvalues of the tridiagonal `(d, e)` by the root-free QL/QR,
/// after checking that it kept `A`'s Frobenius norm `fro` (an orthogonal
/// similarity does; a dropped bulge or a skipped update does not).
fn tridiag_values<T: Scalar>(mut d: Vec<T>, mut e: Vec<T>, fro: f64, what: &str) -> Vec<f64> {
    let n = d.len();
    let t: f64 = d.iter().map(|x| x.to_f64().powi(2)).sum::<f64>()
        + 2.0 * e.iter().map(|x| x.to_f64().powi(2)).sum::<f64>();
    let tol = 30.0 * n.max(1) as f64 * eps::<T>() * fro;
    assert!(
        (t.sqrt() - fro).abs() <= tol,
        "{what}: ||T||_F {} vs ||A||_F {fro} (n {n})",
        t.sqrt()
    );
    tridiag_sterf(&mut d, &mut e).expect("sterf");
    let mut v: Vec<f64> = d.iter().map(|x| x.to_f64()).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// Eigenvalues through the one-stage reduction.
fn one_stage<T: Scalar>(a: &ColMat<T>) -> Vec<f64> {
    let n = a.rows;
    let fro = sym_fro(a);
    let mut w = ColMat::<T>::zeros(n, n);
    w.data.copy_from_slice(&a.data);
    let mut d = vec![T::ZERO; n];
    let mut e = vec![T::ZERO; n.saturating_sub(1)];
    let mut tau = vec![T::ZERO; n.saturating_sub(1)];
    tridiagonalize(&mut w, &mut d, &mut e, &mut tau);
    tridiag_values(d, e, fro, "one-stage")
}

/// Eigenvalues through the two-stage reduction with bandwidth `b` and `jb`
/// columns per gemm; checks the band stage's norm too.
fn two_stage<T: Scalar>(a: &ColMat<T>, b: usize, jb: usize) -> Vec<f64> {
    let n = a.rows;
    let fro = sym_fro(a);
    let mut w = ColMat::<T>::zeros(n, n);
    w.data.copy_from_slice(&a.data);
    dense_to_band(&mut w, b, jb);
    // The band (only) carries the whole norm.
    let mut band = 0.0;
    for j in 0..n {
        for i in j..(j + b + 1).min(n) {
            let x = w.at(i, j).to_f64();
            band += if i == j { x * x } else { 2.0 * x * x };
        }
    }
    assert!(
        (band.sqrt() - fro).abs() <= 30.0 * n.max(1) as f64 * eps::<T>() * fro,
        "band stage: ||B||_F {} vs ||A||_F {fro} (n {n}, b {b})",
        band.sqrt()
    );
    let mut d = vec![T::ZERO; n];
    let mut e = vec![T::ZERO; n.saturating_sub(1)];
    band_to_tridiag(band_copy(&w, b), n, b, &mut d, &mut e);
    tridiag_values(d, e, fro, "two-stage")
}

fn assert_close<T: Scalar>(got: &[f64], want: &[f64], scale: f64, what: &str) {
    let n = want.len();
    assert_eq!(got.len(), n);
    let tol = 30.0 * n.max(1) as f64 * eps::<T>() * scale;
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}: value {k}: {g} vs {w} (n {n})"
        );
    }
}

#[test]
fn two_stage_matches_one_stage_around_band_boundaries() {
    fn run<T: Scalar>() {
        let mut rng = Rng(21);
        for &b in &[1usize, 2, 3, 4, 8] {
            let mut sizes = vec![0usize, 1, 2, 3, b - 1, b, b + 1, b + 2, 2 * b];
            sizes.extend([2 * b + 1, 2 * b + 2, 3 * b + 1, 4 * b + 3, 41]);
            if b == 8 {
                sizes.extend([255, 256, 257]);
            }
            for &n in &sizes {
                let a = random_sym::<T>(&mut rng, n);
                let want = one_stage(&a);
                let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for &jb in &[3usize, 7, 128] {
                    let got = two_stage(&a, b, jb);
                    assert_close::<T>(&got, &want, scale, &format!("b {b} jb {jb}"));
                }
            }
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn band_chase_reduces_a_band_matrix() {
    // A random band matrix given directly to the second stage: with
    // n > 2b + 1 every sweep chases its bulge through several blocks, so a
    // skipped right, left or two-sided application (or a dropped bulge)
    // changes ||T||_F and the eigenvalues.
    fn run<T: Scalar>() {
        let mut rng = Rng(5);
        for &(n, b) in &[(37usize, 4usize), (50, 7), (64, 16), (20, 19), (9, 2)] {
            let mut a = ColMat::<T>::zeros(n, n);
            for j in 0..n {
                for i in j..(j + b + 1).min(n) {
                    a.set(i, j, T::from_f64(rng.next()));
                }
            }
            let fro = sym_fro(&a);
            let want = one_stage(&a);
            let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let mut d = vec![T::ZERO; n];
            let mut e = vec![T::ZERO; n - 1];
            band_to_tridiag(band_copy(&a, b), n, b, &mut d, &mut e);
            let got = tridiag_values(d, e, fro, "band chase");
            assert_close::<T>(&got, &want, scale, &format!("band n {n} b {b}"));
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn eigvalsh_two_stage_agrees_with_eigh() {
    fn run<T: Scalar>() {
        let mut rng = Rng(77);
        // Around the (test) threshold of the two-stage path and beyond.
        for &n in &[9usize, 10, 11, 30, 67] {
            let c = random_sym::<f64>(&mut rng, n);
            let a64: Vec<Vec<f64>> = (0..n)
                .map(|i| (0..n).map(|j| c.at(i, j)).collect())
                .collect();
            // eigh's values (one-stage), eigvalsh (two-stage) compared.
            let l = check::<T>(&a64);
            let m = Mat::<T>::from_fn(n, n, |i, j| T::from_f64(a64[i][j]));
            let scale = l.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            for &b in &[0usize, 1, 2, 5, n + 3] {
                let got: Vec<f64> = eigh::eigvalsh_with_band(m.as_ref(), b)
                    .expect("eigvalsh")
                    .iter()
                    .map(|x| x.to_f64())
                    .collect();
                assert!(got.windows(2).all(|w| w[0] <= w[1]), "not ascending");
                assert_close::<T>(&got, &l, scale, &format!("band {b}"));
            }
            // A strided (transposed) view of the same matrix.
            let mt = Mat::<T>::from_fn(n, n, |i, j| m[(j, i)]);
            let got: Vec<f64> = eigh::eigvalsh(mt.as_ref().t())
                .expect("eigvalsh")
                .iter()
                .map(|x| x.to_f64())
                .collect();
            assert_close::<T>(&got, &l, scale, "transposed view");
        }
    }
    run::<f64>();
    run::<f32>();
}

#[test]
fn eigvalsh_two_stage_special_matrices() {
    fn run<T: Scalar>() {
        let n = 23;
        let vals = |a: &Mat<T>| -> Vec<f64> {
            eigh::eigvalsh_with_band(a.as_ref(), 3)
                .expect("eigvalsh")
                .iter()
                .map(|x| x.to_f64())
                .collect()
        };
        // Zero, all-equal diagonal, diagonal: exact.
        let z = Mat::<T>::zeros(n, n);
        assert!(vals(&z).iter().all(|&x| x == 0.0));
        let id = Mat::<T>::from_fn(n, n, |i, j| T::from_f64(if i == j { 2.5 } else { 0.0 }));
        assert!(vals(&id).iter().all(|&x| x == 2.5));
        let dg = Mat::<T>::from_fn(n, n, |i, j| {
            T::from_f64(if i == j { (i as f64) - 11.0 } else { 0.0 })
        });
        let want: Vec<f64> = (0..n).map(|i| i as f64 - 11.0).collect();
        assert_eq!(vals(&dg), want);
        // All entries equal: rank one, eigenvalues {0 (n-1 times), n c}.
        let c = 0.75;
        let ones = Mat::<T>::from_fn(n, n, |_, _| T::from_f64(c));
        let mut want = vec![0.0; n];
        want[n - 1] = c * n as f64;
        assert_close::<T>(&vals(&ones), &want, c * n as f64, "all equal");
        // Tridiagonal (1, -2, 1) and huge / tiny scalings of it.
        let t = |s: f64| {
            Mat::<T>::from_fn(n, n, |i, j| {
                T::from_f64(
                    s * match i.abs_diff(j) {
                        0 => -2.0,
                        1 => 1.0,
                        _ => 0.0,
                    },
                )
            })
        };
        let exact: Vec<f64> = (0..n)
            .map(|k| {
                let kk = (n - k) as f64;
                -2.0 + 2.0 * (kk * std::f64::consts::PI / (n + 1) as f64).cos()
            })
            .collect();
        let big = T::MAX.to_f64() / 16.0;
        let tiny = T::MIN_POSITIVE.to_f64() * 64.0;
        for s in [1.0, big, tiny] {
            let got: Vec<f64> = vals(&t(s)).iter().map(|x| x / s).collect();
            assert_close::<T>(&got, &exact, 4.0, &format!("scale {s:e}"));
        }
    }
    run::<f64>();
    run::<f32>();
}

/// The blocked reduction's trailing update `A[k.., k..] -= V W^T + W V^T`
/// (lower triangle) against a reference in f64, on one thread and on two or
/// three row pieces (bit for bit the one-thread result), with the strict
/// upper triangle and the rows and columns above `k` untouched.
#[test]
fn syr2k_trailing_update_matches_naive() {
    fn run<T: Scalar>(tol: f64) {
        let mut rng = Rng(41);
        for &(n, k, nb) in &[
            (1usize, 0usize, 1usize),
            (9, 2, 3),
            (70, 13, 32),
            (300, 40, 5),
            (420, 3, 32),
        ] {
            let vwv0 = {
                let mut v = ColMat::<T>::zeros(n, 3 * nb);
                for x in &mut v.data {
                    *x = T::from_f64(rng.next());
                }
                v
            };
            let mut a0 = ColMat::<T>::zeros(n, n);
            for j in 0..n {
                for i in 0..n {
                    let v = if i >= j || j < k {
                        T::from_f64(rng.next())
                    } else {
                        T::NAN
                    };
                    a0.set(i, j, v);
                }
            }
            let mut first: Option<ColMat<T>> = None;
            for parts in [1usize, 2, 3] {
                let mut a = a0.clone();
                let mut vwv = vwv0.clone();
                syr2k_lower_update(&mut a, k, &mut vwv, nb, parts);
                for j in 0..n {
                    for i in 0..n {
                        let (got, old) = (a.at(i, j), a0.at(i, j));
                        if i < k || j < k || j > i {
                            assert!(
                                got == old || (got.is_nan() && old.is_nan()),
                                "n {n} k {k}: ({i}, {j}) written"
                            );
                            continue;
                        }
                        let want = old.to_f64()
                            - (0..nb)
                                .map(|p| {
                                    vwv0.at(i, p).to_f64() * vwv0.at(j, nb + p).to_f64()
                                        + vwv0.at(i, nb + p).to_f64() * vwv0.at(j, p).to_f64()
                                })
                                .sum::<f64>();
                        let e = (got.to_f64() - want).abs();
                        assert!(
                            e <= tol * (2 * nb + 1) as f64,
                            "n {n} k {k} parts {parts}: ({i}, {j}) off by {e}"
                        );
                    }
                }
                match &first {
                    None => first = Some(a),
                    Some(f) => {
                        for (idx, (x, y)) in a.data.iter().zip(&f.data).enumerate() {
                            assert!(
                                x == y || (x.is_nan() && y.is_nan()),
                                "n {n} k {k} parts {parts}: entry {idx} differs from one thread"
                            );
                        }
                    }
                }
            }
        }
    }
    run::<f64>(4.0 * eps::<f64>());
    run::<f32>(4.0 * eps::<f32>());
}
