//! Recommendations: the one place that turns a person (their ratings, genres and watchlist) or a
//! MovieLens user into model inputs and asks the hybrid. The blend's shape comes from the
//! settings (BLEND_*), so a knob changed in `.env` reaches every list.

use crate::config::Settings;
use crate::dataset::PopularityBand;
use crate::index::Artifacts;
use crate::models::collab::fold_in;
use crate::models::content::{
    collection_series_name, series, series_name, series_words, shared_reason, Series,
};
use crate::models::hybrid::{self, BlendParams, Model, Profile, Scored, Signals};
use crate::services::onboarding;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub struct Recommendations {
    artifacts: Arc<Artifacts>,
    blend: BlendParams,
    fold_in_reg: f32,
    similar_popularity_weight: f32,
    /// Per catalog row, the title words that name its series.
    series: Vec<Vec<String>>,
    /// The catalog rows of each TMDB collection.
    collections: HashMap<String, Vec<usize>>,
}

/// Ratings a movie needs before "more like this" trusts who watched it (co-watching).
const COWATCH_MIN_RATINGS: u32 = 10;
/// Co-watched candidates considered for "more like this".
const COWATCH_CANDIDATES: usize = 50;
/// What being in the film's series adds to a neighbour's score (the rest is at most 1).
const SERIES_LEAD: f32 = 1.0;
/// Below this many ratings, a part of a well-known film's series is obscure...
const SERIES_MIN_RATINGS: u32 = 5;
/// ...and at most this many obscure parts lead its "more like this".
const MAX_OBSCURE_LEADS: usize = 2;
/// Ratings at which a neighbour's likeness counts half: obscure films make poor suggestions.
const NEIGHBOUR_RATINGS_HALF: f32 = 5.0;

/// A content neighbour ranked for "More like this".
pub(crate) struct Similar {
    pub row: usize,
    /// Cosine similarity of the content vectors (0..1).
    pub similarity: f32,
    /// The similarity blended with popularity.
    pub score: f32,
    pub reason: String,
}

/// A member's recommendations and how many of their ratings the catalog knows.
pub struct ForMember {
    pub ratings: usize,
    pub scored: Vec<Scored>,
}

impl Recommendations {
    pub fn new(artifacts: Arc<Artifacts>, settings: &Settings) -> Self {
        Recommendations {
            artifacts: artifacts.clone(),
            blend: settings.blend,
            fold_in_reg: settings.fold_in_reg,
            similar_popularity_weight: settings.similar_popularity_weight,
            series: artifacts
                .catalog
                .movies()
                .iter()
                .map(|m| series_words(&m.title))
                .collect(),
            collections: artifacts.catalog.movies().iter().enumerate().fold(
                HashMap::new(),
                |mut by, (row, m)| {
                    if let Some(c) = &m.collection {
                        by.entry(c.clone()).or_insert_with(Vec::new).push(row);
                    }
                    by
                },
            ),
        }
    }

