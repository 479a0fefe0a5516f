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
    #[command(flatten)]
    factors: super::FactorArgs,
}

pub fn run(args: BuildArgs, settings: &Settings) -> Result<()> {
    let mut settings = settings.clone();
    if let Some(factors) = args.factors.factors()? {
        if settings.item_factors.as_ref() != Some(&factors) {
            eprintln!(
                "note: `serve` rebuilds index/ without these factors unless ITEM_FACTORS={} \
                 (and ITEM_FACTORS_ALPHA, ITEM_FACTORS_REG_PARAM) is set in .env or the environment",
                factors.path.display()
            );
        }
        settings.item_factors = Some(factors);
    }
    let m = index::build(&settings, args.quiet)?;
    println!(
        "index built: {} movies, {} ratings in {:.1} s",
        m.movies, m.ratings, m.build_seconds
    );
    Ok(())
}
