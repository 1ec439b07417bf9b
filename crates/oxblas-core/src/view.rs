//! Borrowed, strided views: [`MatRef`], [`MatMut`], [`VecRef`], [`VecMut`].

use core::fmt;
use core::marker::PhantomData;

use crate::layout::{check_bounds, check_no_overlap};
use crate::{Error, Mat, Result};

/// An immutable view of a `rows x cols` matrix with arbitrary (signed) strides.
///
/// Element `(i, j)` lives at `ptr + i * row_stride + j * col_stride`. Views are
/// built from slices by constructors that check bounds, so a view never reaches
/// outside its buffer. Transposing ([`MatRef::t`]) and taking sub-views never
/// copy. Views are `Copy`.
pub struct MatRef<'a, T> {
    ptr: *const T,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    _marker: PhantomData<&'a T>,
}

/// A mutable view of a `rows x cols` matrix with arbitrary (signed) strides.
///
/// Like [`MatRef`], plus the guarantee that no two indices share an element,
/// so disjoint sub-views may be written from different threads.
pub struct MatMut<'a, T> {
    ptr: *mut T,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    _marker: PhantomData<&'a mut T>,
}

/// An immutable strided vector view (a row, a column or a diagonal of a matrix).
pub struct VecRef<'a, T> {
    ptr: *const T,
    len: usize,
    stride: isize,
    _marker: PhantomData<&'a T>,
}

/// A mutable strided vector view. Distinct indices never share an element.
pub struct VecMut<'a, T> {
    ptr: *mut T,
    len: usize,
    stride: isize,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: a MatRef is a shared borrow of `T`s; sending or sharing it across
// threads is sound exactly when `&T` may be, i.e. when `T: Sync`.
unsafe impl<T: Sync> Send for MatRef<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for MatRef<'_, T> {}
// SAFETY: a MatMut is an exclusive borrow of distinct `T`s (checked at
// construction), so it behaves like `&mut [T]`.
unsafe impl<T: Send> Send for MatMut<'_, T> {}
// SAFETY: as above; `&MatMut` only gives shared access.
unsafe impl<T: Sync> Sync for MatMut<'_, T> {}
// SAFETY: as for MatRef.
unsafe impl<T: Sync> Send for VecRef<'_, T> {}
// SAFETY: as for MatRef.
unsafe impl<T: Sync> Sync for VecRef<'_, T> {}
// SAFETY: as for MatMut.
unsafe impl<T: Send> Send for VecMut<'_, T> {}
// SAFETY: as for MatMut.
unsafe impl<T: Sync> Sync for VecMut<'_, T> {}

impl<T> Clone for MatRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MatRef<'_, T> {}
impl<T> Clone for VecRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for VecRef<'_, T> {}

#[inline(always)]
fn offset(i: usize, j: usize, rs: isize, cs: isize) -> isize {
    (i as isize)
        .wrapping_mul(rs)
        .wrapping_add((j as isize).wrapping_mul(cs))
}

fn index_error(what: &str, idx: usize, len: usize) -> Error {
    Error::BadLayout(format!(
        "{what} {idx} is out of range for a dimension of {len}"
    ))
}

fn range_error(what: &str, start: usize, n: usize, len: usize) -> Error {
    Error::BadLayout(format!(
        "{what} range {start}..{} is out of range for a dimension of {len}",
        start.saturating_add(n)
    ))
}

