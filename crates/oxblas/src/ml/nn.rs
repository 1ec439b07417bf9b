//! Neural-network pieces: activations, a dense layer with its backward
//! pass, SGD, a multi-layer perceptron with softmax cross-entropy, and an
//! Elman RNN cell.
//!
//! Matrices hold one sample per row (`batch x features`). Every matrix
//! product goes through [`crate::gemm`] / [`crate::matmul`].
//!
//! **Element-wise work and SIMD.** The activations are plain loops over
//! contiguous slices (`Mat` is row-major and contiguous) that the compiler
//! auto-vectorizes in release builds; oxblas's BLAS-1 element-wise ops are
//! not used. `relu`, its derivative, the bias broadcasts and the SGD update
//! are branch-free selects, multiplies and adds. `sigmoid` and `softmax`
//! use a branch-free polynomial exponential for non-positive arguments
//! (`f32`: 7th-degree, `f64`: 13th-degree Taylor after range reduction;
//! within a few ulps of libm), which also vectorizes. `tanh` still calls
//! libm's `tanh` per element and is **not** vectorized.
//!
use super::data::Rng;
use super::vexp::exp_nonpos;
use super::{invalid, mismatch};
use oxblas_core::{Mat, MatRef, Op, Result, Scalar};

/// `max(x, 0)` in place.
pub fn relu<T: Scalar>(x: &mut [T]) {
    for v in x.iter_mut() {
        *v = if *v > T::ZERO { *v } else { T::ZERO };
    }
}

/// Multiplies `grad` by the derivative of relu at the layer's output
/// `activated` (1 where it is positive, else 0), in place.
///
/// # Errors
/// `DimensionMismatch` (tag [`Op::Hadamard`]) if the lengths differ.
pub fn relu_backward<T: Scalar>(activated: &[T], grad: &mut [T]) -> Result<()> {
    if activated.len() != grad.len() {
        return Err(mismatch(
            Op::Hadamard,
            format!("grad.len() == {}", activated.len()),
            format!("{}", grad.len()),
        ));
    }
    for (g, a) in grad.iter_mut().zip(activated) {
        *g = if *a > T::ZERO { *g } else { T::ZERO };
    }
    Ok(())
}

/// The logistic function `1 / (1 + e^-x)` in place, computed from
/// $e^{-|x|}$ (stable for large |x|) with the vectorizable exponential.
pub fn sigmoid<T: Scalar>(x: &mut [T]) {
    let mut buf = [T::ZERO; 64];
    for chunk in x.chunks_mut(64) {
        let e = &mut buf[..chunk.len()];
        for (b, v) in e.iter_mut().zip(chunk.iter()) {
            *b = -v.abs();
        }
        exp_nonpos(e);
        for (v, &ev) in chunk.iter_mut().zip(e.iter()) {
            let num = if *v >= T::ZERO { T::ONE } else { ev };
            *v = num / (T::ONE + ev);
        }
    }
}

/// `tanh` in place.
pub fn tanh<T: Scalar>(x: &mut [T]) {
    for v in x.iter_mut() {
        *v = v.tanh();
    }
}

/// Row-wise softmax in place (max-subtracted, so no overflow), with the
/// vectorizable exponential.
pub fn softmax_rows<T: Scalar>(x: &mut Mat<T>) {
    for i in 0..x.rows() {
        let row = x.row_mut(i);
        let m = row.iter().copied().fold(T::ZERO - T::INFINITY, T::max);
        for v in row.iter_mut() {
            *v -= m;
        }
        exp_nonpos(row);
        let s: T = row.iter().copied().sum();
        let inv = T::ONE / s;
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

/// A fully connected layer $Y = X W + b$, with `W` `inputs x outputs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<T> {
    /// Weights, `inputs x outputs`.
    pub w: Mat<T>,
    /// Bias, `outputs` long.
    pub b: Vec<T>,
}

/// Gradients of a loss with respect to a [`Dense`] layer's parameters and input.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseGrads<T> {
    /// $\partial L / \partial W = X^T G$, `inputs x outputs`.
    pub w: Mat<T>,
    /// $\partial L / \partial b$ = column sums of `G`.
    pub b: Vec<T>,
    /// $\partial L / \partial X = G W^T$, `batch x inputs`.
    pub x: Mat<T>,
}

