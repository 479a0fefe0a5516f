//! A member's film history from elsewhere: a Letterboxd export (`ratings.csv` or `diary.csv`)
//! or an IMDb ratings export (`ratings.csv`), read, matched to the catalog and rated in one
//! transaction.
//!
//! Matching: the IMDb id through links.csv first (IMDb exports carry it); otherwise the title
//! and year, in any of the forms the catalog knows a film by ("The Matrix", "Matrix, The",
//! its a.k.a. titles, the part before a colon), accents and case ignored, the year one off
//! when nothing else is that close. Films already rated keep their rating, so importing the
//! same file twice changes nothing.

use super::members::Members;
use crate::dataset::Catalog;
use crate::domain::Stars;
use crate::models::search::folded_words;
use std::collections::HashMap;

/// The most rows one file may hold (a 5 MiB body holds about 70,000).
const MAX_ROWS: usize = 100_000;

/// The exports understood, told apart by their header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HistoryFormat {
    Letterboxd,
    Imdb,
    /// cinesense's own diary export (Letterboxd's import columns).
    Diary,
}

/// One film of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The line of the file it came from (the header is line 1).
    pub line: usize,
    pub title: String,
    pub year: Option<u16>,
    /// "tt0133093", IMDb exports only.
    pub imdb_id: Option<String>,
    /// None for a diary entry logged without a rating.
    pub stars: Option<Stars>,
    /// When it was rated or watched (Unix seconds, midnight UTC), when the file says.
    pub rated_at: Option<i64>,
}

/// Why a file cannot be read, naming its line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct HistoryError {
    pub line: usize,
    pub message: String,
}

fn bad(line: usize, message: impl Into<String>) -> HistoryError {
    HistoryError {
        line,
        message: message.into(),
    }
}

/// The columns one format reads, by position in the file's header.
struct Columns {
    title: usize,
    year: usize,
    rating: usize,
    date: Option<usize>,
    imdb_id: Option<usize>,
}

fn header_columns(header: &csv::StringRecord) -> Result<(HistoryFormat, Columns), HistoryError> {
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    if let (Some(title), Some(year), Some(rating), Some(_)) = (
        find("Name"),
        find("Year"),
        find("Rating"),
        find("Letterboxd URI"),
    ) {
        // A diary says when it was watched; ratings.csv when it was logged.
        let date = find("Watched Date").or(find("Date"));
        return Ok((
            HistoryFormat::Letterboxd,
            Columns {
                title,
                year,
                rating,
                date,
                imdb_id: None,
            },
        ));
    }
    if let (Some(id), Some(rating), Some(title), Some(year)) = (
        find("Const"),
        find("Your Rating"),
        find("Title"),
        find("Year"),
    ) {
        return Ok((
            HistoryFormat::Imdb,
            Columns {
                title,
                year,
                rating,
                date: find("Date Rated"),
                imdb_id: Some(id),
            },
        ));
    }
    if let (Some(title), Some(year), Some(rating), Some(date)) = (
        find("Title"),
        find("Year"),
        find("Rating"),
        find("WatchedDate"),
    ) {
        return Ok((
            HistoryFormat::Diary,
            Columns {
                title,
                year,
                rating,
                date: Some(date),
                imdb_id: find("imdbID"),
            },
        ));
    }
    Err(bad(
        1,
        "this is not a Letterboxd export (columns Date, Name, Year, Letterboxd URI, Rating) \
         or an IMDb ratings export (columns Const, Your Rating, Date Rated, Title, Year)",
    ))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "2023-05-14" as Unix seconds at midnight UTC.
fn parse_date(raw: &str) -> Option<i64> {
    let mut parts = raw.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.get(..2)?.parse().ok()?;
    if !(1870..=2200).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Reads an export: which one it is and its rows, or the first line that is wrong.
pub fn parse_history(text: &str) -> Result<(HistoryFormat, Vec<HistoryRow>), HistoryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(bad(1, "the file is empty"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| bad(1, format!("the header can't be read: {e}")))?
        .clone();
    let (format, cols) = header_columns(&header)?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| p.line() as usize);
        let record = record.map_err(|e| bad(i + 2, format!("can't be read as CSV: {e}")))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(bad(
                line,
                format!("a file may hold at most {MAX_ROWS} films"),
            ));
        }
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let title = field(cols.title);
        if title.is_empty() {
            return Err(bad(line, "the title is empty"));
        }
        let year = match field(cols.year) {
            "" => None,
            y => Some(
                y.parse::<u16>()
                    .ok()
                    .filter(|y| (1870..=2200).contains(y))
                    .ok_or_else(|| bad(line, format!("the year {y:?} is not a year")))?,
            ),
        };
        let stars = match field(cols.rating) {
            "" => None,
            r => {
                let v: f64 = r
                    .parse()
                    .map_err(|_| bad(line, format!("the rating {r:?} is not a number")))?;
                let v = match format {
                    HistoryFormat::Letterboxd | HistoryFormat::Diary => v,
                    // IMDb's 1-10 become half stars: 7 -> 3.5.
                    HistoryFormat::Imdb if (1.0..=10.0).contains(&v) && v.fract() == 0.0 => v / 2.0,
                    HistoryFormat::Imdb => {
                        return Err(bad(line, format!("the rating {r:?} is not 1 to 10")))
                    }
                };
                Some(Stars::parse(v).map_err(|_| {
                    bad(
                        line,
                        format!("the rating {r:?} is not 0.5 to 5 in half stars"),
                    )
                })?)
            }
        };
        let rated_at = match cols.date.map(field).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(
                parse_date(d)
                    .ok_or_else(|| bad(line, format!("the date {d:?} is not YYYY-MM-DD")))?,
            ),
        };
        let imdb_id = cols
            .imdb_id
            .map(field)
            .filter(|id| id.starts_with("tt") && id[2..].chars().all(|c| c.is_ascii_digit()))
            .map(String::from);
        rows.push(HistoryRow {
            line,
            title: title.to_string(),
            year,
            imdb_id,
            stars,
            rated_at,
        });
    }
    if rows.is_empty() {
        return Err(bad(2, "the file has a header but no films"));
    }
    Ok((format, rows))
}

