//! Content-based "more like this": TF-IDF over a movie's genres, keywords, tags, overview and
//! title words, and a sparse top-k cosine-similarity matrix over those vectors.
//!
//! Fields are vectorised separately, each row of each field scaled to unit length and then by
//! the field's weight, so that a movie without an overview is still described by its genres.

mod explain;
pub mod similarity;
pub(crate) mod tfidf;

pub use similarity::{top_k_cosine, SimilarityMatrix};
pub use tfidf::{documents, feature_matrix, ContentDoc, FieldWeights};

pub(crate) use explain::shared_reason;

use crate::dataset::Catalog;
use anyhow::Result;

/// Builds the similarity matrix for a catalog: TF-IDF, then top-k cosine.
pub fn build(catalog: &Catalog, weights: &FieldWeights, k: usize) -> Result<SimilarityMatrix> {
    let docs = documents(catalog);
    let features = feature_matrix(&docs, weights)?;
    Ok(top_k_cosine(&features, k))
}
