//! Level-3 operations besides gemm: trsm, syrk, symm, batched gemm and the
//! pairwise distance matrix. Almost all of their flops run in the packed
//! gemm (`crate::gemm`): trsm recursively halves the triangle and updates
//! with gemm, triangles of order 17 to 128 solved on gemm's packed
//! panels as `X^T L^T = B^T` (an upper one reversed into a lower one), the
//! columns of `B` cut once over threads (the right-side solve with an upper triangle
//! on a row-major B works row-wise, see `trsm_right.rs`), syrk is the gemm
//! driver restricted to a triangle, symm mirrors the stored triangle and
//! calls gemm.
//!
//! ```
//! use oxblas_core::{Diag, Mat, Side, Uplo};
//! use oxblas_simd::level3;
//! // Solve L X = B for lower-triangular L (the upper triangle is never read).
//! let l = Mat::<f64>::from_rows(&[[2.0, f64::NAN], [1.0, 4.0]])?;
//! let mut b = Mat::<f64>::from_rows(&[[2.0], [9.0]])?;
//! level3::trsm(Side::Left, Uplo::Lower, Diag::NonUnit, 1.0, l.as_ref(), b.as_mut())?;
//! assert_eq!(b.as_slice(), &[1.0, 2.0]);
//! // C = A A^T, lower triangle only.
//! let a = Mat::<f64>::from_rows(&[[1.0, 2.0], [3.0, 4.0]])?;
//! let mut c = Mat::<f64>::zeros(2, 2);
//! level3::syrk(Uplo::Lower, 1.0, a.as_ref(), 0.0, c.as_mut())?;
//! assert_eq!(c.as_slice(), &[5.0, 0.0, 11.0, 25.0]);
//! # Ok::<(), oxblas_core::Error>(())
//! ```

use oxblas_core::{
    validate, Diag, Distance, Error, Mat, MatMut, MatRef, Op, Par, Result, Scalar, Side, Uplo,
};

use crate::gemm;

mod trsm_right;

pub(crate) use trsm_right::{row_chunk, solve_lower_t, solve_panel, solve_rows, tile_gram};

/// The pairwise distance matrix $out_{ij} = d(x_{i,:}, y_{j,:})$.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless `x` (`m x d`) and `y` (`n x d`) have
/// the same number of columns and `out` is `m x n`;
/// [`Error::InvalidArgument`] for the cosine distance when a row is zero
/// (checked before `out` is written).
pub fn pairwise_distances<T: Scalar>(
    metric: Distance,
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    mut out: MatMut<'_, T>,
) -> Result<()> {
    let op = Op::PairwiseDistances;
    validate::same_len(op, x.cols(), y.cols())?;
    validate::same_shape(op, (x.rows(), y.rows()), out.shape())?;
    let (m, n, d) = (x.rows(), y.rows(), x.cols());
    let sq_norms = |v: MatRef<'_, T>| -> Vec<T> {
        (0..v.rows())
            .map(|i| (0..d).map(|p| v[(i, p)] * v[(i, p)]).sum())
            .collect()
    };
    match metric {
        Distance::SquaredEuclidean | Distance::Euclidean => {
            let (nx, ny) = (sq_norms(x), sq_norms(y));
            // out = -2 X Y^T, then add the squared norms.
            gemm::gemm(
                -T::from_f64(2.0),
                x,
                y.t(),
                T::ZERO,
                out.rb_mut(),
                crate::current_par(),
            )?;
            for i in 0..m {
                for j in 0..n {
                    let v = out[(i, j)] + nx[i] + ny[j];
                    // Cancellation can make a zero distance slightly negative.
                    let v = if v < T::ZERO { T::ZERO } else { v };
                    out[(i, j)] = if metric == Distance::Euclidean {
                        v.sqrt()
                    } else {
                        v
                    };
                }
            }
        }
        Distance::Cosine => {
            let (nx, ny) = (sq_norms(x), sq_norms(y));
            for (which, norms) in [("x", &nx), ("y", &ny)] {
                if let Some(i) = norms.iter().position(|&s| s == T::ZERO) {
                    return Err(Error::InvalidArgument {
                        op,
                        message: format!("cosine distance of a zero vector (row {i} of {which})"),
                    });
                }
            }
            gemm::gemm(
                T::ONE,
                x,
                y.t(),
                T::ZERO,
                out.rb_mut(),
                crate::current_par(),
            )?;
            for i in 0..m {
                for j in 0..n {
                    out[(i, j)] = T::ONE - out[(i, j)] / (nx[i].sqrt() * ny[j].sqrt());
                }
            }
        }
        Distance::Manhattan => {
            for i in 0..m {
                for j in 0..n {
                    out[(i, j)] = (0..d).map(|p| (x[(i, p)] - y[(j, p)]).abs()).sum();
                }
            }
        }
    }
    Ok(())
}

