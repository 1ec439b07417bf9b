//! The LU on a thread team: the one-thread recursion's steps as a task
//! graph, run with look-ahead.
//!
//! The recursion of `factor.rs`, with its row interchanges applied by the
//! recursion (each leaf swaps only its own columns), is a fixed sequence of
//! steps, each of which writes a range of whole leaf panels ("blocks") and
//! reads another:
//! - `Leaf`: factors one block (rows from its diagonal down);
//! - `Update` of a node: on a range of columns of its right half, the left
//!   half's interchanges, the solve with its unit lower triangle and the
//!   gemm with its multipliers (reads the left half);
//! - `LeftSwap` of a node: the right half's interchanges on a range of
//!   columns of the left half (reads the right half's pivots).
//!
//! Any order that keeps, for every block, the steps that write it in
//! sequence and the reads between them where they were computes exactly the
//! same values as the recursion (the gemm and the solve kernel compute each
//! element independently of how the output columns are cut), so the factors
//! are bitwise those of one thread. The team's threads take ready steps,
//! leftmost block first: while one thread factors the next panel, as soon as
//! its columns have been updated, the others update the columns further
//! right (look-ahead), instead of waiting for the serial panel.
//!
//! A node's update is cut along the left spine of its right half (first
//! leaf, its sibling, then each next right subtree: the order in which the
//! recursion will need the columns), and cuts wider than [`PIECE`] columns
//! are cut again so that the threads share them.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use oxblas_core::{MatMut, MatRef, Par, Result, Scalar};

use crate::lapack::util::{apply_swaps, split_point, vectorized};
use crate::team::Team;

use super::factor::{sub_product, use_packed, LEAF};
use super::leaf::leaf;
use super::trsm::solve_unit_lower;

/// Widest column range of one update or interchange step (cut at block
/// edges): a step repacks its node's multipliers, so wider is cheaper, but
/// the threads share a node's update only in steps.
#[cfg(not(test))]
const PIECE: usize = 64;
#[cfg(test)]
const PIECE: usize = 8;

/// Spin rounds before a waiting thread yields between checks.
const SPIN_ROUNDS: u32 = 1 << 12;

/// One step of the recursion (column ranges `c0..c1` are whole blocks).
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Factor columns `c..c + w`, rows `c..n`.
    Leaf { c: usize, w: usize },
    /// The node at `off` (width `w`, left half `n1` wide) on columns
    /// `c0..c1` of its right half: interchanges, solve, gemm.
    Update {
        off: usize,
        n1: usize,
        w: usize,
        c0: usize,
        c1: usize,
    },
    /// The node's right-half interchanges on columns `c0..c1` of its left
    /// half.
    LeftSwap {
        off: usize,
        n1: usize,
        w: usize,
        c0: usize,
        c1: usize,
    },
}

/// A step with the blocks it writes and reads (half-open ranges).
struct Task {
    step: Step,
    write: (usize, usize),
    read: (usize, usize),
}

/// The step list of the recursion on `n` columns, in program order.
struct Plan {
    tasks: Vec<Task>,
    /// Block index of each column.
    block_of: Vec<usize>,
    /// First column of each block, and `n` at the end.
    starts: Vec<usize>,
}

impl Plan {
    fn new(n: usize) -> Plan {
        let mut plan = Plan {
            tasks: Vec::new(),
            block_of: vec![0; n],
            starts: Vec::new(),
        };
        plan.leaves(0, n);
        plan.starts.push(n);
        plan.steps(0, n);
        plan
    }

    /// Records the leaf blocks of the recursion on columns `off..off + w`.
    fn leaves(&mut self, off: usize, w: usize) {
        if w == 0 {
            return;
        }
        if w <= LEAF {
            let b = self.starts.len();
            self.starts.push(off);
            self.block_of[off..off + w].fill(b);
            return;
        }
        let n1 = split_point(w);
        self.leaves(off, n1);
        self.leaves(off + n1, w - n1);
    }

    /// Blocks covering columns `c0..c1` (`c0 < c1`).
    fn blocks(&self, c0: usize, c1: usize) -> (usize, usize) {
        (self.block_of[c0], self.block_of[c1 - 1] + 1)
    }

    /// Cuts `c0..c1` (whole blocks) into about `width`-column ranges at
    /// block edges.
    fn pieces(&self, c0: usize, c1: usize, width: usize) -> Vec<(usize, usize)> {
        let parts = (c1 - c0).div_ceil(width).max(1);
        let mut cuts = vec![c0];
        for p in 1..parts {
            let at = self.starts[self.block_of[c0 + (c1 - c0) * p / parts]];
            if at > *cuts.last().expect("non-empty") {
                cuts.push(at);
            }
        }
        cuts.push(c1);
        cuts.windows(2).map(|w| (w[0], w[1])).collect()
    }

