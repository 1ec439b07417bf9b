//! Helpers shared by the LU, Cholesky and QR factorizations: blocking
//! constants, contiguous vector kernels, row swaps, and recursive triangular
//! solves and rank-k updates that put almost all of their flops in
//! [`crate::gemm::gemm`].
//!
//! Every kernel here takes its parallelism explicitly (`Par`), as the
//! factorizations do.

use oxblas_core::{MatMut, MatRef, Par, Result, Scalar};

use crate::gemm::gemm;

// ------------------------------------------------------------------ blocking
//
// The recursive factorizations split their column range in two until it is at
// most `LEAF` wide, then run a SIMD-friendly unblocked kernel. Small leaves
// keep the unblocked (memory-bound) share of the flops low; too small a leaf
// makes the gemm calls near the bottom of the recursion (k = LEAF) inefficient.
// Chosen by timing `examples/probe_factor.rs` at n = 64, 256, 1024.
// Under `cfg(test)` all constants are tiny so that small test matrices run
// through every blocked path.

/// Widest panel the recursive LU and Cholesky factor without recursing.
#[cfg(not(test))]
pub(crate) const LEAF: usize = 16;
#[cfg(test)]
pub(crate) const LEAF: usize = 3;

/// Order below which the recursive triangular solves run their row kernel.
#[cfg(not(test))]
pub(crate) const TRSM_LEAF: usize = 16;
#[cfg(test)]
pub(crate) const TRSM_LEAF: usize = 3;

/// Where a recursive split of `n > 1` columns cuts: about half, rounded to a
/// multiple of 8 (the gemm microkernel's width) once `n` is large.
pub(crate) fn split_point(n: usize) -> usize {
    debug_assert!(n > 1);
    let half = n / 2;
    if n >= 32 {
        (half + 4) / 8 * 8
    } else {
        half
    }
}

/// Flops below which a gemm inside a factorization runs on one thread: a
/// rayon split costs tens of microseconds, which only large products repay.
const PAR_MIN_FLOPS: usize = 1 << 22;

/// [`gemm`] with `par` dropped to `Par::Seq` for small products.
pub(crate) fn pgemm<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
    par: Par,
) -> Result<()> {
    let flops = 2usize
        .saturating_mul(a.rows())
        .saturating_mul(a.cols())
        .saturating_mul(b.cols());
    let par = if flops < PAR_MIN_FLOPS { Par::Seq } else { par };
    gemm(alpha, a, b, beta, c, par)
}

// ------------------------------------------------------------ vector kernels

/// `y += alpha * x` on raw strided vectors.
///
/// # Safety
/// `x + i * incx` (read) and `y + i * incy` (written) must be valid for
/// `i < n`, and the two vectors must not overlap.
#[inline(always)]
pub(crate) unsafe fn axpy_raw<T: Scalar>(
    n: usize,
    alpha: T,
    x: *const T,
    incx: isize,
    y: *mut T,
    incy: isize,
) {
    if incx == 1 && incy == 1 {
        // SAFETY: unit strides, valid and disjoint for n elements (caller).
        let (x, y) = unsafe {
            (
                core::slice::from_raw_parts(x, n),
                core::slice::from_raw_parts_mut(y, n),
            )
        };
        axpy(alpha, x, y);
    } else {
        for i in 0..n as isize {
            // SAFETY: i < n, in range by the caller's contract.
            unsafe { *y.offset(i * incy) += alpha * *x.offset(i * incx) };
        }
    }
}

