//! The SQLite engine: one file, one writer and a pool of read-only connections (WAL mode),
//! `synchronous=FULL` so an acknowledged write survives kill -9 and a power cut. Its SQL is in
//! dialect.rs.

mod dialect;
mod group_commit;
mod migrations;

#[cfg(test)]
pub(super) use dialect::sql;

use super::query::Query;
use super::rows::{Row, Value};
use super::{Engine, Statements, UniqueViolation};
use anyhow::{Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Read connections kept open for reuse (more are opened while many read at once).
const POOLED_READERS: usize = 32;

/// The SQLite store: one writer behind a mutex (SQLite writes one transaction at a time) and a
/// pool of read-only connections, so a read never waits behind a write's fsync (WAL mode).
/// Callers run it off the async executor.
pub(super) struct SqliteStore {
    writer: Mutex<Connection>,
    /// Single-statement writes waiting for the next group commit.
    writes: group_commit::Queue,
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
        let mut set_up = || -> Result<()> {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            migrations::migrate(&mut conn)
        };
        set_up().with_context(|| format!("cannot set up the database {}", path.display()))?;
        check_writable(&conn, path)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            writes: group_commit::Queue::default(),
            readers: Mutex::new(Vec::new()),
            path: path.to_path_buf(),
        })
    }

    /// The writer.
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One write statement through the group commit; its answer once durable.
    fn group_write(
        &self,
        query: Query,
        params: &[Value],
        wants_rows: bool,
    ) -> Result<group_commit::Answer> {
        let statement = group_commit::Statement {
            query,
            params: params.to_vec(),
            wants_rows,
        };
        self.writes
            .write(&self.writer, vec![statement])?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("a write came back without its answer"))
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

/// Refuses a database that can't be written (a read-only file or folder) at start, rather than
/// serving and failing every signup and rating: SQLite opens such a file read-only without a
/// word. Rewriting the schema version is a real write that changes nothing.
fn check_writable(conn: &Connection, path: &Path) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let refused = || {
        format!(
            "the database {} can't be written: give this user write access to the file and \
             its folder",
            path.display()
        )
    };
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        anyhow::bail!(refused());
    }
    conn.pragma_update(None, "user_version", version)
        .with_context(refused)?;
    Ok(())
}

/// A value as SQLite takes it.
fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(r) => rusqlite::types::Value::Real(*r),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Null => rusqlite::types::Value::Null,
    }
}

/// A column as the store reads it.
fn from_sqlite(v: ValueRef) -> Result<Value> {
    Ok(match v {
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(std::str::from_utf8(t)?.to_string()),
        ValueRef::Null => Value::Null,
        ValueRef::Blob(_) => anyhow::bail!("the store keeps no blobs"),
    })
}

/// A constraint that makes a row unique was violated.
fn unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn failed(e: rusqlite::Error) -> anyhow::Error {
    if unique_violation(&e) {
        anyhow::Error::new(UniqueViolation).context(e.to_string())
    } else {
        e.into()
    }
}

fn execute(conn: &Connection, q: Query, params: &[Value]) -> Result<u64> {
    let params: Vec<_> = params.iter().map(to_sqlite).collect();
    let mut stmt = conn.prepare_cached(dialect::sql(q))?;
    Ok(stmt
        .execute(rusqlite::params_from_iter(params))
        .map_err(failed)? as u64)
}

fn query(conn: &Connection, q: Query, params: &[Value]) -> Result<Vec<Row>> {
    let params: Vec<_> = params.iter().map(to_sqlite).collect();
    let mut stmt = conn.prepare_cached(dialect::sql(q))?;
    let columns = stmt.column_count();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(failed)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(failed)? {
        out.push(
            (0..columns)
                .map(|i| from_sqlite(row.get_ref(i)?))
                .collect::<Result<Row>>()?,
        );
    }
    Ok(out)
}

impl Engine for SqliteStore {
    fn execute(&self, q: Query, params: &[Value]) -> Result<u64> {
        if q.writes() {
            Ok(self.group_write(q, params, false)?.changed())
        } else {
            execute(&*self.reader()?, q, params)
        }
    }

    fn query(&self, q: Query, params: &[Value]) -> Result<Vec<Row>> {
        if q.writes() {
            Ok(self.group_write(q, params, true)?.rows())
        } else {
            query(&*self.reader()?, q, params)
        }
    }

