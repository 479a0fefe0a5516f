//! What a search is (the parsed query) and what it finds (a hit): the leaf the query, the
//! index and the cache share.

/// One match: the catalog row and its blended score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    pub row: usize,
    pub score: f32,
    /// Whether the match needed typo tolerance.
    pub fuzzy: bool,
}

/// A parsed query: folded words, whether the last one is still being typed, and a year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SearchQuery {
    pub words: Vec<String>,
    pub last_is_prefix: bool,
    pub year: Option<u64>,
}
