//! 2D convolution (cross-correlation, as in deep learning) of NCHW batches.
//!
//! Three implementations of the same map, for checking each other:
//!
//! - [`conv2d_im2col`]: unfolds each image into a `(C*KH*KW) x (OH*OW)`
//!   column matrix and multiplies by the `OC x (C*KH*KW)` filter matrix with
//!   one [`crate::gemm`] per image (the usual fast path).
//! - [`conv2d_fft`]: 2D FFTs (rustfft) of the padded image and of each
//!   zero-padded filter, a Hadamard product with the conjugate filter
//!   spectrum summed over input channels, one inverse FFT per output
//!   channel, then sampling at the stride. The transforms run in `f64`
//!   whatever `T` is.
//! - [`conv2d_direct`]: the seven nested loops.
//!
//! $out\[b,o,y,x\] = bias\[o\] + \sum_{c,i,j} in_p\[b,c,y s_h + i, x s_w + j\]\, w\[o,c,i,j\]$
//! where $in_p$ is the input zero-padded by `padding` on each side.

use super::{invalid, mismatch};
use oxblas_core::{Mat, MatMut, MatRef, Op, Result, Scalar};
use rustfft::{num_complex::Complex, FftPlanner};

/// A dense 4-D tensor in row-major (NCHW / OIHW) order.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor4<T> {
    shape: [usize; 4],
    data: Vec<T>,
}

impl<T: Scalar> Tensor4<T> {
    /// Wraps `data` of length `shape.iter().product()`.
    ///
    /// # Errors
    /// `DimensionMismatch` (tag [`Op::Copy`]) if the length differs.
    pub fn new(shape: [usize; 4], data: Vec<T>) -> Result<Self> {
        let len: usize = shape.iter().product();
        if data.len() != len {
            return Err(mismatch(
                Op::Copy,
                format!("data.len() == {len} for shape {shape:?}"),
                format!("{}", data.len()),
            ));
        }
        Ok(Tensor4 { shape, data })
    }
    /// A tensor of zeros.
    pub fn zeros(shape: [usize; 4]) -> Self {
        Tensor4 {
            shape,
            data: vec![T::ZERO; shape.iter().product()],
        }
    }
    /// A tensor with `f(n, c, h, w)` at each position.
    pub fn from_fn(shape: [usize; 4], mut f: impl FnMut(usize, usize, usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(shape.iter().product());
        for a in 0..shape[0] {
            for b in 0..shape[1] {
                for c in 0..shape[2] {
                    for d in 0..shape[3] {
                        data.push(f(a, b, c, d));
                    }
                }
            }
        }
        Tensor4 { shape, data }
    }
    /// The shape `[n, c, h, w]`.
    pub fn shape(&self) -> [usize; 4] {
        self.shape
    }
    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }
    /// The elements in row-major order, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// The element at `[a, b, c, d]`, or `None` out of range.
    pub fn get(&self, a: usize, b: usize, c: usize, d: usize) -> Option<T> {
        let s = self.shape;
        if a < s[0] && b < s[1] && c < s[2] && d < s[3] {
            Some(self.data[((a * s[1] + b) * s[2] + c) * s[3] + d])
        } else {
            None
        }
    }
}

/// Stride and zero padding of a convolution, `(vertical, horizontal)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dParams {
    /// Step between output positions, each at least 1.
    pub stride: (usize, usize),
    /// Zeros added on each side of the input.
    pub padding: (usize, usize),
}

impl Default for Conv2dParams {
    fn default() -> Self {
        Conv2dParams {
            stride: (1, 1),
            padding: (0, 0),
        }
    }
}

struct Geometry {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    oc: usize,
    kh: usize,
    kw: usize,
    hp: usize,
    wp: usize,
    oh: usize,
    ow: usize,
}

fn geometry<T: Scalar>(
    input: &Tensor4<T>,
    weight: &Tensor4<T>,
    bias: Option<&[T]>,
    p: Conv2dParams,
) -> Result<Geometry> {
    let [n, c, h, w] = input.shape;
    let [oc, wc, kh, kw] = weight.shape;
    if wc != c {
        return Err(mismatch(
            Op::Gemm,
            format!("weight input channels == {c}"),
            format!("{wc}"),
        ));
    }
    if let Some(b) = bias {
        if b.len() != oc {
            return Err(mismatch(
                Op::Gemm,
                format!("bias.len() == {oc}"),
                format!("{}", b.len()),
            ));
        }
    }
    if p.stride.0 == 0 || p.stride.1 == 0 {
        return Err(invalid(Op::Gemm, "convolution stride must be at least 1"));
    }
    if kh == 0 || kw == 0 {
        return Err(invalid(Op::Gemm, "convolution kernel must be non-empty"));
    }
    let pad = |len: usize, pad: usize| pad.checked_mul(2).and_then(|p2| p2.checked_add(len));
    let (Some(hp), Some(wp)) = (pad(h, p.padding.0), pad(w, p.padding.1)) else {
        return Err(invalid(Op::Gemm, "padded input size overflows usize"));
    };
    if kh > hp || kw > wp {
        return Err(mismatch(
            Op::Gemm,
            format!("kernel no larger than padded input {hp}x{wp}"),
            format!("{kh}x{kw}"),
        ));
    }
    Ok(Geometry {
        n,
        c,
        h,
        w,
        oc,
        kh,
        kw,
        hp,
        wp,
        oh: (hp - kh) / p.stride.0 + 1,
        ow: (wp - kw) / p.stride.1 + 1,
    })
}

