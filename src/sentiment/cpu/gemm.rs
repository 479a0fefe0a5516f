//! `y = x·Wᵀ + b` for the encoder's linear layers in 8-bit integers.
//!
//! Weights are quantized once, at load, per output column (symmetric, −127..127); each input
//! row is quantized when the layer runs (asymmetric, 0..255, from the row's own range), so a
//! token with large values does not blur the others. The integer sums are exact; the only
//! error is the rounding of inputs and weights to 8 bits, which `sentiment eval` measures (the
//! accuracy table in the MODEL_CARD is with these kernels).
//!
//! This file is the part both instruction sets share: quantizing, packing and walking the
//! tiles. A [`Kernel`] computes one tile: `gemm_vnni` with AVX-512 VNNI (`vpdpbusd`, four
//! byte pairs into a 32-bit sum), `gemm_avx2` with AVX2 (values widened to 16 bits,
//! `vpmaddwd`, two pairs per sum). Both give the same sums, so the same output bits.
//!
//! Layout: weights in panels of `NR` output columns, for each group of `KG` inputs the panel's
//! `NR × KG` weights side by side; input rows packed `MR` at a time, `KG` values per row per
//! group.

use rayon::prelude::*;

/// One instruction set's tile kernel and the layout it reads.
pub(super) trait Kernel {
    /// Rows per tile.
    const MR: usize;
    /// Output columns per panel.
    const NR: usize;
    /// Inputs per 32-bit lane.
    const KG: usize;
    /// How a quantized input (0..=255) is stored.
    type Input: Copy + Default + Send + Sync;
    /// How a quantized weight (−127..=127) is stored.
    type Weight: Copy + Default + From<i8> + Send + Sync;

    /// Whether this CPU runs the kernel.
    fn available() -> bool;

    /// Writes `values[..x.len()]` in `0..=255` with `x ≈ scale × (value − zero)` (the range
    /// always holds 0) and returns `(scale, zero)`. Every kernel rounds the same way.
    ///
    /// # Safety
    /// The CPU runs the kernel (`available`); `values` holds at least `x.len()`.
    unsafe fn quantize_row(x: &[f32], values: &mut [Self::Input]) -> (f32, f32);

    /// One tile: the integer sums of `a` (`MR` rows, `KG` inputs per row per group) by `b`
    /// (`NR` columns), then `y = row_scale × col_scale × (sum − row_zero × col_sum) + bias`
    /// (then GELU when asked), stored for the tile's rows and columns.
    ///
    /// # Safety
    /// The CPU runs the kernel; `a` and `b` hold `groups` groups; the tile's pointers cover
    /// its rows and whole panel of columns (`NR`), though only `t.cols` are stored.
    unsafe fn tile(a: *const Self::Input, groups: usize, b: *const Self::Weight, t: &Tile);
}

/// Rows per thread's task, in tiles.
const TILES_PER_TASK: usize = 8;

/// A linear layer's weights, quantized and packed for kernel `K`.
pub(super) struct Linear<K: Kernel> {
    k: usize,
    n: usize,
    /// Input groups (k rounded up, zero weights past it).
    groups: usize,
    /// One panel of `groups × NR × KG` weights per `NR` output columns, zero past `n`.
    panels: Vec<K::Weight>,
    /// Per output column (padded to whole panels): the weights' scale, the sum of the
    /// quantized weights (to take the inputs' zero point back out), and the bias.
    scale: Vec<f32>,
    sum: Vec<f32>,
    bias: Vec<f32>,
}

/// Inputs of one row block, quantized: tiles of `groups × MR × KG` values, and each row's
/// scale and zero point.
struct Rows<A> {
    tiles: Vec<A>,
    scale: Vec<f32>,
    zero: Vec<f32>,
}

