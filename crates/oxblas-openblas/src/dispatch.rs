//! From the `Backend` trait's generic `T: Scalar` to the concrete `E: Elem`
//! the implementation is written for, and back, with `oxblas_core::cast`.
//!
//! `Scalar` is sealed to `f32` and `f64`, so [`dispatch!`] tests `T == f64`
//! and otherwise takes `T == f32`; every conversion below then goes between
//! two names of the same type, which `cast` checks (a failure would be a bug
//! in this module, never a consequence of user input).

use oxblas_core::cast::{cast, cast_mat_mut, cast_mat_ref, cast_ref, cast_vec_mut, cast_vec_ref};
use oxblas_core::{
    Cholesky, Diag, Distance, Lu, MatMut, MatRef, Norm, Qr, QrMode, Scalar, Side, SvdMode, Uplo,
    VecMut, VecRef,
};

use crate::elem::Elem;

const SAME: &str = "dispatch! pairs each Scalar with the Elem of the same type";

/// Re-types an argument from `T: Scalar` to the `E: Elem` it is.
pub(crate) trait Retype<E> {
    type Out;
    fn retype(self) -> Self::Out;
}

/// A scalar argument (a bare `T` cannot get a blanket impl next to the views).
pub(crate) struct S<T>(pub T);

impl<T: Scalar, E: Elem> Retype<E> for S<T> {
    type Out = E;
    #[inline(always)]
    fn retype(self) -> E {
        cast(self.0).expect(SAME)
    }
}

impl<T: Scalar, E: Elem> Retype<E> for Option<T> {
    type Out = Option<E>;
    #[inline(always)]
    fn retype(self) -> Option<E> {
        self.map(|x| cast(x).expect(SAME))
    }
}

impl<'a, T: Scalar, E: Elem> Retype<E> for MatRef<'a, T> {
    type Out = MatRef<'a, E>;
    #[inline(always)]
    fn retype(self) -> MatRef<'a, E> {
        cast_mat_ref(self).expect(SAME)
    }
}

impl<'a, T: Scalar, E: Elem> Retype<E> for MatMut<'a, T> {
    type Out = MatMut<'a, E>;
    #[inline(always)]
    fn retype(self) -> MatMut<'a, E> {
        cast_mat_mut(self).expect(SAME)
    }
}

impl<'a, T: Scalar, E: Elem> Retype<E> for VecRef<'a, T> {
    type Out = VecRef<'a, E>;
    #[inline(always)]
    fn retype(self) -> VecRef<'a, E> {
        cast_vec_ref(self).expect(SAME)
    }
}

impl<'a, T: Scalar, E: Elem> Retype<E> for VecMut<'a, T> {
    type Out = VecMut<'a, E>;
    #[inline(always)]
    fn retype(self) -> VecMut<'a, E> {
        cast_vec_mut(self).expect(SAME)
    }
}

macro_rules! retype_ref {
    ($($ty:ident),*) => {$(
        impl<'a, T: Scalar, E: Elem> Retype<E> for &'a $ty<T> {
            type Out = &'a $ty<E>;
            #[inline(always)]
            fn retype(self) -> &'a $ty<E> {
                cast_ref(self).expect(SAME)
            }
        }
    )*};
}
retype_ref!(Lu, Cholesky, Qr);

macro_rules! retype_plain {
    ($($ty:ty),*) => {$(
        impl<E> Retype<E> for $ty {
            type Out = $ty;
            #[inline(always)]
            fn retype(self) -> $ty {
                self
            }
        }
    )*};
}
retype_plain!(Uplo, Diag, Side, Distance, Norm, QrMode, SvdMode);

/// Moves a result computed for `E` back to the caller's `T` (the same type).
#[inline(always)]
pub(crate) fn back<A: 'static, B: 'static>(a: A) -> B {
    cast(a).expect(SAME)
}

/// `dispatch!(T, module::function(args...))` calls `module::function::<E>`
/// with every argument re-typed from `T` to the `E: Elem` that `T` is, and
/// re-types the result back.
macro_rules! dispatch {
    ($t:ty, $($path:ident)::+ ( $($arg:expr),* $(,)? )) => {{
        use $crate::dispatch::{back, Retype};
        if oxblas_core::cast::same_type::<$t, f64>() {
            back($($path)::+::<f64>($(<_ as Retype<f64>>::retype($arg)),*))
        } else {
            back($($path)::+::<f32>($(<_ as Retype<f32>>::retype($arg)),*))
        }
    }};
}
pub(crate) use dispatch;