    fn signals(&self) -> Signals<'_> {
        let a = &self.artifacts;
        Signals {
            catalog: &a.catalog,
            similarity: &a.similarity,
            mf: &a.mf,
            implicit: a.implicit.as_ref(),
            popularity: &a.popularity_scores,
            params: self.blend,
        }
    }

    /// (catalog row, stars) of the ratings whose movie the catalog knows, in the order given.
    fn rated_rows(&self, ratings: &[(u32, f32)]) -> Vec<(usize, f32)> {
        let catalog = &self.artifacts.catalog;
        ratings
            .iter()
            .filter_map(|&(id, stars)| catalog.index_of(id).map(|row| (row, stars)))
            .collect()
    }

    /// The hybrid for a member: `ratings` are (movie id, stars), oldest first, folded into the MF model on
    /// every call; rated movies and `also_exclude` are left out.
    pub fn for_member(
        &self,
        ratings: &[(u32, f32)],
        genres: &[String],
        also_exclude: &[u32],
        limit: usize,
    ) -> ForMember {
        let catalog = &self.artifacts.catalog;
        let rated = self.rated_rows(ratings);
        let mut exclude: HashSet<usize> = rated.iter().map(|r| r.0).collect();
        exclude.extend(also_exclude.iter().filter_map(|&id| catalog.index_of(id)));
        let vector =
            (!rated.is_empty()).then(|| fold_in(&self.artifacts.mf, &rated, self.fold_in_reg));
        let profile = Profile {
            ratings: &rated,
            genres,
            vector: vector.as_ref(),
        };
        ForMember {
            ratings: rated.len(),
            scored: hybrid::recommend(&self.signals(), &profile, Model::Hybrid, &exclude, limit),
        }
    }

    /// How well each of `ids` matches the member, by the hybrid (higher is better; the same
    /// order /api/me/recommendations uses): for "best match" sorts over any subset.
    pub(crate) fn match_scores(
        &self,
        ratings: &[(u32, f32)],
        genres: &[String],
        ids: &[u32],
    ) -> Vec<Option<f32>> {
        let catalog = &self.artifacts.catalog;
        let all = self.for_member(ratings, genres, &[], catalog.len());
        let mut by_row = vec![None; catalog.len()];
        for s in &all.scored {
            by_row[s.row] = Some(s.score);
        }
        ids.iter()
            .map(|&id| catalog.index_of(id).and_then(|row| by_row[row]))
            .collect()
    }

    /// The stars the ratings model expects the member to give each of `ids` (their ratings,
    /// oldest first, folded in); None without ratings or for a movie the catalog lacks.
    pub(crate) fn predicted_stars(&self, ratings: &[(u32, f32)], ids: &[u32]) -> Vec<Option<f32>> {
        let catalog = &self.artifacts.catalog;
        let rated = self.rated_rows(ratings);
        if rated.is_empty() {
            return vec![None; ids.len()];
        }
        let vector = fold_in(&self.artifacts.mf, &rated, self.fold_in_reg);
        ids.iter()
            .map(|&id| {
                let row = catalog.index_of(id)?;
                Some(self.artifacts.mf.predict_with(&vector, row).clamp(0.5, 5.0))
            })
            .collect()
    }

    /// One model's list for a MovieLens user of the training data (their own MF vector, no
    /// signup genres), rated movies left out; None for an unknown user.
    pub(crate) fn for_movielens_user(
        &self,
        user_id: u32,
        model: Model,
        limit: usize,
    ) -> Option<ForMember> {
        let a = &self.artifacts;
        let u = a.ratings.user_index(user_id)?;
        let mut entries: Vec<_> = a
            .ratings
            .entries
            .iter()
            .filter(|r| r.user as usize == u)
            .collect();
        entries.sort_by_key(|r| (r.timestamp, r.item));
        let rated: Vec<(usize, f32)> = entries.iter().map(|r| (r.item as usize, r.value)).collect();
        let exclude: HashSet<usize> = rated.iter().map(|r| r.0).collect();
        let vector = a.mf.user(u);
        let profile = Profile {
            ratings: &rated,
            genres: &[],
            vector: Some(&vector),
        };
        Some(ForMember {
            ratings: rated.len(),
            scored: hybrid::recommend(&self.signals(), &profile, model, &exclude, limit),
        })
    }

    /// Movies for a new member to rate: their genres, across popularity bands, diverse;
    /// `rated` (movie ids) left out. Returns catalog rows.
    pub(crate) fn to_rate(&self, genres: &[String], rated: &[u32], limit: usize) -> Vec<usize> {
        let a = &self.artifacts;
        let exclude: HashSet<usize> = rated
            .iter()
            .filter_map(|&id| a.catalog.index_of(id))
            .collect();
        onboarding::onboarding(&a.catalog, &a.similarity, genres, &exclude, limit)
    }

    /// "More like this": the films of the same series first, then a blend of co-watching (what
    /// the people who rated this movie also rated, EASE^R) and content similarity, with
    /// popularity at SIMILAR_POPULARITY_WEIGHT; content alone for a movie few have rated. Only
    /// neighbours with at least `min_votes` ratings; each with its reason.
    pub(crate) fn similar_movies(&self, row: usize, min_votes: u32, limit: usize) -> Vec<Similar> {
        let a = &self.artifacts;
        let movie = a.catalog.at(row);
        let mut candidates: HashMap<usize, (f32, f32)> = a
            .similarity
            .neighbours(row)
            .into_iter()
            .map(|(j, sim)| (j, (sim, 0.0)))
            .collect();
        let cowatch = match &a.implicit {
            Some(model) if movie.rating_count >= COWATCH_MIN_RATINGS => {
                let scores = model.scores(&[row]);
                let mut top: Vec<(usize, f32)> = scores
                    .into_iter()
                    .enumerate()
                    .filter(|&(j, s)| j != row && s > 0.0)
                    .collect();
                let k = COWATCH_CANDIDATES.min(top.len());
                if k > 0 {
                    top.select_nth_unstable_by(k - 1, |x, y| y.1.total_cmp(&x.1));
                    top.truncate(k);
                }
                let max = top.iter().map(|p| p.1).fold(0f32, f32::max);
                for &(j, s) in &top {
                    candidates.entry(j).or_default().1 = s / max;
                }
                true
            }
            _ => false,
        };
        let words = &self.series[row];
        for (j, other) in self.series.iter().enumerate() {
            if j != row && series(words, other) == Series::Same {
                candidates.entry(j).or_default();
            }
        }
        if let Some(c) = &movie.collection {
            for &j in self.collections.get(c).into_iter().flatten() {
                if j != row {
                    candidates.entry(j).or_default();
                }
            }
        }
        let w = self.similar_popularity_weight;
        let mut similar: Vec<Similar> = candidates
            .into_iter()
            .filter(|&(j, _)| a.catalog.at(j).rating_count >= min_votes)
            .map(|(j, (sim, cw))| {
                let other = a.catalog.at(j);
                // TMDB's collections where both films have details; their titles otherwise.
                let collection = match (&movie.collection, &other.collection) {
                    (Some(x), Some(y)) => Some(x == y),
                    _ => None,
                };
                let in_series =
                    collection.unwrap_or_else(|| match series(words, &self.series[j]) {
                        Series::Same => true,
                        Series::Prefix => sim > 0.0 || cw > 0.0,
                        Series::Unrelated => false,
                    });
                // Co-watching says "like this" only among films of a kind: everyone who
                // watched The Matrix also watched Forrest Gump.
                let cw = cw * movie.genre_jaccard(other) as f32;
                let affinity = if cowatch { 0.5 * sim + 0.5 * cw } else { sim };
                // A film two people rated is a weak suggestion, however alike it looks.
                let seen = other.rating_count as f32;
                let confidence = seen / (seen + NEIGHBOUR_RATINGS_HALF);
                let score = (1.0 - w) * affinity * confidence
                    + w * a.popularity.normalized(other.weighted_rating)
                    + if in_series { SERIES_LEAD } else { 0.0 };
                let reason = if in_series {
                    // Name the series by TMDB's collection, else by the shorter of the two
                    // titles: "The Matrix", not "The Matrix Reloaded".
                    let named = if words.len() <= self.series[j].len() {
                        &movie.title
                    } else {
                        &other.title
                    };
                    let name = match (collection, &movie.collection) {
                        (Some(true), Some(c)) => collection_series_name(c),
                        _ => series_name(named),
                    };
                    format!("Also in the {name} series")
                } else if cowatch && cw >= sim {
                    format!("People who watched {} also watched it", movie.title)
                } else {
                    shared_reason(movie, other)
                };
                Similar {
                    row: j,
                    similarity: sim,
                    score,
                    reason,
                }
            })
            .collect();
        similar.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.row.cmp(&y.row)));
        // The series goes first, but for a film people know only a few of its parts nobody saw
        // (the 1979 TV Captain America, the Ice Age shorts) lead; the rest compete on merit.
        if movie.rating_count >= COWATCH_MIN_RATINGS {
            let mut obscure_leads = 0;
            for s in similar.iter_mut() {
                if s.score >= SERIES_LEAD && a.catalog.at(s.row).rating_count < SERIES_MIN_RATINGS {
                    obscure_leads += 1;
                    if obscure_leads > MAX_OBSCURE_LEADS {
                        s.score -= SERIES_LEAD;
                    }
                }
            }
            similar.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.row.cmp(&y.row)));
        }
        similar.truncate(limit);
        similar
    }

    /// Catalog rows by weighted rating (ties: more ratings first), optionally in one genre and
    /// one popularity band, with at least `min_votes` ratings.
    pub(crate) fn popular(
        &self,
        genre: Option<&str>,
        band: Option<PopularityBand>,
        min_votes: u32,
        limit: usize,
    ) -> Vec<usize> {
        let c = &self.artifacts.catalog;
        let mut rows: Vec<usize> = (0..c.len())
            .filter(|&r| {
                let m = c.at(r);
                genre.is_none_or(|g| m.genres.iter().any(|x| x == g))
                    && band.is_none_or(|b| m.popularity_band == b)
                    && m.rating_count >= min_votes
            })
            .collect();
        rows.sort_by(|&x, &y| {
            let (a, b) = (c.at(x), c.at(y));
            b.weighted_rating
                .total_cmp(&a.weighted_rating)
                .then(b.rating_count.cmp(&a.rating_count))
        });
        rows.truncate(limit);
        rows
    }
}
