//! Tests of the gemm paths against a naive triple loop, with a residual
//! bound `|C - C_ref| <= 4 (k + 2) eps (|alpha| |A||B| + |beta| |C0|)` entrywise.
//!
//! The portable kernels are tested on their own through [`gemm_with`] /
//! [`packed`] with `Isa::Portable`, whatever the machine has.
//!
//! Tests that start rayon threads are named `threaded_*`, so that Miri can
//! run them apart with Tree Borrows: rayon's crossbeam-epoch breaks Stacked
//! Borrows, Miri's default (crossbeam-rs/crossbeam#545), in code of its own.

use super::*;
use oxblas_core::{Error, Mat};

/// Deterministic pseudo-random numbers in [-1, 1) (no test dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// How a test operand is laid out in memory.
#[derive(Clone, Copy, Debug)]
enum Layout {
    RowMajor,
    ColMajor,
    /// Row-major with padded rows (row stride > cols).
    Padded,
    /// Row-major with both strides negated (rows and columns reversed).
    Reversed,
    /// Stored transposed (as `cols x rows`) and viewed through `.t()`.
    Transposed,
}

const LAYOUTS: [Layout; 5] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Padded,
    Layout::Reversed,
    Layout::Transposed,
];

/// A buffer plus the view parameters that realise `layout` for `rows x cols`.
struct Operand<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
    offset: usize,
    rs: isize,
    cs: isize,
}

impl<T: Scalar> Operand<T> {
    fn new(rows: usize, cols: usize, layout: Layout, rng: &mut Lcg) -> Self {
        let (r, c) = (rows as isize, cols as isize);
        let (len, offset, rs, cs) = match layout {
            Layout::RowMajor => (rows * cols, 0, c, 1),
            Layout::ColMajor => (rows * cols, 0, 1, r),
            Layout::Padded => (rows * (cols + 3), 0, c + 3, 1),
            Layout::Reversed if rows * cols > 0 => (rows * cols, rows * cols - 1, -c, -1),
            Layout::Reversed => (0, 0, c, 1),
            // Stored as a row-major cols x rows matrix; the view is its transpose.
            Layout::Transposed => (rows * cols, 0, 1, r),
        };
        let data = (0..len).map(|_| T::from_f64(rng.next())).collect();
        Operand {
            data,
            rows,
            cols,
            offset,
            rs,
            cs,
        }
    }
    fn view(&self) -> MatRef<'_, T> {
        MatRef::from_parts(
            &self.data,
            self.offset,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .expect("test layout in bounds")
    }
    fn view_mut(&mut self) -> MatMut<'_, T> {
        MatMut::from_parts(
            &mut self.data,
            self.offset,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .expect("test layout in bounds")
    }
}

/// Naive `alpha A B + beta C0` and the entrywise error bound.
fn reference<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c0: &Mat<T>,
) -> (Mat<f64>, Mat<f64>) {
    let (m, n, k) = (a.rows(), b.cols(), a.cols());
    let eps = T::EPSILON.to_f64();
    let mut out = Mat::zeros(m, n);
    let mut bound = Mat::zeros(m, n);
    for i in 0..m {
        for j in 0..n {
            let (mut s, mut sa) = (0.0f64, 0.0f64);
            for p in 0..k {
                let x = a[(i, p)].to_f64() * b[(p, j)].to_f64();
                s += x;
                sa += x.abs();
            }
            let (al, be) = (alpha.to_f64(), beta.to_f64());
            let old = c0[(i, j)].to_f64();
            out[(i, j)] = al * s + if be == 0.0 { 0.0 } else { be * old };
            let mag = al.abs() * sa + if be == 0.0 { 0.0 } else { be.abs() * old.abs() };
            bound[(i, j)] = 4.0 * (k as f64 + 2.0) * eps * mag + f64::MIN_POSITIVE;
        }
    }
    (out, bound)
}

