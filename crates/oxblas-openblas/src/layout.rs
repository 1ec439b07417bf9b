//! From oxblas's strided views to what BLAS can address: one unit-stride
//! dimension and a valid leading dimension, in column- or row-major order.
//!
//! The rule everywhere: use the view as it is when BLAS can read it (in
//! either order, or transposed), and copy into a contiguous buffer only when
//! no dimension has unit stride or the leading dimension is unusable (zero,
//! negative, too small or too large for `i32`).

use cblas_sys::{CblasColMajor, CblasRowMajor, CBLAS_LAYOUT};
use oxblas_core::{Error, Mat, MatMut, MatRef, Op, Result, VecMut, VecRef};

/// Largest dimension, increment or leading dimension BLAS accepts (LP64 `int`).
pub(crate) const BLAS_MAX: usize = i32::MAX as usize;

/// Side length of the square tiles in [`copy_tiled`]: two 32x32 tiles of
/// `f64` take 16 KiB, half of a 32 KiB L1 data cache, so both the strided
/// reads and the strided writes of a transposing copy stay in L1.
const TILE: usize = 32;

/// `n` as a BLAS integer, or `Err(InvalidArgument)` if it does not fit.
pub(crate) fn blas_int(op: Op, n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::InvalidArgument {
        op,
        message: format!(
            "dimension {n} exceeds the largest BLAS/LAPACK integer ({})",
            i32::MAX
        ),
    })
}

/// Checks that every dimension fits a BLAS integer.
pub(crate) fn check_dims(op: Op, dims: &[usize]) -> Result<()> {
    for &d in dims {
        blas_int(op, d)?;
    }
    Ok(())
}

/// Storage order as BLAS knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Columns contiguous (Fortran order).
    Col,
    /// Rows contiguous (C order).
    Row,
}

impl Order {
    pub(crate) fn cblas(self) -> CBLAS_LAYOUT {
        match self {
            Order::Col => CblasColMajor,
            Order::Row => CblasRowMajor,
        }
    }
}

/// The leading dimension under which a `rows x cols` view with strides
/// `(rs, cs)` is a valid BLAS matrix in `order`, if there is one.
///
/// Column-major needs unit stride down a column (irrelevant for one row) and
/// a column stride `>= max(1, rows)` (irrelevant for one column, where
/// `max(1, rows)` is used).
pub(crate) fn leading_dim(
    order: Order,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
) -> Option<i32> {
    let (inner_n, inner_s, outer_n, outer_s) = match order {
        Order::Col => (rows, rs, cols, cs),
        Order::Row => (cols, cs, rows, rs),
    };
    if !(inner_s == 1 || inner_n <= 1) {
        return None;
    }
    let min = inner_n.max(1);
    let ld = if outer_n <= 1 {
        min
    } else {
        let s = usize::try_from(outer_s).ok()?;
        if s < min {
            return None;
        }
        s
    };
    i32::try_from(ld).ok()
}

/// [`leading_dim`] of a view.
pub(crate) fn ld_of<T>(a: &MatRef<'_, T>, order: Order) -> Option<i32> {
    leading_dim(order, a.rows(), a.cols(), a.row_stride(), a.col_stride())
}

/// A read-only matrix operand as BLAS sees it: `ptr` with leading dimension
/// `ld` in the requested order, holding the operand itself (`trans == false`)
/// or its transpose (`trans == true`). A view BLAS cannot address is copied
/// into `_buf`, which keeps the memory `ptr` points to alive.
pub(crate) struct Operand<E> {
    pub ptr: *const E,
    pub ld: i32,
    pub trans: bool,
    _buf: Option<Vec<E>>,
}

