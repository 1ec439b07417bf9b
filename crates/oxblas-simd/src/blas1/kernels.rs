//! Level-1 SIMD kernels on contiguous slices, one `pulp::WithSimd` type per
//! operation, run through [`dispatch`](super::elem::dispatch).
//!
//! Reductions keep [`ACC`] independent accumulators: an FMA has a latency of
//! 4 cycles and the loop issues one per loaded register, so four chains keep
//! the FMA units busy while the loads (the real bound) stream. Tails shorter
//! than one register are loaded with a zero-filling masked load; every fold
//! here maps zero lanes to its identity.

// Index loops over the small fixed-size register arrays (and over triangles)
// say what they do more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use pulp::{Simd, WithSimd};

use super::elem::{dispatch, Elem};

/// Independent accumulators in every reduction (see the module docs).
const ACC: usize = 4;

/// Slices at least this many registers long are first peeled to a register
/// boundary (see [`head`]); below it the masked peel costs more than the
/// split loads it saves.
const PEEL_MIN_REGS: usize = 4 * ACC;

/// How many leading elements of `x` to peel (with one masked load) so that
/// the register loads of the rest start on a register-size boundary and never
/// straddle two cache lines: a 32-byte load that straddles one costs a second
/// load slot, and `Vec`s from the system allocator are only 16-byte aligned.
/// 0 for short slices and already aligned ones; always `< lanes`.
///
/// The peel changes which elements share an accumulator, so a reduction's
/// rounding can depend on where its input lies in memory (as a blocked sum
/// does on its block size); each result stays within the usual bound.
#[inline(always)]
fn head<E: Elem, S: Simd>(x: &[E]) -> usize {
    let size = core::mem::size_of::<E>();
    let bytes = E::lanes::<S>() * size;
    let mis = x.as_ptr().addr() % bytes;
    if mis == 0 || x.len() < PEEL_MIN_REGS * E::lanes::<S>() {
        return 0;
    }
    // `x` is aligned to `size`, so `mis` is a multiple of it.
    (bytes - mis) / size
}

/// One step of a reduction over one vector: `acc <- acc (+) g(x)`.
pub(crate) trait Fold1<E: Elem>: Copy {
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>) -> E::V<S>;
    /// Combines two accumulators (default: lane-wise sum).
    #[inline(always)]
    fn combine<S: Simd>(self, s: S, a: E::V<S>, b: E::V<S>) -> E::V<S> {
        E::vadd(s, a, b)
    }
    /// Reduces the final register (default: horizontal sum).
    #[inline(always)]
    fn finish<S: Simd>(self, s: S, a: E::V<S>) -> E {
        E::vreduce_sum(s, a)
    }
}

/// One step of a reduction over two vectors: `acc <- acc (+) g(x, y)`.
pub(crate) trait Fold2<E: Elem>: Copy {
    /// `true` if the fold is a maximum (combined with `max`, not `+`).
    const MAX: bool = false;
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S>;
}

struct Reduce1<'a, E, F> {
    x: &'a [E],
    f: F,
}

impl<E: Elem, F: Fold1<E>> WithSimd for Reduce1<'_, E, F> {
    type Output = E;
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> E {
        let f = self.f;
        let z = E::vsplat(s, E::ZERO);
        let mut acc = [z; ACC];
        let mut x = self.x;
        let h = head::<E, S>(x);
        if h != 0 {
            acc[2] = f.step(s, acc[2], E::vload_tail(s, &x[..h]));
            x = &x[h..];
        }
        let (xv, xt) = E::split::<S>(x);
        let mut chunks = xv.chunks_exact(ACC);
        for c in &mut chunks {
            for k in 0..ACC {
                acc[k] = f.step(s, acc[k], c[k]);
            }
        }
        for &v in chunks.remainder() {
            acc[0] = f.step(s, acc[0], v);
        }
        if !xt.is_empty() {
            acc[1] = f.step(s, acc[1], E::vload_tail(s, xt));
        }
        let a = f.combine(
            s,
            f.combine(s, acc[0], acc[1]),
            f.combine(s, acc[2], acc[3]),
        );
        f.finish(s, a)
    }
}

struct Reduce2<'a, E, F> {
    x: &'a [E],
    y: &'a [E],
    f: F,
}

