//! $X = L^{-1} B$ for the unit lower triangle `L` of a factored panel and a
//! row-major `B`: the triangular solve of the recursive LU.
//!
//! Above `NB` rows the solve recurses (one gemm per split). At most `NB`
//! rows, it runs a register-blocked kernel: for a chunk of `cw` columns, two
//! rows of `X` at a time are accumulated in registers over all earlier rows,
//! so each load of an earlier row feeds two FMAs and each row of `X` is
//! stored once. Column chunks are independent, so with `Par::Rayon` large
//! solves split them over threads.

use oxblas_core::{MatMut, MatRef, Par, Result, Scalar};

use crate::lapack::util::{pgemm, split_point, trsm_left, vectorized, Tri};

/// Order up to which the register-blocked kernel runs (no gemm).
#[cfg(not(test))]
const NB: usize = 64;
#[cfg(test)]
const NB: usize = 5;

/// Order above which chunks of `b` with aliasing rows are solved in a copy.
#[cfg(not(test))]
const COPY_MIN: usize = 16;
#[cfg(test)]
const COPY_MIN: usize = 2;

/// Columns of `X` per register block: 128 bytes of a row, four AVX2
/// registers, for either precision ([`cw`]); `CW` is the f64 width.
const CW: usize = 16;

/// [`CW`] for `T`: 16 f64 or 32 f32 (with 16 f32 columns the two rows'
/// four accumulators could not hide the FMA latency).
#[inline(always)]
fn cw<T>() -> usize {
    128 / core::mem::size_of::<T>()
}

/// Flops (`n^2 k`) below which the kernel stays on one thread.
const PAR_MIN: usize = 1 << 21;

/// Solves $L X = B$ in place (`b` becomes `X`) for the unit lower triangle of
/// the `n x n` `l` (its diagonal and upper triangle are not read).
pub(super) fn solve_unit_lower<T: Scalar>(
    l: MatRef<'_, T>,
    b: MatMut<'_, T>,
    par: Par,
) -> Result<()> {
    let n = l.rows();
    debug_assert!(l.cols() == n && b.rows() == n);
    if n == 0 || b.cols() == 0 {
        return Ok(());
    }
    if l.col_stride() != 1 || b.col_stride() != 1 {
        // Not the LU's row-major working matrix: the shared solver.
        return trsm_left(Tri::LowerUnit, l, b, par);
    }
    if n > NB {
        let n1 = split_point(n);
        let (l_top, l_bot) = l.split_at_row(n1);
        let (l11, _) = l_top.split_at_col(n1);
        let (l21, l22) = l_bot.split_at_col(n1);
        let (mut b1, mut b2) = b.split_at_row(n1);
        solve_unit_lower(l11, b1.rb_mut(), par)?;
        pgemm(-T::ONE, l21, b1.rb(), T::ONE, b2.rb_mut(), par)?;
        return solve_unit_lower(l22, b2, par);
    }
    kernel_par(l, b, par);
    Ok(())
}

/// The kernel over column parts of `b`, in parallel when large.
fn kernel_par<T: Scalar>(l: MatRef<'_, T>, b: MatMut<'_, T>, par: Par) {
    let (n, k) = b.shape();
    let threads = par.threads();
    let cw = cw::<T>();
    let chunks = k.div_ceil(cw);
    if threads > 1 && chunks > 1 && n * n * k >= PAR_MIN {
        // Halves on a chunk boundary; each half may split again.
        let left = chunks / 2 * cw;
        let (b1, b2) = b.split_at_col(left);
        let half = Par::Rayon(threads.div_ceil(2));
        rayon::join(
            || kernel_par(l, b1, half),
            || kernel_par(l, b2, Par::Rayon(threads / 2)),
        );
        return;
    }
    vectorized(
        #[inline(always)]
        || kernel(l, b),
    );
}

