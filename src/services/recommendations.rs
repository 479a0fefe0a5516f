//! Recommendations: the one place that turns a person (their ratings, genres and watchlist) or a
//! MovieLens user into model inputs and asks the hybrid. The blend's shape comes from the
//! settings (BLEND_*), so a knob changed in `.env` reaches every list.

use crate::config::Settings;
use crate::dataset::PopularityBand;
use crate::index::Artifacts;
use crate::models::collab::fold_in;
use crate::models::hybrid::{
    self, similar_movies, BlendParams, Model, Neighbourhood, Profile, Scored, SeriesIndex, Signals,
    Similar,
};
use crate::services::{members, onboarding};
use std::collections::HashSet;
use std::sync::Arc;

/// Ratings a hidden gem needs at least (fewer say too little).
const GEM_MIN_RATINGS: u32 = 8;
/// TMDB votes from which a film is famous, whatever its ratings here.
const GEM_MAX_TMDB_VOTES: u32 = 500;

pub struct Recommendations {
    artifacts: Arc<Artifacts>,
    blend: BlendParams,
    fold_in_reg: f32,
    similar_popularity_weight: f32,
    series: SeriesIndex,
    /// Hidden gems, best first, worked out once per catalog.
    gems: Vec<usize>,
}

/// A member's recommendations and how many of their ratings the catalog knows.
pub struct ForMember {
    pub ratings: usize,
    pub scored: Vec<Scored>,
}

impl Recommendations {
    pub fn new(artifacts: Arc<Artifacts>, settings: &Settings) -> Self {
        Recommendations {
            blend: settings.blend,
            fold_in_reg: settings.fold_in_reg,
            similar_popularity_weight: settings.similar_popularity_weight,
            series: SeriesIndex::new(&artifacts.catalog),
            gems: hidden_gems(&artifacts.catalog),
            artifacts,
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

    /// The hybrid for a member: their ratings folded into the MF model on every call; rated
    /// films, the watchlist and films they do not want left out.
    pub fn for_member(&self, member: &members::Profile, limit: usize) -> ForMember {
        self.ranked(member, &member.chosen_or_unwanted(), limit)
    }

    /// `member`'s list by the hybrid, rated movies and `also_exclude` left out.
    fn ranked(&self, member: &members::Profile, also_exclude: &[u32], limit: usize) -> ForMember {
        let catalog = &self.artifacts.catalog;
        let rated = self.rated_rows(&member.ratings);
        let mut exclude: HashSet<usize> = rated.iter().map(|r| r.0).collect();
        exclude.extend(also_exclude.iter().filter_map(|&id| catalog.index_of(id)));
        let vector =
            (!rated.is_empty()).then(|| fold_in(&self.artifacts.mf, &rated, self.fold_in_reg));
        let profile = Profile {
            ratings: &rated,
            genres: &member.genres,
            vector: vector.as_ref(),
        };
        ForMember {
            ratings: rated.len(),
            scored: hybrid::recommend(&self.signals(), &profile, Model::Hybrid, &exclude, limit),
        }
    }

    /// How well each of `ids` matches the member, by the hybrid (higher is better; the same
    /// order /api/me/recommendations uses): for "best match" sorts over any subset.
    pub(crate) fn match_scores(&self, member: &members::Profile, ids: &[u32]) -> Vec<Option<f32>> {
        let catalog = &self.artifacts.catalog;
        let all = self.ranked(member, &[], catalog.len());
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
        let mut entries: Vec<_> = a.ratings.of_user(u).collect();
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

    /// "More like this" for catalog row `row` (models::hybrid::similar), with popularity at
    /// SIMILAR_POPULARITY_WEIGHT; only neighbours with at least `min_votes` ratings.
    pub(crate) fn similar_movies(&self, row: usize, min_votes: u32, limit: usize) -> Vec<Similar> {
        let a = &self.artifacts;
        let neighbourhood = Neighbourhood {
            catalog: &a.catalog,
            similarity: &a.similarity,
            cowatched: a.cowatched.as_ref(),
            popularity: &a.popularity,
            popularity_weight: self.similar_popularity_weight,
        };
        similar_movies(&neighbourhood, &self.series, row, min_votes, limit)
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

    /// Hidden gems, best first (see `hidden_gems`).
    pub(crate) fn hidden_gems(&self, limit: usize) -> Vec<usize> {
        self.gems.iter().take(limit).copied().collect()
    }
}

/// Hidden gems: well liked by the few who rated them (at least `GEM_MIN_RATINGS`, outside the
/// most-rated tenth), and not famous elsewhere either: fewer TMDB votes than half the films of
/// its decade (old films gather few votes, so On the Waterfront's 357 is famous for 1954) and
/// under `GEM_MAX_TMDB_VOTES`; not among the catalog's last three years (new films have few
/// ratings only because they are new). Only features TMDB details describe (MovieLens marks
/// no shorts), unless the catalog has no TMDB details at all. Catalog rows, best first.
fn hidden_gems(c: &crate::dataset::Catalog) -> Vec<usize> {
    let newest = c.movies().iter().filter_map(|m| m.year).max().unwrap_or(0);
    let details_known = c.movies().iter().any(|m| m.runtime_minutes.is_some());
    let mut votes_by_decade: std::collections::HashMap<u16, Vec<u32>> = Default::default();
    for m in c.movies() {
        if let (Some(y), Some(v)) = (m.year, m.tmdb_vote_count) {
            votes_by_decade.entry(y / 10).or_default().push(v);
        }
    }
    let median: std::collections::HashMap<u16, u32> = votes_by_decade
        .into_iter()
        .map(|(d, mut v)| {
            v.sort_unstable();
            (d, v[v.len() / 2])
        })
        .collect();
    let little_known = |year: u16, votes: Option<u32>| match votes {
        Some(v) => v < GEM_MAX_TMDB_VOTES && median.get(&(year / 10)).is_none_or(|&m| v < m),
        None => !details_known,
    };
    let mut rows: Vec<usize> = (0..c.len())
        .filter(|&r| {
            let m = c.at(r);
            matches!(
                m.popularity_band,
                PopularityBand::Known | PopularityBand::Niche
            ) && m.rating_count >= GEM_MIN_RATINGS
                && m.year
                    .is_some_and(|y| y + 3 <= newest && little_known(y, m.tmdb_vote_count))
                && !m.is_short()
        })
        .collect();
    rows.sort_by(|&x, &y| c.at(y).weighted_rating.total_cmp(&c.at(x).weighted_rating));
    rows
}
