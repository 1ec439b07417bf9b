//! Level-2 kernels against naive f64 references on square, tall, wide,
//! transposed, padded, strided and reversed views, for f32 and f64, on the
//! SIMD and on the scalar path.

use oxblas_core::{Diag, Error, MatMut, MatRef, Op, Scalar, Uplo, VecMut, VecRef};

use super::*;
use crate::blas1::tests::{assert_close, read_back, strided, vm, vr, Rng};
use crate::blas1::with_scalar_path;

const GAP: f64 = 7777.0;

/// Shapes: empty, single row/column, square, tall, wide, and sizes around
/// the kernels' blocking (4 rows/columns, 64-element diagonal blocks).
const SHAPES: [(usize, usize); 16] = [
    (0, 0),
    (0, 3),
    (3, 0),
    (1, 1),
    (1, 7),
    (7, 1),
    (4, 4),
    (5, 5),
    (13, 7),
    (7, 13),
    (33, 33),
    (64, 65),
    (65, 64),
    (130, 70),
    (70, 130),
    (9, 200),
];

/// [`SHAPES`], or under Miri (an interpreter: a few thousand elements per
/// second) the ones up to 13 x 7.
fn shapes() -> Vec<(usize, usize)> {
    if cfg!(miri) {
        return SHAPES[..10].to_vec();
    }
    SHAPES.to_vec()
}

/// `full`, or under Miri the entries up to `miri_max`.
fn sizes(full: &[usize], miri_max: usize) -> Vec<usize> {
    full.iter()
        .copied()
        .filter(|&n| !cfg!(miri) || n <= miri_max)
        .collect()
}

/// A matrix stored in a buffer with some layout.
struct Stored<T> {
    name: &'static str,
    buf: Vec<T>,
    off: usize,
    rs: isize,
    cs: isize,
    m: usize,
    n: usize,
}

impl<T: Scalar> Stored<T> {
    fn view(&self) -> MatRef<'_, T> {
        MatRef::from_parts(&self.buf, self.off, self.m, self.n, self.rs, self.cs).unwrap()
    }
    fn view_mut(&mut self) -> MatMut<'_, T> {
        MatMut::from_parts(&mut self.buf, self.off, self.m, self.n, self.rs, self.cs).unwrap()
    }
    fn pos(&self, i: usize, j: usize) -> usize {
        (self.off as isize + i as isize * self.rs + j as isize * self.cs) as usize
    }
    fn get(&self, i: usize, j: usize) -> T {
        self.buf[self.pos(i, j)]
    }
    /// Every buffer element outside the view still holds GAP.
    fn gaps_untouched(&self) {
        let mut inside = vec![false; self.buf.len()];
        for i in 0..self.m {
            for j in 0..self.n {
                inside[self.pos(i, j)] = true;
            }
        }
        for (k, v) in self.buf.iter().enumerate() {
            assert!(
                inside[k] || v.to_f64() == GAP,
                "{}: gap {k} written",
                self.name
            );
        }
    }
}

