//! What is benchmarked: the operations, their shapes and flop counts, their
//! inputs, one generic call per operation, and the cross-backend check.

use oxblas::{
    Backend, Complex, Diag, Distance, Mat, Op, QrMode, Result, Scalar, Side, SvdMode, Uplo, VecMut,
    VecRef,
};
// The decomposition data types backends return (`oxblas::Lu` and friends
// are the dispatcher's wrappers around them).
use oxblas_core::{Cholesky, Lu, Qr};

/// The backend that factors the inputs of the solve and Q-forming cases:
/// OpenBLAS, the reference, when compiled in.
#[cfg(feature = "bench")]
type Prep = oxblas::backends::OpenBlas;
#[cfg(not(feature = "bench"))]
type Prep = oxblas::backends::Simd;

/// Operation families: one plot and one table section each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Vector operations.
    Blas1,
    /// Matrix-vector operations.
    Blas2,
    /// Matrix-matrix operations.
    Blas3,
    /// LU, Cholesky, QR and their solves.
    Factor,
    /// Eigen and singular value decompositions.
    Spectral,
    /// Solvers and derived quantities.
    Solver,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Blas1 => "blas1",
            Family::Blas2 => "blas2",
            Family::Blas3 => "blas3",
            Family::Factor => "factorizations",
            Family::Spectral => "spectral",
            Family::Solver => "solvers",
        }
    }
}

/// Every benchmarked operation, in report order. (`norm` is left out: its
/// cost depends on the norm kind, which the dispatcher key does not carry.)
pub const OPS: &[(Op, Family)] = &[
    (Op::Dot, Family::Blas1),
    (Op::Axpy, Family::Blas1),
    (Op::Scal, Family::Blas1),
    (Op::Copy, Family::Blas1),
    (Op::Swap, Family::Blas1),
    (Op::Nrm2, Family::Blas1),
    (Op::Asum, Family::Blas1),
    (Op::Iamax, Family::Blas1),
    (Op::Add, Family::Blas1),
    (Op::Sub, Family::Blas1),
    (Op::Hadamard, Family::Blas1),
    (Op::Distance, Family::Blas1),
    (Op::Gemv, Family::Blas2),
    (Op::Ger, Family::Blas2),
    (Op::Trsv, Family::Blas2),
    (Op::Symv, Family::Blas2),
    (Op::Gemm, Family::Blas3),
    (Op::Syrk, Family::Blas3),
    (Op::Trsm, Family::Blas3),
    (Op::Symm, Family::Blas3),
    (Op::GemmBatched, Family::Blas3),
    (Op::PairwiseDistances, Family::Blas3),
    (Op::Lu, Family::Factor),
    (Op::LuSolve, Family::Factor),
    (Op::Cholesky, Family::Factor),
    (Op::CholeskySolve, Family::Factor),
    (Op::Qr, Family::Factor),
    (Op::QrQ, Family::Factor),
    (Op::QrPivoted, Family::Factor),
    (Op::Eigh, Family::Spectral),
    (Op::Eigvalsh, Family::Spectral),
    (Op::Eig, Family::Spectral),
    (Op::Eigvals, Family::Spectral),
    (Op::Svd, Family::Spectral),
    (Op::SingularValues, Family::Spectral),
    (Op::Solve, Family::Solver),
    (Op::Inv, Family::Solver),
    (Op::Det, Family::Solver),
    (Op::Lstsq, Family::Solver),
    (Op::Pinv, Family::Solver),
    (Op::Rank, Family::Solver),
    (Op::Cond, Family::Solver),
];

/// The operations `--quick` runs: a few from every family.
pub const QUICK_OPS: &[Op] = &[
    Op::Dot,
    Op::Axpy,
    Op::Nrm2,
    Op::Gemv,
    Op::Gemm,
    Op::Syrk,
    Op::Trsm,
    Op::GemmBatched,
    Op::Lu,
    Op::Cholesky,
    Op::Qr,
    Op::Eigh,
    Op::Svd,
    Op::Eig,
    Op::Solve,
    Op::Lstsq,
    Op::Inv,
];

