//! Strided vectors: unit-stride views go to the kernels as they are; any
//! other stride (negative, or larger than one) is gathered into stack buffers
//! of [`BLOCK`] elements, handed to the same slice kernels block by block, and
//! scattered back where the kernel writes.

use oxblas_core::{VecMut, VecRef};

use super::elem::Elem;

/// Elements per gathered block: 2 KiB (f64) or 1 KiB (f32) per operand, so
/// the three buffers of a binary op stay in L1 next to the data streams.
pub(crate) const BLOCK: usize = 256;

#[inline(always)]
fn gather<E: Copy>(x: &VecRef<'_, E>, start: usize, out: &mut [E]) {
    for (k, o) in out.iter_mut().enumerate() {
        // SAFETY: callers pass `start + out.len() <= x.len()`.
        *o = unsafe { *x.get_unchecked(start + k) };
    }
}

#[inline(always)]
fn scatter<E: Copy>(y: &mut VecMut<'_, E>, start: usize, src: &[E]) {
    for (k, &v) in src.iter().enumerate() {
        // SAFETY: callers pass `start + src.len() <= y.len()`.
        unsafe { *y.get_unchecked_mut(start + k) = v };
    }
}

/// Calls `f(start, block)` on consecutive blocks covering `x`, in order.
#[inline]
pub(crate) fn blocks<E: Elem>(x: VecRef<'_, E>, mut f: impl FnMut(usize, &[E])) {
    match x.as_slice() {
        Some(s) => f(0, s),
        None => blocks_gathered(x, f),
    }
}

// The gathering paths are kept out of line so that the unit-stride fast path
// of every caller has no 2-4 KiB stack frame to set up.
#[inline(never)]
fn blocks_gathered<E: Elem>(x: VecRef<'_, E>, mut f: impl FnMut(usize, &[E])) {
    let mut buf = [E::ZERO; BLOCK];
    let mut start = 0;
    while start < x.len() {
        let n = BLOCK.min(x.len() - start);
        gather(&x, start, &mut buf[..n]);
        f(start, &buf[..n]);
        start += n;
    }
}

/// Calls `f(xb, yb)` on matching blocks of two vectors of equal length.
#[inline]
pub(crate) fn blocks2<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>, mut f: impl FnMut(&[E], &[E])) {
    debug_assert_eq!(x.len(), y.len());
    match (x.as_slice(), y.as_slice()) {
        (Some(xs), Some(ys)) => f(xs, ys),
        _ => blocks2_gathered(x, y, f),
    }
}

#[inline(never)]
fn blocks2_gathered<E: Elem>(x: VecRef<'_, E>, y: VecRef<'_, E>, mut f: impl FnMut(&[E], &[E])) {
    let (mut bx, mut by) = ([E::ZERO; BLOCK], [E::ZERO; BLOCK]);
    let mut start = 0;
    while start < x.len() {
        let n = BLOCK.min(x.len() - start);
        let xb: &[E] = match x.as_slice() {
            Some(s) => &s[start..start + n],
            None => {
                gather(&x, start, &mut bx[..n]);
                &bx[..n]
            }
        };
        let yb: &[E] = match y.as_slice() {
            Some(s) => &s[start..start + n],
            None => {
                gather(&y, start, &mut by[..n]);
                &by[..n]
            }
        };
        f(xb, yb);
        start += n;
    }
}

/// Calls `f(yb)` on blocks of `y`, writing every block back.
#[inline]
pub(crate) fn blocks_mut<E: Elem>(mut y: VecMut<'_, E>, mut f: impl FnMut(&mut [E])) {
    match y.as_mut_slice() {
        Some(s) => f(s),
        None => blocks_mut_gathered(y, f),
    }
}

#[inline(never)]
fn blocks_mut_gathered<E: Elem>(mut y: VecMut<'_, E>, mut f: impl FnMut(&mut [E])) {
    let mut buf = [E::ZERO; BLOCK];
    let mut start = 0;
    while start < y.len() {
        let n = BLOCK.min(y.len() - start);
        gather(&y.rb(), start, &mut buf[..n]);
        f(&mut buf[..n]);
        scatter(&mut y, start, &buf[..n]);
        start += n;
    }
}

/// Calls `f(xb, yb)` on matching blocks; `yb` is written back to `y`. With
/// `read_y == false` the kernel only writes `yb`, so `y` is not gathered.
#[inline]
pub(crate) fn blocks_in_out<E: Elem>(
    x: VecRef<'_, E>,
    mut y: VecMut<'_, E>,
    read_y: bool,
    mut f: impl FnMut(&[E], &mut [E]),
) {
    debug_assert_eq!(x.len(), y.len());
    match (x.as_slice(), y.as_mut_slice()) {
        (Some(xs), Some(ys)) => f(xs, ys),
        _ => blocks_in_out_gathered(x, y, read_y, f),
    }
}

#[inline(never)]
fn blocks_in_out_gathered<E: Elem>(
    x: VecRef<'_, E>,
    mut y: VecMut<'_, E>,
    read_y: bool,
    mut f: impl FnMut(&[E], &mut [E]),
) {
    let len = x.len();
    let (mut bx, mut by) = ([E::ZERO; BLOCK], [E::ZERO; BLOCK]);
    let mut start = 0;
    while start < len {
        let n = BLOCK.min(len - start);
        let xb: &[E] = match x.as_slice() {
            Some(s) => &s[start..start + n],
            None => {
                gather(&x, start, &mut bx[..n]);
                &bx[..n]
            }
        };
        match y.as_mut_slice() {
            Some(s) => f(xb, &mut s[start..start + n]),
            None => {
                if read_y {
                    gather(&y.rb(), start, &mut by[..n]);
                }
                f(xb, &mut by[..n]);
                scatter(&mut y, start, &by[..n]);
            }
        }
        start += n;
    }
}

/// Calls `f(xb, yb, ob)` on matching blocks; `ob` is written to `out` (and
/// never read from it).
#[inline]
pub(crate) fn blocks3<E: Elem>(
    x: VecRef<'_, E>,
    y: VecRef<'_, E>,
    mut out: VecMut<'_, E>,
    mut f: impl FnMut(&[E], &[E], &mut [E]),
) {
    if let (Some(xs), Some(ys), Some(os)) = (x.as_slice(), y.as_slice(), out.as_mut_slice()) {
        f(xs, ys, os);
        return;
    }
    blocks3_gathered(x, y, out, f);
}

#[inline(never)]
fn blocks3_gathered<E: Elem>(
    x: VecRef<'_, E>,
    y: VecRef<'_, E>,
    mut out: VecMut<'_, E>,
    mut f: impl FnMut(&[E], &[E], &mut [E]),
) {
    if let Some(os) = out.as_mut_slice() {
        let mut pos = 0;
        blocks2(x, y, |xb, yb| {
            let n = xb.len();
            f(xb, yb, &mut os[pos..pos + n]);
            pos += n;
        });
        return;
    }
    let mut bo = [E::ZERO; BLOCK];
    let mut pos = 0;
    let mut step = |xb: &[E], yb: &[E]| {
        // Blocks from `blocks2` may be the whole vector: split them again.
        for (k, (xc, yc)) in xb.chunks(BLOCK).zip(yb.chunks(BLOCK)).enumerate() {
            let n = xc.len();
            f(xc, yc, &mut bo[..n]);
            scatter(&mut out, pos + k * BLOCK, &bo[..n]);
        }
        pos += xb.len();
    };
    blocks2(x, y, &mut step);
}
