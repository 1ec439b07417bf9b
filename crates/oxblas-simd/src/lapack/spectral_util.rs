//! Private helpers shared by the spectral decompositions (`eigh`, `svd`,
//! `eig`): a column-major work matrix, Householder reflectors, Givens
//! rotations, vector kernels and range scaling.
//!
//! Everything here works on plain column-major buffers (`ld == rows`), which
//! makes every column a contiguous slice: the reductions and the QR sweeps
//! then only ever touch whole columns, which the compiler vectorizes.

use oxblas_core::{Mat, MatMut, MatRef, Scalar};

pub(crate) use super::util::nrm2;

/// An owned column-major matrix (`ld == rows`), the work format of the
/// spectral routines.
#[derive(Clone, Debug)]
pub(crate) struct ColMat<T> {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) data: Vec<T>,
}

impl<T: Scalar> ColMat<T> {
    /// A `rows x cols` zero matrix.
    pub(crate) fn zeros(rows: usize, cols: usize) -> Self {
        ColMat {
            rows,
            cols,
            data: vec![T::ZERO; rows * cols],
        }
    }

    /// The `rows x cols` leading part of an identity matrix.
    pub(crate) fn identity(rows: usize, cols: usize) -> Self {
        let mut m = Self::zeros(rows, cols);
        for i in 0..rows.min(cols) {
            m.data[i + i * rows] = T::ONE;
        }
        m
    }

    /// Copies any strided view.
    pub(crate) fn from_view(a: MatRef<'_, T>) -> Self {
        let (rows, cols) = a.shape();
        let mut m = Self::zeros(rows, cols);
        if a.row_slice(0).is_some() && !a.is_col_unit() {
            // Contiguous rows: transpose tile by tile, so that the rows read
            // and the columns written both stay in cache.
            const TILE: usize = 32;
            for ib in (0..rows).step_by(TILE) {
                let ie = (ib + TILE).min(rows);
                for jb in (0..cols).step_by(TILE) {
                    let je = (jb + TILE).min(cols);
                    for i in ib..ie {
                        let row = &a.row_slice(i).expect("contiguous rows")[jb..je];
                        for (jj, &x) in row.iter().enumerate() {
                            m.data[i + (jb + jj) * rows] = x;
                        }
                    }
                }
            }
            return m;
        }
        for j in 0..cols {
            let col = &mut m.data[j * rows..(j + 1) * rows];
            for (i, x) in col.iter_mut().enumerate() {
                *x = a[(i, j)];
            }
        }
        m
    }

    /// Column `j` as a slice.
    #[inline(always)]
    pub(crate) fn col(&self, j: usize) -> &[T] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// Column `j` as a mutable slice.
    #[inline(always)]
    pub(crate) fn col_mut(&mut self, j: usize) -> &mut [T] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// Two distinct columns `j < k`, both mutable.
    #[inline(always)]
    pub(crate) fn two_cols_mut(&mut self, j: usize, k: usize) -> (&mut [T], &mut [T]) {
        debug_assert!(j < k);
        let r = self.rows;
        let (lo, hi) = self.data.split_at_mut(k * r);
        (&mut lo[j * r..(j + 1) * r], &mut hi[..r])
    }

    #[inline(always)]
    pub(crate) fn at(&self, i: usize, j: usize) -> T {
        self.data[i + j * self.rows]
    }

    #[inline(always)]
    pub(crate) fn set(&mut self, i: usize, j: usize, v: T) {
        self.data[i + j * self.rows] = v;
    }

    #[inline(always)]
    pub(crate) fn at_mut(&mut self, i: usize, j: usize) -> &mut T {
        &mut self.data[i + j * self.rows]
    }

    /// The row-major owned copy (the public result format).
    pub(crate) fn to_mat(&self) -> Mat<T> {
        Mat::from_fn(self.rows, self.cols, |i, j| self.at(i, j))
    }

    /// The transpose as a row-major owned matrix: row-major of `A^T` is the
    /// column-major buffer of `A` read as is.
    pub(crate) fn to_mat_transposed(&self) -> Mat<T> {
        Mat::from_fn(self.cols, self.rows, |i, j| self.at(j, i))
    }
}

