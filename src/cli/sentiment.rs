//! `cinesense sentiment train | examples | export | classify | eval`: the review classifier.

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::sentiment::{accuracy, data, pick_device, Classifier, CpuEngine, Hardware};
use clap::Subcommand;
use serde_json::json;
use std::io::{BufRead, Write};

#[derive(Subcommand, Debug)]
pub enum SentimentCommand {
    /// Fine-tune the BERT classifier (resumable; see data/models/sentiment/MODEL_CARD.md).
    Train(cinesense::sentiment::train::TrainArgs),
    /// Write the encoded training examples as JSON lines {"ids", "label"} for
    /// scripts/train_sentiment.py (the CPU trainer; see the MODEL_CARD).
    Examples {
        #[command(flatten)]
        corpus: cinesense::sentiment::train::CorpusArgs,
        #[arg(long, default_value = "target/sentiment-examples.jsonl")]
        out: std::path::PathBuf,
    },
    /// Write a checkpoint's weights as the served model (f16, with config and tokenizer).
    Export {
        #[arg(long, default_value = "target/sentiment-checkpoint")]
        checkpoint: std::path::PathBuf,
        #[arg(long)]
        base: std::path::PathBuf,
        #[arg(long, default_value = "data/models/sentiment")]
        out: std::path::PathBuf,
    },
    /// Read JSON lines {"text": "..."} on stdin, write {"label", "score"} per line, in order.
    Classify,
    /// Accuracy on the SST-2 dev sentences whose text training never held, the held-out
    /// aclImdb reviews (whole), the UCI IMDb sentences and rt-polarity.
    Eval {
        /// Only the first N of each set.
        #[arg(long)]
        limit: Option<usize>,
        /// On the CPU: `best` (the served engine) or `candle` (f32, for comparison).
        #[arg(long, value_enum, default_value = "best")]
        engine: CpuEngine,
    },
}

fn load(settings: &Settings) -> Result<cinesense::sentiment::BertClassifier> {
    cinesense::sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device)
}

pub fn run(command: SentimentCommand, settings: &Settings) -> Result<()> {
    match command {
        SentimentCommand::Train(args) => {
            let device = pick_device(settings.sentiment_device)?;
            eprintln!("training on {}", Hardware::of(&device));
            cinesense::sentiment::train::train(&args, &device)
        }
        SentimentCommand::Examples { corpus, out } => {
            let n = cinesense::sentiment::train::write_examples(&corpus, &out)?;
            eprintln!("{n} examples written to {}", out.display());
            Ok(())
        }
        SentimentCommand::Export {
            checkpoint,
            base,
            out,
        } => {
            cinesense::sentiment::train::export(&checkpoint, &base, &out)?;
            eprintln!("model written to {}", out.display());
            Ok(())
        }
        SentimentCommand::Classify => classify(settings),
        SentimentCommand::Eval { limit, engine } => eval(settings, limit, engine),
    }
}

/// One output line per input line, in order; a bad line gets an error line, not a crash.
fn classify(settings: &Settings) -> Result<()> {
    let classifier = load(settings)?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut pending: Vec<Result<String, String>> = Vec::new();
    let flush = |pending: &mut Vec<Result<String, String>>, out: &mut dyn Write| -> Result<()> {
        let texts: Vec<String> = pending
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let mut results = classifier.classify(&texts)?.into_iter();
        for p in pending.drain(..) {
            let line = match p {
                Ok(_) => {
                    let s = results.next().expect("one result per text");
                    json!({"label": s.label, "score": (s.score * 1e6).round() / 1e6})
                }
                Err(e) => json!({"error": e}),
            };
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        Ok(())
    };
    for line in stdin.lock().lines() {
        let line = line?;
        let parsed = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) => match v.get("text").and_then(|t| t.as_str()) {
                Some(t) if !t.trim().is_empty() => Ok(t.to_string()),
                Some(_) => Err("empty text".to_string()),
                None => Err("expected {\"text\": \"...\"}".to_string()),
            },
            Err(e) => Err(format!("invalid JSON: {e}")),
        };
        pending.push(parsed);
        if pending.len() >= 64 {
            flush(&mut pending, &mut out)?;
        }
    }
    flush(&mut pending, &mut out)
}

fn eval(settings: &Settings, limit: Option<usize>, engine: CpuEngine) -> Result<()> {
    let classifier = cinesense::sentiment::BertClassifier::load_with(
        &settings.sentiment_model_dir,
        pick_device(settings.sentiment_device)?,
        engine,
    )?;
    eprintln!("engine: {}", classifier.engine());
    let dir = &settings.data_dir.join("sentiment");
    let (_, held) = data::aclimdb(dir)?;
    let sets = [
        ("sst2_dev_unseen", data::sst2_dev_unseen(dir)?),
        ("aclimdb_heldout", held),
        ("uci_imdb", data::uci_imdb(dir)?),
        ("rt_polarity", data::rt_polarity(dir)?),
    ];
    let mut report = serde_json::Map::new();
    for (name, mut set) in sets {
        if let Some(n) = limit {
            // A fixed, label-balanced-enough sample: every k-th example.
            let k = (set.len() / n.max(1)).max(1);
            set = set.into_iter().step_by(k).take(n).collect();
        }
        let started = std::time::Instant::now();
        let acc = accuracy(&classifier, &set)?;
        println!(
            "{name:<16} accuracy {acc:.4}  ({} examples, {:.1} s)",
            set.len(),
            started.elapsed().as_secs_f64()
        );
        report.insert(
            name.to_string(),
            json!({"accuracy": acc, "examples": set.len()}),
        );
    }
    println!("{}", serde_json::Value::Object(report));
    Ok(())
}
