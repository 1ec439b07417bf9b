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
        if cs == 1 && rs != 1 {
            // Rows contiguous: read each row along k, scatter into the panel.
            for r in 0..rows {
                let src = base.wrapping_offset(r as isize * rs);
                for p in 0..kb {
                    // SAFETY: row i0+q*mr+r < rows and column p0+p < cols of `a`.
                    panel[p * mr + r] = unsafe { *src.add(p) };
                }
            }
        } else {
            for p in 0..kb {
                let src = base.wrapping_offset(p as isize * cs);
                let dst = &mut panel[p * mr..p * mr + rows];
                for (r, d) in dst.iter_mut().enumerate() {
                    // SAFETY: (i0+q*mr+r, p0+p) is inside `a`.
                    *d = unsafe { *src.wrapping_offset(r as isize * rs) };
                }
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