macro_rules! shared_view_methods {
    () => {
        /// Number of rows.
        #[inline(always)]
        pub fn rows(&self) -> usize {
            self.rows
        }
        /// Number of columns.
        #[inline(always)]
        pub fn cols(&self) -> usize {
            self.cols
        }
        /// `(rows, cols)`.
        #[inline(always)]
        pub fn shape(&self) -> (usize, usize) {
            (self.rows, self.cols)
        }
        /// Distance in elements between `(i, j)` and `(i + 1, j)`.
        #[inline(always)]
        pub fn row_stride(&self) -> isize {
            self.rs
        }
        /// Distance in elements between `(i, j)` and `(i, j + 1)`.
        #[inline(always)]
        pub fn col_stride(&self) -> isize {
            self.cs
        }
        /// `true` if the view has no elements.
        #[inline(always)]
        pub fn is_empty(&self) -> bool {
            self.rows == 0 || self.cols == 0
        }
        /// `true` if the view is square.
        #[inline(always)]
        pub fn is_square(&self) -> bool {
            self.rows == self.cols
        }
        /// `true` if rows are contiguous (`col_stride == 1`, or one column).
        #[inline(always)]
        pub fn is_row_unit(&self) -> bool {
            self.cs == 1 || self.cols <= 1
        }
        /// `true` if columns are contiguous (`row_stride == 1`, or one row).
        #[inline(always)]
        pub fn is_col_unit(&self) -> bool {
            self.rs == 1 || self.rows <= 1
        }
        /// Address of element `(i, j)`. Only dereference it for `i < rows`, `j < cols`.
        #[inline(always)]
        pub fn ptr_at(&self, i: usize, j: usize) -> *const T {
            self.ptr.wrapping_offset(offset(i, j, self.rs, self.cs)) as *const T
        }
    };
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major view of `data` (`data.len() == rows * cols`).
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the length does not match.
    pub fn from_slice(data: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        check_len(data.len(), rows, cols)?;
        Self::from_parts(data, 0, rows, cols, cols as isize, 1)
    }

    /// A column-major (Fortran order) view of `data`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the length does not match.
    pub fn from_slice_col_major(data: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        check_len(data.len(), rows, cols)?;
        Self::from_parts(data, 0, rows, cols, 1, rows as isize)
    }

    /// A view of `data` starting at `offset` with the given strides, which may
    /// be negative or zero (broadcasting).
    ///
    /// # Errors
    /// [`Error::BadLayout`] if any element would fall outside `data`.
    pub fn from_parts(
        data: &'a [T],
        offset: usize,
        rows: usize,
        cols: usize,
        row_stride: isize,
        col_stride: isize,
    ) -> Result<Self> {
        check_bounds(data.len(), offset, rows, cols, row_stride, col_stride)?;
        Ok(MatRef {
            // `offset <= len` was checked, so this stays in (or one past) the buffer.
            ptr: data.as_ptr().wrapping_add(offset),
            rows,
            cols,
            rs: row_stride,
            cs: col_stride,
            _marker: PhantomData,
        })
    }

    /// A view from a raw pointer.
    ///
    /// # Safety
    /// For the lifetime `'a`, every `ptr + i * row_stride + j * col_stride`
    /// with `i < rows`, `j < cols` must point to an initialized `T` that is not
    /// written through any other path.
    pub unsafe fn from_raw_parts(
        ptr: *const T,
        rows: usize,
        cols: usize,
        row_stride: isize,
        col_stride: isize,
    ) -> Self {
        MatRef {
            ptr,
            rows,
            cols,
            rs: row_stride,
            cs: col_stride,
            _marker: PhantomData,
        }
    }

    shared_view_methods!();

    /// Pointer to element `(0, 0)`.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const T {
        self.ptr
    }

    /// Element `(i, j)`, or `None` if out of range.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> Option<&'a T> {
        if i < self.rows && j < self.cols {
            // SAFETY: in range, so inside the buffer checked at construction.
            Some(unsafe { &*self.ptr_at(i, j) })
        } else {
            None
        }
    }

    /// Element `(i, j)` without a bounds check.
    ///
    /// # Safety
    /// `i < rows` and `j < cols`.
    #[inline(always)]
    pub unsafe fn get_unchecked(&self, i: usize, j: usize) -> &'a T {
        debug_assert!(i < self.rows && j < self.cols);
        // SAFETY: the caller promises the index is in range.
        unsafe { &*self.ptr_at(i, j) }
    }

    /// The transpose, as a view (no copy).
    #[inline(always)]
    pub fn t(self) -> Self {
        MatRef {
            ptr: self.ptr,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            _marker: PhantomData,
        }
    }

    /// Rows in reverse order (like numpy's `a[::-1]`).
    pub fn reverse_rows(self) -> Self {
        if self.rows == 0 {
            return self;
        }
        MatRef {
            ptr: self.ptr_at(self.rows - 1, 0),
            rs: self.rs.wrapping_neg(),
            ..self
        }
    }

    /// Columns in reverse order (like numpy's `a[:, ::-1]`).
    pub fn reverse_cols(self) -> Self {
        self.t().reverse_rows().t()
    }

    /// The `nrows x ncols` block starting at `(row, col)`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the block does not fit.
    pub fn submatrix(self, row: usize, col: usize, nrows: usize, ncols: usize) -> Result<Self> {
        check_range("row", row, nrows, self.rows)?;
        check_range("column", col, ncols, self.cols)?;
        // SAFETY: the block lies inside this view.
        Ok(unsafe { self.submatrix_unchecked(row, col, nrows, ncols) })
    }

    /// [`MatRef::submatrix`] without the check.
    ///
    /// # Safety
    /// `row + nrows <= rows` and `col + ncols <= cols`.
    #[inline(always)]
    pub unsafe fn submatrix_unchecked(
        self,
        row: usize,
        col: usize,
        nrows: usize,
        ncols: usize,
    ) -> Self {
        debug_assert!(row + nrows <= self.rows && col + ncols <= self.cols);
        MatRef {
            ptr: self.ptr_at(row.min(self.rows), col.min(self.cols)),
            rows: nrows,
            cols: ncols,
            ..self
        }
    }

    /// Splits into rows `..i` and `i..`.
    ///
    /// # Panics
    /// If `i > rows` (like `slice::split_at`; meant for kernels).
    pub fn split_at_row(self, i: usize) -> (Self, Self) {
        assert!(i <= self.rows, "split_at_row: {i} > {}", self.rows);
        // SAFETY: both blocks lie inside this view.
        unsafe {
            (
                self.submatrix_unchecked(0, 0, i, self.cols),
                self.submatrix_unchecked(i, 0, self.rows - i, self.cols),
            )
        }
    }

    /// Splits into columns `..j` and `j..`.
    ///
    /// # Panics
    /// If `j > cols` (like `slice::split_at`; meant for kernels).
    pub fn split_at_col(self, j: usize) -> (Self, Self) {
        let (a, b) = self.t().split_at_row(j);
        (a.t(), b.t())
    }

    /// Row `i` as a vector view.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if `i >= rows`.
    pub fn row(self, i: usize) -> Result<VecRef<'a, T>> {
        if i >= self.rows {
            return Err(index_error("row", i, self.rows));
        }
        Ok(VecRef {
            ptr: self.ptr_at(i, 0),
            len: self.cols,
            stride: self.cs,
            _marker: PhantomData,
        })
    }

    /// Column `j` as a vector view.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if `j >= cols`.
    pub fn col(self, j: usize) -> Result<VecRef<'a, T>> {
        self.t().row(j)
    }

    /// The main diagonal, of length `min(rows, cols)`.
    pub fn diag(self) -> VecRef<'a, T> {
        VecRef {
            ptr: self.ptr,
            len: self.rows.min(self.cols),
            stride: self.rs.wrapping_add(self.cs),
            _marker: PhantomData,
        }
    }

    /// Row `i` as a slice, if the row is contiguous (`col_stride == 1`).
    pub fn row_slice(self, i: usize) -> Option<&'a [T]> {
        if i >= self.rows || !(self.cs == 1 || self.cols <= 1) {
            return None;
        }
        // SAFETY: the row's `cols` elements are contiguous and in bounds.
        Some(unsafe { core::slice::from_raw_parts(self.ptr_at(i, 0), self.cols) })
    }

    /// The whole view as one row-major slice, if it is contiguous in C order.
    pub fn as_row_major_slice(self) -> Option<&'a [T]> {
        if self.is_empty() {
            return Some(&[]);
        }
        let dense =
            (self.cs == 1 || self.cols == 1) && (self.rows == 1 || self.rs == self.cols as isize);
        // SAFETY: dense C order: rows*cols contiguous elements from ptr, all in bounds.
        dense.then(|| unsafe { core::slice::from_raw_parts(self.ptr, self.rows * self.cols) })
    }

    /// Calls `f(i, j, &a_ij)` for every element, row by row.
    pub fn for_each(self, mut f: impl FnMut(usize, usize, &'a T)) {
        for i in 0..self.rows {
            for j in 0..self.cols {
                // SAFETY: i < rows, j < cols.
                f(i, j, unsafe { self.get_unchecked(i, j) });
            }
        }
    }
}

