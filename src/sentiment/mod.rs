//! Review sentiment: a BERT classifier (all-MiniLM-L6-v2 fine-tuned by `cinesense sentiment
//! train`) on candle, CPU by default or CUDA when built with `--features cuda`.
//!
//! Behind the `Classifier` trait so another backend (rust-bert where libtorch is installed,
//! ONNX Runtime) can be added as a cargo feature without touching the callers.

pub(crate) mod bert;
pub mod data;
pub(crate) mod tokenize;
pub mod train;

use anyhow::{bail, Context, Result};
use bert::{BertConfig, SentimentModel};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokenize::Encoder;
use utoipa::ToSchema;

/// Which way a text leans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Positive,
    Negative,
}

/// One text's sentiment: the label and P(positive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sentiment {
    pub label: Label,
    /// Probability that the text is positive (0..1).
    pub score: f32,
}

impl Sentiment {
    pub(crate) fn from_probability(p: f32) -> Self {
        Sentiment {
            label: if p >= 0.5 {
                Label::Positive
            } else {
                Label::Negative
            },
            score: p,
        }
    }
}

/// The hardware a classifier runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Hardware {
    Cpu,
    Cuda,
}

impl Hardware {
    pub fn of(d: &Device) -> Self {
        if d.is_cuda() {
            Hardware::Cuda
        } else {
            Hardware::Cpu
        }
    }
}

impl std::fmt::Display for Hardware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Hardware::Cpu => "cpu",
            Hardware::Cuda => "cuda",
        })
    }
}

/// Anything that labels texts.
pub trait Classifier: Send + Sync {
    fn classify(&self, texts: &[String]) -> Result<Vec<Sentiment>>;
    fn hardware(&self) -> Hardware;
}

/// SENTIMENT_DEVICE: where the model should run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    /// CUDA when this build has it and a GPU answers, else the CPU.
    Auto,
    Cpu,
    Cuda,
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda),
            other => Err(format!("expected auto, cpu or cuda, not {other:?}")),
        }
    }
}

/// The candle device for a choice; asking for CUDA without it is an error, not a fallback.
pub fn pick_device(choice: DeviceChoice) -> Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Cuda => {
            if !cfg!(feature = "cuda") {
                bail!("SENTIMENT_DEVICE=cuda, but this build has no CUDA; rebuild with --features cuda");
            }
            Device::new_cuda(0).context("no usable CUDA device")
        }
        DeviceChoice::Auto => Ok(if cfg!(feature = "cuda") {
            Device::cuda_if_available(0).unwrap_or(Device::Cpu)
        } else {
            Device::Cpu
        }),
    }
}

/// The served classifier: the model in `dir` on the chosen device.
pub fn load(dir: &Path, choice: DeviceChoice) -> Result<BertClassifier> {
    BertClassifier::load(dir, pick_device(choice)?)
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
pub(crate) const MAX_TOKENS: usize = 256;

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
            Hardware::of(&device)
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

    fn hardware(&self) -> Hardware {
        Hardware::of(&self.device)
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