/// $C \leftarrow \alpha A A^T + \beta C$ for `A` of shape `n x k`, writing
/// only the `uplo` triangle of `C` (`n x n`). With `beta == 0`, `C` is not read.
///
/// # Errors
/// [`Error::DimensionMismatch`] unless `C` is `n x n`.
pub fn syrk<T: Scalar>(
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    validate::syrk(Op::Syrk, a.shape(), c.shape())?;
    // The packed gemm driver restricted to the triangle: tiles outside it
    // are skipped, tiles across the diagonal go through a temporary.
    gemm::syrk_with(gemm::isa(), uplo, alpha, a, beta, c, crate::current_par());
    Ok(())
}

/// Order of the diagonal blocks trsm solves by substitution; everything
/// else is gemm.
const TRSM_BASE: usize = 16;
/// Order up to which (from `TRSM_BASE + 1`) a left-side solve of a `B`
/// with at least `TRSM_PACKED_MIN_COLS` columns is one packed solve
/// ([`trsm_packed_cols`]; an upper triangle reversed into a lower one)
/// instead of recursion and substitution.
const TRSM_PACKED_MAX: usize = if cfg!(test) { 24 } else { 128 };
/// See [`TRSM_PACKED_MAX`]: fewer columns do not fill the panels.
const TRSM_PACKED_MIN_COLS: usize = 8;
/// Multiply-adds (`m^2 n / 2`) from which a left-side solve splits the
/// columns of `B` over threads ([`trsm_left_par`]).
const TRSM_PAR_MIN_WORK: usize = if cfg!(test) { 1 << 10 } else { 1 << 20 };
/// Fewest columns of `B` per part in [`trsm_left_par`].
/// At least `TRSM_PACKED_MIN_COLS`, so that a part takes the packed
/// leaves wherever the whole `B` would (the same operations per column).
const TRSM_PART_MIN_COLS: usize = if cfg!(test) { TRSM_PACKED_MIN_COLS } else { 16 };
/// The parts of [`trsm_left_par`] are cut at multiples of this many
/// columns (the f32 panels' width; twice the f64 one).
const TRSM_PART_ALIGN: usize = if cfg!(test) { 1 } else { 16 };

/// Solves $A X = \alpha B$ (`Side::Left`) or $X A = \alpha B$ (`Side::Right`)
/// in place in `b`, for triangular `A` read from its `uplo` triangle (the
/// other triangle is never read; with `Diag::Unit` neither is the diagonal).
///
/// A zero on a non-unit diagonal gives infinities or NaN, as in BLAS.
///
/// # Errors
/// [`Error::NotSquare`] if `A` is not square; [`Error::DimensionMismatch`]
/// if its order does not match `B`'s rows (left) or columns (right).
pub fn trsm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    diag: Diag,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatMut<'_, T>,
) -> Result<()> {
    validate::side(Op::Trsm, side, a.shape(), b.shape())?;
    // X U = alpha B with U upper is X L^T = alpha B for L = U^T: on a
    // row-major B, the row-wise solve with no transposing copy.
    if side == Side::Right && uplo == Uplo::Upper && b.col_stride() == 1 && b.cols() > 1 {
        let mut b = b;
        if !scale_by(alpha, b.rb_mut()) {
            return Ok(());
        }
        let l = a.t();
        let unit = diag == Diag::Unit;
        if l.col_stride() == 1 {
            trsm_right::solve_lower_t(l, unit, b, crate::current_par());
        } else {
            // Rows of L contiguous: a row-major copy of the triangle (k^2
            // elements against the m k^2 flops of the solve).
            let k = l.rows();
            let lc = Mat::from_fn(k, k, |i, j| if j <= i { l[(i, j)] } else { T::ZERO });
            trsm_right::solve_lower_t(lc.as_ref(), unit, b, crate::current_par());
        }
        return Ok(());
    }
    match side {
        Side::Left => trsm_left(uplo, diag, alpha, a, b),
        // X A = alpha B  <=>  A^T X^T = alpha B^T, and A^T has the other triangle.
        Side::Right => {
            let flipped = match uplo {
                Uplo::Lower => Uplo::Upper,
                Uplo::Upper => Uplo::Lower,
            };
            trsm_left(flipped, diag, alpha, a.t(), b.t())
        }
    }
    Ok(())
}

