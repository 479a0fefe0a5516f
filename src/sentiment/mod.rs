//! Review sentiment: a BERT classifier (all-MiniLM-L6-v2 fine-tuned by `cinesense sentiment
//! train`) on candle, CPU by default or CUDA when built with `--features cuda`.
//!
//! Behind the `Classifier` trait so another backend (rust-bert where libtorch is installed,
//! ONNX Runtime) can be added as a cargo feature without touching the callers.

pub mod bert;
pub mod cli;
pub mod data;
pub mod tokenize;
pub mod train;

use anyhow::{bail, Context, Result};
use bert::{BertConfig, SentimentModel};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use serde::Serialize;
use std::path::Path;
use tokenize::Encoder;
use utoipa::ToSchema;

/// One text's sentiment: the label and P(positive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Sentiment {
    /// "positive" or "negative"
    pub label: &'static str,
    /// Probability that the text is positive (0..1).
    pub score: f32,
}

impl Sentiment {
    pub fn from_probability(p: f32) -> Self {
        Sentiment {
            label: if p >= 0.5 { "positive" } else { "negative" },
            score: p,
        }
    }
}

/// Anything that labels texts.
pub trait Classifier: Send + Sync {
    fn classify(&self, texts: &[String]) -> Result<Vec<Sentiment>>;
    fn device_name(&self) -> &str;
}

/// Which device runs the model: SENTIMENT_DEVICE=auto|cpu|cuda.
pub fn pick_device(setting: &str) -> Result<Device> {
    match setting {
        "cpu" => Ok(Device::Cpu),
        "cuda" => {
            if !cfg!(feature = "cuda") {
                bail!("SENTIMENT_DEVICE=cuda, but this build has no CUDA; rebuild with --features cuda");
            }
            Device::new_cuda(0).context("no usable CUDA device")
        }
        "auto" => Ok(if cfg!(feature = "cuda") {
            Device::cuda_if_available(0).unwrap_or(Device::Cpu)
        } else {
            Device::Cpu
        }),
        other => bail!("SENTIMENT_DEVICE must be auto, cpu or cuda, not {other:?}"),
    }
}

pub fn device_name(d: &Device) -> &'static str {
    if d.is_cuda() {
        "cuda"
    } else {
        "cpu"
    }
}

/// The fine-tuned BERT classifier loaded from a model folder (model.safetensors, config.json,
/// tokenizer.json).
pub struct BertClassifier {
    model: SentimentModel,
    encoder: Encoder,
    device: Device,
    batch_size: usize,
}

/// Longest input in tokens; longer reviews keep their head and tail.
pub const MAX_TOKENS: usize = 256;

impl BertClassifier {
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        let config: BertConfig = serde_json::from_str(
            &std::fs::read_to_string(dir.join("config.json"))
                .with_context(|| format!("no sentiment model in {}", dir.display()))?,
        )?;
        let weights = dir.join("model.safetensors");
        // SAFETY: the file is memory-mapped read-only and not modified while the model lives.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device)? };
        let model = SentimentModel::load(&config, vb)
            .with_context(|| format!("loading {}", weights.display()))?;
        let encoder = Encoder::load(&dir.join("tokenizer.json"), MAX_TOKENS)?;
        log::info!(
            "sentiment model loaded from {} on {}",
            dir.display(),
            device_name(&device)
        );
        Ok(BertClassifier {
            model,
            encoder,
            device,
            batch_size: 16,
        })
    }
}

impl Classifier for BertClassifier {
    /// Batched, sorted by length so a batch pads little; results in input order.
    fn classify(&self, texts: &[String]) -> Result<Vec<Sentiment>> {
        let encoded: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.encoder.encode(t))
            .collect::<Result<_>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| encoded[i].len());
        let mut out = vec![Sentiment::from_probability(0.5); texts.len()];
        for chunk in order.chunks(self.batch_size) {
            let seqs: Vec<&[u32]> = chunk.iter().map(|&i| encoded[i].as_slice()).collect();
            let (ids, mask) = tokenize::batch(&seqs, &self.device)?;
            let probs = self.model.positive_probability(&ids, &mask)?;
            for (&i, p) in chunk.iter().zip(probs) {
                out[i] = Sentiment::from_probability(p);
            }
        }
        Ok(out)
    }

    fn device_name(&self) -> &str {
        device_name(&self.device)
    }
}

/// Accuracy of a classifier on labelled texts.
pub fn accuracy(c: &dyn Classifier, data: &[(String, u8)]) -> Result<f64> {
    let texts: Vec<String> = data.iter().map(|d| d.0.clone()).collect();
    let mut right = 0usize;
    for (chunk_texts, chunk_data) in texts.chunks(256).zip(data.chunks(256)) {
        let got = c.classify(chunk_texts)?;
        right += got
            .iter()
            .zip(chunk_data)
            .filter(|(s, d)| (s.score >= 0.5) == (d.1 == 1))
            .count();
    }
    Ok(right as f64 / data.len().max(1) as f64)
}
