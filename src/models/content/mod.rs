//! Content-based "more like this": TF-IDF over a movie's genres, keywords, tags, overview and
//! title words, and a sparse top-k cosine-similarity matrix over those vectors.
//!
//! Fields are vectorised separately, each row of each field scaled to unit length and then by
//! the field's weight, so that a movie without an overview is still described by its genres;
//! the whole row is then divided by the length a fully described movie has, so a movie with
//! fields missing has a shorter vector and is never a perfect match for everything of its genre.
//! series.rs tells films of one series apart by their titles; explain.rs says what two share.

mod explain;
mod series;
pub mod similarity;
mod stop_words;
pub(crate) mod tfidf;

pub use similarity::{top_k_cosine, SimilarityMatrix};
pub use tfidf::{documents, feature_matrix, ContentDoc, FieldWeights};

pub(crate) use explain::{cowatch_reason, shared_reason};
pub(crate) use series::{collection_series_name, series, series_name, series_words, Series};

use crate::dataset::Catalog;
use anyhow::Result;

/// Builds the similarity matrix for a catalog: TF-IDF, then top-k cosine.
pub fn build(catalog: &Catalog, weights: &FieldWeights, k: usize) -> Result<SimilarityMatrix> {
    let docs = documents(catalog);
    let features = feature_matrix(&docs, weights)?;
    Ok(top_k_cosine(&features, k))
}
