//! What the models learn from: the movie catalog (a MovieLens release of any layout joined with
//! TMDB 5000 and the enrich snapshot) and the release's ratings with dense ids.

pub mod catalog;
pub mod generate;
pub mod movielens;
pub mod ratings;
pub mod reviews;
pub mod tmdb_snapshot;

pub use catalog::{load_catalog, Catalog, DataFiles, Movie, PopularityBand};
pub use ratings::{Rating, Ratings};
