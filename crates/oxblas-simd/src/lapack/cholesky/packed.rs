//! Packed left-looking Cholesky: the whole factorization of a block of
//! moderate order on the gemm microkernel's panels.
//!
//! The lower triangle is packed once into row panels of `NR` rows in the
//! microkernel's B layout (`panel[p * NR + l] = A[i0 + l, p]`, zeros above
//! the diagonal). Columns are then computed `MR` at a time, left to right
//! (Crout): for the column block at `j0`, the `MR` rows `j0..` of `L` found
//! so far (depth `0..j0`) are gathered as the kernel's A operand, and every
//! row panel at or below the block gets its `MR x NR` tile (depth
//! `j0..j0 + MR` of the panel, in place) updated by the microkernel,
//! `T = T - L[j0.., ..j0] L[rows, ..j0]^T`. The one or two panels holding
//! the diagonal block factor it column by column on whole `NR`-lane
//! vectors; the panels below solve their tile against it in registers (the
//! AVX2 tiles of `gemm::tile`, shared with the right-side solve: the
//! microkernel's update, then the solve unrolled row by row, the solved rows
//! kept in registers).
//! Each element of `L` is written once, and the solved tiles are at once
//! the B operand of the later column blocks. At the end the panels go back
//! to rows (AVX2 transposes where they apply).
//!
//! Used for the whole matrix up to a moderate order (the input is read
//! straight into the panels and the result written straight out, so the
//! matrix is not copied separately) and as the leaf of the recursive
//! factorization, in place.
//!
//! On a thread team (`run_team`) the column blocks run as a pipeline of
//! items (a diagonal block; the tiles of one or two steps in a few panels)
//! that the members claim as soon as what each reads is done, with no
//! barrier; the operations on every tile are those of one thread.

#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use oxblas_core::cast::same_type;
use oxblas_core::{Error, MatMut, MatRef, Op, Result, Scalar};

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::gemm::trsm::{with_buffers, Kernel, Portable};
use crate::gemm::{self, Isa};
use crate::lapack::util::{all_finite, vectorized};
use crate::team::Team;

/// Where the lower triangle is read: element `(i, p)` at `ptr + i rs + p cs`.
#[derive(Clone, Copy)]
struct Src<T> {
    ptr: *const T,
    rs: isize,
    cs: isize,
    /// Check that what is read is finite.
    check: bool,
}

/// Where `L` is written: row `i` at `ptr + i rs`, contiguous.
#[derive(Clone, Copy)]
struct Dst<T> {
    ptr: *mut T,
    rs: isize,
    /// Also write the zeros right of each row's diagonal panel (to column
    /// `n`); otherwise only columns up to the end of each row's panel block
    /// are written (zeros past the diagonal among them).
    fill: bool,
}

impl<T> Src<T> {
    fn cast<U>(self) -> Src<U> {
        Src {
            ptr: self.ptr as *const U,
            rs: self.rs,
            cs: self.cs,
            check: self.check,
        }
    }
}

impl<T> Dst<T> {
    fn cast<U>(self) -> Dst<U> {
        Dst {
            ptr: self.ptr as *mut U,
            rs: self.rs,
            fill: self.fill,
        }
    }
}

/// The Cholesky factor of the lower triangle of the square `a` (order at
/// least 1), row-major in a new vector of `n^2` elements (zeros above the
/// diagonal), on `team` (the same result on any team).
///
/// # Errors
/// [`Error::NonFinite`] if the lower triangle holds NaN or infinity (checked
/// before any factorization work), [`Error::NotPositiveDefinite`] at the
/// first pivot that is not positive.
pub(super) fn factor_to_vec<T: Scalar>(isa: Isa, a: MatRef<'_, T>, team: &Team) -> Result<Vec<T>> {
    let n = a.rows();
    debug_assert_eq!(a.cols(), n);
    let mut data: Vec<T> = Vec::with_capacity(n * n);
    let src = Src {
        ptr: a.as_ptr(),
        rs: a.row_stride(),
        cs: a.col_stride(),
        check: true,
    };
    let dst = Dst {
        ptr: data.as_mut_ptr(),
        rs: n as isize,
        fill: true,
    };
    // SAFETY: `a` is an n x n view (every (i, p) with p <= i < n readable
    // through its strides); `data` has room for n rows of n elements,
    // disjoint from `a` (it is new).
    unsafe { dispatch(isa, n, 0, src, dst, team)? };
    // SAFETY: `dispatch` returned Ok, so the unpacking wrote all n columns
    // of all n rows (`fill`).
    unsafe { data.set_len(n * n) };
    Ok(data)
}

/// Factors the lower triangle of `a` (unit column stride, or order 1) in
/// place, writing its upper triangle only within the diagonal blocks of the
/// panels (with zeros); `offset` is the index of its first pivot in the
/// whole matrix, for the error.
///
/// # Errors
/// [`Error::NotPositiveDefinite`] at the first pivot that is not positive
/// (`offset` added); `a` is then partly overwritten.
pub(super) fn factor_in_place<T: Scalar>(
    isa: Isa,
    mut a: MatMut<'_, T>,
    offset: usize,
) -> Result<()> {
    let n = a.rows();
    debug_assert_eq!(a.cols(), n);
    if n == 0 {
        return Ok(());
    }
    debug_assert!(n == 1 || a.col_stride() == 1);
    let (rs, cs) = (a.row_stride(), a.col_stride());
    let ptr = a.ptr_at_mut(0, 0);
    let src = Src {
        ptr: ptr as *const T,
        rs,
        cs,
        check: false,
    };
    let dst = Dst {
        ptr,
        rs,
        fill: false,
    };
    // SAFETY: `a` is an n x n view borrowed exclusively, rows contiguous;
    // the packing reads it entirely before the unpacking writes it.
    unsafe { dispatch(isa, n, offset, src, dst, &Team::single()) }
}

