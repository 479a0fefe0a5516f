//! The recommender's model families, each with its data handling, model and tests side by side.
//! They read the dataset and nothing above it; `hybrid` is the one family that reads the others.
//!
//! holdout (the validation split and rank metrics tuning and eval share) |
//! popularity (weighted rating, bands) | content (TF-IDF, top-k cosine) | collab (MF, fold-in) |
//! search (tantivy) | hybrid (the blend and its explanations)

pub mod collab;
pub mod content;
pub mod holdout;
pub mod hybrid;
pub mod popularity;
pub mod search;
