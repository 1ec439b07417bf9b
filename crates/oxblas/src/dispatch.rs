//! The dispatcher: which backend runs a call, and why.
//!
//! Sources, highest first:
//! 1. a scoped override, [`with_backend`] (thread-local, nests);
//! 2. the process-wide `OXBLAS_BACKEND=openblas|simd|auto`;
//! 3. (both backends compiled in) a call from inside a rayon worker goes to
//!    the SIMD backend, which runs it sequentially there — see below;
//! 4. this machine's wisdom file ([`wisdom::default_path`]);
//! 5. the built-in default table (`default_wisdom.txt`).
//!
//! The table is an array indexed by `(op, dtype, size class, thread class)`,
//! built once on first use: a lookup takes no lock, allocates nothing and
//! hashes nothing. Every call first tries the fast path (`fast_choice`):
//! the bit length of the work measure (the class edges are powers of two,
//! so the table is indexed by it directly) and one relaxed atomic byte load
//! from a static copy of the current thread class's table. That copy holds
//! the "take the full path" code everywhere while a [`with_backend`] scope
//! is open on any thread or before the table is built; then the call takes
//! the full path (`choose`). With one
//! backend compiled in, every call goes straight to it; the only cost is one
//! relaxed atomic load that notices a scoped override asking for the
//! missing backend.
//!
//! # Threads and rayon
//!
//! OpenBLAS 0.3.21 has one process-wide thread count, so changing it around a
//! single call would race with calls on other threads. Instead, when both
//! backends are compiled in, a call made on a rayon worker thread is routed
//! to the SIMD backend, whose kernels run sequentially on rayon workers
//! (`oxblas_simd::current_par`); the outer rayon loop already uses the cores.
//! An explicit [`with_backend`] or `OXBLAS_BACKEND` still wins. In an
//! OpenBLAS-only build, calls from rayon workers go to OpenBLAS with its
//! global thread count; OpenBLAS serializes its multi-threaded level-3
//! drivers internally, so the cores are not oversubscribed, but call
//! [`set_num_threads(1)`](set_num_threads) if you parallelize with rayon
//! yourself.
//!
//! After each multi-threaded call OpenBLAS's idle worker threads keep
//! spinning for 2^28 cycles (about 0.1 s) before they sleep, holding cores
//! that a SIMD-backend call with threads made in that window then has to
//! share (on the 2-core reference machine a 2-thread SIMD dgemm of order 256
//! took 3.2 ms right after an OpenBLAS call against 0.8 ms otherwise). In a
//! program whose multi-threaded calls go to both backends, set
//! `OPENBLAS_THREAD_TIMEOUT=20` (2^20 cycles; OpenBLAS reads it once, when it
//! is loaded, so set it in the environment that starts the program);
//! `cargo xtask bench` runs with that setting for the same reason.

use std::cell::Cell;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};

use oxblas_core::{BackendId, DType, Error, Op, Result};

use crate::wisdom::{
    self, Entry, Signature, Source, Wisdom, SIZE_CLASSES, THREAD_CLASSES, WORK_BITS,
};

#[cfg(not(any(feature = "simd", feature = "openblas")))]
compile_error!("oxblas needs at least one backend: enable the `simd` or `openblas` feature");

/// The backends compiled into this build, in order of preference when the
/// tables say nothing (OpenBLAS first: it is the mature one).
pub const COMPILED: &[BackendId] = &[
    #[cfg(feature = "openblas")]
    BackendId::OpenBlas,
    #[cfg(feature = "simd")]
    BackendId::Simd,
];

/// `true` if `id` is compiled into this build.
pub const fn is_compiled(id: BackendId) -> bool {
    match id {
        BackendId::OpenBlas => cfg!(feature = "openblas"),
        BackendId::Simd => cfg!(feature = "simd"),
    }
}

/// The backend used when nothing else decides.
const PREFERRED: BackendId = if cfg!(feature = "openblas") {
    BackendId::OpenBlas
} else {
    BackendId::Simd
};

const BOTH: bool = cfg!(all(feature = "simd", feature = "openblas"));

// ------------------------------------------------------------------ threads

/// 0: not set, use the CPU count.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads oxblas may use, in both backends (`n = 0` counts as 1).
///
/// Calls made from inside a rayon worker still run single-threaded (see the
/// [module docs](crate::dispatch)). The thread count is part of the
/// dispatcher key: one thread and several threads have separate wisdom.
///
/// ```
/// oxblas::set_num_threads(1);
/// assert_eq!(oxblas::num_threads(), 1);
/// ```
pub fn set_num_threads(n: usize) {
    let n = n.max(1);
    THREADS.store(n, Ordering::Relaxed);
    #[cfg(feature = "simd")]
    oxblas_simd::set_num_threads(n);
    #[cfg(feature = "openblas")]
    oxblas_openblas::set_num_threads(n);
    refresh_fast();
}

/// The thread count set by [`set_num_threads`], else the number of CPUs.
#[inline]
pub fn num_threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => cpu_count(),
        n => n,
    }
}

/// `available_parallelism` is a system call; ask once.
fn cpu_count() -> usize {
    static CPUS: AtomicUsize = AtomicUsize::new(0);
    match CPUS.load(Ordering::Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            CPUS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// `true` on a rayon worker thread.
#[inline]
fn in_rayon_worker() -> bool {
    rayon::current_thread_index().is_some()
}

/// Threads a call on this thread may use: 1 on a rayon worker.
fn effective_threads() -> usize {
    if in_rayon_worker() {
        1
    } else {
        num_threads()
    }
}

// ----------------------------------------------------------------- override

thread_local! {
    static OVERRIDE: Cell<Option<BackendId>> = const { Cell::new(None) };
}

/// How many [`with_backend`] scopes are open on any thread; while 0 the hot
/// path skips the thread-local lookup. A thread always sees its own
/// increments (program order), so `Relaxed` suffices.
static OPEN_OVERRIDES: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` with every oxblas call on this thread routed to `backend`.
///
/// Scopes nest (the innermost wins) and the previous choice is restored when
/// `f` returns or unwinds. The override is thread-local: work that `f` hands
/// to other threads (e.g. rayon tasks) is dispatched normally there. If
/// `backend` is not compiled in, every fallible call inside returns
/// `Err(Error::BackendUnavailable(backend))`; the four infallible ones
/// ([`scal`](crate::scal), [`nrm2`](crate::nrm2), [`asum`](crate::asum),
/// [`iamax`](crate::iamax)) run on a compiled backend instead.
///
/// ```
/// use oxblas::{BackendId, DType, Op};
/// let x = [3.0f64, 4.0];
/// let n = oxblas::with_backend(BackendId::Simd, || {
///     assert_eq!(oxblas::active_backend(Op::Dot, DType::F64, &[2]), BackendId::Simd);
///     oxblas::nrm2(&x)
/// });
/// assert_eq!(n, 5.0);
/// ```
pub fn with_backend<R>(backend: BackendId, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<BackendId>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|c| c.set(self.0));
            let _guard = fast_lock();
            OPEN_OVERRIDES.fetch_sub(1, Ordering::Relaxed);
            store_fast();
        }
    }
    {
        let _guard = fast_lock();
        OPEN_OVERRIDES.fetch_add(1, Ordering::Relaxed);
        store_fast();
    }
    let _restore = Restore(OVERRIDE.with(|c| c.replace(Some(backend))));
    f()
}

