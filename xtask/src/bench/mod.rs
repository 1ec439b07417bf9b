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
use oxblas::backends::{OpenBlas, Simd};
use oxblas::{Auto, Backend, DType, Op, Scalar, VecRef};
use serde::Serialize;

use crate::BenchArgs;
use cases::{Family, Inputs};
use timing::{ExecFn, Plan};

/// The backends timed, in column order; the last is the dispatcher.
pub const COLUMNS: [&str; 3] = ["openblas", "simd", "dispatcher"];

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
    /// The faster of openblas and simd (the dispatcher is not a candidate).
    pub winner: Option<String>,
    /// Dispatcher time over the winner's.
    pub dispatcher_over_best: Option<f64>,
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

/// Dispatch overhead on a 4-element dot, one thread.
#[derive(Serialize, Clone, Debug)]
pub struct Overhead {
    pub dtype: String,
    pub ns_openblas: f64,
    pub ns_simd: f64,
    pub ns_dispatcher: f64,
    /// Dispatcher minus the fastest direct call.
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
        batch_s: if quick { 0.5e-3 } else { 1e-3 },
        case_s: match (cheap, quick) {
            (true, true) => 0.03,
            (true, false) => 0.08,
            (false, true) => 0.1,
            (false, false) => 0.4,
        },
        min_rounds: 3,
        max_rounds: if quick { 9 } else { 21 },
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
        dispatcher_over_best: None,
        peak_fraction: None,
        skipped: None,
        copies: 0,
        wall_s: 0.0,
    }
}

fn run_case<T: Scalar>(op: Op, n: usize, threads: usize, plan: Plan) -> CaseResult {
    oxblas::set_num_threads(threads);
    let shape = cases::shape(op, n);
    let flops = cases::flops(op, &shape);
    let mut result = empty_result(op, T::DTYPE, n, threads);
    let fns: [ExecFn<T>; 3] = [
        cases::exec::<OpenBlas, T>,
        cases::exec::<Simd, T>,
        cases::exec::<Auto, T>,
    ];
    // Check: each backend on fresh inputs; OpenBLAS is the reference (the
    // simd result when OpenBLAS fails).
    let mut prints = Vec::new();
    let mut scale = 1.0;
    for (b, f) in fns.iter().enumerate() {
        let fp = Inputs::<T>::new(op, n, 1, SEED).and_then(|mut inp| {
            scale = cases::input_scale(&inp);
            f(&mut inp, 0).map(|out| cases::fingerprint(&out, &inp))
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
    let timed = timing::measure(&mut inp, copies, &fns, &active, plan);
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
        result.dispatcher_over_best = result.backends[2].ns.map(|d| d / ns);
    }
    oxblas::set_num_threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
    result
}

fn measure_overhead<T: Scalar>() -> Overhead {
    oxblas::set_num_threads(1);
    let x = [T::ONE, T::from_f64(2.0), T::from_f64(3.0), T::from_f64(4.0)];
    let y = [T::from_f64(0.5); 4];
    let (rounds, calls) = (31, 200_000);
    let mut ns = [0.0f64; 3];
    // Interleave the three so that drift hits them alike; keep the best of
    // three medians each.
    let mut best = [f64::INFINITY; 3];
    for _ in 0..3 {
        ns[0] = timing::median_ns(rounds, calls, || {
            let (x, y) = (std::hint::black_box(&x), std::hint::black_box(&y));
            std::hint::black_box(OpenBlas::dot(VecRef::from(x), VecRef::from(y)).ok());
        });
        ns[1] = timing::median_ns(rounds, calls, || {
            let (x, y) = (std::hint::black_box(&x), std::hint::black_box(&y));
            std::hint::black_box(Simd::dot(VecRef::from(x), VecRef::from(y)).ok());
        });
        ns[2] = timing::median_ns(rounds, calls, || {
            let (x, y) = (std::hint::black_box(&x), std::hint::black_box(&y));
            std::hint::black_box(Auto::dot(VecRef::from(x), VecRef::from(y)).ok());
        });
        for i in 0..3 {
            best[i] = best[i].min(ns[i]);
        }
    }
    Overhead {
        dtype: T::DTYPE.name().into(),
        ns_openblas: best[0],
        ns_simd: best[1],
        ns_dispatcher: best[2],
        overhead_ns: best[2] - best[0].min(best[1]),
    }
}

fn run_generic(op: Op, dtype: DType, n: usize, threads: usize, plan: Plan) -> CaseResult {
    match dtype {
        DType::F32 => run_case::<f32>(op, n, threads, plan),
        _ => run_case::<f64>(op, n, threads, plan),
    }
}

fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    crate::cmd::output(std::process::Command::new(rustc).arg("--version"))
        .unwrap_or_else(|| "unknown".into())
}

/// Runs the benchmark described by `args`.
pub fn run(args: &BenchArgs) -> Result<(), String> {
    let cfg = parse(args)?;
    let start = Instant::now();
    if !OpenBlas::is_available() {
        return Err("the OpenBLAS backend is not available on this machine".into());
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
    println!("openblas: {}", OpenBlas::description());
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
    let overhead = vec![measure_overhead::<f64>(), measure_overhead::<f32>()];
    for o in &overhead {
        println!(
            "dispatch overhead, dot n=4 {}: openblas {:.1} ns, simd {:.1} ns, dispatcher {:.1} ns \
             ({:+.1} ns over the fastest direct call)",
            o.dtype, o.ns_openblas, o.ns_simd, o.ns_dispatcher, o.overhead_ns
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
    let case_cap = if cfg.quick { 4.0 } else { 20.0 };
    let bar = ProgressBar::new(todo.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    let mut results: Vec<CaseResult> = Vec::new();
    // (op, dtype, threads) -> (flops, n, slowest ns) of the last size.
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
            // Three backends, at least three rounds and the check.
            predicted
                .filter(|&p| p * 12.0 > case_cap)
                .map(|p| format!("predicted {p:.1} s per call, over the per-case budget"))
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
        let slowest = r.backends.iter().filter_map(|b| b.ns).fold(0.0, f64::max);
        if slowest > 0.0 {
            last.retain(|(k, _)| *k != key);
            last.push((key, (flops, n, slowest)));
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
        openblas: OpenBlas::description(),
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