/// [`run`] with the kernel of `isa` for `T`.
///
/// # Safety
/// `src` readable at `(i, p)` for `p <= i < n`; `dst` writable for `n`
/// elements from each row `i < n` (only up to the end of each row's panel
/// block without `fill`); `dst` is not read, and is written only after
/// `src` has been read entirely.
unsafe fn dispatch<T: Scalar>(
    isa: Isa,
    n: usize,
    offset: usize,
    src: Src<T>,
    dst: Dst<T>,
    team: &Team,
) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2Fma && gemm::isa() == Isa::Avx2Fma {
        use crate::gemm::trsm::{Avx2F32, Avx2F64};
        if same_type::<T, f64>() {
            // SAFETY: T is f64 (the casts are identities); AVX2 present.
            return unsafe { run::<f64, Avx2F64>(true, n, offset, src.cast(), dst.cast(), team) };
        }
        if same_type::<T, f32>() {
            // SAFETY: as above, T is f32.
            return unsafe { run::<f32, Avx2F32>(true, n, offset, src.cast(), dst.cast(), team) };
        }
    }
    let _ = isa;
    // SAFETY: the caller's contract; the portable kernel runs anywhere.
    unsafe { run::<T, Portable<4, 4>>(false, n, offset, src, dst, team) }
}

/// The packed factorization with kernel `K` (`avx`: `K` is the AVX2 kernel
/// for `T`, so the transposing packers and the fused tiles apply).
///
/// # Safety
/// As for [`dispatch`]; with `avx`, AVX2 and FMA are present and `K` is
/// `Avx2F64` (T = f64) or `Avx2F32` (T = f32).
unsafe fn run<T: Scalar, K: Kernel<T>>(
    avx: bool,
    n: usize,
    offset: usize,
    src: Src<T>,
    dst: Dst<T>,
    team: &Team,
) -> Result<()> {
    if team.size() > 1 {
        // SAFETY: the caller's contract.
        return unsafe { run_team::<T, K>(avx, n, offset, src, dst, team) };
    }
    let (mr, nr) = (K::MR, K::NR);
    let blocks = n.div_ceil(mr);
    let kpad = blocks * mr;
    let panels = n.div_ceil(nr);
    with_buffers(|abuf, bbuf| {
        let bp = bbuf.slice::<T>(panels * nr * kpad).as_mut_ptr();
        // The A operand, this block's coefficients and reciprocals.
        let work = abuf.slice::<T>(mr * kpad + mr * mr + mr).as_mut_ptr();
        vectorized(
            #[inline(always)]
            || {
                // SAFETY (whole block): `bp` holds panels * nr * kpad
                // elements and `work` mr * kpad + mr * mr + mr (both
                // initialized scratch, used by nothing else meanwhile); the
                // caller's contract covers `src` and `dst`.
                unsafe {
                    if !pack::<T>(avx, n, nr, mr, kpad, src, bp, 0, panels) {
                        return Err(Error::NonFinite { op: Op::Cholesky });
                    }
                    let ap = work;
                    let coef = work.add(mr * kpad);
                    let inv = coef.add(mr * mr);
                    factor_panels::<T, K>(avx, n, offset, kpad, bp, ap, coef, inv, dst)?;
                }
                Ok(())
            },
        )
    })
}

/// Packs rows `q0 nr..q1 nr` of the lower triangle from `src` into their
/// panels at `bp` (see the module documentation; zeros above the diagonal
/// and as deep as any tile of a panel reaches); returns `false` if
/// `src.check` and a value read is not finite (the panels are then partly
/// written).
///
/// # Safety
/// `src` as for [`dispatch`]; `bp` writable for `ceil(n / nr) nr kpad`
/// (only panels `q0..q1` are written).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pack<T: Scalar>(
    avx: bool,
    n: usize,
    nr: usize,
    mr: usize,
    kpad: usize,
    src: Src<T>,
    bp: *mut T,
    q0: usize,
    q1: usize,
) -> bool {
    // SAFETY (whole body): every (i, p) read has p <= i < n, every panel
    // write is below depth kpad of its panel.
    unsafe {
        let at = |i: usize, p: usize| *src.ptr.offset(i as isize * src.rs + p as isize * src.cs);
        for i0 in (q0 * nr..(q1 * nr).min(n)).step_by(nr) {
            let rows = nr.min(n - i0);
            let panel = bp.add(i0 * kpad);
            // Depth 0..i0: every row of the panel lies below the diagonal.
            let mut checked = 0;
            if rows == nr && i0 > 0 {
                let fast = if avx {
                    pack_fast::<T>(nr, src, i0, panel)
                } else {
                    None
                };
                if fast == Some(false) {
                    return false;
                }
                if fast.is_some() && src.check {
                    checked = i0;
                }
                if fast.is_none() {
                    if src.rs == 1 {
                        for p in 0..i0 {
                            let from = src.ptr.offset(i0 as isize + p as isize * src.cs);
                            core::ptr::copy_nonoverlapping(from, panel.add(p * nr), nr);
                        }
                    } else {
                        for p in 0..i0 {
                            for l in 0..nr {
                                *panel.add(p * nr + l) = at(i0 + l, p);
                            }
                        }
                    }
                }
            } else {
                for p in 0..i0 {
                    for l in 0..nr {
                        *panel.add(p * nr + l) = if l < rows { at(i0 + l, p) } else { T::ZERO };
                    }
                }
            }
            // The diagonal block, then zeros.
            let zend = (i0 + nr + mr).min(kpad);
            let dend = (i0 + nr).min(zend);
            core::ptr::write_bytes(panel.add(dend * nr), 0, (zend - dend) * nr);
            for p in i0..dend {
                for l in 0..nr {
                    let v = if l < rows && p <= i0 + l {
                        at(i0 + l, p)
                    } else {
                        T::ZERO
                    };
                    *panel.add(p * nr + l) = v;
                }
            }
            if src.check {
                let depth = (i0 + nr).min(n);
                let rest = (depth - checked) * nr;
                if !all_finite(core::slice::from_raw_parts(panel.add(checked * nr), rest)) {
                    return false;
                }
            }
        }
        true
    }
}

