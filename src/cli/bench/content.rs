//! `bench content`: the content model (TF-IDF, top-k cosine) for N movies.

use super::{peak_rss_mib, round3};
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::dataset::load_catalog;
use cinesense::models::content::{documents, feature_matrix, top_k_cosine, ContentDoc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::Instant;

/// `n` documents: the real catalog first, then seeded recombinations of real fields.
fn synthetic_documents(real: &[ContentDoc], n: usize, seed: u64) -> Vec<ContentDoc> {
    let mut out: Vec<ContentDoc> = real.iter().take(n).cloned().collect();
    let mut rng = StdRng::seed_from_u64(seed);
    while out.len() < n {
        let mut pick = || &real[rng.gen_range(0..real.len())];
        out.push(ContentDoc {
            genres: pick().genres.clone(),
            keywords: pick().keywords.clone(),
            tags: pick().tags.clone(),
            overview: pick().overview.clone(),
            title: pick().title.clone(),
        });
    }
    out
}

pub(super) fn run(settings: &Settings, n: usize) -> Result<()> {
    let catalog = load_catalog(&settings.data_files()?)?;
    let docs = synthetic_documents(&documents(&catalog), n, 7);
    let started = Instant::now();
    let features = feature_matrix(&docs, &settings.field_weights)?;
    let sim = top_k_cosine(&features, settings.similar_k);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"movies": n, "k": sim.k, "threads": rayon::current_num_threads(), "seconds": round3(seconds), "peak_rss_mib": round3(peak_rss_mib())})
    );
    Ok(())
}
