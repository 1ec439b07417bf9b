//! Every blocking parameter of the packed gemm, in one place.
//!
//! The loop nest (BLIS order) is
//!
//! ```text
//! for jc in 0..n step NC        -- B block (KC x NC) lives in L3
//!   for pc in 0..k step KC      -- pack B(pc.., jc..) into NR-column panels
//!     for ic in 0..m step MC    -- pack A(ic.., pc..) into MR-row panels, lives in L2
//!       for jr in 0..NC step NR --   one B micro-panel (KC x NR) stays in L1
//!         for ir in 0..MC step MR
//!           microkernel: C(ir.., jr..) += A-panel * B-panel (MR x NR in registers)
//! ```
//!
//! MR and NR are fixed by the microkernel (registers: see `microkernel.rs`).
//! KC, MC and NC come from the cache sizes, read once from Linux sysfs
//! (`/sys/devices/system/cpu/cpu0/cache/index*/size`), with the sizes of the
//! reference machine (AMD EPYC Zen 3: 32 KiB L1d, 512 KiB L2, 32 MiB L3) as
//! the fallback where sysfs is missing:
//!
//! - KC (depth of one rank-KC update, blocks the `pc` loop): the B micro-panel
//!   `KC x NR` takes 3/4 of L1d, leaving the rest for the A micro-panel and C
//!   tile streaming through. 32 KiB * 3/4 / (8 cols * 8 bytes) = 384 for f64
//!   (6x8 kernel) and 32 KiB * 3/4 / (16 * 4) = 384 for f32 (6x16 kernel).
//!   A deeper KC also means fewer passes over C (each pass reads and writes
//!   the whole of C once).
//! - MC (rows of the packed A block, blocks the `ic` loop): the `MC x KC` A
//!   block takes 3/4 of L2, the rest holds B micro-panels and C tiles.
//!   512 KiB * 3/4 / (384 * 8) = 128 -> 126 rows (a multiple of MR = 6) for
//!   f64; 252 for f32.
//! - NC (columns of the packed B block, blocks the `jc` loop): the `KC x NC`
//!   B block takes at most a quarter of the shared L3 (other cores use it too),
//!   capped at 4080 so the packing buffer stays a few MiB.
//!
//! The same fractions give the aarch64 NEON kernels' blocks (6x8 f64: as
//! above; 8x12 f32: KC = 32 KiB * 3/4 / (12 * 4) = 512, MC = 192, NC = 4080
//! with the fallback caches). They were not tuned on ARM hardware (none was
//! available: the NEON kernels were only run under qemu-user); a core with
//! 64 KiB L1d (Neoverse V1/N2, Apple M1's 128 KiB) gets a proportionally
//! deeper KC from sysfs, capped at 768.
//!
//! Chosen by measurement with `cargo run --release --example probe_gemm
//! --features openblas -- cpu big` (n = 256..1024 and 4096x64x4096, ratio to
//! OpenBLAS in one process): KC = 384 / MC = 120 was at or above OpenBLAS in
//! every case of two runs; KC = 256 / MC = 126 and KC = 192 / MC = 144 each
//! fell 3-20% below it somewhere. The fractions above reproduce that setting
//! from the cache sizes.

/// Cache sizes in bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caches {
    pub l1d: usize,
    pub l2: usize,
    pub l3: usize,
}

/// The reference machine (AMD EPYC Zen 3), used where detection fails.
const FALLBACK: Caches = Caches {
    l1d: 32 * 1024,
    l2: 512 * 1024,
    l3: 32 * 1024 * 1024,
};

/// Parses sysfs sizes such as `"32K"`, `"512K"`, `"32768K"`, `"8M"`.
fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (digits, mult) = match s.as_bytes().last()? {
        b'K' => (&s[..s.len() - 1], 1024),
        b'M' => (&s[..s.len() - 1], 1024 * 1024),
        b'G' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    digits.parse::<usize>().ok().map(|d| d * mult)
}