impl<T: Copy> MatRef<'_, T> {
    /// Copies the view into an owned row-major matrix.
    pub fn to_owned(&self) -> Mat<T> {
        let mut data = Vec::with_capacity(self.rows * self.cols);
        for i in 0..self.rows {
            for j in 0..self.cols {
                // SAFETY: i < rows, j < cols.
                data.push(unsafe { *self.get_unchecked(i, j) });
            }
        }
        Mat::from_vec_unchecked(self.rows, self.cols, data)
    }

    /// `true` if `pred` holds for every element.
    pub fn all(&self, mut pred: impl FnMut(T) -> bool) -> bool {
        (0..self.rows).all(|i| {
            (0..self.cols).all(|j| {
                // SAFETY: i < rows, j < cols.
                pred(unsafe { *self.get_unchecked(i, j) })
            })
        })
    }
}

impl<T> core::ops::Index<(usize, usize)> for MatRef<'_, T> {
    type Output = T;
    /// # Panics
    /// If the index is out of range (like slice indexing).
    fn index(&self, (i, j): (usize, usize)) -> &T {
        match self.get(i, j) {
            Some(x) => x,
            None => panic!(
                "index ({i}, {j}) out of range for a {}x{} matrix",
                self.rows, self.cols
            ),
        }
    }
}

