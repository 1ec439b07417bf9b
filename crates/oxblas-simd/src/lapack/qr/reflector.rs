//! Elementary and block Householder reflectors.

use oxblas_core::{Mat, MatMut, MatRef, Par, Result, Scalar};

use super::panel::transpose_into;
use crate::gemm::gemm;
use crate::lapack::util::{axpy, dot, nrm2, pgemm, scale};

/// Generates the reflector of LAPACK's `larfg` for `x = [alpha, rest]`:
/// overwrites `x[0]` with `beta` and `x[1..]` with `v[1..]`, returns `tau`.
pub(crate) fn householder<T: Scalar>(x: &mut [T]) -> T {
    if x.len() <= 1 {
        return T::ZERO;
    }
    let (head, tail) = x.split_at_mut(1);
    let mut xnorm = nrm2(tail);
    if xnorm == T::ZERO {
        return T::ZERO;
    }
    let mut alpha = head[0];
    let mut beta = -safe_hypot(alpha, xnorm).copysign(alpha);
    let safmin = T::MIN_POSITIVE / T::EPSILON;
    let mut knt = 0;
    if beta.abs() < safmin {
        // Tiny column: scale it up so that 1 / (alpha - beta) cannot overflow.
        let rsafmn = T::ONE / safmin;
        while beta.abs() < safmin && knt < 20 {
            knt += 1;
            scale(rsafmn, tail);
            beta *= rsafmn;
            alpha *= rsafmn;
        }
        xnorm = nrm2(tail);
        beta = -safe_hypot(alpha, xnorm).copysign(alpha);
    }
    let tau = (beta - alpha) / beta;
    scale(T::ONE / (alpha - beta), tail);
    for _ in 0..knt {
        beta *= safmin;
    }
    head[0] = beta;
    tau
}

/// $\sqrt{a^2 + b^2}$: the plain formula when both squares are far from
/// overflow and underflow (the common case, several times faster than
/// `hypot`), else `hypot`.
#[inline(always)]
fn safe_hypot<T: Scalar>(a: T, b: T) -> T {
    let big = a.abs().max(b.abs());
    // sqrt(MAX) * eps and sqrt(MIN_POSITIVE) / eps: squares and their sum stay normal.
    let hi = T::MAX.sqrt() * T::EPSILON;
    let lo = T::MIN_POSITIVE.sqrt() / T::EPSILON;
    if big < hi && big > lo {
        (a * a + b * b).sqrt()
    } else {
        a.hypot(b)
    }
}

/// Applies $H = I - \tau v v^T$ (`v[0] = 1` implied, `v[1..]` given) to the
/// vector `c` (same length as `v`).
#[inline(always)]
pub(crate) fn apply_householder<T: Scalar>(tau: T, v: &[T], c: &mut [T]) {
    if tau == T::ZERO {
        return;
    }
    let (c0, c1) = c.split_at_mut(1);
    let s = tau * (c0[0] + dot(&v[1..], c1));
    c0[0] -= s;
    axpy(-s, &v[1..], c1);
}

/// A block of `k` reflectors $H_0 \cdots H_{k-1} = I - V T V^T$.
pub(crate) struct BlockReflector<T> {
    /// $V^T$, `k x len`: row `i` is $v_i$ with its zeros and unit entry explicit.
    vt: Mat<T>,
    /// The upper-triangular `k x k` factor `T` (zeros below).
    t: Mat<T>,
}

impl<T: Scalar> BlockReflector<T> {
    /// From reflectors stored LAPACK-style in the columns of `a` (`len x k`,
    /// `len >= k`, `v_i` below `a[i][i]`) and their `tau` (LAPACK's `larft`,
    /// forward, column-wise, with $V^T V$ from one gemm).
    pub(crate) fn new(a: MatRef<'_, T>, tau: &[T]) -> Result<Self> {
        let (len, k) = a.shape();
        let mut vt = Mat::zeros(k, len);
        transpose_into(a, vt.as_mut());
        for i in 0..k.min(len) {
            let row = vt.row_mut(i);
            row[..i].fill(T::ZERO);
            row[i] = T::ONE;
        }
        // S = V^T V; only its strict upper triangle is read.
        let mut s = Mat::zeros(k, k);
        gemm(T::ONE, vt.as_ref(), vt.t(), T::ZERO, s.as_mut(), Par::Seq)?;
        let mut t = Mat::zeros(k, k);
        for c in 0..k {
            for i in 0..c {
                let mut acc = T::ZERO;
                for l in i..c {
                    acc += t[(i, l)] * s[(l, c)];
                }
                t[(i, c)] = -tau[c] * acc;
            }
            t[(c, c)] = tau[c];
        }
        Ok(BlockReflector { vt, t })
    }

    /// The triangular factor `T`.
    #[cfg(test)]
    pub(crate) fn t(&self) -> &Mat<T> {
        &self.t
    }

    /// `c <- (I - V T' V^T) c` with `T' = T^T` (`transposed`, i.e. applying
    /// $Q^T$) or `T` (applying $Q$). `c` has `len` rows; `work` is scratch.
    pub(crate) fn apply_left(
        &self,
        transposed: bool,
        mut c: MatMut<'_, T>,
        work: &mut Vec<T>,
        par: Par,
    ) -> Result<()> {
        let k = self.t.rows();
        let n = c.cols();
        if k == 0 || n == 0 {
            return Ok(());
        }
        if work.len() < 2 * k * n {
            work.resize(2 * k * n, T::ZERO);
        }
        let (x, y) = work[..2 * k * n].split_at_mut(k * n);
        let mut x = MatMut::from_slice(x, k, n)?;
        let mut y = MatMut::from_slice(y, k, n)?;
        pgemm(T::ONE, self.vt.as_ref(), c.rb(), T::ZERO, x.rb_mut(), par)?;
        let tt = if transposed {
            self.t.t()
        } else {
            self.t.as_ref()
        };
        pgemm(T::ONE, tt, x.rb(), T::ZERO, y.rb_mut(), par)?;
        pgemm(-T::ONE, self.vt.t(), y.rb(), T::ONE, c.rb_mut(), par)
    }
}
