//! `cinesense export ratings`: the ratings a build trains on, as a MovieLens ratings.csv that
//! Spark (or any other engine) reads; `--without-latest` writes the training part of `eval`'s
//! ranking protocol instead, so factors trained elsewhere are evaluated on the same work.

use anyhow::Result;
use cinesense::atomic_file;
use cinesense::config::Settings;
use cinesense::index;
use cinesense::models::holdout::leave_latest_out;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Write userId,movieId,rating,timestamp for every rating the index was built from.
    Ratings(RatingsArgs),
}

#[derive(Args, Debug)]
pub struct RatingsArgs {
    /// The CSV file to write (replaced only when complete).
    #[arg(long)]
    out: PathBuf,
    /// Leave out each user's latest rating, as `eval`'s ranking protocol does.
    #[arg(long)]
    without_latest: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(command: ExportCommand, settings: &Settings) -> Result<()> {
    match command {
        ExportCommand::Ratings(args) => ratings(args, settings),
    }
}

fn ratings(args: RatingsArgs, settings: &Settings) -> Result<()> {
    let a = index::load_or_build(settings, args.quiet)?;
    let all = a.ratings.to_ratings();
    let held_out;
    let entries = if args.without_latest {
        held_out = leave_latest_out(&all.entries, all.n_users()).0;
        &held_out
    } else {
        &all.entries
    };
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(entries.len() as u64)
    };
    atomic_file::write_with(&args.out, |w| {
        writeln!(w, "userId,movieId,rating,timestamp")?;
        for (n, r) in entries.iter().enumerate() {
            let user = all.user_ids[r.user as usize];
            let movie = a.catalog.at(r.item as usize).id;
            writeln!(w, "{user},{movie},{},{}", r.value, r.timestamp)?;
            if n % 65_536 == 0 {
                bar.set_position(n as u64);
            }
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    println!(
        "{} ratings of {} users and {} films written to {}",
        entries.len(),
        a.ratings.n_users(),
        a.catalog.len(),
        args.out.display()
    );
    Ok(())
}