/// The innermost [`with_backend`] on this thread, if any.
#[inline]
pub fn current_override() -> Option<BackendId> {
    if OPEN_OVERRIDES.load(Ordering::Relaxed) == 0 {
        return None;
    }
    OVERRIDE.try_with(Cell::get).ok().flatten()
}

// ------------------------------------------------------------ the env var

/// What `OXBLAS_BACKEND` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnvChoice {
    /// Unset, empty or `auto`: use the tables.
    Auto,
    /// Pin every call to this backend.
    Pin(BackendId),
}

/// Parses `OXBLAS_BACKEND`'s value. `Err` carries the warning to print for an
/// unknown value or a backend that is not compiled in (the caller then uses
/// `Auto`).
pub(crate) fn parse_backend_env(
    value: Option<&str>,
    compiled: &[BackendId],
) -> Result<EnvChoice, String> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(EnvChoice::Auto);
    };
    if v.eq_ignore_ascii_case("auto") {
        return Ok(EnvChoice::Auto);
    }
    match BackendId::parse(v) {
        Some(id) if compiled.contains(&id) => Ok(EnvChoice::Pin(id)),
        Some(id) => Err(format!(
            "OXBLAS_BACKEND={v}: the {id} backend is not compiled in (enable the `{id}` \
             feature of oxblas); using auto"
        )),
        None => Err(format!(
            "OXBLAS_BACKEND={v} is not one of openblas, simd, auto; using auto"
        )),
    }
}

fn warn(message: &str) {
    eprintln!("oxblas: warning: {message}");
}

// ---------------------------------------------------------------- the table

const N_OPS: usize = Op::ALL.len();

/// Why a table cell holds its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CellWhy {
    Env,
    Wisdom,
    Default,
    /// The built-in table's entry for the key carries no times (a
    /// provisional entry, never measured).
    Provisional,
    /// Neither table had the key (or named a backend not compiled in).
    Fallback,
    /// Neither table had the key, but one had another size class of the
    /// same operation, element type and thread class: the nearest such
    /// class's backend (this is the class).
    Nearest(usize),
}

#[derive(Clone, Copy, Debug)]
struct Cell2 {
    backend: BackendId,
    why: CellWhy,
}

type Cells = [[[[Cell2; THREAD_CLASSES]; SIZE_CLASSES]; 2]; N_OPS];

/// The dispatcher's table and what it was built from.
pub(crate) struct Table {
    /// The hot-path copy of `cells`: just the backends.
    backends: [[[[BackendId; THREAD_CLASSES]; SIZE_CLASSES]; 2]; N_OPS],
    /// The fast path's copy, per thread class: the `FAST_*` code of the
    /// backend, indexed by the work measure's bit length instead of the size
    /// class (see [`FastCells`]).
    fast: [FastCells; THREAD_CLASSES],
    /// `OXBLAS_BACKEND`'s pin, if any.
    pin: Option<BackendId>,
    cells: Cells,
    source: Source,
    /// The wisdom file used, if any (for [`explain`]'s numbers).
    file: Option<Wisdom>,
    /// The built-in defaults.
    default: Wisdom,
}

impl Table {
    /// Builds the table from its sources (pure: no I/O, no warnings).
    pub(crate) fn build(
        env: EnvChoice,
        file: Option<(PathBuf, Wisdom)>,
        default: Wisdom,
        compiled: &[BackendId],
    ) -> Table {
        let fallback = compiled.first().copied().unwrap_or(PREFERRED);
        let mut cells: Cells = [[[[Cell2 {
            backend: fallback,
            why: CellWhy::Fallback,
        }; THREAD_CLASSES]; SIZE_CLASSES]; 2]; N_OPS];
        let mut set = |w: &Wisdom, why: CellWhy| {
            for e in &w.entries {
                if !compiled.contains(&e.winner)
                    || e.size_class >= SIZE_CLASSES
                    || e.thread_class >= THREAD_CLASSES
                {
                    continue;
                }
                let measured = e.ns_openblas.is_some() || e.ns_simd.is_some();
                cells[e.op.index()][e.dtype.index()][e.size_class][e.thread_class] = Cell2 {
                    backend: e.winner,
                    why: if measured { why } else { CellWhy::Provisional },
                };
            }
        };
        set(&default, CellWhy::Default);
        if let Some((_, w)) = &file {
            set(w, CellWhy::Wisdom);
        }
        // A size class nobody measured (a wisdom file from a run over fewer
        // sizes, `--quick`, or a provisional entry without times) takes the
        // nearest measured class of the same operation, type and thread
        // class, the larger one on a tie: the winner rarely changes between
        // neighbouring classes, while a guess may be far off.
        for per_op in cells.iter_mut() {
            for per_dt in per_op.iter_mut() {
                let measured: Vec<[bool; THREAD_CLASSES]> = per_dt
                    .iter()
                    .map(|row| row.map(|c| matches!(c.why, CellWhy::Default | CellWhy::Wisdom)))
                    .collect();
                for tc in 0..THREAD_CLASSES {
                    for sc in 0..SIZE_CLASSES {
                        if measured[sc][tc] {
                            continue;
                        }
                        let nearest = (0..SIZE_CLASSES)
                            .filter(|&o| measured[o][tc])
                            .min_by_key(|&o| (o.abs_diff(sc), std::cmp::Reverse(o)));
                        if let Some(o) = nearest {
                            per_dt[sc][tc] = Cell2 {
                                backend: per_dt[o][tc].backend,
                                why: CellWhy::Nearest(o),
                            };
                        }
                    }
                }
            }
        }
        let source = if compiled.len() == 1 {
            Source::SingleBackend(compiled[0])
        } else if let EnvChoice::Pin(id) = env {
            Source::Environment(id)
        } else if let Some((p, _)) = &file {
            Source::WisdomFile(p.clone())
        } else {
            Source::Default
        };
        if let EnvChoice::Pin(id) = env {
            for c in cells.iter_mut().flatten().flatten().flatten() {
                *c = Cell2 {
                    backend: id,
                    why: CellWhy::Env,
                };
            }
        }
        let mut backends = [[[[fallback; THREAD_CLASSES]; SIZE_CLASSES]; 2]; N_OPS];
        for (b, c) in backends
            .iter_mut()
            .flatten()
            .flatten()
            .flatten()
            .zip(cells.iter().flatten().flatten().flatten())
        {
            *b = c.backend;
        }
        let pinned = matches!(env, EnvChoice::Pin(_));
        let mut fast = [[[[FAST_SLOW; WORK_BITS]; 2]; N_OPS]; THREAD_CLASSES];
        for (tc, per_tc) in fast.iter_mut().enumerate() {
            for (op, per_op) in Op::ALL.iter().zip(per_tc.iter_mut()) {
                let family = wisdom::work_bits(*op, &[]).0;
                for (dt, per_dt) in per_op.iter_mut().enumerate() {
                    for (bits, code) in per_dt.iter_mut().enumerate() {
                        let sc = wisdom::class_of_bits(family, bits);
                        *code = match backends[op.index()][dt][sc][tc] {
                            BackendId::Simd => FAST_SIMD,
                            BackendId::OpenBlas if pinned => FAST_OPENBLAS_PINNED,
                            BackendId::OpenBlas => FAST_OPENBLAS,
                        };
                    }
                }
            }
        }
        Table {
            backends,
            fast,
            pin: match env {
                EnvChoice::Pin(id) => Some(id),
                EnvChoice::Auto => None,
            },
            cells,
            source,
            file: file.map(|(_, w)| w),
            default,
        }
    }