pub fn family(op: Op) -> Option<Family> {
    OPS.iter().find(|(o, _)| *o == op).map(|&(_, f)| f)
}

/// The default sizes (the dominant dimension `n`) of an operation: one per
/// dispatcher size class (vector classes end at 64, 256, ..., 256 Ki; the
/// others at 8, 16, ..., 512), so a full run fills the whole table.
pub fn default_sizes(op: Op, quick: bool) -> Vec<usize> {
    let family = family(op).unwrap_or(Family::Blas3);
    let spectral = matches!(family, Family::Spectral)
        || matches!(
            op,
            Op::QrPivoted | Op::Lstsq | Op::Pinv | Op::Rank | Op::Cond
        );
    match (family, quick) {
        (Family::Blas1, false) => vec![64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20],
        (Family::Blas1, true) => vec![64, 4096, 262144],
        (Family::Blas2, false) => vec![8, 16, 32, 64, 128, 256, 512, 1024],
        (Family::Blas2, true) => vec![16, 128, 1024],
        // Above 512 is the last class; 640 keeps the slow decompositions
        // (eig, and lstsq/pinv/cond on 1280 x 640) inside the per-case and
        // total time budgets.
        (_, false) if spectral => vec![8, 16, 32, 64, 128, 256, 512, 640],
        (_, true) if spectral => vec![8, 64, 128],
        (_, false) => vec![8, 16, 32, 64, 128, 256, 512, 1024],
        (_, true) => vec![8, 64, 256],
    }
}

/// Number of products in a batched gemm of `n x n` matrices: many for tiny
/// matrices (where batching matters), a few for large ones.
fn batch_count(n: usize) -> usize {
    ((1usize << 21) / (n * n * n).max(1)).clamp(4, 1024)
}

/// The problem shape, as the dispatcher keys it (see `oxblas::wisdom::size_class`).
pub fn shape(op: Op, n: usize) -> Vec<usize> {
    match family(op) {
        Some(Family::Blas1) => vec![n],
        _ => match op {
            Op::Gemm | Op::Symm | Op::PairwiseDistances => vec![n, n, n],
            Op::GemmBatched => vec![batch_count(n), n, n, n],
            Op::Lstsq | Op::Pinv | Op::Rank | Op::Cond => vec![2 * n, n],
            _ => vec![n, n],
        },
    }
}

/// Standard flop counts (0 for pure data movement). LAPACK-style counts
/// for square `n`: LU 2n^3/3, Cholesky n^3/3, QR 4n^3/3, eigh 9n^3 and SVD
/// 21n^3 (as ANCHORS.md counts them); the others are the usual leading
/// terms, documented in the report.
pub fn flops(op: Op, shape: &[usize]) -> f64 {
    let d = |i: usize| shape.get(i).copied().unwrap_or(1) as f64;
    let n = d(0);
    match op {
        Op::Dot | Op::Axpy | Op::Nrm2 | Op::Distance => 2.0 * n,
        Op::Scal | Op::Asum | Op::Iamax | Op::Add | Op::Sub | Op::Hadamard => n,
        Op::Copy | Op::Swap => 0.0,
        Op::Gemv | Op::Ger | Op::Symv => 2.0 * d(0) * d(1),
        Op::Trsv => d(0) * d(1),
        Op::Gemm | Op::Symm => 2.0 * d(0) * d(1) * d(2),
        Op::GemmBatched => 2.0 * d(0) * d(1) * d(2) * d(3),
        Op::PairwiseDistances => 3.0 * d(0) * d(1) * d(2),
        Op::Syrk => d(0) * d(0) * d(1),
        Op::Trsm => d(0) * d(0) * d(1),
        Op::Lu | Op::Det => 2.0 * n * n * n / 3.0,
        Op::Solve => 2.0 * n * n * n / 3.0 + 2.0 * n * n,
        Op::Inv => 2.0 * n * n * n,
        Op::LuSolve | Op::CholeskySolve => 2.0 * d(0) * d(0) * d(1),
        Op::Cholesky => n * n * n / 3.0,
        Op::Qr | Op::QrQ | Op::QrPivoted => 4.0 * n * n * n / 3.0,
        Op::Eigh => 9.0 * n * n * n,
        Op::Eigvalsh => 4.0 * n * n * n / 3.0,
        Op::Eig => 25.0 * n * n * n,
        Op::Eigvals => 10.0 * n * n * n,
        Op::Svd => 21.0 * n * n * n,
        Op::SingularValues => 8.0 * n * n * n / 3.0,
        // m x n with m = 2n: Householder QR count 2mn^2 - 2n^3/3 (a lower
        // bound for the SVD-based drivers), bidiagonalization 4mn^2 - 4n^3/3.
        Op::Lstsq => 2.0 * n * d(1) * d(1) - 2.0 * d(1).powi(3) / 3.0,
        Op::Pinv | Op::Rank | Op::Cond => 4.0 * n * d(1) * d(1) - 4.0 * d(1).powi(3) / 3.0,
        _ => 0.0,
    }
}

