//! `cinesense enrich`: fetch TMDB details for every catalog movie with a tmdbId into the cache,
//! then write the TMDB snapshot (TMDB_SNAPSHOT) from it, so the next `cinesense build` describes
//! all of them (overview, keywords), not only the 3,537 in the TMDB 5000 file. Rate-limited,
//! resumable (fresh cache entries are skipped), and safe to interrupt: every answer is stored
//! as it arrives. The build reads the snapshot only, never the cache.

use crate::clients::tmdb::{Fetch, Problem, TmdbClient};
use crate::config::Settings;
use crate::dataset::load_catalog;
use crate::dataset::tmdb_snapshot::{self, SnapshotMovie};
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct EnrichReport {
    pub candidates: usize,
    pub already_cached: usize,
    pub fetched: usize,
    pub not_found: usize,
    pub failed: usize,
    /// Movies in the snapshot written at the end.
    pub in_snapshot: usize,
}

/// Fetches the details of the catalog's first `limit` movies (all without one) through
/// `client`, then writes the snapshot.
pub async fn enrich(
    client: &TmdbClient,
    settings: &Settings,
    limit: Option<usize>,
    quiet: bool,
) -> Result<EnrichReport> {
    if !settings.tmdb.configured() {
        bail!("TMDB is not configured: set TMDB_API_KEY (or TMDB_READ_TOKEN) in the environment or .env");
    }
    // The catalog as data/ describes it: the snapshot written here feeds the next build.
    let catalog = load_catalog(&settings.data_files()?)?;
    let all_ids: Vec<u32> = catalog.movies().iter().filter_map(|m| m.tmdb_id).collect();
    let mut ids = all_ids.clone();
    if let Some(n) = limit {
        ids.truncate(n);
    }
    let mut report = EnrichReport {
        candidates: ids.len(),
        ..Default::default()
    };
    let todo: Vec<u32> = ids
        .into_iter()
        .filter(|id| !client.is_cached_fresh(&format!("tmdb:movie:{id}")))
        .collect();
    report.already_cached = report.candidates - todo.len();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(todo.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed:>4} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let mut ticker =
        tokio::time::interval(Duration::from_secs_f64(1.0 / settings.tmdb.enrich_rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for id in todo {
        ticker.tick().await;
        match client.movie(id).await {
            Fetch::Fresh(_) | Fetch::Cached(_) => report.fetched += 1,
            Fetch::Failed(Problem::NotFound(_)) | Fetch::Stale(_, Problem::NotFound(_)) => {
                report.not_found += 1
            }
            Fetch::Failed(Problem::InvalidKey(m)) | Fetch::Stale(_, Problem::InvalidKey(m)) => {
                bar.abandon();
                bail!("TMDB rejected the API key ({m}); nothing more fetched");
            }
            Fetch::Failed(Problem::CircuitOpen) | Fetch::Stale(_, Problem::CircuitOpen) => {
                bar.abandon();
                bail!("TMDB keeps failing; stopped after {} movies. Run `cinesense enrich` again later to resume", report.fetched);
            }
            _ => report.failed += 1,
        }
        bar.inc(1);
    }
    bar.finish_with_message("done");
    report.in_snapshot = write_snapshot(settings, client, &all_ids)?;
    Ok(report)
}

/// Writes the snapshot of every cached movie the catalog knows; returns how many.
fn write_snapshot(settings: &Settings, client: &TmdbClient, catalog_ids: &[u32]) -> Result<usize> {
    let wanted: HashSet<u32> = catalog_ids.iter().copied().collect();
    let movies: Vec<SnapshotMovie> = client
        .cached_movies()?
        .into_iter()
        .filter(|d| wanted.contains(&d.id))
        .map(|d| SnapshotMovie {
            tmdb_id: d.id,
            overview: d.overview,
            tagline: d.tagline,
            keywords: d
                .keywords
                .map(|k| k.keywords.into_iter().map(|k| k.name).collect())
                .unwrap_or_default(),
            runtime: d.runtime,
            release_date: d.release_date,
            vote_average: d.vote_average,
            vote_count: d.vote_count,
            collection: d.belongs_to_collection.map(|c| c.name),
        })
        .collect();
    let n = movies.len();
    tmdb_snapshot::write(&settings.tmdb_snapshot, movies)?;
    Ok(n)
}
