//! The recursive Cholesky factorization.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use oxblas_core::{validate, Cholesky, Error, Mat, MatMut, MatRef, Op, Par, Result, Scalar};

use crate::team::Team;

use crate::lapack::util::{all_finite, split_point};
use crate::{gemm, level3};

/// Order up to which the recursive factorization runs the packed one
/// (`super::packed`) on its diagonal blocks (half that on a team).
#[cfg(not(test))]
const LEAF: usize = 256;
#[cfg(test)]
const LEAF: usize = 11;

/// Orders that [`tiny`] factors (scalar, in the result's storage) instead
/// of the packed kernel: `./target/release/examples/probe_chol chol 8 16
/// 20 24 32 chol32 8 16 24 32`, ratios to OpenBLAS, tiny against packed
/// (or against the former copy + 4 x 4 leaf at 8), two alternated runs:
/// f64 n = 8 4.7-5.4 / 2.0-2.3, 16 2.1-2.2 / 1.8, 20 1.8-2.0 / 1.3-1.4,
/// 24 1.3-1.5 / 1.7-1.8, 32 1.0 / 1.6-1.7; f32 8 4.5-5.4 / 2.8, 16
/// 2.3-2.4 / 1.8, 32 1.0 / 1.5-1.7.
pub(super) const TINY: usize = 16;

/// Blocks of the recursion up to this order run the unblocked [`leaf`]
/// rather than the packed kernel (only the test build's small `LEAF`
/// makes blocks this small).
const LEAF_TINY: usize = 8;

/// Order up to which one thread factors the whole matrix by the packed
/// left-looking factorization (`super::packed`) instead of the recursion:
/// its panels stream from L2 or L3 while its column blocks run, which pays
/// up to about 1536 (probe_chol chol, alternated with OpenBLAS, ratio
/// medians: 1024 1.20 against 0.97 recursive, 1536 1.06 against 0.97,
/// 2048 0.70 against 0.80). Small in tests, so that the recursion runs.
const WHOLE_MAX: usize = if cfg!(test) { 40 } else { 1536 };

/// Cholesky factorization $A = LL^T$, reading only the lower triangle of `a`.
///
/// Returns `L` (lower triangular, zeros above the diagonal).
///
/// # Errors
/// - [`Error::NotSquare`] if `a` is not square;
/// - [`Error::NonFinite`] if the lower triangle holds NaN or infinity
///   (checked before any work);
/// - [`Error::NotPositiveDefinite`] with the 0-based index of the first
///   pivot that is not positive (LAPACK's `info - 1`): the leading minor of
///   order `index + 1` is not positive definite.
pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
    factor_with(a, crate::current_par())
}

/// [`factor`] with explicit parallelism: from order [`PAR_MIN_N`] the whole
/// factorization runs inside one spinning thread team (`crate::team`): up
/// to [`WHOLE_MAX`] the packed factorization's pipeline (the same result as
/// on one thread), above it the recursion, whose members split the copies,
/// the panel solves and the trailing updates.
pub(crate) fn factor_with<T: Scalar>(a: MatRef<'_, T>, par: Par) -> Result<Cholesky<T>> {
    let n = validate::square(Op::Cholesky, a.shape())?;
    let par = if n >= PAR_MIN_N { par } else { Par::Seq };
    crate::team::with_team(par, |team| factor_team(a, team))
}

/// Orders below this factor on one thread: a team starts its threads per
/// call (tens of microseconds), which at n = 256 (about 250 us on one core)
/// eats most of the gain. The packed pipeline on 2 threads against one
/// (f64, release, min of 15, under `chrt -f 10` on the loaded 2-core
/// machine, two runs): 256 0.92 / 1.05, 384 1.09 / 1.35, 512 1.25 / 1.05,
/// 768 1.47 / 1.62, 1024 1.95 / 1.63, 1536 1.85 / 1.82.
const PAR_MIN_N: usize = if cfg!(test) { 24 } else { 512 };

