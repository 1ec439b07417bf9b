//! Vector operations: CBLAS level 1 where a routine exists, plain loops for
//! the element-wise extras.
//!
//! CBLAS conventions handled here: with a negative increment BLAS starts at
//! the far (lowest-address) end, so a view with stride `s < 0` is passed as
//! the pointer to its last element with increment `s` (see
//! [`BlasVec`](crate::layout::BlasVec)). The single-vector routines
//! (`nrm2`, `asum`, `scal`, `i?amax`) do nothing for a non-positive
//! increment in reference BLAS and OpenBLAS, so those are given the
//! mirrored view with a positive increment instead (order does not matter
//! for them, and `iamax`, where it does, falls back to a loop).

use oxblas_core::{validate, Error, Op, Result, VecMut, VecRef};

use crate::elem::Elem;
use crate::layout::{blas_int, with_vec_mut, BlasVec};

/// The lowest address of `x` and a positive increment covering it (mirrored
/// when the stride is negative), if BLAS can take the vector as it is.
#[inline(always)]
fn positive<E>(x: &VecRef<'_, E>) -> Option<(*const E, i32, i32)> {
    let n = i32::try_from(x.len()).ok()?;
    if x.len() <= 1 {
        return Some((x.as_ptr(), n, 1));
    }
    let s = x.stride();
    let inc = i32::try_from(s.unsigned_abs()).ok()?;
    if inc == 0 {
        return None;
    }
    let ptr = if s < 0 {
        x.ptr_at(x.len() - 1)
    } else {
        x.as_ptr()
    };
    Some((ptr, n, inc))
}

pub(crate) fn dot<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>) -> Result<E> {
    validate::same_len(Op::Dot, x.len(), y.len())?;
    let n = blas_int(Op::Dot, x.len())?;
    if n == 0 {
        return Ok(E::ZERO);
    }
    let (bx, by) = (BlasVec::new(x), BlasVec::new(y));
    // SAFETY: both vectors have n elements reachable from their CBLAS start
    // pointers with non-zero increments (BlasVec's invariant).
    Ok(unsafe { E::dot(n, bx.ptr, bx.inc, by.ptr, by.inc) })
}

pub(crate) fn axpy<E: Elem>(alpha: E, x: VecRef<'_, E>, mut y: VecMut<'_, E>) -> Result<()> {
    validate::same_len(Op::Axpy, x.len(), y.len())?;
    let n = blas_int(Op::Axpy, x.len())?;
    if n == 0 {
        return Ok(());
    }
    if alpha == E::ZERO {
        // BLAS returns early for alpha == 0; IEEE arithmetic (the contract)
        // turns y + 0 * NaN into NaN.
        for (i, &xi) in x.iter().enumerate() {
            y[i] += alpha * xi;
        }
        return Ok(());
    }
    let bx = BlasVec::new(x);
    with_vec_mut(y, |py, incy| {
        // SAFETY: x and y hold n elements from their CBLAS start pointers.
        unsafe { E::axpy(n, alpha, bx.ptr, bx.inc, py, incy) }
    });
    Ok(())
}

pub(crate) fn scal<E: Elem>(alpha: E, mut x: VecMut<'_, E>) {
    let n = x.len();
    if n == 0 {
        return;
    }
    let blas = i32::try_from(n)
        .ok()
        .zip(i32::try_from(x.stride().unsigned_abs()).ok());
    match blas {
        // OpenBLAS stores zeros for alpha == 0; IEEE arithmetic keeps NaN.
        Some((n32, inc)) if alpha != E::ZERO && (inc > 0 || n == 1) => {
            let ptr = if x.stride() < 0 {
                x.ptr_at_mut(n - 1)
            } else {
                x.as_mut_ptr()
            };
            // SAFETY: n elements at positive increment `inc` from the lowest address.
            unsafe { E::scal(n32, alpha, ptr, inc.max(1)) }
        }
        _ => {
            for i in 0..n {
                x[i] *= alpha;
            }
        }
    }
}

pub(crate) fn copy<E: Elem>(x: VecRef<'_, E>, mut y: VecMut<'_, E>) -> Result<()> {
    validate::same_len(Op::Copy, x.len(), y.len())?;
    let n = blas_int(Op::Copy, x.len())?;
    if n == 0 {
        return Ok(());
    }
    if x.stride() == 0 {
        y.fill(x[0]);
        return Ok(());
    }
    let bx = BlasVec::new(x);
    with_vec_mut(y, |py, incy| {
        // SAFETY: x and y hold n elements from their CBLAS start pointers.
        unsafe { E::copy(n, bx.ptr, bx.inc, py, incy) }
    });
    Ok(())
}

pub(crate) fn swap<E: Elem>(x: VecMut<'_, E>, y: VecMut<'_, E>) -> Result<()> {
    validate::same_len(Op::Swap, x.len(), y.len())?;
    let n = blas_int(Op::Swap, x.len())?;
    if n == 0 {
        return Ok(());
    }
    with_vec_mut(x, |px, incx| {
        with_vec_mut(y, |py, incy| {
            // SAFETY: x and y hold n elements from their CBLAS start
            // pointers; they are distinct exclusive borrows.
            unsafe { E::swap(n, px, incx, py, incy) }
        })
    });
    Ok(())
}

