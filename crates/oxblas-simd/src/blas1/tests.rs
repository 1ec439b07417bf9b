//! Level-1 kernels against naive references (computed in f64), for f32 and
//! f64, on every length from 0 to past two AVX-512 registers of f32, on long
//! vectors, on strided and reversed views, on the SIMD and the scalar path.

use oxblas_core::{Distance, Error, Op, Scalar, VecMut, VecRef};

use super::*;

/// Lengths: every one up to 2 x 16 + 1 (two AVX-512 f32 registers and one
/// more), then long ones that exercise the unrolled loops and their tails.
///
/// Under Miri (an interpreter: a few thousand elements per second here) a
/// subset: every length up to two AVX2 f64 registers and one more, and 17.
/// [`strided_blocks_cross_the_gather_block`] covers the lengths past a
/// gathered block there.
pub(crate) fn lengths() -> Vec<usize> {
    if cfg!(miri) {
        let mut v: Vec<usize> = (0..=9).collect();
        v.push(17);
        return v;
    }
    let mut v: Vec<usize> = (0..=33).collect();
    v.extend([63, 64, 65, 257, 1000, 1023, 3001]);
    v
}

/// Strides every vector is tested with.
pub(crate) const STRIDES: [isize; 4] = [1, 2, -1, -3];

/// A small deterministic generator (xorshift64*).
pub(crate) struct Rng(u64);
impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Uniform in [-1, 1).
    pub(crate) fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let u = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        u as f64 / (1u64 << 52) as f64 - 1.0
    }
    pub(crate) fn vec<T: Scalar>(&mut self, n: usize) -> Vec<T> {
        (0..n).map(|_| T::from_f64(self.next())).collect()
    }
}

/// Filler in the gaps of strided buffers: must never be read into a result
/// nor overwritten.
const GAP: f64 = 7777.0;

/// A buffer holding `vals` at stride `s` (negative: stored backwards), gaps
/// filled with [`GAP`]. Returns the buffer and the offset of element 0.
pub(crate) fn strided<T: Scalar>(vals: &[T], s: isize) -> (Vec<T>, usize) {
    let n = vals.len();
    let a = s.unsigned_abs();
    let mut buf = vec![T::from_f64(GAP); if n == 0 { 0 } else { (n - 1) * a + 1 }];
    let off = if s < 0 && n > 0 { (n - 1) * a } else { 0 };
    for (i, &v) in vals.iter().enumerate() {
        buf[(off as isize + i as isize * s) as usize] = v;
    }
    (buf, off)
}

pub(crate) fn vr<T>(buf: &[T], off: usize, n: usize, s: isize) -> VecRef<'_, T> {
    VecRef::from_parts(buf, off, n, s).unwrap()
}

pub(crate) fn vm<T>(buf: &mut [T], off: usize, n: usize, s: isize) -> VecMut<'_, T> {
    VecMut::from_parts(buf, off, n, s).unwrap()
}

/// Reads the vector back out of a strided buffer, checking the gaps.
pub(crate) fn read_back<T: Scalar>(buf: &[T], off: usize, n: usize, s: isize) -> Vec<T> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(buf[(off as isize + i as isize * s) as usize]);
    }
    let mut touched = vec![false; buf.len()];
    for i in 0..n {
        touched[(off as isize + i as isize * s) as usize] = true;
    }
    for (k, &v) in buf.iter().enumerate() {
        if !touched[k] {
            assert_eq!(v.to_f64(), GAP, "gap element {k} was written");
        }
    }
    out
}

fn f64s<T: Scalar>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

/// `|got - want| <= 4 (n + 2) eps scale`: the classical bound for a sum of
/// `n` terms whose magnitudes add up to `scale`.
#[track_caller]
pub(crate) fn assert_close<T: Scalar>(got: T, want: f64, scale: f64, n: usize) {
    let tol = 4.0 * (n as f64 + 2.0) * T::EPSILON.to_f64() * scale;
    let err = (got.to_f64() - want).abs();
    assert!(
        err <= tol,
        "got {got}, want {want}: error {err:e} > {tol:e} (n = {n})"
    );
}

