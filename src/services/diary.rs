//! A member's diary: every film they rated, with the date, filtered by genre and decade and
//! sorted by date, stars or title; and the same as a CSV file in the columns Letterboxd's
//! importer reads (Title, Year, Rating, WatchedDate, imdbID, tmdbID), which `history` reads
//! back too.

use crate::dataset::Catalog;
use crate::records::UserRating;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The diary's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiarySort {
    /// Newest first.
    Date,
    /// Most stars first, newest first among equals.
    Rating,
    /// A to Z, "The" and "A" ignored as the catalog files them.
    Title,
}

impl DiarySort {
    pub const ALL: [DiarySort; 3] = [Self::Date, Self::Rating, Self::Title];
}

/// Which films a diary shows.
#[derive(Debug, Clone, Default)]
pub struct DiaryFilter {
    pub genre: Option<String>,
    /// First year of a decade.
    pub decade: Option<u16>,
}

/// The catalog row and rating of each film shown, in order (films no longer in the catalog
/// are left out).
pub fn diary(
    ratings: Vec<UserRating>,
    catalog: &Catalog,
    filter: &DiaryFilter,
    sort: DiarySort,
) -> Vec<(usize, UserRating)> {
    let mut out: Vec<(usize, UserRating)> = ratings
        .into_iter()
        .filter_map(|r| catalog.index_of(r.movie_id).map(|row| (row, r)))
        .filter(|(row, _)| {
            let m = catalog.at(*row);
            filter.genre.as_ref().is_none_or(|g| m.genres.contains(g))
                && filter
                    .decade
                    .is_none_or(|d| m.year.is_some_and(|y| y / 10 * 10 == d))
        })
        .collect();
    let newest = |a: &UserRating, b: &UserRating| {
        b.updated_at
            .cmp(&a.updated_at)
            .then(a.movie_id.cmp(&b.movie_id))
    };
    match sort {
        DiarySort::Date => out.sort_by(|a, b| newest(&a.1, &b.1)),
        DiarySort::Rating => out.sort_by(|a, b| {
            b.1.rating
                .total_cmp(&a.1.rating)
                .then_with(|| newest(&a.1, &b.1))
        }),
        DiarySort::Title => out.sort_by_cached_key(|(row, r)| {
            let m = catalog.at(*row);
            (m.movielens_title.to_lowercase(), r.movie_id)
        }),
    }
    out
}

/// "2023-05-14" of Unix seconds (UTC).
pub fn iso_date(unix: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The header of the CSV export.
pub const CSV_HEADER: [&str; 6] = ["Title", "Year", "Rating", "WatchedDate", "imdbID", "tmdbID"];

/// The diary as CSV, one film per line.
pub fn to_csv(entries: &[(usize, UserRating)], catalog: &Catalog) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(CSV_HEADER);
    for (row, r) in entries {
        let m = catalog.at(*row);
        let _ = w.write_record([
            m.title.clone(),
            m.year.map(|y| y.to_string()).unwrap_or_default(),
            format!("{}", r.rating),
            iso_date(r.updated_at),
            m.imdb_id.clone().unwrap_or_default(),
            m.tmdb_id.map(|t| t.to_string()).unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_as_the_calendar_has_them() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
        assert_eq!(iso_date(1_700_000_000), "2023-11-14");
        assert_eq!(iso_date(-86_400), "1969-12-31");
    }
}
