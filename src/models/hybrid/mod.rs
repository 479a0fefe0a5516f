//! The hybrid recommender: one scoring function that blends EASE^R and iALS (who rated
//! what), content similarity to what the user rated, the MF prediction, popularity and the
//! user's chosen genres, with weights that depend on how many ratings the user has
//! (blend.rs), and a reason for every item (explain.rs); "more like this" for one film
//! (similar.rs).
//!
//! zero ratings -> popularity within the chosen genres; as ratings come in, the prior fades and
//! the user's own ratings carry the list.

mod blend;
mod explain;
mod similar;

pub use blend::BlendParams;
pub use similar::{similar_movies, Neighbourhood, SeriesIndex, Similar};

use crate::dataset::Catalog;
use crate::models::collab::{ImplicitModel, ImplicitPart, MfModel, UserVector};
use crate::models::content::SimilarityMatrix;
use blend::weights_for;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// Which scorer ranks the movies: every model `eval` measures and the API offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    Popular,
    Content,
    Mf,
    /// EASE^R alone.
    Ease,
    /// iALS alone.
    Ials,
    Hybrid,
}

impl Model {
    pub const ALL: [Model; 6] = [
        Model::Popular,
        Model::Content,
        Model::Mf,
        Model::Ease,
        Model::Ials,
        Model::Hybrid,
    ];

    /// The name serde gives it (a test holds the two together), for tables.
    pub fn name(self) -> &'static str {
        match self {
            Model::Popular => "popular",
            Model::Content => "content",
            Model::Mf => "mf",
            Model::Ease => "ease",
            Model::Ials => "ials",
            Model::Hybrid => "hybrid",
        }
    }
}

/// Everything the scorers read; popularity is a 0..1 score per catalog row.
pub struct Signals<'a> {
    pub catalog: &'a Catalog,
    pub similarity: &'a SimilarityMatrix,
    pub mf: &'a MfModel,
    /// EASE^R and iALS, or iALS alone (see `ImplicitModel`); None where there is none.
    pub implicit: Option<&'a ImplicitModel>,
    pub popularity: &'a [f32],
    pub params: BlendParams,
}

/// The user being recommended for.
pub struct Profile<'a> {
    /// (catalog row, stars), oldest first.
    pub ratings: &'a [(usize, f32)],
    /// Genres picked at signup (may be empty).
    pub genres: &'a [String],
    /// The user's MF vector: trained or folded in. None: MF is left out.
    pub vector: Option<&'a UserVector>,
}

/// The parts of one recommendation's score, each at most 1 before weighting.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, ToSchema)]
pub struct Components {
    /// EASE^R and iALS: what people who rated the same films also rated.
    pub implicit: f32,
    pub content: f32,
    pub collaborative: f32,
    pub popularity: f32,
    pub genre: f32,
}

impl Components {
    fn dot(&self, w: &Components) -> f32 {
        self.implicit * w.implicit
            + self.content * w.content
            + self.collaborative * w.collaborative
            + self.popularity * w.popularity
            + self.genre * w.genre
    }
}

/// One scored movie with the reason it was chosen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Scored {
    #[serde(skip)]
    pub row: usize,
    pub score: f32,
    /// MF predicted rating (0.5..5), when the model has the user.
    pub predicted_rating: Option<f32>,
    pub components: Components,
    pub weights: Components,
    pub reason: String,
}

/// A user's per-row scores from the models that need a pass over their ratings.
struct UserScores {
    /// Content score per row (empty when not needed).
    content: Vec<f32>,
    /// The rated row that gave each row most of its content score (u32::MAX: none).
    content_source: Vec<u32>,
    /// Implicit-model score per row (empty when not needed or there is no model).
    implicit: Vec<f32>,
}

impl UserScores {
    fn new(signals: &Signals, profile: &Profile, model: Model, weights: &Components) -> Self {
        let n = signals.catalog.len();
        let (content, content_source) = if weights.content > 0.0 {
            content_scores(signals.similarity, profile.ratings, n)
        } else {
            (Vec::new(), Vec::new())
        };
        let implicit = match signals.implicit {
            Some(m) if weights.implicit > 0.0 => match model {
                Model::Hybrid => m.weighted_scores(
                    &blend::recency_weights(profile.ratings, &signals.params),
                    signals.params.ials,
                ),
                Model::Ials => m.part_scores(ImplicitPart::Ials, profile.ratings),
                _ => m.part_scores(ImplicitPart::Ease, profile.ratings),
            },
            _ => Vec::new(),
        };
        UserScores {
            content,
            content_source,
            implicit,
        }
    }
}

