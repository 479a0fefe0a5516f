//! Any MovieLens release: a slice of ml-latest-small written in each published layout (CSV,
//! ml-1m/ml-10m ".dat", ml-100k) builds an index, loads, searches and evaluates.

use cinesense::config::Settings;
use cinesense::eval::{self, RatingModel};
use cinesense::index;
use cinesense::models::collab::spark::SparkFactors;
use cinesense::models::collab::ImplicitPart;
use cinesense::models::hybrid::Model;
use std::path::{Path, PathBuf};

struct Slice {
    /// (movieId, title, genres joined by '|')
    movies: Vec<(u32, String, String)>,
    /// (userId, movieId, stars, unix time)
    ratings: Vec<(u32, u32, f32, i64)>,
}

/// The 300 most-rated movies of ml-latest-small and every rating of them.
fn slice() -> Slice {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/movielens-ml-latest-small");
    let mut ratings = Vec::new();
    let mut rdr = csv::Reader::from_path(dir.join("ratings.csv")).unwrap();
    for r in rdr.records() {
        let r = r.unwrap();
        ratings.push((
            r[0].parse().unwrap(),
            r[1].parse().unwrap(),
            r[2].parse().unwrap(),
            r[3].parse().unwrap(),
        ));
    }
    let mut counts = std::collections::HashMap::<u32, usize>::new();
    for r in &ratings {
        *counts.entry(r.1).or_default() += 1;
    }
    let mut top: Vec<(u32, usize)> = counts.into_iter().collect();
    top.sort_by_key(|&(id, n)| (std::cmp::Reverse(n), id));
    let keep: std::collections::HashSet<u32> = top.iter().take(300).map(|p| p.0).collect();
    let mut movies = Vec::new();
    let mut rdr = csv::Reader::from_path(dir.join("movies.csv")).unwrap();
    for r in rdr.records() {
        let r = r.unwrap();
        let id: u32 = r[0].parse().unwrap();
        if keep.contains(&id) {
            movies.push((id, r[1].to_string(), r[2].to_string()));
        }
    }
    ratings.retain(|r| keep.contains(&r.1));
    Slice { movies, ratings }
}

fn write_csv(s: &Slice, dir: &Path) {
    let mut w = csv::Writer::from_path(dir.join("movies.csv")).unwrap();
    w.write_record(["movieId", "title", "genres"]).unwrap();
    for (id, title, genres) in &s.movies {
        w.write_record([id.to_string(), title.clone(), genres.clone()])
            .unwrap();
    }
    w.flush().unwrap();
    let mut w = csv::Writer::from_path(dir.join("ratings.csv")).unwrap();
    w.write_record(["userId", "movieId", "rating", "timestamp"])
        .unwrap();
    for (u, m, r, t) in &s.ratings {
        w.write_record([u.to_string(), m.to_string(), r.to_string(), t.to_string()])
            .unwrap();
    }
    w.flush().unwrap();
}

fn write_dat(s: &Slice, dir: &Path) {
    let movies: String = s
        .movies
        .iter()
        .map(|(id, title, genres)| {
            format!(
                "{id}::{title}::{}\n",
                genres.replace("Children", "Children's")
            )
        })
        .collect();
    // ml-1m is Latin-1: write it so.
    let latin1: Vec<u8> = movies
        .chars()
        .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
        .collect();
    std::fs::write(dir.join("movies.dat"), latin1).unwrap();
    let ratings: String = s
        .ratings
        .iter()
        .map(|(u, m, r, t)| format!("{u}::{m}::{r}::{t}\n"))
        .collect();
    std::fs::write(dir.join("ratings.dat"), ratings).unwrap();
}

