//! Support code for the oxblas conformance suite: naive reference algorithms
//! and matrix generators used as oracles by `tests/`.