/// `a` (row-major `m x n` values) in every layout the kernels distinguish.
fn layouts<T: Scalar>(a: &[T], m: usize, n: usize) -> Vec<Stored<T>> {
    // max(1): oxblas-core rejects a mutable empty view with a zero stride.
    let (mi, ni) = (m.max(1) as isize, n.max(1) as isize);
    let specs: [(&'static str, isize, isize); 7] = [
        ("row-major", ni, 1),
        ("col-major", 1, mi),
        ("padded rows", ni + 3, 1),
        ("padded cols", 1, mi + 2),
        ("strided both", 2 * ni + 1, 2),
        ("reversed rows", -ni, 1),
        ("reversed cols", 1, -mi),
    ];
    specs
        .iter()
        .map(|&(name, rs, cs)| {
            let er = if m == 0 { 0 } else { (m as isize - 1) * rs };
            let ec = if n == 0 { 0 } else { (n as isize - 1) * cs };
            let lo = er.min(0) + ec.min(0);
            let hi = er.max(0) + ec.max(0);
            let off = if m == 0 || n == 0 { 0 } else { (-lo) as usize };
            let len = if m == 0 || n == 0 {
                0
            } else {
                (hi - lo) as usize + 1
            };
            let mut s = Stored {
                name,
                buf: vec![T::from_f64(GAP); len],
                off,
                rs,
                cs,
                m,
                n,
            };
            for i in 0..m {
                for j in 0..n {
                    let p = s.pos(i, j);
                    s.buf[p] = a[i * n + j];
                }
            }
            s
        })
        .collect()
}

/// Runs a generic test body for f32 and f64, on the SIMD and on the scalar
/// path (under Miri without AVX2, the SIMD runs would repeat the scalar ones).
macro_rules! both {
    ($name:ident, $body:ident) => {
        #[test]
        fn $name() {
            if !cfg!(miri) || cfg!(target_feature = "avx2") {
                $body::<f32>();
                $body::<f64>();
            }
            with_scalar_path(|| {
                $body::<f32>();
                $body::<f64>();
            });
        }
    };
}

fn gemv_matches_reference<T: Scalar>() {
    let mut rng = Rng::new(11);
    let alpha = T::from_f64(-1.5);
    for (m, n) in shapes() {
        let a = rng.vec::<T>(m * n);
        let x = rng.vec::<T>(n);
        let y0 = rng.vec::<T>(m);
        for st in layouts(&a, m, n) {
            for beta in [0.0, 1.0, -0.5] {
                let beta = T::from_f64(beta);
                for (sx, sy) in [(1, 1), (-2, 3)] {
                    let (bx, ox) = strided(&x, sx);
                    // With beta == 0, y is never read: start it as NaN.
                    let y_in: Vec<T> = if beta == T::ZERO {
                        vec![T::NAN; m]
                    } else {
                        y0.clone()
                    };
                    let (mut by, oy) = strided(&y_in, sy);
                    gemv(
                        alpha,
                        st.view(),
                        vr(&bx, ox, n, sx),
                        beta,
                        vm(&mut by, oy, m, sy),
                    )
                    .unwrap();
                    let got = read_back(&by, oy, m, sy);
                    for i in 0..m {
                        let (mut want, mut scale) = (0.0, 0.0);
                        for j in 0..n {
                            let p = a[i * n + j].to_f64() * x[j].to_f64();
                            want += p;
                            scale += p.abs();
                        }
                        let (a64, b64) = (alpha.to_f64(), beta.to_f64());
                        let yb = if beta == T::ZERO {
                            0.0
                        } else {
                            b64 * y0[i].to_f64()
                        };
                        assert_close(got[i], a64 * want + yb, a64.abs() * scale + yb.abs(), n);
                    }
                }
            }
            // The transpose, through a.t().
            let (mut yt, xt) = (vec![T::NAN; n], rng.vec::<T>(m));
            gemv(
                T::ONE,
                st.view().t(),
                VecRef::from(&xt),
                T::ZERO,
                VecMut::from(&mut yt),
            )
            .unwrap();
            for j in 0..n {
                let (mut want, mut scale) = (0.0, 0.0);
                for i in 0..m {
                    let p = a[i * n + j].to_f64() * xt[i].to_f64();
                    want += p;
                    scale += p.abs();
                }
                assert_close(yt[j], want, scale, m);
            }
        }
    }
}
both!(
    gemv_matches_reference_on_every_layout,
    gemv_matches_reference
);

fn gemv_special_values<T: Scalar>() {
    let (m, n) = (6, 9);
    let mut a = vec![T::ONE; m * n];
    a[2 * n + 4] = T::NAN;
    let x = vec![T::ONE; n];
    for st in layouts(&a, m, n) {
        // alpha == 0: A is not read, y is only scaled.
        let mut y = vec![T::from_f64(2.0); m];
        gemv(
            T::ZERO,
            st.view(),
            VecRef::from(&x),
            T::from_f64(0.5),
            VecMut::from(&mut y),
        )
        .unwrap();
        assert!(y.iter().all(|&v| v == T::ONE), "{}", st.name);
        let mut y = vec![T::NAN; m];
        gemv(
            T::ZERO,
            st.view(),
            VecRef::from(&x),
            T::ZERO,
            VecMut::from(&mut y),
        )
        .unwrap();
        assert!(y.iter().all(|&v| v == T::ZERO), "{}", st.name);
        // Otherwise a NaN in A reaches exactly its row.
        let mut y = vec![T::ZERO; m];
        gemv(
            T::ONE,
            st.view(),
            VecRef::from(&x),
            T::ONE,
            VecMut::from(&mut y),
        )
        .unwrap();
        for (i, v) in y.iter().enumerate() {
            assert_eq!(v.is_nan(), i == 2, "{} row {i}", st.name);
        }
    }
}
both!(gemv_alpha_zero_and_nan_rows, gemv_special_values);

fn ger_matches_reference<T: Scalar>() {
    let mut rng = Rng::new(12);
    let alpha = T::from_f64(0.75);
    for (m, n) in shapes() {
        let a = rng.vec::<T>(m * n);
        let (x, y) = (rng.vec::<T>(m), rng.vec::<T>(n));
        for mut st in layouts(&a, m, n) {
            for (sx, sy) in [(1, 1), (2, -1)] {
                let mut st2 = Stored {
                    buf: st.buf.clone(),
                    ..st
                };
                let (bx, ox) = strided(&x, sx);
                let (by, oy) = strided(&y, sy);
                ger(
                    alpha,
                    vr(&bx, ox, m, sx),
                    vr(&by, oy, n, sy),
                    st2.view_mut(),
                )
                .unwrap();
                st2.gaps_untouched();
                for i in 0..m {
                    for j in 0..n {
                        let p = alpha.to_f64() * x[i].to_f64() * y[j].to_f64();
                        let want = a[i * n + j].to_f64() + p;
                        let scale = a[i * n + j].to_f64().abs() + p.abs();
                        assert_close(st2.get(i, j), want, scale, 2);
                    }
                }
                st = st2;
                // Undo for the next stride pair.
                for i in 0..m {
                    for j in 0..n {
                        let p = st.pos(i, j);
                        st.buf[p] = a[i * n + j];
                    }
                }
            }
            // alpha == 0 writes nothing, even with NaN operands.
            let nan = vec![T::NAN; m.max(n)];
            let before = st.buf.clone();
            ger(
                T::ZERO,
                VecRef::from(&nan[..m]),
                VecRef::from(&nan[..n]),
                st.view_mut(),
            )
            .unwrap();
            assert!(st
                .buf
                .iter()
                .zip(&before)
                .all(|(p, q)| p.to_f64() == q.to_f64()));
        }
    }
}
both!(ger_matches_reference_on_every_layout, ger_matches_reference);

/// A well-conditioned triangle in row-major order with NaN in the unused
/// triangle (and on the diagonal for unit triangles), so reading it shows.
fn triangle<T: Scalar>(rng: &mut Rng, n: usize, uplo: Uplo, diag: Diag) -> Vec<T> {
    let mut a = vec![T::NAN; n * n];
    for i in 0..n {
        for j in 0..n {
            let inside = match uplo {
                Uplo::Lower => j < i,
                Uplo::Upper => j > i,
            };
            if inside {
                a[i * n + j] = T::from_f64(rng.next() / (n as f64).sqrt());
            }
        }
        if diag == Diag::NonUnit {
            a[i * n + i] = T::from_f64(2.0 + rng.next().abs());
        }
    }
    a
}

fn trsv_solves<T: Scalar>() {
    let mut rng = Rng::new(13);
    // Under Miri up to 17 (`trsv_across_a_diagonal_block` goes past 64 there).
    for n in sizes(&[0, 1, 2, 3, 5, 17, 63, 64, 65, 130, 200], 17) {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for diag in [Diag::NonUnit, Diag::Unit] {
                let a = triangle::<T>(&mut rng, n, uplo, diag);
                let el = |i: usize, j: usize| -> f64 {
                    let inside = match uplo {
                        Uplo::Lower => j < i,
                        Uplo::Upper => j > i,
                    };
                    if i == j {
                        if diag == Diag::Unit {
                            1.0
                        } else {
                            a[i * n + i].to_f64()
                        }
                    } else if inside {
                        a[i * n + j].to_f64()
                    } else {
                        0.0
                    }
                };
                let b = rng.vec::<T>(n);
                for st in layouts(&a, n, n) {
                    for s in [1isize, -2] {
                        let (mut bx, o) = strided(&b, s);
                        trsv(uplo, diag, st.view(), vm(&mut bx, o, n, s)).unwrap();
                        let x = read_back(&bx, o, n, s);
                        // Residual ||A x - b|| / (n eps (||A|| ||x|| + ||b||)), max norms.
                        let (mut res, mut an) = (0.0f64, 0.0f64);
                        for i in 0..n {
                            let (mut r, mut row) = (-b[i].to_f64(), 0.0);
                            for j in 0..n {
                                r += el(i, j) * x[j].to_f64();
                                row += el(i, j).abs();
                            }
                            res = res.max(r.abs());
                            an = an.max(row);
                        }
                        let xn = x.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
                        let bn = b.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
                        let ratio =
                            res / ((n.max(1)) as f64 * T::EPSILON.to_f64() * (an * xn + bn));
                        assert!(
                            ratio <= 30.0 || res == 0.0,
                            "{:?} {:?} {} n={n} stride={s}: residual ratio {ratio}",
                            uplo,
                            diag,
                            st.name
                        );
                    }
                }
            }
        }
    }
}
both!(trsv_solves_every_triangle_layout_and_size, trsv_solves);