impl<T: Scalar> Dense<T> {
    /// A layer with He-scaled normal weights ($\sigma = \sqrt{2 / inputs}$)
    /// and zero bias.
    pub fn new(inputs: usize, outputs: usize, rng: &mut Rng) -> Self {
        let scale = (2.0 / inputs.max(1) as f64).sqrt();
        Dense {
            w: rng.normal_mat(inputs, outputs, scale),
            b: vec![T::ZERO; outputs],
        }
    }

    /// $X W + b$ for a `batch x inputs` `x`.
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Gemm`]) if `x.cols()` differs from the
    /// layer's inputs, or `b` from its outputs.
    pub fn forward(&self, x: MatRef<'_, T>) -> Result<Mat<T>> {
        if x.cols() != self.w.rows() || self.b.len() != self.w.cols() {
            return Err(mismatch(
                Op::Gemm,
                format!(
                    "x.cols() == {} and b.len() == {}",
                    self.w.rows(),
                    self.w.cols()
                ),
                format!("{} and {}", x.cols(), self.b.len()),
            ));
        }
        let mut y = Mat::zeros(x.rows(), self.w.cols());
        for i in 0..y.rows() {
            y.row_mut(i).copy_from_slice(&self.b);
        }
        crate::gemm(T::ONE, x, self.w.as_ref(), T::ONE, y.as_mut())?;
        Ok(y)
    }

    /// Gradients for the forward input `x` and upstream gradient
    /// `grad_out` = $\partial L / \partial Y$ (`batch x outputs`).
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Gemm`]) if the shapes do not fit the layer.
    pub fn backward(&self, x: MatRef<'_, T>, grad_out: MatRef<'_, T>) -> Result<DenseGrads<T>> {
        if x.cols() != self.w.rows()
            || grad_out.cols() != self.w.cols()
            || grad_out.rows() != x.rows()
        {
            return Err(mismatch(
                Op::Gemm,
                format!(
                    "x: batch x {}, grad_out: batch x {}",
                    self.w.rows(),
                    self.w.cols()
                ),
                format!("x: {:?}, grad_out: {:?}", x.shape(), grad_out.shape()),
            ));
        }
        let gw = crate::matmul(x.t(), grad_out)?;
        let gx = crate::matmul(grad_out, self.w.t())?;
        let mut gb = vec![T::ZERO; self.w.cols()];
        for i in 0..grad_out.rows() {
            for (j, s) in gb.iter_mut().enumerate() {
                *s += grad_out[(i, j)];
            }
        }
        Ok(DenseGrads {
            w: gw,
            b: gb,
            x: gx,
        })
    }
}

/// Plain stochastic gradient descent: $\theta \leftarrow \theta - \eta g$.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T> {
    /// Learning rate $\eta$.
    pub lr: T,
}