impl<'a, T> MatMut<'a, T> {
    /// A mutable row-major view of `data` (`data.len() == rows * cols`).
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the length does not match.
    pub fn from_slice(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self> {
        check_len(data.len(), rows, cols)?;
        Self::from_parts(data, 0, rows, cols, cols as isize, 1)
    }

    /// A mutable column-major view of `data`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the length does not match.
    pub fn from_slice_col_major(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self> {
        check_len(data.len(), rows, cols)?;
        Self::from_parts(data, 0, rows, cols, 1, rows as isize)
    }

    /// A mutable view of `data` starting at `offset` with the given strides.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if any element would fall outside `data`, or if two
    /// indices would share an element (zero or overlapping strides).
    pub fn from_parts(
        data: &'a mut [T],
        offset: usize,
        rows: usize,
        cols: usize,
        row_stride: isize,
        col_stride: isize,
    ) -> Result<Self> {
        check_bounds(data.len(), offset, rows, cols, row_stride, col_stride)?;
        check_no_overlap(rows, cols, row_stride, col_stride)?;
        Ok(MatMut {
            ptr: data.as_mut_ptr().wrapping_add(offset),
            rows,
            cols,
            rs: row_stride,
            cs: col_stride,
            _marker: PhantomData,
        })
    }

    /// A mutable view from a raw pointer.
    ///
    /// # Safety
    /// For the lifetime `'a`, every `ptr + i * row_stride + j * col_stride`
    /// with `i < rows`, `j < cols` must point to an initialized `T` that no
    /// other path reads or writes, and distinct indices must give distinct
    /// addresses.
    pub unsafe fn from_raw_parts(
        ptr: *mut T,
        rows: usize,
        cols: usize,
        row_stride: isize,
        col_stride: isize,
    ) -> Self {
        MatMut {
            ptr,
            rows,
            cols,
            rs: row_stride,
            cs: col_stride,
            _marker: PhantomData,
        }
    }

    shared_view_methods!();

    /// Pointer to element `(0, 0)`.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const T {
        self.ptr
    }

    /// Mutable pointer to element `(0, 0)`.
    #[inline(always)]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr
    }

    /// Mutable address of element `(i, j)`. Only dereference it in range.
    #[inline(always)]
    pub fn ptr_at_mut(&mut self, i: usize, j: usize) -> *mut T {
        self.ptr.wrapping_offset(offset(i, j, self.rs, self.cs))
    }