impl<E: Elem, F: Fold2<E>> WithSimd for Reduce2<'_, E, F> {
    type Output = E;
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> E {
        let f = self.f;
        let z = E::vsplat(s, E::ZERO);
        let mut acc = [z; ACC];
        let (mut x, mut y) = (self.x, &self.y[..self.x.len()]);
        let h = head::<E, S>(x);
        if h != 0 {
            let (xh, yh) = (E::vload_tail(s, &x[..h]), E::vload_tail(s, &y[..h]));
            acc[2] = f.step(s, acc[2], xh, yh);
            (x, y) = (&x[h..], &y[h..]);
        }
        let (xv, xt) = E::split::<S>(x);
        let (yv, yt) = E::split::<S>(y);
        let mut xc = xv.chunks_exact(ACC);
        let mut yc = yv.chunks_exact(ACC);
        for (cx, cy) in (&mut xc).zip(&mut yc) {
            for k in 0..ACC {
                acc[k] = f.step(s, acc[k], cx[k], cy[k]);
            }
        }
        for (&vx, &vy) in xc.remainder().iter().zip(yc.remainder()) {
            acc[0] = f.step(s, acc[0], vx, vy);
        }
        if !xt.is_empty() {
            acc[1] = f.step(s, acc[1], E::vload_tail(s, xt), E::vload_tail(s, yt));
        }
        if F::MAX {
            let a = E::vmax(s, E::vmax(s, acc[0], acc[1]), E::vmax(s, acc[2], acc[3]));
            E::vreduce_max(s, a)
        } else {
            let a = E::vadd(s, E::vadd(s, acc[0], acc[1]), E::vadd(s, acc[2], acc[3]));
            E::vreduce_sum(s, a)
        }
    }
}

/// `f` folded over `x` with the best instruction set.
#[inline]
pub(crate) fn reduce1<E: Elem, F: Fold1<E>>(x: &[E], f: F) -> E {
    dispatch(Reduce1 { x, f })
}

/// `f` folded over `x` and `y` (equal lengths) with the best instruction set.
#[inline]
pub(crate) fn reduce2<E: Elem, F: Fold2<E>>(x: &[E], y: &[E], f: F) -> E {
    debug_assert_eq!(x.len(), y.len());
    dispatch(Reduce2 { x, y, f })
}

// ------------------------------------------------------------ the folds

/// `sum x_i y_i`
#[derive(Clone, Copy)]
pub(crate) struct DotF;
impl<E: Elem> Fold2<E> for DotF {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S> {
        E::vmul_add(s, x, y, acc)
    }
}

/// `sum (x_i - y_i)^2`
#[derive(Clone, Copy)]
pub(crate) struct SqDiffF;
impl<E: Elem> Fold2<E> for SqDiffF {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S> {
        let d = E::vsub(s, x, y);
        E::vmul_add(s, d, d, acc)
    }
}

/// `sum |x_i - y_i|`
#[derive(Clone, Copy)]
pub(crate) struct AbsDiffF;
impl<E: Elem> Fold2<E> for AbsDiffF {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S> {
        E::vadd(s, acc, E::vabs(s, E::vsub(s, x, y)))
    }
}

/// `sum (a1 a2 x_i)(b1 b2 y_i)` with power-of-two scales (exact scaling).
#[derive(Clone, Copy)]
pub(crate) struct ScaledDotF<E> {
    pub a: (E, E),
    pub b: (E, E),
}
impl<E: Elem> Fold2<E> for ScaledDotF<E> {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S> {
        let x = E::vmul(
            s,
            E::vmul(s, x, E::vsplat(s, self.a.0)),
            E::vsplat(s, self.a.1),
        );
        let y = E::vmul(
            s,
            E::vmul(s, y, E::vsplat(s, self.b.0)),
            E::vsplat(s, self.b.1),
        );
        E::vmul_add(s, x, y, acc)
    }
}

/// `sum (a b (x_i - y_i))^2`, scaling by two powers of two.
#[derive(Clone, Copy)]
pub(crate) struct ScaledSqDiffF<E> {
    pub a: E,
    pub b: E,
}
impl<E: Elem> Fold2<E> for ScaledSqDiffF<E> {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S> {
        let d = E::vsub(s, x, y);
        let d = E::vmul(s, E::vmul(s, d, E::vsplat(s, self.a)), E::vsplat(s, self.b));
        E::vmul_add(s, d, d, acc)
    }
}

/// `max |x_i - y_i|`, a NaN counting as `+inf`.
#[derive(Clone, Copy)]
pub(crate) struct AbsMaxDiffF;
impl<E: Elem> Fold2<E> for AbsMaxDiffF {
    const MAX: bool = true;
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>, y: E::V<S>) -> E::V<S> {
        E::vmax(s, acc, E::vabs_nan_inf(s, E::vsub(s, x, y)))
    }
}

/// `sum x_i^2`
#[derive(Clone, Copy)]
pub(crate) struct SumSqF;
impl<E: Elem> Fold1<E> for SumSqF {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>) -> E::V<S> {
        E::vmul_add(s, x, x, acc)
    }
}

