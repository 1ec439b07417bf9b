//! `cargo xtask bench`: times both backends and the dispatcher on the same
//! inputs in one process, for every operation family, size class, element
//! type and thread setting; prints a table and writes `report.md`,
//! `results.json`, one SVG plot per family and the dispatcher's wisdom file.
//!
//! Method (DESIGN.md, "Measuring"): every backend's result is checked
//! against OpenBLAS's before it is timed (a mismatch is reported, not
//! timed); warm-up, then a batch size per backend so that a timed batch
//! lasts at least a millisecond; then rounds that alternate the backends,
//! each round starting with a different one; the median per backend.
//! Calls rotate through several copies of the inputs so that no backend
//! finds its data in cache from the previous call. Threads are pinned per
//! case with `oxblas::set_num_threads`.

mod cases;
mod peak;
mod plot;
mod report;
mod timing;

use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
#[cfg(feature = "bench")]
use oxblas::backends::OpenBlas;
use oxblas::backends::Simd;
use oxblas::{Auto, Backend, DType, MatMut, MatRef, Op, Scalar, VecRef};
use serde::Serialize;

use crate::BenchArgs;
use cases::{Family, Inputs};
use timing::{ExecFn, Plan};

/// The backends timed, in column order; the last is the dispatcher.
pub const COLUMNS: [&str; 3] = ["openblas", "simd", "dispatcher"];

/// Whether this build has the OpenBLAS backend (the `bench` feature; the
/// `bench-simd` build benchmarks the simd backend alone).
pub const WITH_OPENBLAS: bool = cfg!(feature = "bench");

/// The OpenBLAS column's call.
#[cfg(feature = "bench")]
fn openblas_exec<T: Scalar>() -> Option<ExecFn<T>> {
    Some(cases::exec::<OpenBlas, T>)
}

/// No OpenBLAS column in a simd-only build.
#[cfg(not(feature = "bench"))]
fn openblas_exec<T: Scalar>() -> Option<ExecFn<T>> {
    None
}

/// Seed of every input: the same data for every backend and every run.
const SEED: u64 = 0x0b1a5;

/// One backend's outcome on one case.
#[derive(Serialize, Clone, Debug)]
pub struct BackendResult {
    pub backend: String,
    /// `ok`, `error`, `mismatch` or `not run`.
    pub status: String,
    pub detail: Option<String>,
    /// Median nanoseconds per call.
    pub ns: Option<f64>,
    pub gflops: Option<f64>,
    /// Calls per timed batch.
    pub batch: usize,
    /// Nanoseconds per call of every round.
    pub samples_ns: Vec<f64>,
}

/// One (op, dtype, size, threads) case.
#[derive(Serialize, Clone, Debug)]
pub struct CaseResult {
    pub op: String,
    pub family: String,
    pub dtype: String,
    /// The dominant dimension.
    pub n: usize,
    /// The shape as the dispatcher keys it.
    pub shape: Vec<usize>,
    pub threads: usize,
    pub flops: f64,
    pub size_class: usize,
    pub thread_class: usize,
    /// openblas, simd, dispatcher.
    pub backends: Vec<BackendResult>,
    /// The faster of openblas and simd by median time (the dispatcher is not
    /// a candidate).
    pub winner: Option<String>,
    /// The backend the dispatcher's table routed this case to during the run.
    pub dispatched: Option<String>,
    /// Dispatcher time over the winner's: the median over rounds of the
    /// per-round ratio (both timed in the same round).
    pub dispatcher_over_best: Option<f64>,
    /// The per-round ratio's spread (`dispatcher_over_best` is its median).
    pub dispatcher_over_best_spread: Option<timing::Spread>,
    /// The dispatcher's median time over the winner's median time.
    pub dispatcher_over_best_medians: Option<f64>,
    /// simd time over openblas time, per round.
    pub simd_over_openblas: Option<timing::Spread>,
    /// The backend the wisdom written by this run names for this key, and
    /// why (see [`decide`]).
    pub table_choice: Option<String>,
    pub table_choice_why: Option<String>,
    /// The winner's GFLOP/s over the measured FMA peak.
    pub peak_fraction: Option<f64>,
    /// Why the case was not run, if it was not.
    pub skipped: Option<String>,
    /// How many input copies the calls rotated through.
    pub copies: usize,
    /// Seconds the case took, check and inputs included.
    pub wall_s: f64,
}

