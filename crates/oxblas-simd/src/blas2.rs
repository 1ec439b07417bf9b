//! Level-2 kernels (matrix-vector). SCAFFOLD: to be replaced by real kernels.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Diag, Error, MatMut, MatRef, Result, Scalar, Uplo, VecMut, VecRef};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn gemv<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    x: VecRef<'_, T>,
    beta: T,
    y: VecMut<'_, T>,
) -> Result<()> {
    na()
}
pub fn ger<T: Scalar>(
    alpha: T,
    x: VecRef<'_, T>,
    y: VecRef<'_, T>,
    a: MatMut<'_, T>,
) -> Result<()> {
    na()
}
pub fn trsv<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, x: VecMut<'_, T>) -> Result<()> {
    na()
}
pub fn symv<T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    x: VecRef<'_, T>,
    beta: T,
    y: VecMut<'_, T>,
) -> Result<()> {
    na()
}
