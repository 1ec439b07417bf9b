//! General matrix-matrix product $C \leftarrow \alpha A B + \beta C$, the BLIS way.
//!
//! - `blocking.rs`: the cache blocking constants (KC, MC, NC) and how they
//!   were chosen;
//! - `pack.rs`: packing of A and B blocks into contiguous, zero-padded panels
//!   (strides and transposes are absorbed here);
//! - `microkernel.rs`: the register-blocked kernels (AVX2+FMA on x86-64 and
//!   NEON on aarch64, for f64 and f32; a portable fallback);
//! - `small.rs`: the unpacked path for tiny products;
//! - `matvec.rs`: products with a single row or column (matrix-vector).
//!
//! The instruction set is detected once (pulp's `x86::V3` = AVX2+FMA on
//! x86-64, NEON on aarch64, else the portable kernels) and every call
//! dispatches on it. AVX-512 (pulp's `x86::V4`) has no kernel of its own
//! yet: such CPUs run the AVX2 kernels.
//!
//! Threads (`Par::Rayon(n)`, only for `m n k >= 96^3` and never from inside a
//! rayon worker): when C is at least as tall as wide, the driver splits the
//! rows of C over the threads and packs each block of B once for all of
//! them; otherwise C's columns are split and each part runs on its own.

mod blocking;
mod matvec;
mod microkernel;
mod pack;
mod small;
pub(crate) mod tile;
pub(crate) mod trsm;

use std::sync::OnceLock;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use oxblas_core::cast::{cast, cast_mat_mut, cast_mat_ref};
use oxblas_core::{validate, MatMut, MatRef, Op, Par, Result, Scalar, Uplo};

use blocking::{caches, Blocking};
use microkernel::{Kernel, Portable};

/// The instruction set the kernels run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// Plain Rust kernels (autovectorized where the target has baseline SIMD).
    Portable,
    /// x86-64 AVX2 + FMA (pulp's `x86::V3` level).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2Fma,
    /// aarch64 Advanced SIMD (NEON), whose FMA is part of the base ISA.
    #[cfg_attr(not(target_arch = "aarch64"), allow(dead_code))]
    Neon,
}

/// Detects the best instruction set once per process.
pub(crate) fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        if pulp::x86::V3::is_available() {
            return Isa::Avx2Fma;
        }
        #[cfg(target_arch = "aarch64")]
        if std::arch::is_aarch64_feature_detected!("neon") {
            return Isa::Neon;
        }
        Isa::Portable
    })
}

/// The SIMD level the gemm kernels run with on this machine.
pub fn arch_name() -> &'static str {
    match isa() {
        Isa::Avx2Fma => "x86-64-v3: AVX2+FMA kernels",
        Isa::Neon => "aarch64 NEON: 6x8 f64 / 8x12 f32 FMA kernels",
        Isa::Portable if cfg!(target_arch = "aarch64") => {
            "portable kernels (NEON by autovectorization)"
        }
        Isa::Portable => "portable scalar kernels",
    }
}

/// Products with `m * n * k` below this run on one thread: below it, waking a
/// second thread (several microseconds) costs more than it saves. 96^3 is
/// about 50 us of single-core work on the reference machine. Under Miri the
/// threshold is tiny, so that the threaded paths (shared packed B, split C)
/// run at sizes the interpreter can finish.
const PAR_MIN_WORK: usize = if cfg!(miri) { 8 * 8 * 8 } else { 96 * 96 * 96 };

/// The smallest share of the split dimension one thread gets (small under
/// Miri, as [`PAR_MIN_WORK`]).
const PAR_MIN_SPLIT: usize = if cfg!(miri) { 8 } else { 48 };

/// $C \leftarrow \alpha A B + \beta C$ for views of any strides (negative,
/// transposed, non-unit).
///
/// With `beta == 0`, `C` is not read (NaN in `C` does not propagate); with
/// `alpha == 0` (or `k == 0`), `A` and `B` are not read and `C = beta C`.
/// `par` bounds the threads used; a call from inside a rayon worker, or on a
/// product too small to pay for threads, runs on the calling thread.
///
/// # Errors
/// [`oxblas_core::Error::DimensionMismatch`] unless `A` is `m x k`, `B` is
/// `k x n` and `C` is `m x n`.
///
/// # Example
/// ```
/// use oxblas_core::{Mat, Par};
/// let a = Mat::<f64>::from_rows(&[[1.0, 2.0], [3.0, 4.0]])?;
/// let mut c = Mat::<f64>::filled(2, 2, f64::NAN); // not read: beta == 0
/// // C = A^T A
/// oxblas_simd::gemm::gemm(1.0, a.t(), a.as_ref(), 0.0, c.as_mut(), Par::Seq)?;
/// assert_eq!(c.as_slice(), &[10.0, 14.0, 14.0, 20.0]);
/// # Ok::<(), oxblas_core::Error>(())
/// ```
pub fn gemm<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    par: Par,
) -> Result<()> {
    validate::gemm(Op::Gemm, a.shape(), b.shape(), c.shape())?;
    gemm_with(isa(), alpha, a, b, beta, c, par);
    Ok(())
}

