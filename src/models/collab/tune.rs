//! Hyper-parameters chosen on the data at hand, on a validation split cut from the training
//! data (each user's latest training rating held out), never on test items. The best EASE^R λ
//! differs between MovieLens releases (200 on ml-latest-small, 50 on ml-100k), so the build and
//! `eval` choose it and iALS's λ from small grids instead of using constants.
//!
//! Which implicit models (`ImplicitModel`): EASE^R and iALS where EASE^R's dense matrix fits
//! (`ease::MAX_DENSE`), iALS alone otherwise.

use super::{ease, EaseModel, IalsModel, IalsParams, ImplicitModel};
use crate::dataset::Rating;
use crate::models::holdout::{leave_latest_out, ndcg_at};
use anyhow::Result;
use rayon::prelude::*;
use std::collections::HashSet;

/// λ values tried for EASE^R, a factor of 2 apart.
const LAMBDA_GRID: [f32; 7] = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0];
/// λ values tried for iALS (α stays at its default).
const IALS_LAMBDA_GRID: [f32; 3] = [1.0, 10.0, 100.0];

/// `train` less each user's latest rating (to fit on), that rating (the target), and what each
/// user rated in the fitting part.
struct Validation {
    fit_part: Vec<Rating>,
    held: Vec<Rating>,
    seen: Vec<Vec<usize>>,
    n_items: usize,
}

impl Validation {
    fn new(train: &[Rating], n_users: usize, n_items: usize) -> Self {
        let (fit_part, held) = leave_latest_out(train, n_users);
        let mut seen: Vec<Vec<usize>> = vec![Vec::new(); n_users];
        for r in &fit_part {
            seen[r.user as usize].push(r.item as usize);
        }
        Validation {
            fit_part,
            held,
            seen,
            n_items,
        }
    }

    /// Mean NDCG@20 over the whole catalog of the held-out ratings under `scores`.
    fn ndcg(&self, scores: impl Fn(&[usize]) -> Vec<f32> + Sync) -> f64 {
        let total: f64 = self
            .held
            .par_iter()
            .map(|h| {
                let rated = &self.seen[h.user as usize];
                let excluded: HashSet<usize> = rated.iter().copied().collect();
                let scores = scores(rated);
                let target = scores[h.item as usize];
                // Ties count against the held-out item, as in the ranking protocol.
                let rank = (0..self.n_items)
                    .filter(|&j| j != h.item as usize && !excluded.contains(&j))
                    .filter(|&j| scores[j] >= target)
                    .count();
                ndcg_at(rank, 20)
            })
            .sum();
        total / self.held.len().max(1) as f64
    }
}

/// The best of `grid` by validation NDCG@20 of the model `fit` makes; logs the table.
fn best_of<M>(
    what: &str,
    grid: &[f32],
    v: &Validation,
    fit: impl Fn(f32) -> Result<M>,
    scores: impl Fn(&M, &[usize]) -> Vec<f32> + Sync,
) -> Result<(f32, M)>
where
    M: Sync,
{
    let mut best: Option<(f32, M, f64)> = None;
    let mut table = Vec::new();
    for &value in grid {
        let model = fit(value)?;
        let ndcg = v.ndcg(|rated| scores(&model, rated));
        table.push((value, (ndcg * 1e4).round() / 1e4));
        if best.as_ref().is_none_or(|b| ndcg > b.2) {
            best = Some((value, model, ndcg));
        }
    }
    let (value, model, ndcg) = best.expect("a non-empty grid");
    log::info!("{what}: {value} (validation NDCG@20 {ndcg:.4}; grid {table:?})");
    Ok((value, model))
}

/// EASE^R fitted on all of `train` with the λ that did best on validation `v` (cut from it).
fn fit_ease(v: &Validation, train: &[Rating], n_users: usize, n_items: usize) -> Result<EaseModel> {
    let (lambda, _) = best_of(
        "EASE^R λ",
        &LAMBDA_GRID,
        v,
        |l| EaseModel::fit(&v.fit_part, n_users, n_items, l),
        |m, rated| m.scores(rated),
    )?;
    EaseModel::fit(train, n_users, n_items, lambda)
}

fn ials_params(lambda: f32) -> IalsParams {
    IalsParams {
        lambda,
        ..Default::default()
    }
}

/// iALS fitted on all of `train` with the λ that did best on validation `v` (cut from it).
fn fit_ials(v: &Validation, train: &[Rating], n_users: usize, n_items: usize) -> Result<IalsModel> {
    let (lambda, _) = best_of(
        "iALS λ",
        &IALS_LAMBDA_GRID,
        v,
        |l| IalsModel::fit(&v.fit_part, n_users, n_items, &ials_params(l), None),
        |m, rated| m.scores(rated),
    )?;
    IalsModel::fit(train, n_users, n_items, &ials_params(lambda), None)
}

/// The implicit model for `train`. Where EASE^R fits: EASE^R and iALS, each with its λ chosen
/// on validation, refitted on all of `train` (the hybrid's blend settings say how to mix
/// them). Otherwise iALS with its defaults (a grid would multiply a build that already takes
/// minutes at that size). `imported` iALS factors (trained on Spark from the same ratings)
/// stand in for fitting iALS here.
pub fn fit_implicit(
    train: &[Rating],
    n_users: usize,
    n_items: usize,
    imported: Option<IalsModel>,
) -> Result<ImplicitModel> {
    if n_users.min(n_items) > ease::MAX_DENSE {
        log::info!("EASE^R's dense matrix would not fit ({n_users} users, {n_items} items): iALS");
        let model = match imported {
            Some(model) => model,
            None => IalsModel::fit(train, n_users, n_items, &IalsParams::default(), None)?,
        };
        return Ok(ImplicitModel::Ials(model));
    }
    // One validation split for both models.
    let v = Validation::new(train, n_users, n_items);
    let ease = fit_ease(&v, train, n_users, n_items)?;
    let ials = match imported {
        Some(model) => model,
        None => fit_ials(&v, train, n_users, n_items)?,
    };
    Ok(ImplicitModel::Both { ease, ials })
}
