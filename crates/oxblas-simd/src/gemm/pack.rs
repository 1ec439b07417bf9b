//! Packing: copies of A and B blocks into the contiguous, zero-padded panel
//! layout the microkernels stream through. Packing reads any strided view, so
//! transposes and negative strides cost nothing beyond the copy.
//!
//! - A block (`mb x kb`) -> `ceil(mb / MR)` panels; panel `q` holds
//!   `A[q*MR + r, p]` at `q*MR*kb + p*MR + r`.
//! - B block (`kb x nb`) -> `ceil(nb / NR)` panels; panel `q` holds
//!   `B[p, q*NR + j]` at `q*NR*kb + p*NR + j`.
//!
//! Rows or columns past the edge of the matrix are written as zeros, so the
//! microkernel never needs an edge case: it always computes a full tile and
//! only the write-back is clipped.

use core::cell::RefCell;

use oxblas_core::{MatRef, Scalar};

/// One cache line; the buffer's unit of allocation, so panels start 64-byte aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u64; 8]);

/// A growable, 64-byte aligned scratch buffer of `T`.
pub(crate) struct Buf {
    lines: Vec<Line>,
}

impl Buf {
    const fn new() -> Buf {
        Buf { lines: Vec::new() }
    }

    /// A zero-initialized-or-reused slice of at least `len` elements.
    pub(crate) fn slice<T: Scalar>(&mut self, len: usize) -> &mut [T] {
        let bytes = len * core::mem::size_of::<T>();
        let need = bytes.div_ceil(64);
        if self.lines.len() < need {
            self.lines.resize(need, Line([0; 8]));
        }
        // SAFETY: `lines` holds at least `bytes` initialized bytes, 64-byte
        // aligned (so aligned for `T`: f32 or f64), and any bit pattern is a
        // valid f32/f64. The exclusive borrow of `self` covers the slice.
        unsafe { core::slice::from_raw_parts_mut(self.lines.as_mut_ptr() as *mut T, len) }
    }
}

thread_local! {
    /// Per-thread packing buffers (A block, B block), reused across calls so
    /// that a gemm does not pay for allocation and page faults every time.
    static BUFFERS: RefCell<(Buf, Buf)> = const { RefCell::new((Buf::new(), Buf::new())) };
}

/// Runs `f` with this thread's packing buffers (fresh ones if they are in use
/// further up the stack).
pub(crate) fn with_buffers<R>(f: impl FnOnce(&mut Buf, &mut Buf) -> R) -> R {
    let mut f = Some(f);
    let out = BUFFERS.try_with(|cell| {
        cell.try_borrow_mut().ok().map(|mut bufs| {
            let (a, b) = &mut *bufs;
            (f.take().expect("called once"))(a, b)
        })
    });
    match out {
        Ok(Some(r)) => r,
        _ => {
            let (mut a, mut b) = (Buf::new(), Buf::new());
            (f.take().expect("not yet called"))(&mut a, &mut b)
        }
    }
}

/// Packs `A[i0 .. i0+mb, p0 .. p0+kb]` into MR-row panels in `out`
/// (`out.len() >= ceil(mb / mr) * mr * kb`).
///
/// The caller guarantees the block lies inside `a`.
pub(crate) fn pack_a<T: Scalar>(
    mr: usize,
    a: MatRef<'_, T>,
    i0: usize,
    p0: usize,
    mb: usize,
    kb: usize,
    out: &mut [T],
) {
    // A fixed panel height lets the compiler unroll the copy loops.
    match mr {
        4 => pack_fixed::<T, 4>(a, i0, p0, mb, kb, out),
        6 => pack_fixed::<T, 6>(a, i0, p0, mb, kb, out),
        8 => pack_fixed::<T, 8>(a, i0, p0, mb, kb, out),
        12 => pack_fixed::<T, 12>(a, i0, p0, mb, kb, out),
        16 => pack_fixed::<T, 16>(a, i0, p0, mb, kb, out),
        _ => pack_generic(mr, a, i0, p0, mb, kb, out),
    }
}

