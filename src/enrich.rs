//! `cinesense enrich`: fetch TMDB details for every catalog movie with a tmdbId into the cache,
//! so the next `cinesense build` describes all of them (overview, keywords), not only the 3,537
//! in the TMDB 5000 file. Rate-limited, resumable (fresh cache entries are skipped), and safe
//! to interrupt: every answer is stored as it arrives.

use crate::catalog::{load_catalog, DataFiles};
use crate::config::Settings;
use crate::store::Store;
use crate::tmdb::{Fetch, Problem, TmdbClient};
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct EnrichReport {
    pub candidates: usize,
    pub already_cached: usize,
    pub fetched: usize,
    pub not_found: usize,
    pub failed: usize,
}

pub async fn enrich(
    settings: &Settings,
    limit: Option<usize>,
    quiet: bool,
) -> Result<EnrichReport> {
    if !settings.tmdb.configured() {
        bail!("TMDB is not configured: set TMDB_API_KEY (or TMDB_READ_TOKEN) in the environment or .env");
    }
    let catalog = load_catalog(&DataFiles::in_dir(&settings.data_dir))?;
    let store = Arc::new(Store::open(&settings.database_path())?);
    let client = TmdbClient::new(settings.tmdb.clone(), store)?;
    let mut ids: Vec<u32> = catalog.movies().iter().filter_map(|m| m.tmdb_id).collect();
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
    Ok(report)
}