impl<E: Copy> Operand<E> {
    /// Prepares `a` for a BLAS call in `order`. The caller has checked that
    /// both dimensions of `a` fit in an `i32`.
    pub(crate) fn new(a: MatRef<'_, E>, order: Order) -> Self {
        if let Some(ld) = ld_of(&a, order) {
            return Operand {
                ptr: a.as_ptr(),
                ld,
                trans: false,
                _buf: None,
            };
        }
        if let Some(ld) = ld_of(&a.t(), order) {
            return Operand {
                ptr: a.as_ptr(),
                ld,
                trans: true,
                _buf: None,
            };
        }
        Self::copied(a, order)
    }

    /// Like [`Operand::new`], but never transposed: a view not addressable
    /// in `order` as it is gets copied.
    pub(crate) fn plain(a: MatRef<'_, E>, order: Order) -> Self {
        match ld_of(&a, order) {
            Some(ld) => Operand {
                ptr: a.as_ptr(),
                ld,
                trans: false,
                _buf: None,
            },
            None => Self::copied(a, order),
        }
    }

    fn copied(a: MatRef<'_, E>, order: Order) -> Self {
        let (buf, ld) = match order {
            Order::Col => {
                let buf = to_col_major(a);
                (buf, a.rows().max(1))
            }
            Order::Row => {
                let buf = to_col_major(a.t());
                (buf, a.cols().max(1))
            }
        };
        Operand {
            ptr: buf.as_ptr(),
            // The caller checked that the dimensions fit an i32.
            ld: ld.min(BLAS_MAX) as i32,
            trans: false,
            _buf: Some(buf),
        }
    }
}

/// Runs `f(order, ptr, ld)` on `c` where BLAS can address it in place, and
/// otherwise on a contiguous column-major copy that is written back after
/// (`read`: whether `f` reads `c`'s old values, so the copy must hold them).
/// The caller has checked that both dimensions fit in an `i32`.
pub(crate) fn with_mat_mut<E: Copy + Default, R>(
    mut c: MatMut<'_, E>,
    read: bool,
    f: impl FnOnce(Order, *mut E, i32) -> R,
) -> R {
    for order in [Order::Col, Order::Row] {
        if let Some(ld) = ld_of(&c.rb(), order) {
            return f(order, c.as_mut_ptr(), ld);
        }
    }
    let (m, n) = c.shape();
    let mut buf = if read {
        to_col_major(c.rb())
    } else {
        vec![E::default(); m * n]
    };
    let r = f(Order::Col, buf.as_mut_ptr(), m.max(1) as i32);
    // SAFETY: `buf` holds exactly m*n elements; as a column-major view with
    // strides (1, m) every index is inside it.
    let src = unsafe { MatRef::from_raw_parts(buf.as_ptr(), m, n, 1, m as isize) };
    copy_tiled(src, c);
    r
}

/// A read-only vector as CBLAS expects it: the pointer CBLAS starts from
/// (the lowest address for a negative increment) and a non-zero increment.
/// Zero strides (broadcast views) and increments beyond `i32` are copied.
pub(crate) struct BlasVec<E> {
    pub ptr: *const E,
    pub inc: i32,
    _buf: Option<Vec<E>>,
}

impl<E: Copy> BlasVec<E> {
    pub(crate) fn new(x: VecRef<'_, E>) -> Self {
        let n = x.len();
        if n <= 1 {
            return BlasVec {
                ptr: x.as_ptr(),
                inc: 1,
                _buf: None,
            };
        }
        match i32::try_from(x.stride()) {
            Ok(inc) if inc != 0 => BlasVec {
                ptr: if inc < 0 { x.ptr_at(n - 1) } else { x.as_ptr() },
                inc,
                _buf: None,
            },
            _ => {
                let buf = x.to_vec();
                BlasVec {
                    ptr: buf.as_ptr(),
                    inc: 1,
                    _buf: Some(buf),
                }
            }
        }
    }
}

