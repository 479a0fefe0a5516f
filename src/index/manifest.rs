//! The manifest of index/current: format version, the hash of every input and a checksum of
//! every file, and what they say about an index on disk (fresh, stale, missing).

use super::input_checksums::KnownChecksums;
use crate::config::Settings;
use crate::fnv::Fnv;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Bump when the layout or meaning of any artifact changes.
pub(crate) const FORMAT_VERSION: u32 = 10;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    pub inputs_hash: String,
    pub built_at_unix: u64,
    pub build_seconds: f64,
    pub movies: usize,
    pub ratings: usize,
    /// CRC-32 of each artifact file.
    pub checksums: BTreeMap<String, String>,
    /// The build's stages, as they ran (a resumed build keeps the first run's figures for the
    /// stages it did not redo).
    #[serde(default)]
    pub stages: Vec<StageReport>,
}

/// One stage of a build: its time and the process's peak memory while it ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StageReport {
    pub name: String,
    pub seconds: f64,
    pub peak_rss_mib: f64,
}

/// Whether index/ can be used as it is.
#[derive(Debug, PartialEq)]
pub enum Freshness {
    Fresh,
    Missing,
    Stale(String),
}

/// Hash of the data files, the TMDB snapshot and the settings the build depends on. Nothing
/// else: the live store (users, caches) never reaches the build. Inputs unchanged since they
/// were last checked are not read again (`KnownChecksums`).
pub(crate) fn inputs_hash(settings: &Settings) -> Result<String> {
    let mut known = KnownChecksums::load(&settings.index_dir);
    let hash = hash_inputs(settings, &mut known);
    known.save(&settings.index_dir);
    hash
}

fn hash_inputs(settings: &Settings, known: &mut KnownChecksums) -> Result<String> {
    let mut h = Fnv::default();
    h.update(&FORMAT_VERSION.to_le_bytes());
    h.update(settings.build_fingerprint().as_bytes());
    for path in settings.data_files()?.all() {
        let (len, sum) = known.of_file(&path).map_err(|e| {
            let what = match e.kind() {
                std::io::ErrorKind::NotFound => "missing input",
                _ => "cannot read",
            };
            anyhow::Error::new(e).context(format!("{what} {}", path.display()))
        })?;
        h.update(&len.to_le_bytes());
        h.update(sum.as_bytes());
    }
    // The offline reviews and the model that classifies them.
    hash_if_present(&mut h, known, b"reviews", &settings.reviews_file)?;
    if let Some(model) = super::reviews::model_fingerprint(&settings.sentiment_model_dir)? {
        h.update(b"sentiment model");
        h.update(model.as_bytes());
    }
    hash_if_present(&mut h, known, b"tmdb-snapshot", &settings.tmdb_snapshot)?;
    if let Some(factors) = &settings.item_factors {
        for file in factors.files()? {
            h.update(b"item factors");
            let (_, sum) = known
                .of_file(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            h.update(sum.as_bytes());
        }
    }
    Ok(h.hex())
}

/// Adds `tag` and the checksum of an optional input to `h`; a missing file adds nothing.
fn hash_if_present(h: &mut Fnv, known: &mut KnownChecksums, tag: &[u8], path: &Path) -> Result<()> {
    match known.of_file(path) {
        Ok((_, sum)) => {
            h.update(tag);
            h.update(sum.as_bytes());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub(super) fn read_manifest(dir: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(dir.join("manifest.json"))?;
    Ok(serde_json::from_str(&text)?)
}

pub fn freshness(settings: &Settings) -> Result<Freshness> {
    let dir = super::current_dir(settings);
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
