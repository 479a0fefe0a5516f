//! The PostgreSQL connections: a bounded pool, each connection keeping its prepared
//! statements, driven by a small runtime of the store's own. The store's methods block and
//! callers may be on an async executor (the app is wired inside one) or off it, so a method
//! waits for its query with [`wait_until`], which parks the calling thread and never enters a
//! tokio runtime (entering one from another's executor panics).
//!
//! Every wait has a deadline: a store call (a free connection, connecting, its statements)
//! that PostgreSQL does not answer within [`CALL_DEADLINE`] fails as [`Unavailable`], so a
//! stopped or frozen server costs a request 2 s and a 503, never a hung worker.

use super::migrations;
use crate::store::Unavailable;
use anyhow::{Context as _, Result};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use tokio_postgres::{Client, Config, NoTls, Statement};

/// Connections one replica opens at most (PostgreSQL allows 100 by default).
const MAX_CONNECTIONS: usize = 16;
/// How long one store call may wait for PostgreSQL in all (a free connection, connecting,
/// its statements) before it fails as unavailable.
pub(super) const CALL_DEADLINE: Duration = Duration::from_secs(2);
/// Bringing the schema up to date at start may take longer.
const MIGRATION_DEADLINE: Duration = Duration::from_secs(120);

/// Runs a future on the calling thread, whatever runtime it is in, until it completes or the
/// deadline passes (then `Unavailable`; dropping the future leaves its connection usable:
/// tokio-postgres discards an answer nobody waits for).
pub(super) fn wait_until<F: Future>(future: F, deadline: Instant) -> Result<F::Output> {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return Ok(out),
            Poll::Pending => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Unavailable::new("PostgreSQL did not answer in time").into());
                }
                std::thread::park_timeout(left);
            }
        }
    }
}

/// A connection and the statements prepared on it.
pub(super) struct Conn {
    pub(super) client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    /// The statement for `sql`, prepared on this connection once.
    pub(super) fn prepared(&mut self, sql: &'static str, deadline: Instant) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = wait_until(self.client.prepare(sql), deadline)?.map_err(super::failed)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

struct Pool {
    idle: Vec<Conn>,
    /// Connections open, idle or lent.
    open: usize,
}

pub(in crate::store) struct PgStore {
    config: Config,
    /// Drives the connections; taken in `drop` to shut down without blocking.
    runtime: Option<tokio::runtime::Runtime>,
    pool: Mutex<Pool>,
    returned: Condvar,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A connection lent from the pool; it goes back when dropped (or is closed if broken).
pub(super) struct Lent<'a> {
    conn: Option<Conn>,
    store: &'a PgStore,
}

impl std::ops::Deref for Lent<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("held until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let mut pool = self.store.lock();
        match self.conn.take() {
            Some(conn) if !conn.client.is_closed() => pool.idle.push(conn),
            _ => pool.open -= 1,
        }
        self.store.returned.notify_one();
    }
}

impl PgStore {
    /// Connects, checks the server answers and brings the schema up to date.
    pub(in crate::store) fn connect(url: &str) -> Result<PgStore> {
        let mut config: Config = url
            .parse()
            .with_context(|| format!("cannot read the PostgreSQL URL {}", super::redacted(url)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CALL_DEADLINE);
        }
        if config.get_application_name().is_none() {
            config.application_name("cinesense");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("postgres")
            .enable_all()
            .build()?;
        let store = PgStore {
            config,
            runtime: Some(runtime),
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        };
        let deadline = Instant::now() + MIGRATION_DEADLINE;
        let mut conn = store
            .conn(deadline)
            .with_context(|| format!("cannot connect to PostgreSQL at {}", super::redacted(url)))?;
        wait_until(migrations::migrate(&mut conn.client), deadline)??;
        drop(conn);
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new connection, driven by the store's runtime.
    fn open_connection(&self, deadline: Instant) -> Result<Conn> {
        let config = self.config.clone();
        let runtime = self.runtime.as_ref().expect("open until dropped");
        let connecting = runtime.spawn(async move {
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    log::warn!("PostgreSQL connection closed: {e}");
                }
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        let client = wait_until(connecting, deadline)??.map_err(super::failed)?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    /// An idle connection, a new one while fewer than `MAX_CONNECTIONS` are open, or the
    /// first one returned before `deadline`.
    pub(super) fn conn(&self, deadline: Instant) -> Result<Lent<'_>> {
        let started = Instant::now();
        let lent = self.checkout(deadline);
        crate::metrics::pool_wait(started.elapsed(), lent.is_ok());
        lent
    }

    fn checkout(&self, deadline: Instant) -> Result<Lent<'_>> {
        let mut pool = self.lock();
        loop {
            if let Some(conn) = pool.idle.pop() {
                if conn.client.is_closed() {
                    pool.open -= 1;
                    continue;
                }
                return Ok(Lent {
                    conn: Some(conn),
                    store: self,
                });
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                // Dropping a Lent without a connection gives the slot back.
                let mut lent = Lent {
                    conn: None,
                    store: self,
                };
                lent.conn = Some(
                    self.open_connection(deadline)
                        .context("cannot connect to PostgreSQL")?,
                );
                return Ok(lent);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(
                    Unavailable::new("no PostgreSQL connection became free in time").into(),
                );
            }
            let (guard, _) = self
                .returned
                .wait_timeout(pool, left)
                .unwrap_or_else(|e| e.into_inner());
            pool = guard;
        }
    }

    #[cfg(test)]
    pub(in crate::store) fn schema_version(&self) -> Result<i64> {
        let conn = self.conn(Instant::now() + CALL_DEADLINE)?;
        Ok(wait_until(
            conn.client.query_one(migrations::VERSION_QUERY, &[]),
            Instant::now() + CALL_DEADLINE,
        )??
        .get(0))
    }
}