/// `y += alpha * x` on slices of equal length.
#[inline(always)]
pub(crate) fn axpy<T: Scalar>(alpha: T, x: &[T], y: &mut [T]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// `x *= alpha` on a slice.
#[inline(always)]
pub(crate) fn scale<T: Scalar>(alpha: T, x: &mut [T]) {
    for x in x {
        *x *= alpha;
    }
}

/// `x . y` on slices of equal length, with four partial sums so that the
/// loop vectorizes.
#[inline(always)]
pub(crate) fn dot<T: Scalar>(x: &[T], y: &[T]) -> T {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [T::ZERO; 8];
    let chunks = n / 8;
    for c in 0..chunks {
        for l in 0..8 {
            acc[l] += x[c * 8 + l] * y[c * 8 + l];
        }
    }
    let mut s = T::ZERO;
    for i in chunks * 8..n {
        s += x[i] * y[i];
    }
    let a = (acc[0] + acc[4]) + (acc[1] + acc[5]);
    let b = (acc[2] + acc[6]) + (acc[3] + acc[7]);
    (a + b) + s
}

/// Euclidean norm of a slice without overflow or harmful underflow: a fast
/// sum of squares, redone with scaling only when it left the safe range.
pub(crate) fn nrm2<T: Scalar>(x: &[T]) -> T {
    let ssq = dot(x, x);
    // Safe when every square neither overflowed nor lost all precision.
    let small = T::MIN_POSITIVE / T::EPSILON;
    let big = T::MAX * T::EPSILON;
    if ssq.is_finite() && ssq > small && ssq < big {
        return ssq.sqrt();
    }
    let scale = x.iter().fold(T::ZERO, |m, &v| m.max(v.abs()));
    if scale == T::ZERO || !scale.is_finite() {
        return scale;
    }
    // Divide rather than multiply by 1 / scale: for a subnormal `scale`
    // the reciprocal overflows (to infinity in f32), and 0 * inf is NaN.
    let mut s = T::ZERO;
    for &v in x {
        let y = v / scale;
        s += y * y;
    }
    scale * s.sqrt()
}

/// Runs `op` with the best SIMD instruction set of this machine enabled, so
/// that `#[inline(always)]` loops inside it vectorize with AVX2/FMA (or NEON).
pub(crate) struct Vectorized<F>(pub F);

impl<R, F: FnOnce() -> R> pulp::WithSimd for Vectorized<F> {
    type Output = R;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> R {
        (self.0)()
    }
}

/// Calls `f` inside pulp's run-time dispatch.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(Vectorized(f))
}

// ------------------------------------------------------------------ copies

/// `true` if every element is finite: `x * 0` is 0 for finite `x` and NaN
/// otherwise, summed in eight lanes so that the loop vectorizes.
pub(crate) fn all_finite<T: Scalar>(x: &[T]) -> bool {
    let mut acc = [T::ZERO; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..8 {
            acc[l] += c[l] * T::ZERO;
        }
    }
    let mut s = acc.iter().fold(T::ZERO, |a, &b| a + b);
    for &v in chunks.remainder() {
        s += v * T::ZERO;
    }
    s == T::ZERO
}

/// A row-major copy of `a`: row by row with `memcpy` when rows are
/// contiguous, else element by element in row order (for a transposed view
/// the strided reads of one row touch `cols` cache lines that the next rows
/// reuse from L2). No zero-fill of the output.
pub(crate) fn to_row_major<T: Scalar>(a: MatRef<'_, T>) -> oxblas_core::Mat<T> {
    let (m, n) = a.shape();
    let mut data: Vec<T> = Vec::with_capacity(m * n);
    if a.is_row_unit() {
        for i in 0..m {
            if let Some(src) = a.row_slice(i) {
                data.extend_from_slice(src);
            }
        }
    } else {
        for i in 0..m {
            // SAFETY: i < m, j < n.
            data.extend((0..n).map(|j| unsafe { *a.get_unchecked(i, j) }));
        }
    }
    oxblas_core::Mat::from_vec(m, n, data).unwrap_or_else(|_| a.to_owned())
}

// -------------------------------------------------------------- row helpers

