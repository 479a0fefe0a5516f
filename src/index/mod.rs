//! index/: everything `cinesense build` derives from data/ and the TMDB snapshot, and loading it
//! back.
//!
//! manifest (version, input hash, checksums, freshness) | input_checksums (inputs not read
//! again while unchanged) | build (derive and write) | swap (the atomic replace of
//! index/current) | here: load. An interrupted build leaves the old index
//! untouched; a stale index is rebuilt, a corrupt one is rejected, never half-loaded.

mod build;
mod checksum;
mod input_checksums;
mod manifest;
mod ratings;
mod reviews;
mod swap;

pub use build::build;
pub use manifest::{freshness, Freshness, Manifest, StageReport};
pub use ratings::StoredRatings;
pub use reviews::ClassifiedReview;

use crate::config::Settings;
use crate::dataset::Catalog;
use crate::models::collab::{ImplicitModel, MfModel};
use crate::models::content::SimilarityMatrix;
use crate::models::hybrid::Cowatched;
use crate::models::popularity::{self, PopularityStats};
use crate::models::search::SearchIndex;
use crate::records::Audience;
use crate::sentiment::Label;
use anyhow::{bail, Context, Result};
use checksum::Checksum;
use manifest::{read_manifest, FORMAT_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FILES: [&str; 7] = [
    "catalog.bin",
    "similarity.bin",
    "ratings.bin",
    "mf.bin",
    "implicit.bin",
    "reviews.bin",
    "cowatched.bin",
];

/// The folder of the tantivy index inside an index.
const SEARCH_DIR: &str = "search";

/// What a loaded index holds; immutable once loaded and shared by every request.
pub struct Artifacts {
    pub manifest: Manifest,
    pub catalog: Catalog,
    pub popularity: PopularityStats,
    /// 0..1 popularity per catalog row, for blends.
    pub popularity_scores: Vec<f32>,
    pub similarity: SimilarityMatrix,
    /// Memory-mapped: at 320 M ratings it is 5 GB that the heap need not hold.
    pub ratings: StoredRatings,
    pub mf: MfModel,
    /// EASE^R, or iALS where EASE^R's dense matrix would not fit; None without ratings.
    pub implicit: Option<ImplicitModel>,
    /// Each film's most co-watched films, for "more like this"; None without `implicit`.
    pub cowatched: Option<Cowatched>,
    pub search: SearchIndex,
    /// Offline reviews with their sentiment, by movie id (empty without a reviews file).
    pub reviews: Arc<OfflineReviews>,
}

/// Offline reviews with their sentiment, by movie id.
pub type OfflineReviews = BTreeMap<u32, Vec<ClassifiedReview>>;

/// Each movie's counts over its offline reviews that carry a sentiment (`fetched_at` 0: never
/// fetched live).
pub fn offline_audiences(reviews: &OfflineReviews) -> HashMap<u32, Audience> {
    reviews
        .iter()
        .map(|(&id, list)| {
            let labels = list.iter().filter_map(|r| r.sentiment.map(|s| s.label));
            let (positive, total) = labels.fold((0, 0), |(p, n), l| {
                (p + u32::from(l == Label::Positive), n + 1)
            });
            let audience = Audience {
                positive,
                reviews: total,
                fetched_at: 0,
            };
            (id, audience)
        })
        .filter(|(_, a)| a.reviews > 0)
        .collect()
}

impl Artifacts {
    /// Each catalog row's audience share (0..1) from its offline reviews, where they say
    /// enough (`Audience::is_telling`).
    pub fn audience_shares(&self) -> Vec<Option<f32>> {
        let by_movie = offline_audiences(&self.reviews);
        self.catalog
            .movies()
            .iter()
            .map(|m| {
                let a = by_movie.get(&m.id).filter(|a| a.is_telling())?;
                Some(a.share() as f32)
            })
            .collect()
    }
}

#[derive(Serialize, Deserialize)]
struct StoredCatalog {
    catalog: Catalog,
    popularity: PopularityStats,
}

fn current_dir(settings: &Settings) -> PathBuf {
    settings.index_dir.join("current")
}

fn read_checked(dir: &Path, name: &str, manifest: &Manifest) -> Result<Vec<u8>> {
    let bytes =
        std::fs::read(dir.join(name)).with_context(|| format!("index/{name} is missing"))?;
    let expected = manifest
        .checksums
        .get(name)
        .map(String::as_str)
        .unwrap_or("");
    if Checksum::of_bytes(&bytes) != expected {
        bail!("index artifact {name} is corrupt (checksum mismatch); run `cinesense build`");
    }
    Ok(bytes)
}

/// The search index's files, as "search/NAME", sorted (tantivy keeps them in one folder).
pub(crate) fn search_files(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir.join(SEARCH_DIR))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            // tantivy's lock files come and go; they hold no data.
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".lock") {
                names.push(format!("{SEARCH_DIR}/{name}"));
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Loads a built index; errors name the artifact that is missing or corrupt.
pub fn load(settings: &Settings) -> Result<Artifacts> {
    let dir = current_dir(settings);
    let manifest = read_manifest(&dir).context("index/ has no manifest; run `cinesense build`")?;
    if manifest.format_version != FORMAT_VERSION {
        bail!(
            "index/ has format version {}, expected {}",
            manifest.format_version,
            FORMAT_VERSION
        );
    }
    let stored: StoredCatalog = bincode::deserialize(&read_checked(&dir, FILES[0], &manifest)?)?;
    let mut catalog = stored.catalog;
    catalog.reindex();
    let similarity = SimilarityMatrix::from_bytes(&read_checked(&dir, FILES[1], &manifest)?)?;
    let ratings = {
        let path = dir.join(FILES[2]);
        let expected = manifest.checksums.get(FILES[2]).map(String::as_str);
        let found = Checksum::of_file(&path).context("index/ratings.bin is missing")?;
        if Some(found.as_str()) != expected {
            bail!(
                "index artifact ratings.bin is corrupt (checksum mismatch); run `cinesense build`"
            );
        }
        StoredRatings::open(&path)?
    };
    let mf: MfModel = bincode::deserialize(&read_checked(&dir, FILES[3], &manifest)?)?;
    let implicit: Option<ImplicitModel> =
        bincode::deserialize(&read_checked(&dir, FILES[4], &manifest)?)?;
    let reviews: OfflineReviews = bincode::deserialize(&read_checked(&dir, FILES[5], &manifest)?)?;
    let cowatched: Option<Cowatched> =
        bincode::deserialize(&read_checked(&dir, FILES[6], &manifest)?)?;
    if similarity.rows() != catalog.len()
        || mf.n_items() != catalog.len()
        || ratings.n_items() != catalog.len()
        || implicit
            .as_ref()
            .is_some_and(|m| m.n_items() != catalog.len())
        || cowatched
            .as_ref()
            .is_some_and(|c| c.rows() != catalog.len())
    {
        bail!("index artifacts disagree on the number of movies; run `cinesense build`");
    }
    // The search index's files are checked like the others, and none may be missing.
    for name in manifest
        .checksums
        .keys()
        .filter(|n| n.starts_with(SEARCH_DIR))
    {
        read_checked(&dir, name, &manifest)?;
    }
    if !manifest.checksums.keys().any(|n| n.starts_with(SEARCH_DIR)) {
        bail!("index/ has no checksums for its search index; run `cinesense build`");
    }
    let search = SearchIndex::open(&dir.join(SEARCH_DIR))?;
    let popularity_scores = popularity::blend_scores(&catalog, &stored.popularity);
    let mut artifacts = Artifacts {
        manifest,
        catalog,
        popularity: stored.popularity,
        popularity_scores,
        similarity,
        ratings,
        mf,
        implicit,
        cowatched,
        search,
        reviews: Arc::new(reviews),
    };
    // Reviewers' sentiment in the prior where BLEND_AUDIENCE asks for it (0 by default:
    // measured, it does not help; see the README).
    if settings.blend.audience != 0.0 {
        artifacts.popularity_scores = popularity::with_audience(
            &artifacts.popularity_scores,
            &artifacts.audience_shares(),
            settings.blend.audience,
        );
    }
    Ok(artifacts)
}

/// Loads index/, building it first when it is missing, stale or unreadable.
pub fn load_or_build(settings: &Settings, quiet: bool) -> Result<Artifacts> {
    match freshness(settings)? {
        Freshness::Fresh => match load(settings) {
            Ok(a) => return Ok(a),
            Err(e) => log::warn!("index/ could not be loaded ({e:#}); rebuilding"),
        },
        Freshness::Missing => log::info!("index/ not built yet; building it now"),
        Freshness::Stale(why) => log::info!("index/ is stale ({why}); rebuilding"),
    }
    let lock = swap::lock(&settings.index_dir)?;
    // Another process may have built it while this one waited for the lock.
    if freshness(settings)? == Freshness::Fresh {
        if let Ok(a) = load(settings) {
            return Ok(a);
        }
    }
    build::build_locked(&lock, settings, quiet)?;
    drop(lock);
    load(settings)
}
