//! The timing engine: warm-up, a batch size per backend so that tiny calls
//! are timed in batches, then rounds that alternate the backends (a
//! different one first each round), and the median per backend.

use std::time::Instant;

use super::cases::{Inputs, Out};

/// One call of the operation on input copy `i`.
pub type ExecFn<T> = fn(&mut Inputs<T>, usize) -> oxblas::Result<Out<T>>;

/// How long to time.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Seconds one timed batch should take at least.
    pub batch_s: f64,
    /// Seconds all rounds of one case should take (all backends together).
    pub case_s: f64,
    pub min_rounds: usize,
    pub max_rounds: usize,
}

/// The timing of one backend on one case.
#[derive(Clone, Debug)]
pub struct Timed {
    /// Median nanoseconds per call.
    pub ns: f64,
    /// Nanoseconds per call of every round.
    pub samples: Vec<f64>,
    /// Calls per timed batch.
    pub batch: usize,
}

fn run_batch<T>(
    f: ExecFn<T>,
    inp: &mut Inputs<T>,
    calls: usize,
    copies: usize,
    next: &mut usize,
) -> Result<f64, String> {
    let t = Instant::now();
    for _ in 0..calls {
        let out = f(inp, *next).map_err(|e| format!("error: {e}"))?;
        std::hint::black_box(&out);
        drop(out);
        *next += 1;
        if *next == copies {
            *next = 0;
        }
    }
    Ok(t.elapsed().as_secs_f64())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// Times every function in `fns` whose `active` flag is set on the same
/// inputs (rotating through `copies` copies). A backend that returns an
/// error while timed gets `Err` and drops out of the remaining rounds.
pub fn measure<T>(
    inp: &mut Inputs<T>,
    copies: usize,
    fns: &[ExecFn<T>],
    active: &[bool],
    plan: Plan,
) -> Vec<Option<Result<Timed, String>>> {
    let nb = fns.len();
    let mut result: Vec<Option<Result<Timed, String>>> = vec![None; nb];
    let mut batch = vec![1usize; nb];
    let mut est = vec![0.0f64; nb];
    let mut next = vec![0usize; nb];
    let mut alive: Vec<bool> = active.to_vec();
    // Warm-up and batch size: grow the batch until it takes `batch_s`.
    for b in 0..nb {
        if !alive[b] {
            continue;
        }
        let mut calls = 1usize;
        let calibrated = (|| -> Result<(), String> {
            let warm = run_batch(fns[b], inp, 1, copies, &mut next[b])?;
            if warm >= plan.batch_s {
                // A slow call: one call per sample, no calibration needed.
                est[b] = warm;
                return Ok(());
            }
            loop {
                let t = run_batch(fns[b], inp, calls, copies, &mut next[b])?;
                if t >= plan.batch_s || calls >= 1 << 26 {
                    est[b] = t / calls as f64;
                    return Ok(());
                }
                let grow = (plan.batch_s / t.max(1e-9) * 1.2).ceil() as usize;
                calls = calls.saturating_mul(grow.clamp(2, 100));
            }
        })();
        if let Err(e) = calibrated {
            result[b] = Some(Err(e));
            alive[b] = false;
        }
        batch[b] = calls;
    }
    let round_s: f64 = (0..nb)
        .filter(|&b| alive[b])
        .map(|b| est[b] * batch[b] as f64)
        .sum();
    let rounds =
        ((plan.case_s / round_s.max(1e-9)) as usize).clamp(plan.min_rounds, plan.max_rounds);
    let mut samples = vec![Vec::with_capacity(rounds); nb];
    for r in 0..rounds {
        for j in 0..nb {
            let b = (r + j) % nb;
            if !alive[b] {
                continue;
            }
            match run_batch(fns[b], inp, batch[b], copies, &mut next[b]) {
                Ok(t) => samples[b].push(t * 1e9 / batch[b] as f64),
                Err(e) => {
                    result[b] = Some(Err(e));
                    alive[b] = false;
                }
            }
        }
    }
    for b in 0..nb {
        if alive[b] && !samples[b].is_empty() {
            result[b] = Some(Ok(Timed {
                ns: median(&samples[b]),
                samples: std::mem::take(&mut samples[b]),
                batch: batch[b],
            }));
        }
    }
    result
}

/// The median of `rounds` batches of `calls` calls to `f`, in nanoseconds
/// per call (for the dispatch-overhead check, where the call must stay
/// inlined in its loop).
pub fn median_ns(rounds: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    let mut s = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..calls {
            f();
        }
        s.push(t.elapsed().as_secs_f64() * 1e9 / calls as f64);
    }
    median(&s)
}
