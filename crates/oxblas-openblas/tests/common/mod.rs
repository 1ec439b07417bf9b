//! Test helpers: deterministic random data, the same logical matrix stored in
//! several layouts, naive references and scaled residuals.
#![allow(dead_code)]

use oxblas_core::{Mat, MatMut, MatRef, Scalar, VecMut, VecRef};

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
    pub fn mat<T: Scalar>(&mut self, m: usize, n: usize) -> Mat<T> {
        Mat::from_fn(m, n, |_, _| T::from_f64(self.uniform()))
    }
    pub fn vec<T: Scalar>(&mut self, n: usize) -> Vec<T> {
        (0..n).map(|_| T::from_f64(self.uniform())).collect()
    }
    /// A symmetric positive definite matrix: B B^T + n I.
    pub fn spd<T: Scalar>(&mut self, n: usize) -> Mat<T> {
        let b = self.mat::<f64>(n, n);
        Mat::from_fn(n, n, |i, j| {
            let mut s = if i == j { n as f64 } else { 0.0 };
            for k in 0..n {
                s += b[(i, k)] * b[(j, k)];
            }
            T::from_f64(s)
        })
    }
    pub fn sym<T: Scalar>(&mut self, n: usize) -> Mat<T> {
        let b = self.mat::<T>(n, n);
        Mat::from_fn(n, n, |i, j| b[(i.max(j), i.min(j))])
    }
}

/// How a logical matrix is laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    RowMajor,
    ColMajor,
    /// Row-major storage read with both strides negative (`a[::-1, ::-1]`).
    Negative,
    /// Neither stride is 1 (`cs = 2`, `rs = 2 cols + 3`).
    Strided,
}

pub const LAYOUTS: [Layout; 4] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Negative,
    Layout::Strided,
];

/// A matrix stored in a buffer with padding filled with a sentinel, so that
/// writes outside the view are detected.
pub struct Stored<T> {
    pub buf: Vec<T>,
    offset: usize,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    pub sentinel: T,
}

impl<T: Scalar> Stored<T> {
    pub fn new(a: &Mat<T>, layout: Layout) -> Self {
        let (m, n) = a.shape();
        let sentinel = T::from_f64(-777.25);
        let (len, offset, rs, cs) = match layout {
            // max(1): core rejects a zero stride even on an empty mutable view.
            Layout::RowMajor => (m * n, 0, n.max(1) as isize, 1),
            Layout::ColMajor => (m * n, 0, 1, m.max(1) as isize),
            Layout::Negative => (m * n, (m * n).saturating_sub(1), -(n.max(1) as isize), -1),
            Layout::Strided => {
                let rs = 2 * n + 3;
                (m * rs + 2 * n + 1, 0, rs as isize, 2)
            }
        };
        let mut s = Stored {
            buf: vec![sentinel; len],
            offset,
            rows: m,
            cols: n,
            rs,
            cs,
            sentinel,
        };
        if m > 0 && n > 0 {
            s.view_mut().copy_from(a.as_ref()).unwrap();
        }
        s
    }
    pub fn view(&self) -> MatRef<'_, T> {
        let offset = if self.rows == 0 || self.cols == 0 {
            0
        } else {
            self.offset
        };
        MatRef::from_parts(&self.buf, offset, self.rows, self.cols, self.rs, self.cs).unwrap()
    }
    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        let offset = if self.rows == 0 || self.cols == 0 {
            0
        } else {
            self.offset
        };
        MatMut::from_parts(
            &mut self.buf,
            offset,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .unwrap()
    }
    pub fn to_mat(&self) -> Mat<T> {
        self.view().to_owned()
    }
    /// Number of buffer elements outside the view that are not the sentinel.
    pub fn padding_touched(&self) -> usize {
        let mut inside = vec![false; self.buf.len()];
        for i in 0..self.rows {
            for j in 0..self.cols {
                let k = self.offset as isize + i as isize * self.rs + j as isize * self.cs;
                inside[k as usize] = true;
            }
        }
        self.buf
            .iter()
            .zip(&inside)
            .filter(|&(&v, &ins)| !ins && v != self.sentinel)
            .count()
    }
}

