//! `y = x·Wᵀ + b` for the encoder's linear layers on AVX-512.
//!
//! The weights are packed once, at load, into panels of 32 output columns in the order the
//! kernel reads them (for each input, the panel's 32 weights side by side); the input rows are
//! packed per call, 12 at a time. A kernel call computes a tile of 12 rows × 32 columns in 24
//! registers with f32 FMAs; rows are shared out between threads in blocks. (bf16 `vdpbf16ps`
//! was tried first: on this Xeon it issues at half the rate of an f32 FMA, so it was slower,
//! and it rounded the inputs. A 6 × 64 tile and K-blocking were slower too.)

use rayon::prelude::*;
use std::arch::x86_64::*;

/// Rows per kernel tile, and per thread's block (a multiple of it).
const MR: usize = 12;
const ROWS_PER_TASK: usize = MR * 4;
/// Output columns per panel (two 16-lane registers).
const NR: usize = 32;

/// A linear layer's weights, packed for the kernel.
pub(super) struct Linear {
    k: usize,
    n: usize,
    /// One panel of `k × NR` weights per 32 output columns, zero past `n`.
    panels: Vec<f32>,
    /// Bias, zero-padded to whole panels.
    bias: Vec<f32>,
}

impl Linear {
    /// `weight`: `n × k` row-major (PyTorch's `[out, in]`), `bias`: `n`.
    pub(super) fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Self {
        assert_eq!(weight.len(), n * k, "weight shape");
        assert_eq!(bias.len(), n, "bias shape");
        let n_panels = n.div_ceil(NR);
        let mut panels = vec![0f32; n_panels * k * NR];
        for col in 0..n {
            let (panel, c) = (col / NR, col % NR);
            for p in 0..k {
                panels[(panel * k + p) * NR + c] = weight[col * k + p];
            }
        }
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_panels * NR, 0.0);
        Linear {
            k,
            n,
            panels,
            bias: padded_bias,
        }
    }

    pub(super) fn outputs(&self) -> usize {
        self.n
    }

    /// `out (m × n) = x (m × k) · Wᵀ + b`, rows shared between rayon's threads.
    pub(super) fn forward(&self, x: &[f32], out: &mut [f32]) {
        self.run(x, out, false)
    }

    /// `out = gelu(x · Wᵀ + b)`, GELU applied to each tile while it is in registers.
    pub(super) fn forward_gelu(&self, x: &[f32], out: &mut [f32]) {
        self.run(x, out, true)
    }

    fn run(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let m = x.len() / self.k;
        assert_eq!(x.len(), m * self.k, "input shape");
        assert_eq!(out.len(), m * self.n, "output shape");
        out.par_chunks_mut(ROWS_PER_TASK * self.n)
            .zip(x.par_chunks(ROWS_PER_TASK * self.k))
            .for_each(|(out, x)| {
                // SAFETY: `cpu::supported` checked avx512f before any model was built, and a
                // `Linear` is only reachable through a model.
                unsafe { self.rows(x, out, gelu) }
            });
    }

    /// One block of rows: packed tile by tile (12 rows interleaved, so the kernel reads them
    /// in one stream), then every (tile, panel).
    #[target_feature(enable = "avx512f")]
    fn rows(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let (k, rows) = (self.k, x.len() / self.k);
        let tiles = rows.div_ceil(MR);
        let mut packed = vec![0f32; tiles * k * MR];
        for (r, src) in x.chunks_exact(k).enumerate() {
            let tile = &mut packed[(r / MR) * k * MR..][..k * MR];
            for (p, v) in src.iter().enumerate() {
                tile[p * MR + r % MR] = *v;
            }
        }
        for (panel, b) in self.panels.chunks_exact(k * NR).enumerate() {
            let col = panel * NR;
            let cols = (self.n - col).min(NR);
            for (tile, a) in packed.chunks_exact(k * MR).enumerate() {
                let first = tile * MR;
                // SAFETY: the tile's rows and columns lie inside `a`, `b`, `bias` and `out`.
                unsafe {
                    let c = out.as_mut_ptr().add(first * self.n + col);
                    let bias = self.bias.as_ptr().add(col);
                    let rows = (rows - first).min(MR);
                    kernel(a.as_ptr(), k, b.as_ptr(), bias, c, self.n, rows, cols, gelu);
                }
            }
        }
    }
}

/// One tile: C (`rows` × `cols` of 12 × 32) = A·B + bias (then GELU when asked), A packed 12
/// values per input.
#[inline]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(
    a: *const f32,
    k: usize,
    b: *const f32,
    bias: *const f32,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    gelu: bool,
) {
    unsafe {
        let bias0 = _mm512_loadu_ps(bias);
        let bias1 = _mm512_loadu_ps(bias.add(16));
        let mut acc = [[bias0, bias1]; MR];
        for p in 0..k {
            let b0 = _mm512_loadu_ps(b.add(p * NR));
            let b1 = _mm512_loadu_ps(b.add(p * NR + 16));
            let a = a.add(p * MR);
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*a.add(i));
                acc[0] = _mm512_fmadd_ps(av, b0, acc[0]);
                acc[1] = _mm512_fmadd_ps(av, b1, acc[1]);
            }
        }
        let lo = cols.min(16);
        let hi = cols - lo;
        let mask = |n: usize| ((1u32 << n) - 1) as u16;
        if gelu {
            for acc in acc.iter_mut().flatten() {
                *acc = super::ops::gelu16(*acc);
            }
        }
        for (i, acc) in acc.iter().enumerate().take(rows) {
            let row = c.add(i * ldc);
            _mm512_mask_storeu_ps(row, mask(lo), acc[0]);
            if hi > 0 {
                _mm512_mask_storeu_ps(row.add(16), mask(hi), acc[1]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_plain_arithmetic() {
        if !super::super::supported() {
            return;
        }
        // Odd sizes: a partial tile of rows, a partial panel of columns, an odd k.
        let (m, n, k) = (29, 45, 19);
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 64.0)
            .collect();
        let bias: Vec<f32> = (0..n).map(|i| i as f32 / 8.0).collect();
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 32.0)
            .collect();
        let lin = Linear::new(&w, &bias, n, k);
        let mut out = vec![f32::NAN; m * n];
        lin.forward(&x, &mut out);
        for r in 0..m {
            for c in 0..n {
                let want: f32 = bias[c] + (0..k).map(|p| x[r * k + p] * w[c * k + p]).sum::<f32>();
                let got = out[r * n + c];
                assert!((got - want).abs() < 1e-4, "({r},{c}): {got} vs {want}");
            }
        }
    }
}
