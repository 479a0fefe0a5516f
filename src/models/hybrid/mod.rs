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
pub use similar::{similar_movies, Cowatched, Neighbourhood, SeriesIndex, Similar};

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

/// The genres a user picked, matched against movies by bits where the catalog allows.
struct Picked<'a> {
    names: &'a [String],
    mask: Option<u64>,
}

impl<'a> Picked<'a> {
    fn new(catalog: &Catalog, names: &'a [String]) -> Self {
        Picked {
            names,
            mask: catalog.genre_mask(names),
        }
    }

    /// Share of a movie's genres that the user picked (of at most 3).
    /// Runs for every film of a member's list: it reads dense arrays, not the movie.
    fn share(&self, catalog: &Catalog, row: usize) -> f32 {
        let listed = catalog.genre_count(row);
        if listed == 0 || self.names.is_empty() {
            return 0.0;
        }
        let hits = match (self.mask, catalog.genre_bits(row)) {
            (Some(mask), Some(bits)) => (mask & bits).count_ones() as usize,
            _ => {
                let g = &catalog.at(row).genres;
                g.iter().filter(|x| self.names.contains(x)).count()
            }
        };
        (hits as f32 / listed.min(3) as f32).min(1.0)
    }
}

/// Ranks every catalog row not in `exclude` for `profile` with `model`; best `limit` first.
pub fn recommend(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    exclude: &HashSet<usize>,
    limit: usize,
) -> Vec<Scored> {
    let catalog = signals.catalog;
    let picked = Picked::new(catalog, profile.genres);
    // Without ratings, stay within the genres the user picked.
    let only_genres = profile.ratings.is_empty() && !profile.genres.is_empty();
    let mut excluded = vec![false; catalog.len()];
    for &r in exclude.iter().filter(|&&r| r < catalog.len()) {
        excluded[r] = true;
    }
    let candidates: Vec<usize> = (0..catalog.len())
        .filter(|&r| !excluded[r])
        .filter(|&r| !only_genres || picked.share(catalog, r) > 0.0)
        .collect();
    let weights = weights(signals, profile, model);
    let user = UserScores::new(signals, profile, model, &weights);
    let scorer = Scorer::new(signals, profile, model, &weights, &user, &candidates);
    let mut scored = scorer.top(&candidates, limit);
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
    let scorer = Scorer::new(signals, profile, model, &weights, &user, rows);
    rows.iter().map(|&row| scorer.score(row)).collect()
}

/// The largest score among `rows`, for scaling a component to at most 1.
fn max_over(scores: &[f32], rows: &[usize]) -> f32 {
    if scores.is_empty() {
        return 0.0;
    }
    rows.iter().map(|&r| scores[r]).fold(0f32, f32::max)
}

/// Scores rows for one user over one set of candidates (the implicit and content parts are
/// scaled by their best over the candidates).
struct Scorer<'a> {
    signals: &'a Signals<'a>,
    profile: &'a Profile<'a>,
    model: Model,
    weights: &'a Components,
    user: &'a UserScores,
    picked: Picked<'a>,
    content_max: f32,
    implicit_max: f32,
    fresh: f32,
}

impl<'a> Scorer<'a> {
    fn new(
        signals: &'a Signals<'a>,
        profile: &'a Profile<'a>,
        model: Model,
        weights: &'a Components,
        user: &'a UserScores,
        candidates: &[usize],
    ) -> Self {
        Scorer {
            signals,
            profile,
            model,
            weights,
            user,
            picked: Picked::new(signals.catalog, profile.genres),
            content_max: max_over(&user.content, candidates),
            implicit_max: max_over(&user.implicit, candidates),
            fresh: blend::freshness(profile.ratings.len(), &signals.params),
        }
    }

    /// One row's score and its parts; the MF prediction only when `with_mf`.
    fn parts(&self, row: usize, with_mf: bool) -> (Components, Option<f32>, f32) {
        let scaled = |scores: &[f32], max: f32| {
            if max > 0.0 {
                (scores[row] / max).max(-1.0)
            } else {
                0.0
            }
        };
        let predicted = if with_mf {
            self.profile
                .vector
                .map(|v| self.signals.mf.predict_with(v, row))
        } else {
            None
        };
        let implicit = scaled(&self.user.implicit, self.implicit_max);
        // As ratings come in, content and MF re-rank what people like the user watch
        // (the implicit part) instead of pulling in films nobody saw, which they favour alone.
        // With a handful of ratings it knows little and the gate stays open.
        let gate = if self.user.implicit.is_empty() {
            1.0
        } else {
            self.fresh + (1.0 - self.fresh) * implicit.max(0.0)
        };
        let components = Components {
            implicit,
            content: scaled(&self.user.content, self.content_max) * gate,
            collaborative: predicted.map(|p| (p - 0.5) / 4.5).unwrap_or(0.0) * gate,
            popularity: self.signals.popularity[row],
            genre: self.picked.share(self.signals.catalog, row),
        };
        (components, predicted, gate)
    }

    /// A pure model breaks ties by popularity, so equal scores stay meaningful.
    fn tie(&self, row: usize) -> f32 {
        if self.model == Model::Hybrid {
            0.0
        } else {
            1e-4 * self.signals.popularity[row]
        }
    }

    fn score(&self, row: usize) -> Scored {
        let (components, predicted, _) = self.parts(row, true);
        Scored {
            row,
            score: components.dot(self.weights) + self.tie(row),
            predicted_rating: predicted,
            components,
            weights: *self.weights,
            reason: String::new(),
        }
    }

    /// The best `limit` of `candidates`, best first (ties: lower row first), exactly as
    /// scoring every one would rank them, but with the MF prediction (a dot product per film)
    /// worked out only where it can matter: without it a row's score is known up to the MF
    /// part, which adds between 0 and its weight times the row's gate. The rows whose bound
    /// reaches the best `limit` found so far are scored in full; the others cannot beat them.
    fn top(&self, candidates: &[usize], limit: usize) -> Vec<Scored> {
        let limit = limit.min(candidates.len());
        if limit == 0 {
            return Vec::new();
        }
        let with_mf = self.profile.vector.is_some() && self.weights.collaborative > 0.0;
        // (upper bound, row), the bound a hair above the exact score for rounding.
        let mut bounds: Vec<(f32, usize)> = candidates
            .iter()
            .map(|&row| {
                let (components, _, gate) = self.parts(row, false);
                let room = if with_mf {
                    self.weights.collaborative * gate
                } else {
                    0.0
                };
                (
                    components.dot(self.weights) + self.tie(row) + room + 1e-5,
                    row,
                )
            })
            .collect();
        let by_bound = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let first = (limit * 4).max(64).min(bounds.len());
        if first < bounds.len() {
            bounds.select_nth_unstable_by(first - 1, by_bound);
        }
        let mut scored: Vec<Scored> = bounds[..first].iter().map(|b| self.score(b.1)).collect();
        let best = |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then(a.row.cmp(&b.row));
        scored.select_nth_unstable_by(limit - 1, best);
        let threshold = scored[limit - 1].score;
        scored.extend(
            bounds[first..]
                .iter()
                .filter(|b| b.0 >= threshold)
                .map(|b| self.score(b.1)),
        );
        scored.select_nth_unstable_by(limit - 1, best);
        scored.truncate(limit);
        scored.sort_by(best);
        scored
    }
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
