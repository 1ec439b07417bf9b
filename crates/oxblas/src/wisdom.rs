//! Wisdom: the measurements the dispatcher routes by, and their file format.
//!
//! `cargo xtask bench` times every backend on the same inputs and writes a
//! [`Wisdom`] file; the dispatcher reads it once per process (see
//! [`default_path`]) and routes each call to the backend that won for its
//! `(op, dtype, size class, thread class)`. Keys missing from the file fall
//! back to the built-in default table (`default_wisdom.txt`, checked in).
//!
//! # Format
//!
//! Plain text, one item per line, `#` starts a comment:
//!
//! ```text
//! oxblas-wisdom 1
//! cpu_model = AMD EPYC
//! cpu_features = avx avx2 fma
//! threads = 2
//! crate_version = 0.1.0
//! openblas_config = OpenBLAS 0.3.21
//! simd_arch = oxblas-simd 0.1.0 (avx2+fma)
//! entries
//! # op dtype size_class thread_class winner shape ns_openblas ns_simd
//! gemm f64 4 0 openblas 128x128x128 61234.5 70211.0
//! dot f32 0 0 simd 64 - 21.5
//! ```
//!
//! The shape is the measured problem (`x`-separated, `-` if none); a time is
//! the median in nanoseconds, `-` when that backend was not measured.
//!
//! ```
//! use oxblas::wisdom::{self, Entry, Signature, Wisdom};
//! use oxblas::{BackendId, DType, Op};
//!
//! let shape = vec![128, 128, 128];
//! let w = Wisdom {
//!     signature: Signature::current(),
//!     entries: vec![Entry {
//!         op: Op::Gemm,
//!         dtype: DType::F64,
//!         size_class: wisdom::size_class(Op::Gemm, &shape),
//!         thread_class: wisdom::thread_class(1),
//!         winner: BackendId::Simd,
//!         shape,
//!         ns_openblas: Some(61234.5),
//!         ns_simd: Some(58000.0),
//!     }],
//! };
//! let back = Wisdom::parse(&w.to_text())?;
//! assert_eq!(back, w);
//! # Ok::<(), oxblas::wisdom::WisdomError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use oxblas_core::{BackendId, DType, Op};

/// Number of size classes per `(op, dtype)`.
pub const SIZE_CLASSES: usize = 8;

/// Number of thread classes: index 0 is one thread, index 1 is more than one.
pub const THREAD_CLASSES: usize = 2;

/// The first line of every wisdom file (format version 1).
const MAGIC: &str = "oxblas-wisdom 1";

/// How an operation's cost grows with its shape, for size classing.
#[derive(Clone, Copy)]
pub(crate) enum Family {
    /// `O(n)`: buckets on `n` at 64, 256, ..., 256 Ki (steps of 4x).
    Vector,
    /// `O(mn)`: buckets on `m n` at `8^2, 16^2, ..., 512^2`.
    Quadratic,
    /// `O(mnk)`: buckets on `m n k` at `8^3, 16^3, ..., 512^3`.
    Cubic,
}

/// Class edges per family: a problem whose work measure exceeds
/// `EDGES[f][i]` is in class `i + 1` or above. Every edge is a power of two
/// (`2^(6 + 2i)` for the first two families, `2^(9 + 3i)` for the cubic
/// one), so [`size_class`] computes the class from the bit length of the
/// work measure without a loop or a branch; the table is the reference its
/// test checks against.
#[cfg(test)]
const EDGES: [[u64; SIZE_CLASSES - 1]; 3] = {
    let mut e = [[0u64; SIZE_CLASSES - 1]; 3];
    let mut i = 0;
    while i < SIZE_CLASSES - 1 {
        let v = 64u64 << (2 * i); // 64, 256, ..., 256 Ki
        let d = 8u64 << i; // 8, 16, ..., 512
        e[0][i] = v;
        e[1][i] = d * d;
        e[2][i] = d * d * d;
        i += 1;
    }
    e
};

