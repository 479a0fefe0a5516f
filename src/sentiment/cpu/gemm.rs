//! `y = x·Wᵀ + b` for the encoder's linear layers in 8-bit integers (AVX-512 VNNI).
//!
//! Weights are quantized once, at load, per output column (symmetric, −127..127); each input
//! row is quantized when the layer runs (asymmetric, 0..255, from the row's own range), so a
//! token with large values does not blur the others. `vpdpbusd` multiplies four byte pairs and
//! adds them into a 32-bit sum: four times the work of an f32 FMA per instruction. The sums
//! are exact; the only error is the rounding of inputs and weights to 8 bits, which
//! `sentiment eval` measures (the accuracy table in the MODEL_CARD is with these kernels).
//!
//! Layout: weights in panels of 32 output columns, for each group of four inputs the panel's
//! 32 × 4 bytes side by side; input rows packed 12 at a time, four bytes per row per group.
//! A kernel call computes a tile of 12 rows × 32 columns in 24 registers.

use rayon::prelude::*;
use std::arch::x86_64::*;

/// Rows per kernel tile, and per thread's block (a multiple of it).
const MR: usize = 12;
const ROWS_PER_TASK: usize = MR * 4;
/// Output columns per panel (two registers of 16 sums).
const NR: usize = 32;
/// Inputs per 32-bit lane.
const KG: usize = 4;

/// A linear layer's weights, quantized and packed for the kernel.
pub(super) struct Linear {
    k: usize,
    n: usize,
    /// Input groups of four (k rounded up, zero weights past it).
    groups: usize,
    /// One panel of `groups × NR × KG` weights per 32 output columns, zero past `n`.
    panels: Vec<i8>,
    /// Per output column (padded to whole panels): the weights' scale, the sum of the
    /// quantized weights (to take the inputs' zero point back out), and the bias.
    scale: Vec<f32>,
    sum: Vec<f32>,
    bias: Vec<f32>,
}

/// Inputs of one row block, quantized: 12-row tiles of `groups × MR × KG` bytes, and each
/// row's scale and zero point.
struct Rows {
    tiles: Vec<u8>,
    scale: Vec<f32>,
    zero: Vec<f32>,
}

impl Linear {
    /// `weight`: `n × k` row-major (PyTorch's `[out, in]`), `bias`: `n`.
    pub(super) fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Self {
        assert_eq!(weight.len(), n * k, "weight shape");
        assert_eq!(bias.len(), n, "bias shape");
        let groups = k.div_ceil(KG);
        let n_panels = n.div_ceil(NR);
        let mut panels = vec![0i8; n_panels * groups * NR * KG];
        let (mut scale, mut sum) = (vec![0f32; n_panels * NR], vec![0f32; n_panels * NR]);
        for (col, w) in weight.chunks_exact(k).enumerate() {
            let (s, q, total) = quantize_column(w);
            let (panel, c) = (col / NR, col % NR);
            for (p, &q) in q.iter().enumerate() {
                panels[((panel * groups + p / KG) * NR + c) * KG + p % KG] = q;
            }
            scale[col] = s;
            sum[col] = total;
        }
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_panels * NR, 0.0);
        Linear {
            k,
            n,
            groups,
            panels,
            scale,
            sum,
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
                // SAFETY: `Isa::detect` found avx512f and avx512vnni before any model was
                // built, and a `Linear` of this module is only built for that instruction set.
                unsafe { self.rows(x, out, gelu) }
            });
    }

    /// Quantizes a block of rows into 12-row tiles.
    #[target_feature(enable = "avx512f")]
    fn quantize(&self, x: &[f32]) -> Rows {
        let (k, g) = (self.k, self.groups);
        let rows = x.len() / k;
        let mut tiles = vec![0u8; rows.div_ceil(MR) * g * MR * KG];
        let (mut scale, mut zero) = (vec![0f32; rows], vec![0f32; rows]);
        let mut bytes = vec![0u8; g * KG];
        for (r, src) in x.chunks_exact(k).enumerate() {
            // SAFETY: avx512f is enabled on this function; `bytes` holds `k` or more.
            let (s, z) = unsafe { quantize_row(src, &mut bytes) };
            scale[r] = s;
            zero[r] = z;
            let tile = &mut tiles[(r / MR) * g * MR * KG..][..g * MR * KG];
            for (group, four) in bytes.chunks_exact(KG).enumerate() {
                let at = (group * MR + r % MR) * KG;
                tile[at..at + KG].copy_from_slice(four);
            }
        }
        Rows { tiles, scale, zero }
    }

    /// One block of rows: quantized and packed, then every (tile, panel).
    #[target_feature(enable = "avx512f,avx512vnni")]
    fn rows(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let rows = x.len() / self.k;
        let q = self.quantize(x);
        let tile_len = self.groups * MR * KG;
        for (panel, b) in self.panels.chunks_exact(self.groups * NR * KG).enumerate() {
            let col = panel * NR;
            let cols = (self.n - col).min(NR);
            for (tile, a) in q.tiles.chunks_exact(tile_len).enumerate() {
                let first = tile * MR;
                // SAFETY: the tile's rows and columns lie inside `a`, `b`, the per-column
                // vectors, the per-row vectors and `out`.
                unsafe {
                    let tile = Tile {
                        c: out.as_mut_ptr().add(first * self.n + col),
                        ldc: self.n,
                        rows: (rows - first).min(MR),
                        cols,
                        row_scale: q.scale.as_ptr().add(first),
                        row_zero: q.zero.as_ptr().add(first),
                        col_scale: self.scale.as_ptr().add(col),
                        col_sum: self.sum.as_ptr().add(col),
                        bias: self.bias.as_ptr().add(col),
                        gelu,
                    };
                    kernel(a.as_ptr(), self.groups, b.as_ptr(), &tile);
                }
            }
        }
    }
}

