//! The memory-bound steps of the LU (the copy of the input with its finite
//! check, and row interchanges) split over threads, so that with `Par::Rayon`
//! they do not stay serial next to the threaded gemm.

use core::mem::MaybeUninit;

use oxblas_core::{Mat, MatMut, MatRef, Par, Scalar};

use crate::lapack::util::{all_finite, apply_swaps};

/// Elements below which a copy stays on one thread.
const PAR_COPY_MIN: usize = 1 << 16;

/// Element moves (`swaps x columns`) below which interchanges stay serial.
const PAR_SWAP_MIN: usize = 1 << 14;

/// A row-major copy of `a`, or `None` if `a` holds NaN or infinity.
pub(super) fn copy_checked<T: Scalar>(a: MatRef<'_, T>, par: Par) -> Option<Mat<T>> {
    let (m, n) = a.shape();
    let len = m * n;
    let mut data: Vec<T> = Vec::with_capacity(len);
    let finite = fill(a, &mut data.spare_capacity_mut()[..len], par);
    // SAFETY: `fill` wrote every one of the first `len` elements (each row
    // of `a` into its `n` slots).
    unsafe { data.set_len(len) };
    if !finite {
        return None;
    }
    Mat::from_vec(m, n, data).ok()
}

/// Writes `a` row by row into `out` (`rows * cols` slots) and returns whether
/// every element is finite; halves of the rows go to two threads when large.
fn fill<T: Scalar>(a: MatRef<'_, T>, out: &mut [MaybeUninit<T>], par: Par) -> bool {
    let (m, n) = a.shape();
    let threads = par.threads();
    if threads > 1 && m >= 2 && m * n >= PAR_COPY_MIN {
        let h = m / 2;
        let (a1, a2) = a.split_at_row(h);
        let (o1, o2) = out.split_at_mut(h * n);
        let (f1, f2) = rayon::join(
            || fill(a1, o1, Par::Rayon(threads.div_ceil(2))),
            || fill(a2, o2, Par::Rayon(threads / 2)),
        );
        return f1 && f2;
    }
    for (i, row) in out.chunks_exact_mut(n.max(1)).take(m).enumerate() {
        match a.row_slice(i) {
            Some(src) => {
                for (o, &x) in row.iter_mut().zip(src) {
                    o.write(x);
                }
            }
            None => {
                for (j, o) in row.iter_mut().enumerate() {
                    // SAFETY: i < m, j < n.
                    o.write(unsafe { *a.get_unchecked(i, j) });
                }
            }
        }
    }
    // SAFETY: the loop above initialized all of `out` (`m` rows of `n`).
    let done = unsafe { core::slice::from_raw_parts(out.as_ptr() as *const T, out.len()) };
    all_finite(done)
}

/// Applies the interchanges `row i <-> row piv[i]` (in order) to `a`, with
/// column halves on separate threads when large.
pub(super) fn swaps<T: Scalar>(a: MatMut<'_, T>, piv: &[usize], par: Par) {
    let cols = a.cols();
    let threads = par.threads();
    if threads > 1 && cols >= 64 && piv.len() * cols >= PAR_SWAP_MIN {
        let (a1, a2) = a.split_at_col(cols / 2 / 8 * 8);
        rayon::join(
            || swaps(a1, piv, Par::Rayon(threads.div_ceil(2))),
            || swaps(a2, piv, Par::Rayon(threads / 2)),
        );
        return;
    }
    apply_swaps(a, piv);
}

#[cfg(test)]
mod tests {
    use oxblas_core::{Mat, Par};

    use super::*;
    use crate::lapack::util::testing::random;

    #[test]
    fn threaded_copy_and_swaps_match_serial() {
        for (m, n) in [(0usize, 0usize), (1, 1), (300, 257), (513, 200)] {
            let a = random::<f64>(m, n, 3);
            for par in [Par::Seq, Par::Rayon(2), Par::Rayon(3)] {
                assert_eq!(copy_checked(a.as_ref(), par).unwrap(), a);
                assert_eq!(copy_checked(a.t(), par).unwrap(), a.transpose());
                let piv: Vec<usize> = (0..m.min(n)).map(|i| (i * 7 + 3) % m.max(1)).collect();
                let piv: Vec<usize> = piv.iter().enumerate().map(|(i, &p)| p.max(i)).collect();
                let mut x = a.clone();
                let mut y = a.clone();
                swaps(x.as_mut(), &piv, par);
                apply_swaps(y.as_mut(), &piv);
                assert_eq!(x, y);
            }
            if m * n > 0 {
                let mut b = a.clone();
                b[(m - 1, n / 2)] = f64::INFINITY;
                assert!(copy_checked(b.as_ref(), Par::Rayon(2)).is_none());
                b[(m - 1, n / 2)] = f64::NAN;
                assert!(copy_checked(b.as_ref(), Par::Seq).is_none());
            }
        }
        let z = Mat::<f32>::zeros(3, 0);
        assert_eq!(
            copy_checked(z.as_ref(), Par::Rayon(2)).unwrap().shape(),
            (3, 0)
        );
    }
}
