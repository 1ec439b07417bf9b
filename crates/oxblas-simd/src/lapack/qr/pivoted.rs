//! Column-pivoted Householder QR (`geqp3` semantics).

use oxblas_core::{Error, MatMut, MatRef, Op, PivotedQr, Qr, Result, Scalar};

use super::reflector::{apply_householder, householder};
use crate::lapack::util::{all_finite, nrm2, swap_rows, to_row_major, vectorized};

/// Column-pivoted QR, $AP = QR$, with $|r_{00}| \ge |r_{11}| \ge \dots$: at
/// each step the remaining column of largest norm is moved forward (the
/// first one on ties), as LAPACK's `geqp3`.
///
/// Column norms are downdated after each step and recomputed when
/// cancellation has eaten more than half of their digits (LAPACK Working
/// Note 176: recompute when $(1 - (|r_{ij}|/\nu_j)^2)(\nu_j/\nu_j^{(0)})^2 \le \sqrt\epsilon$).
/// `factors`/`tau` have the `geqrf` layout of the permuted matrix.
///
/// # Errors
/// [`oxblas_core::Error::NonFinite`] if `a` holds NaN or infinity.
pub fn factor_pivoted<T: Scalar>(a: MatRef<'_, T>) -> Result<PivotedQr<T>> {
    let (m, n) = a.shape();
    // Column-major working copy (row j of `w` is column j of A), checked
    // before any work.
    let mut w = to_row_major(a.t());
    if !all_finite(w.as_slice()) {
        return Err(Error::NonFinite { op: Op::QrPivoted });
    }
    let mut perm: Vec<usize> = (0..n).collect();
    let mut tau = vec![T::ZERO; m.min(n)];
    vectorized(
        #[inline(always)]
        || pivoted_in_place(w.as_mut(), &mut perm, &mut tau),
    );
    Ok(PivotedQr {
        qr: Qr {
            factors: to_row_major(w.t()),
            tau,
        },
        perm,
    })
}

/// The unblocked pivoted QR (`laqp2`) on the matrix whose columns are the
/// contiguous rows of `w`.
#[inline(always)]
fn pivoted_in_place<T: Scalar>(mut w: MatMut<'_, T>, perm: &mut [usize], tau: &mut [T]) {
    let (n, m) = w.shape();
    let k = m.min(n);
    let tol3z = T::EPSILON.sqrt();
    let mut vn1: Vec<T> = (0..n)
        .map(|j| nrm2(w.row_slice(j).expect("working copy is row-major")))
        .collect();
    let mut vn2 = vn1.clone();
    for i in 0..k {
        // The first remaining column of largest (downdated) norm.
        let mut pvt = i;
        for j in i + 1..n {
            if vn1[j] > vn1[pvt] {
                pvt = j;
            }
        }
        if pvt != i {
            swap_rows(&mut w, i, pvt);
            perm.swap(i, pvt);
            vn1[pvt] = vn1[i];
            vn2[pvt] = vn2[i];
        }
        let (mut upper, mut lower) = w.rb_mut().split_at_row(i + 1);
        let v = &mut upper.row_slice(i).expect("working copy is row-major")[i..];
        tau[i] = householder(v);
        for d in 0..lower.rows() {
            let j = i + 1 + d;
            let col = &mut lower.row_slice(d).expect("working copy is row-major")[i..];
            apply_householder(tau[i], v, col);
            if vn1[j] != T::ZERO {
                let r = col[0].abs() / vn1[j];
                let temp = (T::ONE - r * r).max(T::ZERO);
                let ratio = vn1[j] / vn2[j];
                if temp * ratio * ratio <= tol3z {
                    // Too much cancellation: recompute from the remaining rows.
                    vn1[j] = nrm2(&col[1..]);
                    vn2[j] = vn1[j];
                } else {
                    vn1[j] *= temp.sqrt();
                }
            }
        }
    }
}
