//! Spawns the real app on port 0 over an index built once per test run from the shipped data.
//!
//! Each app gets a fresh store: an SQLite file, or with `CINESENSE_TEST_STORE=postgres` (as
//! `.ci/run` sets for its second pass) a fresh PostgreSQL database.

use cinesense::config::Settings;
use cinesense::index::{self, Artifacts};
use cinesense::sentiment::Classifier;
use cinesense::startup::Application;
use cinesense::store::scratch::ScratchDatabase;
use cinesense::store::Store;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Settings pointing at the repository's data/ and a per-run index folder.
pub fn test_settings() -> Settings {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Settings {
        data_dir: root.join("data"),
        movielens_dir: root.join("data").join("movielens-ml-latest-small"),
        index_dir: root.join("target").join("test-index"),
        web_dir: root.join("web"),
        // Builds must not pick up a developer's TMDB snapshot.
        tmdb_snapshot: root.join("target").join("no-tmdb-snapshot.jsonl"),
        database_url: root
            .join("target")
            .join("no-such-store.sqlite")
            .display()
            .to_string(),
        ..Settings::default()
    }
}

/// The index, built (or reused when fresh) once per test binary.
pub fn shared_artifacts() -> Arc<Artifacts> {
    static ARTIFACTS: OnceLock<Arc<Artifacts>> = OnceLock::new();
    ARTIFACTS
        .get_or_init(|| {
            Arc::new(index::load_or_build(&test_settings(), true).expect("index builds"))
        })
        .clone()
}

pub struct TestApp {
    pub address: String,
    /// Where `/metrics` is served, when the settings gave METRICS_ADDR.
    pub metrics_address: Option<String>,
    /// The settings the app was wired with.
    pub settings: Settings,
    pub client: reqwest::Client,
    pub store: Arc<Store>,
    /// Keeps the SQLite file alive for the test.
    _db_dir: tempfile::TempDir,
    /// The PostgreSQL database of the test, when the suite runs on PostgreSQL.
    _scratch: Option<ScratchDatabase>,
}

/// Whether this run puts each app's store in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("CINESENSE_TEST_STORE").is_ok_and(|v| v == "postgres")
}

impl TestApp {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// Ids of a list of movies found at `pointer` (e.g. "/similar" with "movie/id").
    pub async fn ids(&self, path: &str, list: &str, id: &str) -> Vec<u64> {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body.pointer(list)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{path}: no list at {list}: {body}"))
            .iter()
            .map(|v| v.pointer(id).and_then(Value::as_u64).expect("id"))
            .collect()
    }
}

/// Starts the server on a free port, in its own thread and actix system.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The committed sentiment model, loaded once per test binary.
pub fn shared_classifier() -> Arc<cinesense::sentiment::BertClassifier> {
    static C: OnceLock<Arc<cinesense::sentiment::BertClassifier>> = OnceLock::new();
    C.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/models/sentiment");
        Arc::new(
            cinesense::sentiment::BertClassifier::load(&dir, candle_core::Device::Cpu)
                .expect("the committed sentiment model loads"),
        )
    })
    .clone()
}

/// Like `spawn_app`, with the review panel backed by the committed sentiment model.
pub async fn spawn_app_with_reviews(change: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_built(change, true).await
}

/// Like `spawn_app`, with settings changed first (TMDB stand-in URLs, keys, timeouts).
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_built(change, false).await
}

async fn spawn_app_built(change: impl FnOnce(&mut Settings), reviews: bool) -> TestApp {
    spawn_app_over(shared_artifacts(), change, reviews).await
}

/// Like `spawn_app_with`, over an index of the test's own (built with other inputs).
pub async fn spawn_app_over(
    artifacts: Arc<Artifacts>,
    change: impl FnOnce(&mut Settings),
    reviews: bool,
) -> TestApp {
    capture_logs();
    let db_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings();
    settings.addr = "127.0.0.1:0".parse().unwrap();
    settings.database_url = db_dir.path().join("cinesense.sqlite").display().to_string();
    let scratch = on_postgres().then(|| {
        let db = ScratchDatabase::create("api")
            .expect("CINESENSE_TEST_STORE=postgres needs a PostgreSQL server");
        settings.database_url = db.url.clone();
        db
    });
    change(&mut settings);
    let classifier = reviews.then(|| shared_classifier() as Arc<dyn Classifier>);
    let app = Application::build_with(settings.clone(), artifacts, classifier).expect("app wires");
    let store = app.store();
    let metrics_address = app
        .metrics_port()
        .map(|p| format!("http://127.0.0.1:{p}/metrics"));
    let port = app.spawn();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        metrics_address,
        settings,
        client: reqwest::Client::new(),
        store,
        _db_dir: db_dir,
        _scratch: scratch,
    }
}

/// Polls `GET {base}{path}` until it answers `status` (30 s at most).
pub async fn wait_for_status(base: &str, path: &str, status: u16) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let got = reqwest::get(format!("{base}{path}"))
            .await
            .map_or(0, |r| r.status().as_u16());
        if got == status {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} still {got} after 30 s, waiting for {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Asserts the JSON error shape and returns the error object.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) -> Value {
    assert_eq!(status, expected_status, "{body}");
    let err = body
        .get("error")
        .unwrap_or_else(|| panic!("no error object: {body}"));
    assert_eq!(err["code"], code, "{body}");
    assert!(
        err["message"]
            .as_str()
            .map(|m| !m.is_empty())
            .unwrap_or(false),
        "{body}"
    );
    err.clone()
}

/// A signed-up user of a test app: its bearer token.
pub struct Account {
    pub token: String,
}

impl TestApp {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn signup(&self, username: &str, genres: &[&str]) -> Account {
        let (status, body) = self
            .send(reqwest::Method::POST, "/api/users", None, Some(serde_json::json!({"username": username, "password": "a good password", "genres": genres})))
            .await;
        assert_eq!(status, 201, "{body}");
        Account {
            token: body["token"].as_str().expect("token").to_string(),
        }
    }

    pub async fn rate(&self, who: &Account, movie_id: u32, rating: f64) -> (u16, Value) {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/me/ratings/{movie_id}"),
            Some(&who.token),
            Some(serde_json::json!({"rating": rating})),
        )
        .await
    }
}

/// Every log line of this test binary, for checking that no secret is ever logged.
pub fn captured_logs() -> String {
    LOG.get()
        .map(|l| l.lines.lock().unwrap().join("\n"))
        .unwrap_or_default()
}

struct CaptureLogger {
    lines: std::sync::Mutex<Vec<String>>,
}

static LOG: OnceLock<&'static CaptureLogger> = OnceLock::new();

impl log::Log for CaptureLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.lines.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    LOG.get_or_init(|| {
        let logger: &'static CaptureLogger = Box::leak(Box::new(CaptureLogger {
            lines: std::sync::Mutex::new(Vec::new()),
        }));
        let _ = log::set_logger(logger);
        log::set_max_level(log::LevelFilter::Debug);
        logger
    });
}
