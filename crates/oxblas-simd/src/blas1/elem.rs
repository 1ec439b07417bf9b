//! The element abstraction the level-1 and level-2 kernels are written in,
//! the run-time SIMD dispatch, and the switch that forces the scalar path.
//!
//! Kernels are written once, generic over [`Elem`] (`f32` or `f64`) and over
//! `pulp::Simd` (AVX-512, AVX2+FMA, NEON or the portable scalar fallback).
//! The public functions take a generic `T: Scalar`; [`with_elem!`] picks the
//! concrete element type and the `vref`/`vmut`/`mref`/`mmut` helpers convert
//! the views (a no-op: `T` *is* that type).

use core::cell::Cell;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use oxblas_core::cast::{cast_mat_mut, cast_mat_ref, cast_vec_mut, cast_vec_ref, same_type};
use oxblas_core::{MatMut, MatRef, Scalar, VecMut, VecRef};
use pulp::{Simd, WithSimd};

/// A SIMD-capable element type. Every method is a thin, always-inlined wrapper
/// over the `pulp::Simd` method of the same meaning for `f32s` or `f64s`.
pub(crate) trait Elem: Scalar {
    /// One SIMD register of elements.
    type V<S: Simd>: Copy;
    /// Lanes in [`Elem::V`].
    fn lanes<S: Simd>() -> usize;
    fn vsplat<S: Simd>(s: S, x: Self) -> Self::V<S>;
    /// Splits a slice into whole registers and a tail shorter than one.
    fn split<S: Simd>(x: &[Self]) -> (&[Self::V<S>], &[Self]);
    fn split_mut<S: Simd>(x: &mut [Self]) -> (&mut [Self::V<S>], &mut [Self]);
    fn vadd<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vsub<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vmul<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    /// `a * b + c`: fused where the target has FMA, `a * b + c` on the scalar
    /// fallback (no call into libm's software `fma`).
    fn vmul_add<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>, c: Self::V<S>) -> Self::V<S>;
    fn vabs<S: Simd>(s: S, a: Self::V<S>) -> Self::V<S>;
    /// Lane-wise maximum. Only called on NaN-free data (NaN handling differs
    /// between instruction sets).
    fn vmax<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    /// `|a|` with every NaN lane replaced by `+inf`.
    fn vabs_nan_inf<S: Simd>(s: S, a: Self::V<S>) -> Self::V<S>;
    fn vreduce_sum<S: Simd>(s: S, a: Self::V<S>) -> Self;
    fn vreduce_max<S: Simd>(s: S, a: Self::V<S>) -> Self;
    /// Loads `x.len() < lanes` elements, zero-filling the other lanes.
    fn vload_tail<S: Simd>(s: S, x: &[Self]) -> Self::V<S>;
    /// Stores the first `x.len() < lanes` lanes of `v`.
    fn vstore_tail<S: Simd>(s: S, x: &mut [Self], v: Self::V<S>);
}

// One impl per element type, spelled out method by method.
macro_rules! elem_impl {
    ($t:ty, $v:ident, $lanes:ident, $splat:ident, $split:ident, $split_mut:ident, $add:ident,
     $sub:ident, $mul:ident, $fma:ident, $abs:ident, $max:ident, $eq:ident, $select:ident,
     $sum:ident, $rmax:ident, $pload:ident, $pstore:ident) => {
        impl Elem for $t {
            type V<S: Simd> = S::$v;
            #[inline(always)]
            fn lanes<S: Simd>() -> usize {
                S::$lanes
            }
            #[inline(always)]
            fn vsplat<S: Simd>(s: S, x: Self) -> Self::V<S> {
                s.$splat(x)
            }
            #[inline(always)]
            fn split<S: Simd>(x: &[Self]) -> (&[Self::V<S>], &[Self]) {
                S::$split(x)
            }
            #[inline(always)]
            fn split_mut<S: Simd>(x: &mut [Self]) -> (&mut [Self::V<S>], &mut [Self]) {
                S::$split_mut(x)
            }
            #[inline(always)]
            fn vadd<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                s.$add(a, b)
            }
            #[inline(always)]
            fn vsub<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                s.$sub(a, b)
            }
            #[inline(always)]
            fn vmul<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                s.$mul(a, b)
            }
            #[inline(always)]
            fn vmul_add<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>, c: Self::V<S>) -> Self::V<S> {
                s.$fma(a, b, c)
            }
            #[inline(always)]
            fn vabs<S: Simd>(s: S, a: Self::V<S>) -> Self::V<S> {
                s.$abs(a)
            }
            #[inline(always)]
            fn vmax<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                s.$max(a, b)
            }
            #[inline(always)]
            fn vabs_nan_inf<S: Simd>(s: S, a: Self::V<S>) -> Self::V<S> {
                s.$select(s.$eq(a, a), s.$abs(a), s.$splat(<$t>::INFINITY))
            }
            #[inline(always)]
            fn vreduce_sum<S: Simd>(s: S, a: Self::V<S>) -> Self {
                s.$sum(a)
            }
            #[inline(always)]
            fn vreduce_max<S: Simd>(s: S, a: Self::V<S>) -> Self {
                s.$rmax(a)
            }
            #[inline(always)]
            fn vload_tail<S: Simd>(s: S, x: &[Self]) -> Self::V<S> {
                s.$pload(x)
            }
            #[inline(always)]
            fn vstore_tail<S: Simd>(s: S, x: &mut [Self], v: Self::V<S>) {
                s.$pstore(x, v)
            }
        }
    };
}

