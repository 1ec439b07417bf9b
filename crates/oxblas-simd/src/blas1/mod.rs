//! Level-1 BLAS (vector-vector) in pure Rust with explicit SIMD.
//!
//! Every function takes strided views (any stride, negative included) and
//! validates its arguments through [`oxblas_core::validate`], so bad input
//! gives the same `Err` as on the other backend. Unit stride is the fast path:
//! the slice goes straight to a `pulp` kernel (AVX-512 / AVX2+FMA / NEON /
//! scalar, chosen at run time). Other strides are gathered into stack blocks
//! and run through the same kernels.
//!
//! Floating-point conventions: NaN and infinity propagate as IEEE arithmetic
//! says. Two BLAS quick returns are kept so both backends agree: [`axpy`] with
//! `alpha == 0` leaves `y` untouched. Sums are evaluated in a blocked,
//! multi-accumulator order, so results can differ from a sequential loop by
//! a few ulps times the length (as OpenBLAS's do). On unit-stride slices of
//! 16 registers or more, the first few elements are peeled so that the
//! loads of the rest are register-aligned; the grouping of a sum, and so its
//! last bits, can then depend on where the vector lies in memory.
//!
//! ```
//! use oxblas_core::VecRef;
//! use oxblas_simd::blas1;
//!
//! let x = [3.0_f64, -4.0, 1.0];
//! let y = [1.0_f64, 2.0, 3.0];
//! assert_eq!(blas1::dot(VecRef::from(&x), VecRef::from(&y))?, -2.0);
//! assert_eq!(blas1::iamax(VecRef::from(&x)), Some(1));
//! assert_eq!(blas1::asum(VecRef::from(&x)), 8.0);
//! # Ok::<(), oxblas_core::Error>(())
//! ```

pub(crate) mod elem;
pub(crate) mod kernels;
pub(crate) mod strided;
#[cfg(test)]
pub(crate) mod tests;

use oxblas_core::{validate, Distance, Error, Op, Result, Scalar, VecMut, VecRef};

pub use elem::with_scalar_path;
use elem::{from_e, to_e, vmut, vref, with_elem, Elem};
use kernels::{
    reduce1, reduce2, AbsDiffF, AbsMaxDiffF, AbsMaxF, AsumF, BinOp, DotF, Fold1, Fold2, ScaledDotF,
    ScaledSqDiffF, ScaledSumSqF, SqDiffF, SumSqF,
};

// ------------------------------------------------------- shared helpers

/// [`validate::same_len`] with the comparison inlined: the common, valid
/// call costs one compare; only a mismatch calls out to build the error.
#[inline(always)]
fn same_len(op: Op, x: usize, y: usize) -> Result<()> {
    if x == y {
        return Ok(());
    }
    mismatch(op, x, y)
}

#[cold]
#[inline(never)]
fn mismatch(op: Op, x: usize, y: usize) -> Result<()> {
    validate::same_len(op, x, y)
}