/// `sum (a b x_i)^2`, scaling by two powers of two (each representable).
#[derive(Clone, Copy)]
pub(crate) struct ScaledSumSqF<E> {
    pub a: E,
    pub b: E,
}
impl<E: Elem> Fold1<E> for ScaledSumSqF<E> {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>) -> E::V<S> {
        let x = E::vmul(s, E::vmul(s, x, E::vsplat(s, self.a)), E::vsplat(s, self.b));
        E::vmul_add(s, x, x, acc)
    }
}

/// `sum |x_i|`
#[derive(Clone, Copy)]
pub(crate) struct AsumF;
impl<E: Elem> Fold1<E> for AsumF {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>) -> E::V<S> {
        E::vadd(s, acc, E::vabs(s, x))
    }
}

/// `max |x_i|`, a NaN counting as `+inf` (0 for an empty slice).
#[derive(Clone, Copy)]
pub(crate) struct AbsMaxF;
impl<E: Elem> Fold1<E> for AbsMaxF {
    #[inline(always)]
    fn step<S: Simd>(self, s: S, acc: E::V<S>, x: E::V<S>) -> E::V<S> {
        E::vmax(s, acc, E::vabs_nan_inf(s, x))
    }
    #[inline(always)]
    fn combine<S: Simd>(self, s: S, a: E::V<S>, b: E::V<S>) -> E::V<S> {
        E::vmax(s, a, b)
    }
    #[inline(always)]
    fn finish<S: Simd>(self, s: S, a: E::V<S>) -> E {
        E::vreduce_max(s, a)
    }
}

// ------------------------------------------------------ three-way dot

/// `(x.x, y.y, x.y)` in one pass (cosine distance).
struct Dot3<'a, E> {
    x: &'a [E],
    y: &'a [E],
}

impl<E: Elem> WithSimd for Dot3<'_, E> {
    type Output = (E, E, E);
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> (E, E, E) {
        let (xv, xt) = E::split::<S>(self.x);
        let (yv, yt) = E::split::<S>(self.y);
        let z = E::vsplat(s, E::ZERO);
        let (mut xx, mut yy, mut xy) = ([z; 2], [z; 2], [z; 2]);
        let mut xc = xv.chunks_exact(2);
        let mut yc = yv.chunks_exact(2);
        for (cx, cy) in (&mut xc).zip(&mut yc) {
            for k in 0..2 {
                xx[k] = E::vmul_add(s, cx[k], cx[k], xx[k]);
                yy[k] = E::vmul_add(s, cy[k], cy[k], yy[k]);
                xy[k] = E::vmul_add(s, cx[k], cy[k], xy[k]);
            }
        }
        let mut last = |a: E::V<S>, b: E::V<S>| {
            xx[1] = E::vmul_add(s, a, a, xx[1]);
            yy[1] = E::vmul_add(s, b, b, yy[1]);
            xy[1] = E::vmul_add(s, a, b, xy[1]);
        };
        for (&a, &b) in xc.remainder().iter().zip(yc.remainder()) {
            last(a, b);
        }
        if !xt.is_empty() {
            last(E::vload_tail(s, xt), E::vload_tail(s, yt));
        }
        (
            E::vreduce_sum(s, E::vadd(s, xx[0], xx[1])),
            E::vreduce_sum(s, E::vadd(s, yy[0], yy[1])),
            E::vreduce_sum(s, E::vadd(s, xy[0], xy[1])),
        )
    }
}

#[inline]
pub(crate) fn dot3<E: Elem>(x: &[E], y: &[E]) -> (E, E, E) {
    debug_assert_eq!(x.len(), y.len());
    dispatch(Dot3 { x, y })
}

// ------------------------------------------------------------ searches

/// Index of the first `|x_i| == m` (`x.len()` if none). `m` is not NaN.
struct FirstAbsEq<'a, E> {
    x: &'a [E],
    m: E,
}

impl<E: Elem> WithSimd for FirstAbsEq<'_, E> {
    type Output = usize;
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> usize {
        // Every |x_i| <= m, so a group of registers holds m exactly when its
        // maximum is m: test [`ACC`] registers with one horizontal max, then
        // find the element with a scalar scan of that group only.
        let lanes = E::lanes::<S>();
        let (xv, _) = E::split::<S>(self.x);
        let group = ACC * lanes;
        for (g, c) in xv.chunks_exact(ACC).enumerate() {
            let mx = E::vmax(
                s,
                E::vmax(s, E::vabs(s, c[0]), E::vabs(s, c[1])),
                E::vmax(s, E::vabs(s, c[2]), E::vabs(s, c[3])),
            );
            if E::vreduce_max(s, mx) == self.m {
                let base = g * group;
                let k = self.x[base..base + group]
                    .iter()
                    .position(|v| v.abs() == self.m);
                return k.map_or(self.x.len(), |k| base + k);
            }
        }
        let base = xv.len() / ACC * group;
        self.x[base..]
            .iter()
            .position(|v| v.abs() == self.m)
            .map_or(self.x.len(), |k| base + k)
    }
}