/// Output shape `[n, out_channels, out_h, out_w]` of a convolution.
///
/// # Errors
/// `DimensionMismatch` (tag [`Op::Gemm`]) if the weight's input channels
/// differ from the input's, the bias length from the output channels, or
/// the kernel exceeds the padded input; `InvalidArgument` for a zero stride
/// or an empty kernel.
pub fn conv2d_output_shape<T: Scalar>(
    input: &Tensor4<T>,
    weight: &Tensor4<T>,
    params: Conv2dParams,
) -> Result<[usize; 4]> {
    let g = geometry(input, weight, None, params)?;
    Ok([g.n, g.oc, g.oh, g.ow])
}

/// Direct convolution by nested loops (the reference).
///
/// `input` is `[n, c, h, w]`, `weight` `[oc, c, kh, kw]`, `bias` (optional)
/// `oc` long; the result is `[n, oc, oh, ow]` with
/// `oh = (h + 2 pad_h - kh) / stride_h + 1` (likewise `ow`).
///
/// # Errors
/// As [`conv2d_output_shape`].
pub fn conv2d_direct<T: Scalar>(
    input: &Tensor4<T>,
    weight: &Tensor4<T>,
    bias: Option<&[T]>,
    params: Conv2dParams,
) -> Result<Tensor4<T>> {
    let g = geometry(input, weight, bias, params)?;
    let (sh, sw) = params.stride;
    let (ph, pw) = params.padding;
    let mut out = Tensor4::zeros([g.n, g.oc, g.oh, g.ow]);
    let mut idx = 0;
    for b in 0..g.n {
        for o in 0..g.oc {
            let b0 = bias.map_or(T::ZERO, |bb| bb[o]);
            for y in 0..g.oh {
                for x in 0..g.ow {
                    let mut acc = b0;
                    for c in 0..g.c {
                        for i in 0..g.kh {
                            let iy = (y * sh + i).wrapping_sub(ph);
                            if iy >= g.h {
                                continue;
                            }
                            for j in 0..g.kw {
                                let ix = (x * sw + j).wrapping_sub(pw);
                                if ix >= g.w {
                                    continue;
                                }
                                let v = input.data[((b * g.c + c) * g.h + iy) * g.w + ix];
                                let k = weight.data[((o * g.c + c) * g.kh + i) * g.kw + j];
                                acc += v * k;
                            }
                        }
                    }
                    out.data[idx] = acc;
                    idx += 1;
                }
            }
        }
    }
    Ok(out)
}

/// Convolution by im2col + gemm: per image, the `(c*kh*kw) x (oh*ow)`
/// column matrix times the `oc x (c*kh*kw)` filter matrix, written straight
/// into the output.
///
/// # Errors
/// As [`conv2d_output_shape`]; errors of [`crate::gemm`].
pub fn conv2d_im2col<T: Scalar>(
    input: &Tensor4<T>,
    weight: &Tensor4<T>,
    bias: Option<&[T]>,
    params: Conv2dParams,
) -> Result<Tensor4<T>> {
    let g = geometry(input, weight, bias, params)?;
    let (sh, sw) = params.stride;
    let (ph, pw) = params.padding;
    let kdim = g.c * g.kh * g.kw;
    let npix = g.oh * g.ow;
    let wmat = MatRef::from_slice(&weight.data, g.oc, kdim)?;
    let mut out = Tensor4::zeros([g.n, g.oc, g.oh, g.ow]);
    let mut cols = Mat::<T>::zeros(kdim, npix);
    for b in 0..g.n {
        let img = &input.data[b * g.c * g.h * g.w..(b + 1) * g.c * g.h * g.w];
        for c in 0..g.c {
            for i in 0..g.kh {
                for j in 0..g.kw {
                    let row = cols.row_mut((c * g.kh + i) * g.kw + j);
                    for y in 0..g.oh {
                        let iy = (y * sh + i).wrapping_sub(ph);
                        let dst = &mut row[y * g.ow..(y + 1) * g.ow];
                        if iy >= g.h {
                            dst.fill(T::ZERO);
                            continue;
                        }
                        let src = &img[(c * g.h + iy) * g.w..(c * g.h + iy + 1) * g.w];
                        for (x, d) in dst.iter_mut().enumerate() {
                            let ix = (x * sw + j).wrapping_sub(pw);
                            *d = if ix < g.w { src[ix] } else { T::ZERO };
                        }
                    }
                }
            }
        }
        let dst = &mut out.data[b * g.oc * npix..(b + 1) * g.oc * npix];
        if let Some(bb) = bias {
            for (o, chunk) in dst.chunks_mut(npix.max(1)).enumerate().take(g.oc) {
                chunk.fill(bb[o]);
            }
        }
        let beta = if bias.is_some() { T::ONE } else { T::ZERO };
        crate::gemm(
            T::ONE,
            wmat,
            cols.as_ref(),
            beta,
            MatMut::from_slice(dst, g.oc, npix)?,
        )?;
    }
    Ok(out)
}