/// A gemm implementation under test.
type Runner<'r, T> = &'r dyn Fn(T, MatRef<'_, T>, MatRef<'_, T>, T, MatMut<'_, T>);

/// Runs one product through `run` and checks it against the reference.
#[allow(clippy::too_many_arguments)]
fn check_one<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    layouts: (Layout, Layout, Layout),
    alpha: f64,
    beta: f64,
    nan_c: bool,
    run: Runner<'_, T>,
) {
    let mut rng = Lcg((m * 1_000_003 + n * 1009 + k) as u64);
    let a = Operand::<T>::new(m, k, layouts.0, &mut rng);
    let b = Operand::<T>::new(k, n, layouts.1, &mut rng);
    let mut c = Operand::<T>::new(m, n, layouts.2, &mut rng);
    if nan_c {
        c.data.iter_mut().for_each(|x| *x = T::NAN);
    }
    let c0 = c.view().to_owned();
    let (alpha, beta) = (T::from_f64(alpha), T::from_f64(beta));
    let (want, bound) = reference(alpha, a.view(), b.view(), beta, &c0);
    run(alpha, a.view(), b.view(), beta, c.view_mut());
    let got = c.view();
    for i in 0..m {
        for j in 0..n {
            let err = (got[(i, j)].to_f64() - want[(i, j)]).abs();
            assert!(
                err <= bound[(i, j)],
                "{} m={m} n={n} k={k} {layouts:?} alpha={alpha} beta={beta} at ({i},{j}): \
                 got {} want {} (bound {})",
                T::DTYPE,
                got[(i, j)],
                want[(i, j)],
                bound[(i, j)]
            );
        }
    }
}

/// `full`, or `miri` under Miri: the interpreter manages a few thousand
/// multiply-adds per second here, so there every list shrinks to sizes that
/// still hit each edge case (under Miri the portable kernel's blocking is
/// KC = 64, MC = 24, NC = 32 for f64 and 96, 32, 40 for f32: see
/// `blocking.rs`).
fn pick<U>(full: &'static [U], miri: &'static [U]) -> &'static [U] {
    if cfg!(miri) {
        miri
    } else {
        full
    }
}

fn all_isas() -> Vec<Isa> {
    let mut v = vec![Isa::Portable];
    if isa() != Isa::Portable {
        v.push(isa());
    }
    v
}

/// The kernel (name, MR, NR) the packed driver runs for `T` with `isa`,
/// read back from the driver itself after a small product.
fn kernel_used<T: Scalar>(isa: Isa) -> (&'static str, usize, usize) {
    LAST_KERNEL.with(|last| last.set(("", 0, 0)));
    let a = Mat::<T>::from_fn(3, 2, |i, j| T::from_f64((i + j) as f64));
    let b = Mat::<T>::from_fn(2, 3, |i, j| T::from_f64((i * j) as f64));
    let mut c = Mat::<T>::zeros(3, 3);
    packed(isa, T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut(), 1);
    LAST_KERNEL.with(|last| last.get())
}

fn public<T: Scalar>(par: Par) -> impl Fn(T, MatRef<'_, T>, MatRef<'_, T>, T, MatMut<'_, T>) {
    move |al, a, b, be, c| gemm(al, a, b, be, c, par).expect("valid shapes")
}

/// Every m, n from 1 to twice the register tile of the kernel in use (at
/// least 12 x 32), straight through the packed kernels (bypassing the small
/// path), so every edge tile is hit; and every k up to 32 on tiles one past
/// the register tile.
fn packed_edges<T: Scalar>() {
    for isa in all_isas() {
        let run = move |al: T, a: MatRef<'_, T>, b: MatRef<'_, T>, be: T, c: MatMut<'_, T>| {
            packed(isa, al, a, b, be, c, 1)
        };
        let (_, mr, nr) = kernel_used::<T>(isa);
        let (ms, ns): (Vec<usize>, Vec<usize>) = if cfg!(miri) {
            (vec![1, 3, 4, 5, 8, 9], vec![1, 3, 4, 5, 8, 9, 17])
        } else {
            (
                (1..=(2 * mr).max(12)).collect(),
                (1..=(2 * nr).max(32)).collect(),
            )
        };
        for &m in &ms {
            for &n in &ns {
                for &k in pick(&[1, 2, 3, 5, 8, 13], &[1, 5]) {
                    let l = (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor);
                    check_one::<T>(m, n, k, l, 1.5, -0.5, false, &run);
                }
            }
        }
        let kmax = if cfg!(miri) { 9 } else { 32 };
        for k in 1..=kmax {
            let l = (Layout::ColMajor, Layout::Padded, Layout::RowMajor);
            check_one::<T>(7, 9, k, l, 1.0, 0.0, false, &run);
            if !cfg!(miri) && (mr + 1, nr + 1) != (7, 9) {
                check_one::<T>(mr + 1, nr + 1, k, l, 1.0, 0.0, false, &run);
            }
        }
    }
}

