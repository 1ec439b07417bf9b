//! Householder QR. SCAFFOLD: to be replaced.
#![allow(missing_docs, unused_variables)]
use oxblas_core::{BackendId, Error, Mat, MatRef, PivotedQr, Qr, QrMode, Result, Scalar};
fn na<R>() -> Result<R> {
    Err(Error::BackendUnavailable(BackendId::Simd))
}
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>> {
    na()
}
pub fn form_q<T: Scalar>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>> {
    na()
}
pub fn factor_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> {
    na()
}
