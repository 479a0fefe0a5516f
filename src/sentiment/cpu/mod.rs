//! The classifier's forward pass on the CPU, written for inference alone (candle's general
//! tensors stay for training and CUDA).
//!
//! Several times faster than candle on this kind of CPU, at the same accuracy:
//! - **No padding.** The tokens of several reviews are stacked into one matrix for the linear
//!   layers; attention runs per review at its own length.
//! - **8-bit linear layers** (`gemm`): weights quantized per output column and packed once at
//!   load, each input row quantized as the layer runs, a 12 × 32 tile kernel on AVX-512 VNNI
//!   (`gemm_vnni`: four multiply-adds per lane per instruction). Everything else (embeddings, attention,
//!   layer norm, GELU, softmax) stays in f32.
//! - **Fused row kernels** (`ops`): residual add, layer norm, GELU and softmax each run in one
//!   pass over a row, on the same threads, with no tensor allocated per op; attention takes
//!   four queries at a time.
//!
//! CPUs without AVX-512 (most laptops and desktops) run the same model in AVX2 (`gemm_avx2`'s
//! tile kernel in `gemm`'s shared driver, `ops_avx2`): the same 8-bit sums, exactly, in 16-bit multiplies, and the row kernels in
//! eight lanes. It needs one of the two (`Isa`) and a head size it knows (`fits`); elsewhere
//! the classifier runs on candle.

mod gemm;
mod gemm_avx2;
mod gemm_vnni;
mod ops;
mod ops_avx2;

use super::bert::BertConfig;
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use gemm::Linear;
use gemm_avx2::Avx2;
use gemm_vnni::Vnni;
use rayon::prelude::*;
use std::arch::x86_64::*;
use std::collections::HashMap;
use std::path::Path;

/// The instruction sets the kernels are written for, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    Avx512Vnni,
    Avx2,
}

impl Isa {
    /// The best this CPU runs, if any.
    pub(crate) fn detect() -> Option<Isa> {
        [Isa::Avx512Vnni, Isa::Avx2]
            .into_iter()
            .find(|isa| isa.available())
    }

    /// Whether this CPU runs it.
    pub(crate) fn available(self) -> bool {
        use gemm::Kernel;
        match self {
            Isa::Avx512Vnni => Vnni::available(),
            Isa::Avx2 => Avx2::available(),
        }
    }

    /// In words, for logs and benchmarks.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Isa::Avx512Vnni => "AVX-512 VNNI",
            Isa::Avx2 => "AVX2",
        }
    }
}

/// A linear layer packed for one instruction set's kernel.
enum Dense {
    Vnni(Linear<Vnni>),
    Avx2(Linear<Avx2>),
}

impl Dense {
    fn outputs(&self) -> usize {
        match self {
            Dense::Vnni(l) => l.outputs(),
            Dense::Avx2(l) => l.outputs(),
        }
    }

    /// `out = x · Wᵀ + b`.
    fn forward(&self, x: &[f32], out: &mut [f32]) {
        match self {
            Dense::Vnni(l) => l.forward(x, out, false),
            Dense::Avx2(l) => l.forward(x, out, false),
        }
    }

    /// `out = gelu(x · Wᵀ + b)`.
    fn forward_gelu(&self, x: &[f32], out: &mut [f32]) {
        match self {
            Dense::Vnni(l) => l.forward(x, out, true),
            Dense::Avx2(l) => l.forward(x, out, true),
        }
    }
}

/// Whether the kernels handle this model's shape (attention heads of 16, 32 or 64).
pub(crate) fn fits(config: &BertConfig) -> bool {
    let h = config.hidden_size;
    let heads = config.num_attention_heads.max(1);
    h.is_multiple_of(heads) && matches!(h / heads, 16 | 32 | 64)
}

/// Tokens stacked into one forward pass (a few reviews' worth: the buffers stay in cache-sized
/// pieces and both threads get whole row blocks).
const TOKENS_PER_PASS: usize = 2048;

struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

struct Layer {
    /// Query, key and value as one layer: `hidden → 3 × hidden`.
    qkv: Dense,
    attn_out: Dense,
    attn_norm: Norm,
    intermediate: Dense,
    output: Dense,
    out_norm: Norm,
}

/// The fine-tuned encoder and its head, packed for the kernels.
pub(crate) struct Model {
    isa: Isa,
    hidden: usize,
    heads: usize,
    eps: f32,
    max_positions: usize,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embed_norm: Norm,
    layers: Vec<Layer>,
    /// Head: `2 × hidden` and 2 (negative, positive).
    head_weight: Vec<f32>,
    head_bias: Vec<f32>,
}