/// Runs a generic test body for f32 and f64, on the SIMD and on the scalar
/// path. (Under Miri without AVX2 enabled at compile time, pulp detects no
/// SIMD level, so the first two runs would repeat the scalar ones: skipped.)
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

fn dot_matches_reference<T: Scalar>() {
    let mut rng = Rng::new(1);
    for n in lengths() {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        let want: f64 = f64s(&x).iter().zip(f64s(&y)).map(|(a, b)| a * b).sum();
        let scale: f64 = f64s(&x)
            .iter()
            .zip(f64s(&y))
            .map(|(a, b)| (a * b).abs())
            .sum();
        for sx in STRIDES {
            for sy in STRIDES {
                let (bx, ox) = strided(&x, sx);
                let (by, oy) = strided(&y, sy);
                let got = dot(vr(&bx, ox, n, sx), vr(&by, oy, n, sy)).unwrap();
                assert_close(got, want, scale, n);
            }
        }
    }
}
both!(
    dot_matches_reference_all_lengths_and_strides,
    dot_matches_reference
);

fn axpy_matches_reference<T: Scalar>() {
    let mut rng = Rng::new(2);
    let alpha = T::from_f64(-0.75);
    for n in lengths() {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        for sx in STRIDES {
            for sy in STRIDES {
                let (bx, ox) = strided(&x, sx);
                let (mut by, oy) = strided(&y, sy);
                axpy(alpha, vr(&bx, ox, n, sx), vm(&mut by, oy, n, sy)).unwrap();
                let got = read_back(&by, oy, n, sy);
                for i in 0..n {
                    let want = alpha.to_f64() * x[i].to_f64() + y[i].to_f64();
                    let scale = (alpha.to_f64() * x[i].to_f64()).abs() + y[i].to_f64().abs();
                    assert_close(got[i], want, scale, 1);
                }
            }
        }
    }
}
both!(
    axpy_matches_reference_all_lengths_and_strides,
    axpy_matches_reference
);

fn axpy_alpha_zero_is_a_no_op<T: Scalar>() {
    let x = [T::NAN, T::INFINITY, T::ONE];
    let mut y = [T::ONE, T::from_f64(2.0), T::from_f64(3.0)];
    axpy(T::ZERO, VecRef::from(&x), VecMut::from(&mut y)).unwrap();
    assert_eq!(f64s(&y), [1.0, 2.0, 3.0]);
    // A NaN in x with a non-zero alpha does reach y.
    axpy(T::ONE, VecRef::from(&x), VecMut::from(&mut y)).unwrap();
    assert!(y[0].is_nan() && y[1] == T::INFINITY && y[2].to_f64() == 4.0);
}
both!(
    axpy_alpha_zero_is_a_no_op_and_nan_propagates,
    axpy_alpha_zero_is_a_no_op
);

fn scal_copy_swap_match_reference<T: Scalar>() {
    let mut rng = Rng::new(3);
    let alpha = T::from_f64(1.5);
    for n in lengths() {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        for sx in STRIDES {
            let (mut bx, ox) = strided(&x, sx);
            scal(alpha, vm(&mut bx, ox, n, sx));
            let got = read_back(&bx, ox, n, sx);
            for i in 0..n {
                assert_eq!(got[i], alpha * x[i], "scal n={n} stride={sx} i={i}");
            }
            for sy in STRIDES {
                let (bx, ox) = strided(&x, sx);
                let (mut by, oy) = strided(&y, sy);
                copy(vr(&bx, ox, n, sx), vm(&mut by, oy, n, sy)).unwrap();
                assert_eq!(read_back(&by, oy, n, sy), x, "copy n={n} {sx} {sy}");

                let (mut bx, ox) = strided(&x, sx);
                let (mut by, oy) = strided(&y, sy);
                swap(vm(&mut bx, ox, n, sx), vm(&mut by, oy, n, sy)).unwrap();
                assert_eq!(read_back(&bx, ox, n, sx), y, "swap x n={n} {sx} {sy}");
                assert_eq!(read_back(&by, oy, n, sy), x, "swap y n={n} {sx} {sy}");
            }
        }
    }
}
both!(
    scal_copy_swap_match_reference_all_lengths_and_strides,
    scal_copy_swap_match_reference
);

