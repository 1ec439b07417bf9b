//! `cargo xtask test`: everything CI checks, in order, stopping at the first
//! failure.
//!
//! 1. System libraries: OpenBLAS and LAPACKE through pkg-config (installed
//!    with apt-get when running as root on Debian/Ubuntu; otherwise the
//!    install commands are printed and only the simd backend is tested).
//! 2. `cargo fmt --check`.
//! 3. clippy `-D warnings`: the whole workspace with every feature, then the
//!    dispatcher and the suite with each backend alone (a `cfg` mistake only
//!    shows when one backend is missing). Clippy only type-checks, so these
//!    cost a fraction of a test build.
//! 4. Tests for the feature sets {simd}, {openblas} and {simd, openblas} of
//!    `oxblas` and `oxblas-suite`; the backend crates' own tests once (with
//!    the last set, in the same cargo run, so no dependency is rebuilt for a
//!    different feature set); then doc tests.
//! 5. `cargo doc` with `-D warnings`.
//!
//! Build time: every step shares the one target directory. The single-backend
//! sets come first and the combined set last, so the combined set only
//! rebuilds the dispatcher and the suite; the backends themselves (features
//! never change for them) are compiled once per profile.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd;
use crate::TestArgs;

/// The packages whose behaviour depends on the backend features.
const FEATURED: &[&str] = &["oxblas", "oxblas-suite"];
/// The backend crates and the core crate, tested once.
const BACKENDS: &[&str] = &["oxblas-core", "oxblas-simd", "oxblas-openblas"];

const APT_PACKAGES: &str = "libopenblas-dev liblapacke-dev pkg-config";

struct Step {
    name: String,
    command: Command,
}

impl Step {
    fn cargo(name: &str, args: &[&str]) -> Step {
        let mut command = cmd::cargo();
        command.args(args);
        Step {
            name: name.to_string(),
            command,
        }
    }
}

/// `args[0]` (the cargo subcommand), `-p` for each package, then the rest.
fn with_packages<'a>(list: &'a [&'a str], args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![args[0]];
    v.extend(list.iter().flat_map(|p| ["-p", *p]));
    v.extend_from_slice(&args[1..]);
    v
}

/// The cargo steps after the system check, for OpenBLAS present or not.
fn plan(openblas: bool) -> Vec<Step> {
    let mut steps = vec![Step::cargo("rustfmt", &["fmt", "--all", "--", "--check"])];
    let deny = ["--", "-D", "warnings"];
    let simd_only = ["--no-default-features", "--features", "simd"];
    if openblas {
        let mut all = vec!["clippy", "--workspace", "--all-targets", "--all-features"];
        all.extend(deny);
        steps.push(Step::cargo("clippy, workspace, all features", &all));
        // The simd-only bench (what `cargo xtask bench` builds without
        // OpenBLAS) is a different cfg of the same code.
        let mut a = vec!["clippy", "-p", "xtask", "--all-targets"];
        a.extend(["--no-default-features", "--features", "bench-simd"]);
        a.extend(deny);
        steps.push(Step::cargo("clippy, xtask bench-simd", &a));
        for (label, feature) in [("simd", "simd"), ("openblas", "openblas")] {
            let mut a = with_packages(FEATURED, &["clippy", "--all-targets"]);
            a.extend(["--no-default-features", "--features", feature]);
            a.extend(deny);
            steps.push(Step::cargo(
                &format!("clippy, oxblas + suite, {{{label}}} only"),
                &a,
            ));
        }
        for (label, feature) in [("simd", "simd"), ("openblas", "openblas")] {
            let mut a = with_packages(
                FEATURED,
                &["test", "--no-fail-fast", "--lib", "--bins", "--tests"],
            );
            a.extend(["--no-default-features", "--features", feature]);
            steps.push(Step::cargo(&format!("tests {{{label}}}"), &a));
        }
        let both: Vec<&str> = FEATURED.iter().chain(BACKENDS).copied().collect();
        let mut a = with_packages(
            &both,
            &["test", "--no-fail-fast", "--lib", "--bins", "--tests"],
        );
        a.extend(["--features", "simd,openblas"]);
        steps.push(Step::cargo("tests {simd, openblas} + backend crates", &a));
        let mut a = with_packages(&both, &["test", "--no-fail-fast", "--doc"]);
        a.extend(["--features", "simd,openblas"]);
        let mut doctests = Step::cargo("doc tests", &a);
        doctests.command.env("RUSTDOCFLAGS", doctest_flags());
        steps.push(doctests);
        let mut doc = Step::cargo(
            "docs (-D warnings)",
            &["doc", "--workspace", "--no-deps", "--all-features"],
        );
        doc.command.env("RUSTDOCFLAGS", rustdocflags());
        steps.push(doc);
    } else {
        let mut a = vec!["clippy", "--workspace", "--exclude", "oxblas-openblas"];
        a.extend(["--all-targets"]);
        a.extend(simd_only);
        a.extend(deny);
        steps.push(Step::cargo("clippy, workspace, {simd} only", &a));
        let pk: Vec<&str> = FEATURED.iter().chain(&BACKENDS[..2]).copied().collect();
        let mut a = with_packages(
            &pk,
            &["test", "--no-fail-fast", "--lib", "--bins", "--tests"],
        );
        a.extend(simd_only);
        steps.push(Step::cargo("tests {simd} + backend crates", &a));
        let mut a = with_packages(&pk, &["test", "--no-fail-fast", "--doc"]);
        a.extend(simd_only);
        let mut doctests = Step::cargo("doc tests {simd}", &a);
        doctests.command.env("RUSTDOCFLAGS", doctest_flags());
        steps.push(doctests);
        let mut a = vec![
            "doc",
            "--workspace",
            "--exclude",
            "oxblas-openblas",
            "--no-deps",
        ];
        a.extend(simd_only);
        let mut doc = Step::cargo("docs (-D warnings), {simd} only", &a);
        doc.command.env("RUSTDOCFLAGS", rustdocflags());
        steps.push(doc);
    }
    steps
}