/// The measured FMA peak, GFLOP/s.
#[derive(Serialize, Clone, Debug)]
pub struct Peak {
    pub dtype: String,
    pub threads: usize,
    pub gflops: Option<f64>,
    /// `fma-loop` or `best gemm` (no AVX2+FMA loop on this CPU).
    pub source: String,
}

/// Dispatch overhead on a tiny call, one thread.
#[derive(Serialize, Clone, Debug)]
pub struct Overhead {
    /// The call timed, e.g. `dot n=4`.
    pub call: String,
    pub dtype: String,
    /// `None` in a simd-only build.
    pub ns_openblas: Option<f64>,
    pub ns_simd: f64,
    pub ns_dispatcher: f64,
    /// Dispatcher minus the fastest direct call: the median of the
    /// per-round differences.
    pub overhead_ns: f64,
}

/// Everything `results.json` holds.
#[derive(Serialize, Debug)]
pub struct Run {
    pub command: String,
    pub quick: bool,
    pub cpu_model: String,
    pub cpus: usize,
    pub signature: String,
    pub openblas: String,
    pub simd: String,
    pub dispatcher_table: String,
    pub rustc: String,
    pub started_unix: u64,
    pub seconds: f64,
    pub peaks: Vec<Peak>,
    pub dispatch_overhead: Vec<Overhead>,
    pub cases: Vec<CaseResult>,
}

struct Config {
    ops: Vec<Op>,
    dtypes: Vec<DType>,
    sizes: Vec<usize>,
    threads: Vec<usize>,
    out: PathBuf,
    quick: bool,
}

fn parse(args: &BenchArgs) -> Result<Config, String> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ops = if args.ops.is_empty() {
        if args.quick {
            cases::QUICK_OPS.to_vec()
        } else {
            cases::OPS.iter().map(|&(o, _)| o).collect()
        }
    } else {
        let mut ops = Vec::new();
        for name in &args.ops {
            let op = Op::parse(name).ok_or_else(|| format!("unknown op `{name}`"))?;
            if cases::family(op).is_none() {
                let all: Vec<&str> = cases::OPS.iter().map(|(o, _)| o.name()).collect();
                return Err(format!(
                    "op `{name}` is not benchmarked; choose from {}",
                    all.join(",")
                ));
            }
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
        ops
    };
    let dtypes = match args.dtype.as_deref() {
        Some("f32") => vec![DType::F32],
        Some("f64") => vec![DType::F64],
        _ => vec![DType::F64, DType::F32],
    };
    let mut threads = Vec::new();
    let list = if args.threads.is_empty() {
        vec!["1".to_string(), "all".to_string()]
    } else {
        args.threads.clone()
    };
    for t in list {
        let n = if t.trim() == "all" {
            cpus
        } else {
            t.trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| format!("bad thread count `{t}` (a number >= 1 or `all`)"))?
        };
        if !threads.contains(&n) {
            threads.push(n);
        }
    }
    if args.sizes.contains(&0) {
        return Err("sizes must be at least 1".into());
    }
    let out = args.out.clone().unwrap_or_else(|| {
        crate::cmd::workspace_root()
            .join("target")
            .join("oxblas-bench")
    });
    Ok(Config {
        ops,
        dtypes,
        sizes: args.sizes.clone(),
        threads,
        out,
        quick: args.quick,
    })
}

fn plan(family: Family, quick: bool) -> Plan {
    let cheap = matches!(family, Family::Blas1 | Family::Blas2);
    Plan {
        // Short batches, many rounds: see `timing`.
        batch_s: 40e-6,
        case_s: match (cheap, quick) {
            (true, true) => 0.06,
            (true, false) => 0.08,
            (false, true) => 0.15,
            (false, false) => 0.4,
        },
        min_rounds: 3,
        max_rounds: if quick { 301 } else { 601 },
    }
}

/// How many input copies to rotate through: enough to fill 16 MiB (more
/// than this machine's L2 and a good part of L3), between 2 and 8, within
/// 768 MiB in all.
fn copies(op: Op, n: usize, elem: usize) -> usize {
    let per = cases::bytes_per_copy(op, n, elem).max(1);
    ((16 << 20) / per)
        .clamp(2, 8)
        .min(((768 << 20) / per).max(1))
}