    /// Through the group commit: one savepoint in the next batch.
    fn write_all(&self, statements: &[(Query, Vec<Value>)]) -> Result<Vec<u64>> {
        let statements = statements
            .iter()
            .map(|(query, params)| group_commit::Statement {
                query: *query,
                params: params.clone(),
                wants_rows: false,
            })
            .collect();
        Ok(self
            .writes
            .write(&self.writer, statements)?
            .into_iter()
            .map(group_commit::Answer::changed)
            .collect())
    }

    fn transaction(&self, work: &mut dyn FnMut(&mut dyn Statements) -> Result<()>) -> Result<()> {
        let mut conn = self.conn();
        // IMMEDIATE: the write lock from the start, so what it reads stays as read.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        work(&mut Transaction(&tx))?;
        tx.commit()?;
        Ok(())
    }
}

/// Statements inside a transaction on the writer.
struct Transaction<'a>(&'a rusqlite::Transaction<'a>);

impl Statements for Transaction<'_> {
    fn execute(&mut self, q: Query, params: &[Value]) -> Result<u64> {
        execute(self.0, q, params)
    }

    fn query(&mut self, q: Query, params: &[Value]) -> Result<Vec<Row>> {
        query(self.0, q, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Searches waited behind rating writes (one connection for everything): reads now use
    /// their own connections and answer while the writer is held, and see what was committed.
    use super::super::schema;

    #[test]
    fn reads_do_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let engine = std::sync::Arc::new(SqliteStore::open(&dir.path().join("t.sqlite")).unwrap());
        let user = ["bea".into(), "hash".into(), "[]".into(), Value::Int(0)];
        let id = engine.query(Query::InsertUser, &user).unwrap()[0][0].clone();
        let rating = [id.clone(), Value::Int(1), Value::Real(4.5), Value::Int(0)];
        engine.execute(Query::PutRating, &rating).unwrap();
        let writer = engine.conn();
        let (tx, rx) = std::sync::mpsc::channel();
        let reading = engine.clone();
        std::thread::spawn(move || {
            let ratings = reading.query(Query::Ratings, &[id]).unwrap();
            let user = reading.query(Query::UserByName, &["bea".into()]).unwrap();
            tx.send((ratings, !user.is_empty())).unwrap();
        });
        let (ratings, found) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reads answer while the writer is held");
        drop(writer);
        assert_eq!(ratings.len(), 1);
        assert!(found);
        assert!(engine.readers.lock().unwrap().len() <= POOLED_READERS);
    }

    /// Writes that arrive while the writer is busy go to disk together, in one batch (one
    /// fsync), each acknowledged after it; a write that fails (a taken username) fails alone.
    #[test]
    fn writes_queued_behind_a_busy_writer_commit_as_one_batch() {
        let dir = tempfile::tempdir().unwrap();
        let engine = std::sync::Arc::new(SqliteStore::open(&dir.path().join("t.sqlite")).unwrap());
        let user = |name: &str| [name.into(), "hash".into(), "[]".into(), Value::Int(0)];
        engine.query(Query::InsertUser, &user("bea")).unwrap();
        let before = engine.writes.batches();
        let writer = engine.conn();
        let names: Vec<String> = (0..19)
            .map(|i| format!("member{i}"))
            .chain(["BEA".to_string()])
            .collect();
        let writes: Vec<_> = names
            .into_iter()
            .map(|name| {
                let engine = engine.clone();
                std::thread::spawn(move || engine.query(Query::InsertUser, &user(&name)))
            })
            .collect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while engine.writes.queued() < 20 {
            assert!(
                std::time::Instant::now() < deadline,
                "the writes did not queue"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        drop(writer);
        let results: Vec<_> = writes.into_iter().map(|w| w.join().unwrap()).collect();
        assert_eq!(engine.writes.batches() - before, 1, "one batch for all 20");
        let failed: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
        assert_eq!(failed.len(), 1, "only the taken name fails");
        assert!(failed[0]
            .as_ref()
            .unwrap_err()
            .chain()
            .any(|c| c.is::<UniqueViolation>()));
        assert_eq!(
            engine.query(Query::CountUsers, &[]).unwrap(),
            vec![vec![Value::Int(20)]]
        );
    }

    #[test]
    fn reopening_keeps_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::LATEST);
        store
            .query(
                Query::InsertUser,
                &["ann".into(), "hash".into(), "[]".into(), 0i64.into()],
            )
            .unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::LATEST);
        assert_eq!(
            store.query(Query::CountUsers, &[]).unwrap(),
            vec![vec![Value::Int(1)]]
        );
    }
}
