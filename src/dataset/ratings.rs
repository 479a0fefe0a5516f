//! Ratings as the collaborative models see them: dense user and item indices.
//! Items are catalog rows, users are MovieLens userIds mapped to 0..n_users.

use crate::dataset::movielens::{csv_ratings, MovieLens};
use crate::dataset::Catalog;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// One rating: dense user, catalog row, stars, unix time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Rating {
    pub user: u32,
    pub item: u32,
    pub value: f32,
    pub timestamp: i64,
}

/// All ratings with the user id mapping.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ratings {
    /// Dense user index -> MovieLens userId.
    pub user_ids: Vec<u32>,
    pub entries: Vec<Rating>,
    pub n_items: usize,
}

impl Ratings {
    /// Reads a release's ratings; ratings of movies outside the catalog are skipped.
    pub fn load(movielens: &MovieLens, catalog: &Catalog) -> Result<Self> {
        let mut user_index: HashMap<u32, u32> = HashMap::new();
        let mut out = Ratings {
            n_items: catalog.len(),
            ..Default::default()
        };
        movielens.ratings(|user_id, movie_id, value, timestamp| {
            let Some(item) = catalog.index_of(movie_id) else {
                return;
            };
            let next = out.user_ids.len() as u32;
            let user = *user_index.entry(user_id).or_insert_with(|| {
                out.user_ids.push(user_id);
                next
            });
            out.entries.push(Rating {
                user,
                item: item as u32,
                value,
                timestamp,
            });
        })?;
        Ok(out)
    }

    /// Reads a file in the MovieLens format with its own item ids (for benchmarks on other
    /// MovieLens releases): items are mapped densely in order of first appearance.
    pub fn load_raw(path: &Path) -> Result<Self> {
        let mut users: HashMap<u32, u32> = HashMap::new();
        let mut items: HashMap<u32, u32> = HashMap::new();
        let mut out = Ratings::default();
        csv_ratings(path, |user_id, movie_id, value, timestamp| {
            let next_u = users.len() as u32;
            let user = *users.entry(user_id).or_insert(next_u);
            if user == next_u {
                out.user_ids.push(user_id);
            }
            let next_i = items.len() as u32;
            let item = *items.entry(movie_id).or_insert(next_i);
            out.entries.push(Rating {
                user,
                item,
                value,
                timestamp,
            });
        })?;
        out.n_items = items.len();
        Ok(out)
    }

    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn global_mean(&self) -> f32 {
        if self.entries.is_empty() {
            return 0.0;
        }
        (self.entries.iter().map(|r| r.value as f64).sum::<f64>() / self.entries.len() as f64)
            as f32
    }
}