/// Left-side solve on validated shapes: scale by alpha, then recursive
/// blocking (halve A, solve one half, gemm-update the other, solve it).
fn trsm_left<T: Scalar>(uplo: Uplo, diag: Diag, alpha: T, a: MatRef<'_, T>, b: MatMut<'_, T>) {
    trsm_left_par(uplo, diag, alpha, a, b, crate::current_par());
}

/// The number of column parts [`trsm_left_par`] cuts an `m x n` `B` into
/// for `par`: one (no split) inside a rayon worker, for fewer than
/// `2 * TRSM_PART_MIN_COLS` columns, or below `TRSM_PAR_MIN_WORK`.
fn trsm_parts(m: usize, n: usize, par: Par) -> usize {
    let threads = crate::team::team_size(par);
    let work = m.saturating_mul(m).saturating_mul(n) / 2;
    if threads <= 1 || work < TRSM_PAR_MIN_WORK {
        return 1;
    }
    threads.min(n / TRSM_PART_MIN_COLS).max(1)
}

/// [`trsm_left`] with the parallelism given. The columns of `B` are
/// independent: with several threads they are cut once into one part per
/// thread (at multiples of `TRSM_PART_ALIGN` columns, so that the packed
/// panels stay full), each scaled and solved whole on one thread
/// (recursion, packed leaves and gemm updates all sequential): one
/// fork/join per call instead of one per leaf and per gemm update. Every
/// column is computed by the same operations whatever the cut, so the
/// result does not depend on the thread count.
///
/// The parts run under `rayon::join` rather than on a spinning
/// `team::with_team`: for a single parallel section the team's thread
/// start costs as much as a rayon wake-up, and on a loaded machine (2
/// cores, load 3-4) its spinning members made the median f64 256 x 256
/// solve 3-6 times slower than with rayon, whose caller runs a part that
/// no worker took.
fn trsm_left_par<T: Scalar>(
    uplo: Uplo,
    diag: Diag,
    alpha: T,
    a: MatRef<'_, T>,
    mut b: MatMut<'_, T>,
    par: Par,
) {
    let (m, n) = b.shape();
    let parts = trsm_parts(m, n, par);
    if parts <= 1 {
        if scale_by(alpha, b.rb_mut()) {
            trsm_rec(uplo, diag, a, b, par);
        }
        return;
    }
    let solve = |mut part: MatMut<'_, T>| {
        if scale_by(alpha, part.rb_mut()) {
            trsm_rec(uplo, diag, a, part, Par::Seq);
        }
    };
    split_cols(b, parts, &solve);
}

