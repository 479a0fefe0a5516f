//! Offline evaluation, every model measured the same way with a fixed seed.
//!
//! - Rating prediction: 5-fold cross-validation over all ratings (random split), RMSE and MAE
//!   of the global mean, the bias-only baseline and MF.
//! - Ranking: leave-one-out of each user's latest rating; HR@10 and NDCG@10 against 99 sampled
//!   unrated movies (the NCF protocol), and Recall@20 and NDCG@20 over all unrated movies, for
//!   popular, content, MF and hybrid.

use crate::dataset::Catalog;
use crate::dataset::{Rating, Ratings};
use crate::models::collab::{MfModel, MfParams};
use crate::models::content::SimilarityMatrix;
use crate::models::hybrid::{self, BlendParams, Model, Profile, Signals};
use crate::models::popularity;
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

/// Results keyed as `cinesense eval --json` prints them.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EvalReport {
    pub rmse: BTreeMap<String, f64>,
    pub mae: BTreeMap<String, f64>,
    pub hr10: BTreeMap<String, f64>,
    pub ndcg10: BTreeMap<String, f64>,
    pub recall20: BTreeMap<String, f64>,
    pub ndcg20: BTreeMap<String, f64>,
    /// Mean seconds to fit MF on one CV fold.
    pub fit_seconds: f64,
    pub folds: usize,
    pub ratings: usize,
    pub users_ranked: usize,
    pub seed: u64,
}

/// Regularised user and item biases (a few alternating passes), the "bias-only" baseline.
pub(crate) struct Biases {
    pub mean: f32,
    pub user: Vec<f32>,
    pub item: Vec<f32>,
}

impl Biases {
    pub(crate) fn fit(train: &[Rating], n_users: usize, n_items: usize) -> Self {
        let mean =
            train.iter().map(|r| r.value as f64).sum::<f64>() as f32 / train.len().max(1) as f32;
        let (mut user, mut item) = (vec![0f32; n_users], vec![0f32; n_items]);
        let (reg_i, reg_u) = (10.0f32, 15.0f32);
        for _ in 0..10 {
            let mut s = vec![0f32; n_items];
            let mut c = vec![0f32; n_items];
            for r in train {
                s[r.item as usize] += r.value - mean - user[r.user as usize];
                c[r.item as usize] += 1.0;
            }
            for i in 0..n_items {
                item[i] = s[i] / (reg_i + c[i]);
            }
            let mut s = vec![0f32; n_users];
            let mut c = vec![0f32; n_users];
            for r in train {
                s[r.user as usize] += r.value - mean - item[r.item as usize];
                c[r.user as usize] += 1.0;
            }
            for u in 0..n_users {
                user[u] = s[u] / (reg_u + c[u]);
            }
        }
        Biases { mean, user, item }
    }

    pub(crate) fn predict(&self, u: usize, i: usize) -> f32 {
        (self.mean + self.user[u] + self.item[i]).clamp(0.5, 5.0)
    }
}

fn errors(test: &[Rating], predict: impl Fn(&Rating) -> f32) -> (f64, f64) {
    let (mut se, mut ae) = (0f64, 0f64);
    for r in test {
        let e = (predict(r) - r.value) as f64;
        se += e * e;
        ae += e.abs();
    }
    let n = test.len().max(1) as f64;
    ((se / n).sqrt(), ae / n)
}

