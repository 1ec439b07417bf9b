//! Right-side triangular solve $X L^T = B$ on packed panels, so that almost
//! all of its flops run in the gemm microkernel.
//!
//! Transposed, the solve is $L X^T = B^T$: a left solve whose right-hand
//! sides are the rows of `B`. Rows of `B` are taken `NR` at a time (a row
//! panel), packed as the microkernel's B operand (`xp[p * NR + r] = B[r, p]`,
//! each depth step the `NR` rows' entries of one column). Columns of `X` are
//! solved `MR` at a time (a column block at `j0`): the microkernel computes
//! the `MR x NR` tile `X^T[j0.., rows] = B^T[j0.., rows] - L[j0.., ..j0]
//! X^T[..j0, rows]` with `L`'s rows packed once as its A operand, writing
//! the tile in place into the packed panel (row `c` of the tile = depth
//! `j0 + c` of the panel, the `NR` rows' values of column `j0 + c`), where
//! the small `MR x MR` triangular solve then runs on whole vectors of `NR`
//! lanes (one per row of `B`). The solved tile is at once the packed B
//! operand of the next column blocks: nothing is copied between the steps.
//! At the end of a row panel its columns go back to `B` (one transposing
//! copy of `NR x k`).
//!
//! The same file holds the packed update `C = alpha A B^T + beta C`, on the
//! whole of `C` or its lower triangle (syrk, Cholesky's trailing update),
//! and the AVX2 transposing packers both use (whole `NR`-row B panels and
//! 6-row A panels of contiguous rows; others go through `pack.rs`).

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use oxblas_core::cast::{cast_mat_mut, cast_mat_ref, cast_slice};
use oxblas_core::{MatMut, MatRef, Scalar};

#[cfg(target_arch = "x86_64")]
pub(crate) use super::microkernel::{Avx2F32, Avx2F64};
pub(crate) use super::microkernel::{Kernel, Portable};
/// The per-thread packing buffers (Cholesky's packed factorization keeps its
/// panels there too).
pub(crate) use super::pack::with_buffers;
use super::{pack, Isa};

/// Solves $X L^T = B$ in place in `b` (`m x k`, any strides) for the
/// strictly lower part of `l` (`k x k`, any strides; the diagonal is not
/// read) and `invd[c]`, the reciprocal of the diagonal entry `c` (ones for
/// a unit diagonal). Runs on the calling thread.
pub(crate) fn solve_lower_t_packed<T: Scalar>(
    isa: Isa,
    l: MatRef<'_, T>,
    invd: &[T],
    b: MatMut<'_, T>,
) {
    let (m, k) = b.shape();
    debug_assert_eq!(l.shape(), (k, k));
    debug_assert!(invd.len() >= k);
    if m == 0 || k == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2Fma {
        return typed::<T, super::microkernel::Avx2F64, super::microkernel::Avx2F32>(l, invd, b);
    }
    #[cfg(target_arch = "aarch64")]
    if isa == Isa::Neon {
        return typed::<T, super::microkernel::NeonF64, super::microkernel::NeonF32>(l, invd, b);
    }
    let _ = isa;
    run::<T, Portable<4, 4>>(l, invd, b)
}

/// [`run`] with the f64 kernel `K64` or the f32 kernel `K32`, chosen by `T`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn typed<T: Scalar, K64: Kernel<f64>, K32: Kernel<f32>>(
    l: MatRef<'_, T>,
    invd: &[T],
    b: MatMut<'_, T>,
) {
    if let (Some(l), Some(invd)) = (cast_mat_ref::<T, f64>(l), cast_slice::<T, f64>(invd)) {
        let b = cast_mat_mut::<T, f64>(b).expect("T is f64");
        return run::<f64, K64>(l, invd, b);
    }
    if let (Some(l), Some(invd)) = (cast_mat_ref::<T, f32>(l), cast_slice::<T, f32>(invd)) {
        let b = cast_mat_mut::<T, f32>(b).expect("T is f32");
        return run::<f32, K32>(l, invd, b);
    }
    run::<T, Portable<4, 4>>(l, invd, b)
}

/// The packed solve with kernel `K` (see the module documentation).
fn run<T: Scalar, K: Kernel<T>>(l: MatRef<'_, T>, invd: &[T], mut b: MatMut<'_, T>) {
    let (m, k) = b.shape();
    let (mr, nr) = (K::MR, K::NR);
    let blocks = k.div_ceil(mr);
    let kpad = blocks * mr;
    // Packed L: block `jb` (rows jb*mr.., columns ..jb*mr, an MR-row panel of
    // depth jb*mr) at `mr * mr * jb * (jb - 1) / 2`; then the diagonal
    // blocks' strict lower parts (`coef[jb][c][q] = L[j0 + c, j0 + q]` for
    // q < c, zero elsewhere) and the reciprocals of the diagonal (zero past k).
    let lsize = mr * mr * blocks * (blocks - 1) / 2;
    let dsize = blocks * mr * mr;
    pack::with_buffers(|abuf, bbuf| {
        let (lp, rest) = abuf.slice::<T>(lsize + dsize + kpad).split_at_mut(lsize);
        let (coef, inv) = rest.split_at_mut(dsize);
        for jb in 1..blocks {
            let j0 = jb * mr;
            let nj = mr.min(k - j0);
            let off = mr * mr * jb * (jb - 1) / 2;
            pack_a_fast(mr, l, j0, 0, nj, j0, &mut lp[off..off + mr * j0]);
        }
        coef.fill(T::ZERO);
        for jb in 0..blocks {
            let j0 = jb * mr;
            let nj = mr.min(k - j0);
            for c in 0..nj {
                for q in 0..c {
                    // SAFETY: j0 + q < j0 + c < k: inside the k x k `l`.
                    coef[jb * mr * mr + c * mr + q] = unsafe { *l.get_unchecked(j0 + c, j0 + q) };
                }
            }
        }
        inv[..k].copy_from_slice(&invd[..k]);
        inv[k..].fill(T::ZERO);
        let (lp, coef, inv): (&[T], &[T], &[T]) = (lp, coef, inv);
        let xp = bbuf.slice::<T>(nr * kpad);
        crate::lapack::util::vectorized(
            #[inline(always)]
            || {
                for i0 in (0..m).step_by(nr) {
                    let mi = nr.min(m - i0);
                    if !transpose_panel(nr, b.rb_mut(), i0, mi, k, xp, true)
                        && !strip_panel(nr, b.rb_mut(), i0, mi, k, xp, true)
                    {
                        pack::pack_a(nr, b.rb(), i0, 0, mi, k, xp);
                    }
                    xp[k * nr..].fill(T::ZERO);
                    // SAFETY: `xp` holds kpad * nr elements; `lp`, `coef`
                    // and `inv` are laid out as described above.
                    unsafe { panel::<T, K>(blocks, lp, coef, inv, xp.as_mut_ptr()) };
                    if transpose_panel(nr, b.rb_mut(), i0, mi, k, xp, false)
                        || strip_panel(nr, b.rb_mut(), i0, mi, k, xp, false)
                    {
                        continue;
                    }
                    for r in 0..mi {
                        let dst = b.ptr_at_mut(i0 + r, 0);
                        let cs = b.col_stride();
                        for p in 0..k {
                            // SAFETY: (i0 + r, p) lies inside `b`, borrowed
                            // exclusively; p * nr + r < k * nr <= xp.len().
                            unsafe { *dst.offset(p as isize * cs) = *xp.get_unchecked(p * nr + r) };
                        }
                    }
                }
            },
        )
    })
}

