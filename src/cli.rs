//! The sub-commands: serve, build, eval, bench.

use crate::api::AppState;
use crate::artifacts;
use crate::bench;
use crate::collab::eval;
use crate::config::Settings;
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::net::{SocketAddr, TcpListener};

#[derive(Parser, Debug)]
#[command(
    name = "cinesense",
    version,
    about = "A movie recommender: search, more-like-this, personal recommendations."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API and the browser app, building index/ first if it is missing or stale.
    Serve {
        /// Address to listen on (setting CINESENSE_ADDR, default 127.0.0.1:8080).
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Derive everything into index/ from data/.
    Build {
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Evaluate the models: 5-fold CV for rating prediction, leave-latest-out for ranking.
    Eval(EvalArgs),
    /// Fetch TMDB details for every catalog movie into the cache (resumable, rate-limited);
    /// the next `build` uses them.
    Enrich {
        /// Only the first N movies.
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        quiet: bool,
    },
    /// Benchmarks that print one JSON line of figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Scrape a movie's IMDb user reviews and print them as JSON (honours IMDB_BASE_URL).
    Reviews {
        /// e.g. tt0137523
        imdb_id: String,
    },
    /// The review sentiment classifier.
    #[command(subcommand)]
    Sentiment(SentimentCommand),
}

#[derive(Subcommand, Debug)]
pub enum SentimentCommand {
    /// Fine-tune the BERT classifier (resumable; see data/models/sentiment/MODEL_CARD.md).
    Train(crate::sentiment::train::TrainArgs),
    /// Write a checkpoint's weights as the served model (f16, with config and tokenizer).
    Export {
        #[arg(long, default_value = "target/sentiment-checkpoint")]
        checkpoint: std::path::PathBuf,
        #[arg(long)]
        base: std::path::PathBuf,
        #[arg(long, default_value = "data/models/sentiment")]
        out: std::path::PathBuf,
    },
    /// Read JSON lines {"text": "..."} on stdin, write {"label", "score"} per line, in order.
    Classify,
    /// Accuracy on SST-2 dev, the held-out aclImdb reviews, the UCI IMDb sentences and rt-polarity.
    Eval {
        /// Only the first N of each set.
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Build the content model for N movies (real ones, then seeded recombinations).
    Content {
        #[arg(long, default_value_t = 9742)]
        movies: usize,
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
    /// Fold-in and hybrid top-10 latency over the built index.
    Recommend,
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
}

/// Runs a command; returns the process exit code (0 ok, 1 failure, 2 bad settings).
pub fn run(cli: Cli) -> i32 {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,tantivy=warn"),
    )
    .init();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 2;
        }
    };
    match execute(cli.command, settings) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

fn execute(command: Command, mut settings: Settings) -> Result<()> {
    match command {
        Command::Serve { addr } => {
            if let Some(addr) = addr {
                settings.addr = addr;
            }
            serve(settings)
        }
        Command::Build { quiet } => {
            let m = artifacts::build(&settings, quiet)?;
            println!(
                "index built: {} movies, {} ratings in {:.1} s",
                m.movies, m.ratings, m.build_seconds
            );
            Ok(())
        }
        Command::Eval(args) => {
            let a = artifacts::load_or_build(&settings, args.json)?;
            let bar = if args.json {
                indicatif::ProgressBar::hidden()
            } else {
                indicatif::ProgressBar::new(args.folds as u64 + 1)
            };
            let report = eval::evaluate(
                &a.catalog,
                &a.similarity,
                &a.ratings,
                &settings.mf,
                &Default::default(),
                settings.popularity_quantile,
                args.folds,
                args.seed,
                Some(&bar),
            );
            bar.finish_and_clear();
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.table());
            }
            Ok(())
        }
        Command::Enrich { limit, quiet } => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let report = rt.block_on(crate::enrich::enrich(&settings, limit, quiet))?;
            println!("{}", serde_json::to_string(&report)?);
            println!("run `cinesense build` (or restart `serve`) to use the fetched overviews and keywords");
            Ok(())
        }
        Command::Bench(b) => bench::run(b, &settings),
        Command::Sentiment(c) => crate::sentiment::cli::run(c, &settings),
        Command::Reviews { imdb_id } => {
            let id = imdb_id.trim();
            if !(id.starts_with("tt")
                && id.len() >= 9
                && id[2..].chars().all(|c| c.is_ascii_digit()))
            {
                anyhow::bail!("{id:?} is not an IMDb id like tt0137523");
            }
            let client =
                crate::imdb::ImdbClient::new(&settings.imdb_base_url, settings.imdb_timeout)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let reviews = rt.block_on(client.reviews(id))?;
            println!("{}", serde_json::to_string_pretty(&reviews)?);
            Ok(())
        }
    }
}

fn serve(settings: Settings) -> Result<()> {
    let artifacts = artifacts::load_or_build(&settings, false)?;
    let listener = TcpListener::bind(settings.addr)
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    log::info!(
        "cinesense serving {} movies on http://{}",
        artifacts.catalog.len(),
        listener.local_addr()?
    );
    let store = crate::store::Store::open(&settings.database_path())?;
    log::info!("store: {}", settings.database_path().display());
    if !settings.tmdb.configured() {
        log::info!("TMDB is not configured (TMDB_API_KEY); pages show local data only");
    }
    let mut state = AppState::new(
        std::sync::Arc::new(artifacts),
        std::sync::Arc::new(store),
        settings.clone(),
    )?;
    match crate::sentiment::cli::load(&settings) {
        Ok(c) => state = state.with_sentiment(std::sync::Arc::new(c))?,
        Err(e) => log::error!("review sentiment is off: {e:#}"),
    }
    actix_web::rt::System::new()
        .block_on(async move { crate::startup::run(listener, state)?.await })?;
    Ok(())
}
