//! Small helpers for examples and tests: a numeric CSV reader and a
//! deterministic random number generator.

use super::invalid;
use oxblas_core::{Mat, Op, Result, Scalar};

/// Parses numeric delimited text into a row-major matrix.
///
/// Fields are separated by `sep` (or by runs of whitespace when `sep` is
/// `None`). The first `skip_rows` lines are skipped, as are empty lines.
///
/// # Errors
/// `InvalidArgument` (tagged [`Op::Copy`]) if a field does not parse as a
/// number or rows differ in length.
pub fn parse_csv<T: Scalar>(text: &str, sep: Option<char>, skip_rows: usize) -> Result<Mat<T>> {
    let mut data = Vec::new();
    let mut cols = None;
    let mut rows = 0;
    for (ln, line) in text.lines().enumerate().skip(skip_rows) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = match sep {
            Some(c) => line.split(c).map(str::trim).collect(),
            None => line.split_whitespace().collect(),
        };
        match cols {
            None => cols = Some(fields.len()),
            Some(c) if c != fields.len() => {
                return Err(invalid(
                    Op::Copy,
                    format!("line {}: {} fields, expected {c}", ln + 1, fields.len()),
                ))
            }
            _ => {}
        }
        for f in fields {
            let v: f64 = f
                .parse()
                .map_err(|_| invalid(Op::Copy, format!("line {}: bad number {f:?}", ln + 1)))?;
            data.push(T::from_f64(v));
        }
        rows += 1;
    }
    Mat::from_vec(rows, cols.unwrap_or(0), data)
}

/// A small deterministic pseudo-random generator (SplitMix64), for
/// reproducible initializations, sketches and shuffles. Not cryptographic.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
    spare: Option<f64>,
}

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng {
            state: seed,
            spare: None,
        }
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform index in `0..n` (`0` when `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.uniform() * n as f64) as usize % n
        }
    }

    /// A standard normal number (Box-Muller, caching the second value).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.uniform(); // in (0, 1]
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * core::f64::consts::PI * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }

    /// A `rows x cols` matrix of independent normal numbers times `scale`.
    pub fn normal_mat<T: Scalar>(&mut self, rows: usize, cols: usize, scale: f64) -> Mat<T> {
        Mat::from_fn(rows, cols, |_, _| T::from_f64(self.normal() * scale))
    }

    /// Shuffles `v` in place (Fisher-Yates).
    pub fn shuffle<U>(&mut self, v: &mut [U]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}
