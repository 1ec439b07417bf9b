//! Right-side triangular solve $X L^T = B$ for lower-triangular `L`, on
//! row-major operands (rows of `L` and of `B` contiguous), without any
//! transposing copy.
//!
//! From 8 rows of `B` the base case runs on packed panels (`gemm::trsm`:
//! microkernel tiles, the small triangular solve in registers); fewer rows
//! take the dot-product tiles described next, which need no packing.
//!
//! Row `r` of `X` satisfies $L x_r^T = b_r^T$: a forward substitution whose
//! every step is a dot product of two contiguous rows, `X[r, 0..c]` and
//! `L[c, 0..c]`. The kernel computes those dot products for a 4 x 4 tile at
//! a time (4 rows of `X`, 4 columns = 4 rows of `L`) with the reduction
//! dimension in SIMD lanes, then solves the tile against the 4 x 4 diagonal
//! block of `L` in registers (the 4 rows of the tile are the 4 lanes). Wide
//! triangles are split recursively: $X_0 L_{00}^T = B_0$, then
//! $B_1 \leftarrow B_1 - X_0 L_{10}^T$ by `gemm::trsm`'s packed update, then
//! $X_1 L_{11}^T = B_1$, so that almost all flops of a large solve run in
//! gemm. Rows of `B` are independent, so threads split them.
//!
//! On x86-64 with AVX2+FMA, f64 and f32 each have a hand-written tile kernel
//! (4 and 8 lanes along the reduction); other types and CPUs take a generic
//! path of one dot product per element, several times slower.
//!
//! The same tile kernel is the body of the Cholesky leaf (a row block of
//! `L` is a right-side solve against the rows already factored), which is
//! why [`solve_rows`] and [`tile_gram`] are crate-visible.

#[cfg(target_arch = "x86_64")]
use oxblas_core::cast;
use oxblas_core::{MatMut, MatRef, Par, Scalar};

use crate::gemm;

/// Width of the triangles solved by the tile kernel directly (dot products
/// up to this long); wider ones are split and updated with gemm.
#[cfg(not(test))]
const BASE: usize = 128;
#[cfg(test)]
const BASE: usize = 9;

/// From this many rows of `B` the base solve runs on packed panels
/// (`gemm::trsm`, microkernel tiles); fewer rows take the 4 x 4 dot-product
/// tiles, which need no packing.
const PACKED_MIN_ROWS: usize = if cfg!(test) { 5 } else { 8 };

/// Below this many multiply-adds (`m k^2 / 2`) a solve stays on one thread.
const PAR_MIN_WORK: usize = 1 << 18;

/// Solves $X L^T = B$ in place in `b` for the lower triangle of `l` (`k x k`,
/// unit column stride: rows contiguous), `b` of shape `m x k` with unit
/// column stride. With `unit_diag` the diagonal of `L` is taken as ones and
/// not read. Rows of `B` are split over `par`'s threads.
pub(crate) fn solve_lower_t<T: Scalar>(
    l: MatRef<'_, T>,
    unit_diag: bool,
    b: MatMut<'_, T>,
    par: Par,
) {
    let (m, k) = b.shape();
    debug_assert_eq!(l.shape(), (k, k));
    debug_assert!(k <= 1 || l.col_stride() == 1);
    debug_assert!(k <= 1 || b.col_stride() == 1);
    if m == 0 || k == 0 {
        return;
    }
    let invd: Vec<T> = (0..k)
        .map(|j| {
            if unit_diag {
                T::ONE
            } else {
                T::ONE / l[(j, j)]
            }
        })
        .collect();
    let work = m.saturating_mul(k).saturating_mul(k) / 2;
    let threads = par.threads();
    if threads > 1 && m >= 16 && work >= PAR_MIN_WORK && rayon::current_thread_index().is_none() {
        return split_rows(l, &invd, b, threads);
    }
    solve_rec(l, &invd, b);
}

/// Splits the rows of `b` into `threads` parts (multiples of 4 rows) solved
/// side by side, each on one thread.
fn split_rows<T: Scalar>(l: MatRef<'_, T>, invd: &[T], b: MatMut<'_, T>, threads: usize) {
    let m = b.rows();
    if threads <= 1 || m < 8 {
        return solve_rec(l, invd, b);
    }
    let left = threads / 2;
    let at = ((m * left / threads).div_ceil(4) * 4).clamp(1, m - 1);
    let (b0, b1) = b.split_at_row(at);
    rayon::join(
        || split_rows(l, invd, b0, left),
        || split_rows(l, invd, b1, threads - left),
    );
}

