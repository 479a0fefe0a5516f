//! index/ life cycle: built once, reused while fresh, rebuilt when stale, rejected when corrupt.

use cinesense::config::Settings;
use cinesense::dataset::tmdb_snapshot::{self, SnapshotMovie};
use cinesense::index::{self, Freshness};
use std::path::{Path, PathBuf};

fn settings(index: &Path, outside: &Path) -> Settings {
    Settings {
        data_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
        movielens_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data")
            .join("movielens-ml-latest-small"),
        index_dir: index.to_path_buf(),
        database_url: outside.join("store.sqlite").display().to_string(),
        tmdb_snapshot: outside.join("tmdb-snapshot.jsonl"),
        ..Settings::default()
    }
}

#[test]
fn stale_and_corrupt_indexes_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path(), outside.path());
    assert_eq!(index::freshness(&s).unwrap(), Freshness::Missing);
    let manifest = index::build(&s, true).unwrap();
    assert_eq!(manifest.movies, 9742);
    assert_eq!(manifest.ratings, 100836);
    assert_eq!(index::freshness(&s).unwrap(), Freshness::Fresh);
    // No temporary folders are left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert_eq!(names, vec!["current".to_string()]);

    // A build setting changed: stale.
    s.similar_k = 20;
    assert!(matches!(index::freshness(&s).unwrap(), Freshness::Stale(_)));
    s.similar_k = 50;

    // A damaged artifact is rejected with a message naming it, never half-loaded.
    let path = dir.path().join("current").join("similarity.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let err = index::load(&s).err().expect("corrupt index must not load");
    assert!(format!("{err:#}").contains("similarity.bin"), "{err:#}");
    // load_or_build repairs it.
    let a = index::load_or_build(&s, true).unwrap();
    assert_eq!(a.catalog.len(), 9742);
    drop(a);

    // So is a damaged file of the search index (2,000 flipped bytes in a tantivy .term file
    // served 500s on every third search), and loading a sound one twice changes nothing.
    index::load(&s).unwrap();
    let search = dir.path().join("current").join("search");
    let term = std::fs::read_dir(&search)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "term"))
        .expect("a .term file");
    let mut bytes = std::fs::read(&term).unwrap();
    for b in bytes.iter_mut().take(2000) {
        *b ^= 0x5a;
    }
    std::fs::write(&term, bytes).unwrap();
    let err = index::load(&s)
        .err()
        .expect("a corrupt search index must not load");
    let name = term.file_name().unwrap().to_string_lossy().into_owned();
    assert!(format!("{err:#}").contains(&name), "{err:#}");
    let a = index::load_or_build(&s, true).unwrap();
    assert_eq!(a.catalog.len(), 9742);

    let target = a
        .catalog
        .movies()
        .iter()
        .find(|m| m.overview.is_none() && m.tmdb_id.is_some())
        .unwrap();
    let (id, tmdb_id) = (target.id, target.tmdb_id.unwrap());

    // TMDB details cached in the store, as a movie page visit caches them: still fresh.
    let store = cinesense::store::Store::open(&s.database().unwrap()).unwrap();
    let body = serde_json::json!({"id": tmdb_id, "overview": "Seen on a page visit."});
    store
        .cache_put(&format!("tmdb:movie:{tmdb_id}"), &body.to_string())
        .unwrap();
    assert_eq!(index::freshness(&s).unwrap(), Freshness::Fresh);

    // The snapshot `enrich` writes makes the index stale, and the next build uses it.
    let written = SnapshotMovie {
        tmdb_id,
        overview: Some("A test overview about lighthouses.".into()),
        keywords: vec!["lighthouse".into()],
        ..Default::default()
    };
    tmdb_snapshot::write(&s.tmdb_snapshot, vec![written]).unwrap();
    assert!(matches!(index::freshness(&s).unwrap(), Freshness::Stale(_)));
    let a = index::load_or_build(&s, true).unwrap();
    let m = a.catalog.get(id).unwrap();
    assert_eq!(
        m.overview.as_deref(),
        Some("A test overview about lighthouses.")
    );
    assert_eq!(m.keywords, vec!["lighthouse".to_string()]);
}
