//! The copy of the LU's input with its finite check, split over threads for
//! large inputs (the row interchanges run on the factorization's team, in
//! `factor.rs`).

use core::mem::MaybeUninit;

use core::sync::atomic::{AtomicBool, Ordering};

use oxblas_core::{Mat, MatRef, Scalar};

use crate::lapack::util::all_finite;
use crate::team::Team;

/// Elements below which a copy stays on one thread.
const PAR_COPY_MIN: usize = 1 << 16;

/// A row-major copy of `a`, or `None` if `a` holds NaN or infinity.
pub(super) fn copy_checked<T: Scalar>(a: MatRef<'_, T>, team: &Team) -> Option<Mat<T>> {
    let (m, n) = a.shape();
    let len = m * n;
    let mut data: Vec<T> = Vec::with_capacity(len);
    let finite = fill(a, &mut data.spare_capacity_mut()[..len], team);
    // SAFETY: `fill` wrote every one of the first `len` elements (each row
    // of `a` into its `n` slots).
    unsafe { data.set_len(len) };
    if !finite {
        return None;
    }
    Mat::from_vec(m, n, data).ok()
}

/// Writes `a` row by row into `out` (`rows * cols` slots) and returns whether
/// every element is finite; row parts go to the team's members when large.
fn fill<T: Scalar>(a: MatRef<'_, T>, out: &mut [MaybeUninit<T>], team: &Team) -> bool {
    let (m, n) = a.shape();
    let size = team.size();
    if size > 1 && m >= size && m * n >= PAR_COPY_MIN {
        let mut parts = Vec::with_capacity(size);
        let (mut rest_a, mut rest_o) = (a, out);
        for p in (0..size).rev() {
            let at = m * p / size;
            let (a1, a2) = rest_a.split_at_row(at);
            let (o1, o2) = rest_o.split_at_mut(at * n);
            parts.push((a2, o2));
            (rest_a, rest_o) = (a1, o1);
        }
        let finite = AtomicBool::new(true);
        team.run_parts(parts, &|_, (a, o)| {
            if !fill(a, o, &Team::single()) {
                finite.store(false, Ordering::Relaxed);
            }
        });
        return finite.into_inner();
    }
    // Each row is checked right after it is written, while it is in L1 (a
    // separate pass over the whole copy would read it back from L2 or L3).
    let mut finite = true;
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
        // SAFETY: the loop above initialized every element of `row`.
        let done = unsafe { core::slice::from_raw_parts(row.as_ptr() as *const T, row.len()) };
        finite &= all_finite(done);
    }
    finite
}

#[cfg(test)]
mod tests {
    use oxblas_core::{Mat, Par};

    use super::*;
    use crate::lapack::util::testing::random;
    use crate::team::with_team;

    #[test]
    fn threaded_copy_matches_serial() {
        for (m, n) in [(0usize, 0usize), (1, 1), (300, 257), (513, 200)] {
            let a = random::<f64>(m, n, 3);
            for par in [Par::Seq, Par::Rayon(2), Par::Rayon(3)] {
                with_team(par, |team| {
                    assert_eq!(copy_checked(a.as_ref(), team).unwrap(), a);
                    assert_eq!(copy_checked(a.t(), team).unwrap(), a.transpose());
                });
            }
            if m * n > 0 {
                let mut b = a.clone();
                b[(m - 1, n / 2)] = f64::INFINITY;
                with_team(Par::Rayon(2), |t| {
                    assert!(copy_checked(b.as_ref(), t).is_none())
                });
                b[(m - 1, n / 2)] = f64::NAN;
                assert!(copy_checked(b.as_ref(), &Team::single()).is_none());
            }
        }
        let z = Mat::<f32>::zeros(3, 0);
        assert_eq!(
            with_team(Par::Rayon(2), |t| copy_checked(z.as_ref(), t)
                .unwrap()
                .shape()),
            (3, 0)
        );
    }
}
