//! GEMM. SCAFFOLD: to be replaced by the packed, blocked implementation.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Error, MatMut, MatRef, Par, Result, Scalar};
pub fn arch_name() -> &'static str {
    "scaffold"
}
pub fn gemm<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    par: Par,
) -> Result<()> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
