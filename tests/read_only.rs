//! A replica serves an index/ it can't write (the README's several-replicas set-up copies it
//! read-only): serve, as a user without write access, opens it, answers searches and leaves it
//! untouched; where the copy is stale it stops with a message naming the folder. Before, it
//! took tantivy's lock file, "rebuilt" and exited 1 with "Permission denied" and no path.
//! A store it can't write stops it at start, naming the file (before: it served, and every
//! signup and rating answered 500).
//!
//! Root ignores file permissions, so as root (CI) serve runs as `nobody` (setpriv).

#[path = "common/privileges.rs"]
mod privileges;
#[path = "common/server.rs"]
mod server;

use privileges::{as_user, is_root};
use server::{free_port, serve_command, start, test_index, wait_healthy};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The cinesense binary, run as `nobody` when we are root.
fn unprivileged() -> Command {
    as_user("65534", "65534", env!("CARGO_BIN_EXE_cinesense"))
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file and folder under `dir` with its size and modification time.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        out.push(format!(
            "{} {} {:?}",
            entry.path().display(),
            meta.len(),
            meta.modified().ok()
        ));
        if meta.is_dir() {
            out.extend(listing(&entry.path()));
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Read-only for everyone: folders r-x, files r--.
fn make_read_only(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            make_read_only(&entry.path());
        } else {
            chmod(&entry.path(), 0o444);
        }
    }
    chmod(dir, 0o555);
}

/// `serve` as the unprivileged user over `index` and the store `db` stops with an error that
/// names `named`.
fn refused_at_start(db: &str, index: &Path, setting: Option<(&str, &str)>, named: &str) {
    let mut serve = serve_command(unprivileged(), db, free_port());
    serve.env("CINESENSE_INDEX_DIR", index);
    if let Some((name, value)) = setting {
        serve.env(name, value);
    }
    let out = serve.stdout(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(named),
        "the message names {named}: {stderr}"
    );
}

#[tokio::test]
async fn serve_runs_on_a_read_only_index_and_refuses_a_read_only_store() {
    if is_root() && Command::new("setpriv").arg("--version").output().is_err() {
        panic!("as root this test runs serve as nobody with setpriv, which is missing");
    }
    cinesense::clients::install_crypto_provider();
    let client = reqwest::Client::new();
    let work = tempfile::tempdir().unwrap();
    chmod(work.path(), 0o755);

    // A fresh test index, built by a normal serve, then copied read-only.
    let built = work.path().join("built");
    std::fs::create_dir(&built).unwrap();
    let built_db = built.join("build.sqlite").display().to_string();
    let port = free_port();
    let mut builder = start(&built_db, port);
    wait_healthy(&client, &format!("http://127.0.0.1:{port}")).await;
    builder.kill().ok();
    builder.wait().ok();
    let index = work.path().join("index");
    copy_dir(&test_index(), &index);
    make_read_only(&index);
    let before = listing(&index);

    // The store is the one thing serve writes: a folder of its own it may write.
    let store_dir = work.path().join("store");
    std::fs::create_dir(&store_dir).unwrap();
    chmod(&store_dir, 0o777);
    let db = store_dir.join("replica.sqlite").display().to_string();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut replica = serve_command(unprivileged(), &db, port)
        .env("CINESENSE_INDEX_DIR", &index)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ready = tokio::time::timeout(Duration::from_secs(120), wait_healthy(&client, &base)).await;
    if ready.is_err() || replica.try_wait().unwrap().is_some() {
        replica.kill().ok();
        let out = replica.wait_with_output().unwrap();
        panic!(
            "serve did not start on a read-only index: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let found: serde_json::Value = client
        .get(format!("{base}/api/search?q=toy%20story"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        found["results"][0]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Toy Story")),
        "{found}"
    );
    replica.kill().ok();
    replica.wait().ok();
    assert_eq!(listing(&index), before, "serve changed the read-only index");

    // Stale (the build settings differ) and read-only: serve stops and names the folder.
    refused_at_start(
        &db,
        &index,
        Some(("SIMILAR_K", "7")),
        &index.display().to_string(),
    );
    assert_eq!(listing(&index), before);

    // A store this user can't write: refused at start, the file named.
    make_read_only(&built);
    refused_at_start(&built_db, &index, None, &built_db);
    chmod(&built, 0o755);
}