#[test]
fn packed_edge_tiles_f64() {
    packed_edges::<f64>();
}

#[test]
fn packed_edge_tiles_f32() {
    packed_edges::<f32>();
}

/// The public entry on every layout combination (all four transpose
/// combinations, negative and padded strides), small and packed sizes.
fn layouts_and_sizes<T: Scalar>() {
    for isa in all_isas() {
        let run = move |al: T, a: MatRef<'_, T>, b: MatRef<'_, T>, be: T, c: MatMut<'_, T>| {
            gemm_with(isa, al, a, b, be, c, Par::Seq)
        };
        let sizes = pick(
            &[
                (1, 1, 1),
                (4, 4, 4),
                (8, 8, 8),
                (16, 16, 16),
                (17, 5, 33),
                (37, 41, 29),
                (40, 1, 70),
                (1, 40, 70),
                (33, 1, 7),
                (1, 1, 300),
            ],
            // Small path, packed path, n == 1 and m == 1 (matrix-vector).
            &[(2, 3, 4), (17, 5, 3), (3, 1, 20), (1, 3, 20)],
        );
        for &(m, n, k) in sizes {
            for la in LAYOUTS {
                for lb in LAYOUTS {
                    for lc in [Layout::RowMajor, Layout::ColMajor, Layout::Reversed] {
                        check_one::<T>(m, n, k, (la, lb, lc), 2.5, 1.0, false, &run);
                    }
                }
            }
        }
    }
}

#[test]
fn layouts_f64() {
    layouts_and_sizes::<f64>();
}

#[test]
fn layouts_f32() {
    layouts_and_sizes::<f32>();
}

/// Sizes around the block sizes KC = 384, MC = 126 (f64) / 252 (f32), and primes.
fn block_boundaries<T: Scalar>() {
    let l = (Layout::RowMajor, Layout::Transposed, Layout::RowMajor);
    for isa in all_isas() {
        let run = move |al: T, a: MatRef<'_, T>, b: MatRef<'_, T>, be: T, c: MatMut<'_, T>| {
            gemm_with(isa, al, a, b, be, c, Par::Seq)
        };
        let sizes = pick(
            &[
                (127, 127, 127),
                (257, 31, 257),
                (125, 20, 255),
                (126, 17, 384),
                (127, 33, 385),
                (7, 9, 769),
                (253, 9, 20),
                (260, 40, 30),
                (5, 4081, 3),
                (19, 200, 300),
            ],
            // Across MC = 24 / 32, KC = 64 / 96 and NC = 32 / 40 (f64 / f32).
            &[
                (25, 5, 9),
                (5, 33, 3),
                (5, 4, 65),
                (26, 34, 3),
                (49, 3, 2),
                (33, 41, 3),
                (5, 4, 97),
            ],
        );
        for &(m, n, k) in sizes {
            check_one::<T>(m, n, k, l, -1.0, 2.5, false, &run);
        }
        if cfg!(miri) {
            // The list above already straddles Miri's tiny blocks.
            continue;
        }
        // Straddles of the blocks of the kernel in use on this machine
        // (on aarch64 the NEON f32 kernel has KC = 512, MC = 192 here).
        let (_, mr, nr) = kernel_used::<T>(isa);
        let blk = Blocking::new(mr, nr, core::mem::size_of::<T>(), caches());
        let (kc, mc, nc) = (blk.kc, blk.mc, blk.nc);
        for (m, n, k) in [
            (mc - 1, nr + 1, kc + 1),
            (mc, 2 * nr - 1, kc),
            (mc + 1, 13, kc - 1),
            (2 * mc + mr - 1, 9, 2 * kc + 1),
            (mr + 1, nc + 1, 5),
            (mr - 1, nc - 1, 3),
        ] {
            check_one::<T>(m, n, k, l, -1.0, 2.5, false, &run);
        }
    }
}