// Always inlined (the loop for strides BLAS cannot take stays out of line):
// a call through the dispatcher then reaches `cblas_?nrm2` as directly as a
// call of the backend does, with the vector in registers (an out-of-line
// wrapper was one call level more, 1.07-1.19x on 8 to 64 elements, and made
// the dispatcher keep the view in memory for its other branch).
#[inline(always)]
pub(crate) fn nrm2<E: Elem>(x: VecRef<'_, E>) -> E {
    if x.is_empty() {
        return E::ZERO;
    }
    match positive(&x) {
        // SAFETY: n elements at a positive increment from the lowest address.
        Some((ptr, n, inc)) => unsafe { E::nrm2(n, ptr, inc) },
        None => nrm2_loop(x),
    }
}

/// Overflow- and underflow-safe 2-norm: scale by the largest magnitude.
#[inline(never)]
pub(crate) fn nrm2_loop<E: Elem>(x: VecRef<'_, E>) -> E {
    let mut scale = E::ZERO;
    for &v in x.iter() {
        if v.is_nan() {
            return E::NAN;
        }
        scale = scale.max(v.abs());
    }
    if scale == E::ZERO || !scale.is_finite() {
        return scale;
    }
    let mut ssq = E::ZERO;
    for &v in x.iter() {
        let t = v / scale;
        ssq += t * t;
    }
    scale * ssq.sqrt()
}

pub(crate) fn asum<E: Elem>(x: VecRef<'_, E>) -> E {
    if x.is_empty() {
        return E::ZERO;
    }
    match positive(&x) {
        // SAFETY: n elements at a positive increment from the lowest address.
        Some((ptr, n, inc)) => unsafe { E::asum(n, ptr, inc) },
        None => x.iter().map(|v| v.abs()).sum(),
    }
}

pub(crate) fn iamax<E: Elem>(x: VecRef<'_, E>) -> Option<usize> {
    let n = x.len();
    if n == 0 {
        return None;
    }
    if n > 1 && x.stride() > 0 {
        if let Some((ptr, n32, inc)) = positive(&x) {
            // OpenBLAS's i?amax skips NaN (comparisons with NaN are false);
            // the contract makes the first NaN win. |x_i| >= 0, so the sum of
            // magnitudes is NaN exactly when some element is NaN.
            // SAFETY: n elements at a positive increment from element 0.
            let sum = unsafe { E::asum(n32, ptr, inc) };
            if !sum.is_nan() {
                // SAFETY: as above.
                let i = unsafe { E::iamax(n32, ptr, inc) };
                return Some(i.min(n - 1));
            }
        }
    }
    iamax_loop(x)
}

/// First index of the largest magnitude, the first NaN winning.
fn iamax_loop<E: Elem>(x: VecRef<'_, E>) -> Option<usize> {
    let mut best = None::<(usize, E)>;
    for (i, &v) in x.iter().enumerate() {
        let a = v.abs();
        if a.is_nan() {
            return Some(i);
        }
        if best.is_none_or(|(_, b)| a > b) {
            best = Some((i, a));
        }
    }
    best.map(|(i, _)| i)
}

/// `out_i = f(x_i, y_i)` after the shared length checks.
fn zip_map<E: Elem>(
    op: Op,
    x: VecRef<'_, E>,
    y: VecRef<'_, E>,
    mut out: VecMut<'_, E>,
    f: impl Fn(E, E) -> E,
) -> Result<()> {
    validate::same_len(op, x.len(), y.len())?;
    validate::same_len(op, x.len(), out.len())?;
    if let (Some(xs), Some(ys)) = (x.as_slice(), y.as_slice()) {
        if let Some(os) = out.as_mut_slice() {
            for ((o, &a), &b) in os.iter_mut().zip(xs).zip(ys) {
                *o = f(a, b);
            }
            return Ok(());
        }
    }
    for (i, (&a, &b)) in x.iter().zip(y.iter()).enumerate() {
        out[i] = f(a, b);
    }
    Ok(())
}

pub(crate) fn add<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>, out: VecMut<'_, E>) -> Result<()> {
    zip_map(Op::Add, x, y, out, |a, b| a + b)
}

pub(crate) fn sub<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>, out: VecMut<'_, E>) -> Result<()> {
    zip_map(Op::Sub, x, y, out, |a, b| a - b)
}

pub(crate) fn hadamard<E: Elem>(
    x: VecRef<'_, E>,
    y: VecRef<'_, E>,
    out: VecMut<'_, E>,
) -> Result<()> {
    zip_map(Op::Hadamard, x, y, out, |a, b| a * b)
}

/// The error for a cosine distance involving a zero vector.
pub(crate) fn zero_cosine(op: Op) -> Error {
    Error::InvalidArgument {
        op,
        message: "the cosine distance of a zero vector is undefined".into(),
    }
}
