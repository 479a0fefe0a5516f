//! A folder of any published MovieLens release, whatever its layout:
//! - CSV (ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m): movies.csv, ratings.csv, and
//!   optionally links.csv and tags.csv;
//! - ".dat" with `::` separators (ml-1m, ml-10m): movies.dat, ratings.dat, optionally tags.dat;
//! - ml-100k: u.item (`|` separated, one 0/1 column per genre) and u.data (tab separated).
//!
//! The older releases are Latin-1; every file is read as UTF-8 where it is valid, Latin-1 where
//! not. Genre names follow the newer releases ("Children's" becomes "Children").

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Csv,
    Dat,
    Hundred,
}

/// One movie as the release lists it.
pub(crate) struct ReleaseMovie {
    pub id: u32,
    pub title: String,
    pub genres: Vec<String>,
}

/// A movie's ids on IMDb (digits only) and TMDB, from links.csv.
pub(crate) struct Link {
    pub movie_id: u32,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<u32>,
}

/// A MovieLens release on disk.
#[derive(Debug, Clone)]
pub struct MovieLens {
    dir: PathBuf,
    layout: Layout,
}

/// ml-100k's genre columns, in order.
const HUNDRED_K_GENRES: [&str; 19] = [
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

fn text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
    })
}

fn genre(name: &str) -> String {
    match name.trim() {
        "Children's" => "Children".to_string(),
        other => other.to_string(),
    }
}

fn number<T: std::str::FromStr>(field: Option<&str>, path: &Path, line: usize) -> Result<T> {
    field
        .map(str::trim)
        .and_then(|f| f.parse().ok())
        .with_context(|| format!("{} line {}: expected a number", path.display(), line + 1))
}

impl MovieLens {
    /// Recognises the release in `dir` by its files.
    pub fn open(dir: &Path) -> Result<Self> {
        let layout = if dir.join("movies.csv").exists() {
            Layout::Csv
        } else if dir.join("movies.dat").exists() {
            Layout::Dat
        } else if dir.join("u.item").exists() {
            Layout::Hundred
        } else {
            bail!(
                "{} holds no MovieLens release (movies.csv, movies.dat or u.item)",
                dir.display()
            );
        };
        Ok(MovieLens {
            dir: dir.to_path_buf(),
            layout,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn ratings_path(&self) -> PathBuf {
        self.path(match self.layout {
            Layout::Csv => "ratings.csv",
            Layout::Dat => "ratings.dat",
            Layout::Hundred => "u.data",
        })
    }

    /// The release's files that exist, for the build's input hash.
    pub fn files(&self) -> Vec<PathBuf> {
        let names: &[&str] = match self.layout {
            Layout::Csv => &["movies.csv", "ratings.csv", "links.csv", "tags.csv"],
            Layout::Dat => &["movies.dat", "ratings.dat", "tags.dat"],
            Layout::Hundred => &["u.item", "u.data"],
        };
        names
            .iter()
            .map(|n| self.path(n))
            .filter(|p| p.exists())
            .collect()
    }

    pub(crate) fn movies(&self) -> Result<Vec<ReleaseMovie>> {
        match self.layout {
            Layout::Csv => {
                #[derive(serde::Deserialize)]
                struct Row {
                    #[serde(rename = "movieId")]
                    movie_id: u32,
                    title: String,
                    genres: String,
                }
                let path = self.path("movies.csv");
                let mut out = Vec::new();
                for row in csv_reader(&path)?.deserialize::<Row>() {
                    let row = row.with_context(|| format!("{}", path.display()))?;
                    out.push(ReleaseMovie {
                        id: row.movie_id,
                        title: row.title,
                        genres: row.genres.split('|').map(genre).collect(),
                    });
                }
                Ok(out)
            }
            Layout::Dat => {
                let path = self.path("movies.dat");
                let mut out = Vec::new();
                for (n, line) in text(&path)?.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let mut f = line.split("::");
                    let id = number(f.next(), &path, n)?;
                    let title = f.next().unwrap_or_default().to_string();
                    let genres = f.next().unwrap_or_default().split('|').map(genre).collect();
                    out.push(ReleaseMovie { id, title, genres });
                }
                Ok(out)
            }
            Layout::Hundred => {
                let path = self.path("u.item");
                let mut out = Vec::new();
                for (n, line) in text(&path)?.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let f: Vec<&str> = line.split('|').collect();
                    let id = number(f.first().copied(), &path, n)?;
                    let flags = f.len().saturating_sub(HUNDRED_K_GENRES.len());
                    let genres = HUNDRED_K_GENRES
                        .iter()
                        .zip(&f[flags..])
                        .filter(|(_, flag)| flag.trim() == "1")
                        .map(|(g, _)| g.to_string())
                        .collect();
                    out.push(ReleaseMovie {
                        id,
                        title: f.get(1).copied().unwrap_or_default().to_string(),
                        genres,
                    });
                }
                Ok(out)
            }
        }
    }

    /// Each movie's ids elsewhere; only the CSV releases have links.
    pub(crate) fn links(&self) -> Result<Vec<Link>> {
        let path = self.path("links.csv");
        if self.layout != Layout::Csv || !path.exists() {
            return Ok(Vec::new());
        }
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(rename = "movieId")]
            movie_id: u32,
            #[serde(rename = "imdbId")]
            imdb_id: Option<String>,
            #[serde(rename = "tmdbId")]
            tmdb_id: Option<u32>,
        }
        let mut out = Vec::new();
        for row in csv_reader(&path)?.deserialize::<Row>() {
            let row = row.with_context(|| format!("{}", path.display()))?;
            out.push(Link {
                movie_id: row.movie_id,
                imdb_id: row.imdb_id,
                tmdb_id: row.tmdb_id,
            });
        }
        Ok(out)
    }

    /// (movieId, tag) for every tag application, where the release has tags.
    pub(crate) fn tags(&self) -> Result<Vec<(u32, String)>> {
        match self.layout {
            Layout::Csv => {
                let path = self.path("tags.csv");
                if !path.exists() {
                    return Ok(Vec::new());
                }
                #[derive(serde::Deserialize)]
                struct Row {
                    #[serde(rename = "movieId")]
                    movie_id: u32,
                    tag: String,
                }
                let mut out = Vec::new();
                for row in csv_reader(&path)?.deserialize::<Row>() {
                    let row = row.with_context(|| format!("{}", path.display()))?;
                    out.push((row.movie_id, row.tag));
                }
                Ok(out)
            }
            Layout::Dat => {
                let path = self.path("tags.dat");
                if !path.exists() {
                    return Ok(Vec::new());
                }
                let mut out = Vec::new();
                for (n, line) in text(&path)?.lines().enumerate() {
                    let f: Vec<&str> = line.split("::").collect();
                    if f.len() >= 3 {
                        out.push((number(f.get(1).copied(), &path, n)?, f[2].to_string()));
                    }
                }
                Ok(out)
            }
            Layout::Hundred => Ok(Vec::new()),
        }
    }

    /// Calls `each(userId, movieId, stars, unix time)` for every rating, in file order.
    pub(crate) fn ratings(&self, mut each: impl FnMut(u32, u32, f32, i64)) -> Result<()> {
        let path = self.ratings_path();
        match self.layout {
            Layout::Csv => csv_ratings(&path, each)?,
            Layout::Dat | Layout::Hundred => {
                let separator = if self.layout == Layout::Dat {
                    "::"
                } else {
                    "\t"
                };
                for (n, line) in text(&path)?.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let mut f = line.split(separator);
                    let user = number(f.next(), &path, n)?;
                    let movie = number(f.next(), &path, n)?;
                    let stars = number(f.next(), &path, n)?;
                    let time = number(f.next(), &path, n)?;
                    each(user, movie, stars, time);
                }
            }
        }
        Ok(())
    }
}

