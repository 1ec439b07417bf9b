//! Level-1 kernels (vector-vector). SCAFFOLD: to be replaced by real kernels.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Distance, Error, Result, Scalar, VecMut, VecRef};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn dot<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
    na()
}
pub fn axpy<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn scal<T: Scalar>(alpha: T, x: VecMut<'_, T>) {}
pub fn copy<T: Scalar>(x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn swap<T: Scalar>(x: VecMut<'_, T>, y: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn nrm2<T: Scalar>(x: VecRef<'_, T>) -> T {
    T::NAN
}
pub fn asum<T: Scalar>(x: VecRef<'_, T>) -> T {
    T::NAN
}
pub fn iamax<T: Scalar>(x: VecRef<'_, T>) -> Option<usize> {
    None
}
pub fn add<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn sub<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn hadamard<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn distance<T: Scalar>(metric: Distance, x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T> {
    na()
}