elem_impl!(
    f64,
    f64s,
    F64_LANES,
    splat_f64s,
    as_simd_f64s,
    as_mut_simd_f64s,
    add_f64s,
    sub_f64s,
    mul_f64s,
    mul_add_e_f64s,
    abs_f64s,
    max_f64s,
    equal_f64s,
    select_f64s,
    reduce_sum_f64s,
    reduce_max_f64s,
    partial_load_f64s,
    partial_store_f64s
);
elem_impl!(
    f32,
    f32s,
    F32_LANES,
    splat_f32s,
    as_simd_f32s,
    as_mut_simd_f32s,
    add_f32s,
    sub_f32s,
    mul_f32s,
    mul_add_e_f32s,
    abs_f32s,
    max_f32s,
    equal_f32s,
    select_f32s,
    reduce_sum_f32s,
    reduce_max_f32s,
    partial_load_f32s,
    partial_store_f32s
);

// ------------------------------------------------------------- dispatch

/// Number of live [`with_scalar_path`] scopes in the process. The hot path
/// reads only this (a relaxed load of a static); the thread-local flag is
/// consulted only when some scope is live.
static SCALAR_SCOPES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static FORCE_SCALAR: Cell<bool> = const { Cell::new(false) };
}

/// The detected SIMD level (detected once; inlined so that a kernel call
/// costs one load and a compare here instead of a call).
#[inline(always)]
fn arch() -> pulp::Arch {
    static ARCH: OnceLock<pulp::Arch> = OnceLock::new();
    *ARCH.get_or_init(pulp::Arch::new)
}

/// Runs `op` with the best instruction set of this CPU, or with pulp's
/// portable scalar implementation inside [`with_scalar_path`].
///
/// The fast path is a relaxed load of [`SCALAR_SCOPES`] and the dispatch on
/// the cached level; the thread-local lookup lives out of line in
/// [`dispatch_scoped`], so that no kernel call pays for it (nor for the
/// inlined scalar kernel) outside tests.
#[inline(always)]
pub(crate) fn dispatch<W: WithSimd>(op: W) -> W::Output {
    if SCALAR_SCOPES.load(Ordering::Relaxed) != 0 {
        return dispatch_scoped(op);
    }
    arch().dispatch(op)
}

/// [`dispatch`] while some [`with_scalar_path`] scope is live somewhere.
#[cold]
#[inline(never)]
fn dispatch_scoped<W: WithSimd>(op: W) -> W::Output {
    if FORCE_SCALAR.with(Cell::get) {
        return op.with_simd(pulp::Scalar::new());
    }
    arch().dispatch(op)
}

/// `true` inside a [`with_scalar_path`] scope on this thread.
#[cfg(test)]
pub(crate) fn scalar_forced() -> bool {
    SCALAR_SCOPES.load(Ordering::Relaxed) != 0 && FORCE_SCALAR.with(Cell::get)
}

/// Runs `f` with every level-1/level-2 kernel called *from this thread*
/// forced onto the portable scalar path (no SIMD instructions), so that the
/// fallback used on CPUs without AVX2/NEON can be tested on any machine.
/// Other threads are unaffected. Meant for tests.
#[doc(hidden)]
pub fn with_scalar_path<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCE_SCALAR.with(|c| c.set(self.0));
            SCALAR_SCOPES.fetch_sub(1, Ordering::Relaxed);
        }
    }
    SCALAR_SCOPES.fetch_add(1, Ordering::Relaxed);
    let _restore = Restore(FORCE_SCALAR.with(|c| c.replace(true)));
    f()
}

// ------------------------------------------------- from T: Scalar to Elem

/// Evaluates `$body` with `$E` bound to the concrete type of `$T` (`f32` or
/// `f64`; `Scalar` is sealed to those two).
macro_rules! with_elem {
    ($T:ty, $E:ident => $body:expr) => {
        if oxblas_core::cast::same_type::<$T, f64>() {
            #[allow(dead_code)]
            type $E = f64;
            $body
        } else {
            #[allow(dead_code)]
            type $E = f32;
            $body
        }
    };
}
pub(crate) use with_elem;

const WRONG_TYPE: &str = "with_elem! binds E to the type of T";

/// `x` as a value of the same type `E`.
#[inline(always)]
pub(crate) fn to_e<T: Scalar, E: Scalar>(x: T) -> E {
    debug_assert!(same_type::<T, E>(), "{WRONG_TYPE}");
    E::from_f64(x.to_f64()) // exact: T and E are the same type
}

/// `x` back as a `T` (the same type).
#[inline(always)]
pub(crate) fn from_e<E: Scalar, T: Scalar>(x: E) -> T {
    debug_assert!(same_type::<T, E>(), "{WRONG_TYPE}");
    T::from_f64(x.to_f64())
}

#[inline(always)]
pub(crate) fn vref<'a, T: Scalar, E: Scalar>(v: VecRef<'a, T>) -> VecRef<'a, E> {
    match cast_vec_ref(v) {
        Some(v) => v,
        None => unreachable!("{WRONG_TYPE}"),
    }
}

#[inline(always)]
pub(crate) fn vmut<'a, T: Scalar, E: Scalar>(v: VecMut<'a, T>) -> VecMut<'a, E> {
    match cast_vec_mut(v) {
        Some(v) => v,
        None => unreachable!("{WRONG_TYPE}"),
    }
}

#[inline(always)]
pub(crate) fn mref<'a, T: Scalar, E: Scalar>(m: MatRef<'a, T>) -> MatRef<'a, E> {
    match cast_mat_ref(m) {
        Some(m) => m,
        None => unreachable!("{WRONG_TYPE}"),
    }
}

#[inline(always)]
pub(crate) fn mmut<'a, T: Scalar, E: Scalar>(m: MatMut<'a, T>) -> MatMut<'a, E> {
    match cast_mat_mut(m) {
        Some(m) => m,
        None => unreachable!("{WRONG_TYPE}"),
    }
}
