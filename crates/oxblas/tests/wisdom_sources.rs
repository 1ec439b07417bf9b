//! The dispatcher's table sources end to end, in their own process:
//! `OXBLAS_WISDOM` files (good, from another machine, corrupt) and
//! `OXBLAS_BACKEND`. One test, run in sequence, because it sets
//! process-wide environment variables.

use oxblas::wisdom::{self, Entry, Signature, Source, Wisdom};
use oxblas::{BackendId, DType, Op, Reason};

const BOTH: bool = cfg!(all(feature = "simd", feature = "openblas"));

/// What the built-in default table (measured on the reference machine, so
/// not fixed) chooses for a key; OpenBLAS where it has no entry.
fn builtin_default(op: Op, dtype: DType, shape: &[usize]) -> BackendId {
    let w = Wisdom::parse(wisdom::DEFAULT_WISDOM).expect("the built-in table parses");
    let (size, threads) = (
        wisdom::size_class(op, shape),
        wisdom::thread_class(oxblas::num_threads()),
    );
    w.lookup(op, dtype, size, threads)
        .map_or(BackendId::OpenBlas, |e| e.winner)
}

fn entry(winner: BackendId, thread_class: usize) -> Entry {
    Entry {
        op: Op::Gemm,
        dtype: DType::F64,
        size_class: wisdom::size_class(Op::Gemm, &[4, 4, 4]),
        thread_class,
        winner,
        shape: vec![4, 4, 4],
        ns_openblas: Some(170.0),
        ns_simd: Some(90.0),
    }
}

#[test]
fn table_sources_in_order() {
    let dir = std::env::temp_dir().join(format!("oxblas-sources-{}", std::process::id()));
    let path = dir.join("wisdom.txt");
    std::env::remove_var("OXBLAS_BACKEND");
    std::env::set_var("OXBLAS_WISDOM", &path);
    let small = [4usize, 4, 4];

    // 1. A wisdom file for this machine decides; keys it lacks use the defaults.
    let good = Wisdom {
        signature: Signature::current(),
        entries: vec![entry(BackendId::Simd, 0), entry(BackendId::Simd, 1)],
    };
    good.save(&path).unwrap();
    wisdom::reload();
    let e = oxblas::explain(Op::Gemm, DType::F64, &small);
    if BOTH {
        assert_eq!(wisdom::active_source(), Source::WisdomFile(path.clone()));
        assert_eq!(e.backend, BackendId::Simd);
        assert_eq!(e.reason, Reason::Wisdom(path.clone()));
        assert_eq!(e.measurement.as_ref().and_then(|m| m.ns_simd), Some(90.0));
        assert!(e.to_string().contains("openblas 170 ns, simd 90 ns"), "{e}");
        assert_eq!(
            oxblas::active_backend(Op::Gemm, DType::F64, &small),
            BackendId::Simd
        );
        // Not in the file: the built-in default.
        let d = oxblas::explain(Op::Gemm, DType::F32, &small);
        assert_eq!(
            (d.backend, d.reason),
            (
                builtin_default(Op::Gemm, DType::F32, &small),
                Reason::Default
            )
        );
    } else {
        assert!(matches!(wisdom::active_source(), Source::SingleBackend(_)));
        assert_eq!(e.reason, Reason::SingleBackend);
    }
    // Calls still compute whatever routes them.
    let a = oxblas::Mat::<f64>::identity(4);
    assert_eq!(oxblas::matmul(a.as_ref(), a.as_ref()).unwrap(), a);

    // 2. A file from another machine is ignored (one warning on stderr).
    let mut other = good.clone();
    other.signature.cpu_model = "some other CPU".into();
    other.save(&path).unwrap();
    wisdom::reload();
    if BOTH {
        assert_eq!(wisdom::active_source(), Source::Default);
        let e = oxblas::explain(Op::Gemm, DType::F64, &small);
        assert_eq!(
            (e.backend, e.reason),
            (
                builtin_default(Op::Gemm, DType::F64, &small),
                Reason::Default
            )
        );
    }

    // 3. A corrupt file: a message on stderr and the defaults, no crash.
    std::fs::write(&path, "oxblas-wisdom 1\nthis is not a header\n").unwrap();
    wisdom::reload();
    if BOTH {
        assert_eq!(wisdom::active_source(), Source::Default);
    }
    std::fs::write(&path, [0xff, 0xfe, 0x00, 0x41]).unwrap(); // not even UTF-8
    wisdom::reload();
    if BOTH {
        assert_eq!(wisdom::active_source(), Source::Default);
    }
    assert_eq!(oxblas::matmul(a.as_ref(), a.as_ref()).unwrap(), a);

    // 4. OXBLAS_BACKEND pins every call, over any wisdom.
    good.save(&path).unwrap();
    for id in oxblas::dispatch::COMPILED {
        std::env::set_var("OXBLAS_BACKEND", id.name());
        wisdom::reload();
        let e = oxblas::explain(Op::Gemm, DType::F64, &small);
        assert_eq!(e.backend, *id);
        if BOTH {
            assert_eq!(wisdom::active_source(), Source::Environment(*id));
            assert_eq!(e.reason, Reason::Environment);
        }
    }
    // An unknown value: one warning, then auto.
    std::env::set_var("OXBLAS_BACKEND", "fastest-please");
    wisdom::reload();
    if BOTH {
        assert_eq!(wisdom::active_source(), Source::WisdomFile(path.clone()));
    }

    // 5. The scoped override beats everything.
    std::env::set_var("OXBLAS_BACKEND", oxblas::dispatch::COMPILED[0].name());
    wisdom::reload();
    for id in oxblas::dispatch::COMPILED {
        let e = oxblas::with_backend(*id, || oxblas::explain(Op::Gemm, DType::F64, &small));
        assert_eq!((e.backend, e.reason), (*id, Reason::Override));
    }

    std::env::remove_var("OXBLAS_BACKEND");
    std::env::remove_var("OXBLAS_WISDOM");
    wisdom::reload();
    std::fs::remove_dir_all(&dir).unwrap();
}