/// The factorization of the validated square `a` on `team`.
fn factor_team<T: Scalar>(a: MatRef<'_, T>, team: &Team) -> Result<Cholesky<T>> {
    let n = a.rows();
    if n == 0 {
        return Ok(Cholesky {
            l: Mat::zeros(0, 0),
        });
    }
    if n <= TINY {
        return tiny(a);
    }
    if n <= WHOLE_MAX {
        // Straight from `a` into the panels and out into the result: no
        // separate copy. On a team, the column blocks run as a pipeline
        // (`super::packed::run_team`).
        let data = super::packed::factor_to_vec(gemm::isa(), a, team)?;
        return Ok(Cholesky {
            l: Mat::from_vec(n, n, data)?,
        });
    }
    // Copy each row's lower part, check it (vectorized), zero the rest; the
    // check completes before any factorization work. Rows are `ld` apart,
    // padded by a cache line when n would make the stride a multiple of 512
    // bytes (rows then share L1 sets and 4 KiB aliases); the padding is
    // squeezed out at the end.
    let ld = padded_stride::<T>(n);
    let mut data: Vec<T> = Vec::with_capacity(n * ld);
    {
        let spare = &mut data.spare_capacity_mut()[..n * ld];
        let parts = row_parts(spare, n, ld, pieces(team, n, 64));
        let finite = AtomicBool::new(true);
        for_pieces(team, parts, &|(i0, rows)| {
            if !copy_lower(a, i0, rows, ld) {
                finite.store(false, Ordering::Relaxed);
            }
        });
        if !finite.load(Ordering::Relaxed) {
            return Err(Error::NonFinite { op: Op::Cholesky });
        }
    }
    // SAFETY: the parts cover the first n * ld elements of the spare
    // capacity, and `copy_lower` wrote every element of its rows (it
    // returned, so it did not stop early).
    unsafe { data.set_len(n * ld) };
    {
        let whole = MatMut::from_slice(&mut data, n, ld)?;
        factor_in_place(whole.submatrix(0, 0, n, n)?, 0, team)?;
    }
    if ld != n {
        squeeze(&mut data, n, ld, team);
    }
    let l = Mat::from_vec(n, n, data)?;
    Ok(Cholesky { l })
}

/// The factorization of an order `n <=` [`TINY`] (`a` square, validated)
/// in the result's own storage: the lower triangle is read once (any
/// strides) and checked for NaN and infinity before any work, then the
/// columns are factored left-looking (each entry one dot product of two
/// contiguous rows).
/// The general path's copy, row parts, team closure and panel kernels cost
/// more than the arithmetic at these orders (f64 n = 8 took about 400 ns
/// in the quick bench, as much as LAPACKE's dpotrf with its transposing
/// copies).
fn tiny<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>> {
    let n = a.rows();
    debug_assert!(n <= TINY && a.cols() == n);
    // The result's storage is the work space (row-major, zeros above).
    let mut l = vec![T::ZERO; n * n];
    // `v * 0` is 0 for finite `v`, NaN for NaN and infinities: one sum
    // checks the whole triangle.
    let mut check = T::ZERO;
    for (i, row) in l.chunks_exact_mut(n).enumerate() {
        for (j, dst) in row[..=i].iter_mut().enumerate() {
            // SAFETY: j <= i < n, the order of the square `a`.
            let v = unsafe { *a.get_unchecked(i, j) };
            check += v * T::ZERO;
            *dst = v;
        }
    }
    if check != T::ZERO {
        return Err(Error::NonFinite { op: Op::Cholesky });
    }
    for j in 0..n {
        let (row_j, below) = l[j * n..].split_at_mut(n);
        let mut d = row_j[j];
        for &v in &row_j[..j] {
            d -= v * v;
        }
        // Not positive (or NaN): the leading minor of order j + 1 fails.
        let positive = d > T::ZERO;
        if !positive {
            return Err(Error::NotPositiveDefinite { index: j });
        }
        let s = d.sqrt();
        row_j[j] = s;
        let inv = T::ONE / s;
        for row_i in below.chunks_exact_mut(n) {
            let mut v = row_i[j];
            for (x, y) in row_i[..j].iter().zip(&row_j[..j]) {
                v -= *x * *y;
            }
            row_i[j] = v * inv;
        }
    }
    Ok(Cholesky {
        l: Mat::from_vec(n, n, l)?,
    })
}

