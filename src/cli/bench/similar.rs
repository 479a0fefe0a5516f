//! `bench similar`: "more like this" for seeded films that enough people rated for co-watching
//! to count (the costly path), over HTTP with one keep-alive client.

use super::{percentile, round3, spawn_app};
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::index;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::Instant;

/// Ratings a film needs to be asked about (co-watching counts from 10).
const MIN_RATINGS: u32 = 10;

pub(super) fn run(settings: &Settings, films: usize) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let eligible: Vec<u32> = a
        .catalog
        .movies()
        .iter()
        .filter(|m| m.rating_count >= MIN_RATINGS)
        .map(|m| m.id)
        .collect();
    anyhow::ensure!(
        !eligible.is_empty(),
        "no film has {MIN_RATINGS} ratings: nothing to ask about"
    );
    let mut rng = StdRng::seed_from_u64(300);
    let ids: Vec<u32> = (0..films)
        .map(|_| eligible[rng.gen_range(0..eligible.len())])
        .collect();
    let movies = a.catalog.len();
    let db = std::env::temp_dir().join(format!("cinesense-bench-{}.sqlite", std::process::id()));
    let http = spawn_app(settings, a, &db.display().to_string())?;
    // One warm-up round, then the measured one.
    for round in 0..2 {
        let mut times = Vec::with_capacity(ids.len());
        let started = Instant::now();
        for id in &ids {
            let path = format!("/api/movies/{id}/similar");
            let t = Instant::now();
            let (status, _) = http.send(reqwest::Method::GET, &path, None, None)?;
            anyhow::ensure!(status == 200, "{path} answered {status}");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let total = started.elapsed().as_secs_f64();
        times.sort_by(f64::total_cmp);
        if round == 1 {
            println!(
                "{}",
                json!({
                    "movies": movies,
                    "films_asked": ids.len(),
                    "http": {
                        "p50_ms": round3(percentile(&times, 0.5)),
                        "p99_ms": round3(percentile(&times, 0.99)),
                        "requests_per_second": (ids.len() as f64 / total).round(),
                    }
                })
            );
        }
    }
    let _ = std::fs::remove_file(&db);
    Ok(())
}
