//! Audience sentiment: how the reviews fetched for a movie lean ("82% of 25 reviews
//! positive"), kept per movie in the store whenever reviews are classified, and held in memory
//! for cards, the movie page and browse's sort and filter. `top_reviews` (`cinesense reviews
//! --top N`) fills it in for the most rated movies ahead of time.
//!
//! Not a term of the hybrid: the offline evaluation has no reviews to measure it with (they
//! are fetched live), and the hybrid takes a term only when `eval` shows it does no harm.

use crate::records::Audience;
use crate::store::{now, Store};
use anyhow::Result;
use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

/// Fewer reviews than this say too little to show a share or to sort by it.
const MIN_REVIEWS: u32 = 5;

/// A movie's audience in `by_movie` when its reviews say enough (at least `MIN_REVIEWS`).
pub(crate) fn telling(by_movie: &HashMap<u32, Audience>, movie_id: u32) -> Option<&Audience> {
    by_movie.get(&movie_id).filter(|a| a.reviews >= MIN_REVIEWS)
}

/// How often a server re-reads every movie's audience from the store, so what another replica
/// (or `cinesense reviews --top`) classified shows up here too.
const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// Every movie's audience sentiment, in memory, backed by the store.
pub(crate) struct Audiences {
    store: Arc<Store>,
    by_movie: RwLock<Arc<HashMap<u32, Audience>>>,
}

impl Audiences {
    /// Loads what the store has, and re-reads it every minute while the result lives.
    pub(crate) fn load(store: Arc<Store>) -> Result<Arc<Self>> {
        let audiences = Arc::new(Audiences {
            by_movie: RwLock::new(Arc::new(store.audiences()?.into_iter().collect())),
            store,
        });
        let weak: Weak<Audiences> = Arc::downgrade(&audiences);
        std::thread::Builder::new()
            .name("audience-reload".into())
            .spawn(move || loop {
                std::thread::sleep(RELOAD_EVERY);
                let Some(audiences) = weak.upgrade() else {
                    break;
                };
                if let Err(e) = audiences.reload() {
                    log::warn!("re-reading audience sentiment: {e:#}");
                }
            })?;
        Ok(audiences)
    }

    fn reload(&self) -> Result<()> {
        let fresh: HashMap<u32, Audience> = self.store.audiences()?.into_iter().collect();
        *self.by_movie.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
        Ok(())
    }

    /// Every movie's, as of now (cheap: a shared map).
    pub(crate) fn snapshot(&self) -> Arc<HashMap<u32, Audience>> {
        self.by_movie
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A movie's audience when its reviews say enough (at least `MIN_REVIEWS`).
    pub(crate) fn telling(&self, movie_id: u32) -> Option<Audience> {
        telling(&self.snapshot(), movie_id).copied()
    }

    /// Stores a movie's freshly classified reviews (blocking: call off the executor).
    pub(crate) fn record(&self, movie_id: u32, positive: u32, reviews: u32) -> Result<()> {
        let audience = Audience {
            positive,
            reviews,
            fetched_at: now(),
        };
        self.store.put_audience(movie_id, audience)?;
        let mut guard = self.by_movie.write().unwrap_or_else(|p| p.into_inner());
        let mut next = HashMap::clone(&guard);
        next.insert(movie_id, audience);
        *guard = Arc::new(next);
        Ok(())
    }
}

impl Audience {
    /// The positive share, 0..=1.
    pub(crate) fn share(&self) -> f64 {
        self.positive as f64 / self.reviews.max(1) as f64
    }

    /// The share's 95% Wilson lower bound: ranks 20 of 25 above 3 of 3.
    pub(crate) fn confident_share(&self) -> f64 {
        let n = self.reviews as f64;
        if n == 0.0 {
            return 0.0;
        }
        let (p, z) = (self.share(), 1.96f64);
        let z2 = z * z;
        (p + z2 / (2.0 * n) - z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt()) / (1.0 + z2 / n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(positive: u32, reviews: u32) -> Audience {
        Audience {
            positive,
            reviews,
            fetched_at: 0,
        }
    }

    #[test]
    fn a_confident_share_ranks_many_good_reviews_above_a_few_perfect_ones() {
        assert!(a(20, 25).confident_share() > a(3, 3).confident_share());
        assert!(a(24, 25).confident_share() > a(20, 25).confident_share());
        assert!(a(0, 10).confident_share() < 0.01);
        assert_eq!(a(0, 0).confident_share(), 0.0);
        assert!((a(20, 25).share() - 0.8).abs() < 1e-9);
    }

    #[test]
    fn recorded_audiences_are_kept_in_the_store_and_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::Database::Sqlite(dir.path().join("a.sqlite"));
        let store = Arc::new(Store::open(&db).unwrap());
        let audiences = Audiences::load(store.clone()).unwrap();
        audiences.record(1, 2, 3).unwrap();
        audiences.record(2, 20, 25).unwrap();
        assert_eq!(audiences.telling(1), None, "3 reviews say too little");
        assert_eq!(audiences.telling(2).map(|a| a.positive), Some(20));
        // Another process (a second replica) reads the same figures.
        let again = Audiences::load(Arc::new(Store::open(&db).unwrap())).unwrap();
        assert_eq!(again.snapshot().len(), 2);
        assert_eq!(again.telling(2).map(|a| a.reviews), Some(25));
    }
}
