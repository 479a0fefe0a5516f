//! The store: users, sessions, ratings, the movie lists, failed logins, cached upstream
//! responses and audience sentiment.
//!
//! Two backends keep the same promises: an embedded SQLite file (the default, one machine)
//! and PostgreSQL (several stateless replicas behind a balancer). What the store does is
//! written once, here: the policy (login back-off, case folding, what a delete takes with it),
//! the statements by name (`query.rs`), the row mapping (`rows.rs`) and the schema's history
//! (`schema.rs`). Each backend is an [`Engine`] that runs a named statement and writes each
//! one in its own SQL, in one table per backend (`sqlite/dialect.rs`, `pg/dialect.rs`). Every
//! write is one transaction and is durable once acknowledged (SQLite: WAL with
//! `synchronous=FULL`; PostgreSQL: a synchronous commit). Methods block: callers run them off
//! the async executor.

mod pg;
mod query;
mod rows;
mod schema;
#[doc(hidden)]
pub mod scratch;
mod sqlite;
#[cfg(test)]
mod tests;

use crate::records::{Audience, MovieList, User, UserRating};
use anyhow::{bail, Result};
use query::Query;
use rows::{Row, Value};
use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the username is taken")]
    Taken,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// How long failed logins are remembered after the last one: a day.
pub const FAILURES_KEPT_SECONDS: i64 = 24 * 3600;

/// Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The database could not be reached in time: PostgreSQL down, frozen or every connection
/// busy. Worth trying again shortly (the API answers 503 with Retry-After).
#[derive(Debug, thiserror::Error)]
#[error("the database is out of reach: {0}")]
pub struct Unavailable(String);

impl Unavailable {
    pub(crate) fn new(why: impl Into<String>) -> Self {
        Unavailable(why.into())
    }
}

/// Whether `e` (or what caused it) is [`Unavailable`].
pub fn is_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Unavailable>())
}

/// A statement broke a uniqueness rule (an engine's errors carry it for the store to read).
#[derive(Debug, thiserror::Error)]
#[error("a unique constraint was violated")]
struct UniqueViolation;

/// Runs named statements in the backend's dialect.
trait Engine: Send + Sync {
    /// Runs a statement; how many rows it changed.
    fn execute(&self, q: Query, params: &[Value]) -> Result<u64>;
    /// Runs a statement; the rows it returned.
    fn query(&self, q: Query, params: &[Value]) -> Result<Vec<Row>>;
    /// Runs `work` in one transaction: the rows it reads stay locked until it commits, which it
    /// does when `work` returns Ok (an error rolls back).
    fn transaction(&self, work: &mut dyn FnMut(&mut dyn Statements) -> Result<()>) -> Result<()>;
    /// Runs write statements in one transaction, all or none; how many rows each changed.
    fn write_all(&self, statements: &[(Query, Vec<Value>)]) -> Result<Vec<u64>> {
        let mut changed = Vec::with_capacity(statements.len());
        self.transaction(&mut |tx| {
            changed.clear();
            for (q, params) in statements {
                changed.push(tx.execute(*q, params)?);
            }
            Ok(())
        })?;
        Ok(changed)
    }
}

/// Statements inside a transaction.
trait Statements {
    fn execute(&mut self, q: Query, params: &[Value]) -> Result<u64>;
    fn query(&mut self, q: Query, params: &[Value]) -> Result<Vec<Row>>;
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
/// The store the app uses: one engine, chosen by `DATABASE_URL`, and the policy over it.
pub struct Store(Box<dyn Engine>);

/// What the store counts per client address to slow a guesser down: one row of
/// `login_failures` per (attempt key, client). Usernames start with a letter or a digit, so the
/// address-wide keys (`*...`) never meet one.
#[derive(Debug, Clone, Copy)]
pub enum Attempt<'a> {
    /// A login for this username (any case) not yet followed by a good password.
    Login(&'a str),
    /// Any failed login from the address, whatever the username (password spraying).
    AnyLogin,
    /// A signup from the address.
    Signup,
}

impl Attempt<'_> {
    fn key(self) -> Value {
        match self {
            Attempt::Login(username) => Value::from(username.to_lowercase()),
            Attempt::AnyLogin => Value::from("*login"),
            Attempt::Signup => Value::from("*signup"),
        }
    }
}