/// A case with nothing measured yet.
fn empty_result(op: Op, dtype: DType, n: usize, threads: usize) -> CaseResult {
    let shape = cases::shape(op, n);
    CaseResult {
        op: op.name().into(),
        family: cases::family(op).map_or("?", |f| f.name()).into(),
        dtype: dtype.name().into(),
        n,
        flops: cases::flops(op, &shape),
        size_class: oxblas::wisdom::size_class(op, &shape),
        thread_class: oxblas::wisdom::thread_class(threads),
        shape,
        threads,
        backends: COLUMNS
            .iter()
            .map(|b| BackendResult {
                backend: b.to_string(),
                status: "not run".into(),
                detail: None,
                ns: None,
                gflops: None,
                batch: 0,
                samples_ns: Vec::new(),
            })
            .collect(),
        winner: None,
        dispatched: None,
        dispatcher_over_best: None,
        dispatcher_over_best_spread: None,
        dispatcher_over_best_medians: None,
        simd_over_openblas: None,
        table_choice: None,
        table_choice_why: None,
        peak_fraction: None,
        skipped: None,
        copies: 0,
        wall_s: 0.0,
    }
}

/// A difference between the backends this large (relative) always decides.
/// It is the dispatcher's bar ([`report::BAR`]): keeping a backend slower
/// than that would put the key above the bar by construction.
pub const CLEAR_GAIN: f64 = 0.05;
/// Below this, the backends tie: the table keeps its choice.
pub const TIE_GAIN: f64 = 0.03;

/// The backend the wisdom should name for a measured case, and why.
///
/// Hysteresis, so that backends within noise of each other do not make the
/// table flip from run to run: the faster backend (by the median of the
/// per-round simd/openblas time ratios) replaces the table's current choice
/// only if it is faster by more than [`CLEAR_GAIN`], or by more than
/// [`TIE_GAIN`] with the interquartile range of the per-round ratios on its
/// side of 1 (it won at least three rounds in four). Otherwise the current
/// choice stays. With one backend measured, that one.
pub fn decide(r: &CaseResult) -> Option<(&'static str, String)> {
    let Some(s) = r.simd_over_openblas else {
        return (0..2)
            .find(|&b| r.backends[b].ns.is_some())
            .map(|b| (COLUMNS[b], "the only backend measured".to_string()));
    };
    let (faster, slower, gain, consistent) = if s.median < 1.0 {
        (COLUMNS[1], COLUMNS[0], 1.0 / s.median - 1.0, s.q3 < 1.0)
    } else {
        (COLUMNS[0], COLUMNS[1], s.median - 1.0, s.q1 > 1.0)
    };
    let pct = 100.0 * gain;
    let rounds = format!("simd faster in {} of {} rounds", s.below_one, s.rounds);
    match r.dispatched.as_deref() {
        Some(c) if c == slower && gain <= CLEAR_GAIN && !(gain > TIE_GAIN && consistent) => Some((
            slower,
            format!("{faster} faster by only {pct:.1}% ({rounds}): within noise, kept {slower}"),
        )),
        Some(c) if c == slower => Some((
            faster,
            format!("faster by {pct:.1}% ({rounds}); replaces {slower}"),
        )),
        _ => Some((faster, format!("faster by {pct:.1}% ({rounds})"))),
    }
}