/// `x . y`, with independent partial sums so that the loop vectorizes.
#[inline(always)]
pub(crate) fn dot<T: Scalar>(x: &[T], y: &[T]) -> T {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [T::ZERO; 8];
    let mut xc = x.chunks_exact(8);
    let mut yc = y.chunks_exact(8);
    for (a, b) in (&mut xc).zip(&mut yc) {
        for k in 0..8 {
            acc[k] += a[k] * b[k];
        }
    }
    let mut s = T::ZERO;
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        s += *a * *b;
    }
    let s4 = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    s + (s4[0] + s4[2]) + (s4[1] + s4[3])
}

/// `y += alpha x`.
#[inline(always)]
pub(crate) fn axpy<T: Scalar>(alpha: T, x: &[T], y: &mut [T]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * *xi;
    }
}

/// `x *= alpha`.
#[inline(always)]
pub(crate) fn scal<T: Scalar>(alpha: T, x: &mut [T]) {
    for xi in x {
        *xi *= alpha;
    }
}

/// Applies the plane rotation `[x; y] <- [c s; -s c] [x; y]` elementwise.
#[inline(always)]
pub(crate) fn rot<T: Scalar>(c: T, s: T, x: &mut [T], y: &mut [T]) {
    for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
        let (a, b) = (*xi, *yi);
        *xi = c * a + s * b;
        *yi = c * b - s * a;
    }
}

/// Generates an elementary reflector $H = I - \tau v v^T$ with $v_0 = 1$ such
/// that $H [\alpha; x] = [\beta; 0]$ (LAPACK's `larfg` convention). On return
/// `x` holds `v[1..]`; returns `(beta, tau)`. `tau == 0` means `H = I`.
pub(crate) fn householder<T: Scalar>(alpha: T, x: &mut [T]) -> (T, T) {
    let xnorm = nrm2(x);
    if xnorm == T::ZERO {
        return (alpha, T::ZERO);
    }
    let mut alpha = alpha;
    let mut beta = -alpha.hypot(xnorm).copysign(alpha);
    let safmin = T::MIN_POSITIVE / T::EPSILON;
    let mut rescaled = 0;
    if beta.abs() < safmin {
        // Scale up so that 1/beta stays finite; at most a few rounds.
        let rsafmn = safmin.recip();
        while beta.abs() < safmin && rescaled < 20 {
            rescaled += 1;
            scal(rsafmn, x);
            beta *= rsafmn;
            alpha *= rsafmn;
        }
        let xnorm = nrm2(x);
        beta = -alpha.hypot(xnorm).copysign(alpha);
    }
    let tau = (beta - alpha) / beta;
    scal((alpha - beta).recip(), x);
    for _ in 0..rescaled {
        beta *= safmin;
    }
    (beta, tau)
}

/// A plane rotation `(c, s, r)` with `c f + s g = r`, `-s f + c g = 0`.
#[inline(always)]
pub(crate) fn givens<T: Scalar>(f: T, g: T) -> (T, T, T) {
    if g == T::ZERO {
        (T::ONE, T::ZERO, f)
    } else if f == T::ZERO {
        (T::ZERO, T::ONE, g)
    } else {
        let r = f.hypot(g);
        (f / r, g / r, r)
    }
}

/// Applies $H = I - \tau v v^T$ (with `v[0] == 1` implied, `v` holding the
/// full vector including that 1) from the left to columns `j0..j1` of `a`,
/// rows `r0..r0 + v.len()`.
#[inline(always)]
pub(crate) fn apply_reflector_left<T: Scalar>(
    a: &mut ColMat<T>,
    v: &[T],
    tau: T,
    r0: usize,
    j0: usize,
    j1: usize,
) {
    if tau == T::ZERO {
        return;
    }
    let len = v.len();
    for j in j0..j1 {
        let col = &mut a.col_mut(j)[r0..r0 + len];
        let w = dot(col, v);
        axpy(-tau * w, v, col);
    }
}

/// Applies $H = I - \tau v v^T$ from the right to rows `i0..i1` of `a`,
/// columns `c0..c0 + v.len()`. `work` must hold at least `i1 - i0` elements.
#[inline(always)]
pub(crate) fn apply_reflector_right<T: Scalar>(
    a: &mut ColMat<T>,
    v: &[T],
    tau: T,
    c0: usize,
    i0: usize,
    i1: usize,
    work: &mut [T],
) {
    if tau == T::ZERO {
        return;
    }
    let w = &mut work[..i1 - i0];
    w.fill(T::ZERO);
    for (k, &vk) in v.iter().enumerate() {
        axpy(vk, &a.col(c0 + k)[i0..i1], w);
    }
    for (k, &vk) in v.iter().enumerate() {
        axpy(-tau * vk, w, &mut a.col_mut(c0 + k)[i0..i1]);
    }
}

