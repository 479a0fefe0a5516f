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
        .filter(|n: &String| n != "input-checksums.json")
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

/// Inputs unchanged since they were checked are not read again (their checksums are kept by
/// what `stat` says of them), and an input written since is: the index is stale.
#[test]
fn a_changed_input_makes_the_index_stale_after_its_checksum_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let release = outside.path().join("movielens");
    std::fs::create_dir(&release).unwrap();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/movielens-ml-latest-small");
    for name in ["movies.csv", "ratings.csv", "links.csv", "tags.csv"] {
        std::fs::copy(from.join(name), release.join(name)).unwrap();
    }
    let copied = std::time::Instant::now();
    let s = Settings {
        movielens_dir: release.clone(),
        ..settings(dir.path(), outside.path())
    };
    index::build(&s, true).unwrap();
    // A file written in the last two seconds is read every time; after that its checksum is kept.
    if let Some(wait) = std::time::Duration::from_millis(2_100).checked_sub(copied.elapsed()) {
        std::thread::sleep(wait);
    }
    assert_eq!(index::freshness(&s).unwrap(), Freshness::Fresh);
    let kept = std::fs::read_to_string(dir.path().join("input-checksums.json")).unwrap();
    let ratings = std::fs::canonicalize(release.join("ratings.csv")).unwrap();
    assert!(kept.contains(&*ratings.to_string_lossy()), "{kept}");
    assert_eq!(index::freshness(&s).unwrap(), Freshness::Fresh);

    // One rating changed in place, same length: stale.
    let text = std::fs::read_to_string(release.join("ratings.csv")).unwrap();
    let changed = text.replacen("\n1,1,4.0,", "\n1,1,3.0,", 1);
    assert_ne!(changed, text);
    assert_eq!(changed.len(), text.len());
    std::fs::write(release.join("ratings.csv"), changed).unwrap();
    assert!(matches!(index::freshness(&s).unwrap(), Freshness::Stale(_)));
}

/// A build killed (SIGKILL) after some of its stages resumes from them: the next build says
/// which it keeps, reports the killed run's figures for them, and swaps in an index that loads.
#[test]
fn a_killed_build_resumes_from_its_finished_stages() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let s = settings(dir.path(), outside.path());
    let build = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cinesense"));
        c.arg("build")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CINESENSE_DATA_DIR", &s.data_dir)
            .env("CINESENSE_INDEX_DIR", &s.index_dir)
            .env("DATABASE_URL", &s.database_url)
            .env("TMDB_SNAPSHOT", &s.tmdb_snapshot)
            .env("RUST_LOG", "warn");
        c
    };
    let stages_of = |v: &serde_json::Value| -> Vec<(String, f64)> {
        v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["seconds"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let mut child = build()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    // Kill it once matrix factorisation is recorded (the implicit model takes seconds more).
    let recorded = loop {
        let record = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".building-")
            })
            .and_then(|p| std::fs::read(p.join("stages.json")).ok())
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        if let Some(v) = record {
            let stages = stages_of(&v);
            if stages.iter().any(|s| s.0 == "matrix factorisation") {
                break stages;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it could be killed"
        );
        assert!(started.elapsed().as_secs() < 600, "no stage recorded");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.path().join("current").exists(),
        "the killed build finished"
    );
    assert_eq!(recorded.len(), 4, "{recorded:?}");

    let out = build().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "resuming an interrupted build: catalog, ratings and popularity; content similarity \
             (TF-IDF, top-k cosine); search index; matrix factorisation already done"
        ),
        "{stderr}"
    );
    // Each stage it ran printed its time and peak memory; the kept ones ran no more.
    let ran = |name: &str| {
        stderr
            .lines()
            .any(|l| l.starts_with(name) && l.ends_with("MiB peak"))
    };
    assert!(
        ran("implicit model") && ran("co-watched films") && ran("offline reviews"),
        "{stderr}"
    );
    assert!(
        !ran("search index") && !ran("matrix factorisation"),
        "{stderr}"
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("current").join("manifest.json")).unwrap(),
    )
    .unwrap();
    let stages = stages_of(&manifest);
    assert_eq!(&stages[..4], &recorded[..], "the kept stages were redone");
    assert_eq!(
        stages.iter().map(|s| s.0.as_str()).collect::<Vec<_>>()[4..],
        [
            "implicit model",
            "co-watched films (more like this)",
            "offline reviews"
        ]
    );
    let a = index::load(&s).unwrap();
    assert_eq!(a.catalog.len(), 9742);
    assert!(a.implicit.is_some());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .filter(|n: &String| !n.starts_with("review-sentiment-") && n != "input-checksums.json")
        .collect();
    assert_eq!(names, vec!["current".to_string()]);
}
