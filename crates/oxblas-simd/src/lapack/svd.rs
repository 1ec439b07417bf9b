//! SVD. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Error, MatRef, Result, Scalar, Svd, SvdMode};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn svd<T: Scalar>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>> {
    na()
}
pub fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
    na()
}