/// `C = beta C` without reading `C` when `beta == 0`.
fn scale<T: Scalar>(beta: T, mut c: MatMut<'_, T>) {
    if beta == T::ONE {
        return;
    }
    for i in 0..c.rows() {
        for j in 0..c.cols() {
            let p = c.ptr_at_mut(i, j);
            // SAFETY: (i, j) is inside `c`, borrowed exclusively.
            unsafe {
                *p = if beta == T::ZERO { T::ZERO } else { beta * *p };
            }
        }
    }
}

/// [`gemm`] on validated shapes with an explicit instruction set (tests use
/// it to run the portable kernels on machines that have AVX2).
pub(crate) fn gemm_with<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    par: Par,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    if m == 0 || n == 0 {
        return;
    }
    if alpha == T::ZERO || k == 0 {
        return scale(beta, c);
    }
    // The kernels write rows of C with vector stores; a column-major C is
    // handled as the row-major C^T = B^T A^T.
    if c.row_stride() == 1 && c.col_stride() != 1 && n > 1 {
        return gemm_with(isa, alpha, b.t(), a.t(), beta, c.t(), par);
    }
    if m <= small::SMALL && n <= small::SMALL && k <= small::SMALL {
        return small::gemm(isa, alpha, a, b, beta, c);
    }
    if n == 1 {
        return matvec::gemm(isa, alpha, a, b, beta, c);
    }
    if m == 1 {
        return matvec::gemm(isa, alpha, b.t(), a.t(), beta, c.t());
    }
    // The packed path, compiled once per type in this crate (see `mono`):
    // the checks above stay generic, so a tiny product called from another
    // crate does not pay a call more.
    crate::mono::gemm_blocked(isa, alpha, a, b, beta, c, par)
}

/// The blocked product: threads over rows or columns of C, or one packed
/// driver. `gemm_with`'s shapes, after its small-size paths.
pub(crate) fn blocked<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    par: Par,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    let threads = par.threads();
    // Saturating: broadcast (zero-stride) inputs can have huge dimensions.
    let work = m.saturating_mul(n).saturating_mul(k);
    if threads > 1 && work >= PAR_MIN_WORK && rayon::current_thread_index().is_none() {
        if m >= n && m >= 2 * PAR_MIN_SPLIT {
            // Rows of C split over the threads, B packed once and shared.
            return packed(isa, alpha, a, b, beta, c, threads);
        }
        return split(isa, threads, alpha, a, b, beta, c);
    }
    packed(isa, alpha, a, b, beta, c, 1);
}

/// Splits C over its columns into `threads` nearly equal parts and runs them
/// with `rayon::join` (each part packs its own blocks: no sharing, no
/// synchronization beyond the join). Used where C is wider than tall; the
/// driver splits rows itself and shares the packed B.
fn split<T: Scalar>(
    isa: Isa,
    threads: usize,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) {
    let (m, n) = c.shape();
    let dim = m.max(n);
    if threads <= 1 || dim < 2 * PAR_MIN_SPLIT {
        return packed(isa, alpha, a, b, beta, c, 1);
    }
    let left_threads = threads / 2;
    // Whole microkernel tiles on the left part, rounded to nearest: on
    // x86-64 a multiple of MR = 6 rows or of NR = 16 columns (8 for f64
    // divides it); with NEON, 24 is a multiple of MR (6 or 8) and NR (8 or 12).
    let unit = match (isa, m >= n) {
        (Isa::Neon, _) => 24,
        (_, true) => 6,
        (_, false) => 16,
    };
    let at = (dim * left_threads / threads + unit / 2) / unit * unit;
    let at = at.clamp(PAR_MIN_SPLIT, dim - PAR_MIN_SPLIT);
    if m >= n {
        let (c0, c1) = c.split_at_row(at);
        let (a0, a1) = a.split_at_row(at);
        rayon::join(
            || split(isa, left_threads, alpha, a0, b, beta, c0),
            || split(isa, threads - left_threads, alpha, a1, b, beta, c1),
        );
    } else {
        let (c0, c1) = c.split_at_col(at);
        let (b0, b1) = b.split_at_col(at);
        rayon::join(
            || split(isa, left_threads, alpha, a, b0, beta, c0),
            || split(isa, threads - left_threads, alpha, a, b1, beta, c1),
        );
    }
}

