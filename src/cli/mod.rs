//! The `cinesense` sub-commands, one file each with its arguments beside it: serve, build,
//! eval, enrich, bench, reviews and sentiment. Settings are loaded once here.

mod bench;
mod build;
mod enrich;
mod eval;
mod reviews;
mod sentiment;
mod serve;

use cinesense::config::Settings;
use clap::{Parser, Subcommand};

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
        Command::Enrich(args) => enrich::run(args, &settings),
        Command::Bench(command) => bench::run(command, &settings),
        Command::Reviews(args) => reviews::run(args, &settings),
        Command::Sentiment(command) => sentiment::run(command, &settings),
    };
    match done {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.is::<BadInput>() {
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