/// A small deterministic generator (SplitMix64), so every backend and every
/// run sees the same inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

fn rand_mat<T: Scalar>(rng: &mut Rng, m: usize, n: usize, lo: f64, hi: f64) -> Mat<T> {
    Mat::from_fn(m, n, |_, _| T::from_f64(rng.uniform(lo, hi)))
}

fn rand_vec<T: Scalar>(rng: &mut Rng, n: usize, lo: f64, hi: f64) -> Vec<T> {
    (0..n).map(|_| T::from_f64(rng.uniform(lo, hi))).collect()
}

/// Symmetric with entries in [-1, 1], plus `shift` on the diagonal.
fn sym<T: Scalar>(rng: &mut Rng, n: usize, shift: f64) -> Mat<T> {
    let mut a = Mat::<f64>::zeros(n, n);
    for i in 0..n {
        for j in 0..=i {
            let v = rng.uniform(-1.0, 1.0);
            a[(i, j)] = v;
            a[(j, i)] = v;
        }
        a[(i, i)] += shift;
    }
    a.map(|&v| T::from_f64(v))
}

/// Lower triangular, well conditioned: diagonal in [1, 2], off-diagonal
/// entries in [-1, 1] / n (zeros above).
fn lower<T: Scalar>(rng: &mut Rng, n: usize) -> Mat<T> {
    let s = 1.0 / n.max(1) as f64;
    Mat::from_fn(n, n, |i, j| {
        T::from_f64(match i.cmp(&j) {
            core::cmp::Ordering::Greater => rng.uniform(-s, s),
            core::cmp::Ordering::Equal => rng.uniform(1.0, 2.0),
            core::cmp::Ordering::Less => 0.0,
        })
    })
}

/// One copy of a batched gemm's operands: `A`s, `B`s and `C`s.
pub type Batch<T> = (Vec<Mat<T>>, Vec<Mat<T>>, Vec<Mat<T>>);

/// The inputs of one case, in `copies` independent copies that calls rotate
/// through (so no backend finds its data warm in cache from the previous
/// call on the same buffer), plus output buffers.
pub struct Inputs<T> {
    pub op: Op,
    pub a: Vec<Mat<T>>,
    pub b: Vec<Mat<T>>,
    pub c: Vec<Mat<T>>,
    pub x: Vec<Vec<T>>,
    pub y: Vec<Vec<T>>,
    pub out: Vec<Vec<T>>,
    /// Batched gemm: `count` products per copy.
    pub batch: Vec<Batch<T>>,
    pub lu: Option<Lu<T>>,
    pub chol: Option<Cholesky<T>>,
    pub qr: Option<Qr<T>>,
}