/// Depth `0..i0` of the full panel at row `i0` by the AVX2 transposes
/// (checking what they read if `src.check`: `Some(false)` on a NaN or
/// infinity); `None` (nothing done) where they do not apply.
///
/// # Safety
/// As for [`pack`], with AVX2 present and the panel full.
#[inline(always)]
unsafe fn pack_fast<T: Scalar>(nr: usize, src: Src<T>, i0: usize, panel: *mut T) -> Option<bool> {
    #[cfg(target_arch = "x86_64")]
    {
        use crate::gemm::trsm::avx;
        if src.cs != 1 {
            return None;
        }
        let from = src.ptr.wrapping_offset(i0 as isize * src.rs);
        // SAFETY: rows i0..i0 + nr of `src` hold i0 contiguous readable
        // elements (below the diagonal); the panel holds nr * i0; AVX2 is
        // present; T is the type named by the case.
        unsafe {
            if nr == 8 && same_type::<T, f64>() {
                let (from, to) = (from as *const f64, panel as *mut f64);
                if src.check {
                    return Some(avx::pack8_f64_checked::<true>(from, src.rs, i0, to));
                }
                avx::pack8_f64(from, src.rs, i0, to);
                return Some(true);
            }
            if nr == 16 && same_type::<T, f32>() {
                let (from, to) = (from as *const f32, panel as *mut f32);
                if src.check {
                    return Some(avx::pack16_f32_checked::<true>(from, src.rs, i0, to));
                }
                avx::pack16_f32(from, src.rs, i0, to);
                return Some(true);
            }
        }
        None
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (nr, src, i0, panel);
        None
    }
}

/// Writes panels `q0..q1` back to rows: row `i` of panel `i0` gets depth
/// `0..min(i0 + nr, n)` (zeros past the diagonal), and with `dst.fill` zeros
/// to column `n`.
///
/// # Safety
/// As for [`dispatch`]; `bp` holds the factored panels.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn unpack<T: Scalar>(
    avx: bool,
    n: usize,
    nr: usize,
    kpad: usize,
    bp: *const T,
    dst: Dst<T>,
    q0: usize,
    q1: usize,
) {
    // SAFETY (whole body): inside the panels and the rows of `dst`.
    unsafe {
        for i0 in (q0 * nr..(q1 * nr).min(n)).step_by(nr) {
            let rows = nr.min(n - i0);
            let depth = (i0 + nr).min(n);
            let panel = bp.add(i0 * kpad);
            let row0 = dst.ptr.offset(i0 as isize * dst.rs);
            if !(rows == nr && avx && unpack_fast::<T>(nr, panel, depth, row0, dst.rs)) {
                for l in 0..rows {
                    let row = row0.offset(l as isize * dst.rs);
                    for p in 0..depth {
                        *row.add(p) = *panel.add(p * nr + l);
                    }
                }
            }
            if dst.fill && depth < n {
                for l in 0..rows {
                    let row = row0.offset(l as isize * dst.rs);
                    core::slice::from_raw_parts_mut(row.add(depth), n - depth).fill(T::ZERO);
                }
            }
        }
    }
}

/// [`unpack`] of one full panel by the AVX2 transposes; `false` (nothing
/// done) where they do not apply.
///
/// # Safety
/// As for [`unpack`], with AVX2 present.
#[inline(always)]
unsafe fn unpack_fast<T: Scalar>(
    nr: usize,
    panel: *const T,
    depth: usize,
    row0: *mut T,
    rs: isize,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use crate::gemm::trsm::avx;
        // SAFETY: the nr rows from `row0` (rs apart) are writable for
        // `depth` contiguous elements, the panel readable for nr * depth;
        // AVX2 present; T is the type named by the case.
        unsafe {
            if nr == 8 && same_type::<T, f64>() {
                avx::unpack8_f64(panel as *const f64, depth, row0 as *mut f64, rs);
                return true;
            }
            if nr == 16 && same_type::<T, f32>() {
                avx::unpack16_f32(panel as *const f32, depth, row0 as *mut f32, rs);
                return true;
            }
        }
        false
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (nr, panel, depth, row0, rs);
        false
    }
}

/// The column blocks (see the module documentation) on the packed panels.
///
/// # Safety
/// `bp` holds the packed panels (`ceil(n / NR)` of `NR * kpad`), `ap` room
/// for `MR * kpad`, `coef` for `MR * MR` and `inv` for `MR` elements, all
/// disjoint; `dst` as for [`dispatch`] (each panel
/// is written out there once its last column block is done); with `avx`,
/// as for [`run`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn factor_panels<T: Scalar, K: Kernel<T>>(
    avx: bool,
    n: usize,
    offset: usize,
    kpad: usize,
    bp: *mut T,
    ap: *mut T,
    coef: *mut T,
    inv: *mut T,
    dst: Dst<T>,
) -> Result<()> {
    let (mr, nr) = (K::MR, K::NR);
    // Panels before this one are written out.
    let mut out = 0;
    let ps = nr * kpad;
    let panels = n.div_ceil(nr);
    // SAFETY (whole body): the offsets stay inside the buffers (tiles end
    // at depth j0 + mr <= kpad).
    unsafe {
        for j0 in (0..n).step_by(mr) {
            let qd1 = diag_block::<T, K>(avx, n, offset, kpad, bp, j0, ap, coef, inv)?;
            // Panels whose last row is now done go out while they are in
            // cache.
            let done = panels_done(n, nr, mr, j0);
            if done > out {
                unpack::<T>(avx, n, nr, kpad, bp, dst, out, done);
                out = done;
            }
            // The panels below: update and solve each tile.
            for q in qd1 + 1..panels {
                solve_tile::<T, K>(avx, j0, ap, bp.add(q * ps), coef, inv);
            }
        }
    }
    Ok(())
}