/// A stride of -1 read backwards is unit stride: fine for reductions whose
/// result does not depend on the order of the elements.
#[inline(always)]
fn forward<E>(x: VecRef<'_, E>) -> VecRef<'_, E> {
    if x.stride() == -1 {
        x.reverse()
    } else {
        x
    }
}

/// `sum` of the fold `f` over `x` (any stride).
#[inline]
pub(crate) fn sum1<E: Elem, F: Fold1<E>>(x: VecRef<'_, E>, f: F) -> E {
    let mut acc = E::ZERO;
    strided::blocks(forward(x), |_, b| acc += reduce1(b, f));
    acc
}

/// `sum` (or max, for `F::MAX`) of the fold `f` over `x` and `y` (any strides).
#[inline]
pub(crate) fn sum2<E: Elem, F: Fold2<E>>(x: VecRef<'_, E>, y: VecRef<'_, E>, f: F) -> E {
    let (x, y) = if x.stride() == -1 && y.stride() == -1 {
        (x.reverse(), y.reverse())
    } else {
        (x, y)
    };
    let mut acc = E::ZERO;
    strided::blocks2(x, y, |a, b| {
        let r = reduce2(a, b, f);
        acc = if F::MAX { acc.max(r) } else { acc + r };
    });
    acc
}

/// `max |x_i|`, a NaN counting as `+inf`.
#[inline]
fn amax<E: Elem>(x: VecRef<'_, E>) -> E {
    let mut acc = E::ZERO;
    strided::blocks(forward(x), |_, b| acc = acc.max(reduce1(b, AbsMaxF)));
    acc
}

/// `(a, b)`, powers of two with `m * a * b` in `[1, 2)`, for a finite `m > 0`.
/// Split in two factors so each is representable even when `m` is subnormal
/// or close to the largest finite value.
fn pow2_scale<E: Elem>(m: E) -> (E, E) {
    let (mut v, mut adj) = (m.to_f64(), 0);
    if v < f64::MIN_POSITIVE {
        v *= 2f64.powi(54); // exact: lifts an f64 subnormal into the normal range
        adj = 54;
    }
    let e = ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023 - adj;
    let k = -e;
    let (k1, k2) = (k / 2, k - k / 2);
    // |k1|, |k2| <= 538 for f64 and <= 75 for f32: normal numbers in both.
    let p = |k: i32| E::from_f64(f64::from_bits(((k + 1023) as u64) << 52));
    (p(k1), p(k2))
}

/// The square root of a sum of squares, overflow- and underflow-safe.
///
/// `fast()` is the plain sum of squares; it is accepted when finite and large
/// enough that squares lost to underflow cannot matter (each loses at most
/// half a subnormal ulp, `MIN_POSITIVE * EPSILON / 2`, so `n * MIN_POSITIVE`
/// bounds the total below `EPSILON / 2` relative). Otherwise the norm is
/// recomputed from `amax()` (the largest magnitude, NaN as inf) and
/// `scaled(a, b)`, the sum of squares of the values times `a * b`.
fn safe_norm<E: Elem>(
    n: usize,
    fast: impl FnOnce() -> E,
    amax: impl FnOnce() -> E,
    scaled: impl FnOnce(E, E) -> E,
) -> E {
    let ss = fast();
    if ss.is_nan() {
        return ss;
    }
    if ss.is_finite() && ss >= E::MIN_POSITIVE * E::from_usize(n) {
        return ss.sqrt();
    }
    let m = amax();
    if m == E::ZERO || !m.is_finite() {
        return m;
    }
    let (a, b) = pow2_scale(m);
    // sqrt(scaled) / (a b), dividing by the exact reciprocals in two steps,
    // both moving the value in the same direction (no spurious overflow).
    scaled(a, b).sqrt() * a.recip() * b.recip()
}

// ------------------------------------------------------------- the ops

/// $x \cdot y = \sum_i x_i y_i$.
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ.
pub fn dot<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
    same_len(Op::Dot, x.len(), y.len())?;
    Ok(with_elem!(T, E => from_e(dot_e::<E>(vref(x), vref(y)))))
}

#[inline]
pub(crate) fn dot_e<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>) -> E {
    if let (Some(x), Some(y)) = (x.as_slice(), y.as_slice()) {
        return reduce2(x, y, DotF);
    }
    sum2(x, y, DotF)
}

/// $y \leftarrow \alpha x + y$. With `alpha == 0`, `y` is left untouched (as
/// in BLAS, so a NaN in `x` does not reach `y`).
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ.
pub fn axpy<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
    same_len(Op::Axpy, x.len(), y.len())?;
    if alpha == T::ZERO {
        return Ok(());
    }
    with_elem!(T, E => axpy_e::<E>(to_e(alpha), vref(x), vmut(y)));
    Ok(())
}

#[inline]
pub(crate) fn axpy_e<E: Elem>(alpha: E, x: VecRef<'_, E>, y: VecMut<'_, E>) {
    strided::blocks_in_out(x, y, true, |a, b| kernels::axpy(alpha, a, b));
}

/// $x \leftarrow \alpha x$ (every element multiplied: `alpha == 0` keeps NaN
/// and infinities as NaN, as IEEE multiplication does).
pub fn scal<T: Scalar>(alpha: T, x: VecMut<'_, T>) {
    with_elem!(T, E => scal_e::<E>(to_e(alpha), vmut(x)));
}

#[inline]
pub(crate) fn scal_e<E: Elem>(alpha: E, x: VecMut<'_, E>) {
    strided::blocks_mut(x, |b| kernels::scal(alpha, b));
}

/// $y \leftarrow x$.
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ.
pub fn copy<T: Scalar>(x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
    same_len(Op::Copy, x.len(), y.len())?;
    strided_copy(x, y);
    Ok(())
}

fn strided_copy<T: Scalar>(x: VecRef<'_, T>, mut y: VecMut<'_, T>) {
    if let (Some(xs), Some(ys)) = (x.as_slice(), y.as_mut_slice()) {
        ys.copy_from_slice(xs);
        return;
    }
    for i in 0..x.len() {
        // SAFETY: i < len, and both vectors have that length.
        unsafe { *y.get_unchecked_mut(i) = *x.get_unchecked(i) };
    }
}

