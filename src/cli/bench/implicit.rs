//! `bench implicit`: EASE^R's fit time and memory, and a new user's scores over the catalog.

use super::{peak_rss_mib, percentile, round3};
use anyhow::Result;
use cinesense::dataset::Ratings;
use cinesense::models::collab::{synthetic::synthetic_ratings, EaseModel};
use serde_json::json;
use std::time::Instant;

pub(super) fn run(n: Option<usize>, file: Option<std::path::PathBuf>, lambda: f32) -> Result<()> {
    let ratings = match (n, file) {
        (_, Some(path)) => Ratings::load_raw(&path)?,
        (Some(n), None) => synthetic_ratings(n, 25),
        (None, None) => anyhow::bail!("give --ratings N or --file ratings.csv"),
    };
    let started = Instant::now();
    let model = EaseModel::fit(&ratings.entries, ratings.n_users(), ratings.n_items, lambda)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    // A new user: 20 of the most rated items, scored against the whole catalog 200 times.
    let mut counts = vec![0u32; ratings.n_items];
    for r in &ratings.entries {
        counts[r.item as usize] += 1;
    }
    let mut items: Vec<usize> = (0..ratings.n_items).collect();
    items.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    let rated: Vec<usize> = items.into_iter().step_by(3).take(20).collect();
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        std::hint::black_box(model.scores(&rated));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({"ratings": ratings.len(), "users": ratings.n_users(), "items": ratings.n_items, "lambda": lambda,
               "threads": rayon::current_num_threads(), "fit_seconds": round3(fit_seconds), "peak_rss_mib": round3(peak_rss_mib()),
               "new_user_scores_p50_ms": round3(percentile(&times, 0.5)), "new_user_scores_p99_ms": round3(percentile(&times, 0.99))})
    );
    Ok(())
}