/// k-fold CV of the rating predictors: (rmse, mae) per model, and MF fit seconds per fold.
pub(crate) fn cross_validate(
    ratings: &Ratings,
    params: &MfParams,
    folds: usize,
    seed: u64,
    progress: Option<&ProgressBar>,
) -> (BTreeMap<String, (f64, f64)>, f64) {
    let mut order: Vec<usize> = (0..ratings.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut fit_seconds = 0.0;
    for f in 0..folds {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (pos, &idx) in order.iter().enumerate() {
            if pos % folds == f {
                test.push(ratings.entries[idx]);
            } else {
                train.push(ratings.entries[idx]);
            }
        }
        let (nu, ni) = (ratings.n_users(), ratings.n_items);
        let mean = train.iter().map(|r| r.value as f64).sum::<f64>() as f32 / train.len() as f32;
        let biases = Biases::fit(&train, nu, ni);
        let started = Instant::now();
        let mf = MfModel::train(&train, nu, ni, params, None);
        fit_seconds += started.elapsed().as_secs_f64();
        for (name, (rmse, mae)) in [
            ("global_mean", errors(&test, |_| mean)),
            (
                "bias",
                errors(&test, |r| biases.predict(r.user as usize, r.item as usize)),
            ),
            (
                "mf",
                errors(&test, |r| mf.predict(r.user as usize, r.item as usize)),
            ),
        ] {
            let e = sums.entry(name.to_string()).or_default();
            e.0 += rmse / folds as f64;
            e.1 += mae / folds as f64;
        }
        if let Some(p) = progress {
            p.inc(1);
        }
    }
    (sums, fit_seconds / folds as f64)
}

/// Per-user leave-one-out split: the latest rating of every user with at least 2 is held out.
pub(crate) fn leave_latest_out(ratings: &Ratings) -> (Vec<Rating>, Vec<Rating>) {
    let mut by_user: Vec<Vec<Rating>> = vec![Vec::new(); ratings.n_users()];
    for r in &ratings.entries {
        by_user[r.user as usize].push(*r);
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut list in by_user {
        list.sort_by_key(|r| (r.timestamp, r.item));
        if list.len() >= 2 {
            test.push(list.pop().expect("non-empty"));
        }
        train.extend(list);
    }
    (train, test)
}

fn ndcg_at(rank: usize, k: usize) -> f64 {
    if rank < k {
        1.0 / ((rank + 2) as f64).log2()
    } else {
        0.0
    }
}

/// Ranking metrics of each model after leave-latest-out: (hr10, ndcg10, recall20, ndcg20).
#[allow(clippy::too_many_arguments)]
pub fn ranking(
    catalog: &Catalog,
    similarity: &SimilarityMatrix,
    ratings: &Ratings,
    params: &MfParams,
    blend: &BlendParams,
    quantile_of_votes: f64,
    seed: u64,
    progress: Option<&ProgressBar>,
) -> (BTreeMap<String, [f64; 4]>, usize) {
    let (train, test) = leave_latest_out(ratings);
    let (nu, ni) = (ratings.n_users(), ratings.n_items);
    let mf = MfModel::train(&train, nu, ni, params, None);
    // Popularity from the training ratings only.
    let mut train_catalog = catalog.clone();
    let train_ratings = Ratings {
        user_ids: ratings.user_ids.clone(),
        entries: train.clone(),
        n_items: ni,
    };
    let stats = popularity::apply(&mut train_catalog, &train_ratings, quantile_of_votes);
    let pop = popularity::blend_scores(&train_catalog, &stats);
    let signals = Signals {
        catalog: &train_catalog,
        similarity,
        mf: &mf,
        popularity: &pop,
        params: *blend,
    };
    let mut rated: Vec<Vec<(usize, f32)>> = vec![Vec::new(); nu];
    for r in &train {
        rated[r.user as usize].push((r.item as usize, r.value));
    }
    let models = [Model::Popular, Model::Content, Model::Mf, Model::Hybrid];
    let per_user: Vec<Vec<[f64; 4]>> = test
        .par_iter()
        .map(|held| {
            let u = held.user as usize;
            let seen: HashSet<usize> = rated[u].iter().map(|p| p.0).collect();
            let mut rng = StdRng::seed_from_u64(seed ^ (u as u64) << 20);
            let mut sampled = Vec::with_capacity(100);
            while sampled.len() < 99 {
                let j = rng.gen_range(0..ni);
                if j != held.item as usize && !seen.contains(&j) && !sampled.contains(&j) {
                    sampled.push(j);
                }
            }
            sampled.push(held.item as usize);
            let all: Vec<usize> = (0..ni).filter(|j| !seen.contains(j)).collect();
            let vector = mf.user(u);
            let profile = Profile {
                ratings: &rated[u],
                genres: &[],
                vector: Some(&vector),
            };
            models
                .iter()
                .map(|&m| {
                    let rank_of = |rows: &[usize]| {
                        let scores = hybrid::score_rows(&signals, &profile, m, rows);
                        let target = scores
                            .iter()
                            .find(|s| s.row == held.item as usize)
                            .map(|s| s.score)
                            .unwrap_or(f32::MIN);
                        // Ties count against the held-out movie.
                        scores
                            .iter()
                            .filter(|s| s.row != held.item as usize && s.score >= target)
                            .count()
                    };
                    let sampled_rank = rank_of(&sampled);
                    let full_rank = rank_of(&all);
                    [
                        (sampled_rank < 10) as u8 as f64,
                        ndcg_at(sampled_rank, 10),
                        (full_rank < 20) as u8 as f64,
                        ndcg_at(full_rank, 20),
                    ]
                })
                .collect()
        })
        .collect();
    if let Some(p) = progress {
        p.inc(1);
    }
    let mut out = BTreeMap::new();
    for (mi, m) in models.iter().enumerate() {
        let mut sum = [0f64; 4];
        for u in &per_user {
            for k in 0..4 {
                sum[k] += u[mi][k];
            }
        }
        let n = per_user.len().max(1) as f64;
        out.insert(m.name().to_string(), sum.map(|s| s / n));
    }
    (out, per_user.len())
}

/// The whole evaluation.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    catalog: &Catalog,
    similarity: &SimilarityMatrix,
    ratings: &Ratings,
    params: &MfParams,
    blend: &BlendParams,
    quantile_of_votes: f64,
    folds: usize,
    seed: u64,
    progress: Option<&ProgressBar>,
) -> EvalReport {
    let (cv, fit_seconds) = cross_validate(ratings, params, folds, seed, progress);
    let (rank, users) = ranking(
        catalog,
        similarity,
        ratings,
        params,
        blend,
        quantile_of_votes,
        seed,
        progress,
    );
    let mut report = EvalReport {
        fit_seconds,
        folds,
        ratings: ratings.len(),
        users_ranked: users,
        seed,
        ..Default::default()
    };
    for (name, (rmse, mae)) in cv {
        report.rmse.insert(name.clone(), rmse);
        report.mae.insert(name, mae);
    }
    for (name, [hr, n10, rec, n20]) in rank {
        report.hr10.insert(name.clone(), hr);
        report.ndcg10.insert(name.clone(), n10);
        report.recall20.insert(name.clone(), rec);
        report.ndcg20.insert(name, n20);
    }
    report
}

impl EvalReport {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut s = format!(
            "rating prediction, {}-fold CV over {} ratings (seed {})\n{:<12} {:>8} {:>8}\n",
            self.folds, self.ratings, self.seed, "model", "RMSE", "MAE"
        );
        for (name, rmse) in &self.rmse {
            s += &format!("{:<12} {:>8.4} {:>8.4}\n", name, rmse, self.mae[name]);
        }
        s += &format!("MF fit: {:.2} s per fold\n\n", self.fit_seconds);
        s += &format!(
            "ranking, leave-latest-out over {} users\n{:<12} {:>8} {:>8} {:>10} {:>8}\n",
            self.users_ranked, "model", "HR@10", "NDCG@10", "Recall@20", "NDCG@20"
        );
        for name in Model::NAMES {
            if let Some(hr) = self.hr10.get(name) {
                s += &format!(
                    "{:<12} {:>8.4} {:>8.4} {:>10.4} {:>8.4}\n",
                    name, hr, self.ndcg10[name], self.recall20[name], self.ndcg20[name]
                );
            }
        }
        s
    }
}