/// Cuts `b` into `parts` column blocks of at least `TRSM_PART_MIN_COLS`
/// columns (`parts * TRSM_PART_MIN_COLS <= b.cols()`), at multiples of
/// `TRSM_PART_ALIGN` where that allows, and runs `f` on each, side by side
/// under `rayon::join`.
fn split_cols<T: Scalar>(b: MatMut<'_, T>, parts: usize, f: &(dyn Fn(MatMut<'_, T>) + Sync)) {
    let n = b.cols();
    if parts <= 1 || n < 2 * TRSM_PART_MIN_COLS {
        return f(b);
    }
    let left = parts / 2;
    let at = (n * left / parts + TRSM_PART_ALIGN / 2) / TRSM_PART_ALIGN * TRSM_PART_ALIGN;
    let at = at.clamp(
        left * TRSM_PART_MIN_COLS,
        n - (parts - left) * TRSM_PART_MIN_COLS,
    );
    let (b0, b1) = b.split_at_col(at);
    rayon::join(
        || split_cols(b0, left, f),
        || split_cols(b1, parts - left, f),
    );
}

/// `B = alpha B` (`alpha == 0` sets B to zero without reading it, as BLAS
/// does). Returns `false` when B is then zero or empty (nothing to solve).
fn scale_by<T: Scalar>(alpha: T, mut b: MatMut<'_, T>) -> bool {
    let (m, n) = b.shape();
    if m == 0 || n == 0 {
        return false;
    }
    if alpha != T::ONE {
        for i in 0..m {
            for j in 0..n {
                // alpha == 0 sets B to zero without reading it, as BLAS does.
                let p = b.ptr_at_mut(i, j);
                // SAFETY: (i, j) is inside `b`, borrowed exclusively.
                unsafe {
                    *p = if alpha == T::ZERO {
                        T::ZERO
                    } else {
                        alpha * *p
                    };
                }
            }
        }
        if alpha == T::ZERO {
            return false;
        }
    }
    true
}

/// Solves `A X = B` in place for the `m x m` triangle of `a` (`m = b.rows()`).
fn trsm_rec<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, b: MatMut<'_, T>, par: Par) {
    let m = b.rows();
    // From TRSM_BASE rows up (a base-case substitution is faster on its own:
    // f64 8x8 240 ns against 300 ns packed).
    if (TRSM_BASE + 1..=TRSM_PACKED_MAX).contains(&m) && b.cols() >= TRSM_PACKED_MIN_COLS {
        // An upper triangle U is solved as the lower J U J on reversed rows:
        // U X = B is (J U J)(J X) = J B for the reversal J.
        let (l, b) = match uplo {
            Uplo::Lower => (a, b),
            Uplo::Upper => (a.reverse_rows().reverse_cols(), b.reverse_rows()),
        };
        let invd: Vec<T> = (0..m)
            .map(|j| match diag {
                Diag::Unit => T::ONE,
                // SAFETY: j < m, the order of the square `l`.
                Diag::NonUnit => T::ONE / unsafe { *l.get_unchecked(j, j) },
            })
            .collect();
        return trsm_packed_cols(l, &invd, b);
    }
    if m <= TRSM_BASE {
        return trsm_base(uplo, diag, a, b);
    }
    // Split at a multiple of the base size so that the leaves are full.
    let h = (m / 2).div_ceil(TRSM_BASE) * TRSM_BASE;
    let (b0, b1) = b.split_at_row(h);
    let (a_top, a_bot) = a.split_at_row(h);
    let (a00, a01) = a_top.split_at_col(h);
    let (a10, a11) = a_bot.split_at_col(h);
    let isa = gemm::isa();
    match uplo {
        Uplo::Lower => {
            // [A00 0; A10 A11] [X0; X1] = [B0; B1]
            let mut b0 = b0;
            let mut b1 = b1;
            trsm_rec(uplo, diag, a00, b0.rb_mut(), par);
            gemm::gemm_with(isa, -T::ONE, a10, b0.rb(), T::ONE, b1.rb_mut(), par);
            trsm_rec(uplo, diag, a11, b1, par);
        }
        Uplo::Upper => {
            // [A00 A01; 0 A11] [X0; X1] = [B0; B1]
            let mut b0 = b0;
            let mut b1 = b1;
            trsm_rec(uplo, diag, a11, b1.rb_mut(), par);
            gemm::gemm_with(isa, -T::ONE, a01, b1.rb(), T::ONE, b0.rb_mut(), par);
            trsm_rec(uplo, diag, a00, b0, par);
        }
    }
}

