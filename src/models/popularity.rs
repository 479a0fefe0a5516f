//! Popularity: the IMDb weighted rating and popularity bands.
//!
//! WR = v/(v+m)·R + m/(v+m)·C, where v is a movie's number of ratings, R its mean rating,
//! C the mean of all ratings and m the `quantile` of v over rated movies. A movie with two
//! 5-star ratings is pulled towards C; one with hundreds keeps its own mean.

use crate::dataset::Ratings;
use crate::dataset::{Catalog, PopularityBand};
use serde::{Deserialize, Serialize};

/// The constants of the weighted rating for one catalog.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct PopularityStats {
    /// Mean of all ratings (C).
    pub global_mean: f32,
    /// Minimum votes (m): the configured quantile of rating counts.
    pub min_votes: f32,
    /// Rating count at or above which a movie is `Popular`.
    pub popular_from: u32,
    /// Rating count at or above which a movie is `Known`.
    pub known_from: u32,
    pub max_weighted_rating: f32,
    pub min_weighted_rating: f32,
}

/// IMDb weighted rating.
pub fn weighted_rating(votes: f32, mean: f32, min_votes: f32, global_mean: f32) -> f32 {
    if votes + min_votes <= 0.0 {
        return global_mean;
    }
    votes / (votes + min_votes) * mean + min_votes / (votes + min_votes) * global_mean
}

/// Value at quantile `q` (0..=1) of a sorted slice, nearest-rank.
fn quantile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((sorted.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    sorted[idx]
}

/// Fills rating counts, means, weighted ratings and bands into the catalog.
pub(crate) fn apply(
    catalog: &mut Catalog,
    ratings: &Ratings,
    quantile_of_votes: f64,
) -> PopularityStats {
    let n = catalog.len();
    let mut sums = vec![0f64; n];
    let mut counts = vec![0u32; n];
    for r in &ratings.entries {
        sums[r.item as usize] += r.value as f64;
        counts[r.item as usize] += 1;
    }
    let global_mean = ratings.global_mean();
    let mut rated: Vec<u32> = counts.iter().copied().filter(|&c| c > 0).collect();
    rated.sort_unstable();
    let min_votes = quantile(&rated, quantile_of_votes).max(1) as f32;
    let popular_from = quantile(&rated, 0.90).max(1);
    let known_from = quantile(&rated, 0.60).max(1);
    let mut stats = PopularityStats {
        global_mean,
        min_votes,
        popular_from,
        known_from,
        max_weighted_rating: f32::MIN,
        min_weighted_rating: f32::MAX,
    };
    for (i, movie) in catalog.movies_mut().iter_mut().enumerate() {
        let v = counts[i];
        let mean = if v > 0 {
            (sums[i] / v as f64) as f32
        } else {
            0.0
        };
        movie.rating_count = v;
        movie.rating_mean = mean;
        movie.weighted_rating = weighted_rating(v as f32, mean, min_votes, global_mean);
        movie.popularity_band = band(v, popular_from, known_from);
        stats.max_weighted_rating = stats.max_weighted_rating.max(movie.weighted_rating);
        stats.min_weighted_rating = stats.min_weighted_rating.min(movie.weighted_rating);
    }
    stats
}

fn band(votes: u32, popular_from: u32, known_from: u32) -> PopularityBand {
    match votes {
        0 => PopularityBand::Unrated,
        v if v >= popular_from => PopularityBand::Popular,
        v if v >= known_from => PopularityBand::Known,
        _ => PopularityBand::Niche,
    }
}

impl PopularityStats {
    /// The weighted rating scaled to 0..=1 over the catalog, for blending with other scores.
    pub(crate) fn normalized(&self, weighted_rating: f32) -> f32 {
        let span = self.max_weighted_rating - self.min_weighted_rating;
        if span <= 0.0 {
            return 0.0;
        }
        ((weighted_rating - self.min_weighted_rating) / span).clamp(0.0, 1.0)
    }
}

/// A 0..1 popularity score per catalog row for blending: half the normalised weighted rating,
/// half how many people rated it (log scale), so "popular" means both liked and widely seen.
pub(crate) fn blend_scores(catalog: &Catalog, stats: &PopularityStats) -> Vec<f32> {
    let max_count = catalog
        .movies()
        .iter()
        .map(|m| m.rating_count)
        .max()
        .unwrap_or(0);
    let log_max = ((max_count as f32) + 1.0).ln().max(1e-6);
    catalog
        .movies()
        .iter()
        .map(|m| {
            0.5 * stats.normalized(m.weighted_rating)
                + 0.5 * ((m.rating_count as f32) + 1.0).ln() / log_max
        })
        .collect()
}

/// `pop` with reviewers' sentiment in it: each film whose audience share is known
/// (`audience[row]`, 0..1) moves by `weight` times how far its share lies from the mean share
/// of those films; the others stay as they are. Never below 0.
pub fn with_audience(pop: &[f32], audience: &[Option<f32>], weight: f32) -> Vec<f32> {
    let known: Vec<f32> = audience.iter().flatten().copied().collect();
    if known.is_empty() || weight == 0.0 {
        return pop.to_vec();
    }
    let mean = known.iter().sum::<f32>() / known.len() as f32;
    pop.iter()
        .zip(audience)
        .map(|(&p, a)| match a {
            Some(a) => (p + weight * (a - mean)).max(0.0),
            None => p,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_moves_only_the_films_it_knows() {
        let pop = [0.5, 0.5, 0.5, 0.2];
        let audience = [Some(0.9), Some(0.3), None, Some(0.6)];
        let mixed = with_audience(&pop, &audience, 0.5);
        // The mean share is 0.6.
        assert!((mixed[0] - 0.65).abs() < 1e-6, "{mixed:?}");
        assert!((mixed[1] - 0.35).abs() < 1e-6, "{mixed:?}");
        assert_eq!(mixed[2], 0.5);
        assert!((mixed[3] - 0.2).abs() < 1e-6);
        assert_eq!(with_audience(&pop, &audience, 0.0), pop);
    }

    #[test]
    fn few_perfect_ratings_rank_below_many_good_ones() {
        let (m, c) = (20.0, 3.5);
        let few = weighted_rating(2.0, 5.0, m, c);
        let many = weighted_rating(300.0, 4.3, m, c);
        assert!(few < many, "{few} !< {many}");
        assert!((weighted_rating(0.0, 0.0, m, c) - c).abs() < 1e-6);
    }

    #[test]
    fn quantile_is_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(quantile(&v, 0.0), 1);
        assert_eq!(quantile(&v, 1.0), 10);
        assert_eq!(quantile(&v, 0.5), 6);
    }
}