/// Exchanges rows `i` and `j` of `a` (`i != j`, both in range).
pub(crate) fn swap_rows<T: Scalar>(a: &mut MatMut<'_, T>, i: usize, j: usize) {
    // A real check: the raw swap below must never leave the view.
    assert!(
        i < a.rows() && j < a.rows() && i != j,
        "swap_rows out of range"
    );
    let (n, cs) = (a.cols(), a.col_stride());
    let pi = a.ptr_at_mut(i, 0);
    let pj = a.ptr_at_mut(j, 0);
    if cs == 1 {
        // SAFETY: rows i != j of a MatMut are disjoint; each has n contiguous
        // in-bounds elements.
        unsafe { core::ptr::swap_nonoverlapping(pi, pj, n) };
    } else {
        for k in 0..n as isize {
            // SAFETY: k < cols; distinct rows never share an element.
            unsafe { core::ptr::swap(pi.offset(k * cs), pj.offset(k * cs)) };
        }
    }
}

/// Applies the interchanges `row i <-> row piv[i]` for `i` in order (LAPACK's
/// `laswp` with `k1 = 0`).
pub(crate) fn apply_swaps<T: Scalar>(mut a: MatMut<'_, T>, piv: &[usize]) {
    if a.cols() == 0 {
        return;
    }
    for (i, &p) in piv.iter().enumerate() {
        if p != i {
            swap_rows(&mut a, i, p);
        }
    }
}

/// Applies the interchanges of `piv` in reverse order (the inverse permutation).
pub(crate) fn apply_swaps_rev<T: Scalar>(mut a: MatMut<'_, T>, piv: &[usize]) {
    if a.cols() == 0 {
        return;
    }
    for (i, &p) in piv.iter().enumerate().rev() {
        if p != i {
            swap_rows(&mut a, i, p);
        }
    }
}

/// `dst[i][..] += alpha * src[k][..]` for two rows `k < i` of one view.
///
/// # Safety
/// `k != i`, both `< b.rows()`.
#[inline(always)]
unsafe fn row_axpy<T: Scalar>(b: &mut MatMut<'_, T>, alpha: T, k: usize, i: usize) {
    let (n, cs) = (b.cols(), b.col_stride());
    let src = b.ptr_at_mut(k, 0) as *const T;
    let dst = b.ptr_at_mut(i, 0);
    // SAFETY: distinct rows of a MatMut are disjoint; n elements each.
    unsafe { axpy_raw(n, alpha, src, cs, dst, cs) };
}

/// `b[i][..] *= alpha`.
#[inline(always)]
fn row_scale<T: Scalar>(b: &mut MatMut<'_, T>, alpha: T, i: usize) {
    let (n, cs) = (b.cols(), b.col_stride());
    let p = b.ptr_at_mut(i, 0);
    if cs == 1 {
        // SAFETY: row i holds n contiguous in-bounds elements, borrowed exclusively.
        scale(alpha, unsafe { core::slice::from_raw_parts_mut(p, n) });
    } else {
        for k in 0..n as isize {
            // SAFETY: k < cols.
            unsafe { *p.offset(k * cs) *= alpha };
        }
    }
}

// ------------------------------------------------------- triangular solves

/// Which triangle of `a` a solve reads, and whether its diagonal is implied 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    /// Lower triangle, unit diagonal.
    LowerUnit,
    /// Lower triangle with its diagonal.
    Lower,
    /// Upper triangle, unit diagonal.
    UpperUnit,
    /// Upper triangle with its diagonal.
    Upper,
}

impl Tri {
    fn lower(self) -> bool {
        matches!(self, Tri::LowerUnit | Tri::Lower)
    }
    fn unit(self) -> bool {
        matches!(self, Tri::LowerUnit | Tri::UpperUnit)
    }
}