/// Moves the `n` rows of `data` (`ld` apart) together (`n` apart) in place,
/// then truncates it to `n * n`: no second buffer of `n^2` elements to
/// allocate and fault in.
///
/// Row `i` moves back by `i * (ld - n)`, onto the old place of rows before
/// it, so one thread moves the rows in order. Over the team, row blocks
/// `i0..i1` move side by side: block `i0..i1` writes only `[i0 n, i1 n)`,
/// and the last rows of a block, whose old place the next block overwrites,
/// are saved first (a few rows per block: `(i1 - 1) (ld - n) / ld + 1`).
pub(super) fn squeeze<T: Scalar>(data: &mut Vec<T>, n: usize, ld: usize, team: &Team) {
    let parts = pieces(team, n, 64);
    let bounds: Vec<usize> = (0..=parts).map(|t| n * t / parts).collect();
    // (first row, end row, first saved row, saved rows), block by block.
    let mut blocks = Vec::with_capacity(parts);
    for t in 0..parts {
        let (i0, i1) = (bounds[t], bounds[t + 1]);
        // Rows j with j ld + n > i1 n lie partly in the next block's range.
        let keep = if t + 1 == parts {
            i1
        } else {
            ((i1 - 1) * n / ld + 1).clamp(i0, i1)
        };
        let mut saved = Vec::with_capacity((i1 - keep) * n);
        for j in keep..i1 {
            saved.extend_from_slice(&data[j * ld..j * ld + n]);
        }
        blocks.push((i0, i1, keep, saved));
    }
    let mut parts_mut = Vec::with_capacity(parts);
    let mut rest: &mut [T] = data;
    for (t, (i0, i1, keep, saved)) in blocks.into_iter().enumerate() {
        let len = if t + 1 == parts {
            rest.len()
        } else {
            (i1 - i0) * n
        };
        let (head, tail) = rest.split_at_mut(len);
        parts_mut.push((i0, i1, keep, saved, head));
        rest = tail;
    }
    for_pieces(team, parts_mut, &|(i0, i1, keep, saved, block)| {
        // Rows before `keep` lie inside the block's slice (j ld + n <= i1 n,
        // or it is the last block, whose slice runs to the end of `data`).
        for j in i0..keep {
            let from = j * ld - i0 * n;
            block.copy_within(from..from + n, (j - i0) * n);
        }
        for (j, row) in (keep..i1).zip(saved.chunks_exact(n)) {
            block[(j - i0) * n..(j - i0 + 1) * n].copy_from_slice(row);
        }
    });
    data.truncate(n * n);
}

/// Splits `buf` (`n` rows `ld` apart) into at most `parts` runs of whole rows
/// with about equal numbers of rows: `(first row, its rows)`.
fn row_parts<E>(buf: &mut [E], n: usize, ld: usize, parts: usize) -> Vec<(usize, &mut [E])> {
    let parts = parts.clamp(1, n.max(1));
    let mut out = Vec::with_capacity(parts);
    let mut rest = buf;
    let mut i0 = 0;
    for t in 0..parts {
        let i1 = n * (t + 1) / parts;
        let (head, tail) = rest.split_at_mut((i1 - i0) * ld);
        out.push((i0, head));
        rest = tail;
        i0 = i1;
    }
    out
}

/// Copies rows `i0..` of the lower triangle of `a` into `rows` (whole rows
/// `ld` long: the lower part, then zeros) and checks them; returns `false`
/// on a NaN or infinity (the remaining rows are then not written).
fn copy_lower<T: Scalar>(
    a: MatRef<'_, T>,
    i0: usize,
    rows: &mut [core::mem::MaybeUninit<T>],
    ld: usize,
) -> bool {
    for (r, dst) in rows.chunks_exact_mut(ld).enumerate() {
        let i = i0 + r;
        let (low, high) = dst.split_at_mut(i + 1);
        match a.row_slice(i) {
            Some(src) => {
                for (d, &s) in low.iter_mut().zip(&src[..=i]) {
                    d.write(s);
                }
            }
            None => {
                for (j, d) in low.iter_mut().enumerate() {
                    // SAFETY: i < n and j <= i < n.
                    d.write(unsafe { *a.get_unchecked(i, j) });
                }
            }
        }
        // SAFETY: every element of `low` was written just above.
        let low = unsafe { &*(low as *const [core::mem::MaybeUninit<T>] as *const [T]) };
        if !all_finite(low) {
            return false;
        }
        for d in high {
            d.write(T::ZERO);
        }
    }
    true
}

/// Runs `job(p)` for every piece, over the team: each thread claims the
/// next unclaimed piece (in order) until none is left, so that a member the
/// OS holds off the CPU delays only the piece it is running (more pieces
/// than threads keep a loaded machine from stalling the others).
fn for_pieces<P: Send>(team: &Team, pieces: Vec<P>, job: &(dyn Fn(P) + Sync)) {
    if team.size() <= 1 || pieces.len() <= 1 {
        for p in pieces {
            job(p);
        }
        return;
    }
    let slots: Vec<Mutex<Option<P>>> = pieces.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let next = AtomicUsize::new(0);
    team.run(&|_| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = slots.get(i) else { break };
        let piece = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(p) = piece {
            job(p);
        }
    });
}

/// How many pieces a team splits a step of `units` units (rows) into: two
/// per thread, none smaller than `min` units.
fn pieces(team: &Team, units: usize, min: usize) -> usize {
    if team.size() <= 1 {
        return 1;
    }
    (2 * team.size()).min(units / min.max(1)).max(1)
}

