//! Right-side triangular solve $X L^T = B$ on packed panels, so that almost
//! all of its flops run in the gemm microkernel.
//!
//! Transposed, the solve is $L X^T = B^T$: a left solve whose right-hand
//! sides are the rows of `B`. Rows of `B` are taken `NR` at a time (a row
//! panel), packed as the microkernel's B operand (`xp[p * NR + r] = B[r, p]`,
//! each depth step the `NR` rows' entries of one column). Columns of `X` are
//! solved `MR` at a time (a column block at `j0`): the microkernel computes
//! the `MR x NR` tile `X^T[j0.., rows] = B^T[j0.., rows] - L[j0.., ..j0]
//! X^T[..j0, rows]` with `L`'s rows packed once as its A operand, writing
//! the tile in place into the packed panel (row `c` of the tile = depth
//! `j0 + c` of the panel, the `NR` rows' values of column `j0 + c`), where
//! the small `MR x MR` triangular solve then runs on whole vectors of `NR`
//! lanes (one per row of `B`). The solved tile is at once the packed B
//! operand of the next column blocks: nothing is copied between the steps.
//! At the end of a row panel its columns go back to `B` (one transposing
//! copy of `NR x k`).

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use oxblas_core::cast::{cast_mat_mut, cast_mat_ref, cast_slice};
use oxblas_core::{MatMut, MatRef, Scalar};

use super::microkernel::{Kernel, Portable};
use super::{pack, Isa};

/// Solves $X L^T = B$ in place in `b` (`m x k`, any strides) for the
/// strictly lower part of `l` (`k x k`, any strides; the diagonal is not
/// read) and `invd[c]`, the reciprocal of the diagonal entry `c` (ones for
/// a unit diagonal). Runs on the calling thread.
pub(crate) fn solve_lower_t_packed<T: Scalar>(
    isa: Isa,
    l: MatRef<'_, T>,
    invd: &[T],
    b: MatMut<'_, T>,
) {
    let (m, k) = b.shape();
    debug_assert_eq!(l.shape(), (k, k));
    debug_assert!(invd.len() >= k);
    if m == 0 || k == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2Fma {
        return typed::<T, super::microkernel::Avx2F64, super::microkernel::Avx2F32>(l, invd, b);
    }
    #[cfg(target_arch = "aarch64")]
    if isa == Isa::Neon {
        return typed::<T, super::microkernel::NeonF64, super::microkernel::NeonF32>(l, invd, b);
    }
    let _ = isa;
    run::<T, Portable<4, 4>>(l, invd, b)
}

/// [`run`] with the f64 kernel `K64` or the f32 kernel `K32`, chosen by `T`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn typed<T: Scalar, K64: Kernel<f64>, K32: Kernel<f32>>(
    l: MatRef<'_, T>,
    invd: &[T],
    b: MatMut<'_, T>,
) {
    if let (Some(l), Some(invd)) = (cast_mat_ref::<T, f64>(l), cast_slice::<T, f64>(invd)) {
        let b = cast_mat_mut::<T, f64>(b).expect("T is f64");
        return run::<f64, K64>(l, invd, b);
    }
    if let (Some(l), Some(invd)) = (cast_mat_ref::<T, f32>(l), cast_slice::<T, f32>(invd)) {
        let b = cast_mat_mut::<T, f32>(b).expect("T is f32");
        return run::<f32, K32>(l, invd, b);
    }
    run::<T, Portable<4, 4>>(l, invd, b)
}

/// The packed solve with kernel `K` (see the module documentation).
fn run<T: Scalar, K: Kernel<T>>(l: MatRef<'_, T>, invd: &[T], mut b: MatMut<'_, T>) {
    let (m, k) = b.shape();
    let (mr, nr) = (K::MR, K::NR);
    let blocks = k.div_ceil(mr);
    let kpad = blocks * mr;
    // Packed L: block `jb` (rows jb*mr.., columns ..jb*mr, an MR-row panel of
    // depth jb*mr) at `mr * mr * jb * (jb - 1) / 2`; then the diagonal
    // blocks' strict lower parts (`coef[jb][c][q] = L[j0 + c, j0 + q]` for
    // q < c, zero elsewhere) and the reciprocals of the diagonal (zero past k).
    let lsize = mr * mr * blocks * (blocks - 1) / 2;
    let dsize = blocks * mr * mr;
    pack::with_buffers(|abuf, bbuf| {
        let (lp, rest) = abuf.slice::<T>(lsize + dsize + kpad).split_at_mut(lsize);
        let (coef, inv) = rest.split_at_mut(dsize);
        for jb in 1..blocks {
            let j0 = jb * mr;
            let nj = mr.min(k - j0);
            let off = mr * mr * jb * (jb - 1) / 2;
            pack::pack_a(mr, l, j0, 0, nj, j0, &mut lp[off..off + mr * j0]);
        }
        coef.fill(T::ZERO);
        for jb in 0..blocks {
            let j0 = jb * mr;
            let nj = mr.min(k - j0);
            for c in 0..nj {
                for q in 0..c {
                    // SAFETY: j0 + q < j0 + c < k: inside the k x k `l`.
                    coef[jb * mr * mr + c * mr + q] = unsafe { *l.get_unchecked(j0 + c, j0 + q) };
                }
            }
        }
        inv[..k].copy_from_slice(&invd[..k]);
        inv[k..].fill(T::ZERO);
        let (lp, coef, inv): (&[T], &[T], &[T]) = (lp, coef, inv);
        let xp = bbuf.slice::<T>(nr * kpad);
        crate::lapack::util::vectorized(
            #[inline(always)]
            || {
                for i0 in (0..m).step_by(nr) {
                    let mi = nr.min(m - i0);
                    pack::pack_a(nr, b.rb(), i0, 0, mi, k, xp);
                    xp[k * nr..].fill(T::ZERO);
                    // SAFETY: `xp` holds kpad * nr elements; `lp`, `coef`
                    // and `inv` are laid out as described above.
                    unsafe { panel::<T, K>(blocks, lp, coef, inv, xp.as_mut_ptr()) };
                    for r in 0..mi {
                        let dst = b.ptr_at_mut(i0 + r, 0);
                        let cs = b.col_stride();
                        for p in 0..k {
                            // SAFETY: (i0 + r, p) lies inside `b`, borrowed
                            // exclusively; p * nr + r < k * nr <= xp.len().
                            unsafe { *dst.offset(p as isize * cs) = *xp.get_unchecked(p * nr + r) };
                        }
                    }
                }
            },
        )
    })
}

