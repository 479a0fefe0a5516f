//! Versioned schema migrations for PostgreSQL, tracked in `cinesense_schema`. Append; never
//! edit one that has shipped. Replicas starting together take an advisory lock, so one of
//! them migrates and the others wait and find the work done.

use anyhow::{Context, Result};
use tokio_postgres::Client;

const MIGRATIONS: &[&str] = &[
    // 1: the same tables as SQLite's first three migrations. Usernames are unique ignoring
    //    case; failed logins are keyed by the lowercased name and the client address; cache
    //    keys sort bytewise ("C") so a prefix is a range.
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
        username TEXT NOT NULL,
        client TEXT NOT NULL,
        failures BIGINT NOT NULL,
        last_failure BIGINT NOT NULL,
        PRIMARY KEY (username, client)
    );
    CREATE TABLE http_cache (
        key TEXT COLLATE \"C\" PRIMARY KEY,
        body TEXT NOT NULL,
        fetched_at BIGINT NOT NULL
    );",
    // 2: films a user is not interested in, hidden from their lists
    "CREATE TABLE not_interested (
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        movie_id BIGINT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, movie_id)
    );",
    // 3: how each movie's fetched reviews lean (audience sentiment)
    "CREATE TABLE audience (
        movie_id BIGINT PRIMARY KEY,
        positive BIGINT NOT NULL,
        reviews BIGINT NOT NULL,
        fetched_at BIGINT NOT NULL
    );",
];

#[cfg(test)]
pub(super) const LATEST: i64 = MIGRATIONS.len() as i64;

/// An arbitrary key for `pg_advisory_lock`, the same in every replica.
const MIGRATION_LOCK: i64 = 0x63696e6573656e;

/// Applies every migration the database has not seen, each in its own transaction.
pub(super) async fn migrate(client: &mut Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply(client).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result?;
    unlocked?;
    Ok(())
}

async fn apply(client: &mut Client) -> Result<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS cinesense_schema (version BIGINT NOT NULL);
         INSERT INTO cinesense_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM cinesense_schema);",
        )
        .await?;
    let current: i64 = client
        .query_one("SELECT version FROM cinesense_schema", &[])
        .await?
        .get(0);
    let latest = MIGRATIONS.len() as i64;
    anyhow::ensure!(
        current <= latest,
        "the database has schema version {current}, newer than this build ({latest}); upgrade cinesense"
    );
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = client.transaction().await?;
        tx.batch_execute(sql)
            .await
            .with_context(|| format!("migration {version}"))?;
        tx.execute("UPDATE cinesense_schema SET version = $1", &[&version])
            .await?;
        tx.commit().await?;
        log::info!("database migrated to schema version {version}");
    }
    Ok(())
}
