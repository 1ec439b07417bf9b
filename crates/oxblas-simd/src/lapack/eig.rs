//! General eigen. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Complex, Eig, Error, MatRef, Result, Scalar};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>> {
    na()
}
pub fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>> {
    na()
}