    /// The right siblings along the left spine of the recursion on columns
    /// `s..s + w`: its first leaf, then each next subtree, left to right.
    fn spine(s: usize, w: usize, out: &mut Vec<(usize, usize)>) {
        if w <= LEAF {
            out.push((s, s + w));
            return;
        }
        let h = split_point(w);
        Self::spine(s, h, out);
        out.push((s + h, s + w));
    }

    fn push(&mut self, step: Step, write: (usize, usize), read: (usize, usize)) {
        self.tasks.push(Task { step, write, read });
    }

    /// The steps of the recursion on columns `off..off + w`, as
    /// `factor_rec` runs them without fused interchanges.
    fn steps(&mut self, off: usize, w: usize) {
        if w == 0 {
            return;
        }
        if w <= LEAF {
            let b = self.blocks(off, off + w);
            self.push(Step::Leaf { c: off, w }, b, (0, 0));
            return;
        }
        let n = self.block_of.len();
        let n1 = split_point(w);
        self.steps(off, n1);
        let left = self.blocks(off, off + n1);
        let mut ranges = Vec::new();
        if use_packed(n - off - n1, w - n1, n1) {
            let mut spine = Vec::new();
            Self::spine(off + n1, w - n1, &mut spine);
            for (c0, c1) in spine {
                ranges.extend(self.pieces(c0, c1, PIECE));
            }
        } else {
            // A small product runs gemm's unpacked path: one step, as in
            // the one-thread recursion.
            ranges.push((off + n1, off + w));
        }
        for (c0, c1) in ranges {
            let step = Step::Update { off, n1, w, c0, c1 };
            let b = self.blocks(c0, c1);
            self.push(step, b, left);
        }
        self.steps(off + n1, w - n1);
        let right = self.blocks(off + n1, off + w);
        for (c0, c1) in self.pieces(off, off + n1, PIECE) {
            let step = Step::LeftSwap { off, n1, w, c0, c1 };
            let b = self.blocks(c0, c1);
            self.push(step, b, right);
        }
    }

    /// For each task, the tasks that must wait for it, and how many tasks
    /// each waits for.
    fn graph(&self) -> (Vec<Vec<usize>>, Vec<usize>) {
        let blocks = self.starts.len() - 1;
        let mut writer: Vec<Option<usize>> = vec![None; blocks];
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); blocks];
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); self.tasks.len()];
        let mut count = vec![0; self.tasks.len()];
        for (t, task) in self.tasks.iter().enumerate() {
            let mut deps = Vec::new();
            for b in task.read.0..task.read.1 {
                deps.extend(writer[b]);
                readers[b].push(t);
            }
            for b in task.write.0..task.write.1 {
                deps.extend(writer[b]);
                deps.append(&mut readers[b]);
                writer[b] = Some(t);
            }
            deps.sort_unstable();
            deps.dedup();
            count[t] = deps.len();
            for d in deps {
                succ[d].push(t);
            }
        }
        (succ, count)
    }
}

/// The working matrix and the pivots, shared by the team's threads; the
/// task graph keeps their accesses apart (see [`Shared::view_mut`]).
struct Shared<T> {
    ptr: *mut T,
    n: usize,
    rs: isize,
    cs: isize,
    /// Absolute pivots: row `i` was swapped with row `piv[i]`.
    piv: *mut usize,
}

