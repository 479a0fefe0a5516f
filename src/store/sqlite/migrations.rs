//! Brings an SQLite file's schema up to date: every step of `dialect::MIGRATIONS` it has not
//! seen, each in its own transaction, the version kept in SQLite's `user_version`.

use super::super::schema;
use super::dialect::MIGRATIONS;
use anyhow::{Context, Result};
use rusqlite::Connection;

/// Applies every migration the file has not seen, each in its own transaction.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    schema::check(current)?;
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
