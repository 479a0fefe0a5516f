//! Home for a member: rows from what the recommender already knows about them, as streaming
//! apps lay them out. Their top picks; "Because you loved <film>" for up to three films they
//! rated highly (each row seeded by a different one); their watchlist; and films new to them
//! in the genre they like most. No film shows twice, and nothing they rated or turned down.

use super::members::Profile;
use super::recommendations::Recommendations;
use crate::dataset::Catalog;
use crate::models::hybrid::Scored;
use std::collections::{HashMap, HashSet};

/// Films per row: enough to fill the widest screen's line.
pub const ROW_LENGTH: usize = 12;
/// Stars that make a rating a "loved" film.
const LOVED: f32 = 4.0;
/// "Because you loved" rows at most.
const MAX_BECAUSE_ROWS: usize = 3;
/// A row with fewer films is left out.
const MIN_ROW: usize = 4;

/// The kinds of row, each with its own words in the web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// The top of their recommendations.
    TopPicks,
    /// Like a film they rated highly (`seed`).
    BecauseYouLoved,
    /// Their watchlist, newest first.
    Watchlist,
    /// Well liked in their favourite genre (`genre`), none of it rated by them.
    NewInGenre,
}

/// One row: catalog rows with a reason each (empty where the row's title says it).
pub struct HomeRow {
    pub kind: RowKind,
    /// The loved film behind a "because" row (catalog row).
    pub seed: Option<usize>,
    pub genre: Option<String>,
    pub films: Vec<(usize, String)>,
}

/// The genre the member likes most: their rating stars above 3 by genre, and one point for
/// each genre picked at signup.
fn favourite_genre(profile: &Profile, catalog: &Catalog) -> Option<String> {
    let mut weight: HashMap<&str, f32> = HashMap::new();
    for g in &profile.genres {
        *weight.entry(g.as_str()).or_default() += 1.0;
    }
    for &(id, stars) in &profile.ratings {
        if let Some(m) = catalog.get(id) {
            for g in &m.genres {
                *weight.entry(g.as_str()).or_default() += (stars - 3.0).max(0.0);
            }
        }
    }
    weight
        .into_iter()
        .filter(|(g, _)| catalog.genres().iter().any(|x| x == g))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(g, _)| g.to_string())
}

/// The member's rows, in the order Home shows them.
pub fn home_rows(recs: &Recommendations, catalog: &Catalog, profile: &Profile) -> Vec<HomeRow> {
    let mut shown: HashSet<usize> = HashSet::new();
    let rated: HashSet<usize> = profile
        .ratings
        .iter()
        .filter_map(|r| catalog.index_of(r.0))
        .collect();
    let mut left_out: HashSet<usize> = rated.clone();
    left_out.extend(
        profile
            .chosen_or_unwanted()
            .iter()
            .filter_map(|&id| catalog.index_of(id)),
    );
    let mut rows = Vec::new();

    let top: Vec<Scored> = recs.for_member(profile, ROW_LENGTH).scored;
    let films: Vec<(usize, String)> = top.into_iter().map(|s| (s.row, s.reason)).collect();
    shown.extend(films.iter().map(|f| f.0));
    if !films.is_empty() {
        rows.push(HomeRow {
            kind: RowKind::TopPicks,
            seed: None,
            genre: None,
            films,
        });
    }

    // Loved films, the best rated first and the latest among equals.
    let mut loved: Vec<(usize, f32, usize)> = profile
        .ratings
        .iter()
        .enumerate()
        .filter(|(_, r)| r.1 >= LOVED)
        .filter_map(|(i, r)| catalog.index_of(r.0).map(|row| (row, r.1, i)))
        .collect();
    loved.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
    let mut because = 0;
    for (seed, _, _) in loved {
        if because == MAX_BECAUSE_ROWS {
            break;
        }
        let films: Vec<(usize, String)> = recs
            .similar_movies(seed, 5, 40)
            .into_iter()
            .filter(|s| !left_out.contains(&s.row) && !shown.contains(&s.row))
            .take(ROW_LENGTH)
            .map(|s| (s.row, s.reason))
            .collect();
        if films.len() < MIN_ROW {
            continue;
        }
        shown.extend(films.iter().map(|f| f.0));
        because += 1;
        rows.push(HomeRow {
            kind: RowKind::BecauseYouLoved,
            seed: Some(seed),
            genre: None,
            films,
        });
    }

    let films: Vec<(usize, String)> = profile
        .watchlist
        .iter()
        .filter_map(|&id| catalog.index_of(id))
        .take(ROW_LENGTH)
        .map(|row| (row, String::new()))
        .collect();
    if !films.is_empty() {
        rows.push(HomeRow {
            kind: RowKind::Watchlist,
            seed: None,
            genre: None,
            films,
        });
    }

    if let Some(genre) = favourite_genre(profile, catalog) {
        let films: Vec<(usize, String)> = recs
            .popular(Some(&genre), None, 10, ROW_LENGTH * 4)
            .into_iter()
            .filter(|r| !left_out.contains(r) && !shown.contains(r))
            .take(ROW_LENGTH)
            .map(|row| (row, String::new()))
            .collect();
        if films.len() >= MIN_ROW {
            rows.push(HomeRow {
                kind: RowKind::NewInGenre,
                seed: None,
                genre: Some(genre),
                films,
            });
        }
    }
    rows
}
