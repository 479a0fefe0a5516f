//! `bench recommend`: fold-in of a new user, and a member's top 10 (fold-in and the hybrid).

use super::{percentile, round3};
use anyhow::{Context, Result};
use cinesense::config::Settings;
use cinesense::index;
use cinesense::models::collab::fold_in;
use cinesense::services::members::Profile;
use cinesense::services::recommendations::Recommendations;
use serde_json::json;
use std::time::Instant;

pub(super) fn run(settings: &Settings) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let user = (0..a.ratings.n_users())
        .map(|u| a.ratings.of_user(u))
        .find(|r| r.len() >= 40)
        .context("no user with 40 ratings")?;
    let rated: Vec<(usize, f32)> = user.take(20).map(|r| (r.item as usize, r.value)).collect();
    let reps = 200;
    let mut fold = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(fold_in(&a.mf, &rated, settings.fold_in_reg));
        fold.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    fold.sort_by(f64::total_cmp);
    // What GET /api/me/recommendations computes: fold-in, then the hybrid over the catalog.
    let member = Profile {
        ratings: rated
            .iter()
            .map(|&(row, stars)| (a.catalog.at(row).id, stars))
            .collect(),
        genres: vec![
            "Comedy".to_string(),
            "Drama".to_string(),
            "Action".to_string(),
        ],
        ..Default::default()
    };
    let catalog_len = a.catalog.len();
    let recommendations = Recommendations::new(std::sync::Arc::new(a), settings);
    let mut top = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(recommendations.for_member(&member, 10));
        top.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    top.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({"fold_in_ratings": rated.len(), "fold_in_p50_ms": round3(percentile(&fold, 0.5)), "fold_in_p99_ms": round3(percentile(&fold, 0.99)),
               "member_top10_p50_ms": round3(percentile(&top, 0.5)), "member_top10_p99_ms": round3(percentile(&top, 0.99)), "catalog": catalog_len})
    );
    Ok(())
}