/// Panels complete (every column of every row factored) once the column
/// block at `j0` is done: those before this index.
#[inline(always)]
fn panels_done(n: usize, nr: usize, mr: usize, j0: usize) -> usize {
    let end = (j0 + mr).min(n);
    end / nr + usize::from(end == n)
}

/// The diagonal block of the column block at `j0`: gathers the A operand
/// (rows `j0..j0 + w` of `L` at depth `0..j0`) into `ap`, updates the one
/// or two panels holding the block's rows, factors the block column by
/// column on their tiles and leaves its coefficients in `coef` and the
/// reciprocals of its diagonal in `inv` (zeros and ones past `w`), ready
/// for [`solve_tile`] of the panels below. Returns the last diagonal
/// panel.
///
/// # Errors
/// [`Error::NotPositiveDefinite`] at the first pivot that is not positive
/// (`offset` added).
///
/// # Safety
/// As for [`factor_panels`]; the diagonal panels hold columns `0..j0` of `L` and are not
/// used by anyone else meanwhile.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn diag_block<T: Scalar, K: Kernel<T>>(
    avx: bool,
    n: usize,
    offset: usize,
    kpad: usize,
    bp: *mut T,
    j0: usize,
    ap: *mut T,
    coef: *mut T,
    inv: *mut T,
) -> Result<usize> {
    let (mr, nr) = (K::MR, K::NR);
    debug_assert!(mr <= 16);
    let ps = nr * kpad;
    // SAFETY (whole body): the offsets stay inside the buffers (tiles end
    // at depth j0 + mr <= kpad).
    unsafe {
        let w = mr.min(n - j0);
        // The A operand: rows j0..j0 + w of L at depth 0..j0, zero rows
        // past n.
        gather::<T>(j0, w, mr, nr, ps, bp, ap);
        let (qd0, qd1) = (j0 / nr, (j0 + w - 1) / nr);
        let tile = |q: usize| bp.add(q * ps + j0 * nr);
        if j0 > 0 {
            for q in qd0..=qd1 {
                if update_tile::<T, K>(avx, j0, ap, bp.add(q * ps)) {
                    continue;
                }
                K::run(
                    j0,
                    ap,
                    bp.add(q * ps),
                    tile(q),
                    nr as isize,
                    1,
                    mr,
                    nr,
                    -T::ONE,
                    T::ONE,
                );
            }
        }
        // The diagonal block, column by column on the diagonal panels'
        // tiles: row c of a tile is column j0 + c of its nr rows.
        for x in 0..mr * mr {
            *coef.add(x) = T::ZERO;
        }
        for x in 0..mr {
            *inv.add(x) = T::ZERO;
        }
        for c in 0..w {
            let row = j0 + c;
            let (qc, lc) = (row / nr, row % nr);
            for q2 in 0..c {
                *coef.add(c * mr + q2) = *tile(qc).add(q2 * nr + lc);
            }
            for q in qd0..=qd1 {
                let t = tile(q);
                for q2 in 0..c {
                    let d = -*coef.add(c * mr + q2);
                    for l in 0..nr {
                        let y = t.add(c * nr + l);
                        *y = d.mul_add(*t.add(q2 * nr + l), *y);
                    }
                }
            }
            let pivot = *tile(qc).add(c * nr + lc);
            // Not positive (or NaN): the leading minor of this order fails.
            let positive = pivot > T::ZERO;
            if !positive {
                return Err(Error::NotPositiveDefinite {
                    index: offset + row,
                });
            }
            let s = pivot.sqrt();
            let iv = T::ONE / s;
            *inv.add(c) = iv;
            for q in qd0..=qd1 {
                let t = tile(q).add(c * nr);
                for l in 0..nr {
                    let r = q * nr + l;
                    let y = t.add(l);
                    *y = if r > row {
                        *y * iv
                    } else if r == row {
                        s
                    } else {
                        T::ZERO
                    };
                }
            }
        }
        for q in qd0..=qd1 {
            for x in w * nr..mr * nr {
                *tile(q).add(x) = T::ZERO;
            }
        }
        Ok(qd1)
    }
}

/// Copies rows `j0..j0 + w` of the panels at `bp` (depth `0..j0`) into
/// the A operand layout at `ap` (`ap[p * mr + c]`, zero rows from `w`).
///
/// # Safety
/// As for [`factor_panels`].
#[inline(always)]
unsafe fn gather<T: Scalar>(
    j0: usize,
    w: usize,
    mr: usize,
    nr: usize,
    ps: usize,
    bp: *const T,
    ap: *mut T,
) {
    let (q0, l0) = (j0 / nr, j0 % nr);
    // SAFETY (whole body): rows j0..j0 + w lie in panels q0 and q0 + 1,
    // depth 0..j0 of them inside `bp`; `ap` holds mr * j0.
    unsafe {
        let pa = bp.add(q0 * ps + l0);
        let pb = bp.add((q0 + 1) * ps);
        if mr == 6 && w == 6 {
            // The six rows: lanes l0.. of one panel, maybe the first lanes
            // of the next.
            match nr - l0 {
                k if k >= 6 => return gather_fixed::<T, 6, 0>(j0, nr, pa, pb, ap),
                4 => return gather_fixed::<T, 4, 2>(j0, nr, pa, pb, ap),
                2 => return gather_fixed::<T, 2, 4>(j0, nr, pa, pb, ap),
                _ => {}
            }
        }
        let mut offs = [0usize; 16];
        for (c, o) in offs.iter_mut().enumerate().take(w) {
            let r = j0 + c;
            *o = (r / nr) * ps + r % nr;
        }
        for p in 0..j0 {
            for (c, &o) in offs.iter().enumerate().take(mr) {
                *ap.add(p * mr + c) = if c < w { *bp.add(o + p * nr) } else { T::ZERO };
            }
        }
    }
}