fn run_case<T: Scalar>(op: Op, n: usize, threads: usize, plan: Plan) -> CaseResult {
    oxblas::set_num_threads(threads);
    let shape = cases::shape(op, n);
    let flops = cases::flops(op, &shape);
    let mut result = empty_result(op, T::DTYPE, n, threads);
    result.dispatched = Some(oxblas::active_backend(op, T::DTYPE, &shape).to_string());
    let have_openblas = openblas_exec::<T>();
    let fns: [ExecFn<T>; 3] = [
        have_openblas.unwrap_or(cases::exec::<Simd, T>),
        cases::exec::<Simd, T>,
        cases::exec::<Auto, T>,
    ];
    // Check: each backend on fresh inputs; OpenBLAS is the reference (the
    // simd result when OpenBLAS fails or is not compiled in).
    let mut prints = Vec::new();
    let mut checked_s = [None; 3];
    let mut scale = 1.0;
    for (b, f) in fns.iter().enumerate() {
        if b == 0 && have_openblas.is_none() {
            result.backends[b].status = "unavailable".into();
            result.backends[b].detail = Some("OpenBLAS is not compiled in".into());
            prints.push(None);
            continue;
        }
        let fp = Inputs::<T>::new(op, n, 1, SEED).and_then(|mut inp| {
            scale = cases::input_scale(&inp);
            let t0 = Instant::now();
            let out = f(&mut inp, 0);
            checked_s[b] = Some(t0.elapsed().as_secs_f64());
            out.map(|out| cases::fingerprint(&out, &inp))
        });
        match fp {
            Ok(fp) => prints.push(Some(fp)),
            Err(e) => {
                result.backends[b].status = "error".into();
                result.backends[b].detail = Some(e.to_string());
                prints.push(None);
            }
        }
    }
    let reference = if prints[0].is_some() { 0 } else { 1 };
    let tol = cases::tolerance(op, n, T::EPSILON.to_f64());
    let mut active = [false; 3];
    for b in 0..3 {
        let (Some(want), Some(got)) = (&prints[reference], &prints[b]) else {
            continue;
        };
        match cases::compare(want, got, tol, scale) {
            Some(why) if b != reference => {
                result.backends[b].status = "mismatch".into();
                result.backends[b].detail = Some(format!("vs {}: {why}", COLUMNS[reference]));
            }
            _ => active[b] = true,
        }
    }
    drop(prints);
    let copies = copies(op, n, std::mem::size_of::<T>());
    result.copies = copies;
    let mut inp = match Inputs::<T>::new(op, n, copies, SEED) {
        Ok(inp) => inp,
        Err(e) => {
            result.skipped = Some(format!("inputs: {e}"));
            return result;
        }
    };
    let timed = timing::measure(&mut inp, copies, &fns, &active, &checked_s, plan);
    for (b, t) in timed.into_iter().enumerate() {
        match t {
            Some(Ok(t)) => {
                let r = &mut result.backends[b];
                r.status = "ok".into();
                r.ns = Some(t.ns);
                r.gflops = (flops > 0.0).then(|| flops / t.ns);
                r.batch = t.batch;
                r.samples_ns = t.samples;
            }
            Some(Err(e)) => {
                result.backends[b].status = "error".into();
                result.backends[b].detail = Some(e);
            }
            None => {}
        }
    }
    let best = (0..2)
        .filter_map(|b| result.backends[b].ns.map(|ns| (b, ns)))
        .min_by(|x, y| x.1.total_cmp(&y.1));
    if let Some((b, ns)) = best {
        result.winner = Some(COLUMNS[b].to_string());
        let disp = &result.backends[2];
        result.dispatcher_over_best_medians = disp.ns.map(|d| d / ns);
        if disp.ns.is_some() {
            result.dispatcher_over_best_spread =
                timing::paired(&disp.samples_ns, &result.backends[b].samples_ns);
            result.dispatcher_over_best = result.dispatcher_over_best_spread.map(|s| s.median);
        }
    }
    if result.backends[0].ns.is_some() && result.backends[1].ns.is_some() {
        result.simd_over_openblas = timing::paired(
            &result.backends[1].samples_ns,
            &result.backends[0].samples_ns,
        );
    }
    if let Some((choice, why)) = decide(&result) {
        result.table_choice = Some(choice.to_string());
        result.table_choice_why = Some(why);
    }
    oxblas::set_num_threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
    result
}

/// Nanoseconds per call of `calls` calls to `f`, inlined in the loop.
fn batch_ns(calls: usize, f: &mut impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..calls {
        f();
    }
    t.elapsed().as_secs_f64() * 1e9 / calls as f64
}

/// The three calls (OpenBLAS if compiled in, simd, dispatcher) timed in
/// interleaved rounds, the call inlined in each loop: the medians, and the
/// dispatcher's overhead as the median of its per-round difference to the
/// fastest direct call.
fn overhead_of(
    what: &str,
    dtype: DType,
    calls: usize,
    mut openblas: Option<impl FnMut()>,
    mut simd: impl FnMut(),
    mut auto: impl FnMut(),
) -> Overhead {
    oxblas::set_num_threads(1);
    let rounds = 41;
    let mut s: [Vec<f64>; 3] = Default::default();
    for r in 0..rounds {
        for j in 0..3 {
            match (r + j) % 3 {
                0 => {
                    if let Some(f) = openblas.as_mut() {
                        s[0].push(batch_ns(calls, f));
                    }
                }
                1 => s[1].push(batch_ns(calls, &mut simd)),
                _ => s[2].push(batch_ns(calls, &mut auto)),
            }
        }
    }
    let med = |v: &[f64]| (!v.is_empty()).then(|| timing::median(v));
    let (ob, si, di) = (med(&s[0]), timing::median(&s[1]), timing::median(&s[2]));
    let diffs: Vec<f64> = (0..rounds)
        .map(|r| s[2][r] - s[0].get(r).map_or(s[1][r], |o| o.min(s[1][r])))
        .collect();
    Overhead {
        call: what.into(),
        dtype: dtype.name().into(),
        ns_openblas: ob,
        ns_simd: si,
        ns_dispatcher: di,
        overhead_ns: timing::median(&diffs),
    }
}