/// trsv one past a diagonal block (`NB + 2`), row- and column-major, both
/// triangles: the blocked path's unchecked sub-blocks, at a size Miri runs.
fn trsv_across_a_block<T: Scalar>() {
    let n = NB + 2;
    let mut rng = Rng::new(17);
    for uplo in [Uplo::Lower, Uplo::Upper] {
        let a = triangle::<T>(&mut rng, n, uplo, Diag::NonUnit);
        let b = rng.vec::<T>(n);
        for st in layouts(&a, n, n).into_iter().take(2) {
            let mut x = b.clone();
            trsv(uplo, Diag::NonUnit, st.view(), VecMut::from(&mut x)).unwrap();
            // Max-norm residual ratio as in `trsv_solves` (the triangle of
            // `a` holds the matrix, the other triangle zeros).
            let (mut res, mut an) = (0.0f64, 0.0f64);
            for i in 0..n {
                let (mut r, mut row) = (-b[i].to_f64(), 0.0);
                for j in 0..n {
                    let inside = if uplo == Uplo::Lower { j <= i } else { j >= i };
                    if inside {
                        r += a[i * n + j].to_f64() * x[j].to_f64();
                        row += a[i * n + j].to_f64().abs();
                    }
                }
                res = res.max(r.abs());
                an = an.max(row);
            }
            let xn = x.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
            let bn = b.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
            let ratio = res / (n as f64 * T::EPSILON.to_f64() * (an * xn + bn));
            assert!(
                ratio <= 30.0,
                "{uplo:?} {}: residual ratio {ratio}",
                st.name
            );
        }
    }
}
both!(trsv_across_a_diagonal_block, trsv_across_a_block);