/// Tensors of a safetensors file by name, as f32.
struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn get(&self, name: &str) -> Result<Vec<f32>> {
        let t = self
            .0
            .get(name)
            .with_context(|| format!("the model has no tensor {name}"))?;
        Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
    }

    fn norm(&self, prefix: &str) -> Result<Norm> {
        Ok(Norm {
            weight: self.get(&format!("{prefix}.weight"))?,
            bias: self.get(&format!("{prefix}.bias"))?,
        })
    }

    /// Linear layers sharing an input, stacked into one (their outputs side by side).
    fn linear(&self, prefixes: &[String], k: usize, isa: Isa) -> Result<Dense> {
        let (mut w, mut b) = (Vec::new(), Vec::new());
        for p in prefixes {
            w.extend(self.get(&format!("{p}.weight"))?);
            b.extend(self.get(&format!("{p}.bias"))?);
        }
        if w.len() != b.len() * k {
            bail!("{} is not {} × {k}", prefixes.join("+"), b.len());
        }
        let n = b.len();
        match isa {
            Isa::Avx512Vnni => Linear::new(&w, &b, n, k).map(Dense::Vnni),
            Isa::Avx2 => Linear::new(&w, &b, n, k).map(Dense::Avx2),
        }
        .with_context(|| format!("this CPU has no {}", isa.name()))
    }
}

