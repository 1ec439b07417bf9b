//! Storage layouts for test operands: the same logical matrix stored
//! row-major, column-major, padded, with non-unit strides on both axes, or
//! with negative strides, inside a larger buffer whose unused elements hold a
//! sentinel (NaN), so that a backend reading outside the view shows up as NaN
//! in its result, and one writing outside it is caught by
//! [`Stored::padding_is_intact`].

use oxblas_core::{Mat, MatMut, MatRef, Scalar, VecMut, VecRef};

/// How a [`Stored`] matrix is laid out in its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Dense C order: `row_stride = cols`, `col_stride = 1`.
    RowMajor,
    /// Dense Fortran order: `row_stride = 1`, `col_stride = rows`.
    ColMajor,
    /// C order with 3 unused elements after each row (`row_stride = cols + 3`).
    Padded,
    /// No unit stride at all: `col_stride = 2`, `row_stride = 2 cols + 1`.
    Strided,
    /// Rows in reverse memory order (`row_stride = -(cols + 1)`), like numpy's `a[::-1]`.
    RevRows,
    /// Columns in reverse memory order, column-major (`col_stride = -(rows + 2)`).
    RevCols,
}

impl Layout {
    /// Every layout.
    pub const ALL: [Layout; 6] = [
        Layout::RowMajor,
        Layout::ColMajor,
        Layout::Padded,
        Layout::Strided,
        Layout::RevRows,
        Layout::RevCols,
    ];

    /// `(row_stride, col_stride)` for a `rows x cols` matrix.
    pub fn strides(self, rows: usize, cols: usize) -> (isize, isize) {
        let (r, c) = (rows as isize, cols as isize);
        match self {
            Layout::RowMajor => (c.max(1), 1),
            Layout::ColMajor => (1, r.max(1)),
            Layout::Padded => (c + 3, 1),
            Layout::Strided => (2 * c + 1, 2),
            Layout::RevRows => (-(c + 1), 1),
            Layout::RevCols => (1, -(r + 2)),
        }
    }
}

/// A matrix stored in a buffer with a given [`Layout`], padding filled with NaN.
#[derive(Clone, Debug)]
pub struct Stored<T> {
    buf: Vec<T>,
    offset: usize,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
}

impl<T: Scalar> Stored<T> {
    /// Stores a copy of `a` with `layout`.
    pub fn new(a: MatRef<'_, T>, layout: Layout) -> Self {
        let (rows, cols) = a.shape();
        let (rs, cs) = layout.strides(rows, cols);
        let ext = |n: usize, s: isize| (n.saturating_sub(1) as isize) * s;
        let (er, ec) = (ext(rows, rs), ext(cols, cs));
        // One sentinel element before the lowest address and two after the highest.
        let offset = (1 - er.min(0) - ec.min(0)) as usize;
        let len = offset + (er.max(0) + ec.max(0)) as usize + 3;
        let mut s = Stored {
            buf: vec![T::NAN; len],
            offset,
            rows,
            cols,
            rs,
            cs,
        };
        let mut v = s.view_mut();
        v.copy_from(a).expect("same shape");
        s
    }

    /// Stores `a` with `layout`.
    pub fn from_mat(a: &Mat<T>, layout: Layout) -> Self {
        Self::new(a.as_ref(), layout)
    }

    /// The view (`rows x cols`, with the layout's strides).
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef::from_parts(
            &self.buf,
            self.offset,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .expect("Stored: view in bounds by construction")
    }

    /// The mutable view.
    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        MatMut::from_parts(
            &mut self.buf,
            self.offset,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .expect("Stored: view in bounds and non-overlapping by construction")
    }

    /// The matrix as an owned row-major copy.
    pub fn to_mat(&self) -> Mat<T> {
        self.view().to_owned()
    }

    /// `true` if every buffer element outside the view is still NaN.
    pub fn padding_is_intact(&self) -> bool {
        let mut inside = vec![false; self.buf.len()];
        for i in 0..self.rows {
            for j in 0..self.cols {
                let p = self.offset as isize + i as isize * self.rs + j as isize * self.cs;
                inside[p as usize] = true;
            }
        }
        self.buf
            .iter()
            .zip(&inside)
            .all(|(x, &ins)| ins || x.is_nan())
    }
}

/// A vector stored with a stride (possibly negative) inside a NaN-padded buffer.
#[derive(Clone, Debug)]
pub struct StoredVec<T> {
    buf: Vec<T>,
    offset: usize,
    len: usize,
    stride: isize,
}

impl<T: Scalar> StoredVec<T> {
    /// Stores `x` with element stride `stride` (non-zero).
    pub fn new(x: &[T], stride: isize) -> Self {
        assert!(stride != 0);
        let len = x.len();
        let ext = (len.saturating_sub(1) as isize) * stride;
        let offset = (1 - ext.min(0)) as usize;
        let buf_len = offset + ext.max(0) as usize + 3;
        let mut buf = vec![T::NAN; buf_len];
        for (i, &v) in x.iter().enumerate() {
            buf[(offset as isize + i as isize * stride) as usize] = v;
        }
        StoredVec {
            buf,
            offset,
            len,
            stride,
        }
    }

    /// The view.
    pub fn view(&self) -> VecRef<'_, T> {
        VecRef::from_parts(&self.buf, self.offset, self.len, self.stride)
            .expect("StoredVec: in bounds by construction")
    }

    /// The mutable view.
    pub fn view_mut(&mut self) -> VecMut<'_, T> {
        VecMut::from_parts(&mut self.buf, self.offset, self.len, self.stride)
            .expect("StoredVec: in bounds by construction")
    }

    /// The elements, in order.
    pub fn to_vec(&self) -> Vec<T> {
        self.view().to_vec()
    }

    /// `true` if every buffer element outside the view is still NaN.
    pub fn padding_is_intact(&self) -> bool {
        let mut inside = vec![false; self.buf.len()];
        for i in 0..self.len {
            inside[(self.offset as isize + i as isize * self.stride) as usize] = true;
        }
        self.buf
            .iter()
            .zip(&inside)
            .all(|(x, &ins)| ins || x.is_nan())
    }
}

/// The strides vector tests run through: unit, non-unit, negative.
pub const VEC_STRIDES: [isize; 4] = [1, 3, -1, -2];
