//! Search-as-you-type over movie titles with tantivy.
//!
//! Every finished word must match a whole title word; the last word matches as a prefix
//! (an edge-n-gram field, so a prefix is one term lookup); words of 4+ letters forgive one typo.
//! Exact and prefix matches always come before fuzzy ones: the fuzzy query runs only to fill
//! what the exact one left. Case and accents fold, a year narrows, popularity breaks ties.

mod cache;
mod hit;
mod query;
mod read_only;
mod schema;

pub use hit::SearchHit;
pub(crate) use query::MAX_QUERY_CHARS;
pub(crate) use schema::{build_index, folded_words, SearchIndex};
