//! The [`Backend`] trait: one associated function per operation.

use num_complex::Complex;

use crate::{
    validate, BackendId, Cholesky, Diag, Distance, Eig, Eigh, Error, Lstsq, Lu, Mat, MatMut,
    MatRef, Norm, Op, PivotedQr, Qr, QrMode, Result, Scalar, Side, Svd, SvdMode, Uplo, VecMut,
    VecRef,
};

/// A complete implementation of every oxblas operation.
///
/// Implemented by `oxblas_openblas::OpenBlas` and `oxblas_simd::Simd`; the
/// conformance suite is generic over it. Every function takes views of any
/// strides (including negative and, for inputs, zero strides) and returns
/// `Err` (never panics) on bad input. Operations that only read a triangle
/// say which one. Derived operations (solve, inverse, det, lstsq, pinv, rank,
/// cond, norm, the factor solves, batched gemm) have default implementations
/// in terms of the primitive ones; a backend may override them with faster
/// drivers, but must keep their results and errors.
///
/// Conventions shared by all implementations:
/// - BLAS-level operations propagate NaN and infinity as IEEE arithmetic does.
/// - Factorizations and spectral decompositions reject non-finite input with
///   [`Error::NonFinite`] before doing any work.
/// - `cholesky`, `eigh` and `eigvalsh` read only the lower triangle.
pub trait Backend {
    /// Which backend this is.
    const ID: BackendId;

    /// Whether the backend can run on this machine.
    fn is_available() -> bool {
        true
    }
    /// Sets how many threads the backend's own kernels may use (`n >= 1`).
    fn set_num_threads(n: usize);
    /// The thread count set by [`Backend::set_num_threads`] (or the default).
    fn num_threads() -> usize;
    /// A one-line description: library version, build config, SIMD level.
    fn description() -> String;

