//! `bench content`: the content model (TF-IDF, top-k cosine) for N movies; with
//! `--compare-sklearn`, the scikit-learn TF-IDF + dense cosine pipeline on the same documents in
//! the same run (peers/sklearn_content.py).

use super::round3;
use anyhow::{bail, Context, Result};
use cinesense::config::Settings;
use cinesense::dataset::load_catalog;
use cinesense::memory::peak_rss_mib;
use cinesense::models::content::{
    documents, feature_matrix, top_k_cosine, ContentDoc, FieldWeights,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
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

pub(super) fn run(settings: &Settings, n: usize, compare_sklearn: bool) -> Result<()> {
    let catalog = load_catalog(&settings.data_files()?)?;
    let docs = synthetic_documents(&documents(&catalog), n, 7);
    let started = Instant::now();
    let features = feature_matrix(&docs, &settings.field_weights)?;
    let sim = top_k_cosine(&features, settings.similar_k);
    let seconds = started.elapsed().as_secs_f64();
    let mut figures = json!({"movies": n, "k": sim.k, "threads": rayon::current_num_threads(), "seconds": round3(seconds), "peak_rss_mib": round3(peak_rss_mib())});
    if compare_sklearn {
        let peer = sklearn(&docs, &settings.field_weights, sim.k)?;
        if let Some(s) = peer["seconds"].as_f64() {
            figures["times_faster_than_sklearn"] = json!(round3(s / seconds));
        }
        figures["sklearn"] = peer;
    }
    println!("{figures}");
    Ok(())
}

/// Runs peers/sklearn_content.py (TF-IDF + dense cosine) on the same documents; its figures.
fn sklearn(docs: &[ContentDoc], w: &FieldWeights, k: usize) -> Result<serde_json::Value> {
    let dir = tempfile_dir()?;
    let path = dir.join("docs.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let weights = json!({"genres": w.genres, "keywords": w.keywords, "tags": w.tags, "overview": w.overview, "title": w.title});
    writeln!(out, "{}", json!({ "weights": weights }))?;
    for d in docs {
        let line = json!({"genres": d.genres, "keywords": d.keywords, "tags": d.tags, "overview": d.overview, "title": d.title});
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    drop(out);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/sklearn_content.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(&path)
        .arg(k.to_string())
        .output()
        .context("running python3 (needed for --compare-sklearn)")?;
    let _ = std::fs::remove_dir_all(&dir);
    if !output.status.success() {
        bail!(
            "the scikit-learn peer failed (pip install scikit-learn): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("cinesense-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