/// Dispatch overhead on a 4-element dot and an 8x8x8 gemm, one thread.
fn measure_overhead<T: Scalar>() -> Vec<Overhead> {
    let x = [T::ONE, T::from_f64(2.0), T::from_f64(3.0), T::from_f64(4.0)];
    let y = [T::from_f64(0.5); 4];
    let dot = |f: fn(VecRef<'_, T>, VecRef<'_, T>) -> oxblas::Result<T>| {
        move || {
            let (x, y) = (std::hint::black_box(&x), std::hint::black_box(&y));
            std::hint::black_box(f(VecRef::from(x), VecRef::from(y)).ok());
        }
    };
    #[cfg(feature = "bench")]
    let ob_dot = Some(dot(OpenBlas::dot::<T>));
    #[cfg(not(feature = "bench"))]
    let ob_dot: Option<fn()> = None;
    let mut out = vec![overhead_of(
        "dot n=4",
        T::DTYPE,
        100_000,
        ob_dot,
        dot(Simd::dot::<T>),
        dot(Auto::dot::<T>),
    )];
    let a = oxblas::Mat::<T>::from_fn(8, 8, |i, j| T::from_f64((i + 2 * j) as f64 * 0.01));
    let b = oxblas::Mat::<T>::from_fn(8, 8, |i, j| T::from_f64((2 * i + j) as f64 * 0.01));
    let c = std::cell::RefCell::new(oxblas::Mat::<T>::zeros(8, 8));
    type Gemm<T> = fn(T, MatRef<'_, T>, MatRef<'_, T>, T, MatMut<'_, T>) -> oxblas::Result<()>;
    let gemm = |f: Gemm<T>| {
        let (a, b, c) = (&a, &b, &c);
        move || {
            let mut c = c.borrow_mut();
            let (a, b) = (std::hint::black_box(a), std::hint::black_box(b));
            std::hint::black_box(f(T::ONE, a.as_ref(), b.as_ref(), T::ZERO, c.as_mut()).ok());
        }
    };
    #[cfg(feature = "bench")]
    let ob_gemm = Some(gemm(OpenBlas::gemm::<T>));
    #[cfg(not(feature = "bench"))]
    let ob_gemm: Option<fn()> = None;
    out.push(overhead_of(
        "gemm 8x8x8",
        T::DTYPE,
        10_000,
        ob_gemm,
        gemm(Simd::gemm::<T>),
        gemm(Auto::gemm::<T>),
    ));
    out
}

fn run_generic(op: Op, dtype: DType, n: usize, threads: usize, plan: Plan) -> CaseResult {
    match dtype {
        DType::F32 => run_case::<f32>(op, n, threads, plan),
        _ => run_case::<f64>(op, n, threads, plan),
    }
}

fn openblas_description() -> String {
    #[cfg(feature = "bench")]
    {
        let timeout = std::env::var(SPIN_ENV).unwrap_or_else(|_| "default (28)".into());
        format!(
            "{}; idle workers spin for 2^{timeout} cycles ({SPIN_ENV})",
            OpenBlas::description()
        )
    }
    #[cfg(not(feature = "bench"))]
    {
        "not compiled in (simd-only run)".into()
    }
}

fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    crate::cmd::output(std::process::Command::new(rustc).arg("--version"))
        .unwrap_or_else(|| "unknown".into())
}

/// OpenBLAS's setting of how long (2^x cycles) an idle worker thread spins
/// before it sleeps; read once, when the library is loaded.
#[cfg(feature = "bench")]
const SPIN_ENV: &str = "OPENBLAS_THREAD_TIMEOUT";