/// `RUSTDOCFLAGS` for doc tests: unoptimized. Each doc test is its own
/// binary (edition 2021) that instantiates the generic kernels again; at the
/// test profile's opt-level 2 that took 4.6x the CPU time for the same
/// tests, which run on small examples where speed does not matter.
fn doctest_flags() -> String {
    match std::env::var("RUSTDOCFLAGS") {
        Ok(f) if !f.trim().is_empty() => format!("{f} -C opt-level=0"),
        _ => "-C opt-level=0".to_string(),
    }
}

/// `RUSTDOCFLAGS` plus `-D warnings`, keeping what the caller set.
fn rustdocflags() -> String {
    match std::env::var("RUSTDOCFLAGS") {
        Ok(f) if !f.trim().is_empty() => format!("{f} -D warnings"),
        _ => "-D warnings".to_string(),
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{}m{:04.1}s", (s / 60.0) as u64, s % 60.0)
    }
}

fn banner(i: usize, n: usize, name: &str) {
    println!();
    println!("==> [{i}/{n}] {name}");
}

/// Runs every step; `Err` names the first failing step.
pub fn run(args: &TestArgs) -> Result<(), String> {
    let start = Instant::now();
    let mut done: Vec<(String, Duration)> = Vec::new();

    // Step 1 decides the plan, so the total is only known after it.
    banner(
        1,
        1 + plan(true).len(),
        "system libraries (OpenBLAS, LAPACKE)",
    );
    let t = Instant::now();
    let openblas = if args.simd_only {
        println!("--simd-only: testing the simd backend alone");
        false
    } else {
        let found = system_check(args.no_install)?;
        if !found {
            println!(
                "Continuing with the simd backend alone: the openblas feature sets are NOT tested."
            );
        }
        found
    };
    ensure_components()?;
    done.push(("system libraries".into(), t.elapsed()));
    println!("--- ok in {}", fmt_duration(t.elapsed()));

    let steps = plan(openblas);
    let total = steps.len() + 1;
    let mut failed: Vec<String> = Vec::new();
    for (i, mut step) in steps.into_iter().enumerate() {
        banner(i + 2, total, &step.name);
        println!("$ {}", cmd::display(&step.command));
        let t = Instant::now();
        let result = cmd::run_inherit(&mut step.command);
        let took = t.elapsed();
        match result {
            Ok(()) => println!("--- {}: ok in {}", step.name, fmt_duration(took)),
            Err(e) => {
                let what = format!("step {}/{total} `{}` FAILED: {e}", i + 2, step.name);
                println!("--- {what}");
                failed.push(what);
                if !args.keep_going {
                    done.push((format!("{} (FAILED)", step.name), took));
                    summary(&done, start.elapsed());
                    return Err(format!(
                        "{}\n       (later steps were not run; rerun the command above \
                         to reproduce, or use --keep-going)",
                        failed[0]
                    ));
                }
                done.push((format!("{} (FAILED)", step.name), took));
                continue;
            }
        }
        done.push((step.name, took));
    }
    if !failed.is_empty() {
        summary(&done, start.elapsed());
        return Err(format!(
            "{} of {total} steps failed:\n       {}",
            failed.len(),
            failed.join("\n       ")
        ));
    }
    summary(&done, start.elapsed());
    let scope = if openblas {
        "feature sets {simd}, {openblas}, {simd, openblas}"
    } else {
        "the {simd} feature set only (OpenBLAS/LAPACKE missing or --simd-only)"
    };
    println!(
        "cargo xtask test: all {total} steps passed in {} ({scope})",
        fmt_duration(start.elapsed())
    );
    Ok(())
}

