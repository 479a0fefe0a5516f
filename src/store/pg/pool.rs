//! The PostgreSQL connections: a bounded pool, each connection keeping its prepared
//! statements, driven by a small runtime of the store's own. The store's methods block and
//! callers may be on an async executor (the app is wired inside one) or off it, so a method
//! waits for its query with [`block_on`], which parks the calling thread and never enters a
//! tokio runtime (entering one from another's executor panics).

use super::migrations;
use anyhow::{anyhow, Context as _, Result};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tokio_postgres::{Client, Config, NoTls, Statement};

/// Connections one replica opens at most (PostgreSQL allows 100 by default).
const MAX_CONNECTIONS: usize = 16;
/// How long a request waits for a free connection before it fails.
const CHECKOUT_WAIT: Duration = Duration::from_secs(10);

/// Runs a future to completion on the calling thread, whatever runtime it is in.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
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
            Poll::Ready(out) => return out,
            Poll::Pending => std::thread::park(),
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
    pub(super) fn prepared(
        &mut self,
        sql: &'static str,
    ) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = block_on(self.client.prepare(sql))?;
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
            config.connect_timeout(Duration::from_secs(5));
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
        let mut conn = store
            .conn()
            .with_context(|| format!("cannot connect to PostgreSQL at {}", super::redacted(url)))?;
        block_on(migrations::migrate(&mut conn.client))?;
        drop(conn);
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new connection, driven by the store's runtime.
    fn open_connection(&self) -> Result<Conn> {
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
        let client = block_on(connecting)??;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    /// An idle connection, a new one while fewer than `MAX_CONNECTIONS` are open, or the
    /// first one returned.
    pub(super) fn conn(&self) -> Result<Lent<'_>> {
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
                    self.open_connection()
                        .context("cannot connect to PostgreSQL")?,
                );
                return Ok(lent);
            }
            let (guard, timeout) = self
                .returned
                .wait_timeout(pool, CHECKOUT_WAIT)
                .unwrap_or_else(|e| e.into_inner());
            pool = guard;
            if timeout.timed_out() && pool.idle.is_empty() && pool.open >= MAX_CONNECTIONS {
                return Err(anyhow!(
                    "no PostgreSQL connection became free in {CHECKOUT_WAIT:?}"
                ));
            }
        }
    }

    #[cfg(test)]
    pub(in crate::store) fn schema_version(&self) -> Result<i64> {
        let conn = self.conn()?;
        Ok(block_on(conn.client.query_one(migrations::VERSION_QUERY, &[]))?.get(0))
    }
}
