//! cinesense: a movie recommender. Search-as-you-type (tantivy), "more like this" (TF-IDF and
//! sparse top-k cosine), an IMDb-style weighted rating, matrix factorisation with fold-in for
//! new users, and a hybrid of the three, served over a REST API and to the browser app in web/.
//!
//! Data flow: `catalog` reads data/, `artifacts::build` derives index/ (content similarity,
//! popularity, MF, search index), `api` serves it through `startup`.

pub mod api;
pub mod artifacts;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod collab;
pub mod config;
pub mod content;
pub mod domain;
pub mod enrich;
pub mod hybrid;
pub mod imdb;
pub mod onboarding;
pub mod popularity;
pub mod reviews;
pub mod search;
pub mod sentiment;
pub mod startup;
pub mod store;
pub mod tmdb;