/// Attempts quiet this long are forgotten: the count starts again.
pub const ATTEMPTS_QUIET_SECONDS: i64 = 3600;

/// The seconds a client must wait before its next attempt after `attempts` (the first `free`
/// cost nothing), the last at `last`; None when it may try now. The wait doubles with every
/// attempt past the free ones (2, 4, 8 s...), up to `max_wait`.
fn attempt_wait(attempts: i64, last: i64, free: i64, max_wait: i64, now: i64) -> Option<u64> {
    if attempts < free {
        return None;
    }
    let wait = (2i64 << (attempts - free).min(16)).min(max_wait);
    let left = last + wait - now;
    (left > 0).then_some(left as u64)
}

impl Store {
    /// Opens the database (creating an SQLite file if needed) and brings its schema up to date.
    pub fn open(database: &Database) -> Result<Store> {
        Ok(Store(match database {
            Database::Sqlite(path) => Box::new(sqlite::SqliteStore::open(path)?),
            Database::Postgres(url) => Box::new(pg::PgStore::connect(url)?),
        }))
    }

    // ---------- users ----------

    /// A new user; `Taken` when the name is, in any case.
    pub fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        genres: &[String],
    ) -> Result<User, CreateUserError> {
        let created_at = now();
        let genres_json = serde_json::to_string(genres).map_err(anyhow::Error::from)?;
        let q = Query::InsertUser;
        let params = [
            username.into(),
            password_hash.into(),
            genres_json.into(),
            created_at.into(),
        ];
        match self.0.query(q, &params) {
            Ok(rows) => Ok(User {
                id: rows::single(&rows, q)?,
                username: username.to_string(),
                genres: genres.to_vec(),
                created_at,
            }),
            Err(e) if e.is::<UniqueViolation>() => Err(CreateUserError::Taken),
            Err(e) => Err(CreateUserError::Other(e)),
        }
    }

    /// The user of that name (any case) with their password hash.
    pub fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>> {
        self.0
            .query(Query::UserByName, &[username.into()])?
            .first()
            .map(|r| Ok((rows::user(r)?, rows::text(r, 4)?)))
            .transpose()
    }

    /// Deletes a user with their sessions, ratings and lists (the schema cascades).
    pub fn delete_user(&self, user_id: i64) -> Result<bool> {
        Ok(self.0.execute(Query::DeleteUser, &[user_id.into()])? > 0)
    }

    pub fn count_users(&self) -> Result<i64> {
        rows::single(&self.0.query(Query::CountUsers, &[])?, Query::CountUsers)
    }

    // ---------- sessions ----------

    pub fn create_session(&self, token_hash: &str, user_id: i64, ttl_seconds: i64) -> Result<()> {
        let t = now();
        self.0.execute(
            Query::InsertSession,
            &[
                token_hash.into(),
                user_id.into(),
                t.into(),
                (t + ttl_seconds).into(),
            ],
        )?;
        Ok(())
    }

    /// The user of a session that has not expired.
    pub fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        self.0
            .query(Query::SessionUser, &[token_hash.into(), now().into()])?
            .first()
            .map(|r| rows::user(r))
            .transpose()
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.0.execute(Query::DeleteSession, &[token_hash.into()])?;
        Ok(())
    }

    // ---------- attempts (the login and signup throttle) ----------

    /// Counts an attempt by `client` against each of `limits` (an attempt and how many are
    /// free), in one transaction, before the work it guards: parallel attempts are counted
    /// each once. None: go ahead; Some(seconds): the longest wait one of them asks for
    /// (nothing is counted then). Attempts quiet for `ATTEMPTS_QUIET_SECONDS` are forgotten.
    pub fn count_attempt(
        &self,
        limits: &[(Attempt, i64)],
        client: &str,
        max_wait: i64,
    ) -> Result<Option<u64>> {
        let mut wait = None;
        self.0.transaction(&mut |tx| {
            let t = now();
            let mut counted = Vec::with_capacity(limits.len());
            wait = None;
            for &(attempt, free) in limits {
                let key = [attempt.key(), client.into()];
                // The row exists before it is read and locked, so parallel attempts queue on it.
                tx.execute(Query::EnsureLoginRow, &key)?;
                let found = tx.query(Query::LoginFailures, &key)?;
                let row = found
                    .first()
                    .ok_or_else(|| anyhow::anyhow!("no attempts row"))?;
                let (last, mut attempts) = (rows::int(row, 1)?, rows::int(row, 0)?);
                if t - last >= ATTEMPTS_QUIET_SECONDS {
                    attempts = 0;
                }
                wait = wait.max(attempt_wait(attempts, last, free, max_wait, t));
                counted.push((key, attempts + 1));
            }
            if wait.is_none() {
                for ([key, client], attempts) in counted {
                    tx.execute(
                        Query::CountLoginFailure,
                        &[key, client, attempts.into(), t.into()],
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(wait)
    }

    /// Deletes expired sessions and forgets failed logins quiet for `FAILURES_KEPT_SECONDS`
    /// (far past the longest wait they can cause): without it both tables only grow.
    /// How many sessions and failure rows went.
    pub fn prune(&self, now: i64) -> Result<(u64, u64)> {
        let sessions = self.0.execute(Query::PruneSessions, &[now.into()])?;
        let failures = self.0.execute(
            Query::PruneLoginFailures,
            &[(now - FAILURES_KEPT_SECONDS).into()],
        )?;
        Ok((sessions, failures))
    }

    /// Forgets `client`'s failed logins for `username` (after a good password; its failures
    /// with other usernames still count).
    pub fn clear_login_failures(&self, username: &str, client: &str) -> Result<()> {
        self.0.execute(
            Query::ClearLoginFailures,
            &[Attempt::Login(username).key(), client.into()],
        )?;
        Ok(())
    }

    /// Whether the database answers now (readiness).
    pub fn ping(&self) -> Result<()> {
        self.0.query(Query::Ping, &[])?;
        Ok(())
    }

    // ---------- ratings ----------

    /// Rates a movie or changes the rating, and takes it off the watchlist (a rated film has
    /// been seen), in one transaction; whether it was on the watchlist.
    pub fn put_rating(
        &self,
        user_id: i64,
        movie_id: u32,
        rating: f32,
    ) -> Result<(UserRating, bool)> {
        let t = now();
        let changed = self.0.write_all(&[
            (
                Query::PutRating,
                vec![user_id.into(), movie_id.into(), rating.into(), t.into()],
            ),
            (
                Query::RemoveFromList(MovieList::Watchlist),
                vec![user_id.into(), movie_id.into()],
            ),
        ])?;
        let rated = UserRating {
            movie_id,
            rating,
            updated_at: t,
        };
        Ok((rated, changed.get(1).is_some_and(|&n| n > 0)))
    }

    /// Rates many films at once, each with its own date, in one transaction: the films not
    /// rated yet get the rating given, the ones already rated keep theirs, and every rated film
    /// leaves the watchlist. How many were new.
    pub fn import_ratings(&self, user_id: i64, ratings: &[(u32, f32, i64)]) -> Result<u64> {
        let rows: Vec<serde_json::Value> = ratings
            .iter()
            .map(|&(m, r, t)| serde_json::json!([m, r, t]))
            .collect();
        let json = serde_json::Value::Array(rows).to_string();
        let mut inserted = 0;
        self.0.transaction(&mut |tx| {
            inserted = tx.execute(Query::ImportRatings, &[user_id.into(), json.clone().into()])?;
            tx.execute(Query::UnlistRated, &[user_id.into()])?;
            Ok(())
        })?;
        Ok(inserted)
    }

    /// False when there was no such rating.
    pub fn delete_rating(&self, user_id: i64, movie_id: u32) -> Result<bool> {
        Ok(self
            .0
            .execute(Query::DeleteRating, &[user_id.into(), movie_id.into()])?
            > 0)
    }

    /// Newest first.
    pub fn ratings(&self, user_id: i64) -> Result<Vec<UserRating>> {
        self.0
            .query(Query::Ratings, &[user_id.into()])?
            .iter()
            .map(|r| rows::rating(r))
            .collect()
    }

    /// One page of `ratings`, and how many there are in all.
    pub fn ratings_page(
        &self,
        user_id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<UserRating>, usize)> {
        let total = rows::single(
            &self.0.query(Query::CountRatings, &[user_id.into()])?,
            Query::CountRatings,
        )?;
        let page = self
            .0
            .query(
                Query::RatingsPage,
                &[user_id.into(), limit.into(), offset.into()],
            )?
            .iter()
            .map(|r| rows::rating(r))
            .collect::<Result<_>>()?;
        Ok((page, total as usize))
    }

    // ---------- cache of upstream responses ----------

    /// The body cached under `key` and when it was fetched (unix seconds).
    pub fn cache_get(&self, key: &str) -> Result<Option<(String, i64)>> {
        self.0
            .query(Query::CacheGet, &[key.into()])?
            .first()
            .map(|r| Ok((rows::text(r, 0)?, rows::int(r, 1)?)))
            .transpose()
    }

    pub fn cache_put(&self, key: &str, body: &str) -> Result<()> {
        self.0
            .execute(Query::CachePut, &[key.into(), body.into(), now().into()])?;
        Ok(())
    }

    /// Every (key, body) whose key starts with `prefix`, in byte order of the keys.
    pub fn cache_entries(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        // The keys from `prefix` up to the last string that starts with it.
        let end = format!("{prefix}\u{10FFFF}");
        self.0
            .query(Query::CacheEntries, &[prefix.into(), end.into()])?
            .iter()
            .map(|r| Ok((rows::text(r, 0)?, rows::text(r, 1)?)))
            .collect()
    }

    // ---------- the user's movie lists ----------

    /// Puts a movie on a list (nothing when it is there already).
    pub fn add_to_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<()> {
        self.0.execute(
            Query::AddToList(list),
            &[user_id.into(), movie_id.into(), now().into()],
        )?;
        Ok(())
    }

    /// False when the movie was not on the list.
    pub fn remove_from_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<bool> {
        Ok(self.0.execute(
            Query::RemoveFromList(list),
            &[user_id.into(), movie_id.into()],
        )? > 0)
    }

    /// (movie id, added at), newest first.
    pub fn list(&self, list: MovieList, user_id: i64) -> Result<Vec<(u32, i64)>> {
        self.0
            .query(Query::List(list), &[user_id.into()])?
            .iter()
            .map(|r| rows::listed(r))
            .collect()
    }

    // ---------- audience sentiment ----------

    /// Keeps a movie's latest audience figures.
    pub fn put_audience(&self, movie_id: u32, a: Audience) -> Result<()> {
        self.0.execute(
            Query::PutAudience,
            &[
                movie_id.into(),
                a.positive.into(),
                a.reviews.into(),
                a.fetched_at.into(),
            ],
        )?;
        Ok(())
    }

    /// Every movie's audience figures, by movie id.
    pub fn audiences(&self) -> Result<Vec<(u32, Audience)>> {
        self.0
            .query(Query::Audiences, &[])?
            .iter()
            .map(|r| rows::audience(r))
            .collect()
    }
}
