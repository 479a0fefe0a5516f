//! `cinesense enrich`: fetch TMDB details for the catalog and write the TMDB snapshot.

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::services::enrich;
use cinesense::startup::Services;
use clap::Args;

#[derive(Args, Debug)]
pub struct EnrichArgs {
    /// Only the first N movies.
    #[arg(long)]
    limit: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: EnrichArgs, settings: &Settings) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let services = Services::open(settings, &Default::default(), None)?;
    let report = rt.block_on(enrich::enrich(
        services.tmdb(),
        settings,
        args.limit,
        args.quiet,
    ))?;
    println!("{}", serde_json::to_string(&report)?);
    println!(
        "wrote {}; run `cinesense build` (or restart `serve`) to use the fetched overviews and keywords",
        settings.tmdb_snapshot.display()
    );
    Ok(())
}