#[test]
fn block_boundaries_f64() {
    block_boundaries::<f64>();
}

#[test]
fn block_boundaries_f32() {
    block_boundaries::<f32>();
}

/// alpha/beta special values; beta == 0 must not read C (NaN-filled here).
fn special_scalars<T: Scalar>() {
    let l = (Layout::RowMajor, Layout::RowMajor, Layout::Padded);
    for &(m, n, k) in pick(
        &[(3, 5, 7), (16, 16, 16), (40, 50, 60)],
        &[(3, 5, 7), (17, 6, 5)],
    ) {
        for alpha in [0.0, 1.0, -1.0, 2.5] {
            for beta in [0.0, 1.0, -1.0, 2.5] {
                check_one::<T>(m, n, k, l, alpha, beta, false, &public::<T>(Par::Seq));
            }
            check_one::<T>(m, n, k, l, alpha, 0.0, true, &public::<T>(Par::Seq));
        }
    }
    // k == 0: C = beta C, and NaN-free zero for beta == 0.
    check_one::<T>(4, 5, 0, l, 2.0, 0.0, true, &public::<T>(Par::Seq));
    check_one::<T>(4, 5, 0, l, 2.0, 3.0, false, &public::<T>(Par::Seq));
}

#[test]
fn special_scalars_f64() {
    special_scalars::<f64>();
}

#[test]
fn special_scalars_f32() {
    special_scalars::<f32>();
}

#[test]
fn threaded_beta_zero_overwrites_nan_in_every_path() {
    for &(m, n, k) in pick(
        &[(2, 3, 4), (50, 60, 70), (200, 150, 100)],
        &[(2, 3, 4), (20, 17, 9)],
    ) {
        let l = (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor);
        check_one::<f64>(m, n, k, l, 1.0, 0.0, true, &public::<f64>(Par::Rayon(2)));
        check_one::<f32>(m, n, k, l, 1.0, 0.0, true, &public::<f32>(Par::Rayon(2)));
    }
}

/// Products above the threading threshold, split over rows and over columns.
#[test]
fn threaded_two_threads_match_reference() {
    for &(m, n, k) in pick(
        &[(200, 130, 120), (100, 300, 90), (301, 97, 64)],
        &[(20, 13, 12), (10, 30, 9), (31, 9, 6)],
    ) {
        for lc in [Layout::RowMajor, Layout::ColMajor] {
            let l = (Layout::RowMajor, Layout::ColMajor, lc);
            check_one::<f64>(m, n, k, l, 1.0, 0.5, false, &public::<f64>(Par::Rayon(2)));
            check_one::<f32>(m, n, k, l, 1.0, 0.5, false, &public::<f32>(Par::Rayon(2)));
        }
    }
}

/// The threaded driver (shared packed B, rows split) for both kernels and
/// part counts that do and do not divide the rows evenly.
#[test]
fn threaded_driver_with_shared_b() {
    for isa in all_isas() {
        for threads in [2, 3] {
            let run64 =
                move |al, a: MatRef<'_, f64>, b: MatRef<'_, f64>, be, c: MatMut<'_, f64>| {
                    packed(isa, al, a, b, be, c, threads)
                };
            let run32 =
                move |al, a: MatRef<'_, f32>, b: MatRef<'_, f32>, be, c: MatMut<'_, f32>| {
                    packed(isa, al, a, b, be, c, threads)
                };
            for &(m, n, k) in pick(
                &[(200, 50, 70), (97, 130, 400), (301, 9, 33)],
                &[(20, 5, 7), (19, 5, 66), (31, 9, 3)],
            ) {
                let l = (Layout::RowMajor, Layout::ColMajor, Layout::Padded);
                check_one::<f64>(m, n, k, l, 1.0, 0.5, false, &run64);
                check_one::<f32>(m, n, k, l, -2.0, 0.0, true, &run32);
            }
        }
    }
}

