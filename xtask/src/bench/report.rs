//! The table, `report.md`, `results.json`, the plots and the wisdom files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use oxblas::wisdom::{self, Entry, Signature, Wisdom};
use oxblas::{BackendId, DType, Op};

use super::{CaseResult, Run, COLUMNS};
use crate::BenchArgs;

/// The goal for every row: the dispatcher within 5% of the best backend.
pub const BAR: f64 = 1.05;

/// A duration in the unit that suits it.
pub fn fmt_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} us", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn shape_text(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

fn cell(r: &CaseResult, b: usize) -> String {
    let x = &r.backends[b];
    match (x.status.as_str(), x.ns) {
        ("ok", Some(ns)) => fmt_ns(ns),
        ("mismatch", _) => "MISMATCH".into(),
        ("error", _) => "ERROR".into(),
        _ => "-".into(),
    }
}

fn gflops_cell(r: &CaseResult, b: usize) -> String {
    r.backends[b]
        .gflops
        .map_or("-".into(), |g| format!("{g:.2}"))
}

/// The winner, and the table's choice where hysteresis kept the other one.
fn winner_cell(r: &CaseResult) -> String {
    match (&r.winner, &r.table_choice) {
        (Some(w), Some(c)) if w != c => format!("{w} (table keeps {c})"),
        (Some(w), _) => w.clone(),
        _ => "-".into(),
    }
}

/// The dispatcher's time over the best backend's: the median per-round
/// ratio and its interquartile range; `*` where the dispatcher ran a
/// backend other than the winner.
fn ratio_cell(r: &CaseResult) -> String {
    let Some(s) = r.dispatcher_over_best_spread else {
        return "-".into();
    };
    let other = match (&r.dispatched, &r.winner) {
        (Some(d), Some(w)) if d != w => "*",
        _ => "",
    };
    format!("{:.2}{other} ({:.2}-{:.2})", s.median, s.q1, s.q3)
}

/// The results as a Markdown table (also printed to the terminal).
pub fn table(cases: &[CaseResult]) -> String {
    let mut s = String::new();
    s.push_str(
        "| op | dtype | shape | thr | openblas | simd | dispatcher | GF/s openblas | GF/s simd \
         | % peak | winner | disp/best (IQR) |\n",
    );
    s.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|\n");
    for r in cases {
        if let Some(why) = &r.skipped {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | skipped: {why} | | | | | | | |",
                r.op,
                r.dtype,
                shape_text(&r.shape),
                r.threads
            );
            continue;
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.op,
            r.dtype,
            shape_text(&r.shape),
            r.threads,
            cell(r, 0),
            cell(r, 1),
            cell(r, 2),
            gflops_cell(r, 0),
            gflops_cell(r, 1),
            r.peak_fraction
                .map_or("-".into(), |f| format!("{:.0}%", 100.0 * f)),
            winner_cell(r),
            ratio_cell(r),
        );
    }
    s
}