/// Solves $A X = B$ in place (`b` becomes `X`) for an `n x n` triangular `a`
/// read from the triangle `tri` names. Recursive: the off-diagonal blocks are
/// one gemm each, the diagonal blocks of order `<= TRSM_LEAF` run a row
/// kernel (contiguous when `b`'s rows are). A zero on a non-unit diagonal
/// gives infinities (callers check pivots first).
pub(crate) fn trsm_left<T: Scalar>(
    tri: Tri,
    a: MatRef<'_, T>,
    b: MatMut<'_, T>,
    par: Par,
) -> Result<()> {
    let n = a.rows();
    debug_assert!(a.cols() == n && b.rows() == n);
    if n == 0 || b.cols() == 0 {
        return Ok(());
    }
    if n <= TRSM_LEAF {
        vectorized(
            #[inline(always)]
            || trsm_leaf(tri, a, b),
        );
        return Ok(());
    }
    let n1 = split_point(n);
    let (a_top, a_bot) = a.split_at_row(n1);
    let (a11, a12) = a_top.split_at_col(n1);
    let (a21, a22) = a_bot.split_at_col(n1);
    let (mut b1, mut b2) = b.split_at_row(n1);
    if tri.lower() {
        trsm_left(tri, a11, b1.rb_mut(), par)?;
        pgemm(-T::ONE, a21, b1.rb(), T::ONE, b2.rb_mut(), par)?;
        trsm_left(tri, a22, b2, par)
    } else {
        trsm_left(tri, a22, b2.rb_mut(), par)?;
        pgemm(-T::ONE, a12, b2.rb(), T::ONE, b1.rb_mut(), par)?;
        trsm_left(tri, a11, b1, par)
    }
}

/// Columns of `b` a leaf solve works on at a time: `TRSM_LEAF` rows of 128
/// f64 stay in L1 while each is updated up to `TRSM_LEAF` times.
const LEAF_CHUNK: usize = 128;

#[inline(always)]
fn trsm_leaf<T: Scalar>(tri: Tri, a: MatRef<'_, T>, mut b: MatMut<'_, T>) {
    let (n, cols) = b.shape();
    if b.col_stride() != 1 && cols > 1 {
        // Rows of `b` are strided (e.g. `b` is the transpose of a row-major
        // block): solve on a row-major copy so that every row update is one
        // contiguous, vectorized axpy.
        let mut tmp = vec![T::ZERO; n * cols];
        let (rs, cs) = (b.row_stride(), b.col_stride());
        let src = b.ptr_at_mut(0, 0);
        for c in 0..cols {
            for i in 0..n {
                // SAFETY: i < rows, c < cols: inside the view.
                tmp[i * cols + c] = unsafe { *src.offset(i as isize * rs + c as isize * cs) };
            }
        }
        if let Ok(view) = MatMut::from_slice(&mut tmp, n, cols) {
            trsm_leaf_chunks(tri, a, view);
        }
        for c in 0..cols {
            for i in 0..n {
                // SAFETY: as above; `b` is borrowed exclusively.
                unsafe { *src.offset(i as isize * rs + c as isize * cs) = tmp[i * cols + c] };
            }
        }
        return;
    }
    trsm_leaf_chunks(tri, a, b);
}

/// The leaf solve over column chunks of a `b` with contiguous rows.
#[inline(always)]
fn trsm_leaf_chunks<T: Scalar>(tri: Tri, a: MatRef<'_, T>, mut b: MatMut<'_, T>) {
    let (n, cols) = b.shape();
    let mut c0 = 0;
    while c0 < cols {
        let w = LEAF_CHUNK.min(cols - c0);
        // SAFETY: columns c0..c0 + w lie inside `b`.
        let chunk = unsafe { b.rb_mut().submatrix_unchecked(0, c0, n, w) };
        trsm_leaf_rows(tri, a, chunk);
        c0 += w;
    }
}