#[test]
fn nan_and_inf_in_inputs_propagate() {
    let mut a = Mat::<f64>::from_fn(20, 20, |i, j| (i + j) as f64);
    a[(3, 4)] = f64::NAN;
    a[(5, 6)] = f64::INFINITY;
    let b = Mat::<f64>::from_fn(20, 20, |i, j| if i == j { 1.0 } else { 0.0 });
    let mut c = Mat::<f64>::zeros(20, 20);
    gemm(1.0, a.as_ref(), b.as_ref(), 0.0, c.as_mut(), Par::Seq).unwrap();
    assert!(c[(3, 4)].is_nan());
    assert_eq!(c[(5, 6)], f64::INFINITY);
    assert_eq!(c[(7, 8)], 15.0);
}

#[test]
fn shape_errors() {
    let a = Mat::<f64>::zeros(3, 4);
    let b = Mat::<f64>::zeros(5, 2);
    let mut c = Mat::<f64>::zeros(3, 2);
    let e = gemm(1.0, a.as_ref(), b.as_ref(), 0.0, c.as_mut(), Par::Seq);
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch { op: Op::Gemm, .. })
    ));
    let b = Mat::<f64>::zeros(4, 2);
    let mut c = Mat::<f64>::zeros(2, 3);
    let e = gemm(1.0, a.as_ref(), b.as_ref(), 0.0, c.as_mut(), Par::Seq);
    assert!(matches!(
        e,
        Err(Error::DimensionMismatch { op: Op::Gemm, .. })
    ));
}

#[test]
fn empty_shapes_are_fine() {
    let a = Mat::<f32>::zeros(0, 3);
    let b = Mat::<f32>::zeros(3, 4);
    let mut c = Mat::<f32>::zeros(0, 4);
    gemm(1.0, a.as_ref(), b.as_ref(), 0.0, c.as_mut(), Par::Seq).unwrap();
    assert_eq!(c.shape(), (0, 4));
}

#[test]
fn arch_name_names_the_detected_level() {
    let name = arch_name();
    match isa() {
        Isa::Avx2Fma => assert!(name.contains("AVX2")),
        Isa::Neon => assert!(name.contains("NEON")),
        Isa::Portable => assert!(name.contains("portable")),
    }
}

/// The register-blocked kernel of the target is the one that runs, through
/// the public entry and the packed driver, so that a silent fallback to the
/// portable kernel fails here (on aarch64: NEON 6x8 f64 / 8x12 f32).
#[test]
fn selected_kernel_is_the_targets_register_blocked_one() {
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    assert_eq!(isa(), Isa::Neon);
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    assert_eq!(isa() == Isa::Avx2Fma, pulp::x86::V3::is_available());
    let (want64, want32) = match isa() {
        Isa::Neon => (("neon f64 6x8", 6, 8), ("neon f32 8x12", 8, 12)),
        Isa::Avx2Fma => (("avx2 f64 6x8", 6, 8), ("avx2 f32 6x16", 6, 16)),
        Isa::Portable => (("portable", 4, 4), ("portable", 4, 4)),
    };
    assert_eq!(kernel_used::<f64>(isa()), want64);
    assert_eq!(kernel_used::<f32>(isa()), want32);
    assert_eq!(kernel_used::<f64>(Isa::Portable), ("portable", 4, 4));
    // The public entry on a product past the small path.
    let (m, n, k) = if cfg!(miri) {
        (9, 18, 17)
    } else {
        (40, 50, 30)
    };
    LAST_KERNEL.with(|last| last.set(("", 0, 0)));
    check_one::<f64>(
        m,
        n,
        k,
        (Layout::RowMajor, Layout::ColMajor, Layout::RowMajor),
        1.0,
        0.0,
        false,
        &public::<f64>(Par::Seq),
    );
    assert_eq!(LAST_KERNEL.with(|last| last.get()), want64);
    check_one::<f32>(
        m,
        n,
        k,
        (Layout::RowMajor, Layout::ColMajor, Layout::RowMajor),
        1.0,
        0.0,
        false,
        &public::<f32>(Par::Seq),
    );
    assert_eq!(LAST_KERNEL.with(|last| last.get()), want32);
}