/// The family and the work measure of a problem: `n` for vector
/// operations, else the product of the dimensions that set the flop count
/// (so a square `n x n x n` gemm measures `n^3`, in class of dimension `n`).
#[inline(always)]
fn work(op: Op, shape: &[usize]) -> (Family, u64) {
    let d = |i: usize| shape.get(i).copied().unwrap_or(1).max(1) as u64;
    let p2 = |a: u64, b: u64| a.saturating_mul(b);
    let p3 = |a: u64, b: u64, c: u64| a.saturating_mul(b).saturating_mul(c);
    match op {
        Op::Dot
        | Op::Axpy
        | Op::Scal
        | Op::Copy
        | Op::Swap
        | Op::Nrm2
        | Op::Asum
        | Op::Iamax
        | Op::Add
        | Op::Sub
        | Op::Hadamard
        | Op::Distance => (Family::Vector, d(0)),
        Op::Gemv | Op::Ger | Op::Trsv | Op::Symv => (Family::Quadratic, p2(d(0), d(1))),
        // [m, k, n]
        Op::Gemm | Op::Symm => (Family::Cubic, p3(d(0), d(1), d(2))),
        // [count, m, k, n]: the per-item size decides which kernel wins.
        Op::GemmBatched => (Family::Cubic, p3(d(1), d(2), d(3))),
        // [m, n, d]: m n d flops per distance matrix.
        Op::PairwiseDistances => (Family::Cubic, p3(d(0), d(1), d(2))),
        // [n, k]: n^2 k flops.
        Op::Syrk => (Family::Cubic, p3(d(0), d(0), d(1))),
        // [m, n]: an m x m triangle against n right-hand sides.
        Op::Trsm => (Family::Cubic, p3(d(0), d(0), d(1))),
        // Factorizations and solvers [m, n]: m n min(m, n) flops.
        _ => (Family::Cubic, p3(d(0), d(1), d(0).min(d(1)))),
    }
}

/// The size class (`0..SIZE_CLASSES`) of a problem.
///
/// `shape` is: `[n]` for vector operations; `[m, n]` (the matrix) for gemv,
/// ger, trsv, symv; `[m, k, n]` for gemm and symm (`C` is `m x n`); `[n, k]`
/// for syrk (`A` is `n x k`); `[m, n]` for trsm (`B` is `m x n`);
/// `[m, n, d]` for pairwise distances (`m` and `n` rows of length `d`);
/// `[count, m, k, n]` for batched gemm; `[m, n]` (the matrix) for
/// factorizations and solvers. Missing dimensions count as 1; the function
/// never panics.
///
/// Vector operations bucket `n` at 64, 256, 1 Ki, ..., 256 Ki (steps of 4x);
/// every other operation buckets the geometric mean of the dimensions that
/// set its flop count (for gemm `cbrt(m k n)`) at 8, 16, ..., 512.
///
/// ```
/// use oxblas::{wisdom::size_class, Op};
/// assert_eq!(size_class(Op::Gemm, &[4, 4, 4]), 0);
/// assert_eq!(size_class(Op::Gemm, &[100, 100, 100]), 4);
/// assert_eq!(size_class(Op::Gemm, &[4096, 4096, 4096]), 7);
/// assert_eq!(size_class(Op::Dot, &[1000]), 2);
/// ```
#[inline]
pub fn size_class(op: Op, shape: &[usize]) -> usize {
    let (f, bits) = work_bits(op, shape);
    class_of_bits(f, bits)
}

/// The family of `op` and the bit length (`0..=64`) of its work measure
/// minus one: the part of [`size_class`] that depends on the shape. `w > 2^k`
/// exactly when the bit length of `w - 1` exceeds `k`, and every class edge
/// is a power of two, so this bit length alone fixes the class.
#[inline(always)]
pub(crate) fn work_bits(op: Op, shape: &[usize]) -> (Family, usize) {
    let (f, w) = work(op, shape);
    (
        f,
        (u64::BITS - w.saturating_sub(1).leading_zeros()) as usize,
    )
}