/// The recursive split over the width of the triangle (one thread).
fn solve_rec<T: Scalar>(l: MatRef<'_, T>, invd: &[T], b: MatMut<'_, T>) {
    let (m, k) = b.shape();
    if k <= BASE && m >= PACKED_MIN_ROWS {
        return gemm::trsm::solve_lower_t_packed(gemm::isa(), l, invd, b);
    }
    if k <= BASE {
        let (lrs, brs) = (l.row_stride(), b.row_stride());
        let (lp, mut b) = (l.as_ptr(), b);
        let bp = b.ptr_at_mut(0, 0);
        // SAFETY: `l` is a k x k view with unit column stride (or k == 1),
        // so rows 0..k of it hold k contiguous readable elements each; `b`
        // is an m x k view with unit column stride (or k == 1), borrowed
        // exclusively, whose rows are k contiguous elements each; the two
        // never overlap (one is shared, the other exclusive); invd has k
        // entries.
        unsafe { solve_rows(m, k, lp, lrs, invd, bp, brs) };
        return;
    }
    // Split at a multiple of 4 so that the leaves' tiles are full.
    let h = (k / 2).div_ceil(4) * 4;
    let (top, bottom) = l.split_at_row(h);
    let (l00, _) = top.split_at_col(h);
    let (l10, l11) = bottom.split_at_col(h);
    let (mut b0, mut b1) = b.split_at_col(h);
    solve_rec(l00, &invd[..h], b0.rb_mut());
    // B1 -= X0 L10^T (the packed update with the AVX2 packers).
    gemm::trsm::gemm_nt_sub(gemm::isa(), b0.rb(), l10, b1.rb_mut());
    solve_rec(l11, &invd[h..], b1);
}

/// Rows of `B` solved together, panel after panel, for a solve `k` wide:
/// enough that consecutive row tiles overlap in the CPU, few enough that
/// their `rows x k` block stays in L1 (16 KiB of it) while the column
/// panels sweep across it (a multiple of 4, from 8 to 64).
pub(crate) fn row_chunk<T>(k: usize) -> usize {
    if cfg!(test) {
        // Small, so that the small test cases cross chunk boundaries.
        return 8;
    }
    let fit = 16 * 1024 / core::mem::size_of::<T>().max(1) / k.max(1);
    fit.clamp(8, 64) / 4 * 4
}

/// Solves $X L^T = B$ in place for `m` rows of `B` by forward substitution
/// in 4 x 4 tiles (`invd[c] = 1 / L[c, c]`; the diagonal of `L` is not read):
/// column panel by column panel ([`solve_panel`]), over chunks of rows.
///
/// # Safety
/// - `l + c * lrs` is readable for `c + 1` elements for every `c < k`;
/// - `b + r * brs` is readable and writable for `k` elements for every
///   `r < m`, these rows do not overlap each other nor any row of `l`, and
///   nothing else accesses them during the call;
/// - `invd` has at least `k` entries.
pub(crate) unsafe fn solve_rows<T: Scalar>(
    m: usize,
    k: usize,
    l: *const T,
    lrs: isize,
    invd: &[T],
    b: *mut T,
    brs: isize,
) {
    let chunk = row_chunk::<T>(k);
    for r0 in (0..m).step_by(chunk) {
        let rows = chunk.min(m - r0);
        let br = b.wrapping_offset(r0 as isize * brs);
        for j0 in (0..k).step_by(4) {
            let nj = (k - j0).min(4);
            // SAFETY: rows r0..r0 + rows of `b` and the first j0 + nj rows
            // of `l` satisfy `solve_panel`'s contract by ours.
            unsafe { solve_panel(rows, j0, nj, l, lrs, invd, br, brs) };
        }
    }
}

