//! Every statement the store runs, named by what it does, with its parameters and columns.
//! Each backend's dialect table (`sqlite/dialect.rs`, `pg/dialect.rs`) writes each one once in
//! its SQL; the policy around them (`Store`) and the row mapping (`rows.rs`) are written once.

use crate::records::MovieList;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Query {
    /// (username, password hash, genres as JSON, created at) -> id. A username taken in any
    /// case is a unique violation.
    InsertUser,
    /// (username) -> a user's columns, then the password hash; case ignored.
    UserByName,
    /// (user id); the user's sessions, ratings and lists go with them.
    DeleteUser,
    /// () -> count
    CountUsers,
    /// (token hash, user id, created at, expires at)
    InsertSession,
    /// (token hash, now) -> a user's columns, for a session that has not expired.
    SessionUser,
    /// (token hash)
    DeleteSession,
    /// () -> 1: the database answers.
    Ping,
    /// (attempt key, client): a row with no attempts, when there is none.
    EnsureLoginRow,
    /// (attempt key, client) -> attempts, last attempt; locked until the transaction ends.
    LoginFailures,
    /// (attempt key, client, attempts, now)
    CountLoginFailure,
    /// (username, client)
    ClearLoginFailures,
    /// (now): deletes the sessions that have expired.
    PruneSessions,
    /// (before): forgets failed logins last seen before then.
    PruneLoginFailures,
    /// (user id, movie id, stars, now): insert or replace.
    PutRating,
    /// (user id, JSON array of [movie id, stars, rated at]): inserts the films not rated yet
    /// (a rating already there stays); how many it inserted.
    ImportRatings,
    /// (user id): takes every rated film off the watchlist.
    UnlistRated,
    /// (user id, movie id)
    DeleteRating,
    /// (user id) -> movie id, stars, updated at; newest first, ties by movie id.
    Ratings,
    /// (user id) -> count
    CountRatings,
    /// (user id, limit, offset) -> as `Ratings`, one page.
    RatingsPage,
    /// (key) -> body, fetched at
    CacheGet,
    /// (key, body, now): insert or replace.
    CachePut,
    /// (first key, the key after the last) -> key, body; in byte order.
    CacheEntries,
    /// (user id, movie id, now); nothing when it is on the list already.
    AddToList(MovieList),
    /// (user id, movie id)
    RemoveFromList(MovieList),
    /// (user id) -> movie id, added at; newest first, ties by movie id.
    List(MovieList),
    /// (movie id, positive, reviews, fetched at): insert or replace.
    PutAudience,
    /// () -> movie id, positive, reviews, fetched at; by movie id.
    Audiences,
}

impl Query {
    /// Every statement, for the dialect tables' tests.
    #[cfg(test)]
    pub(super) const ALL: [Query; 32] = [
        Query::Ping,
        Query::InsertUser,
        Query::UserByName,
        Query::DeleteUser,
        Query::CountUsers,
        Query::InsertSession,
        Query::SessionUser,
        Query::DeleteSession,
        Query::EnsureLoginRow,
        Query::LoginFailures,
        Query::CountLoginFailure,
        Query::ClearLoginFailures,
        Query::PruneSessions,
        Query::PruneLoginFailures,
        Query::PutRating,
        Query::ImportRatings,
        Query::UnlistRated,
        Query::DeleteRating,
        Query::Ratings,
        Query::CountRatings,
        Query::RatingsPage,
        Query::CacheGet,
        Query::CachePut,
        Query::CacheEntries,
        Query::AddToList(MovieList::Watchlist),
        Query::AddToList(MovieList::NotInterested),
        Query::RemoveFromList(MovieList::Watchlist),
        Query::RemoveFromList(MovieList::NotInterested),
        Query::List(MovieList::Watchlist),
        Query::List(MovieList::NotInterested),
        Query::PutAudience,
        Query::Audiences,
    ];

    /// Whether it changes the database (SQLite runs it on the writer, the rest on readers).
    pub(super) fn writes(self) -> bool {
        !matches!(
            self,
            Query::Ping
                | Query::UserByName
                | Query::CountUsers
                | Query::SessionUser
                | Query::LoginFailures
                | Query::Ratings
                | Query::CountRatings
                | Query::RatingsPage
                | Query::CacheGet
                | Query::CacheEntries
                | Query::List(_)
                | Query::Audiences
        )
    }

    /// How many parameters it takes.
    #[cfg(test)]
    pub(super) fn arity(self) -> usize {
        match self {
            Query::Ping | Query::CountUsers | Query::Audiences => 0,
            Query::UserByName
            | Query::DeleteUser
            | Query::DeleteSession
            | Query::Ratings
            | Query::CountRatings
            | Query::CacheGet
            | Query::UnlistRated
            | Query::PruneSessions
            | Query::PruneLoginFailures
            | Query::List(_) => 1,
            Query::SessionUser
            | Query::EnsureLoginRow
            | Query::LoginFailures
            | Query::ClearLoginFailures
            | Query::DeleteRating
            | Query::ImportRatings
            | Query::CacheEntries
            | Query::RemoveFromList(_) => 2,
            Query::RatingsPage | Query::CachePut | Query::AddToList(_) => 3,
            Query::InsertUser
            | Query::InsertSession
            | Query::CountLoginFailure
            | Query::PutRating
            | Query::PutAudience => 4,
        }
    }
}
