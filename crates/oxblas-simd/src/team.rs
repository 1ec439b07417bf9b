//! A spinning thread team: an OpenMP-style parallel region for the
//! factorizations, whose parallel sections cost about a microsecond.
//!
//! A recursive factorization starts a hundred or more short parallel sections
//! (row swaps, triangular solves, gemm updates). Through rayon each one
//! wakes a sleeping worker with a futex, which on a virtual machine costs
//! about 100 us, more than many of the sections themselves. [`with_team`]
//! instead starts its members once (scoped std threads) and keeps them for
//! the whole call; between sections they spin on an atomic word, so that
//! [`Team::run`] only publishes a job and waits for it.
//!
//! # Protocol
//! One `AtomicU64` word, `state`, holds the epoch (high 32 bits) and the
//! next unclaimed tid of the current job (low 32 bits). [`Team::run`] writes
//! the job pointer, then publishes `(epoch + 1, 1)` with a release store (tid
//! 0 is the caller's). A member claims a tid by compare-and-swap of the low
//! half, runs the job for it and counts it in `done`. After tid 0, the caller
//! claims what is left the same way, so a member that the OS has not
//! scheduled yet delays nothing: on a loaded machine the work simply runs on
//! fewer threads. `run` returns once `done` reaches the team size.
//!
//! Consequences for callers:
//! - the jobs of one `run` must not wait for each other (no barrier inside
//!   a job): one thread may run several tids in turn;
//! - which thread runs a tid is not fixed, so a job's result must depend only
//!   on its tid (then results do not depend on timing).
//!
//! # Why the lifetime erasure is sound
//! Members are spawned in a [`std::thread::scope`] and only see the job
//! through a raw pointer whose lifetime is erased. A member dereferences it
//! only after a successful claim of a tid below the size in the epoch the
//! pointer belongs to (the claim is a compare-and-swap on the word that was
//! release-stored after the pointer was written) and stops using it before
//! its `done` increment (release). `run` does not return, or unwind, before
//! it has seen (acquire) all `size` increments of its epoch: by then every
//! tid is claimed, so no later claim of that epoch can succeed, and every
//! use of the pointer has finished. Only then may the closure die or the
//! pointer be overwritten. Panics in jobs are caught (on every thread) and
//! resumed by `run` after that wait.
//!
//! Waiting spins with [`core::hint::spin_loop`] for a bounded number of
//! rounds, then calls [`std::thread::yield_now`] between checks, so that a
//! member waiting through a long serial phase of the caller does not starve
//! other processes on a loaded machine. A call from inside a rayon worker or
//! from inside another team (caller or member) gets a team of one and spawns
//! nothing; members exit before `with_team` returns.

use core::cell::{Cell, UnsafeCell};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use oxblas_core::Par;

/// Spin rounds (`spin_loop` hints) before a waiting thread yields between
/// checks: a few hundred microseconds, longer than most serial phases
/// between the sections of a factorization.
const SPIN_ROUNDS: u32 = 1 << 14;

