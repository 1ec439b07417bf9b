//! A branch-free `exp` for non-positive arguments, written as straight-line
//! loops over slices that the compiler auto-vectorizes (no libm calls, no
//! data-dependent branches: range reduction $x = n \ln 2 + r$ with the
//! round-to-nearest "magic number" trick, a Taylor polynomial in $r$,
//! $|r| \le \ln 2 / 2$, and $2^n$ built from exponent bits).
//!
//! The activations only ever need $e^x$ for $x \le 0$ (`sigmoid` uses
//! $e^{-|x|}$, `softmax` $e^{x - \max}$), which keeps $2^n$ normal: results
//! below the smallest normal number are flushed to 0.

use oxblas_core::cast::cast_slice_mut;
use oxblas_core::Scalar;

fn exp_nonpos_f64(x: &mut [f64]) {
    const LOG2E: f64 = core::f64::consts::LOG2_E;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    for v in x.iter_mut() {
        let a = v.min(0.0);
        let under = a < -708.0;
        let a = a.max(-708.0);
        let t = a * LOG2E + MAGIC;
        let n = t - MAGIC;
        let k = t.to_bits().wrapping_sub(MAGIC.to_bits()) as i64; // = n
        let r = (a - n * LN2_HI) - n * LN2_LO;
        let mut p = C[13];
        for c in C[..13].iter().rev() {
            p = p * r + c;
        }
        let scale = f64::from_bits(((k + 1023) as u64) << 52);
        *v = if under { 0.0 } else { p * scale };
    }
}

fn exp_nonpos_f32(x: &mut [f32]) {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    const C: [f32; 8] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
    ];
    for v in x.iter_mut() {
        let a = v.min(0.0);
        let under = a < -87.0;
        let a = a.max(-87.0);
        let t = a * LOG2E + MAGIC;
        let n = t - MAGIC;
        let k = t.to_bits().wrapping_sub(MAGIC.to_bits()) as i32; // = n
        let r = (a - n * LN2_HI) - n * LN2_LO;
        let mut p = C[7];
        for c in C[..7].iter().rev() {
            p = p * r + c;
        }
        let scale = f32::from_bits(((k + 127) as u32) << 23);
        *v = if under { 0.0 } else { p * scale };
    }
}

/// `x[i] = exp(min(x[i], 0))` in place, vectorizable for `f32` and `f64`.
pub(crate) fn exp_nonpos<T: Scalar>(x: &mut [T]) {
    if let Some(s) = cast_slice_mut::<T, f64>(x) {
        return exp_nonpos_f64(s);
    }
    if let Some(s) = cast_slice_mut::<T, f32>(x) {
        return exp_nonpos_f32(s);
    }
    for v in x.iter_mut() {
        *v = v.min(T::ZERO).exp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_libm() {
        let xs: Vec<f64> = (0..20_000)
            .map(|i| -(i as f64) * 0.0354) // down to -707.96; below -708 flushes to 0
            .chain([0.0, -1e-300, -707.9])
            .collect();
        let mut y = xs.clone();
        exp_nonpos(&mut y);
        for (x, v) in xs.iter().zip(&y) {
            let e = x.exp();
            assert!(
                (v - e).abs() <= 4.0 * f64::EPSILON * e,
                "exp({x}) = {v} vs {e}"
            );
        }
        let mut u = vec![-708.5f64, -1e6, 3.0];
        exp_nonpos(&mut u);
        assert_eq!(u, vec![0.0, 0.0, 1.0]);
        let xs32: Vec<f32> = (0..20_000).map(|i| -(i as f32) * 0.00434).collect();
        let mut y32 = xs32.clone();
        exp_nonpos(&mut y32);
        for (x, v) in xs32.iter().zip(&y32) {
            let e = x.exp();
            assert!(
                (v - e).abs() <= 4.0 * f32::EPSILON * e,
                "exp({x}) = {v} vs {e}"
            );
        }
    }
}
