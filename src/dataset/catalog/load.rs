//! Reading the shipped CSV files into a `Catalog`.

use super::{title::parse_title, Catalog, Movie, PopularityBand};
use crate::dataset::movielens::{Link, MovieLens};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The inputs of the catalog and the models: a MovieLens release and the TMDB 5000 file.
#[derive(Debug, Clone)]
pub struct DataFiles {
    pub movielens: MovieLens,
    pub tmdb: PathBuf,
}

impl DataFiles {
    /// The release in `movielens_dir`, and the TMDB 5000 file under `data_dir`.
    pub fn new(movielens_dir: &Path, data_dir: &Path) -> Result<Self> {
        Ok(DataFiles {
            movielens: MovieLens::open(movielens_dir)?,
            tmdb: data_dir
                .join("tmdb-5000-movies")
                .join("tmdb_5000_movies.csv"),
        })
    }

    /// Every input file, for the build's input hash.
    pub(crate) fn all(&self) -> Vec<PathBuf> {
        let mut files = self.movielens.files();
        files.push(self.tmdb.clone());
        files
    }
}

#[derive(Deserialize)]
struct TmdbRow {
    id: u32,
    genres: String,
    keywords: String,
    overview: String,
    popularity: Option<f32>,
    release_date: String,
    runtime: Option<f32>,
    tagline: String,
    vote_average: Option<f32>,
    vote_count: Option<u32>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

/// TMDB fields that the catalog keeps.
struct TmdbInfo {
    overview: Option<String>,
    tagline: Option<String>,
    keywords: Vec<String>,
    runtime: Option<u16>,
    release_date: Option<String>,
    popularity: Option<f32>,
    vote_average: Option<f32>,
    vote_count: Option<u32>,
}

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn load_tmdb(path: &Path) -> Result<HashMap<u32, TmdbInfo>> {
    let mut out = HashMap::new();
    for (line, row) in reader(path)?.deserialize::<TmdbRow>().enumerate() {
        let row = row.with_context(|| format!("{}: record {}", path.display(), line + 1))?;
        let keywords: Vec<Named> = serde_json::from_str(&row.keywords).unwrap_or_default();
        // TMDB genres duplicate MovieLens' own; parsed only to validate the cell.
        let _: Vec<Named> = serde_json::from_str(&row.genres).unwrap_or_default();
        out.insert(
            row.id,
            TmdbInfo {
                overview: non_empty(row.overview),
                tagline: non_empty(row.tagline),
                keywords: keywords.into_iter().map(|k| k.name).collect(),
                runtime: row.runtime.filter(|r| *r > 0.0).map(|r| r as u16),
                release_date: non_empty(row.release_date),
                popularity: row.popularity,
                vote_average: row.vote_average,
                vote_count: row.vote_count,
            },
        );
    }
    Ok(out)
}

/// Reads movies, links, tags and the TMDB 5000 file. Rating figures are filled in later by
/// `popularity::apply` from the ratings.
/// MovieLens lists IMAX among the genres; it is a format.
fn is_format(genre: &str) -> bool {
    genre == "IMAX"
}

pub fn load_catalog(files: &DataFiles) -> Result<Catalog> {
    let ml = &files.movielens;
    let links: HashMap<u32, Link> = ml.links()?.into_iter().map(|l| (l.movie_id, l)).collect();
    let mut tag_counts: HashMap<u32, Vec<(String, u32)>> = HashMap::new();
    for (movie_id, tag) in ml.tags()? {
        let tag = tag.trim().to_string();
        if tag.is_empty() {
            continue;
        }
        let list = tag_counts.entry(movie_id).or_default();
        match list.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(&tag)) {
            Some((_, n)) => *n += 1,
            None => list.push((tag, 1)),
        }
    }
    let tmdb = load_tmdb(&files.tmdb)?;

    let mut movies = Vec::new();
    for row in ml.movies()? {
        let parsed = parse_title(&row.title);
        let link = links.get(&row.id);
        let tmdb_id = link.and_then(|l| l.tmdb_id);
        let imdb_id = link
            .and_then(|l| l.imdb_id.as_deref())
            .filter(|s| !s.is_empty())
            .map(|s| format!("tt{s:0>7}"));
        let mut tags = tag_counts.remove(&row.id).unwrap_or_default();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let info = tmdb_id.and_then(|id| tmdb.get(&id));
        movies.push(Movie {
            id: row.id,
            title: parsed.title,
            original_title: parsed.original_title,
            movielens_title: row.title.trim().to_string(),
            year: parsed.year,
            genres: row
                .genres
                .iter()
                .filter(|g| !g.is_empty() && *g != "(no genres listed)" && !is_format(g))
                .cloned()
                .collect(),
            formats: row.genres.into_iter().filter(|g| is_format(g)).collect(),
            imdb_id,
            tmdb_id,
            tags: tags.into_iter().map(|(t, _)| t).collect(),
            overview: info.and_then(|i| i.overview.clone()),
            tagline: info.and_then(|i| i.tagline.clone()),
            keywords: info.map(|i| i.keywords.clone()).unwrap_or_default(),
            runtime_minutes: info.and_then(|i| i.runtime),
            release_date: info.and_then(|i| i.release_date.clone()),
            tmdb_popularity: info.and_then(|i| i.popularity),
            tmdb_vote_average: info.and_then(|i| i.vote_average),
            tmdb_vote_count: info.and_then(|i| i.vote_count),
            collection: None,
            rating_count: 0,
            rating_mean: 0.0,
            weighted_rating: 0.0,
            popularity_band: PopularityBand::Unrated,
        });
    }
    Ok(Catalog::new(movies))
}
