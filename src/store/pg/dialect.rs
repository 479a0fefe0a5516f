//! PostgreSQL's SQL: every statement of `Query` and every step of the schema's history, in
//! this dialect. Usernames are unique ignoring case (an index on `lower(username)`); cache keys
//! sort bytewise (`COLLATE "C"`), so a prefix is a range.

use super::super::query::Query;
use super::super::schema;
use crate::records::MovieList;

/// The SQL of a statement (`$1`, `$2`... are its parameters in order).
pub(in crate::store) fn sql(q: Query) -> &'static str {
    use MovieList::{NotInterested, Watchlist};
    match q {
        Query::InsertUser => {
            "INSERT INTO users (username, password_hash, genres, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id"
        }
        Query::UserByName => {
            "SELECT id, username, genres, created_at, password_hash FROM users
             WHERE lower(username) = lower($1)"
        }
        Query::DeleteUser => "DELETE FROM users WHERE id = $1",
        Query::CountUsers => "SELECT COUNT(*) FROM users",
        Query::InsertSession => {
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)"
        }
        Query::SessionUser => {
            "SELECT u.id, u.username, u.genres, u.created_at FROM sessions s
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        }
        Query::DeleteSession => "DELETE FROM sessions WHERE token_hash = $1",
        Query::EnsureLoginRow => {
            "INSERT INTO login_failures (username, client, failures, last_failure)
             VALUES ($1, $2, 0, 0) ON CONFLICT DO NOTHING"
        }
        Query::LoginFailures => {
            "SELECT failures, last_failure FROM login_failures
             WHERE username = $1 AND client = $2 FOR UPDATE"
        }
        Query::CountLoginFailure => {
            "UPDATE login_failures SET failures = $3, last_failure = $4
             WHERE username = $1 AND client = $2"
        }
        Query::Ping => "SELECT 1",
        Query::PruneSessions => "DELETE FROM sessions WHERE expires_at <= $1",
        Query::PruneLoginFailures => "DELETE FROM login_failures WHERE last_failure < $1",
        Query::ClearLoginFailures => {
            "DELETE FROM login_failures WHERE username = $1 AND client = $2"
        }
        Query::PutRating => {
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = $3, updated_at = $4"
        }
        Query::ImportRatings => {
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at)
             SELECT $1, (e->>0)::bigint, (e->>1)::real, (e->>2)::bigint
             FROM jsonb_array_elements($2::text::jsonb) AS e
             ON CONFLICT (user_id, movie_id) DO NOTHING"
        }
        Query::UnlistRated => {
            "DELETE FROM watchlist WHERE user_id = $1
             AND movie_id IN (SELECT movie_id FROM ratings WHERE user_id = $1)"
        }
        Query::DeleteRating => "DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2",
        Query::Ratings => {
            "SELECT movie_id, rating, updated_at FROM ratings WHERE user_id = $1
             ORDER BY updated_at DESC, movie_id"
        }
        Query::CountRatings => "SELECT COUNT(*) FROM ratings WHERE user_id = $1",
        Query::RatingsPage => {
            "SELECT movie_id, rating, updated_at FROM ratings WHERE user_id = $1
             ORDER BY updated_at DESC, movie_id LIMIT $2 OFFSET $3"
        }
        Query::CacheGet => "SELECT body, fetched_at FROM http_cache WHERE key = $1",
        Query::CachePut => {
            "INSERT INTO http_cache (key, body, fetched_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET body = $2, fetched_at = $3"
        }
        Query::CacheEntries => {
            "SELECT key, body FROM http_cache WHERE key >= $1 AND key < $2 ORDER BY key"
        }
        Query::AddToList(Watchlist) => {
            "INSERT INTO watchlist (user_id, movie_id, added_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING"
        }
        Query::AddToList(NotInterested) => {
            "INSERT INTO not_interested (user_id, movie_id, added_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING"
        }
        Query::RemoveFromList(Watchlist) => {
            "DELETE FROM watchlist WHERE user_id = $1 AND movie_id = $2"
        }
        Query::RemoveFromList(NotInterested) => {
            "DELETE FROM not_interested WHERE user_id = $1 AND movie_id = $2"
        }
        Query::List(Watchlist) => {
            "SELECT movie_id, added_at FROM watchlist WHERE user_id = $1
             ORDER BY added_at DESC, movie_id"
        }
        Query::List(NotInterested) => {
            "SELECT movie_id, added_at FROM not_interested WHERE user_id = $1
             ORDER BY added_at DESC, movie_id"
        }
        Query::PutAudience => {
            "INSERT INTO audience (movie_id, positive, reviews, fetched_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (movie_id) DO UPDATE SET positive = $2, reviews = $3, fetched_at = $4"
        }
        Query::Audiences => {
            "SELECT movie_id, positive, reviews, fetched_at FROM audience ORDER BY movie_id"
        }
    }
}

/// The schema's history in PostgreSQL, step by step (`schema::STEPS`), the same steps as
/// SQLite's.
pub(super) const MIGRATIONS: [&str; schema::STEPS.len()] = [
    // 1: users, sessions, ratings, watchlist, failed logins
    "CREATE TABLE users (
        id BIGSERIAL PRIMARY KEY,
        username TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        genres TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX users_username ON users (lower(username));
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE ratings (
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id BIGINT NOT NULL,
        rating REAL NOT NULL CHECK (rating >= 0.5 AND rating <= 5.0),
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );
    CREATE TABLE watchlist (
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id BIGINT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );
    CREATE TABLE login_failures (
        username TEXT PRIMARY KEY,
        failures BIGINT NOT NULL,
        last_failure BIGINT NOT NULL
    );",
    // 2: cached upstream responses (TMDB, reviews)
    "CREATE TABLE http_cache (
        key TEXT COLLATE \"C\" PRIMARY KEY,
        body TEXT NOT NULL,
        fetched_at BIGINT NOT NULL
    );",
    // 3: failed logins per (username, client address)
    "DROP TABLE login_failures;
    CREATE TABLE login_failures (
        username TEXT NOT NULL,
        client TEXT NOT NULL,
        failures BIGINT NOT NULL,
        last_failure BIGINT NOT NULL,
        PRIMARY KEY (username, client)
    );",
    // 4: films a user is not interested in, hidden from their lists
    "CREATE TABLE not_interested (
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id BIGINT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );",
    // 5: how each movie's fetched reviews lean (audience sentiment)
    "CREATE TABLE audience (
        movie_id BIGINT PRIMARY KEY,
        positive BIGINT NOT NULL,
        reviews BIGINT NOT NULL,
        fetched_at BIGINT NOT NULL
    );",
];
