//! Rating prediction: k-fold cross-validation over all ratings (random split), RMSE and MAE of
//! the global mean, the bias-only baseline and MF.

use crate::dataset::{Rating, Ratings};
use crate::models::collab::{MfModel, MfParams};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// The rating predictors cross-validation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingModel {
    /// Every rating predicted as the training mean.
    GlobalMean,
    /// User and item biases around the mean.
    Bias,
    /// Biased matrix factorisation.
    Mf,
}

impl RatingModel {
    pub fn name(self) -> &'static str {
        match self {
            RatingModel::GlobalMean => "global_mean",
            RatingModel::Bias => "bias",
            RatingModel::Mf => "mf",
        }
    }
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
pub(super) fn cross_validate(
    ratings: &Ratings,
    params: &MfParams,
    folds: usize,
    seed: u64,
    progress: Option<&ProgressBar>,
) -> (BTreeMap<RatingModel, (f64, f64)>, f64) {
    let mut order: Vec<usize> = (0..ratings.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut sums: BTreeMap<RatingModel, (f64, f64)> = BTreeMap::new();
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
            (RatingModel::GlobalMean, errors(&test, |_| mean)),
            (
                RatingModel::Bias,
                errors(&test, |r| biases.predict(r.user as usize, r.item as usize)),
            ),
            (
                RatingModel::Mf,
                errors(&test, |r| mf.predict(r.user as usize, r.item as usize)),
            ),
        ] {
            let e = sums.entry(name).or_default();
            e.0 += rmse / folds as f64;
            e.1 += mae / folds as f64;
        }
        if let Some(p) = progress {
            p.inc(1);
        }
    }
    (sums, fit_seconds / folds as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rating_model_is_named_as_serde_names_it() {
        for m in [RatingModel::GlobalMean, RatingModel::Bias, RatingModel::Mf] {
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                serde_json::json!(m.name())
            );
        }
    }
}
