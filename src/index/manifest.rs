//! The manifest of index/current: format version, the hash of every input and a checksum of
//! every file, and what they say about an index on disk (fresh, stale, missing).

use crate::config::Settings;
use crate::fnv::Fnv;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Bump when the layout or meaning of any artifact changes.
pub(crate) const FORMAT_VERSION: u32 = 9;

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

pub(super) fn fnv_of(bytes: &[u8]) -> String {
    let mut h = Fnv::default();
    h.update(bytes);
    h.hex()
}

/// Hash of the data files, the TMDB snapshot and the settings the build depends on. Nothing
/// else: the live store (users, caches) never reaches the build.
pub(crate) fn inputs_hash(settings: &Settings) -> Result<String> {
    let mut h = Fnv::default();
    h.update(&FORMAT_VERSION.to_le_bytes());
    h.update(settings.build_fingerprint().as_bytes());
    for path in settings.data_files()?.all() {
        let len = std::fs::metadata(&path)
            .with_context(|| format!("missing input {}", path.display()))?
            .len();
        h.update(&len.to_le_bytes());
        hash_file(&mut h, &path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    // The offline reviews and the model that classifies them.
    hash_if_present(&mut h, b"reviews", &settings.reviews_file)?;
    if let Some(model) = super::reviews::model_fingerprint(&settings.sentiment_model_dir)? {
        h.update(b"sentiment model");
        h.update(model.as_bytes());
    }
    hash_if_present(&mut h, b"tmdb-snapshot", &settings.tmdb_snapshot)?;
    if let Some(factors) = &settings.item_factors {
        for file in factors.files()? {
            h.update(b"item factors");
            hash_file(&mut h, &file)?;
        }
    }
    Ok(h.hex())
}

/// Adds `tag` and the bytes of an optional input to `h`; a missing file adds nothing.
fn hash_if_present(h: &mut Fnv, tag: &[u8], path: &Path) -> Result<()> {
    match std::fs::File::open(path) {
        Ok(file) => {
            h.update(tag);
            hash_reader(h, file)?;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Feeds a file to `h` a piece at a time: an input (a 10x ratings.csv is 8.5 GB) need not fit in
/// memory to be hashed.
pub(super) fn hash_file(h: &mut Fnv, path: &Path) -> std::io::Result<()> {
    hash_reader(h, std::fs::File::open(path)?)
}

fn hash_reader(h: &mut Fnv, mut file: std::fs::File) -> std::io::Result<()> {
    use std::io::Read;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(()),
            n => h.update(&buf[..n]),
        }
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