/// Exchanges the contents of `x` and `y`.
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ.
pub fn swap<T: Scalar>(mut x: VecMut<'_, T>, mut y: VecMut<'_, T>) -> Result<()> {
    same_len(Op::Swap, x.len(), y.len())?;
    if let (Some(xs), Some(ys)) = (x.as_mut_slice(), y.as_mut_slice()) {
        xs.swap_with_slice(ys);
        return Ok(());
    }
    for i in 0..x.len() {
        // SAFETY: i < len for both; `x` and `y` are distinct exclusive borrows.
        unsafe { core::mem::swap(x.get_unchecked_mut(i), y.get_unchecked_mut(i)) };
    }
    Ok(())
}

/// $\|x\|_2$, without overflow or underflow in intermediate results: a vector
/// of `1e300`s or of `1e-300`s gets its true norm. A NaN anywhere gives NaN;
/// otherwise an infinity gives `+inf`. `0` for an empty vector.
///
/// The common case is one fast SIMD pass (plain sum of squares); only when
/// that sum overflows or is small enough for underflow to matter does a
/// second, scaled pass run.
pub fn nrm2<T: Scalar>(x: VecRef<'_, T>) -> T {
    with_elem!(T, E => from_e(nrm2_e::<E>(vref(x))))
}

pub(crate) fn nrm2_e<E: Elem>(x: VecRef<'_, E>) -> E {
    safe_norm(
        x.len(),
        || sum1(x, SumSqF),
        || amax(x),
        |a, b| sum1(x, ScaledSumSqF { a, b }),
    )
}

/// $\sum_i |x_i|$ (`0` for an empty vector).
pub fn asum<T: Scalar>(x: VecRef<'_, T>) -> T {
    with_elem!(T, E => from_e(sum1::<E, _>(vref(x), AsumF)))
}

/// The first index of the largest $|x_i|$; `None` for an empty vector.
///
/// A NaN counts as larger than every number, infinities included, so the
/// index of the first NaN is returned if there is one. Ties go to the lowest
/// index (`-0.0` and `0.0` tie).
pub fn iamax<T: Scalar>(x: VecRef<'_, T>) -> Option<usize> {
    with_elem!(T, E => iamax_e::<E>(vref(x)))
}

/// Elements per step of [`iamax_e`]: the step's maximum is found with SIMD,
/// then, only when it beats the best so far, its position is searched in the
/// same (L1-resident) elements. One pass over memory, not two.
const IAMAX_STEP: usize = 1024;

fn iamax_e<E: Elem>(x: VecRef<'_, E>) -> Option<usize> {
    if x.is_empty() {
        return None;
    }
    let (mut best, mut at) = (-E::ONE, 0);
    let mut nan = None;
    strided::blocks(x, |start, b| {
        for (c, chunk) in b.chunks(IAMAX_STEP).enumerate() {
            if nan.is_some() {
                return;
            }
            let off = start + c * IAMAX_STEP;
            let m = reduce1(chunk, AbsMaxF);
            if m == E::INFINITY {
                // A NaN or an infinity: find the first NaN, else the first inf.
                for (j, &v) in chunk.iter().enumerate() {
                    if v.is_nan() {
                        nan = Some(off + j);
                        return;
                    }
                    if best < E::INFINITY && v.abs() == E::INFINITY {
                        (best, at) = (E::INFINITY, off + j);
                    }
                }
            } else if m > best {
                (best, at) = (m, off + kernels::first_abs_eq(chunk, m));
            }
        }
    });
    Some(nan.unwrap_or(at))
}

fn elementwise<T: Scalar>(
    op: Op,
    bin: BinOp,
    x: VecRef<'_, T>,
    y: VecRef<'_, T>,
    out: VecMut<'_, T>,
) -> Result<()> {
    same_len(op, x.len(), y.len())?;
    same_len(op, x.len(), out.len())?;
    with_elem!(T, E => {
        let (x, y, out) = (vref::<T, E>(x), vref::<T, E>(y), vmut::<T, E>(out));
        strided::blocks3(x, y, out, |a, b, o| kernels::map2(bin, a, b, o));
    });
    Ok(())
}

/// $out_i = x_i + y_i$.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless all three lengths are equal.
pub fn add<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
    elementwise(Op::Add, BinOp::Add, x, y, out)
}

