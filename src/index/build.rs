//! `cinesense build`: reads data/ and the TMDB snapshot and derives every artifact in stages,
//! each printing its time and peak memory; the manifest goes last. A stage's files are written,
//! then the stage is recorded in `stages.json`: a killed build, run again with the same inputs
//! by the same program, keeps the finished stages and goes on from the first unfinished one.

use super::checksum::Checksum;
use super::manifest::{inputs_hash, Manifest, StageReport, FORMAT_VERSION};
use super::ratings::StoredRatings;
use super::{search_files, StoredCatalog, FILES, SEARCH_DIR};
use crate::atomic_file;
use crate::config::Settings;
use crate::dataset::{catalog::fill_from_tmdb, load_catalog, tmdb_snapshot, Catalog, Ratings};
use crate::fnv::Fnv;
use crate::memory;
use crate::models::collab::{tune, ImplicitModel, MfModel};
use crate::models::content;
use crate::models::hybrid::Cowatched;
use crate::models::popularity;
use crate::models::search::build_index;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Derives everything into index/, replacing the old index only when the new one is complete.
pub fn build(settings: &Settings, quiet: bool) -> Result<Manifest> {
    let lock = super::swap::lock(&settings.index_dir)?;
    build_locked(&lock, settings, quiet)
}

/// `build`, for a caller that holds the lock already.
pub(super) fn build_locked(
    lock: &super::swap::BuildLock,
    settings: &Settings,
    quiet: bool,
) -> Result<Manifest> {
    let started = Instant::now();
    let hash = inputs_hash(settings)?;
    let key = resume_key(&hash);
    let current = super::current_dir(settings);
    super::swap::replace_dir(lock, &settings.index_dir, &current, &key, |dir| {
        build_into(settings, dir, &hash, quiet, started)
    })
}

/// What a build's finished stages may be reused for: the same inputs, read by the same program
/// (another binary may derive other bytes from them).
fn resume_key(inputs_hash: &str) -> String {
    let mut h = Fnv::default();
    h.update(inputs_hash.as_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        h.update(&meta.len().to_le_bytes());
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        h.update(&modified.as_nanos().to_le_bytes());
    }
    h.hex()
}

fn step_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// The stages finished so far in this folder, as `stages.json` records them.
#[derive(Default, Serialize, Deserialize)]
struct Finished {
    stages: Vec<StageReport>,
    /// The checksum of each file the finished stages wrote.
    checksums: BTreeMap<String, String>,
}

/// A file a stage made: bytes for `Stages::run` to write, or a file the stage wrote itself
/// (whole or absent, through `atomic_file`) with its checksum.
enum Made {
    Bytes(Vec<u8>),
    Written { checksum: String },
}

impl From<Vec<u8>> for Made {
    fn from(bytes: Vec<u8>) -> Self {
        Made::Bytes(bytes)
    }
}

/// Runs the stages of one build folder, skipping those an earlier run finished.
struct Stages<'a> {
    dir: &'a Path,
    finished: Finished,
    bar: ProgressBar,
    quiet: bool,
}

