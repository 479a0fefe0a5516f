//! `cinesense build`: derive everything into index/ from data/ and the TMDB snapshot.

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::index;
use clap::Args;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: BuildArgs, settings: &Settings) -> Result<()> {
    let m = index::build(settings, args.quiet)?;
    println!(
        "index built: {} movies, {} ratings in {:.1} s",
        m.movies, m.ratings, m.build_seconds
    );
    Ok(())
}
