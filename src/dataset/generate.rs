//! MovieLens-shaped releases of any size, for measuring the build and the server past the
//! shipped data (`cinesense bench release`): movies.csv, ratings.csv, links.csv and tags.csv
//! in the CSV layout the loader reads.
//!
//! Titles, years and genres come from a real catalog (the shipped ml-latest-small): its films
//! first, then recombinations of them ("Toy" + "Night" + "(1997)"). Users rate at least 20
//! films each, their activity long-tailed (Pareto, α 1.2); films are drawn by a power law over
//! a shuffled popularity order, so a few are rated by most users and most by few; each user's
//! ratings are distinct films with increasing timestamps, later users later. Deterministic by
//! seed whatever the thread count: users are generated in fixed blocks, each from its own seed,
//! and written in order, so 320 million ratings never sit in memory at once. Files are written
//! whole or not at all (`atomic_file`).

use super::catalog::title::parse_title;
use super::movielens::{Link, MovieLens};
use crate::atomic_file;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseShape {
    pub users: usize,
    pub movies: usize,
    pub ratings: u64,
    pub seed: u64,
}

/// Every user rates at least this many films, as in the MovieLens releases.
pub const MIN_PER_USER: u64 = 20;
/// Users generated (and written) together.
const BLOCK: usize = 4096;
/// One tag for about this many ratings.
const RATINGS_PER_TAG: u64 = 50;
/// The releases' time span: 1996-01-01 to 2023-10-01.
const FIRST_SECOND: i64 = 820_454_400;
const LAST_SECOND: i64 = 1_696_118_400;

/// A real film the generated ones are drawn from.
#[derive(Debug, Clone)]
pub struct SeedMovie {
    /// Without the year.
    pub title: String,
    pub year: Option<u16>,
    pub genres: String,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<u32>,
}

/// Tags with how often each is used.
pub type TagCounts = Vec<(String, u32)>;

/// The films of the release in `dir` to draw from, and its tags.
pub fn seeds_from(dir: &Path) -> Result<(Vec<SeedMovie>, TagCounts)> {
    let release = MovieLens::open(dir)?;
    let links: HashMap<u32, Link> = release
        .links()?
        .into_iter()
        .map(|l| (l.movie_id, l))
        .collect();
    let seeds = release
        .movies()?
        .into_iter()
        .map(|m| {
            let parsed = parse_title(&m.title);
            let link = links.get(&m.id);
            SeedMovie {
                title: parsed.title,
                year: parsed.year,
                genres: m.genres.join("|"),
                imdb_id: link.and_then(|l| l.imdb_id.clone()),
                tmdb_id: link.and_then(|l| l.tmdb_id),
            }
        })
        .collect();
    let mut words: HashMap<String, u32> = HashMap::new();
    for (_, tag) in release.tags()? {
        *words.entry(tag).or_default() += 1;
    }
    let mut words: TagCounts = words.into_iter().collect();
    words.sort();
    Ok((seeds, words))
}

/// What `generate` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Written {
    pub movies: usize,
    pub users: usize,
    pub ratings: u64,
    pub tags: u64,
}

impl ReleaseShape {
    /// The shape, or why it cannot be made.
    pub fn checked(self) -> Result<Self> {
        if self.users == 0 || self.movies == 0 {
            bail!("a release needs at least one user and one movie");
        }
        if self.ratings < MIN_PER_USER * self.users as u64 {
            bail!(
                "{} ratings are too few for {} users: MovieLens users rate at least {MIN_PER_USER} films each",
                self.ratings,
                self.users
            );
        }
        if self.ratings > (self.movies as u64 / 2) * self.users as u64 {
            bail!(
                "{} ratings are too many for {} users of {} movies (at most half the catalog each)",
                self.ratings,
                self.users,
                self.movies
            );
        }
        Ok(self)
    }
}

