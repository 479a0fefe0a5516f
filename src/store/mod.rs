//! The store: users, sessions, ratings, the watchlist, failed logins and cached upstream
//! responses.
//!
//! Two backends keep the same promises behind one trait, [`Backend`]: an embedded SQLite file
//! (the default, one machine) and PostgreSQL (several stateless replicas behind a balancer).
//! All SQL lives in their modules. Every write is one transaction and is durable once
//! acknowledged (SQLite: WAL with `synchronous=FULL`; PostgreSQL: a synchronous commit).
//! Methods block: callers run them off the async executor.

mod pg;
#[doc(hidden)]
pub mod scratch;
mod sqlite;
#[cfg(test)]
mod tests;

use anyhow::{bail, Result};
use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// A registered user as the store keeps it (the password hash never leaves the store but for
/// logging in).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub genres: Vec<String>,
    pub created_at: i64,
}

/// One of the user's ratings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UserRating {
    pub movie_id: u32,
    pub rating: f32,
    pub updated_at: i64,
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the username is taken")]
    Taken,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The lists of movies a user keeps, each a table of (user, movie, added at).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovieList {
    /// Films the user means to see.
    Watchlist,
    /// Films the user does not want suggested.
    NotInterested,
}

impl MovieList {
    fn table(self) -> &'static str {
        match self {
            MovieList::Watchlist => "watchlist",
            MovieList::NotInterested => "not_interested",
        }
    }
}

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Clone, PartialEq)]
pub enum Database {
    /// An SQLite file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server: the `postgres://` or `postgresql://` URL as given.
    Postgres(String),
}

impl Database {
    /// `sqlite://PATH`, `sqlite:PATH`, a plain path, or `postgres://...`/`postgresql://...`.
    /// Anything else is refused rather than read as a file name (`mysql://...` would
    /// otherwise become a folder called `mysql:`), and so is an empty path (SQLite would
    /// open a temporary database and lose every account at restart).
    pub fn parse(url: &str) -> Result<Database> {
        let url = url.trim();
        let path = match url.split_once("://") {
            Some(("postgres" | "postgresql", rest)) => {
                if rest.is_empty() {
                    bail!("must name a PostgreSQL server, e.g. postgres://user@host:5432/db");
                }
                return Ok(Database::Postgres(url.to_string()));
            }
            Some(("sqlite", path)) => path,
            Some((scheme, _)) => bail!(
                "unknown scheme {scheme:?}; give a file path, sqlite://PATH or postgres://..."
            ),
            None => url.strip_prefix("sqlite:").unwrap_or(url),
        };
        if path.trim().is_empty() || path == ":memory:" {
            bail!("must name a database file or a PostgreSQL server (got {url:?})");
        }
        Ok(Database::Sqlite(PathBuf::from(path)))
    }
}

/// For logs: the file, or the server without its password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "SQLite {}", path.display()),
            Database::Postgres(url) => write!(f, "PostgreSQL {}", pg::redacted(url)),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What every backend does. Usernames compare case-insensitively; lists come newest first;
/// deleting a user deletes everything of theirs.
pub trait Backend: Send + Sync {
    // ---------- users ----------
    fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        genres: &[String],
    ) -> Result<User, CreateUserError>;
    /// The user and their password hash, for logging in.
    fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>>;
    /// Deletes the user with their sessions, ratings and watchlist.
    fn delete_user(&self, user_id: i64) -> Result<bool>;
    fn count_users(&self) -> Result<i64>;

    // ---------- sessions ----------
    fn create_session(&self, token_hash: &str, user_id: i64, ttl_seconds: i64) -> Result<()>;
    /// The user of a live session.
    fn session_user(&self, token_hash: &str) -> Result<Option<User>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;

    // ---------- failed logins ----------
    /// Starts a login attempt for `username` from `client`, counting it as a failure until
    /// `clear_login_failures` says otherwise. After `free` failures each further attempt must
    /// wait (2 s, doubling, at most `max_wait` s; whole seconds, so never less than one): then nothing is counted and the seconds
    /// left are returned. Check and count are one transaction, so parallel attempts (on any
    /// replica) cannot slip past the limit.
    fn begin_login(
        &self,
        username: &str,
        client: &str,
        free: i64,
        max_wait: i64,
    ) -> Result<Option<u64>>;
    /// A right password: the client's failures for this username are forgotten.
    fn clear_login_failures(&self, username: &str, client: &str) -> Result<()>;

    // ---------- ratings ----------
    fn put_rating(&self, user_id: i64, movie_id: u32, rating: f32) -> Result<UserRating>;
    fn delete_rating(&self, user_id: i64, movie_id: u32) -> Result<bool>;
    /// The user's ratings, newest first.
    fn ratings(&self, user_id: i64) -> Result<Vec<UserRating>>;
    /// One page of the user's ratings, newest first, and how many they have in all.
    fn ratings_page(
        &self,
        user_id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<UserRating>, usize)>;

    // ---------- cache of upstream responses ----------
    /// A cached body and when it was fetched.
    fn cache_get(&self, key: &str) -> Result<Option<(String, i64)>>;
    fn cache_put(&self, key: &str, body: &str) -> Result<()>;
    /// Every cached entry whose key starts with `prefix`, by key (byte order).
    fn cache_entries(&self, prefix: &str) -> Result<Vec<(String, String)>>;

    // ---------- the user's movie lists ----------
    /// Puts a movie on one of the user's lists (again is a no-op).
    fn add_to_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<()>;
    /// Takes it off; false when it was not there.
    fn remove_from_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<bool>;
    /// Movie ids on the list and when they were added, newest first.
    fn list(&self, list: MovieList, user_id: i64) -> Result<Vec<(u32, i64)>>;

    // ---------- audience sentiment ----------
    /// What a movie's reviews said, last time they were fetched and classified.
    fn put_audience(&self, movie_id: u32, audience: Audience) -> Result<()>;
    /// Every movie's, by movie id.
    fn audiences(&self) -> Result<Vec<(u32, Audience)>>;
}

/// How a movie's fetched reviews lean: `positive` of `reviews`, classified at `fetched_at`
/// (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub positive: u32,
    pub reviews: u32,
    pub fetched_at: i64,
}

/// The store the app uses: one backend, chosen by `DATABASE_URL`.
pub struct Store(Box<dyn Backend>);

impl Store {
    /// Opens the database (creating an SQLite file if needed) and brings its schema up to date.
    pub fn open(database: &Database) -> Result<Store> {
        Ok(Store(match database {
            Database::Sqlite(path) => Box::new(sqlite::SqliteStore::open(path)?),
            Database::Postgres(url) => Box::new(pg::PgStore::connect(url)?),
        }))
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;
    fn deref(&self) -> &(dyn Backend + 'static) {
        &*self.0
    }
}