/// The size class of a work measure whose `w - 1` has `bits` bits.
#[inline]
pub(crate) fn class_of_bits(f: Family, bits: usize) -> usize {
    let class = match f {
        // Edges 2^(6 + 2i): the count of i with bits > 6 + 2i.
        Family::Vector | Family::Quadratic => bits.saturating_sub(5) / 2,
        // Edges 2^(9 + 3i).
        Family::Cubic => bits.saturating_sub(7) / 3,
    };
    class.min(SIZE_CLASSES - 1)
}

/// Bit lengths [`work_bits`] can return: `0..=64`.
pub(crate) const WORK_BITS: usize = u64::BITS as usize + 1;

/// The thread class of a call that may use `threads` threads: 0 for one
/// thread (or zero), 1 for more.
pub fn thread_class(threads: usize) -> usize {
    usize::from(threads > 1)
}

/// What a wisdom file was measured on. A file applies only on a machine and
/// build with the same signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The CPU's model name (`/proc/cpuinfo`'s `model name` on Linux).
    pub cpu_model: String,
    /// The SIMD features detected at run time, space-separated.
    pub cpu_features: String,
    /// Hardware threads available to the process.
    pub threads: usize,
    /// The `oxblas` crate version.
    pub crate_version: String,
    /// OpenBLAS's build configuration (`openblas_get_config`), or `none` if
    /// the OpenBLAS backend is not compiled in.
    pub openblas_config: String,
    /// The SIMD backend's description, or `none` if not compiled in.
    pub simd_arch: String,
}

impl Signature {
    /// The signature of this machine and build (computed once, then cached).
    pub fn current() -> Signature {
        static CURRENT: OnceLock<Signature> = OnceLock::new();
        CURRENT
            .get_or_init(|| Signature {
                cpu_model: cpu_model(),
                cpu_features: cpu_features(),
                threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
                crate_version: env!("CARGO_PKG_VERSION").to_string(),
                openblas_config: openblas_config(),
                simd_arch: simd_arch(),
            })
            .clone()
    }

    /// `true` if measurements taken under `other` apply under `self`: every
    /// field is equal.
    pub fn matches(&self, other: &Signature) -> bool {
        self == other
    }

    /// The fields that differ from `other`, as `name: ours vs theirs` lines.
    pub fn differences(&self, other: &Signature) -> Vec<String> {
        let a = [
            ("cpu_model", self.cpu_model.clone(), other.cpu_model.clone()),
            (
                "cpu_features",
                self.cpu_features.clone(),
                other.cpu_features.clone(),
            ),
            (
                "threads",
                self.threads.to_string(),
                other.threads.to_string(),
            ),
            (
                "crate_version",
                self.crate_version.clone(),
                other.crate_version.clone(),
            ),
            (
                "openblas_config",
                self.openblas_config.clone(),
                other.openblas_config.clone(),
            ),
            ("simd_arch", self.simd_arch.clone(), other.simd_arch.clone()),
        ];
        a.into_iter()
            .filter(|(_, x, y)| x != y)
            .map(|(k, x, y)| format!("{k}: `{x}` vs `{y}`"))
            .collect()
    }

    /// A stable 64-bit FNV-1a hash of all fields, used in the cache file name.
    pub fn hash64(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let text = self.header_text();
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    fn header_text(&self) -> String {
        format!(
            "cpu_model = {}\ncpu_features = {}\nthreads = {}\ncrate_version = {}\n\
             openblas_config = {}\nsimd_arch = {}\n",
            one_line(&self.cpu_model),
            one_line(&self.cpu_features),
            self.threads,
            one_line(&self.crate_version),
            one_line(&self.openblas_config),
            one_line(&self.simd_arch),
        )
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}], {} threads, oxblas {}, openblas: {}, simd: {}",
            self.cpu_model,
            self.cpu_features,
            self.threads,
            self.crate_version,
            self.openblas_config,
            self.simd_arch
        )
    }
}

