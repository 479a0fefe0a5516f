//! The SQLite backend: one file, one writer and a pool of read-only connections (WAL mode),
//! `synchronous=FULL` so an acknowledged write survives kill -9 and a power cut.

mod migrations;

use super::{now, Audience, Backend, CreateUserError, MovieList, User, UserRating};
use anyhow::{Context, Result};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Read connections kept open for reuse (more are opened while many read at once).
const POOLED_READERS: usize = 8;

/// The SQLite store: one writer behind a mutex (SQLite writes one transaction at a time) and a
/// pool of read-only connections, so a read never waits behind a write's fsync (WAL mode).
/// Callers run it off the async executor.
pub(super) struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: PathBuf,
}

/// A read connection lent from the pool; it goes back when dropped.
struct Reader<'a> {
    conn: Option<Connection>,
    store: &'a SqliteStore,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut pool = self.store.readers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < POOLED_READERS {
                pool.push(conn);
            }
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub(super) fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut conn = Connection::open(path)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: path.to_path_buf(),
        })
    }

    /// The writer.
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A read-only connection from the pool, or a new one.
    fn reader(&self) -> Result<Reader<'_>> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .with_context(|| format!("cannot open database {}", self.path.display()))?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                c
            }
        };
        Ok(Reader {
            conn: Some(conn),
            store: self,
        })
    }

    #[cfg(test)]
    fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}

impl Backend for SqliteStore {
    // ---------- users ----------

    fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        genres: &[String],
    ) -> Result<User, CreateUserError> {
        let created_at = now();
        let genres_json = serde_json::to_string(genres).map_err(anyhow::Error::from)?;
        let conn = self.conn();
        let res = conn.execute(
            "INSERT INTO users (username, password_hash, genres, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![username, password_hash, genres_json, created_at],
        );
        match res {
            Ok(_) => Ok(User {
                id: conn.last_insert_rowid(),
                username: username.to_string(),
                genres: genres.to_vec(),
                created_at,
            }),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(CreateUserError::Taken)
            }
            Err(e) => Err(CreateUserError::Other(e.into())),
        }
    }

    fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>> {
        Ok(self
            .reader()?
            .query_row(
                "SELECT id, username, genres, created_at, password_hash FROM users WHERE username = ?1",
                params![username],
                |row| Ok((user_from_row(row)?, row.get::<_, String>(4)?)),
            )
            .optional()?)
    }

    fn delete_user(&self, user_id: i64) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", params![user_id])?;
        tx.execute("DELETE FROM ratings WHERE user_id = ?1", params![user_id])?;
        tx.execute("DELETE FROM watchlist WHERE user_id = ?1", params![user_id])?;
        tx.execute(
            "DELETE FROM not_interested WHERE user_id = ?1",
            params![user_id],
        )?;
        let n = tx.execute("DELETE FROM users WHERE id = ?1", params![user_id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn count_users(&self) -> Result<i64> {
        Ok(self
            .reader()?
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    // ---------- sessions ----------

    fn create_session(&self, token_hash: &str, user_id: i64, ttl_seconds: i64) -> Result<()> {
        let t = now();
        self.conn().execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, user_id, t, t + ttl_seconds],
        )?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        Ok(self
            .reader()?
            .query_row(
                "SELECT u.id, u.username, u.genres, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                params![token_hash, now()],
                user_from_row,
            )
            .optional()?)
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            params![token_hash],
        )?;
        Ok(())
    }

    // ---------- failed logins ----------

    fn begin_login(
        &self,
        username: &str,
        client: &str,
        free: i64,
        max_wait: i64,
    ) -> Result<Option<u64>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (failures, last): (i64, i64) = tx
            .query_row(
                "SELECT failures, last_failure FROM login_failures
                 WHERE username = ?1 AND client = ?2",
                params![username, client],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0));
        let t = now();
        if failures >= free {
            let wait = (2i64 << (failures - free).min(16)).min(max_wait);
            let left = last + wait - t;
            if left > 0 {
                return Ok(Some(left as u64));
            }
        }
        tx.execute(
            "INSERT INTO login_failures (username, client, failures, last_failure)
             VALUES (?1, ?2, 1, ?3)
             ON CONFLICT(username, client) DO UPDATE SET failures = failures + 1, last_failure = ?3",
            params![username, client, t],
        )?;
        tx.commit()?;
        Ok(None)
    }

    fn clear_login_failures(&self, username: &str, client: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM login_failures WHERE username = ?1 AND client = ?2",
            params![username, client],
        )?;
        Ok(())
    }

    // ---------- ratings ----------

    fn put_rating(&self, user_id: i64, movie_id: u32, rating: f32) -> Result<UserRating> {
        let t = now();
        self.conn().execute(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(user_id, movie_id) DO UPDATE SET rating = ?3, updated_at = ?4",
            params![user_id, movie_id, rating as f64, t],
        )?;
        Ok(UserRating {
            movie_id,
            rating,
            updated_at: t,
        })
    }

    fn delete_rating(&self, user_id: i64, movie_id: u32) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM ratings WHERE user_id = ?1 AND movie_id = ?2",
            params![user_id, movie_id],
        )? > 0)
    }

    fn ratings(&self, user_id: i64) -> Result<Vec<UserRating>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT movie_id, rating, updated_at FROM ratings WHERE user_id = ?1 ORDER BY updated_at DESC, movie_id",
        )?;
        let rows = stmt.query_map(params![user_id], rating_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ratings_page(
        &self,
        user_id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<UserRating>, usize)> {
        let conn = self.reader()?;
        let total: i64 = conn.query_row(
            "SELECT COUNT(*) FROM ratings WHERE user_id = ?1",
            params![user_id],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT movie_id, rating, updated_at FROM ratings WHERE user_id = ?1
             ORDER BY updated_at DESC, movie_id LIMIT ?2 OFFSET ?3",
        )?;
        let rows = stmt.query_map(
            params![user_id, limit as i64, offset as i64],
            rating_from_row,
        )?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as usize))
    }

    // ---------- cache of upstream responses ----------

    fn cache_get(&self, key: &str) -> Result<Option<(String, i64)>> {
        Ok(self
            .reader()?
            .query_row(
                "SELECT body, fetched_at FROM http_cache WHERE key = ?1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn cache_put(&self, key: &str, body: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO http_cache (key, body, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET body = ?2, fetched_at = ?3",
            params![key, body, now()],
        )?;
        Ok(())
    }

    fn cache_entries(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT key, body FROM http_cache WHERE key >= ?1 AND key < ?2 ORDER BY key",
        )?;
        let end = format!("{prefix}\u{10FFFF}");
        let rows = stmt.query_map(params![prefix, end], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ---------- watchlist ----------

    fn add_to_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (user_id, movie_id, added_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            list.table()
        );
        self.conn()
            .execute(&sql, params![user_id, movie_id, now()])?;
        Ok(())
    }

    fn remove_from_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<bool> {
        let sql = format!(
            "DELETE FROM {} WHERE user_id = ?1 AND movie_id = ?2",
            list.table()
        );
        Ok(self.conn().execute(&sql, params![user_id, movie_id])? > 0)
    }

    fn list(&self, list: MovieList, user_id: i64) -> Result<Vec<(u32, i64)>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT movie_id, added_at FROM {} WHERE user_id = ?1 ORDER BY added_at DESC, movie_id",
            list.table()
        ))?;
        let rows = stmt.query_map(params![user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ---------- audience sentiment ----------

    fn put_audience(&self, movie_id: u32, a: Audience) -> Result<()> {
        self.conn().execute(
            "INSERT INTO audience (movie_id, positive, reviews, fetched_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(movie_id) DO UPDATE SET positive = ?2, reviews = ?3, fetched_at = ?4",
            params![movie_id, a.positive, a.reviews, a.fetched_at],
        )?;
        Ok(())
    }

    fn audiences(&self) -> Result<Vec<(u32, Audience)>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT movie_id, positive, reviews, fetched_at FROM audience ORDER BY movie_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                Audience {
                    positive: r.get(1)?,
                    reviews: r.get(2)?,
                    fetched_at: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn user_from_row(row: &rusqlite::Row) -> rusqlite::Result<User> {
    let genres: String = row.get(2)?;
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        genres: serde_json::from_str(&genres).unwrap_or_default(),
        created_at: row.get(3)?,
    })
}

/// A row of `SELECT movie_id, rating, updated_at FROM ratings`.
fn rating_from_row(r: &rusqlite::Row) -> rusqlite::Result<UserRating> {
    Ok(UserRating {
        movie_id: r.get(0)?,
        rating: r.get::<_, f64>(1)? as f32,
        updated_at: r.get(2)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Searches waited behind rating writes (one connection for everything): reads now use
    /// their own connections and answer while the writer is held, and see what was committed.
    #[test]
    fn reads_do_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(SqliteStore::open(&dir.path().join("t.sqlite")).unwrap());
        let u = store.create_user("bea", "hash", &[]).unwrap();
        store.put_rating(u.id, 1, 4.5).unwrap();
        let writer = store.conn();
        let (tx, rx) = std::sync::mpsc::channel();
        let reading = store.clone();
        std::thread::spawn(move || {
            let ratings = reading.ratings(u.id).unwrap();
            let user = reading.user_with_hash("bea").unwrap();
            tx.send((ratings, user.is_some())).unwrap();
        });
        let (ratings, found) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reads answer while the writer is held");
        drop(writer);
        assert_eq!(ratings.len(), 1);
        assert!(found);
        assert!(store.readers.lock().unwrap().len() <= POOLED_READERS);
    }

    #[test]
    fn reopening_keeps_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::LATEST);
        store.create_user("ann", "hash", &[]).unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::LATEST);
        assert_eq!(store.count_users().unwrap(), 1);
    }
}