/// Bytes one copy of the inputs of `op` at size `n` takes (for choosing how
/// many copies to rotate through).
pub fn bytes_per_copy(op: Op, n: usize, elem: usize) -> usize {
    let s = shape(op, n);
    let elems = match family(op) {
        Some(Family::Blas1) => 3 * n,
        Some(Family::Blas2) => n * n + 2 * n,
        _ => match op {
            Op::GemmBatched => 3 * s[0] * n * n,
            _ => 3 * s[0] * s[1],
        },
    };
    elems * elem
}

impl<T: Scalar> Inputs<T> {
    /// Deterministic inputs for `op` at size `n`. BLAS inputs are positive
    /// (no cancellation, so results compare tightly across backends);
    /// factorization inputs are random signed matrices of the kind each
    /// decomposition expects (SPD for Cholesky, symmetric for eigh, ...).
    /// Factor-based solves get their factors from OpenBLAS, once.
    pub fn new(op: Op, n: usize, copies: usize, seed: u64) -> Result<Inputs<T>> {
        let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0x1000_0001) ^ op.index() as u64);
        let mut inp = Inputs {
            op,
            a: Vec::new(),
            b: Vec::new(),
            c: Vec::new(),
            x: Vec::new(),
            y: Vec::new(),
            out: Vec::new(),
            batch: Vec::new(),
            lu: None,
            chol: None,
            qr: None,
        };
        let s = shape(op, n);
        for _ in 0..copies {
            match family(op) {
                Some(Family::Blas1) => {
                    inp.x.push(rand_vec(&mut rng, n, 0.1, 1.0));
                    inp.y.push(rand_vec(&mut rng, n, 0.1, 1.0));
                    inp.out.push(vec![T::ZERO; n]);
                }
                Some(Family::Blas2) => {
                    inp.a.push(match op {
                        Op::Trsv => lower(&mut rng, n),
                        _ => rand_mat(&mut rng, n, n, 0.1, 1.0),
                    });
                    inp.x.push(rand_vec(&mut rng, n, 0.1, 1.0));
                    inp.y.push(rand_vec(&mut rng, n, 0.1, 1.0));
                    inp.out.push(vec![T::ZERO; n]);
                }
                _ => match op {
                    Op::Gemm | Op::Symm | Op::PairwiseDistances | Op::Syrk => {
                        inp.a.push(rand_mat(&mut rng, n, n, 0.1, 1.0));
                        inp.b.push(rand_mat(&mut rng, n, n, 0.1, 1.0));
                        inp.c.push(Mat::zeros(n, n));
                    }
                    Op::Trsm => {
                        inp.a.push(lower(&mut rng, n));
                        inp.b.push(rand_mat(&mut rng, n, n, 0.1, 1.0));
                        inp.c.push(Mat::zeros(n, n));
                    }
                    Op::GemmBatched => {
                        let k = s[0];
                        let a = (0..k).map(|_| rand_mat(&mut rng, n, n, 0.1, 1.0)).collect();
                        let b = (0..k).map(|_| rand_mat(&mut rng, n, n, 0.1, 1.0)).collect();
                        let c = (0..k).map(|_| Mat::zeros(n, n)).collect();
                        inp.batch.push((a, b, c));
                    }
                    Op::Cholesky | Op::CholeskySolve => {
                        inp.a.push(sym(&mut rng, n, n as f64));
                        inp.b.push(rand_mat(&mut rng, n, n, -1.0, 1.0));
                    }
                    Op::Eigh | Op::Eigvalsh => inp.a.push(sym(&mut rng, n, 0.0)),
                    // Near the identity: determinant, inverse and solution of
                    // moderate size and condition at every n.
                    Op::Det | Op::Inv | Op::Solve => {
                        let s = 0.5 / (n as f64).sqrt();
                        let mut a = rand_mat::<f64>(&mut rng, n, n, -s, s);
                        for i in 0..n {
                            a[(i, i)] += 1.0;
                        }
                        inp.a.push(a.map(|&v| T::from_f64(v)));
                        inp.b.push(rand_mat(&mut rng, n, 1, -1.0, 1.0));
                    }
                    _ => {
                        inp.a.push(rand_mat(&mut rng, s[0], s[1], -1.0, 1.0));
                        inp.b.push(rand_mat(&mut rng, s[0], s[1].min(4), -1.0, 1.0));
                    }
                },
            }
        }
        match op {
            Op::LuSolve => inp.lu = Some(Prep::lu(inp.a[0].as_ref())?),
            Op::CholeskySolve => inp.chol = Some(Prep::cholesky(inp.a[0].as_ref())?),
            Op::QrQ => inp.qr = Some(Prep::qr(inp.a[0].as_ref())?),
            _ => {}
        }
        Ok(inp)
    }
}

