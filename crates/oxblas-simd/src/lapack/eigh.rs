//! Symmetric eigen. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Eigh, Error, MatRef, Result, Scalar};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>> {
    na()
}
pub fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>> {
    na()
}
