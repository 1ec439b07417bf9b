//! AVX2 tiles of the packed triangular solve (`super::trsm`'s row panels,
//! behind level 3's right-side solves) and of the packed Cholesky
//! (`lapack::cholesky::packed`): the microkernel's update of one `6 x NR`
//! tile of a panel and the tile's solve against the column block's
//! diagonal block, in registers, with the same operations in the same
//! order as the generic path (`tile - A B` as the kernel's `alpha = -1,
//! beta = 1` write-back, then `x_c = (t_c - sum_q d[c][q] x_q) * inv[c]` by
//! fused multiply-adds), so both give the same bits.
//!
//! The solve is written out row by row (no loop over the rows), so that
//! the solved rows stay in registers: each row waits only for the one
//! before it, not for a store and a reload.

/// AVX2+FMA tiles for f64 (`6 x 8`) and f32 (`6 x 16`).
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx {
    use core::arch::x86_64::*;

    /// Row `c` of a tile's solve: `x_c = (t_c - acc_c - sum_{q < c}
    /// d[6c + q] x_q) * inv[c]`, stored into the tile (`W = 2 lanes` wide).
    macro_rules! row {
        (
            [$lanes:literal, $load:ident, $store:ident, $bcast:ident,
             $fnmadd:ident, $sub:ident, $mul:ident]
            $t:ident, $d:ident, $inv:ident, $acc:ident, $x:ident; $c:literal; $($q:literal),*
        ) => {
            let s = $bcast(&*$inv.add($c));
            for v in 0..2 {
                let y = $t.add($c * 2 * $lanes + v * $lanes);
                #[allow(unused_mut)]
                let mut r = $sub($load(y), $acc[$c][v]);
                $(
                    r = $fnmadd($bcast(&*$d.add($c * 6 + $q)), $x[$q][v], r);
                )*
                $x[$c][v] = $mul(r, s);
                $store(y, $x[$c][v]);
            }
        };
    }

    /// One tile kernel per type: `$name::<SOLVE>(kc, a, b, t, d, inv)`.
    macro_rules! tile {
        (
            $(#[$doc:meta])*
            $name:ident, $t:ty, $lanes:literal,
            $zero:ident, $load:ident, $store:ident, $bcast:ident,
            $fmadd:ident, $fnmadd:ident, $sub:ident, $mul:ident
        ) => {
            $(#[$doc])*
            #[target_feature(enable = "avx2,fma")]
            pub(crate) unsafe fn $name<const SOLVE: bool>(
                kc: usize,
                a: *const $t,
                b: *const $t,
                t: *mut $t,
                d: *const $t,
                inv: *const $t,
            ) {
                const W: usize = 2 * $lanes;
                // SAFETY (whole body): every access is inside the ranges
                // the caller guarantees.
                unsafe {
                    let mut acc = [[$zero(); 2]; 6];
                    let (mut a, mut b) = (a, b);
                    let mut left = kc;
                    while left >= 4 {
                        _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(8 * W) as *const i8);
                        for u in 0..4 {
                            let b0 = $load(b.add(u * W));
                            let b1 = $load(b.add(u * W + $lanes));
                            for (r, row) in acc.iter_mut().enumerate() {
                                let ar = $bcast(&*a.add(u * 6 + r));
                                row[0] = $fmadd(ar, b0, row[0]);
                                row[1] = $fmadd(ar, b1, row[1]);
                            }
                        }
                        a = a.add(24);
                        b = b.add(4 * W);
                        left -= 4;
                    }
                    while left > 0 {
                        let b0 = $load(b);
                        let b1 = $load(b.add($lanes));
                        for (r, row) in acc.iter_mut().enumerate() {
                            let ar = $bcast(&*a.add(r));
                            row[0] = $fmadd(ar, b0, row[0]);
                            row[1] = $fmadd(ar, b1, row[1]);
                        }
                        a = a.add(6);
                        b = b.add(W);
                        left -= 1;
                    }
                    if !SOLVE {
                        for (c, row) in acc.iter().enumerate() {
                            for (v, &s) in row.iter().enumerate() {
                                let y = t.add(c * W + v * $lanes);
                                $store(y, $sub($load(y), s));
                            }
                        }
                        return;
                    }
                    // Row c: (t_c - acc_c - sum_{q < c} d[6c + q] x_q) * inv[c].
                    let mut x = [[$zero(); 2]; 6];
                    row!([$lanes, $load, $store, $bcast, $fnmadd, $sub, $mul] t, d, inv, acc, x; 0;);
                    row!([$lanes, $load, $store, $bcast, $fnmadd, $sub, $mul] t, d, inv, acc, x; 1; 0);
                    row!([$lanes, $load, $store, $bcast, $fnmadd, $sub, $mul] t, d, inv, acc, x; 2; 0, 1);
                    row!([$lanes, $load, $store, $bcast, $fnmadd, $sub, $mul] t, d, inv, acc, x; 3; 0, 1, 2);
                    row!([$lanes, $load, $store, $bcast, $fnmadd, $sub, $mul] t, d, inv, acc, x; 4; 0, 1, 2, 3);
                    row!([$lanes, $load, $store, $bcast, $fnmadd, $sub, $mul] t, d, inv, acc, x; 5; 0, 1, 2, 3, 4);
                }
            }
        };
    }

    tile!(
        /// `T = T - A B` for the `6 x 8` tile `t` (row stride 8) with
        /// packed operands `a` (`6 kc`) and `b` (`8 kc`); with `SOLVE`,
        /// then row `c` of `T` becomes
        /// `(T[c] - sum_{q < c} d[6c + q] T[q]) * inv[c]`, rows in order.
        ///
        /// # Safety
        /// AVX2 and FMA present; `a`, `b` readable for `6 kc` / `8 kc`
        /// elements, `t` valid for 48 reads and writes and disjoint from
        /// them; with `SOLVE`, `d` readable for 36 and `inv` for 6.
        tile_f64, f64, 4,
        _mm256_setzero_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_broadcast_sd,
        _mm256_fmadd_pd, _mm256_fnmadd_pd, _mm256_sub_pd, _mm256_mul_pd
    );

    tile!(
        /// [`tile_f64`] for f32: a `6 x 16` tile, `b` readable for `16 kc`
        /// and `t` valid for 96 elements.
        ///
        /// # Safety
        /// As for [`tile_f64`], with the sizes above.
        tile_f32, f32, 8,
        _mm256_setzero_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_broadcast_ss,
        _mm256_fmadd_ps, _mm256_fnmadd_ps, _mm256_sub_ps, _mm256_mul_ps
    );
}
