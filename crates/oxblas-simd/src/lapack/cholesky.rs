//! Cholesky. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Cholesky, Error, MatRef, Result, Scalar};
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