/// One column panel of a right-side solve: for every row `r < m` of `B`,
/// `X[r, j0..j0+nj] = (B[r, j0..j0+nj] - X[r, 0..j0] L[j0..j0+nj, 0..j0]^T)
/// L_JJ^{-T}` where `L_JJ` is the `nj x nj` diagonal block of `L` at `j0`
/// (only its strict lower part is read; `invd[j0 + c] = 1 / L[j0+c, j0+c]`).
/// Row tiles are independent, so consecutive tiles overlap in the CPU.
///
/// # Safety
/// - `1 <= nj <= 4`; `l + (j0 + c) * lrs` is readable for `j0 + c + 1`
///   elements for every `c < nj`;
/// - `b + r * brs` is readable and writable for `j0 + nj` elements for
///   every `r < m`, with `X[r, 0..j0]` already solved; these rows overlap
///   neither each other nor the rows of `l` read, and nothing else accesses
///   them during the call;
/// - `invd` has at least `j0 + nj` entries.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub(crate) unsafe fn solve_panel<T: Scalar>(
    m: usize,
    j0: usize,
    nj: usize,
    l: *const T,
    lrs: isize,
    invd: &[T],
    b: *mut T,
    brs: isize,
) {
    debug_assert!((1..=4).contains(&nj) && invd.len() >= j0 + nj);
    #[cfg(target_arch = "x86_64")]
    if cast::same_type::<T, f64>() && gemm::isa() == gemm::Isa::Avx2Fma {
        let invd = cast::cast_slice::<T, f64>(invd).expect("T is f64");
        // SAFETY: T is f64 (same type), so the pointer casts keep the
        // caller's guarantees; `Isa::Avx2Fma` is only detected when the CPU
        // has AVX2 and FMA.
        return unsafe {
            avx::panel_f64(m, j0, nj, l as *const f64, lrs, invd, b as *mut f64, brs)
        };
    }
    #[cfg(target_arch = "x86_64")]
    if cast::same_type::<T, f32>() && gemm::isa() == gemm::Isa::Avx2Fma {
        let invd = cast::cast_slice::<T, f32>(invd).expect("T is f32");
        // SAFETY: as above, with T = f32.
        return unsafe {
            avx::panel_f32(m, j0, nj, l as *const f32, lrs, invd, b as *mut f32, brs)
        };
    }
    crate::lapack::util::vectorized(
        #[inline(always)]
        || {
            for r in 0..m {
                // SAFETY: row r < m of `b` (caller's guarantee).
                let x = unsafe { b.offset(r as isize * brs) };
                for c in j0..j0 + nj {
                    // SAFETY: the first c + 1 elements of row c of `l` and
                    // the j0 + nj elements of row r of `b` (caller).
                    unsafe {
                        let lc = core::slice::from_raw_parts(l.offset(c as isize * lrs), c);
                        let xr = core::slice::from_raw_parts(x as *const T, c);
                        let s = *x.add(c) - dot(xr, lc);
                        *x.add(c) = s * invd[c];
                    }
                }
            }
        },
    )
}

/// `D[r][c] = sum_p X[r, p] X[c, p]` over `p < k` for the `mi <= 4` rows of
/// `X` at `x` (row stride `xrs`); entries with `r` or `c >= mi` are zero.
///
/// # Safety
/// `x + r * xrs` is readable for `k` elements for every `r < mi`.
#[allow(clippy::needless_range_loop)] // a 4 x 4 tile indexed by row and column
pub(crate) unsafe fn tile_gram<T: Scalar>(
    mi: usize,
    k: usize,
    x: *const T,
    xrs: isize,
) -> [[T; 4]; 4] {
    debug_assert!((1..=4).contains(&mi));
    #[cfg(target_arch = "x86_64")]
    if cast::same_type::<T, f64>() && gemm::isa() == gemm::Isa::Avx2Fma {
        // SAFETY: as in `solve_rows`.
        let d = unsafe { avx::gram_f64(mi, k, x as *const f64, xrs) };
        let mut out = [[T::ZERO; 4]; 4];
        for r in 0..mi {
            for c in 0..mi {
                out[r][c] = cast::cast::<f64, T>(d[r][c]).expect("T is f64");
            }
        }
        return out;
    }
    #[cfg(target_arch = "x86_64")]
    if cast::same_type::<T, f32>() && gemm::isa() == gemm::Isa::Avx2Fma {
        // SAFETY: as in `solve_rows`.
        let d = unsafe { avx::gram_f32(mi, k, x as *const f32, xrs) };
        let mut out = [[T::ZERO; 4]; 4];
        for r in 0..mi {
            for c in 0..mi {
                out[r][c] = cast::cast::<f32, T>(d[r][c]).expect("T is f32");
            }
        }
        return out;
    }
    crate::lapack::util::vectorized(
        #[inline(always)]
        || {
            let mut out = [[T::ZERO; 4]; 4];
            for r in 0..mi {
                for c in 0..=r {
                    // SAFETY: rows r, c < mi, k elements each (caller).
                    let s = unsafe {
                        dot(
                            core::slice::from_raw_parts(x.offset(r as isize * xrs), k),
                            core::slice::from_raw_parts(x.offset(c as isize * xrs), k),
                        )
                    };
                    out[r][c] = s;
                    out[c][r] = s;
                }
            }
            out
        },
    )
}