/// Solves one packed row panel `xp` (`NR` lanes, depth `blocks * MR`) in
/// place, column block after column block.
///
/// # Safety
/// `xp` points to `blocks * MR * NR` elements, valid for reads and writes
/// and not otherwise accessed during the call; `lp` holds the packed blocks
/// of `L` (`MR * j0` elements for block `j0 = jb * MR` at
/// `MR * MR * jb * (jb - 1) / 2`), `coef` `blocks * MR * MR` and `inv`
/// `blocks * MR` entries.
#[inline(always)]
unsafe fn panel<T: Scalar, K: Kernel<T>>(
    blocks: usize,
    lp: &[T],
    coef: &[T],
    inv: &[T],
    xp: *mut T,
) {
    let (mr, nr) = (K::MR, K::NR);
    for jb in 0..blocks {
        let j0 = jb * mr;
        // SAFETY: j0 * nr + mr * nr <= blocks * mr * nr (caller).
        let tile = unsafe { xp.add(j0 * nr) };
        if jb > 0 {
            let a = lp[mr * mr * jb * (jb - 1) / 2..].as_ptr();
            // SAFETY: the A panel holds mr * j0 packed elements of `lp`;
            // the B operand is the first j0 * nr elements of `xp`, the tile
            // the next mr * nr (row stride nr): disjoint from what the kernel
            // reads; the kernel matches the detected instruction set (or is
            // portable).
            unsafe { K::run(j0, a, xp, tile, nr as isize, 1, mr, nr, -T::ONE, T::ONE) };
        }
        let d = &coef[jb * mr * mr..(jb + 1) * mr * mr];
        for c in 0..mr {
            // SAFETY: rows q < c of the tile are solved and not written
            // while row c is (distinct rows of nr elements inside `xp`).
            let row = unsafe { core::slice::from_raw_parts_mut(tile.add(c * nr), nr) };
            for q in 0..c {
                let x = -d[c * mr + q];
                // SAFETY: as above; q != c.
                let done = unsafe { core::slice::from_raw_parts(tile.add(q * nr), nr) };
                for (v, &y) in row.iter_mut().zip(done) {
                    *v = x.mul_add(y, *v);
                }
            }
            let s = inv[j0 + c];
            for v in row.iter_mut() {
                *v *= s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use oxblas_core::Mat;

    use super::*;

    fn lower<T: Scalar>(k: usize, seed: u64) -> Mat<T> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Mat::from_fn(k, k, |i, j| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            T::from_f64(if i == j { 2.0 + v } else { v })
        })
    }

    fn check<T: Scalar>(isa: Isa, m: usize, k: usize, unit: bool, tol: f64) {
        let l = lower::<T>(k, 7 + k as u64);
        let src = lower::<T>(m.max(k), 3 + m as u64);
        let b = Mat::from_fn(m, k, |i, j| src[(i % src.rows(), j)]);
        let invd: Vec<T> = (0..k)
            .map(|j| if unit { T::ONE } else { T::ONE / l[(j, j)] })
            .collect();
        // Row-major, and a column-major B (strided rows) through the same path.
        let mut x = b.clone();
        solve_lower_t_packed(isa, l.as_ref(), &invd, x.as_mut());
        let mut xt = b.transpose();
        solve_lower_t_packed(isa, l.as_ref(), &invd, xt.as_mut().t());
        for i in 0..m {
            for j in 0..k {
                let mut s = 0.0;
                for p in 0..=j {
                    let lv = if p == j && unit {
                        1.0
                    } else {
                        l[(j, p)].to_f64()
                    };
                    s += x[(i, p)].to_f64() * lv;
                }
                let e = (s - b[(i, j)].to_f64()).abs();
                assert!(e <= tol * k as f64, "m {m} k {k}: ({i}, {j}) off by {e}");
                assert_eq!(x[(i, j)], xt[(j, i)], "m {m} k {k}: layouts differ");
            }
        }
    }

    #[test]
    fn every_edge_of_the_blocks() {
        let mut isas = vec![Isa::Portable];
        if super::super::isa() != Isa::Portable {
            isas.push(super::super::isa());
        }
        for isa in isas {
            // k across multiples of MR (4, 6 or 8), m across multiples of NR
            // (4, 8, 12 or 16).
            for m in [1usize, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33] {
                for k in [1usize, 2, 5, 6, 7, 8, 11, 12, 13, 24, 25, 40] {
                    check::<f64>(isa, m, k, false, 1e-14);
                    check::<f32>(isa, m, k, false, 1e-5);
                }
            }
            check::<f64>(isa, 19, 29, true, 1e-14);
            check::<f32>(isa, 19, 29, true, 1e-5);
        }
    }
}