impl Model {
    /// The model in `weights`, packed for `isa`'s kernels.
    pub(crate) fn load(config: &BertConfig, weights: &Path, isa: Isa) -> Result<Self> {
        if !isa.available() {
            bail!("this CPU has no {}", isa.name());
        }
        if !fits(config) {
            bail!("the CPU kernels need attention heads of 16, 32 or 64");
        }
        let w = Weights(candle_core::safetensors::load(weights, &Device::Cpu)?);
        let h = config.hidden_size;
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                let qkv = ["query", "key", "value"].map(|n| format!("{p}.attention.self.{n}"));
                Ok(Layer {
                    qkv: w.linear(&qkv, h, isa)?,
                    attn_out: w.linear(&[format!("{p}.attention.output.dense")], h, isa)?,
                    attn_norm: w.norm(&format!("{p}.attention.output.LayerNorm"))?,
                    intermediate: w.linear(&[format!("{p}.intermediate.dense")], h, isa)?,
                    output: w.linear(
                        &[format!("{p}.output.dense")],
                        config.intermediate_size,
                        isa,
                    )?,
                    out_norm: w.norm(&format!("{p}.output.LayerNorm"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let model = Model {
            isa,
            hidden: h,
            heads: config.num_attention_heads,
            eps: config.layer_norm_eps as f32,
            max_positions: config.max_position_embeddings,
            word: w.get("embeddings.word_embeddings.weight")?,
            position: w.get("embeddings.position_embeddings.weight")?,
            token_type: w.get("embeddings.token_type_embeddings.weight")?,
            embed_norm: w.norm("embeddings.LayerNorm")?,
            layers,
            head_weight: w.get("classifier.weight")?,
            head_bias: w.get("classifier.bias")?,
        };
        if model.head_weight.len() != 2 * h {
            bail!("the model's head does not fit its hidden size {h}");
        }
        Ok(model)
    }

    /// The instruction set the model runs on.
    pub(crate) fn isa(&self) -> Isa {
        self.isa
    }

    /// P(positive) for each token sequence (`[CLS] … [SEP]`, at most `max_positions` long).
    pub(crate) fn positive_probability(&self, seqs: &[&[u32]]) -> Result<Vec<f32>> {
        let vocab = self.word.len() / self.hidden;
        for s in seqs {
            if s.is_empty() || s.len() > self.max_positions {
                bail!("a sequence of {} tokens", s.len());
            }
            if let Some(&id) = s.iter().find(|&&id| id as usize >= vocab) {
                bail!("token id {id} is outside the vocabulary");
            }
        }
        let mut out = Vec::with_capacity(seqs.len());
        let mut start = 0;
        while start < seqs.len() {
            let mut end = start + 1;
            let mut tokens = seqs[start].len();
            while end < seqs.len() && tokens + seqs[end].len() <= TOKENS_PER_PASS {
                tokens += seqs[end].len();
                end += 1;
            }
            out.extend(self.pass(&seqs[start..end]));
            start = end;
        }
        Ok(out)
    }

    /// One forward pass over sequences stacked row after row.
    fn pass(&self, seqs: &[&[u32]]) -> Vec<f32> {
        let h = self.hidden;
        let lens: Vec<usize> = seqs.iter().map(|s| s.len()).collect();
        let t: usize = lens.iter().sum();
        let mut x = vec![0f32; t * h];
        for (row, (pos, &id)) in x
            .chunks_exact_mut(h)
            .zip(seqs.iter().flat_map(|s| s.iter().enumerate()))
        {
            let word = &self.word[id as usize * h..][..h];
            let position = &self.position[pos * h..][..h];
            for (((v, a), b), c) in row
                .iter_mut()
                .zip(word)
                .zip(position)
                .zip(&self.token_type[..h])
            {
                *v = a + b + c;
            }
        }
        self.norm_rows(&mut x, None, &self.embed_norm);

        let inner_size = self.layers.first().map_or(0, |l| l.intermediate.outputs());
        let mut qkv = vec![0f32; t * 3 * h];
        let mut ctx = vec![0f32; t * h];
        let mut tmp = vec![0f32; t * h];
        let mut inner = vec![0f32; t * inner_size];
        for layer in &self.layers {
            layer.qkv.forward(&x, &mut qkv);
            self.attention(&qkv, &lens, &mut ctx);
            layer.attn_out.forward(&ctx, &mut tmp);
            self.norm_rows(&mut x, Some(&tmp), &layer.attn_norm);
            layer.intermediate.forward_gelu(&x, &mut inner);
            layer.output.forward(&inner, &mut tmp);
            self.norm_rows(&mut x, Some(&tmp), &layer.out_norm);
        }

        let mut start = 0;
        lens.iter()
            .map(|&len| {
                let rows = &x[start * h..(start + len) * h];
                start += len;
                let mut pooled = vec![0f32; h];
                for row in rows.chunks_exact(h) {
                    for (p, v) in pooled.iter_mut().zip(row) {
                        *p += v;
                    }
                }
                let logit = |c: usize| -> f32 {
                    let w = &self.head_weight[c * h..(c + 1) * h];
                    self.head_bias[c]
                        + w.iter().zip(&pooled).map(|(w, p)| w * p).sum::<f32>() / len as f32
                };
                let (neg, pos) = (logit(0), logit(1));
                1.0 / (1.0 + (neg - pos).exp())
            })
            .collect()
    }

    /// x ← layer_norm(x + residual), row by row.
    fn norm_rows(&self, x: &mut [f32], residual: Option<&[f32]>, norm: &Norm) {
        let h = self.hidden;
        x.par_chunks_mut(h * 64)
            .enumerate()
            .for_each(|(block, rows)| {
                for (i, row) in rows.chunks_exact_mut(h).enumerate() {
                    if let Some(r) = residual {
                        let at = (block * 64 + i) * h;
                        for (v, r) in row.iter_mut().zip(&r[at..at + h]) {
                            *v += r;
                        }
                    }
                    // SAFETY: a `Model` exists only where `Isa::available` found `self.isa`.
                    unsafe {
                        match self.isa {
                            Isa::Avx512Vnni => {
                                ops::layer_norm(row, &norm.weight, &norm.bias, self.eps)
                            }
                            Isa::Avx2 => {
                                ops_avx2::layer_norm(row, &norm.weight, &norm.bias, self.eps)
                            }
                        }
                    };
                }
            });
    }

    /// Self-attention of each sequence over its own tokens: `qkv` rows are `[q | k | v]`,
    /// `ctx` gets each head's weighted values side by side.
    fn attention(&self, qkv: &[f32], lens: &[usize], ctx: &mut [f32]) {
        let (h, d) = (self.hidden, self.hidden / self.heads);
        let mut starts = Vec::with_capacity(lens.len());
        let mut start = 0;
        for &len in lens {
            starts.push(start);
            start += len;
        }
        // One task per (sequence, head): even shares for both threads whatever the lengths.
        let tasks: Vec<(usize, usize)> = (0..lens.len())
            .flat_map(|s| (0..self.heads).map(move |head| (s, head)))
            .collect();
        let outs: Vec<Vec<f32>> = tasks
            .par_iter()
            .map(|&(s, head)| {
                let (start, len) = (starts[s], lens[s]);
                let rows = &qkv[start * 3 * h..(start + len) * 3 * h];
                let mut out = vec![0f32; len * d];
                // SAFETY: a `Model` exists only where `Isa::available` found `self.isa`, and its
                // head size is one `Model::load` accepted.
                unsafe {
                    match (self.isa, d) {
                        (Isa::Avx512Vnni, 16) => attend::<1>(rows, len, h, head, &mut out),
                        (Isa::Avx512Vnni, 32) => attend::<2>(rows, len, h, head, &mut out),
                        (Isa::Avx512Vnni, _) => attend::<4>(rows, len, h, head, &mut out),
                        (Isa::Avx2, 16) => ops_avx2::attend::<2>(rows, len, h, head, &mut out),
                        (Isa::Avx2, 32) => ops_avx2::attend::<4>(rows, len, h, head, &mut out),
                        (Isa::Avx2, _) => ops_avx2::attend::<8>(rows, len, h, head, &mut out),
                    }
                }
                out
            })
            .collect();
        for (&(s, head), out) in tasks.iter().zip(outs) {
            for (i, row) in out.chunks_exact(d).enumerate() {
                let at = (starts[s] + i) * h + head * d;
                ctx[at..at + d].copy_from_slice(row);
            }
        }
    }
}

/// One head of one sequence's attention: softmax(q·kᵀ/√d)·v into `out` (`len × d`), four
/// queries at a time so each key and value loaded serves four rows. `LANES` is the head size
/// in 16-float registers.
#[target_feature(enable = "avx512f")]
fn attend<const LANES: usize>(
    qkv: &[f32],
    len: usize,
    hidden: usize,
    head: usize,
    out: &mut [f32],
) {
    let d = LANES * 16;
    assert!((head + 1) * d <= hidden && qkv.len() == len * 3 * hidden && out.len() == len * d);
    let scale = _mm512_set1_ps(1.0 / (d as f32).sqrt());
    let stride = 3 * hidden;
    let padded = len.div_ceil(32) * 32;
    // Keys transposed (`d × padded`, zero past `len`), and four rows of scores.
    let mut keys_t = vec![0f32; d * padded];
    let mut scores = vec![0f32; 4 * padded];
    {
        let (q_at, k_at, v_at) = (head * d, hidden + head * d, 2 * hidden + head * d);
        for j in 0..len {
            for e in 0..d {
                keys_t[e * padded + j] = qkv[j * stride + k_at + e];
            }
        }
        for first in (0..len).step_by(4) {
            let rows = (len - first).min(4);
            // Rows past the end repeat the last one; their results are not stored.
            let q: [usize; 4] = std::array::from_fn(|r| (first + r.min(rows - 1)) * stride + q_at);
            // SAFETY: every offset is inside `qkv`, `keys_t` and `scores` by the shapes above.
            // Two blocks of 16 keys at a time: eight independent sums keep both FMA units busy.
            unsafe {
                for block in (0..padded).step_by(32) {
                    let mut acc = [[_mm512_setzero_ps(); 2]; 4];
                    for e in 0..d {
                        let at = keys_t.as_ptr().add(e * padded + block);
                        let k = [_mm512_loadu_ps(at), _mm512_loadu_ps(at.add(16))];
                        for (acc, &q) in acc.iter_mut().zip(&q) {
                            let qe = _mm512_set1_ps(*qkv.get_unchecked(q + e));
                            acc[0] = _mm512_fmadd_ps(qe, k[0], acc[0]);
                            acc[1] = _mm512_fmadd_ps(qe, k[1], acc[1]);
                        }
                    }
                    for (r, acc) in acc.iter().enumerate() {
                        let at = scores.as_mut_ptr().add(r * padded + block);
                        _mm512_storeu_ps(at, _mm512_mul_ps(acc[0], scale));
                        _mm512_storeu_ps(at.add(16), _mm512_mul_ps(acc[1], scale));
                    }
                }
            }
            for r in 0..rows {
                ops::softmax(&mut scores[r * padded..r * padded + len]);
            }
            // SAFETY: as above; `out` rows `first..first + rows` exist.
            unsafe {
                let mut acc = [[_mm512_setzero_ps(); LANES]; 4];
                for j in 0..len {
                    let v = qkv.as_ptr().add(j * stride + v_at);
                    let v: [__m512; LANES] =
                        std::array::from_fn(|l| _mm512_loadu_ps(v.add(l * 16)));
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let p = _mm512_set1_ps(*scores.get_unchecked(r * padded + j));
                        for (acc, v) in acc.iter_mut().zip(&v) {
                            *acc = _mm512_fmadd_ps(p, *v, *acc);
                        }
                    }
                }
                for (r, acc) in acc.iter().enumerate().take(rows) {
                    let o = out.as_mut_ptr().add((first + r) * d);
                    for (l, acc) in acc.iter().enumerate() {
                        _mm512_storeu_ps(o.add(l * 16), *acc);
                    }
                }
            }
        }
    }
}
