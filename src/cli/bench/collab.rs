//! `bench collab`: MF training on synthetic MovieLens-shaped ratings or a MovieLens file.

use super::round3;
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::dataset::Ratings;
use cinesense::memory::peak_rss_mib;
use cinesense::models::collab::{synthetic::synthetic_ratings, MfModel, MfParams};
use serde_json::json;
use std::time::Instant;

pub(super) fn run(
    n: Option<usize>,
    file: Option<std::path::PathBuf>,
    factors: usize,
    epochs: usize,
    settings: &Settings,
) -> Result<()> {
    let ratings = match (n, file) {
        (_, Some(path)) => Ratings::load_raw(&path)?,
        (Some(n), None) => synthetic_ratings(n, 25),
        (None, None) => anyhow::bail!("give --ratings N or --file ratings.csv"),
    };
    let params = MfParams {
        factors,
        epochs,
        ..settings.mf
    };
    let started = Instant::now();
    let model = MfModel::train(
        &ratings.entries,
        ratings.n_users(),
        ratings.n_items,
        &params,
        None,
    );
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(&model);
    println!(
        "{}",
        json!({"ratings": ratings.len(), "users": ratings.n_users(), "items": ratings.n_items, "factors": factors, "epochs": epochs,
               "threads": rayon::current_num_threads(), "seconds": round3(seconds), "peak_rss_mib": round3(peak_rss_mib())})
    );
    Ok(())
}