/// Finds a row's film in the catalog.
pub struct TitleMatcher {
    /// "tt0133093" (as links.csv gives it, zero-padded to 7 digits) -> row.
    by_imdb: HashMap<String, usize>,
    /// (folded title, year) -> rows; every form of every title.
    by_title: HashMap<(String, u16), Vec<usize>>,
}

/// The names a film goes by: display title, MovieLens' form, a.k.a. titles, and the part
/// before a colon ("Star Wars: Episode IV - A New Hope" -> "Star Wars").
fn names(title: &str, movielens_title: &str, original: Option<&str>) -> Vec<String> {
    let mut out = vec![movielens_title.to_string()];
    out.extend(original.map(String::from));
    // "Seven (a.k.a. Se7en)": "Seven" and "Se7en".
    let mut bare = title.to_string();
    while let Some(start) = bare.find(" (a.k.a. ") {
        let Some(len) = bare[start..].find(')') else {
            break;
        };
        out.push(bare[start + 9..start + len].to_string());
        bare.replace_range(start..start + len + 1, "");
    }
    if let Some((head, _)) = bare.split_once(": ") {
        out.push(head.to_string());
    }
    out.push(bare);
    let mut keys: Vec<String> = out
        .iter()
        .map(|n| folded_words(n))
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

impl TitleMatcher {
    pub fn new(catalog: &Catalog) -> Self {
        let mut by_imdb = HashMap::new();
        let mut by_title: HashMap<(String, u16), Vec<usize>> = HashMap::new();
        for (row, m) in catalog.movies().iter().enumerate() {
            if let Some(id) = &m.imdb_id {
                by_imdb.insert(normal_imdb(id), row);
            }
            let Some(year) = m.year else { continue };
            // MovieLens' title without its year and parentheses: "Matrix, The".
            let ml = m.movielens_title.split(" (").next().unwrap_or("");
            for key in names(&m.title, ml, m.original_title.as_deref()) {
                let rows = by_title.entry((key, year)).or_default();
                if !rows.contains(&row) {
                    rows.push(row);
                }
            }
        }
        TitleMatcher { by_imdb, by_title }
    }

    /// The catalog row of a row of the file, when exactly one film fits.
    pub fn find(&self, r: &HistoryRow, catalog: &Catalog) -> Option<usize> {
        if let Some(row) = r
            .imdb_id
            .as_deref()
            .and_then(|id| self.by_imdb.get(&normal_imdb(id)))
        {
            return Some(*row);
        }
        let year = r.year?;
        let key = folded_words(&r.title);
        let one = |y: u16| match self.by_title.get(&(key.clone(), y)) {
            Some(rows) if rows.len() == 1 => Some(rows[0]),
            // Two films of one name and year: the one more people rated.
            Some(rows) => rows
                .iter()
                .copied()
                .max_by_key(|&x| catalog.at(x).rating_count),
            None => None,
        };
        one(year).or_else(|| match (one(year - 1), one(year + 1)) {
            (Some(a), None) | (None, Some(a)) => Some(a),
            _ => None,
        })
    }
}

/// "tt133093" and "tt0133093" are one id.
fn normal_imdb(id: &str) -> String {
    let digits = id.trim_start_matches("tt").trim_start_matches('0');
    format!("tt{digits:0>7}")
}

/// A row of the file no film of the catalog fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    pub line: usize,
    pub title: String,
    pub year: Option<u16>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub format: HistoryFormat,
    /// Films rated now.
    pub imported: u64,
    /// Films the member had rated already (their rating stays).
    pub already_rated: u64,
    /// Rows logged without a rating (a diary's "watched").
    pub without_rating: u64,
    pub unmatched: Vec<Unmatched>,
}