    // ---------------------------------------------------------------- BLAS 1
    /// $x \cdot y$. `Err(DimensionMismatch)` if the lengths differ.
    fn dot<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T>;
    /// $y \leftarrow \alpha x + y$.
    fn axpy<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()>;
    /// $x \leftarrow \alpha x$.
    fn scal<T: Scalar>(alpha: T, x: VecMut<'_, T>);
    /// $y \leftarrow x$.
    fn copy<T: Scalar>(x: VecRef<'_, T>, y: VecMut<'_, T>) -> Result<()>;
    /// Exchanges `x` and `y`.
    fn swap<T: Scalar>(x: VecMut<'_, T>, y: VecMut<'_, T>) -> Result<()>;
    /// $\|x\|_2$, without overflow or underflow in intermediate results.
    fn nrm2<T: Scalar>(x: VecRef<'_, T>) -> T;
    /// $\sum_i |x_i|$.
    fn asum<T: Scalar>(x: VecRef<'_, T>) -> T;
    /// The first index of the largest $|x_i|$; `None` for an empty vector.
    /// A NaN counts as larger than every number (the first NaN wins).
    fn iamax<T: Scalar>(x: VecRef<'_, T>) -> Option<usize>;
    /// $out_i = x_i + y_i$.
    fn add<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()>;
    /// $out_i = x_i - y_i$.
    fn sub<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()>;
    /// $out_i = x_i y_i$.
    fn hadamard<T: Scalar>(x: VecRef<'_, T>, y: VecRef<'_, T>, out: VecMut<'_, T>) -> Result<()>;
    /// A distance between `x` and `y`. The cosine distance of a zero vector
    /// is `Err(InvalidArgument)`.
    fn distance<T: Scalar>(metric: Distance, x: VecRef<'_, T>, y: VecRef<'_, T>) -> Result<T>;
    /// $out_{ij} = d(x_{i,:}, y_{j,:})$ for the rows of `x` (`m x d`) and `y`
    /// (`n x d`); `out` is `m x n`.
    fn pairwise_distances<T: Scalar>(
        metric: Distance,
        x: MatRef<'_, T>,
        y: MatRef<'_, T>,
        out: MatMut<'_, T>,
    ) -> Result<()>;

    // ---------------------------------------------------------------- BLAS 2
    /// $y \leftarrow \alpha A x + \beta y$ (use `a.t()` for $A^T$). With
    /// `beta == 0`, `y` is not read (NaN in `y` does not propagate).
    fn gemv<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()>;
    /// $A \leftarrow A + \alpha x y^T$.
    fn ger<T: Scalar>(alpha: T, x: VecRef<'_, T>, y: VecRef<'_, T>, a: MatMut<'_, T>)
        -> Result<()>;
    /// Solves $A x = b$ in place (`x` holds `b` on entry) for triangular `A`,
    /// reading only the `uplo` triangle. A zero on a non-unit diagonal gives
    /// infinities, as in BLAS (no error: this is a BLAS-level operation).
    fn trsv<T: Scalar>(uplo: Uplo, diag: Diag, a: MatRef<'_, T>, x: VecMut<'_, T>) -> Result<()>;
    /// $y \leftarrow \alpha A x + \beta y$ for symmetric `A` stored in its `uplo` triangle.
    fn symv<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        x: VecRef<'_, T>,
        beta: T,
        y: VecMut<'_, T>,
    ) -> Result<()>;

    // ---------------------------------------------------------------- BLAS 3
    /// $C \leftarrow \alpha A B + \beta C$ (transposes through `a.t()`,
    /// `b.t()`). With `beta == 0`, `C` is not read.
    fn gemm<T: Scalar>(
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()>;
    /// $C \leftarrow \alpha A A^T + \beta C$, updating only the `uplo` triangle of `C`.
    fn syrk<T: Scalar>(
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()>;
    /// Solves $A X = \alpha B$ (`Side::Left`) or $X A = \alpha B$
    /// (`Side::Right`) in place in `b`, for triangular `A` read from its `uplo`
    /// triangle.
    fn trsm<T: Scalar>(
        side: Side,
        uplo: Uplo,
        diag: Diag,
        alpha: T,
        a: MatRef<'_, T>,
        b: MatMut<'_, T>,
    ) -> Result<()>;
    /// $C \leftarrow \alpha A B + \beta C$ (`Left`) or $\alpha B A + \beta C$
    /// (`Right`) for symmetric `A` stored in its `uplo` triangle.
    fn symm<T: Scalar>(
        side: Side,
        uplo: Uplo,
        alpha: T,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        beta: T,
        c: MatMut<'_, T>,
    ) -> Result<()>;
    /// $C_i \leftarrow \alpha A_i B_i + \beta C_i$ for every `i`. All shapes are
    /// checked before any `C_i` is written.
    fn gemm_batched<T: Scalar>(
        alpha: T,
        a: &[MatRef<'_, T>],
        b: &[MatRef<'_, T>],
        beta: T,
        c: &mut [MatMut<'_, T>],
    ) -> Result<()> {
        check_batch(a, b, c)?;
        for ((a, b), c) in a.iter().zip(b).zip(c.iter_mut()) {
            Self::gemm(alpha, *a, *b, beta, c.rb_mut())?;
        }
        Ok(())
    }

    // -------------------------------------------------------- factorizations
    /// LU with partial pivoting of a square matrix, $PA = LU$. A singular
    /// matrix factors fine (its `U` has a zero pivot); solving with it fails.
    fn lu<T: Scalar>(a: MatRef<'_, T>) -> Result<Lu<T>>;
    /// Solves $AX = B$ from LU factors. `Err(Singular)` on a zero pivot,
    /// `Err(InvalidArgument)` for hand-built factors that are malformed.
    fn lu_solve<T: Scalar>(lu: &Lu<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        let n = validate::lu_factors(Op::LuSolve, lu)?;
        validate::rhs(Op::LuSolve, n, b.shape())?;
        if let Some(index) = lu.zero_pivot() {
            return Err(Error::Singular { index });
        }
        let mut x = b.to_owned();
        for (i, &p) in lu.pivots.iter().enumerate() {
            if p != i {
                for j in 0..x.cols() {
                    let t = x[(i, j)];
                    x[(i, j)] = x[(p, j)];
                    x[(p, j)] = t;
                }
            }
        }
        let f = lu.factors.as_ref();
        Self::trsm(Side::Left, Uplo::Lower, Diag::Unit, T::ONE, f, x.as_mut())?;
        Self::trsm(
            Side::Left,
            Uplo::Upper,
            Diag::NonUnit,
            T::ONE,
            f,
            x.as_mut(),
        )?;
        Ok(x)
    }
    /// Cholesky $A = LL^T$ of a symmetric positive definite matrix, reading
    /// its lower triangle. `Err(NotPositiveDefinite { index })` otherwise.
    fn cholesky<T: Scalar>(a: MatRef<'_, T>) -> Result<Cholesky<T>>;
    /// Solves $AX = B$ from a Cholesky factor.
    fn cholesky_solve<T: Scalar>(c: &Cholesky<T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        validate::rhs(Op::CholeskySolve, c.l.rows(), b.shape())?;
        let mut x = b.to_owned();
        let l = c.l.as_ref();
        Self::trsm(
            Side::Left,
            Uplo::Lower,
            Diag::NonUnit,
            T::ONE,
            l,
            x.as_mut(),
        )?;
        Self::trsm(
            Side::Left,
            Uplo::Upper,
            Diag::NonUnit,
            T::ONE,
            l.t(),
            x.as_mut(),
        )?;
        Ok(x)
    }
    /// Householder QR of an `m x n` matrix (any shape).
    fn qr<T: Scalar>(a: MatRef<'_, T>) -> Result<Qr<T>>;
    /// Forms `Q` from a compact QR: `m x min(m, n)` (reduced) or `m x m` (complete).
    fn qr_q<T: Scalar>(qr: &Qr<T>, mode: QrMode) -> Result<Mat<T>>;
    /// Column-pivoted QR, $AP = QR$.
    fn qr_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>>;
    /// Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric
    /// matrix, reading its lower triangle.
    fn eigh<T: Scalar>(a: MatRef<'_, T>) -> Result<Eigh<T>>;
    /// Eigenvalues only (ascending) of a symmetric matrix (lower triangle).
    fn eigvalsh<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>>;
    /// Eigenvalues and right eigenvectors of a general square matrix.
    fn eig<T: Scalar>(a: MatRef<'_, T>) -> Result<Eig<T>>;
    /// Eigenvalues only of a general square matrix.
    fn eigvals<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<Complex<T>>>;
    /// Singular value decomposition, thin or full.
    fn svd<T: Scalar>(a: MatRef<'_, T>, mode: SvdMode) -> Result<Svd<T>>;
    /// Singular values only, descending.
    fn singular_values<T: Scalar>(a: MatRef<'_, T>) -> Result<Vec<T>>;

    // ---------------------------------------------------- solvers and derived
    /// Solves the square system $AX = B$ by LU with partial pivoting.
    fn solve<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Mat<T>> {
        let n = validate::square(Op::Solve, a.shape())?;
        validate::rhs(Op::Solve, n, b.shape())?;
        validate::finite(Op::Solve, b)?;
        let lu = Self::lu(a)?;
        Self::lu_solve(&lu, b)
    }
    /// $A^{-1}$. `Err(Singular)` for an exactly singular matrix.
    fn inv<T: Scalar>(a: MatRef<'_, T>) -> Result<Mat<T>> {
        let n = validate::square(Op::Inv, a.shape())?;
        let lu = Self::lu(a)?;
        Self::lu_solve(&lu, Mat::<T>::identity(n).as_ref())
    }
    /// $\det A$ (1 for a `0 x 0` matrix).
    fn det<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
        validate::square(Op::Det, a.shape())?;
        Ok(Self::lu(a)?.det())
    }
    /// Minimum-norm least squares by SVD, as numpy's `lstsq`: singular values
    /// below `rcond * s_max` count as zero (`rcond` defaults to
    /// `eps * max(m, n)`).
    fn lstsq<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, rcond: Option<T>) -> Result<Lstsq<T>> {
        validate::rhs(Op::Lstsq, a.rows(), b.shape())?;
        validate::tolerance(Op::Lstsq, rcond)?;
        validate::finite(Op::Lstsq, b)?;
        let (m, n) = a.shape();
        let rcond = rcond.unwrap_or(T::EPSILON * T::from_usize(m.max(n)));
        lstsq_by_svd::<Self, T>(a, b, rcond)
    }
    /// Moore-Penrose pseudo-inverse by SVD; singular values at or below
    /// `rcond * s_max` are treated as zero (`rcond` defaults to `eps * max(m, n)`).
    fn pinv<T: Scalar>(a: MatRef<'_, T>, rcond: Option<T>) -> Result<Mat<T>> {
        validate::tolerance(Op::Pinv, rcond)?;
        let (m, n) = a.shape();
        let svd = Self::svd(a, SvdMode::Thin)?;
        let rcond = rcond.unwrap_or(T::EPSILON * T::from_usize(m.max(n)));
        let rank = effective_rank(&svd.s, rcond);
        // pinv = V_r diag(1/s_r) U_r^T
        let mut vs = svd.vt.as_ref().submatrix(0, 0, rank, n)?.to_owned();
        for i in 0..rank {
            let inv = T::ONE / svd.s[i];
            for x in vs.row_mut(i) {
                *x *= inv;
            }
        }
        let ur = svd.u.as_ref().submatrix(0, 0, m, rank)?;
        let mut out = Mat::zeros(n, m);
        Self::gemm(T::ONE, vs.t(), ur.t(), T::ZERO, out.as_mut())?;
        Ok(out)
    }
    /// Numerical rank: singular values above `tol` (default, as numpy:
    /// `s_max * max(m, n) * eps`).
    fn rank<T: Scalar>(a: MatRef<'_, T>, tol: Option<T>) -> Result<usize> {
        validate::tolerance(Op::Rank, tol)?;
        let s = Self::singular_values(a)?;
        let smax = s.first().copied().unwrap_or(T::ZERO);
        let tol = tol.unwrap_or(smax * T::from_usize(a.rows().max(a.cols())) * T::EPSILON);
        Ok(s.iter().filter(|&&x| x > tol).count())
    }
    /// 2-norm condition number $\sigma_{max} / \sigma_{min}$ (infinite for a
    /// singular matrix). `Err(InvalidArgument)` for an empty matrix.
    fn cond<T: Scalar>(a: MatRef<'_, T>) -> Result<T> {
        if a.is_empty() {
            return Err(Error::InvalidArgument {
                op: Op::Cond,
                message: "the condition number of an empty matrix is undefined".into(),
            });
        }
        let s = Self::singular_values(a)?;
        let (hi, lo) = (s[0], s[s.len() - 1]);
        Ok(if lo == T::ZERO { T::INFINITY } else { hi / lo })
    }
    /// A matrix norm. One, Inf and Frobenius propagate NaN; the spectral norm
    /// rejects non-finite input like every SVD.
    fn norm<T: Scalar>(a: MatRef<'_, T>, kind: Norm) -> Result<T> {
        Ok(match kind {
            Norm::One => max_abs_sum(a.t()),
            Norm::Inf => max_abs_sum(a),
            Norm::Fro => frobenius(a),
            Norm::Spectral => Self::singular_values(a)?
                .first()
                .copied()
                .unwrap_or(T::ZERO),
        })
    }
}

/// The minimum-norm least-squares solution from backend `B`'s thin SVD of
/// `a`, as [`Backend::lstsq`]'s default computes it: singular values at or
/// below `rcond * s_max` count as zero, residuals as numpy gives them. The
/// arguments are not validated here (the caller has: `b` has `a.rows()`
/// rows, `b` is finite, `rcond` is a valid tolerance); a backend whose own
/// `lstsq` takes another route for some inputs calls this for the rest.
///
/// # Errors
/// Those of `B::svd` (non-finite `a`, no convergence) and `B::gemm`.
pub fn lstsq_by_svd<B: Backend + ?Sized, T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    rcond: T,
) -> Result<Lstsq<T>> {
    let (m, n) = a.shape();
    let svd = B::svd(a, SvdMode::Thin)?;
    let rank = effective_rank(&svd.s, rcond);
    // X = V_r diag(1/s_r) U_r^T B
    let (ur, vr) = (
        svd.u.as_ref().submatrix(0, 0, m, rank)?,
        svd.vt.as_ref().submatrix(0, 0, rank, n)?,
    );
    let mut utb = Mat::zeros(rank, b.cols());
    B::gemm(T::ONE, ur.t(), b, T::ZERO, utb.as_mut())?;
    for i in 0..rank {
        let inv = T::ONE / svd.s[i];
        for x in utb.row_mut(i) {
            *x *= inv;
        }
    }
    let mut solution = Mat::zeros(n, b.cols());
    B::gemm(T::ONE, vr.t(), utb.as_ref(), T::ZERO, solution.as_mut())?;
    let residuals = if rank == n && m > n {
        let mut r = b.to_owned();
        B::gemm(-T::ONE, a, solution.as_ref(), T::ONE, r.as_mut())?;
        (0..r.cols())
            .map(|j| (0..m).map(|i| r[(i, j)] * r[(i, j)]).sum())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Lstsq {
        solution,
        residuals,
        rank,
        singular_values: svd.s,
    })
}

/// Number of singular values (descending) above `rcond * s[0]`.
pub fn effective_rank<T: Scalar>(s: &[T], rcond: T) -> usize {
    let cut = s.first().map_or(T::ZERO, |&s0| s0 * rcond);
    s.iter().filter(|&&x| x > cut).count()
}

fn check_batch<T: Scalar>(
    a: &[MatRef<'_, T>],
    b: &[MatRef<'_, T>],
    c: &[MatMut<'_, T>],
) -> Result<()> {
    if a.len() != b.len() || a.len() != c.len() {
        return Err(Error::DimensionMismatch {
            op: Op::GemmBatched,
            expected: format!("batches of equal length ({})", a.len()),
            found: format!("b has {}, c has {}", b.len(), c.len()),
        });
    }
    for ((a, b), c) in a.iter().zip(b).zip(c) {
        validate::gemm(Op::GemmBatched, a.shape(), b.shape(), c.shape())?;
    }
    Ok(())
}

/// Largest row sum of absolute values (NaN propagates).
fn max_abs_sum<T: Scalar>(a: MatRef<'_, T>) -> T {
    let mut best = T::ZERO;
    for i in 0..a.rows() {
        let mut s = T::ZERO;
        for j in 0..a.cols() {
            s += a[(i, j)].abs();
        }
        if s > best || s.is_nan() {
            best = s;
            if s.is_nan() {
                return s;
            }
        }
    }
    best
}

/// Frobenius norm with scaling, so that neither huge nor tiny entries
/// overflow or underflow in the sum of squares.
pub fn frobenius<T: Scalar>(a: MatRef<'_, T>) -> T {
    let mut scale = T::ZERO;
    let mut nan = false;
    a.for_each(|_, _, &x| {
        nan |= x.is_nan();
        scale = scale.max(x.abs());
    });
    if nan {
        return T::NAN;
    }
    if scale == T::ZERO || !scale.is_finite() {
        return scale;
    }
    let mut ssq = T::ZERO;
    a.for_each(|_, _, &x| {
        let y = x / scale;
        ssq += y * y;
    });
    scale * ssq.sqrt()
}