#[inline(always)]
#[allow(clippy::needless_range_loop)] // four rows indexed alike
fn trsm_leaf_rows<T: Scalar>(tri: Tri, a: MatRef<'_, T>, mut b: MatMut<'_, T>) {
    let n = a.rows();
    let w = b.cols();
    let contiguous = b.col_stride() == 1 || w <= 1;
    for step in 0..n {
        let i = if tri.lower() { step } else { n - 1 - step };
        let others: Vec<usize> = if tri.lower() {
            (0..i).collect()
        } else {
            (i + 1..n).collect()
        };
        let mut rest = &others[..];
        if contiguous {
            // Four source rows per pass: row i is loaded and stored once for
            // four updates instead of four times.
            let yi = b.ptr_at_mut(i, 0);
            while rest.len() >= 4 {
                let ks = [rest[0], rest[1], rest[2], rest[3]];
                let coef = ks.map(|k| -a[(i, k)]);
                let xs = ks.map(|k| b.ptr_at_mut(k, 0) as *const T);
                // SAFETY: rows k != i of a MatMut with unit column stride are
                // disjoint runs of `w` in-bounds elements; `b` is borrowed
                // exclusively, so no other path reads or writes them.
                unsafe {
                    let y = core::slice::from_raw_parts_mut(yi, w);
                    let x0 = core::slice::from_raw_parts(xs[0], w);
                    let x1 = core::slice::from_raw_parts(xs[1], w);
                    let x2 = core::slice::from_raw_parts(xs[2], w);
                    let x3 = core::slice::from_raw_parts(xs[3], w);
                    for j in 0..w {
                        y[j] += (coef[0] * x0[j] + coef[1] * x1[j])
                            + (coef[2] * x2[j] + coef[3] * x3[j]);
                    }
                }
                rest = &rest[4..];
            }
        }
        for &k in rest {
            let aik = a[(i, k)];
            if aik != T::ZERO {
                // SAFETY: k != i, both < n = b.rows().
                unsafe { row_axpy(&mut b, -aik, k, i) };
            }
        }
        if !tri.unit() {
            row_scale(&mut b, T::ONE / a[(i, i)], i);
        }
    }
}

/// Largest absolute column sum (the matrix 1-norm); NaN propagates.
pub(crate) fn norm1<T: Scalar>(a: MatRef<'_, T>) -> T {
    let mut best = T::ZERO;
    for j in 0..a.cols() {
        let mut s = T::ZERO;
        for i in 0..a.rows() {
            s += a[(i, j)].abs();
        }
        if s.is_nan() {
            return s;
        }
        best = best.max(s);
    }
    best
}

#[cfg(test)]
pub(crate) mod testing {
    //! Matrix families and residual measures for the factorization tests.
    use oxblas_core::{frobenius, Mat, MatRef, Scalar};