#[test]
fn threaded_inside_a_rayon_worker_calls_stay_sequential_and_correct() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        assert_eq!(crate::current_par(), Par::Seq);
        let l = (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor);
        let (m, n, k) = if cfg!(miri) {
            (15, 14, 13)
        } else {
            (150, 140, 130)
        };
        check_one::<f64>(m, n, k, l, 1.0, 0.0, true, &public::<f64>(Par::Rayon(2)));
    });
}

/// The triangle-restricted driver behind syrk, for both kernels: the
/// triangle matches the reference and the other triangle is never written.
#[test]
fn syrk_driver_writes_exactly_its_triangle() {
    for isa in all_isas() {
        for uplo in [Uplo::Lower, Uplo::Upper] {
            for &(n, k) in pick(
                &[(1, 3), (13, 5), (37, 23), (130, 17)],
                &[(1, 3), (13, 5), (26, 3)],
            ) {
                let mut rng = Lcg((n * 3 + k) as u64);
                let a = Operand::<f64>::new(n, k, Layout::Padded, &mut rng);
                let mut c = Mat::<f64>::filled(n, n, -7.0);
                syrk_with(isa, uplo, 1.5, a.view(), 0.0, c.as_mut(), Par::Seq);
                let (want, bound) = reference(1.5, a.view(), a.view().t(), 0.0, &c);
                for i in 0..n {
                    for j in 0..n {
                        let inside = if uplo == Uplo::Lower { j <= i } else { j >= i };
                        if inside {
                            assert!((c[(i, j)] - want[(i, j)]).abs() <= bound[(i, j)]);
                        } else {
                            assert_eq!(c[(i, j)], -7.0, "{isa:?} {uplo:?} n={n} ({i},{j})");
                        }
                    }
                }
            }
        }
    }
}

/// Every m and n the small path takes, with B read in place (row-major)
/// and gathered (column-major), for both instruction sets.
#[test]
fn small_path_every_shape() {
    for isa in all_isas() {
        let run64 = move |al, a: MatRef<'_, f64>, b: MatRef<'_, f64>, be, c: MatMut<'_, f64>| {
            gemm_with(isa, al, a, b, be, c, Par::Seq)
        };
        let run32 = move |al, a: MatRef<'_, f32>, b: MatRef<'_, f32>, be, c: MatMut<'_, f32>| {
            gemm_with(isa, al, a, b, be, c, Par::Seq)
        };
        let all: &[usize] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        assert_eq!(all.len(), small::SMALL);
        let ms = pick(all, &[1, 5, 9]);
        let ns = pick(all, &[1, 3, 4, 5, 8, 9, 13, 16]);
        for &m in ms {
            for &n in ns {
                for &k in pick(&[1, 7, 16], &[1, 7]) {
                    for lb in [Layout::RowMajor, Layout::ColMajor] {
                        let l = (Layout::RowMajor, lb, Layout::RowMajor);
                        check_one::<f64>(m, n, k, l, 1.0, 0.5, false, &run64);
                        check_one::<f32>(m, n, k, l, -1.0, 0.0, true, &run32);
                    }
                }
            }
        }
    }
}

/// Under Miri the blocking is tiny, so the sizes of the Miri test lists cross
/// every block boundary (this test fails if `blocking.rs` changes that).
#[cfg(miri)]
#[test]
fn miri_blocking_is_tiny() {
    let d = blocking::Blocking::new(4, 4, 8, blocking::caches());
    assert_eq!((d.kc, d.mc, d.nc), (64, 24, 32));
    let s = blocking::Blocking::new(4, 4, 4, blocking::caches());
    assert_eq!((s.kc, s.mc, s.nc), (96, 32, 40));
}
