//! `cinesense build`: reads data/ and the TMDB snapshot, derives every artifact with a progress
//! bar, and writes them with their checksums; the manifest goes last.

use super::manifest::{fnv_of, inputs_hash, Manifest, FORMAT_VERSION};
use super::{search_files, StoredCatalog, FILES, SEARCH_DIR};
use crate::config::Settings;
use crate::dataset::{catalog::fill_from_tmdb, load_catalog, tmdb_snapshot, Ratings};
use crate::models::collab::{tune, MfModel};
use crate::models::content;
use crate::models::popularity;
use crate::models::search::build_index;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Derives everything into index/, replacing the old index only when the new one is complete.
pub fn build(settings: &Settings, quiet: bool) -> Result<Manifest> {
    let started = Instant::now();
    super::swap::replace_dir(&settings.index_dir, &super::current_dir(settings), |tmp| {
        build_into(settings, tmp, quiet, started)
    })
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

fn build_into(settings: &Settings, dir: &Path, quiet: bool, started: Instant) -> Result<Manifest> {
    std::fs::create_dir_all(dir)?;
    let hash = inputs_hash(settings)?;
    let files = settings.data_files()?;
    let bar = step_bar(7 + settings.mf.epochs as u64, quiet);

    bar.set_message("reading the catalog");
    let mut catalog = load_catalog(&files)?;
    let snapshot = tmdb_snapshot::read(&settings.tmdb_snapshot)?;
    let filled = fill_from_tmdb(&mut catalog, &snapshot);
    if filled > 0 {
        log::info!("{filled} movies described from the TMDB snapshot");
    }
    let ratings = Ratings::load(&files.movielens, &catalog)?;
    bar.inc(1);

    bar.set_message("popularity");
    let stats = popularity::apply(&mut catalog, &ratings, settings.popularity_quantile);
    let pop = popularity::blend_scores(&catalog, &stats);
    bar.inc(1);

    bar.set_message("content similarity (TF-IDF, top-k cosine)");
    let similarity = content::build(&catalog, &settings.field_weights, settings.similar_k)?;
    bar.inc(1);

    bar.set_message("search index");
    build_index(&catalog, &pop, &dir.join(SEARCH_DIR))?;
    bar.inc(1);

    bar.set_message("matrix factorisation");
    let mf = MfModel::train(
        &ratings.entries,
        ratings.n_users(),
        ratings.n_items,
        &settings.mf,
        Some(&bar),
    );

    bar.set_message("implicit model (chosen on a validation split)");
    let implicit = match tune::fit_implicit(&ratings.entries, ratings.n_users(), ratings.n_items) {
        Ok(model) => Some(model),
        Err(e) => {
            log::warn!("implicit model left out: {e:#}");
            None
        }
    };
    bar.inc(1);

    bar.set_message("offline reviews");
    let reviews = super::reviews::build_offline(settings, &catalog, quiet)?;
    bar.inc(1);

    bar.set_message("writing");
    let mut checksums = BTreeMap::new();
    let blobs: [(&str, Vec<u8>); 6] = [
        (
            FILES[0],
            bincode::serialize(&StoredCatalog {
                catalog: catalog.clone(),
                popularity: stats,
            })?,
        ),
        (FILES[1], similarity.to_bytes()?),
        (FILES[2], bincode::serialize(&ratings)?),
        (FILES[3], bincode::serialize(&mf)?),
        (FILES[4], bincode::serialize(&implicit)?),
        (FILES[5], bincode::serialize(&reviews)?),
    ];
    for (name, bytes) in blobs {
        checksums.insert(name.to_string(), fnv_of(&bytes));
        std::fs::write(dir.join(name), &bytes)?;
    }
    // Every file of the search index too: a flipped byte there made tantivy panic per query.
    for name in search_files(dir)? {
        checksums.insert(name.clone(), fnv_of(&std::fs::read(dir.join(&name))?));
    }
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        inputs_hash: hash,
        built_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        build_seconds: started.elapsed().as_secs_f64(),
        movies: catalog.len(),
        ratings: ratings.len(),
        checksums,
    };
    // The manifest is written last: a folder without one is not an index.
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    bar.inc(1);
    bar.finish_with_message(format!("built in {:.1} s", started.elapsed().as_secs_f64()));
    Ok(manifest)
}
