//! `cinesense reviews --top N`: fetches and classifies the reviews of the N most rated movies
//! ahead of time, so their audience sentiment shows on cards and in browse. One movie after
//! another at the clients' polite pace (IMDb: one request a second); resumable: movies
//! classified within the reviews' time-to-live are skipped, and each movie's result is stored as
//! it arrives, so an interrupted run loses at most the movie under way.

use super::reviews::ReviewsService;
use crate::dataset::Catalog;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// What `classify_top` did.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct TopReport {
    /// The most rated movies asked for.
    pub candidates: usize,
    /// Fetched recently enough to skip (an earlier run, or the server).
    pub already_fresh: usize,
    /// Fetched and classified now.
    pub classified: usize,
    /// Reviews classified now, in all.
    pub reviews: usize,
    /// No source answered for these (they are tried again next time).
    pub failed: usize,
}

/// Classifies the reviews of the `n` most rated movies of `catalog` that have an IMDb or TMDB
/// id.
pub async fn classify_top(
    service: &ReviewsService,
    catalog: &Catalog,
    n: usize,
    quiet: bool,
) -> Result<TopReport> {
    let mut movies: Vec<_> = catalog
        .movies()
        .iter()
        .filter(|m| m.imdb_id.is_some() || m.tmdb_id.is_some())
        .collect();
    movies.sort_by(|a, b| b.rating_count.cmp(&a.rating_count).then(a.id.cmp(&b.id)));
    movies.truncate(n);
    let todo: Vec<_> = movies.iter().filter(|m| !service.is_fresh(m.id)).collect();
    let mut report = TopReport {
        candidates: movies.len(),
        already_fresh: movies.len() - todo.len(),
        ..Default::default()
    };
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(todo.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} eta {eta} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    for movie in todo {
        bar.set_message(movie.title.clone());
        match service.fetch_fresh(movie).await {
            Ok(Some(classified)) => {
                report.classified += 1;
                report.reviews += classified;
            }
            Ok(None) => report.failed += 1,
            Err(e) => {
                bar.abandon();
                return Err(e.context(format!(
                    "stopped after {} movies; run the same command to resume",
                    report.classified
                )));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(report)
}
