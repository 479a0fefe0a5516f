//! `bench release`: writes a MovieLens-shaped release of any size (`dataset::generate`), drawn
//! from the catalog in MOVIELENS_DIR, and prints what it wrote, the time and the peak memory.

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::dataset::generate::{generate, seeds_from, ReleaseShape};
use std::path::Path;

pub fn run(settings: &Settings, shape: ReleaseShape, out: &Path, quiet: bool) -> Result<()> {
    let shape = shape
        .checked()
        .map_err(|e| crate::cli::BadInput(e.to_string()))?;
    let started = std::time::Instant::now();
    let (seeds, tags) = seeds_from(&settings.movielens_dir)?;
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    let written = generate(shape, &seeds, &tags, out, &bar)?;
    bar.finish_and_clear();
    let bytes: u64 = ["movies.csv", "ratings.csv", "links.csv", "tags.csv"]
        .iter()
        .filter_map(|f| std::fs::metadata(out.join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "out": out.display().to_string(),
            "movies": written.movies,
            "users": written.users,
            "ratings": written.ratings,
            "tags": written.tags,
            "seed": shape.seed,
            "seconds": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            "megabytes": bytes / (1 << 20),
            "peak_rss_mib": cinesense::memory::peak_rss_mib().round(),
        })
    );
    Ok(())
}
