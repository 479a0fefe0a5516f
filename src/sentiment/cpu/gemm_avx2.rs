//! `gemm`'s 8-bit linear layers for CPUs with AVX2 but no AVX-512 VNNI.
//!
//! The same quantization (weights per output column in −127..127, each input row in 0..255
//! from its own range), so the integer sums are exactly those `vpdpbusd` computes and the
//! outputs are the same bits. AVX2's byte product (`vpmaddubsw`) clips its pair sums at 16
//! bits, which 255 × 127 × 2 passes, so bytes are widened to 16 bits instead (weights once
//! when packed, inputs as they are quantized) and multiplied with `vpmaddwd`: two pairs per
//! 32-bit lane, exact.
//!
//! Layout: weights in panels of 16 output columns, for each pair of inputs the panel's 16 × 2
//! weights side by side; input rows packed 6 at a time, two values per row per pair. A kernel
//! call computes a tile of 6 rows × 16 columns in 12 of the 16 registers.

use super::gemm::{quantize_column, Tile};
use super::ops_avx2::gelu8;
use rayon::prelude::*;
use std::arch::x86_64::*;

/// Rows per kernel tile, and per thread's block (a multiple of it).
const MR: usize = 6;
const ROWS_PER_TASK: usize = MR * 8;
/// Output columns per panel (two registers of 8 sums).
const NR: usize = 16;
/// Inputs per 32-bit lane.
const KG: usize = 2;

/// A linear layer's weights, quantized and packed for the kernel.
pub(super) struct Linear {
    k: usize,
    n: usize,
    /// Input pairs (k rounded up, zero weights past it).
    groups: usize,
    /// One panel of `groups × NR × KG` weights per 16 output columns, zero past `n`.
    panels: Vec<i16>,
    /// Per output column (padded to whole panels): as in `gemm::Linear`.
    scale: Vec<f32>,
    sum: Vec<f32>,
    bias: Vec<f32>,
}

