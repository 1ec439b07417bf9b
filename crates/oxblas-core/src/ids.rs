//! Names of operations and backends, used in errors, the dispatcher and benchmarks.

use core::fmt::{self, Display};

/// The backends oxblas can route a call to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendId {
    /// OpenBLAS and LAPACKE through FFI (`oxblas-openblas`).
    OpenBlas,
    /// Pure Rust with explicit SIMD (`oxblas-simd`).
    Simd,
}

impl BackendId {
    /// All backends, in a fixed order.
    pub const ALL: [BackendId; 2] = [BackendId::OpenBlas, BackendId::Simd];

    /// Lowercase name, as used by `OXBLAS_BACKEND`: `"openblas"` or `"simd"`.
    pub const fn name(self) -> &'static str {
        match self {
            BackendId::OpenBlas => "openblas",
            BackendId::Simd => "simd",
        }
    }

    /// Parses `"openblas"` or `"simd"` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openblas" => Some(BackendId::OpenBlas),
            "simd" => Some(BackendId::Simd),
            _ => None,
        }
    }
}

impl Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! ops {
    ($($(#[$m:meta])* $v:ident => $s:literal,)*) => {
        /// Every operation oxblas implements; the dispatcher's first key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Op {
            $($(#[$m])* $v,)*
        }

        impl Op {
            /// Every operation, in declaration order (`Op::ALL[op.index()] == op`).
            pub const ALL: &'static [Op] = &[$(Op::$v,)*];

            /// The lowercase name used in reports, wisdom files and `--ops`.
            pub const fn name(self) -> &'static str {
                match self { $(Op::$v => $s,)* }
            }

            /// Position in [`Op::ALL`] (an array index for the dispatcher).
            pub const fn index(self) -> usize {
                self as usize
            }

            /// Parses a name as printed by [`Op::name`].
            pub fn parse(s: &str) -> Option<Op> {
                match s.trim() { $($s => Some(Op::$v),)* _ => None }
            }
        }
    };
}

ops! {
    /// `x . y`
    Dot => "dot",
    /// `y += alpha x`
    Axpy => "axpy",
    /// `x *= alpha`
    Scal => "scal",
    /// `y = x`
    Copy => "copy",
    /// `x <-> y`
    Swap => "swap",
    /// Euclidean norm `||x||_2`.
    Nrm2 => "nrm2",
    /// `sum |x_i|`
    Asum => "asum",
    /// Index of the largest `|x_i|`.
    Iamax => "iamax",
    /// Element-wise `x + y`.
    Add => "add",
    /// Element-wise `x - y`.
    Sub => "sub",
    /// Element-wise `x * y`.
    Hadamard => "hadamard",
    /// A distance between two vectors.
    Distance => "distance",
    /// The matrix of distances between rows of two matrices.
    PairwiseDistances => "pairwise_distances",
    /// `y = alpha A x + beta y`
    Gemv => "gemv",
    /// `A += alpha x y^T`
    Ger => "ger",
    /// Triangular solve with a vector.
    Trsv => "trsv",
    /// Symmetric matrix-vector product.
    Symv => "symv",
    /// `C = alpha A B + beta C`
    Gemm => "gemm",
    /// `C = alpha A A^T + beta C` (one triangle).
    Syrk => "syrk",
    /// Triangular solve with many right-hand sides.
    Trsm => "trsm",
    /// Symmetric matrix-matrix product.
    Symm => "symm",
    /// Many small independent gemms.
    GemmBatched => "gemm_batched",
    /// LU factorization with partial pivoting.
    Lu => "lu",
    /// Solve with LU factors.
    LuSolve => "lu_solve",
    /// Cholesky factorization.
    Cholesky => "cholesky",
    /// Solve with Cholesky factors.
    CholeskySolve => "cholesky_solve",
    /// Householder QR.
    Qr => "qr",
    /// Forming Q from a QR factorization.
    QrQ => "qr_q",
    /// Column-pivoted QR.
    QrPivoted => "qr_pivoted",
    /// Symmetric eigendecomposition.
    Eigh => "eigh",
    /// Eigenvalues of a symmetric matrix.
    Eigvalsh => "eigvalsh",
    /// General eigendecomposition.
    Eig => "eig",
    /// Eigenvalues of a general matrix.
    Eigvals => "eigvals",
    /// Singular value decomposition.
    Svd => "svd",
    /// Singular values only.
    SingularValues => "singular_values",
    /// Solve a square linear system.
    Solve => "solve",
    /// Matrix inverse.
    Inv => "inv",
    /// Determinant.
    Det => "det",
    /// Least squares.
    Lstsq => "lstsq",
    /// Moore-Penrose pseudo-inverse.
    Pinv => "pinv",
    /// Numerical rank.
    Rank => "rank",
    /// 2-norm condition number.
    Cond => "cond",
    /// Matrix norm.
    Norm => "norm",
}

impl Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a kernel may use threads. Kernels take this explicitly rather than
/// reading a global deep inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Par {
    /// Run on the calling thread only.
    Seq,
    /// Split the work over at most this many rayon workers (`>= 1`).
    Rayon(usize),
}

impl Par {
    /// The number of threads this allows (at least 1).
    pub fn threads(self) -> usize {
        match self {
            Par::Seq => 1,
            Par::Rayon(n) => n.max(1),
        }
    }
}

/// Which triangle of a matrix an operation reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uplo {
    /// The lower triangle (with the diagonal).
    Lower,
    /// The upper triangle (with the diagonal).
    Upper,
}

/// Whether a triangular matrix has an implicit unit diagonal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Diag {
    /// Diagonal entries are read from the matrix.
    NonUnit,
    /// Diagonal entries are taken to be 1 and not read.
    Unit,
}

/// On which side the special matrix multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `op(A) X` / `A B`.
    Left,
    /// `X op(A)` / `B A`.
    Right,
}

/// A distance between two vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distance {
    /// `||x - y||_2`
    Euclidean,
    /// `||x - y||_2^2`
    SquaredEuclidean,
    /// `1 - x.y / (||x|| ||y||)`; an error for a zero vector.
    Cosine,
    /// `sum |x_i - y_i|`
    Manhattan,
}

/// A matrix norm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// Largest column sum of `|a_ij|`.
    One,
    /// Largest row sum of `|a_ij|`.
    Inf,
    /// Frobenius: `sqrt(sum a_ij^2)`.
    Fro,
    /// Spectral: the largest singular value.
    Spectral,
}

/// Which Q a QR factorization should form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrMode {
    /// Thin Q: `m x min(m, n)`.
    Reduced,
    /// Full square Q: `m x m`.
    Complete,
}

/// Which singular vectors an SVD should form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvdMode {
    /// `U: m x k`, `Vt: k x n` with `k = min(m, n)`.
    Thin,
    /// `U: m x m`, `Vt: n x n`.
    Full,
}
