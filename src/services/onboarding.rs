//! Choosing the movies a new user is asked to rate: from their genres, spread over popularity
//! bands (titles they have likely seen, and some less known), and diverse (no run of sequels).

use crate::dataset::{Catalog, PopularityBand};
use crate::models::content::SimilarityMatrix;
use std::collections::HashSet;

/// Two picks closer than this in content are "the same kind of film" (sequels, remakes).
const TOO_SIMILAR: f32 = 0.35;

/// Up to `limit` catalog rows to rate, best known first.
pub fn onboarding(
    catalog: &Catalog,
    similarity: &SimilarityMatrix,
    genres: &[String],
    exclude: &HashSet<usize>,
    limit: usize,
) -> Vec<usize> {
    let quotas = [
        (PopularityBand::Popular, (limit * 3).div_ceil(5)),
        (PopularityBand::Known, limit / 4),
        (PopularityBand::Niche, limit),
    ];
    let mut picked: Vec<usize> = Vec::with_capacity(limit);
    // Beyond the popular films, only features the catalog knows the length of: MovieLens
    // marks no shorts (BURN-E, Geri's Game), and a film without TMDB details is seldom one a
    // newcomer has seen. A catalog without lengths at all asks about any.
    let lengths_known = catalog.movies().iter().any(|m| m.runtime_minutes.is_some());
    for (band, quota) in quotas {
        let mut pool: Vec<usize> = (0..catalog.len())
            .filter(|r| !exclude.contains(r))
            .filter(|&r| {
                let m = catalog.at(r);
                m.popularity_band == band
                    && m.rating_count >= 3
                    && !m.is_short()
                    && (band == PopularityBand::Popular
                        || !lengths_known
                        || m.runtime_minutes.is_some())
                    && m.genres.iter().any(|g| genres.contains(g))
            })
            .collect();
        pool.sort_by(|&a, &b| {
            catalog
                .at(b)
                .weighted_rating
                .total_cmp(&catalog.at(a).weighted_rating)
        });
        let target = (picked.len() + quota).min(limit);
        // Round-robin over the chosen genres so each is represented.
        let mut cursor = 0;
        let mut stalled = 0;
        while picked.len() < target && stalled < genres.len().max(1) {
            let genre = &genres[cursor % genres.len().max(1)];
            cursor += 1;
            let next = pool.iter().position(|&r| {
                catalog.at(r).genres.contains(genre)
                    && !picked.iter().any(|&p| {
                        similarity.get(p, r).unwrap_or(0.0) > TOO_SIMILAR
                            || similarity.get(r, p).unwrap_or(0.0) > TOO_SIMILAR
                    })
            });
            match next {
                Some(i) => {
                    picked.push(pool.remove(i));
                    stalled = 0;
                }
                None => stalled += 1,
            }
        }
    }
    picked
}