/// The weights a model gives the components, for this user.
fn weights(signals: &Signals, profile: &Profile, model: Model) -> Components {
    match model {
        Model::Popular => Components {
            popularity: 1.0,
            ..Default::default()
        },
        Model::Content => Components {
            content: 1.0,
            ..Default::default()
        },
        Model::Mf => Components {
            collaborative: 1.0,
            ..Default::default()
        },
        Model::Ease | Model::Ials => Components {
            implicit: 1.0,
            ..Default::default()
        },
        Model::Hybrid => weights_for(
            profile.ratings.len(),
            !profile.genres.is_empty(),
            signals.implicit.is_some(),
            &signals.params,
        ),
    }
}
/// Content score of every row: Σ over rated movies of sim(rated, row)·(stars − 2.5), with the
/// rated row that contributed most (for the explanation).
pub(crate) fn content_scores(
    sim: &SimilarityMatrix,
    ratings: &[(usize, f32)],
    n: usize,
) -> (Vec<f32>, Vec<u32>) {
    let mut score = vec![0f32; n];
    let mut best = vec![(u32::MAX, 0f32); n];
    for &(i, r) in ratings {
        if i >= sim.rows() {
            continue;
        }
        let w = r - 2.5;
        if let Some(row) = sim.matrix.outer_view(i) {
            for (j, &s) in row.iter() {
                let c = s * w;
                score[j] += c;
                if c > best[j].1 {
                    best[j] = (i as u32, c);
                }
            }
        }
    }
    (score, best.into_iter().map(|b| b.0).collect())
}

/// Share of a movie's genres that the user picked.
fn genre_match(catalog: &Catalog, row: usize, genres: &[String]) -> f32 {
    let g = &catalog.at(row).genres;
    if g.is_empty() || genres.is_empty() {
        return 0.0;
    }
    let hits = g.iter().filter(|x| genres.contains(x)).count();
    (hits as f32 / g.len().min(3) as f32).min(1.0)
}

/// Ranks every catalog row not in `exclude` for `profile` with `model`; best `limit` first.
pub fn recommend(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    exclude: &HashSet<usize>,
    limit: usize,
) -> Vec<Scored> {
    // Without ratings, stay within the genres the user picked.
    let only_genres = profile.ratings.is_empty() && !profile.genres.is_empty();
    let candidates: Vec<usize> = (0..signals.catalog.len())
        .filter(|r| !exclude.contains(r))
        .filter(|&r| !only_genres || genre_match(signals.catalog, r, profile.genres) > 0.0)
        .collect();
    let weights = weights(signals, profile, model);
    let user = UserScores::new(signals, profile, model, &weights);
    let mut scored = score_with(signals, profile, model, &weights, &candidates, &user);
    let limit = limit.min(scored.len());
    if limit == 0 {
        return Vec::new();
    }
    scored.select_nth_unstable_by(limit - 1, |a, b| {
        b.score.total_cmp(&a.score).then(a.row.cmp(&b.row))
    });
    scored.truncate(limit);
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.cmp(&b.row)));
    for s in &mut scored {
        s.reason = explain::explain(signals, profile, &user.content_source, s);
    }
    scored
}

/// Scores the given rows (no explanation text). Used by the evaluator.
pub fn score_rows(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    rows: &[usize],
) -> Vec<Scored> {
    let weights = weights(signals, profile, model);
    let user = UserScores::new(signals, profile, model, &weights);
    score_with(signals, profile, model, &weights, rows, &user)
}

/// The largest score among `rows`, for scaling a component to at most 1.
fn max_over(scores: &[f32], rows: &[usize]) -> f32 {
    if scores.is_empty() {
        return 0.0;
    }
    rows.iter().map(|&r| scores[r]).fold(0f32, f32::max)
}

fn score_with(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    weights: &Components,
    rows: &[usize],
    user: &UserScores,
) -> Vec<Scored> {
    let content_max = max_over(&user.content, rows);
    let implicit_max = max_over(&user.implicit, rows);
    let fresh = blend::freshness(profile.ratings.len(), &signals.params);
    let scaled = |scores: &[f32], max: f32, row: usize| {
        if max > 0.0 {
            (scores[row] / max).max(-1.0)
        } else {
            0.0
        }
    };
    rows.iter()
        .map(|&row| {
            let predicted = profile.vector.map(|v| signals.mf.predict_with(v, row));
            let implicit = scaled(&user.implicit, implicit_max, row);
            // As ratings come in, content and MF re-rank what people like the user watch
            // (the implicit part) instead of pulling in films nobody saw, which they favour alone.
            // With a handful of ratings it knows little and the gate stays open.
            let gate = if user.implicit.is_empty() {
                1.0
            } else {
                fresh + (1.0 - fresh) * implicit.max(0.0)
            };
            let components = Components {
                implicit,
                content: scaled(&user.content, content_max, row) * gate,
                collaborative: predicted.map(|p| (p - 0.5) / 4.5).unwrap_or(0.0) * gate,
                popularity: signals.popularity[row],
                genre: genre_match(signals.catalog, row, profile.genres),
            };
            // A pure model breaks ties by popularity, so equal scores stay meaningful.
            let tie = if model == Model::Hybrid {
                0.0
            } else {
                1e-4 * signals.popularity[row]
            };
            Scored {
                row,
                score: components.dot(weights) + tie,
                predicted_rating: predicted,
                components,
                weights: *weights,
                reason: String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_is_named_as_serde_names_it() {
        for m in Model::ALL {
            let json = serde_json::to_value(m).unwrap();
            assert_eq!(json, serde_json::json!(m.name()));
            assert_eq!(serde_json::from_value::<Model>(json).unwrap(), m);
        }
    }
}
