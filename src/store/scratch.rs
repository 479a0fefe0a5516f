//! Throwaway PostgreSQL databases for tests, so the suites run against both backends.
//!
//! The server is `CINESENSE_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`,
//! which the development and CI machines run). Without one the PostgreSQL tests print `SKIPPED`
//! and pass, unless `CINESENSE_REQUIRE_POSTGRES=1` (set by `.ci/run`) makes that a failure.

use std::sync::atomic::{AtomicUsize, Ordering};

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh, empty database; dropped (with any connections left) when this is dropped.
pub struct ScratchDatabase {
    /// Its URL, for `DATABASE_URL`.
    pub url: String,
    name: String,
    server: String,
}

fn server() -> String {
    std::env::var("CINESENSE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_SERVER.to_string())
}

/// Runs one statement on `server`, on a thread and runtime of its own (callers may be on an
/// async executor).
fn admin(server: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(server, tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                client.batch_execute(sql).await
            })
        })
        .join()
        .expect("no panic")
    })
}

/// Runs `sql` on the database at `url` (a test setting a database up as an older build left it).
#[cfg(test)]
pub(super) fn run(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    admin(url, sql)
}

impl ScratchDatabase {
    /// A new database for `test`, or `None` (after printing SKIPPED) when no server answers.
    pub fn create(test: &str) -> Option<ScratchDatabase> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = server();
        let name = format!(
            "cinesense_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(e) = admin(&server, &format!("CREATE DATABASE {name}")) {
            let require = std::env::var("CINESENSE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            assert!(!require, "{test}: no PostgreSQL at {server}: {e}");
            println!("SKIPPED {test}: no PostgreSQL at {server} ({e})");
            return None;
        }
        let url = match server.rsplit_once('/') {
            Some((base, _)) if base.contains("://") && base.len() > base.find("://")? + 3 => {
                format!("{base}/{name}")
            }
            _ => format!("{}/{name}", server.trim_end_matches('/')),
        };
        Some(ScratchDatabase { url, name, server })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = admin(&self.server, &sql);
    }
}
