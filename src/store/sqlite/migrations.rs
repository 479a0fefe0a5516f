//! Versioned schema migrations, tracked in SQLite's `user_version`. Append; never edit one
//! that has shipped.

use anyhow::{Context, Result};
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: users, sessions, ratings, watchlist, failed logins
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        genres TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE ratings (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id INTEGER NOT NULL,
        rating REAL NOT NULL CHECK (rating >= 0.5 AND rating <= 5.0),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );
    CREATE TABLE watchlist (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id INTEGER NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );
    CREATE TABLE login_failures (
        username TEXT PRIMARY KEY COLLATE NOCASE,
        failures INTEGER NOT NULL,
        last_failure INTEGER NOT NULL
    );",
    // 2: cached upstream responses (TMDB, reviews)
    "CREATE TABLE http_cache (
        key TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
    );",
    // 3: failed logins per (username, client address): one client's failures never lock the
    //    account for the others
    "DROP TABLE login_failures;
    CREATE TABLE login_failures (
        username TEXT NOT NULL COLLATE NOCASE,
        client TEXT NOT NULL,
        failures INTEGER NOT NULL,
        last_failure INTEGER NOT NULL,
        PRIMARY KEY (username, client)
    );",
    // 4: films a user is not interested in, hidden from their lists
    "CREATE TABLE not_interested (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id INTEGER NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );",
    // 5: how each movie's fetched reviews lean (audience sentiment)
    "CREATE TABLE audience (
        movie_id INTEGER PRIMARY KEY,
        positive INTEGER NOT NULL,
        reviews INTEGER NOT NULL,
        fetched_at INTEGER NOT NULL
    );",
];

pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies every migration the file has not seen, each in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    anyhow::ensure!(
        current <= LATEST,
        "the database has schema version {current}, newer than this build ({LATEST}); upgrade cinesense"
    );
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {version}"))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        log::info!("database migrated to schema version {version}");
    }
    Ok(())
}