/// Vector layouts: contiguous, stride 3, stride -2.
pub const VSTRIDES: [isize; 3] = [1, 3, -2];

pub struct StoredVec<T> {
    pub buf: Vec<T>,
    offset: usize,
    len: usize,
    stride: isize,
}

impl<T: Scalar> StoredVec<T> {
    pub fn new(x: &[T], stride: isize) -> Self {
        let n = x.len();
        let s = stride.unsigned_abs();
        let len = if n == 0 { 0 } else { (n - 1) * s + 1 };
        let offset = if stride < 0 && n > 0 { len - 1 } else { 0 };
        let mut buf = vec![T::from_f64(-555.5); len];
        for (i, &v) in x.iter().enumerate() {
            buf[(offset as isize + i as isize * stride) as usize] = v;
        }
        StoredVec {
            buf,
            offset,
            len: n,
            stride,
        }
    }
    pub fn view(&self) -> VecRef<'_, T> {
        VecRef::from_parts(&self.buf, self.offset, self.len, self.stride).unwrap()
    }
    pub fn view_mut(&mut self) -> VecMut<'_, T> {
        VecMut::from_parts(&mut self.buf, self.offset, self.len, self.stride).unwrap()
    }
    pub fn to_vec(&self) -> Vec<T> {
        self.view().to_vec()
    }
}

/// Naive `A B` in f64.
pub fn matmul<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<f64> {
    Mat::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols())
            .map(|k| a[(i, k)].to_f64() * b[(k, j)].to_f64())
            .sum()
    })
}

/// Naive `|A| |B|` in f64 (the scale of the rounding error of `A B`).
pub fn abs_matmul<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<f64> {
    Mat::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols())
            .map(|k| (a[(i, k)].to_f64() * b[(k, j)].to_f64()).abs())
            .sum()
    })
}

pub fn eps<T: Scalar>() -> f64 {
    T::EPSILON.to_f64()
}

pub fn fro<T: Scalar>(a: MatRef<'_, T>) -> f64 {
    let mut s = 0.0;
    a.for_each(|_, _, &x| s += x.to_f64() * x.to_f64());
    s.sqrt()
}

pub fn fro64(a: &Mat<f64>) -> f64 {
    a.as_slice().iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `||X - Y||_F` with X in T and Y in f64.
pub fn diff_fro<T: Scalar>(x: MatRef<'_, T>, y: &Mat<f64>) -> f64 {
    assert_eq!(x.shape(), y.shape());
    let mut s = 0.0;
    x.for_each(|i, j, &v| {
        let d = v.to_f64() - y[(i, j)];
        s += d * d;
    });
    s.sqrt()
}

/// Asserts `|got - want| <= tol_ij` elementwise, with a message.
pub fn assert_close<T: Scalar>(got: MatRef<'_, T>, want: &Mat<f64>, tol: &Mat<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    got.for_each(|i, j, &g| {
        let (w, t) = (want[(i, j)], tol[(i, j)]);
        assert!(
            (g.to_f64() - w).abs() <= t,
            "{what}: ({i}, {j}): got {g}, want {w}, tol {t}"
        );
    });
}

/// `||Q^T Q - I||_F / (n eps)` for the columns of `q`.
pub fn orthogonality<T: Scalar>(q: MatRef<'_, T>) -> f64 {
    let qtq = matmul(q.t(), q);
    let k = q.cols();
    let mut s = 0.0;
    for i in 0..k {
        for j in 0..k {
            let d = qtq[(i, j)] - if i == j { 1.0 } else { 0.0 };
            s += d * d;
        }
    }
    s.sqrt() / (q.rows().max(1) as f64 * eps::<T>())
}

/// Runs a generic test body for f32 and f64.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[test]
            fn f32() {
                super::$body::<f32>();
            }
            #[test]
            fn f64() {
                super::$body::<f64>();
            }
        }
    };
}