#[inline]
pub(crate) fn first_abs_eq<E: Elem>(x: &[E], m: E) -> usize {
    dispatch(FirstAbsEq { x, m })
}

// ------------------------------------------------------- element-wise

/// `y <- alpha x + y`
struct Axpy<'a, E> {
    alpha: E,
    x: &'a [E],
    y: &'a mut [E],
}

impl<E: Elem> WithSimd for Axpy<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let a = E::vsplat(s, self.alpha);
        let (mut x, mut y) = (self.x, self.y);
        // Peel to align the stores (a store straddling two lines costs two).
        let h = head::<E, S>(y);
        if h != 0 {
            let (yh, rest) = y.split_at_mut(h);
            let v = E::vmul_add(s, a, E::vload_tail(s, &x[..h]), E::vload_tail(s, yh));
            E::vstore_tail(s, yh, v);
            (x, y) = (&x[h..], rest);
        }
        let (xv, xt) = E::split::<S>(x);
        let (yv, yt) = E::split_mut::<S>(y);
        // Blocks of ACC registers, every load of a block before its stores:
        // a load of x that follows a store to y at the same address modulo
        // 4 KiB waits for that store (a false dependency), which happens
        // whenever y lies a little after x in memory. Loading a whole block
        // first keeps x's loads ahead of y's stores for offsets up to a block.
        let mut xc = xv.chunks_exact(ACC);
        let mut yc = yv.chunks_exact_mut(ACC);
        for (yb, xb) in (&mut yc).zip(&mut xc) {
            let mut r = [E::vsplat(s, E::ZERO); ACC];
            for k in 0..ACC {
                r[k] = E::vmul_add(s, a, xb[k], yb[k]);
            }
            yb.copy_from_slice(&r);
        }
        for (y, &x) in yc.into_remainder().iter_mut().zip(xc.remainder()) {
            *y = E::vmul_add(s, a, x, *y);
        }
        if !xt.is_empty() {
            let v = E::vmul_add(s, a, E::vload_tail(s, xt), E::vload_tail(s, yt));
            E::vstore_tail(s, yt, v);
        }
    }
}

#[inline]
pub(crate) fn axpy<E: Elem>(alpha: E, x: &[E], y: &mut [E]) {
    debug_assert_eq!(x.len(), y.len());
    dispatch(Axpy { alpha, x, y })
}

/// `x <- alpha x`
struct Scal<'a, E> {
    alpha: E,
    x: &'a mut [E],
}

impl<E: Elem> WithSimd for Scal<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let (xv, xt) = E::split_mut::<S>(self.x);
        let a = E::vsplat(s, self.alpha);
        for x in xv.iter_mut() {
            *x = E::vmul(s, a, *x);
        }
        if !xt.is_empty() {
            let v = E::vmul(s, a, E::vload_tail(s, xt));
            E::vstore_tail(s, xt, v);
        }
    }
}

#[inline]
pub(crate) fn scal<E: Elem>(alpha: E, x: &mut [E]) {
    dispatch(Scal { alpha, x })
}

/// Which element-wise binary operation [`Map2`] computes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
}

/// `out_i = x_i (op) y_i`
struct Map2<'a, E> {
    op: BinOp,
    x: &'a [E],
    y: &'a [E],
    out: &'a mut [E],
}

impl<E: Elem> Map2<'_, E> {
    #[inline(always)]
    fn run<S: Simd, const OP: u8>(self, s: S) {
        let f = |a, b| match OP {
            0 => E::vadd(s, a, b),
            1 => E::vsub(s, a, b),
            _ => E::vmul(s, a, b),
        };
        let (xv, xt) = E::split::<S>(self.x);
        let (yv, yt) = E::split::<S>(self.y);
        let (ov, ot) = E::split_mut::<S>(self.out);
        for ((o, &a), &b) in ov.iter_mut().zip(xv).zip(yv) {
            *o = f(a, b);
        }
        if !xt.is_empty() {
            let v = f(E::vload_tail(s, xt), E::vload_tail(s, yt));
            E::vstore_tail(s, ot, v);
        }
    }
}

impl<E: Elem> WithSimd for Map2<'_, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        match self.op {
            BinOp::Add => self.run::<S, 0>(s),
            BinOp::Sub => self.run::<S, 1>(s),
            BinOp::Mul => self.run::<S, 2>(s),
        }
    }
}

#[inline]
pub(crate) fn map2<E: Elem>(op: BinOp, x: &[E], y: &[E], out: &mut [E]) {
    debug_assert!(x.len() == y.len() && x.len() == out.len());
    dispatch(Map2 { op, x, y, out })
}
