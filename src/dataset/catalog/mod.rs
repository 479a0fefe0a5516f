//! The movie catalog: every MovieLens movie joined with its links, user tags and, where the
//! TMDB 5000 file has the movie, its overview, keywords and TMDB vote figures.
//!
//! The catalog's primary id is the MovieLens `movieId`. Movies are stored densely; `index_of`
//! maps an id to its row, which is the row used by every model (content, collab, search).

mod load;
pub mod title;

pub use load::{load_catalog, DataFiles};

use super::tmdb_snapshot::SnapshotMovie;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// Where a movie stands by how many people rated it (MovieLens rating counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PopularityBand {
    /// The most-rated tenth: titles most people have heard of.
    Popular,
    /// The next 30%.
    Known,
    /// Rated by a few: where hidden gems live.
    Niche,
    /// Nobody rated it yet.
    Unrated,
}

impl PopularityBand {
    pub const ALL: [PopularityBand; 4] = [Self::Popular, Self::Known, Self::Niche, Self::Unrated];
}

/// One movie with everything the local data knows about it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Movie {
    /// MovieLens movieId, the catalog's primary id.
    pub id: u32,
    /// Display title, article in front: "The Godfather".
    pub title: String,
    /// Original or alternative title from the parentheses in the MovieLens title.
    pub original_title: Option<String>,
    /// The title exactly as MovieLens writes it.
    pub movielens_title: String,
    pub year: Option<u16>,
    /// MovieLens genres, without its formats (IMAX) and "(no genres listed)".
    pub genres: Vec<String>,
    /// What MovieLens files among genres but is a way of showing the film: IMAX.
    #[serde(default)]
    pub formats: Vec<String>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<u32>,
    /// Distinct MovieLens user tags, most used first.
    pub tags: Vec<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub keywords: Vec<String>,
    pub runtime_minutes: Option<u16>,
    pub release_date: Option<String>,
    pub tmdb_popularity: Option<f32>,
    pub tmdb_vote_average: Option<f32>,
    pub tmdb_vote_count: Option<u32>,
    /// TMDB's series ("The Matrix Collection"), where its details were fetched.
    pub collection: Option<String>,
    /// Number of MovieLens ratings.
    pub rating_count: u32,
    /// Mean MovieLens rating (0 when unrated).
    pub rating_mean: f32,
    /// IMDb-style weighted rating, see `popularity`.
    pub weighted_rating: f32,
    pub popularity_band: PopularityBand,
}

/// Running times below this are short films.
const SHORT_MINUTES: u16 = 45;

impl Movie {
    /// A short film (BURN-E, the Pixar shorts): under 45 minutes where the running time is
    /// known, else tagged or keyworded as a short.
    pub(crate) fn is_short(&self) -> bool {
        match self.runtime_minutes {
            Some(m) if m > 0 => m < SHORT_MINUTES,
            _ => {
                self.tags.iter().chain(&self.keywords).any(|t| {
                    t.eq_ignore_ascii_case("short") || t.eq_ignore_ascii_case("short film")
                })
            }
        }
    }

    /// Jaccard similarity of two movies' genres (0 when neither has any).
    pub(crate) fn genre_jaccard(&self, other: &Movie) -> f64 {
        let common = self
            .genres
            .iter()
            .filter(|g| other.genres.contains(g))
            .count();
        let union = self.genres.len() + other.genres.len() - common;
        if union == 0 {
            0.0
        } else {
            common as f64 / union as f64
        }
    }
}

/// All movies, addressable by MovieLens id or by dense row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    movies: Vec<Movie>,
    genres: Vec<String>,
    #[serde(skip)]
    by_id: HashMap<u32, usize>,
    /// Each movie's genres as bits of `genres` (empty when there are more than 64 genres).
    #[serde(skip)]
    genre_bits: Vec<u64>,
    /// How many genres each movie lists: read per film per recommendation, so kept dense
    /// beside `genre_bits` rather than behind each movie's pointer.
    #[serde(skip)]
    genre_counts: Vec<u8>,
}

