//! Factorizations and spectral decompositions, built on this crate's gemm/trsm/syrk.
pub mod cholesky;
pub mod eig;
pub mod eigh;
pub mod lu;
pub mod qr;
pub mod svd;

mod spectral_util;
#[cfg(test)]
mod spectral_tests;