fn scal_propagates_nan<T: Scalar>() {
    let mut x = [T::NAN, T::INFINITY, T::ONE];
    scal(T::ZERO, VecMut::from(&mut x));
    assert!(x[0].is_nan() && x[1].is_nan() && x[2] == T::ZERO);
}
both!(
    scal_by_zero_propagates_nan_and_inf_as_nan,
    scal_propagates_nan
);

/// The 2-norm in f64 of values that do not overflow f64 when squared.
fn ref_nrm2(x: &[f64]) -> f64 {
    let m = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if m == 0.0 {
        return 0.0;
    }
    m * x.iter().map(|v| (v / m) * (v / m)).sum::<f64>().sqrt()
}

fn nrm2_asum_match_reference<T: Scalar>() {
    let mut rng = Rng::new(4);
    for n in lengths() {
        let x = rng.vec::<T>(n);
        let want = ref_nrm2(&f64s(&x));
        let want_asum: f64 = f64s(&x).iter().map(|v| v.abs()).sum();
        for s in STRIDES {
            let (bx, o) = strided(&x, s);
            assert_close(nrm2(vr(&bx, o, n, s)), want, want, n);
            assert_close(asum(vr(&bx, o, n, s)), want_asum, want_asum, n);
        }
    }
}
both!(
    nrm2_asum_match_reference_all_lengths_and_strides,
    nrm2_asum_match_reference
);

fn nrm2_no_overflow_or_underflow<T: Scalar>() {
    // Huge: squares overflow; tiny: squares underflow (to subnormal or zero).
    let (huge, tiny) = if T::DTYPE == oxblas_core::DType::F64 {
        (1e300, 1e-300)
    } else {
        (1e30, 1e-30)
    };
    let sizes: &[usize] = if cfg!(miri) {
        &[1, 7]
    } else {
        &[1, 2, 7, 33, 1000, 1023]
    };
    for &n in sizes {
        for v in [huge, tiny, -huge, -tiny] {
            let x = vec![T::from_f64(v); n];
            let want = v.abs() * (n as f64).sqrt();
            for s in STRIDES {
                let (bx, o) = strided(&x, s);
                assert_close(nrm2(vr(&bx, o, n, s)), want, want, n);
            }
        }
        // Mixed: one huge value dominates many tiny ones.
        let mut x = vec![T::from_f64(tiny); n];
        x[n / 2] = T::from_f64(huge);
        assert_close(nrm2(VecRef::from(&x)), huge, huge, n);
        // One value at the top of the range, the rest ordinary.
        let mut x = vec![T::ONE; n];
        x[0] = T::MAX;
        assert_close(nrm2(VecRef::from(&x)), T::MAX.to_f64(), T::MAX.to_f64(), n);
    }
    // Subnormal inputs.
    let sub = T::MIN_POSITIVE.to_f64() * T::EPSILON.to_f64() * 4.0;
    let x = vec![T::from_f64(sub); 4];
    assert_close(nrm2(VecRef::from(&x)), 2.0 * sub, 2.0 * sub, 4);
    // The true norm overflows: +inf, not NaN.
    let x = vec![T::MAX; 4];
    assert_eq!(nrm2(VecRef::from(&x)), T::INFINITY);
}
both!(
    nrm2_handles_huge_tiny_and_subnormal_vectors,
    nrm2_no_overflow_or_underflow
);

fn nrm2_special_values<T: Scalar>() {
    let e: [T; 0] = [];
    assert_eq!(nrm2(VecRef::from(&e)), T::ZERO);
    assert_eq!(asum(VecRef::from(&e)), T::ZERO);
    assert_eq!(nrm2(VecRef::from(&[T::ZERO; 9])), T::ZERO);
    let mut x = vec![T::ONE; 40];
    x[17] = T::INFINITY;
    assert_eq!(nrm2(VecRef::from(&x)), T::INFINITY);
    x[30] = T::NAN;
    assert!(nrm2(VecRef::from(&x)).is_nan());
    x[17] = T::ONE;
    assert!(nrm2(VecRef::from(&x)).is_nan());
    assert!(asum(VecRef::from(&x)).is_nan());
    let x = [-T::INFINITY, T::ONE];
    assert_eq!(nrm2(VecRef::from(&x)), T::INFINITY);
    assert_eq!(asum(VecRef::from(&x)), T::INFINITY);
}
both!(nrm2_and_asum_special_values, nrm2_special_values);