    /// A small deterministic generator (xorshift64*), uniform in [-1, 1).
    pub struct Rng(u64);
    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        pub fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
            (r >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    pub fn random<T: Scalar>(m: usize, n: usize, seed: u64) -> Mat<T> {
        let mut r = Rng::new(seed);
        Mat::from_fn(m, n, |_, _| T::from_f64(r.next()))
    }

    /// Naive product in f64, returned as `T`.
    pub fn matmul<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<T> {
        Mat::from_fn(a.rows(), b.cols(), |i, j| {
            let mut s = 0.0f64;
            for k in 0..a.cols() {
                s += a[(i, k)].to_f64() * b[(k, j)].to_f64();
            }
            T::from_f64(s)
        })
    }

    /// A random orthogonal matrix (modified Gram-Schmidt twice, in f64).
    #[allow(clippy::needless_range_loop)]
    pub fn orthogonal(n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut r = Rng::new(seed);
        let mut q: Vec<Vec<f64>> = (0..n).map(|_| (0..n).map(|_| r.next()).collect()).collect();
        for _ in 0..2 {
            for j in 0..n {
                for k in 0..j {
                    let d: f64 = (0..n).map(|i| q[j][i] * q[k][i]).sum();
                    for i in 0..n {
                        q[j][i] -= d * q[k][i];
                    }
                }
                let nr = q[j].iter().map(|x| x * x).sum::<f64>().sqrt();
                for x in q[j].iter_mut() {
                    *x /= nr;
                }
            }
        }
        q
    }

    /// `U diag(s) V^T` with random orthogonal `U`, `V` and singular values
    /// spread geometrically from 1 to `1 / cond`.
    pub fn with_condition<T: Scalar>(n: usize, cond: f64, seed: u64) -> Mat<T> {
        let u = orthogonal(n, seed);
        let v = orthogonal(n, seed + 1);
        let s: Vec<f64> = (0..n)
            .map(|i| {
                if n == 1 {
                    1.0
                } else {
                    cond.powf(-(i as f64) / (n - 1) as f64)
                }
            })
            .collect();
        Mat::from_fn(n, n, |i, j| {
            T::from_f64((0..n).map(|k| u[k][i] * s[k] * v[k][j]).sum())
        })
    }

    /// A random symmetric positive definite matrix `B B^T + n I`.
    pub fn spd<T: Scalar>(n: usize, seed: u64) -> Mat<T> {
        let b = random::<f64>(n, n, seed);
        Mat::from_fn(n, n, |i, j| {
            let mut s: f64 = (0..n).map(|k| b[(i, k)] * b[(j, k)]).sum();
            if i == j {
                s += n as f64;
            }
            T::from_f64(s)
        })
    }

    /// `||A - B||_F / (n eps ||A||_F)`, computed in f64 (0 when both are zero).
    pub fn rel_residual<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, n: usize) -> f64 {
        let diff = Mat::from_fn(a.rows(), a.cols(), |i, j| {
            a[(i, j)].to_f64() - b[(i, j)].to_f64()
        });
        let na = frobenius(a).to_f64();
        let nd = frobenius(diff.as_ref());
        if nd == 0.0 {
            return 0.0;
        }
        nd / (n.max(1) as f64 * T::EPSILON.to_f64() * na)
    }

    /// `||Q^T Q - I||_F / (n eps)` for the columns of `q`.
    pub fn orthogonality<T: Scalar>(q: MatRef<'_, T>) -> f64 {
        let (m, k) = q.shape();
        let mut e = 0.0f64;
        for i in 0..k {
            for j in 0..k {
                let d: f64 = (0..m)
                    .map(|r| q[(r, i)].to_f64() * q[(r, j)].to_f64())
                    .sum();
                let t = d - if i == j { 1.0 } else { 0.0 };
                e += t * t;
            }
        }
        e.sqrt() / (m.max(1) as f64 * T::EPSILON.to_f64())
    }

    /// The ratio threshold of DESIGN.md.
    pub const TOL: f64 = 30.0;
}

#[cfg(test)]
mod tests {
    use super::nrm2;

    #[test]
    fn nrm2_is_safe_at_both_ends_of_the_range() {
        // Subnormal largest entries: 1 / scale overflows, the norm must not.
        let x = [3.0e-40f32, -4.0e-40];
        let n = nrm2(&x);
        assert!((n - 5.0e-40).abs() <= 5.0e-40 * 1e-3, "{n:e}");
        let x = [3.0e-310f64, 4.0e-310, 0.0];
        let n = nrm2(&x);
        assert!((n - 5.0e-310).abs() <= 5.0e-310 * 1e-9, "{n:e}");
        // Squares that overflow.
        let x = [3.0e30f32, 4.0e30];
        assert!((nrm2(&x) - 5.0e30).abs() <= 5.0e30 * 1e-6);
        let x = [3.0e300f64, -4.0e300];
        assert!((nrm2(&x) - 5.0e300).abs() <= 5.0e300 * 1e-14);
        // The plain path, and the empty and zero vectors.
        assert!((nrm2(&[3.0f64, 4.0]) - 5.0).abs() <= 1e-15);
        assert_eq!(nrm2::<f64>(&[]), 0.0);
        assert_eq!(nrm2(&[0.0f32; 5]), 0.0);
    }
}
