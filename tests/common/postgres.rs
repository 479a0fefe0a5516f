//! A PostgreSQL server of the test's own, on a free port with its data in a temporary folder,
//! so a test can stop, crash and freeze it (never the shared one on 5432). As root (CI), it
//! runs as the `postgres` user, since PostgreSQL refuses root.

use crate::privileges::{as_user, is_root};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct OwnPostgres {
    bin: PathBuf,
    data: tempfile::TempDir,
    pub port: u16,
    server: Option<Child>,
}

/// The folder of PostgreSQL's programs, when it is installed.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

/// `program` as the postgres user when we are root.
fn as_postgres(program: PathBuf) -> Command {
    as_user("postgres", "postgres", program)
}

impl OwnPostgres {
    /// A new, empty cluster, started; None (after printing SKIPPED) when PostgreSQL is not
    /// installed, unless `CINESENSE_REQUIRE_POSTGRES=1` makes that a failure.
    pub fn start() -> Option<OwnPostgres> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var("CINESENSE_REQUIRE_POSTGRES").map_or(true, |v| v != "1"),
                "PostgreSQL's programs (initdb) are not installed"
            );
            eprintln!("SKIPPED: PostgreSQL's programs (initdb) are not installed");
            return None;
        };
        let data = tempfile::tempdir().expect("temp dir");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(data.path())
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown of the data folder");
        }
        let out = as_postgres(bin.join("initdb"))
            .arg("-D")
            .arg(data.path().join("pg"))
            .args(["-U", "postgres", "--auth=trust", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = OwnPostgres {
            bin,
            data,
            port: crate::server::free_port(),
            server: None,
        };
        pg.resume_service();
        Some(pg)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again) and waits until it takes connections.
    pub fn resume_service(&mut self) {
        let child = as_postgres(self.bin.join("postgres"))
            .arg("-D")
            .arg(self.data.path().join("pg"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(self.data.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.server = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.answers() {
            assert!(Instant::now() < deadline, "PostgreSQL did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether a query gets an answer now.
    fn answers(&self) -> bool {
        let url = self.url();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let Ok(Ok((client, conn))) = tokio::time::timeout(
                        Duration::from_secs(2),
                        tokio_postgres::connect(&url, tokio_postgres::NoTls),
                    )
                    .await
                    else {
                        return false;
                    };
                    tokio::spawn(conn);
                    client.simple_query("SELECT 1").await.is_ok()
                })
        })
        .join()
        .unwrap()
    }

    /// Signals the postmaster and every process under it (each backend makes itself a
    /// process group leader, so a signal to the postmaster's group would miss them).
    fn signal_all(&self, signal: i32) {
        if let Some(child) = &self.server {
            for pid in with_descendants(child.id()) {
                unsafe { libc::kill(pid as i32, signal) };
            }
        }
    }

    /// Every process of the server killed at once (kill -9), as in a crash.
    pub fn crash(&mut self) {
        self.signal_all(libc::SIGKILL);
        if let Some(mut child) = self.server.take() {
            let _ = child.wait();
        }
    }

    /// Every process of the server stopped where it stands (SIGSTOP): connections stay open
    /// and nothing answers.
    pub fn freeze(&self) {
        self.signal_all(libc::SIGSTOP);
    }

    pub fn thaw(&self) {
        self.signal_all(libc::SIGCONT);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.thaw();
        self.crash();
    }
}

/// `pid` and every process below it, from /proc.
fn with_descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|p| {
                    let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
                    // "pid (name) state ppid ...": the name may hold spaces, so read after ')'.
                    let after = &stat[stat.rfind(')')? + 1..];
                    let ppid = after.split_whitespace().nth(1)?.parse().ok()?;
                    Some((p, ppid))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found
}