// SAFETY: the pointers are only dereferenced by steps, and the task graph
// runs two steps at once only if neither writes a column (or pivot) that
// the other reads or writes; the scheduler's mutex orders every step after
// the steps it depends on (release on completion, acquire on claim).
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T: Scalar> Shared<T> {
    /// Rows `r0..n`, columns `c0..c1` of the working matrix.
    ///
    /// # Safety
    /// No step running at the same time reads or writes these columns.
    unsafe fn view_mut(&self, r0: usize, c0: usize, c1: usize) -> MatMut<'_, T> {
        debug_assert!(r0 <= self.n && c0 <= c1 && c1 <= self.n);
        // SAFETY: in bounds of the n x n matrix; exclusive by the caller's
        // promise; distinct indices give distinct addresses (a Mat's strides).
        unsafe {
            MatMut::from_raw_parts(
                self.ptr
                    .offset(r0 as isize * self.rs + c0 as isize * self.cs),
                self.n - r0,
                c1 - c0,
                self.rs,
                self.cs,
            )
        }
    }

    /// Rows `r0..r1`, columns `c0..c1` of the working matrix, read only.
    ///
    /// # Safety
    /// No step running at the same time writes these columns.
    unsafe fn view(&self, r0: usize, r1: usize, c0: usize, c1: usize) -> MatRef<'_, T> {
        debug_assert!(r0 <= r1 && r1 <= self.n && c0 <= c1 && c1 <= self.n);
        // SAFETY: in bounds; not written meanwhile by the caller's promise.
        unsafe {
            MatRef::from_raw_parts(
                self.ptr
                    .offset(r0 as isize * self.rs + c0 as isize * self.cs)
                    as *const T,
                r1 - r0,
                c1 - c0,
                self.rs,
                self.cs,
            )
        }
    }

    /// Pivots `i0..i1`, relative to row `base`.
    ///
    /// # Safety
    /// The leaves that write them are done and no step running at the same
    /// time writes them.
    unsafe fn pivots(&self, i0: usize, i1: usize, base: usize) -> Vec<usize> {
        // SAFETY: i < n, written before (caller's promise).
        (i0..i1)
            .map(|i| unsafe { *self.piv.add(i) } - base)
            .collect()
    }

    /// Runs one step.
    ///
    /// # Safety
    /// The steps this one depends on in the task graph are done, and no step
    /// running at the same time conflicts with it.
    unsafe fn run(&self, step: Step, buf: &mut Vec<T>) -> Result<()> {
        let n = self.n;
        // SAFETY (all blocks below): the views and pivots are those of the
        // step's write and read blocks, free of conflicts by the caller's
        // promise.
        match step {
            Step::Leaf { c, w } => {
                let panel = unsafe { self.view_mut(c, c, c + w) };
                let mut p = [0usize; LEAF];
                let p = &mut p[..w];
                vectorized(
                    #[inline(always)]
                    || leaf(panel, p, buf),
                );
                for (t, &r) in p.iter().enumerate() {
                    // SAFETY: c + t < n; this leaf owns these pivots.
                    unsafe { *self.piv.add(c + t) = c + r };
                }
                Ok(())
            }
            Step::Update { off, n1, w, c0, c1 } => {
                let mut part = unsafe { self.view_mut(off, c0, c1) };
                let piv = unsafe { self.pivots(off, off + n1, off) };
                apply_swaps(part.rb_mut(), &piv);
                let (mut top, bot) = part.split_at_row(n1);
                let l11 = unsafe { self.view(off, off + n1, off, off + n1) };
                solve_unit_lower(l11, top.rb_mut(), Par::Seq)?;
                let l21 = unsafe { self.view(off + n1, n, off, off + n1) };
                // The kernel choice of the whole product (`Plan::steps`).
                let packed = use_packed(n - off - n1, w - n1, n1);
                sub_product(l21, top.rb(), bot, packed)
            }
            Step::LeftSwap { off, n1, w, c0, c1 } => {
                let part = unsafe { self.view_mut(off + n1, c0, c1) };
                let piv = unsafe { self.pivots(off + n1, off + w, off + n1) };
                apply_swaps(part, &piv);
                Ok(())
            }
        }
    }
}

/// What the scheduler's mutex guards.
struct Queue {
    /// Tasks not yet done each task waits for.
    waiting: Vec<usize>,
    /// Tasks whose dependencies are done, not yet claimed.
    ready: Vec<usize>,
}

/// The task graph's shared state during a run.
struct Scheduler<'a> {
    plan: &'a Plan,
    succ: Vec<Vec<usize>>,
    queue: Mutex<Queue>,
    /// Length of `queue.ready`, readable without the lock.
    ready_len: AtomicUsize,
    done: AtomicUsize,
    /// Set when a step failed or panicked: the others stop.
    abort: AtomicBool,
    error: Mutex<Option<oxblas_core::Error>>,
}

/// Sets the abort flag if dropped during a panic (the others would wait for
/// the step forever otherwise).
struct AbortOnUnwind<'a>(&'a AtomicBool);

impl Drop for AbortOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

impl Scheduler<'_> {
    /// Claims the ready task of the leftmost written block (then the
    /// earliest in program order).
    fn claim(&self) -> Option<usize> {
        if self.ready_len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let tasks = &self.plan.tasks;
        let (at, _) = q
            .ready
            .iter()
            .enumerate()
            .min_by_key(|&(_, &t)| (tasks[t].write.0, t))?;
        let t = q.ready.swap_remove(at);
        self.ready_len.store(q.ready.len(), Ordering::Release);
        Some(t)
    }

    /// Marks `t` done and releases the tasks that waited only for it.
    fn finish(&self, t: usize) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        for &s in &self.succ[t] {
            q.waiting[s] -= 1;
            if q.waiting[s] == 0 {
                q.ready.push(s);
            }
        }
        self.ready_len.store(q.ready.len(), Ordering::Release);
        drop(q);
        self.done.fetch_add(1, Ordering::Release);
    }

    /// One thread's share: claims and runs ready tasks until all are done.
    /// It waits only for tasks other threads are running (a claimed task
    /// runs to its end without waiting), so it may run alone.
    fn work<T: Scalar>(&self, shared: &Shared<T>) {
        let total = self.plan.tasks.len();
        let mut buf = Vec::new();
        let mut spins = 0u32;
        loop {
            if self.abort.load(Ordering::Acquire) || self.done.load(Ordering::Acquire) == total {
                return;
            }
            let Some(t) = self.claim() else {
                if spins < SPIN_ROUNDS {
                    spins += 1;
                    core::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
                continue;
            };
            spins = 0;
            let guard = AbortOnUnwind(&self.abort);
            // SAFETY: `t` became ready only after every task it depends on
            // finished (under the queue's lock, which this thread took to
            // claim it), and the graph orders every pair of conflicting
            // steps, so nothing running now conflicts with it.
            let r = unsafe { shared.run(self.plan.tasks[t].step, &mut buf) };
            drop(guard);
            if let Err(e) = r {
                self.error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                self.abort.store(true, Ordering::Release);
                return;
            }
            self.finish(t);
        }
    }
}