/// Smallest order whose working copy gets a padded stride: 512 (at 256 the
/// squeeze cost about what the padding saved: probe_chol chol 256, three
/// alternated runs, ratio to OpenBLAS 0.84-0.89 unpadded against
/// 0.83-0.87 padded, f32 0.84-0.87 against 0.81-0.83). 256 in tests, so
/// that the padded path runs at the sizes tests use.
const PAD_MIN_N: usize = if cfg!(test) { 256 } else { 512 };

/// Row stride of the working copy for order `n`: `n`, plus a cache line
/// when `n` rows of `T` are a multiple of 512 bytes long and `n >=`
/// [`PAD_MIN_N`] (below that the matrix is small enough that the final
/// squeeze costs more than the conflicts).
fn padded_stride<T>(n: usize) -> usize {
    let size = core::mem::size_of::<T>().max(1);
    if n >= PAD_MIN_N && (n * size).is_multiple_of(512) {
        n + 64 / size
    } else {
        n
    }
}

/// Factors the lower triangle of `a` in place (`offset`: the index of its
/// first pivot in the whole matrix, for the error). `a` has unit column
/// stride (it is always a block of the row-major copy made by [`factor`]).
fn factor_in_place<T: Scalar>(a: MatMut<'_, T>, offset: usize, team: &Team) -> Result<()> {
    let n = a.rows();
    debug_assert!(n <= 1 || a.col_stride() == 1);
    // The leaf runs on one thread while the team waits: with a team, leaves
    // half as wide (a quarter of the serial flops; the solves and updates
    // that replace them are split).
    let leaf_max = if team.size() > 1 { LEAF / 2 } else { LEAF };
    if n <= LEAF_TINY {
        return leaf(a, offset);
    }
    if n <= leaf_max {
        return super::packed::factor_in_place(gemm::isa(), a, offset);
    }
    let n1 = split_point(n);
    let (top, bot) = a.split_at_row(n1);
    let (mut a11, _) = top.split_at_col(n1);
    let (mut a21, mut a22) = bot.split_at_col(n1);
    factor_in_place(a11.rb_mut(), offset, team)?;
    // L21 = A21 L11^{-T}: the row-wise right-side solve of level 3 (rows of
    // A21 and L11 contiguous, no transposing copy), rows split over the team.
    solve_par(a11.rb(), a21.rb_mut(), team);
    // A22 -= L21 L21^T on the lower triangle only, row blocks over the team.
    syrk_par(a21.rb(), a22.rb_mut(), team);
    factor_in_place(a22, offset + n1, team)
}

/// `X L^T = B` in place in `b` for the lower triangle of `l`, the rows of
/// `b` split over the team (multiples of 4 rows, the solve's tile height).
fn solve_par<T: Scalar>(l: MatRef<'_, T>, b: MatMut<'_, T>, team: &Team) {
    let m = b.rows();
    let parts = pieces(team, m, 32);
    let mut out = Vec::with_capacity(parts);
    let mut rest = b;
    let mut r0 = 0;
    for t in 1..parts {
        let r1 = (m * t / parts).div_ceil(4) * 4;
        let (head, tail) = rest.split_at_row(r1 - r0);
        out.push(head);
        rest = tail;
        r0 = r1;
    }
    out.push(rest);
    for_pieces(team, out, &|part| {
        level3::solve_lower_t(l, false, part, Par::Seq)
    });
}

/// `C -= A A^T` on the lower triangle of `c` (`n x n`, `a` is `n x k`) by
/// the packed update loops of `gemm::trsm` (AVX2 transposing packers): on
/// one thread at once; over a team split into row blocks of about equal
/// work: block `r0..r1` is the rectangle `C[r0..r1, ..r0]` (`A B^T`) and
/// the triangle `C[r0..r1, r0..r1]`.
fn syrk_par<T: Scalar>(a: MatRef<'_, T>, c: MatMut<'_, T>, team: &Team) {
    let n = c.rows();
    let parts = pieces(team, n, 32);
    if parts == 1 {
        return gemm::trsm::syrk_lower_sub(gemm::isa(), a, c);
    }
    // Rows below r hold r^2 / 2 of the n^2 / 2 entries: cut at n sqrt(t / p),
    // rounded to a multiple of 8 (the microkernel's width).
    let mut out = Vec::with_capacity(parts);
    let mut rest = c;
    let mut r0 = 0;
    for t in 1..=parts {
        let r1 = if t == parts {
            n
        } else {
            let cut = n as f64 * (t as f64 / parts as f64).sqrt();
            ((cut as usize + 4) / 8 * 8).clamp(r0, n)
        };
        let (head, tail) = rest.split_at_row(r1 - r0);
        out.push((r0, head));
        rest = tail;
        r0 = r1;
    }
    for_pieces(team, out, &|(r0, rows)| {
        let h = rows.rows();
        let (rect, right) = rows.split_at_col(r0);
        let (tri, _) = right.split_at_col(h);
        let (above, mine) = a.split_at_row(r0);
        let (mine, _) = mine.split_at_row(h);
        let isa = gemm::isa();
        gemm::trsm::gemm_nt_sub(isa, mine, above, rect);
        gemm::trsm::syrk_lower_sub(isa, mine, tri);
    });
}
/// Largest order [`leaf`] takes (the size of its array of reciprocals;
/// tests run it up to this order directly).
const LEAF_MAX: usize = 128;

