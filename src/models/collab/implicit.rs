//! The implicit-feedback models the product ranks with. Where EASE^R's dense matrix fits, both
//! EASE^R and iALS are kept: the hybrid mixes their scores (a blend setting, README
//! "Evaluation"), "more like this" reads EASE^R's. Where it does not (ML-25M-sized data), iALS
//! alone. Every form reads a user's rated set directly, so a new member needs no retraining.

use super::{EaseModel, IalsModel, Solve};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ImplicitModel {
    Ease(EaseModel),
    Ials(IalsModel),
    Both { ease: EaseModel, ials: IalsModel },
}

/// One of the two models of `ImplicitModel::Both`, scored alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplicitPart {
    Ease,
    Ials,
}

/// `scores` divided by their largest value (left as they are when none is positive).
fn scaled(mut scores: Vec<f32>) -> Vec<f32> {
    let max = scores.iter().copied().fold(0f32, f32::max);
    if max > 0.0 {
        scores.iter_mut().for_each(|s| *s /= max);
    }
    scores
}

/// EASE^R's and iALS's scores for one user, each scaled to its largest, iALS weighing `share`.
fn mix(ease: Vec<f32>, ials: Vec<f32>, share: f32) -> Vec<f32> {
    let (a, b) = (scaled(ease), scaled(ials));
    a.iter()
        .zip(&b)
        .map(|(x, y)| (1.0 - share) * x + share * y)
        .collect()
}

impl ImplicitModel {
    pub fn n_items(&self) -> usize {
        match self {
            ImplicitModel::Ease(m) | ImplicitModel::Both { ease: m, .. } => m.n_items(),
            ImplicitModel::Ials(m) => m.n_items(),
        }
    }

    /// The score of every item for a user who rated `rated` (item rows): EASE^R's where
    /// there is one.
    pub fn scores(&self, rated: &[usize]) -> Vec<f32> {
        match self {
            ImplicitModel::Ease(m) | ImplicitModel::Both { ease: m, .. } => m.scores(rated),
            ImplicitModel::Ials(m) => m.scores(rated),
        }
    }

    /// With a weight per rated item (1: the plain model), and where both models are kept,
    /// iALS weighing `ials_share` of the mix.
    pub fn weighted_scores(&self, rated: &[(usize, f32)], ials_share: f32) -> Vec<f32> {
        match self {
            ImplicitModel::Ease(m) => m.weighted_scores(rated),
            ImplicitModel::Ials(m) => m.weighted_scores(rated),
            ImplicitModel::Both { ease, .. } if ials_share <= 0.0 => ease.weighted_scores(rated),
            ImplicitModel::Both { ease, ials } => mix(
                ease.weighted_scores(rated),
                ials.weighted_scores(rated),
                ials_share,
            ),
        }
    }

    /// Whether `part` is kept.
    pub fn has(&self, part: ImplicitPart) -> bool {
        matches!(
            (self, part),
            (ImplicitModel::Both { .. }, _)
                | (ImplicitModel::Ease(_), ImplicitPart::Ease)
                | (ImplicitModel::Ials(_), ImplicitPart::Ials)
        )
    }

    /// One part's scores for a user who rated `rated` (row, weight), unscaled; empty where
    /// that part is not kept.
    pub fn part_scores(&self, part: ImplicitPart, rated: &[(usize, f32)]) -> Vec<f32> {
        let rated: Vec<(usize, f32)> = rated.iter().map(|r| (r.0, 1.0)).collect();
        match (self, part) {
            (ImplicitModel::Ease(m) | ImplicitModel::Both { ease: m, .. }, ImplicitPart::Ease) => {
                m.weighted_scores(&rated)
            }
            (ImplicitModel::Ials(m) | ImplicitModel::Both { ials: m, .. }, ImplicitPart::Ials) => {
                m.weighted_scores(&rated)
            }
            _ => Vec::new(),
        }
    }

    /// Of the `rated` items, the one that adds most to `item`'s score.
    pub fn strongest_source(&self, rated: &[usize], item: usize) -> Option<usize> {
        match self {
            ImplicitModel::Ease(m) | ImplicitModel::Both { ease: m, .. } => {
                m.strongest_source(rated, item)
            }
            ImplicitModel::Ials(m) => m.strongest_source(rated, item),
        }
    }

    /// Which model, with its chosen hyper-parameters, for logs and `eval`.
    pub fn describe(&self) -> String {
        let ials = |m: &IalsModel| match m.solve {
            Solve::Fixed => format!(
                "iALS ({} factors, λ = {}, α = {})",
                m.params.factors, m.params.lambda, m.params.alpha
            ),
            Solve::PerRating => format!(
                "iALS imported from Spark ({} factors, regParam = {}, α = {})",
                m.params.factors, m.params.lambda, m.params.alpha
            ),
        };
        match self {
            ImplicitModel::Ease(m) => format!("EASE^R (λ = {})", m.lambda),
            ImplicitModel::Ials(m) => ials(m),
            ImplicitModel::Both { ease, ials: i } => {
                format!("EASE^R (λ = {}) and {}", ease.lambda, ials(i))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::collab::{seen, IalsParams};

    #[test]
    fn both_mixes_the_two_scaled_scores() {
        let mut data = Vec::new();
        for u in 0..30u32 {
            for i in [u % 5, 5 + u % 3, 8] {
                data.push(seen(u, i));
            }
        }
        let ease = EaseModel::fit(&data, 30, 9, 5.0).unwrap();
        let params = IalsParams {
            factors: 4,
            ..Default::default()
        };
        let ials = IalsModel::fit(&data, 30, 9, &params, None).unwrap();
        let (a, b) = (scaled(ease.scores(&[0, 5])), scaled(ials.scores(&[0, 5])));
        let both = ImplicitModel::Both { ease, ials };
        let s = both.weighted_scores(&[(0, 1.0), (5, 1.0)], 0.25);
        for j in 0..9 {
            assert!((s[j] - (0.75 * a[j] + 0.25 * b[j])).abs() < 1e-5, "{s:?}");
        }
        assert!(a.iter().chain(&b).all(|v| *v <= 1.0 + 1e-6));
        // Without a share of iALS, and for "more like this", EASE^R alone.
        let plain = both.weighted_scores(&[(0, 1.0), (5, 1.0)], 0.0);
        assert_eq!(plain, both.scores(&[0, 5]));
    }
}