/// A result kept whole while timing (converted for the check only after).
pub enum Out<T> {
    /// The result was written into the inputs (`c`, `y`, `out`, ...).
    InPlace,
    Scalar(T),
    Index(Option<usize>),
    Count(usize),
    Vec(Vec<T>),
    Complex(Vec<Complex<T>>),
    Mat(Mat<T>),
    Lu(Lu<T>),
    Chol(Cholesky<T>),
    Qr(Qr<T>),
    QrPivoted(oxblas::PivotedQr<T>),
    Eigh(oxblas::Eigh<T>),
    Eig(oxblas::Eig<T>),
    Svd(oxblas::Svd<T>),
    Lstsq(oxblas::Lstsq<T>),
}

/// One call of `op` on backend `B`, on input copy `i`.
pub fn exec<B: Backend, T: Scalar>(inp: &mut Inputs<T>, i: usize) -> Result<Out<T>> {
    let alpha = T::from_f64(1e-3);
    Ok(match inp.op {
        Op::Dot => Out::Scalar(B::dot(VecRef::from(&inp.x[i]), VecRef::from(&inp.y[i]))?),
        Op::Axpy => {
            B::axpy(alpha, VecRef::from(&inp.x[i]), VecMut::from(&mut inp.y[i]))?;
            Out::InPlace
        }
        Op::Scal => {
            // -1 keeps the values bounded (and exact) however often it runs.
            B::scal(-T::ONE, VecMut::from(&mut inp.x[i]));
            Out::InPlace
        }
        Op::Copy => {
            B::copy(VecRef::from(&inp.x[i]), VecMut::from(&mut inp.out[i]))?;
            Out::InPlace
        }
        Op::Swap => {
            let (x, y) = (&mut inp.x[i], &mut inp.y[i]);
            B::swap(VecMut::from(x), VecMut::from(y))?;
            Out::InPlace
        }
        Op::Nrm2 => Out::Scalar(B::nrm2(VecRef::from(&inp.x[i]))),
        Op::Asum => Out::Scalar(B::asum(VecRef::from(&inp.x[i]))),
        Op::Iamax => Out::Index(B::iamax(VecRef::from(&inp.x[i]))),
        Op::Add | Op::Sub | Op::Hadamard => {
            let (x, y) = (VecRef::from(&inp.x[i]), VecRef::from(&inp.y[i]));
            let out = VecMut::from(&mut inp.out[i]);
            match inp.op {
                Op::Add => B::add(x, y, out)?,
                Op::Sub => B::sub(x, y, out)?,
                _ => B::hadamard(x, y, out)?,
            }
            Out::InPlace
        }
        Op::Distance => Out::Scalar(B::distance(
            Distance::Euclidean,
            VecRef::from(&inp.x[i]),
            VecRef::from(&inp.y[i]),
        )?),
        Op::Gemv => {
            let y = VecMut::from(&mut inp.out[i]);
            B::gemv(
                T::ONE,
                inp.a[i].as_ref(),
                VecRef::from(&inp.x[i]),
                T::ZERO,
                y,
            )?;
            Out::InPlace
        }
        Op::Ger => {
            let (x, y) = (VecRef::from(&inp.x[i]), VecRef::from(&inp.y[i]));
            B::ger(alpha, x, y, inp.a[i].as_mut())?;
            Out::InPlace
        }
        Op::Trsv => {
            // Solving in place again and again would drift towards zero or
            // infinity: restart from the right-hand side (an O(n) copy
            // against the O(n^2) solve, the same for every backend).
            inp.out[i].copy_from_slice(&inp.x[i]);
            let x = VecMut::from(&mut inp.out[i]);
            B::trsv(Uplo::Lower, Diag::NonUnit, inp.a[i].as_ref(), x)?;
            Out::InPlace
        }
        Op::Symv => {
            let y = VecMut::from(&mut inp.out[i]);
            let x = VecRef::from(&inp.x[i]);
            B::symv(Uplo::Lower, T::ONE, inp.a[i].as_ref(), x, T::ZERO, y)?;
            Out::InPlace
        }
        Op::Gemm => {
            let (a, b) = (inp.a[i].as_ref(), inp.b[i].as_ref());
            B::gemm(T::ONE, a, b, T::ZERO, inp.c[i].as_mut())?;
            Out::InPlace
        }
        Op::Syrk => {
            B::syrk(
                Uplo::Lower,
                T::ONE,
                inp.a[i].as_ref(),
                T::ZERO,
                inp.c[i].as_mut(),
            )?;
            Out::InPlace
        }
        Op::Trsm => {
            // As trsv: restart from B (an O(n^2) copy against O(n^3)).
            inp.c[i].as_mut().copy_from(inp.b[i].as_ref())?;
            let a = inp.a[i].as_ref();
            B::trsm(
                Side::Left,
                Uplo::Lower,
                Diag::NonUnit,
                T::ONE,
                a,
                inp.c[i].as_mut(),
            )?;
            Out::InPlace
        }
        Op::Symm => {
            let (a, b) = (inp.a[i].as_ref(), inp.b[i].as_ref());
            B::symm(
                Side::Left,
                Uplo::Lower,
                T::ONE,
                a,
                b,
                T::ZERO,
                inp.c[i].as_mut(),
            )?;
            Out::InPlace
        }
        Op::GemmBatched => {
            let (a, b, c) = &mut inp.batch[i];
            let a: Vec<_> = a.iter().map(|m| m.as_ref()).collect();
            let b: Vec<_> = b.iter().map(|m| m.as_ref()).collect();
            let mut c: Vec<_> = c.iter_mut().map(|m| m.as_mut()).collect();
            B::gemm_batched(T::ONE, &a, &b, T::ZERO, &mut c)?;
            Out::InPlace
        }
        Op::PairwiseDistances => {
            let (x, y) = (inp.a[i].as_ref(), inp.b[i].as_ref());
            B::pairwise_distances(Distance::Euclidean, x, y, inp.c[i].as_mut())?;
            Out::InPlace
        }
        Op::Lu => Out::Lu(B::lu(inp.a[i].as_ref())?),
        Op::LuSolve => Out::Mat(B::lu_solve(lu_of(&inp.lu)?, inp.a[i].as_ref())?),
        Op::Cholesky => Out::Chol(B::cholesky(inp.a[i].as_ref())?),
        Op::CholeskySolve => Out::Mat(B::cholesky_solve(chol_of(&inp.chol)?, inp.b[i].as_ref())?),
        Op::Qr => Out::Qr(B::qr(inp.a[i].as_ref())?),
        Op::QrQ => Out::Mat(B::qr_q(qr_of(&inp.qr)?, QrMode::Reduced)?),
        Op::QrPivoted => Out::QrPivoted(B::qr_pivoted(inp.a[i].as_ref())?),
        Op::Eigh => Out::Eigh(B::eigh(inp.a[i].as_ref())?),
        Op::Eigvalsh => Out::Vec(B::eigvalsh(inp.a[i].as_ref())?),
        Op::Eig => Out::Eig(B::eig(inp.a[i].as_ref())?),
        Op::Eigvals => Out::Complex(B::eigvals(inp.a[i].as_ref())?),
        Op::Svd => Out::Svd(B::svd(inp.a[i].as_ref(), SvdMode::Thin)?),
        Op::SingularValues => Out::Vec(B::singular_values(inp.a[i].as_ref())?),
        Op::Solve => Out::Mat(B::solve(inp.a[i].as_ref(), inp.b[i].as_ref())?),
        Op::Inv => Out::Mat(B::inv(inp.a[i].as_ref())?),
        Op::Det => Out::Scalar(B::det(inp.a[i].as_ref())?),
        Op::Lstsq => Out::Lstsq(B::lstsq(inp.a[i].as_ref(), inp.b[i].as_ref(), None)?),
        Op::Pinv => Out::Mat(B::pinv(inp.a[i].as_ref(), None)?),
        Op::Rank => Out::Count(B::rank(inp.a[i].as_ref(), None)?),
        Op::Cond => Out::Scalar(B::cond(inp.a[i].as_ref())?),
        op => {
            return Err(oxblas::Error::InvalidArgument {
                op,
                message: "not benchmarked".into(),
            })
        }
    })
}

