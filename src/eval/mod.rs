//! Offline evaluation, every model measured the same way with a fixed seed.
//!
//! rating (k-fold CV: RMSE, MAE) | ranking (leave-latest-out: HR@10, NDCG@10 of 1 + 99 sampled,
//! Recall@20, NDCG@20 over the catalog) | tune (hyper-parameters chosen on a validation split
//! cut from the training data, never on test items: models::collab::tune, which the build
//! uses too)

pub mod audience;
mod ranking;
mod rating;

pub use ranking::{validate_blends, Beyond, Ranks};
pub use rating::RatingModel;

use crate::config::Settings;
use crate::dataset::{Catalog, Ratings};
use crate::models::collab::{IalsModel, MfParams};
use crate::models::content::SimilarityMatrix;
use crate::models::hybrid::{BlendParams, Model};
use indicatif::ProgressBar;
use serde::Serialize;
use std::collections::BTreeMap;

/// What every protocol reads: the data, and the settings the product runs with.
pub struct Setup<'a> {
    pub catalog: &'a Catalog,
    pub similarity: &'a SimilarityMatrix,
    pub ratings: &'a Ratings,
    pub mf: &'a MfParams,
    pub blend: &'a BlendParams,
    /// The weighted rating's vote quantile (POPULARITY_QUANTILE).
    pub quantile_of_votes: f64,
    pub seed: u64,
    /// Each row's audience share (0..1, where its reviews say enough), for blends that weigh
    /// it (`BlendParams::audience`).
    pub audience: Option<&'a [Option<f32>]>,
    /// iALS factors trained elsewhere on the ranking protocol's training part (`cinesense
    /// export ratings --without-latest`), evaluated in place of the iALS fitted here.
    pub item_factors: Option<&'a IalsModel>,
}

impl<'a> Setup<'a> {
    /// The data with the settings the product runs with (MF, blend, vote quantile).
    pub fn new(
        catalog: &'a Catalog,
        similarity: &'a SimilarityMatrix,
        ratings: &'a Ratings,
        settings: &'a Settings,
        seed: u64,
    ) -> Self {
        Setup {
            catalog,
            similarity,
            ratings,
            mf: &settings.mf,
            blend: &settings.blend,
            quantile_of_votes: settings.popularity_quantile,
            seed,
            audience: None,
            item_factors: None,
        }
    }

    /// The same, with each row's audience share.
    pub fn with_audience(self, audience: &'a [Option<f32>]) -> Self {
        Setup {
            audience: Some(audience),
            ..self
        }
    }

    /// The same, with iALS factors trained elsewhere.
    pub fn with_item_factors(self, item_factors: &'a IalsModel) -> Self {
        Setup {
            item_factors: Some(item_factors),
            ..self
        }
    }
}

/// Results keyed as `cinesense eval --json` prints them.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EvalReport {
    pub rmse: BTreeMap<RatingModel, f64>,
    pub mae: BTreeMap<RatingModel, f64>,
    pub hr10: BTreeMap<Model, f64>,
    pub ndcg10: BTreeMap<Model, f64>,
    pub recall20: BTreeMap<Model, f64>,
    pub ndcg20: BTreeMap<Model, f64>,
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
    pub beyond_accuracy: BTreeMap<Model, Beyond>,
}

/// The whole evaluation: `folds`-fold CV of the rating predictors, then the ranking protocol.
pub fn evaluate(setup: &Setup, folds: usize, progress: Option<&ProgressBar>) -> EvalReport {
    let (cv, fit_seconds) =
        rating::cross_validate(setup.ratings, setup.mf, folds, setup.seed, progress);
    let rank = ranking::ranking(setup);
    if let Some(p) = progress {
        p.inc(1);
    }
    let mut report = EvalReport {
        fit_seconds,
        folds,
        ratings: setup.ratings.len(),
        users_ranked: rank.users,
        ease_lambda: rank.ease_lambda,
        implicit: rank.implicit,
        beyond_accuracy: rank.beyond,
        seed: setup.seed,
        ..Default::default()
    };
    for (model, (rmse, mae)) in cv {
        report.rmse.insert(model, rmse);
        report.mae.insert(model, mae);
    }
    for (model, r) in rank.metrics {
        report.hr10.insert(model, r.hr10);
        report.ndcg10.insert(model, r.ndcg10);
        report.recall20.insert(model, r.recall20);
        report.ndcg20.insert(model, r.ndcg20);
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
        for (model, rmse) in &self.rmse {
            s += &format!(
                "{:<12} {:>8.4} {:>8.4}\n",
                model.name(),
                rmse,
                self.mae[model]
            );
        }
        s += &format!("MF fit: {:.2} s per fold\n\n", self.fit_seconds);
        s += &format!(
            "ranking, leave-latest-out over {} users\n{:<12} {:>8} {:>8} {:>10} {:>8}\n",
            self.users_ranked, "model", "HR@10", "NDCG@10", "Recall@20", "NDCG@20"
        );
        for (model, hr) in &self.hr10 {
            s += &format!(
                "{:<12} {:>8.4} {:>8.4} {:>10.4} {:>8.4}\n",
                model.name(),
                hr,
                self.ndcg10[model],
                self.recall20[model],
                self.ndcg20[model]
            );
        }
        s += &format!(
            "\nbeyond accuracy, every user's top 20\n{:<12} {:>11} {:>14} {:>15}\n",
            "model", "coverage@20", "popularity pct", "genre diversity"
        );
        for (model, b) in &self.beyond_accuracy {
            s += &format!(
                "{:<12} {:>11.4} {:>14.1} {:>15.3}\n",
                model.name(),
                b.coverage20,
                b.popularity_percentile,
                b.genre_diversity
            );
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
