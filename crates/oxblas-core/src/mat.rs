//! The owned, row-major matrix [`Mat`].

use core::fmt;

use crate::{Error, MatMut, MatRef, Result, Scalar};

/// An owned matrix stored in row-major (C) order, like numpy's default.
///
/// Borrow it as a view with [`Mat::as_ref`] / [`Mat::as_mut`]; transpose for
/// free with [`Mat::t`].
#[derive(Clone, PartialEq)]
pub struct Mat<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
}

impl<T> Mat<T> {
    /// A matrix from row-major data.
    ///
    /// # Errors
    /// [`Error::BadLayout`] if `data.len() != rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) || data.len() > isize::MAX as usize {
            return Err(Error::BadLayout(format!(
                "a {rows}x{cols} matrix needs {} elements, the vector has {}",
                rows as u128 * cols as u128,
                data.len()
            )));
        }
        Ok(Mat { data, rows, cols })
    }

    pub(crate) fn from_vec_unchecked(rows: usize, cols: usize, data: Vec<T>) -> Self {
        debug_assert_eq!(rows * cols, data.len());
        Mat { data, rows, cols }
    }

    /// A matrix whose element `(i, j)` is `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Mat { data, rows, cols }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
    /// `true` if the matrix has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }
    /// The elements in row-major order, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// The row-major element vector.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
    /// An immutable view of the whole matrix.
    pub fn as_ref(&self) -> MatRef<'_, T> {
        // SAFETY: `data` holds exactly rows*cols elements in C order.
        unsafe {
            MatRef::from_raw_parts(
                self.data.as_ptr(),
                self.rows,
                self.cols,
                self.cols as isize,
                1,
            )
        }
    }
    /// A mutable view of the whole matrix.
    pub fn as_mut(&mut self) -> MatMut<'_, T> {
        // SAFETY: as above; distinct indices are distinct elements in C order,
        // and `&mut self` makes the borrow exclusive.
        unsafe {
            MatMut::from_raw_parts(
                self.data.as_mut_ptr(),
                self.rows,
                self.cols,
                self.cols as isize,
                1,
            )
        }
    }
    /// The transpose, as a view (no copy).
    pub fn t(&self) -> MatRef<'_, T> {
        self.as_ref().t()
    }
    /// Element `(i, j)`, or `None` if out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<&T> {
        (i < self.rows && j < self.cols).then(|| &self.data[i * self.cols + j])
    }
    /// Mutable element `(i, j)`, or `None` if out of range.
    pub fn get_mut(&mut self, i: usize, j: usize) -> Option<&mut T> {
        (i < self.rows && j < self.cols).then(|| &mut self.data[i * self.cols + j])
    }
    /// Row `i` as a slice.
    ///
    /// # Panics
    /// If `i >= rows`.
    pub fn row(&self, i: usize) -> &[T] {
        assert!(i < self.rows, "row {i} out of range for {} rows", self.rows);
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    /// Row `i` as a mutable slice.
    ///
    /// # Panics
    /// If `i >= rows`.
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        assert!(i < self.rows, "row {i} out of range for {} rows", self.rows);
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }
    /// Applies `f` to every element, giving a new matrix.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Mat<U> {
        Mat {
            data: self.data.iter().map(f).collect(),
            rows: self.rows,
            cols: self.cols,
        }
    }
}

impl<T: Clone> Mat<T> {
    /// A `rows x cols` matrix with every element `value`.
    pub fn filled(rows: usize, cols: usize, value: T) -> Self {
        Mat {
            data: vec![value; rows * cols],
            rows,
            cols,
        }
    }

    /// A matrix from rows given as slices (`from_rows(&[[1.0, 2.0], [3.0, 4.0]])`).
    ///
    /// # Errors
    /// [`Error::BadLayout`] if the rows differ in length.
    pub fn from_rows<R: AsRef<[T]>>(rows: &[R]) -> Result<Self> {
        let cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != cols {
                return Err(Error::BadLayout(format!(
                    "row {i} has {} elements, row 0 has {cols}",
                    r.len()
                )));
            }
            data.extend_from_slice(r);
        }
        Ok(Mat {
            data,
            rows: rows.len(),
            cols,
        })
    }
}

impl<T: Scalar> Mat<T> {
    /// The `rows x cols` zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self::filled(rows, cols, T::ZERO)
    }
    /// The `n x n` identity.
    pub fn identity(n: usize) -> Self {
        Self::from_fn(n, n, |i, j| if i == j { T::ONE } else { T::ZERO })
    }
    /// A square matrix with `diag` on its diagonal.
    pub fn from_diag(diag: &[T]) -> Self {
        Self::from_fn(diag.len(), diag.len(), |i, j| {
            if i == j {
                diag[i]
            } else {
                T::ZERO
            }
        })
    }
    /// A column vector (`n x 1`).
    pub fn from_col(col: &[T]) -> Self {
        Mat {
            data: col.to_vec(),
            rows: col.len(),
            cols: 1,
        }
    }
    /// The transpose, as a new owned matrix.
    pub fn transpose(&self) -> Self {
        self.t().to_owned()
    }
}

impl<T> Default for Mat<T> {
    fn default() -> Self {
        Mat {
            data: Vec::new(),
            rows: 0,
            cols: 0,
        }
    }
}

impl<T> core::ops::Index<(usize, usize)> for Mat<T> {
    type Output = T;
    /// # Panics
    /// If the index is out of range (like slice indexing).
    fn index(&self, (i, j): (usize, usize)) -> &T {
        let (r, c) = (self.rows, self.cols);
        self.get(i, j)
            .unwrap_or_else(|| panic!("index ({i}, {j}) out of range for a {r}x{c} matrix"))
    }
}

impl<T> core::ops::IndexMut<(usize, usize)> for Mat<T> {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        let (r, c) = (self.rows, self.cols);
        self.get_mut(i, j)
            .unwrap_or_else(|| panic!("index ({i}, {j}) out of range for a {r}x{c} matrix"))
    }
}

impl<T: fmt::Debug> fmt::Debug for Mat<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_ref(), f)
    }
}

impl<'a, T> From<&'a Mat<T>> for MatRef<'a, T> {
    fn from(m: &'a Mat<T>) -> Self {
        m.as_ref()
    }
}
impl<'a, T> From<&'a mut Mat<T>> for MatMut<'a, T> {
    fn from(m: &'a mut Mat<T>) -> Self {
        m.as_mut()
    }
}
