//! Level-3 kernels besides gemm. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Diag, Distance, Error, MatMut, MatRef, Result, Scalar, Side, Uplo};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn pairwise_distances<T: Scalar>(
    metric: Distance,
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    out: MatMut<'_, T>,
) -> Result<()> {
    na()
}
pub fn syrk<T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    na()
}
pub fn trsm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    diag: Diag,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatMut<'_, T>,
) -> Result<()> {
    na()
}
pub fn symm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    na()
}
pub fn gemm_batched<T: Scalar>(
    alpha: T,
    a: &[MatRef<'_, T>],
    b: &[MatRef<'_, T>],
    beta: T,
    c: &mut [MatMut<'_, T>],
) -> Result<()> {
    na()
}
