//! `cinesense bench ...`: benchmarks that print one JSON line of figures, one file each.
//! Targets live in the README, not in timed tests. Benchmarks that go over HTTP start the app
//! through `startup::Application`, as `serve` does, and call it with reqwest.

mod accounts;
mod collab;
mod content;
mod implicit;
mod import;
mod load;
mod recommend;
mod release;
mod search;
mod sentiment;
mod serve;
mod similar;

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::index::Artifacts;
use cinesense::startup::Application;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Build the content model for N movies (real ones, then seeded recombinations).
    Content {
        #[arg(long, default_value_t = 9742)]
        movies: usize,
        /// Also run peers/sklearn_content.py on the same documents (needs python3 and
        /// scikit-learn) and print both.
        #[arg(long)]
        compare_sklearn: bool,
    },
    /// Replay every prefix of 300 catalog titles (and one-typo variants) against the index.
    Search {
        #[arg(long, default_value_t = 300)]
        titles: usize,
    },
    /// Train MF on N synthetic ratings, or on a MovieLens-format file.
    Collab {
        #[arg(long, conflicts_with = "file")]
        ratings: Option<usize>,
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        #[arg(long, default_value_t = 100)]
        factors: usize,
        #[arg(long, default_value_t = 20)]
        epochs: usize,
    },
    /// Fit the implicit model (EASE^R, or iALS where EASE^R does not fit) on N synthetic
    /// ratings or a MovieLens-format file, and time scoring the catalog for a new user with 20
    /// ratings (its fold-in).
    Implicit {
        #[arg(long, conflicts_with = "file")]
        ratings: Option<usize>,
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = implicit::Choice::Auto)]
        model: implicit::Choice,
        /// EASE^R's λ.
        #[arg(long, default_value_t = 200.0)]
        lambda: f32,
    },
    /// Fold-in and hybrid top-10 latency over the built index.
    Recommend,
    /// "More like this" over HTTP for N seeded films with 10+ ratings (co-watching counts).
    Similar {
        #[arg(long, default_value_t = 300)]
        films: usize,
    },
    /// Start `cinesense serve` over the built index as its own process and measure it from
    /// outside: time to ready, RSS, and a member's recommendations, more like this and search
    /// over HTTP.
    Serve {
        /// Timed requests of each kind.
        #[arg(long, default_value_t = 300)]
        requests: usize,
    },
    /// Classify 500 aclImdb reviews with the sentiment model.
    Sentiment {
        #[arg(long, default_value_t = 500)]
        reviews: usize,
    },
    /// Personal recommendations over HTTP with a few hundred users in a SQLite store.
    Accounts {
        #[arg(long, default_value_t = 300)]
        users: usize,
    },
    /// A 10,000-row IMDb export through POST /api/me/import, then again, beside rating the
    /// same films one PUT at a time.
    Import {
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
        #[arg(long, value_enum, default_value_t = load::StoreKind::Sqlite)]
        store: load::StoreKind,
    },
    /// Many clients at once: search-as-you-type while members write ratings.
    Load {
        #[arg(long, default_value_t = 200)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Where the ratings go: a fresh SQLite file, or a fresh database on the PostgreSQL
        /// server CINESENSE_TEST_POSTGRES names (default postgres://postgres@127.0.0.1:5432/postgres).
        #[arg(long, value_enum, default_value_t = load::StoreKind::Sqlite)]
        store: load::StoreKind,
        /// Load a server already running at this URL instead (e.g. another build's `serve`).
        #[arg(long, value_name = "URL")]
        against: Option<String>,
    },
    /// Write a MovieLens-shaped release (movies, ratings, links, tags as CSV) of any size,
    /// drawn from the catalog in MOVIELENS_DIR; deterministic by seed. Build it with
    /// MOVIELENS_DIR=DIR cinesense build.
    Release {
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
        users: u64,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        movies: u64,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
        ratings: u64,
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

pub fn run(command: BenchCommand, settings: &Settings) -> Result<()> {
    match command {
        BenchCommand::Content {
            movies,
            compare_sklearn,
        } => content::run(settings, movies, compare_sklearn),
        BenchCommand::Search { titles } => search::run(settings, titles),
        BenchCommand::Collab {
            ratings,
            file,
            factors,
            epochs,
        } => collab::run(ratings, file, factors, epochs, settings),
        BenchCommand::Implicit {
            ratings,
            file,
            model,
            lambda,
        } => implicit::run(ratings, file, model, lambda),
        BenchCommand::Recommend => recommend::run(settings),
        BenchCommand::Similar { films } => similar::run(settings, films),
        BenchCommand::Serve { requests } => serve::run(settings, requests),
        BenchCommand::Accounts { users } => accounts::run(settings, users),
        BenchCommand::Load {
            connections,
            seconds,
            store,
            against,
        } => load::run(settings, connections, seconds, store, against),
        BenchCommand::Sentiment { reviews } => sentiment::run(settings, reviews),
        BenchCommand::Import { rows, store } => import::run(settings, rows, store),
        BenchCommand::Release {
            users,
            movies,
            ratings,
            out,
            seed,
            quiet,
        } => {
            let shape = cinesense::dataset::generate::ReleaseShape {
                users: users as usize,
                movies: movies as usize,
                ratings,
                seed,
            };
            release::run(settings, shape, &out, quiet)
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The app on a free loopback port over a loaded index and a fresh store, wired by
/// `Application` exactly as `serve` wires it (no review panel: no benchmark here reads it).
fn spawn_app(settings: &Settings, a: Artifacts, database_url: &str) -> Result<Http> {
    let mut settings = settings.clone();
    settings.addr = "127.0.0.1:0".parse()?;
    settings.database_url = database_url.to_string();
    // Every benchmark account signs up from this machine's one address.
    settings.signups_per_address = i64::MAX;
    let app = Application::build_with(settings, std::sync::Arc::new(a), None)?;
    Http::new(app.spawn())
}

/// One keep-alive client to the app, driven from synchronous benchmark code.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    /// http://127.0.0.1:PORT
    base: String,
}

impl Http {
    fn new(port: u16) -> Result<Self> {
        Self::to(&format!("http://127.0.0.1:{port}"))
    }

    /// A client of the server at `base` (http://HOST:PORT).
    fn to(base: &str) -> Result<Self> {
        cinesense::clients::install_crypto_provider();
        Ok(Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
            client: reqwest::Client::builder().tcp_nodelay(true).build()?,
            base: base.to_string(),
        })
    }

    /// One request with an optional bearer token and JSON body; the status and the body.
    fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Result<(u16, Vec<u8>)> {
        self.runtime.block_on(async {
            let mut request = self
                .client
                .request(method, format!("{}{path_and_query}", self.base));
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            if let Some(b) = &body {
                request = request.json(b);
            }
            let response = request.send().await?;
            let status = response.status().as_u16();
            Ok((status, response.bytes().await?.to_vec()))
        })
    }

    /// Signs up `username` (three genres, a good password); its session token.
    fn signup(&self, username: &str) -> Result<String> {
        let body = serde_json::json!({"username": username, "password": "a good password", "genres": ["Drama", "Comedy", "Thriller"]});
        let (status, bytes) = self.send(reqwest::Method::POST, "/api/users", None, Some(body))?;
        anyhow::ensure!(status == 201, "signup answered {status}");
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        v["token"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| anyhow::anyhow!("signup answered no token"))
    }
}
