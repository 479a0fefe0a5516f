//! The TMDB snapshot: what `cinesense enrich` keeps of each movie's TMDB details, one JSON object
//! per line, sorted by TMDB id. `build` reads this file and nothing else of TMDB's, so the index
//! depends on an explicit, versionable input, never on what page visits happened to cache.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The fields of a movie's TMDB details that the catalog fills in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SnapshotMovie {
    pub tmdb_id: u32,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub keywords: Vec<String>,
    pub runtime: Option<u32>,
    pub release_date: Option<String>,
    pub vote_average: Option<f32>,
    pub vote_count: Option<u32>,
    /// TMDB's name for the film's series ("The Matrix Collection").
    pub collection: Option<String>,
}

/// The snapshot by TMDB id; no file means an empty snapshot.
pub fn read(path: &Path) -> Result<HashMap<u32, SnapshotMovie>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<SnapshotMovie>(l)
                .map(|m| (m.tmdb_id, m))
                .with_context(|| {
                    format!("{} line {} is not a snapshot movie", path.display(), i + 1)
                })
        })
        .collect()
}

/// Writes the snapshot whole or not at all (a temporary file renamed into place).
pub fn write(path: &Path, mut movies: Vec<SnapshotMovie>) -> Result<()> {
    movies.sort_by_key(|m| m.tmdb_id);
    crate::atomic_file::write_jsonl(path, &movies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_snapshot_reads_back_and_a_missing_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.jsonl");
        assert!(read(&path).unwrap().is_empty());
        let movie = SnapshotMovie {
            tmdb_id: 7,
            overview: Some("A lighthouse keeper.".into()),
            keywords: vec!["lighthouse".into()],
            ..Default::default()
        };
        write(&path, vec![movie.clone()]).unwrap();
        assert_eq!(read(&path).unwrap().get(&7), Some(&movie));
        std::fs::write(&path, "{not json\n").unwrap();
        assert!(read(&path).is_err());
    }
}