fn write_100k(s: &Slice, dir: &Path) {
    const GENRES: [&str; 19] = [
        "(no genres listed)",
        "Action",
        "Adventure",
        "Animation",
        "Children",
        "Comedy",
        "Crime",
        "Documentary",
        "Drama",
        "Fantasy",
        "Film-Noir",
        "Horror",
        "Musical",
        "Mystery",
        "Romance",
        "Sci-Fi",
        "Thriller",
        "War",
        "Western",
    ];
    let items: String = s
        .movies
        .iter()
        .map(|(id, title, genres)| {
            let flags: Vec<&str> = GENRES
                .iter()
                .map(|g| {
                    if genres.split('|').any(|x| x == *g) {
                        "1"
                    } else {
                        "0"
                    }
                })
                .collect();
            format!(
                "{id}|{title}|01-Jan-1995||http://us.imdb.com/|{}\n",
                flags.join("|")
            )
        })
        .collect();
    std::fs::write(dir.join("u.item"), items).unwrap();
    // ml-100k has whole stars only.
    let data: String = s
        .ratings
        .iter()
        .map(|(u, m, r, t)| format!("{u}\t{m}\t{}\t{t}\n", r.ceil()))
        .collect();
    std::fs::write(dir.join("u.data"), data).unwrap();
}

/// Settings that build the release in `release` into `work`.
fn settings_for(release: &Path, work: &Path) -> Settings {
    Settings {
        data_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
        movielens_dir: release.to_path_buf(),
        index_dir: work.join("index"),
        database_url: work.join("store.sqlite").display().to_string(),
        tmdb_snapshot: work.join("snapshot.jsonl"),
        ..Settings::default()
    }
}

#[test]
fn every_layout_builds_serves_and_evaluates() {
    let s = slice();
    for (layout, write) in [
        ("csv", write_csv as fn(&Slice, &Path)),
        ("dat", write_dat),
        ("100k", write_100k),
    ] {
        let release = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        write(&s, release.path());
        let settings = settings_for(release.path(), work.path());
        let manifest = index::build(&settings, true).unwrap();
        assert_eq!(manifest.movies, 300, "{layout}");
        assert_eq!(manifest.ratings, s.ratings.len(), "{layout}");
        let a = index::load_or_build(&settings, true).unwrap();
        let toy_story = a.catalog.get(1).expect("Toy Story is among the most rated");
        assert_eq!(toy_story.title, "Toy Story", "{layout}");
        assert!(
            toy_story.genres.contains(&"Children".to_string()),
            "{layout}"
        );
        let hits = a.search.search("toy sto", 5).unwrap();
        assert_eq!(a.catalog.at(hits[0].row).id, 1, "{layout}");
        assert!(
            a.implicit.is_some(),
            "{layout}: EASE^R fits a release this size"
        );
        let ratings = a.ratings.to_ratings();
        let setup = eval::Setup::new(&a.catalog, &a.similarity, &ratings, &settings, 42);
        let report = eval::evaluate(&setup, 2, None);
        let hr = report.hr10[&Model::Hybrid];
        assert!(
            hr > report.hr10[&Model::Content].min(0.5),
            "{layout}: hybrid HR@10 {hr}"
        );
        assert!(
            report.rmse[&RatingModel::Mf] < report.rmse[&RatingModel::GlobalMean],
            "{layout}"
        );
    }
}

