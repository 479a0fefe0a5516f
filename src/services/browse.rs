//! Browsing the catalog: filters (genre, decade, runtime, average rating, number of ratings,
//! audience sentiment, films to leave out) and one sort order. Pure work over the loaded
//! catalog and the audience figures.

use super::audience::{telling, Audiences};
use super::members::Members;
use super::recommendations::Recommendations;
use crate::dataset::{Catalog, Movie};
use crate::index::Artifacts;
use crate::records::{Audience, User};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;

/// How a browse list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BrowseSort {
    /// The number of ratings, the weighted rating breaking ties.
    Popularity,
    /// The weighted rating (the average pulled toward the catalog's mean when few rated it,
    /// so one 5-star rating does not top the list), more ratings breaking ties.
    Rating,
    /// Newest first.
    Year,
    /// Best match for the member first (the caller supplies the scores).
    Predicted,
    /// Most liked by reviewers first (the share of positive reviews, discounted when there
    /// are few); films without enough classified reviews follow, most rated first.
    Audience,
}

impl BrowseSort {
    pub const ALL: [BrowseSort; 5] = [
        BrowseSort::Popularity,
        BrowseSort::Rating,
        BrowseSort::Year,
        BrowseSort::Predicted,
        BrowseSort::Audience,
    ];
}

/// What a film must be to be listed.
#[derive(Debug, Default)]
pub(crate) struct BrowseFilter {
    pub genre: Option<String>,
    /// The first year of a decade (1990 for the 1990s).
    pub decade: Option<u16>,
    /// Runtime in minutes, inclusive; films without a known runtime are left out when set.
    pub runtime: Option<(u16, u16)>,
    pub min_rating: f32,
    pub min_votes: u32,
    /// At least this share (0..=1) of positive reviews, out of enough reviews
    /// (`audience::telling`).
    pub min_audience: Option<f64>,
    /// Movie ids left out (the member's rated and not-interested films).
    pub exclude: HashSet<u32>,
}

impl BrowseFilter {
    fn keeps(&self, m: &Movie, audiences: &HashMap<u32, Audience>) -> bool {
        self.min_audience
            .is_none_or(|min| telling(audiences, m.id).is_some_and(|a| a.share() >= min - 1e-9))
            && self
                .genre
                .as_ref()
                .is_none_or(|g| m.genres.iter().any(|x| x == g))
            && self
                .decade
                .is_none_or(|d| m.year.is_some_and(|y| y >= d && y < d + 10))
            && self
                .runtime
                .is_none_or(|(lo, hi)| m.runtime_minutes.is_some_and(|r| r >= lo && r <= hi))
            && (self.min_rating <= 0.0 || m.rating_mean >= self.min_rating)
            && m.rating_count >= self.min_votes
            && !self.exclude.contains(&m.id)
    }
}

/// Browse as the API serves it: over the loaded catalog and audiences, personal for a member.
pub(crate) struct Browser {
    artifacts: Arc<Artifacts>,
    audiences: Arc<Audiences>,
    members: Members,
    recommendations: Arc<Recommendations>,
}

impl Browser {
    pub(crate) fn new(
        artifacts: Arc<Artifacts>,
        audiences: Arc<Audiences>,
        members: Members,
        recommendations: Arc<Recommendations>,
    ) -> Self {
        Browser {
            artifacts,
            audiences,
            members,
            recommendations,
        }
    }

    /// Every catalog row `filter` keeps, in `sort` order. With `member`, `hide_rated` leaves out
    /// what they rated or do not want, and the Predicted sort ranks as their recommendations
    /// do (blocking: call off the executor).
    pub(crate) fn browse(
        &self,
        mut filter: BrowseFilter,
        sort: BrowseSort,
        member: Option<&User>,
        hide_rated: bool,
    ) -> Result<Vec<usize>> {
        let profile = match member {
            Some(user) => self.members.profile(user)?,
            None => Default::default(),
        };
        if hide_rated {
            filter.exclude.extend(profile.rated_or_unwanted());
        }
        let audiences = self.audiences.snapshot();
        Ok(browse(
            &self.artifacts.catalog,
            &audiences,
            &filter,
            sort,
            |ids| self.recommendations.match_scores(&profile, ids),
        ))
    }
}

/// Every catalog row the filter keeps, in `sort` order. `predicted` scores the kept movies for
/// the Predicted sort (one per id, higher first), and is called only for it.
fn browse(
    catalog: &Catalog,
    audiences: &HashMap<u32, Audience>,
    filter: &BrowseFilter,
    sort: BrowseSort,
    predicted: impl FnOnce(&[u32]) -> Vec<Option<f32>>,
) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..catalog.len())
        .filter(|&r| filter.keeps(catalog.at(r), audiences))
        .collect();
    let m = |r: usize| catalog.at(r);
    match sort {
        BrowseSort::Popularity => rows.sort_by(|&x, &y| {
            m(y).rating_count
                .cmp(&m(x).rating_count)
                .then(m(y).weighted_rating.total_cmp(&m(x).weighted_rating))
        }),
        BrowseSort::Rating => rows.sort_by(|&x, &y| {
            m(y).weighted_rating
                .total_cmp(&m(x).weighted_rating)
                .then(m(y).rating_count.cmp(&m(x).rating_count))
        }),
        BrowseSort::Year => rows.sort_by(|&x, &y| {
            m(y).year
                .cmp(&m(x).year)
                .then(m(y).weighted_rating.total_cmp(&m(x).weighted_rating))
        }),
        BrowseSort::Audience => {
            let share = |r: usize| telling(audiences, m(r).id).map(Audience::confident_share);
            rows.sort_by(|&x, &y| {
                share(y)
                    .partial_cmp(&share(x))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(m(y).rating_count.cmp(&m(x).rating_count))
            })
        }
        BrowseSort::Predicted => {
            let ids: Vec<u32> = rows.iter().map(|&r| m(r).id).collect();
            let stars = predicted(&ids);
            let mut scored: Vec<(usize, f32)> = rows
                .iter()
                .zip(stars)
                .map(|(&r, s)| (r, s.unwrap_or(f32::NEG_INFINITY)))
                .collect();
            scored.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(m(b.0).weighted_rating.total_cmp(&m(a.0).weighted_rating))
            });
            rows = scored.into_iter().map(|(r, _)| r).collect();
        }
    }
    rows
}
