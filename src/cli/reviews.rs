//! `cinesense reviews IMDB_ID`: a movie's scraped IMDb reviews as JSON.
//! `cinesense reviews --top N`: fetch and classify the reviews of the N most rated movies, so
//! their audience sentiment shows on cards and in browse.

use anyhow::{bail, Context, Result};
use cinesense::clients::imdb::ImdbClient;
use cinesense::config::Settings;
use cinesense::index;
use cinesense::services::top_reviews;
use cinesense::startup::Services;
use clap::Args;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ReviewsArgs {
    /// e.g. tt0137523
    #[arg(required_unless_present = "top", conflicts_with = "top")]
    imdb_id: Option<String>,
    /// Fetch and classify the reviews of the N most rated movies (resumable: movies fetched
    /// within REVIEWS_TTL_SECONDS are skipped; one IMDb request a second).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    top: Option<u32>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: ReviewsArgs, settings: &Settings) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Some(n) = args.top {
        let classifier =
            cinesense::sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device)?;
        // "Most rated" as the index counts it.
        let artifacts = index::load_or_build(settings, args.quiet)?;
        let services = Services::open(settings, &artifacts.reviews, Some(Arc::new(classifier)))?;
        let reviews = services.reviews().context("no reviews service")?;
        let report = rt.block_on(top_reviews::classify_top(
            reviews,
            &artifacts.catalog,
            n as usize,
            args.quiet,
        ))?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let id = args.imdb_id.as_deref().unwrap_or_default().trim();
    if !(id.starts_with("tt") && id.len() >= 9 && id[2..].chars().all(|c| c.is_ascii_digit())) {
        bail!("{id:?} is not an IMDb id like tt0137523");
    }
    let client = ImdbClient::new(&settings.imdb_base_url, settings.imdb_timeout)?;
    let reviews = rt.block_on(client.reviews(id))?;
    println!("{}", serde_json::to_string_pretty(&reviews)?);
    Ok(())
}