/// A job with its lifetime erased (see the module docs for why this is
/// sound).
type JobPtr = *const (dyn Fn(usize) + Sync + 'static);

std::thread_local! {
    /// Whether this thread is a team's caller (inside `with_team`) or member.
    static IN_TEAM: Cell<bool> = const { Cell::new(false) };
}

/// The state shared between the caller and the members.
struct Shared {
    /// Epoch (high 32 bits) and next unclaimed tid (low 32 bits).
    state: AtomicU64,
    /// Tids of the current epoch that have finished.
    done: AtomicUsize,
    /// Set once, when the members must exit.
    quit: AtomicBool,
    /// The current job; written only by the caller, between epochs.
    job: UnsafeCell<Option<JobPtr>>,
    /// The first panic payload of the current `run`.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    size: usize,
}

// SAFETY: `job` is the only field that is not `Sync`. It is written by the
// caller only while no tid of any epoch is claimable or running (all `size`
// tids of the previous epoch done, seen with acquire), and read by a member
// only after it claimed a tid of the epoch published (release) after that
// write; see the module docs. The pointee is `Sync`.
unsafe impl Sync for Shared {}

/// Waits with bounded spinning, then yielding.
struct Backoff(u32);

impl Backoff {
    fn new() -> Self {
        Backoff(0)
    }
    fn snooze(&mut self) {
        if self.0 < SPIN_ROUNDS {
            self.0 += 1;
            core::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

impl Shared {
    fn new(size: usize) -> Self {
        Shared {
            // Epoch 0 with every tid claimed: nothing to run yet.
            state: AtomicU64::new(size as u64),
            done: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            job: UnsafeCell::new(None),
            panic: Mutex::new(None),
            size,
        }
    }

    /// Claims an unclaimed tid of the current epoch, if there is one.
    fn claim(&self) -> Option<usize> {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            let next = (s & 0xffff_ffff) as usize;
            if next >= self.size {
                return None;
            }
            match self
                .state
                .compare_exchange_weak(s, s + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(next),
                Err(now) => s = now,
            }
        }
    }

    /// Runs the current job for a tid just claimed, catching a panic, and
    /// counts it done.
    fn execute(&self, tid: usize) {
        // SAFETY: a tid of the current epoch was claimed (acquire on `state`,
        // which was release-stored after `job` was written), so `job` holds
        // that epoch's pointer and the caller keeps the closure alive and the
        // cell unchanged until this tid is counted in `done` below.
        let job = unsafe { (*self.job.get()).expect("team job published") };
        // SAFETY: as above, the pointee outlives this call.
        let f = unsafe { &*job };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(tid))) {
            let mut slot = self.panic.lock().unwrap_or_else(|e| e.into_inner());
            slot.get_or_insert(payload);
        }
        self.done.fetch_add(1, Ordering::Release);
    }

    /// A member's life: claim and run tids until told to quit.
    fn member(&self) {
        let mut backoff = Backoff::new();
        loop {
            if let Some(tid) = self.claim() {
                self.execute(tid);
                backoff = Backoff::new();
                continue;
            }
            if self.quit.load(Ordering::Acquire) {
                return;
            }
            backoff.snooze();
        }
    }
}

/// A team of threads held by [`with_team`]; see the module docs.
///
/// Not `Sync`, and handed out only by reference: only the thread that called
/// `with_team` can call [`Team::run`], and a job (`Sync`) cannot capture
/// the team.
pub(crate) struct Team<'a> {
    shared: Option<&'a Shared>,
    size: usize,
    _not_sync: PhantomData<Cell<()>>,
}