/// [`gather`] of six rows, `A` from lanes of `pa` and `B` from `pb`.
///
/// # Safety
/// As for [`gather`] (`pa`, `pb` readable for `A` / `B` lanes at every
/// depth below `j0`).
#[inline(always)]
unsafe fn gather_fixed<T: Scalar, const A: usize, const B: usize>(
    j0: usize,
    nr: usize,
    pa: *const T,
    pb: *const T,
    ap: *mut T,
) {
    // SAFETY: as the caller guarantees; A + B = 6.
    unsafe {
        for p in 0..j0 {
            core::ptr::copy_nonoverlapping(pa.add(p * nr), ap.add(p * 6), A);
            if B > 0 {
                core::ptr::copy_nonoverlapping(pb.add(p * nr), ap.add(p * 6 + A), B);
            }
        }
    }
}

/// [`solve_tile`]'s update alone (`T = T - A B`) by the AVX2 tile; `false`
/// (nothing done) where it does not apply.
///
/// # Safety
/// As for [`solve_tile`].
#[inline(always)]
unsafe fn update_tile<T: Scalar, K: Kernel<T>>(
    avx: bool,
    j0: usize,
    ap: *const T,
    panel: *mut T,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if avx && K::MR == 6 {
        use crate::gemm::tile::avx;
        // SAFETY: the panels and operands as the caller guarantees; AVX2
        // and FMA present (`avx`); T is the type named by the case.
        unsafe {
            if K::NR == 8 && same_type::<T, f64>() {
                let p = panel as *mut f64;
                let t = p.add(j0 * 8);
                avx::tile_f64::<false>(j0, ap as *const f64, p, t, t, t);
                return true;
            }
            if K::NR == 16 && same_type::<T, f32>() {
                let p = panel as *mut f32;
                let t = p.add(j0 * 16);
                avx::tile_f32::<false>(j0, ap as *const f32, p, t, t, t);
                return true;
            }
        }
    }
    let _ = (avx, j0, ap, panel);
    false
}

/// `T = T - A B` for the tile at depth `j0` of `panel` (B: the panel's
/// depth `0..j0`), then row `c` of it becomes
/// `(T[c] - sum_{q < c} coef[c mr + q] T[q]) * inv[c]`.
///
/// # Safety
/// As for [`factor_panels`]; `panel` holds depth `j0 + MR`.
#[inline(always)]
unsafe fn solve_tile<T: Scalar, K: Kernel<T>>(
    avx: bool,
    j0: usize,
    ap: *const T,
    panel: *mut T,
    coef: *const T,
    inv: *const T,
) {
    let (mr, nr) = (K::MR, K::NR);
    #[cfg(target_arch = "x86_64")]
    if avx && mr == 6 {
        use crate::gemm::tile::avx;
        // SAFETY: the panels and operands as the caller guarantees; AVX2
        // and FMA present (`avx`); T is the type named by the case.
        unsafe {
            if nr == 8 && same_type::<T, f64>() {
                let p = panel as *mut f64;
                avx::tile_f64::<true>(
                    j0,
                    ap as *const f64,
                    p,
                    p.add(j0 * 8),
                    coef as *const f64,
                    inv as *const f64,
                );
                return;
            }
            if nr == 16 && same_type::<T, f32>() {
                let p = panel as *mut f32;
                avx::tile_f32::<true>(
                    j0,
                    ap as *const f32,
                    p,
                    p.add(j0 * 16),
                    coef as *const f32,
                    inv as *const f32,
                );
                return;
            }
        }
    }
    let _ = avx;
    // SAFETY: as above; the tile (depth j0..j0 + mr) is disjoint from the
    // B operand (depth 0..j0).
    unsafe {
        let t = panel.add(j0 * nr);
        if j0 > 0 {
            K::run(j0, ap, panel, t, nr as isize, 1, mr, nr, -T::ONE, T::ONE);
        }
        for c in 0..mr {
            for q in 0..c {
                let d = -*coef.add(c * mr + q);
                for l in 0..nr {
                    let y = t.add(c * nr + l);
                    *y = d.mul_add(*t.add(q * nr + l), *y);
                }
            }
            let s = *inv.add(c);
            for l in 0..nr {
                *t.add(c * nr + l) *= s;
            }
        }
    }
}

// ------------------------------------------------------------ on a team

/// Column blocks whose A operand, coefficients and reciprocals are kept at
/// once on a team (a ring): the diagonal block of step `k` may be factored
/// while tiles of steps down to `k - RING + 1` are still to be solved, so
/// that a thread can run ahead of one that the OS holds off the CPU.
const RING: usize = 8;

/// How far past the first unclaimed item a thread looks for one that is
/// ready.
const WINDOW: usize = 256;

/// Panels per piece of a step's tiles at depth `j0`: about 3000 depth
/// units (a few microseconds of microkernel work), at least one.
#[inline(always)]
fn piece_panels(j0: usize) -> usize {
    (3072 / (j0 + 32)).clamp(1, 32)
}

/// Panels per claim of the team's packing.
const PACK_PANELS: usize = 4;