/// Writes a release of `shape` into `out` (created; files already there are replaced), drawn
/// from `seeds` and tagged from `tag_words` (by weight).
pub fn generate(
    shape: ReleaseShape,
    seeds: &[SeedMovie],
    tag_words: &[(String, u32)],
    out: &Path,
    bar: &ProgressBar,
) -> Result<Written> {
    let shape = shape.checked()?;
    if seeds.is_empty() {
        bail!("no films to draw titles from");
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut rng = StdRng::seed_from_u64(shape.seed);
    let movies: Vec<SeedMovie> = (0..shape.movies)
        .map(|k| movie(k, seeds, &mut rng))
        .collect();
    atomic_file::write_with(&out.join("movies.csv"), |w| {
        writeln!(w, "movieId,title,genres")?;
        for (k, m) in movies.iter().enumerate() {
            let title = match m.year {
                Some(y) => format!("{} ({y})", m.title),
                None => m.title.clone(),
            };
            writeln!(
                w,
                "{},{},{}",
                k + 1,
                csv_field(&title),
                csv_field(&m.genres)
            )?;
        }
        Ok(())
    })?;
    atomic_file::write_with(&out.join("links.csv"), |w| {
        writeln!(w, "movieId,imdbId,tmdbId")?;
        for (k, m) in movies.iter().enumerate() {
            let tmdb = m.tmdb_id.map(|t| t.to_string()).unwrap_or_default();
            writeln!(w, "{},{},{tmdb}", k + 1, m.imdb_id.as_deref().unwrap_or(""))?;
        }
        Ok(())
    })?;

    // Popularity: rank r (0 = most rated) is film `order[r]`; quality falls with rank a little.
    let mut order: Vec<u32> = (0..shape.movies as u32).collect();
    order.shuffle(&mut rng);
    let counts = per_user_counts(&shape, &mut rng);
    // Cumulative tag weights, to draw a tag by weight with a binary search.
    let tags_by_weight: Vec<u64> = tag_words
        .iter()
        .scan(0u64, |sum, t| {
            *sum += t.1 as u64;
            Some(*sum)
        })
        .collect();
    bar.set_length(shape.ratings);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed:>4} [{bar:30}] {human_pos}/{human_len} ratings ({per_sec}, {eta} left)",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let mut tags_written = 0u64;
    let ratings_path = out.join("ratings.csv");
    let tags_path = out.join("tags.csv");
    // Each file whole or absent; tags.csv lands just before ratings.csv.
    atomic_file::write_with(&ratings_path, |ratings_file| {
        atomic_file::write_with(&tags_path, |tags_file| {
            writeln!(ratings_file, "userId,movieId,rating,timestamp")?;
            writeln!(tags_file, "userId,movieId,tag,timestamp")?;
            // A few blocks at once: in parallel, written in order.
            let blocks: Vec<usize> = (0..shape.users.div_ceil(BLOCK)).collect();
            for group in blocks.chunks(rayon::current_num_threads().max(1) * 2) {
                let texts: Vec<(String, String, u64, u64)> = group
                    .par_iter()
                    .map(|&b| {
                        let users = b * BLOCK..((b + 1) * BLOCK).min(shape.users);
                        block(
                            &shape,
                            users,
                            &counts,
                            &order,
                            tag_words,
                            &tags_by_weight,
                            shape.seed ^ (b as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                        )
                    })
                    .collect();
                for (ratings, tags, n, t) in texts {
                    ratings_file.write_all(ratings.as_bytes())?;
                    tags_file.write_all(tags.as_bytes())?;
                    tags_written += t;
                    bar.inc(n);
                }
            }
            Ok(())
        })
    })?;
    Ok(Written {
        movies: shape.movies,
        users: shape.users,
        ratings: shape.ratings,
        tags: tags_written,
    })
}

/// The k-th film: the seeds first, then recombinations of two of them.
fn movie(k: usize, seeds: &[SeedMovie], rng: &mut StdRng) -> SeedMovie {
    if k < seeds.len() {
        return seeds[k].clone();
    }
    let (a, b) = (
        &seeds[rng.gen_range(0..seeds.len())],
        &seeds[rng.gen_range(0..seeds.len())],
    );
    let (wa, wb): (Vec<&str>, Vec<&str>) =
        (a.title.split(' ').collect(), b.title.split(' ').collect());
    let title = if rng.gen_bool(0.3) {
        format!("{} {}", a.title, rng.gen_range(2..=6))
    } else {
        let head = &wa[..wa.len().div_ceil(2)];
        let tail = &wb[wb.len() / 2..];
        let mut words: Vec<&str> = head.iter().chain(tail).copied().collect();
        words.dedup();
        words.join(" ")
    };
    let year = a
        .year
        .map(|y| (y as i32 + rng.gen_range(-8..=8)).clamp(1902, 2023) as u16);
    SeedMovie {
        title,
        year,
        genres: a.genres.clone(),
        imdb_id: Some(format!("{:07}", 9_000_000 + k)),
        tmdb_id: None,
    }
}

/// How many films each user rates: at least `MIN_PER_USER`, the rest shared by Pareto weights,
/// at most half the catalog; summing to exactly `shape.ratings`.
fn per_user_counts(shape: &ReleaseShape, rng: &mut StdRng) -> Vec<u32> {
    let cap = (shape.movies / 2).max(MIN_PER_USER as usize) as u64;
    let weights: Vec<f64> = (0..shape.users)
        .map(|_| (1.0 - rng.gen::<f64>()).powf(-1.0 / 1.2) - 1.0)
        .collect();
    let sum: f64 = weights.iter().sum();
    let rest = shape.ratings - MIN_PER_USER * shape.users as u64;
    let mut counts: Vec<u64> = weights
        .iter()
        .map(|w| (MIN_PER_USER + (rest as f64 * w / sum) as u64).min(cap))
        .collect();
    // What rounding and the cap left over goes one at a time to users below the cap.
    let mut left = shape.ratings - counts.iter().sum::<u64>();
    while left > 0 {
        for c in counts.iter_mut() {
            if left == 0 {
                break;
            }
            if *c < cap {
                *c += 1;
                left -= 1;
            }
        }
    }
    counts.into_iter().map(|c| c as u32).collect()
}

/// The rows of `users`: (ratings.csv text, tags.csv text, ratings, tags).
fn block(
    shape: &ReleaseShape,
    users: std::ops::Range<usize>,
    counts: &[u32],
    order: &[u32],
    tag_words: &[(String, u32)],
    tags_by_weight: &[u64],
    seed: u64,
) -> (String, String, u64, u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut ratings, mut tags) = (String::new(), String::new());
    let (mut n, mut t) = (0u64, 0u64);
    let m = shape.movies as f64;
    let span = (LAST_SECOND - FIRST_SECOND) as f64;
    for u in users {
        let count = counts[u] as usize;
        // Distinct films, by popularity rank; past many misses, any film.
        let mut seen: HashSet<u32> = HashSet::with_capacity(count);
        let mut rated: Vec<(u32, usize)> = Vec::with_capacity(count);
        let mut misses = 0;
        while rated.len() < count {
            let rank = if misses < 64 {
                ((m * rng.gen::<f64>().powf(3.0)) as usize).min(shape.movies - 1)
            } else {
                rng.gen_range(0..shape.movies)
            };
            let film = order[rank];
            if seen.insert(film) {
                rated.push((film, rank));
                misses = 0;
            } else {
                misses += 1;
            }
        }
        // Users join over the span, later ids later; each rates over a stretch of what is
        // left of it (a day to all of it), at uneven gaps.
        let start = FIRST_SECOND as f64 + span * (u as f64 / shape.users as f64) * 0.95;
        let stretch = (86_400.0_f64).max((LAST_SECOND as f64 - start) * rng.gen::<f64>().powf(2.0));
        let gap = stretch / count as f64;
        let mut clock = start;
        let bias: f32 = rng.gen_range(-0.6..0.6);
        let mut rows: Vec<(u32, f32, i64)> = Vec::with_capacity(count);
        for &(film, rank) in &rated {
            clock += 1.0 + gap * 2.0 * rng.gen::<f64>();
            let quality = 0.7 * (1.0 - rank as f32 / m as f32);
            let taste = ((u.wrapping_mul(31) ^ (film as usize * 17)) % 9) as f32 / 8.0 - 0.5;
            let noise: f32 = rng.gen_range(-1.0..1.0);
            let stars = (3.0 + bias + taste * 1.5 + quality + noise).clamp(0.5, 5.0);
            let when = (clock as i64).min(LAST_SECOND);
            rows.push((film, (stars * 2.0).round() / 2.0, when));
        }
        rows.sort_unstable_by_key(|r| r.0);
        for &(film, stars, when) in &rows {
            use std::fmt::Write as _;
            let _ = writeln!(ratings, "{},{},{},{when}", u + 1, film + 1, stars);
            if let Some(&total) = tags_by_weight.last().filter(|&&t| t > 0) {
                if rng.gen_range(0..RATINGS_PER_TAG) != 0 {
                    continue;
                }
                let pick = rng.gen_range(0..total);
                let word = &tag_words[tags_by_weight.partition_point(|&c| c <= pick)].0;
                let _ = writeln!(tags, "{},{},{},{when}", u + 1, film + 1, csv_field(word));
                t += 1;
            }
        }
        n += count as u64;
    }
    (ratings, tags, n, t)
}

