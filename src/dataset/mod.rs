//! What the models learn from: the movie catalog (MovieLens joined with TMDB 5000 and the enrich
//! snapshot) and the MovieLens ratings with dense ids.

pub mod catalog;
pub mod ratings;
pub mod tmdb_snapshot;

pub use catalog::{load_catalog, Catalog, DataFiles, Movie, PopularityBand};
pub use ratings::{Rating, Ratings};