/// Wins, losses, failures and dispatcher quality, in a few lines.
fn summary(run: &Run) -> String {
    let mut s = String::new();
    let done: Vec<&CaseResult> = run.cases.iter().filter(|r| r.winner.is_some()).collect();
    let wins = |name: &str| {
        done.iter()
            .filter(|r| r.winner.as_deref() == Some(name))
            .count()
    };
    let _ = writeln!(
        s,
        "- {} cases timed, {} skipped; winner openblas in {}, simd in {}.",
        done.len(),
        run.cases.iter().filter(|r| r.skipped.is_some()).count(),
        wins("openblas"),
        wins("simd")
    );
    // Geometric mean of simd/openblas time, per family.
    let mut fams: Vec<&str> = Vec::new();
    for r in &run.cases {
        if !fams.contains(&r.family.as_str()) {
            fams.push(&r.family);
        }
    }
    for fam in fams {
        let ratios: Vec<f64> = done
            .iter()
            .filter(|r| r.family == fam)
            .filter_map(|r| Some(r.backends[1].ns? / r.backends[0].ns?))
            .collect();
        if !ratios.is_empty() {
            let g = (ratios.iter().map(|x| x.ln()).sum::<f64>() / ratios.len() as f64).exp();
            let _ = writeln!(
                s,
                "- {fam}: simd time / openblas time, geometric mean over {} cases: {g:.2} \
                 (< 1: simd faster)",
                ratios.len()
            );
        }
    }
    let disp: Vec<f64> = done.iter().filter_map(|r| r.dispatcher_over_best).collect();
    if !disp.is_empty() {
        let g = (disp.iter().map(|x| x.ln()).sum::<f64>() / disp.len() as f64).exp();
        let over: Vec<&&CaseResult> = done
            .iter()
            .filter(|r| r.dispatcher_over_best.is_some_and(|x| x > BAR))
            .collect();
        let wrong = over
            .iter()
            .filter(|r| r.dispatched.is_some() && r.dispatched != r.winner)
            .count();
        let _ = writeln!(
            s,
            "- dispatcher / best backend (median of per-round ratios): geometric mean {g:.3}; \
             {} of {} cases above {BAR:.2} ({} more than 10% above), {wrong} of them routed to \
             the backend that lost this run (the dispatcher used: {}).",
            over.len(),
            disp.len(),
            disp.iter().filter(|&&x| x > 1.10).count(),
            run.dispatcher_table
        );
        for r in over {
            let sp = r.dispatcher_over_best_spread;
            let _ = writeln!(
                s,
                "  - {} {} {} threads={}: {:.3} (IQR {:.2}-{:.2} over {} rounds), dispatched to \
                 {}, winner {} ({}/{}: {})",
                r.op,
                r.dtype,
                shape_text(&r.shape),
                r.threads,
                r.dispatcher_over_best.unwrap_or(f64::NAN),
                sp.map_or(f64::NAN, |x| x.q1),
                sp.map_or(f64::NAN, |x| x.q3),
                sp.map_or(0, |x| x.rounds),
                r.dispatched.as_deref().unwrap_or("?"),
                r.winner.as_deref().unwrap_or("?"),
                cell(r, 0),
                cell(r, 1),
                r.table_choice_why.as_deref().unwrap_or("")
            );
        }
        let kept = done
            .iter()
            .filter(|r| r.table_choice.is_some() && r.table_choice != r.winner)
            .count();
        let _ = writeln!(
            s,
            "- wisdom written: the winner of each key, except {kept} keys where the other backend \
             was within noise and the table's choice was kept (hysteresis: a new winner must be \
             faster by > {:.0}%, or by > {:.0}% in at least 3 of 4 rounds).",
            100.0 * super::CLEAR_GAIN,
            100.0 * super::TIE_GAIN,
        );
    }
    let bad: Vec<String> = run
        .cases
        .iter()
        .flat_map(|r| {
            r.backends
                .iter()
                .filter(|b| b.status == "mismatch" || b.status == "error")
                .map(move |b| {
                    format!(
                        "  - {} {} {} threads={}: {} {}: {}",
                        r.op,
                        r.dtype,
                        shape_text(&r.shape),
                        r.threads,
                        b.backend,
                        b.status,
                        b.detail.clone().unwrap_or_default()
                    )
                })
        })
        .collect();
    if bad.is_empty() && !super::WITH_OPENBLAS {
        s.push_str(
            "- every dispatcher result agreed with the simd backend's (OpenBLAS not compiled \
             in: no independent reference).\n",
        );
    } else if bad.is_empty() {
        s.push_str("- every result agreed with OpenBLAS's.\n");
    } else {
        let _ = writeln!(s, "- {} failures (not timed):", bad.len());
        for b in bad {
            s.push_str(&b);
            s.push('\n');
        }
    }
    for o in &run.dispatch_overhead {
        let _ = writeln!(
            s,
            "- dispatch overhead, {} {}: dispatcher {:.1} ns, openblas {}, simd {:.1} \
             ns: {:+.1} ns over the fastest direct call ({}: the bar is 10 ns).",
            o.call,
            o.dtype,
            o.ns_dispatcher,
            o.ns_openblas
                .map_or("not compiled in".into(), |ns| format!("{ns:.1} ns")),
            o.ns_simd,
            o.overhead_ns,
            if o.overhead_ns <= 10.0 {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    s
}

fn report_md(run: &Run) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# oxblas benchmark\n");
    let _ = writeln!(s, "Command: `{}`\n", run.command);
    let _ = writeln!(s, "- CPU: {} ({} CPUs)", run.cpu_model, run.cpus);
    let _ = writeln!(s, "- signature: {}", run.signature);
    let _ = writeln!(s, "- openblas: {}", run.openblas);
    let _ = writeln!(s, "- simd: {}", run.simd);
    let _ = writeln!(
        s,
        "- dispatcher table during the run: {}",
        run.dispatcher_table
    );
    let _ = writeln!(s, "- {}", run.rustc);
    let _ = writeln!(s, "- duration: {:.0} s", run.seconds);
    for p in &run.peaks {
        let _ = writeln!(
            s,
            "- FMA peak {} with {} thread(s): {} ({})",
            p.dtype,
            p.threads,
            p.gflops
                .map_or("unknown".into(), |g| format!("{g:.1} GFLOP/s")),
            p.source
        );
    }
    s.push_str(
        "\nMethod: each backend's result is checked against OpenBLAS's on fresh inputs before \
         it is timed (a mismatch is reported, not timed); then warm-up, a batch of calls per \
         timed sample (at least 40 us), many rounds, each timing every backend and the \
         dispatcher back to back with a different one first each round; the median per \
         backend. `disp/best` is the median over rounds of the dispatcher's time over the \
         winner's in the same round, with the interquartile range of those ratios; `*` marks \
         cases the dispatcher routed to the backend that lost this run. Calls rotate over several copies of the \
         inputs. Threads are set per case with `oxblas::set_num_threads`. Times are per call. \
         Flop counts: dot/axpy/nrm2 2n, gemv/ger/symv 2mn, trsv n^2, gemm 2mnk, syrk n^2k, \
         trsm m^2n, LU 2n^3/3, Cholesky n^3/3, QR 4n^3/3, eigh 9n^3, SVD 21n^3, eig 25n^3, \
         eigvals 10n^3, eigvalsh 4n^3/3, singular values 8n^3/3, inv 2n^3; lstsq (m = 2n) \
         2mn^2 - 2n^3/3; pinv, rank, cond 4mn^2 - 4n^3/3. `% peak` is the winner's GFLOP/s \
         over the FMA peak. trsm and \
         trsv restart from the right-hand side each call (the copy is timed for every \
         backend).\n\n## Summary\n\n",
    );
    s.push_str(&summary(run));
    s.push_str("\n## Results\n\n");
    s.push_str(&table(&run.cases));
    s
}

/// The dispatcher table measured by this run: per key, the backend
/// [`super::decide`] picked (the winner, unless within noise of the table's
/// current choice).
pub fn entries(cases: &[CaseResult]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for r in cases {
        let (Some(w), Some(op)) = (&r.table_choice, Op::parse(&r.op)) else {
            continue;
        };
        let Some(winner) = BackendId::parse(w) else {
            continue;
        };
        let dtype = if r.dtype == "f32" {
            DType::F32
        } else {
            DType::F64
        };
        let e = Entry {
            op,
            dtype,
            size_class: r.size_class,
            thread_class: r.thread_class,
            winner,
            shape: r.shape.clone(),
            ns_openblas: r.backends[0].ns,
            ns_simd: r.backends[1].ns,
        };
        // One entry per key: the last measured wins (as in a lookup).
        out.retain(|x| {
            (x.op, x.dtype, x.size_class, x.thread_class)
                != (e.op, e.dtype, e.size_class, e.thread_class)
        });
        out.push(e);
    }
    out
}

/// `base`'s entries not re-measured, then the new ones, in table order.
fn merge(base: Vec<Entry>, new: &[Entry]) -> Vec<Entry> {
    let key = |e: &Entry| (e.op.index(), e.dtype.index(), e.size_class, e.thread_class);
    let mut all: Vec<Entry> = base
        .into_iter()
        .filter(|b| !new.iter().any(|n| key(n) == key(b)))
        .collect();
    all.extend(new.iter().cloned());
    all.sort_by_key(key);
    all
}

fn save(w: &Wisdom, path: &Path, header: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, format!("{header}{}", w.to_text()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes everything under `out` and installs the wisdom.
pub fn write_all(run: &Run, out: &Path, args: &BenchArgs) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!();
    println!("{}", table(&run.cases));
    println!("{}", summary(run));

    let write = |name: &str, text: String| -> Result<PathBuf, String> {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        Ok(p)
    };
    let md = write("report.md", report_md(run))?;
    let json = serde_json::to_string_pretty(run).map_err(|e| e.to_string())?;
    let js = write("results.json", json)?;
    println!("wrote {} and {}", md.display(), js.display());
    for p in super::plot::write_plots(run, out)? {
        println!("wrote {}", p.display());
    }

    let new = entries(&run.cases);
    let sig = Signature::current();
    let header = format!(
        "# Measured by `{}` ({:.0} s), {} cases.\n",
        run.command,
        run.seconds,
        new.len()
    );
    let here = Wisdom {
        signature: sig.clone(),
        entries: new.clone(),
    };
    let p = out.join("wisdom.txt");
    save(&here, &p, &header)?;
    println!("wrote {} ({} entries)", p.display(), new.len());

    if !super::WITH_OPENBLAS {
        println!(
            "simd-only run: wisdom not installed (a build with one backend has nothing to \
             choose; the file under the output directory records the times)"
        );
    } else if !args.no_install {
        match wisdom::default_path() {
            Some(path) => {
                // Keep earlier measurements of this machine for keys this run
                // did not measure (a --quick or --ops run refines, it does
                // not erase).
                let base = match Wisdom::load(&path) {
                    Ok(w) if w.signature.matches(&sig) => w.entries,
                    _ => Vec::new(),
                };
                let w = Wisdom {
                    signature: sig.clone(),
                    entries: merge(base, &new),
                };
                save(&w, &path, &header)?;
                println!(
                    "installed the wisdom the dispatcher reads: {} ({} entries)",
                    path.display(),
                    w.entries.len()
                );
            }
            None => {
                println!("no cache directory (HOME/XDG_CACHE_HOME unset): wisdom not installed")
            }
        }
    }
    if args.write_default {
        let path = crate::cmd::workspace_root()
            .join("crates")
            .join("oxblas")
            .join("src")
            .join("default_wisdom.txt");
        let base = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| Wisdom::parse(&t).ok())
            .map(|w| w.entries)
            .unwrap_or_default();
        let w = Wisdom {
            signature: sig,
            entries: merge(base, &new),
        };
        let header = format!(
            "# Built-in default table of the oxblas dispatcher, measured on the reference\n\
             # machine by `{}` ({} measured keys; other keys kept from the previous table).\n\
             # Regenerate with `cargo xtask bench --write-default`. The signature is not\n\
             # checked for the built-in table.\n",
            run.command,
            new.len()
        );
        save(&w, &path, &header)?;
        println!("wrote the checked-in default table {}", path.display());
    }
    let _ = COLUMNS;
    Ok(())
}
