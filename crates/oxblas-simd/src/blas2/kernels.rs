//! Level-2 SIMD kernels on contiguous slices.
//!
//! - [`gemv_rows`]: `R` rows dotted with one `x` at once (row-major gemv):
//!   each `x` register is loaded once for `R` rows, and every row keeps
//!   [`U`] accumulators so the FMA latency is hidden.
//! - [`gemv_cols`]: `y += sum_k c_k col_k` over `R` columns at once
//!   (column-major gemv): `y` is loaded and stored once per `R` columns.
//!
//! A whole gemv is one dispatch (one call into the target-feature code), so
//! small problems do not pay the dispatch once per row group.
//! - [`dot_axpy`]: `y += s a` while returning `a . x`, reading `a` once (symv).

// Index loops over the small fixed-size register arrays (and over triangles)
// say what they do more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use pulp::{Simd, WithSimd};

use oxblas_core::MatRef;

use crate::blas1::elem::{dispatch, Elem};

/// Registers of `x` per step in [`gemv_rows`]: with 4 rows that is 8
/// independent FMA chains, enough to cover a 4-cycle FMA latency at two FMAs
/// per cycle, in 8 + 2 of the 16 AVX2 registers.
const U: usize = 2;

/// Rows (or columns) per call of the multi-row kernels.
pub(crate) const R: usize = 4;

/// `[rows[0] . x, ..., rows[N-1] . x]` with the instruction set `s`.
#[inline(always)]
fn rows_dot_simd<S: Simd, E: Elem, const N: usize>(s: S, rows: [&[E]; N], x: &[E]) -> [E; N] {
    let (xv, xt) = E::split::<S>(x);
    // Re-sliced to the length of `xv` so the loop indexes without bounds checks.
    let rv: [&[E::V<S>]; N] = core::array::from_fn(|r| &E::split::<S>(rows[r]).0[..xv.len()]);
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
            let t = E::split::<S>(rows[r]).1;
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

/// `y <- y0 + sum_r coef[r] cols[r]` with the instruction set `s`, where
/// `y0` is `y` (`beta == None`), `beta y` or, for `beta == Some(0)`, zero
/// (`y` not read).
#[inline(always)]
fn cols_axpy_simd<S: Simd, E: Elem, const N: usize>(
    s: S,
    coef: [E; N],
    cols: [&[E]; N],
    y: &mut [E],
    beta: Option<E>,
) {
    let (yv, yt) = E::split_mut::<S>(y);
    // Re-sliced to the length of `yv` so the loop indexes without bounds checks.
    let cv: [&[E::V<S>]; N] = core::array::from_fn(|r| &E::split::<S>(cols[r]).0[..yv.len()]);
    let c: [E::V<S>; N] = core::array::from_fn(|r| E::vsplat(s, coef[r]));
    let start = |y: E::V<S>| match beta {
        None => y,
        Some(b) if b == E::ZERO => E::vsplat(s, E::ZERO),
        Some(b) => E::vmul(s, E::vsplat(s, b), y),
    };
    for (k, y) in yv.iter_mut().enumerate() {
        let mut t = start(*y);
        for r in 0..N {
            t = E::vmul_add(s, c[r], cv[r][k], t);
        }
        *y = t;
    }
    if !yt.is_empty() {
        let mut t = start(E::vload_tail(s, yt));
        for r in 0..N {
            let tail = E::split::<S>(cols[r]).1;
            t = E::vmul_add(s, c[r], E::vload_tail(s, tail), t);
        }
        E::vstore_tail(s, yt, t);
    }
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

// ------------------------------------------------- whole-gemv kernels

/// Row `i` of a view whose rows are contiguous.
#[inline(always)]
pub(crate) fn row<'a, E>(a: MatRef<'a, E>, i: usize) -> &'a [E] {
    match a.row_slice(i) {
        Some(r) => r,
        None => unreachable!("row {i} of a row-contiguous view"),
    }
}