/// Reads the data/unified cache sizes of cpu0 from sysfs (Linux only; cheap:
/// a handful of small files, read once per process).
#[cfg_attr(miri, allow(dead_code))]
fn detect() -> Option<Caches> {
    let mut found = Caches {
        l1d: 0,
        l2: 0,
        l3: 0,
    };
    for index in 0..8 {
        let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
        let Ok(level) = std::fs::read_to_string(format!("{dir}/level")) else {
            break;
        };
        let kind = std::fs::read_to_string(format!("{dir}/type")).ok()?;
        let size = parse_size(&std::fs::read_to_string(format!("{dir}/size")).ok()?)?;
        if kind.trim() == "Instruction" {
            continue;
        }
        match level.trim() {
            "1" => found.l1d = size,
            "2" => found.l2 = size,
            "3" => found.l3 = size,
            _ => {}
        }
    }
    // Unknown or implausible values: keep the fallback for that level.
    let pick = |v: usize, lo: usize, fb: usize| if v >= lo { v } else { fb };
    Some(Caches {
        l1d: pick(found.l1d, 8 * 1024, FALLBACK.l1d),
        l2: pick(found.l2, 64 * 1024, FALLBACK.l2),
        l3: pick(
            found.l3,
            512 * 1024,
            FALLBACK.l3.max(pick(found.l2, 64 * 1024, 0)),
        ),
    })
}

/// Tiny caches used under Miri: Miri's isolation forbids reading sysfs, and
/// with these the blocks of the portable 4x4 kernel become KC = 64, MC = 24,
/// NC = 32 (f64) and KC = 96, MC = 32, NC = 40 (f32), so products of a few dozen rows and columns, small enough for the
/// interpreter, still cross every block boundary (see the Miri tests in
/// `gemm/tests.rs`).
#[cfg(miri)]
const MIRI: Caches = Caches {
    l1d: 2 * 1024,
    l2: 16 * 1024,
    l3: 64 * 1024,
};

/// The cache sizes of this machine (detected once; [`MIRI`]'s under Miri).
pub(crate) fn caches() -> Caches {
    #[cfg(miri)]
    return MIRI;
    #[cfg(not(miri))]
    {
        static CACHES: std::sync::OnceLock<Caches> = std::sync::OnceLock::new();
        *CACHES.get_or_init(|| detect().unwrap_or(FALLBACK))
    }
}

/// Block sizes for one kernel shape and element size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Blocking {
    /// Rows of the register tile (fixed by the kernel).
    pub mr: usize,
    /// Columns of the register tile (fixed by the kernel).
    pub nr: usize,
    /// Depth of one packed panel pair.
    pub kc: usize,
    /// Rows of the packed A block (a multiple of `mr`).
    pub mc: usize,
    /// Columns of the packed B block (a multiple of `nr`).
    pub nc: usize,
}

impl Blocking {
    /// Derives KC, MC, NC from the cache sizes as documented at the top.
    pub(crate) fn new(mr: usize, nr: usize, elem: usize, caches: Caches) -> Blocking {
        let kc = (caches.l1d * 3 / 4 / (nr * elem)).clamp(64, 768) / 8 * 8;
        let mc = ((caches.l2 * 3 / 4 / (kc * elem)).clamp(mr, 1024) / mr * mr).max(mr);
        let nc = ((caches.l3 / 4 / (kc * elem)).clamp(nr, 4080) / nr * nr).max(nr);
        Blocking { mr, nr, kc, mc, nc }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sysfs_sizes() {
        assert_eq!(parse_size("32K\n"), Some(32 * 1024));
        assert_eq!(parse_size("32768K"), Some(32 * 1024 * 1024));
        assert_eq!(parse_size("8M"), Some(8 * 1024 * 1024));
        assert_eq!(parse_size("12345"), Some(12345));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn reference_machine_blocking() {
        let d = Blocking::new(6, 8, 8, FALLBACK);
        assert_eq!((d.kc, d.mc), (384, 126));
        assert_eq!(d.nc % 8, 0);
        let s = Blocking::new(6, 16, 4, FALLBACK);
        assert_eq!((s.kc, s.mc), (384, 252));
        // aarch64 NEON f32 8x12 (f64 6x8 is the AVX2 f64 shape above).
        let n = Blocking::new(8, 12, 4, FALLBACK);
        assert_eq!((n.kc, n.mc, n.nc), (512, 192, 4080));
    }
}
