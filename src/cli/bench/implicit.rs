//! `bench implicit`: the implicit model's fit time and memory, and a new user's scores over the
//! catalog (its fold-in: EASE^R reads the rated set, iALS solves one k×k system).

use super::{percentile, round3};
use anyhow::Result;
use cinesense::dataset::Ratings;
use cinesense::memory::peak_rss_mib;
use cinesense::models::collab::{
    ease, synthetic::synthetic_ratings, EaseModel, IalsModel, IalsParams, ImplicitModel,
};
use clap::ValueEnum;
use indicatif::ProgressBar;
use serde_json::json;
use std::time::Instant;

/// Which implicit model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Choice {
    /// What `build` picks: EASE^R where its dense matrix fits, iALS otherwise.
    Auto,
    Ease,
    Ials,
}

pub(super) fn run(
    n: Option<usize>,
    file: Option<std::path::PathBuf>,
    choice: Choice,
    lambda: f32,
) -> Result<()> {
    let ratings = match (n, file) {
        (_, Some(path)) => Ratings::load_raw(&path)?,
        (Some(n), None) => synthetic_ratings(n, 25),
        (None, None) => anyhow::bail!("give --ratings N or --file ratings.csv"),
    };
    let (nu, ni) = (ratings.n_users(), ratings.n_items);
    let choice = match choice {
        Choice::Auto if nu.min(ni) <= ease::MAX_DENSE => Choice::Ease,
        Choice::Auto => Choice::Ials,
        c => c,
    };
    let started = Instant::now();
    let model = if choice == Choice::Ease {
        ImplicitModel::Ease(EaseModel::fit(&ratings.entries, nu, ni, lambda)?)
    } else {
        let params = IalsParams::default();
        let bar = ProgressBar::new(params.iterations as u64);
        let m = IalsModel::fit(&ratings.entries, nu, ni, &params, Some(&bar));
        bar.finish_and_clear();
        ImplicitModel::Ials(m?)
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    // A new user: 20 of the most rated items, scored against the whole catalog 200 times.
    let mut counts = vec![0u32; ni];
    for r in &ratings.entries {
        counts[r.item as usize] += 1;
    }
    let mut items: Vec<usize> = (0..ni).collect();
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
        json!({"ratings": ratings.len(), "users": nu, "items": ni, "model": model.describe(),
               "threads": rayon::current_num_threads(), "fit_seconds": round3(fit_seconds), "peak_rss_mib": round3(peak_rss_mib()),
               "new_user_scores_p50_ms": round3(percentile(&times, 0.5)), "new_user_scores_p99_ms": round3(percentile(&times, 0.99))})
    );
    Ok(())
}