/// Header values must stay on one line and keep no surrounding blanks.
fn one_line(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '#') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let t = t.trim();
    if t.is_empty() {
        "none".to_string()
    } else {
        t.to_string()
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| format!("unknown {}", std::env::consts::ARCH))
}

fn cpu_features() -> String {
    #[allow(unused_mut)]
    let mut f: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($name:tt),*) => {
                $(if std::arch::is_x86_feature_detected!($name) { f.push($name); })*
            };
        }
        probe!("sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl");
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            f.push("neon");
        }
    }
    if f.is_empty() {
        "none".to_string()
    } else {
        f.join(" ")
    }
}

fn openblas_config() -> String {
    #[cfg(feature = "openblas")]
    {
        one_line(&oxblas_openblas::config())
    }
    #[cfg(not(feature = "openblas"))]
    {
        "none".to_string()
    }
}

fn simd_arch() -> String {
    #[cfg(feature = "simd")]
    {
        one_line(&<oxblas_simd::Simd as oxblas_core::Backend>::description())
    }
    #[cfg(not(feature = "simd"))]
    {
        "none".to_string()
    }
}

/// One measurement: which backend won for one dispatcher key, and the times
/// behind the verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The operation.
    pub op: Op,
    /// The element type.
    pub dtype: DType,
    /// The size class (`< SIZE_CLASSES`), see [`size_class`].
    pub size_class: usize,
    /// The thread class (`< THREAD_CLASSES`), see [`thread_class`].
    pub thread_class: usize,
    /// The faster backend.
    pub winner: BackendId,
    /// The problem that was timed (see [`size_class`] for its meaning).
    pub shape: Vec<usize>,
    /// Median time of the OpenBLAS backend in nanoseconds, if measured.
    pub ns_openblas: Option<f64>,
    /// Median time of the SIMD backend in nanoseconds, if measured.
    pub ns_simd: Option<f64>,
}

/// A complete wisdom file: where it was measured and what won.
#[derive(Clone, Debug, PartialEq)]
pub struct Wisdom {
    /// The machine and build the entries were measured on.
    pub signature: Signature,
    /// One entry per measured key; a later entry for the same key wins.
    pub entries: Vec<Entry>,
}

/// Why a wisdom file could not be read.
#[derive(Debug)]
pub enum WisdomError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The text is not a wisdom file: `line` (1-based) says what is wrong.
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

impl fmt::Display for WisdomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WisdomError::Io(e) => write!(f, "cannot read wisdom file: {e}"),
            WisdomError::Parse { line, message } => {
                write!(f, "corrupt wisdom file, line {line}: {message}")
            }
        }
    }
}

impl std::error::Error for WisdomError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WisdomError::Io(e) => Some(e),
            WisdomError::Parse { .. } => None,
        }
    }
}

impl From<std::io::Error> for WisdomError {
    fn from(e: std::io::Error) -> Self {
        WisdomError::Io(e)
    }
}

fn fmt_ns(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{v}"),
        None => "-".to_string(),
    }
}

fn fmt_shape(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "-".to_string();
    }
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