/// Calls `each(userId, movieId, stars, unix time)` for every row of a MovieLens ratings.csv.
pub(crate) fn csv_ratings(path: &Path, mut each: impl FnMut(u32, u32, f32, i64)) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Row {
        #[serde(rename = "userId")]
        user_id: u32,
        #[serde(rename = "movieId")]
        movie_id: u32,
        rating: f32,
        timestamp: i64,
    }
    for (n, row) in csv_reader(path)?.deserialize::<Row>().enumerate() {
        let r = row.with_context(|| format!("{}: record {}", path.display(), n + 1))?;
        each(r.user_id, r.movie_id, r.rating, r.timestamp);
    }
    Ok(())
}

fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &[u8])]) {
        for (name, body) in files {
            std::fs::write(dir.join(name), body).unwrap();
        }
    }

    type Rated = (u32, u32, f32, i64);

    fn read_all(ml: &MovieLens) -> (Vec<ReleaseMovie>, Vec<Rated>) {
        let mut ratings = Vec::new();
        ml.ratings(|u, m, s, t| ratings.push((u, m, s, t))).unwrap();
        (ml.movies().unwrap(), ratings)
    }

    #[test]
    fn reads_the_dat_layout_in_latin_1() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                (
                    "movies.dat",
                    b"1::Toy Story (1995)::Animation|Children's|Comedy\n2::Am\xe9lie (2001)::Comedy|Romance\n",
                ),
                ("ratings.dat", b"1::1::5::978300760\n1::2::3.5::978300761\n"),
            ],
        );
        let ml = MovieLens::open(dir.path()).unwrap();
        let (movies, ratings) = read_all(&ml);
        assert_eq!(movies[0].genres, ["Animation", "Children", "Comedy"]);
        assert_eq!(movies[1].title, "Amélie (2001)");
        assert_eq!(ratings, [(1, 1, 5.0, 978300760), (1, 2, 3.5, 978300761)]);
        assert!(ml.links().unwrap().is_empty() && ml.tags().unwrap().is_empty());
    }

    #[test]
    fn reads_the_100k_layout() {
        let dir = tempfile::tempdir().unwrap();
        let item = "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n";
        write(
            dir.path(),
            &[
                ("u.item", item.as_bytes()),
                ("u.data", b"196\t1\t3\t881250949\n"),
            ],
        );
        let ml = MovieLens::open(dir.path()).unwrap();
        let (movies, ratings) = read_all(&ml);
        assert_eq!(movies[0].title, "Toy Story (1995)");
        assert_eq!(movies[0].genres, ["Animation", "Children", "Comedy"]);
        assert_eq!(ratings, [(196, 1, 3.0, 881250949)]);
    }

    #[test]
    fn a_folder_without_a_release_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = MovieLens::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("movies.csv"), "{err}");
    }
}