/// One output column's weights in −127..127, the scale that takes them back
/// (`w ≈ scale × q`), and their sum (to take the inputs' zero point back out). Shared with
/// `gemm_avx2`, so both compute the same sums.
pub(super) fn quantize_column(w: &[f32]) -> (f32, Vec<i8>, f32) {
    let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
    let s = if max > 0.0 { max / 127.0 } else { 1.0 };
    let q: Vec<i8> = w
        .iter()
        .map(|v| (v / s).round().clamp(-127.0, 127.0) as i8)
        .collect();
    let total = q.iter().map(|&q| q as i32).sum::<i32>() as f32;
    (s, q, total)
}

/// Bytes `0..=255` for a row with `x ≈ scale × (byte − zero)`; the range always holds 0.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn quantize_row(x: &[f32], bytes: &mut [u8]) -> (f32, f32) {
    let k = x.len();
    let mask = |n: usize| ((1u32 << n.min(16)) - 1) as u16;
    let (mut lo, mut hi) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    for at in (0..k).step_by(16) {
        // SAFETY: the mask keeps the load inside `x`.
        let v = unsafe { _mm512_maskz_loadu_ps(mask(k - at), x.as_ptr().add(at)) };
        lo = _mm512_min_ps(lo, v);
        hi = _mm512_max_ps(hi, v);
    }
    let (lo, hi) = (_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
    let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
    let zero = (-lo / scale).round();
    let (inv, z) = (_mm512_set1_ps(1.0 / scale), _mm512_set1_ps(zero));
    let (floor, ceil) = (_mm512_setzero_si512(), _mm512_set1_epi32(255));
    for at in (0..k).step_by(16) {
        let m = mask(k - at);
        // SAFETY: the mask keeps the load inside `x` and the store inside `bytes`.
        unsafe {
            let v = _mm512_maskz_loadu_ps(m, x.as_ptr().add(at));
            let q = _mm512_cvtps_epi32(_mm512_fmadd_ps(v, inv, z));
            let q = _mm512_min_epi32(_mm512_max_epi32(q, floor), ceil);
            _mm512_mask_cvtepi32_storeu_epi8(bytes.as_mut_ptr().add(at) as *mut i8, m, q);
        }
    }
    (scale, zero)
}

/// Where one tile's results go and what turns its integer sums back into floats.
pub(super) struct Tile {
    pub(super) c: *mut f32,
    pub(super) ldc: usize,
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) row_scale: *const f32,
    pub(super) row_zero: *const f32,
    pub(super) col_scale: *const f32,
    pub(super) col_sum: *const f32,
    pub(super) bias: *const f32,
    pub(super) gelu: bool,
}