    /// A shorter-lived immutable view of the same elements.
    #[inline(always)]
    pub fn rb(&self) -> MatRef<'_, T> {
        MatRef {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
            _marker: PhantomData,
        }
    }

    /// A shorter-lived mutable view of the same elements.
    #[inline(always)]
    pub fn rb_mut(&mut self) -> MatMut<'_, T> {
        MatMut {
            _marker: PhantomData,
            ..*self
        }
    }

    /// Turns this into an immutable view with the same lifetime.
    #[inline(always)]
    pub fn into_ref(self) -> MatRef<'a, T> {
        MatRef {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
            _marker: PhantomData,
        }
    }

    /// Element `(i, j)`, or `None` if out of range.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> Option<&T> {
        self.rb().get(i, j)
    }

    /// Mutable element `(i, j)`, or `None` if out of range.
    #[inline]
    pub fn get_mut(&mut self, i: usize, j: usize) -> Option<&mut T> {
        if i < self.rows && j < self.cols {
            // SAFETY: in range, so in the buffer; `&mut self` makes it exclusive.
            Some(unsafe { &mut *self.ptr_at_mut(i, j) })
        } else {
            None
        }
    }

    /// Mutable element `(i, j)` without a bounds check.
    ///
    /// # Safety
    /// `i < rows` and `j < cols`.
    #[inline(always)]
    pub unsafe fn get_unchecked_mut(&mut self, i: usize, j: usize) -> &mut T {
        debug_assert!(i < self.rows && j < self.cols);
        // SAFETY: the caller promises the index is in range.
        unsafe { &mut *self.ptr_at_mut(i, j) }
    }

    /// The transpose, as a mutable view.
    #[inline(always)]
    pub fn t(self) -> Self {
        MatMut {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Rows in reverse order.
    pub fn reverse_rows(mut self) -> Self {
        if self.rows == 0 {
            return self;
        }
        let ptr = self.ptr_at_mut(self.rows - 1, 0);
        MatMut {
            ptr,
            rs: self.rs.wrapping_neg(),
            ..self
        }
    }

    /// The mutable `nrows x ncols` block starting at `(row, col)`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the block does not fit.
    pub fn submatrix(self, row: usize, col: usize, nrows: usize, ncols: usize) -> Result<Self> {
        check_range("row", row, nrows, self.rows)?;
        check_range("column", col, ncols, self.cols)?;
        // SAFETY: checked just above.
        Ok(unsafe { self.submatrix_unchecked(row, col, nrows, ncols) })
    }

    /// [`MatMut::submatrix`] without the check.
    ///
    /// # Safety
    /// `row + nrows <= rows` and `col + ncols <= cols`.
    #[inline(always)]
    pub unsafe fn submatrix_unchecked(
        mut self,
        row: usize,
        col: usize,
        nrows: usize,
        ncols: usize,
    ) -> Self {
        debug_assert!(row + nrows <= self.rows && col + ncols <= self.cols);
        let ptr = self.ptr_at_mut(row.min(self.rows), col.min(self.cols));
        MatMut {
            ptr,
            rows: nrows,
            cols: ncols,
            ..self
        }
    }

    /// Splits into the disjoint row blocks `..i` and `i..`.
    ///
    /// # Panics
    /// If `i > rows` (like `slice::split_at_mut`; meant for kernels).
    pub fn split_at_row(self, i: usize) -> (Self, Self) {
        assert!(i <= self.rows, "split_at_row: {i} > {}", self.rows);
        let (rows, cols) = (self.rows, self.cols);
        let copy = MatMut {
            _marker: PhantomData,
            ..self
        };
        // SAFETY: the blocks lie inside this view and are disjoint, because a
        // MatMut never maps two indices to one element.
        unsafe {
            (
                copy.submatrix_unchecked(0, 0, i, cols),
                self.submatrix_unchecked(i, 0, rows - i, cols),
            )
        }
    }

    /// Splits into the disjoint column blocks `..j` and `j..`.
    ///
    /// # Panics
    /// If `j > cols`.
    pub fn split_at_col(self, j: usize) -> (Self, Self) {
        let (a, b) = self.t().split_at_row(j);
        (a.t(), b.t())
    }

    /// Mutable row `i`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if `i >= rows`.
    pub fn row(mut self, i: usize) -> Result<VecMut<'a, T>> {
        if i >= self.rows {
            return Err(index_error("row", i, self.rows));
        }
        Ok(VecMut {
            ptr: self.ptr_at_mut(i, 0),
            len: self.cols,
            stride: self.cs,
            _marker: PhantomData,
        })
    }

    /// Mutable column `j`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if `j >= cols`.
    pub fn col(self, j: usize) -> Result<VecMut<'a, T>> {
        self.t().row(j)
    }

    /// The mutable main diagonal.
    pub fn diag(self) -> VecMut<'a, T> {
        VecMut {
            ptr: self.ptr,
            len: self.rows.min(self.cols),
            stride: self.rs.wrapping_add(self.cs),
            _marker: PhantomData,
        }
    }

    /// Row `i` as a mutable slice, if contiguous.
    pub fn row_slice(&mut self, i: usize) -> Option<&mut [T]> {
        if i >= self.rows || !(self.cs == 1 || self.cols <= 1) {
            return None;
        }
        let p = self.ptr_at_mut(i, 0);
        // SAFETY: the row's elements are contiguous, in bounds, and exclusively borrowed.
        Some(unsafe { core::slice::from_raw_parts_mut(p, self.cols) })
    }

    /// The whole view as one mutable row-major slice, if contiguous in C order.
    pub fn as_row_major_slice(&mut self) -> Option<&mut [T]> {
        if self.is_empty() {
            return Some(&mut []);
        }
        let dense =
            (self.cs == 1 || self.cols == 1) && (self.rows == 1 || self.rs == self.cols as isize);
        // SAFETY: dense C order, in bounds, exclusively borrowed.
        dense.then(|| unsafe { core::slice::from_raw_parts_mut(self.ptr, self.rows * self.cols) })
    }
}

