//! The answers to recent queries. Typing is repetitive (everyone who looks for a film starting
//! with "The" sends "t", "th", "the"), and a query with a typo-tolerant pass walks the term
//! dictionary for most of its time, so hot prefixes are answered from memory. The index never
//! changes while loaded, so an answer never goes stale. Two generations bound the memory: when
//! the current one fills up it becomes the previous one, and what is still asked for moves
//! back, so the cache holds the recently used queries at most `2 × GENERATION` of them.

use super::hit::{SearchHit, SearchQuery};
use std::collections::HashMap;
use std::sync::Mutex;

/// Queries per generation.
const GENERATION: usize = 4096;

type Key = (SearchQuery, usize);

#[derive(Default)]
pub(super) struct QueryCache {
    generations: Mutex<[HashMap<Key, Vec<SearchHit>>; 2]>,
}

impl QueryCache {
    pub(super) fn get(&self, query: &SearchQuery, limit: usize) -> Option<Vec<SearchHit>> {
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        let key = (query.clone(), limit);
        if let Some(hits) = g[0].get(&key) {
            return Some(hits.clone());
        }
        let hits = g[1].remove(&key)?;
        Self::insert(&mut g, key, hits.clone());
        Some(hits)
    }

    pub(super) fn put(&self, query: &SearchQuery, limit: usize, hits: &[SearchHit]) {
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        Self::insert(&mut g, (query.clone(), limit), hits.to_vec());
    }

    fn insert(g: &mut [HashMap<Key, Vec<SearchHit>>; 2], key: Key, hits: Vec<SearchHit>) {
        if g[0].len() >= GENERATION {
            g[1] = std::mem::take(&mut g[0]);
        }
        g[0].insert(key, hits);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let g = self.generations.lock().unwrap();
        g[0].len() + g[1].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(word: &str) -> SearchQuery {
        SearchQuery {
            words: vec![word.to_string()],
            last_is_prefix: true,
            year: None,
        }
    }

    #[test]
    fn keeps_what_is_asked_for_and_stays_bounded() {
        let cache = QueryCache::default();
        let hit = SearchHit {
            row: 7,
            score: 1.0,
            fuzzy: false,
        };
        cache.put(&query("the"), 8, &[hit]);
        assert_eq!(cache.get(&query("the"), 8), Some(vec![hit]));
        assert_eq!(
            cache.get(&query("the"), 5),
            None,
            "the limit is part of the key"
        );
        for i in 0..3 * GENERATION {
            cache.put(&query(&format!("q{i}")), 8, &[]);
            if i % 100 == 0 {
                // Asked for all along: never dropped.
                assert!(cache.get(&query("the"), 8).is_some());
            }
        }
        assert!(cache.len() <= 2 * GENERATION);
        assert_eq!(cache.get(&query("q0"), 8), None, "long unused");
    }
}