    #[inline]
    fn cell(&self, op: Op, dtype: DType, size_class: usize, thread_class: usize) -> Cell2 {
        self.cells[op.index()][dtype.index()][size_class.min(SIZE_CLASSES - 1)]
            [thread_class.min(THREAD_CLASSES - 1)]
    }
}

/// Decides whether a loaded wisdom file applies here. `Err` carries the
/// one warning to print.
pub(crate) fn check_file(
    path: &std::path::Path,
    loaded: Result<Wisdom, wisdom::WisdomError>,
    current: &Signature,
    explicit: bool,
) -> Result<Option<Wisdom>, String> {
    match loaded {
        Ok(w) if w.signature.matches(current) => Ok(Some(w)),
        Ok(w) => Err(format!(
            "ignoring wisdom file {}: it was measured on another machine or build \
             (file vs here: {}); using the built-in defaults. Run `cargo xtask bench` \
             to measure this one.",
            path.display(),
            w.signature.differences(current).join(", "),
        )),
        Err(wisdom::WisdomError::Io(e))
            if e.kind() == std::io::ErrorKind::NotFound && !explicit =>
        {
            Ok(None)
        }
        Err(e) => Err(format!(
            "{e} ({}); using the built-in defaults",
            path.display()
        )),
    }
}

/// Reads the sources (printing at most one warning for each) and builds a table.
fn load_table() -> Table {
    let env_value = std::env::var("OXBLAS_BACKEND").ok();
    let env = parse_backend_env(env_value.as_deref(), COMPILED).unwrap_or_else(|w| {
        warn(&w);
        EnvChoice::Auto
    });
    let default = Wisdom::parse(wisdom::DEFAULT_WISDOM).unwrap_or_else(|e| {
        warn(&format!("built-in default wisdom is unreadable: {e}"));
        Wisdom {
            signature: Signature::current(),
            entries: Vec::new(),
        }
    });
    // With a pin or one backend, the file cannot change anything: skip it.
    let file = if BOTH && env == EnvChoice::Auto {
        wisdom::default_path().and_then(|path| {
            let explicit = std::env::var_os("OXBLAS_WISDOM").is_some_and(|p| !p.is_empty());
            match check_file(&path, Wisdom::load(&path), &Signature::current(), explicit) {
                Ok(w) => w.map(|w| (path, w)),
                Err(message) => {
                    warn(&message);
                    None
                }
            }
        })
    } else {
        None
    };
    Table::build(env, file, default, COMPILED)
}

/// The current table. Tables are never freed (a reload leaks the old one,
/// a few kilobytes), so a `&'static` stays valid.
static TABLE: AtomicPtr<Table> = AtomicPtr::new(std::ptr::null_mut());

#[inline]
fn table() -> &'static Table {
    let p = TABLE.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: a non-null TABLE always points to a leaked, never-freed,
        // never-mutated `Table` published with Release ordering.
        return unsafe { &*p };
    }
    init_table()
}

#[cold]
fn init_table() -> &'static Table {
    let fresh = Box::into_raw(Box::new(load_table()));
    match TABLE.compare_exchange(
        std::ptr::null_mut(),
        fresh,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => {
            refresh_fast();
            // SAFETY: we just published `fresh`; it is never freed.
            unsafe { &*fresh }
        }
        Err(winner) => {
            // SAFETY: `fresh` was never shared; `winner` is a published table.
            unsafe {
                drop(Box::from_raw(fresh));
                &*winner
            }
        }
    }
}

pub(crate) fn reload() {
    let fresh = Box::into_raw(Box::new(load_table()));
    // The old table is leaked on purpose: other threads may still read it.
    TABLE.swap(fresh, Ordering::AcqRel);
    refresh_fast();
}

pub(crate) fn active_source() -> Source {
    table().source.clone()
}

// ---------------------------------------------------------------- fast path

/// Fast-path code: the SIMD backend.
pub(crate) const FAST_SIMD: u8 = 0;
/// Fast-path code: OpenBLAS, unless the call is on a rayon worker.
pub(crate) const FAST_OPENBLAS: u8 = 1;
/// Fast-path code: OpenBLAS whatever the thread (pinned by `OXBLAS_BACKEND`,
/// or the only backend compiled in).
pub(crate) const FAST_OPENBLAS_PINNED: u8 = 2;
/// Fast-path code: take the full path ([`choose`]).
pub(crate) const FAST_SLOW: u8 = u8::MAX;