/// The value the benchmark runs OpenBLAS with unless the caller set one:
/// 2^20 cycles, about 0.4 ms here.
///
/// Why: with the default (2^28 cycles, about 0.1 s) OpenBLAS's worker keeps
/// a core busy long after each threaded call returns, so a multi-threaded
/// simd call timed right after it ran on one free core (measured: simd
/// dgemm 256 with 2 threads 3.2 ms right after an OpenBLAS call against
/// 0.8 ms back to back; 32 ms of CPU burnt in a 100 ms sleep after one
/// OpenBLAS call, 0.4 ms with this setting). The benchmark alternates the
/// backends call batch by call batch, so every simd and dispatcher time with
/// threads would pay for OpenBLAS's spinning, which a program calling one
/// backend at a time does not. Within a batch OpenBLAS's calls follow each
/// other at once, so its own times do not change.
#[cfg(feature = "bench")]
const SPIN_BENCH: &str = "20";

/// Runs the benchmark again in a child process with [`SPIN_ENV`] set (it
/// must be set before OpenBLAS is loaded); `None` if it is set already.
#[cfg(feature = "bench")]
fn rerun_with_short_spin() -> Option<Result<(), String>> {
    if std::env::var_os(SPIN_ENV).is_some() {
        return None;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(Err(format!("cannot find the benchmark executable: {e}"))),
    };
    let mut c = std::process::Command::new(exe);
    c.args(std::env::args_os().skip(1))
        .env(SPIN_ENV, SPIN_BENCH);
    Some(crate::cmd::run_inherit(&mut c))
}