fn trsv_zero_pivot_gives_infinity<T: Scalar>() {
    let a = [T::ZERO, T::NAN, T::ONE, T::ONE]; // lower [[0, .], [1, 1]]
    let a = MatRef::from_slice(&a, 2, 2).unwrap();
    let mut x = [T::ONE, T::ONE];
    trsv(Uplo::Lower, Diag::NonUnit, a, VecMut::from(&mut x)).unwrap();
    assert_eq!(x[0], T::INFINITY);
    assert_eq!(x[1], -T::INFINITY);
}
both!(
    trsv_zero_pivot_gives_infinity_not_an_error,
    trsv_zero_pivot_gives_infinity
);

fn symv_matches_reference<T: Scalar>() {
    let mut rng = Rng::new(14);
    let alpha = T::from_f64(1.25);
    for n in sizes(&[0, 1, 2, 3, 4, 5, 9, 33, 64, 65, 130], 9) {
        let full = rng.vec::<T>(n * n);
        let sym = |i: usize, j: usize| full[i.max(j) * n + i.min(j)];
        let x = rng.vec::<T>(n);
        let y0 = rng.vec::<T>(n);
        for uplo in [Uplo::Lower, Uplo::Upper] {
            // Only the `uplo` triangle holds data; the other holds NaN.
            let mut a = vec![T::NAN; n * n];
            for i in 0..n {
                for j in 0..n {
                    if (uplo == Uplo::Lower && j <= i) || (uplo == Uplo::Upper && j >= i) {
                        a[i * n + j] = sym(i, j);
                    }
                }
            }
            for st in layouts(&a, n, n) {
                for beta in [0.0, -0.5] {
                    let beta = T::from_f64(beta);
                    for (sx, sy) in [(1, 1), (-1, 2)] {
                        let (bx, ox) = strided(&x, sx);
                        let y_in = if beta == T::ZERO {
                            vec![T::NAN; n]
                        } else {
                            y0.clone()
                        };
                        let (mut by, oy) = strided(&y_in, sy);
                        symv(
                            uplo,
                            alpha,
                            st.view(),
                            vr(&bx, ox, n, sx),
                            beta,
                            vm(&mut by, oy, n, sy),
                        )
                        .unwrap();
                        let got = read_back(&by, oy, n, sy);
                        for i in 0..n {
                            let (mut want, mut scale) = (0.0, 0.0);
                            for j in 0..n {
                                let p = sym(i, j).to_f64() * x[j].to_f64();
                                want += p;
                                scale += p.abs();
                            }
                            let (a64, b64) = (alpha.to_f64(), beta.to_f64());
                            let yb = if beta == T::ZERO {
                                0.0
                            } else {
                                b64 * y0[i].to_f64()
                            };
                            assert_close(got[i], a64 * want + yb, a64.abs() * scale + yb.abs(), n);
                        }
                    }
                }
            }
        }
    }
}
both!(
    symv_matches_reference_reading_one_triangle,
    symv_matches_reference
);