/// First index of the largest |x_i|, NaN largest, first NaN wins.
fn ref_iamax(x: &[f64]) -> Option<usize> {
    if let Some(i) = x.iter().position(|v| v.is_nan()) {
        return Some(i);
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in x.iter().enumerate() {
        if best.is_none_or(|(_, b)| v.abs() > b) {
            best = Some((i, v.abs()));
        }
    }
    best.map(|b| b.0)
}

fn iamax_matches_reference<T: Scalar>() {
    let mut rng = Rng::new(5);
    for n in lengths() {
        let x = rng.vec::<T>(n);
        let want = ref_iamax(&f64s(&x));
        for s in STRIDES {
            let (bx, o) = strided(&x, s);
            assert_eq!(iamax(vr(&bx, o, n, s)), want, "n={n} stride={s}");
        }
    }
}
both!(
    iamax_matches_reference_all_lengths_and_strides,
    iamax_matches_reference
);

fn iamax_ties_nan_and_inf<T: Scalar>() {
    let e: [T; 0] = [];
    assert_eq!(iamax(VecRef::from(&e)), None);
    let t = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    // Ties go to the first index, whatever the sign.
    assert_eq!(iamax(VecRef::from(&t(&[1.0, -3.0, 3.0, -3.0]))), Some(1));
    assert_eq!(iamax(VecRef::from(&t(&[0.0, -0.0, 0.0]))), Some(0));
    assert_eq!(iamax(VecRef::from(&t(&[-0.0, 0.0]))), Some(0));
    // 1500 crosses one search step of 1024 elements.
    let sizes: &[usize] = if cfg!(miri) {
        &[5, 40]
    } else {
        &[5, 40, 1500, 5000]
    };
    for &n in sizes {
        for stride in STRIDES {
            let check = |x: &[T], want: Option<usize>| {
                let (b, o) = strided(x, stride);
                assert_eq!(iamax(vr(&b, o, n, stride)), want, "n={n} stride={stride}");
            };
            let mut x = vec![T::ONE; n];
            x[1] = T::from_f64(-2.0);
            x[n - 1] = T::from_f64(2.0);
            check(&x, Some(1));
            // A NaN beats every number, infinities included.
            x[n - 2] = T::INFINITY;
            check(&x, Some(n - 2));
            x[n - 1] = T::NAN;
            check(&x, Some(n - 1));
            // The first NaN wins, even far from the maximum.
            x[3] = T::NAN;
            check(&x, Some(3));
            // First of two infinities of either sign.
            let mut x = vec![T::ONE; n];
            x[2] = -T::INFINITY;
            x[n - 1] = T::INFINITY;
            check(&x, Some(2));
            // A NaN after an infinity in a later block.
            x[n - 1] = T::NAN;
            check(&x, Some(n - 1));
        }
    }
}
both!(iamax_ties_nan_and_infinity_rules, iamax_ties_nan_and_inf);

/// The signature of `add`, `sub` and `hadamard`.
type BinFn<T> = fn(VecRef<'_, T>, VecRef<'_, T>, VecMut<'_, T>) -> Result<()>;
/// An element-wise op and its scalar reference.
type OpPair<T> = (BinFn<T>, fn(T, T) -> T);

fn elementwise_match_reference<T: Scalar>() {
    let mut rng = Rng::new(6);
    for n in lengths() {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        for (sx, sy, so) in [(1, 1, 1), (2, 1, 1), (1, -1, 2), (-3, 2, -1), (1, 1, -2)] {
            let (bx, ox) = strided(&x, sx);
            let (by, oy) = strided(&y, sy);
            let ops: [OpPair<T>; 3] = [
                (add, |a, b| a + b),
                (sub, |a, b| a - b),
                (hadamard, |a, b| a * b),
            ];
            for (k, (op, f)) in ops.into_iter().enumerate() {
                let (mut bo, oo) = strided(&vec![T::ZERO; n], so);
                op(
                    vr(&bx, ox, n, sx),
                    vr(&by, oy, n, sy),
                    vm(&mut bo, oo, n, so),
                )
                .unwrap();
                let got = read_back(&bo, oo, n, so);
                for i in 0..n {
                    assert_eq!(got[i], f(x[i], y[i]), "op {k} n={n} i={i}");
                }
            }
        }
    }
}
both!(
    add_sub_hadamard_match_reference,
    elementwise_match_reference
);

fn distances_match_reference<T: Scalar>() {
    let mut rng = Rng::new(7);
    for n in lengths().into_iter().filter(|&n| n > 0) {
        let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
        let (xf, yf) = (f64s(&x), f64s(&y));
        let d: Vec<f64> = xf.iter().zip(&yf).map(|(a, b)| a - b).collect();
        let sq: f64 = d.iter().map(|v| v * v).sum();
        let man: f64 = d.iter().map(|v| v.abs()).sum();
        let (nx, ny) = (ref_nrm2(&xf), ref_nrm2(&yf));
        let xy: f64 = xf.iter().zip(&yf).map(|(a, b)| a * b).sum();
        let cos = (1.0 - xy / (nx * ny)).clamp(0.0, 2.0);
        for (sx, sy) in [(1, 1), (2, -1), (-1, -1), (1, 3)] {
            let (bx, ox) = strided(&x, sx);
            let (by, oy) = strided(&y, sy);
            let dist = |m| distance(m, vr(&bx, ox, n, sx), vr(&by, oy, n, sy)).unwrap();
            assert_close(dist(Distance::SquaredEuclidean), sq, sq, n);
            assert_close(dist(Distance::Euclidean), sq.sqrt(), sq.sqrt(), n);
            assert_close(dist(Distance::Manhattan), man, man, n);
            // The cosine's error scales with |x||y| relative to x.y.
            let got = dist(Distance::Cosine);
            let scale: f64 =
                xf.iter().zip(&yf).map(|(a, b)| (a * b).abs()).sum::<f64>() / (nx * ny) + 1.0;
            assert_close(got, cos, scale, n);
        }
    }
}
both!(
    distances_match_reference_all_metrics,
    distances_match_reference
);

fn distance_special_cases<T: Scalar>() {
    let t = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let z = t(&[0.0, 0.0, 0.0]);
    let x = t(&[1.0, 2.0, 3.0]);
    for (a, b) in [(&z, &x), (&x, &z), (&z, &z)] {
        match distance(Distance::Cosine, VecRef::from(a), VecRef::from(b)) {
            Err(Error::InvalidArgument {
                op: Op::Distance, ..
            }) => {}
            other => panic!("cosine of a zero vector: {other:?}"),
        }
    }
    let e: [T; 0] = [];
    assert!(matches!(
        distance(Distance::Cosine, VecRef::from(&e), VecRef::from(&e)),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(
        distance(Distance::Euclidean, VecRef::from(&e), VecRef::from(&e)),
        Ok(T::ZERO)
    );
    // Identical vectors: 0, never a tiny negative cosine distance.
    for m in [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Manhattan,
        Distance::Cosine,
    ] {
        assert_eq!(
            distance(m, VecRef::from(&x), VecRef::from(&x)),
            Ok(T::ZERO),
            "{m:?}"
        );
    }
    // Opposite vectors: cosine distance 2.
    let nx = t(&[-1.0, -2.0, -3.0]);
    let d = distance(Distance::Cosine, VecRef::from(&x), VecRef::from(&nx)).unwrap();
    assert_close(d, 2.0, 2.0, 3);
    // Huge and tiny vectors: the scale must not matter.
    let (huge, tiny) = if T::DTYPE == oxblas_core::DType::F64 {
        (1e300, 1e-300)
    } else {
        (1e30, 1e-30)
    };
    for s in [huge, tiny] {
        let a = t(&[s, 0.0, s]);
        let b = t(&[s, s, 0.0]);
        let d = distance(Distance::Cosine, VecRef::from(&a), VecRef::from(&b)).unwrap();
        assert_close(d, 0.5, 1.0, 3);
        let b = t(&[-s, 0.0, -s]);
        let d = distance(Distance::Euclidean, VecRef::from(&a), VecRef::from(&b)).unwrap();
        assert_close(d, 2.0 * s * 2f64.sqrt(), 2.0 * s * 2f64.sqrt(), 3);
    }
    // NaN propagates through every metric; infinities make cosine NaN.
    let n = t(&[1.0, f64::NAN, 3.0]);
    for m in [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Manhattan,
        Distance::Cosine,
    ] {
        assert!(
            distance(m, VecRef::from(&x), VecRef::from(&n))
                .unwrap()
                .is_nan(),
            "{m:?}"
        );
    }
    let i = t(&[1.0, f64::INFINITY, 3.0]);
    assert!(
        distance(Distance::Cosine, VecRef::from(&x), VecRef::from(&i))
            .unwrap()
            .is_nan()
    );
    assert_eq!(
        distance(Distance::Euclidean, VecRef::from(&x), VecRef::from(&i)),
        Ok(T::INFINITY)
    );
}
both!(
    distance_special_cases_and_zero_vector_errors,
    distance_special_cases
);

fn dot_propagates_nan_and_inf<T: Scalar>() {
    let sizes: &[usize] = if cfg!(miri) {
        &[1, 5, 40]
    } else {
        &[1, 5, 40, 1001]
    };
    for &n in sizes {
        let mut x = vec![T::ONE; n];
        let y = vec![T::ONE; n];
        x[n - 1] = T::INFINITY;
        assert_eq!(dot(VecRef::from(&x), VecRef::from(&y)), Ok(T::INFINITY));
        x[0] = T::NAN;
        assert!(dot(VecRef::from(&x), VecRef::from(&y)).unwrap().is_nan());
        assert!(asum(VecRef::from(&x)).is_nan());
    }
}
both!(dot_propagates_nan_and_infinity, dot_propagates_nan_and_inf);

fn every_length_mismatch_is_an_error<T: Scalar>() {
    let (a, b) = (vec![T::ONE; 3], vec![T::ONE; 4]);
    let mut c = vec![T::ONE; 4];
    let mut d = vec![T::ONE; 3];
    let mismatch = |r: Result<()>, op: Op| match r {
        Err(Error::DimensionMismatch { op: o, .. }) => assert_eq!(o, op),
        other => panic!("{op:?}: expected DimensionMismatch, got {other:?}"),
    };
    let (x, y) = (VecRef::from(&a), VecRef::from(&b));
    mismatch(dot(x, y).map(|_| ()), Op::Dot);
    mismatch(axpy(T::ONE, x, VecMut::from(&mut c)), Op::Axpy);
    mismatch(copy(x, VecMut::from(&mut c)), Op::Copy);
    mismatch(swap(VecMut::from(&mut d), VecMut::from(&mut c)), Op::Swap);
    mismatch(add(x, y, VecMut::from(&mut c)), Op::Add);
    mismatch(sub(x, y, VecMut::from(&mut c)), Op::Sub);
    mismatch(hadamard(x, y, VecMut::from(&mut c)), Op::Hadamard);
    // Inputs agree, output does not.
    mismatch(add(x, x, VecMut::from(&mut c)), Op::Add);
    for m in [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Manhattan,
        Distance::Cosine,
    ] {
        mismatch(distance(m, x, y).map(|_| ()), Op::Distance);
    }
    // Nothing was written by the failed calls.
    assert!(c.iter().chain(&d).all(|&v| v == T::ONE));
}
both!(
    every_length_mismatch_is_a_dimension_error,
    every_length_mismatch_is_an_error
);

#[test]
fn scalar_path_is_scoped_to_its_closure() {
    // Forced inside, released after (also when the closure panics).
    assert!(!elem::scalar_forced());
    with_scalar_path(|| assert!(elem::scalar_forced()));
    assert!(!elem::scalar_forced());
    let r = std::panic::catch_unwind(|| with_scalar_path(|| panic!("inside")));
    assert!(r.is_err());
    assert!(!elem::scalar_forced());
}

/// Strided vectors one element longer than a gathered block ([`strided::BLOCK`]),
/// through every gathering path (reductions, in-place, in-out, three-operand),
/// against scalar references. Small enough for Miri, which runs it to check
/// the unchecked gathers and scatters at the block boundary.
fn strided_across_blocks<T: Scalar>() {
    let n = strided::BLOCK + 1;
    let mut rng = Rng::new(21);
    let (x, y) = (rng.vec::<T>(n), rng.vec::<T>(n));
    let (fx, fy) = (f64s(&x), f64s(&y));
    for (sx, sy) in [(2, -3), (-1, 2), (1, -2)] {
        let (bx, ox) = strided(&x, sx);
        let (mut by, oy) = strided(&y, sy);
        let want: f64 = fx.iter().zip(&fy).map(|(a, b)| a * b).sum();
        let scale: f64 = fx.iter().zip(&fy).map(|(a, b)| (a * b).abs()).sum();
        let got = dot(vr(&bx, ox, n, sx), vr(&by, oy, n, sy)).unwrap();
        assert_close(got, want, scale, n);
        let want: f64 = fx.iter().map(|a| a.abs()).sum();
        assert_close(asum(vr(&bx, ox, n, sx)), want, want, n);
        assert_eq!(iamax(vr(&bx, ox, n, sx)), ref_iamax(&fx));
        // axpy: y <- 2 x + y (exact in both types: small integers times 2^-k).
        let alpha = T::from_f64(2.0);
        axpy(alpha, vr(&bx, ox, n, sx), vm(&mut by, oy, n, sy)).unwrap();
        let got = read_back(&by, oy, n, sy);
        for i in 0..n {
            assert_eq!(got[i], alpha.mul_add(x[i], y[i]), "axpy i={i}");
        }
        // scal and the three-operand path (output strided too).
        scal(alpha, vm(&mut by, oy, n, sy));
        let (mut bo, oo) = strided(&vec![T::ZERO; n], -sx);
        sub(
            vr(&by, oy, n, sy),
            vr(&bx, ox, n, sx),
            vm(&mut bo, oo, n, -sx),
        )
        .unwrap();
        let got = read_back(&bo, oo, n, -sx);
        for i in 0..n {
            let want = alpha * alpha.mul_add(x[i], y[i]) - x[i];
            assert_eq!(got[i], want, "sub i={i}");
        }
    }
}
both!(strided_blocks_cross_the_gather_block, strided_across_blocks);

/// Unit-stride slices starting at every offset within a cache line, long
/// enough for the kernels to peel to a register boundary first: the peeled
/// head, the aligned body and the tail all count, whatever the alignment.
fn every_alignment<T: Scalar>() {
    let mut rng = Rng::new(23);
    let sizes: &[usize] = if cfg!(miri) {
        &[64, 67]
    } else {
        &[64, 67, 130, 257, 1027]
    };
    for &n in sizes {
        let (bx, by) = (rng.vec::<T>(n + 16), rng.vec::<T>(n + 16));
        for ox in 0..16 {
            let oy = (ox * 7) % 16;
            let (x, y) = (&bx[ox..ox + n], &by[oy..oy + n]);
            let (fx, fy) = (f64s(x), f64s(y));
            let want: f64 = fx.iter().zip(&fy).map(|(a, b)| a * b).sum();
            let scale: f64 = fx.iter().zip(&fy).map(|(a, b)| (a * b).abs()).sum();
            assert_close(
                dot(VecRef::from(x), VecRef::from(y)).unwrap(),
                want,
                scale,
                n,
            );
            let want: f64 = fx.iter().map(|a| a.abs()).sum();
            assert_close(asum(VecRef::from(x)), want, want, n);
            let want = ref_nrm2(&fx);
            assert_close(nrm2(VecRef::from(x)), want, want, n);
            assert_eq!(iamax(VecRef::from(x)), ref_iamax(&fx));
            let alpha = T::from_f64(2.0);
            let mut out = by.clone();
            axpy(alpha, VecRef::from(x), VecMut::from(&mut out[oy..oy + n])).unwrap();
            for i in 0..n + 16 {
                let want = if (oy..oy + n).contains(&i) {
                    alpha.mul_add(x[i - oy], by[i])
                } else {
                    by[i]
                };
                assert_eq!(out[i], want, "axpy n={n} ox={ox} oy={oy} i={i}");
            }
        }
    }
}
both!(every_alignment_of_unit_stride_slices, every_alignment);