/// `cinesense bench release` writes a MovieLens-shaped release that builds, loads and searches
/// like a real one; the same seed writes the same bytes; a shape that cannot be made exits 2.
#[test]
fn a_generated_release_builds_end_to_end() {
    let release = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let generate = |out: &Path, ratings: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cinesense"))
            .args(["bench", "release", "--users", "400", "--movies", "3000"])
            .args(["--ratings", ratings, "--quiet", "--out"])
            .arg(out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = generate(release.path(), "40000");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ratings"], 40_000, "{report}");
    assert!(report["tags"].as_u64().unwrap() > 0, "{report}");
    let settings = settings_for(release.path(), work.path());
    let manifest = index::build(&settings, true).unwrap();
    assert_eq!(manifest.movies, 3_000);
    assert_eq!(manifest.ratings, 40_000);
    let a = index::load_or_build(&settings, true).unwrap();
    // The seed catalog's films come first, under their own ids' order.
    assert_eq!(a.catalog.get(1).unwrap().title, "Toy Story");
    // Among the hits with the recombined films that borrowed its title ("Toy Story 3").
    let hits = a.search.search("toy sto", 5).unwrap();
    assert!(hits.iter().any(|h| a.catalog.at(h.row).id == 1));
    assert!(hits
        .iter()
        .all(|h| a.catalog.at(h.row).title.starts_with("Toy")));
    assert!(a.implicit.is_some());
    // Popular films are rated by many, most films by few.
    let mut counts: Vec<u32> = a.catalog.movies().iter().map(|m| m.rating_count).collect();
    counts.sort_unstable();
    assert!(
        counts[counts.len() - 1] > 20 * counts[counts.len() / 2].max(1),
        "{:?}",
        &counts[counts.len() - 5..]
    );

    let again = tempfile::tempdir().unwrap();
    assert!(generate(again.path(), "40000").status.success());
    for name in ["movies.csv", "ratings.csv", "links.csv", "tags.csv"] {
        assert_eq!(
            std::fs::read(release.path().join(name)).unwrap(),
            std::fs::read(again.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let refused = generate(again.path(), "7999");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at least 20"));
}

/// Factors Spark MLlib's ALS trained on the slice (tests/fixtures/spark, genuine output) build
/// into the index as its iALS; folding a user in from their ratings gives the vector Spark
/// solved for them; factors for films the catalog lacks are refused with exit code 2.
#[test]
fn spark_item_factors_import_and_fold_in_as_spark_solves_users() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark");
    let read_rows = |path: &Path| -> Vec<(u32, Vec<f32>)> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let id = v["id"].as_u64().unwrap() as u32;
                let f = v["features"].as_array().unwrap();
                (id, f.iter().map(|x| x.as_f64().unwrap() as f32).collect())
            })
            .collect()
    };
    let part = std::fs::read_dir(fixtures.join("item-factors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let items = read_rows(&part);
    let users = read_rows(&fixtures.join("user-factors.jsonl"));
    assert_eq!((items.len(), users.len()), (300, 20));

    let s = slice();
    let release = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write_csv(&s, release.path());
    let mut settings = settings_for(release.path(), work.path());
    let mut factors = SparkFactors::at(fixtures.join("item-factors"));
    factors.alpha = 1.0;
    factors.reg_param = 0.1;
    settings.item_factors = Some(factors);
    index::build(&settings, true).unwrap();
    let a = index::load_or_build(&settings, true).unwrap();
    let implicit = a.implicit.as_ref().unwrap();
    assert!(
        implicit
            .describe()
            .contains("iALS imported from Spark (8 factors"),
        "{}",
        implicit.describe()
    );
    let spark_scores = |x: &[f32]| -> Vec<f32> {
        let mut out = vec![0f32; a.catalog.len()];
        for (id, y) in &items {
            out[a.catalog.index_of(*id).unwrap()] = y.iter().zip(x).map(|(p, q)| p * q).sum();
        }
        out
    };
    for (user_id, x) in &users {
        let u = a.ratings.user_index(*user_id).unwrap();
        let rated: Vec<(usize, f32)> = a
            .ratings
            .of_user(u)
            .map(|r| (r.item as usize, 1.0))
            .collect();
        let ours = implicit.part_scores(ImplicitPart::Ials, &rated);
        let theirs = spark_scores(x);
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(p, q)| (p - q).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-3, "user {user_id}: scores differ by {worst}");
    }

    // Factors of another release: refused, naming the films, exit code 2, index kept.
    let alien = work.path().join("alien.csv");
    std::fs::write(&alien, "id,features\n1,0.1,0.2\n999999,0.3,0.4\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cinesense"))
        .args(["build", "--quiet", "--item-factors"])
        .arg(&alien)
        .env("MOVIELENS_DIR", release.path())
        .env("CINESENSE_INDEX_DIR", &settings.index_dir)
        .env("DATABASE_URL", &settings.database_url)
        .env("TMDB_SNAPSHOT", &settings.tmdb_snapshot)
        .env(
            "CINESENSE_DATA_DIR",
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("movieIds [999999]"), "{stderr}");
    assert!(index::load_or_build(&settings, true).is_ok());
}
