//! Recommendations: the one place that turns a person (their ratings, genres and watchlist) or a
//! MovieLens user into model inputs and asks the hybrid. The blend's shape comes from the
//! settings (BLEND_*), so a knob changed in `.env` reaches every list.

use crate::config::Settings;
use crate::dataset::PopularityBand;
use crate::index::Artifacts;
use crate::models::collab::fold_in;
use crate::models::content::shared_reason;
use crate::models::hybrid::{self, BlendParams, Model, Profile, Scored, Signals};
use crate::services::onboarding;
use std::collections::HashSet;
use std::sync::Arc;

pub struct Recommendations {
    artifacts: Arc<Artifacts>,
    blend: BlendParams,
    fold_in_reg: f32,
    similar_popularity_weight: f32,
}

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
            artifacts,
            blend: settings.blend,
            fold_in_reg: settings.fold_in_reg,
            similar_popularity_weight: settings.similar_popularity_weight,
        }
    }

    fn signals(&self) -> Signals<'_> {
        let a = &self.artifacts;
        Signals {
            catalog: &a.catalog,
            similarity: &a.similarity,
            mf: &a.mf,
            implicit: a.implicit.as_ref().map(|(m, _)| m),
            popularity: &a.popularity_scores,
            params: self.blend,
        }
    }

    /// The hybrid for a member: `ratings` are (movie id, stars), folded into the MF model on
    /// every call; rated movies and `also_exclude` are left out.
    pub fn for_member(
        &self,
        ratings: &[(u32, f32)],
        genres: &[String],
        also_exclude: &[u32],
        limit: usize,
    ) -> ForMember {
        let catalog = &self.artifacts.catalog;
        let rated: Vec<(usize, f32)> = ratings
            .iter()
            .filter_map(|&(id, stars)| catalog.index_of(id).map(|row| (row, stars)))
            .collect();
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
        let rated: Vec<(usize, f32)> = a
            .ratings
            .entries
            .iter()
            .filter(|r| r.user as usize == u)
            .map(|r| (r.item as usize, r.value))
            .collect();
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

    /// "More like this": a movie's content neighbours with at least `min_votes` ratings, ranked
    /// by similarity blended with popularity (SIMILAR_POPULARITY_WEIGHT), each with its reason.
    pub(crate) fn similar_movies(&self, row: usize, min_votes: u32, limit: usize) -> Vec<Similar> {
        let a = &self.artifacts;
        let w = self.similar_popularity_weight;
        let movie = a.catalog.at(row);
        let mut similar: Vec<Similar> = a
            .similarity
            .neighbours(row)
            .into_iter()
            .filter(|(j, _)| a.catalog.at(*j).rating_count >= min_votes)
            .map(|(j, sim)| {
                let other = a.catalog.at(j);
                Similar {
                    row: j,
                    similarity: sim,
                    score: (1.0 - w) * sim + w * a.popularity.normalized(other.weighted_rating),
                    reason: shared_reason(movie, other),
                }
            })
            .collect();
        similar.sort_by(|x, y| y.score.total_cmp(&x.score));
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