/// `C -= A A^T` on the lower triangle of `c` (`m x m`, any strides; the
/// strict upper triangle is neither read nor written), `a` `m x k` (any
/// strides): the packed gemm loop nest restricted to the triangle (tiles
/// above the diagonal skipped, tiles across it through a temporary), with
/// the B panels (rows of `A`, `NR` at a time) packed by the AVX2 transposes
/// where they apply. Runs on the calling thread.
pub(crate) fn syrk_lower_sub<T: Scalar>(isa: Isa, a: MatRef<'_, T>, c: MatMut<'_, T>) {
    debug_assert_eq!(c.shape(), (a.rows(), a.rows()));
    update(isa, -T::ONE, a, a, T::ONE, c, Part::Lower)
}

/// `C = alpha A A^T + beta C` on the lower triangle of `c` by the loops of
/// [`syrk_lower_sub`] (`beta == 0`: `C` is not read).
pub(crate) fn syrk_lower<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) {
    debug_assert_eq!(c.shape(), (a.rows(), a.rows()));
    update(isa, alpha, a, a, beta, c, Part::Lower)
}

/// `C -= A B^T` (`c` `m x n`, `a` `m x k`, `b` `n x k`, any strides) by
/// the same loop nest as [`syrk_lower_sub`], on the whole of `C`.
pub(crate) fn gemm_nt_sub<T: Scalar>(
    isa: Isa,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
) {
    debug_assert_eq!(c.shape(), (a.rows(), b.rows()));
    debug_assert_eq!(a.cols(), b.cols());
    update(isa, -T::ONE, a, b, T::ONE, c, Part::All)
}

/// `C -= A B^T` on the upper triangle of `c` (`m x m`, any strides; the
/// strict lower triangle is neither read nor written), `a` and `b` `m x k`
/// (any strides): the loops of [`syrk_lower_sub`] with two operands and the
/// other triangle. A symmetric rank-`2k` update `C -= V W^T + W V^T` is one
/// call on the column-concatenated `[V W]` and `[W V]` (depth `2k`), each
/// panel packed once; for a column-major lower triangle, pass the row-major
/// view of its transpose (the kernels store rows of `C` as vectors). Runs on
/// the calling thread.
pub(crate) fn gemm_nt_upper_sub<T: Scalar>(
    isa: Isa,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
) {
    debug_assert_eq!(c.shape(), (a.rows(), a.rows()));
    debug_assert_eq!(b.shape(), a.shape());
    update(isa, -T::ONE, a, b, T::ONE, c, Part::Upper)
}

/// Which entries of `C` the packed update computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// All of `C`.
    All,
    /// `C[i, j]` for `j <= i`.
    Lower,
    /// `C[i, j]` for `j >= i`.
    Upper,
}

/// `C = alpha A B^T + beta C` on the `part` of `C`.
fn update<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    part: Part,
) {
    if a.rows() == 0 || b.rows() == 0 || a.cols() == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2Fma {
        return typed_syrk::<T, super::microkernel::Avx2F64, super::microkernel::Avx2F32>(
            alpha, a, b, beta, c, part,
        );
    }
    #[cfg(target_arch = "aarch64")]
    if isa == Isa::Neon {
        return typed_syrk::<T, super::microkernel::NeonF64, super::microkernel::NeonF32>(
            alpha, a, b, beta, c, part,
        );
    }
    let _ = isa;
    run_syrk::<T, Portable<4, 4>>(alpha, a, b, beta, c, part)
}

/// [`run_syrk`] with the f64 kernel `K64` or the f32 kernel `K32`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn typed_syrk<T: Scalar, K64: Kernel<f64>, K32: Kernel<f32>>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    part: Part,
) {
    use oxblas_core::cast::cast;
    if let (Some(a), Some(b), Some(al), Some(be)) = (
        cast_mat_ref::<T, f64>(a),
        cast_mat_ref::<T, f64>(b),
        cast::<T, f64>(alpha),
        cast::<T, f64>(beta),
    ) {
        let c = cast_mat_mut::<T, f64>(c).expect("T is f64");
        return run_syrk::<f64, K64>(al, a, b, be, c, part);
    }
    if let (Some(a), Some(b), Some(al), Some(be)) = (
        cast_mat_ref::<T, f32>(a),
        cast_mat_ref::<T, f32>(b),
        cast::<T, f32>(alpha),
        cast::<T, f32>(beta),
    ) {
        let c = cast_mat_mut::<T, f32>(c).expect("T is f32");
        return run_syrk::<f32, K32>(al, a, b, be, c, part);
    }
    run_syrk::<T, Portable<4, 4>>(alpha, a, b, beta, c, part)
}

