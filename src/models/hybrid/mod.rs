//! The hybrid recommender: one scoring function that blends content similarity to what the
//! user liked, the MF prediction, popularity and the user's chosen genres, with weights that
//! shift with how many ratings the user has, and an explanation for every item.
//!
//! zero ratings -> popularity and chosen genres; a few -> content-heavy; many -> MF-heavy.

use crate::dataset::Catalog;
use crate::models::collab::{MfModel, UserVector};
use crate::models::content::SimilarityMatrix;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// Which scorer ranks the movies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Model {
    Popular,
    Content,
    Mf,
    Hybrid,
}

impl Model {
    pub(crate) const NAMES: [&'static str; 4] = ["popular", "content", "mf", "hybrid"];

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "popular" => Some(Model::Popular),
            "content" => Some(Model::Content),
            "mf" => Some(Model::Mf),
            "hybrid" => Some(Model::Hybrid),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Everything the scorers read; popularity is a 0..1 score per catalog row.
pub(crate) struct Signals<'a> {
    pub catalog: &'a Catalog,
    pub similarity: &'a SimilarityMatrix,
    pub mf: &'a MfModel,
    pub popularity: &'a [f32],
    pub params: BlendParams,
}

/// The shape of the blend. Defaults were tuned with `cinesense eval` (leave-latest-out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendParams {
    /// Weight of popularity for a user with a single rating...
    pub popularity_few: f32,
    /// ...growing towards this for a user with many ratings...
    pub popularity_many: f32,
    /// ...reaching half-way at this many ratings.
    pub popularity_half_at: f32,
    /// Number of ratings at which MF gets half of the personal weight (content the other half).
    pub mf_half_at: f32,
    /// Weight of the signup genres.
    pub genre: f32,
}

impl Default for BlendParams {
    fn default() -> Self {
        BlendParams {
            popularity_few: 0.15,
            popularity_many: 0.9,
            popularity_half_at: 10.0,
            mf_half_at: 10.0,
            genre: 0.25,
        }
    }
}

/// The user being recommended for.
pub(crate) struct Profile<'a> {
    /// (catalog row, stars)
    pub ratings: &'a [(usize, f32)],
    /// Genres picked at signup (may be empty).
    pub genres: &'a [String],
    /// The user's MF vector: trained or folded in. None: MF is left out.
    pub vector: Option<&'a UserVector>,
}

/// The parts of one recommendation's score, each 0..1 before weighting.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, ToSchema)]
pub struct Components {
    pub content: f32,
    pub collaborative: f32,
    pub popularity: f32,
    pub genre: f32,
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

/// Blend weights for a user with `n` ratings: popularity and genres alone at zero, content
/// first for a few ratings, MF and popularity once there are many (MF's share of the personal
/// part and popularity's weight both grow as n²/(n² + half²)).
pub(crate) fn weights_for(n: usize, has_genres: bool, p: &BlendParams) -> Components {
    let genre = if has_genres { p.genre } else { 0.0 };
    if n == 0 {
        return Components {
            content: 0.0,
            collaborative: 0.0,
            popularity: 1.0 - genre,
            genre,
        };
    }
    let n2 = (n * n) as f32;
    let trust_mf = n2 / (n2 + p.mf_half_at * p.mf_half_at);
    let grown = n2 / (n2 + p.popularity_half_at * p.popularity_half_at);
    let popularity = p.popularity_few + (p.popularity_many - p.popularity_few) * grown;
    let personal = (1.0 - popularity - genre).max(0.0);
    Components {
        content: personal * (1.0 - trust_mf),
        collaborative: personal * trust_mf,
        popularity,
        genre,
    }
    .normalized()
}

impl Components {
    fn normalized(self) -> Self {
        let s = self.content + self.collaborative + self.popularity + self.genre;
        if s <= 0.0 {
            return self;
        }
        Components {
            content: self.content / s,
            collaborative: self.collaborative / s,
            popularity: self.popularity / s,
            genre: self.genre / s,
        }
    }

