//! Recommendations: the one place that turns a person (their ratings, genres and watchlist) or a
//! MovieLens user into model inputs and asks the hybrid. The blend's shape comes from the
//! settings (BLEND_*), so a knob changed in `.env` reaches every list.

use crate::config::Settings;
use crate::index::Artifacts;
use crate::models::collab::fold_in;
use crate::models::hybrid::{self, BlendParams, Model, Profile, Scored, Signals};
use crate::services::onboarding;
use std::collections::HashSet;
use std::sync::Arc;

pub struct Recommendations {
    artifacts: Arc<Artifacts>,
    blend: BlendParams,
    fold_in_reg: f32,
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
        }
    }

    fn signals(&self) -> Signals<'_> {
        let a = &self.artifacts;
        Signals {
            catalog: &a.catalog,
            similarity: &a.similarity,
            mf: &a.mf,
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
}
