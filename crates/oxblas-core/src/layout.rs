//! Bounds and overlap checks shared by every view constructor.
//!
//! A view is `(ptr, rows, cols, row_stride, col_stride)`; element `(i, j)` is
//! at `ptr + i * row_stride + j * col_stride` (in elements). These checks make
//! sure that every such address lies inside the borrowed buffer, and, for
//! mutable views, that no two indices share an address.

use crate::{Error, Result};

/// Checks that a `rows x cols` view with the given strides, starting at
/// `offset`, stays inside a buffer of `len` elements.
pub(crate) fn check_bounds(
    len: usize,
    offset: usize,
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
) -> Result<()> {
    if offset > len {
        return Err(Error::BadLayout(format!(
            "offset {offset} is past the end of a buffer of {len} elements"
        )));
    }
    if rows
        .checked_mul(cols)
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(Error::BadLayout(format!(
            "shape {rows}x{cols} is too large"
        )));
    }
    if rows == 0 || cols == 0 {
        return Ok(());
    }
    // i128 cannot overflow here: every factor fits in 64 bits.
    let er = (rows as i128 - 1) * row_stride as i128;
    let ec = (cols as i128 - 1) * col_stride as i128;
    let lo = offset as i128 + er.min(0) + ec.min(0);
    let hi = offset as i128 + er.max(0) + ec.max(0);
    if lo < 0 || hi >= len as i128 {
        return Err(Error::BadLayout(format!(
            "a {rows}x{cols} view with strides ({row_stride}, {col_stride}) at offset {offset} \
             reaches elements {lo}..={hi}, outside a buffer of {len} elements"
        )));
    }
    if hi - lo > isize::MAX as i128 {
        return Err(Error::BadLayout(
            "view spans more than isize::MAX elements".into(),
        ));
    }
    Ok(())
}

/// Checks that no two indices of a `rows x cols` view share an address, which a
/// mutable view needs (otherwise a parallel kernel writing disjoint index
/// ranges would race).
pub(crate) fn check_no_overlap(
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
) -> Result<()> {
    let (r, c) = (row_stride.unsigned_abs(), col_stride.unsigned_abs());
    let ok = if rows == 0 || cols == 0 || (rows == 1 && cols == 1) {
        true
    } else if rows <= 1 {
        c != 0
    } else if cols <= 1 {
        r != 0
    } else {
        // Sort the two dimensions by stride: the larger stride must step over
        // the whole extent of the smaller one.
        let ((s1, n1), s2) = if r <= c {
            ((r, rows), c)
        } else {
            ((c, cols), r)
        };
        s1 != 0 && (s1 as u128) * (n1 as u128) <= s2 as u128
    };
    if ok {
        Ok(())
    } else {
        Err(Error::BadLayout(format!(
            "a mutable {rows}x{cols} view with strides ({row_stride}, {col_stride}) would \
             overlap itself"
        )))
    }
}