/// [`update`] with kernel `K`.
fn run_syrk<T: Scalar, K: Kernel<T>>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    part: Part,
) {
    let (m, k) = a.shape();
    let n = b.rows();
    let (mr, nr) = (K::MR, K::NR);
    let blk = super::Blocking::new(mr, nr, core::mem::size_of::<T>(), super::caches());
    let kc = super::balanced(k, blk.kc, 1);
    let mc = super::balanced(m, blk.mc, mr).min(m.div_ceil(mr) * mr);
    let panels = n.div_ceil(nr);
    let (rs, cs) = (c.row_stride(), c.col_stride());
    // Room for the largest register tile (6 x 16 AVX2 f32, 8 x 12 NEON f32).
    const TILE: usize = 128;
    debug_assert!(mr * nr <= TILE);
    pack::with_buffers(|abuf, bbuf| {
        let bp = bbuf.slice::<T>(panels * nr * kc);
        let ap = abuf.slice::<T>(mc * kc);
        crate::lapack::util::vectorized(
            #[inline(always)]
            || {
                for pc in (0..k).step_by(kc) {
                    let kb = kc.min(k - pc);
                    let beta = if pc == 0 { beta } else { T::ONE };
                    for q in 0..panels {
                        let rows = nr.min(n - q * nr);
                        let out = &mut bp[q * nr * kb..(q + 1) * nr * kb];
                        if !pack_rows_fast(nr, b, q * nr, pc, rows, kb, out) {
                            pack::pack_a(nr, b, q * nr, pc, rows, kb, out);
                        }
                    }
                    for ic in (0..m).step_by(mc) {
                        let mb = mc.min(m - ic);
                        pack_a_fast(mr, a, ic, pc, mb, kb, ap);
                        let lower = part == Part::Lower;
                        let upper = part == Part::Upper;
                        let jend = if lower { (ic + mb).min(n) } else { n };
                        // Upper: panels from the one holding column ic.
                        let jbeg = if upper { ic.min(n) / nr * nr } else { 0 };
                        for jr in (jbeg..jend).step_by(nr) {
                            let tw = nr.min(n - jr);
                            let bpanel = bp[jr * kb..].as_ptr();
                            for ir in (0..mb).step_by(mr) {
                                let th = mr.min(mb - ir);
                                let ti = ic + ir;
                                if lower && jr > ti + th - 1 {
                                    // Wholly above the diagonal.
                                    continue;
                                }
                                if upper && jr + tw - 1 < ti {
                                    // Wholly below the diagonal.
                                    continue;
                                }
                                let apanel = ap[ir * kb..].as_ptr();
                                if part == Part::All
                                    || (lower && jr + tw - 1 <= ti)
                                    || (upper && jr >= ti + th - 1)
                                {
                                    // SAFETY: the panels hold kb * mr / kb * nr
                                    // packed elements; the th x tw tile at
                                    // (ti, jr) lies inside `c` (borrowed
                                    // exclusively), in `part`; the kernel
                                    // matches the instruction set.
                                    unsafe {
                                        K::run(
                                            kb,
                                            apanel,
                                            bpanel,
                                            c.ptr_at_mut(ti, jr),
                                            rs,
                                            cs,
                                            th,
                                            tw,
                                            alpha,
                                            beta,
                                        )
                                    };
                                    continue;
                                }
                                let mut tile = [T::ZERO; TILE];
                                // SAFETY: as above, into the local mr x nr
                                // row-major tile.
                                unsafe {
                                    K::run(
                                        kb,
                                        apanel,
                                        bpanel,
                                        tile.as_mut_ptr(),
                                        nr as isize,
                                        1,
                                        mr,
                                        nr,
                                        T::ONE,
                                        T::ZERO,
                                    )
                                };
                                for i in 0..th {
                                    // Lower: columns up to the diagonal;
                                    // upper: from it.
                                    let js = if lower {
                                        0..tw.min((ti + i + 1).saturating_sub(jr))
                                    } else {
                                        (ti + i).saturating_sub(jr).min(tw)..tw
                                    };
                                    for j in js {
                                        let dst = c.ptr_at_mut(ti + i, jr + j);
                                        // SAFETY: (ti + i, jr + j) is inside
                                        // `c`, in `part`.
                                        unsafe {
                                            let v = alpha * tile[i * nr + j];
                                            *dst =
                                                if beta == T::ZERO { v } else { v + beta * *dst };
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        )
    })
}

/// [`pack::pack_a`] for `mr`-row panels, with the whole 6-row panels of
/// contiguous rows (the AVX2 kernels' A panels) packed by AVX2 transposes.
#[inline(always)]
fn pack_a_fast<T: Scalar>(
    mr: usize,
    a: MatRef<'_, T>,
    i0: usize,
    p0: usize,
    mb: usize,
    kb: usize,
    out: &mut [T],
) {
    #[cfg(target_arch = "x86_64")]
    {
        use oxblas_core::cast::same_type;
        let f64_case = same_type::<T, f64>();
        let f32_case = same_type::<T, f32>();
        let full = mb / 6;
        if mr == 6
            && kb > 0
            && full > 0
            && (kb == 1 || a.col_stride() == 1)
            && (f64_case || f32_case)
            && super::isa() == Isa::Avx2Fma
            && out.len() >= full * 6 * kb
        {
            let rs = a.row_stride();
            for q in 0..full {
                let src = a.ptr_at(i0 + 6 * q, p0);
                let dst = out[q * 6 * kb..].as_mut_ptr();
                // SAFETY: rows i0 + 6q..+6 of `a` hold kb contiguous
                // elements from column p0 (the block lies inside `a`, unit
                // column stride); `out` holds 6 kb from q * 6 kb; AVX2 is
                // present; T is the type named by the case.
                unsafe {
                    if f64_case {
                        avx::pack6_f64(src as *const f64, rs, kb, dst as *mut f64)
                    } else {
                        avx::pack6_f32(src as *const f32, rs, kb, dst as *mut f32)
                    }
                }
            }
            if full * 6 < mb {
                let rest = &mut out[full * 6 * kb..];
                pack::pack_a(mr, a, i0 + full * 6, p0, mb - full * 6, kb, rest);
            }
            return;
        }
    }
    pack::pack_a(mr, a, i0, p0, mb, kb, out)
}

/// Packs rows `i0..i0 + rows` of `a`, columns `p0..p0 + kb`, as one
/// `nr`-row panel (`out[p * nr + r]`) with the AVX2 transposes; returns
/// `false`, doing nothing, where they do not apply (see [`transpose_panel`]).
#[inline(always)]
fn pack_rows_fast<T: Scalar>(
    nr: usize,
    a: MatRef<'_, T>,
    i0: usize,
    p0: usize,
    rows: usize,
    kb: usize,
    out: &mut [T],
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use oxblas_core::cast::same_type;
        if rows != nr || (kb > 1 && a.col_stride() != 1) || super::isa() != Isa::Avx2Fma {
            return false;
        }
        let f64_case = nr == 8 && same_type::<T, f64>();
        let f32_case = nr == 16 && same_type::<T, f32>();
        if !(f64_case || f32_case) || out.len() < nr * kb || kb == 0 {
            return false;
        }
        let (rs, src, dst) = (a.row_stride(), a.ptr_at(i0, p0), out.as_mut_ptr());
        // SAFETY: rows i0..i0 + nr of `a` hold kb contiguous elements from
        // column p0 (unit column stride, the block inside `a`); `out` holds
        // nr * kb; AVX2 is present; T is the type named by the case.
        unsafe {
            if f64_case {
                avx::pack8_f64(src as *const f64, rs, kb, dst as *mut f64)
            } else {
                avx::pack16_f32(src as *const f32, rs, kb, dst as *mut f32)
            }
        }
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (nr, a, i0, p0, rows, kb, out);
        false
    }
}

/// Packs (`pack`) or unpacks rows `i0..i0 + mi` of `b` to or from the
/// panel `xp` (`xp[p * nr + r] = b[i0 + r, p]`, lanes `mi..nr` zero) when
/// `b`'s columns are contiguous (unit row stride: `b` is the transpose of a
/// row-major matrix, as in a left-side solve on row-major data): one
/// contiguous copy of `mi` elements per depth step. `false` (nothing done)
/// for other layouts.
fn strip_panel<T: Scalar>(
    nr: usize,
    mut b: MatMut<'_, T>,
    i0: usize,
    mi: usize,
    k: usize,
    xp: &mut [T],
    pack: bool,
) -> bool {
    if b.row_stride() != 1 || mi == 0 || xp.len() < nr * k {
        return false;
    }
    let cs = b.col_stride();
    let src = b.ptr_at_mut(i0, 0);
    for (p, lanes) in xp.chunks_exact_mut(nr).take(k).enumerate() {
        // SAFETY: column p of rows i0..i0 + mi of `b` (borrowed
        // exclusively) is `mi` contiguous elements (unit row stride) at
        // offset p * cs from row i0's start, disjoint from `xp`.
        let col = unsafe { core::slice::from_raw_parts_mut(src.offset(p as isize * cs), mi) };
        if pack {
            lanes[..mi].copy_from_slice(col);
            lanes[mi..].fill(T::ZERO);
        } else {
            col.copy_from_slice(&lanes[..mi]);
        }
    }
    true
}

/// Copies the `nr` rows `i0..` of `b` (columns `0..k`) into the panel
/// layout `xp[p * nr + r]` (`pack`), or back from it, with AVX2 transposes
/// of 4 x 4 (f64, `nr = 8`) or 8 x 8 (f32, `nr = 16`) blocks; returns
/// `false`, doing nothing, where that path does not apply (another type,
/// kernel or CPU, a partial panel, rows not contiguous).
#[inline(always)]
fn transpose_panel<T: Scalar>(
    nr: usize,
    b: MatMut<'_, T>,
    i0: usize,
    mi: usize,
    k: usize,
    xp: &mut [T],
    pack: bool,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use oxblas_core::cast::same_type;
        let mut b = b;
        if mi != nr || (k > 1 && b.col_stride() != 1) || super::isa() != Isa::Avx2Fma {
            return false;
        }
        let f64_case = nr == 8 && same_type::<T, f64>();
        let f32_case = nr == 16 && same_type::<T, f32>();
        if !(f64_case || f32_case) || xp.len() < nr * k {
            return false;
        }
        let rs = b.row_stride();
        let src = b.ptr_at_mut(i0, 0);
        let xp = xp.as_mut_ptr();
        // SAFETY: rows i0..i0 + nr of `b` (borrowed exclusively) hold k
        // contiguous elements each (unit column stride), `xp` holds at least
        // nr * k; AVX2 is present; T is the type named by the case.
        unsafe {
            match (f64_case, pack) {
                (true, true) => avx::pack8_f64(src as *const f64, rs, k, xp as *mut f64),
                (true, false) => avx::unpack8_f64(xp as *const f64, k, src as *mut f64, rs),
                (false, true) => avx::pack16_f32(src as *const f32, rs, k, xp as *mut f32),
                (false, false) => avx::unpack16_f32(xp as *const f32, k, src as *mut f32, rs),
            }
        }
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (nr, b, i0, mi, k, xp, pack);
        false
    }
}

/// Solves one packed row panel `xp` (`NR` lanes, depth `blocks * MR`) in
/// place, column block after column block.
///
/// # Safety
/// `xp` points to `blocks * MR * NR` elements, valid for reads and writes
/// and not otherwise accessed during the call; `lp` holds the packed blocks
/// of `L` (`MR * j0` elements for block `j0 = jb * MR` at
/// `MR * MR * jb * (jb - 1) / 2`), `coef` `blocks * MR * MR` and `inv`
/// `blocks * MR` entries.
#[inline(always)]
unsafe fn panel<T: Scalar, K: Kernel<T>>(
    blocks: usize,
    lp: &[T],
    coef: &[T],
    inv: &[T],
    xp: *mut T,
) {
    let (mr, nr) = (K::MR, K::NR);
    #[cfg(target_arch = "x86_64")]
    {
        // The AVX2 kernels (the only 6x8 f64 and 6x16 f32 ones on x86-64)
        // have fused versions that solve the tile in registers.
        use oxblas_core::cast::{cast_slice, same_type};
        let avx = super::isa() == Isa::Avx2Fma && mr == 6;
        if avx && nr == 8 && same_type::<T, f64>() {
            let (lp, coef, inv) = (
                cast_slice::<T, f64>(lp).expect("f64"),
                cast_slice::<T, f64>(coef).expect("f64"),
                cast_slice::<T, f64>(inv).expect("f64"),
            );
            for jb in 0..blocks {
                let j0 = jb * 6;
                let a = lp[(18 * jb * jb.saturating_sub(1)).min(lp.len())..].as_ptr();
                // SAFETY: as for the generic loop below (same operands);
                // AVX2+FMA are present (`Isa::Avx2Fma`); T is f64.
                unsafe {
                    super::tile::avx::tile_f64::<true>(
                        j0,
                        a,
                        xp as *const f64,
                        (xp as *mut f64).add(j0 * 8),
                        coef[jb * 36..].as_ptr(),
                        inv[j0..].as_ptr(),
                    )
                };
            }
            return;
        }
        if avx && nr == 16 && same_type::<T, f32>() {
            let (lp, coef, inv) = (
                cast_slice::<T, f32>(lp).expect("f32"),
                cast_slice::<T, f32>(coef).expect("f32"),
                cast_slice::<T, f32>(inv).expect("f32"),
            );
            for jb in 0..blocks {
                let j0 = jb * 6;
                let a = lp[(18 * jb * jb.saturating_sub(1)).min(lp.len())..].as_ptr();
                // SAFETY: as for the f64 case, with T = f32.
                unsafe {
                    super::tile::avx::tile_f32::<true>(
                        j0,
                        a,
                        xp as *const f32,
                        (xp as *mut f32).add(j0 * 16),
                        coef[jb * 36..].as_ptr(),
                        inv[j0..].as_ptr(),
                    )
                };
            }
            return;
        }
    }
    for jb in 0..blocks {
        let j0 = jb * mr;
        // SAFETY: j0 * nr + mr * nr <= blocks * mr * nr (caller).
        let tile = unsafe { xp.add(j0 * nr) };
        if jb > 0 {
            let a = lp[mr * mr * jb * (jb - 1) / 2..].as_ptr();
            // SAFETY: the A panel holds mr * j0 packed elements of `lp`;
            // the B operand is the first j0 * nr elements of `xp`, the tile
            // the next mr * nr (row stride nr): disjoint from what the kernel
            // reads; the kernel matches the detected instruction set (or is
            // portable).
            unsafe { K::run(j0, a, xp, tile, nr as isize, 1, mr, nr, -T::ONE, T::ONE) };
        }
        let d = &coef[jb * mr * mr..(jb + 1) * mr * mr];
        for c in 0..mr {
            // SAFETY: rows q < c of the tile are solved and not written
            // while row c is (distinct rows of nr elements inside `xp`).
            let row = unsafe { core::slice::from_raw_parts_mut(tile.add(c * nr), nr) };
            for q in 0..c {
                let x = -d[c * mr + q];
                // SAFETY: as above; q != c.
                let done = unsafe { core::slice::from_raw_parts(tile.add(q * nr), nr) };
                for (v, &y) in row.iter_mut().zip(done) {
                    *v = x.mul_add(y, *v);
                }
            }
            let s = inv[j0 + c];
            for v in row.iter_mut() {
                *v *= s;
            }
        }
    }
}

/// AVX2 transposes and packers (the fused update-and-solve tiles are in
/// `super::tile`).
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx {
    use core::arch::x86_64::*;

    /// 4 x 4 transpose of rows `r` into columns (f64); also used by
    /// `level3::trsm_right`'s dot-product tiles.
    #[inline(always)]
    pub(crate) unsafe fn transpose4(r: [__m256d; 4]) -> [__m256d; 4] {
        // SAFETY: register arithmetic only (AVX enabled by the caller).
        unsafe {
            let t0 = _mm256_unpacklo_pd(r[0], r[1]);
            let t1 = _mm256_unpackhi_pd(r[0], r[1]);
            let t2 = _mm256_unpacklo_pd(r[2], r[3]);
            let t3 = _mm256_unpackhi_pd(r[2], r[3]);
            [
                _mm256_permute2f128_pd::<0x20>(t0, t2),
                _mm256_permute2f128_pd::<0x20>(t1, t3),
                _mm256_permute2f128_pd::<0x31>(t0, t2),
                _mm256_permute2f128_pd::<0x31>(t1, t3),
            ]
        }
    }

    /// 8 x 8 transpose of rows `r` into columns (f32).
    #[inline(always)]
    unsafe fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
        // SAFETY: register arithmetic only (AVX enabled by the caller).
        unsafe {
            let t: [__m256; 8] = core::array::from_fn(|i| {
                let (x, y) = (r[2 * (i / 2)], r[2 * (i / 2) + 1]);
                if i % 2 == 0 {
                    _mm256_unpacklo_ps(x, y)
                } else {
                    _mm256_unpackhi_ps(x, y)
                }
            });
            // t[0] = a0 b0 a1 b1 | a4 b4 a5 b5, t[1] = a2 b2 a3 b3 | .., t[2], t[3]
            // the same for rows c, d; t[4..8] for rows e..h.
            let s: [__m256; 8] = [
                _mm256_shuffle_ps::<0x44>(t[0], t[2]),
                _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
                _mm256_shuffle_ps::<0x44>(t[1], t[3]),
                _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
                _mm256_shuffle_ps::<0x44>(t[4], t[6]),
                _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
                _mm256_shuffle_ps::<0x44>(t[5], t[7]),
                _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
            ];
            [
                _mm256_permute2f128_ps::<0x20>(s[0], s[4]),
                _mm256_permute2f128_ps::<0x20>(s[1], s[5]),
                _mm256_permute2f128_ps::<0x20>(s[2], s[6]),
                _mm256_permute2f128_ps::<0x20>(s[3], s[7]),
                _mm256_permute2f128_ps::<0x31>(s[0], s[4]),
                _mm256_permute2f128_ps::<0x31>(s[1], s[5]),
                _mm256_permute2f128_ps::<0x31>(s[2], s[6]),
                _mm256_permute2f128_ps::<0x31>(s[3], s[7]),
            ]
        }
    }

    /// `dst[p * 6 + r] = src[r * rs + p]` for `r < 6`, `p < k` (f64).
    ///
    /// # Safety
    /// AVX2 present; the 6 rows of `src` (`rs` apart) readable for `k`
    /// elements, `dst` writable for `6 k`, not overlapping them.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn pack6_f64(src: *const f64, rs: isize, k: usize, dst: *mut f64) {
        // SAFETY (whole body): inside the ranges above.
        unsafe {
            let row = |r: usize| src.offset(r as isize * rs);
            let mut p = 0;
            while p + 4 <= k {
                let t = transpose4(core::array::from_fn(|i| _mm256_loadu_pd(row(i).add(p))));
                for (j, v) in t.iter().enumerate() {
                    _mm256_storeu_pd(dst.add((p + j) * 6), *v);
                }
                let (r4, r5) = (
                    _mm256_loadu_pd(row(4).add(p)),
                    _mm256_loadu_pd(row(5).add(p)),
                );
                let lo = _mm256_unpacklo_pd(r4, r5);
                let hi = _mm256_unpackhi_pd(r4, r5);
                _mm_storeu_pd(dst.add(p * 6 + 4), _mm256_castpd256_pd128(lo));
                _mm_storeu_pd(dst.add((p + 1) * 6 + 4), _mm256_castpd256_pd128(hi));
                _mm_storeu_pd(dst.add((p + 2) * 6 + 4), _mm256_extractf128_pd::<1>(lo));
                _mm_storeu_pd(dst.add((p + 3) * 6 + 4), _mm256_extractf128_pd::<1>(hi));
                p += 4;
            }
            for p in p..k {
                for r in 0..6 {
                    *dst.add(p * 6 + r) = *row(r).add(p);
                }
            }
        }
    }

    /// `dst[p * 6 + r] = src[r * rs + p]` for `r < 6`, `p < k` (f32).
    ///
    /// # Safety
    /// As for [`pack6_f64`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn pack6_f32(src: *const f32, rs: isize, k: usize, dst: *mut f32) {
        // SAFETY (whole body): inside the ranges above; each full store of
        // column j spills two lanes into column j + 1, which the next store
        // overwrites; the last column of a step is stored as 4 + 2 lanes.
        unsafe {
            let row = |r: usize| src.offset(r.min(5) as isize * rs);
            let mut p = 0;
            while p + 8 <= k {
                let t = transpose8(core::array::from_fn(|i| _mm256_loadu_ps(row(i).add(p))));
                for (j, v) in t.iter().enumerate().take(7) {
                    _mm256_storeu_ps(dst.add((p + j) * 6), *v);
                }
                let last = dst.add((p + 7) * 6);
                _mm_storeu_ps(last, _mm256_castps256_ps128(t[7]));
                _mm_storel_pd(
                    last.add(4) as *mut f64,
                    _mm_castps_pd(_mm256_extractf128_ps::<1>(t[7])),
                );
                p += 8;
            }
            for p in p..k {
                for r in 0..6 {
                    *dst.add(p * 6 + r) = *row(r).add(p);
                }
            }
        }
    }

    /// `dst[p * 8 + r] = src[r * rs + p]` for `r < 8`, `p < k`.
    ///
    /// # Safety
    /// AVX2 present; the 8 rows of `src` (`rs` apart) readable for `k`
    /// elements, `dst` writable for `8 k`, not overlapping them.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn pack8_f64(src: *const f64, rs: isize, k: usize, dst: *mut f64) {
        // SAFETY: the caller's contract is this function's.
        unsafe {
            pack8_f64_checked::<false>(src, rs, k, dst);
        }
    }

    /// [`pack8_f64`], which is this with `CHECK = false`; with `CHECK` it
    /// also checks what it reads: returns `false` if an element is NaN or
    /// infinite (`x * 0` summed, NaN for those), else `true`.
    ///
    /// # Safety
    /// As for [`pack8_f64`].
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn pack8_f64_checked<const CHECK: bool>(
        src: *const f64,
        rs: isize,
        k: usize,
        dst: *mut f64,
    ) -> bool {
        // SAFETY (whole body): inside the ranges above.
        unsafe {
            let row = |r: usize| src.offset(r as isize * rs);
            let zero = _mm256_setzero_pd();
            let mut acc = [_mm256_setzero_pd(); 2];
            let mut p = 0;
            while p + 4 <= k {
                for (h, a) in acc.iter_mut().enumerate() {
                    let v: [__m256d; 4] =
                        core::array::from_fn(|i| _mm256_loadu_pd(row(4 * h + i).add(p)));
                    if CHECK {
                        for x in v {
                            *a = _mm256_fmadd_pd(x, zero, *a);
                        }
                    }
                    let t = transpose4(v);
                    for (j, v) in t.iter().enumerate() {
                        _mm256_storeu_pd(dst.add((p + j) * 8 + 4 * h), *v);
                    }
                }
                p += 4;
            }
            let mut s = 0.0;
            for p in p..k {
                for r in 0..8 {
                    let x = *row(r).add(p);
                    if CHECK {
                        s += x * 0.0;
                    }
                    *dst.add(p * 8 + r) = x;
                }
            }
            if !CHECK {
                return true;
            }
            let mut lanes = [0.0; 4];
            _mm256_storeu_pd(lanes.as_mut_ptr(), _mm256_add_pd(acc[0], acc[1]));
            lanes.iter().fold(s, |a, &b| a + b) == 0.0
        }
    }

    /// [`pack16_f32`], which is this with `CHECK = false`; with `CHECK` it
    /// also checks what it reads (as [`pack8_f64_checked`]).
    ///
    /// # Safety
    /// As for [`pack16_f32`].
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn pack16_f32_checked<const CHECK: bool>(
        src: *const f32,
        rs: isize,
        k: usize,
        dst: *mut f32,
    ) -> bool {
        // SAFETY (whole body): inside the ranges above.
        unsafe {
            let row = |r: usize| src.offset(r as isize * rs);
            let zero = _mm256_setzero_ps();
            let mut acc = [_mm256_setzero_ps(); 2];
            let mut p = 0;
            while p + 8 <= k {
                for (h, a) in acc.iter_mut().enumerate() {
                    let v: [__m256; 8] =
                        core::array::from_fn(|i| _mm256_loadu_ps(row(8 * h + i).add(p)));
                    if CHECK {
                        for x in v {
                            *a = _mm256_fmadd_ps(x, zero, *a);
                        }
                    }
                    let t = transpose8(v);
                    for (j, v) in t.iter().enumerate() {
                        _mm256_storeu_ps(dst.add((p + j) * 16 + 8 * h), *v);
                    }
                }
                p += 8;
            }
            let mut s = 0.0;
            for p in p..k {
                for r in 0..16 {
                    let x = *row(r).add(p);
                    if CHECK {
                        s += x * 0.0;
                    }
                    *dst.add(p * 16 + r) = x;
                }
            }
            if !CHECK {
                return true;
            }
            let mut lanes = [0.0; 8];
            _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_add_ps(acc[0], acc[1]));
            lanes.iter().fold(s, |a, &b| a + b) == 0.0
        }
    }

    /// The inverse of [`pack8_f64`]: `dst[r * rs + p] = src[p * 8 + r]`.
    ///
    /// # Safety
    /// As for [`pack8_f64`], with the roles of the two swapped.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn unpack8_f64(src: *const f64, k: usize, dst: *mut f64, rs: isize) {
        // SAFETY (whole body): inside the ranges above.
        unsafe {
            let row = |r: usize| dst.offset(r as isize * rs);
            let mut p = 0;
            while p + 4 <= k {
                for h in 0..2 {
                    let t = transpose4(core::array::from_fn(|j| {
                        _mm256_loadu_pd(src.add((p + j) * 8 + 4 * h))
                    }));
                    for (i, v) in t.iter().enumerate() {
                        _mm256_storeu_pd(row(4 * h + i).add(p), *v);
                    }
                }
                p += 4;
            }
            for p in p..k {
                for r in 0..8 {
                    *row(r).add(p) = *src.add(p * 8 + r);
                }
            }
        }
    }

    /// `dst[p * 16 + r] = src[r * rs + p]` for `r < 16`, `p < k` (f32).
    ///
    /// # Safety
    /// As for [`pack8_f64`], with 16 rows and `16 k` elements of `dst`.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn pack16_f32(src: *const f32, rs: isize, k: usize, dst: *mut f32) {
        // SAFETY: the caller's contract is this function's.
        unsafe {
            pack16_f32_checked::<false>(src, rs, k, dst);
        }
    }

    /// The inverse of [`pack16_f32`]: `dst[r * rs + p] = src[p * 16 + r]`.
    ///
    /// # Safety
    /// As for [`pack16_f32`], with the roles of the two swapped.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn unpack16_f32(src: *const f32, k: usize, dst: *mut f32, rs: isize) {
        // SAFETY (whole body): inside the ranges above.
        unsafe {
            let row = |r: usize| dst.offset(r as isize * rs);
            let mut p = 0;
            while p + 8 <= k {
                for h in 0..2 {
                    let t = transpose8(core::array::from_fn(|j| {
                        _mm256_loadu_ps(src.add((p + j) * 16 + 8 * h))
                    }));
                    for (i, v) in t.iter().enumerate() {
                        _mm256_storeu_ps(row(8 * h + i).add(p), *v);
                    }
                }
                p += 8;
            }
            for p in p..k {
                for r in 0..16 {
                    *row(r).add(p) = *src.add(p * 16 + r);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use oxblas_core::Mat;

    use super::*;

    /// A random `k x k` matrix, diagonal near 2 and the rest in [-0.5, 0.5)
    /// (its lower triangle is a well-conditioned L); also used by
    /// `level3::trsm_right`'s tests.
    pub(crate) fn lower<T: Scalar>(k: usize, seed: u64) -> Mat<T> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Mat::from_fn(k, k, |i, j| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            T::from_f64(if i == j { 2.0 + v } else { v })
        })
    }

    fn check<T: Scalar>(isa: Isa, m: usize, k: usize, unit: bool, tol: f64) {
        let l = lower::<T>(k, 7 + k as u64);
        let src = lower::<T>(m.max(k), 3 + m as u64);
        let b = Mat::from_fn(m, k, |i, j| src[(i % src.rows(), j)]);
        let invd: Vec<T> = (0..k)
            .map(|j| if unit { T::ONE } else { T::ONE / l[(j, j)] })
            .collect();
        // Row-major, and a column-major B (strided rows) through the same path.
        let mut x = b.clone();
        solve_lower_t_packed(isa, l.as_ref(), &invd, x.as_mut());
        let mut xt = b.transpose();
        solve_lower_t_packed(isa, l.as_ref(), &invd, xt.as_mut().t());
        for i in 0..m {
            for j in 0..k {
                let mut s = 0.0;
                for p in 0..=j {
                    let lv = if p == j && unit {
                        1.0
                    } else {
                        l[(j, p)].to_f64()
                    };
                    s += x[(i, p)].to_f64() * lv;
                }
                let e = (s - b[(i, j)].to_f64()).abs();
                assert!(e <= tol * k as f64, "m {m} k {k}: ({i}, {j}) off by {e}");
                assert_eq!(x[(i, j)], xt[(j, i)], "m {m} k {k}: layouts differ");
            }
        }
    }

    fn check_syrk<T: Scalar>(isa: Isa, m: usize, k: usize, tol: f64) {
        let a = lower::<T>(m.max(k), 11 + m as u64 + 3 * k as u64);
        let a = Mat::from_fn(m, k, |i, j| a[(i % a.rows(), j % a.cols())]);
        let c0 = lower::<T>(m, 5 + k as u64);
        let mut c = Mat::from_fn(m, m, |i, j| if j <= i { c0[(i, j)] } else { T::NAN });
        syrk_lower_sub(isa, a.as_ref(), c.as_mut());
        // Column-major C through the same path (strided tiles).
        let mut ct = c0.transpose();
        syrk_lower_sub(isa, a.as_ref(), ct.as_mut().t());
        for i in 0..m {
            for j in 0..m {
                if j > i {
                    assert!(c[(i, j)].is_nan(), "m {m} k {k}: ({i}, {j}) written");
                    continue;
                }
                let want = c0[(i, j)].to_f64()
                    - (0..k)
                        .map(|p| a[(i, p)].to_f64() * a[(j, p)].to_f64())
                        .sum::<f64>();
                let e = (c[(i, j)].to_f64() - want).abs();
                assert!(
                    e <= tol * (k as f64 + 1.0),
                    "m {m} k {k}: ({i}, {j}) off by {e}"
                );
                assert_eq!(c[(i, j)], ct[(j, i)], "m {m} k {k}: layouts differ");
            }
        }
    }

    /// The portable kernels, and the machine's own where they differ.
    fn isas() -> Vec<Isa> {
        let mut isas = vec![Isa::Portable];
        if super::super::isa() != Isa::Portable {
            isas.push(super::super::isa());
        }
        isas
    }

    #[test]
    fn gemm_nt_every_edge() {
        for isa in isas() {
            for (m, n, k) in [
                (1usize, 1usize, 1usize),
                (7, 5, 3),
                (13, 17, 9),
                (33, 20, 40),
                (130, 9, 400),
            ] {
                let a = lower::<f64>(m.max(k), 3 + m as u64);
                let a = Mat::from_fn(m, k, |i, j| a[(i % a.rows(), j % a.cols())]);
                let b = lower::<f64>(n.max(k), 5 + n as u64);
                let b = Mat::from_fn(n, k, |i, j| b[(i % b.rows(), j % b.cols())]);
                let c0 = Mat::from_fn(m, n, |i, j| (i * 3 + j) as f64);
                let mut c = c0.clone();
                gemm_nt_sub(isa, a.as_ref(), b.as_ref(), c.as_mut());
                for i in 0..m {
                    for j in 0..n {
                        let want = c0[(i, j)] - (0..k).map(|p| a[(i, p)] * b[(j, p)]).sum::<f64>();
                        let e = (c[(i, j)] - want).abs();
                        assert!(e <= 1e-14 * (k as f64 + 1.0), "{m}x{n}x{k} ({i}, {j}): {e}");
                    }
                }
            }
        }
    }

    #[test]
    fn syrk_every_edge_of_the_tiles_and_blocks() {
        for isa in isas() {
            for m in [1usize, 2, 5, 6, 7, 8, 9, 13, 16, 17, 33, 130] {
                for k in [1usize, 3, 8, 17] {
                    check_syrk::<f64>(isa, m, k, 1e-14);
                    check_syrk::<f32>(isa, m, k, 1e-5);
                }
            }
            // Deeper than one KC block (384 on the reference machine).
            check_syrk::<f64>(isa, 140, 900, 1e-14);
            check_syrk::<f32>(isa, 140, 900, 1e-5);
        }
    }

    /// `C -= A B^T` on the upper triangle (`gemm_nt_upper_sub`), `A`, `B`
    /// column-major (as the symmetric eigensolver's panels) and row-major,
    /// `C` row- and column-major: every entry against a reference in f64,
    /// the strict lower triangle untouched, the layouts bit for bit equal.
    fn check_nt_upper<T: Scalar>(isa: Isa, m: usize, k: usize, tol: f64) {
        let a = lower::<T>(m.max(k), 13 + m as u64 + 5 * k as u64);
        let a = Mat::from_fn(m, k, |i, j| a[(i % a.rows(), j % a.cols())]);
        let b = lower::<T>(m.max(k) + 1, 29 + m as u64 + 7 * k as u64);
        let b = Mat::from_fn(m, k, |i, j| b[((i + 1) % b.rows(), j % b.cols())]);
        let (at, bt) = (a.transpose(), b.transpose());
        let c0 = lower::<T>(m, 9 + k as u64);
        let mut c = Mat::from_fn(m, m, |i, j| if i <= j { c0[(j, i)] } else { T::NAN });
        gemm_nt_upper_sub(isa, a.as_ref(), b.as_ref(), c.as_mut());
        let mut ct = Mat::from_fn(m, m, |i, j| if j <= i { c0[(i, j)] } else { T::NAN });
        gemm_nt_upper_sub(isa, at.as_ref().t(), bt.as_ref().t(), ct.as_mut().t());
        for i in 0..m {
            for j in 0..m {
                if j < i {
                    assert!(c[(i, j)].is_nan(), "m {m} k {k}: ({i}, {j}) written");
                    assert!(ct[(j, i)].is_nan(), "m {m} k {k}: ({j}, {i}) written");
                    continue;
                }
                let want = c0[(j, i)].to_f64()
                    - (0..k)
                        .map(|p| a[(i, p)].to_f64() * b[(j, p)].to_f64())
                        .sum::<f64>();
                let e = (c[(i, j)].to_f64() - want).abs();
                assert!(
                    e <= tol * (k as f64 + 1.0),
                    "m {m} k {k}: ({i}, {j}) off by {e}"
                );
                assert_eq!(c[(i, j)], ct[(j, i)], "m {m} k {k}: layouts differ");
            }
        }
    }

    #[test]
    fn gemm_nt_upper_every_edge_of_the_tiles_and_blocks() {
        for isa in isas() {
            for m in [1usize, 2, 5, 6, 7, 8, 9, 13, 16, 17, 31, 33, 97, 130] {
                for k in [1usize, 3, 8, 17, 64] {
                    check_nt_upper::<f64>(isa, m, k, 1e-14);
                    check_nt_upper::<f32>(isa, m, k, 1e-5);
                }
            }
            // Deeper than one KC block, taller than one MC block.
            check_nt_upper::<f64>(isa, 140, 900, 1e-14);
            check_nt_upper::<f32>(isa, 140, 900, 1e-5);
            check_nt_upper::<f64>(isa, 300, 5, 1e-14);
        }
    }

    #[test]
    fn every_edge_of_the_blocks() {
        for isa in isas() {
            // k across multiples of MR (4, 6 or 8), m across multiples of NR
            // (4, 8, 12 or 16).
            for m in [1usize, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33] {
                for k in [1usize, 2, 5, 6, 7, 8, 11, 12, 13, 24, 25, 40] {
                    check::<f64>(isa, m, k, false, 1e-14);
                    check::<f32>(isa, m, k, false, 1e-5);
                }
            }
            check::<f64>(isa, 19, 29, true, 1e-14);
            check::<f32>(isa, 19, 29, true, 1e-5);
        }
    }
}
