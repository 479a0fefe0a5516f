//! Review sentiment: a BERT classifier (all-MiniLM-L6-v2 fine-tuned by `cinesense sentiment
//! train`). On a CPU with AVX-512 VNNI or AVX2 the project's 8-bit kernels run it (`cpu`); elsewhere candle does
//! (`bert`), CPU or CUDA when built with `--features cuda`. Training: `train` on candle (CUDA,
//! where the GPU machine has nothing but cargo), or scripts/train_sentiment.py (PyTorch, several
//! times faster on a CPU) on the examples `train::write_examples` encodes; both write the same
//! weight names, which `train::export` turns into the served model.
//!
//! Behind the `Classifier` trait so another backend (rust-bert where libtorch is installed,
//! ONNX Runtime) can be added as a cargo feature without touching the callers.

pub(crate) mod bert;
#[cfg(target_arch = "x86_64")]
mod cpu;
pub mod data;
pub(crate) mod tokenize;
pub mod train;

use anyhow::{bail, Context, Result};
use bert::{BertConfig, SentimentModel};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use rayon::prelude::*;
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
    engine: Engine,
    encoder: Encoder,
}

/// What runs the model's forward pass.
enum Engine {
    /// candle's tensors: CUDA, or a CPU with neither AVX-512 VNNI nor AVX2.
    Candle {
        model: SentimentModel,
        device: Device,
        batch_size: usize,
    },
    /// The project's 8-bit kernels (`cpu`, AVX-512 VNNI or AVX2): several times faster than candle.
    #[cfg(target_arch = "x86_64")]
    Kernels(cpu::Model),
}

/// The engines a CPU classifier can run on; `bench sentiment` times each one this CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CpuEngine {
    /// Whichever is fastest here: the kernels where the CPU has AVX-512 VNNI or AVX2, else candle.
    Best,
    /// The kernels in AVX-512 VNNI (an error where the CPU lacks it).
    Avx512,
    /// The kernels in AVX2, also on a CPU with AVX-512: what most laptops and desktops run.
    Avx2,
    /// candle's f32 forward pass, which the kernels replaced.
    Candle,
}

impl CpuEngine {
    /// Whether this CPU runs the engine (`Best` and `Candle` run anywhere).
    pub fn runs_here(self) -> bool {
        match self {
            CpuEngine::Best | CpuEngine::Candle => true,
            #[cfg(target_arch = "x86_64")]
            CpuEngine::Avx512 | CpuEngine::Avx2 => self.isa().is_some_and(|isa| isa.available()),
            #[cfg(not(target_arch = "x86_64"))]
            CpuEngine::Avx512 | CpuEngine::Avx2 => false,
        }
    }

    /// The kernels' instruction set this engine asks for: `None` for candle, and for `Best`
    /// on a CPU with neither.
    #[cfg(target_arch = "x86_64")]
    fn isa(self) -> Option<cpu::Isa> {
        match self {
            CpuEngine::Best => cpu::Isa::detect(),
            CpuEngine::Avx512 => Some(cpu::Isa::Avx512Vnni),
            CpuEngine::Avx2 => Some(cpu::Isa::Avx2),
            CpuEngine::Candle => None,
        }
    }
}

/// Longest input in tokens; longer reviews keep their head and tail.
pub(crate) const MAX_TOKENS: usize = 256;

impl BertClassifier {
    /// The model in `dir` on `device`; on the CPU, the fastest engine this CPU runs.
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        Self::load_with(dir, device, CpuEngine::Best)
    }

    pub fn load_with(dir: &Path, device: Device, cpu_engine: CpuEngine) -> Result<Self> {
        let config: BertConfig = serde_json::from_str(
            &std::fs::read_to_string(dir.join("config.json"))
                .with_context(|| format!("no sentiment model in {}", dir.display()))?,
        )?;
        let weights = dir.join("model.safetensors");
        let encoder = Encoder::load(&dir.join("tokenizer.json"), MAX_TOKENS)?;
        #[cfg(target_arch = "x86_64")]
        if let Some(isa) = cpu_engine.isa().filter(|_| device.is_cpu()) {
            // `Best` falls back to candle on a head size the kernels lack; an instruction set
            // asked for by name loads or fails (`Model::load` names what is missing).
            if cpu::fits(&config) || cpu_engine != CpuEngine::Best {
                let model = cpu::Model::load(&config, &weights, isa)
                    .with_context(|| format!("loading {}", weights.display()))?;
                log::info!(
                    "sentiment model loaded from {} on the CPU's {} (8-bit)",
                    dir.display(),
                    isa.name()
                );
                return Ok(BertClassifier {
                    engine: Engine::Kernels(model),
                    encoder,
                });
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        if matches!(cpu_engine, CpuEngine::Avx512 | CpuEngine::Avx2) {
            bail!("the kernels need an x86-64 CPU");
        }
        // SAFETY: the file is memory-mapped read-only and not modified while the model lives.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device)? };
        let model = SentimentModel::load(&config, vb)
            .with_context(|| format!("loading {}", weights.display()))?;
        log::info!(
            "sentiment model loaded from {} on {} (candle)",
            dir.display(),
            Hardware::of(&device)
        );
        Ok(BertClassifier {
            engine: Engine::Candle {
                model,
                device,
                batch_size: 16,
            },
            encoder,
        })
    }

    /// Which engine runs the model, in a word: `kernels` or `candle`.
    pub fn engine(&self) -> &'static str {
        match self.engine {
            Engine::Candle { .. } => "candle",
            #[cfg(target_arch = "x86_64")]
            Engine::Kernels(_) => "kernels",
        }
    }

    /// The engine this classifier runs, by the name `load_with` takes (`Candle` on a GPU too).
    pub fn cpu_engine(&self) -> CpuEngine {
        match &self.engine {
            Engine::Candle { .. } => CpuEngine::Candle,
            #[cfg(target_arch = "x86_64")]
            Engine::Kernels(model) => match model.isa() {
                cpu::Isa::Avx512Vnni => CpuEngine::Avx512,
                cpu::Isa::Avx2 => CpuEngine::Avx2,
            },
        }
    }

    /// The instruction set the kernels run on (`AVX-512 VNNI` or `AVX2`); none on candle.
    pub fn instruction_set(&self) -> Option<&'static str> {
        match &self.engine {
            Engine::Candle { .. } => None,
            #[cfg(target_arch = "x86_64")]
            Engine::Kernels(model) => Some(model.isa().name()),
        }
    }
}