impl<T: Copy> MatMut<'_, T> {
    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        for i in 0..self.rows {
            for j in 0..self.cols {
                // SAFETY: i < rows, j < cols.
                unsafe { *self.get_unchecked_mut(i, j) = value };
            }
        }
    }

    /// Copies `src` (same shape) into this view.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if the shapes differ.
    pub fn copy_from(&mut self, src: MatRef<'_, T>) -> Result<()> {
        if src.shape() != self.shape() {
            return Err(Error::DimensionMismatch {
                op: crate::Op::Copy,
                expected: format!("{}x{}", self.rows, self.cols),
                found: format!("{}x{}", src.rows(), src.cols()),
            });
        }
        for i in 0..self.rows {
            for j in 0..self.cols {
                // SAFETY: in range for both (same shape). If `src` aliases `self`
                // (only possible through raw-pointer constructors, whose contract
                // forbids it) this would still only read and write valid Ts.
                unsafe { *self.get_unchecked_mut(i, j) = *src.get_unchecked(i, j) };
            }
        }
        Ok(())
    }

    /// Copies the view into an owned matrix.
    pub fn to_owned(&self) -> Mat<T> {
        self.rb().to_owned()
    }
}

impl<T> core::ops::Index<(usize, usize)> for MatMut<'_, T> {
    type Output = T;
    fn index(&self, (i, j): (usize, usize)) -> &T {
        match self.get(i, j) {
            Some(x) => x,
            None => panic!(
                "index ({i}, {j}) out of range for a {}x{} matrix",
                self.rows, self.cols
            ),
        }
    }
}

impl<T> core::ops::IndexMut<(usize, usize)> for MatMut<'_, T> {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        let (r, c) = (self.rows, self.cols);
        match self.get_mut(i, j) {
            Some(x) => x,
            None => panic!("index ({i}, {j}) out of range for a {r}x{c} matrix"),
        }
    }
}

impl<'a, T> VecRef<'a, T> {
    /// A view of `len` elements of `data` starting at `offset`, `stride` apart.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if an element would fall outside `data`.
    pub fn from_parts(data: &'a [T], offset: usize, len: usize, stride: isize) -> Result<Self> {
        check_bounds(data.len(), offset, len, 1, stride, 1)?;
        Ok(VecRef {
            ptr: data.as_ptr().wrapping_add(offset),
            len,
            stride,
            _marker: PhantomData,
        })
    }

    /// A vector view from a raw pointer.
    ///
    /// # Safety
    /// For `'a`, every `ptr + i * stride` with `i < len` must point to an
    /// initialized `T` that is not written through any other path.
    pub unsafe fn from_raw_parts(ptr: *const T, len: usize, stride: isize) -> Self {
        VecRef {
            ptr,
            len,
            stride,
            _marker: PhantomData,
        }
    }

    /// Number of elements.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    /// `true` if there are no elements.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Distance in elements between consecutive entries.
    #[inline(always)]
    pub fn stride(&self) -> isize {
        self.stride
    }
    /// Pointer to element 0.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const T {
        self.ptr
    }
    /// Address of element `i`; only dereference it for `i < len`.
    #[inline(always)]
    pub fn ptr_at(&self, i: usize) -> *const T {
        self.ptr
            .wrapping_offset((i as isize).wrapping_mul(self.stride))
    }
    /// Element `i`, or `None` if out of range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a T> {
        // SAFETY: in range, so inside the buffer.
        (i < self.len).then(|| unsafe { &*self.ptr_at(i) })
    }
    /// Element `i` without a bounds check.
    ///
    /// # Safety
    /// `i < len`.
    #[inline(always)]
    pub unsafe fn get_unchecked(&self, i: usize) -> &'a T {
        debug_assert!(i < self.len);
        // SAFETY: the caller promises `i < len`.
        unsafe { &*self.ptr_at(i) }
    }
    /// The elements as a slice, if contiguous (`stride == 1` or `len <= 1`).
    pub fn as_slice(&self) -> Option<&'a [T]> {
        // SAFETY: contiguous and in bounds.
        (self.stride == 1 || self.len <= 1)
            .then(|| unsafe { core::slice::from_raw_parts(self.ptr, self.len) })
    }
    /// The vector in reverse order.
    pub fn reverse(self) -> Self {
        if self.len == 0 {
            return self;
        }
        VecRef {
            ptr: self.ptr_at(self.len - 1),
            stride: self.stride.wrapping_neg(),
            ..self
        }
    }
    /// Elements `start..start + len`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the range does not fit.
    pub fn subvector(self, start: usize, len: usize) -> Result<Self> {
        check_range("element", start, len, self.len)?;
        Ok(VecRef {
            ptr: self.ptr_at(start),
            len,
            ..self
        })
    }
    /// The vector as an `len x 1` matrix view.
    pub fn as_col(self) -> MatRef<'a, T> {
        MatRef {
            ptr: self.ptr,
            rows: self.len,
            cols: 1,
            rs: self.stride,
            cs: 1,
            _marker: PhantomData,
        }
    }
    /// The vector as a `1 x len` matrix view.
    pub fn as_row(self) -> MatRef<'a, T> {
        self.as_col().t()
    }
    /// Iterates over the elements.
    pub fn iter(self) -> impl ExactSizeIterator<Item = &'a T> + Clone + 'a
    where
        T: 'a,
    {
        // SAFETY: i < len.
        (0..self.len).map(move |i| unsafe { self.get_unchecked(i) })
    }
}