impl Team<'_> {
    /// A team of one: [`Team::run`] calls the job on the caller.
    pub(crate) fn single() -> Team<'static> {
        Team {
            shared: None,
            size: 1,
            _not_sync: PhantomData,
        }
    }

    /// The number of tids each [`Team::run`] runs (`>= 1`).
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Runs `job(tid)` for `tid` in `0..size()` (tid 0 on the caller, the
    /// others on whichever team thread claims them first), returns when all
    /// have finished; a panic in any of them is resumed here after that.
    /// The jobs must not wait for each other.
    pub(crate) fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        let Some(sh) = self.shared else {
            job(0);
            return;
        };
        // SAFETY: only the lifetime is changed (fat pointer to fat pointer of
        // the same trait object). The erased pointer is used only until this
        // function has seen all `size` tids done, below, before it returns or
        // unwinds (module docs).
        let ptr: JobPtr = unsafe {
            core::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), JobPtr>(
                job as *const (dyn Fn(usize) + Sync),
            )
        };
        // SAFETY: no tid is claimable or running: the previous `run` (if any)
        // saw all of its tids done, and every tid of its epoch was claimed,
        // so no member reads the cell until the release store below.
        unsafe { *sh.job.get() = Some(ptr) };
        sh.done.store(0, Ordering::Relaxed);
        let epoch = (sh.state.load(Ordering::Relaxed) >> 32).wrapping_add(1) & 0xffff_ffff;
        sh.state.store((epoch << 32) | 1, Ordering::Release);
        let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
        sh.done.fetch_add(1, Ordering::Relaxed);
        while let Some(tid) = sh.claim() {
            sh.execute(tid);
        }
        let mut backoff = Backoff::new();
        while sh.done.load(Ordering::Acquire) < sh.size {
            backoff.snooze();
        }
        let theirs = sh.panic.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Err(payload) = mine {
            resume_unwind(payload);
        }
        if let Some(payload) = theirs {
            resume_unwind(payload);
        }
    }

    /// Hands `parts[t]` to `job(t, parts[t])` for each part, over the team
    /// (at most `size()` parts; tids without a part do nothing).
    pub(crate) fn run_parts<P: Send>(&self, parts: Vec<P>, job: &(dyn Fn(usize, P) + Sync)) {
        assert!(parts.len() <= self.size, "more parts than team members");
        if parts.len() <= 1 {
            for p in parts {
                job(0, p);
            }
            return;
        }
        let slots: Vec<Mutex<Option<P>>> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
        self.run(&|tid| {
            let part = slots
                .get(tid)
                .and_then(|s| s.lock().unwrap_or_else(|e| e.into_inner()).take());
            if let Some(p) = part {
                job(tid, p);
            }
        });
    }
}

/// Sets the quit flag when dropped (also when the caller's `f` unwinds), so
/// that the scope can join the members.
struct Quit<'a>(&'a Shared);

impl Drop for Quit<'_> {
    fn drop(&mut self) {
        self.0.quit.store(true, Ordering::Release);
    }
}

/// Resets the thread-local team flag when dropped.
struct InTeam;

impl InTeam {
    fn enter() -> Self {
        IN_TEAM.with(|c| c.set(true));
        InTeam
    }
}

impl Drop for InTeam {
    fn drop(&mut self) {
        IN_TEAM.with(|c| c.set(false));
    }
}

/// The team size a call with `par` gets here: `par`'s thread count, or 1 for
/// `Par::Seq`, inside a rayon worker or inside another team.
pub(crate) fn team_size(par: Par) -> usize {
    if rayon::current_thread_index().is_some() || IN_TEAM.with(|c| c.get()) {
        1
    } else {
        par.threads()
    }
}

