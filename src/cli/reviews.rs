//! `cinesense reviews IMDB_ID`: a movie's scraped IMDb reviews as JSON.

use anyhow::Result;
use cinesense::clients::imdb::ImdbClient;
use cinesense::config::Settings;
use clap::Args;

#[derive(Args, Debug)]
pub struct ReviewsArgs {
    /// e.g. tt0137523
    imdb_id: String,
}

pub fn run(args: ReviewsArgs, settings: &Settings) -> Result<()> {
    let id = args.imdb_id.trim();
    if !(id.starts_with("tt") && id.len() >= 9 && id[2..].chars().all(|c| c.is_ascii_digit())) {
        anyhow::bail!("{id:?} is not an IMDb id like tt0137523");
    }
    let client = ImdbClient::new(&settings.imdb_base_url, settings.imdb_timeout)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let reviews = rt.block_on(client.reviews(id))?;
    println!("{}", serde_json::to_string_pretty(&reviews)?);
    Ok(())
}
