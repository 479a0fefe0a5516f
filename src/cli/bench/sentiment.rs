//! `bench sentiment`: reviews per second of the sentiment classifier on held-out aclImdb reviews.

use super::round3;
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::sentiment::Classifier;
use serde_json::json;
use std::time::Instant;

pub(super) fn run(settings: &Settings, n: usize) -> Result<()> {
    let classifier =
        cinesense::sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device)?;
    let (_, held) = cinesense::sentiment::data::aclimdb(&settings.data_dir.join("sentiment"))?;
    let texts: Vec<String> = held.into_iter().take(n).map(|r| r.0).collect();
    let started = Instant::now();
    let labels = classifier.classify(&texts)?;
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(labels);
    println!(
        "{}",
        json!({"reviews": texts.len(), "seconds": round3(seconds), "reviews_per_second": round3(texts.len() as f64 / seconds),
               "device": classifier.hardware(), "threads": rayon::current_num_threads()})
    );
    Ok(())
}
