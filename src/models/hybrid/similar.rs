//! "More like this": the films of the same series first, then a blend of co-watching (what the
//! people who rated this movie also rated, the implicit model) and content similarity, with
//! popularity mixed in; content alone for a movie few have rated. Each neighbour with its
//! reason.

use crate::dataset::Catalog;
use crate::models::collab::ImplicitModel;
use crate::models::content::{
    collection_series_name, cowatch_reason, series, series_name, series_words, shared_reason,
    Series, SimilarityMatrix,
};
use crate::models::popularity::PopularityStats;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

/// A neighbour ranked for "More like this".
pub struct Similar {
    pub row: usize,
    /// Cosine similarity of the content vectors (0..1).
    pub similarity: f32,
    /// The similarity blended with popularity.
    pub score: f32,
    pub reason: String,
}

/// Each film's most co-watched films: the implicit model's scores for someone who watched only
/// it, best first, scaled so that the best is 1. Worked out once per index by `build`: asked
/// per request it was a dot product with every film (22 MB of factors at 87,585 films).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cowatched {
    /// Per catalog row; empty for a film too few have rated.
    lists: Vec<Vec<(u32, f32)>>,
}

impl Cowatched {
    pub fn build(catalog: &Catalog, model: &ImplicitModel) -> Self {
        let lists = (0..catalog.len())
            .into_par_iter()
            .map(|row| {
                if catalog.at(row).rating_count >= COWATCH_MIN_RATINGS {
                    cowatched_with(model, row)
                } else {
                    Vec::new()
                }
            })
            .collect();
        Cowatched { lists }
    }

    pub fn rows(&self) -> usize {
        self.lists.len()
    }

    /// The films most watched with catalog row `row`, scaled so that the best is 1.
    pub fn of(&self, row: usize) -> &[(u32, f32)] {
        self.lists.get(row).map_or(&[], Vec::as_slice)
    }
}

/// The `COWATCH_CANDIDATES` films most watched with `row`, scaled so that the best is 1.
fn cowatched_with(model: &ImplicitModel, row: usize) -> Vec<(u32, f32)> {
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
    top.into_iter().map(|(j, s)| (j as u32, s / max)).collect()
}

/// What "more like this" reads.
pub struct Neighbourhood<'a> {
    pub catalog: &'a Catalog,
    pub similarity: &'a SimilarityMatrix,
    /// None without an implicit model.
    pub cowatched: Option<&'a Cowatched>,
    pub popularity: &'a PopularityStats,
    /// The share of popularity in a neighbour's score (0..1).
    pub popularity_weight: f32,
}

/// The series of every film, worked out once per catalog.
pub struct SeriesIndex {
    /// Per catalog row, the title words that name its series.
    words: Vec<Vec<String>>,
    /// The rows of each series name (`Series::Same`: the same words, not none).
    same: HashMap<Vec<String>, Vec<usize>>,
    /// The catalog rows of each TMDB collection.
    collections: HashMap<String, Vec<usize>>,
}

impl SeriesIndex {
    pub fn new(catalog: &Catalog) -> Self {
        let mut collections: HashMap<String, Vec<usize>> = HashMap::new();
        for (row, m) in catalog.movies().iter().enumerate() {
            if let Some(c) = &m.collection {
                collections.entry(c.clone()).or_default().push(row);
            }
        }
        let words: Vec<Vec<String>> = catalog
            .movies()
            .iter()
            .map(|m| series_words(&m.title))
            .collect();
        let mut same: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        for (row, w) in words.iter().enumerate().filter(|(_, w)| !w.is_empty()) {
            same.entry(w.clone()).or_default().push(row);
        }
        SeriesIndex {
            words,
            same,
            collections,
        }
    }
}

/// The films most like catalog row `row`, best first, only those with at least `min_votes`
/// ratings.
pub fn similar_movies(
    n: &Neighbourhood,
    series_index: &SeriesIndex,
    row: usize,
    min_votes: u32,
    limit: usize,
) -> Vec<Similar> {
    let movie = n.catalog.at(row);
    let mut candidates: HashMap<usize, (f32, f32)> = n
        .similarity
        .neighbours(row)
        .into_iter()
        .map(|(j, sim)| (j, (sim, 0.0)))
        .collect();
    let cowatch = match n.cowatched {
        Some(cowatched) if movie.rating_count >= COWATCH_MIN_RATINGS => {
            for &(j, s) in cowatched.of(row) {
                candidates.entry(j as usize).or_default().1 = s;
            }
            true
        }
        _ => false,
    };
    let all_words = &series_index.words;
    let words = &all_words[row];
    for &j in series_index.same.get(words).into_iter().flatten() {
        if j != row {
            candidates.entry(j).or_default();
        }
    }
    if let Some(c) = &movie.collection {
        for &j in series_index.collections.get(c).into_iter().flatten() {
            if j != row {
                candidates.entry(j).or_default();
            }
        }
    }
    let w = n.popularity_weight;
    // Scored first, worded after: only the films shown get a reason.
    let mut scored: Vec<Scored> = candidates
        .into_iter()
        .filter(|&(j, _)| n.catalog.at(j).rating_count >= min_votes)
        .map(|(j, (sim, cw))| {
            let other = n.catalog.at(j);
            // TMDB's collections where both films have details; their titles otherwise.
            let collection = match (&movie.collection, &other.collection) {
                (Some(x), Some(y)) => Some(x == y),
                _ => None,
            };
            let in_series = collection.unwrap_or_else(|| match series(words, &all_words[j]) {
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
                + w * n.popularity.normalized(other.weighted_rating)
                + if in_series { SERIES_LEAD } else { 0.0 };
            Scored {
                row: j,
                similarity: sim,
                cowatched: cw,
                collection,
                in_series,
                score,
            }
        })
        .collect();
    let by_score = |x: &Scored, y: &Scored| y.score.total_cmp(&x.score).then(x.row.cmp(&y.row));
    scored.sort_by(by_score);
    // The series goes first, but for a film people know only a few of its parts nobody saw
    // (the 1979 TV Captain America, the Ice Age shorts) lead; the rest compete on merit.
    if movie.rating_count >= COWATCH_MIN_RATINGS {
        let mut obscure_leads = 0;
        for s in scored.iter_mut() {
            if s.score >= SERIES_LEAD && n.catalog.at(s.row).rating_count < SERIES_MIN_RATINGS {
                obscure_leads += 1;
                if obscure_leads > MAX_OBSCURE_LEADS {
                    s.score -= SERIES_LEAD;
                }
            }
        }
        scored.sort_by(by_score);
    }
    scored.truncate(limit);
    scored
        .into_iter()
        .map(|s| {
            let (j, sim, cw, collection) = (s.row, s.similarity, s.cowatched, s.collection);
            let other = n.catalog.at(j);
            let reason = if s.in_series {
                // Name the series by TMDB's collection, else by the shorter of the two
                // titles: "The Matrix", not "The Matrix Reloaded".
                let named = if words.len() <= all_words[j].len() {
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
                cowatch_reason(movie, other)
            } else {
                shared_reason(movie, other)
            };
            Similar {
                row: j,
                similarity: sim,
                score: s.score,
                reason,
            }
        })
        .collect()
}

/// A candidate for "more like this", scored but not yet worded.
struct Scored {
    row: usize,
    similarity: f32,
    /// Co-watching, weighed by the genres the two films share.
    cowatched: f32,
    /// Whether TMDB puts both films in one collection; None where either lacks details.
    collection: Option<bool>,
    in_series: bool,
    score: f32,
}