/// $out_i = x_i - y_i$.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless all three lengths are equal.
pub fn sub<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
    elementwise(Op::Sub, BinOp::Sub, x, y, out)
}

/// $out_i = x_i y_i$ (the Hadamard product).
///
/// # Errors
/// [`Error::DimensionMismatch`] unless all three lengths are equal.
pub fn hadamard<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
    elementwise(Op::Hadamard, BinOp::Mul, x, y, out)
}

/// A distance between `x` and `y`:
/// - `Euclidean`: $\|x - y\|_2$, overflow- and underflow-safe like [`nrm2`];
/// - `SquaredEuclidean`: $\sum_i (x_i - y_i)^2$;
/// - `Cosine`: $1 - x \cdot y / (\|x\|_2 \|y\|_2)$, clipped to $[0, 2]$ against
///   rounding (as scipy does), safe for huge and tiny vectors; NaN if an
///   input holds NaN or infinity;
/// - `Manhattan`: $\sum_i |x_i - y_i|$.
///
/// Empty vectors are at distance 0 (except for `Cosine`).
///
/// # Errors
/// - [`Error::DimensionMismatch`] if the lengths differ;
/// - [`Error::InvalidArgument`] for the cosine distance when `x` or `y` is a
///   zero (or empty) vector.
pub fn distance<T: Scalar>(metric: Distance, x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
    same_len(Op::Distance, x.len(), y.len())?;
    with_elem!(T, E => distance_e::<E>(metric, vref(x), vref(y)).map(from_e))
}

pub(crate) fn distance_e<E: Elem>(
    metric: Distance,
    x: VecRef<'_, E>,
    y: VecRef<'_, E>,
) -> Result<E> {
    Ok(match metric {
        Distance::SquaredEuclidean => sum2(x, y, SqDiffF),
        Distance::Manhattan => sum2(x, y, AbsDiffF),
        Distance::Euclidean => safe_norm(
            x.len(),
            || sum2(x, y, SqDiffF),
            || sum2(x, y, AbsMaxDiffF),
            |a, b| sum2(x, y, ScaledSqDiffF { a, b }),
        ),
        Distance::Cosine => cosine(x, y)?,
        // `Distance` is non-exhaustive: a new metric must be added here.
        #[allow(unreachable_patterns)]
        _ => {
            return Err(Error::InvalidArgument {
                op: Op::Distance,
                message: format!("distance {metric:?} is not supported by the simd backend"),
            })
        }
    })
}

fn cosine<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>) -> Result<E> {
    let zero = || Error::InvalidArgument {
        op: Op::Distance,
        message: "the cosine distance of a zero vector is undefined".into(),
    };
    let (mut xx, mut yy, mut xy) = (E::ZERO, E::ZERO, E::ZERO);
    strided::blocks2(x, y, |a, b| {
        let (p, q, r) = kernels::dot3(a, b);
        (xx, yy, xy) = (xx + p, yy + q, xy + r);
    });
    // As in `safe_norm`; `max(1)` keeps empty vectors (sum 0) out.
    let n = E::from_usize(x.len().max(1));
    let ok = |s: E| s.is_finite() && s >= E::MIN_POSITIVE * n;
    let cos = if ok(xx) && ok(yy) && xy.is_finite() {
        // |x.y| <= sqrt(xx yy): no overflow in the quotient. sqrt(xx yy) is
        // exact for x == y (so the distance is exactly 0); the product of the
        // roots is the fallback when xx yy leaves the normal range.
        let p = xx * yy;
        let den = if p.is_finite() && p >= E::MIN_POSITIVE {
            p.sqrt()
        } else {
            xx.sqrt() * yy.sqrt()
        };
        xy / den
    } else if xx.is_nan() || yy.is_nan() || xy.is_nan() {
        return Ok(E::NAN);
    } else {
        // Huge or tiny entries: normalize each vector by a power of two near
        // its norm, then take the dot product of the scaled vectors.
        let (nx, ny) = (nrm2_e(x), nrm2_e(y));
        if nx == E::ZERO || ny == E::ZERO {
            return Err(zero());
        }
        if !nx.is_finite() || !ny.is_finite() {
            return Ok(E::NAN);
        }
        let (a, b) = (pow2_scale(nx), pow2_scale(ny));
        let c = sum2(x, y, ScaledDotF { a, b });
        c / ((nx * a.0 * a.1) * (ny * b.0 * b.1))
    };
    if cos.is_nan() {
        return Ok(cos);
    }
    Ok((E::ONE - cos).max(E::ZERO).min(E::ONE + E::ONE))
}