/// Sends the product to the packed driver with the kernel for `T` and `isa`.
fn packed<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    threads: usize,
) {
    packed_tri(isa, alpha, a, b, beta, c, threads, None)
}

/// [`packed`], writing only the `tri` triangle of C when it is `Some`.
#[allow(clippy::too_many_arguments)]
fn packed_tri<T: Scalar>(
    isa: Isa,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    threads: usize,
    tri: Option<Uplo>,
) {
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2Fma {
        return typed::<T, microkernel::Avx2F64, microkernel::Avx2F32>(
            alpha, a, b, beta, c, threads, tri,
        );
    }
    #[cfg(target_arch = "aarch64")]
    if isa == Isa::Neon {
        return typed::<T, microkernel::NeonF64, microkernel::NeonF32>(
            alpha, a, b, beta, c, threads, tri,
        );
    }
    let _ = isa;
    driver::<T, Portable<4, 4>>(alpha, a, b, beta, c, threads, tri)
}

/// [`driver`] with the f64 kernel `K64` or the f32 kernel `K32` of one
/// instruction set, chosen by `T` (every `Scalar` is one of the two).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn typed<T: Scalar, K64: Kernel<f64>, K32: Kernel<f32>>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    threads: usize,
    tri: Option<Uplo>,
) {
    if let (Some(a), Some(b), Some(alpha), Some(beta)) = (
        cast_mat_ref::<T, f64>(a),
        cast_mat_ref::<T, f64>(b),
        cast::<T, f64>(alpha),
        cast::<T, f64>(beta),
    ) {
        let c = cast_mat_mut::<T, f64>(c).expect("T is f64");
        return driver::<f64, K64>(alpha, a, b, beta, c, threads, tri);
    }
    if let (Some(a), Some(b), Some(alpha), Some(beta)) = (
        cast_mat_ref::<T, f32>(a),
        cast_mat_ref::<T, f32>(b),
        cast::<T, f32>(alpha),
        cast::<T, f32>(beta),
    ) {
        let c = cast_mat_mut::<T, f32>(c).expect("T is f32");
        return driver::<f32, K32>(alpha, a, b, beta, c, threads, tri);
    }
    driver::<T, Portable<4, 4>>(alpha, a, b, beta, c, threads, tri)
}

/// Splits `len` into the fewest blocks of at most `max`, of nearly equal
/// size rounded up to a multiple of `unit` (avoids a thin last block).
fn balanced(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max);
    len.div_ceil(blocks).div_ceil(unit) * unit
}

/// The packed, blocked loop nest (see `blocking.rs` for the loop structure).
///
/// With `threads > 1` (called from outside rayon), each `KC x NC` block of B
/// is packed once, its panels spread over the threads, and the rows of C are
/// split into `threads` contiguous parts, each running the `ic` loop with its
/// own packed A block.
fn driver<T: Scalar, K: Kernel<T>>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    threads: usize,
    tri: Option<Uplo>,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    let (mr, nr) = (K::MR, K::NR);
    #[cfg(test)]
    LAST_KERNEL.with(|last| last.set((K::NAME, mr, nr)));
    let blk = Blocking::new(mr, nr, core::mem::size_of::<T>(), caches());
    // Row parts for the threads: whole MR tiles, at least PAR_MIN_SPLIT rows.
    let parts = threads.min(m / PAR_MIN_SPLIT).max(1);
    let part_rows = m.div_ceil(parts).div_ceil(mr) * mr;
    let kc = balanced(k, blk.kc, 1);
    let mc = balanced(part_rows, blk.mc, mr).min(part_rows);
    let nc = balanced(n, blk.nc, nr).min(n.div_ceil(nr) * nr);
    pack::with_buffers(|abuf, bbuf| {
        let bp = bbuf.slice::<T>(nc * kc);
        for jc in (0..n).step_by(nc) {
            let nb = nc.min(n - jc);
            for pc in (0..k).step_by(kc) {
                let kb = kc.min(k - pc);
                let beta = if pc == 0 { beta } else { T::ONE };
                let mut c = c.rb_mut().submatrix(0, jc, m, nb).expect("block inside C");
                if parts == 1 {
                    pack::pack_b(nr, b, pc, jc, kb, nb, bp);
                    let ap = abuf.slice::<T>(mc * kc);
                    let at = Origin {
                        i0: 0,
                        j0: jc,
                        pc,
                        kb,
                        mc,
                        tri,
                    };
                    macro_kernel::<T, K>(alpha, a, bp, beta, c.rb_mut(), at, ap);
                    continue;
                }
                // Pack B's panels in parallel: each task takes a run of whole panels.
                let panels = nb.div_ceil(nr);
                let per = panels.div_ceil(parts);
                {
                    use rayon::prelude::*;
                    bp[..panels * nr * kb]
                        .par_chunks_mut(per * nr * kb)
                        .enumerate()
                        .for_each(|(t, chunk)| {
                            let j0 = t * per * nr;
                            pack::pack_b(nr, b, pc, jc + j0, kb, (per * nr).min(nb - j0), chunk);
                        });
                }
                let bp: &[T] = bp;
                rayon::scope(|s| {
                    let mut rest = c.rb_mut();
                    let mut row0 = 0;
                    while row0 < m {
                        let rows = part_rows.min(m - row0);
                        let (mine, tail) = rest.split_at_row(rows);
                        rest = tail;
                        let i0 = row0;
                        s.spawn(move |_| {
                            pack::with_buffers(|abuf, _| {
                                let ap = abuf.slice::<T>(mc * kc);
                                let at = Origin {
                                    i0,
                                    j0: jc,
                                    pc,
                                    kb,
                                    mc,
                                    tri,
                                };
                                macro_kernel::<T, K>(alpha, a, bp, beta, mine, at, ap);
                            })
                        });
                        row0 += rows;
                    }
                });
            }
        }
    });
}