fn missing(op: Op) -> oxblas::Error {
    oxblas::Error::InvalidArgument {
        op,
        message: "factor input missing".into(),
    }
}
fn lu_of<T>(x: &Option<Lu<T>>) -> Result<&Lu<T>> {
    x.as_ref().ok_or_else(|| missing(Op::LuSolve))
}
fn chol_of<T>(x: &Option<Cholesky<T>>) -> Result<&Cholesky<T>> {
    x.as_ref().ok_or_else(|| missing(Op::CholeskySolve))
}
fn qr_of<T>(x: &Option<Qr<T>>) -> Result<&Qr<T>> {
    x.as_ref().ok_or_else(|| missing(Op::QrQ))
}

/// The part of a result that must agree across backends, as `f64`s:
/// everything for BLAS and unique results; the sign-free parts where a
/// decomposition is unique only up to signs (`|R|` of QR, eigenvalues,
/// singular values). `complex` marks interleaved (re, im) eigenvalues,
/// compared as sets.
pub struct Fingerprint {
    pub values: Vec<f64>,
    pub complex: bool,
}

fn mat_f64<T: Scalar>(m: &Mat<T>) -> Vec<f64> {
    m.as_slice().iter().map(|v| v.to_f64()).collect()
}

fn vec_f64<T: Scalar>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

