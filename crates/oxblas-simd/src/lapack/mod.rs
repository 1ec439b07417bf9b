//! Factorizations and spectral decompositions, built on this crate's gemm/trsm/syrk.
pub mod cholesky;
pub mod eig;
pub mod eigh;
mod eigh_band;
mod eigh_kernels;
pub mod lstsq;
pub mod lu;
pub mod qr;
pub mod svd;
mod svd_bidiag;
mod svd_dc;
mod svd_dqds;
#[cfg(test)]
mod svd_tests;
/// Blocking constants and kernels shared by LU, Cholesky and QR.
pub(crate) mod util;

#[cfg(test)]
mod eigh_tests;
mod spectral_dc;
#[cfg(test)]
mod spectral_tests;
mod spectral_util;