impl Catalog {
    pub(crate) fn new(movies: Vec<Movie>) -> Self {
        let mut genres: Vec<String> = movies
            .iter()
            .flat_map(|m| m.genres.iter().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        genres.retain(|g| g != "(no genres listed)");
        let mut catalog = Catalog {
            movies,
            genres,
            by_id: HashMap::new(),
            genre_bits: Vec::new(),
            genre_counts: Vec::new(),
        };
        catalog.reindex();
        catalog
    }

    /// Rebuilds the id and genre lookups (after deserialising).
    pub(crate) fn reindex(&mut self) {
        self.by_id = self
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i))
            .collect();
        self.genre_bits = if self.genres.len() <= 64 {
            self.movies
                .iter()
                .map(|m| self.genre_mask(&m.genres).unwrap_or(0))
                .collect()
        } else {
            Vec::new()
        };
        self.genre_counts = self
            .movies
            .iter()
            .map(|m| m.genres.len().min(u8::MAX as usize) as u8)
            .collect();
    }

    /// `names` as bits of the catalog's genres (names it does not have add none); None when
    /// the catalog has more than 64 genres.
    pub(crate) fn genre_mask(&self, names: &[String]) -> Option<u64> {
        if self.genres.len() > 64 {
            return None;
        }
        Some(
            names
                .iter()
                .filter_map(|n| self.genres.binary_search(n).ok())
                .fold(0, |mask, k| mask | 1 << k),
        )
    }

    /// A movie's genres as bits (`genre_mask`); None past 64 genres.
    pub(crate) fn genre_bits(&self, row: usize) -> Option<u64> {
        self.genre_bits.get(row).copied()
    }

    /// How many genres a movie lists (at most 255).
    pub(crate) fn genre_count(&self, row: usize) -> usize {
        self.genre_counts[row] as usize
    }

    pub fn len(&self) -> usize {
        self.movies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.movies.is_empty()
    }

    pub fn movies(&self) -> &[Movie] {
        &self.movies
    }

    pub(crate) fn movies_mut(&mut self) -> &mut [Movie] {
        &mut self.movies
    }

    /// Genre names, sorted, without MovieLens' "(no genres listed)".
    pub(crate) fn genres(&self) -> &[String] {
        &self.genres
    }

    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    pub fn get(&self, id: u32) -> Option<&Movie> {
        self.index_of(id).map(|i| &self.movies[i])
    }

    pub fn at(&self, row: usize) -> &Movie {
        &self.movies[row]
    }
}

/// Fills overview, keywords, tagline, runtime, release date and series from the TMDB snapshot (written
/// by `cinesense enrich`) where the local data has none. Returns how many movies gained an
/// overview.
pub(crate) fn fill_from_tmdb(
    catalog: &mut Catalog,
    snapshot: &HashMap<u32, SnapshotMovie>,
) -> usize {
    let mut filled = 0;
    for m in catalog.movies_mut() {
        let Some(d) = m.tmdb_id.and_then(|id| snapshot.get(&id)) else {
            continue;
        };
        let text = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        if m.overview.is_none() {
            m.overview = text(&d.overview);
            filled += m.overview.is_some() as usize;
        }
        if m.keywords.is_empty() {
            m.keywords = d.keywords.clone();
        }
        m.tagline = m.tagline.take().or_else(|| text(&d.tagline));
        m.runtime_minutes = m
            .runtime_minutes
            .or(d.runtime.filter(|r| *r > 0).map(|r| r as u16));
        m.release_date = m.release_date.take().or_else(|| text(&d.release_date));
        m.tmdb_vote_average = m.tmdb_vote_average.or(d.vote_average);
        m.tmdb_vote_count = m.tmdb_vote_count.or(d.vote_count);
        m.collection = m.collection.take().or_else(|| text(&d.collection));
    }
    filled
}