#[cfg(test)]
thread_local! {
    /// The kernel (name, MR, NR) the packed driver last ran on this thread,
    /// so tests can assert which kernel a path really uses.
    static LAST_KERNEL: core::cell::Cell<(&'static str, usize, usize)> =
        const { core::cell::Cell::new(("", 0, 0)) };
}

/// Where a macro-kernel call sits in the whole product.
#[derive(Clone, Copy)]
struct Origin {
    /// Row of C (and A) of the block's first row.
    i0: usize,
    /// Column of C of the block's first column.
    j0: usize,
    /// First column of A (row of B) of the packed depth range.
    pc: usize,
    /// Depth of the packed panels.
    kb: usize,
    /// Rows per packed A block.
    mc: usize,
    /// Write only this triangle of C (by global indices), if set.
    tri: Option<Uplo>,
}

/// Whether C's element `(i, j)` is written under `tri`.
#[inline(always)]
fn kept(tri: Option<Uplo>, i: usize, j: usize) -> bool {
    match tri {
        None => true,
        Some(Uplo::Lower) => j <= i,
        Some(Uplo::Upper) => j >= i,
    }
}

/// The `ic`, `jr`, `ir` loops for one packed `kb x nb` block of B (`bp`) and
/// rows `at.i0 .. at.i0 + c.rows()` of A (columns `at.pc .. at.pc + at.kb`);
/// `c` is the matching block of C. With a triangle, tiles outside it are
/// skipped and tiles across the diagonal go through a temporary.
fn macro_kernel<T: Scalar, K: Kernel<T>>(
    alpha: T,
    a: MatRef<'_, T>,
    bp: &[T],
    beta: T,
    mut c: MatMut<'_, T>,
    at: Origin,
    ap: &mut [T],
) {
    let (m, nb) = c.shape();
    let (mr, nr) = (K::MR, K::NR);
    let Origin {
        i0,
        j0,
        pc,
        kb,
        mc,
        tri,
    } = at;
    let (rs, cs) = (c.row_stride(), c.col_stride());
    // Room for the largest register tile (6 x 16 AVX2 f32, 8 x 12 NEON f32).
    const TILE: usize = 128;
    debug_assert!(mr * nr <= TILE);
    for ic in (0..m).step_by(mc) {
        let mb = mc.min(m - ic);
        let (gi, gi_end) = (i0 + ic, i0 + ic + mb - 1);
        // A block wholly outside the triangle: skip it, packing included.
        let outside = match tri {
            None => false,
            Some(Uplo::Lower) => j0 > gi_end,
            Some(Uplo::Upper) => j0 + nb - 1 < gi,
        };
        if outside {
            continue;
        }
        pack::pack_a(mr, a, gi, pc, mb, kb, ap);
        for jr in (0..nb).step_by(nr) {
            let bpanel = bp[jr * kb..].as_ptr();
            let tw = nr.min(nb - jr);
            for ir in (0..mb).step_by(mr) {
                let apanel = ap[ir * kb..].as_ptr();
                let th = mr.min(mb - ir);
                let (ti, tj) = (gi + ir, j0 + jr);
                if tri.is_some() {
                    let all = kept(tri, ti, tj)
                        && kept(tri, ti + th - 1, tj + tw - 1)
                        && kept(tri, ti, tj + tw - 1)
                        && kept(tri, ti + th - 1, tj);
                    let none = !kept(tri, ti, tj)
                        && !kept(tri, ti + th - 1, tj + tw - 1)
                        && !kept(tri, ti, tj + tw - 1)
                        && !kept(tri, ti + th - 1, tj);
                    if none {
                        continue;
                    }
                    if !all {
                        let mut tile = [T::ZERO; TILE];
                        // SAFETY: as below for the panels; the destination is
                        // the local `mr x nr` row-major tile (row stride nr).
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
                            for j in 0..tw {
                                if kept(tri, ti + i, tj + j) {
                                    let v = alpha * tile[i * nr + j];
                                    let dst = c.ptr_at_mut(ic + ir + i, jr + j);
                                    // SAFETY: (ic+ir+i, jr+j) is inside `c`,
                                    // which we borrow exclusively.
                                    unsafe {
                                        *dst = if beta == T::ZERO { v } else { v + beta * *dst };
                                    }
                                }
                            }
                        }
                        continue;
                    }
                }
                let dst = c.ptr_at_mut(ic + ir, jr);
                // SAFETY: the panels hold `kb * MR` / `kb * NR` packed
                // elements (the buffers were sized for whole panels); the
                // clipped tile `th x tw` at `dst` lies inside `c`, which we
                // borrow exclusively; `K` was chosen for the detected
                // instruction set.
                unsafe { K::run(kb, apanel, bpanel, dst, rs, cs, th, tw, alpha, beta) }
            }
        }
    }
}

