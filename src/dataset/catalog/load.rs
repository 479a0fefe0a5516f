//! Reading the shipped CSV files into a `Catalog`.

use super::{title::parse_title, Catalog, Movie, PopularityBand};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The input files of the catalog and the models, under `data/`.
#[derive(Debug, Clone)]
pub struct DataFiles {
    pub movies: PathBuf,
    pub links: PathBuf,
    pub tags: PathBuf,
    pub ratings: PathBuf,
    pub tmdb: PathBuf,
}

impl DataFiles {
    pub fn in_dir(data_dir: &Path) -> Self {
        let ml = data_dir.join("movielens-ml-latest-small");
        DataFiles {
            movies: ml.join("movies.csv"),
            links: ml.join("links.csv"),
            tags: ml.join("tags.csv"),
            ratings: ml.join("ratings.csv"),
            tmdb: data_dir
                .join("tmdb-5000-movies")
                .join("tmdb_5000_movies.csv"),
        }
    }

    pub(crate) fn all(&self) -> [&Path; 5] {
        [
            &self.movies,
            &self.links,
            &self.tags,
            &self.ratings,
            &self.tmdb,
        ]
    }
}

#[derive(Deserialize)]
struct MovieRow {
    #[serde(rename = "movieId")]
    movie_id: u32,
    title: String,
    genres: String,
}

#[derive(Deserialize)]
struct LinkRow {
    #[serde(rename = "movieId")]
    movie_id: u32,
    #[serde(rename = "imdbId")]
    imdb_id: Option<String>,
    #[serde(rename = "tmdbId")]
    tmdb_id: Option<u32>,
}

#[derive(Deserialize)]
struct TagRow {
    #[serde(rename = "movieId")]
    movie_id: u32,
    tag: String,
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
pub fn load_catalog(files: &DataFiles) -> Result<Catalog> {
    let mut links: HashMap<u32, LinkRow> = HashMap::new();
    for row in reader(&files.links)?.deserialize::<LinkRow>() {
        let row = row.context("links.csv")?;
        links.insert(row.movie_id, row);
    }
    let mut tag_counts: HashMap<u32, Vec<(String, u32)>> = HashMap::new();
    for row in reader(&files.tags)?.deserialize::<TagRow>() {
        let row = row.context("tags.csv")?;
        let tag = row.tag.trim().to_string();
        if tag.is_empty() {
            continue;
        }
        let list = tag_counts.entry(row.movie_id).or_default();
        match list.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(&tag)) {
            Some((_, n)) => *n += 1,
            None => list.push((tag, 1)),
        }
    }
    let tmdb = load_tmdb(&files.tmdb)?;

    let mut movies = Vec::new();
    for row in reader(&files.movies)?.deserialize::<MovieRow>() {
        let row = row.context("movies.csv")?;
        let parsed = parse_title(&row.title);
        let link = links.get(&row.movie_id);
        let tmdb_id = link.and_then(|l| l.tmdb_id);
        let imdb_id = link
            .and_then(|l| l.imdb_id.as_deref())
            .filter(|s| !s.is_empty())
            .map(|s| format!("tt{s:0>7}"));
        let mut tags = tag_counts.remove(&row.movie_id).unwrap_or_default();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let info = tmdb_id.and_then(|id| tmdb.get(&id));
        movies.push(Movie {
            id: row.movie_id,
            title: parsed.title,
            original_title: parsed.original_title,
            movielens_title: row.title.trim().to_string(),
            year: parsed.year,
            genres: row
                .genres
                .split('|')
                .filter(|g| !g.is_empty() && *g != "(no genres listed)")
                .map(str::to_string)
                .collect(),
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
            rating_count: 0,
            rating_mean: 0.0,
            weighted_rating: 0.0,
            popularity_band: PopularityBand::Unrated,
        });
    }
    Ok(Catalog::new(movies))
}