/// Unblocked left-looking Cholesky of a block of order at most [`LEAF_MAX`]
/// (the recursion's blocks up to order [`LEAF_TINY`]), four
/// columns at a time: the 4 x 4 diagonal block is updated by the Gram matrix
/// of its rows (dot products of contiguous rows) and factored in place, then
/// the rows below solve for the same four columns (level 3's panel kernel:
/// 4 x 4 tiles of dot products, independent of each other).
#[allow(clippy::needless_range_loop)] // 4 x 4 tile indexed by row and column
pub(super) fn leaf<T: Scalar>(mut a: MatMut<'_, T>, offset: usize) -> Result<()> {
    let n = a.rows();
    debug_assert!(n <= LEAF_MAX);
    if n == 0 {
        return Ok(());
    }
    let rs = a.row_stride();
    let base = a.ptr_at_mut(0, 0);
    let at = |i: usize, j: usize| base.wrapping_offset(i as isize * rs + j as isize);
    let mut invd = [T::ZERO; LEAF_MAX];
    // Chunks of rows small enough to stay in L1 (see `row_chunk`): each
    // first solves for the columns left of it (against the rows factored
    // before), then factors its own diagonal block column panel by panel.
    let chunk = level3::row_chunk::<T>(n);
    for c0 in (0..n).step_by(chunk) {
        let c1 = (c0 + chunk).min(n);
        // SAFETY: rows c < c0 of `a` hold the factored L[c, 0..=c] (read
        // only); rows c0..c1 (disjoint from them) hold at least c0
        // elements each; invd[..c0] is filled.
        unsafe { level3::solve_rows(c1 - c0, c0, at(0, 0), rs, &invd, at(c0, 0), rs) };
        for j0 in (c0..c1).step_by(4) {
            let nj = (c1 - j0).min(4);
            // SAFETY: `a` is an n x n view with unit column stride (or n == 1),
            // borrowed exclusively; rows j0..j0 + nj hold at least j0 elements.
            let g = unsafe { level3::tile_gram(nj, j0, at(j0, 0), rs) };
            let mut t = [[T::ZERO; 4]; 4];
            for r in 0..nj {
                for c in 0..=r {
                    // SAFETY: (j0 + r, j0 + c) with c <= r < nj: inside `a`.
                    t[r][c] = unsafe { *at(j0 + r, j0 + c) } - g[r][c];
                }
            }
            for c in 0..nj {
                let mut d = t[c][c];
                for q in 0..c {
                    d -= t[c][q] * t[c][q];
                }
                // Not positive (or NaN): the leading minor of this order fails.
                let positive = d > T::ZERO;
                if !positive {
                    return Err(Error::NotPositiveDefinite {
                        index: offset + j0 + c,
                    });
                }
                let s = d.sqrt();
                let inv = T::ONE / s;
                t[c][c] = s;
                invd[j0 + c] = inv;
                for r in c + 1..nj {
                    let mut v = t[r][c];
                    for q in 0..c {
                        v -= t[r][q] * t[c][q];
                    }
                    t[r][c] = v * inv;
                }
            }
            for r in 0..nj {
                for c in 0..=r {
                    // SAFETY: as above; `a` is borrowed exclusively.
                    unsafe { *at(j0 + r, j0 + c) = t[r][c] };
                }
            }
            let below = c1 - j0 - nj;
            if below > 0 {
                // SAFETY: rows j0..j0 + nj of `a` hold the factored L[c, 0..=c]
                // (read only); rows j0 + nj..c1 (disjoint from them) hold at
                // least j0 + nj elements each, their first j0 already solved;
                // invd[..j0 + nj] is filled.
                unsafe {
                    level3::solve_panel(below, j0, nj, at(0, 0), rs, &invd, at(j0 + nj, 0), rs)
                };
            }
        }
    }
    Ok(())
}