/// $C \leftarrow \alpha A A^T + \beta C$ on the `uplo` triangle of C only,
/// through the packed driver (tiles outside the triangle are skipped). Shapes
/// must be validated (`C` is `n x n`, `A` is `n x k`).
pub(crate) fn syrk_with<T: Scalar>(
    isa: Isa,
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    mut c: MatMut<'_, T>,
    par: Par,
) {
    let (n, k) = a.shape();
    if n == 0 {
        return;
    }
    if alpha == T::ZERO || k == 0 {
        for i in 0..n {
            for j in 0..n {
                if kept(Some(uplo), i, j) {
                    let p = c.ptr_at_mut(i, j);
                    // SAFETY: (i, j) is inside `c`, borrowed exclusively.
                    unsafe {
                        *p = if beta == T::ZERO { T::ZERO } else { beta * *p };
                    }
                }
            }
        }
        return;
    }
    // Column-major C: (A A^T)^T = A A^T, so write C^T's other triangle.
    if c.row_stride() == 1 && c.col_stride() != 1 && n > 1 {
        let flipped = match uplo {
            Uplo::Lower => Uplo::Upper,
            Uplo::Upper => Uplo::Lower,
        };
        return syrk_with(isa, flipped, alpha, a, beta, c.t(), par);
    }
    let work = n.saturating_mul(n).saturating_mul(k) / 2;
    if par.threads() > 1
        && work >= PAR_MIN_WORK
        && n >= 2 * PAR_MIN_SPLIT
        && rayon::current_thread_index().is_none()
    {
        // Equal halves of work: the off-diagonal block as one threaded gemm,
        // then the two diagonal triangles side by side.
        let h = (n / 2).div_ceil(16) * 16;
        let (a1, a2) = a.split_at_row(h);
        let (top, bottom) = c.split_at_row(h);
        let (c11, c12) = top.split_at_col(h);
        let (c21, c22) = bottom.split_at_col(h);
        match uplo {
            Uplo::Lower => gemm_with(isa, alpha, a2, a1.t(), beta, c21, par),
            Uplo::Upper => gemm_with(isa, alpha, a1, a2.t(), beta, c12, par),
        }
        rayon::join(
            || syrk_with(isa, uplo, alpha, a1, beta, c11, Par::Seq),
            || syrk_with(isa, uplo, alpha, a2, beta, c22, Par::Seq),
        );
        return;
    }
    if uplo == Uplo::Lower {
        // The triangle loops of `trsm.rs` (AVX2 transposing packers).
        return trsm::syrk_lower(isa, alpha, a, beta, c);
    }
    packed_tri(isa, alpha, a, a.t(), beta, c, 1, Some(uplo));
}

#[cfg(test)]
mod tests;
