//! A BERT encoder on candle, written here (rather than taken from candle-transformers) so that
//! every op has a gradient for fine-tuning (candle's fused layer norm has none) and dropout is
//! real during training. Weight names follow Hugging Face's BertModel, so the
//! all-MiniLM-L6-v2 safetensors load as they are.

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{embedding, linear, Embedding, Linear, VarBuilder};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f32,
}

fn default_eps() -> f64 {
    1e-12
}

fn default_dropout() -> f32 {
    0.1
}

/// Layer norm from differentiable ops.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn load(size: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(LayerNorm {
            weight: vb.get_with_hints(size, "weight", candle_nn::Init::Const(1.0))?,
            bias: vb.get_with_hints(size, "bias", candle_nn::Init::Const(0.0))?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centered = x.broadcast_sub(&mean)?;
        let var = centered.sqr()?.mean_keepdim(D::Minus1)?;
        let normed = centered.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        normed
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

fn dropout(x: &Tensor, p: f32, train: bool) -> Result<Tensor> {
    if train && p > 0.0 {
        candle_nn::ops::dropout(x, p)
    } else {
        Ok(x.clone())
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    out_norm: LayerNorm,
    heads: usize,
    head_dim: usize,
    dropout: f32,
}

impl Layer {
    fn load(c: &BertConfig, vb: VarBuilder) -> Result<Self> {
        let h = c.hidden_size;
        Ok(Layer {
            query: linear(h, h, vb.pp("attention.self.query"))?,
            key: linear(h, h, vb.pp("attention.self.key"))?,
            value: linear(h, h, vb.pp("attention.self.value"))?,
            attn_out: linear(h, h, vb.pp("attention.output.dense"))?,
            attn_norm: LayerNorm::load(h, c.layer_norm_eps, vb.pp("attention.output.LayerNorm"))?,
            intermediate: linear(h, c.intermediate_size, vb.pp("intermediate.dense"))?,
            output: linear(c.intermediate_size, h, vb.pp("output.dense"))?,
            out_norm: LayerNorm::load(h, c.layer_norm_eps, vb.pp("output.LayerNorm"))?,
            heads: c.num_attention_heads,
            head_dim: h / c.num_attention_heads,
            dropout: c.hidden_dropout_prob,
        })
    }

    /// `mask_bias`: [B, 1, 1, L], 0 for tokens and a large negative number for padding.
    fn forward(&self, x: &Tensor, mask_bias: &Tensor, train: bool) -> Result<Tensor> {
        let (b, l, h) = x.dims3()?;
        let split = |t: Tensor| {
            t.reshape((b, l, self.heads, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.query.forward(x)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        let scores =
            (q.matmul(&k.t()?)? / (self.head_dim as f64).sqrt())?.broadcast_add(mask_bias)?;
        let probs = dropout(
            &candle_nn::ops::softmax(&scores, D::Minus1)?,
            self.dropout,
            train,
        )?;
        let ctx = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, l, h))?;
        let attn = dropout(&self.attn_out.forward(&ctx)?, self.dropout, train)?;
        let x = self.attn_norm.forward(&(attn + x)?)?;
        let inner = self.intermediate.forward(&x)?.gelu_erf()?;
        let out = dropout(&self.output.forward(&inner)?, self.dropout, train)?;
        self.out_norm.forward(&(out + x)?)
    }
}

pub(crate) struct Bert {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    dropout: f32,
}

impl Bert {
    pub(crate) fn load(c: &BertConfig, vb: VarBuilder) -> Result<Self> {
        let e = vb.pp("embeddings");
        Ok(Bert {
            word: embedding(c.vocab_size, c.hidden_size, e.pp("word_embeddings"))?,
            position: embedding(
                c.max_position_embeddings,
                c.hidden_size,
                e.pp("position_embeddings"),
            )?,
            token_type: embedding(
                c.type_vocab_size,
                c.hidden_size,
                e.pp("token_type_embeddings"),
            )?,
            norm: LayerNorm::load(c.hidden_size, c.layer_norm_eps, e.pp("LayerNorm"))?,
            layers: (0..c.num_hidden_layers)
                .map(|i| Layer::load(c, vb.pp(format!("encoder.layer.{i}"))))
                .collect::<Result<_>>()?,
            dropout: c.hidden_dropout_prob,
        })
    }

    /// Stops training the word embeddings (half of MiniLM's weights): they get no gradient,
    /// which makes a fine-tuning step about twice as fast at no measurable cost in accuracy.
    pub(crate) fn freeze_word_embeddings(&mut self) {
        let hidden = self.word.hidden_size();
        self.word = Embedding::new(self.word.embeddings().detach(), hidden);
    }

    /// `ids`: [B, L] u32; `mask`: [B, L] f32 (1 token, 0 padding). Returns [B, L, H].
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor, train: bool) -> Result<Tensor> {
        let (_, l) = ids.dims2()?;
        let positions = Tensor::arange(0u32, l as u32, ids.device())?.unsqueeze(0)?;
        let types = ids.zeros_like()?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .add(&self.token_type.forward(&types)?)?;
        let mut x = dropout(&self.norm.forward(&x)?, self.dropout, train)?;
        let mask_bias = ((mask.ones_like()? - mask)? * -1e4)?
            .unsqueeze(1)?
            .unsqueeze(1)?
            .to_dtype(x.dtype())?;
        for layer in &self.layers {
            x = layer.forward(&x, &mask_bias, train)?;
        }
        Ok(x)
    }
}

/// Mean of the token vectors, padding excluded: [B, L, H] -> [B, H].
pub(crate) fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let m = mask.to_dtype(hidden.dtype())?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&m)?.sum(1)?;
    let counts = m.sum(1)?.clamp(1e-6, f64::MAX)?;
    summed.broadcast_div(&counts)
}

/// The encoder with a linear head: logits [B, 2] (negative, positive).
pub(crate) struct SentimentModel {
    pub bert: Bert,
    head: Linear,
}

impl SentimentModel {
    pub(crate) fn load(c: &BertConfig, vb: VarBuilder) -> Result<Self> {
        Ok(SentimentModel {
            bert: Bert::load(c, vb.clone())?,
            head: linear(c.hidden_size, 2, vb.pp("classifier"))?,
        })
    }

    pub(crate) fn logits(&self, ids: &Tensor, mask: &Tensor, train: bool) -> Result<Tensor> {
        let hidden = self.bert.forward(ids, mask, train)?;
        let pooled = dropout(&mean_pool(&hidden, mask)?, 0.1, train)?;
        self.head.forward(&pooled)
    }

    /// P(positive) per row.
    pub(crate) fn positive_probability(&self, ids: &Tensor, mask: &Tensor) -> Result<Vec<f32>> {
        let p = candle_nn::ops::softmax(
            &self.logits(ids, mask, false)?.to_dtype(DType::F32)?,
            D::Minus1,
        )?;
        p.narrow(1, 1, 1)?.squeeze(1)?.to_vec1()
    }
}
