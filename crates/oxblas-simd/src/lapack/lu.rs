//! LU with partial pivoting. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Error, Lu, MatRef, Result, Scalar};
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
