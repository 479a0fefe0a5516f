//! index/: everything `cinesense build` derives from data/, and loading it back.
//!
//! The build writes into a fresh temporary folder and swaps it in as `index/current` only when
//! complete, so an interrupted build leaves the old index untouched. The manifest records the
//! format version, the hash of the inputs (data files and build settings) and a checksum of
//! every artifact: a stale index is rebuilt, a corrupt one is rejected, never half-loaded.

use crate::catalog::{load_catalog, Catalog, DataFiles};
use crate::collab::{MfModel, Ratings};
use crate::config::Settings;
use crate::content::{self, SimilarityMatrix};
use crate::popularity::{self, PopularityStats};
use crate::search::{build_index, SearchIndex};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Bump when the layout or meaning of any artifact changes.
pub const FORMAT_VERSION: u32 = 1;

const FILES: [&str; 4] = ["catalog.bin", "similarity.bin", "ratings.bin", "mf.bin"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    pub inputs_hash: String,
    pub built_at_unix: u64,
    pub build_seconds: f64,
    pub movies: usize,
    pub ratings: usize,
    /// FNV-1a of each artifact file.
    pub checksums: BTreeMap<String, String>,
}

/// What a loaded index holds; immutable once loaded and shared by every request.
pub struct Artifacts {
    pub manifest: Manifest,
    pub catalog: Catalog,
    pub popularity: PopularityStats,
    /// 0..1 popularity per catalog row, for blends.
    pub popularity_scores: Vec<f32>,
    pub similarity: SimilarityMatrix,
    pub ratings: Ratings,
    pub mf: MfModel,
    pub search: SearchIndex,
}

#[derive(Serialize, Deserialize)]
struct StoredCatalog {
    catalog: Catalog,
    popularity: PopularityStats,
}

/// Whether index/ can be used as it is.
#[derive(Debug, PartialEq)]
pub enum Freshness {
    Fresh,
    Missing,
    Stale(String),
}

/// 64-bit FNV-1a, enough to notice changed inputs and damaged files.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn value(self) -> u64 {
        self.0
    }

    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

fn fnv_of(bytes: &[u8]) -> String {
    let mut h = Fnv::default();
    h.update(bytes);
    h.hex()
}

fn current_dir(settings: &Settings) -> PathBuf {
    settings.index_dir.join("current")
}