/// `L X = B` as `X^T L^T = B^T` on `gemm::trsm`'s packed panels (the
/// columns of `B` are the rows of the panels; the tiles solve in
/// registers), `invd` the reciprocals of the diagonal (ones for a unit
/// one); on the calling thread.
fn trsm_packed_cols<T: Scalar>(l: MatRef<'_, T>, invd: &[T], b: MatMut<'_, T>) {
    gemm::trsm::solve_lower_t_packed(gemm::isa(), l, invd, b.t());
}

/// Substitution for a small triangle, compiled for AVX2+FMA where the CPU
/// has it (the row updates then run 4 or 8 lanes wide).
fn trsm_base<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, mut b: MatMut<'_, T>) {
    let (m, n) = b.shape();
    if b.col_stride() != 1 && n > 1 && m > 1 {
        // Rows of B not contiguous (e.g. the transposed B of a right-side
        // solve): work on a row-major copy, where the row updates vectorize.
        let mut tmp = vec![T::ZERO; m * n];
        // Column by column: each column of `b` is contiguous here when `b`
        // is a transposed row-major matrix, the case this copy is for.
        for j in 0..n {
            for i in 0..m {
                // SAFETY: (i, j) is inside `b`.
                tmp[i * n + j] = unsafe { *b.ptr_at_mut(i, j) };
            }
        }
        let view = MatMut::from_slice(&mut tmp, m, n).expect("m * n elements");
        trsm_base(uplo, diag, a, view);
        for j in 0..n {
            for i in 0..m {
                // SAFETY: (i, j) is inside `b`, borrowed exclusively.
                unsafe { *b.ptr_at_mut(i, j) = tmp[i * n + j] };
            }
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if gemm::isa() == gemm::Isa::Avx2Fma {
        // SAFETY: `Isa::Avx2Fma` is only detected when pulp's `x86::V3`
        // check (AVX2 + FMA) succeeded.
        return unsafe { trsm_base_avx2(uplo, diag, a, b) };
    }
    trsm_base_body::<T, false>(uplo, diag, a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn trsm_base_avx2<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, b: MatMut<'_, T>) {
    trsm_base_body::<T, true>(uplo, diag, a, b)
}

/// The substitution, in the loop order that walks `b` along its contiguous
/// dimension. `FMA`: fuse the row updates (only where the hardware has FMA).
#[inline(always)]
fn trsm_base_body<T: Scalar, const FMA: bool>(
    uplo: Uplo,
    diag: Diag,
    a: MatRef<'_, T>,
    mut b: MatMut<'_, T>,
) {
    let (m, n) = b.shape();
    let mut order = [0usize; TRSM_BASE];
    for (i, o) in order.iter_mut().enumerate().take(m) {
        *o = match uplo {
            Uplo::Lower => i,
            Uplo::Upper => m - 1 - i,
        };
    }
    let order = &order[..m];
    let before = |i: usize, p: usize| match uplo {
        Uplo::Lower => p < i,
        Uplo::Upper => p > i,
    };
    // SAFETY (both loops): every (i, p) and (p, j) used is inside the m x m
    // triangle of `a` / the m x n `b` (i, p < m, j < n); `b` is borrowed
    // exclusively and `a` is only read.
    if b.row_stride().unsigned_abs() <= b.col_stride().unsigned_abs() {
        // Columns of B contiguous (or neither): one column at a time.
        for j in 0..n {
            for &i in order {
                let mut s = unsafe { *b.ptr_at_mut(i, j) };
                for &p in order {
                    if before(i, p) {
                        s -= unsafe { *a.get_unchecked(i, p) * *b.ptr_at_mut(p, j) };
                    }
                }
                if diag == Diag::NonUnit {
                    s /= unsafe { *a.get_unchecked(i, i) };
                }
                unsafe { *b.ptr_at_mut(i, j) = s };
            }
        }
    } else {
        // Rows of B contiguous: row operations over all n columns.
        let unit = b.col_stride() == 1;
        for &i in order {
            for &p in order {
                if !before(i, p) {
                    continue;
                }
                let l = unsafe { *a.get_unchecked(i, p) };
                if unit {
                    // SAFETY: rows i != p of `b` are disjoint runs of n
                    // contiguous elements (unit column stride, and a MatMut
                    // never aliases two of its elements).
                    let (bi, bp) = unsafe {
                        (
                            core::slice::from_raw_parts_mut(b.ptr_at_mut(i, 0), n),
                            core::slice::from_raw_parts(b.ptr_at_mut(p, 0) as *const T, n),
                        )
                    };
                    if FMA {
                        for (x, &y) in bi.iter_mut().zip(bp) {
                            *x = (-l).mul_add(y, *x);
                        }
                    } else {
                        for (x, &y) in bi.iter_mut().zip(bp) {
                            *x -= l * y;
                        }
                    }
                } else {
                    for j in 0..n {
                        unsafe { *b.ptr_at_mut(i, j) -= l * *b.ptr_at_mut(p, j) };
                    }
                }
            }
            if diag == Diag::NonUnit {
                let d = unsafe { *a.get_unchecked(i, i) };
                for j in 0..n {
                    unsafe { *b.ptr_at_mut(i, j) /= d };
                }
            }
        }
    }
}

/// $C \leftarrow \alpha A B + \beta C$ (`Side::Left`) or $\alpha B A + \beta C$
/// (`Side::Right`) for symmetric `A` stored in its `uplo` triangle (the other
/// triangle is never read). With `beta == 0`, `C` is not read.
///
/// # Errors
/// [`Error::NotSquare`] if `A` is not square; [`Error::DimensionMismatch`]
/// if its order does not match `B`, or `C` does not have `B`'s shape.
pub fn symm<T: Scalar>(
    side: Side,
    uplo: Uplo,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<()> {
    validate::side(Op::Symm, side, a.shape(), b.shape())?;
    validate::same_shape(Op::Symm, b.shape(), c.shape())?;
    let n = a.rows();
    // Mirror the stored triangle into a full temporary (O(n^2)), then one gemm.
    let full = Mat::from_fn(n, n, |i, j| {
        let stored = match uplo {
            Uplo::Lower => i >= j,
            Uplo::Upper => i <= j,
        };
        if stored {
            a[(i, j)]
        } else {
            a[(j, i)]
        }
    });
    match side {
        Side::Left => gemm::gemm(alpha, full.as_ref(), b, beta, c, crate::current_par()),
        Side::Right => gemm::gemm(alpha, b, full.as_ref(), beta, c, crate::current_par()),
    }
}

/// Batches with less total work (`sum m k n`) than this run on one thread.
const BATCH_PAR_MIN_WORK: usize = 1 << 22;

/// $C_i \leftarrow \alpha A_i B_i + \beta C_i$ for every `i`: each product
/// takes gemm's small unpacked path when it is tiny; large batches are
/// spread over rayon workers.
///
/// # Errors
/// [`Error::DimensionMismatch`] if the three slices differ in length or any
/// product's shapes do not match; all shapes are checked before any `C_i` is
/// written.
pub fn gemm_batched<T: Scalar>(
    alpha: T,
    a: &[MatRef<'_, T>],
    b: &[MatRef<'_, T>],
    beta: T,
    c: &mut [MatMut<'_, T>],
) -> Result<()> {
    if a.len() != b.len() || a.len() != c.len() {
        return Err(Error::DimensionMismatch {
            op: Op::GemmBatched,
            expected: format!("batches of equal length ({})", a.len()),
            found: format!("b has {}, c has {}", b.len(), c.len()),
        });
    }
    for ((a, b), c) in a.iter().zip(b).zip(c.iter()) {
        validate::gemm(Op::GemmBatched, a.shape(), b.shape(), c.shape())?;
    }
    let isa = gemm::isa();
    let work = a.iter().zip(b).fold(0usize, |w, (a, b)| {
        w.saturating_add(a.rows().saturating_mul(a.cols()).saturating_mul(b.cols()))
    });
    let par = crate::current_par();
    if par.threads() > 1 && a.len() >= 2 && work >= BATCH_PAR_MIN_WORK {
        use rayon::prelude::*;
        let per = a.len().div_ceil(par.threads());
        c.par_chunks_mut(per)
            .zip(a.par_chunks(per).zip(b.par_chunks(per)))
            .for_each(|(c, (a, b))| {
                for ((a, b), c) in a.iter().zip(b).zip(c.iter_mut()) {
                    gemm::gemm_with(isa, alpha, *a, *b, beta, c.rb_mut(), Par::Seq);
                }
            });
        return Ok(());
    }
    for ((a, b), c) in a.iter().zip(b).zip(c.iter_mut()) {
        gemm::gemm_with(isa, alpha, *a, *b, beta, c.rb_mut(), Par::Seq);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-conditioned `uplo` triangle (NaN outside it, so that a read
    /// of the other triangle shows).
    fn triangle(n: usize, uplo: Uplo, seed: u64) -> Mat<f64> {
        let mut s = seed;
        Mat::from_fn(n, n, |i, j| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let inside = if uplo == Uplo::Lower { j <= i } else { j >= i };
            if i == j {
                2.0 + r
            } else if inside {
                r / n as f64
            } else {
                f64::NAN
            }
        })
    }

    /// The column split (parts of 8 columns and up under `cfg(test)`),
    /// the packed leaves of both triangles (orders 17 to 24 here) and the
    /// recursion above them: the residual is small and the result is bit
    /// for bit that of one thread, for 1 to 4 threads, both layouts of B.
    #[test]
    fn column_split_is_exact_and_independent_of_threads() {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for diag in [Diag::NonUnit, Diag::Unit] {
                for (m, n) in [
                    (20usize, 17usize),
                    (24, 16),
                    (57, 31),
                    (100, 7),
                    (70, 40),
                    (30, 70),
                ] {
                    let a = triangle(m, uplo, 3 + m as u64);
                    let b0 = Mat::from_fn(m, n, |i, j| ((i * 7 + j * 3) % 13) as f64 - 6.0);
                    assert!(
                        trsm_parts(m, n, Par::Rayon(2)) > 1 || n < 16,
                        "{m}x{n}: no split"
                    );
                    let solve = |par: Par, col_major: bool| -> Mat<f64> {
                        let mut buf = if col_major {
                            b0.transpose().into_vec()
                        } else {
                            b0.as_slice().to_vec()
                        };
                        let bv = if col_major {
                            MatMut::from_slice_col_major(&mut buf, m, n).unwrap()
                        } else {
                            MatMut::from_slice(&mut buf, m, n).unwrap()
                        };
                        trsm_left_par(uplo, diag, 0.5, a.as_ref(), bv, par);
                        if col_major {
                            MatRef::from_slice_col_major(&buf, m, n).unwrap().to_owned()
                        } else {
                            Mat::from_vec(m, n, buf).unwrap()
                        }
                    };
                    let x = solve(Par::Seq, false);
                    for i in 0..m {
                        for j in 0..n {
                            let inside =
                                |p: usize| if uplo == Uplo::Lower { p <= i } else { p >= i };
                            let s: f64 = (0..m)
                                .filter(|&p| inside(p))
                                .map(|p| {
                                    let l = if p == i && diag == Diag::Unit {
                                        1.0
                                    } else {
                                        a[(i, p)]
                                    };
                                    l * x[(p, j)]
                                })
                                .sum();
                            let e = (s - 0.5 * b0[(i, j)]).abs();
                            assert!(e <= 1e-13 * m as f64, "{uplo:?} {m}x{n} ({i}, {j}): {e}");
                        }
                    }
                    for threads in 1..=4 {
                        for col_major in [false, true] {
                            let y = solve(Par::Rayon(threads), col_major);
                            assert!(
                                x.as_slice()
                                    .iter()
                                    .zip(y.as_slice())
                                    .all(|(p, q)| p.to_bits() == q.to_bits()),
                                "{uplo:?} {diag:?} {m}x{n} {threads} threads col_major {col_major}"
                            );
                        }
                    }
                }
            }
        }
    }
}
