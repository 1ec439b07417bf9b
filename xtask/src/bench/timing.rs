//! The timing engine: warm-up, a batch size per backend so that tiny calls
//! are timed in batches, then rounds that alternate the backends (a
//! different one first each round), and the median per backend. Each timed
//! batch of a short call follows one untimed call of the same backend
//! ([`WARM_CALL_MAX_S`]).
//!
//! A timed batch is short (tens of microseconds: enough calls that the
//! clock's cost vanishes), so that many rounds fit in a case: a batch that
//! another process preempts spoils one sample, not the median, and the
//! backends' samples of one round lie microseconds apart, so drift hits them
//! alike and per-round ratios ([`paired`]) cancel it.

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
    /// Nanoseconds per call of every round, in round order (sample `r` of
    /// every backend that finished comes from round `r`).
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

/// The `q` quantile (`0 <= q <= 1`) of `v`, interpolated linearly between
/// order statistics; NaN for an empty slice.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

pub fn median(v: &[f64]) -> f64 {
    quantile(v, 0.5)
}

/// A ratio and its spread over the rounds of one case.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Spread {
    /// The median of the per-round ratios.
    pub median: f64,
    /// Their first quartile.
    pub q1: f64,
    /// Their third quartile.
    pub q3: f64,
    /// Rounds compared.
    pub rounds: usize,
    /// Rounds in which the ratio was below 1 (the numerator was faster).
    pub below_one: usize,
}

/// Per-round ratios `num[r] / den[r]` of two backends timed in the same
/// rounds (samples in round order), summarized. `None` without a common
/// round or with a non-positive time.
pub fn paired(num: &[f64], den: &[f64]) -> Option<Spread> {
    let ratios: Vec<f64> = num
        .iter()
        .zip(den)
        .filter(|(n, d)| **n > 0.0 && **d > 0.0)
        .map(|(n, d)| n / d)
        .collect();
    if ratios.is_empty() {
        return None;
    }
    Some(Spread {
        median: median(&ratios),
        q1: quantile(&ratios, 0.25),
        q3: quantile(&ratios, 0.75),
        rounds: ratios.len(),
        below_one: ratios.iter().filter(|&&r| r < 1.0).count(),
    })
}

/// A call that took this long (seconds) when the result was checked needs
/// no warm-up before it is timed: the check ran the same code on the same
/// kind of inputs, and one call this long is its own batch.
pub const NO_WARMUP_S: f64 = 0.1;

/// Calls shorter than this (seconds) get one untimed call of the same
/// backend right before each timed batch. A backend's state after its own
/// call (its worker threads awake or spinning, its code and tables in cache)
/// is what a program calling it repeatedly sees; without the warm call a
/// batch would start in whatever state the previous backend of the round
/// left, and with three backends rotated `(r + j) % 3` each backend is not
/// preceded by the others equally often (the dispatcher followed the direct
/// simd call in two rounds of three), which favoured or penalised the
/// dispatcher on threaded calls by the cost of waking a team (tens of
/// microseconds). Above this length a wake-up is lost in the call.
pub const WARM_CALL_MAX_S: f64 = 2e-3;

/// Times every function in `fns` whose `active` flag is set on the same
/// inputs (rotating through `copies` copies). A backend that returns an
/// error while timed gets `Err` and drops out of the remaining rounds.
/// `checked_s[b]` is how long backend `b`'s checked call took, if known.
pub fn measure<T>(
    inp: &mut Inputs<T>,
    copies: usize,
    fns: &[ExecFn<T>],
    active: &[bool],
    checked_s: &[Option<f64>],
    plan: Plan,
) -> Vec<Option<Result<Timed, String>>> {
    let nb = fns.len();
    let mut result: Vec<Option<Result<Timed, String>>> = vec![None; nb];
    let mut batch = vec![1usize; nb];
    let mut est = vec![0.0f64; nb];
    // One rotation shared by all backends: each batch starts on the copies
    // the previous batch (of whichever backend) did not just touch, so no
    // backend runs on inputs another one has just brought into cache. (With
    // a cursor per backend, the backends' cursors kept fixed offsets, and a
    // backend whose copies were the ones its predecessor in the round had
    // just read ran on warm inputs in two rounds of three.)
    let mut next = 0usize;
    let mut alive: Vec<bool> = active.to_vec();
    // Warm-up and batch size: grow the batch until it takes `batch_s`.
    for b in 0..nb {
        if !alive[b] {
            continue;
        }
        let mut calls = 1usize;
        if let Some(t) = checked_s
            .get(b)
            .copied()
            .flatten()
            .filter(|&t| t >= NO_WARMUP_S)
        {
            est[b] = t;
            continue;
        }
        let calibrated = (|| -> Result<(), String> {
            let warm = run_batch(fns[b], inp, 1, copies, &mut next)?;
            if warm >= plan.batch_s {
                // A slow call: one call per sample, no calibration needed.
                est[b] = warm;
                return Ok(());
            }
            loop {
                let t = run_batch(fns[b], inp, calls, copies, &mut next)?;
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
    let warm_call: Vec<bool> = est.iter().map(|&t| t < WARM_CALL_MAX_S).collect();
    let round_s: f64 = (0..nb)
        .filter(|&b| alive[b])
        .map(|b| est[b] * (batch[b] + usize::from(warm_call[b])) as f64)
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
            let warm = if warm_call[b] {
                run_batch(fns[b], inp, 1, copies, &mut next).map(|_| ())
            } else {
                Ok(())
            };
            match warm.and_then(|()| run_batch(fns[b], inp, batch[b], copies, &mut next)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(median(&v), 2.5);
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn paired_ratios_cancel_common_drift() {
        // The machine slows down 3x halfway; b is always 10% slower than a.
        let a: Vec<f64> = (0..10).map(|r| if r < 5 { 100.0 } else { 300.0 }).collect();
        let b: Vec<f64> = a.iter().map(|x| x * 1.1).collect();
        let s = paired(&b, &a).unwrap();
        assert!((s.median - 1.1).abs() < 1e-12, "{s:?}");
        assert!((s.q1 - 1.1).abs() < 1e-12 && (s.q3 - 1.1).abs() < 1e-12);
        assert_eq!((s.rounds, s.below_one), (10, 0));
        let s = paired(&a, &b).unwrap();
        assert_eq!(s.below_one, 10);
        // Rounds with a missing or zero time are left out.
        assert_eq!(paired(&[1.0, 0.0], &[2.0, 1.0]).unwrap().rounds, 1);
        assert!(paired(&[], &[]).is_none());
    }
}