/// [`pack_a`] for a panel height known at compile time.
#[inline(always)]
fn pack_fixed<T: Scalar, const R: usize>(
    a: MatRef<'_, T>,
    i0: usize,
    p0: usize,
    mb: usize,
    kb: usize,
    out: &mut [T],
) {
    debug_assert!(i0 + mb <= a.rows() && p0 + kb <= a.cols());
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let full = mb / R;
    for (q, panel) in out.chunks_exact_mut(R * kb).take(full).enumerate() {
        let base = a.ptr_at(i0 + q * R, p0);
        if rs == 1 {
            // Each k-step of the panel is R contiguous elements: a fixed-size copy.
            for (p, dst) in panel.chunks_exact_mut(R).enumerate() {
                // SAFETY: rows i0+q*R .. +R and column p0+p lie inside `a`, and
                // with unit row stride they are contiguous from this address.
                let src = unsafe { &*(base.wrapping_offset(p as isize * cs) as *const [T; R]) };
                dst.copy_from_slice(src);
            }
        } else if cs == 1 {
            // Rows contiguous along k: read R streams, write the panel in order.
            let mut rows = [base; R];
            for (r, row) in rows.iter_mut().enumerate() {
                *row = base.wrapping_offset(r as isize * rs);
            }
            for (p, dst) in panel.chunks_exact_mut(R).enumerate() {
                for (d, row) in dst.iter_mut().zip(rows.iter()) {
                    // SAFETY: (i0+q*R+r, p0+p) is inside `a` and the column stride is 1.
                    *d = unsafe { *row.add(p) };
                }
            }
        } else {
            for (p, dst) in panel.chunks_exact_mut(R).enumerate() {
                let src = base.wrapping_offset(p as isize * cs);
                for (r, d) in dst.iter_mut().enumerate() {
                    // SAFETY: (i0+q*R+r, p0+p) is inside `a`.
                    *d = unsafe { *src.wrapping_offset(r as isize * rs) };
                }
            }
        }
    }
    if full * R < mb {
        let rest = &mut out[full * R * kb..];
        pack_generic(R, a, i0 + full * R, p0, mb - full * R, kb, rest);
    }
}

/// [`pack_a`] for any panel height, with zero padding of a partial last panel.
fn pack_generic<T: Scalar>(
    mr: usize,
    a: MatRef<'_, T>,
    i0: usize,
    p0: usize,
    mb: usize,
    kb: usize,
    out: &mut [T],
) {
    debug_assert!(i0 + mb <= a.rows() && p0 + kb <= a.cols());
    let (rs, cs) = (a.row_stride(), a.col_stride());
    for (q, panel) in out
        .chunks_exact_mut(mr * kb)
        .take(mb.div_ceil(mr))
        .enumerate()
    {
        let rows = mr.min(mb - q * mr);
        let base = a.ptr_at(i0 + q * mr, p0);
        if rows < mr {
            panel.fill(T::ZERO);
        }
        for (p, dst) in panel.chunks_exact_mut(mr).enumerate() {
            let src = base.wrapping_offset(p as isize * cs);
            for (r, d) in dst.iter_mut().take(rows).enumerate() {
                // SAFETY: (i0+q*mr+r, p0+p) is inside `a`.
                *d = unsafe { *src.wrapping_offset(r as isize * rs) };
            }
        }
    }
}

/// Packs `B[p0 .. p0+kb, j0 .. j0+nb]` into NR-column panels in `out`
/// (`out.len() >= ceil(nb / nr) * nr * kb`).
///
/// The caller guarantees the block lies inside `b`.
pub(crate) fn pack_b<T: Scalar>(
    nr: usize,
    b: MatRef<'_, T>,
    p0: usize,
    j0: usize,
    kb: usize,
    nb: usize,
    out: &mut [T],
) {
    // B's panels are A's panels of B^T.
    pack_a(nr, b.t(), j0, p0, nb, kb, out)
}
