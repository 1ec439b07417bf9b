//! No public function panics on hostile input: zero sizes, 1x1, mismatched
//! shapes in every argument position, non-square where square is needed,
//! NaN/Inf/huge/tiny values, singular and not-PD matrices, broadcast
//! (zero-stride) and negative-stride views, transposed outputs, mismatched
//! batches, hand-built malformed factors and bad tolerances. Every call runs
//! under `catch_unwind`; a test collects all panics and fails listing them.
//! Where an `Err` variant is documented, it is asserted too.

use std::panic::{catch_unwind, AssertUnwindSafe};

use oxblas_core::{
    Backend, Diag, Distance, Error, Mat, MatMut, MatRef, Norm, QrMode, Scalar, Side, SvdMode, Uplo,
    VecMut, VecRef,
};

/// Runs every probe, recording panics (with the probe's label) and failed
/// expectations, and fails at the end with the whole list.
struct Probe {
    ctx: String,
    failures: Vec<String>,
}

impl Probe {
    fn new(ctx: String) -> Self {
        Probe {
            ctx,
            failures: Vec::new(),
        }
    }

    /// Runs `f`; a panic is a failure. Returns `f`'s value if it returned.
    fn run<R>(&mut self, label: &str, f: impl FnOnce() -> R) -> Option<R> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => Some(r),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.failures
                    .push(format!("{}: {label} panicked: {msg}", self.ctx));
                None
            }
        }
    }

    /// Runs `f` and checks its result with `ok`.
    fn expect<R: core::fmt::Debug>(
        &mut self,
        label: &str,
        f: impl FnOnce() -> R,
        ok: impl FnOnce(&R) -> bool,
    ) {
        if let Some(r) = self.run(label, f) {
            if !ok(&r) {
                self.failures
                    .push(format!("{}: {label} returned {r:?}", self.ctx));
            }
        }
    }

    fn finish(self) {
        // The quiet panic hook also hides this assertion's message: print it.
        for f in &self.failures {
            println!("{f}");
        }
        assert!(
            self.failures.is_empty(),
            "{} failure(s):\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

fn ctx<B: Backend, T: Scalar>() -> String {
    format!("{}/{}", core::any::type_name::<B>(), T::DTYPE)
}

fn quiet() {
    // Panics are caught and reported by `Probe`; keep the log readable.
    std::panic::set_hook(Box::new(|_| {}));
}

// ------------------------------------------------------------------ inputs

/// Contents of a hostile input.
#[derive(Clone, Copy, Debug)]
enum Fill {
    Normal,
    Nan,
    Inf,
    Huge,
    Tiny,
    Zero,
}

fn value<T: Scalar>(fill: Fill, i: usize, j: usize) -> T {
    let base = 1.0 + ((i * 5 + j * 3) % 7) as f64 / 4.0 + if i == j { 4.0 } else { 0.0 };
    match fill {
        Fill::Normal => T::from_f64(base),
        Fill::Nan if i == j && i == 0 => T::from_f64(f64::NAN),
        Fill::Inf if i == 0 && j == 0 => T::from_f64(f64::INFINITY),
        Fill::Nan | Fill::Inf => T::from_f64(base),
        Fill::Huge => T::from_f64(base * 1e300),
        Fill::Tiny => T::from_f64(base * 1e-300),
        Fill::Zero => T::ZERO,
    }
}

/// How an input matrix is laid out in memory.
#[derive(Clone, Copy, Debug)]
enum Lay {
    RowMajor,
    Transposed,
    Broadcast,
    Reversed,
}

/// A stored matrix: its buffer and the view parameters.
#[derive(Debug)]
struct In<T> {
    data: Vec<T>,
    off: usize,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    label: String,
}

impl<T: Scalar> In<T> {
    fn new(rows: usize, cols: usize, fill: Fill, lay: Lay) -> Self {
        let label = format!("{rows}x{cols}/{fill:?}/{lay:?}");
        let m = Mat::<T>::from_fn(rows, cols, |i, j| value(fill, i, j));
        match lay {
            Lay::RowMajor => In {
                data: m.as_slice().to_vec(),
                off: 0,
                rows,
                cols,
                rs: cols as isize,
                cs: 1,
                label,
            },
            Lay::Transposed => {
                // Column-major storage of the same matrix.
                let t = m.as_ref().t().to_owned();
                In {
                    data: t.as_slice().to_vec(),
                    off: 0,
                    rows,
                    cols,
                    rs: 1,
                    cs: rows.max(1) as isize,
                    label,
                }
            }
            Lay::Broadcast => In {
                // Every row is row 0 (row stride 0).
                data: (0..cols).map(|j| value(fill, 0, j)).collect(),
                off: 0,
                rows,
                cols,
                rs: 0,
                cs: 1,
                label,
            },
            Lay::Reversed => {
                // Both strides negative: element (0, 0) is the last one stored.
                let len = rows * cols;
                In {
                    data: m.as_slice().iter().rev().copied().collect(),
                    off: len.saturating_sub(1),
                    rows,
                    cols,
                    rs: -(cols as isize),
                    cs: -1,
                    label,
                }
            }
        }
    }

    fn view(&self) -> MatRef<'_, T> {
        MatRef::from_parts(&self.data, self.off, self.rows, self.cols, self.rs, self.cs)
            .expect("test input layout")
    }

    fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
}

/// Every shape in `{0, 1, 2, 3}^2` plus 4x4 with normal contents, and the
/// 3x3, 3x2 and 2x3 shapes with every other contents and layout.
fn pool<T: Scalar>() -> Vec<In<T>> {
    let mut v = Vec::new();
    for r in 0..4 {
        for c in 0..4 {
            v.push(In::new(r, c, Fill::Normal, Lay::RowMajor));
        }
    }
    v.push(In::new(4, 4, Fill::Normal, Lay::RowMajor));
    for &(r, c) in &[(3, 3), (3, 2), (2, 3)] {
        for fill in [Fill::Nan, Fill::Inf, Fill::Huge, Fill::Tiny, Fill::Zero] {
            v.push(In::new(r, c, fill, Lay::RowMajor));
        }
        for lay in [Lay::Transposed, Lay::Broadcast, Lay::Reversed] {
            v.push(In::new(r, c, Fill::Normal, lay));
        }
    }
    v
}

/// How an output matrix is laid out.
#[derive(Clone, Copy, Debug)]
enum OutLay {
    RowMajor,
    Transposed,
    Reversed,
}

/// Calls `f` with a fresh `rows x cols` output of layout `lay` (NaN-filled).
fn with_out<T: Scalar, R>(
    rows: usize,
    cols: usize,
    lay: OutLay,
    f: impl FnOnce(MatMut<'_, T>) -> R,
) -> R {
    let mut buf = vec![T::from_f64(f64::NAN); rows * cols];
    let out = match lay {
        OutLay::RowMajor => MatMut::from_slice(&mut buf, rows, cols).expect("out"),
        OutLay::Transposed => MatMut::from_slice(&mut buf, cols, rows).expect("out").t(),
        OutLay::Reversed => MatMut::from_slice(&mut buf, rows, cols)
            .expect("out")
            .reverse_rows(),
    };
    f(out)
}

const OUT_LAYS: [OutLay; 3] = [OutLay::RowMajor, OutLay::Transposed, OutLay::Reversed];

/// Output shapes worth trying around the right shape `(r, c)`.
fn out_shapes(r: usize, c: usize) -> Vec<(usize, usize)> {
    vec![(r, c), (r + 1, c), (r, c + 1), (0, 0), (c, r)]
}

/// A stored vector.
struct VIn<T> {
    data: Vec<T>,
    off: usize,
    len: usize,
    stride: isize,
    label: String,
}

impl<T: Scalar> VIn<T> {
    fn new(len: usize, fill: Fill, stride: isize) -> Self {
        let label = format!("len{len}/{fill:?}/stride{stride}");
        let vals: Vec<T> = (0..len).map(|i| value(fill, i, 0)).collect();
        let (data, off) = match stride {
            0 => (vals.iter().take(1).copied().collect::<Vec<_>>(), 0),
            1 => (vals, 0),
            2 => {
                let mut d = vec![T::from_f64(f64::NAN); 2 * len];
                for (i, x) in vals.iter().enumerate() {
                    d[2 * i] = *x;
                }
                (d, 0)
            }
            _ => {
                let d: Vec<T> = vals.iter().rev().copied().collect();
                (d, len.saturating_sub(1))
            }
        };
        VIn {
            data,
            off,
            len,
            stride,
            label,
        }
    }

    fn view(&self) -> VecRef<'_, T> {
        VecRef::from_parts(&self.data, self.off, self.len, self.stride).expect("test vector")
    }
}

fn vpool<T: Scalar>() -> Vec<VIn<T>> {
    let mut v = Vec::new();
    for len in [0, 1, 3, 4] {
        v.push(VIn::new(len, Fill::Normal, 1));
    }
    for fill in [Fill::Nan, Fill::Inf, Fill::Huge, Fill::Tiny, Fill::Zero] {
        v.push(VIn::new(3, fill, 1));
    }
    for stride in [0, 2, -1] {
        v.push(VIn::new(3, Fill::Normal, stride));
        v.push(VIn::new(0, Fill::Normal, stride));
    }
    v
}

/// Calls `f` with a fresh output vector of length `len` and stride `stride`
/// (1, 2 or -1).
fn with_vout<T: Scalar, R>(len: usize, stride: isize, f: impl FnOnce(VecMut<'_, T>) -> R) -> R {
    let n = if stride == 2 { 2 * len } else { len };
    let mut buf = vec![T::ONE; n];
    let off = if stride < 0 { len.saturating_sub(1) } else { 0 };
    let v = VecMut::from_parts(&mut buf, off, len, stride).expect("out vector");
    f(v)
}

fn is_dim(r: &oxblas_core::Result<impl Sized>) -> bool {
    matches!(r, Err(Error::DimensionMismatch { .. }))
}

fn is_not_square(r: &oxblas_core::Result<impl Sized>) -> bool {
    matches!(r, Err(Error::NotSquare { .. }))
}

/// A non-square input to an operation that needs a square one: `NotSquare`,
/// or `NonFinite` when the backend checks the values first.
fn not_sq(r: &oxblas_core::Result<impl Sized>) -> bool {
    matches!(r, Err(Error::NotSquare { .. } | Error::NonFinite { .. }))
}

fn is_invalid(r: &oxblas_core::Result<impl Sized>) -> bool {
    matches!(r, Err(Error::InvalidArgument { .. }))
}

// ----------------------------------------------------------------- BLAS 1

fn blas1<B: Backend, T: Scalar>() {
    quiet();
    let mut p = Probe::new(ctx::<B, T>());
    let vs = vpool::<T>();
    let metrics = [
        Distance::Euclidean,
        Distance::SquaredEuclidean,
        Distance::Cosine,
        Distance::Manhattan,
    ];
    for x in &vs {
        let l = &x.label;
        p.run(&format!("nrm2({l})"), || B::nrm2(x.view()));
        p.run(&format!("asum({l})"), || B::asum(x.view()));
        p.expect(
            &format!("iamax({l})"),
            || B::iamax(x.view()),
            |r| match r {
                None => x.len == 0,
                Some(i) => *i < x.len,
            },
        );
        for s in [1, 2, -1] {
            p.run(&format!("scal({l}, stride {s})"), || {
                with_vout::<T, _>(x.len, s, |v| B::scal(T::from_f64(1e300), v))
            });
        }
        for y in &vs {
            let ly = &y.label;
            let same = x.len == y.len;
            let chk = |r: &oxblas_core::Result<T>| same || is_dim(r);
            p.expect(
                &format!("dot({l}, {ly})"),
                || B::dot(x.view(), y.view()),
                chk,
            );
            for m in metrics {
                p.expect(
                    &format!("distance({m:?}, {l}, {ly})"),
                    || B::distance(m, x.view(), y.view()),
                    |r| {
                        if !same {
                            return is_dim(r);
                        }
                        let zero = |v: &VIn<T>| v.view().iter().all(|&e| e == T::ZERO);
                        let finite = |v: &VIn<T>| v.view().iter().all(|e| e.is_finite());
                        // A zero (or empty) vector has no direction (the simd
                        // backend documents NaN when the other holds NaN/Inf).
                        if m == Distance::Cosine && (zero(x) || zero(y)) && finite(x) && finite(y) {
                            return is_invalid(r);
                        }
                        true
                    },
                );
            }
            for s in [1, 2, -1] {
                let lbl = format!("({l}, {ly}, out stride {s})");
                p.expect(
                    &format!("axpy{lbl}"),
                    || with_vout(y.len, s, |v| B::axpy(T::ONE, x.view(), v)),
                    |r| same || is_dim(r),
                );
                p.expect(
                    &format!("copy{lbl}"),
                    || with_vout(y.len, s, |v| B::copy(x.view(), v)),
                    |r| same || is_dim(r),
                );
                p.expect(
                    &format!("swap{lbl}"),
                    || {
                        with_vout(x.len, 1, |a| {
                            with_vout(y.len, s, |b: VecMut<'_, T>| B::swap(a, b))
                        })
                    },
                    |r| same || is_dim(r),
                );
                for out_len in [x.len, x.len + 1] {
                    let ok = same && out_len == x.len;
                    let lbl = format!("({l}, {ly}, out len {out_len} stride {s})");
                    p.expect(
                        &format!("add{lbl}"),
                        || with_vout(out_len, s, |o| B::add(x.view(), y.view(), o)),
                        |r| ok || is_dim(r),
                    );
                    p.expect(
                        &format!("sub{lbl}"),
                        || with_vout(out_len, s, |o| B::sub(x.view(), y.view(), o)),
                        |r| ok || is_dim(r),
                    );
                    p.expect(
                        &format!("hadamard{lbl}"),
                        || with_vout(out_len, s, |o| B::hadamard(x.view(), y.view(), o)),
                        |r| ok || is_dim(r),
                    );
                }
            }
        }
    }
    p.finish();
}

// ----------------------------------------------------------------- BLAS 2

fn blas2<B: Backend, T: Scalar>() {
    quiet();
    let mut p = Probe::new(ctx::<B, T>());
    let ms = pool::<T>();
    let vs = vpool::<T>();
    let uplos = [Uplo::Lower, Uplo::Upper];
    let diags = [Diag::Unit, Diag::NonUnit];
    for a in &ms {
        let (m, n) = a.shape();
        let la = &a.label;
        for x in &vs {
            let lx = &x.label;
            for ylen in [m, m + 1, n, 0] {
                for s in [1, -1] {
                    let ok = x.len == n && ylen == m;
                    p.expect(
                        &format!("gemv({la}, {lx}, y len {ylen} stride {s})"),
                        || with_vout(ylen, s, |y| B::gemv(T::ONE, a.view(), x.view(), T::ZERO, y)),
                        |r| ok || is_dim(r),
                    );
                    for uplo in uplos {
                        p.expect(
                            &format!("symv({uplo:?}, {la}, {lx}, y len {ylen} stride {s})"),
                            || {
                                with_vout(ylen, s, |y| {
                                    B::symv(uplo, T::ONE, a.view(), x.view(), T::ONE, y)
                                })
                            },
                            |r| {
                                if m != n {
                                    is_not_square(r) || is_dim(r)
                                } else {
                                    (x.len == n && ylen == n) || is_dim(r)
                                }
                            },
                        );
                    }
                }
            }
            for uplo in uplos {
                for diag in diags {
                    p.expect(
                        &format!("trsv({uplo:?}, {diag:?}, {la}, x len {})", x.len),
                        || with_vout(x.len, -1, |xv| B::trsv(uplo, diag, a.view(), xv)),
                        |r| {
                            if m != n {
                                is_not_square(r) || is_dim(r)
                            } else {
                                x.len == n || is_dim(r)
                            }
                        },
                    );
                }
            }
            for y in &vs {
                for lay in OUT_LAYS {
                    let ok = x.len == m && y.len == n;
                    p.expect(
                        &format!("ger({lx}, {}, into {la} {lay:?})", y.label),
                        || with_out(m, n, lay, |o| B::ger(T::ONE, x.view(), y.view(), o)),
                        |r| ok || is_dim(r),
                    );
                }
            }
        }
    }
    p.finish();
}

// ----------------------------------------------------------------- BLAS 3

fn blas3<B: Backend, T: Scalar>() {
    quiet();
    let mut p = Probe::new(ctx::<B, T>());
    let ms = pool::<T>();
    let uplos = [Uplo::Lower, Uplo::Upper];
    for a in &ms {
        let la = &a.label;
        let (m, k) = a.shape();
        for b in &ms {
            let lb = &b.label;
            let (k2, n) = b.shape();
            for (cr, cc) in out_shapes(m, n) {
                for lay in OUT_LAYS {
                    let ok = k == k2 && (cr, cc) == (m, n);
                    p.expect(
                        &format!("gemm({la}, {lb}, c {cr}x{cc} {lay:?})"),
                        || {
                            with_out(cr, cc, lay, |c| {
                                B::gemm(T::ONE, a.view(), b.view(), T::ZERO, c)
                            })
                        },
                        |r| ok || is_dim(r),
                    );
                }
            }
            // trsm / symm take the square one as `a`, `b` as the right side.
            for side in [Side::Left, Side::Right] {
                for uplo in uplos {
                    p.expect(
                        &format!("trsm({side:?}, {uplo:?}, {la}, b {lb})"),
                        || {
                            with_out(k2, n, OutLay::Transposed, |bm| {
                                B::trsm(side, uplo, Diag::NonUnit, T::ONE, a.view(), bm)
                            })
                        },
                        |r| {
                            let need = if side == Side::Left { k2 } else { n };
                            if m != k {
                                is_not_square(r) || is_dim(r)
                            } else {
                                m == need || is_dim(r)
                            }
                        },
                    );
                    for (cr, cc) in [(k2, n), (k2 + 1, n), (n, k2)] {
                        p.expect(
                            &format!("symm({side:?}, {uplo:?}, {la}, {lb}, c {cr}x{cc})"),
                            || {
                                with_out(cr, cc, OutLay::Reversed, |c| {
                                    B::symm(side, uplo, T::ONE, a.view(), b.view(), T::ZERO, c)
                                })
                            },
                            |r| {
                                let need = if side == Side::Left { k2 } else { n };
                                if m != k {
                                    is_not_square(r) || is_dim(r)
                                } else {
                                    (m == need && (cr, cc) == (k2, n)) || is_dim(r)
                                }
                            },
                        );
                    }
                }
            }
        }
        for uplo in uplos {
            for (cr, cc) in [(m, m), (m + 1, m + 1), (m, m + 1), (k, k)] {
                for lay in OUT_LAYS {
                    p.expect(
                        &format!("syrk({uplo:?}, {la}, c {cr}x{cc} {lay:?})"),
                        || with_out(cr, cc, lay, |c| B::syrk(uplo, T::ONE, a.view(), T::ONE, c)),
                        |r| (cr, cc) == (m, m) || r.is_err(),
                    );
                }
            }
        }
    }
    // Batches of mismatched lengths and mismatched members.
    let a = In::<T>::new(2, 3, Fill::Normal, Lay::RowMajor);
    let b = In::<T>::new(3, 2, Fill::Normal, Lay::Broadcast);
    let bad = In::<T>::new(2, 2, Fill::Nan, Lay::Reversed);
    for (na, nb, nc) in [
        (2, 2, 1),
        (1, 2, 2),
        (2, 1, 2),
        (0, 0, 0),
        (0, 1, 1),
        (3, 3, 3),
    ] {
        let av: Vec<MatRef<'_, T>> = (0..na).map(|_| a.view()).collect();
        let mut bv: Vec<MatRef<'_, T>> = (0..nb).map(|_| b.view()).collect();
        if nb == 3 {
            bv[2] = bad.view();
        }
        let mut bufs: Vec<Vec<T>> = (0..nc).map(|_| vec![T::ZERO; 4]).collect();
        let mut cv: Vec<MatMut<'_, T>> = bufs
            .iter_mut()
            .map(|d| MatMut::from_slice(d, 2, 2).expect("c"))
            .collect();
        let ok = na == nb && nb == nc && nb != 3;
        p.expect(
            &format!("gemm_batched({na}, {nb}, {nc})"),
            || B::gemm_batched(T::ONE, &av, &bv, T::ZERO, &mut cv),
            |r| if ok { r.is_ok() } else { r.is_err() },
        );
        if nb == 3 {
            // Checked before any C_i is written.
            let untouched = bufs.iter().all(|d| d.iter().all(|&x| x == T::ZERO));
            if !untouched {
                p.failures
                    .push(format!("{}: gemm_batched wrote C before failing", p.ctx));
            }
        }
    }
    p.finish();
}

// ------------------------------------------------------------ pairwise

fn pairwise<B: Backend, T: Scalar>() {
    quiet();
    let mut p = Probe::new(ctx::<B, T>());
    let ms = pool::<T>();
    for x in &ms {
        for y in &ms {
            for metric in [Distance::Euclidean, Distance::Cosine, Distance::Manhattan] {
                for (cr, cc) in out_shapes(x.rows, y.rows) {
                    let ok = x.cols == y.cols && (cr, cc) == (x.rows, y.rows);
                    p.expect(
                        &format!(
                            "pairwise({metric:?}, {}, {}, out {cr}x{cc})",
                            x.label, y.label
                        ),
                        || {
                            with_out(cr, cc, OutLay::Transposed, |o| {
                                B::pairwise_distances(metric, x.view(), y.view(), o)
                            })
                        },
                        |r| ok || r.is_err(),
                    );
                }
            }
        }
    }
    p.finish();
}

// ------------------------------------------------------------ LAPACK-level

fn unary<B: Backend, T: Scalar>() {
    quiet();
    let mut p = Probe::new(ctx::<B, T>());
    let ms = pool::<T>();
    for a in &ms {
        let la = &a.label;
        let sq = a.rows == a.cols;
        p.expect(
            &format!("lu({la})"),
            || B::lu(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("cholesky({la})"),
            || B::cholesky(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("eigh({la})"),
            || B::eigh(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("eigvalsh({la})"),
            || B::eigvalsh(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("eig({la})"),
            || B::eig(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("eigvals({la})"),
            || B::eigvals(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("inv({la})"),
            || B::inv(a.view()),
            |r| sq || not_sq(r),
        );
        p.expect(
            &format!("det({la})"),
            || B::det(a.view()),
            |r| sq || not_sq(r),
        );
        p.run(&format!("cond({la})"), || B::cond(a.view()));
        p.run(&format!("qr({la})"), || B::qr(a.view()));
        p.run(&format!("qr_pivoted({la})"), || B::qr_pivoted(a.view()));
        p.run(&format!("svd thin({la})"), || {
            B::svd(a.view(), SvdMode::Thin)
        });
        p.run(&format!("svd full({la})"), || {
            B::svd(a.view(), SvdMode::Full)
        });
        p.run(&format!("singular_values({la})"), || {
            B::singular_values(a.view())
        });
        for kind in [Norm::One, Norm::Inf, Norm::Fro, Norm::Spectral] {
            p.run(&format!("norm({kind:?}, {la})"), || B::norm(a.view(), kind));
        }
        for tol in [
            None,
            Some(0.0),
            Some(-1.0),
            Some(f64::NAN),
            Some(f64::INFINITY),
        ] {
            let bad = matches!(tol, Some(t) if !(t >= 0.0 && t.is_finite()));
            let t = tol.map(T::from_f64);
            p.expect(
                &format!("pinv({la}, {tol:?})"),
                || B::pinv(a.view(), t),
                |r| !bad || is_invalid(r),
            );
            p.expect(
                &format!("rank({la}, {tol:?})"),
                || B::rank(a.view(), t),
                |r| !bad || is_invalid(r),
            );
        }
        // Factor-based calls on factors of this input, with every right side.
        let lu = p.run(&format!("lu({la})"), || B::lu(a.view()));
        let ch = p.run(&format!("cholesky({la})"), || B::cholesky(a.view()));
        let qr = p.run(&format!("qr({la})"), || B::qr(a.view()));
        if let Some(Ok(qr)) = &qr {
            for mode in [QrMode::Reduced, QrMode::Complete] {
                p.run(&format!("qr_q({la}, {mode:?})"), || B::qr_q(qr, mode));
            }
        }
        for b in &ms {
            let lb = &b.label;
            let rhs = b.rows == a.rows;
            p.expect(
                &format!("solve({la}, {lb})"),
                || B::solve(a.view(), b.view()),
                |r| (rhs || r.is_err()) && (sq || not_sq(r)),
            );
            for tol in [None, Some(-1.0), Some(f64::NAN)] {
                let t = tol.map(T::from_f64);
                p.expect(
                    &format!("lstsq({la}, {lb}, {tol:?})"),
                    || B::lstsq(a.view(), b.view(), t),
                    |r| (rhs || r.is_err()) && (tol.is_none() || r.is_err()),
                );
            }
            if let Some(Ok(lu)) = &lu {
                p.expect(
                    &format!("lu_solve({la}, {lb})"),
                    || B::lu_solve(lu, b.view()),
                    |r| rhs || r.is_err(),
                );
            }
            if let Some(Ok(ch)) = &ch {
                p.expect(
                    &format!("cholesky_solve({la}, {lb})"),
                    || B::cholesky_solve(ch, b.view()),
                    |r| rhs || r.is_err(),
                );
            }
        }
    }
    p.finish();
}

/// Hand-built malformed factors passed to every method that takes them.
fn malformed<B: Backend, T: Scalar>() {
    quiet();
    let mut p = Probe::new(ctx::<B, T>());
    let m = |r: usize, c: usize| Mat::<T>::from_fn(r, c, |i, j| value(Fill::Normal, i, j));
    let lus = [
        ("3x2 factors", m(3, 2), vec![0, 1, 2]),
        ("2x3 factors", m(2, 3), vec![0, 1]),
        ("pivot out of range", m(3, 3), vec![5, 1, 2]),
        ("pivot below its row", m(3, 3), vec![0, 0, 2]),
        ("too few pivots", m(3, 3), vec![0]),
        ("too many pivots", m(3, 3), vec![0, 1, 2, 2]),
        ("0x0 with pivots", m(0, 0), vec![0]),
    ];
    for (what, factors, pivots) in lus {
        let lu = oxblas_core::Lu { factors, pivots };
        // Pivots below their row describe a valid permutation; the backends
        // accept them. Everything else must be an `Err`, whatever the rows of
        // the right-hand side.
        let valid_perm = what == "pivot below its row";
        for rows in [lu.factors.rows(), lu.factors.cols(), 3] {
            let b = m(rows, 2);
            p.expect(
                &format!("lu_solve(malformed LU: {what}, b {rows}x2)"),
                || B::lu_solve(&lu, b.as_ref()),
                |r| valid_perm || r.is_err(),
            );
        }
        p.run(&format!("Lu::det(malformed LU: {what})"), || lu.det());
        p.run(&format!("Lu::l/u(malformed LU: {what})"), || {
            (lu.l(), lu.u())
        });
        p.run(&format!("Lu::p(malformed LU: {what})"), || lu.p());
        p.run(&format!("Lu::permutation(malformed LU: {what})"), || {
            lu.permutation()
        });
        p.run(&format!("Lu::zero_pivot(malformed LU: {what})"), || {
            lu.zero_pivot()
        });
    }
    for (what, l) in [("3x2 L", m(3, 2)), ("2x3 L", m(2, 3))] {
        let c = oxblas_core::Cholesky { l };
        for rows in [c.l.rows(), c.l.cols()] {
            let b = m(rows, 2);
            p.expect(
                &format!("cholesky_solve(malformed: {what}, b {rows}x2)"),
                || B::cholesky_solve(&c, b.as_ref()),
                |r| r.is_err(),
            );
        }
        p.run(&format!("Cholesky::det(malformed: {what})"), || c.det());
    }
    let qrs = [
        ("tau too long", m(3, 2), vec![T::ONE; 5]),
        ("tau too short", m(3, 3), vec![]),
        ("0x0 with tau", m(0, 0), vec![T::ONE]),
        ("wide, tau too long", m(2, 3), vec![T::ONE; 3]),
    ];
    for (what, factors, tau) in qrs {
        let qr = oxblas_core::Qr { factors, tau };
        for mode in [QrMode::Reduced, QrMode::Complete] {
            p.expect(
                &format!("qr_q(malformed: {what}, {mode:?})"),
                || B::qr_q(&qr, mode),
                |r| r.is_err(),
            );
        }
        p.run(&format!("Qr::r(malformed: {what})"), || qr.r());
        let pq = oxblas_core::PivotedQr {
            qr: qr.clone(),
            perm: vec![7, 7],
        };
        for tol in [None, Some(T::from_f64(-1.0)), Some(T::from_f64(f64::NAN))] {
            p.run(&format!("PivotedQr::rank(malformed: {what})"), || {
                pq.rank(tol)
            });
        }
    }
    p.finish();
}

oxblas_suite::backend_tests!(blas1, blas2, blas3, pairwise, unary, malformed);

// ------------------------------------------------------- crate-root API

mod root {
    use super::*;
    use oxblas::MatExt;

    fn free_functions<T: Scalar>() {
        quiet();
        let mut p = Probe::new(format!("oxblas::*/{}", T::DTYPE));
        let ms = pool::<T>();
        let vs = vpool::<T>();
        for x in &vs {
            for y in &vs {
                let same = x.len == y.len;
                let (lx, ly) = (&x.label, &y.label);
                p.expect(
                    &format!("add({lx}, {ly})"),
                    || oxblas::add(x.view(), y.view()),
                    |r| same || is_dim(r),
                );
                p.expect(
                    &format!("sub({lx}, {ly})"),
                    || oxblas::sub(x.view(), y.view()),
                    |r| same || is_dim(r),
                );
                p.expect(
                    &format!("hadamard({lx}, {ly})"),
                    || oxblas::hadamard(x.view(), y.view()),
                    |r| same || is_dim(r),
                );
                p.run(&format!("add_into({lx}, {ly})"), || {
                    with_vout(y.len + 1, -1, |o| oxblas::add_into(x.view(), y.view(), o))
                });
                p.run(&format!("sub_into({lx}, {ly})"), || {
                    with_vout(y.len, 2, |o| oxblas::sub_into(x.view(), y.view(), o))
                });
                p.run(&format!("hadamard_into({lx}, {ly})"), || {
                    with_vout(x.len, 1, |o| oxblas::hadamard_into(x.view(), y.view(), o))
                });
            }
        }
        for a in &ms {
            let la = &a.label;
            for b in &ms {
                let lb = &b.label;
                p.expect(
                    &format!("matmul({la}, {lb})"),
                    || oxblas::matmul(a.view(), b.view()),
                    |r| a.cols == b.rows || is_dim(r),
                );
                p.run(&format!("pairwise_distances({la}, {lb})"), || {
                    oxblas::pairwise_distances(Distance::Cosine, a.view(), b.view())
                });
                p.run(&format!("solve({la}, {lb})"), || {
                    oxblas::solve(a.view(), b.view())
                });
                p.run(&format!("lstsq({la}, {lb})"), || {
                    oxblas::lstsq(a.view(), b.view())
                });
                p.expect(
                    &format!("lstsq_with({la}, {lb}, -1)"),
                    || oxblas::lstsq_with(a.view(), b.view(), T::from_f64(-1.0)),
                    |r| r.is_err(),
                );
            }
            let own = a.view().to_owned();
            p.run(&format!("MatExt on {la}"), || {
                let _ = own.matmul(own.as_ref());
                let _ = own.solve(own.as_ref());
                let _ = own.lstsq(own.as_ref());
                let _ = (own.inv(), own.det(), own.pinv(), own.rank(), own.cond());
                let _ = (own.norm(Norm::Spectral), own.norm(Norm::One));
                let _ = (own.svd(), own.eigh());
                if let Ok(lu) = own.lu() {
                    let _ = (lu.det(), lu.inverse(), lu.solve(own.as_ref()));
                }
                if let Ok(c) = own.cholesky() {
                    let _ = (c.det(), c.inverse(), c.solve(own.as_ref()), c.l().rows());
                }
                if let Ok(q) = own.qr() {
                    let _ = (
                        q.q(),
                        q.q_full(),
                        q.r(),
                        q.solve_least_squares(own.as_ref()),
                    );
                }
            });
            p.run(&format!("decompositions of {la}"), || {
                let _ = (oxblas::svd(a.view()), oxblas::svd_full(a.view()));
                let _ = (oxblas::eig(a.view()), oxblas::eigvals(a.view()));
                let _ = (
                    oxblas::eigvalsh(a.view()),
                    oxblas::singular_values(a.view()),
                );
                let _ = oxblas::qr_pivoted(a.view());
            });
            for tol in [-1.0, f64::NAN, f64::NEG_INFINITY] {
                let t = T::from_f64(tol);
                p.expect(
                    &format!("pinv_with({la}, {tol})"),
                    || oxblas::pinv_with(a.view(), t),
                    is_invalid,
                );
                p.expect(
                    &format!("rank_with({la}, {tol})"),
                    || oxblas::rank_with(a.view(), t),
                    is_invalid,
                );
            }
        }
        p.finish();
    }

    /// The wrapper types' methods on hand-built malformed factors.
    fn wrappers<T: Scalar>() {
        quiet();
        let mut p = Probe::new(format!("oxblas wrappers/{}", T::DTYPE));
        let m = |r: usize, c: usize| Mat::<T>::from_fn(r, c, |i, j| value(Fill::Normal, i, j));
        let b = m(3, 1);
        let lus = [
            (m(3, 2), vec![0, 1, 2]),
            (m(2, 3), vec![0, 1]),
            (m(3, 3), vec![9, 1, 2]),
            (m(3, 3), vec![]),
        ];
        for (i, (factors, pivots)) in lus.into_iter().enumerate() {
            let lu = oxblas::Lu::from_inner(oxblas_core::Lu { factors, pivots });
            p.expect(
                &format!("Lu::solve(malformed {i})"),
                || lu.solve(b.as_ref()),
                |r| r.is_err(),
            );
            p.expect(
                &format!("Lu::inverse(malformed {i})"),
                || lu.inverse(),
                is_invalid,
            );
            p.run(&format!("Lu::det(malformed {i})"), || lu.det());
        }
        for (i, l) in [m(3, 2), m(2, 3)].into_iter().enumerate() {
            let c = oxblas::Cholesky::from_inner(oxblas_core::Cholesky { l });
            p.expect(
                &format!("Cholesky::solve(malformed {i})"),
                || c.solve(b.as_ref()),
                |r| r.is_err(),
            );
            p.expect(
                &format!("Cholesky::inverse(malformed {i})"),
                || c.inverse(),
                |r| r.is_err(),
            );
            p.run(&format!("Cholesky::det(malformed {i})"), || c.det());
        }
        let qrs = [
            (m(3, 2), vec![T::ONE; 7]),
            (m(3, 3), vec![]),
            (m(2, 3), vec![T::ONE; 3]),
            (m(0, 0), vec![T::ONE]),
        ];
        for (i, (factors, tau)) in qrs.into_iter().enumerate() {
            let q = oxblas::Qr::from_inner(oxblas_core::Qr { factors, tau });
            p.expect(&format!("Qr::q(malformed {i})"), || q.q(), |r| r.is_err());
            p.expect(
                &format!("Qr::q_full(malformed {i})"),
                || q.q_full(),
                |r| r.is_err(),
            );
            p.run(&format!("Qr::r(malformed {i})"), || q.r());
            p.expect(
                &format!("Qr::solve_least_squares(malformed {i})"),
                || q.solve_least_squares(b.as_ref()),
                |r| r.is_err(),
            );
        }
        p.finish();
    }

    #[test]
    fn free_functions_f32() {
        free_functions::<f32>();
    }
    #[test]
    fn free_functions_f64() {
        free_functions::<f64>();
    }
    #[test]
    fn wrappers_f32() {
        wrappers::<f32>();
    }
    #[test]
    fn wrappers_f64() {
        wrappers::<f64>();
    }
}

// ------------------------------------------------------------ oxblas::ml

mod ml {
    use super::*;
    use oxblas::ml::{als, conv, data, linear, nn, pca, transform};

    fn probe<T: Scalar>() {
        quiet();
        let mut p = Probe::new(format!("oxblas::ml/{}", T::DTYPE));
        let ms = pool::<T>();
        let m = |r: usize, c: usize| Mat::<T>::from_fn(r, c, |i, j| value(Fill::Normal, i, j));
        // Linear models, PCA, randomized SVD, r2 on every pair of inputs.
        for x in &ms {
            let lx = &x.label;
            for k in [0, 1, 2, 5] {
                p.run(&format!("Pca::fit({lx}, {k})"), || {
                    if let Ok(pc) = pca::Pca::fit(x.view(), k) {
                        for z in &ms {
                            let _ = pc.transform(z.view());
                            let _ = pc.inverse_transform(z.view());
                        }
                    }
                });
                let solver = pca::PcaSolver::Randomized {
                    oversample: 0,
                    power_iters: 1,
                    seed: 7,
                };
                p.run(&format!("Pca::fit_with(randomized, {lx}, {k})"), || {
                    pca::Pca::fit_with(x.view(), k, solver)
                });
                p.run(&format!("randomized_svd({lx}, {k})"), || {
                    pca::randomized_svd(x.view(), k, 0, 2, 1)
                });
            }
            for y in &ms {
                let ly = &y.label;
                for icpt in [false, true] {
                    p.run(&format!("fit_ols({lx}, {ly}, {icpt})"), || {
                        let model = linear::fit_ols(x.view(), y.view(), icpt)?;
                        let _ = model.predict(y.view());
                        model.score(x.view(), y.view())
                    });
                    for lambda in [0.0, -1.0, f64::NAN, 1e300] {
                        p.run(&format!("fit_ridge({lx}, {ly}, {lambda}, {icpt})"), || {
                            linear::fit_ridge(x.view(), y.view(), T::from_f64(lambda), icpt)
                        });
                    }
                    let opts = linear::GdOptions {
                        learning_rate: Some(T::from_f64(-1.0)),
                        max_iter: 3,
                        tol: T::from_f64(f64::NAN),
                    };
                    p.run(&format!("fit_gd(bad opts, {lx}, {ly})"), || {
                        linear::fit_gd(x.view(), y.view(), icpt, opts)
                    });
                    let opts = linear::GdOptions {
                        max_iter: 3,
                        ..Default::default()
                    };
                    p.run(&format!("fit_gd({lx}, {ly})"), || {
                        linear::fit_gd(x.view(), y.view(), icpt, opts)
                    });
                }
                p.run(&format!("r2_score({lx}, {ly})"), || {
                    linear::r2_score(x.view(), y.view())
                });
            }
        }
        // A hand-built linear model whose coef and intercept disagree.
        let model = linear::LinearModel {
            coef: m(3, 2),
            intercept: vec![T::ONE; 5],
        };
        p.run("LinearModel::predict(malformed)", || {
            model.predict(m(4, 3).as_ref())
        });

        // Neural network pieces.
        let mut rng = data::Rng::new(3);
        for (i, o) in [(0, 0), (0, 3), (3, 0), (2, 2)] {
            let layer = nn::Dense::<T>::new(i, o, &mut rng);
            for x in &ms {
                p.run(&format!("Dense({i},{o})::forward({})", x.label), || {
                    layer.forward(x.view())
                });
                for g in &ms {
                    p.run(
                        &format!("Dense({i},{o})::backward({}, {})", x.label, g.label),
                        || layer.backward(x.view(), g.view()),
                    );
                }
            }
        }
        let mut bad = nn::Dense::<T>::new(2, 2, &mut rng);
        bad.b = vec![T::ONE; 5];
        p.run("Dense::forward(malformed bias)", || {
            bad.forward(m(3, 2).as_ref())
        });
        let grads = nn::DenseGrads {
            w: m(1, 1),
            b: vec![],
            x: m(0, 0),
        };
        p.run("Sgd::step(mismatched grads)", || {
            nn::Sgd { lr: T::ONE }.step(&mut bad, &grads)
        });
        for (r, c) in [(0, 0), (0, 3), (3, 0), (2, 2)] {
            let logits = m(r, c);
            for labels in [vec![], vec![0, 1], vec![9, 9], vec![0]] {
                p.run(
                    &format!("softmax_cross_entropy({r}x{c}, {labels:?})"),
                    || nn::softmax_cross_entropy(&logits, &labels),
                );
            }
            p.run(&format!("softmax_rows({r}x{c})"), || {
                let mut l = logits.clone();
                nn::softmax_rows(&mut l);
            });
        }
        p.run("activations(empty, NaN)", || {
            let mut v: Vec<T> = vec![];
            nn::relu(&mut v);
            nn::sigmoid(&mut v);
            nn::tanh(&mut v);
            let mut w = vec![T::from_f64(f64::NAN), T::from_f64(f64::INFINITY)];
            nn::sigmoid(&mut w);
            nn::relu_backward(&v, &mut w)
        });
        for sizes in [vec![], vec![3], vec![3, 0], vec![2, 3, 2]] {
            p.run(&format!("Mlp::new({sizes:?})"), || {
                let mut net = nn::Mlp::<T>::new(&sizes, 1)?;
                for x in &ms {
                    let _ = net.forward(x.view());
                    let _ = net.predict(x.view());
                    for labels in [vec![], vec![0, 1, 5], vec![0; x.rows]] {
                        let _ = net.accuracy(x.view(), &labels);
                        let _ = net.train_step(x.view(), &labels, nn::Sgd { lr: T::ONE });
                    }
                }
                Ok::<(), Error>(())
            });
        }
        let empty_net = nn::Mlp::<T> { layers: vec![] };
        for x in &ms {
            p.run(&format!("Mlp(no layers)::predict({})", x.label), || {
                empty_net.predict(x.view())
            });
        }
        let cell = nn::ElmanCell {
            w_xh: m(2, 3),
            w_hh: m(3, 2),
            b: vec![T::ONE; 3],
        };
        p.run("ElmanCell(malformed)::step", || {
            cell.step(&[T::ONE; 2], &[T::ONE; 3])
        });
        p.run("ElmanCell(malformed)::forward_sequence", || {
            cell.forward_sequence(m(4, 2).as_ref(), &[T::ONE; 3])
        });

        // Convolutions: zero sizes, kernel larger than input, zero stride,
        // channel mismatch, bias of the wrong length.
        let shapes = [[0, 0, 0, 0], [1, 1, 3, 3], [1, 2, 3, 3], [2, 1, 1, 1]];
        let kernels = [
            [0, 0, 0, 0],
            [1, 1, 2, 2],
            [1, 2, 5, 5],
            [2, 1, 1, 1],
            [1, 1, 0, 3],
        ];
        for s in shapes {
            let input = conv::Tensor4::<T>::from_fn(s, |a, b, c, d| T::from_usize(a + b + c + d));
            for k in kernels {
                let w = conv::Tensor4::<T>::from_fn(k, |_, _, _, _| T::ONE);
                for stride in [(0, 0), (1, 1), (5, 1)] {
                    for padding in [(0, 0), (2, 0)] {
                        let params = conv::Conv2dParams { stride, padding };
                        for bias in [None, Some(vec![T::ONE; 7])] {
                            let lbl = format!("conv2d({s:?}, {k:?}, {params:?}, {bias:?})");
                            let b = bias.as_deref();
                            p.run(&lbl, || {
                                let _ = conv::conv2d_output_shape(&input, &w, params);
                                let _ = conv::conv2d_direct(&input, &w, b, params);
                                let _ = conv::conv2d_im2col(&input, &w, b, params);
                                let _ = conv::conv2d_fft(&input, &w, b, params);
                            });
                        }
                    }
                }
            }
        }
        p.run("Tensor4::new(wrong length)", || {
            conv::Tensor4::new([2, 2, 2, 2], vec![T::ONE])
        });

        // ALS with out-of-range ids, rank 0, NaN ratings, no ratings.
        let ratings: Vec<als::Rating<T>> = vec![
            (0, 0, T::ONE),
            (1, 2, T::from_f64(f64::NAN)),
            (9, 0, T::ONE),
        ];
        for (users, items) in [(0, 0), (2, 3), (10, 10)] {
            for rank in [0, 2] {
                for lambda in [-1.0, 0.0, 0.1] {
                    let opts = als::AlsOptions {
                        rank,
                        lambda: T::from_f64(lambda),
                        iterations: 2,
                        seed: 1,
                    };
                    for set in [&ratings[..], &ratings[..1], &[]] {
                        p.run(
                            &format!("als_fit({users}, {items}, {rank}, {lambda}, {set:?})"),
                            || {
                                let model = als::als_fit(set, users, items, opts)?;
                                let _ = model.predict(99, 99);
                                model.rmse(&ratings)
                            },
                        );
                    }
                }
            }
        }
        p.run("constant_rmse(empty)", || {
            als::constant_rmse::<T>(&[], T::ONE)
        });

        // Affine maps and CSV parsing.
        p.run("Affine", || {
            let _ = transform::Affine::<T>::identity(0);
            let _ = transform::Affine::<T>::scaling(&[]);
            let _ = transform::Affine::<T>::translation(&[T::ONE; 4]);
            let _ = transform::Affine::rotation_3d([T::ZERO; 3], T::ONE);
            let _ = transform::Affine::rotation_3d([T::from_f64(f64::NAN); 3], T::ONE);
            let a2 = transform::Affine::rotation_2d(T::from_f64(f64::NAN));
            let a3 = transform::Affine::<T>::identity(3)?;
            let _ = a2.then(&a3);
            for x in &ms {
                let _ = a2.apply(x.view());
                let _ = a3.apply(x.view());
            }
            Ok::<(), Error>(())
        });
        for text in [
            "",
            "\n\n",
            "1,2\n3",
            "a,b\n1,2",
            "1;2\n3;4",
            "1,,2",
            "nan,inf\n1,2",
            ",",
        ] {
            for sep in [None, Some(','), Some(';'), Some('\n')] {
                for skip in [0, 1, 99] {
                    p.run(&format!("parse_csv({text:?}, {sep:?}, {skip})"), || {
                        data::parse_csv::<T>(text, sep, skip)
                    });
                }
            }
        }
        p.run("Rng edge cases", || {
            let mut r = data::Rng::new(0);
            let _ = (r.below(0), r.normal_mat::<T>(0, 3, f64::NAN));
            r.shuffle::<u8>(&mut []);
        });
        p.finish();
    }

    #[test]
    fn ml_f32() {
        probe::<f32>();
    }
    #[test]
    fn ml_f64() {
        probe::<f64>();
    }
}
