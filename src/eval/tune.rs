//! Hyper-parameters chosen on the data at hand, on a validation split cut from the training
//! data (each user's latest training rating held out), never on test items. The best EASE^R λ
//! differs between MovieLens releases (200 on ml-latest-small, 50 on ml-100k), so the build and
//! `eval` both choose it from a small grid instead of using a constant.

use super::ranking::{leave_latest_out, ndcg_at};
use crate::dataset::Rating;
use crate::models::collab::EaseModel;
use anyhow::Result;
use rayon::prelude::*;
use std::collections::HashSet;

/// λ values tried, a factor of 2 apart.
pub const LAMBDA_GRID: [f32; 7] = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0];

/// Validation NDCG@20 over the whole catalog for each λ of `LAMBDA_GRID`, on `train`.
pub fn ease_validation(
    train: &[Rating],
    n_users: usize,
    n_items: usize,
) -> Result<Vec<(f32, f64)>> {
    let (fit_part, held) = leave_latest_out(train, n_users);
    let mut seen: Vec<Vec<usize>> = vec![Vec::new(); n_users];
    for r in &fit_part {
        seen[r.user as usize].push(r.item as usize);
    }
    LAMBDA_GRID
        .iter()
        .map(|&lambda| {
            let model = EaseModel::fit(&fit_part, n_users, n_items, lambda)?;
            let total: f64 = held
                .par_iter()
                .map(|h| {
                    let rated = &seen[h.user as usize];
                    let excluded: HashSet<usize> = rated.iter().copied().collect();
                    let scores = model.scores(rated);
                    let target = scores[h.item as usize];
                    // Ties count against the held-out item, as in the ranking protocol.
                    let rank = (0..n_items)
                        .filter(|&j| j != h.item as usize && !excluded.contains(&j))
                        .filter(|&j| scores[j] >= target)
                        .count();
                    ndcg_at(rank, 20)
                })
                .sum();
            Ok((lambda, total / held.len().max(1) as f64))
        })
        .collect()
}

/// EASE^R fitted on all of `train` with the λ that did best on validation; returns it and λ.
pub fn fit_ease(train: &[Rating], n_users: usize, n_items: usize) -> Result<(EaseModel, f32)> {
    let table = ease_validation(train, n_users, n_items)?;
    let (lambda, ndcg) = table
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a non-empty grid");
    log::info!("EASE^R: λ = {lambda} (validation NDCG@20 {ndcg:.4}; grid {table:?})");
    Ok((EaseModel::fit(train, n_users, n_items, lambda)?, lambda))
}