/// Runs `f(ptr, inc)` on a mutable vector with CBLAS pointer conventions
/// (see [`BlasVec`]); an increment that does not fit an `i32` goes through
/// a contiguous copy (with the old values) that is written back after.
pub(crate) fn with_vec_mut<E: Copy, R>(
    mut y: VecMut<'_, E>,
    f: impl FnOnce(*mut E, i32) -> R,
) -> R {
    let n = y.len();
    if n <= 1 {
        return f(y.as_mut_ptr(), 1);
    }
    match i32::try_from(y.stride()) {
        // A mutable view with more than one element never has stride 0.
        Ok(inc) if inc != 0 => {
            let ptr = if inc < 0 {
                y.ptr_at_mut(n - 1)
            } else {
                y.as_mut_ptr()
            };
            f(ptr, inc)
        }
        _ => {
            let mut buf = y.to_vec();
            let r = f(buf.as_mut_ptr(), 1);
            for (i, v) in buf.into_iter().enumerate() {
                y[i] = v;
            }
            r
        }
    }
}

/// Copies a view into a new contiguous column-major buffer (`rows * cols`
/// elements, leading dimension `rows`).
pub(crate) fn to_col_major<E: Copy>(a: MatRef<'_, E>) -> Vec<E> {
    let (m, n) = a.shape();
    if a.is_empty() {
        return Vec::new();
    }
    if a.row_stride() == 1 || m == 1 {
        // Columns are contiguous: one slice copy per column.
        let mut buf = Vec::with_capacity(m * n);
        for j in 0..n {
            if let Ok(col) = a.col(j) {
                match col.as_slice() {
                    Some(s) => buf.extend_from_slice(s),
                    None => buf.extend(col.iter().copied()),
                }
            }
        }
        return buf;
    }
    let mut buf = vec![a[(0, 0)]; m * n];
    // SAFETY: `buf` holds exactly m*n elements; the column-major view with
    // strides (1, m) covers them once each, and `buf` is borrowed exclusively.
    let dst = unsafe { MatMut::from_raw_parts(buf.as_mut_ptr(), m, n, 1, m as isize) };
    copy_tiled(a, dst);
    buf
}

/// Copies a view into a new row-major [`Mat`].
pub(crate) fn to_row_major<E: Copy>(a: MatRef<'_, E>) -> Mat<E> {
    let (m, n) = a.shape();
    Mat::from_vec(m, n, to_col_major(a.t())).expect("to_col_major returns rows * cols elements")
}

/// The row-major [`Mat`] of a column-major buffer with leading dimension `ld`.
pub(crate) fn mat_from_col_major<E: Copy>(m: usize, n: usize, buf: &[E], ld: usize) -> Mat<E> {
    if m == 0 || n == 0 {
        return Mat::from_vec(m, n, Vec::new()).expect("empty shape");
    }
    let view = MatRef::from_parts(buf, 0, m, n, 1, ld as isize)
        .expect("a LAPACK buffer holds its whole column-major matrix");
    to_row_major(view)
}

/// `dst <- src` (same shape), in square tiles so that a transposing copy
/// reads and writes cache lines fully.
pub(crate) fn copy_tiled<E: Copy>(src: MatRef<'_, E>, mut dst: MatMut<'_, E>) {
    let (m, n) = src.shape();
    debug_assert_eq!((m, n), dst.shape());
    // Walk the destination's contiguous dimension innermost.
    let dst_row_major = dst.col_stride() == 1 && dst.row_stride() != 1;
    for i0 in (0..m).step_by(TILE) {
        let i1 = (i0 + TILE).min(m);
        for j0 in (0..n).step_by(TILE) {
            let j1 = (j0 + TILE).min(n);
            if dst_row_major {
                for i in i0..i1 {
                    for j in j0..j1 {
                        // SAFETY: i < m, j < n for both views (same shape).
                        unsafe { *dst.get_unchecked_mut(i, j) = *src.get_unchecked(i, j) };
                    }
                }
            } else {
                for j in j0..j1 {
                    for i in i0..i1 {
                        // SAFETY: i < m, j < n for both views (same shape).
                        unsafe { *dst.get_unchecked_mut(i, j) = *src.get_unchecked(i, j) };
                    }
                }
            }
        }
    }
}