/// Runs `f` with a team of up to `par`'s thread count (1 for `Par::Seq`,
/// inside a rayon worker or inside another team), members held for the
/// whole call and gone when it returns.
pub(crate) fn with_team<R: Send>(par: Par, f: impl FnOnce(&Team) -> R + Send) -> R {
    let size = team_size(par);
    if size <= 1 {
        return f(&Team::single());
    }
    let shared = Shared::new(size);
    std::thread::scope(|s| {
        let quit = Quit(&shared);
        for _ in 1..size {
            let sh = &shared;
            // A thread that fails to start is harmless: the caller claims its
            // tids.
            let _ = std::thread::Builder::new().spawn_scoped(s, move || {
                let _flag = InTeam::enter();
                sh.member();
            });
        }
        let _flag = InTeam::enter();
        let team = Team {
            shared: Some(&shared),
            size,
            _not_sync: PhantomData,
        };
        let r = f(&team);
        drop(quit);
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_tid_runs_once_for_sizes_one_to_four() {
        for n in 1..=4 {
            with_team(Par::Rayon(n), |team| {
                assert_eq!(team.size(), n);
                for _ in 0..3 {
                    let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
                    team.run(&|tid| {
                        hits[tid].fetch_add(1, Ordering::Relaxed);
                    });
                    assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
                }
            });
        }
        with_team(Par::Seq, |team| assert_eq!(team.size(), 1));
    }

    #[test]
    fn tid_zero_runs_on_the_caller_and_members_are_other_threads() {
        let me = std::thread::current().id();
        with_team(Par::Rayon(3), |team| {
            let ids = Mutex::new(Vec::new());
            for _ in 0..200 {
                team.run(&|tid| {
                    let id = std::thread::current().id();
                    if tid == 0 {
                        assert_eq!(id, me);
                    }
                    ids.lock().unwrap().push(id);
                    // Give members time to claim.
                    std::thread::sleep(std::time::Duration::from_micros(50));
                });
            }
            let distinct: HashSet<_> = ids.into_inner().unwrap().into_iter().collect();
            assert!(distinct.contains(&me));
            assert!(distinct.len() <= 3);
        });
    }

    #[test]
    fn nested_calls_get_a_team_of_one() {
        let total = AtomicUsize::new(0);
        with_team(Par::Rayon(2), |team| {
            assert_eq!(with_team(Par::Rayon(4), |inner| inner.size()), 1);
            team.run(&|_| {
                with_team(Par::Rayon(4), |inner| {
                    assert_eq!(inner.size(), 1);
                    inner.run(&|t| {
                        total.fetch_add(t + 1, Ordering::Relaxed);
                    });
                });
            });
        });
        assert_eq!(total.load(Ordering::Relaxed), 2);
        // After return the flag is cleared: a new call gets a real team.
        assert_eq!(with_team(Par::Rayon(2), |t| t.size()), 2);
        // Inside a rayon worker: one.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| with_team(Par::Rayon(2), |t| t.size())), 1);
    }

    #[test]
    fn callable_while_the_rayon_pool_is_busy() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let release = AtomicBool::new(false);
        pool.in_place_scope(|s| {
            s.spawn(|_| {
                while !release.load(Ordering::Acquire) {
                    std::thread::yield_now();
                }
            });
            let sum = AtomicUsize::new(0);
            with_team(Par::Rayon(2), |team| {
                team.run(&|tid| {
                    sum.fetch_add(tid + 1, Ordering::Relaxed);
                });
            });
            assert_eq!(sum.load(Ordering::Relaxed), 3);
            release.store(true, Ordering::Release);
        });
    }

    #[test]
    fn panics_propagate_from_members_and_caller() {
        for bad in [0usize, 1, 2] {
            let r = catch_unwind(AssertUnwindSafe(|| {
                with_team(Par::Rayon(3), |team| {
                    team.run(&|tid| {
                        if tid == bad {
                            panic!("tid {tid} fails");
                        }
                    });
                })
            }));
            let payload = r.expect_err("the panic must reach the caller");
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default();
            assert_eq!(msg, format!("tid {bad} fails"));
        }
        // The team is usable after a caught panic inside `f`.
        let ok = with_team(Par::Rayon(2), |team| {
            let r = catch_unwind(AssertUnwindSafe(|| team.run(&|_| panic!("x"))));
            assert!(r.is_err());
            let n = AtomicUsize::new(0);
            team.run(&|_| {
                n.fetch_add(1, Ordering::Relaxed);
            });
            n.load(Ordering::Relaxed)
        });
        assert_eq!(ok, 2);
    }

    #[test]
    fn many_short_runs_and_parts() {
        with_team(Par::Rayon(2), |team| {
            let sum = AtomicUsize::new(0);
            for i in 0..20_000 {
                team.run(&|tid| {
                    sum.fetch_add(i * 2 + tid, Ordering::Relaxed);
                });
            }
            let want: usize = (0..20_000).map(|i| 4 * i + 1).sum();
            assert_eq!(sum.load(Ordering::Relaxed), want);
            let mut data = vec![0usize; 10];
            let parts: Vec<&mut [usize]> = data.chunks_mut(5).collect();
            team.run_parts(parts, &|tid, p| p.iter_mut().for_each(|x| *x = tid + 1));
            assert_eq!(data, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
        });
    }
}