/// The table for one thread class, as the fast path reads it: a `FAST_*`
/// code per `(op, dtype, bit length of the work measure minus one)`. The
/// class edges are powers of two, so the bit length fixes the size class
/// ([`wisdom::work_bits`]) and the fast path needs no class arithmetic.
pub(crate) type FastCells = [[[u8; WORK_BITS]; 2]; N_OPS];

/// The fast path's cells: the current table's [`FastCells`] for the current
/// thread class, or `FAST_SLOW` everywhere while the fast path does not
/// apply (before the table is built, and while any [`with_backend`] scope
/// is open on any thread). Written only under [`fast_lock`], after every
/// change of what it depends on (the table, the thread count, the open
/// scopes), so the last write reflects the last change.
///
/// A static array rather than a pointer to the table's copy: the call reads
/// one byte at an address known up to the bit length, instead of loading a
/// pointer first (one dependent load fewer: 1 to 3 ns on 15-60 ns calls,
/// measured with `examples/probe_dispatch.rs`). Each cell is its own atomic:
/// another thread may read while the cells are rewritten, and then routes its
/// call by the old or the new choice, both valid backends (a thread's own
/// scope change is always visible to it: program order).
static FAST: [[[AtomicU8; WORK_BITS]; 2]; N_OPS] = FAST_INIT;

// Initializers only (array repeat expressions need a constant for a non-Copy
// element); no code reads these constants as atomics.
#[allow(clippy::declare_interior_mutable_const)]
const FAST_INIT_CELL: AtomicU8 = AtomicU8::new(FAST_SLOW);
#[allow(clippy::declare_interior_mutable_const)]
const FAST_INIT_ROW: [AtomicU8; WORK_BITS] = [FAST_INIT_CELL; WORK_BITS];
#[allow(clippy::declare_interior_mutable_const)]
const FAST_INIT_OP: [[AtomicU8; WORK_BITS]; 2] = [FAST_INIT_ROW; 2];
#[allow(clippy::declare_interior_mutable_const)]
const FAST_INIT: [[[AtomicU8; WORK_BITS]; 2]; N_OPS] = [FAST_INIT_OP; N_OPS];

fn fast_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // The guarded data is `()`: a panic elsewhere cannot leave it broken.
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Recomputes [`FAST`]; the caller holds [`fast_lock`].
fn store_fast() {
    let t = TABLE.load(Ordering::Acquire);
    let src: Option<&FastCells> = if t.is_null() || OPEN_OVERRIDES.load(Ordering::Relaxed) != 0 {
        None
    } else {
        let tc = usize::from(num_threads() > 1);
        // SAFETY: a non-null TABLE points to a leaked, never-freed, never
        // mutated `Table`.
        Some(unsafe { &(*t).fast[tc] })
    };
    for (o, per_op) in FAST.iter().enumerate() {
        for (d, per_dt) in per_op.iter().enumerate() {
            for (b, cell) in per_dt.iter().enumerate() {
                let code = src.map_or(FAST_SLOW, |s| s[o][d][b]);
                if cell.load(Ordering::Relaxed) != code {
                    cell.store(code, Ordering::Relaxed);
                }
            }
        }
    }
}

fn refresh_fast() {
    let _guard = fast_lock();
    store_fast();
}

/// The backend for a call as one `FAST_*` code, without a lock, a call or
/// a thread-local access: the bit length of the work measure and one byte
/// of [`FAST`]. `FAST_SLOW` sends the caller to [`choose`] (a
/// scope override is open, or the table is not built yet); `FAST_OPENBLAS`
/// still needs the rayon-worker check ([`in_rayon_worker`]).
#[inline(always)]
pub(crate) fn fast_choice(op: Op, dtype: DType, shape: &[usize]) -> u8 {
    if !BOTH {
        return if OPEN_OVERRIDES.load(Ordering::Relaxed) != 0 {
            FAST_SLOW
        } else if PREFERRED == BackendId::Simd {
            FAST_SIMD
        } else {
            FAST_OPENBLAS_PINNED
        };
    }
    let bits = wisdom::work_bits(op, shape).1;
    FAST[op.index()][dtype.index()][bits.min(WORK_BITS - 1)].load(Ordering::Relaxed)
}

/// `true` on a rayon worker thread, for the `FAST_OPENBLAS` code.
#[cfg(feature = "openblas")]
#[inline(always)]
pub(crate) fn on_rayon_worker() -> bool {
    in_rayon_worker()
}

// ----------------------------------------------------------------- choosing

/// The backend for a call, or `Err(BackendUnavailable)` if a scoped
/// override asks for one that is not compiled in.
#[inline(always)]
pub(crate) fn choose(op: Op, dtype: DType, shape: &[usize]) -> Result<BackendId> {
    if OPEN_OVERRIDES.load(Ordering::Relaxed) != 0 {
        if let Some(id) = current_override() {
            return if is_compiled(id) {
                Ok(id)
            } else {
                Err(Error::BackendUnavailable(id))
            };
        }
    }
    if !BOTH {
        return Ok(PREFERRED);
    }
    Ok(choose_from_table(op, dtype, shape))
}

/// The table part of [`choose`] (both backends compiled in, no override).
/// The calls of [`Auto`](crate::Auto) read the same cells through
/// [`fast_choice`]; this is their slow path, and [`explain`]'s answer.
///
/// The cell is read first: a pin by `OXBLAS_BACKEND` is already written
/// into every cell, and the rayon-worker rule can only turn OpenBLAS into
/// SIMD, so a cell naming SIMD is the answer as it stands. The pin and the
/// thread-local rayon check are paid only on the OpenBLAS path, where calls
/// are not the tiny ones whose time a few nanoseconds would show in.
#[inline(always)]
fn choose_from_table(op: Op, dtype: DType, shape: &[usize]) -> BackendId {
    let t = table();
    let sc = wisdom::size_class(op, shape);
    let tc = usize::from(num_threads() > 1);
    let cell = t.backends[op.index()][dtype.index()][sc][tc];
    if cell == BackendId::Simd || t.pin.is_some() || !in_rayon_worker() {
        cell
    } else {
        BackendId::Simd
    }
}

/// As [`choose`], for operations that cannot return `Err`: an override
/// naming a missing backend falls back to a compiled one.
#[inline]
pub(crate) fn choose_infallible(op: Op, dtype: DType, shape: &[usize]) -> BackendId {
    choose(op, dtype, shape).unwrap_or(PREFERRED)
}