fn summary(done: &[(String, Duration)], total: Duration) {
    println!();
    println!("summary:");
    for (name, d) in done {
        println!("  {:>9}  {name}", fmt_duration(*d));
    }
    println!("  {:>9}  total", fmt_duration(total));
}

/// Set (non-empty, not `0`) to make [`system_check`] answer "missing, cannot
/// install" without looking: tests the no-OpenBLAS paths of `cargo xtask
/// test` and `cargo xtask bench` on a machine that has OpenBLAS.
pub(crate) const PRETEND_NO_OPENBLAS: &str = "OXBLAS_PRETEND_NO_OPENBLAS";

fn pkg_config_finds_libs() -> bool {
    cmd::succeeds(Command::new("pkg-config").args(["--exists", "openblas", "lapacke"]))
}

fn is_root() -> bool {
    cmd::output(Command::new("id").arg("-u")).is_some_and(|u| u == "0")
}

fn has_apt() -> bool {
    cmd::succeeds(Command::new("apt-get").arg("--version"))
}

/// `Ok(true)` if OpenBLAS and LAPACKE are usable (found, or installed now);
/// `Ok(false)` to test the simd backend alone; `Err` if installing failed.
pub(crate) fn system_check(no_install: bool) -> Result<bool, String> {
    if std::env::var_os(PRETEND_NO_OPENBLAS).is_some_and(|v| !v.is_empty() && v != "0") {
        println!(
            "{PRETEND_NO_OPENBLAS} is set: acting as if OpenBLAS and LAPACKE were missing and \
             could not be installed"
        );
        return Ok(false);
    }
    if pkg_config_finds_libs() {
        let v = |lib: &str| {
            cmd::output(Command::new("pkg-config").args(["--modversion", lib]))
                .unwrap_or_else(|| "?".into())
        };
        println!(
            "found openblas {} and lapacke {} (pkg-config)",
            v("openblas"),
            v("lapacke")
        );
        return Ok(true);
    }
    println!("pkg-config does not find openblas and lapacke");
    if !no_install && is_root() && has_apt() {
        println!("installing {APT_PACKAGES} with apt-get (running as root)");
        let mut update = Command::new("apt-get");
        update
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive");
        println!("$ {}", cmd::display(&update));
        cmd::run_inherit(&mut update)?;
        let mut install = Command::new("apt-get");
        install
            .args(["install", "-y", "--no-install-recommends"])
            .args(APT_PACKAGES.split(' '))
            .env("DEBIAN_FRONTEND", "noninteractive");
        println!("$ {}", cmd::display(&install));
        cmd::run_inherit(&mut install)?;
        if !pkg_config_finds_libs() {
            return Err(
                "installed the packages, but `pkg-config --exists openblas lapacke` \
                        still fails"
                    .into(),
            );
        }
        println!("installed: pkg-config now finds openblas and lapacke");
        return Ok(true);
    }
    println!(
        "OpenBLAS and LAPACKE are needed for the openblas backend. Install them with one of:\n  \
         sudo apt-get install -y {APT_PACKAGES}              # Debian, Ubuntu\n  \
         sudo dnf install -y openblas-devel lapack-devel pkgconf-pkg-config   # Fedora, RHEL\n  \
         brew install openblas lapack pkg-config && export PKG_CONFIG_PATH=\"$(brew --prefix openblas)/lib/pkgconfig:$(brew --prefix lapack)/lib/pkgconfig\"   # macOS"
    );
    Ok(false)
}

/// rustfmt and clippy must be installed; rustup can add them.
fn ensure_components() -> Result<(), String> {
    let have = |sub: &str| cmd::succeeds(cmd::cargo().args([sub, "--version"]));
    if have("fmt") && have("clippy") {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["component", "add", "rustfmt", "clippy"]);
    println!(
        "rustfmt or clippy is missing; installing: {}",
        cmd::display(&add)
    );
    cmd::run_inherit(&mut add).map_err(|e| {
        format!("{e}\n       install rustfmt and clippy for this toolchain, then rerun")
    })?;
    if have("fmt") && have("clippy") {
        Ok(())
    } else {
        Err("rustfmt or clippy still missing after `rustup component add rustfmt clippy`".into())
    }
}