impl<T: Scalar> Sgd<T> {
    /// Applies one step to a dense layer.
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Axpy`]) if the gradient shapes differ
    /// from the layer's.
    pub fn step(&self, layer: &mut Dense<T>, g: &DenseGrads<T>) -> Result<()> {
        if g.w.shape() != layer.w.shape() || g.b.len() != layer.b.len() {
            return Err(mismatch(
                Op::Axpy,
                format!(
                    "gradient shapes {:?} and {}",
                    layer.w.shape(),
                    layer.b.len()
                ),
                format!("{:?} and {}", g.w.shape(), g.b.len()),
            ));
        }
        let lr = self.lr;
        for (p, d) in layer.w.as_mut_slice().iter_mut().zip(g.w.as_slice()) {
            *p -= lr * *d;
        }
        for (p, d) in layer.b.iter_mut().zip(&g.b) {
            *p -= lr * *d;
        }
        Ok(())
    }
}

/// Mean softmax cross-entropy of `logits` (`batch x classes`) against
/// integer `labels`, and its gradient with respect to the logits
/// ($(\mathrm{softmax} - \mathrm{onehot}) / batch$).
///
/// # Errors
/// `DimensionMismatch` (tag [`Op::Gemm`]) if `labels.len() != batch`;
/// `InvalidArgument` if a label is out of range or the batch is empty.
pub fn softmax_cross_entropy<T: Scalar>(logits: &Mat<T>, labels: &[usize]) -> Result<(T, Mat<T>)> {
    if labels.len() != logits.rows() {
        return Err(mismatch(
            Op::Gemm,
            format!("labels.len() == {}", logits.rows()),
            format!("{}", labels.len()),
        ));
    }
    if logits.rows() == 0 {
        return Err(invalid(Op::Gemm, "empty batch"));
    }
    if let Some(&bad) = labels.iter().find(|&&l| l >= logits.cols()) {
        return Err(invalid(
            Op::Gemm,
            format!("label {bad} out of range for {} classes", logits.cols()),
        ));
    }
    let mut p = logits.clone();
    softmax_rows(&mut p);
    let inv_b = T::ONE / T::from_usize(labels.len());
    let mut loss = T::ZERO;
    for (i, &l) in labels.iter().enumerate() {
        loss -= p[(i, l)].max(T::MIN_POSITIVE).ln();
        p[(i, l)] -= T::ONE;
    }
    p.as_mut_slice().iter_mut().for_each(|v| *v *= inv_b);
    Ok((loss * inv_b, p))
}

/// A multi-layer perceptron: dense layers with relu between them and raw
/// logits at the end.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<T> {
    /// The layers, input first.
    pub layers: Vec<Dense<T>>,
}

impl<T: Scalar> Mlp<T> {
    /// Layers of widths `sizes[0] -> sizes[1] -> ... -> sizes.last()`.
    ///
    /// # Errors
    /// `InvalidArgument` (tag [`Op::Gemm`]) for fewer than 2 sizes or a zero width.
    pub fn new(sizes: &[usize], seed: u64) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(invalid(
                Op::Gemm,
                "MLP needs at least 2 non-zero layer sizes",
            ));
        }
        let mut rng = Rng::new(seed);
        Ok(Mlp {
            layers: sizes
                .windows(2)
                .map(|w| Dense::new(w[0], w[1], &mut rng))
                .collect(),
        })
    }

    /// Logits for a batch `x` (`batch x sizes[0]`).
    ///
    /// # Errors
    /// `DimensionMismatch` if `x.cols() != sizes[0]`.
    pub fn forward(&self, x: MatRef<'_, T>) -> Result<Mat<T>> {
        Ok(self.forward_all(x)?.pop().unwrap_or_else(|| x.to_owned()))
    }

    /// Every layer's output (after relu for hidden layers).
    fn forward_all(&self, x: MatRef<'_, T>) -> Result<Vec<Mat<T>>> {
        let mut acts: Vec<Mat<T>> = Vec::with_capacity(self.layers.len());
        for (k, layer) in self.layers.iter().enumerate() {
            let mut y = match acts.last() {
                None => layer.forward(x)?,
                Some(prev) => layer.forward(prev.as_ref())?,
            };
            if k + 1 < self.layers.len() {
                relu(y.as_mut_slice());
            }
            acts.push(y);
        }
        Ok(acts)
    }

    /// One SGD step on a mini-batch; returns the batch's mean loss.
    ///
    /// # Errors
    /// As [`Mlp::forward`] and [`softmax_cross_entropy`].
    pub fn train_step(&mut self, x: MatRef<'_, T>, labels: &[usize], sgd: Sgd<T>) -> Result<T> {
        let acts = self.forward_all(x)?;
        let logits = acts
            .last()
            .ok_or_else(|| invalid(Op::Gemm, "MLP without layers"))?;
        let (loss, mut grad) = softmax_cross_entropy(logits, labels)?;
        for k in (0..self.layers.len()).rev() {
            let input = if k == 0 { x } else { acts[k - 1].as_ref() };
            let g = self.layers[k].backward(input, grad.as_ref())?;
            sgd.step(&mut self.layers[k], &g)?;
            if k > 0 {
                grad = g.x;
                relu_backward(acts[k - 1].as_slice(), grad.as_mut_slice())?;
            }
        }
        Ok(loss)
    }

    /// Predicted class (arg-max logit) of each row of `x`.
    ///
    /// # Errors
    /// As [`Mlp::forward`].
    pub fn predict(&self, x: MatRef<'_, T>) -> Result<Vec<usize>> {
        let logits = self.forward(x)?;
        Ok((0..logits.rows())
            .map(|i| {
                let row = logits.row(i);
                (0..row.len()).fold(0, |best, j| if row[j] > row[best] { j } else { best })
            })
            .collect())
    }

    /// Fraction of rows of `x` whose predicted class equals the label.
    ///
    /// # Errors
    /// As [`Mlp::forward`]; `DimensionMismatch` if `labels.len() != x.rows()`.
    pub fn accuracy(&self, x: MatRef<'_, T>, labels: &[usize]) -> Result<f64> {
        if labels.len() != x.rows() {
            return Err(mismatch(
                Op::Gemm,
                format!("labels.len() == {}", x.rows()),
                format!("{}", labels.len()),
            ));
        }
        let pred = self.predict(x)?;
        let hits = pred.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(hits as f64 / labels.len().max(1) as f64)
    }
}

/// An Elman recurrent cell: $h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b)$.
#[derive(Clone, Debug, PartialEq)]
pub struct ElmanCell<T> {
    /// Input weights, `inputs x hidden`.
    pub w_xh: Mat<T>,
    /// Recurrent weights, `hidden x hidden`.
    pub w_hh: Mat<T>,
    /// Bias, `hidden` long.
    pub b: Vec<T>,
}

impl<T: Scalar> ElmanCell<T> {
    fn check(&self, inputs: usize, h: &[T]) -> Result<()> {
        let hid = self.w_hh.rows();
        if self.w_hh.cols() != hid
            || self.w_xh.cols() != hid
            || self.b.len() != hid
            || self.w_xh.rows() != inputs
            || h.len() != hid
        {
            return Err(mismatch(
                Op::Gemm,
                format!("w_xh {inputs}x{hid}, w_hh {hid}x{hid}, b and h of length {hid}"),
                format!(
                    "w_xh {:?}, w_hh {:?}, b {}, h {}",
                    self.w_xh.shape(),
                    self.w_hh.shape(),
                    self.b.len(),
                    h.len()
                ),
            ));
        }
        Ok(())
    }

    /// One step: the new hidden state for input `x` and state `h`.
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Gemm`]) if the weights, `x` or `h`
    /// do not fit together.
    pub fn step(&self, x: &[T], h: &[T]) -> Result<Vec<T>> {
        self.check(x.len(), h)?;
        let mut out = Mat::from_vec(1, self.b.len(), self.b.clone())?;
        let xr = MatRef::from_slice(x, 1, x.len())?;
        let hr = MatRef::from_slice(h, 1, h.len())?;
        crate::gemm(T::ONE, xr, self.w_xh.as_ref(), T::ONE, out.as_mut())?;
        crate::gemm(T::ONE, hr, self.w_hh.as_ref(), T::ONE, out.as_mut())?;
        tanh(out.as_mut_slice());
        Ok(out.into_vec())
    }

    /// Runs the cell over a sequence `xs` (`steps x inputs`) from state
    /// `h0`; returns every hidden state (`steps x hidden`). The input
    /// projections of all steps are one gemm; each step adds
    /// $h_{t-1} W_{hh}$ with another.
    ///
    /// # Errors
    /// As [`ElmanCell::step`].
    pub fn forward_sequence(&self, xs: MatRef<'_, T>, h0: &[T]) -> Result<Mat<T>> {
        self.check(xs.cols(), h0)?;
        let hid = h0.len();
        let mut hs = Mat::zeros(xs.rows(), hid);
        for t in 0..xs.rows() {
            hs.row_mut(t).copy_from_slice(&self.b);
        }
        crate::gemm(T::ONE, xs, self.w_xh.as_ref(), T::ONE, hs.as_mut())?;
        for t in 0..xs.rows() {
            let (prev, rest) = hs.as_mut_slice().split_at_mut(t * hid);
            let cur = &mut rest[..hid];
            let hprev = if t == 0 { h0 } else { &prev[(t - 1) * hid..] };
            let hr = MatRef::from_slice(hprev, 1, hid)?;
            crate::gemm(
                T::ONE,
                hr,
                self.w_hh.as_ref(),
                T::ONE,
                oxblas_core::MatMut::from_slice(cur, 1, hid)?,
            )?;
            tanh(cur);
        }
        Ok(hs)
    }
}