/// The backend a call of `op` on `dtype` with this `shape` (see
/// [`wisdom::size_class`] for what `shape` holds) would run on, on this
/// thread, now. Under a [`with_backend`] scope naming a backend that is not
/// compiled in, that backend is returned (the call itself would fail).
///
/// ```
/// use oxblas::{DType, Op};
/// let b = oxblas::active_backend(Op::Gemm, DType::F64, &[512, 512, 4]);
/// assert!(oxblas::dispatch::COMPILED.contains(&b));
/// ```
pub fn active_backend(op: Op, dtype: DType, shape: &[usize]) -> BackendId {
    match choose(op, dtype, shape) {
        Ok(id) => id,
        Err(_) => current_override().unwrap_or(PREFERRED),
    }
}

// ----------------------------------------------------------------- explain

/// Why the dispatcher picked a backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A [`with_backend`] scope on this thread.
    Override,
    /// A [`with_backend`] scope asks for a backend not compiled in: the call
    /// would return `Err(BackendUnavailable)`.
    OverrideUnavailable,
    /// `OXBLAS_BACKEND` pins it.
    Environment,
    /// Only this backend is compiled in.
    SingleBackend,
    /// The call is on a rayon worker thread, where the SIMD backend runs
    /// sequentially (no oversubscription).
    RayonWorker,
    /// This machine's wisdom file (its path).
    Wisdom(PathBuf),
    /// The built-in default table.
    Default,
    /// No table has this key: the preferred compiled backend.
    Fallback,
    /// No table has this size class, but this operation, element type and
    /// thread class were measured at other sizes: the backend of the nearest
    /// measured size class (this one).
    NearestClass(usize),
}

/// Which backend a call would use and why; see [`explain`].
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The operation asked about.
    pub op: Op,
    /// The element type asked about.
    pub dtype: DType,
    /// The shape asked about.
    pub shape: Vec<usize>,
    /// Its size class.
    pub size_class: usize,
    /// The thread class of this thread now.
    pub thread_class: usize,
    /// Threads the call may use on this thread now.
    pub threads: usize,
    /// The backend the call would run on.
    pub backend: BackendId,
    /// Why.
    pub reason: Reason,
    /// The measurement behind a wisdom or default-table decision, if any.
    pub measurement: Option<Entry>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = self
            .shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("x");
        write!(
            f,
            "{} {} [{}] (size class {}, {} thread{}) -> {}: ",
            self.op,
            self.dtype,
            shape,
            self.size_class,
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            self.backend
        )?;
        match &self.reason {
            Reason::Override => f.write_str("scoped override (oxblas::with_backend)")?,
            Reason::OverrideUnavailable => f.write_str(
                "scoped override (oxblas::with_backend) names a backend that is not compiled \
                 in: the call returns Err(BackendUnavailable)",
            )?,
            Reason::Environment => f.write_str("pinned by OXBLAS_BACKEND")?,
            Reason::SingleBackend => f.write_str("the only backend compiled in")?,
            Reason::RayonWorker => {
                f.write_str("called from a rayon worker: the simd backend runs it single-threaded")?
            }
            Reason::Wisdom(p) => write!(f, "measured on this machine ({})", p.display())?,
            Reason::Default => f.write_str("built-in default table")?,
            Reason::Fallback => f.write_str("no measurement for this key; preferred backend")?,
            Reason::NearestClass(c) => write!(
                f,
                "no measurement for this size class; the nearest measured one (class {c})"
            )?,
        }
        if let Some(m) = self
            .measurement
            .as_ref()
            .filter(|m| m.ns_openblas.is_some() || m.ns_simd.is_some())
        {
            let shape = m
                .shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("x");
            let ns = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.0} ns"));
            write!(
                f,
                "; measured at [{shape}]: openblas {}, simd {}",
                ns(m.ns_openblas),
                ns(m.ns_simd)
            )?;
            if let (Some(o), Some(s)) = (m.ns_openblas, m.ns_simd) {
                if o > 0.0 && s > 0.0 {
                    write!(f, " (simd/openblas time ratio {:.2})", s / o)?;
                }
            }
        }
        Ok(())
    }
}

/// Says which backend a call of `op` on `dtype` with this `shape` would use
/// on this thread now, why, and the measured times behind the choice when
/// known. `shape` is as for [`wisdom::size_class`].
///
/// ```
/// use oxblas::{DType, Op};
/// let e = oxblas::explain(Op::Gemm, DType::F64, &[512, 512, 4]);
/// assert_eq!(e.size_class, oxblas::wisdom::size_class(Op::Gemm, &[512, 512, 4]));
/// println!("{e}"); // e.g. "gemm f64 [512x512x4] (size class 5, 2 threads) -> openblas: ..."
/// ```
pub fn explain(op: Op, dtype: DType, shape: &[usize]) -> Explanation {
    let threads = effective_threads();
    let size_class = wisdom::size_class(op, shape);
    let thread_class = wisdom::thread_class(threads);
    let mut e = Explanation {
        op,
        dtype,
        shape: shape.to_vec(),
        size_class,
        thread_class,
        threads,
        backend: PREFERRED,
        reason: Reason::Fallback,
        measurement: None,
    };
    if let Some(id) = current_override() {
        e.backend = id;
        e.reason = if is_compiled(id) {
            Reason::Override
        } else {
            Reason::OverrideUnavailable
        };
        return e;
    }
    if !BOTH {
        e.reason = Reason::SingleBackend;
        return e;
    }
    let t = table();
    if let Source::Environment(id) = t.source {
        e.backend = id;
        e.reason = Reason::Environment;
        return e;
    }
    if in_rayon_worker() {
        e.backend = BackendId::Simd;
        e.reason = Reason::RayonWorker;
        return e;
    }
    explain_cell(t, &mut e);
    e
}

