//! Householder QR: $A = QR$ in LAPACK's compact `geqrf` form, forming `Q`,
//! and column-pivoted QR ($AP = QR$, `geqp3`) for rank decisions.
//!
//! Reflectors follow LAPACK's `larfg`: $H = I - \tau v v^T$ with $v_0 = 1$,
//! $\beta = -\operatorname{sign}(\alpha)\|x\|$, $\tau = (\beta - \alpha)/\beta$,
//! and $\tau = 0$ ($H = I$) when the column is already zero below the
//! diagonal. The blocked factorization applies each panel of reflectors
//! reflectors to the trailing columns in compact WY form
//! ($I - V T V^T$, three gemm calls); the working copy is column-major, so
//! each reflector and each column it touches is one contiguous slice.
//!
//! ```
//! use oxblas_core::{Mat, QrMode};
//! use oxblas_simd::lapack::qr;
//! let a = Mat::from_rows(&[[3.0, 1.0], [4.0, 2.0], [0.0, 5.0]])?;
//! let f = qr::factor(a.as_ref())?;
//! assert!((f.factors[(0, 0)] + 5.0f64).abs() < 1e-12); // beta = -sign(3) * 5
//! let q = qr::form_q(&f, QrMode::Reduced)?;
//! assert_eq!(q.shape(), (3, 2));
//! let p = qr::factor_pivoted(a.as_ref())?;
//! assert_eq!(p.perm[0], 1);                             // the larger column first
//! # Ok::<(), oxblas_core::Error>(())
//! ```

mod factor;
mod pivoted;
mod q;
mod reflector;
#[cfg(test)]
mod tests;

pub use factor::factor;
pub use pivoted::factor_pivoted;
pub use q::{apply_qt, form_q};
