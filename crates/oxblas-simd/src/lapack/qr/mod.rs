//! Householder QR: $A = QR$ in LAPACK's compact `geqrf` form, forming `Q`,
//! and column-pivoted QR ($AP = QR$, `geqp3`) for rank decisions.
//!
//! Reflectors follow LAPACK's `larfg`: $H = I - \tau v v^T$ with $v_0 = 1$,
//! $\beta = -\operatorname{sign}(\alpha)\|x\|$, $\tau = (\beta - \alpha)/\beta$,
//! and $\tau = 0$ ($H = I$) when the column is already zero below the
//! diagonal. The blocked factorization works in place on a row-major copy:
//! each panel of reflectors is copied out transposed (each column one
//! contiguous slice), factored there by a register-blocked kernel (reflectors
//! generated four at a time, each group applied to the rest of the panel in
//! two fused passes, and the compact-WY factor `T` built on the way), copied
//! back, and applied to the trailing columns as $I - V T^T V^T$ in three gemm
//! calls; a small matrix is a single panel. Forming and applying `Q` use the same
//! block reflectors, with `T` from one $V^T V$ gemm per block.
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
mod panel;
mod pivoted;
mod q;
pub(crate) mod reflector;
#[cfg(test)]
mod tests;

pub use factor::factor;
pub use pivoted::factor_pivoted;
pub use q::{apply_qt, form_q};