/// Hash of the data files and the settings the build depends on.
pub fn inputs_hash(settings: &Settings) -> Result<String> {
    let mut h = Fnv::default();
    h.update(&FORMAT_VERSION.to_le_bytes());
    h.update(settings.build_fingerprint().as_bytes());
    for path in DataFiles::in_dir(&settings.data_dir).all() {
        let bytes =
            std::fs::read(path).with_context(|| format!("missing input {}", path.display()))?;
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    for (key, body) in cached_tmdb_details(settings)? {
        h.update(key.as_bytes());
        h.update(body.as_bytes());
    }
    Ok(h.hex())
}

/// TMDB details fetched by `enrich` (or by page views) into the store, if there is a store.
fn cached_tmdb_details(settings: &Settings) -> Result<Vec<(String, String)>> {
    let path = settings.database_path();
    if !path.exists() {
        return Ok(Vec::new());
    }
    crate::store::Store::open(&path)?.cache_entries("tmdb:movie:")
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(dir.join("manifest.json"))?;
    Ok(serde_json::from_str(&text)?)
}

pub fn freshness(settings: &Settings) -> Result<Freshness> {
    let dir = current_dir(settings);
    let Ok(manifest) = read_manifest(&dir) else {
        return Ok(Freshness::Missing);
    };
    if manifest.format_version != FORMAT_VERSION {
        return Ok(Freshness::Stale(format!(
            "format version {} (this build reads {})",
            manifest.format_version, FORMAT_VERSION
        )));
    }
    if manifest.inputs_hash != inputs_hash(settings)? {
        return Ok(Freshness::Stale(
            "data files or build settings changed".into(),
        ));
    }
    Ok(Freshness::Fresh)
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

/// Derives everything into index/, replacing the old index only when the new one is complete.
pub fn build(settings: &Settings, quiet: bool) -> Result<Manifest> {
    let started = Instant::now();
    std::fs::create_dir_all(&settings.index_dir)
        .with_context(|| format!("cannot create {}", settings.index_dir.display()))?;
    remove_leftovers(&settings.index_dir);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let tmp = settings.index_dir.join(format!(
        ".building-{}-{}",
        std::process::id(),
        stamp.as_nanos()
    ));
    let result = build_into(settings, &tmp, quiet, started);
    match result {
        Ok(manifest) => {
            let current = current_dir(settings);
            let old = settings
                .index_dir
                .join(format!(".old-{}", stamp.as_nanos()));
            if current.exists() {
                std::fs::rename(&current, &old).context("cannot move the old index aside")?;
            }
            std::fs::rename(&tmp, &current).context("cannot move the new index in place")?;
            let _ = std::fs::remove_dir_all(&old);
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Temporary folders of builds that were interrupted.
fn remove_leftovers(index_dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(index_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(".old-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
            if let Some(rest) = name.strip_prefix(".building-") {
                // Leave a build that another live process is writing.
                let pid: Option<u32> = rest.split('-').next().and_then(|p| p.parse().ok());
                let alive = pid
                    .map(|p| Path::new(&format!("/proc/{p}")).exists())
                    .unwrap_or(false);
                if !alive {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
}

fn build_into(settings: &Settings, dir: &Path, quiet: bool, started: Instant) -> Result<Manifest> {
    std::fs::create_dir_all(dir)?;
    let hash = inputs_hash(settings)?;
    let files = DataFiles::in_dir(&settings.data_dir);
    let bar = step_bar(5 + settings.mf.epochs as u64, quiet);

    bar.set_message("reading the catalog");
    let mut catalog = load_catalog(&files)?;
    let details: std::collections::HashMap<u32, crate::tmdb::MovieDetails> =
        cached_tmdb_details(settings)?
            .into_iter()
            .filter_map(|(_, body)| serde_json::from_str::<crate::tmdb::MovieDetails>(&body).ok())
            .map(|d| (d.id, d))
            .collect();
    let filled = crate::catalog::fill_from_tmdb(&mut catalog, &details);
    if filled > 0 {
        log::info!("{filled} movies described from cached TMDB details");
    }
    let ratings = Ratings::load(&files.ratings, &catalog)?;
    bar.inc(1);

    bar.set_message("popularity");
    let stats = popularity::apply(&mut catalog, &ratings, settings.popularity_quantile);
    let pop = popularity::blend_scores(&catalog, &stats);
    bar.inc(1);

    bar.set_message("content similarity (TF-IDF, top-k cosine)");
    let similarity = content::build(&catalog, &settings.field_weights, settings.similar_k)?;
    bar.inc(1);

    bar.set_message("search index");
    build_index(&catalog, &pop, &dir.join("search"))?;
    bar.inc(1);

    bar.set_message("matrix factorisation");
    let mf = MfModel::train(
        &ratings.entries,
        ratings.n_users(),
        ratings.n_items,
        &settings.mf,
        Some(&bar),
    );

    bar.set_message("writing");
    let mut checksums = BTreeMap::new();
    let blobs: [(&str, Vec<u8>); 4] = [
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
    ];
    for (name, bytes) in blobs {
        checksums.insert(name.to_string(), fnv_of(&bytes));
        std::fs::write(dir.join(name), &bytes)?;
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

fn read_checked(dir: &Path, name: &str, manifest: &Manifest) -> Result<Vec<u8>> {
    let bytes =
        std::fs::read(dir.join(name)).with_context(|| format!("index/{name} is missing"))?;
    let expected = manifest
        .checksums
        .get(name)
        .map(String::as_str)
        .unwrap_or("");
    if fnv_of(&bytes) != expected {
        bail!("index artifact {name} is corrupt (checksum mismatch); run `cinesense build`");
    }
    Ok(bytes)
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
    let ratings: Ratings = bincode::deserialize(&read_checked(&dir, FILES[2], &manifest)?)?;
    let mf: MfModel = bincode::deserialize(&read_checked(&dir, FILES[3], &manifest)?)?;
    if similarity.rows() != catalog.len() || mf.n_items() != catalog.len() {
        bail!("index artifacts disagree on the number of movies; run `cinesense build`");
    }
    let search = SearchIndex::open(&dir.join("search"))?;
    let popularity_scores = popularity::blend_scores(&catalog, &stored.popularity);
    Ok(Artifacts {
        manifest,
        catalog,
        popularity: stored.popularity,
        popularity_scores,
        similarity,
        ratings,
        mf,
        search,
    })
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
    build(settings, quiet)?;
    load(settings)
}