/// Register-blocked solve of order `n <= NB` over all column chunks of `b`
/// (`l` and `b` with unit column stride), in chunks of [`cw`] columns.
#[inline(always)]
fn kernel<T: Scalar>(l: MatRef<'_, T>, b: MatMut<'_, T>) {
    if cw::<T>() == 2 * CW {
        kernel_w::<T, { 2 * CW }>(l, b)
    } else {
        kernel_w::<T, CW>(l, b)
    }
}

/// [`kernel`] with chunks of `W` columns.
///
/// When rows of `b` lie a multiple of 1 KiB apart (n = 256, 1024, ... in the
/// LU's working matrix), a chunk's rows map to a few cache sets and evict
/// each other; then (above `COPY_MIN` rows) each chunk is copied to contiguous
/// scratch first (`2 n CW` moves against `n^2 CW / 2` FMAs).
#[inline(always)]
fn kernel_w<T: Scalar, const W: usize>(l: MatRef<'_, T>, mut b: MatMut<'_, T>) {
    let (n, k) = b.shape();
    let brs = b.row_stride();
    let bp = b.ptr_at_mut(0, 0);
    let size = core::mem::size_of::<T>();
    let aliased = |rs: isize| (rs.unsigned_abs() * size).is_multiple_of(1024);
    let (lp, lrs) = (l.as_ptr(), l.row_stride());
    let copy = n > COPY_MIN && aliased(brs);
    let mut tmp = vec![T::ZERO; if copy || k % W != 0 { n * W } else { 0 }];
    let mut c0 = 0;
    while c0 < k {
        let w = W.min(k - c0);
        if w == W && !copy {
            // SAFETY: columns c0 .. c0 + W <= k of every row of `b` exist
            // (unit column stride); `l` (or its copy) is n x n; `b` is
            // borrowed exclusively and does not overlap `l` (disjoint blocks
            // of one matrix, or separate matrices).
            unsafe { chunk::<T, W>(n, lp, lrs, bp.add(c0), brs) };
        } else {
            for i in 0..n {
                // SAFETY: row i < n, columns c0 .. c0 + w <= k: inside `b`.
                let src = unsafe { bp.offset(i as isize * brs).add(c0) };
                for t in 0..w {
                    // SAFETY: t < w, as above.
                    tmp[i * W + t] = unsafe { *src.add(t) };
                }
            }
            // SAFETY: `tmp` is n x W row-major, distinct from `l`.
            unsafe { chunk::<T, W>(n, lp, lrs, tmp.as_mut_ptr(), W as isize) };
            for i in 0..n {
                // SAFETY: as above; `b` is borrowed exclusively.
                let dst = unsafe { bp.offset(i as isize * brs).add(c0) };
                for t in 0..w {
                    // SAFETY: t < w, as above.
                    unsafe { *dst.add(t) = tmp[i * W + t] };
                }
            }
        }
        c0 += w;
    }
}

/// Solves one `n x W` block in place.
///
/// # Safety
/// `l + i * lrs + j` is readable for `j < i < n`; `b + i * brs + t` is
/// readable and writable for `i < n`, `t < W`, and overlaps nothing read
/// through `l`.
#[inline(always)]
unsafe fn chunk<T: Scalar, const W: usize>(
    n: usize,
    l: *const T,
    lrs: isize,
    b: *mut T,
    brs: isize,
) {
    // SAFETY (all blocks below): indices stay within the ranges the caller
    // vouches for: rows i, i + 1 < n, columns j < i + 1 of `l`, t < W.
    unsafe {
        let row = |i: usize| b.offset(i as isize * brs);
        let lrow = |i: usize| l.offset(i as isize * lrs);
        let mut i = 0;
        while i + 2 <= n {
            let (r0, r1) = (row(i), row(i + 1));
            let mut x0: [T; W] = core::ptr::read(r0 as *const [T; W]);
            let mut x1: [T; W] = core::ptr::read(r1 as *const [T; W]);
            let (l0, l1) = (lrow(i), lrow(i + 1));
            for j in 0..i {
                let bj: [T; W] = core::ptr::read(row(j) as *const [T; W]);
                let (a0, a1) = (-*l0.add(j), -*l1.add(j));
                for t in 0..W {
                    x0[t] = a0.mul_add(bj[t], x0[t]);
                    x1[t] = a1.mul_add(bj[t], x1[t]);
                }
            }
            let a = -*l1.add(i);
            for t in 0..W {
                x1[t] = a.mul_add(x0[t], x1[t]);
            }
            core::ptr::write(r0 as *mut [T; W], x0);
            core::ptr::write(r1 as *mut [T; W], x1);
            i += 2;
        }
        if i < n {
            let r0 = row(i);
            let mut x0: [T; W] = core::ptr::read(r0 as *const [T; W]);
            let l0 = lrow(i);
            for j in 0..i {
                let bj: [T; W] = core::ptr::read(row(j) as *const [T; W]);
                let a0 = -*l0.add(j);
                for t in 0..W {
                    x0[t] = a0.mul_add(bj[t], x0[t]);
                }
            }
            core::ptr::write(r0 as *mut [T; W], x0);
        }
    }
}

