//! Brings a PostgreSQL database's schema up to date: every step of `dialect::MIGRATIONS` it
//! has not seen, each in its own transaction, the version kept in `cinesense_migrations`.
//! Replicas starting together take an advisory lock, so one of them migrates and the others
//! wait and find the work done.
//!
//! Databases made before the steps were numbered alike on both backends kept their version in
//! `cinesense_schema`, in which SQLite's first three steps were one: versions 1, 2 and 3 there
//! are 3, 4 and 5 here. They are carried over once.

use super::super::schema;
use super::dialect::MIGRATIONS;
use anyhow::{Context, Result};
use tokio_postgres::Client;

/// An arbitrary key for `pg_advisory_lock`, the same in every replica.
const MIGRATION_LOCK: i64 = 0x63696e6573656e;

/// Reads the version a database is at.
pub(super) const VERSION_QUERY: &str = "SELECT version FROM cinesense_migrations";

/// What each version of the old numbering is in today's.
const OLD_VERSIONS: [i64; 4] = [0, 3, 4, 5];

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

/// The version table, carried over from the old numbering when the database has it.
async fn version(client: &mut Client) -> Result<i64> {
    let tx = client.transaction().await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS cinesense_migrations (version BIGINT NOT NULL)")
        .await?;
    if tx.query_opt(VERSION_QUERY, &[]).await?.is_none() {
        let old = tx
            .query_one("SELECT to_regclass('cinesense_schema') IS NOT NULL", &[])
            .await?
            .get::<_, bool>(0);
        let mut start = 0;
        if old {
            let v: i64 = tx
                .query_one("SELECT version FROM cinesense_schema", &[])
                .await?
                .get(0);
            start = *OLD_VERSIONS
                .get(v as usize)
                .with_context(|| format!("unknown old schema version {v}"))?;
            tx.batch_execute("DROP TABLE cinesense_schema").await?;
            log::info!("schema version {v} is {start} in today's numbering");
        }
        tx.execute(
            "INSERT INTO cinesense_migrations (version) VALUES ($1)",
            &[&start],
        )
        .await?;
    }
    let current: i64 = tx.query_one(VERSION_QUERY, &[]).await?.get(0);
    tx.commit().await?;
    Ok(current)
}

async fn apply(client: &mut Client) -> Result<()> {
    let current = version(client).await?;
    schema::check(current)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = client.transaction().await?;
        tx.batch_execute(sql)
            .await
            .with_context(|| format!("migration {version}"))?;
        tx.execute("UPDATE cinesense_migrations SET version = $1", &[&version])
            .await?;
        tx.commit().await?;
        log::info!("database migrated to schema version {version}");
    }
    Ok(())
}