/// `x . y`, eight partial sums so that the loop vectorizes.
#[inline(always)]
fn dot<T: Scalar>(x: &[T], y: &[T]) -> T {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [T::ZERO; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for l in 0..8 {
            acc[l] = a[l].mul_add(b[l], acc[l]);
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&a, &b) in xr.iter().zip(yr) {
        s = a.mul_add(b, s);
    }
    s
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use core::arch::x86_64::*;

    use crate::gemm::trsm::avx::transpose4;

    /// Lane mask selecting the first `n` (< 4 allowed: 0..=4) of 4 lanes.
    #[inline(always)]
    unsafe fn mask(n: usize) -> __m256i {
        // SAFETY: plain AVX register arithmetic (enabled by the caller).
        unsafe {
            let idx = _mm256_set_epi64x(3, 2, 1, 0);
            _mm256_cmpgt_epi64(_mm256_set1_epi64x(n as i64), idx)
        }
    }

    /// Horizontal sums of four vectors: lane `r` of the result is the sum
    /// of the lanes of `v[r]`.
    #[inline(always)]
    unsafe fn hsum4(v0: __m256d, v1: __m256d, v2: __m256d, v3: __m256d) -> __m256d {
        // SAFETY: register arithmetic only.
        unsafe {
            let t0 = _mm256_hadd_pd(v0, v1);
            let t1 = _mm256_hadd_pd(v2, v3);
            let lo = _mm256_permute2f128_pd::<0x20>(t0, t1);
            let hi = _mm256_permute2f128_pd::<0x31>(t0, t1);
            _mm256_add_pd(lo, hi)
        }
    }

    /// Column `c` of the result, lane `r`: `sum_{p < k} x[r][p] * y[c][p]`.
    ///
    /// Safety: every `x[r]` and `y[c]` readable for `k` elements.
    #[inline(always)]
    unsafe fn dots(k: usize, x: [*const f64; 4], y: [*const f64; 4]) -> [__m256d; 4] {
        // SAFETY (whole body): loads stay inside the k elements of each row
        // (the tail is a masked load, which touches only the selected lanes).
        unsafe {
            let mut out = [_mm256_setzero_pd(); 4];
            let tail = mask(k % 4);
            let body = k - k % 4;
            for h in 0..2 {
                let (y0, y1) = (y[2 * h], y[2 * h + 1]);
                let mut acc = [[_mm256_setzero_pd(); 2]; 4];
                let mut p = 0;
                while p < body {
                    let b0 = _mm256_loadu_pd(y0.add(p));
                    let b1 = _mm256_loadu_pd(y1.add(p));
                    for r in 0..4 {
                        let a = _mm256_loadu_pd(x[r].add(p));
                        acc[r][0] = _mm256_fmadd_pd(a, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_pd(a, b1, acc[r][1]);
                    }
                    p += 4;
                }
                if body < k {
                    let b0 = _mm256_maskload_pd(y0.add(body), tail);
                    let b1 = _mm256_maskload_pd(y1.add(body), tail);
                    for r in 0..4 {
                        let a = _mm256_maskload_pd(x[r].add(body), tail);
                        acc[r][0] = _mm256_fmadd_pd(a, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_pd(a, b1, acc[r][1]);
                    }
                }
                out[2 * h] = hsum4(acc[0][0], acc[1][0], acc[2][0], acc[3][0]);
                out[2 * h + 1] = hsum4(acc[0][1], acc[1][1], acc[2][1], acc[3][1]);
            }
            out
        }
    }

    /// See `super::solve_panel` (same contract; f64, AVX2+FMA present).
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    pub(super) unsafe fn panel_f64(
        m: usize,
        j0: usize,
        nj: usize,
        l: *const f64,
        lrs: isize,
        invd: &[f64],
        b: *mut f64,
        brs: isize,
    ) {
        // SAFETY (whole body): rows r < m of `b` and rows j0..j0 + nj of
        // `l` (first j0 + c + 1 elements) are valid by the caller's
        // contract; pointers to rows past the end are clamped to the last
        // valid row, which is only read; stores go to rows r < mi only and
        // to lanes (columns) below nj only (masked).
        unsafe {
            let lrow = |c: usize| l.offset((j0 + c.min(nj - 1)) as isize * lrs);
            let y: [*const f64; 4] = core::array::from_fn(lrow);
            // Coefficients L[j0 + c, j0 + q] (q < c < nj), broadcast once.
            let mut coef = [[_mm256_setzero_pd(); 4]; 4];
            for (c, row) in coef.iter_mut().enumerate().take(nj) {
                for (q, v) in row.iter_mut().enumerate().take(c) {
                    *v = _mm256_set1_pd(*lrow(c).add(j0 + q));
                }
            }
            let inv: [__m256d; 4] =
                core::array::from_fn(|c| _mm256_set1_pd(invd[j0 + c.min(nj - 1)]));
            let msk = mask(nj);
            let mut i0 = 0;
            while i0 < m {
                let mi = (m - i0).min(4);
                let rows: [*mut f64; 4] =
                    core::array::from_fn(|r| b.offset((i0 + r.min(mi - 1)) as isize * brs));
                let xr: [*const f64; 4] = core::array::from_fn(|r| rows[r] as *const f64);
                let d = dots(j0, xr, y);
                let bt = transpose4(core::array::from_fn(|r| {
                    if nj == 4 {
                        _mm256_loadu_pd(xr[r].add(j0))
                    } else {
                        _mm256_maskload_pd(xr[r].add(j0), msk)
                    }
                }));
                let mut x = [_mm256_setzero_pd(); 4];
                for c in 0..nj {
                    let mut v = _mm256_sub_pd(bt[c], d[c]);
                    for q in 0..c {
                        v = _mm256_fnmadd_pd(x[q], coef[c][q], v);
                    }
                    x[c] = _mm256_mul_pd(v, inv[c]);
                }
                let out = transpose4(x);
                // Plain stores for whole tiles (masked stores are slow on
                // some CPUs).
                for r in 0..mi {
                    if nj == 4 {
                        _mm256_storeu_pd(rows[r].add(j0), out[r]);
                    } else {
                        _mm256_maskstore_pd(rows[r].add(j0), msk, out[r]);
                    }
                }
                i0 += 4;
            }
        }
    }

    /// See `super::tile_gram` (f64, AVX2+FMA present).
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::needless_range_loop)]
    pub(super) unsafe fn gram_f64(mi: usize, k: usize, x: *const f64, xrs: isize) -> [[f64; 4]; 4] {
        // SAFETY: rows past `mi` are clamped to row mi - 1 (read only); the
        // loads are inside the k elements of each row (caller).
        unsafe {
            let rows: [*const f64; 4] =
                core::array::from_fn(|r| x.offset(r.min(mi - 1) as isize * xrs));
            let d = dots(k, rows, rows);
            let mut out = [[0.0; 4]; 4];
            for (c, col) in d.iter().enumerate() {
                let mut lanes = [0.0; 4];
                _mm256_storeu_pd(lanes.as_mut_ptr(), *col);
                for r in 0..4 {
                    out[r][c] = lanes[r];
                }
            }
            out
        }
    }

    // ------------------------------------------------------------- f32
    // The same tiles with eight f32 lanes along the reduction dimension;
    // the 4 x 4 tile itself (4 rows as 4 lanes) lives in 128-bit registers.

    /// Lane mask selecting the first `n` (0..=8) of 8 f32 lanes.
    #[inline(always)]
    unsafe fn mask8(n: usize) -> __m256i {
        // SAFETY: plain AVX2 register arithmetic (enabled by the caller).
        unsafe {
            let idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), idx)
        }
    }

    /// Lane mask selecting the first `n` (0..=4) of 4 f32 lanes.
    #[inline(always)]
    unsafe fn mask4(n: usize) -> __m128i {
        // SAFETY: register arithmetic only.
        unsafe { _mm_cmpgt_epi32(_mm_set1_epi32(n as i32), _mm_setr_epi32(0, 1, 2, 3)) }
    }

    /// Lane `r` of the result: the sum of the 8 lanes of `v[r]`.
    #[inline(always)]
    unsafe fn hsum4_ps(v0: __m256, v1: __m256, v2: __m256, v3: __m256) -> __m128 {
        // SAFETY: register arithmetic only.
        unsafe {
            let t0 = _mm256_hadd_ps(v0, v1);
            let t1 = _mm256_hadd_ps(v2, v3);
            // Low half: the sums of lanes 0..4 of v0..v3; high half: 4..8.
            let t = _mm256_hadd_ps(t0, t1);
            _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps::<1>(t))
        }
    }

    /// 4 x 4 transpose of rows `r` into columns (f32).
    #[inline(always)]
    unsafe fn transpose_ps(r: [__m128; 4]) -> [__m128; 4] {
        // SAFETY: register arithmetic only.
        unsafe {
            let t0 = _mm_unpacklo_ps(r[0], r[1]);
            let t1 = _mm_unpackhi_ps(r[0], r[1]);
            let t2 = _mm_unpacklo_ps(r[2], r[3]);
            let t3 = _mm_unpackhi_ps(r[2], r[3]);
            [
                _mm_movelh_ps(t0, t2),
                _mm_movehl_ps(t2, t0),
                _mm_movelh_ps(t1, t3),
                _mm_movehl_ps(t3, t1),
            ]
        }
    }

    /// Column `c` of the result, lane `r`: `sum_{p < k} x[r][p] * y[c][p]`.
    ///
    /// Safety: every `x[r]` and `y[c]` readable for `k` elements.
    #[inline(always)]
    unsafe fn dots_f32(k: usize, x: [*const f32; 4], y: [*const f32; 4]) -> [__m128; 4] {
        // SAFETY (whole body): loads stay inside the k elements of each row
        // (the tail is a masked load, which touches only the selected lanes).
        unsafe {
            let mut out = [_mm_setzero_ps(); 4];
            let tail = mask8(k % 8);
            let body = k - k % 8;
            for h in 0..2 {
                let (y0, y1) = (y[2 * h], y[2 * h + 1]);
                let mut acc = [[_mm256_setzero_ps(); 2]; 4];
                let mut p = 0;
                while p < body {
                    let b0 = _mm256_loadu_ps(y0.add(p));
                    let b1 = _mm256_loadu_ps(y1.add(p));
                    for r in 0..4 {
                        let a = _mm256_loadu_ps(x[r].add(p));
                        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
                    }
                    p += 8;
                }
                if body < k {
                    let b0 = _mm256_maskload_ps(y0.add(body), tail);
                    let b1 = _mm256_maskload_ps(y1.add(body), tail);
                    for r in 0..4 {
                        let a = _mm256_maskload_ps(x[r].add(body), tail);
                        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
                    }
                }
                out[2 * h] = hsum4_ps(acc[0][0], acc[1][0], acc[2][0], acc[3][0]);
                out[2 * h + 1] = hsum4_ps(acc[0][1], acc[1][1], acc[2][1], acc[3][1]);
            }
            out
        }
    }

    /// See `super::solve_panel` (same contract; f32, AVX2+FMA present).
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    pub(super) unsafe fn panel_f32(
        m: usize,
        j0: usize,
        nj: usize,
        l: *const f32,
        lrs: isize,
        invd: &[f32],
        b: *mut f32,
        brs: isize,
    ) {
        // SAFETY (whole body): as in `panel_f64`: rows r < m of `b` and
        // rows j0..j0 + nj of `l` (first j0 + c + 1 elements) are valid by
        // the caller's contract; pointers to rows past the end are clamped
        // to the last valid row, which is only read; stores go to rows
        // r < mi only and to lanes (columns) below nj only (masked).
        unsafe {
            let lrow = |c: usize| l.offset((j0 + c.min(nj - 1)) as isize * lrs);
            let y: [*const f32; 4] = core::array::from_fn(lrow);
            let mut coef = [[_mm_setzero_ps(); 4]; 4];
            for (c, row) in coef.iter_mut().enumerate().take(nj) {
                for (q, v) in row.iter_mut().enumerate().take(c) {
                    *v = _mm_set1_ps(*lrow(c).add(j0 + q));
                }
            }
            let inv: [__m128; 4] = core::array::from_fn(|c| _mm_set1_ps(invd[j0 + c.min(nj - 1)]));
            let msk = mask4(nj);
            let mut i0 = 0;
            while i0 < m {
                let mi = (m - i0).min(4);
                let rows: [*mut f32; 4] =
                    core::array::from_fn(|r| b.offset((i0 + r.min(mi - 1)) as isize * brs));
                let xr: [*const f32; 4] = core::array::from_fn(|r| rows[r] as *const f32);
                let d = dots_f32(j0, xr, y);
                let bt = transpose_ps(core::array::from_fn(|r| {
                    if nj == 4 {
                        _mm_loadu_ps(xr[r].add(j0))
                    } else {
                        _mm_maskload_ps(xr[r].add(j0), msk)
                    }
                }));
                let mut x = [_mm_setzero_ps(); 4];
                for c in 0..nj {
                    let mut v = _mm_sub_ps(bt[c], d[c]);
                    for q in 0..c {
                        v = _mm_fnmadd_ps(x[q], coef[c][q], v);
                    }
                    x[c] = _mm_mul_ps(v, inv[c]);
                }
                let out = transpose_ps(x);
                for r in 0..mi {
                    if nj == 4 {
                        _mm_storeu_ps(rows[r].add(j0), out[r]);
                    } else {
                        _mm_maskstore_ps(rows[r].add(j0), msk, out[r]);
                    }
                }
                i0 += 4;
            }
        }
    }

    /// See `super::tile_gram` (f32, AVX2+FMA present).
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::needless_range_loop)]
    pub(super) unsafe fn gram_f32(mi: usize, k: usize, x: *const f32, xrs: isize) -> [[f32; 4]; 4] {
        // SAFETY: rows past `mi` are clamped to row mi - 1 (read only); the
        // loads are inside the k elements of each row (caller).
        unsafe {
            let rows: [*const f32; 4] =
                core::array::from_fn(|r| x.offset(r.min(mi - 1) as isize * xrs));
            let d = dots_f32(k, rows, rows);
            let mut out = [[0.0; 4]; 4];
            for (c, col) in d.iter().enumerate() {
                let mut lanes = [0.0; 4];
                _mm_storeu_ps(lanes.as_mut_ptr(), *col);
                for r in 0..4 {
                    out[r][c] = lanes[r];
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use oxblas_core::{Mat, Par};

    use super::*;
    use crate::gemm::trsm::tests::lower;

    /// `X L^T` back for the lower triangle of `l` (diagonal ones if `unit`).
    fn times_lt<T: Scalar>(x: &Mat<T>, l: &Mat<T>, unit: bool) -> Mat<T> {
        let (m, k) = x.shape();
        Mat::from_fn(m, k, |i, j| {
            let mut s = 0.0;
            for p in 0..=j {
                let lv = if p == j && unit {
                    1.0
                } else {
                    l[(j, p)].to_f64()
                };
                s += x[(i, p)].to_f64() * lv;
            }
            T::from_f64(s)
        })
    }

    fn run<T: Scalar>(m: usize, k: usize, unit: bool, par: Par, tol: f64) {
        let l = lower::<T>(k, 3 + k as u64);
        let b = lower::<T>(m.max(k), 9 + m as u64);
        let b = Mat::from_fn(m, k, |i, j| b[(i % b.rows(), j)]);
        let mut x = b.clone();
        solve_lower_t(l.as_ref(), unit, x.as_mut(), par);
        let back = times_lt(&x, &l, unit);
        for i in 0..m {
            for j in 0..k {
                let e = (back[(i, j)].to_f64() - b[(i, j)].to_f64()).abs();
                assert!(
                    e <= tol * k as f64,
                    "m {m} k {k} unit {unit}: ({i}, {j}) off by {e}"
                );
            }
        }
    }

    #[test]
    fn every_small_shape_and_blocked_widths() {
        // Widths across BASE (= 9 in tests) exercise the recursive split
        // and its gemm update; rows 1..=9 every partial row tile.
        for m in 1..=9 {
            for k in 1..=23 {
                run::<f64>(m, k, false, Par::Seq, 1e-14);
                run::<f32>(m, k, false, Par::Seq, 1e-5);
            }
        }
        run::<f64>(13, 37, true, Par::Seq, 1e-14);
        run::<f32>(13, 37, true, Par::Seq, 1e-5);
    }

    #[test]
    fn threads_split_rows() {
        run::<f64>(301, 70, false, Par::Rayon(2), 1e-14);
        run::<f64>(301, 70, false, Par::Rayon(3), 1e-14);
        run::<f32>(130, 70, false, Par::Rayon(2), 1e-5);
    }

    #[test]
    fn public_trsm_right_upper_all_layouts() {
        use oxblas_core::{Diag, Side, Uplo};
        // X U = alpha B through `level3::trsm`: U upper (row-major, so that
        // L = U^T has strided rows and is copied), or the transpose of a
        // row-major lower matrix (rows of L contiguous, no copy).
        for (m, k) in [(1usize, 1usize), (5, 3), (13, 30)] {
            let lo = lower::<f64>(k, 21 + k as u64);
            let up = lo.transpose();
            let b = lower::<f64>(m.max(k), 4);
            let b = Mat::from_fn(m, k, |i, j| b[(i % b.rows(), j)]);
            for (diag, unit) in [(Diag::NonUnit, false), (Diag::Unit, true)] {
                for a in [up.as_ref(), lo.t()] {
                    let mut x = b.clone();
                    crate::level3::trsm(Side::Right, Uplo::Upper, diag, 2.0, a, x.as_mut())
                        .unwrap();
                    let back = times_lt(&x, &lo, unit);
                    for i in 0..m {
                        for j in 0..k {
                            let e = (back[(i, j)] - 2.0 * b[(i, j)]).abs();
                            assert!(e <= 1e-13 * k as f64, "m {m} k {k}: ({i}, {j}) off by {e}");
                        }
                    }
                }
            }
            // alpha = 0 sets B to zero without reading it (NaN does not
            // propagate).
            let mut x = Mat::filled(m, k, f64::NAN);
            crate::level3::trsm(
                Side::Right,
                Uplo::Upper,
                Diag::NonUnit,
                0.0,
                up.as_ref(),
                x.as_mut(),
            )
            .unwrap();
            assert!(x.as_slice().iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn gram_tiles_f32() {
        let x = lower::<f32>(19, 5);
        for mi in 1..=4 {
            for k in 0..=19 {
                // SAFETY: rows < mi <= 4 of the 19 x 19 matrix, k <= 19 each.
                let d = unsafe { tile_gram(mi, k, x.as_ref().as_ptr(), 19) };
                for r in 0..4 {
                    for c in 0..4 {
                        let want = if r < mi && c < mi {
                            (0..k)
                                .map(|p| x[(r, p)] as f64 * x[(c, p)] as f64)
                                .sum::<f64>()
                        } else {
                            0.0
                        };
                        let e = (d[r][c] as f64 - want).abs();
                        assert!(
                            e <= 1e-6 * (k as f64 + 1.0),
                            "mi {mi} k {k} ({r}, {c}): {e}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn gram_tiles() {
        let x = lower::<f64>(11, 5);
        for mi in 1..=4 {
            for k in [0usize, 1, 3, 4, 5, 8, 11] {
                // SAFETY: rows < mi <= 4 of the 11 x 11 matrix, k <= 11 each.
                let d = unsafe { tile_gram(mi, k, x.as_ref().as_ptr(), 11) };
                for r in 0..4 {
                    for c in 0..4 {
                        let want = if r < mi && c < mi {
                            (0..k).map(|p| x[(r, p)] * x[(c, p)]).sum::<f64>()
                        } else {
                            0.0
                        };
                        assert!((d[r][c] - want).abs() <= 1e-14, "mi {mi} k {k} ({r}, {c})");
                    }
                }
            }
        }
    }
}