impl Classifier for BertClassifier {
    /// On candle: batched, sorted by length so a batch pads little. Results in input order.
    fn classify(&self, texts: &[String]) -> Result<Vec<Sentiment>> {
        let encoded: Vec<Vec<u32>> = texts
            .par_iter()
            .map(|t| self.encoder.encode(t))
            .collect::<Result<_>>()?;
        let (model, device, batch_size) = match &self.engine {
            #[cfg(target_arch = "x86_64")]
            Engine::Kernels(model) => {
                let seqs: Vec<&[u32]> = encoded.iter().map(Vec::as_slice).collect();
                return Ok(model
                    .positive_probability(&seqs)?
                    .into_iter()
                    .map(Sentiment::from_probability)
                    .collect());
            }
            Engine::Candle {
                model,
                device,
                batch_size,
            } => (model, device, *batch_size),
        };
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| encoded[i].len());
        let mut out = vec![Sentiment::from_probability(0.5); texts.len()];
        for chunk in order.chunks(batch_size) {
            let seqs: Vec<&[u32]> = chunk.iter().map(|&i| encoded[i].as_slice()).collect();
            let (ids, mask) = tokenize::batch(&seqs, device)?;
            let probs = model.positive_probability(&ids, &mask)?;
            for (&i, p) in chunk.iter().zip(probs) {
                out[i] = Sentiment::from_probability(p);
            }
        }
        Ok(out)
    }

    fn hardware(&self) -> Hardware {
        match &self.engine {
            Engine::Candle { device, .. } => Hardware::of(device),
            #[cfg(target_arch = "x86_64")]
            Engine::Kernels(_) => Hardware::Cpu,
        }
    }
}

/// Whether `c` labels each example of `data` right, in order.
pub fn judged(c: &dyn Classifier, data: &[(String, u8)]) -> Result<Vec<bool>> {
    let texts: Vec<String> = data.iter().map(|d| d.0.clone()).collect();
    let mut out = Vec::with_capacity(data.len());
    for (chunk_texts, chunk_data) in texts.chunks(256).zip(data.chunks(256)) {
        let got = c.classify(chunk_texts)?;
        out.extend(
            got.iter()
                .zip(chunk_data)
                .map(|(s, d)| (s.score >= 0.5) == (d.1 == 1)),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each instruction set's kernels this CPU runs (the served ones, and AVX2 on a CPU with
    /// AVX-512 too) and candle give the committed model the same answers on held-out reviews.
    /// The kernels' linear layers round inputs and weights to 8 bits, so scores move a little:
    /// on 302 texts the mean difference was 0.004 and the largest 0.046 (the bounds here leave
    /// room for that and fail on a broken kernel, whose scores would be unrelated).
    #[test]
    fn the_kernels_agree_with_candle() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("data/models/sentiment");
        let engines: Vec<CpuEngine> = [CpuEngine::Avx512, CpuEngine::Avx2]
            .into_iter()
            .filter(|e| e.runs_here())
            .collect();
        if engines.is_empty() {
            eprintln!(
                "SKIPPED: this CPU has neither AVX-512 VNNI nor AVX2, so both engines are candle"
            );
            return;
        }
        let (_, held) = data::aclimdb(&root.join("data/sentiment")).unwrap();
        let mut texts: Vec<String> = held.into_iter().take(24).map(|r| r.0).collect();
        texts.push("Loved it.".into());
        texts.push("A dull, joyless slog.".into());
        let slow = BertClassifier::load_with(&dir, Device::Cpu, CpuEngine::Candle).unwrap();
        let b = slow.classify(&texts).unwrap();
        for engine in engines {
            let fast = BertClassifier::load_with(&dir, Device::Cpu, engine).unwrap();
            assert_eq!(fast.engine(), "kernels");
            let a = fast.classify(&texts).unwrap();
            let diffs: Vec<f32> = a
                .iter()
                .zip(&b)
                .map(|(a, b)| (a.score - b.score).abs())
                .collect();
            let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
            let max = diffs.iter().copied().fold(0.0, f32::max);
            assert!(
                mean < 0.01 && max < 0.08,
                "{engine:?}: mean {mean}, max {max}"
            );
            for (a, b) in a.iter().zip(&b) {
                if (b.score - 0.5).abs() > 0.08 {
                    assert_eq!(a.label, b.label, "{engine:?}: {} vs {}", a.score, b.score);
                }
            }
        }
    }
}