/// One unit of the team's work.
#[derive(Clone, Copy)]
enum Item {
    /// The diagonal block of step `k` ([`diag_block`]), then the tile of
    /// the panel just below it (the next step's diagonal block needs it).
    Diag(usize),
    /// The write-out of the panels that the diagonal block of step `k`
    /// completed.
    Out(usize),
    /// The tiles of step `k` in panels `q0..q1`, and with `true` those of
    /// step `k + 1` too, panel by panel (the second reads the panel from L1
    /// or L2: half the traffic from L3).
    Tiles(usize, usize, usize, bool),
}

/// A counter alone on its cache line.
#[repr(align(64))]
struct Flag(AtomicUsize);

/// What the team shares during [`run_team`]'s factorization.
struct Pipe<T> {
    avx: bool,
    mr: usize,
    nr: usize,
    n: usize,
    src: Src<T>,
    offset: usize,
    kpad: usize,
    /// The panels.
    bp: *mut T,
    /// `RING` slots of `slot` elements: A operand (`MR kpad`), coefficients
    /// (`MR MR`), reciprocals (`MR`).
    ring: *mut T,
    slot: usize,
    dst: Dst<T>,
    items: Vec<Item>,
    /// Per item: claimed by a thread.
    claimed: Vec<AtomicBool>,
    /// The next panels to pack.
    next_pack: AtomicUsize,
    /// Per panel: the steps whose tile in it is done (its steps `0..value`).
    panel_steps: Vec<Flag>,
    /// Diagonal blocks factored (steps `0..value`).
    diags: Flag,
    /// Per step: its items not yet finished (its `Tiles` and its `Diag`).
    left: Vec<Flag>,
    /// Set when a pivot fails or a value is not finite (or a job unwinds):
    /// everyone stops.
    abort: AtomicBool,
    /// The failing pivot's index in the whole matrix.
    failed: AtomicUsize,
}

// SAFETY: the raw pointers are shared by the team's threads, which touch
// the buffers only as the counters allow (see `run_team`): a panel's tile
// of a step is written by the one thread that claimed its item, and an item
// is claimed only once every item it reads from has published its result
// (release stores, acquire loads on the counters).
unsafe impl<T: Send> Sync for Pipe<T> {}

/// Sets `abort` if dropped while armed (a job that unwinds must not leave
/// the others waiting for it).
struct AbortOnUnwind<'a>(&'a AtomicBool, bool);

impl Drop for AbortOnUnwind<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.store(true, Ordering::Release);
        }
    }
}

impl<T: Scalar> Pipe<T> {
    /// Whether the tiles of panel `q` are done through step `k - 1`.
    #[inline(always)]
    fn panel_at(&self, q: usize, k: usize) -> bool {
        self.panel_steps[q].0.load(Ordering::Acquire) >= k
    }

    /// The diagonal panels of step `k` (first, last).
    #[inline(always)]
    fn diag_panels(&self, k: usize) -> (usize, usize) {
        let j0 = k * self.mr;
        let end = (j0 + self.mr).min(self.n);
        (j0 / self.nr, (end - 1) / self.nr)
    }

    /// Whether every item `item` reads from has published its result.
    #[inline(always)]
    fn ready(&self, item: Item) -> bool {
        match item {
            Item::Diag(k) => {
                let (qd0, qd1) = self.diag_panels(k);
                let last = (qd1 + 1).min(self.panel_steps.len() - 1);
                // The previous block, this block's panels and the one below
                // through step k - 1, and the slot free (step k - RING
                // finished).
                self.diags.0.load(Ordering::Acquire) >= k
                    && (qd0..=last).all(|q| self.panel_at(q, k))
                    && (k < RING || self.left[k - RING].0.load(Ordering::Acquire) == 0)
            }
            Item::Out(k) => self.diags.0.load(Ordering::Acquire) > k,
            Item::Tiles(k, q0, q1, two) => {
                self.diags.0.load(Ordering::Acquire) > k + usize::from(two)
                    && (q0..q1).all(|q| self.panel_at(q, k))
            }
        }
    }

