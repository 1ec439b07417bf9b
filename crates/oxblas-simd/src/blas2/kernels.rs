//! Level-2 SIMD kernels on contiguous slices.
//!
//! - [`rows_dot`]: `R` rows dotted with one `x` at once (row-major gemv):
//!   each `x` register is loaded once for `R` rows, and every row keeps
//!   [`U`] accumulators so the FMA latency is hidden.
//! - [`cols_axpy`]: `y += sum_k c_k col_k` over `R` columns at once
//!   (column-major gemv): `y` is loaded and stored once per `R` columns.
//! - [`dot_axpy`]: `y += s a` while returning `a . x`, reading `a` once (symv).

// Index loops over the small fixed-size register arrays (and over triangles)
// say what they do more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use pulp::{Simd, WithSimd};

use crate::blas1::elem::{dispatch, Elem};

/// Registers of `x` per step in [`rows_dot`]: with 4 rows that is 8
/// independent FMA chains, enough to cover a 4-cycle FMA latency at two FMAs
/// per cycle, in 8 + 2 of the 16 AVX2 registers.
const U: usize = 2;

/// Rows (or columns) per call of the multi-row kernels.
pub(crate) const R: usize = 4;

struct RowsDot<'a, E, const N: usize> {
    rows: [&'a [E]; N],
    x: &'a [E],
}

impl<E: Elem, const N: usize> WithSimd for RowsDot<'_, E, N> {
    type Output = [E; N];
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> [E; N] {
        let (xv, xt) = E::split::<S>(self.x);
        // Re-sliced to the length of `xv` so the loop indexes without bounds checks.
        let rv: [&[E::V<S>]; N] =
            core::array::from_fn(|r| &E::split::<S>(self.rows[r]).0[..xv.len()]);
        let z = E::vsplat(s, E::ZERO);
        let mut acc = [[z; U]; N];
        let steps = xv.len() / U;
        for i in 0..steps {
            for u in 0..U {
                let k = i * U + u;
                let xk = xv[k];
                for r in 0..N {
                    acc[r][u] = E::vmul_add(s, rv[r][k], xk, acc[r][u]);
                }
            }
        }
        for k in steps * U..xv.len() {
            for r in 0..N {
                acc[r][0] = E::vmul_add(s, rv[r][k], xv[k], acc[r][0]);
            }
        }
        if !xt.is_empty() {
            let xk = E::vload_tail(s, xt);
            for r in 0..N {
                let t = E::split::<S>(self.rows[r]).1;
                acc[r][1 % U] = E::vmul_add(s, E::vload_tail(s, t), xk, acc[r][1 % U]);
            }
        }
        core::array::from_fn(|r| {
            let mut a = acc[r][0];
            for u in 1..U {
                a = E::vadd(s, a, acc[r][u]);
            }
            E::vreduce_sum(s, a)
        })
    }
}

/// `[rows[0] . x, ..., rows[N-1] . x]`; every row has `x.len()` elements.
#[inline]
pub(crate) fn rows_dot<E: Elem, const N: usize>(rows: [&[E]; N], x: &[E]) -> [E; N] {
    debug_assert!(rows.iter().all(|r| r.len() == x.len()));
    dispatch(RowsDot { rows, x })
}

struct ColsAxpy<'a, E, const N: usize> {
    coef: [E; N],
    cols: [&'a [E]; N],
    y: &'a mut [E],
}

impl<E: Elem, const N: usize> WithSimd for ColsAxpy<'_, E, N> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let (yv, yt) = E::split_mut::<S>(self.y);
        let cv: [&[E::V<S>]; N] =
            core::array::from_fn(|r| &E::split::<S>(self.cols[r]).0[..yv.len()]);
        let c: [E::V<S>; N] = core::array::from_fn(|r| E::vsplat(s, self.coef[r]));
        for (k, y) in yv.iter_mut().enumerate() {
            let mut t = *y;
            for r in 0..N {
                t = E::vmul_add(s, c[r], cv[r][k], t);
            }
            *y = t;
        }
        if !yt.is_empty() {
            let mut t = E::vload_tail(s, yt);
            for r in 0..N {
                let tail = E::split::<S>(self.cols[r]).1;
                t = E::vmul_add(s, c[r], E::vload_tail(s, tail), t);
            }
            E::vstore_tail(s, yt, t);
        }
    }
}

/// `y += sum_r coef[r] cols[r]`; every column has `y.len()` elements.
#[inline]
pub(crate) fn cols_axpy<E: Elem, const N: usize>(coef: [E; N], cols: [&[E]; N], y: &mut [E]) {
    debug_assert!(cols.iter().all(|c| c.len() == y.len()));
    dispatch(ColsAxpy { coef, cols, y })
}

struct DotAxpy<'a, E> {
    a: &'a [E],
    x: &'a [E],
    y: &'a mut [E],
    s: E,
}

impl<E: Elem> WithSimd for DotAxpy<'_, E> {
    type Output = E;
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> E {
        let (av, at) = E::split::<S>(self.a);
        let (xv, xt) = E::split::<S>(self.x);
        let (yv, yt) = E::split_mut::<S>(self.y);
        let c = E::vsplat(s, self.s);
        let z = E::vsplat(s, E::ZERO);
        let mut acc = [z; 2];
        for (k, ((y, &a), &x)) in yv.iter_mut().zip(av).zip(xv).enumerate() {
            acc[k & 1] = E::vmul_add(s, a, x, acc[k & 1]);
            *y = E::vmul_add(s, c, a, *y);
        }
        if !at.is_empty() {
            let a = E::vload_tail(s, at);
            acc[0] = E::vmul_add(s, a, E::vload_tail(s, xt), acc[0]);
            let v = E::vmul_add(s, c, a, E::vload_tail(s, yt));
            E::vstore_tail(s, yt, v);
        }
        E::vreduce_sum(s, E::vadd(s, acc[0], acc[1]))
    }
}

/// Returns `a . x` and does `y += s a` in the same pass over `a`.
#[inline]
pub(crate) fn dot_axpy<E: Elem>(a: &[E], x: &[E], y: &mut [E], s: E) -> E {
    debug_assert!(a.len() == x.len() && a.len() == y.len());
    dispatch(DotAxpy { a, x, y, s })
}