#[inline(always)]
fn combine<E: Elem>(alpha: E, d: E, beta: E, y: E) -> E {
    if beta == E::ZERO {
        alpha * d
    } else {
        alpha * d + beta * y
    }
}

/// `y <- alpha A x + beta y` for `A` with contiguous rows, in one dispatch:
/// [`R`] rows per step share every load of `x`.
struct GemvRows<'a, E> {
    alpha: E,
    a: MatRef<'a, E>,
    x: &'a [E],
    beta: E,
    y: &'a mut [E],
}

impl<E: Elem> WithSimd for GemvRows<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let Self {
            alpha,
            a,
            x,
            beta,
            y,
        } = self;
        let m = y.len();
        let mut i = 0;
        while i + R <= m {
            let d = rows_dot_simd::<S, E, R>(s, core::array::from_fn(|r| row(a, i + r)), x);
            for r in 0..R {
                y[i + r] = combine(alpha, d[r], beta, y[i + r]);
            }
            i += R;
        }
        let rest = &mut y[i..];
        let d: [E; 3] = match rest.len() {
            1 => {
                let [d0] = rows_dot_simd::<S, E, 1>(s, [row(a, i)], x);
                [d0, E::ZERO, E::ZERO]
            }
            2 => {
                let [d0, d1] = rows_dot_simd::<S, E, 2>(s, [row(a, i), row(a, i + 1)], x);
                [d0, d1, E::ZERO]
            }
            3 => rows_dot_simd::<S, E, 3>(s, [row(a, i), row(a, i + 1), row(a, i + 2)], x),
            _ => [E::ZERO; 3],
        };
        for (y, &d) in rest.iter_mut().zip(&d) {
            *y = combine(alpha, d, beta, *y);
        }
    }
}

/// gemv for `A` with contiguous rows (`a.rows() == y.len() > 0`, `a.cols() == x.len() > 0`).
#[inline]
pub(crate) fn gemv_rows<E: Elem>(alpha: E, a: MatRef<'_, E>, x: &[E], beta: E, y: &mut [E]) {
    dispatch(GemvRows {
        alpha,
        a,
        x,
        beta,
        y,
    })
}

/// `y <- alpha A x + beta y` for `A` with contiguous columns, in one
/// dispatch: [`R`] columns per pass over `y`; the first pass applies `beta`.
struct GemvCols<'a, E> {
    alpha: E,
    a: MatRef<'a, E>,
    x: &'a [E],
    beta: E,
    y: &'a mut [E],
}

impl<E: Elem> WithSimd for GemvCols<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let Self {
            alpha,
            a,
            x,
            beta,
            y,
        } = self;
        let at = a.t();
        let n = x.len();
        let mut first = if beta == E::ONE { None } else { Some(beta) };
        let mut j = 0;
        while j + R <= n {
            let cols = core::array::from_fn(|r| row(at, j + r));
            let coef = core::array::from_fn(|r| alpha * x[j + r]);
            cols_axpy_simd::<S, E, R>(s, coef, cols, y, first.take());
            j += R;
        }
        match n - j {
            1 => cols_axpy_simd::<S, E, 1>(s, [alpha * x[j]], [row(at, j)], y, first),
            2 => cols_axpy_simd::<S, E, 2>(
                s,
                [alpha * x[j], alpha * x[j + 1]],
                [row(at, j), row(at, j + 1)],
                y,
                first,
            ),
            3 => cols_axpy_simd::<S, E, 3>(
                s,
                [alpha * x[j], alpha * x[j + 1], alpha * x[j + 2]],
                [row(at, j), row(at, j + 1), row(at, j + 2)],
                y,
                first,
            ),
            _ => {}
        }
    }
}

/// gemv for `A` with contiguous columns (`a.rows() == y.len() > 0`, `a.cols() == x.len() > 0`).
#[inline]
pub(crate) fn gemv_cols<E: Elem>(alpha: E, a: MatRef<'_, E>, x: &[E], beta: E, y: &mut [E]) {
    dispatch(GemvCols {
        alpha,
        a,
        x,
        beta,
        y,
    })
}