impl<T: Copy> VecRef<'_, T> {
    /// Copies the elements into a `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().copied().collect()
    }
}

impl<'a, T> From<&'a [T]> for VecRef<'a, T> {
    fn from(s: &'a [T]) -> Self {
        VecRef {
            ptr: s.as_ptr(),
            len: s.len(),
            stride: 1,
            _marker: PhantomData,
        }
    }
}
impl<'a, T> From<&'a Vec<T>> for VecRef<'a, T> {
    fn from(s: &'a Vec<T>) -> Self {
        s.as_slice().into()
    }
}
impl<'a, T, const N: usize> From<&'a [T; N]> for VecRef<'a, T> {
    fn from(s: &'a [T; N]) -> Self {
        s.as_slice().into()
    }
}
impl<'a, T> From<&'a mut [T]> for VecRef<'a, T> {
    fn from(s: &'a mut [T]) -> Self {
        (&*s).into()
    }
}

impl<T> core::ops::Index<usize> for VecRef<'_, T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(x) => x,
            None => panic!("index {i} out of range for a vector of length {}", self.len),
        }
    }
}

impl<'a, T> VecMut<'a, T> {
    /// A mutable view of `len` elements of `data` starting at `offset`, `stride` apart.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if an element would fall outside `data`, or if
    /// `stride == 0` with more than one element.
    pub fn from_parts(data: &'a mut [T], offset: usize, len: usize, stride: isize) -> Result<Self> {
        check_bounds(data.len(), offset, len, 1, stride, 1)?;
        check_no_overlap(len, 1, stride, 1)?;
        Ok(VecMut {
            ptr: data.as_mut_ptr().wrapping_add(offset),
            len,
            stride,
            _marker: PhantomData,
        })
    }

    /// A mutable vector view from a raw pointer.
    ///
    /// # Safety
    /// For `'a`, every `ptr + i * stride` with `i < len` must point to an
    /// initialized `T` that no other path accesses, and the addresses must be
    /// distinct.
    pub unsafe fn from_raw_parts(ptr: *mut T, len: usize, stride: isize) -> Self {
        VecMut {
            ptr,
            len,
            stride,
            _marker: PhantomData,
        }
    }

    /// Number of elements.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    /// `true` if there are no elements.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Distance in elements between consecutive entries.
    #[inline(always)]
    pub fn stride(&self) -> isize {
        self.stride
    }
    /// Mutable pointer to element 0.
    #[inline(always)]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr
    }
    /// Mutable address of element `i`; only dereference it for `i < len`.
    #[inline(always)]
    pub fn ptr_at_mut(&mut self, i: usize) -> *mut T {
        self.ptr
            .wrapping_offset((i as isize).wrapping_mul(self.stride))
    }
    /// A shorter-lived immutable view.
    #[inline(always)]
    pub fn rb(&self) -> VecRef<'_, T> {
        VecRef {
            ptr: self.ptr,
            len: self.len,
            stride: self.stride,
            _marker: PhantomData,
        }
    }
    /// A shorter-lived mutable view.
    #[inline(always)]
    pub fn rb_mut(&mut self) -> VecMut<'_, T> {
        VecMut {
            _marker: PhantomData,
            ..*self
        }
    }
    /// Turns this into an immutable view with the same lifetime.
    pub fn into_ref(self) -> VecRef<'a, T> {
        VecRef {
            ptr: self.ptr,
            len: self.len,
            stride: self.stride,
            _marker: PhantomData,
        }
    }
    /// Mutable element `i`, or `None` if out of range.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i < self.len {
            // SAFETY: in range; exclusive through `&mut self`.
            Some(unsafe { &mut *self.ptr_at_mut(i) })
        } else {
            None
        }
    }
    /// Mutable element `i` without a bounds check.
    ///
    /// # Safety
    /// `i < len`.
    #[inline(always)]
    pub unsafe fn get_unchecked_mut(&mut self, i: usize) -> &mut T {
        debug_assert!(i < self.len);
        // SAFETY: the caller promises `i < len`.
        unsafe { &mut *self.ptr_at_mut(i) }
    }
    /// The elements as a mutable slice, if contiguous.
    pub fn as_mut_slice(&mut self) -> Option<&mut [T]> {
        // SAFETY: contiguous, in bounds, exclusively borrowed.
        (self.stride == 1 || self.len <= 1)
            .then(|| unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) })
    }
    /// The vector in reverse order.
    pub fn reverse(mut self) -> Self {
        if self.len == 0 {
            return self;
        }
        let ptr = self.ptr_at_mut(self.len - 1);
        VecMut {
            ptr,
            stride: self.stride.wrapping_neg(),
            ..self
        }
    }
    /// Elements `start..start + len`.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the range does not fit.
    pub fn subvector(mut self, start: usize, len: usize) -> Result<Self> {
        check_range("element", start, len, self.len)?;
        let ptr = self.ptr_at_mut(start);
        Ok(VecMut { ptr, len, ..self })
    }
    /// The vector as a mutable `len x 1` matrix view.
    pub fn as_col(self) -> MatMut<'a, T> {
        MatMut {
            ptr: self.ptr,
            rows: self.len,
            cols: 1,
            rs: self.stride,
            cs: 1,
            _marker: PhantomData,
        }
    }
}

