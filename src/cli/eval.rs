//! `cinesense eval`: every model measured the same way (see `cinesense::eval`).

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::{eval, index};
use clap::Args;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    // Here the factors must come from `export ratings --without-latest` (leak otherwise).
    #[command(flatten)]
    factors: super::FactorArgs,
}

pub fn run(args: EvalArgs, settings: &Settings) -> Result<()> {
    let a = index::load_or_build(settings, args.json)?;
    let bar = if args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(args.folds as u64 + 1)
    };
    let audience = a.audience_shares();
    let imported = match args.factors.factors()? {
        Some(factors) => Some(factors.load(&a.catalog)?),
        None => None,
    };
    let ratings = a.ratings.to_ratings();
    let mut setup = eval::Setup::new(&a.catalog, &a.similarity, &ratings, settings, args.seed)
        .with_audience(&audience);
    if let Some(model) = &imported {
        setup = setup.with_item_factors(model);
    }
    let report = eval::evaluate(&setup, args.folds, Some(&bar));
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