impl Wisdom {
    /// The file's text (see the [module docs](self) for the format).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(MAGIC);
        s.push('\n');
        s.push_str(&self.signature.header_text());
        s.push_str("entries\n");
        s.push_str("# op dtype size_class thread_class winner shape ns_openblas ns_simd\n");
        for e in &self.entries {
            s.push_str(&format!(
                "{} {} {} {} {} {} {} {}\n",
                e.op.name(),
                e.dtype.name(),
                e.size_class,
                e.thread_class,
                e.winner.name(),
                fmt_shape(&e.shape),
                fmt_ns(e.ns_openblas),
                fmt_ns(e.ns_simd)
            ));
        }
        s
    }

    /// Parses a wisdom file's text.
    ///
    /// # Errors
    /// [`WisdomError::Parse`] naming the first bad line: a missing or wrong
    /// first line, a missing or duplicated header key, or an entry line with
    /// an unknown op, dtype or backend, a class out of range, or a bad number.
    pub fn parse(s: &str) -> Result<Wisdom, WisdomError> {
        let err = |line: usize, message: String| WisdomError::Parse { line, message };
        let mut lines = s
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
            .filter(|(_, l)| !l.is_empty());

        match lines.next() {
            Some((_, l)) if l == MAGIC => {}
            Some((n, l)) => return Err(err(n, format!("expected `{MAGIC}`, found `{l}`"))),
            None => return Err(err(1, "empty file".into())),
        }

        let keys = [
            "cpu_model",
            "cpu_features",
            "threads",
            "crate_version",
            "openblas_config",
            "simd_arch",
        ];
        let mut values: [Option<String>; 6] = Default::default();
        let mut last = 1;
        let mut saw_entries = false;
        for (n, l) in lines.by_ref() {
            last = n;
            if l == "entries" {
                saw_entries = true;
                break;
            }
            let (k, v) = l
                .split_once('=')
                .ok_or_else(|| err(n, format!("expected `key = value`, found `{l}`")))?;
            let k = k.trim();
            let i = keys
                .iter()
                .position(|&key| key == k)
                .ok_or_else(|| err(n, format!("unknown header key `{k}`")))?;
            if values[i].is_some() {
                return Err(err(n, format!("duplicate header key `{k}`")));
            }
            values[i] = Some(v.trim().to_string());
        }
        if !saw_entries {
            return Err(err(last, "missing `entries` line".into()));
        }
        for (i, v) in values.iter().enumerate() {
            if v.is_none() {
                return Err(err(last, format!("missing header key `{}`", keys[i])));
            }
        }
        let [cpu_model, cpu_features, threads, crate_version, openblas_config, simd_arch] =
            values.map(Option::unwrap_or_default);
        let threads = threads
            .parse::<usize>()
            .map_err(|_| err(last, format!("`threads = {threads}` is not a count")))?;
        let signature = Signature {
            cpu_model,
            cpu_features,
            threads,
            crate_version,
            openblas_config,
            simd_arch,
        };

        let mut entries = Vec::new();
        for (n, l) in lines {
            entries.push(parse_entry(l).map_err(|m| err(n, m))?);
        }
        Ok(Wisdom { signature, entries })
    }

    /// Reads and parses a wisdom file.
    ///
    /// # Errors
    /// [`WisdomError::Io`] if the file cannot be read, [`WisdomError::Parse`]
    /// if it is not a valid wisdom file.
    pub fn load(path: &Path) -> Result<Wisdom, WisdomError> {
        Wisdom::parse(&std::fs::read_to_string(path)?)
    }

    /// Writes the file (creating its directory), atomically: the text goes
    /// to a temporary file that is then renamed over `path`.
    ///
    /// # Errors
    /// Any I/O error from creating the directory, writing or renaming.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, self.to_text())?;
        std::fs::rename(&tmp, path)
    }

    /// The last entry for a key, if any.
    pub fn lookup(
        &self,
        op: Op,
        dtype: DType,
        size_class: usize,
        thread_class: usize,
    ) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| {
            e.op == op
                && e.dtype == dtype
                && e.size_class == size_class
                && e.thread_class == thread_class
        })
    }
}

