//! The PostgreSQL backend, for several `cinesense serve` replicas sharing one database:
//! users, sessions, ratings and failed logins live only here, so any replica answers any
//! request. A bounded pool of connections, each keeping its prepared statements; a commit is
//! acknowledged only once PostgreSQL has made it durable (its default `synchronous_commit`).
//!
//! The store's methods block, and callers may be on an async executor (the app is wired
//! inside one) or off it. So the connections run on a small runtime of the store's own, and a
//! method waits for its query with [`block_on`], which parks the calling thread and never
//! enters a tokio runtime (entering one from another's executor panics).

mod migrations;

use super::{now, Audience, Backend, CreateUserError, MovieList, User, UserRating};
use anyhow::{anyhow, Context as _, Result};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

/// Connections one replica opens at most (PostgreSQL allows 100 by default).
const MAX_CONNECTIONS: usize = 16;
/// How long a request waits for a free connection before it fails.
const CHECKOUT_WAIT: Duration = Duration::from_secs(10);

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Runs a future to completion on the calling thread, whatever runtime it is in.
fn block_on<F: Future>(future: F) -> F::Output {
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
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    async fn statement(&mut self, sql: &'static str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).await?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        block_on(async {
            let s = self.statement(sql).await?;
            self.client.query(&s, params).await
        })
    }

    fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        block_on(async {
            let s = self.statement(sql).await?;
            self.client.execute(&s, params).await
        })
    }
}

struct Pool {
    idle: Vec<Conn>,
    /// Connections open, idle or lent.
    open: usize,
}

pub(super) struct PgStore {
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
struct Lent<'a> {
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
    pub(super) fn connect(url: &str) -> Result<PgStore> {
        let mut config: Config = url
            .parse()
            .with_context(|| format!("cannot read the PostgreSQL URL {}", redacted(url)))?;
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
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redacted(url)))?;
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
    fn conn(&self) -> Result<Lent<'_>> {
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
    pub(super) fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn()?
            .query("SELECT version FROM cinesense_schema", &[])?[0]
            .get(0))
    }
}

#[cfg(test)]
pub(super) fn migrations_latest() -> i64 {
    migrations::LATEST
}

fn user_from_row(row: &Row) -> User {
    let genres: String = row.get(2);
    User {
        id: row.get(0),
        username: row.get(1),
        genres: serde_json::from_str(&genres).unwrap_or_default(),
        created_at: row.get(3),
    }
}

/// A row of `SELECT movie_id, rating, updated_at FROM ratings`.
fn rating_from_row(row: &Row) -> UserRating {
    UserRating {
        movie_id: row.get::<_, i64>(0) as u32,
        rating: row.get(1),
        updated_at: row.get(2),
    }
}