/// Inputs of one row block, quantized: 6-row tiles of `groups × MR × KG` values, and each
/// row's scale and zero point.
struct Rows {
    tiles: Vec<i16>,
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
        let mut panels = vec![0i16; n_panels * groups * NR * KG];
        let (mut scale, mut sum) = (vec![0f32; n_panels * NR], vec![0f32; n_panels * NR]);
        for (col, w) in weight.chunks_exact(k).enumerate() {
            let (s, q, total) = quantize_column(w);
            let (panel, c) = (col / NR, col % NR);
            for (p, &q) in q.iter().enumerate() {
                panels[((panel * groups + p / KG) * NR + c) * KG + p % KG] = q as i16;
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

    /// `out (m × n) = x (m × k) · Wᵀ + b`, GELU after when asked, rows shared between threads.
    pub(super) fn run(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let m = x.len() / self.k;
        assert_eq!(x.len(), m * self.k, "input shape");
        assert_eq!(out.len(), m * self.n, "output shape");
        out.par_chunks_mut(ROWS_PER_TASK * self.n)
            .zip(x.par_chunks(ROWS_PER_TASK * self.k))
            .for_each(|(out, x)| {
                // SAFETY: `Isa::detect` found avx2 and fma before any model was built, and a
                // `Linear` of this module is only built for that instruction set.
                unsafe { self.rows(x, out, gelu) }
            });
    }

    /// Quantizes a block of rows into 6-row tiles.
    #[target_feature(enable = "avx2,fma")]
    fn quantize(&self, x: &[f32]) -> Rows {
        let (k, g) = (self.k, self.groups);
        let rows = x.len() / k;
        let mut tiles = vec![0i16; rows.div_ceil(MR) * g * MR * KG];
        let (mut scale, mut zero) = (vec![0f32; rows], vec![0f32; rows]);
        let mut values = vec![0i16; g * KG];
        for (r, src) in x.chunks_exact(k).enumerate() {
            (scale[r], zero[r]) = quantize_row(src, &mut values);
            let tile = &mut tiles[(r / MR) * g * MR * KG..][..g * MR * KG];
            for (group, pair) in values.chunks_exact(KG).enumerate() {
                let at = (group * MR + r % MR) * KG;
                tile[at..at + KG].copy_from_slice(pair);
            }
        }
        Rows { tiles, scale, zero }
    }

    /// One block of rows: quantized and packed, then every (tile, panel).
    #[target_feature(enable = "avx2,fma")]
    fn rows(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let rows = x.len() / self.k;
        let q = self.quantize(x);
        let tile_len = self.groups * MR * KG;
        for (tile, a) in q.tiles.chunks_exact(tile_len).enumerate() {
            for (panel, b) in self.panels.chunks_exact(self.groups * NR * KG).enumerate() {
                let col = panel * NR;
                let cols = (self.n - col).min(NR);
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

/// Values `0..=255` for a row with `x ≈ scale × (value − zero)`, rounded as `gemm`'s
/// `quantize_row` rounds them (a fused multiply-add, then to the nearest even).
#[target_feature(enable = "avx2,fma")]
fn quantize_row(x: &[f32], values: &mut [i16]) -> (f32, f32) {
    let mut chunks = x.chunks_exact(8);
    let (mut lo8, mut hi8) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    for c in &mut chunks {
        // SAFETY: 8 floats.
        let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
        lo8 = _mm256_min_ps(lo8, v);
        hi8 = _mm256_max_ps(hi8, v);
    }
    let (mut lo, mut hi) = ([0f32; 8], [0f32; 8]);
    // SAFETY: 8 floats each.
    unsafe {
        _mm256_storeu_ps(lo.as_mut_ptr(), lo8);
        _mm256_storeu_ps(hi.as_mut_ptr(), hi8);
    }
    let rest = chunks.remainder();
    let lo = lo.iter().chain(rest).fold(0f32, |m, &v| m.min(v));
    let hi = hi.iter().chain(rest).fold(0f32, |m, &v| m.max(v));
    let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
    let zero = (-lo / scale).round();
    let inv = 1.0 / scale;
    let (inv8, zero8) = (_mm256_set1_ps(inv), _mm256_set1_ps(zero));
    let (floor, ceil) = (_mm256_setzero_si256(), _mm256_set1_epi32(255));
    let whole = x.len() / 8 * 8;
    for at in (0..whole).step_by(8) {
        // SAFETY: 8 floats in `x` and 8 values in `values` (as long as `x`) from `at`.
        unsafe {
            let v = _mm256_loadu_ps(x.as_ptr().add(at));
            let q = _mm256_cvtps_epi32(_mm256_fmadd_ps(v, inv8, zero8));
            let q = _mm256_min_epi32(_mm256_max_epi32(q, floor), ceil);
            // Eight 32-bit values to 16 bits: pack (per 128-bit half), then the halves together.
            let q = _mm256_permute4x64_epi64::<0b1000>(_mm256_packs_epi32(q, q));
            _mm_storeu_si128(
                values.as_mut_ptr().add(at) as *mut __m128i,
                _mm256_castsi256_si128(q),
            );
        }
    }
    for (q, v) in values[whole..x.len()].iter_mut().zip(&x[whole..]) {
        *q = v.mul_add(inv, zero).round_ties_even().clamp(0.0, 255.0) as i16;
    }
    (scale, zero)
}

/// One tile: integer sums of A (6 rows, two values per row per pair) by B (16 columns), then
/// `y = row_scale × col_scale × (sum − row_zero × col_sum) + bias` (then GELU when asked).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel(a: *const i16, groups: usize, b: *const i16, t: &Tile) {
    unsafe {
        let mut acc = [[_mm256_setzero_si256(); 2]; MR];
        for g in 0..groups {
            let b = b.add(g * NR * KG);
            let b0 = _mm256_loadu_si256(b as *const __m256i);
            let b1 = _mm256_loadu_si256(b.add(16) as *const __m256i);
            let a = a.add(g * MR * KG) as *const i32;
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_epi32(a.add(i).read_unaligned());
                acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(av, b0));
                acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(av, b1));
            }
        }
        let load = |p: *const f32| [_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))];
        let (scale, sum, bias) = (load(t.col_scale), load(t.col_sum), load(t.bias));
        let widths = [t.cols.min(8), t.cols.saturating_sub(8)];
        for (i, acc) in acc.iter().enumerate().take(t.rows) {
            let zero = _mm256_set1_ps(*t.row_zero.add(i));
            let rs = _mm256_set1_ps(*t.row_scale.add(i));
            let row = t.c.add(i * t.ldc);
            for h in 0..2 {
                let v = _mm256_fnmadd_ps(zero, sum[h], _mm256_cvtepi32_ps(acc[h]));
                let mut v = _mm256_fmadd_ps(v, _mm256_mul_ps(rs, scale[h]), bias[h]);
                if t.gelu {
                    v = gelu8(v);
                }
                let at = row.add(h * 8);
                match widths[h] {
                    8 => _mm256_storeu_ps(at, v),
                    0 => {}
                    n => {
                        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), lanes);
                        _mm256_maskstore_ps(at, mask, v);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_plain_arithmetic_to_within_the_rounding() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            return;
        }
        super::super::gemm::tests::check_against_plain_arithmetic(|w, b, n, k| {
            let lin = Linear::new(w, b, n, k);
            move |x: &[f32], out: &mut [f32]| lin.run(x, out, false)
        });
    }
}