/// Runs the benchmark described by `args`.
pub fn run(args: &BenchArgs) -> Result<(), String> {
    #[cfg(feature = "bench")]
    if let Some(done) = rerun_with_short_spin() {
        return done;
    }
    let cfg = parse(args)?;
    let start = Instant::now();
    #[cfg(feature = "bench")]
    {
        if args.simd_only {
            return Err(
                "--simd-only needs the bench-simd build: run `cargo xtask bench \
                        --simd-only`"
                    .into(),
            );
        }
        if !OpenBlas::is_available() {
            return Err("the OpenBLAS backend is not available on this machine".into());
        }
    }
    if !WITH_OPENBLAS && args.write_default {
        return Err(
            "--write-default needs both backends: the built-in table is measured \
                    with OpenBLAS installed"
                .into(),
        );
    }
    let sig = oxblas::wisdom::Signature::current();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let command = {
        let rest: Vec<String> = std::env::args().skip(2).collect();
        format!("cargo xtask bench {}", rest.join(" "))
            .trim()
            .to_string()
    };
    println!("oxblas bench: {command}");
    if cfg!(debug_assertions) {
        println!(
            "warning: this is not an optimized build; run `cargo xtask bench`, which builds \
             with --release"
        );
    }
    println!("machine: {} ({cpus} CPUs)", sig.cpu_model);
    let openblas_description = openblas_description();
    println!("openblas: {openblas_description}");
    if !WITH_OPENBLAS {
        println!(
            "simd-only run: OpenBLAS is not compiled in; timing the simd backend and the \
             dispatcher (which has only simd to route to), results checked against simd's"
        );
    }
    println!("simd: {}", Simd::description());
    let table_source = oxblas::wisdom::active_source().to_string();
    println!("dispatcher table: {table_source}");

    // The FMA peak, per dtype and thread count. An AVX2 FMA does 4 f64 or
    // 8 f32 lanes at the same rate, so the f32 peak is twice the f64 one:
    // both loops are run and the better one (other processes only ever slow
    // a loop down) sets both.
    let mut peaks = Vec::new();
    for &t in &cfg.threads {
        let g64 = peak::fma_peak(true, t);
        let g32 = peak::fma_peak(false, t);
        let f64_peak = match (g64, g32) {
            (Some(a), Some(b)) => Some(a.max(b / 2.0)),
            _ => None,
        };
        for &dt in &cfg.dtypes {
            let g = f64_peak.map(|p| if dt == DType::F32 { 2.0 * p } else { p });
            peaks.push(Peak {
                dtype: dt.name().into(),
                threads: t,
                gflops: g,
                source: if g.is_some() { "fma-loop" } else { "best gemm" }.into(),
            });
        }
    }
    for p in &peaks {
        match p.gflops {
            Some(g) => println!(
                "FMA peak {} {} thread(s): {g:.1} GFLOP/s",
                p.dtype, p.threads
            ),
            None => println!(
                "FMA peak {}: no AVX2+FMA loop; using the best gemm",
                p.dtype
            ),
        }
    }
    let mut overhead = measure_overhead::<f64>();
    overhead.extend(measure_overhead::<f32>());
    for o in &overhead {
        println!(
            "dispatch overhead, {} {}: openblas {}, simd {:.1} ns, dispatcher {:.1} ns \
             ({:+.1} ns over the fastest direct call)",
            o.call,
            o.dtype,
            o.ns_openblas.map_or("-".into(), |ns| format!("{ns:.1} ns")),
            o.ns_simd,
            o.ns_dispatcher,
            o.overhead_ns
        );
    }

    // The case list: the smallest size of every op first, then the next
    // size, and so on. Each op's sizes grow, so the time of a large case can
    // be predicted from the one before; and if the time budget runs out, it
    // is the largest sizes that are left out, not whole operations.
    let mut todo = Vec::new();
    for &op in &cfg.ops {
        let sizes = if cfg.sizes.is_empty() {
            cases::default_sizes(op, cfg.quick)
        } else {
            cfg.sizes.clone()
        };
        for &dt in &cfg.dtypes {
            for &t in &cfg.threads {
                for (rank, &n) in sizes.iter().enumerate() {
                    todo.push((rank, op, dt, t, n));
                }
            }
        }
    }
    todo.sort_by_key(|&(rank, ..)| rank);
    let todo: Vec<(Op, DType, usize, usize)> = todo
        .into_iter()
        .map(|(_, op, dt, t, n)| (op, dt, t, n))
        .collect();
    let deadline = if cfg.quick { 150.0 } else { 18.0 * 60.0 };
    // Seconds one case may take: three backends, each one checked call and
    // at least three timed rounds (no warm-up for calls this slow).
    let case_cap = if cfg.quick { 4.0 } else { 30.0 };
    let bar = ProgressBar::new(todo.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    let mut results: Vec<CaseResult> = Vec::new();
    // (op, dtype, threads) -> (flops, n, summed ns per call of the three
    // columns) of the last size.
    type Key = (Op, DType, usize);
    let mut last: Vec<(Key, (f64, usize, f64))> = Vec::new();
    for &(op, dt, t, n) in &todo {
        bar.set_message(format!("{} {} n={n} threads={t}", op.name(), dt.name()));
        let family = cases::family(op).unwrap_or(Family::Blas3);
        let shape = cases::shape(op, n);
        let flops = cases::flops(op, &shape);
        let key = (op, dt, t);
        let predicted = last
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, (f, n0, ns))| {
                let growth = if flops > 0.0 && *f > 0.0 {
                    flops / f
                } else {
                    n as f64 / *n0 as f64
                };
                ns * growth.max(1.0) * 1e-9
            });
        let elapsed = start.elapsed().as_secs_f64();
        let skip = if elapsed > deadline {
            Some(format!("time budget ({deadline:.0} s) used up"))
        } else {
            predicted
                .map(|p| p * 4.0)
                .filter(|&p| p > case_cap)
                .map(|p| format!("predicted {p:.0} s, over the per-case budget ({case_cap:.0} s)"))
        };
        let r = match skip {
            Some(why) => {
                let mut r = empty_result(op, dt, n, t);
                r.skipped = Some(why);
                r
            }
            None => {
                let t0 = Instant::now();
                let mut r = run_generic(op, dt, n, t, plan(family, cfg.quick));
                r.wall_s = t0.elapsed().as_secs_f64();
                r
            }
        };
        // A slow case costs each column one checked call and three timed
        // rounds (no warm-up): four calls of each, so 4x this sum.
        let sum: f64 = r.backends.iter().filter_map(|b| b.ns).sum();
        if sum > 0.0 {
            last.retain(|(k, _)| *k != key);
            last.push((key, (flops, n, sum)));
        }
        if let Some(bad) = r
            .backends
            .iter()
            .find(|b| b.status == "mismatch" || b.status == "error")
        {
            bar.println(format!(
                "  {} {} n={n} threads={t}: {} {}: {}",
                op.name(),
                dt.name(),
                bad.backend,
                bad.status,
                bad.detail.clone().unwrap_or_default()
            ));
        }
        results.push(r);
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Report order: by operation (as listed), dtype, threads, size.
    let op_rank = |name: &str| cfg.ops.iter().position(|o| o.name() == name);
    results.sort_by_key(|r| (op_rank(&r.op), r.dtype.clone(), r.threads, r.n));

    // Peaks: the best gemm of this run where no FMA loop ran, or where it
    // beat the loop (other processes slowed the loop down), so that no
    // fraction exceeds 100%.
    for p in &mut peaks {
        let gemm = results
            .iter()
            .filter(|r| r.op == "gemm" && r.dtype == p.dtype && r.threads == p.threads)
            .flat_map(|r| r.backends.iter().filter_map(|b| b.gflops))
            .fold(None, |m: Option<f64>, g| Some(m.map_or(g, |m| m.max(g))));
        if let Some(g) = gemm {
            if p.gflops.is_none_or(|l| g > l) {
                p.gflops = Some(g);
                p.source = "best gemm of this run (above the FMA loop)".into();
            }
        }
    }
    for r in &mut results {
        let peak = peaks
            .iter()
            .find(|p| p.dtype == r.dtype && p.threads == r.threads)
            .and_then(|p| p.gflops);
        let best = r.backends[..2]
            .iter()
            .filter_map(|b| b.gflops)
            .fold(0.0, f64::max);
        r.peak_fraction = peak.filter(|_| best > 0.0).map(|p| best / p);
    }

    let run = Run {
        command,
        quick: cfg.quick,
        cpu_model: sig.cpu_model.clone(),
        cpus,
        signature: sig.to_string(),
        openblas: openblas_description,
        simd: Simd::description(),
        dispatcher_table: table_source,
        rustc: rustc_version(),
        started_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        seconds: start.elapsed().as_secs_f64(),
        peaks,
        dispatch_overhead: overhead,
        cases: results,
    };
    report::write_all(&run, &cfg.out, args)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A measured case: openblas and simd per-round times, and the backend
    /// the dispatcher used.
    fn case(openblas: &[f64], simd: &[f64], dispatched: &str) -> CaseResult {
        let mut r = empty_result(Op::Dot, DType::F64, 64, 1);
        for (b, t) in [openblas, simd].into_iter().enumerate() {
            r.backends[b].ns = Some(timing::median(t));
            r.backends[b].samples_ns = t.to_vec();
        }
        r.simd_over_openblas = timing::paired(simd, openblas);
        r.dispatched = Some(dispatched.into());
        r
    }

    #[test]
    fn a_clear_winner_replaces_the_table_choice() {
        let ob = [100.0; 9];
        let r = case(&ob, &[80.0; 9], "openblas");
        let (c, why) = decide(&r).unwrap();
        assert_eq!(c, "simd");
        assert!(why.contains("replaces openblas"), "{why}");
        // A consistent 5% gain (every round) is enough too.
        assert_eq!(
            decide(&case(&ob, &[95.0; 9], "openblas")).unwrap().0,
            "simd"
        );
        assert_eq!(
            decide(&case(&[95.0; 9], &ob, "simd")).unwrap().0,
            "openblas"
        );
    }

    #[test]
    fn a_tie_keeps_the_table_choice() {
        // 2% apart: within noise either way.
        let ob = [100.0; 9];
        let (c, why) = decide(&case(&ob, &[98.0; 9], "openblas")).unwrap();
        assert_eq!(c, "openblas");
        assert!(why.contains("within noise"), "{why}");
        assert_eq!(decide(&case(&[98.0; 9], &ob, "simd")).unwrap().0, "simd");
        // 4% faster by the median but winning only some rounds: a tie.
        let simd = [90.0, 90.0, 90.0, 96.0, 96.0, 106.0, 106.0, 106.0, 96.0];
        let r = case(&ob, &simd, "openblas");
        let s = r.simd_over_openblas.unwrap();
        assert!(s.median > 0.95 && s.median < 0.97 && s.q3 > 1.0, "{s:?}");
        assert_eq!(decide(&r).unwrap().0, "openblas");
        // 6% faster by the median, even winning only some rounds: beyond the
        // dispatcher's 5% bar, so it replaces the table's choice.
        let simd = [90.0, 90.0, 90.0, 94.0, 94.0, 106.0, 106.0, 106.0, 94.0];
        let r = case(&ob, &simd, "openblas");
        let s = r.simd_over_openblas.unwrap();
        assert!(s.median < 0.95 && s.q3 > 1.0, "{s:?}");
        assert_eq!(decide(&r).unwrap().0, "simd");
        // Without a previous choice (or one that was not measured) the
        // faster backend wins, however slightly.
        assert_eq!(decide(&case(&ob, &[98.0; 9], "none")).unwrap().0, "simd");
    }

    #[test]
    fn one_backend_measured_is_the_choice() {
        let mut r = case(&[100.0; 3], &[90.0; 3], "simd");
        r.backends[0].ns = None;
        r.simd_over_openblas = None;
        assert_eq!(decide(&r).unwrap().0, "simd");
    }
}
