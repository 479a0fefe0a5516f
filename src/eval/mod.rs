//! Offline evaluation, every model measured the same way with a fixed seed.
//!
//! rating (k-fold CV: RMSE, MAE) | ranking (leave-latest-out: HR@10, NDCG@10 of 1 + 99 sampled,
//! Recall@20, NDCG@20 over the catalog) | tune (hyper-parameters chosen on a validation split
//! cut from the training data, never on test items)

mod ranking;
mod rating;
pub(crate) mod tune;

pub use ranking::{validate_blends, Beyond};

use crate::dataset::{Catalog, Ratings};
use crate::models::collab::MfParams;
use crate::models::content::SimilarityMatrix;
use crate::models::hybrid::BlendParams;
use indicatif::ProgressBar;
use serde::Serialize;
use std::collections::BTreeMap;

/// The rows of the tables: every model `Model` names, with iALS beside EASE^R.
const ROWS: [&str; 6] = ["popular", "content", "mf", "ease", ranking::IALS, "hybrid"];

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
    /// EASE^R's λ, chosen on a validation split of the ranking protocol's training part.
    pub ease_lambda: Option<f32>,
    /// The hybrid's implicit part (models and hyper-parameters chosen on validation).
    pub implicit: Option<String>,
    /// Per model: catalog coverage, popularity percentile and genre diversity of its top 20s.
    pub beyond_accuracy: BTreeMap<String, Beyond>,
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
    let (cv, fit_seconds) = rating::cross_validate(ratings, params, folds, seed, progress);
    let rank = ranking::ranking(
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
        users_ranked: rank.users,
        ease_lambda: rank.ease_lambda,
        implicit: rank.implicit,
        beyond_accuracy: rank.beyond,
        seed,
        ..Default::default()
    };
    for (name, (rmse, mae)) in cv {
        report.rmse.insert(name.clone(), rmse);
        report.mae.insert(name, mae);
    }
    for (name, [hr, n10, rec, n20]) in rank.metrics {
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
        for name in ROWS {
            if let Some(hr) = self.hr10.get(name) {
                s += &format!(
                    "{:<12} {:>8.4} {:>8.4} {:>10.4} {:>8.4}\n",
                    name, hr, self.ndcg10[name], self.recall20[name], self.ndcg20[name]
                );
            }
        }
        s += &format!(
            "\nbeyond accuracy, every user's top 20\n{:<12} {:>11} {:>14} {:>15}\n",
            "model", "coverage@20", "popularity pct", "genre diversity"
        );
        for name in ROWS {
            if let Some(b) = self.beyond_accuracy.get(name) {
                s += &format!(
                    "{:<12} {:>11.4} {:>14.1} {:>15.3}\n",
                    name, b.coverage20, b.popularity_percentile, b.genre_diversity
                );
            }
        }
        if let Some(lambda) = self.ease_lambda {
            s += &format!(
                "EASE^R λ = {lambda} (chosen on a validation split of the training part)\n"
            );
        }
        if let Some(implicit) = &self.implicit {
            s += &format!("the hybrid's implicit part: {implicit}\n");
        }
        s
    }
}