/// The largest absolute value of the selected entries (`0` for none).
pub(crate) fn max_abs<T: Scalar>(x: impl IntoIterator<Item = T>) -> T {
    let mut m = T::ZERO;
    for v in x {
        m = m.max(v.abs());
    }
    m
}

/// If `anrm` lies outside the range where the algorithms are safe from
/// overflow and underflow, the factor to multiply the matrix by (LAPACK's
/// `smlnum`/`bignum` rule); `None` if no scaling is needed.
pub(crate) fn range_scale<T: Scalar>(anrm: T) -> Option<T> {
    let safmin = T::MIN_POSITIVE;
    let smlnum = safmin.sqrt() / T::EPSILON;
    let bignum = smlnum.recip();
    if anrm > T::ZERO && anrm < smlnum {
        Some(smlnum / anrm)
    } else if anrm > bignum {
        Some(bignum / anrm)
    } else {
        None
    }
}

/// The permutation that sorts `keys` (ascending, stable).
pub(crate) fn sort_perm<T: Scalar>(keys: &[T], descending: bool) -> Vec<usize> {
    let mut p: Vec<usize> = (0..keys.len()).collect();
    p.sort_by(|&a, &b| {
        let o = keys[a]
            .partial_cmp(&keys[b])
            .unwrap_or(core::cmp::Ordering::Equal);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    p
}

/// Reorders the columns of `m` (first `perm.len()` of them) by `perm`:
/// new column `k` is old column `perm[k]`.
pub(crate) fn permute_cols<T: Scalar>(m: &mut ColMat<T>, perm: &[usize]) {
    if perm.iter().enumerate().all(|(k, &p)| k == p) {
        return;
    }
    let r = m.rows;
    let mut out = vec![T::ZERO; perm.len() * r];
    for (k, &p) in perm.iter().enumerate() {
        out[k * r..(k + 1) * r].copy_from_slice(m.col(p));
    }
    m.data[..perm.len() * r].copy_from_slice(&out);
}

/// Reflectors per block in [`apply_q_left`]: the compact-WY update is
/// three gemms with inner dimension `QB`; 32 balances the `O(QB^2 n)`
/// triangular-factor work against gemm efficiency (LAPACK's `ormqr` uses 32
/// to 64).
const QB: usize = 32;

/// $Z \leftarrow Q Z$ for $Q = H_0 H_1 \cdots H_{k-1}$, $H_i = I - \tau_i
/// v_i v_i^T$, where `v_i` is column `i` of `ys` from row `off + i` on (its
/// entry there is an implied 1) and zero above. Blocked: each group of
/// [`QB`] reflectors is applied as $I - Y T Y^T$ (compact WY) by gemm.
pub(crate) fn apply_q_left<T: Scalar>(ys: &ColMat<T>, off: usize, tau: &[T], z: &mut ColMat<T>) {
    let k = tau.len();
    let (m, nz) = (z.rows, z.cols);
    if k == 0 || nz == 0 {
        return;
    }
    let par = crate::current_par();
    // Blocks from the last to the first: Q Z = B_0 (B_1 (... Z)).
    let mut starts: Vec<usize> = (0..k).step_by(QB).collect();
    starts.reverse();
    for b in starts {
        let nb = QB.min(k - b);
        let r0 = off + b;
        if r0 >= m {
            continue;
        }
        let rows = m - r0;
        // Y: rows r0.., nb columns, unit lower trapezoidal.
        let mut y = ColMat::<T>::zeros(rows, nb);
        for p in 0..nb {
            let i = b + p;
            let top = p; // row of the implied 1 within Y
            if top >= rows {
                continue;
            }
            let col = y.col_mut(p);
            col[top] = T::ONE;
            col[top + 1..].copy_from_slice(&ys.col(i)[r0 + top + 1..m]);
        }
        // T (upper triangular): T[p,p] = tau_p, T[..p, p] = -tau_p T[..p,..p] Y[:, ..p]^T y_p.
        let mut t = ColMat::<T>::zeros(nb, nb);
        for p in 0..nb {
            let tp = tau[b + p];
            t.set(p, p, tp);
            if p == 0 {
                continue;
            }
            let mut yty = vec![T::ZERO; p];
            for (q, val) in yty.iter_mut().enumerate() {
                *val = dot(&y.col(q)[p..], &y.col(p)[p..]);
            }
            for r in 0..p {
                let s: T = (r..p).zip(&yty[r..]).map(|(q, &yq)| t.at(r, q) * yq).sum();
                t.set(r, p, -tp * s);
            }
        }
        // W1 = Y^T Z[r0.., :] (nb x nz); W2 = T W1; Z[r0.., :] -= Y W2.
        let zsub = MatRef::from_parts(&z.data, r0, rows, nz, 1, m as isize).expect("in range");
        let yv = MatRef::from_parts(&y.data, 0, rows, nb, 1, rows as isize).expect("in range");
        let mut w1 = ColMat::<T>::zeros(nb, nz);
        let w1v = MatMut::from_parts(&mut w1.data, 0, nb, nz, 1, nb as isize).expect("in range");
        crate::gemm::gemm(T::ONE, yv.t(), zsub, T::ZERO, w1v, par).expect("shapes");
        let mut w2 = ColMat::<T>::zeros(nb, nz);
        {
            let tv = MatRef::from_parts(&t.data, 0, nb, nb, 1, nb as isize).expect("in range");
            let w1r = MatRef::from_parts(&w1.data, 0, nb, nz, 1, nb as isize).expect("in range");
            let w2v =
                MatMut::from_parts(&mut w2.data, 0, nb, nz, 1, nb as isize).expect("in range");
            crate::gemm::gemm(T::ONE, tv, w1r, T::ZERO, w2v, par).expect("shapes");
        }
        let w2r = MatRef::from_parts(&w2.data, 0, nb, nz, 1, nb as isize).expect("in range");
        let zmut = MatMut::from_parts(&mut z.data, r0, rows, nz, 1, m as isize).expect("in range");
        crate::gemm::gemm(-T::ONE, yv, w2r, T::ONE, zmut, par).expect("shapes");
    }
}

/// Plane rotations on columns of a matrix, recorded and applied later in
/// row blocks.
///
/// A column rotation transforms each row independently, so a long sequence
/// of them can be applied block of rows by block of rows: each block
/// ([`ROT_ROWS`] rows) then stays in cache for the whole sequence, instead
/// of the whole matrix streaming through memory once per QR sweep.
pub(crate) struct RotLog<T> {
    ops: Vec<(u32, u32, T, T)>,
}

/// Rows per block when a [`RotLog`] is flushed: 32 rows of a 1024-column
/// matrix (256 KiB of f64) stay in a 512 KiB L2 cache.
const ROT_ROWS: usize = 32;

impl<T: Scalar> RotLog<T> {
    pub(crate) fn new() -> Self {
        RotLog { ops: Vec::new() }
    }

    /// Records `[col_p, col_q] <- [c col_p + s col_q, c col_q - s col_p]`.
    #[inline(always)]
    pub(crate) fn push(&mut self, p: usize, q: usize, c: T, s: T) {
        self.ops.push((p as u32, q as u32, c, s));
    }

    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }

    /// Forgets the recorded rotations (when no vectors are wanted).
    pub(crate) fn ops_clear(&mut self) {
        self.ops.clear();
    }

    /// Applies and forgets the recorded rotations.
    #[inline(always)]
    pub(crate) fn flush(&mut self, m: &mut ColMat<T>) {
        if self.ops.is_empty() {
            return;
        }
        let rows = m.rows;
        let mut r0 = 0;
        while r0 < rows {
            let r1 = (r0 + ROT_ROWS).min(rows);
            for &(p, q, c, s) in &self.ops {
                let (p, q) = (p as usize, q as usize);
                if p < q {
                    let (x, y) = m.two_cols_mut(p, q);
                    rot(c, s, &mut x[r0..r1], &mut y[r0..r1]);
                } else {
                    let (y, x) = m.two_cols_mut(q, p);
                    rot(c, s, &mut x[r0..r1], &mut y[r0..r1]);
                }
            }
            r0 = r1;
        }
        self.ops.clear();
    }
}