    fn dot(&self, w: &Components) -> f32 {
        self.content * w.content
            + self.collaborative * w.collaborative
            + self.popularity * w.popularity
            + self.genre * w.genre
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
pub(crate) fn recommend(
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
    // The content scores and the rated movie behind each, computed once for scores and reasons.
    let (content, best_source) =
        content_scores(signals.similarity, profile.ratings, signals.catalog.len());
    let mut scored = score_with(signals, profile, model, &candidates, &content);
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
        s.reason = explain(signals, profile, &best_source, s);
    }
    scored
}

/// Scores the given rows (no explanation text). Used by the evaluator.
pub(crate) fn score_rows(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    rows: &[usize],
) -> Vec<Scored> {
    // Popularity and MF alone give content no weight: skip its scores.
    let content = match model {
        Model::Popular | Model::Mf => Vec::new(),
        Model::Content | Model::Hybrid => {
            content_scores(signals.similarity, profile.ratings, signals.catalog.len()).0
        }
    };
    score_with(signals, profile, model, rows, &content)
}

/// Scores rows given every row's content score.
fn score_with(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    rows: &[usize],
    content: &[f32],
) -> Vec<Scored> {
    let weights = match model {
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
        Model::Hybrid => weights_for(
            profile.ratings.len(),
            !profile.genres.is_empty(),
            &signals.params,
        ),
    };
    let content = (weights.content > 0.0).then_some(content);
    let content_max = content
        .as_ref()
        .map(|c| rows.iter().map(|&r| c[r]).fold(0f32, f32::max))
        .unwrap_or(0.0);
    rows.iter()
        .map(|&row| {
            let predicted = profile.vector.map(|v| signals.mf.predict_with(v, row));
            let components = Components {
                content: match &content {
                    Some(c) if content_max > 0.0 => (c[row] / content_max).max(-1.0),
                    _ => 0.0,
                },
                collaborative: predicted.map(|p| (p - 0.5) / 4.5).unwrap_or(0.0),
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
                score: components.dot(&weights) + tie,
                predicted_rating: predicted,
                components,
                weights,
                reason: String::new(),
            }
        })
        .collect()
}

fn stars(r: f32) -> String {
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The blend component that contributed most to a score: it picks the reason's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    Content,
    Collaborative,
    Popularity,
    Genre,
}

/// The reason in words, from the component that contributed most.
fn explain(signals: &Signals, profile: &Profile, best_source: &[u32], s: &Scored) -> String {
    let c = &s.components;
    let w = &s.weights;
    let parts = [
        (Driver::Content, c.content * w.content),
        (Driver::Collaborative, c.collaborative * w.collaborative),
        (Driver::Popularity, c.popularity * w.popularity),
        (Driver::Genre, c.genre * w.genre),
    ];
    let top = parts
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|p| p.0)
        .unwrap_or(Driver::Popularity);
    let movie = signals.catalog.at(s.row);
    let liked_genre = movie
        .genres
        .iter()
        .find(|g| profile.genres.contains(g))
        .or_else(|| movie.genres.first());
    match top {
        Driver::Content => match best_source.get(s.row).copied().filter(|&b| b != u32::MAX) {
            Some(src) => {
                let stars_given = profile
                    .ratings
                    .iter()
                    .find(|(r, _)| *r == src as usize)
                    .map(|p| p.1)
                    .unwrap_or(5.0);
                format!(
                    "Because you rated {} {} stars",
                    signals.catalog.at(src as usize).title,
                    stars(stars_given)
                )
            }
            None => "Similar to movies you liked".to_string(),
        },
        Driver::Collaborative => format!(
            "People who rate like you loved it (predicted {}★)",
            s.predicted_rating
                .map(|p| format!("{p:.1}"))
                .unwrap_or_default()
        ),
        Driver::Genre => match liked_genre {
            Some(g) => format!("Matches your taste for {g}"),
            None => "Matches your genres".to_string(),
        },
        Driver::Popularity => match liked_genre {
            Some(g) => format!(
                "Popular in {g} ({} ratings, {:.1}★ average)",
                movie.rating_count, movie.rating_mean
            ),
            None => format!("Popular ({} ratings)", movie.rating_count),
        },
    }
}
