//! Zero-cost conversions between a generic `T: Scalar` and the concrete type
//! it is, for backends whose kernels are written per type (FFI to BLAS).
//!
//! Each function returns `Some` exactly when the source and target element
//! types are the same type, so a backend writes
//! `if let Some(a) = cast_mat_ref::<T, f64>(a) { ... }` and never transmutes
//! between different types.

use core::any::{Any, TypeId};

use crate::{MatMut, MatRef, VecMut, VecRef};

/// `true` if `T` and `U` are the same type.
#[inline(always)]
pub fn same_type<T: 'static, U: 'static>() -> bool {
    TypeId::of::<T>() == TypeId::of::<U>()
}

/// Moves `x: T` into a `U` if they are the same type.
///
/// Works for any `'static` value (scalars, `Mat<T>`, `Lu<T>`, `Vec<T>`), with
/// no allocation and no unsafe code.
#[inline]
pub fn cast<T: 'static, U: 'static>(x: T) -> Option<U> {
    let mut slot = Some(x);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<U>>()
        .and_then(Option::take)
}

/// Reinterprets a shared reference if `T` and `U` are the same type.
#[inline]
pub fn cast_ref<T: 'static, U: 'static>(x: &T) -> Option<&U> {
    (x as &dyn Any).downcast_ref::<U>()
}

/// Reinterprets a mutable reference if `T` and `U` are the same type.
#[inline]
pub fn cast_mut<T: 'static, U: 'static>(x: &mut T) -> Option<&mut U> {
    (x as &mut dyn Any).downcast_mut::<U>()
}

/// Reinterprets a slice if `T` and `U` are the same type.
#[inline]
pub fn cast_slice<T: 'static, U: 'static>(x: &[T]) -> Option<&[U]> {
    // SAFETY: T and U are the same type, so the pointer, length and lifetime
    // describe the same valid slice.
    same_type::<T, U>()
        .then(|| unsafe { core::slice::from_raw_parts(x.as_ptr() as *const U, x.len()) })
}

/// Reinterprets a mutable slice if `T` and `U` are the same type.
#[inline]
pub fn cast_slice_mut<T: 'static, U: 'static>(x: &mut [T]) -> Option<&mut [U]> {
    if !same_type::<T, U>() {
        return None;
    }
    // SAFETY: same type; the exclusive borrow moves into the result.
    Some(unsafe { core::slice::from_raw_parts_mut(x.as_mut_ptr() as *mut U, x.len()) })
}

/// Reinterprets a matrix view if `T` and `U` are the same type.
#[inline]
pub fn cast_mat_ref<'a, T: 'static, U: 'static>(m: MatRef<'a, T>) -> Option<MatRef<'a, U>> {
    // SAFETY: same type, same layout: the view's invariants carry over.
    same_type::<T, U>().then(|| unsafe {
        MatRef::from_raw_parts(
            m.as_ptr() as *const U,
            m.rows(),
            m.cols(),
            m.row_stride(),
            m.col_stride(),
        )
    })
}

/// Reinterprets a mutable matrix view if `T` and `U` are the same type.
#[inline]
pub fn cast_mat_mut<'a, T: 'static, U: 'static>(mut m: MatMut<'a, T>) -> Option<MatMut<'a, U>> {
    if !same_type::<T, U>() {
        return None;
    }
    let (r, c, rs, cs) = (m.rows(), m.cols(), m.row_stride(), m.col_stride());
    // SAFETY: same type, same layout; `m` is consumed, so the borrow stays exclusive.
    Some(unsafe { MatMut::from_raw_parts(m.as_mut_ptr() as *mut U, r, c, rs, cs) })
}

/// Reinterprets a vector view if `T` and `U` are the same type.
#[inline]
pub fn cast_vec_ref<'a, T: 'static, U: 'static>(v: VecRef<'a, T>) -> Option<VecRef<'a, U>> {
    // SAFETY: same type, same layout.
    same_type::<T, U>()
        .then(|| unsafe { VecRef::from_raw_parts(v.as_ptr() as *const U, v.len(), v.stride()) })
}

/// Reinterprets a mutable vector view if `T` and `U` are the same type.
#[inline]
pub fn cast_vec_mut<'a, T: 'static, U: 'static>(mut v: VecMut<'a, T>) -> Option<VecMut<'a, U>> {
    if !same_type::<T, U>() {
        return None;
    }
    let (n, s) = (v.len(), v.stride());
    // SAFETY: same type, same layout; `v` is consumed.
    Some(unsafe { VecMut::from_raw_parts(v.as_mut_ptr() as *mut U, n, s) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mat;

    #[test]
    fn cast_only_between_equal_types() {
        assert_eq!(cast::<f64, f64>(2.5), Some(2.5));
        assert_eq!(cast::<f64, f32>(2.5), None);
        let m = Mat::<f32>::identity(3);
        assert!(cast_mat_ref::<f32, f64>(m.as_ref()).is_none());
        let v = cast_mat_ref::<f32, f32>(m.as_ref()).unwrap();
        assert_eq!(v[(2, 2)], 1.0);
        let owned: Option<Mat<f32>> = cast(m.clone());
        assert_eq!(owned.as_ref(), Some(&m));
    }
}