fn parse_entry(l: &str) -> Result<Entry, String> {
    let f: Vec<&str> = l.split_whitespace().collect();
    if f.len() != 8 {
        return Err(format!(
            "an entry has 8 fields (op dtype size_class thread_class winner shape \
             ns_openblas ns_simd), found {}: `{l}`",
            f.len()
        ));
    }
    let op = Op::parse(f[0]).ok_or_else(|| format!("unknown op `{}`", f[0]))?;
    let dtype = match f[1] {
        "f32" => DType::F32,
        "f64" => DType::F64,
        d => return Err(format!("unknown dtype `{d}`")),
    };
    let class = |s: &str, limit: usize, what: &str| -> Result<usize, String> {
        match s.parse::<usize>() {
            Ok(c) if c < limit => Ok(c),
            _ => Err(format!("{what} `{s}` is not in 0..{limit}")),
        }
    };
    let size_class = class(f[2], SIZE_CLASSES, "size class")?;
    let thread_class = class(f[3], THREAD_CLASSES, "thread class")?;
    let winner = BackendId::parse(f[4]).ok_or_else(|| format!("unknown backend `{}`", f[4]))?;
    let shape = if f[5] == "-" {
        Vec::new()
    } else {
        f[5].split('x')
            .map(|d| d.parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| format!("bad shape `{}`", f[5]))?
    };
    let ns = |s: &str| -> Result<Option<f64>, String> {
        if s == "-" {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
            _ => Err(format!("bad time `{s}` (nanoseconds or `-`)")),
        }
    };
    Ok(Entry {
        op,
        dtype,
        size_class,
        thread_class,
        winner,
        shape,
        ns_openblas: ns(f[6])?,
        ns_simd: ns(f[7])?,
    })
}

/// Where the dispatcher looks for this machine's wisdom: `$OXBLAS_WISDOM` if
/// set and non-empty, else `$XDG_CACHE_HOME/oxblas/wisdom-<hash>.txt` (or
/// `~/.cache/oxblas/...`), where `<hash>` is [`Signature::hash64`] of
/// [`Signature::current`] in hex. `None` if no cache directory is known.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OXBLAS_WISDOM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|p| !p.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(
        cache
            .join("oxblas")
            .join(format!("wisdom-{:016x}.txt", Signature::current().hash64())),
    )
}

/// The built-in default table's text (checked in as `default_wisdom.txt`).
pub const DEFAULT_WISDOM: &str = include_str!("default_wisdom.txt");

/// Where the dispatcher's table came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `OXBLAS_BACKEND` pins every call to one backend.
    Environment(BackendId),
    /// This machine's wisdom file (keys it lacks use the built-in defaults).
    WisdomFile(PathBuf),
    /// The built-in default table: no usable wisdom file was found.
    Default,
    /// Only one backend is compiled in: every call goes to it.
    SingleBackend(BackendId),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Environment(b) => write!(f, "OXBLAS_BACKEND={b}"),
            Source::WisdomFile(p) => write!(f, "wisdom file {}", p.display()),
            Source::Default => f.write_str("built-in default table"),
            Source::SingleBackend(b) => write!(f, "only backend compiled in ({b})"),
        }
    }
}

/// Which source the dispatcher's table came from (loading it if needed).
pub fn active_source() -> Source {
    crate::dispatch::active_source()
}