fn abs_upper<T: Scalar>(f: &Mat<T>) -> Vec<f64> {
    let k = f.rows().min(f.cols());
    let mut v = Vec::new();
    for i in 0..k {
        for j in i..f.cols() {
            v.push(f[(i, j)].to_f64().abs());
        }
    }
    v
}

fn complex_f64<T: Scalar>(v: &[Complex<T>]) -> Fingerprint {
    Fingerprint {
        values: v
            .iter()
            .flat_map(|z| [z.re.to_f64(), z.im.to_f64()])
            .collect(),
        complex: true,
    }
}

pub fn fingerprint<T: Scalar>(out: &Out<T>, inp: &Inputs<T>) -> Fingerprint {
    let plain = |values| Fingerprint {
        values,
        complex: false,
    };
    match out {
        Out::InPlace => plain(match inp.op {
            Op::Axpy => vec_f64(&inp.y[0]),
            Op::Scal => vec_f64(&inp.x[0]),
            Op::Swap => {
                let mut v = vec_f64(&inp.x[0]);
                v.extend(vec_f64(&inp.y[0]));
                v
            }
            Op::Ger => mat_f64(&inp.a[0]),
            Op::GemmBatched => inp.batch[0].2.iter().flat_map(|m| mat_f64(m)).collect(),
            Op::Gemm | Op::Syrk | Op::Trsm | Op::Symm | Op::PairwiseDistances => mat_f64(&inp.c[0]),
            _ => vec_f64(&inp.out[0]),
        }),
        Out::Scalar(v) => plain(vec![v.to_f64()]),
        Out::Index(i) => plain(vec![i.map_or(-1.0, |i| i as f64)]),
        Out::Count(c) => plain(vec![*c as f64]),
        Out::Vec(v) => plain(vec_f64(v)),
        Out::Complex(v) => complex_f64(v),
        Out::Mat(m) => plain(mat_f64(m)),
        Out::Lu(lu) => {
            let mut v = mat_f64(&lu.factors);
            v.extend(lu.pivots.iter().map(|&p| p as f64));
            plain(v)
        }
        Out::Chol(c) => plain(mat_f64(&c.l)),
        Out::Qr(qr) => plain(abs_upper(&qr.factors)),
        Out::QrPivoted(p) => {
            let f = &p.qr.factors;
            plain(
                (0..f.rows().min(f.cols()))
                    .map(|i| f[(i, i)].to_f64().abs())
                    .collect(),
            )
        }
        Out::Eigh(e) => plain(vec_f64(&e.values)),
        Out::Eig(e) => complex_f64(&e.values),
        Out::Svd(s) => plain(vec_f64(&s.s)),
        Out::Lstsq(l) => plain(mat_f64(&l.solution)),
    }
}