impl Backend for PgStore {
    fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        genres: &[String],
    ) -> Result<User, CreateUserError> {
        let created_at = now();
        let genres_json = serde_json::to_string(genres).map_err(anyhow::Error::from)?;
        let res = self.conn()?.query(
            "INSERT INTO users (username, password_hash, genres, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&username, &password_hash, &genres_json, &created_at],
        );
        match res {
            Ok(rows) => Ok(User {
                id: rows[0].get(0),
                username: username.to_string(),
                genres: genres.to_vec(),
                created_at,
            }),
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Err(CreateUserError::Taken),
            Err(e) => Err(CreateUserError::Other(e.into())),
        }
    }

    fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>> {
        let rows = self.conn()?.query(
            "SELECT id, username, genres, created_at, password_hash FROM users
             WHERE lower(username) = lower($1)",
            &[&username],
        )?;
        Ok(rows.first().map(|r| (user_from_row(r), r.get(4))))
    }

    fn delete_user(&self, user_id: i64) -> Result<bool> {
        // Sessions, ratings and the watchlist go by cascade.
        Ok(self
            .conn()?
            .execute("DELETE FROM users WHERE id = $1", &[&user_id])?
            > 0)
    }

    fn count_users(&self) -> Result<i64> {
        Ok(self.conn()?.query("SELECT COUNT(*) FROM users", &[])?[0].get(0))
    }

    fn create_session(&self, token_hash: &str, user_id: i64, ttl_seconds: i64) -> Result<()> {
        let t = now();
        self.conn()?.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[&token_hash, &user_id, &t, &(t + ttl_seconds)],
        )?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        let rows = self.conn()?.query(
            "SELECT u.id, u.username, u.genres, u.created_at FROM sessions s
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
            &[&token_hash, &now()],
        )?;
        Ok(rows.first().map(user_from_row))
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.conn()?
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    fn begin_login(
        &self,
        username: &str,
        client: &str,
        free: i64,
        max_wait: i64,
    ) -> Result<Option<u64>> {
        let username = username.to_lowercase();
        let mut conn = self.conn()?;
        let wait = block_on(async {
            let tx = conn.client.transaction().await?;
            // The row exists before it is locked, so parallel attempts queue on it.
            tx.execute(
                "INSERT INTO login_failures (username, client, failures, last_failure)
                 VALUES ($1, $2, 0, 0) ON CONFLICT DO NOTHING",
                &[&username, &client],
            )
            .await?;
            let row = tx
                .query_one(
                    "SELECT failures, last_failure FROM login_failures
                     WHERE username = $1 AND client = $2 FOR UPDATE",
                    &[&username, &client],
                )
                .await?;
            let (failures, last): (i64, i64) = (row.get(0), row.get(1));
            let t = now();
            if failures >= free {
                let wait = (2i64 << (failures - free).min(16)).min(max_wait);
                let left = last + wait - t;
                if left > 0 {
                    tx.commit().await?;
                    return Ok(Some(left as u64));
                }
            }
            tx.execute(
                "UPDATE login_failures SET failures = failures + 1, last_failure = $3
                 WHERE username = $1 AND client = $2",
                &[&username, &client, &t],
            )
            .await?;
            tx.commit().await?;
            Ok::<_, tokio_postgres::Error>(None)
        })?;
        Ok(wait)
    }

    fn clear_login_failures(&self, username: &str, client: &str) -> Result<()> {
        self.conn()?.execute(
            "DELETE FROM login_failures WHERE username = $1 AND client = $2",
            &[&username.to_lowercase(), &client],
        )?;
        Ok(())
    }

    fn put_rating(&self, user_id: i64, movie_id: u32, rating: f32) -> Result<UserRating> {
        let t = now();
        self.conn()?.execute(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = $3, updated_at = $4",
            &[&user_id, &(movie_id as i64), &rating, &t],
        )?;
        Ok(UserRating {
            movie_id,
            rating,
            updated_at: t,
        })
    }

    fn delete_rating(&self, user_id: i64, movie_id: u32) -> Result<bool> {
        Ok(self.conn()?.execute(
            "DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2",
            &[&user_id, &(movie_id as i64)],
        )? > 0)
    }

    fn ratings(&self, user_id: i64) -> Result<Vec<UserRating>> {
        let rows = self.conn()?.query(
            "SELECT movie_id, rating, updated_at FROM ratings WHERE user_id = $1
             ORDER BY updated_at DESC, movie_id",
            &[&user_id],
        )?;
        Ok(rows.iter().map(rating_from_row).collect())
    }

    fn ratings_page(
        &self,
        user_id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<UserRating>, usize)> {
        let mut conn = self.conn()?;
        let total: i64 = conn.query(
            "SELECT COUNT(*) FROM ratings WHERE user_id = $1",
            &[&user_id],
        )?[0]
            .get(0);
        let rows = conn.query(
            "SELECT movie_id, rating, updated_at FROM ratings WHERE user_id = $1
             ORDER BY updated_at DESC, movie_id LIMIT $2 OFFSET $3",
            &[&user_id, &(limit as i64), &(offset as i64)],
        )?;
        Ok((rows.iter().map(rating_from_row).collect(), total as usize))
    }

    fn cache_get(&self, key: &str) -> Result<Option<(String, i64)>> {
        let rows = self.conn()?.query(
            "SELECT body, fetched_at FROM http_cache WHERE key = $1",
            &[&key],
        )?;
        Ok(rows.first().map(|r| (r.get(0), r.get(1))))
    }

    fn cache_put(&self, key: &str, body: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO http_cache (key, body, fetched_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET body = $2, fetched_at = $3",
            &[&key, &body, &now()],
        )?;
        Ok(())
    }

    fn cache_entries(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let rows = self.conn()?.query(
            "SELECT key, body FROM http_cache WHERE starts_with(key, $1) ORDER BY key",
            &[&prefix],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn add_to_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<()> {
        let sql = match list {
            MovieList::Watchlist => {
                "INSERT INTO watchlist (user_id, movie_id, added_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING"
            }
            MovieList::NotInterested => {
                "INSERT INTO not_interested (user_id, movie_id, added_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING"
            }
        };
        self.conn()?
            .execute(sql, &[&user_id, &(movie_id as i64), &now()])?;
        Ok(())
    }

    fn remove_from_list(&self, list: MovieList, user_id: i64, movie_id: u32) -> Result<bool> {
        let sql = match list {
            MovieList::Watchlist => "DELETE FROM watchlist WHERE user_id = $1 AND movie_id = $2",
            MovieList::NotInterested => {
                "DELETE FROM not_interested WHERE user_id = $1 AND movie_id = $2"
            }
        };
        Ok(self.conn()?.execute(sql, &[&user_id, &(movie_id as i64)])? > 0)
    }

    fn list(&self, list: MovieList, user_id: i64) -> Result<Vec<(u32, i64)>> {
        let sql = match list {
            MovieList::Watchlist => {
                "SELECT movie_id, added_at FROM watchlist WHERE user_id = $1
                 ORDER BY added_at DESC, movie_id"
            }
            MovieList::NotInterested => {
                "SELECT movie_id, added_at FROM not_interested WHERE user_id = $1
                 ORDER BY added_at DESC, movie_id"
            }
        };
        let rows = self.conn()?.query(sql, &[&user_id])?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i64>(0) as u32, r.get(1)))
            .collect())
    }

    fn put_audience(&self, movie_id: u32, a: Audience) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO audience (movie_id, positive, reviews, fetched_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (movie_id) DO UPDATE SET positive = $2, reviews = $3, fetched_at = $4",
            &[
                &(movie_id as i64),
                &(a.positive as i64),
                &(a.reviews as i64),
                &a.fetched_at,
            ],
        )?;
        Ok(())
    }

    fn audiences(&self) -> Result<Vec<(u32, Audience)>> {
        let rows = self.conn()?.query(
            "SELECT movie_id, positive, reviews, fetched_at FROM audience ORDER BY movie_id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get::<_, i64>(0) as u32,
                    Audience {
                        positive: r.get::<_, i64>(1) as u32,
                        reviews: r.get::<_, i64>(2) as u32,
                        fetched_at: r.get(3),
                    },
                )
            })
            .collect())
    }
}