impl<T: Copy> VecMut<'_, T> {
    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        for i in 0..self.len {
            // SAFETY: i < len.
            unsafe { *self.get_unchecked_mut(i) = value };
        }
    }
    /// Copies the elements into a `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        self.rb().to_vec()
    }
}

impl<'a, T> From<&'a mut [T]> for VecMut<'a, T> {
    fn from(s: &'a mut [T]) -> Self {
        VecMut {
            ptr: s.as_mut_ptr(),
            len: s.len(),
            stride: 1,
            _marker: PhantomData,
        }
    }
}
impl<'a, T> From<&'a mut Vec<T>> for VecMut<'a, T> {
    fn from(s: &'a mut Vec<T>) -> Self {
        s.as_mut_slice().into()
    }
}
impl<'a, T, const N: usize> From<&'a mut [T; N]> for VecMut<'a, T> {
    fn from(s: &'a mut [T; N]) -> Self {
        s.as_mut_slice().into()
    }
}

impl<T> core::ops::Index<usize> for VecMut<'_, T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        let len = self.len;
        match self.rb().get(i) {
            // SAFETY: re-borrow with the lifetime of `&self`: the element is in range.
            Some(_) => unsafe {
                &*self
                    .ptr
                    .wrapping_offset((i as isize).wrapping_mul(self.stride))
            },
            None => panic!("index {i} out of range for a vector of length {len}"),
        }
    }
}

impl<T> core::ops::IndexMut<usize> for VecMut<'_, T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len;
        match self.get_mut(i) {
            Some(x) => x,
            None => panic!("index {i} out of range for a vector of length {len}"),
        }
    }
}

fn check_len(len: usize, rows: usize, cols: usize) -> Result<()> {
    if rows.checked_mul(cols) != Some(len) {
        return Err(Error::BadLayout(format!(
            "a {rows}x{cols} matrix needs {} elements, the slice has {len}",
            rows as u128 * cols as u128
        )));
    }
    Ok(())
}

fn check_range(what: &str, start: usize, n: usize, len: usize) -> Result<()> {
    if start.checked_add(n).is_none_or(|end| end > len) {
        return Err(range_error(what, start, n, len));
    }
    Ok(())
}

fn fmt_matrix<T: fmt::Debug>(m: MatRef<'_, T>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "[{}x{}]", m.rows(), m.cols())?;
    for i in 0..m.rows() {
        f.write_str("[")?;
        for j in 0..m.cols() {
            if j > 0 {
                f.write_str(", ")?;
            }
            // SAFETY: i < rows, j < cols.
            fmt::Debug::fmt(unsafe { m.get_unchecked(i, j) }, f)?;
        }
        f.write_str("]\n")?;
    }
    Ok(())
}

impl<T: fmt::Debug> fmt::Debug for MatRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_matrix(*self, f)
    }
}
impl<T: fmt::Debug> fmt::Debug for MatMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_matrix(self.rb(), f)
    }
}
impl<T: fmt::Debug> fmt::Debug for VecRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
impl<T: fmt::Debug> fmt::Debug for VecMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.rb().iter()).finish()
    }
}