/// The relative tolerance for comparing two backends' fingerprints of
/// `op` at size `n`: a rounding-error bound `c * n * eps` with a generous
/// constant, so only wrong results (not different rounding) fail.
pub fn tolerance(op: Op, n: usize, eps: f64) -> f64 {
    let n = n.max(1) as f64;
    match family(op) {
        Some(Family::Blas1 | Family::Blas2 | Family::Blas3) => 32.0 * n * eps,
        _ => match op {
            Op::Eig | Op::Eigvals => 10.0 * n.sqrt() * eps,
            _ => 1e3 * n * eps,
        },
    }
}

/// `None` if `got` agrees with `want` within `tol` (normwise relative;
/// eigenvalue sets matched greedily, each within `tol * scale`), else a
/// short description of the difference.
pub fn compare(want: &Fingerprint, got: &Fingerprint, tol: f64, scale: f64) -> Option<String> {
    if want.values.len() != got.values.len() {
        return Some(format!(
            "result sizes differ ({} vs {})",
            want.values.len(),
            got.values.len()
        ));
    }
    if want.complex {
        let pairs = |v: &[f64]| v.chunks(2).map(|c| (c[0], c[1])).collect::<Vec<_>>();
        let (w, mut g) = (pairs(&want.values), pairs(&got.values));
        let mut worst: f64 = 0.0;
        for (re, im) in w {
            let (k, d) = g
                .iter()
                .enumerate()
                .map(|(k, &(r2, i2))| (k, (re - r2).hypot(im - i2)))
                .fold(
                    (usize::MAX, f64::INFINITY),
                    |b, x| if x.1 < b.1 { x } else { b },
                );
            if k == usize::MAX {
                return Some("eigenvalue count differs".into());
            }
            worst = worst.max(d);
            g.swap_remove(k);
        }
        let bound = tol * scale.max(f64::MIN_POSITIVE);
        return (worst.is_nan() || worst > bound)
            .then(|| format!("eigenvalues differ by {worst:.3e} (allowed {bound:.3e})"));
    }
    let (mut diff, mut norm) = (0.0f64, 0.0f64);
    for (a, b) in want.values.iter().zip(&got.values) {
        if a == b {
            norm += a * a;
            continue;
        }
        diff += (a - b) * (a - b);
        norm += a * a;
    }
    let rel = diff.sqrt() / norm.sqrt().max(f64::MIN_POSITIVE);
    (rel.is_nan() || rel > tol).then(|| format!("relative difference {rel:.3e} > {tol:.3e}"))
}

/// Frobenius norm of the first input matrix (the scale for eigenvalue errors).
pub fn input_scale<T: Scalar>(inp: &Inputs<T>) -> f64 {
    inp.a
        .first()
        .map(|a| {
            a.as_slice()
                .iter()
                .map(|v| v.to_f64() * v.to_f64())
                .sum::<f64>()
                .sqrt()
        })
        .unwrap_or(1.0)
}