/// In-place 2D FFT of a row-major `rows x cols` complex array.
fn fft2(
    data: &mut [Complex<f64>],
    rows: usize,
    cols: usize,
    row_fft: &dyn rustfft::Fft<f64>,
    col_fft: &dyn rustfft::Fft<f64>,
    tmp: &mut Vec<Complex<f64>>,
) {
    row_fft.process(data); // every row (length cols) in turn
    tmp.resize(rows * cols, Complex::new(0.0, 0.0));
    for r in 0..rows {
        for c in 0..cols {
            tmp[c * rows + r] = data[r * cols + c];
        }
    }
    col_fft.process(tmp);
    for r in 0..rows {
        for c in 0..cols {
            data[r * cols + c] = tmp[c * rows + r];
        }
    }
}

/// Convolution through the FFT: correlation theorem on the padded input
/// (size `hp x wp` suffices: valid correlation never wraps around), summed
/// over input channels in the frequency domain, sampled at the stride.
///
/// # Errors
/// As [`conv2d_output_shape`].
pub fn conv2d_fft<T: Scalar>(
    input: &Tensor4<T>,
    weight: &Tensor4<T>,
    bias: Option<&[T]>,
    params: Conv2dParams,
) -> Result<Tensor4<T>> {
    let g = geometry(input, weight, bias, params)?;
    let (sh, sw) = params.stride;
    let (ph, pw) = params.padding;
    let (hp, wp) = (g.hp, g.wp);
    let plane = hp * wp;
    let zero = Complex::new(0.0, 0.0);
    let mut planner = FftPlanner::<f64>::new();
    let (row_f, col_f) = (planner.plan_fft_forward(wp), planner.plan_fft_forward(hp));
    let (row_i, col_i) = (planner.plan_fft_inverse(wp), planner.plan_fft_inverse(hp));
    let mut tmp = Vec::new();
    let mut out = Tensor4::zeros([g.n, g.oc, g.oh, g.ow]);
    if plane == 0 {
        return Ok(out);
    }
    // Conjugated filter spectra, one plane per (o, c).
    let mut wspec = vec![zero; g.oc * g.c * plane];
    for (oc_idx, spec) in wspec.chunks_mut(plane).enumerate() {
        let k = &weight.data[oc_idx * g.kh * g.kw..(oc_idx + 1) * g.kh * g.kw];
        for i in 0..g.kh {
            for j in 0..g.kw {
                spec[i * wp + j] = Complex::new(k[i * g.kw + j].to_f64(), 0.0);
            }
        }
        fft2(spec, hp, wp, &*row_f, &*col_f, &mut tmp);
        spec.iter_mut().for_each(|z| *z = z.conj());
    }
    let scale = 1.0 / plane as f64;
    let mut xspec = vec![zero; g.c * plane];
    let mut acc = vec![zero; plane];
    for b in 0..g.n {
        xspec.fill(zero);
        for (c, spec) in xspec.chunks_mut(plane).enumerate() {
            let src = &input.data[((b * g.c + c) * g.h) * g.w..((b * g.c + c + 1) * g.h) * g.w];
            for y in 0..g.h {
                for x in 0..g.w {
                    spec[(y + ph) * wp + x + pw] = Complex::new(src[y * g.w + x].to_f64(), 0.0);
                }
            }
            fft2(spec, hp, wp, &*row_f, &*col_f, &mut tmp);
        }
        for o in 0..g.oc {
            acc.fill(zero);
            for c in 0..g.c {
                let ws = &wspec[(o * g.c + c) * plane..(o * g.c + c + 1) * plane];
                let xs = &xspec[c * plane..(c + 1) * plane];
                for ((a, x), w) in acc.iter_mut().zip(xs).zip(ws) {
                    *a += x * w;
                }
            }
            fft2(&mut acc, hp, wp, &*row_i, &*col_i, &mut tmp);
            let b0 = bias.map_or(0.0, |bb| bb[o].to_f64());
            let dst = &mut out.data[(b * g.oc + o) * g.oh * g.ow..(b * g.oc + o + 1) * g.oh * g.ow];
            for y in 0..g.oh {
                for x in 0..g.ow {
                    let v = acc[(y * sh) * wp + x * sw].re * scale + b0;
                    dst[y * g.ow + x] = T::from_f64(v);
                }
            }
        }
    }
    Ok(out)
}