/// The rows to rate and the report's counts so far: one rating per film (the latest-dated row
/// wins), rows without a rating counted apart.
pub fn plan_import(
    rows: &[HistoryRow],
    matcher: &TitleMatcher,
    catalog: &Catalog,
    now: i64,
) -> (Vec<(u32, f32, i64)>, u64, Vec<Unmatched>) {
    let mut chosen: HashMap<u32, (f32, i64, usize)> = HashMap::new();
    let mut without_rating = 0;
    let mut unmatched = Vec::new();
    for r in rows {
        let Some(row) = matcher.find(r, catalog) else {
            unmatched.push(Unmatched {
                line: r.line,
                title: r.title.clone(),
                year: r.year,
            });
            continue;
        };
        let Some(stars) = r.stars else {
            without_rating += 1;
            continue;
        };
        let at = r.rated_at.unwrap_or(now).min(now);
        let id = catalog.at(row).id;
        let e = chosen.entry(id).or_insert((stars.value(), at, r.line));
        if (at, r.line) >= (e.1, e.2) {
            *e = (stars.value(), at, r.line);
        }
    }
    let mut ratings: Vec<(u32, f32, i64)> = chosen
        .into_iter()
        .map(|(id, (s, at, _))| (id, s, at))
        .collect();
    ratings.sort_by_key(|r| r.0);
    (ratings, without_rating, unmatched)
}

/// Imports a file for one member.
pub struct History {
    /// Built by the first import: most servers never see one, so start-up does not pay for it.
    matcher: std::sync::OnceLock<TitleMatcher>,
    members: Members,
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error(transparent)]
    File(#[from] HistoryError),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

impl History {
    pub fn new(members: Members) -> Self {
        History {
            matcher: std::sync::OnceLock::new(),
            members,
        }
    }

    /// Reads `text`, matches it and rates the matches in one transaction. Blocks.
    pub fn import(
        &self,
        user_id: i64,
        text: &str,
        catalog: &Catalog,
    ) -> Result<ImportReport, ImportFailure> {
        let (format, rows) = parse_history(text)?;
        let matcher = self.matcher.get_or_init(|| TitleMatcher::new(catalog));
        let (ratings, without_rating, unmatched) =
            plan_import(&rows, matcher, catalog, crate::store::now());
        let imported = self.members.import(user_id, &ratings)?;
        Ok(ImportReport {
            format,
            imported,
            already_rated: ratings.len() as u64 - imported,
            without_rating,
            unmatched,
        })
    }
}