impl<K: Kernel> Linear<K> {
    /// `weight`: `n × k` row-major (PyTorch's `[out, in]`), `bias`: `n`. `None` where this
    /// CPU does not run `K`.
    pub(super) fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Option<Self> {
        assert_eq!(weight.len(), n * k, "weight shape");
        assert_eq!(bias.len(), n, "bias shape");
        if !K::available() {
            return None;
        }
        let (nr, kg) = (K::NR, K::KG);
        let groups = k.div_ceil(kg);
        let n_panels = n.div_ceil(nr);
        let mut panels = vec![K::Weight::default(); n_panels * groups * nr * kg];
        let (mut scale, mut sum) = (vec![0f32; n_panels * nr], vec![0f32; n_panels * nr]);
        for (col, w) in weight.chunks_exact(k).enumerate() {
            let (s, q, total) = quantize_column(w);
            let (panel, c) = (col / nr, col % nr);
            for (p, &q) in q.iter().enumerate() {
                panels[((panel * groups + p / kg) * nr + c) * kg + p % kg] = q.into();
            }
            scale[col] = s;
            sum[col] = total;
        }
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_panels * nr, 0.0);
        Some(Linear {
            k,
            n,
            groups,
            panels,
            scale,
            sum,
            bias: padded_bias,
        })
    }

    pub(super) fn outputs(&self) -> usize {
        self.n
    }

    /// `out (m × n) = x (m × k) · Wᵀ + b`, GELU after when asked (on each tile while it is in
    /// registers), rows shared between rayon's threads.
    pub(super) fn forward(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let m = x.len() / self.k;
        assert_eq!(x.len(), m * self.k, "input shape");
        assert_eq!(out.len(), m * self.n, "output shape");
        let rows = TILES_PER_TASK * K::MR;
        out.par_chunks_mut(rows * self.n)
            .zip(x.par_chunks(rows * self.k))
            .for_each(|(out, x)| self.rows(x, out, gelu));
    }

    /// Quantizes a block of rows into tiles.
    fn quantize(&self, x: &[f32]) -> Rows<K::Input> {
        let (k, g, mr, kg) = (self.k, self.groups, K::MR, K::KG);
        let rows = x.len() / k;
        let mut tiles = vec![K::Input::default(); rows.div_ceil(mr) * g * mr * kg];
        let (mut scale, mut zero) = (vec![0f32; rows], vec![0f32; rows]);
        let mut values = vec![K::Input::default(); g * kg];
        for (r, src) in x.chunks_exact(k).enumerate() {
            // SAFETY: a `Linear<K>` exists only where `K::available()` (`new`); `values`
            // holds `k` or more.
            (scale[r], zero[r]) = unsafe { K::quantize_row(src, &mut values) };
            let tile = &mut tiles[(r / mr) * g * mr * kg..][..g * mr * kg];
            for (group, lane) in values.chunks_exact(kg).enumerate() {
                let at = (group * mr + r % mr) * kg;
                tile[at..at + kg].copy_from_slice(lane);
            }
        }
        Rows { tiles, scale, zero }
    }

    /// One block of rows: quantized and packed, then every (tile, panel). Tiles outside
    /// panels, so a tile's rows stay in L1 while the panels stream past: on 2-core AMD EPYCs
    /// this order doubled the AVX2 layers' speed (Zen 3) and gave AVX-512 5-10% more
    /// reviews/s (Zen 4).
    fn rows(&self, x: &[f32], out: &mut [f32], gelu: bool) {
        let (mr, nr, kg) = (K::MR, K::NR, K::KG);
        let rows = x.len() / self.k;
        let q = self.quantize(x);
        for (tile, a) in q.tiles.chunks_exact(self.groups * mr * kg).enumerate() {
            for (panel, b) in self.panels.chunks_exact(self.groups * nr * kg).enumerate() {
                let (first, col) = (tile * mr, panel * nr);
                // SAFETY: `new` checked `K::available()`; the tile's rows and its panel's
                // columns lie inside `a`, `b`, the per-row and (padded) per-column vectors,
                // and `out`.
                unsafe {
                    let tile = Tile {
                        c: out.as_mut_ptr().add(first * self.n + col),
                        ldc: self.n,
                        rows: (rows - first).min(mr),
                        cols: (self.n - col).min(nr),
                        row_scale: q.scale.as_ptr().add(first),
                        row_zero: q.zero.as_ptr().add(first),
                        col_scale: self.scale.as_ptr().add(col),
                        col_sum: self.sum.as_ptr().add(col),
                        bias: self.bias.as_ptr().add(col),
                        gelu,
                    };
                    K::tile(a.as_ptr(), self.groups, b.as_ptr(), &tile);
                }
            }
        }
    }
}

/// One output column's weights in −127..127, the scale that takes them back
/// (`w ≈ scale × q`), and their sum (to take the inputs' zero point back out).
fn quantize_column(w: &[f32]) -> (f32, Vec<i8>, f32) {
    let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
    let s = if max > 0.0 { max / 127.0 } else { 1.0 };
    let q: Vec<i8> = w
        .iter()
        .map(|v| (v / s).round().clamp(-127.0, 127.0) as i8)
        .collect();
    let total = q.iter().map(|&q| q as i32).sum::<i32>() as f32;
    (s, q, total)
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

#[cfg(test)]
mod tests {
    use super::super::{gemm_avx2::Avx2, gemm_vnni::Vnni};
    use super::*;

    /// `K`'s layer against plain f32 arithmetic, on odd sizes: a partial tile of rows, a
    /// partial panel of columns, k not a multiple of 4 or 16; a row that is all negative and
    /// one all zero. Returns the outputs, or `None` where this CPU does not run `K`.
    fn check_against_plain_arithmetic<K: Kernel>() -> Option<Vec<f32>> {
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
        let layer = Linear::<K>::new(&w, &bias, n, k)?;
        let mut out = vec![f32::NAN; m * n];
        layer.forward(&x, &mut out, false);
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
        Some(out)
    }

    #[test]
    fn vnni_matches_plain_arithmetic_to_within_the_rounding() {
        check_against_plain_arithmetic::<Vnni>();
    }

    #[test]
    fn avx2_matches_plain_arithmetic_to_within_the_rounding() {
        check_against_plain_arithmetic::<Avx2>();
    }

    #[test]
    fn the_two_kernels_give_the_same_bits() {
        let (Some(vnni), Some(avx2)) = (
            check_against_plain_arithmetic::<Vnni>(),
            check_against_plain_arithmetic::<Avx2>(),
        ) else {
            return;
        };
        assert!(vnni
            .iter()
            .zip(&avx2)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