/// A CSV field, quoted when it holds a comma or a quote.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> Vec<SeedMovie> {
        ["Toy Story", "Heat", "The Night of the Hunter", "Jumanji"]
            .iter()
            .enumerate()
            .map(|(k, t)| SeedMovie {
                title: t.to_string(),
                year: Some(1990 + k as u16),
                genres: "Drama|Comedy".into(),
                imdb_id: Some(format!("{:07}", 100 + k)),
                tmdb_id: Some(k as u32 + 1),
            })
            .collect()
    }

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn a_release_has_the_asked_shape_and_the_same_seed_writes_the_same_bytes() {
        let shape = ReleaseShape {
            users: 300,
            movies: 2_000,
            ratings: 30_000,
            seed: 7,
        };
        let words = [("funny".to_string(), 3), ("dark, moody".to_string(), 1)];
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let bar = ProgressBar::hidden();
        let written = generate(shape, &seeds(), &words, a.path(), &bar).unwrap();
        generate(shape, &seeds(), &words, b.path(), &bar).unwrap();
        for name in ["movies.csv", "ratings.csv", "links.csv", "tags.csv"] {
            assert_eq!(read(a.path(), name), read(b.path(), name), "{name}");
        }
        assert_eq!(written.ratings, 30_000);
        let ratings = read(a.path(), "ratings.csv");
        let rows: Vec<Vec<&str>> = ratings
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.len(), 30_000);
        let mut per_user = std::collections::HashMap::<&str, HashSet<&str>>::new();
        let mut per_movie = std::collections::HashMap::<&str, usize>::new();
        for r in &rows {
            assert!(
                per_user.entry(r[0]).or_default().insert(r[1]),
                "a film twice: {r:?}"
            );
            *per_movie.entry(r[1]).or_default() += 1;
            let stars: f32 = r[2].parse().unwrap();
            assert!(
                (0.5..=5.0).contains(&stars) && (stars * 2.0).fract() == 0.0,
                "{r:?}"
            );
        }
        assert_eq!(per_user.len(), 300);
        assert!(per_user.values().all(|films| films.len() >= 20));
        // Long tails: the busiest user and the most rated film far above the median.
        let mut users: Vec<usize> = per_user.values().map(HashSet::len).collect();
        users.sort_unstable();
        assert!(users[299] > 4 * users[150], "{users:?}");
        let mut films: Vec<usize> = per_movie.values().copied().collect();
        films.sort_unstable();
        assert!(
            films[films.len() - 1] > 8 * films[films.len() / 2],
            "{films:?}"
        );
        // The seeds come first, then recombinations with years.
        let movies = read(a.path(), "movies.csv");
        assert!(movies
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("1,Toy Story (1990),"));
        assert_eq!(movies.lines().count(), 2_001);
        assert!(read(a.path(), "tags.csv").contains("\"dark, moody\""));
        let leftovers: Vec<_> = std::fs::read_dir(a.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let other = generate(
            ReleaseShape { seed: 8, ..shape },
            &seeds(),
            &words,
            b.path(),
            &bar,
        );
        assert!(other.is_ok());
        assert_ne!(read(a.path(), "ratings.csv"), read(b.path(), "ratings.csv"));
    }

    #[test]
    fn impossible_shapes_are_refused_naming_why() {
        let shape = |users, movies, ratings| ReleaseShape {
            users,
            movies,
            ratings,
            seed: 1,
        };
        let e = shape(100, 1000, 1999).checked().unwrap_err().to_string();
        assert!(e.contains("at least 20"), "{e}");
        let e = shape(10, 30, 200).checked().unwrap_err().to_string();
        assert!(e.contains("too many"), "{e}");
        assert!(shape(0, 10, 0).checked().is_err());
        assert!(shape(10, 100, 200).checked().is_ok());
    }
}