/// One tile: integer sums of A (12 rows, four bytes per row per group) by B (32 columns),
/// then `y = row_scale × col_scale × (sum − row_zero × col_sum) + bias` (then GELU when asked).
#[inline]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn kernel(a: *const u8, groups: usize, b: *const i8, t: &Tile) {
    unsafe {
        let mut acc = [[_mm512_setzero_si512(); 2]; MR];
        for g in 0..groups {
            let b0 = _mm512_loadu_si512(b.add(g * NR * KG) as *const _);
            let b1 = _mm512_loadu_si512(b.add(g * NR * KG + 64) as *const _);
            let a = a.add(g * MR * KG) as *const i32;
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_epi32(a.add(i).read_unaligned());
                acc[0] = _mm512_dpbusd_epi32(acc[0], av, b0);
                acc[1] = _mm512_dpbusd_epi32(acc[1], av, b1);
            }
        }
        let scale = [
            _mm512_loadu_ps(t.col_scale),
            _mm512_loadu_ps(t.col_scale.add(16)),
        ];
        let sum = [
            _mm512_loadu_ps(t.col_sum),
            _mm512_loadu_ps(t.col_sum.add(16)),
        ];
        let bias = [_mm512_loadu_ps(t.bias), _mm512_loadu_ps(t.bias.add(16))];
        let lo = t.cols.min(16);
        let hi = t.cols - lo;
        let mask = |n: usize| ((1u32 << n) - 1) as u16;
        for (i, acc) in acc.iter().enumerate().take(t.rows) {
            let zero = _mm512_set1_ps(*t.row_zero.add(i));
            let rs = _mm512_set1_ps(*t.row_scale.add(i));
            let row = t.c.add(i * t.ldc);
            for h in 0..2 {
                let v = _mm512_fnmadd_ps(zero, sum[h], _mm512_cvtepi32_ps(acc[h]));
                let mut v = _mm512_fmadd_ps(v, _mm512_mul_ps(rs, scale[h]), bias[h]);
                if t.gelu {
                    v = super::ops::gelu16(v);
                }
                match h {
                    0 => _mm512_mask_storeu_ps(row, mask(lo), v),
                    _ if hi > 0 => _mm512_mask_storeu_ps(row.add(16), mask(hi), v),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A layer built by `build` (weights, bias, n, k) against plain f32 arithmetic, on odd
    /// sizes: a partial tile of rows, a partial panel of columns, k not a multiple of 4 or 16;
    /// a row that is all negative and one all zero. Returns the outputs.
    pub(in super::super) fn check_against_plain_arithmetic<L: Fn(&[f32], &mut [f32])>(
        build: impl Fn(&[f32], &[f32], usize, usize) -> L,
    ) -> Vec<f32> {
        let (m, n, k) = (29, 45, 37);
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 64.0)
            .collect();
        let bias: Vec<f32> = (0..n).map(|i| i as f32 / 8.0).collect();
        let mut x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 32.0)
            .collect();
        x[3 * k..4 * k].iter_mut().for_each(|v| *v = -v.abs() - 0.5);
        x[5 * k..6 * k].iter_mut().for_each(|v| *v = 0.0);
        let forward = build(&w, &bias, n, k);
        let mut out = vec![f32::NAN; m * n];
        forward(&x, &mut out);
        for r in 0..m {
            let row = &x[r * k..(r + 1) * k];
            let range =
                row.iter().fold(0f32, |m, v| m.max(*v)) - row.iter().fold(0f32, |m, v| m.min(*v));
            for c in 0..n {
                let wc = &w[c * k..(c + 1) * k];
                let want: f32 = bias[c] + row.iter().zip(wc).map(|(x, w)| x * w).sum::<f32>();
                let wmax = wc.iter().fold(0f32, |m, v| m.max(v.abs()));
                // Each product is off by at most half a step of each factor.
                let bound: f32 = row
                    .iter()
                    .zip(wc)
                    .map(|(x, w)| x.abs() * wmax / 254.0 + w.abs() * range / 510.0)
                    .sum::<f32>()
                    + k as f32 * range * wmax / (510.0 * 254.0)
                    + 1e-4;
                let got = out[r * n + c];
                assert!(
                    (got - want).abs() <= bound,
                    "({r},{c}): {got} vs {want}, bound {bound}"
                );
            }
        }
        assert!(out[5 * n..6 * n]
            .iter()
            .zip(&bias)
            .all(|(o, b)| (o - b).abs() < 1e-6));
        out
    }

    #[test]
    fn matches_plain_arithmetic_to_within_the_rounding() {
        if !super::super::Isa::Avx512Vnni.available() {
            return;
        }
        check_against_plain_arithmetic(|w, b, n, k| {
            let lin = Linear::new(w, b, n, k);
            move |x: &[f32], out: &mut [f32]| lin.forward(x, out)
        });
    }

    #[test]
    fn the_avx2_layers_give_the_same_bits() {
        use super::super::{gemm_avx2, Isa};
        if !(Isa::Avx512Vnni.available() && Isa::Avx2.available()) {
            return;
        }
        let vnni = check_against_plain_arithmetic(|w, b, n, k| {
            let lin = Linear::new(w, b, n, k);
            move |x: &[f32], out: &mut [f32]| lin.forward(x, out)
        });
        let avx2 = check_against_plain_arithmetic(|w, b, n, k| {
            let lin = gemm_avx2::Linear::new(w, b, n, k);
            move |x: &[f32], out: &mut [f32]| lin.run(x, out, false)
        });
        assert!(vnni
            .iter()
            .zip(&avx2)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
