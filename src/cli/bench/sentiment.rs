//! `bench sentiment`: reviews per second of the sentiment classifier on held-out aclImdb
//! reviews, with the engine the server uses and, on the same reviews, every other CPU engine
//! this machine runs: the AVX2 kernels where the served ones are AVX-512, and candle's f32
//! path that the kernels replaced.

use super::round3;
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::sentiment::{BertClassifier, Classifier, CpuEngine};
use serde_json::{json, Value};
use std::time::Instant;

pub(super) fn run(settings: &Settings, n: usize) -> Result<()> {
    let device = cinesense::sentiment::pick_device(settings.sentiment_device)?;
    let dir = &settings.sentiment_model_dir;
    let served = BertClassifier::load(dir, device.clone())?;
    let (_, held) = cinesense::sentiment::data::aclimdb(&settings.data_dir.join("sentiment"))?;
    let texts: Vec<String> = held.into_iter().take(n).map(|r| r.0).collect();
    let mut runs = vec![time(&served, &texts)?];
    // On the same reviews, each other engine this CPU runs: the AVX2 kernels where the served
    // ones are AVX-512 (what most laptops and desktops get), and candle, which they replaced.
    if device.is_cpu() {
        for engine in [CpuEngine::Avx2, CpuEngine::Candle]
            .into_iter()
            .filter(|&e| e.runs_here() && e != served.cpu_engine())
        {
            let other = BertClassifier::load_with(dir, device.clone(), engine)?;
            runs.push(time(&other, &texts)?);
        }
    }
    println!(
        "{}",
        json!({"reviews": texts.len(), "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
               "threads": rayon::current_num_threads(), "device": served.hardware(), "runs": runs})
    );
    Ok(())
}

fn time(classifier: &BertClassifier, texts: &[String]) -> Result<Value> {
    let started = Instant::now();
    let labels = classifier.classify(texts)?;
    let seconds = started.elapsed().as_secs_f64();
    let positive = labels.iter().filter(|s| s.score >= 0.5).count();
    Ok(
        json!({"engine": classifier.engine(), "instructions": classifier.instruction_set(), "seconds": round3(seconds),
              "reviews_per_second": round3(texts.len() as f64 / seconds), "labelled_positive": positive}),
    )
}