    /// Claims and runs ready items until all are claimed or the work is
    /// aborted. No item waits inside: one is claimed only when ready, so
    /// every claimed item finishes, and the first unclaimed one becomes
    /// ready once those before it finish (they are all it reads from);
    /// a thread held off the CPU delays only what depends on its item.
    ///
    /// # Safety
    /// As for [`run_team`]: the pipe's buffers as it set them up.
    #[inline(always)]
    unsafe fn work<K: Kernel<T>>(&self) {
        let mut guard = AbortOnUnwind(&self.abort, true);
        let count = self.items.len();
        // Items before `low` are claimed.
        let mut low = 0;
        let mut spins = 0u32;
        'outer: while !self.abort.load(Ordering::Acquire) {
            while low < count && self.claimed[low].load(Ordering::Relaxed) {
                low += 1;
            }
            if low == count {
                break;
            }
            for i in low..(low + WINDOW).min(count) {
                let item = self.items[i];
                if self.claimed[i].load(Ordering::Relaxed) || !self.ready(item) {
                    continue;
                }
                if self.claimed[i].swap(true, Ordering::Acquire) {
                    continue;
                }
                // SAFETY: the caller's contract; the item is ready and this
                // thread's alone.
                unsafe {
                    match item {
                        Item::Diag(k) => self.diag::<K>(k),
                        Item::Out(k) => self.out::<K>(k),
                        Item::Tiles(k, q0, q1, two) => self.tiles::<K>(k, q0, q1, two),
                    }
                }
                spins = 0;
                continue 'outer;
            }
            if spins < 1 << 12 {
                spins += 1;
                core::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        guard.1 = false;
    }

    /// The ring slot of step `k`: (A operand, coefficients, reciprocals).
    #[inline(always)]
    fn slot(&self, k: usize) -> (*mut T, *mut T, *mut T) {
        let mr = self.mr;
        let base = self.ring.wrapping_add((k % RING) * self.slot);
        let coef = base.wrapping_add(mr * self.kpad);
        (base, coef, coef.wrapping_add(mr * mr))
    }

    /// Packs panels, `PACK_PANELS` at a time as claimed, until none is
    /// left; a NaN or infinity sets `abort`.
    ///
    /// # Safety
    /// As for [`run_team`].
    #[inline(always)]
    unsafe fn pack_all(&self) {
        let mut guard = AbortOnUnwind(&self.abort, true);
        let (mr, nr) = (self.mr, self.nr);
        let panels = self.n.div_ceil(nr);
        loop {
            let q0 = self.next_pack.fetch_add(PACK_PANELS, Ordering::Relaxed);
            if q0 >= panels || self.abort.load(Ordering::Relaxed) {
                break;
            }
            let q1 = (q0 + PACK_PANELS).min(panels);
            // SAFETY: panels q0..q1 are this claim's; `src` as the caller
            // guarantees.
            let finite = unsafe {
                pack::<T>(
                    self.avx, self.n, nr, mr, self.kpad, self.src, self.bp, q0, q1,
                )
            };
            if !finite {
                self.abort.store(true, Ordering::Release);
                break;
            }
            if self.dst.fill {
                // Fault in the result's pages of these rows here, on every
                // thread, rather than in the write-out (`dst` is a new
                // vector: nothing is read from it).
                let (r0, r1) = (q0 * nr, (q1 * nr).min(self.n));
                let step = (4096 / core::mem::size_of::<T>().max(1)).max(1);
                let rows = self.dst.ptr.wrapping_offset(r0 as isize * self.dst.rs);
                let len = (r1 - r0) * self.n;
                for x in (0..len).step_by(step).chain(len.checked_sub(1)) {
                    // SAFETY: with `fill`, rows r0..r1 of `dst` are n
                    // contiguous elements each, n apart (the new vector),
                    // written by this claim only.
                    unsafe { rows.add(x).write(T::ZERO) };
                }
            }
        }
        guard.1 = false;
    }

    /// [`Item::Diag`] of a ready step `k`.
    ///
    /// # Safety
    /// As for [`Pipe::work`]; the item is ready and claimed by this thread.
    #[inline(always)]
    unsafe fn diag<K: Kernel<T>>(&self, k: usize) {
        let (mr, nr) = (K::MR, K::NR);
        let (n, kpad) = (self.n, self.kpad);
        let j0 = k * mr;
        let (qd0, qd1) = self.diag_panels(k);
        let panels = n.div_ceil(nr);
        let (ap, coef, inv) = self.slot(k);
        // SAFETY: the slot (its step k - RING finished) and the diagonal
        // panels' tiles of step k are this item's.
        let r = unsafe {
            diag_block::<T, K>(self.avx, n, self.offset, kpad, self.bp, j0, ap, coef, inv)
        };
        if let Err(e) = r {
            if let Error::NotPositiveDefinite { index } = e {
                self.failed.store(index, Ordering::Relaxed);
            }
            self.abort.store(true, Ordering::Release);
            return;
        }
        for q in qd0..=qd1 {
            self.panel_steps[q].0.store(k + 1, Ordering::Release);
        }
        self.diags.0.store(k + 1, Ordering::Release);
        // The panel the next diagonal block reaches into (ready: done
        // through step k - 1).
        let q = qd1 + 1;
        if q < panels {
            // SAFETY: panel q's tile of step k is this item's (`Tiles` items
            // of step k start below it).
            unsafe {
                solve_tile::<T, K>(self.avx, j0, ap, self.bp.add(q * nr * kpad), coef, inv);
            }
            self.panel_steps[q].0.store(k + 1, Ordering::Release);
        }
        self.left[k].0.fetch_sub(1, Ordering::Release);
    }

    /// [`Item::Out`] of step `k`, whose diagonal block is done.
    ///
    /// # Safety
    /// As for [`Pipe::diag`].
    #[inline(always)]
    unsafe fn out<K: Kernel<T>>(&self, k: usize) {
        let (from, to) = out_panels(self.n, K::MR, K::NR, k);
        // SAFETY: panels from..to are complete (their last column block is
        // step k's): nobody writes them any more; their rows of `dst` are
        // written by this item only.
        unsafe {
            unpack::<T>(
                self.avx,
                self.n,
                K::NR,
                self.kpad,
                self.bp,
                self.dst,
                from,
                to,
            )
        };
    }

    /// [`Item::Tiles`] of a ready step `k`.
    ///
    /// # Safety
    /// As for [`Pipe::diag`].
    #[inline(always)]
    unsafe fn tiles<K: Kernel<T>>(&self, k: usize, q0: usize, q1: usize, two: bool) {
        let nr = K::NR;
        let (ap, coef, inv) = self.slot(k);
        let j0 = k * K::MR;
        let (ap2, coef2, inv2) = self.slot(k + 1);
        for q in q0..q1 {
            let panel = self.bp.wrapping_add(q * nr * self.kpad);
            // SAFETY: the tiles of steps k (and k + 1 with `two`) in panel
            // q are this item's; the slots of those steps are published
            // (read only from now on).
            unsafe {
                solve_tile::<T, K>(self.avx, j0, ap, panel, coef, inv);
                if two {
                    solve_tile::<T, K>(self.avx, j0 + K::MR, ap2, panel, coef2, inv2);
                }
            }
            self.panel_steps[q]
                .0
                .store(k + 1 + usize::from(two), Ordering::Release);
        }
        self.left[k].0.fetch_sub(1, Ordering::Release);
        if two {
            self.left[k + 1].0.fetch_sub(1, Ordering::Release);
        }
    }
}

/// The panels that the diagonal block of step `k` completes (`from..to`).
fn out_panels(n: usize, mr: usize, nr: usize, k: usize) -> (usize, usize) {
    let from = if k == 0 {
        0
    } else {
        panels_done(n, nr, mr, (k - 1) * mr)
    };
    (from, panels_done(n, nr, mr, k * mr))
}

/// The items of the factorization of order `n`, in the order they are
/// preferred, and the number of items of each step. Steps go in pairs
/// `k, k + 1`: the diagonal blocks of both (with the tiles between them
/// that the second needs), then the tiles of both below, panel by panel,
/// first those that the next pair's diagonal blocks need, the rest after
/// the next pair's diagonal blocks (so that one thread factors those while
/// the others solve the pair before). Tiles go in pieces of
/// [`piece_panels`] (half as many for two steps).
fn items(n: usize, mr: usize, nr: usize) -> (Vec<Item>, Vec<usize>) {
    let steps = n.div_ceil(mr);
    let panels = n.div_ceil(nr);
    // The panel below the diagonal panels of step k (its tile of step k is
    // the diagonal item's), capped at the end.
    let below = |k: usize| (((k * mr + mr).min(n) - 1) / nr + 1).min(panels);
    let mut items = Vec::new();
    let mut count = vec![1usize; steps];
    let mut pieces = |k: usize, two: bool, q0: usize, q1: usize, items: &mut Vec<Item>| {
        let per = if two {
            (piece_panels(k * mr) / 2).max(1)
        } else {
            piece_panels(k * mr)
        };
        let mut q = q0;
        while q < q1 {
            let end = (q + per).min(q1);
            items.push(Item::Tiles(k, q, end, two));
            count[k] += 1;
            if two {
                count[k + 1] += 1;
            }
            q = end;
        }
    };
    // The previous pair's remaining tiles: (its first step, first panel).
    let mut rest: Option<(usize, usize)> = None;
    let mut k = 0;
    while k < steps {
        items.push(Item::Diag(k));
        if k + 1 < steps {
            // Between the two blocks' look-ahead panels: step k only.
            let g0 = (below(k) + 1).min(panels);
            let g1 = (below(k + 1) + 1).min(panels).max(g0);
            pieces(k, false, g0, g1, &mut items);
            items.push(Item::Diag(k + 1));
            // What the next pair's diagonal items read, then the rest of
            // the pair before.
            let f1 = (below((k + 3).min(steps - 1)) + 1).min(panels).max(g1);
            pieces(k, true, g1, f1, &mut items);
            for s in [k, k + 1] {
                let (from, to) = out_panels(n, mr, nr, s);
                if to > from {
                    items.push(Item::Out(s));
                }
            }
            if let Some((kp, q0)) = rest {
                pieces(kp, true, q0, panels, &mut items);
            }
            rest = Some((k, f1));
            k += 2;
        } else {
            if let Some((kp, q0)) = rest.take() {
                pieces(kp, true, q0, panels, &mut items);
            }
            pieces(k, false, (below(k) + 1).min(panels), panels, &mut items);
            let (from, to) = out_panels(n, mr, nr, k);
            if to > from {
                items.push(Item::Out(k));
            }
            k += 1;
        }
    }
    if let Some((kp, q0)) = rest {
        pieces(kp, true, q0, panels, &mut items);
    }
    (items, count)
}

/// [`run`] over a team: the panels are packed by claims of a few panels
/// (the check completes before any factorization work), then the column
/// blocks run as a pipeline of [`Item`]s, each claimed by whichever thread
/// finds it ready first (see [`Pipe::work`]). Every tile is computed by the
/// same operations as on one thread, so the result is the same, and the
/// diagonal blocks run in order, so a failing pivot is found at the same
/// index.
///
/// # Safety
/// As for [`run`].
unsafe fn run_team<T: Scalar, K: Kernel<T>>(
    avx: bool,
    n: usize,
    offset: usize,
    src: Src<T>,
    dst: Dst<T>,
    team: &Team,
) -> Result<()> {
    let (mr, nr) = (K::MR, K::NR);
    let blocks = n.div_ceil(mr);
    let kpad = blocks * mr;
    let panels = n.div_ceil(nr);
    let slot = mr * kpad + mr * mr + mr;
    with_buffers(|abuf, bbuf| {
        let bp = bbuf.slice::<T>(panels * nr * kpad).as_mut_ptr();
        let ring = abuf.slice::<T>(RING * slot).as_mut_ptr();
        let (list, count) = items(n, mr, nr);
        let pipe = Pipe {
            avx,
            mr,
            nr,
            n,
            src,
            offset,
            kpad,
            bp,
            ring,
            slot,
            dst,
            claimed: (0..list.len()).map(|_| AtomicBool::new(false)).collect(),
            items: list,
            next_pack: AtomicUsize::new(0),
            panel_steps: (0..panels).map(|_| Flag(AtomicUsize::new(0))).collect(),
            diags: Flag(AtomicUsize::new(0)),
            left: count
                .into_iter()
                .map(|c| Flag(AtomicUsize::new(c)))
                .collect(),
            abort: AtomicBool::new(false),
            failed: AtomicUsize::new(usize::MAX),
        };
        // SAFETY (both runs): the caller's contract covers `src` and `dst`;
        // the panels and the ring are this call's scratch; `pack_all` and
        // `work` keep to their protocol (see `Pipe`).
        team.run(&|_| vectorized(|| unsafe { pipe.pack_all() }));
        if pipe.abort.load(Ordering::Acquire) {
            return Err(Error::NonFinite { op: Op::Cholesky });
        }
        team.run(&|_| vectorized(|| unsafe { pipe.work::<K>() }));
        if pipe.abort.load(Ordering::Acquire) {
            let index = pipe.failed.load(Ordering::Relaxed);
            return Err(Error::NotPositiveDefinite { index });
        }
        Ok(())
    })
}