fn level2_shape_errors<T: Scalar>() {
    let a = vec![T::ONE; 6];
    let a23 = MatRef::from_slice(&a, 2, 3).unwrap();
    let (v2, v3) = (vec![T::ONE; 2], vec![T::ONE; 3]);
    let (mut w2, mut w3) = (vec![T::ONE; 2], vec![T::ONE; 3]);
    let mismatch = |r: Result<()>, op: Op| match r {
        Err(Error::DimensionMismatch { op: o, .. }) => assert_eq!(o, op),
        other => panic!("{op:?}: expected DimensionMismatch, got {other:?}"),
    };
    let not_square = |r: Result<()>, op: Op| match r {
        Err(Error::NotSquare {
            op: o,
            rows: 2,
            cols: 3,
        }) => assert_eq!(o, op),
        other => panic!("{op:?}: expected NotSquare, got {other:?}"),
    };
    // gemv: x must have a.cols() elements, y a.rows().
    mismatch(
        gemv(
            T::ONE,
            a23,
            VecRef::from(&v2),
            T::ZERO,
            VecMut::from(&mut w2),
        ),
        Op::Gemv,
    );
    mismatch(
        gemv(
            T::ONE,
            a23,
            VecRef::from(&v3),
            T::ZERO,
            VecMut::from(&mut w3),
        ),
        Op::Gemv,
    );
    // ger: a must be x.len() x y.len().
    let mut b = vec![T::ONE; 6];
    let b23 = MatMut::from_slice(&mut b, 2, 3).unwrap();
    mismatch(
        ger(T::ONE, VecRef::from(&v3), VecRef::from(&v2), b23),
        Op::Ger,
    );
    // trsv and symv need a square matrix and vectors of its order.
    not_square(
        trsv(Uplo::Lower, Diag::NonUnit, a23, VecMut::from(&mut w2)),
        Op::Trsv,
    );
    not_square(
        symv(
            Uplo::Lower,
            T::ONE,
            a23,
            VecRef::from(&v2),
            T::ZERO,
            VecMut::from(&mut w2),
        ),
        Op::Symv,
    );
    let s = vec![T::ONE; 4];
    let a22 = MatRef::from_slice(&s, 2, 2).unwrap();
    mismatch(
        trsv(Uplo::Upper, Diag::Unit, a22, VecMut::from(&mut w3)),
        Op::Trsv,
    );
    mismatch(
        symv(
            Uplo::Upper,
            T::ONE,
            a22,
            VecRef::from(&v3),
            T::ZERO,
            VecMut::from(&mut w2),
        ),
        Op::Symv,
    );
    mismatch(
        symv(
            Uplo::Upper,
            T::ONE,
            a22,
            VecRef::from(&v2),
            T::ZERO,
            VecMut::from(&mut w3),
        ),
        Op::Symv,
    );
    // Nothing was written by the failed calls.
    assert!(w2.iter().chain(&w3).chain(&b).all(|&v| v == T::ONE));
}
both!(level2_shape_errors_are_reported, level2_shape_errors);