fn explain_cell(t: &Table, e: &mut Explanation) {
    let c = t.cell(e.op, e.dtype, e.size_class, e.thread_class);
    e.backend = c.backend;
    let lookup = |w: &Wisdom| {
        w.lookup(e.op, e.dtype, e.size_class, e.thread_class)
            .cloned()
    };
    match c.why {
        CellWhy::Wisdom => {
            e.reason = match &t.source {
                Source::WisdomFile(p) => Reason::Wisdom(p.clone()),
                _ => Reason::Wisdom(PathBuf::new()),
            };
            e.measurement = t.file.as_ref().and_then(lookup);
        }
        CellWhy::Default => {
            e.reason = Reason::Default;
            e.measurement = lookup(&t.default);
        }
        CellWhy::Env => e.reason = Reason::Environment,
        CellWhy::Provisional => {
            e.reason = Reason::Default;
            e.measurement = lookup(&t.default);
        }
        CellWhy::Fallback => e.reason = Reason::Fallback,
        CellWhy::Nearest(c) => e.reason = Reason::NearestClass(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig() -> Signature {
        Signature {
            cpu_model: "cpu".into(),
            cpu_features: "avx2".into(),
            threads: 2,
            crate_version: "0.1.0".into(),
            openblas_config: "ob".into(),
            simd_arch: "simd".into(),
        }
    }

    fn entry(op: Op, dtype: DType, sc: usize, tc: usize, winner: BackendId) -> Entry {
        Entry {
            op,
            dtype,
            size_class: sc,
            thread_class: tc,
            winner,
            shape: vec![8, 8, 8],
            ns_openblas: Some(100.0),
            ns_simd: Some(50.0),
        }
    }

    const BOTH_IDS: &[BackendId] = &[BackendId::OpenBlas, BackendId::Simd];

    #[test]
    fn env_parsing() {
        use EnvChoice::*;
        assert_eq!(parse_backend_env(None, BOTH_IDS), Ok(Auto));
        assert_eq!(parse_backend_env(Some(""), BOTH_IDS), Ok(Auto));
        assert_eq!(parse_backend_env(Some("auto"), BOTH_IDS), Ok(Auto));
        assert_eq!(parse_backend_env(Some(" AUTO "), BOTH_IDS), Ok(Auto));
        assert_eq!(
            parse_backend_env(Some("openblas"), BOTH_IDS),
            Ok(Pin(BackendId::OpenBlas))
        );
        assert_eq!(
            parse_backend_env(Some("SIMD"), BOTH_IDS),
            Ok(Pin(BackendId::Simd))
        );
        let w = parse_backend_env(Some("mkl"), BOTH_IDS).unwrap_err();
        assert!(w.contains("mkl") && w.contains("auto"), "{w}");
        let w = parse_backend_env(Some("openblas"), &[BackendId::Simd]).unwrap_err();
        assert!(w.contains("not compiled in"), "{w}");
    }

    #[test]
    fn table_lookup_layers_wisdom_over_defaults() {
        let default = Wisdom {
            signature: sig(),
            entries: vec![
                entry(Op::Gemm, DType::F64, 3, 0, BackendId::OpenBlas),
                entry(Op::Gemm, DType::F64, 4, 0, BackendId::OpenBlas),
                entry(Op::Dot, DType::F32, 0, 1, BackendId::Simd),
            ],
        };
        let file = Wisdom {
            signature: sig(),
            entries: vec![
                entry(Op::Gemm, DType::F64, 3, 0, BackendId::Simd),
                // Later entries for the same key win.
                entry(Op::Lu, DType::F32, 7, 1, BackendId::Simd),
                entry(Op::Lu, DType::F32, 7, 1, BackendId::OpenBlas),
            ],
        };
        let path = PathBuf::from("/tmp/w.txt");
        let t = Table::build(
            EnvChoice::Auto,
            Some((path.clone(), file)),
            default,
            BOTH_IDS,
        );
        assert_eq!(t.source, Source::WisdomFile(path));
        let c = t.cell(Op::Gemm, DType::F64, 3, 0);
        assert_eq!((c.backend, c.why), (BackendId::Simd, CellWhy::Wisdom));
        let c = t.cell(Op::Gemm, DType::F64, 4, 0);
        assert_eq!((c.backend, c.why), (BackendId::OpenBlas, CellWhy::Default));
        let c = t.cell(Op::Dot, DType::F32, 0, 1);
        assert_eq!((c.backend, c.why), (BackendId::Simd, CellWhy::Default));
        let c = t.cell(Op::Lu, DType::F32, 7, 1);
        assert_eq!((c.backend, c.why), (BackendId::OpenBlas, CellWhy::Wisdom));
        // Keys in neither table: the first compiled backend.
        let c = t.cell(Op::Gemm, DType::F32, 4, 0);
        assert_eq!((c.backend, c.why), (BackendId::OpenBlas, CellWhy::Fallback));
    }

    #[test]
    fn unmeasured_size_classes_take_the_nearest_measured_one() {
        let default = Wisdom {
            signature: sig(),
            entries: vec![
                entry(Op::Trsv, DType::F64, 1, 0, BackendId::Simd),
                entry(Op::Trsv, DType::F64, 4, 0, BackendId::OpenBlas),
                entry(Op::Trsv, DType::F64, 6, 1, BackendId::OpenBlas),
            ],
        };
        let t = Table::build(EnvChoice::Auto, None, default, BOTH_IDS);
        let at = |sc, tc| {
            let c = t.cell(Op::Trsv, DType::F64, sc, tc);
            (c.backend, c.why)
        };
        use BackendId::{OpenBlas as O, Simd as S};
        assert_eq!(at(0, 0), (S, CellWhy::Nearest(1)));
        assert_eq!(at(1, 0), (S, CellWhy::Default));
        assert_eq!(at(2, 0), (S, CellWhy::Nearest(1)));
        // Class 3 is nearer to 4 than to 1.
        assert_eq!(at(3, 0), (O, CellWhy::Nearest(4)));
        assert_eq!(at(7, 0), (O, CellWhy::Nearest(4)));
        // Thread classes do not mix.
        assert_eq!(at(0, 1), (O, CellWhy::Nearest(6)));
        // Another type or operation with no measurement: the fallback.
        let c = t.cell(Op::Trsv, DType::F32, 1, 0);
        assert_eq!((c.backend, c.why), (O, CellWhy::Fallback));
        // A tie goes to the larger class.
        let default = Wisdom {
            signature: sig(),
            entries: vec![
                entry(Op::Ger, DType::F32, 2, 0, BackendId::Simd),
                entry(Op::Ger, DType::F32, 4, 0, BackendId::OpenBlas),
            ],
        };
        let t = Table::build(EnvChoice::Auto, None, default, BOTH_IDS);
        let c = t.cell(Op::Ger, DType::F32, 3, 0);
        assert_eq!((c.backend, c.why), (O, CellWhy::Nearest(4)));
        let mut e = explain(Op::Ger, DType::F32, &[8, 8]);
        e.size_class = 3;
        e.thread_class = 0;
        explain_cell(&t, &mut e);
        assert_eq!(e.reason, Reason::NearestClass(4));
        assert!(
            e.to_string().contains("nearest measured one (class 4)"),
            "{e}"
        );
        // An entry without times (provisional) counts as unmeasured when
        // another class was measured, and stands when none was.
        let mut provisional = entry(Op::Symv, DType::F64, 3, 0, BackendId::OpenBlas);
        (provisional.ns_openblas, provisional.ns_simd) = (None, None);
        let mut alone = entry(Op::Symv, DType::F32, 3, 0, BackendId::OpenBlas);
        (alone.ns_openblas, alone.ns_simd) = (None, None);
        let default = Wisdom {
            signature: sig(),
            entries: vec![
                provisional,
                alone,
                entry(Op::Symv, DType::F64, 5, 0, BackendId::Simd),
            ],
        };
        let t = Table::build(EnvChoice::Auto, None, default, BOTH_IDS);
        let c = t.cell(Op::Symv, DType::F64, 3, 0);
        assert_eq!((c.backend, c.why), (S, CellWhy::Nearest(5)));
        let c = t.cell(Op::Symv, DType::F32, 3, 0);
        assert_eq!((c.backend, c.why), (O, CellWhy::Provisional));
        let c = t.cell(Op::Symv, DType::F32, 0, 0);
        assert_eq!((c.backend, c.why), (O, CellWhy::Fallback));
    }

    #[test]
    fn table_ignores_winners_not_compiled_in() {
        let default = Wisdom {
            signature: sig(),
            entries: vec![entry(Op::Gemm, DType::F64, 3, 0, BackendId::OpenBlas)],
        };
        let t = Table::build(EnvChoice::Auto, None, default, &[BackendId::Simd]);
        assert_eq!(t.source, Source::SingleBackend(BackendId::Simd));
        let c = t.cell(Op::Gemm, DType::F64, 3, 0);
        assert_eq!((c.backend, c.why), (BackendId::Simd, CellWhy::Fallback));
    }

    #[test]
    fn env_pin_overrides_every_cell() {
        let default = Wisdom {
            signature: sig(),
            entries: vec![entry(Op::Gemm, DType::F64, 3, 0, BackendId::OpenBlas)],
        };
        let t = Table::build(EnvChoice::Pin(BackendId::Simd), None, default, BOTH_IDS);
        assert_eq!(t.source, Source::Environment(BackendId::Simd));
        for op in Op::ALL {
            for d in DType::ALL {
                for sc in 0..SIZE_CLASSES {
                    for tc in 0..THREAD_CLASSES {
                        let c = t.cell(*op, d, sc, tc);
                        assert_eq!((c.backend, c.why), (BackendId::Simd, CellWhy::Env));
                    }
                }
            }
        }
    }

    #[test]
    fn explain_reports_the_measurement() {
        let default = Wisdom {
            signature: sig(),
            entries: vec![entry(Op::Gemm, DType::F64, 0, 0, BackendId::OpenBlas)],
        };
        let file = Wisdom {
            signature: sig(),
            entries: vec![entry(Op::Gemm, DType::F64, 0, 1, BackendId::Simd)],
        };
        let path = PathBuf::from("/cache/oxblas/wisdom-x.txt");
        let t = Table::build(
            EnvChoice::Auto,
            Some((path.clone(), file)),
            default,
            BOTH_IDS,
        );
        let mut e = Explanation {
            op: Op::Gemm,
            dtype: DType::F64,
            shape: vec![4, 4, 4],
            size_class: 0,
            thread_class: 1,
            threads: 2,
            backend: BackendId::OpenBlas,
            reason: Reason::Fallback,
            measurement: None,
        };
        explain_cell(&t, &mut e);
        assert_eq!(e.backend, BackendId::Simd);
        assert_eq!(e.reason, Reason::Wisdom(path));
        assert_eq!(e.measurement.as_ref().unwrap().ns_simd, Some(50.0));
        let text = e.to_string();
        assert!(
            text.starts_with("gemm f64 [4x4x4] (size class 0, 2 threads) -> simd"),
            "{text}"
        );
        assert!(text.contains("wisdom-x.txt"), "{text}");
        assert!(text.contains("openblas 100 ns, simd 50 ns"), "{text}");
        assert!(text.contains("ratio 0.50"), "{text}");

        e.thread_class = 0;
        e.threads = 1;
        explain_cell(&t, &mut e);
        assert_eq!(
            (e.backend, &e.reason),
            (BackendId::OpenBlas, &Reason::Default)
        );
        assert!(e.to_string().contains("1 thread)"), "{e}");
        // An entry without times (the provisional defaults) prints no numbers.
        let mut bare = e.measurement.clone().unwrap();
        (bare.ns_openblas, bare.ns_simd) = (None, None);
        e.measurement = Some(bare);
        assert!(e.to_string().ends_with("built-in default table"), "{e}");
    }

    #[test]
    fn mismatched_signature_is_ignored_with_a_warning() {
        let mut other = sig();
        other.cpu_model = "another cpu".into();
        let w = Wisdom {
            signature: other,
            entries: vec![],
        };
        let p = std::path::Path::new("/x/w.txt");
        let msg = check_file(p, Ok(w.clone()), &sig(), false).unwrap_err();
        assert!(
            msg.contains("another machine") && msg.contains("/x/w.txt"),
            "{msg}"
        );
        let same = Wisdom {
            signature: sig(),
            ..w
        };
        assert_eq!(
            check_file(p, Ok(same.clone()), &sig(), false),
            Ok(Some(same))
        );
    }

    #[test]
    fn corrupt_or_missing_file_falls_back_to_defaults() {
        let p = std::path::Path::new("/x/w.txt");
        let corrupt = Wisdom::parse("oxblas-wisdom 1\ngarbage\n");
        let msg = check_file(p, corrupt, &sig(), false).unwrap_err();
        assert!(
            msg.contains("corrupt") && msg.contains("built-in defaults"),
            "{msg}"
        );
        // A missing cache file is normal and silent; a missing explicit
        // OXBLAS_WISDOM file is worth a warning.
        let missing = || Wisdom::load(std::path::Path::new("/nonexistent/oxblas-w.txt"));
        assert_eq!(check_file(p, missing(), &sig(), false), Ok(None));
        assert!(check_file(p, missing(), &sig(), true).is_err());
    }

    #[test]
    fn overrides_nest_and_restore() {
        assert_eq!(current_override(), None);
        with_backend(BackendId::Simd, || {
            assert_eq!(current_override(), Some(BackendId::Simd));
            with_backend(BackendId::OpenBlas, || {
                assert_eq!(current_override(), Some(BackendId::OpenBlas));
            });
            assert_eq!(current_override(), Some(BackendId::Simd));
        });
        assert_eq!(current_override(), None);
    }

    #[test]
    fn override_is_restored_after_a_panic() {
        let r = std::panic::catch_unwind(|| {
            with_backend(BackendId::OpenBlas, || {
                with_backend(BackendId::Simd, || panic!("boom"));
            })
        });
        assert!(r.is_err());
        assert_eq!(current_override(), None);
    }

    #[test]
    fn override_is_thread_local() {
        with_backend(BackendId::Simd, || {
            let other = std::thread::spawn(current_override).join().unwrap();
            assert_eq!(other, None);
        });
    }

    #[test]
    fn override_decides_the_choice() {
        for id in BackendId::ALL {
            let r = with_backend(id, || choose(Op::Gemm, DType::F64, &[4, 4, 4]));
            if is_compiled(id) {
                assert_eq!(r, Ok(id));
            } else {
                assert_eq!(r, Err(Error::BackendUnavailable(id)));
                // Infallible ops fall back to a compiled backend.
                let b = with_backend(id, || choose_infallible(Op::Nrm2, DType::F64, &[4]));
                assert!(is_compiled(b));
            }
            let e = with_backend(id, || explain(Op::Gemm, DType::F64, &[4, 4, 4]));
            assert_eq!(e.backend, id);
            let want = if is_compiled(id) {
                Reason::Override
            } else {
                Reason::OverrideUnavailable
            };
            assert_eq!(e.reason, want);
        }
    }

    #[test]
    fn the_live_choice_is_a_compiled_backend() {
        for op in Op::ALL {
            for d in DType::ALL {
                let b = choose(*op, d, &[100, 100, 100]).unwrap();
                assert!(is_compiled(b));
                assert_eq!(explain(*op, d, &[100, 100, 100]).backend, b);
            }
        }
        assert!(is_compiled(active_backend(
            Op::Gemm,
            DType::F32,
            &[1, 1, 1]
        )));
    }

    #[test]
    fn rayon_workers_route_to_simd_when_both_are_compiled() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (b, e) = pool.install(|| {
            (
                choose(Op::Gemm, DType::F64, &[512, 512, 512]).unwrap(),
                explain(Op::Gemm, DType::F64, &[512, 512, 512]),
            )
        });
        assert_eq!(e.threads, 1);
        if BOTH && !matches!(active_source(), Source::Environment(_)) {
            assert_eq!(b, BackendId::Simd);
            assert_eq!(e.reason, Reason::RayonWorker);
        } else {
            assert!(is_compiled(b));
        }
    }

    #[test]
    fn fast_cells_agree_with_the_table() {
        let default = Wisdom {
            signature: sig(),
            entries: vec![
                entry(Op::Gemm, DType::F64, 0, 0, BackendId::Simd),
                entry(Op::Gemm, DType::F64, 3, 0, BackendId::OpenBlas),
                entry(Op::Gemm, DType::F64, 3, 1, BackendId::Simd),
                entry(Op::Dot, DType::F32, 2, 1, BackendId::OpenBlas),
                entry(Op::Gemv, DType::F32, 7, 0, BackendId::Simd),
            ],
        };
        for env in [
            EnvChoice::Auto,
            EnvChoice::Pin(BackendId::OpenBlas),
            EnvChoice::Pin(BackendId::Simd),
        ] {
            let t = Table::build(env, None, default.clone(), BOTH_IDS);
            let mut seen = [false; 3];
            for op in Op::ALL {
                for d in DType::ALL {
                    for tc in 0..THREAD_CLASSES {
                        // Shapes across every bit length of the work measure.
                        for k in 0..64u32 {
                            for w in [1u64 << k, (1u64 << k) + 1, (1u64 << k) - 1] {
                                let n = w.max(1) as usize;
                                let shape = [n, 1, 1, 1];
                                let sc = wisdom::size_class(*op, &shape);
                                let bits = wisdom::work_bits(*op, &shape).1;
                                let want = t.cell(*op, d, sc, tc).backend;
                                let code = t.fast[tc][op.index()][d.index()][bits];
                                let got = match code {
                                    FAST_SIMD => BackendId::Simd,
                                    FAST_OPENBLAS | FAST_OPENBLAS_PINNED => BackendId::OpenBlas,
                                    _ => panic!("code {code}"),
                                };
                                assert_eq!(got, want, "{op} {d} {shape:?} tc {tc}");
                                // Only a pin skips the rayon rule.
                                assert_eq!(
                                    code == FAST_OPENBLAS_PINNED,
                                    got == BackendId::OpenBlas && env != EnvChoice::Auto,
                                );
                                seen[usize::from(code)] = true;
                            }
                        }
                    }
                }
            }
            match env {
                EnvChoice::Auto => assert!(seen[0] && seen[1] && !seen[2]),
                EnvChoice::Pin(BackendId::OpenBlas) => assert_eq!(seen, [false, false, true]),
                EnvChoice::Pin(BackendId::Simd) => assert_eq!(seen, [true, false, false]),
            }
        }
    }

    #[test]
    fn fast_path_steps_aside_for_overrides() {
        // Build the table (first use), then look from inside a scope.
        let _ = choose(Op::Dot, DType::F64, &[64]);
        let open = |id| with_backend(id, || fast_choice(Op::Dot, DType::F64, &[64]));
        assert_eq!(open(BackendId::Simd), FAST_SLOW);
        assert_eq!(open(BackendId::OpenBlas), FAST_SLOW);
        // Outside every scope (other tests may hold one open meanwhile), the
        // fast path agrees with the full one.
        let code = fast_choice(Op::Dot, DType::F64, &[64]);
        if code != FAST_SLOW {
            let want = choose(Op::Dot, DType::F64, &[64]).unwrap();
            let got = if code == FAST_SIMD {
                BackendId::Simd
            } else {
                BackendId::OpenBlas
            };
            assert_eq!(got, want);
        }
    }

    #[test]
    fn num_threads_round_trip() {
        let before = num_threads();
        set_num_threads(0);
        assert_eq!(num_threads(), 1);
        set_num_threads(before);
        assert_eq!(num_threads(), before);
    }
}
