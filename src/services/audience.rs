//! Audience sentiment: how a movie's reviews lean ("82% of 25 reviews positive"): its offline
//! reviews (classified at build) plus those fetched live, which are kept per movie in the store
//! whenever they are classified; held in memory for cards, the movie page and browse's sort and
//! filter. `top_reviews` (`cinesense reviews --top N`) fetches them for the most rated movies
//! ahead of time.

use crate::index::{offline_audiences, OfflineReviews};
use crate::records::Audience;
use crate::store::{now, Store};
use anyhow::Result;
use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

/// A movie's audience in `by_movie` when its reviews say enough (`Audience::is_telling`).
pub(crate) fn telling(by_movie: &HashMap<u32, Audience>, movie_id: u32) -> Option<&Audience> {
    by_movie.get(&movie_id).filter(|a| a.is_telling())
}

/// How often a server re-reads every movie's audience from the store, so what another replica
/// (or `cinesense reviews --top`) classified shows up here too.
const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// Every movie's audience sentiment, in memory: the offline reviews' (classified at build)
/// plus what live fetches added, kept in the store.
pub(crate) struct Audiences {
    store: Arc<Store>,
    /// The offline reviews' counts, the floor live fetches add to.
    offline: HashMap<u32, Audience>,
    by_movie: RwLock<Arc<HashMap<u32, Audience>>>,
}

/// `offline` with the live counts added movie by movie.
fn combined(
    offline: &HashMap<u32, Audience>,
    live: impl IntoIterator<Item = (u32, Audience)>,
) -> HashMap<u32, Audience> {
    let mut all = offline.clone();
    for (id, a) in live {
        all.insert(id, plus(offline.get(&id), a));
    }
    all
}

/// A live count on top of the offline one.
fn plus(offline: Option<&Audience>, live: Audience) -> Audience {
    match offline {
        Some(o) => Audience {
            positive: o.positive + live.positive,
            reviews: o.reviews + live.reviews,
            fetched_at: live.fetched_at,
        },
        None => live,
    }
}

impl Audiences {
    /// The offline reviews' counts plus what the store has, re-read every minute while the
    /// result lives.
    pub(crate) fn load(store: Arc<Store>, offline: &OfflineReviews) -> Result<Arc<Self>> {
        let offline = offline_audiences(offline);
        let audiences = Arc::new(Audiences {
            by_movie: RwLock::new(Arc::new(combined(&offline, store.audiences()?))),
            offline,
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
        let fresh = combined(&self.offline, self.store.audiences()?);
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

    /// A movie's audience when its reviews say enough.
    pub(crate) fn telling(&self, movie_id: u32) -> Option<Audience> {
        telling(&self.snapshot(), movie_id).copied()
    }

    /// Stores a movie's freshly classified live reviews, those the offline ones do not
    /// already hold (blocking: call off the executor).
    pub(crate) fn record(&self, movie_id: u32, positive: u32, reviews: u32) -> Result<()> {
        let audience = Audience {
            positive,
            reviews,
            fetched_at: now(),
        };
        self.store.put_audience(movie_id, audience)?;
        let mut guard = self.by_movie.write().unwrap_or_else(|p| p.into_inner());
        let mut next = HashMap::clone(&guard);
        next.insert(movie_id, plus(self.offline.get(&movie_id), audience));
        *guard = Arc::new(next);
        Ok(())
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
        let audiences = Audiences::load(store.clone(), &OfflineReviews::new()).unwrap();
        audiences.record(1, 2, 3).unwrap();
        audiences.record(2, 20, 25).unwrap();
        assert_eq!(audiences.telling(1), None, "3 reviews say too little");
        assert_eq!(audiences.telling(2).map(|a| a.positive), Some(20));
        // Another process (a second replica) reads the same figures.
        let again =
            Audiences::load(Arc::new(Store::open(&db).unwrap()), &OfflineReviews::new()).unwrap();
        assert_eq!(again.snapshot().len(), 2);
        assert_eq!(again.telling(2).map(|a| a.reviews), Some(25));
    }

    #[test]
    fn offline_reviews_count_and_live_ones_add_to_them() {
        use crate::dataset::reviews::{OfflineReview, ReviewSplit};
        use crate::index::ClassifiedReview;
        use crate::sentiment::Sentiment;
        let review = |p: Option<f32>| ClassifiedReview {
            review: OfflineReview {
                number: 0,
                split: ReviewSplit::Unsup,
                rating: None,
                text: "t".into(),
            },
            sentiment: p.map(Sentiment::from_probability),
        };
        let mut offline = OfflineReviews::new();
        // Three positive, one negative, one the model never read.
        offline.insert(
            7,
            [0.9, 0.8, 0.7, 0.1]
                .map(Some)
                .into_iter()
                .chain([None])
                .map(review)
                .collect(),
        );
        offline.insert(8, vec![review(Some(0.9)); 2]);
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::Database::Sqlite(dir.path().join("a.sqlite"));
        let audiences = Audiences::load(Arc::new(Store::open(&db).unwrap()), &offline).unwrap();
        assert_eq!(audiences.snapshot()[&7], a(3, 4));
        assert_eq!(
            audiences.telling(7),
            None,
            "4 classified reviews say too little"
        );
        assert_eq!(audiences.telling(8), None);
        audiences.record(7, 1, 2).unwrap();
        let seven = audiences.telling(7).expect("4 offline and 2 live");
        assert_eq!((seven.positive, seven.reviews), (4, 6));
        assert!(seven.fetched_at > 0, "the live fetch's time");
        // The store keeps the live counts only; a reload adds the offline ones again.
        audiences.reload().unwrap();
        assert_eq!(
            audiences.telling(7).map(|a| (a.positive, a.reviews)),
            Some((4, 6))
        );
        let fresh =
            Audiences::load(Arc::new(Store::open(&db).unwrap()), &OfflineReviews::new()).unwrap();
        assert_eq!(fresh.snapshot()[&7].reviews, 2);
    }
}