/// Factors the square `a` in place on the team (`piv`: `a.rows()` entries,
/// absolute); the factors are bitwise those of the one-thread recursion.
pub(super) fn factor<T: Scalar>(
    mut a: MatMut<'_, T>,
    piv: &mut [usize],
    team: &Team,
) -> Result<()> {
    let n = a.rows();
    assert!(a.cols() == n && piv.len() == n, "dag::factor shapes");
    if n == 0 {
        return Ok(());
    }
    let plan = Plan::new(n);
    let (succ, waiting) = plan.graph();
    let ready = (0..plan.tasks.len())
        .filter(|&t| waiting[t] == 0)
        .collect::<Vec<_>>();
    let sched = Scheduler {
        plan: &plan,
        succ,
        ready_len: AtomicUsize::new(ready.len()),
        queue: Mutex::new(Queue { waiting, ready }),
        done: AtomicUsize::new(0),
        abort: AtomicBool::new(false),
        error: Mutex::new(None),
    };
    let shared = Shared {
        ptr: a.ptr_at_mut(0, 0),
        n,
        rs: a.row_stride(),
        cs: a.col_stride(),
        piv: piv.as_mut_ptr(),
    };
    team.run(&|_| sched.work(&shared));
    if let Some(e) = sched.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan runs every step of the recursion once: each column in one
    /// leaf, each node's right half updated and its left half swapped once
    /// by whole blocks, every task after the tasks it waits for, and a
    /// sequential run of the graph (in any ready order) finishes.
    #[test]
    fn plans_cover_the_recursion() {
        for n in (1..=70).chain([97, 128, 255, 256, 257]) {
            let plan = Plan::new(n);
            let mut leaf_cols = vec![0; n];
            let mut updated = std::collections::HashMap::new();
            let mut swapped = std::collections::HashMap::new();
            for task in &plan.tasks {
                let edge = |c: usize| c == n || plan.starts[plan.block_of[c]] == c;
                match task.step {
                    Step::Leaf { c, w } => {
                        assert!((1..=LEAF).contains(&w));
                        leaf_cols[c..c + w].iter_mut().for_each(|x| *x += 1);
                    }
                    Step::Update { off, n1, w, c0, c1 } => {
                        assert!(edge(c0) && edge(c1) && off + n1 <= c0 && c0 < c1 && c1 <= off + w);
                        *updated.entry((off, w)).or_insert(0) += c1 - c0;
                    }
                    Step::LeftSwap { off, n1, w, c0, c1 } => {
                        assert!(edge(c0) && edge(c1) && off <= c0 && c0 < c1 && c1 <= off + n1);
                        *swapped.entry((off, w, n1)).or_insert(0) += c1 - c0;
                    }
                }
            }
            assert!(leaf_cols.iter().all(|&x| x == 1), "n = {n}");
            for (&(off, w, n1), &cols) in &swapped {
                assert_eq!(cols, n1, "n = {n}: left half of node ({off}, {w})");
                assert_eq!(
                    updated[&(off, w)],
                    w - n1,
                    "n = {n}: right half of node ({off}, {w})"
                );
            }
            assert_eq!(swapped.len(), updated.len());
            let (succ, mut waiting) = plan.graph();
            for (t, s) in succ.iter().enumerate() {
                assert!(s.iter().all(|&u| u > t));
            }
            let mut ready: Vec<usize> =
                (0..plan.tasks.len()).filter(|&t| waiting[t] == 0).collect();
            let mut done = 0;
            while let Some(t) = ready.pop() {
                done += 1;
                for &s in &succ[t] {
                    waiting[s] -= 1;
                    if waiting[s] == 0 {
                        ready.push(s);
                    }
                }
            }
            assert_eq!(done, plan.tasks.len(), "n = {n}");
        }
    }
}