impl Stages<'_> {
    const RECORD: &'static str = "stages.json";

    /// A line above the bar (on stderr where there is no bar to draw).
    fn say(&self, line: String) {
        if self.quiet {
            log::debug!("{line}");
        } else if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    fn is_done(&self, name: &str) -> bool {
        self.finished.stages.iter().any(|s| s.name == name)
    }

    /// Runs `stage` unless it is done; it returns its files (name, bytes) to write. Prints
    /// the stage's time and peak memory and records it.
    fn run(
        &mut self,
        name: &str,
        stage: impl FnOnce(&ProgressBar) -> Result<Vec<(&'static str, Made)>>,
    ) -> Result<()> {
        if self.is_done(name) {
            self.bar.inc(1);
            return Ok(());
        }
        self.bar.set_message(name.to_string());
        memory::reset_peak();
        let started = Instant::now();
        let files = stage(&self.bar)?;
        for (file, made) in files {
            let checksum = match made {
                Made::Bytes(bytes) => {
                    atomic_file::write(&self.dir.join(file), &bytes)?;
                    Checksum::of_bytes(&bytes)
                }
                Made::Written { checksum } => checksum,
            };
            self.finished.checksums.insert(file.to_string(), checksum);
        }
        let report = StageReport {
            name: name.to_string(),
            seconds: round1(started.elapsed().as_secs_f64()),
            peak_rss_mib: memory::peak_rss_mib().round(),
        };
        let line = format!(
            "{:<44} {:>8.1} s {:>8.0} MiB peak",
            report.name, report.seconds, report.peak_rss_mib
        );
        self.say(line);
        self.finished.stages.push(report);
        atomic_file::write(
            &self.dir.join(Self::RECORD),
            &serde_json::to_vec_pretty(&self.finished)?,
        )?;
        self.bar.inc(1);
        Ok(())
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

const READ: &str = "catalog, ratings and popularity";
const CONTENT: &str = "content similarity (TF-IDF, top-k cosine)";
const SEARCH: &str = "search index";
const MF: &str = "matrix factorisation";
const IMPLICIT: &str = "implicit model";
const COWATCHED: &str = "co-watched films (more like this)";
const REVIEWS: &str = "offline reviews";

fn build_into(
    settings: &Settings,
    dir: &Path,
    hash: &str,
    quiet: bool,
    started: Instant,
) -> Result<Manifest> {
    let finished: Finished = std::fs::read(dir.join(Stages::RECORD))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let mut stages = Stages {
        dir,
        finished,
        bar: step_bar(8 + settings.mf.epochs as u64, quiet),
        quiet,
    };
    if !stages.finished.stages.is_empty() {
        let names: Vec<&str> = stages
            .finished
            .stages
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        stages.say(format!(
            "resuming an interrupted build: {} already done",
            names.join("; ")
        ));
    }

    let mut read = None;
    stages.run(READ, |_| {
        let files = settings.data_files()?;
        let mut catalog = load_catalog(&files)?;
        let snapshot = tmdb_snapshot::read(&settings.tmdb_snapshot)?;
        let filled = fill_from_tmdb(&mut catalog, &snapshot);
        if filled > 0 {
            log::info!("{filled} movies described from the TMDB snapshot");
        }
        // Imported factors are checked first: a wrong file fails the build at once.
        if let Some(factors) = &settings.item_factors {
            factors.load(&catalog)?;
        }
        let ratings = Ratings::load(&files.movielens, &catalog)?;
        let popularity = popularity::apply(&mut catalog, &ratings, settings.popularity_quantile);
        let stored = StoredCatalog {
            catalog,
            popularity,
        };
        let checksum = super::ratings::write(&dir.join(FILES[2]), &ratings)?;
        let blobs = vec![
            (FILES[0], bincode::serialize(&stored)?.into()),
            (FILES[2], Made::Written { checksum }),
        ];
        read = Some((stored, ratings));
        Ok(blobs)
    })?;
    // On a resumed build the first stage's results are read back from its files.
    let (stored, ratings): (StoredCatalog, Ratings) = match read {
        Some(read) => read,
        None => (
            bincode::deserialize(&std::fs::read(dir.join(FILES[0]))?)?,
            StoredRatings::open(&dir.join(FILES[2]))?.to_ratings(),
        ),
    };
    let mut catalog: Catalog = stored.catalog;
    catalog.reindex();

    stages.run(CONTENT, |_| {
        let similarity = content::build(&catalog, &settings.field_weights, settings.similar_k)?;
        Ok(vec![(FILES[1], similarity.to_bytes()?.into())])
    })?;

    stages.run(SEARCH, |_| {
        let search = dir.join(SEARCH_DIR);
        if search.exists() {
            std::fs::remove_dir_all(&search)?;
        }
        let pop = popularity::blend_scores(&catalog, &stored.popularity);
        build_index(&catalog, &pop, &search)?;
        Ok(Vec::new())
    })?;

    // The bar counts MF's epochs too.
    if stages.is_done(MF) {
        stages.bar.inc(settings.mf.epochs as u64);
    }
    stages.run(MF, |bar| {
        let mf = MfModel::train(
            &ratings.entries,
            ratings.n_users(),
            ratings.n_items,
            &settings.mf,
            Some(bar),
        );
        Ok(vec![(FILES[3], bincode::serialize(&mf)?.into())])
    })?;

    stages.run(IMPLICIT, |_| {
        let imported = match &settings.item_factors {
            Some(factors) => Some(factors.load(&catalog)?),
            None => None,
        };
        let implicit = match tune::fit_implicit(
            &ratings.entries,
            ratings.n_users(),
            ratings.n_items,
            imported,
        ) {
            Ok(model) => Some(model),
            Err(e) => {
                log::warn!("implicit model left out: {e:#}");
                None
            }
        };
        Ok(vec![(FILES[4], bincode::serialize(&implicit)?.into())])
    })?;

    stages.run(COWATCHED, |_| {
        // Read back from its file: the implicit stage may have finished in an earlier run.
        let implicit: Option<ImplicitModel> =
            bincode::deserialize(&std::fs::read(dir.join(FILES[4]))?)?;
        let cowatched = implicit.map(|m| Cowatched::build(&catalog, &m));
        Ok(vec![(FILES[6], bincode::serialize(&cowatched)?.into())])
    })?;

    stages.run(REVIEWS, |_| {
        let reviews = super::reviews::build_offline(settings, &catalog, quiet)?;
        Ok(vec![(FILES[5], bincode::serialize(&reviews)?.into())])
    })?;

    stages.bar.set_message("checksums and manifest");
    let mut checksums = stages.finished.checksums.clone();
    // Every file of the search index too: a flipped byte there made tantivy panic per query.
    for name in search_files(dir)? {
        checksums.insert(name.clone(), Checksum::of_file(&dir.join(&name))?);
    }
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        inputs_hash: hash.to_string(),
        built_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        build_seconds: started.elapsed().as_secs_f64(),
        movies: catalog.len(),
        ratings: ratings.len(),
        checksums,
        stages: stages.finished.stages.clone(),
    };
    std::fs::remove_file(dir.join(Stages::RECORD))?;
    // The manifest is written last: a folder without one is not an index.
    atomic_file::write(
        &dir.join("manifest.json"),
        &serde_json::to_vec_pretty(&manifest)?,
    )?;
    stages.bar.inc(1);
    stages
        .bar
        .finish_with_message(format!("built in {:.1} s", started.elapsed().as_secs_f64()));
    Ok(manifest)
}