/// Re-reads `OXBLAS_BACKEND` and the wisdom file and rebuilds the
/// dispatcher's table, e.g. after `cargo xtask bench` saved new wisdom in
/// this process. Calls already running keep the table they started with.
pub fn reload() {
    crate::dispatch::reload()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The class by counting the edges the work measure exceeds.
    fn class_by_edges(f: Family, w: u64) -> usize {
        EDGES[f as usize].iter().take_while(|&&e| w > e).count()
    }

    #[test]
    fn size_class_matches_the_edge_table() {
        let ops = [(Op::Dot, Family::Vector), (Op::Gemv, Family::Quadratic)];
        let mut ws: Vec<u64> = (0..=70u32)
            .flat_map(|k| {
                let p = 1u64.checked_shl(k).unwrap_or(u64::MAX);
                [p.saturating_sub(1), p, p.saturating_add(1)]
            })
            .collect();
        ws.extend(0..5000);
        for w in ws.iter().copied().filter(|&w| w >= 1) {
            for (op, f) in ops {
                let shape = match f {
                    Family::Vector => vec![w as usize],
                    _ => vec![w as usize, 1],
                };
                assert_eq!(size_class(op, &shape), class_by_edges(f, w), "{op} w={w}");
            }
            // Cubic: gemm [w, 1, 1] has work w.
            assert_eq!(
                size_class(Op::Gemm, &[w as usize, 1, 1]),
                class_by_edges(Family::Cubic, w),
                "gemm w={w}"
            );
        }
        // Zero dimensions count as 1; huge ones saturate.
        assert_eq!(size_class(Op::Gemm, &[0, 0, 0]), 0);
        assert_eq!(size_class(Op::Gemm, &[usize::MAX; 3]), SIZE_CLASSES - 1);
        assert_eq!(size_class(Op::Lu, &[]), 0);
    }

    fn sig() -> Signature {
        Signature {
            cpu_model: "Test CPU 9000".into(),
            cpu_features: "avx avx2 fma".into(),
            threads: 2,
            crate_version: "0.1.0".into(),
            openblas_config: "OpenBLAS 0.3.21 Zen".into(),
            simd_arch: "oxblas-simd 0.1.0 (avx2)".into(),
        }
    }

    fn sample() -> Wisdom {
        Wisdom {
            signature: sig(),
            entries: vec![
                Entry {
                    op: Op::Gemm,
                    dtype: DType::F64,
                    size_class: 4,
                    thread_class: 1,
                    winner: BackendId::OpenBlas,
                    shape: vec![128, 128, 128],
                    ns_openblas: Some(61234.5),
                    ns_simd: Some(70211.25),
                },
                Entry {
                    op: Op::Dot,
                    dtype: DType::F32,
                    size_class: 0,
                    thread_class: 0,
                    winner: BackendId::Simd,
                    shape: vec![64],
                    ns_openblas: None,
                    ns_simd: Some(21.5),
                },
                Entry {
                    op: Op::GemmBatched,
                    dtype: DType::F32,
                    size_class: 7,
                    thread_class: 0,
                    winner: BackendId::Simd,
                    shape: vec![],
                    ns_openblas: Some(1e12),
                    ns_simd: None,
                },
            ],
        }
    }

    #[test]
    fn round_trip_is_exact() {
        let w = sample();
        let text = w.to_text();
        assert!(text.starts_with(MAGIC));
        assert_eq!(Wisdom::parse(&text).unwrap(), w);
    }

    #[test]
    fn round_trip_through_a_file() {
        let dir = std::env::temp_dir().join(format!("oxblas-wisdom-test-{}", std::process::id()));
        let path = dir.join("sub").join("w.txt");
        sample().save(&path).unwrap();
        assert_eq!(Wisdom::load(&path).unwrap(), sample());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn comments_and_blank_lines_are_ignored() {
        let text = sample()
            .to_text()
            .replace("entries\n", "\n# a comment\nentries  # here\n\n");
        assert_eq!(Wisdom::parse(&text).unwrap(), sample());
    }

    fn parse_err_line(text: &str) -> usize {
        match Wisdom::parse(text) {
            Err(WisdomError::Parse { line, .. }) => line,
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn corrupt_input_names_the_line() {
        let good = sample().to_text();
        assert_eq!(parse_err_line(""), 1);
        assert_eq!(parse_err_line("not wisdom\n"), 1);
        // Header line 3 (cpu_features) lost its `=`.
        let bad = good.replace("cpu_features = ", "cpu_features ");
        assert_eq!(parse_err_line(&bad), 3);
        // No `entries` line at all.
        let bad = good.replace("entries\n", "");
        assert!(matches!(
            Wisdom::parse(&bad),
            Err(WisdomError::Parse { .. })
        ));
        // Missing header key.
        let bad = good.replace("threads = 2\n", "");
        assert!(matches!(
            Wisdom::parse(&bad),
            Err(WisdomError::Parse { .. })
        ));
        // Entry errors: line 10 is the first entry (1 magic, 6 header, entries, comment).
        for (from, to) in [
            ("gemm f64 4 1", "gemmx f64 4 1"),
            ("gemm f64 4 1", "gemm f16 4 1"),
            ("gemm f64 4 1", "gemm f64 8 1"),
            ("gemm f64 4 1", "gemm f64 4 2"),
            ("openblas 128x128x128", "mkl 128x128x128"),
            ("128x128x128", "128xx128"),
            ("61234.5", "fast"),
            ("61234.5", "-3"),
            ("61234.5 70211.25", "61234.5"),
        ] {
            let bad = good.replace(from, to);
            assert_ne!(bad, good);
            assert_eq!(parse_err_line(&bad), 10, "{to}");
        }
        // Truncated in the middle of a line: still a clean error.
        let cut = &good[..good.len() - 5];
        assert!(matches!(Wisdom::parse(cut), Err(WisdomError::Parse { .. })));
    }

    #[test]
    fn load_of_a_missing_file_is_an_io_error() {
        let r = Wisdom::load(Path::new("/nonexistent/oxblas/wisdom.txt"));
        assert!(matches!(r, Err(WisdomError::Io(_))));
    }

    #[test]
    fn signatures_match_only_when_equal() {
        let a = sig();
        assert!(a.matches(&sig()));
        let mut b = sig();
        b.cpu_model = "Other CPU".into();
        assert!(!a.matches(&b));
        let mut c = sig();
        c.threads = 64;
        assert!(!a.matches(&c));
        assert_ne!(a.hash64(), b.hash64());
        assert_eq!(
            b.differences(&a),
            ["cpu_model: `Other CPU` vs `Test CPU 9000`"]
        );
        assert!(a.differences(&sig()).is_empty());
        assert_eq!(a.hash64(), sig().hash64());
    }

    #[test]
    fn current_signature_round_trips() {
        let w = Wisdom {
            signature: Signature::current(),
            entries: vec![],
        };
        let back = Wisdom::parse(&w.to_text()).unwrap();
        assert!(back.signature.matches(&Signature::current()));
    }

    #[test]
    fn size_classes_cover_the_range_monotonically() {
        let mut last = 0;
        for n in [
            1usize,
            2,
            8,
            9,
            16,
            17,
            64,
            100,
            256,
            512,
            513,
            4096,
            1 << 20,
        ] {
            let c = size_class(Op::Gemm, &[n, n, n]);
            assert!(c >= last && c < SIZE_CLASSES);
            last = c;
        }
        assert_eq!(size_class(Op::Gemm, &[8, 8, 8]), 0);
        assert_eq!(size_class(Op::Gemm, &[9, 9, 9]), 1);
        assert_eq!(size_class(Op::Gemm, &[64, 64, 64]), 3);
        assert_eq!(size_class(Op::Gemm, &[65, 65, 65]), 4);
        assert_eq!(size_class(Op::Gemm, &[600, 600, 600]), 7);
        assert_eq!(size_class(Op::Dot, &[64]), 0);
        assert_eq!(size_class(Op::Dot, &[65]), 1);
        assert_eq!(size_class(Op::Dot, &[1 << 30]), 7);
        assert_eq!(size_class(Op::Gemv, &[64, 64]), 3);
        assert_eq!(size_class(Op::Lu, &[64, 64]), 3);
        // Tall-skinny QR: 4096 * 64 * 64 flops ~ 256^3.
        assert_eq!(size_class(Op::Qr, &[4096, 64]), 5);
    }

    #[test]
    fn size_class_never_panics_on_odd_shapes() {
        for op in Op::ALL {
            for shape in [
                &[][..],
                &[0],
                &[0, 0, 0, 0, 0],
                &[usize::MAX, usize::MAX, 3],
            ] {
                assert!(size_class(*op, shape) < SIZE_CLASSES);
            }
        }
    }

    #[test]
    fn thread_classes() {
        assert_eq!(thread_class(0), 0);
        assert_eq!(thread_class(1), 0);
        assert_eq!(thread_class(2), 1);
        assert_eq!(thread_class(64), 1);
    }

    #[test]
    fn default_wisdom_parses() {
        let w = Wisdom::parse(DEFAULT_WISDOM).unwrap();
        assert!(!w.entries.is_empty());
    }
}
