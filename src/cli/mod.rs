//! The `cinesense` sub-commands, one file each with its arguments beside it: serve, build,
//! eval, enrich, bench, reviews and sentiment. Settings are loaded once here.

mod bench;
mod build;
mod enrich;
mod eval;
mod export;
mod reviews;
mod sentiment;
mod serve;

use cinesense::config::Settings;
use cinesense::models::collab::spark::{BadFactors, SparkFactors};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "cinesense",
    version,
    about = "A movie recommender: search, more-like-this, personal recommendations."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API and the browser app, building index/ first if it is missing or stale.
    Serve(serve::ServeArgs),
    /// Derive everything into index/ from data/ and the TMDB snapshot.
    Build(build::BuildArgs),
    /// Evaluate the models: 5-fold CV for rating prediction, leave-latest-out for ranking.
    Eval(eval::EvalArgs),
    /// Write what the index was built from for another engine (Spark) to train on.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Fetch TMDB details for every catalog movie (resumable, rate-limited) and write the TMDB
    /// snapshot that the next `build` uses.
    Enrich(enrich::EnrichArgs),
    /// Benchmarks that print one JSON line of figures.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Scrape a movie's IMDb user reviews and print them as JSON (honours IMDB_BASE_URL).
    Reviews(reviews::ReviewsArgs),
    /// The review sentiment classifier.
    #[command(subcommand)]
    Sentiment(sentiment::SentimentCommand),
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
    let done = match cli.command {
        Command::Serve(args) => serve::run(args, settings),
        Command::Build(args) => build::run(args, &settings),
        Command::Eval(args) => eval::run(args, &settings),
        Command::Export(command) => export::run(command, &settings),
        Command::Enrich(args) => enrich::run(args, &settings),
        Command::Bench(command) => bench::run(command, &settings),
        Command::Reviews(args) => reviews::run(args, &settings),
        Command::Sentiment(command) => sentiment::run(command, &settings),
    };
    match done {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.is::<BadInput>() || e.is::<BadFactors>() {
                2
            } else {
                1
            }
        }
    }
}

/// An argument that parsed but cannot be done (exit code 2, like clap's own refusals).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Item factors trained by Spark MLlib's ALS (README "When one machine is not enough").
#[derive(Args, Debug)]
pub struct FactorArgs {
    /// `itemFactors` as Spark writes them: a JSON-lines file or Spark's output folder, or CSV
    /// (id, then the numbers).
    #[arg(long)]
    item_factors: Option<PathBuf>,
    /// The Spark run's `alpha`.
    #[arg(long, default_value_t = 1.0, requires = "item_factors")]
    factors_alpha: f32,
    /// The Spark run's `regParam`.
    #[arg(long, default_value_t = 0.1, requires = "item_factors")]
    factors_reg_param: f32,
}

impl FactorArgs {
    /// The factors these arguments name, if any.
    fn factors(&self) -> Result<Option<SparkFactors>, BadInput> {
        let Some(path) = &self.item_factors else {
            return Ok(None);
        };
        if !(self.factors_alpha >= 0.0 && self.factors_reg_param > 0.0) {
            return Err(BadInput(
                "--factors-alpha must be at least 0 and --factors-reg-param above 0".into(),
            ));
        }
        if !path.exists() {
            return Err(BadInput(format!("{} does not exist", path.display())));
        }
        Ok(Some(SparkFactors {
            path: path.clone(),
            alpha: self.factors_alpha,
            reg_param: self.factors_reg_param,
        }))
    }
}
