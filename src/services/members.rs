//! Members: what the app knows about one person — their ratings, watchlist and
//! not-interested list — and the rules between them (a rated film has been seen, so it leaves
//! the watchlist). The one place the API's member routes reach the store. Methods block: call
//! them off the async executor.

use crate::domain::Stars;
use crate::records::{MovieList, User, UserRating};
use crate::store::Store;
use anyhow::Result;
use std::sync::Arc;

/// A member as the models read them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// (movie id, stars), oldest first.
    pub ratings: Vec<(u32, f32)>,
    /// The genres picked at signup.
    pub genres: Vec<String>,
    /// Movie ids on the watchlist, newest first.
    pub watchlist: Vec<u32>,
    /// Movie ids the member is not interested in, newest first.
    pub not_interested: Vec<u32>,
}

impl Profile {
    /// What their recommendations leave out besides what they rated: films already chosen
    /// (the watchlist) and films they do not want.
    pub fn chosen_or_unwanted(&self) -> Vec<u32> {
        self.watchlist
            .iter()
            .chain(&self.not_interested)
            .copied()
            .collect()
    }

    /// What they rated or do not want (browse's "hide rated").
    pub fn rated_or_unwanted(&self) -> impl Iterator<Item = u32> + '_ {
        self.ratings
            .iter()
            .map(|r| r.0)
            .chain(self.not_interested.iter().copied())
    }
}

/// A rating as saved, and whether saving it took the film off the watchlist.
pub struct Rated {
    pub rating: UserRating,
    pub left_watchlist: bool,
}

#[derive(Clone)]
pub struct Members {
    store: Arc<Store>,
}

impl Members {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Members { store }
    }

    /// Everything the models read about `user`.
    pub fn profile(&self, user: &User) -> Result<Profile> {
        let ids = |list| -> Result<Vec<u32>> {
            Ok(self
                .store
                .list(list, user.id)?
                .into_iter()
                .map(|e| e.0)
                .collect())
        };
        Ok(Profile {
            ratings: self.ratings_oldest_first(user.id)?,
            genres: user.genres.clone(),
            watchlist: ids(MovieList::Watchlist)?,
            not_interested: ids(MovieList::NotInterested)?,
        })
    }

    /// (movie id, stars), oldest first, as the models read them (the store lists the newest
    /// first).
    pub fn ratings_oldest_first(&self, user_id: i64) -> Result<Vec<(u32, f32)>> {
        Ok(self
            .store
            .ratings(user_id)?
            .into_iter()
            .rev()
            .map(|r| (r.movie_id, r.rating))
            .collect())
    }

    /// Rates a film (or changes the rating). A rated film has been seen: it leaves the
    /// watchlist.
    pub(crate) fn rate(&self, user_id: i64, movie_id: u32, stars: Stars) -> Result<Rated> {
        let (rating, left_watchlist) = self.store.put_rating(user_id, movie_id, stars.value())?;
        Ok(Rated {
            rating,
            left_watchlist,
        })
    }

    /// Rates many films at once (movie id, stars, rated at), in one transaction: films
    /// already rated keep their rating; every rated film leaves the watchlist. How many were
    /// new.
    pub fn import(&self, user_id: i64, ratings: &[(u32, f32, i64)]) -> Result<u64> {
        self.store.import_ratings(user_id, ratings)
    }

    /// Removes a rating; false when there was none.
    pub fn unrate(&self, user_id: i64, movie_id: u32) -> Result<bool> {
        self.store.delete_rating(user_id, movie_id)
    }

    /// Whether the store answers now (readiness).
    pub(crate) fn ping(&self) -> Result<()> {
        self.store.ping()
    }

    /// Every rating, newest first.
    pub fn ratings(&self, user_id: i64) -> Result<Vec<UserRating>> {
        self.store.ratings(user_id)
    }

    /// A page of ratings, newest first, and how many there are in all.
    pub fn ratings_page(
        &self,
        user_id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<UserRating>, usize)> {
        self.store.ratings_page(user_id, limit, offset)
    }

    /// (movie id, added at) of a list, newest first.
    pub fn list(&self, list: MovieList, user_id: i64) -> Result<Vec<(u32, i64)>> {
        self.store.list(list, user_id)
    }

    pub fn add_to_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<()> {
        self.store.add_to_list(list, user_id, movie_id)
    }

    /// False when the film was not on the list.
    pub fn remove_from_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<bool> {
        self.store.remove_from_list(list, user_id, movie_id)
    }

    /// Deletes the member with their sessions, ratings and lists.
    pub fn delete(&self, user_id: i64) -> Result<bool> {
        self.store.delete_user(user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Database;

    fn members() -> (tempfile::TempDir, Members, User) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::Sqlite(dir.path().join("m.sqlite"));
        let store = Arc::new(Store::open(&db).unwrap());
        let user = store
            .create_user("ada", "hash", &["Drama".to_string()])
            .unwrap();
        (dir, Members::new(store), user)
    }

    #[test]
    fn rating_a_film_takes_it_off_the_watchlist_only() {
        let (_dir, m, user) = members();
        m.add_to_list(MovieList::Watchlist, user.id, 1).unwrap();
        m.add_to_list(MovieList::Watchlist, user.id, 2).unwrap();
        m.add_to_list(MovieList::NotInterested, user.id, 3).unwrap();
        let rated = m.rate(user.id, 1, Stars::parse(4.5).unwrap()).unwrap();
        assert!(rated.left_watchlist);
        assert_eq!(rated.rating.rating, 4.5);
        let again = m.rate(user.id, 3, Stars::parse(2.0).unwrap()).unwrap();
        assert!(!again.left_watchlist, "3 was on the other list");
        let p = m.profile(&user).unwrap();
        assert_eq!(p.watchlist, vec![2]);
        assert_eq!(p.not_interested, vec![3]);
        assert_eq!(p.genres, vec!["Drama".to_string()]);
        let mut rated: Vec<u32> = p.ratings.iter().map(|r| r.0).collect();
        rated.sort();
        assert_eq!(rated, vec![1, 3]);
        assert_eq!(p.chosen_or_unwanted(), vec![2, 3]);
    }

    #[test]
    fn ratings_come_oldest_first() {
        let (_dir, m, user) = members();
        // The store keeps seconds: the second rating a second later.
        m.rate(user.id, 7, Stars::parse(3.0).unwrap()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        m.rate(user.id, 5, Stars::parse(3.0).unwrap()).unwrap();
        let ids: Vec<u32> = m
            .ratings_oldest_first(user.id)
            .unwrap()
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(ids, vec![7, 5]);
        assert!(m.unrate(user.id, 7).unwrap());
        assert!(!m.unrate(user.id, 7).unwrap());
    }
}
