//! The real `cinesense serve` as a child process on a free port, for the tests that measure
//! it from outside (kill -9, its memory).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The test index's folder.
pub fn test_index() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("test-index")
}

/// `serve` over the test index and the store `db`.
pub fn start(db: &str, port: u16) -> Child {
    serve_command(Command::new(env!("CARGO_BIN_EXE_cinesense")), db, port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts")
}

/// `program` (the cinesense binary, or a wrapper that runs it) given `serve`'s arguments and
/// settings: the test index, the store `db`, the address.
pub fn serve_command(mut program: Command, db: &str, port: u16) -> Command {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    program
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(&root)
        .env("DATABASE_URL", db)
        .env("CINESENSE_INDEX_DIR", test_index())
        .env("RUST_LOG", "warn");
    program
}

pub async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/api/health")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not become healthy");
}
