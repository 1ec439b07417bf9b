//! oxblas's enums as CBLAS's.

use cblas_sys::{
    CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, CblasRight, CblasTrans, CblasUnit,
    CblasUpper, CBLAS_DIAG, CBLAS_SIDE, CBLAS_TRANSPOSE, CBLAS_UPLO,
};
use oxblas_core::{Diag, Side, Uplo};

pub(crate) fn cblas_uplo(u: Uplo) -> CBLAS_UPLO {
    match u {
        Uplo::Lower => CblasLower,
        Uplo::Upper => CblasUpper,
    }
}

pub(crate) fn cblas_diag(d: Diag) -> CBLAS_DIAG {
    match d {
        Diag::NonUnit => CblasNonUnit,
        Diag::Unit => CblasUnit,
    }
}

pub(crate) fn cblas_side(s: Side) -> CBLAS_SIDE {
    match s {
        Side::Left => CblasLeft,
        Side::Right => CblasRight,
    }
}

pub(crate) fn cblas_trans(t: bool) -> CBLAS_TRANSPOSE {
    if t {
        CblasTrans
    } else {
        CblasNoTrans
    }
}

/// The other triangle.
pub(crate) fn flip(u: Uplo) -> Uplo {
    match u {
        Uplo::Lower => Uplo::Upper,
        Uplo::Upper => Uplo::Lower,
    }
}