#[cfg(test)]
mod tests {
    use oxblas_core::{Mat, Par};

    use super::*;
    use crate::lapack::util::testing::{matmul, random, rel_residual, TOL};

    /// `L X = B` for unit lower `L` (random strict lower part, junk on and
    /// above the diagonal that must not be read), every chunk shape.
    #[test]
    fn solves_match_products() {
        for &n in &[1usize, 2, 3, 5, 6, 11, 24] {
            // k = 128: rows 1 KiB apart, the copying path.
            for &k in &[1usize, 15, 16, 17, 40, 128] {
                for par in [Par::Seq, Par::Rayon(2)] {
                    let junk = random::<f64>(n, n, 5);
                    let l = Mat::from_fn(n, n, |i, j| if i > j { junk[(i, j)] } else { f64::NAN });
                    let unit = Mat::from_fn(n, n, |i, j| match i.cmp(&j) {
                        core::cmp::Ordering::Greater => junk[(i, j)],
                        core::cmp::Ordering::Equal => 1.0,
                        core::cmp::Ordering::Less => 0.0,
                    });
                    let b = random::<f64>(n, k, 9);
                    let mut x = b.clone();
                    solve_unit_lower(l.as_ref(), x.as_mut(), par).unwrap();
                    let lx = matmul(unit.as_ref(), x.as_ref());
                    let r = rel_residual(lx.as_ref(), b.as_ref(), n);
                    assert!(r <= TOL, "n = {n}, k = {k}: residual ratio {r}");
                    // A column-major right-hand side takes the shared path.
                    let mut y = b.transpose();
                    solve_unit_lower(l.as_ref(), y.as_mut().t(), par).unwrap();
                    assert!(rel_residual(y.t(), x.as_ref(), n) <= TOL);
                }
            }
        }
        // f32 runs 32-column chunks: widths around it, and 256 (rows 1 KiB apart).
        for &n in &[3usize, 11, 24] {
            for &k in &[31usize, 32, 33, 70, 256] {
                let junk = random::<f32>(n, n, 7);
                let l = Mat::from_fn(n, n, |i, j| if i > j { junk[(i, j)] } else { f32::NAN });
                let unit = Mat::from_fn(n, n, |i, j| match i.cmp(&j) {
                    core::cmp::Ordering::Greater => junk[(i, j)],
                    core::cmp::Ordering::Equal => 1.0,
                    core::cmp::Ordering::Less => 0.0,
                });
                let b = random::<f32>(n, k, 3);
                let mut x = b.clone();
                solve_unit_lower(l.as_ref(), x.as_mut(), Par::Seq).unwrap();
                let lx = matmul(unit.as_ref(), x.as_ref());
                let r = rel_residual(lx.as_ref(), b.as_ref(), n);
                assert!(r <= TOL, "f32 n = {n}, k = {k}: residual ratio {r}");
            }
        }
    }
}
